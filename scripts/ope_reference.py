#!/usr/bin/env python3
"""Reference vectors for offline policy evaluation (`analysis::ope`): IPS, SNIPS and DR with
their normal intervals and the effective sample size, written in numpy from the definitions
of the Open Bandit Pipeline (Saito et al. 2021; Dudik, Langford & Li 2011), on generated logs.

    python3 scripts/ope_reference.py > tests/vectors/ope.json

Needs numpy and scipy (tested with numpy 1.24.4 and scipy 1.10.1). Seeded. `tests/ope.rs`
requires 1e-9 relative agreement.

    w = pi / mu
    IPS   = mean(w r)                      se = std(w r, ddof=1) / sqrt(n)
    SNIPS = sum(w r) / sum(w)              se = std(w (r - SNIPS), ddof=1) / (sqrt(n) mean(w))
    DR    = mean(q_pi + w (r - q_a))       se = std(., ddof=1) / sqrt(n)
    ESS   = sum(w)^2 / sum(w^2)
"""

import json
import sys

import numpy as np
import scipy
from scipy import stats as st

rng = np.random.default_rng(20261130)
cases = []
for n, reward_kind, alpha in [(50, "binary", 0.05), (400, "money", 0.1), (2000, "binary", 0.05)]:
    mu = rng.uniform(0.05, 1.0, n)
    pi = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.0, 1.0, n))
    if reward_kind == "binary":
        r = (rng.random(n) < 0.3).astype(float)
    else:
        r = np.where(rng.random(n) < 0.2, rng.lognormal(3, 1, n), 0.0)
    q_a = np.clip(r.mean() + rng.normal(0, 0.1, n), 0, None)
    q_pi = np.clip(r.mean() + rng.normal(0, 0.1, n), 0, None)
    w = pi / mu
    z = st.norm.ppf(1 - alpha / 2)

    def est(x):
        m = x.mean()
        se = x.std(ddof=1) / np.sqrt(n)
        return {"value": m, "se": se, "ci": [m - z * se, m + z * se]}

    snips = (w * r).sum() / w.sum()
    se = (w * (r - snips)).std(ddof=1) / (np.sqrt(n) * w.mean())
    cases.append(
        {
            "alpha": alpha,
            "logging": mu.tolist(),
            "candidate": pi.tolist(),
            "reward": r.tolist(),
            "qTaken": q_a.tolist(),
            "qCandidate": q_pi.tolist(),
            "logged": est(r),
            "ips": est(w * r),
            "snips": {"value": snips, "se": se, "ci": [snips - z * se, snips + z * se]},
            "dr": est(q_pi + w * (r - q_a)),
            "effectiveSampleSize": w.sum() ** 2 / (w**2).sum(),
            "meanWeight": w.mean(),
            "maxWeight": w.max(),
            "zeroWeight": int((pi == 0).sum()),
        }
    )
json.dump(
    {
        "specVersion": 1,
        "source": f"scripts/ope_reference.py: numpy {np.__version__}, scipy {scipy.__version__}",
        "cases": cases,
    },
    sys.stdout,
    separators=(",", ":"),
)
sys.stdout.write("\n")
