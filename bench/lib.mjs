// Shared by bench/run.mjs (the orchestrator) and bench/child.mjs (the measured processes).
import { existsSync, lstatSync, readFileSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rng } from "./peers/lib.mjs";

export const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(BENCH);
export const WORK = path.join(BENCH, ".work");
export const BIN = path.join(ROOT, "target", "release", "offerwise");
export const CDNOW = path.join(ROOT, "data", "cdnow", "CDNOW_master.txt");
export const MODEL_PATH = path.join(ROOT, "models", "default.json");
export const PROGRAM_PATH = path.join(ROOT, "models", "default-program.json");
export const PKG = path.join(ROOT, "pkg");
export const PEERS = path.join(BENCH, "peers");
export const BASELINE = path.join(PEERS, "baseline_offers.mjs");
/** `offerwise customers` output for all of CDNOW (written by run.mjs before any child runs). */
export const CDNOW_CUSTOMERS = path.join(WORK, "cdnow-customers.jsonl");
/** The decision date for CDNOW: the day after the data ends (as pkg-tests and the README use). */
export const CDNOW_NOW = "1998-07-01";
/** Tiers of the default programme, by the baseline's tier index 0..3. */
export const TIERS = ["bronze", "silver", "gold", "platinum"];
/** The default programme's experiment (GrowthBook is asked to assign the same one). */
export const EXPERIMENT_KEY = "winback-2026q4";

/**
 * bench/node_modules -> ../pkg-tests/node_modules, so that `import "offerwise"` and
 * `import "@growthbook/growthbook"` in bench/ resolve exactly as in pkg-tests/ (where
 * node_modules/offerwise -> ../../pkg). Called by run.mjs before it starts any child.
 */
export function linkNodeModules() {
  const link = path.join(BENCH, "node_modules");
  const want = "../pkg-tests/node_modules";
  let have = null;
  try { have = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : "(not a symlink)"; } catch { /* missing */ }
  if (have === "(not a symlink)") throw new Error(`${link} exists and is not a symlink: remove it (bench/ uses pkg-tests/node_modules)`);
  if (have !== want) {
    if (have !== null) unlinkSync(link);
    symlinkSync(want, link);
  }
  const missing = [];
  if (!existsSync(path.join(ROOT, "pkg-tests", "node_modules", "@growthbook", "growthbook"))) missing.push("pkg-tests/node_modules (scripts/setup.sh)");
  if (!existsSync(path.join(ROOT, "pkg-tests", "node_modules", "offerwise", "package.json"))) missing.push("pkg-tests/node_modules/offerwise -> ../../pkg (pkg-tests/run.sh or bench/run.sh links it; scripts/build-wasm.sh builds pkg/)");
  if (!existsSync(BIN)) missing.push(`${BIN} (cargo build --release --features cli)`);
  if (missing.length) throw new Error("missing: " + missing.join("; ") + " -- bench/run.sh builds and links everything");
}

/**
 * The peer baseline's own data generator, taken from bench/peers/baseline_offers.mjs itself
 * (that script runs its benchmark on import and exports nothing): the source from `const DAY`
 * to the naive implementation (constants, makeModel, makeCustomers) is evaluated with the
 * baseline's seeded `rng` from peers/lib.mjs. So the customers here are exactly the ones the
 * baseline's `--mode=naive|tuned` runs on: makeCustomers(n, 42) (its `--run=0`).
 */
export function baselineGenerator() {
  const src = readFileSync(BASELINE, "utf8");
  const from = src.indexOf("const DAY =");
  const to = src.indexOf("// ---------------------------------------------------------------- naive implementation");
  if (from < 0 || to < from || !src.slice(from, to).includes("function makeCustomers(")) {
    throw new Error(`${BASELINE}: cannot find its constants and makeCustomers (the file changed shape)`);
  }
  // eslint-disable-next-line no-new-func
  return new Function("rng", `${src.slice(from, to)}\nreturn { DAY, NOW, CATS, makeModel, makeCustomers };`)(rng);
}

/**
 * A baseline customer {id, tier: 0..3, orders: [{ts, amount, category}]} as an offerwise
 * customer document: one order line per order, in the same category, priced at the amount.
 */
export function toOfferwise(c) {
  return {
    id: c.id,
    orders: c.orders.map((o) => ({ at: o.ts, amount: o.amount, items: [{ category: o.category, price: o.amount }] })),
    loyalty: { tier: TIERS[c.tier] },
  };
}

/**
 * The peer baseline's own 50 offers as an offerwise catalogue on the default programme, so a
 * whole decision ranks the same catalogue size with the same kinds of rule: each offer an
 * `amountOff` of its cost (cost = the baseline's cost), eligible from its minimum tier
 * (`eligibility.tiers`), a category offer only for customers with spend in the category (a `when`
 * condition on `features.categoryShares.<category>`), its take-up the baseline's redeemProb of
 * segment k for the k-th role, and its margin rate the baseline's margin / 100.
 */
export function catalogue50Program(programText) {
  const p = JSON.parse(programText);
  const { makeModel } = baselineGenerator();
  const roles = ["champions", "loyal", "potential-loyalists", "new", "cant-lose", "at-risk", "hibernating", "lost"];
  p.offers = makeModel().offers.map((o) => {
    const base = Math.max(o.redeemProb[0], 0.001);
    const offer = {
      id: `o${o.id}`, kind: "amountOff", title: `offer ${o.id}`, value: o.cost, cost: o.cost,
      response: base, margin: Math.min(1, o.margin / 100),
      roleWeights: Object.fromEntries(roles.map((r, k) => [r, +(o.redeemProb[k % o.redeemProb.length] / base).toFixed(6)])),
    };
    if (o.minTier > 0) offer.eligibility = { tiers: TIERS.slice(o.minTier) };
    if (o.category !== null) offer.when = { [`features.categoryShares.${o.category}`]: { $gt: 0 } };
    return offer;
  });
  p.ranking = { ...(p.ranking || {}), onePerKind: false };
  p.experiments = [];
  delete p.budgets;
  delete p.stackingGroups;
  delete p.aggregates;
  return JSON.stringify(p);
}

/** A policy that has learned nothing: every decision explores among the eligible offers. */
export function emptyPolicy() {
  return JSON.stringify({
    formatVersion: 1, kind: "offerwise.policy", name: "bench", context: [
      "bias", "role.champions", "role.loyal", "role.potential-loyalists", "role.new", "role.cant-lose",
      "role.at-risk", "role.hibernating", "role.lost", "recency", "frequency", "monetary", "churnRisk",
      "tierRank", "hasCart", "cartSubtotal"],
  });
}

export function readJsonl(file) {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** The model without its lifetime-value part (`clv` key deleted). */
export function modelWithoutClv(modelText) {
  const m = JSON.parse(modelText);
  if (!("clv" in m)) throw new Error("models/default.json has no clv part: nothing to compare");
  delete m.clv;
  return m;
}

/**
 * The programme with every lifetime-value eligibility condition removed (an engine refuses a
 * programme that targets pAlive/clv when the model has no clv part). Used for both arms of the
 * CLV comparison, so that the arms differ only in the model.
 */
export function programWithoutClvRules(programText) {
  const p = JSON.parse(programText);
  for (const o of p.offers || []) {
    if (!o.eligibility) continue;
    for (const k of ["minPAlive", "maxPAlive", "minClv", "maxClv"]) delete o.eligibility[k];
  }
  return p;
}

export function median(xs) {
  const s = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function loadavg() {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return null;
  }
}
