//! `evaluate` end to end: granted tiers, referral limits, memberships, nudge ranking, error
//! paths.

use offerwise::loyalty::{
    evaluate, AccountInput, Cart, EvaluateOptions, LoyaltyError, LoyaltyRules, LoyaltyState,
    MoneyFormat, OrderInput,
};
use offerwise::time::parse_instant;
use serde_json::{json, Value};

fn at(s: &str) -> i64 {
    parse_instant(s, 0).unwrap_or_else(|e| panic!("{e}"))
}

fn eval(
    rules: Value,
    account: Value,
    history: Value,
    cart: Option<Value>,
    now: &str,
    max: usize,
) -> Result<LoyaltyState, LoyaltyError> {
    let rules: LoyaltyRules =
        serde_json::from_value(rules).unwrap_or_else(|e| panic!("rules: {e}"));
    let account: AccountInput =
        serde_json::from_value(account).unwrap_or_else(|e| panic!("account: {e}"));
    let history: Vec<OrderInput> =
        serde_json::from_value(history).unwrap_or_else(|e| panic!("history: {e}"));
    let cart: Option<Cart> =
        cart.map(|c| serde_json::from_value(c).unwrap_or_else(|e| panic!("cart: {e}")));
    let options = EvaluateOptions {
        now_ms: at(now),
        time_zone_offset_minutes: 0,
        max_nudges: max,
        money: MoneyFormat {
            code: String::new(),
            symbol: Some("$".into()),
        },
        cart_offers: Vec::new(),
    };
    evaluate(&rules, &account, &history, cart.as_ref(), &options)
}

fn err(r: Result<LoyaltyState, LoyaltyError>) -> (String, String) {
    match r {
        Ok(_) => panic!("should fail"),
        Err(e) => (e.code().to_string(), e.path().to_string()),
    }
}

fn ladder() -> Value {
    json!({"measure": "spend", "period": "year", "levels": [
        {"id": "base", "name": "Base", "threshold": 0},
        {"id": "silver", "name": "Silver", "threshold": 500},
        {"id": "gold", "name": "Gold", "threshold": 1000, "benefits": {"freeDelivery": true}}]})
}

#[test]
fn a_granted_tier_is_a_floor_until_it_ends() {
    let rules = json!({"tiers": ladder()});
    let history = json!([{"at": "2024-03-01", "amount": 600}]);
    let s = eval(
        rules.clone(),
        json!({"tier": "gold", "tierUntil": "2024-07-01"}),
        history.clone(),
        Some(json!({"amount": 10})),
        "2024-06-15",
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let t = s.tier.unwrap_or_else(|| panic!("tier"));
    assert_eq!(
        (t.id.as_str(), t.source, t.review_at.clone()),
        ("gold", "account", None)
    );
    assert!(t.at_risk.is_none() && t.next.is_none());
    assert!(s.quote.map(|q| q.free_delivery) == Some(true));
    let s = eval(
        rules.clone(),
        json!({"tier": "gold", "tierUntil": "2024-07-01"}),
        history.clone(),
        None,
        "2024-07-01",
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let t = s.tier.unwrap_or_else(|| panic!("tier"));
    assert_eq!((t.id.as_str(), t.source), ("silver", "history"));
    // A granted tier below the earned one changes nothing.
    let s = eval(
        rules.clone(),
        json!({"tier": "base"}),
        history.clone(),
        None,
        "2024-06-15",
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.tier.map(|t| t.id), Some("silver".into()));
    assert_eq!(
        err(eval(
            rules,
            json!({"tier": "diamond"}),
            history,
            None,
            "2024-06-15",
            3
        )),
        ("loyalty.invalid_input".into(), "account.tier".into())
    );
}

#[test]
fn referral_rewards_respect_the_limit() {
    let rules = json!({"referral": {"points": 100, "maxRewards": 2}});
    let friends = json!([
        {"friendId": "a", "firstPurchaseAt": "2024-05-01", "firstPurchaseAmount": 10},
        {"friendId": "b", "firstPurchaseAt": "2024-05-02", "firstPurchaseAmount": 10},
        {"friendId": "c", "firstPurchaseAt": "2024-05-03", "firstPurchaseAmount": 10}]);
    let s = eval(
        rules.clone(),
        json!({"referrals": friends}),
        json!([]),
        None,
        "2024-06-15",
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<String> = s
        .rewards_due
        .iter()
        .map(|r| {
            serde_json::to_value(&r.operation)
                .map(|v| v["key"].to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(keys, vec!["\"referral:a\"", "\"referral:b\""]);
    // Once b is credited, only a is due; c stays over the limit.
    let account = json!({"referrals": friends, "operations": [
        {"type": "earn", "key": "referral:b", "at": "2024-05-10", "points": 100, "source": "referral"}]});
    let s = eval(rules.clone(), account, json!([]), None, "2024-06-15", 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.rewards_due.len(), 1);
    assert_eq!(s.ledger.balance, 100);
    let dup = json!({"referrals": [{"friendId": "a"}, {"friendId": "a"}]});
    assert_eq!(
        err(eval(rules, dup, json!([]), None, "2024-06-15", 3)),
        (
            "loyalty.invalid_input".into(),
            "account.referrals[1].friendId".into()
        )
    );
}

#[test]
fn an_expired_membership_gives_nothing_and_the_break_even_returns() {
    let rules = json!({"earn": {"pointsPerUnit": 1}, "pointValue": 0.01,
        "membership": {"name": "Plus", "fee": 10, "periodDays": 30, "benefits": {"discountPercent": 10}}});
    let history = json!([{"at": "2024-06-01", "amount": 300}]);
    let s = eval(
        rules.clone(),
        json!({"membership": {"until": "2024-06-01"}}),
        history.clone(),
        Some(json!({"amount": 100})),
        "2024-06-15",
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let m = s.membership.unwrap_or_else(|| panic!("membership"));
    assert!(!m.active);
    assert!(s.discount.is_none());
    let q = s.quote.unwrap_or_else(|| panic!("quote"));
    assert_eq!((q.payable, q.earn.points), (100.0, 100));
    // 300 over 90 days -> 100 per 30 days; 10% saves 10.00 = the fee: not more, so no nudge.
    assert!(s.nudges.is_empty(), "{:?}", s.nudges);
    let history = json!([{"at": "2024-06-01", "amount": 301}]);
    let s = eval(rules.clone(), json!({}), history, None, "2024-06-15", 3)
        .unwrap_or_else(|e| panic!("{e}"));
    let n = serde_json::to_value(&s.nudges).unwrap_or_default();
    assert_eq!(n[0]["kind"], "membershipBreakEven");
    // 301 x 30 / 90 = 100.333.. -> 100.33; 10% = 10.033 -> 10.03 > 10; break-even 10 / 0.1 = 100.
    assert_eq!(
        (
            n[0]["projectedSpend"].as_f64(),
            n[0]["projectedSavings"].as_f64(),
            n[0]["breakEvenSpend"].as_f64()
        ),
        (Some(100.33), Some(10.03), Some(100.0))
    );
    assert_eq!(
        n[0]["message"],
        "At your pace, Plus would save you $10.03 every 30 days for a $10.00 fee"
    );
    // A membership that has not started yet is not active.
    let s = eval(
        rules,
        json!({"membership": {"since": "2024-07-01", "until": "2024-08-01"}}),
        json!([]),
        None,
        "2024-06-15",
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.membership.map(|m| m.active), Some(false));
}

#[test]
fn nudges_are_ranked_and_truncated() {
    let rules = json!({"earn": {"pointsPerUnit": 1}, "tiers": ladder()});
    let account = json!({"points": [{"amount": 100, "expiresAt": "2024-12-25"}]});
    // Silver from 2023; 2024 has 100 of the 500 needed, 10 days before the review.
    let history = json!([{"at": "2023-05-01", "amount": 600}, {"at": "2024-02-01", "amount": 100}]);
    let cart = json!({"amount": 950});
    let s = eval(
        rules.clone(),
        account.clone(),
        history.clone(),
        Some(cart.clone()),
        "2024-12-22",
        10,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<(String, u32)> = s
        .nudges
        .iter()
        .map(|n| {
            (
                serde_json::to_value(n)
                    .map(|v| v["kind"].as_str().unwrap_or("").to_string())
                    .unwrap_or_default(),
                n.priority,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("cartReachesTier".to_string(), 100),
            ("pointsExpiring".to_string(), 95),
            ("tierAtRisk".to_string(), 90),
            ("pointsForCart".to_string(), 80),
        ]
    );
    let messages: Vec<&str> = s.nudges.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "This order takes you to Gold if you pay it without points: free delivery",
            "100 points expire in 3 days",
            "Spend $400.00 more by 2024-12-31 to keep Silver",
            "Use 100 points to save $100.00 on this order",
        ]
    );
    let s = eval(rules, account, history, Some(cart), "2024-12-22", 2)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.nudges.iter().map(|n| n.priority).collect::<Vec<_>>(),
        vec![100, 95]
    );
}

#[test]
fn operations_are_applied_in_time_order() {
    let account = json!({"operations": [
        {"type": "redeem", "key": "r", "at": "2024-06-02", "points": 50},
        {"type": "earn", "key": "e", "at": "2024-06-01", "points": 100}]});
    let s = eval(json!({}), account, json!([]), None, "2024-06-15", 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.ledger.balance, 50);
}

#[test]
fn promotions_for_a_tier_only() {
    let rules = json!({"earn": {"pointsPerUnit": 1, "promotions": [
        {"id": "gold3", "name": "Gold triple", "daysOfWeek": [1, 2, 3, 4, 5, 6, 7], "multiplier": 3, "tiers": ["gold"]}]},
        "tiers": ladder()});
    let gold = json!([{"at": "2024-02-01", "amount": 1000}]);
    let q = |h: Value| {
        eval(
            rules.clone(),
            json!({}),
            h,
            Some(json!({"amount": 10})),
            "2024-06-15",
            3,
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .quote
        .map(|q| q.earn.points)
    };
    assert_eq!(q(gold), Some(30));
    assert_eq!(q(json!([])), Some(10));
}

#[test]
fn points_a_json_number_cannot_hold_exactly_are_an_overflow() {
    // Found by the wasm fuzzing: 10^13 spent at 65,536 points per unit is 6.6 × 10^17 points,
    // an i64 but not an integer JavaScript holds exactly (the wasm build could not return it).
    let quote = |amount: f64| {
        eval(
            json!({"earn": {"pointsPerUnit": 65536}}),
            json!({}),
            json!([]),
            Some(json!({ "amount": amount })),
            "2024-06-15T12:00:00Z",
            3,
        )
    };
    let e = quote(1e13)
        .err()
        .unwrap_or_else(|| panic!("should overflow"));
    assert_eq!(e.code(), "loyalty.overflow");
    assert!(e.message().contains("2^53"), "{e}");
    // Up to 2^53 − 1 points the quote is exact: 10^11 × 65,536 = 6,553,600,000,000,000.
    let q = quote(1e11)
        .unwrap_or_else(|e| panic!("{e}"))
        .quote
        .map(|q| q.earn.points);
    assert_eq!(q, Some(6_553_600_000_000_000));
}

/// rules, account, history, cart, (code, path).
type Case = (
    Value,
    Value,
    Value,
    Option<Value>,
    (&'static str, &'static str),
);

#[test]
fn input_errors_have_paths() {
    let cases: Vec<Case> = vec![
        (
            json!({}),
            json!({"operations": [{"type": "partnerEarn", "key": "p", "at": "2024-06-01", "partner": "x", "partnerPoints": 1}]}),
            json!([]),
            None,
            ("loyalty.invalid_input", "account.operations[0].partner"),
        ),
        (
            json!({}),
            json!({}),
            json!([]),
            Some(json!({"amount": 1, "items": [{"price": 1}]})),
            ("loyalty.invalid_input", "cart.amount"),
        ),
        (
            json!({}),
            json!({}),
            json!([]),
            Some(json!({"items": [{"price": 1, "qty": 0}]})),
            ("loyalty.invalid_input", "cart.items[0].qty"),
        ),
        (
            json!({}),
            json!({}),
            json!([]),
            Some(json!({"items": [{"price": -1}]})),
            ("loyalty.invalid_input", "cart.items[0].price"),
        ),
        (
            json!({}),
            json!({"operations": [{"type": "earn", "key": "e", "at": "2024-07-01", "points": 1}]}),
            json!([]),
            None,
            ("loyalty.invalid_input", "account.operations[0].at"),
        ),
        (
            json!({}),
            json!({"points": [{"amount": 1, "expiresAt": "2024-13-01"}]}),
            json!([]),
            None,
            ("loyalty.invalid_input", "account.points[0].expiresAt"),
        ),
        (
            json!({}),
            json!({"operations": [{"type": "reverse", "key": "x", "at": "2024-06-01", "orderId": "nope"}]}),
            json!([]),
            None,
            ("loyalty.invalid_operation", "account.operations[0].orderId"),
        ),
        (
            json!({}),
            json!({"birthday": "02-30"}),
            json!([]),
            None,
            ("loyalty.invalid_input", "account.birthday"),
        ),
        (
            json!({}),
            json!({}),
            json!([{"at": "2024-01-01", "amount": 5, "refunded": 6}]),
            None,
            ("loyalty.invalid_input", "history[0].refunded"),
        ),
        (
            json!({}),
            json!({"membership": {"until": "2025-01-01"}}),
            json!([]),
            None,
            ("loyalty.invalid_input", "account.membership"),
        ),
        (
            json!({"earn": {"maxPointsPerOrder": -1}}),
            json!({}),
            json!([]),
            None,
            ("loyalty.invalid_rules", "earn.maxPointsPerOrder"),
        ),
    ];
    for (rules, account, history, cart, (code, path)) in cases {
        assert_eq!(
            err(eval(rules, account, history, cart, "2024-06-15", 3)),
            (code.to_string(), path.to_string())
        );
    }
    let rules = LoyaltyRules::default();
    let mut o = EvaluateOptions::at(at("2024-06-15"));
    o.time_zone_offset_minutes = 1200;
    let e = evaluate(&rules, &AccountInput::default(), &[], None, &o)
        .err()
        .map(|e| e.path().to_string());
    assert_eq!(e.as_deref(), Some("timeZoneOffsetMinutes"));
}

#[test]
fn the_main_crate_validates_the_section_under_its_own_path() {
    let rules: LoyaltyRules = serde_json::from_value(json!({"earn": {"promotions": [
        {"id": "a", "name": "A", "daysOfWeek": [1]}, {"id": "b", "name": "B", "daysOfWeek": [1]},
        {"id": "c", "name": "C", "start": "2024-06-01T25:00"}]}}))
    .unwrap_or_else(|e| panic!("{e}"));
    let e = rules
        .validate("loyalty")
        .err()
        .unwrap_or_else(|| panic!("should fail"));
    assert_eq!(
        (e.code(), e.path()),
        ("loyalty.invalid_rules", "loyalty.earn.promotions[2].start")
    );
}
