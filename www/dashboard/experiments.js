// Experiment analysis in the browser: a units CSV is read here and analysed by the engine's
// data build in the dashboard's Web Worker (worker.js), so the page never blocks.
import { $, work, describe, svgEl, dropZone } from "./common.js";

let text = null;

const KNOWN = new Set(["unit", "id", "segment", "first_seen", "time", "date"]);
const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%`;
const num = (x, d = 4) => x.toFixed(d);
const setState = (s) => { document.body.dataset.state = s; };

function status(message, error = false) {
  $("status").textContent = message;
  $("status").className = error ? "status-error" : "";
}

async function load(file) {
  text = await file.text();
  const variantColumn = $("variant-column").value.trim();
  let sniffed;
  try {
    sniffed = await work("sniffUnits", { text, variantColumn, known: [...KNOWN] });
  } catch (e) {
    status(describe(e), true);
    setState("error");
    return;
  }
  const { header, variants, numeric, units } = sniffed;
  $("control").replaceChildren(...variants.map((v) => new Option(v, v, false, v === "control")));
  $("metrics").value = numeric.join(", ");
  $("time-column").value = ["first_seen", "date", "time"].find((c) => header.includes(c)) ?? "";
  $("options").hidden = false;
  status(`${file.name}: ${units} units read; choose the control and the metrics, then analyse.`);
  setState("loaded");
}

function run(event) {
  event.preventDefault();
  if (text === null) return;
  const options = {
    variantColumn: $("variant-column").value.trim(),
    control: $("control").value,
    metrics: $("metrics").value.split(",").map((m) => m.trim()).filter(Boolean),
    alpha: Number($("alpha").value),
  };
  const timeColumn = $("time-column").value.trim();
  if (timeColumn) options.timeColumn = timeColumn;
  setState("running");
  status("Analysing…");
  work("analyze", { text, options }).then((analysis) => {
    $("join").hidden = true;
    show(analysis);
    status(`Analysed ${options.metrics.length} metric(s) at alpha ${options.alpha}.`);
    setState("done");
  }, (e) => {
    $("result").hidden = true;
    status(describe(e), true);
    setState("error");
  });
}

function show(a) {
  const counts = Object.entries(a.srm.counts).map(([v, n]) => `${v} ${n.toLocaleString("en-US")}`).join(", ");
  $("srm").textContent = a.srm.ok
    ? `Sample ratio as planned (chi² ${num(a.srm.chi2, 3)}, p ${num(a.srm.pValue)}): ${counts}.`
    : `Sample ratio mismatch (chi² ${num(a.srm.chi2, 3)}, p ${num(a.srm.pValue)}): ${counts}. Verdicts are withheld until the split is explained.`;
  $("srm").className = a.srm.ok ? "srm" : "srm warn";
  $("results").tBodies[0].replaceChildren(...a.results.map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.variant = r.variant;
    tr.dataset.metric = r.metric;
    const lift = r.relLift === null
      ? `${num(r.absLift)} [${num(r.absLiftCI[0])}, ${num(r.absLiftCI[1])}]`
      : `${pct(r.relLift)} [${pct(r.relLiftCI[0])}, ${pct(r.relLiftCI[1])}]`;
    const cells = [r.variant, `${r.metric} (${r.kind})`, num(r.mean[1]), num(r.mean[0]), lift, `${num(r.pValue)} (${num(r.pHolm)})`, r.verdict ?? "withheld"];
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c;
      if (i >= 2 && i <= 5) td.className = "num";
      if (i === 6) td.className = `verdict verdict-${r.verdict ?? "withheld"}`;
      tr.append(td);
    });
    return tr;
  }));
  const skipped = a.skipped ?? [];
  $("skipped").textContent = skipped.length ? `Not compared: ${skipped.map((k) => k.message).join("; ")}.` : "";
  $("skipped").hidden = skipped.length === 0;
  plot(a.results.filter((r) => r.relLift !== null));
  timeline(a.timeline ?? [], a.results[0]?.metric);
  $("result").hidden = false;
}

/** The first metric's cumulative absolute lift day by day, per variant, with the always-valid
 * (sequential) interval as a band: where the band leaves zero, a team looking every day may stop. */
function timeline(points, metric) {
  const rows = points.filter((p) => p.metric === metric);
  $("timeline-figure").hidden = rows.length === 0;
  if (rows.length === 0) return;
  const days = [...new Set(rows.map((p) => p.day))].sort();
  const variants = [...new Set(rows.map((p) => p.variant))];
  const W = 900, H = 300, left = 70, right = 120, top = 16, bottom = 40;
  // The first days' intervals are very wide: the scale is set by the days after the first
  // fifth (and every lift), and the band is clipped to it.
  const settled = rows.filter((p) => days.indexOf(p.day) >= Math.floor(days.length / 5));
  const band = [...settled.flatMap((p) => (p.sequentialCI ?? p.absLiftCI ?? [])), ...rows.map((p) => p.absLift)];
  const lo = Math.min(0, ...band), hi = Math.max(0, ...band);
  const clip = (v) => Math.max(lo, Math.min(hi, v));
  const x = (d) => left + (days.length === 1 ? 0 : (days.indexOf(d) / (days.length - 1)) * (W - left - right));
  const y = (v) => top + (1 - (v - lo) / (hi - lo || 1)) * (H - top - bottom);
  const colors = ["#0b6e4f", "#3d5a80", "#8a5a00", "#6b2d5c"];
  const svg = $("timeline-plot");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.dataset.days = String(days.length);
  const parts = [svgEl("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: "#55606a", "stroke-dasharray": "4 3" }),
    svgEl("text", { x: left - 8, y: y(0) + 4, "text-anchor": "end", "font-size": 12, fill: "#55606a" }, "0"),
    svgEl("text", { x: left, y: H - 12, "font-size": 12, fill: "#55606a" }, days[0]),
    svgEl("text", { x: W - right, y: H - 12, "text-anchor": "end", "font-size": 12, fill: "#55606a" }, days[days.length - 1])];
  const labelYs = [];
  variants.forEach((v, i) => {
    const vs = rows.filter((p) => p.variant === v).sort((a, b) => (a.day < b.day ? -1 : 1));
    const color = colors[i % colors.length];
    const ci = vs.filter((p) => p.sequentialCI);
    if (ci.length > 1) {
      const upper = ci.map((p) => `${x(p.day)},${y(clip(p.sequentialCI[1]))}`);
      const lower = ci.map((p) => `${x(p.day)},${y(clip(p.sequentialCI[0]))}`).reverse();
      parts.push(svgEl("polygon", { points: [...upper, ...lower].join(" "), fill: color, "fill-opacity": 0.12 }));
    }
    parts.push(svgEl("polyline", { points: vs.map((p) => `${x(p.day)},${y(p.absLift)}`).join(" "), fill: "none", stroke: color,
      "stroke-width": 2, "data-variant": v, "data-points": vs.length }));
    const last = vs[vs.length - 1];
    // End labels kept 14 px apart.
    let ly = y(last.absLift) + 4;
    while (labelYs.some((o) => Math.abs(o - ly) < 14)) ly += 14;
    labelYs.push(ly);
    parts.push(svgEl("text", { x: W - right + 6, y: ly, "font-size": 12, fill: color, "data-variant": v },
      `${v} ${last.absLift >= 0 ? "+" : ""}${last.absLift.toFixed(4)}`));
  });
  svg.replaceChildren(...parts);
  $("timeline-caption").textContent = `Cumulative lift in ${metric} over the control, day by day (${days.length} days), `
    + "with the always-valid interval shaded: a team that looks every day may stop where the band leaves 0.";
}

/** A forest plot of the relative lifts with their intervals, drawn as SVG. */
function plot(rows) {
  const svg = $("lift-plot");
  const W = 900, rowH = 30, left = 230, right = 40, top = 24;
  const H = top + rows.length * rowH + 30;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const lo = Math.min(0, ...rows.map((r) => r.relLiftCI[0]));
  const hi = Math.max(0, ...rows.map((r) => r.relLiftCI[1]));
  const pad = (hi - lo) * 0.08 || 0.1;
  const x = (v) => left + ((v - (lo - pad)) / (hi - lo + 2 * pad)) * (W - left - right);
  const el = svgEl;
  const parts = [el("line", { x1: x(0), x2: x(0), y1: top - 10, y2: H - 24, stroke: "#55606a", "stroke-dasharray": "4 3" }),
    el("text", { x: x(0), y: H - 8, "text-anchor": "middle", "font-size": 12, fill: "#55606a" }, "0%")];
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const color = r.verdict === "better" ? "#0b6e4f" : r.verdict === "worse" ? "#a61b1b" : "#1d2327";
    parts.push(el("text", { x: left - 10, y: y + 4, "text-anchor": "end", "font-size": 13, fill: "#1d2327" }, `${r.variant} · ${r.metric}`));
    parts.push(el("line", { x1: x(r.relLiftCI[0]), x2: x(r.relLiftCI[1]), y1: y, y2: y, stroke: color, "stroke-width": 2 }));
    parts.push(el("circle", { cx: x(r.relLift), cy: y, r: 5, fill: color }));
    parts.push(el("text", { x: x(r.relLiftCI[1]) + 6, y: y + 4, "font-size": 12, fill: "#55606a" }, pct(r.relLift)));
  });
  svg.replaceChildren(...parts);
}

// ---- from the decision log -------------------------------------------------------------------
let decisions = null;
let outcomes = null;
let experiments = {};

function fillControls() {
  const variants = experiments[$("experiment").value] ?? [];
  $("log-control").replaceChildren(...variants.map((v) => new Option(v, v, false, ["control", "rules"].includes(v))));
}

async function loadLog(which, file) {
  const content = await file.text();
  if (which === "decisions") {
    decisions = content;
    let info;
    try {
      info = await work("sniffLog", { text: content });
    } catch (e) {
      status(describe(e), true);
      setState("error");
      return;
    }
    experiments = info.experiments;
    const keys = Object.keys(experiments).sort();
    $("experiment").replaceChildren(...keys.map((k) => new Option(`${k} (${experiments[k].join(", ")})`, k)));
    fillControls();
    status(`${file.name}: ${info.decisions.toLocaleString("en-US")} decisions assigning ${keys.length} experiment(s)`
      + (outcomes === null ? "; now open the outcome events." : "; choose the experiment and its control, then analyse."));
  } else {
    outcomes = content;
    status(`${file.name} read` + (decisions === null ? "; now open the decision log." : "; choose the experiment and its control, then analyse."));
  }
  $("log-options").hidden = decisions === null || outcomes === null;
  setState(decisions !== null && outcomes !== null ? "log-loaded" : "loading-log");
}

function runLogs(event) {
  event.preventDefault();
  if (decisions === null || outcomes === null) return;
  const options = {
    experiment: $("experiment").value,
    control: $("log-control").value,
    metrics: $("log-metrics").value.split(",").map((m) => m.trim()).filter(Boolean),
    windowDays: Number($("window-days").value),
  };
  setState("running");
  status("Joining the log with the outcomes and analysing…");
  work("analyzeLogs", { decisions, outcomes, options }).then((a) => {
    const j = a.join;
    $("join").textContent = `${j.decisions.toLocaleString("en-US")} decisions, ${j.exposures.toLocaleString("en-US")} exposing to ${j.experiment}: `
      + `${j.units.toLocaleString("en-US")} units (${j.multipleVariants} left out: exposed to more than one variant); `
      + `${j.outcomes.toLocaleString("en-US")} outcomes, ${j.attributed.toLocaleString("en-US")} in a unit's ${j.windowDays}-day window, `
      + `${j.outsideWindow.toLocaleString("en-US")} outside it, ${j.unmatched.toLocaleString("en-US")} of no unit.`;
    $("join").hidden = false;
    show(a);
    status(`Analysed ${options.experiment}: ${options.metrics.length} metric(s).`);
    setState("done");
  }, (e) => {
    $("result").hidden = true;
    status(describe(e), true);
    setState("error");
  });
}

dropZone($("drop"), $("units-file"), load);
$("decisions-file").addEventListener("change", (e) => { if (e.target.files[0]) loadLog("decisions", e.target.files[0]); });
$("outcomes-file").addEventListener("change", (e) => { if (e.target.files[0]) loadLog("outcomes", e.target.files[0]); });
$("log-drop").addEventListener("dragover", (e) => { e.preventDefault(); $("log-drop").classList.add("over"); });
$("log-drop").addEventListener("dragleave", () => $("log-drop").classList.remove("over"));
// Dropped together or one by one: the decision log is the file whose first record is a decision.
$("log-drop").addEventListener("drop", async (e) => {
  e.preventDefault();
  $("log-drop").classList.remove("over");
  for (const file of e.dataTransfer.files) {
    const head = await file.slice(0, 200).text();
    await loadLog(head.includes('"offerwise.decision/') ? "decisions" : "outcomes", file);
  }
});
$("experiment").addEventListener("change", fillControls);
$("log-options").addEventListener("submit", runLogs);
$("options").addEventListener("submit", run);
setState("idle");
