//! Experiment definitions in the programme document (`experiments[]`, `holdout`), their
//! validation, and their preparation for assignment (shares as bounds, targeting compiled).

use super::hash::{self, HashVersion};
use crate::error::{quoted, Doc, Error};
use crate::json::{index, join};
use crate::offers::catalogue::{Objective, Offer};
use crate::offers::conditions::Condition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An experiment: variants that change how offers and nudges are chosen, assigned by a hash of
/// an id (see [`super::assign`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Experiment {
    pub key: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `draft` (nobody is assigned), `running` (the default) or `stopped` (everyone gets the
    /// `winner`, and no exposure is logged).
    #[serde(default)]
    pub status: Status,
    /// The variant served to everyone once `stopped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    /// The hash (default `growthbook-2`, as before hash versions were named).
    #[serde(default)]
    pub hash: HashVersion,
    /// The id hashed: `id` (the customer id, the default) or the name of an id the caller passes
    /// in the decision's `ids` (`deviceId`, ...). A customer without it is not in the experiment.
    #[serde(default = "customer_id")]
    pub hash_attribute: String,
    /// Hash seed; the key when absent or empty (as GrowthBook). A new seed re-randomises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// Share of customers in the test, 0 to 1 (default 1). With `phases`, each phase has its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// A range of a namespace: experiments in one namespace with disjoint ranges never share a
    /// customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
    /// Who may enter: a condition over the decision's facts (as offers' `when`; not
    /// `experiments.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeting: Option<serde_json::Value>,
    /// The history of coverage and weights, oldest first; the last one started is in effect.
    /// A customer keeps the variant of the phase they entered in (see [`super::assign`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
    /// Variant key → ids always given that variant (QA).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub forced: BTreeMap<String, Vec<String>>,
    pub variants: Vec<Variant>,
}

fn customer_id() -> String {
    "id".to_string()
}

/// An experiment's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Draft,
    #[default]
    Running,
    Stopped,
}

/// A namespace range: `{"id": "offers", "range": [0, 0.5]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Namespace {
    pub id: String,
    pub range: [f64; 2],
}

/// One phase of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Phase {
    /// When it starts (ISO 8601, UTC unless an offset is given).
    pub start: String,
    /// Share of customers in the test, 0 to 1 (default 1).
    #[serde(default = "one")]
    pub coverage: f64,
    /// One weight per variant, summing to 1.
    pub weights: Vec<f64>,
}

fn one() -> f64 {
    1.0
}

/// A variant and the settings it changes (unset: the programme's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Variant {
    pub key: String,
    /// Share of the covered customers; the weights of an experiment sum to 1. Absent when the
    /// experiment has `phases`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// `true`: no offers in this variant (an experiment's own holdout group).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub holdout: bool,
    /// Only these offers of the catalogue (a subset: "one generic offer").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<Vec<String>>,
    /// Offers this variant does not show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_offers: Vec<String>,
    /// The ranking objective (default: the programme's `ranking.objective`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Objective>,
    /// `false`: rank by the programme's priors only, without the learned policy (and so
    /// without exploration); `true` or unset: the policy when one is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<bool>,
    /// How many offers at most (default: the programme's `maxOffers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_offers: Option<usize>,
    /// Nudge settings (default: the programme's `nudges`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nudges: Option<VariantNudges>,
    /// Per-offer caps in this variant: offer id (or `"*"`, every offer not named) → the caps
    /// that replace the offer's own (`[]`: none). See [`super::settings`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub caps: BTreeMap<String, Vec<crate::offers::catalogue::Cap>>,
    /// Any documented programme parameter: path → value (`"ranking.orderValue": 60`,
    /// `"offers.gold-10.weight": 2`). See [`super::settings`] for the paths.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, serde_json::Value>,
}

/// A variant's nudge settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantNudges {
    /// Nudges per decision at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    /// Message per nudge kind, `{field}` replaced by the nudge's fields
    /// (`"Only {pointsNeeded} points to {tierName}!"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub copy: BTreeMap<String, String>,
}

/// The global holdout: a fixed share of customers excluded from personalisation everywhere
/// (no offers, no nudges, in no experiment), reported in every decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Holdout {
    /// The share held out, 0 to 0.5.
    pub share: f64,
    /// Hash seed (default `offerwise-global-holdout`).
    #[serde(default = "holdout_seed")]
    pub seed: String,
    /// The hash (default `offerwise-1`).
    #[serde(default = "offerwise1")]
    pub hash: HashVersion,
    /// The id hashed (default `id`, the customer id).
    #[serde(default = "customer_id")]
    pub hash_attribute: String,
}

fn holdout_seed() -> String {
    "offerwise-global-holdout".to_string()
}

fn offerwise1() -> HashVersion {
    HashVersion::Offerwise1
}

/// The nudge kinds a variant's `nudges.copy` may name.
pub const NUDGE_KINDS: &[&str] = &[
    "cartReachesTier",
    "pointsExpiring",
    "tierAtRisk",
    "pointsForCart",
    "nextTier",
    "membershipBreakEven",
];

impl Experiment {
    /// The seed: `seed`, or the key when `seed` is absent or empty (as GrowthBook).
    pub fn seed(&self) -> &str {
        self.seed
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.key)
    }
}

/// Ranges of one phase, ready for assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedPhase {
    /// When it starts (epoch ms; `i64::MIN` for an experiment without phases).
    pub start: i64,
    pub ranges: Ranges,
}

/// The variants' ranges in a phase, in the experiment's hash's units.
#[derive(Debug, Clone, PartialEq)]
pub enum Ranges {
    /// `offerwise-1`: integer bounds out of 2^32.
    Integer(Vec<(u64, u64)>),
    /// GrowthBook: GrowthBook's own `getBucketRanges` arithmetic.
    Float(Vec<(f64, f64)>),
}

/// An experiment prepared for assignment.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub phases: Vec<PreparedPhase>,
    /// The namespace range in the hash's units: integer bounds (`offerwise-1`) or GrowthBook's
    /// `[start, end)`.
    pub namespace: Option<(String, f64, f64)>,
    pub targeting: Option<Condition>,
}

fn bad(path: String, message: impl Into<String>) -> Error {
    Error::invalid(Doc::Program, path, message.into())
}

fn check_attribute(path: String, name: &str) -> Result<(), Error> {
    let ok = name == "id"
        || (name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if ok {
        Ok(())
    } else {
        Err(bad(
            path,
            format!("{name:?} is not an id name: use \"id\" (the customer id) or a name such as \"deviceId\" (letters, digits, _)", name = quoted(name)),
        ))
    }
}

fn check_weights(path: String, weights: &[f64], variants: usize) -> Result<(), Error> {
    if weights.len() != variants {
        return Err(bad(
            path,
            format!("{} weights for {variants} variants", weights.len()),
        ));
    }
    let mut total = 0.0;
    for (i, w) in weights.iter().enumerate() {
        if !(w.is_finite() && *w >= 0.0) {
            return Err(bad(index(&path, i), "must be a finite number ≥ 0"));
        }
        total += w;
    }
    if (total - 1.0).abs() > 1e-9 {
        return Err(bad(
            path,
            format!("weights must sum to 1, they sum to {total}"),
        ));
    }
    Ok(())
}

fn check_share(path: String, x: f64) -> Result<(), Error> {
    if (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(bad(path, format!("must be between 0 and 1, got {x}")))
    }
}

/// Checks the programme's experiments and holdout against its offers, and prepares them.
pub fn prepare(
    experiments: &[Experiment],
    holdout: Option<&Holdout>,
    offers: &[Offer],
    check_targeting: &dyn Fn(&serde_json::Value, &str) -> Result<Condition, Error>,
) -> Result<Vec<Prepared>, Error> {
    if let Some(h) = holdout {
        if !(0.0..=0.5).contains(&h.share) {
            return Err(bad(
                "holdout.share".into(),
                format!("must be between 0 and 0.5, got {}", h.share),
            ));
        }
        if h.seed.is_empty() {
            return Err(bad("holdout.seed".into(), "the seed is empty"));
        }
        check_attribute("holdout.hashAttribute".into(), &h.hash_attribute)?;
    }
    let offer_ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
    let mut prepared = Vec::with_capacity(experiments.len());
    for (i, x) in experiments.iter().enumerate() {
        let path = index("experiments", i);
        if x.key.is_empty() {
            return Err(bad(join(&path, "key"), "the experiment key is empty"));
        }
        if experiments[..i].iter().any(|o| o.key == x.key) {
            return Err(bad(
                join(&path, "key"),
                format!("experiment key {:?} is used twice", quoted(&x.key)),
            ));
        }
        check_attribute(join(&path, "hashAttribute"), &x.hash_attribute)?;
        if x.variants.len() < 2 {
            return Err(bad(
                join(&path, "variants"),
                "an experiment needs at least two variants",
            ));
        }
        let known = |id: &str| offer_ids.contains(&id);
        for (j, v) in x.variants.iter().enumerate() {
            let vpath = index(&join(&path, "variants"), j);
            if v.key.is_empty() || x.variants[..j].iter().any(|o| o.key == v.key) {
                return Err(bad(
                    join(&vpath, "key"),
                    format!(
                        "variant keys must be non-empty and distinct, got {:?}",
                        v.key
                    ),
                ));
            }
            for (field, list) in [
                ("excludeOffers", Some(&v.exclude_offers)),
                ("offers", v.offers.as_ref()),
            ] {
                for (k, id) in list.into_iter().flatten().enumerate() {
                    if !known(id) {
                        return Err(bad(
                            index(&join(&vpath, field), k),
                            format!("offer {id:?} is not in the catalogue", id = quoted(id)),
                        ));
                    }
                }
            }
            super::settings::changes(v, &offer_ids, &vpath)?;
            if let Some(n) = &v.nudges {
                for kind in n.copy.keys() {
                    if !NUDGE_KINDS.contains(&kind.as_str()) {
                        return Err(bad(
                            join(&join(&join(&vpath, "nudges"), "copy"), kind),
                            format!(
                                "unknown nudge kind {kind:?} (kinds: {})",
                                NUDGE_KINDS.join(", "),
                                kind = quoted(kind)
                            ),
                        ));
                    }
                }
            }
        }
        let keys: Vec<&str> = x.variants.iter().map(|v| v.key.as_str()).collect();
        let variant_path = |key: &str| -> Option<usize> { keys.iter().position(|k| *k == key) };
        match (x.status, &x.winner) {
            (Status::Stopped, None) => {
                return Err(bad(
                    join(&path, "winner"),
                    "a stopped experiment names its winner, the variant everyone gets",
                ))
            }
            (_, Some(w)) if variant_path(w).is_none() => {
                return Err(bad(
                    join(&path, "winner"),
                    format!(
                        "{w:?} is not a variant (variants: {})",
                        crate::error::listed(&keys),
                        w = quoted(w)
                    ),
                ))
            }
            _ => {}
        }
        let mut forced_ids: BTreeMap<&str, &str> = BTreeMap::new();
        for (variant, ids) in &x.forced {
            let fpath = join(&join(&path, "forced"), variant);
            if variant_path(variant).is_none() {
                return Err(bad(
                    fpath,
                    format!(
                        "{variant:?} is not a variant (variants: {})",
                        crate::error::listed(&keys),
                        variant = quoted(variant)
                    ),
                ));
            }
            for (k, id) in ids.iter().enumerate() {
                if let Some(other) = forced_ids.insert(id, variant) {
                    return Err(bad(
                        index(&fpath, k),
                        format!(
                            "id {id:?} is forced into both {other:?} and {variant:?}",
                            id = quoted(id),
                            other = quoted(other),
                            variant = quoted(variant)
                        ),
                    ));
                }
            }
        }
        // Phases: explicit, or one from the beginning out of `coverage` and the weights.
        let phases: Vec<(i64, f64, Vec<f64>)> =
            if x.phases.is_empty() {
                let coverage = x.coverage.unwrap_or(1.0);
                check_share(join(&path, "coverage"), coverage)?;
                let mut weights = Vec::with_capacity(x.variants.len());
                for (j, v) in x.variants.iter().enumerate() {
                    match v.weight {
                        Some(w) => weights.push(w),
                        None => return Err(bad(
                            join(&index(&join(&path, "variants"), j), "weight"),
                            "each variant needs a weight (or the experiment phases with weights)",
                        )),
                    }
                }
                check_weights(join(&path, "variants"), &weights, x.variants.len())?;
                vec![(i64::MIN, coverage, weights)]
            } else {
                if x.coverage.is_some() {
                    return Err(bad(
                        join(&path, "coverage"),
                        "with phases, each phase has its coverage",
                    ));
                }
                if let Some(j) = x.variants.iter().position(|v| v.weight.is_some()) {
                    return Err(bad(
                        join(&index(&join(&path, "variants"), j), "weight"),
                        "with phases, each phase has the weights",
                    ));
                }
                let mut out = Vec::with_capacity(x.phases.len());
                for (k, p) in x.phases.iter().enumerate() {
                    let ppath = index(&join(&path, "phases"), k);
                    let start = crate::time::parse_instant(&p.start, 0)
                        .map_err(|e| bad(join(&ppath, "start"), e))?;
                    if let Some((prev, _, _)) = out.last() {
                        if start <= *prev {
                            return Err(bad(
                                join(&ppath, "start"),
                                "phases are in order: each starts after the one before",
                            ));
                        }
                    }
                    check_share(join(&ppath, "coverage"), p.coverage)?;
                    check_weights(join(&ppath, "weights"), &p.weights, x.variants.len())?;
                    out.push((start, p.coverage, p.weights.clone()));
                }
                out
            };
        let phases = phases
            .into_iter()
            .map(|(start, coverage, weights)| PreparedPhase {
                start,
                ranges: ranges(x.hash, coverage, &weights),
            })
            .collect();
        let namespace = match &x.namespace {
            None => None,
            Some(ns) => {
                let npath = join(&path, "namespace");
                if ns.id.is_empty() {
                    return Err(bad(join(&npath, "id"), "the namespace id is empty"));
                }
                let [a, b] = ns.range;
                if !(0.0..=1.0).contains(&a) || !(0.0..=1.0).contains(&b) || a >= b {
                    return Err(bad(
                        join(&npath, "range"),
                        format!("a range [start, end) with 0 ≤ start < end ≤ 1, got [{a}, {b}]"),
                    ));
                }
                let family = |h: HashVersion| h == HashVersion::Offerwise1;
                for (o, other) in experiments[..i].iter().enumerate() {
                    if let Some(on) = &other.namespace {
                        if on.id == ns.id && family(other.hash) != family(x.hash) {
                            return Err(bad(
                                join(&npath, "id"),
                                format!(
                                    "namespace {:?} is hashed with {} by experiments[{o}] ({:?}): experiments sharing a namespace use the same family of hash ({} here), or their ranges would not keep them apart",
                                    quoted(&ns.id),
                                    other.hash.name(),
                                    quoted(&other.key),
                                    x.hash.name()
                                ),
                            ));
                        }
                        if on.id == ns.id && a < on.range[1] && on.range[0] < b {
                            return Err(bad(
                                join(&npath, "range"),
                                format!(
                                    "[{a}, {b}) overlaps experiments[{o}] ({:?}) in namespace {:?}: [{}, {})",
                                    quoted(&other.key), quoted(&ns.id), on.range[0], on.range[1]
                                ),
                            ));
                        }
                    }
                }
                Some((ns.id.clone(), a, b))
            }
        };
        let targeting = match &x.targeting {
            None => None,
            Some(t) => Some(check_targeting(t, &join(&path, "targeting"))?),
        };
        prepared.push(Prepared {
            phases,
            namespace,
            targeting,
        });
    }
    Ok(prepared)
}

/// A phase's variant ranges in the hash's units.
fn ranges(hash: HashVersion, coverage: f64, weights: &[f64]) -> Ranges {
    match hash {
        HashVersion::Offerwise1 => {
            // Integer bounds of the cumulative weights, so consecutive variants meet exactly
            // and the last ends at 2^32; each covers `coverage` of its own width.
            let mut out = Vec::with_capacity(weights.len());
            let mut cumulative = 0.0;
            for w in weights {
                let lo = hash::bound(cumulative);
                cumulative += w;
                let hi = hash::bound(cumulative);
                let width = hi.saturating_sub(lo);
                let covered = if coverage >= 1.0 {
                    width
                } else {
                    (hash::bound(coverage) * width) >> 32
                };
                out.push((lo, lo + covered));
            }
            Ranges::Integer(out)
        }
        HashVersion::GrowthBook1 | HashVersion::GrowthBook2 => Ranges::Float(hash::bucket_ranges(
            weights.len(),
            Some(coverage),
            Some(weights),
        )),
    }
}
