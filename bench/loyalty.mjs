// Times evaluateLoyalty in wasm (Node) on the account of examples/loyalty_bench.rs: 1,000 lots,
// 500 orders, a 10-line cart. A benchmark: it asserts nothing about time.
//
//   LOYALTY_BENCH_DUMP=bench/.work/loyalty-input.json cargo run --release --example loyalty_bench
//   node bench/loyalty.mjs bench/.work/loyalty-input.json
import { readFileSync } from "node:fs";
import { evaluateLoyalty } from "offerwise";

const file = process.argv[2] || new URL("./.work/loyalty-input.json", import.meta.url).pathname;
const text = readFileSync(file, "utf8");
const input = JSON.parse(text);
const first = evaluateLoyalty(input);
const median = (f, n) => {
  const batches = [];
  for (let b = 0; b < 15; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    batches.push(Number(process.hrtime.bigint() - t) / n);
  }
  return batches.sort((a, b) => a - b)[7];
};
const obj = median(() => evaluateLoyalty(input), 10);
const str = median(() => evaluateLoyalty(text), 10);
console.log(JSON.stringify({
  bench: "loyalty-wasm", node: process.version, lots: first.ledger.lots, balance: first.ledger.balance,
  orders: input.history.length, msPerEvaluationObject: +(obj / 1e6).toFixed(3), msPerEvaluationText: +(str / 1e6).toFixed(3),
}));
