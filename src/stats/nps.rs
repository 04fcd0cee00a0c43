//! Net Promoter Score from 0–10 survey answers: promoters answer 9 or 10, passives 7 or 8,
//! detractors 0 to 6, and
//!
//! ```text
//! NPS = 100 (P − D) / n
//! ```
//!
//! Coding each answer +1 (promoter), 0 (passive) or −1 (detractor), NPS is 100 times the mean
//! of the codes, so its standard error is that of a mean, `100 s / √n` with the sample variance
//! `s² = (P + D − n (NPS/100)²) / (n − 1)` of the codes: the variance of a difference of two
//! proportions from one multinomial sample (`(p_P + p_D − (p_P − p_D)²) / n`, with `n − 1` for
//! `n`), as statsmodels' `DescrStatsW(codes).zconfint_mean()`. Two groups (segments, tiers) are
//! compared by the z-test of the difference of their means with separate variances, as
//! statsmodels' `CompareMeans.ztest_ind(usevar="unequal")`.

use super::dist::normal;
use super::tests::{StatsError, TestResult};
use serde::Serialize;

/// One group's NPS.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Nps {
    pub n: f64,
    pub promoters: f64,
    pub passives: f64,
    pub detractors: f64,
    /// From −100 to 100.
    pub score: f64,
    /// The score's standard error, in points.
    pub se: f64,
    /// The `1 − alpha` interval, in points (normal).
    #[serde(rename = "scoreCI")]
    pub score_ci: (f64, f64),
}

/// Counts the answers: `[promoters, passives, detractors]`; an answer that is not a whole
/// number from 0 to 10 is an error naming its place.
pub fn count(answers: &[f64]) -> Result<[f64; 3], StatsError> {
    let mut c = [0.0; 3];
    for (i, &a) in answers.iter().enumerate() {
        if !(a.is_finite() && (0.0..=10.0).contains(&a) && a.fract() == 0.0) {
            return Err(StatsError::Invalid(format!(
                "answer {i} is {a}: a whole number from 0 to 10"
            )));
        }
        let k = if a >= 9.0 {
            0
        } else if a >= 7.0 {
            1
        } else {
            2
        };
        c[k] += 1.0;
    }
    Ok(c)
}

/// The NPS of `[promoters, passives, detractors]` with its `1 − alpha` interval.
pub fn score(counts: [f64; 3], alpha: f64) -> Result<Nps, StatsError> {
    let [p, q, d] = counts;
    if counts.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
        return Err(StatsError::Invalid(format!(
            "counts {counts:?}: numbers ≥ 0"
        )));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::Invalid(format!(
            "alpha is {alpha}: between 0 and 1"
        )));
    }
    let n = p + q + d;
    if n < 2.0 {
        return Err(StatsError::TooFew(format!(
            "{n} answers: at least 2 are needed"
        )));
    }
    let mean = (p - d) / n;
    let var = ((p + d - n * mean * mean) / (n - 1.0)).max(0.0);
    let se = 100.0 * (var / n).sqrt();
    let z = normal::ppf(1.0 - alpha / 2.0);
    let score = 100.0 * mean;
    Ok(Nps {
        n,
        promoters: p,
        passives: q,
        detractors: d,
        score,
        se,
        score_ci: (score - z * se, score + z * se),
    })
}

/// `a` against `b`: the z-test of `NPS_a − NPS_b` (separate variances) and its `1 − alpha`
/// interval, in points.
pub fn compare(a: &Nps, b: &Nps, alpha: f64) -> Result<(TestResult, (f64, f64)), StatsError> {
    let se = (a.se * a.se + b.se * b.se).sqrt();
    if se <= 0.0 {
        return Err(StatsError::ZeroVariance(
            "every answer of both groups is in the same class: no test".into(),
        ));
    }
    let d = a.score - b.score;
    let z = d / se;
    let q = normal::ppf(1.0 - alpha / 2.0);
    Ok((
        TestResult {
            statistic: z,
            p_value: 2.0 * normal::sf(z.abs()),
            df: None,
        },
        (d - q * se, d + q * se),
    ))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn answers_are_classed_and_bad_ones_named() {
        assert_eq!(
            count(&[10.0, 9.0, 8.0, 7.0, 6.0, 0.0]).unwrap(),
            [2.0, 2.0, 2.0]
        );
        for bad in [11.0, -1.0, 7.5, f64::NAN] {
            let e = count(&[9.0, bad]).unwrap_err();
            assert_eq!(e.code(), "stats.invalid", "{bad}");
            assert!(e.to_string().contains("answer 1"), "{e}");
        }
        assert_eq!(
            score([1.0, 0.0, 0.0], 0.05).unwrap_err().code(),
            "stats.too_few"
        );
        let all = score([5.0, 0.0, 0.0], 0.05).unwrap();
        assert_eq!((all.score, all.se), (100.0, 0.0));
        assert_eq!(
            compare(&all, &all, 0.05).unwrap_err().code(),
            "stats.zero_variance"
        );
    }
}
