//! Statistics for experiment and programme analysis, with results equal to scipy and
//! statsmodels (to 1e-9 relative on `tests/vectors/stats.json`, made by
//! `scripts/stats_reference.py`). Depends on nothing else in the crate. Only [`special`] is
//! in every build (CLV needs `ln Γ`); the rest is behind the `data` feature.
//!
//! * [`special`] — `ln Γ`, the normal distribution, the regularized incomplete beta and gamma
//!   functions (written here: see its docs for why not `statrs`);
//! * [`dist`] — normal, Student's t and chi-square: CDF, survival function, quantile;
//! * [`tests`] — the two-proportion z-test, Welch's t-test, the intervals of absolute and
//!   relative lift, the sample-ratio-mismatch check, Holm and Benjamini–Hochberg;
//! * [`bayes`] — probability to beat the control, expected loss, credible intervals;
//! * [`sequential`] — always-valid confidence sequences and p-values (Waudby-Smith et al.);
//! * [`nps`] — Net Promoter Score, its interval and the comparison of two groups;
//! * [`group_sequential`] — alpha-spending boundaries for planned looks (Lan & DeMets);
//! * [`power`] — power, sample size and minimum detectable effect (`NormalIndPower`,
//!   `TTestIndPower`).
//! * [`ols`] — least squares with cluster-robust standard errors (difference-in-differences).

#[cfg(feature = "data")]
pub mod bayes;
#[cfg(feature = "data")]
pub mod dist;
#[cfg(feature = "data")]
pub mod group_sequential;
#[cfg(feature = "data")]
pub mod nps;
#[cfg(feature = "data")]
pub mod ols;
#[cfg(feature = "data")]
pub mod power;
#[cfg(feature = "data")]
pub mod sequential;
pub mod special;
#[cfg(feature = "data")]
pub mod tests;
