//! Offers with a `when` condition over the documented facts: checked against the facts when the
//! programme loads (a typo is an error with its path and a suggestion), evaluated per decision.

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
