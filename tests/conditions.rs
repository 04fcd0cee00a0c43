//! The condition corpus (tests/vectors/conditions.json, generated from GrowthBook's
//! `evalCondition`): every case must give GrowthBook's answer, every malformed condition its
//! error code and path.

use offerwise::offers::conditions::{Condition, ConditionError, SavedGroups};
use serde_json::Value;

const CORPUS: &str = include_str!("vectors/conditions.json");

fn corpus() -> Value {
    let v: Value = serde_json::from_str(CORPUS).expect("conditions.json is JSON");
    assert_eq!(v["specVersion"], 1, "vector files are at specVersion 1");
    v
}

#[test]
fn every_case_agrees_with_growthbook() {
    let v = corpus();
    let cases = v["cases"].as_array().expect("cases");
    assert!(cases.len() >= 2000, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let [name, attributes, condition, groups, expected] =
            case.as_array().expect("row").as_slice()
        else {
            panic!("a case is [name, attributes, condition, savedGroups, expected]: {case}");
        };
        let groups =
            SavedGroups::parse(groups).unwrap_or_else(|e| panic!("{name}: saved groups: {e}"));
        let condition = match Condition::parse(condition) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {condition} refused: {} {e}", e.code()));
                continue;
            }
        };
        let got = condition.eval(attributes, &groups);
        if Value::Bool(got) != *expected {
            failures.push(format!(
                "{name}: {} on {attributes} gave {got}, GrowthBook {expected}",
                case[2]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with GrowthBook:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_malformed_condition_is_refused_with_its_code_and_path() {
    let v = corpus();
    let errors = v["errors"].as_array().expect("errors");
    assert!(errors.len() >= 20);
    for row in errors {
        let [name, condition, groups, code, path] = row.as_array().expect("row").as_slice() else {
            panic!("an error row is [name, condition, savedGroups, code, path]: {row}");
        };
        let result: Result<(), ConditionError> =
            Condition::parse(condition).and_then(|_| SavedGroups::parse(groups).map(|_| ()));
        let e = result.expect_err(&format!("{name}: accepted"));
        assert_eq!(e.code(), code, "{name}: {e}");
        assert_eq!(e.path(), path, "{name}: {e}");
        assert!(!e.message().is_empty());
    }
}

#[test]
fn corpus_covers_every_operator() {
    let text = CORPUS;
    for op in [
        "$eq",
        "$ne",
        "$gt",
        "$gte",
        "$lt",
        "$lte",
        "$in",
        "$nin",
        "$all",
        "$size",
        "$elemMatch",
        "$exists",
        "$type",
        "$regex",
        "$not",
        "$and",
        "$or",
        "$nor",
        "$veq",
        "$vne",
        "$vgt",
        "$vgte",
        "$vlt",
        "$vlte",
        "$ini",
        "$nini",
        "$alli",
        "$regexi",
        "$inGroup",
        "$notInGroup",
        "$savedGroup",
    ] {
        assert!(text.contains(&format!("\"{op}\":")), "no case uses {op}");
    }
    let v = corpus();
    let skipped = &v["skipped"];
    assert!(skipped["regexFeatures"].as_u64().is_some_and(|n| n > 0));
}
