// offerwise/tokens (Web Crypto) against the Rust engine's tokens (`offerwise decide
// --signing-key`, `offerwise verify-token`) and against Node's own crypto (OpenSSL) as the
// reference Ed25519 verifier: the same tokens byte for byte, each side verifying the other's,
// and every forged, altered, expired, early, wrong-customer or over-valued token refused.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { Engine } from "offerwise";
import * as tokens from "offerwise/tokens";
import h from "./lib/harness.cjs";

const DIR = path.join(h.WORK, "tokens");
const NOW = "1998-07-01T12:00:00Z";
const LATER = "1998-07-01T12:30:00Z";
let key, pub, other;
let customers;

const readJson = (p) => JSON.parse(fs.readFileSync(p, "utf8"));

before(() => {
  h.requireBuilt();
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  h.cli(["keygen", "--out", path.join(DIR, "key.json"), "--public", path.join(DIR, "pub.json")]);
  h.cli(["keygen", "--out", path.join(DIR, "other.json"), "--kid", "other"]);
  key = readJson(path.join(DIR, "key.json"));
  pub = readJson(path.join(DIR, "pub.json"));
  other = readJson(path.join(DIR, "other.json"));
  customers = h.customers(30).filter((c) => c.orders.length > 1).slice(0, 12);
});

/** The CLI's decision for a customer, signed with `keyFile`. */
function cliSigned(customer, keyFile = path.join(DIR, "key.json"), ttl = "3600") {
  const file = path.join(DIR, `customer-${customer.id}.json`);
  fs.writeFileSync(file, JSON.stringify(customer));
  return JSON.parse(h.cli(["decide", "--customer", file, "--now", NOW, "--signing-key", keyFile, "--token-ttl", ttl, "--compact"]));
}

/** Node's crypto (OpenSSL) verifying a JWS: the reference the package and the engine must agree with. */
function opensslVerifies(token, jwk) {
  const [h64, p64, s64] = token.split(".");
  const publicKey = crypto.createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
  return crypto.verify(null, Buffer.from(`${h64}.${p64}`), publicKey, Buffer.from(s64, "base64url"));
}

test("the package signs the engine's tokens byte for byte, and OpenSSL verifies both", async () => {
  const signer = await tokens.importSigningKey(key);
  assert.equal(signer.kid, pub.kid);
  assert.equal(await tokens.thumbprint(pub.x), pub.kid, "the key id is the RFC 7638 thumbprint");
  let n = 0;
  for (const c of customers) {
    const signed = cliSigned(c);
    const plain = { ...signed, offers: signed.offers.map(({ token, ...o }) => o) };
    const js = await tokens.signOfferTokens(plain, signer, { ttlSeconds: 3600 });
    assert.deepEqual(js, signed.offers.map((o) => o.token), `customer ${c.id}`);
    // signDecision of the package's own decision (the storefront wasm in Node) gives them too.
    const engine = new Engine(fs.readFileSync(h.MODEL_PATH, "utf8"), fs.readFileSync(h.PROGRAM_PATH, "utf8"), fs.readFileSync(h.POLICY_PATH, "utf8"));
    const fromWasm = await tokens.signDecision(engine.decide(c, { now: NOW }), signer, { ttlSeconds: 3600 });
    assert.deepEqual(fromWasm.offers.map((o) => o.token), js);
    engine.free();
    for (const t of js) {
      assert.ok(opensslVerifies(t, pub), "OpenSSL verifies the token");
      const [h64] = t.split(".");
      assert.deepEqual(JSON.parse(Buffer.from(h64, "base64url")), { alg: "EdDSA", typ: "JWT", kid: pub.kid });
      n++;
    }
  }
  assert.ok(n >= 12, `${n} tokens`);
});

test("the package and the CLI verify each other's tokens and refuse the same ones", async () => {
  const signed = cliSigned(customers[0]);
  const keys = await tokens.importVerifyingKeys(pub);
  for (const o of signed.offers) {
    const claims = await tokens.verifyOfferToken(o.token, keys, { customer: customers[0].id, now: LATER, offer: o.id, value: o.value });
    assert.equal(claims.sub, customers[0].id);
    assert.equal(claims.offer, o.id);
    assert.equal(claims.exp - claims.iat, 3600);
    const out = h.cli(["verify-token", "--public-key", path.join(DIR, "pub.json"), "--token", o.token, "--customer", customers[0].id, "--now", LATER]);
    assert.deepEqual(JSON.parse(out), claims);
  }
  const t = signed.offers[0].token;
  const cases = [
    [{ customer: "someone-else", now: LATER }, "token.customer"],
    [{ customer: customers[0].id, now: "1998-07-01T13:01:00Z" }, "token.expired"],
    [{ customer: customers[0].id, now: "1998-07-01T11:58:00Z" }, "token.not_yet_valid"],
    [{ customer: customers[0].id, now: LATER, offer: "not-this-one" }, "token.offer"],
    [{ customer: customers[0].id, now: LATER, value: signed.offers[0].value + 0.01 }, "token.value"],
  ];
  for (const [expect, code] of cases) {
    await assert.rejects(tokens.verifyOfferToken(t, keys, expect), (e) => e.name === "OfferwiseTokenError" && e.code === code, code);
    const args = ["verify-token", "--public-key", path.join(DIR, "pub.json"), "--token", t, "--customer", expect.customer, "--now", expect.now];
    if (expect.offer) args.push("--offer", expect.offer);
    if (expect.value !== undefined) args.push("--value", String(expect.value));
    let status = 0;
    let stderr = "";
    try {
      execFileSync(h.BIN, args, { cwd: h.ROOT, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (e) {
      status = e.status;
      stderr = e.stderr;
    }
    assert.equal(status, 2, code);
    assert.ok(stderr.startsWith(`error[${code}]`), `${code}: ${stderr}`);
  }
});

test("forged, altered and re-keyed tokens are refused, every one of them", async () => {
  const keys = await tokens.importVerifyingKeys(pub);
  const signed = cliSigned(customers[1]);
  const t = signed.offers[0].token;
  const expect = { customer: customers[1].id, now: LATER };
  // Forged: another key, under the trusted key's id or its own.
  const forger = await tokens.importSigningKey({ ...other, kid: pub.kid });
  const claims = await tokens.verifyOfferToken(t, keys, expect);
  const forged = await tokens.signClaims(forger, { ...claims, value: 90 });
  await assert.rejects(tokens.verifyOfferToken(forged, keys, expect), { code: "token.signature" });
  await assert.rejects(tokens.verifyOfferToken(await tokens.signClaims(await tokens.importSigningKey(other), claims), keys, expect), { code: "token.unknown_key" });
  // "alg": "none", HMAC with the public key as the secret: the classic JWT forgeries.
  const [, p64] = t.split(".");
  const none = `${Buffer.from(JSON.stringify({ alg: "none", kid: pub.kid })).toString("base64url")}.${p64}.`;
  await assert.rejects(tokens.verifyOfferToken(none, keys, expect), (e) => ["token.algorithm", "token.malformed"].includes(e.code));
  const hsHeader = Buffer.from(JSON.stringify({ alg: "HS256", kid: pub.kid })).toString("base64url");
  const hs = crypto.createHmac("sha256", JSON.stringify(pub)).update(`${hsHeader}.${p64}`).digest("base64url");
  await assert.rejects(tokens.verifyOfferToken(`${hsHeader}.${p64}.${hs}`, keys, expect), { code: "token.algorithm" });
  // Every one-character change: refused by the package, and by OpenSSL where it parses.
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=";
  let tried = 0;
  let accepted = 0;
  for (let i = 0; i < t.length; i++) {
    for (const c of alphabet) {
      if (t[i] === c) continue;
      const altered = t.slice(0, i) + c + t.slice(i + 1);
      tried++;
      try {
        await tokens.verifyOfferToken(altered, keys, expect);
        accepted++;
      } catch (e) {
        assert.equal(e.name, "OfferwiseTokenError");
      }
    }
  }
  assert.equal(accepted, 0, `${accepted} of ${tried} altered tokens accepted`);
  assert.ok(tried > 20000, `${tried}`);
});

test("keys: a set verifies while keys rotate; bad key documents name what is wrong", async () => {
  const rotating = await tokens.importVerifyingKeys({ keys: [pub, { ...other, d: undefined }] });
  assert.deepEqual([...rotating.keys()], [pub.kid, "other"]);
  const signedOld = cliSigned(customers[2]);
  const signedNew = cliSigned(customers[2], path.join(DIR, "other.json"));
  for (const s of [signedOld, signedNew]) {
    await tokens.verifyOfferToken(s.offers[0].token, rotating, { customer: customers[2].id, now: LATER });
  }
  const bad = [
    [{ kty: "RSA", crv: "Ed25519", x: pub.x }, "kty"],
    [{ kty: "OKP", crv: "X25519", x: pub.x }, "crv"],
    [{ kty: "OKP", crv: "Ed25519", x: "AAAA" }, "x"],
    [{ keys: [pub, pub] }, "keys[1].kid"],
    [{ keys: [] }, "keys"],
    ["{", ""],
  ];
  for (const [doc, where] of bad) {
    await assert.rejects(tokens.importVerifyingKeys(doc), (e) => e.code === "key.invalid" && e.path === where, JSON.stringify(doc));
  }
  await assert.rejects(tokens.importSigningKey(pub), { code: "key.invalid", path: "d" });
  await assert.rejects(tokens.importSigningKey({ ...key, x: other.x }), { code: "key.invalid", path: "x" });
});

test("document signatures: the package's equal `offerwise sign`'s, and a changed byte is refused", async () => {
  const model = path.join(DIR, "model.json");
  fs.copyFileSync(h.MODEL_PATH, model);
  h.cli(["sign", "--signing-key", path.join(DIR, "key.json"), model]);
  const bySign = fs.readFileSync(`${model}.sig`, "utf8").trim();
  const bytes = new Uint8Array(fs.readFileSync(model));
  assert.equal(await tokens.signDocument(bytes, key), bySign);
  assert.equal(await tokens.signDocument(fs.readFileSync(model, "utf8"), key), bySign);
  assert.equal(await tokens.verifyDocument(bytes, bySign, pub), pub.kid);
  const changed = bytes.slice();
  changed[10] ^= 1;
  await assert.rejects(tokens.verifyDocument(changed, bySign, pub), { code: "document.signature" });
  await assert.rejects(tokens.verifyDocument(bytes, await tokens.signDocument(bytes, other), pub), { code: "document.unknown_key" });
  await assert.rejects(tokens.verifyDocument(bytes, "x.y.z", pub), { code: "document.malformed" });
  // A token is not a document signature, and a document signature is not a token.
  const token = cliSigned(customers[3]).offers[0].token;
  await assert.rejects(tokens.verifyDocument(bytes, token, pub), { code: "document.malformed" });
  await assert.rejects(tokens.verifyOfferToken(bySign, pub, { customer: customers[3].id, now: LATER }), { code: "token.malformed" });
});
