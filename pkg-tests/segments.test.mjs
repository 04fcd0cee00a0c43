// The dashboard's segmentation page (www/dashboard/segments.html) in Chromium, as a data team
// uses it: open the CDNOW transaction file, read its feature distributions, train k = 4 with
// the lifetime-value model while a progress bar moves, and read the segments: names and sizes
// equal the CLI's (`offerwise train` on the same file, date and seed), and the model it offers
// to download is the CLI's model. The engine runs in the page's Web Worker, never on the page's
// thread, and the file is never sent anywhere. A screenshot is left to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { isFaviconMiss, launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { serveStatic } from "./lib/static-server.mjs";
import { seriousViolations } from "./lib/axe.mjs";

const SCREENSHOTS = path.join(h.WORK, "screenshots");
let server, browser, context, page, cliModel, cliFeatures;
const problems = [];
const requests = [];

before(async () => {
  h.requireBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const out = path.join(h.WORK, "segments-cli-model.json");
  h.cli(["train", "--orders", h.CDNOW, "--format", "cdnow", "--k", "4", "--now", h.NOW, "--name", "CDNOW_master", "--out", out]);
  cliModel = JSON.parse(readFileSync(out, "utf8"));
  const features = path.join(h.WORK, "segments-cli-features.csv");
  h.cli(["features", "--orders", h.CDNOW, "--format", "cdnow", "--now", h.NOW, "--out", features]);
  const [header, ...lines] = readFileSync(features, "utf8").trim().split("\n");
  const names = header.split(",");
  cliFeatures = Object.fromEntries(names.slice(1).map((n, j) => [n, lines.map((l) => Number(l.split(",")[j + 1]))]));
  server = await serveStatic(h.ROOT);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  // Tasks over 50 ms on the page's thread, for the report (timing is measured, never asserted).
  await page.addInitScript(() => {
    // WebAssembly compiled on the page's thread (init scripts run in the page, not its workers).
    globalThis.__wasmOnPage = 0;
    for (const f of ["instantiate", "instantiateStreaming", "compile", "compileStreaming"]) {
      const original = WebAssembly[f];
      WebAssembly[f] = function (...args) { globalThis.__wasmOnPage += 1; return original.apply(this, args); };
    }
    globalThis.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) globalThis.__longTasks.push([e.startTime, e.duration]); })
      .observe({ type: "longtask", buffered: true });
  });
  page.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) problems.push(`console.error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" }));
  page.setDefaultTimeout(60_000);
});

after(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

/** Median as the page computes it (linear interpolation between order statistics). */
function median(values) {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const i = (s.length - 1) / 2;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
}

test("a data team opens CDNOW and sees every customer's feature distributions", async () => {
  await page.goto(`${server.url}/www/dashboard/segments.html`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.waitForLoadState("networkidle");
  await page.evaluate(() => { globalThis.__loadedAt = performance.now(); });
  await page.setInputFiles("#orders-file", h.CDNOW);
  await page.waitForSelector('body[data-state="loaded"], body[data-state="error"]');
  assert.equal(await page.getAttribute("body", "data-state"), "loaded", await page.textContent("#status"));
  assert.equal(await page.textContent("#features-summary"),
    "CDNOW_master.txt (CDNOW): 69,659 transactions of 23,570 customers; features as of 1998-07-01.");
  assert.equal(await page.$$eval("#histograms figure", (fs) => fs.length), 6);
  for (const name of ["recencyDays", "frequency", "monetary"]) {
    const caption = await page.textContent(`#histograms figure[data-feature="${name}"] figcaption`);
    const want = median(cliFeatures[name]).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    assert.match(caption, new RegExp(`median ${want.replace(".", "\\.")},`), `${name}: ${caption}`);
    const bars = await page.$$eval(`#histograms figure[data-feature="${name}"] rect`, (rs) => rs.length);
    assert.equal(bars, 25, `${name}: 24 bins and the top 1%`);
  }
  // Days between orders are undefined for one-day customers, and the caption says how many.
  assert.match(await page.textContent('#histograms figure[data-feature="meanDaysBetweenPurchases"] figcaption'),
    /undefined for [\d,]+ customers\./);
});

test("training k = 4 shows its progress and the CLI's segments, sizes and model", async () => {
  await page.fill("#k-low", "4");
  await page.fill("#k-high", "4");
  await page.evaluate(() => {
    globalThis.__labels = [];
    globalThis.__values = [];
    const label = document.getElementById("progress-label");
    new MutationObserver(() => {
      globalThis.__labels.push(label.textContent);
      globalThis.__values.push(document.getElementById("progress").value);
    }).observe(label, { childList: true, characterData: true, subtree: true });
  });
  await page.click("#train");
  await page.waitForSelector('body[data-state="trained"], body[data-state="error"]', { timeout: 180_000 });
  assert.equal(await page.getAttribute("body", "data-state"), "trained", await page.textContent("#train-status"));
  const labels = await page.evaluate(() => globalThis.__labels);
  assert.deepEqual(labels, ["Computing the features of 23,570 customers", "Clustering with k = 4 (1 of 1)",
    "Fitting the lifetime-value model", "Trained"]);
  const values = await page.evaluate(() => globalThis.__values);
  assert.deepEqual(values.map((v) => Math.round(v * 100) / 100), [0, 0.33, 0.67, 1], "the bar moves a step at a time");

  const rows = await page.$$eval("#segments tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 4, "k = 4 segments");
  cliModel.segments.forEach((s, i) => {
    assert.equal(rows[i][0], s.name);
    assert.equal(rows[i][1], s.role);
    assert.equal(rows[i][2], s.size.toLocaleString("en-US"), `${s.name}: the CLI's size`);
    assert.equal(rows[i][4], s.profile.recencyDays.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
  });
  const sizes = await page.$$eval("#sizes-plot rect", (rs) => rs.map((r) => Number(r.dataset.size)));
  assert.deepEqual(sizes, cliModel.training.clusterSizes);
  assert.equal(await page.$$eval("#profile-plot rect[data-feature]", (rs) => rs.length), 4 * 3, "a bar per segment and feature");
  assert.match(await page.textContent("#model-summary"),
    new RegExp(`^k = 4: 23,570 customers clustered; inertia [\\d,.]+, mean silhouette ${cliModel.training.silhouette.toFixed(4)}; seed 42\\.$`));
  assert.match(await page.textContent("#clv-summary"), new RegExp(`^Lifetime value: ${cliModel.clv.purchaseModel} \\+ Gamma-Gamma \\(weeks\\)`));

  // The model offered for download is the CLI's.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(download.suggestedFilename(), "CDNOW_master.json");
  const model = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(model.version, cliModel.version);
  assert.equal(model.training.dataFingerprint, cliModel.training.dataFingerprint);
  assert.equal(model.training.source, cliModel.training.source);
  assert.deepEqual(model.training.clusterSizes, cliModel.training.clusterSizes);
  for (const [i, s] of cliModel.segments.entries()) {
    s.centroid.forEach((c, j) => assert.ok(Math.abs(model.segments[i].centroid[j] - c) <= 1e-9 * Math.max(1, Math.abs(c)), `centroid ${i}.${j}`));
  }
  for (const [k, v] of Object.entries(cliModel.clv.mbgnbd ?? cliModel.clv.bgnbd ?? {})) {
    const got = (model.clv.mbgnbd ?? model.clv.bgnbd)[k];
    assert.ok(Math.abs(got - v) <= 1e-9 * Math.max(1, Math.abs(v)), `clv ${k}: ${got} vs ${v}`);
  }
  writeFileSync(path.join(h.WORK, "segments-page-model.json"), JSON.stringify(model, null, 2));
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-segments.png"), fullPage: true });
  // Tasks after the page had loaded (its first parse and layout are not the work it does).
  const longTasks = (await page.evaluate(() => globalThis.__longTasks.filter(([start]) => start > globalThis.__loadedAt)))
    .map(([, d]) => d);
  console.log(`# page-thread tasks over 50 ms while reading and training: ${longTasks.length}`
    + (longTasks.length ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ""));
});

test("a bad file shows the engine's error with its line and column; a good file after it trains", async () => {
  const bad = path.join(h.WORK, "segments-bad.csv");
  writeFileSync(bad, "customer_id,date,amount\nc1,2024-01-05,12.5\nc1,2024-02-01,twelve\n");
  await page.setInputFiles("#orders-file", bad);
  await page.waitForSelector('body[data-state="error"]');
  assert.match(await page.textContent("#status"), /^orders\.invalid_row at line 3, column amount: /);
  const good = path.join(h.WORK, "segments-good.csv");
  writeFileSync(good, "customer_id,date,amount\n" + Array.from({ length: 40 }, (_, i) =>
    `c${i % 10},2024-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, "0")},${((5 + i * 3) % 37) + 1}`).join("\n") + "\n");
  await page.setInputFiles("#orders-file", good);
  await page.waitForSelector('body[data-state="loaded"]');
  await page.fill("#k-low", "2");
  await page.fill("#k-high", "3");
  await page.uncheck("#clv");
  await page.click("#train");
  await page.waitForSelector('body[data-state="trained"], body[data-state="error"]');
  assert.equal(await page.getAttribute("body", "data-state"), "trained", await page.textContent("#train-status"));
  assert.equal(await page.$$eval("#k-plot circle", (cs) => cs.length), 2, "a point per k tried");
  assert.equal(await page.textContent("#clv-summary"), "No lifetime-value model (not asked for).");
});

test("axe-core finds no serious accessibility violation on the segmentation page", async () => {
  assert.deepEqual(await seriousViolations(page), []);
});

test("the engine ran in the worker and the file stayed in the page", async () => {
  const origin = new URL(server.url).origin;
  for (const r of requests) {
    assert.equal(new URL(r.url).origin, origin, r.url);
    assert.equal(r.method, "GET", r.url);
    assert.equal(r.body, "", r.url);
  }
  assert.ok(requests.some((r) => r.url.endsWith("/pkg/data/web/offerwise_bg.wasm")), "the worker loaded the data build");
  assert.ok(!requests.some((r) => /CDNOW|segments-(bad|good)/.test(r.url)), "a transaction file was requested");
  // The engine was compiled in the worker, never on the page's thread.
  assert.equal(await page.evaluate(() => globalThis.__wasmOnPage), 0, "WebAssembly compiled on the page's thread");
});

test("served by python3 -m http.server, as the README says, the page trains the CDNOW sample", async () => {
  // Python's own server (its MIME types, no special headers): what a data team runs.
  const py = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"], { cwd: h.ROOT, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = "";
      py.stdout.on("data", (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      py.on("exit", (code) => reject(new Error(`python3 -m http.server exited ${code}: ${out}`)));
    });
    const p = await context.newPage();
    const seen = [];
    p.on("console", (m) => { if (["error", "warning"].includes(m.type()) && !isFaviconMiss(m)) seen.push(`${m.type()}: ${m.text()}`); });
    p.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
    await p.goto(`http://127.0.0.1:${port}/www/dashboard/`);
    await p.click("text=Segmentation");
    await p.waitForSelector('body[data-state="idle"]');
    await p.setInputFiles("#orders-file", path.join(h.ROOT, "data", "cdnow", "CDNOW_sample.txt"));
    await p.waitForSelector('body[data-state="loaded"], body[data-state="error"]');
    assert.equal(await p.getAttribute("body", "data-state"), "loaded", await p.textContent("#status"));
    await p.uncheck("#clv");
    await p.click("#train");
    await p.waitForSelector('body[data-state="trained"], body[data-state="error"]');
    assert.equal(await p.getAttribute("body", "data-state"), "trained", await p.textContent("#train-status"));
    assert.equal(await p.$$eval("#segments tbody tr", (trs) => trs.length), 4);
    assert.deepEqual(seen, [], "the page warned or failed under python's server");
    await p.close();
  } finally {
    py.kill();
  }
});

test("the segmentation page logged no errors", () => {
  assert.deepEqual(problems, []);
});
