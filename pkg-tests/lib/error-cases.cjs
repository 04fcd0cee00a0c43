// Bad inputs and the OfferwiseError each must throw, for the Node (ESM, CJS) tests.
// Codes and paths follow src/error.rs: `<document>.<kind>`; `syntax` errors have the path
// `line L, column C`, the others a JSON path (`""` for the document root, e.g. a missing
// top-level field, where the message names the field).
//
// tests/vectors/errors.json (shared with the Rust tests) is run too:
//   {"specVersion": 1, "cases": [[name, {"customer" | "customerText", "options"}, {"code", "path"}], ...]}
// ("model"/"program" keys, if a case ever has them, replace the defaults.)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { ROOT, NOW } = require("./harness.cjs");

const order = (o) => ({ at: "1997-01-12", amount: 12.5, ...o });
const cust = (orders, extra = {}) => ({ id: "00042", orders, ...extra });

/** [name, call, expected] with call ∈ {decide, features} taking (customer, options). */
const DECIDE_CASES = [
  ["customer is not JSON", "{\"id\":\"a\", \"orders\": [}", { now: NOW }, { code: "customer.syntax", path: "line 1, column 23" }],
  ["customer JSON has trailing text", "{\"id\":\"a\"} x", { now: NOW }, { code: "customer.syntax", path: /^line 1, column \d+$/ }],
  ["customer is an empty string", "", { now: NOW }, { code: "customer.syntax", path: /^line 1, column \d+$/ }],
  ["customer is a number", 42, { now: NOW }, { code: "customer.invalid", path: "" }],
  ["customer is null", null, { now: NOW }, { code: "customer.invalid", path: "" }],
  ["customer without id (object)", { orders: [order()] }, { now: NOW }, { code: "customer.invalid", path: "", message: /\bid\b/ }],
  ["customer without id (string)", JSON.stringify({ orders: [order()] }), { now: NOW }, { code: "customer.invalid", path: "", message: /\bid\b/ }],
  ["customer with an empty id", cust([order()], { id: "" }), { now: NOW }, { code: "customer.invalid", path: "id" }],
  ["amount is a string", cust([order({ amount: "12.5" })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].amount" }],
  ["amount is a string (JSON text)", JSON.stringify(cust([order({ amount: "12.5" })])), { now: NOW }, { code: "customer.invalid", path: "orders[0].amount" }],
  ["amount is negative", cust([order(), order({ amount: -5 })]), { now: NOW }, { code: "customer.invalid", path: "orders[1].amount" }],
  ["amount is the string NaN", cust([order({ amount: "NaN" })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].amount" }],
  ["amount is the string Infinity", cust([order({ amount: "Infinity" })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].amount" }],
  ["amount is JS NaN", cust([order({ amount: NaN })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].amount" }],
  ["amount is JS Infinity", cust([order({ amount: Infinity })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].amount" }],
  ["amount is missing", cust([{ at: "1997-01-12" }]), { now: NOW }, { code: "customer.invalid", path: "orders[0]", message: /amount/ }],
  ["at is not a date (1997-13-45)", cust([order(), order(), order(), order({ at: "1997-13-45" })]), { now: NOW }, { code: "customer.invalid", path: "orders[3].at" }],
  ["at is a boolean", cust([order({ at: true })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].at" }],
  ["order after now", cust([order({ at: "1998-08-01" })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].at" }],
  // Unknown fields are errors (src/customer.rs), whether the document is text or an object.
  ["misspelt field amout (string)", JSON.stringify(cust([{ at: "1997-01-12", amount: 1, amout: 1 }])), { now: NOW }, { code: "customer.invalid", path: "orders[0].amout", message: /amout/ }],
  ["misspelt field amout (object)", cust([{ at: "1997-01-12", amount: 1, amout: 1 }]), { now: NOW }, { code: "customer.invalid", path: "orders[0].amout", message: /amout/ }],
  ["unknown top-level field (object)", cust([order()], { emial: "x@example.com" }), { now: NOW }, { code: "customer.invalid", path: "emial", message: /emial/ }],
  ["item qty 0", cust([order({ items: [{ price: 2, qty: 0 }] })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].items[0].qty" }],
  ["item price negative", cust([order({ items: [{ price: -2, qty: 1 }] })]), { now: NOW }, { code: "customer.invalid", path: "orders[0].items[0].price" }],
  ["orders is not an array", cust("none"), { now: NOW }, { code: "customer.invalid", path: "orders" }],
  ["options missing now", cust([order()]), {}, { code: "options.invalid", path: "", message: /\bnow\b/ }],
  ["options missing", cust([order()]), undefined, { code: "options.invalid", path: "" }],
  ["now is not a date", cust([order()]), { now: "1998-02-30" }, { code: "options.invalid", path: "now" }],
  ["now is a boolean", cust([order()]), { now: true }, { code: "options.invalid", path: "now" }],
  ["options has an unknown field (object)", cust([order()]), { now: NOW, timezone: 60 }, { code: "options.invalid", path: "timezone", message: /timezone/ }],
  ["timeZoneOffsetMinutes out of range", cust([order()]), { now: NOW, timeZoneOffsetMinutes: 5000 }, { code: "options.invalid", path: "timeZoneOffsetMinutes" }],
  ["timeZoneOffsetMinutes is a string", cust([order()]), { now: NOW, timeZoneOffsetMinutes: "abc" }, { code: "options.invalid", path: "timeZoneOffsetMinutes" }],
];

/**
 * [name, model, program, expected] for the constructor: `null` means the valid default, a
 * function gets the parsed default and returns what to pass (object or text).
 */
const CONSTRUCTOR_CASES = [
  ["model is not JSON", "{ nope", null, { code: "model.syntax", path: /^line 1, column \d+$/ }],
  ["model is an empty object", {}, null, { code: "model.invalid", path: "", message: /formatVersion/ }],
  ["model is an empty object (string)", "{}", null, { code: "model.invalid", path: "", message: /formatVersion/ }],
  ["model has formatVersion 99", (m) => ({ ...m, formatVersion: 99 }), null, { code: "model.unsupported_version", path: "formatVersion" }],
  ["model is a number", 7, null, { code: "model.invalid", path: "" }],
  ["program is not JSON", null, "{\"formatVersion\": 1,", { code: "program.syntax", path: /^line 1, column \d+$/ }],
  ["program is an empty object", null, {}, { code: "program.invalid", path: "", message: /formatVersion/ }],
  ["program names a segment the model lacks", null, (p) => JSON.stringify({ ...p, offers: [{ ...p.offers[0], eligibility: { segments: ["no such segment"] } }, ...p.offers.slice(1)] }), { code: "program.invalid", path: "offers[0].eligibility.segments[0]" }],
  ["program experiment weights do not sum to 1", null, (p) => ({ ...p, experiments: [{ key: "x", variants: [{ key: "a", weight: 0.5 }, { key: "b", weight: 0.4 }] }] }), { code: "program.invalid", path: "experiments[0].variants" }],
  ["program is a string array", null, ["a"], { code: "program.invalid", path: "" }],
];

function sharedVectors() {
  const file = path.join(ROOT, "tests", "vectors", "errors.json");
  if (!fs.existsSync(file)) return null;
  const v = JSON.parse(fs.readFileSync(file, "utf8"));
  if (v.specVersion !== 1) throw new Error(`${file}: specVersion ${v.specVersion}, these tests read 1`);
  return v.cases;
}

module.exports = { DECIDE_CASES, CONSTRUCTOR_CASES, sharedVectors };
