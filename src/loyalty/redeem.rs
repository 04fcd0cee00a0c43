//! Redemption rules: how many points an order can burn.
//!
//! The most points a cart can burn is the smallest of
//!
//! * the points usable now (available, not expired) — zero if they are below `minBalance`;
//! * the points worth at most `maxSharePercent` of the order after discounts, counting only
//!   lines outside `excludedCategories` (the discount is spread over the lines pro rata):
//!   `floor(floor(eligible × share ÷ 100) ÷ pointValue)`.
//!
//! Their value is `points × pointValue`, floored to the minor unit.

use super::earn::{allocate, check_percent};
use super::error::{join, LoyaltyError};
use super::input::Line;
use super::money::{pow10, to_i64, Decimal, MAX_AMOUNT, MICRO};
use serde::{Deserialize, Serialize};

/// Redemption rules (`loyalty.redeem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedeemRules {
    /// The largest share of an order (after discounts) payable with points, 0 to 100
    /// (default 100).
    #[serde(default = "hundred")]
    pub max_share_percent: Decimal,
    /// Points can be burned only when the usable balance is at least this (default 0).
    #[serde(default)]
    pub min_balance: i64,
    /// Categories that cannot be paid with points (default: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_categories: Vec<String>,
}

fn hundred() -> Decimal {
    Decimal::HUNDRED
}

impl Default for RedeemRules {
    fn default() -> Self {
        RedeemRules {
            max_share_percent: Decimal::HUNDRED,
            min_balance: 0,
            excluded_categories: Vec::new(),
        }
    }
}

impl RedeemRules {
    /// Checks the ranges.
    pub fn validate(&self, path: &str) -> Result<(), LoyaltyError> {
        check_percent(self.max_share_percent, &join(path, "maxSharePercent"))?;
        if !(0..=MAX_AMOUNT).contains(&self.min_balance) {
            return Err(LoyaltyError::rules(
                join(path, "minBalance"),
                "must be between 0 and 10^15",
            ));
        }
        Ok(())
    }
}

/// Why nothing can be burned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NoBurn {
    /// No usable points.
    NoPoints,
    /// Usable points below `minBalance`.
    BelowMinBalance,
    /// Nothing in the cart may be paid with points (excluded categories, a 0% share, or less
    /// than one point's worth).
    NothingEligible,
}

/// The most a cart can burn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burn {
    /// Points.
    pub points: i64,
    /// Their value, minor units.
    pub value: i64,
    /// Why zero, if zero.
    pub reason: Option<NoBurn>,
}

/// The value of `points` in minor units (floored).
pub fn points_value(points: i64, point_value: Decimal, digits: u32) -> Result<i64, LoyaltyError> {
    let num = i128::from(points)
        .checked_mul(point_value.micros())
        .and_then(|x| x.checked_mul(i128::from(pow10(digits))))
        .ok_or_else(|| LoyaltyError::overflow("the points' value"))?;
    to_i64(Some(num.div_euclid(i128::from(MICRO))), "the points' value")
}

/// The most `lines` (totals before discount) with `payable` after discount can burn with
/// `usable` points.
pub fn max_burn(
    rules: &RedeemRules,
    point_value: Decimal,
    digits: u32,
    lines: &[Line],
    payable: i64,
    usable: i64,
) -> Result<Burn, LoyaltyError> {
    let none = |reason| Burn {
        points: 0,
        value: 0,
        reason: Some(reason),
    };
    if usable <= 0 {
        return Ok(none(NoBurn::NoPoints));
    }
    if usable < rules.min_balance {
        return Ok(none(NoBurn::BelowMinBalance));
    }
    let weights: Vec<i64> = lines.iter().map(|l| l.minor).collect();
    let shares = allocate(payable, &weights)?;
    let eligible: i64 = lines
        .iter()
        .zip(&shares)
        .filter(|(l, _)| {
            l.category
                .as_ref()
                .is_none_or(|c| !rules.excluded_categories.contains(c))
        })
        .map(|(_, &s)| s)
        .sum();
    let max_value = i128::from(eligible)
        .checked_mul(rules.max_share_percent.micros())
        .map(|x| x.div_euclid(100 * i128::from(MICRO)))
        .ok_or_else(|| LoyaltyError::overflow("the cart"))?;
    let den = point_value
        .micros()
        .checked_mul(i128::from(pow10(digits)))
        .ok_or_else(|| LoyaltyError::overflow("the point value"))?;
    let by_value = to_i64(
        max_value
            .checked_mul(i128::from(MICRO))
            .and_then(|x| x.checked_div(den)),
        "the points payable",
    )?;
    let points = by_value.min(usable);
    if points <= 0 {
        return Ok(none(NoBurn::NothingEligible));
    }
    Ok(Burn {
        points,
        value: points_value(points, point_value, digits)?,
        reason: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cat: Option<&str>, minor: i64) -> Line {
        Line {
            sku: None,
            category: cat.map(Into::into),
            minor,
        }
    }

    #[test]
    fn share_balance_and_exclusions() -> Result<(), LoyaltyError> {
        let r = RedeemRules {
            max_share_percent: Decimal::whole(50),
            min_balance: 100,
            excluded_categories: vec!["tobacco".into()],
        };
        let lines = [line(None, 10_000), line(Some("tobacco"), 5_000)];
        // 50% of the 100.00 eligible = 50.00 = 50 points at 1 point = 1 unit.
        let b = max_burn(&r, Decimal::ONE, 2, &lines, 15_000, 1_000)?;
        assert_eq!((b.points, b.value), (50, 5_000));
        // Only 30 usable points... below the minimum balance of 100.
        let b = max_burn(&r, Decimal::ONE, 2, &lines, 15_000, 30)?;
        assert_eq!(b.reason, Some(NoBurn::BelowMinBalance));
        let b = max_burn(&r, Decimal::ONE, 2, &lines, 15_000, 0)?;
        assert_eq!(b.reason, Some(NoBurn::NoPoints));
        let b = max_burn(&r, Decimal::ONE, 2, &[line(Some("tobacco"), 100)], 100, 500)?;
        assert_eq!(b.reason, Some(NoBurn::NothingEligible));
        // 100 points = $1 (0.01 per point): 50% of $99.99 = $49.99 = 4,999 points.
        let r = RedeemRules {
            max_share_percent: Decimal::whole(50),
            ..RedeemRules::default()
        };
        let b = max_burn(
            &r,
            Decimal(10_000),
            2,
            &[line(None, 9_999)],
            9_999,
            1_000_000,
        )?;
        assert_eq!((b.points, b.value), (4_999, 4_999));
        // The usable balance limits: 120 points.
        let b = max_burn(&r, Decimal::ONE, 2, &[line(None, 100_000)], 100_000, 120)?;
        assert_eq!((b.points, b.value), (120, 12_000));
        // A point worth 0.005: 3 points are worth 1 cent (floored).
        assert_eq!(points_value(3, Decimal(5_000), 2)?, 1);
        Ok(())
    }
}
