//! The programme document: the loyalty programme as the marketing team authors it.
//!
//! It is separate from the trained model (the data team's), versioned (`formatVersion` 1) and
//! validated when it loads. Fields (all names camelCase):
//!
//! | field | meaning |
//! | --- | --- |
//! | `formatVersion`, `kind` | `1` and `"offerwise.program"` |
//! | `name` | the programme's name |
//! | `currency`, `currencySymbol` | ISO code (`"USD"`) and optional symbol (`"$"`) for messages |
//! | `loyalty` | the loyalty programme: points, earning, redemption, expiry, tiers and the programme types (see [`crate::loyalty::rules`]) |
//! | `offers[]` | the catalogue (see [`Offer`]) |
//! | `maxOffers` | offers returned at most per decision (default 3) |
//! | `nudges.max` | nudges returned at most (default 3) |
//! | `experiments[]` | A/B tests (see [`Experiment`]) |
//! | `clv.expectedPurchasesHorizonDays` | horizon of `expectedPurchases` (default 90 days) |
//! | `clv.months`, `clv.margin`, `clv.monthlyDiscountRate` | CLV: months ahead (default 12), margin (0.3), monthly discount rate (0.01) |
//!
//! # Targeting segments: roles or names
//!
//! An offer targets segments by **role** (`eligibility.roles`, `roleWeights`), the vocabulary
//! of [`crate::role`] (`champions`, `loyal`, `potential-loyalists`, `new`, `cant-lose`,
//! `at-risk`, `hibernating`, `lost`) that every trained model uses, so a programme written once
//! works with any shop's model. A role the model has no segment for is not an error: it never
//! matches (a weight for it never applies), and when none of an offer's `eligibility.roles` is
//! in the model, the engine records a warning ([`crate::engine::Warning`], code
//! `program.unreachable_offer`) as the offer can never be picked.
//!
//! Segment **names** (`eligibility.segments`, `segmentWeights`) still work for a programme
//! written for one model; a name the model lacks is an error that suggests roles.
//! An offer's score is `weight × segmentWeights[name]`, else `× roleWeights[role]`, else `× 1`.

use crate::error::{quoted, Doc, Error};
use crate::json::{index, join};
use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::offers::catalogue::{
    Budget, Eligibility, Objective, Offer, OfferKind, Ranking, Stacking,
};

/// The programme format version this build reads.
pub const PROGRAM_FORMAT_VERSION: u64 = 1;
/// The `kind` every programme document carries.
pub const PROGRAM_KIND: &str = "offerwise.program";

/// A programme document (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Program {
    pub format_version: u64,
    pub kind: String,
    pub name: String,
    pub currency: String,
    #[serde(default)]
    pub currency_symbol: Option<String>,
    /// The loyalty programme (none: an offers-only programme without points or tiers).
    #[serde(default)]
    pub loyalty: crate::loyalty::LoyaltyRules,
    #[serde(default)]
    pub offers: Vec<Offer>,
    #[serde(default = "default_max")]
    pub max_offers: usize,
    #[serde(default)]
    pub nudges: NudgeSettings,
    #[serde(default)]
    pub experiments: Vec<Experiment>,
    /// The global holdout (see [`Holdout`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout: Option<Holdout>,
    /// Saved groups for `$inGroup`, `$notInGroup` and `$savedGroup` in offer conditions
    /// (GrowthBook's format: group id → list of values or a condition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_groups: Option<serde_json::Value>,
    /// Aggregates over the order history by name, read by offer conditions as
    /// `aggregates.<name>` ([`crate::offers::aggregates`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aggregates: BTreeMap<String, crate::offers::aggregates::Aggregate>,
    /// Lifetime-value assumptions.
    #[serde(default)]
    pub clv: ClvSettings,
    /// How offers are ranked ([`Ranking`]).
    #[serde(default)]
    pub ranking: Ranking,
    /// Budgets offers draw from, by id ([`Budget`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub budgets: BTreeMap<String, Budget>,
    /// Stacking groups by id: `"exclusive"` (one offer of the group per decision) or
    /// `"combinable"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stacking_groups: BTreeMap<String, Stacking>,
}

/// Lifetime-value assumptions of the business (the model's `clv` part gives the customer
/// behaviour): how far ahead purchases are counted, and how CLV is valued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClvSettings {
    /// Horizon of `expectedPurchases`, in days (default 90).
    #[serde(default = "default_purchase_horizon")]
    pub expected_purchases_horizon_days: f64,
    /// CLV horizon in months (default 12; 1 to 120).
    #[serde(default = "default_clv_months")]
    pub months: u32,
    /// Profit margin on revenue, 0 to 1 (default 0.3).
    #[serde(default = "default_margin")]
    pub margin: f64,
    /// Monthly discount rate, ≥ 0 (default 0.01).
    #[serde(default = "default_discount")]
    pub monthly_discount_rate: f64,
}

fn default_purchase_horizon() -> f64 {
    90.0
}
fn default_clv_months() -> u32 {
    12
}
fn default_margin() -> f64 {
    0.3
}
fn default_discount() -> f64 {
    0.01
}

impl Default for ClvSettings {
    fn default() -> Self {
        ClvSettings {
            expected_purchases_horizon_days: default_purchase_horizon(),
            months: default_clv_months(),
            margin: default_margin(),
            monthly_discount_rate: default_discount(),
        }
    }
}

fn default_max() -> usize {
    3
}

/// Nudge settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NudgeSettings {
    /// Nudges per decision at most (default 3); what they announce is set in `loyalty.nudges`.
    #[serde(default = "default_max")]
    pub max: usize,
}

impl Default for NudgeSettings {
    fn default() -> Self {
        NudgeSettings { max: default_max() }
    }
}

pub use crate::experiments::{Experiment, Holdout, Variant};

/// What [`Program::check`] prepared.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The experiments, ready for assignment (in the programme's order).
    pub experiments: Vec<crate::experiments::define::Prepared>,
    /// The programme as each variant with `caps` or `set` sees it (`[experiment][variant]`,
    /// `None` for a variant without).
    pub variant_programs: Vec<Vec<Option<Program>>>,
}

impl Program {
    /// The experiments' keys, comma-separated (for messages that say what there is).
    pub fn experiment_keys(&self) -> String {
        crate::error::listed(self.experiments.iter().map(|x| x.key.as_str()))
    }

    /// Checks the experiments and the holdout, and prepares them for assignment.
    pub fn prepare_experiments(&self) -> Result<Vec<crate::experiments::define::Prepared>, Error> {
        let aggregate_names: Vec<&str> = self.aggregates.keys().map(String::as_str).collect();
        let check = |t: &serde_json::Value, path: &str| {
            let c = crate::offers::conditions::Condition::parse(t).map_err(|e| {
                let at = if e.path().is_empty() {
                    path.to_string()
                } else {
                    join(path, e.path())
                };
                Error::invalid(Doc::Program, at, format!("{} [{}]", e.message(), e.code()))
            })?;
            // Targeting reads the decision's facts, but not `experiments.*`: assignment comes
            // first.
            crate::offers::facts::check(t, &[], &aggregate_names)
                .map_err(|(p, m)| Error::invalid(Doc::Program, join(path, &p), m))?;
            Ok(c)
        };
        crate::experiments::define::prepare(
            &self.experiments,
            self.holdout.as_ref(),
            &self.offers,
            &check,
        )
    }

    /// Parses and validates a programme from JSON text.
    pub fn from_json(text: &str) -> Result<Program, Error> {
        let p = Program::parse(text)?;
        p.validate()?;
        Ok(p)
    }

    /// Reads a programme from JSON text without checking its rules: for a caller that hands it
    /// to [`crate::Engine::new`] or [`Program::check`], which check them once.
    pub fn parse(text: &str) -> Result<Program, Error> {
        crate::json::from_str(Doc::Program, text)
    }

    /// The ids of the programme's tiers, lowest first.
    pub fn tier_ids(&self) -> Vec<&str> {
        self.loyalty
            .tiers
            .as_ref()
            .map(|t| t.levels.iter().map(|l| l.id.as_str()).collect())
            .unwrap_or_default()
    }

    /// Checks every rule (the model's segment names are checked by [`crate::Engine::new`]).
    pub fn validate(&self) -> Result<(), Error> {
        self.check().map(|_| ())
    }

    /// Checks every rule, as [`Program::validate`], and keeps what the checks prepared: the
    /// experiments ready for assignment and the programme as each variant with settings sees
    /// it (so an engine does not prepare them a second time).
    pub fn check(&self) -> Result<Checked, Error> {
        let bad = |path: String, msg: String| Err(Error::invalid(Doc::Program, path, msg));
        if self.format_version != PROGRAM_FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                doc: Doc::Program,
                found: self.format_version,
                supported: PROGRAM_FORMAT_VERSION,
                version: crate::VERSION,
            });
        }
        if self.kind != PROGRAM_KIND {
            return bad(
                "kind".into(),
                format!(
                    "expected {PROGRAM_KIND:?}, got {:?}; is this a model file?",
                    quoted(&self.kind)
                ),
            );
        }
        if self.offers.len() > crate::limits::MAX_OFFERS {
            return Err(Error::limit(
                Doc::Program,
                "offers",
                crate::limits::too_many(self.offers.len(), "offers", crate::limits::MAX_OFFERS),
            ));
        }
        self.loyalty
            .validate("loyalty")
            .map_err(|e| Error::invalid(Doc::Program, e.path(), e.message()))?;
        let tier_ids = self.tier_ids();
        if let Some(g) = &self.saved_groups {
            crate::offers::conditions::SavedGroups::parse(g).map_err(|e| {
                Error::invalid(
                    Doc::Program,
                    join("savedGroups", e.path()),
                    format!("{} [{}]", e.message(), e.code()),
                )
            })?;
        }
        let experiment_keys: Vec<&str> = self.experiments.iter().map(|x| x.key.as_str()).collect();
        for (name, a) in &self.aggregates {
            let apath = join("aggregates", name);
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return bad(
                    apath,
                    format!(
                        "aggregate name {name:?} must be letters, digits, _ or -",
                        name = quoted(name)
                    ),
                );
            }
            a.validate(&apath)?;
        }
        let aggregate_names: Vec<&str> = self.aggregates.keys().map(String::as_str).collect();
        self.ranking.validate()?;
        for (id, b) in &self.budgets {
            b.validate(&join("budgets", id))?;
        }
        for (i, o) in self.offers.iter().enumerate() {
            let path = index("offers", i);
            o.validate_catalogue(&path, &self.budgets, &self.stacking_groups)?;
            if let Some(when) = &o.when {
                let wpath = join(&path, "when");
                crate::offers::conditions::Condition::parse(when).map_err(|e| {
                    let at = if e.path().is_empty() {
                        wpath.clone()
                    } else {
                        join(&wpath, e.path())
                    };
                    Error::invalid(Doc::Program, at, format!("{} [{}]", e.message(), e.code()))
                })?;
                crate::offers::facts::check(when, &experiment_keys, &aggregate_names)
                    .map_err(|(p, m)| Error::invalid(Doc::Program, join(&wpath, &p), m))?;
            }
            if o.id.is_empty() {
                return bad(join(&path, "id"), "the offer id is empty".into());
            }
            if self.offers[..i].iter().any(|p| p.id == o.id) {
                return bad(
                    join(&path, "id"),
                    format!("offer id {:?} is used twice", quoted(&o.id)),
                );
            }
            if !(o.value.is_finite() && o.value >= 0.0) {
                return bad(join(&path, "value"), "must be a finite number ≥ 0".into());
            }
            if o.kind.is_percent() && o.value > 100.0 {
                return bad(
                    join(&path, "value"),
                    format!("a {:?} offer's value is a percentage, at most 100", o.kind),
                );
            }
            if !(o.weight.is_finite() && o.weight >= 0.0) {
                return bad(join(&path, "weight"), "must be a finite number ≥ 0".into());
            }
            for (name, w) in &o.segment_weights {
                if !(w.is_finite() && *w >= 0.0) {
                    return bad(
                        join(&join(&path, "segmentWeights"), name),
                        "must be a finite number ≥ 0".into(),
                    );
                }
            }
            for (role, w) in &o.role_weights {
                let wpath = join(&join(&path, "roleWeights"), role);
                if Role::from_id(role).is_none() {
                    return bad(
                        wpath,
                        format!(
                            "{role:?} is not a role; the roles are {}",
                            Role::vocabulary(),
                            role = quoted(role)
                        ),
                    );
                }
                if !(w.is_finite() && *w >= 0.0) {
                    return bad(wpath, "must be a finite number ≥ 0".into());
                }
            }
            let e = &o.eligibility;
            let epath = join(&path, "eligibility");
            for (j, t) in e.tiers.iter().enumerate() {
                if !tier_ids.contains(&t.as_str()) {
                    return bad(
                        index(&join(&epath, "tiers"), j),
                        format!(
                            "tier {t:?} is not one of the programme's tiers",
                            t = quoted(t)
                        ),
                    );
                }
            }
            for (field, v) in [
                ("minRecencyDays", e.min_recency_days),
                ("maxRecencyDays", e.max_recency_days),
                ("minTotalSpend", e.min_total_spend),
            ] {
                if let Some(v) = v {
                    if !(v.is_finite() && v >= 0.0) {
                        return bad(join(&epath, field), "must be a finite number ≥ 0".into());
                    }
                }
            }
            if e.no_history
                && (!e.segments.is_empty()
                    || !e.roles.is_empty()
                    || e.min_orders.unwrap_or(0) > 0
                    || e.min_recency_days.is_some())
            {
                return bad(join(&epath, "noHistory"), "noHistory offers are for customers without orders: segments, roles, minOrders and minRecencyDays can never hold".into());
            }
        }
        let c = &self.clv;
        if !(c.expected_purchases_horizon_days.is_finite()
            && c.expected_purchases_horizon_days >= 0.0)
        {
            return bad(
                "clv.expectedPurchasesHorizonDays".into(),
                "must be a finite number ≥ 0".into(),
            );
        }
        if !(1..=120).contains(&c.months) {
            return bad(
                "clv.months".into(),
                format!("must be 1 to 120, got {}", c.months),
            );
        }
        if !(0.0..=1.0).contains(&c.margin) {
            return bad(
                "clv.margin".into(),
                format!("a margin is a fraction from 0 to 1, got {}", c.margin),
            );
        }
        if !(c.monthly_discount_rate.is_finite() && c.monthly_discount_rate >= 0.0) {
            return bad(
                "clv.monthlyDiscountRate".into(),
                "must be a finite number ≥ 0".into(),
            );
        }
        Ok(Checked {
            experiments: self.prepare_experiments()?,
            variant_programs: self.variant_programs()?,
        })
    }

    /// The programme as each variant that changes parameters (`caps`, `set`) sees it:
    /// `[experiment][variant]`, `None` for a variant that changes none. Each is validated
    /// whole, one change at a time, so an error names the setting that caused it
    /// ([`crate::experiments::settings`]).
    pub fn variant_programs(&self) -> Result<Vec<Vec<Option<Program>>>, Error> {
        use crate::experiments::settings;
        let mut base: Option<serde_json::Value> = None;
        let ids: Vec<&str> = self.offers.iter().map(|o| o.id.as_str()).collect();
        let mut out = Vec::with_capacity(self.experiments.len());
        for (i, x) in self.experiments.iter().enumerate() {
            let mut row = Vec::with_capacity(x.variants.len());
            for (j, v) in x.variants.iter().enumerate() {
                if !settings::changes_program(v) {
                    row.push(None);
                    continue;
                }
                let vpath = index(&join(&index("experiments", i), "variants"), j);
                let base = base.get_or_insert_with(|| {
                    let mut doc = program_doc(self);
                    settings::strip(&mut doc);
                    doc
                });
                let mut doc = base.clone();
                let mut program = None;
                for change in settings::changes(v, &ids, &vpath)? {
                    settings::apply(&mut doc, &change.target, &change.value);
                    let fail = |e: Error| {
                        let inner = e.detail();
                        Error::invalid(
                            Doc::Program,
                            change.at.clone(),
                            format!("with this setting the programme is invalid at {inner}"),
                        )
                    };
                    // Through the one document deserializer (text), not serde_json's `Value`
                    // deserializer: a second instantiation of the programme's serde code would
                    // add ~400 KB to the wasm.
                    let p: Program =
                        crate::json::from_str(Doc::Program, &doc.to_string()).map_err(fail)?;
                    p.validate().map_err(fail)?;
                    program = Some(p);
                }
                row.push(program);
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// The programme as a JSON value, through the serializer every document uses (text).
pub(crate) fn program_doc(p: &Program) -> serde_json::Value {
    serde_json::to_string(p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}
