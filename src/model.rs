//! The trained model bundle: what the data team trains offline and the engine loads.
//!
//! A model file is versioned JSON (`formatVersion` 1):
//!
//! ```json
//! { "formatVersion": 1, "kind": "offerwise.model", "name": "cdnow-default",
//!   "features": ["recencyDays", "frequency", "monetary"],
//!   "scaler": { "transform": "log1p", "mean": [..], "std": [..] },
//!   "algorithm": "kmeans",
//!   "segments": [ { "id": 0, "name": "champions", "role": "champions", "centroid": [..],
//!                   "size": 2101, "profile": { "recencyDays": 41.2, ... } } ],
//!   "training": { ... } }
//! ```
//!
//! * `features` — names from [`crate::features::NUMERIC_FEATURES`];
//! * `scaler` — each feature `x` becomes `(ln(1 + x) − mean) / std` (`transform: "log1p"`) or
//!   `(x − mean) / std` (`"identity"`); `std` is the population standard deviation (ddof 0),
//!   with 1 in place of 0, as scikit-learn's `StandardScaler`;
//! * `algorithm` — `"kmeans"` (the default when absent) or `"gmm"` (a Gaussian mixture with
//!   full covariances);
//! * `segments[].centroid` — the k-means centroid (or the mixture component's mean) in scaled
//!   space. With k-means a customer belongs to the nearest centroid by Euclidean distance; with a
//!   mixture to the component with the highest posterior `ln weight + ln N(x | mean, Σ)`, computed
//!   from `segments[].weight` and `segments[].precisionCholesky` (the upper-triangular `U` with
//!   `Σ⁻¹ = U Uᵀ`, scikit-learn's `precisions_cholesky_`, row by row). Ties go to the lowest `id`;
//! * `segments[].role` — the segment's role (see [`crate::role`]); files without it are read
//!   with the role derived from the profiles, exactly as training chooses it (no migration
//!   needed);
//! * `segments[].profile` — mean raw feature values of the segment's training customers;
//! * `clv` — optional BG/NBD + Gamma-Gamma parameters (`timeUnit`, `bgnbd: {r, alpha, a, b}`,
//!   `gammaGamma: {p, q, v}`, `fit`: log-likelihood, convergence, calibration end, penalizer);
//! * `training` — how the model was made: rows, inertia, cluster sizes, a SHA-256 fingerprint
//!   of the data, the parameters and the k selection scores.
use crate::math::{ln, ln_1p};

use crate::error::{quoted, Doc, Error};
use crate::features::Features;
use crate::json::{index, join};
use crate::role::{assign_roles, rfm_of, Profile, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The model format version this build reads and writes.
pub const MODEL_FORMAT_VERSION: u64 = 1;
/// The `kind` every model file carries.
pub const MODEL_KIND: &str = "offerwise.model";

/// The feature transform applied before standardizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Transform {
    /// `ln(1 + x)`, for skewed non-negative features (the default).
    Log1p,
    /// `x` unchanged.
    Identity,
}

/// Per-feature transform and standardization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scaler {
    pub transform: Transform,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

/// One segment of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Segment {
    /// Index of the segment, equal to its position.
    pub id: usize,
    /// A name a marketer uses ("champions", "at risk").
    pub name: String,
    /// The segment's role ([`crate::role`]); derived from the profiles when a file lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Centroid in scaled space (the component mean of a mixture).
    pub centroid: Vec<f64>,
    /// Training customers in the segment.
    pub size: u64,
    /// Mean raw feature values of the segment's training customers.
    #[serde(default)]
    pub profile: BTreeMap<String, f64>,
    /// Mixture weight of the component (`algorithm: "gmm"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Cholesky factor of the component's precision matrix, upper triangular, by rows
    /// (`algorithm: "gmm"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision_cholesky: Option<Vec<Vec<f64>>>,
}

/// How customers are assigned to segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Algorithm {
    /// k-means: the nearest centroid.
    #[default]
    Kmeans,
    /// A Gaussian mixture with full covariances: the component with the highest posterior.
    Gmm,
}

/// The score of one k when a range of k was tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KScore {
    /// The number of segments.
    pub k: usize,
    /// Sum of squared distances to the assigned centroid (component mean), scaled space.
    pub inertia: f64,
    /// Mean silhouette of the clustering.
    pub silhouette: f64,
    /// Mean log-likelihood per customer (Gaussian mixtures only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_likelihood: Option<f64>,
}

/// How a Gaussian mixture was fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MixtureTraining {
    /// `"full"`: every component has its own full covariance matrix.
    pub covariance_type: String,
    /// Added to the covariance diagonals.
    pub reg_covariance: f64,
    /// Mean log-likelihood per customer of the chosen mixture (scikit-learn's `score`).
    pub log_likelihood: f64,
    /// The k-means centroids EM started from (scaled space, linfa's order): scikit-learn's
    /// reference run starts from the same ones.
    pub init_centroids: Vec<Vec<f64>>,
}

/// Training parameters, as given to `offerwise train`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainParams {
    pub k: usize,
    pub n_init: usize,
    pub max_iter: u64,
    pub tolerance: f64,
    pub seed: u64,
    /// `[min, max]` when k was picked from a range.
    #[serde(default)]
    pub k_range: Option<[usize; 2]>,
    /// How k was picked: `"fixed"` or `"silhouette"`.
    pub k_selection: String,
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainingSummary {
    /// The `now` of the features, RFC 3339.
    pub now: String,
    /// Customers (rows of the feature matrix).
    pub rows: u64,
    /// Transactions read.
    pub transactions: u64,
    /// Sum of squared distances to the nearest centroid, in scaled space.
    pub inertia: f64,
    /// Customers per segment, by segment id.
    pub cluster_sizes: Vec<u64>,
    /// Mean silhouette of the chosen clustering (all rows, Euclidean, scaled space).
    pub silhouette: f64,
    /// `sha256:<hex>` of the transactions (customer id, instant, amount, in file order).
    pub data_fingerprint: String,
    /// Where the transactions came from (file name and format).
    pub source: String,
    pub params: TrainParams,
    /// Scores of every k tried, when k was picked from a range.
    #[serde(default)]
    pub k_scores: Vec<KScore>,
    /// How the Gaussian mixture was fitted (`algorithm: "gmm"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixture: Option<MixtureTraining>,
    /// The offerwise version that trained the model.
    pub offerwise_version: String,
}

/// A trained model bundle (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Model {
    pub format_version: u64,
    pub kind: String,
    pub name: String,
    /// Identifies this trained model in decisions: `<name>@<first 12 hex digits of the data fingerprint>`.
    pub version: String,
    pub features: Vec<String>,
    pub scaler: Scaler,
    /// How customers are assigned (`"kmeans"` when absent).
    #[serde(default)]
    pub algorithm: Algorithm,
    pub segments: Vec<Segment>,
    pub training: TrainingSummary,
    /// BG/NBD + Gamma-Gamma lifetime-value model, fitted alongside the segmentation (absent in
    /// models trained with `--no-clv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clv: Option<crate::clv::ClvModel>,
}

/// The segment a customer is assigned to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    /// The segment's id.
    pub id: usize,
    /// The segment's name in this model.
    pub name: String,
    /// The segment's role, the same vocabulary for every model ([`crate::role`]).
    pub role: Role,
    /// Euclidean distance to the centroid in scaled space.
    pub distance: f64,
    /// Posterior probability of the segment (Gaussian mixtures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

impl Model {
    /// Parses and validates a model from JSON text.
    pub fn from_json(text: &str) -> Result<Model, Error> {
        let mut model: Model = crate::json::from_str(Doc::Model, text)?;
        model.validate()?;
        model.fill_roles();
        Ok(model)
    }

    /// The profile roles are chosen from, for every segment: the `recencyDays`, `frequency` and
    /// `monetary` (and `tenureDays`) means of the profiles when every segment has them, else
    /// the centroids.
    pub fn role_profiles(&self) -> Vec<Profile> {
        let means = |s: &Segment| {
            Some((
                *s.profile.get("recencyDays")?,
                *s.profile.get("frequency")?,
                *s.profile.get("monetary")?,
            ))
        };
        if self.segments.iter().all(|s| means(s).is_some()) {
            self.segments
                .iter()
                .filter_map(|s| {
                    let (r, f, m) = means(s)?;
                    let p = Profile::from_means(r, f, m, s.size);
                    Some(match s.profile.get("tenureDays") {
                        Some(t) => p.with_tenure(*t),
                        None => p,
                    })
                })
                .collect()
        } else {
            self.segments
                .iter()
                .map(|s| Profile::from_rfm(rfm_of(&self.features, &s.centroid), s.size))
                .collect()
        }
    }

    /// Gives every segment without a role the one derived from the profiles (as training
    /// chooses it); roles already in the file are kept.
    pub fn fill_roles(&mut self) {
        if self.segments.iter().all(|s| s.role.is_some()) {
            return;
        }
        let roles = assign_roles(&self.role_profiles());
        for (s, r) in self.segments.iter_mut().zip(roles) {
            s.role.get_or_insert(r);
        }
    }

    /// The role of segment `id` (derived from the profiles if the segment has none).
    pub fn role(&self, id: usize) -> Role {
        match self.segments.get(id).and_then(|s| s.role) {
            Some(r) => r,
            None => assign_roles(&self.role_profiles())
                .get(id)
                .copied()
                .unwrap_or(Role::Hibernating),
        }
    }

    /// Checks the model's internal consistency.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |path: String, msg: String| Err(Error::invalid(Doc::Model, path, msg));
        if self.format_version != MODEL_FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                doc: Doc::Model,
                found: self.format_version,
                supported: MODEL_FORMAT_VERSION,
                version: crate::VERSION,
            });
        }
        if self.kind != MODEL_KIND {
            return bad(
                "kind".into(),
                format!(
                    "expected {MODEL_KIND:?}, got {:?}; is this a programme document?",
                    quoted(&self.kind)
                ),
            );
        }
        if self.segments.len() > crate::limits::MAX_SEGMENTS {
            return Err(Error::limit(
                Doc::Model,
                "segments",
                crate::limits::too_many(
                    self.segments.len(),
                    "segments",
                    crate::limits::MAX_SEGMENTS,
                ),
            ));
        }
        if self.features.is_empty() {
            return bad(
                "features".into(),
                "a model needs at least one feature".into(),
            );
        }
        for (i, f) in self.features.iter().enumerate() {
            if let Err(e) = crate::features::check_feature_name(f) {
                return bad(index("features", i), e);
            }
            if self.features[..i].contains(f) {
                return bad(
                    index("features", i),
                    format!("feature {f:?} is listed twice", f = quoted(f)),
                );
            }
        }
        let n = self.features.len();
        for (field, values) in [("mean", &self.scaler.mean), ("std", &self.scaler.std)] {
            if values.len() != n {
                return bad(
                    join("scaler", field),
                    format!("has {} values for {n} features", values.len()),
                );
            }
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return bad(
                    index(&join("scaler", field), i),
                    "must be a finite number".into(),
                );
            }
        }
        if let Some(i) = self.scaler.std.iter().position(|v| *v <= 0.0) {
            return bad(index("scaler.std", i), "must be > 0".into());
        }
        if let Some(clv) = &self.clv {
            clv.validate()
                .map_err(|e| Error::invalid(Doc::Model, "clv", e.to_string()))?;
        }
        if self.segments.is_empty() {
            return bad(
                "segments".into(),
                "a model needs at least one segment".into(),
            );
        }
        for (i, s) in self.segments.iter().enumerate() {
            let path = index("segments", i);
            if s.id != i {
                return bad(
                    join(&path, "id"),
                    format!("segment ids must be 0, 1, 2, ... in order; expected {i}"),
                );
            }
            if s.name.trim().is_empty() {
                return bad(join(&path, "name"), "the segment name is empty".into());
            }
            if self.segments[..i].iter().any(|o| o.name == s.name) {
                return bad(
                    join(&path, "name"),
                    format!("segment name {:?} is used twice", quoted(&s.name)),
                );
            }
            if s.centroid.len() != n {
                return bad(
                    join(&path, "centroid"),
                    format!("has {} values for {n} features", s.centroid.len()),
                );
            }
            if let Some(j) = s.centroid.iter().position(|v| !v.is_finite()) {
                return bad(
                    index(&join(&path, "centroid"), j),
                    "must be a finite number".into(),
                );
            }
            self.validate_component(s, &path, n)?;
        }
        Ok(())
    }

    /// Checks a segment's mixture parts: present (and valid) exactly when `algorithm` is `gmm`.
    fn validate_component(&self, s: &Segment, path: &str, n: usize) -> Result<(), Error> {
        let bad = |path: String, msg: &str| Err(Error::invalid(Doc::Model, path, msg));
        match (self.algorithm, s.weight, &s.precision_cholesky) {
            (Algorithm::Kmeans, None, None) => Ok(()),
            (Algorithm::Kmeans, _, _) => bad(
                join(path, "weight"),
                "weight and precisionCholesky belong to algorithm \"gmm\" models",
            ),
            (Algorithm::Gmm, None, _) => bad(
                join(path, "weight"),
                "a Gaussian mixture component needs a weight",
            ),
            (Algorithm::Gmm, _, None) => bad(
                join(path, "precisionCholesky"),
                "a Gaussian mixture component needs precisionCholesky",
            ),
            (Algorithm::Gmm, Some(w), Some(u)) => {
                if !(w.is_finite() && w > 0.0 && w <= 1.0) {
                    return bad(join(path, "weight"), "must be a number in (0, 1]");
                }
                let upath = join(path, "precisionCholesky");
                if u.len() != n {
                    return bad(upath, "must have one row per feature");
                }
                for (i, row) in u.iter().enumerate() {
                    let rpath = index(&upath, i);
                    if row.len() != n {
                        return bad(rpath, "must have one value per feature");
                    }
                    for (j, v) in row.iter().enumerate() {
                        let ok = v.is_finite()
                            && match i.cmp(&j) {
                                std::cmp::Ordering::Equal => *v > 0.0,
                                std::cmp::Ordering::Greater => *v == 0.0,
                                std::cmp::Ordering::Less => true,
                            };
                        if !ok {
                            return bad(
                                index(&rpath, j),
                                "must be upper triangular with a positive diagonal, finite",
                            );
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Scales raw feature values as the clustering sees them. `None` entries (undefined
    /// features) give `None`.
    pub fn scale(&self, raw: &[f64]) -> Result<Vec<f64>, String> {
        raw.iter()
            .zip(&self.features)
            .zip(self.scaler.mean.iter().zip(&self.scaler.std))
            .map(|((&x, name), (&mean, &std))| {
                let t = match self.scaler.transform {
                    Transform::Log1p => {
                        if x <= -1.0 {
                            return Err(format!(
                                "feature {name} = {x} cannot be log1p-transformed (must be > -1)"
                            ));
                        }
                        ln_1p(x)
                    }
                    Transform::Identity => x,
                };
                Ok((t - mean) / std)
            })
            .collect()
    }

    /// Raw values of the model's features for a customer; `Ok(None)` when one is undefined
    /// (a customer without orders has no recency).
    pub fn raw_features(&self, f: &Features) -> Result<Option<Vec<f64>>, String> {
        let mut out = Vec::with_capacity(self.features.len());
        for name in &self.features {
            match f.value(name)? {
                Some(v) => out.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// The nearest segment of a scaled feature vector by Euclidean distance (ties go to the
    /// lowest id), whatever the algorithm.
    pub fn nearest(&self, scaled: &[f64]) -> Assignment {
        let mut best = (0usize, f64::INFINITY);
        for (i, s) in self.segments.iter().enumerate() {
            let d2 = sq_dist(&s.centroid, scaled);
            if d2 < best.1 {
                best = (i, d2);
            }
        }
        self.assignment(best.0, scaled, None)
    }

    fn assignment(&self, id: usize, scaled: &[f64], probability: Option<f64>) -> Assignment {
        let s = self.segments.get(id);
        Assignment {
            id,
            name: s.map(|s| s.name.clone()).unwrap_or_default(),
            role: self.role(id),
            distance: s.map_or(0.0, |s| sq_dist(&s.centroid, scaled).sqrt()),
            probability,
        }
    }

    /// `ln weight + ln N(x | mean, Σ)` of every mixture component (`None` for a k-means model).
    pub fn log_weighted_densities(&self, scaled: &[f64]) -> Option<Vec<f64>> {
        if self.algorithm != Algorithm::Gmm {
            return None;
        }
        let out = self
            .segments
            .iter()
            .map(|s| match (s.weight, s.precision_cholesky.as_ref()) {
                (Some(w), Some(u)) => log_weighted_density(w, &s.centroid, u, scaled),
                _ => f64::NEG_INFINITY,
            })
            .collect();
        Some(out)
    }

    /// The segment of a scaled feature vector: the nearest centroid (k-means) or the component
    /// with the highest posterior (mixture); ties go to the lowest id.
    pub fn segment_of(&self, scaled: &[f64]) -> Assignment {
        let Some(logs) = self.log_weighted_densities(scaled) else {
            return self.nearest(scaled);
        };
        let mut best = (0usize, f64::NEG_INFINITY);
        for (i, l) in logs.iter().enumerate() {
            if *l > best.1 {
                best = (i, *l);
            }
        }
        let norm = log_sum_exp(&logs);
        let probability = if norm.is_finite() {
            crate::math::exp(best.1 - norm)
        } else {
            0.0
        };
        self.assignment(best.0, scaled, Some(probability))
    }

    /// Mean log-likelihood per row of scaled feature vectors under the mixture (`None` for a
    /// k-means model), as scikit-learn's `GaussianMixture.score`.
    pub fn mean_log_likelihood<'a>(
        &self,
        rows: impl IntoIterator<Item = &'a [f64]>,
    ) -> Option<f64> {
        let mut total = 0.0;
        let mut n = 0usize;
        for row in rows {
            total += log_sum_exp(&self.log_weighted_densities(row)?);
            n += 1;
        }
        Some(total / n.max(1) as f64)
    }

    /// Assigns a customer's features to a segment; `Ok(None)` when a model feature is
    /// undefined for the customer (no orders yet).
    pub fn assign(&self, f: &Features) -> Result<Option<Assignment>, String> {
        match self.raw_features(f)? {
            Some(raw) => Ok(Some(self.segment_of(&self.scale(&raw)?))),
            None => Ok(None),
        }
    }
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(c, x)| (x - c) * (x - c)).sum()
}

/// `ln Σ exp(x)`, stable; `-∞` for an empty slice or all `-∞`.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + ln(xs.iter().map(|x| crate::math::exp(x - max)).sum::<f64>())
}

/// `ln w + ln N(x | mean, Σ)` of one Gaussian component given the upper-triangular Cholesky
/// factor `u` of its precision (`Σ⁻¹ = U Uᵀ`, by rows): with `y = (x − mean)ᵀ U`,
/// `ln w + Σ ln U_jj − d/2 ln 2π − ½ yᵀy`. Missing entries read as 0 (never panics).
pub fn log_weighted_density(w: f64, mean: &[f64], u: &[Vec<f64>], x: &[f64]) -> f64 {
    let d = x.len() as f64;
    let mut quad = 0.0;
    let mut log_det = 0.0;
    for j in 0..x.len() {
        let mut y = 0.0;
        for (i, (xi, mi)) in x.iter().zip(mean).enumerate() {
            y += (xi - mi) * u.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0.0);
        }
        quad += y * y;
        log_det += ln(u.get(j).and_then(|r| r.get(j)).copied().unwrap_or(0.0));
    }
    ln(w) + log_det - 0.5 * d * ln(2.0 * std::f64::consts::PI) - 0.5 * quad
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-feature mixture of two unit-covariance components at (−1, 0) and (1, 0).
    fn mixture(w0: f64) -> Model {
        let mut model: Model = serde_json::from_str(include_str!("../models/default.json"))
            .expect("the default model reads");
        model.features = vec!["recencyDays".into(), "frequency".into()];
        model.scaler = Scaler {
            transform: Transform::Identity,
            mean: vec![0.0, 0.0],
            std: vec![1.0, 1.0],
        };
        model.algorithm = Algorithm::Gmm;
        model.clv = None;
        let segment = |id: usize, x: f64, w: f64| Segment {
            id,
            name: format!("s{id}"),
            role: None,
            centroid: vec![x, 0.0],
            size: 10,
            profile: BTreeMap::new(),
            weight: Some(w),
            precision_cholesky: Some(vec![vec![1.0, 0.0], vec![0.0, 1.0]]),
        };
        model.segments = vec![segment(0, -1.0, w0), segment(1, 1.0, 1.0 - w0)];
        model
    }

    #[test]
    fn a_mixture_assigns_by_posterior_with_ties_to_the_lowest_id() {
        let m = mixture(0.5);
        m.validate().expect("valid");
        let a = m.segment_of(&[0.0, 0.0]);
        assert_eq!(a.id, 0, "a tie goes to the lowest id");
        assert!((a.probability.unwrap_or(0.0) - 0.5).abs() < 1e-15);
        assert_eq!(m.segment_of(&[0.3, 0.0]).id, 1);
        // A heavier component wins the midpoint.
        assert_eq!(mixture(0.3).segment_of(&[0.0, 0.0]).id, 1);
        // The density is the bivariate normal's: ln N(0 | 0, I) = −ln 2π.
        let l = log_weighted_density(
            1.0,
            &[0.0, 0.0],
            &[vec![1.0, 0.0], vec![0.0, 1.0]],
            &[0.0, 0.0],
        );
        assert!((l + ln(2.0 * std::f64::consts::PI)).abs() < 1e-15);
        let ll = m.mean_log_likelihood([[0.0, 0.0].as_slice()]);
        assert!(ll.is_some_and(f64::is_finite));
    }

    #[test]
    fn mixture_parts_are_validated_with_their_path() {
        let mut m = mixture(0.5);
        m.segments[1].precision_cholesky = Some(vec![vec![1.0, 0.0], vec![0.5, 1.0]]);
        let e = m.validate().expect_err("lower triangle");
        assert_eq!(e.path(), "segments[1].precisionCholesky[1][0]");
        let mut m = mixture(0.5);
        m.segments[0].weight = None;
        assert_eq!(
            m.validate().expect_err("weight").path(),
            "segments[0].weight"
        );
        let mut m = mixture(0.5);
        m.algorithm = Algorithm::Kmeans;
        assert_eq!(
            m.validate().expect_err("k-means").path(),
            "segments[0].weight"
        );
        let mut m = mixture(0.5);
        m.segments[0].precision_cholesky = Some(vec![vec![1.0]]);
        assert_eq!(
            m.validate().expect_err("shape").path(),
            "segments[0].precisionCholesky"
        );
    }
}
