//! The engine's limits (issue 15): a document over one of them is refused with
//! `limit.exceeded` and the path of the part that is too big, without running out of memory
//! or stack, and the engine then decides as before. At each limit the call still succeeds.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::error::Error;
use offerwise::limits;
use offerwise::model::Model;
use offerwise::program::Program;
use offerwise::Engine;
use serde_json::{json, Value};

const MODEL: &str = include_str!("../models/default.json");
const PROGRAM: &str = include_str!("../models/default-program.json");

fn engine() -> Engine {
    Engine::from_json(MODEL, PROGRAM).expect("the default engine loads")
}

fn options() -> DecideOptions {
    serde_json::from_value(json!({"now": "2024-06-01T12:00:00Z", "cart": {"amount": 40}}))
        .expect("options read")
}

fn probe() -> Customer {
    Customer::from_json(
        r#"{"id": "probe", "orders": [{"at": "2024-01-05", "amount": 30},
            {"at": "2024-03-10", "amount": 55.5}, {"at": "2024-05-20", "amount": 12}]}"#,
    )
    .expect("the probe customer reads")
}

/// The probe's decision as JSON, to compare before and after an error.
fn probe_decision(engine: &Engine) -> Value {
    serde_json::to_value(
        engine
            .decide(&probe(), &options())
            .expect("the probe decides"),
    )
    .expect("a decision serialises")
}

fn assert_limit(e: &Error, path: &str) {
    assert_eq!(e.code(), "limit.exceeded", "{e}");
    assert_eq!(e.path(), path, "{e}");
}

/// `depth` nested arrays around `inner`, as JSON text.
fn nested(depth: usize, inner: &str) -> String {
    let mut s = String::with_capacity(depth * 2 + inner.len());
    s.push_str(&"[".repeat(depth));
    s.push_str(inner);
    s.push_str(&"]".repeat(depth));
    s
}

fn customer_with_orders(n: usize) -> String {
    let mut s = String::from(r#"{"id": "many", "orders": ["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        // One order a minute from 2020-01-01: 100,000 orders reach 2020-03-10.
        s.push_str(&format!(
            r#"{{"at": {}, "amount": {}.5}}"#,
            1_577_836_800_000_i64 + i as i64 * 60_000,
            i % 97
        ));
    }
    s.push_str("]}");
    s
}

#[test]
fn deep_json_is_a_limit_error_in_every_document() {
    let engine = engine();
    let before = probe_decision(&engine);
    // 100,000 levels: read up to level 128 and refused, at the path of the value too deep.
    let deep = nested(100_000, "1");
    let customer = format!(r#"{{"id": "deep", "attributes": {{"x": {deep}}}}}"#);
    let e = Customer::from_json(&customer).unwrap_err();
    // The customer object and `attributes` are two of the levels.
    assert_limit(&e, &format!("attributes.x{}", "[0]".repeat(126)));
    assert!(e.to_string().contains("nested more than 127 levels"), "{e}");

    let model = format!(r#"{{"formatVersion": 1, "segments": {deep}}}"#);
    // A model has no free-form value: the type error comes first (a segment read by position: its `id` is not an array).
    let e = Model::from_json(&model).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.path().as_str()),
        ("model.invalid", "segments[0][0]"),
        "{e}"
    );
    // A programme's saved groups are free-form JSON.
    let program = format!(r#"{{"formatVersion": 1, "savedGroups": {{"g": {deep}}}}}"#);
    let e = Program::from_json(&program).unwrap_err();
    assert_limit(&e, &format!("savedGroups.g{}", "[0]".repeat(126)));
    // Typed parts stop at the first value of the wrong type.
    let e = Program::from_json(&format!(r#"{{"offers": {deep}}}"#)).unwrap_err();
    assert_eq!(e.code(), "program.invalid", "{e}");
    let policy = format!(r#"{{"arms": {deep}}}"#);
    let e = offerwise::offers::policy::Policy::from_json(&policy).unwrap_err();
    assert!(
        e.code() == "policy.invalid" || e.code() == "limit.exceeded",
        "{e}"
    );
    let e = offerwise::json::value_from_str(offerwise::error::Doc::Condition, &deep).unwrap_err();
    assert_limit(&e, &"[0]".repeat(128));
    let e = offerwise::json::from_str::<DecideOptions>(
        offerwise::error::Doc::Options,
        &format!(r#"{{"now": "2024-06-01", "assignments": {deep}}}"#),
    )
    .unwrap_err();
    assert_eq!(e.code(), "limit.exceeded");
    // Objects count as arrays do.
    let objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    let e =
        offerwise::json::value_from_str(offerwise::error::Doc::Attributes, &objects).unwrap_err();
    assert_limit(&e, &".a".repeat(127)[1..]);
    // Exactly 127 levels are read; 128 are not.
    offerwise::json::value_from_str(offerwise::error::Doc::Attributes, &nested(127, "1"))
        .expect("127 levels are read");
    let e = offerwise::json::value_from_str(offerwise::error::Doc::Attributes, &nested(128, "1"))
        .unwrap_err();
    assert_limit(&e, &"[0]".repeat(128));
    assert_eq!(probe_decision(&engine), before);
}

#[test]
fn documents_over_their_size_are_refused_before_reading() {
    // A 5 MB model: over the model's 1 MiB whatever it holds.
    let mut model: Value = serde_json::from_str(MODEL).unwrap();
    model["padding"] = Value::String("x".repeat(5_000_000));
    let text = model.to_string();
    let e = Model::from_json(&text).unwrap_err();
    assert_limit(&e, "");
    assert!(e.to_string().contains("at most 1,048,576 are read"), "{e}");
    // A 17 MiB customer.
    let big = format!(
        r#"{{"id": "big", "attributes": {{"note": "{}"}}}}"#,
        "y".repeat(17 << 20)
    );
    assert_limit(&Customer::from_json(&big).unwrap_err(), "");
    // Just under the limit reads (and the unknown field is the error).
    let mut model: Value = serde_json::from_str(MODEL).unwrap();
    model["padding"] = Value::String("x".repeat(limits::MAX_MODEL_BYTES - MODEL.len() - 100));
    assert_eq!(
        Model::from_json(&model.to_string()).unwrap_err().code(),
        "model.invalid"
    );
}

#[test]
fn orders_at_and_over_the_limit() {
    let engine = engine();
    let before = probe_decision(&engine);
    let at_limit = Customer::from_json(&customer_with_orders(limits::MAX_ORDERS)).unwrap();
    let d = engine
        .decide(&at_limit, &options())
        .expect("100,000 orders decide");
    assert_eq!(d.customer_id, "many");
    assert!(d.features.frequency > 0, "repeat purchases are counted");
    let over = Customer::from_json(&customer_with_orders(limits::MAX_ORDERS + 1)).unwrap();
    let e = engine.decide(&over, &options()).unwrap_err();
    assert_limit(&e, "orders");
    assert!(
        e.to_string().contains("100,001 orders: at most 100,000"),
        "{e}"
    );
    assert_eq!(probe_decision(&engine), before);
}

#[test]
fn loyalty_accounts_and_histories_over_the_limit() {
    let program: Value = serde_json::from_str(PROGRAM).unwrap();
    let rules = program["loyalty"].clone();
    assert!(
        rules.is_object(),
        "the default programme has a loyalty section"
    );
    let ops: Vec<Value> = (0..=limits::MAX_ACCOUNT_ENTRIES)
        .map(|i| json!({"type": "earn", "key": format!("e{i}"), "at": "2024-05-01", "points": 1}))
        .collect();
    let input = json!({"rules": rules, "now": "2024-06-01", "account": {"operations": ops}});
    let input: offerwise::loyalty::EvaluateInput = serde_json::from_value(input).unwrap();
    let e = input.evaluate().unwrap_err();
    assert_eq!(
        (e.code(), e.path()),
        ("limit.exceeded", "account.operations")
    );
    // At the limit, split between opening lots and operations, the account replays.
    let half = limits::MAX_ACCOUNT_ENTRIES / 2;
    let ops: Vec<Value> = (0..half)
        .map(|i| json!({"type": "earn", "key": format!("e{i}"), "at": "2024-05-01", "points": 1}))
        .collect();
    let lots: Vec<Value> = (0..half)
        .map(|_| json!({"amount": 2, "earnedAt": "2024-04-01"}))
        .collect();
    let input = json!({"rules": program["loyalty"], "now": "2024-06-01",
        "account": {"points": lots, "operations": ops}});
    let input: offerwise::loyalty::EvaluateInput = serde_json::from_value(input).unwrap();
    let state = input.evaluate().expect("100,000 entries replay");
    assert_eq!(state.ledger.balance, 3 * half as i64);

    let history: Vec<Value> = (0..=limits::MAX_ORDERS)
        .map(|i| json!({"at": 1_577_836_800_000_i64 + i as i64 * 1000, "amount": 1}))
        .collect();
    let input = json!({"rules": program["loyalty"], "now": "2024-06-01", "history": history});
    let input: offerwise::loyalty::EvaluateInput = serde_json::from_value(input).unwrap();
    let e = input.evaluate().unwrap_err();
    assert_eq!((e.code(), e.path()), ("limit.exceeded", "history"));
}

#[test]
fn programmes_and_models_over_their_counts() {
    let mut program: Value = serde_json::from_str(PROGRAM).unwrap();
    let offer = program["offers"][0].clone();
    program["offers"] = Value::Array(
        (0..=limits::MAX_OFFERS)
            .map(|i| {
                let mut o = offer.clone();
                o["id"] = json!(format!("o{i}"));
                o
            })
            .collect(),
    );
    let e = Program::from_json(&program.to_string()).unwrap_err();
    assert_limit(&e, "offers");
    assert!(e.to_string().contains("1,001 offers: at most 1,000"), "{e}");

    let mut model: Value = serde_json::from_str(MODEL).unwrap();
    let segment = model["segments"][0].clone();
    model["segments"] = Value::Array(vec![segment; limits::MAX_SEGMENTS + 1]);
    let e = Model::from_json(&model.to_string()).unwrap_err();
    assert_limit(&e, "segments");
}

#[test]
fn offer_history_over_the_limit() {
    let events: Vec<Value> = (0..=limits::MAX_OFFER_EVENTS)
        .map(|_| json!({"offerId": "x", "at": "2024-01-01", "event": "shown"}))
        .collect();
    let customer: Customer =
        serde_json::from_value(json!({"id": "c", "offerHistory": events})).unwrap();
    let e = engine().decide(&customer, &options()).unwrap_err();
    assert_limit(&e, "offerHistory");
}

#[test]
fn conditions_over_their_limits_share_the_code() {
    let deep = format!(
        "{}{}{}",
        r#"{"$not":"#.repeat(40),
        r#"{"a":1}"#,
        "}".repeat(40)
    );
    let e = offerwise::offers::conditions::Condition::parse(&serde_json::from_str(&deep).unwrap())
        .unwrap_err();
    assert_eq!(e.code(), "limit.exceeded");
    // A megabyte pattern is not compiled (it would take a tenth of a second).
    let long = json!({"name": {"$regex": "x".repeat(1 << 20)}});
    let e = offerwise::offers::conditions::Condition::parse(&long).unwrap_err();
    assert_eq!((e.code(), e.path()), ("limit.exceeded", "name.$regex"));
    let at_limit = json!({"name": {"$regex": "x".repeat(4_096)}});
    offerwise::offers::conditions::Condition::parse(&at_limit).expect("4,096 bytes compile");
}

/// Found by the 1,000,000-case native fuzzing: a programme's `maxOffers` of any size (here
/// the largest usize) once made a decision reserve that many slots and panic.
#[test]
fn any_max_offers_decides() {
    let mut program: Value = serde_json::from_str(PROGRAM).unwrap();
    program["maxOffers"] = json!(u64::MAX);
    let engine = Engine::new(
        Model::from_json(MODEL).unwrap(),
        Program::from_json(&program.to_string()).unwrap(),
    )
    .unwrap();
    let d = engine
        .decide(&probe(), &options())
        .expect("the probe decides");
    assert!(!d.offers.is_empty());
}

/// An error names the caller's text it is about, but only the start of a long one: a 16 MB
/// experiment key, offer kind, field name or operator gives a message of a few hundred bytes
/// (it once gave a 16 MB one, and quoting it took most of the call).
#[test]
fn caller_text_in_errors_is_bounded() {
    fn assert_short(e: &Error, code: &str, path_starts: &str) {
        let (message, path) = (e.to_string(), e.path());
        assert_eq!(e.code(), code, "{}", &message[..message.len().min(300)]);
        assert!(
            message.len() < 400,
            "{} bytes: {}",
            message.len(),
            &message[..300]
        );
        assert!(
            path.len() < 120 && path.starts_with(path_starts),
            "{path:.200}"
        );
    }
    let engine = engine();
    let before = probe_decision(&engine);
    let huge = "x".repeat(16_000_000);

    // A forced variant of an experiment the programme does not have.
    let mut o = serde_json::to_value(options()).unwrap();
    o["forceVariants"] = json!({ huge.as_str(): "treatment" });
    let e = engine
        .decide(&probe(), &serde_json::from_value(o).unwrap())
        .unwrap_err();
    assert_short(&e, "options.invalid", "forceVariants.xxxx");
    assert!(e.path().ends_with("… (16000000 bytes)"), "{}", e.path());
    assert!(e.to_string().contains("\"… (16000000 bytes)"), "{e}");

    // An offer kind that is not one (serde's own message quotes it).
    let mut program: Value = serde_json::from_str(PROGRAM).unwrap();
    program["offers"][0]["kind"] = json!(huge);
    let e = Program::from_json(&program.to_string()).unwrap_err();
    assert_short(&e, "program.invalid", "offers[0].kind");
    assert!(e.to_string().contains("`… (16000000 bytes)"), "{e}");

    // A field the customer document does not have, and an operator conditions do not have.
    let e =
        Customer::from_json(&format!(r#"{{"id": "a", "orders": [], "{huge}": 1}}"#)).unwrap_err();
    assert_short(&e, "customer.invalid", "xxxx");
    let e = offerwise::offers::conditions::Condition::parse(
        &json!({"country": {format!("${huge}"): 1}}),
    )
    .unwrap_err();
    assert_short(&e.into(), "condition.unknown_operator", "country.$xxxx");

    assert_eq!(probe_decision(&engine), before);
}
