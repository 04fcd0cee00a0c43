// The Node test suite, run once with the package loaded through `import` (node.test.mjs) and
// once through `require` (node-cjs.test.cjs): both must behave identically.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const h = require("./harness.cjs");
const { DECIDE_CASES, CONSTRUCTOR_CASES, sharedVectors } = require("./error-cases.cjs");

const N_CUSTOMERS = 1000;

/**
 * @param {import("node:test")} t  node:test ({ test, before })
 * @param {object} ow  the offerwise module as loaded by the caller
 * @param {string} how  "ESM" or "CJS", for names
 * @param {string} resolved  where the specifier "offerwise" resolved to
 */
function suite({ test, before }, ow, how, resolved) {
  const { Engine, version } = ow;
  let customers, expected, engine, probeBefore;
  const probe = () => customers[7];

  before(() => {
    h.requireBuilt();
    customers = h.customers(N_CUSTOMERS);
    expected = h.cliDecisions();
    engine = new Engine(h.modelText(), h.programText(), h.policyText());
    probeBefore = engine.decide(probe(), { now: h.NOW }); // before any error
  });

  test(`${how}: "offerwise" resolves to the Node build`, () => {
    const want = how === "ESM" ? "offerwise.mjs" : "offerwise.js";
    assert.equal(fs.realpathSync(resolved), path.join(h.ROOT, "pkg", "node", want));
  });

  test(`${how}: exports Engine and version()`, () => {
    assert.equal(typeof Engine, "function");
    const cargo = fs.readFileSync(path.join(h.ROOT, "Cargo.toml"), "utf8");
    const v = cargo.match(/^version = "([^"]+)"/m)[1];
    assert.equal(version(), v);
    assert.equal(JSON.parse(fs.readFileSync(path.join(h.ROOT, "pkg", "package.json"), "utf8")).version, v);
  });

  test(`${how}: modelName is the model's name`, () => {
    const model = JSON.parse(h.modelText());
    assert.equal(typeof engine.modelName, "string");
    assert.notEqual(engine.modelName, "");
    if (typeof model.name === "string") assert.equal(engine.modelName, model.name);
  });

  test(`${how}: decide() equals the CLI for the first ${N_CUSTOMERS} CDNOW customers`, () => {
    assert.equal(customers.length, N_CUSTOMERS);
    let first = null;
    const differing = [];
    const byPath = new Map(); // path -> { count, maxUlp, nonNumeric }
    for (const [index, c] of customers.entries()) {
      const want = expected.get(c.id);
      assert.ok(want, `offerwise score wrote no decision for customer ${c.id}`);
      const got = engine.decide(c, { now: h.NOW });
      const diffs = h.allDifferences(got, want);
      if (diffs.length === 0) continue;
      differing.push(c.id);
      if (first === null) first = { id: c.id, index, d: h.firstDifference(got, want) };
      for (const d of diffs) {
        const s = byPath.get(d.path) ?? { count: 0, maxUlp: 0, nonNumeric: 0 };
        s.count++;
        if (typeof d.actual === "number" && typeof d.expected === "number") s.maxUlp = Math.max(s.maxUlp, h.ulpDistance(d.actual, d.expected));
        else s.nonNumeric++;
        byPath.set(d.path, s);
      }
    }
    if (first !== null) {
      const summary = [...byPath].map(([p, s]) => `${p}: ${s.count}×` + (s.nonNumeric ? `, ${s.nonNumeric} not numeric` : `, at most ${s.maxUlp} ulp`)).join("; ");
      assert.fail(
        `${differing.length} of ${N_CUSTOMERS} decisions differ from the CLI. First: customer ${first.id} ` +
        `(#${first.index} in file order), at ${first.d.path}: got ${h.show(first.d.actual)}, expected ${h.show(first.d.expected)}.\n` +
        `By field: ${summary}.\nCustomers: ${differing.slice(0, 20).join(", ")}${differing.length > 20 ? ", ..." : ""}`);
    }
  });

  // The tests below check one property each against the package's own decide(object) result,
  // so that a difference from the CLI (above) is reported once, not by every test.
  const own = (c) => engine.decide(c, { now: h.NOW });

  test(`${how}: decide() takes the customer as JSON text too`, () => {
    for (const c of customers.slice(0, 200)) {
      h.assertSameJson(engine.decide(JSON.stringify(c), { now: h.NOW }), own(c), `customer ${c.id}, decide(string) vs decide(object)`);
    }
  });

  test(`${how}: features() equals decide().features`, () => {
    for (const c of customers.slice(0, 200)) {
      h.assertSameJson(engine.features(c, { now: h.NOW }), own(c).features, `customer ${c.id}, features()`);
    }
  });

  test(`${how}: now as epoch milliseconds and ISO text with an explicit offset agree with the date`, () => {
    const ms = Date.parse(`${h.NOW}T00:00:00Z`);
    for (const c of customers.slice(0, 50)) {
      const want = own(c);
      h.assertSameJson(engine.decide(c, { now: ms }), want, `customer ${c.id}, now=${ms}`);
      h.assertSameJson(engine.decide(c, { now: `${h.NOW}T00:00:00Z`, timeZoneOffsetMinutes: 0 }), want, `customer ${c.id}, now=${h.NOW}T00:00:00Z`);
    }
  });

  test(`${how}: model and programme given as objects give the same decisions as given as text`, () => {
    const e2 = new Engine(JSON.parse(h.modelText()), JSON.parse(h.programText()), JSON.parse(h.policyText()));
    try {
      assert.equal(e2.modelName, engine.modelName);
      for (const c of customers.slice(0, 300)) {
        h.assertSameJson(e2.decide(c, { now: h.NOW }), own(c), `customer ${c.id}, engine from objects vs from text`);
      }
    } finally {
      e2.free();
    }
  });

  test(`${how}: decisions are plain JSON data (no Map, no undefined) and survive a JSON round trip`, () => {
    for (const c of customers.slice(0, 100)) {
      const d = engine.decide(c, { now: h.NOW });
      h.assertSameJson(JSON.parse(JSON.stringify(d)), d, `customer ${c.id}, JSON round trip`);
    }
  });

  // ---- errors ----------------------------------------------------------------------------
  // "Still works" = the same engine gives the same decision as before any error.
  const checkStillWorks = (what) => {
    const c = probe();
    h.assertSameJson(engine.decide(c, { now: h.NOW }), probeBefore, `after ${what}, the same engine`);
  };

  for (const [name, customer, options, want] of DECIDE_CASES) {
    test(`${how}: decide() error: ${name} -> ${want.code} at ${want.path}; the engine keeps working`, () => {
      h.assertOfferwiseError(() => engine.decide(customer, options), want, `decide(${name})`);
      checkStillWorks(name);
      if (options !== undefined && "now" in Object(options) && customer !== null) {
        // features() validates exactly like decide()
        h.assertOfferwiseError(() => engine.features(customer, options), want, `features(${name})`);
        checkStillWorks(`features(${name})`);
      }
    });
  }

  for (const [name, model, program, want] of CONSTRUCTOR_CASES) {
    test(`${how}: new Engine() error: ${name} -> ${want.code}`, () => {
      const arg = (x, text) => (x === null ? text : typeof x === "function" ? x(JSON.parse(text)) : x);
      h.assertOfferwiseError(() => new Engine(arg(model, h.modelText()), arg(program, h.programText())), want, `new Engine(${name})`);
      checkStillWorks(name);
    });
  }

  test(`${how}: error messages read cleanly (no nested "Error: " from the JS deserializer)`, () => {
    const nested = [];
    for (const [name, customer, options] of DECIDE_CASES) {
      try { engine.decide(customer, options); } catch (e) { if (/: Error: /.test(e.message)) nested.push(`${name}: ${e.message}`); }
    }
    assert.deepEqual(nested, []);
  });

  test(`${how}: tests/vectors/errors.json (shared with the Rust tests)`, () => {
    const cases = sharedVectors();
    assert.ok(cases !== null, "tests/vectors/errors.json not found");
    assert.ok(cases.length > 0, "errors.json has no cases");
    for (const [name, input, want] of cases) {
      const custom = "model" in input || "program" in input;
      const e = custom ? new Engine(input.model ?? h.modelText(), input.program ?? h.programText()) : engine;
      const customer = "customerText" in input ? input.customerText : input.customer;
      h.assertOfferwiseError(() => e.decide(customer, input.options), want, `errors.json "${name}"`);
      if (custom) e.free();
      checkStillWorks(`errors.json ${name}`);
    }
  });

  test(`${how}: tests/vectors/features.json (shared with the Rust tests)`, () => {
    const file = path.join(h.ROOT, "tests", "vectors", "features.json");
    const v = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(v.specVersion, 1);
    assert.ok(v.cases.length > 0);
    // The file says: numbers compare with a relative tolerance of 1e-12 (hand-worked values).
    const close = (a, b) => a === b || (typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));
    for (const [name, customer, options, want] of v.cases) {
      const got = engine.features(customer, options);
      const check = (g, w, at) => {
        if (w !== null && typeof w === "object") {
          assert.ok(g !== null && typeof g === "object", `features.json "${name}": ${at} is ${h.show(g)}, expected an object`);
          assert.deepEqual(Object.keys(g).sort(), Object.keys(w).sort(), `features.json "${name}": keys of ${at}`);
          for (const k of Object.keys(w)) check(g[k], w[k], `${at}.${k}`);
        } else {
          assert.ok(close(g, w), `features.json "${name}": ${at} is ${h.show(g)}, expected ${h.show(w)}`);
        }
      };
      check(got, want, "$");
    }
  });
}

module.exports = { suite, N_CUSTOMERS };
