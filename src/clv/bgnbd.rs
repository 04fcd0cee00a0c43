//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").
//!
//! While alive, a customer buys as a Poisson process with rate `λ ~ Gamma(r, α)` (shape
//! `r`, rate `α`, in the time unit of the summaries); after each purchase they drop out
//! with probability `p ~ Beta(a, b)`. For a customer with history `(x, t_x, T)`
//! (frequency, recency, age; see [`super::summary`]):
//!
//! * log-likelihood (paper §7, as in `lifetimes`), evaluated in log space (log-sum-exp):
//!   `ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) + ln[(α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x)]`;
//! * `P(alive) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))` — equal to 1 when
//!   `x = 0` (`lifetimes`' convention, which is also the model's: one can only drop out
//!   right after a repeat purchase);
//! * expected repeat purchases in `(T, T+t]` (paper eq. 10):
//!   `[(a+b+x−1)/(a−1)] · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / [1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)]`;
//! * for a new customer, expected purchases in `(0, t]` (eq. 9) is the same with
//!   `x = t_x = T = 0`.
//!
//! Numerics of eq. 10: with `z = t/(α+T+t)`, Euler's transformation gives
//! `(1−z)^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z)`,
//! whose log is computed directly (no overflow however large `x` or `z → 1`), and
//! `1 − exp(·)` is `−expm1(·)`. Because the second ₂F₁ minus 1 is proportional to `a − 1`,
//! the ratio with `a − 1` keeps full precision when `a` is close to 1; at exactly `a = 1`
//! (a removable singularity) the value is the mean of `a = 1 ± 10⁻⁶` (error ~10⁻¹²).
use crate::math::{exp, exp_m1, ln, ln_1p};

use serde::{Deserialize, Serialize};

use super::error::ClvError;
use super::special::{hyp2f1_parts, hyp2f1_parts_multi, ln_gamma, Hyp, MULTI_LANES};
use super::summary::CustomerSummary;

const MODEL: &str = "BG/NBD";

/// BG/NBD parameters; `alpha` is in the time unit of the summaries it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BgNbdParams {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (inverse scale) of the Gamma distribution of purchase rates, per time unit.
    pub alpha: f64,
    /// First shape of the Beta distribution of drop-out probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of drop-out probabilities.
    pub b: f64,
}

impl BgNbdParams {
    /// Checks that all four parameters are finite and positive.
    pub fn validate(&self) -> Result<(), ClvError> {
        super::error::check_positive(
            MODEL,
            &[
                ("r", self.r),
                ("alpha", self.alpha),
                ("a", self.a),
                ("b", self.b),
            ],
        )
    }

    /// Log-likelihood of one customer's history `(x, t_x, T)`.
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        self.validate()?;
        check_history(x, t_x, t, "argument")?;
        let Self { r, alpha, a, b } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * ln(alpha);
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        Ok(a1 + a2 + ll_tail(r, alpha, a, b, x, t_x, t))
    }

    /// Sum of [`Self::log_likelihood`] over customers (errors name the customer index).
    pub fn total_log_likelihood(&self, customers: &[CustomerSummary]) -> Result<f64, ClvError> {
        self.validate()?;
        sum_log_likelihood(customers, |x, t_x, t| self.log_likelihood(x, t_x, t))
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive at `T`
    /// (1 when `x = 0`).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        self.validate()?;
        check_history(x, t_x, t, "argument")?;
        if x <= 0.0 {
            return Ok(1.0);
        }
        Ok(super::mbgnbd::expit_neg(ln_death_odds(self, x, t_x, t)))
    }

    /// Expected number of repeat purchases in `(T, T + horizon]` of a customer with history
    /// `(x, t_x, T)` (paper eq. 10; `lifetimes`'
    /// `conditional_expected_number_of_purchases_up_to_time`).
    pub fn expected_purchases(
        &self,
        horizon: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ClvError> {
        self.validate()?;
        check_history(x, t_x, t, "argument")?;
        check_horizon(horizon)?;
        if horizon == 0.0 {
            return Ok(0.0);
        }
        let Self { r, alpha, a, b } = *self;
        let numerator = eq10_numerator(r, alpha, a, b, x, t, horizon)?;
        let value = if x > 0.0 {
            numerator / (1.0 + exp(ln_death_odds(self, x, t_x, t)))
        } else {
            numerator
        };
        finite_expectation(value, horizon, x, t_x, t, self)
    }

    /// Expected number of repeat purchases in `(0, horizon]` of a customer who has just made
    /// their first purchase (paper eq. 9; `lifetimes`' `expected_number_of_purchases_up_to_time`).
    pub fn expected_purchases_new(&self, horizon: f64) -> Result<f64, ClvError> {
        self.expected_purchases(horizon, 0.0, 0.0, 0.0)
    }

    /// [`PurchaseParams::expected_purchases_multi`](super::purchase::PurchaseParams::expected_purchases_multi)
    /// with the checks and the denominator computed once
    /// and the numerators together ([`eq10_numerator_multi`]); `None` on any error.
    #[cfg_attr(not(feature = "data"), allow(dead_code))]
    pub(crate) fn multi_fast(
        &self,
        horizons: &[f64],
        x: f64,
        t_x: f64,
        t: f64,
        out: &mut [f64],
    ) -> Option<()> {
        self.validate().ok()?;
        check_history(x, t_x, t, "argument").ok()?;
        for &h in horizons {
            check_horizon(h).ok()?;
        }
        let Self { r, alpha, a, b } = *self;
        eq10_numerator_multi(r, alpha, a, b, x, t, horizons, out).ok()?;
        let denominator = (x > 0.0).then(|| 1.0 + exp(ln_death_odds(self, x, t_x, t)));
        for (o, &h) in out.iter_mut().zip(horizons) {
            *o = if h == 0.0 {
                0.0
            } else if let Some(denominator) = denominator {
                *o / denominator
            } else {
                *o
            };
            if !o.is_finite() {
                return None;
            }
        }
        Some(())
    }
}

/// `value` if finite, else a [`ClvError::Numerical`] naming the inputs.
pub(crate) fn finite_expectation(
    value: f64,
    horizon: f64,
    x: f64,
    t_x: f64,
    t: f64,
    params: &dyn std::fmt::Debug,
) -> Result<f64, ClvError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ClvError::numerical(
            "expected_purchases",
            format!(
                "non-finite result for horizon {horizon}, x = {x}, t_x = {t_x}, T = {t} with {params:?}"
            ),
        ))
    }
}

/// The numerator of eq. 10, `[(a+b+x−1)/(a−1)] · [1 − ((α+T)/(α+T+h))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; h/(α+T+h))]`,
/// for `horizon > 0` (see the module docs for the numerics; at exactly `a = 1` the mean of
/// `a = 1 ± 10⁻⁶`). The MBG/NBD numerator is the same with `b + 1` in place of `b`.
pub(crate) fn eq10_numerator(
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    x: f64,
    t: f64,
    horizon: f64,
) -> Result<f64, ClvError> {
    if a == 1.0 {
        const H: f64 = 1e-6;
        let lo = eq10_numerator_core(r, alpha, 1.0 - H, b, x, t, horizon)?;
        let hi = eq10_numerator_core(r, alpha, 1.0 + H, b, x, t, horizon)?;
        return Ok(0.5 * (lo + hi));
    }
    eq10_numerator_core(r, alpha, a, b, x, t, horizon)
}

/// [`eq10_numerator`] at several horizons: `out[i]` gets exactly its bits for
/// `horizons[i]`, the error is the one of the first horizon for which it fails. The ₂F₁ of
/// all horizons share their parameters and are summed together ([`hyp2f1_parts_multi`]).
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
pub(crate) fn eq10_numerator_multi(
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    x: f64,
    t: f64,
    horizons: &[f64],
    out: &mut [f64],
) -> Result<(), ClvError> {
    debug_assert!(horizons.len() == out.len());
    if a == 1.0 {
        for (o, &h) in out.iter_mut().zip(horizons) {
            *o = eq10_numerator(r, alpha, a, b, x, t, h)?;
        }
        return Ok(());
    }
    // As eq10_numerator_core, one block of horizons at a time.
    let at = alpha + t;
    let c = a + b + x - 1.0;
    let mut z = [0.0; MULTI_LANES];
    let mut omz = [0.0; MULTI_LANES];
    let mut ln_omz = [0.0; MULTI_LANES];
    let mut g = [Hyp {
        ln_scale: 0.0,
        tail: 0.0,
    }; MULTI_LANES];
    for (horizons, out) in horizons
        .chunks(MULTI_LANES)
        .zip(out.chunks_mut(MULTI_LANES))
    {
        let lanes = z.iter_mut().zip(omz.iter_mut()).zip(ln_omz.iter_mut());
        for (&horizon, ((z, omz), ln_omz)) in horizons.iter().zip(lanes) {
            let denom_t = at + horizon;
            *z = horizon / denom_t;
            *omz = at / denom_t;
            *ln_omz = -ln_1p(horizon / at);
        }
        let n = horizons.len();
        let (Some(z), Some(omz), Some(g)) = (z.get(..n), omz.get(..n), g.get_mut(..n)) else {
            // Unreachable: blocks have at most MULTI_LANES horizons.
            for (o, &h) in out.iter_mut().zip(horizons) {
                *o = eq10_numerator_core(r, alpha, a, b, x, t, h)?;
            }
            continue;
        };
        hyp2f1_parts_multi(a + b - 1.0 - r, a - 1.0, c, z, omz, g).map_err(numerator_error)?;
        for ((o, g), &ln_omz) in out.iter_mut().zip(g.iter()).zip(&ln_omz) {
            let (ln_g, sign) = g.ln_abs_sign();
            let y = (a - 1.0) * ln_omz + ln_g;
            let second = if sign > 0.0 {
                -exp_m1(y)
            } else {
                1.0 - sign * exp(y)
            };
            *o = c / (a - 1.0) * second;
        }
    }
    Ok(())
}

fn eq10_numerator_core(
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    x: f64,
    t: f64,
    horizon: f64,
) -> Result<f64, ClvError> {
    let at = alpha + t;
    let denom_t = at + horizon;
    let z = horizon / denom_t;
    let omz = at / denom_t;
    let ln_omz = -ln_1p(horizon / at);
    let c = a + b + x - 1.0;
    let g = hyp2f1_parts(a + b - 1.0 - r, a - 1.0, c, z, omz).map_err(numerator_error)?;
    let (ln_g, sign) = g.ln_abs_sign();
    // y = ln[(1−z)^(r+x) 2F1(r+x, b+x; c; z)] = (a−1) ln(1−z) + ln G.
    let y = (a - 1.0) * ln_omz + ln_g;
    // 1 − (1−z)^(a−1) G, with G's sign (G < 0 is possible when a + b < 1).
    let second = if sign > 0.0 {
        -exp_m1(y)
    } else {
        1.0 - sign * exp(y)
    };
    Ok(c / (a - 1.0) * second)
}

/// A ₂F₁ failure of eq. 10, reported as a numerical failure of `expected_purchases`.
fn numerator_error(e: ClvError) -> ClvError {
    match e {
        ClvError::Numerical { detail, .. } => ClvError::numerical("expected_purchases", detail),
        other => ClvError::numerical("expected_purchases", other.to_string()),
    }
}

/// `ln[a/(b+max(x,1)−1)] + (r+x) ln((α+T)/(α+t_x))`.
fn ln_death_odds(p: &BgNbdParams, x: f64, t_x: f64, t: f64) -> f64 {
    ln(p.a / (p.b + x.max(1.0) - 1.0)) + (p.r + x) * ln_1p((t - t_x) / (p.alpha + t_x))
}

/// `ln[(α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x)]`.
fn ll_tail(r: f64, alpha: f64, a: f64, b: f64, x: f64, t_x: f64, t: f64) -> f64 {
    let a3 = -(r + x) * ln(alpha + t);
    if x > 0.0 {
        let a4 = ln(a) - ln(b + x - 1.0) - (r + x) * ln(t_x + alpha);
        let m = a3.max(a4);
        m + ln(exp(a3 - m) + exp(a4 - m))
    } else {
        a3
    }
}

/// Σ of a model's per-customer log-likelihood (errors name the customer index).
pub(crate) fn sum_log_likelihood(
    customers: &[CustomerSummary],
    log_likelihood: impl Fn(f64, f64, f64) -> Result<f64, ClvError>,
) -> Result<f64, ClvError> {
    let mut total = 0.0;
    for (i, c) in customers.iter().enumerate() {
        c.validate(&format!("customer #{i}"))?;
        total += log_likelihood(c.frequency, c.recency, c.t)?;
    }
    Ok(total)
}

pub(crate) fn check_history(x: f64, t_x: f64, t: f64, at: &str) -> Result<(), ClvError> {
    for (field, v) in [("frequency", x), ("recency", t_x), ("t", t)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(ClvError::invalid(
                at,
                field,
                format!("{v} must be a finite number ≥ 0"),
            ));
        }
    }
    if t_x > t {
        return Err(ClvError::invalid(
            at,
            "recency",
            format!("recency {t_x} is greater than T = {t}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_horizon(horizon: f64) -> Result<(), ClvError> {
    if horizon.is_finite() && horizon >= 0.0 {
        Ok(())
    } else {
        Err(ClvError::invalid(
            "argument",
            "horizon",
            format!("{horizon} must be a finite number ≥ 0 (time units)"),
        ))
    }
}

/// A fitted BG/NBD model.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdFit {
    /// The maximum-(penalised-)likelihood parameters.
    pub params: BgNbdParams,
    /// Total (unpenalised) log-likelihood of the data at `params`, in the data's time unit.
    pub log_likelihood: f64,
    /// Optimiser report; `objective` is the penalised mean negative log-likelihood in
    /// `lifetimes`' rescaled time (see [`fit_bgnbd`]).
    pub optimizer: super::optimize::OptimizeReport,
}

/// Fits BG/NBD by maximum likelihood, as `lifetimes`' `BetaGeoFitter.fit` does:
///
/// * time is rescaled by `s = 1 / max(T)` (recency and `T` multiplied by `s`), the model is
///   fitted on the rescaled data and `alpha` is divided by `s` at the end;
/// * the objective, over `θ = ln(r, α_s, a, b)`, is
///   `−(1/N) Σ ℓᵢ + penalizer · (r² + α_s² + a² + b²)` with `α_s` the **rescaled** `alpha`
///   (so a penalised fit matches `lifetimes` for the same `penalizer_coef`);
/// * the start is `θ = (0.1, 0.1, 0.1, 0.1)` (`lifetimes`' default).
///
/// `lifetimes` 0.11.3 minimises with SciPy's BFGS and autograd gradients; this uses
/// Nelder–Mead ([`super::optimize`]) with tight tolerances, which reaches the same optimum
/// (tests compare with `lifetimes` to 10⁻⁴ relative). Identical histories are merged with
/// weights first, which does not change the objective.
///
/// Errors: empty input, invalid summaries (naming the customer), a penalizer that is
/// negative or not finite, all `T = 0`, no repeat buyers. Non-convergence is reported in
/// [`BgNbdFit::optimizer`], not as an error.
#[cfg(feature = "train")]
pub fn fit_bgnbd(customers: &[CustomerSummary], penalizer: f64) -> Result<BgNbdFit, ClvError> {
    use super::optimize::{nelder_mead, NelderMeadOptions};

    let scale = super::purchase::prepare_fit(customers, penalizer)?;
    let data = FitData::new(customers, scale);
    let objective = |theta: &[f64]| -> f64 {
        let [lr, lalpha, la, lb] = match theta {
            [p, q, s, u] => [*p, *q, *s, *u],
            _ => return f64::INFINITY,
        };
        let (r, alpha, a, b) = (exp(lr), exp(lalpha), exp(la), exp(lb));
        let ll = data.mean_log_likelihood(r, alpha, a, b);
        -ll + penalizer * (r * r + alpha * alpha + a * a + b * b)
    };
    let (theta, report) = nelder_mead(objective, &[0.1; 4], &NelderMeadOptions::default());
    let params = match theta.as_slice() {
        [lr, lalpha, la, lb] => BgNbdParams {
            r: exp(*lr),
            alpha: exp(*lalpha) / scale,
            a: exp(*la),
            b: exp(*lb),
        },
        _ => {
            return Err(ClvError::numerical(
                "fit_bgnbd",
                "optimiser returned a wrong-sized point",
            ));
        }
    };
    if params.validate().is_err() || !report.objective.is_finite() {
        return Err(ClvError::DegenerateFit {
            model: MODEL,
            reason: format!(
                "the likelihood has no finite optimum ({params:?}); try a penalizer such as 0.001"
            ),
        });
    }
    let log_likelihood = params.total_log_likelihood(customers)?;
    Ok(BgNbdFit {
        params,
        log_likelihood,
        optimizer: report,
    })
}

#[cfg(feature = "train")]
pub(crate) fn check_fit_inputs(
    customers: &[CustomerSummary],
    penalizer: f64,
) -> Result<(), ClvError> {
    if customers.is_empty() {
        return Err(ClvError::EmptyInput {
            what: "customer summaries",
            hint: "fitting needs at least one customer with a purchase in the calibration period",
        });
    }
    if !(penalizer.is_finite() && penalizer >= 0.0) {
        return Err(ClvError::invalid(
            "argument",
            "penalizer",
            format!("{penalizer} must be a finite number ≥ 0 (0 = no penalty)"),
        ));
    }
    for (i, c) in customers.iter().enumerate() {
        c.validate(&format!("customer #{i}"))?;
    }
    Ok(())
}

/// Distinct rescaled histories `(t_x, T, weight)` of one frequency.
#[cfg(feature = "train")]
pub(crate) type Rows = Vec<(f64, f64, f64)>;

/// Distinct rescaled histories with weights, grouped by frequency.
#[cfg(feature = "train")]
pub(crate) struct FitData {
    /// (x, weight of the group, rows).
    pub(crate) groups: Vec<(f64, f64, Rows)>,
    pub(crate) total_weight: f64,
}

#[cfg(feature = "train")]
impl FitData {
    pub(crate) fn new(customers: &[CustomerSummary], scale: f64) -> Self {
        let mut rows: Vec<(f64, f64, f64)> = customers
            .iter()
            .map(|c| (c.frequency, c.recency * scale, c.t * scale))
            .collect();
        rows.sort_by(|p, q| {
            p.0.total_cmp(&q.0)
                .then(p.1.total_cmp(&q.1))
                .then(p.2.total_cmp(&q.2))
        });
        let mut groups: Vec<(f64, f64, Rows)> = Vec::new();
        for (x, t_x, t) in rows {
            match groups.last_mut() {
                Some((gx, gw, g)) if *gx == x => {
                    *gw += 1.0;
                    match g.last_mut() {
                        Some(last) if last.0 == t_x && last.1 == t => last.2 += 1.0,
                        _ => g.push((t_x, t, 1.0)),
                    }
                }
                _ => groups.push((x, 1.0, vec![(t_x, t, 1.0)])),
            }
        }
        FitData {
            groups,
            total_weight: customers.len() as f64,
        }
    }

    fn mean_log_likelihood(&self, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
        let base = ln_gamma(a + b) - ln_gamma(b) - ln_gamma(r) + r * ln(alpha);
        let mut total = 0.0;
        for (x, weight, rows) in &self.groups {
            let x = *x;
            let per_x = base + ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x);
            let mut sum = 0.0;
            for (t_x, t, w) in rows {
                sum += w * ll_tail(r, alpha, a, b, x, *t_x, *t);
            }
            total += weight * per_x + sum;
        }
        total / self.total_weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CDNOW: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn p_alive_conventions() {
        assert_eq!(CDNOW.p_alive(0.0, 0.0, 30.0).unwrap(), 1.0);
        let fresh = CDNOW.p_alive(3.0, 30.0, 30.0).unwrap();
        let stale = CDNOW.p_alive(3.0, 5.0, 30.0).unwrap();
        assert!(fresh > stale && fresh < 1.0 && stale > 0.0);
        // Extreme staleness underflows to 0 without NaN.
        let p = CDNOW.p_alive(500.0, 0.0, 1e6).unwrap();
        assert!(p == 0.0 || p < 1e-300);
    }

    #[test]
    fn expected_purchases_limits_and_monotonicity() {
        assert_eq!(CDNOW.expected_purchases(0.0, 2.0, 10.0, 20.0).unwrap(), 0.0);
        let mut prev = 0.0;
        for h in [1.0, 10.0, 52.0, 520.0, 1e5] {
            let e = CDNOW.expected_purchases(h, 2.0, 10.0, 20.0).unwrap();
            assert!(e > prev, "not increasing at {h}: {e} <= {prev}");
            prev = e;
        }
        // New customer == conditional with an empty history.
        let n = CDNOW.expected_purchases_new(39.0).unwrap();
        assert_eq!(n, CDNOW.expected_purchases(39.0, 0.0, 0.0, 0.0).unwrap());
        // Very large x and horizon: finite.
        let e = CDNOW.expected_purchases(1e4, 5000.0, 38.0, 39.0).unwrap();
        assert!(e.is_finite() && e > 0.0);
    }

    #[test]
    fn a_equal_one_is_continuous() {
        let p = BgNbdParams { a: 1.0, ..CDNOW };
        let at = p.expected_purchases(20.0, 3.0, 10.0, 30.0).unwrap();
        let lo = BgNbdParams {
            a: 1.0 - 1e-9,
            ..CDNOW
        }
        .expected_purchases(20.0, 3.0, 10.0, 30.0)
        .unwrap();
        let hi = BgNbdParams {
            a: 1.0 + 1e-9,
            ..CDNOW
        }
        .expected_purchases(20.0, 3.0, 10.0, 30.0)
        .unwrap();
        assert!(
            (at - lo).abs() < 1e-9 * at && (at - hi).abs() < 1e-9 * at,
            "{lo} {at} {hi}"
        );
    }

    #[test]
    fn rejects_bad_inputs() {
        assert_eq!(
            CDNOW.p_alive(1.0, 5.0, 4.0).unwrap_err().code(),
            "clv.invalid_input"
        );
        assert_eq!(
            CDNOW
                .expected_purchases(f64::NAN, 1.0, 1.0, 4.0)
                .unwrap_err()
                .code(),
            "clv.invalid_input"
        );
        let bad = BgNbdParams { r: -1.0, ..CDNOW };
        assert_eq!(
            bad.p_alive(1.0, 1.0, 2.0).unwrap_err().code(),
            "clv.invalid_params"
        );
    }

    #[cfg(feature = "train")]
    #[test]
    fn fit_rejects_degenerate_data() {
        assert_eq!(fit_bgnbd(&[], 0.0).unwrap_err().code(), "clv.empty_input");
        let one_timers = [CustomerSummary {
            frequency: 0.0,
            recency: 0.0,
            t: 10.0,
            monetary_value: 0.0,
        }; 5];
        assert_eq!(
            fit_bgnbd(&one_timers, 0.0).unwrap_err().code(),
            "clv.no_repeat_buyers"
        );
        let mut bad = one_timers;
        bad[3] = CustomerSummary {
            frequency: 1.0,
            recency: 12.0,
            t: 10.0,
            monetary_value: 1.0,
        };
        let e = fit_bgnbd(&bad, 0.0).unwrap_err();
        assert!(e.to_string().contains("customer #3"), "{e}");
        assert_eq!(
            fit_bgnbd(&one_timers, -1.0).unwrap_err().code(),
            "clv.invalid_input"
        );
    }
}
