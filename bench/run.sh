#!/usr/bin/env bash
# Runs the offerwise benchmarks (bench/run.mjs); arguments are passed on to it.
#
#   bench/run.sh                 # build what is missing or stale, then every benchmark (~31 min on 2 cores: 5 processes per row; 1,845 s on 2026-12-01)
#   bench/run.sh --no-build      # measure what is built now (target/release/offerwise, pkg/)
#   bench/run.sh --quick         # a smoke run: fewer processes, fewer synthetic customers
#   bench/run.sh --only=a,d,g    # some groups only (a..h, see bench/README.md)
#
# Needs what pkg-tests needs (scripts/setup.sh: Node 20+, pkg-tests/node_modules, the wasm
# toolchain). Installs nothing: bench/ reuses pkg-tests/node_modules through a symlink.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)

BUILD=1
ARGS=()
for a in "$@"; do
  if [ "$a" = "--no-build" ]; then BUILD=0; else ARGS+=("$a"); fi
done

[ -d "$ROOT/pkg-tests/node_modules" ] || { echo "bench: pkg-tests/node_modules missing: run scripts/setup.sh" >&2; exit 1; }
if [ "$BUILD" = 1 ]; then
  (cd "$ROOT" && cargo build --release --features cli --quiet && cargo build --release --features cli --example batch_bench --quiet)
  "$ROOT/scripts/build-wasm.sh" >/dev/null
fi
# the package as pkg-tests sees it (pkg-tests/run.sh makes the same link)
if [ "$(readlink "$ROOT/pkg-tests/node_modules/offerwise" 2>/dev/null)" != "../../pkg" ]; then
  rm -rf "$ROOT/pkg-tests/node_modules/offerwise"
  ln -s ../../pkg "$ROOT/pkg-tests/node_modules/offerwise"
fi
exec node run.mjs "${ARGS[@]+"${ARGS[@]}"}"
