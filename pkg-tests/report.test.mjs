// `offerwise analyze --html`: the experiment report opened in headless Chromium as a person
// would open it. It is one self-contained page (no request but its own), its plots render
// (a lift plot and a day-by-day plot per metric, the daily split), its numbers are the JSON's,
// and a sample-ratio mismatch is the first thing it says. A screenshot is left in
// pkg-tests/.work/report.png to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { isFaviconMiss, launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { serveStatic } from "./lib/static-server.mjs";

const UNITS = "tests/vectors/units.csv";
const ARGS = ["analyze", "--units", UNITS, "--control", "control", "--metric", "converted",
  "--metric", "revenue", "--metric", "orders", "--covariate", "revenue=pre_revenue",
  "--time-column", "first_seen"];

let server, browser;

before(async () => {
  h.requireBuilt();
  mkdirSync(h.WORK, { recursive: true });
  server = await serveStatic(h.ROOT);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Writes the report (and the JSON of the same run); opens it; returns the page and what it
 * requested. */
async function open(name, extra = []) {
  const html = path.join(h.WORK, `${name}.html`);
  const json = path.join(h.WORK, `${name}.json`);
  h.cli([...ARGS, ...extra, "--html", html, "--json", json]);
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(e.message));
  const url = `${server.url}/${path.relative(h.ROOT, html).split(path.sep).join("/")}`;
  await page.goto(url);
  await page.waitForLoadState("networkidle");
  return { page, context, url, requests, problems, analysis: JSON.parse(readFileSync(json, "utf8")) };
}

test("the report is one page that requests nothing, with every plot drawn", async () => {
  const { page, context, url, requests, problems, analysis } = await open("report");
  try {
    assert.deepEqual(requests, [url], "the page requested something besides itself");
    assert.deepEqual(problems, []);
    const metrics = ["converted", "revenue", "orders"];
    for (const m of metrics) {
      assert.ok(await page.locator("h2", { hasText: m }).count(), `no section for ${m}`);
    }
    // A lift plot per metric: one estimate per variant, each inside the plot.
    const forests = page.locator("figure.forest svg");
    assert.equal(await forests.count(), metrics.length);
    for (let i = 0; i < metrics.length; i++) {
      const svg = forests.nth(i);
      const box = await svg.boundingBox();
      assert.ok(box.width > 300 && box.height > 60, `lift plot ${i} is ${box.width}×${box.height}`);
      const dots = await svg.locator("circle").evaluateAll((cs) => cs.map((c) => { const b = c.getBBox(); return { x: b.x, width: b.width }; }));
      assert.equal(dots.length, 2, "one estimate per variant (a, b)");
      for (const d of dots) assert.ok(d.x >= 0 && d.x + d.width <= 720, `estimate drawn outside: ${JSON.stringify(d)}`);
    }
    // The day-by-day plots: a cumulative-lift line per variant over the 28 days, with the
    // dashed sequential boundary.
    const timelines = page.locator("figure.timeline svg");
    assert.equal(await timelines.count(), metrics.length);
    const lines = await timelines.first().locator("polyline.lift").evaluateAll((ps) => ps.map((p) => p.points.length));
    assert.deepEqual(lines, [28, 28]);
    assert.ok(await timelines.first().locator("polyline[stroke-dasharray]").count() >= 2);
    const days = new Set(analysis.timeline.map((t) => t.day));
    assert.equal(days.size, 28);
    // The split per day: one line per variant, a point per day.
    const split = await page.locator("figure.split polyline").evaluateAll((ps) => ps.map((p) => p.points.length));
    assert.deepEqual(split, [28, 28, 28]);
    // The table says what the JSON says.
    const rows = await page.locator("table").first().locator("tbody tr").allTextContents();
    assert.equal(rows.length, analysis.results.length);
    for (const [i, r] of analysis.results.entries()) {
      assert.ok(rows[i].startsWith(`${r.variant}${r.metric}`), rows[i]);
      assert.ok(rows[i].includes(r.pValue.toFixed(4)), `${rows[i]} lacks p ${r.pValue.toFixed(4)}`);
      assert.ok(rows[i].endsWith(r.verdict), `${rows[i]} lacks the verdict ${r.verdict}`);
    }
    assert.match(await page.textContent("#srm"), /Sample ratio as planned/);
    await page.screenshot({ path: path.join(h.WORK, "report.png"), fullPage: true });
  } finally {
    await context.close();
  }
});

test("a sample-ratio mismatch is said first and withholds every verdict", async () => {
  const { page, context, problems, analysis } = await open("report-srm",
    ["--weights", JSON.stringify({ a: 0.6, b: 0.2, control: 0.2 })]);
  try {
    assert.deepEqual(problems, []);
    assert.equal(analysis.srm.ok, false);
    const banner = page.locator("#srm");
    assert.equal(await banner.getAttribute("role"), "alert");
    assert.match(await banner.textContent(), /Sample ratio mismatch/);
    // The banner comes before any plot.
    const first = await page.evaluate(() => {
      const all = [...document.querySelectorAll("#srm, figure")];
      return all[0]?.id;
    });
    assert.equal(first, "srm");
    const verdicts = await page.locator("table").first().locator("tbody tr td:last-child").allTextContents();
    assert.deepEqual([...new Set(verdicts)], ["withheld"]);
  } finally {
    await context.close();
  }
});

test("a ratio metric gets its section and every segment its rows, as the JSON says", async () => {
  const { page, context, problems, analysis } = await open("report-segments",
    ["--metric", "aov=revenue/orders", "--segment-column", "segment"]);
  try {
    assert.deepEqual(problems, []);
    assert.match(await page.locator("h2", { hasText: "aov" }).textContent(), /\(ratio\)/);
    assert.equal(await page.locator("figure.forest svg").count(), 4);
    const rows = await page.locator("table.seg tbody tr").allTextContents();
    const want = analysis.segments.flatMap((s) => s.analysis.results.map((r) => ({ s: s.segment, r })));
    assert.equal(rows.length, want.length);
    for (const [i, { s, r }] of want.entries()) {
      assert.ok(rows[i].startsWith(`${s}${r.variant}${r.metric}`), rows[i]);
      assert.ok(rows[i].includes(r.pValue.toFixed(4)) && rows[i].endsWith(r.verdict), rows[i]);
    }
    await page.locator("#segments").screenshot({ path: path.join(h.WORK, "report-segments.png") });
  } finally {
    await context.close();
  }
});
