// The package's TypeScript declarations: a consumer's code that uses every entry point
// type-checks under `tsc --strict` (ESM and CommonJS resolution), and a misuse is rejected.
// wasm-bindgen declares `[Symbol.dispose]()` on classes: consumers need TypeScript >= 5.2 with
// `esnext.disposable` in `lib` (or `skipLibCheck`), as here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";

h.requireBuilt();
const TSC = path.join(h.PKG_TESTS, "node_modules", "typescript", "bin", "tsc");
const DIR = path.join(h.WORK, "types");

const GOOD = `
import { Engine, evaluateLoyalty, version, type Decision, type Customer, type Quote,
         type LoyaltyState, type OfferwiseError, type Program, type ModelBundle } from "offerwise";
import { analyze, analyzeLogs, type Analysis, type AnalyzeOptions, type OutcomeEvent } from "offerwise/data";
import { Engine as DataEngine, type Effectiveness } from "offerwise/data";

declare const model: ModelBundle;
declare const program: Program;
const engine = new Engine(model, program);
const customer: Customer = { id: "42", orders: [{ at: "2024-05-01", amount: 30, items: [{ category: "jazz", price: 10, qty: 3 }] }],
                             loyalty: { tier: "silver", points: [{ amount: 300, expiresAt: "2024-07-01" }] } };
const d: Decision = engine.decide(customer, { now: "2024-06-01", timeZoneOffsetMinutes: 180, cart: { amount: 20 } });
const name: string | undefined = d.segment?.name;
const pAlive: number | undefined = d.clv?.pAlive;
const next = d.loyalty.tier?.next?.remaining;
for (const n of d.nudges) {
  if (n.kind === "pointsExpiring") { const days: number = n.daysLeft; void days; }
  const m: string = n.message; void m;
}
const q: Quote = engine.quote(customer, { items: [{ price: 5 }] }, { now: Date.UTC(2024, 5, 1) });
const burn: number = q.burn.maxPoints;
const s: LoyaltyState = evaluateLoyalty({ rules: { earn: { pointsPerUnit: 1 } }, now: "2024-06-01" });
const v: string = version();
try { engine.decide("{}", { now: "x" }); } catch (e) { const err = e as OfferwiseError; const c: string = err.code + err.path; void c; }
void [name, pAlive, next, burn, s, v, engine.modelName, engine.modelVersion, engine.segmentNames()];
const opts: AnalyzeOptions = { control: "control", metrics: ["converted", "aov=revenue/orders"], timeColumn: "first_seen" };
const a: Analysis = analyze("variant,converted\\n", opts);
const rel: number | null = a.results[0].relLift;
const rows: Analysis = analyze([{ variant: "b", converted: 1 }], opts);
const event: OutcomeEvent = { schema: "offerwise.outcome/1", decisionId: d.log.decisionId, customerId: "42", at: 0, type: "conversion", revenue: 3 };
const logs: Analysis = analyzeLogs([d.log], [event], { experiment: "e", control: "c", windowDays: 7, metrics: ["aov"] });
void [rel, rows, logs.join?.units];
declare const dataEngine: DataEngine;
const e: Effectiveness = dataEngine.effectiveness({ customers: [] }, { now: 0 });
void e;
`;

// The storefront build holds no analysis: its types say so, so a page cannot import one.
const STOREFRONT_ONLY = `
import { analyze } from "offerwise";
void analyze;
`;

const BAD = `
import { Engine } from "offerwise";
declare const engine: Engine;
engine.decide({ id: "1" }, { when: "2024-06-01" });
`;

function tsc(name, source, moduleKind) {
  const dir = path.join(DIR, `${name}-${moduleKind}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, moduleKind === "commonjs" ? "main.cts" : "main.mts");
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [TSC, "--noEmit", "--strict", "--skipLibCheck", "false",
    "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,esnext.disposable,dom", file],
    { cwd: h.PKG_TESTS, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

for (const kind of ["esm", "commonjs"]) {
  test(`a consumer using every entry point type-checks (${kind})`, () => {
    const r = tsc("good", GOOD, kind);
    assert.equal(r.status, 0, r.out);
  });
  test(`the storefront build's types hold no analysis; offerwise/data's do (${kind})`, () => {
    const r = tsc("storefront", STOREFRONT_ONLY, kind);
    assert.notEqual(r.status, 0, "tsc found analyze in the storefront build");
    assert.match(r.out, /analyze/, r.out);
  });
  test(`misuse of the options type is rejected (${kind})`, () => {
    const r = tsc("bad", BAD, kind);
    assert.notEqual(r.status, 0, "tsc accepted an options object without `now`");
    assert.match(r.out, /when|now/, r.out);
  });
}
