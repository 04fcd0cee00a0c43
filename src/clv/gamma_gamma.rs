//! The Gamma-Gamma model of spend per transaction (Fader & Hardie 2005, "The Gamma-Gamma
//! Model of Monetary Value"; Fader, Hardie & Lee 2005, JMR).
//!
//! A customer's transaction values are Gamma(`p`, `ν`) with `ν ~ Gamma(q, v)` across
//! customers, independent of the purchase process. With `x` repeat transactions of mean
//! value `m` (`frequency` and `monetary_value` of [`super::summary`]):
//!
//! * log-likelihood of `m` (note, eq. 1a, as in `lifetimes`):
//!   `ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)`;
//! * conditional expected average spend (note, eq. 5):
//!   `E[Z | x, m] = (1 − w) · vp/(q−1) + w · m` with `w = px/(px+q−1)`; for `x = 0` this
//!   is the population mean `vp/(q−1)`, which needs `q > 1`.
//!
//! The model is fitted on repeat buyers only (`x > 0`). Repeat buyers with `m = 0` (free
//! orders) have no likelihood under the model; `lifetimes` rejects them, `fit_gamma_gamma`
//! leaves them out and counts them.
#[cfg(feature = "train")]
use crate::math::exp;
use crate::math::ln;

use serde::{Deserialize, Serialize};

use super::error::ClvError;
use super::special::ln_gamma;
#[cfg(feature = "train")]
use super::summary::CustomerSummary;

const MODEL: &str = "Gamma-Gamma";

/// Gamma-Gamma parameters (in the currency of the monetary values).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaGammaParams {
    /// Shape of a customer's transaction-value distribution.
    pub p: f64,
    /// Shape of the Gamma distribution of the customers' rate parameters `ν`.
    pub q: f64,
    /// Rate of the Gamma distribution of `ν` (currency units).
    pub v: f64,
}

impl GammaGammaParams {
    /// Checks that the parameters are finite and positive.
    pub fn validate(&self) -> Result<(), ClvError> {
        super::error::check_positive(MODEL, &[("p", self.p), ("q", self.q), ("v", self.v)])
    }

    /// Population mean spend per transaction, `vp/(q−1)`; requires `q > 1`.
    pub fn population_mean(&self) -> Result<f64, ClvError> {
        self.validate()?;
        if self.q <= 1.0 {
            return Err(ClvError::InvalidParams {
                model: MODEL,
                reason: format!(
                    "q = {} ≤ 1: the mean spend v·p/(q−1) is undefined (refit with a penalizer)",
                    self.q
                ),
            });
        }
        Ok(self.v * self.p / (self.q - 1.0))
    }

    /// Conditional expected average spend per transaction of a customer with `frequency`
    /// repeat purchases of mean value `monetary_value` (`lifetimes`'
    /// `conditional_expected_average_profit`). Requires `q > 1`.
    pub fn expected_order_value(
        &self,
        frequency: f64,
        monetary_value: f64,
    ) -> Result<f64, ClvError> {
        let mean = self.population_mean()?;
        for (field, x) in [("frequency", frequency), ("monetary_value", monetary_value)] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(ClvError::invalid(
                    "argument",
                    field,
                    format!("{x} must be a finite number ≥ 0"),
                ));
            }
        }
        let px = self.p * frequency;
        let w = px / (px + self.q - 1.0);
        Ok((1.0 - w) * mean + w * monetary_value)
    }

    /// Log-likelihood of one repeat buyer (`frequency > 0`, `monetary_value > 0`).
    pub fn log_likelihood(&self, frequency: f64, monetary_value: f64) -> Result<f64, ClvError> {
        self.validate()?;
        if !(frequency.is_finite() && frequency > 0.0) {
            return Err(ClvError::invalid(
                "argument",
                "frequency",
                format!("{frequency} must be > 0"),
            ));
        }
        if !(monetary_value.is_finite() && monetary_value > 0.0) {
            return Err(ClvError::invalid(
                "argument",
                "monetary_value",
                format!("{monetary_value} must be > 0"),
            ));
        }
        let (p, q, v) = (self.p, self.q, self.v);
        let (x, m) = (frequency, monetary_value);
        Ok(per_x_term(p, q, x) + q * ln(v) + (p * x - 1.0) * ln(m) - (p * x + q) * ln(x * m + v))
    }
}

/// `ln Γ(px+q) − ln Γ(px) − ln Γ(q) + px ln x`.
fn per_x_term(p: f64, q: f64, x: f64) -> f64 {
    ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q) + p * x * ln(x)
}

/// A fitted Gamma-Gamma model.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaFit {
    /// The maximum-(penalised-)likelihood parameters.
    pub params: GammaGammaParams,
    /// Total (unpenalised) log-likelihood over the customers used.
    pub log_likelihood: f64,
    /// Repeat buyers used (`frequency > 0`, `monetary_value > 0`).
    pub n_used: usize,
    /// Repeat buyers left out because their monetary value is 0.
    pub n_zero_value: usize,
    /// Optimiser report (`objective`: penalised mean negative log-likelihood).
    pub optimizer: super::optimize::OptimizeReport,
}

/// Fits Gamma-Gamma by maximum likelihood on the repeat buyers of `customers`, as
/// `lifetimes`' `GammaGammaFitter.fit` does: objective over `θ = ln(p, q, v)`
/// `−(1/N) Σ ℓᵢ + penalizer · (p² + q² + v²)`, start `θ = (0.1, 0.1, 0.1)`, minimised with
/// Nelder–Mead (`lifetimes` 0.11.3 uses BFGS; same optimum). Customers with `frequency = 0`
/// are ignored; repeat buyers with `monetary_value = 0` are left out and counted.
///
/// Errors: empty input, invalid summaries (naming the customer), bad penalizer,
/// no repeat buyers (`clv.no_repeat_buyers`), all repeat buyers with value 0
/// (`clv.all_zero_values`). Non-convergence is reported in the result, not as an error.
#[cfg(feature = "train")]
pub fn fit_gamma_gamma(
    customers: &[CustomerSummary],
    penalizer: f64,
) -> Result<GammaGammaFit, ClvError> {
    use super::optimize::{nelder_mead, NelderMeadOptions};

    super::bgnbd::check_fit_inputs(customers, penalizer)?;
    let repeat: Vec<(f64, f64)> = customers
        .iter()
        .filter(|c| c.frequency > 0.0)
        .map(|c| (c.frequency, c.monetary_value))
        .collect();
    if repeat.is_empty() {
        return Err(ClvError::NoRepeatBuyers {
            n_customers: customers.len(),
        });
    }
    let mut used: Vec<(f64, f64)> = repeat.iter().copied().filter(|(_, m)| *m > 0.0).collect();
    let n_zero_value = repeat.len() - used.len();
    if used.is_empty() {
        return Err(ClvError::AllZeroValues {
            n_repeat_buyers: repeat.len(),
        });
    }
    // Group by frequency: (x, count, Σ ln m, rows (m, ln m)).
    used.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut groups: Vec<(f64, f64, f64, Vec<f64>)> = Vec::new();
    for (x, m) in &used {
        match groups.last_mut() {
            Some((gx, n, sum_ln_m, ms)) if *gx == *x => {
                *n += 1.0;
                *sum_ln_m += ln(*m);
                ms.push(*m);
            }
            _ => groups.push((*x, 1.0, ln(*m), vec![*m])),
        }
    }
    let n = used.len() as f64;
    let objective = |theta: &[f64]| -> f64 {
        let [lp, lq, lv] = match theta {
            [a, b, c] => [*a, *b, *c],
            _ => return f64::INFINITY,
        };
        let (p, q, v) = (exp(lp), exp(lq), exp(lv));
        let q_ln_v = q * ln(v);
        let mut total = 0.0;
        for (x, count, sum_ln_m, ms) in &groups {
            let px = p * x;
            let mut sum = count * (per_x_term(p, q, *x) + q_ln_v) + (px - 1.0) * sum_ln_m;
            for m in ms {
                sum -= (px + q) * ln(x * m + v);
            }
            total += sum;
        }
        -total / n + penalizer * (p * p + q * q + v * v)
    };
    let (theta, report) = nelder_mead(objective, &[0.1; 3], &NelderMeadOptions::default());
    let params = match theta.as_slice() {
        [lp, lq, lv] => GammaGammaParams {
            p: exp(*lp),
            q: exp(*lq),
            v: exp(*lv),
        },
        _ => {
            return Err(ClvError::numerical(
                "fit_gamma_gamma",
                "optimiser returned a wrong-sized point",
            ))
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
    let mut log_likelihood = 0.0;
    for (x, m) in &used {
        log_likelihood += params.log_likelihood(*x, *m)?;
    }
    Ok(GammaGammaFit {
        params,
        log_likelihood,
        n_used: used.len(),
        n_zero_value,
        optimizer: report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HARDIE: GammaGammaParams = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };

    #[test]
    fn expected_order_value_shrinks_towards_population_mean() {
        let mean = HARDIE.population_mean().unwrap();
        assert!((mean - 15.44 * 6.25 / 2.74).abs() < 1e-12);
        assert_eq!(HARDIE.expected_order_value(0.0, 0.0).unwrap(), mean);
        let low = HARDIE.expected_order_value(1.0, 10.0).unwrap();
        let many = HARDIE.expected_order_value(20.0, 10.0).unwrap();
        assert!(low > 10.0 && many > 10.0 && many < low && low < mean);
    }

    #[test]
    fn q_at_most_one_is_an_error() {
        let bad = GammaGammaParams { q: 0.9, ..HARDIE };
        assert_eq!(
            bad.expected_order_value(2.0, 10.0).unwrap_err().code(),
            "clv.invalid_params"
        );
        assert_eq!(
            HARDIE
                .expected_order_value(2.0, f64::NAN)
                .unwrap_err()
                .code(),
            "clv.invalid_input"
        );
    }

    #[cfg(feature = "train")]
    #[test]
    fn fit_errors() {
        let c = |f: f64, m: f64| CustomerSummary {
            frequency: f,
            recency: f,
            t: 10.0,
            monetary_value: m,
        };
        assert_eq!(
            fit_gamma_gamma(&[c(0.0, 0.0), c(0.0, 0.0)], 0.0)
                .unwrap_err()
                .code(),
            "clv.no_repeat_buyers"
        );
        assert_eq!(
            fit_gamma_gamma(&[c(0.0, 0.0), c(2.0, 0.0)], 0.0)
                .unwrap_err()
                .code(),
            "clv.all_zero_values"
        );
        assert_eq!(
            fit_gamma_gamma(&[c(1.0, 5.0), c(2.0, -1.0)], 0.0)
                .unwrap_err()
                .code(),
            "clv.invalid_input"
        );
    }
}
