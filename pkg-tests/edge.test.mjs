// The web build running in workerd (Cloudflare's Workers runtime): pkg-tests/edge/worker.mjs
// imports "offerwise" + "offerwise/offerwise_bg.wasm" and initialises with initSync({ module }).
// Decisions served over HTTP must equal the CLI's; an invalid customer must give a 400 with
// the OfferwiseError's code and path.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { startWorkerd } from "./lib/workerd.mjs";

const EDGE_DIR = path.join(h.PKG_TESTS, "edge");
const N_CUSTOMERS = 20;

let worker = null;
let base = null;
const logs = () => (worker ? worker.logs() : "");

before(async () => {
  h.requireBuilt();
  worker = await startWorkerd({ dir: EDGE_DIR });
  base = worker.base;
});

after(async () => {
  if (worker) await worker.stop();
});

const decide = (body, query = `now=${h.NOW}`) =>
  fetch(`${base}/decide?${query}`, { method: "POST", body, headers: { "content-type": "application/json" } });

test("workerd serves /health with the package version", async () => {
  const r = await fetch(`${base}/health`);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.ok, true);
  assert.match(body.version, /^\d+\.\d+\.\d+/);
});

test(`POST /decide equals the CLI for ${N_CUSTOMERS} CDNOW customers`, async () => {
  const customers = h.customers(1000);
  const expected = h.cliDecisions();
  // Every 50th of the first 1000: spread over the file, not only the first rows.
  const picked = customers.filter((_, i) => i % 50 === 0).slice(0, N_CUSTOMERS);
  assert.equal(picked.length, N_CUSTOMERS);
  for (const c of picked) {
    const r = await decide(JSON.stringify(c));
    const text = await r.text();
    assert.equal(r.status, 200, `customer ${c.id}: HTTP ${r.status} ${text}\n${logs()}`);
    h.assertSameJson(JSON.parse(text), expected.get(c.id), `customer ${c.id} via workerd`);
  }
});

test("an invalid customer gives 400 with the error code and path as JSON; the worker keeps working", async () => {
  const bad = { id: "00042", orders: [{ at: "1997-01-12", amount: 1 }, { at: "1997-13-45", amount: 2 }] };
  const r = await decide(JSON.stringify(bad));
  assert.equal(r.status, 400);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  const { error } = await r.json();
  assert.equal(error.code, "customer.invalid");
  assert.equal(error.path, "orders[1].at");
  assert.ok(error.message.includes("orders[1].at"), error.message);

  const r2 = await decide("{ not json");
  assert.equal(r2.status, 400);
  assert.equal((await r2.json()).error.code, "customer.syntax");

  const r3 = await decide(JSON.stringify({ id: "1", orders: [] }), ""); // no now
  assert.equal(r3.status, 400);
  assert.equal((await r3.json()).error.code, "options.invalid");

  // same isolate, same Engine: still right
  const c = h.customers(1000)[0];
  const ok = await decide(JSON.stringify(c));
  assert.equal(ok.status, 200);
  h.assertSameJson(await ok.json(), h.cliDecisions().get(c.id), `customer ${c.id} after errors`);
});

test("the shared assignment vectors assign alike in workerd (tests/vectors/assignments.json)", async () => {
  const v = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "assignments.json"), "utf8"));
  for (const [i, x] of v.experiments.entries()) {
    const r = await fetch(`${base}/assign?now=${encodeURIComponent(v.now)}`, {
      method: "POST", body: JSON.stringify({ experiment: x, ids: v.ids }),
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual(body.variants, v.variants[i], `${x.key} in workerd`);
    if (x.key === "two-way-offerwise-1") assert.deepEqual(body.buckets, v.offerwise1.buckets);
  }
});

test("workerd logged no uncaught errors", () => {
  assert.doesNotMatch(logs(), /uncaught|panicked|RuntimeError|unreachable/i, logs());
});
