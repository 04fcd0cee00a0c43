//! Points as a material right under IFRS 15: the revenue allocated to the points a sale grants
//! and recognised as they are redeemed (IFRS 15.B39–B43, Illustrative Example 52, IE267–IE270).
//!
//! 1. [`allocate`]: the transaction price is shared between the goods and the points in
//!    proportion to their stand-alone selling prices; the points' is their value weighted by
//!    the likelihood of redemption (`points × value per point × expected redemption rate`).
//! 2. [`recognise`]: at the end of each period, the revenue recognised for the points so far is
//!    `allocated × points redeemed so far ÷ points expected to be redeemed in total` (the
//!    expectation revised each period); the period's revenue is that less what earlier periods
//!    recognised, and the rest of the allocation is the contract liability.
//!
//! The tests reproduce the standard's Example 52 and KPMG's *Revenue – IFRS 15 handbook*
//! Examples 10A and 10B to the unit.

use super::AnalysisError;
use serde::Serialize;

/// A transaction price shared between goods and points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    pub goods: f64,
    pub points: f64,
    /// The points' share of the stand-alone selling prices.
    pub points_share: f64,
}

/// The points' stand-alone selling price: `points × value × expected redemption rate`.
pub fn points_ssp(points: f64, value_per_point: f64, redemption_rate: f64) -> f64 {
    points * value_per_point * redemption_rate
}

/// Shares `price` between goods and points by their stand-alone selling prices.
///
/// Errors: `analysis.invalid` for amounts that are not finite and ≥ 0, or no selling price.
pub fn allocate(price: f64, ssp_goods: f64, ssp_points: f64) -> Result<Allocation, AnalysisError> {
    for (v, name) in [
        (price, "price"),
        (ssp_goods, "sspGoods"),
        (ssp_points, "sspPoints"),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                name,
                format!("{v}: a finite amount ≥ 0"),
            ));
        }
    }
    let total = ssp_goods + ssp_points;
    if total <= 0.0 {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "sspGoods",
            "the stand-alone selling prices add up to 0",
        ));
    }
    let share = ssp_points / total;
    Ok(Allocation {
        goods: price - price * share,
        points: price * share,
        points_share: share,
    })
}

/// One period of the points' revenue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recognition {
    pub redeemed: f64,
    pub cumulative_redeemed: f64,
    /// Points expected to be redeemed in total, as estimated at the period's end.
    pub expected_total: f64,
    /// Revenue recognised in the period.
    pub revenue: f64,
    pub cumulative_revenue: f64,
    /// What is left of the allocation: the contract liability at the period's end.
    pub liability: f64,
}

/// The points' revenue period by period: `periods` are `(points redeemed in the period, points
/// expected to be redeemed in total)`.
///
/// Errors: `analysis.invalid` (path `periods[i]`) for a negative or non-finite count, an
/// expected total below the points redeemed so far or not above 0, and for an allocation that
/// is not a finite amount ≥ 0 (path `allocated`).
pub fn recognise(
    allocated: f64,
    periods: &[(f64, f64)],
) -> Result<Vec<Recognition>, AnalysisError> {
    if !(allocated.is_finite() && allocated >= 0.0) {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "allocated",
            format!("{allocated}: a finite amount ≥ 0"),
        ));
    }
    let (mut cum_points, mut cum_revenue) = (0.0, 0.0);
    let mut out = Vec::with_capacity(periods.len());
    for (i, &(redeemed, expected)) in periods.iter().enumerate() {
        let bad = |m: String| {
            Err(AnalysisError::new(
                "analysis.invalid",
                format!("periods[{i}]"),
                m,
            ))
        };
        if !(redeemed.is_finite() && redeemed >= 0.0) {
            return bad(format!("{redeemed} points redeemed: a count ≥ 0"));
        }
        cum_points += redeemed;
        if !(expected.is_finite() && expected > 0.0 && expected >= cum_points) {
            return bad(format!(
                "{expected} points expected in total: above 0 and at least the {cum_points} redeemed so far"
            ));
        }
        let cumulative = allocated * cum_points / expected;
        out.push(Recognition {
            redeemed,
            cumulative_redeemed: cum_points,
            expected_total: expected,
            revenue: cumulative - cum_revenue,
            cumulative_revenue: cumulative,
            liability: allocated - cumulative,
        });
        cum_revenue = cumulative;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IFRS 15 Illustrative Example 52 (IE267–IE270): sales of 100,000 grant 10,000 points
    /// worth 1 each, 9,500 expected to be redeemed. 8,676 allocated to the points; 4,500
    /// redeemed in year 1 (4,110 recognised); 8,500 by the end of year 2, now 9,700 expected
    /// (3,493 recognised).
    #[test]
    fn ifrs_15_example_52() {
        let a = allocate(100_000.0, 100_000.0, points_ssp(10_000.0, 1.0, 0.95)).unwrap();
        assert_eq!(a.points.round(), 8_676.0);
        assert_eq!(a.goods.round(), 91_324.0);
        let r = recognise(a.points, &[(4_500.0, 9_500.0), (4_000.0, 9_700.0)]).unwrap();
        assert_eq!(r[0].revenue.round(), 4_110.0);
        assert_eq!(r[1].revenue.round(), 3_493.0);
        assert_eq!(r[1].liability.round(), 1_073.0);
    }

    /// KPMG, Revenue – IFRS 15 handbook (2019), Example 10A: one point per 10 spent, worth 1,
    /// 97% expected to be redeemed; sales of 100,000 earn 10,000 points. KPMG's table rounds the
    /// selling-price ratio to whole percent (91% / 9%: 91,000 and 9,000). 4,500 redeemed in
    /// year 2 with 9,700 expected: 4,175; 4,000 more in year 3 with 9,900 expected: 3,552.
    /// Example 10B: the same, 9,200 expected in year 3: 4,140.
    #[test]
    fn kpmg_handbook_examples_10a_and_10b() {
        let a = allocate(100_000.0, 100_000.0, points_ssp(10_000.0, 1.0, 0.97)).unwrap();
        let share = (a.points_share * 100.0).round() / 100.0;
        assert_eq!(share, 0.09);
        let allocated = 100_000.0 * share;
        assert_eq!(allocated, 9_000.0);
        assert_eq!((100_000.0 * (1.0 - share)).round(), 91_000.0);
        let r = recognise(allocated, &[(4_500.0, 9_700.0), (4_000.0, 9_900.0)]).unwrap();
        assert_eq!(r[0].revenue.round(), 4_175.0);
        assert_eq!(r[1].revenue.round(), 3_552.0);
        let r = recognise(allocated, &[(4_500.0, 9_700.0), (4_000.0, 9_200.0)]).unwrap();
        assert_eq!(r[1].revenue.round(), 4_140.0);
        // Unrounded, the allocation is 8,842.3 (100,000 × 9,700 / 109,700).
        assert!((a.points - 100_000.0 * 9_700.0 / 109_700.0).abs() < 1e-9);
    }

    #[test]
    fn errors_name_the_period() {
        let e = recognise(100.0, &[(5.0, 10.0), (6.0, 10.0)]).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.path.as_str()),
            ("analysis.invalid", "periods[1]")
        );
        assert_eq!(recognise(f64::NAN, &[]).unwrap_err().path, "allocated");
        assert_eq!(allocate(1.0, 0.0, 0.0).unwrap_err().path, "sspGoods");
        assert_eq!(allocate(-1.0, 1.0, 0.0).unwrap_err().path, "price");
    }
}
