//! The shared loyalty vectors of tests/vectors/loyalty.json (pkg-tests feeds the same inputs
//! through wasm). Every field of `expected` must match; fields it does not list are not checked.

use offerwise::loyalty::EvaluateInput;
use serde_json::Value;

type Input = EvaluateInput;

fn cases() -> Vec<Value> {
    let v: Value =
        serde_json::from_str(include_str!("vectors/loyalty.json")).expect("vector file is JSON");
    assert_eq!(v["specVersion"], 1, "vector files are at specVersion 1");
    v["cases"].as_array().expect("cases").clone()
}

fn run(input: &Input) -> Result<Value, (String, String)> {
    input
        .evaluate()
        .map(|s| serde_json::to_value(&s).expect("state serializes"))
        .map_err(|e| (e.code().to_string(), e.path().to_string()))
}

/// Checks that every field of `expected` is in `actual` with the same value.
fn check(actual: &Value, expected: &Value, path: &str, errors: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (
                a.as_f64().unwrap_or(f64::NAN),
                e.as_f64().unwrap_or(f64::NAN),
            );
            if (a - e).abs() > 1e-9 * e.abs().max(1.0) {
                errors.push(format!("{path}: {a} != expected {e}"));
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            for (k, v) in e {
                if k == "comment" {
                    continue;
                }
                match a.get(k) {
                    Some(x) => check(x, v, &format!("{path}.{k}"), errors),
                    // An empty list is left out of the JSON (`nudges` of a state).
                    None if v.as_array().is_some_and(|a| a.is_empty()) => {}
                    None => errors.push(format!("{path}.{k}: missing")),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if a.len() != e.len() {
                errors.push(format!(
                    "{path}: {} items, expected {}: {actual}",
                    a.len(),
                    e.len()
                ));
                return;
            }
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                check(x, y, &format!("{path}[{i}]"), errors);
            }
        }
        _ => {
            if actual != expected {
                errors.push(format!("{path}: {actual} != expected {expected}"));
            }
        }
    }
}

#[test]
fn loyalty_vectors() {
    let all = cases();
    assert!(all.len() >= 15);
    let mut failures = Vec::new();
    for case in &all {
        let name = case[0].as_str().unwrap_or("?");
        let input: Input = serde_json::from_value(case[1].clone())
            .unwrap_or_else(|e| panic!("{name}: input: {e}"));
        let expected = &case[2];
        match (run(&input), expected.get("error")) {
            (Ok(actual), None) => {
                let mut errors = Vec::new();
                check(&actual, expected, "", &mut errors);
                if !errors.is_empty() {
                    failures.push(format!(
                        "{name}:\n  {}\n  actual: {actual}",
                        errors.join("\n  ")
                    ));
                }
            }
            (Err((code, path)), Some(e)) => {
                if e["code"] != code.as_str() || e["path"] != path.as_str() {
                    failures.push(format!("{name}: error {code} at {path:?}, expected {e}"));
                }
            }
            (Ok(_), Some(e)) => failures.push(format!("{name}: succeeded, expected error {e}")),
            (Err(e), None) => failures.push(format!("{name}: failed: {e:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// Replaying every operation of an account a second time changes nothing (idempotency at the
/// level of `evaluate`).
#[test]
fn replayed_account_operations_change_nothing() {
    for case in cases() {
        let name = case[0].as_str().unwrap_or("?");
        if case[2].get("error").is_some() {
            continue;
        }
        let input: Input =
            serde_json::from_value(case[1].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let once = run(&input).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let mut twice = input;
        let again = twice.account.operations.clone();
        twice.account.operations.extend(again);
        assert_eq!(run(&twice), Ok(once), "{name}");
    }
}
