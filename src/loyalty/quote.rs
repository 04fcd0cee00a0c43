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
//!
//! **Offers** ([`CartOffer`], from the offers a decision shows) change the quote so that what
//! the page shows and what the checkout charges agree; each is listed in `offers` with whether
//! it applied and what it gave:
//!
//! * a `discount` offer takes its percent off the payable amount after the standing discount
//!   (rounded half up), or off the lines it targets (their share of that amount); an
//!   `amountOff` offer takes its amount off (at most the payable amount); one discount offer
//!   per order, the one taking the most off (ties: the first shown);
//! * a `pointsMultiplier` offer adds the order's points (before bonus points) × (factor − 1),
//!   rounded down;
//! * a `cashback` offer adds its percent to the account's cashback, so its points follow the
//!   cashback rules (excluded categories, rounding, caps) and count in `earn.points`;
//! * a `bonusPoints` offer adds its points to `earn.points` (and `burn.earnPoints`), outside
//!   the period cap and the donation;
//! * a `freeDelivery` offer makes delivery free when the payable amount (after discounts,
//!   before burning points) is at least its minimum order.

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

/// An offer shown with the cart that changes what it costs or earns (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartOffer {
    /// `percent` off the payable amount, or off the lines it targets (`categories`, `skus`;
    /// both empty: every line).
    Discount {
        id: String,
        percent: Decimal,
        categories: Vec<String>,
        skus: Vec<String>,
    },
    /// A fixed amount off (minor units), at most the payable amount.
    AmountOff { id: String, minor: i64 },
    /// The order's points (before bonus points) multiplied by `factor` ≥ 1.
    Multiplier { id: String, factor: Decimal },
    /// `percent` of the spend back as points, on top of the account's cashback.
    Cashback { id: String, percent: Decimal },
    /// Points added to what the order earns.
    BonusPoints { id: String, points: i64 },
    /// Free delivery when the payable amount is at least `min_order` (minor units; 0: always).
    FreeDelivery { id: String, min_order: i64 },
}

/// What an offer did to the quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferEffect {
    /// The offer's id.
    pub id: String,
    /// `discount`, `amountOff`, `cashback`, `bonusPoints`, `pointsMultiplier` or `freeDelivery`.
    pub kind: &'static str,
    /// Whether it applied to this cart.
    pub applied: bool,
    /// Money taken off (discount offers that applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// Points it adds to the order (cashback and bonus offers that applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// Why it did not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    /// The offers shown with the cart and what each did (absent without such offers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferEffect>,
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

/// Quotes a cart for the account in `ctx`, with the offers shown beside it.
/// The points a multiplier adds to `points`: `points × (factor − 1)`, rounded down, ≥ 0.
fn multiplier_extra(points: i64, factor: Decimal) -> Result<i64, LoyaltyError> {
    let extra = to_i64(
        i128::from(points)
            .checked_mul(factor.micros() - i128::from(MICRO))
            .map(|x| x.div_euclid(i128::from(MICRO))),
        "the multiplied points",
    )?;
    Ok(extra.max(0))
}

pub fn quote(ctx: &Context, cart: &Cart, offers: &[CartOffer]) -> Result<Quote, LoyaltyError> {
    let p = &*ctx.p;
    let rules = &p.rules;
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
    let after_standing = sub(subtotal, off, "the payable amount")?;
    let mut effects: Vec<OfferEffect> = Vec::new();
    let effect = |id: &str, kind: &'static str| OfferEffect {
        id: id.to_string(),
        kind,
        applied: false,
        amount: None,
        points: None,
        reason: None,
    };
    // The discount offer that takes the most money off (ties: the first shown).
    let mut offs: Vec<Option<i64>> = Vec::with_capacity(offers.len());
    for o in offers {
        offs.push(match o {
            CartOffer::Discount {
                percent,
                categories,
                skus,
                ..
            } => {
                let base = if categories.is_empty() && skus.is_empty() {
                    after_standing
                } else {
                    let targeted = lines.iter().try_fold(0i64, |s, l| {
                        let hit = l.sku.as_ref().is_some_and(|x| skus.contains(x))
                            || l.category.as_ref().is_some_and(|x| categories.contains(x));
                        if hit {
                            add(s, l.minor, "the targeted lines")
                        } else {
                            Ok(s)
                        }
                    })?;
                    // The targeted lines' share of the amount after the standing discount.
                    if subtotal > 0 {
                        to_i64(
                            i128::from(targeted)
                                .checked_mul(i128::from(after_standing))
                                .map(|x| x / i128::from(subtotal)),
                            "the targeted amount",
                        )?
                    } else {
                        0
                    }
                };
                Some(percent_of(base, *percent)?)
            }
            CartOffer::AmountOff { minor, .. } => Some((*minor).min(after_standing).max(0)),
            _ => None,
        });
    }
    let best_discount = offs
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.map(|x| (i, x)))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i);
    let mut offer_off = 0i64;
    for (i, o) in offers.iter().enumerate() {
        let (id, kind) = match o {
            CartOffer::Discount { id, .. } => (id, "discount"),
            CartOffer::AmountOff { id, .. } => (id, "amountOff"),
            _ => continue,
        };
        let mut e = effect(id, kind);
        if Some(i) == best_discount {
            offer_off = offs[i].unwrap_or(0);
            e.applied = offer_off > 0;
            e.amount = Some(minor_to_units(offer_off, digits));
            if offer_off == 0 {
                e.reason = Some("the cart has none of the offer's products".into());
            }
        } else {
            e.reason = Some("one discount offer per order: a larger one applies".into());
        }
        effects.push(e);
    }
    let payable = sub(after_standing, offer_off, "the payable amount")?;
    let mut earn_ctx = ctx.earn_context()?;
    let base_cashback = earn_ctx.extra_cashback_percent;
    let mut bonus = 0i64;
    for o in offers {
        match o {
            CartOffer::Cashback { percent, .. } => {
                earn_ctx.extra_cashback_percent = Decimal(
                    earn_ctx
                        .extra_cashback_percent
                        .0
                        .checked_add(percent.0)
                        .ok_or_else(|| LoyaltyError::overflow("the cashback percent"))?,
                );
            }
            CartOffer::BonusPoints { points, .. } => {
                bonus = add(bonus, *points, "the offers' bonus points")?;
            }
            _ => {}
        }
    }
    let donation_pct = rules.donation.as_ref().map(|d| d.points_percent);
    let points_with = |ctx: &super::earn::EarnContext<'_>, paid: i64| {
        earn_points(
            &rules.earn,
            digits,
            rules.point_value,
            p.earn_min_order,
            &p.promotions,
            &lines,
            payable,
            paid,
            ctx,
        )
    };
    let earn_for = |paid: i64| -> Result<(EarnBreakdown, i64), LoyaltyError> {
        let b = points_with(&earn_ctx, paid)?;
        let d = donated(b.points, donation_pct)?;
        Ok((b, d))
    };
    // Multiplier offers: the order's points × (factor − 1) more each, rounded down.
    let multiplied = |points: i64| -> Result<i64, LoyaltyError> {
        offers.iter().try_fold(0i64, |s, o| match o {
            CartOffer::Multiplier { factor, .. } => add(
                s,
                multiplier_extra(points, *factor)?,
                "the multiplied points",
            ),
            _ => Ok(s),
        })
    };
    let (breakdown, donated_points) = earn_for(payable)?;
    let extra = multiplied(breakdown.points)?;
    let credited = add(
        add(
            breakdown.points - donated_points,
            bonus,
            "the points earned",
        )?,
        extra,
        "the points earned",
    )?;
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
    let burn_credited = add(
        add(
            burn_breakdown.points - burn_donated,
            bonus,
            "the points earned",
        )?,
        multiplied(burn_breakdown.points)?,
        "the points earned",
    )?;
    // What each cashback offer adds: its share of the cashback points the offers add.
    let cashback_offers: Vec<(&str, Decimal)> = offers
        .iter()
        .filter_map(|o| match o {
            CartOffer::Cashback { id, percent } => Some((id.as_str(), *percent)),
            _ => None,
        })
        .collect();
    if !cashback_offers.is_empty() {
        let extra = earn_ctx.extra_cashback_percent.0 - base_cashback.0;
        let base_ctx = super::earn::EarnContext {
            extra_cashback_percent: base_cashback,
            ..earn_ctx.clone()
        };
        let without = points_with(&base_ctx, payable)?;
        let added = breakdown.points - without.points;
        let shares = super::earn::allocate(
            added,
            &cashback_offers.iter().map(|c| c.1 .0).collect::<Vec<_>>(),
        )?;
        for ((id, _), points) in cashback_offers.iter().zip(shares) {
            let mut e = effect(id, "cashback");
            e.applied = extra > 0;
            e.points = Some(points);
            effects.push(e);
        }
    }
    for o in offers {
        if let CartOffer::BonusPoints { id, points } = o {
            let mut e = effect(id, "bonusPoints");
            e.applied = true;
            e.points = Some(*points);
            effects.push(e);
        }
        if let CartOffer::Multiplier { id, factor } = o {
            let mut e = effect(id, "pointsMultiplier");
            let points = multiplier_extra(breakdown.points, *factor)?;
            e.applied = points > 0;
            e.points = Some(points);
            effects.push(e);
        }
    }
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
    let mut free_delivery = ctx.tier.as_ref().is_some_and(|t| t.benefits.free_delivery)
        || ctx.membership_benefits().is_some_and(|m| m.free_delivery);
    for o in offers {
        if let CartOffer::FreeDelivery { id, min_order } = o {
            let mut e = effect(id, "freeDelivery");
            if payable >= *min_order {
                e.applied = true;
                free_delivery = true;
            } else {
                e.reason = Some(format!(
                    "the order is {} below the minimum of {}",
                    ctx.money
                        .format(sub(*min_order, payable, "the shortfall")?, digits),
                    ctx.money.format(*min_order, digits)
                ));
            }
            effects.push(e);
        }
    }
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
        offers: effects,
    })
}
