//! Churn risk in the decision (issue 7): one-time buyers can churn with the default model, and
//! model files from before the choice of purchase model (BG/NBD only) still load.

use offerwise::clv::PurchaseModelKind;
use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::Engine;
use serde_json::{json, Value};

const MODEL: &str = include_str!("../models/default.json");
const PROGRAM: &str = include_str!("../models/default-program.json");

/// A single purchase 18 months before `now`.
const ONE_TIMER: &str = r#"{"id":"c1","orders":[{"at":"1997-01-01T12:00:00Z","amount":25.0}]}"#;
const NOW: &str = "1998-07-01T00:00:00Z";

/// The default model with its `clv` part replaced by a BG/NBD-only one, as model files were
/// written before MBG/NBD and Pareto/NBD existed (no `purchaseModel`, no `selection`).
fn old_bgnbd_model() -> String {
    let mut m: Value = serde_json::from_str(MODEL).expect("model JSON");
    m["clv"] = json!({
        "timeUnit": "weeks",
        "bgnbd": {"r": 0.2668529972002215, "alpha": 5.980157256333917,
                  "a": 0.4905335072706888, "b": 2.140257326084092},
        "gammaGamma": {"p": 5.086040154732487, "q": 3.995121862227565, "v": 21.25226165216329},
        "fit": {"logLikelihood": -173491.01884539693, "iterations": 345, "converged": true,
                "objective": -0.776226576763253, "nCustomers": 23570, "nRepeatBuyers": 11516,
                "calibrationEndMs": 899251200000i64, "penalizer": 0.0,
                "gammaGamma": {"logLikelihood": -49496.52420305407, "iterations": 231,
                               "converged": true, "objective": 4.29843892340882,
                               "nCustomers": 11515, "nZeroValue": 1}}
    });
    m.to_string()
}

#[test]
fn one_time_buyer_from_18_months_ago_can_churn_with_the_default_model() {
    let engine = Engine::from_json(MODEL, PROGRAM).expect("default engine");
    let clv_model = engine
        .model()
        .clv
        .as_ref()
        .expect("the default model has a clv part");
    assert_ne!(clv_model.purchase_model, PurchaseModelKind::BgNbd);
    let customer = Customer::from_json(ONE_TIMER).expect("customer");
    let d = engine
        .decide(&customer, &DecideOptions::at(NOW))
        .expect("decision");
    let clv = d.clv.clone().expect("clv state");
    assert_eq!(clv.purchase_model, clv_model.purchase_model);
    assert!(clv.churn_risk > 0.5, "churn risk {}", clv.churn_risk);
    assert_eq!(clv.churn_risk, 1.0 - clv.p_alive);
    // A one-time buyer of yesterday is less at risk than one of 18 months ago.
    let recent = Customer::from_json(
        r#"{"id":"c2","orders":[{"at":"1998-06-30T12:00:00Z","amount":25.0}]}"#,
    )
    .expect("customer");
    let r = engine
        .decide(&recent, &DecideOptions::at(NOW))
        .expect("decision")
        .clv
        .expect("clv");
    assert!(
        r.churn_risk < clv.churn_risk,
        "{} vs {}",
        r.churn_risk,
        clv.churn_risk
    );
    // The JSON names the fields as the storefront reads them.
    let v = serde_json::to_value(&d.clv).expect("json");
    assert!(
        v.get("churnRisk").is_some() && v["purchaseModel"].is_string(),
        "{v}"
    );
}

#[test]
fn old_bgnbd_only_model_files_still_load_and_show_the_old_defect() {
    let engine = Engine::from_json(&old_bgnbd_model(), PROGRAM).expect("old model loads");
    let clv_model = engine.model().clv.as_ref().expect("clv");
    assert_eq!(clv_model.purchase_model, PurchaseModelKind::BgNbd);
    assert!(clv_model.selection.is_none());
    let customer = Customer::from_json(ONE_TIMER).expect("customer");
    let clv = engine
        .decide(&customer, &DecideOptions::at(NOW))
        .expect("decision")
        .clv
        .expect("clv");
    assert_eq!(clv.purchase_model, PurchaseModelKind::BgNbd);
    // BG/NBD: no repeat purchase, no drop-out — the reason MBG/NBD and Pareto/NBD exist.
    assert_eq!(clv.churn_risk, 0.0);
    // A model naming a purchase model whose parameters are missing is refused on load.
    let mut broken: Value = serde_json::from_str(&old_bgnbd_model()).expect("json");
    broken["clv"]["purchaseModel"] = json!("pareto-nbd");
    let Err(e) = Engine::from_json(&broken.to_string(), PROGRAM) else {
        panic!("a model without the parameters of its purchase model loaded");
    };
    assert!(e.to_string().contains("paretoNbd"), "{e}");
}
