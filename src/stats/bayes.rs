//! Bayesian read-outs of a variant against the control.
//!
//! * **Proportions**: uniform priors `Beta(1, 1)`, so the posteriors are `Beta(1 + x, 1 + n − x)`.
//!   The probability that the variant's rate beats the control's is Evan Miller's closed form
//!   `P(p_t > p_c) = Σ_{i=0}^{α_t−1} B(α_c + i, β_c + β_t) / ((β_t + i) B(1 + i, β_t) B(α_c, β_c))`
//!   (summed in logs); the expected loss of choosing the variant, `E[max(p_c − p_t, 0)]`, is
//!   Stucchio's `m_c P(p_c⁺ > p_t) − m_t P(p_c > p_t⁺)` with `m` the posterior means and `⁺` a
//!   posterior with one more success (a difference of near-equal terms: accurate to about 1e-12
//!   of the posterior standard deviation of the difference, checked to 1e-9 of it against
//!   mpmath quadrature). The credible interval of `p_t − p_c` is the normal one
//!   with the posteriors' means and variances.
//! * **Means**: flat priors, so `μ_t − μ_c ~ N(d, se²)` with Welch's `se`: `P = Φ(d / se)`,
//!   expected loss `se φ(d/se) − d Φ(−d/se)`, interval `d ± z se`.

use super::dist::normal;
use super::special::ln_gamma;
use super::tests::{Group, StatsError};
use serde::Serialize;

/// A Bayesian read-out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bayes {
    /// The posterior probability that the variant is better than the control.
    pub prob_beat_control: f64,
    /// The expected loss (in the metric's units) of choosing the variant.
    pub expected_loss: f64,
    /// The credible interval of the difference `variant − control`.
    #[serde(rename = "credibleCI")]
    pub credible_ci: (f64, f64),
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `P(X > Y)` for `X ~ Beta(at, bt)` (`at` a positive integer) and `Y ~ Beta(ac, bc)`.
fn beta_beats(at: f64, bt: f64, ac: f64, bc: f64) -> f64 {
    let base = ln_beta(ac, bc);
    let mut sum = 0.0;
    let mut i = 0.0;
    while i < at {
        sum +=
            libm::exp(ln_beta(ac + i, bc + bt) - libm::log(bt + i) - ln_beta(1.0 + i, bt) - base);
        i += 1.0;
    }
    sum.clamp(0.0, 1.0)
}

/// The largest number of successes the exact sum takes (one term per success of the variant).
pub const MAX_EXACT_SUCCESSES: f64 = 1e6;

/// Proportions: `x_t` of `n_t` against `x_c` of `n_c` (see the module docs).
pub fn proportions(
    x_t: f64,
    n_t: f64,
    x_c: f64,
    n_c: f64,
    alpha: f64,
) -> Result<Bayes, StatsError> {
    for (x, n) in [(x_t, n_t), (x_c, n_c)] {
        if !(n.is_finite() && n >= 1.0 && x.is_finite() && x >= 0.0 && x <= n && x.fract() == 0.0) {
            return Err(StatsError::Invalid(format!(
                "{x} successes of {n}: whole numbers, 0 ≤ x ≤ n, n ≥ 1"
            )));
        }
    }
    if x_t + 1.0 > MAX_EXACT_SUCCESSES {
        return Err(StatsError::Invalid(format!(
            "{x_t} successes: the exact posterior sum takes at most {MAX_EXACT_SUCCESSES}"
        )));
    }
    let (at, bt, ac, bc) = (1.0 + x_t, 1.0 + n_t - x_t, 1.0 + x_c, 1.0 + n_c - x_c);
    let prob = beta_beats(at, bt, ac, bc);
    let (mt, mc) = (at / (at + bt), ac / (ac + bc));
    // E[max(p_c − p_t, 0)] = m_c P(p_c⁺ > p_t) − m_t P(p_c > p_t⁺), P(p_c > p_t) = 1 − P(p_t > p_c).
    let loss = mc * (1.0 - beta_beats(at, bt, ac + 1.0, bc))
        - mt * (1.0 - beta_beats(at + 1.0, bt, ac, bc));
    let var = |a: f64, b: f64| a * b / ((a + b) * (a + b) * (a + b + 1.0));
    let se = (var(at, bt) + var(ac, bc)).sqrt();
    let z = normal::ppf(1.0 - alpha / 2.0);
    let d = mt - mc;
    Ok(Bayes {
        prob_beat_control: prob,
        expected_loss: loss.max(0.0),
        credible_ci: (d - z * se, d + z * se),
    })
}

/// Means (see the module docs).
pub fn means(t: &Group, c: &Group, alpha: f64) -> Result<Bayes, StatsError> {
    for g in [t, c] {
        if !(g.n >= 2.0 && g.mean.is_finite() && g.var.is_finite() && g.var >= 0.0) {
            return Err(StatsError::TooFew(
                "a group needs 2 units and a finite mean".into(),
            ));
        }
    }
    let se = (t.var / t.n + c.var / c.n).sqrt();
    if se <= 0.0 {
        return Err(StatsError::ZeroVariance(
            "both groups have zero variance".into(),
        ));
    }
    let d = t.mean - c.mean;
    let r = d / se;
    let z = normal::ppf(1.0 - alpha / 2.0);
    Ok(Bayes {
        prob_beat_control: normal::cdf(r),
        expected_loss: se * normal::pdf(r) - d * normal::cdf(-r),
        credible_ci: (d - z * se, d + z * se),
    })
}
