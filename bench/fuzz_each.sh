#!/usr/bin/env bash
# One fuzzing campaign per entry point (issue 15: at least a million generated and mutated
# inputs for every exported function), natively and through the wasm build in Node:
#
#   bench/fuzz_each.sh                          # every entry point, 1,000,000 cases each
#   bench/fuzz_each.sh --wasm-only --cases 200000 hash "new Engine" "data:*"
#   bench/fuzz_each.sh --native-only quote lenient
#
# Natively each of tests/fuzz.rs's entry points is fuzzed alone (OFFERWISE_FUZZ_TARGETS); in
# wasm each target of `node bench/fuzz_wasm.mjs --list` (both builds' exports, their untyped
# argument variants and the throwing-JS-value targets) gets its own run of
# bench/fuzz_wasm.mjs --only. `./scripts/dev soak` runs a million cases spread over all of them
# instead; this is the long form: many hours on 2 cores (a million cases take from 20 s for
# `hash` to hours for the data build's `engine.effectiveness`; bench/README.md has the figures).
#
# Reports go to target/fuzz/each/ (--out DIR): native-<target>.log and wasm-<target>.json. A
# campaign whose report is there is not run again, so an interrupted run resumes where it
# stopped (delete the directory to start afresh). A table of all reports is printed at the end;
# the exit status is 1 when any campaign has a finding.
#
# The data build's copies of the storefront exports (`data:Engine.decide`, ...) are the same
# Rust functions as the storefront's, so they are left out unless --data-copies is given or
# they are named; the data build's own exports (`data:analyze`, `data:nps`, ...) and its
# throwing-JS-value target, which reaches them too, always run.
#
# Options: --cases N (default 1,000,000), --seed S (both sides; default: each side's own),
# --hang-ms MS (wasm: a call without progress this long is a hang; default 120,000, so a run
# beside a build is not a false hang), --native-only, --wasm-only, --data-copies, --out DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=1000000
SEED=""
HANG_MS=120000
SIDES="native wasm"
OUT=target/fuzz/each
DATA_COPIES=0
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --hang-ms) HANG_MS=$2; shift 2 ;;
    --native-only) SIDES=native; shift ;;
    --wasm-only) SIDES=wasm; shift ;;
    --out) OUT=$2; shift 2 ;;
    --data-copies) DATA_COPIES=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "fuzz_each: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
mkdir -p "$OUT"
file_name() { printf '%s' "$1" | tr ' :*/' '__x-'; }

NATIVE=(decide prepare pageView quote features engine policy condition loyalty hash analyze lenient)
mapfile -t WASM < <(node bench/fuzz_wasm.mjs --list | sed 's/ *[0-9.]* %$//')

run_native() {
  local t=$1 log
  log="$OUT/native-$(file_name "$t").log"
  if [ -f "$log" ] && grep -q '^test result' "$log"; then return; fi
  echo "fuzz_each: native $t, $CASES cases"
  OFFERWISE_FUZZ_TARGETS=$t OFFERWISE_FUZZ_CASES=$CASES ${SEED:+OFFERWISE_FUZZ_SEED=$SEED} \
    cargo test -q --all-features --test suite fuzz -- --nocapture > "$log.part" 2>&1 || true
  mv "$log.part" "$log"
}

run_wasm() {
  local t=$1 json
  json="$OUT/wasm-$(file_name "$t").json"
  if [ -f "$json" ]; then return; fi
  echo "fuzz_each: wasm $t, $CASES cases"
  node bench/fuzz_wasm.mjs --only "$t" --cases "$CASES" --hang-ms "$HANG_MS" ${SEED:+--seed "$SEED"} \
    --json > "$json.part" || true
  mv "$json.part" "$json"
}

for side in $SIDES; do
  if [ "$side" = native ]; then
    cargo test -q --all-features --test suite --no-run
    list=("${NATIVE[@]}")
  else
    scripts/build-wasm.sh > /dev/null
    list=("${WASM[@]}")
  fi
  for t in "${list[@]}"; do
    if [ ${#TARGETS[@]} -gt 0 ]; then
      keep=0
      for want in "${TARGETS[@]}"; do
        # shellcheck disable=SC2053 # a glob on purpose: "data:*"
        [[ $t == $want ]] && keep=1
      done
      [ $keep = 1 ] || continue
    elif [ "$side" = wasm ] && [ $DATA_COPIES = 0 ] && [[ $t == data:* ]] \
      && [[ $t != "data:throwing JS values" ]] \
      && printf '%s\n' "${WASM[@]}" | grep -qxF -- "${t#data:}"; then
      continue # the storefront's campaign of the same function covers it
    fi
    "run_$side" "$t"
  done
done

# The table: one row per report.
node - "$OUT" <<'EOF'
const fs = require("fs");
const dir = process.argv[2];
let findings = 0;
const rows = [];
for (const f of fs.readdirSync(dir).sort()) {
  const p = `${dir}/${f}`;
  if (f.startsWith("native-") && f.endsWith(".log")) {
    const text = fs.readFileSync(p, "utf8");
    const head = text.match(/fuzz \(native\): (\d+) cases, seed (\d+), entry points \[(.*?)\], ([\d.]+) s/);
    const slow = text.match(/calls over 50 ms: (\d+)/);
    const ok = /^test result: ok/m.test(text);
    if (!ok) findings++;
    rows.push(["native", f.slice(7, -4), head ? head[1] : "?", head ? `${head[4]} s` : "?", slow ? slow[1] : "?", ok ? "none" : "FAILED: see " + p]);
  } else if (f.startsWith("wasm-") && f.endsWith(".json")) {
    let r;
    try { r = JSON.parse(fs.readFileSync(p, "utf8")); } catch { rows.push(["wasm", f.slice(5, -5), "?", "?", "?", "no report: see " + p]); findings++; continue; }
    findings += r.findings.length;
    rows.push(["wasm", f.slice(5, -5), String(r.cases), `${(r.wallMs / 1000).toFixed(0)} s`, String(r.slowCount), r.findings.length ? `${r.findings.length}: ${r.findings.map((x) => x.kind).join(", ")}` : "none"]);
  }
}
console.log("| side | target | cases | wall | calls > 50 ms | findings |\n|---|---|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
process.exit(findings ? 1 : 0);
EOF
