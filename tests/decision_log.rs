//! Every decision carries the record to log (`offerwise.decision/1`): a deterministic id, the
//! versions, the segment, the variants and the offers shown with slots and propensities.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::offers::log::{decision_id, Outcome};
use offerwise::Engine;

fn engine() -> Engine {
    Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )
    .unwrap()
}

fn customer() -> Customer {
    Customer::from_json(include_str!("../www/example-customer.json")).unwrap()
}

#[test]
fn the_record_names_what_was_shown_and_reproduces() {
    let e = engine();
    let d = e
        .decide(&customer(), &DecideOptions::at("1998-07-01"))
        .unwrap();
    let log = &d.log;
    assert_eq!(log.schema, "offerwise.decision/1");
    assert_eq!(log.customer_id, "00042");
    assert_eq!(log.at, "1998-07-01T00:00:00Z");
    assert_eq!(log.model_version, d.model_version);
    assert!(log.program_version.starts_with("CDNOW Music Club@"));
    assert_eq!(log.program_version.len(), "CDNOW Music Club@".len() + 12);
    assert_eq!(log.policy_version, None);
    let seg = d.segment.as_ref().unwrap();
    let logged = log.segment.as_ref().unwrap();
    assert_eq!((logged.id, logged.role), (seg.id, seg.role));
    assert_eq!(log.variants.len(), d.experiments.len());
    for x in &d.experiments {
        assert_eq!(log.variants.get(&x.key), Some(&x.variant));
    }
    let shown: Vec<(&str, usize, f64, f64)> = log
        .offers
        .iter()
        .map(|o| (o.id.as_str(), o.slot, o.propensity, o.score))
        .collect();
    let want: Vec<(&str, usize, f64, f64)> = d
        .offers
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i + 1, 1.0, o.score))
        .collect();
    assert_eq!(shown, want);
    // The id is a function of customer, instant and versions: the same decision, the same id.
    let again = e
        .decide(&customer(), &DecideOptions::at("1998-07-01"))
        .unwrap();
    assert_eq!(again.log, d.log);
    assert_eq!(
        log.decision_id,
        decision_id(
            "00042",
            899_251_200_000,
            &log.model_version,
            &log.program_version
        )
    );
    let later = e
        .decide(&customer(), &DecideOptions::at("1998-07-02"))
        .unwrap();
    assert_ne!(later.log.decision_id, log.decision_id);
    // A different programme is a different programme version and decision id.
    let mut program: serde_json::Value =
        serde_json::from_str(include_str!("../models/default-program.json")).unwrap();
    program["maxOffers"] = serde_json::json!(2);
    let e2 = Engine::from_json(
        include_str!("../models/default.json"),
        &serde_json::to_string(&program).unwrap(),
    )
    .unwrap();
    let d2 = e2
        .decide(&customer(), &DecideOptions::at("1998-07-01"))
        .unwrap();
    assert_ne!(d2.log.program_version, log.program_version);
    assert_ne!(d2.log.decision_id, log.decision_id);
    assert!(d2.log.offers.len() <= 2);
    // An outcome event pointing back at the decision is read and checked.
    let outcome = format!(
        r#"{{"schema": "offerwise.outcome/1", "decisionId": "{}", "customerId": "00042",
            "at": "1998-07-02T10:15:00Z", "type": "redemption", "offerId": "{}"}}"#,
        log.decision_id, log.offers[0].id
    );
    let o = Outcome::from_json(&outcome).unwrap();
    assert_eq!(o.decision_id, log.decision_id);
}

#[test]
fn a_customer_without_orders_is_logged_without_a_segment() {
    let d = engine()
        .decide(
            &Customer::from_json(r#"{"id": "new-1"}"#).unwrap(),
            &DecideOptions::at("1998-07-01"),
        )
        .unwrap();
    assert!(d.log.segment.is_none());
    assert!(d.log.offers.iter().any(|o| o.id == "first-order-15"));
}
