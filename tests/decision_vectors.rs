//! Shared decision vectors (`tests/vectors/decisions.json`): customers with carts, page context,
//! offer histories and budget states, decided with the default model, programme and learned
//! policy (or none). The Rust engine must give exactly the pinned decisions, and pkg-tests
//! (`decisions.test.mjs`) check that the wasm package gives the same in Node.
//!
//! The file is written by this test with `OFFERWISE_WRITE_VECTORS=1 cargo test --test
//! suite decision_vectors` when a change of the engine is meant to change decisions; review the diff.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::offers::policy::Policy;
use offerwise::Engine;
use serde_json::{json, Value};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/decisions.json");

/// The inputs: (name, with the default policy, customer, options).
fn inputs() -> Vec<(String, bool, Value, Value)> {
    let samples: Vec<Value> =
        serde_json::from_str(include_str!("../www/sample-customers.json")).unwrap();
    let example: Value =
        serde_json::from_str(include_str!("../www/example-customer.json")).unwrap();
    let jazz = json!({"items": [{"sku": "CD-0912", "category": "jazz", "price": 15.5, "qty": 4}]});
    let mut out = Vec::new();
    for (i, c) in samples.iter().enumerate().take(12) {
        out.push((
            format!("sample {i}, no cart"),
            true,
            c.clone(),
            json!({"now": "1998-07-01"}),
        ));
    }
    let mut with_history = example.clone();
    with_history["offerHistory"] = json!([
        {"offerId": "big-cart-5-off", "at": "1998-06-30T10:00:00Z", "event": "shown"},
        {"offerId": "jazz-lovers-15", "at": "1998-06-01T10:00:00Z", "event": "redeemed"}
    ]);
    let cases = [
        (
            "example, jazz cart, mobile web, Saturday evening",
            true,
            example.clone(),
            json!({"now": "1998-07-04T19:30:00Z", "cart": jazz, "context": {"channel": "web", "device": "mobile", "country": "NL", "page": "checkout"}}),
        ),
        (
            "example, jazz cart, priors only",
            false,
            example.clone(),
            json!({"now": "1998-07-04T19:30:00Z", "cart": jazz}),
        ),
        (
            "example, $250 order, app, UTC-5",
            true,
            example.clone(),
            json!({"now": "1998-07-01T23:30:00Z", "timeZoneOffsetMinutes": -300, "cart": {"amount": 250}, "context": {"channel": "app"}}),
        ),
        (
            "example with an offer history (a redeemed jazz offer)",
            true,
            with_history,
            json!({"now": "1998-07-04T19:30:00Z", "cart": jazz}),
        ),
        (
            "lapsed customer, winback budget ahead of pace",
            true,
            samples[1].clone(),
            json!({"now": "1998-07-01", "budgets": {"winback": {"spent": 3200}}}),
        ),
        (
            "lapsed customer, winback budget spent",
            true,
            samples[1].clone(),
            json!({"now": "1998-07-01", "budgets": {"winback": {"spent": 4999.5}}}),
        ),
        (
            "new customer, email",
            true,
            json!({"id": "new-1"}),
            json!({"now": "1998-07-01", "context": {"channel": "email"}, "cart": {"amount": 30}}),
        ),
    ];
    for (name, policy, c, o) in cases {
        out.push((name.to_string(), policy, c, o));
    }
    out
}

fn decide(engine: &Engine, customer: &Value, options: &Value) -> Value {
    let c: Customer = serde_json::from_value(customer.clone()).unwrap();
    let o: DecideOptions = serde_json::from_value(options.clone()).unwrap();
    serde_json::to_value(engine.decide(&c, &o).unwrap()).unwrap()
}

#[test]
fn decisions_match_the_shared_vectors() {
    let model = include_str!("../models/default.json");
    let program = include_str!("../models/default-program.json");
    let priors = Engine::from_json(model, program).unwrap();
    let learned = Engine::from_json(model, program)
        .unwrap()
        .with_policy(Policy::from_json(include_str!("../models/default-policy.json")).unwrap())
        .unwrap();
    let computed: Vec<Value> = inputs()
        .into_iter()
        .map(|(name, policy, customer, options)| {
            let e = if policy { &learned } else { &priors };
            let decision = decide(e, &customer, &options);
            json!({"name": name, "policy": policy, "customer": customer, "options": options, "decision": decision})
        })
        .collect();
    let doc = json!({
        "about": "Decisions of the default model and programme, with the default learned policy when `policy` is true (models/default-policy.json), else by the programme's priors. Written by tests/decision_vectors.rs (OFFERWISE_WRITE_VECTORS=1); checked by it and by pkg-tests/decisions.test.mjs.",
        "cases": computed,
    });
    if std::env::var_os("OFFERWISE_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        return;
    }
    let pinned: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let (want, got) = (&pinned["cases"], &doc["cases"]);
    assert_eq!(want.as_array().map(Vec::len), got.as_array().map(Vec::len));
    for (w, g) in want.as_array().unwrap().iter().zip(got.as_array().unwrap()) {
        assert_eq!(w["name"], g["name"]);
        assert_eq!(w, g, "case {}: the decision changed; if that is meant, rewrite the vectors (see the module docs)", g["name"]);
    }
    // The vectors exercise what they claim: exploration, left-out reasons, quotes with offers.
    let cases = got.as_array().unwrap();
    assert!(cases.iter().any(|c| c["decision"]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["propensity"].as_f64() < Some(1.0))));
    assert!(cases.iter().any(|c| c["decision"]["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["code"] == "budget_paced")));
    assert!(cases.iter().any(|c| c["decision"]["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["code"] == "cap_reached")));
    assert!(cases.iter().any(|c| c["decision"]["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["code"] == "condition_failed")));
    assert!(cases
        .iter()
        .any(|c| c["decision"]["loyalty"]["quote"]["offers"]
            .as_array()
            .is_some_and(|o| !o.is_empty())));
}
