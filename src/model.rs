//! The trained model bundle: what the data team trains offline and the engine loads.
//!
//! A model file is versioned JSON (`formatVersion` 1):
//!
//! ```json
//! { "formatVersion": 1, "kind": "offerwise.model", "name": "cdnow-default",
//!   "features": ["recencyDays", "frequency", "monetary"],
//!   "scaler": { "transform": "log1p", "mean": [..], "std": [..] },
//!   "segments": [ { "id": 0, "name": "champions", "centroid": [..], "size": 2101,
//!                   "profile": { "recencyDays": 41.2, ... } } ],
//!   "training": { ... } }
//! ```
//!
//! * `features` — names from [`crate::features::NUMERIC_FEATURES`];
//! * `scaler` — each feature `x` becomes `(ln(1 + x) − mean) / std` (`transform: "log1p"`) or
//!   `(x − mean) / std` (`"identity"`); `std` is the population standard deviation (ddof 0),
//!   with 1 in place of 0, as scikit-learn's `StandardScaler`;
//! * `segments[].centroid` — the k-means centroid in scaled space; a customer belongs to the
//!   nearest centroid by Euclidean distance, ties to the lowest `id`;
//! * `segments[].profile` — mean raw feature values of the segment's training customers;
//! * `clv` — optional BG/NBD + Gamma-Gamma parameters (`timeUnit`, `bgnbd: {r, alpha, a, b}`,
//!   `gammaGamma: {p, q, v}`, `fit`: log-likelihood, convergence, calibration end, penalizer);
//! * `training` — how the model was made: rows, inertia, cluster sizes, a SHA-256 fingerprint
//!   of the data, the parameters and the k selection scores.
use crate::math::ln_1p;

use crate::error::{Doc, Error};
use crate::features::Features;
use crate::json::{index, join};
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
    /// Centroid in scaled space.
    pub centroid: Vec<f64>,
    /// Training customers in the segment.
    pub size: u64,
    /// Mean raw feature values of the segment's training customers.
    #[serde(default)]
    pub profile: BTreeMap<String, f64>,
}

/// The score of one k when a range of k was tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KScore {
    pub k: usize,
    pub inertia: f64,
    pub silhouette: f64,
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
    pub id: usize,
    pub name: String,
    /// Euclidean distance to the centroid in scaled space.
    pub distance: f64,
}

impl Model {
    /// Parses and validates a model from JSON text.
    pub fn from_json(text: &str) -> Result<Model, Error> {
        let model: Model = crate::json::from_str(Doc::Model, text)?;
        model.validate()?;
        Ok(model)
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
                    self.kind
                ),
            );
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
                    format!("feature {f:?} is listed twice"),
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
                    format!("segment name {:?} is used twice", s.name),
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
        }
        Ok(())
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

    /// The nearest segment of a scaled feature vector (ties go to the lowest id).
    pub fn nearest(&self, scaled: &[f64]) -> Assignment {
        let mut best = (0usize, f64::INFINITY);
        for (i, s) in self.segments.iter().enumerate() {
            let d2: f64 = s
                .centroid
                .iter()
                .zip(scaled)
                .map(|(c, x)| (x - c) * (x - c))
                .sum();
            if d2 < best.1 {
                best = (i, d2);
            }
        }
        let name = self
            .segments
            .get(best.0)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        Assignment {
            id: best.0,
            name,
            distance: best.1.sqrt(),
        }
    }

    /// Assigns a customer's features to a segment; `Ok(None)` when a model feature is
    /// undefined for the customer (no orders yet).
    pub fn assign(&self, f: &Features) -> Result<Option<Assignment>, String> {
        match self.raw_features(f)? {
            Some(raw) => Ok(Some(self.nearest(&self.scale(&raw)?))),
            None => Ok(None),
        }
    }
}
