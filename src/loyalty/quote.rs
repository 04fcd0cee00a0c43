//! The cart quote: what this order earns, the most it can burn, the price after burning, and
//! where it takes the tier.
//!
//! 1. `subtotal` = Σ line totals; the standing discount (best of card, accumulative, tier,
//!    membership) is taken off, rounded half up: `payable`.
//! 2. `earn`: the points of the order paid entirely in money (see [`super::earn`]), with the
//!    account's tier, membership and birthday multipliers and the period cap's room; a
//!    `donation.pointsPercent` share of them (floored) goes to the cause instead.
//! 3. `burn`: the most points the cart can burn (see [`super::redeem`]), their value, the price
//!    after burning, and the points earned when burning that much (the part paid with points
//!    earns nothing unless `earn.earnOnPointsPaid`).
//! 4. `tierAfter` / `tierAfterBurn`: the tier measure after this order (spend counts the money
//!    paid, orders count 1, points count the points credited), the level it reaches if higher
//!    than the current one, and whether it secures the current level at its review.

use super::earn::{earn_points, EarnBreakdown};
use super::error::{join, LoyaltyError};
use super::input::{Cart, Line};
use super::money::{add, minor_to_units, sub, to_i64, Decimal, Rounding, MICRO};
use super::programs::{percent_of, DiscountSource};
use super::redeem::{max_burn, NoBurn};
use super::state::Context;
use super::tiers::{LevelRef, TierMeasure};
use crate::time::{self, DAY_MS};
use serde::Serialize;

/// The discount applied to the cart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscountQuote {
    /// Percent.
    pub percent: Decimal,
    /// Amount off (currency units).
    pub amount: f64,
    /// Where it comes from.
    pub source: DiscountSource,
}

/// Points the order earns when paid in money.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EarnQuote {
    /// Points credited to the customer.
    pub points: i64,
    /// The breakdown (before the donation).
    pub breakdown: EarnBreakdown,
    /// Points donated to the cause.
    pub donated_points: i64,
    /// When they become usable.
    pub available_at: String,
    /// When they expire (`None`: never).
    pub expires_at: Option<String>,
}

/// The most points the cart can burn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BurnQuote {
    /// Points.
    pub max_points: i64,
    /// Their value (currency units).
    pub value: f64,
    /// The price left to pay in money after burning them.
    pub price_after: f64,
    /// Points credited when burning them (after the donation).
    pub earn_points: i64,
    /// Why nothing can be burned.
    pub reason: Option<NoBurn>,
    /// Minor units of `value`.
    #[serde(skip)]
    pub value_minor: i64,
}

/// The cart's donation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DonationQuote {
    /// The cause.
    pub cause: String,
    /// Money the shop donates on this order paid in money (currency units).
    pub amount: f64,
    /// Points donated.
    pub points: i64,
}

/// The tier after the order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierAfter {
    /// The level after the order.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The measure after the order.
    pub qualifying_value: f64,
    /// The higher level the order reaches, if any.
    pub reaches: Option<LevelRef>,
    /// Whether the order secures the current level at its review (or requalifies in grace).
    pub keeps: bool,
}

/// The cart quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// Σ line totals.
    pub subtotal: f64,
    /// The discount, if any.
    pub discount: Option<DiscountQuote>,
    /// Subtotal minus the discount.
    pub payable: f64,
    /// Whether delivery is free (tier or membership benefit).
    pub free_delivery: bool,
    /// Points earned when paying in money.
    pub earn: EarnQuote,
    /// The most points the cart can burn.
    pub burn: BurnQuote,
    /// The donation, for a value-based programme.
    pub donation: Option<DonationQuote>,
    /// The tier after the order paid in money.
    pub tier_after: Option<TierAfter>,
    /// The tier after the order burning the most points.
    pub tier_after_burn: Option<TierAfter>,
}

fn donated(points: i64, percent: Option<Decimal>) -> Result<i64, LoyaltyError> {
    match percent {
        Some(p) => to_i64(
            i128::from(points)
                .checked_mul(p.micros())
                .and_then(|x| Rounding::Floor.div(x, 100 * i128::from(MICRO))),
            "the donated points",
        ),
        None => Ok(0),
    }
}

/// Quotes a cart for the account in `ctx`.
pub fn quote(ctx: &Context, cart: &Cart) -> Result<Quote, LoyaltyError> {
    let p = ctx.p;
    let rules = p.rules;
    let digits = p.digits;
    let lines: Vec<Line> = cart.lines(digits, "cart")?;
    let subtotal = lines
        .iter()
        .try_fold(0i64, |s, l| add(s, l.minor, "the cart subtotal"))
        .map_err(|e| e.at_path(&join("cart", "items")))?;
    let (discount, off) = match &ctx.discount {
        Some(d) => {
            let off = percent_of(subtotal, d.percent)?;
            (
                Some(DiscountQuote {
                    percent: d.percent,
                    amount: minor_to_units(off, digits),
                    source: d.source,
                }),
                off,
            )
        }
        None => (None, 0),
    };
    let payable = sub(subtotal, off, "the payable amount")?;
    let earn_ctx = ctx.earn_context()?;
    let donation_pct = rules.donation.as_ref().map(|d| d.points_percent);
    let earn_for = |paid: i64| -> Result<(EarnBreakdown, i64), LoyaltyError> {
        let b = earn_points(
            &rules.earn,
            digits,
            rules.point_value,
            p.earn_min_order,
            &p.promotions,
            &lines,
            payable,
            paid,
            &earn_ctx,
        )?;
        let d = donated(b.points, donation_pct)?;
        Ok((b, d))
    };
    let (breakdown, donated_points) = earn_for(payable)?;
    let credited = breakdown.points - donated_points;
    let burn = max_burn(
        &rules.redeem,
        rules.point_value,
        digits,
        &lines,
        payable,
        ctx.usable,
    )?;
    let price_after = sub(payable, burn.value, "the price after burning")?;
    let paid_after = if rules.earn.earn_on_points_paid {
        payable
    } else {
        price_after
    };
    let (burn_breakdown, burn_donated) = earn_for(paid_after)?;
    let burn_credited = burn_breakdown.points - burn_donated;
    let available = ctx
        .now
        .saturating_add(i64::from(rules.earn.pending_days) * DAY_MS);
    let expires = rules.expiry.expires(available);
    let donation = match &rules.donation {
        Some(d) => Some(DonationQuote {
            cause: d.cause.clone(),
            amount: minor_to_units(percent_of(payable, d.percent_of_purchase)?, digits),
            points: donated_points,
        }),
        None => None,
    };
    let free_delivery = ctx.tier.as_ref().is_some_and(|t| t.benefits.free_delivery)
        || ctx.membership_benefits().is_some_and(|m| m.free_delivery);
    let (tier_after, tier_after_burn) = match (ctx.tier_engine()?, &ctx.tier, &p.tiers) {
        (Some(engine), Some(state), Some(tiers)) => {
            let after = |paid: i64, points: i64| -> Result<TierAfter, LoyaltyError> {
                let v = match tiers.rules.measure {
                    TierMeasure::Spend => paid,
                    TierMeasure::Orders => 1,
                    TierMeasure::PointsEarned => points,
                };
                let value = add(engine.current(ctx.now), v, "the qualifying measure")?;
                let reached = engine.level_for(value);
                let level = reached.max(state.level);
                let lvl = tiers.rules.levels.get(level);
                Ok(TierAfter {
                    id: lvl.map(|l| l.id.clone()).unwrap_or_default(),
                    name: lvl.map(|l| l.name.clone()).unwrap_or_default(),
                    qualifying_value: match tiers.rules.measure {
                        TierMeasure::Spend => minor_to_units(value, digits),
                        _ => value as f64,
                    },
                    reaches: (reached > state.level).then(|| LevelRef {
                        id: lvl.map(|l| l.id.clone()).unwrap_or_default(),
                        name: lvl.map(|l| l.name.clone()).unwrap_or_default(),
                    }),
                    keeps: state.at_risk.as_ref().is_some_and(|r| v >= r.remaining_raw),
                })
            };
            (
                Some(after(payable, credited)?),
                Some(after(price_after, burn_credited)?),
            )
        }
        _ => (None, None),
    };
    Ok(Quote {
        subtotal: minor_to_units(subtotal, digits),
        discount,
        payable: minor_to_units(payable, digits),
        free_delivery,
        earn: EarnQuote {
            points: credited,
            breakdown,
            donated_points,
            available_at: time::format_instant(available),
            expires_at: expires.map(time::format_instant),
        },
        burn: BurnQuote {
            max_points: burn.points,
            value: minor_to_units(burn.value, digits),
            price_after: minor_to_units(price_after, digits),
            earn_points: burn_credited,
            reason: burn.reason,
            value_minor: burn.value,
        },
        donation,
        tier_after,
        tier_after_burn,
    })
}
