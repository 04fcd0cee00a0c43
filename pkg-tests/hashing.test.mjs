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
  // Without the global holdout (a held-out customer is in no experiment), and only the
  // experiments hashed as GrowthBook does (offerwise-1 is checked by its frozen snapshot).
  const e = new Engine(h.modelText(), { ...program, holdout: undefined });
  const gbHashed = program.experiments.filter((x) => (x.hash ?? "growthbook-2") === "growthbook-2");
  assert.ok(gbHashed.length > 0, "the default programme has a GrowthBook-hashed experiment");
  for (const id of ids) {
    const d = e.decide({ id, orders: ONE_ORDER }, { now: h.NOW });
    assert.equal(d.experiments.length, program.experiments.length, `id ${JSON.stringify(id)}: one assignment per experiment`);
    program.experiments.forEach((x, i) => {
      const a = d.experiments[i];
      assert.equal(a.key, x.key);
      if (!gbHashed.includes(x)) return;
      const exp = { key: x.key, seed: x.seed, coverage: x.coverage ?? 1, variants: x.variants.map((v) => ({ key: v.key, weight: v.weight })) };
      const gb = growthbookResult(exp, id);
      assert.equal(a.variant, gb.variant, `experiment ${x.key}, id ${JSON.stringify(id)}`);
      // GrowthBook reports the bucket only for ids in the experiment
      if (gb.bucket !== undefined) assert.equal(a.bucket, gb.bucket, `bucket of ${JSON.stringify(id)} in ${x.key}`);
    });
  }
  e.free();
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
      holdout: undefined,
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

test("GrowthBook's helpers, exported under GrowthBook's names, give GrowthBook's results", async () => {
  const ow = await import("offerwise");
  // GrowthBook's own util module (its package exports do not list it; it is the code its SDK
  // runs for every experiment).
  const { createRequire } = await import("node:module");
  const { pathToFileURL } = await import("node:url");
  const gbDir = path.dirname(createRequire(import.meta.url).resolve("@growthbook/growthbook/package.json"));
  const gbUtil = await import(pathToFileURL(path.join(gbDir, "dist", "esm", "util.mjs")).href);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pieces = ["u", "klant", "é", "用户", "😀", "ß", "Ωμέγα", "\u{10FFFF}", "0", " "];
  const ids = Array.from({ length: 10_000 }, (_, i) =>
    pieces[i % pieces.length] + String(i) + (i % 3 === 0 ? pieces[(i * 7) % pieces.length] : ""));
  const seeds = ["", "exp-1", "checkout-π", "😀-seed"];
  let checked = 0;
  for (const id of ids) {
    const s = seeds[checked % seeds.length];
    for (const v of [1, 2, 3, undefined]) {
      assert.equal(ow.hash(s, id, v), gbUtil.hash(s, id, v), `hash(${s}, ${id}, ${v})`);
    }
    checked++;
  }
  for (let k = 0; k < 2_000; k++) {
    const n = 1 + Math.floor(rnd() * 5);
    const coverage = [undefined, rnd(), -0.5, 1.5, 0, 1][k % 6];
    const raw = Array.from({ length: n }, () => rnd());
    const total = raw.reduce((a, b) => a + b, 0);
    const weights = [undefined, raw.map((w) => w / total), raw, raw.slice(1), [1]][k % 5];
    const want = gbUtil.getBucketRanges(n, coverage, weights);
    const got = ow.getBucketRanges(n, coverage, weights);
    assert.deepEqual(got, want, `getBucketRanges(${n}, ${coverage}, ${JSON.stringify(weights)})`);
    const x = rnd();
    assert.equal(ow.chooseVariation(x, got), gbUtil.chooseVariation(x, want));
    assert.deepEqual(ow.getEqualWeights(n), gbUtil.getEqualWeights(n));
  }
  for (const n of [0, -1]) assert.deepEqual(ow.getEqualWeights(n), gbUtil.getEqualWeights(n));
  for (const id of ids.slice(0, 3_000)) {
    const a = rnd();
    const ns = ["pricing", a, Math.min(1, a + rnd() * 0.5)];
    assert.equal(ow.inNamespace(id, ns), gbUtil.inNamespace(id, ns), `inNamespace(${id}, ${ns})`);
  }
  // Bad input is a typed error, never a crash.
  assert.throws(() => ow.chooseVariation(0.5, "nope"), (e) => e.name === "OfferwiseError");
  assert.throws(() => ow.getEqualWeights(2.5), (e) => e.name === "OfferwiseError");
  // At most 10,000 variations: a few bytes of argument cannot ask for a million-entry result.
  assert.equal(ow.getEqualWeights(10_000).length, 10_000);
  assert.equal(ow.getBucketRanges(10_000).length, 10_000);
  for (const [call, path] of [[() => ow.getEqualWeights(10_001), "n"], [() => ow.getBucketRanges(1e6, 1), "numVariations"]]) {
    assert.throws(call, (e) => e.name === "OfferwiseError" && e.code === "limit.exceeded" && e.path === path && /at most 10,000/.test(e.message));
  }
  assert.throws(() => ow.getBucketRanges(2.5), (e) => e.code === "options.invalid" && e.path === "numVariations");
});

test("offerwiseHash is offerwise-1 as the README specifies it (XXH64 of the UTF-8 bytes)", async () => {
  const { offerwiseHash } = await import("offerwise");
  const v = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "assignments.json"), "utf8"));
  assert.equal(v.ids.length, 500);
  assert.deepEqual(v.ids.map((id) => offerwiseHash(v.offerwise1.seed, id)), v.offerwise1.buckets);
  assert.notEqual(offerwiseHash("ab", "c"), offerwiseHash("a", "bc"));
});

test("the shared assignment vectors assign alike in Node (tests/vectors/assignments.json)", () => {
  const v = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "assignments.json"), "utf8"));
  assert.equal(v.experiments.length, 15);
  v.experiments.forEach((x, i) => {
    const e = new Engine(h.modelText(), { ...program, holdout: undefined, experiments: [x] });
    try {
      const got = v.ids.map((id) => e.assign({ id, orders: [] }, { now: v.now }).experiments[0].variant);
      assert.deepEqual(got, v.variants[i], x.key);
    } finally {
      e.free();
    }
  });
});

test("Experiments.assign and Assigner give Engine.assign's variant for the default programme", async () => {
  const { Experiments } = await import("offerwise");
  const xs = new Experiments(program, h.NOW);
  const assigners = program.experiments.map((x) => xs.assigner(x.key));
  const ids = IDS.filter((id) => id.trim() !== "");
  for (const c of h.customers(1000).slice(0, 400)) ids.push(c.id);
  for (const id of ids) {
    const want = engine.assign({ id, orders: [] }, { now: h.NOW }).experiments;
    program.experiments.forEach((x, i) => {
      assert.equal(assigners[i].assign(id), want[i].variant, `${x.key} ${JSON.stringify(id)}`);
      assert.equal(xs.assign(x.key, id), want[i].variant);
    });
  }
  assert.equal(assigners[0].key, program.experiments[0].key);
  assert.throws(() => xs.assigner("nope"), (e) => e.name === "OfferwiseError" && e.path === "key");
  const targeted = new Experiments({ ...program, experiments: [{ ...program.experiments[0], targeting: { tier: "gold" } }] }, h.NOW);
  assert.throws(() => targeted.assigner(program.experiments[0].key), (e) => /Engine.assign/.test(e.message));
  assert.throws(() => new Experiments(program, "yesterday"), (e) => e.name === "OfferwiseError" && e.path === "now");
});
