import { readFileSync } from "node:fs";
import { Engine } from "offerwise";
const engine = new Engine(readFileSync("models/default.json", "utf8"), readFileSync("models/default-program.json", "utf8"));
const lines = readFileSync("bench/.work/cdnow-customers.jsonl", "utf8").trim().split("\n").map(JSON.parse);
const now = "1998-07-01";
const hs = lines.map((c) => engine.prepare(c, { now }));
const carts = hs.map((_, i) => ({ now, cart: { amount: 10 + (i % 90) + 0.5 } }));
const variants = {
  full: (h, o) => h.decide(o).offers.length,
};
for (let round = 0; round < 3; round++) {
  for (const [name, f] of Object.entries(variants)) {
    for (let i = 0; i < 2000; i++) f(hs[i], carts[i]);
    globalThis.gc?.();
    const t = process.hrtime.bigint();
    let k = 0;
    for (let i = 0; i < hs.length; i++) k += f(hs[i], carts[i]);
    const ns = Number(process.hrtime.bigint() - t) / hs.length;
    console.log(round, name.padEnd(12), (ns / 1000).toFixed(1), "us");
  }
}
