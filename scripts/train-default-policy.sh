#!/usr/bin/env bash
# Rebuilds models/default-policy.json: the default programme's policy, learned by
# `offerwise simulate` (3,000 synthetic customers, the 45 days to 1998-07-01, seed 7; see
# src/offers/simulate.rs)
# from its own simulated decision and outcome logs. Deterministic: the same build writes the
# same file. The figures it prints are those quoted in the README ("Learning").
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --features cli
./target/release/offerwise simulate --no-policy --customers 3000 --days 45 --seed 7 --start 1998-05-17 \
  --policy-out models/default-policy.json
