//! Experiments: offer strategies as variants, namespaces, a global holdout, sticky assignment
//! and hashes that never silently change.
//!
//! * [`hash`] — `offerwise-1` (integer bucketing from XXH64 of the UTF-8 id) and GrowthBook's
//!   versions 1 and 2, with GrowthBook's helpers (`getBucketRanges`, `chooseVariation`,
//!   `inNamespace`, `getEqualWeights`);
//! * [`define`] — the programme's `experiments[]` and `holdout`: variants and the settings
//!   they change, status and winner, phases, namespaces, targeting, forced ids; validated and
//!   prepared once;
//! * [`settings`] — the programme parameters a variant changes (`caps`, `set`);
//! * [`assign`] — who is in which variant and why, the sticky store a page keeps;
//! * [`Exposure`] — what the decision record logs for each experiment a customer is in.

pub mod assign;
pub mod define;
pub mod hash;
pub mod settings;

pub use assign::{ExperimentAssignment, HoldoutState, Source, Store, StoredAssignment};
pub use define::{Experiment, Holdout, Namespace, Phase, Status, Variant, VariantNudges};
pub use hash::HashVersion;

use serde::{Deserialize, Serialize};

/// One exposure in the decision record: the customer is in `experiment` as `variant`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    pub experiment: String,
    pub variant: String,
    /// How the variant was given: `hash`, `sticky`, `forced` or `override`.
    pub source: Source,
    /// The id hashed, by name and value.
    pub hash_attribute: String,
    pub hash_value: String,
    /// The hash and seed.
    pub hash: HashVersion,
    pub seed: String,
    /// The phase entered (0-based), when hashed or sticky.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<usize>,
    /// The bucket as a share in `[0, 1)`, when hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<f64>,
}

/// The exposures of a decision's assignments.
pub fn exposures(
    experiments: &[Experiment],
    assignments: &[ExperimentAssignment],
    customer_id: &str,
    ids: &std::collections::BTreeMap<String, String>,
) -> Vec<Exposure> {
    experiments
        .iter()
        .zip(assignments)
        .filter(|(_, a)| a.exposed())
        .filter_map(|(x, a)| {
            Some(Exposure {
                experiment: x.key.clone(),
                variant: a.variant.clone()?,
                source: a.source?,
                hash_attribute: x.hash_attribute.clone(),
                hash_value: assign::id_value(&x.hash_attribute, customer_id, ids)
                    .unwrap_or_default()
                    .to_string(),
                hash: x.hash,
                seed: x.seed().to_string(),
                phase: a.phase,
                bucket: a.bucket,
            })
        })
        .collect()
}
