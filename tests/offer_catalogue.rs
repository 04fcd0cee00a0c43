//! The catalogue's rules, one at a time, on a small programme: what is shown, what is left out
//! with which code and path, the value and cost by kind, and what a bad offer says at load.

use offerwise::customer::Customer;
use offerwise::engine::{BudgetState, DecideContext, DecideOptions};
use offerwise::loyalty::Cart;
use offerwise::{Decision, Engine};
use serde_json::{json, Value};

const MODEL: &str = include_str!("../models/default.json");

/// A programme with the default loyalty rules and just these offers.
fn program(offers: Value, extra: Value) -> String {
    let mut p: Value =
        serde_json::from_str(include_str!("../models/default-program.json")).unwrap();
    p["offers"] = offers;
    p["experiments"] = json!([]);
    p["maxOffers"] = json!(3);
    p["ranking"] = json!({"objective": "margin", "orderValue": 40, "deliveryCost": 5,
                          "redemptionRate": 0.5, "defaultResponse": 0.1});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            p[k] = v;
        }
    }
    p.to_string()
}

fn engine(offers: Value, extra: Value) -> Engine {
    Engine::from_json(MODEL, &program(offers, extra)).unwrap()
}

/// The example customer: three orders, the last on 1998-06-12, $46.50 of jazz.
fn customer() -> Customer {
    Customer::from_json(include_str!("../www/example-customer.json")).unwrap()
}

fn at(now: &str) -> DecideOptions {
    DecideOptions::at(now)
}

fn shown(d: &Decision) -> Vec<&str> {
    d.offers.iter().map(|o| o.id.as_str()).collect()
}

fn left(d: &Decision, id: &str) -> (String, Option<String>) {
    let l = d
        .left_out
        .iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("{id} is not among the left out: {:?}", d.left_out));
    (l.code.to_string(), l.path.clone())
}

fn gift(id: &str, extra: Value) -> Value {
    let mut o = json!({"id": id, "kind": "gift", "title": id, "value": 1});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            o[k] = v;
        }
    }
    o
}

#[test]
fn value_is_take_up_times_margin_minus_cost_by_kind() {
    // No cart, the customer's expected order value from the model's Gamma-Gamma part.
    let e = engine(
        json!([
            {"id": "pct", "kind": "discount", "title": "10%", "value": 10},
            {"id": "amt", "kind": "amountOff", "title": "$2", "value": 2, "response": 0.2},
            {"id": "pts", "kind": "bonusPoints", "title": "300 points", "value": 300},
            {"id": "fd", "kind": "freeDelivery", "title": "free delivery", "value": 0},
            {"id": "ptr", "kind": "partner", "title": "miles", "value": 500, "cost": 1.25}
        ]),
        json!({"maxOffers": 5, "ranking": {"onePerKind": false, "orderValue": 40,
               "deliveryCost": 5, "redemptionRate": 0.5, "defaultResponse": 0.1}}),
    );
    let d = e.decide(&customer(), &at("1998-07-01")).unwrap();
    let eov = d.clv.as_ref().and_then(|c| c.expected_order_value).unwrap();
    let pick = |id: &str| d.offers.iter().find(|o| o.id == id).unwrap();
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    // Gain: the expected order value × the programme's margin (0.3).
    for o in &d.offers {
        close(o.gain, eov * 0.3);
        close(o.score, o.response * (o.gain - o.cost));
        assert_eq!(o.propensity, 1.0, "no policy: deterministic");
    }
    close(pick("pct").cost, 0.10 * eov);
    close(pick("amt").cost, 2.0);
    close(pick("amt").response, 0.2);
    // 300 points × $0.01 × redemption rate 0.5.
    close(pick("pts").cost, 1.5);
    close(pick("fd").cost, 5.0);
    close(pick("ptr").cost, 1.25);
    // Ranked by score, ties by id.
    let scores: Vec<f64> = d.offers.iter().map(|o| o.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn validity_channels_and_the_cart_rules() {
    let e = engine(
        json!([
            gift("weekend", json!({"validity": {"daysOfWeek": [6, 7]}})),
            gift(
                "evening",
                json!({"validity": {"hours": {"from": 18, "until": 23}}})
            ),
            gift(
                "december",
                json!({"validity": {"from": "1998-12-01", "until": "1999-01-01"}})
            ),
            gift("app-only", json!({"channels": ["app"]})),
            gift("jazz", json!({"targets": {"categories": ["jazz"]}})),
            gift("big-cart", json!({"minCart": 60}))
        ]),
        json!({"maxOffers": 6, "ranking": {"onePerKind": false}}),
    );
    let c = customer();
    // Wednesday 1998-07-01 10:00 UTC, no cart, no channel.
    let d = e.decide(&c, &at("1998-07-01T10:00:00Z")).unwrap();
    assert_eq!(
        left(&d, "weekend"),
        (
            "not_valid_now".into(),
            Some("offers[0].validity.daysOfWeek".into())
        )
    );
    assert_eq!(
        left(&d, "evening").1.as_deref(),
        Some("offers[1].validity.hours")
    );
    assert_eq!(
        left(&d, "december").1.as_deref(),
        Some("offers[2].validity.from")
    );
    assert_eq!(left(&d, "app-only").0, "channel");
    // Without a cart, targeted and minimum-cart offers are shown (they advertise).
    assert_eq!(shown(&d), ["big-cart", "jazz"]);
    // Saturday evening in the app, a $30 rock cart.
    let options = DecideOptions {
        cart: Some(
            serde_json::from_str::<Cart>(r#"{"items": [{"category": "rock", "price": 30}]}"#)
                .unwrap(),
        ),
        context: Some(DecideContext {
            channel: Some("app".into()),
            ..Default::default()
        }),
        ..at("1998-07-04T19:00:00Z")
    };
    let d = e.decide(&c, &options).unwrap();
    assert_eq!(shown(&d), ["app-only", "evening", "weekend"]);
    assert_eq!(left(&d, "jazz").0, "target_not_in_cart");
    assert_eq!(
        left(&d, "big-cart"),
        ("min_cart".into(), Some("offers[5].minCart".into()))
    );
    // A validity in another time zone: 19:00 UTC is 04:00 the next day at UTC+9.
    let e = engine(
        json!([gift(
            "evening-tokyo",
            json!({"validity": {"hours": {"from": 18, "until": 23}, "utcOffsetMinutes": 540}})
        )]),
        json!({}),
    );
    let d = e.decide(&c, &at("1998-07-04T19:00:00Z")).unwrap();
    assert!(d.offers.is_empty());
    let d = e.decide(&c, &at("1998-07-04T10:00:00Z")).unwrap();
    assert_eq!(shown(&d), ["evening-tokyo"]);
}

#[test]
fn caps_count_the_customer_offer_history() {
    let e = engine(
        json!([gift(
            "capped",
            json!({"caps": [{"max": 2, "periodDays": 7},
                                            {"max": 1, "periodDays": 30, "event": "redeemed"}]})
        )]),
        json!({}),
    );
    let with_history = |events: Value| {
        let mut c: Value =
            serde_json::from_str(include_str!("../www/example-customer.json")).unwrap();
        c["offerHistory"] = events;
        serde_json::from_value::<Customer>(c).unwrap()
    };
    let now = at("1998-07-01T12:00:00Z");
    let shown_at = |t: &str| json!({"offerId": "capped", "at": t, "event": "shown"});
    let c = with_history(json!([shown_at("1998-06-29"), shown_at("1998-06-20")]));
    assert_eq!(shown(&e.decide(&c, &now).unwrap()), ["capped"]);
    let c = with_history(json!([shown_at("1998-06-29"), shown_at("1998-06-30")]));
    let d = e.decide(&c, &now).unwrap();
    assert_eq!(
        left(&d, "capped"),
        ("cap_reached".into(), Some("offers[0].caps[0]".into()))
    );
    let c = with_history(
        json!([{"offerId": "capped", "at": "1998-06-15", "event": "redeemed"},
                                {"offerId": "gone", "at": "1998-06-30", "event": "shown"}]),
    );
    let d = e.decide(&c, &now).unwrap();
    assert_eq!(left(&d, "capped").1.as_deref(), Some("offers[0].caps[1]"));
    // An event after now is an error with its path, as an order after now is.
    let c = with_history(json!([shown_at("1998-07-02")]));
    let err = e.decide(&c, &now).unwrap_err();
    assert_eq!(
        (err.code().as_str(), err.path().as_str()),
        ("customer.invalid", "offerHistory[0].at")
    );
}

#[test]
fn budgets_are_paced_evenly_over_their_period() {
    let e = engine(
        json!([gift("paid", json!({"budget": "q3", "cost": 10}))]),
        json!({"budgets": {"q3": {"total": 1000, "from": "1998-07-01", "until": "1998-10-01"}}}),
    );
    let c = customer();
    let with = |now: &str, spent: f64| {
        let mut o = at(now);
        o.budgets
            .insert("q3".into(), BudgetState { spent, total: None });
        e.decide(&c, &o).unwrap()
    };
    // 1998-08-15 is 45 of 92 days in: an even pace allows 48.9% + 5% of $1,000.
    assert_eq!(shown(&with("1998-08-15", 500.0)), ["paid"]);
    let d = with("1998-08-15", 560.0);
    assert_eq!(
        left(&d, "paid"),
        ("budget_paced".into(), Some("budgets.q3".into()))
    );
    assert_eq!(
        left(&with("1998-09-30", 995.0), "paid").0,
        "budget_exhausted"
    );
    assert_eq!(left(&with("1998-10-01", 0.0), "paid").0, "budget_closed");
    assert_eq!(left(&with("1998-06-30", 0.0), "paid").0, "budget_closed");
    // A budget the caller says nothing of counts as unspent.
    assert_eq!(shown(&e.decide(&c, &at("1998-08-15")).unwrap()), ["paid"]);
}

#[test]
fn stacking_groups_kinds_and_priority() {
    let discount = |id: &str, value: f64, extra: Value| {
        let mut o = json!({"id": id, "kind": "discount", "title": id, "value": value,
                           "stackingGroup": "order"});
        if let Value::Object(m) = extra {
            for (k, v) in m {
                o[k] = v;
            }
        }
        o
    };
    let offers = json!([
        discount("d5", 5.0, json!({})),
        discount("d10", 10.0, json!({"response": 0.3})),
        {"id": "amt", "kind": "amountOff", "title": "amt", "value": 1, "stackingGroup": "order"},
        {"id": "p1", "kind": "bonusPoints", "title": "p1", "value": 100, "stackingGroup": "points"},
        {"id": "p2", "kind": "bonusPoints", "title": "p2", "value": 200, "stackingGroup": "points"},
        {"id": "must", "kind": "gift", "title": "must", "value": 50, "priority": 1}
    ]);
    let groups = json!({"stackingGroups": {"order": "exclusive", "points": "combinable"},
                        "maxOffers": 4});
    let e = engine(offers.clone(), groups.clone());
    let d = e.decide(&customer(), &at("1998-07-01")).unwrap();
    // The priority offer first whatever its value (a $50 gift is worth less than nothing),
    // then one offer of the exclusive group, then one bonus-points offer (one per kind).
    assert_eq!(shown(&d), ["must", "d10", "p1"]);
    assert!(d.offers[0].score < 0.0);
    assert_eq!(left(&d, "d5").0, "stacking");
    assert_eq!(left(&d, "p2").0, "same_kind");
    // With several offers of a kind allowed, both points offers (a combinable group) show.
    let mut g = groups;
    g["ranking"] = json!({"onePerKind": false});
    let e = engine(offers, g);
    let d = e.decide(&customer(), &at("1998-07-01")).unwrap();
    assert_eq!(shown(&d), ["must", "d10", "p1", "p2"]);
    assert_eq!(left(&d, "amt").0, "stacking");
}

#[test]
fn reasons_say_why_the_strongest_offers_were_left_out() {
    // A condition that fails, a tier the customer lacks, and (with `loss`) an offer worth less
    // than nothing, beside one that is shown.
    let catalogue = |with_loss: bool| {
        let mut offers = vec![
            gift(
                "cond",
                json!({"response": 0.9, "when": {"$and": [{"tier": "silver"}, {"cart.subtotal": {"$gte": 50}}]}}),
            ),
            gift(
                "gold",
                json!({"response": 0.8, "eligibility": {"tiers": ["gold"]}}),
            ),
        ];
        if with_loss {
            offers.push(gift("loss", json!({"cost": 1000})));
        }
        offers.push(gift("ok", json!({})));
        Value::Array(offers)
    };
    let e = engine(catalogue(true), json!({"ranking": {"explainLeftOut": 2}}));
    let d = e.decide(&customer(), &at("1998-07-01")).unwrap();
    assert_eq!(shown(&d), ["ok"]);
    // Two explained: first the offer the customer is targeted by (worth less than nothing),
    // then the strongest of the others; the condition names its failing test.
    assert_eq!(d.left_out.len(), 2);
    assert_eq!(
        (d.left_out[0].id.as_str(), d.left_out[0].code),
        ("loss", "no_value")
    );
    assert_eq!(d.left_out[1].id, "cond");
    assert_eq!(d.left_out[1].code, "condition_failed");
    assert_eq!(
        d.left_out[1].path.as_deref(),
        Some("offers[0].when.$and[1].cart.subtotal")
    );
    assert!(
        d.left_out[1].reason.contains("cart.subtotal is missing"),
        "{:?}",
        d.left_out[1]
    );
    let e = engine(catalogue(false), json!({}));
    let d = e.decide(&customer(), &at("1998-07-01")).unwrap();
    assert_eq!(
        left(&d, "gold"),
        (
            "eligibility".into(),
            Some("offers[1].eligibility.tiers".into())
        )
    );
    assert!(
        d.offers[0].reason.contains("expected margin value"),
        "{}",
        d.offers[0].reason
    );
}

#[test]
fn objectives_by_programme_and_by_variant() {
    let offers = json!([{"id": "pct", "kind": "discount", "title": "pct", "value": 20}]);
    let d_for = |objective: &str| {
        let e = engine(offers.clone(), json!({"ranking": {"objective": objective}}));
        e.decide(&customer(), &at("1998-07-01")).unwrap()
    };
    let (m, r, k) = (d_for("margin"), d_for("revenue"), d_for("retention"));
    let c = m.clv.clone().unwrap();
    let eov = c.expected_order_value.unwrap();
    assert!((m.offers[0].gain - eov * 0.3).abs() < 1e-9);
    assert!((r.offers[0].gain - eov).abs() < 1e-9);
    let kept = c.clv.unwrap() * c.churn_risk;
    assert!((k.offers[0].gain - (eov * 0.3 + kept)).abs() < 1e-9);
    assert_eq!(k.log.objective.id(), "retention");
    // A variant's objective wins over the programme's.
    let e = engine(
        offers,
        json!({"experiments": [{"key": "obj", "variants": [
            {"key": "a", "weight": 0.5, "objective": "revenue"},
            {"key": "b", "weight": 0.5, "objective": "revenue"}]}]}),
    );
    let d = e.decide(&customer(), &at("1998-07-01")).unwrap();
    assert_eq!(d.log.objective.id(), "revenue");
    assert!((d.offers[0].gain - eov).abs() < 1e-9);
}

#[test]
fn a_bad_offer_is_an_error_with_its_path() {
    let cases = [
        (
            json!({"kind": "partner", "value": 5}),
            "",
            "offers[0].cost",
            "cannot be derived",
        ),
        (
            json!({"response": 1.5}),
            "",
            "offers[0].response",
            "fraction",
        ),
        (
            json!({"kind": "pointsMultiplier", "value": 0.5}),
            "",
            "offers[0].value",
            "at least 1",
        ),
        (
            json!({"validity": {"daysOfWeek": [0]}}),
            "",
            "offers[0].validity.daysOfWeek[0]",
            "1 (Monday)",
        ),
        (
            json!({"validity": {"hours": {"from": 9, "until": 9}}}),
            "",
            "offers[0].validity.hours",
            "from ≠ until",
        ),
        (
            json!({"validity": {"from": "1998-13-01"}}),
            "",
            "offers[0].validity.from",
            "not a date",
        ),
        (
            json!({"validity": {"from": "1998-12-01", "until": "1998-11-01"}}),
            "",
            "offers[0].validity.until",
            "ends before",
        ),
        (
            json!({"caps": [{"max": 0, "periodDays": 7}]}),
            "",
            "offers[0].caps[0].max",
            "never shows",
        ),
        (
            json!({"caps": [{"max": 1, "periodDays": 0}]}),
            "",
            "offers[0].caps[0].periodDays",
            "> 0",
        ),
        (
            json!({"caps": [{"max": 1, "periodDays": 7, "event": "clicked"}]}),
            "",
            "offers[0].caps[0].event",
            "unknown variant",
        ),
        (
            json!({"budget": "q4"}),
            "",
            "offers[0].budget",
            "not defined",
        ),
        (
            json!({"stackingGroup": "order"}),
            "",
            "offers[0].stackingGroup",
            "not defined",
        ),
        (
            json!({"targets": {}}),
            "",
            "offers[0].targets",
            "categories or skus",
        ),
        (json!({"minCart": -1}), "", "offers[0].minCart", "≥ 0"),
        (json!({"margin": 2}), "", "offers[0].margin", "fraction"),
        (json!({}), "budgets", "budgets.q.until", "ends"),
        (json!({}), "ranking", "ranking.redemptionRate", "fraction"),
    ];
    for (patch, program_field, path, says) in cases {
        let extra = match program_field {
            "budgets" => {
                json!({"budgets": {"q": {"total": 1, "from": "1998-02-01", "until": "1998-01-01"}}})
            }
            "ranking" => json!({"ranking": {"redemptionRate": 2}}),
            _ => json!({}),
        };
        let offers = json!([gift("x", patch)]);
        let e = Engine::from_json(MODEL, &program(offers, extra)).unwrap_err();
        assert_eq!(e.code(), "program.invalid", "{path}: {e}");
        assert_eq!(e.path(), path, "{e}");
        assert!(e.to_string().contains(says), "{path}: {e}");
    }
}
