//! Loyalty KPIs from the transactions and the points ledger, each with its interval.
//!
//! * **Repeat-purchase rate**: the share of customers with two orders or more (Wilson interval).
//! * **Purchase frequency**: orders per customer (Student's t interval of the mean).
//! * **Average check**: revenue per order, a ratio over customers (delta-method interval,
//!   customers as the units: `var = s²(y − R·x) / (n·x̄²)`).
//! * **Churn** two ways: by a recency rule (no order in the `churnDays` before `now`; Wilson)
//!   and by the model (the mean of `1 − P(alive)` of BG/NBD or its kin; t interval), with the
//!   mean customer lifetime value beside it.
//! * **Retention cohorts** by first-purchase month: the share of each cohort with an order in
//!   each later calendar month that ended before `now`.
//! * **Points** (from ledgers replayed as of `now`): issued, redeemed, expired and outstanding,
//!   month by month and by the month they were earned; the redemption rate (redeemed ÷ issued);
//!   **breakage** (expired ÷ issued) over the *closed* cohorts, the months whose points are all
//!   spent or expired, as open cohorts would understate it; and the **points liability**: the
//!   outstanding points valued at their expected redemption,
//!   `outstanding × pointValue × (1 − breakage)`, with the interval breakage's gives it. (IFRS
//!   15 treats points as a material right: [`super::ifrs15`] allocates revenue to them and
//!   recognises it as they are redeemed.)

use super::did::History;
use super::AnalysisError;
use crate::clv::{ClvModel, ClvOptions};
use crate::loyalty::ledger::{Ledger, OpKind};
use crate::stats::dist::t_ppf;
use crate::stats::special::norm_ppf;
use crate::time::{civil_from_days, DAY_MS};
use serde::Serialize;
use std::collections::BTreeMap;

/// The KPIs' settings.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiOptions {
    /// The end of the data (exclusive): later orders and ledger operations are not read.
    pub now: i64,
    /// A customer with no order in this many days before `now` has churned (default 180).
    pub churn_days: u32,
    /// Months followed after each cohort's first (default 12).
    pub cohort_months: u32,
    /// Intervals at `1 − alpha` (default 0.05).
    pub alpha: f64,
    /// The money a point is worth (for the liability).
    pub point_value: Option<f64>,
}

impl KpiOptions {
    pub fn new(now: i64) -> KpiOptions {
        KpiOptions {
            now,
            churn_days: 180,
            cohort_months: 12,
            alpha: 0.05,
            point_value: None,
        }
    }
}

/// A value with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub value: f64,
    pub ci: (f64, f64),
}

/// One first-purchase cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    /// `YYYY-MM`.
    pub month: String,
    pub customers: usize,
    /// Share with an order in the cohort's month + k, for each complete month (k = 0 first).
    pub retention: Vec<f64>,
}

/// Points in and out in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsMonth {
    pub month: String,
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    /// Points in the ledgers at the end of the month (pending and available).
    pub outstanding: i64,
}

/// The points earned in a month and what became of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsCohort {
    pub month: String,
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub outstanding: i64,
    /// Every point spent or expired: the cohort counts for breakage.
    pub closed: bool,
}

/// The points KPIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsKpis {
    pub accounts: usize,
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub outstanding: i64,
    /// Redeemed ÷ issued, every cohort.
    pub redemption_rate: Option<Interval>,
    /// Expired ÷ issued over the closed cohorts (`null` without one).
    pub breakage: Option<Interval>,
    pub closed_cohorts: usize,
    /// The money the outstanding points are worth at face value.
    pub outstanding_value: Option<f64>,
    /// The outstanding points valued at their expected redemption (`null` without a point
    /// value or a closed cohort).
    pub liability: Option<Interval>,
    pub months: Vec<PointsMonth>,
    pub cohorts: Vec<PointsCohort>,
}

/// The KPIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kpis {
    pub customers: usize,
    pub orders: usize,
    pub revenue: f64,
    pub alpha: f64,
    pub repeat_rate: Interval,
    pub frequency: Interval,
    pub average_check: Option<Interval>,
    pub churn_days: u32,
    pub churn_recency: Interval,
    /// The mean of `1 − P(alive)` (with a CLV model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn_model: Option<Interval>,
    /// The mean customer lifetime value (with a CLV model that has a spend model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clv: Option<Interval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clv_total: Option<f64>,
    pub cohorts: Vec<Cohort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<PointsKpis>,
}

/// The Wilson score interval of `k` successes in `n` (statsmodels'
/// `proportion_confint(method="wilson")`).
pub fn wilson(k: f64, n: f64, alpha: f64) -> Interval {
    let p = k / n;
    let z = norm_ppf(1.0 - alpha / 2.0);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * libm::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
    Interval {
        value: p,
        ci: (center - half, center + half),
    }
}

/// Sums for a mean and for a ratio of sums over units.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: f64,
    x: f64,
    y: f64,
    xx: f64,
    yy: f64,
    xy: f64,
}

impl Sums {
    fn push(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        self.x += x;
        self.y += y;
        self.xx += x * x;
        self.yy += y * y;
        self.xy += x * y;
    }

    /// The mean of `y` with Student's t interval.
    fn mean(&self, alpha: f64) -> Interval {
        let m = self.y / self.n;
        if self.n < 2.0 {
            return Interval {
                value: m,
                ci: (f64::NAN, f64::NAN),
            };
        }
        let var = ((self.yy - self.y * m) / (self.n - 1.0)).max(0.0);
        let h = t_ppf(1.0 - alpha / 2.0, self.n - 1.0) * libm::sqrt(var / self.n);
        Interval {
            value: m,
            ci: (m - h, m + h),
        }
    }

    /// `Σy / Σx` with the delta method's normal interval (`None` when `Σx = 0`).
    fn ratio(&self, alpha: f64) -> Option<Interval> {
        if self.x <= 0.0 {
            return None;
        }
        let r = self.y / self.x;
        if self.n < 2.0 {
            return Some(Interval {
                value: r,
                ci: (f64::NAN, f64::NAN),
            });
        }
        // s² of d = y − r·x (whose sum is 0).
        let ss = self.yy - 2.0 * r * self.xy + r * r * self.xx;
        let var = (ss / (self.n - 1.0)).max(0.0);
        let xbar = self.x / self.n;
        let se = libm::sqrt(var / self.n) / xbar;
        let h = norm_ppf(1.0 - alpha / 2.0) * se;
        Some(Interval {
            value: r,
            ci: (r - h, r + h),
        })
    }
}

/// `(year, month)` of an instant, UTC.
fn month_of(t: i64) -> (i64, u32) {
    let (y, m, _) = civil_from_days(t.div_euclid(DAY_MS));
    (y, m)
}

fn month_index((y, m): (i64, u32)) -> i64 {
    y * 12 + i64::from(m) - 1
}

fn month_name(index: i64) -> String {
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// The KPIs of `customers` (orders after `now` are left out), with the CLV model's churn and
/// value when one is given, and the points KPIs of `ledgers` (replayed as of `now`, e.g. by
/// [`crate::loyalty::state::build_ledger`]).
///
/// Errors: `analysis.invalid` for bad options or an amount that is not a finite number ≥ 0
/// (path `customers[i].orders[k]`), `analysis.too_few` without a customer who ordered before
/// `now`, and the CLV model's errors (path `customers[i]`).
pub fn kpis(
    customers: &[History],
    clv: Option<(&ClvModel, &ClvOptions)>,
    ledgers: &[Ledger],
    o: &KpiOptions,
) -> Result<Kpis, AnalysisError> {
    let bad = |path: &str, m: String| Err(AnalysisError::new("analysis.invalid", path, m));
    if !(o.alpha > 0.0 && o.alpha < 1.0) {
        return bad("alpha", format!("{}: between 0 and 1", o.alpha));
    }
    if o.churn_days == 0 || o.churn_days > 3660 {
        return bad("churnDays", format!("{}: between 1 and 3660", o.churn_days));
    }
    if o.cohort_months == 0 || o.cohort_months > 240 {
        return bad(
            "cohortMonths",
            format!("{}: between 1 and 240", o.cohort_months),
        );
    }
    if o.point_value.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
        return bad("pointValue", "a positive amount of money".into());
    }
    let churn_from = o.now - i64::from(o.churn_days) * DAY_MS;
    let now_month = month_index(month_of(o.now));
    let (mut per_order, mut freq, mut clv_sums, mut alive) = (
        Sums::default(),
        Sums::default(),
        Sums::default(),
        Sums::default(),
    );
    let (mut repeaters, mut churned, mut n, mut orders_total, mut revenue) = (0.0, 0.0, 0, 0, 0.0);
    // Cohort month → (customers, customers active in month k).
    let mut cohorts: BTreeMap<i64, (usize, Vec<usize>)> = BTreeMap::new();
    for (i, c) in customers.iter().enumerate() {
        if let Some(k) = c
            .orders
            .iter()
            .position(|(_, a)| !(a.is_finite() && *a >= 0.0))
        {
            return bad(
                &format!("customers[{i}].orders[{k}]"),
                "the amount is not a finite number ≥ 0".into(),
            );
        }
        let mine: Vec<(i64, f64)> = c.orders.iter().copied().filter(|o2| o2.0 < o.now).collect();
        if mine.is_empty() {
            continue;
        }
        n += 1;
        let count = mine.len() as f64;
        let spent: f64 = mine.iter().map(|o2| o2.1).sum();
        orders_total += mine.len();
        revenue += spent;
        per_order.push(count, spent);
        freq.push(0.0, count);
        if mine.len() >= 2 {
            repeaters += 1.0;
        }
        let first = mine.iter().map(|o2| o2.0).min().unwrap_or(o.now);
        let last = mine.iter().map(|o2| o2.0).max().unwrap_or(o.now);
        if last < churn_from {
            churned += 1.0;
        }
        let cm = month_index(month_of(first));
        let complete = (now_month - cm).clamp(0, i64::from(o.cohort_months)) as usize;
        let entry = cohorts.entry(cm).or_insert_with(|| (0, vec![0; complete]));
        entry.0 += 1;
        let mut active = vec![false; complete];
        for (t, _) in &mine {
            let k = month_index(month_of(*t)) - cm;
            if k >= 0 && (k as usize) < complete {
                active[k as usize] = true;
            }
        }
        for (k, a) in active.iter().enumerate() {
            if *a {
                entry.1[k] += 1;
            }
        }
        if let Some((model, options)) = clv {
            let (ts, am): (Vec<i64>, Vec<f64>) = mine.iter().copied().unzip();
            let err = |e: crate::clv::ClvError| {
                AnalysisError::new("analysis.invalid", format!("customers[{i}]"), e.to_string())
            };
            let summary =
                crate::clv::summarize(&ts, &am, o.now - 1, model.time_unit).map_err(err)?;
            if let Some(s) = summary {
                let p = model.predict(&s, options).map_err(err)?;
                alive.push(0.0, 1.0 - p.p_alive);
                if let Some(v) = p.clv {
                    clv_sums.push(0.0, v);
                }
            }
        }
    }
    if n == 0 {
        return Err(AnalysisError::new(
            "analysis.too_few",
            "customers",
            "no customer ordered before now",
        ));
    }
    let nf = n as f64;
    let cohorts = cohorts
        .into_iter()
        .map(|(m, (count, active))| Cohort {
            month: month_name(m),
            customers: count,
            retention: active.iter().map(|a| *a as f64 / count as f64).collect(),
        })
        .collect();
    Ok(Kpis {
        customers: n,
        orders: orders_total,
        revenue,
        alpha: o.alpha,
        repeat_rate: wilson(repeaters, nf, o.alpha),
        frequency: freq.mean(o.alpha),
        average_check: per_order.ratio(o.alpha),
        churn_days: o.churn_days,
        churn_recency: wilson(churned, nf, o.alpha),
        churn_model: (alive.n > 0.0).then(|| alive.mean(o.alpha)),
        clv: (clv_sums.n > 0.0).then(|| clv_sums.mean(o.alpha)),
        clv_total: (clv_sums.n > 0.0).then_some(clv_sums.y),
        cohorts,
        points: (!ledgers.is_empty()).then(|| points(ledgers, o)),
    })
}

fn points(ledgers: &[Ledger], o: &KpiOptions) -> PointsKpis {
    // Month → [issued, redeemed, expired, net change]: points in and burned by the month of
    // their operation, expired points by the month their lot expired (a ledger processes expiry
    // when it is next asked, often long after), the balance's change by both.
    let mut months: BTreeMap<i64, [i64; 4]> = BTreeMap::new();
    // Earn month → [issued, redeemed, expired, outstanding].
    let mut cohorts: BTreeMap<i64, [i64; 4]> = BTreeMap::new();
    let moved = |m: &[crate::loyalty::ledger::Movement]| m.iter().map(|x| x.points).sum::<i64>();
    for l in ledgers {
        for (op, r) in l.log() {
            let e = months
                .entry(month_index(month_of(r.at.min(o.now - 1))))
                .or_default();
            match op.kind() {
                OpKind::Earn => e[0] += r.credited,
                OpKind::Adjust if r.credited > 0 => e[0] += r.credited,
                OpKind::Redeem => e[1] += moved(&r.burned),
                _ => {}
            }
            e[3] += r.balance_after - r.balance_before + moved(&r.expired);
        }
        for lot in l.lots() {
            let c = cohorts
                .entry(month_index(month_of(lot.earned_at)))
                .or_default();
            c[0] += lot.original;
            c[1] += lot.burned;
            c[2] += lot.expired;
            c[3] += lot.amount;
            if lot.expired > 0 {
                let at = lot.expires_at.unwrap_or(o.now).min(o.now - 1);
                let e = months.entry(month_index(month_of(at))).or_default();
                e[2] += lot.expired;
                e[3] -= lot.expired;
            }
        }
    }
    let closed: Vec<i64> = cohorts
        .iter()
        .filter(|(_, c)| c[3] == 0 && c[0] > 0)
        .map(|(m, _)| *m)
        .collect();
    // Per account over the closed cohorts: (issued, expired); every cohort: (issued, redeemed).
    let (mut brk, mut red) = (Sums::default(), Sums::default());
    for l in ledgers {
        let (mut ci, mut ce, mut ai, mut ar) = (0.0, 0.0, 0.0, 0.0);
        for lot in l.lots() {
            ai += lot.original as f64;
            ar += lot.burned as f64;
            if closed
                .binary_search(&month_index(month_of(lot.earned_at)))
                .is_ok()
            {
                ci += lot.original as f64;
                ce += lot.expired as f64;
            }
        }
        if ci > 0.0 {
            brk.push(ci, ce);
        }
        if ai > 0.0 {
            red.push(ai, ar);
        }
    }
    let total = |k: usize| cohorts.values().map(|c| c[k]).sum::<i64>();
    let outstanding: i64 = ledgers.iter().map(Ledger::balance).sum();
    let breakage = brk.ratio(o.alpha);
    let liability = match (o.point_value, breakage) {
        (Some(v), Some(b)) => {
            let face = outstanding as f64 * v;
            Some(Interval {
                value: face * (1.0 - b.value),
                ci: (face * (1.0 - b.ci.1), face * (1.0 - b.ci.0)),
            })
        }
        _ => None,
    };
    let mut running = 0;
    let months = months
        .into_iter()
        .map(|(m, e)| {
            running += e[3];
            PointsMonth {
                month: month_name(m),
                issued: e[0],
                redeemed: e[1],
                expired: e[2],
                outstanding: running,
            }
        })
        .collect();
    PointsKpis {
        accounts: ledgers.len(),
        issued: total(0),
        redeemed: total(1),
        expired: total(2),
        outstanding,
        redemption_rate: red.ratio(o.alpha),
        breakage,
        closed_cohorts: closed.len(),
        outstanding_value: o.point_value.map(|v| outstanding as f64 * v),
        liability,
        months,
        cohorts: cohorts
            .into_iter()
            .map(|(m, c)| PointsCohort {
                month: month_name(m),
                issued: c[0],
                redeemed: c[1],
                expired: c[2],
                outstanding: c[3],
                closed: closed.binary_search(&m).is_ok(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    #[test]
    fn month_arithmetic() {
        let t = days_from_civil(1997, 12, 31) * DAY_MS + 5;
        let m = month_index(month_of(t));
        assert_eq!(month_name(m), "1997-12");
        assert_eq!(month_name(m + 1), "1998-01");
    }
}
