//! Closed forms against the pinned reference vectors (`tests/vectors/clv.json`, written by
//! `scripts/clv_reference.py` from lifetimes 0.11.3 / scipy / mpmath).

use crate::common;

use std::collections::BTreeMap;

use common::{load_vectors, rel_err};
use offerwise::clv::{
    customer_lifetime_value, hyp2f1, ln_gamma, summarize_with_holdout, BgNbdParams,
    CustomerSummary, GammaGammaParams, MbgNbdParams, ParetoNbdParams, PurchaseParams, TimeUnit,
};
use serde_json::Value;

/// Closed forms must agree with the reference to this relative tolerance.
const CLOSED_FORM_REL: f64 = 1e-9;

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn bg(v: &Value) -> BgNbdParams {
    BgNbdParams {
        r: num(&v["r"]),
        alpha: num(&v["alpha"]),
        a: num(&v["a"]),
        b: num(&v["b"]),
    }
}

fn mbg(v: &Value) -> MbgNbdParams {
    MbgNbdParams {
        r: num(&v["r"]),
        alpha: num(&v["alpha"]),
        a: num(&v["a"]),
        b: num(&v["b"]),
    }
}

fn pareto(v: &Value) -> ParetoNbdParams {
    ParetoNbdParams {
        r: num(&v["r"]),
        alpha: num(&v["alpha"]),
        s: num(&v["s"]),
        beta: num(&v["beta"]),
    }
}

/// The purchase model of a `mbgnbd/...` or `pareto/...` case.
fn purchase(name: &str, v: &Value) -> PurchaseParams {
    if name.starts_with("mbgnbd/") {
        PurchaseParams::ModifiedBgNbd(mbg(v))
    } else {
        PurchaseParams::ParetoNbd(pareto(v))
    }
}

/// Checks a value pinned with `pin()` in the script: always against the 50-digit value,
/// and against lifetimes unless the case says lifetimes is inaccurate there. Returns whether
/// the case was held to mpmath only.
fn check_pinned(
    t: &mut Tally,
    kinds: (&'static str, &'static str),
    name: &str,
    got: f64,
    e: &Value,
) -> bool {
    t.check(kinds.0, name, got, num(&e["mpmath"]), CLOSED_FORM_REL);
    if e.get("reference").and_then(Value::as_str) == Some("mpmath") {
        true
    } else {
        t.check(kinds.1, name, got, num(&e["value"]), CLOSED_FORM_REL);
        false
    }
}

fn gg(v: &Value) -> GammaGammaParams {
    GammaGammaParams {
        p: num(&v["p"]),
        q: num(&v["q"]),
        v: num(&v["v"]),
    }
}

fn unit(v: &Value) -> TimeUnit {
    match v.as_str() {
        Some("days") => TimeUnit::Days,
        Some("weeks") => TimeUnit::Weeks,
        other => panic!("unknown unit {other:?}"),
    }
}

#[derive(Default)]
struct Tally {
    checked: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
    worst: BTreeMap<&'static str, f64>,
}

impl Tally {
    fn check(&mut self, kind: &'static str, name: &str, got: f64, want: f64, tol: f64) {
        *self.checked.entry(kind).or_default() += 1;
        let e = rel_err(got, want);
        let w = self.worst.entry(kind).or_default();
        *w = w.max(e);
        if e.is_nan() || e > tol {
            self.failures.push(format!(
                "{name}: got {got:e}, want {want:e} (rel err {e:e} > {tol:e})"
            ));
        }
    }
}

#[test]
fn closed_forms_match_reference_vectors() {
    let v = load_vectors();
    let cases = v["cases"].as_array().expect("cases");
    let mut t = Tally::default();
    let mut mpmath_only = 0;
    let mut new_mpmath_only = 0;
    for c in cases {
        let name = c[0].as_str().expect("name");
        let (i, e) = (&c[1], &c[2]);
        if name.starts_with("ln_gamma/") {
            let got = ln_gamma(num(&i["x"]));
            // Absolute accuracy, relative to max(1, |ln Γ|): compare 1 + error with 1.
            for (kind, want) in [
                ("ln_gamma", num(&e["mpmath"])),
                ("ln_gamma_vs_scipy", num(&e["value"])),
            ] {
                let scale = want.abs().max(1.0);
                t.check(kind, name, 1.0 + (got - want) / scale, 1.0, 5e-15);
            }
        } else if name.starts_with("hyp2f1/") {
            let got = hyp2f1(num(&i["a"]), num(&i["b"]), num(&i["c"]), num(&i["z"]))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            t.check(
                "hyp2f1_vs_scipy",
                name,
                got,
                num(&e["scipy"]),
                CLOSED_FORM_REL,
            );
            t.check("hyp2f1_vs_mpmath", name, got, num(&e["mpmath"]), 1e-12);
        } else if name.starts_with("bgnbd/p_alive/") {
            let got = bg(&i["params"])
                .p_alive(num(&i["x"]), num(&i["tx"]), num(&i["T"]))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            t.check("p_alive", name, got, num(&e["value"]), CLOSED_FORM_REL);
        } else if name.starts_with("bgnbd/expected/") || name.starts_with("bgnbd/expected_new/") {
            let p = bg(&i["params"]);
            let got = if name.starts_with("bgnbd/expected_new/") {
                p.expected_purchases_new(num(&i["t"]))
            } else {
                p.expected_purchases(num(&i["t"]), num(&i["x"]), num(&i["tx"]), num(&i["T"]))
            }
            .unwrap_or_else(|err| panic!("{name}: {err}"));
            // Always against the 50-digit value; against lifetimes where lifetimes is accurate.
            t.check(
                "expected_vs_mpmath",
                name,
                got,
                num(&e["mpmath"]),
                CLOSED_FORM_REL,
            );
            if e.get("reference").and_then(Value::as_str) == Some("mpmath") {
                mpmath_only += 1;
            } else {
                t.check(
                    "expected_vs_lifetimes",
                    name,
                    got,
                    num(&e["value"]),
                    CLOSED_FORM_REL,
                );
            }
        } else if name.starts_with("bgnbd/loglik/") {
            let p = bg(&i["params"]);
            let total: f64 = i["customers"]
                .as_array()
                .expect("customers")
                .iter()
                .map(|h| {
                    p.log_likelihood(num(&h[0]), num(&h[1]), num(&h[2]))
                        .expect("ll")
                })
                .sum();
            t.check(
                "bgnbd_loglik",
                name,
                total,
                num(&e["total"]),
                CLOSED_FORM_REL,
            );
        } else if name.starts_with("gg/expected_order_value/") {
            let got = gg(&i["params"])
                .expected_order_value(num(&i["frequency"]), num(&i["monetary_value"]))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            t.check(
                "expected_order_value",
                name,
                got,
                num(&e["value"]),
                CLOSED_FORM_REL,
            );
        } else if name.starts_with("gg/loglik/") {
            let p = gg(&i["params"]);
            let total: f64 = i["customers"]
                .as_array()
                .expect("customers")
                .iter()
                .map(|h| p.log_likelihood(num(&h[0]), num(&h[1])).expect("ll"))
                .sum();
            t.check("gg_loglik", name, total, num(&e["total"]), CLOSED_FORM_REL);
        } else if name.starts_with("clv/") {
            let (b, g, u) = (bg(&i["bgnbd"]), gg(&i["gammaGamma"]), unit(&i["timeUnit"]));
            let months = num(&i["months"]) as u32;
            let (rate, margin) = (num(&i["monthlyDiscountRate"]), num(&i["margin"]));
            let customers = i["customers"].as_array().expect("customers");
            let values = e["values"].as_array().expect("values");
            assert_eq!(customers.len(), values.len());
            for (k, (cu, want)) in customers.iter().zip(values).enumerate() {
                let s = CustomerSummary {
                    frequency: num(&cu[0]),
                    recency: num(&cu[1]),
                    t: num(&cu[2]),
                    monetary_value: num(&cu[3]),
                };
                let got = customer_lifetime_value(&b, &g, &s, u, months, margin, rate)
                    .unwrap_or_else(|err| panic!("{name}: {err}"));
                t.check(
                    "clv",
                    &format!("{name}#{k}"),
                    got,
                    num(want),
                    CLOSED_FORM_REL,
                );
            }
        } else if name.starts_with("summary/synthetic/") {
            check_synthetic_summary(name, i, e, &mut t);
        } else if name.starts_with("mbgnbd/p_alive/") {
            let got = purchase(name, &i["params"])
                .p_alive(num(&i["x"]), num(&i["tx"]), num(&i["T"]))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            t.check("mbg_p_alive", name, got, num(&e["value"]), CLOSED_FORM_REL);
        } else if name.starts_with("pareto/p_alive/") {
            let got = purchase(name, &i["params"])
                .p_alive(num(&i["x"]), num(&i["tx"]), num(&i["T"]))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            if check_pinned(
                &mut t,
                ("pareto_p_alive_vs_mpmath", "pareto_p_alive_vs_lifetimes"),
                name,
                got,
                e,
            ) {
                new_mpmath_only += 1;
            }
        } else if name.starts_with("mbgnbd/expected") || name.starts_with("pareto/expected") {
            let p = purchase(name, &i["params"]);
            let got = if name.contains("/expected_new/") {
                p.expected_purchases_new(num(&i["t"]))
            } else {
                p.expected_purchases(num(&i["t"]), num(&i["x"]), num(&i["tx"]), num(&i["T"]))
            }
            .unwrap_or_else(|err| panic!("{name}: {err}"));
            let kinds = if name.starts_with("mbgnbd/") {
                ("mbg_expected_vs_mpmath", "mbg_expected_vs_lifetimes")
            } else {
                ("pareto_expected_vs_mpmath", "pareto_expected_vs_lifetimes")
            };
            if check_pinned(&mut t, kinds, name, got, e) {
                new_mpmath_only += 1;
            }
        } else if name.starts_with("mbgnbd/loglik/") || name.starts_with("pareto/loglik/") {
            let p = purchase(name, &i["params"]);
            let customers: Vec<CustomerSummary> = i["customers"]
                .as_array()
                .expect("customers")
                .iter()
                .map(|h| CustomerSummary {
                    frequency: num(&h[0]),
                    recency: num(&h[1]),
                    t: num(&h[2]),
                    monetary_value: 0.0,
                })
                .collect();
            let total = p
                .total_log_likelihood(&customers)
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            if name.starts_with("mbgnbd/") {
                t.check("mbg_loglik", name, total, num(&e["total"]), CLOSED_FORM_REL);
            } else if check_pinned(
                &mut t,
                ("pareto_loglik_vs_mpmath", "pareto_loglik_vs_lifetimes"),
                name,
                total,
                e,
            ) {
                new_mpmath_only += 1;
            }
        }
    }
    for (kind, n) in &t.checked {
        eprintln!(
            "{kind}: {n} checks, worst relative error {:e}",
            t.worst[kind]
        );
    }
    eprintln!(
        "expected purchases held to mpmath only (lifetimes inaccurate or NaN): {mpmath_only}"
    );
    eprintln!("MBG/NBD and Pareto/NBD values held to mpmath only: {new_mpmath_only}");
    assert!(
        t.failures.is_empty(),
        "{} failures:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
    // The file really exercised every kind (guards against a silently empty vector file).
    for (kind, min) in [
        ("ln_gamma", 15),
        ("hyp2f1_vs_scipy", 20),
        ("p_alive", 50),
        ("expected_vs_mpmath", 300),
        ("expected_vs_lifetimes", 250),
        ("bgnbd_loglik", 5),
        ("expected_order_value", 12),
        ("gg_loglik", 2),
        ("clv", 30),
        ("summary", 10),
        ("mbg_p_alive", 55),
        ("mbg_expected_vs_mpmath", 360),
        ("mbg_expected_vs_lifetimes", 280),
        ("mbg_loglik", 5),
        ("pareto_p_alive_vs_mpmath", 40),
        ("pareto_expected_vs_mpmath", 220),
        ("pareto_expected_vs_lifetimes", 170),
        ("pareto_loglik_vs_mpmath", 4),
    ] {
        let n = t.checked.get(kind).copied().unwrap_or(0);
        assert!(n >= min, "only {n} checks of {kind}");
    }
    assert_eq!(
        mpmath_only, 80,
        "cases where lifetimes is inaccurate changed"
    );
    assert_eq!(
        new_mpmath_only, 122,
        "MBG/NBD and Pareto/NBD cases where lifetimes is inaccurate changed"
    );
}

fn check_synthetic_summary(name: &str, i: &Value, e: &Value, t: &mut Tally) {
    let u = unit(&i["timeUnit"]);
    let cal_end = i["calibrationEndMs"].as_i64().expect("cal end");
    let hold_end = i["holdoutEndMs"].as_i64().expect("holdout end");
    let mut by_id: BTreeMap<String, (Vec<i64>, Vec<f64>)> = BTreeMap::new();
    for tr in i["transactions"].as_array().expect("transactions") {
        let entry = by_id
            .entry(tr[0].as_str().expect("id").to_string())
            .or_default();
        entry.0.push(tr[1].as_i64().expect("ms"));
        entry.1.push(num(&tr[2]));
    }
    let want = e["customers"].as_object().expect("customers");
    for (id, (ts, amounts)) in &by_id {
        let got = summarize_with_holdout(ts, amounts, cal_end, hold_end, u).expect("summary");
        match (got, want.get(id)) {
            (None, None) => {}
            (Some(h), Some(w)) => {
                let s = h.calibration;
                let fields = [
                    s.frequency,
                    s.recency,
                    s.t,
                    s.monetary_value,
                    f64::from(h.holdout_purchases),
                ];
                for (k, (g, w)) in fields.iter().zip(w.as_array().expect("row")).enumerate() {
                    t.check("summary", &format!("{name}/{id}[{k}]"), *g, num(w), 1e-14);
                }
            }
            (g, w) => t
                .failures
                .push(format!("{name}/{id}: got {g:?}, want {w:?}")),
        }
    }
    let d = offerwise::clv::holdout_duration(cal_end, hold_end, u);
    t.check(
        "summary",
        &format!("{name}/duration"),
        d,
        num(&e["durationHoldout"]),
        1e-15,
    );
}
