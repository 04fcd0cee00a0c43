// Inputs and helpers shared by the load benches (bench/load_node.mjs, bench/load_workerd.mjs)
// and their CI slice (pkg-tests/load.test.mjs, issue 15): the varied decision options, the fixed
// probe decision, the storefront build with its wasm memory, the edge worker's /decide requests,
// and the resident memory of the workerd process.
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import path from "node:path";
import h from "./harness.cjs";

/** Instants after the CDNOW data ends (1998-06-30), as text and as epoch ms. */
export const NOWS = [
  "1998-07-01",
  "1998-07-01T10:00:00Z",
  Date.parse("1998-07-04T18:30:00Z"),
  "1998-09-15T12:00:00Z",
  "1999-01-01",
];

/** Page views' carts and contexts (the first: no cart). */
export const CARTS = [
  {},
  { cart: { amount: 20 } },
  { cart: { items: [{ category: "jazz", sku: "cd-1", price: 15.5, qty: 2 }] }, context: { page: "cart" } },
  { cart: { amount: 80 }, context: { page: "checkout", channel: "web", device: "mobile", country: "DE" } },
];

/** Every instant with every cart: 20 option objects, made once and reused. */
export const OPTIONS = NOWS.flatMap((now) => CARTS.map((extra) => ({ now, ...extra })));

/**
 * The options of the k-th decision over `nCustomers` customers (customer k % nCustomers): each
 * pass over the customers shifts the options by one, so a customer meets every option in turn.
 * The same (customer, options) comes back after `period(nCustomers)` decisions.
 */
export const optionsAt = (k, nCustomers) => OPTIONS[(k + Math.floor(k / nCustomers)) % OPTIONS.length];
export const period = (nCustomers) => nCustomers * OPTIONS.length;

/**
 * The fixed probe decision made before and after the load: the CDNOW customer with the most
 * orders among `customers`, at an instant and with a cart no other decision uses.
 */
export function probe(customers) {
  const customer = customers.reduce((a, b) => (b.orders.length > a.orders.length ? b : a));
  return {
    customer,
    options: {
      now: "1998-07-02T09:30:00Z",
      cart: { items: [{ category: "jazz", sku: "probe-1", price: 12.5, qty: 3 }, { category: "rock", price: 9.99 }] },
      context: { page: "cart", channel: "web" },
    },
  };
}

/**
 * The storefront build (offerwise's web entry, as an edge worker and a page load it), initialised
 * with initSync on the wasm's bytes; its `memory` is the instance's (memory.buffer.byteLength).
 * An engine with the default model, programme and policy (the CLI's and the edge worker's).
 */
export async function storefrontEngine() {
  const web = await import("offerwise/web");
  const wasmFile = path.join(h.PKG_TESTS, "node_modules", "offerwise", "web", "offerwise_bg.wasm");
  const { memory } = web.initSync({ module: readFileSync(wasmFile) });
  const engine = new web.Engine(h.modelText(), h.programText(), h.policyText());
  return { engine, memory, version: web.version() };
}

/**
 * `count` /decide request bodies for the edge worker (examples/edge-worker/worker.mjs): distinct
 * CDNOW customers spread over `customers`, each with one of OPTIONS (always an explicit `now`,
 * so the same request gets the same decision). Returns [{ customer, options, body }].
 */
export function decideRequests(customers, count) {
  const step = Math.max(1, Math.floor(customers.length / count));
  const out = [];
  for (let i = 0; i < count; i++) {
    const customer = customers[(i * step) % customers.length];
    const options = OPTIONS[i % OPTIONS.length];
    out.push({ customer, options, body: JSON.stringify({ customer, ...options }) });
  }
  return out;
}

/**
 * POSTs every body to `${base}/decide` at once; [{ status, text }] in the same order. A request
 * that gets no answer (the connection refused or reset) is { status: 0, text: why }.
 */
export function sendAll(base, bodies) {
  return Promise.all(bodies.map(async (body) => {
    try {
      const r = await fetch(`${base}/decide`, { method: "POST", body, headers: { "content-type": "application/json" } });
      return { status: r.status, text: await r.text() };
    } catch (e) {
      return { status: 0, text: `no answer: ${(e.cause && (e.cause.code || e.cause.message)) || e.message}` };
    }
  }));
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM, ...), or null when it is not there. */
export function procStatusBytes(pid, field = "VmRSS") {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) * 1024 : null;
}

/**
 * The pid of the real workerd process started as `pid`: `pid` itself when it runs the workerd
 * binary, else the descendant that does (the npm `workerd` command can be a script that starts
 * the binary). Among several, the one with the most resident memory.
 */
export function workerdProcess(pid) {
  const parent = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* gone */ }
  }
  const family = [pid];
  for (let i = 0; i < family.length; i++) {
    for (const [child, p] of parent) if (p === family[i]) family.push(child);
  }
  const isWorkerd = (p) => {
    try {
      return path.basename(readlinkSync(`/proc/${p}/exe`)).startsWith("workerd");
    } catch {
      return false;
    }
  };
  const found = family.filter(isWorkerd);
  if (found.length === 0) throw new Error(`no workerd binary among process ${pid} and its descendants (${family.join(", ")})`);
  return found.reduce((a, b) => ((procStatusBytes(b) ?? 0) > (procStatusBytes(a) ?? 0) ? b : a));
}
