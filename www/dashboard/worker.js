// The dashboard's work off the page's thread: the engine's data build, loaded once, runs each
// job a page posts ({ id, job, ... }) and posts back { id, result } or { id, error }; training
// posts { id, progress } as each step starts. The page's thread only draws.
import init, { analyze, analyzeLogs, customerFeatures, train, Engine } from "../../pkg/data/web/offerwise.js";

const ready = init();
/** The engine's default documents, as the CLI embeds them (fetched from this site when asked). */
const defaults = {};
async function defaultText(name) {
  defaults[name] ??= fetch(new URL(`../../models/${name}`, import.meta.url)).then((r) => {
    if (!r.ok) throw new Error(`models/${name}: HTTP ${r.status}`);
    return r.text();
  });
  return defaults[name];
}

/** A units CSV's header, its numeric columns and the variants seen (first 2,000 rows). */
function sniffUnits({ text, variantColumn, known }) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((c) => c.trim());
  const rows = lines.slice(1, 2001).map((l) => l.split(","));
  const vi = header.indexOf(variantColumn);
  const variants = vi < 0 ? [] : [...new Set(rows.map((r) => (r[vi] ?? "").trim()).filter(Boolean))].sort();
  const numeric = header.filter((c, i) => i !== vi && !known.includes(c) && !c.startsWith("pre_")
    && rows.every((r) => r[i] === undefined || r[i].trim() === "" || Number.isFinite(Number(r[i]))));
  return { header, variants, numeric, units: Math.max(0, lines.length - 1) };
}

/** The experiments a decision log assigns (each with its variants) and how many records it has;
 * a line that is not JSON is left to the analysis, which names it. */
function sniffLog({ text }) {
  const experiments = {};
  let decisions = 0;
  let holdout = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    decisions += 1;
    let record;
    try { record = JSON.parse(line); } catch { continue; }
    if (record?.holdout === true) holdout += 1;
    for (const [key, variant] of Object.entries(record?.variants ?? {})) {
      // null: the customer was not in the experiment (outside its coverage or phase).
      if (variant !== null && variant !== undefined) (experiments[key] ??= new Set()).add(String(variant));
    }
  }
  return { decisions, holdout, experiments: Object.fromEntries(Object.entries(experiments).map(([k, v]) => [k, [...v].sort()])) };
}

/** Quantile of sorted values (linear interpolation between order statistics). */
function quantile(sorted, q) {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo);
}

/** Each feature column summarised for a histogram: 24 bins from the minimum to the 99th
 * percentile and a 25th for the top 1%; median, mean, and how many are undefined (NaN). */
function summarise(columns, bins = 24) {
  return Object.fromEntries(Object.entries(columns).map(([name, column]) => {
    const values = column.filter((v) => !Number.isNaN(v)).sort();
    const undefinedCount = column.length - values.length;
    if (values.length === 0) return [name, { count: 0, undefined: undefinedCount }];
    const min = values[0], p99 = quantile(values, 0.99);
    const width = (p99 - min) / bins || 1;
    const counts = new Array(bins + 1).fill(0);
    let sum = 0;
    for (const v of values) {
      counts[v > p99 ? bins : Math.min(bins - 1, Math.floor((v - min) / width))] += 1;
      sum += v;
    }
    return [name, { count: values.length, undefined: undefinedCount, min, p99, median: quantile(values, 0.5), mean: sum / values.length, counts }];
  }));
}

/** A result's feature columns replaced by their summaries (the page draws; it does not count). */
function withSummaries(result) {
  const { features, ...rest } = result;
  return { ...rest, summaries: summarise(features) };
}

/** engine.effectivenessFiles with the default model, and the default programme and policy
 * unless a programme is given (then, as the CLI, no policy). */
async function programme({ files, options, program }) {
  const model = await defaultText("default.json");
  const engine = program === null
    ? new Engine(model, await defaultText("default-program.json"), await defaultText("default-policy.json"))
    : new Engine(model, program);
  try {
    return engine.effectivenessFiles({ ...files, orders: new Uint8Array(files.orders) }, options);
  } finally {
    engine.free();
  }
}

const jobs = {
  programme,
  sniffUnits,
  sniffLog,
  analyze: ({ text, options }) => analyze(text, options),
  analyzeLogs: ({ decisions, outcomes, options }) => analyzeLogs(decisions, outcomes, options),
  features: ({ bytes, options }) => {
    const { ids, ...rest } = withSummaries(customerFeatures(new Uint8Array(bytes), options));
    return rest;
  },
  train: ({ id, bytes, options }) => {
    const t = train(new Uint8Array(bytes), options, (progress) => self.postMessage({ id, progress }));
    // The page shows segments, not customers: their ids stay here.
    const { ids, segments, ...rest } = withSummaries(t);
    return rest;
  },
};

/** Typed arrays of a result go back without a copy. */
function transferables(result) {
  const out = [];
  const walk = (v, depth) => {
    if (ArrayBuffer.isView(v)) out.push(v.buffer);
    else if (v && typeof v === "object" && depth < 3) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(result, 0);
  return [...new Set(out)];
}

self.onmessage = async ({ data }) => {
  await ready;
  const { id, job } = data;
  try {
    if (!(job in jobs)) throw new Error(`unknown job ${job}`);
    const result = await jobs[job](data);
    self.postMessage({ id, result }, transferables(result));
  } catch (e) {
    self.postMessage({ id, error: { code: e.code ?? "internal", path: e.path ?? "", message: e.message ?? String(e) } });
  }
};
