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
pub(crate) fn clv_with_order_value(
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
