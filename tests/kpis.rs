//! `analysis::kpis` on CDNOW against pandas/statsmodels (`tests/vectors/kpis.json`, made by
//! `scripts/kpi_reference.py`), and the points KPIs of the simulated programme's ledgers.

use crate::common;

use offerwise::analysis::did::History;
use offerwise::analysis::kpis::{kpis, Interval, KpiOptions};
use offerwise::analysis::simulate::{self, Base, Params};
use offerwise::loyalty::ledger::{EarnOp, Ledger, LedgerPolicy, Op, RedeemOp, Source};
use offerwise::loyalty::state::build_ledger;
use offerwise::time::{days_from_civil, parse_instant, DAY_MS};
use serde_json::Value;

fn cdnow() -> Vec<Base> {
    let f = std::fs::File::open(common::cdnow_path("CDNOW_master.txt")).unwrap();
    let (rows, _) =
        offerwise::transactions::read(f, offerwise::transactions::Format::Cdnow, false).unwrap();
    Base::from_transactions(&rows)
}

fn histories(b: &[Base]) -> Vec<History> {
    b.iter()
        .map(|c| History {
            id: c.id.clone(),
            orders: c.orders.clone(),
            enrolled_at: None,
            segment: None,
        })
        .collect()
}

fn close(got: f64, want: &Value, what: &str) {
    let want = want.as_f64().unwrap();
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1e-6),
        "{what}: got {got}, want {want}"
    );
}

fn interval(got: &Interval, want: &Value, what: &str) {
    close(got.value, &want["value"], what);
    close(got.ci.0, &want["ci"][0], what);
    close(got.ci.1, &want["ci"][1], what);
}

#[test]
fn cdnow_kpis_equal_pandas_and_statsmodels() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/kpis.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let customers = histories(&cdnow());
    for case in v["cases"].as_array().unwrap() {
        let now = parse_instant(case["now"].as_str().unwrap(), 0).unwrap();
        let o = KpiOptions {
            churn_days: case["churnDays"].as_u64().unwrap() as u32,
            cohort_months: case["cohortMonths"].as_u64().unwrap() as u32,
            ..KpiOptions::new(now)
        };
        let k = kpis(&customers, None, &[], &o).unwrap();
        assert_eq!(k.customers as u64, case["customers"].as_u64().unwrap());
        assert_eq!(k.orders as u64, case["orders"].as_u64().unwrap());
        close(k.revenue, &case["revenue"], "revenue");
        interval(&k.repeat_rate, &case["repeatRate"], "repeatRate");
        interval(&k.frequency, &case["frequency"], "frequency");
        interval(
            k.average_check.as_ref().unwrap(),
            &case["averageCheck"],
            "averageCheck",
        );
        interval(&k.churn_recency, &case["churnRecency"], "churnRecency");
        let cohorts = case["cohorts"].as_array().unwrap();
        assert_eq!(k.cohorts.len(), cohorts.len());
        for (c, w) in k.cohorts.iter().zip(cohorts) {
            assert_eq!(c.month, w["month"].as_str().unwrap());
            assert_eq!(c.customers as u64, w["customers"].as_u64().unwrap());
            let r = w["retention"].as_array().unwrap();
            assert_eq!(c.retention.len(), r.len(), "{}", c.month);
            for (x, y) in c.retention.iter().zip(r) {
                close(*x, y, &c.month);
            }
        }
    }
}

#[test]
fn the_clv_model_gives_churn_and_value() {
    let model = offerwise::model::Model::from_json(include_str!("../models/default.json")).unwrap();
    let clv = model.clv.as_ref().unwrap();
    let options = offerwise::clv::ClvOptions {
        horizon_periods: 13.0,
        clv_months: 12,
        margin: 0.3,
        monthly_discount_rate: 0.01,
    };
    let now = days_from_civil(1998, 7, 1) * DAY_MS;
    let k = kpis(
        &histories(&cdnow()),
        Some((clv, &options)),
        &[],
        &KpiOptions::new(now),
    )
    .unwrap();
    let churn = k.churn_model.unwrap();
    // Most of the 1997 cohort has lapsed by mid-1998, by either reading.
    assert!(churn.value > 0.3 && churn.value < 0.9, "{churn:?}");
    assert!(churn.ci.0 < churn.value && churn.value < churn.ci.1);
    let clv = k.clv.unwrap();
    assert!(
        clv.value > 0.0 && (k.clv_total.unwrap() / k.customers as f64 - clv.value).abs() < 1e-9
    );
}

#[test]
fn points_kpis_of_the_simulated_ledgers_add_up() {
    let sim = simulate::run(&Params::cdnow(7), &cdnow()).unwrap();
    let program =
        offerwise::program::Program::from_json(include_str!("../models/default-program.json"))
            .unwrap();
    let prepared = program.loyalty.prepare(0).unwrap();
    let end = sim.params.end;
    let mut ledgers = Vec::new();
    let (mut earned, mut redeemed, mut expired, mut balance) = (0, 0, 0, 0);
    for c in sim.customers.iter().filter(|c| c.enrolled_at.is_some()) {
        let account = offerwise::loyalty::AccountInput {
            operations: c.operations.clone(),
            ..Default::default()
        };
        // The account replayed by the engine is the ledger the simulator kept.
        let l = build_ledger(&prepared, &account, end).unwrap();
        let f = c.points.unwrap();
        assert_eq!(l.flows().earned, f.earned, "{}", c.id);
        assert_eq!(l.flows().redeemed, f.redeemed, "{}", c.id);
        assert_eq!(l.flows().expired, f.expired, "{}", c.id);
        assert_eq!(l.balance(), c.balance, "{}", c.id);
        earned += f.earned;
        redeemed += f.redeemed;
        expired += f.expired;
        balance += c.balance;
        ledgers.push(l);
    }
    let o = KpiOptions {
        point_value: Some(sim.params.point_value),
        ..KpiOptions::new(end)
    };
    let k = kpis(&sim.histories(), None, &ledgers, &o).unwrap();
    let p = k.points.unwrap();
    assert_eq!(
        (p.issued, p.redeemed, p.expired, p.outstanding),
        (earned, redeemed, expired, balance)
    );
    assert_eq!(p.issued, p.redeemed + p.expired + p.outstanding);
    // Month by month the flows add up to the same totals and the balance runs to the end.
    assert_eq!(p.months.iter().map(|m| m.issued).sum::<i64>(), earned);
    assert_eq!(p.months.iter().map(|m| m.redeemed).sum::<i64>(), redeemed);
    assert_eq!(p.months.iter().map(|m| m.expired).sum::<i64>(), expired);
    assert_eq!(p.months.last().unwrap().outstanding, balance);
    // Points of October 1997 expire in October–November 1998, after the data: no closed cohort
    // with expiry yet, unless every point of a month was redeemed.
    let b = p.breakage;
    assert!(p.closed_cohorts == 0 || b.is_some());
    assert!((p.outstanding_value.unwrap() - balance as f64 * 0.01).abs() < 1e-9);
}

/// Two accounts by hand: breakage, redemption rate and liability to the point.
#[test]
fn breakage_counts_closed_cohorts_only_and_values_the_liability() {
    let day = |y, m, d| days_from_civil(y, m, d) * DAY_MS;
    let earn = |key: &str, at: i64, points: i64, expires: i64| {
        Op::Earn(EarnOp {
            key: key.into(),
            at,
            points,
            source: Source::Order,
            order_id: None,
            available_at: None,
            expires_at: Some(expires),
        })
    };
    let redeem = |key: &str, at: i64, points: i64| {
        Op::Redeem(RedeemOp {
            key: key.into(),
            at,
            points,
            order_id: None,
        })
    };
    let expire = |at: i64| {
        Op::Expire(offerwise::loyalty::ledger::ExpireOp {
            key: format!("x{at}"),
            at,
        })
    };
    let now = day(2024, 7, 1);
    // A: 100 in Jan 2024 (60 redeemed, 40 expire in May), 200 in Mar (open).
    let mut a = Ledger::new(LedgerPolicy::default());
    a.apply(earn("a1", day(2024, 1, 5), 100, day(2024, 5, 1)))
        .unwrap();
    a.apply(redeem("a2", day(2024, 2, 1), 60)).unwrap();
    a.apply(earn("a3", day(2024, 3, 1), 200, day(2025, 3, 1)))
        .unwrap();
    a.apply(expire(day(2024, 5, 1))).unwrap();
    // B: 300 in Jan 2024 (all expire in May).
    let mut b = Ledger::new(LedgerPolicy::default());
    b.apply(earn("b1", day(2024, 1, 9), 300, day(2024, 5, 1)))
        .unwrap();
    b.apply(expire(day(2024, 5, 1))).unwrap();
    let customers = vec![
        History {
            id: "A".into(),
            orders: vec![(day(2024, 1, 5), 100.0)],
            enrolled_at: None,
            segment: None,
        },
        History {
            id: "B".into(),
            orders: vec![(day(2024, 1, 9), 300.0)],
            enrolled_at: None,
            segment: None,
        },
    ];
    let o = KpiOptions {
        point_value: Some(0.01),
        ..KpiOptions::new(now)
    };
    let p = kpis(&customers, None, &[a, b], &o).unwrap().points.unwrap();
    assert_eq!(
        (p.issued, p.redeemed, p.expired, p.outstanding),
        (600, 60, 340, 200)
    );
    assert_eq!(p.closed_cohorts, 1);
    let jan = &p.cohorts[0];
    assert_eq!(
        (
            jan.month.as_str(),
            jan.issued,
            jan.redeemed,
            jan.expired,
            jan.closed
        ),
        ("2024-01", 400, 60, 340, true)
    );
    assert!(!p.cohorts[1].closed);
    // Breakage over January only: 340 / 400; the liability: 200 points × 0.01 × (1 − 0.85).
    let br = p.breakage.unwrap();
    assert!((br.value - 0.85).abs() < 1e-12);
    assert!((p.liability.unwrap().value - 2.0 * 0.15).abs() < 1e-12);
    assert!((p.redemption_rate.unwrap().value - 0.1).abs() < 1e-12);
    assert_eq!(
        p.months
            .iter()
            .map(|m| m.month.as_str())
            .collect::<Vec<_>>(),
        ["2024-01", "2024-02", "2024-03", "2024-05"]
    );
    assert_eq!(p.months[3].expired, 340);
    assert_eq!(p.months[3].outstanding, 200);
}
