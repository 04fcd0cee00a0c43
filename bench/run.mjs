// offerwise benchmarks: the wasm engine in Node, the native CLI, the peer baseline and
// GrowthBook, measured in one run on one machine. A harness, not a test: it asserts nothing
// about time. See bench/README.md for what each figure means.
//
//   bench/run.sh                      # builds if needed, links node_modules, runs this
//   node bench/run.mjs [--runs=5] [--synth-n=20000] [--only=a,b,c,d,e,f,g,h,i,j,k] [--mem-n=1000000] [--quick]
//
// Every per-customer figure is the median over --runs fresh child processes (bench/child.mjs,
// the baseline script, the CLI), started round-robin across the cases so that a change in the
// machine's load during the run affects every case alike. Prints a table; writes everything,
// each process's sample included, to bench/.work/results.json.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { parseArgs } from "./peers/lib.mjs";
import {
  BASELINE, BENCH, BIN, CDNOW, CDNOW_CUSTOMERS, CDNOW_NOW, MODEL_PATH, PKG, ROOT, WORK,
  linkNodeModules, loadavg, median, readJsonl,
} from "./lib.mjs";

const args = parseArgs(process.argv.slice(2));
if (args.help || args.h) {
  console.log("usage: node bench/run.mjs [--runs=5] [--synth-n=20000] [--only=a,b,c,d,e,f,g,h,i,j,k] [--mem-n=1000000] [--quick]");
  process.exit(0);
}
const QUICK = !!args.quick;
const RUNS = +(args.runs || (QUICK ? 2 : 5));
const FIRST_CALL_RUNS = +(args["first-call-runs"] || (QUICK ? 3 : 7));
const SYNTH_N = +(args["synth-n"] || (QUICK ? 3000 : 20000));
const CLV_ROUNDS = +(args["clv-rounds"] || 2);
const MEM_N = +(args["mem-n"] || (QUICK ? 20000 : 1000000));
const BATCH_N = +(args["batch-n"] || (QUICK ? 200000 : 10000000));
const BATCH_HELD = +(args["batch-held"] || (QUICK ? 100000 : 1000000));
const BATCH_BIN = path.join(ROOT, "target", "release", "examples", "batch_bench");
const ONLY = new Set(String(args.only || "a,b,c,d,e,f,g,h,i,j,k,l,m").split(",").map((s) => s.trim()));
const CHILD = path.join(BENCH, "child.mjs");
const RESULTS = path.join(WORK, "results.json");
const started = new Date();
const T0 = process.hrtime.bigint();

linkNodeModules();
mkdirSync(WORK, { recursive: true });

// ---- inputs ---------------------------------------------------------------------------------
// All 23,570 CDNOW customers, as `offerwise customers` writes them (the CLI's own reader).
execFileSync(BIN, ["customers", "--orders", CDNOW, "--format", "cdnow", "--out", CDNOW_CUSTOMERS + ".tmp"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
renameSync(CDNOW_CUSTOMERS + ".tmp", CDNOW_CUSTOMERS);
const N_CDNOW = readJsonl(CDNOW_CUSTOMERS).length;
const SEGMENT_NAMES = JSON.parse(readFileSync(MODEL_PATH, "utf8")).segments.map((s) => s.name);

const sh = (cmd, a) => { try { return execFileSync(cmd, a, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return null; } };
const meta = {
  started: started.toISOString(),
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  offerwisePkg: JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8")).version,
  offerwiseCli: sh(BIN, ["--version"]),
  git: sh("git", ["rev-parse", "--short", "HEAD"]),
  gitDirty: (sh("git", ["status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock", "models"]) || "") !== "",
  wasmBuilt: statSync(path.join(PKG, "web", "offerwise_bg.wasm")).mtime.toISOString(),
  cliBuilt: statSync(BIN).mtime.toISOString(),
  loadavgStart: loadavg(),
  runs: RUNS, firstCallRuns: FIRST_CALL_RUNS, synthN: SYNTH_N, cdnowN: N_CDNOW, clvRounds: CLV_ROUNDS,
};

// ---- processes ------------------------------------------------------------------------------
function lastJsonLine(out, what) {
  const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error(`${what}: no JSON line in its output:\n${out.slice(-2000)}`);
  return JSON.parse(line);
}

function node(argv, what) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: BENCH, encoding: "utf8", maxBuffer: 1 << 26, timeout: 300_000 });
  const processWallNs = Number(process.hrtime.bigint() - t0);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}${r.signal ? ", " + r.signal : ""}):\n${(r.stderr || "").slice(-4000)}`);
  return { ...lastJsonLine(r.stdout, what), processWallNs };
}

const child = (...a) => () => node(["--expose-gc", CHILD, ...a], `child.mjs ${a.join(" ")}`);
const baseline = (mode) => () => {
  const r = node(["--expose-gc", BASELINE, `--mode=${mode}`, `--n=${SYNTH_N}`], `baseline --mode=${mode}`);
  return r; // it reports nsPerCustomer, cpuNsPerCustomer and load1 itself
};

// Children's CPU time (user + system) from /proc/self/stat: cutime and cstime of reaped
// children, in clock ticks (10 ms at the usual USER_HZ = 100).
const CLK_TCK = +(sh("getconf", ["CLK_TCK"]) || 100);
function childrenCpuNs() {
  const s = readFileSync("/proc/self/stat", "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
  return ((+f[16 - 3]) + (+f[17 - 3])) * (1e9 / CLK_TCK);
}

function cliScore() {
  const out = path.join(WORK, "cli-decisions.jsonl");
  const c0 = childrenCpuNs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BIN, ["score", "--orders", CDNOW, "--format", "cdnow", "--now", CDNOW_NOW, "--out", out], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpuNs = childrenCpuNs() - c0;
  if (r.status !== 0) throw new Error(`offerwise score failed (exit ${r.status}): ${r.stderr}`);
  // "scored 23570 customers (69659 transactions) with m@v in 0.373 s (15825 ns per customer; reading 0.065 s)"
  const m = /scored (\d+) customers .* in ([\d.]+) s \((\d+) ns per customer; reading ([\d.]+) s\)/.exec(r.stderr);
  if (!m) throw new Error(`cannot read the summary of offerwise score:\n${r.stderr}`);
  const n = +m[1];
  const segmentCounts = {};
  for (const line of r.stderr.split("\n")) {
    // "  loyal customers (loyal)   4923": the segment's name, its role, the count.
    const s = /^\s+(.+?)(?: \([^)]*\))?\s+(\d+)\s*$/.exec(line);
    if (s && SEGMENT_NAMES.includes(s[1])) segmentCounts[s[1]] = +s[2];
  }
  return {
    n, wallNs, cpuNs, nsPerCustomer: wallNs / n, cpuNsPerCustomer: cpuNs / n, load1: loadavg()?.[0] ?? null,
    printedSeconds: +m[2], printedNsPerCustomer: +m[3], printedReadingSeconds: +m[4], segmentCounts,
  };
}

// The native batch of the history part (examples/batch_bench.rs): features, segment and CLV of
// synthetic customers on every core.
function batchBench() {
  const r = spawnSync(BATCH_BIN, [String(BATCH_N), "0", String(BATCH_HELD)], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`batch_bench failed (exit ${r.status}): ${r.stderr}\n(cargo build --release --features cli --example batch_bench)`);
  const num = (re) => { const m = re.exec(r.stdout); if (!m) throw new Error(`batch_bench: cannot read ${re} in:\n${r.stdout}`); return +m[1]; };
  const heldSeconds = num(/profile \d+ held:\s+([\d.]+) s/);
  return {
    n: BATCH_HELD, streamed: BATCH_N, threads: num(/, (\d+) threads/),
    makeSeconds: num(/make only:\s+([\d.]+) s/), makeAndProfileSeconds: num(/make and profile:\s+([\d.]+) s/),
    heldSeconds, customersPerSecond: BATCH_HELD / heldSeconds, nsPerCustomer: heldSeconds * 1e9 / BATCH_HELD, load1: loadavg()?.[0] ?? null,
  };
}

// ---- the cases --------------------------------------------------------------------------------
const CASES = [
  { id: "a.i", group: "a", label: `wasm decide(obj), JS object, CDNOW`, run: child("decide", "--data=cdnow", "--form=object") },
  { id: "a.ii", group: "a", label: `wasm decide(obj), JS object, synthetic`, run: child("decide", "--data=synth", "--form=object", `--n=${SYNTH_N}`) },
  { id: "b.i", group: "b", label: `wasm decide(JSON.stringify(c)), CDNOW`, run: child("decide", "--data=cdnow", "--form=json") },
  { id: "b.i-pre", group: "b", label: `wasm decide(string made beforehand), CDNOW`, run: child("decide", "--data=cdnow", "--form=json-pre") },
  { id: "b.ii", group: "b", label: `wasm decide(JSON.stringify(c)), synthetic`, run: child("decide", "--data=synth", "--form=json", `--n=${SYNTH_N}`) },
  { id: "b.ii-pre", group: "b", label: `wasm decide(string made beforehand), synthetic`, run: child("decide", "--data=synth", "--form=json-pre", `--n=${SYNTH_N}`) },
  { id: "i.50", group: "i", label: `wasm decide(obj), 50-offer catalogue, synthetic`, run: child("decide", "--data=synth", "--form=object", "--program=catalogue50", `--n=${SYNTH_N}`) },
  { id: "i.50-explore", group: "i", label: `  same, with a policy exploring (exact propensities)`, run: child("decide", "--data=synth", "--form=object", "--program=catalogue50", "--policy=empty", `--n=${SYNTH_N}`) },
  { id: "j.cdnow", group: "j", label: `wasm page view: prepared.decide({now, cart}), CDNOW`, run: child("page-view", "--data=cdnow") },
  { id: "j.synth", group: "j", label: `wasm page view: prepared.decide({now, cart}), synthetic`, run: child("page-view", "--data=synth", `--n=${SYNTH_N}`) },
  { id: "j.lean.cdnow", group: "j", label: `wasm lean page view: prepared.pageView({now, cart}), CDNOW`, run: child("page-view", "--data=cdnow", "--lean") },
  { id: "j.lean.synth", group: "j", label: `wasm lean page view: prepared.pageView({now, cart}), synthetic`, run: child("page-view", "--data=synth", `--n=${SYNTH_N}`, "--lean") },
  { id: "m.columns", group: "m", label: `wasm decideColumns(columns): every CDNOW customer in one call`, run: child("columns") },
  { id: "k.mem", group: "k", label: `wasm memory growth over ${MEM_N.toLocaleString("en")} lean page views (prepared.pageView), bytes`, run: child("page-view", "--data=cdnow", `--mem=${MEM_N}`, "--lean"), runs: 1 },
  { id: "c.naive", group: "c", label: `baseline --mode=naive (idiomatic JS), synthetic`, run: baseline("naive") },
  { id: "c.tuned", group: "c", label: `baseline --mode=tuned (typed arrays), synthetic`, run: baseline("tuned") },
  { id: "c.marshal-json", group: "c", label: `baseline --mode=marshal-json (stringify+encode)`, run: baseline("marshal-json") },
  { id: "d.growthbook", group: "d", label: `GrowthBook: new GrowthBook + run(), per id`, run: child("growthbook") },
  { id: "d.offerwise", group: "d", label: `wasm decide({id}): full decide, no orders`, run: child("decide", "--data=cdnow", "--form=minimal") },
  { id: "e.clv", group: "e", label: `CLV cost = with clv part - without, CDNOW`, run: child("clv", `--rounds=${CLV_ROUNDS}`) },
  { id: "l.batch", group: "l", label: `native features + segment + CLV, all cores, synthetic`, run: batchBench, runs: 1 },
  { id: "f.cli", group: "f", label: `native CLI offerwise score, process, CDNOW`, run: cliScore },
  { id: "h.node", group: "h", label: `Node ESM entry (import "offerwise")`, run: child("first-call", "--build=node"), runs: FIRST_CALL_RUNS },
  { id: "h.web", group: "h", label: `web build + initSync(bytes)`, run: child("first-call", "--build=web"), runs: FIRST_CALL_RUNS },
  { id: "h.growthbook", group: "h", label: `GrowthBook: import, new GrowthBook, run()`, run: child("first-call-growthbook"), runs: FIRST_CALL_RUNS },
].filter((c) => ONLY.has(c.group));

const samples = Object.fromEntries(CASES.map((c) => [c.id, []]));
const maxRuns = Math.max(0, ...CASES.map((c) => c.runs || RUNS));
for (let r = 0; r < maxRuns; r++) {
  for (const c of CASES) {
    if (r >= (c.runs || RUNS)) continue;
    if (process.stderr.isTTY) process.stderr.write(`\rbench: round ${r + 1}/${maxRuns}  ${c.id.padEnd(16)}`);
    samples[c.id].push(c.run());
  }
}
if (process.stderr.isTTY) process.stderr.write("\r" + " ".repeat(60) + "\r");

// ---- g: sizes ---------------------------------------------------------------------------------
function sizes(file) {
  const raw = readFileSync(file);
  let gzip;
  try {
    gzip = execFileSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 28 }).length;
  } catch {
    gzip = zlib.gzipSync(raw, { level: 9 }).length; // no gzip binary: zlib at level 9
  }
  const brotli = zlib.brotliCompressSync(raw, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length;
  return { file: path.relative(ROOT, file), raw: raw.length, gzip9: gzip, brotli11: brotli };
}
const SIZES = ONLY.has("g") ? [
  sizes(path.join(PKG, "web", "offerwise_bg.wasm")),
  sizes(path.join(PKG, "web", "offerwise.js")),
  sizes(path.join(PKG, "node", "offerwise_bg.wasm")),
  sizes(path.join(PKG, "node", "offerwise.js")),
  sizes(path.join(PKG, "node", "offerwise.mjs")),
  sizes(path.join(BENCH, "node_modules", "@growthbook", "growthbook", "dist", "bundles", "esm.min.js")),
] : [];

// ---- summary ----------------------------------------------------------------------------------
const summary = {};
for (const c of CASES) {
  const s = samples[c.id];
  const pick = (f) => s.map((x) => x[f]);
  const walls = pick("nsPerCustomer").filter(Number.isFinite);
  summary[c.id] = {
    label: c.label, processes: s.length, n: s[0]?.n,
    wallNsPerCustomer: median(walls), cpuNsPerCustomer: median(pick("cpuNsPerCustomer")),
    wallMin: walls.length ? Math.min(...walls) : null, wallMax: walls.length ? Math.max(...walls) : null,
    load1: median(pick("load1")),
  };
}
if (summary["e.clv"]) {
  const s = samples["e.clv"];
  Object.assign(summary["e.clv"], {
    withClv: { wallNsPerCustomer: median(s.map((x) => x.with.nsPerCustomer)), cpuNsPerCustomer: median(s.map((x) => x.with.cpuNsPerCustomer)) },
    withoutClv: { wallNsPerCustomer: median(s.map((x) => x.without.nsPerCustomer)), cpuNsPerCustomer: median(s.map((x) => x.without.cpuNsPerCustomer)) },
    customersWithClv: s[0].customersWithClv,
  });
}
if (summary["f.cli"]) {
  const s = samples["f.cli"];
  Object.assign(summary["f.cli"], {
    wallSeconds: median(s.map((x) => x.wallNs / 1e9)),
    cpuSeconds: median(s.map((x) => x.cpuNs / 1e9)),
    printedNsPerCustomer: median(s.map((x) => x.printedNsPerCustomer)),
    printedSeconds: median(s.map((x) => x.printedSeconds)),
    printedReadingSeconds: median(s.map((x) => x.printedReadingSeconds)),
  });
}
for (const id of ["h.node", "h.web", "h.growthbook"]) {
  if (!summary[id]) continue;
  const s = samples[id];
  const ms = (f) => median(s.map((x) => x[f] / 1e6));
  Object.assign(summary[id], {
    totalMs: ms("totalNs"), importMs: ms("importNs"), engineMs: ms("engineNs"), decideMs: ms("decideNs"),
    processStartToImportMs: median(s.map((x) => x.processStartToImportMs)),
    processStartToDecisionMs: median(s.map((x) => x.processStartToDecisionMs)),
    processWallMs: ms("processWallNs"),
    totalMinMs: Math.min(...s.map((x) => x.totalNs / 1e6)), totalMaxMs: Math.max(...s.map((x) => x.totalNs / 1e6)),
  });
}

// Consistency checks (not timing): the runs measured what they claim to.
const checks = [];
const check = (ok, what) => checks.push({ ok, what });
const named = (counts) => Object.fromEntries(Object.entries(counts || {}).map(([id, n]) => [id === "-1" ? "none" : SEGMENT_NAMES[+id], n]));
const sameJson = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const first = (id) => samples[id]?.[0];
if (first("f.cli")) {
  const want = first("f.cli").segmentCounts;
  for (const id of ["a.i", "b.i", "b.i-pre", "m.columns"]) {
    if (first(id)) check(samples[id].every((x) => sameJson(named(x.segmentCounts), want)), `${id}: wasm segment counts = the CLI's (${JSON.stringify(want)})`);
  }
  check(samples["f.cli"].every((x) => x.n === N_CDNOW), `f.cli scored all ${N_CDNOW} customers every time`);
}
const synthIds = ["a.ii", "b.ii", "b.ii-pre"].filter(first);
if (synthIds.length > 1) {
  check(synthIds.every((id) => samples[id].every((x) => sameJson(x.segmentCounts, first(synthIds[0]).segmentCounts))), `${synthIds.join(", ")}: same segments for the synthetic customers (${JSON.stringify(named(first(synthIds[0]).segmentCounts))})`);
}
if (first("d.growthbook") && first("d.offerwise")) {
  // The default programme holds out 5 % of customers (no experiment); GrowthBook knows no
  // holdout, so the held-out ids are left out of the comparison (and counted).
  const ow = first("d.offerwise").variants;
  const gb = first("d.growthbook").variants;
  let compared = 0;
  let same = 0;
  for (let i = 0; i < ow.length; i++) {
    if (ow[i] === "4") continue;
    compared += 1;
    if (ow[i] === gb[i]) same += 1;
  }
  check(ow.length === gb.length && compared > 0 && same === compared,
    `d: offerwise assigns every CDNOW id outside its holdout to GrowthBook's variant (${same} of ${compared}; ${ow.length - compared} held out)`);
}
if (first("h.node") && first("h.web")) {
  check(JSON.stringify([first("h.node").segment, first("h.node").offers]) === JSON.stringify([first("h.web").segment, first("h.web").offers]), "h: Node and web builds decide alike for 00001");
}

if (summary["l.batch"]) {
  const x = samples["l.batch"][0];
  Object.assign(summary["l.batch"], { customersPerSecond: x.customersPerSecond, streamed: x.streamed, threads: x.threads,
    makeSeconds: x.makeSeconds, makeAndProfileSeconds: x.makeAndProfileSeconds });
}

// ---- issue 12's goals, each beside its peer (what the README's performance table shows) -------
const storefront = (() => {
  try {
    const j = JSON.parse(readFileSync(path.join(ROOT, "docs", "sizes.json"), "utf8"));
    return j.builds.storefront.web.total.gzip;
  } catch { return null; }
})();
const kb = (b) => (b === null ? "-" : `${(b / 1000).toFixed(1)} KB`);
const us = (ns) => (ns === null || ns === undefined || !Number.isFinite(ns) ? "-" : `${(ns / 1000).toFixed(1)} µs`);
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : "-");
const S = (id) => summary[id] || {};
const goals = [
  ["storefront build, wasm + glue, gzip -9", kb(storefront), "GrowthBook SDK bundle " + kb(SIZES.find((x) => /growthbook/.test(x.file))?.gzip9 ?? null), "≤ 100 KB"],
  ["full decision from a JS object, the peer's synthetic customers", us(S("a.ii").wallNsPerCustomer), `naive JS ${us(S("c.naive").wallNsPerCustomer)} (${ratio(S("a.ii").wallNsPerCustomer, S("c.naive").wallNsPerCustomer)})`, "≤ 1× naive JS"],
  ["page view on a prepared customer (new cart, lean pageView), synthetic", us(S("j.lean.synth").wallNsPerCustomer), `tuned JS ${us(S("c.tuned").wallNsPerCustomer)} (${ratio(S("j.lean.synth").wallNsPerCustomer, S("c.tuned").wallNsPerCustomer)})`, "≤ 2 µs, ≤ 2× tuned JS"],
  ["page view on a prepared customer (new cart, lean pageView), CDNOW", us(S("j.lean.cdnow").wallNsPerCustomer), `prepared.decide ${us(S("j.cdnow").wallNsPerCustomer)}; full decision ${us(S("a.i").wallNsPerCustomer)}`, ""],
  ["full decisions in one batch from columns, CDNOW (offerwise/data)", us(S("m.columns").wallNsPerCustomer), `per call, JS object ${us(S("a.i").wallNsPerCustomer)} (${ratio(S("a.i").wallNsPerCustomer, S("m.columns").wallNsPerCustomer)} faster)`, ""],
  ["fresh Node process to first decision", S("h.node").processStartToDecisionMs ? `${S("h.node").processStartToDecisionMs.toFixed(1)} ms (timed part ${S("h.node").totalMs.toFixed(1)} ms)` : "-",
    S("h.growthbook").processStartToDecisionMs ? `GrowthBook ${S("h.growthbook").processStartToDecisionMs.toFixed(1)} ms (timed part ${S("h.growthbook").totalMs.toFixed(1)} ms)` : "-", "≤ GrowthBook's"],
  ["native features + segment + CLV, all cores", S("l.batch").customersPerSecond ? `${Math.round(S("l.batch").customersPerSecond).toLocaleString("en")} customers/s (${S("l.batch").threads} threads)` : "-", "", "≥ 1,000,000 customers/s"],
  ["native CDNOW score, process start to last line", S("f.cli").wallSeconds ? `${S("f.cli").wallSeconds.toFixed(3)} s` : "-", "", "< 0.1 s"],
  [`wasm memory over ${MEM_N.toLocaleString("en")} lean page views after warm-up`, samples["k.mem"]?.[0] ? `+${samples["k.mem"][0].growthBytes.toLocaleString("en")} B` : "-", "", "< 1 MiB"],
];
const goalsMarkdown = [
  `Measured by \`bench/run.sh\` on ${meta.started.slice(0, 10)}: ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, load average ${(meta.loadavgStart || []).map((x) => x.toFixed(2)).join(" ")} at the start; offerwise git ${meta.git}. Medians of fresh processes (bench/README.md); figures from different runs or machines are not comparable.`,
  "",
  "| measure | offerwise | peer in the same run | goal |",
  "| --- | ---: | --- | --- |",
  ...goals.map((g) => `| ${g.join(" | ")} |`),
].join("\n");
if (args.readme) {
  const readmePath = path.join(ROOT, "README.md");
  const text = readFileSync(readmePath, "utf8");
  const begin = "<!-- perf:begin (generated by bench/run.mjs --readme) -->";
  const end = "<!-- perf:end -->";
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md has no ${begin} ... ${end} section`);
  writeFileSync(readmePath, text.slice(0, i + begin.length) + "\n" + goalsMarkdown + "\n" + text.slice(j));
}

const results = {
  meta: { ...meta, loadavgEnd: loadavg(), totalSeconds: Number(process.hrtime.bigint() - T0) / 1e9 },
  summary, sizes: SIZES, checks, samples, goals,
};
mkdirSync(WORK, { recursive: true });
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");

// ---- table ------------------------------------------------------------------------------------
const int = (x) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : Math.round(x).toLocaleString("en"));
const fix = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));
const la = (l) => (l ? l.map((x) => x.toFixed(2)).join(" ") : "n/a");
const out = [];
out.push(`offerwise bench  ${meta.started}  node ${meta.node}  ${meta.cpus} x ${meta.cpuModel}`);
out.push(`offerwise ${meta.offerwisePkg} (pkg built ${meta.wasmBuilt}), CLI ${meta.offerwiseCli}, git ${meta.git}${meta.gitDirty ? " + uncommitted changes in src/models" : ""}`);
out.push(`load average 1/5/15 min: start ${la(meta.loadavgStart)}, end ${la(results.meta.loadavgEnd)}; total ${fix(results.meta.totalSeconds)} s`);
out.push(`CDNOW = the ${N_CDNOW.toLocaleString("en")} customers of \`offerwise customers\` at now ${CDNOW_NOW}; synthetic = the baseline's makeCustomers(${SYNTH_N.toLocaleString("en")}, 42), 30 orders each`);
out.push(`per customer: median of ${RUNS} fresh processes each (warm-up pass, then one timed pass); [min-max] of wall; load1 = 1-min load average when the timed pass started (median)`);
out.push("");
const W = 60;
out.push(`${"case".padEnd(W)} ${"n".padStart(7)} ${"wall ns/cust".padStart(13)} ${"[min - max]".padStart(19)} ${"CPU ns/cust".padStart(12)} ${"load1".padStart(6)}`);
let group = null;
for (const c of CASES) {
  if (c.group === "h") continue;
  const s = summary[c.id];
  if (group !== null && c.group !== group) out.push("");
  group = c.group;
  out.push(`${(c.id + "  " + c.label).slice(0, W).padEnd(W)} ${int(s.n).padStart(7)} ${int(s.wallNsPerCustomer).padStart(13)} ${`[${int(s.wallMin)} - ${int(s.wallMax)}]`.padStart(19)} ${int(s.cpuNsPerCustomer).padStart(12)} ${fix(s.load1, 2).padStart(6)}`);
  if (c.id === "k.mem") {
    const m = samples["k.mem"][0];
    out.push(`${"      wasm memory after warm-up -> after, bytes".padEnd(W)} ${"".padStart(7)} ${int(m.wasmMemoryBefore).padStart(13)} ${int(m.wasmMemoryAfter).padStart(19)} ${("+" + int(m.growthBytes)).padStart(12)}`);
  }
  if (c.id === "e.clv") {
    for (const [k, lab] of [["withClv", "with the clv part"], ["withoutClv", "clv key deleted"]]) {
      out.push(`${("      " + lab + " (JSON string input)").padEnd(W)} ${"".padStart(7)} ${int(s[k].wallNsPerCustomer).padStart(13)} ${"".padStart(19)} ${int(s[k].cpuNsPerCustomer).padStart(12)}`);
    }
  }
  if (c.id === "f.cli") {
    out.push(`${"      process wall s / CPU s (median)".padEnd(W)} ${"".padStart(7)} ${fix(s.wallSeconds, 3).padStart(13)} ${"".padStart(19)} ${fix(s.cpuSeconds, 3).padStart(12)}`);
    out.push(`${"      CLI's own 'ns per customer' (decide+write)".padEnd(W)} ${"".padStart(7)} ${int(s.printedNsPerCustomer).padStart(13)} ${`(${fix(s.printedSeconds, 3)} s, reading ${fix(s.printedReadingSeconds, 3)} s)`.padStart(19)}`);
  }
}
if (summary["h.node"] || summary["h.web"]) {
  out.push("");
  out.push(`h  first decision in a fresh Node process, ms (median of ${FIRST_CALL_RUNS}): import = load glue + compile + instantiate wasm`);
  out.push(`${"".padEnd(W)} ${"import".padStart(7)} ${"new Engine".padStart(11)} ${"decide".padStart(7)} ${"total [min-max]".padStart(20)} ${"start->import".padStart(14)} ${"start->1st".padStart(11)} ${"process".padStart(8)}`);
  for (const id of ["h.node", "h.web", "h.growthbook"]) {
    const s = summary[id];
    if (!s) continue;
    out.push(`${(id + "  " + s.label).slice(0, W).padEnd(W)} ${fix(s.importMs).padStart(7)} ${fix(s.engineMs).padStart(11)} ${fix(s.decideMs).padStart(7)} ${`${fix(s.totalMs)} [${fix(s.totalMinMs)}-${fix(s.totalMaxMs)}]`.padStart(20)} ${fix(s.processStartToImportMs).padStart(14)} ${fix(s.processStartToDecisionMs).padStart(11)} ${fix(s.processWallMs).padStart(8)}`);
  }
}
if (SIZES.length) {
  out.push("");
  out.push(`g  sizes, bytes${"".padEnd(W - 15)} ${"raw".padStart(9)} ${"gzip -9".padStart(9)} ${"brotli 11".padStart(10)}`);
  for (const s of SIZES) out.push(`${("   " + s.file.replace(/^bench\/node_modules\//, "")).padEnd(W)} ${int(s.raw).padStart(9)} ${int(s.gzip9).padStart(9)} ${int(s.brotli11).padStart(10)}`);
}
out.push("");
out.push("issue 12's goals, each beside its peer (--readme writes this table into README.md):");
out.push(goalsMarkdown.split("\n").slice(2).join("\n"));
if (checks.length) {
  out.push("");
  for (const c of checks) out.push(`${c.ok ? "ok  " : "FAIL"} ${c.what}`);
}
out.push("");
out.push(`results: ${path.relative(ROOT, RESULTS)} (every process's figures)`);
console.log(out.join("\n"));
if (checks.some((c) => !c.ok)) process.exitCode = 1;
