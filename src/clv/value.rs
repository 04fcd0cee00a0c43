//! Customer lifetime value over a horizon of months, as `lifetimes`'
//! `GammaGammaFitter.customer_lifetime_value` computes it (`utils._customer_lifetime_value`):
//!
//! `CLV = Σ_{i=1..months} margin · E[Z|x,m] · (E[N(T, T+iL)] − E[N(T, T+(i−1)L)]) / (1+d)^i`
//!
//! where `L` is the month length in the model's time unit — **30** for days and **4.345**
//! for weeks, exactly `lifetimes`' `{"D": 30, "W": 4.345}` (so a "month" is 30 days in a
//! daily model but 30.415 days in a weekly one) — `E[N(T, T+t)]` the purchase model's (BG/NBD, MBG/NBD
//! or Pareto/NBD) conditional expectation, `E[Z|x,m]` the Gamma-Gamma expected order value and `d` the monthly
//! discount rate. `lifetimes` has no margin (its users scale the monetary values); here the
//! margin multiplies the expected order value.
use crate::math::pow;

use super::bgnbd::BgNbdParams;
use super::error::ClvError;
use super::gamma_gamma::GammaGammaParams;
use super::purchase::PurchaseParams;
use super::special::MULTI_LANES;
use super::summary::{CustomerSummary, TimeUnit};

/// Discounted expected value of a customer over `months` months (see the module docs).
///
/// Errors: invalid parameters or summary, `margin` not finite or negative,
/// `monthly_discount_rate` not finite or negative, numerical failures of the expectation.
pub fn customer_lifetime_value(
    bgnbd: &BgNbdParams,
    gamma_gamma: &GammaGammaParams,
    summary: &CustomerSummary,
    time_unit: TimeUnit,
    months: u32,
    margin: f64,
    monthly_discount_rate: f64,
) -> Result<f64, ClvError> {
    let order_value =
        gamma_gamma.expected_order_value(summary.frequency, summary.monetary_value)?;
    clv_with_order_value(
        &PurchaseParams::BgNbd(*bgnbd),
        order_value,
        summary,
        time_unit,
        months,
        margin,
        monthly_discount_rate,
    )
}

/// The CLV sum for a given expected order value.
///
/// The monthly expectations are computed a block at a time
/// ([`PurchaseParams::expected_purchases_multi`]) and the discount factors come from a
/// per-thread cache ([`discount_factors`]); the result has exactly the bits of the plain
/// month-by-month loop, `clv_reference` (kept in the tests, which compare the two).
pub(crate) fn clv_with_order_value(
    purchase: &PurchaseParams,
    order_value: f64,
    summary: &CustomerSummary,
    time_unit: TimeUnit,
    months: u32,
    margin: f64,
    monthly_discount_rate: f64,
) -> Result<f64, ClvError> {
    // The storefront (no `data` feature) decides one customer at a time: it keeps the
    // per-month loop, the smaller code with the same bits.
    #[cfg(not(feature = "data"))]
    return clv_reference(
        purchase,
        order_value,
        summary,
        time_unit,
        months,
        margin,
        monthly_discount_rate,
    );
    #[cfg(feature = "data")]
    check_rate("margin", margin)?;
    #[cfg(feature = "data")]
    check_rate("monthly_discount_rate", monthly_discount_rate)?;
    #[cfg(feature = "data")]
    clv_blocks(
        purchase,
        None,
        order_value,
        summary,
        time_unit,
        months,
        margin,
        monthly_discount_rate,
    )
    .map(|(_, clv)| clv)
}

/// [`clv_with_order_value`] and `purchase.expected_purchases(horizon, …)` of the same
/// customer, computed together (`horizon` joins the first block of monthly horizons).
///
/// The results are those of the two calls; errors are not in the same order (a caller that
/// needs the exact error of the separate calls makes them when this fails, as
/// [`super::model::ClvModel::predict`] does).
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
pub(crate) fn clv_and_expected_purchases(
    purchase: &PurchaseParams,
    horizon: f64,
    order_value: f64,
    summary: &CustomerSummary,
    time_unit: TimeUnit,
    months: u32,
    margin: f64,
    monthly_discount_rate: f64,
) -> Result<(f64, f64), ClvError> {
    check_rate("margin", margin)?;
    check_rate("monthly_discount_rate", monthly_discount_rate)?;
    let (expected, clv) = clv_blocks(
        purchase,
        Some(horizon),
        order_value,
        summary,
        time_unit,
        months,
        margin,
        monthly_discount_rate,
    )?;
    match expected {
        Some(expected) => Ok((expected, clv)),
        // Unreachable: the first block always holds `horizon`.
        None => Ok((
            purchase.expected_purchases(horizon, summary.frequency, summary.recency, summary.t)?,
            clv,
        )),
    }
}

/// The sum of `clv_reference` a block of months at a time, with `extra` (if any) evaluated
/// in the first block; returns `(expected purchases at extra, CLV)`.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn clv_blocks(
    purchase: &PurchaseParams,
    extra: Option<f64>,
    order_value: f64,
    summary: &CustomerSummary,
    time_unit: TimeUnit,
    months: u32,
    margin: f64,
    monthly_discount_rate: f64,
) -> Result<(Option<f64>, f64), ClvError> {
    let mut sum = ClvSum {
        purchase,
        summary,
        month: time_unit.month_length(),
        order_value,
        margin,
        monthly_discount_rate,
        previous: 0.0,
        total: 0.0,
    };
    let mut horizons = [0.0; MULTI_LANES];
    let mut extra_value = None;
    let mut n = 0;
    if let (Some(h), Some(slot)) = (extra, horizons.first_mut()) {
        *slot = h;
        n = 1;
    }
    let mut with_extra = extra.is_some();
    let mut first_month = 1;
    for i in 1..=months {
        if let Some(slot) = horizons.get_mut(n) {
            *slot = f64::from(i) * sum.month;
        }
        n += 1;
        if n == MULTI_LANES || i == months {
            let value = sum.block(
                horizons.get(..n).unwrap_or_default(),
                with_extra,
                first_month,
            )?;
            if with_extra {
                extra_value = value;
                with_extra = false;
            }
            n = 0;
            first_month = i.saturating_add(1);
        }
    }
    if with_extra {
        // No months: the extra horizon alone.
        extra_value = sum.block(horizons.get(..n).unwrap_or_default(), true, 1)?;
    }
    Ok((extra_value, sum.total))
}

/// The running sum of [`clv_blocks`].
#[cfg_attr(not(feature = "data"), allow(dead_code))]
struct ClvSum<'a> {
    purchase: &'a PurchaseParams,
    summary: &'a CustomerSummary,
    month: f64,
    order_value: f64,
    margin: f64,
    monthly_discount_rate: f64,
    previous: f64,
    total: f64,
}

impl ClvSum<'_> {
    /// Adds the months of `horizons` (from `first_month` on, after the extra horizon when
    /// `with_extra`); returns the expected purchases at the extra horizon.
    #[cfg_attr(not(feature = "data"), allow(dead_code))]
    fn block(
        &mut self,
        horizons: &[f64],
        with_extra: bool,
        first_month: u32,
    ) -> Result<Option<f64>, ClvError> {
        let s = self.summary;
        let mut cumulative = [0.0; MULTI_LANES];
        let cumulative = cumulative.get_mut(..horizons.len()).unwrap_or_default();
        self.purchase.expected_purchases_multi(
            horizons,
            s.frequency,
            s.recency,
            s.t,
            cumulative,
        )?;
        let (extra, months): (Option<f64>, &[f64]) = match cumulative.split_first() {
            Some((extra, months)) if with_extra => (Some(*extra), months),
            _ => (None, cumulative),
        };
        let mut factors = [0.0; MULTI_LANES];
        let factors = factors.get_mut(..months.len()).unwrap_or_default();
        discount_factors(self.monthly_discount_rate, self.month, first_month, factors);
        for (&cumulative, &factor) in months.iter().zip(factors.iter()) {
            let purchases = cumulative - self.previous;
            self.previous = cumulative;
            self.total += self.margin * self.order_value * purchases / factor;
        }
        Ok(extra)
    }
}

/// The definition of [`clv_with_order_value`], one [`PurchaseParams::expected_purchases`]
/// per month (after the same argument checks): the storefront's code, and the reference the
/// batch path's bits are tested against.
#[cfg(any(test, not(feature = "data")))]
pub(crate) fn clv_reference(
    purchase: &PurchaseParams,
    order_value: f64,
    summary: &CustomerSummary,
    time_unit: TimeUnit,
    months: u32,
    margin: f64,
    monthly_discount_rate: f64,
) -> Result<f64, ClvError> {
    check_rate("margin", margin)?;
    check_rate("monthly_discount_rate", monthly_discount_rate)?;
    let month = time_unit.month_length();
    let (x, t_x, t) = (summary.frequency, summary.recency, summary.t);
    let mut previous = 0.0;
    let mut total = 0.0;
    for i in 1..=months {
        let horizon = f64::from(i) * month;
        let cumulative = purchase.expected_purchases(horizon, x, t_x, t)?;
        let purchases = cumulative - previous;
        previous = cumulative;
        total +=
            margin * order_value * purchases / pow(1.0 + monthly_discount_rate, horizon / month);
    }
    Ok(total)
}

/// Months whose discount factors are cached (per thread).
#[cfg_attr(not(feature = "data"), allow(dead_code))]
const CACHED_MONTHS: usize = 1200;

/// The discount factor of month `i`, exactly as `clv_reference` computes it.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn discount_factor(monthly_discount_rate: f64, month: f64, i: u32) -> f64 {
    let horizon = f64::from(i) * month;
    pow(1.0 + monthly_discount_rate, horizon / month)
}

/// The [`discount_factor`]s of months `first, first + 1, …` into `out`. They depend only on
/// the rate and the month length, so the first [`CACHED_MONTHS`] are kept per thread for the
/// last `(rate, month length)` seen instead of being recomputed for every customer.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn discount_factors(monthly_discount_rate: f64, month: f64, first: u32, out: &mut [f64]) {
    use std::cell::RefCell;
    /// `(rate bits, month length bits, factors of months 1, 2, …)`.
    type Cache = (u64, u64, Vec<f64>);
    thread_local! {
        static CACHE: RefCell<Cache> = const { RefCell::new((0, 0, Vec::new())) };
    }
    let key = (monthly_discount_rate.to_bits(), month.to_bits());
    // Months first..first + out.len() are factors[start..end].
    let start = (first as usize).wrapping_sub(1);
    let end = start.saturating_add(out.len());
    let from_cache = |cache: &RefCell<Cache>| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return false;
        };
        let (rate_bits, month_bits, factors) = &mut *cache;
        if (*rate_bits, *month_bits) != key {
            (*rate_bits, *month_bits) = key;
            factors.clear();
        }
        while factors.len() < end {
            let i = u32::try_from(factors.len() + 1).unwrap_or(u32::MAX);
            factors.push(discount_factor(monthly_discount_rate, month, i));
        }
        let Some(cached) = factors.get(start..end) else {
            return false;
        };
        for (o, &f) in out.iter_mut().zip(cached) {
            *o = f;
        }
        true
    };
    let cached = first >= 1 && end <= CACHED_MONTHS && CACHE.try_with(from_cache).unwrap_or(false);
    if !cached {
        for (o, i) in out.iter_mut().zip(first..=u32::MAX) {
            *o = discount_factor(monthly_discount_rate, month, i);
        }
    }
}

fn check_rate(field: &'static str, v: f64) -> Result<(), ClvError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ClvError::invalid(
            "argument",
            field,
            format!("{v} must be a finite number ≥ 0 (a fraction, e.g. 0.3 or 0.01)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BG: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    const GG: GammaGammaParams = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };

    #[test]
    fn clv_is_discounted_sum_of_monthly_increments() {
        let s = CustomerSummary {
            frequency: 3.0,
            recency: 30.0,
            t: 38.0,
            monetary_value: 40.0,
        };
        let v = customer_lifetime_value(&BG, &GG, &s, TimeUnit::Weeks, 12, 0.3, 0.0).unwrap();
        // Without discounting the sum telescopes to the 12-month expectation.
        let eov = GG.expected_order_value(3.0, 40.0).unwrap();
        let e12 = BG
            .expected_purchases(12.0 * 4.345, 3.0, 30.0, 38.0)
            .unwrap();
        assert!((v - 0.3 * eov * e12).abs() < 1e-12 * v, "{v}");
        let discounted =
            customer_lifetime_value(&BG, &GG, &s, TimeUnit::Weeks, 12, 0.3, 0.01).unwrap();
        assert!(discounted < v);
        assert_eq!(
            customer_lifetime_value(&BG, &GG, &s, TimeUnit::Weeks, 0, 0.3, 0.01).unwrap(),
            0.0
        );
        assert!(customer_lifetime_value(&BG, &GG, &s, TimeUnit::Weeks, 12, -0.3, 0.01).is_err());
        assert!(customer_lifetime_value(&BG, &GG, &s, TimeUnit::Weeks, 12, 0.3, f64::NAN).is_err());
    }
}
