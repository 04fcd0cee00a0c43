//! Hypothesis tests and intervals, on summary statistics (so the analysis streams: a group is
//! its count, mean and variance, whatever the number of rows).
//!
//! | function | equals |
//! | --- | --- |
//! | [`two_proportion_ztest`] | statsmodels `proportions_ztest([x_t, x_c], [n_t, n_c])` (pooled, two-sided) |
//! | [`welch_ttest`] | scipy `ttest_ind(t, c, equal_var=False)`, Welch–Satterthwaite `df` |
//! | [`diff_ci_proportions`] | statsmodels `confint_proportions_2indep(..., method="wald", compare="diff")` |
//! | [`diff_ci_means`] | `diff ± t.ppf(1 − α/2, df) · se` with Welch's `se` and `df` |
//! | [`relative_ci`] | the delta method: `r = m_t/m_c − 1`, `se² = v_t/(n_t m_c²) + m_t² v_c/(n_c m_c⁴)`, `r ± z · se` |
//! | [`srm`] | scipy `chisquare(observed, f_exp = total × weights)` |
//! | [`holm`], [`benjamini_hochberg`] | statsmodels `multipletests(p, method="holm" / "fdr_bh")` |

use super::dist::{chi2_sf, normal, t_cdf_sf, t_ppf};
use serde::Serialize;

/// Why a statistic cannot be computed; `code()` is stable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// Too few observations (a group needs 1 for a proportion, 2 for a mean).
    #[error("{0}")]
    TooFew(String),
    /// Both groups have zero variance: the statistic is undefined.
    #[error("{0}")]
    ZeroVariance(String),
    /// A count, mean, variance or weight that is not a finite number in range.
    #[error("{0}")]
    Invalid(String),
}

impl StatsError {
    /// `stats.too_few`, `stats.zero_variance` or `stats.invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            StatsError::TooFew(_) => "stats.too_few",
            StatsError::ZeroVariance(_) => "stats.zero_variance",
            StatsError::Invalid(_) => "stats.invalid",
        }
    }
}

/// A test's statistic and two-sided p-value (`df` for t).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub statistic: f64,
    pub p_value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub df: Option<f64>,
}

/// A group summarised: its size, mean and (sample, `ddof = 1`) variance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Group {
    pub n: f64,
    pub mean: f64,
    pub var: f64,
}

fn finite(name: &str, x: f64) -> Result<f64, StatsError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(StatsError::Invalid(format!(
            "{name} is {x}, not a finite number"
        )))
    }
}

fn check_group(name: &str, g: &Group, min_n: f64) -> Result<(), StatsError> {
    finite(&format!("{name} mean"), g.mean)?;
    if !(g.var.is_finite() && g.var >= 0.0) {
        return Err(StatsError::Invalid(format!("{name} variance is {}", g.var)));
    }
    if !(g.n.is_finite() && g.n >= min_n) {
        return Err(StatsError::TooFew(format!(
            "{name} has {} units; at least {min_n} are needed",
            g.n
        )));
    }
    Ok(())
}

fn check_counts(name: &str, x: f64, n: f64) -> Result<(), StatsError> {
    if !(n.is_finite() && n >= 1.0) {
        return Err(StatsError::TooFew(format!("{name} has {n} units")));
    }
    if !(x.is_finite() && x >= 0.0 && x <= n) {
        return Err(StatsError::Invalid(format!(
            "{name} has {x} successes of {n}: successes are between 0 and n"
        )));
    }
    Ok(())
}

/// Pooled two-proportion z-test of `x_t / n_t` against `x_c / n_c`, two-sided.
pub fn two_proportion_ztest(
    x_t: f64,
    n_t: f64,
    x_c: f64,
    n_c: f64,
) -> Result<TestResult, StatsError> {
    check_counts("the variant", x_t, n_t)?;
    check_counts("the control", x_c, n_c)?;
    let p = (x_t + x_c) / (n_t + n_c);
    let var = p * (1.0 - p) * (1.0 / n_t + 1.0 / n_c);
    if var <= 0.0 {
        return Err(StatsError::ZeroVariance(
            "every unit of both groups has the same outcome: no test".into(),
        ));
    }
    let z = (x_t / n_t - x_c / n_c) / var.sqrt();
    Ok(TestResult {
        statistic: z,
        p_value: 2.0 * normal::sf(z.abs()),
        df: None,
    })
}

/// Welch's standard error and degrees of freedom.
fn welch_se_df(t: &Group, c: &Group) -> Result<(f64, f64), StatsError> {
    check_group("the variant", t, 2.0)?;
    check_group("the control", c, 2.0)?;
    let vt = t.var / t.n;
    let vc = c.var / c.n;
    let v = vt + vc;
    if v <= 0.0 {
        return Err(StatsError::ZeroVariance(
            "both groups have zero variance: no test".into(),
        ));
    }
    let df = v * v / (vt * vt / (t.n - 1.0) + vc * vc / (c.n - 1.0));
    Ok((v.sqrt(), df))
}

/// Welch's t-test of the variant's mean against the control's, two-sided.
pub fn welch_ttest(t: &Group, c: &Group) -> Result<TestResult, StatsError> {
    let (se, df) = welch_se_df(t, c)?;
    let stat = (t.mean - c.mean) / se;
    let (_, sf) = t_cdf_sf(stat.abs(), df);
    Ok(TestResult {
        statistic: stat,
        p_value: 2.0 * sf,
        df: Some(df),
    })
}

/// The `1 − alpha` interval of `p_t − p_c` (unpooled Wald).
pub fn diff_ci_proportions(
    x_t: f64,
    n_t: f64,
    x_c: f64,
    n_c: f64,
    alpha: f64,
) -> Result<(f64, f64), StatsError> {
    check_counts("the variant", x_t, n_t)?;
    check_counts("the control", x_c, n_c)?;
    check_alpha(alpha)?;
    let (pt, pc) = (x_t / n_t, x_c / n_c);
    let se = (pt * (1.0 - pt) / n_t + pc * (1.0 - pc) / n_c).sqrt();
    let z = normal::ppf(1.0 - alpha / 2.0);
    let d = pt - pc;
    Ok((d - z * se, d + z * se))
}

/// The `1 − alpha` interval of `m_t − m_c` (Welch).
pub fn diff_ci_means(t: &Group, c: &Group, alpha: f64) -> Result<(f64, f64), StatsError> {
    check_alpha(alpha)?;
    let (se, df) = welch_se_df(t, c)?;
    let q = t_ppf(1.0 - alpha / 2.0, df);
    let d = t.mean - c.mean;
    Ok((d - q * se, d + q * se))
}

/// The relative lift `m_t / m_c − 1` and its `1 − alpha` interval by the delta method.
pub fn relative_ci(t: &Group, c: &Group, alpha: f64) -> Result<(f64, (f64, f64)), StatsError> {
    check_alpha(alpha)?;
    check_group("the variant", t, 1.0)?;
    check_group("the control", c, 1.0)?;
    if c.mean == 0.0 {
        return Err(StatsError::Invalid(
            "the control's mean is 0: no relative lift".into(),
        ));
    }
    let r = t.mean / c.mean - 1.0;
    let mc2 = c.mean * c.mean;
    let se = (t.var / (t.n * mc2) + t.mean * t.mean * c.var / (c.n * mc2 * mc2)).sqrt();
    let z = normal::ppf(1.0 - alpha / 2.0);
    Ok((r, (r - z * se, r + z * se)))
}

fn check_alpha(alpha: f64) -> Result<(), StatsError> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(StatsError::Invalid(format!(
            "alpha is {alpha}: it is between 0 and 1"
        )))
    }
}

/// The sample-ratio-mismatch check: Pearson's chi-square of the observed counts against the
/// planned `weights` (normalised), and its p-value.
pub fn srm(observed: &[f64], weights: &[f64]) -> Result<TestResult, StatsError> {
    if observed.len() != weights.len() || observed.len() < 2 {
        return Err(StatsError::Invalid(format!(
            "{} groups and {} weights: one weight per group, at least two",
            observed.len(),
            weights.len()
        )));
    }
    let total: f64 = observed.iter().sum();
    let wsum: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0 && wsum.is_finite() && wsum > 0.0) {
        return Err(StatsError::Invalid(
            "no units, or weights that sum to 0".into(),
        ));
    }
    let mut chi2 = 0.0;
    for (&o, &w) in observed.iter().zip(weights) {
        if !(o.is_finite() && o >= 0.0 && w.is_finite() && w > 0.0) {
            return Err(StatsError::Invalid(format!(
                "a count of {o} or a weight of {w}: counts ≥ 0, weights > 0"
            )));
        }
        let e = total * w / wsum;
        chi2 += (o - e) * (o - e) / e;
    }
    let df = (observed.len() - 1) as f64;
    Ok(TestResult {
        statistic: chi2,
        p_value: chi2_sf(chi2, df),
        df: Some(df),
    })
}

/// Holm's step-down adjusted p-values, in the input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let adj = ((m - rank) as f64 * p[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg adjusted p-values (false discovery rate), in the input order.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 1.0;
    for (rank, &i) in order.iter().enumerate().rev() {
        let adj = (m as f64 / (rank + 1) as f64 * p[i]).min(1.0);
        running = running.min(adj);
        out[i] = running;
    }
    out
}
