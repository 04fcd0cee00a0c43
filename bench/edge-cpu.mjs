// CPU time per request of the edge worker (examples/edge-worker) in workerd: N sequential
// POST /decide for CDNOW customers, the workerd process's user + system CPU (from
// /proc/<pid>/stat) read before and after, beside the same number of GET /health requests
// (the runtime's and HTTP's own cost per request, without a decision). A measurement, not a
// test: it prints figures and asserts only that every request was answered 200.
//
//   node bench/edge-cpu.mjs [requests=5000]
// Needs what pkg-tests need: pkg/ built, pkg-tests/node_modules (workerd), target/release CLI.
import { readFileSync } from "node:fs";
import path from "node:path";
import h from "../pkg-tests/lib/harness.cjs";
import { startWorkerd } from "../pkg-tests/lib/workerd.mjs";

const N = Number(process.argv[2] || 5000);
const ticks = Number(process.env.CLK_TCK || 100); // USER_HZ: 100 on Linux

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which is in parentheses and may hold spaces).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / ticks; // utime, stime
}

async function measure(worker, label, send) {
  const c0 = cpuSeconds(worker.pid);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const r = await send(i);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${label}: request ${i} answered ${r.status}`);
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(worker.pid) - c0;
  return { label, cpuUs: (cpu * 1e6) / N, wallUs: (wall * 1e6) / N };
}

h.requireBuilt();
const customers = h.customers(1000).map((c) => JSON.stringify({ customer: c, now: h.NOW }));
const worker = await startWorkerd({ dir: path.join(h.ROOT, "examples", "edge-worker") });
try {
  const decide = (i) => fetch(`${worker.base}/decide`, { method: "POST", body: customers[i % customers.length] });
  const health = () => fetch(`${worker.base}/health`);
  // Warm-up: the isolate, the engine and the JIT.
  for (let i = 0; i < 500; i++) await (await decide(i)).arrayBuffer();
  const rows = [];
  for (let round = 0; round < 2; round++) {
    rows.push(await measure(worker, "GET /health", health));
    rows.push(await measure(worker, "POST /decide (CDNOW customer)", decide));
  }
  console.log(`workerd ${worker.pid}: ${N} sequential requests per row, CPU of the workerd process (user + system, ${ticks} Hz ticks)`);
  for (const r of rows) console.log(`${r.label.padEnd(32)} ${r.cpuUs.toFixed(0).padStart(6)} us CPU/request ${r.wallUs.toFixed(0).padStart(6)} us wall/request`);
} finally {
  await worker.stop();
}
