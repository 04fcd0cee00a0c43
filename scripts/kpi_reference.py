#!/usr/bin/env python3
"""Reference loyalty KPIs of the CDNOW master file (`analysis::kpis`), computed with pandas,
statsmodels and scipy.

    python3 scripts/kpi_reference.py > tests/vectors/kpis.json

Needs pandas, numpy, scipy and statsmodels (tested with pandas 1.5.3, numpy 1.24.4, scipy 1.10.1,
statsmodels 0.14.1 on Python 3.11; see scripts/requirements-reference.txt). Deterministic.
`tests/kpis.rs` requires 1e-9 relative agreement.

Definitions (as the module docs): customers with an order before `now`; repeat rate = share
with >= 2 orders (Wilson, statsmodels `proportion_confint`); frequency = orders per customer
(t interval, statsmodels `DescrStatsW.tconfint_mean`); average check = revenue / orders over
customers with the delta method's normal interval; churn = share with no order in the
`churnDays` before `now` (Wilson); cohorts by first-purchase month, the share with an order in
each later calendar month that ended before `now` (at most `cohortMonths`).
"""

import json
import math
import os
import sys

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

HERE = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(
    os.path.join(HERE, "..", "data", "cdnow", "CDNOW_master.txt"),
    sep=r"\s+",
    dtype={"customer_id": str, "date": str},
)
df["t"] = pd.to_datetime(df["date"], format="%Y%m%d")
cases = []
for now_s, churn_days, cohort_months in [("1998-07-01", 180, 12), ("1997-10-15", 60, 6)]:
    now = pd.Timestamp(now_s)
    d = df[df["t"] < now]
    g = d.groupby("customer_id")
    orders = g.size()
    revenue = g["dollar_value"].sum()
    last = g["t"].max()
    first = g["t"].min()
    n = len(orders)
    alpha = 0.05
    rep = int((orders >= 2).sum())
    lo, hi = proportion_confint(rep, n, alpha=alpha, method="wilson")
    freq = DescrStatsW(orders.values.astype(float))
    flo, fhi = freq.tconfint_mean(alpha=alpha)
    x, y = orders.values.astype(float), revenue.values
    r = y.sum() / x.sum()
    se = math.sqrt(np.var(y - r * x, ddof=1) / n) / x.mean()
    z = st.norm.ppf(1 - alpha / 2)
    churned = int((last < now - pd.Timedelta(days=churn_days)).sum())
    clo, chi = proportion_confint(churned, n, alpha=alpha, method="wilson")
    now_m = now.year * 12 + now.month - 1
    fm = first.dt.year * 12 + first.dt.month - 1
    om = d["t"].dt.year * 12 + d["t"].dt.month - 1
    d = d.assign(k=om.values - fm.loc[d["customer_id"]].values, cohort=fm.loc[d["customer_id"]].values)
    cohorts = []
    for c in sorted(fm.unique()):
        members = int((fm == c).sum())
        complete = max(0, min(now_m - c, cohort_months))
        active = d[(d["cohort"] == c) & (d["k"] < complete)].groupby("k")["customer_id"].nunique()
        cohorts.append(
            {
                "month": f"{c // 12:04d}-{c % 12 + 1:02d}",
                "customers": members,
                "retention": [float(active.get(k, 0)) / members for k in range(complete)],
            }
        )
    cases.append(
        {
            "now": now_s,
            "churnDays": churn_days,
            "cohortMonths": cohort_months,
            "customers": n,
            "orders": int(orders.sum()),
            "revenue": float(revenue.sum()),
            "repeatRate": {"value": rep / n, "ci": [lo, hi]},
            "frequency": {"value": float(orders.mean()), "ci": [flo, fhi]},
            "averageCheck": {"value": r, "ci": [r - z * se, r + z * se]},
            "churnRecency": {"value": churned / n, "ci": [clo, chi]},
            "cohorts": cohorts,
        }
    )
json.dump(
    {
        "specVersion": 1,
        "source": f"scripts/kpi_reference.py: pandas {pd.__version__}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}",
        "cases": cases,
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
