//! Earning rules: how many points an order earns.
//!
//! For an order paid `paid` in money (the price after discounts and, unless
//! `earnOnPointsPaid`, after the part paid with points):
//!
//! 1. if the order (after discounts, before points) is below `minOrder`, it earns nothing;
//! 2. `paid` is spread over the lines pro rata to their totals (largest remainder, so the
//!    shares add up to `paid` exactly);
//! 3. each line's multiplier combines the item multiplier (`skuMultipliers` for its SKU, else
//!    `categoryMultipliers` for its category, else 1; 0 excludes the line), the best multiplier
//!    of the promotions active for the line, and the account's multipliers (tier, membership,
//!    birthday): their product (`multiplierStacking: "multiply"`, each product rounded to six
//!    decimals) or the highest of them (`"highest"`);
//! 4. **base points** = Σ line share × `pointsPerUnit` × multiplier, in currency units, rounded
//!    once for the order with `rounding`;
//! 5. **cashback points** = Σ share of non-excluded lines × cashback % ÷ `pointValue`, rounded
//!    once with `rounding` (cashback % = `earn.cashbackPercent` + the tier's and the
//!    membership's `cashbackPercent`);
//! 6. **bonus points** = Σ `bonusPoints` of the promotions active for the order;
//! 7. the total is capped by `maxPointsPerOrder`, then by what `periodCap` leaves in its
//!    calendar period.

use super::error::{index, join, LoyaltyError};
use super::input::{Line, When};
use super::money::{add, pow10, to_i64, Decimal, Rounding, MAX_AMOUNT, MICRO};
use crate::error::quoted;
use crate::time::{self, DAY_MS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Earning rules (`loyalty.earn`). The main crate's `earn` (`pointsPerUnit`, `rounding`) is a
/// valid `EarnRules`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EarnRules {
    /// Points per currency unit paid (≥ 0, at most 10^6; default 0: no base points).
    #[serde(default)]
    pub points_per_unit: Decimal,
    /// How an order's fractional points are rounded: `"floor"` (default), `"round"` (half up),
    /// `"ceil"`.
    #[serde(default)]
    pub rounding: Rounding,
    /// Cashback: percent (0 to 100) of the money paid credited as points worth `pointValue`
    /// each (default 0).
    #[serde(default)]
    pub cashback_percent: Decimal,
    /// Return window: days an order's points stay pending before they can be used
    /// (default 0).
    #[serde(default)]
    pub pending_days: u32,
    /// Orders below this amount (currency units, after discounts, before points) earn nothing
    /// (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order: Option<Decimal>,
    /// At most this many points per order (default: no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_points_per_order: Option<i64>,
    /// At most this many points per calendar period for purchases (default: no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_cap: Option<PeriodCap>,
    /// Multiplier per category (≥ 0, at most 1000; 0 excludes the category from earning).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub category_multipliers: BTreeMap<String, Decimal>,
    /// Multiplier per SKU; wins over the category's (≥ 0, at most 1000).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sku_multipliers: BTreeMap<String, Decimal>,
    /// How multipliers combine: `"multiply"` (default) or `"highest"`.
    #[serde(default)]
    pub multiplier_stacking: Stacking,
    /// Whether the part of an order paid with points earns points too (default false).
    #[serde(default)]
    pub earn_on_points_paid: bool,
    /// Time-boxed promotions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<Promotion>,
}

/// How multipliers combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stacking {
    /// The product of every multiplier.
    #[default]
    Multiply,
    /// The highest multiplier (an excluded line stays excluded).
    Highest,
}

/// A cap on the points earned on purchases per calendar period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeriodCap {
    /// Points (≥ 0).
    pub points: i64,
    /// `"day"`, `"week"` (Monday to Sunday), `"month"` or `"year"`, in the shop's time zone.
    pub period: CapPeriod,
}

/// A calendar period of a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CapPeriod {
    Day,
    Week,
    Month,
    Year,
}

impl CapPeriod {
    /// `[start, end)` of the local period containing `t`.
    pub fn bounds(self, t: i64, offset: i32) -> (i64, i64) {
        let off = i64::from(offset) * 60_000;
        let day = time::local_day(t, offset);
        let (start, end) = match self {
            CapPeriod::Day => (day, day + 1),
            CapPeriod::Week => {
                let monday = day - weekday(day) + 1;
                (monday, monday + 7)
            }
            CapPeriod::Month => {
                let (y, m, _) = time::civil_from_days(day);
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                (
                    time::days_from_civil(y, m, 1),
                    time::days_from_civil(ny, nm, 1),
                )
            }
            CapPeriod::Year => {
                let (y, _, _) = time::civil_from_days(day);
                (
                    time::days_from_civil(y, 1, 1),
                    time::days_from_civil(y + 1, 1, 1),
                )
            }
        };
        (start * DAY_MS - off, end * DAY_MS - off)
    }
}

/// ISO weekday of a day count since 1970-01-01 (a Thursday): Monday 1 to Sunday 7.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7) + 1
}

/// A time-boxed promotion ("double points this weekend").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Promotion {
    /// Unique id.
    pub id: String,
    /// Name shown to customers.
    pub name: String,
    /// First instant (inclusive); text without an offset is local time in the promotion's
    /// time zone. At least one of `start`, `end`, `daysOfWeek` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<When>,
    /// End (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<When>,
    /// The promotion's time zone, minutes east of UTC (default: the shop's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone_offset_minutes: Option<i32>,
    /// Local weekdays it runs on, 1 (Monday) to 7 (Sunday) (default: every day).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days_of_week: Vec<u8>,
    /// Multiplier of the base points of the lines it applies to (≥ 0, at most 1000;
    /// default 1).
    #[serde(default = "Decimal::one")]
    pub multiplier: Decimal,
    /// Points added to an order it applies to (default 0).
    #[serde(default)]
    pub bonus_points: i64,
    /// Categories it applies to (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// SKUs it applies to (default: all; with `categories`, a line matching either).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<String>,
    /// Tier ids it is for (default: everyone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    /// Minimum order (currency units, after discounts) (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order: Option<Decimal>,
}

impl Decimal {
    /// 1 (a serde default).
    pub fn one() -> Decimal {
        Decimal::ONE
    }
}

/// A promotion with resolved instants.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivePromotion {
    /// The rule.
    pub rule: Promotion,
    /// Start, epoch ms.
    pub start: Option<i64>,
    /// End, epoch ms.
    pub end: Option<i64>,
    /// Time zone for the weekdays.
    pub offset: i32,
    /// Minimum order, minor units.
    pub min_order: Option<i64>,
}

impl ActivePromotion {
    /// Whether it runs at `t` for a customer in `tier` and an order of `order_minor`.
    pub fn runs(&self, t: i64, tier: Option<&str>, order_minor: i64) -> bool {
        let p = &self.rule;
        self.start.is_none_or(|s| s <= t)
            && self.end.is_none_or(|e| t < e)
            && (p.days_of_week.is_empty()
                || p.days_of_week
                    .iter()
                    .any(|&d| i64::from(d) == weekday(time::local_day(t, self.offset))))
            && (p.tiers.is_empty() || tier.is_some_and(|id| p.tiers.iter().any(|x| x == id)))
            && self.min_order.is_none_or(|m| order_minor >= m)
    }

    /// Whether it applies to a line.
    pub fn covers(&self, line: &Line) -> bool {
        let p = &self.rule;
        (p.categories.is_empty() && p.skus.is_empty())
            || line
                .category
                .as_ref()
                .is_some_and(|c| p.categories.contains(c))
            || line.sku.as_ref().is_some_and(|s| p.skus.contains(s))
    }
}

fn check_multiplier(m: Decimal, path: &str) -> Result<(), LoyaltyError> {
    if m.0 < 0 || m > Decimal::whole(1000) {
        return Err(LoyaltyError::rules(
            path,
            format!("must be between 0 and 1000, got {m}"),
        ));
    }
    Ok(())
}

/// Checks a percentage (0 to 100).
pub fn check_percent(p: Decimal, path: &str) -> Result<(), LoyaltyError> {
    if p.0 < 0 || p > Decimal::HUNDRED {
        return Err(LoyaltyError::rules(
            path,
            format!("must be between 0 and 100, got {p}"),
        ));
    }
    Ok(())
}

/// Converts a money rule to minor units.
pub fn rule_money(v: Decimal, digits: u32, path: &str) -> Result<i64, LoyaltyError> {
    if v.0 < 0 {
        return Err(LoyaltyError::rules(path, format!("must be ≥ 0, got {v}")));
    }
    v.to_minor(digits).ok_or_else(|| {
        LoyaltyError::rules(
            path,
            format!("{v} has more decimals than the currency's {digits}"),
        )
    })
}

/// Checks a whole number of points (0 to 10^15).
pub fn check_points(p: i64, path: &str) -> Result<(), LoyaltyError> {
    if !(0..=MAX_AMOUNT).contains(&p) {
        return Err(LoyaltyError::rules(
            path,
            format!("must be between 0 and 10^15, got {p}"),
        ));
    }
    Ok(())
}

impl EarnRules {
    /// Validates and resolves the promotions' instants at the shop's `offset`.
    pub fn prepare(
        &self,
        digits: u32,
        offset: i32,
        tier_ids: &[&str],
        path: &str,
    ) -> Result<(Option<i64>, Vec<ActivePromotion>), LoyaltyError> {
        let ppu = self.points_per_unit;
        if ppu.0 < 0 || ppu > Decimal::whole(1_000_000) {
            return Err(LoyaltyError::rules(
                join(path, "pointsPerUnit"),
                format!("must be between 0 and 10^6, got {ppu}"),
            ));
        }
        check_percent(self.cashback_percent, &join(path, "cashbackPercent"))?;
        if self.pending_days > 3660 {
            return Err(LoyaltyError::rules(
                join(path, "pendingDays"),
                "at most 3660 days",
            ));
        }
        let min_order = self
            .min_order
            .map(|m| rule_money(m, digits, &join(path, "minOrder")))
            .transpose()?;
        if let Some(c) = self.max_points_per_order {
            check_points(c, &join(path, "maxPointsPerOrder"))?;
        }
        if let Some(c) = &self.period_cap {
            check_points(c.points, &join(&join(path, "periodCap"), "points"))?;
        }
        for (field, map) in [
            ("categoryMultipliers", &self.category_multipliers),
            ("skuMultipliers", &self.sku_multipliers),
        ] {
            for (k, m) in map {
                let p = join(&join(path, field), k);
                if k.is_empty() {
                    return Err(LoyaltyError::rules(p, "empty name"));
                }
                check_multiplier(*m, &p)?;
            }
        }
        let mut promos = Vec::with_capacity(self.promotions.len());
        for (i, p) in self.promotions.iter().enumerate() {
            let pp = index(&join(path, "promotions"), i);
            if p.id.is_empty() {
                return Err(LoyaltyError::rules(
                    join(&pp, "id"),
                    "the promotion id is empty",
                ));
            }
            if self.promotions.iter().take(i).any(|o| o.id == p.id) {
                return Err(LoyaltyError::rules(
                    join(&pp, "id"),
                    format!("promotion id {:?} is used twice", quoted(&p.id)),
                ));
            }
            let off = p.time_zone_offset_minutes.unwrap_or(offset);
            if !(-18 * 60..=18 * 60).contains(&off) {
                return Err(LoyaltyError::rules(
                    join(&pp, "timeZoneOffsetMinutes"),
                    format!("must be between -1080 and 1080, got {off}"),
                ));
            }
            let resolve = |w: &Option<When>, field: &str| {
                w.as_ref()
                    .map(|w| {
                        w.resolve(off)
                            .map_err(|m| LoyaltyError::rules(join(&pp, field), m))
                    })
                    .transpose()
            };
            let start = resolve(&p.start, "start")?;
            let end = resolve(&p.end, "end")?;
            if let (Some(s), Some(e)) = (start, end) {
                if e <= s {
                    return Err(LoyaltyError::rules(join(&pp, "end"), "must be after start"));
                }
            }
            if start.is_none() && end.is_none() && p.days_of_week.is_empty() {
                return Err(LoyaltyError::rules(
                    pp.clone(),
                    "a promotion needs start, end or daysOfWeek (it would run forever)",
                ));
            }
            for (j, d) in p.days_of_week.iter().enumerate() {
                if !(1..=7).contains(d) {
                    return Err(LoyaltyError::rules(
                        index(&join(&pp, "daysOfWeek"), j),
                        format!("weekdays are 1 (Monday) to 7 (Sunday), got {d}"),
                    ));
                }
            }
            check_multiplier(p.multiplier, &join(&pp, "multiplier"))?;
            check_points(p.bonus_points, &join(&pp, "bonusPoints"))?;
            for (j, t) in p.tiers.iter().enumerate() {
                if !tier_ids.contains(&t.as_str()) {
                    return Err(LoyaltyError::rules(
                        index(&join(&pp, "tiers"), j),
                        format!(
                            "tier {t:?} is not one of the programme's tiers",
                            t = quoted(t)
                        ),
                    ));
                }
            }
            let min_order = p
                .min_order
                .map(|m| rule_money(m, digits, &join(&pp, "minOrder")))
                .transpose()?;
            promos.push(ActivePromotion {
                rule: p.clone(),
                start,
                end,
                offset: off,
                min_order,
            });
        }
        Ok((min_order, promos))
    }
}

/// The context of one earn computation.
#[derive(Debug, Clone, PartialEq)]
pub struct EarnContext<'a> {
    /// When the order is placed.
    pub at: i64,
    /// The customer's tier id (for promotions restricted to tiers).
    pub tier: Option<&'a str>,
    /// The account's multipliers (tier, membership, birthday), with their names.
    pub multipliers: Vec<(&'static str, Decimal)>,
    /// Cashback percent on top of `earn.cashbackPercent` (tier, membership).
    pub extra_cashback_percent: Decimal,
    /// Points already earned on purchases in the cap's period.
    pub earned_in_cap_period: i64,
}

/// Points an order earns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EarnBreakdown {
    /// Points credited (after caps).
    pub points: i64,
    /// Base points (with multipliers).
    pub base: i64,
    /// Cashback points.
    pub cashback: i64,
    /// Promotion bonus points.
    pub bonus: i64,
    /// Points removed by caps.
    pub capped: i64,
    /// Ids of the promotions that applied.
    pub promotions: Vec<String>,
    /// Whether the order was below `minOrder`.
    pub below_min_order: bool,
}

/// Splits `total` over `weights` pro rata, largest remainder (ties: first line), exact sum.
pub fn allocate(total: i64, weights: &[i64]) -> Result<Vec<i64>, LoyaltyError> {
    let sum: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    if sum == 0 {
        // Nothing to weigh by: everything on the first line.
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        let num = i128::from(total)
            .checked_mul(i128::from(w.max(0)))
            .ok_or_else(|| LoyaltyError::overflow("the order's lines are too large"))?;
        let share = num.div_euclid(sum);
        rems.push((num.rem_euclid(sum), i));
        given += share;
        out.push(to_i64(Some(share), "a line's share")?);
    }
    let mut left = i128::from(total) - given;
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rems {
        if left <= 0 {
            break;
        }
        if let Some(v) = out.get_mut(i) {
            *v = add(*v, 1, "a line's share")?;
            left -= 1;
        }
    }
    Ok(out)
}

fn combine(stacking: Stacking, item: Decimal, others: &[Decimal]) -> Result<Decimal, LoyaltyError> {
    if item.0 == 0 {
        return Ok(Decimal::ZERO);
    }
    let mut m = item;
    for &o in others {
        m = match stacking {
            Stacking::Multiply => m
                .checked_mul(o)
                .ok_or_else(|| LoyaltyError::overflow("the combined multiplier is too large"))?,
            Stacking::Highest => m.max(o),
        };
    }
    Ok(m)
}

/// Computes the points of an order (see the module docs). `order_minor` is the order after
/// discounts and before points (for `minOrder`); `paid_minor` the money that earns.
#[allow(clippy::too_many_arguments)]
pub fn earn_points(
    rules: &EarnRules,
    digits: u32,
    point_value: Decimal,
    min_order: Option<i64>,
    promotions: &[ActivePromotion],
    lines: &[Line],
    order_minor: i64,
    paid_minor: i64,
    ctx: &EarnContext<'_>,
) -> Result<EarnBreakdown, LoyaltyError> {
    let mut out = EarnBreakdown::default();
    if min_order.is_some_and(|m| order_minor < m) {
        out.below_min_order = true;
        return Ok(out);
    }
    let running: Vec<&ActivePromotion> = promotions
        .iter()
        .filter(|p| p.runs(ctx.at, ctx.tier, order_minor))
        .collect();
    let weights: Vec<i64> = lines.iter().map(|l| l.minor).collect();
    let shares = allocate(paid_minor.max(0), &weights)?;
    let unit = i128::from(pow10(digits));
    let micro = i128::from(MICRO);
    let mut base_num: i128 = 0;
    let mut cash_num: i128 = 0;
    let cashback = ctx
        .extra_cashback_percent
        .0
        .checked_add(rules.cashback_percent.0)
        .ok_or_else(|| LoyaltyError::overflow("the cashback percent"))?;
    let mut used: Vec<&str> = Vec::new();
    for (line, &share) in lines.iter().zip(&shares) {
        let item = line
            .sku
            .as_ref()
            .and_then(|s| rules.sku_multipliers.get(s))
            .or_else(|| {
                line.category
                    .as_ref()
                    .and_then(|c| rules.category_multipliers.get(c))
            })
            .copied()
            .unwrap_or(Decimal::ONE);
        let mut best: Option<(&ActivePromotion, Decimal)> = None;
        for p in running.iter().filter(|p| p.covers(line)) {
            if best.is_none_or(|(_, m)| p.rule.multiplier > m) {
                best = Some((p, p.rule.multiplier));
            }
        }
        let mut others: Vec<Decimal> = ctx.multipliers.iter().map(|&(_, m)| m).collect();
        if let Some((p, m)) = best {
            others.push(m);
            if item.0 > 0 && !used.contains(&p.rule.id.as_str()) {
                used.push(&p.rule.id);
            }
        }
        let m = combine(rules.multiplier_stacking, item, &others)?;
        let term = i128::from(share)
            .checked_mul(rules.points_per_unit.micros())
            .and_then(|x| x.checked_mul(m.micros()))
            .ok_or_else(|| LoyaltyError::overflow("the order's points"))?;
        base_num = base_num
            .checked_add(term)
            .ok_or_else(|| LoyaltyError::overflow("the order's points"))?;
        if item.0 > 0 {
            cash_num = cash_num
                .checked_add(i128::from(share) * i128::from(cashback))
                .ok_or_else(|| LoyaltyError::overflow("the order's cashback"))?;
        }
    }
    let base_den = unit * micro * micro;
    out.base = to_i64(rules.rounding.div(base_num, base_den), "the order's points")?;
    if point_value.0 > 0 {
        let cash_den = unit * 100 * point_value.micros();
        out.cashback = to_i64(
            rules.rounding.div(cash_num, cash_den),
            "the order's cashback",
        )?;
    }
    for p in &running {
        if p.rule.bonus_points > 0 && lines.iter().any(|l| p.covers(l)) {
            out.bonus = add(out.bonus, p.rule.bonus_points, "the order's bonus points")?;
            if !used.contains(&p.rule.id.as_str()) {
                used.push(&p.rule.id);
            }
        }
    }
    let total = add(
        add(out.base, out.cashback, "the order's points")?,
        out.bonus,
        "the order's points",
    )?;
    let mut points = total;
    if let Some(c) = rules.max_points_per_order {
        points = points.min(c);
    }
    if let Some(c) = &rules.period_cap {
        points = points.min(c.points.saturating_sub(ctx.earned_in_cap_period).max(0));
    }
    out.points = points;
    out.capped = total - points;
    // Promotions in the rules' order.
    out.promotions = promotions
        .iter()
        .filter(|p| used.contains(&p.rule.id.as_str()))
        .map(|p| p.rule.id.clone())
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cat: Option<&str>, sku: Option<&str>, minor: i64) -> Line {
        Line {
            sku: sku.map(Into::into),
            category: cat.map(Into::into),
            minor,
        }
    }

    fn ctx() -> EarnContext<'static> {
        EarnContext {
            at: 0,
            tier: None,
            multipliers: vec![],
            extra_cashback_percent: Decimal::ZERO,
            earned_in_cap_period: 0,
        }
    }

    fn rules(json: &str) -> EarnRules {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"))
    }

    fn points(r: &EarnRules, lines: &[Line], paid: i64, c: &EarnContext) -> EarnBreakdown {
        let (min, promos) = r
            .prepare(2, 0, &["gold"], "earn")
            .unwrap_or_else(|e| panic!("{e}"));
        earn_points(r, 2, Decimal::ONE, min, &promos, lines, paid, paid, c)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn base_rate_rounding_and_min_order() {
        let r = rules(r#"{"pointsPerUnit": 0.1}"#);
        // 1,999.99 at 0.1 per unit = 199.999 points.
        assert_eq!(
            points(&r, &[line(None, None, 199_999)], 199_999, &ctx()).points,
            199
        );
        let r = rules(r#"{"pointsPerUnit": 0.1, "rounding": "round"}"#);
        assert_eq!(
            points(&r, &[line(None, None, 199_999)], 199_999, &ctx()).points,
            200
        );
        assert_eq!(
            points(&r, &[line(None, None, 1_450)], 1_450, &ctx()).points,
            1
        );
        assert_eq!(
            points(&r, &[line(None, None, 1_500)], 1_500, &ctx()).points,
            2
        );
        let r = rules(r#"{"pointsPerUnit": 0.1, "rounding": "ceil"}"#);
        assert_eq!(
            points(&r, &[line(None, None, 1_001)], 1_001, &ctx()).points,
            2
        );
        let r = rules(r#"{"pointsPerUnit": 1, "minOrder": 10}"#);
        let b = points(&r, &[line(None, None, 999)], 999, &ctx());
        assert!(b.below_min_order);
        assert_eq!(b.points, 0);
        assert_eq!(
            points(&r, &[line(None, None, 1000)], 1000, &ctx()).points,
            10
        );
    }

    #[test]
    fn category_sku_and_tier_multipliers() {
        let r = rules(
            r#"{"pointsPerUnit": 1, "categoryMultipliers": {"wine": 0, "books": 2},
                "skuMultipliers": {"B-1": 3}}"#,
        );
        let lines = [
            line(Some("wine"), None, 10_000),
            line(Some("books"), None, 1_000),
            line(Some("books"), Some("B-1"), 1_000),
            line(None, None, 1_000),
        ];
        // 0 + 20 + 30 + 10
        assert_eq!(points(&r, &lines, 13_000, &ctx()).points, 60);
        let mut c = ctx();
        c.multipliers = vec![("tier", Decimal(1_500_000))];
        // (0 + 20 + 30 + 10) × 1.5
        assert_eq!(points(&r, &lines, 13_000, &c).points, 90);
        let hr = EarnRules {
            multiplier_stacking: Stacking::Highest,
            ..r
        };
        // max(2, 1.5) = 2 → 20; max(3, 1.5) → 30; max(1, 1.5) → 15; wine stays 0.
        assert_eq!(points(&hr, &lines, 13_000, &c).points, 65);
    }

    #[test]
    fn paid_with_points_part_is_spread_pro_rata() {
        let r = rules(r#"{"pointsPerUnit": 1, "categoryMultipliers": {"x": 2}}"#);
        let lines = [line(Some("x"), None, 3_000), line(None, None, 1_000)];
        // 40.00 paid of 40.00: 30×2 + 10 = 70; 20.00 paid: 15×2 + 5 = 35.
        assert_eq!(points(&r, &lines, 4_000, &ctx()).points, 70);
        assert_eq!(points(&r, &lines, 2_000, &ctx()).points, 35);
        assert_eq!(allocate(100, &[1, 1, 1]).ok(), Some(vec![34, 33, 33]));
        assert_eq!(allocate(5, &[0, 0]).ok(), Some(vec![5, 0]));
        assert_eq!(allocate(7, &[]).ok(), Some(vec![]));
    }

    #[test]
    fn cashback_and_caps() {
        let r = rules(r#"{"cashbackPercent": 5, "maxPointsPerOrder": 40}"#);
        // 5% of 999.90 = 49.995 → floor 49, capped to 40.
        let b = points(&r, &[line(None, None, 99_990)], 99_990, &ctx());
        assert_eq!((b.cashback, b.points, b.capped), (49, 40, 9));
        let r = rules(r#"{"pointsPerUnit": 1, "periodCap": {"points": 100, "period": "month"}}"#);
        let mut c = ctx();
        c.earned_in_cap_period = 80;
        assert_eq!(points(&r, &[line(None, None, 5_000)], 5_000, &c).points, 20);
        c.earned_in_cap_period = 120;
        assert_eq!(points(&r, &[line(None, None, 5_000)], 5_000, &c).points, 0);
    }

    #[test]
    fn promotions_with_time_zones_and_weekdays() {
        // Double points on the weekend of 2024-06-08/09, Moscow time (+03:00).
        let r = rules(
            r#"{"pointsPerUnit": 1, "promotions": [
                {"id": "wknd", "name": "Double weekend", "start": "2024-06-08", "end": "2024-06-10",
                 "timeZoneOffsetMinutes": 180, "multiplier": 2},
                {"id": "sun", "name": "Sunday bonus", "daysOfWeek": [7], "bonusPoints": 5,
                 "categories": ["tea"]}]}"#,
        );
        let at = |s: &str| time::parse_instant(s, 0).unwrap_or_default();
        let mut c = ctx();
        let l = [line(Some("tea"), None, 1_000)];
        // Friday 2024-06-07 21:00Z is Saturday 00:00 in Moscow: doubled.
        c.at = at("2024-06-07T21:00:00Z");
        assert_eq!(points(&r, &l, 1_000, &c).points, 20);
        c.at = at("2024-06-07T20:59:59Z");
        assert_eq!(points(&r, &l, 1_000, &c).points, 10);
        // Sunday 2024-06-09 (UTC weekday for the shop at offset 0): doubled + 5.
        c.at = at("2024-06-09T12:00:00Z");
        let b = points(&r, &l, 1_000, &c);
        assert_eq!(
            (b.points, b.promotions.clone()),
            (25, vec!["wknd".into(), "sun".into()])
        );
        // The end is exclusive: Monday 00:00 Moscow = Sunday 21:00Z.
        c.at = at("2024-06-09T21:00:00Z");
        assert_eq!(points(&r, &l, 1_000, &c).points, 15);
        assert_eq!(weekday(0), 4);
    }

    #[test]
    fn validation_reports_paths() {
        let bad = |json: &str| {
            rules(json)
                .prepare(2, 0, &["gold"], "loyalty.earn")
                .err()
                .map(|e| e.path().to_string())
        };
        assert_eq!(
            bad(
                r#"{"promotions":[{"id":"a","name":"a","start":"2024-01-01"},{"id":"b","name":"b","start":"2024-13-01"}]}"#
            ),
            Some("loyalty.earn.promotions[1].start".into())
        );
        assert_eq!(
            bad(
                r#"{"promotions":[{"id":"a","name":"a","start":"2024-01-02","end":"2024-01-01"}]}"#
            ),
            Some("loyalty.earn.promotions[0].end".into())
        );
        assert_eq!(
            bad(r#"{"promotions":[{"id":"a","name":"a","daysOfWeek":[0]}]}"#),
            Some("loyalty.earn.promotions[0].daysOfWeek[0]".into())
        );
        assert_eq!(
            bad(r#"{"promotions":[{"id":"a","name":"a","daysOfWeek":[1],"tiers":["x"]}]}"#),
            Some("loyalty.earn.promotions[0].tiers[0]".into())
        );
        assert_eq!(
            bad(r#"{"minOrder": 1.005}"#),
            Some("loyalty.earn.minOrder".into())
        );
        assert_eq!(
            bad(r#"{"cashbackPercent": 101}"#),
            Some("loyalty.earn.cashbackPercent".into())
        );
        assert_eq!(
            bad(r#"{"categoryMultipliers": {"a": -1}}"#),
            Some("loyalty.earn.categoryMultipliers.a".into())
        );
        assert_eq!(
            bad(r#"{"pointsPerUnit": -1}"#),
            Some("loyalty.earn.pointsPerUnit".into())
        );
        assert!(serde_json::from_str::<EarnRules>(r#"{"pointsPerUnits": 1}"#).is_err());
    }

    #[test]
    fn cap_periods_are_local() {
        let at = |s: &str| time::parse_instant(s, 0).unwrap_or_default();
        let (s, e) = CapPeriod::Week.bounds(at("2024-06-09T12:00:00Z"), 0);
        assert_eq!((s, e), (at("2024-06-03"), at("2024-06-10")));
        let (s, e) = CapPeriod::Month.bounds(at("2024-02-29T23:30:00Z"), 60);
        assert_eq!(
            (s, e),
            (at("2024-02-29T23:00:00Z"), at("2024-03-31T23:00:00Z"))
        );
        let (s, _) = CapPeriod::Year.bounds(at("2023-12-31T22:00:00Z"), 180);
        assert_eq!(s, at("2023-12-31T21:00:00Z"));
        let (s, e) = CapPeriod::Day.bounds(at("2024-01-01T00:00:00Z"), -60);
        assert_eq!(
            (s, e),
            (at("2023-12-31T01:00:00Z"), at("2024-01-01T01:00:00Z"))
        );
    }
}
