#!/usr/bin/env node
// The fuzzing soak of the wasm package in Node (issue 15): seeded, reproducible cases against
// every export of `offerwise` and `offerwise/data` that takes input. The generators, mutators,
// targets and checks are pkg-tests/lib/fuzz.mjs (pkg-tests/fuzz.test.mjs runs a slice of the
// same code in CI).
//
//   node bench/fuzz_wasm.mjs                          # 1,000,000 cases, the default seed, 2 workers
//   node bench/fuzz_wasm.mjs --cases 200000 --seed 7 --json > report.json
//   node bench/fuzz_wasm.mjs --seed 7 --case 123456   # replay one case (or 1,2,3), verbosely
//   node bench/fuzz_wasm.mjs --only Engine.decide,evalCondition --cases 1000000
//   node bench/fuzz_wasm.mjs --list                   # the targets and their weights
//
// Options: --cases N, --seed S (a number or any text), --from I (first case index), --jobs J
// (worker threads, default 2), --only T1,T2 (targets; "data:*" for a prefix), --hang-ms MS
// (a call without progress for this long is a hang, default 30000), --slow-ms MS (default 50),
// --no-shrink, --json (the report as JSON on stdout).
//
// Failing inputs are written to target/fuzz/finding-<seed>-<case>-<export>.json (with the
// command that replays them) and the report to target/fuzz/report-<seed>-<from>-<cases>.json.
// Exit status 1 when there is a finding (a trap, an exception that is not an OfferwiseError,
// an OfferwiseError without code/path/message, a probe that changed, a hang or a crash).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_SEED, OUT_DIR, ROOT, Runner, TARGETS, encodeInput, formatReport, loadFixtures, parseSeed, runCampaign } from "../pkg-tests/lib/fuzz.mjs";

function parseArgs(argv) {
  const o = { cases: 1_000_000, seed: DEFAULT_SEED, from: 0, jobs: 2, only: null, hangMs: 30_000, slowMs: 50, shrink: true, json: false, replay: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    const num = (v) => { const n = Number(String(v).replace(/_/g, "")); if (!Number.isFinite(n) || n < 0) throw new Error(`${a}: ${v} is not a count`); return n; };
    switch (a) {
      case "--cases": o.cases = num(val()); break;
      case "--seed": o.seed = parseSeed(val()); break;
      case "--from": o.from = num(val()); break;
      case "--jobs": o.jobs = Math.max(1, num(val())); break;
      case "--only": o.only = val().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--hang-ms": o.hangMs = num(val()); break;
      case "--slow-ms": o.slowMs = num(val()); break;
      case "--no-shrink": o.shrink = false; break;
      case "--json": o.json = true; break;
      case "--case": o.replay = val().split(",").map(num); break;
      case "--list": o.list = true; break;
      case "-h": case "--help": console.log("usage: node bench/fuzz_wasm.mjs [--cases N] [--seed S] [--from I] [--jobs J] [--only T,..] [--case I,..] [--json] [--list]"); process.exit(0); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

const o = parseArgs(process.argv.slice(2));

if (o.list) {
  const total = TARGETS.reduce((s, t) => s + t.weight, 0);
  for (const t of TARGETS) console.log(`${t.name.padEnd(44)} ${(100 * t.weight / total).toFixed(3).padStart(7)} %`);
  process.exit(0);
}

if (o.replay) {
  // One case at a time on this thread, every call traced.
  const fx = loadFixtures();
  const runner = new Runner({ seed: o.seed, fx, only: o.only, verbose: true, shrink: o.shrink, log: (m) => console.log(m) });
  for (const i of o.replay) {
    const { t, args } = runner.generate(i);
    console.log(`seed ${o.seed} case ${i}: target ${t.name}, input ${JSON.stringify(encodeInput(args, 4000)).slice(0, 2000)}`);
    runner.runCase(i);
  }
  const f = runner.st.findings;
  console.log(f.length ? `${f.length} finding(s)` : "no finding");
  process.exit(f.length ? 1 : 0);
}

let lastPrint = 0;
const started = Date.now();
const rep = await runCampaign({
  seed: o.seed, cases: o.cases, from: o.from, jobs: o.jobs, only: o.only, hangMs: o.hangMs, slowMs: o.slowMs, shrink: o.shrink,
  progress: (m) => {
    if (m.type === "finding") { process.stderr.write(`  finding: ${m.finding.kind} in ${m.finding.label} at case ${m.finding.index}: ${m.finding.message}\n`); return; }
    if (m.type === "log") { if (!m.message.startsWith("FINDING")) process.stderr.write(`  ${m.message}\n`); return; }
    if (Date.now() - lastPrint < 15_000) return;
    lastPrint = Date.now();
    const s = (Date.now() - started) / 1000;
    process.stderr.write(`  ${m.total.toLocaleString("en-US")} / ${o.cases.toLocaleString("en-US")} cases, ${s.toFixed(0)} s, ${(m.total / s).toFixed(0)} cases/s\n`);
  },
});
mkdirSync(OUT_DIR, { recursive: true });
const file = path.join(OUT_DIR, `report-${o.seed}-${o.from}-${o.cases}.json`);
writeFileSync(file, JSON.stringify(rep, null, 1) + "\n");
if (o.json) console.log(JSON.stringify(rep, null, 1));
else console.log(formatReport(rep) + `\n\nreport: ${path.relative(ROOT, file)}`);
process.exit(rep.findings.length ? 1 : 0);
