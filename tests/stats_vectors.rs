//! The `stats` module against scipy, statsmodels and GrowthBook's gbstats (sequential): every case of `tests/vectors/stats.json`
//! (made by `scripts/stats_reference.py`) to 1e-9 relative; probabilities relative down to
//! 1e-300, interval bounds and lifts with an absolute floor of 1e-14 where they cancel to near 0.

use offerwise::stats::dist::{chi2_sf, nct_cdf, normal, t_cdf_sf, t_ppf};
use offerwise::stats::tests::{self as st, Group};
use offerwise::stats::{bayes, power, sequential};
use serde_json::Value;

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn group(v: &Value) -> Group {
    Group {
        n: num(&v["n"]),
        mean: num(&v["mean"]),
        var: num(&v["var"]),
    }
}

struct Check {
    worst: f64,
    failures: Vec<String>,
}

impl Check {
    fn prob(&mut self, name: &str, got: f64, want: f64) {
        let err = (got - want).abs() / want.abs().max(1e-300);
        self.record(name, got, want, if got == want { 0.0 } else { err });
    }

    fn value(&mut self, name: &str, got: f64, want: f64) {
        let err = (got - want).abs() / (want.abs() + 1e-5);
        let ok = (got - want).abs() <= 1e-9 * want.abs() + 1e-14;
        self.record(name, got, want, if ok { err.min(1e-9) } else { 1.0 });
    }

    fn record(&mut self, name: &str, got: f64, want: f64, err: f64) {
        self.worst = self.worst.max(err);
        if err.is_nan() || err > 1e-9 {
            self.failures
                .push(format!("{name}: got {got:e}, want {want:e} (rel {err:e})"));
        }
    }
}

#[test]
fn statistics_equal_scipy_and_statsmodels() {
    let doc: Value =
        serde_json::from_str(include_str!("vectors/stats.json")).expect("stats vectors");
    assert_eq!(doc["specVersion"], 1);
    let mut c = Check {
        worst: 0.0,
        failures: Vec::new(),
    };
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 250);
    for case in cases {
        let (kind, x, want) = (case[0].as_str().unwrap(), &case[1], &case[2]);
        let name = format!("{kind} {x}");
        match kind {
            "t_cdf_sf" => {
                let (cdf, sf) = t_cdf_sf(num(&x["t"]), num(&x["df"]));
                c.prob(&format!("{name} cdf"), cdf, num(&want["cdf"]));
                c.prob(&format!("{name} sf"), sf, num(&want["sf"]));
            }
            "t_ppf" => c.value(&name, t_ppf(num(&x["p"]), num(&x["df"])), num(&want["x"])),
            "norm_ppf" => c.value(&name, normal::ppf(num(&x["p"])), num(&want["x"])),
            "norm_sf" => {
                c.prob(
                    &format!("{name} sf"),
                    normal::sf(num(&x["x"])),
                    num(&want["sf"]),
                );
                c.prob(
                    &format!("{name} cdf"),
                    normal::cdf(num(&x["x"])),
                    num(&want["cdf"]),
                );
            }
            "chi2_sf" => c.prob(&name, chi2_sf(num(&x["x"]), num(&x["k"])), num(&want["sf"])),
            "ztest" => {
                let (xt, nt, xc, nc) = (num(&x["xt"]), num(&x["nt"]), num(&x["xc"]), num(&x["nc"]));
                let r = st::two_proportion_ztest(xt, nt, xc, nc).unwrap();
                c.value(&format!("{name} z"), r.statistic, num(&want["statistic"]));
                c.prob(&format!("{name} p"), r.p_value, num(&want["pValue"]));
                let (lo, hi) = st::diff_ci_proportions(xt, nt, xc, nc, num(&x["alpha"])).unwrap();
                c.value(&format!("{name} lo"), lo, num(&want["ci"][0]));
                c.value(&format!("{name} hi"), hi, num(&want["ci"][1]));
            }
            "welch" => {
                let (t, k) = (group(&x["t"]), group(&x["c"]));
                let r = st::welch_ttest(&t, &k).unwrap();
                c.value(&format!("{name} t"), r.statistic, num(&want["statistic"]));
                c.prob(&format!("{name} p"), r.p_value, num(&want["pValue"]));
                c.value(&format!("{name} df"), r.df.unwrap(), num(&want["df"]));
                let (lo, hi) = st::diff_ci_means(&t, &k, num(&x["alpha"])).unwrap();
                c.value(&format!("{name} lo"), lo, num(&want["ci"][0]));
                c.value(&format!("{name} hi"), hi, num(&want["ci"][1]));
                let (rel, (rlo, rhi)) = st::relative_ci(&t, &k, num(&x["alpha"])).unwrap();
                c.value(&format!("{name} rel"), rel, num(&want["relLift"]));
                c.value(&format!("{name} rel lo"), rlo, num(&want["relCi"][0]));
                c.value(&format!("{name} rel hi"), rhi, num(&want["relCi"][1]));
            }
            "srm" => {
                let obs: Vec<f64> = x["observed"].as_array().unwrap().iter().map(num).collect();
                let w: Vec<f64> = x["weights"].as_array().unwrap().iter().map(num).collect();
                let r = st::srm(&obs, &w).unwrap();
                c.value(
                    &format!("{name} chi2"),
                    r.statistic,
                    num(&want["statistic"]),
                );
                c.prob(&format!("{name} p"), r.p_value, num(&want["pValue"]));
            }
            "multipletests" => {
                let p: Vec<f64> = x["p"].as_array().unwrap().iter().map(num).collect();
                for (method, got) in [("holm", st::holm(&p)), ("bh", st::benjamini_hochberg(&p))] {
                    for (i, g) in got.iter().enumerate() {
                        c.prob(&format!("{name} {method}[{i}]"), *g, num(&want[method][i]));
                    }
                }
            }
            "bayes_proportions" | "bayes_means" => {
                let alpha = num(&x["alpha"]);
                let b = if kind == "bayes_means" {
                    bayes::means(&group(&x["t"]), &group(&x["c"]), alpha).unwrap()
                } else {
                    bayes::proportions(
                        num(&x["xt"]),
                        num(&x["nt"]),
                        num(&x["xc"]),
                        num(&x["nc"]),
                        alpha,
                    )
                    .unwrap()
                };
                c.prob(
                    &format!("{name} P"),
                    b.prob_beat_control,
                    num(&want["probBeatControl"]),
                );
                // The loss is a difference of near-equal terms (Stucchio's form): checked to 1e-9
                // of the larger of itself and the posterior standard deviation of the difference.
                let want_ci = &want["credibleCI"];
                let sd = (num(&want_ci[1]) - num(&want_ci[0])) / (2.0 * 1.959_963_984_540_054);
                let loss = num(&want["expectedLoss"]);
                c.record(
                    &format!("{name} loss"),
                    b.expected_loss,
                    loss,
                    (b.expected_loss - loss).abs() / loss.abs().max(sd),
                );
                c.value(
                    &format!("{name} lo"),
                    b.credible_ci.0,
                    num(&want["credibleCI"][0]),
                );
                c.value(
                    &format!("{name} hi"),
                    b.credible_ci.1,
                    num(&want["credibleCI"][1]),
                );
            }
            "power" => {
                let h = power::proportion_effect_size(num(&x["p1"]), num(&x["p2"]));
                c.value(&format!("{name} h"), h, num(&want["effect"]));
                let (alpha, target, ratio) = (num(&x["alpha"]), num(&x["power"]), num(&x["ratio"]));
                let n = power::sample_size(h, alpha, target, ratio).unwrap();
                c.value(&format!("{name} n"), n, num(&want["nobs1"]));
                c.prob(
                    &format!("{name} power"),
                    power::power(h, 1000.0, alpha, ratio),
                    num(&want["powerAt1000"]),
                );
            }
            "mde" => {
                let d = power::mde(
                    num(&x["nobs1"]),
                    num(&x["alpha"]),
                    num(&x["power"]),
                    num(&x["ratio"]),
                )
                .unwrap();
                c.value(&name, d, num(&want["effect"]));
            }
            // Noncentral t: 1e-9 relative, or 1e-15 absolute for the left tail of a negative t
            // (1 − F(−t; −δ) cancels there).
            "nct_cdf" => {
                let got = nct_cdf(num(&x["t"]), num(&x["df"]), num(&x["nc"]));
                let w = num(want);
                let ok = (got - w).abs() <= 1e-9 * w.abs() + 1e-15;
                c.record(&name, got, w, if ok { 0.0 } else { 1.0 });
            }
            "t_power" => {
                let (d, n1, alpha, ratio) = (
                    num(&x["d"]),
                    num(&x["nobs1"]),
                    num(&x["alpha"]),
                    num(&x["ratio"]),
                );
                c.prob(
                    &name,
                    power::t_power(d, n1, alpha, ratio),
                    num(&want["power"]),
                );
            }
            "nps" => {
                use offerwise::stats::nps;
                let counts = |v: &Value| -> [f64; 3] {
                    let a = v.as_array().unwrap();
                    [num(&a[0]), num(&a[1]), num(&a[2])]
                };
                let alpha = num(&x["alpha"]);
                let a = nps::score(counts(&x["a"]), alpha).unwrap();
                let b = nps::score(counts(&x["b"]), alpha).unwrap();
                c.value(&format!("{name} score"), a.score, num(&want["scoreA"]));
                c.value(&format!("{name} score b"), b.score, num(&want["scoreB"]));
                c.value(&format!("{name} se"), a.se, num(&want["seA"]));
                c.value(&format!("{name} lo"), a.score_ci.0, num(&want["ciA"][0]));
                c.value(&format!("{name} hi"), a.score_ci.1, num(&want["ciA"][1]));
                let (test, ci) = nps::compare(&a, &b, alpha).unwrap();
                c.value(
                    &format!("{name} z"),
                    test.statistic,
                    num(&want["statistic"]),
                );
                c.prob(&format!("{name} p"), test.p_value, num(&want["pValue"]));
                c.value(&format!("{name} diff lo"), ci.0, num(&want["diffCI"][0]));
                c.value(&format!("{name} diff hi"), ci.1, num(&want["diffCI"][1]));
            }
            "t_sample_size" => {
                let n = power::t_sample_size(
                    num(&x["d"]),
                    num(&x["alpha"]),
                    num(&x["power"]),
                    num(&x["ratio"]),
                )
                .unwrap();
                c.value(&name, n, num(&want["nobs1"]));
            }
            "t_mde" => {
                let d = power::t_mde(
                    num(&x["nobs1"]),
                    num(&x["alpha"]),
                    num(&x["power"]),
                    num(&x["ratio"]),
                )
                .unwrap();
                c.value(&name, d, num(&want["effect"]));
            }
            "sequential" => {
                let (t, k) = (group(&x["t"]), group(&x["c"]));
                let (alpha, tuning) = (num(&x["alpha"]), num(&x["tuning"]));
                let n = t.n + k.n;
                // The variances as gbstats forms them: of the difference, and by the delta
                // method of the relative lift.
                let abs_var = t.var / t.n + k.var / k.n;
                let m2 = k.mean * k.mean;
                let rel_var = t.var / (m2 * t.n) + k.var * t.mean * t.mean / (m2 * m2 * k.n);
                for (scale, estimate, var) in [
                    ("absolute", t.mean - k.mean, abs_var),
                    ("relative", (t.mean - k.mean) / k.mean, rel_var),
                ] {
                    let w = &want[scale];
                    c.value(
                        &format!("{name} {scale} estimate"),
                        estimate,
                        num(&w["estimate"]),
                    );
                    c.value(
                        &format!("{name} {scale} variance"),
                        var,
                        num(&w["variance"]),
                    );
                    let q = sequential::sequence(estimate, var, n, alpha, tuning).unwrap();
                    c.value(&format!("{name} {scale} lo"), q.ci.0, num(&w["ci"][0]));
                    c.value(&format!("{name} {scale} hi"), q.ci.1, num(&w["ci"][1]));
                    c.prob(&format!("{name} {scale} p"), q.p_value, num(&w["pValue"]));
                }
            }
            // Run through `offerwise analyze` by tests/analysis.rs.
            "analyze_units" => {}
            other => panic!("unknown kind {other}"),
        }
    }
    assert!(
        c.failures.is_empty(),
        "{} of the checks differ (worst {:e}):\n{}",
        c.failures.len(),
        c.worst,
        c.failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let g = |n: f64, mean: f64, var: f64| Group { n, mean, var };
    assert_eq!(
        st::welch_ttest(&g(1.0, 1.0, 1.0), &g(5.0, 1.0, 1.0))
            .unwrap_err()
            .code(),
        "stats.too_few"
    );
    assert_eq!(
        st::welch_ttest(&g(5.0, 1.0, 0.0), &g(5.0, 2.0, 0.0))
            .unwrap_err()
            .code(),
        "stats.zero_variance"
    );
    assert_eq!(
        st::welch_ttest(&g(5.0, f64::NAN, 1.0), &g(5.0, 2.0, 1.0))
            .unwrap_err()
            .code(),
        "stats.invalid"
    );
    assert_eq!(
        st::two_proportion_ztest(11.0, 10.0, 1.0, 10.0)
            .unwrap_err()
            .code(),
        "stats.invalid"
    );
    assert_eq!(
        st::two_proportion_ztest(0.0, 10.0, 0.0, 10.0)
            .unwrap_err()
            .code(),
        "stats.zero_variance"
    );
    assert_eq!(
        st::srm(&[10.0], &[1.0]).unwrap_err().code(),
        "stats.invalid"
    );
    assert_eq!(
        st::relative_ci(&g(5.0, 1.0, 1.0), &g(5.0, 0.0, 1.0), 0.05)
            .unwrap_err()
            .code(),
        "stats.invalid"
    );
}

/// Group-sequential boundaries against scipy's multivariate normal integration
/// (`tests/vectors/group_sequential.json`, by `scripts/group_sequential_reference.py`): to
/// 1e-5 absolute, the accuracy of Genz's integration in four or five dimensions (the Rust
/// integration is converged to 1e-8: its unit test).
#[test]
fn group_sequential_boundaries_equal_scipy() {
    use offerwise::stats::group_sequential::{boundaries, Spending};
    let doc: Value = serde_json::from_str(include_str!("vectors/group_sequential.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let fractions: Vec<f64> = case["fractions"]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        let spending = match case["spending"].as_str().unwrap() {
            "obrien-fleming" => Spending::OBrienFleming,
            "pocock" => Spending::Pocock,
            other => panic!("spending {other}"),
        };
        let got = boundaries(&fractions, num(&case["alpha"]), spending).unwrap();
        for (k, (g, w)) in got
            .iter()
            .zip(case["boundaries"].as_array().unwrap())
            .enumerate()
        {
            let w = num(w);
            assert!(
                (g - w).abs() < 1e-5,
                "{spending:?} {fractions:?} look {k}: {g} vs scipy {w}"
            );
        }
    }
}
