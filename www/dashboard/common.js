// What the dashboard's pages share: the worker that runs the engine, SVG helpers, formatting.
export const $ = (id) => document.getElementById(id);

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 0;
worker.onmessage = ({ data }) => {
  const p = pending.get(data.id);
  if (!p) return;
  if (data.progress) { p.onProgress?.(data.progress); return; }
  pending.delete(data.id);
  if (data.error) p.reject(Object.assign(new Error(data.error.message), data.error));
  else p.resolve(data.result);
};

/** Runs `job` in the worker; resolves with its result, rejects with { code, path, message }. */
export function work(job, payload, { onProgress, transfer = [] } = {}) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ id, job, ...payload }, transfer);
  });
}

/** An engine error as a person reads it. */
export const describe = (e) => `${e.code ?? "error"} at ${e.path || "(input)"}: ${e.message}`;

const NS = "http://www.w3.org/2000/svg";
export function svgEl(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Wires a drop zone and its file input to `onFile`. */
export function dropZone(zone, input, onFile) {
  input.addEventListener("change", () => { if (input.files[0]) onFile(input.files[0]); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]);
  });
}

export const fmt = (x, digits = 1) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const int = (x) => x.toLocaleString("en-US");

/** A transaction file's format from its first bytes: CDNOW text is whitespace-separated numbers
 * (`id [sample_id] YYYYMMDD cds dollars`, after an optional header), without commas. */
export function detectFormat(bytes) {
  const head = new TextDecoder().decode(bytes.slice(0, 4096));
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== "").slice(0, 5);
  if (lines.length === 0 || lines[0].includes(",")) return "csv";
  return lines.some((l) => /^\s*\d+(\s+\d+)?\s+\d{8}\s/.test(l)) ? "cdnow" : "csv";
}
