// Proof under load (issue 15) at the edge: the edge worker (examples/edge-worker) in workerd, as
// pkg-tests/edge-worker.test.mjs starts it, gets --concurrency (2,000) POST /decide requests all
// at once (Promise.all), --rounds (5) times the same requests: distinct CDNOW customers, each with
// an explicit `now` and one of 4 carts (pkg-tests/lib/load.mjs). It checks that every response is
// a 200, that every body is the decision the package itself makes for that request in Node (the
// same storefront build, default model, programme and policy), and that the same request gets
// the same body, byte for byte, in every round. It measures the resident memory of the workerd
// process (VmRSS in /proc/<pid>/status; the real workerd process, not a wrapper that started
// it) after start-up and after each round, and reports the growth from round 1 to the last.
//
//   node bench/load_workerd.mjs [--rounds 5] [--concurrency 2000] [--json]
//
// Exits 1 on any error response (or request without an answer), wrong body or a body that changed between rounds. It asserts
// nothing about time or memory. Needs what pkg-tests need (pkg/ built, the CLI for the CDNOW
// customers, workerd in pkg-tests/node_modules).
import os from "node:os";
import path from "node:path";
import h from "../pkg-tests/lib/harness.cjs";
import { startWorkerd } from "../pkg-tests/lib/workerd.mjs";
import { decideRequests, procStatusBytes, sendAll, storefrontEngine, workerdProcess } from "../pkg-tests/lib/load.mjs";

function parseArgs(argv) {
  const out = { rounds: 5, concurrency: 2000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split("=", 2);
    if (key === "--json") out.json = true;
    else if (key === "--rounds") out.rounds = Number(inline ?? argv[++i]);
    else if (key === "--concurrency") out.concurrency = Number(inline ?? argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --rounds R, --concurrency C, --json)`);
  }
  for (const k of ["rounds", "concurrency"]) {
    if (!Number.isInteger(out[k]) || out[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const progress = (s) => process.stderr.write(`${s}\n`);

h.requireBuilt();
const customers = h.customers(23570);
const requests = decideRequests(customers, args.concurrency);
const bodies = requests.map((r) => r.body);

// What the package itself decides for each request (as JSON values, compared field by field).
const { engine, version } = await storefrontEngine();
const expected = requests.map(({ customer, options }) => JSON.parse(JSON.stringify(engine.decide(customer, options))));
engine.free();

const worker = await startWorkerd({ dir: path.join(h.ROOT, "examples", "edge-worker") });
const rounds = [];
const problems = [];
let pid = null;
let rssStart = null;
try {
  pid = workerdProcess(worker.pid);
  rssStart = procStatusBytes(pid);
  progress(`workerd pid ${pid} (spawned ${worker.pid}), VmRSS ${rssStart} B after start-up`);
  let first = null;
  for (let round = 1; round <= args.rounds; round++) {
    const t0 = process.hrtime.bigint();
    const answers = await sendAll(worker.base, bodies);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    let notOk = 0;
    let wrong = 0;
    let changed = 0;
    for (const [i, a] of answers.entries()) {
      const where = `round ${round}, request ${i} (customer ${requests[i].customer.id})`;
      if (a.status !== 200) {
        notOk++;
        if (problems.length < 20) problems.push(`${where}: HTTP ${a.status} ${a.text.slice(0, 200)}`);
        continue;
      }
      if (first === null) {
        let d = null;
        try { d = JSON.parse(a.text); } catch { /* counted below */ }
        const diff = d === null ? { path: "$", actual: a.text.slice(0, 80), expected: "JSON" } : h.firstDifference(d, expected[i]);
        if (diff) {
          wrong++;
          if (problems.length < 20) problems.push(`${where}: not the package's decision, first difference at ${diff.path}`);
        }
      } else if (a.text !== first[i]) {
        changed++;
        if (problems.length < 20) problems.push(`${where}: body differs from round 1`);
      }
    }
    if (first === null) first = answers.map((a) => a.text);
    const rss = procStatusBytes(pid);
    rounds.push({ round, wallSeconds: +wallS.toFixed(3), requestsPerSecond: Math.round(bodies.length / wallS), notOk, wrong, changed, rssBytes: rss, hwmBytes: procStatusBytes(pid, "VmHWM") });
    progress(`round ${round}: ${bodies.length} requests in ${wallS.toFixed(2)} s, ${notOk} not 200, ${wrong} wrong, ${changed} changed; VmRSS ${rss} B`);
  }
} finally {
  await worker.stop();
}
const logs = worker.logs();
const logErrors = /uncaught|panicked|RuntimeError|unreachable/i.test(logs);
if (logErrors) problems.push(`workerd logged errors: ${logs.slice(0, 500)}`);

const last = rounds[rounds.length - 1];
const totals = rounds.reduce((t, r) => ({ notOk: t.notOk + r.notOk, wrong: t.wrong + r.wrong, changed: t.changed + r.changed }), { notOk: 0, wrong: 0, changed: 0 });
const ok = totals.notOk === 0 && totals.wrong === 0 && totals.changed === 0 && !logErrors;
const result = {
  what: "load-workerd",
  engine: version,
  node: process.version,
  cpus: os.cpus().length,
  load: os.loadavg().map((x) => +x.toFixed(2)),
  concurrency: args.concurrency,
  rounds: args.rounds,
  requests: args.concurrency * args.rounds,
  workerdPid: pid,
  rssBytesAfterStart: rssStart,
  rssBytesAfterRound1: rounds[0].rssBytes,
  rssBytesAfterLast: last.rssBytes,
  rssGrowthBytes: last.rssBytes - rounds[0].rssBytes,
  hwmBytesAfterLast: last.hwmBytes,
  perRound: rounds,
  ...totals,
  logErrors,
  problems,
  ok,
};

if (args.json) {
  console.log(JSON.stringify(result));
} else {
  const n = (x) => x.toLocaleString("en-US");
  const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
  console.log(`offerwise ${version} in workerd (pid ${pid}), ${process.version}, ${result.cpus} CPUs, load ${result.load.join(" ")} at the end`);
  console.log(`${args.rounds} rounds of ${n(args.concurrency)} concurrent POST /decide (distinct CDNOW customers):`);
  console.log(`  round   wall s   req/s  not-200  wrong  changed   VmRSS after`);
  for (const r of rounds) {
    console.log(`  ${String(r.round).padStart(5)} ${r.wallSeconds.toFixed(2).padStart(8)} ${n(r.requestsPerSecond).padStart(7)} ${String(r.notOk).padStart(8)} ${String(r.wrong).padStart(6)} ${String(r.changed).padStart(8)}   ${n(r.rssBytes)} B (${mib(r.rssBytes)})`);
  }
  console.log(`workerd VmRSS: ${n(rssStart)} B after start-up, ${n(rounds[0].rssBytes)} B after round 1, ${n(last.rssBytes)} B after round ${last.round}: growth ${n(result.rssGrowthBytes)} B (${mib(result.rssGrowthBytes)}); VmHWM ${n(last.hwmBytes)} B`);
  for (const p of problems) console.log(`  ${p}`);
  console.log(ok ? "ok" : "FAIL");
}
process.exit(ok ? 0 : 1);
