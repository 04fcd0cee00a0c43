// The data team's dashboard, in the browser: a units CSV is read here and analysed by the
// engine's data build in a Web Worker (analysis-worker.js), so the page never blocks.
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL("./analysis-worker.js", import.meta.url), { type: "module" });
let text = null;
let nextId = 0;

const KNOWN = new Set(["unit", "id", "segment", "first_seen", "time", "date"]);
const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%`;
const num = (x, d = 4) => x.toFixed(d);
const setState = (s) => { document.body.dataset.state = s; };

function status(message, error = false) {
  $("status").textContent = message;
  $("status").className = error ? "status-error" : "";
}

/** The header and the first rows: columns, which are numeric, the variants seen. */
function sniff(csv, variantColumn) {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0].split(",").map((c) => c.trim());
  const rows = lines.slice(1, 2001).map((l) => l.split(","));
  const vi = header.indexOf(variantColumn);
  const variants = vi < 0 ? [] : [...new Set(rows.map((r) => (r[vi] ?? "").trim()).filter(Boolean))].sort();
  const numeric = header.filter((c, i) => i !== vi && !KNOWN.has(c) && !c.startsWith("pre_")
    && rows.every((r) => r[i] === undefined || r[i].trim() === "" || Number.isFinite(Number(r[i]))));
  return { header, variants, numeric };
}

function load(file) {
  const reader = new FileReader();
  reader.onload = () => {
    text = String(reader.result);
    const { variants, numeric } = sniff(text, $("variant-column").value.trim());
    $("control").replaceChildren(...variants.map((v) => new Option(v, v, false, v === "control")));
    $("metrics").value = numeric.join(", ");
    const { header } = sniff(text, $("variant-column").value.trim());
    $("time-column").value = ["first_seen", "date", "time"].find((c) => header.includes(c)) ?? "";
    $("options").hidden = false;
    status(`${file.name}: ${text.split(/\r?\n/).filter((l) => l.trim()).length - 1} units read; choose the control and the metrics, then analyse.`);
    setState("loaded");
  };
  reader.readAsText(file);
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
  const id = ++nextId;
  setState("running");
  status("Analysing…");
  worker.onmessage = ({ data }) => {
    if (data.id !== id) return;
    if (data.error) {
      $("result").hidden = true;
      status(`${data.error.code} at ${data.error.path || "(input)"}: ${data.error.message}`, true);
      setState("error");
      return;
    }
    show(data.analysis);
    status(`Analysed ${options.metrics.length} metric(s) at alpha ${options.alpha}.`);
    setState("done");
  };
  worker.postMessage({ id, text, options });
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
  plot(a.results.filter((r) => r.relLift !== null));
  timeline(a.timeline ?? [], a.results[0]?.metric);
  $("result").hidden = false;
}

const NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
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
  const ns = "http://www.w3.org/2000/svg";
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
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

$("units-file").addEventListener("change", (e) => { if (e.target.files[0]) load(e.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) load(e.dataTransfer.files[0]); });
$("options").addEventListener("submit", run);
setState("idle");
