"""Spark in local mode (local[2]) scores CDNOW as the CLI does, customer for customer."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import CDNOW, NOW, cdnow_columns

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (scripts/setup.sh installs it)")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java is missing: Spark needs a JRE (Debian's openjdk-17-jre-headless; scripts/setup.sh installs it)",
                allow_module_level=True)

import pyarrow as pa  # noqa: E402

from offerwise.spark import profile, score  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    import sys

    from pyspark.sql import SparkSession

    # The workers run this interpreter (the one with offerwise and pyarrow installed).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("offerwise-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", "2g")
               .getOrCreate())
    yield session
    session.stop()


def test_spark_scores_every_cdnow_customer_as_the_cli(spark, cli_decisions):
    df = spark.createDataFrame(pa.table(cdnow_columns(CDNOW)).to_pandas())
    out = score(df, now=NOW).select("customer_id", "decision", "error_code").toArrow()
    assert out.num_rows == len(cli_decisions) == 23570
    assert out.column("error_code").null_count == out.num_rows
    got = dict(zip(out.column("customer_id").to_pylist(), out.column("decision").to_pylist()))
    want = {json.loads(line)["customerId"]: line for line in cli_decisions}
    assert got.keys() == want.keys()
    different = [c for c in want if got[c] != want[c]]
    assert different == [], f"{len(different)} decisions differ, the first {different[:5]}"


def test_spark_keeps_a_bad_customer_in_its_row(spark):
    rows = [("a", "1998-01-01", 10.0), ("a", "1998-03-01", 20.0), ("b", "1998-09-01", 5.0)]
    df = spark.createDataFrame(rows, "customer_id string, date string, amount double")
    out = {r["customer_id"]: r for r in score(df, now=NOW, partitions=2).collect()}
    assert out["a"]["error_code"] is None and out["a"]["segment"] is not None
    assert (out["b"]["error_code"], out["b"]["error_path"]) == ("customer.invalid", "orders[0].at")


def test_spark_profiles_every_cdnow_customer_as_the_engine(spark, engine, cdnow_table):
    df = spark.createDataFrame(cdnow_table.to_pandas())
    out = profile(df, now=NOW, partitions=3).toArrow()
    want = engine.profile(cdnow_table, now=NOW)
    assert out.num_rows == want.num_rows == 23570
    assert out.schema.names == want.schema.names
    got = {r["customer_id"]: r for r in out.to_pylist()}
    different = [r["customer_id"] for r in want.to_pylist() if got[r["customer_id"]] != r]
    assert different == [], f"{len(different)} profiles differ, the first {different[:5]}"
