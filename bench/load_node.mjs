// Proof under load (issue 15), in one Node process: --n (1,000,000) full decisions
// (`engine.decide(customer, {now, cart, context})`) of the storefront build (the web entry,
// initialised with initSync, as a page or an edge worker runs it) with the default model,
// programme and policy, cycling over the 23,570 real CDNOW customers, 5 instants and 4 carts
// (pkg-tests/lib/load.mjs). The first 10,000 are the warm-up. It reports:
//
// - the wasm memory (memory.buffer.byteLength) after the warm-up and at the end, and the growth
//   (goal: under 1 MiB);
// - the JS heap (process.memoryUsage().heapUsed after global.gc()) after the warm-up and every
//   100,000 decisions, with its least-squares slope: a leak of JS objects shows as a slope;
// - determinism: a fixed probe decision (customer, now, cart) made after the warm-up and again at
//   the end must be the same JSON; and every 100th decision of the warm-up is compared (SHA-256 of
//   its JSON) with the decisions of the same input one and two cycles (23,570 × 20 = 471,400
//   decisions) later.
//
//   node bench/load_node.mjs [--n 1000000] [--json]
//
// Exits 1 when the wasm memory grew by 1 MiB or more, a decision differs, or a decision throws.
// It asserts nothing about time. Needs what pkg-tests need (pkg/ built, the CLI for the CDNOW
// customers, pkg-tests/node_modules). Runs itself again under `node --expose-gc` when needed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import os from "node:os";
import h from "../pkg-tests/lib/harness.cjs";
import { OPTIONS, optionsAt, period, probe, storefrontEngine } from "../pkg-tests/lib/load.mjs";

if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

function parseArgs(argv) {
  const out = { n: 1_000_000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split("=", 2);
    if (key === "--json") out.json = true;
    else if (key === "--n") out.n = Number(inline ?? argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --n N, --json)`);
  }
  if (!Number.isInteger(out.n) || out.n < 1) throw new Error("--n must be a positive integer");
  return out;
}

const args = parseArgs(process.argv.slice(2));
const WARMUP = Math.min(10_000, args.n);
const SAMPLE_EVERY = 100_000;
const RECUR_EVERY = 100;
const MiB = 1024 * 1024;

h.requireBuilt();
const customers = h.customers(23570);
const { engine, memory, version } = await storefrontEngine();
const P = probe(customers);
const cycle = period(customers.length);

const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const progress = (s) => process.stderr.write(`${s}\n`);

const samples = []; // { decisions, heapUsed, wasmBytes }
// k -> SHA-256 of the decision's JSON, every RECUR_EVERY-th decision of the warm-up (kept from the
// warm-up on, so it adds nothing to the heap series).
const warmDigests = new Map();
const digest = (d) => createHash("sha256").update(JSON.stringify(d)).digest("hex");
let recurrencesCompared = 0;
const differences = [];
let errors = 0;
let firstError = null;
let offers = 0;
let probeBefore = null;
let wasmAfterWarmup = null;

const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let tWarm = null;
for (let k = 0; k < args.n; k++) {
  const customer = customers[k % customers.length];
  let d;
  try {
    d = engine.decide(customer, optionsAt(k, customers.length));
  } catch (e) {
    errors++;
    firstError ??= `decision ${k} (customer ${customer.id}): ${e.code || e.name}: ${e.message}`;
    continue;
  }
  offers += d.offers.length;
  if (k % RECUR_EVERY === 0) {
    const first = k % cycle;
    if (k < WARMUP) warmDigests.set(k, digest(d));
    else if (first < WARMUP && warmDigests.has(first)) {
      recurrencesCompared++;
      if (digest(d) !== warmDigests.get(first)) differences.push(`decision ${k} differs from decision ${first} (customer ${customer.id}, same options)`);
    }
  }
  const done = k + 1;
  if (done === WARMUP) {
    probeBefore = engine.decide(P.customer, P.options);
    wasmAfterWarmup = memory.buffer.byteLength;
    tWarm = process.hrtime.bigint();
  }
  if (done === WARMUP || done % SAMPLE_EVERY === 0 || done === args.n) {
    if (samples.length === 0 || samples[samples.length - 1].decisions !== done) {
      samples.push({ decisions: done, heapUsed: heap(), wasmBytes: memory.buffer.byteLength });
      const s = samples[samples.length - 1];
      progress(`${String(done).padStart(9)} decisions  heapUsed ${(s.heapUsed / MiB).toFixed(2)} MiB  wasm ${s.wasmBytes} B  ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
    }
  }
}
const t1 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
const probeAfter = engine.decide(P.customer, P.options);
const wasmEnd = memory.buffer.byteLength;
engine.free();

const probeSame = JSON.stringify(probeAfter) === JSON.stringify(probeBefore) && isDeepStrictEqual(probeAfter, probeBefore);
if (!probeSame) differences.push(`the probe decision (customer ${P.customer.id}) differs after the load`);

/** Least-squares slope of heapUsed over decisions, in bytes per 100,000 decisions. */
function slope(points) {
  if (points.length < 2) return null;
  const xs = points.map((p) => p.decisions);
  const ys = points.map((p) => p.heapUsed);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return (num / den) * SAMPLE_EVERY;
}

const wallS = Number(t1 - t0) / 1e9;
const afterWarmS = tWarm === null ? null : Number(t1 - tWarm) / 1e9;
const heapSeries = samples.map(({ decisions, heapUsed }) => ({ decisions, heapUsed }));
const result = {
  what: "load-node",
  engine: version,
  node: process.version,
  cpus: os.cpus().length,
  load: os.loadavg().map((x) => +x.toFixed(2)),
  decisions: args.n,
  warmup: WARMUP,
  customers: customers.length,
  options: OPTIONS.length,
  wallSeconds: +wallS.toFixed(3),
  decisionsPerSecond: Math.round(args.n / wallS),
  usPerDecisionAfterWarmup: afterWarmS === null || args.n === WARMUP ? null : +((afterWarmS * 1e6) / (args.n - WARMUP)).toFixed(2),
  cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
  offers,
  errors,
  firstError,
  wasmBytesAfterWarmup: wasmAfterWarmup,
  wasmBytesEnd: wasmEnd,
  wasmGrowthBytes: wasmEnd - wasmAfterWarmup,
  wasmSeries: samples.map(({ decisions, wasmBytes }) => ({ decisions, wasmBytes })),
  heapSeries,
  heapSlopeBytesPer100k: slope(heapSeries) === null ? null : Math.round(slope(heapSeries)),
  heapGrowthBytes: heapSeries[heapSeries.length - 1].heapUsed - heapSeries[0].heapUsed,
  rssBytesEnd: process.memoryUsage().rss,
  probe: { customer: P.customer.id, orders: P.customer.orders.length, same: probeSame },
  recurrencesCompared,
  differences: differences.slice(0, 20),
};
const ok = errors === 0 && differences.length === 0 && result.wasmGrowthBytes < MiB;
result.ok = ok;

if (args.json) {
  console.log(JSON.stringify(result));
} else {
  const n = (x) => x.toLocaleString("en-US");
  console.log(`offerwise ${version}, ${process.version}, ${result.cpus} CPUs, load ${result.load.join(" ")} at the end`);
  console.log(`${n(args.n)} decisions (${n(WARMUP)} warm-up) over ${n(customers.length)} CDNOW customers x ${OPTIONS.length} options: ${wallS.toFixed(1)} s wall, ${result.cpuSeconds} s CPU, ${n(result.decisionsPerSecond)} decisions/s` +
    (result.usPerDecisionAfterWarmup === null ? "" : `, ${result.usPerDecisionAfterWarmup} us/decision after warm-up (incl. GC samples)`));
  console.log(`wasm memory: ${n(wasmAfterWarmup)} B after warm-up, ${n(wasmEnd)} B at the end, growth ${n(result.wasmGrowthBytes)} B (goal < 1 MiB)`);
  console.log(`JS heap after gc (decisions: heapUsed):`);
  for (const s of heapSeries) console.log(`  ${n(s.decisions).padStart(9)}: ${n(s.heapUsed).padStart(12)} B`);
  console.log(`  slope ${n(result.heapSlopeBytesPer100k ?? 0)} B per 100,000 decisions; last - first ${n(result.heapGrowthBytes)} B`);
  console.log(`determinism: probe (customer ${P.customer.id}, ${P.customer.orders.length} orders) ${probeSame ? "identical" : "DIFFERS"} after the load; ${recurrencesCompared} recurring inputs compared, ${differences.length} differences`);
  console.log(`errors: ${errors}${firstError ? ` (first: ${firstError})` : ""}`);
  for (const d of differences.slice(0, 20)) console.log(`  ${d}`);
  console.log(ok ? "ok" : "FAIL");
}
process.exit(ok ? 0 : 1);
