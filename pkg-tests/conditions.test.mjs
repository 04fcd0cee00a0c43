// Targeting conditions must answer as GrowthBook's `evalCondition` (@growthbook/growthbook)
// does, for every row of tests/vectors/conditions.json, in the built package as natively.
//
// 1. tests/vectors/conditions.json is what the generator computes from GrowthBook now, and
//    GrowthBook re-evaluated on this run gives every `expected` again.
// 2. The package's evalCondition(attributes, condition, savedGroups?) gives every `expected`,
//    with objects and with JSON strings.
// 3. Every malformed condition of the corpus throws an OfferwiseError with the corpus' code and
//    path (GrowthBook answers those with a boolean instead: the documented difference).
//
// The package is imported lazily, so the GrowthBook checks (1) run without a build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { evalCondition as gbEvalCondition } from "@growthbook/growthbook";
import h from "./lib/harness.cjs";
import { buildCorpus, serialize } from "./scripts/gen-condition-corpus.mjs";

const CORPUS = path.join(h.ROOT, "tests", "vectors", "conditions.json");
const text = readFileSync(CORPUS, "utf8");
const corpus = JSON.parse(text);

async function pkg() {
  h.requireBuilt();
  return import("offerwise");
}

test("tests/vectors/conditions.json is current (regenerated from GrowthBook)", () => {
  assert.equal(corpus.specVersion, 1);
  assert.ok(text === serialize(buildCorpus()),
    "stale: run node pkg-tests/scripts/gen-condition-corpus.mjs and commit the result");
  assert.ok(corpus.cases.length >= 2000, `only ${corpus.cases.length} cases`);
  const trues = corpus.cases.filter((c) => c[4] === true).length;
  assert.ok(trues > 0 && trues < corpus.cases.length, "cases should have both answers");
  assert.ok(corpus.skipped.regexFeatures > 0, "the rows left out for regex features are counted");
});

test("GrowthBook, evaluated now, gives every expected answer", () => {
  for (const [name, attributes, condition, groups, expected] of corpus.cases) {
    assert.equal(gbEvalCondition(attributes, condition, groups ?? undefined), expected, name);
  }
});

test("the package's evalCondition agrees with GrowthBook on every case (objects)", async () => {
  const { evalCondition } = await pkg();
  const disagree = [];
  for (const [name, attributes, condition, groups, expected] of corpus.cases) {
    const got = groups === null ? evalCondition(attributes, condition) : evalCondition(attributes, condition, groups);
    if (got !== expected) disagree.push(`${name}: ${JSON.stringify(condition)} gave ${got}, GrowthBook ${expected}`);
  }
  assert.deepEqual(disagree.slice(0, 40), [], `${disagree.length} of ${corpus.cases.length} cases disagree`);
});

test("the package's evalCondition reads JSON strings too, and savedGroups is optional", async () => {
  const { evalCondition } = await pkg();
  for (const [name, attributes, condition, groups, expected] of corpus.cases.slice(0, 300)) {
    const got = evalCondition(JSON.stringify(attributes), JSON.stringify(condition), groups === null ? undefined : JSON.stringify(groups));
    assert.equal(got, expected, name);
  }
  assert.equal(evalCondition({ a: 1 }, { a: 1 }, null), true);
  assert.equal(evalCondition({ id: "x" }, { id: { $notInGroup: "none" } }), true);
});

test("every malformed condition throws an OfferwiseError with its code and path", async () => {
  const { evalCondition } = await pkg();
  for (const [name, condition, groups, code, where] of corpus.errors) {
    assert.throws(
      // As JSON text: a JS string argument is read as JSON, and some of these conditions are
      // strings or arrays on purpose.
      () => evalCondition({ name: "x" }, JSON.stringify(condition), groups === null ? undefined : JSON.stringify(groups)),
      (e) => {
        assert.equal(e.name, "OfferwiseError", name);
        assert.equal(e.code, code, `${name}: ${e.message}`);
        assert.equal(e.path, where, `${name}: ${e.message}`);
        assert.ok(e.message.length > 0);
        return true;
      },
      name,
    );
  }
});

test("a condition that is not JSON throws condition.syntax", async () => {
  const { evalCondition } = await pkg();
  assert.throws(() => evalCondition({}, "{\"a\": "), (e) => e.code === "condition.syntax");
  assert.throws(() => evalCondition(undefined, {}), (e) => e.code === "attributes.invalid");
});

test("Conditions compiles a set once and evalAll answers every one as GrowthBook does", async () => {
  const { Conditions } = await pkg();
  // Every case without saved groups, in sets of 20 conditions sharing one attributes object:
  // each set answers its own case's attributes for all 20 conditions, checked against GrowthBook.
  const plain = corpus.cases.filter((c) => c[3] === null);
  let checked = 0;
  for (let i = 0; i + 20 <= plain.length && i < 4000; i += 20) {
    const chunk = plain.slice(i, i + 20);
    const set = new Conditions(chunk.map((c) => c[2]));
    assert.equal(set.length, 20);
    const attributes = chunk[0][1];
    const got = set.evalAll(attributes);
    assert.ok(got instanceof Uint8Array);
    const want = chunk.map((c) => (gbEvalCondition(attributes, c[2]) ? 1 : 0));
    assert.deepEqual([...got], want, `set at ${chunk[0][0]}`);
    assert.deepEqual([...set.evalAll(JSON.stringify(attributes))], want);
    // Every case's own attributes through the text and byte entry points too.
    for (const c of chunk) {
      const text = JSON.stringify(c[1]);
      const want1 = chunk.map((d) => (gbEvalCondition(c[1], d[2]) ? 1 : 0));
      assert.deepEqual([...set.evalAllJson(text)], want1, `${c[0]} (text)`);
      assert.deepEqual([...set.evalAllBytes(new TextEncoder().encode(text))], want1, `${c[0]} (bytes)`);
    }
    checked += 20;
  }
  assert.ok(checked >= 2000, `only ${checked} conditions checked`);
  // With saved groups.
  const grouped = new Conditions([{ id: { $inGroup: "beta" } }, { id: { $notInGroup: "beta" } }], { beta: ["a", "b"] });
  assert.deepEqual([...grouped.evalAll({ id: "b" })], [1, 0]);
  // A malformed condition throws with its index in the path.
  assert.throws(() => new Conditions([{ a: 1 }, { $and: [{}, { "cart.subtotal": { $gtx: 5 } }] }]),
    (e) => e.name === "OfferwiseError" && e.code === "condition.unknown_operator" && e.path === "[1].$and[1].cart.subtotal.$gtx");
  assert.throws(() => new Conditions({ a: 1 }), (e) => e.name === "OfferwiseError" && /array of conditions/.test(e.message));
  // Text that is not JSON throws as evalCondition does.
  assert.throws(() => grouped.evalAllJson('{"id": '), (e) => e.name === "OfferwiseError" && e.code === "attributes.syntax");
});

test("Conditions.evalAll reads a JS object where the rules look, with the answers of its JSON text", async () => {
  const { Conditions } = await pkg();
  const rules = [
    { "a.b": { $exists: true } }, { "a.b": null }, { "a.b": { $type: "number" } }, { "a.b": 0 },
    { "a.b": { $gt: 1e15 } }, { "a.b": { $eq: 1152921504606847000 } }, { "a.b": { $type: "string" } },
    { "a.b": { $regex: "^20" } }, { "a.b": { $eq: "x\u00e9\u{1f600}" } }, { "a.b": { $size: 3 } },
    { "a.b": { $elemMatch: { $gt: 1 } } }, { "a.b": { k: 1 } }, { "a.b.k": 1 }, { "a.b.length": 3 },
    { "a.b.0": 1 }, { "a.b.2": null }, { "list.length": { $gte: 2 } }, { "list.1.sku": "B" },
    { "a.c": { $in: ["q", true] } }, { "s.length": { $exists: false } }, { top: { $type: "object" } },
  ];
  const set = new Conditions(rules);
  class Point { constructor() { this.b = 1; } }
  const nullProto = Object.create(null);
  nullProto.b = 2;
  const cycle = {};
  cycle.self = cycle;
  const long = "L".repeat(5000) + "\u00e9";
  const docs = [
    {}, { a: null }, { a: { b: 0 } }, { a: { b: -0 } }, { a: { b: NaN } }, { a: { b: Infinity } },
    { a: { b: 2 ** 60 } }, { a: { b: -(2 ** 60) } }, { a: { b: 1e21 } }, { a: { b: 0.1 + 0.2 } },
    { a: { b: undefined } }, { a: { b: () => 1 } }, { a: { b: Symbol("s") } }, { a: { b: true, c: true } },
    { a: { b: "x\u00e9\u{1f600}", c: "q" } }, { a: { b: long } }, { a: { b: new Date(Date.UTC(2026, 10, 30)) } },
    { a: { b: [1, 2, 3] } }, { a: { b: [1, , null] } }, { a: { b: { k: 1 } } }, { a: { b: { k: 1, toJSON: () => "j" } } },
    { a: { b: new Map([["k", 1]]) } }, { a: { b: Object(5) } }, { a: { b: Object("s") } }, { a: [1, 2] },
    { a: "str" }, { a: new Point() }, { a: nullProto }, { a: { toJSON: () => ({ b: 7 }) } }, { a: { b: cycle } },
    { list: [{ sku: "A" }, { sku: "B" }] }, { list: { 0: 1, 1: { sku: "B" }, length: 2 } }, { s: "abc" },
    { top: new Point() }, { top: [] }, [1, 2], new Point(), { a: { b: 12345678901234567890n } },
    { a: { b: "\ud800" } }, { a: { b: "a\udc00" } }, { a: { get b() { throw new Error("getter"); } } },
  ];
  const answer = (f) => { try { return [...f()].join(""); } catch (e) { return `throws ${e.name} ${e.code}`; } };
  let text;
  for (const doc of docs) {
    try {
      text = JSON.stringify(doc);
    } catch {
      // A cycle or a BigInt: JSON.stringify's error, as an OfferwiseError.
      assert.throws(() => set.evalAll(doc), (e) => e.name === "OfferwiseError" && e.code === "attributes.invalid");
      continue;
    }
    const viaText = answer(() => set.evalAllJson(text ?? "null"));
    const viaObject = answer(() => set.evalAll(doc));
    assert.equal(viaObject, viaText, `${String(text).slice(0, 80)}`);
  }
  // After a large value grew the wasm memory and the buffers, small ones still read right.
  assert.equal([...set.evalAll({ a: { b: "x\u00e9\u{1f600}" } })][8], 1);
  // Only own keys are paths (JSON's own enumerable ones, and those JSON would skip).
  const hidden = { a: {} };
  Object.defineProperty(hidden.a, "b", { value: 0, enumerable: false });
  assert.equal([...set.evalAll(hidden)][2], 1);
  assert.equal([...set.evalAll(Object.create({ a: { b: 0 } }))][2], 0);
});
