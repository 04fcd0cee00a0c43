// Shared helpers of the package tests. CommonJS so that both the ESM tests (`import h from
// "./lib/harness.cjs"`) and the CJS test (`require`) use it; it never loads offerwise itself.
//
// The tests compare the built npm package with the native CLI (target/release/offerwise),
// which is the reference implementation of the same Rust core. They do not build anything:
// pkg-tests/run.sh builds the CLI and pkg/ first.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const util = require("node:util");

const ROOT = path.resolve(__dirname, "..", "..");
const PKG_TESTS = path.join(ROOT, "pkg-tests");
const WORK = path.join(PKG_TESTS, ".work");
/** The native CLI the package is compared with: target/release/offerwise, or the one
 * OFFERWISE_CLI names (`./scripts/dev test` passes the one `cargo test` built: the same code
 * at opt-level 2, the same answers, without building the release CLI again). */
const BIN = process.env.OFFERWISE_CLI ? path.resolve(ROOT, process.env.OFFERWISE_CLI) : path.join(ROOT, "target", "release", "offerwise");
const CDNOW = path.join(ROOT, "data", "cdnow", "CDNOW_master.txt");
const MODEL_PATH = path.join(ROOT, "models", "default.json");
const PROGRAM_PATH = path.join(ROOT, "models", "default-program.json");
/** The default policy: the CLI loads it with the default model and programme, so every
 * engine compared with the CLI loads it too. */
const POLICY_PATH = path.join(ROOT, "models", "default-policy.json");
/** The decision date every comparison uses: the day after the CDNOW data ends. */
const NOW = "1998-07-01";

function requireBuilt() {
  const missing = [];
  if (!fs.existsSync(BIN)) missing.push(`${BIN} (${process.env.OFFERWISE_CLI ? "OFFERWISE_CLI names a CLI that is not there" : "cargo build --release --features cli"})`);
  if (!fs.existsSync(path.join(ROOT, "pkg", "package.json"))) missing.push("pkg/ (scripts/build-wasm.sh)");
  if (!fs.existsSync(path.join(PKG_TESTS, "node_modules", "offerwise"))) missing.push("pkg-tests/node_modules/offerwise symlink (pkg-tests/run.sh)");
  if (missing.length) throw new Error("not built, run pkg-tests/run.sh first; missing: " + missing.join("; "));
}

/** Runs the CLI from the repository root; throws with its stderr when it fails. */
function cli(args, opts = {}) {
  try {
    return execFileSync(BIN, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"], ...opts });
  } catch (e) {
    throw new Error(`offerwise ${args.join(" ")} failed (exit ${e.status}): ${e.stderr || e.message}`);
  }
}

function isFresh(file, ...inputs) {
  if (!fs.existsSync(file)) return false;
  const t = fs.statSync(file).mtimeMs;
  return inputs.every((i) => !fs.existsSync(i) || fs.statSync(i).mtimeMs <= t);
}

function readJsonl(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    try { return JSON.parse(l); } catch (e) { throw new Error(`${file}:${i + 1}: ${e.message}`); }
  });
}

/** The first `limit` CDNOW customers as `offerwise customers` writes them (cached in .work/). */
function customers(limit) {
  fs.mkdirSync(WORK, { recursive: true });
  const out = path.join(WORK, `customers-${limit}.jsonl`);
  if (!isFresh(out, BIN, CDNOW)) {
    cli(["customers", "--orders", CDNOW, "--format", "cdnow", "--limit", String(limit), "--out", out + ".tmp"]);
    fs.renameSync(out + ".tmp", out);
  }
  const rows = readJsonl(out);
  if (rows.length !== limit) throw new Error(`offerwise customers --limit ${limit} wrote ${rows.length} customers`);
  return rows;
}

/** CLI decisions for every CDNOW customer at NOW with the default model and programme, by id. */
function cliDecisions() {
  fs.mkdirSync(WORK, { recursive: true });
  const out = path.join(WORK, `decisions-${NOW}.jsonl`);
  if (!isFresh(out, BIN, CDNOW, MODEL_PATH, PROGRAM_PATH, POLICY_PATH)) {
    cli(["score", "--orders", CDNOW, "--format", "cdnow", "--now", NOW, "--model", MODEL_PATH, "--program", PROGRAM_PATH,
      "--policy", POLICY_PATH, "--out", out + ".tmp"]);
    fs.renameSync(out + ".tmp", out);
  }
  const byId = new Map();
  for (const d of readJsonl(out)) {
    if (byId.has(d.customerId)) throw new Error(`offerwise score: customer ${d.customerId} appears twice`);
    byId.set(d.customerId, d);
  }
  return byId;
}

const modelText = () => fs.readFileSync(MODEL_PATH, "utf8");
const programText = () => fs.readFileSync(PROGRAM_PATH, "utf8");
const policyText = () => fs.readFileSync(POLICY_PATH, "utf8");

/**
 * The first place where `actual` differs from `expected` (JSON values), as
 * `{ path, actual, expected }`, or null when they are deeply and strictly equal.
 * `undefined` is not `null`, a missing key is not a key holding `undefined`, and numbers
 * must be identical (Object.is, so -0 is not 0).
 */
function firstDifference(actual, expected, at = "$") {
  if (Object.is(actual, expected)) return null;
  const kind = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : v instanceof Map ? "Map" : typeof v);
  if (kind(actual) !== kind(expected) || kind(actual) !== "array" && kind(actual) !== "object") {
    return { path: at, actual, expected };
  }
  if (kind(actual) === "array") {
    const n = Math.max(actual.length, expected.length);
    for (let i = 0; i < n; i++) {
      if (i >= actual.length || i >= expected.length) return { path: `${at}.length`, actual: actual.length, expected: expected.length };
      const d = firstDifference(actual[i], expected[i], `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (Object.getPrototypeOf(actual) !== Object.prototype && Object.getPrototypeOf(actual) !== null) {
    return { path: at, actual: `object with prototype ${actual.constructor && actual.constructor.name}`, expected: "plain object" };
  }
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const k of keys) {
    const p = /^[A-Za-z_$][\w$]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`;
    if (!(k in actual)) return { path: p, actual: "<missing key>", expected: expected[k] };
    if (!(k in expected)) return { path: p, actual: actual[k], expected: "<missing key>" };
    const d = firstDifference(actual[k], expected[k], p);
    if (d) return d;
  }
  return null;
}

/** Distance in units in the last place between two doubles (same sign assumed small). */
function ulpDistance(a, b) {
  const f = new Float64Array([a, b]);
  const i = new BigInt64Array(f.buffer);
  const d = i[0] > i[1] ? i[0] - i[1] : i[1] - i[0];
  return d > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(d);
}

/**
 * Every difference between two JSON values, for a summary when many customers differ:
 * [{ path (array indices as []), actual, expected }].
 */
function allDifferences(actual, expected, at = "$", out = []) {
  const d = firstDifference(actual, expected, at);
  if (!d) return out;
  const bothObjects = actual && expected && typeof actual === "object" && typeof expected === "object" &&
    Array.isArray(actual) === Array.isArray(expected) && (!Array.isArray(actual) || actual.length === expected.length);
  if (!bothObjects) { out.push({ path: at.replace(/\[\d+\]/g, "[]"), actual, expected }); return out; }
  for (const k of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    allDifferences(actual[k], expected[k], Array.isArray(actual) ? `${at}[${k}]` : `${at}.${k}`, out);
  }
  return out;
}

const show = (v) => util.inspect(v, { depth: 6, breakLength: 120 });

/** Throws an AssertionError naming the first difference; `what` says which comparison. */
function assertSameJson(actual, expected, what) {
  const d = firstDifference(actual, expected);
  if (d) {
    const err = new Error(`${what}: first difference at ${d.path}: got ${show(d.actual)}, expected ${show(d.expected)}`);
    err.name = "AssertionError";
    throw err;
  }
}

/** Asserts that `fn` throws an OfferwiseError with `code` and a `path` matching `path`. */
function assertOfferwiseError(fn, { code, path: wantPath, message }, what) {
  let thrown = null;
  let result;
  try { result = fn(); } catch (e) { thrown = e; }
  const fail = (m) => { const err = new Error(`${what}: ${m}`); err.name = "AssertionError"; throw err; };
  if (thrown === null) fail(`expected an OfferwiseError ${code}, but it returned ${show(result)}`);
  if (!(thrown instanceof Error)) fail(`threw a non-Error ${show(thrown)}`);
  if (thrown.name !== "OfferwiseError") fail(`error name is ${show(thrown.name)}, expected "OfferwiseError" (message: ${thrown.message})`);
  const codeOk = code instanceof RegExp ? typeof thrown.code === "string" && code.test(thrown.code) : thrown.code === code;
  if (!codeOk) fail(`error code is ${show(thrown.code)}, expected ${show(code)} (message: ${thrown.message})`);
  if (typeof thrown.path !== "string") fail(`error path is ${show(thrown.path)}, expected a string`);
  const pathOk = wantPath instanceof RegExp ? wantPath.test(thrown.path) : thrown.path === wantPath;
  if (!pathOk) fail(`error path is ${show(thrown.path)}, expected ${show(wantPath)} (message: ${thrown.message})`);
  if (typeof thrown.message !== "string" || thrown.message.trim() === "") fail("error message is empty");
  if (thrown.path !== "" && !thrown.message.includes(thrown.path)) fail(`message ${show(thrown.message)} does not say where (${thrown.path})`);
  if (message && !message.test(thrown.message)) fail(`message ${show(thrown.message)} does not match ${message}`);
  return thrown;
}

module.exports = {
  ROOT, PKG_TESTS, WORK, BIN, CDNOW, MODEL_PATH, PROGRAM_PATH, POLICY_PATH, NOW,
  requireBuilt, cli, customers, cliDecisions, readJsonl, modelText, programText, policyText,
  firstDifference, allDifferences, ulpDistance, assertSameJson, assertOfferwiseError, show,
};
