// Under load (issue 15), CI-sized: bench/load_node.mjs (1,000,000 decisions) and
// bench/load_workerd.mjs (rounds of 2,000 concurrent requests) are the full runs and measure.
// Here: 20,000 decisions in one process of the storefront build leave its wasm memory where the
// warm-up left it (less than 1 MiB more) and the probe decision unchanged; the edge worker in
// workerd answers 2,000 concurrent POST /decide twice, every one a 200 with the package's own
// decision and the same body both times and when asked again one request at a time. Nothing
// here depends on time or on resident memory.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Engine } from "offerwise";
import h from "./lib/harness.cjs";
import { startWorkerd } from "./lib/workerd.mjs";
import { decideRequests, optionsAt, probe, sendAll, storefrontEngine } from "./lib/load.mjs";

h.requireBuilt();
const MiB = 1024 * 1024;
const customers = h.customers(23570);

test("20,000 decisions in one process: after the first 2,000 the wasm memory grows by less than 1 MiB and the probe decision stays the same", async () => {
  const { engine, memory } = await storefrontEngine();
  const P = probe(customers);
  const N = 20_000;
  const WARMUP = 2_000;
  let probeBefore = null;
  let afterWarmup = null;
  let offers = 0;
  for (let k = 0; k < N; k++) {
    const c = customers[k % customers.length];
    offers += engine.decide(c, optionsAt(k, customers.length)).offers.length;
    if (k + 1 === WARMUP) {
      probeBefore = engine.decide(P.customer, P.options);
      afterWarmup = memory.buffer.byteLength;
    }
  }
  const end = memory.buffer.byteLength;
  const probeAfter = engine.decide(P.customer, P.options);
  engine.free();
  assert.ok(offers > N, `${offers} offers in ${N} decisions`);
  assert.ok(end - afterWarmup < MiB, `wasm memory ${afterWarmup} B after the warm-up, ${end} B after ${N} decisions`);
  assert.ok(probeBefore.offers.length > 0, JSON.stringify(probeBefore.offers));
  h.assertSameJson(probeAfter, probeBefore, `probe decision (customer ${P.customer.id}) after ${N} decisions`);
  assert.equal(JSON.stringify(probeAfter), JSON.stringify(probeBefore));
});

describe("the edge worker in workerd", () => {
  const DIR = path.join(h.ROOT, "examples", "edge-worker");
  const requests = decideRequests(customers, 2000);
  const bodies = requests.map((r) => r.body);
  let worker = null;
  let first = null;

  before(async () => {
    worker = await startWorkerd({ dir: DIR });
  });

  after(async () => {
    if (worker) await worker.stop();
  });

  test("2,000 concurrent POST /decide: all 200, each the package's own decision", async () => {
    assert.equal(new Set(requests.map((r) => r.customer.id)).size, 2000, "distinct customers");
    const answers = await sendAll(worker.base, bodies);
    const e = new Engine(h.modelText(), h.programText(), h.policyText());
    for (const [i, a] of answers.entries()) {
      const { customer, options } = requests[i];
      assert.equal(a.status, 200, `request ${i} (customer ${customer.id}): ${a.text.slice(0, 300)}\n${worker.logs()}`);
      h.assertSameJson(JSON.parse(a.text), e.decide(customer, options), `request ${i} (customer ${customer.id})`);
    }
    e.free();
    first = answers.map((a) => a.text);
  });

  test("the same 2,000 again at once, then every 10th one at a time: the same bodies, byte for byte", async () => {
    assert.ok(first, "the first round ran");
    const again = await sendAll(worker.base, bodies);
    for (const [i, a] of again.entries()) {
      assert.equal(a.status, 200, `request ${i} in round 2: ${a.text.slice(0, 300)}`);
      assert.ok(a.text === first[i], `request ${i} (customer ${requests[i].customer.id}): round 2's body differs from round 1's`);
    }
    for (let i = 0; i < bodies.length; i += 10) {
      const [a] = await sendAll(worker.base, [bodies[i]]);
      assert.equal(a.status, 200, `request ${i} alone: ${a.text.slice(0, 300)}`);
      assert.ok(a.text === first[i], `request ${i} (customer ${requests[i].customer.id}) alone differs from the concurrent answer`);
    }
  });

  test("the edge worker logged no uncaught errors", () => {
    assert.doesNotMatch(worker.logs(), /uncaught|panicked|RuntimeError|unreachable/i, worker.logs());
  });
});
