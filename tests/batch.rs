//! The columnar batch path decides as single decisions do (issue 12): every CDNOW customer
//! from packed columns equals `Engine::decide` on the customer document with the same orders,
//! column by column, and categories become order lines.

use crate::common;

use offerwise::batch::{DecisionColumns, OrderColumns, NO_CATEGORY};
use offerwise::customer::Customer;
use offerwise::engine::{DecideOptions, Decision};
use offerwise::Engine;
use serde_json::json;

fn engine() -> Engine {
    Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )
    .expect("the default engine loads")
}

/// Customer `i`'s cells of `out` equal the decision `d`.
fn assert_row(out: &DecisionColumns, i: usize, d: &Decision) {
    let same = |what: &str, a: f64, b: Option<f64>| match b {
        Some(b) => assert!(a == b, "{}: {what} {a} != {b}", d.customer_id),
        None => assert!(a.is_nan(), "{}: {what} {a} is not NaN", d.customer_id),
    };
    assert_eq!(
        out.segment[i],
        d.segment.as_ref().map_or(-1, |s| s.id as i32),
        "{}",
        d.customer_id
    );
    let clv = d.clv.as_ref();
    same("pAlive", out.p_alive[i], clv.map(|c| c.p_alive));
    same("churnRisk", out.churn_risk[i], clv.map(|c| c.churn_risk));
    same(
        "expectedPurchases",
        out.expected_purchases[i],
        clv.map(|c| c.expected_purchases),
    );
    same("clv", out.clv[i], clv.and_then(|c| c.clv));
    let f = &d.features;
    same("frequency", out.frequency[i], Some(f64::from(f.frequency)));
    same("recencyDays", out.recency_days[i], f.recency_days);
    same("monetary", out.monetary[i], Some(f.monetary));
    same("totalSpend", out.total_spend[i], Some(f.total_spend));
    same(
        "pointsBalance",
        out.points_balance[i],
        Some(d.loyalty.ledger.balance as f64),
    );
    same(
        "pointsAvailable",
        out.points_available[i],
        Some(d.loyalty.ledger.available as f64),
    );
    let tier = (out.tier[i] >= 0).then(|| out.tiers[out.tier[i] as usize].as_str());
    assert_eq!(tier, d.loyalty.tier.as_ref().map(|t| t.id.as_str()));
    assert_eq!(
        out.held_out[i] == 1,
        d.holdout.as_ref().is_some_and(|h| h.held_out)
    );
    let shown: Vec<&str> = out.offers[i * out.offer_slots..(i + 1) * out.offer_slots]
        .iter()
        .filter(|&&c| c >= 0)
        .map(|&c| out.offer_ids[c as usize].as_str())
        .collect();
    let want: Vec<&str> = d.offers.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(shown, want, "{}", d.customer_id);
    let k = out.experiments.len();
    for (e, x) in out.experiments.iter().enumerate() {
        let code = out.variants[i * k + e];
        let got = (code >= 0).then(|| x.variants[code as usize].as_str());
        let want = d
            .experiments
            .iter()
            .find(|a| a.key == x.key)
            .and_then(|a| a.variant.as_deref());
        assert_eq!(got, want, "{} in {}", d.customer_id, x.key);
    }
}

#[test]
fn every_cdnow_customer_from_columns_is_its_single_decision() {
    let engine = engine();
    let cdnow = common::read_cdnow("CDNOW_master.txt");
    let (mut ids, mut customer, mut at, mut amount) = (vec![], vec![], vec![], vec![]);
    let mut docs = Vec::new();
    for (i, (id, (times, amounts))) in cdnow.iter().enumerate() {
        ids.push(id.clone());
        for (&t, &a) in times.iter().zip(amounts) {
            customer.push(i as u32);
            at.push(t as f64);
            amount.push(a);
        }
        let orders: Vec<_> = times
            .iter()
            .zip(amounts)
            .map(|(t, a)| json!({"at": t, "amount": a}))
            .collect();
        docs.push(json!({"id": id, "orders": orders}));
    }
    // The rows interleaved (customer by customer is not required): reverse them.
    customer.reverse();
    at.reverse();
    amount.reverse();
    let columns = OrderColumns {
        ids: &ids,
        customer: &customer,
        at: &at,
        amount: &amount,
        category: None,
        categories: &[],
    };
    let options = DecideOptions::at("1998-07-01");
    let out = engine.decide_columns(&columns, &options).expect("decides");
    assert_eq!(out.len, ids.len());
    assert!(out.errors.is_empty(), "{:?}", &out.errors[..1]);
    assert!(out.offer_slots >= 1);
    for (i, doc) in docs.into_iter().enumerate() {
        let mut doc = doc;
        // Rows reversed: a customer's orders come in reverse file order.
        if let Some(orders) = doc["orders"].as_array_mut() {
            orders.reverse();
        }
        let c: Customer = serde_json::from_value(doc).expect("customer");
        let d = engine.decide(&c, &options).expect("single decision");
        assert_row(&out, i, &d);
    }
    // Errors: the same customers as of an earlier `now` fail where single decisions fail.
    let early = DecideOptions::at("1997-06-01");
    let out = engine.decide_columns(&columns, &early).expect("decides");
    let failing = (0..ids.len()).filter(|&i| out.segment[i] == -1 && out.frequency[i].is_nan());
    assert_eq!(failing.count(), out.errors.len());
    assert!(out.errors.len() > 1000, "{}", out.errors.len());
    for e in &out.errors {
        assert_eq!(e.code, "customer.invalid");
        let row = e.row.expect("the error names an order's row");
        assert_eq!(customer[row] as usize, e.index);
        assert!(at[row] > 865_123_200_000.0, "row {row} is after 1997-06-01");
    }
}

#[test]
fn categories_become_order_lines() {
    let engine = engine();
    let ids: Vec<String> = ["a", "b", "no orders"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let categories: Vec<String> = ["jazz", "rock"].iter().map(|s| s.to_string()).collect();
    let day = 86_400_000.0;
    let jan = 852_076_800_000.0;
    let columns = OrderColumns {
        ids: &ids,
        customer: &[0, 1, 0, 1, 0],
        at: &[
            jan,
            jan + 3.0 * day,
            jan + 40.0 * day,
            jan + 90.0 * day,
            jan + 300.0 * day,
        ],
        amount: &[20.0, 35.5, 12.0, 9.99, 41.0],
        category: Some(&[0, NO_CATEGORY, 1, 1, 0]),
        categories: &categories,
    };
    let options = DecideOptions::at("1998-07-01");
    let out = engine.decide_columns(&columns, &options).expect("decides");
    let docs = [
        json!({"id": "a", "orders": [
            {"at": jan, "amount": 20.0, "items": [{"category": "jazz", "price": 20.0}]},
            {"at": jan + 40.0 * day, "amount": 12.0, "items": [{"category": "rock", "price": 12.0}]},
            {"at": jan + 300.0 * day, "amount": 41.0, "items": [{"category": "jazz", "price": 41.0}]}]}),
        json!({"id": "b", "orders": [
            {"at": jan + 3.0 * day, "amount": 35.5},
            {"at": jan + 90.0 * day, "amount": 9.99, "items": [{"category": "rock", "price": 9.99}]}]}),
        json!({"id": "no orders"}),
    ];
    for (i, doc) in docs.into_iter().enumerate() {
        let c: Customer = serde_json::from_value(doc).expect("customer");
        let d = engine.decide(&c, &options).expect("single decision");
        assert_row(&out, i, &d);
        if i == 0 {
            assert!(d.features.category_shares.contains_key("rock"));
        }
    }
    assert_eq!(out.segment[2], -1);
}
