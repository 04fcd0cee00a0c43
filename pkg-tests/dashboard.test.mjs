// The data team's dashboard (www/dashboard/) in Chromium, as an analyst uses it: open a units
// CSV, see the columns detected, analyse, and read the sample-ratio check, the table and the
// lift plot; the numbers are the CLI's (`offerwise analyze --json`). The analysis runs in a Web
// Worker on the data build; the file is never sent anywhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isFaviconMiss, launchChromium } from "./lib/chromium.mjs";
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
  page.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) problems.push(`console.error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" }));
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%`;

test("the dashboard's front page leads to its three pages, each naming itself in the navigation", async () => {
  await page.goto(`${server.url}/www/dashboard/`);
  const links = await page.$$eval("main h2 a", (as) => as.map((a) => [a.textContent, a.getAttribute("href")]));
  assert.deepEqual(links, [["Segmentation", "segments.html"], ["Experiments", "experiments.html"], ["Programme", "programme.html"]]);
  assert.deepEqual(await seriousViolations(page), []);
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-index.png") });
  for (const [name, href] of links) {
    await page.goto(`${server.url}/www/dashboard/${href}`);
    assert.equal(await page.textContent('nav a[aria-current="page"]'), name);
    assert.match(await page.title(), /^offerwise dashboard · /);
  }
});

test("an analyst opens a units CSV and reads the CLI's analysis: sample ratio, verdicts, lifts", async () => {
  await page.goto(`${server.url}/www/dashboard/experiments.html`);
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

test("a split that is not as planned is the first thing the page says, and verdicts are withheld", async () => {
  // units.csv with every other unit of variant b dropped: a sample-ratio mismatch.
  const [header, ...rows] = readFileSync(UNITS, "utf8").trim().split("\n");
  const vi = header.split(",").indexOf("variant");
  let b = 0;
  const skewed = rows.filter((r) => r.split(",")[vi] !== "b" || b++ % 2 === 0);
  const file = path.join(h.WORK, "dashboard-srm.csv");
  writeFileSync(file, [header, ...skewed].join("\n") + "\n");
  await page.setInputFiles("#units-file", file);
  await page.waitForSelector('body[data-state="loaded"]');
  await page.fill("#metrics", "converted, revenue");
  await page.click("#run");
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]');
  const want = JSON.parse(h.cli(["analyze", "--units", file, "--control", "control", "--metric", "converted",
    "--metric", "revenue", "--time-column", "first_seen", "--json", "-"]));
  assert.equal(want.srm.ok, false);
  assert.match(await page.textContent("#srm"), new RegExp(`^Sample ratio mismatch \\(chi² ${want.srm.chi2.toFixed(3)}, p ${want.srm.pValue.toFixed(4)}\\): .*Verdicts are withheld`));
  assert.equal(await page.getAttribute("#srm", "class"), "srm warn");
  const verdicts = await page.$$eval("#results tbody tr td:last-child", (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(verdicts, want.results.map((r) => r.verdict ?? "withheld"));
  assert.ok(verdicts.every((v) => v === "withheld"), verdicts.join(", "));
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-experiment-srm.png") });
});

test("an analyst opens a decision log and its outcomes and reads the CLI's analysis of the experiment", async () => {
  const decisions = path.join(h.WORK, "dashboard-decisions.jsonl");
  const outcomes = path.join(h.WORK, "dashboard-outcomes.jsonl");
  h.cli(["simulate", "--customers", "2000", "--days", "20", "--decisions-out", decisions, "--outcomes-out", outcomes]);
  const want = JSON.parse(h.cli(["analyze", "--decisions", decisions, "--outcomes", outcomes, "--experiment", "offer-policy",
    "--control", "rules", "--metric", "redemption", "--metric", "revenue", "--window-days", "14", "--json", "-"]));
  await page.setInputFiles("#decisions-file", decisions);
  await page.waitForSelector('body[data-state="loading-log"]');
  assert.match(await page.textContent("#status"), /: [\d,]+ decisions assigning 2 experiment\(s\); now open the outcome events\.$/);
  await page.setInputFiles("#outcomes-file", outcomes);
  await page.waitForSelector('body[data-state="log-loaded"]');
  assert.deepEqual(await page.$$eval("#experiment option", (os) => os.map((o) => o.textContent)),
    ["offer-policy (learned, rules)", "winback-2026q4 (control, winback)"]);
  await page.selectOption("#experiment", "offer-policy");
  assert.equal(await page.inputValue("#log-control"), "rules", "the rules arm is offered as the control");
  await page.fill("#log-metrics", "redemption, revenue");
  await page.click("#run-logs");
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]');
  assert.equal(await page.getAttribute("body", "data-state"), "done", await page.textContent("#status"));
  const j = want.join;
  assert.equal(await page.textContent("#join"), `${j.decisions.toLocaleString("en-US")} decisions, ${j.exposures.toLocaleString("en-US")} exposing to offer-policy: `
    + `${j.units.toLocaleString("en-US")} units (${j.multipleVariants} left out: exposed to more than one variant); `
    + `${j.outcomes.toLocaleString("en-US")} outcomes, ${j.attributed.toLocaleString("en-US")} in a unit's 14-day window, `
    + `${j.outsideWindow.toLocaleString("en-US")} outside it, ${j.unmatched.toLocaleString("en-US")} of no unit.`);
  assert.match(await page.textContent("#srm"), new RegExp(`chi² ${want.srm.chi2.toFixed(3)}, p ${want.srm.pValue.toFixed(4)}\\)`));
  const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, want.results.length);
  want.results.forEach((r, i) => {
    assert.deepEqual(rows[i].slice(0, 4), [r.variant, `${r.metric} (${r.kind})`, r.mean[1].toFixed(4), r.mean[0].toFixed(4)], `row ${i}`);
    assert.equal(rows[i][6], r.verdict ?? "withheld", `row ${i} verdict`);
  });
  assert.equal(await page.textContent("#skipped"), `Not compared: ${want.skipped.map((k) => k.message).join("; ")}.`,
    "a comparison the engine could not make is named");
  assert.ok(want.skipped.length > 0, "this log has a comparison the engine refuses (revenue without variance)");
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-experiment-log.png"), fullPage: true });
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
