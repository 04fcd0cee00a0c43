//! Programme types. Each is a block of the `loyalty` section, off when absent; they combine.
//!
//! | type | configured by |
//! | --- | --- |
//! | discount card | `discountCard: {percent}` |
//! | accumulative discount | `accumulativeDiscount: {steps: [{lifetimeSpend, percent}]}` (lifetime spend: every order of the history, minus refunds) |
//! | bonus points | `earn.pointsPerUnit` (+ multipliers, promotions, caps) |
//! | cashback | `earn.cashbackPercent`, tier and membership `cashbackPercent` |
//! | tiered | `tiers` |
//! | paid membership | `membership: {name, fee, periodDays, benefits}` + `account.membership` |
//! | partner / coalition | `partners: [{id, name, rate}]` + `partnerEarn` operations |
//! | referral | `referral: {points, minFirstOrder, windowDays, maxRewards}` + `account.referrals` |
//! | value-based | `donation: {cause, percentOfPurchase, pointsPercent}` |
//! | birthday | `birthday: {points, multiplier, daysBefore, daysAfter, validityDays}` + `account.birthday` |
//!
//! Discounts do not add up: an order gets the best of the discount card, the accumulative step,
//! the tier's and the active membership's `discountPercent`, rounded half up to the minor unit.
//! Multipliers and cashback of the tier, the membership and the birthday window feed the
//! earning rules. Referral and birthday points are reported as **rewards due** with a ready
//! `earn` operation whose key (`referral:<friendId>`, `birthday:<year>`) makes posting it
//! idempotent; once the account's history holds that key, the reward is no longer due.

use super::earn::{check_percent, check_points, rule_money};
use super::error::{index, join, LoyaltyError};
use super::input::When;
use super::money::{minor_to_units, to_i64, Decimal, Rounding, MICRO};
use super::rules::{Benefits, LoyaltyRules};
use crate::error::quoted;
use crate::time::{self, DAY_MS};
use serde::{Deserialize, Serialize};

/// A fixed discount on every purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiscountCard {
    /// Percent off, 0 to 100.
    pub percent: Decimal,
}

/// A discount that grows with lifetime spend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccumulativeDiscount {
    /// Steps, lifetime spend strictly increasing, percent not decreasing.
    pub steps: Vec<DiscountStep>,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiscountStep {
    /// Lifetime spend from which the step applies (currency units).
    pub lifetime_spend: Decimal,
    /// Percent off, 0 to 100.
    pub percent: Decimal,
}

/// A paid membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembershipRules {
    /// Name shown to customers (default "Membership").
    #[serde(default = "membership_name")]
    pub name: String,
    /// Fee per period (currency units, > 0).
    pub fee: Decimal,
    /// Length of a period in days (1 to 3660).
    pub period_days: u32,
    /// What members get while the membership is active.
    #[serde(default)]
    pub benefits: Benefits,
}

fn membership_name() -> String {
    "Membership".into()
}

/// A coalition partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Partner {
    /// Unique id (what `partnerEarn.partner` names).
    pub id: String,
    /// Name.
    pub name: String,
    /// Our points per partner point (> 0, at most 10^6); rounded with `earn.rounding`.
    pub rate: Decimal,
}

/// Referral rewards: the referrer earns when the referred friend makes a first purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferralRules {
    /// Points for the referrer (> 0).
    pub points: i64,
    /// The first purchase must be at least this (currency units; default 0).
    #[serde(default)]
    pub min_first_order: Decimal,
    /// ... and within this many days of the referral (default: any time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<u32>,
    /// At most this many rewards per customer (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rewards: Option<u32>,
}

/// Value-based programme: part of each purchase goes to a cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DonationRules {
    /// The cause.
    pub cause: String,
    /// Percent of the money paid the shop donates (0 to 100; default 0), rounded half up to
    /// the minor unit.
    #[serde(default)]
    pub percent_of_purchase: Decimal,
    /// Percent of the points earned donated instead of credited (0 to 100; default 0),
    /// floored.
    #[serde(default)]
    pub points_percent: Decimal,
}

/// Birthday rewards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BirthdayRules {
    /// Points given once a year in the window (default 0).
    #[serde(default)]
    pub points: i64,
    /// Multiplier of base points for orders in the window (default 1).
    #[serde(default = "Decimal::one")]
    pub multiplier: Decimal,
    /// The window opens this many local days before the birthday (default 0)...
    #[serde(default)]
    pub days_before: u32,
    /// ... and closes this many days after it (default 0; the window is whole local days).
    #[serde(default)]
    pub days_after: u32,
    /// The birthday points expire this many days after they are credited (default: the
    /// `expiry` rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
}

/// Programme amounts in exact units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreparedPrograms {
    /// Accumulative steps: (lifetime spend in minor units, percent).
    pub steps: Vec<(i64, Decimal)>,
    /// Membership fee, minor units.
    pub membership_fee: i64,
    /// Referral minimum first order, minor units.
    pub referral_min: i64,
}

impl PreparedPrograms {
    /// Validates the programme blocks.
    pub fn new(r: &LoyaltyRules, digits: u32) -> Result<PreparedPrograms, LoyaltyError> {
        let mut out = PreparedPrograms::default();
        if let Some(d) = &r.discount_card {
            check_percent(d.percent, "discountCard.percent")?;
        }
        if let Some(a) = &r.accumulative_discount {
            if a.steps.is_empty() {
                return Err(LoyaltyError::rules(
                    "accumulativeDiscount.steps",
                    "no steps",
                ));
            }
            for (i, s) in a.steps.iter().enumerate() {
                let p = index("accumulativeDiscount.steps", i);
                let spend = rule_money(s.lifetime_spend, digits, &join(&p, "lifetimeSpend"))?;
                check_percent(s.percent, &join(&p, "percent"))?;
                if let Some(&(prev, pct)) = out.steps.last() {
                    if spend <= prev {
                        return Err(LoyaltyError::rules(
                            join(&p, "lifetimeSpend"),
                            "steps must increase",
                        ));
                    }
                    if s.percent < pct {
                        return Err(LoyaltyError::rules(
                            join(&p, "percent"),
                            "a step cannot lower the discount",
                        ));
                    }
                }
                out.steps.push((spend, s.percent));
            }
        }
        if let Some(m) = &r.membership {
            out.membership_fee = rule_money(m.fee, digits, "membership.fee")?;
            if out.membership_fee <= 0 {
                return Err(LoyaltyError::rules("membership.fee", "must be > 0"));
            }
            if !(1..=3660).contains(&m.period_days) {
                return Err(LoyaltyError::rules(
                    "membership.periodDays",
                    "must be 1 to 3660",
                ));
            }
            m.benefits.validate("membership.benefits")?;
        }
        for (i, p) in r.partners.iter().enumerate() {
            let path = index("partners", i);
            if p.id.is_empty() {
                return Err(LoyaltyError::rules(
                    join(&path, "id"),
                    "the partner id is empty",
                ));
            }
            if p.rate.0 <= 0 || p.rate > Decimal::whole(1_000_000) {
                return Err(LoyaltyError::rules(
                    join(&path, "rate"),
                    "must be > 0 and at most 10^6",
                ));
            }
        }
        if let Some(f) = &r.referral {
            check_points(f.points, "referral.points")?;
            if f.points == 0 {
                return Err(LoyaltyError::rules("referral.points", "must be > 0"));
            }
            out.referral_min = rule_money(f.min_first_order, digits, "referral.minFirstOrder")?;
        }
        if let Some(d) = &r.donation {
            if d.cause.is_empty() {
                return Err(LoyaltyError::rules("donation.cause", "the cause is empty"));
            }
            check_percent(d.percent_of_purchase, "donation.percentOfPurchase")?;
            check_percent(d.points_percent, "donation.pointsPercent")?;
        }
        if let Some(b) = &r.birthday {
            check_points(b.points, "birthday.points")?;
            let m = b.multiplier;
            if m.0 < 0 || m > Decimal::whole(1000) {
                return Err(LoyaltyError::rules(
                    "birthday.multiplier",
                    "must be between 0 and 1000",
                ));
            }
            for (field, v) in [("daysBefore", b.days_before), ("daysAfter", b.days_after)] {
                if v > 180 {
                    return Err(LoyaltyError::rules(
                        join("birthday", field),
                        "the window is at most 180 days on each side",
                    ));
                }
            }
            if b.validity_days == Some(0) {
                return Err(LoyaltyError::rules("birthday.validityDays", "must be > 0"));
            }
        }
        Ok(out)
    }
}

/// `percent` of `minor`, rounded half up to the minor unit.
pub fn percent_of(minor: i64, percent: Decimal) -> Result<i64, LoyaltyError> {
    to_i64(
        i128::from(minor)
            .checked_mul(percent.micros())
            .and_then(|x| Rounding::Round.div(x, 100 * i128::from(MICRO))),
        "a percentage of an amount",
    )
}

/// Where a discount comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiscountSource {
    DiscountCard,
    Accumulative,
    Tier,
    Membership,
}

/// The customer's standing discount.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Discount {
    /// Percent off.
    pub percent: Decimal,
    /// Where it comes from (the first in the order card, accumulative, tier, membership among
    /// equal percentages).
    pub source: DiscountSource,
}

/// The accumulative discount's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccumulativeState {
    /// Lifetime spend (currency units).
    pub lifetime_spend: f64,
    /// The current step's percent (0 below the first step).
    pub percent: Decimal,
    /// The next step: spend still needed and its percent.
    pub next: Option<NextStep>,
}

/// The next accumulative step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NextStep {
    /// Spend still needed (currency units).
    pub remaining: f64,
    /// Its percent.
    pub percent: Decimal,
}

/// The accumulative step for a lifetime spend.
pub fn accumulative(p: &PreparedPrograms, lifetime: i64, digits: u32) -> AccumulativeState {
    let reached = p.steps.iter().rev().find(|s| lifetime >= s.0);
    let next = p.steps.iter().find(|s| lifetime < s.0);
    AccumulativeState {
        lifetime_spend: minor_to_units(lifetime, digits),
        percent: reached.map(|s| s.1).unwrap_or(Decimal::ZERO),
        next: next.map(|s| NextStep {
            remaining: minor_to_units(s.0 - lifetime, digits),
            percent: s.1,
        }),
    }
}

/// The best of the customer's discounts.
pub fn best_discount(
    rules: &LoyaltyRules,
    accumulative_percent: Option<Decimal>,
    tier: Option<&Benefits>,
    membership: Option<&Benefits>,
) -> Option<Discount> {
    let candidates = [
        (
            rules.discount_card.as_ref().map(|d| d.percent),
            DiscountSource::DiscountCard,
        ),
        (accumulative_percent, DiscountSource::Accumulative),
        (tier.map(|b| b.discount_percent), DiscountSource::Tier),
        (
            membership.map(|b| b.discount_percent),
            DiscountSource::Membership,
        ),
    ];
    let mut best: Option<Discount> = None;
    for (p, source) in candidates {
        if let Some(p) = p.filter(|p| p.is_positive()) {
            if best.as_ref().is_none_or(|b| p > b.percent) {
                best = Some(Discount { percent: p, source });
            }
        }
    }
    best
}

/// The paid membership's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipState {
    /// Name.
    pub name: String,
    /// Whether active now.
    pub active: bool,
    /// When it ends (or ended).
    pub until: String,
    /// Its benefits.
    pub benefits: Benefits,
}

/// Points for `partner_points` of a partner.
pub fn partner_points(
    rules: &LoyaltyRules,
    partner: &str,
    partner_points: i64,
) -> Result<i64, LoyaltyError> {
    let p = rules
        .partners
        .iter()
        .find(|p| p.id == partner)
        .ok_or_else(|| LoyaltyError::InvalidInput {
            path: "partner".into(),
            message: format!(
                "partner {partner:?} is not one of the programme's partners",
                partner = quoted(partner)
            ),
        })?;
    if !(0..=super::money::MAX_AMOUNT).contains(&partner_points) {
        return Err(LoyaltyError::InvalidInput {
            path: "partnerPoints".into(),
            message: "must be between 0 and 10^15".into(),
        });
    }
    to_i64(
        i128::from(partner_points)
            .checked_mul(p.rate.micros())
            .and_then(|x| rules.earn.rounding.div(x, i128::from(MICRO))),
        "the partner points",
    )
}

/// The local birthday window containing `now`, as `(year, first instant, end instant)`.
pub fn birthday_window(
    b: &BirthdayRules,
    birthday: (u32, u32),
    now: i64,
    offset: i32,
) -> Option<(i64, i64, i64)> {
    let today = time::local_day(now, offset);
    let (y, _, _) = time::civil_from_days(today);
    let off = i64::from(offset) * 60_000;
    for year in [y - 1, y, y + 1] {
        let (m, d) = birthday;
        let d = d.min(time::days_in_month(year, m));
        let day = time::days_from_civil(year, m, d);
        let first = day - i64::from(b.days_before);
        let last = day + i64::from(b.days_after);
        if (first..=last).contains(&today) {
            return Some((year, first * DAY_MS - off, (last + 1) * DAY_MS - off));
        }
    }
    None
}

/// A reward the customer is owed and that is not in the ledger yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardDue {
    /// `"referral"` or `"birthday"`.
    pub kind: &'static str,
    /// Points.
    pub points: i64,
    /// In words.
    pub reason: String,
    /// The operation to post (its key makes posting idempotent).
    pub operation: super::input::OperationInput,
}

/// Referral rewards due, in the order of `account.referrals`.
#[allow(clippy::too_many_arguments)]
pub fn referral_rewards(
    rules: &LoyaltyRules,
    min_first_order: i64,
    referrals: &[super::input::ReferralInput],
    is_applied: &dyn Fn(&str) -> bool,
    expires: Option<i64>,
    now: i64,
    offset: i32,
    digits: u32,
) -> Result<Vec<RewardDue>, LoyaltyError> {
    let Some(r) = &rules.referral else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut given = referrals
        .iter()
        .filter(|f| is_applied(&format!("referral:{}", f.friend_id)))
        .count();
    for (i, f) in referrals.iter().enumerate() {
        let path = index("account.referrals", i);
        if f.friend_id.is_empty() {
            return Err(LoyaltyError::input(
                join(&path, "friendId"),
                "the friend id is empty",
            ));
        }
        if referrals.iter().take(i).any(|o| o.friend_id == f.friend_id) {
            return Err(LoyaltyError::input(
                join(&path, "friendId"),
                "this friend is listed twice",
            ));
        }
        let key = format!("referral:{}", f.friend_id);
        let referred = f
            .referred_at
            .as_ref()
            .map(|w| w.at(offset, &join(&path, "referredAt")))
            .transpose()?;
        let Some(first) = f
            .first_purchase_at
            .as_ref()
            .map(|w| w.at(offset, &join(&path, "firstPurchaseAt")))
            .transpose()?
        else {
            continue;
        };
        if first > now {
            return Err(LoyaltyError::input(
                join(&path, "firstPurchaseAt"),
                "after now",
            ));
        }
        let amount = match f.first_purchase_amount {
            Some(a) => super::money::money_to_minor(a, digits)
                .map_err(|m| LoyaltyError::input(join(&path, "firstPurchaseAmount"), m))?,
            None => 0,
        };
        if is_applied(&key) || amount < min_first_order {
            continue;
        }
        if let (Some(w), Some(from)) = (r.window_days, referred) {
            if first.saturating_sub(from) > i64::from(w) * DAY_MS {
                continue;
            }
        }
        if r.max_rewards.is_some_and(|m| given >= m as usize) {
            continue;
        }
        given += 1;
        out.push(RewardDue {
            kind: "referral",
            points: r.points,
            reason: format!(
                "{} points for referring {}: their first purchase",
                r.points, f.friend_id
            ),
            operation: super::input::OperationInput::Earn {
                key,
                at: When::Text(time::format_instant(now)),
                points: r.points,
                source: super::ledger::Source::Referral,
                order_id: None,
                available_at: None,
                expires_at: expires.map(|e| When::Text(time::format_instant(e))),
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        time::parse_instant(s, 0).unwrap_or_default()
    }

    #[test]
    fn discounts_do_not_stack() {
        let rules: LoyaltyRules = serde_json::from_str(
            r#"{"discountCard": {"percent": 3},
                "accumulativeDiscount": {"steps": [{"lifetimeSpend": 1000, "percent": 2}, {"lifetimeSpend": 5000, "percent": 5}]}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let p = PreparedPrograms::new(&rules, 2).unwrap_or_else(|e| panic!("{e}"));
        let a = accumulative(&p, 120_000, 2);
        assert_eq!(a.percent, Decimal::whole(2));
        assert_eq!(a.next.as_ref().map(|n| n.remaining), Some(3800.0));
        let d = best_discount(&rules, Some(a.percent), None, None);
        assert_eq!(
            d.map(|d| (d.percent, d.source)),
            Some((Decimal::whole(3), DiscountSource::DiscountCard))
        );
        let a = accumulative(&p, 500_000, 2);
        assert_eq!(a.next, None);
        let d = best_discount(&rules, Some(a.percent), None, None);
        assert_eq!(d.map(|d| d.source), Some(DiscountSource::Accumulative));
        assert_eq!(percent_of(12_345, Decimal::whole(5)).ok(), Some(617)); // 617.25
        assert_eq!(percent_of(12_350, Decimal::whole(5)).ok(), Some(618)); // 617.5 → 618
    }

    #[test]
    fn birthday_windows_cross_years_and_leap_days() {
        let b = BirthdayRules {
            points: 100,
            multiplier: Decimal::ONE,
            days_before: 3,
            days_after: 2,
            validity_days: None,
        };
        // 29 February in 2023 (not a leap year) is celebrated on 28 February.
        let w = birthday_window(&b, (2, 29), at("2023-03-02T12:00:00Z"), 0);
        assert_eq!(w, Some((2023, at("2023-02-25"), at("2023-03-03"))));
        assert_eq!(birthday_window(&b, (2, 29), at("2023-03-03"), 0), None);
        let w = birthday_window(&b, (2, 29), at("2024-03-02"), 0);
        assert_eq!(w.map(|w| w.0), Some(2024));
        assert_eq!(
            birthday_window(&b, (2, 29), at("2024-03-03"), 0).map(|w| w.0),
            None
        );
        // A 1 January birthday: the window opens on 29 December of the year before.
        let w = birthday_window(&b, (1, 1), at("2023-12-29T00:00:00Z"), 0);
        assert_eq!(w.map(|w| w.0), Some(2024));
        // Time zones: 2023-12-28T22:00Z is already 29 December at +03:00.
        assert_eq!(
            birthday_window(&b, (1, 1), at("2023-12-28T22:00:00Z"), 180).map(|w| w.0),
            Some(2024)
        );
        assert_eq!(
            birthday_window(&b, (1, 1), at("2023-12-28T22:00:00Z"), 0),
            None
        );
    }

    #[test]
    fn partner_conversion() {
        let rules: LoyaltyRules = serde_json::from_str(
            r#"{"earn": {"rounding": "round"}, "partners": [{"id": "sky", "name": "Sky", "rate": 0.35}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(partner_points(&rules, "sky", 1001).ok(), Some(350)); // 350.35
        assert_eq!(partner_points(&rules, "sky", 1003).ok(), Some(351)); // 351.05
        assert_eq!(
            partner_points(&rules, "x", 1).map_err(|e| e.path().to_string()),
            Err("partner".into())
        );
    }
}
