// The builds' sizes: docs/sizes.json is what the built package measures, the README's table is
// made from it, and the storefront budget check fails a build that is over it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import h from "./lib/harness.cjs";
import { measureAll, readmeTable, STOREFRONT_BUDGET_GZIP, BUILDS } from "../scripts/sizes.mjs";

h.requireBuilt();
const ROOT = path.resolve(h.PKG_TESTS, "..");
const SIZES = JSON.parse(readFileSync(path.join(ROOT, "docs", "sizes.json"), "utf8"));

test("docs/sizes.json holds the sizes of the built package", () => {
  assert.deepEqual(SIZES.builds, measureAll(path.join(ROOT, "pkg")));
  assert.equal(SIZES.budget.storefrontGzip, STOREFRONT_BUDGET_GZIP);
});

test("the README's size table is made from docs/sizes.json", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes(readmeTable(SIZES)), "README.md's size table is stale: run scripts/build-wasm.sh");
});

test("the storefront build is within its budget, and the data build holds more", () => {
  assert.ok(SIZES.builds.storefront.web.total.gzip <= STOREFRONT_BUDGET_GZIP);
  assert.ok(SIZES.builds.data.web.wasm.raw > SIZES.builds.storefront.web.wasm.raw);
});

test("--check fails a storefront build over its budget and passes one under it", () => {
  const fake = (dir, wasmBytes) => {
    for (const b of BUILDS) {
      for (const d of Object.values(b.dirs)) {
        mkdirSync(path.join(dir, d), { recursive: true });
        // Random bytes do not compress: gzip -9 is about their length.
        writeFileSync(path.join(dir, d, "offerwise_bg.wasm"), randomBytes(wasmBytes));
        writeFileSync(path.join(dir, d, "offerwise.js"), "export {};\n");
      }
    }
  };
  const run = (dir) => spawnSync(process.execPath, [path.join(ROOT, "scripts", "sizes.mjs"), dir, "--check"], { encoding: "utf8" });
  const over = path.join(h.WORK, "sizes-over");
  fake(over, STOREFRONT_BUDGET_GZIP + 1000);
  const r = run(over);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /over its budget/);
  const under = path.join(h.WORK, "sizes-under");
  fake(under, 1000);
  assert.equal(run(under).status, 0);
});
