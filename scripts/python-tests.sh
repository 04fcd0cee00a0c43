#!/usr/bin/env bash
# The Python package (crates/python): the abi3 wheel built by maturin from the folder holding
# its pyproject.toml, installed into target/py (scripts/setup.sh makes it), and its pytest suite,
# which checks the package against the release CLI (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/target/py/bin/python"
[ -x "$PY" ] || { echo "target/py is missing: run scripts/setup.sh" >&2; exit 1; }
# The reference CLI: OFFERWISE_CLI (./scripts/dev test passes the one `cargo test` built), or
# the release CLI, built when missing.
[ -n "${OFFERWISE_CLI:-}" ] || [ -x target/release/offerwise ] || cargo build --release --features cli
rm -rf target/wheels
# The wheel-test profile: release with thin LTO, minutes quicker to build than the fat-LTO
# wheel of `maturin build --release` (the README's), from the same code.
(cd crates/python && "$PY" -m maturin build --profile wheel-test --out ../../target/wheels)
WHEEL=$(ls target/wheels/offerwise-*.whl)
printf 'wheel: %s, %s bytes\n' "$WHEEL" "$(stat -c %s "$WHEEL")"
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEEL"
cd crates/python/tests
"$PY" -m pytest -q
