// offerwise/tokens: signed offer tokens with the platform's Web Crypto (Node >= 20, workerd and
// Cloudflare Workers, Deno, browsers), for the edge worker that signs decisions and the shop's
// server that verifies them at checkout. No wasm: signing needs a key, and the storefront build,
// which runs in the page, must never hold one.
//
// The tokens are the Rust engine's (`offerwise::tokens`, `offerwise decide --signing-key`)
// byte for byte: JSON Web Tokens in JWS compact form signed with Ed25519 ("alg": "EdDSA"),
//
//   base64url({"alg":"EdDSA","typ":"JWT","kid":…}) . base64url({"iss":"offerwise","sub":
//   customer,"offer":…,"kind":…,"value":…,"did":decision id,"iat":…,"exp":…,"jti":nonce}) .
//   base64url(signature)
//
// with keys as JSON Web Keys (RFC 8037) whose id defaults to their RFC 7638 thumbprint, and a
// nonce derived from the private key, the decision, the offer and the instant (so the same
// decision signed twice gives the same tokens, and a redemption store of `jti`s makes each
// offer of each decision single-use). Every refusal is a TokenError with the engine's code
// (`token.expired`, `token.signature`, …) and path.

const ISSUER = "offerwise";
/** A token lives one day unless told otherwise. */
export const DEFAULT_TTL_SECONDS = 86400;
/** Clock skew tolerated between the signer and the checkout. */
export const DEFAULT_LEEWAY_SECONDS = 60;
/** Longest token read (a token is about 400 bytes). */
export const MAX_TOKEN_BYTES = 4096;

/** Why a token or a key was refused: `code` (stable), `path` (what is wrong), message. */
export class TokenError extends Error {
  constructor(code, path, message) {
    super(message);
    this.name = "OfferwiseTokenError";
    this.code = code;
    this.path = path;
  }
}

const fail = (code, path, message) => {
  throw new TokenError(code, path, message);
};

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

function b64url(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** base64url without padding, canonical only (as the Rust reader): else `null`. */
function unb64url(text) {
  if (typeof text !== "string" || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  // Leftover bits must be zero (a canonical encoding).
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) fail("key.unsupported", "", "this runtime has no Web Crypto (crypto.subtle)");
  return s;
};

const parse = (text, code, path, what) => {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(code, path, `${what}: ${e.message}`);
  }
};

/** The RFC 7638 thumbprint of an Ed25519 public key (`x`, base64url): the default key id. */
export async function thumbprint(x) {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${x}"}`;
  return b64url(new Uint8Array(await subtle().digest("SHA-256", utf8.encode(canonical))));
}

function checkJwk(jwk, path) {
  const at = (f) => (path ? `${path}.${f}` : f);
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) fail("key.invalid", path, "is not a JSON Web Key");
  if (jwk.kty !== "OKP") fail("key.invalid", at("kty"), `is ${JSON.stringify(jwk.kty)}; an Ed25519 key has "OKP"`);
  if (jwk.crv !== "Ed25519") fail("key.invalid", at("crv"), `is ${JSON.stringify(jwk.crv)}; only "Ed25519" is supported`);
  // "EdDSA" (RFC 8037) or "Ed25519" (RFC 9864's fully-specified name, what Web Crypto exports).
  if (jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") fail("key.invalid", at("alg"), `is ${JSON.stringify(jwk.alg)}; an Ed25519 key signs "EdDSA"`);
  const x = unb64url(jwk.x);
  if (x === null || x.length !== 32) fail("key.invalid", at("x"), "is not a 32-byte Ed25519 public key in base64url");
  if (jwk.d !== undefined) {
    const d = unb64url(jwk.d);
    if (d === null || d.length !== 32) fail("key.invalid", at("d"), "is not a 32-byte Ed25519 private key in base64url");
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || jwk.kid === "")) fail("key.invalid", at("kid"), "is not a non-empty string");
}

const asObject = (doc) => (typeof doc === "string" ? parse(doc, "key.invalid", "", "not JSON") : doc);

/**
 * A private key (JWK object or text, with `d`) ready to sign: `{ kid, key, seed }`. Import it
 * once per isolate and keep it.
 */
export async function importSigningKey(jwk) {
  jwk = asObject(jwk);
  checkJwk(jwk, "");
  if (jwk.d === undefined) fail("key.invalid", "d", "missing: this is a public key; signing needs the private key (d)");
  let publicKey;
  try {
    publicKey = await subtle().importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    fail("key.invalid", "x", `is not an Ed25519 public key: ${e.message}`);
  }
  let key;
  try {
    key = await subtle().importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }, { name: "Ed25519" }, false, ["sign"]);
  } catch (e) {
    // Some runtimes check that x is d's public half on import (Node), others do not (below).
    fail("key.invalid", "x", `is not the public half of d (${e.message})`);
  }
  // The public half must be the private key's: sign and verify one message with x.
  const probe = utf8.encode("offerwise.key-check");
  const sig = await subtle().sign({ name: "Ed25519" }, key, probe);
  if (!(await subtle().verify({ name: "Ed25519" }, publicKey, sig, probe))) fail("key.invalid", "x", "is not the public half of d");
  return { kid: jwk.kid ?? (await thumbprint(jwk.x)), key, seed: unb64url(jwk.d) };
}

/** The trusted public keys (one JWK, a JWK set `{keys: [...]}`, as objects or text), by id. */
export async function importVerifyingKeys(doc) {
  doc = asObject(doc);
  const isSet = doc !== null && typeof doc === "object" && "keys" in doc;
  if (isSet && !Array.isArray(doc.keys)) fail("key.invalid", "keys", "is not a list of JSON Web Keys");
  const docs = isSet ? doc.keys : [doc];
  const keys = new Map();
  for (const [i, jwk] of docs.entries()) {
    const path = isSet ? `keys[${i}]` : "";
    checkJwk(jwk, path);
    const kid = jwk.kid ?? (await thumbprint(jwk.x));
    if (keys.has(kid)) fail("key.invalid", path ? `${path}.kid` : "kid", `${JSON.stringify(kid)} names two keys`);
    let key;
    try {
      key = await subtle().importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      fail("key.invalid", path ? `${path}.x` : "x", `is not an Ed25519 public key: ${e.message}`);
    }
    keys.set(kid, key);
  }
  if (keys.size === 0) fail("key.invalid", "keys", "is empty: no key to verify with");
  return keys;
}

async function nonce(signer, did, offer, iat) {
  const prefix = utf8.encode("offerwise.token.jti\0");
  const d = utf8.encode(did);
  const o = utf8.encode(offer);
  const buf = new Uint8Array(prefix.length + 32 + d.length + 1 + o.length + 1 + 8);
  let at = 0;
  for (const part of [prefix, signer.seed, d, [0], o, [0]]) {
    buf.set(part, at);
    at += part.length;
  }
  new DataView(buf.buffer).setBigInt64(at, BigInt(iat));
  const digest = new Uint8Array(await subtle().digest("SHA-256", buf));
  return b64url(digest.subarray(0, 16));
}

/** Signs claims (`{iss, sub, offer, kind, value, did, iat, exp, jti}`) with an imported key. */
export async function signClaims(signer, claims) {
  const header = b64url(utf8.encode(JSON.stringify({ alg: "EdDSA", typ: "JWT", kid: signer.kid })));
  const { iss, sub, offer, kind, value, did, iat, exp, jti } = claims;
  const payload = b64url(utf8.encode(JSON.stringify({ iss, sub, offer, kind, value, did, iat, exp, jti })));
  const input = `${header}.${payload}`;
  const sig = new Uint8Array(await subtle().sign({ name: "Ed25519" }, signer.key, utf8.encode(input)));
  return `${input}.${b64url(sig)}`;
}

/**
 * One token per offer of a decision (the engine's decision object, or its JSON text), in the
 * order of `decision.offers`, issued at the decision's instant and valid `ttlSeconds`.
 */
export async function signOfferTokens(decision, signer, { ttlSeconds = DEFAULT_TTL_SECONDS } = {}) {
  if (typeof decision === "string") decision = parse(decision, "token.options", "decision", "not JSON");
  if (!signer || !signer.key || !signer.seed) signer = await importSigningKey(signer);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) fail("token.options", "ttl", `${ttlSeconds} s: a token must live a whole number of seconds, at least one`);
  const at = Date.parse(decision?.log?.at);
  if (!Number.isFinite(at)) fail("token.options", "decision.log.at", "the decision has no instant");
  const iat = Math.floor(at / 1000);
  const exp = iat + ttlSeconds;
  const did = decision.log.decisionId;
  const offers = Array.isArray(decision.offers) ? decision.offers : [];
  const out = [];
  for (const o of offers) {
    const jti = await nonce(signer, did, o.id, iat);
    out.push(await signClaims(signer, { iss: ISSUER, sub: decision.customerId, offer: o.id, kind: o.kind, value: o.value, did, iat, exp, jti }));
  }
  return out;
}

/** The decision with a `token` in each of its offers (a copy; the decision is not changed). */
export async function signDecision(decision, signer, options = {}) {
  if (typeof decision === "string") decision = parse(decision, "token.options", "decision", "not JSON");
  const tokens = await signOfferTokens(decision, signer, options);
  return { ...decision, offers: decision.offers.map((o, i) => ({ ...o, token: tokens[i] })) };
}

/** The trusted key a header's `kid` names, or `code` at header.kid: tokens and documents alike. */
function keyFor(keys, kid, code, missing) {
  if (typeof kid !== "string") fail(code, "header.kid", missing);
  const key = keys.get(kid);
  if (!key) fail(code, "header.kid", `${JSON.stringify(kid)} is not a trusted key (trusted: ${[...keys.keys()].join(", ")})`);
  return key;
}

const CLAIMS = { iss: "string", sub: "string", offer: "string", kind: "string", value: "number", did: "string", iat: "number", exp: "number", jti: "string" };

/**
 * Checks a token at checkout: form, algorithm, key id, signature, then the claims against
 * `{customer, now, offer?, value?, leewaySeconds?}` (`now`: a Date, epoch milliseconds or ISO
 * text). Returns the claims when the offer may be honoured; throws a TokenError otherwise.
 * `keys`: what importVerifyingKeys returns, or a JWK / JWK set to import.
 */
export async function verifyOfferToken(token, keys, { customer, now, offer, value, leewaySeconds = DEFAULT_LEEWAY_SECONDS } = {}) {
  if (!(keys instanceof Map)) keys = await importVerifyingKeys(keys);
  if (typeof token !== "string") fail("token.malformed", "token", "is not text");
  if (token.length > MAX_TOKEN_BYTES) fail("token.malformed", "token", `has ${token.length} bytes; a token has at most ${MAX_TOKEN_BYTES}`);
  const parts = token.split(".");
  if (parts.length !== 3) fail("token.malformed", "token", "is not three base64url parts separated by '.'");
  const [h, p, s] = parts;
  const part = (text, path) => {
    const bytes = unb64url(text);
    if (bytes === null) fail("token.malformed", path, "is not base64url without padding");
    return bytes;
  };
  const text = (bytes, path) => {
    try {
      return fromUtf8.decode(bytes);
    } catch {
      return fail("token.malformed", path, "is not UTF-8");
    }
  };
  const header = parse(text(part(h, "header"), "header"), "token.malformed", "header", "is not a JWS header");
  if (header === null || typeof header !== "object" || typeof header.alg !== "string") fail("token.malformed", "header", "is not a JWS header: no alg");
  if (header.alg !== "EdDSA") fail("token.algorithm", "header.alg", `is ${JSON.stringify(header.alg)}; offerwise tokens are signed "EdDSA"`);
  if (header.typ !== undefined && header.typ !== "JWT") fail("token.malformed", "header.typ", `is ${JSON.stringify(header.typ)}: this is not an offer token ("JWT")`);
  const key = keyFor(keys, header.kid, "token.unknown_key", "missing: the token does not say which key signed it");
  const sig = part(s, "signature");
  if (sig.length !== 64) fail("token.malformed", "signature", `has ${sig.length} bytes; an Ed25519 signature has 64`);
  const ok = await subtle().verify({ name: "Ed25519" }, key, sig, utf8.encode(`${h}.${p}`));
  if (!ok) fail("token.signature", "signature", `does not match the token's header and claims under key ${JSON.stringify(header.kid)}: the token was altered or forged`);
  const claims = parse(text(part(p, "claims"), "claims"), "token.malformed", "claims", "are not offerwise claims");
  for (const [k, type] of Object.entries(CLAIMS)) {
    if (claims === null || typeof claims !== "object" || typeof claims[k] !== type) fail("token.malformed", "claims", `are not offerwise claims: ${k} is not a ${type}`);
  }
  for (const k of ["iat", "exp"]) {
    if (!Number.isSafeInteger(claims[k])) fail("token.malformed", "claims", `are not offerwise claims: ${k} is not whole seconds`);
  }
  if (claims.iss !== ISSUER) fail("token.issuer", "claims.iss", `is ${JSON.stringify(claims.iss)}, not "${ISSUER}"`);
  if (claims.sub !== customer) fail("token.customer", "claims.sub", `the token is for customer ${JSON.stringify(claims.sub)}, not ${JSON.stringify(customer)}`);
  const nowMs = now instanceof Date ? now.getTime() : typeof now === "string" ? Date.parse(now) : now ?? Date.now();
  if (!Number.isFinite(nowMs)) fail("token.options", "now", `${JSON.stringify(now)} is not an instant`);
  const t = Math.floor(nowMs / 1000);
  const leeway = Math.max(0, leewaySeconds);
  if (t + leeway < claims.iat) fail("token.not_yet_valid", "claims.iat", `the token is issued at ${claims.iat} (now is ${t}): the clocks differ by more than ${leeway} s`);
  if (t - leeway >= claims.exp) fail("token.expired", "claims.exp", `the token expired at ${claims.exp} (${t - claims.exp} s ago)`);
  if (offer !== undefined && claims.offer !== offer) fail("token.offer", "claims.offer", `the token is for offer ${JSON.stringify(claims.offer)}, not ${JSON.stringify(offer)}`);
  if (value !== undefined && !(Number.isFinite(value) && value <= claims.value)) fail("token.value", "claims.value", `the checkout applies ${value}; the token grants at most ${claims.value}`);
  return claims;
}

/** The `typ` of a document signature (never taken for a token's, nor the other way round). */
export const DOCUMENT_TYPE = "offerwise-document";

const documentBytes = (doc) => (typeof doc === "string" ? utf8.encode(doc) : doc instanceof Uint8Array ? doc : fail("document.malformed", "document", "is not text or bytes"));

/**
 * A detached signature (`header..signature`, RFC 7515 appendix F) of a document's exact bytes
 * (a model, programme or policy as text or bytes): what `offerwise sign` writes as FILE.sig.
 */
export async function signDocument(doc, signer) {
  if (!signer || !signer.key || !signer.seed) signer = await importSigningKey(signer);
  const header = b64url(utf8.encode(JSON.stringify({ alg: "EdDSA", typ: DOCUMENT_TYPE, kid: signer.kid })));
  const input = `${header}.${b64url(documentBytes(doc))}`;
  const sig = new Uint8Array(await subtle().sign({ name: "Ed25519" }, signer.key, utf8.encode(input)));
  return `${header}..${b64url(sig)}`;
}

/**
 * Checks a document's detached signature under one of `keys`; the id of the key that signed
 * it, or a TokenError (`document.malformed`, `document.algorithm`, `document.unknown_key`,
 * `document.signature`). Load a model or programme only after this succeeds.
 */
export async function verifyDocument(doc, signature, keys) {
  if (!(keys instanceof Map)) keys = await importVerifyingKeys(keys);
  const sigText = typeof signature === "string" ? signature.trim() : "";
  const parts = sigText.split(".");
  if (sigText.length > MAX_TOKEN_BYTES || parts.length !== 3 || parts[1] !== "") fail("document.malformed", "signature", "is not a detached signature (header..signature), as `offerwise sign` writes");
  const [h, , s] = parts;
  const headerBytes = unb64url(h);
  let header = null;
  try {
    header = headerBytes === null ? null : JSON.parse(fromUtf8.decode(headerBytes));
  } catch {
    header = null;
  }
  if (header === null || typeof header !== "object" || typeof header.alg !== "string") fail("document.malformed", "header", "is not a JWS header");
  if (header.alg !== "EdDSA") fail("document.algorithm", "header.alg", `is ${JSON.stringify(header.alg)}; documents are signed "EdDSA"`);
  if (header.typ !== DOCUMENT_TYPE) fail("document.malformed", "header.typ", `is not "${DOCUMENT_TYPE}": this is not a document signature`);
  const key = keyFor(keys, header.kid, "document.unknown_key", "missing: the signature does not say which key made it");
  const sig = unb64url(s);
  if (sig === null || sig.length !== 64) fail("document.malformed", "signature", "is not a base64url Ed25519 signature");
  const ok = await subtle().verify({ name: "Ed25519" }, key, sig, utf8.encode(`${h}.${b64url(documentBytes(doc))}`));
  if (!ok) fail("document.signature", "signature", `does not match the document under key ${JSON.stringify(header.kid)}: the document was changed after signing, or another key signed it`);
  return header.kid;
}
