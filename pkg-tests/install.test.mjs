// The package as a shop installs it: `npm pack` of pkg/, installed from the tarball (not a
// link to pkg/) into fresh projects, then used the ways a shop uses it: Node ESM and CommonJS,
// the data build, a page bundled with esbuild that shows the storefront widget in Chromium, and
// the edge worker of examples/edge-worker in workerd. Decisions equal the CLI's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import h from "./lib/harness.cjs";
import { launchChromium } from "./lib/chromium.mjs";
import { serveStatic } from "./lib/static-server.mjs";
import { startWorkerd } from "./lib/workerd.mjs";

const WORK = path.join(h.WORK, "install");
const APP = path.join(WORK, "shop-app");
let packed;
let customer;

before(() => {
  h.requireBuilt();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(APP, { recursive: true });
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", WORK], { cwd: path.join(h.ROOT, "pkg"), encoding: "utf8" });
  [packed] = JSON.parse(out);
  writeFileSync(path.join(APP, "package.json"), JSON.stringify({ name: "shop-app", private: true, version: "1.0.0" }, null, 2));
  // From the tarball alone: --offline, so nothing can come from anywhere else.
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", path.join(WORK, packed.filename)], { cwd: APP, stdio: "pipe" });
  customer = h.customers(1000)[3];
});

const node = (file, code) => {
  writeFileSync(path.join(APP, file), code);
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: APP, encoding: "utf8" }));
};
const documents = `const fs = require("node:fs");
const model = fs.readFileSync(${JSON.stringify(h.MODEL_PATH)}, "utf8");
const program = fs.readFileSync(${JSON.stringify(h.PROGRAM_PATH)}, "utf8");
const policy = fs.readFileSync(${JSON.stringify(h.POLICY_PATH)}, "utf8");`;

test("the tarball holds both builds, the widget, the tokens module, the types and the README, and nothing else", (t) => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ["package.json", "README.md", "web/offerwise.js", "web/offerwise_bg.wasm", "web/offerwise.d.ts",
    "web/offerwise-offers.js", "node/offerwise.js", "node/offerwise.mjs", "node/offerwise_bg.wasm",
    "data/web/offerwise.js", "data/node/offerwise.js", "data/node/offerwise.mjs",
    "tokens/offerwise-tokens.js", "tokens/offerwise-tokens.d.ts"]) {
    assert.ok(files.includes(f), `${f} is not in the tarball`);
  }
  const stray = files.filter((f) => !/^(package\.json|README\.md|(web|node|data\/web|data\/node|tokens)\/[^/]+)$/.test(f));
  assert.deepEqual(stray, [], "files outside the package's builds");
  t.diagnostic(`${packed.filename}: ${packed.size} B packed, ${packed.unpackedSize} B unpacked, ${files.length} files: ${files.join(" ")}`);
});

test("Node ESM and CommonJS from the installed tarball decide as the CLI", () => {
  const want = h.cliDecisions().get(customer.id);
  const c = JSON.stringify(customer);
  const esm = node("esm.mjs", `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
${documents}
import { Engine } from "offerwise";
const e = new Engine(model, program, policy);
console.log(JSON.stringify(e.decide(${c}, { now: ${JSON.stringify(h.NOW)} })));`);
  h.assertSameJson(esm, want, "ESM");
  const cjs = node("cjs.cjs", `${documents}
const { Engine } = require("offerwise");
const e = new Engine(model, program, policy);
console.log(JSON.stringify(e.decide(${c}, { now: ${JSON.stringify(h.NOW)} })));`);
  h.assertSameJson(cjs, want, "CommonJS");
  const data = node("data.mjs", `const store = await import("offerwise");
const data = await import("offerwise/data");
console.log(JSON.stringify({ store: Object.keys(store).length, data: Object.keys(data).length, engine: typeof data.Engine }));`);
  assert.equal(data.engine, "function");
  assert.ok(data.data > data.store, `the data build exports ${data.data} names, the storefront ${data.store}`);
});

test("a page bundled with esbuild shows the widget from the installed package in Chromium", async () => {
  const dist = path.join(APP, "dist");
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(APP, "page.js"), `import { defineOffers } from "offerwise/widget";
const load = (u) => fetch(u).then((r) => r.json());
await defineOffers({ model: await load("model.json"), program: await load("program.json"), policy: await load("policy.json") });
const el = document.querySelector("offerwise-offers");
el.now = ${JSON.stringify(h.NOW)};
el.customer = await load("customer.json");
`);
  execFileSync(path.join(h.PKG_TESTS, "node_modules", ".bin", "esbuild"),
    ["page.js", "--bundle", "--format=esm", "--outfile=dist/page.js", "--log-level=warning"], { cwd: APP, stdio: "pipe" });
  // The glue finds its .wasm beside the bundle (new URL(..., import.meta.url)): ship it there.
  copyFileSync(path.join(APP, "node_modules", "offerwise", "web", "offerwise_bg.wasm"), path.join(dist, "offerwise_bg.wasm"));
  for (const [from, to] of [[h.MODEL_PATH, "model.json"], [h.PROGRAM_PATH, "program.json"], [h.POLICY_PATH, "policy.json"]]) {
    copyFileSync(from, path.join(dist, to));
  }
  writeFileSync(path.join(dist, "customer.json"), JSON.stringify(customer));
  writeFileSync(path.join(dist, "index.html"), `<!doctype html><html lang="en"><title>shop</title><body>
<offerwise-offers></offerwise-offers><script type="module" src="page.js"></script></body></html>`);
  const server = await serveStatic(dist);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/index.html`);
    await page.waitForSelector('offerwise-offers[data-state="ready"]', { timeout: 30_000 });
    const titles = await page.$eval("offerwise-offers", (el) => [...el.shadowRoot.querySelectorAll(".title")].map((t) => t.textContent));
    const want = h.cliDecisions().get(customer.id);
    assert.deepEqual(titles, want.offers.map((o) => o.title));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test("the edge worker runs in workerd from the installed package", async () => {
  const dir = path.join(APP, "worker");
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(h.ROOT, "examples", "edge-worker", "worker.mjs"), path.join(dir, "worker.mjs"));
  const config = readFileSync(path.join(h.ROOT, "examples", "edge-worker", "config.capnp"), "utf8")
    .replaceAll("../../pkg/web/", "../node_modules/offerwise/web/")
    .replaceAll("../../pkg/tokens/", "../node_modules/offerwise/tokens/")
    .replaceAll("../../models/", `${path.relative(dir, path.join(h.ROOT, "models"))}/`);
  assert.notEqual(config, readFileSync(path.join(h.ROOT, "examples", "edge-worker", "config.capnp"), "utf8"));
  writeFileSync(path.join(dir, "config.capnp"), config);
  const worker = await startWorkerd({ dir });
  try {
    const r = await fetch(`${worker.base}/decide`, { method: "POST", body: JSON.stringify({ customer, now: h.NOW }) });
    assert.equal(r.status, 200, worker.logs());
    h.assertSameJson(await r.json(), h.cliDecisions().get(customer.id), "the installed worker");
  } finally {
    await worker.stop();
  }
});
