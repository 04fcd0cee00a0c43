// The columnar batch path (engine.decideColumns, issue 12): many customers in one call from
// packed columns, results as typed arrays. Every CDNOW customer's cells equal its single
// decision (engine.decide on the customer document with the same orders), rows in any order;
// a customer in error is listed with its row and the rest decided; columns that do not fit
// throw with their path and leave the engine usable. tests/batch.rs checks the same natively.
import { test } from "node:test";
import assert from "node:assert/strict";
import h from "./lib/harness.cjs";
import { Engine } from "offerwise/data";

h.requireBuilt();
const NOW = "1998-07-01";

/** CDNOW customers as packed columns, rows in reverse file order. */
function columnsOf(customers) {
  const rows = [];
  customers.forEach((c, i) => c.orders.forEach((o) => rows.push([i, Date.parse(o.at), o.amount])));
  rows.reverse();
  return {
    ids: customers.map((c) => c.id),
    customer: Uint32Array.from(rows, (r) => r[0]),
    at: Float64Array.from(rows, (r) => r[1]),
    amount: Float64Array.from(rows, (r) => r[2]),
  };
}

/** The documents with the same orders as the columns (a customer's orders reversed). */
const docsOf = (customers) =>
  customers.map((c) => ({ id: c.id, orders: c.orders.map((o) => ({ at: Date.parse(o.at), amount: o.amount })).reverse() }));

const nan = (x) => (x === null || x === undefined ? NaN : x);
const same = (a, b) => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

/** Customer i's cells of `r` as the single decision `d` has them. */
function rowDiffers(r, i, d) {
  const want = {
    segment: d.segment === null ? -1 : d.segment.id,
    pAlive: nan(d.clv?.pAlive), churnRisk: nan(d.clv?.churnRisk), expectedPurchases: nan(d.clv?.expectedPurchases),
    clv: nan(d.clv?.clv), frequency: d.features.frequency, recencyDays: nan(d.features.recencyDays),
    monetary: d.features.monetary, totalSpend: d.features.totalSpend,
    pointsBalance: d.loyalty.ledger.balance, pointsAvailable: d.loyalty.ledger.available,
    heldOut: d.holdout?.heldOut ? 1 : 0,
  };
  for (const [k, v] of Object.entries(want)) if (!same(r[k][i], v)) return `${k}: ${r[k][i]} != ${v}`;
  const tier = r.tier[i] < 0 ? null : r.tiers[r.tier[i]];
  if (tier !== (d.loyalty.tier?.id ?? null)) return `tier ${tier}`;
  const shown = [...r.offers.subarray(i * r.offerSlots, (i + 1) * r.offerSlots)].filter((c) => c >= 0).map((c) => r.offerIds[c]);
  if (JSON.stringify(shown) !== JSON.stringify(d.offers.map((o) => o.id))) return `offers ${shown}`;
  for (const [e, x] of r.experiments.entries()) {
    const code = r.variants[i * r.experiments.length + e];
    const got = code < 0 ? null : x.variants[code];
    const a = d.experiments.find((y) => y.key === x.key);
    if (got !== (a?.variant ?? null)) return `${x.key}: ${got}`;
  }
  return null;
}

test("every CDNOW customer's columns equal its single decision", () => {
  const engine = new Engine(h.modelText(), h.programText(), h.policyText());
  const customers = h.customers(23570);
  const cols = columnsOf(customers);
  const r = engine.decideColumns(cols, { now: NOW });
  assert.equal(r.len, customers.length);
  assert.deepEqual(r.errors, []);
  assert.ok(r.segment instanceof Int32Array && r.pAlive instanceof Float64Array && r.heldOut instanceof Uint8Array);
  assert.ok(r.offerSlots >= 1 && r.offers.length === r.len * r.offerSlots);
  const docs = docsOf(customers);
  const differ = [];
  for (const [i, doc] of docs.entries()) {
    const why = rowDiffers(r, i, engine.decide(doc, { now: NOW }));
    if (why) differ.push(`${doc.id}: ${why}`);
  }
  assert.deepEqual(differ.slice(0, 5), [], `${differ.length} customers differ`);
  // Plain arrays give the same columns as typed arrays.
  const some = customers.slice(0, 300);
  const typed = columnsOf(some);
  const plain = { ids: typed.ids, customer: [...typed.customer], at: [...typed.at], amount: [...typed.amount] };
  assert.deepEqual(engine.decideColumns(plain, { now: NOW }), engine.decideColumns(typed, { now: NOW }));
});

test("a customer in error is listed with its row; the others are decided", () => {
  const engine = new Engine(h.modelText(), h.programText());
  const customers = h.customers(2000);
  const cols = columnsOf(customers);
  const early = { now: "1997-06-01" };
  const r = engine.decideColumns(cols, early);
  const docs = docsOf(customers);
  let failing = 0;
  for (const [i, doc] of docs.entries()) {
    let single;
    try {
      single = engine.decide(doc, early);
    } catch (e) {
      failing++;
      const err = r.errors.find((x) => x.index === i);
      assert.ok(err, `customer ${doc.id} fails alone but not in the batch`);
      assert.deepEqual([err.customerId, err.code, err.path, err.message], [doc.id, e.code, e.path, e.message]);
      assert.equal(cols.customer[err.row], i);
      assert.ok(cols.at[err.row] > Date.parse("1997-06-01"));
      assert.equal(r.segment[i], -1);
      assert.ok(Number.isNaN(r.totalSpend[i]));
      continue;
    }
    assert.equal(rowDiffers(r, i, single), null, doc.id);
  }
  assert.ok(failing > 100);
  assert.equal(r.errors.length, failing);
});

test("categories become order lines", () => {
  const engine = new Engine(h.modelText(), h.programText());
  const jan = Date.parse("1997-01-01"), day = 86400000;
  const r = engine.decideColumns({
    ids: ["a", "b"], customer: [0, 1, 0], at: [jan, jan + day, jan + 40 * day], amount: [20, 35.5, 12],
    category: [0, null, 1], categories: ["jazz", "rock"],
  }, { now: NOW });
  const a = engine.decide({ id: "a", orders: [
    { at: jan, amount: 20, items: [{ category: "jazz", price: 20 }] },
    { at: jan + 40 * day, amount: 12, items: [{ category: "rock", price: 12 }] }] }, { now: NOW });
  assert.equal(rowDiffers(r, 0, a), null);
  assert.ok("rock" in a.features.categoryShares);
});

test("columns that do not fit throw with their path, and the engine keeps deciding", () => {
  const engine = new Engine(h.modelText(), h.programText());
  const good = { ids: ["a"], customer: [0], at: [Date.parse("1997-03-01")], amount: [10] };
  const before = engine.decideColumns(good, { now: NOW });
  const bad = [
    [undefined, "", "columns are missing"],
    [{ ...good, ids: undefined }, "ids", "missing"],
    [{ ...good, ids: [7] }, "ids[0]", "not a string"],
    [{ ...good, customer: [1] }, "customer[0]", "1 is not an index of ids (1 ids)"],
    [{ ...good, customer: [-1] }, "customer[0]", "not an index"],
    [{ ...good, customer: "0" }, "customer", "not a Uint32Array"],
    [{ ...good, at: ["1997-03-01"] }, "at[0]", "not a number"],
    [{ ...good, at: [NaN] }, "at[0]", "NaN is not a time"],
    [{ ...good, at: new BigInt64Array([1n]) }, "at", "cannot read the typed array: a BigInt64Array holds BigInts"],
    [{ ...good, amount: [1, 2] }, "amount", "2 rows, but customer has 1"],
    [{ ...good, category: [3], categories: ["jazz"] }, "category[0]", "3 is not an index of categories"],
  ];
  for (const [cols, path, words] of bad) {
    assert.throws(() => engine.decideColumns(cols, { now: NOW }), (e) => {
      assert.equal(e.name, "OfferwiseError");
      assert.equal(e.code, "orders.invalid", e.message);
      assert.equal(e.path, path, e.message);
      assert.ok(e.message.includes(words), e.message);
      return true;
    });
  }
  assert.throws(() => engine.decideColumns(good, { now: "yesterday" }), (e) => e.code === "options.invalid");
  assert.deepEqual(engine.decideColumns(good, { now: NOW }), before);
});
