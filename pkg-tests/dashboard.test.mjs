// The data team's dashboard (www/dashboard/) in Chromium, as an analyst uses it: open a units
// CSV, see the columns detected, analyse, and read the sample-ratio check, the table and the
// lift plot; the numbers are the CLI's (`offerwise analyze --json`). The analysis runs in a Web
// Worker on the data build; the file is never sent anywhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { serveStatic } from "./lib/static-server.mjs";
import { seriousViolations } from "./lib/axe.mjs";

const UNITS = path.join(h.ROOT, "tests", "vectors", "units.csv");
const SCREENSHOTS = path.join(h.WORK, "screenshots");
let server, browser, page;
const problems = [];
const requests = [];

before(async () => {
  h.requireBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await serveStatic(h.ROOT);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console.error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" }));
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%`;

test("an analyst opens a units CSV and reads the CLI's analysis: sample ratio, verdicts, lifts", async () => {
  await page.goto(`${server.url}/www/dashboard/index.html`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles("#units-file", UNITS);
  await page.waitForSelector('body[data-state="loaded"]');
  assert.equal(await page.inputValue("#metrics"), "converted, revenue, orders", "the numeric columns are offered as metrics");
  assert.equal(await page.inputValue("#control"), "control");
  await page.fill("#metrics", "converted, revenue, orders:mean");
  await page.click("#run");
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]');
  assert.equal(await page.getAttribute("body", "data-state"), "done", await page.textContent("#status"));

  mkdirSync(h.WORK, { recursive: true });
  const want = JSON.parse(h.cli(["analyze", "--units", UNITS, "--control", "control", "--metric", "converted",
    "--metric", "revenue", "--metric", "orders:mean", "--json", "-"]));
  assert.match(await page.textContent("#srm"), new RegExp(`^Sample ratio as planned \\(chi² ${want.srm.chi2.toFixed(3)}, p ${want.srm.pValue.toFixed(4)}\\)`));
  const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, want.results.length);
  want.results.forEach((r, i) => {
    assert.deepEqual(rows[i], [r.variant, `${r.metric} (${r.kind})`, r.mean[1].toFixed(4), r.mean[0].toFixed(4),
      `${pct(r.relLift)} [${pct(r.relLiftCI[0])}, ${pct(r.relLiftCI[1])}]`, `${r.pValue.toFixed(4)} (${r.pHolm.toFixed(4)})`,
      r.verdict ?? "withheld"], `row ${i}`);
  });
  assert.equal(await page.$$eval("#lift-plot circle", (cs) => cs.length), want.results.length, "a point per comparison in the plot");
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-experiment.png"), fullPage: true });

  // The exposure dates (first_seen) make the day-by-day view of the first metric.
  assert.equal(await page.inputValue("#time-column"), "first_seen");
  const timed = JSON.parse(h.cli(["analyze", "--units", UNITS, "--control", "control", "--metric", "converted",
    "--metric", "revenue", "--metric", "orders:mean", "--time-column", "first_seen", "--json", "-"]));
  const line = timed.timeline.filter((p) => p.metric === "converted");
  const days = new Set(line.map((p) => p.day)).size;
  assert.ok(days > 10, `${days} days`);
  assert.equal(await page.getAttribute("#timeline-plot", "data-days"), String(days));
  for (const v of ["a", "b"]) {
    const vs = line.filter((p) => p.variant === v).sort((x, y) => (x.day < y.day ? -1 : 1));
    assert.equal(await page.getAttribute(`#timeline-plot polyline[data-variant="${v}"]`, "data-points"), String(vs.length));
    const last = vs[vs.length - 1].absLift;
    assert.equal(await page.textContent(`#timeline-plot text[data-variant="${v}"]`), `${v} ${last >= 0 ? "+" : ""}${last.toFixed(4)}`);
  }
});

test("a wrong column shows the engine's error with its path; a good run after it works", async () => {
  await page.fill("#metrics", "converted, nosuch");
  await page.click("#run");
  await page.waitForSelector('body[data-state="error"]');
  const status = await page.textContent("#status");
  assert.match(status, /nosuch/, status);
  await page.fill("#metrics", "converted");
  await page.click("#run");
  await page.waitForSelector('body[data-state="done"]');
  assert.equal(await page.$$eval("#results tbody tr", (trs) => trs.length), 2);
});

test("axe-core finds no serious accessibility violation on the dashboard", async () => {
  assert.deepEqual(await seriousViolations(page), []);
});

test("the file was read in the page: no request carried it, none left the origin", () => {
  const origin = new URL(server.url).origin;
  for (const r of requests) {
    assert.equal(new URL(r.url).origin, origin, r.url);
    assert.equal(r.method, "GET", r.url);
    assert.equal(r.body, "", r.url);
  }
  assert.ok(requests.some((r) => r.url.endsWith("/pkg/data/web/offerwise_bg.wasm")), "the worker loaded the data build");
  assert.ok(!requests.some((r) => r.url.includes("units.csv")), "the CSV was fetched instead of read from the file");
});

test("the dashboard logged no errors", () => {
  assert.deepEqual(problems, []);
});
