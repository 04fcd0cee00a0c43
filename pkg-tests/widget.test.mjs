// The storefront widget <offerwise-offers> on the demo shop (www/shop/) in headless Chromium, as
// a shopper uses it: pick who is signed in, see the offers and the loyalty nudges, add to the
// cart and see what the cart earns and the nudges change, press an offer's button and see the
// shop's analytics event. Everything shown equals the package's own page view (Node) for the
// same customer, cart and page. Privacy: every request the page makes is intercepted, and none
// may carry the purchase history or the loyalty account, nor go to another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Engine } from "offerwise";
import { isFaviconMiss, isFaviconUrl, launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { serveStatic } from "./lib/static-server.mjs";
import { seriousViolations } from "./lib/axe.mjs";

const SCREENSHOTS = path.join(h.WORK, "screenshots");
const PICK = 7;
const samples = JSON.parse(readFileSync(path.join(h.ROOT, "www", "sample-customers.json"), "utf8"));
let server, browser, page, engine;
const problems = [];
const requests = [];

before(async () => {
  h.requireBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  engine = new Engine(h.modelText(), h.programText(), h.policyText());
  server = await serveStatic(h.ROOT);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
  page.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) problems.push(`console.error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.route("**/*", (route) => {
    const r = route.request();
    requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" });
    return route.continue();
  });
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
  engine?.free();
});

/** What the package decides in Node for the page: the element's own call. */
function pageView(customer, cart, pageName) {
  const prepared = engine.prepare(customer, { now: h.NOW });
  const options = { now: h.NOW, context: { page: pageName, channel: "web" } };
  if (cart) options.cart = cart;
  const v = prepared.pageView(options);
  prepared.free();
  return v;
}

const shown = () => page.$eval("#offers", (el) => ({
  offers: [...el.shadowRoot.querySelectorAll("[data-offer-id]")].map((li) => [li.dataset.offerId, li.querySelector(".title").textContent]),
  nudges: [...el.shadowRoot.querySelectorAll(".nudge")].map((n) => n.textContent),
  points: el.shadowRoot.querySelector(".points strong")?.textContent ?? null,
  cart: el.shadowRoot.querySelector(".cart")?.textContent ?? null,
  bar: el.shadowRoot.querySelector("progress") ? [Number(el.shadowRoot.querySelector("progress").value), Number(el.shadowRoot.querySelector("progress").max)] : null,
  decisionId: el.view?.log.decisionId ?? null,
}));

function assertShows(got, want, what) {
  assert.deepEqual(got.offers, want.offers.map((o) => [o.id, o.title]), `${what}: offers`);
  assert.deepEqual(got.nudges, want.nudges.map((n) => n.message), `${what}: nudges`);
  assert.equal(got.points, want.points.balance.toLocaleString("en-US"), `${what}: points`);
  assert.equal(got.decisionId, want.log.decisionId, `${what}: decision`);
}

test("the shop page shows the signed-in customer's offers and nudges, as the package decides them", async () => {
  await page.goto(`${server.url}/www/shop/index.html`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  assert.equal(await page.getAttribute("body", "data-state"), "ready", await page.getAttribute("body", "data-error"));
  await page.waitForSelector('#offers[data-state="ready"]');
  assertShows(await shown(), pageView(samples[0], null, "product"), "first customer, product page");

  await page.selectOption("#customer-select", String(PICK));
  const want = pageView(samples[PICK], null, "product");
  await page.waitForFunction((id) => document.getElementById("offers").view?.log.decisionId === id, want.log.decisionId);
  assertShows(await shown(), want, `customer ${samples[PICK].id}`);
  assert.ok(want.offers.length > 0 && want.nudges.length > 0, "the picked customer has offers and nudges to show");
  await page.screenshot({ path: path.join(SCREENSHOTS, "shop-product.png"), fullPage: true });
});

test("adding to the cart shows what it earns and changes the nudges; the cart page decides for the cart page", async () => {
  const customer = samples[PICK];
  await page.click('[data-add="box-anthology"]');
  await page.click('[data-add="cd-kind-of-blue"]');
  await page.click('[data-add="cd-kind-of-blue"]');
  const cart = { items: [
    { sku: "box-anthology", category: "rock", price: 89, qty: 1 },
    { sku: "cd-kind-of-blue", category: "jazz", price: 12.99, qty: 2 },
  ] };
  const want = pageView(customer, cart, "product");
  await page.waitForFunction((id) => document.getElementById("offers").view?.log.decisionId === id && document.getElementById("offers").view?.quote, want.log.decisionId);
  const got = await shown();
  assertShows(got, want, "with a cart");
  assert.match(got.cart, new RegExp(`^This cart earns ${want.quote.earn.points.toLocaleString("en-US")} points`));
  const before = pageView(customer, null, "product");
  assert.notDeepEqual(want.nudges.map((n) => n.message), before.nudges.map((n) => n.message), "the cart changes the nudges");

  await page.click('.tab[data-page="cart"]');
  const onCart = pageView(customer, cart, "cart");
  await page.waitForFunction((n) => document.getElementById("offers").view?.nudges.length === n && !document.getElementById("cart-page").hidden, onCart.nudges.length);
  assertShows(await shown(), onCart, "cart page");
  assert.equal(await page.textContent("#cart-total"), "$114.98");
  await page.screenshot({ path: path.join(SCREENSHOTS, "shop-cart.png"), fullPage: true });
});

test("exposure, click and redeem reach the shop's analytics with the decision's log record", async () => {
  const view = await page.$eval("#offers", (el) => el.view);
  const exposures = await page.$$eval('#events li[data-type="offerwise-exposure"]', (lis) => lis.map((li) => li.dataset.decisionId));
  assert.ok(exposures.includes(view.log.decisionId), `no exposure logged for ${view.log.decisionId}: ${exposures}`);
  const first = view.offers[0];
  assert.ok(first, "an offer is shown");
  await page.locator("#offers").locator(`[data-offer-id="${first.id}"] .action`).click();
  await page.locator("#offers").locator(`[data-offer-id="${first.id}"] .title`).click();
  const events = await page.$$eval("#events li", (lis) => lis.map((li) => [li.dataset.type, li.textContent]));
  assert.deepEqual(events.slice(-2).map((e) => e[0]), ["offerwise-redeem", "offerwise-click"]);
  assert.ok(events.slice(-2).every((e) => e[1].includes(first.id) && e[1].includes(view.log.decisionId)), JSON.stringify(events));
});

test("a customer the engine refuses shows nothing and reports the error; the next one shows again", async () => {
  const bad = { id: " ", orders: [{ at: "1998-01-01", amount: 5 }] };
  await page.$eval("#offers", (el, c) => { el.customer = c; }, bad);
  await page.waitForSelector('#offers[data-state="error"]', { state: "attached" });
  assert.equal(await page.getAttribute("body", "data-error"), "customer.invalid at id");
  assert.equal(await page.$eval("#offers", (el) => el.shadowRoot.querySelector(".panel").hidden), true);
  await page.selectOption("#customer-select", "3");
  await page.waitForSelector('#offers[data-state="ready"]');
});

test("lenient by default: data slightly off still shows offers, and what was left out is reported; strict refuses it", async () => {
  // An order a few minutes after now (the shop's clock ahead) and a field this version does not know.
  const skewed = structuredClone(samples[PICK]);
  skewed.orders.push({ at: new Date(Date.parse(h.NOW) + 3 * 60_000).toISOString(), amount: 25 });
  skewed.segmentHint = "vip";
  // What the page shows for the customer as the shop meant it (same cart and page)...
  await page.$eval("#offers", (el, c) => { el.customer = c; }, samples[PICK]);
  await page.waitForSelector('#offers[data-state="ready"]');
  const clean = await shown();
  // ... is what it shows for the data slightly off, with the warnings reported.
  await page.$eval("#offers", (el, c) => { el.customer = c; }, skewed);
  await page.waitForFunction(() => document.body.dataset.warnings);
  await page.waitForSelector('#offers[data-state="ready"]');
  const n = samples[PICK].orders.length;
  assert.equal(await page.getAttribute("body", "data-warnings"), `customer.unknown_field at segmentHint; customer.order_skipped at orders[${n}]`);
  assert.deepEqual(await shown(), clean);
  await page.screenshot({ path: path.join(SCREENSHOTS, "widget-lenient.png") });
  // The strict attribute: the same data is an error, and nothing is shown.
  await page.$eval("#offers", (el, c) => { el.setAttribute("strict", ""); el.customer = structuredClone(c); }, skewed);
  await page.waitForSelector('#offers[data-state="error"]', { state: "attached" });
  assert.equal(await page.getAttribute("body", "data-error"), "customer.invalid at segmentHint");
  await page.$eval("#offers", (el) => el.removeAttribute("strict"));
  await page.selectOption("#customer-select", "3");
  await page.waitForSelector('#offers[data-state="ready"]');
});

test("axe-core finds no serious accessibility violation on the shop's product and cart pages", async () => {
  for (const tab of ["product", "cart"]) {
    await page.click(`.tab[data-page="${tab}"]`);
    await page.waitForSelector('#offers[data-state="ready"]');
    assert.deepEqual(await seriousViolations(page), [], `${tab} page`);
  }
});

test("no request carries the purchase history or the account, and none leaves the page's origin", () => {
  assert.ok(requests.length > 5, `only ${requests.length} requests seen`);
  const origin = new URL(server.url).origin;
  for (const r of requests) {
    assert.equal(new URL(r.url).origin, origin, `a request left the origin: ${r.url}`);
    assert.equal(r.method, "GET", `the page sent a ${r.method} to ${r.url}`);
    assert.equal(r.body, "", `a request carried a body: ${r.url}`);
    assert.doesNotMatch(decodeURIComponent(r.url), /orders|loyalty|amount|points|00008/i, `a request's URL carries customer data: ${r.url}`);
  }
  // What the page fetched: its own files, the package and the documents, nothing else.
  const paths = requests.map((r) => new URL(r.url).pathname);
  assert.ok(paths.includes("/pkg/web/offerwise_bg.wasm"), paths.join("\n"));
  assert.ok(paths.includes("/www/sample-customers.json"), "the shop's own data, from its own origin");
});

test("the shop page logged no errors", () => {
  assert.deepEqual(problems, []);
});

test("README.md's ```html widget snippet shows the package's offers and nudges", async () => {
  const { extractBlocks, blockKind } = await import("./lib/markdown.mjs");
  const blocks = extractBlocks(readFileSync(path.join(h.ROOT, "README.md"), "utf8")).filter((b) => blockKind(b) === "widget");
  assert.equal(blocks.length, 1, "README.md has one ```html widget block");
  const urlPath = "/www/.readme-widget.html";
  server.virtual.set(urlPath, blocks[0].code);
  const p = await browser.newPage();
  const errors = [];
  // A 404 is reported by its response (below); the browser's own favicon request is not the page's.
  p.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) errors.push(m.text()); });
  p.on("pageerror", (e) => errors.push(e.message));
  p.on("response", (r) => { if (r.status() >= 400 && !isFaviconUrl(r.url())) errors.push(`${r.status()} ${r.url()}`); });
  try {
    await p.goto(`${server.url}${urlPath}`);
    await p.waitForSelector('offerwise-offers[data-state="ready"]');
    const customer = await p.$eval("offerwise-offers", (el) => el.customer);
    const prepared = engine.prepare(customer, { now: h.NOW });
    const want = prepared.pageView({ now: h.NOW, cart: { items: [{ sku: "cd-1", category: "jazz", price: 15.5, qty: 2 }] }, context: { page: "cart" } });
    prepared.free();
    const got = await p.$eval("offerwise-offers", (el) => ({
      offers: [...el.shadowRoot.querySelectorAll(".title")].map((t) => t.textContent),
      nudges: [...el.shadowRoot.querySelectorAll(".nudge")].map((n) => n.textContent),
      cart: el.shadowRoot.querySelector(".cart")?.textContent,
    }));
    assert.ok(want.offers.length > 0 && want.nudges.length > 0);
    assert.deepEqual(got.offers, want.offers.map((o) => o.title));
    assert.deepEqual(got.nudges, want.nudges.map((n) => n.message));
    assert.match(got.cart, new RegExp(`earns ${want.quote.earn.points} points`));
    await p.screenshot({ path: path.join(SCREENSHOTS, "readme-widget.png") });
    assert.deepEqual(errors, []);
  } finally {
    await p.close();
    server.virtual.delete(urlPath);
  }
});
