//! Training the segmentation model (feature `train`).
//!
//! From transactions to a [`Model`]: features for every customer at `now`, a scaler
//! (`ln(1 + x)` then standardization, as scikit-learn's `StandardScaler`), k-means with linfa
//! (k-means++ initialisation, `n_init` seeded restarts, the lowest inertia kept) or a Gaussian
//! mixture with full covariances (linfa's EM from a seeded k-means start), k picked by the mean
//! silhouette when a range is given, and each segment's role ([`crate::role`]) chosen from its
//! recency / frequency / monetary profile, the segment named after its role.
//!
//! Everything is reproducible: the random generator is seeded (`seed`), and clusters are
//! ordered by a value score so ids do not depend on the random start.
use crate::math::ln_1p;

pub mod compare;
mod gmm;
mod kmeans;
pub mod options;

pub use gmm::{precision_cholesky, GmmFit, REG_COVARIANCE};
pub use kmeans::{silhouette, KMeansFit};

use crate::customer::Customer;
use crate::error::{Doc, Error};
use crate::features::Features;
use crate::model::{
    Algorithm, KScore, MixtureTraining, Model, Scaler, Segment, TrainParams, TrainingSummary,
    Transform, MODEL_FORMAT_VERSION, MODEL_KIND,
};
use crate::role::{assign_roles, names_from_roles, rfm_of, Profile};
use ndarray::Array2;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The default clustering features.
pub const DEFAULT_FEATURES: [&str; 3] = ["recencyDays", "frequency", "monetary"];

/// Training parameters, checked by [`TrainConfig::check`] (the linfa `Params` →
/// `ValidParams` pattern).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The model's name.
    pub name: String,
    /// Clustering features (names of [`crate::features::NUMERIC_FEATURES`]).
    pub features: Vec<String>,
    /// The transform before standardizing.
    pub transform: Transform,
    /// `k`, or the range of k to try (inclusive).
    pub k: KChoice,
    /// k-means (the default) or a Gaussian mixture.
    pub algorithm: Algorithm,
    /// Restarts of k-means++ per k (default 10; k-means only).
    pub n_init: usize,
    /// Iterations at most per restart (default 300).
    pub max_iter: u64,
    /// Convergence: the centroids move less than this (Euclidean, scaled space; default 1e-6);
    /// for a mixture, the mean log-likelihood changes less than this.
    pub tolerance: f64,
    /// Seed of the random generator (default 42).
    pub seed: u64,
}

/// A fixed k or a range to choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// Exactly this k.
    Fixed(usize),
    /// Every k from the first to the second (inclusive); the best mean silhouette is kept.
    Range(usize, usize),
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            name: "model".into(),
            features: DEFAULT_FEATURES.iter().map(|s| s.to_string()).collect(),
            transform: Transform::Log1p,
            k: KChoice::Fixed(5),
            algorithm: Algorithm::Kmeans,
            n_init: 10,
            max_iter: 300,
            tolerance: 1e-6,
            seed: 42,
        }
    }
}

/// [`TrainConfig`] after checking.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTrainConfig(TrainConfig);

impl TrainConfig {
    /// Checks the parameters.
    pub fn check(self) -> Result<ValidTrainConfig, String> {
        let (lo, hi) = match self.k {
            KChoice::Fixed(k) => (k, k),
            KChoice::Range(a, b) => (a, b),
        };
        if lo < 2 || hi < lo || hi > 50 {
            return Err(format!(
                "k must be between 2 and 50 (a range low..high with low ≤ high), got {lo}..{hi}"
            ));
        }
        if self.n_init == 0 || self.max_iter == 0 {
            return Err("n_init and max_iter must be at least 1".into());
        }
        // The model records both; above 2^53 − 1 a JSON reader in JavaScript reads another.
        let max = crate::json::MAX_EXACT_INTEGER;
        if self.seed > max || self.max_iter > max {
            return Err(format!(
                "seed and max_iter must be at most 2^53 − 1 = {max}"
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err("tolerance must be a finite number ≥ 0".into());
        }
        if self.features.is_empty() {
            return Err("at least one feature is needed".into());
        }
        for f in &self.features {
            crate::features::check_feature_name(f)?;
        }
        if self.name.trim().is_empty() {
            return Err("the model name is empty".into());
        }
        Ok(ValidTrainConfig(self))
    }
}

/// The feature matrix of a set of customers.
#[derive(Debug, Clone)]
pub struct FeatureMatrix {
    /// Customer ids, by row.
    pub ids: Vec<String>,
    /// Every customer's features, by row.
    pub features: Vec<Features>,
    /// Raw values of the clustering features, rows × features.
    pub raw: Array2<f64>,
    /// Customers left out because a clustering feature is undefined for them (no orders, or
    /// a single purchase day for `meanDaysBetweenPurchases`).
    pub left_out: Vec<String>,
}

/// Validates the `i`-th customer of a transaction file; errors name the customer.
pub(crate) fn validate_row(
    c: &Customer,
    i: usize,
    now: i64,
) -> Result<crate::customer::ValidCustomer, Error> {
    c.validate(now, 0).map_err(|e| match e {
        Error::Invalid { path, message, .. } => Error::invalid(
            Doc::Orders,
            format!("customer {} ({}) {path}", i + 1, c.id.0),
            message,
        ),
        other => other,
    })
}

/// Computes the features of every customer at `now` (UTC days).
pub fn feature_matrix(
    customers: &[Customer],
    names: &[String],
    now: i64,
) -> Result<FeatureMatrix, Error> {
    let mut ids = Vec::new();
    let mut features = Vec::new();
    let mut values = Vec::new();
    let mut left_out = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        let valid = validate_row(c, i, now)?;
        let f = Features::compute(&valid, now, 0);
        let mut row = Vec::with_capacity(names.len());
        for n in names {
            match f
                .value(n)
                .map_err(|e| Error::invalid(Doc::Model, "features", e))?
            {
                Some(v) => row.push(v),
                None => break,
            }
        }
        if row.len() < names.len() {
            left_out.push(valid.id);
            continue;
        }
        values.extend(row);
        ids.push(valid.id);
        features.push(f);
    }
    let raw = Array2::from_shape_vec((ids.len(), names.len()), values)
        .map_err(|e| Error::invalid(Doc::Orders, "", e.to_string()))?;
    Ok(FeatureMatrix {
        ids,
        features,
        raw,
        left_out,
    })
}

/// Fits the transform + standardization of each column.
pub fn fit_scaler(raw: &Array2<f64>, transform: Transform) -> Result<Scaler, String> {
    let n = raw.nrows() as f64;
    if raw.nrows() == 0 {
        return Err("no customers to train on".into());
    }
    let mut mean = Vec::new();
    let mut std = Vec::new();
    for (j, col) in raw.columns().into_iter().enumerate() {
        let t: Vec<f64> = col
            .iter()
            .map(|&x| match transform {
                Transform::Log1p if x <= -1.0 => Err(format!(
                    "feature column {j} has {x}, which log1p cannot transform"
                )),
                Transform::Log1p => Ok(ln_1p(x)),
                Transform::Identity => Ok(x),
            })
            .collect::<Result<_, _>>()?;
        let m = t.iter().sum::<f64>() / n;
        let var = t.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
        mean.push(m);
        // As scikit-learn: a constant column is left unscaled.
        std.push(if var > 0.0 { var.sqrt() } else { 1.0 });
    }
    Ok(Scaler {
        transform,
        mean,
        std,
    })
}

/// Applies a scaler to a raw matrix.
pub fn scale(raw: &Array2<f64>, scaler: &Scaler) -> Array2<f64> {
    let mut out = raw.clone();
    for (j, mut col) in out.columns_mut().into_iter().enumerate() {
        let (m, s) = (
            scaler.mean.get(j).copied().unwrap_or(0.0),
            scaler.std.get(j).copied().unwrap_or(1.0),
        );
        col.mapv_inplace(|x| {
            let t = match scaler.transform {
                Transform::Log1p => ln_1p(x),
                Transform::Identity => x,
            };
            (t - m) / s
        });
    }
    out
}

/// Writes a feature matrix as CSV: a `customer_id` column, then one column per feature, values
/// in Rust's shortest round-trip form (so another tool reads back exactly the same numbers).
pub fn write_matrix_csv(
    out: &mut impl std::io::Write,
    ids: &[String],
    names: &[String],
    values: &Array2<f64>,
) -> std::io::Result<()> {
    writeln!(out, "customer_id,{}", names.join(","))?;
    for (id, row) in ids.iter().zip(values.rows()) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        writeln!(out, "{},{}", csv_field(id), cells.join(","))?;
    }
    Ok(())
}

/// A CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote,
/// a line break or leading / trailing white space, as is otherwise.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = s.contains([',', '"', '\n', '\r'])
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace);
    if needs {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// `sha256:<hex>` of transactions given as `(customer id, instant ms, amount)` in file order.
pub fn fingerprint<'a>(rows: impl IntoIterator<Item = (&'a str, i64, f64)>) -> String {
    let mut h = Sha256::new();
    for (id, at, amount) in rows {
        h.update(id.as_bytes());
        h.update(b"\t");
        h.update(at.to_string().as_bytes());
        h.update(b"\t");
        h.update(format!("{amount}").as_bytes());
        h.update(b"\n");
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Where the training data came from.
#[derive(Debug, Clone)]
pub struct DataInfo {
    pub source: String,
    pub transactions: u64,
    pub fingerprint: String,
    pub now: i64,
}

/// Trains a model on a feature matrix; `progress` is told each k as it is tried.
pub fn train(
    config: &ValidTrainConfig,
    matrix: &FeatureMatrix,
    data: &DataInfo,
    progress: impl FnMut(usize),
) -> Result<Model, String> {
    train_labelled(config, matrix, data, progress).map(|(model, _)| model)
}

/// [`train`], with the segment id of every row of the matrix (the clustering's own
/// assignment: nearest centroid for k-means, the most probable component for a mixture).
pub fn train_labelled(
    config: &ValidTrainConfig,
    matrix: &FeatureMatrix,
    data: &DataInfo,
    mut progress: impl FnMut(usize),
) -> Result<(Model, Vec<usize>), String> {
    let c = &config.0;
    if matrix.raw.nrows() < 2 {
        return Err(format!(
            "only {} customers have every clustering feature: too few to train on",
            matrix.raw.nrows()
        ));
    }
    let scaler = fit_scaler(&matrix.raw, c.transform)?;
    let x = scale(&matrix.raw, &scaler);
    let (lo, hi) = match c.k {
        KChoice::Fixed(k) => (k, k),
        KChoice::Range(a, b) => (a, b),
    };
    if hi > x.nrows() {
        return Err(format!(
            "k = {hi} is more than the {} customers to cluster",
            x.nrows()
        ));
    }
    let mut best: Option<(Fit, f64)> = None;
    let mut k_scores = Vec::new();
    for k in lo..=hi {
        progress(k);
        let fit = match c.algorithm {
            Algorithm::Kmeans => Fit::Kmeans(kmeans::fit(
                &x,
                k,
                c.n_init,
                c.max_iter,
                c.tolerance,
                c.seed,
            )?),
            Algorithm::Gmm => Fit::Gmm(gmm::fit(&x, k, c.max_iter, c.tolerance, c.seed)?),
        };
        let s = silhouette(&x, fit.labels(), k);
        k_scores.push(KScore {
            k,
            inertia: fit.inertia(),
            silhouette: s,
            log_likelihood: fit.log_likelihood(),
        });
        // Ties keep the smaller k.
        if best.as_ref().is_none_or(|(_, bs)| s > *bs) {
            best = Some((fit, s));
        }
    }
    let Some((fit, silhouette_score)) = best else {
        return Err("no k was tried".into());
    };
    let centroids = fit.centroids();
    let labels = fit.labels();
    let k = centroids.nrows();
    let sizes: Vec<u64> = (0..k)
        .map(|i| labels.iter().filter(|&&l| l == i).count() as u64)
        .collect();
    // Profiles: mean raw feature values per cluster.
    let mut profiles: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); k];
    for (i, profile) in profiles.iter_mut().enumerate() {
        let rows: Vec<usize> = labels
            .iter()
            .enumerate()
            .filter(|(_, &l)| l == i)
            .map(|(r, _)| r)
            .collect();
        for name in crate::features::NUMERIC_FEATURES {
            let vals: Vec<f64> = rows
                .iter()
                .filter_map(|&r| {
                    matrix
                        .features
                        .get(r)
                        .and_then(|f| f.value(name).ok().flatten())
                })
                .collect();
            if !vals.is_empty() {
                profile.insert(
                    name.to_string(),
                    vals.iter().sum::<f64>() / vals.len() as f64,
                );
            }
        }
    }
    // Order segments by value: recent, frequent, high-spending first.
    let mut order: Vec<usize> = (0..k).collect();
    let value = |i: usize| rfm_of(&c.features, centroids.row(i).as_slice().unwrap_or(&[])).value();
    order.sort_by(|&a, &b| value(b).total_cmp(&value(a)).then(a.cmp(&b)));
    let ordered_profiles: Vec<Profile> = order
        .iter()
        .map(|&i| {
            let p = profiles.get(i);
            let mean = |n: &str| p.and_then(|p| p.get(n)).copied().unwrap_or(0.0);
            Profile::from_means(
                mean("recencyDays"),
                mean("frequency"),
                mean("monetary"),
                sizes.get(i).copied().unwrap_or(0),
            )
            .with_tenure(mean("tenureDays"))
        })
        .collect();
    let roles = assign_roles(&ordered_profiles);
    let names = names_from_roles(&roles);
    let segments: Vec<Segment> = order
        .iter()
        .enumerate()
        .map(|(id, &i)| {
            let (weight, precision_cholesky) = fit.component(i);
            Segment {
                id,
                name: names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("segment {}", id + 1)),
                role: roles.get(id).copied(),
                centroid: centroids.row(i).to_vec(),
                size: sizes.get(i).copied().unwrap_or(0),
                profile: profiles.get(i).cloned().unwrap_or_default(),
                weight,
                precision_cholesky,
            }
        })
        .collect();
    let mut segment_of = vec![0; k];
    for (id, &i) in order.iter().enumerate() {
        if let Some(slot) = segment_of.get_mut(i) {
            *slot = id;
        }
    }
    let row_segments: Vec<usize> = labels
        .iter()
        .map(|&l| segment_of.get(l).copied().unwrap_or(0))
        .collect();
    let cluster_sizes = segments.iter().map(|s| s.size).collect();
    let short = data
        .fingerprint
        .trim_start_matches("sha256:")
        .chars()
        .take(12)
        .collect::<String>();
    let model = Model {
        format_version: MODEL_FORMAT_VERSION,
        kind: MODEL_KIND.into(),
        name: c.name.clone(),
        version: format!("{}@{short}", c.name),
        features: c.features.clone(),
        scaler,
        algorithm: c.algorithm,
        segments,
        training: TrainingSummary {
            now: crate::time::format_instant(data.now),
            rows: x.nrows() as u64,
            transactions: data.transactions,
            inertia: fit.inertia(),
            cluster_sizes,
            silhouette: silhouette_score,
            data_fingerprint: data.fingerprint.clone(),
            source: data.source.clone(),
            params: TrainParams {
                k,
                n_init: c.n_init,
                max_iter: c.max_iter,
                tolerance: c.tolerance,
                seed: c.seed,
                k_range: matches!(c.k, KChoice::Range(..)).then_some([lo, hi]),
                k_selection: if matches!(c.k, KChoice::Range(..)) {
                    "silhouette"
                } else {
                    "fixed"
                }
                .into(),
            },
            k_scores: if matches!(c.k, KChoice::Range(..)) {
                k_scores
            } else {
                Vec::new()
            },
            mixture: match &fit {
                Fit::Kmeans(_) => None,
                Fit::Gmm(g) => Some(MixtureTraining {
                    covariance_type: "full".into(),
                    reg_covariance: REG_COVARIANCE,
                    log_likelihood: g.log_likelihood,
                    init_centroids: g
                        .init_centroids
                        .rows()
                        .into_iter()
                        .map(|r| r.to_vec())
                        .collect(),
                }),
            },
            offerwise_version: crate::VERSION.into(),
        },
        clv: None,
    };
    Ok((model, row_segments))
}

/// The fit of one k, by algorithm.
enum Fit {
    Kmeans(KMeansFit),
    Gmm(GmmFit),
}

impl Fit {
    fn labels(&self) -> &[usize] {
        match self {
            Fit::Kmeans(f) => &f.labels,
            Fit::Gmm(f) => &f.labels,
        }
    }
    fn inertia(&self) -> f64 {
        match self {
            Fit::Kmeans(f) => f.inertia,
            Fit::Gmm(f) => f.inertia,
        }
    }
    fn log_likelihood(&self) -> Option<f64> {
        match self {
            Fit::Kmeans(_) => None,
            Fit::Gmm(f) => Some(f.log_likelihood),
        }
    }
    fn centroids(&self) -> &Array2<f64> {
        match self {
            Fit::Kmeans(f) => &f.centroids,
            Fit::Gmm(f) => &f.means,
        }
    }
    /// Weight and precision Cholesky factor of cluster `i` (mixtures only).
    fn component(&self, i: usize) -> (Option<f64>, Option<Vec<Vec<f64>>>) {
        match self {
            Fit::Kmeans(_) => (None, None),
            Fit::Gmm(f) => (
                f.weights.get(i).copied(),
                f.precisions_cholesky.get(i).cloned(),
            ),
        }
    }
}

/// One customer's lifetime-value summary: calibration summary and purchase days in the holdout.
pub type ClvRow = (crate::clv::CustomerSummary, u32);

/// BG/NBD summaries of every customer with a purchase by `calibration_end` (customers whose
/// first purchase comes later are left out, as in `lifetimes`), with their holdout purchases in
/// `(calibration_end, holdout_end]` when a holdout end is given.
pub fn clv_summaries(
    customers: &[Customer],
    calibration_end: i64,
    holdout_end: Option<i64>,
    unit: crate::clv::TimeUnit,
) -> Result<Vec<ClvRow>, Error> {
    let mut out = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter().enumerate() {
        // Times are resolved without the "after now" check: later orders are the holdout.
        let valid = validate_row(c, i, crate::time::MAX_MS)?;
        let at: Vec<i64> = valid.orders.iter().map(|o| o.at).collect();
        let amounts: Vec<f64> = valid.orders.iter().map(|o| o.amount).collect();
        let fail = |e: crate::clv::ClvError| {
            Error::invalid(Doc::Orders, format!("customer {}", valid.id), e.to_string())
        };
        let row = match holdout_end {
            Some(h) => crate::clv::summarize_with_holdout(&at, &amounts, calibration_end, h, unit)
                .map_err(fail)?
                .map(|s| (s.calibration, s.holdout_purchases)),
            None => crate::clv::summarize(&at, &amounts, calibration_end, unit)
                .map_err(fail)?
                .map(|s| (s, 0)),
        };
        out.extend(row);
    }
    Ok(out)
}

/// Fits the lifetime-value part of a model at `now` (the calibration end) on every customer,
/// choosing the purchase model by holdout performance ([`fit_clv_with`] with `None`).
pub fn fit_clv(
    customers: &[Customer],
    now: i64,
    unit: crate::clv::TimeUnit,
    penalizer: f64,
) -> Result<crate::clv::ClvModel, String> {
    fit_clv_with(customers, now, unit, penalizer, None)
}

/// Fits the lifetime-value part of a model at `now` (the calibration end) on every customer.
///
/// With `model = None` the purchase model (BG/NBD, MBG/NBD or Pareto/NBD) is chosen by
/// holdout performance: the last third of the days from the first purchase to `now` is the
/// holdout ([`crate::clv::holdout_split`]), the three models are fitted on the purchases
/// before it and scored on it ([`crate::clv::select_and_fit_clv`], which documents the
/// score), and the winner is refitted on all purchases up to `now`. The model's
/// `selection` records the candidates, their scores and the reason. With `Some(kind)` that
/// model is fitted directly.
///
/// Errors (as text with the `clv.*` code): the fit of the chosen model is refused
/// (degenerate, not converged, too few repeat buyers) or the data are invalid.
pub fn fit_clv_with(
    customers: &[Customer],
    now: i64,
    unit: crate::clv::TimeUnit,
    penalizer: f64,
    model: Option<crate::clv::PurchaseModelKind>,
) -> Result<crate::clv::ClvModel, String> {
    fit_clv_checked(customers, now, unit, penalizer, model).map_err(|e| match e {
        TrainError::Clv { code, message } => format!("{message} [{code}]"),
        other => other.to_string(),
    })
}

/// [`fit_clv_with`] with a typed error: [`TrainError::Data`] for invalid orders,
/// [`TrainError::Clv`] (with its `clv.*` code) when the fit is refused.
pub fn fit_clv_checked(
    customers: &[Customer],
    now: i64,
    unit: crate::clv::TimeUnit,
    penalizer: f64,
    model: Option<crate::clv::PurchaseModelKind>,
) -> Result<crate::clv::ClvModel, TrainError> {
    let fail = |e: crate::clv::ClvError| TrainError::Clv {
        code: e.code().to_string(),
        message: e.to_string(),
    };
    let rows = clv_summaries(customers, now, None, unit)?;
    let summaries: Vec<_> = rows.into_iter().map(|(s, _)| s).collect();
    let mut split_rows = Vec::new();
    let mut split_at = None;
    if model.is_none() {
        let mut first: Option<i64> = None;
        for (i, c) in customers.iter().enumerate() {
            let valid = validate_row(c, i, crate::time::MAX_MS)?;
            for o in valid.orders.iter().filter(|o| o.at <= now) {
                first = Some(first.map_or(o.at, |f| f.min(o.at)));
            }
        }
        if let Some((split, end)) = first.and_then(|f| crate::clv::holdout_split(f, now)) {
            split_rows = clv_summaries(customers, split, Some(end), unit)?
                .into_iter()
                .map(|(s, n)| crate::clv::HoldoutCustomer {
                    summary: s,
                    holdout_purchases: f64::from(n),
                })
                .collect();
            split_at = Some(split);
        }
    }
    let holdout = split_at.map(|s| (split_rows.as_slice(), s));
    crate::clv::select_and_fit_clv(&summaries, holdout, model, unit, now, penalizer).map_err(fail)
}

/// Why [`train_transactions`] (or [`fit_clv_checked`]) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The transactions cannot be trained on: a customer's orders are invalid (the error names
    /// the customer and the order).
    #[error(transparent)]
    Data(#[from] Error),
    /// The clustering could not be fitted (too few customers, k larger than the customers, a
    /// feature the transform cannot take): code `train.failed`.
    #[error("{0}")]
    Fit(String),
    /// The lifetime-value fit was refused (degenerate, not converged, too few repeat buyers):
    /// its `clv.*` code.
    #[error("lifetime value: {message}")]
    Clv { code: String, message: String },
}

impl TrainError {
    /// The stable error code: the data error's (`orders.invalid`), `train.failed`, or `clv.*`.
    pub fn code(&self) -> String {
        match self {
            TrainError::Data(e) => e.code(),
            TrainError::Fit(_) => "train.failed".into(),
            TrainError::Clv { code, .. } => code.clone(),
        }
    }

    /// Where: the data error's path, else `""`.
    pub fn path(&self) -> String {
        match self {
            TrainError::Data(e) => e.path(),
            TrainError::Fit(_) | TrainError::Clv { .. } => String::new(),
        }
    }
}

/// The lifetime-value part of a training run (`offerwise train` without `--no-clv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvParams {
    /// The model's time unit.
    pub unit: crate::clv::TimeUnit,
    /// L2 penalty of the fit (lifetimes' `penalizer_coef`).
    pub penalizer: f64,
    /// The purchase model, or `None` to choose it by holdout performance.
    pub model: Option<crate::clv::PurchaseModelKind>,
}

/// A step of [`train_transactions`], as it starts: for a log or a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Computing every customer's features.
    Features { customers: usize },
    /// Clustering with this k, the `index`-th (from 0) of `count` values of k to try.
    Cluster {
        k: usize,
        index: usize,
        count: usize,
    },
    /// Fitting the lifetime-value model (`None`: choosing it on a holdout first).
    Clv {
        model: Option<crate::clv::PurchaseModelKind>,
    },
}

/// What [`train_transactions`] trained.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model, with its lifetime-value part when asked for.
    pub model: Model,
    /// The features of the customers, those clustered and those left out.
    pub matrix: FeatureMatrix,
    /// The segment id of every clustered customer (row of `matrix`).
    pub segments: Vec<usize>,
    /// Customers in the transactions.
    pub customers: usize,
}

/// Trains a model from transaction rows, as `offerwise train` does (and the dashboard, in the
/// data wasm): customers grouped in order of first appearance, features at `now`, the
/// clustering of [`train_labelled`], then the lifetime-value model of [`fit_clv_checked`] when
/// `clv` is given. `source` names the data in the model (`"CDNOW_master.txt (cdnow)"`).
pub fn train_transactions(
    rows: &[crate::transactions::Transaction],
    config: &ValidTrainConfig,
    source: &str,
    now: i64,
    clv: Option<ClvParams>,
    mut progress: impl FnMut(Step),
) -> Result<Trained, TrainError> {
    let customers = crate::transactions::customers(rows);
    progress(Step::Features {
        customers: customers.len(),
    });
    let matrix = feature_matrix(&customers, &config.0.features, now)?;
    let data = DataInfo {
        source: source.to_string(),
        transactions: rows.len() as u64,
        fingerprint: fingerprint(
            rows.iter()
                .map(|t| (t.customer_id.as_str(), t.at, t.amount)),
        ),
        now,
    };
    let (lo, hi) = match config.0.k {
        KChoice::Fixed(k) => (k, k),
        KChoice::Range(a, b) => (a, b),
    };
    let (mut model, segments) = train_labelled(config, &matrix, &data, |k| {
        progress(Step::Cluster {
            k,
            index: k - lo,
            count: hi - lo + 1,
        })
    })
    .map_err(TrainError::Fit)?;
    if let Some(p) = clv {
        progress(Step::Clv { model: p.model });
        model.clv = Some(fit_clv_checked(
            &customers,
            now,
            p.unit,
            p.penalizer,
            p.model,
        )?);
    }
    Ok(Trained {
        model,
        matrix,
        segments,
        customers: customers.len(),
    })
}
