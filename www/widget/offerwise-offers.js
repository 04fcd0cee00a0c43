// <offerwise-offers>: the offers and loyalty nudges of a storefront page, decided in the
// browser by the offerwise engine. No framework; the customer's history and account stay in the
// page (the element never sends them anywhere: the only request it makes is for the engine's
// .wasm, from the package's own folder).
//
//   import { defineOffers } from "offerwise/widget";
//   await defineOffers({ model, program, policy });          // once per page: loads the engine
//   const el = document.querySelector("offerwise-offers");
//   el.customer = customer;                                  // the page's own data
//   el.cart = { items: [{ sku: "cd-1", category: "jazz", price: 15.5, qty: 2 }] };
//   el.context = { page: "cart" };
//   el.addEventListener("offerwise-exposure", (e) => analytics.log(e.detail.record));
//
// Properties: `customer`, `cart`, `context`, `now` (default: the time of each render),
// `timeZoneOffsetMinutes`, `ids`, `assignments`. Setting one renders again (once per task).
// Events (bubbling, composed), each with the decision's log record in `detail.record`:
//   offerwise-exposure  {record, offers}        offers shown (once per decision shown)
//   offerwise-click     {record, offerId, slot} an offer's title clicked
//   offerwise-redeem    {record, offerId, slot} an offer's button pressed
//   offerwise-error     {code, path, message}   the engine refused the input; nothing is shown
//   offerwise-warning   {warnings}              what lenient mode left out ({code, path, message})
// Lenient by default: an unknown field, an order dated after `now` by a skewed clock or an
// account that does not read is left out (and reported by offerwise-warning) rather than
// leaving the page without offers; the `strict` attribute makes any problem an error.
// Theming: CSS custom properties --offerwise-accent, --offerwise-bg, --offerwise-fg,
// --offerwise-muted, --offerwise-radius, --offerwise-font; parts: panel, heading, offers,
// offer, offer-title, offer-action, loyalty, points, tier, tier-bar, cart, nudges, nudge.
import init, { Engine } from "./offerwise.js";

let engine = null;
let engineArgs = null;
let tiers = [];
let loading = null;

/**
 * Loads the engine once for the page (the wasm beside this file unless `wasm` says otherwise)
 * and defines `<offerwise-offers>` (or `tag`). Resolves to the Engine; rejects with the
 * engine's OfferwiseError when the documents do not load.
 */
export function defineOffers({ model, program, policy = null, wasm, tag = "offerwise-offers" } = {}) {
  if (loading === null) {
    loading = (async () => {
      await init(wasm === undefined ? undefined : { module_or_path: wasm });
      engine = new Engine(model, program, policy);
      engineArgs = [model, program, policy];
      const doc = typeof program === "string" ? JSON.parse(program) : program;
      tiers = doc?.loyalty?.tiers?.levels ?? [];
      if (!customElements.get(tag)) customElements.define(tag, OfferwiseOffers);
      return engine;
    })();
  }
  return loading;
}

const STYLE = `
:host { display: block; font: 15px/1.45 var(--offerwise-font, system-ui, sans-serif);
  color: var(--offerwise-fg, #1d2327); }
:host([hidden]), [hidden] { display: none !important; }
.panel { background: var(--offerwise-bg, #fff); border: 1px solid #d5dbe0;
  border-radius: var(--offerwise-radius, 10px); padding: 14px 16px; }
h2 { font-size: 1.05em; margin: 0 0 8px; }
ul { list-style: none; margin: 0; padding: 0; }
.offer { display: flex; align-items: center; justify-content: space-between; gap: 10px;
  padding: 8px 0; border-top: 1px solid #eceff1; }
.offer:first-child { border-top: 0; }
.title { background: none; border: 0; padding: 0; font: inherit; color: inherit; text-align: left;
  cursor: pointer; }
.title:hover { text-decoration: underline; }
.action { font: inherit; font-size: .9em; padding: 5px 12px; white-space: nowrap; border-radius: 999px; cursor: pointer;
  border: 1px solid var(--offerwise-accent, #0b6e4f); background: var(--offerwise-accent, #0b6e4f);
  color: #fff; }
.action:focus-visible, .title:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
.loyalty { margin-top: 12px; padding-top: 10px; border-top: 1px solid #d5dbe0; }
.points strong { font-size: 1.2em; }
.muted { color: var(--offerwise-muted, #55606a); font-size: .9em; }
progress { width: 100%; height: 10px; accent-color: var(--offerwise-accent, #0b6e4f); }
.nudge { margin: 6px 0 0; padding-left: 10px; border-left: 3px solid var(--offerwise-accent, #0b6e4f); }
`;

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : String(v));
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

const fmt = (n) => Number(n).toLocaleString(undefined, { maximumFractionDigits: 2 });

export class OfferwiseOffers extends HTMLElement {
  #props = { customer: null, cart: null, context: null, now: undefined, timeZoneOffsetMinutes: undefined, ids: undefined, assignments: undefined };
  #prepared = null;
  #scheduled = false;
  #view = null;
  #exposed = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.append(h("style", {}, STYLE));
    this.#panel = h("section", { class: "panel", part: "panel", "aria-live": "polite" });
    root.append(this.#panel);
    this.#panel.addEventListener("click", (e) => this.#onClick(e));
  }

  #panel;

  static get observedAttributes() { return ["heading"]; }
  attributeChangedCallback() { this.#schedule(); }
  connectedCallback() { this.#schedule(); }
  disconnectedCallback() { this.#release(); }

  get customer() { return this.#props.customer; }
  set customer(v) { this.#set("customer", v); }
  get cart() { return this.#props.cart; }
  set cart(v) { this.#set("cart", v); }
  get context() { return this.#props.context; }
  set context(v) { this.#set("context", v); }
  get now() { return this.#props.now; }
  set now(v) { this.#set("now", v); }
  get timeZoneOffsetMinutes() { return this.#props.timeZoneOffsetMinutes; }
  set timeZoneOffsetMinutes(v) { this.#set("timeZoneOffsetMinutes", v); }
  get ids() { return this.#props.ids; }
  set ids(v) { this.#set("ids", v); }
  get assignments() { return this.#props.assignments; }
  set assignments(v) { this.#set("assignments", v); }

  #set(name, value) {
    // A new customer, time or time zone prepares the customer again; the rest is the page's.
    if (name === "customer" || name === "now" || name === "timeZoneOffsetMinutes") this.#release();
    this.#props[name] = value;
    this.#schedule();
  }

  /** The last page view shown (`null` before the first or after an error). */
  get view() { return this.#view; }

  #release() {
    if (this.#prepared) this.#prepared.free();
    this.#prepared = null;
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => { this.#scheduled = false; this.#render(); });
  }

  #render() {
    if (!engine || !this.isConnected || !this.#props.customer) {
      this.dataset.state = engine ? "empty" : "loading";
      this.#panel.hidden = true;
      return;
    }
    const { customer, cart, context, timeZoneOffsetMinutes, ids, assignments } = this.#props;
    const now = this.#props.now ?? Date.now();
    const options = { now, lenient: !this.hasAttribute("strict") };
    if (timeZoneOffsetMinutes !== undefined) options.timeZoneOffsetMinutes = timeZoneOffsetMinutes;
    try {
      // The history's part once per customer, `now` and time zone (setting one of them
      // releases it); the page's part per render.
      if (this.#prepared === null) this.#prepared = engine.prepare(customer, options);
      const page = { ...options };
      if (cart) page.cart = cart;
      if (context) page.context = context;
      if (ids) page.ids = ids;
      if (assignments) page.assignments = assignments;
      this.#view = this.#prepared.pageView(page);
    } catch (e) {
      // A bug of the engine (code internal.panic): the module starts afresh at its next call,
      // so the engine is made again for the renders that follow (not this one: same input).
      if (e?.code === "internal.panic") engine = new Engine(...engineArgs);
      this.#release();
      this.#view = null;
      this.#panel.hidden = true;
      this.dataset.state = "error";
      const error = { code: e.code ?? "internal", path: e.path ?? "", message: e.message };
      this.dispatchEvent(new CustomEvent("offerwise-error", { detail: error, bubbles: true, composed: true }));
      return;
    }
    this.#draw(this.#view);
    this.dataset.state = "ready";
    if (this.#view.warnings?.length) {
      this.dispatchEvent(new CustomEvent("offerwise-warning", { detail: { warnings: this.#view.warnings }, bubbles: true, composed: true }));
    }
    const shown = this.#view.offers.map((o) => o.id).join(",");
    const key = `${this.#view.log.decisionId}|${shown}`;
    if (this.#view.offers.length && key !== this.#exposed) {
      this.#exposed = key;
      this.#emit("offerwise-exposure", { offers: this.#view.offers.map((o) => o.id) });
    }
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail: { record: this.#view.log, ...detail }, bubbles: true, composed: true }));
  }

  #onClick(e) {
    const li = e.target.closest("[data-offer-id]");
    if (!li || !this.#view) return;
    const detail = { offerId: li.dataset.offerId, slot: Number(li.dataset.slot) };
    if (e.target.closest(".action")) this.#emit("offerwise-redeem", detail);
    else if (e.target.closest(".title")) this.#emit("offerwise-click", detail);
  }

  #draw(v) {
    const heading = this.getAttribute("heading") ?? "Offers for you";
    const offers = v.offers.map((o, i) => h("li", { class: "offer", part: "offer", dataset: { offerId: o.id, slot: String(i + 1) } },
      h("button", { type: "button", class: "title", part: "offer-title" }, o.title),
      h("button", { type: "button", class: "action", part: "offer-action", "aria-label": `Use offer: ${o.title}` }, "Use offer")));
    const loyalty = h("div", { class: "loyalty", part: "loyalty" },
      h("p", { class: "points", part: "points" },
        h("strong", {}, fmt(v.points.balance)), " points",
        v.points.available !== v.points.balance ? h("span", { class: "muted" }, ` · ${fmt(v.points.available)} usable now`) : null),
      this.#tier(v),
      this.#cart(v),
      v.nudges.length ? h("ul", { class: "nudges", part: "nudges" },
        ...v.nudges.map((n) => h("li", { class: "nudge", part: "nudge", dataset: { kind: n.kind } }, n.message))) : null);
    this.#panel.replaceChildren(
      h("h2", { part: "heading" }, heading),
      offers.length ? h("ul", { class: "offers", part: "offers", "aria-label": heading }, ...offers)
        : h("p", { class: "muted" }, "No offers right now."),
      loyalty);
    this.#panel.hidden = false;
  }

  #tier(v) {
    const current = tiers.find((t) => t.id === v.tier);
    const next = v.nudges.find((n) => n.kind === "nextTier");
    const level = next && tiers.find((t) => t.id === next.tier);
    if (!current && !level) return null;
    const status = current ? `${current.name} member` : "Member";
    const children = [h("p", { class: "muted" }, level ? `${status} · on the way to ${next.tierName}` : status)];
    if (level && level.threshold > 0) {
      const done = Math.max(0, Math.min(level.threshold, level.threshold - next.remaining));
      const label = `Progress to ${next.tierName}`;
      children.push(h("progress", { part: "tier-bar", max: level.threshold, value: done, "aria-label": label,
        "aria-valuetext": `${fmt(done)} of ${fmt(level.threshold)}` }));
    }
    return h("div", { class: "tier", part: "tier" }, ...children);
  }

  #cart(v) {
    if (!v.quote) return null;
    const { earn, burn } = v.quote;
    const parts = [`This cart earns ${fmt(earn.points)} points`];
    if (burn.maxPoints > 0) parts.push(`you can use up to ${fmt(burn.maxPoints)} points on it`);
    return h("p", { class: "cart", part: "cart" }, parts.join("; ") + ".");
  }
}
