#!/usr/bin/env python3
"""Reference boundaries for `stats::group_sequential` (Lan-DeMets alpha spending):

    python3 scripts/group_sequential_reference.py > tests/vectors/group_sequential.json

Solved look by look with scipy: brentq on the crossing probability
P(|Z_1| < c_1, ..., |Z_{k-1}| < c_{k-1}) - P(|Z_1| < c_1, ..., |Z_k| < c_k), each a rectangle
probability of the normal vector with Cov(Z_i, Z_j) = sqrt(t_i / t_j), from
scipy.stats.multivariate_normal.cdf (Genz's quasi-Monte Carlo integration). That integration
is good to about 1e-7 in four or five dimensions, so tests/stats_vectors.rs compares the
boundaries to 1e-5 absolute; the Rust integration itself is converged to 1e-8 (its unit test).
Takes a few minutes (scipy 1.10.1, numpy 1.24.4).
"""

import json
import sys

import numpy as np
import scipy
from scipy import stats as st
from scipy.optimize import brentq


def inside(c, t):
    c = np.array(c, float)
    if len(c) == 1:
        return 1 - 2 * st.norm.sf(c[0])
    t = np.array(t, float)
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    return st.multivariate_normal.cdf(c, mean=np.zeros(len(c)), cov=cov, lower_limit=-c,
                                      maxpts=1_000_000 * len(c), abseps=1e-10, releps=1e-10)


SPENDING = {
    "obrien-fleming": lambda a, t: 2 * st.norm.sf(st.norm.isf(a / 2) / np.sqrt(t)),
    "pocock": lambda a, t: a * np.log(1 + (np.e - 1) * t),
}


def boundaries(t, alpha, spending):
    spend = SPENDING[spending]
    c, prev_in, prev_spent = [], 1.0, 0.0
    for k, tk in enumerate(t):
        target = spend(alpha, tk) - prev_spent
        ck = brentq(lambda x: (prev_in - inside(c + [x], t[:k + 1])) - target, 0.5, 12, xtol=1e-10)
        c.append(float(ck))
        prev_in, prev_spent = inside(c, t[:k + 1]), spend(alpha, tk)
    return c


cases = []
for t, alpha, spending in [([0.3, 0.55, 1.0], 0.05, "obrien-fleming"),
                           ([0.25, 0.5, 0.75, 1.0], 0.05, "pocock"),
                           ([0.2, 0.4, 0.6, 0.8, 1.0], 0.05, "obrien-fleming"),
                           ([0.5, 1.0], 0.01, "obrien-fleming"),
                           ([0.4, 0.7, 1.0], 0.1, "pocock")]:
    cases.append({"fractions": t, "alpha": alpha, "spending": spending,
                  "boundaries": boundaries(t, alpha, spending)})
json.dump({"source": f"scripts/group_sequential_reference.py (scipy {scipy.__version__}, numpy {np.__version__})",
           "cases": cases}, sys.stdout, indent=1)
sys.stdout.write("\n")
