//! A decision's cart quote honours the offers the decision shows: a $62 cart beside "Free
//! delivery on orders over $50" is quoted with free delivery (it used to say `false`), a
//! discount offer lowers the payable amount, cashback and bonus-point offers add their points.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::loyalty::Cart;
use offerwise::Engine;

fn engine() -> Engine {
    Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )
    .unwrap()
}

/// The default programme without some offers.
fn engine_without(ids: &[&str]) -> Engine {
    let mut p: serde_json::Value =
        serde_json::from_str(include_str!("../models/default-program.json")).unwrap();
    p["offers"]
        .as_array_mut()
        .unwrap()
        .retain(|o| !ids.contains(&o["id"].as_str().unwrap()));
    Engine::from_json(include_str!("../models/default.json"), &p.to_string()).unwrap()
}

fn with_cart(cart: &str) -> DecideOptions {
    DecideOptions {
        cart: Some(serde_json::from_str::<Cart>(cart).unwrap()),
        ..DecideOptions::at("1998-07-01")
    }
}

/// Sample customer 00008 of the demo page: loyal, Silver, 149 points.
fn loyal_silver() -> Customer {
    let samples: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../www/sample-customers.json")).unwrap();
    serde_json::from_value(samples[7].clone()).unwrap()
}

#[test]
fn free_delivery_cashback_and_bonus_points_offers_apply_to_the_cart() {
    // Without the $5-off offer, which would outrank them for this cart.
    let e = engine_without(&["big-cart-5-off"]);
    let c = loyal_silver();
    let d = e
        .decide(
            &c,
            &with_cart(r#"{"items": [{"category": "jazz", "price": 15.5, "qty": 4}]}"#),
        )
        .unwrap();
    let shown: Vec<&str> = d.offers.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(shown, ["double-points", "free-delivery-50", "cashback-5"]);
    let q = d.loyalty.quote.as_ref().unwrap();
    assert_eq!((q.subtotal, q.payable), (62.0, 62.0));
    assert!(q.free_delivery, "a $62 cart beside free delivery over $50");
    // The same cart quoted without offers (Engine::quote quotes the account alone).
    let plain = e
        .quote(
            &c,
            &serde_json::from_str(r#"{"items": [{"category": "jazz", "price": 15.5, "qty": 4}]}"#)
                .unwrap(),
            &DecideOptions::at("1998-07-01"),
        )
        .unwrap();
    assert!(!plain.free_delivery && plain.offers.is_empty());
    // 5 % cashback of $62.00 at $0.01 a point = 310 points; 200 bonus points.
    assert_eq!(q.earn.points, plain.earn.points + 310 + 200);
    assert_eq!(q.burn.earn_points, plain.burn.earn_points + 200 + 302);
    let effects: Vec<(&str, bool, Option<i64>)> = q
        .offers
        .iter()
        .map(|o| (o.id.as_str(), o.applied, o.points))
        .collect();
    assert_eq!(
        effects,
        [
            ("cashback-5", true, Some(310)),
            ("double-points", true, Some(200)),
            ("free-delivery-50", true, None),
        ]
    );
}

#[test]
fn an_amount_off_offer_and_a_points_multiplier_change_the_quote() {
    let e = engine();
    let c = loyal_silver();
    let cart = r#"{"items": [{"category": "jazz", "price": 15.5, "qty": 4}]}"#;
    let d = e.decide(&c, &with_cart(cart)).unwrap();
    let shown: Vec<&str> = d.offers.iter().map(|o| o.id.as_str()).collect();
    // $5 off a $62 cart is worth the most (25% take-up × ($18.60 margin − $5)).
    assert_eq!(
        shown,
        ["big-cart-5-off", "double-points", "free-delivery-50"]
    );
    let q = d.loyalty.quote.as_ref().unwrap();
    assert_eq!((q.subtotal, q.payable), (62.0, 57.0));
    assert!(q.free_delivery, "$57 still clears the $50 minimum");
    // Points are earned on what is paid: Silver earns 1.25 a dollar, floor(57 × 1.25) = 71.
    assert_eq!(q.earn.points, 71 + 200);
    // On a Saturday the weekend double points apply too: the order's 71 points once more.
    let saturday = DecideOptions {
        cart: Some(serde_json::from_str::<Cart>(cart).unwrap()),
        ..DecideOptions::at("1998-07-04T12:00:00Z")
    };
    let d = e.decide(&c, &saturday).unwrap();
    let q = d.loyalty.quote.as_ref().unwrap();
    let mult = q
        .offers
        .iter()
        .find(|o| o.id == "weekend-double-points")
        .unwrap_or_else(|| panic!("{:?}", d.offers));
    assert_eq!((mult.applied, mult.points), (true, Some(71)));
}

#[test]
fn a_targeted_discount_takes_its_percent_off_the_targeted_lines_only() {
    // A jazz fan (the example customer, $46.50 of jazz in the last year) with jazz and rock.
    let e = engine_without(&["big-cart-5-off"]);
    let c = Customer::from_json(include_str!("../www/example-customer.json")).unwrap();
    let cart = r#"{"items": [{"category": "jazz", "price": 20, "qty": 2},
                              {"category": "rock", "price": 10, "qty": 1}]}"#;
    let d = e.decide(&c, &with_cart(cart)).unwrap();
    let shown: Vec<&str> = d.offers.iter().map(|o| o.id.as_str()).collect();
    assert!(
        shown.contains(&"jazz-lovers-15"),
        "{shown:?} {:?}",
        d.left_out
    );
    let q = d.loyalty.quote.as_ref().unwrap();
    let jazz = q.offers.iter().find(|o| o.id == "jazz-lovers-15").unwrap();
    // 15% of the $40 of jazz, not of the $50 cart.
    assert_eq!((jazz.applied, jazz.amount), (true, Some(6.0)));
    assert_eq!(q.payable, 44.0);
}

#[test]
fn an_offer_the_cart_does_not_qualify_for_says_why() {
    let e = engine();
    let d = e
        .decide(&loyal_silver(), &with_cart(r#"{"amount": 40}"#))
        .unwrap();
    let q = d.loyalty.quote.as_ref().unwrap();
    assert!(!q.free_delivery);
    let fd = q
        .offers
        .iter()
        .find(|o| o.id == "free-delivery-50")
        .unwrap();
    assert!(!fd.applied);
    assert_eq!(
        fd.reason.as_deref(),
        Some("the order is $10.00 below the minimum of $50.00")
    );
}

#[test]
fn a_discount_offer_lowers_what_the_checkout_charges() {
    let e = engine();
    // Customer 00001: one order 546 days ago, shown the 10 % reactivation offer.
    let c = Customer::from_json(
        r#"{"id": "00001", "orders": [{"at": "1997-01-01", "amount": 11.77}]}"#,
    )
    .unwrap();
    let d = e.decide(&c, &with_cart(r#"{"amount": 55}"#)).unwrap();
    assert!(
        d.offers.iter().any(|o| o.id == "reactivate-10"),
        "{:?}",
        d.offers
    );
    let q = d.loyalty.quote.as_ref().unwrap();
    assert_eq!((q.subtotal, q.payable), (55.0, 49.5));
    let off = q.offers.iter().find(|o| o.id == "reactivate-10").unwrap();
    assert_eq!((off.applied, off.amount), (true, Some(5.5)));
    // Points are earned on what is paid: 49.50 at 1 point per dollar.
    assert_eq!(q.earn.points, 49);
    // The discount takes the order below the $50 free-delivery minimum, and the quote says so.
    assert!(!q.free_delivery);
    let fd = q
        .offers
        .iter()
        .find(|o| o.id == "free-delivery-50")
        .unwrap();
    assert_eq!(
        fd.reason.as_deref(),
        Some("the order is $0.50 below the minimum of $50.00")
    );
    // Without a cart there is no quote ...
    let no_cart = e.decide(&c, &DecideOptions::at("1998-07-01")).unwrap();
    assert!(no_cart.loyalty.quote.is_none());
    // ... and the same offers: their values differ, as the expected order value is the
    // customer's own without a cart.
    let ids = |d: &offerwise::Decision| d.offers.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&no_cart), ids(&d));
}
