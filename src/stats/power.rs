//! Power and sample size for a two-group test (the normal approximation), as statsmodels'
//! `NormalIndPower`: for a standardised effect `d` (Cohen's `h = 2 asin √p₁ − 2 asin √p₂` for
//! proportions, `Δ / σ` for means, with `σ` from the pre-period), `n₁` units in the variant and
//! `ratio · n₁` in the control, two-sided at `alpha`:
//!
//! ```text
//! power = Φ(d √n − z) + Φ(−d √n − z),   n = 1 / (1/n₁ + 1/(ratio · n₁)),   z = Φ⁻¹(1 − α/2)
//! ```
//!
//! [`sample_size`] and [`mde`] solve it for `n₁` or `d` (bisection to the last bit: power is
//! increasing in both).

use super::dist::normal;
use super::tests::StatsError;

/// Cohen's `h` between two proportions (statsmodels `proportion_effectsize`).
pub fn proportion_effect_size(p1: f64, p2: f64) -> f64 {
    2.0 * libm::asin(p1.sqrt()) - 2.0 * libm::asin(p2.sqrt())
}

/// The power of the two-sided test (see the module docs).
pub fn power(d: f64, n1: f64, alpha: f64, ratio: f64) -> f64 {
    let n = 1.0 / (1.0 / n1 + 1.0 / (n1 * ratio));
    let z = normal::ppf(1.0 - alpha / 2.0);
    let s = d * n.sqrt();
    normal::sf(z - s) + normal::cdf(-z - s)
}

fn check(alpha: f64, target: f64, ratio: f64) -> Result<(), StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::Invalid(format!(
            "alpha is {alpha}: between 0 and 1"
        )));
    }
    if !(target > alpha && target < 1.0) {
        return Err(StatsError::Invalid(format!(
            "power is {target}: between alpha and 1"
        )));
    }
    if !(ratio > 0.0 && ratio.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "ratio is {ratio}: a number > 0"
        )));
    }
    Ok(())
}

/// Increasing `f` on `(lo, hi)`: the `x` with `f(x) = target`, by bisection to the last bit.
fn solve(f: impl Fn(f64) -> f64, target: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The power of the two-sided two-sample t-test, as statsmodels' `TTestIndPower`: with
/// `n₂ = ratio · n₁`, `ν = n₁ + n₂ − 2`, `δ = d √(1 / (1/n₁ + 1/n₂))` and `c = t⁻¹(1 − α/2; ν)`,
///
/// ```text
/// power = 1 − F(c; ν, δ) + F(−c; ν, δ)
/// ```
///
/// with `F` the noncentral t CDF ([`super::dist::nct_cdf`]). Exact where the normal
/// approximation of [`power`] is not: for a few dozen units per group.
pub fn t_power(d: f64, n1: f64, alpha: f64, ratio: f64) -> f64 {
    let n2 = n1 * ratio;
    let df = n1 + n2 - 2.0;
    if df <= 0.0 {
        return f64::NAN;
    }
    let nc = d * (1.0 / (1.0 / n1 + 1.0 / n2)).sqrt();
    let c = super::dist::t_ppf(1.0 - alpha / 2.0, df);
    (1.0 - super::dist::nct_cdf(c, df, nc)) + super::dist::nct_cdf(-c, df, nc)
}

/// Which power function to solve: the normal approximation (`NormalIndPower`) or the t-test's
/// (`TTestIndPower`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    Normal,
    T,
}

impl Test {
    fn power(self, d: f64, n1: f64, alpha: f64, ratio: f64) -> f64 {
        match self {
            Test::Normal => power(d, n1, alpha, ratio),
            Test::T => t_power(d, n1, alpha, ratio),
        }
    }

    /// The smallest `n₁` the test is defined at (the t-test needs `ν > 0`).
    fn min_n1(self, ratio: f64) -> f64 {
        match self {
            Test::Normal => 0.0,
            Test::T => 2.0 / (1.0 + ratio),
        }
    }
}

/// Units in the variant for `power` at effect `d` with the t-test (statsmodels
/// `TTestIndPower().solve_power(nobs1=None)`).
pub fn t_sample_size(d: f64, alpha: f64, target: f64, ratio: f64) -> Result<f64, StatsError> {
    solve_n(Test::T, d, alpha, target, ratio)
}

/// The smallest standardised effect the t-test detects with `power` and `n1` units in the
/// variant (statsmodels `TTestIndPower().solve_power(effect_size=None)`).
pub fn t_mde(n1: f64, alpha: f64, target: f64, ratio: f64) -> Result<f64, StatsError> {
    solve_d(Test::T, n1, alpha, target, ratio)
}

/// Units in the variant for `power` at effect `d` (statsmodels `solve_power(nobs1=None)`).
pub fn sample_size(d: f64, alpha: f64, target: f64, ratio: f64) -> Result<f64, StatsError> {
    solve_n(Test::Normal, d, alpha, target, ratio)
}

/// The smallest standardised effect detected with `power` with `n1` units in the variant
/// (statsmodels `solve_power(effect_size=None)`).
pub fn mde(n1: f64, alpha: f64, target: f64, ratio: f64) -> Result<f64, StatsError> {
    solve_d(Test::Normal, n1, alpha, target, ratio)
}

fn solve_n(test: Test, d: f64, alpha: f64, target: f64, ratio: f64) -> Result<f64, StatsError> {
    check(alpha, target, ratio)?;
    if !(d.is_finite() && d != 0.0) {
        return Err(StatsError::Invalid(format!(
            "the effect is {d}: a number other than 0"
        )));
    }
    let d = d.abs();
    let lo = test.min_n1(ratio);
    let mut hi = lo + 2.0;
    while test.power(d, hi, alpha, ratio) < target {
        hi *= 2.0;
        if hi > 1e18 {
            return Err(StatsError::Invalid(
                "no sample size reaches that power".into(),
            ));
        }
    }
    Ok(solve(|n| test.power(d, n, alpha, ratio), target, lo, hi))
}

fn solve_d(test: Test, n1: f64, alpha: f64, target: f64, ratio: f64) -> Result<f64, StatsError> {
    check(alpha, target, ratio)?;
    if !(n1.is_finite() && n1 > test.min_n1(ratio)) {
        return Err(StatsError::Invalid(format!(
            "{n1} units: a number > {}",
            test.min_n1(ratio)
        )));
    }
    let mut hi = 1.0;
    while test.power(hi, n1, alpha, ratio) < target {
        hi *= 2.0;
        if hi > 1e6 {
            return Err(StatsError::Invalid(
                "no effect reaches that power with these units".into(),
            ));
        }
    }
    Ok(solve(|d| test.power(d, n1, alpha, ratio), target, 0.0, hi))
}
