//! A prepared customer decides as a full decision does, and its lean page view is the page's
//! part of that decision (issue 12): every CDNOW customer, at the prepared instant, with carts
//! and contexts, at a later and an earlier instant and in another time zone, plus customers with
//! order lines, loyalty accounts and offer histories.

use crate::common;

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

/// The orders are read and checked once per decision (issue 12): the ledger's checks of their
/// money (range, refunds, SKUs) run with the customer's, yet report what they reported when the
/// ledger checked the orders again (code, path, message) and in the same order: after every
/// other check of the customer and of the options, before the account's own.
#[test]
fn the_ledger_checks_of_the_orders_keep_their_errors_and_their_order() {
    let engine = engine();
    let now = "1998-07-01";
    let order = |at: &str, amount: f64| json!({"at": at, "amount": amount});
    let cases: Vec<(serde_json::Value, serde_json::Value, (&str, &str, &str))> = vec![
        (
            json!({"id": "a", "orders": [order("1998-01-01", 5.0),
                {"at": "1998-02-01", "amount": 5, "refunded": 6}]}),
            json!({}),
            ("customer.invalid", "orders[1].refunded", "more was refunded than paid"),
        ),
        (
            json!({"id": "a", "orders": [{"at": "1998-01-01", "amount": 5,
                "items": [{"sku": "", "price": 5}]}]}),
            json!({}),
            ("customer.invalid", "orders[0].items[0].sku", "the sku is empty; leave it out instead"),
        ),
        (
            json!({"id": "a", "orders": [order("1998-01-01", 1e16)]}),
            json!({}),
            ("customer.invalid", "orders[0].amount", "amount 10000000000000000 is beyond the supported range (±10^15)"),
        ),
        (
            json!({"id": "a", "orders": [{"at": "1998-01-01", "amount": 5,
                "items": [{"price": 1e12, "qty": 10000}]}]}),
            json!({}),
            ("customer.invalid", "orders[0].items[0]", "the line total price × qty 10000000000000000 is beyond the supported range (±10^15)"),
        ),
        // A customer's own check of a later order comes first ...
        (
            json!({"id": "a", "orders": [{"at": "1998-01-01", "amount": 5, "refunded": 6},
                order("1998-02-01", -1.0)]}),
            json!({}),
            ("customer.invalid", "orders[1].amount", "amount must be ≥ 0, got -1"),
        ),
        // ... so do the offer history's ...
        (
            json!({"id": "a", "orders": [{"at": "1998-01-01", "amount": 5, "refunded": 6}],
                "offerHistory": [{"offerId": "x", "at": "1999-01-01", "event": "shown"}]}),
            json!({}),
            ("customer.invalid", "offerHistory[0].at", "the event is dated 1999-01-01T00:00:00Z, after now (1998-07-01T00:00:00Z); decisions only see the past"),
        ),
        // ... and the options' ...
        (
            json!({"id": "a", "orders": [{"at": "1998-01-01", "amount": 5, "refunded": 6}]}),
            json!({"forceVariants": {"no-such-test": "a"}}),
            ("options.invalid", "forceVariants.no-such-test", ""),
        ),
        // ... but the account's come after.
        (
            json!({"id": "a", "orders": [{"at": "1998-01-01", "amount": 5, "refunded": 6}],
                "loyalty": {"birthday": "02-30"}}),
            json!({}),
            ("customer.invalid", "orders[0].refunded", "more was refunded than paid"),
        ),
        (
            json!({"id": "a", "orders": [order("1998-01-01", 5.0)],
                "loyalty": {"birthday": "02-30"}}),
            json!({}),
            ("customer.invalid", "loyalty.birthday", "\"02-30\" is not a month-day like \"02-29\""),
        ),
    ];
    for (customer, extra, (code, path, message)) in cases {
        let customer: Customer = serde_json::from_value(customer).expect("the customer reads");
        let mut o = json!({"now": now, "cart": {"amount": 20}});
        for (k, v) in extra.as_object().into_iter().flatten() {
            o[k] = v.clone();
        }
        let opts = options(o);
        let e = engine
            .decide(&customer, &opts)
            .expect_err("the decision fails");
        let what = format!("{customer:?} {opts:?}");
        assert_eq!(
            (e.code().as_str(), e.path().as_str()),
            (code, path),
            "{what}: {e}"
        );
        if !message.is_empty() {
            assert!(e.to_string().ends_with(message), "{what}: {e}");
        }
        if code == "options.invalid" {
            continue;
        }
        let prepared = engine.prepare(
            customer.clone(),
            &PrepareOptions {
                now: offerwise::customer::TimeValue::Text(now.into()),
                time_zone_offset_minutes: 0,
            },
        );
        let cart = opts.cart.clone().expect("a cart");
        for (how, other) in [
            ("prepare", prepared.err()),
            ("quote", engine.quote(&customer, &cart, &opts).err()),
            ("features", engine.features(&customer, &opts).err()),
        ] {
            assert_eq!(other.as_ref(), Some(&e), "{how} {what}");
        }
    }
}

/// The account a decision replays from the orders checked with the customer is the one the
/// loyalty module replays from the history on its own, in a currency without minor units and
/// in another time zone too.
#[test]
fn the_ledger_read_from_the_checked_customer_is_the_loyalty_modules() {
    let mut program: serde_json::Value =
        serde_json::from_str(include_str!("../models/default-program.json")).expect("json");
    for digits in [2, 0, 3] {
        program["loyalty"]["minorUnitDigits"] = json!(digits);
        let engine =
            Engine::from_json(include_str!("../models/default.json"), &program.to_string())
                .expect("the engine loads");
        let rules: offerwise::loyalty::LoyaltyRules =
            serde_json::from_value(program["loyalty"].clone()).expect("rules");
        let customer: Customer = serde_json::from_value(json!({"id": "c", "orders": [
            {"at": "1998-05-01T23:30:00", "amount": 120.4449, "refunded": 20.005},
            {"at": "1998-01-01", "amount": 60.5, "items": [{"sku": "a", "category": "jazz", "price": 30.25, "qty": 2}]},
            {"at": "1998-05-01T23:30:00", "amount": 300.5},
            {"at": "1997-12-31T12:00:00Z", "amount": 0.5}
        ], "loyalty": {"operations": [
            {"type": "earn", "key": "e", "at": "1998-02-01", "points": 150}
        ]}}))
        .expect("customer");
        for offset in [0, 600, -300] {
            let opts = options(json!({"now": "1998-07-01T10:00:00Z",
                "timeZoneOffsetMinutes": offset}));
            let d = engine.decide(&customer, &opts).expect("decides");
            let mut eo = offerwise::loyalty::EvaluateOptions::at(
                offerwise::time::parse_instant("1998-07-01T10:00:00Z", 0).expect("now"),
            );
            eo.time_zone_offset_minutes = offset;
            let alone = offerwise::loyalty::evaluate(
                &rules,
                customer.loyalty.as_ref().expect("account"),
                &customer.orders,
                None,
                &eo,
            )
            .expect("evaluates");
            assert_eq!(
                serde_json::to_value(&d.loyalty.ledger).expect("json"),
                serde_json::to_value(&alone.ledger).expect("json"),
                "digits {digits}, offset {offset}"
            );
            assert_eq!(
                serde_json::to_value(&d.loyalty.tier).expect("json"),
                serde_json::to_value(&alone.tier).expect("json"),
                "digits {digits}, offset {offset}"
            );
        }
    }
}
