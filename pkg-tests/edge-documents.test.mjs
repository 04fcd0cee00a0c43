// The edge worker (examples/edge-worker) with DOCUMENT_KEYS, in workerd: PUT /program loads a
// programme (and policy) only with a detached signature `offerwise sign` made with a trusted
// key, over the exact text sent. Unsigned, altered, foreign-key and garbage signatures are
// refused with their code, and the programme served before keeps serving.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Engine } from "offerwise";
import h from "./lib/harness.cjs";
import { startWorkerd } from "./lib/workerd.mjs";

const DIR = path.join(h.ROOT, "examples", "edge-worker");
const WORK = path.join(h.WORK, "edge-documents");
const ADMIN = `test-token-${process.pid}`;
let worker = null;
let base = null;
const logs = () => (worker ? worker.logs() : "");
const file = (name) => path.join(WORK, name);
const read = (name) => fs.readFileSync(file(name), "utf8");

/** Writes `text` as `name` and signs it with the CLI: the signature (FILE.sig's content). */
function signWithCli(name, text, key = "trusted.json") {
  fs.writeFileSync(file(name), text);
  h.cli(["sign", "--signing-key", file(key), file(name)]);
  return read(`${name}.sig`);
}

before(async () => {
  h.requireBuilt();
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  h.cli(["keygen", "--out", file("trusted.json"), "--public", file("trusted.pub.json")]);
  h.cli(["keygen", "--out", file("rotated.json"), "--public", file("rotated.pub.json"), "--kid", "2026-12"]);
  h.cli(["keygen", "--out", file("untrusted.json"), "--public", file("untrusted.pub.json")]);
  // Another key under a trusted key's id: named right, signed wrong.
  h.cli(["keygen", "--out", file("impostor.json"), "--public", file("impostor.pub.json"), "--kid", "2026-12"]);
  const keySet = { keys: [JSON.parse(read("trusted.pub.json")), JSON.parse(read("rotated.pub.json"))] };
  worker = await startWorkerd({ dir: DIR, env: { OFFERWISE_ADMIN_TOKEN: ADMIN, OFFERWISE_DOCUMENT_KEYS: JSON.stringify(keySet) } });
  base = worker.base;
});

after(async () => {
  if (worker) await worker.stop();
});

const put = (body, token = ADMIN) =>
  fetch(`${base}/program`, {
    method: "PUT",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
const health = async () => (await fetch(`${base}/health`)).json();
const decide = async (customer) => {
  const r = await fetch(`${base}/decide`, { method: "POST", body: JSON.stringify({ customer, now: h.NOW }) });
  assert.equal(r.status, 200, logs());
  return r.json();
};

/** The programme of the repository with `maxOffers` set, as a file would hold it. */
const programWith = (maxOffers) => {
  const p = JSON.parse(h.programText());
  p.maxOffers = maxOffers;
  return JSON.stringify(p, null, 2) + "\n";
};

async function expectRefused(r, status, code, where) {
  const text = await r.text();
  assert.equal(r.status, status, `${where}: ${text}`);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  const body = JSON.parse(text);
  assert.equal(body.error.code, code, `${where}: ${text}`);
  assert.equal(typeof body.error.path, "string");
  assert.equal(typeof body.error.message, "string");
  return body;
}

/** The worker still serves `engine`'s programme: /health names it and /decide equals it. */
async function assertServing(engine, where) {
  const now = await health();
  assert.equal(now.program, engine.programVersion, where);
  for (const c of h.customers(1000).filter((_, i) => i % 200 === 0)) {
    h.assertSameJson(await decide(c), engine.decide(c, { now: h.NOW }), `${where}: customer ${c.id}`);
  }
}

test("a programme signed by `offerwise sign` is loaded and served; refused ones change nothing", async () => {
  const bundled = new Engine(h.modelText(), h.programText(), h.policyText());
  await assertServing(bundled, "before any update");

  // Signed with a trusted key (the CLI, over the file's exact bytes): accepted and served.
  const one = programWith(1);
  const signature = signWithCli("one.json", one);
  const accepted = await put({ program: one, signature });
  const ok = await accepted.json();
  assert.equal(accepted.status, 200, JSON.stringify(ok));
  const served = new Engine(h.modelText(), one, h.policyText());
  assert.deepEqual(ok, { ok: true, program: served.programVersion, policy: served.policyVersion });
  assert.notEqual(served.programVersion, bundled.programVersion);
  const after = await health();
  assert.equal(after.programSource, "update");
  assert.equal(after.lastUpdateError, null);
  await assertServing(served, "after the signed update");
  const c = h.customers(1000)[0];
  assert.ok((await decide(c)).offers.length <= 1);

  // Each refusal: its status and code, the signed programme still serving, /health saying why.
  const two = programWith(2);
  const twoSig = signWithCli("two.json", two);
  // One byte changed: "maxOffers": 1 -> 2, still a valid programme.
  const altered = one.replace('"maxOffers": 1', '"maxOffers": 2');
  assert.equal(altered.length, one.length);
  assert.equal([...altered].filter((ch, i) => ch !== one[i]).length, 1);
  const foreign = signWithCli("foreign.json", two, "untrusted.json");
  const impostor = signWithCli("impostor-signed.json", two, "impostor.json");
  const [h64, , s64] = twoSig.trim().split(".");
  const cases = [
    ["unsigned (text)", { program: two }, 403, "document.unsigned", "signature"],
    ["unsigned (object, the unsigned update's body)", { program: JSON.parse(two) }, 403, "document.unsigned", "signature"],
    ["altered by one byte", { program: altered, signature }, 403, "document.signature", "signature"],
    ["another programme's signature", { program: two, signature }, 403, "document.signature", "signature"],
    ["signed by an untrusted key", { program: two, signature: foreign }, 403, "document.unknown_key", "signature.header.kid"],
    ["signed by another key under a trusted id", { program: two, signature: impostor }, 403, "document.signature", "signature"],
    ["garbage signature", { program: two, signature: "garbage" }, 400, "document.malformed", "signature"],
    ["garbage signature bytes", { program: two, signature: `${h64}..${"A".repeat(86)}` }, 403, "document.signature", "signature"],
    ["a signature with a payload (not detached)", { program: two, signature: `${h64}.e30.${s64}` }, 400, "document.malformed", "signature"],
    ["a signed programme sent as an object", { program: JSON.parse(two), signature: twoSig }, 400, "request.invalid", "program"],
  ];
  for (const [where, body, status, code, errorPath] of cases) {
    const refused = await expectRefused(await put(body), status, code, where);
    assert.equal(refused.error.path, errorPath, where);
    assert.equal(refused.serving, served.programVersion, where);
    const now = await health();
    assert.equal(now.program, served.programVersion, where);
    assert.equal(now.lastUpdateError.code, code, where);
  }
  await assertServing(served, "after the refusals");

  // The admin token is still checked first.
  await expectRefused(await put({ program: two, signature: twoSig }, null), 401, "update.unauthorized", "no admin token");
  await expectRefused(await put({ program: two, signature: twoSig }, "wrong"), 401, "update.unauthorized", "wrong admin token");

  // The second key of the set (rotation) is trusted too.
  const rotated = signWithCli("two-rotated.json", two, "rotated.json");
  const r2 = await put({ program: two, signature: rotated });
  assert.equal(r2.status, 200, await r2.clone().text());
  const servedTwo = new Engine(h.modelText(), two, h.policyText());
  await assertServing(servedTwo, "after the update signed by the rotated key");
  assert.equal((await health()).lastUpdateError, null);

  bundled.free();
  served.free();
  servedTwo.free();
});

test("a policy sent with the programme needs its own signature", async () => {
  const program = h.programText();
  const programSig = signWithCli("program.json", program);
  const policy = h.policyText();
  const policySig = signWithCli("policy.json", policy);
  const serving = (await health()).program;

  const unsigned = await expectRefused(await put({ program, signature: programSig, policy }), 403, "document.unsigned", "unsigned policy");
  assert.equal(unsigned.error.path, "policySignature");
  const swapped = await expectRefused(await put({ program, signature: programSig, policy, policySignature: programSig }), 403, "document.signature", "the programme's signature for the policy");
  assert.equal(swapped.error.path, "policySignature");
  assert.equal((await health()).program, serving);

  // Both signed: the repository's documents serve again, as the CLI decides.
  const r = await put({ program, signature: programSig, policy, policySignature: policySig });
  assert.equal(r.status, 200, await r.clone().text());
  const c = h.customers(1000)[50];
  h.assertSameJson(await decide(c), h.cliDecisions().get(c.id), "after the signed programme and policy");
  // "policy": null (no learned policy) is no document: nothing to sign.
  const none = await put({ program, signature: programSig, policy: null });
  assert.equal(none.status, 200, await none.clone().text());
  assert.equal((await health()).policy, null);
});

test("DOCUMENT_KEYS that do not load refuse every update (503), never fall back to unsigned", async () => {
  const broken = await startWorkerd({ dir: DIR, env: { OFFERWISE_ADMIN_TOKEN: ADMIN, OFFERWISE_DOCUMENT_KEYS: "{ not a key" } });
  try {
    const program = programWith(1);
    for (const body of [{ program }, { program, signature: signWithCli("broken.json", program) }]) {
      const r = await fetch(`${broken.base}/program`, { method: "PUT", body: JSON.stringify(body), headers: { authorization: `Bearer ${ADMIN}` } });
      const text = await r.text();
      assert.equal(r.status, 503, text);
      assert.equal(JSON.parse(text).error.code, "key.invalid");
      assert.match(JSON.parse(text).error.path, /^documentKeys/);
    }
    const h1 = await (await fetch(`${broken.base}/health`)).json();
    assert.equal(h1.programSource, "bundled");
    assert.doesNotMatch(broken.logs(), /uncaught|panicked|RuntimeError|unreachable/i, broken.logs());
  } finally {
    await broken.stop();
  }
});

test("the edge worker logged no uncaught errors", () => {
  assert.doesNotMatch(logs(), /uncaught|panicked|RuntimeError|unreachable/i, logs());
});
