"""Shared fixtures: the repository, the native CLI (the reference the package is checked
against) and CDNOW as the CLI reads it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# target/release/offerwise, or the CLI that OFFERWISE_CLI names (`./scripts/dev test` passes the
# one `cargo test` built: the same code, the same answers).
CLI = ROOT / os.environ["OFFERWISE_CLI"] if os.environ.get("OFFERWISE_CLI") else ROOT / "target" / "release" / "offerwise"
CDNOW = ROOT / "data" / "cdnow" / "CDNOW_master.txt"
SAMPLE = ROOT / "data" / "cdnow" / "CDNOW_sample.txt"
NOW = "1998-07-01"


def cli(*args: str) -> str:
    """Runs the CLI from the repository root; fails the test with its stderr."""
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: cargo build --release --features cli (./scripts/dev test builds it)")
    r = subprocess.run([str(CLI), *args], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"offerwise {' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def cdnow_columns(path: Path) -> dict:
    """A CDNOW text file as columns (customer_id, date as written, quantity, amount): the rows
    `offerwise score --format cdnow` reads, one order each."""
    ids, dates, cds, amounts = [], [], [], []
    for line in path.read_text().splitlines():
        cells = line.split()
        if not cells or cells[0] == "customer_id":
            continue
        if len(cells) == 5:  # the 1/10 sample: customer_id sample_id date cds amount
            cells = [cells[0], *cells[2:]]
        ids.append(cells[0])
        dates.append(cells[1])
        cds.append(int(cells[2]))
        amounts.append(float(cells[3]))
    return {"customer_id": ids, "date": dates, "number_of_cds": cds, "dollar_value": amounts}


@pytest.fixture(scope="session")
def cli_decisions() -> list:
    """`offerwise score` of every CDNOW customer at NOW: one decision JSON line each."""
    return cli("score", "--orders", str(CDNOW), "--format", "cdnow", "--now", NOW, "--out", "-").splitlines()


@pytest.fixture(scope="session")
def cdnow_table():
    pa = pytest.importorskip("pyarrow")
    return pa.table(cdnow_columns(CDNOW))


@pytest.fixture(scope="session")
def engine():
    import offerwise

    return offerwise.Engine()


def load_jsonl(text: str) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
