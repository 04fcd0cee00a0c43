"""Spark in local mode, side by side: offerwise's batch path against a plain PySpark job.

A measuring harness, not a test: it times, in one run on one machine, on a synthetic table of
CDNOW-like orders (seeded numpy: orders per customer geometric with mean 2.9 as in CDNOW,
gaps exponential, amounts log-normal; customer ids int64, times timestamps):

  peer        the plain PySpark job a data team writes for "RFM + nearest centroid": Spark SQL
              aggregates recency, frequency and monetary per customer, then a pandas UDF scales
              them as the model does (log1p, mean, std) and assigns the nearest centroid in
              numpy. Nothing else: no lifetime value, no offers.
  profile     offerwise.spark.profile: features, segment, P(alive), expected purchases and the
              12-month CLV of every customer (the storefront's values).
  score       offerwise.spark.score: the full decision, offers and experiments included (on
              the first --score-customers customers only: it is the slow path).

Each run ends in Spark's `noop` sink, so every row is computed and nothing is written. The
script also checks that the peer's segments equal offerwise's on the first 100,000 customers
(the same model, so they must, barring ties).

    target/py/bin/python bench/spark_bench.py [--customers 10000000] [--score-customers 1000000]

Needs what the Python tests need (`scripts/setup.sh`: target/py with pyspark, pyarrow, numpy,
Java 17) and the offerwise wheel installed there (`scripts/python-tests.sh` installs it). The
synthetic table is cached in target/bench/ (226 MB, 29,009,607 orders for 10,000,000 customers).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd  # module level: pyspark reads the UDF's type hints from the module
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
NOW = "1998-07-01"
NOW_MS = 899_251_200_000
DAY_MS = 86_400_000


def synthetic_orders(customers: int, seed: int = 7, block: int = 1_000_000) -> Path:
    """CDNOW-like orders of `customers` customers as Parquet (cached by size and seed)."""
    out = ROOT / "target" / "bench" / f"orders-{customers}-{seed}.parquet"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tmp = out.with_suffix(".tmp")
    schema = pa.schema([("customer_id", pa.int64()), ("date", pa.timestamp("ms", tz="UTC")), ("amount", pa.float64())])
    with pq.ParquetWriter(tmp, schema, compression="zstd") as w:
        for start in range(0, customers, block):
            n = min(block, customers - start)
            k = rng.geometric(1 / 2.9, n)  # orders per customer, mean 2.9 (CDNOW: 2.9)
            ids = np.repeat(np.arange(start, start + n, dtype=np.int64), k)
            first = rng.uniform(0, 540, n)  # first purchase: days after 1997-01-01
            gap_mean = rng.uniform(20, 150, n)
            gaps = rng.exponential(np.repeat(gap_mean, k))
            # Each customer's first row starts at its first purchase; later rows add gaps.
            starts = np.cumsum(k) - k
            gaps[starts] = 0
            offsets = np.cumsum(gaps)
            offsets -= np.repeat(offsets[starts], k)
            days = np.minimum(np.repeat(first, k) + offsets, 545.9)
            at = 852_076_800_000 + (days * DAY_MS).astype(np.int64)  # 1997-01-01
            basket = np.repeat(rng.uniform(12, 60, n), k)
            amount = np.round(basket * rng.lognormal(0, 0.5, k.sum()), 2)
            w.write_table(pa.table({"customer_id": ids, "date": pa.array(at, pa.timestamp("ms", tz="UTC")),
                                    "amount": amount}, schema=schema))
    tmp.rename(out)
    return out


def spark_session():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return (SparkSession.builder.master("local[2]").appName("offerwise-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")
            .config("spark.driver.memory", "8g")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate())


def peer(df, model: dict):
    """RFM + nearest centroid: Spark SQL aggregates, a pandas UDF scales and assigns."""
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf

    scaler = model["scaler"]
    mean, std = np.array(scaler["mean"]), np.array(scaler["std"])
    centroids = np.array([s["centroid"] for s in model["segments"]])
    assert model["features"] == ["recencyDays", "frequency", "monetary"] and scaler["transform"] == "log1p"

    @pandas_udf("int")
    def nearest(recency: pd.Series, frequency: pd.Series, monetary: pd.Series) -> pd.Series:
        x = np.log1p(np.column_stack([recency.to_numpy(), frequency.to_numpy(), monetary.to_numpy()]))
        z = (x - mean) / std
        d = ((z[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        return pd.Series(d.argmin(axis=1).astype(np.int32))

    now = F.lit(NOW_MS)
    rfm = df.groupBy("customer_id").agg(
        ((now - F.max(F.col("date").cast("double") * 1000)) / DAY_MS).alias("recency_days"),
        F.count(F.lit(1)).cast("double").alias("frequency"),
        F.avg("amount").alias("monetary"))
    return rfm.withColumn("segment_id", nearest("recency_days", "frequency", "monetary"))


def timed(name: str, frame, customers: int) -> dict:
    started = time.perf_counter()
    frame.write.format("noop").mode("overwrite").save()
    secs = time.perf_counter() - started
    figure = {"run": name, "customers": customers, "seconds": round(secs, 2), "customers_per_second": round(customers / secs)}
    print(f"{name:<10} {customers:>11,} customers  {secs:8.1f} s  {customers / secs:>10,.0f} customers/s", flush=True)
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--score-customers", type=int, default=1_000_000)
    parser.add_argument("--only", default="peer,profile,score", help="comma-separated runs")
    a = parser.parse_args()
    import offerwise
    from offerwise.spark import profile, score

    started = time.perf_counter()
    path = synthetic_orders(a.customers)
    meta = pq.ParquetFile(path).metadata
    print(f"{path.relative_to(ROOT)}: {a.customers:,} customers, {meta.num_rows:,} orders "
          f"({time.perf_counter() - started:.0f} s to make or find)", flush=True)
    model = json.loads((ROOT / "models" / "default.json").read_text())
    spark = spark_session()
    df = spark.read.parquet(str(path))
    runs = a.only.split(",")
    results = []

    # The peer's segments are offerwise's (same model) on the first 100,000 customers.
    head = df.where("customer_id < 100000")
    theirs = {r["customer_id"]: r["segment_id"] for r in peer(head, model).select("customer_id", "segment_id").collect()}
    ours = offerwise.Engine().profile(head.toArrow(), now=NOW)
    agree = sum(theirs[int(c)] == s for c, s in zip(ours.column("customer_id").to_pylist(), ours.column("segment_id").to_pylist()))
    print(f"segments agree on {agree:,} of {len(theirs):,} customers", flush=True)

    if "peer" in runs:
        results.append(timed("peer", peer(df, model), a.customers))
    if "profile" in runs:
        results.append(timed("profile", profile(df, now=NOW), a.customers))
    if "score" in runs:
        part = df.where(f"customer_id < {a.score_customers}")
        results.append(timed("score", score(part, now=NOW), min(a.score_customers, a.customers)))
    spark.stop()
    out = ROOT / "target" / "bench" / "spark-results.json"
    out.write_text(json.dumps({"orders": meta.num_rows, "segments_agree": [agree, len(theirs)], "runs": results,
                               "load_average": os.getloadavg()}, indent=2))
    print(f"results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
