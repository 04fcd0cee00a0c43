"""The Python package's batch paths from Arrow, on one core and on two.

A measuring harness, not a test: it asserts nothing about time. On the synthetic CDNOW-like
orders of bench/spark_bench.py (the same seeded table, cached in target/bench/; customer ids
int64, times timestamps, amounts float64), it times, best of `--repeat` runs each:

  profile     Engine.profile: features, segment, P(alive), expected purchases, 12-month CLV
  score       Engine.score: the full decision (offers, experiments, loyalty) and its JSON

with `threads=1` and `threads=2`, from a pyarrow Table already in memory to the result Table
(reading the orders, grouping them by customer, the engine, building the result), and prints
customers per second. It also checks that the two thread counts give equal tables.

    target/py/bin/python bench/python_bench.py [--customers 1000000] [--score-customers 200000]
        [--repeat 3] [--cdnow COPIES]

Needs target/py with pyarrow and numpy and the offerwise wheel installed there
(`scripts/python-tests.sh` installs it).
"""

from __future__ import annotations

import argparse
import json
import time

import pyarrow as pa
import pyarrow.parquet as pq

import offerwise
from spark_bench import NOW, ROOT, synthetic_orders


def orders_of(customers: int) -> pa.Table:
    """The first `customers` customers of the cached 10,000,000-customer table (or a table of
    exactly that many when it is not cached)."""
    big = synthetic_orders(max(customers, 200_000))
    table = pq.read_table(big)
    ids = table.column("customer_id")
    import pyarrow.compute as pc

    return table.filter(pc.less(ids, customers)).combine_chunks()


def cdnow(copies: int) -> pa.Table:
    """CDNOW's 23,570 customers as the pytest suite reads them (ids and dates as text, as in the
    file), `copies` times over with distinct ids (`00001`, `00001.1`, ...)."""
    ids, dates, cds, amounts = [], [], [], []
    for line in (ROOT / "data" / "cdnow" / "CDNOW_master.txt").read_text().splitlines():
        cells = line.split()
        if len(cells) == 4 and cells[0] != "customer_id":
            ids.append(cells[0])
            dates.append(cells[1])
            cds.append(int(cells[2]))
            amounts.append(float(cells[3]))
    out = {"customer_id": [], "date": [], "number_of_cds": [], "dollar_value": []}
    for k in range(copies):
        out["customer_id"] += ids if k == 0 else [f"{i}.{k}" for i in ids]
        out["date"] += dates
        out["number_of_cds"] += cds
        out["dollar_value"] += amounts
    return pa.table(out)


def best(run, repeat: int) -> tuple[float, pa.Table]:
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - started)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--score-customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cdnow", type=int, default=0, metavar="COPIES",
                        help="time CDNOW (text ids and dates) this many times over instead of the synthetic table")
    args = parser.parse_args()
    engine = offerwise.Engine()
    figures = []
    if args.cdnow:
        table = cdnow(args.cdnow)
        n_cdnow = len(set(table.column("customer_id").to_pylist()))
    for what, n in (("profile", args.customers), ("score", args.score_customers)):
        if args.cdnow:
            orders, n = table, n_cdnow
        else:
            orders = orders_of(n)
        tables = {}
        for threads in (1, 2):
            call = getattr(engine, what)
            secs, out = best(lambda: call(orders, now=NOW, threads=threads), args.repeat)
            assert out.num_rows == n, (out.num_rows, n)
            tables[threads] = out
            figure = {"run": what, "threads": threads, "customers": n, "orders": orders.num_rows,
                      "seconds": round(secs, 3), "customers_per_second": round(n / secs)}
            figures.append(figure)
            print(f"{what:<8} threads={threads} {n:>9,} customers ({orders.num_rows:,} orders)"
                  f"  {secs:7.3f} s  {n / secs:>10,.0f} customers/s", flush=True)
        assert tables[1].equals(tables[2]), f"{what}: threads=1 and threads=2 differ"
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
