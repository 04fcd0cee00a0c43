//! Nudges: what the customer should know, with the numbers a page needs and a default English
//! message. Each is computed from the account, the history and the cart, and only when true:
//!
//! | kind | shown when | priority |
//! | --- | --- | --- |
//! | `cartReachesTier` | the cart, paid in money, lifts the measure to a higher level than the current one | 100 |
//! | `pointsExpiring` | unspent, unexpired points expire within `pointsExpiryHorizonDays` | 95 within 7 days, else 70 |
//! | `tierAtRisk` | the level's review is not yet secured and its deadline is within `tierAtRiskDays` | 90 within 14 days, else 75 |
//! | `pointsForCart` | the cart can burn at least one point | 80 |
//! | `nextTier` | a higher level exists (not when the cart already reaches it) | 60 |
//! | `membershipBreakEven` | not a member, and the membership's projected savings at the customer's own spend rate exceed its fee | 40 |
//!
//! Ranked by priority (ties in the order of the table), at most `maxNudges`.
//!
//! The membership projection: spend over the last `membershipLookbackDays`, scaled to the
//! membership period, times the savings rate = the membership's discount above the customer's
//! current best discount + its cashback % + (its earn multiplier − 1) × `pointsPerUnit` ×
//! `pointValue`. The break-even spend is the fee divided by that rate, rounded up.

use super::money::{fmt_points, minor_to_units, Decimal, MICRO};
use super::quote::Quote;
use super::rules::Benefits;
use super::state::{Context, LedgerSummary};
use super::tiers::{LevelRef, TierMeasure};
use crate::time::{self, DAY_MS};
use serde::Serialize;

/// A nudge: what it is about, its rank and its default message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Nudge {
    /// The kind and its numbers.
    #[serde(flatten)]
    pub detail: NudgeDetail,
    /// Rank (higher first).
    pub priority: u32,
    /// Default English message.
    pub message: String,
}

/// The kind of a nudge and its numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum NudgeDetail {
    /// "This order takes you to Gold".
    CartReachesTier {
        tier: String,
        tier_name: String,
        benefits: Benefits,
        /// Whether it still does when burning the most points.
        with_max_burn: bool,
    },
    /// "300 points expire in 5 days".
    PointsExpiring {
        /// Points expiring on the soonest local day.
        points: i64,
        /// The soonest expiry.
        expires_at: String,
        /// Days left, rounded up.
        days_left: i64,
        /// All points expiring within the horizon.
        points_within_horizon: i64,
    },
    /// "Spend 700.00 more by 2024-12-31 to keep Gold".
    TierAtRisk {
        tier: String,
        tier_name: String,
        measure: TierMeasure,
        /// Measure still needed (currency units for spend).
        remaining: f64,
        /// The deadline (exclusive).
        deadline: String,
        /// The level the customer drops to.
        drops_to: LevelRef,
    },
    /// "Use 500 points to save 500.00 on this order".
    PointsForCart {
        points: i64,
        /// Their value (currency units).
        value: f64,
        /// The price after burning them.
        price_after: f64,
    },
    /// "Spend 120.00 more by 2024-12-31 to reach Gold: 1.5× points".
    NextTier {
        tier: String,
        tier_name: String,
        measure: TierMeasure,
        remaining: f64,
        deadline: Option<String>,
        benefits: Benefits,
    },
    /// "At your pace, Plus would save you 450.00 every 30 days for a 299.00 fee".
    MembershipBreakEven {
        name: String,
        /// Fee per period (currency units).
        fee: f64,
        period_days: u32,
        /// The customer's spend projected over one period.
        projected_spend: f64,
        /// The savings on that spend.
        projected_savings: f64,
        /// Spend per period at which the membership pays for itself.
        break_even_spend: f64,
    },
}

impl NudgeDetail {
    fn order(&self) -> u8 {
        match self {
            NudgeDetail::CartReachesTier { .. } => 0,
            NudgeDetail::PointsExpiring { .. } => 1,
            NudgeDetail::TierAtRisk { .. } => 2,
            NudgeDetail::PointsForCart { .. } => 3,
            NudgeDetail::NextTier { .. } => 4,
            NudgeDetail::MembershipBreakEven { .. } => 5,
        }
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", fmt_points(n), if n == 1 { one } else { many })
}

/// "Spend 120.00 more" / "Place 2 more orders" / "Earn 300 more points".
fn amount_phrase(ctx: &Context, measure: TierMeasure, raw: i64) -> String {
    match measure {
        TierMeasure::Spend => format!("Spend {} more", ctx.fmt_money(raw)),
        TierMeasure::Orders => format!(
            "Place {} more order{}",
            fmt_points(raw),
            if raw == 1 { "" } else { "s" }
        ),
        TierMeasure::PointsEarned => format!(
            "Earn {} more point{}",
            fmt_points(raw),
            if raw == 1 { "" } else { "s" }
        ),
    }
}

/// The last local day before an exclusive deadline.
fn last_day(ctx: &Context, deadline: i64) -> String {
    time::format_date(deadline.saturating_sub(1), ctx.p.offset)
}

/// Computes, ranks and truncates the nudges.
pub fn nudges(
    ctx: &Context,
    summary: &LedgerSummary,
    quote: Option<&Quote>,
    max: usize,
) -> Vec<Nudge> {
    let mut out: Vec<Nudge> = Vec::new();
    let now = ctx.now;
    let rules = &ctx.p.rules;
    let mut cart_tier: Option<String> = None;
    // This order takes you to Gold.
    if let Some(reach) = quote
        .and_then(|q| q.tier_after.as_ref())
        .and_then(|t| t.reaches.clone())
    {
        let with_burn = quote
            .and_then(|q| q.tier_after_burn.as_ref())
            .and_then(|t| t.reaches.as_ref())
            .is_some_and(|r| r.id == reach.id);
        let benefits = rules
            .tiers
            .as_ref()
            .and_then(|t| t.levels.iter().find(|l| l.id == reach.id))
            .map(|l| l.benefits.clone())
            .unwrap_or_default();
        let phrase = benefits.phrase();
        let mut message = format!("This order takes you to {}", reach.name);
        if !with_burn {
            message.push_str(" if you pay it without points");
        }
        if !phrase.is_empty() {
            message.push_str(&format!(": {phrase}"));
        }
        cart_tier = Some(reach.id.clone());
        out.push(Nudge {
            detail: NudgeDetail::CartReachesTier {
                tier: reach.id,
                tier_name: reach.name,
                benefits,
                with_max_burn: with_burn,
            },
            priority: 100,
            message,
        });
    }
    // Points expiring.
    if let Some(first) = summary.expiring_soon.first() {
        let day = time::local_day(first.expires_ms, ctx.p.offset);
        let points: i64 = summary
            .expiring_soon
            .iter()
            .filter(|g| time::local_day(g.expires_ms, ctx.p.offset) == day)
            .map(|g| g.points)
            .fold(0i64, |s, p| s.saturating_add(p));
        let within = summary
            .expiring_soon
            .iter()
            .fold(0i64, |s, g| s.saturating_add(g.points));
        let days_left = (first.expires_ms - now + DAY_MS - 1).div_euclid(DAY_MS);
        let when = if days_left <= 1 {
            "within a day".to_string()
        } else {
            format!("in {days_left} days")
        };
        out.push(Nudge {
            detail: NudgeDetail::PointsExpiring {
                points,
                expires_at: first.expires_at.clone(),
                days_left,
                points_within_horizon: within,
            },
            priority: if days_left <= 7 { 95 } else { 70 },
            message: format!("{} expire {when}", plural(points, "point", "points")),
        });
    }
    if let Some(t) = &ctx.tier {
        // Tier at risk.
        if let Some(r) = &t.at_risk {
            let left = r.deadline_ms - now;
            if left <= i64::from(rules.nudges.tier_at_risk_days) * DAY_MS {
                out.push(Nudge {
                    detail: NudgeDetail::TierAtRisk {
                        tier: t.id.clone(),
                        tier_name: t.name.clone(),
                        measure: t.measure,
                        remaining: r.remaining,
                        deadline: r.deadline.clone(),
                        drops_to: r.drops_to.clone(),
                    },
                    priority: if left <= 14 * DAY_MS { 90 } else { 75 },
                    message: format!(
                        "{} by {} to keep {}",
                        amount_phrase(ctx, t.measure, r.remaining_raw),
                        last_day(ctx, r.deadline_ms),
                        t.name
                    ),
                });
            }
        }
    }
    // Points for this cart.
    if let Some(q) = quote.filter(|q| q.burn.max_points > 0) {
        out.push(Nudge {
            detail: NudgeDetail::PointsForCart {
                points: q.burn.max_points,
                value: q.burn.value,
                price_after: q.burn.price_after,
            },
            priority: 80,
            message: format!(
                "Use {} to save {} on this order",
                plural(q.burn.max_points, "point", "points"),
                ctx.fmt_money(q.burn.value_minor)
            ),
        });
    }
    // Next tier.
    if let Some((t, n)) = ctx
        .tier
        .as_ref()
        .and_then(|t| t.next.as_ref().map(|n| (t, n)))
    {
        if cart_tier.as_deref() != Some(n.id.as_str()) {
            let mut message = amount_phrase(ctx, t.measure, n.remaining_raw);
            if let Some(d) = n.deadline_ms {
                message.push_str(&format!(" by {}", last_day(ctx, d)));
            }
            message.push_str(&format!(" to reach {}", n.name));
            let phrase = n.benefits.phrase();
            if !phrase.is_empty() {
                message.push_str(&format!(": {phrase}"));
            }
            out.push(Nudge {
                detail: NudgeDetail::NextTier {
                    tier: n.id.clone(),
                    tier_name: n.name.clone(),
                    measure: t.measure,
                    remaining: n.remaining,
                    deadline: n.deadline.clone(),
                    benefits: n.benefits.clone(),
                },
                priority: 60,
                message,
            });
        }
    }
    if let Some(n) = membership_break_even(ctx) {
        out.push(n);
    }
    out.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.detail.order().cmp(&b.detail.order()))
    });
    out.truncate(max);
    out
}

fn membership_break_even(ctx: &Context) -> Option<Nudge> {
    let rules = &ctx.p.rules;
    let m = rules.membership.as_ref()?;
    if ctx.membership.as_ref().is_some_and(|s| s.active) {
        return None;
    }
    let lookback = i64::from(rules.nudges.membership_lookback_days);
    let from = ctx.now - lookback * DAY_MS;
    let spent: i64 = ctx
        .orders
        .iter()
        .filter(|o| o.at > from && o.at <= ctx.now)
        .try_fold(0i64, |s, o| s.checked_add(o.net()))?;
    let period = i64::from(m.period_days);
    let projected =
        i64::try_from(i128::from(spent) * i128::from(period) / i128::from(lookback)).ok()?;
    let current = ctx
        .discount
        .as_ref()
        .map(|d| d.percent)
        .unwrap_or(Decimal::ZERO);
    let b = &m.benefits;
    let extra_discount = (b.discount_percent.0 - current.0).max(0);
    let extra_mult = (b.earn_multiplier.0 - MICRO).max(0);
    // The savings rate × 10^18.
    let rate = i128::from(extra_discount)
        .checked_add(b.cashback_percent.micros())?
        .checked_mul(10_000_000_000)?
        .checked_add(
            rules
                .earn
                .points_per_unit
                .micros()
                .checked_mul(i128::from(extra_mult))?
                .checked_mul(rules.point_value.micros())?,
        )?;
    if rate <= 0 || projected <= 0 {
        return None;
    }
    let scale: i128 = 1_000_000_000_000_000_000;
    let savings = i64::try_from(i128::from(projected).checked_mul(rate)? / scale).ok()?;
    let fee = ctx.p.programs.membership_fee;
    if savings <= fee {
        return None;
    }
    let fee_scaled = i128::from(fee).checked_mul(scale)?;
    let break_even = i64::try_from((fee_scaled + rate - 1) / rate).ok()?;
    let digits = ctx.p.digits;
    Some(Nudge {
        detail: NudgeDetail::MembershipBreakEven {
            name: m.name.clone(),
            fee: minor_to_units(fee, digits),
            period_days: m.period_days,
            projected_spend: minor_to_units(projected, digits),
            projected_savings: minor_to_units(savings, digits),
            break_even_spend: minor_to_units(break_even, digits),
        },
        priority: 40,
        message: format!(
            "At your pace, {} would save you {} every {} days for a {} fee",
            m.name,
            ctx.fmt_money(savings),
            m.period_days,
            ctx.fmt_money(fee)
        ),
    })
}
