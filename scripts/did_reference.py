#!/usr/bin/env python3
"""Reference vectors for matched difference-in-differences (`analysis::did`) and clustered OLS
(`stats::ols`): an independent implementation in numpy, with the regression by statsmodels.

    python3 scripts/did_reference.py > tests/vectors/did.json

Needs numpy, scipy, statsmodels and mpmath (tested with numpy 1.24.4, scipy 1.10.1, statsmodels 0.14.1
on Python 3.11; see scripts/requirements-reference.txt). Seeded: the same libraries give the
same file. `tests/did_vectors.rs` requires 1e-9 relative agreement.

Cases:
* `ols`: y, X, groups -> statsmodels `OLS(y, X).fit(cov_type="cluster",
  cov_kwds={"groups": g}, use_t=True)`: params, bse, p-values, 95% intervals;
* `did`: customers' order histories with enrolment dates (staggered, in segments, some too
  late for their window, one without history, non-members who enrol later) and the options ->
  the design as the module docs state it: risk-set nearest-neighbour matching on standardised
  covariates (written here in numpy, brute force), the balance table, the regression on the
  stacked windows (statsmodels, clustered by customer), the stratified naive comparison, the
  event-time plot and the placebo.
"""

import json
import math
import sys
import warnings

import mpmath as mp
import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats as st

warnings.simplefilter("ignore")
rng = np.random.default_rng(20261130)
DAY = 86_400_000
mp.mp.dps = 40


def t_ppf(p, df):
    """Student's t quantile from mpmath at 40 digits (as scripts/stats_reference.py: scipy's
    t.ppf is accurate to about 1e-9 only)."""
    df_m = mp.mpf(df)

    def cdf(t):
        x = df_m / (df_m + t * t)
        tail = mp.betainc(df_m / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        return tail if t < 0 else 1 - tail

    return float(mp.findroot(lambda t: cdf(t) - mp.mpf(p), mp.mpf(float(st.t.ppf(p, df)))))


def conf_int(fit):
    """statsmodels' 95% intervals with mpmath's quantile (checked against conf_int to 1e-8)."""
    q = t_ppf(0.975, fit.df_resid_inference)
    ci = np.column_stack([fit.params - q * fit.bse, fit.params + q * fit.bse])
    assert np.allclose(ci, fit.conf_int(0.05), rtol=1e-8, atol=1e-8 * np.abs(fit.bse).max()), (ci, fit.conf_int(0.05))
    return ci


def ols_case(n_clusters, k, sizes):
    g = np.repeat(np.arange(n_clusters), rng.integers(1, sizes + 1, n_clusters))
    n = len(g)
    X = np.column_stack([np.ones(n)] + [rng.normal(size=n) for _ in range(k - 1)])
    u = rng.normal(size=n_clusters)[g] + rng.standard_t(4, size=n)
    beta = rng.normal(size=k)
    y = X @ beta + u
    fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)
    ci = conf_int(fit)
    return {
        "kind": "ols",
        "x": X.tolist(),
        "y": y.tolist(),
        "groups": g.tolist(),
        "params": fit.params.tolist(),
        "bse": fit.bse.tolist(),
        "pValues": fit.pvalues.tolist(),
        "ci": ci.tolist(),
        "df": float(fit.df_resid_inference),
    }


class Hist:
    def __init__(self, orders):
        o = sorted(orders, key=lambda x: (x[0], x[1]))
        self.t = np.array([x[0] for x in o], dtype=np.int64)
        self.a = np.array([x[1] for x in o], dtype=float)

    def window(self, lo, hi):
        m = (self.t >= lo) & (self.t < hi)
        return float(m.sum()), float(self.a[m].sum())

    def value(self, metric, lo, hi):
        n, r = self.window(lo, hi)
        return r if metric == "revenue" else n

    def cov(self, t, w):
        m = self.t < t
        k = int(m.sum())
        if k == 0:
            return None
        wn, wr = self.window(t - w, t)
        return [
            float(k),
            float(self.a[m].sum()),
            (t - self.t[k - 1]) / DAY,
            (t - self.t[0]) / DAY,
            wn,
            wr,
        ]


def transform(c):
    return [math.log1p(c[0]), math.log1p(c[1]), c[2], c[3], math.log1p(c[4]), math.log1p(c[5])]


def smd_rows(before_m, before_c, after_m, after_c):
    names = ["orders", "revenue", "recencyDays", "tenureDays", "windowOrders", "windowRevenue"]
    rows = []
    bm, bc = np.array(before_m), np.array(before_c)
    am, ac = np.array(after_m), np.array(after_c)
    for k, name in enumerate(names):
        s = math.sqrt((bm[:, k].var(ddof=1) + bc[:, k].var(ddof=1)) / 2)
        rows.append(
            {
                "covariate": name,
                "members": bm[:, k].mean(),
                "nonMembers": bc[:, k].mean(),
                "matched": ac[:, k].mean(),
                "smdBefore": (bm[:, k].mean() - bc[:, k].mean()) / s,
                "smdAfter": (am[:, k].mean() - ac[:, k].mean()) / s,
            }
        )
    return rows


def regression(hists, pairs, metric, window, shift):
    rows, y, g = [], [], []
    for (i, c, day) in pairs:
        start = day - shift
        for who, tr in ((i, 1.0), (c, 0.0)):
            pre = hists[who].value(metric, start - window, start)
            post = hists[who].value(metric, start, start + window)
            for p, v in ((0.0, pre), (1.0, post)):
                rows.append([1.0, tr, p, tr * p])
                y.append(v)
                g.append(who)
    fit = sm.OLS(np.array(y), np.array(rows)).fit(
        cov_type="cluster", cov_kwds={"groups": np.array(g)}, use_t=True
    )
    ci = conf_int(fit)[3]
    return {
        "effect": fit.params[3],
        "se": fit.bse[3],
        "ci": [ci[0], ci[1]],
        "pValue": fit.pvalues[3],
        "clusters": len(set(g)),
    }


def did_case(customers, opts):
    hists = [Hist(c["orders"]) for c in customers]
    W = opts["windowDays"] * DAY
    now = opts["now"]
    metric = opts["metric"]
    caliper = opts.get("caliper")
    buckets = {}
    no_history = incomplete = 0
    for i, c in enumerate(customers):
        e = c["enrolledAt"]
        if e is None:
            continue
        day = (e // DAY) * DAY
        if day + W > now:
            incomplete += 1
            continue
        if hists[i].cov(day, W) is None:
            no_history += 1
            continue
        buckets.setdefault((day, c["segment"] or ""), []).append(i)
    pairs, unmatched = [], 0
    before_m, before_c = [], []
    naive = {}
    for (day, seg) in sorted(buckets):
        members = buckets[(day, seg)]
        cands = []
        for j, c in enumerate(customers):
            if (c["segment"] or "") != seg:
                continue
            if c["enrolledAt"] is not None and c["enrolledAt"] < day + W:
                continue
            x = hists[j].cov(day, W)
            if x is not None:
                cands.append((j, x))
        mem = [(i, hists[i].cov(day, W)) for i in members]
        nm, nc = naive.setdefault(day, ([], []))
        for i, x in mem:
            nm.append(hists[i].value(metric, day, day + W))
            before_m.append(x)
        for j, x in cands:
            nc.append(hists[j].value(metric, day, day + W))
            before_c.append(x)
        if not cands:
            unmatched += len(mem)
            continue
        T = np.array([transform(x) for _, x in mem] + [transform(x) for _, x in cands])
        sd = T.std(axis=0, ddof=1)
        inv = np.where(sd > 0, 1.0 / np.where(sd > 0, sd, 1.0), 0.0)
        Zc = np.array([transform(x) for _, x in cands]) * inv
        for i, x in mem:
            zm = np.array(transform(x)) * inv
            d = np.zeros(len(cands))
            for k in range(6):
                d = d + (Zc[:, k] - zm[k]) ** 2
            best = int(np.argmin(d))
            dist = math.sqrt(d[best])
            if caliper is not None and dist > caliper:
                unmatched += 1
                continue
            pairs.append((i, cands[best][0], day, dist))
    eff = regression(hists, [(i, c, d) for i, c, d, _ in pairs], metric, W, 0)
    after_m = [hists[i].cov(d, W) for i, c, d, _ in pairs]
    after_c = [hists[c].cov(d, W) for i, c, d, _ in pairs]
    balance = smd_rows(before_m, before_c, after_m, after_c)
    total = sum(len(m) for m, _ in naive.values())
    ne = nv = 0.0
    for m, c in naive.values():
        if not m or not c:
            continue
        w = len(m) / total
        m, c = np.array(m), np.array(c)
        vm = m.var(ddof=1) if len(m) > 1 else 0.0
        vc = c.var(ddof=1) if len(c) > 1 else 0.0
        ne += w * (m.mean() - c.mean())
        nv += w * w * (vm / len(m) + vc / len(c))
    q = st.norm.ppf(0.975)
    nse = math.sqrt(nv)
    naive_out = {
        "effect": ne,
        "se": nse,
        "ci": [ne - q * nse, ne + q * nse],
        "pValue": 2 * st.norm.sf(abs(ne / nse)),
    }
    B = opts["binDays"] * DAY
    events = []
    for k in range(-opts["bins"], opts["bins"]):
        vals = []
        for i, c, day, _ in pairs:
            if day + (k + 1) * B > now:
                continue

            def diff(kk):
                lo, hi = day + kk * B, day + (kk + 1) * B
                return hists[i].value(metric, lo, hi) - hists[c].value(metric, lo, hi)

            vals.append(diff(k) - diff(-1))
        if not vals:
            continue
        v = np.array(vals)
        se = math.sqrt(v.var(ddof=1) / len(v)) if len(v) > 1 else 0.0
        events.append(
            {
                "period": k,
                "effect": v.mean(),
                "ci": [v.mean() - q * se, v.mean() + q * se],
                "pairs": len(v),
            }
        )
    s = opts["placeboDays"] * DAY
    placebo = regression(hists, [(i, c, d) for i, c, d, _ in pairs], metric, s, s)
    return {
        "kind": "did",
        "customers": customers,
        "options": opts,
        "counts": {
            "matched": len(pairs),
            "controls": len(set(c for _, c, _, _ in pairs)),
            "noHistory": no_history,
            "incompleteWindow": incomplete,
            "unmatched": unmatched,
        },
        "meanDistance": float(np.mean([p[3] for p in pairs])),
        "maxDistance": float(np.max([p[3] for p in pairs])),
        "balance": balance,
        "effect": eff,
        "naive": naive_out,
        "eventTime": events,
        "placebo": placebo,
    }


def population(n, members_share, dates, late, segments):
    start = 9_862 * DAY  # 1997-01-01
    customers = []
    for i in range(n):
        k = int(rng.integers(0, 12))
        t = np.sort(start + rng.integers(0, 640, size=k) * DAY + rng.integers(0, DAY, size=k))
        lvl = rng.lognormal(3.0, 0.6)
        orders = [[int(x), round(float(lvl * rng.lognormal(0, 0.4)), 2)] for x in t]
        seg = segments[int(rng.integers(0, len(segments)))] if segments else None
        enrolled = None
        activity = len(orders)
        if rng.random() < members_share * (0.5 + activity / 8):
            enrolled = int(dates[int(rng.integers(0, len(dates)))] + rng.integers(0, DAY))
            # Members spend more after enrolling.
            orders = [[t0, round(a * 1.2, 2) if t0 >= enrolled else a] for t0, a in orders]
        customers.append(
            {"id": f"c{i:04d}", "orders": orders, "enrolledAt": enrolled, "segment": seg}
        )
    # One member enrolling too late for its window, one without history before enrolling.
    customers.append(
        {"id": "late", "orders": [[start + 5 * DAY, 30.0]], "enrolledAt": late, "segment": None}
    )
    customers.append(
        {
            "id": "new",
            "orders": [[dates[0] + 3 * DAY, 40.0]],
            "enrolledAt": int(dates[0]),
            "segment": None,
        }
    )
    if segments:
        for c in customers[-2:]:
            c["segment"] = segments[0]
    return customers


cases = [ols_case(40, 4, 6), ols_case(7, 3, 30), ols_case(300, 2, 3)]
d0 = 9_862 * DAY
now = d0 + 560 * DAY
cases.append(
    did_case(
        population(500, 0.15, [d0 + 270 * DAY, d0 + 300 * DAY, d0 + 330 * DAY], now - 30 * DAY, None),
        {
            "now": now,
            "windowDays": 180,
            "placeboDays": 90,
            "binDays": 30,
            "bins": 6,
            "metric": "revenue",
        },
    )
)
cases.append(
    did_case(
        population(400, 0.2, [d0 + 250 * DAY, d0 + 365 * DAY], now - 10 * DAY, ["a", "b"]),
        {
            "now": now,
            "windowDays": 120,
            "placeboDays": 60,
            "binDays": 20,
            "bins": 4,
            "metric": "orders",
            "caliper": 0.6,
        },
    )
)

json.dump(
    {
        "specVersion": 1,
        "source": f"scripts/did_reference.py: numpy {np.__version__}, scipy {scipy.__version__}, "
        f"statsmodels {statsmodels.__version__}",
        "cases": cases,
    },
    sys.stdout,
    indent=None,
    separators=(",", ":"),
)
sys.stdout.write("\n")
