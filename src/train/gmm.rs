//! Gaussian mixtures with linfa (full covariances), exported in the form the engine assigns
//! with (weights, means, precision Cholesky factors) without linfa.

use crate::model::log_weighted_density;
use linfa::prelude::*;
use linfa_clustering::{GaussianMixtureModel, GmmCovarType, GmmInitMethod, KMeans};
use ndarray::Array2;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// Regularisation added to the covariance diagonals (scikit-learn's and linfa's default).
pub const REG_COVARIANCE: f64 = 1e-6;

/// A fitted Gaussian mixture.
#[derive(Debug, Clone)]
pub struct GmmFit {
    /// Mixture weights, by component.
    pub weights: Vec<f64>,
    /// Component means, k × features (scaled space).
    pub means: Array2<f64>,
    /// Upper-triangular Cholesky factors of the precisions, by component, by rows.
    pub precisions_cholesky: Vec<Vec<Vec<f64>>>,
    /// The component with the highest posterior of every row (ties to the lowest index).
    pub labels: Vec<usize>,
    /// Sum of squared distances of rows to their component's mean.
    pub inertia: f64,
    /// Mean log-likelihood per row (scikit-learn's `score`).
    pub log_likelihood: f64,
    /// The k-means centroids the EM started from (linfa's k-means with the same seed).
    pub init_centroids: Array2<f64>,
}

/// Fits a Gaussian mixture with full covariances: linfa's EM from a k-means start (linfa's
/// k-means, seeded with Xoshiro256+ from `seed`), one run, at most `max_iter` iterations, until
/// the mean log-likelihood changes by less than `tolerance`.
pub fn fit(
    x: &Array2<f64>,
    k: usize,
    max_iter: u64,
    tolerance: f64,
    seed: u64,
) -> Result<GmmFit, String> {
    let dataset = DatasetBase::from(x.clone());
    let fail = |e: &dyn std::fmt::Display| format!("Gaussian mixture with k = {k} failed: {e}");
    // The same k-means start as linfa's GMM (its parameters' random generator, cloned).
    let init = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .fit(&dataset)
        .map_err(|e| fail(&e))?;
    let model = GaussianMixtureModel::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .covariance_type(GmmCovarType::Full)
        .init_method(GmmInitMethod::KMeans)
        .reg_covariance(REG_COVARIANCE)
        .tolerance(tolerance)
        .n_runs(1)
        .max_n_iterations(max_iter)
        .fit(&dataset)
        .map_err(|e| fail(&e))?;
    let weights = model.weights().to_vec();
    let means = model.means().clone();
    let precisions_cholesky: Vec<Vec<Vec<f64>>> = model
        .covariances()
        .outer_iter()
        .map(|cov| precision_cholesky(&cov.to_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(&e))?;
    if weights.len() != k || means.nrows() != k || precisions_cholesky.len() != k {
        return Err(fail(&"linfa returned a mixture of another size"));
    }
    let mut labels = Vec::with_capacity(x.nrows());
    let mut inertia = 0.0;
    let mut total_ll = 0.0;
    let mut logs = vec![0.0; k];
    for row in x.rows() {
        let row = row.to_vec();
        for (c, l) in logs.iter_mut().enumerate() {
            let (Some(w), Some(u)) = (weights.get(c), precisions_cholesky.get(c)) else {
                continue;
            };
            *l = log_weighted_density(*w, &means.row(c).to_vec(), u, &row);
        }
        let mut best = (0usize, f64::NEG_INFINITY);
        for (c, l) in logs.iter().enumerate() {
            if *l > best.1 {
                best = (c, *l);
            }
        }
        total_ll += crate::model::log_sum_exp(&logs);
        inertia += means
            .row(best.0)
            .iter()
            .zip(&row)
            .map(|(m, v)| (v - m) * (v - m))
            .sum::<f64>();
        labels.push(best.0);
    }
    if !total_ll.is_finite() {
        return Err(fail(&"the log-likelihood is not finite (degenerate data?)"));
    }
    Ok(GmmFit {
        weights,
        means,
        precisions_cholesky,
        labels,
        inertia,
        log_likelihood: total_ll / x.nrows().max(1) as f64,
        init_centroids: init.centroids().clone(),
    })
}

/// The upper-triangular `U` with `Σ⁻¹ = U Uᵀ` of a covariance matrix: `U = (L⁻¹)ᵀ` for the
/// Cholesky factor `L` of `Σ` (as scikit-learn's `_compute_precision_cholesky`). Plain loops:
/// no panics, an error when `Σ` is not positive definite.
pub fn precision_cholesky(cov: &Array2<f64>) -> Result<Vec<Vec<f64>>, String> {
    let n = cov.nrows();
    if cov.ncols() != n {
        return Err("the covariance is not square".into());
    }
    let at = |i: usize, j: usize| cov.get((i, j)).copied().unwrap_or(0.0);
    // Row-major n × n matrices read and written through `get`, never out of bounds.
    let get = |m: &[f64], i: usize, j: usize| m.get(i * n + j).copied().unwrap_or(0.0);
    let set = |m: &mut [f64], i: usize, j: usize, v: f64| {
        if let Some(x) = m.get_mut(i * n + j) {
            *x = v;
        }
    };
    // Cholesky: Σ = L Lᵀ.
    let mut l = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let sum = at(i, j) - (0..j).map(|p| get(&l, i, p) * get(&l, j, p)).sum::<f64>();
            if i == j {
                if !(sum > 0.0 && sum.is_finite()) {
                    return Err("a covariance is not positive definite".into());
                }
                set(&mut l, i, j, sum.sqrt());
            } else {
                let v = sum / get(&l, j, j);
                set(&mut l, i, j, v);
            }
        }
    }
    // L⁻¹ by forward substitution, column by column; U = (L⁻¹)ᵀ.
    let mut inv = vec![0.0f64; n * n];
    for c in 0..n {
        for i in c..n {
            let start = if i == c { 1.0 } else { 0.0 };
            let sum = start - (c..i).map(|p| get(&l, i, p) * get(&inv, p, c)).sum::<f64>();
            set(&mut inv, i, c, sum / get(&l, i, i));
        }
    }
    Ok((0..n)
        .map(|i| (0..n).map(|j| get(&inv, j, i)).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_cholesky_inverts_the_covariance() {
        let cov = Array2::from_shape_vec((2, 2), vec![4.0, 1.0, 1.0, 3.0]).unwrap();
        let u = precision_cholesky(&cov).unwrap();
        assert_eq!(u[1][0], 0.0);
        // U Uᵀ Σ = I.
        for i in 0..2 {
            for j in 0..2 {
                let mut v = 0.0;
                for p in 0..2 {
                    let prec: f64 = (0..2).map(|q| u[i][q] * u[p][q]).sum();
                    v += prec * cov[(p, j)];
                }
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(precision_cholesky(&Array2::zeros((2, 2))).is_err());
    }

    #[test]
    fn separates_two_blobs_and_is_seeded() {
        let mut v = Vec::new();
        for i in 0..40 {
            let j = f64::from(i % 7) * 0.1;
            let k = f64::from(i % 3) * 0.1;
            v.extend([j, k]);
            v.extend([10.0 + k, 10.0 - j]);
        }
        let x = Array2::from_shape_vec((80, 2), v).unwrap();
        let a = fit(&x, 2, 200, 1e-8, 3).unwrap();
        let b = fit(&x, 2, 200, 1e-8, 3).unwrap();
        assert_eq!(a.labels, b.labels);
        assert_ne!(a.labels[0], a.labels[1]);
        assert!(a.log_likelihood.is_finite());
    }
}
