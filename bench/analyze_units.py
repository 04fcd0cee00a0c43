#!/usr/bin/env python3
"""The experiment-analysis benchmark: 10,000,000 generated unit rows, `offerwise analyze` beside
pandas + scipy + statsmodels doing the same tests on the same file.

    python3 bench/analyze_units.py generate [ROWS]   # writes bench/.work/units-<ROWS>.csv (seeded)
    python3 bench/analyze_units.py peer FILE         # the Python peer: read, test, print
    target/release/offerwise analyze --units bench/.work/units-10000000.csv --control control \\
        --metric converted --metric revenue --metric orders --json /dev/null

Time both as whole processes (`/usr/bin/time -v` gives wall time and peak memory). Three
variants (control, a, b), three metrics: a proportion (converted), a zero-inflated revenue and
a count of orders, as tests/vectors/units.csv but bigger.
"""

import os
import sys

import numpy as np


def generate(rows):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".work", f"units-{rows}.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    rng = np.random.default_rng(20261130)
    chunk = 1_000_000
    with open(out, "w") as fh:
        fh.write("unit,variant,converted,revenue,orders\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            arm = rng.integers(0, 3, n)
            lift = np.array([1.0, 1.02, 0.99])[arm]
            conv = (rng.random(n) < 0.12 * lift).astype(int)
            revenue = np.where(conv == 1, np.round(rng.gamma(2.0, 30.0 * lift), 2), 0.0)
            orders = rng.poisson(1.3 * lift)
            names = np.array(["control", "a", "b"])[arm]
            ids = np.arange(start, start + n)
            fh.write("".join(f"{i},{v},{c},{r},{o}\n" for i, v, c, r, o in
                             zip(ids, names, conv, revenue, orders)))
    print(out)


def peer(path):
    import pandas as pd
    from scipy import stats as st
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportions_ztest

    df = pd.read_csv(path, usecols=["variant", "converted", "revenue", "orders"])
    groups = {k: g for k, g in df.groupby("variant")}
    c = groups["control"]
    p = []
    for arm in ["a", "b"]:
        t = groups[arm]
        p.append(proportions_ztest([t.converted.sum(), c.converted.sum()], [len(t), len(c)])[1])
        for m in ["revenue", "orders"]:
            p.append(st.ttest_ind(t[m], c[m], equal_var=False).pvalue)
    print(st.chisquare([len(groups[k]) for k in sorted(groups)]).pvalue, multipletests(p, method="holm")[1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        generate(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000)
    elif sys.argv[1:2] == ["peer"]:
        peer(sys.argv[2])
    else:
        sys.exit(__doc__)
