#!/usr/bin/env python3
"""Python counterpart of `examples/clv_bench.rs`: lifetimes 0.11.3 on all CDNOW customers.

    python3 scripts/clv_bench.py [path/to/CDNOW_master.txt]

Weeks, calibration end 1997-09-30. Times the summary, the BG/NBD fit and the Gamma-Gamma
fit (5 runs each, median and min) and the per-customer prediction cost (vectorised over all
customers, as lifetimes is meant to be used). lifetimes' GammaGammaFitter rejects repeat
buyers whose mean spend is 0 (one such customer in CDNOW_master), so they are filtered out,
as the Rust fit does.
"""

import os
import statistics
import sys
import time
import warnings

warnings.simplefilter("ignore")

import pandas as pd  # noqa: E402
from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "data", "cdnow", "CDNOW_master.txt")
RUNS = 5


def timed(fn):
    times, out = [], None
    for _ in range(RUNS):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times), min(times)


t = time.perf_counter()
tx = pd.read_csv(PATH, sep=r"\s+", dtype={"customer_id": str, "date": str})
tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
t_read = time.perf_counter() - t


def summary():
    s = summary_data_from_transaction_data(tx, "customer_id", "date", monetary_value_col="dollar_value",
                                           observation_period_end="1997-09-30", freq="D")
    s["recency"] /= 7.0
    s["T"] /= 7.0
    return s


s, sum_med, sum_min = timed(summary)
bgf, bg_med, bg_min = timed(lambda: BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]))
rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
ggf, gg_med, gg_min = timed(lambda: GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"]))


def predict():
    pa = bgf.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    ep = bgf.conditional_expected_number_of_purchases_up_to_time(39.0, s["frequency"], s["recency"], s["T"])
    clv = ggf.customer_lifetime_value(bgf, s["frequency"], s["recency"], s["T"], s["monetary_value"],
                                      time=12, discount_rate=0.01, freq="W")
    return pa, ep, clv


_, pr_med, pr_min = timed(predict)
n = len(s)
print(f"CDNOW master: {n} customers, {int((s['frequency'] > 0).sum())} repeat buyers "
      f"({len(rep)} with positive spend)")
print(f"read {t_read * 1e3:.1f} ms; summary median {sum_med * 1e3:.1f} ms (min {sum_min * 1e3:.1f})")
print(f"fit BG/NBD median {bg_med * 1e3:.1f} ms (min {bg_min * 1e3:.1f}); "
      f"Gamma-Gamma median {gg_med * 1e3:.1f} ms (min {gg_min * 1e3:.1f}); "
      f"total median {(bg_med + gg_med) * 1e3:.1f} ms")
print("  BG/NBD", dict(bgf.params_), "Gamma-Gamma", dict(ggf.params_))
print(f"predict (vectorised p_alive + E[39 w] + 12-month CLV): median {pr_med * 1e3:.1f} ms "
      f"= {pr_med / n * 1e9:.0f} ns/customer")
