// The CI slice of the wasm fuzzing campaign (issue 15): the code of the soak
// (bench/fuzz_wasm.mjs, a million cases) on 30,000 cases of a fixed seed, in two worker
// threads. Cases start from the repository's valid documents and mutate them (structure, types,
// extreme numbers, strings, dates, sizes, nesting, JSON text bytes), over every export of
// `offerwise` and `offerwise/data` that takes input (pkg-tests/lib/fuzz.mjs lists them).
//
// Asserted: (1) no trap and no exception other than an OfferwiseError (a hang or a dead worker
// counts as a trap); (2) every OfferwiseError has a code word.word, a string path and a message;
// (4) after each error code first seen and every 10,000 cases, the same instances answer the
// probe calls (a decision, a page view, conditions, experiments, loyalty, hashes) as at the
// start. Call times (3) are reported, not asserted: they depend on the machine.
//
// A failing case prints its seed and index; `node bench/fuzz_wasm.mjs --seed S --case I`
// replays it, and its input is in target/fuzz/.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MAX_MESSAGE, MAX_PATH, OUT_DIR, TARGETS, approxSize, classify, formatReport, runCampaign } from "./lib/fuzz.mjs";

const SEED = 20261015;
const CASES = 30_000;
let rep;

before(async () => {
  rep = await runCampaign({ seed: SEED, cases: CASES, jobs: 2, hangMs: 20_000 });
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(path.join(OUT_DIR, `ci-report-${SEED}.json`), JSON.stringify(rep, null, 1) + "\n");
  console.log(formatReport(rep));
}, { timeout: 600_000 });

const list = (fs) => fs.map((f) => `  ${f.kind} in ${f.label} (target ${f.target}) x${f.count}: seed ${f.seed} case ${f.index}: `
  + `${f.error.name}: ${String(f.error.message).slice(0, 200)}\n    minimal input: ${JSON.stringify(f.minimal ?? null).slice(0, 300)}`
  + `\n    replay: node bench/fuzz_wasm.mjs --seed ${f.seed} --case ${f.index}${f.file ? `; input: ${f.file}` : ""}`).join("\n");

test("every export that takes input was fuzzed", () => {
  const total = TARGETS.reduce((s, t) => s + t.weight, 0);
  const missing = TARGETS.filter((t) => CASES * t.weight / total >= 5 && !(rep.calls["case " + t.name] > 0) && !rep.disabled.includes(t.name));
  assert.deepEqual(missing.map((t) => t.name), []);
  assert.ok(rep.cases + rep.skipped === rep.requested && rep.requested === CASES, `${rep.cases} + ${rep.skipped} cases of ${CASES}`);
  assert.equal(rep.genErrors, 0, "the generators threw");
});

test("(1) no trap, no hang, no dead worker", () => {
  const fs = rep.findings.filter((f) => ["trap", "hang", "generator", "crash", "exit"].includes(f.kind));
  assert.ok(fs.length === 0, `${fs.length} trap(s):\n${list(fs)}`);
});

test("(1) no exception other than an OfferwiseError", () => {
  const fs = rep.findings.filter((f) => f.kind === "untyped");
  assert.ok(fs.length === 0, `${fs.length} exception(s) that are not OfferwiseErrors:\n${list(fs)}`);
});

test("(2) every OfferwiseError has a code word.word, a path and a message", () => {
  const fs = rep.findings.filter((f) => f.kind === "malformed");
  assert.ok(fs.length === 0, `${fs.length} malformed error(s):\n${list(fs)}`);
  assert.ok(Object.keys(rep.codes).length > 20, "too few exports threw: the mutations do not reach the checks");
});

test("an error that names a caller's text whole is malformed", () => {
  const err = (message, path) => Object.assign(new Error(message), { name: "OfferwiseError", code: "options.invalid", path });
  assert.deepEqual(classify(err("invalid options at key: no experiment \"x\"", "key")), { kind: "typed", code: "options.invalid" });
  const long = classify(err("x".repeat(MAX_MESSAGE + 1), "key"));
  assert.equal(long.kind, "malformed");
  assert.match(long.problems[0], /a message of 20481 characters/);
  assert.equal(classify(err("m", "k".repeat(MAX_PATH + 1))).kind, "malformed");
});

test("(4) after every error class the same instances answer the probe calls as before", () => {
  const fs = rep.findings.filter((f) => f.kind === "state");
  assert.ok(fs.length === 0, `${fs.length} probe difference(s):\n${list(fs)}`);
  assert.ok(rep.probes > 40, `${rep.probes} probes`);
});

test("(3) call times are reported (not asserted)", (t) => {
  t.diagnostic(`${rep.slowCount} call(s) over ${rep.slowMs} ms; the slowest: `
    + rep.slowest.slice(0, 5).map((s) => `${s.label} ${s.ms} ms (case ${s.index}, ~${s.size} chars)`).join("; "));
});

test("the harness measures a slow call's input without reading it through the caller's code", () => {
  // A Conditions.evalAllBytes call with a 3.6 MB Uint8Array whose prototype was a throwing
  // Proxy was slow on a busy machine; measuring it for the slow-call report threw, and the
  // fuzzer blamed the export.
  const hostile = () => new Proxy({}, { get() { throw new Error("get"); }, getPrototypeOf() { throw new Error("getPrototypeOf"); } });
  const lying = new Uint8Array(100);
  Object.setPrototypeOf(lying, hostile());
  const buffer = new ArrayBuffer(8);
  Object.setPrototypeOf(buffer, hostile());
  assert.equal(approxSize(lying), 100);
  // [ ] + the array's 100 bytes + "ab" + { "x": } and the buffer's 8 bytes
  assert.equal(approxSize([lying, "ab", { x: buffer }]), 2 + 100 + (2 + 2) + (2 + 4 + 8));
  assert.equal(approxSize(new DataView(new ArrayBuffer(5))), 5);
});
