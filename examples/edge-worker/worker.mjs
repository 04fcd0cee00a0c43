// offerwise at the edge: a Cloudflare-Workers-style worker that serves decisions.
//
// The model, programme and learned policy are bundled with the worker and read once per
// isolate; the engine is kept for the life of the isolate. A new programme can be pushed at run
// time; one that fails its checks is refused and the last good one keeps serving (flagd's
// behaviour for a bad flag configuration).
//
//   POST /decide          {"customer": {...}, "now"?, "cart"?, "context"?, "ids"?, "assignments"?,
//                          "forceVariants"?, "budgets"?, "timeZoneOffsetMinutes"?}
//                         200 the decision; `now` defaults to the request's time
//   GET  /health          200 {"ok", "engine", "model", "program", "policy", "programSource",
//                              "programSince", "lastUpdateError"}
//   POST /redeem          {"token", "customer", "now"?, "offer"?, "value"?}  at checkout: the
//                         token verified (signature, expiry, customer, offer, value) and redeemed
//                         once: 200 {"ok": true, "claims"}, 409 token.replayed when it was
//                         already, 403 with the reason when it must not be honoured
//   PUT  /program         {"program": {...}, "policy"?: {...} | null}  (Authorization: Bearer
//                         <ADMIN_TOKEN>; "policy" left out keeps the current one)
//                         200 {"ok": true, "program", "policy"} or 400 with the error, the last
//                         good programme still serving. With DOCUMENT_KEYS, signed documents
//                         only: {"program": "<text>", "signature": "<program.json.sig>",
//                         "policy"?: "<text>" | null, "policySignature"?: "<policy.json.sig>"}
//                         (below); a refusal is 403 (400 for document.malformed)
//
// Signed offers: with the secret SIGNING_KEY (a private Ed25519 JSON Web Key, `offerwise keygen`)
// every offer of a decision carries a `token` (offerwise/tokens, Web Crypto; the page that shows
// the offers never holds the key). /redeem verifies with VERIFY_KEYS (a public JWK or key set,
// for rotation; default: the signing key's public half) and keeps each redeemed token in the
// Durable Object REDEMPTIONS (one object per token: one thread, so exactly one redemption
// succeeds however many arrive at once).
//
// Signed programmes: with DOCUMENT_KEYS (a public JWK or key set, as text: the keys
// `offerwise sign` signs with) PUT /program loads only documents signed by one of them. A
// signature covers a document's exact bytes, so the programme comes as its text, exactly as
// signed, in the same JSON body the unsigned update uses, with the content of the FILE.sig
// `offerwise sign` wrote next to it as "signature" (a JSON envelope rather than the raw text
// with the signature in a header: the programme and its policy are still replaced together, in
// one request, each with its own signature; and the same body works whether or not the worker
// checks signatures). A missing signature is 403 document.unsigned, one that does not match the
// text 403 document.signature, one made by a key not in DOCUMENT_KEYS 403 document.unknown_key,
// one that is not a detached signature 400 document.malformed; the served programme stays.
// "policy": null (no learned policy) is not a document and needs no signature.
//
// Every error is {"error": {"code", "path", "message"}}: 400 for what the request got wrong
// (its JSON, its shape, or the engine's OfferwiseError with its code and path), 401/403 for an
// update without the token, 404/405 for a route or method the worker does not have, and 503
// only when the bundled documents themselves, or the configured keys, do not load.
import { Engine, initSync, version } from "offerwise";
import wasm from "offerwise/offerwise_bg.wasm";
import { importSigningKey, importVerifyingKeys, signDecision, verifyDocument, verifyOfferToken } from "offerwise/tokens";
import model from "./model.json";
import program from "./program.json";
import policy from "./policy.json";

// Instantiating the compiled module is synchronous: no fetch of the wasm at run time.
initSync({ module: wasm });

/** The engine serving this isolate, with where its programme came from. */
let live = null;
/** Why the bundled documents do not load (every request then answers 503 with it). */
let bootError = null;
/** The last refused programme update: `{code, path, message, at}`. */
let lastUpdateError = null;

function engine() {
  if (live === null && bootError === null) {
    try {
      live = { engine: new Engine(model, program, policy), policy, source: "bundled", since: null };
    } catch (e) {
      bootError = errorBody(e).error;
    }
  }
  return live;
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });

const fail = (status, code, path, message) => json({ error: { code, path, message } }, status);

function errorBody(e) {
  if (e instanceof Error && e.name === "OfferwiseError") {
    return { error: { code: e.code, path: e.path, message: e.message } };
  }
  // Not an input error: the engine reports every bad input as an OfferwiseError.
  return { error: { code: "internal", path: "", message: String((e && e.message) || e) } };
}

function errorResponse(e) {
  const body = errorBody(e);
  return json(body, body.error.code === "internal" ? 500 : 400);
}

/** The request body as a JSON object, or a 400 saying what is wrong with it. */
async function readObject(request, what) {
  const text = await request.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { error: fail(400, "request.syntax", "", `the body is not JSON: ${e.message}`) };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { error: fail(400, "request.invalid", "", `the body must be a JSON object ${what}`) };
  }
  return { body };
}

/** The keys of this isolate, imported once: `{ signer, verifier }` (either may be null). */
let keys = null;
async function tokenKeys(env) {
  if (keys === null) {
    keys = (async () => {
      const signing = env && env.SIGNING_KEY ? env.SIGNING_KEY : null;
      const signer = signing ? await importSigningKey(signing) : null;
      let verifying = env && env.VERIFY_KEYS ? env.VERIFY_KEYS : null;
      if (!verifying && signing) {
        const { d: _secret, ...publicHalf } = JSON.parse(signing);
        verifying = { ...publicHalf, kid: signer.kid };
      }
      return { signer, verifier: verifying ? await importVerifyingKeys(verifying) : null };
    })();
    // A key that does not load is reported on every request that needs it, not cached away.
    keys.catch(() => { keys = null; });
  }
  return keys;
}

/** The keys, or a 503 naming what is wrong with the configured ones. */
async function loadKeys(env) {
  try {
    return await tokenKeys(env);
  } catch (e) {
    if (e && e.name === "OfferwiseTokenError") {
      return { error: fail(503, e.code, `keys${e.path ? "." + e.path : ""}`, `the worker's SIGNING_KEY or VERIFY_KEYS: ${e.message}`) };
    }
    if (e instanceof SyntaxError) return { error: fail(503, "key.invalid", "keys", `the worker's SIGNING_KEY is not JSON: ${e.message}`) };
    throw e;
  }
}

/** The keys PUT /program's documents must be signed with, imported once; `null` when unset. */
let documentKeys = null;
async function loadDocumentKeys(env) {
  const configured = env ? env.DOCUMENT_KEYS : undefined;
  // Unset is `undefined` (or `null` from workerd's fromEnvironment); anything else, even an
  // empty text, is a configuration to enforce: a key set that does not load refuses every
  // update (503) rather than letting unsigned ones through.
  if (configured === undefined || configured === null) return { keys: null };
  if (documentKeys === null) {
    documentKeys = importVerifyingKeys(configured);
    documentKeys.catch(() => { documentKeys = null; });
  }
  try {
    return { keys: await documentKeys };
  } catch (e) {
    if (e && e.name === "OfferwiseTokenError") {
      return { error: fail(503, e.code, `documentKeys${e.path ? "." + e.path : ""}`, `the worker's DOCUMENT_KEYS: ${e.message}`) };
    }
    throw e;
  }
}

/**
 * Checks one document of a signed update (`text` from the body's `field`, its signature from
 * `sigField`) under `keys`: `null` when it may be loaded, else the refusal `{status, error}`.
 */
async function documentRefusal(text, signature, keys, field, sigField) {
  const what = field === "program" ? "programme" : field;
  if (signature === undefined || signature === null) {
    return { status: 403, error: { code: "document.unsigned", path: sigField, message: `the ${what} is not signed and this worker loads only signed documents (DOCUMENT_KEYS): send its text as "${field}" and the signature \`offerwise sign\` wrote as "${sigField}"` } };
  }
  if (typeof text !== "string") {
    return { status: 400, error: { code: "request.invalid", path: field, message: `give the ${what} as its text, exactly as signed (a JSON string), not as ${text === null ? "null" : typeof text}` } };
  }
  try {
    await verifyDocument(text, signature, keys);
    return null;
  } catch (e) {
    if (e && e.name === "OfferwiseTokenError") {
      const path = e.path && e.path !== "signature" ? `${sigField}.${e.path}` : sigField;
      return { status: e.code === "document.malformed" ? 400 : 403, error: { code: e.code, path, message: `the ${what}'s signature: ${e.message}` } };
    }
    throw e;
  }
}

async function decide(request, env) {
  const { body, error } = await readObject(request, 'with "customer" and the decision options');
  if (error) return error;
  const { customer, ...options } = body;
  if (customer === null || typeof customer !== "object" || Array.isArray(customer)) {
    return fail(400, "request.invalid", "customer", 'give the customer document as "customer"');
  }
  // Time is an input: the caller's `now`, else the time of the request.
  if (options.now === undefined) options.now = Date.now();
  const current = engine();
  if (current === null) return json({ error: bootError }, 503);
  let decision;
  try {
    decision = current.engine.decide(customer, options);
  } catch (e) {
    return errorResponse(e);
  }
  const loaded = await loadKeys(env);
  if (loaded.error) return loaded.error;
  return json(loaded.signer ? await signDecision(decision, loaded.signer) : decision);
}

async function redeem(request, env) {
  const { body, error } = await readObject(request, 'with "token" and "customer"');
  if (error) return error;
  const { token, customer, now, offer, value } = body;
  if (typeof token !== "string") return fail(400, "request.invalid", "token", 'give the offer\'s token as "token"');
  if (typeof customer !== "string") return fail(400, "request.invalid", "customer", 'give the customer\'s id as "customer"');
  const loaded = await loadKeys(env);
  if (loaded.error) return loaded.error;
  const { verifier } = loaded;
  if (!verifier || !env.REDEMPTIONS) return fail(403, "redeem.disabled", "", "redemption is off: set SIGNING_KEY or VERIFY_KEYS, and bind REDEMPTIONS");
  let claims;
  try {
    claims = await verifyOfferToken(token, verifier, { customer, now: now ?? Date.now(), offer, value });
  } catch (e) {
    if (e && e.name === "OfferwiseTokenError") {
      const status = e.code === "token.malformed" || e.code === "token.options" ? 400 : 403;
      return fail(status, e.code, e.path, e.message);
    }
    throw e;
  }
  const store = env.REDEMPTIONS.get(env.REDEMPTIONS.idFromName(claims.jti));
  const r = await store.fetch("https://redemptions/redeem", {
    method: "POST",
    body: JSON.stringify({ jti: claims.jti, exp: claims.exp }),
  });
  if (r.status === 409) return fail(409, "token.replayed", "claims.jti", `token ${JSON.stringify(claims.jti)} was already redeemed`);
  if (!r.ok) return fail(503, "redeem.store", "", `the redemption store answered ${r.status}`);
  return json({ ok: true, claims });
}

/**
 * The redeemed tokens (a Durable Object; the worker keeps one per token). A Durable Object runs
 * one request at a time up to its awaits: the check and the mark happen before any await, so
 * of any number of simultaneous redemptions exactly one succeeds; the storage keeps the mark
 * when the object is evicted and reloaded.
 */
export class Redemptions {
  constructor(state) {
    this.state = state;
    this.redeemed = new Set();
    state.blockConcurrencyWhile(async () => {
      for (const jti of (await state.storage.list()).keys()) this.redeemed.add(jti);
    });
  }

  async fetch(request) {
    const { jti, exp } = await request.json();
    if (this.redeemed.has(jti)) return new Response("replayed", { status: 409 });
    this.redeemed.add(jti);
    await this.state.storage.put(jti, exp);
    return new Response("ok");
  }
}

async function updateProgram(request, env) {
  const token = env && env.ADMIN_TOKEN;
  if (!token) return fail(403, "update.disabled", "", "programme updates are off: set ADMIN_TOKEN");
  if (request.headers.get("authorization") !== `Bearer ${token}`) {
    return fail(401, "update.unauthorized", "", "send Authorization: Bearer <ADMIN_TOKEN>");
  }
  const { body, error } = await readObject(request, 'with "program" (and optionally "policy")');
  if (error) return error;
  const current = engine();
  if (current === null) return json({ error: bootError }, 503);
  if (body.program === undefined) {
    return fail(400, "request.invalid", "program", 'give the new programme as "program"');
  }
  const signed = await loadDocumentKeys(env);
  if (signed.error) return signed.error;
  if (signed.keys) {
    const refusal = (await documentRefusal(body.program, body.signature, signed.keys, "program", "signature"))
      ?? (body.policy === undefined || body.policy === null
        ? null
        : await documentRefusal(body.policy, body.policySignature, signed.keys, "policy", "policySignature"));
    if (refusal) {
      // Refused like a programme that does not load: reported by /health, nothing replaced.
      lastUpdateError = { ...refusal.error, at: new Date().toISOString() };
      return json({ error: refusal.error, serving: current.engine.programVersion }, refusal.status);
    }
  }
  const nextPolicy = body.policy === undefined ? current.policy : body.policy;
  let next;
  try {
    next = new Engine(model, body.program, nextPolicy);
  } catch (e) {
    const refused = errorBody(e);
    lastUpdateError = { ...refused.error, at: new Date().toISOString() };
    return json({ ...refused, serving: current.engine.programVersion }, 400);
  }
  const previous = current.engine;
  live = { engine: next, policy: nextPolicy, source: "update", since: new Date().toISOString() };
  lastUpdateError = null;
  // No request is inside the old engine: a decision runs start to end without yielding.
  previous.free();
  return json({ ok: true, program: next.programVersion, policy: next.policyVersion ?? null });
}

function health() {
  const current = engine();
  if (current === null) return json({ ok: false, engine: version(), error: bootError }, 503);
  const e = current.engine;
  return json({
    ok: true,
    engine: version(),
    model: e.modelVersion,
    program: e.programVersion,
    policy: e.policyVersion ?? null,
    programSource: current.source,
    programSince: current.since,
    lastUpdateError,
  });
}

const routes = {
  "/decide": { POST: (request, env) => decide(request, env) },
  "/redeem": { POST: (request, env) => redeem(request, env) },
  "/health": { GET: () => health() },
  "/program": { PUT: (request, env) => updateProgram(request, env) },
};

export default {
  async fetch(request, env) {
    const route = routes[new URL(request.url).pathname];
    if (!route) return fail(404, "not_found", "", "routes: POST /decide, POST /redeem, GET /health, PUT /program");
    const handler = route[request.method];
    if (!handler) return fail(405, "method", "", `use ${Object.keys(route).join(" or ")}`);
    try {
      return await handler(request, env);
    } catch (e) {
      return errorResponse(e);
    }
  },
};
