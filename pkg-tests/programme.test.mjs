// "Does the programme pay?" in the npm package: `engine.effectiveness()` on the simulated
// programme (`offerwise simulate-programme` over CDNOW) gives the JSON of
// `offerwise effectiveness`, value for value; `engine.effectivenessReport()` is one
// self-contained page that, opened in headless Chromium, requests nothing but itself and draws
// every plot. Screenshots are left in pkg-tests/.work/programme-*.png to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isFaviconMiss, launchChromium } from "./lib/chromium.mjs";
import h from "./lib/harness.cjs";
import { serveStatic } from "./lib/static-server.mjs";
import { seriousViolations } from "./lib/axe.mjs";
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
  mkdirSync(path.join(h.WORK, "screenshots"), { recursive: true });
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
  page.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) problems.push(m.text()); });
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

test("engine.effectivenessFiles() reads the CLI's files with the CLI's readers: the same analyses and report", () => {
  const read = (n) => readFileSync(file(n), "utf8");
  const files = { orders: read("orders.csv"), members: read("members.csv"), ledger: read("ledger.jsonl"),
    decisions: read("decisions.jsonl"), outcomes: read("outcomes.jsonl") };
  const r = engine.effectivenessFiles(files, { holdoutShare: 0.1 });
  assert.equal(r.now, "1998-07-01T00:00:00Z", "now defaults to the day after the last order");
  h.assertSameJson(r.effectiveness, JSON.parse(read("effectiveness.json")), "effectivenessFiles vs offerwise effectiveness");
  assert.equal(r.report, read("cli-report.html"));
  assert.equal(r.customers, 23570);
  assert.deepEqual(r.orderlessMembers, []);
  // Bytes work as text does; problems name the file and line.
  const bytes = engine.effectivenessFiles({ ...files, orders: new TextEncoder().encode(files.orders) }, { now: OPTIONS.now, holdoutShare: 0.1 });
  h.assertSameJson(bytes.effectiveness, r.effectiveness, "orders as bytes");
  h.assertOfferwiseError(() => engine.effectivenessFiles({ ...files, members: "customer_id,enrolled_at\n00004,someday\n" }, OPTIONS),
    { code: "input.invalid", path: "members:2.enrolled_at" }, "a bad enrolment date");
  h.assertOfferwiseError(() => engine.effectivenessFiles({ ...files, ledger: '{"customerId":"00004","acount":{}}\n' }, OPTIONS),
    { code: "input.invalid", path: /^ledger:1/ }, "a misspelt ledger field");
  h.assertOfferwiseError(() => engine.effectivenessFiles({ members: files.members }, OPTIONS),
    { code: "options.invalid", path: "orders" }, "no orders");
  h.assertOfferwiseError(() => engine.effectivenessFiles({ ...files, member: files.members }, OPTIONS),
    { code: "options.invalid", path: "member" }, "an unknown file");
  h.assertOfferwiseError(() => engine.effectivenessFiles({ ...files, members: 42 }, OPTIONS),
    { code: "options.invalid", path: "members" }, "a file that is not text");
  // now as ISO 8601 text is epoch milliseconds' instant; an unreadable one is named.
  const text = engine.effectivenessFiles(files, { now: "1998-07-01", holdoutShare: 0.1 });
  h.assertSameJson(text.effectiveness, r.effectiveness, "now as text");
  h.assertOfferwiseError(() => engine.effectivenessFiles(files, { now: "yesterday" }),
    { code: "options.invalid", path: "now" }, "now that is no instant");
  h.assertOfferwiseError(() => engine.effectivenessFiles(files, { holdoutShare: 0.1, windowDay: 3 }),
    { code: "options.invalid", path: /windowDay/ }, "a misspelt option");
});

test("the dashboard's programme page reads the files in the page and shows the CLI's analysis and report", async () => {
  const cli = JSON.parse(readFileSync(file("effectiveness.json"), "utf8"));
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  const problems = [];
  page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" }));
  page.on("console", (m) => { if (m.type() === "error" && !isFaviconMiss(m)) problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(e.message));
  page.setDefaultTimeout(120_000);
  try {
    await page.goto(`${server.url}/www/dashboard/programme.html`);
    await page.waitForSelector('body[data-state="idle"]');
    for (const [input, name] of [["#orders", "orders.csv"], ["#members", "members.csv"], ["#ledger", "ledger.jsonl"],
      ["#decisions", "decisions.jsonl"], ["#outcomes", "outcomes.jsonl"]]) {
      await page.setInputFiles(input, file(name));
    }
    await page.waitForSelector('body[data-state="ready"]');
    await page.fill("#holdout-share", "0.1");
    await page.click("#run");
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]');
    assert.equal(await page.getAttribute("body", "data-state"), "done", await page.textContent("#status"));
    assert.equal(await page.textContent("#status"), "Analysed 23,570 customers up to 1998-07-01.");
    const revenue = cli.holdout.results.find((x) => x.metric === "revenue");
    const headline = await page.textContent('#headlines li[data-headline="holdout-revenue"]');
    const money = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    assert.ok(headline.startsWith(`Programme against its holdout, revenue per customer: ${money(revenue.absLift)} `
      + `[${money(revenue.absLiftCI[0])}, ${money(revenue.absLiftCI[1])}], p ${revenue.pValue.toFixed(4)} → ${revenue.verdict}; `
      + `with CUPED ${money(revenue.cuped.absLift)} [${money(revenue.cuped.absLiftCI[0])}, ${money(revenue.cuped.absLiftCI[1])}]`), headline);
    assert.match(await page.textContent('#headlines li[data-headline="matched"]'),
      new RegExp(`^Members against matched non-members \\(difference-in-differences\\), revenue over 180 days: \\${money(cli.matched.effect.effect)} `));
    assert.equal(await page.getAttribute("#report", "srcdoc"), readFileSync(file("cli-report.html"), "utf8"), "the CLI's report, in a frame");
    // The frame shows it: its answer plot is drawn (a sandboxed frame runs no script; the report needs none).
    const report = page.frameLocator("#report");
    await report.locator("#answer svg circle").first().waitFor();
    assert.equal(await report.locator("#answer svg circle").count(), 3);
    // A full-page screenshot leaves a sandboxed frame blank (it is drawn by another process): the frame on its own.
    await page.locator("#report").screenshot({ path: path.join(h.WORK, "screenshots", "dashboard-programme-report.png") });
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: path.join(h.WORK, "screenshots", "dashboard-programme.png"), fullPage: true });
    const origin = new URL(server.url).origin;
    for (const r of requests) {
      assert.equal(new URL(r.url).origin, origin, r.url);
      assert.equal(r.method, "GET", r.url);
      assert.equal(r.body, "", r.url);
    }
    assert.ok(!requests.some((r) => /\.work\/programme\//.test(r.url)), "a programme file was requested");
    assert.deepEqual(problems, []);
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
