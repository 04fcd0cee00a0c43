#!/usr/bin/env bash
# Installs what offerwise needs to build and test, skipping what is already there.
# Only package registries are used (crates.io, npm, Debian, PyPI): nothing downloads prebuilt
# binaries from elsewhere. Safe to run again; every step checks before it installs.
#
#   scripts/setup.sh            # Rust toolchain bits + wasm tools + npm test deps + browser
#   scripts/setup.sh --native   # only what the native CLI needs (nothing beyond cargo)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; }


say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# A registry refuses a download once in a while: every network step is retried (5 tries,
# 10 s, 20 s, ... apart) and cargo retries each request itself too.
export CARGO_NET_RETRY=${CARGO_NET_RETRY:-10}
export CARGO_HTTP_TIMEOUT=${CARGO_HTTP_TIMEOUT:-120}
retry() {
  local n=1 max=5
  until "$@"; do
    if [ "$n" -ge "$max" ]; then
      echo "setup: failed $max times: $*" >&2
      return 1
    fi
    say "attempt $n of '$*' failed; retrying in $((n * 10)) s"
    sleep $((n * 10))
    n=$((n + 1))
  done
}

# Every crate of Cargo.lock, for every platform (wasm-pack runs `cargo metadata`, which needs
# them all, e.g. r-efi or portable-atomic-util), fetched up front so later steps work offline.
say "cargo fetch (all crates of Cargo.lock)"
retry cargo fetch --locked
say "cargo fetch (the Python package's crates, crates/python/Cargo.lock)"
retry cargo fetch --locked --manifest-path crates/python/Cargo.toml

if [ "${1:-}" = "--native" ]; then
  say "native only: nothing to install beyond cargo"
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  retry rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$c"; then
    say "adding rustup component $c"; retry rustup component add "$c"
  fi
done

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "building wasm-pack from crates.io (several minutes, once)"
  retry cargo install wasm-pack --locked
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (several minutes, once)"
  # The published lock file of some wasm-bindgen-cli releases pins a yanked crate; fall back
  # to a fresh resolution (still only from crates.io) when --locked cannot resolve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force \
    || retry cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Node test dependencies: binaryen (wasm-opt), playwright-core (drives Debian's chromium), workerd.
if [ ! -d pkg-tests/node_modules ] || [ pkg-tests/package-lock.json -nt pkg-tests/node_modules/.package-lock.json ]; then
  say "installing pkg-tests npm dependencies"
  (cd pkg-tests && retry npm ci --no-audit --no-fund)
fi

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  retry $SUDO apt-get update -qq
  retry $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Spark (the Python package's Spark test) runs on a JVM: Debian's Java 17.
if ! command -v java >/dev/null 2>&1; then
  say "installing Debian openjdk-17-jre-headless for the Spark test"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  retry $SUDO apt-get update -qq
  retry $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

# The Python package's tests: a venv in target/py with the pinned requirements (maturin, pytest,
# pyarrow, pandas, polars, pyspark), all from PyPI.
if [ ! -x target/py/bin/python ] || [ crates/python/requirements-test.txt -nt target/py/.installed ]; then
  say "installing the Python test environment (target/py)"
  python3 -m venv target/py
  retry target/py/bin/pip install -q -r crates/python/requirements-test.txt
  touch target/py/.installed
fi

say "ready"
