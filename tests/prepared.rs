//! A prepared customer decides as a full decision does, and its lean page view is the page's
//! part of that decision (issue 12): every CDNOW customer, at the prepared instant, with carts
//! and contexts, at a later and an earlier instant and in another time zone, plus customers with
//! order lines, loyalty accounts and offer histories.

mod common;

use offerwise::customer::Customer;
use offerwise::engine::{DecideOptions, PrepareOptions};
use offerwise::Engine;
use serde_json::json;

const PREPARED_AT: &str = "1998-07-01T10:00:00Z";

fn engine() -> Engine {
    Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )
    .expect("the default engine loads")
}

fn options(v: serde_json::Value) -> DecideOptions {
    serde_json::from_value(v).expect("options read")
}

/// The page views a storefront session makes after preparing at `PREPARED_AT`.
fn page_views() -> Vec<DecideOptions> {
    vec![
        options(json!({"now": PREPARED_AT})),
        options(json!({"now": PREPARED_AT,
            "cart": {"items": [{"category": "jazz", "sku": "cd-1", "price": 30, "qty": 2}]},
            "context": {"page": "cart", "channel": "web", "device": "mobile", "country": "DE"}})),
        options(json!({"now": PREPARED_AT, "cart": {"amount": 12.5},
            "forceVariants": {}, "ids": {"deviceId": "d-1"}})),
        // A later page view: the history's features and lifetime value age.
        options(json!({"now": "1998-07-04T18:30:00Z", "cart": {"amount": 80}})),
        options(json!({"now": "1999-01-01", "context": {"page": "home"}})),
        // Earlier than prepared: some orders are now in the future, an error as in a full decision.
        options(json!({"now": "1997-06-01"})),
        // Another time zone: local days change.
        options(json!({"now": PREPARED_AT, "timeZoneOffsetMinutes": 600, "cart": {"amount": 55}})),
    ]
}

fn check(engine: &Engine, customer: &Customer, views: &[DecideOptions]) -> usize {
    let prepared = engine
        .prepare(
            customer.clone(),
            &PrepareOptions {
                now: offerwise::customer::TimeValue::Text(PREPARED_AT.into()),
                time_zone_offset_minutes: 0,
            },
        )
        .unwrap_or_else(|e| panic!("customer {:?} prepares: {e}", customer.id.0));
    let mut sticky = None;
    let mut errors = 0;
    for (k, view) in views.iter().enumerate() {
        let mut view = view.clone();
        // The sticky store of the previous page view, as a storefront passes it on.
        view.assignments = sticky.clone();
        let full = engine.decide(customer, &view);
        let fast = engine.decide_prepared(&prepared, &view);
        // The lean page view is the page's part of the same decision, or the same error.
        let page = engine.page_view(&prepared, &view);
        match (&full, &page) {
            (Ok(a), Ok(p)) => assert!(
                a.page_view() == *p,
                "customer {:?}, page view {k}: the page view differs\nfull: {}\npage: {}",
                customer.id.0,
                serde_json::to_string(&a.page_view()).unwrap_or_default(),
                serde_json::to_string(p).unwrap_or_default()
            ),
            (Err(a), Err(p)) => assert_eq!(
                (a.code(), a.path(), a.to_string()),
                (p.code(), p.path(), p.to_string()),
                "customer {:?}, page view {k}",
                customer.id.0
            ),
            _ => panic!(
                "customer {:?}, page view {k}: full {:?} but page view {:?}",
                customer.id.0,
                full.as_ref().map(|_| "a decision"),
                page.as_ref().map(|_| "a page view")
            ),
        }
        match (&full, &fast) {
            (Ok(a), Ok(b)) => {
                assert!(
                    a == b,
                    "customer {:?}, page view {k}: decisions differ\nfull: {}\nprepared: {}",
                    customer.id.0,
                    serde_json::to_string(a).unwrap_or_default(),
                    serde_json::to_string(b).unwrap_or_default()
                );
                sticky = a
                    .assignments
                    .as_ref()
                    .map(|s| serde_json::to_value(s).unwrap_or_default());
            }
            (Err(a), Err(b)) => {
                assert_eq!(
                    a.to_string(),
                    b.to_string(),
                    "customer {:?}, page view {k}",
                    customer.id.0
                );
                assert_eq!((a.code(), a.path()), (b.code(), b.path()));
                errors += 1;
            }
            _ => panic!(
                "customer {:?}, page view {k}: full {:?} but prepared {:?}",
                customer.id.0,
                full.as_ref().map(|_| "a decision"),
                fast.as_ref().map(|_| "a decision")
            ),
        }
    }
    errors
}

#[test]
fn prepared_decisions_equal_full_decisions_for_every_cdnow_customer() {
    let engine = engine();
    let views = page_views();
    let transactions = common::read_cdnow("CDNOW_master.txt");
    assert_eq!(transactions.len(), 23_570);
    let mut errors = 0;
    let june_1997 = common::yyyymmdd_ms("19970601");
    let ordered_after_june_1997 = transactions
        .values()
        .filter(|(at, _)| at.iter().any(|&t| t > june_1997))
        .count();
    for (id, (at, amounts)) in &transactions {
        let orders: Vec<_> = at
            .iter()
            .zip(amounts)
            .map(|(t, a)| json!({"at": t, "amount": a}))
            .collect();
        let customer: Customer =
            serde_json::from_value(json!({"id": id, "orders": orders})).expect("customer reads");
        errors += check(&engine, &customer, &views);
    }
    // The earlier page view fails for every customer with an order after 1997-06-01, exactly as
    // a full decision does (checked above); every other page view decides.
    assert_eq!(errors, ordered_after_june_1997);
    assert_eq!(errors, 8_817);
}

#[test]
fn prepared_decisions_equal_full_decisions_with_lines_accounts_and_offer_history() {
    let engine = engine();
    let views = page_views();
    let customers = [
        json!({"id": "lines", "orders": [
            {"at": "1998-03-01", "amount": 60, "items": [{"category": "jazz", "sku": "cd-1", "price": 15, "qty": 4}]},
            {"at": "1998-06-20", "amount": 45, "refunded": 15, "items": [{"category": "jazz", "price": 45}]},
            {"at": "1998-06-30T23:59:00Z", "amount": 20, "items": [{"category": "rock", "sku": "cd-9", "price": 20}]}]}),
        json!({"id": "member", "orders": [
            {"id": "o1", "at": "1997-05-01", "amount": 120}, {"id": "o2", "at": "1998-05-01", "amount": 240}],
            "loyalty": {"operations": [
                {"type": "earn", "key": "e1", "at": "1997-05-01", "points": 500},
                {"type": "redeem", "key": "r1", "at": "1998-01-10", "points": 200}]},
            "offerHistory": [{"offerId": "double-points", "at": "1998-06-01", "event": "shown"},
                             {"offerId": "double-points", "at": "1998-06-02", "event": "redeemed"}]}),
        json!({"id": "no-orders"}),
        json!({"id": 42, "orders": [{"at": 883_612_800_000i64, "amount": 0}]}),
    ];
    for c in customers {
        let customer: Customer = serde_json::from_value(c).expect("customer reads");
        check(&engine, &customer, &views);
    }
}

#[test]
fn preparing_checks_the_customer_as_a_decision_does() {
    let engine = engine();
    let customer: Customer =
        serde_json::from_value(json!({"id": "x", "orders": [{"at": "1998-08-01", "amount": 10}]}))
            .expect("customer reads");
    let at = PrepareOptions {
        now: offerwise::customer::TimeValue::Text(PREPARED_AT.into()),
        time_zone_offset_minutes: 0,
    };
    let prepared = engine.prepare(customer.clone(), &at).map(|_| ());
    let full = engine
        .decide(&customer, &options(json!({"now": PREPARED_AT})))
        .map(|_| ());
    let (Err(a), Err(b)) = (prepared, full) else {
        panic!("an order after now is an error");
    };
    assert_eq!(
        (a.code(), a.path(), a.to_string()),
        (b.code(), b.path(), b.to_string())
    );
    assert_eq!(a.path(), "orders[0].at");
    let bad_zone = PrepareOptions {
        time_zone_offset_minutes: 2000,
        ..at
    };
    let e = engine.prepare(customer, &bad_zone).map(|_| ()).unwrap_err();
    assert_eq!(e.path(), "timeZoneOffsetMinutes");
}
