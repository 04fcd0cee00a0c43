//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, "Counting Your Customers").
//!
//! While alive a customer buys as a Poisson process with rate `λ ~ Gamma(r, α)`; their
//! lifetime is exponential with rate `μ ~ Gamma(s, β)`, so drop-out can happen at any time —
//! also before any repeat purchase. Formulas as in `lifetimes` 0.11.3 (`ParetoNBDFitter`,
//! after Fader & Hardie's note "Deriving an expression for P(X(t) = x) under the Pareto/NBD
//! model" and their Pareto/NBD implementation notes), for a history `(x, t_x, T)`:
//!
//! * `ln A₀ = ln[F₁ (max+T)^(r+s+x) − F₂ (max+t_x)^(r+s+x)] − (r+s+x) ln((max+t_x)(max+T))`
//!   with `max = max(α, β)`, `F₁ = ₂F₁(r+s+x, u; r+s+x+1; |α−β|/(max+t_x))`, `F₂` the same at
//!   `T`, and `u = r+x` if `α < β`, else `u = s+1` (computed in log space; the difference
//!   as `u₁ + ln(−expm1(u₂ − u₁))`);
//! * log-likelihood `ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + logaddexp(−(r+x) ln(α+T) − s ln(β+T), ln s − ln(r+s+x) + ln A₀)`;
//! * `P(alive) = 1 / (1 + exp(ln s − ln(r+s+x) + (r+x) ln(α+T) + s ln(β+T) + ln A₀))`;
//! * expected repeat purchases in `(T, T+h]`:
//!   `exp(ℓ₀ − ℓ) · (r+x)(β+T)/(α+T) · [1 − ((β+T)/(β+T+h))^(s−1)]/(s−1)` with
//!   `ℓ₀ = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β − (r+x) ln(α+T) − s ln(β+T)` and `ℓ` the
//!   log-likelihood (the bracket is `−expm1(−(s−1) ln(1+h/(β+T)))/(s−1)`, which is
//!   `ln(1+h/(β+T))` at `s = 1`);
//! * for a new customer `r β / α · [1 − (β/(β+h))^(s−1)]/(s−1)`.
use crate::math::{exp, exp_m1, ln, ln_1p};

use serde::{Deserialize, Serialize};

use super::bgnbd::{check_history, check_horizon, finite_expectation};
use super::error::ClvError;
use super::mbgnbd::expit_neg;
use super::special::{ln_gamma, ln_hyp2f1};
use super::summary::CustomerSummary;

const MODEL: &str = "Pareto/NBD";

/// Pareto/NBD parameters; `alpha` and `beta` are in the time unit of the summaries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParetoNbdParams {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate of the Gamma distribution of purchase rates, per time unit.
    pub alpha: f64,
    /// Shape of the Gamma distribution of drop-out rates.
    pub s: f64,
    /// Rate of the Gamma distribution of drop-out rates, per time unit.
    pub beta: f64,
}

impl ParetoNbdParams {
    /// Checks that all four parameters are finite and positive.
    pub fn validate(&self) -> Result<(), ClvError> {
        super::error::check_positive(
            MODEL,
            &[
                ("r", self.r),
                ("alpha", self.alpha),
                ("s", self.s),
                ("beta", self.beta),
            ],
        )
    }

    /// Log-likelihood of one customer's history `(x, t_x, T)`.
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        self.validate()?;
        check_history(x, t_x, t, "argument")?;
        self.ll_unchecked(x, t_x, t)
    }

    fn ll_unchecked(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        let Self { r, alpha, s, beta } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * ln(alpha) + s * ln(beta);
        Ok(a1 + self.a2(x, t_x, t)?)
    }

    /// `logaddexp(−(r+x) ln(α+T) − s ln(β+T), ln s − ln(r+s+x) + ln A₀)`.
    fn a2(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        let Self { r, alpha, s, beta } = *self;
        let u = -(r + x) * ln(alpha + t) - s * ln(beta + t);
        let v = ln(s) - ln(r + s + x) + ln_a0(self, x, t_x, t)?;
        let m = u.max(v);
        Ok(if m == f64::NEG_INFINITY {
            m
        } else {
            m + ln_1p(exp(-(u - v).abs()))
        })
    }

    /// Sum of [`Self::log_likelihood`] over customers (errors name the customer index).
    pub fn total_log_likelihood(&self, customers: &[CustomerSummary]) -> Result<f64, ClvError> {
        self.validate()?;
        super::bgnbd::sum_log_likelihood(customers, |x, t_x, t| self.log_likelihood(x, t_x, t))
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive at `T`.
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        self.validate()?;
        check_history(x, t_x, t, "argument")?;
        let Self { r, alpha, s, beta } = *self;
        let v = ln(s) - ln(r + s + x)
            + (r + x) * ln(alpha + t)
            + s * ln(beta + t)
            + ln_a0(self, x, t_x, t)?;
        Ok(expit_neg(v))
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
        let Self { r, alpha, s, beta } = *self;
        // ℓ₀ − ℓ = −(r+x) ln(α+T) − s ln(β+T) − A₂ (the A₁ terms cancel).
        let log_alive_share = -(r + x) * ln(alpha + t) - s * ln(beta + t) - self.a2(x, t_x, t)?;
        let second = ln(r + x) + ln(beta + t) - ln(alpha + t);
        let third = ln(lifetime_integral(s, horizon / (beta + t)));
        let value = exp(log_alive_share + second + third);
        finite_expectation(value, horizon, x, t_x, t, self)
    }

    /// Expected number of repeat purchases in `(0, horizon]` of a customer who has just made
    /// their first purchase (`lifetimes`' `expected_number_of_purchases_up_to_time`).
    pub fn expected_purchases_new(&self, horizon: f64) -> Result<f64, ClvError> {
        self.validate()?;
        check_horizon(horizon)?;
        let Self { r, alpha, s, beta } = *self;
        let value = r * beta / alpha * lifetime_integral(s, horizon / beta);
        finite_expectation(value, horizon, 0.0, 0.0, 0.0, self)
    }

    /// [`PurchaseParams::expected_purchases_multi`](super::purchase::PurchaseParams::expected_purchases_multi)
    /// with the checks and the part that does not depend
    /// on the horizon (`ℓ₀ − ℓ` and the second term, two ₂F₁) computed once; `None` on any
    /// error.
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
        let Self { r, alpha, s, beta } = *self;
        // As in expected_purchases: `exp(log_alive_share + second + third)` adds left to right.
        let log_alive_share =
            -(r + x) * ln(alpha + t) - s * ln(beta + t) - self.a2(x, t_x, t).ok()?;
        let second = ln(r + x) + ln(beta + t) - ln(alpha + t);
        let head = log_alive_share + second;
        for (o, &horizon) in out.iter_mut().zip(horizons) {
            *o = if horizon == 0.0 {
                0.0
            } else {
                let third = ln(lifetime_integral(s, horizon / (beta + t)));
                exp(head + third)
            };
            if !o.is_finite() {
                return None;
            }
        }
        Some(())
    }
}

/// `[1 − (1+q)^−(s−1)]/(s−1)`, i.e. `ln(1+q)` at `s = 1`.
fn lifetime_integral(s: f64, q: f64) -> f64 {
    let l = ln_1p(q);
    let d = s - 1.0;
    if d == 0.0 {
        l
    } else {
        -exp_m1(-d * l) / d
    }
}

/// `ln A₀` (see the module docs); `−∞` when `t_x = T`.
fn ln_a0(p: &ParetoNbdParams, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
    let ParetoNbdParams { r, alpha, s, beta } = *p;
    let (min_ab, max_ab, u) = if alpha < beta {
        (alpha, beta, r + x)
    } else {
        (beta, alpha, s + 1.0)
    };
    let diff = max_ab - min_ab;
    let rsf = r + s + x;
    let q1 = max_ab + t_x;
    let q2 = max_ab + t;
    let fail = |e: ClvError| match e {
        ClvError::Numerical { detail, .. } => ClvError::numerical("pareto_nbd", detail),
        other => ClvError::numerical("pareto_nbd", other.to_string()),
    };
    let (ln_p1, s1) = ln_hyp2f1(rsf, u, rsf + 1.0, diff / q1).map_err(fail)?;
    let (ln_p2, s2) = ln_hyp2f1(rsf, u, rsf + 1.0, diff / q2).map_err(fail)?;
    if s1 <= 0.0 || s2 <= 0.0 {
        return Err(ClvError::numerical(
            "pareto_nbd",
            format!("non-positive 2F1 in A0 for x = {x}, t_x = {t_x}, T = {t} with {p:?}"),
        ));
    }
    let u1 = ln_p1 + rsf * ln(q2);
    let u2 = ln_p2 + rsf * ln(q1);
    let diff_ln = if u2 >= u1 {
        f64::NEG_INFINITY
    } else {
        u1 + ln(-exp_m1(u2 - u1))
    };
    Ok(diff_ln - rsf * (ln(q1) + ln(q2)))
}

/// A fitted Pareto/NBD model.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbdFit {
    /// The maximum-(penalised-)likelihood parameters.
    pub params: ParetoNbdParams,
    /// Total (unpenalised) log-likelihood of the data at `params`, in the data's time unit.
    pub log_likelihood: f64,
    /// Optimiser report; `objective` is `lifetimes`' objective (penalised **total**
    /// negative log-likelihood in rescaled time, see [`fit_pareto_nbd`]).
    pub optimizer: super::optimize::OptimizeReport,
    /// The parameters on the optimiser's scale (`alpha`, `beta` in rescaled time).
    pub scaled: [f64; 4],
}

/// Fits Pareto/NBD by maximum likelihood with `lifetimes`' `ParetoNBDFitter` objective:
///
/// * time rescaled by `s = 1 / max(T)`; `alpha` and `beta` divided by `s` at the end;
/// * objective `−Σ ℓᵢ / mean(weights) + penalizer · (r² + α_s² + s² + β_s²)`, i.e. with unit
///   weights the penalty is added to the **total** negative log-likelihood (unlike BG/NBD
///   and MBG/NBD, where it is added to the mean); the same `penalizer` therefore means a
///   far weaker penalty here, exactly as in `lifetimes`.
///
/// `lifetimes` minimises with SciPy's Nelder–Mead from a random start near 1 with `tol=1e-4`
/// and at most 2 000 iterations, so its own results are only loosely converged; this fit
/// starts at parameters `(1, 1, 1, 1)` (the mean of `lifetimes`' random start), optimises
/// log-parameters (positivity) with the tight settings of [`super::optimize`], and
/// minimises the equivalent objective divided by `N`. The reference vectors pin the tightly
/// converged optimum of `lifetimes`' objective (see `scripts/clv_reference.py`).
///
/// Errors: as [`super::mbgnbd::fit_mbgnbd`].
#[cfg(feature = "train")]
pub fn fit_pareto_nbd(
    customers: &[CustomerSummary],
    penalizer: f64,
) -> Result<ParetoNbdFit, ClvError> {
    use super::bgnbd::FitData;
    use super::purchase::{minimize4, prepare_fit};

    let scale = prepare_fit(customers, penalizer)?;
    let data = FitData::new(customers, scale);
    let n = data.total_weight;
    let objective = |[r, alpha, s, beta]: [f64; 4]| -> f64 {
        let p = ParetoNbdParams { r, alpha, s, beta };
        let base = -ln_gamma(r) + r * ln(alpha) + s * ln(beta);
        let mut total = 0.0;
        for (x, weight, rows) in &data.groups {
            let x = *x;
            let mut sum = 0.0;
            for (t_x, t, w) in rows {
                match p.a2(x, *t_x, *t) {
                    Ok(v) => sum += w * v,
                    Err(_) => return f64::INFINITY,
                }
            }
            total += weight * (base + ln_gamma(r + x)) + sum;
        }
        (-total + penalizer * (r * r + alpha * alpha + s * s + beta * beta)) / n
    };
    let (scaled, mut optimizer) = minimize4(objective, [0.0; 4]);
    // Report lifetimes' objective (total, not per customer).
    optimizer.objective *= n;
    let [r, alpha_s, s, beta_s] = scaled;
    let params = ParetoNbdParams {
        r,
        alpha: alpha_s / scale,
        s,
        beta: beta_s / scale,
    };
    params.validate().map_err(|_| ClvError::DegenerateFit {
        model: MODEL,
        reason: format!(
            "the likelihood has no finite optimum ({params:?}); try a penalizer such as 0.001"
        ),
    })?;
    let log_likelihood = params.total_log_likelihood(customers)?;
    Ok(ParetoNbdFit {
        params,
        log_likelihood,
        optimizer,
        scaled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fader, Hardie & Lee (2005) CDNOW estimates (weeks).
    const P: ParetoNbdParams = ParetoNbdParams {
        r: 0.5534,
        alpha: 10.5802,
        s: 0.6061,
        beta: 11.6562,
    };

    #[test]
    fn closed_forms_are_consistent() {
        let fresh = P.p_alive(0.0, 0.0, 1.0).unwrap();
        let old = P.p_alive(0.0, 0.0, 78.0).unwrap();
        assert!(fresh < 1.0 && old < fresh && old > 0.0, "{fresh} {old}");
        // Bought on the last day: t_x = T gives A0 = 0 and P(alive) = 1.
        assert_eq!(P.p_alive(3.0, 30.0, 30.0).unwrap(), 1.0);
        // New customer == conditional with an empty history.
        let n = P.expected_purchases_new(39.0).unwrap();
        let c = P.expected_purchases(39.0, 0.0, 0.0, 0.0).unwrap();
        assert!((n - c).abs() < 1e-12 * n, "{n} {c}");
        // s = 1 is the continuous limit.
        let at = ParetoNbdParams { s: 1.0, ..P }
            .expected_purchases(20.0, 2.0, 10.0, 30.0)
            .unwrap();
        let near = ParetoNbdParams { s: 1.0 + 1e-9, ..P }
            .expected_purchases(20.0, 2.0, 10.0, 30.0)
            .unwrap();
        assert!((at - near).abs() < 1e-8 * at, "{at} {near}");
        // alpha = beta (z = 0) and alpha > beta branches.
        for beta in [10.5802, 3.0] {
            let p = ParetoNbdParams { beta, ..P };
            let v = p.p_alive(2.0, 10.0, 30.0).unwrap();
            assert!(v > 0.0 && v < 1.0);
            assert!(p.log_likelihood(2.0, 10.0, 30.0).unwrap().is_finite());
        }
        assert_eq!(P.expected_purchases(0.0, 1.0, 1.0, 2.0).unwrap(), 0.0);
    }

    #[test]
    fn rejects_bad_inputs() {
        assert_eq!(
            P.p_alive(1.0, 5.0, 4.0).unwrap_err().code(),
            "clv.invalid_input"
        );
        let bad = ParetoNbdParams { s: f64::NAN, ..P };
        assert_eq!(
            bad.p_alive(1.0, 1.0, 2.0).unwrap_err().code(),
            "clv.invalid_params"
        );
    }
}
