//! Always-valid inference: a team that looks at its experiment every day keeps its error rate.
//!
//! The asymptotic confidence sequence of Waudby-Smith, Arnold, Wu, Howard and Ramdas,
//! "Time-uniform central limit theory and asymptotic confidence sequences" (2023,
//! arXiv:2103.06476v7), as GrowthBook's `gbstats` (`SequentialTwoSidedTTest`) computes it, with
//! results equal to it (`tests/vectors/stats.json`, kind `sequential`):
//!
//! * `n` is the units of both groups together, `V` the variance of the estimate (for a
//!   difference `v_t/n_t + v_c/n_c`; a proportion's `v` is `p (1 − p)`, a mean's the sample
//!   variance), so `s² = V n` is the per-unit variance;
//! * the mixing parameter `ρ = √((−2 ln α + ln(1 − 2 ln α)) / N)` (eq. 161), where the tuning
//!   parameter `N` is the number of units at which the sequence is tightest (default 5,000, as
//!   GrowthBook; set it near the sample size you expect);
//! * the half-width `√s² · √(2 (n ρ² + 1) ln(√(n ρ² + 1) / α) / (n ρ)²)` (eq. 9): the estimate
//!   ± it holds the true value at every `n` at once with probability `1 − α`;
//! * the always-valid p-value `min(1, 1 / e)` with `ln e = ρ² t² / (2 (n ρ² + 1)) − ½ ln(n ρ² +
//!   1)`, `t² = (estimate)² n / V` (eq. 155): the smallest `α` whose sequence excludes 0.
//!
//! Unlike a fixed-horizon interval it is wider, and it never shrinks to the fixed-horizon one;
//! in return a result read on any day, or every day, is as trustworthy as one read once at a
//! planned end (`tests/stats_simulation.rs`: 10,000 A/A experiments checked daily).

use super::tests::StatsError;
use serde::Serialize;

/// GrowthBook's default tuning parameter `N`.
pub const DEFAULT_TUNING: f64 = 5000.0;

/// The mixing parameter `ρ` for `α` and the tuning parameter `N`.
pub fn rho(alpha: f64, tuning: f64) -> f64 {
    let l = libm::log(alpha);
    ((-2.0 * l + libm::log(1.0 - 2.0 * l)) / tuning).sqrt()
}

/// An always-valid interval and p-value for one estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sequence {
    pub ci: (f64, f64),
    pub p_value: f64,
}

/// The confidence sequence and always-valid p-value of `estimate` (null 0), with `variance`
/// the variance of the estimate and `n` the units behind it.
pub fn sequence(
    estimate: f64,
    variance: f64,
    n: f64,
    alpha: f64,
    tuning: f64,
) -> Result<Sequence, StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::Invalid(format!(
            "alpha is {alpha}: between 0 and 1"
        )));
    }
    if !(tuning.is_finite() && tuning > 0.0) {
        return Err(StatsError::Invalid(format!(
            "the sequential tuning parameter is {tuning}: a number of units > 0"
        )));
    }
    if !(n.is_finite() && n >= 2.0) {
        return Err(StatsError::TooFew(format!(
            "{n} units: a confidence sequence needs at least 2"
        )));
    }
    if !(variance.is_finite() && variance > 0.0 && estimate.is_finite()) {
        return Err(StatsError::ZeroVariance(
            "the estimate has no variance: no confidence sequence".into(),
        ));
    }
    let r = rho(alpha, tuning);
    let r2 = r * r;
    let a = n * r2 + 1.0;
    let s2 = variance * n;
    let half = s2.sqrt() * (2.0 * a * libm::log(a.sqrt() / alpha) / ((n * r) * (n * r))).sqrt();
    let t2 = estimate * estimate * n / variance;
    let log_e = r2 * t2 / (2.0 * a) - 0.5 * libm::log(a);
    let p_value = if log_e <= 0.0 { 1.0 } else { libm::exp(-log_e) };
    Ok(Sequence {
        ci: (estimate - half, estimate + half),
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p_value_is_the_alpha_whose_sequence_touches_zero() {
        let (d, v, n) = (0.03, 0.0002, 2000.0);
        let s = sequence(d, v, n, 0.05, DEFAULT_TUNING).unwrap();
        assert!(s.p_value < 1.0);
        // Note: rho depends on alpha, so the identity holds for the alpha that built rho; the
        // sequence at alpha = p (with rho from 0.05) touches 0.
        let r = rho(0.05, DEFAULT_TUNING);
        let a = n * r * r + 1.0;
        let half = (v * n).sqrt()
            * (2.0 * a * libm::log(a.sqrt() / s.p_value) / ((n * r) * (n * r))).sqrt();
        assert!((half - d).abs() < 1e-12, "{half} vs {d}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(sequence(0.1, 0.0, 100.0, 0.05, 5000.0).is_err());
        assert!(sequence(0.1, 1.0, 1.0, 0.05, 5000.0).is_err());
        assert!(sequence(0.1, 1.0, 100.0, 1.5, 5000.0).is_err());
        assert!(sequence(0.1, 1.0, 100.0, 0.05, 0.0).is_err());
    }
}
