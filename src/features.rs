//! Customer features, computed from a [`ValidCustomer`] at an instant `now`.
//!
//! | feature | definition |
//! | --- | --- |
//! | `recencyDays` | days from the last order to `now` (fractional; `null` without orders) |
//! | `frequency` | number of orders |
//! | `purchaseDays` | number of distinct local calendar days with an order |
//! | `monetary` | mean order value: `totalSpend / frequency` (0 without orders) |
//! | `totalSpend` | sum of order amounts |
//! | `tenureDays` | days from the first order to `now` (`null` without orders) |
//! | `meanDaysBetweenPurchases` | (last purchase day − first purchase day) / (`purchaseDays` − 1), in whole local days; `null` below two purchase days |
//! | `spendLast365d`, `ordersLast365d` | spend and orders in the 365 days before `now`: `now − 365 d < at ≤ now` |
//! | `categoryShares` | for each category, its share of the spend on order lines that name a category (sorted by name; empty when no line names one) |
//! | `pointsBalance` | points in the loyalty account at `now` (available + pending; lots expiring exactly at `now` are expired), from the ledger (see [`crate::loyalty`]); 0 without an account |
//!
//! Local days use the `timeZoneOffsetMinutes` option. The same code runs natively and in wasm,
//! and sums run in order-time order, so results are bit-identical everywhere.

use crate::customer::ValidCustomer;
use crate::error::quoted;
use crate::time::{self, DAY_MS};
use serde::Serialize;
use std::collections::BTreeMap;

/// Features of one customer. Serialized with camelCase names (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    pub recency_days: Option<f64>,
    pub frequency: u32,
    pub purchase_days: u32,
    pub monetary: f64,
    pub total_spend: f64,
    pub tenure_days: Option<f64>,
    pub mean_days_between_purchases: Option<f64>,
    #[serde(rename = "spendLast365d")]
    pub spend_last_365d: f64,
    #[serde(rename = "ordersLast365d")]
    pub orders_last_365d: u32,
    pub category_shares: BTreeMap<String, f64>,
    /// Set by the engine from the loyalty ledger; [`Features::compute`] leaves it 0.
    pub points_balance: f64,
}

/// The names of the numeric features a model can use, in the order of [`Features::value`].
pub const NUMERIC_FEATURES: [&str; 10] = [
    "recencyDays",
    "frequency",
    "purchaseDays",
    "monetary",
    "totalSpend",
    "tenureDays",
    "meanDaysBetweenPurchases",
    "spendLast365d",
    "ordersLast365d",
    "pointsBalance",
];

/// Checks that `name` is one of [`NUMERIC_FEATURES`].
pub fn check_feature_name(name: &str) -> Result<(), String> {
    if NUMERIC_FEATURES.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "unknown feature {name:?}; known: {}",
            NUMERIC_FEATURES.join(", "),
            name = quoted(name)
        ))
    }
}

impl Features {
    /// Computes the features at `now` from the purchase history (`pointsBalance` is left 0:
    /// the engine sets it from the loyalty ledger).
    pub fn compute(c: &ValidCustomer, now: i64, offset_minutes: i32) -> Features {
        let days = |ms: i64| ms as f64 / DAY_MS as f64;
        let frequency = c.orders.len() as u32;
        let mut total_spend = 0.0;
        let mut spend_365 = 0.0;
        let mut orders_365 = 0;
        let year_ago = now - 365 * DAY_MS;
        let mut category_spend: BTreeMap<&str, f64> = BTreeMap::new();
        let mut distinct_days = 0u32;
        let mut last_day = None;
        for o in &c.orders {
            total_spend += o.amount;
            if o.at > year_ago {
                spend_365 += o.amount;
                orders_365 += 1;
            }
            for (cat, spend) in &o.category_spend {
                *category_spend.entry(cat).or_insert(0.0) += spend;
            }
            let day = time::local_day(o.at, offset_minutes);
            if last_day != Some(day) {
                distinct_days += 1;
                last_day = Some(day);
            }
        }
        let first = c.orders.first();
        let last = c.orders.last();
        let mean_gap = match (first, last) {
            (Some(f), Some(l)) if distinct_days >= 2 => {
                let span =
                    time::local_day(l.at, offset_minutes) - time::local_day(f.at, offset_minutes);
                Some(span as f64 / f64::from(distinct_days - 1))
            }
            _ => None,
        };
        let category_total = category_spend.values().fold(0.0, |s, v| s + v);
        let category_shares = if category_total > 0.0 {
            category_spend
                .into_iter()
                .map(|(k, v)| (k.to_string(), v / category_total))
                .collect()
        } else {
            category_spend
                .into_keys()
                .map(|k| (k.to_string(), 0.0))
                .collect()
        };
        Features {
            recency_days: last.map(|o| days(now - o.at)),
            frequency,
            purchase_days: distinct_days,
            monetary: if frequency > 0 {
                total_spend / f64::from(frequency)
            } else {
                0.0
            },
            total_spend,
            tenure_days: first.map(|o| days(now - o.at)),
            mean_days_between_purchases: mean_gap,
            spend_last_365d: spend_365,
            orders_last_365d: orders_365,
            category_shares,
            points_balance: 0.0,
        }
    }

    /// The value of a numeric feature by its name in [`NUMERIC_FEATURES`]; `Ok(None)` when the
    /// feature is undefined for this customer (e.g. recency without orders), `Err` for an
    /// unknown name.
    pub fn value(&self, name: &str) -> Result<Option<f64>, String> {
        Ok(match name {
            "recencyDays" => self.recency_days,
            "frequency" => Some(f64::from(self.frequency)),
            "purchaseDays" => Some(f64::from(self.purchase_days)),
            "monetary" => Some(self.monetary),
            "totalSpend" => Some(self.total_spend),
            "tenureDays" => self.tenure_days,
            "meanDaysBetweenPurchases" => self.mean_days_between_purchases,
            "spendLast365d" => Some(self.spend_last_365d),
            "ordersLast365d" => Some(f64::from(self.orders_last_365d)),
            "pointsBalance" => Some(self.points_balance),
            other => {
                return Err(format!(
                    "unknown feature {other:?}; known: {}",
                    NUMERIC_FEATURES.join(", "),
                    other = quoted(other)
                ))
            }
        })
    }
}
