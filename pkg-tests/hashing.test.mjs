// Experiment assignment must equal GrowthBook's (@growthbook/growthbook, hashVersion 2) for
// every id, including non-ASCII and astral-plane ones: GrowthBook hashes UTF-16 code units.
//
// 1. tests/vectors/experiments.json is what the generator computes from GrowthBook now.
// 2. An independent re-implementation of the algorithm (the written specification the Rust
//    core follows) reproduces every vector, while hashing UTF-8 bytes would not.
// 3. The engine (built package) assigns the default programme's experiments as GrowthBook does.
// 4. The engine assigns every vector experiment as GrowthBook does (programmes made from the
//    default programme with its experiments replaced).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Engine } from "offerwise";
import h from "./lib/harness.cjs";
import { buildVectors, serialize, growthbookResult, IDS } from "./scripts/gen-experiment-vectors.mjs";

const VECTORS = path.join(h.ROOT, "tests", "vectors", "experiments.json");
const ONE_ORDER = [{ at: "1997-01-12", amount: 10 }];

// ---- the specification, in a dozen lines ---------------------------------------------------
function fnv1a32(units) {
  let h32 = 0x811c9dc5;
  for (const u of units) h32 = Math.imul(h32 ^ u, 0x01000193) >>> 0;
  return h32;
}
const utf16Units = (s) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
const utf8Bytes = (s) => [...new TextEncoder().encode(s)];
function specVariant(x, encode = utf16Units) {
  if (x.id === "") return null; // GrowthBook: an empty hash attribute is never in an experiment
  const seed = x.seed || x.key; // GrowthBook: `experiment.seed || experiment.key`
  const n = (fnv1a32(encode(String(fnv1a32(encode(seed + x.id))))) % 10000) / 10000;
  const coverage = Math.min(1, Math.max(0, x.coverage ?? 1));
  let cumulative = 0;
  for (const v of x.variants) {
    const start = cumulative;
    cumulative += v.weight;
    if (n >= start && n < start + coverage * v.weight) return v.key;
  }
  return null;
}

let vectors, program, engine;
before(() => {
  h.requireBuilt();
  vectors = JSON.parse(readFileSync(VECTORS, "utf8"));
  program = JSON.parse(h.programText());
  engine = new Engine(h.modelText(), program);
});

test("tests/vectors/experiments.json is current (regenerated from GrowthBook)", () => {
  const text = readFileSync(VECTORS, "utf8");
  assert.equal(vectors.specVersion, 1);
  assert.ok(text === serialize(buildVectors()),
    "stale: run node pkg-tests/scripts/gen-experiment-vectors.mjs and commit the result");
  assert.ok(vectors.cases.length > 1000);
  const nulls = vectors.cases.filter((c) => c[2] === null).length;
  assert.ok(nulls > 0 && nulls < vectors.cases.length, "vectors should have both in- and out-of-experiment cases");
});

test("the written algorithm reproduces every GrowthBook vector; UTF-8 hashing would not", () => {
  let utf8Differs = 0;
  for (const [name, x, want] of vectors.cases) {
    assert.equal(specVariant(x), want, name);
    if (specVariant(x, utf8Bytes) !== want) utf8Differs++;
  }
  assert.ok(utf8Differs > 0, "no vector tells UTF-16 from UTF-8 hashing: add non-ASCII ids");
});

test("the default programme has experiments to check", () => {
  assert.ok(Array.isArray(program.experiments) && program.experiments.length > 0,
    "models/default-program.json has no experiments");
});

test("engine assignment of the default programme's experiments equals GrowthBook for non-ASCII, astral and CDNOW ids", () => {
  const ids = IDS.filter((id) => id.trim() !== ""); // the engine rejects empty ids
  for (const c of h.customers(1000).slice(0, 300)) ids.push(c.id);
  for (const id of ids) {
    const d = engine.decide({ id, orders: ONE_ORDER }, { now: h.NOW });
    assert.equal(d.experiments.length, program.experiments.length, `id ${JSON.stringify(id)}: one assignment per experiment`);
    program.experiments.forEach((x, i) => {
      const a = d.experiments[i];
      assert.equal(a.key, x.key);
      const exp = { key: x.key, seed: x.seed, coverage: x.coverage ?? 1, variants: x.variants.map((v) => ({ key: v.key, weight: v.weight })) };
      const gb = growthbookResult(exp, id);
      assert.equal(a.variant, gb.variant, `experiment ${x.key}, id ${JSON.stringify(id)}`);
      // GrowthBook reports the bucket only for ids in the experiment
      if (gb.bucket !== undefined) assert.equal(a.bucket, gb.bucket, `bucket of ${JSON.stringify(id)} in ${x.key}`);
    });
  }
});

test("engine assignment equals GrowthBook on every tests/vectors/experiments.json case", () => {
  const byExperiment = new Map();
  for (const [name, x, want] of vectors.cases) {
    const k = JSON.stringify({ key: x.key, seed: x.seed, variants: x.variants, coverage: x.coverage });
    if (!byExperiment.has(k)) byExperiment.set(k, { x, cases: [] });
    byExperiment.get(k).cases.push([name, x.id, want]);
  }
  let checked = 0;
  const wrong = [];
  for (const { x, cases } of byExperiment.values()) {
    const e = new Engine(h.modelText(), {
      ...program,
      experiments: [{ key: x.key, seed: x.seed, coverage: x.coverage, variants: x.variants }],
    });
    try {
      for (const [name, id, want] of cases) {
        if (id.trim() === "") continue; // not a valid customer id for the engine
        const got = e.decide({ id, orders: ONE_ORDER }, { now: h.NOW }).experiments;
        assert.equal(got.length, 1);
        if (got[0].variant !== want) wrong.push(`${name}: engine ${JSON.stringify(got[0].variant)}, GrowthBook ${JSON.stringify(want)}`);
        checked++;
      }
    } finally {
      e.free();
    }
  }
  assert.ok(checked > 1000, `only ${checked} vector cases checked`);
  assert.ok(wrong.length === 0, `${wrong.length} of ${checked} cases differ from GrowthBook, e.g.\n  ${wrong.slice(0, 8).join("\n  ")}`);
});
