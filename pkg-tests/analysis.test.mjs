// `analyze()` and `analyzeLogs()` of the npm package: the experiment analysis of
// `offerwise analyze`, in wasm. Their results are the CLI's, value for value (the same Rust
// reads the same input), and the reference values of tests/vectors/stats.json (scipy,
// statsmodels, gbstats, by scripts/stats_reference.py) to 1e-9. Bad input is an
// OfferwiseError with its code and path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { analyze, analyzeLogs, Engine, nps } from "offerwise/data";

h.requireBuilt();
mkdirSync(h.WORK, { recursive: true });

const UNITS = "tests/vectors/units.csv";
const CSV = readFileSync(path.join(h.ROOT, UNITS), "utf8");
const METRICS = ["converted", "revenue", "orders", "aov=revenue/orders"];
const OPTIONS = { control: "control", metrics: METRICS, covariates: { revenue: "pre_revenue" },
                  timeColumn: "first_seen", segmentColumn: "segment" };
const CLI_ARGS = ["analyze", "--units", UNITS, "--control", "control",
  ...METRICS.flatMap((m) => ["--metric", m]), "--covariate", "revenue=pre_revenue",
  "--time-column", "first_seen", "--segment-column", "segment", "--json", "-"];

test("analyze() gives the CLI's analysis of the unit file, value for value", () => {
  const cli = JSON.parse(h.cli(CLI_ARGS));
  const wasm = analyze(CSV, OPTIONS);
  h.assertSameJson(wasm, cli, "analyze vs offerwise analyze");
  assert.equal(wasm.results.length, 8);
  assert.ok(wasm.timeline.length > 0 && wasm.segments.length === 2);
  // Sequential verdicts and planned weights reach the analysis the same way.
  const more = { ...OPTIONS, sequential: true, sequentialTuning: 2000, weights: { control: 1, a: 1, b: 1 }, alpha: 0.1 };
  const cli2 = JSON.parse(h.cli([...CLI_ARGS, "--sequential", "--sequential-tuning", "2000",
    "--weights", '{"control":1,"a":1,"b":1}', "--alpha", "0.1"]));
  h.assertSameJson(analyze(CSV, more), cli2, "sequential analyze vs the CLI");
  // And a group-sequential plan (a look a day).
  const cli3 = JSON.parse(h.cli([...CLI_ARGS, "--planned-units", "3000", "--spending", "pocock"]));
  const planned = analyze(CSV, { ...OPTIONS, plannedUnits: 3000, spending: "pocock" });
  h.assertSameJson(planned, cli3, "group-sequential analyze vs the CLI");
  assert.equal(planned.results[0].groupSequential.looks, 28);
});

test("analyze() equals scipy, statsmodels and gbstats (tests/vectors/stats.json) to 1e-9", () => {
  const doc = JSON.parse(readFileSync(path.join(h.ROOT, "tests/vectors/stats.json"), "utf8"));
  const want = doc.cases.find((c) => c[0] === "analyze_units")[2];
  const close = (got, exp, what) => assert.ok(Math.abs(got - exp) <= 1e-9 * Math.abs(exp) + 1e-14,
    `${what}: got ${got}, want ${exp}`);
  const check = (got, exp, label) => {
    close(got.srm.chi2, exp.srm.chi2, `${label} srm chi2`);
    close(got.srm.pValue, exp.srm.pValue, `${label} srm p`);
    assert.equal(got.results.length, exp.results.length);
    got.results.forEach((r, i) => {
      const w = exp.results[i];
      const what = `${label} ${w.variant} ${w.metric}`;
      assert.equal(r.metric, w.metric);
      for (const k of ["statistic", "pValue", "relLift", "pHolm", "pBH"]) close(r[k], w[k], `${what} ${k}`);
      for (const k of ["absLiftCI", "relLiftCI", "mean", "n"]) for (const j of [0, 1]) close(r[k][j], w[k][j], `${what} ${k}`);
      if (w.df !== undefined) close(r.df, w.df, `${what} df`);
      close(r.sequential.pValue, w.sequential.pValue, `${what} seq p`);
      if (w.cuped) close(r.cuped.pValue, w.cuped.pValue, `${what} cuped p`);
    });
  };
  const a = analyze(CSV, OPTIONS);
  check(a, want, "all");
  for (const s of a.segments) check(s.analysis, want.segments[s.segment], s.segment);
});

test("unit rows as objects are the same analysis; an error names the row", () => {
  const [header, ...lines] = CSV.trim().split("\n");
  const keys = header.split(",");
  const rows = lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => {
    const n = Number(v);
    return [keys[i], v !== "" && Number.isFinite(n) ? n : v];
  })));
  h.assertSameJson(analyze(rows, OPTIONS), analyze(CSV, OPTIONS), "rows vs CSV text");
  rows[2].revenue = "twelve";
  h.assertOfferwiseError(() => analyze(rows, OPTIONS),
    { code: "analysis.not_numeric", path: "units[2].revenue" }, "a text revenue");
  h.assertOfferwiseError(() => analyze(CSV.replace("\nb-947,b,0,0.0", "\nb-947,b,0,x"), OPTIONS),
    { code: "analysis.not_numeric", path: "units:2.revenue" }, "a bad cell of the CSV");
  h.assertOfferwiseError(() => analyze(CSV, { ...OPTIONS, control: "ctl" }),
    { code: "analysis.unknown_control", path: "control" }, "an unknown control");
  h.assertOfferwiseError(() => analyze(CSV, { control: "control", metrics: ["nope"] }),
    { code: "analysis.unknown_column", path: "units" }, "an unknown column");
  h.assertOfferwiseError(() => analyze(CSV, { ...OPTIONS, metric: ["revenue"] }),
    { code: "options.invalid", path: /metric/ }, "a misspelt option");
  h.assertOfferwiseError(() => analyze(CSV, { ...OPTIONS, alpha: 2 }),
    { code: "analysis.invalid", path: "alpha" }, "alpha out of range");
});

/** A decision log of the default programme for CDNOW customers (several decisions each, on
 * different days) and outcome events around them, from a seeded generator. */
function logs() {
  const engine = new Engine(h.modelText(), h.programText(), h.policyText());
  let seed = 20261130n;
  const next = () => {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(seed >> 11n) / 2 ** 53;
  };
  const DAY = 86_400_000;
  const start = Date.UTC(1998, 6, 1);
  const decisions = [];
  const outcomes = [];
  for (const customer of h.customers(800)) {
    const first = start + Math.floor(next() * 20) * DAY + Math.floor(next() * DAY);
    for (const t of [first + 3 * DAY, first]) {
      decisions.push(engine.decide(customer, { now: t }).log);
    }
    const events = Math.floor(next() * 5);
    for (let k = 0; k < events; k++) {
      const at = first - 10 * DAY + Math.floor(next() * 40 * DAY);
      const r = next();
      const base = { schema: "offerwise.outcome/1", decisionId: decisions.at(-1).decisionId, customerId: customer.id, at };
      if (r < 0.6) {
        const revenue = Math.round(next() * 20000) / 100;
        outcomes.push({ ...base, type: "conversion", revenue, margin: Math.round(revenue * 30) / 100,
                        pointsEarned: Math.floor(revenue), pointsRedeemed: next() < 0.2 ? 100 : 0 });
      } else if (r < 0.85) {
        outcomes.push({ ...base, type: "redemption", offerId: "double-points" });
      } else {
        outcomes.push({ ...base, type: "click", offerId: "double-points" });
      }
    }
  }
  return { decisions, outcomes };
}

test("analyzeLogs() joins and analyses a decision log as the CLI does", () => {
  const { decisions, outcomes } = logs();
  const dFile = path.join(h.WORK, "analysis-decisions.jsonl");
  const oFile = path.join(h.WORK, "analysis-outcomes.jsonl");
  writeFileSync(dFile, decisions.map((d) => JSON.stringify(d)).join("\n") + "\n");
  writeFileSync(oFile, outcomes.map((o) => JSON.stringify(o)).join("\n") + "\n");
  const metrics = ["conversion", "revenue", "orders", "aov", "repeat", "retention:7", "pointsEarned",
    "pointsRedeemed", "redemption", "redemption:double-points", "redemptions", "click"];
  const cli = JSON.parse(h.cli(["analyze", "--decisions", dFile, "--outcomes", oFile, "--experiment", "winback-2026q4",
    "--control", "control", ...metrics.flatMap((m) => ["--metric", m]), "--cuped", "--by-segment",
    "--window-days", "10", "--json", "-"]));
  const options = { experiment: "winback-2026q4", control: "control", metrics, cuped: true, bySegment: true, windowDays: 10 };
  const fromArrays = analyzeLogs(decisions, outcomes, options);
  h.assertSameJson(fromArrays, cli, "analyzeLogs vs offerwise analyze --decisions");
  const fromText = analyzeLogs(readFileSync(dFile, "utf8"), readFileSync(oFile, "utf8"), options);
  h.assertSameJson(fromText, cli, "JSON Lines text vs the CLI");
  assert.ok(fromArrays.join.units > 600, `units ${fromArrays.join.units}`);
  assert.equal(fromArrays.join.decisions, decisions.length);
  assert.equal(fromArrays.results.length, metrics.length);
  h.assertOfferwiseError(() => analyzeLogs(decisions, "{\"schema\": \"offerwise.outcome/1\"}", options),
    { code: "outcome.invalid", path: /^outcomes:1/ }, "an incomplete outcome");
  // A record JSON.stringify cannot write: too deep for its stack, or a getter that throws.
  let deep = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  h.assertOfferwiseError(() => analyzeLogs([decisions[0], { exposures: deep }], outcomes, options),
    { code: "limit.exceeded", path: "decisions:2", message: /nested more than 127 levels/ }, "a record too deep to write");
  const throwing = { get exposures() { throw new Error("no access"); } };
  h.assertOfferwiseError(() => analyzeLogs(decisions, [outcomes[0], outcomes[1], throwing], options),
    { code: "outcome.invalid", path: "outcomes:3", message: /no access/ }, "a record whose getter throws");
  h.assertOfferwiseError(() => analyzeLogs(decisions, outcomes, { ...options, metrics: ["sales"] }),
    { code: "analysis.invalid", path: "metrics[0]" }, "an unknown log metric");
  h.assertOfferwiseError(() => analyzeLogs(decisions, outcomes, { ...options, experiment: "nope" }),
    { code: "analysis.no_units", path: "experiment" }, "an experiment nobody is in");
});

test("nps() scores survey answers as offerwise nps does", () => {
  const file = "examples/surveys.csv";
  const cli = JSON.parse(h.cli(["nps", "--surveys", file, "--group-column", "tier", "--control", "bronze", "--json", "-"]));
  const text = readFileSync(path.join(h.ROOT, file), "utf8");
  const wasm = nps(text, { groupColumn: "tier", control: "bronze" });
  h.assertSameJson(wasm, cli, "nps vs offerwise nps");
  assert.equal(wasm.comparisons.length, 2);
  h.assertSameJson(nps(text), JSON.parse(h.cli(["nps", "--surveys", file, "--json", "-"])), "no groups");
  h.assertOfferwiseError(() => nps("score\n9\n12\n"), { code: "analysis.invalid", path: "surveys:3.score" },
    "an answer above 10");
  h.assertOfferwiseError(() => nps(text, { control: "bronze" }), { code: "analysis.invalid", path: "control" },
    "a control without groups");
});
