#!/usr/bin/env python3
"""Reference vectors for the Rust `stats` module: scipy and statsmodels on generated data.

    python3 scripts/stats_reference.py > tests/vectors/stats.json

Needs scipy and statsmodels (tested with scipy 1.10.1, statsmodels 0.14.1, numpy 1.24.4 on
Python 3.11; see scripts/requirements-reference.txt). Seeded: the same libraries give the same
file. Format: {"specVersion": 1, "source": "...", "cases": [[kind, inputs, expected], ...]};
`tests/stats_vectors.rs` dispatches on the kind and requires 1e-9 relative agreement
(probabilities relative down to 1e-300; interval bounds and lifts with an absolute floor of
1e-14 where they cancel to near zero). Student-t quantiles come from mpmath (see `t_ppf`).
"""

import json
import sys
import warnings

import mpmath as mp
import numpy as np
import scipy
import statsmodels
from scipy import stats as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

warnings.simplefilter("ignore")
rng = np.random.default_rng(20261130)
cases = []


def f(x):
    return float(x)


mp.mp.dps = 40


def t_ppf(p, df):
    """Student's t quantile from mpmath at 40 digits, started at scipy's value.

    scipy's t.ppf (boost's inverse incomplete beta) is accurate only to about 1e-9 relative for
    non-integer degrees of freedom (t.ppf(0.3, 29.7) is off by 2e-9; its own t.cdf says so),
    so the reference quantiles, and the Welch intervals built on them, come from mpmath.
    """
    if p == 0.5:
        return 0.0
    df_m = mp.mpf(df)

    def cdf(t):
        x = df_m / (df_m + t * t)
        tail = mp.betainc(df_m / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        return tail if t < 0 else 1 - tail

    root = mp.findroot(lambda t: cdf(t) - mp.mpf(p), mp.mpf(float(st.t.ppf(p, df))))
    return float(root)


# ---- distributions ---------------------------------------------------------------------------
for df in [1, 2, 3.5, 10, 29.7, 100, 1000, 12345.6, 1e6]:
    for t in [-40, -5, -2, -0.3, 0.1, 1, 2.5, 8, 30]:
        cases.append(["t_cdf_sf", {"t": t, "df": df}, {"cdf": f(st.t.cdf(t, df)), "sf": f(st.t.sf(t, df))}])
    for p in [1e-12, 1e-6, 0.001, 0.025, 0.3, 0.6, 0.975, 0.999999]:
        cases.append(["t_ppf", {"p": p, "df": df}, {"x": t_ppf(p, df), "scipy": f(st.t.ppf(p, df))}])
for p in [1e-300, 1e-20, 1e-10, 1e-3, 0.02425, 0.3, 0.5, 0.7, 0.975, 1 - 1e-10]:
    cases.append(["norm_ppf", {"p": p}, {"x": f(st.norm.ppf(p))}])
for x in [-38, -10, -3, -1, 0, 0.5, 2, 5, 9, 37]:
    cases.append(["norm_sf", {"x": x}, {"sf": f(st.norm.sf(x)), "cdf": f(st.norm.cdf(x))}])
for k in [1, 2, 3, 5, 10, 40]:
    for x in [0.01, 0.5, 1, 3, 10, 30, 100, 400]:
        cases.append(["chi2_sf", {"x": x, "k": k}, {"sf": f(st.chi2.sf(x, k))}])

# ---- two-proportion z-test and the Wald interval of the difference -------------------------
for n in [10, 100, 1000, 50_000, 1_000_000]:
    for p in [0.01, 0.05, 0.3, 0.5]:
        nt = int(n + rng.integers(0, max(2, n // 10)))
        nc = n
        xt = int(rng.binomial(nt, min(0.99, p * 1.1)))
        xc = int(rng.binomial(nc, p))
        if xt + xc == 0 or xt + xc == nt + nc:
            continue
        z, pv = proportions_ztest([xt, xc], [nt, nc])
        lo, hi = confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=0.05)
        cases.append(["ztest", {"xt": xt, "nt": nt, "xc": xc, "nc": nc, "alpha": 0.05},
                      {"statistic": f(z), "pValue": f(pv), "ci": [f(lo), f(hi)]}])

# ---- Welch t-test, its interval, and the relative lift by the delta method -----------------
def summary(a):
    return {"n": len(a), "mean": f(np.mean(a)), "var": f(np.var(a, ddof=1))}


gens = {
    "normal": lambda n, s: rng.normal(10 * s, 3, n),
    "lognormal": lambda n, s: rng.lognormal(3 * s, 1.5, n),  # heavy-tailed revenue
    "zero-inflated": lambda n, s: np.where(rng.random(n) < 0.9, 0.0, rng.gamma(2, 40 * s, n)),
}
for name, g in gens.items():
    for n in [2, 3, 5, 30, 1000, 100_000]:
        t = g(n + (1 if n > 2 else 0), 1.05)
        c = g(n, 1.0)
        if np.var(t) == 0 or np.var(c) == 0 or np.mean(c) == 0:
            continue
        r = st.ttest_ind(t, c, equal_var=False)
        ts, cs = summary(t), summary(c)
        vt, vc = ts["var"] / ts["n"], cs["var"] / cs["n"]
        df = (vt + vc) ** 2 / (vt**2 / (ts["n"] - 1) + vc**2 / (cs["n"] - 1))
        se = np.sqrt(vt + vc)
        q = t_ppf(0.975, df)
        d = ts["mean"] - cs["mean"]
        rel = ts["mean"] / cs["mean"] - 1
        rse = np.sqrt(ts["var"] / (ts["n"] * cs["mean"] ** 2)
                      + ts["mean"] ** 2 * cs["var"] / (cs["n"] * cs["mean"] ** 4))
        z = st.norm.ppf(0.975)
        cases.append(["welch", {"t": ts, "c": cs, "alpha": 0.05, "data": f"{name}/{n}"},
                      {"statistic": f(r.statistic), "pValue": f(r.pvalue), "df": f(df),
                       "ci": [f(d - q * se), f(d + q * se)],
                       "relLift": f(rel), "relCi": [f(rel - z * rse), f(rel + z * rse)]}])

# ---- sample-ratio mismatch ----------------------------------------------------------------------
for weights, counts in [([0.5, 0.5], [5000, 5120]), ([0.5, 0.5], [10000, 10001]),
                        ([0.2, 0.3, 0.5], [1980, 3050, 4900]), ([0.9, 0.1], [90321, 9679]),
                        ([0.5, 0.5], [1000, 1200]), ([1, 1, 1, 1], [250, 260, 245, 251])]:
    w = np.array(weights, float) / np.sum(weights)
    chi2, pv = st.chisquare(counts, f_exp=np.sum(counts) * w)
    cases.append(["srm", {"observed": counts, "weights": weights}, {"statistic": f(chi2), "pValue": f(pv)}])

# ---- multiple testing ------------------------------------------------------------------------
for m in [1, 2, 5, 12]:
    for _ in range(3):
        p = list(map(float, rng.random(m) ** 3))
        cases.append(["multipletests", {"p": p},
                      {"holm": list(map(float, multipletests(p, method="holm")[1])),
                       "bh": list(map(float, multipletests(p, method="fdr_bh")[1]))}])

# ---- Bayesian read-outs ----------------------------------------------------------------------
# Proportions: Beta(1 + x, 1 + n − x) posteriors; P(p_t > p_c) and E[max(p_c − p_t, 0)] by
# mpmath quadrature at 30 digits (the Rust code uses Evan Miller's and Stucchio's closed forms).
def beta_readout(xt, nt, xc, nc):
    mp.mp.dps = 30
    at, bt, ac, bc = [mp.mpf(v) for v in (1 + xt, 1 + nt - xt, 1 + xc, 1 + nc - xc)]
    lbt = mp.log(mp.beta(at, bt))
    ft = lambda p: mp.exp((at - 1) * mp.log(p) + (bt - 1) * mp.log(1 - p) - lbt)
    mode = (at - 1) / (at + bt - 2) if at + bt > 2 else mp.mpf(0.5)
    sd = mp.sqrt(at * bt / ((at + bt) ** 2 * (at + bt + 1)))
    pts = sorted(set([mp.mpf(0), max(mp.mpf(0), mode - 8 * sd), mode, min(mp.mpf(1), mode + 8 * sd), mp.mpf(1)]))
    prob = mp.quad(lambda p: ft(p) * mp.betainc(ac, bc, 0, p, regularized=True), pts)
    mc = ac / (ac + bc)
    loss = mp.quad(lambda p: ft(p) * (mc * (1 - mp.betainc(ac + 1, bc, 0, p, regularized=True))
                                      - p * (1 - mp.betainc(ac, bc, 0, p, regularized=True))), pts)
    mp.mp.dps = 40
    return float(prob), float(loss)


for xt, nt, xc, nc in [(5, 40, 3, 38), (120, 1000, 100, 1000), (30, 1000, 45, 990), (0, 50, 2, 50), (480, 4000, 430, 4100)]:
    prob, loss = beta_readout(xt, nt, xc, nc)
    at, bt, ac, bc = 1 + xt, 1 + nt - xt, 1 + xc, 1 + nc - xc
    mt, mc = at / (at + bt), ac / (ac + bc)
    se = np.sqrt(at * bt / ((at + bt) ** 2 * (at + bt + 1)) + ac * bc / ((ac + bc) ** 2 * (ac + bc + 1)))
    z = st.norm.ppf(0.975)
    cases.append(["bayes_proportions", {"xt": xt, "nt": nt, "xc": xc, "nc": nc, "alpha": 0.05},
                  {"probBeatControl": prob, "expectedLoss": loss,
                   "credibleCI": [f(mt - mc - z * se), f(mt - mc + z * se)]}])
for (mt, vt, nt), (mc, vc, nc) in [((10.5, 4.0, 200), (10.0, 4.5, 210)), ((3.1, 90.0, 5000), (3.4, 85.0, 5100)),
                                   ((1.0, 0.01, 30), (1.0, 0.02, 35))]:
    se = np.sqrt(vt / nt + vc / nc)
    d = mt - mc
    r = d / se
    cases.append(["bayes_means", {"t": {"n": nt, "mean": mt, "var": vt}, "c": {"n": nc, "mean": mc, "var": vc}, "alpha": 0.05},
                  {"probBeatControl": f(st.norm.cdf(r)), "expectedLoss": f(se * st.norm.pdf(r) - d * st.norm.cdf(-r)),
                   "credibleCI": [f(d - st.norm.ppf(0.975) * se), f(d + st.norm.ppf(0.975) * se)]}])

# ---- power ---------------------------------------------------------------------------------
from statsmodels.stats.power import NormalIndPower  # noqa: E402
from statsmodels.stats.proportion import proportion_effectsize  # noqa: E402

pw = NormalIndPower()
for p1, p2, ratio in [(0.12, 0.10, 1.0), (0.05, 0.045, 1.0), (0.3, 0.33, 2.0), (0.5, 0.52, 0.5)]:
    h = proportion_effectsize(p1, p2)
    n = pw.solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=ratio)
    cases.append(["power", {"p1": p1, "p2": p2, "alpha": 0.05, "power": 0.8, "ratio": ratio},
                  {"effect": f(h), "nobs1": f(n), "powerAt1000": f(pw.power(h, 1000, 0.05, ratio=ratio))}])
# statsmodels' solve_power(effect_size=None) stops at a loose tolerance (its MDE for n = 500
# has power 0.899994, not 0.9): the reference MDE is brentq on statsmodels' own power function
# to 1e-15, with statsmodels' answer beside it.
from scipy.optimize import brentq  # noqa: E402

for n1, ratio in [(500, 1.0), (20_000, 1.0), (3_000, 3.0)]:
    d = brentq(lambda e: pw.power(e, n1, 0.05, ratio=ratio) - 0.9, 1e-9, 10, xtol=1e-15, rtol=8.9e-16)
    cases.append(["mde", {"nobs1": n1, "alpha": 0.05, "power": 0.9, "ratio": ratio},
                  {"effect": f(d), "statsmodels": f(pw.solve_power(nobs1=n1, alpha=0.05, power=0.9, ratio=ratio))}])

# ---- always-valid confidence sequences: GrowthBook's gbstats (SequentialTwoSidedTTest) --------
from gbstats.frequentist.tests import SequentialConfig, SequentialTwoSidedTTest  # noqa: E402
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest  # noqa: E402
from gbstats.models.statistics import ProportionStatistic, RatioStatistic, SampleMeanStatistic  # noqa: E402
import gbstats  # noqa: E402


def gb_sequential(a, b, alpha, tuning):
    """Absolute and relative read-outs of gbstats for control a and variant b."""
    out = {}
    for kind in ["absolute", "relative"]:
        t = SequentialTwoSidedTTest(a, b, SequentialConfig(alpha=alpha, sequential_tuning_parameter=tuning,
                                                           difference_type=kind))
        lo, hi = t.confidence_interval
        out[kind] = {"estimate": f(t.point_estimate), "variance": f(t.variance), "ci": [f(lo), f(hi)],
                     "pValue": f(t.p_value)}
    return out


# ---- an experiment's unit file, analysed as `offerwise analyze` does ---------------------
# tests/vectors/units.csv (written beside the JSON) and the expected results: each variant
# against the control for a proportion (converted), a zero-inflated mean (revenue) and a count
# (orders) and a ratio (aov = Σ revenue / Σ orders, as gbstats' RatioStatistic); Holm and BH
# across the eight p-values in the order variant (a, b) × metric; the
# sample-ratio check with equal planned weights over the variants in name order.
import csv  # noqa: E402
import os  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
units_path = os.path.join(here, "..", "tests", "vectors", "units.csv")
arms = {"control": (1.0, 1000), "a": (1.08, 1010), "b": (0.97, 990)}
rows = []
for arm, (lift, n) in arms.items():
    conv = (rng.random(n) < 0.12 * lift).astype(int)
    revenue = np.where(conv == 1, np.round(rng.gamma(2.0, 30.0 * lift, n), 2), 0.0)
    orders = rng.poisson(1.3 * lift, n)
    for i in range(n):
        rows.append((f"{arm}-{i}", arm, int(conv[i]), float(revenue[i]), int(orders[i])))
order = rng.permutation(len(rows))
# The pre-period revenue of each unit (the CUPED covariate): the arm's lift divided out, so it
# does not depend on the variant, plus noise.
rows = [r + (round(0.7 * r[3] / arms[r[1]][0] + float(rng.gamma(1.5, 8.0)), 2),) for r in rows]
with open(units_path, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["unit", "variant", "converted", "revenue", "orders", "pre_revenue", "first_seen"])
    # Each unit's first exposure: one of 28 days of June 1998, from the row's place (no draw
    # from the generator, so the other columns are as before the column was added).
    for k, i in enumerate(order):
        w.writerow(rows[i] + (f"1998-06-{1 + (k * 7919) % 28:02d}",))


def ratio_result(arm, yt, xt, yc, xc):
    """A ratio metric (Σy / Σx per group) as gbstats' RatioStatistic, absolute difference:
    Welch's t on (n, ratio, delta-method variance); p from t.sf (gbstats' 2 (1 − cdf) loses
    digits), the interval with the mpmath quantile; the relative lift's delta-method interval
    (normal), the normal Bayesian read-out and gbstats' sequential read-out on the same."""
    def stat(y, x):
        return RatioStatistic(n=len(y),
                              m_statistic=SampleMeanStatistic(n=len(y), sum=f(y.sum()), sum_squares=f((y ** 2).sum())),
                              d_statistic=SampleMeanStatistic(n=len(x), sum=f(x.sum()), sum_squares=f((x ** 2).sum())),
                              m_d_sum_of_products=f((x * y).sum()))
    sa, sb = stat(yc, xc), stat(yt, xt)
    test = TwoSidedTTest(sa, sb, FrequentistConfig(difference_type="absolute"))
    d, var, dof = test.point_estimate, test.variance, test.dof
    tstat = d / np.sqrt(var)
    q = t_ppf(0.975, dof)
    ci = [f(d - q * np.sqrt(var)), f(d + q * np.sqrt(var))]
    gci = test.confidence_interval
    assert abs(gci[0] - ci[0]) < 1e-6 * abs(ci[0]) + 1e-12 and abs(gci[1] - ci[1]) < 1e-6 * abs(ci[1]) + 1e-12
    mt, mc, vt, vc = sb.mean, sa.mean, sb.variance, sa.variance
    rel = mt / mc - 1
    rse = np.sqrt(vt / (len(yt) * mc ** 2) + mt ** 2 * vc / (len(yc) * mc ** 4))
    z = st.norm.ppf(0.975)
    prob = f(st.norm.cdf(d / np.sqrt(var)))
    loss = f(np.sqrt(var) * st.norm.pdf(d / np.sqrt(var)) - d * st.norm.cdf(-d / np.sqrt(var)))
    gs = gb_sequential(sa, sb, 0.05, 5000)
    return {"variant": arm, "metric": "aov", "kind": "ratio", "statistic": f(tstat),
            "pValue": f(2 * st.t.sf(abs(tstat), dof)), "df": f(dof), "absLiftCI": ci,
            "relLift": f(rel), "relLiftCI": [f(rel - z * rse), f(rel + z * rse)],
            "mean": [f(mt), f(mc)], "n": [len(yt), len(yc)],
            "bayes": {"probBeatControl": prob, "expectedLoss": loss,
                      "credibleCI": [f(d - z * np.sqrt(var)), f(d + z * np.sqrt(var))]},
            "sequential": {"absLiftCI": gs["absolute"]["ci"], "relLiftCI": gs["relative"]["ci"],
                           "pValue": gs["absolute"]["pValue"]}}


# Each unit's segment: from its pre-period revenue (no draw), so `--segment-column segment`
# analyses the low and high spenders on their own.
segment_of = {r[0]: ("high" if r[5] >= 25 else "low") for r in rows}
with open(units_path) as fh:
    lines = fh.read().splitlines()
with open(units_path, "w", newline="") as fh:
    fh.write(lines[0] + ",segment\n")
    for line in lines[1:]:
        fh.write(line + "," + segment_of[line.split(",")[0]] + "\n")


def analyse(rows):
    """The expected results of `offerwise analyze` on these rows (see above), and the SRM."""
    data = {arm: np.array([r[2:6] for r in rows if r[1] == arm], float) for arm in arms}
    expected = []
    for arm in ["a", "b"]:
        for k, metric in enumerate(["converted", "revenue", "orders", "aov"]):
            if metric == "aov":
                expected.append(ratio_result(arm, data[arm][:, 1], data[arm][:, 2],
                                             data["control"][:, 1], data["control"][:, 2]))
                continue
            t, c = data[arm][:, k], data["control"][:, k]
            res = {"variant": arm, "metric": metric}
            if metric == "converted":
                z, pv = proportions_ztest([t.sum(), c.sum()], [len(t), len(c)])
                lo, hi = confint_proportions_2indep(t.sum(), len(t), c.sum(), len(c), method="wald", compare="diff")
                res.update(statistic=f(z), pValue=f(pv), absLiftCI=[f(lo), f(hi)])
            else:
                r = st.ttest_ind(t, c, equal_var=False)
                vt, vc = np.var(t, ddof=1) / len(t), np.var(c, ddof=1) / len(c)
                df = (vt + vc) ** 2 / (vt**2 / (len(t) - 1) + vc**2 / (len(c) - 1))
                q = t_ppf(0.975, df)
                d = t.mean() - c.mean()
                res.update(statistic=f(r.statistic), pValue=f(r.pvalue), df=f(df),
                           absLiftCI=[f(d - q * np.sqrt(vt + vc)), f(d + q * np.sqrt(vt + vc))])
            if metric == "revenue":
                # CUPED with pre_revenue: theta from the two groups pooled, Welch on the adjusted values.
                xt, xc = data[arm][:, 3], data["control"][:, 3]
                x, y = np.concatenate([xt, xc]), np.concatenate([t, c])
                theta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)
                at, ac = t - theta * (xt - x.mean()), c - theta * (xc - x.mean())
                ra = st.ttest_ind(at, ac, equal_var=False)
                vat, vac = np.var(at, ddof=1) / len(at), np.var(ac, ddof=1) / len(ac)
                dfa = (vat + vac) ** 2 / (vat**2 / (len(at) - 1) + vac**2 / (len(ac) - 1))
                qa = t_ppf(0.975, dfa)
                da = at.mean() - ac.mean()
                pooled_y = np.var(y, ddof=1)
                pooled_adj = np.var(np.concatenate([at, ac]), ddof=1)
                res["cuped"] = {"covariate": "pre_revenue", "theta": f(theta),
                                "varianceReduction": f(1 - pooled_adj / pooled_y),
                                "absLift": f(da), "absLiftCI": [f(da - qa * np.sqrt(vat + vac)), f(da + qa * np.sqrt(vat + vac))],
                                "statistic": f(ra.statistic), "pValue": f(ra.pvalue), "df": f(dfa)}
            if metric == "converted":
                prob, loss = beta_readout(int(t.sum()), len(t), int(c.sum()), len(c))
                at, bt, ac, bc = 1 + t.sum(), 1 + len(t) - t.sum(), 1 + c.sum(), 1 + len(c) - c.sum()
                bse = np.sqrt(at * bt / ((at + bt) ** 2 * (at + bt + 1)) + ac * bc / ((ac + bc) ** 2 * (ac + bc + 1)))
                bd = at / (at + bt) - ac / (ac + bc)
            else:
                bse = np.sqrt(np.var(t, ddof=1) / len(t) + np.var(c, ddof=1) / len(c))
                bd = t.mean() - c.mean()
                prob, loss = f(st.norm.cdf(bd / bse)), f(bse * st.norm.pdf(bd / bse) - bd * st.norm.cdf(-bd / bse))
            if metric == "converted":
                sa, sb = ProportionStatistic(n=len(c), sum=f(c.sum())), ProportionStatistic(n=len(t), sum=f(t.sum()))
            else:
                sa = SampleMeanStatistic(n=len(c), sum=f(c.sum()), sum_squares=f((c ** 2).sum()))
                sb = SampleMeanStatistic(n=len(t), sum=f(t.sum()), sum_squares=f((t ** 2).sum()))
            gs = gb_sequential(sa, sb, 0.05, 5000)
            res["sequential"] = {"absLiftCI": gs["absolute"]["ci"], "relLiftCI": gs["relative"]["ci"],
                                 "pValue": gs["absolute"]["pValue"]}
            zq = st.norm.ppf(0.975)
            res["bayes"] = {"probBeatControl": prob, "expectedLoss": loss,
                            "credibleCI": [f(bd - zq * bse), f(bd + zq * bse)]}
            rel = t.mean() / c.mean() - 1
            rse = np.sqrt(np.var(t, ddof=1) / (len(t) * c.mean() ** 2)
                          + t.mean() ** 2 * np.var(c, ddof=1) / (len(c) * c.mean() ** 4))
            z = st.norm.ppf(0.975)
            res.update(relLift=f(rel), relLiftCI=[f(rel - z * rse), f(rel + z * rse)],
                       mean=[f(t.mean()), f(c.mean())], n=[len(t), len(c)])
            expected.append(res)
    pvals = [r["pValue"] for r in expected]
    for r, h, b in zip(expected, multipletests(pvals, method="holm")[1], multipletests(pvals, method="fdr_bh")[1]):
        r["pHolm"], r["pBH"] = f(h), f(b)
    counts = [len(data[a]) for a in sorted(arms)]
    chi2, pv = st.chisquare(counts)
    return expected, {"chi2": f(chi2), "pValue": f(pv)}


expected, srm = analyse(rows)
by_segment = {}
for seg in ["high", "low"]:
    seg_expected, seg_srm = analyse([r for r in rows if segment_of[r[0]] == seg])
    by_segment[seg] = {"results": seg_expected, "srm": seg_srm, "units": sum(segment_of[r[0]] == seg for r in rows)}
cases.append(["analyze_units", {"units": "tests/vectors/units.csv", "control": "control",
                                "metrics": ["converted", "revenue", "orders", "aov=revenue/orders"],
                                "covariates": {"revenue": "pre_revenue"}, "segmentColumn": "segment"},
              {"results": expected, "srm": srm, "segments": by_segment}])

# ---- always-valid confidence sequences on generated data (after the unit file's draws) ----
for n, pc, lift, alpha, tuning in [(200, 0.1, 0.3, 0.05, 5000), (1000, 0.1, 0.3, 0.05, 5000),
                                   (20000, 0.05, 0.1, 0.05, 5000), (500_000, 0.02, 0.03, 0.05, 100_000),
                                   (5000, 0.5, 0.02, 0.01, 1000), (3000, 0.3, 0.0, 0.1, 5000)]:
    xc = int(rng.binomial(n, pc))
    xt = int(rng.binomial(n + 17, pc * (1 + lift)))
    a, b = ProportionStatistic(n=n, sum=xc), ProportionStatistic(n=n + 17, sum=xt)
    cases.append(["sequential", {"kind": "proportion", "c": {"n": n, "mean": f(xc / n), "var": f(a.variance)},
                                 "t": {"n": n + 17, "mean": f(xt / (n + 17)), "var": f(b.variance)},
                                 "alpha": alpha, "tuning": tuning},
                  gb_sequential(a, b, alpha, tuning)])
for name, g in gens.items():
    for n in [30, 1000, 100_000]:
        t, c = g(n + 3, 1.05), g(n, 1.0)
        a = SampleMeanStatistic(n=len(c), sum=f(c.sum()), sum_squares=f((c ** 2).sum()))
        b = SampleMeanStatistic(n=len(t), sum=f(t.sum()), sum_squares=f((t ** 2).sum()))
        cases.append(["sequential", {"kind": "mean", "data": f"{name}/{n}",
                                     "c": {"n": len(c), "mean": f(a.mean), "var": f(a.variance)},
                                     "t": {"n": len(t), "mean": f(b.mean), "var": f(b.variance)},
                                     "alpha": 0.05, "tuning": 5000},
                      gb_sequential(a, b, 0.05, 5000)])

# ---- the t-test's power (statsmodels TTestIndPower) -----------------------------------------
# The noncentral t CDF by Lenth's series in mpmath at 40 digits (scipy's nct, boost's, agrees to
# about 1e-12; statsmodels' TTestIndPower uses it with scipy's t quantile, good to about 1e-9),
# the quantile from mpmath (t_ppf above); statsmodels' own power is pinned beside ours and
# checked here to 1e-7.
from statsmodels.stats.power import TTestIndPower  # noqa: E402


def nct_cdf_mp(t, df, nc):
    t, df, nc = mp.mpf(t), mp.mpf(df), mp.mpf(nc)
    if t < 0:
        return 1 - nct_cdf_mp(-t, df, -nc)
    base = mp.ncdf(-nc)
    if t == 0:
        return base
    x = t * t / (t * t + df)
    lam = nc * nc / 2
    total = mp.mpf(0)
    j = 0
    while True:
        p = mp.exp(-lam) * lam ** j / mp.factorial(j)
        q = nc * mp.exp(-lam) * lam ** j / (mp.sqrt(2) * mp.gamma(j + mp.mpf(3) / 2))
        term = p * mp.betainc(j + mp.mpf(1) / 2, df / 2, 0, x, regularized=True) \
            + q * mp.betainc(j + 1, df / 2, 0, x, regularized=True)
        total += term
        if j > lam + 10 and abs(p) + abs(q) < mp.mpf(10) ** -35:
            break
        j += 1
    return base + total / 2


def t_power_mp(d, n1, alpha, ratio):
    n2 = mp.mpf(n1) * ratio
    df = mp.mpf(n1) + n2 - 2
    nc = mp.mpf(d) * mp.sqrt(1 / (1 / mp.mpf(n1) + 1 / n2))
    c = mp.mpf(t_ppf(1 - alpha / 2, float(df)))
    return 1 - nct_cdf_mp(c, df, nc) + nct_cdf_mp(-c, df, nc)


for t, df, nc in [(2.0, 10, 1.0), (-1.5, 7.5, 0.5), (0.3, 30, -2.0), (3.1, 100, 2.8), (-2.5, 58.3, 2.5),
                  (1.96, 1e4, 3.0), (0.0, 12, 1.2), (5.0, 3, 4.0), (2.2, 40, 0.0), (-0.7, 19.9, -1.1)]:
    want = nct_cdf_mp(t, df, nc)
    assert abs(float(want) - st.nct.cdf(t, df, nc)) < 1e-9 if nc != 0 else True
    cases.append(["nct_cdf", {"t": t, "df": df, "nc": nc}, f(want)])
tp = TTestIndPower()
for d, n1, alpha, ratio in [(0.5, 20, 0.05, 1.0), (0.8, 10, 0.05, 1.0), (0.2, 300, 0.05, 1.0), (0.3, 64.5, 0.01, 2.0),
                            (0.05, 5000, 0.05, 0.5), (1.2, 4, 0.1, 1.0), (0.4, 100, 0.05, 3.0)]:
    want = t_power_mp(d, n1, alpha, ratio)
    sm = tp.power(d, n1, alpha, ratio=ratio)
    assert abs(float(want) - sm) < 1e-7, (d, n1, float(want), sm)
    cases.append(["t_power", {"d": d, "nobs1": n1, "alpha": alpha, "ratio": ratio},
                  {"power": f(want), "statsmodels": f(sm)}])
# Solved to 1e-15 on the mpmath power (statsmodels' solve_power stops at its looser tolerance;
# its answer is pinned beside).
for d, alpha, target, ratio in [(0.5, 0.05, 0.8, 1.0), (0.2, 0.05, 0.9, 1.0), (1.0, 0.05, 0.8, 2.0), (0.1, 0.01, 0.8, 1.0)]:
    n = mp.findroot(lambda n: t_power_mp(d, n, alpha, ratio) - target,
                    mp.mpf(tp.solve_power(effect_size=d, alpha=alpha, power=target, ratio=ratio)))
    cases.append(["t_sample_size", {"d": d, "alpha": alpha, "power": target, "ratio": ratio},
                  {"nobs1": f(n), "statsmodels": f(tp.solve_power(effect_size=d, alpha=alpha, power=target, ratio=ratio))}])
for n1, alpha, target, ratio in [(20, 0.05, 0.8, 1.0), (500, 0.05, 0.9, 1.0), (50, 0.01, 0.8, 2.0)]:
    e = mp.findroot(lambda e: t_power_mp(e, n1, alpha, ratio) - target,
                    mp.mpf(tp.solve_power(nobs1=n1, alpha=alpha, power=target, ratio=ratio)))
    cases.append(["t_mde", {"nobs1": n1, "alpha": alpha, "power": target, "ratio": ratio},
                  {"effect": f(e), "statsmodels": f(tp.solve_power(nobs1=n1, alpha=alpha, power=target, ratio=ratio))}])

# ---- NPS (statsmodels DescrStatsW / CompareMeans on the +1/0/-1 codes) -------------------------
# Drawn from a second generator so the cases above keep their values.
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW  # noqa: E402

nps_rng = np.random.default_rng(20261130 + 4)
for n1, n2, pa, pb in [(50, 60, [0.3, 0.3, 0.4], [0.4, 0.3, 0.3]), (400, 380, [0.5, 0.3, 0.2], [0.45, 0.3, 0.25]),
                       (3000, 2500, [0.2, 0.5, 0.3], [0.2, 0.45, 0.35]), (12, 9, [0.6, 0.2, 0.2], [0.1, 0.3, 0.6])]:
    ca = nps_rng.multinomial(n1, pa)
    cb = nps_rng.multinomial(n2, pb)
    codes = lambda c: np.concatenate([np.ones(c[0]), np.zeros(c[1]), -np.ones(c[2])])
    da, db = DescrStatsW(codes(ca)), DescrStatsW(codes(cb))
    lo, hi = da.zconfint_mean(alpha=0.05)
    z, p = CompareMeans(da, db).ztest_ind(usevar="unequal")
    dlo, dhi = CompareMeans(da, db).zconfint_diff(alpha=0.05, usevar="unequal")
    cases.append(["nps", {"a": [int(x) for x in ca], "b": [int(x) for x in cb], "alpha": 0.05},
                  {"scoreA": f(100 * da.mean), "seA": f(100 * da.std_mean), "ciA": [f(100 * lo), f(100 * hi)],
                   "scoreB": f(100 * db.mean), "statistic": f(z), "pValue": f(p), "diffCI": [f(100 * dlo), f(100 * dhi)]}])

out = {"specVersion": 1,
       "source": f"scripts/stats_reference.py (scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, gbstats {gbstats.__version__}, numpy {np.__version__})",
       "cases": cases}
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
