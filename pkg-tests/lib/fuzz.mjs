// The seeded fuzzing campaign of the wasm package in Node (issue 15), shared by the soak
// (bench/fuzz_wasm.mjs) and the CI slice (pkg-tests/fuzz.test.mjs): one copy of the PRNG,
// the fixtures, the generators and mutators, the targets (every export that takes input, of
// `offerwise` and `offerwise/data`), the checker and the runner.
//
// Every case is reproducible from (seed, case index): the case's PRNG is seeded from both, it
// picks the target and builds the input from the valid documents of the repository (models/,
// www/, examples/, tests/vectors/) by structural mutation, JSON text mutation or at random.
// Per call the checker requires: no trap (WebAssembly.RuntimeError) and no exception other
// than an OfferwiseError (a user's own error rethrown as it is, from a getter or a callback
// the fuzzer planted, is allowed); an OfferwiseError has a `code` word.word, a string `path`
// and a message, both of bounded length (MAX_PATH, MAX_MESSAGE); the call's time is recorded
// (over SLOW_MS is reported). After each error code first seen (per build) and every
// PROBE_EVERY cases the probe calls (a decision, a page
// view, conditions, experiments, loyalty, hashes) must give what they gave at the start on
// the same instances. A trap stops its target's campaign; the build is then loaded again (a
// fresh CommonJS module is a fresh wasm instance: the glue's initSync never re-instantiates).
//
// The runner runs in worker threads (runCampaign): a worker that hangs (no progress for
// hangMs) or dies is replaced and the case is recorded as a finding.
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { createHash } from "node:crypto";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);
export const ROOT = path.resolve(path.dirname(SELF), "..", "..");
/** Where failing inputs and reports go (relative to the repository root; target/ is git-ignored). */
export const OUT_DIR = path.join(ROOT, "target", "fuzz");
export const SLOW_MS = 50;
export const PROBE_EVERY = 10_000;
export const DEFAULT_SEED = 0x0ff15;
const CODE_RE = /^[a-z][A-Za-z0-9_]*\.[a-z][A-Za-z0-9_]*$/;
// An error names a caller's long text by its start and length (src/error.rs, `quoted`): a path
// is at most 127 levels of keys of at most 64 characters, a message that path and a few lines.
// Longer means a caller's text was copied whole into the error (a 16 MB key, a 16 MB message).
export const MAX_PATH = 16_384;
export const MAX_MESSAGE = 20_480;

// ---------------------------------------------------------------------------------------------
// PRNG: xoshiro128**, seeded per case from (seed, index) through splitmix32.

function splitmix32(seed) {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}
function fmix32(h) {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return h >>> 0;
}
const rotl = (x, k) => (x << k) | (x >>> (32 - k));

export class Rng {
  constructor(seed, index = 0) {
    const s = splitmix32(seed >>> 0)();
    const sm = splitmix32((s ^ fmix32((index >>> 0) + 0x632be5ab) ^ fmix32(Math.floor(index / 4294967296) + 0x5bd1e995)) >>> 0);
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }
  u32() {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d; this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }
  float() { return this.u32() / 4294967296; }
  int(n) { return Math.floor(this.float() * n); }
  range(lo, hi) { return lo + this.int(hi - lo + 1); }
  chance(p) { return this.float() < p; }
  pick(a) { return a[this.int(a.length)]; }
  /** [[weight, value], ...] */
  weighted(pairs) {
    let total = 0;
    for (const [w] of pairs) total += w;
    let x = this.float() * total;
    for (const [w, v] of pairs) { if ((x -= w) < 0) return v; }
    return pairs[pairs.length - 1][1];
  }
  /** 0, 1, 2, ... with P(k) = (1-p)^k p. */
  geometric(p) { let k = 0; while (k < 20 && !this.chance(p)) k++; return k; }
}

/** A seed from the command line: a number (decimal or 0x hex) or any text (hashed). */
export function parseSeed(s) {
  if (s === undefined || s === null || s === "") return DEFAULT_SEED;
  if (typeof s === "number") return s >>> 0;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s)) return Number(s) >>> 0;
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(String(s), "utf8")) { h ^= ch; h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Values: the interesting numbers, strings and dates, and the exotic JS values.

/** An error the fuzzer's own getters, proxies and callbacks throw: allowed to come back as it is. */
export class FuzzUserError extends Error {
  constructor(m) { super(m); this.name = "FuzzUserError"; }
}

const NUMBERS = [0, -0, 1, -1, 2, 0.5, -0.5, 1.5, 0.1, 0.30000000000000004, 1e-7, 5e-324, -5e-324,
  1e308, -1e308, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 53 - 1, 2 ** 31 - 1, 2 ** 31,
  -(2 ** 31), 2 ** 32 - 1, 2 ** 32, 2 ** 63, 2 ** 64, 1e21, 1e15 + 0.3, 4294967295.5, 86_400_000, 8.64e15, 8.64e15 + 1,
  -8.64e15 - 1, 253402300800000, -62135596800001, 899251200000, 100, 1000, 1e6, 1e7, 1e9, 999999.999, 12.345, 3];
const JS_NUMBERS = [NaN, Infinity, -Infinity];
/** Number tokens for JSON text: what a JS number cannot say. */
const NUMBER_TOKENS = ["-0", "0.0", "-0.0", "1e400", "-1e400", "1e-400", "9007199254740993", "-9007199254740993",
  "18446744073709551616", "18446744073709551615", "340282366920938463463374607431768211456",
  "123456789012345678901234567890.5", "1E2", "1e+2", "1.", ".5", "01", "+1", "0x10", "NaN", "Infinity", "-Infinity",
  "1" + "0".repeat(400), "0." + "0".repeat(400) + "1", "4.9e-324", "2.5e-324", "1.7976931348623159e308"];
const STRINGS = ["", " ", "a", "x", "0", "1", "-1", "1e400", "NaN", "Infinity", "null", "true", "false", "{}", "[]",
  "\u0000", "a\u0000b", "\uD800", "\uDC00", "a\uD83Db", "\uDE00x", "😀", "é", "e\u0301", "\u202Eabc", "\u2028", "\u2029",
  "\uFEFF", "\t\n\r", "  12  ", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "$gt", "$where",
  "$in", "${x}", "<script>alert(1)</script>", "%s%n", "\\", "\"", "'", "../../x", "ﬀ", "İ", "ß", "\u{10FFFF}", "\uFFFF",
  "\uFFFE", "١٢٣", "12,5", "0x1F", "∞", "Zoë", "Москва", "東京", "jazz", "rock", "gold", "silver", "champions", "00042",
  "winback-2026q4", "offer-policy", "control", "*", "earn", "redeem", "shown", "redeemed", "cart.subtotal", "id"];
const DATES = ["1998-07-01", "1998-02-30", "1998-13-01", "1998-00-10", "1998-07-00", "0000-01-01", "0001-01-01",
  "9999-12-31", "9999-12-31T23:59:59.999Z", "10000-01-01", "-0001-01-01", "+001998-07-01", "1998-07-01T25:00:00Z",
  "1998-07-01T23:60:00Z", "1998-06-30T23:59:60Z", "1998-07-01T00:00:00+25:00", "1998-07-01T00:00:00-14:01",
  "1998-07-01T00:00:00+14:00", "1998-07-01T00:00:00-12:00", "1998-07-01T00:00:00+05:45", "1998-07-01T00:00:00.123456789Z",
  "1998-07-01T00:00:00.1234567891234Z", "1998-07-01 00:00:00", "1998-07-01T00:00", "1998-07-01T00:00:00", "19980701",
  "1998-W27-3", "1998-182", "1998-07-01T00:00:00 Europe/Paris", "1998-07-01T00:00:00[Europe/Paris]",
  "Wed, 01 Jul 1998 00:00:00 GMT", "07/01/1998", "1998-7-1", "1998-07-01Z", "1998-07-01T00:00:00z", "1998-07-01t00:00:00Z",
  "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2100-02-29", "1998-07-01T00:00:00+0200", "1998-07-01T00:00:00+02",
  "now", "today", "1997-01-01", "1997-11-20T14:05:00Z", "1998-06-12T18:30:00Z", "1998-07-01T09:00:00+02:00",
  "2026-11-30T12:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "02-29", "07-04", "13-01", "1998-07-01T00:00:00-00:00",
  "1998-07-01T00:00:00+00:00", "1998-07-01T24:00:00Z", "1998-07-01T00:00:00.Z", "1998-07-01T00:00:00,5Z", "1998-07-01T00:00:60.5Z"];
const DATE_NUMBERS = [0, -1, 1, 899251200000, 899251200000.5, 8.64e15, -8.64e15, 8.64e15 + 1, 253402300800000,
  253402300799999, -62135596800000, -62135596800001, 1e20, 1700000000, 19980701];

/** Objects the mutator created with odd behaviour: never walked into, never serialised as JSON. */
const EXOTIC = new WeakSet();
const mark = (o) => { EXOTIC.add(o); return o; };
export const isExotic = (v) => (typeof v === "object" && v !== null && EXOTIC.has(v)) || typeof v === "bigint"
  || typeof v === "symbol" || typeof v === "function";

function longString(r, n) {
  const unit = r.pick(["x", "é", "😀", "\u0000", "ab\uD800", "0123456789", " ", "\\\"", "東", "a\u0301"]);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}
const LONG_CACHE = new Map();
function cachedLong(r, n) {
  // The same few long strings (deterministic content) are reused: 1 MB strings are not rebuilt per case.
  const key = `${n}:${r.int(4)}`;
  if (!LONG_CACHE.has(key)) {
    const unit = ["x", "é😀", "\u0000a", "\uD800b"][Number(key.split(":")[1])];
    LONG_CACHE.set(key, unit.repeat(Math.ceil(n / unit.length)).slice(0, n));
  }
  return LONG_CACHE.get(key);
}
function randomString(r) {
  const k = r.int(100);
  if (k < 45) return r.pick(STRINGS);
  if (k < 55) return r.pick(DATES);
  if (k < 90) {
    const n = r.int(24);
    let s = "";
    for (let i = 0; i < n; i++) {
      const c = r.int(10);
      s += c < 6 ? String.fromCharCode(32 + r.int(95)) : c < 7 ? String.fromCharCode(r.int(32))
        : c < 8 ? String.fromCharCode(0x80 + r.int(0x7f80)) : c < 9 ? String.fromCharCode(0xd800 + r.int(0x800))
        : String.fromCodePoint(0x10000 + r.int(0xfffff));
    }
    return s;
  }
  if (k < 97) return longString(r, r.pick([100, 1000, 4096]));
  if (k < 99) return cachedLong(r, 65536);
  return cachedLong(r, r.chance(0.3) ? 1 << 20 : 65536);
}
function randomNumber(r, js) {
  const k = r.int(10);
  if (k < 5) return r.pick(NUMBERS);
  if (k < 6 && js) return r.pick(JS_NUMBERS);
  if (k < 8) return r.int(1000) - 100;
  return (r.float() - 0.5) * 10 ** r.int(20);
}
function randomDate(r) { return r.chance(0.75) ? r.pick(DATES) : r.pick(DATE_NUMBERS); }

/** A random JSON value (a plain tree), keys from the vocabulary or random. */
export function randomJson(r, vocab, depth = 0) {
  const k = r.int(depth > 3 ? 6 : 9);
  switch (k) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return randomNumber(r, false);
    case 3: return randomString(r);
    case 4: return randomDate(r);
    case 5: return r.int(20);
    case 6: { const n = r.int(5); const a = []; for (let i = 0; i < n; i++) a.push(randomJson(r, vocab, depth + 1)); return a; }
    default: {
      const n = r.int(5); const o = {};
      for (let i = 0; i < n; i++) o[r.chance(0.7) && vocab.length ? r.pick(vocab) : randomString(r)] = randomJson(r, vocab, depth + 1);
      return o;
    }
  }
}

function throwingGetterObject(base) {
  const o = {};
  for (const k of Object.keys(base && typeof base === "object" && !EXOTIC.has(base) ? base : {})) o[k] = base[k];
  Object.defineProperty(o, "id", { enumerable: true, get() { throw new FuzzUserError("getter throws"); } });
  return mark(o);
}

/** An exotic JS value: what an object in JS can be that JSON cannot. */
export function exoticValue(r, node) {
  const plain = node && typeof node === "object" && !EXOTIC.has(node) ? node : { a: 1 };
  switch (r.int(24)) {
    case 0: return undefined;
    case 1: return r.pick([5n, -1n, 2n ** 64n, 0n]);
    case 2: return Symbol("fuzz");
    case 3: return function fuzz() { return 1; };
    case 4: return mark(new Date(r.pick([0, 8.64e15, NaN, 899251200000])));
    case 5: return mark(new Map([["a", 1]]));
    case 6: return mark(new Set([1, 2]));
    case 7: return mark(/x+/g);
    case 8: return mark(new Uint8Array([1, 2, 255]));
    case 9: return mark(new ArrayBuffer(8));
    case 10: { const o = Object.create(null); Object.assign(o, plain); return mark(o); }
    case 11: { class Thing { constructor() { Object.assign(this, plain); } } return mark(new Thing()); }
    case 12: { const v = r.pick([undefined, 1, "x", null, { a: 1 }, [1]]); return mark({ toJSON() { return v; }, a: 1 }); }
    case 13: return throwingGetterObject(plain);
    case 14: return mark(new Proxy(Array.isArray(plain) ? [...plain] : { ...plain }, {
      get(t, k) { if (k === "toJSON" || typeof k === "symbol") return undefined; throw new FuzzUserError("proxy get"); },
    }));
    case 15: return mark(new Proxy({ ...plain }, { ownKeys() { throw new FuzzUserError("proxy ownKeys"); } }));
    case 16: { const o = Array.isArray(plain) ? [...plain] : { ...plain }; o.self = o; return mark(o); }
    case 17: { const a = []; a.length = r.pick([10, 1000, 100000]); a[0] = 1; return mark(a); }
    case 18: return mark(r.pick([() => new Number(5), () => new String("x"), () => new Boolean(false)])());
    case 19: return r.pick(JS_NUMBERS);
    case 20: return mark(Object.freeze(Array.isArray(plain) ? [...plain] : { ...plain }));
    case 21: { const a = [1, 2]; a.extra = "x"; return mark(a); }
    case 22: return mark({ toJSON() { throw new FuzzUserError("toJSON throws"); } });
    default: {
      // A getter that gives another value each time it is read.
      let n = 0; const o = { ...plain };
      Object.defineProperty(o, "id", { enumerable: true, get() { n++; return n % 2 ? "first" : 7; } });
      return mark(o);
    }
  }
}

/** Any JS value as an argument: for parameters typed `any` (JsValue) and the untyped campaigns. */
export function anyValue(r, vocab = []) {
  const k = r.int(10);
  if (k < 3) return exoticValue(r, { a: 1 });
  if (k < 5) return randomJson(r, vocab);
  if (k < 6) return r.pick([undefined, null, true, false, 0, -0, NaN, Infinity, -1, 1.5, 2 ** 53, 1e308]);
  if (k < 8) return randomString(r);
  return randomNumber(r, true);
}

// ---------------------------------------------------------------------------------------------
// Structural mutation of a JSON tree (object mode).

const isPlainContainer = (v) => {
  if (typeof v !== "object" || v === null || EXOTIC.has(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === Array.prototype;
};

function pickLocation(r, root) {
  // A random walk from the root: [parent, key, node] (parent null for the root).
  let parent = null, key = null, node = root;
  for (let depth = 0; depth < 64 && isPlainContainer(node); depth++) {
    const keys = Array.isArray(node) ? null : Object.keys(node);
    const n = keys ? keys.length : node.length;
    if (n === 0 || (depth > 0 && r.chance(0.3))) break;
    const k = keys ? keys[r.int(n)] : r.int(n);
    let child;
    try { child = node[k]; } catch { break; }
    parent = node; key = k; node = child;
  }
  return [parent, key, node];
}

function renameKey(r, key, vocab) {
  switch (r.int(8)) {
    case 0: return key.toUpperCase();
    case 1: return key + " ";
    case 2: return key.slice(0, -1) || "_";
    case 3: return "";
    case 4: return r.pick(["__proto__", "constructor", "toJSON", "$and", "a.b", "0", "-1", key + key]);
    case 5: return key.replace(/[a-z]/, (c) => c + "\u0301");
    default: return vocab.length ? r.pick(vocab) : key + "x";
  }
}

function setOwn(o, k, v) {
  // "__proto__" as an own key, as JSON.parse makes it.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function deepWrap(r, node, depth, vocab) {
  const arrays = r.chance(0.5);
  const key = vocab.length ? r.pick(vocab) : "a";
  let v = node;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { [key]: v };
  return v;
}

function hugeArray(r, node) {
  let n = r.chance(0.006) ? 100_000 : r.chance(0.08) ? 10_000 : r.pick([100, 1000]);
  // At most ~64 MB of JSON: beyond, the time goes to V8's JSON.stringify in the glue (a 3.6 GB
  // object takes 40 s there before the engine's 16 MiB limit can refuse it; see bench/README.md).
  const each = approxSize(Array.isArray(node) && node.length ? node[0] : node);
  n = Math.max(1, Math.min(n, Math.floor(64e6 / Math.max(1, each))));
  const items = Array.isArray(node) && node.length ? node : [node];
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = items[i % items.length];
  return a;
}

/** Replaces or changes the node at a random place of `root`; returns the (possibly new) root. */
export function mutateOnce(r, root, ctx) {
  // An exotic node (a proxy whose traps throw, a getter) may throw when looked at: the mutation is then dropped.
  try { return mutateAt(r, root, ctx); } catch (e) { if (e instanceof FuzzUserError) return root; throw e; }
}
/** A number anywhere in the tree (not only where the walk stops) set to a limit's edge: counts, sizes, capacities. */
function bigNumberAt(r, root) {
  const found = [];
  const stack = [root];
  let seen = 0;
  while (stack.length && seen++ < 5000) {
    const x = stack.pop();
    if (!isPlainContainer(x)) continue;
    for (const k of Array.isArray(x) ? x.keys() : Object.keys(x)) {
      const y = x[k];
      if (typeof y === "number") found.push([x, k]); else if (isPlainContainer(y)) stack.push(y);
    }
  }
  if (!found.length) return root;
  const [x, k] = r.pick(found);
  x[k] = r.pick([1e9, 1.7e9, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 1e12, 1e15, 2 ** 53, 1e308, -1, 0, -(2 ** 31), 1e6, 65536]);
  return root;
}
function mutateAt(r, root, ctx) {
  const op = r.weighted(ctx.objectMode === false ? OPS_JSON : OPS);
  if (op === "bigNumber") return bigNumberAt(r, root);
  const [parent, key, node] = pickLocation(r, root);
  let repl = node, del = false;
  const vocab = ctx.vocab;
  switch (op) {
    case "delete": del = true; break;
    case "duplicate":
      if (Array.isArray(node) && node.length) { const c = [...node]; c.splice(r.int(c.length + 1), 0, node[r.int(node.length)]); repl = c; }
      else if (parent && !Array.isArray(parent)) { try { setOwn(parent, renameKey(r, key, vocab), node); } catch { /* frozen */ } }
      else if (Array.isArray(parent)) { try { parent.splice(key, 0, node); } catch { /* frozen */ } }
      break;
    case "rename":
      if (parent && !Array.isArray(parent)) {
        try { delete parent[key]; setOwn(parent, renameKey(r, key, vocab), node); } catch { /* frozen */ }
        return root;
      }
      repl = randomJson(r, vocab); break;
    case "type": {
      const t = typeof node;
      const choices = [null, true, 0, "x", [], {}].filter((c) => typeof c !== t || (Array.isArray(c) !== Array.isArray(node)));
      const c = r.pick(choices);
      repl = c === 0 ? randomNumber(r, ctx.objectMode) : c === "x" ? randomString(r) : Array.isArray(c) ? (r.chance(0.5) ? [node] : [])
        : c && typeof c === "object" ? (r.chance(0.5) ? { value: node } : {}) : c === true ? r.chance(0.5) : c;
      break;
    }
    case "number":
      if (typeof node === "number" && r.chance(0.6)) {
        repl = r.pick([-node, node + 0.5, node * 1e10, node / 3, -0, node + 2 ** 53, Math.floor(node) + 1, node * -1e308]);
      } else repl = randomNumber(r, ctx.objectMode);
      break;
    case "string":
      if (typeof node === "string" && node.length && r.chance(0.5)) {
        const i = r.int(node.length + 1);
        repl = r.pick([
          () => node.slice(0, i) + r.pick(["\u0000", "\uD800", "😀", "é", " ", "\"", "\\", "\n", "\u0301"]) + node.slice(i),
          () => node.slice(0, i), () => node.toUpperCase(), () => node + node, () => " " + node + " ",
          () => node.slice(0, i) + node.slice(i + 1), () => (node.length < 10_000 ? node.repeat(100) : node + "x"),
        ])();
      } else repl = randomString(r);
      break;
    case "date": repl = randomDate(r); break;
    case "empty": repl = r.pick([[], {}, "", 0, null]); break;
    case "swap": repl = ctx.pool.length ? ctx.pool[r.int(ctx.pool.length)] : randomJson(r, vocab); break;
    case "random": repl = randomJson(r, vocab); break;
    case "huge": repl = hugeArray(r, node); break;
    case "deep": {
      const x = r.float();
      repl = deepWrap(r, node, x < 0.985 ? (x < 0.7 ? 10 : 1000) : 100_000, vocab);
      break;
    }
    case "exotic": repl = exoticValue(r, node); break;
    default: break;
  }
  if (parent === null) return del ? (ctx.objectMode ? undefined : null) : repl;
  try {
    if (del) { if (Array.isArray(parent)) parent.splice(key, 1); else delete parent[key]; }
    else if (repl !== node) {
      if (Array.isArray(parent)) parent[key] = repl; else setOwn(parent, key, repl);
    }
  } catch { /* a frozen parent */ }
  return root;
}
const OPS = [[12, "delete"], [7, "duplicate"], [8, "rename"], [12, "type"], [12, "number"], [10, "string"], [8, "date"],
  [4, "empty"], [10, "swap"], [4, "random"], [2.5, "huge"], [2.5, "deep"], [5, "exotic"], [4, "bigNumber"]];
const OPS_JSON = OPS.filter(([, o]) => o !== "exotic");

// ---------------------------------------------------------------------------------------------
// JSON text: an iterative serialiser (any depth) that can write duplicate keys, odd number
// tokens and \u escapes; then byte-level mutations of the text.

/** JSON text of a plain tree, or null when it holds something JSON cannot say. */
export function toText(root, r, style = {}) {
  const out = [];
  const dup = style.dup ?? 0, oddNum = style.oddNum ?? 0, esc = style.esc ?? 0;
  const ws = style.ws ?? "";
  let budget = 20_000_000, chars = 0;
  // The stack holds values to write and literal text (strings wrapped in {t}).
  const stack = [{ v: root }];
  const num = (n) => {
    if (!Number.isFinite(n)) return "null";
    if (oddNum && r && r.chance(oddNum)) return r.pick(NUMBER_TOKENS);
    return Object.is(n, -0) ? (r && r.chance(0.5) ? "-0" : "0") : String(n);
  };
  const str = (s) => {
    const j = JSON.stringify(s);
    if (esc && s.length < 10_000 && r && r.chance(esc)) return j.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
    return j;
  };
  while (stack.length) {
    const f = stack.pop();
    if (f.t !== undefined) { out.push(f.t); continue; }
    const v = f.v;
    if (--budget < 0) return null;
    switch (typeof v) {
      case "string": if ((chars += v.length) > 64_000_000) return null; out.push(str(v)); continue;
      case "number": out.push(num(v)); continue;
      case "boolean": out.push(v ? "true" : "false"); continue;
      case "object": break;
      default: return null;
    }
    if (v === null) { out.push("null"); continue; }
    if (!isPlainContainer(v)) return null;
    if (Array.isArray(v)) {
      out.push("[");
      const items = [];
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (i) items.push({ t: "," + ws });
        if (x === undefined || typeof x === "function" || typeof x === "symbol") items.push({ t: "null" }); else items.push({ v: x });
      }
      items.push({ t: "]" });
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    } else {
      out.push("{");
      const items = [];
      let first = true;
      const keys = Object.keys(v);
      for (const k of keys) {
        const x = v[k];
        if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
        if (!first) items.push({ t: "," + ws });
        first = false;
        items.push({ t: str(k) + ":" + ws }, { v: x });
      }
      if (dup && r && keys.length && r.chance(dup)) {
        const k = r.pick(keys);
        items.push({ t: (first ? "" : ",") + str(k) + ":" }, { v: r.chance(0.5) ? v[k] : randomJson(r, []) });
      }
      items.push({ t: "}" });
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    }
  }
  return out.join("");
}

const TEXT_TOKENS = [",", ":", "{", "}", "[", "]", "\"", "\\u", "\\ud800", "\\uDFFF", "\\x41", "NaN", "Infinity", "-",
  "1e999", "/*c*/", "//c\n", "\u0000", "\uFEFF", "null", ",,", " ", "\t", "\u00a0", "'", "\\", "tru", "nul", "😀", "\uD800"];

/** Byte-level mutations of a text (JSON, JSON Lines, CSV): flip, insert, delete, truncate... */
export function mutateText(r, text) {
  let t = text;
  const n = 1 + r.geometric(0.5);
  for (let k = 0; k < n; k++) {
    const i = r.int(t.length + 1);
    switch (r.int(11)) {
      case 0: t = t.slice(0, i) + String.fromCharCode(r.pick([r.int(128), r.int(0x10000)])) + t.slice(i + 1); break;
      case 1: t = t.slice(0, i) + r.pick(TEXT_TOKENS) + t.slice(i); break;
      case 2: t = t.slice(0, i) + t.slice(i + 1 + r.int(10)); break;
      case 3: t = t.slice(0, i); break;
      case 4: t = "\uFEFF" + t; break;
      case 5: t = t + r.pick([" x", "}", "]", "\n", "{}", ",", "\u0000", "  "]); break;
      // (Texts of megabytes are not rewritten token by token nor doubled again: in a text that
      // doubling made 64 MB and more, the fuzzer itself ran out of memory and stalled its worker.)
      case 6: if (t.length < (1 << 21)) t = t.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g, (m) => (r.chance(0.15) ? r.pick(NUMBER_TOKENS) : m)); break;
      case 7: t = t.replace(/"[^"\\]{0,30}"/, () => JSON.stringify(randomString(r))); break;
      case 8: t = r.chance(0.5) && t.length < (1 << 24) ? t + t : "[" + t + "]"; break;
      case 9: t = t.slice(0, i) + t.slice(i, i + r.int(40)).repeat(r.range(2, 5)) + t.slice(i); break;
      default: t = t.slice(0, i) + t.slice(i).replace(/[{[]/, (m) => m.repeat(r.pick([10, 1000, 100000]))); break;
    }
  }
  return t;
}

/** Line-level mutations of a CSV or JSON Lines text, then maybe byte-level ones. */
export function mutateLines(r, text, cells = CSV_CELLS) {
  let lines = text.split("\n");
  const n = 1 + r.geometric(0.5);
  for (let k = 0; k < n; k++) {
    if (!lines.length) lines.push("");
    const i = r.int(lines.length);
    switch (r.int(12)) {
      case 0: lines.splice(i, 1); break;
      case 1: lines.splice(i, 0, lines[r.int(lines.length)]); break;
      case 2: { const j = r.int(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; break; }
      case 3: case 4: case 5: {
        const sep = lines[i].includes("\t") ? "\t" : lines[i].includes(";") ? ";" : ",";
        const c = lines[i].split(sep);
        c[r.int(c.length)] = r.chance(0.8) ? r.pick(cells) : randomString(r);
        if (r.chance(0.1)) c.push(r.pick(cells));
        if (r.chance(0.1)) c.pop();
        lines[i] = c.join(sep);
        break;
      }
      case 6: lines = lines.slice(0, 1 + r.int(lines.length)); break;
      case 7: lines = lines.map((l) => l + "\r"); break;
      case 8: lines[0] = r.pick([lines[0].toUpperCase(), lines[0].replace(/[a-z_]+/, "nope"), lines[0] + ",extra", "", "\uFEFF" + lines[0], lines[0].split(",").reverse().join(",")]); break;
      case 9: { const big = []; for (let j = 0; j < r.pick([100, 1000, 20000]); j++) big.push(lines[1 + r.int(Math.max(1, lines.length - 1))] ?? ""); lines.push(...big); break; }
      case 10: lines.push("", "", r.pick(["\"unterminated", "a,b,c,d,e,f,g,h", ",,,,", "\u0000"])); break;
      default: lines[i] = mutateText(r, lines[i] ?? ""); break;
    }
  }
  const t = lines.join("\n");
  return r.chance(0.15) ? mutateText(r, t) : t;
}
const CSV_CELLS = ["", "NaN", "nan", "inf", "-inf", "1e308", "1e309", "-1", "-0", "0", "abc", "\"q,u\"\"o\"", "\"unterminated",
  "1998-02-30", "19980230", "1998-07-01T25:00", "١٢٣", "12,5", " 5 ", "0x1F", "∞", "9007199254740993", "1700000000",
  "99999999999999999999", "2024-03-01 10:30:15.250", "2024-03-01T10:30:00+03:00", "2024-03-01T10:30:00-0500", "true", "null",
  "\u0000", "😀", "\uFEFF1", "1.5", "11", "10", "2.5e-3", "-1e-300"];

// ---------------------------------------------------------------------------------------------
// Fixtures: the valid documents every case starts from.

const rd = (p) => readFileSync(path.join(ROOT, p), "utf8");
const NOW = "1998-07-01";
const RICH_CUSTOMER = {
  id: "00777",
  orders: [
    { id: "A-1", at: "1998-01-05T10:00:00Z", amount: 40, refunded: 5, items: [{ sku: "CD-1", category: "jazz", price: 15, qty: 2 }, { sku: "CD-2", category: "rock", price: 10 }] },
    { id: 17, at: 884000000000, amount: 12.5 },
  ],
  loyalty: {
    tier: "gold", tierUntil: "1998-12-31",
    points: [{ id: "l1", amount: 300, earnedAt: "1997-07-05", availableAt: "1997-07-19", expiresAt: "1998-07-05", source: "order", orderId: "A-1" }],
    operations: [
      { type: "earn", key: "e1", at: "1998-01-05", points: 40, orderId: "A-1", source: "order" },
      { type: "redeem", key: "r1", at: "1998-02-01", points: 10, orderId: "A-2" },
      { type: "adjust", key: "a1", at: "1998-02-02", points: 5, reason: "goodwill" },
      { type: "expire", key: "x1", at: "1998-04-01" },
      { type: "reverse", key: "v1", at: "1998-04-02", orderId: "A-1" },
    ],
    membership: { since: "1998-01-01", until: "1998-12-31" }, birthday: "07-04",
    referrals: [{ friendId: "f1", referredAt: "1998-01-01", firstPurchaseAt: "1998-02-01", firstPurchaseAmount: 30 }],
  },
  offerHistory: [{ offerId: "double-points", at: "1998-06-01", event: "shown" }, { offerId: "winback-valuable", at: "1998-06-15", event: "redeemed" }],
  attributes: { country: "NL", vip: true, tags: ["jazz"] },
};
/** Names the documents use (and the .d.ts names): the renames and random objects pick them. */
const EXTRA_VOCAB = ["id", "orders", "at", "amount", "refunded", "items", "sku", "category", "price", "qty", "loyalty", "tier",
  "points", "operations", "type", "key", "now", "timeZoneOffsetMinutes", "cart", "context", "budgets", "ids", "assignments",
  "forceVariants", "spent", "total", "page", "channel", "device", "country", "formatVersion", "kind", "name", "offers", "value",
  "eligibility", "when", "caps", "max", "periodDays", "event", "experiments", "variants", "weight", "holdout", "share", "seed",
  "hash", "hashAttribute", "coverage", "namespace", "range", "phases", "start", "weights", "forced", "status", "winner",
  "rules", "account", "history", "earn", "redeem", "expiry", "tiers", "levels", "threshold", "measure", "control", "metrics",
  "covariates", "alpha", "sequential", "customers", "members", "decisions", "outcomes", "surveys", "format", "delimiter",
  "schema", "decisionId", "customerId", "exposures", "variant", "experiment", "k", "kRange", "algorithm", "nInit", "maxIter",
  "$gt", "$gte", "$lt", "$in", "$nin", "$and", "$or", "$not", "$exists", "$regex", "$elemMatch", "$size", "$all", "$eq", "$ne",
  "$inGroup", "$notInGroup", "$vgt", "$type", "$savedGroup", "customer", "amounts", "categories", "segment", "segments", "lenient"];

function collectKeysAndLeaves(v, keys, leaves, limit = 4000) {
  const stack = [v];
  while (stack.length && leaves.length < limit) {
    const x = stack.pop();
    if (Array.isArray(x)) { for (const y of x) stack.push(y); continue; }
    if (x && typeof x === "object") { for (const [k, y] of Object.entries(x)) { keys.add(k); stack.push(y); } continue; }
    leaves.push(x);
  }
}

function ordersCsv(customers) {
  const rows = ["customer_id,order_id,date,amount,category"];
  for (const c of customers) {
    // A number in a CSV date column is epoch seconds; the documents' numbers are milliseconds.
    const at = (o) => (typeof o.at === "number" ? new Date(o.at).toISOString() : o.at);
    (c.orders ?? []).forEach((o, i) => rows.push(`${c.id},${c.id}-${o.id ?? i},${at(o)},${o.amount},${o.items?.[0]?.category ?? ""}`));
  }
  return rows.join("\n") + "\n";
}

/** The valid documents (as JSON text, parsed afresh per case) and the pools the mutators use. */
export function loadFixtures() {
  const fx = { NOW };
  fx.modelText = rd("models/default.json");
  fx.programText = rd("models/default-program.json");
  fx.policyText = rd("models/default-policy.json");
  fx.model = JSON.parse(fx.modelText);
  fx.program = JSON.parse(fx.programText);
  fx.policy = JSON.parse(fx.policyText);
  const samples = JSON.parse(rd("www/sample-customers.json"));
  const example = JSON.parse(rd("www/example-customer.json"));
  const cart = JSON.parse(rd("www/example-cart.json"));
  fx.exampleCustomer = example;
  fx.samples = samples;
  const conditionVectors = JSON.parse(rd("tests/vectors/conditions.json"));
  const loyaltyVectors = JSON.parse(rd("tests/vectors/loyalty.json"));
  const assignmentVectors = JSON.parse(rd("tests/vectors/assignments.json"));
  const experimentVectors = JSON.parse(rd("tests/vectors/experiments.json"));

  const conds = [JSON.parse(rd("examples/condition.json"))];
  const attrs = [JSON.parse(rd("examples/condition-attributes.json"))];
  const groups = [JSON.parse(rd("examples/condition-saved-groups.json"))];
  for (const o of fx.program.offers ?? []) if (o.when) conds.push(o.when);
  const cases = conditionVectors.cases;
  const seenC = new Set(), seenA = new Set(), seenG = new Set();
  for (let i = 0; i < cases.length; i += 7) {
    const [, a, c, g] = cases[i];
    const ct = JSON.stringify(c), at = JSON.stringify(a), gt = JSON.stringify(g ?? null);
    if (!seenC.has(ct) && seenC.size < 1500) { seenC.add(ct); conds.push(c); }
    if (!seenA.has(at) && seenA.size < 300) { seenA.add(at); attrs.push(a); }
    if (g && !seenG.has(gt) && seenG.size < 100) { seenG.add(gt); groups.push(g); }
  }
  for (const e of conditionVectors.errors ?? []) conds.push(e[1]);

  const decideOptions = [
    { now: NOW },
    { now: "1998-07-01T09:00:00Z", timeZoneOffsetMinutes: 120 },
    { now: 899280000000, cart, context: { page: "cart", channel: "web", device: "mobile", country: "NL" } },
    { now: "1998-07-01T09:00:00+02:00", cart: { amount: 42.5 }, budgets: { winback: { spent: 100, total: 5000 } }, ids: { deviceId: "d-1" }, forceVariants: { "winback-2026q4": "control" } },
    { now: "1998-07-04T12:00:00Z", context: { page: "home", channel: "email" }, cart: { items: [{ price: 10 }, { sku: "CD-2", category: "rock", price: 5.25, qty: 3 }] } },
    // Lenient mode: what does not check is left out and reported in warnings.
    { now: NOW, lenient: true },
    { now: "1998-07-01T09:00:00Z", cart, context: { page: "cart" }, budgets: { winback: { spent: 10 } }, lenient: true },
  ];
  const loyaltyInputs = loyaltyVectors.cases.map((c) => c[1]);
  loyaltyInputs.push(
    { rules: { earn: { pointsPerUnit: 1 }, redeem: { maxSharePercent: 50 } }, account: { operations: [{ type: "earn", key: "e1", at: "2024-05-01", points: 300 }] }, cart: { amount: 200 }, now: "2024-06-01" },
    { rules: fx.program.loyalty, account: RICH_CUSTOMER.loyalty, history: RICH_CUSTOMER.orders, cart, now: NOW, timeZoneOffsetMinutes: 60, maxNudges: 3, money: { code: "USD", symbol: "$" } },
    { rules: fx.program.loyalty, account: example.loyalty, history: example.orders, now: NOW },
  );
  const expPrograms = [fx.program];
  for (let i = 0; i + 5 <= assignmentVectors.experiments.length; i += 5) {
    expPrograms.push({ ...fx.program, experiments: assignmentVectors.experiments.slice(i, i + 5) });
  }
  fx.expNows = [assignmentVectors.now, "2026-11-30T12:00:00Z", NOW, 1785000000000];
  fx.hashIds = [...assignmentVectors.ids.slice(0, 40), ...experimentVectors.cases.slice(0, 40).map((c) => c[1].id)];
  fx.hashSeeds = [...new Set(experimentVectors.cases.slice(0, 200).map((c) => c[1].seed ?? c[1].key))];

  // The data build's inputs.
  const unitLines = rd("tests/vectors/units.csv").trim().split("\n");
  const unitsCsv = [unitLines[0], ...unitLines.slice(1).filter((_, i) => i % 8 === 0)].join("\n") + "\n";
  const header = unitLines[0].split(",");
  const unitRows = unitsCsv.trim().split("\n").slice(1).map((l) => {
    const c = l.split(","), o = {};
    header.forEach((h, i) => { o[h] = /^-?\d+(\.\d+)?$/.test(c[i]) ? Number(c[i]) : c[i]; });
    return o;
  });
  const surveys = rd("examples/surveys.csv");
  const cdnow = rd("data/cdnow/CDNOW_master.txt").split("\n").slice(0, 400).join("\n") + "\n";
  const more = [];
  for (const s of [example, RICH_CUSTOMER, ...samples]) for (const suffix of ["", "-b", "-c"]) more.push({ ...s, id: s.id + suffix });
  fx.batchCustomers = more;
  const csv = ordersCsv(more);

  fx.bases = {
    customer: [example, RICH_CUSTOMER, ...samples],
    decideOptions, prepareOptions: [{ now: NOW }, { now: "1998-07-01T09:00:00Z", timeZoneOffsetMinutes: -300 }, { now: 899251200000 }, { now: NOW, lenient: true }],
    cart: [cart, { amount: 42.5 }, { items: [{ price: 10 }, { sku: "x", category: "rock", price: 5.25, qty: 3 }] }, { items: [], amount: 0 }],
    model: [fx.model], program: [fx.program], policy: [fx.policy],
    condition: conds, attributes: attrs, groups,
    loyalty: loyaltyInputs, expProgram: expPrograms,
    unitRows: [unitRows],
    analyzeOptions: [
      { control: "control", metrics: ["converted", "revenue", "orders", "aov=revenue/orders"], covariates: { revenue: "pre_revenue" }, timeColumn: "first_seen", segmentColumn: "segment" },
      { control: "control", metrics: ["converted"] },
      { control: "control", metrics: ["revenue:mean", "converted:proportion"], alpha: 0.1, sequential: true, sequentialTuning: 1000, weights: { control: 1, a: 1, b: 1 } },
      { control: "control", metrics: ["revenue"], timeColumn: "first_seen", plannedUnits: 3000, spending: "pocock" },
      { variantColumn: "variant", control: "a", metrics: ["orders"], srmThreshold: 0.01 },
    ],
    logOptions: [
      { experiment: "winback-2026q4", control: "control" },
      { experiment: "winback-2026q4", control: "control", metrics: ["conversion", "revenue", "orders", "aov", "repeat", "retention:7", "pointsEarned", "pointsRedeemed", "redemption", "redemption:double-points", "redemptions", "click"], cuped: true, bySegment: true, windowDays: 10 },
      { holdout: 0.05, control: "holdout", metrics: ["conversion", "incentives", "netMargin", "churn", "discount"], pointValue: 0.01 },
      { experiment: "offer-policy", control: "rules", sequential: true, plannedUnits: 500, spending: "obrien-fleming", alpha: 0.1 },
    ],
    npsOptions: [{}, { groupColumn: "tier", control: "bronze" }, { scoreColumn: "score", alpha: 0.01 }, { groupColumn: "tier" }],
    readOptions: [{}, { now: NOW }, { format: "cdnow", now: NOW }, { skipBadRows: true }, { now: "1998-01-01", asOf: true, skipBadRows: true }, { format: "csv", delimiter: "," }],
    trainOptions: [
      { k: 2, nInit: 1, maxIter: 10, clv: false, seed: 7 },
      { kRange: [2, 3], nInit: 1, maxIter: 10, clv: false },
      { algorithm: "gmm", k: 2, nInit: 1, maxIter: 10, clv: false, transform: "identity" },
      { k: 3, nInit: 1, maxIter: 10, clv: true, clvModel: "bgnbd", clvTimeUnit: "weeks", name: "fuzz", source: "fuzz" },
      { k: 2, nInit: 1, features: ["recencyDays", "frequency", "monetary", "tenureDays"], clv: false },
    ],
    policyOptions: [{}, { windowDays: 7, reward: "takeUp" }, { alpha: 0.1, essWarning: 0.2, since: Date.parse("1998-07-02") }],
    effOptions: [
      { now: Date.parse("1998-09-01T00:00:00Z"), holdoutShare: 0.1 },
      { now: Date.parse("1998-09-01T00:00:00Z"), windowDays: 30, cuped: false, churnDays: 90, cohortMonths: 3, placeboDays: 30, caliper: 0.5, alpha: 0.1, surveys: { groupColumn: "tier" } },
    ],
  };
  fx.texts = { unitsCsv, surveys, cdnow, ordersCsv: csv, ordersCsvSmall: ordersCsv(more.slice(0, 30)), cdnowSmall: cdnow.split("\n").slice(0, 150).join("\n") + "\n" };

  // Pools for renames and swaps: every key and some leaves of every document.
  const keys = new Set(EXTRA_VOCAB), leaves = [];
  for (const list of Object.values(fx.bases)) for (const b of list.slice(0, 60)) collectKeysAndLeaves(b, keys, leaves);
  fx.vocab = [...keys];
  fx.pool = leaves.filter((v, i) => i % 3 === 0).slice(0, 3000);
  fx.baseText = Object.fromEntries(Object.entries(fx.bases).map(([k, list]) => [k, list.map((b) => JSON.stringify(b))]));
  fx.probe = {
    customer: example, options: { now: NOW, cart, context: { page: "cart" } },
    pageOptions: { now: "1998-07-01T09:05:00Z", cart: { amount: 42.5 }, context: { page: "cart" } },
    conditions: conds.slice(0, 8).concat(fx.program.offers.filter((o) => o.when).map((o) => o.when)),
    attributes: attrs[0], groups: groups[0],
    loyalty: loyaltyInputs[loyaltyInputs.length - 2],
  };
  return fx;
}

/** What needs an engine: decision logs, outcomes, the sticky store, the batch columns, files. */
function deriveFixtures(fx, m) {
  if (fx.derived) return;
  const engine = new m.Engine(fx.modelText, fx.programText, fx.policyText);
  const DAY = 86_400_000, start = Date.UTC(1998, 6, 1);
  const decisions = [], outcomes = [];
  const r = new Rng(12345, 0);
  for (const c of fx.batchCustomers) {
    const first = start + r.int(20) * DAY + r.int(DAY);
    for (const t of [first + 3 * DAY, first]) decisions.push(engine.decide(c, { now: t }).log);
    const n = r.int(4);
    for (let k = 0; k < n; k++) {
      const at = first - 5 * DAY + r.int(40 * DAY);
      const base = { schema: "offerwise.outcome/1", decisionId: decisions.at(-1).decisionId, customerId: c.id, at };
      const x = r.float();
      if (x < 0.6) { const revenue = r.int(20000) / 100; outcomes.push({ ...base, type: "conversion", revenue, margin: Math.round(revenue * 30) / 100, pointsEarned: Math.floor(revenue), pointsRedeemed: r.chance(0.2) ? 100 : 0, discount: 1.5, cashback: 0.5, gifts: 0 }); }
      else if (x < 0.85) outcomes.push({ ...base, type: "redemption", offerId: r.pick(["double-points", "jazz-lovers-15", "cashback-5"]) });
      else outcomes.push({ ...base, type: r.pick(["click", "dismiss"]), offerId: "double-points" });
    }
  }
  const store = engine.decide(fx.exampleCustomer, { now: NOW }).assignments;
  fx.bases.decideOptions.push({ now: "1998-07-02T10:00:00Z", assignments: store, ids: { deviceId: "d-9" } });
  fx.bases.decisions = [decisions.slice(0, 60), decisions.slice(60, 140)];
  fx.bases.outcomes = [outcomes.slice(0, 50), outcomes.slice(40, 120)];
  const ids = [], customer = [], at = [], amount = [], category = [], categories = ["jazz", "rock"];
  fx.batchCustomers.slice(0, 60).forEach((c, i) => {
    ids.push(c.id);
    for (const o of c.orders ?? []) {
      customer.push(i); at.push(typeof o.at === "number" ? o.at : Date.parse(o.at)); amount.push(o.amount);
      const cat = o.items?.[0]?.category; category.push(cat ? Math.max(0, categories.indexOf(cat)) : null);
    }
  });
  fx.bases.columns = [{ ids, customer, at, amount, category, categories }];
  const members = fx.batchCustomers.filter((_, i) => i % 3 === 0).map((c) => ({ customerId: c.id, enrolledAt: "1997-06-01" }));
  const segments = fx.batchCustomers.map((c, i) => ({ customerId: c.id, segment: ["a", "b", "c"][i % 3] }));
  const survey = fx.texts.surveys.split("\n").slice(0, 60).join("\n") + "\n";
  fx.bases.effInput = [{ customers: fx.batchCustomers.slice(0, 24), members: members.slice(0, 8), segments: segments.slice(0, 24), decisions: decisions.slice(0, 48), outcomes: outcomes.slice(0, 48), surveys: survey }];
  const jsonl = (a) => a.map((x) => JSON.stringify(x)).join("\n") + "\n";
  fx.texts.decisionsJsonl = jsonl(decisions.slice(0, 120));
  fx.texts.outcomesJsonl = jsonl(outcomes.slice(0, 120));
  fx.bases.files = [{
    orders: fx.texts.ordersCsvSmall, format: "csv",
    members: "customer_id,enrolled_at\n" + members.slice(0, 10).map((m2) => `${m2.customerId},${m2.enrolledAt}`).join("\n") + "\n",
    segments: "customer_id,segment\n" + segments.slice(0, 30).map((s) => `${s.customerId},${s.segment}`).join("\n") + "\n",
    ledger: jsonl(fx.batchCustomers.slice(0, 20).filter((c) => c.loyalty).map((c) => ({ customerId: c.id, account: c.loyalty }))),
    decisions: jsonl(decisions.slice(0, 60)), outcomes: jsonl(outcomes.slice(0, 60)), surveys: survey,
  }];
  for (const k of ["decideOptions", "decisions", "outcomes", "columns", "effInput", "files"]) fx.baseText[k] = fx.bases[k].map((b) => JSON.stringify(b));
  engine.free();
  fx.derived = true;
}

// ---------------------------------------------------------------------------------------------
// Documents for a case: a valid one, a mutated one, a random one, or any JS value; as an object
// or as JSON text (maybe mutated as text).

function base(r, fx, kind) { return JSON.parse(r.pick(fx.baseText[kind])); }
function ctxFor(fx, objectMode) { return { vocab: fx.vocab, pool: fx.pool, objectMode }; }

/** A mutated copy of a base document (object). `n` mutations (at least one unless 0). */
export function mutated(r, fx, kind, n = 1 + r.geometric(0.45), objectMode = true) {
  let v = base(r, fx, kind);
  const ctx = ctxFor(fx, objectMode);
  for (let i = 0; i < n; i++) {
    v = mutateOnce(r, v, ctx);
    // A node shared by many parents multiplies what a later mutation puts into it: a document
    // over ~128 MB of JSON starts again (beyond, the time is V8's JSON.stringify in the glue).
    if (approxSize(v) > 128e6) v = base(r, fx, kind);
  }
  return v;
}

/**
 * An argument for a parameter that takes a document (object or JSON text): valid 12%, random
 * 4%, any JS value 2%, else mutated; JSON text with probability `text` (35%).
 */
export function fuzzDoc(r, fx, kind, o = {}) {
  const roll = r.float();
  const textP = o.text ?? 0.35;
  let v;
  if (roll < 0.04) v = randomJson(r, fx.vocab);
  else if (roll < 0.06) return anyValue(r, fx.vocab);
  else v = mutated(r, fx, kind, roll < (o.valid ?? 0.18) ? 0 : 1 + r.geometric(0.45));
  if (textP && r.chance(textP)) {
    const t = toText(v, r, { dup: 0.02, oddNum: 0.02, esc: 0.05, ws: r.chance(0.1) ? " " : "" });
    if (t !== null) return r.chance(0.3) ? mutateText(r, t) : t;
  }
  return v;
}
/** Valid (as object or text) with probability `p`, else fuzzed. */
function maybeValid(r, fx, kind, p, o) {
  if (r.chance(p)) { const v = base(r, fx, kind); return r.chance(0.2) ? JSON.stringify(v) : v; }
  return fuzzDoc(r, fx, kind, o);
}
function fuzzString(r, fx, pool) {
  const k = r.int(10);
  if (k < 5 && pool?.length) return r.pick(pool);
  if (k < 6 && pool?.length) { const s = r.pick(pool); return s.slice(0, r.int(s.length + 1)) + r.pick(["", "\u0000", "\uD800", "😀", " "]); }
  return randomString(r);
}
function fuzzTextDoc(r, text, lines = true) {
  const k = r.int(10);
  if (k < 2) return text;
  if (k < 8 && lines) return mutateLines(r, text);
  return mutateText(r, text);
}
// The getter of `%TypedArray%.prototype[Symbol.toStringTag]`: a typed array's kind from its
// internal slot (undefined for anything else), whatever the array claims.
const TYPED_KIND = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
const LIES = new WeakMap();
/** A typed array that lies about itself: an own `length` (too long, too short, a getter that
 * throws), a `constructor` getter that throws, a prototype replaced by a Proxy whose traps
 * throw (which `instanceof` walks), or its buffer detached. */
export function lyingTyped(r, a) {
  if (a instanceof ArrayBuffer && !LIES.has(a)) {
    // An ArrayBuffer: its prototype replaced by a Proxy whose traps throw, or detached.
    const how = r.chance(0.5) ? "proxy prototype" : "detached";
    if (how === "detached") structuredClone(a, { transfer: [a] });
    else Object.setPrototypeOf(a, new Proxy(ArrayBuffer.prototype, { get() { throw new FuzzUserError("proxy prototype get"); } }));
    LIES.set(a, how);
    return mark(a);
  }
  if (!ArrayBuffer.isView(a) || TYPED_KIND.call(a) === undefined || LIES.has(a)) return a;
  const how = r.pick(["long length", "short length", "throwing length", "throwing constructor", "proxy prototype", "detached"]);
  try {
    switch (how) {
      case "long length": Object.defineProperty(a, "length", { value: a.length + 1 + r.int(1000) }); break;
      case "short length": Object.defineProperty(a, "length", { value: r.int(a.length + 1) }); break;
      case "throwing length": Object.defineProperty(a, "length", { get() { throw new FuzzUserError("length getter"); } }); break;
      case "throwing constructor": Object.defineProperty(a, "constructor", { get() { throw new FuzzUserError("constructor getter"); } }); break;
      case "proxy prototype":
        Object.setPrototypeOf(a, new Proxy(Object.getPrototypeOf(a), {
          get() { throw new FuzzUserError("proxy prototype get"); },
          getPrototypeOf() { throw new FuzzUserError("proxy prototype getPrototypeOf"); },
        }));
        break;
      default:
        // A Node Buffer may share a pooled buffer with others: never detached.
        if (Buffer.isBuffer(a) || a.byteLength !== a.buffer.byteLength) return a;
        structuredClone(a.buffer, { transfer: [a.buffer] });
    }
  } catch { return a; }
  LIES.set(a, how);
  return mark(a);
}

function asBytes(r, text) {
  const b = asBytesHonest(r, text);
  return r.chance(0.08) ? lyingTyped(r, b) : b;
}
function asBytesHonest(r, text) {
  const b = new TextEncoder().encode(text);
  const k = r.int(6);
  if (k === 0) { for (let i = 0; i < 1 + r.int(4); i++) b[r.int(b.length || 1)] = 0x80 + r.int(128); return b; }
  if (k === 1) return b.subarray(0, r.int(b.length + 1));
  if (k === 2) return b.buffer;
  if (k === 3) return Buffer.from(b);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Builds, worlds and probes.

const BUILD_PATHS = { store: require.resolve("offerwise"), data: require.resolve("offerwise/data") };
/** A fresh CommonJS module of the build: a fresh wasm instance (the glue instantiates on load). */
export function loadBuild(build) {
  const p = BUILD_PATHS[build];
  delete require.cache[p];
  return require(p);
}
export function wasmDigests() {
  const out = {};
  for (const [b, p] of Object.entries(BUILD_PATHS)) {
    out[b] = createHash("sha256").update(readFileSync(path.join(path.dirname(p), "offerwise_bg.wasm"))).digest("hex").slice(0, 16);
  }
  return out;
}

/** The instances a build's cases run on: one engine (as the issue asks: the same instance after every error). */
export function makeWorld(build, m, fx, { probe = true } = {}) {
  deriveFixtures(fx, m);
  const engine = new m.Engine(fx.modelText, fx.programText, fx.policyText);
  const prepared = [fx.exampleCustomer, RICH_CUSTOMER, fx.samples[3]].map((c) => engine.prepare(c, { now: NOW }));
  const conditions = new m.Conditions(fx.probe.conditions, fx.probe.groups);
  const experiments = new m.Experiments(fx.program, "2026-11-30T12:00:00Z");
  const assigner = experiments.assigner("offer-policy");
  const w = { build, m, engine, prepared, conditions, experiments, assigner };
  if (probe) w.baseline = runProbe(w, fx);
  return w;
}
export function freeWorld(w) {
  for (const o of [...w.prepared, w.assigner, w.experiments, w.conditions, w.engine]) { try { o.free(); } catch { /* a broken instance */ } }
}

/** The fixed calls whose answers must not change while the campaign runs. */
export function runProbe(w, fx, light = false) {
  const { m, engine } = w, p = fx.probe;
  // A call that takes the engine exclusively, as free() does (a borrow left by an earlier call
  // that did not return makes it throw), and setPolicy with the policy it has, which must
  // change nothing.
  engine.__exclusiveForTests();
  engine.setPolicy(fx.policyText);
  const out = { decide: engine.decide(p.customer, p.options) };
  if (light) return out;
  out.pageView = w.prepared[0].pageView(p.pageOptions);
  out.preparedDecide = w.prepared[1].decide(p.options);
  out.quote = engine.quote(p.customer, { amount: 30 }, { now: NOW });
  out.conditions = Array.from(w.conditions.evalAll(p.attributes));
  out.conditionsJson = Array.from(w.conditions.evalAllJson(JSON.stringify(p.attributes)));
  out.experiments = [w.experiments.assign("winback-2026q4", "00042"), w.assigner.assign("00042")];
  out.evalCondition = m.evalCondition(p.attributes, p.conditions[0], p.groups);
  out.loyalty = m.evaluateLoyalty(p.loyalty);
  out.hash = [m.hash("exp", "00042", 2), m.offerwiseHash("exp", "00042"), m.getBucketRanges(3, 1, undefined), m.inNamespace("00042", ["ns", 0, 0.5])];
  out.meta = [engine.segmentNames(), engine.segmentRoles(), engine.modelVersion, engine.programVersion, engine.policyVersion, engine.warnings];
  if (w.build === "data") out.analyze = m.analyze(fx.texts.unitsCsv, fx.bases.analyzeOptions[1]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Targets: every export that takes input. gen(r, fx) -> args; run(w, args, c, fx) makes the calls
// through c.call(label, fn). Weights favour the storefront build.

const T = [];
function target(name, build, weight, gen, run, extra = {}) { T.push({ name: (build === "data" ? "data:" : "") + name, build, weight, gen, run, ...extra }); }
/** A target in both builds (the data build's copy at `dataShare` of the weight). */
function both(name, weight, gen, run, dataShare = 0.1) { target(name, "store", weight, gen, run); target(name, "data", weight * dataShare, gen, run); }

const custArg = (r, fx) => maybeValid(r, fx, "customer", 0.3);
const optArg = (r, fx, kind = "decideOptions") => (r.chance(0.55) ? base(r, fx, kind) : fuzzDoc(r, fx, kind, { text: 0.08 }));

both("Engine.decide", 14, (r, fx) => [custArg(r, fx), optArg(r, fx)], (w, a, c) => c.call("Engine.decide", () => w.engine.decide(a[0], a[1])));
both("Engine.features", 4, (r, fx) => [custArg(r, fx), optArg(r, fx)], (w, a, c) => c.call("Engine.features", () => w.engine.features(a[0], a[1])));
both("Engine.quote", 5, (r, fx) => [r.chance(0.6) ? base(r, fx, "customer") : custArg(r, fx), maybeValid(r, fx, "cart", 0.3), optArg(r, fx)],
  (w, a, c) => c.call("Engine.quote", () => w.engine.quote(a[0], a[1], a[2])));
both("Engine.assign", 3, (r, fx) => [custArg(r, fx), optArg(r, fx)], (w, a, c) => c.call("Engine.assign", () => w.engine.assign(a[0], a[1])));
both("Engine.prepare", 4, (r, fx) => [custArg(r, fx), optArg(r, fx, "prepareOptions"), r.chance(0.7) ? base(r, fx, "decideOptions") : optArg(r, fx)],
  (w, a, c) => {
    const p = c.call("Engine.prepare", () => w.engine.prepare(a[0], a[1]));
    if (!p.ok) return;
    c.call("PreparedCustomer.getters", () => [p.value.customerId, p.value.now]);
    c.call("PreparedCustomer.pageView", () => p.value.pageView(a[2]));
    c.call("PreparedCustomer.decide", () => p.value.decide(a[2]));
    c.call("PreparedCustomer.free", () => p.value.free());
  });
both("PreparedCustomer.pageView", 5, (r, fx) => [r.int(3), fuzzDoc(r, fx, "decideOptions", { text: 0.05 })],
  (w, a, c) => c.call("PreparedCustomer.pageView", () => w.prepared[a[0]].pageView(a[1])));
both("PreparedCustomer.decide", 2, (r, fx) => [r.int(3), fuzzDoc(r, fx, "decideOptions", { text: 0.05 })],
  (w, a, c) => c.call("PreparedCustomer.decide", () => w.prepared[a[0]].decide(a[1])));

function engineArgs(r, fx) {
  const which = r.weighted([[6, "program"], [3, "model"], [1, "policy"]]);
  const doc = (kind, text) => (which === kind ? fuzzDoc(r, fx, kind) : r.chance(0.5) ? text : base(r, fx, kind));
  const policy = which === "policy" ? fuzzDoc(r, fx, "policy") : r.weighted([[6, undefined], [1, null], [1, fx.policyText]]);
  return [doc("model", fx.modelText), doc("program", fx.programText), policy];
}
both("new Engine", 2.5, engineArgs, (w, a, c, fx) => {
  const e = c.call("new Engine", () => new w.m.Engine(a[0], a[1], a[2]));
  if (!e.ok) return;
  const x = e.value;
  c.call("Engine.getters", () => [x.segmentNames(), x.segmentRoles(), x.warnings, x.modelName, x.modelVersion, x.programVersion, x.policyVersion]);
  c.call("Engine.decide", () => x.decide(fx.probe.customer, fx.probe.options));
  c.call("Engine.free", () => x.free());
}, 0.08);
both("Engine.setPolicy", 0.8, (r, fx) => [r.chance(0.06) ? null : fuzzDoc(r, fx, "policy", { valid: 0.1 })], (w, a, c, fx) => {
  const s = c.call("Engine.setPolicy", () => w.engine.setPolicy(a[0]));
  // A policy that fails its checks leaves the engine as it was; one that passes is undone.
  if (s.ok) c.call("Engine.setPolicy", () => w.engine.setPolicy(fx.policyText));
  c.probeLight();
}, 0.1);

both("new Experiments", 2.5, (r, fx) => {
  const prog = r.chance(0.35) ? base(r, fx, "expProgram") : fuzzDoc(r, fx, "expProgram");
  const now = r.chance(0.7) ? r.pick(fx.expNows) : r.chance(0.5) ? randomDate(r) : anyValue(r);
  const keys = ["winback-2026q4", "offer-policy", "two-way-offerwise-1", "phased-growthbook-2", "namespaced-growthbook-1", "partial-growthbook-2"];
  return [prog, now, fuzzString(r, fx, keys), fuzzString(r, fx, fx.hashIds)];
}, (w, a, c) => {
  const x = c.call("new Experiments", () => new w.m.Experiments(a[0], a[1]));
  if (!x.ok) return;
  c.call("Experiments.assign", () => x.value.assign(a[2], a[3]));
  const s = c.call("Experiments.assigner", () => x.value.assigner(a[2]));
  if (s.ok) { c.call("Assigner.assign", () => s.value.assign(a[3])); c.call("Assigner.key", () => s.value.key); c.call("Assigner.free", () => s.value.free()); }
  c.call("Experiments.free", () => x.value.free());
}, 0.1);
// Arguments outside the .d.ts types for the parameters wasm-bindgen reads as &str: its own campaign.
both("Experiments.assign:untyped-args", 0.5, (r, fx) => [anyValue(r, fx.vocab), anyValue(r, fx.vocab)], (w, a, c) => {
  c.call("Experiments.assign", () => w.experiments.assign(a[0], a[1]));
  c.call("Experiments.assigner", () => { const s = w.experiments.assigner(a[0]); s.free(); });
  c.call("Assigner.assign", () => w.assigner.assign(a[1]));
}, 0.1);

function conditionsArg(r, fx) {
  if (r.chance(0.04)) return anyValue(r, fx.vocab);
  const n = r.range(1, 6), list = [];
  for (let i = 0; i < n; i++) list.push(r.chance(0.5) ? base(r, fx, "condition") : mutated(r, fx, "condition"));
  if (r.chance(0.3)) { const t = toText(list, r, { dup: 0.03, oddNum: 0.03, esc: 0.05 }); if (t !== null) return r.chance(0.3) ? mutateText(r, t) : t; }
  return list;
}
const groupsArg = (r, fx) => r.weighted([[4, undefined], [1, null], [5, "doc"]]) === "doc" ? maybeValid(r, fx, "groups", 0.5) : undefined;
function attrsJsonArg(r, fx) {
  const t = toText(r.chance(0.4) ? base(r, fx, "attributes") : mutated(r, fx, "attributes", undefined, false), r, { dup: 0.05, oddNum: 0.05, esc: 0.1 });
  return r.chance(0.35) ? mutateText(r, t ?? "{}") : t ?? "{}";
}
both("new Conditions", 3, (r, fx) => [conditionsArg(r, fx), groupsArg(r, fx), r.int(3), maybeValid(r, fx, "attributes", 0.5)], (w, a, c) => {
  const x = c.call("new Conditions", () => new w.m.Conditions(a[0], a[1]));
  if (!x.ok) return;
  c.call("Conditions.length", () => x.value.length);
  const attrs = a[3];
  if (a[2] === 0) c.call("Conditions.evalAll", () => x.value.evalAll(attrs));
  else if (a[2] === 1) c.call("Conditions.evalAllJson", () => x.value.evalAllJson(typeof attrs === "string" ? attrs : toText(attrs) ?? "{}"));
  else c.call("Conditions.evalAllBytes", () => x.value.evalAllBytes(new TextEncoder().encode(typeof attrs === "string" ? attrs : toText(attrs) ?? "{}")));
  c.call("Conditions.free", () => x.value.free());
}, 0.1);
both("Conditions.evalAll", 4, (r, fx) => [fuzzDoc(r, fx, "attributes", { text: 0.15, valid: 0.15 })],
  (w, a, c) => c.call("Conditions.evalAll", () => w.conditions.evalAll(a[0])));
both("Conditions.evalAllJson", 2, (r, fx) => [r.chance(0.05) ? anyValue(r, fx.vocab) : attrsJsonArg(r, fx)],
  (w, a, c) => c.call("Conditions.evalAllJson", () => w.conditions.evalAllJson(a[0])));
both("Conditions.evalAllBytes", 2, (r, fx) => {
  const b = asBytesHonest(r, attrsJsonArg(r, fx));
  const bytes = b instanceof ArrayBuffer ? new Uint8Array(b) : b;
  return [r.chance(0.08) ? lyingTyped(r, bytes) : bytes];
}, (w, a, c) => c.call("Conditions.evalAllBytes", () => w.conditions.evalAllBytes(a[0])));
// Outside `Uint8Array` (number arrays were typed as accepted until the build of 2026-12-02).
both("Conditions.evalAllBytes:untyped-args", 0.3, (r, fx) => [r.chance(0.3) ? new TextEncoder().encode("{}").buffer
  : r.chance(0.5) ? r.pick([new Uint16Array([0x7b, 0x7d]), new Int8Array([123, -3, 125]), new Float64Array([123, 125]), "{}", { length: 2, 0: 123, 1: 125 },
    [300, -1, 7.5, NaN], [123, 34, 125], [], [0xff, 0xfe], Array.from(new TextEncoder().encode("{\"country\":\"NL\"}"))]) : anyValue(r, fx.vocab)],
(w, a, c) => c.call("Conditions.evalAllBytes", () => w.conditions.evalAllBytes(a[0])));
both("evalCondition", 7, (r, fx) => [maybeValid(r, fx, "attributes", 0.4), maybeValid(r, fx, "condition", 0.35), groupsArg(r, fx)],
  (w, a, c) => c.call("evalCondition", () => w.m.evalCondition(a[0], a[1], a[2])));
both("evaluateLoyalty", 6, (r, fx) => [maybeValid(r, fx, "loyalty", 0.15)], (w, a, c) => c.call("evaluateLoyalty", () => w.m.evaluateLoyalty(a[0])));

const hashVersion = (r) => r.chance(0.6) ? r.pick([1, 2]) : r.pick([0, 3, -1, 1.5, NaN, Infinity, "2", "1", null, undefined, true, 2 ** 53, [2], {}]);
both("hash", 3, (r, fx) => [r.chance(0.85) ? fuzzString(r, fx, fx.hashSeeds) : anyValue(r), r.chance(0.85) ? fuzzString(r, fx, fx.hashIds) : anyValue(r), hashVersion(r)],
  (w, a, c) => c.call("hash", () => w.m.hash(a[0], a[1], a[2])));
both("offerwiseHash", 3, (r, fx) => [fuzzString(r, fx, fx.hashSeeds), fuzzString(r, fx, fx.hashIds)], (w, a, c) => c.call("offerwiseHash", () => w.m.offerwiseHash(a[0], a[1])));
both("offerwiseHash:untyped-args", 0.5, (r, fx) => [r.chance(0.5) ? anyValue(r) : "seed", r.chance(0.5) ? anyValue(r) : "00042"],
  (w, a, c) => c.call("offerwiseHash", () => w.m.offerwiseHash(a[0], a[1])));
// n up to 1,000,000 is allowed and takes a few hundred ms: rare.
const countArg = (r) => r.chance(0.002) ? r.pick([1e6, 999_999.5]) : r.chance(0.6) ? r.pick([0, 1, 2, 3, 4, 10, 100, 1000, 1e6 + 1, -1, 2.5, 1e308, -0, 2 ** 32, 2 ** 32 + 2, 2 ** 53]) : randomNumber(r, true) % 2000;
const untypedNumber = (r) => r.chance(0.5) ? r.pick([5n, 2n ** 70n, Symbol("n"), "3", "x", null, undefined, {}, [], [3], { valueOf() { return 3; } }, true]) : anyValue(r);
both("getEqualWeights", 1.5, (r) => [countArg(r)], (w, a, c) => c.call("getEqualWeights", () => w.m.getEqualWeights(a[0])));
both("getEqualWeights:untyped-args", 0.3, (r) => [untypedNumber(r)], (w, a, c) => c.call("getEqualWeights", () => w.m.getEqualWeights(a[0])));
function weightsArg(r, fx) {
  const k = r.int(8);
  if (k === 0) return undefined;
  if (k < 4) { const n = r.range(0, 6); return Array.from({ length: n }, () => (r.chance(0.7) ? r.int(10) / 10 : randomNumber(r, true))); }
  if (k < 6) { const v = mutated(r, fx, "expProgram", 1)?.experiments?.[0]?.variants; return Array.isArray(v) ? v.map((x) => x?.weight) : []; }
  return anyValue(r, fx.vocab);
}
both("getBucketRanges", 2, (r, fx) => [countArg(r), r.chance(0.6) ? r.pick([undefined, 1, 0.5, 0, -1, 2, NaN]) : anyValue(r), weightsArg(r, fx)],
  (w, a, c) => c.call("getBucketRanges", () => w.m.getBucketRanges(a[0], a[1], a[2])));
both("getBucketRanges:untyped-args", 0.3, (r, fx) => [untypedNumber(r), 1, weightsArg(r, fx)], (w, a, c) => c.call("getBucketRanges", () => w.m.getBucketRanges(a[0], a[1], a[2])));
function rangesArg(r, fx) {
  if (r.chance(0.15)) return anyValue(r, fx.vocab);
  const n = r.range(0, 5), a = [];
  for (let i = 0; i < n; i++) a.push(r.chance(0.8) ? [r.int(11) / 10, r.int(11) / 10] : r.pick([[0], [0, 1, 2], [NaN, 1], ["0", "1"], null, {}, [1e308, -1e308], 0.5]));
  return a;
}
both("chooseVariation", 2, (r, fx) => [r.chance(0.7) ? r.float() : randomNumber(r, true), rangesArg(r, fx)],
  (w, a, c) => c.call("chooseVariation", () => w.m.chooseVariation(a[0], a[1])));
both("chooseVariation:untyped-args", 0.3, (r, fx) => [untypedNumber(r), rangesArg(r, fx)], (w, a, c) => c.call("chooseVariation", () => w.m.chooseVariation(a[0], a[1])));
both("inNamespace", 2, (r, fx) => [r.chance(0.8) ? fuzzString(r, fx, fx.hashIds) : anyValue(r),
  r.chance(0.7) ? [fuzzString(r, fx, ["ns", "checkout", ""]), r.chance(0.7) ? r.int(11) / 10 : randomNumber(r, true), r.chance(0.7) ? r.int(11) / 10 : randomNumber(r, true)]
    : r.chance(0.5) ? r.pick([["ns", 0], ["ns", 0, 1, 2], [1, 0, 1], ["ns", "0", "1"], null, "ns", {}]) : anyValue(r, fx.vocab)],
  (w, a, c) => c.call("inNamespace", () => w.m.inNamespace(a[0], a[1])));
both("version", 0.05, () => [], (w, a, c) => c.call("version", () => w.m.version()));

// The data build's own exports.
target("analyze", "data", 2.5, (r, fx) => {
  const k = r.int(10);
  const units = k < 5 ? fuzzTextDoc(r, fx.texts.unitsCsv) : k < 9 ? maybeValid(r, fx, "unitRows", 0.2, { text: 0 }) : anyValue(r, fx.vocab);
  return [units, optArg(r, fx, "analyzeOptions")];
}, (w, a, c) => c.call("analyze", () => w.m.analyze(a[0], a[1])));
target("analyzeLogs", "data", 1.5, (r, fx) => {
  const d = r.chance(0.5) ? maybeValid(r, fx, "decisions", 0.3, { text: 0 }) : fuzzTextDoc(r, fx.texts.decisionsJsonl);
  const o = r.chance(0.5) ? maybeValid(r, fx, "outcomes", 0.4, { text: 0 }) : fuzzTextDoc(r, fx.texts.outcomesJsonl);
  return [d, o, optArg(r, fx, "logOptions")];
}, (w, a, c) => c.call("analyzeLogs", () => w.m.analyzeLogs(a[0], a[1], a[2])));
target("nps", "data", 2, (r, fx) => [r.chance(0.9) ? fuzzTextDoc(r, fx.texts.surveys) : anyValue(r), r.chance(0.15) ? undefined : optArg(r, fx, "npsOptions")],
  (w, a, c) => c.call("nps", () => w.m.nps(a[0], a[1])));
function ordersArg(r, fx, small) {
  const cdnow = r.chance(0.4);
  const text = cdnow ? (small ? fx.texts.cdnowSmall : fx.texts.cdnow) : small ? fx.texts.ordersCsvSmall : fx.texts.ordersCsv;
  const t = r.chance(0.95) ? fuzzTextDoc(r, text) : anyValue(r);
  const bytes = typeof t === "string" && r.chance(0.3) ? asBytes(r, t) : t;
  return [bytes, cdnow];
}
target("customerFeatures", "data", 2, (r, fx) => {
  const [orders, cdnow] = ordersArg(r, fx, false);
  const opts = optArg(r, fx, "readOptions");
  if (cdnow && opts && typeof opts === "object" && !Array.isArray(opts) && r.chance(0.8)) { try { opts.format = "cdnow"; } catch { /* frozen */ } }
  return [orders, opts];
}, (w, a, c) => c.call("customerFeatures", () => w.m.customerFeatures(a[0], a[1])));
target("train", "data", 0.03, (r, fx) => {
  const [orders, cdnow] = ordersArg(r, fx, true);
  const opts = optArg(r, fx, "trainOptions");
  if (opts && typeof opts === "object" && !Array.isArray(opts)) {
    try {
      if (cdnow) opts.format = "cdnow";
      // train is slow: small fits only.
      if (typeof opts.nInit === "number" && opts.nInit > 3) opts.nInit = 3;
      if (typeof opts.maxIter === "number" && opts.maxIter > 50) opts.maxIter = 50;
    } catch { /* frozen, or a getter */ }
  }
  const cb = r.weighted([[5, "log"], [1, "throw"], [1, "none"], [1, "any"]]);
  return [orders, opts, cb === "log" ? () => {} : cb === "throw" ? () => { throw new FuzzUserError("onProgress throws"); } : cb === "none" ? undefined : anyValue(r)];
}, (w, a, c) => c.call("train", () => w.m.train(a[0], a[1], a[2])));
function columnsArg(r, fx) {
  const cols = r.chance(0.3) ? base(r, fx, "columns") : mutated(r, fx, "columns");
  if (cols && typeof cols === "object" && !EXOTIC.has(cols) && !Array.isArray(cols)) try {
    const typed = { customer: [Uint32Array, Int32Array, Float64Array, Uint8Array], at: [Float64Array, Float32Array, Int32Array], amount: [Float64Array, Float32Array, Uint32Array], category: [Uint32Array, Int32Array, Uint8Array] };
    for (const [k, kinds] of Object.entries(typed)) {
      if (Array.isArray(cols[k]) && r.chance(0.5)) { try { cols[k] = new (r.pick(kinds))(cols[k].map((x) => (typeof x === "number" ? x : Number(x)))); } catch { /* odd values */ } }
    }
    for (const k of Object.keys(typed)) if (r.chance(0.05)) cols[k] = lyingTyped(r, cols[k]);
    if (r.chance(0.1) && Array.isArray(cols.customer)) cols.customer = new BigUint64Array(cols.customer.map((x) => { const v = Math.trunc(Number(x)); return BigInt.asUintN(64, BigInt(Number.isFinite(v) ? v : 0)); }));
  } catch { /* an exotic column: passed as it is */ }
  return cols;
}
target("Engine.decideColumns", "data", 1.5, (r, fx) => [columnsArg(r, fx), optArg(r, fx)], (w, a, c) => c.call("Engine.decideColumns", () => w.engine.decideColumns(a[0], a[1])));
function effInputArg(r, fx) {
  const input = r.chance(0.25) ? base(r, fx, "effInput") : mutated(r, fx, "effInput");
  if (input && typeof input === "object" && !EXOTIC.has(input) && r.chance(0.3)) {
    try {
      if (Array.isArray(input.decisions) && r.chance(0.5)) input.decisions = fuzzTextDoc(r, fx.texts.decisionsJsonl);
      if (typeof input.surveys === "string" && r.chance(0.5)) input.surveys = fuzzTextDoc(r, input.surveys);
    } catch { /* exotic */ }
  }
  return input;
}
target("Engine.effectiveness", "data", 0.3, (r, fx) => [effInputArg(r, fx), optArg(r, fx, "effOptions")],
  (w, a, c) => c.call("Engine.effectiveness", () => w.engine.effectiveness(a[0], a[1])));
target("Engine.effectivenessReport", "data", 0.12, (r, fx) => [effInputArg(r, fx), optArg(r, fx, "effOptions")],
  (w, a, c) => c.call("Engine.effectivenessReport", () => w.engine.effectivenessReport(a[0], a[1])));
target("Engine.effectivenessFiles", "data", 0.3, (r, fx) => {
  const files = r.chance(0.3) ? base(r, fx, "files") : mutated(r, fx, "files", 1, true);
  if (files && typeof files === "object" && !EXOTIC.has(files) && !Array.isArray(files)) try {
    const k = r.pick(["orders", "members", "segments", "ledger", "decisions", "outcomes", "surveys"]);
    if (typeof files[k] === "string" && r.chance(0.7)) files[k] = fuzzTextDoc(r, files[k]);
    if (typeof files.orders === "string" && r.chance(0.15)) files.orders = asBytes(r, files.orders);
  } catch { /* exotic */ }
  const opts = r.chance(0.3) ? undefined : r.chance(0.5) ? { holdoutShare: 0.1 } : fuzzDoc(r, fx, "effOptions", { text: 0 });
  return [files, opts];
}, (w, a, c) => c.call("Engine.effectivenessFiles", () => w.engine.effectivenessFiles(a[0], a[1])));
target("Engine.evaluatePolicy", "data", 0.8, (r, fx) => {
  const d = r.chance(0.5) ? maybeValid(r, fx, "decisions", 0.3, { text: 0 }) : fuzzTextDoc(r, fx.texts.decisionsJsonl);
  const o = r.chance(0.5) ? maybeValid(r, fx, "outcomes", 0.4, { text: 0 }) : fuzzTextDoc(r, fx.texts.outcomesJsonl);
  return [d, o, r.chance(0.2) ? undefined : optArg(r, fx, "policyOptions")];
}, (w, a, c) => c.call("Engine.evaluatePolicy", () => w.engine.evaluatePolicy(a[0], a[1], a[2])));

// The user's own JS values that throw when read (a proxy, a getter, toJSON), somewhere in a valid
// input of each engine method: the exception may come back as it is, but the engine must stay
// usable (the probe after each one takes the engine exclusively, as free() does).
function throwerAt(r, root) {
  const [parent, key, node] = pickLocation(r, root);
  const plain = isPlainContainer(node) ? node : { a: 1 };
  const v = r.pick([
    () => mark(new Proxy(Array.isArray(plain) ? [...plain] : { ...plain }, { get(t, k) { if (k === "toJSON" || typeof k === "symbol") return undefined; throw new FuzzUserError("proxy get"); } })),
    () => mark(new Proxy(Array.isArray(plain) ? [...plain] : { ...plain }, { get(t, k) { if (typeof k === "symbol") return undefined; if (k === "length") throw new FuzzUserError("proxy length"); return t[k]; } })),
    () => mark(new Proxy({ ...plain }, { ownKeys() { throw new FuzzUserError("proxy ownKeys"); } })),
    () => throwingGetterObject(plain),
    () => mark({ toJSON() { throw new FuzzUserError("toJSON throws"); } }),
  ])();
  if (parent === null) return v;
  parent[key] = v;
  return root;
}
const THROWER_CALLS = {
  "Engine.decide": [(r, fx) => [base(r, fx, "customer"), base(r, fx, "decideOptions")], (w, a) => w.engine.decide(a[0], a[1])],
  "Engine.features": [(r, fx) => [base(r, fx, "customer"), base(r, fx, "decideOptions")], (w, a) => w.engine.features(a[0], a[1])],
  "Engine.quote": [(r, fx) => [base(r, fx, "customer"), base(r, fx, "cart"), base(r, fx, "decideOptions")], (w, a) => w.engine.quote(a[0], a[1], a[2])],
  "Engine.assign": [(r, fx) => [base(r, fx, "customer"), base(r, fx, "decideOptions")], (w, a) => w.engine.assign(a[0], a[1])],
  "Engine.prepare": [(r, fx) => [base(r, fx, "customer"), base(r, fx, "prepareOptions")], (w, a) => w.engine.prepare(a[0], a[1]).free()],
  "PreparedCustomer.pageView": [(r, fx) => [base(r, fx, "decideOptions")], (w, a) => w.prepared[0].pageView(a[0])],
  "Engine.setPolicy": [(r, fx) => [base(r, fx, "policy")], (w, a, fx) => { w.engine.setPolicy(a[0]); w.engine.setPolicy(fx.policyText); }],
  "evaluateLoyalty": [(r, fx) => [base(r, fx, "loyalty")], (w, a) => w.m.evaluateLoyalty(a[0])],
  "Conditions.evalAll": [(r, fx) => [base(r, fx, "attributes")], (w, a) => w.conditions.evalAll(a[0])],
};
const DATA_THROWER_CALLS = {
  ...THROWER_CALLS,
  "Engine.decideColumns": [(r, fx) => [base(r, fx, "columns"), base(r, fx, "decideOptions")], (w, a) => w.engine.decideColumns(a[0], a[1])],
  "Engine.effectiveness": [(r, fx) => [base(r, fx, "effInput"), base(r, fx, "effOptions")], (w, a) => w.engine.effectiveness(a[0], a[1])],
  "Engine.effectivenessReport": [(r, fx) => [base(r, fx, "effInput"), base(r, fx, "effOptions")], (w, a) => w.engine.effectivenessReport(a[0], a[1])],
  "Engine.effectivenessFiles": [(r, fx) => [base(r, fx, "files"), { holdoutShare: 0.1 }], (w, a) => w.engine.effectivenessFiles(a[0], a[1])],
  "Engine.evaluatePolicy": [(r, fx) => [base(r, fx, "decisions"), base(r, fx, "outcomes"), {}], (w, a) => w.engine.evaluatePolicy(a[0], a[1], a[2])],
  "analyzeLogs": [(r, fx) => [base(r, fx, "decisions"), base(r, fx, "outcomes"), base(r, fx, "logOptions")], (w, a) => w.m.analyzeLogs(a[0], a[1], a[2])],
  "analyze": [(r, fx) => [base(r, fx, "unitRows"), base(r, fx, "analyzeOptions")], (w, a) => w.m.analyze(a[0], a[1])],
};
for (const [build, calls] of [["store", THROWER_CALLS], ["data", DATA_THROWER_CALLS]]) {
  const names = Object.keys(calls);
  target("throwing JS values", build, build === "store" ? 0.4 : 0.6, (r, fx) => {
    const name = r.pick(names);
    const args = calls[name][0](r, fx);
    const i = r.int(args.length);
    args[i] = throwerAt(r, args[i]);
    return [name, args];
  }, (w, a, c, fx) => c.call(a[0], () => calls[a[0]][1](w, a[1], fx)));
}

export const TARGETS = T;

// ---------------------------------------------------------------------------------------------
// The checker.

const ABORT = Symbol("abort case");

/** What a thrown value is: typed (a well-formed OfferwiseError), user, trap, untyped, malformed. */
export function classify(err) {
  if (err instanceof FuzzUserError) return { kind: "user" };
  if (err instanceof WebAssembly.RuntimeError) return { kind: "trap" };
  if (err instanceof Error && err.name === "OfferwiseError") {
    const problems = [];
    if (typeof err.code !== "string" || !CODE_RE.test(err.code)) problems.push(`code ${JSON.stringify(err.code)} is not word.word`);
    if (typeof err.path !== "string") problems.push(`path is ${typeof err.path}`);
    if (typeof err.message !== "string" || err.message === "") problems.push("no message");
    if (typeof err.path === "string" && err.path.length > MAX_PATH) problems.push(`a path of ${err.path.length} characters (a caller's text named whole)`);
    if (typeof err.message === "string" && err.message.length > MAX_MESSAGE) problems.push(`a message of ${err.message.length} characters (a caller's text quoted whole)`);
    if (problems.length) return { kind: "malformed", problems };
    // A Rust panic turned into an OfferwiseError (code internal.panic) is still a panic.
    if (err.code.startsWith("internal.")) return { kind: "panic", code: err.code };
    return { kind: "typed", code: err.code };
  }
  return { kind: "untyped" };
}
const errName = (e) => (e instanceof Error ? e.constructor?.name ?? e.name : typeof e);
const errMessage = (e) => { try { return e instanceof Error ? String(e.message) : String(e); } catch { return "?"; } };
const signatureOf = (label, kind, e) => `${label} ${kind} ${errName(e)}: ${errMessage(e).replace(/\d+/g, "#").slice(0, 80)}`;

const [TYPED_BYTES, VIEW_BYTES, BUFFER_BYTES] = [Object.getPrototypeOf(Uint8Array.prototype), DataView.prototype, ArrayBuffer.prototype]
  .map((p) => Object.getOwnPropertyDescriptor(p, "byteLength").get);
/**
 * The byte length of a typed array, DataView or ArrayBuffer (null for anything else), read from
 * its slots. Cheap for plain objects (approxSize runs on every generated input): `instanceof`
 * is only distrusted when it throws (a prototype replaced by a throwing Proxy).
 */
function bytesOf(x) {
  if (typeof x !== "object" || x === null) return null;
  if (ArrayBuffer.isView(x)) { try { return TYPED_BYTES.call(x); } catch { try { return VIEW_BYTES.call(x); } catch { return 0; } } }
  let buffer;
  try { buffer = x instanceof ArrayBuffer; } catch { buffer = true; }
  if (!buffer) return null;
  try { return BUFFER_BYTES.call(x); } catch { return null; }
}

/** A rough size of an input (characters of its JSON, strings and numbers counted), any shape. */
export function approxSize(v) {
  // As JSON text would be: a node shared by many parents counts once per parent (sizes memoised),
  // a cycle counts once, a sparse array by its length; what throws when read counts as nothing.
  // Buffers are measured through the built-in getters, which read internal slots only: the
  // fuzzer's own lying arrays (a prototype replaced by a throwing Proxy) must not throw here.
  const size = new Map(), open = new Set();
  const leaf = (x) => (typeof x === "string" ? x.length + 2 : bytesOf(x) ?? 4);
  const isNode = (x) => typeof x === "object" && x !== null && bytesOf(x) === null;
  const kids = (x) => {
    try {
      if (Array.isArray(x)) { const a = new Array(x.length); for (let i = 0; i < x.length; i++) a[i] = x[i]; return [a, 0]; }
      let keys = 0;
      for (const k of Object.keys(x)) keys += k.length + 3;
      return [Object.values(x), keys];
    } catch { return [[], 0]; }
  };
  if (!isNode(v)) return leaf(v);
  const stack = [[v, null]];
  while (stack.length) {
    const [x, got] = stack.pop();
    if (got === null) {
      if (size.has(x) || open.has(x)) continue;
      open.add(x);
      const k = kids(x);
      stack.push([x, k]);
      for (const y of k[0]) if (isNode(y) && !size.has(y) && !open.has(y)) stack.push([y, null]);
      continue;
    }
    let n = 2 + got[1];
    for (const y of got[0]) n += isNode(y) ? (size.get(y) ?? 2) : y === undefined ? 5 : leaf(y);
    size.set(x, Math.min(n, 1e15));
    open.delete(x);
  }
  return size.get(v);
}

/** JSON of an input with what JSON cannot say tagged ({"$fuzz": "bigint", ...}); big parts cut. */
export function encodeInput(v, limit = 2_000_000) {
  let budget = limit;
  const seen = new Set();
  const enc = (x, depth) => {
    if (budget <= 0) return { $fuzz: "cut" };
    if (depth > 200) { return { $fuzz: "deep", note: "nesting continues (see the case's seed and index)" }; }
    switch (typeof x) {
      case "undefined": return { $fuzz: "undefined" };
      case "bigint": return { $fuzz: "bigint", value: String(x) };
      case "symbol": return { $fuzz: "symbol", value: String(x.description) };
      case "function": return { $fuzz: "function", source: String(x).slice(0, 200) };
      case "number": budget -= 8; return Number.isFinite(x) && !Object.is(x, -0) ? x : { $fuzz: "number", value: Object.is(x, -0) ? "-0" : String(x) };
      case "string": budget -= x.length;
        return x.length > 4096 ? { $fuzz: "string", length: x.length, head: x.slice(0, 64), tail: x.slice(-16) } : x;
      case "boolean": return x;
      default: break;
    }
    if (x === null) return null;
    if (seen.has(x)) return { $fuzz: "circular" };
    if (ArrayBuffer.isView(x)) {
      // Read by the internal slots: the array may lie about itself (see lyingTyped).
      const kind = TYPED_KIND.call(x) ?? "DataView";
      const lies = LIES.has(x) ? { lies: LIES.get(x) } : {};
      try {
        const copy = kind === "DataView" ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new globalThis[kind](x);
        return { $fuzz: kind, values: Array.from(copy.subarray(0, 200), (y) => (typeof y === "bigint" ? String(y) : y)), length: copy.length, ...lies };
      } catch (e) { return { $fuzz: kind, unreadable: errMessage(e), ...lies }; }
    }
    try {
      if (x instanceof ArrayBuffer) return { $fuzz: "ArrayBuffer", bytes: Array.from(new Uint8Array(x).slice(0, 200)) };
    } catch (e) { return { $fuzz: "unreadable", error: errMessage(e) }; }
    seen.add(x);
    try {
      const proto = Object.getPrototypeOf(x);
      const tag = proto === Object.prototype || proto === Array.prototype ? null : proto === null ? "null-prototype" : proto.constructor?.name ?? "?";
      if (Array.isArray(x)) {
        if (x.length > 200) return { $fuzz: "array", length: x.length, first: x.slice(0, 3).map((y) => enc(y, depth + 1)) };
        return x.map((y) => enc(y, depth + 1));
      }
      const o = tag ? { $fuzzClass: tag } : {};
      for (const k of Object.keys(x)) {
        const d = Object.getOwnPropertyDescriptor(x, k);
        if (d && d.get) { o[k] = { $fuzz: "getter" }; continue; }
        o[k] = enc(x[k], depth + 1);
      }
      if (typeof x.toJSON === "function") o.$fuzzToJSON = true;
      return o;
    } catch (e) { return { $fuzz: "unreadable", error: errMessage(e) }; } finally { seen.delete(x); }
  };
  return enc(v, 0);
}

function stats() {
  return { cases: 0, skipped: 0, builds: [], calls: {}, ok: {}, errors: {}, codes: {}, user: 0, userBy: {}, findings: [], slow: [], slowCount: 0,
    slowest: [], probes: 0, probeFailures: 0, reloads: 0, disabled: [], genErrors: 0, maxMs: {} };
}
const inc = (o, k, n = 1) => { o[k] = (o[k] ?? 0) + n; };

/** Runs cases; one per index. `onCase(i, targetIndex)` before each (the watchdog's view). */
export class Runner {
  constructor({ seed, fx, only, disabled = [], shrink = true, save = true, verbose = false, slowMs = SLOW_MS, log = () => {} }) {
    this.seed = seed; this.fx = fx; this.shrinkOn = shrink; this.saveOn = save; this.verbose = verbose; this.slowMs = slowMs; this.log = log;
    this.targets = only ? TARGETS.filter((t) => only.some((o) => t.name === o || t.name.startsWith(o + ":") || (o.endsWith("*") && t.name.startsWith(o.slice(0, -1))))) : TARGETS;
    if (!this.targets.length) throw new Error(`no target matches ${only}`);
    this.cum = []; let s = 0;
    for (const t of this.targets) { s += t.weight; this.cum.push(s); }
    this.total = s;
    this.disabled = new Set(disabled);
    this.st = stats();
    this.st.disabled = [...this.disabled];
    this.seenCodes = new Set();
    this.sinceProbe = 0;
    this.worlds = {};
    this.modules = {};
    this.heartbeat = () => {};
    for (const b of ["store", "data"]) {
      this.reload(b, false);
      // Warm-up (wasm tier-up, JIT) so that the first cases' times are not the compiler's.
      for (let i = 0; i < 20; i++) runProbe(this.worlds[b], fx);
    }
  }
  reload(build, count = true) {
    if (this.worlds[build]) freeWorld(this.worlds[build]);
    this.modules[build] = loadBuild(build);
    this.worlds[build] = makeWorld(build, this.modules[build], this.fx);
    if (count) this.st.reloads++;
  }
  pick(r) {
    const x = r.float() * this.total;
    let lo = 0, hi = this.cum.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.cum[mid] > x) hi = mid; else lo = mid + 1; }
    return this.targets[lo];
  }
  /** The target and arguments of case `index` (what --case replays). */
  generate(index) {
    const r = new Rng(this.seed, index);
    const t = this.pick(r);
    return { t, args: t.gen(r, this.fx) };
  }
  runCase(index) {
    let t, args;
    try { ({ t, args } = this.generate(index)); } catch (e) {
      this.st.genErrors++;
      if (this.st.genErrors <= 5) this.log(`generator error at case ${index}: ${e.stack}`);
      return;
    }
    if (this.onCase) this.onCase(index, t);
    if (this.disabled.has(t.name)) { this.st.skipped++; return; }
    this.st.cases++;
    inc(this.st.calls, "case " + t.name);
    const w = this.worlds[t.build];
    const c = new CaseCtx(this, t, index, args, w);
    try { t.run(w, args, c, this.fx); } catch (e) {
      if (e !== ABORT) c.finding("harness", e, t.name);
    }
    if (c.found) this.afterFinding(c);
    else if (c.newCode) this.probe(t.build, c.newCode.startsWith("user") ? `after a ${c.newCode}` : `after the first ${c.newCode}`, index, false, c);
    if (++this.sinceProbe >= PROBE_EVERY) { this.sinceProbe = 0; for (const b of ["store", "data"]) this.probe(b, "periodic", index); }
    if (this.verbose) this.log(`case ${index} ${t.name}: ${c.trace.join("; ")}`);
  }
  /** Re-runs the probe calls on the build's instances; a difference is a finding (and the build is reloaded). */
  probe(build, why, index, light = false, c = null) {
    this.st.probes++;
    const w = this.worlds[build];
    let got, err = null;
    try { got = runProbe(w, this.fx, light); } catch (e) { err = e; }
    const want = light ? { decide: w.baseline.decide } : w.baseline;
    if (err === null && isDeepStrictEqual(got, want)) return true;
    this.st.probeFailures++;
    const diff = err ? `the probe threw ${errName(err)}: ${errMessage(err)}` : `the probe answers differ (${Object.keys(want).filter((k) => !isDeepStrictEqual(got[k], want[k])).join(", ")})`;
    const rec = this.record({ kind: "state", label: `${build} probe`, target: c ? c.t.name : `${build} probe`, index, signature: `${build} probe ${why}: ${diff}`.replace(/\d+/g, "#").slice(0, 160),
      error: { name: err ? errName(err) : "ProbeMismatch", message: `${why}: ${diff}` } });
    // The case just run (when there is one) is the input that left the instance so.
    if (rec && c && this.saveOn) rec.file = saveFinding(rec, c.args);
    this.reload(build);
    return false;
  }
  record(f) {
    const same = this.st.findings.find((g) => g.signature === f.signature);
    if (same) { same.count++; return null; }
    f.count = 1;
    f.seed = this.seed;
    this.st.findings.push(f);
    return f;
  }
  afterFinding(c) {
    const f = c.found;
    const rec = this.record(f);
    if (f.kind === "trap" || f.kind === "panic") {
      // The instance after a trap: does it still decide as it did? Then the target's campaign
      // stops and the build is loaded again (a fresh wasm instance).
      let state = "consistent";
      try { const got = runProbe(c.w, this.fx); if (!isDeepStrictEqual(got, c.w.baseline)) state = "probe answers differ"; } catch (e) { state = `probe threw ${errName(e)}: ${errMessage(e)}`; }
      if (rec) rec.stateAfter = state;
      this.disabled.add(c.t.name);
      this.st.disabled = [...this.disabled];
      this.reload(c.t.build);
    } else if (!this.probe(c.t.build, `after ${f.kind} in ${f.label}`, c.index)) {
      if (rec) rec.stateAfter = "probe failed (reloaded)";
    } else if (rec) rec.stateAfter = "consistent";
    if (rec) {
      if (this.shrinkOn && c.args) {
        try { rec.minimal = encodeInput(shrink(this, c.t, c.args, f.signature)); } catch (e) { rec.minimal = { $fuzz: "shrink failed", error: errMessage(e) }; }
      }
      if (rec.minimal !== undefined && JSON.stringify(rec.minimal).length > 20_000) rec.minimal = { $fuzz: "cut", head: JSON.stringify(rec.minimal).slice(0, 2000) };
      if (this.saveOn) rec.file = saveFinding(rec, c.args);
      this.log(`FINDING ${rec.kind} in ${rec.label} (target ${rec.target}) at seed ${this.seed} case ${rec.index}: ${rec.error.name}: ${rec.error.message.slice(0, 200)}`);
    }
  }
}

class CaseCtx {
  constructor(runner, t, index, args, w) {
    this.runner = runner; this.t = t; this.index = index; this.args = args; this.w = w;
    this.prefix = t.build === "data" ? "data:" : "";
    this.trace = []; this.found = null; this.newCode = null;
  }
  call(name, fn) {
    const label = this.prefix + name;
    const st = this.runner.st;
    const t0 = process.hrtime.bigint();
    let value, err, threw = false;
    try { value = fn(); } catch (e) { err = e; threw = true; }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    inc(st.calls, label);
    if (ms > (st.maxMs[label] ?? 0)) st.maxMs[label] = ms;
    if (ms > this.runner.slowMs) {
      st.slowCount++;
      const rec = { label, target: this.t.name, index: this.index, ms: Math.round(ms * 10) / 10, size: approxSize(this.args), outcome: threw ? classify(err).code ?? classify(err).kind : "ok" };
      if (st.slow.length < 1000) st.slow.push(rec);
      st.slowest.push(rec); st.slowest.sort((a, b) => b.ms - a.ms); if (st.slowest.length > 10) st.slowest.pop();
    }
    if (!threw) { inc(st.ok, label); if (this.runner.verbose) this.trace.push(`${label} ok (${ms.toFixed(2)} ms)`); return { ok: true, value }; }
    const cls = classify(err);
    if (this.runner.verbose) this.trace.push(`${label} (${ms.toFixed(2)} ms) ${cls.kind} ${errName(err)} ${err?.code ?? ""} ${JSON.stringify(err?.path ?? "")}: ${errMessage(err).slice(0, 300)}`);
    if (cls.kind === "typed") {
      inc(st.errors, label);
      st.codes[label] ??= {};
      inc(st.codes[label], cls.code);
      const key = `${this.t.build} ${cls.code}`;
      if (!this.runner.seenCodes.has(key)) { this.runner.seenCodes.add(key); this.newCode = cls.code; }
      return { ok: false, error: err };
    }
    if (cls.kind === "user") {
      // The user's own exception came back as it is: it went through the wasm frames, which did
      // not return. The probe (with a mutable call) tells whether that left the instance usable.
      // They are rare: the probe runs after each one, so that a borrow it leaves is blamed on it.
      st.user++;
      st.userBy[label] = (st.userBy[label] ?? 0) + 1;
      this.newCode = `user error through ${label} (case ${this.index})`;
      return { ok: false, error: err };
    }
    this.finding(cls.kind, err, label, cls.problems);
    throw ABORT;
  }
  /** setPolicy's check: the engine decides as before, whatever the call did. */
  probeLight() {
    if (!this.runner.probe(this.t.build, `after Engine.setPolicy`, this.index, true)) throw ABORT;
  }
  finding(kind, err, label, problems) {
    if (this.found) return;
    this.found = {
      kind: kind === "harness" ? "untyped" : kind, label, target: this.t.name, index: this.index,
      signature: signatureOf(label, kind, err),
      error: { name: errName(err), message: errMessage(err) + (problems ? ` [${problems.join("; ")}]` : ""), code: err?.code, path: err?.path, stack: String(err?.stack ?? "").split("\n").slice(0, 6).join("\n") },
    };
  }
}

/** Greedy reduction of a failing input: delete keys and elements, halve strings and arrays, while the same failure repeats. */
export function shrink(runner, t, args, signature, budget = 250) {
  const fx = runner.fx;
  let worlds = null;
  const fresh = () => { const m = loadBuild(t.build); return makeWorld(t.build, m, fx, { probe: false }); };
  const until = Date.now() + 20_000;
  const fails = (cand) => {
    runner.heartbeat();
    // A trap may leave the instance broken: each try runs on a fresh one.
    if (worlds) freeWorld(worlds);
    worlds = fresh();
    const sub = { st: stats(), seenCodes: new Set(), verbose: false, slowMs: Infinity, probe: () => true };
    const c = new CaseCtx(sub, t, -1, cand, worlds);
    try { t.run(worlds, cand, c, fx); } catch (e) { if (e !== ABORT) c.finding("harness", e, t.name); }
    return c.found !== null && c.found.signature === signature;
  };
  let best = args;
  let tries = 0;
  if (!fails(best)) return best;
  const edits = (root) => {
    // Candidates in breadth-first order: [path, kind]
    const out = [];
    const queue = [[root, []]];
    let visited = 0;
    while (queue.length && visited < 400) {
      const [node, p] = queue.shift();
      visited++;
      if (typeof node === "string" && node.length > 1) out.push([p, "half"]);
      if (typeof node === "number" && node !== 0 && Number.isFinite(node)) out.push([p, "zero"]);
      if (!isPlainContainer(node)) continue;
      if (Array.isArray(node)) {
        if (node.length > 1) out.push([p, "firstHalf"], [p, "secondHalf"]);
        for (let i = 0; i < Math.min(node.length, 12); i++) { if (p.length) out.push([[...p, i], "delete"]); queue.push([node[i], [...p, i]]); }
      } else {
        for (const k of Object.keys(node)) { out.push([[...p, k], "delete"]); queue.push([node[k], [...p, k]]); }
      }
    }
    return out;
  };
  const apply = (root, p, kind) => {
    // Copy on write along the path.
    const copy = (x) => (Array.isArray(x) ? [...x] : { ...x });
    const top = copy(root);
    let cur = top;
    const last = kind === "delete" ? p.length - 1 : p.length;
    for (let i = 0; i < last; i++) { cur[p[i]] = copy(cur[p[i]]); cur = cur[p[i]]; }
    const parentOf = () => { let x = top; for (let i = 0; i < p.length - 1; i++) x = x[p[i]]; return x; };
    if (kind === "delete") { if (Array.isArray(cur)) cur.splice(p[p.length - 1], 1); else delete cur[p[p.length - 1]]; return top; }
    const par = p.length ? parentOf() : null;
    const node = p.length ? par[p[p.length - 1]] : top;
    let v;
    if (kind === "half") v = node.slice(0, Math.floor(node.length / 2));
    else if (kind === "zero") v = 0;
    else if (kind === "firstHalf") v = node.slice(0, Math.ceil(node.length / 2));
    else if (kind === "secondHalf") v = node.slice(Math.ceil(node.length / 2));
    if (!p.length) return v;
    par[p[p.length - 1]] = v;
    return top;
  };
  let progress = true;
  while (progress && tries < budget && Date.now() < until) {
    progress = false;
    for (const [p, kind] of edits(best)) {
      if (tries++ >= budget || Date.now() > until) break;
      let cand;
      try { cand = apply(best, p, kind); } catch { continue; }
      if (fails(cand)) { best = cand; progress = true; break; }
    }
  }
  if (worlds) freeWorld(worlds);
  return best;
}

function saveFinding(f, args) {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, `finding-${f.seed}-${f.index}-${f.label.replace(/[^A-Za-z0-9.]+/g, "_")}.json`);
  let full = null;
  if (args) { full = encodeInput(args); }
  writeFileSync(file, JSON.stringify({
    seed: f.seed, index: f.index, target: f.target, label: f.label, kind: f.kind, error: f.error, stateAfter: f.stateAfter,
    reproduce: `node bench/fuzz_wasm.mjs --seed ${f.seed} --case ${f.index}`, minimal: f.minimal ?? null, input: full,
  }, null, 1) + "\n");
  return path.relative(ROOT, file);
}

// ---------------------------------------------------------------------------------------------
// The campaign: worker threads over strided case indices, a watchdog, the merged report.

/** Runs `cases` cases (indices from..from+cases) of `seed` in `jobs` workers; resolves to the report. */
export async function runCampaign({ seed = DEFAULT_SEED, cases = 1_000_000, from = 0, jobs = 2, only = null, hangMs = 30_000,
  slowMs = SLOW_MS, shrink: shrinkOn = true, save = true, progress = null, progressEvery = 1000 } = {}) {
  const t0 = Date.now();
  const digests = wasmDigests();
  const shared = new Int32Array(new SharedArrayBuffer(4 * 4 * jobs));
  const results = [];
  const crashes = [];
  const doneBySlot = new Array(jobs).fill(0);
  const runWorker = (slot, start, disabled) => new Promise((resolve) => {
    // Worker `slot` runs indices from+slot, from+slot+jobs, ... starting at `start`.
    Atomics.store(shared, slot * 4, -1);
    Atomics.store(shared, slot * 4 + 1, 0);
    const w = new Worker(SELF, { workerData: { fuzzWorker: true, seed, from, cases, jobs, slot, start, only, disabled, slowMs, shrink: shrinkOn, save, shared, progressEvery } });
    let last = null, finished = false, lastIndex = -1, lastBeat = -1, lastPhase = -1, lastChange = Date.now();
    const base = doneBySlot[slot];
    const watchdog = setInterval(() => {
      // Phase 1: a call of the engine (or a probe) runs; phase 2: the fuzzer's own generator
      // makes the next case's input (a stall there is the fuzzer's, never an export's hang).
      const i = Atomics.load(shared, slot * 4), beat = Atomics.load(shared, slot * 4 + 3), phase = Atomics.load(shared, slot * 4 + 1);
      if (i !== lastIndex || beat !== lastBeat || phase !== lastPhase) { lastIndex = i; lastBeat = beat; lastPhase = phase; lastChange = Date.now(); return; }
      const still = Date.now() - lastChange;
      if ((phase === 1 && still > hangMs) || (phase === 2 && still > 4 * hangMs)) {
        clearInterval(watchdog);
        finished = true;
        const r = killed(phase === 1 ? "hang" : "generator", { ms: still });
        w.terminate().then(() => resolve(r));
      }
    }, Math.max(20, Math.min(500, hangMs / 4)));
    const killed = (kind, extra) => {
      const i = Atomics.load(shared, slot * 4), tIdx = Atomics.load(shared, slot * 4 + 2);
      // The cases this worker ran (the last one included) whose stats did not arrive: counted as cases only.
      const ran = i >= start ? Math.floor((i - start) / jobs) + 1 : 0;
      const lost = Math.max(0, ran - ((last?.cases ?? 0) + (last?.skipped ?? 0)));
      const rec = { kind, slot, index: i, target: kind === "generator" ? null : TARGETS[tIdx]?.name, lost, ...extra };
      if (i >= 0) crashes.push(rec);
      return { restart: i, target: TARGETS[tIdx]?.name, last, rec };
    };
    w.on("message", (m) => {
      if (m.type === "progress") { doneBySlot[slot] = base + m.done; last = m.stats; if (progress) progress({ ...m, total: doneBySlot.reduce((a, b) => a + b, 0) }); }
      else if ((m.type === "finding" || m.type === "log") && progress) progress(m);
      else if (m.type === "done") { finished = true; clearInterval(watchdog); last = m.stats; doneBySlot[slot] = base + m.done; resolve({ last }); }
    });
    w.on("error", (e) => {
      if (finished) return;
      finished = true; clearInterval(watchdog);
      resolve(killed("crash", { error: `${errName(e)}: ${errMessage(e)}` }));
    });
    w.on("exit", (code) => {
      if (finished) return;
      finished = true; clearInterval(watchdog);
      resolve(killed("exit", { error: `worker exited with code ${code}` }));
    });
  });
  await Promise.all(Array.from({ length: jobs }, async (_, slot) => {
    let start = from + slot, disabled = [], failedStarts = 0;
    for (;;) {
      const r = await runWorker(slot, start, disabled);
      if (r.last) results.push(r.last);
      if (r.restart === undefined) break;
      if (r.restart < 0) {
        // The worker died before its first case: pkg/ being rebuilt (its files missing for a
        // while)? Try again from the same case, a few times.
        if (++failedStarts > 20) { crashes.push({ ...r.rec, index: start, error: `a worker could not start 20 times (is pkg/ built?): ${r.rec.error}` }); break; }
        await new Promise((res) => setTimeout(res, 15_000));
        continue;
      }
      failedStarts = 0;
      // The case that hung or killed the worker is a finding; its target's campaign stops.
      start = r.restart + jobs;
      if (r.target) disabled = [...new Set([...disabled, r.target, ...(r.last?.disabled ?? [])])];
      if (start >= from + cases) break;
    }
  }));
  return mergeResults({ seed, cases, from, jobs, only, results, crashes, wallMs: Date.now() - t0, digests, slowMs });
}

function mergeResults({ seed, cases, from, jobs, only, results, crashes, wallMs, digests, slowMs }) {
  const out = stats();
  for (const s of results) {
    for (const k of ["cases", "skipped", "user", "slowCount", "probes", "probeFailures", "reloads", "genErrors"]) out[k] += s[k];
    for (const k of ["calls", "ok", "errors", "userBy"]) for (const [l, n] of Object.entries(s[k])) inc(out[k], l, n);
    for (const [l, codes] of Object.entries(s.codes)) { out.codes[l] ??= {}; for (const [c, n] of Object.entries(codes)) inc(out.codes[l], c, n); }
    for (const [l, ms] of Object.entries(s.maxMs)) out.maxMs[l] = Math.max(out.maxMs[l] ?? 0, ms);
    out.slow.push(...s.slow);
    out.slowest.push(...s.slowest);
    out.disabled.push(...s.disabled);
    for (const b of s.builds ?? []) if (!out.builds.includes(b)) out.builds.push(b);
    for (const f of s.findings) {
      const same = out.findings.find((g) => g.signature === f.signature);
      if (same) same.count += f.count; else out.findings.push({ ...f });
    }
  }
  for (const c of crashes) {
    out.cases += c.lost;
    out.lostStats = (out.lostStats ?? 0) + c.lost;
    const label = c.target ?? "the fuzzer's generator";
    const same = out.findings.find((g) => g.signature === `${label} ${c.kind}`);
    if (same) { same.count++; continue; }
    const message = c.error ?? (c.kind === "generator" ? `the fuzzer made no progress for ${c.ms} ms making the case's input (no call of the engine ran)` : `no progress for ${c.ms} ms`);
    out.findings.push({ kind: c.kind, label, target: c.target, index: c.index, seed, count: 1,
      signature: `${label} ${c.kind}`, error: { name: c.kind, message },
      reproduce: `node bench/fuzz_wasm.mjs --seed ${seed} --case ${c.index}` });
    if (c.target) out.disabled.push(c.target);
  }
  out.slowest.sort((a, b) => b.ms - a.ms);
  out.slowest = out.slowest.slice(0, 10);
  out.slow.sort((a, b) => a.index - b.index);
  out.disabled = [...new Set(out.disabled)];
  return { seed, requested: cases, from, jobs, only, wallMs, digests, slowMs, node: process.version, ...out };
}

/** The report as text. */
export function formatReport(rep) {
  const L = [];
  const n = (x) => x.toLocaleString("en-US");
  L.push(`offerwise wasm fuzzing: seed ${rep.seed}, case indices ${n(rep.from)}..${n(rep.from + rep.requested)} (${n(rep.requested)}), ${rep.jobs} worker(s), ${(rep.wallMs / 1000).toFixed(1)} s wall, node ${rep.node}`);
  L.push(`wasm sha256: storefront ${rep.digests.store}, data ${rep.digests.data}${rep.builds.length > 1 ? ` (pkg/ was rebuilt during the run: the workers ran ${rep.builds.join(", ")})` : ""}`);
  L.push(`cases run ${n(rep.cases)}${rep.lostStats ? ` (of which ${n(rep.lostStats)} in killed workers, without their stats)` : ""} - skipped ${n(rep.skipped)} (targets stopped: ${rep.disabled.join(", ") || "none"}); probes ${n(rep.probes)} (${rep.probeFailures} failed); fresh instances ${rep.reloads}; user errors passed through ${n(rep.user)}`);
  if (rep.user) L.push(`user exceptions passed through (by export): ${Object.entries(rep.userBy).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  L.push("", "calls per export (ok / OfferwiseError / max ms):");
  const labels = Object.keys(rep.calls).filter((l) => !l.startsWith("case ")).sort((a, b) => rep.calls[b] - rep.calls[a]);
  for (const l of labels) L.push(`  ${l.padEnd(40)} ${n(rep.calls[l]).padStart(10)}  ${n(rep.ok[l] ?? 0).padStart(9)} / ${n(rep.errors[l] ?? 0).padStart(9)}  ${(rep.maxMs[l] ?? 0).toFixed(1).padStart(8)}`);
  L.push("", "cases per target:");
  const tl = Object.keys(rep.calls).filter((l) => l.startsWith("case ")).sort((a, b) => rep.calls[b] - rep.calls[a]);
  L.push("  " + tl.map((l) => `${l.slice(5)} ${n(rep.calls[l])}`).join(", "));
  L.push("", "errors by code (all exports):");
  const codes = {};
  for (const c of Object.values(rep.codes)) for (const [k, v] of Object.entries(c)) inc(codes, k, v);
  L.push("  " + Object.entries(codes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${n(v)}`).join(", "));
  L.push("", `findings (${rep.findings.length}):`);
  for (const f of rep.findings) {
    L.push(`  [${f.kind}] ${f.label} (target ${f.target}) x${f.count}: first at seed ${f.seed} case ${f.index}: ${f.error.name}: ${String(f.error.message).slice(0, 160)}`);
    if (f.stateAfter) L.push(`      instance afterwards: ${f.stateAfter}`);
    if (f.minimal !== undefined) L.push(`      minimal input: ${JSON.stringify(f.minimal).slice(0, 240)}`);
    if (f.file) L.push(`      saved: ${f.file}`);
  }
  const slowBy = {};
  for (const s of rep.slow) inc(slowBy, s.label);
  L.push("", `calls over ${rep.slowMs} ms: ${n(rep.slowCount)} (${Object.entries(slowBy).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}); the slowest:`);
  for (const s of rep.slowest) L.push(`  ${s.ms.toFixed(1).padStart(8)} ms  ${s.label} (case ${s.index}, input ~${n(s.size)} chars, ${s.outcome})`);
  return L.join("\n");
}

// ---------------------------------------------------------------------------------------------
// The worker side.

if (!isMainThread && workerData?.fuzzWorker) {
  const d = workerData;
  const fx = loadFixtures();
  const runner = new Runner({ seed: d.seed, fx, only: d.only, disabled: d.disabled, shrink: d.shrink, save: d.save, slowMs: d.slowMs,
    log: (m) => parentPort.postMessage({ type: "log", message: m }) });
  // pkg/ may be rebuilt while a campaign runs: the build each worker loaded is in the report.
  runner.st.builds = [Object.values(wasmDigests()).join("/")];
  const base = d.slot * 4;
  const targetIndex = new Map(TARGETS.map((t, i) => [t, i]));
  let count = 0, findings = 0;
  const end = d.from + d.cases;
  runner.onCase = (i, t) => { Atomics.store(d.shared, base + 2, targetIndex.get(t) ?? -1); Atomics.store(d.shared, base + 1, 1); };
  runner.heartbeat = () => Atomics.add(d.shared, base + 3, 1);
  for (let i = d.start; i < end; i += d.jobs) {
    Atomics.store(d.shared, base, i);
    Atomics.store(d.shared, base + 1, 2); // generating; onCase: calling
    runner.runCase(i);
    Atomics.store(d.shared, base + 1, 0);
    count++;
    if (runner.st.findings.length > findings) {
      for (const f of runner.st.findings.slice(findings)) parentPort.postMessage({ type: "finding", finding: { kind: f.kind, label: f.label, index: f.index, message: f.error.message.slice(0, 200) } });
      findings = runner.st.findings.length;
      // Stats with the finding now, in case the worker dies before the next progress.
      parentPort.postMessage({ type: "progress", slot: d.slot, done: count, stats: runner.st });
    }
    if (count % d.progressEvery === 0) parentPort.postMessage({ type: "progress", slot: d.slot, done: count, stats: runner.st });
  }
  parentPort.postMessage({ type: "done", done: count, stats: runner.st });
}
