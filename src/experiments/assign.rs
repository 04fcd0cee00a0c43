//! Assignment: who is in which variant, and why.
//!
//! For each experiment, in order, the first that applies:
//!
//! 1. the global holdout: a held-out customer is in no experiment (`reason: "holdout"`);
//! 2. `draft`: nobody (`reason: "draft"`); `stopped`: everyone gets the `winner`
//!    (`source: "winner"`, no exposure);
//! 3. the caller's override (`forceVariants`, for QA: `source: "override"`), then the
//!    experiment's `forced` id lists (`source: "forced"`);
//! 4. no value for the hash attribute: not in (`reason: "no_id"`);
//! 5. targeting that does not hold: not in (`reason: "targeting"`);
//! 6. an entry of the caller's sticky store for this experiment and seed whose variant still
//!    exists: that variant (`source: "sticky"`), whatever the weights, coverage, namespace or
//!    hash value now (a customer who logs in keeps the variant their device id had);
//! 7. the namespace range (`reason: "namespace"`), then the hash: the customer enters in the
//!    phase in effect when first seen (their first order, or now), or the first later phase
//!    whose coverage takes them (`reason: "coverage"` when none does; `"not_started"` before the
//!    first phase). A new phase's weights and coverage so never move a customer seen before it;
//!    only a new seed re-randomises.

use super::define::{Experiment, Holdout, Prepared, Ranges, Status};
use super::hash::{self, HashVersion};
use crate::error::quoted;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The sticky store's format name.
pub const STORE_FORMAT: &str = "offerwise.assignments/1";

/// The assignments a page or worker keeps for a visitor and passes to the next decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Store {
    /// `offerwise.assignments/1`.
    pub format: String,
    /// Experiment key → assignment.
    pub entries: BTreeMap<String, StoredAssignment>,
}

/// One kept assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredAssignment {
    pub variant: String,
    /// The experiment's seed when assigned (a new seed re-randomises).
    pub seed: String,
    pub hash: HashVersion,
    /// The id hashed, by name and value.
    pub hash_attribute: String,
    pub hash_value: String,
    /// The phase entered (0-based).
    pub phase: usize,
    /// When first assigned (ISO 8601).
    pub assigned_at: String,
}

/// How a variant was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// By the hash, fresh.
    Hash,
    /// From the caller's sticky store.
    Sticky,
    /// By the experiment's `forced` id list.
    Forced,
    /// By the caller's `forceVariants`.
    Override,
    /// The winner of a stopped experiment, served to everyone.
    Winner,
}

/// A customer's place in one experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentAssignment {
    pub key: String,
    /// `null` when not in the experiment (see `reason`).
    pub variant: Option<String>,
    /// How the variant was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Why not in the experiment: `holdout`, `draft`, `no_id`, `targeting`, `namespace`,
    /// `coverage` or `not_started`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The hash bucket as a share in `[0, 1)` (GrowthBook's value; `offerwise-1`'s integer
    /// bucket / 2^32), when hashed.
    pub bucket: Option<f64>,
    /// The phase entered (0-based), when hashed or sticky.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<usize>,
}

impl ExperimentAssignment {
    /// Whether the customer is in the experiment as a participant (an exposure to log): a
    /// variant given by anything but a stopped experiment's winner.
    pub fn exposed(&self) -> bool {
        self.variant.is_some() && self.source != Some(Source::Winner)
    }
}

/// The global holdout as a decision reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldoutState {
    /// Whether this customer is held out (no offers, no nudges, no experiments).
    pub held_out: bool,
    /// The share held out.
    pub share: f64,
}

/// What assignment reads.
pub struct Input<'a> {
    /// The customer id.
    pub customer_id: &'a str,
    /// Other ids by name (`deviceId`, ...).
    pub ids: &'a BTreeMap<String, String>,
    pub now: i64,
    /// When the customer was first seen (their first order), if before now.
    pub first_seen: Option<i64>,
    /// The caller's sticky store (already read).
    pub store: Option<&'a Store>,
    /// Experiment key → variant key, checked by the caller.
    pub overrides: &'a BTreeMap<String, String>,
    /// Whether experiment `i`'s targeting holds.
    pub targeting: &'a dyn Fn(usize) -> bool,
}

/// The value of the id named `attribute`.
pub fn id_value<'a>(
    attribute: &str,
    customer_id: &'a str,
    ids: &'a BTreeMap<String, String>,
) -> Option<&'a str> {
    let v = if attribute == "id" {
        Some(customer_id)
    } else {
        ids.get(attribute).map(String::as_str)
    };
    v.filter(|s| !s.is_empty())
}

/// Whether the customer is in the global holdout.
pub fn held_out(h: &Holdout, customer_id: &str, ids: &BTreeMap<String, String>) -> bool {
    let Some(value) = id_value(&h.hash_attribute, customer_id, ids) else {
        return false;
    };
    match h.hash {
        HashVersion::Offerwise1 => {
            u64::from(hash::offerwise1(&h.seed, value)) < hash::bound(h.share)
        }
        HashVersion::GrowthBook1 => {
            hash::growthbook(&h.seed, value, 1).is_some_and(|n| n < h.share)
        }
        HashVersion::GrowthBook2 => {
            hash::growthbook(&h.seed, value, 2).is_some_and(|n| n < h.share)
        }
    }
}

/// A bucket: `offerwise-1`'s integer, or GrowthBook's share.
#[derive(Debug, Clone, Copy)]
enum Bucket {
    Integer(u32),
    Float(f64),
}

impl Bucket {
    fn of(h: HashVersion, seed: &str, value: &str) -> Option<Bucket> {
        match h {
            HashVersion::Offerwise1 => Some(Bucket::Integer(hash::offerwise1(seed, value))),
            HashVersion::GrowthBook1 => hash::growthbook(seed, value, 1).map(Bucket::Float),
            HashVersion::GrowthBook2 => hash::growthbook(seed, value, 2).map(Bucket::Float),
        }
    }

    fn share(self) -> f64 {
        match self {
            Bucket::Integer(b) => f64::from(b) / hash::SCALE as f64,
            Bucket::Float(n) => n,
        }
    }

    fn variant(self, ranges: &Ranges) -> Option<usize> {
        match (self, ranges) {
            (Bucket::Integer(b), Ranges::Integer(r)) => {
                let b = u64::from(b);
                r.iter().position(|&(lo, hi)| b >= lo && b < hi)
            }
            (Bucket::Float(n), Ranges::Float(r)) => hash::choose_variation(n, r),
            _ => None,
        }
    }
}

fn in_namespace(h: HashVersion, value: &str, (id, start, end): (&str, f64, f64)) -> bool {
    match h {
        HashVersion::Offerwise1 => {
            let b = u64::from(hash::offerwise1(
                &format!("offerwise-namespace:{id}"),
                value,
            ));
            b >= hash::bound(start) && b < hash::bound(end)
        }
        HashVersion::GrowthBook1 | HashVersion::GrowthBook2 => {
            hash::in_namespace(value, id, start, end)
        }
    }
}

/// Every experiment for a customer in the global holdout: in none.
pub fn held_out_of_all(experiments: &[Experiment]) -> Vec<ExperimentAssignment> {
    experiments
        .iter()
        .map(|x| Place::not_in("holdout").into_assignment(x))
        .collect()
}

/// Assigns every experiment (in order) for a customer not held out.
pub fn assign(
    experiments: &[Experiment],
    prepared: &[Prepared],
    input: &Input<'_>,
) -> Vec<ExperimentAssignment> {
    experiments
        .iter()
        .zip(prepared)
        .enumerate()
        .map(|(i, (x, p))| assign_one(i, x, p, input).into_assignment(x))
        .collect()
}

fn assign_one(i: usize, x: &Experiment, p: &Prepared, input: &Input<'_>) -> Place {
    if let Some(a) = by_status(x) {
        return a;
    }
    if let Some(v) = input.overrides.get(&x.key) {
        return Place::given(variant_index(x, v), Source::Override);
    }
    let Some(value) = id_value(&x.hash_attribute, input.customer_id, input.ids) else {
        return Place::not_in("no_id");
    };
    if let Some(a) = by_forced(x, value) {
        return a;
    }
    if p.targeting.is_some() && !(input.targeting)(i) {
        return Place::not_in("targeting");
    }
    if let Some(stored) = input.store.and_then(|s| s.entries.get(&x.key)) {
        if stored.seed == x.seed() {
            if let Some(j) = variant_index(x, &stored.variant) {
                let mut a = Place::given(Some(j), Source::Sticky);
                a.phase = Some(stored.phase);
                return a;
            }
        }
    }
    hashed(x, p, value, input.now, input.first_seen)
}

/// A draft (nobody) or stopped (the winner) experiment's answer.
fn by_status(x: &Experiment) -> Option<Place> {
    match x.status {
        Status::Draft => Some(Place::not_in("draft")),
        Status::Stopped => {
            let winner = x.winner.as_deref().and_then(|w| variant_index(x, w));
            Some(Place::given(winner, Source::Winner))
        }
        Status::Running => None,
    }
}

/// The variant an id is forced into, if any.
fn by_forced(x: &Experiment, value: &str) -> Option<Place> {
    x.forced
        .iter()
        .find(|(_, ids)| ids.iter().any(|id| id == value))
        .map(|(v, _)| Place::given(variant_index(x, v), Source::Forced))
}

/// Where an id falls in one experiment: the variant's index, or why none; no allocation.
/// [`assign`] turns it into an [`ExperimentAssignment`]; the npm package's `Experiments`
/// reads it directly ([`place`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    pub variant: Option<usize>,
    pub source: Option<Source>,
    pub reason: Option<&'static str>,
    pub bucket: Option<f64>,
    pub phase: Option<usize>,
}

impl Place {
    fn not_in(reason: &'static str) -> Place {
        Place {
            variant: None,
            source: None,
            reason: Some(reason),
            bucket: None,
            phase: None,
        }
    }

    fn given(variant: Option<usize>, source: Source) -> Place {
        Place {
            variant,
            source: Some(source),
            reason: None,
            bucket: None,
            phase: None,
        }
    }

    fn into_assignment(self, x: &Experiment) -> ExperimentAssignment {
        ExperimentAssignment {
            key: x.key.clone(),
            variant: self
                .variant
                .and_then(|i| x.variants.get(i))
                .map(|v| v.key.clone()),
            source: self.source,
            reason: self.reason,
            bucket: self.bucket,
            phase: self.phase,
        }
    }
}

fn variant_index(x: &Experiment, key: &str) -> Option<usize> {
    x.variants.iter().position(|v| v.key == key)
}

/// One experiment for the value of its hash attribute alone: status, forced ids, namespace,
/// hash and phases (no targeting, sticky store or overrides, which need a decision's input).
pub fn place(x: &Experiment, p: &Prepared, value: &str, now: i64) -> Place {
    if let Some(a) = by_status(x) {
        return a;
    }
    if value.is_empty() {
        return Place::not_in("no_id");
    }
    if let Some(a) = by_forced(x, value) {
        return a;
    }
    hashed(x, p, value, now, None)
}

/// Namespace, bucket and phases.
fn hashed(x: &Experiment, p: &Prepared, value: &str, now: i64, first_seen: Option<i64>) -> Place {
    if let Some((id, start, end)) = &p.namespace {
        if !in_namespace(x.hash, value, (id, *start, *end)) {
            return Place::not_in("namespace");
        }
    }
    let Some(bucket) = Bucket::of(x.hash, x.seed(), value) else {
        return Place::not_in("coverage");
    };
    // The phase in effect now, and the one in effect when the customer was first seen.
    let Some(current) = p.phases.iter().rposition(|ph| ph.start <= now) else {
        return Place::not_in("not_started");
    };
    let seen = first_seen.unwrap_or(now).min(now);
    let entered = p
        .phases
        .iter()
        .rposition(|ph| ph.start <= seen)
        .unwrap_or(0)
        .min(current);
    let mut out = Place::not_in("coverage");
    out.bucket = Some(bucket.share());
    for (k, phase) in p.phases.iter().enumerate().take(current + 1).skip(entered) {
        if let Some(j) = bucket
            .variant(&phase.ranges)
            .filter(|&j| j < x.variants.len())
        {
            out.variant = Some(j);
            out.source = Some(Source::Hash);
            out.reason = None;
            out.phase = Some(k);
            break;
        }
    }
    out
}

/// The store to keep after a decision: the caller's entries, with those of this programme's
/// running experiments the customer is in (hashed or kept) written afresh, and entries whose
/// seed changed removed.
pub fn updated_store(
    experiments: &[Experiment],
    assignments: &[ExperimentAssignment],
    previous: Option<&Store>,
    (customer_id, ids): (&str, &BTreeMap<String, String>),
    now_text: &str,
) -> Store {
    let mut entries = previous.map(|s| s.entries.clone()).unwrap_or_default();
    for (x, a) in experiments.iter().zip(assignments) {
        let seed = x.seed();
        if entries.get(&x.key).is_some_and(|e| e.seed != seed) {
            entries.remove(&x.key);
        }
        let (Some(variant), Some(Source::Hash)) = (&a.variant, a.source) else {
            continue;
        };
        let Some(value) = id_value(&x.hash_attribute, customer_id, ids) else {
            continue;
        };
        entries.insert(
            x.key.clone(),
            StoredAssignment {
                variant: variant.clone(),
                seed: seed.to_string(),
                hash: x.hash,
                hash_attribute: x.hash_attribute.clone(),
                hash_value: value.to_string(),
                phase: a.phase.unwrap_or(0),
                assigned_at: now_text.to_string(),
            },
        );
    }
    Store {
        format: STORE_FORMAT.to_string(),
        entries,
    }
}

/// Reads the caller's sticky store; the error says what is wrong (the decision then assigns
/// afresh and reports it).
pub fn read_store(v: &serde_json::Value) -> Result<Store, String> {
    // Read as text, as every document is, so the error names the path.
    let text = serde_json::to_string(v).map_err(|e| e.to_string())?;
    let store: Store =
        crate::json::from_str(crate::error::Doc::Options, &text).map_err(|e| e.detail())?;
    if store.format != STORE_FORMAT {
        return Err(format!(
            "format is {:?}, expected {STORE_FORMAT:?}",
            quoted(&store.format)
        ));
    }
    Ok(store)
}
