//! Frozen behaviour: 100,000 decisions pinned by hash, so that any change to any decision is a
//! deliberate change, made by rewriting the snapshot in the same commit (its diff then shows
//! which slices changed, and the commit says why).
//!
//! The decisions: the first 5,000 CDNOW customers (as `offerwise score --format cdnow` reads
//! them) × 4 instants (from the day after the data ends to eleven months later, two with a time of
//! day) × 5 carts
//! (none, two amounts, two with items), with the embedded default model, programme and policy.
//! Each decision is its JSON line as `offerwise decide --compact` writes it; each (instant,
//! cart) slice is hashed with SHA-256 over its 5,000 lines, and the whole over the 20 slices'
//! lines in order. `OFFERWISE_WRITE_SNAPSHOT=1 cargo test --test suite decision_snapshot`
//! rewrites `tests/vectors/decision-snapshot.json`.

use offerwise::customer::{Customer, TimeValue};
use offerwise::engine::{DecideOptions, Engine};
use offerwise::transactions::{self, Format, ReadOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CUSTOMERS: usize = 5_000;
/// From the day after the data ends (every order is before `now`, as `offerwise score`
/// requires) to almost a year later, as the customers drift towards churn.
const NOWS: [&str; 4] = [
    "1998-07-01",
    "1998-09-15T09:30:00Z",
    "1998-12-31T18:00:00Z",
    "1999-06-01",
];

fn carts() -> Vec<Value> {
    vec![
        Value::Null,
        json!({"amount": 25}),
        json!({"amount": 120.5}),
        json!({"items": [{"category": "jazz", "price": 15.5, "qty": 2}]}),
        json!({"items": [
            {"sku": "CD-4471", "category": "rock", "price": 11.99, "qty": 1},
            {"category": "classical", "price": 60, "qty": 1}
        ]}),
    ]
}

fn engine() -> Engine {
    Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )
    .unwrap()
    .with_policy(
        offerwise::offers::policy::Policy::from_json(include_str!("../models/default-policy.json"))
            .unwrap(),
    )
    .unwrap()
}

fn customers() -> Vec<Customer> {
    let file = std::fs::File::open(crate::common::cdnow_path("CDNOW_master.txt")).unwrap();
    let options = ReadOptions {
        format: Format::Cdnow,
        ..ReadOptions::default()
    };
    let (rows, _) = transactions::read_with(std::io::BufReader::new(file), &options).unwrap();
    let mut all = transactions::customers(&rows);
    all.truncate(CUSTOMERS);
    all
}

fn snapshot() -> Value {
    let engine = engine();
    let customers = customers();
    assert_eq!(customers.len(), CUSTOMERS);
    let mut slices = Vec::new();
    let mut whole = Sha256::new();
    let mut count = 0usize;
    for now in NOWS {
        for cart in carts() {
            let mut options: DecideOptions = serde_json::from_value(json!({ "now": now })).unwrap();
            options.now = TimeValue::Text(now.to_string());
            if !cart.is_null() {
                options.cart = Some(serde_json::from_value(cart.clone()).unwrap());
            }
            let mut h = Sha256::new();
            let mut errors = 0usize;
            for c in &customers {
                let line = match engine.decide(c, &options) {
                    Ok(d) => serde_json::to_string(&d).unwrap(),
                    Err(e) => {
                        errors += 1;
                        format!("error[{}] {}: {e}", e.code(), e.path())
                    }
                };
                h.update(line.as_bytes());
                h.update(b"\n");
                count += 1;
            }
            let digest = format!("{:x}", h.finalize());
            whole.update(digest.as_bytes());
            whole.update(b"\n");
            slices.push(json!({ "now": now, "cart": cart, "errors": errors, "sha256": digest }));
        }
    }
    json!({
        "about": "tests/decision_snapshot.rs: OFFERWISE_WRITE_SNAPSHOT=1 cargo test --test suite decision_snapshot rewrites it",
        "customers": CUSTOMERS,
        "decisions": count,
        "sha256": format!("{:x}", whole.finalize()),
        "slices": slices,
    })
}

#[test]
fn one_hundred_thousand_decisions_equal_the_frozen_snapshot() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/decision-snapshot.json"
    );
    let got = snapshot();
    assert_eq!(got["decisions"], 100_000);
    // Every one a decision, not an error.
    assert!(
        got["slices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["errors"] == 0),
        "{got}"
    );
    if std::env::var_os("OFFERWISE_WRITE_SNAPSHOT").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let changed: Vec<String> = got["slices"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["slices"].as_array().unwrap())
        .filter(|(g, w)| g != w)
        .map(|(g, _)| format!("now {} cart {}", g["now"], g["cart"]))
        .collect();
    assert!(
        changed.is_empty() && got == want,
        "decisions changed in {} of 20 slices: {changed:?}. If the change is meant, rewrite the snapshot \
         (OFFERWISE_WRITE_SNAPSHOT=1 cargo test --test suite decision_snapshot) in the same commit and say why",
        changed.len()
    );
}
