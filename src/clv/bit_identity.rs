//! The batched lifetime-value code against the plain per-horizon code it replaces, on many
//! seeded pseudo-random inputs: results must have the same bits (`f64::to_bits`) and errors
//! must be equal.
//!
//! * [`special::hyp2f1_parts_multi`] against [`special::hyp2f1_parts`] point by point;
//! * [`PurchaseParams::expected_purchases_multi`] against
//!   [`PurchaseParams::expected_purchases`] horizon by horizon (BG/NBD, MBG/NBD, Pareto/NBD);
//! * [`value::clv_with_order_value`] against [`value::clv_reference`] (one
//!   `expected_purchases` and one `pow` per month);
//! * [`ClvModel::predict`] against [`predict_reference`], the prediction as it was written
//!   before the batching.

use super::bgnbd::BgNbdParams;
use super::error::ClvError;
use super::gamma_gamma::GammaGammaParams;
use super::mbgnbd::MbgNbdParams;
use super::model::{ClvModel, ClvOptions, ClvPrediction, FitReport};
use super::pareto::ParetoNbdParams;
use super::purchase::PurchaseParams;
use super::special::{self, Hyp};
use super::summary::{CustomerSummary, TimeUnit};
use super::value;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::SplitMix64;

/// rand_xoshiro's SplitMix64: a small seeded generator, enough for test inputs.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(SplitMix64::seed_from_u64(seed))
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }

    /// Log-uniform in [lo, hi).
    fn log_range(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.f()).exp()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

fn same_bits(got: f64, want: f64, what: &dyn std::fmt::Debug) {
    assert_eq!(
        got.to_bits(),
        want.to_bits(),
        "{got:e} vs {want:e} (reference) for {what:?}"
    );
}

fn same_opt_bits(got: Option<f64>, want: Option<f64>, what: &dyn std::fmt::Debug) {
    assert_eq!(
        got.is_some(),
        want.is_some(),
        "{got:?} vs {want:?} for {what:?}"
    );
    if let (Some(g), Some(w)) = (got, want) {
        same_bits(g, w, what);
    }
}

/// `hyp2f1_parts_multi` against `hyp2f1_parts` at every point; returns whether it failed.
fn check_hyp_multi(a: f64, b: f64, c: f64, z: &[f64], omz: &[f64]) -> bool {
    let want: Vec<Result<Hyp, ClvError>> = z
        .iter()
        .zip(omz)
        .map(|(&z, &omz)| special::hyp2f1_parts(a, b, c, z, omz))
        .collect();
    let mut out = vec![
        Hyp {
            ln_scale: f64::NAN,
            tail: f64::NAN,
        };
        z.len()
    ];
    let got = special::hyp2f1_parts_multi(a, b, c, z, omz, &mut out);
    let what = (a, b, c, z);
    match want.iter().find_map(|w| w.as_ref().err()) {
        Some(e) => {
            assert_eq!(got.as_ref().err(), Some(e), "{what:?}");
            true
        }
        None => {
            assert_eq!(got, Ok(()), "{what:?}");
            for (g, w) in out.iter().zip(&want) {
                let w = w.as_ref().unwrap();
                same_bits(g.ln_scale, w.ln_scale, &what);
                same_bits(g.tail, w.tail, &what);
            }
            false
        }
    }
}

/// Parameters `(a, b, c)` of the kinds `hyp2f1_parts` distinguishes.
fn hyp_params(rng: &mut Rng) -> (f64, f64, f64) {
    match rng.below(8) {
        // As in eq. 10: (a + b − 1 − r, a − 1, a + b + x − 1).
        0..=2 => {
            let (r, a, b) = (
                rng.log_range(0.05, 20.0),
                rng.log_range(0.05, 10.0),
                rng.log_range(0.05, 10.0),
            );
            let x = rng.below(50) as f64;
            (a + b - 1.0 - r, a - 1.0, a + b + x - 1.0)
        }
        // c − a − b < 0: Euler's transformation.
        3 => {
            let a = rng.range(0.1, 6.0);
            let b = rng.range(0.1, 6.0);
            (a, b, rng.range(0.05, (a + b).max(0.1)))
        }
        // Integer parameters: polynomials, Euler polynomials, c a non-positive integer.
        4 => {
            let int = |rng: &mut Rng| rng.below(9) as f64 - 4.0;
            let a = if rng.chance(0.5) {
                int(rng)
            } else {
                rng.range(-4.0, 4.0)
            };
            let b = if rng.chance(0.5) {
                int(rng)
            } else {
                rng.range(-4.0, 4.0)
            };
            let c = if rng.chance(0.3) {
                int(rng)
            } else if rng.chance(0.5) {
                a + int(rng).min(0.0)
            } else {
                rng.range(-4.0, 8.0)
            };
            (a, b, c)
        }
        // Large c (fast series close to 1), large a and b (overflow, slow series).
        5 => (
            rng.range(-3.0, 3.0),
            rng.range(-3.0, 3.0),
            rng.log_range(10.0, 5000.0),
        ),
        6 => (
            rng.log_range(1.0, 300.0),
            rng.log_range(1.0, 300.0),
            rng.log_range(0.5, 50.0),
        ),
        _ => (
            rng.range(-5.0, 5.0),
            rng.range(-5.0, 5.0),
            rng.range(-5.0, 10.0),
        ),
    }
}

#[test]
fn hyp2f1_multi_has_the_bits_of_hyp2f1_parts() {
    let mut rng = Rng::new(0x2F1);
    let (mut failures, mut above, mut euler) = (0, 0, 0);
    for case in 0..3000 {
        let (a, b, c) = hyp_params(&mut rng);
        let n = 1 + rng.below(40) as usize;
        let mut z = Vec::with_capacity(n);
        let mut omz = Vec::with_capacity(n);
        // Horizons over alpha + T, as eq. 10 makes them (increasing z), or anything.
        let at = rng.log_range(0.05, 500.0);
        let any_month = rng.log_range(0.01, 100.0);
        let month = rng.pick(&[4.345, 30.0, any_month]);
        for i in 0..n {
            let (zi, omzi) = match rng.below(12) {
                0 => (0.0, 1.0),
                1 => {
                    let w = rng.log_range(1e-3, 1e6);
                    (-w, 1.0 + w)
                }
                2 => (1.0, 0.0),
                3 => (1.5, -0.5),
                4 => (f64::NAN, f64::NAN),
                5 => {
                    let e = rng.log_range(1e-10, 0.2);
                    (1.0 - e, e)
                }
                6 => {
                    let zi = rng.range(0.8, 1.0);
                    (zi, 1.0 - zi)
                }
                7 => {
                    let zi = rng.f();
                    (zi, 1.0 - zi)
                }
                _ => {
                    let h = (i + 1) as f64 * month;
                    (h / (at + h), at / (at + h))
                }
            };
            // Mostly ordinary points, so that whole blocks take the batched path.
            let (zi, omzi) = if case % 3 == 0 || rng.chance(0.1) {
                (zi, omzi)
            } else {
                let h = (i + 1) as f64 * month;
                (h / (at + h), at / (at + h))
            };
            above += usize::from(zi > 0.8 && zi < 1.0);
            z.push(zi);
            omz.push(omzi);
        }
        euler += usize::from(c - a - b < 0.0);
        failures += usize::from(check_hyp_multi(a, b, c, &z, &omz));
    }
    // The cases the batched path distinguishes all occurred.
    assert!(
        failures > 100 && above > 1000 && euler > 300,
        "{failures} {above} {euler}"
    );
}

/// A purchase model with parameters drawn to cover the numerical paths: `a` exactly 1, Euler's
/// transformation in eq. 10 (`a > x + r + 1`), small `alpha` (z close to 1), `s = 1`.
fn purchase_params(rng: &mut Rng, kind: u64) -> PurchaseParams {
    let r = rng.log_range(0.02, 30.0);
    let alpha = rng.log_range(0.02, 200.0);
    let a = match rng.below(6) {
        0 => 1.0,
        1 => rng.log_range(2.0, 40.0),
        2 => 1.0 + rng.range(-1e-3, 1e-3),
        _ => rng.log_range(0.02, 10.0),
    };
    let b = rng.log_range(0.02, 20.0);
    let mut p = match kind {
        0 => PurchaseParams::BgNbd(BgNbdParams { r, alpha, a, b }),
        1 => PurchaseParams::ModifiedBgNbd(MbgNbdParams { r, alpha, a, b }),
        _ => PurchaseParams::ParetoNbd(ParetoNbdParams {
            r,
            alpha,
            s: if rng.chance(0.2) { 1.0 } else { b },
            beta: rng.log_range(0.02, 200.0),
        }),
    };
    if rng.chance(0.02) {
        // Invalid parameters.
        let bad = rng.pick(&[0.0, -1.0, f64::NAN, f64::INFINITY]);
        match &mut p {
            PurchaseParams::BgNbd(q) => q.b = bad,
            PurchaseParams::ModifiedBgNbd(q) => q.r = bad,
            PurchaseParams::ParetoNbd(q) => q.beta = bad,
        }
    }
    p
}

/// A history `(x, t_x, T)`: `x` in 0..50, `t_x ≤ T`, sometimes invalid.
fn history(rng: &mut Rng) -> (f64, f64, f64) {
    let x = if rng.chance(0.1) {
        rng.range(0.0, 50.0)
    } else {
        rng.below(50) as f64
    };
    let t = match rng.below(6) {
        0 => 0.0,
        1 => rng.range(0.0, 3.0),
        _ => rng.log_range(0.01, 600.0),
    };
    let t_x = match rng.below(4) {
        0 => 0.0,
        1 => t,
        _ => rng.f() * t,
    };
    let t_x = if x == 0.0 && rng.chance(0.7) {
        0.0
    } else {
        t_x
    };
    if rng.chance(0.03) {
        return match rng.below(4) {
            0 => (-1.0, t_x, t),
            1 => (x, t + 1.0, t),
            2 => (x, t_x, f64::NAN),
            _ => (f64::INFINITY, t_x, t),
        };
    }
    (x, t_x, t)
}

#[test]
fn expected_purchases_multi_has_the_bits_of_expected_purchases() {
    let mut rng = Rng::new(0xE10);
    let (mut errors, mut euler, mut above) = (0, 0, 0);
    for case in 0..6000 {
        let purchase = purchase_params(&mut rng, case % 3);
        let (x, t_x, t) = history(&mut rng);
        let month = rng.pick(&[4.345, 30.0]);
        let n = rng.below(40) as usize;
        let mut horizons: Vec<f64> = (1..=n).map(|i| i as f64 * month).collect();
        if rng.chance(0.3) && n > 0 {
            // The predictions' horizon, anywhere; sometimes 0 or invalid.
            let any = rng.log_range(1e-3, 1e4);
            let h = rng.pick(&[90.0 / 7.0, 39.0, 0.0, any, f64::NAN, -1.0]);
            let at = rng.below(n as u64) as usize;
            horizons[at] = h;
        }
        let want: Vec<Result<f64, ClvError>> = horizons
            .iter()
            .map(|&h| purchase.expected_purchases(h, x, t_x, t))
            .collect();
        let mut out = vec![f64::NAN; n];
        let got = purchase.expected_purchases_multi(&horizons, x, t_x, t, &mut out);
        let what = (purchase, x, t_x, t, &horizons);
        match want.iter().find_map(|w| w.as_ref().err()) {
            Some(e) => {
                assert_eq!(got.as_ref().err(), Some(e), "{what:?}");
                errors += 1;
            }
            None => {
                assert_eq!(got, Ok(()), "{what:?}");
                for (g, w) in out.iter().zip(&want) {
                    same_bits(*g, *w.as_ref().unwrap(), &what);
                }
            }
        }
        if let PurchaseParams::BgNbd(BgNbdParams { r, alpha, a, .. })
        | PurchaseParams::ModifiedBgNbd(MbgNbdParams { r, alpha, a, .. }) = purchase
        {
            // eq. 10: c − a − b of its 2F1 is x + r + 1 − a.
            euler += usize::from(x + r + 1.0 - a < 0.0);
            let h = horizons.iter().copied().fold(0.0, f64::max);
            above += usize::from(h / (alpha + t + h) > 0.8);
        }
    }
    assert!(
        errors > 200 && euler > 100 && above > 1000,
        "{errors} {euler} {above}"
    );
}

#[test]
fn clv_has_the_bits_of_the_monthly_loop() {
    let mut rng = Rng::new(0xC1F);
    let mut errors = 0;
    for case in 0..4000 {
        let purchase = purchase_params(&mut rng, case % 3);
        let (x, t_x, t) = history(&mut rng);
        let summary = CustomerSummary {
            frequency: x,
            recency: t_x,
            t,
            monetary_value: rng.log_range(1.0, 500.0),
        };
        let time_unit = rng.pick(&[TimeUnit::Weeks, TimeUnit::Days]);
        let months = if case % 400 == 7 {
            // Past the discount-factor cache and across many blocks.
            rng.pick(&[100, 1199, 1200, 1201, 1250])
        } else {
            rng.below(37) as u32
        };
        let margin = match rng.below(10) {
            0 => 1.0,
            1 => 0.0,
            2 if rng.chance(0.3) => rng.pick(&[-0.1, f64::NAN, f64::INFINITY]),
            _ => rng.f(),
        };
        // A few rates, so that the cache is refilled, and invalid ones.
        let rate = match rng.below(10) {
            0 => 0.0,
            1..=4 => 0.01,
            5 if rng.chance(0.3) => rng.pick(&[-0.01, f64::NAN]),
            _ => rng.range(0.0, 0.2),
        };
        let order_value = rng.log_range(0.5, 1000.0);
        let got = value::clv_with_order_value(
            &purchase,
            order_value,
            &summary,
            time_unit,
            months,
            margin,
            rate,
        );
        let want = value::clv_reference(
            &purchase,
            order_value,
            &summary,
            time_unit,
            months,
            margin,
            rate,
        );
        let what = (purchase, summary, time_unit, months, margin, rate);
        match (got, want) {
            (Ok(g), Ok(w)) => same_bits(g, w, &what),
            (g, w) => {
                assert_eq!(g, w, "{what:?}");
                errors += 1;
            }
        }
    }
    assert!(errors > 100, "{errors}");
}

/// `ClvModel::predict` as it was before the batching: one `expected_purchases` for the
/// horizon, then the CLV month by month.
fn predict_reference(
    m: &ClvModel,
    summary: &CustomerSummary,
    opts: &ClvOptions,
) -> Result<ClvPrediction, ClvError> {
    summary.validate("customer")?;
    let (x, t_x, t) = (summary.frequency, summary.recency, summary.t);
    if !(opts.horizon_periods.is_finite() && opts.horizon_periods >= 0.0) {
        return Err(ClvError::invalid(
            "options",
            "horizon_periods",
            format!("{} must be a finite number ≥ 0", opts.horizon_periods),
        ));
    }
    let purchase = m.purchase()?;
    let p_alive = purchase.p_alive(x, t_x, t)?;
    let expected_purchases = purchase.expected_purchases(opts.horizon_periods, x, t_x, t)?;
    let (expected_order_value, clv) = match &m.gamma_gamma {
        Some(gg) => {
            let eov = gg.expected_order_value(x, summary.monetary_value)?;
            let clv = value::clv_reference(
                &purchase,
                eov,
                summary,
                m.time_unit,
                opts.clv_months,
                opts.margin,
                opts.monthly_discount_rate,
            )?;
            (Some(eov), Some(clv))
        }
        None => (None, None),
    };
    Ok(ClvPrediction {
        p_alive,
        churn_risk: 1.0 - p_alive,
        purchase_model: purchase.kind(),
        expected_purchases,
        expected_order_value,
        clv,
    })
}

#[test]
fn predict_has_the_bits_of_the_reference_prediction() {
    let mut rng = Rng::new(0x9ED);
    let fit = FitReport {
        log_likelihood: -1.0,
        iterations: 1,
        converged: true,
        objective: 1.0,
        n_customers: 1,
        n_repeat_buyers: 1,
        calibration_end_ms: 0,
        penalizer: 0.0,
        gamma_gamma: None,
    };
    let mut errors = 0;
    for case in 0..4000 {
        let purchase = purchase_params(&mut rng, case % 3);
        let gamma_gamma = match rng.below(10) {
            0 => None,
            // q ≤ 1: no mean spend.
            1 if rng.chance(0.3) => Some(GammaGammaParams {
                p: 6.0,
                q: 0.9,
                v: 15.0,
            }),
            _ => Some(GammaGammaParams {
                p: rng.log_range(0.5, 20.0),
                q: rng.log_range(1.1, 20.0),
                v: rng.log_range(1.0, 100.0),
            }),
        };
        let time_unit = rng.pick(&[TimeUnit::Weeks, TimeUnit::Days]);
        let m = ClvModel::new(time_unit, purchase, gamma_gamma, fit.clone());
        let (x, t_x, t) = history(&mut rng);
        let summary = CustomerSummary {
            frequency: x,
            recency: t_x,
            t,
            monetary_value: if x == 0.0 {
                0.0
            } else if rng.chance(0.02) {
                -1.0
            } else {
                rng.log_range(1.0, 500.0)
            },
        };
        let opts = ClvOptions {
            horizon_periods: match rng.below(10) {
                0 => 0.0,
                1 if rng.chance(0.3) => f64::NAN,
                2 => rng.log_range(0.1, 1000.0),
                _ => 90.0 / time_unit.days(),
            },
            clv_months: if rng.chance(0.5) {
                12
            } else {
                rng.below(37) as u32
            },
            margin: if rng.chance(0.02) { -0.3 } else { 0.3 },
            monthly_discount_rate: match rng.below(50) {
                0 => f64::NAN,
                1..=9 => 0.0,
                _ => 0.01,
            },
        };
        let got = m.predict(&summary, &opts);
        let want = predict_reference(&m, &summary, &opts);
        let what = (&m.purchase(), summary, opts);
        match (got, want) {
            (Ok(g), Ok(w)) => {
                same_bits(g.p_alive, w.p_alive, &what);
                same_bits(g.churn_risk, w.churn_risk, &what);
                assert_eq!(g.purchase_model, w.purchase_model);
                same_bits(g.expected_purchases, w.expected_purchases, &what);
                same_opt_bits(g.expected_order_value, w.expected_order_value, &what);
                same_opt_bits(g.clv, w.clv, &what);
            }
            (g, w) => {
                assert_eq!(g, w, "{what:?}");
                errors += 1;
            }
        }
    }
    assert!(errors > 100, "{errors}");
}

/// The programme's settings on the shipped model's parameters (MBG/NBD in weeks, 12 months,
/// a 90-day horizon) over a grid of histories, including `T` small enough for `z > 0.8`.
#[test]
fn default_model_grid_has_the_reference_bits() {
    let m = ClvModel::new(
        TimeUnit::Weeks,
        PurchaseParams::ModifiedBgNbd(MbgNbdParams {
            r: 0.690_412_783_354_884_1,
            alpha: 9.895_650_652_019_194,
            a: 0.495_077_248_615_660_9,
            b: 0.862_889_459_606_221_3,
        }),
        Some(GammaGammaParams {
            p: 3.0,
            q: 4.0,
            v: 20.0,
        }),
        FitReport {
            log_likelihood: -1.0,
            iterations: 1,
            converged: true,
            objective: 1.0,
            n_customers: 1,
            n_repeat_buyers: 1,
            calibration_end_ms: 0,
            penalizer: 0.0,
            gamma_gamma: None,
        },
    );
    let opts = ClvOptions {
        horizon_periods: 90.0 / 7.0,
        clv_months: 12,
        margin: 0.3,
        monthly_discount_rate: 0.01,
    };
    for x in 0..50 {
        for t_days in (0..600).step_by(7) {
            for t_x_days in [0, t_days / 3, t_days] {
                let summary = CustomerSummary {
                    frequency: f64::from(x),
                    recency: f64::from(if x == 0 { 0 } else { t_x_days }) / 7.0,
                    t: f64::from(t_days) / 7.0,
                    monetary_value: if x == 0 { 0.0 } else { 25.0 },
                };
                let got = m.predict(&summary, &opts).unwrap();
                let want = predict_reference(&m, &summary, &opts).unwrap();
                let what = summary;
                same_bits(got.expected_purchases, want.expected_purchases, &what);
                same_opt_bits(got.clv, want.clv, &what);
                same_bits(got.p_alive, want.p_alive, &what);
            }
        }
    }
}
