// Does the programme pay? The programme's files are read here and analysed by the engine's
// data build in the dashboard's worker (engine.effectivenessFiles: the CLI's readers and
// analyses); this page shows the headlines and the report, a page without script in a
// sandboxed frame.
import { $, work, describe, detectFormat } from "./common.js";

const FILES = ["orders", "members", "ledger", "decisions", "outcomes", "segments", "program"];
const chosen = {};

const setState = (s) => { document.body.dataset.state = s; };
function status(message, error = false) {
  $("status").textContent = message;
  $("status").className = error ? "status-error" : "";
}
const money = (x) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (x) => `${x >= 0 ? "+" : "−"}${money(Math.abs(x))}`;
const pct = (x) => `${(100 * x).toFixed(1)}%`;

/** Which file a dropped file is, by its name (as simulate-programme names them) or content. */
async function classify(file) {
  const name = file.name.toLowerCase();
  for (const key of ["members", "ledger", "decisions", "outcomes", "segments", "orders"]) {
    if (name.includes(key)) return key;
  }
  if (name.includes("program")) return "program";
  const head = await file.slice(0, 300).text();
  if (head.includes('"offerwise.decision/')) return "decisions";
  if (head.includes('"offerwise.outcome/')) return "outcomes";
  if (head.includes('"account"')) return "ledger";
  if (/enrolled/i.test(head.split("\n")[0])) return "members";
  return "orders";
}

function describeChosen() {
  const have = FILES.filter((k) => chosen[k]).map((k) => `${k}: ${chosen[k].name}`);
  status(have.length ? `${have.join("; ")}.${chosen.orders ? " Analyse when ready." : " The orders are still missing."}` : "");
  setState(chosen.orders ? "ready" : "idle");
}

for (const key of FILES) {
  $(key).addEventListener("change", () => { chosen[key] = $(key).files[0]; describeChosen(); });
}
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", async (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  for (const file of e.dataTransfer.files) chosen[await classify(file)] = file;
  describeChosen();
});

async function run(event) {
  event.preventDefault();
  if (!chosen.orders) {
    status("Open the orders file first: every analysis starts from it.", true);
    return;
  }
  const orders = new Uint8Array(await chosen.orders.arrayBuffer());
  const files = { orders: orders.buffer, format: detectFormat(orders) };
  for (const key of ["members", "ledger", "decisions", "outcomes", "segments"]) {
    if (chosen[key]) files[key] = await chosen[key].text();
  }
  const options = { windowDays: Number($("window-days").value) };
  const now = $("now").value.trim();
  if (now) {
    const ms = Date.parse(/T/.test(now) ? now : `${now}T00:00:00Z`);
    if (Number.isNaN(ms)) {
      status(`options.invalid at now: ${JSON.stringify(now)} is not a date (YYYY-MM-DD) or an instant`, true);
      setState("error");
      return;
    }
    options.now = ms;
  }
  if ($("holdout-share").value) options.holdoutShare = Number($("holdout-share").value);
  const program = chosen.program ? await chosen.program.text() : null;
  setState("running");
  status("Analysing the programme in the page's worker…");
  try {
    const r = await work("programme", { files, options, program }, { transfer: [orders.buffer] });
    show(r);
    status(`Analysed ${r.customers.toLocaleString("en-US")} customers up to ${r.now.slice(0, 10)}`
      + (r.orderlessMembers.length ? `; ${r.orderlessMembers.length} members without an order were left out.` : "."));
    setState("done");
  } catch (e) {
    $("result").hidden = true;
    status(describe(e), true);
    setState("error");
  }
}

function show(r) {
  const e = r.effectiveness;
  const items = [];
  const holdout = e.holdout;
  if (holdout) {
    for (const x of holdout.results) {
      // A proportion's lift in percentage points; a mean's in its own unit per customer.
      const [what, v] = x.kind === "proportion"
        ? [`${x.metric} rate`, (d) => `${d >= 0 ? "+" : "−"}${(100 * Math.abs(d)).toFixed(1)} pts`]
        : [`${x.metric} per customer`, signed];
      // With its pre-period (CUPED) the interval is narrower: the report's headline figure.
      const cuped = x.cuped ? `; with CUPED ${v(x.cuped.absLift)} [${v(x.cuped.absLiftCI[0])}, ${v(x.cuped.absLiftCI[1])}]` : "";
      items.push([`holdout-${x.metric}`, `Programme against its holdout, ${what}: ${v(x.absLift)} `
        + `[${v(x.absLiftCI[0])}, ${v(x.absLiftCI[1])}], p ${x.pValue.toFixed(4)} → ${x.verdict ?? "withheld"}${cuped}`
        + ` (${x.n[0].toLocaleString("en-US")} exposed, ${x.n[1].toLocaleString("en-US")} held out).`]);
    }
    if (!holdout.srm.ok) items.push(["holdout-srm", `Sample ratio mismatch between exposed and holdout (p ${holdout.srm.pValue.toFixed(4)}): verdicts withheld.`]);
    if (holdout.roi?.roi !== undefined && holdout.roi.roi !== null) {
      const r = holdout.roi;
      items.push(["roi", `Return on the incentives: ${r.roi.toFixed(2)} [${r.roiCI[0].toFixed(2)}, ${r.roiCI[1].toFixed(2)}] of incremental net margin`
        + ` for each unit of incremental incentives (${signed(r.incrementalNetMargin)} net margin for ${signed(r.incrementalIncentives)} incentives per customer).`]);
    }
  }
  const m = e.matched;
  if (m?.effect) {
    items.push(["matched", `Members against matched non-members (difference-in-differences), ${m.metric} over ${m.windowDays} days: `
      + `${signed(m.effect.effect)} [${signed(m.effect.ci[0])}, ${signed(m.effect.ci[1])}] per member, p ${m.effect.pValue.toFixed(4)} `
      + `(${m.counts.matched.toLocaleString("en-US")} of ${m.counts.members.toLocaleString("en-US")} members matched).`]);
  }
  const k = e.kpis;
  items.push(["kpis", `${k.customers.toLocaleString("en-US")} customers; repeat rate ${pct(k.repeatRate.value)} `
    + `[${pct(k.repeatRate.ci[0])}, ${pct(k.repeatRate.ci[1])}].`]);
  if (k.points?.liability) {
    items.push(["liability", `Points liability ${money(k.points.liability.value)} [${money(k.points.liability.ci[0])}, ${money(k.points.liability.ci[1])}]`
      + ` on ${k.points.outstanding.toLocaleString("en-US")} points outstanding.`]);
  }
  $("headlines").replaceChildren(...items.map(([id, text]) => {
    const li = document.createElement("li");
    li.dataset.headline = id;
    li.textContent = text;
    return li;
  }));
  $("report").srcdoc = r.report;
  $("download").href = URL.createObjectURL(new Blob([r.report], { type: "text/html" }));
  $("result").hidden = false;
}

$("options").addEventListener("submit", run);
setState("idle");
