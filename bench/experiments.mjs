// Experiment assignment throughput, side by side in one process, for one experiment (two
// variants, 50/50) over --n distinct ids:
//   offerwise   `new Experiments(program, now).assigner(key)` once, then `assign(id)` per id (wasm), the
//               experiment hashed as GrowthBook's version 2 (so the answers can be compared) and,
//               separately, with offerwise's own `offerwise-1`;
//   GrowthBook  `new GrowthBook({attributes: {id}})` + `run(experiment)` per id (an SDK
//               instance per visitor, as a server does per request), and one shared
//               `GrowthBookClient` with `runInlineExperiment(experiment, {attributes: {id}})`.
// Every id gets the same variant from offerwise (growthbook-2) and both GrowthBook paths
// (checked before timing). Figures are assignments per second, the median of --rounds timed
// passes after a warm-up pass; nothing is asserted about time.
//
//   node bench/experiments.mjs [--n=1000000] [--rounds=3]
//
// Needs pkg/ built (scripts/build-wasm.sh) and pkg-tests/node_modules (scripts/setup.sh).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "pkg-tests", "package.json"));
const { Experiments } = require("offerwise");
const { GrowthBook, GrowthBookClient } = require("@growthbook/growthbook");

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split("=")[1]) : dflt;
};
const N = arg("n", 1_000_000);
const ROUNDS = arg("rounds", 3);

const ids = Array.from({ length: N }, (_, i) => `visitor-${i}`);
const program = {
  formatVersion: 1, kind: "offerwise.program", name: "bench", currency: "USD",
  experiments: [
    { key: "gb", hash: "growthbook-2", variants: [{ key: "control", weight: 0.5 }, { key: "treatment", weight: 0.5 }] },
    { key: "ow", hash: "offerwise-1", variants: [{ key: "control", weight: 0.5 }, { key: "treatment", weight: 0.5 }] },
  ],
};
const xs = new Experiments(program, "2026-11-30T12:00:00Z");
const experiment = { key: "gb", variations: ["control", "treatment"], weights: [0.5, 0.5], hashVersion: 2 };
const client = new GrowthBookClient({});

const gbAssigner = xs.assigner("gb");
const owAssigner = xs.assigner("ow");
const offerwiseGb = (id) => gbAssigner.assign(id);
const offerwiseOwn = (id) => owAssigner.assign(id);
const growthbookPerVisitor = (id) => {
  const r = new GrowthBook({ attributes: { id } }).run(experiment);
  return r.inExperiment ? r.value : null;
};
const growthbookShared = (id) => {
  const r = client.runInlineExperiment(experiment, { attributes: { id } });
  return r.inExperiment ? r.value : null;
};

// The same answers, before timing.
for (let i = 0; i < N; i++) {
  const a = offerwiseGb(ids[i]);
  const b = growthbookPerVisitor(ids[i]);
  const c = growthbookShared(ids[i]);
  if (a !== b || a !== c) throw new Error(`${ids[i]}: offerwise ${a}, GrowthBook ${b}, GrowthBook client ${c}`);
}
let own = 0;
for (let i = 0; i < N; i++) if (offerwiseOwn(ids[i]) === "treatment") own++;

function time(fn) {
  const runs = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(ids[i]);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r > 0) runs.push(N / s);
  }
  runs.sort((x, y) => x - y);
  return runs[Math.floor(runs.length / 2)];
}

const results = {
  "offerwise Assigner.assign (growthbook-2)": time(offerwiseGb),
  "offerwise Assigner.assign (offerwise-1)": time(offerwiseOwn),
  "GrowthBook new GrowthBook + run": time(growthbookPerVisitor),
  "GrowthBook shared client runInlineExperiment": time(growthbookShared),
};
console.log(`one experiment, ${N} distinct ids, ${ROUNDS} timed passes each (median assignments per second); ` +
  `identical answers from offerwise and GrowthBook; offerwise-1 put ${(own / N * 100).toFixed(2)}% in treatment`);
for (const [name, r] of Object.entries(results)) {
  console.log(`  ${name.padEnd(46)} ${Math.round(r).toLocaleString("en-US").padStart(12)}/s`);
}
const best = results["offerwise Assigner.assign (growthbook-2)"];
console.log(`  offerwise / GrowthBook per visitor ${(best / results["GrowthBook new GrowthBook + run"]).toFixed(1)}x, ` +
  `offerwise / GrowthBook shared client ${(best / results["GrowthBook shared client runInlineExperiment"]).toFixed(1)}x`);
