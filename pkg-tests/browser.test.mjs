// The demo page (www/) in headless Chromium (Debian's, driven by playwright-core): the web
// build loads, a customer picked in the page gets exactly the CLI's decision, errors show in
// the page's error box, the shared decision vectors decide alike in the page, and nothing is
// logged to the console as an error.
//
// Also README.md's ```html examples: each is served, as written, at /www/.readme-example-N.html
// (a virtual page of the test server, no file is written), so that its relative paths
// (../pkg/web/offerwise.js, ../models/...) resolve as for a page of www/; it must run without a
// console error and write the CLI's segment and offer titles into the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isFaviconMiss, isFaviconRequest, launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { blockKind, extractBlocks } from "./lib/markdown.mjs";
import { serveStatic } from "./lib/static-server.mjs";
import { seriousViolations } from "./lib/axe.mjs";

const SCREENSHOT = path.join(h.WORK, "www.png");
const PICK = 7; // index of the sample customer the test picks (not the first, which loads by default)

let server, browser, page;
const consoleProblems = [];

before(async () => {
  h.requireBuilt();
  // What www/generate-samples.sh writes, from the CLI built now.
  mkdirSync(h.WORK, { recursive: true });
  h.cli(["customers", "--orders", h.CDNOW, "--format", "cdnow", "--limit", "50", "--earn-points", "--now", h.NOW,
    "--out", path.join(h.WORK, "samples-earned.jsonl")]);
  server = await serveStatic(h.ROOT);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => {
    if (isFaviconMiss(m)) return;
    // wasm-bindgen warns (not errors) when the server sends the wrong MIME type for .wasm
    if (m.type() === "error" || (m.type() === "warning" && /instantiateStreaming|MIME/i.test(m.text()))) {
      consoleProblems.push(`console.${m.type()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => consoleProblems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => consoleProblems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const state = () => page.getAttribute("body", "data-state");
const EXAMPLE_CART = JSON.parse(readFileSync(path.join(h.ROOT, "www", "example-cart.json"), "utf8"));

/** The CLI's decision for a customer document, with a cart or none (`offerwise decide`). */
function cliDecide(customer, cart) {
  mkdirSync(h.WORK, { recursive: true });
  const file = path.join(h.WORK, `browser-customer-${customer.id}.json`);
  writeFileSync(file, JSON.stringify(customer));
  const args = ["decide", "--customer", file, "--now", h.NOW, "--compact"];
  if (cart) {
    const cartFile = path.join(h.WORK, "browser-cart.json");
    writeFileSync(cartFile, JSON.stringify(cart));
    args.push("--cart", cartFile);
  }
  return JSON.parse(h.cli(args));
}
const decisionJson = async () => JSON.parse(await page.textContent("#decision-json"));

test("the page loads the engine and decides for the first sample customer", async () => {
  await page.goto(`${server.url}/www/index.html`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  assert.equal(await state(), "ready", `page state is error: ${await page.textContent("#error")}`);
  const meta = await page.textContent("#meta");
  assert.match(meta, /^offerwise \d+\.\d+\.\d+ · model \S+/);
  const wasm = server.requests.find((r) => r.path.endsWith("/pkg/web/offerwise_bg.wasm"));
  assert.ok(wasm, "the page did not fetch pkg/web/offerwise_bg.wasm");
  assert.equal(wasm.type, "application/wasm");
});

test("www/sample-customers.json is the first 50 customers `offerwise customers --earn-points` writes", () => {
  const samples = JSON.parse(readFileSync(path.join(h.ROOT, "www", "sample-customers.json"), "utf8"));
  assert.equal(samples.length, 50);
  const want = h.readJsonl(path.join(h.WORK, "samples-earned.jsonl"));
  h.assertSameJson(samples, want, "www/sample-customers.json (run www/generate-samples.sh)");
  // The same orders as the plain export; every sample has a loyalty account, and the points
  // make nudges a person can see.
  h.assertSameJson(samples.map((c) => ({ id: c.id, orders: c.orders })), h.customers(1000).slice(0, 50), "sample orders");
  assert.ok(samples.every((c) => c.loyalty && Array.isArray(c.loyalty.operations)));
  const kinds = new Set(samples.flatMap((c) => cliDecide(c, EXAMPLE_CART).nudges.map((n) => n.kind)));
  for (const k of ["pointsExpiring", "pointsForCart", "cartReachesTier", "nextTier"]) {
    assert.ok(kinds.has(k), `no sample customer shows a ${k} nudge (kinds: ${[...kinds].join(", ")})`);
  }
});

test("a customer picked from the list gets the CLI's decision, shown in words and as JSON", async () => {
  const samples = JSON.parse(readFileSync(path.join(h.ROOT, "www", "sample-customers.json"), "utf8"));
  const id = samples[PICK].id;
  // The page starts with www/example-cart.json in its cart box.
  assert.deepEqual(JSON.parse(await page.inputValue("#cart-json")), EXAMPLE_CART);
  const want = cliDecide(samples[PICK], EXAMPLE_CART);
  assert.ok(want.loyalty.quote, "the CLI decision has no quote");
  assert.equal(await page.inputValue("#now"), h.NOW, "the page's default date is the CLI's --now");

  await page.selectOption("#customer-select", String(PICK));
  await page.waitForSelector(`#decision[data-customer-id="${id}"]`);
  assert.equal(await state(), "ready");
  h.assertSameJson(await decisionJson(), want, `customer ${id} in the browser`);

  // the human view says the same
  assert.equal(await page.textContent("#d-customer"), id);
  assert.equal(await page.textContent("#d-segment"), want.segment ? want.segment.name : "none");
  const offerIds = await page.$$eval("#d-offers li[data-offer-id]", (lis) => lis.map((li) => li.dataset.offerId));
  assert.deepEqual(offerIds, want.offers.map((o) => o.id));
  const reasons = await page.$$eval("#d-offers .reason", (els) => els.map((e) => e.textContent));
  assert.deepEqual(reasons, want.offers.map((o) => o.reason));
  const experiments = await page.$$eval("#d-experiments tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(experiments.map((r) => r[0]), want.experiments.map((x) => x.key));
  assert.deepEqual(experiments.map((r) => r[1]), want.experiments.map((x) => x.variant ?? "not in the test"));
  const nudges = await page.$$eval("#d-nudges li[data-kind]", (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(nudges, want.nudges.map((n) => n.message));
  const featureKeys = await page.$$eval("#d-features tbody tr", (trs) => trs.map((tr) => tr.title));
  for (const k of Object.keys(want.features)) {
    assert.ok(featureKeys.some((t) => t === k || t.startsWith(k + ".")), `feature ${k} not shown`);
  }
  // Points and the cart quote, as a person reads them.
  assert.equal(await page.textContent("#d-points"), want.loyalty.ledger.balance.toLocaleString("en-US"));
  assert.equal(await page.isVisible("#d-quote"), true);
  assert.equal(await page.textContent("#q-earn"), want.loyalty.quote.earn.points.toLocaleString("en-US"));
  assert.equal(await page.textContent("#q-delivery"), want.loyalty.quote.freeDelivery ? "yes" : "no");

  // Another cart from the presets: the quote follows, as the CLI's with that cart.
  await page.click('.cart-presets .chip:has-text("$250 order")');
  const want250 = cliDecide(samples[PICK], { amount: 250 });
  await page.waitForFunction((p) => document.getElementById("q-earn").textContent === p,
    want250.loyalty.quote.earn.points.toLocaleString("en-US"));
  h.assertSameJson(await decisionJson(), want250, `customer ${id} with a $250 cart in the browser`);
  const nudges250 = await page.$$eval("#d-nudges li[data-kind]", (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(nudges250, want250.nudges.map((n) => n.message));
  // No cart: no quote.
  await page.click('.cart-presets .chip:has-text("No cart")');
  await page.waitForFunction(() => document.getElementById("d-quote").hidden);
  h.assertSameJson(await decisionJson(), cliDecide(samples[PICK], null), `customer ${id} without a cart`);
  await page.click('.cart-presets .chip:has-text("4 jazz CDs")');
  await page.waitForFunction(() => !document.getElementById("d-quote").hidden);

  mkdirSync(h.WORK, { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

test("bad input shows the error box with code and path, and the page recovers", async () => {
  await page.fill("#customer-json", '{"id": "x", "orders": [');
  await page.click("#decide");
  await page.waitForSelector('body[data-state="error"]');
  assert.equal(await page.isVisible("#error"), true);
  assert.equal(await page.isVisible("#decision"), false);
  assert.equal(await page.textContent("#error-code"), "customer.syntax");
  assert.match(await page.textContent("#error-path"), /^line \d+, column \d+$/);

  await page.fill("#customer-json", JSON.stringify({ id: "x", orders: [{ at: "1997-13-45", amount: 3 }] }));
  await page.click("#decide");
  await page.waitForFunction(() => document.getElementById("error-path").textContent === "orders[0].at");
  assert.equal(await page.textContent("#error-code"), "customer.invalid");
  assert.match(await page.textContent("#error-message"), /orders\[0\]\.at/);
  await page.screenshot({ path: path.join(h.WORK, "www-error.png") });

  // same engine, next customer: right again
  const samples = JSON.parse(readFileSync(path.join(h.ROOT, "www", "sample-customers.json"), "utf8"));
  await page.selectOption("#customer-select", "3");
  await page.waitForSelector(`body[data-state="ready"] #decision[data-customer-id="${samples[3].id}"]`);
  h.assertSameJson(await decisionJson(), cliDecide(samples[3], EXAMPLE_CART), `customer ${samples[3].id} after errors`);

  // A cart that is not JSON: the error box says so, with the cart as the place.
  await page.fill("#cart-json", '{"items": [');
  await page.click("#decide");
  await page.waitForSelector('body[data-state="error"]');
  assert.equal(await page.textContent("#error-code"), "cart.syntax");
  assert.equal(await page.textContent("#error-path"), "cart");
  await page.fill("#cart-json", JSON.stringify(EXAMPLE_CART));
  await page.click("#decide");
  await page.waitForSelector('body[data-state="ready"]');
});

test("the shared decision vectors decide exactly alike in Chromium", async () => {
  // In the demo page (its module instance is initialised): the web build with the default
  // model, programme and policy fetched as a page would, every case of tests/vectors/decisions.json.
  const vectors = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "decisions.json"), "utf8"));
  const got = await page.evaluate(async (cases) => {
    const { default: init, Engine } = await import("/pkg/web/offerwise.js");
    await init();
    const text = (u) => fetch(u).then((r) => r.text());
    const [model, program, policy] = await Promise.all([
      text("/models/default.json"), text("/models/default-program.json"), text("/models/default-policy.json")]);
    const learned = new Engine(model, program, policy);
    const priors = new Engine(model, program);
    return cases.map((c) => (c.policy ? learned : priors).decide(c.customer, c.options));
  }, vectors.cases.map(({ customer, options, policy }) => ({ customer, options, policy })));
  assert.equal(got.length, vectors.cases.length);
  vectors.cases.forEach((c, i) => h.assertSameJson(got[i], c.decision, `${c.name} in Chromium`));
});

test("the shared assignment vectors assign alike in Chromium (tests/vectors/assignments.json)", async () => {
  const v = JSON.parse(readFileSync(path.join(h.ROOT, "tests", "vectors", "assignments.json"), "utf8"));
  const got = await page.evaluate(async (v) => {
    const { default: init, Engine, offerwiseHash } = await import("/pkg/web/offerwise.js");
    await init();
    const text = (u) => fetch(u).then((r) => r.text());
    const [model, programText] = await Promise.all([text("/models/default.json"), text("/models/default-program.json")]);
    const program = JSON.parse(programText);
    const variants = v.experiments.map((x) => {
      const e = new Engine(model, { ...program, holdout: undefined, experiments: [x] });
      const out = v.ids.map((id) => e.assign({ id, orders: [] }, { now: v.now }).experiments[0].variant);
      e.free();
      return out;
    });
    return { variants, buckets: v.ids.map((id) => offerwiseHash(v.offerwise1.seed, id)) };
  }, v);
  assert.deepEqual(got.variants, v.variants);
  assert.deepEqual(got.buckets, v.offerwise1.buckets);
});

test("axe-core finds no serious accessibility violation on the decision explorer", async () => {
  assert.deepEqual(await seriousViolations(page), []);
});

test("no console errors, page errors or failed requests", () => {
  assert.deepEqual(consoleProblems, []);
  const bad = server.requests.filter((r) => r.status !== 200 && !isFaviconRequest(r));
  assert.deepEqual(bad, [], "requests that did not succeed");
});

// ---- README.md's browser examples ----------------------------------------------------------

/** The customer and date of README.md's ```html example (the CLI decides the same). */
const README_HTML_CUSTOMER = { id: "00001", orders: [{ at: "1997-01-01", amount: 11.77 }] };
const README_PATH = path.join(h.ROOT, "README.md");
const readmeHtml = existsSync(README_PATH)
  ? extractBlocks(readFileSync(README_PATH, "utf8")).filter((b) => blockKind(b) === "browser")
  : [];

test("README.md has a ```html example to run in the browser", () => {
  assert.ok(existsSync(README_PATH), "README.md not found");
  assert.ok(readmeHtml.some((b) => !b.skip), "README.md has no ```html block (without <!-- no-test -->)");
});

readmeHtml.forEach((block, i) => {
  const urlPath = `/www/.readme-example-${i + 1}.html`;
  test(`README.md:${block.line} \`\`\`html runs as ${urlPath} and shows the CLI's segment and offers`, { skip: block.skip && "<!-- no-test -->" }, async () => {
    mkdirSync(h.WORK, { recursive: true });
    const customerFile = path.join(h.WORK, "readme-html-customer.json");
    writeFileSync(customerFile, JSON.stringify(README_HTML_CUSTOMER));
    const want = JSON.parse(h.cli(["decide", "--customer", customerFile, "--now", h.NOW, "--compact"]));
    assert.ok(want.segment && want.offers.length > 0, "the CLI gives no segment or no offers for the README customer");

    server.virtual.set(urlPath, block.code);
    // The body text before any script of the page runs: the same page with JavaScript off.
    const still = await browser.newContext({ javaScriptEnabled: false });
    let initial;
    try {
      const p0 = await still.newPage();
      await p0.goto(`${server.url}${urlPath}`);
      initial = await p0.textContent("body");
    } finally {
      await still.close();
    }

    const context = await browser.newContext();
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(30_000);
      const problems = [];
      let fail;
      const failed = new Promise((_, reject) => { fail = reject; });
      failed.catch(() => {}); // may reject after the race below is over
      const problem = (what) => { problems.push(what); fail(new Error(`${urlPath}: ${what}`)); };
      p.on("console", (m) => {
        if (isFaviconMiss(m)) return;
        if (m.type() === "error" || (m.type() === "warning" && /instantiateStreaming|MIME/i.test(m.text()))) {
          problem(`console.${m.type()}: ${m.text()}`);
        }
      });
      p.on("pageerror", (e) => problem(`page error: ${e.message}`));
      p.on("requestfailed", (r) => problem(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      const firstRequest = server.requests.length;

      await p.goto(`${server.url}${urlPath}`);
      await Promise.race([
        p.waitForFunction((before) => document.body !== null && document.body.textContent !== before, initial),
        failed,
      ]);
      await p.waitForLoadState("networkidle");
      const text = await p.textContent("body");

      assert.deepEqual(problems, [], "console errors, page errors or failed requests");
      const requests = server.requests.slice(firstRequest);
      assert.deepEqual(requests.filter((r) => r.status !== 200 && !isFaviconRequest(r)), [], "requests that did not succeed");
      // the relative paths resolved from www/ to the repository root
      for (const [file, type] of [["/pkg/web/offerwise.js", "text/javascript"], ["/pkg/web/offerwise_bg.wasm", "application/wasm"],
        ["/models/default.json", "application/json"], ["/models/default-program.json", "application/json"],
        ["/models/default-policy.json", "application/json"]]) {
        const r = requests.find((x) => x.path === file);
        assert.ok(r, `the example did not fetch ${file} (requests: ${requests.map((x) => x.path).join(", ")})`);
        assert.ok(r.type.startsWith(type), `${file} served as ${r.type}`);
      }
      assert.ok(text.includes(want.segment.name), `the page says ${JSON.stringify(text)}, without the CLI's segment ${JSON.stringify(want.segment.name)}`);
      for (const o of want.offers) {
        assert.ok(text.includes(o.title), `the page says ${JSON.stringify(text)}, without the CLI's offer ${JSON.stringify(o.title)}`);
      }
    } finally {
      await context.close();
      server.virtual.delete(urlPath);
    }
  });
});
