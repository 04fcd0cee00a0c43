// Loyalty in the built package: the shared vectors of tests/vectors/loyalty.json through
// evaluateLoyalty (the Rust tests run the same file natively), and the cart quote of
// Engine.quote / decide({cart}) against the native CLI's `offerwise quote` / `decide --cart`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { Engine, evaluateLoyalty } from "offerwise";

h.requireBuilt();
const vectors = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "loyalty.json"), "utf8"));

/** Every field of `expected` must be in `actual` with the same value (numbers to 1e-9). */
function subset(actual, expected, at, errors) {
  if (typeof expected === "number" && typeof actual === "number") {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) errors.push(`${at}: ${actual} != ${expected}`);
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) errors.push(`${at}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
    else expected.forEach((e, i) => subset(actual[i], e, `${at}[${i}]`, errors));
  } else if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object") { errors.push(`${at}: ${JSON.stringify(actual)} is not an object`); return; }
    for (const [k, v] of Object.entries(expected)) {
      if (k === "comment") continue;
      // An empty list is left out of the state (its nudges), as in the Rust test.
      if (!(k in actual) && Array.isArray(v) && v.length === 0) continue;
      if (!(k in actual)) errors.push(`${at}.${k}: missing`);
      else subset(actual[k], v, `${at}.${k}`, errors);
    }
  } else if (actual !== expected) {
    errors.push(`${at}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
  }
}

test("tests/vectors/loyalty.json through evaluateLoyalty (specVersion 1)", () => {
  assert.equal(vectors.specVersion, 1);
  assert.ok(vectors.cases.length >= 15);
  const failures = [];
  for (const [name, input, expected] of vectors.cases) {
    if (expected.error) {
      try {
        evaluateLoyalty(input);
        failures.push(`${name}: expected ${expected.error.code}, got a state`);
      } catch (e) {
        if (e.name !== "OfferwiseError") failures.push(`${name}: threw ${e}`);
        else if (e.code !== expected.error.code || (expected.error.path !== undefined && e.path !== expected.error.path)) {
          failures.push(`${name}: ${e.code} at ${e.path}, expected ${expected.error.code} at ${expected.error.path}`);
        }
      }
      continue;
    }
    const errors = [];
    subset(evaluateLoyalty(input), expected, "", errors);
    // The same input as JSON text gives the same state.
    subset(evaluateLoyalty(JSON.stringify(input)), expected, "(text)", errors);
    if (errors.length) failures.push(`${name}:\n  ${errors.join("\n  ")}`);
  }
  assert.deepEqual(failures, []);
});

test("evaluateLoyalty reports bad input with a code and a path", () => {
  h.assertOfferwiseError(() => evaluateLoyalty({ rules: {}, now: "2024-06-01", account: { points: [{ amount: -1 }] } }),
    { code: "loyalty.invalid_input", path: /^account\.points\[0\]/ }, "negative opening lot");
  h.assertOfferwiseError(() => evaluateLoyalty({ rules: { earn: { pointsPerUnit: -1 } }, now: "2024-06-01" }),
    { code: "loyalty.invalid_rules", path: /^earn\.pointsPerUnit/ }, "negative earn rate");
  h.assertOfferwiseError(() => evaluateLoyalty({ rules: {}, now: "2024-06-01", acount: {} }),
    { code: "loyalty.invalid", path: "acount" }, "misspelt field");
});

test("Engine.quote and decide({cart}) equal the CLI's quote and decide --cart", () => {
  const engine = new Engine(h.modelText(), h.programText(), h.policyText());
  const dir = path.join(h.WORK, "quote");
  mkdirSync(dir, { recursive: true });
  const customer = JSON.parse(readFileSync(path.join(h.ROOT, "www", "example-customer.json"), "utf8"));
  const carts = [
    { items: [{ category: "jazz", price: 15.5, qty: 4 }] },
    { amount: 160 },
    { items: [{ sku: "CD-1", price: 9.99 }, { category: "rock", price: 12.5, qty: 2 }] },
  ];
  carts.forEach((cart, i) => {
    const cf = path.join(dir, `cart-${i}.json`);
    const cu = path.join(dir, "customer.json");
    writeFileSync(cf, JSON.stringify(cart));
    writeFileSync(cu, JSON.stringify(customer));
    const want = JSON.parse(h.cli(["quote", "--customer", cu, "--cart", cf, "--now", h.NOW, "--compact"]));
    h.assertSameJson(engine.quote(customer, cart, { now: h.NOW }), want, `quote of cart ${i}`);
    const decision = JSON.parse(h.cli(["decide", "--customer", cu, "--cart", cf, "--now", h.NOW, "--compact"]));
    h.assertSameJson(engine.decide(customer, { now: h.NOW, cart }), decision, `decide with cart ${i}`);
    assert.ok(decision.loyalty.quote, "the decision quotes the cart");
  });
  h.assertOfferwiseError(() => engine.quote(customer, { items: [{ price: -3 }] }, { now: h.NOW }),
    { code: /invalid/, path: /items\[0\]\.price/ }, "negative cart price");
});
