// Inputs that cannot hurt the engine, through the built package in Node (issue 15): the limits
// answer `limit.exceeded` (100,000-deep JSON as text and as a JS object, an object whose JSON is
// longer than a JS string can be, a 5 MB model, a 17 MiB
// customer refused before it is copied into wasm memory, 100,000 orders decide and 100,001 do
// not), the same engine decides identically after each error; lenient mode leaves out what can
// be left out and reports it; a panic (a bug) is a typed `internal.panic` and the module starts
// afresh at the next call, refusing the objects of the old instance.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { Engine } from "offerwise";
import h from "./lib/harness.cjs";

const cjs = createRequire(import.meta.url)("offerwise");
const NOW = "1998-07-01T12:00:00Z";
const probe = { id: "probe", orders: [{ at: "1998-01-05", amount: 30 }, { at: "1998-03-10", amount: 55.5 }] };
const probeOptions = { now: NOW, cart: { amount: 40 } };

function engine() {
  return new Engine(h.modelText(), h.programText(), h.policyText());
}

function refused(fn, code, path) {
  try {
    fn();
  } catch (e) {
    assert.equal(e.name, "OfferwiseError", `${e.name}: ${e.message}`);
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.equal(e.path, path, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

function nestedArrays(depth) {
  return "[".repeat(depth) + "1" + "]".repeat(depth);
}

test("limits: deep JSON, large documents and long histories are limit.exceeded, and the engine decides as before", () => {
  h.requireBuilt();
  const e = engine();
  const before = JSON.stringify(e.decide(probe, probeOptions));
  // 100,000 levels as JSON text.
  const deepText = `{"id": "d", "attributes": {"x": ${nestedArrays(100_000)}}}`;
  const err = refused(() => e.decide(deepText, probeOptions), "limit.exceeded");
  assert.match(err.message, /nested more than 127 levels/);
  assert.ok(err.path.startsWith("attributes.x[0][0]"), err.path);
  // 100,000 levels as a JS object: JSON.stringify runs out of stack, a RangeError, read as the limit.
  let deep = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  refused(() => e.decide({ id: "d", attributes: { x: deep } }, probeOptions), "limit.exceeded");
  // An object whose JSON text is longer than a JS string can be (V8's RangeError "Invalid
  // string length", after about 512 MB of text): the size limit, not "too deep".
  const half = "y".repeat(2 ** 28);
  const long = refused(() => e.decide({ id: "h", attributes: { a: half, b: half } }, probeOptions), "limit.exceeded", "");
  assert.match(long.message, /longer as JSON than a JavaScript string can be: at most 16,777,216 bytes/);
  // 1,000 levels as an object: stringified, then refused by the reader.
  let mid = 1;
  for (let i = 0; i < 1_000; i++) mid = { a: mid };
  refused(() => e.decide({ id: "d", attributes: { x: mid } }, probeOptions), "limit.exceeded");
  // A 17 MiB customer string: refused from its length, before it is copied into wasm memory.
  const big = `{"id": "b", "attributes": {"note": "${"y".repeat(17 << 20)}"}}`;
  refused(() => e.decide(big, probeOptions), "limit.exceeded", "");
  // A 5 MB model.
  const model = JSON.parse(h.modelText());
  model.padding = "x".repeat(5_000_000);
  refused(() => new Engine(model, h.programText()), "limit.exceeded", "");
  // 100,000 orders decide; 100,001 do not.
  const orders = Array.from({ length: 100_000 }, (_, i) => ({ at: 883_612_800_000 + i * 60_000, amount: (i % 97) + 0.5 }));
  const many = e.decide({ id: "many", orders }, probeOptions);
  assert.equal(many.customerId, "many");
  orders.push({ at: 883_612_800_000, amount: 1 });
  const over = refused(() => e.decide({ id: "many", orders }, probeOptions), "limit.exceeded", "orders");
  assert.match(over.message, /100,001 orders: at most 100,000/);
  // A 1 MB condition pattern.
  refused(() => cjs.evalCondition({ name: "x" }, { name: { $regex: "x".repeat(1 << 20) } }), "limit.exceeded", "name.$regex");
  assert.equal(JSON.stringify(e.decide(probe, probeOptions)), before, "the engine decides as before after every refusal");
  e.free();
});

test("an error names a caller's long text by its start and length: a 16 MB key gives a short message (found by the wasm fuzzing)", async () => {
  h.requireBuilt();
  const { Experiments } = await import("offerwise");
  const program = JSON.parse(h.programText());
  const huge = "x".repeat(16_000_000);
  const short = (err, path) => {
    assert.ok(err.message.length < 400, `${err.message.length} characters: ${err.message.slice(0, 300)}`);
    assert.ok(err.path.length < 120, err.path.slice(0, 200));
    if (path !== undefined) assert.equal(err.path, path);
    return err;
  };
  // Experiments.assign took half a second for a 1 MB key, most of it quoting the key.
  const xs = new Experiments(program, h.NOW);
  const e1 = short(refused(() => xs.assign(huge, "c1"), "options.invalid"), "key");
  assert.ok(e1.message.includes(`no experiment "${"x".repeat(32)}"… (16000000 bytes)`), e1.message);
  xs.free();
  // A forced variant of no experiment: the path names the key short too.
  const e = engine();
  const before = JSON.stringify(e.decide(probe, probeOptions));
  short(refused(() => e.decide(probe, { ...probeOptions, forceVariants: { [huge]: "a" } }), "options.invalid"), `forceVariants.${"x".repeat(32)}… (16000000 bytes)`);
  // An unknown field (serde's message) and an unknown operator.
  short(refused(() => e.decide({ ...probe, [huge]: 1 }, probeOptions), "customer.invalid"));
  short(refused(() => cjs.evalCondition({ a: 1 }, { a: { [`$${huge}`]: 1 } }), "condition.unknown_operator"));
  assert.equal(JSON.stringify(e.decide(probe, probeOptions)), before);
  e.free();
});

test("lenient mode leaves out what can be left out, reports each part, and decides as strict mode would without it", () => {
  const e = engine();
  const customer = {
    id: "c", orders: [
      { at: "1998-01-05", amount: 30 },
      { at: "1998-07-01T12:04:00Z", amount: 12 },            // 4 minutes after now: a skewed clock
      { at: "1998-03-10", amount: 55.5, coupon: "SPRING" },  // a field this version does not know
      { at: "1998-04-01", amount: -5 },                      // does not check
    ],
    loyalty: { operations: "none" },                         // does not read
    nickname: "Jo",
  };
  const options = { now: NOW, lenient: true, cart: { amount: 40 }, referrer: "mail", context: { page: 7 } };
  const d = e.decide(customer, options);
  assert.deepEqual(d.warnings.map((w) => [w.code, w.path]).sort(), [
    ["customer.order_skipped", "orders[1]"],
    ["customer.order_skipped", "orders[3]"],
    ["customer.section_skipped", "loyalty"],
    ["customer.unknown_field", "nickname"],
    ["customer.unknown_field", "orders[2].coupon"],
    ["options.section_skipped", "context"],
    ["options.unknown_field", "referrer"],
  ]);
  assert.ok(d.warnings.every((w) => w.message.startsWith("left out: ")));
  const { warnings, ...decision } = d;
  const strict = e.decide({ id: "c", orders: [customer.orders[0], { at: "1998-03-10", amount: 55.5 }] }, { now: NOW, cart: { amount: 40 } });
  assert.deepEqual(decision, strict, "the lenient decision is the strict one of what was left");
  assert.equal(warnings.length, 7);
  // Strict is the default: the same input is an error, and strict results carry no warnings.
  refused(() => e.decide(customer, { now: NOW }), "customer.invalid", "orders[2].coupon");
  assert.equal("warnings" in e.decide(probe, probeOptions), false);
  assert.equal("warnings" in e.decide(probe, { ...probeOptions, lenient: true }), true);
  refused(() => e.decide(probe, { ...probeOptions, lenient: "yes" }), "options.invalid", "lenient");
  // What a decision cannot do without still fails.
  refused(() => e.decide({ orders: [] }, { now: NOW, lenient: true }), "customer.invalid");
  refused(() => e.decide(probe, { now: "tomorrow", lenient: true }), "options.invalid", "now");
  // Prepared customers: the page views report the preparation's warnings and their own.
  const me = e.prepare(customer, { now: NOW, lenient: true });
  const view = me.pageView({ now: NOW, cart: { amount: 40 }, context: { page: 7 } });
  assert.deepEqual(view.warnings.map((w) => w.path), ["orders[2].coupon", "loyalty", "nickname", "orders[1]", "orders[3]", "context"]);
  me.free();
  e.free();
});

test("a panic is a typed internal.panic, the module starts afresh, objects of the old instance are refused", () => {
  const e = engine();
  const before = JSON.stringify(e.decide(probe, probeOptions));
  const me = e.prepare(probe, { now: NOW });
  const err = refused(() => cjs.__panicForTests(), "internal.panic", "");
  assert.match(err.message, /a deliberate panic, for the tests of the panic hook/);
  assert.match(err.message, /src\/wasm\/mod\.rs:\d+/);
  // The old instance's objects: refused, never read in the new instance's memory.
  assert.throws(() => e.decide(probe, probeOptions), /stale object/);
  assert.throws(() => me.pageView(probeOptions), /stale object/);
  // A new engine decides as the old one did; a second panic is typed as the first.
  const again = engine();
  assert.equal(JSON.stringify(again.decide(probe, probeOptions)), before);
  refused(() => cjs.__panicForTests(), "internal.panic");
  const third = engine();
  assert.equal(JSON.stringify(third.decide(probe, probeOptions)), before);
  assert.equal(cjs.evalCondition({ a: 1 }, { a: 1 }), true);
  third.free();
});

test("a caller's own value that throws midway leaves the objects usable (found by the wasm fuzzing)", async () => {
  const data = await import("offerwise/data");
  const e = new data.Engine(h.modelText(), h.programText(), h.policyText());
  const before = JSON.stringify(e.decide(probe, probeOptions));
  const columns = { ids: ["a"], customer: [0], at: [8.5e11], amount: [1] };
  const hostile = new Proxy(["a"], { get(t, k) { if (typeof k !== "symbol") throw new Error("x"); return t[k]; } });
  const revoked = Proxy.revocable([0], {});
  revoked.revoke();
  const getter = [8.5e11];
  Object.defineProperty(getter, 0, { get() { throw new Error("no access"); } });
  // The caller's arrays are copied by Array.from before anything reads them: what they throw
  // is a typed error at the column, and the engine is not left borrowed.
  const err = refused(() => e.decideColumns({ ...columns, ids: hostile }, { now: "1998-07-01" }), "orders.invalid", "ids");
  assert.match(err.message, /cannot read the array: x/);
  refused(() => e.decideColumns({ ...columns, customer: revoked.proxy }, { now: "1998-07-01" }), "orders.invalid", "customer");
  refused(() => e.decideColumns({ ...columns, at: getter }, { now: "1998-07-01" }), "orders.invalid", "at");
  refused(() => e.decideColumns({ ...columns, amount: new Proxy(new Float64Array([1]), {}) }, { now: "1998-07-01" }), "orders.invalid", "amount");
  refused(() => e.effectiveness({ decisions: hostile, members: [] }, {}), "decision.invalid", "");
  e.setPolicy(null);
  e.setPolicy(h.policyText());
  assert.equal(JSON.stringify(e.decide(probe, probeOptions)), before);
  assert.equal(e.decideColumns(columns, { now: "1998-07-01" }).offers.length >= 0, true);
  e.free(); // refused while wasm-bindgen still held the borrow an uncaught exception left
  assert.throws(() => e.decide(probe, probeOptions), /null pointer|freed|moved/);
  const c = new cjs.Conditions([{ a: 1 }]);
  refused(() => c.evalAllBytes(new Proxy(new Uint8Array([123, 125]), {})), "attributes.invalid");
  assert.deepEqual([...c.evalAllBytes(new TextEncoder().encode('{"a": 1}'))], [1]);
});

test("results hold only numbers JavaScript holds exactly (found by the wasm fuzzing)", () => {
  // 10^13 spent at 65,536 points per unit is 6.6 × 10^17 points: beyond 2^53 − 1, a typed
  // loyalty.overflow natively and here (it was a bare Error: the result could not be built).
  const input = (amount) => ({ rules: { earn: { pointsPerUnit: 65536 } }, cart: { amount }, now: "2024-06-15T12:00:00Z" });
  const err = refused(() => cjs.evaluateLoyalty(input(1e13)), "loyalty.overflow");
  assert.match(err.message, /2\^53/);
  assert.equal(cjs.evaluateLoyalty(input(1e11)).quote.earn.points, 6_553_600_000_000_000);
});

test("a typed array that lies about itself is read by its internal slots, and nothing is left borrowed", async () => {
  const data = await import("offerwise/data");
  // The caller's code runs wherever a property of its typed array is read: an own `length`, a
  // `constructor` getter, a prototype replaced by a Proxy (which `instanceof` walks). The
  // engine recognises a typed array by its internal slot and copies it by a constructor that
  // reads the slots only (src/wasm/caller.rs), so each is read as it is.
  const lying = (a, how) => {
    if (how === "long") Object.defineProperty(a, "length", { value: a.length + 1000 });
    if (how === "short") Object.defineProperty(a, "length", { value: 0 });
    if (how === "throws") Object.defineProperty(a, "length", { get() { throw new Error("length"); } });
    if (how === "constructor") Object.defineProperty(a, "constructor", { get() { throw new Error("constructor"); } });
    if (how === "prototype") Object.setPrototypeOf(a, new Proxy(Object.getPrototypeOf(a), { getPrototypeOf() { throw new Error("prototype"); }, get() { throw new Error("get"); } }));
    return a;
  };
  const detached = (a) => { structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
  const e = new data.Engine(h.modelText(), h.programText(), h.policyText());
  const columns = () => ({ ids: ["a", "b"], customer: new Uint32Array([0, 1]), at: new Float64Array([8.5e11, 8.6e11]), amount: new Float64Array([10, 20.5]) });
  const honest = JSON.stringify(e.decideColumns(columns(), { now: NOW }));
  for (const how of ["long", "short", "throws", "constructor", "prototype"]) {
    for (const col of ["customer", "at", "amount"]) {
      const cols = columns();
      lying(cols[col], how);
      assert.equal(JSON.stringify(e.decideColumns(cols, { now: NOW })), honest, `${col}: ${how}`);
    }
  }
  // Other typed arrays of numbers are converted exactly; a DataView, BigInts and a detached
  // buffer are refused at their column.
  assert.equal(JSON.stringify(e.decideColumns({ ...columns(), amount: new Float32Array([10, 20.5]) }, { now: NOW })), honest);
  refused(() => e.decideColumns({ ...columns(), amount: new DataView(new ArrayBuffer(16)) }, { now: NOW }), "orders.invalid", "amount");
  const big = refused(() => e.decideColumns({ ...columns(), at: new BigUint64Array([1n, 2n]) }, { now: NOW }), "orders.invalid", "at");
  assert.match(big.message, /BigUint64Array holds BigInts/);
  const gone = refused(() => e.decideColumns({ ...columns(), customer: detached(new Uint32Array([0, 1])) }, { now: NOW }), "orders.invalid", "customer");
  assert.match(gone.message, /cannot read the typed array: .*detached/i);
  const goneAt = refused(() => e.decideColumns({ ...columns(), at: detached(new Float64Array([1, 2])) }, { now: NOW }), "orders.invalid", "at");
  assert.match(goneAt.message, /cannot read the typed array: .*detached/i);
  // A thrown value that is itself hostile (a Proxy whose every trap throws) is still read.
  const nasty = new Proxy({}, { get() { throw nasty; }, getPrototypeOf() { throw nasty; } });
  const ids = new Proxy(["a", "b"], { get(t, k) { if (typeof k !== "symbol") throw nasty; return t[k]; } });
  refused(() => e.decideColumns({ ...columns(), ids }, { now: NOW }), "orders.invalid", "ids");
  assert.equal(JSON.stringify(e.decideColumns(columns(), { now: NOW })), honest);
  e.free();

  // Conditions.evalAllBytes (the storefront build) and the data build's transaction files.
  const c = new cjs.Conditions([{ a: 1 }, { a: 2 }]);
  const bytes = () => new TextEncoder().encode('{"a": 2}');
  for (const how of ["long", "short", "throws", "constructor", "prototype"]) {
    assert.deepEqual([...c.evalAllBytes(lying(bytes(), how))], [0, 1], how);
  }
  assert.deepEqual([...c.evalAllBytes(Buffer.from('{"a": 1}'))], [1, 0]);
  refused(() => c.evalAllBytes(detached(bytes())), "attributes.invalid");
  refused(() => c.evalAllBytes(new DataView(bytes().buffer)), "attributes.invalid");
  refused(() => c.evalAllBytes(new Uint16Array(4)), "attributes.invalid");
  // Attributes as text or bytes have the documents' 16 MiB limit.
  const huge = '{"a": "' + "x".repeat(16 << 20) + '"}';
  refused(() => c.evalAllJson(huge), "limit.exceeded");
  refused(() => c.evalAllBytes(new TextEncoder().encode(huge)), "limit.exceeded");
  refused(() => c.evalAll(huge), "limit.exceeded");
  assert.deepEqual([...c.evalAllBytes(bytes())], [0, 1]);
  c.free();
  const csv = "customer,date,amount\n1,1997-01-01,10\n2,1997-02-01,20\n";
  const want = JSON.stringify(data.customerFeatures(csv, { now: NOW }));
  for (const how of ["long", "short", "throws", "constructor", "prototype"]) {
    assert.equal(JSON.stringify(data.customerFeatures(lying(new TextEncoder().encode(csv), how), { now: NOW })), want, how);
  }
  assert.equal(JSON.stringify(data.customerFeatures(new TextEncoder().encode(csv).buffer, { now: NOW })), want);
  const buffer = new TextEncoder().encode(csv).buffer;
  Object.setPrototypeOf(buffer, new Proxy(ArrayBuffer.prototype, { get() { throw new Error("get"); } }));
  assert.equal(JSON.stringify(data.customerFeatures(buffer, { now: NOW })), want);
  refused(() => data.customerFeatures(detached(new TextEncoder().encode(csv)), { now: NOW }), "orders.invalid");
  refused(() => data.customerFeatures(new DataView(new ArrayBuffer(4)), { now: NOW }), "orders.invalid");
});
