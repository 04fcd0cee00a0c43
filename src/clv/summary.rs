//! Per-customer RFM summary, exactly as Python `lifetimes` (0.11.3) builds it with
//! `summary_data_from_transaction_data(..., freq="D")` / `calibration_and_holdout_data`.
//!
//! * Transactions are kept when `timestamp ≤ calibration_end` (raw instants, as
//!   `calibration_and_holdout_data` filters before flooring), then floored to UTC days
//!   (`day = ⌊ms / 86 400 000⌋`) and collapsed per day (amounts of a day are summed).
//! * `frequency` = distinct purchase days − 1 (repeat purchase days);
//! * `recency` = (last purchase day − first purchase day) / unit;
//! * `t` = (day of the calibration end − first purchase day) / unit;
//! * `monetary_value` = mean of the day totals of the repeat days (the first day excluded),
//!   0 when `frequency` is 0.
//!
//! A customer whose first purchase is after the calibration end has no summary (`None`),
//! as `lifetimes` drops them. Holdout purchases are the distinct days with a purchase in
//! `(calibration_end, holdout_end]`, again as `calibration_and_holdout_data` counts them.
//!
//! With `TimeUnit::Weeks` the day counts are divided by 7, which is how the published
//! CDNOW figures (Fader, Hardie & Lee 2005) are computed: purchases are *not* collapsed per
//! week (that would be `lifetimes`' `freq="W"`, a different summary).

use serde::{Deserialize, Serialize};

use super::error::ClvError;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The time unit of recency, `T` and the BG/NBD `alpha` (a week is 7 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TimeUnit {
    /// One day.
    Days,
    /// Seven days.
    Weeks,
}

impl TimeUnit {
    /// Length of the unit in days.
    pub const fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
        }
    }

    /// Length of a month in this unit, as `lifetimes`' `customer_lifetime_value` defines
    /// it: 30 for days (`freq="D"`) and **4.345** for weeks (`freq="W"`; not 30/7).
    pub const fn month_length(self) -> f64 {
        match self {
            TimeUnit::Days => 30.0,
            TimeUnit::Weeks => 4.345,
        }
    }
}

/// One customer's summary over the calibration period (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummary {
    /// Number of repeat purchase days (`x` in the papers).
    pub frequency: f64,
    /// Time from the first to the last purchase day, in the time unit (`t_x`).
    pub recency: f64,
    /// Time from the first purchase day to the calibration end day, in the time unit (`T`).
    pub t: f64,
    /// Mean spend per repeat purchase day (`m`); 0 when `frequency` is 0.
    pub monetary_value: f64,
}

/// A calibration summary with the purchases observed after it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldoutSummary {
    /// The calibration-period summary.
    pub calibration: CustomerSummary,
    /// Distinct purchase days in `(calibration_end, holdout_end]`.
    pub holdout_purchases: u32,
}

impl CustomerSummary {
    /// Checks that the summary can be given to the models: all fields finite and
    /// non-negative, `frequency` a whole number, `recency ≤ t`, `recency = 0` when
    /// `frequency = 0`. `at` names the customer in the error (`"customer #3"`).
    pub fn validate(&self, at: &str) -> Result<(), ClvError> {
        let fields = [
            ("frequency", self.frequency),
            ("recency", self.recency),
            ("t", self.t),
            ("monetary_value", self.monetary_value),
        ];
        for (field, v) in fields {
            if !v.is_finite() {
                return Err(ClvError::invalid(
                    at,
                    field,
                    format!("{v} is not a finite number"),
                ));
            }
            if v < 0.0 {
                return Err(ClvError::invalid(at, field, format!("{v} is negative")));
            }
        }
        if self.frequency.fract() != 0.0 {
            return Err(ClvError::invalid(
                at,
                "frequency",
                format!(
                    "{} is not a whole number of repeat purchases",
                    self.frequency
                ),
            ));
        }
        if self.recency > self.t {
            return Err(ClvError::invalid(
                at,
                "recency",
                format!(
                    "recency {} is greater than T = {} (last purchase after the calibration end?)",
                    self.recency, self.t
                ),
            ));
        }
        if self.frequency == 0.0 && self.recency != 0.0 {
            return Err(ClvError::invalid(
                at,
                "recency",
                format!(
                    "recency is {} but frequency is 0 (must then be 0)",
                    self.recency
                ),
            ));
        }
        Ok(())
    }
}

/// Summarises one customer's transactions up to `calibration_end_ms` (inclusive).
///
/// `timestamps_ms` and `amounts` are parallel (any order). Returns `Ok(None)` when the
/// customer has no transaction at or before the calibration end.
///
/// Errors (`clv.invalid_input`, naming the transaction index): lengths differ, an amount
/// is not finite or is negative.
pub fn summarize(
    timestamps_ms: &[i64],
    amounts: &[f64],
    calibration_end_ms: i64,
    time_unit: TimeUnit,
) -> Result<Option<CustomerSummary>, ClvError> {
    check_transactions(timestamps_ms, amounts)?;
    let mut days: Vec<(i64, f64)> = timestamps_ms
        .iter()
        .zip(amounts)
        .filter(|(ts, _)| **ts <= calibration_end_ms)
        .map(|(ts, amount)| (ts.div_euclid(DAY_MS), *amount))
        .collect();
    if days.is_empty() {
        return Ok(None);
    }
    days.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
    // Collapse to (day, total) in day order.
    let mut totals: Vec<(i64, f64)> = Vec::with_capacity(days.len());
    for (day, amount) in days {
        match totals.last_mut() {
            Some(last) if last.0 == day => last.1 += amount,
            _ => totals.push((day, amount)),
        }
    }
    let (first_day, last_day) = match (totals.first(), totals.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => return Ok(None),
    };
    let end_day = calibration_end_ms.div_euclid(DAY_MS);
    let unit = time_unit.days();
    let repeat = totals.get(1..).unwrap_or(&[]);
    let frequency = repeat.len() as f64;
    let monetary_value = if repeat.is_empty() {
        0.0
    } else {
        repeat.iter().map(|(_, v)| v).sum::<f64>() / frequency
    };
    Ok(Some(CustomerSummary {
        frequency,
        recency: (last_day - first_day) as f64 / unit,
        t: (end_day - first_day) as f64 / unit,
        monetary_value,
    }))
}

/// Like [`summarize`], and also counts the distinct purchase days in
/// `(calibration_end_ms, holdout_end_ms]`.
///
/// Errors: those of [`summarize`], and `holdout_end_ms < calibration_end_ms`.
pub fn summarize_with_holdout(
    timestamps_ms: &[i64],
    amounts: &[f64],
    calibration_end_ms: i64,
    holdout_end_ms: i64,
    time_unit: TimeUnit,
) -> Result<Option<HoldoutSummary>, ClvError> {
    if holdout_end_ms < calibration_end_ms {
        return Err(ClvError::invalid(
            "argument",
            "holdout_end_ms",
            format!(
                "holdout end {holdout_end_ms} is before the calibration end {calibration_end_ms}"
            ),
        ));
    }
    let Some(calibration) = summarize(timestamps_ms, amounts, calibration_end_ms, time_unit)?
    else {
        return Ok(None);
    };
    let mut days: Vec<i64> = timestamps_ms
        .iter()
        .filter(|ts| **ts > calibration_end_ms && **ts <= holdout_end_ms)
        .map(|ts| ts.div_euclid(DAY_MS))
        .collect();
    days.sort_unstable();
    days.dedup();
    Ok(Some(HoldoutSummary {
        calibration,
        holdout_purchases: u32::try_from(days.len()).unwrap_or(u32::MAX),
    }))
}

/// Length of the holdout period in the time unit, as `lifetimes` computes
/// `duration_holdout`: (holdout end day − calibration end day) / unit.
pub fn holdout_duration(calibration_end_ms: i64, holdout_end_ms: i64, time_unit: TimeUnit) -> f64 {
    (holdout_end_ms.div_euclid(DAY_MS) - calibration_end_ms.div_euclid(DAY_MS)) as f64
        / time_unit.days()
}

fn check_transactions(timestamps_ms: &[i64], amounts: &[f64]) -> Result<(), ClvError> {
    if timestamps_ms.len() != amounts.len() {
        return Err(ClvError::invalid(
            "argument",
            "amounts",
            format!(
                "{} amounts for {} timestamps (they must be parallel)",
                amounts.len(),
                timestamps_ms.len()
            ),
        ));
    }
    for (i, v) in amounts.iter().enumerate() {
        if !v.is_finite() {
            return Err(ClvError::invalid(
                format!("transaction #{i}"),
                "amount",
                format!("{v} is not a finite number"),
            ));
        }
        if *v < 0.0 {
            return Err(ClvError::invalid(
                format!("transaction #{i}"),
                "amount",
                format!("{v} is negative (refunds must be netted before summarising)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_MS;

    #[test]
    fn collapses_days_and_excludes_first_day_from_monetary_value() {
        // Day 0: 10 + 5 (same day), day 3: 20, day 3 again: 1, day 10: 30; end day 14.
        let ts = [0, 3 * D + 5, 10 * D + 100, 3 * D + 99, 3_600_000];
        let amounts = [10.0, 20.0, 30.0, 1.0, 5.0];
        let s = summarize(&ts, &amounts, 14 * D + 1, TimeUnit::Days)
            .unwrap()
            .unwrap();
        assert_eq!(s.frequency, 2.0);
        assert_eq!(s.recency, 10.0);
        assert_eq!(s.t, 14.0);
        assert_eq!(s.monetary_value, (21.0 + 30.0) / 2.0);
        let w = summarize(&ts, &amounts, 14 * D + 1, TimeUnit::Weeks)
            .unwrap()
            .unwrap();
        assert_eq!(w.recency, 10.0 / 7.0);
        assert_eq!(w.t, 2.0);
    }

    #[test]
    fn calibration_end_is_an_instant_and_t_uses_its_day() {
        // A purchase later on the calibration-end day is excluded (raw comparison) but T is
        // still measured to that day; it counts as a holdout purchase.
        let ts = [0, 5 * D + 10, 5 * D + 50_000_000];
        let amounts = [1.0, 2.0, 3.0];
        let end = 5 * D + 43_200_000; // noon of day 5
        let h = summarize_with_holdout(&ts, &amounts, end, 9 * D, TimeUnit::Days)
            .unwrap()
            .unwrap();
        assert_eq!(h.calibration.frequency, 1.0);
        assert_eq!(h.calibration.monetary_value, 2.0);
        assert_eq!(h.calibration.t, 5.0);
        assert_eq!(h.holdout_purchases, 1);
        assert_eq!(holdout_duration(end, 9 * D, TimeUnit::Days), 4.0);
    }

    #[test]
    fn one_time_buyer_and_future_customer() {
        let s = summarize(&[2 * D], &[9.0], 2 * D, TimeUnit::Days)
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.frequency, s.recency, s.t, s.monetary_value),
            (0.0, 0.0, 0.0, 0.0)
        );
        assert_eq!(
            summarize(&[3 * D], &[9.0], 2 * D, TimeUnit::Days).unwrap(),
            None
        );
        assert_eq!(summarize(&[], &[], 2 * D, TimeUnit::Days).unwrap(), None);
    }

    #[test]
    fn negative_timestamps_floor_to_the_previous_day() {
        // 1969-12-31T23:00 is day −1, 1970-01-01T01:00 is day 0: two purchase days.
        let s = summarize(
            &[-3_600_000, 3_600_000],
            &[1.0, 2.0],
            10 * D,
            TimeUnit::Days,
        )
        .unwrap()
        .unwrap();
        assert_eq!((s.frequency, s.recency, s.t), (1.0, 1.0, 11.0));
    }

    #[test]
    fn rejects_bad_transactions_with_their_index() {
        let e = summarize(&[0, D], &[1.0, f64::NAN], D, TimeUnit::Days).unwrap_err();
        assert_eq!(e.code(), "clv.invalid_input");
        assert!(e.to_string().contains("transaction #1"), "{e}");
        let e = summarize(&[0, D], &[1.0, -2.0], D, TimeUnit::Days).unwrap_err();
        assert!(e.to_string().contains("negative"), "{e}");
        assert!(summarize(&[0, D], &[1.0], D, TimeUnit::Days).is_err());
        assert!(summarize_with_holdout(&[0], &[1.0], D, 0, TimeUnit::Days).is_err());
    }

    #[test]
    fn validate_names_the_field() {
        let ok = CustomerSummary {
            frequency: 2.0,
            recency: 3.0,
            t: 5.0,
            monetary_value: 1.0,
        };
        assert!(ok.validate("customer #0").is_ok());
        let e = CustomerSummary { recency: 6.0, ..ok }
            .validate("customer #7")
            .unwrap_err();
        assert!(e.to_string().contains("customer #7") && e.to_string().contains("recency"));
        assert!(CustomerSummary {
            frequency: 1.5,
            ..ok
        }
        .validate("c")
        .is_err());
        assert!(CustomerSummary {
            t: f64::INFINITY,
            ..ok
        }
        .validate("c")
        .is_err());
        assert!(CustomerSummary {
            monetary_value: -1.0,
            ..ok
        }
        .validate("c")
        .is_err());
        assert!(CustomerSummary {
            frequency: 0.0,
            ..ok
        }
        .validate("c")
        .is_err());
    }
}
