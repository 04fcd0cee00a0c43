"""The Python package decides as the CLI does: the same decisions, value for value and byte for
byte, the same errors, and Arrow in and out."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import offerwise
from conftest import CDNOW, NOW, ROOT, SAMPLE, cdnow_columns, cli, load_jsonl


def test_decide_equals_the_cli_for_1000_cdnow_customers(engine, cli_decisions):
    customers = load_jsonl(cli("customers", "--orders", str(CDNOW), "--format", "cdnow", "--limit", "1000", "--out", "-"))
    assert len(customers) == 1000
    by_id = {json.loads(line)["customerId"]: line for line in cli_decisions[:1200]}
    for c in customers:
        want = by_id[c["id"]]
        assert engine.decide(c, now=NOW) == json.loads(want), c["id"]
        # The JSON text itself: the line the CLI writes.
        assert engine.decide_json(c, now=NOW) == want, c["id"]


def test_documents_as_dicts_text_or_bytes_and_now_as_date_datetime_or_ms(engine):
    customer = json.loads((ROOT / "www" / "example-customer.json").read_text())
    want = engine.decide(customer, now="1998-07-01T00:00:00Z")
    text = json.dumps(customer)
    assert engine.decide(text, now=dt.date(1998, 7, 1)) == want
    assert engine.decide(text.encode(), now=dt.datetime(1998, 7, 1, tzinfo=dt.timezone.utc)) == want
    assert engine.decide(customer, now=899251200000) == want
    cart = {"items": [{"sku": "box", "price": 89.0, "qty": 1, "category": "rock"}]}
    quoted = engine.decide(customer, now=NOW, cart=cart, context={"page": "cart"})
    assert quoted["loyalty"]["quote"] is not None
    cart_file = ROOT / "pkg-tests" / ".work" / "python-cart.json"
    cart_file.parent.mkdir(parents=True, exist_ok=True)
    cart_file.write_text(json.dumps(cart))
    expected = json.loads(cli("decide", "--customer", "www/example-customer.json", "--now", NOW,
                              "--cart", str(cart_file), "--context", json.dumps({"page": "cart"})))
    assert quoted == expected


def test_errors_carry_the_code_and_path_of_every_other_build(engine):
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.decide({"id": "c1", "orders": [{"at": "soon", "amount": 1}]}, now=NOW)
    assert (e.value.code, e.value.path) == ("customer.invalid", "orders[0].at")
    assert "orders[0].at" in str(e.value)
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.decide({"id": "c1", "orders": [], "oders": []}, now=NOW)
    assert e.value.code == "customer.invalid" and "oders" in e.value.path
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.decide({"id": "c1", "orders": []}, now="yesterday")
    assert (e.value.code, e.value.path) == ("options.invalid", "now")
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.decide({"id": "c1", "orders": []}, now=dt.datetime(1998, 7, 1))
    assert (e.value.code, e.value.path) == ("options.invalid", "now")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.Engine(model={"formatVersion": 1})
    assert e.value.code.startswith("model.")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.Engine(program="{not json")
    assert e.value.code == "program.syntax"
    # An OfferwiseError is a ValueError, and survives pickling (Spark ships it between processes).
    import pickle

    err = pickle.loads(pickle.dumps(e.value))
    assert isinstance(err, ValueError) and (err.code, err.path) == (e.value.code, e.value.path)
    # The engine keeps deciding after any error.
    assert engine.decide({"id": "c1", "orders": []}, now=NOW)["customerId"] == "c1"


def test_score_arrow_gives_the_cli_score_lines_for_every_cdnow_customer(engine, cdnow_table, cli_decisions):
    out = engine.score(cdnow_table, now=NOW)
    assert out.num_rows == len(cli_decisions) == 23570
    assert out.column("decision").to_pylist() == cli_decisions
    assert out.column("error_code").null_count == out.num_rows
    first = json.loads(cli_decisions[0])
    row = out.slice(0, 1).to_pylist()[0]
    assert row["customer_id"] == first["customerId"]
    assert row["segment"] == first["segment"]["name"] and row["segment_id"] == first["segment"]["id"]
    assert row["p_alive"] == first["clv"]["pAlive"] and row["clv"] == first["clv"]["clv"]
    assert row["offers"] == [o["id"] for o in first["offers"]]
    assert row["propensities"] == [o["propensity"] for o in first["offers"]]
    assert row["tier"] == first["loyalty"]["tier"]["id"]
    assert row["points_balance"] == first["loyalty"]["ledger"]["balance"]
    for x in first["experiments"]:
        assert row[f"variant:{x['key']}"] == x["variant"]
    # One thread or two: the same table.
    part = cdnow_table.slice(0, 3000)
    assert engine.score(part, now=NOW, threads=1).equals(engine.score(part, now=NOW, threads=2))


def test_pandas_and_polars_frames_score_as_the_arrow_table(engine, cdnow_table):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    small = cdnow_table.slice(0, 5000)
    want = engine.score(small, now=NOW).column("decision").to_pylist()
    assert engine.score(small.to_pandas(), now=NOW).column("decision").to_pylist() == want
    assert engine.score(pl.from_arrow(small), now=NOW).column("decision").to_pylist() == want
    assert engine.score(small.to_batches()[0], now=NOW).num_rows > 0
    # Typed columns: timestamps and dates read as the same instants as the text.
    import pyarrow as pa
    import pyarrow.compute as pc

    typed = small.set_column(1, "date", pc.strptime(small.column("date"), format="%Y%m%d", unit="s"))
    assert engine.score(typed, now=NOW).column("decision").to_pylist() == want
    dates = small.set_column(1, "date", pc.cast(typed.column("date"), pa.date32()))
    assert engine.score(dates, now=NOW).column("decision").to_pylist() == want
    # And the result goes back to pandas as any Arrow table does.
    frame = engine.score(small, now=NOW).to_pandas()
    assert list(frame.columns[:4]) == ["customer_id", "segment_id", "segment", "role"]


def test_score_names_a_bad_column_or_cell_and_keeps_a_bad_customer_in_its_row(engine):
    pa = pytest.importorskip("pyarrow")
    good = {"customer_id": ["a", "a", "b"], "date": ["1998-01-01", "1998-03-01", "1998-02-01"], "amount": [10.0, 20.0, 5.0]}
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.score(pa.table({**good, "amount": ["10", "20", "5"]}), now=NOW)
    assert (e.value.code, e.value.path) == ("orders.invalid", "amount")
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.score(pa.table({**good, "amount": [10.0, -1.0, 5.0]}), now=NOW)
    assert (e.value.code, e.value.path) == ("orders.invalid", "amount[1]")
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.score(pa.table({**good, "date": ["1998-01-01", "someday", "1998-02-01"]}), now=NOW)
    assert (e.value.code, e.value.path) == ("orders.invalid", "date[1]")
    # Rows are read in pieces on every core; the error is still the first bad row's.
    n = 50_000
    rows = {"customer_id": [f"c{i // 3}" for i in range(n)], "date": ["1998-01-01"] * n, "amount": [1.0] * n}
    rows["date"][40_000] = "someday"
    rows["amount"][45_000] = -1.0
    for threads in (1, 2):
        with pytest.raises(offerwise.OfferwiseError) as e:
            engine.profile(pa.table(rows), now=NOW, threads=threads)
        assert (e.value.code, e.value.path) == ("orders.invalid", "date[40000]")
    rows["amount"][20_001] = -1.0
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.score(pa.table(rows), now=NOW)
    assert (e.value.code, e.value.path) == ("orders.invalid", "amount[20001]")
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.score(pa.table({"who": ["a"], "date": ["1998-01-01"], "amount": [1.0]}), now=NOW)
    assert e.value.code == "orders.invalid" and "customer_id" in str(e.value)
    out = engine.score(pa.table({"who": ["a"], "date": ["1998-01-01"], "amount": [1.0]}), now=NOW, columns={"customer_id": "who"})
    assert out.column("customer_id").to_pylist() == ["a"]
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.score(pa.table(good), now=NOW, columns={"customer": "who"})
    assert (e.value.code, e.value.path) == ("options.invalid", "columns.customer")
    # An order after now fails its customer only: the error is in its row, the others decide.
    out = engine.score(pa.table({**good, "date": ["1998-01-01", "1998-03-01", "1998-09-01"]}), now=NOW).to_pylist()
    assert out[0]["error_code"] is None and out[0]["decision"] is not None
    assert out[1]["customer_id"] == "b" and out[1]["error_code"] == "customer.invalid" and out[1]["error_path"] == "orders[0].at"
    assert out[1]["decision"] is None and out[1]["segment"] is None


def test_train_gives_the_cli_model(tmp_path):
    model = offerwise.train(SAMPLE.read_bytes(), now=NOW, format="cdnow", k_range=(3, 5), seed=7, clv=False,
                            name="sample", source="CDNOW_sample.txt (cdnow)")
    out = tmp_path / "m.json"
    cli("train", "--orders", str(SAMPLE), "--format", "cdnow", "--k-range", "3..5", "--now", NOW, "--seed", "7",
        "--no-clv", "--name", "sample", "--out", str(out))
    want = json.loads(out.read_text())
    assert model["version"] == want["version"]
    assert model["training"]["clusterSizes"] == want["training"]["clusterSizes"]
    assert model == want
    assert offerwise.Engine(model=model, program=(ROOT / "models" / "default-program.json").read_text()).model_version == want["version"]
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.train(b"customer_id,date,amount\na,2024-01-05,1\n", now="2024-02-01", k=4, clv=False)
    assert e.value.code == "train.failed"


def test_analyze_gives_the_cli_analysis():
    units = (ROOT / "tests" / "vectors" / "units.csv").read_bytes()
    a = offerwise.analyze(units, control="control", metrics=["converted", "revenue"], covariates={"revenue": "pre_revenue"})
    want = json.loads(cli("analyze", "--units", "tests/vectors/units.csv", "--control", "control", "--metric", "converted",
                          "--metric", "revenue", "--covariate", "revenue=pre_revenue", "--json", "-"))
    assert a == want
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.analyze(units, control="control", metrics=["nosuch"])
    assert (e.value.code, e.value.path) == ("analysis.unknown_column", "units") and "nosuch" in str(e.value)


def test_profile_is_the_history_part_of_the_decisions(engine, cdnow_table, cli_decisions):
    prof = engine.profile(cdnow_table, now=NOW)
    assert prof.num_rows == 23570 and prof.column("error_code").null_count == prof.num_rows
    rows = prof.to_pylist()
    for row, line in zip(rows, cli_decisions):
        d = json.loads(line)
        assert row["customer_id"] == d["customerId"]
        assert (row["segment_id"], row["segment"], row["role"]) == (d["segment"]["id"], d["segment"]["name"], d["segment"]["role"])
        f, clv = d["features"], d["clv"]
        assert (row["orders"], row["recency_days"], row["monetary"], row["total_spend"], row["tenure_days"]) == (
            f["frequency"], f["recencyDays"], f["monetary"], f["totalSpend"], f["tenureDays"])
        assert (row["p_alive"], row["churn_risk"], row["expected_purchases"], row["expected_order_value"], row["clv"]) == (
            clv["pAlive"], clv["churnRisk"], clv["expectedPurchases"], clv["expectedOrderValue"], clv["clv"])
    # The decisions' table carries the same columns, value for value.
    scored = engine.score(cdnow_table.slice(0, 4000), now=NOW)
    part = engine.profile(cdnow_table.slice(0, 4000), now=NOW, threads=1)
    for name in ("customer_id", "segment_id", "orders", "recency_days", "p_alive", "expected_order_value", "clv"):
        assert scored.column(name).to_pylist() == part.column(name).to_pylist(), name
    # A bad customer keeps its row with its error; the others are profiled.
    pa = pytest.importorskip("pyarrow")
    bad = engine.profile(pa.table({"customer_id": ["a", "b"], "date": ["1998-01-01", "1998-09-01"], "amount": [10.0, 5.0]}), now=NOW).to_pylist()
    assert bad[0]["error_code"] is None and bad[0]["segment"] is not None
    assert (bad[1]["error_code"], bad[1]["error_path"], bad[1]["clv"]) == ("customer.invalid", "orders[0].at", None)


def test_decide_many_takes_documents_as_dicts_text_or_arrow_structs(engine):
    pa = pytest.importorskip("pyarrow")
    customers = load_jsonl(cli("customers", "--orders", str(CDNOW), "--format", "cdnow", "--limit", "1500", "--out", "-"))
    want = [engine.decide_json(c, now=NOW) for c in customers]
    got = engine.decide_many(customers, now=NOW)
    assert got.num_rows == 1500 and got.column("decision").to_pylist() == want
    assert got.column("customer_id").to_pylist() == [c["id"] for c in customers]
    as_text = pa.table({"doc": [json.dumps(c) for c in customers]})
    assert engine.decide_many(as_text, now=NOW, column="doc").column("decision").to_pylist() == want
    # Structs, as pyarrow makes them from dicts (and from a JSON-lines file).
    structs = pa.Table.from_pylist([{"customer": c} for c in customers])
    assert engine.decide_many(structs, now=NOW).column("decision").to_pylist() == want
    # The example document, with its loyalty account, as a struct and with a cart.
    example = json.loads((ROOT / "www" / "example-customer.json").read_text())
    cart = {"items": [{"sku": "box", "price": 89.0, "qty": 1, "category": "rock"}]}
    one = engine.decide_many(pa.Table.from_pylist([{"customer": example}]), now=NOW, cart=cart)
    assert json.loads(one.column("decision")[0].as_py()) == engine.decide(example, now=NOW, cart=cart)
    # A document that cannot be read keeps its row, with the path of the problem.
    mixed = engine.decide_many([customers[0], {"id": "x", "orders": [{"at": "soon", "amount": 1}]}, "{not json"], now=NOW).to_pylist()
    assert mixed[0]["decision"] == want[0]
    assert (mixed[1]["customer_id"], mixed[1]["error_code"], mixed[1]["error_path"]) == ("x", "customer.invalid", "orders[0].at")
    assert mixed[2]["customer_id"] is None and mixed[2]["error_code"] == "customer.syntax"
    with pytest.raises(offerwise.OfferwiseError) as e:
        engine.decide_many(as_text, now=NOW, column="nosuch")
    assert (e.value.code, e.value.path) == ("options.invalid", "column")


def test_train_from_arrow_equals_train_from_the_file(cdnow_table):
    sample = SAMPLE.read_bytes()
    from_file = offerwise.train(sample, now=NOW, format="cdnow", k=4, seed=3, clv=False, source="s")
    pa = pytest.importorskip("pyarrow")
    from conftest import cdnow_columns

    table = pa.table(cdnow_columns(SAMPLE))
    from_arrow = offerwise.train(table, now=NOW, k=4, seed=3, clv=False, source="s")
    assert from_arrow == from_file
    # Options in their JSON spelling reach the trainer; bad ones are named.
    gmm = offerwise.train(table, now=NOW, k=3, clv=False, algorithm="gmm")
    assert gmm["algorithm"] == "gmm"
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.train(table, now=NOW, k=3, k_range=(3, 5))
    assert (e.value.code, e.value.path) == ("options.invalid", "kRange")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.train(table, now=NOW, clvModel="magic")
    assert (e.value.code, e.value.path) == ("options.invalid", "clvModel")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.train(table, now=NOW, kk=3)
    assert e.value.code == "options.invalid" and "kk" in e.value.path


def test_fit_clv_gives_the_cli_comparison(cdnow_table):
    want = json.loads(cli("clv", "--orders", str(CDNOW), "--format", "cdnow", "--calibration-end", "1997-09-30",
                          "--holdout-end", "1998-06-30", "--json"))
    want.pop("fitSeconds")
    got = offerwise.fit_clv(cdnow_table, calibration_end="1997-09-30", holdout_end="1998-06-30")
    assert got == want
    assert got["bestByHoldout"] in ("bgnbd", "mbgnbd", "pareto-nbd") and len(got["models"]) == 3
    one = offerwise.fit_clv(CDNOW.read_bytes(), calibration_end="1997-09-30", model="bgnbd", format="cdnow")
    want = json.loads(cli("clv", "--orders", str(CDNOW), "--format", "cdnow", "--calibration-end", "1997-09-30",
                          "--model", "bgnbd", "--json"))
    want.pop("fitSeconds")
    assert one == want
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.fit_clv(cdnow_table, calibration_end="1997-09-30", model="magic")
    assert (e.value.code, e.value.path) == ("options.invalid", "model")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.fit_clv(b"customer_id,date,amount\na,2024-01-05,1\nb,2024-01-06,2\n", calibration_end="2024-02-01", model="bgnbd")
    assert e.value.code == "clv.no_repeat_buyers"


def test_effectiveness_gives_the_cli_analysis_and_report(tmp_path):
    out = tmp_path / "programme"
    cli("simulate-programme", "--orders", str(CDNOW), "--format", "cdnow", "--out", str(out))
    cli("effectiveness", "--orders", str(out / "orders.csv"), "--members", str(out / "members.csv"),
        "--ledger", str(out / "ledger.jsonl"), "--decisions", str(out / "decisions.jsonl"),
        "--outcomes", str(out / "outcomes.jsonl"), "--holdout-share", "0.1", "--now", NOW,
        "--json", str(tmp_path / "e.json"), "--html", str(tmp_path / "e.html"))
    read = lambda name: (out / name).read_text()
    r = offerwise.effectiveness((out / "orders.csv").read_bytes(), members=read("members.csv"), ledger=read("ledger.jsonl"),
                                decisions=read("decisions.jsonl"), outcomes=read("outcomes.jsonl"), holdoutShare=0.1)
    assert r["now"] == "1998-07-01T00:00:00Z" and r["customers"] == 23570 and r["orderlessMembers"] == []
    assert r["effectiveness"] == json.loads((tmp_path / "e.json").read_text())
    assert r["report"] == (tmp_path / "e.html").read_text()
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.effectiveness((out / "orders.csv").read_bytes(), members="customer_id,enrolled_at\n00004,someday\n", now=NOW)
    assert (e.value.code, e.value.path) == ("input.invalid", "members:2.enrolled_at")
    with pytest.raises(offerwise.OfferwiseError) as e:
        offerwise.effectiveness((out / "orders.csv").read_bytes(), now=NOW, windowDay=3)
    assert e.value.code == "options.invalid" and "windowDay" in e.value.path
