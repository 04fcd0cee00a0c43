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

if [ "${1:-}" = "--native" ]; then
  say "native only: nothing to install beyond cargo"
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$c"; then
    say "adding rustup component $c"; rustup component add "$c"
  fi
done

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "building wasm-pack from crates.io (several minutes, once)"
  cargo install wasm-pack --locked
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (several minutes, once)"
  # The published lock file of some wasm-bindgen-cli releases pins a yanked crate; fall back
  # to a fresh resolution (still only from crates.io) when --locked cannot resolve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Node test dependencies: binaryen (wasm-opt), playwright-core (drives Debian's chromium), workerd.
if [ ! -d pkg-tests/node_modules ] || [ pkg-tests/package-lock.json -nt pkg-tests/node_modules/.package-lock.json ]; then
  say "installing pkg-tests npm dependencies"
  (cd pkg-tests && npm ci --no-audit --no-fund)
fi

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

say "ready"
