//! Ordinary least squares with cluster-robust standard errors, as statsmodels'
//! `OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)`:
//!
//! * `β = (X'X)⁻¹ X'y` (Cholesky of `X'X`);
//! * `V = c · (X'X)⁻¹ (Σ_g s_g s_gᵀ) (X'X)⁻¹`, `s_g = Σ_{i ∈ g} x_i u_i` the score of cluster
//!   `g`, with statsmodels' small-sample correction `c = G/(G−1) · (N−1)/(N−K)`;
//! * t statistics against Student's t with `G − 1` degrees of freedom (statsmodels'
//!   `df_resid_inference` for clustered errors).
//!
//! Checked against statsmodels to 1e-9 by `tests/vectors/did.json`
//! (`scripts/did_reference.py`).

use super::dist::{t_ppf, t_sf};
use super::tests::StatsError;

/// A fit.
#[derive(Debug, Clone, PartialEq)]
pub struct OlsFit {
    /// One per column of `X`.
    pub params: Vec<f64>,
    /// Cluster-robust standard errors.
    pub bse: Vec<f64>,
    /// The clusters.
    pub clusters: usize,
    /// The rows.
    pub nobs: usize,
}

impl OlsFit {
    /// Degrees of freedom of the t tests: `G − 1`.
    pub fn df(&self) -> f64 {
        self.clusters as f64 - 1.0
    }

    /// The two-sided p-value of `params[j] = 0`.
    pub fn p_value(&self, j: usize) -> f64 {
        let t = self.params[j] / self.bse[j];
        (2.0 * t_sf(t.abs(), self.df())).min(1.0)
    }

    /// The `1 − alpha` interval of `params[j]`.
    pub fn ci(&self, j: usize, alpha: f64) -> (f64, f64) {
        let q = t_ppf(1.0 - alpha / 2.0, self.df());
        (
            self.params[j] - q * self.bse[j],
            self.params[j] + q * self.bse[j],
        )
    }
}

/// Cholesky factor `L` (row-major, lower) of the `k × k` symmetric matrix `a`.
fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * k + i] = libm::sqrt(s);
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b`.
fn solve(l: &[f64], k: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; k];
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= l[i * k + p] * y[p];
        }
        y[i] = s / l[i * k + i];
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let mut s = y[i];
        for p in i + 1..k {
            s -= l[p * k + i] * x[p];
        }
        x[i] = s / l[i * k + i];
    }
    x
}

/// Fits `y` on the `k` columns of `x` (row-major, `y.len()` rows) with errors clustered by
/// `groups` (any labels; one per row).
///
/// Errors: rows of unequal length, fewer than two clusters, more columns than rows, a
/// rank-deficient `X`, values that are not finite.
pub fn ols_cluster(x: &[f64], k: usize, y: &[f64], groups: &[u64]) -> Result<OlsFit, StatsError> {
    let n = y.len();
    if k == 0 || x.len() != n * k || groups.len() != n {
        return Err(StatsError::Invalid(format!(
            "X has {} values, y {n} rows and groups {}: X must be {n} × {k}",
            x.len(),
            groups.len()
        )));
    }
    if n <= k {
        return Err(StatsError::TooFew(format!(
            "{n} rows for {k} parameters: at least {} are needed",
            k + 1
        )));
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(StatsError::Invalid("X and y must be finite numbers".into()));
    }
    let mut xtx = vec![0.0; k * k];
    let mut xty = vec![0.0; k];
    for (r, yi) in x.chunks_exact(k).zip(y) {
        for i in 0..k {
            xty[i] += r[i] * yi;
            for j in 0..=i {
                xtx[i * k + j] += r[i] * r[j];
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            xtx[j * k + i] = xtx[i * k + j];
        }
    }
    let l = cholesky(&xtx, k).ok_or_else(|| {
        StatsError::ZeroVariance("the columns of X are collinear: X'X is singular".into())
    })?;
    let params = solve(&l, k, &xty);
    // (X'X)⁻¹, column by column.
    let mut inv = vec![0.0; k * k];
    for j in 0..k {
        let mut e = vec![0.0; k];
        e[j] = 1.0;
        for (i, v) in solve(&l, k, &e).into_iter().enumerate() {
            inv[i * k + j] = v;
        }
    }
    // Scores summed by cluster, clusters in order of their label.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| groups[i]);
    let mut meat = vec![0.0; k * k];
    let mut clusters = 0usize;
    let mut s = vec![0.0; k];
    let flush = |s: &mut Vec<f64>, meat: &mut Vec<f64>| {
        for i in 0..k {
            for j in 0..k {
                meat[i * k + j] += s[i] * s[j];
            }
        }
        s.iter_mut().for_each(|v| *v = 0.0);
    };
    for (pos, &i) in order.iter().enumerate() {
        if pos > 0 && groups[order[pos - 1]] != groups[i] {
            flush(&mut s, &mut meat);
        }
        if pos == 0 || groups[order[pos - 1]] != groups[i] {
            clusters += 1;
        }
        let r = &x[i * k..(i + 1) * k];
        let u = y[i] - r.iter().zip(&params).map(|(a, b)| a * b).sum::<f64>();
        for (sj, rj) in s.iter_mut().zip(r) {
            *sj += rj * u;
        }
    }
    flush(&mut s, &mut meat);
    if clusters < 2 {
        return Err(StatsError::TooFew(format!(
            "{clusters} cluster: clustered errors need at least 2"
        )));
    }
    let g = clusters as f64;
    let c = g / (g - 1.0) * ((n as f64 - 1.0) / (n - k) as f64);
    // V = c · inv · meat · inv
    let mut tmp = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            tmp[i * k + j] = (0..k).map(|p| inv[i * k + p] * meat[p * k + j]).sum();
        }
    }
    let bse = (0..k)
        .map(|i| {
            let v: f64 = (0..k).map(|p| tmp[i * k + p] * inv[p * k + i]).sum();
            libm::sqrt((c * v).max(0.0))
        })
        .collect();
    Ok(OlsFit {
        params,
        bse,
        clusters,
        nobs: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_line_and_refuses_collinear_columns() {
        // y = 1 + 2x exactly: residuals 0, standard errors 0.
        let x: Vec<f64> = (0..6).flat_map(|i| [1.0, f64::from(i)]).collect();
        let y: Vec<f64> = (0..6).map(|i| 1.0 + 2.0 * f64::from(i)).collect();
        let fit = ols_cluster(&x, 2, &y, &[0, 0, 1, 1, 2, 2]).unwrap();
        assert!((fit.params[0] - 1.0).abs() < 1e-12 && (fit.params[1] - 2.0).abs() < 1e-12);
        assert!(fit.bse.iter().all(|s| *s < 1e-9));
        assert_eq!(fit.clusters, 3);
        let x2: Vec<f64> = (0..6)
            .flat_map(|i| [1.0, 2.0 * f64::from(i), f64::from(i)])
            .collect();
        assert!(matches!(
            ols_cluster(&x2, 3, &y, &[0, 1, 2, 3, 4, 5]),
            Err(StatsError::ZeroVariance(_))
        ));
        assert!(matches!(
            ols_cluster(&x, 2, &y, &[7; 6]),
            Err(StatsError::TooFew(_))
        ));
    }
}
