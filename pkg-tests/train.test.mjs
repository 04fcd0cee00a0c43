// `customerFeatures()` and `train()` of the data build: the transaction reader, the features
// and the training of `offerwise train`, in wasm (the dashboard trains in the page with them).
// The same file, `now` and seed give the CLI's model: segments, sizes, fingerprint and
// version exactly, numbers to the last few bits (the native and wasm `ln`/`exp` may round a
// last bit differently). Bad input is an OfferwiseError with its code and path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { customerFeatures, train, Engine } from "offerwise/data";

h.requireBuilt();
mkdirSync(h.WORK, { recursive: true });

const SAMPLE = path.join(h.ROOT, "data", "cdnow", "CDNOW_sample.txt");
const MASTER_TEXT = readFileSync(h.CDNOW, "utf8");

/** Numbers equal to 1e-9 relative, everything else equal; the first difference is named. */
function assertClose(actual, expected, at = "$") {
  if (typeof expected === "number" && typeof actual === "number") {
    const scale = Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= 1e-9 * scale, `${at}: ${actual} vs ${expected}`);
    return;
  }
  if (expected === null || typeof expected !== "object") {
    assert.equal(actual, expected, at);
    return;
  }
  assert.equal(typeof actual, "object", `${at} is not an object`);
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${at}: keys`);
  for (const k of Object.keys(expected)) assertClose(actual[k], expected[k], `${at}.${k}`);
}

function cliModel(args) {
  const out = path.join(h.WORK, `train-${args.join("_").replace(/[^\w.-]+/g, "")}.json`);
  h.cli(["train", ...args, "--out", out]);
  return JSON.parse(readFileSync(out, "utf8"));
}

test("train() on CDNOW with k = 4 gives the CLI's model, lifetime value included", () => {
  const expected = cliModel(["--orders", h.CDNOW, "--format", "cdnow", "--k", "4", "--now", h.NOW, "--name", "cdnow"]);
  const steps = [];
  const t = train(MASTER_TEXT, { now: h.NOW, format: "cdnow", k: 4, name: "cdnow", source: "CDNOW_master.txt (cdnow)" },
    (p) => steps.push(p));
  assert.deepEqual(steps, [{ step: "features", customers: 23570 }, { step: "cluster", k: 4, index: 0, count: 1 }, { step: "clv" }]);
  assert.equal(t.model.version, expected.version);
  assert.deepEqual(t.model.training.clusterSizes, expected.training.clusterSizes);
  assert.deepEqual(t.model.segments.map((s) => s.name), expected.segments.map((s) => s.name));
  assertClose(t.model, expected);
  // The rows: every customer clustered, each with its segment, sizes as the model's.
  assert.equal(t.customers, 23570);
  assert.equal(t.clustered, 23570);
  assert.equal(t.leftOut, 0);
  assert.equal(t.ids.length, 23570);
  assert.ok(t.segments instanceof Uint32Array);
  const sizes = [0, 0, 0, 0];
  for (const s of t.segments) sizes[s] += 1;
  assert.deepEqual(sizes, expected.training.clusterSizes);
  assert.equal(t.features.frequency.length, 23570);
  assert.equal(t.now, "1998-07-01T00:00:00Z");
  assert.equal(t.read.rows, 69659);
  // The model it trained decides.
  const engine = new Engine(t.model, h.programText());
  const [customer] = h.customers(1);
  const d = engine.decide(customer, { now: h.NOW });
  assert.equal(d.segment.name, t.model.segments[d.segment.id].name);
  engine.free();
});

test("train() with a range of k and no lifetime value gives the CLI's choice and per-k scores", () => {
  const text = readFileSync(SAMPLE, "utf8");
  const expected = cliModel(["--orders", SAMPLE, "--format", "cdnow", "--k-range", "3..5", "--now", h.NOW,
    "--seed", "7", "--no-clv", "--features", "recencyDays,frequency,monetary,tenureDays", "--name", "sample"]);
  const steps = [];
  const t = train(new TextEncoder().encode(text), { format: "cdnow", kRange: [3, 5], seed: 7, clv: false,
    features: ["recencyDays", "frequency", "monetary", "tenureDays"], name: "sample", source: "CDNOW_sample.txt (cdnow)" },
    (p) => steps.push(p.step === "cluster" ? `k=${p.k} ${p.index + 1}/${p.count}` : p.step));
  assert.deepEqual(steps, ["features", "k=3 1/3", "k=4 2/3", "k=5 3/3"]);
  assert.equal(t.now, "1998-07-01T00:00:00Z", "now defaults to the day after the last order");
  assert.equal(t.model.clv, undefined);
  assert.equal(t.model.version, expected.version);
  assertClose(t.model, expected);
});

test("customerFeatures() gives offerwise features' values for every customer", () => {
  const out = path.join(h.WORK, "features-sample.csv");
  h.cli(["features", "--orders", SAMPLE, "--format", "cdnow", "--now", h.NOW, "--out", out]);
  const [header, ...lines] = readFileSync(out, "utf8").trim().split("\n");
  const names = header.split(",").slice(1);
  const f = customerFeatures(readFileSync(SAMPLE, "utf8"), { format: "cdnow", now: h.NOW });
  assert.equal(f.customers, lines.length);
  assert.equal(f.ids.length, lines.length);
  assert.equal(f.now, "1998-07-01T00:00:00Z");
  for (const [i, line] of lines.entries()) {
    const [id, ...cells] = line.split(",");
    assert.equal(f.ids[i], id);
    for (const [j, n] of names.entries()) {
      const want = cells[j] === "" ? NaN : Number(cells[j]);
      assert.equal(f.features[n][i], want, `${id} ${n}`);
    }
  }
  // Undefined features are NaN: the mean days between purchases of a one-day customer.
  assert.ok(f.features.meanDaysBetweenPurchases.some(Number.isNaN));
});

test("bad files and options are OfferwiseErrors with code and path; the reader's report says what it read", () => {
  const csv = "customer_id,date,amount,channel\nc1,2024-01-05,12.5,web\nc1,2024-02-01,oops,web\nc2,2024-01-09,8,store\n";
  h.assertOfferwiseError(() => customerFeatures(csv, {}), { code: "orders.invalid_row", path: "line 3, column amount" }, "a bad amount");
  const f = customerFeatures(csv, { skipBadRows: true });
  assert.equal(f.customers, 2);
  assert.equal(f.read.skipped, 1);
  assert.equal(f.read.firstErrors[0].path, "line 3, column amount");
  assert.deepEqual(f.read.ignoredColumns, ["channel"]);
  assert.equal(f.now, "2024-01-10T00:00:00Z");
  h.assertOfferwiseError(() => customerFeatures(csv, { now: "2024-01-07", skipBadRows: true }),
    { code: "orders.invalid", path: /^customer 2 \(c2\) orders\[0\]/ }, "an order after now");
  const asOf = customerFeatures(csv, { now: "2024-01-07", skipBadRows: true, asOf: true });
  assert.deepEqual(asOf.read.asOfLeftOut, { rows: 1, orders: 1 });
  h.assertOfferwiseError(() => customerFeatures(csv, { asOf: true }), { code: "options.invalid", path: "asOf" }, "asOf without now");
  h.assertOfferwiseError(() => customerFeatures(42, {}), { code: "orders.invalid", path: "" }, "not a file");
  h.assertOfferwiseError(() => customerFeatures(csv, { format: "xlsx" }), { code: "options.invalid", path: "format" }, "format");
  h.assertOfferwiseError(() => customerFeatures(csv, { delimiter: "ab" }), { code: "options.invalid", path: "delimiter" }, "delimiter");
  h.assertOfferwiseError(() => customerFeatures(csv, { nw: "2024-01-01" }), { code: "options.invalid", path: /nw/ }, "a misspelt option");
  h.assertOfferwiseError(() => customerFeatures(MASTER_TEXT.slice(0, 2000), {}),
    { code: "orders.invalid_row", path: "line 1", message: /format: "cdnow"/ }, "CDNOW read as CSV");

  const good = "customer_id,date,amount\na,2024-01-05,10\nb,2024-01-06,20\nc,2024-01-07,30\n";
  h.assertOfferwiseError(() => train(good, { k: 4, kRange: [2, 3] }), { code: "options.invalid", path: "kRange" }, "k and kRange");
  h.assertOfferwiseError(() => train(good, { k: 1 }), { code: "options.invalid", path: "", message: /k must be between 2 and 50/ }, "k = 1");
  h.assertOfferwiseError(() => train(good, { k: 4, clv: false }), { code: "train.failed", path: "", message: /more than the 3 customers/ }, "k > customers");
  h.assertOfferwiseError(() => train(good, { k: 2, clvModel: "weibull" }), { code: "options.invalid", path: "clvModel" }, "clvModel");
  h.assertOfferwiseError(() => train(good, { k: 2, algorithm: "dbscan" }), { code: "options.invalid", path: "algorithm" }, "algorithm");
  h.assertOfferwiseError(() => train(good, { k: 2, features: ["recency"] }), { code: "options.invalid", path: "", message: /unknown feature "recency"/ }, "a feature");
  h.assertOfferwiseError(() => train(good, { k: 2 }), { code: /^clv\./, path: "" }, "too little data for lifetime value");
  // A progress callback that throws: training ends and its error is thrown, once.
  const boom = new Error("progress bar gone");
  let calls = 0;
  assert.throws(() => train(good, { k: 2, clv: false }, () => { calls += 1; throw boom; }), (e) => e === boom);
  assert.equal(calls, 1);
  // Nothing broke: the same call without the callback trains.
  assert.equal(train(good, { k: 2, clv: false }).model.segments.length, 2);
});
