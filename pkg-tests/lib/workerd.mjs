// Starts workerd (the npm package's binary) on a free port for a test and stops it after.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import path from "node:path";
import h from "./harness.cjs";

export function workerdBinary() {
  for (const p of [
    path.join(h.PKG_TESTS, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd"),
    path.join(h.PKG_TESTS, "node_modules", "workerd", "bin", "workerd"),
  ]) if (existsSync(p)) return p;
  throw new Error("workerd binary not found: npm ci in pkg-tests");
}

/** A port the OS says is free right now (another process could take it before workerd). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Serves `config` (a .capnp file, relative to `dir`) on a free port, waits until `GET /health`
 * answers, and returns `{ base, pid, logs(), stop() }`. `env` is added to the environment.
 */
export async function startWorkerd({ dir, config = "config.capnp", env = {} }) {
  // The port can be taken between freePort() and workerd's bind: retry a few times.
  let last = "";
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    let logs = "";
    let exited = null;
    const proc = spawn(workerdBinary(), ["serve", config, "--socket-addr", `http=127.0.0.1:${port}`], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env },
    });
    proc.stdout.on("data", (d) => { logs += d; });
    proc.stderr.on("data", (d) => { logs += d; });
    proc.on("exit", (code, signal) => { exited = { code, signal }; });
    const base = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (exited) return;
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    };
    // Readiness: poll /health, bounded (workerd compiles the worker in well under a second;
    // the bound is generous for a loaded 2-core machine).
    const deadline = Date.now() + 30_000;
    for (let attempt = 0; Date.now() < deadline && !exited; attempt++) {
      try {
        const r = await fetch(`${base}/health`);
        if (r.status < 500 || r.status === 503) return { base, pid: proc.pid, logs: () => logs, stop };
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)));
    }
    await stop();
    last = logs;
    if (!exited || !/address already in use/i.test(logs)) break;
  }
  throw new Error(`workerd did not serve ${path.join(dir, config)}; its output:\n${last}`);
}
