// "Does the programme pay?" in the npm package: `engine.effectiveness()` on the simulated
// programme (`offerwise simulate-programme` over CDNOW) gives the JSON of
// `offerwise effectiveness`, value for value; `engine.effectivenessReport()` is one
// self-contained page that, opened in headless Chromium, requests nothing but itself and draws
// every plot. Screenshots are left in pkg-tests/.work/programme-*.png to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { serveStatic } from "./lib/static-server.mjs";
import { Engine } from "offerwise/data";

const DIR = path.join(h.WORK, "programme");
const file = (n) => path.join(DIR, n);
const OPTIONS = { now: Date.parse("1998-07-01T00:00:00Z"), holdoutShare: 0.1 };
let server, browser, engine, input;

/** The simulated files as the page would hold them: customers with orders and accounts. */
function readInput() {
  const lines = readFileSync(file("orders.csv"), "utf8").trim().split("\n").slice(1);
  const byId = new Map();
  for (const l of lines) {
    const [id, orderId, at, amount] = l.split(",");
    if (!byId.has(id)) byId.set(id, { id, orders: [] });
    byId.get(id).orders.push({ id: orderId, at, amount: Number(amount) });
  }
  for (const a of h.readJsonl(file("ledger.jsonl"))) byId.get(a.customerId).loyalty = a.account;
  const members = readFileSync(file("members.csv"), "utf8").trim().split("\n").slice(1)
    .map((l) => { const [customerId, enrolledAt] = l.split(","); return { customerId, enrolledAt }; });
  return {
    customers: [...byId.values()],
    members,
    decisions: readFileSync(file("decisions.jsonl"), "utf8"),
    outcomes: h.readJsonl(file("outcomes.jsonl")),
  };
}

before(async () => {
  h.requireBuilt();
  mkdirSync(DIR, { recursive: true });
  h.cli(["simulate-programme", "--orders", h.CDNOW, "--format", "cdnow", "--out", DIR]);
  h.cli(["effectiveness", "--orders", file("orders.csv"), "--members", file("members.csv"),
    "--ledger", file("ledger.jsonl"), "--decisions", file("decisions.jsonl"), "--outcomes", file("outcomes.jsonl"),
    "--holdout-share", "0.1", "--now", "1998-07-01", "--json", file("effectiveness.json"), "--html", file("cli-report.html")]);
  engine = new Engine(h.modelText(), h.programText(), h.policyText());
  input = readInput();
  server = await serveStatic(h.ROOT);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("engine.effectiveness() gives the CLI's analyses of the simulated programme, value for value", () => {
  const cli = JSON.parse(readFileSync(file("effectiveness.json"), "utf8"));
  const wasm = engine.effectiveness(input, OPTIONS);
  h.assertSameJson(wasm, cli, "effectiveness vs offerwise effectiveness");
  const truth = JSON.parse(readFileSync(file("truth.json"), "utf8")).truth;
  // The matched estimate covers the truth per member; the naive one is far above it.
  const m = wasm.matched;
  assert.ok(m.effect.ci[0] <= truth.attRevenue && truth.attRevenue <= m.effect.ci[1]);
  assert.ok(m.naive.ci[0] > 2.5 * truth.attRevenue);
  assert.equal(m.placebo.passes, true);
  const revenue = wasm.holdout.results.find((r) => r.metric === "revenue");
  assert.ok(revenue.cuped.absLiftCI[0] <= truth.ittRevenue && truth.ittRevenue <= revenue.cuped.absLiftCI[1]);
  assert.ok(wasm.kpis.points.liability.value > 0);
  // The HTML of wasm is the CLI's.
  assert.equal(engine.effectivenessReport(input, OPTIONS), readFileSync(file("cli-report.html"), "utf8"));
});

test("segments given to effectiveness() match as the CLI's --segments do", () => {
  const f = (n) => path.join(DIR, n);
  // Every customer's segment: the parity of its id.
  const segments = input.customers.map((c) => ({ customerId: c.id, segment: Number(c.id) % 2 ? "odd" : "even" }));
  writeFileSync(f("segments.csv"), "customer_id,segment\n" + segments.map((s) => `${s.customerId},${s.segment}`).join("\n") + "\n");
  const cli = JSON.parse(h.cli(["effectiveness", "--orders", f("orders.csv"), "--members", f("members.csv"),
    "--ledger", f("ledger.jsonl"), "--segments", f("segments.csv"), "--now", "1998-07-01", "--json", "-"]));
  const wasm = engine.effectiveness({ customers: input.customers, members: input.members, segments },
    { now: OPTIONS.now });
  h.assertSameJson(wasm, cli, "effectiveness with segments vs offerwise effectiveness --segments");
  const plain = engine.effectiveness({ customers: input.customers, members: input.members }, { now: OPTIONS.now });
  assert.ok(wasm.matched.meanDistance >= plain.matched.meanDistance);
});

test("bad input to effectiveness() is an OfferwiseError with its path", () => {
  h.assertOfferwiseError(() => engine.effectiveness({ customers: [{ id: "a", orders: [{ at: "soon", amount: 1 }] }] }, OPTIONS),
    { code: /invalid/, path: "customers[0].orders[0].at" }, "a bad order time");
  h.assertOfferwiseError(() => engine.effectiveness({ customers: [], members: [{ customerId: "a", enrolledAt: "x" }] }, OPTIONS),
    { code: /invalid/, path: "members[0].enrolledAt" }, "a bad enrolment time");
  h.assertOfferwiseError(() => engine.effectiveness({ customers: [] }, { ...OPTIONS, windowDays: 0 }),
    { code: "analysis.invalid", path: "windowDays" }, "a zero window");
  h.assertOfferwiseError(() => engine.effectiveness({ customers: [], decisions: "" }, OPTIONS),
    { code: "analysis.invalid", path: "outcomes" }, "decisions without outcomes");
  h.assertOfferwiseError(() => engine.effectiveness({ customers: [] }, { now: 0, unknown: 1 }),
    { code: /invalid/, path: /unknown/ }, "an unknown option");
});

test("the programme report is one page that requests nothing, with every plot drawn", async () => {
  const html = engine.effectivenessReport(input, OPTIONS);
  const out = file("report.html");
  writeFileSync(out, html);
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(e.message));
  const url = `${server.url}/${path.relative(h.ROOT, out).split(path.sep).join("/")}`;
  try {
    await page.goto(url);
    await page.waitForLoadState("networkidle");
    assert.deepEqual(requests, [url], "the page requested something besides itself");
    assert.deepEqual(problems, []);
    // The answer: holdout, matched and naive estimates, each drawn inside its plot.
    const answer = page.locator("#answer svg");
    const dots = await answer.locator("circle").evaluateAll((cs) => cs.map((c) => c.getBBox()).map((b) => b.x + b.width));
    assert.equal(dots.length, 3);
    for (const x of dots) assert.ok(x > 0 && x <= 720, `estimate drawn outside: ${x}`);
    assert.match(await page.textContent("#reading"), /Causal:.*Rests on assumptions:.*Biased:/s);
    // The balance plot: before and after for each of the six covariates.
    assert.equal(await page.locator("#balance svg circle").count(), 12);
    // Event time: a point per 30-day period, 6 each side, and the band.
    const points = await page.locator("#event-time polyline").evaluateAll((ps) => ps.map((p) => p.points.length));
    assert.deepEqual(points, [12]);
    assert.equal(await page.locator("#event-time polygon").count(), 1);
    // Retention: one curve per first-purchase cohort (1997-01, -02, -03).
    assert.equal(await page.locator("#retention polyline").count(), 3);
    // The points flow: three bars a month and the outstanding line.
    const months = await page.locator("#points-flow rect").count();
    assert.ok(months >= 27 && months % 3 === 0, `${months} bars`);
    assert.equal(await page.locator("#points-flow polyline").count(), 1);
    for (const id of ["answer", "holdout-lift", "balance", "event-time", "retention", "points-flow"]) {
      const box = await page.locator(`#${id} svg`).boundingBox();
      assert.ok(box.width > 300 && box.height > 100, `${id} is ${box.width}×${box.height}`);
    }
    await page.screenshot({ path: path.join(h.WORK, "programme-report.png"), fullPage: true });
    await page.locator("#event-time").screenshot({ path: path.join(h.WORK, "programme-event-time.png") });
  } finally {
    await context.close();
  }
});

test("candidate.evaluatePolicy() gives offerwise evaluate-policy's evaluation, value for value", () => {
  const f = (n) => path.join(DIR, n);
  h.cli(["simulate", "--customers", "600", "--days", "12", "--ips-days", "4",
    "--decisions-out", f("sim-d.jsonl"), "--outcomes-out", f("sim-o.jsonl"), "--policy-out", f("sim-q.json")]);
  const cli = JSON.parse(h.cli(["evaluate-policy", "--decisions", f("sim-d.jsonl"), "--outcomes", f("sim-o.jsonl"),
    "--candidate-program", h.PROGRAM_PATH, "--candidate-policy", f("sim-q.json"), "--json", "-"]));
  const candidate = new Engine(h.modelText(), h.programText(), readFileSync(f("sim-q.json"), "utf8"));
  const wasm = candidate.evaluatePolicy(readFileSync(f("sim-d.jsonl"), "utf8"), h.readJsonl(f("sim-o.jsonl")));
  h.assertSameJson(wasm, cli, "evaluatePolicy vs offerwise evaluate-policy");
  assert.ok(wasm.counts.evaluated > 500 && wasm.effectiveSampleSize > 0);
  h.assertOfferwiseError(() => candidate.evaluatePolicy("", "", { windowDays: 0 }),
    { code: "analysis.invalid", path: "windowDays" }, "a zero window");
});
