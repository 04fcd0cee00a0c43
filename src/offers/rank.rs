//! Ranking: which offers a customer is shown, by expected incremental value, under the
//! catalogue's rules, budgets, caps and stacking, with the reasons for what is shown and for
//! the strongest offers left out.
//!
//! For each offer the engine works out (see [`super::catalogue`] for the fields):
//!
//! * **P**, the probability the customer takes the offer up: the learned policy's estimate for
//!   this customer's context when it has data for the offer ([`super::policy`]), else the prior
//!   `response` (or `ranking.defaultResponse`) × `weight` × the segment's weight, at most 1;
//! * **EOV**, the expected order value: the cart's subtotal (of the target lines for a targeted
//!   discount), else the customer's expected spend per order (Gamma-Gamma), else their mean
//!   order, else `ranking.orderValue`;
//! * **cost** per take-up: `cost`, or derived from the kind ([`super::catalogue::OfferKind`]);
//! * **gain** per take-up by the objective (`ranking.objective`, or the experiment variant's
//!   `objective`): `margin` EOV × margin rate; `revenue` EOV; `retention` EOV × margin rate +
//!   CLV × churn risk (the lifetime value a response keeps);
//! * the **score**, its expected incremental value: `P × (gain − cost)`.
//!
//! An offer is left out, with a stable `code`, when: a variant excludes it
//! (`excluded_by_variant`), it is not valid now (`not_valid_now`), not on this channel
//! (`channel`), its `eligibility` fails (`eligibility`, with the field's path), its `when`
//! condition fails (`condition_failed`, with the path of the failing test), the cart misses its
//! targets or minimum (`target_not_in_cart`, `min_cart`), a cap is reached (`cap_reached`), its
//! budget is closed, spent or running ahead of an even pace (`budget_closed`,
//! `budget_exhausted`, `budget_paced`), or its score is not positive (`no_value`; an offer with
//! a `priority` above 0 is shown whatever its value).
//!
//! `leftOut` lists the offers the customer is targeted by (its variant, `eligibility` and `when`
//! let it in) first, strongest first, then the others, at most `ranking.explainLeftOut`.
//!
//! The eligible offers are ordered by priority (higher first), then score, then id, and filled
//! into `maxOffers` slots: an offer is skipped when an offer of its `exclusive` stacking group
//! is already shown (`stacking`), when one of its kind is (`same_kind`, with
//! `ranking.onePerKind`), and the rest are `lower_value`. With a learned policy, the first slot
//! explores ([`super::policy`]): it is drawn among the eligible offers of the top priority with
//! the policy's exact probabilities, the others fill in as above, and the probability of every
//! shown offer in its slot is computed exactly by going through each possible first choice.

use super::catalogue::{CapEvent, Objective, Offer, OfferKind, Ranking, Stacking};
use crate::loyalty::Cart;
use crate::time::DAY_MS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An offer shown to the customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferPick {
    pub id: String,
    pub kind: OfferKind,
    pub title: String,
    pub value: f64,
    /// The expected incremental value, `response × (gain − cost)`, in currency units.
    pub score: f64,
    /// P(take-up), from the learned policy or the prior.
    pub response: f64,
    /// Expected cost to the shop per take-up.
    pub cost: f64,
    /// What a take-up brings under the objective (before the cost), per take-up.
    pub gain: f64,
    /// The probability with which this offer is shown in this slot for this customer today
    /// (1 without a learned policy).
    pub propensity: f64,
    /// Why the customer gets it, in words.
    pub reason: String,
}

/// A strong offer that was not shown, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    pub id: String,
    /// What it would have been worth (its score).
    pub score: f64,
    /// Stable code (see the module docs).
    pub code: &'static str,
    /// Where in the programme, when a rule of the offer failed (`offers[3].when.$and[1].cart.subtotal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// In words.
    pub reason: String,
}

/// What the caller knows of a budget's state: what was spent so far (and, to override the
/// programme, the total and period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BudgetState {
    pub spent: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
}

/// What the ranking reads of the customer and the call.
pub struct View<'a> {
    pub frequency: u32,
    pub monetary: f64,
    pub expected_order_value: Option<f64>,
    pub clv: Option<f64>,
    pub churn_risk: Option<f64>,
    /// The segment's name and role (`None` without orders).
    pub segment: Option<(&'a str, crate::role::Role)>,
    pub cart: Option<&'a Cart>,
    pub channel: Option<&'a str>,
    pub history: &'a [(String, i64, CapEvent)],
    pub budgets: &'a BTreeMap<String, BudgetState>,
    pub now: i64,
    pub offset: i32,
    /// Points' value in currency and the base earn rate (points per currency unit).
    pub point_value: f64,
    pub points_per_unit: f64,
    /// The programme's default margin rate (`clv.margin`).
    pub margin: f64,
}

/// An offer's economics for this customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub response: f64,
    pub cost: f64,
    pub gain: f64,
    pub eov: f64,
    pub score: f64,
}

/// The money of the cart's lines an offer targets (all lines without targets).
pub fn cart_base(offer: &Offer, cart: &Cart) -> f64 {
    match (&offer.targets, cart.items.is_empty()) {
        (Some(t), false) => cart
            .items
            .iter()
            .filter(|i| t.matches(i.sku.as_deref(), i.category.as_deref()))
            .map(|i| i.price * i.qty)
            .sum(),
        _ => cart.subtotal(),
    }
}

/// The prior take-up of an offer for a segment.
pub fn prior_response(
    offer: &Offer,
    ranking: &Ranking,
    segment: Option<(&str, crate::role::Role)>,
) -> f64 {
    let w = segment
        .and_then(|(name, role)| {
            offer
                .segment_weights
                .get(name)
                .or_else(|| offer.role_weights.get(role.id()))
        })
        .copied()
        .unwrap_or(1.0);
    (offer.response.unwrap_or(ranking.default_response) * offer.weight * w).clamp(0.0, 1.0)
}

/// Works out an offer's economics for a take-up probability.
pub fn value(
    offer: &Offer,
    ranking: &Ranking,
    objective: Objective,
    v: &View,
    response: f64,
) -> Value {
    let eov = match v.cart {
        Some(c) => cart_base(offer, c),
        None => v
            .expected_order_value
            .filter(|x| x.is_finite() && *x > 0.0)
            .or((v.monetary > 0.0).then_some(v.monetary))
            .unwrap_or(ranking.order_value),
    };
    let points = |p: f64| p * v.point_value * ranking.redemption_rate;
    let pct = offer.value / 100.0;
    let cost = offer.cost.unwrap_or(match offer.kind {
        OfferKind::Discount => pct * eov,
        OfferKind::AmountOff | OfferKind::Gift | OfferKind::Referral => offer.value,
        OfferKind::BonusPoints | OfferKind::Birthday => points(offer.value),
        OfferKind::PointsMultiplier => points((offer.value - 1.0) * eov * v.points_per_unit),
        OfferKind::Cashback => pct * eov * ranking.redemption_rate,
        OfferKind::FreeDelivery => ranking.delivery_cost,
        OfferKind::ValueBased => pct * eov,
        // Validated: these kinds carry a cost.
        OfferKind::Partner | OfferKind::PaidTier | OfferKind::MembershipTrial => 0.0,
    });
    let margin = offer.margin.unwrap_or(v.margin);
    let gain = match objective {
        Objective::Margin => eov * margin,
        Objective::Revenue => eov,
        Objective::Retention => {
            eov * margin + v.clv.unwrap_or(0.0).max(0.0) * v.churn_risk.unwrap_or(0.0)
        }
    };
    let score = response * (gain - cost);
    Value {
        response,
        cost,
        gain,
        eov,
        // `+ 0.0` turns −0 into 0: JSON text has no −0 the browser would keep.
        score: if score.is_finite() { score + 0.0 } else { 0.0 },
    }
}

/// Why an offer is out (before stacking), or `None` when the catalogue rules let it in.
pub struct Out {
    pub code: &'static str,
    pub path: Option<String>,
    pub reason: String,
}

impl Out {
    pub fn new(code: &'static str, path: Option<String>, reason: String) -> Self {
        Out { code, path, reason }
    }
}

/// An [`Out`] whose path and words are only built when `$x` (explaining) is true: the first
/// pass over the catalogue needs the codes alone.
macro_rules! out {
    ($x:expr, $code:expr, $path:expr, $reason:expr $(,)?) => {
        if $x {
            Out::new($code, $path, $reason)
        } else {
            Out::new($code, None, String::new())
        }
    };
}

/// Why an offer is shown, in words; built only when explaining.
#[derive(Debug, Clone, Default)]
pub struct Why {
    on: bool,
    items: Vec<String>,
}

impl Why {
    fn new(on: bool) -> Self {
        Why {
            on,
            items: Vec::new(),
        }
    }
    fn push(&mut self, f: impl FnOnce() -> String) {
        if self.on {
            self.items.push(f());
        }
    }
    fn extend(&mut self, other: Why) {
        self.items.extend(other.items);
    }
}

/// Checks validity, channel, cart, caps and budget of offer `i`.
pub fn catalogue_rules(
    i: usize,
    offer: &Offer,
    budgets: &BTreeMap<String, super::catalogue::Budget>,
    v: &View,
    cost: f64,
    x: bool,
) -> Result<Why, Out> {
    let path = |f: &str| Some(format!("offers[{i}].{f}"));
    let mut why = Why::new(x);
    if let Some(val) = &offer.validity {
        let offset = val.utc_offset_minutes.unwrap_or(v.offset);
        let parse = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| super::catalogue::parse_local(t, offset).ok())
        };
        if parse(&val.from).is_some_and(|f| v.now < f) {
            return Err(out!(
                x,
                "not_valid_now",
                path("validity.from"),
                format!("starts {}", val.from.as_deref().unwrap_or("")),
            ));
        }
        if parse(&val.until).is_some_and(|u| v.now >= u) {
            return Err(out!(
                x,
                "not_valid_now",
                path("validity.until"),
                format!("ended {}", val.until.as_deref().unwrap_or("")),
            ));
        }
        let local = v.now.saturating_add(i64::from(offset) * 60_000);
        let day = local.div_euclid(DAY_MS);
        let dow = ((day + 3).rem_euclid(7) + 1) as u8;
        if !val.days_of_week.is_empty() && !val.days_of_week.contains(&dow) {
            return Err(out!(
                x,
                "not_valid_now",
                path("validity.daysOfWeek"),
                format!("not valid on day {dow} of the week"),
            ));
        }
        if let Some(h) = val.hours {
            let hour = (local.rem_euclid(DAY_MS) / 3_600_000) as u8;
            let inside = if h.from < h.until {
                hour >= h.from && hour < h.until
            } else {
                hour >= h.from || hour < h.until
            };
            if !inside {
                return Err(out!(
                    x,
                    "not_valid_now",
                    path("validity.hours"),
                    format!("valid {}:00–{}:00, it is {hour}:xx", h.from, h.until),
                ));
            }
        }
    }
    if !offer.channels.is_empty() {
        match v.channel {
            Some(c) if offer.channels.iter().any(|x| x == c) => why.push(|| format!("on {c}")),
            Some(c) => {
                return Err(out!(
                    x,
                    "channel",
                    path("channels"),
                    format!("not shown on {c} (only {})", offer.channels.join(", ")),
                ))
            }
            None => {
                return Err(out!(
                    x,
                    "channel",
                    path("channels"),
                    format!(
                        "only on {}; the call gave no context.channel",
                        offer.channels.join(", ")
                    ),
                ))
            }
        }
    }
    if let Some(cart) = v.cart {
        if let Some(t) = &offer.targets {
            let hit = cart
                .items
                .iter()
                .any(|l| t.matches(l.sku.as_deref(), l.category.as_deref()));
            if !hit {
                return Err(out!(
                    x,
                    "target_not_in_cart",
                    path("targets"),
                    "the cart has none of the offer's products".into(),
                ));
            }
            why.push(|| "the cart has its products".into());
        }
        if let Some(m) = offer.min_cart {
            let sub = cart.subtotal();
            if sub < m {
                return Err(out!(
                    x,
                    "min_cart",
                    path("minCart"),
                    format!("the cart is {sub:.2}, below {m:.2}"),
                ));
            }
        }
    }
    for (j, c) in offer.caps.iter().enumerate() {
        let since = v.now - (c.period_days * DAY_MS as f64) as i64;
        let n = v
            .history
            .iter()
            .filter(|(id, at, e)| id == &offer.id && *e == c.event && *at > since && *at <= v.now)
            .count();
        if n >= c.max as usize {
            let what = match c.event {
                CapEvent::Shown => "shown",
                CapEvent::Redeemed => "redeemed",
            };
            return Err(out!(
                x,
                "cap_reached",
                path(&format!("caps[{j}]")),
                format!(
                    "{what} {n} times in {} days (at most {})",
                    c.period_days, c.max
                ),
            ));
        }
    }
    if let Some(id) = &offer.budget {
        if let Some(b) = budgets.get(id) {
            let state = v.budgets.get(id);
            let spent = state.map_or(0.0, |s| s.spent);
            let total = state.and_then(|s| s.total).unwrap_or(b.total);
            let from = super::catalogue::parse_local(&b.from, v.offset).unwrap_or(i64::MIN);
            let until = super::catalogue::parse_local(&b.until, v.offset).unwrap_or(i64::MAX);
            let bpath = Some(format!("budgets.{id}"));
            if v.now < from || v.now >= until {
                return Err(out!(
                    x,
                    "budget_closed",
                    bpath,
                    format!("budget {id} runs {} to {}", b.from, b.until),
                ));
            }
            if spent + cost > total {
                return Err(out!(
                    x,
                    "budget_exhausted",
                    bpath,
                    format!("budget {id}: {spent:.2} of {total:.2} spent"),
                ));
            }
            let elapsed = (v.now - from) as f64 / (until - from) as f64;
            let pace = total * (elapsed + b.pace_tolerance).min(1.0);
            if spent > pace {
                return Err(out!(x,
                    "budget_paced",
                    bpath,
                    format!(
                        "budget {id} is ahead of pace: {spent:.2} spent, an even pace allows {pace:.2} by now ({:.0}% of the period)",
                        elapsed * 100.0
                    ),
                ));
            }
        }
    }
    Ok(why)
}

/// An offer that passed every rule, ready to be placed.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub index: usize,
    pub priority: i32,
    pub value: Value,
}

/// Why an offer did not get a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Stacking,
    SameKind,
    LowerValue,
}

/// The ranking's order of two offers given as `(priority, score, id)`: higher priority, then
/// higher score, then id (deterministic). [`order`] and offline evaluation
/// ([`crate::analysis::ope::evaluate_policy`]) both rank by it.
pub fn cmp_ranked(a: (i32, f64, &str), b: (i32, f64, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0)
        .then(b.1.total_cmp(&a.1))
        .then_with(|| a.2.cmp(b.2))
}

/// Whether an offer that passed every rule may be shown: a positive expected value, or a
/// priority above 0 (shown whatever it is worth).
pub fn worth_showing(score: f64, priority: i32) -> bool {
    score > 0.0 || priority > 0
}

/// Orders candidates: priority, then score, then id ([`cmp_ranked`]).
pub fn order(cands: &mut [Candidate], offers: &[Offer]) {
    cands.sort_by(|a, b| {
        cmp_ranked(
            (a.priority, a.value.score, &offers[a.index].id),
            (b.priority, b.value.score, &offers[b.index].id),
        )
    });
}

/// Fills the slots from ordered candidates, `first` (an index into `cands`) placed first:
/// returns the positions in `cands` shown, in slot order, and each skipped one's reason.
pub fn fill(
    cands: &[Candidate],
    offers: &[Offer],
    groups: &BTreeMap<String, Stacking>,
    max: usize,
    one_per_kind: bool,
    first: Option<usize>,
) -> (Vec<usize>, Vec<(usize, Skip)>) {
    // `max` is the programme's `maxOffers`, which may be any number: never more than shown.
    let mut shown: Vec<usize> = Vec::with_capacity(max.min(cands.len()));
    let mut skipped = Vec::new();
    let seq = first
        .into_iter()
        .chain((0..cands.len()).filter(|&k| Some(k) != first));
    for k in seq {
        let o = &offers[cands[k].index];
        if shown.len() >= max {
            skipped.push((k, Skip::LowerValue));
            continue;
        }
        let clash_group = o.stacking_group.as_ref().is_some_and(|g| {
            groups.get(g) == Some(&Stacking::Exclusive)
                && shown
                    .iter()
                    .any(|&s| offers[cands[s].index].stacking_group.as_ref() == Some(g))
        });
        if clash_group {
            skipped.push((k, Skip::Stacking));
            continue;
        }
        if one_per_kind && shown.iter().any(|&s| offers[cands[s].index].kind == o.kind) {
            skipped.push((k, Skip::SameKind));
            continue;
        }
        shown.push(k);
    }
    (shown, skipped)
}

/// Everything [`select`] reads for one decision.
pub struct Selection<'a> {
    pub program: &'a crate::program::Program,
    /// How many offers at most (the programme's `maxOffers`, or a variant's).
    pub max_offers: usize,
    pub conditions: &'a [Option<super::conditions::Condition>],
    pub groups: &'a super::conditions::SavedGroups,
    pub policy: Option<&'a super::policy::Policy>,
    pub features: &'a crate::features::Features,
    pub segment: Option<&'a crate::model::Assignment>,
    pub clv: Option<&'a crate::engine::ClvState>,
    pub tier: Option<(&'a str, &'a str)>,
    pub facts: Option<&'a serde_json::Value>,
    pub excluded: &'a [&'a str],
    pub objective: Objective,
    pub context: &'a [f64; super::policy::D],
    pub customer_id: &'a str,
    pub view: View<'a>,
    /// Formats money in the programme's currency.
    pub money: &'a dyn Fn(f64) -> String,
}

/// What [`select`] decided.
pub struct Selected {
    pub shown: Vec<OfferPick>,
    /// The first slot's candidates and their probabilities (see
    /// [`super::log::LoggedCandidate`]).
    pub first_slot: Vec<super::log::LoggedCandidate>,
    pub left_out: Vec<LeftOut>,
}

/// Checks the fixed `eligibility` fields of offer `i`; the reasons it holds, in words.
fn eligibility(i: usize, o: &Offer, s: &Selection, x: bool) -> Result<Why, Out> {
    let e = &o.eligibility;
    let f = s.features;
    let money = s.money;
    let mut why = Why::new(x);
    let fail = |field: &str, reason: &dyn Fn() -> String| {
        Err(out!(
            x,
            "eligibility",
            Some(format!("offers[{i}].eligibility.{field}")),
            reason(),
        ))
    };
    if e.no_history {
        if f.frequency > 0 {
            return fail("noHistory", &|| "only for customers without orders".into());
        }
        why.push(|| "no orders yet".into());
    }
    if !e.segments.is_empty() {
        match s.segment {
            Some(g) if e.segments.contains(&g.name) => why.push(|| format!("segment {}", g.name)),
            Some(g) => {
                return fail("segments", &|| {
                    format!("segment {} is not targeted", g.name)
                })
            }
            None => return fail("segments", &|| "no segment without orders".into()),
        }
    }
    if !e.roles.is_empty() {
        match s.segment {
            Some(g) if e.roles.contains(&g.role) => {
                why.push(|| format!("{} segment ({})", g.role, g.name))
            }
            Some(g) => return fail("roles", &|| format!("the {} role is not targeted", g.role)),
            None => return fail("roles", &|| "no segment without orders".into()),
        }
    }
    if !e.tiers.is_empty() {
        match s.tier {
            Some((id, name)) if e.tiers.iter().any(|t| t == id) => {
                why.push(|| format!("{name} tier"))
            }
            Some((_, name)) => {
                return fail("tiers", &|| format!("the {name} tier is not targeted"))
            }
            None => return fail("tiers", &|| "the customer has no tier".into()),
        }
    }
    if e.min_recency_days.is_some() || e.max_recency_days.is_some() {
        let Some(r) = f.recency_days else {
            return fail("minRecencyDays", &|| "no orders yet".into());
        };
        if let Some(m) = e.min_recency_days.filter(|m| r < *m) {
            return fail("minRecencyDays", &|| {
                format!("last order {r:.0} days ago, needs {m}")
            });
        }
        if let Some(m) = e.max_recency_days.filter(|m| r > *m) {
            return fail("maxRecencyDays", &|| {
                format!("last order {r:.0} days ago, at most {m}")
            });
        }
        why.push(|| {
            format!(
                "last order {} days ago",
                crate::loyalty::money::fmt_points(r.floor() as i64)
            )
        });
    }
    if let Some(m) = e.min_orders.filter(|m| f.frequency < *m) {
        return fail("minOrders", &|| {
            format!("{} orders, needs {m}", f.frequency)
        });
    }
    if let Some(m) = e.max_orders.filter(|m| f.frequency > *m) {
        return fail("maxOrders", &|| {
            format!("{} orders, at most {m}", f.frequency)
        });
    }
    if e.min_orders.is_some() || e.max_orders.is_some() {
        why.push(|| {
            format!(
                "{} order{}",
                f.frequency,
                if f.frequency == 1 { "" } else { "s" }
            )
        });
    }
    if let Some(m) = e.min_total_spend {
        if f.total_spend < m {
            return fail("minTotalSpend", &|| {
                format!("spent {}, needs {}", money(f.total_spend), money(m))
            });
        }
        why.push(|| format!("spent {} (at least {})", money(f.total_spend), money(m)));
    }
    if e.min_p_alive.is_some() || e.max_p_alive.is_some() {
        let Some(p) = s.clv.map(|c| c.p_alive) else {
            return fail("minPAlive", &|| "no lifetime-value prediction".into());
        };
        if let Some(m) = e.min_p_alive.filter(|m| p < *m) {
            return fail("minPAlive", &|| format!("pAlive {p:.2} below {m}"));
        }
        if let Some(m) = e.max_p_alive.filter(|m| p > *m) {
            return fail("maxPAlive", &|| format!("pAlive {p:.2} above {m}"));
        }
        why.push(|| format!("{:.0}% likely still active", p * 100.0));
    }
    if e.min_clv.is_some() || e.max_clv.is_some() {
        let Some(v) = s.clv.and_then(|c| c.clv) else {
            return fail("minClv", &|| "no lifetime value".into());
        };
        if let Some(m) = e.min_clv.filter(|m| v < *m) {
            return fail("minClv", &|| {
                format!("lifetime value {} below {}", money(v), money(m))
            });
        }
        if let Some(m) = e.max_clv.filter(|m| v > *m) {
            return fail("maxClv", &|| {
                format!("lifetime value {} above {}", money(v), money(m))
            });
        }
        why.push(|| format!("lifetime value {}", money(v)));
    }
    Ok(why)
}

/// Ranks the catalogue for one decision (see the module docs).
pub fn select(s: &Selection) -> Selected {
    let p = s.program;
    let r = &p.ranking;
    let mut cands: Vec<Candidate> = Vec::new();
    let mut out: Vec<(usize, f64, Out)> = Vec::new();
    let policy = s.policy;
    // One offer's value and whether the catalogue's rules let it in; with `x` (explain) the
    // path and words of a failure and the reasons it holds, else the codes alone (the first pass
    // over the catalogue; only the offers shown and explained are gone through again).
    let eval_offer = |i: usize, x: bool| -> (Value, Result<Why, Out>) {
        let o = &p.offers[i];
        let learned = policy.and_then(|pol| pol.predict(&o.id, s.context));
        let response = learned.unwrap_or_else(|| prior_response(o, r, s.view.segment));
        let v = value(o, r, s.objective, &s.view, response);
        let check = |x: bool| -> Result<Why, Out> {
            let o = &p.offers[i];
            if s.excluded.contains(&o.id.as_str()) {
                return Err(out!(
                    x,
                    "excluded_by_variant",
                    None,
                    "the customer's experiment variant leaves it out".into(),
                ));
            }
            let mut why = eligibility(i, o, s, x)?;
            if let (Some(Some(c)), Some(facts)) = (s.conditions.get(i), s.facts) {
                if !c.eval(facts, s.groups) {
                    if !x {
                        return Err(Out::new("condition_failed", None, String::new()));
                    }
                    // Only a failing condition is explained (explaining allocates).
                    let (path, reason) = match c.explain(facts, s.groups) {
                        Some(f) => (format!("offers[{i}].when.{}", f.path), f.to_string()),
                        None => (
                            format!("offers[{i}].when"),
                            "its condition does not hold".into(),
                        ),
                    };
                    return Err(out!(x, "condition_failed", Some(path), reason));
                }
                why.push(|| "its conditions hold".into());
            }
            why.extend(catalogue_rules(i, o, &p.budgets, &s.view, v.cost, x)?);
            if !worth_showing(v.score, o.priority) {
                return Err(out!(
                    x,
                    "no_value",
                    None,
                    format!(
                        "expected {} value {} is not positive (take-up {:.1}%, gain {} vs cost {})",
                        s.objective.id(),
                        (s.money)(v.score),
                        v.response * 100.0,
                        (s.money)(v.gain),
                        (s.money)(v.cost)
                    ),
                ));
            }
            if learned.is_some() {
                why.push(|| "take-up learned from logged outcomes".into());
            }
            Ok(why)
        };
        (v, check(x))
    };
    for (i, o) in p.offers.iter().enumerate() {
        match eval_offer(i, false) {
            (v, Ok(_)) => cands.push(Candidate {
                index: i,
                priority: o.priority,
                value: v,
            }),
            (v, Err(e)) => out.push((i, v.score, e)),
        }
    }
    order(&mut cands, &p.offers);
    let max = s.max_offers;
    let fill_from = |first: Option<usize>| {
        fill(
            &cands,
            &p.offers,
            &p.stacking_groups,
            max,
            r.one_per_kind,
            first,
        )
    };
    // Exploration: the first slot is drawn among the top priority's offers.
    let mut first_probs = vec![0.0; cands.len()];
    let (shown, skipped, props) = match policy {
        Some(pol) if max > 0 && !cands.is_empty() => {
            let top = cands[0].priority;
            let k = cands.iter().take_while(|c| c.priority == top).count();
            let scores: Vec<f64> = cands[..k].iter().map(|c| c.value.score).collect();
            let probs = super::policy::igw(&scores, &pol.exploration);
            first_probs[..k].copy_from_slice(&probs);
            let day = s
                .view
                .now
                .saturating_add(i64::from(s.view.offset) * 60_000)
                .div_euclid(DAY_MS);
            let u = super::policy::draw(s.customer_id, day, &pol.version);
            let first = super::policy::choose(&probs, u);
            // Exact: P(offer at slot) = Σ over first choices a of p(a) · [offer at slot | a].
            let mut props: BTreeMap<(usize, usize), f64> = BTreeMap::new();
            for (a, &pa) in probs.iter().enumerate() {
                if pa <= 0.0 {
                    continue;
                }
                let (seq, _) = fill_from(Some(a));
                for (slot, &k) in seq.iter().enumerate() {
                    *props.entry((k, slot)).or_insert(0.0) += pa;
                }
            }
            let (shown, skipped) = fill_from(Some(first));
            (shown, skipped, Some(props))
        }
        _ => {
            let (shown, skipped) = fill_from(None);
            if let Some(&k) = shown.first() {
                first_probs[k] = 1.0;
            }
            (shown, skipped, None)
        }
    };
    let first_slot = cands
        .iter()
        .zip(&first_probs)
        .map(|(c, &probability)| {
            let o = &p.offers[c.index];
            super::log::LoggedCandidate {
                id: o.id.clone(),
                probability,
                priority: o.priority,
                prior: prior_response(o, r, s.view.segment),
                response: c.value.response,
                gain: c.value.gain,
                cost: c.value.cost,
            }
        })
        .collect();
    let money = s.money;
    let picks: Vec<OfferPick> = shown
        .iter()
        .enumerate()
        .map(|(slot, &k)| {
            let c = &cands[k];
            let o = &p.offers[c.index];
            let mut why = match eval_offer(c.index, true).1 {
                Ok(w) => w.items,
                Err(_) => Vec::new(),
            };
            if why.is_empty() {
                why.push("open to every customer".into());
            }
            why.push(format!(
                "expected {} value {} ({:.1}% take-up × ({} gain − {} cost))",
                s.objective.id(),
                money(c.value.score),
                c.value.response * 100.0,
                money(c.value.gain),
                money(c.value.cost)
            ));
            OfferPick {
                id: o.id.clone(),
                kind: o.kind,
                title: o.title.clone(),
                value: o.value,
                score: c.value.score,
                response: c.value.response,
                cost: c.value.cost,
                gain: c.value.gain,
                propensity: props
                    .as_ref()
                    .map_or(1.0, |m| m.get(&(k, slot)).copied().unwrap_or(0.0).min(1.0)),
                reason: why.join("; "),
            }
        })
        .collect();
    for (k, why) in skipped {
        let c = &cands[k];
        let code = match why {
            Skip::Stacking => "stacking",
            Skip::SameKind => "same_kind",
            Skip::LowerValue => "lower_value",
        };
        out.push((c.index, c.value.score, Out::new(code, None, String::new())));
    }
    let skip_words = |i: usize, code: &str| -> String {
        let o = &p.offers[i];
        match code {
            "stacking" => format!(
                "another offer of the exclusive group {} is shown",
                o.stacking_group.as_deref().unwrap_or("")
            ),
            "same_kind" => format!("a {} offer of more value is shown", o.kind.id()),
            _ => format!("{max} offers of more value fill the {max} slots"),
        }
    };
    // Offers the customer is targeted by (the variant, eligibility and condition let them in)
    // first: "why was my offer not shown" is asked of those; then the strongest.
    let targeted = |code: &str| {
        !matches!(
            code,
            "excluded_by_variant" | "eligibility" | "condition_failed"
        )
    };
    out.sort_by(|a, b| {
        targeted(b.2.code)
            .cmp(&targeted(a.2.code))
            .then(b.1.total_cmp(&a.1))
            .then_with(|| p.offers[a.0].id.cmp(&p.offers[b.0].id))
    });
    out.truncate(r.explain_left_out);
    let left_out = out
        .into_iter()
        .map(|(i, score, e)| {
            // The words, now that the offer is among those explained.
            let e = match e.code {
                "stacking" | "same_kind" | "lower_value" => {
                    Out::new(e.code, None, skip_words(i, e.code))
                }
                _ => match eval_offer(i, true).1 {
                    Err(full) => full,
                    Ok(_) => e,
                },
            };
            LeftOut {
                id: p.offers[i].id.clone(),
                score,
                code: e.code,
                path: e.path,
                reason: e.reason,
            }
        })
        .collect();
    Selected {
        shown: picks,
        first_slot,
        left_out,
    }
}
