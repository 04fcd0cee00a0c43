//! The catalogue: the offers a programme can show (`offers[]`), each with its value, what it
//! costs the shop, when and where it is valid, whom it targets, how often a customer may get
//! it, the budget it spends and how it stacks with others.
//!
//! | field | meaning (default) |
//! | --- | --- |
//! | `id`, `title` | a unique id and the text the page shows |
//! | `kind` | see [`OfferKind`]: what `value` means and how the cost is derived |
//! | `value` | the offer's value in the kind's unit |
//! | `response` | prior probability that a customer shown the offer takes it up, 0 to 1 (the programme's `ranking.defaultResponse`); scaled by `weight` × `segmentWeights`/`roleWeights`, replaced by the learned policy's estimate once it has data |
//! | `cost` | expected cost to the shop per take-up, currency units (derived from the kind, see [`OfferKind`]) |
//! | `margin` | margin rate of the goods the offer sells, 0 to 1 (the programme's `clv.margin`) |
//! | `eligibility` | fixed targeting fields (segments, roles, tiers, recency, orders, spend, pAlive, CLV) |
//! | `when` | a condition over the facts ([`super::facts`], GrowthBook syntax) |
//! | `validity` | `from`, `until` (dates or instants), `daysOfWeek` (1 = Monday … 7), `hours` (`from`–`until`, 0–24, local), `utcOffsetMinutes` (the decision's time zone) |
//! | `channels` | the `context.channel` values it is shown on (all) |
//! | `targets` | `categories`, `skus`: with a cart, a line must match, and a discount applies to those lines only |
//! | `minCart` | the cart subtotal it needs, when there is a cart (none) |
//! | `caps[]` | `{max, periodDays, event}`: at most `max` `shown` (or `redeemed`) events of this offer in the last `periodDays` days, from the customer's `offerHistory` |
//! | `budget` | the id of a programme budget (`budgets`) its cost is paid from; paced evenly over the budget's period |
//! | `stackingGroup` | a group of `stackingGroups`: at most one offer of an `exclusive` group per decision |
//! | `priority` | a higher priority is ranked first whatever its value (0) |

use crate::error::{quoted, Doc, Error};
use crate::json::{index, join};
use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of offer: what `value` means and the cost per take-up when `cost` is not given
/// (EOV is the expected order value: the cart's subtotal, else the customer's expected spend
/// per order, else their mean order, else `ranking.orderValue`; point costs are
/// `points × loyalty.pointValue × ranking.redemptionRate`).
///
/// | kind | `value` | derived cost |
/// | --- | --- | --- |
/// | `discount` | percent off (of the target lines) | value% × EOV |
/// | `amountOff` | money off | value |
/// | `bonusPoints` | points | point cost of value |
/// | `pointsMultiplier` | factor on the order's base points (≥ 1) | point cost of (value − 1) × EOV × `loyalty.earn.pointsPerUnit` |
/// | `cashback` | percent back as points | value% × EOV × redemption rate |
/// | `freeDelivery` | minimum order (0: none) | `ranking.deliveryCost` |
/// | `gift` | the gift's cost | value |
/// | `birthday` | points | point cost of value |
/// | `partner` | points at the partner | `cost` required |
/// | `referral` | reward per referred friend | value |
/// | `paidTier` | the membership fee | `cost` required |
/// | `membershipTrial` | trial days of the paid membership | `cost` required |
/// | `valueBased` (also `donation`) | percent donated | value% × EOV |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OfferKind {
    Discount,
    AmountOff,
    BonusPoints,
    PointsMultiplier,
    Cashback,
    FreeDelivery,
    Gift,
    Birthday,
    Partner,
    Referral,
    PaidTier,
    MembershipTrial,
    #[serde(alias = "donation")]
    ValueBased,
}

impl OfferKind {
    /// The kind as written in documents.
    pub fn id(self) -> &'static str {
        match self {
            OfferKind::Discount => "discount",
            OfferKind::AmountOff => "amountOff",
            OfferKind::BonusPoints => "bonusPoints",
            OfferKind::PointsMultiplier => "pointsMultiplier",
            OfferKind::Cashback => "cashback",
            OfferKind::FreeDelivery => "freeDelivery",
            OfferKind::Gift => "gift",
            OfferKind::Birthday => "birthday",
            OfferKind::Partner => "partner",
            OfferKind::Referral => "referral",
            OfferKind::PaidTier => "paidTier",
            OfferKind::MembershipTrial => "membershipTrial",
            OfferKind::ValueBased => "valueBased",
        }
    }

    /// Whether `value` is a percentage (at most 100).
    pub fn is_percent(self) -> bool {
        matches!(
            self,
            OfferKind::Discount | OfferKind::Cashback | OfferKind::ValueBased
        )
    }

    /// Whether the cost cannot be derived from the value and must be given.
    pub fn needs_cost(self) -> bool {
        matches!(
            self,
            OfferKind::Partner | OfferKind::PaidTier | OfferKind::MembershipTrial
        )
    }
}

/// An offer of the catalogue (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Offer {
    pub id: String,
    pub kind: OfferKind,
    pub title: String,
    pub value: f64,
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Multiplies the prior response (default 1).
    #[serde(default = "one")]
    pub weight: f64,
    /// Prior-response multipliers by segment name (of one model).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub segment_weights: BTreeMap<String, f64>,
    /// A targeting condition in GrowthBook's syntax over the documented facts
    /// ([`crate::offers::facts`]); the offer is eligible only when it holds (with
    /// `eligibility`). Checked against the facts when the programme loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<serde_json::Value>,
    /// Prior-response multipliers by segment role (ids of [`Role`]), for any model.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub role_weights: BTreeMap<String, f64>,
    /// Prior probability of take-up, 0 to 1 (default: `ranking.defaultResponse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<f64>,
    /// Expected cost per take-up, currency units (default: derived from the kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Margin rate of what the offer sells, 0 to 1 (default: `clv.margin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    /// `context.channel` values the offer is shown on (empty: every channel).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
    /// The cart subtotal the offer needs when there is a cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cart: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<Cap>,
    /// The programme budget (`budgets.<id>`) that pays for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// The programme stacking group (`stackingGroups.<id>`) it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacking_group: Option<String>,
    /// Ranked before offers of a lower priority (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i32,
}

fn is_zero(x: &i32) -> bool {
    *x == 0
}

fn one() -> f64 {
    1.0
}

/// Who may get an offer. Every condition given must hold; none given means everyone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Eligibility {
    /// Segment names of the model; customers without a segment (no orders) never match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    /// Segment roles (any model); customers without a segment (no orders) never match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Tier ids of the programme.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_recency_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_recency_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_orders: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orders: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_total_spend: Option<f64>,
    /// `true`: only customers without orders.
    #[serde(default)]
    pub no_history: bool,
    /// Probability the customer is still active, at least / at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_p_alive: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_p_alive: Option<f64>,
    /// Customer lifetime value over the programme's horizon, at least / at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_clv: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_clv: Option<f64>,
}

impl Eligibility {
    /// Whether a condition needs the model's lifetime-value part.
    pub fn uses_clv(&self) -> bool {
        self.min_p_alive.is_some()
            || self.max_p_alive.is_some()
            || self.min_clv.is_some()
            || self.max_clv.is_some()
    }
}

/// When an offer is valid, in local time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Validity {
    /// First instant (ISO 8601; a date is its local midnight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// First instant no longer valid (a date: its local midnight, so `until: "2026-12-25"`
    /// ends on the 24th).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// ISO days of week, 1 = Monday … 7 = Sunday (empty: every day).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days_of_week: Vec<u8>,
    /// Local hours `[from, until)`, 0 to 24; `from > until` wraps midnight (22–6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
    /// The time zone of the dates, days and hours, minutes east of UTC (default: the
    /// decision's `timeZoneOffsetMinutes`). Fixed offsets only: IANA zones with daylight
    /// saving are not read (no time-zone database in the wasm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
}

/// Local hours of validity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Hours {
    pub from: u8,
    pub until: u8,
}

/// What an offer targets: with a cart, one line must match; a discount applies to the matching
/// lines only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<String>,
}

impl Targets {
    /// Whether a line with this SKU and category is targeted.
    pub fn matches(&self, sku: Option<&str>, category: Option<&str>) -> bool {
        sku.is_some_and(|s| self.skus.iter().any(|t| t == s))
            || category.is_some_and(|c| self.categories.iter().any(|t| t == c))
    }
}

/// Which history events a cap counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CapEvent {
    Shown,
    Redeemed,
}

/// A per-customer cap: at most `max` events in the last `periodDays` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cap {
    pub max: u32,
    pub period_days: f64,
    /// `shown` (default) or `redeemed`.
    #[serde(default = "shown")]
    pub event: CapEvent,
}

fn shown() -> CapEvent {
    CapEvent::Shown
}

/// A budget offers draw from, paced evenly over its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Budget {
    /// The money available over the period.
    pub total: f64,
    /// The period (ISO 8601; dates are local midnight): spend may run at most
    /// `total × elapsed share + paceTolerance × total`.
    pub from: String,
    pub until: String,
    /// Share of the total the spend may run ahead of the even pace, 0 to 1 (default 0.05).
    #[serde(default = "pace_tolerance")]
    pub pace_tolerance: f64,
}

fn pace_tolerance() -> f64 {
    0.05
}

/// How offers of a stacking group combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stacking {
    /// At most one offer of the group in a decision.
    Exclusive,
    /// Any number.
    Combinable,
}

/// The ranking objective: what an offer's expected incremental value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Objective {
    /// P × (EOV × margin − cost).
    #[default]
    Margin,
    /// P × (EOV − cost).
    Revenue,
    /// P × (EOV × margin + CLV × churn risk − cost): the lifetime value a response keeps.
    Retention,
}

impl Objective {
    pub fn id(self) -> &'static str {
        match self {
            Objective::Margin => "margin",
            Objective::Revenue => "revenue",
            Objective::Retention => "retention",
        }
    }
}

/// How offers are ranked (the programme's `ranking`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ranking {
    #[serde(default)]
    pub objective: Objective,
    /// Prior take-up of an offer without `response` (default 0.05).
    #[serde(default = "default_response")]
    pub default_response: f64,
    /// Expected order value of a customer without a cart, CLV or orders (default 50).
    #[serde(default = "default_order_value")]
    pub order_value: f64,
    /// Cost of a delivery, for `freeDelivery` offers without `cost` (default 0).
    #[serde(default)]
    pub delivery_cost: f64,
    /// Share of points that end up redeemed, 0 to 1 (default 1: every point is a cost).
    #[serde(default = "one")]
    pub redemption_rate: f64,
    /// At most one offer of each kind per decision (default true).
    #[serde(default = "yes")]
    pub one_per_kind: bool,
    /// How many of the strongest left-out offers a decision explains (default 5).
    #[serde(default = "five")]
    pub explain_left_out: usize,
}

fn default_response() -> f64 {
    0.05
}
fn default_order_value() -> f64 {
    50.0
}
fn yes() -> bool {
    true
}
fn five() -> usize {
    5
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            objective: Objective::Margin,
            default_response: default_response(),
            order_value: default_order_value(),
            delivery_cost: 0.0,
            redemption_rate: 1.0,
            one_per_kind: true,
            explain_left_out: five(),
        }
    }
}

fn check_nonneg(path: &str, v: f64) -> Result<(), Error> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            Doc::Program,
            path,
            format!("must be a finite number ≥ 0, got {v}"),
        ))
    }
}

fn check_fraction(path: &str, v: f64) -> Result<(), Error> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::invalid(
            Doc::Program,
            path,
            format!("must be a fraction from 0 to 1, got {v}"),
        ))
    }
}

/// Parses a validity or budget instant (a date is local midnight).
pub fn parse_local(text: &str, offset_minutes: i32) -> Result<i64, String> {
    crate::time::parse_instant(text, offset_minutes)
}

impl Ranking {
    /// Checks the settings (`ranking.*`).
    pub fn validate(&self) -> Result<(), Error> {
        check_fraction("ranking.defaultResponse", self.default_response)?;
        check_nonneg("ranking.orderValue", self.order_value)?;
        check_nonneg("ranking.deliveryCost", self.delivery_cost)?;
        check_fraction("ranking.redemptionRate", self.redemption_rate)
    }
}

impl Budget {
    /// Checks the budget at `path`.
    pub fn validate(&self, path: &str) -> Result<(), Error> {
        check_nonneg(&join(path, "total"), self.total)?;
        check_fraction(&join(path, "paceTolerance"), self.pace_tolerance)?;
        let from = parse_local(&self.from, 0)
            .map_err(|e| Error::invalid(Doc::Program, join(path, "from"), e))?;
        let until = parse_local(&self.until, 0)
            .map_err(|e| Error::invalid(Doc::Program, join(path, "until"), e))?;
        if until <= from {
            return Err(Error::invalid(
                Doc::Program,
                join(path, "until"),
                format!(
                    "the period ends ({}) before it starts ({})",
                    self.until, self.from
                ),
            ));
        }
        Ok(())
    }
}

impl Offer {
    /// Checks the catalogue fields of the offer at `path` (`offers[i]`) against the
    /// programme's budgets and stacking groups; conditions and eligibility are checked by
    /// [`crate::program::Program::validate`].
    pub fn validate_catalogue(
        &self,
        path: &str,
        budgets: &BTreeMap<String, Budget>,
        groups: &BTreeMap<String, Stacking>,
    ) -> Result<(), Error> {
        let bad =
            |field: &str, msg: String| Err(Error::invalid(Doc::Program, join(path, field), msg));
        if let Some(r) = self.response {
            check_fraction(&join(path, "response"), r)?;
        }
        if let Some(c) = self.cost {
            check_nonneg(&join(path, "cost"), c)?;
        } else if self.kind.needs_cost() {
            return bad(
                "cost",
                format!(
                    "a {} offer's cost to the shop cannot be derived from its value; give cost (currency per take-up)",
                    self.kind.id()
                ),
            );
        }
        if let Some(m) = self.margin {
            check_fraction(&join(path, "margin"), m)?;
        }
        if self.kind == OfferKind::PointsMultiplier && self.value < 1.0 {
            return bad(
                "value",
                format!("a points multiplier is at least 1, got {}", self.value),
            );
        }
        if let Some(m) = self.min_cart {
            check_nonneg(&join(path, "minCart"), m)?;
        }
        if let Some(v) = &self.validity {
            let vpath = join(path, "validity");
            let offset = v.utc_offset_minutes.unwrap_or(0);
            if !(-18 * 60..=18 * 60).contains(&offset) {
                return bad(
                    "validity.utcOffsetMinutes",
                    format!("must be between -1080 and 1080, got {offset}"),
                );
            }
            let mut bounds = [None, None];
            for (k, (field, t)) in [("from", &v.from), ("until", &v.until)]
                .into_iter()
                .enumerate()
            {
                if let Some(t) = t {
                    bounds[k] = Some(
                        parse_local(t, offset)
                            .map_err(|e| Error::invalid(Doc::Program, join(&vpath, field), e))?,
                    );
                }
            }
            if let [Some(a), Some(b)] = bounds {
                if b <= a {
                    return bad("validity.until", "the offer ends before it starts".into());
                }
            }
            for (j, d) in v.days_of_week.iter().enumerate() {
                if !(1..=7).contains(d) {
                    return Err(Error::invalid(
                        Doc::Program,
                        index(&join(&vpath, "daysOfWeek"), j),
                        format!("a day of week is 1 (Monday) to 7 (Sunday), got {d}"),
                    ));
                }
            }
            if let Some(h) = v.hours {
                if h.from > 24 || h.until > 24 || h.from == h.until {
                    return bad(
                        "validity.hours",
                        format!(
                            "hours are 0 to 24 and from ≠ until, got {}–{}",
                            h.from, h.until
                        ),
                    );
                }
            }
        }
        if let Some(t) = &self.targets {
            if t.categories.is_empty() && t.skus.is_empty() {
                return bad(
                    "targets",
                    "name categories or skus (or leave targets out)".into(),
                );
            }
        }
        for (j, c) in self.caps.iter().enumerate() {
            let cpath = index(&join(path, "caps"), j);
            if c.max == 0 {
                return Err(Error::invalid(
                    Doc::Program,
                    join(&cpath, "max"),
                    "a cap of 0 never shows the offer; remove the offer instead",
                ));
            }
            if !(c.period_days.is_finite() && c.period_days > 0.0) {
                return Err(Error::invalid(
                    Doc::Program,
                    join(&cpath, "periodDays"),
                    format!("must be a number of days > 0, got {}", c.period_days),
                ));
            }
        }
        if let Some(b) = &self.budget {
            if !budgets.contains_key(b) {
                return bad("budget", unknown("budget", b, budgets.keys()));
            }
        }
        if let Some(g) = &self.stacking_group {
            if !groups.contains_key(g) {
                return bad("stackingGroup", unknown("stacking group", g, groups.keys()));
            }
        }
        Ok(())
    }
}

fn unknown<'a>(what: &str, name: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    if known.is_empty() {
        format!(
            "{what} {name:?} is not defined (the programme defines none)",
            name = quoted(name)
        )
    } else {
        format!(
            "{what} {name:?} is not defined; the programme's: {}",
            crate::error::listed(&known),
            name = quoted(name)
        )
    }
}
