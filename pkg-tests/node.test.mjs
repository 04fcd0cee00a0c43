// The built package imported from Node as ES modules: `import { Engine } from "offerwise"`
// must resolve through pkg/package.json "exports" (node + import) to pkg/node/offerwise.mjs.
import test from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import init, * as offerwise from "offerwise";
import suiteModule from "./lib/node-suite.cjs";
import h from "./lib/harness.cjs";

suiteModule.suite(test, offerwise, "ESM", fileURLToPath(import.meta.resolve("offerwise")));

test("ESM: import and require share one module instance", () => {
  const cjs = createRequire(import.meta.url)("offerwise");
  assert.equal(offerwise.Engine, cjs.Engine);
  assert.equal(offerwise.version, cjs.version);
});

test("ESM: code written for the web build (await init(); initSync()) runs unchanged in Node", async () => {
  await init();
  await init(new URL("../pkg/web/offerwise_bg.wasm", import.meta.url)); // ignored in Node
  offerwise.initSync({ module: new Uint8Array() }); // ignored in Node
  const c = h.customers(1000)[0];
  const e = new offerwise.Engine(h.modelText(), h.programText(), h.policyText());
  h.assertSameJson(e.decide(c, { now: h.NOW }), h.cliDecisions().get(c.id), `customer ${c.id} after init()`);
  e.free();
});
