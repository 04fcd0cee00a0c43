// The shared decision vectors (tests/vectors/decisions.json, pinned and checked by
// tests/decision_vectors.rs natively): carts, page context, offer histories, budget states, with
// the default learned policy or the programme's priors. The wasm package must give every
// decision exactly, propensities and left-out reasons included, and the policy can be swapped on
// a running engine without losing it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { Engine } from "offerwise";

h.requireBuilt();
const vectors = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "decisions.json"), "utf8"));

test("every shared decision vector, exactly, in the wasm package", () => {
  const learned = new Engine(h.modelText(), h.programText(), h.policyText());
  const priors = new Engine(h.modelText(), h.programText());
  assert.ok(vectors.cases.length >= 15);
  for (const c of vectors.cases) {
    const e = c.policy ? learned : priors;
    h.assertSameJson(e.decide(c.customer, c.options), c.decision, c.name);
    // The same from JSON text.
    h.assertSameJson(e.decide(JSON.stringify(c.customer), c.options), c.decision, `${c.name} (JSON text)`);
  }
});

test("setPolicy swaps the policy; a bad policy throws and the engine keeps the one it had", () => {
  const e = new Engine(h.modelText(), h.programText());
  assert.equal(e.policyVersion, undefined);
  const c = vectors.cases.find((x) => x.policy);
  e.setPolicy(h.policyText());
  assert.equal(e.policyVersion, c.decision.log.policyVersion);
  h.assertSameJson(e.decide(c.customer, c.options), c.decision, "after setPolicy");
  const bad = JSON.parse(h.policyText());
  bad.exploration.floor = 0.9;
  h.assertOfferwiseError(() => e.setPolicy(bad), { code: "policy.invalid", path: "exploration.floor" }, "floor 0.9");
  h.assertOfferwiseError(() => e.setPolicy("{\"formatVersion\": 1,"), { code: "policy.syntax", path: /^line 1/ }, "truncated policy");
  h.assertOfferwiseError(() => new Engine(h.modelText(), h.programText(), { ...bad, kind: "x" }), { code: "policy.invalid", path: "kind" }, "constructor");
  assert.equal(e.policyVersion, c.decision.log.policyVersion, "the engine kept its policy");
  h.assertSameJson(e.decide(c.customer, c.options), c.decision, "after the errors");
  e.setPolicy(null);
  assert.equal(e.policyVersion, undefined);
});
