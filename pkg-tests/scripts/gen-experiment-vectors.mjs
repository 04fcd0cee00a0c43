#!/usr/bin/env node
// Generates tests/vectors/experiments.json from the GrowthBook JS SDK, the reference for
// offerwise's experiment assignment (hash version 2). The Rust tests and pkg-tests both read it.
//
//   node pkg-tests/scripts/gen-experiment-vectors.mjs          # (re)write the file
//   node pkg-tests/scripts/gen-experiment-vectors.mjs --check  # exit 1 if the file is stale
//
// Format: {"specVersion": 1, "generator": ..., "cases": [[name, input, expected], ...]} with
//   input    = {key, seed, variants: [{key, weight}], coverage, id}
//   expected = the variant key GrowthBook assigns, or null when the id is not in the
//              experiment (outside coverage, or an empty id).
// Each case is evaluated with `new GrowthBook({ attributes: { id } }).run({ key, seed,
// hashVersion: 2, variations: [0, 1, ...], weights, coverage, meta: [{ key }, ...] })`.
import { GrowthBook } from "@growthbook/growthbook";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(here, "..", "..", "tests", "vectors", "experiments.json");
const gbVersion = createRequire(import.meta.url)("@growthbook/growthbook/package.json").version;

/** GrowthBook's assignment of `id` in `exp`, as a variant key or null. */
export function growthbookVariant(exp, id) {
  return growthbookResult(exp, id).variant;
}

/** GrowthBook's assignment: {variant: key or null, bucket: its hash in [0, 1) or undefined}. */
export function growthbookResult(exp, id) {
  const gb = new GrowthBook({ attributes: { id } });
  try {
    const r = gb.run({
      key: exp.key,
      seed: exp.seed,
      hashVersion: 2,
      variations: exp.variants.map((_, i) => i),
      weights: exp.variants.map((v) => v.weight),
      coverage: exp.coverage,
      meta: exp.variants.map((v) => ({ key: v.key })),
    });
    return r.inExperiment ? { variant: r.key, bucket: r.bucket } : { variant: null, bucket: undefined };
  } finally {
    gb.destroy();
  }
}

// Ids: CDNOW-style zero-padded numbers, ASCII edge cases, and text whose UTF-16 code units
// differ from its UTF-8 bytes (Cyrillic, CJK, combining marks, astral-plane emoji, which are
// two UTF-16 surrogates each). GrowthBook hashes UTF-16 code units (String#charCodeAt).
export const IDS = [
  "00001", "00002", "00042", "00100", "01234", "12345", "23570",
  "1", "42", "a", "A", "user-1", "user 1", "user_1@example.com", "x".repeat(200),
  "ёлка", "Ёжик", "用户", "用户-7", "顧客12345", "ß", "é" /* U+00E9 */, "e\u0301" /* e + combining acute */,
  "😀", "😀-42", "🎉🎉", "𝔘𝔰𝔢𝔯", "\u{10FFFF}", "a\u0000b", "\uFFFF", "tab\tnew\nline", "\"quoted\\\"",
  "",
];
for (let i = 1; i <= 200; i++) IDS.push(String(i * 117).padStart(5, "0"));

// Experiments: two-way 50/50, unequal three-way, partial coverage, weights whose float sums
// are not exact (0.1 + 0.2), a seed different from the key, an empty seed (GrowthBook then
// hashes with the key), and a key with non-ASCII text.
export const EXPERIMENTS = [
  { key: "welcome-offer", seed: "welcome-offer", variants: [{ key: "control", weight: 0.5 }, { key: "treatment", weight: 0.5 }], coverage: 1 },
  { key: "points-boost", seed: "points-boost-2024", variants: [{ key: "control", weight: 0.2 }, { key: "double", weight: 0.3 }, { key: "triple", weight: 0.5 }], coverage: 1 },
  { key: "free-shipping", seed: "free-shipping", variants: [{ key: "off", weight: 0.5 }, { key: "on", weight: 0.5 }], coverage: 0.4 },
  { key: "float-sums", seed: "f", variants: [{ key: "a", weight: 0.1 }, { key: "b", weight: 0.2 }, { key: "c", weight: 0.7 }], coverage: 0.95 },
  { key: "thirds", seed: "thirds", variants: [{ key: "x", weight: 0.3333 }, { key: "y", weight: 0.3333 }, { key: "z", weight: 0.3334 }], coverage: 1 },
  { key: "nobody", seed: "nobody", variants: [{ key: "control", weight: 0.5 }, { key: "treatment", weight: 0.5 }], coverage: 0 },
  { key: "skewed", seed: "skewed", variants: [{ key: "control", weight: 0.9 }, { key: "treatment", weight: 0.1 }], coverage: 1 },
  // GrowthBook hashes with `seed || key`: an empty seed means the key.
  { key: "empty-seed", seed: "", variants: [{ key: "control", weight: 0.5 }, { key: "treatment", weight: 0.5 }], coverage: 1 },
  { key: "скидка", seed: "скидка-😀", variants: [{ key: "нет", weight: 0.5 }, { key: "да", weight: 0.5 }], coverage: 1 },
];

export function buildVectors() {
  const cases = [];
  for (const exp of EXPERIMENTS) {
    for (const id of IDS) {
      const name = `${exp.key} / ${JSON.stringify(id).slice(0, 40)}`;
      cases.push([name, { ...exp, id }, growthbookVariant(exp, id)]);
    }
  }
  return {
    specVersion: 1,
    generator: `pkg-tests/scripts/gen-experiment-vectors.mjs from @growthbook/growthbook ${gbVersion} (hashVersion 2)`,
    cases,
  };
}

// One case per line: readable diffs, still plain JSON.
export function serialize(v) {
  const head = JSON.stringify({ specVersion: v.specVersion, generator: v.generator }).slice(0, -1);
  return `${head},\n"cases": [\n${v.cases.map((c) => JSON.stringify(c)).join(",\n")}\n]}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = serialize(buildVectors());
  JSON.parse(text); // never write something that is not JSON
  if (process.argv.includes("--check")) {
    let old = "";
    try { old = readFileSync(OUT, "utf8"); } catch { /* missing counts as stale */ }
    if (old !== text) {
      console.error(`${OUT} is stale: run node pkg-tests/scripts/gen-experiment-vectors.mjs`);
      process.exit(1);
    }
    console.log(`${OUT} is up to date`);
  } else {
    writeFileSync(OUT, text);
    const n = JSON.parse(text).cases;
    console.log(`wrote ${n.length} cases (${n.filter((c) => c[2] === null).length} not in the experiment) to ${OUT}`);
  }
}
