// The edge worker (examples/edge-worker) with a signing key, in workerd: its decisions' offers
// carry the engine's own tokens, and POST /redeem honours each token once, however many
// checkouts send it at the same moment (its Durable Object store), and refuses what must not
// be honoured with the reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { startWorkerd } from "./lib/workerd.mjs";

const DIR = path.join(h.ROOT, "examples", "edge-worker");
const KEYS = path.join(h.WORK, "edge-tokens");
const NOW = "1998-07-01T12:00:00Z";
const LATER = "1998-07-01T12:30:00Z";
let worker = null;
let base = null;
let customer = null;
const logs = () => (worker ? worker.logs() : "");

before(async () => {
  h.requireBuilt();
  fs.rmSync(KEYS, { recursive: true, force: true });
  fs.mkdirSync(KEYS, { recursive: true });
  h.cli(["keygen", "--out", path.join(KEYS, "key.json"), "--public", path.join(KEYS, "pub.json")]);
  worker = await startWorkerd({ dir: DIR, env: { OFFERWISE_SIGNING_KEY: fs.readFileSync(path.join(KEYS, "key.json"), "utf8") } });
  base = worker.base;
  customer = h.customers(30).find((c) => c.orders.length > 2);
});

after(async () => {
  if (worker) await worker.stop();
});

const post = (route, body) =>
  fetch(`${base}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function decide(now = NOW) {
  const r = await post("/decide", { customer, now });
  assert.equal(r.status, 200, logs());
  return r.json();
}

test("the worker's offers carry the tokens `offerwise decide --signing-key` makes", async () => {
  const d = await decide();
  assert.ok(d.offers.length > 0);
  const file = path.join(KEYS, "customer.json");
  fs.writeFileSync(file, JSON.stringify(customer));
  const cli = JSON.parse(h.cli(["decide", "--customer", file, "--now", NOW, "--signing-key", path.join(KEYS, "key.json"), "--compact"]));
  assert.deepEqual(d.offers.map((o) => o.token), cli.offers.map((o) => o.token));
  // And the CLI verifies them.
  for (const o of d.offers) {
    h.cli(["verify-token", "--public-key", path.join(KEYS, "pub.json"), "--token", o.token, "--customer", customer.id, "--now", LATER]);
  }
});

test("50 simultaneous redemptions of one token: exactly one succeeds", async () => {
  const d = await decide();
  const token = d.offers[0].token;
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => post("/redeem", { token, customer: customer.id, now: LATER }).then(async (r) => ({ status: r.status, body: await r.json() }))),
  );
  const ok = answers.filter((a) => a.status === 200);
  assert.equal(ok.length, 1, JSON.stringify(answers.map((a) => a.status)));
  assert.equal(ok[0].body.claims.offer, d.offers[0].id);
  for (const a of answers.filter((a) => a.status !== 200)) {
    assert.equal(a.status, 409);
    assert.equal(a.body.error.code, "token.replayed");
  }
  // Later, still once only; the decision's other offers are their own tokens.
  const again = await post("/redeem", { token, customer: customer.id, now: LATER });
  assert.equal(again.status, 409);
  if (d.offers.length > 1) {
    const second = await post("/redeem", { token: d.offers[1].token, customer: customer.id, now: LATER });
    assert.equal(second.status, 200);
  }
});

test("/redeem refuses a forged, altered, expired, early or someone else's token with the reason", async () => {
  const d = await decide("1998-07-01T09:00:00Z");
  const o = d.offers[0];
  const token = o.token;
  const dot = token.indexOf(".");
  const altered = token.slice(0, dot + 3) + (token[dot + 3] === "A" ? "B" : "A") + token.slice(dot + 4);
  const cases = [
    [{ token, customer: "someone-else", now: "1998-07-01T09:30:00Z" }, 403, "token.customer"],
    [{ token: altered, customer: customer.id, now: "1998-07-01T09:30:00Z" }, 403, "token.signature"],
    [{ token, customer: customer.id, now: "1998-07-03T09:30:00Z" }, 403, "token.expired"],
    [{ token, customer: customer.id, now: "1998-06-30T09:00:00Z" }, 403, "token.not_yet_valid"],
    [{ token, customer: customer.id, now: "1998-07-01T09:30:00Z", value: o.value * 2 + 1 }, 403, "token.value"],
    [{ token: "x.y", customer: customer.id }, 400, "token.malformed"],
    [{ customer: customer.id }, 400, "request.invalid"],
  ];
  for (const [body, status, code] of cases) {
    const r = await post("/redeem", body);
    const answer = await r.json();
    assert.equal(r.status, status, `${code}: ${JSON.stringify(answer)}`);
    assert.equal(answer.error.code, code);
  }
  // None of the refusals spent the token.
  const r = await post("/redeem", { token, customer: customer.id, now: "1998-07-01T09:30:00Z" });
  assert.equal(r.status, 200);
});

test("the signing worker logged no uncaught errors", () => {
  assert.doesNotMatch(logs(), /Uncaught|internal error/i, logs());
});
