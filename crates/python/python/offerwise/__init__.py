"""offerwise: the storefront's offers engine, in Python.

One Rust core is the storefront's WebAssembly, the CLI and this package, so a decision made here
is the decision the page makes for the same customer, ``now`` and documents::

    import offerwise
    engine = offerwise.Engine()                      # the embedded default model and programme
    d = engine.decide({"id": "c1", "orders": [{"at": "1998-03-01", "amount": 40.0}]}, now="1998-07-01")
    d["segment"]["name"], d["clv"]["pAlive"], [o["id"] for o in d["offers"]]

    table = engine.score(orders_table, now="1998-07-01")   # Arrow in, Arrow out: one row per customer

Documents are dicts (or JSON text); results are plain dicts equal to the CLI's JSON. Every
refusal is an :class:`OfferwiseError` with a stable ``code`` and the ``path`` of the problem.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
from typing import Any, Mapping, Optional, Union

from . import _offerwise
from ._errors import OfferwiseError

__all__ = ["Engine", "OfferwiseError", "analyze", "effectiveness", "fit_clv", "keygen", "sign_decision", "sign_document",
           "train", "verify_document", "verify_token", "version"]

Document = Union[str, bytes, Mapping[str, Any]]
Instant = Union[str, int, float, _dt.datetime, _dt.date]


def version() -> str:
    """The engine's version (the crate's, the CLI's and the npm package's)."""
    return _offerwise.version()


def _text(doc: Optional[Document], what: str) -> Optional[str]:
    if doc is None:
        return None
    if isinstance(doc, (bytes, bytearray)):
        return bytes(doc).decode("utf-8")
    if isinstance(doc, str):
        return doc
    if isinstance(doc, Mapping):
        return _json.dumps(doc, allow_nan=False)
    raise OfferwiseError(f"the {what} is a dict, JSON text or bytes, not {type(doc).__name__}", f"{what}.invalid", "")


def _instant(now: Instant) -> Union[str, float]:
    """`now` as the engine reads it: ISO 8601 text or epoch milliseconds."""
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None:
            raise OfferwiseError("now is a naive datetime: give it a time zone (e.g. datetime.timezone.utc)", "options.invalid", "now")
        return now.isoformat()
    if isinstance(now, _dt.date):
        return now.isoformat()
    if isinstance(now, bool):
        raise OfferwiseError("now is a date, an ISO 8601 text or epoch milliseconds, not a bool", "options.invalid", "now")
    if isinstance(now, (int, float, str)):
        return now
    raise OfferwiseError(f"now is a date, an ISO 8601 text or epoch milliseconds, not {type(now).__name__}", "options.invalid", "now")


def _options(now: Instant, cart: Optional[Mapping[str, Any]], context: Optional[Mapping[str, Any]],
             time_zone_offset_minutes: int, extra: Mapping[str, Any]) -> str:
    options: dict = {"now": _instant(now)}
    if time_zone_offset_minutes:
        options["timeZoneOffsetMinutes"] = time_zone_offset_minutes
    if cart is not None:
        options["cart"] = cart
    if context is not None:
        options["context"] = context
    options.update(extra)
    return _json.dumps(options, allow_nan=False)


class Engine:
    """A trained model, a loyalty programme and (optionally) a learned policy.

    ``Engine()`` loads the embedded default model and programme with their learned policy, as
    the CLI does without ``--model`` and ``--program``. Each document is a dict, JSON text or
    bytes; ``policy`` is used when given (with a model or programme of your own no policy is
    loaded unless you give one).
    """

    def __init__(self, model: Optional[Document] = None, program: Optional[Document] = None,
                 policy: Optional[Document] = None) -> None:
        self._engine = _offerwise.Engine(_text(model, "model"), _text(program, "program"), _text(policy, "policy"))

    @property
    def model_version(self) -> str:
        """The model's version, ``name@fingerprint``."""
        return self._engine.model_version

    @property
    def program_version(self) -> str:
        """The programme's name and version."""
        return self._engine.program_version

    def warnings(self) -> list:
        """What the engine noticed about the programme (as dicts with code, path, message)."""
        return self._engine.warnings()

    def decide(self, customer: Document, now: Instant, cart: Optional[Mapping[str, Any]] = None,
               context: Optional[Mapping[str, Any]] = None, time_zone_offset_minutes: int = 0,
               **options: Any) -> dict:
        """The decision for one customer document at ``now``: a dict equal to the JSON of
        ``offerwise decide`` and of the wasm ``engine.decide``.

        Other decision options (``budgets``, ``ids``, ``assignments``, ``forceVariants``) are
        passed as keyword arguments in their JSON spelling.
        """
        return self._engine.decide(_text(customer, "customer"), _options(now, cart, context, time_zone_offset_minutes, options))

    def decide_json(self, customer: Document, now: Instant, cart: Optional[Mapping[str, Any]] = None,
                    context: Optional[Mapping[str, Any]] = None, time_zone_offset_minutes: int = 0,
                    **options: Any) -> str:
        """The decision as JSON text: the line ``offerwise score`` writes for the customer."""
        return self._engine.decide_json(_text(customer, "customer"), _options(now, cart, context, time_zone_offset_minutes, options))

    def score(self, orders: Any, now: Instant, columns: Optional[Mapping[str, str]] = None,
              cart: Optional[Mapping[str, Any]] = None, context: Optional[Mapping[str, Any]] = None,
              time_zone_offset_minutes: int = 0, threads: int = 0) -> Any:
        """Decides for every customer of a table of orders in long form and returns a
        ``pyarrow.Table`` with one row per customer, in order of first appearance.

        ``orders`` is Arrow data: a ``pyarrow.Table``, ``RecordBatch`` or ``RecordBatchReader``,
        a polars ``DataFrame`` (read without a copy), or a pandas ``DataFrame`` (through
        pyarrow). Its columns are found by name as the CLI finds a CSV's (``customer_id``,
        ``date``, ``amount``, and optionally ``order_id``, ``quantity``, ``category``, ``sku``;
        ``columns`` names them otherwise, e.g. ``{"customer_id": "member"}``). Times are
        timestamps, dates or ISO 8601 text.

        The result's columns: ``customer_id``, ``segment_id``, ``segment``, ``role``,
        ``orders``, ``recency_days``, ``monetary``, ``total_spend``, ``p_alive``,
        ``churn_risk``, ``expected_purchases``, ``expected_order_value``, ``clv``, ``tier``,
        ``points_balance``, ``points_available``, ``held_out``, ``offers`` and
        ``propensities`` (lists, in slot order), ``variant:<experiment>`` for each experiment,
        ``decision`` (the full decision as JSON, the line ``offerwise score`` writes), and
        ``error_code``, ``error_path``, ``error_message`` for a customer whose decision failed
        (its other cells are null: one bad customer never loses the batch).
        """
        import pyarrow as pa

        out = self._engine.score_arrow(_arrow(orders), dict(columns or {}),
                                       _options(now, cart, context, time_zone_offset_minutes, {}), threads)
        return pa.table(out)

    def profile(self, orders: Any, now: Instant, columns: Optional[Mapping[str, str]] = None,
                time_zone_offset_minutes: int = 0, threads: int = 0) -> Any:
        """The history's part of :meth:`score`, without offers: features, segment and lifetime
        value for every customer of a table of orders (read as :meth:`score` reads it), as a
        ``pyarrow.Table`` of one row per customer in order of first appearance. The values are
        the decisions' own (the same Rust functions).

        Columns: ``customer_id``, ``segment_id``, ``segment``, ``role``, ``orders``,
        ``recency_days``, ``monetary``, ``total_spend``, ``p_alive``, ``churn_risk``,
        ``expected_purchases``, ``expected_order_value``, ``clv``, ``tenure_days`` and the
        error columns.
        """
        import pyarrow as pa

        options: dict = {"now": _instant(now)}
        if time_zone_offset_minutes:
            options["timeZoneOffsetMinutes"] = time_zone_offset_minutes
        out = self._engine.profile_arrow(_arrow(orders), dict(columns or {}), _json.dumps(options), threads)
        return pa.table(out)

    def decide_many(self, customers: Any, now: Instant, column: str = "customer",
                    cart: Optional[Mapping[str, Any]] = None, context: Optional[Mapping[str, Any]] = None,
                    time_zone_offset_minutes: int = 0, threads: int = 0, **options: Any) -> Any:
        """Decides for many customer documents at ``now`` on every core, as :meth:`decide`
        decides each: a ``pyarrow.Table`` with one row per document, in input order, with the
        columns of :meth:`score`.

        ``customers`` is an iterable of documents (dicts or JSON text), or Arrow data (a
        ``pyarrow.Table``, a polars or pandas ``DataFrame``) whose ``column`` holds each
        document as JSON text or as a struct (``pyarrow.Table.from_pylist`` or
        ``pyarrow.json.read_json`` of a JSON-lines file give structs). A document that cannot
        be read keeps its row, with its error.
        """
        import pyarrow as pa

        if _is_arrow(customers):
            data = _arrow(customers)
        else:
            texts = [_text(c, "customer") for c in customers]
            data = pa.table({column: pa.array(texts, type=pa.string())})
        out = self._engine.decide_documents(data, column,
                                            _options(now, cart, context, time_zone_offset_minutes, options), threads)
        return pa.table(out)


def _is_arrow(data: Any) -> bool:
    return (hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__")
            or hasattr(data, "__dataframe__") or type(data).__module__.startswith("pandas"))


def _arrow(data: Any) -> Any:
    """Arrow data for the engine: anything with ``__arrow_c_stream__`` as it is (pyarrow,
    polars, DuckDB: no copy), a record batch as a one-batch table, a pandas frame through
    pyarrow, any other dataframe through the interchange protocol."""
    import pyarrow as pa

    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if type(data).__module__.startswith("pandas"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if hasattr(data, "__arrow_c_stream__"):
        return data
    if hasattr(data, "__dataframe__"):
        return pa.interchange.from_dataframe(data)
    raise OfferwiseError(f"expected Arrow data (a pyarrow Table, a polars or pandas DataFrame), not {type(data).__name__}",
                         "options.invalid", "orders")


def _orders_bytes(orders: Union[bytes, str]) -> bytes:
    return orders.encode("utf-8") if isinstance(orders, str) else bytes(orders)


def train(orders: Any, now: Optional[Instant] = None, *, format: str = "csv", k: Optional[int] = None,
          k_range: Optional[tuple] = None, features: Optional[list] = None, seed: int = 42,
          n_init: int = 10, name: str = "model", source: Optional[str] = None, clv: bool = True,
          columns: Optional[Mapping[str, str]] = None, **options: Any) -> dict:
    """Trains a segmentation (linfa k-means, or a Gaussian mixture with
    ``algorithm="gmm"``) and the lifetime-value model, as ``offerwise train`` and the data
    wasm's ``train()``: the model as a dict, ready for :class:`Engine`.

    ``orders`` is a transaction file's contents (CSV with a header, or CDNOW text with
    ``format="cdnow"``; bytes or text) or orders in long form as Arrow (read as
    :meth:`Engine.score` reads them; ``columns`` names the columns). Without ``now``: the start
    (UTC) of the day after the last order. Other options in their JSON spelling:
    ``delimiter``, ``skipBadRows``, ``asOf``, ``algorithm``, ``transform``, ``maxIter``,
    ``tolerance``, ``clvTimeUnit``, ``clvPenalizer``, ``clvModel``.
    """
    opts: dict = {"seed": seed, "nInit": n_init, "name": name, "clv": clv, **options}
    if now is not None:
        opts["now"] = _instant(now)
    if k is not None:
        opts["k"] = k
    if k_range is not None:
        opts["kRange"] = list(k_range)
    if features is not None:
        opts["features"] = list(features)
    if source is not None:
        opts["source"] = source
    if isinstance(orders, (bytes, bytearray, memoryview, str)):
        opts["format"] = format
        return _offerwise.train(_orders_bytes(orders), _json.dumps(opts))
    opts.setdefault("source", "orders (arrow)")
    return _offerwise.train_arrow(_arrow(orders), dict(columns or {}), _json.dumps(opts))


def fit_clv(orders: Any, calibration_end: Instant, holdout_end: Optional[Instant] = None, *,
            time_unit: str = "weeks", penalizer: float = 0.0, model: str = "auto",
            columns: Optional[Mapping[str, str]] = None, format: str = "csv",
            delimiter: Optional[str] = None) -> dict:
    """Fits the purchase and spend models on the orders up to ``calibration_end``, as
    ``offerwise clv --json`` (without its ``fitSeconds``): ``model`` alone (``bgnbd``,
    ``mbgnbd``, ``pareto-nbd``); with ``model="auto"`` and ``holdout_end`` all three, compared
    on the purchases in ``(calibration_end, holdout_end]`` (``bestByHoldout``); with
    ``"auto"`` alone, the one ``train`` chooses. ``orders`` as for :func:`train`: Arrow
    (``columns``), or a transaction file's contents (``format``, ``delimiter``).
    """
    opts: dict = {"calibrationEnd": _instant(calibration_end), "timeUnit": time_unit, "penalizer": penalizer, "model": model}
    if holdout_end is not None:
        opts["holdoutEnd"] = _instant(holdout_end)
    if isinstance(orders, (bytes, bytearray, memoryview, str)):
        return _offerwise.fit_clv_file(_orders_bytes(orders), format, delimiter, _json.dumps(opts))
    return _offerwise.fit_clv(_arrow(orders), dict(columns or {}), _json.dumps(opts))


def effectiveness(orders: Union[bytes, str], *, engine: Optional["Engine"] = None, format: str = "csv",
                  delimiter: Optional[str] = None, members: Optional[str] = None, segments: Optional[str] = None,
                  ledger: Optional[str] = None, decisions: Optional[str] = None, outcomes: Optional[str] = None,
                  surveys: Optional[str] = None, **options: Any) -> dict:
    """Does the programme pay, as ``offerwise effectiveness`` and the dashboard's programme
    page: from the orders (a transaction file's contents) and, as text, the members
    (``customer_id,enrolled_at`` CSV), segments, loyalty ledger (JSON Lines), decision log and
    outcome events, and survey answers. Options in their JSON spelling (``now``,
    ``holdoutShare``, ``windowDays``, ``margin``, ...). Returns ``{"effectiveness": ...,
    "report": <the HTML report>, "now", "customers", "orderlessMembers"}``.
    """
    files = {"format": format}
    for key, value in (("delimiter", delimiter), ("members", members), ("segments", segments), ("ledger", ledger),
                       ("decisions", decisions), ("outcomes", outcomes), ("surveys", surveys)):
        if value is not None:
            files[key] = value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else value
    if "now" in options:
        options["now"] = _instant(options["now"])
    e = engine if engine is not None else Engine()
    return _offerwise.effectiveness(e._engine, _orders_bytes(orders), files, _json.dumps(options))


def analyze(units: Union[bytes, str], control: str, metrics: list, **options: Any) -> dict:
    """Analyses an experiment's unit CSV, as ``offerwise analyze --units``: each variant
    against ``control`` for each metric (tests, intervals, Holm and BH, the sample-ratio check,
    Bayesian, always-valid and CUPED read-outs). Other options in their JSON spelling
    (``variantColumn``, ``covariates``, ``alpha``, ``timeColumn``, ...).
    """
    data = units.encode("utf-8") if isinstance(units, str) else bytes(units)
    return _offerwise.analyze(data, _json.dumps({"control": control, "metrics": list(metrics), **options}))


def _json_text(doc: Any, what: str) -> str:
    if isinstance(doc, bytes):
        return doc.decode("utf-8")
    if isinstance(doc, str):
        return doc
    if isinstance(doc, Mapping):
        return _json.dumps(doc)
    raise OfferwiseError(f"{what} is a dict or JSON text, not {type(doc).__name__}", "options.invalid", what)


def keygen(kid: Optional[str] = None) -> dict:
    """A new Ed25519 key for offer tokens, as ``offerwise keygen`` makes it: ``{"private": jwk,
    "public": jwk}`` (JSON Web Keys; the key id defaults to the key's RFC 7638 thumbprint). Keep
    the private half secret: it signs what checkouts honour."""
    private, public = _offerwise.keygen(kid)
    return {"private": _json.loads(private), "public": _json.loads(public)}


def sign_decision(decision: Document, signing_key: Document, ttl_seconds: int = 86_400) -> dict:
    """The decision (a dict from :meth:`Engine.decide`, or its JSON) with a ``token`` in each
    offer, signed with the private key: the tokens ``offerwise decide --signing-key`` and the
    edge worker make for the same decision, byte for byte."""
    out = _offerwise.sign_decision(_json_text(decision, "decision"), _json_text(signing_key, "signing_key"), ttl_seconds)
    return _json.loads(out)


def verify_token(token: str, keys: Document, customer: str, now: Optional[Instant] = None, offer: Optional[str] = None,
                 value: Optional[float] = None, leeway_seconds: int = 60) -> dict:
    """Checks an offer token at checkout, as ``offerwise verify-token``: the signature under one
    of ``keys`` (a public JWK or a key set ``{"keys": [...]}``), expiry (``now``: default the
    clock), the customer, and optionally the offer and the value applied (at most the
    token's). Returns the claims; raises :class:`OfferwiseError` with the reason's ``code``
    (``token.expired``, ``token.signature``, ...) and ``path`` when the offer must not be
    honoured. Make it single-use by keeping the claims' ``jti`` (a redemption store)."""
    import time as _time

    options = {"now": int(_time.time() * 1000) if now is None else _instant(now)}
    return _json.loads(_offerwise.verify_token(token, _json_text(keys, "keys"), customer, _json.dumps(options), offer,
                                               value, leeway_seconds))


def _bytes(doc: Union[str, bytes], what: str) -> bytes:
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, str):
        return doc.encode("utf-8")
    raise OfferwiseError(f"{what} is text or bytes (the file's exact contents), not {type(doc).__name__}", "options.invalid", what)


def sign_document(document: Union[str, bytes], signing_key: Document) -> str:
    """A detached signature of a model, programme or policy file's exact contents: what
    ``offerwise sign`` writes as ``FILE.sig``."""
    return _offerwise.sign_document(_bytes(document, "document"), _json_text(signing_key, "signing_key"))


def verify_document(document: Union[str, bytes], signature: str, keys: Document) -> str:
    """Checks a document's detached signature under one of ``keys`` (a public JWK or a key set)
    and returns the id of the key that made it; raises :class:`OfferwiseError`
    (``document.signature``, ``document.unknown_key``, ...) otherwise. Load a model or programme
    into an :class:`Engine` only after this succeeds."""
    return _offerwise.verify_document(_bytes(document, "document"), signature, _json_text(keys, "keys"))
