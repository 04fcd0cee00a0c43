// The demo shop: a product page and a cart page with <offerwise-offers> beside them. The shop's
// own data (who is signed in, their orders and points) is www/sample-customers.json, loaded
// from this origin as a shop's page would have it; the element decides in the browser and the
// page sends nothing anywhere. The element's events are listed as a shop would send them to its
// analytics.
import { defineOffers } from "../../pkg/web/offerwise-offers.js";

const $ = (id) => document.getElementById(id);
const NOW = "1998-07-01"; // the day after the CDNOW data ends: the samples' "today"
const PRODUCTS = [
  { sku: "cd-kind-of-blue", title: "Kind of Blue", artist: "Miles Davis", category: "jazz", price: 12.99, color: "#1f4e79" },
  { sku: "cd-ok-computer", title: "OK Computer", artist: "Radiohead", category: "rock", price: 14.5, color: "#6b2d5c" },
  { sku: "cd-blue-train", title: "Blue Train", artist: "John Coltrane", category: "jazz", price: 11.75, color: "#2d6a4f" },
  { sku: "cd-goldberg", title: "Goldberg Variations", artist: "Glenn Gould", category: "classical", price: 16.0, color: "#8a5a00" },
  { sku: "box-anthology", title: "Anthology box set", artist: "The Beatles", category: "rock", price: 89.0, color: "#7a1f1f" },
  { sku: "cd-blue", title: "Blue", artist: "Joni Mitchell", category: "folk", price: 10.5, color: "#3d5a80" },
];
const cart = new Map(); // sku -> qty
let page = "product";
const offers = $("offers");

const money = (n) => `$${n.toFixed(2)}`;
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "dataset") Object.assign(e.dataset, v); else if (k === "style") e.style.cssText = v; else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function cartDocument() {
  const items = [...cart].map(([sku, qty]) => {
    const p = PRODUCTS.find((x) => x.sku === sku);
    return { sku, category: p.category, price: p.price, qty };
  });
  return items.length ? { items } : null;
}

function update() {
  const items = cartDocument()?.items ?? [];
  $("cart-count").textContent = String(items.reduce((s, i) => s + i.qty, 0));
  $("cart-total").textContent = money(items.reduce((s, i) => s + i.price * i.qty, 0));
  $("cart-table").tBodies[0].replaceChildren(...(items.length ? items.map((i) => {
    const p = PRODUCTS.find((x) => x.sku === i.sku);
    return el("tr", { dataset: { sku: i.sku } }, el("td", {}, `${p.title} — ${p.artist}`), el("td", {}, String(i.qty)),
      el("td", { class: "num" }, money(i.price * i.qty)),
      el("td", {}, el("button", { type: "button", class: "remove", "aria-label": `Remove ${p.title}`, dataset: { remove: i.sku } }, "Remove")));
  }) : [el("tr", {}, el("td", { colspan: "4" }, "Your cart is empty."))]));
  $("product-page").hidden = page !== "product";
  $("cart-page").hidden = page !== "cart";
  for (const t of document.querySelectorAll(".tab")) t.setAttribute("aria-pressed", String(t.dataset.page === page));
  offers.cart = cartDocument();
  offers.context = { page, channel: "web" };
}

function logEvent(e) {
  const { record, offerId, offers: shown } = e.detail;
  const what = e.type === "offerwise-exposure" ? `shown ${shown.join(", ")}` : `${e.type.replace("offerwise-", "")} ${offerId}`;
  $("events").append(el("li", { dataset: { type: e.type, decisionId: record.decisionId } }, `${what} · decision ${record.decisionId}`));
  $("event-count").textContent = String($("events").children.length);
}

async function main() {
  const [model, program, policy, customers] = await Promise.all(
    ["../../models/default.json", "../../models/default-program.json", "../../models/default-policy.json", "../sample-customers.json"]
      .map(async (u) => { const r = await fetch(u); if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`); return r.json(); }));
  await defineOffers({ model, program, policy });
  $("products").replaceChildren(...PRODUCTS.map((p) => el("li", { class: "product" },
    el("div", { class: "cover", style: `background:${p.color}`, "aria-hidden": "true" }, p.title.slice(0, 1)),
    el("strong", {}, p.title), el("span", { class: "meta" }, `${p.artist} · ${p.category}`), el("span", {}, money(p.price)),
    el("button", { type: "button", dataset: { add: p.sku }, "aria-label": `Add to cart: ${p.title}` }, "Add to cart"))));
  $("customer-select").replaceChildren(...customers.map((c, i) => el("option", { value: String(i) }, `Customer ${c.id}`)));
  $("customer-select").addEventListener("change", (e) => { offers.customer = customers[Number(e.target.value)]; });
  document.addEventListener("click", (e) => {
    const add = e.target.closest("[data-add]");
    if (add) { cart.set(add.dataset.add, (cart.get(add.dataset.add) ?? 0) + 1); update(); }
    const remove = e.target.closest("[data-remove]");
    if (remove) { cart.delete(remove.dataset.remove); update(); }
    const tab = e.target.closest(".tab");
    if (tab) { page = tab.dataset.page; update(); }
  });
  for (const type of ["offerwise-exposure", "offerwise-click", "offerwise-redeem"]) offers.addEventListener(type, logEvent);
  offers.addEventListener("offerwise-error", (e) => { document.body.dataset.error = `${e.detail.code} at ${e.detail.path}`; });
  // What the widget's lenient mode left out of the shop's data: for the shop's logs.
  offers.addEventListener("offerwise-warning", (e) => {
    document.body.dataset.warnings = e.detail.warnings.map((w) => `${w.code} at ${w.path}`).join("; ");
  });
  offers.now = NOW;
  offers.customer = customers[0];
  update();
  document.body.dataset.state = "ready";
}

main().catch((e) => { document.body.dataset.state = "error"; document.body.dataset.error = String(e.message || e); console.error(e); });
