"""Batch scoring on Spark: the storefront's decisions for every customer of a DataFrame of orders.

::

    from offerwise.spark import profile, score
    decisions = score(orders_df, now="1998-07-01")                 # the embedded defaults
    profiles = profile(orders_df, now="1998-07-01")                # segment and CLV, no offers
    decisions = score(orders_df, now="1998-07-01",
                      engine_files={"model": "model.json", "program": "program.json"})

The orders are in long form (one row per order or order line: customer id, time, amount, and
optionally order id, quantity, category, SKU), with the column names
:meth:`offerwise.Engine.score` reads. Rows are repartitioned by customer, so that each
customer's rows are in one partition, in their input order, and each partition is scored with
``mapInArrow``: Arrow batches go to the Rust core without a copy through pandas. The model,
programme and policy are read on the driver, broadcast once, and loaded once per Python worker
process. The result has one row per customer with the columns of ``Engine.score`` (the full
decision as JSON in ``decision``); a customer whose decision fails keeps its row with
``error_code``, ``error_path`` and ``error_message``.

On a cluster (Databricks, EMR, Dataproc) install the wheel on every node (a cluster library,
or ``spark.submit.pyFiles`` is not enough: the package has a compiled module) and pyarrow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

from . import Engine, Instant, _instant

_ROW = "__offerwise_row"
_ENGINES: dict = {}


def _texts(engine_files: Optional[Mapping[str, Any]]) -> dict:
    """The engine's documents as text: a path (str or Path) is read, a dict or text kept."""
    out = {}
    for key, value in (engine_files or {}).items():
        if key not in ("model", "program", "policy"):
            raise ValueError(f"engine_files has {key!r}; known: model, program, policy")
        if isinstance(value, Path) or (isinstance(value, str) and not value.lstrip().startswith("{")):
            out[key] = Path(value).read_text()
        else:
            out[key] = value
    return out


def _engine(docs: dict) -> Engine:
    """One engine per Python worker process and set of documents."""
    key = tuple(sorted((k, v if isinstance(v, str) else repr(v)) for k, v in docs.items()))
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = Engine(**docs)
    return engine


def score(df: Any, now: Instant, engine_files: Optional[Mapping[str, Any]] = None,
          columns: Optional[Mapping[str, str]] = None, cart: Optional[Mapping[str, Any]] = None,
          context: Optional[Mapping[str, Any]] = None, time_zone_offset_minutes: int = 0,
          partitions: Optional[int] = None) -> Any:
    """Scores every customer of ``df`` (a Spark DataFrame of orders) at ``now``; returns a Spark
    DataFrame with one row per customer (see the module's description)."""
    options = {"cart": cart, "context": context, "time_zone_offset_minutes": time_zone_offset_minutes}
    return _by_customer(df, "score", now, engine_files, columns, options, partitions)


def profile(df: Any, now: Instant, engine_files: Optional[Mapping[str, Any]] = None,
            columns: Optional[Mapping[str, str]] = None, time_zone_offset_minutes: int = 0,
            partitions: Optional[int] = None) -> Any:
    """The history's part of :func:`score` without offers (:meth:`offerwise.Engine.profile`:
    features, segment and lifetime value) for every customer of ``df``: the batch path of data
    jobs, several times faster than deciding."""
    options = {"time_zone_offset_minutes": time_zone_offset_minutes}
    return _by_customer(df, "profile", now, engine_files, columns, options, partitions)


def _by_customer(df: Any, method: str, now: Instant, engine_files: Optional[Mapping[str, Any]],
                 columns: Optional[Mapping[str, str]], options: dict, partitions: Optional[int]) -> Any:
    """``Engine.<method>`` over the customers of ``df``, partition by partition."""
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    docs = _texts(engine_files)
    local = _engine(docs)
    columns = dict(columns or {})
    now_value = _instant(now)
    # The result's schema: the engine's columns for this programme (an empty run).
    sample = df.limit(0).toArrow() if hasattr(df, "toArrow") else pa.Table.from_pandas(df.limit(0).toPandas())
    schema = getattr(local, method)(sample, now=now_value, columns=columns, **options).schema
    # Which column is the customer's, as the engine would find it.
    customer = columns.get("customer_id") or _customer_column(sample.schema.names)
    spark = df.sparkSession
    shared = spark.sparkContext.broadcast(docs)
    ordered = df.withColumn(_ROW, F.monotonically_increasing_id())
    ordered = (ordered.repartition(partitions, customer) if partitions else ordered.repartition(customer))
    ordered = ordered.sortWithinPartitions(customer, _ROW).drop(_ROW)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        engine = _engine(shared.value)
        pending = None  # the rows of the last customer of a batch, which the next may continue

        def decide(table: pa.Table) -> Iterator[pa.RecordBatch]:
            out = getattr(engine, method)(table, now=now_value, columns=columns, threads=1, **options)
            yield from out.to_batches()

        for batch in batches:
            table = pa.Table.from_batches([batch])
            if pending is not None:
                table = pa.concat_tables([pending, table])
            if table.num_rows == 0:
                continue
            ids = table.column(customer)
            last = ids[table.num_rows - 1]
            # The last customer's rows are at the end (rows are sorted by customer).
            start = table.num_rows - 1
            while start > 0 and ids[start - 1] == last:
                start -= 1
            pending = table.slice(start)
            if start > 0:
                yield from decide(table.slice(0, start))
        if pending is not None and pending.num_rows > 0:
            yield from decide(pending)

    return ordered.mapInArrow(run, from_arrow_schema(schema))


def _customer_column(names: list) -> str:
    aliases = {"customerid", "customer", "userid", "clientid", "memberid"}
    for n in names:
        if n.replace("_", "").replace("-", "").replace(" ", "").lower() in aliases:
            return n
    raise ValueError(f"no customer_id column among {names}: name it with columns={{'customer_id': ...}}")
