// Copied from ../shared/bench/lib.mjs (the team's shared peer baselines; see bench/peers/README.md) on 2026-11-22, otherwise unchanged.
// Shared helpers for the peer benchmarks. Peers' code lives in $PEERS_DIR (default $HOME/.cache/offerwise-peers).
import { createRequire } from "node:module";
import path from "node:path";
import fs from "node:fs";

export const PEERS_DIR = process.env.PEERS_DIR || `${process.env.HOME}/.cache/offerwise-peers`;
export const peerRequire = createRequire(path.join(PEERS_DIR, "package.json"));

export const now = () => process.hrtime.bigint();
export const nsSince = (t0) => Number(process.hrtime.bigint() - t0);

// Wall clock + process CPU time (user+sys, all threads). On a contended box CPU time is the
// steadier figure; wall time is what a user would feel. Both are reported.
export function timer() {
  const w = process.hrtime.bigint();
  const c = process.cpuUsage();
  return () => {
    const dw = Number(process.hrtime.bigint() - w);
    const dc = process.cpuUsage(c);
    return { wallNs: dw, cpuNs: (dc.user + dc.system) * 1000 };
  };
}

export function loadavg1() {
  try {
    return +fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0];
  } catch {
    return null;
  }
}

export function mem() {
  const m = process.memoryUsage();
  return { rssMB: +(m.rss / 2 ** 20).toFixed(1), heapUsedMB: +(m.heapUsed / 2 ** 20).toFixed(1) };
}

export function gcMem() {
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    globalThis.gc();
  }
  return mem();
}

// Deterministic PRNG (mulberry32) so every run sees the same synthetic data.
export function rng(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseArgs(argv) {
  const out = {};
  for (const a of argv) {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (m) out[m[1]] = m[2];
    else if (a.startsWith("--")) out[a.slice(2)] = true;
  }
  return out;
}

export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}
