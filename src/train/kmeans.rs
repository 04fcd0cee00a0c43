//! k-means with linfa, and the silhouette score.

use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray::{Array2, ArrayView1};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// A fitted clustering.
#[derive(Debug, Clone)]
pub struct KMeansFit {
    /// k × features, scaled space.
    pub centroids: Array2<f64>,
    /// The nearest centroid of every row (ties to the lowest index).
    pub labels: Vec<usize>,
    /// Sum of squared distances of rows to their nearest centroid (scikit-learn's `inertia_`).
    pub inertia: f64,
}

fn sq_dist(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Fits k-means: linfa's k-means++ with `n_init` restarts from a seeded Xoshiro256+ generator;
/// labels and inertia are recomputed here with ties to the lowest centroid index.
pub fn fit(
    x: &Array2<f64>,
    k: usize,
    n_init: usize,
    max_iter: u64,
    tolerance: f64,
    seed: u64,
) -> Result<KMeansFit, String> {
    let rng = Xoshiro256Plus::seed_from_u64(seed);
    let dataset = DatasetBase::from(x.clone());
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(n_init)
        .max_n_iterations(max_iter)
        .tolerance(tolerance)
        .init_method(KMeansInit::KMeansPlusPlus)
        .fit(&dataset)
        .map_err(|e| format!("k-means with k = {k} failed: {e}"))?;
    let centroids = model.centroids().clone();
    let mut labels = Vec::with_capacity(x.nrows());
    let mut inertia = 0.0;
    for row in x.rows() {
        let mut best = (0, f64::INFINITY);
        for (i, c) in centroids.rows().into_iter().enumerate() {
            let d = sq_dist(row, c);
            if d < best.1 {
                best = (i, d);
            }
        }
        labels.push(best.0);
        inertia += best.1;
    }
    Ok(KMeansFit {
        centroids,
        labels,
        inertia,
    })
}

/// Mean silhouette coefficient over all rows (Euclidean), as scikit-learn's
/// `silhouette_score`: for each row, `(b − a) / max(a, b)` with `a` the mean distance to the
/// other rows of its cluster and `b` the lowest mean distance to another cluster's rows; 0 for
/// rows alone in their cluster. Exact, over all pairs: O(n²) time (each pair once), O(n·k)
/// memory.
pub fn silhouette(x: &Array2<f64>, labels: &[usize], k: usize) -> f64 {
    let n = x.nrows();
    let d = x.ncols();
    if n == 0 || labels.len() != n || k == 0 {
        return 0.0;
    }
    let flat: Vec<f64> = x.iter().copied().collect();
    let mut sizes = vec![0usize; k];
    for &l in labels {
        if let Some(s) = sizes.get_mut(l) {
            *s += 1;
        }
    }
    // sums[i * k + c]: total distance from row i to the rows of cluster c.
    let mut sums = vec![0.0f64; n * k];
    for i in 0..n {
        let xi = &flat[i * d..(i + 1) * d];
        let li = labels[i].min(k - 1);
        let mut own_row = vec![0.0f64; k];
        for j in (i + 1)..n {
            let xj = &flat[j * d..(j + 1) * d];
            let dist = xi
                .iter()
                .zip(xj)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            let lj = labels[j].min(k - 1);
            own_row[lj] += dist;
            sums[j * k + li] += dist;
        }
        for (c, v) in own_row.into_iter().enumerate() {
            sums[i * k + c] += v;
        }
    }
    let mut total = 0.0;
    for i in 0..n {
        let li = labels[i].min(k - 1);
        let own = sizes[li];
        if own <= 1 {
            continue;
        }
        let row = &sums[i * k..(i + 1) * k];
        let a = row[li] / (own - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != li && sizes[c] > 0)
            .map(|c| row[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        let m = a.max(b);
        if m > 0.0 && b.is_finite() {
            total += (b - a) / m;
        }
    }
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_obvious_clusters_and_is_seeded() {
        let mut v = Vec::new();
        for i in 0..30 {
            let j = f64::from(i % 5) * 0.01;
            v.extend([j, j]);
            v.extend([10.0 + j, 10.0 - j]);
        }
        let x = Array2::from_shape_vec((60, 2), v).unwrap();
        let a = fit(&x, 2, 5, 100, 1e-8, 7).unwrap();
        let b = fit(&x, 2, 5, 100, 1e-8, 7).unwrap();
        assert_eq!(a.labels, b.labels);
        assert_ne!(a.labels[0], a.labels[1]);
        assert!(silhouette(&x, &a.labels, 2) > 0.99);
    }
}
