// A prepared customer (engine.prepare(customer, {now}) and prepared.decide(options), issue 12)
// decides exactly as a full decision does, and its lean prepared.pageView(options) is the page's
// part of that decision: CDNOW customers, at the prepared instant with and
// without a cart and a page context, carrying the sticky store from view to view, at a later
// instant, at an earlier one (an error where an order is then in the future, as in a full
// decision) and in another time zone. tests/prepared.rs checks the same natively.
import { test } from "node:test";
import assert from "node:assert/strict";
import h from "./lib/harness.cjs";
import { Engine, PreparedCustomer } from "offerwise";

h.requireBuilt();
const PREPARED_AT = "1998-07-01T10:00:00Z";
const VIEWS = [
  { now: PREPARED_AT },
  { now: PREPARED_AT, cart: { items: [{ category: "jazz", sku: "cd-1", price: 30, qty: 2 }] },
    context: { page: "cart", channel: "web", device: "mobile", country: "DE" } },
  { now: Date.parse("1998-07-04T18:30:00Z"), cart: { amount: 80 } },
  { now: "1997-06-01" },
  { now: PREPARED_AT, timeZoneOffsetMinutes: 600, cart: { amount: 55 } },
];

/** The page's part of a full decision: what `prepared.pageView` returns (src/engine.rs). */
function pagePart(d) {
  const page = { customerId: d.customerId, now: d.now, offers: d.offers, leftOut: d.leftOut,
    experiments: d.experiments };
  for (const k of ["holdout", "assignments", "assignmentsError"]) if (k in d) page[k] = d[k];
  return { ...page, tier: d.loyalty.tier ? d.loyalty.tier.id : null,
    points: { balance: d.loyalty.ledger.balance, available: d.loyalty.ledger.available },
    quote: d.loyalty.quote, nudges: d.nudges, log: d.log };
}

/** What a call gives, as text: the decision's JSON, or the error's code, path and message. */
function outcome(f) {
  try {
    return JSON.stringify(f());
  } catch (e) {
    assert.equal(e.name, "OfferwiseError", String(e));
    return `error ${e.code} at ${e.path}: ${e.message}`;
  }
}

// Every CDNOW customer in the soak (`OFFERWISE_SOAK=1`, ./scripts/dev soak: 79 s), one in four
// in the test command (tests/prepared.rs checks every customer natively on each run).
const EVERY = process.env.OFFERWISE_SOAK === "1";

test(`prepared decisions equal full decisions for ${EVERY ? "every CDNOW customer" : "one CDNOW customer in four"}`, () => {
  const engine = new Engine(h.modelText(), h.programText(), h.policyText());
  const all = h.customers(23570);
  // Exactly the customers with an order after 1997-06-01 fail the earlier view (tests/prepared.rs).
  const later = (c) => c.orders.some((o) => o.at > "1997-06-01");
  assert.equal(all.filter(later).length, 8817);
  const customers = EVERY ? all : all.filter((_, i) => i % 4 === 0);
  let errors = 0;
  let differ = [];
  for (const c of customers) {
    const me = engine.prepare(c, { now: PREPARED_AT });
    assert.ok(me instanceof PreparedCustomer);
    let sticky;
    for (const [k, view] of VIEWS.entries()) {
      const options = sticky ? { ...view, assignments: sticky } : view;
      const full = outcome(() => engine.decide(c, options));
      const fast = outcome(() => me.decide(options));
      if (full !== fast) differ.push(`${c.id} view ${k}`);
      // The lean page view: the page's part of the same decision, field for field, or the same error.
      const page = outcome(() => me.pageView(options));
      const want = full.startsWith("error") ? full : JSON.stringify(pagePart(JSON.parse(full)));
      if (page !== want) differ.push(`${c.id} view ${k} (pageView)`);
      if (full.startsWith("error")) errors += 1;
      else sticky = JSON.parse(full).assignments;
    }
    me.free();
  }
  assert.deepEqual(differ.slice(0, 5), [], `${differ.length} page views differ`);
  assert.equal(errors, customers.filter(later).length);
});

test("prepare reads and checks the customer as decide does; the handle survives errors", () => {
  const engine = new Engine(h.modelText(), h.programText());
  const customer = { id: "c1", orders: [{ at: "1998-06-01", amount: 20 }, { at: "1998-06-20", amount: 35 }] };
  h.assertOfferwiseError(() => engine.prepare({ id: "c1", orders: [{ at: "1998-08-01", amount: 20 }] }, { now: PREPARED_AT }),
    { code: "customer.invalid", path: "orders[0].at" }, "an order after now");
  h.assertOfferwiseError(() => engine.prepare({ id: "c1", ordres: [] }, { now: PREPARED_AT }),
    { code: "customer.invalid", path: "ordres" }, "a misspelt field");
  h.assertOfferwiseError(() => engine.prepare(customer, { now: PREPARED_AT, cart: { amount: 1 } }),
    { code: "options.invalid", path: "cart" }, "a page option given to prepare");
  h.assertOfferwiseError(() => engine.prepare(customer, {}), { code: "options.invalid", path: "", message: /missing field `now`/ }, "no now");
  const me = engine.prepare(JSON.stringify(customer), { now: PREPARED_AT });
  assert.equal(me.customerId, "c1");
  assert.equal(me.now, "1998-07-01T10:00:00Z");
  h.assertOfferwiseError(() => me.decide({ now: PREPARED_AT, cart: { amount: -1 } }),
    { code: "options.invalid", path: /^cart/ }, "a bad cart");
  h.assertOfferwiseError(() => me.decide({ now: PREPARED_AT, forceVariants: { nope: "a" } }),
    { code: "options.invalid", path: "forceVariants.nope" }, "an unknown experiment");
  h.assertOfferwiseError(() => me.pageView({ now: PREPARED_AT, cart: { amount: -1 } }),
    { code: "options.invalid", path: /^cart/ }, "a bad cart in a page view");
  h.assertOfferwiseError(() => me.pageView({ now: "1998-06-10" }),
    { code: "customer.invalid", path: "orders[1].at" }, "a page view before an order");
  // After the errors the handle decides as before.
  assert.equal(JSON.stringify(me.decide({ now: PREPARED_AT })),
    JSON.stringify(engine.decide(customer, { now: PREPARED_AT })));
});

test("a policy set on the engine applies to the customers it prepared before", () => {
  const engine = new Engine(h.modelText(), h.programText());
  const [c] = h.customers(50).filter((x) => x.orders.length > 2);
  const me = engine.prepare(c, { now: PREPARED_AT });
  assert.equal(me.decide({ now: PREPARED_AT }).log.policyVersion, null);
  engine.setPolicy(h.policyText());
  const withPolicy = me.decide({ now: PREPARED_AT });
  assert.equal(withPolicy.log.policyVersion, engine.policyVersion);
  assert.equal(JSON.stringify(withPolicy), JSON.stringify(engine.decide(c, { now: PREPARED_AT })));
});
