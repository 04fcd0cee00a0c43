// Segmentation in the page: a transaction file is read and its features computed by the
// engine's data build in the worker (customerFeatures), then a segmentation is trained there
// (train: the CLI's k-means and lifetime-value fit) with a progress bar; this thread draws.
import { $, work, describe, svgEl, dropZone, fmt, int, detectFormat } from "./common.js";

const SHOWN = ["recencyDays", "frequency", "monetary", "totalSpend", "tenureDays", "meanDaysBetweenPurchases"];
const ALL = ["recencyDays", "frequency", "purchaseDays", "monetary", "totalSpend", "tenureDays",
  "meanDaysBetweenPurchases", "spendLast365d", "ordersLast365d"];
const DEFAULT_FEATURES = ["recencyDays", "frequency", "monetary"];
const LABELS = {
  recencyDays: "Days since the last order", frequency: "Orders", purchaseDays: "Days with an order",
  monetary: "Mean order value", totalSpend: "Total spend", tenureDays: "Days since the first order",
  meanDaysBetweenPurchases: "Mean days between orders", spendLast365d: "Spend in the last 365 days",
  ordersLast365d: "Orders in the last 365 days",
};
const COLORS = ["#0b6e4f", "#3d5a80", "#8a5a00", "#6b2d5c", "#2f6f8f", "#a4431b", "#4f6d2f", "#5b4a9e"];
let file = null;
let bytes = null;

const setState = (s) => { document.body.dataset.state = s; };
/** Says how reading (`#status`) or training (`#train-status`) went. */
function status(message, error = false, where = "status") {
  for (const id of ["status", "train-status"]) {
    $(id).textContent = id === where ? message : "";
    $(id).className = error && id === where ? "status-error" : "";
  }
}

function readOptions() {
  const format = $("format").value === "auto" ? detectFormat(bytes) : $("format").value;
  const options = { format };
  if (format === "csv" && $("delimiter").value) options.delimiter = $("delimiter").value;
  const now = $("now").value.trim();
  if (now) options.now = now;
  return options;
}

async function load(f) {
  file = f;
  setState("reading");
  status(`Reading ${f.name}…`);
  bytes = new Uint8Array(await f.arrayBuffer());
  await computeFeatures();
}

async function computeFeatures() {
  if (!bytes) return;
  const options = readOptions();
  try {
    // A copy goes to the worker (the page keeps the file for training).
    const copy = bytes.slice();
    const r = await work("features", { bytes: copy.buffer, options }, { transfer: [copy.buffer] });
    $("now").placeholder = r.now.slice(0, 10);
    const notes = [];
    if (r.read.skipped) notes.push(`${int(r.read.skipped)} bad rows skipped`);
    if (r.read.ignoredColumns.length) notes.push(`columns ignored: ${r.read.ignoredColumns.join(", ")}`);
    $("features-summary").textContent = `${file.name} (${options.format === "cdnow" ? "CDNOW" : "CSV"}): ${int(r.read.rows)} transactions of `
      + `${int(r.customers)} customers; features as of ${r.now.slice(0, 10)}${notes.length ? `; ${notes.join("; ")}` : ""}.`;
    histograms(r.summaries);
    $("features-section").hidden = false;
    $("train-section").hidden = false;
    $("model-section").hidden = true;
    status(`${int(r.customers)} customers read. Choose k and train.`);
    setState("loaded");
  } catch (e) {
    status(describe(e), true);
    setState("error");
  }
}

/** One small histogram per feature (summarised in the worker): 24 bins from the minimum to
 * the 99th percentile, and a grey bar for the top 1%. */
function histograms(summaries) {
  const figures = SHOWN.map((name) => {
    const h = summaries[name];
    const fig = document.createElement("figure");
    fig.className = "histogram";
    fig.dataset.feature = name;
    const svg = svgEl("svg", { viewBox: "0 0 320 150", role: "img", "aria-labelledby": `h-${name}` });
    const cap = document.createElement("figcaption");
    cap.id = `h-${name}`;
    if (!h || h.count === 0) {
      cap.textContent = `${LABELS[name]}: undefined for every customer.`;
      fig.append(svg, cap);
      return fig;
    }
    const bins = h.counts.length - 1;
    const top = Math.max(...h.counts);
    const left = 8, plotW = 304, baseY = 120, plotH = 100;
    const barW = plotW / (bins + 1);
    const parts = h.counts.map((c, i) => svgEl("rect", {
      x: left + i * barW + 0.5, y: baseY - (c / top) * plotH, width: barW - 1, height: (c / top) * plotH,
      fill: i === bins ? "#9aa5ae" : "#3d5a80",
    }));
    parts.push(svgEl("line", { x1: left, x2: left + plotW, y1: baseY, y2: baseY, stroke: "#55606a" }));
    parts.push(svgEl("text", { x: left, y: baseY + 16, "font-size": 11, fill: "#55606a" }, fmt(h.min, 0)));
    parts.push(svgEl("text", { x: left + bins * barW, y: baseY + 16, "font-size": 11, "text-anchor": "end", fill: "#55606a" }, fmt(h.p99, 0)));
    svg.replaceChildren(...parts);
    cap.textContent = `${LABELS[name]}: median ${fmt(h.median)}, mean ${fmt(h.mean)}; the grey bar is the top 1% (above ${fmt(h.p99, 0)})`
      + (h.undefined ? `; undefined for ${int(h.undefined)} customers.` : ".");
    fig.append(svg, cap);
    return fig;
  });
  $("histograms").replaceChildren(...figures);
}

function featureChoice() {
  $("feature-choice").append(...ALL.map((name) => {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.checked = DEFAULT_FEATURES.includes(name);
    label.append(box, ` ${name}`);
    return label;
  }));
}

async function runTraining(event) {
  event.preventDefault();
  if (!bytes) return;
  const low = Number($("k-low").value), high = Number($("k-high").value);
  const features = [...$("feature-choice").querySelectorAll("input:checked")].map((b) => b.value);
  const reading = readOptions();
  const options = {
    ...reading,
    nInit: Number($("n-init").value),
    seed: Number($("seed").value),
    transform: $("transform").value,
    features,
    clv: $("clv").checked,
    name: file.name.replace(/\.[^.]*$/, "") || "model",
    source: `${file.name} (${reading.format})`,
  };
  if (low === high) options.k = low;
  else options.kRange = [low, high];
  const steps = 1 + (low === high ? 1 : Math.max(1, high - low + 1)) + (options.clv ? 1 : 0);
  let done = 0;
  $("progress").value = 0;
  $("progress-row").hidden = false;
  $("train").disabled = true;
  setState("training");
  status("Training in the page's worker…", false, "train-status");
  const onProgress = (p) => {
    $("progress").value = done / steps;
    done += 1;
    $("progress-label").textContent = p.step === "features" ? `Computing the features of ${int(p.customers)} customers`
      : p.step === "cluster" ? `Clustering with k = ${p.k} (${p.index + 1} of ${p.count})`
      : "Fitting the lifetime-value model";
  };
  try {
    const copy = bytes.slice();
    const t = await work("train", { bytes: copy.buffer, options }, { onProgress, transfer: [copy.buffer] });
    $("progress").value = 1;
    $("progress-label").textContent = "Trained";
    show(t, options);
    status(`Trained ${t.model.version}: ${t.model.segments.length} segments below.`, false, "train-status");
    setState("trained");
  } catch (e) {
    $("progress-row").hidden = true;
    status(describe(e), true, "train-status");
    setState("error");
  } finally {
    $("train").disabled = false;
  }
}

function show(t, options) {
  const m = t.model;
  const tr = m.training;
  const chosen = tr.params.kSelection === "silhouette" ? ` (the best mean silhouette of k ${tr.params.kRange[0]}–${tr.params.kRange[1]})` : "";
  $("model-summary").textContent = `k = ${m.segments.length}${chosen}: ${int(t.clustered)} customers clustered`
    + (t.leftOut ? `, ${int(t.leftOut)} left out (a clustering feature undefined, e.g. ${t.leftOutIds[0]})` : "")
    + `; inertia ${fmt(tr.inertia, 1)}, mean silhouette ${tr.silhouette.toFixed(4)}; seed ${tr.params.seed}.`;
  const feats = m.features;
  const head = document.createElement("tr");
  for (const [i, h] of ["Segment", "Role", "Customers", "Share", ...feats.map((f) => `Mean ${f}`)].entries()) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    if (i >= 2) th.className = "num";
    head.append(th);
  }
  $("segments").tHead.replaceChildren(head);
  const total = m.segments.reduce((a, s) => a + s.size, 0);
  $("segments").tBodies[0].replaceChildren(...m.segments.map((s) => {
    const row = document.createElement("tr");
    row.dataset.segment = String(s.id);
    const cells = [s.name, s.role ?? "–", int(s.size), `${fmt((100 * s.size) / total)}%`, ...feats.map((f) => fmt(s.profile[f] ?? NaN))];
    cells.forEach((c, i) => {
      const td = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) td.scope = "row";
      td.textContent = c;
      if (i >= 2) td.className = "num";
      row.append(td);
    });
    return row;
  }));
  sizesPlot(m.segments, total);
  profilePlot(m.segments, feats, t.summaries, total);
  kPlot(tr.kScores ?? [], m.segments.length);
  const clv = m.clv;
  $("clv-summary").textContent = clv
    ? `Lifetime value: ${clv.purchaseModel ?? "bgnbd"} + Gamma-Gamma (${clv.timeUnit})${clv.selection?.reason ? `; ${clv.selection.reason}` : ""}.`
    : "No lifetime-value model (not asked for).";
  const url = URL.createObjectURL(new Blob([JSON.stringify(m, null, 2) + "\n"], { type: "application/json" }));
  $("download").href = url;
  $("download").download = `${options.name}.json`;
  $("model-section").hidden = false;
}

function sizesPlot(segments, total) {
  const W = 900, rowH = 30, left = 180, right = 130, top = 8;
  const H = top + segments.length * rowH + 8;
  const max = Math.max(...segments.map((s) => s.size));
  const parts = [];
  segments.forEach((s, i) => {
    const y = top + i * rowH;
    const w = ((W - left - right) * s.size) / max;
    parts.push(svgEl("text", { x: left - 10, y: y + 19, "text-anchor": "end", "font-size": 13, fill: "#1d2327" }, s.name));
    parts.push(svgEl("rect", { x: left, y: y + 5, width: w, height: rowH - 10, fill: COLORS[i % COLORS.length], "data-segment": s.id, "data-size": s.size }));
    parts.push(svgEl("text", { x: left + w + 8, y: y + 19, "font-size": 12, fill: "#55606a" }, `${int(s.size)} (${fmt((100 * s.size) / total)}%)`));
  });
  const svg = $("sizes-plot");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren(...parts);
}

/** Grouped bars: per clustering feature, each segment's mean as an index of the overall mean. */
function profilePlot(segments, feats, summaries, total) {
  const W = 900, H = 260, left = 50, right = 10, top = 14, bottom = 60;
  const overall = Object.fromEntries(feats.map((f) => [f, summaries[f]?.mean ?? 0]));
  const index = (s, f) => (overall[f] ? (100 * (s.profile[f] ?? 0)) / overall[f] : 0);
  const maxIndex = Math.max(100, ...segments.flatMap((s) => feats.map((f) => index(s, f))));
  const y = (v) => top + (1 - v / maxIndex) * (H - top - bottom);
  const groupW = (W - left - right) / feats.length;
  const barW = Math.min(40, (groupW - 20) / segments.length);
  const parts = [svgEl("line", { x1: left, x2: W - right, y1: y(100), y2: y(100), stroke: "#55606a", "stroke-dasharray": "4 3" }),
    svgEl("text", { x: left - 6, y: y(100) + 4, "text-anchor": "end", "font-size": 11, fill: "#55606a" }, "100"),
    svgEl("text", { x: left - 6, y: y(0) + 4, "text-anchor": "end", "font-size": 11, fill: "#55606a" }, "0")];
  feats.forEach((f, g) => {
    const x0 = left + g * groupW + (groupW - barW * segments.length) / 2;
    segments.forEach((s, i) => {
      const v = index(s, f);
      parts.push(svgEl("rect", { x: x0 + i * barW, y: y(v), width: barW - 2, height: y(0) - y(v), fill: COLORS[i % COLORS.length],
        "data-segment": s.id, "data-feature": f }));
    });
    parts.push(svgEl("text", { x: left + g * groupW + groupW / 2, y: H - bottom + 18, "text-anchor": "middle", "font-size": 12, fill: "#1d2327" }, f));
  });
  // Legend.
  segments.forEach((s, i) => {
    const x = left + i * 170;
    parts.push(svgEl("rect", { x, y: H - 22, width: 12, height: 12, fill: COLORS[i % COLORS.length] }));
    parts.push(svgEl("text", { x: x + 18, y: H - 12, "font-size": 12, fill: "#1d2327" }, s.name));
  });
  const svg = $("profile-plot");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren(...parts);
  $("profile-caption").textContent = `Each segment's mean of each clustering feature, as an index of the mean of all ${int(total)} customers (100 = the mean).`;
}

function kPlot(scores, chosen) {
  $("k-figure").hidden = scores.length < 2;
  if (scores.length < 2) return;
  const W = 900, H = 220, left = 60, right = 20, top = 14, bottom = 36;
  const lo = Math.min(...scores.map((s) => s.silhouette)), hi = Math.max(...scores.map((s) => s.silhouette));
  const pad = (hi - lo) * 0.15 || 0.01;
  const x = (k) => left + ((k - scores[0].k) / (scores[scores.length - 1].k - scores[0].k)) * (W - left - right);
  const y = (v) => top + (1 - (v - (lo - pad)) / (hi - lo + 2 * pad)) * (H - top - bottom);
  const parts = [svgEl("polyline", { points: scores.map((s) => `${x(s.k)},${y(s.silhouette)}`).join(" "), fill: "none", stroke: "#3d5a80", "stroke-width": 2 })];
  for (const s of scores) {
    const isChosen = s.k === chosen;
    parts.push(svgEl("circle", { cx: x(s.k), cy: y(s.silhouette), r: isChosen ? 7 : 4, fill: isChosen ? "#0b6e4f" : "#3d5a80", "data-k": s.k }));
    parts.push(svgEl("text", { x: x(s.k), y: H - 12, "text-anchor": "middle", "font-size": 12, fill: "#1d2327" }, `k = ${s.k}`));
    parts.push(svgEl("text", { x: x(s.k), y: y(s.silhouette) - 10, "text-anchor": "middle", "font-size": 11, fill: "#55606a" }, s.silhouette.toFixed(3)));
  }
  const svg = $("k-plot");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren(...parts);
}

featureChoice();
dropZone($("drop"), $("orders-file"), load);
for (const id of ["format", "delimiter", "now"]) $(id).addEventListener("change", computeFeatures);
$("read-options").addEventListener("submit", (e) => { e.preventDefault(); computeFeatures(); });
$("train-form").addEventListener("submit", runTraining);
setState("idle");
