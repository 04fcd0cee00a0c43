// The deployable edge worker (examples/edge-worker) in workerd, the runtime of Cloudflare
// Workers, as an edge team runs it: decisions equal to the CLI's and to the package's in Node,
// concurrent requests, a 400 with the error's code and path for every bad input (never a 500),
// and programme updates that keep the last good programme when the new one is refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Engine, version } from "offerwise";
import h from "./lib/harness.cjs";
import { startWorkerd } from "./lib/workerd.mjs";

const DIR = path.join(h.ROOT, "examples", "edge-worker");
const TOKEN = `test-token-${process.pid}`;
let worker = null;
let base = null;
const logs = () => (worker ? worker.logs() : "");

before(async () => {
  h.requireBuilt();
  worker = await startWorkerd({ dir: DIR, env: { OFFERWISE_ADMIN_TOKEN: TOKEN } });
  base = worker.base;
});

after(async () => {
  if (worker) await worker.stop();
});

const post = (route, body, headers = {}) =>
  fetch(`${base}${route}`, {
    method: route === "/program" ? "PUT" : "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
const decide = (body) => post("/decide", body);
const update = (body, token = TOKEN) => post("/program", body, token ? { authorization: `Bearer ${token}` } : {});
const health = async () => (await fetch(`${base}/health`)).json();

/** Every 50th of the first 1000 CDNOW customers: spread over the file. */
const picked = () => h.customers(1000).filter((_, i) => i % 50 === 0);

async function expectError(r, status, code, where) {
  const text = await r.text();
  assert.equal(r.status, status, `${where}: ${text}`);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  const { error } = JSON.parse(text);
  assert.equal(error.code, code, `${where}: ${text}`);
  return error;
}

test("GET /health names the engine, model, programme and policy the worker serves", async () => {
  const e = new Engine(h.modelText(), h.programText(), h.policyText());
  const body = await health();
  assert.deepEqual(body, {
    ok: true,
    engine: version(),
    model: e.modelVersion,
    program: e.programVersion,
    policy: e.policyVersion,
    programSource: "bundled",
    programSince: null,
    lastUpdateError: null,
  });
  assert.match(body.program, /^CDNOW Music Club@[0-9a-f]{12}$/);
  e.free();
});

test("POST /decide equals the CLI for 20 CDNOW customers", async () => {
  const expected = h.cliDecisions();
  const customers = picked();
  assert.equal(customers.length, 20);
  for (const c of customers) {
    const r = await decide({ customer: c, now: h.NOW });
    const text = await r.text();
    assert.equal(r.status, 200, `customer ${c.id}: HTTP ${r.status} ${text}\n${logs()}`);
    h.assertSameJson(JSON.parse(text), expected.get(c.id), `customer ${c.id} via the edge worker`);
  }
});

test("60 concurrent requests with carts and contexts each get the package's own decision", async () => {
  const e = new Engine(h.modelText(), h.programText(), h.policyText());
  const requests = picked().flatMap((c, i) => [
    { customer: c, now: h.NOW },
    { customer: c, now: "1998-07-02T10:00:00Z", cart: { amount: 20 + i }, context: { page: "cart" } },
    { customer: c, now: h.NOW, cart: { items: [{ category: "jazz", price: 12.5, qty: 2 }] }, timeZoneOffsetMinutes: 120 },
  ]);
  assert.equal(requests.length, 60);
  const answers = await Promise.all(requests.map(async (body) => {
    const r = await decide(body);
    return { status: r.status, body: await r.json() };
  }));
  for (const [i, { status, body }] of answers.entries()) {
    const { customer, ...options } = requests[i];
    assert.equal(status, 200, JSON.stringify(body));
    h.assertSameJson(body, e.decide(customer, options), `request ${i} (customer ${customer.id})`);
  }
  e.free();
});

test("bad requests get 400 with the error's code and path, never 500; the worker keeps deciding", async () => {
  await expectError(await decide("{ not json"), 400, "request.syntax", "not JSON");
  await expectError(await decide("[1, 2]"), 400, "request.invalid", "an array");
  const noCustomer = await expectError(await decide({ now: h.NOW }), 400, "request.invalid", "no customer");
  assert.equal(noCustomer.path, "customer");
  const badOrder = { id: "00042", orders: [{ at: "1997-01-12", amount: 1 }, { at: "1997-13-45", amount: 2 }] };
  const e1 = await expectError(await decide({ customer: badOrder, now: h.NOW }), 400, "customer.invalid", "bad order");
  assert.equal(e1.path, "orders[1].at");
  const c = picked()[0];
  const e2 = await expectError(await decide({ customer: c, now: h.NOW, cart: { amount: -3 } }), 400, "options.invalid", "bad cart");
  assert.equal(e2.path, "cart.amount");
  const e3 = await expectError(await decide({ customer: c, now: "not a date" }), 400, "options.invalid", "bad now");
  assert.equal(e3.path, "now");
  const e4 = await expectError(await decide({ customer: c, now: h.NOW, carts: {} }), 400, "options.invalid", "unknown option");
  assert.match(e4.message, /carts/);
  await expectError(await fetch(`${base}/decide`), 405, "method", "GET /decide");
  await expectError(await fetch(`${base}/offers`), 404, "not_found", "unknown route");
  // Same isolate, same engine: still right.
  const ok = await decide({ customer: c, now: h.NOW });
  assert.equal(ok.status, 200);
  h.assertSameJson(await ok.json(), h.cliDecisions().get(c.id), `customer ${c.id} after the errors`);
});

test("without `now` a decision is made at the time of the request", async () => {
  const before = Date.now();
  const r = await decide({ customer: picked()[1] });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  const at = Date.parse(body.log.at);
  // The worker's clock and this process's are the same machine's; an hour either side only
  // guards against a `now` taken from somewhere else (1970, the data's 1998).
  assert.ok(Math.abs(at - before) < 3_600_000, `decided at ${body.log.at}`);
});

test("a refused programme update keeps the last good programme serving; a good one replaces it", async () => {
  const program = JSON.parse(h.programText());
  const serving = (await health()).program;
  await expectError(await update({ program }, null), 401, "update.unauthorized", "no token");
  await expectError(await update({ program }, "wrong"), 401, "update.unauthorized", "wrong token");
  await expectError(await update("{"), 400, "request.syntax", "not JSON");
  await expectError(await update({}), 400, "request.invalid", "no program");

  // An invalid programme: refused with the engine's code and path, the last good one serves.
  const bad = structuredClone(program);
  bad.maxOffers = 0;
  bad.offers[1].cost = "ten";
  const refused = await update({ program: bad });
  const body = await refused.json();
  assert.equal(refused.status, 400, JSON.stringify(body));
  assert.equal(body.error.code, "program.invalid");
  assert.equal(body.serving, serving);
  const after = await health();
  assert.equal(after.program, serving);
  assert.equal(after.programSource, "bundled");
  assert.deepEqual({ code: after.lastUpdateError.code, path: after.lastUpdateError.path },
    { code: body.error.code, path: body.error.path });
  const c = picked()[2];
  const still = await decide({ customer: c, now: h.NOW });
  h.assertSameJson(await still.json(), h.cliDecisions().get(c.id), "after a refused update");
  // A policy that does not load is refused the same way.
  const badPolicy = await update({ program, policy: { kind: "nonsense" } });
  assert.equal(badPolicy.status, 400);
  assert.equal((await health()).program, serving);

  // A good programme: one offer per page, no learned policy.
  const one = structuredClone(program);
  one.maxOffers = 1;
  const accepted = await update({ program: one, policy: null });
  const ok = await accepted.json();
  assert.equal(accepted.status, 200, JSON.stringify(ok));
  const e = new Engine(h.modelText(), JSON.stringify(one), null);
  assert.deepEqual(ok, { ok: true, program: e.programVersion, policy: null });
  const now = await health();
  assert.equal(now.program, e.programVersion);
  assert.equal(now.programSource, "update");
  assert.equal(now.lastUpdateError, null);
  assert.ok(!Number.isNaN(Date.parse(now.programSince)), now.programSince);
  for (const c of picked().slice(0, 5)) {
    const r = await decide({ customer: c, now: h.NOW });
    const d = await r.json();
    assert.ok(d.offers.length <= 1, JSON.stringify(d.offers));
    h.assertSameJson(d, e.decide(c, { now: h.NOW }), `customer ${c.id} under the updated programme`);
  }
  e.free();

  // Back to the bundled documents: the CLI's decisions again.
  const restored = await update({ program, policy: JSON.parse(h.policyText()) });
  assert.equal(restored.status, 200);
  assert.equal((await health()).program, serving);
  const again = await decide({ customer: c, now: h.NOW });
  h.assertSameJson(await again.json(), h.cliDecisions().get(c.id), "after restoring the programme");
});

test("the edge worker logged no uncaught errors", () => {
  assert.doesNotMatch(logs(), /uncaught|panicked|RuntimeError|unreachable/i, logs());
});
