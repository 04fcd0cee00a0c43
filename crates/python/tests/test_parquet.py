"""The CLI reads Parquet orders (`--format parquet`) as it reads the same rows in CSV: files
written by pyarrow with snappy and zstd, the codecs data teams' exports use."""

from __future__ import annotations

import json

import pytest

from conftest import CDNOW, NOW, cdnow_columns, cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.mark.parametrize("codec", ["snappy", "zstd"])
def test_score_reads_parquet_as_the_cdnow_text(tmp_path, codec, cli_decisions):
    path = tmp_path / f"orders-{codec}.parquet"
    pq.write_table(pa.table(cdnow_columns(CDNOW)), path, compression=codec, row_group_size=20000)
    out = cli("score", "--orders", str(path), "--format", "parquet", "--now", NOW, "--out", "-").splitlines()
    assert out == cli_decisions


def test_typed_parquet_columns_and_training(tmp_path):
    import pyarrow.compute as pc

    t = pa.table(cdnow_columns(CDNOW))
    typed = t.set_column(1, "date", pc.cast(pc.strptime(t.column("date"), format="%Y%m%d", unit="ms"), pa.date32()))
    path = tmp_path / "typed.parquet"
    pq.write_table(typed, path, compression="zstd")
    model = tmp_path / "m.json"
    cli("train", "--orders", str(path), "--format", "parquet", "--k", "4", "--now", NOW, "--no-clv", "--name", "cdnow", "--out", str(model))
    text_model = tmp_path / "t.json"
    cli("train", "--orders", str(CDNOW), "--format", "cdnow", "--k", "4", "--now", NOW, "--no-clv", "--name", "cdnow", "--out", str(text_model))
    a, b = json.loads(model.read_text()), json.loads(text_model.read_text())
    assert a["training"]["clusterSizes"] == b["training"]["clusterSizes"]
    assert a["segments"] == b["segments"]


def test_a_bad_parquet_cell_is_named(tmp_path):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"customer_id": ["a", "b"], "date": ["1998-01-01", "1998-02-01"], "amount": [1.0, -2.0]}), path)
    import subprocess
    from conftest import CLI, ROOT

    r = subprocess.run([str(CLI), "score", "--orders", str(path), "--format", "parquet", "--now", NOW, "--out", "-"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2
    assert "amount[1]" in r.stderr and "error[orders.invalid]" in r.stderr
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_text("customer_id,date,amount\n")
    r = subprocess.run([str(CLI), "score", "--orders", str(not_parquet), "--format", "parquet", "--now", NOW, "--out", "-"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "not a Parquet file" in r.stderr
