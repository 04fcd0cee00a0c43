//! The programme document's `loyalty` section: every rule, documented, with its default, and
//! validated when it loads ([`LoyaltyRules::validate`] reports the JSON path of a bad field).
//!
//! | field | meaning (default) |
//! | --- | --- |
//! | `minorUnitDigits` | decimals of the currency's minor unit, 0 to 4 (2) |
//! | `pointValue` | currency units one point is worth when burned or paid as cashback, > 0 (1) |
//! | `earn` | earning rules, see [`EarnRules`] (no base points) |
//! | `redeem` | redemption rules, see [`RedeemRules`] (up to 100% of an order) |
//! | `expiry` | `days`: points expire this long after they become available (never); `refundGraceDays` (0) |
//! | `tiers` | the tier ladder, see [`TierRules`] (no tiers) |
//! | `discountCard`, `accumulativeDiscount`, `membership`, `partners`, `referral`, `donation`, `birthday` | programme types, see [`super::programs`] (off) |
//! | `nudges` | `pointsExpiryHorizonDays` (30), `tierAtRiskDays` (60), `membershipLookbackDays` (90) |
//!
//! Money rules (`minOrder`, spend thresholds, fees) are numbers in currency units with at most
//! `minorUnitDigits` decimals; rates and percentages have at most six decimals; points are
//! whole numbers.

use super::earn::{check_percent, ActivePromotion, EarnRules};
use super::error::{index, join, LoyaltyError};
use super::money::Decimal;
use super::programs::{
    AccumulativeDiscount, BirthdayRules, DiscountCard, DonationRules, MembershipRules, Partner,
    PreparedPrograms, ReferralRules,
};
use super::redeem::RedeemRules;
use super::tiers::{PreparedTiers, TierRules};
use crate::error::quoted;
use crate::time::DAY_MS;
use serde::{Deserialize, Serialize};

/// The `loyalty` section of the programme document (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoyaltyRules {
    /// Decimals of the currency's minor unit, 0 to 4 (default 2).
    #[serde(default = "two")]
    pub minor_unit_digits: u32,
    /// Currency units one point is worth (default 1: 1 point = 1 rouble; 0.01: 100 points = $1).
    #[serde(default = "Decimal::one")]
    pub point_value: Decimal,
    /// Earning rules.
    #[serde(default)]
    pub earn: EarnRules,
    /// Redemption rules.
    #[serde(default)]
    pub redeem: RedeemRules,
    /// Expiry rules.
    #[serde(default)]
    pub expiry: ExpiryRules,
    /// The tier ladder (none: no tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<TierRules>,
    /// Discount card: a fixed discount on every purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_card: Option<DiscountCard>,
    /// Accumulative discount growing with lifetime spend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accumulative_discount: Option<AccumulativeDiscount>,
    /// Paid membership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<MembershipRules>,
    /// Coalition partners whose points convert into ours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<Partner>,
    /// Referral rewards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<ReferralRules>,
    /// Value-based programme: a share of purchases donated to a cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donation: Option<DonationRules>,
    /// Birthday rewards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<BirthdayRules>,
    /// Nudge settings.
    #[serde(default)]
    pub nudges: NudgeRules,
}

fn two() -> u32 {
    2
}

impl Default for LoyaltyRules {
    fn default() -> Self {
        LoyaltyRules {
            minor_unit_digits: 2,
            point_value: Decimal::ONE,
            earn: EarnRules::default(),
            redeem: RedeemRules::default(),
            expiry: ExpiryRules::default(),
            tiers: None,
            discount_card: None,
            accumulative_discount: None,
            membership: None,
            partners: Vec::new(),
            referral: None,
            donation: None,
            birthday: None,
            nudges: NudgeRules::default(),
        }
    }
}

/// Expiry rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpiryRules {
    /// Points expire this many days after they become available (1 to 36600; default: never).
    /// Applies to operations without their own `expiresAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Burned points given back by a return after their lot expired stay usable this many days
    /// (default 0: they are forfeited, as most programmes do).
    #[serde(default)]
    pub refund_grace_days: u32,
}

impl ExpiryRules {
    /// The expiry of points available from `available_at`.
    pub fn expires(&self, available_at: i64) -> Option<i64> {
        self.days
            .map(|d| available_at.saturating_add(i64::from(d) * DAY_MS))
    }
}

/// What a tier or a membership gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Benefits {
    /// Multiplier of base points (0 to 1000; default 1).
    #[serde(default = "Decimal::one")]
    pub earn_multiplier: Decimal,
    /// Cashback percent added to `earn.cashbackPercent` (0 to 100; default 0).
    #[serde(default)]
    pub cashback_percent: Decimal,
    /// Discount percent on every purchase (0 to 100; default 0; the best of the customer's
    /// discounts applies, they do not add up).
    #[serde(default)]
    pub discount_percent: Decimal,
    /// Free delivery (default false).
    #[serde(default)]
    pub free_delivery: bool,
    /// Early access to sales (default false).
    #[serde(default)]
    pub early_access: bool,
}

impl Default for Benefits {
    fn default() -> Self {
        Benefits {
            earn_multiplier: Decimal::ONE,
            cashback_percent: Decimal::ZERO,
            discount_percent: Decimal::ZERO,
            free_delivery: false,
            early_access: false,
        }
    }
}

impl Benefits {
    /// Checks the ranges.
    pub fn validate(&self, path: &str) -> Result<(), LoyaltyError> {
        let m = self.earn_multiplier;
        if m.0 < 0 || m > Decimal::whole(1000) {
            return Err(LoyaltyError::rules(
                join(path, "earnMultiplier"),
                format!("must be between 0 and 1000, got {m}"),
            ));
        }
        check_percent(self.cashback_percent, &join(path, "cashbackPercent"))?;
        check_percent(self.discount_percent, &join(path, "discountPercent"))
    }

    /// A short English phrase: `1.5× points, 5% off, free delivery`.
    pub fn phrase(&self) -> String {
        let mut parts = Vec::new();
        if self.earn_multiplier > Decimal::ONE {
            parts.push(format!("{}× points", self.earn_multiplier));
        }
        if self.cashback_percent.is_positive() {
            parts.push(format!("{}% cashback", self.cashback_percent));
        }
        if self.discount_percent.is_positive() {
            parts.push(format!("{}% off", self.discount_percent));
        }
        if self.free_delivery {
            parts.push("free delivery".into());
        }
        if self.early_access {
            parts.push("early access".into());
        }
        parts.join(", ")
    }
}

/// Nudge settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NudgeRules {
    /// Points expiring within this many days are announced (default 30).
    #[serde(default = "thirty")]
    pub points_expiry_horizon_days: u32,
    /// A tier at risk is announced when its deadline is within this many days (default 60).
    #[serde(default = "sixty")]
    pub tier_at_risk_days: u32,
    /// The customer's spend rate for the membership break-even is measured over this many days
    /// (default 90).
    #[serde(default = "ninety")]
    pub membership_lookback_days: u32,
}

fn thirty() -> u32 {
    30
}
fn sixty() -> u32 {
    60
}
fn ninety() -> u32 {
    90
}

impl Default for NudgeRules {
    fn default() -> Self {
        NudgeRules {
            points_expiry_horizon_days: 30,
            tier_at_risk_days: 60,
            membership_lookback_days: 90,
        }
    }
}

/// Rules checked and converted to exact units, for one time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The rules.
    pub rules: LoyaltyRules,
    /// `minorUnitDigits`.
    pub digits: u32,
    /// The shop's time zone (minutes east of UTC).
    pub offset: i32,
    /// `earn.minOrder` in minor units.
    pub earn_min_order: Option<i64>,
    /// Promotions with resolved instants.
    pub promotions: Vec<ActivePromotion>,
    /// Tiers with thresholds in measure units.
    pub tiers: Option<PreparedTiers>,
    /// Programme types in exact units.
    pub programs: PreparedPrograms,
}

impl LoyaltyRules {
    /// Parses the section from JSON text (unknown fields are errors) and validates it.
    pub fn from_json(text: &str) -> Result<LoyaltyRules, LoyaltyError> {
        let rules: LoyaltyRules = serde_json::from_str(text).map_err(|e| {
            LoyaltyError::rules("", crate::json::bound_library_message(&e.to_string()))
        })?;
        rules.validate("")?;
        Ok(rules)
    }

    /// Checks every rule; errors carry the JSON path below `path` (e.g. `"loyalty"` gives
    /// `loyalty.earn.promotions[2].start`).
    pub fn validate(&self, path: &str) -> Result<(), LoyaltyError> {
        self.prepare(0).map(|_| ()).map_err(|e| e.at_path(path))
    }

    /// Validates and converts the rules for a shop at `offset` minutes east of UTC. Paths are
    /// relative to the section.
    pub fn prepare(&self, offset: i32) -> Result<Prepared, LoyaltyError> {
        let digits = self.minor_unit_digits;
        if digits > 4 {
            return Err(LoyaltyError::rules(
                "minorUnitDigits",
                format!("must be 0 to 4, got {digits}"),
            ));
        }
        let pv = self.point_value;
        if pv.0 <= 0 || pv > Decimal::whole(1_000_000) {
            return Err(LoyaltyError::rules(
                "pointValue",
                format!("must be > 0 and at most 10^6, got {pv}"),
            ));
        }
        let tiers = self
            .tiers
            .as_ref()
            .map(|t| t.prepare(digits, "tiers"))
            .transpose()?;
        let tier_ids: Vec<&str> = self
            .tiers
            .iter()
            .flat_map(|t| t.levels.iter().map(|l| l.id.as_str()))
            .collect();
        let (earn_min_order, promotions) = self.earn.prepare(digits, offset, &tier_ids, "earn")?;
        self.redeem.validate("redeem")?;
        if let Some(d) = self.expiry.days {
            if !(1..=36_600).contains(&d) {
                return Err(LoyaltyError::rules(
                    "expiry.days",
                    format!("must be 1 to 36600, got {d}"),
                ));
            }
        }
        if self.expiry.refund_grace_days > 36_600 {
            return Err(LoyaltyError::rules(
                "expiry.refundGraceDays",
                "at most 36600 days",
            ));
        }
        let n = &self.nudges;
        for (field, v) in [
            ("pointsExpiryHorizonDays", n.points_expiry_horizon_days),
            ("tierAtRiskDays", n.tier_at_risk_days),
            ("membershipLookbackDays", n.membership_lookback_days),
        ] {
            if v > 36_600 || (field == "membershipLookbackDays" && v == 0) {
                return Err(LoyaltyError::rules(
                    join("nudges", field),
                    format!(
                        "must be {} to 36600, got {v}",
                        u32::from(field == "membershipLookbackDays")
                    ),
                ));
            }
        }
        for (i, p) in self.partners.iter().enumerate() {
            if self.partners.iter().take(i).any(|o| o.id == p.id) {
                return Err(LoyaltyError::rules(
                    join(&index("partners", i), "id"),
                    format!("partner id {:?} is used twice", quoted(&p.id)),
                ));
            }
        }
        let programs = PreparedPrograms::new(self, digits)?;
        Ok(Prepared {
            rules: self.clone(),
            digits,
            offset,
            earn_min_order,
            promotions,
            tiers,
            programs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_paths() {
        let r = LoyaltyRules::from_json("{}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r, LoyaltyRules::default());
        let bad = |j: &str| LoyaltyRules::from_json(j).err();
        let e = bad(r#"{"pointValue": 0}"#).unwrap_or_else(|| panic!("should fail"));
        assert_eq!(
            (e.code(), e.path()),
            ("loyalty.invalid_rules", "pointValue")
        );
        let e = bad(r#"{"earn": {"pointsPerUnit": 1}, "bogus": 1}"#)
            .unwrap_or_else(|| panic!("should fail"));
        assert!(e.to_string().contains("unknown field `bogus`"), "{e}");
        let r: LoyaltyRules =
            serde_json::from_str(r#"{"expiry": {"days": 0}}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.validate("loyalty").err().map(|e| e.path().to_string()),
            Some("loyalty.expiry.days".into())
        );
        let r: LoyaltyRules = serde_json::from_str(
            r#"{"tiers": {"measure": "spend", "period": "year", "levels": [{"id": "a", "name": "A", "threshold": 0, "benefits": {"discountPercent": 120}}]}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.validate("loyalty").err().map(|e| e.path().to_string()),
            Some("loyalty.tiers.levels[0].benefits.discountPercent".into())
        );
    }

    #[test]
    fn benefit_phrases() {
        let b = Benefits {
            earn_multiplier: Decimal(1_500_000),
            discount_percent: Decimal::whole(5),
            free_delivery: true,
            ..Benefits::default()
        };
        assert_eq!(b.phrase(), "1.5× points, 5% off, free delivery");
        assert_eq!(Benefits::default().phrase(), "");
    }
}
