// 20 promotion rules against one customer's facts, side by side in one process:
//   offerwise  `new Conditions(rules)` once, then `evalAllJson(text)` per customer, the facts
//              starting as JSON text (a worker that has the request body): the set reads only
//              the 23 values its rules use out of the text (wasm), then evaluates;
//   offerwise  `evalAll(facts)` with the facts starting as a JS object (a page's own data): the
//              23 paths are walked in JS and only their values cross into the wasm;
//   GrowthBook `evalCondition(facts, rule)` for each of the 20 rules (@growthbook/growthbook);
//   json-rules-engine  an Engine with the 20 rules, `await engine.run(facts)` per customer.
// The three give the same answers for every customer (checked before timing). Figures are
// medians of --rounds timed passes over --n synthetic customers (seeded), after a warm-up pass;
// nothing is asserted about time.
//
//   node bench/conditions.mjs [--n=5000] [--rounds=7]
//
// Needs pkg/ built (scripts/build-wasm.sh) and pkg-tests/node_modules (scripts/setup.sh);
// bench/run.sh makes the bench/node_modules link.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "pkg-tests", "package.json"));
const { Conditions } = require("offerwise");
const { evalCondition } = require("@growthbook/growthbook");
const { Engine } = require("json-rules-engine");

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split("=")[1]) : dflt;
};
const N = arg("n", 5000);
const ROUNDS = arg("rounds", 7);

// ---- the 20 rules, in GrowthBook syntax and as json-rules-engine rules ----------------------
// [fact path, operator, value]; every rule is an AND of its tests.
const RULES = [
  [["cart.subtotal", ">=", 50]],
  [["cart.subtotal", ">=", 100], ["tier", "in", ["gold", "platinum"]]],
  [["segment.role", "in", ["lost", "hibernating"]], ["features.recencyDays", ">=", 180]],
  [["segment.role", "==", "champions"], ["features.frequency", ">=", 5]],
  [["context.device", "==", "mobile"], ["cart.itemCount", ">=", 2]],
  [["context.country", "in", ["NL", "BE", "LU"]]],
  [["points.balance", ">=", 500]],
  [["points.expiring", ">", 0], ["points.balance", ">=", 100]],
  [["features.categoryShares.jazz", ">=", 0.3]],
  [["features.totalSpend", ">=", 300], ["clv.churnRisk", ">=", 0.5]],
  [["clv.pAlive", "<", 0.3], ["clv.value", ">", 5]],
  [["context.localHour", ">=", 18], ["context.localHour", "<", 23]],
  [["context.dayOfWeek", "in", [6, 7]]],
  [["cart.subtotal", "<", 30], ["features.frequency", "==", 0]],
  [["tier", "==", "silver"], ["cart.subtotal", ">=", 75]],
  [["context.page", "==", "checkout"], ["cart.subtotal", ">=", 40]],
  [["features.ordersLast365d", ">=", 3], ["features.spendLast365d", ">=", 150]],
  [["segment.role", "in", ["loyal", "potential-loyalists"]], ["context.channel", "==", "app"]],
  [["features.monetary", ">=", 40], ["cart.subtotal", ">=", 60]],
  [["experiments.winback", "==", "treatment"], ["clv.churnRisk", ">", 0.6]],
];
const GB_OP = { ">=": "$gte", ">": "$gt", "<": "$lt", "==": "$eq", in: "$in" };
const JRE_OP = { ">=": "greaterThanInclusive", ">": "greaterThan", "<": "lessThan", "==": "equal", in: "in" };
// Tests on one fact share its operator object: {"context.localHour": {"$gte": 18, "$lt": 23}}.
const gbRules = RULES.map((tests) => {
  const rule = {};
  for (const [f, op, v] of tests) rule[f] = { ...(rule[f] ?? {}), [GB_OP[op]]: v };
  return rule;
});
// json-rules-engine reads nested facts with a JSONPath on the top-level fact.
const jreRules = RULES.map((tests, i) => ({
  name: `promo-${i}`,
  conditions: {
    all: tests.map(([f, op, v]) => {
      const [fact, ...rest] = f.split(".");
      return rest.length
        ? { fact, path: "$." + rest.join("."), operator: JRE_OP[op], value: v }
        : { fact, operator: JRE_OP[op], value: v };
    }),
  },
  event: { type: `promo-${i}` },
}));

// ---- synthetic customers (seeded) -------------------------------------------------------------
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const customers = Array.from({ length: N }, () => ({
  features: {
    recencyDays: Math.floor(rnd() * 600), frequency: Math.floor(rnd() * 12), totalSpend: Math.round(rnd() * 800),
    monetary: Math.round(rnd() * 90), ordersLast365d: Math.floor(rnd() * 8), spendLast365d: Math.round(rnd() * 400),
    categoryShares: { jazz: rnd(), rock: rnd() },
  },
  segment: { role: pick(["champions", "loyal", "potential-loyalists", "hibernating", "lost"]) },
  tier: pick(["bronze", "silver", "gold", "platinum"]),
  clv: { pAlive: rnd(), churnRisk: rnd(), value: Math.round(rnd() * 60) },
  points: { balance: Math.floor(rnd() * 1500), expiring: Math.floor(rnd() * 3) * 50 },
  cart: { subtotal: Math.round(rnd() * 150), itemCount: 1 + Math.floor(rnd() * 5) },
  context: { device: pick(["mobile", "desktop"]), country: pick(["NL", "BE", "DE", "FR"]), localHour: Math.floor(rnd() * 24),
    dayOfWeek: 1 + Math.floor(rnd() * 7), page: pick(["home", "product", "checkout"]), channel: pick(["web", "app"]) },
  experiments: { winback: pick(["control", "treatment"]) },
}));
const texts = customers.map((c) => JSON.stringify(c));

// ---- the peers ------------------------------------------------------------------------------
const set = new Conditions(gbRules);
const jre = new Engine(jreRules, { allowUndefinedFacts: true });

const offerwise = (c) => set.evalAll(c);
const offerwiseText = (_, i) => set.evalAllJson(texts[i]);
const growthbook = (c) => gbRules.map((r) => (evalCondition(c, r) ? 1 : 0));
const jsonRules = async (c) => {
  const { events } = await jre.run(c);
  const hit = new Set(events.map((e) => e.type));
  return jreRules.map((r) => (hit.has(r.event.type) ? 1 : 0));
};

// Same answers everywhere, before timing.
let agree = 0;
for (let i = 0; i < N; i++) {
  const a = [...offerwise(customers[i])].join("");
  const t = [...offerwiseText(customers[i], i)].join("");
  if (a !== t) throw new Error(`customer ${i}: offerwise from the object ${a}, from the text ${t}`);
  const b = growthbook(customers[i]).join("");
  const c = (await jsonRules(customers[i])).join("");
  if (a !== b || a !== c) throw new Error(`customer ${i}: offerwise ${a}, GrowthBook ${b}, json-rules-engine ${c}`);
  agree += a.split("").filter((x) => x === "1").length;
}

async function time(fn, isAsync) {
  const runs = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    if (isAsync) for (let i = 0; i < N; i++) await fn(customers[i], i);
    else for (let i = 0; i < N; i++) fn(customers[i], i);
    const ns = Number(process.hrtime.bigint() - t0) / N;
    if (r > 0) runs.push(ns); // round 0 warms up
  }
  runs.sort((x, y) => x - y);
  return { median: runs[Math.floor(runs.length / 2)], min: runs[0], max: runs[runs.length - 1] };
}

const TEXT = "offerwise evalAllJson (facts: JSON text)";
const OBJECT = "offerwise evalAll (facts: JS object)";
const results = {
  [TEXT]: await time(offerwiseText, false),
  [OBJECT]: await time(offerwise, false),
  "GrowthBook evalCondition x 20": await time(growthbook, false),
  "json-rules-engine run (20 rules)": await time(jsonRules, true),
};
console.log(`20 promotion rules, ${N} customers, ${ROUNDS} timed passes each (median [min-max] ns per customer); ${agree} rule hits, identical in all three`);
for (const [name, r] of Object.entries(results)) {
  console.log(`  ${name.padEnd(42)} ${r.median.toFixed(0).padStart(9)} [${r.min.toFixed(0)}-${r.max.toFixed(0)}]`);
}
// GrowthBook and json-rules-engine take the facts as a JS object (neither reads JSON text).
for (const which of [TEXT, OBJECT]) {
  const ow = results[which].median;
  console.log(`  ${which}: json-rules-engine / offerwise ${(results["json-rules-engine run (20 rules)"].median / ow).toFixed(1)}x, GrowthBook / offerwise ${(results["GrowthBook evalCondition x 20"].median / ow).toFixed(2)}x`);
}
