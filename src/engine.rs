//! The engine: a model and a programme, deciding for one customer at a time.
//!
//! [`Engine::decide`] computes the customer's [`Features`], assigns a segment, works out the
//! tier, assigns experiment variants, picks offers and computes nudges. It never reads a clock
//! (`now` is an option) and never panics on input: every problem is an [`Error`] with a path.

use crate::customer::{Customer, TimeValue, ValidCustomer};
use crate::error::{quoted, Doc, Error};
use crate::experiments::{self, assign as xassign, define::Prepared};
use crate::features::Features;
use crate::loyalty::{
    self, Cart, CartOffer, LoyaltyError, LoyaltyState, MoneyFormat, Nudge, Quote,
};
use crate::model::{Assignment, Model};
use crate::offers::conditions::{Condition, SavedGroups};
use crate::offers::log::{self, DecisionRecord, LoggedOffer, LoggedSegment};
use crate::offers::policy::{self as policy_mod, Policy};
use crate::offers::rank::{self, Selection, View};
use crate::program::{Checked, Objective, OfferKind, Program};
use crate::role::Role;
use crate::time;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Options of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideOptions {
    /// The instant of the decision: ISO 8601 or epoch milliseconds.
    pub now: TimeValue,
    /// Minutes east of UTC of the shop's time zone: local dates and calendar days use it.
    #[serde(default)]
    pub time_zone_offset_minutes: i32,
    /// The cart on the page, if any: the decision then quotes it (points earned and burnable,
    /// price after burning, tier progress after the order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart: Option<crate::loyalty::Cart>,
    /// Where the decision is made (page, channel, device, country): `context.*` facts of
    /// offer conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<DecideContext>,
    /// What the caller knows of the programme's budgets: budget id → `{spent, total?}`
    /// (a budget not given counts as unspent).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub budgets: BTreeMap<String, BudgetState>,
    /// Other ids of the visitor by name (`deviceId`, ...), for experiments and the holdout that
    /// hash one of them (`hashAttribute`); the customer id is `id`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ids: BTreeMap<String, String>,
    /// The sticky store the page or worker kept from the last decision (the decision's
    /// `assignments`, `offerwise.assignments/1`). One that does not read is reported in the
    /// decision's `assignmentsError` and ignored, never an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignments: Option<serde_json::Value>,
    /// Experiment key → variant key, for QA: that variant whatever the hash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub force_variants: BTreeMap<String, String>,
}

/// The page's context, as offer conditions read it (`context.page`, ...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl DecideOptions {
    /// Options at an instant given as text, in UTC.
    pub fn at(now: &str) -> Self {
        DecideOptions {
            now: TimeValue::Text(now.to_string()),
            time_zone_offset_minutes: 0,
            cart: None,
            context: None,
            budgets: BTreeMap::new(),
            ids: BTreeMap::new(),
            assignments: None,
            force_variants: BTreeMap::new(),
        }
    }

    /// Resolves `now` to epoch milliseconds and checks the offset.
    pub fn resolve(&self) -> Result<(i64, i32), Error> {
        resolve_instant(&self.now, self.time_zone_offset_minutes)
    }
}

/// `now` in epoch milliseconds and the checked time zone offset, of a decision or a
/// preparation.
fn resolve_instant(now: &TimeValue, offset: i32) -> Result<(i64, i32), Error> {
    if !(-18 * 60..=18 * 60).contains(&offset) {
        return Err(Error::invalid(
            Doc::Options,
            "timeZoneOffsetMinutes",
            format!("must be between -1080 and 1080 (±18 hours), got {offset}"),
        ));
    }
    let now = now
        .to_millis(offset)
        .map_err(|e| Error::invalid(Doc::Options, "now", e))?;
    Ok((now, offset))
}

pub use crate::offers::rank::{BudgetState, LeftOut, OfferPick};

pub use crate::experiments::{ExperimentAssignment, HoldoutState, Store as AssignmentStore};

/// Lifetime-value predictions for one customer (purchase model + Gamma-Gamma, the model's
/// `clv` part).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClvState {
    /// The purchase model that made the prediction: `bgnbd`, `mbgnbd` or `pareto-nbd`.
    pub purchase_model: crate::clv::PurchaseModelKind,
    /// Probability the customer is still active.
    pub p_alive: f64,
    /// Probability the customer has churned: `1 − pAlive`. Always 0 for a customer without a
    /// repeat purchase under BG/NBD (drop-out follows purchases there); MBG/NBD and
    /// Pareto/NBD let one-time buyers churn.
    pub churn_risk: f64,
    /// Expected purchases (distinct purchase days) in the next `horizonDays`.
    pub expected_purchases: f64,
    pub horizon_days: f64,
    /// Expected spend per future purchase; `null` when the model has no spend part.
    pub expected_order_value: Option<f64>,
    /// Discounted margin over `months`; `null` when the model has no spend part.
    pub clv: Option<f64>,
    pub months: u32,
}

/// Options of [`Engine::prepare`]: the instant (and time zone) the history is read at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrepareOptions {
    /// The instant: ISO 8601 or epoch milliseconds.
    pub now: TimeValue,
    /// Minutes east of UTC of the shop's time zone.
    #[serde(default)]
    pub time_zone_offset_minutes: i32,
}

impl PrepareOptions {
    /// Resolves `now` to epoch milliseconds and checks the offset, as a decision does.
    pub fn resolve(&self) -> Result<(i64, i32), Error> {
        resolve_instant(&self.now, self.time_zone_offset_minutes)
    }
}

/// A customer's features, segment and lifetime value ([`Engine::profile`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub customer_id: String,
    pub features: Features,
    pub segment: Option<Assignment>,
    pub clv: Option<ClvState>,
}

/// What a customer's history alone gives at one instant.
#[derive(Debug, Clone, PartialEq)]
struct Derived {
    /// Features; `pointsBalance` is set per decision from the account.
    features: Features,
    segment: Option<Assignment>,
    clv: Option<ClvState>,
    /// The value of each aggregate some condition reads, in `Engine::used_aggregates` order.
    aggregates: Vec<Option<f64>>,
}

/// A customer's parts as of a decision's instant ([`Engine::at_instant`],
/// [`Engine::prepared_at`]): borrowed from a prepared customer, or derived at that instant.
struct AtInstant<'p> {
    valid: Cow<'p, ValidCustomer>,
    derived: Cow<'p, Derived>,
    account: Cow<'p, loyalty::Account>,
    facts: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A customer read, checked and derived once, for the decisions of a session's page views
/// ([`Engine::prepare`], [`Engine::decide_prepared`]).
#[derive(Debug, Clone)]
pub struct PreparedCustomer {
    customer: Customer,
    valid: ValidCustomer,
    /// The loyalty account replayed as of the prepared instant.
    account: loyalty::Account,
    now: i64,
    offset: i32,
    derived: Derived,
    /// The history's part of the facts conditions read, as of `now`.
    facts: Option<serde_json::Map<String, serde_json::Value>>,
}

impl PreparedCustomer {
    /// The customer document.
    pub fn customer(&self) -> &Customer {
        &self.customer
    }

    /// The instant it was prepared at, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now
    }

    /// The time zone it was prepared in, minutes east of UTC.
    pub fn time_zone_offset_minutes(&self) -> i32 {
        self.offset
    }
}

/// What the engine decided for one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub customer_id: String,
    pub model_version: String,
    pub program: String,
    pub now: String,
    pub features: Features,
    pub segment: Option<Assignment>,
    /// `null` when the model has no lifetime-value part or the customer no orders.
    pub clv: Option<ClvState>,
    /// The loyalty account as of `now`: points ledger, tier, membership, discounts, rewards
    /// due, and the cart quote when a cart was given (see [`crate::loyalty`]).
    pub loyalty: LoyaltyState,
    pub offers: Vec<OfferPick>,
    /// The strongest offers not shown and why (at most the programme's
    /// `ranking.explainLeftOut`), strongest first.
    pub left_out: Vec<LeftOut>,
    pub experiments: Vec<ExperimentAssignment>,
    /// The global holdout, when the programme has one: a held-out customer gets no offers, no
    /// nudges and no experiment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<HoldoutState>,
    /// The sticky store to keep for this visitor and pass to the next decision (when the
    /// programme has experiments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<AssignmentStore>,
    /// Why the sticky store passed in was ignored, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments_error: Option<String>,
    /// Loyalty nudges, ranked, at most the programme's `nudges.max` (or the variant's).
    pub nudges: Vec<Nudge>,
    /// The record to log for this decision (`offerwise.decision/1`, see [`crate::offers::log`]).
    pub log: DecisionRecord,
}

/// A page view's decision for a prepared customer ([`Engine::page_view`]): what depends on
/// the page (its cart, context, budgets, sticky store and instant), without what depends on
/// the history alone (features, segment, lifetime value, the account's details), which stay
/// on the [`PreparedCustomer`]. Each field equals the [`Decision`]'s of the same name for the
/// same customer and options ([`Decision::page_view`]); `quote` is its `loyalty.quote`,
/// `tier` its `loyalty.tier.id` and `points` its `loyalty.ledger`'s balance and available.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    pub customer_id: String,
    pub now: String,
    pub offers: Vec<OfferPick>,
    pub left_out: Vec<LeftOut>,
    pub experiments: Vec<ExperimentAssignment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<HoldoutState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<AssignmentStore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments_error: Option<String>,
    /// The tier's id, `null` without tiers.
    pub tier: Option<String>,
    pub points: PagePoints,
    /// The cart's quote, `null` without a cart.
    pub quote: Option<Quote>,
    pub nudges: Vec<Nudge>,
    pub log: DecisionRecord,
}

/// The points of a [`PageView`]: the ledger's balance and what can be spent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PagePoints {
    pub balance: i64,
    pub available: i64,
}

impl Decision {
    /// The page's part of the decision: what [`Engine::page_view`] returns for the same
    /// customer and options.
    pub fn page_view(&self) -> PageView {
        PageView {
            customer_id: self.customer_id.clone(),
            now: self.now.clone(),
            offers: self.offers.clone(),
            left_out: self.left_out.clone(),
            experiments: self.experiments.clone(),
            holdout: self.holdout,
            assignments: self.assignments.clone(),
            assignments_error: self.assignments_error.clone(),
            tier: self.loyalty.tier.as_ref().map(|t| t.id.clone()),
            points: PagePoints {
                balance: self.loyalty.ledger.balance,
                available: self.loyalty.ledger.available,
            },
            quote: self.loyalty.quote.clone(),
            nudges: self.nudges.clone(),
            log: self.log.clone(),
        }
    }
}

/// Which parts of the facts (see [`crate::offers::facts`]) the programme's conditions read:
/// each section (`features`, `cart`, ...) whole, when a condition reads the section itself,
/// or only the fields read. The facts hold nothing else, so a condition gives the same answer
/// and explanation as on the whole facts, and a decision builds only what it reads.
#[derive(Debug, Clone, Default)]
struct FactsPlan {
    /// Section name: `None` whole, else the fields read.
    sections: BTreeMap<String, Option<Vec<String>>>,
}

impl FactsPlan {
    /// From the dotted paths the conditions (and saved groups) read.
    fn new(paths: impl Iterator<Item = String>) -> FactsPlan {
        let mut sections: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
        for path in paths {
            let mut segs = path.splitn(3, '.');
            let section = segs.next().unwrap_or_default().to_string();
            match segs.next() {
                None => {
                    sections.insert(section, None);
                }
                Some(field) => {
                    if let Some(fields) = sections.entry(section).or_insert(Some(Vec::new())) {
                        if !fields.iter().any(|f| f == field) {
                            fields.push(field.to_string());
                        }
                    }
                }
            }
        }
        FactsPlan { sections }
    }

    fn wants(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    /// Puts `value` in `facts` as `section`, keeping only the fields read.
    fn put(
        &self,
        facts: &mut serde_json::Map<String, serde_json::Value>,
        section: &str,
        mut value: serde_json::Value,
    ) {
        if let (Some(Some(fields)), Some(v)) = (self.sections.get(section), value.as_object_mut()) {
            v.retain(|k, _| fields.iter().any(|f| f == k));
        }
        facts.insert(section.to_string(), value);
    }
}

/// Something in the programme that loads but will not work as written with this model, e.g.
/// a role the model has no segment for (the offer is then unreachable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable machine-readable code; `program.unreachable_offer`: none of the roles in the
    /// offer's `eligibility.roles` is in the model, or the offer needs `pAlive` / `clv` and
    /// the model has no lifetime-value part, so no customer can get the offer. (A role
    /// that is missing beside others that are present, or a `roleWeights` entry for a missing
    /// role, is how a programme written for every model looks, and is not reported.)
    pub code: String,
    /// JSON path in the programme (`offers[2].eligibility.roles[0]`).
    pub path: String,
    /// What it means, in words.
    pub message: String,
}

/// The programme names only segments the model has (`eligibility.segments`,
/// `segmentWeights`).
fn check_segment_names(model: &Model, program: &Program) -> Result<(), Error> {
    for (i, o) in program.offers.iter().enumerate() {
        let names = o.eligibility.segments.iter().enumerate().map(|(j, s)| {
            (
                format!("offers[{i}].eligibility.segments[{j}]"),
                s,
                "eligibility.roles",
            )
        });
        let weights = o
            .segment_weights
            .keys()
            .map(|s| (format!("offers[{i}].segmentWeights.{s}"), s, "roleWeights"));
        for (path, name, instead) in names.chain(weights) {
            if !model.segments.iter().any(|s| &s.name == name) {
                let known: Vec<&str> = model.segments.iter().map(|s| s.name.as_str()).collect();
                let hint = match Role::ALL
                    .into_iter()
                    .find(|r| r.id() == name || r.display_name() == name)
                {
                    Some(r) => format!(
                        "; to target the {r} role of any model, use {instead}: [\"{}\"]",
                        r.id()
                    ),
                    None => format!(
                        "; to target any model's segments, use {instead} (roles: {})",
                        Role::vocabulary()
                    ),
                };
                return Err(Error::invalid(
                    Doc::Program,
                    path,
                    format!(
                        "segment {name:?} is not in model {} (its segments: {}){hint}",
                        model.name,
                        crate::error::listed(&known),
                        name = quoted(name)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A model and a programme, checked against each other.
#[derive(Debug, Clone)]
pub struct Engine {
    model: Model,
    program: Program,
    /// `name@<12 hex>`: FNV-1a 64 of the programme's canonical JSON (the decision log's
    /// `programVersion`).
    program_version: String,
    /// Each offer's compiled `when` condition, by offer index.
    conditions: Vec<Option<Condition>>,
    saved_groups: SavedGroups,
    /// The aggregates some condition reads, computed once per decision.
    used_aggregates: Vec<(String, crate::offers::aggregates::Aggregate)>,
    /// The parts of the facts some condition reads; `None`: no condition, no facts.
    facts_plan: Option<FactsPlan>,
    warnings: Vec<Warning>,
    /// The learned policy, if one is loaded.
    policy: Option<Policy>,
    /// The loyalty rules checked and in exact units, for the time zone of UTC (a decision in
    /// another prepares them for its own).
    loyalty_rules: Arc<loyalty::Prepared>,
    /// How the programme writes money in messages.
    money: MoneyFormat,
    /// The experiments, prepared for assignment (in the programme's order).
    experiments: Vec<Prepared>,
    /// The programme as each variant with `caps` or `set` sees it (`[experiment][variant]`).
    variant_programs: Vec<Vec<Option<Program>>>,
}

impl Engine {
    /// Builds an engine; checks that the programme only names segments the model has, and
    /// records a [`Warning`] for every offer whose roles the model lacks (unreachable).
    pub fn new(mut model: Model, program: Program) -> Result<Engine, Error> {
        model.validate()?;
        let Checked {
            experiments,
            variant_programs,
        } = program.check()?;
        model.fill_roles();
        let model_roles: Vec<Role> = model.segments.iter().filter_map(|s| s.role).collect();
        let known_roles = || {
            let mut r: Vec<&str> = model_roles.iter().map(|r| r.id()).collect();
            r.sort_unstable();
            r.dedup();
            r.join(", ")
        };
        let mut warnings = Vec::new();
        check_segment_names(&model, &program)?;
        for (i, o) in program.offers.iter().enumerate() {
            let roles = &o.eligibility.roles;
            let rpath = format!("offers[{i}].eligibility.roles");
            if !roles.is_empty() && !roles.iter().any(|r| model_roles.contains(r)) {
                warnings.push(Warning {
                    code: "program.unreachable_offer".into(),
                    path: rpath.clone(),
                    message: format!(
                        "offer {:?} is unreachable: model {} has no segment with role {} (its roles: {})",
                        quoted(&o.id),
                        model.name,
                        roles.iter().map(|r| r.id()).collect::<Vec<_>>().join(" or "),
                        known_roles()
                    ),
                });
            }
        }
        // An offer for a lifetime-value range needs the model's lifetime-value part; without
        // one no customer has a pAlive or a CLV, so the offer is unreachable (a warning, as for
        // a missing role: a programme written for every model still loads).
        if model.clv.is_none() {
            for (i, o) in program.offers.iter().enumerate() {
                if o.eligibility.uses_clv() {
                    warnings.push(Warning {
                        code: "program.unreachable_offer".into(),
                        path: format!("offers[{i}].eligibility"),
                        message: format!(
                            "offer {:?} is unreachable: it needs pAlive or clv, but model {} has no lifetime-value part (train it without --no-clv)",
                            quoted(&o.id), model.name
                        ),
                    });
                }
            }
        }
        let canonical = serde_json::to_vec(&program).unwrap_or_default();
        let program_version = format!(
            "{}@{:012x}",
            program.name,
            crate::offers::log::fnv1a64(&[&canonical]) >> 16
        );
        // Checked by Program::validate above; compiled once here.
        let compile_error = |i: usize, e: crate::offers::conditions::ConditionError| {
            Error::invalid(
                Doc::Program,
                format!("offers[{i}].when"),
                format!("{} [{}]", e.message(), e.code()),
            )
        };
        for (i, row) in variant_programs.iter().enumerate() {
            for (j, p) in row.iter().enumerate() {
                if let Some(p) = p {
                    check_segment_names(&model, p).map_err(|e| {
                        Error::invalid(
                            Doc::Program,
                            format!("experiments[{i}].variants[{j}]"),
                            format!("with this variant's settings, {e}"),
                        )
                    })?;
                }
            }
        }
        let mut conditions = Vec::with_capacity(program.offers.len());
        for (i, o) in program.offers.iter().enumerate() {
            conditions.push(match &o.when {
                Some(w) => Some(Condition::parse(w).map_err(|e| compile_error(i, e))?),
                None => None,
            });
        }
        let saved_groups = match &program.saved_groups {
            Some(g) => SavedGroups::parse(g).map_err(|e| {
                Error::invalid(
                    Doc::Program,
                    "savedGroups",
                    format!("{} [{}]", e.message(), e.code()),
                )
            })?,
            None => SavedGroups::empty(),
        };
        let loyalty_rules = Arc::new(
            loyalty::prepare_rules(&program.loyalty, 0)
                .map_err(|e| e.at_path("loyalty"))
                .map_err(|e| Error::invalid(Doc::Program, e.path(), e.message()))?,
        );
        let money = MoneyFormat {
            code: program.currency.clone(),
            symbol: program.currency_symbol.clone(),
        };
        let read: Vec<Condition> = conditions
            .iter()
            .flatten()
            .chain(experiments.iter().filter_map(|x| x.targeting.as_ref()))
            .cloned()
            .collect();
        let facts_plan = (!read.is_empty()).then(|| {
            FactsPlan::new(
                crate::offers::conditions::ConditionSet::new(read, saved_groups.clone()).paths(),
            )
        });
        // The aggregates some condition reads (an offer's, an experiment's targeting, a saved
        // group's), from the same paths as the facts.
        let used_aggregates = match facts_plan
            .as_ref()
            .and_then(|p| p.sections.get("aggregates"))
        {
            Some(Some(names)) => names
                .iter()
                .filter_map(|name| Some((name.clone(), program.aggregates.get(name)?.clone())))
                .collect(),
            Some(None) => program
                .aggregates
                .iter()
                .map(|(name, a)| (name.clone(), a.clone()))
                .collect(),
            None => Vec::new(),
        };
        Ok(Engine {
            loyalty_rules,
            money,
            model,
            program,
            program_version,
            conditions,
            saved_groups,
            used_aggregates,
            facts_plan,
            warnings,
            policy: None,
            experiments,
            variant_programs,
        })
    }

    /// Loads a learned policy beside the model and the programme: offers' take-up comes from
    /// it and the first slot explores with exact propensities ([`crate::offers::policy`]).
    pub fn with_policy(mut self, policy: Policy) -> Result<Engine, Error> {
        policy.validate()?;
        self.policy = Some(policy);
        Ok(self)
    }

    /// The engine building every section of the facts whole, as before [`FactsPlan`]: for the
    /// test that the plan changes no decision (`tests/offer_conditions.rs`).
    #[doc(hidden)]
    pub fn with_whole_facts(mut self) -> Engine {
        if self.facts_plan.is_some() {
            let sections = [
                "features",
                "segment",
                "tier",
                "clv",
                "points",
                "aggregates",
                "cart",
                "context",
                "experiments",
            ];
            self.facts_plan = Some(FactsPlan {
                sections: sections.iter().map(|s| (s.to_string(), None)).collect(),
            });
        }
        self
    }

    /// Replaces the learned policy (`None`: rank by the programme's priors alone).
    pub fn set_policy(&mut self, policy: Option<Policy>) -> Result<(), Error> {
        if let Some(p) = &policy {
            p.validate()?;
        }
        self.policy = policy;
        Ok(())
    }

    /// The learned policy, if any.
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }

    /// What in the programme will not work as written with this model (roles the model lacks),
    /// in programme order. Empty when everything applies.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Builds an engine from JSON texts.
    pub fn from_json(model: &str, program: &str) -> Result<Engine, Error> {
        Engine::new(Model::from_json(model)?, Program::parse(program)?)
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The programme.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Computes a customer's features.
    pub fn features(
        &self,
        customer: &Customer,
        options: &DecideOptions,
    ) -> Result<Features, Error> {
        let (now, offset) = options.resolve()?;
        let valid = self.check(customer, now, offset)?;
        let mut features = self.features_of(&valid, now, offset);
        features.points_balance = self
            .loyalty(customer, &valid, None, now, offset)?
            .ledger
            .balance as f64;
        Ok(features)
    }

    fn features_of(&self, c: &ValidCustomer, now: i64, offset: i32) -> Features {
        Features::compute(c, now, offset)
    }

    /// Evaluates the customer's loyalty account (and the cart) under the programme's rules.
    fn loyalty(
        &self,
        customer: &Customer,
        valid: &ValidCustomer,
        cart: Option<&Cart>,
        now: i64,
        offset: i32,
    ) -> Result<LoyaltyState, Error> {
        self.account(customer, valid, now, offset)?
            .finish(cart, self.max_nudges(), |_| Vec::new())
            .map_err(loyalty_error)
    }

    /// Checks a customer for a decision: [`Customer::validate`], with the orders in the
    /// programme currency's minor units for the ledger, so that they are read and checked once.
    fn check(&self, customer: &Customer, now: i64, offset: i32) -> Result<ValidCustomer, Error> {
        customer.validate_for(now, offset, Some(self.loyalty_rules.digits))
    }

    /// The customer's loyalty account replayed as of `now`, under the programme's rules
    /// prepared once for UTC (another time zone prepares them per call). The orders are those
    /// checked with the customer ([`ValidCustomer::ledger`]); a history checked without them
    /// is checked here.
    fn account(
        &self,
        customer: &Customer,
        valid: &ValidCustomer,
        now: i64,
        offset: i32,
    ) -> Result<loyalty::Account, Error> {
        let prepared = if offset == self.loyalty_rules.offset {
            Arc::clone(&self.loyalty_rules)
        } else {
            Arc::new(loyalty::prepare_rules(&self.program.loyalty, offset).map_err(loyalty_error)?)
        };
        let none = loyalty::AccountInput::default();
        let account = customer.loyalty.as_ref().unwrap_or(&none);
        match &valid.ledger {
            Some(l) if l.digits == prepared.digits => {
                let orders = l.orders.clone().map_err(loyalty_error)?;
                loyalty::Account::at_checked(&prepared, account, orders, now, &self.money)
            }
            _ => loyalty::Account::at(&prepared, account, &customer.orders, now, &self.money),
        }
        .map_err(loyalty_error)
    }

    /// Quotes a cart for a customer: the points it earns, the most points it can burn, the
    /// price after burning and the tier after the order.
    pub fn quote(
        &self,
        customer: &Customer,
        cart: &Cart,
        options: &DecideOptions,
    ) -> Result<Quote, Error> {
        let (now, offset) = options.resolve()?;
        let valid = self.check(customer, now, offset)?;
        let state = self.loyalty(customer, &valid, Some(cart), now, offset)?;
        state
            .quote
            .ok_or_else(|| Error::invalid(Doc::Options, "cart", "the cart could not be quoted"))
    }

    /// Decides for one customer.
    pub fn decide(&self, customer: &Customer, options: &DecideOptions) -> Result<Decision, Error> {
        let (now, offset) = options.resolve()?;
        let valid = self.check(customer, now, offset)?;
        self.decide_checked(customer, &valid, options, (now, offset))
    }

    /// The decision for a checked customer: the history's part derived and the account
    /// replayed at `now`, then [`Self::decide_derived`].
    fn decide_checked(
        &self,
        customer: &Customer,
        valid: &ValidCustomer,
        options: &DecideOptions,
        (now, offset): (i64, i32),
    ) -> Result<Decision, Error> {
        let p = self.at_instant(customer, Cow::Borrowed(valid), options, (now, offset))?;
        self.decide_derived(
            &p.valid,
            &p.derived,
            &p.account,
            p.facts,
            options,
            (now, offset),
        )
    }

    /// A checked customer's parts at `now`: the overrides checked, the history's part derived,
    /// the account replayed and the history's facts built.
    fn at_instant<'p>(
        &self,
        customer: &Customer,
        valid: Cow<'p, ValidCustomer>,
        options: &DecideOptions,
        (now, offset): (i64, i32),
    ) -> Result<AtInstant<'p>, Error> {
        self.check_overrides(&options.force_variants)?;
        let derived = self.derive(customer, &valid, now, offset)?;
        let account = self.account(customer, &valid, now, offset)?;
        let facts = self.history_facts(&derived, account.state());
        Ok(AtInstant {
            valid,
            derived: Cow::Owned(derived),
            account: Cow::Owned(account),
            facts,
        })
    }

    /// Prepares a customer for page views: reads and checks the history once and derives what
    /// depends on it alone at `now` (features, segment, lifetime value, the history aggregates
    /// conditions read). [`Self::decide_prepared`] then decides for each page (cart, context,
    /// a later `now`) with the result [`Self::decide`] gives for the same customer and options.
    pub fn prepare(
        &self,
        customer: Customer,
        options: &PrepareOptions,
    ) -> Result<PreparedCustomer, Error> {
        let (now, offset) = options.resolve()?;
        let valid = self.check(&customer, now, offset)?;
        let derived = self.derive(&customer, &valid, now, offset)?;
        let account = self.account(&customer, &valid, now, offset)?;
        let facts = self.history_facts(&derived, account.state());
        Ok(PreparedCustomer {
            customer,
            valid,
            account,
            now,
            offset,
            derived,
            facts,
        })
    }

    /// Decides for a prepared customer: the decision [`Self::decide`] makes for the same
    /// customer and options. At the prepared `now` and time zone nothing of the history is
    /// recomputed; at a later `now` the features, segment, lifetime value and aggregates are
    /// derived again from the checked history (it is not read or checked again); at an earlier
    /// `now` or another time zone the customer is checked again as by [`Self::decide`].
    pub fn decide_prepared(
        &self,
        prepared: &PreparedCustomer,
        options: &DecideOptions,
    ) -> Result<Decision, Error> {
        let (p, at) = self.prepared_at(prepared, options)?;
        self.decide_derived(&p.valid, &p.derived, &p.account, p.facts, options, at)
    }

    /// A page view's decision for a prepared customer: the parts of [`Self::decide_prepared`]'s
    /// decision that depend on the page ([`PageView`]), without copying what depends on the
    /// history alone. What a storefront calls on each page view of a session.
    pub fn page_view(
        &self,
        prepared: &PreparedCustomer,
        options: &DecideOptions,
    ) -> Result<PageView, Error> {
        let (p, at) = self.prepared_at(prepared, options)?;
        let (page, _) =
            self.page_derived(&p.valid, &p.derived, &p.account, p.facts, options, at)?;
        Ok(page)
    }

    /// A prepared customer as of `options`' instant: its own parts at the prepared instant;
    /// at a later one in the same time zone derived again from the checked history (not read
    /// or checked again); otherwise checked again as by [`Self::decide`]. The errors and
    /// their order are [`Self::decide`]'s.
    fn prepared_at<'p>(
        &self,
        prepared: &'p PreparedCustomer,
        options: &DecideOptions,
    ) -> Result<(AtInstant<'p>, (i64, i32)), Error> {
        let (now, offset) = options.resolve()?;
        if (now, offset) == (prepared.now, prepared.offset) {
            self.check_overrides(&options.force_variants)?;
            return Ok((
                AtInstant {
                    valid: Cow::Borrowed(&prepared.valid),
                    derived: Cow::Borrowed(&prepared.derived),
                    account: Cow::Borrowed(&prepared.account),
                    facts: prepared.facts.clone(),
                },
                (now, offset),
            ));
        }
        let customer = &prepared.customer;
        let valid = if offset == prepared.offset && now > prepared.now {
            Cow::Borrowed(&prepared.valid)
        } else {
            Cow::Owned(self.check(customer, now, offset)?)
        };
        Ok((
            self.at_instant(customer, valid, options, (now, offset))?,
            (now, offset),
        ))
    }

    /// What a customer's history alone gives at `options.now`: features, segment and lifetime
    /// value, as in a decision (its `pointsBalance` is 0: the account is not read). The batch
    /// path of data jobs that score customers without deciding offers.
    pub fn profile(&self, customer: &Customer, options: &PrepareOptions) -> Result<Profile, Error> {
        let (now, offset) = options.resolve()?;
        let valid = customer.validate(now, offset)?;
        let d = self.derive(customer, &valid, now, offset)?;
        Ok(Profile {
            customer_id: valid.id,
            features: d.features,
            segment: d.segment,
            clv: d.clv,
        })
    }

    /// What depends on the history alone at `now`.
    fn derive(
        &self,
        customer: &Customer,
        valid: &ValidCustomer,
        now: i64,
        offset: i32,
    ) -> Result<Derived, Error> {
        let features = self.features_of(valid, now, offset);
        let segment = self
            .model
            .assign(&features)
            .map_err(|e| Error::invalid(Doc::Customer, "", e))?;
        let clv = self.predict_clv(valid, now)?;
        let aggregates = self
            .used_aggregates
            .iter()
            .map(|(_, a)| a.value(customer, now, offset))
            .collect();
        Ok(Derived {
            features,
            segment,
            clv,
            aggregates,
        })
    }

    /// The decision, from what the history gave ([`Derived`]) and the page's options: the
    /// page's part ([`Self::page_derived`]) with the history's.
    fn decide_derived(
        &self,
        c: &ValidCustomer,
        derived: &Derived,
        account: &loyalty::Account,
        facts: Option<serde_json::Map<String, serde_json::Value>>,
        options: &DecideOptions,
        at: (i64, i32),
    ) -> Result<Decision, Error> {
        let (page, features) = self.page_derived(c, derived, account, facts, options, at)?;
        let mut loyalty = account.state().clone();
        loyalty.quote = page.quote;
        Ok(Decision {
            customer_id: page.customer_id,
            model_version: self.model.version.clone(),
            program: self.program.name.clone(),
            now: page.now,
            features,
            segment: derived.segment.clone(),
            clv: derived.clv.clone(),
            loyalty,
            offers: page.offers,
            left_out: page.left_out,
            experiments: page.experiments,
            holdout: page.holdout,
            assignments: page.assignments,
            assignments_error: page.assignments_error,
            nudges: page.nudges,
            log: page.log,
        })
    }

    /// What depends on the page, from what the history gave ([`Derived`]) and the page's
    /// options, with the features the offers were ranked on (`pointsBalance` from the account).
    fn page_derived(
        &self,
        c: &ValidCustomer,
        derived: &Derived,
        account: &loyalty::Account,
        history_facts: Option<serde_json::Map<String, serde_json::Value>>,
        options: &DecideOptions,
        (now, offset): (i64, i32),
    ) -> Result<(PageView, Features), Error> {
        let mut features = derived.features.clone();
        let segment = derived.segment.as_ref();
        let clv = derived.clv.as_ref();
        let held_out = self
            .program
            .holdout
            .as_ref()
            .is_some_and(|h| xassign::held_out(h, &c.id, &options.ids));
        let (store, assignments_error) = match &options.assignments {
            None => (None, None),
            Some(v) => match xassign::read_store(v) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(format!("the sticky store was ignored: {e}"))),
            },
        };
        let first_seen = c.orders.iter().map(|o| o.at).min();
        let mut experiments = Vec::new();
        // The offers are picked from the account's state, and the quote honours the offers
        // shown (what the page shows, the checkout charges), in one replay of the account.
        let mut picked = None;
        let mut program = Cow::Borrowed(&self.program);
        let (quote, mut nudges) = account
            .cart_part(options.cart.as_ref(), self.max_nudges(), |state| {
                features.points_balance = state.ledger.balance as f64;
                let tier = state
                    .tier
                    .as_ref()
                    .map(|t| (t.id.as_str(), t.name.as_str()));
                let mut facts = history_facts.map(|h| self.page_facts(h, options, now, offset));
                experiments = if held_out {
                    xassign::held_out_of_all(&self.program.experiments)
                } else {
                    let targeting = |i: usize| match (
                        self.experiments.get(i).and_then(|p| p.targeting.as_ref()),
                        facts.as_ref(),
                    ) {
                        (Some(t), Some(f)) => t.eval(f, &self.saved_groups),
                        _ => true,
                    };
                    let input = xassign::Input {
                        customer_id: &c.id,
                        ids: &options.ids,
                        now,
                        first_seen,
                        store: store.as_ref(),
                        overrides: &options.force_variants,
                        targeting: &targeting,
                    };
                    xassign::assign(&self.program.experiments, &self.experiments, &input)
                };
                // The variants, in the `experiments` section page_facts left empty when some
                // condition reads it.
                let slot = facts.as_mut().and_then(|f| f.get_mut("experiments"));
                if let Some(slot) = slot {
                    *slot = experiments
                        .iter()
                        .map(|x| (x.key.clone(), serde_json::json!(x.variant)))
                        .collect::<serde_json::Map<_, _>>()
                        .into();
                }
                program = self.program_for(&experiments);
                let selected = self.select(
                    &program,
                    c,
                    &features,
                    segment,
                    clv,
                    tier,
                    (&experiments, held_out),
                    facts.as_ref(),
                    options,
                    (now, offset),
                );
                let cart_offers = match options.cart {
                    Some(_) => self.cart_offers(&program, &selected.0),
                    None => Vec::new(),
                };
                picked = Some(selected);
                cart_offers
            })
            .map_err(loyalty_error)?;
        let Some((offers, left_out, objective, context, first_slot)) = picked else {
            return Err(Error::invalid(
                Doc::Options,
                "",
                "the offers were not picked",
            ));
        };
        self.variant_nudges(&program, &experiments, held_out, &mut nudges);
        let mut log = self.record(
            &c.id,
            now,
            segment,
            &experiments,
            &offers,
            objective,
            &context,
        );
        log.first_slot = first_slot;
        log.exposures =
            experiments::exposures(&self.program.experiments, &experiments, &c.id, &options.ids);
        log.holdout = held_out;
        let now_text = time::format_instant(now);
        let assignments = (!self.program.experiments.is_empty()).then(|| {
            xassign::updated_store(
                &self.program.experiments,
                &experiments,
                store.as_ref(),
                (&c.id, &options.ids),
                &now_text,
            )
        });
        let points = PagePoints {
            balance: account.state().ledger.balance,
            available: account.state().ledger.available,
        };
        let page = PageView {
            customer_id: c.id.clone(),
            now: now_text,
            offers,
            left_out,
            experiments,
            holdout: self.program.holdout.as_ref().map(|h| HoldoutState {
                held_out,
                share: h.share,
            }),
            assignments,
            assignments_error,
            tier: account.state().tier.as_ref().map(|t| t.id.clone()),
            points,
            quote,
            nudges,
            log,
        };
        Ok((page, features))
    }

    /// A customer's experiments, holdout and sticky store, as [`Self::decide`] assigns them,
    /// without a decision record: reading an assignment logs no exposure.
    pub fn assign(
        &self,
        customer: &Customer,
        options: &DecideOptions,
    ) -> Result<Assignments, Error> {
        let d = self.decide(customer, options)?;
        Ok(Assignments {
            customer_id: d.customer_id,
            experiments: d.experiments,
            holdout: d.holdout,
            assignments: d.assignments,
            assignments_error: d.assignments_error,
        })
    }

    /// The caller's `forceVariants` name experiments and variants of the programme.
    fn check_overrides(&self, overrides: &BTreeMap<String, String>) -> Result<(), Error> {
        for (key, variant) in overrides {
            let path = crate::json::join("forceVariants", key);
            let Some(x) = self.program.experiments.iter().find(|x| &x.key == key) else {
                return Err(Error::invalid(
                    Doc::Options,
                    path,
                    format!(
                        "no experiment {key:?} in the programme (experiments: {})",
                        self.program.experiment_keys(),
                        key = quoted(key)
                    ),
                ));
            };
            if !x.variants.iter().any(|v| &v.key == variant) {
                let keys: Vec<&str> = x.variants.iter().map(|v| v.key.as_str()).collect();
                return Err(Error::invalid(
                    Doc::Options,
                    path,
                    format!(
                        "experiment {key:?} has no variant {variant:?} (variants: {})",
                        crate::error::listed(&keys),
                        key = quoted(key),
                        variant = quoted(variant)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Nudges computed per decision at most: the programme's or any variant's, whichever is
    /// more (each customer's own maximum is applied after).
    fn max_nudges(&self) -> usize {
        let set = self
            .variant_programs
            .iter()
            .flatten()
            .flatten()
            .map(|p| p.nudges.max);
        self.program
            .experiments
            .iter()
            .flat_map(|x| &x.variants)
            .filter_map(|v| v.nudges.as_ref().and_then(|n| n.max))
            .chain(set)
            .fold(self.program.nudges.max, usize::max)
    }

    /// The programme as this customer's variants see it: the programme itself, or with the
    /// parameters their variants change (`caps`, `set`; see
    /// [`crate::experiments::settings`]). Several such variants apply in the order of
    /// `experiments`, a later one winning on a parameter both set; should that combination
    /// not validate, the later variant's settings alone apply.
    fn program_for(&self, experiments: &[ExperimentAssignment]) -> Cow<'_, Program> {
        use crate::experiments::settings;
        let mut patched = self
            .program
            .experiments
            .iter()
            .zip(experiments)
            .zip(&self.variant_programs)
            .filter_map(|((x, a), row)| {
                let key = a.variant.as_ref()?;
                let j = x.variants.iter().position(|v| &v.key == key)?;
                Some((&x.variants[j], row.get(j)?.as_ref()?))
            });
        let Some((first, alone)) = patched.next() else {
            return Cow::Borrowed(&self.program);
        };
        let rest: Vec<_> = patched.collect();
        let Some((_, last)) = rest.last() else {
            return Cow::Borrowed(alone);
        };
        let mut doc = crate::program::program_doc(&self.program);
        settings::strip(&mut doc);
        let ids: Vec<&str> = self.program.offers.iter().map(|o| o.id.as_str()).collect();
        for v in std::iter::once(first).chain(rest.iter().map(|(v, _)| *v)) {
            for change in settings::changes(v, &ids, "").unwrap_or_default() {
                settings::apply(&mut doc, &change.target, &change.value);
            }
        }
        match crate::json::from_str::<Program>(Doc::Program, &doc.to_string()) {
            Ok(p) if p.validate().is_ok() => Cow::Owned(p),
            _ => Cow::Borrowed(last),
        }
    }

    /// The customer's variants' nudge settings: how many, and their copy; none when held out.
    fn variant_nudges(
        &self,
        program: &Program,
        experiments: &[ExperimentAssignment],
        held_out: bool,
        nudges: &mut Vec<Nudge>,
    ) {
        if held_out {
            nudges.clear();
            return;
        }
        let mut max = program.nudges.max;
        let mut copy: BTreeMap<&str, &str> = BTreeMap::new();
        for v in self.variants_of(experiments) {
            if let Some(n) = &v.nudges {
                if let Some(m) = n.max {
                    max = m;
                }
                copy.extend(n.copy.iter().map(|(k, t)| (k.as_str(), t.as_str())));
            }
        }
        nudges.truncate(max);
        if copy.is_empty() {
            return;
        }
        for n in nudges.iter_mut() {
            let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(&*n) else {
                continue;
            };
            let Some(template) = fields
                .get("kind")
                .and_then(|k| k.as_str())
                .and_then(|k| copy.get(k))
            else {
                continue;
            };
            n.message = fill_template(template, &fields);
        }
    }

    /// The variants a customer has, in the programme's order.
    /// The programme and whether the learned policy ranks, for a decision whose experiments
    /// gave `variants` (experiment key → variant key, as a decision record logs them): what
    /// offline evaluation ([`crate::analysis::ope::evaluate_policy`]) ranks a logged decision's
    /// first slot with.
    pub fn ranking_for(
        &self,
        variants: &std::collections::BTreeMap<String, Option<String>>,
    ) -> (Cow<'_, Program>, bool) {
        let experiments: Vec<ExperimentAssignment> = self
            .program
            .experiments
            .iter()
            .map(|x| ExperimentAssignment {
                key: x.key.clone(),
                variant: variants.get(&x.key).cloned().flatten(),
                source: None,
                reason: None,
                bucket: None,
                phase: None,
            })
            .collect();
        let use_policy = !self
            .variants_of(&experiments)
            .any(|v| v.policy == Some(false));
        (self.program_for(&experiments), use_policy)
    }

    fn variants_of<'a>(
        &'a self,
        experiments: &'a [ExperimentAssignment],
    ) -> impl Iterator<Item = &'a experiments::Variant> + 'a {
        self.program
            .experiments
            .iter()
            .zip(experiments)
            .filter_map(|(x, a)| {
                let key = a.variant.as_ref()?;
                x.variants.iter().find(|v| &v.key == key)
            })
    }

    /// Picks the offers ([`crate::offers::rank`]): the variant's exclusions, holdout and
    /// objective, the context vector, then the ranking.
    #[allow(clippy::too_many_arguments)]
    fn select(
        &self,
        program: &Program,
        c: &ValidCustomer,
        features: &Features,
        segment: Option<&Assignment>,
        clv: Option<&ClvState>,
        tier: Option<(&str, &str)>,
        (experiments, held_out): (&[ExperimentAssignment], bool),
        facts: Option<&serde_json::Value>,
        options: &DecideOptions,
        (now, offset): (i64, i32),
    ) -> (
        Vec<OfferPick>,
        Vec<LeftOut>,
        Objective,
        [f64; policy_mod::D],
        Vec<log::LoggedCandidate>,
    ) {
        let mut excluded: Vec<&str> = Vec::new();
        let mut objective = program.ranking.objective;
        let mut holdout = held_out;
        let mut use_policy = true;
        let mut max_offers = program.max_offers;
        for v in self.variants_of(experiments) {
            holdout |= v.holdout;
            excluded.extend(v.exclude_offers.iter().map(String::as_str));
            if let Some(only) = &v.offers {
                excluded.extend(
                    program
                        .offers
                        .iter()
                        .map(|o| o.id.as_str())
                        .filter(|id| !only.iter().any(|k| k == id)),
                );
            }
            if let Some(o) = v.objective {
                objective = o;
            }
            if v.policy == Some(false) {
                use_policy = false;
            }
            if let Some(m) = v.max_offers {
                max_offers = m;
            }
        }
        let tier_ids = program.tier_ids();
        let cart_subtotal = options.cart.as_ref().map(Cart::subtotal);
        let context = policy_mod::context(&policy_mod::ContextInput {
            role: segment.map(|s| s.role),
            recency_days: features.recency_days,
            frequency: features.frequency,
            monetary: features.monetary,
            churn_risk: clv.map(|c| c.churn_risk),
            tier_rank: tier
                .and_then(|(id, _)| tier_ids.iter().position(|t| *t == id))
                .map_or(0, |k| k + 1),
            tiers: tier_ids.len(),
            cart_subtotal,
        });
        if holdout {
            return (Vec::new(), Vec::new(), objective, context, Vec::new());
        }
        let rules = &program.loyalty;
        let money = |x: f64| self.money(x);
        let selection = Selection {
            program,
            max_offers,
            conditions: &self.conditions,
            groups: &self.saved_groups,
            policy: self.policy.as_ref().filter(|_| use_policy),
            features,
            segment,
            clv,
            tier,
            facts,
            excluded: &excluded,
            objective,
            context: &context,
            customer_id: &c.id,
            view: View {
                frequency: features.frequency,
                monetary: features.monetary,
                expected_order_value: clv.and_then(|c| c.expected_order_value),
                clv: clv.and_then(|c| c.clv),
                churn_risk: clv.map(|c| c.churn_risk),
                segment: segment.map(|s| (s.name.as_str(), s.role)),
                cart: options.cart.as_ref(),
                channel: options.context.as_ref().and_then(|x| x.channel.as_deref()),
                history: &c.offer_history,
                budgets: &options.budgets,
                now,
                offset,
                point_value: rules.point_value.to_f64(),
                points_per_unit: rules.earn.points_per_unit.to_f64(),
                margin: program.clv.margin,
            },
            money: &money,
        };
        let selected = rank::select(&selection);
        (
            selected.shown,
            selected.left_out,
            objective,
            context,
            selected.first_slot,
        )
    }

    /// The history's part of the facts conditions read (see [`crate::offers::facts`]):
    /// `features`, `segment`, `tier`, `clv`, `points` and `aggregates`, only the sections and
    /// fields some condition reads ([`FactsPlan`]); `None` when no condition reads facts.
    /// Built once per decision, and once per prepared customer for all its page views.
    fn history_facts(
        &self,
        derived: &Derived,
        loyalty: &LoyaltyState,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        use serde_json::{json, Value};
        let plan = self.facts_plan.as_ref()?;
        let ledger = &loyalty.ledger;
        let mut facts = serde_json::Map::new();
        match plan.sections.get("features") {
            // The fields read, each as the whole object serializes it (about a tenth of the
            // cost of serializing all of them).
            Some(Some(fields)) => {
                let f = &derived.features;
                let features = fields
                    .iter()
                    .filter_map(|name| {
                        let v = match name.as_str() {
                            "recencyDays" => json!(f.recency_days),
                            "frequency" => json!(f.frequency),
                            "purchaseDays" => json!(f.purchase_days),
                            "monetary" => json!(f.monetary),
                            "totalSpend" => json!(f.total_spend),
                            "tenureDays" => json!(f.tenure_days),
                            "meanDaysBetweenPurchases" => json!(f.mean_days_between_purchases),
                            "spendLast365d" => json!(f.spend_last_365d),
                            "ordersLast365d" => json!(f.orders_last_365d),
                            "categoryShares" => json!(f.category_shares),
                            "pointsBalance" => json!(ledger.balance as f64),
                            _ => return None,
                        };
                        Some((name.clone(), v))
                    })
                    .collect();
                facts.insert("features".into(), Value::Object(features));
            }
            Some(None) => {
                let mut features = serde_json::to_value(&derived.features).unwrap_or(Value::Null);
                if let Some(f) = features.as_object_mut() {
                    f.insert("pointsBalance".into(), json!(ledger.balance as f64));
                }
                facts.insert("features".into(), features);
            }
            None => {}
        }
        if plan.wants("segment") {
            let segment = derived
                .segment
                .as_ref()
                .map(|s| json!({"id": s.id, "name": s.name, "role": s.role.id()}));
            plan.put(&mut facts, "segment", json!(segment));
        }
        if plan.wants("tier") {
            plan.put(
                &mut facts,
                "tier",
                json!(loyalty.tier.as_ref().map(|t| t.id.clone())),
            );
        }
        if plan.wants("clv") {
            let clv = derived.clv.as_ref().map(|c| {
                json!({"pAlive": c.p_alive, "churnRisk": c.churn_risk,
                       "value": c.clv, "expectedPurchases": c.expected_purchases})
            });
            plan.put(&mut facts, "clv", json!(clv));
        }
        if plan.wants("points") {
            let expiring: i64 = ledger.expiring_soon.iter().map(|g| g.points).sum();
            plan.put(
                &mut facts,
                "points",
                json!({"balance": ledger.balance, "available": ledger.available, "expiring": expiring}),
            );
        }
        if plan.wants("aggregates") {
            let aggregates: serde_json::Map<String, Value> = self
                .used_aggregates
                .iter()
                .zip(&derived.aggregates)
                .map(|((name, _), v)| (name.clone(), json!(v)))
                .collect();
            plan.put(&mut facts, "aggregates", Value::Object(aggregates));
        }
        Some(facts)
    }

    /// The facts of one page: the history's part with `cart`, `context` and an empty
    /// `experiments` (filled once the variants are assigned), as far as conditions read them.
    fn page_facts(
        &self,
        mut facts: serde_json::Map<String, serde_json::Value>,
        options: &DecideOptions,
        now: i64,
        offset: i32,
    ) -> serde_json::Value {
        use serde_json::{json, Value};
        let Some(plan) = self.facts_plan.as_ref() else {
            return Value::Object(facts);
        };
        if plan.wants("cart") {
            let cart = options.cart.as_ref().map(|c| {
                let mut categories: Vec<&str> = c
                    .items
                    .iter()
                    .filter_map(|i| i.category.as_deref())
                    .collect();
                categories.sort_unstable();
                categories.dedup();
                let mut skus: Vec<&str> = c.items.iter().filter_map(|i| i.sku.as_deref()).collect();
                skus.sort_unstable();
                skus.dedup();
                let count: f64 = c.items.iter().map(|i| i.qty).sum();
                json!({"subtotal": c.subtotal(), "itemCount": count,
                       "categories": categories, "skus": skus})
            });
            plan.put(&mut facts, "cart", json!(cart));
        }
        if plan.wants("context") {
            let local = now.saturating_add(i64::from(offset) * 60_000);
            let day = local.div_euclid(time::DAY_MS);
            let hour = local.rem_euclid(time::DAY_MS) / 3_600_000;
            // 1970-01-01 was a Thursday (ISO day 4).
            let day_of_week = (day + 3).rem_euclid(7) + 1;
            let ctx = options.context.as_ref();
            let text = |f: fn(&DecideContext) -> &Option<String>| ctx.and_then(|c| f(c).clone());
            plan.put(
                &mut facts,
                "context",
                json!({"page": text(|c| &c.page), "channel": text(|c| &c.channel),
                       "device": text(|c| &c.device), "country": text(|c| &c.country),
                       "localHour": hour, "dayOfWeek": day_of_week}),
            );
        }
        if plan.wants("experiments") {
            facts.insert("experiments".into(), Value::Object(serde_json::Map::new()));
        }
        Value::Object(facts)
    }

    /// The programme's version in decision records: `name@<12 hex digits>`.
    pub fn program_version(&self) -> &str {
        &self.program_version
    }

    /// The decision record to log (see [`crate::offers::log`]). Offers are ranked by the
    /// programme's rules, deterministically: each shown offer's propensity is 1.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        customer_id: &str,
        now: i64,
        segment: Option<&Assignment>,
        experiments: &[ExperimentAssignment],
        offers: &[OfferPick],
        objective: Objective,
        context: &[f64; policy_mod::D],
    ) -> DecisionRecord {
        DecisionRecord {
            schema: log::DECISION_SCHEMA.to_string(),
            decision_id: log::decision_id(
                customer_id,
                now,
                &self.model.version,
                &self.program_version,
            ),
            customer_id: customer_id.to_string(),
            at: time::format_instant(now),
            model_version: self.model.version.clone(),
            program_version: self.program_version.clone(),
            policy_version: self.policy.as_ref().map(|p| p.version.clone()),
            segment: segment.map(|s| LoggedSegment {
                id: s.id,
                role: s.role,
                name: Some(s.name.clone()),
            }),
            variants: experiments
                .iter()
                .map(|x| (x.key.clone(), x.variant.clone()))
                .collect(),
            objective,
            context: context.to_vec(),
            offers: offers
                .iter()
                .enumerate()
                .map(|(i, o)| LoggedOffer {
                    id: o.id.clone(),
                    slot: i + 1,
                    propensity: o.propensity,
                    score: o.score,
                })
                .collect(),
            first_slot: Vec::new(),
            exposures: Vec::new(),
            holdout: false,
        }
    }

    fn predict_clv(&self, c: &ValidCustomer, now: i64) -> Result<Option<ClvState>, Error> {
        let Some(model) = &self.model.clv else {
            return Ok(None);
        };
        let fail = |e: crate::clv::ClvError| {
            Error::invalid(Doc::Customer, "orders", format!("lifetime value: {e}"))
        };
        let at: Vec<i64> = c.orders.iter().map(|o| o.at).collect();
        let amounts: Vec<f64> = c.orders.iter().map(|o| o.amount).collect();
        let Some(summary) =
            crate::clv::summarize(&at, &amounts, now, model.time_unit).map_err(fail)?
        else {
            return Ok(None);
        };
        let settings = &self.program.clv;
        let options = crate::clv::ClvOptions {
            horizon_periods: settings.expected_purchases_horizon_days / model.time_unit.days(),
            clv_months: settings.months,
            margin: settings.margin,
            monthly_discount_rate: settings.monthly_discount_rate,
        };
        let p = model.predict(&summary, &options).map_err(fail)?;
        Ok(Some(ClvState {
            purchase_model: p.purchase_model,
            p_alive: p.p_alive,
            churn_risk: p.churn_risk,
            expected_purchases: p.expected_purchases,
            horizon_days: settings.expected_purchases_horizon_days,
            expected_order_value: p.expected_order_value,
            clv: p.clv,
            months: settings.months,
        }))
    }

    /// The offers shown that change a cart's quote (discount, cashback, bonus points, free
    /// delivery), in the order shown.
    fn cart_offers(&self, program: &Program, offers: &[OfferPick]) -> Vec<CartOffer> {
        let digits = program.loyalty.minor_unit_digits;
        offers
            .iter()
            .filter_map(|o| {
                let id = o.id.clone();
                let percent = || crate::loyalty::money::Decimal::from_f64(o.value).ok();
                let (categories, skus) = program
                    .offers
                    .iter()
                    .find(|x| x.id == o.id)
                    .and_then(|x| x.targets.clone())
                    .map(|t| (t.categories, t.skus))
                    .unwrap_or_default();
                match o.kind {
                    OfferKind::Discount => Some(CartOffer::Discount {
                        id,
                        percent: percent()?,
                        categories,
                        skus,
                    }),
                    OfferKind::AmountOff => Some(CartOffer::AmountOff {
                        id,
                        minor: crate::loyalty::money::money_to_minor(o.value, digits).ok()?,
                    }),
                    OfferKind::PointsMultiplier => Some(CartOffer::Multiplier {
                        id,
                        factor: percent()?,
                    }),
                    OfferKind::Cashback => Some(CartOffer::Cashback {
                        id,
                        percent: percent()?,
                    }),
                    // Validated finite and ≥ 0 when the programme loads; points are whole.
                    OfferKind::BonusPoints => Some(CartOffer::BonusPoints {
                        id,
                        points: o.value.round().min(1e15) as i64,
                    }),
                    OfferKind::FreeDelivery => Some(CartOffer::FreeDelivery {
                        id,
                        min_order: crate::loyalty::money::money_to_minor(o.value, digits).ok()?,
                    }),
                    _ => None,
                }
            })
            .collect()
    }

    /// Formats money in the programme's currency (`$1,200.00`, or `1,200.00 USD` without a
    /// symbol), rounded to the minor unit as the loyalty module rounds money.
    pub fn money(&self, x: f64) -> String {
        let digits = self.program.loyalty.minor_unit_digits;
        match crate::loyalty::money::money_to_minor(x, digits) {
            Ok(minor) => self.money.format(minor, digits),
            Err(_) => format!("{x}"),
        }
    }
}

/// A loyalty error as an engine error, with paths in the customer document's terms: the
/// module's `history` is the customer's `orders`, its `account` the customer's `loyalty`,
/// and the cart is an option of the call.
fn loyalty_error(e: LoyaltyError) -> Error {
    let path = e.path();
    let renamed = |from: &str, to: &str| format!("{to}{}", &path[from.len()..]);
    let (doc, path) = if path.starts_with("history") {
        (Doc::Customer, renamed("history", "orders"))
    } else if path.starts_with("account") {
        (Doc::Customer, renamed("account", "loyalty"))
    } else if path.starts_with("loyalty") {
        (Doc::Program, path.to_string())
    } else {
        (Doc::Options, path.to_string())
    };
    match e {
        LoyaltyError::InvalidRules { .. } => Error::invalid(Doc::Program, path, e.message()),
        LoyaltyError::InvalidInput { .. } => Error::invalid(doc, path, e.message()),
        _ => Error::Loyalty {
            code: e.code(),
            path,
            message: e.message(),
        },
    }
}

/// A customer's experiments, holdout and sticky store ([`Engine::assign`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignments {
    pub customer_id: String,
    pub experiments: Vec<ExperimentAssignment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<HoldoutState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<AssignmentStore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments_error: Option<String>,
}

/// `template` with each `{field}` replaced by that field of the nudge (numbers as JSON writes
/// them, strings as they are); an unknown field stays as written.
fn fill_template(template: &str, fields: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match fields.get(name) {
                    Some(serde_json::Value::String(v)) => out.push_str(v),
                    Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                        out.push_str(&v.to_string())
                    }
                    _ => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The features' facts built field by field equal the fields of the whole serialized
    /// features, for every field (types included: counts are integers, as serde writes them).
    #[test]
    fn features_facts_field_by_field_equal_the_serialized_features() {
        let mut engine = Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .expect("the default engine loads");
        let customer = Customer::from_json(include_str!("../www/example-customer.json"))
            .expect("the example customer reads");
        let prepared = engine
            .prepare(
                customer,
                &PrepareOptions {
                    now: TimeValue::Text("1998-07-01".into()),
                    time_zone_offset_minutes: 0,
                },
            )
            .expect("the example customer prepares");
        let fields: Vec<String> = crate::features::NUMERIC_FEATURES
            .iter()
            .map(|f| f.to_string())
            .chain(["categoryShares".to_string()])
            .collect();
        let (mut by_field, mut whole) = (FactsPlan::default(), FactsPlan::default());
        by_field
            .sections
            .insert("features".into(), Some(fields.clone()));
        whole.sections.insert("features".into(), None);
        let mut facts = |plan: FactsPlan| {
            engine.facts_plan = Some(plan);
            engine
                .history_facts(&prepared.derived, prepared.account.state())
                .and_then(|mut f| f.remove("features"))
                .unwrap_or_default()
        };
        let (a, b) = (facts(by_field), facts(whole));
        assert_eq!(a.as_object().map(|o| o.len()), Some(fields.len()));
        // A field added to Features must be added to history_facts' list too.
        assert_eq!(b.as_object().map(|o| o.len()), Some(fields.len()));
        for name in &fields {
            assert_eq!(a.get(name), b.get(name), "{name}");
            assert!(a.get(name).is_some(), "{name}");
        }
        assert!(a["frequency"].is_u64() && a["monetary"].is_f64());
    }
}
