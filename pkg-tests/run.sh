#!/usr/bin/env bash
# Tests the built npm package: Node ESM + CJS, GrowthBook-compatible hashing and conditions, the README's
# examples, workerd (edge) and the demo page in headless Chromium.
#
#   pkg-tests/run.sh                 # everything
#   pkg-tests/run.sh node.test.mjs   # some test files only
#
# Assumes scripts/setup.sh has run (wasm-pack, wasm-bindgen, npm deps, chromium). Builds the
# native CLI (the reference the tests compare with; OFFERWISE_CLI=path names another) and pkg/
# when missing or out of date.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd .. && pwd)

say() { printf '\033[1mpkg-tests:\033[0m %s\n' "$*"; }

[ -d node_modules ] || { echo "pkg-tests: node_modules missing: run scripts/setup.sh (npm ci)" >&2; exit 1; }

# 1. the reference CLI (cargo itself skips the work when nothing changed), unless OFFERWISE_CLI
#    names one (./scripts/dev test passes the CLI that `cargo test` built)
if [ -n "${OFFERWISE_CLI:-}" ]; then
  say "the reference CLI: $OFFERWISE_CLI"
else
  say "cargo build --release --features cli"
  (cd "$ROOT" && cargo build --release --features cli --quiet)
fi

# 2. the npm package (skips when pkg/ is newer than its inputs)
"$ROOT/scripts/build-wasm.sh"

# 3. the package as a consumer sees it: node_modules/offerwise -> ../../pkg
if [ "$(readlink node_modules/offerwise 2>/dev/null)" != "../../pkg" ]; then
  rm -rf node_modules/offerwise
  ln -s ../../pkg node_modules/offerwise
fi

mkdir -p .work
if [ "$#" -gt 0 ]; then
  FILES=("$@")
else
  # (node --test runs the files one at a time, in its own order: alphabetical.)
  FILES=(node.test.mjs node-cjs.test.cjs sizes.test.mjs hashing.test.mjs conditions.test.mjs decisions.test.mjs prepared.test.mjs batch.test.mjs loyalty.test.mjs types.test.mjs readme.test.mjs edge.test.mjs edge-worker.test.mjs browser.test.mjs widget.test.mjs dashboard.test.mjs segments.test.mjs install.test.mjs report.test.mjs analysis.test.mjs train.test.mjs programme.test.mjs tokens.test.mjs edge-tokens.test.mjs edge-documents.test.mjs load.test.mjs fuzz.test.mjs trust.test.mjs)
fi
say "node --test ${FILES[*]}"
# One file at a time: the files share the CLI's cached outputs in .work/ and the machine has
# two cores. The TAP reporter prints every test, failure details and the summary lines
# (# tests N, # pass N, # fail N, ...).
exec node --test --test-concurrency=1 --test-reporter=tap "${FILES[@]}"
