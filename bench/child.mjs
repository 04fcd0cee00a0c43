// One measurement in a fresh Node process; bench/run.mjs starts it and reads the JSON line it
// prints last. Not meant to be run by hand, but it can be:
//
//   node --expose-gc bench/child.mjs decide --data=cdnow --form=object
//   node --expose-gc bench/child.mjs decide --data=synth --form=json --n=20000
//   node --expose-gc bench/child.mjs page-view --data=synth --n=20000
//   node --expose-gc bench/child.mjs page-view --data=cdnow --mem=1000000
//   node --expose-gc bench/child.mjs page-view --data=cdnow --lean   (prepared.pageView)
//   node --expose-gc bench/child.mjs columns
//   node --expose-gc bench/child.mjs growthbook
//   node --expose-gc bench/child.mjs clv --rounds=2
//   node bench/child.mjs first-call --build=node|web
//
// Inputs are built (and, for `decide`, converted to offerwise's shape) before the clock
// starts; a warm-up pass runs first, then two GCs, then one timed pass. Wall time is
// process.hrtime, CPU time is process.cpuUsage (user + system, all threads of this process).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { timer, gcMem, mem, parseArgs, emit } from "./peers/lib.mjs";
import {
  CDNOW_CUSTOMERS, CDNOW_NOW, EXPERIMENT_KEY, MODEL_PATH, PKG, PROGRAM_PATH,
  baselineGenerator, catalogue50Program, emptyPolicy, loadavg, median, modelWithoutClv, programWithoutClvRules, readJsonl, toOfferwise,
} from "./lib.mjs";

const [what, ...rest] = process.argv.slice(2);
const args = parseArgs(rest);
const load1 = () => (loadavg() || [null])[0];
const digest = (arr) => createHash("sha256").update(Uint8Array.from(arr)).digest("hex").slice(0, 16);

/** Customers and `now` of a data set: {warm, items, now}, items in offerwise's shape. */
function dataSet(data, n, warmup) {
  if (data === "cdnow") {
    const all = readJsonl(CDNOW_CUSTOMERS);
    const items = n ? all.slice(0, n) : all;
    return { warm: items.slice(0, Math.min(warmup, items.length)), items, now: CDNOW_NOW };
  }
  if (data === "synth") {
    // The baseline's own customers: makeCustomers(n, 42) measured, seed 4242 for warm-up.
    const g = baselineGenerator();
    return {
      warm: g.makeCustomers(warmup, 4242).map(toOfferwise),
      items: g.makeCustomers(n, 42).map(toOfferwise),
      now: g.NOW, // epoch ms (2025-06-01T00:00:00Z)
    };
  }
  throw new Error(`unknown --data=${data}`);
}

async function decide() {
  const data = args.data || "cdnow";
  const form = args.form || "object";
  const { Engine } = await import("offerwise");
  // --program=catalogue50: the peer's 50 offers (lib.mjs); --policy=empty: exploring.
  const programText = readFileSync(PROGRAM_PATH, "utf8");
  const program = args.program === "catalogue50" ? catalogue50Program(programText) : programText;
  const policy = args.policy === "empty" ? emptyPolicy() : undefined;
  const engine = new Engine(readFileSync(MODEL_PATH, "utf8"), program, policy);
  const { warm, items, now } = dataSet(data, args.n ? +args.n : 0, +(args.warmup || 2000));
  const opts = { now };
  // What crosses the boundary. "json" stringifies inside the timed loop (what a caller holding
  // objects pays); "json-pre" hands over strings made beforehand (the wasm side's parse only).
  const prep = {
    object: (c) => c,
    json: (c) => c,
    "json-pre": (c) => JSON.stringify(c),
    minimal: (c) => ({ id: c.id }),
  }[form];
  if (!prep) throw new Error(`unknown --form=${form}`);
  const warmIn = warm.map(prep);
  const input = items.map(prep);
  const call = form === "json" ? (c) => engine.decide(JSON.stringify(c), opts) : (c) => engine.decide(c, opts);

  for (const c of warmIn) call(c);
  gcMem();
  const seg = new Int8Array(input.length);
  const variant = new Uint8Array(input.length);
  let offers = 0;
  const l1 = load1();
  const stop = timer();
  for (let i = 0; i < input.length; i++) {
    const d = call(input[i]);
    seg[i] = d.segment === null ? -1 : d.segment.id;
    const x = d.experiments[0];
    variant[i] = d.holdout?.heldOut ? 4 : x === undefined ? 3 : x.variant === "winback" ? 1 : x.variant === "control" ? 0 : 2;
    offers += d.offers.length;
  }
  const { wallNs, cpuNs } = stop();
  const segmentCounts = {};
  for (const s of seg) segmentCounts[s] = (segmentCounts[s] || 0) + 1;
  emit({
    what: "decide", data, form, n: input.length,
    wallNs, cpuNs, nsPerCustomer: wallNs / input.length, cpuNsPerCustomer: cpuNs / input.length, load1: l1,
    segmentCounts, offers, assignDigest: digest(variant), variants: form === "minimal" ? variant.join("") : undefined, ordersPerCustomer: input.length && data === "synth" ? items[0].orders.length : undefined,
    rssMB: mem().rssMB,
  });
}

async function pageView() {
  // A storefront session's page views: each customer prepared before the clock starts
  // (engine.prepare, once per session), then one timed decide per customer with a new cart
  // (what changes between page views). --mem=N: instead, N page views cycling over the
  // customers, reporting the wasm memory after warm-up and at the end.
  const data = args.data || "cdnow";
  // --mem: the web build, whose initSync returns the instance's exports (its memory among them).
  let Engine, wasmMemory;
  if (args.mem) {
    const web = await import("offerwise/web");
    wasmMemory = web.initSync({ module: readFileSync(path.join(PKG, "web", "offerwise_bg.wasm")) }).memory;
    Engine = web.Engine;
  } else {
    ({ Engine } = await import("offerwise"));
  }
  const programText = readFileSync(PROGRAM_PATH, "utf8");
  const program = args.program === "catalogue50" ? catalogue50Program(programText) : programText;
  const engine = new Engine(readFileSync(MODEL_PATH, "utf8"), program);
  const { warm, items, now } = dataSet(data, args.n ? +args.n : 0, +(args.warmup || 2000));
  const cartOf = (i) => ({ now, cart: { amount: 10 + (i % 90) + 0.5 } });
  const warmHandles = warm.map((c) => engine.prepare(c, { now }));
  const handles = items.map((c) => engine.prepare(c, { now }));
  const carts = items.map((_, i) => cartOf(i));
  // --lean: the storefront's lean call, prepared.pageView (the page's part of the decision).
  const view = args.lean ? (h, o) => h.pageView(o) : (h, o) => h.decide(o);
  for (const [i, h] of warmHandles.entries()) view(h, cartOf(i));
  for (const h of warmHandles) h.free();
  if (args.mem) {
    const total = +args.mem;
    const before = wasmMemory.buffer.byteLength;
    const l1 = load1();
    const stop = timer();
    let offers = 0;
    for (let k = 0; k < total; k++) offers += view(handles[k % handles.length], carts[k % carts.length]).offers.length;
    const { wallNs, cpuNs } = stop();
    const after = wasmMemory.buffer.byteLength;
    emit({ what: "page-view-memory", data, n: total, wallNs, cpuNs, nsPerCustomer: wallNs / total, cpuNsPerCustomer: cpuNs / total, load1: l1,
      wasmMemoryBefore: before, wasmMemoryAfter: after, growthBytes: after - before, offers });
    return;
  }
  gcMem();
  const seg = new Int8Array(handles.length);
  let offers = 0;
  const l1 = load1();
  const stop = timer();
  for (let i = 0; i < handles.length; i++) {
    const d = view(handles[i], carts[i]);
    // The segment is the decision's, or the lean view's log record's.
    const segment = args.lean ? d.log.segment : d.segment;
    seg[i] = segment == null ? -1 : segment.id;
    offers += d.offers.length;
  }
  const { wallNs, cpuNs } = stop();
  const segmentCounts = {};
  for (const s of seg) segmentCounts[s] = (segmentCounts[s] || 0) + 1;
  emit({
    what: "page-view", data, lean: !!args.lean, n: handles.length,
    wallNs, cpuNs, nsPerCustomer: wallNs / handles.length, cpuNsPerCustomer: cpuNs / handles.length, load1: l1,
    segmentCounts, offers, rssMB: mem().rssMB,
  });
}

async function columns() {
  // The columnar batch path of the data build: every CDNOW customer decided in one
  // engine.decideColumns call from packed columns (made before the clock starts), results as
  // typed arrays. A warm-up call on the first 2,000 customers runs first.
  const { Engine } = await import("offerwise/data");
  const engine = new Engine(readFileSync(MODEL_PATH, "utf8"), readFileSync(PROGRAM_PATH, "utf8"));
  const { items, now } = dataSet("cdnow", args.n ? +args.n : 0, 0);
  const pack = (customers) => {
    const rows = [];
    customers.forEach((c, i) => c.orders.forEach((o) => rows.push([i, typeof o.at === "number" ? o.at : Date.parse(o.at), o.amount])));
    return {
      ids: customers.map((c) => c.id),
      customer: Uint32Array.from(rows, (r) => r[0]),
      at: Float64Array.from(rows, (r) => r[1]),
      amount: Float64Array.from(rows, (r) => r[2]),
    };
  };
  engine.decideColumns(pack(items.slice(0, 2000)), { now });
  const cols = pack(items);
  gcMem();
  const l1 = load1();
  const stop = timer();
  const r = engine.decideColumns(cols, { now });
  const { wallNs, cpuNs } = stop();
  const segmentCounts = {};
  for (const s of r.segment) segmentCounts[s] = (segmentCounts[s] || 0) + 1;
  let offers = 0;
  for (const o of r.offers) if (o >= 0) offers++;
  emit({
    what: "columns", data: "cdnow", n: r.len, wallNs, cpuNs, nsPerCustomer: wallNs / r.len, cpuNsPerCustomer: cpuNs / r.len, load1: l1,
    segmentCounts, offers, errors: r.errors.length, rssMB: mem().rssMB,
  });
}

async function growthbook() {
  const { GrowthBook } = await import("@growthbook/growthbook");
  const ids = readJsonl(CDNOW_CUSTOMERS).map((c) => c.id);
  const run = (id) => new GrowthBook({ attributes: { id } }).run({ key: EXPERIMENT_KEY, variations: [0, 1], hashVersion: 2 });
  // warm-up on other ids, so that every timed id is seen for the first time
  for (let i = 0; i < 5000; i++) run("warm-" + i);
  gcMem();
  const variant = new Uint8Array(ids.length);
  const l1 = load1();
  const stop = timer();
  for (let i = 0; i < ids.length; i++) {
    const r = run(ids[i]);
    variant[i] = r.inExperiment ? r.value : 2;
  }
  const { wallNs, cpuNs } = stop();
  emit({
    what: "growthbook", n: ids.length, wallNs, cpuNs, nsPerCustomer: wallNs / ids.length, cpuNsPerCustomer: cpuNs / ids.length,
    load1: l1, assignDigest: digest(variant), variants: variant.join(""), rssMB: mem().rssMB,
  });
}

async function clv() {
  // Two engines that differ only in the model's clv part, alternating passes (A B B A ...) over
  // the same pre-stringified CDNOW customers, so that drift in machine load hits both arms.
  const { Engine } = await import("offerwise");
  const modelText = readFileSync(MODEL_PATH, "utf8");
  const program = programWithoutClvRules(readFileSync(PROGRAM_PATH, "utf8"));
  const withClv = new Engine(modelText, program);
  const withoutClv = new Engine(modelWithoutClv(modelText), program);
  const input = readJsonl(CDNOW_CUSTOMERS).map((c) => JSON.stringify(c));
  const opts = { now: CDNOW_NOW };
  const pass = (engine, xs) => {
    let k = 0;
    for (let i = 0; i < xs.length; i++) k += engine.decide(xs[i], opts).clv === null ? 0 : 1;
    return k;
  };
  const warm = input.slice(0, 2000);
  pass(withClv, warm); pass(withoutClv, warm);
  const rounds = +(args.rounds || 2);
  const samples = { with: [], without: [] };
  let clvCount = null;
  const l1 = load1();
  for (let r = 0; r < rounds; r++) {
    for (const arm of r % 2 ? ["without", "with"] : ["with", "without"]) {
      gcMem();
      const stop = timer();
      const k = pass(arm === "with" ? withClv : withoutClv, input);
      const t = stop();
      if (arm === "with") clvCount = k;
      else if (k !== 0) throw new Error("the model without clv still gave clv");
      samples[arm].push(t);
    }
  }
  const per = (arm, f) => median(samples[arm].map((t) => t[f] / input.length));
  emit({
    what: "clv", n: input.length, rounds, load1: l1, customersWithClv: clvCount,
    with: { nsPerCustomer: per("with", "wallNs"), cpuNsPerCustomer: per("with", "cpuNs") },
    without: { nsPerCustomer: per("without", "wallNs"), cpuNsPerCustomer: per("without", "cpuNs") },
    nsPerCustomer: per("with", "wallNs") - per("without", "wallNs"),
    cpuNsPerCustomer: per("with", "cpuNs") - per("without", "cpuNs"),
    samples,
  });
}

async function firstCall() {
  // Model, programme and customer are read before the clock starts (they come from the
  // application); the wasm file is read inside it (the Node build reads it on import).
  const build = args.build || "node";
  const model = readFileSync(MODEL_PATH, "utf8");
  const program = readFileSync(PROGRAM_PATH, "utf8");
  const customer = { id: "00001", orders: [{ at: "1997-01-01", amount: 11.77 }] };
  const sinceStartMs = performance.now(); // ms from process start (timeOrigin) to here
  const t0 = process.hrtime.bigint();
  let mod;
  if (build === "node") {
    mod = await import("offerwise"); // the Node ESM entry: instantiates the wasm on load
  } else {
    mod = await import("offerwise/web");
    mod.initSync({ module: readFileSync(path.join(PKG, "web", "offerwise_bg.wasm")) });
  }
  const t1 = process.hrtime.bigint();
  const engine = new mod.Engine(model, program);
  const t2 = process.hrtime.bigint();
  const d = engine.decide(customer, { now: CDNOW_NOW });
  const t3 = process.hrtime.bigint();
  const processStartToDecisionMs = performance.now();
  if (!d.segment) throw new Error("no segment for 00001");
  const ns = (a, b) => Number(b - a);
  emit({
    what: "first-call", build, importNs: ns(t0, t1), engineNs: ns(t1, t2), decideNs: ns(t2, t3), totalNs: ns(t0, t3),
    processStartToImportMs: sinceStartMs, processStartToDecisionMs, segment: d.segment.name, offers: d.offers.map((o) => o.title),
  });
}

async function firstCallGrowthbook() {
  // The peer's cold start, measured the same way: import the SDK, make the client, run one
  // experiment for one id (its first decision).
  const sinceStartMs = performance.now();
  const t0 = process.hrtime.bigint();
  const { GrowthBook } = await import("@growthbook/growthbook");
  const t1 = process.hrtime.bigint();
  const gb = new GrowthBook({ attributes: { id: "00001" } });
  const t2 = process.hrtime.bigint();
  const r = gb.run({ key: EXPERIMENT_KEY, variations: [0, 1], hashVersion: 2 });
  const t3 = process.hrtime.bigint();
  const processStartToDecisionMs = performance.now();
  const ns = (a, b) => Number(b - a);
  emit({
    what: "first-call", build: "growthbook", importNs: ns(t0, t1), engineNs: ns(t1, t2), decideNs: ns(t2, t3), totalNs: ns(t0, t3),
    processStartToImportMs: sinceStartMs, processStartToDecisionMs, inExperiment: r.inExperiment,
  });
}

const cases = { decide, "page-view": pageView, columns, growthbook, clv, "first-call": firstCall, "first-call-growthbook": firstCallGrowthbook };
if (!cases[what]) {
  console.error(`usage: node --expose-gc bench/child.mjs ${Object.keys(cases).join("|")} [--key=value ...]`);
  process.exit(2);
}
await cases[what]();
