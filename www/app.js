// offerwise decision explorer: loads the web build of the package, the default model and
// programme, and sample CDNOW customers; decides in the browser for the customer picked or
// edited. No framework, no bundler: serve the repository root and open /www/.
//
// The page keeps the exact decision JSON in <pre id="decision-json"> and its state in
// <body data-state="loading|ready|error"> so pkg-tests/browser.test.mjs can check it.
import init, { Engine, version } from "../pkg/web/offerwise.js";

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

/** The cart the page starts with (www/example-cart.json, the README's and the tests' cart). */
const DEFAULT_CART = '{"items": [{"sku": "CD-0912", "category": "jazz", "price": 15.5, "qty": 4}]}';

/** Display names of the purchase models (`clv.purchaseModel`). */
const PURCHASE_MODELS = { bgnbd: "BG/NBD", mbgnbd: "MBG/NBD", "pareto-nbd": "Pareto/NBD" };

let engine = null;
let program = null;
let samples = [];

// ---- formatting ------------------------------------------------------------------------
const money = (x) => {
  if (x === null || x === undefined) return "—";
  const symbol = program?.currencySymbol ?? "";
  const n = Number(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return symbol ? `${symbol}${n}` : `${n} ${program?.currency ?? ""}`.trim();
};
const num = (x, digits = 1) =>
  x === null || x === undefined ? "—" : Number(x).toLocaleString("en-US", { maximumFractionDigits: digits });
/** "bonusPoints" -> "bonus points" */
const words = (camel) => String(camel).replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
const pct = (x) => `${(x * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })} %`;

/** How each known feature is labelled and shown; unknown ones are shown as they come. */
const FEATURES = {
  recencyDays: ["Days since last order", (v) => num(v)],
  frequency: ["Orders", (v) => num(v, 0)],
  purchaseDays: ["Days with a purchase", (v) => num(v, 0)],
  monetary: ["Mean order value", money],
  totalSpend: ["Total spend", money],
  tenureDays: ["Days since first order", (v) => num(v)],
  meanDaysBetweenPurchases: ["Mean days between purchases", (v) => num(v)],
  spendLast365d: ["Spend, last 365 days", money],
  ordersLast365d: ["Orders, last 365 days", (v) => num(v, 0)],
  pointsBalance: ["Points balance", (v) => num(v, 0)],
};

function featureRows(features) {
  const rows = [];
  for (const [key, value] of Object.entries(features)) {
    if (key === "categoryShares" && value && typeof value === "object") {
      const entries = Object.entries(value);
      if (entries.length === 0) rows.push(["Category shares", "—", key]);
      for (const [cat, share] of entries) rows.push([`Share of spend: ${cat}`, pct(share), `${key}.${cat}`]);
      continue;
    }
    const [label, fmt] = FEATURES[key] ?? [key, (v) => (typeof v === "number" ? num(v, 4) : v === null ? "—" : JSON.stringify(v))];
    rows.push([label, fmt(value), key]);
  }
  return rows;
}

// ---- rendering ---------------------------------------------------------------------------
function setState(state) {
  document.body.dataset.state = state;
}

function showError(e) {
  const isEngineError = e && e.name === "OfferwiseError";
  $("error-code").textContent = isEngineError ? e.code : e?.name || "Error";
  $("error-path").textContent = isEngineError ? (e.path === "" ? "(the whole document)" : e.path) : "—";
  $("error-message").textContent = e?.message ?? String(e);
  $("error").hidden = false;
  $("decision").hidden = true;
  setState("error");
}

function renderDecision(d) {
  $("error").hidden = true;
  const box = $("decision");
  box.dataset.customerId = d.customerId;

  $("d-customer").textContent = d.customerId;
  $("d-customer-detail").textContent = `decided at ${String(d.now).replace(/T00:00:00(\.0+)?Z$/, "")}`;
  $("d-segment").textContent = d.segment ? d.segment.name : "none";
  $("d-segment-detail").textContent = d.segment
    ? `segment ${d.segment.id} · role ${d.segment.role} · distance ${num(d.segment.distance, 3)}`
    : "no segment assigned";
  const tier = d.loyalty && d.loyalty.tier;
  if (tier) {
    const q = tier.measure === "spend" ? money(tier.qualifyingValue)
      : tier.measure === "orders" ? `${num(tier.qualifyingValue, 0)} orders` : `${num(tier.qualifyingValue, 0)} points earned`;
    const ledger = d.loyalty.ledger;
    $("d-tier").textContent = tier.name;
    $("d-tier-detail").textContent = `${q} qualifying · ${tier.source === "account" ? "held by the account" : "from purchase history"}`
      + ` · ${num(ledger.available, 0)} points usable${ledger.pending ? `, ${num(ledger.pending, 0)} pending` : ""}`;
  } else {
    $("d-tier").textContent = "—";
    $("d-tier-detail").textContent = "";
  }

  const ledger = d.loyalty.ledger;
  $("d-points").textContent = num(ledger.balance, 0);
  const soon = ledger.expiringSoon && ledger.expiringSoon.length ? ledger.expiringSoon[0] : null;
  $("d-points-detail").textContent = `${num(ledger.available, 0)} usable (${money(ledger.availableValue)})`
    + (ledger.pending ? ` · ${num(ledger.pending, 0)} pending` : "")
    + (soon ? ` · ${num(soon.points, 0)} expire ${String(soon.expiresAt).slice(0, 10)}` : "");

  const quote = d.loyalty.quote;
  $("d-quote").hidden = !quote;
  if (quote) {
    $("q-subtotal").textContent = money(quote.subtotal);
    $("q-payable").textContent = money(quote.payable);
    $("q-earn").textContent = num(quote.earn.points, 0);
    $("q-burn").textContent = quote.burn.maxPoints > 0 ? `${num(quote.burn.maxPoints, 0)} (${money(quote.burn.value)})` : "none";
    $("q-after").textContent = money(quote.burn.priceAfter);
    $("q-delivery").textContent = quote.freeDelivery ? "yes" : "no";
    $("q-tier").textContent = quote.tierAfter ? quote.tierAfter.name ?? quote.tierAfter.id : "—";
  }

  if (d.clv) {
    $("d-palive").textContent = `${num(d.clv.pAlive * 100, 0)}%`;
    $("d-palive-detail").textContent = `churn risk ${num(d.clv.churnRisk * 100, 0)}% · ${PURCHASE_MODELS[d.clv.purchaseModel] ?? d.clv.purchaseModel}`
      + ` · ${num(d.clv.expectedPurchases, 2)} purchases expected in ${num(d.clv.horizonDays, 0)} days`;
    $("d-clv").textContent = d.clv.clv === null ? "—" : money(d.clv.clv);
    $("d-clv-detail").textContent = d.clv.expectedOrderValue === null
      ? "no spend model"
      : `margin over ${d.clv.months} months · ${money(d.clv.expectedOrderValue)} per order expected`;
  } else {
    $("d-palive").textContent = "—";
    $("d-palive-detail").textContent = "no orders yet or no CLV model";
    $("d-clv").textContent = "—";
    $("d-clv-detail").textContent = "";
  }

  const offers = $("d-offers");
  offers.replaceChildren(...(d.offers.length
    ? d.offers.map((o) => el("li", { dataset: { offerId: o.id } },
        el("span", {}, el("span", { class: "title" }, o.title ?? o.id), el("span", { class: "kind", title: o.kind }, words(o.kind))),
        el("span", { class: "score", title: "expected incremental value: take-up × (gain − cost)" },
          `worth ${money(o.score)} · ${num(o.response * 100, 1)}% take-up · shown with p ${num(o.propensity, 3)}`),
        el("span", { class: "reason" }, o.reason)))
    : [el("li", { class: "empty" }, "No offer for this customer.")]));
  $("d-left-out").replaceChildren(...(d.leftOut ?? []).map((o) => el("li", { dataset: { offerId: o.id, code: o.code } },
    el("span", { class: "title" }, o.id),
    el("span", { class: "code", title: o.path ?? "" }, o.code),
    el("span", { class: "reason" }, o.reason + (o.path ? ` (${o.path})` : "")))));

  const xs = $("d-experiments").tBodies[0];
  xs.replaceChildren(...(d.experiments.length
    ? d.experiments.map((x) => el("tr", {},
        el("td", {}, x.key),
        el("td", {}, el("span", { class: x.variant === null ? "variant none" : "variant" }, x.variant ?? "not in the test")),
        el("td", { class: "num" }, x.bucket === undefined ? "" : num(x.bucket, 4))))
    : [el("tr", {}, el("td", { class: "empty", colspan: "3" }, "No experiment running."))]));

  $("d-nudges").replaceChildren(...(d.nudges.length
    ? d.nudges.map((n) => el("li", { dataset: { kind: n.kind } }, n.message))
    : [el("li", { class: "empty" }, "Nothing to nudge.")]));

  $("d-features").tBodies[0].replaceChildren(...featureRows(d.features).map(([label, value, key]) =>
    el("tr", { title: key }, el("td", { class: "key" }, label), el("td", { class: "num" }, value))));

  $("decision-json").textContent = JSON.stringify(d, null, 2);
  box.hidden = false;
  setState("ready");
}

// ---- actions -----------------------------------------------------------------------------
function decide() {
  if (!engine) return;
  const options = { now: $("now").value };
  const tz = $("tz").value.trim();
  if (tz !== "") options.timeZoneOffsetMinutes = Number(tz);
  const cartText = $("cart-json").value.trim();
  if (cartText !== "") {
    try {
      options.cart = JSON.parse(cartText);
    } catch (e) {
      showError({ name: "OfferwiseError", code: "cart.syntax", path: "cart", message: `the cart is not JSON: ${e.message}` });
      return;
    }
  }
  try {
    // The text goes to the engine as is: a JSON mistake is reported with line and column.
    renderDecision(engine.decide($("customer-json").value, options));
  } catch (e) {
    showError(e);
  }
}

function loadSample(i) {
  $("customer-json").value = JSON.stringify(samples[i], null, 2);
  decide();
}

function describe(c) {
  const total = c.orders.reduce((s, o) => s + (Number(o.amount) || 0), 0);
  const earned = (c.loyalty?.operations ?? []).reduce((s, op) => s + (op.type === "earn" ? op.points : 0), 0);
  return `${c.id} · ${c.orders.length} order${c.orders.length === 1 ? "" : "s"} · ${money(total)} · ${num(earned, 0)} points earned`;
}

async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not load ${url}: HTTP ${r.status}`);
  return r.text();
}

async function main() {
  try {
    const [, modelText, programText, policyText, samplesText] = await Promise.all([
      init(), // fetches offerwise_bg.wasm next to offerwise.js
      fetchText("../models/default.json"),
      fetchText("../models/default-program.json"),
      fetchText("../models/default-policy.json"),
      fetchText("./sample-customers.json"),
    ]);
    program = JSON.parse(programText);
    engine = new Engine(modelText, programText, policyText);
    samples = JSON.parse(samplesText);
  } catch (e) {
    $("meta").textContent = "The engine could not start.";
    showError(e);
    return;
  }

  $("meta").textContent = `offerwise ${version()} · model ${engine.modelName} · programme ${program.name ?? "(unnamed)"}`;
  const select = $("customer-select");
  select.replaceChildren(...samples.map((c, i) => el("option", { value: String(i) }, describe(c))));
  select.disabled = false;
  $("decide").disabled = false;
  $("reset").disabled = false;

  select.addEventListener("change", () => loadSample(Number(select.value)));
  $("reset").addEventListener("click", () => loadSample(Number(select.value)));
  $("form").addEventListener("submit", (ev) => { ev.preventDefault(); decide(); });
  $("now").addEventListener("change", decide);
  $("tz").addEventListener("change", decide);
  $("cart-json").value = DEFAULT_CART;
  for (const chip of document.querySelectorAll(".cart-presets .chip")) {
    chip.addEventListener("click", () => { $("cart-json").value = chip.dataset.cart; decide(); });
  }

  if (samples.length) loadSample(0);
  else showError(new Error("sample-customers.json has no customers"));
}

main();
