//! Offers with a `when` condition over the documented facts: checked against the facts when the
//! programme loads (a typo is an error with its path and a suggestion), evaluated per decision.

use crate::common;

use offerwise::customer::Customer;
use offerwise::engine::{DecideContext, DecideOptions};
use offerwise::loyalty::Cart;
use offerwise::Engine;
use serde_json::{json, Value};

const MODEL: &str = include_str!("../models/default.json");

fn program_with(offer: Value) -> String {
    let mut p: Value =
        serde_json::from_str(include_str!("../models/default-program.json")).unwrap();
    p["offers"].as_array_mut().unwrap().push(offer);
    p["maxOffers"] = json!(20);
    p["savedGroups"] = json!({"nl-be": ["NL", "BE"]});
    p.to_string()
}

fn customer() -> Customer {
    Customer::from_json(include_str!("../www/example-customer.json")).unwrap()
}

fn options(cart: Option<&str>, device: Option<&str>, country: Option<&str>) -> DecideOptions {
    DecideOptions {
        cart: cart.map(|c| serde_json::from_str::<Cart>(c).unwrap()),
        context: Some(DecideContext {
            device: device.map(str::to_string),
            country: country.map(str::to_string),
            ..DecideContext::default()
        }),
        ..DecideOptions::at("1998-07-01T19:30:00Z")
    }
}

#[test]
fn an_offer_is_shown_only_when_its_condition_holds() {
    let offer = json!({"id": "mobile-jazz", "kind": "discount", "title": "Jazz on the go", "value": 5,
        "weight": 0.01,
        "when": {"cart.subtotal": {"$gte": 50}, "context.device": "mobile",
                 "cart.categories": {"$elemMatch": {"$eq": "jazz"}},
                 "context.country": {"$inGroup": "nl-be"},
                 "context.localHour": {"$gte": 18}, "context.dayOfWeek": 3,
                 "features.categoryShares.jazz": {"$gt": 0.3},
                 "segment.role": {"$in": ["loyal", "champions", "potential-loyalists", "hibernating", "lost"]},
                 "experiments.winback-2026q4": {"$exists": true}}});
    let e = Engine::from_json(MODEL, &program_with(offer)).unwrap();
    let jazz = r#"{"items": [{"category": "jazz", "price": 15.5, "qty": 4}]}"#;
    let shown = |o: &DecideOptions| {
        e.decide(&customer(), o)
            .unwrap()
            .offers
            .iter()
            .any(|x| x.id == "mobile-jazz")
    };
    // 1998-07-01 was a Wednesday (ISO day 3); 19:30 UTC is hour 19.
    assert!(shown(&options(Some(jazz), Some("mobile"), Some("NL"))));
    let d = e
        .decide(
            &customer(),
            &options(Some(jazz), Some("mobile"), Some("BE")),
        )
        .unwrap();
    let pick = d.offers.iter().find(|x| x.id == "mobile-jazz").unwrap();
    assert!(
        pick.reason.contains("its conditions hold"),
        "{}",
        pick.reason
    );
    assert!(!shown(&options(Some(jazz), Some("desktop"), Some("NL"))));
    assert!(!shown(&options(Some(jazz), Some("mobile"), Some("DE"))));
    assert!(!shown(&options(
        Some(r#"{"amount": 40}"#),
        Some("mobile"),
        Some("NL")
    )));
    assert!(!shown(&options(None, Some("mobile"), Some("NL"))));
    // Two hours earlier, 17:30: before 18:00.
    let early = DecideOptions {
        now: offerwise::customer::TimeValue::Text("1998-07-01T17:30:00Z".into()),
        ..options(Some(jazz), Some("mobile"), Some("NL"))
    };
    assert!(!shown(&early));
    // The shop's time zone moves the local hour: UTC+2 makes 17:30 UTC 19:30 local.
    let east = DecideOptions {
        time_zone_offset_minutes: 120,
        ..early
    };
    assert!(shown(&east));
}

#[test]
fn conditions_are_checked_against_the_facts_when_the_programme_loads() {
    let cases = [
        (
            json!({"$and": [{"tier": "gold"}, {"cart.subtotl": {"$gt": 50}}]}),
            "when.$and[1].cart.subtotl",
            "did you mean cart.subtotal?",
        ),
        (
            json!({"cart.subtotal": {"$gt": "50"}}),
            "when.cart.subtotal.$gt",
            "compares a number",
        ),
        (
            json!({"tier": {"$size": 1}}),
            "when.tier.$size",
            "tests a list",
        ),
        (
            json!({"experiments.nope": "b"}),
            "when.experiments.nope",
            "no experiment \"nope\"",
        ),
        (
            json!({"tier": {"$gtx": 1}}),
            "when.tier.$gtx",
            "condition.unknown_operator",
        ),
        (json!({"tier": {"$inGroup": "missing-group"}}), "when", ""),
    ];
    for (when, path, says) in cases {
        let offer = json!({"id": "x", "kind": "gift", "title": "X", "value": 1, "when": when});
        match Engine::from_json(MODEL, &program_with(offer)) {
            Err(e) => {
                assert_eq!(e.code(), "program.invalid", "{e}");
                assert!(
                    e.path().ends_with(path),
                    "{} does not end with {path}: {e}",
                    e.path()
                );
                assert!(e.to_string().contains(says), "{e}");
            }
            // An unknown saved group is GrowthBook's "not in the group", not an error.
            Ok(_) => assert_eq!(path, "when"),
        }
    }
}

#[test]
fn conditions_read_named_aggregates_of_the_history() {
    let mut p: Value = serde_json::from_str(&program_with(json!({
        "id": "jazz-fan", "kind": "bonusPoints", "title": "Jazz fans: 100 points", "value": 100,
        "priority": 1,
        "when": {"aggregates.jazzSpend90d": {"$gte": 40}, "aggregates.orders30d": {"$gte": 1}}
    })))
    .unwrap();
    p["aggregates"]["jazzSpend90d"] =
        json!({"sum": "amount", "where": {"category": "jazz"}, "windowDays": 90});
    p["aggregates"]["orders30d"] = json!({"count": "orders", "windowDays": 30});
    p["aggregates"]["unused"] = json!({"max": "amount"});
    let e = Engine::from_json(MODEL, &p.to_string()).unwrap();
    // The example customer: $46.50 of jazz on 1998-05-02, an order on 1998-06-12.
    let shown = |now: &str| {
        e.decide(&customer(), &DecideOptions::at(now))
            .unwrap()
            .offers
            .iter()
            .any(|x| x.id == "jazz-fan")
    };
    assert!(shown("1998-07-01"));
    // 30 days after the last order: no order in the last 30 days.
    assert!(!shown("1998-07-13"));
    // An experiment's targeting reads the aggregates too (an aggregate read by targeting
    // alone was once missing from the facts, so the targeting never held).
    let mut q = p.clone();
    q["offers"].as_array_mut().unwrap().pop();
    q["experiments"][0]["targeting"] = json!({"aggregates.orders30d": {"$gte": 1}});
    let e = Engine::from_json(MODEL, &q.to_string()).unwrap();
    let targeted = |now: &str| {
        let d = e.decide(&customer(), &DecideOptions::at(now)).unwrap();
        d.experiments
            .iter()
            .any(|x| x.key == "winback-2026q4" && x.reason != Some("targeting"))
    };
    assert!(targeted("1998-07-01"));
    assert!(!targeted("1998-07-13"));
    // A typo in an aggregate name is caught at load, with a suggestion.
    p["offers"].as_array_mut().unwrap().last_mut().unwrap()["when"] =
        json!({"aggregates.jazzSpend09d": {"$gte": 40}});
    let err = Engine::from_json(MODEL, &p.to_string()).unwrap_err();
    assert!(
        err.path().ends_with("when.aggregates.jazzSpend09d"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("did you mean aggregates.jazzSpend90d?"),
        "{err}"
    );
    // A bad definition names its field.
    p["aggregates"]["orders30d"] = json!({"count": "orders", "windowDays": -1});
    let err = Engine::from_json(MODEL, &p.to_string()).unwrap_err();
    assert_eq!(err.path(), "aggregates.orders30d.windowDays", "{err}");
}

/// The facts hold only the sections and fields some condition reads (issue 12: a decision no
/// longer builds all of them). Every CDNOW customer's decision and page views, with conditions
/// over every section (whole sections, single fields, arrays, saved groups, experiments, an
/// experiment's targeting), equal those of the same engine building every section whole,
/// including the explanations of offers left out.
#[test]
fn the_facts_built_for_the_conditions_read_decide_as_the_whole_facts() {
    let mut p: Value =
        serde_json::from_str(include_str!("../models/default-program.json")).unwrap();
    let whens = [
        json!({"segment.name": {"$exists": true}, "tier": {"$in": ["silver", "gold", null]}}),
        json!({"clv.pAlive": {"$gt": 0.3}, "points.balance": {"$gte": 0}}),
        json!({"cart.categories": {"$elemMatch": {"$eq": "jazz"}}, "context.country": {"$inGroup": "nl-be"}}),
        json!({"experiments.winback-2026q4": "winback", "context.dayOfWeek": {"$in": [3, 4, 5]}}),
        json!({"$or": [{"features.recencyDays": {"$lt": 200}}, {"segment.role": "loyal"}]}),
        json!({"cart.subtotal": {"$exists": true}, "clv.value": {"$ne": null}, "points.expiring": {"$gte": 0}}),
    ];
    for (i, when) in whens.into_iter().enumerate() {
        let kind = if i == 5 { "donation" } else { "discount" };
        p["offers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": format!("facts-{i}"),
            "kind": kind, "title": "t", "value": 1 + i, "weight": 0.3, "response": 0.05,
            "when": when}));
    }
    p["maxOffers"] = json!(24);
    p["savedGroups"] = json!({"nl-be": ["NL", "BE"]});
    p["experiments"][1]["targeting"] = json!({"$or": [{"features.frequency": {"$gte": 1}}, {"context.page": "cart"}, {"clv.churnRisk": {"$gt": 0.99}}]});
    let engine = Engine::from_json(MODEL, &p.to_string()).unwrap();
    let whole = engine.clone().with_whole_facts();
    let views = [
        options(None, None, None),
        options(
            Some(r#"{"items": [{"category": "jazz", "sku": "a", "price": 20, "qty": 3}]}"#),
            Some("mobile"),
            Some("NL"),
        ),
        DecideOptions {
            context: Some(DecideContext {
                page: Some("cart".into()),
                ..DecideContext::default()
            }),
            ..DecideOptions::at("1998-03-05T08:00:00Z")
        },
    ];
    let transactions = common::read_cdnow("CDNOW_master.txt");
    assert_eq!(transactions.len(), 23_570);
    let (mut decided, mut shown) = (0, [0usize; 6]);
    for (id, (at, amounts)) in &transactions {
        let orders: Vec<Value> = at
            .iter()
            .zip(amounts)
            .map(|(t, a)| json!({"at": t, "amount": a}))
            .collect();
        let c: Customer = serde_json::from_value(json!({"id": id, "orders": orders})).unwrap();
        for o in &views {
            let (a, b) = (engine.decide(&c, o), whole.decide(&c, o));
            match (&a, &b) {
                (Ok(a), Ok(b)) => {
                    assert!(a == b, "customer {id}: the decisions differ");
                    decided += 1;
                    for (k, n) in shown.iter_mut().enumerate() {
                        let id = format!("facts-{k}");
                        // Shown, or left out for a reason after its condition held.
                        let held = a.offers.iter().any(|x| x.id == id)
                            || a.left_out
                                .iter()
                                .any(|x| x.id == id && x.code != "condition_failed");
                        *n += usize::from(held);
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("customer {id}: one engine decides, the other fails"),
            }
        }
    }
    assert!(decided > 50_000, "{decided}");
    // Each condition holds for some customers (the offer is shown, or left out for a reason
    // found after its condition held), so each one's facts were read.
    assert!(shown.iter().all(|&n| n > 0), "{shown:?}");
}
