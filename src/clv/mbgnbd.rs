//! The modified BG/NBD model (MBG/NBD; Batislam, Denizel & Filiztekin 2007, "Empirical
//! validation and comparison of models for customer base analysis").
//!
//! Like BG/NBD ([`super::bgnbd`]) — purchase rates `λ ~ Gamma(r, α)`, drop-out
//! probabilities `p ~ Beta(a, b)` — but a customer can also drop out **at time zero**, right
//! after the first purchase. So a customer without a repeat purchase is no longer certainly
//! alive, which is what makes the model usable for one-time buyers. Formulas as in
//! `lifetimes` 0.11.3 (`ModifiedBetaGeoFitter`), for a history `(x, t_x, T)`:
//!
//! * log-likelihood
//!   `ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b) − (r+x) ln(α+T) + ln(1 + e^{A₄})`
//!   with `A₄ = ln[a/(b+x)] + (r+x) ln((α+T)/(α+t_x))` (computed with `ln_1p`);
//! * `P(alive) = 1 / (1 + e^{A₄})` — for every `x`, including `x = 0`;
//! * expected repeat purchases in `(T, T+h]`:
//!   `[(a+b+x)/(a−1)] · [1 − ((α+T)/(α+T+h))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; h/(α+T+h))] / (1 + e^{A₄})`,
//!   which is BG/NBD's eq. 10 numerator with `b + 1` in place of `b` (same Euler-transformed
//!   numerics, [`super::bgnbd`]) over a denominator that applies to `x = 0` too;
//! * for a new customer, `b/(a−1) · [1 − (α/(α+h))^r ₂F₁(r, b+1; a+b; h/(α+h))]`, which is the
//!   conditional expectation with `x = t_x = T = 0`.
use crate::math::{exp, ln, ln_1p};

use serde::{Deserialize, Serialize};

use super::bgnbd::{
    check_history, check_horizon, eq10_numerator, eq10_numerator_multi, finite_expectation,
};
use super::error::ClvError;
use super::special::ln_gamma;
use super::summary::CustomerSummary;

const MODEL: &str = "MBG/NBD";

/// MBG/NBD parameters; `alpha` is in the time unit of the summaries it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MbgNbdParams {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (inverse scale) of the Gamma distribution of purchase rates, per time unit.
    pub alpha: f64,
    /// First shape of the Beta distribution of drop-out probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of drop-out probabilities.
    pub b: f64,
}

impl MbgNbdParams {
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
        let a2 = ln_gamma(a + b) + ln_gamma(b + x + 1.0) - ln_gamma(b) - ln_gamma(a + b + x + 1.0);
        Ok(a1 + a2 + ll_tail(r, alpha, a, b, x, t_x, t))
    }

    /// Sum of [`Self::log_likelihood`] over customers (errors name the customer index).
    pub fn total_log_likelihood(&self, customers: &[CustomerSummary]) -> Result<f64, ClvError> {
        self.validate()?;
        super::bgnbd::sum_log_likelihood(customers, |x, t_x, t| self.log_likelihood(x, t_x, t))
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive at `T`
    /// (below 1 also when `x = 0`).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        self.validate()?;
        check_history(x, t_x, t, "argument")?;
        Ok(expit_neg(ln_death_odds(self, x, t_x, t)))
    }

    /// Expected number of repeat purchases in `(T, T + horizon]` of a customer with history
    /// `(x, t_x, T)` (`lifetimes`' `conditional_expected_number_of_purchases_up_to_time`).
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
        let numerator = eq10_numerator(r, alpha, a, b + 1.0, x, t, horizon)?;
        let value = numerator / (1.0 + exp(ln_death_odds(self, x, t_x, t)));
        finite_expectation(value, horizon, x, t_x, t, self)
    }

    /// Expected number of repeat purchases in `(0, horizon]` of a customer who has just made
    /// their first purchase (`lifetimes`' `expected_number_of_purchases_up_to_time`).
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
        eq10_numerator_multi(r, alpha, a, b + 1.0, x, t, horizons, out).ok()?;
        let denominator = 1.0 + exp(ln_death_odds(self, x, t_x, t));
        for (o, &h) in out.iter_mut().zip(horizons) {
            *o = if h == 0.0 { 0.0 } else { *o / denominator };
            if !o.is_finite() {
                return None;
            }
        }
        Some(())
    }
}

/// `1 / (1 + e^v)` without overflow.
pub(crate) fn expit_neg(v: f64) -> f64 {
    if v > 0.0 {
        let e = exp(-v);
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + exp(v))
    }
}

/// `A₄ = ln[a/(b+x)] + (r+x) ln((α+T)/(α+t_x))`.
fn ln_death_odds(p: &MbgNbdParams, x: f64, t_x: f64, t: f64) -> f64 {
    ln(p.a / (p.b + x)) + (p.r + x) * ln_1p((t - t_x) / (p.alpha + t_x))
}

/// `−(r+x) ln(α+T) + ln(1 + e^{A₄})`.
fn ll_tail(r: f64, alpha: f64, a: f64, b: f64, x: f64, t_x: f64, t: f64) -> f64 {
    let a3 = -(r + x) * ln(alpha + t);
    let a4 = ln(a) - ln(b + x) + (r + x) * (ln(alpha + t) - ln(alpha + t_x));
    // logaddexp(a4, 0)
    a3 + if a4 > 0.0 {
        a4 + ln_1p(exp(-a4))
    } else {
        ln_1p(exp(a4))
    }
}

/// A fitted MBG/NBD model.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbgNbdFit {
    /// The maximum-(penalised-)likelihood parameters.
    pub params: MbgNbdParams,
    /// Total (unpenalised) log-likelihood of the data at `params`, in the data's time unit.
    pub log_likelihood: f64,
    /// Optimiser report; `objective` is the penalised mean negative log-likelihood in
    /// `lifetimes`' rescaled time.
    pub optimizer: super::optimize::OptimizeReport,
    /// The parameters on the optimiser's scale (`alpha` in rescaled time), which
    /// [`super::purchase::check_fit`] judges.
    pub scaled: [f64; 4],
}

/// Fits MBG/NBD by maximum likelihood with exactly `lifetimes`' conventions for
/// `ModifiedBetaGeoFitter` (which inherits `BetaGeoFitter.fit`): time rescaled by
/// `s = 1 / max(T)`, objective `−(1/N) Σ ℓᵢ + penalizer · (r² + α_s² + a² + b²)` over
/// log-parameters, start `θ = (0.1, 0.1, 0.1, 0.1)`, `alpha` divided by `s` at the end (see
/// [`super::bgnbd::fit_bgnbd`]).
///
/// Errors: empty input, invalid summaries (naming the customer), a bad penalizer, all
/// `T = 0`, no repeat buyers, no finite optimum. Non-convergence and degeneracy are judged
/// by the caller ([`super::purchase::check_fit`]).
#[cfg(feature = "train")]
pub fn fit_mbgnbd(customers: &[CustomerSummary], penalizer: f64) -> Result<MbgNbdFit, ClvError> {
    use super::bgnbd::FitData;
    use super::purchase::{minimize4, prepare_fit};

    let scale = prepare_fit(customers, penalizer)?;
    let data = FitData::new(customers, scale);
    let objective = |[r, alpha, a, b]: [f64; 4]| -> f64 {
        let base = ln_gamma(a + b) - ln_gamma(b) - ln_gamma(r) + r * ln(alpha);
        let mut total = 0.0;
        for (x, weight, rows) in &data.groups {
            let x = *x;
            let per_x = base + ln_gamma(r + x) + ln_gamma(b + x + 1.0) - ln_gamma(a + b + x + 1.0);
            let mut sum = 0.0;
            for (t_x, t, w) in rows {
                sum += w * ll_tail(r, alpha, a, b, x, *t_x, *t);
            }
            total += weight * per_x + sum;
        }
        -total / data.total_weight + penalizer * (r * r + alpha * alpha + a * a + b * b)
    };
    let (scaled, optimizer) = minimize4(objective, [0.1; 4]);
    let [r, alpha_s, a, b] = scaled;
    let params = MbgNbdParams {
        r,
        alpha: alpha_s / scale,
        a,
        b,
    };
    params.validate().map_err(|_| ClvError::DegenerateFit {
        model: MODEL,
        reason: format!(
            "the likelihood has no finite optimum ({params:?}); try a penalizer such as 0.001"
        ),
    })?;
    let log_likelihood = params.total_log_likelihood(customers)?;
    Ok(MbgNbdFit {
        params,
        log_likelihood,
        optimizer,
        scaled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: MbgNbdParams = MbgNbdParams {
        r: 0.525,
        alpha: 6.183,
        a: 0.891,
        b: 1.614,
    };

    #[test]
    fn one_time_buyers_can_be_dead() {
        let fresh = P.p_alive(0.0, 0.0, 1.0).unwrap();
        let old = P.p_alive(0.0, 0.0, 78.0).unwrap();
        assert!(fresh < 1.0 && old < fresh && old > 0.0, "{fresh} {old}");
        // New customer == conditional with an empty history.
        let n = P.expected_purchases_new(39.0).unwrap();
        assert_eq!(n, P.expected_purchases(39.0, 0.0, 0.0, 0.0).unwrap());
        assert!(n > 0.0);
        assert_eq!(P.expected_purchases(0.0, 1.0, 1.0, 2.0).unwrap(), 0.0);
        let e = P.expected_purchases(1e4, 5000.0, 38.0, 39.0).unwrap();
        assert!(e.is_finite() && e > 0.0);
        let extreme = P.p_alive(500.0, 0.0, 1e6).unwrap();
        assert!(extreme < 1e-300);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert_eq!(
            P.p_alive(1.0, 5.0, 4.0).unwrap_err().code(),
            "clv.invalid_input"
        );
        let bad = MbgNbdParams { b: 0.0, ..P };
        assert_eq!(
            bad.expected_purchases(1.0, 1.0, 1.0, 2.0)
                .unwrap_err()
                .code(),
            "clv.invalid_params"
        );
    }
}
