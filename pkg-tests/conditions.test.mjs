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
