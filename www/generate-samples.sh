#!/usr/bin/env bash
# Writes www/sample-customers.json: the first 50 CDNOW customers as a JSON array, exactly as
# `offerwise customers --earn-points --now 1998-07-01` writes them (one customer document per
# line), for the demo page: each has a loyalty account that earned every order's points under
# the default programme, so points, expiry nudges and cart quotes show real numbers.
#
#   www/generate-samples.sh            # uses target/release/offerwise (builds it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/offerwise
LIMIT=50
cargo build --release --features cli --quiet
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
"$BIN" customers --orders data/cdnow/CDNOW_master.txt --format cdnow --limit "$LIMIT" \
  --earn-points --now 1998-07-01 --out "$TMP"
# JSON Lines -> one JSON array, one customer per line (readable diffs); checks every line.
node -e '
  const fs = require("fs");
  const [src, dst, limit] = process.argv.slice(1);
  const rows = fs.readFileSync(src, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  if (rows.length !== Number(limit)) { console.error(`expected ${limit} customers, got ${rows.length}`); process.exit(1); }
  fs.writeFileSync(dst, "[\n" + rows.map((r) => JSON.stringify(r)).join(",\n") + "\n]\n");
  console.log(`wrote ${rows.length} customers to ${dst}`);
' "$TMP" www/sample-customers.json "$LIMIT"
