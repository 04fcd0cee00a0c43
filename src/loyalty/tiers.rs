//! Tiers: qualification, requalification, benefits.
//!
//! The **qualifying measure** is spend (money paid minus refunds), orders (not fully refunded)
//! or points earned on purchases (`earn` ops of source `order` or `promotion` whose order was
//! not reversed) — never the balance. It is counted over
//!
//! * a **rolling window** (`windowDays`): the measure at `t` counts `(t − windowDays, t]`;
//! * or a **calendar period** (`period`: `"year"`, `"quarter"` or `"month"`, in the shop's time
//!   zone): the measure at `t` counts from the start of `t`'s period to `t`.
//!
//! The tier is worked out by replaying the history in time order:
//!
//! * **Upgrade.** When an order lifts the measure to a higher level, the customer has that level
//!   at once. It is held until its **review**: `windowDays` after the qualifying order (rolling),
//!   or the end of the period *after* the qualifying one (calendar: status earned in 2024 lasts
//!   through 2025).
//! * **Review** (requalification at the period end). The measure over the window ending at the
//!   review (rolling), or over the period ending there (calendar), is compared with the held
//!   level's threshold. Reached: the level is kept until the next review (one window or period
//!   later). Missed: after `graceDays` the customer goes down **one** level, never more at a
//!   time; the next review is one window or period after the missed one. During the grace
//!   period the tier is at risk, and an order that brings the current measure back to the
//!   threshold requalifies (held until the end of the following period, as an upgrade).
//! * A tier granted by the shop (`account.tier`, until `account.tierUntil`) is a floor.
//!
//! `TierRules` reads the main crate's `tiers` (`measure`, `windowDays`, `levels[]{id, name,
//! threshold}`) unchanged.

use super::error::{index, join, LoyaltyError};
use super::money::{add, minor_to_units, Decimal};
use super::rules::Benefits;
use crate::error::quoted;
use crate::time::{self, DAY_MS};
use serde::{Deserialize, Serialize};

/// The tier ladder (`loyalty.tiers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierRules {
    /// What qualifies: `"spend"`, `"orders"` or `"pointsEarned"`.
    pub measure: TierMeasure,
    /// Rolling window in days (1 to 3660). Exactly one of `windowDays` and `period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<u32>,
    /// Calendar period: `"year"`, `"quarter"` or `"month"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<CalendarPeriod>,
    /// Days a customer keeps a tier after a missed review (default 0; less than the shortest
    /// period: 28 days for months, 90 for quarters, 365 for years, `windowDays`).
    #[serde(default)]
    pub grace_days: u32,
    /// Levels, lowest first: the first has threshold 0, thresholds strictly increase.
    pub levels: Vec<TierLevel>,
}

/// What qualifies for a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TierMeasure {
    /// Money paid (currency units), minus refunds.
    Spend,
    /// Orders placed (not fully refunded).
    Orders,
    /// Points earned on purchases.
    PointsEarned,
}

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CalendarPeriod {
    Year,
    Quarter,
    Month,
}

impl CalendarPeriod {
    fn months(self) -> u32 {
        match self {
            CalendarPeriod::Year => 12,
            CalendarPeriod::Quarter => 3,
            CalendarPeriod::Month => 1,
        }
    }

    fn min_days(self) -> u32 {
        match self {
            CalendarPeriod::Year => 365,
            CalendarPeriod::Quarter => 90,
            CalendarPeriod::Month => 28,
        }
    }

    /// Start of the local period containing `t`.
    pub fn start(self, t: i64, offset: i32) -> i64 {
        let (y, m, _) = time::civil_from_days(time::local_day(t, offset));
        let first = (m - 1) / self.months() * self.months() + 1;
        time::days_from_civil(y, first, 1) * DAY_MS - i64::from(offset) * 60_000
    }

    /// Start of the period after the one containing `t`.
    pub fn next(self, t: i64, offset: i32) -> i64 {
        let (y, m, _) = time::civil_from_days(time::local_day(t, offset));
        let first = (m - 1) / self.months() * self.months() + 1 + self.months();
        let (y, m) = if first > 12 {
            (y + 1, first - 12)
        } else {
            (y, first)
        };
        time::days_from_civil(y, m, 1) * DAY_MS - i64::from(offset) * 60_000
    }
}

/// One level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierLevel {
    /// Unique id.
    pub id: String,
    /// Name shown to customers.
    pub name: String,
    /// Measure needed: currency units for spend, a whole number for orders and points.
    pub threshold: Decimal,
    /// What the level gives (default: nothing beyond the base rules).
    #[serde(default)]
    pub benefits: Benefits,
}

/// Tier rules with thresholds in measure units (minor units for spend).
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedTiers {
    /// The rules.
    pub rules: TierRules,
    /// Thresholds.
    pub thresholds: Vec<i64>,
}

impl TierRules {
    /// Validates; thresholds in measure units.
    pub fn prepare(&self, digits: u32, path: &str) -> Result<PreparedTiers, LoyaltyError> {
        let bad = |p: String, m: String| Err(LoyaltyError::rules(p, m));
        let min_days = match (self.window_days, self.period) {
            (Some(_), Some(_)) | (None, None) => {
                return bad(
                    join(path, "windowDays"),
                    "give exactly one of windowDays (rolling) and period (calendar)".into(),
                )
            }
            (Some(w), None) => {
                if !(1..=3660).contains(&w) {
                    return bad(
                        join(path, "windowDays"),
                        format!("must be 1 to 3660, got {w}"),
                    );
                }
                w
            }
            (None, Some(p)) => p.min_days(),
        };
        if self.grace_days >= min_days {
            return bad(
                join(path, "graceDays"),
                format!("must be less than the period ({min_days} days)"),
            );
        }
        if self.levels.is_empty() {
            return bad(
                join(path, "levels"),
                "at least the base level is needed".into(),
            );
        }
        let mut thresholds = Vec::with_capacity(self.levels.len());
        for (i, l) in self.levels.iter().enumerate() {
            let p = index(&join(path, "levels"), i);
            if l.id.is_empty() {
                return bad(join(&p, "id"), "the tier id is empty".into());
            }
            if self.levels.iter().take(i).any(|o| o.id == l.id) {
                return bad(
                    join(&p, "id"),
                    format!("tier id {:?} is used twice", quoted(&l.id)),
                );
            }
            let t = match self.measure {
                TierMeasure::Spend => {
                    super::earn::rule_money(l.threshold, digits, &join(&p, "threshold"))?
                }
                TierMeasure::Orders | TierMeasure::PointsEarned => match l.threshold.to_whole() {
                    Some(v) if v >= 0 => v,
                    _ => return bad(join(&p, "threshold"), "must be a whole number ≥ 0".into()),
                },
            };
            if i == 0 && t != 0 {
                return bad(
                    join(&p, "threshold"),
                    "the first level is the base: threshold 0".into(),
                );
            }
            if thresholds.last().is_some_and(|&prev| t <= prev) {
                return bad(join(&p, "threshold"), "thresholds must increase".into());
            }
            l.benefits.validate(&join(&p, "benefits"))?;
            thresholds.push(t);
        }
        Ok(PreparedTiers {
            rules: self.clone(),
            thresholds,
        })
    }
}

/// One qualifying event: an instant and its measure.
pub type Event = (i64, i64);

/// A level, by id and name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelRef {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// The next level and what it takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NextTier {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its threshold (currency units for spend).
    pub threshold: f64,
    /// Measure still needed (currency units for spend, exact to the minor unit).
    pub remaining: f64,
    /// Measure still needed, integer (minor units for spend).
    #[serde(skip)]
    pub remaining_raw: i64,
    /// Until when `remaining` holds: the end of the period (calendar) or the instant the
    /// oldest counted order leaves the window (rolling); `None` when nothing would change.
    pub deadline: Option<String>,
    /// As epoch ms.
    #[serde(skip)]
    pub deadline_ms: Option<i64>,
    /// Its benefits.
    pub benefits: Benefits,
}

/// What it takes to keep the current level at its review.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRisk {
    /// Measure still needed before the deadline.
    pub remaining: f64,
    /// Integer (minor units for spend).
    #[serde(skip)]
    pub remaining_raw: i64,
    /// The review (or the end of the grace period).
    pub deadline: String,
    /// As epoch ms.
    #[serde(skip)]
    pub deadline_ms: i64,
    /// The level the customer drops to if missed.
    pub drops_to: LevelRef,
}

/// The customer's tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierState {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Index in `levels` (0: base).
    pub level: usize,
    /// The measure.
    pub measure: TierMeasure,
    /// The measure now (current window or period so far; currency units for spend).
    pub qualifying_value: f64,
    /// Integer (minor units for spend).
    #[serde(skip)]
    pub qualifying_raw: i64,
    /// When the level is next decided: its review, or the end of the grace period after a
    /// missed one (`None` at the base level and for a granted tier).
    pub review_at: Option<String>,
    /// Whether a review was missed and the grace period runs.
    pub in_grace: bool,
    /// End of the grace period.
    pub grace_ends_at: Option<String>,
    /// `"history"` or `"account"` (a granted tier above the earned one).
    pub source: &'static str,
    /// The level's benefits.
    pub benefits: Benefits,
    /// The next level, if any.
    pub next: Option<NextTier>,
    /// What keeping the level takes, if the review is not yet secured.
    pub at_risk: Option<AtRisk>,
}

/// The simulation state at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Held {
    level: usize,
    review: Option<i64>,
    grace_until: Option<i64>,
    missed_review: Option<i64>,
}

/// Evaluates tiers over sorted events (see the module docs).
pub struct TierEngine<'a> {
    tiers: &'a PreparedTiers,
    offset: i32,
    events: &'a [Event],
    prefix: Vec<i64>,
}

impl<'a> TierEngine<'a> {
    /// `events` must be sorted by instant.
    pub fn new(
        tiers: &'a PreparedTiers,
        offset: i32,
        events: &'a [Event],
    ) -> Result<Self, LoyaltyError> {
        let mut prefix = Vec::with_capacity(events.len() + 1);
        prefix.push(0i64);
        let mut s = 0i64;
        for &(_, v) in events {
            s = add(s, v, "the qualifying measure")?;
            prefix.push(s);
        }
        Ok(TierEngine {
            tiers,
            offset,
            events,
            prefix,
        })
    }

    /// Σ of events with `from ≤ at < to`.
    fn sum(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let a = self.events.partition_point(|e| e.0 < from);
        let b = self.events.partition_point(|e| e.0 < to);
        match (self.prefix.get(b), self.prefix.get(a)) {
            (Some(x), Some(y)) => x - y,
            _ => 0,
        }
    }

    fn window_ms(&self) -> Option<i64> {
        self.tiers.rules.window_days.map(|w| i64::from(w) * DAY_MS)
    }

    /// The first instant counted by the measure at `t`.
    fn window_start(&self, t: i64) -> i64 {
        match (self.window_ms(), self.tiers.rules.period) {
            (Some(w), _) => t - w + 1,
            (None, Some(p)) => p.start(t, self.offset),
            (None, None) => t,
        }
    }

    /// The measure at `t` (inclusive), plus `extra`.
    pub fn current(&self, t: i64) -> i64 {
        self.sum(self.window_start(t), t.saturating_add(1))
    }

    /// The measure a review at `r` looks at.
    fn at_review(&self, r: i64) -> i64 {
        match (self.window_ms(), self.tiers.rules.period) {
            (Some(_), _) => self.current(r),
            (None, Some(p)) => self.sum(p.start(r - 1, self.offset), r),
            (None, None) => 0,
        }
    }

    /// The next review after a qualification at `t`.
    fn renew(&self, t: i64) -> i64 {
        match (self.window_ms(), self.tiers.rules.period) {
            (Some(w), _) => t + w,
            (None, Some(p)) => p.next(p.next(t, self.offset), self.offset),
            (None, None) => t,
        }
    }

    /// The review after a review at `r` (kept or missed).
    fn after_review(&self, r: i64) -> i64 {
        match (self.window_ms(), self.tiers.rules.period) {
            (Some(w), _) => r + w,
            (None, Some(p)) => p.next(r, self.offset),
            (None, None) => r,
        }
    }

    /// The highest level a measure reaches.
    pub fn level_for(&self, v: i64) -> usize {
        self.tiers
            .thresholds
            .iter()
            .rposition(|&t| v >= t)
            .unwrap_or(0)
    }

    fn held_at(&self, now: i64) -> Held {
        let grace = i64::from(self.tiers.rules.grace_days) * DAY_MS;
        let mut h = Held {
            level: 0,
            review: None,
            grace_until: None,
            missed_review: None,
        };
        let mut k = 0usize;
        // Defensive bound: every iteration consumes an event or moves a review forward by at
        // least a period; reviews without events end at the base level within levels × 2 steps.
        let mut budget = self
            .events
            .len()
            .saturating_mul(4)
            .saturating_add(self.tiers.thresholds.len().saturating_mul(4))
            .saturating_add(64);
        while budget > 0 {
            budget -= 1;
            let next_event = self.events.get(k).map(|e| e.0).filter(|&t| t <= now);
            let next_review = if h.level == 0 {
                None
            } else {
                h.grace_until.or(h.review).filter(|&t| t <= now)
            };
            match (next_event, next_review) {
                (None, None) => break,
                (Some(t), r) if r.is_none_or(|r| t < r) => {
                    // An order: upgrade, or requalify during the grace period.
                    let e = self.level_for(self.current(t));
                    if e > h.level || (h.grace_until.is_some() && e >= h.level) {
                        h = Held {
                            level: e,
                            review: Some(self.renew(t)),
                            grace_until: None,
                            missed_review: None,
                        };
                    }
                    k += 1;
                }
                (_, Some(r)) => {
                    if let (Some(_), Some(missed)) = (h.grace_until, h.missed_review) {
                        // Grace over without requalifying: one level down.
                        h.level = h.level.saturating_sub(1);
                        h.grace_until = None;
                        h.missed_review = None;
                        h.review = (h.level > 0).then(|| self.after_review(missed));
                    } else {
                        let e = self.level_for(self.at_review(r));
                        if e >= h.level {
                            h.level = e;
                            h.review = Some(self.after_review(r));
                        } else if grace > 0 {
                            h.grace_until = Some(r + grace);
                            h.missed_review = Some(r);
                        } else {
                            h.level = h.level.saturating_sub(1);
                            h.review = (h.level > 0).then(|| self.after_review(r));
                        }
                    }
                }
                _ => break,
            }
        }
        h
    }

    /// The level earned from the history at `now` (before any granted tier).
    pub fn level_at(&self, now: i64) -> usize {
        self.held_at(now).level
    }

    /// The full state at `now`; `granted` is a level the shop granted (a floor).
    pub fn state(&self, now: i64, granted: Option<usize>, digits: u32) -> TierState {
        let h = self.held_at(now);
        let rules = &self.tiers.rules;
        let (level, source) = match granted {
            Some(g) if g > h.level => (g, "account"),
            _ => (h.level, "history"),
        };
        let value = self.current(now);
        let show = |raw: i64| match rules.measure {
            TierMeasure::Spend => minor_to_units(raw, digits),
            _ => raw as f64,
        };
        let lvl = |i: usize| rules.levels.get(i);
        let next = lvl(level + 1).and_then(|l| {
            let t = *self.tiers.thresholds.get(level + 1)?;
            let remaining = t.saturating_sub(value);
            if remaining <= 0 {
                return None;
            }
            let deadline = match (self.window_ms(), rules.period) {
                (Some(w), _) => {
                    let from = self.window_start(now);
                    let first = self
                        .events
                        .iter()
                        .find(|e| e.0 >= from && e.0 <= now && e.1 > 0);
                    first.map(|e| e.0 + w)
                }
                (None, Some(p)) => Some(p.next(now, self.offset)),
                (None, None) => None,
            };
            Some(NextTier {
                id: l.id.clone(),
                name: l.name.clone(),
                threshold: show(t),
                remaining: show(remaining),
                remaining_raw: remaining,
                deadline: deadline.map(time::format_instant),
                deadline_ms: deadline,
                benefits: l.benefits.clone(),
            })
        });
        // At risk: only for the earned level (a granted tier has its own end date).
        let at_risk = if source == "history" && h.level > 0 {
            let (deadline, counted) = match (h.grace_until, h.review) {
                (Some(g), _) => {
                    // Requalify by an order before the grace ends: the measure then.
                    let from = self.window_start(g);
                    (Some(g), self.sum(from, now.saturating_add(1)))
                }
                (None, Some(r)) => {
                    let from = match (self.window_ms(), rules.period) {
                        (Some(_), _) => self.window_start(r),
                        (None, Some(p)) => p.start(r - 1, self.offset),
                        (None, None) => r,
                    };
                    if from > now {
                        // The review's window has not started: the level is secured until then.
                        (None, 0)
                    } else {
                        (Some(r), self.sum(from, now.saturating_add(1)))
                    }
                }
                (None, None) => (None, 0),
            };
            match (
                deadline,
                self.tiers.thresholds.get(h.level),
                lvl(h.level.saturating_sub(1)),
            ) {
                (Some(d), Some(&t), Some(down)) if t > counted => Some(AtRisk {
                    remaining: show(t - counted),
                    remaining_raw: t - counted,
                    deadline: time::format_instant(d),
                    deadline_ms: d,
                    drops_to: LevelRef {
                        id: down.id.clone(),
                        name: down.name.clone(),
                    },
                }),
                _ => None,
            }
        } else {
            None
        };
        let l = lvl(level);
        TierState {
            id: l.map(|l| l.id.clone()).unwrap_or_default(),
            name: l.map(|l| l.name.clone()).unwrap_or_default(),
            level,
            measure: rules.measure,
            qualifying_value: show(value),
            qualifying_raw: value,
            review_at: if source == "history" {
                h.grace_until.or(h.review).map(time::format_instant)
            } else {
                None
            },
            in_grace: source == "history" && h.grace_until.is_some(),
            grace_ends_at: if source == "history" {
                h.grace_until.map(time::format_instant)
            } else {
                None
            },
            source,
            benefits: l.map(|l| l.benefits.clone()).unwrap_or_default(),
            next,
            at_risk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        time::parse_instant(s, 0).unwrap_or_default()
    }

    fn rules(json: &str) -> TierRules {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"))
    }

    const LADDER: &str = r#"[{"id":"base","name":"Base","threshold":0},
        {"id":"silver","name":"Silver","threshold":500},
        {"id":"gold","name":"Gold","threshold":1000}]"#;

    fn calendar(grace: u32) -> TierRules {
        rules(&format!(
            r#"{{"measure":"spend","period":"year","graceDays":{grace},"levels":{LADDER}}}"#
        ))
    }

    fn spend(list: &[(&str, i64)]) -> Vec<Event> {
        list.iter()
            .map(|&(t, units)| (at(t), units * 100))
            .collect()
    }

    #[test]
    fn calendar_upgrade_lasts_through_next_year_then_drops_one_level_at_a_time() {
        let r = calendar(0);
        let p = r.prepare(2, "tiers").unwrap_or_else(|e| panic!("{e}"));
        let ev = spend(&[("2022-03-01", 600), ("2022-06-01", 500)]);
        let t = TierEngine::new(&p, 0, &ev).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.level_at(at("2022-02-01")), 0);
        assert_eq!(t.level_at(at("2022-03-01")), 1);
        assert_eq!(t.level_at(at("2022-06-01")), 2);
        // Gold earned in 2022 is held through 2023.
        assert_eq!(t.level_at(at("2023-12-31T23:59:59Z")), 2);
        // Nothing spent in 2023: one level down on 2024-01-01, not two.
        assert_eq!(t.level_at(at("2024-01-01")), 1);
        // Nothing in 2024: base on 2025-01-01.
        assert_eq!(t.level_at(at("2025-01-01")), 0);
        let s = t.state(at("2023-06-01"), None, 2);
        assert_eq!(s.id, "gold");
        assert_eq!(s.review_at.as_deref(), Some("2024-01-01T00:00:00Z"));
        let risk = s.at_risk.unwrap_or_else(|| panic!("at risk"));
        assert_eq!(
            (risk.remaining, risk.drops_to.id.as_str()),
            (1000.0, "silver")
        );
        // Secured in 2022 for 2023: not at risk while 2023 has not started.
        assert!(t.state(at("2022-07-01"), None, 2).at_risk.is_none());
    }

    #[test]
    fn calendar_requalification_keeps_the_level() {
        let r = calendar(0);
        let p = r.prepare(2, "tiers").unwrap_or_else(|e| panic!("{e}"));
        let ev = spend(&[("2022-06-01", 1000), ("2023-11-01", 1000)]);
        let t = TierEngine::new(&p, 0, &ev).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.level_at(at("2024-06-01")), 2);
        assert_eq!(t.level_at(at("2025-01-01")), 1);
    }

    #[test]
    fn grace_period_and_requalifying_during_it() {
        let r = calendar(31);
        let p = r.prepare(2, "tiers").unwrap_or_else(|e| panic!("{e}"));
        let ev = spend(&[("2022-06-01", 1000), ("2024-01-20", 1000)]);
        let t = TierEngine::new(&p, 0, &ev).unwrap_or_else(|e| panic!("{e}"));
        // 2023 empty: review 2024-01-01 missed, Gold kept in grace until 2024-02-01.
        let s = t.state(at("2024-01-10"), None, 2);
        assert_eq!((s.id.as_str(), s.in_grace), ("gold", true));
        assert_eq!(s.grace_ends_at.as_deref(), Some("2024-02-01T00:00:00Z"));
        assert_eq!(s.at_risk.map(|a| a.remaining), Some(1000.0));
        // The order of 2024-01-20 requalifies: Gold until the end of 2025.
        let s = t.state(at("2024-03-01"), None, 2);
        assert_eq!((s.id.as_str(), s.in_grace), ("gold", false));
        assert_eq!(s.review_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        // Without it, Silver from 2024-02-01.
        let ev2 = spend(&[("2022-06-01", 1000)]);
        let t2 = TierEngine::new(&p, 0, &ev2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t2.level_at(at("2024-01-31T23:59:59Z")), 2);
        assert_eq!(t2.level_at(at("2024-02-01")), 1);
        // Next review of Silver: 2025-01-01 (one period after the missed one).
        assert_eq!(
            t2.state(at("2024-02-01"), None, 2).review_at.as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
    }

    #[test]
    fn rolling_window() {
        let r = rules(
            r#"{"measure":"orders","windowDays":30,"levels":[{"id":"b","name":"B","threshold":0},{"id":"s","name":"S","threshold":2},{"id":"g","name":"G","threshold":3}]}"#,
        );
        let p = r.prepare(2, "tiers").unwrap_or_else(|e| panic!("{e}"));
        let ev: Vec<Event> = ["2024-01-01", "2024-01-10"]
            .iter()
            .map(|d| (at(d), 1))
            .collect();
        let t = TierEngine::new(&p, 0, &ev).unwrap_or_else(|e| panic!("{e}"));
        let s = t.state(at("2024-01-15"), None, 2);
        assert_eq!(s.id, "s");
        // Review 30 days after qualifying; the window then is (01-10, 02-09]: no order yet.
        assert_eq!(s.review_at.as_deref(), Some("2024-02-09T00:00:00Z"));
        let n = s.next.unwrap_or_else(|| panic!("next"));
        // 1 more order by 2024-01-31 (when the 01-01 order leaves the window).
        assert_eq!(
            (n.remaining, n.deadline.as_deref()),
            (1.0, Some("2024-01-31T00:00:00Z"))
        );
        assert_eq!(t.level_at(at("2024-02-09")), 0);
    }

    #[test]
    fn validation() {
        let bad = |j: &str| {
            rules(j)
                .prepare(2, "loyalty.tiers")
                .err()
                .map(|e| e.path().to_string())
        };
        assert_eq!(
            bad(r#"{"measure":"spend","levels":[{"id":"a","name":"A","threshold":0}]}"#),
            Some("loyalty.tiers.windowDays".into())
        );
        assert_eq!(
            bad(
                r#"{"measure":"spend","windowDays":10,"graceDays":10,"levels":[{"id":"a","name":"A","threshold":0}]}"#
            ),
            Some("loyalty.tiers.graceDays".into())
        );
        assert_eq!(
            bad(
                r#"{"measure":"orders","windowDays":10,"levels":[{"id":"a","name":"A","threshold":0},{"id":"b","name":"B","threshold":1.5}]}"#
            ),
            Some("loyalty.tiers.levels[1].threshold".into())
        );
        assert_eq!(
            bad(
                r#"{"measure":"spend","windowDays":10,"levels":[{"id":"a","name":"A","threshold":0},{"id":"b","name":"B","threshold":0}]}"#
            ),
            Some("loyalty.tiers.levels[1].threshold".into())
        );
        // The main crate's tiers document reads unchanged.
        assert!(bad(r#"{"measure":"spend","windowDays":365,"levels":[{"id":"a","name":"A","threshold":0},{"id":"b","name":"B","threshold":99.5}]}"#).is_none());
    }

    #[test]
    fn quarters_in_a_time_zone() {
        let q = CalendarPeriod::Quarter;
        // 2024-03-31T22:00Z is 2024-04-01 01:00 at +03:00: second quarter.
        assert_eq!(
            q.start(at("2024-03-31T22:00:00Z"), 180),
            at("2024-03-31T21:00:00Z")
        );
        assert_eq!(
            q.next(at("2024-03-31T22:00:00Z"), 180),
            at("2024-06-30T21:00:00Z")
        );
        assert_eq!(q.next(at("2024-11-30"), 0), at("2025-01-01"));
        assert_eq!(
            CalendarPeriod::Month.next(at("2024-12-15"), 0),
            at("2025-01-01")
        );
    }
}
