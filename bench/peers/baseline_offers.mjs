// Copied from ../shared/bench/baseline_offers.mjs (the team's shared peer baselines; see bench/peers/README.md) on 2026-11-22, otherwise unchanged.
// Plain-JavaScript baseline for the core job (the "hand-written by a shop" peer).
// Per customer (30 orders {ts, amount, category}):
//   RFM (recency days, #orders in last 365d, spend in last 365d) + AOV + spend shares of 4 categories
//   -> standardize with given means/stds -> nearest of k=6 centroids (8 dims, squared euclid)
//   -> top-3 of 50 offers by redeemProb[segment]*margin - cost, subject to eligibility
//      (customer tier >= offer.minTier, and offer.category is null or the customer has spend in it)
//   -> tier nudge: distance from 365d spend to the next of 4 spend thresholds.
// usage: node --expose-gc baseline_offers.mjs [--mode=naive|tuned|marshal-json|marshal-pack|verify]
//                                              [--n=100000] [--warmup=10000] [--run=0]
//   naive        idiomatic JS: map/filter/reduce/sort, fresh objects per customer
//   tuned        same semantics, single pass, typed scratch arrays, per-segment presorted offers
//   marshal-json JSON.stringify(customer) + TextEncoder.encodeInto (floor for a JSON boundary to WASM)
//   marshal-pack copy orders into a Float64Array [ts, amount, catIdx]*30 (floor for a typed boundary)
//   marshal-pack-nocat  same copy of ts+amount only (isolates the category string->index cost)
//   verify       check naive and tuned agree on every customer, print checksum
// --distinct=K  evaluate N times over only K distinct customers (i % K): K=1000 keeps the data
//               cache-resident (compute-bound); default K=N walks ~150 MB of objects (memory-bound).
import { now, nsSince, timer, loadavg1, mem, gcMem, rng, parseArgs, emit } from "./lib.mjs";

const args = parseArgs(process.argv.slice(2));
const mode = args.mode || "naive";
const N = +(args.n || 100_000);
const WARMUP = +(args.warmup || 10_000);
const RUN = +(args.run || 0);
const DISTINCT = Math.min(+(args.distinct || N), N);

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);
const CATS = ["kids", "women", "men", "home", "beauty", "sports"];
const SHARE_CATS = ["kids", "women", "home", "beauty"]; // 4 share dims -> 3 RFM + AOV + 4 = 8 dims
const K = 6, DIMS = 8, N_OFFERS = 50;

// ---------------------------------------------------------------- model (fixed, seeded)
function makeModel() {
  const r = rng(7);
  const means = [60, 8, 600, 60, 0.17, 0.17, 0.17, 0.17];
  const stds = [70, 6, 500, 35, 0.15, 0.15, 0.15, 0.15];
  const centroids = [];
  for (let k = 0; k < K; k++) {
    const c = [];
    for (let d = 0; d < DIMS; d++) c.push(+(r() * 3 - 1.5).toFixed(3));
    centroids.push(c);
  }
  const offers = [];
  for (let o = 0; o < N_OFFERS; o++) {
    const redeemProb = [];
    for (let k = 0; k < K; k++) redeemProb.push(+(0.01 + r() * 0.39).toFixed(3));
    offers.push({
      id: o,
      minTier: Math.floor(r() * r() * 4),
      category: r() < 0.4 ? null : CATS[Math.floor(r() * CATS.length)],
      margin: +(5 + r() * 55).toFixed(2),
      cost: +(0.5 + r() * 9.5).toFixed(2),
      redeemProb,
    });
  }
  return { means, stds, centroids, offers, shareCategories: SHARE_CATS, tierThresholds: [250, 750, 2000, 5000] };
}

// ---------------------------------------------------------------- synthetic customers
function makeCustomers(n, seed) {
  const r = rng(seed);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const activity = 20 + r() * 700; // mean days between orders
    const base = 15 + r() * 120;
    const fav = Math.floor(r() * CATS.length);
    const orders = new Array(30);
    let ts = NOW - Math.floor(r() * 120 * DAY);
    for (let j = 0; j < 30; j++) {
      const cat = r() < 0.5 ? CATS[fav] : CATS[Math.floor(r() * CATS.length)];
      orders[j] = { ts, amount: Math.round(base * (0.3 + 1.4 * r()) * 100) / 100, category: cat };
      ts -= Math.floor((0.2 + r() * 1.6) * activity * DAY * 0.1);
    }
    out[i] = { id: "c" + i, tier: Math.floor(r() * r() * 4), orders };
  }
  return out;
}

// ---------------------------------------------------------------- naive implementation
function naive(c, model, now) {
  const yearAgo = now - 365 * DAY;
  const lastTs = Math.max(...c.orders.map((o) => o.ts));
  const recency = (now - lastTs) / DAY;
  const recent = c.orders.filter((o) => o.ts >= yearAgo);
  const frequency = recent.length;
  const monetary = recent.reduce((s, o) => s + o.amount, 0);
  const total = c.orders.reduce((s, o) => s + o.amount, 0);
  const aov = c.orders.length ? total / c.orders.length : 0;
  const spendByCat = {};
  for (const o of c.orders) spendByCat[o.category] = (spendByCat[o.category] || 0) + o.amount;
  const shares = model.shareCategories.map((cat) => (total ? (spendByCat[cat] || 0) / total : 0));
  const raw = [recency, frequency, monetary, aov, ...shares];
  const z = raw.map((v, i) => (v - model.means[i]) / model.stds[i]);
  let segment = -1, bestD = Infinity;
  model.centroids.forEach((cen, k) => {
    const d = cen.reduce((s, cv, i) => s + (z[i] - cv) ** 2, 0);
    if (d < bestD) { bestD = d; segment = k; }
  });
  const eligible = model.offers.filter(
    (o) => c.tier >= o.minTier && (o.category === null || spendByCat[o.category] > 0),
  );
  const scored = eligible.map((o) => ({ id: o.id, score: o.redeemProb[segment] * o.margin - o.cost }));
  scored.sort((a, b) => b.score - a.score || a.id - b.id);
  const offers = scored.slice(0, 3).map((s) => s.id);
  const next = model.tierThresholds.findIndex((t) => monetary < t);
  const nudge = next === -1 ? null : { nextTier: next, gap: model.tierThresholds[next] - monetary };
  return { segment, offers, nudge };
}

// ---------------------------------------------------------------- tuned implementation
function compileTuned(model) {
  const catIndex = Object.create(null);
  CATS.forEach((c, i) => (catIndex[c] = i));
  const shareIdx = Int32Array.from(model.shareCategories, (c) => catIndex[c]);
  const means = Float64Array.from(model.means), invStd = Float64Array.from(model.stds, (s) => 1 / s);
  const cen = Float64Array.from(model.centroids.flat());
  const minTier = Int8Array.from(model.offers, (o) => o.minTier);
  const offCat = Int8Array.from(model.offers, (o) => (o.category === null ? -1 : catIndex[o.category]));
  // per-segment offer order by score desc, id asc (same comparator as naive)
  const order = [];
  for (let k = 0; k < K; k++) {
    const idx = model.offers.map((o, i) => ({ i, s: o.redeemProb[k] * o.margin - o.cost }));
    idx.sort((a, b) => b.s - a.s || model.offers[a.i].id - model.offers[b.i].id);
    order.push(Int32Array.from(idx, (x) => x.i));
  }
  const ids = Int32Array.from(model.offers, (o) => o.id);
  const thr = Float64Array.from(model.tierThresholds);
  const spend = new Float64Array(CATS.length);
  const z = new Float64Array(DIMS);
  const out = { segment: -1, offers: new Int32Array(3), nOffers: 0, nextTier: -1, gap: 0 };
  return function tuned(c, nowTs) {
    const yearAgo = nowTs - 365 * DAY;
    const orders = c.orders, n = orders.length;
    spend.fill(0);
    let lastTs = -Infinity, freq = 0, monetary = 0, total = 0;
    for (let j = 0; j < n; j++) {
      const o = orders[j];
      const ts = o.ts, a = o.amount;
      if (ts > lastTs) lastTs = ts;
      if (ts >= yearAgo) { freq++; monetary += a; }
      total += a;
      spend[catIndex[o.category]] += a;
    }
    z[0] = ((nowTs - lastTs) / DAY - means[0]) * invStd[0];
    z[1] = (freq - means[1]) * invStd[1];
    z[2] = (monetary - means[2]) * invStd[2];
    z[3] = ((n ? total / n : 0) - means[3]) * invStd[3];
    for (let d = 0; d < 4; d++) z[4 + d] = ((total ? spend[shareIdx[d]] / total : 0) - means[4 + d]) * invStd[4 + d];
    let seg = -1, bestD = Infinity;
    for (let k = 0; k < K; k++) {
      let d2 = 0;
      const b = k * DIMS;
      for (let d = 0; d < DIMS; d++) { const t = z[d] - cen[b + d]; d2 += t * t; }
      if (d2 < bestD) { bestD = d2; seg = k; }
    }
    const ord = order[seg], tier = c.tier;
    let m = 0;
    for (let q = 0; q < N_OFFERS && m < 3; q++) {
      const i = ord[q];
      if (tier >= minTier[i] && (offCat[i] < 0 || spend[offCat[i]] > 0)) out.offers[m++] = ids[i];
    }
    out.segment = seg; out.nOffers = m;
    out.nextTier = -1; out.gap = 0;
    for (let t = 0; t < thr.length; t++) if (monetary < thr[t]) { out.nextTier = t; out.gap = thr[t] - monetary; break; }
    return out;
  };
}

// ---------------------------------------------------------------- harness
const model = makeModel();
const tuned = compileTuned(model);
const catIdx = Object.fromEntries(CATS.map((c, i) => [c, i]));
const enc = new TextEncoder();
const encBuf = new Uint8Array(1 << 16);
const packBuf = new Float64Array(30 * 3);

function checksumNaive(r) {
  return r.segment * 1e4 + r.offers.reduce((s, x, i) => s + x * (i + 1), 0) + (r.nudge ? r.nudge.nextTier * 7 + r.nudge.gap : 0);
}
function checksumTuned(r) {
  let s = r.segment * 1e4;
  for (let i = 0; i < r.nOffers; i++) s += r.offers[i] * (i + 1);
  return s + (r.nextTier >= 0 ? r.nextTier * 7 + r.gap : 0);
}

let evalOne;
switch (mode) {
  case "naive": evalOne = (c) => checksumNaive(naive(c, model, NOW)); break;
  case "tuned": evalOne = (c) => checksumTuned(tuned(c, NOW)); break;
  case "marshal-json": evalOne = (c) => enc.encodeInto(JSON.stringify(c), encBuf).written; break;
  case "marshal-pack": evalOne = (c) => {
    const os = c.orders;
    for (let j = 0; j < os.length; j++) { const o = os[j]; packBuf[3 * j] = o.ts; packBuf[3 * j + 1] = o.amount; packBuf[3 * j + 2] = catIdx[o.category]; }
    return packBuf[1];
  }; break;
  case "marshal-pack-nocat": evalOne = (c) => {
    const os = c.orders;
    for (let j = 0; j < os.length; j++) { const o = os[j]; packBuf[3 * j] = o.ts; packBuf[3 * j + 1] = o.amount; }
    return packBuf[1];
  }; break;
  case "verify": break;
  default: throw new Error("unknown mode " + mode);
}

if (mode === "verify") {
  const cs = makeCustomers(N, 42);
  let bad = 0, sum = 0;
  const segs = new Array(K).fill(0), offerCount = [0, 0, 0, 0];
  for (const c of cs) {
    const a = naive(c, model, NOW), b = tuned(c, NOW);
    const ca = checksumNaive(a), cb = checksumTuned(b);
    if (ca !== cb) bad++;
    sum += ca; segs[a.segment]++; offerCount[a.offers.length]++;
  }
  emit({ bench: "baseline-verify", n: N, mismatches: bad, checksum: sum, segmentCounts: segs, offersReturnedHistogram: offerCount,
    sample: naive(cs[0], model, NOW) });
  process.exit(bad ? 1 : 0);
}

const warm = makeCustomers(WARMUP + 1001, 4242);
const customers = makeCustomers(DISTINCT, 42 + RUN);
const memLoaded = gcMem();

let t0 = now();
evalOne(warm[0]);
const firstCallUs = nsSince(t0) / 1000;
t0 = now();
for (let i = 1; i < 1001; i++) evalOne(warm[i]);
const first1000NsPer = nsSince(t0) / 1000;
for (let i = 1001; i < warm.length; i++) evalOne(warm[i]);
gcMem();

let sink = 0;
const load1 = loadavg1();
const stop = timer();
if (DISTINCT === N) for (let i = 0; i < N; i++) sink += evalOne(customers[i]);
else for (let i = 0; i < N; i++) sink += evalOne(customers[i % DISTINCT]);
const { wallNs, cpuNs } = stop();
const memAfter = mem();

emit({
  bench: "baseline",
  node: process.version,
  mode,
  n: N,
  distinct: DISTINCT,
  nsPerCustomer: +(wallNs / N).toFixed(1),
  cpuNsPerCustomer: +(cpuNs / N).toFixed(1),
  load1,
  firstCallUs: +firstCallUs.toFixed(1),
  first1000NsPer: +first1000NsPer.toFixed(0),
  rssDataLoadedMB: memLoaded.rssMB,
  rssAfterMB: memAfter.rssMB,
  sink,
});
