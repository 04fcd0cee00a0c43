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


def test_score_writes_parquet_that_pyarrow_reads_as_the_python_table(tmp_path, engine, cdnow_table, cli_decisions):
    import subprocess
    from conftest import CLI, ROOT

    # Written while the file is read (the CDNOW text is grouped by customer) ...
    out = tmp_path / "decisions.parquet"
    cli("score", "--orders", str(CDNOW), "--format", "cdnow", "--now", NOW, "--out", str(out))
    t = pq.read_table(out)
    assert t.column("decision").to_pylist() == cli_decisions
    assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == "ZSTD"
    # ... and after reading the whole file (orders out of customer order), to standard output
    # with --out-format: the same table.
    shuffled = tmp_path / "shuffled.parquet"
    # Every customer's first order, then every second order, ...: each customer's rows keep
    # their order, but are no longer together.
    seen: dict = {}
    rank = []
    for c in cdnow_table.column("customer_id").to_pylist():
        seen[c] = seen.get(c, -1) + 1
        rank.append(seen[c])
    interleaved = sorted(range(cdnow_table.num_rows), key=lambda i: (rank[i], i))
    pq.write_table(cdnow_table.take(interleaved), shuffled)
    again = tmp_path / "again.bin"
    r = subprocess.run([str(CLI), "score", "--orders", str(shuffled), "--format", "parquet", "--now", NOW,
                        "--out", "-", "--out-format", "parquet"], cwd=ROOT, capture_output=True)
    assert r.returncode == 0, r.stderr[-2000:]
    again.write_bytes(r.stdout)
    back = pq.read_table(again)
    assert back.column("decision").to_pylist() == cli_decisions
    # The Python package's table, without its error columns (the CLI stops at an error).
    py = engine.score(cdnow_table, now=NOW)
    py = py.drop_columns(["error_code", "error_path", "error_message"])
    assert t.schema.names == py.schema.names
    assert t.to_pylist() == py.to_pylist()
    # A customer in error fails the run and leaves no file behind.
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,date,amount\na,1998-01-01,10\nb,1998-09-01,5\n")
    failed = tmp_path / "failed.parquet"
    r = subprocess.run([str(CLI), "score", "--orders", str(bad), "--now", NOW, "--out", str(failed)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "orders[0].at" in r.stderr
    assert not failed.exists()
