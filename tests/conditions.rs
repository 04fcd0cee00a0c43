//! The condition corpus (tests/vectors/conditions.json, generated from GrowthBook's
//! `evalCondition`): every case must give GrowthBook's answer, every malformed condition its
//! error code and path.

use offerwise::offers::conditions::{Condition, ConditionError, ConditionSet, Facts, SavedGroups};
use serde_json::{json, Value};

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

/// Every case through [`ConditionSet`]: the attributes read from JSON text by the set's scanner
/// (and from the parsed document) give GrowthBook's answer.
#[test]
fn every_case_agrees_through_a_condition_set() {
    let v = corpus();
    let cases = v["cases"].as_array().expect("cases");
    let mut facts = Facts::default();
    let (mut failures, mut reread) = (Vec::new(), 0);
    for case in cases {
        let [name, attributes, condition, groups, expected] =
            case.as_array().expect("row").as_slice()
        else {
            panic!("bad row {case}");
        };
        let groups = SavedGroups::parse(groups).expect("groups");
        let Ok(condition) = Condition::parse(condition) else {
            continue;
        };
        let set = ConditionSet::new(vec![condition], groups);
        let text = serde_json::to_string(attributes).expect("text");
        set.read_json(&text, &mut facts).expect("JSON");
        reread += usize::from(facts.was_reread());
        let from_text = set.eval(0, &facts);
        set.read_value(attributes, &mut facts);
        let from_value = set.eval(0, &facts);
        if Value::Bool(from_text) != *expected || Value::Bool(from_value) != *expected {
            failures.push(format!(
                "{name}: {} on {text}: text {from_text}, value {from_value}, GrowthBook {expected}",
                case[2]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases disagree:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
    // Only texts with `\u` escapes (control characters) are left to serde_json.
    assert!(reread * 50 < cases.len(), "{reread} texts re-read");
}

/// Sets of 64 conditions at a time (many paths sharing prefixes), each evaluated against every
/// attribute document of its chunk, agree with `Condition::eval` one by one.
#[test]
fn condition_sets_agree_with_eval_on_shared_paths() {
    let v = corpus();
    let cases: Vec<&Value> = v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c[3].is_null())
        .collect();
    let none = SavedGroups::empty();
    let mut facts = Facts::default();
    let mut compared = 0;
    for chunk in cases.chunks(64) {
        let conditions: Vec<Condition> = chunk
            .iter()
            .filter_map(|c| Condition::parse(&c[2]).ok())
            .collect();
        let set = ConditionSet::new(conditions.clone(), SavedGroups::empty());
        for case in chunk {
            let attributes = &case[1];
            set.read_json(
                &serde_json::to_string(attributes).expect("text"),
                &mut facts,
            )
            .expect("JSON");
            for (i, (c, got)) in conditions.iter().zip(set.eval_all(&facts)).enumerate() {
                assert_eq!(
                    got,
                    c.eval(attributes, &none),
                    "condition {i} of the chunk of {} on {attributes}",
                    case[0]
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 100_000, "{compared}");
}

/// `explain` is `None` exactly when `eval` is true, on every case; its path starts with a key of
/// the condition and its text is not empty.
#[test]
fn explain_agrees_with_eval_on_every_case() {
    let v = corpus();
    let cases = v["cases"].as_array().expect("cases");
    let mut explained = 0;
    for case in cases {
        let groups = SavedGroups::parse(&case[3]).expect("groups");
        let Ok(condition) = Condition::parse(&case[2]) else {
            continue;
        };
        let attributes = &case[1];
        let holds = condition.eval(attributes, &groups);
        let why = condition.explain(attributes, &groups);
        assert_eq!(
            why.is_none(),
            holds,
            "{}: {} on {attributes}: eval {holds}, explain {why:?}",
            case[0],
            case[2]
        );
        if let Some(why) = why {
            let keys = case[2].as_object().expect("object").keys();
            assert!(
                keys.into_iter().any(|k| why.path == *k
                    || why.path.starts_with(&format!("{k}."))
                    || why.path.starts_with(&format!("{k}["))),
                "{}: path {} not in {}",
                case[0],
                why.path,
                case[2]
            );
            assert!(!why.to_string().is_empty());
            explained += 1;
        }
    }
    assert!(explained > 1000, "{explained}");
}

#[test]
fn explain_says_which_test_failed() {
    let groups = SavedGroups::parse(&json!({"beta": ["u1"]})).expect("groups");
    let why = |c: Value, a: Value| {
        Condition::parse(&c)
            .expect("condition")
            .explain(&a, &groups)
            .map(|f| (f.path.clone(), f.to_string()))
    };
    let s = |p: &str, t: &str| Some((p.to_string(), t.to_string()));
    assert_eq!(
        why(
            json!({"$and": [{"tier": "gold"}, {"cart.subtotal": {"$gte": 50, "$lt": 500}}]}),
            json!({"tier": "gold", "cart": {"subtotal": 42}})
        ),
        s(
            "$and[1].cart.subtotal",
            "cart.subtotal is 42 (needs $gte 50)"
        )
    );
    assert_eq!(
        why(json!({"country": "NL"}), json!({})),
        s("country", "country is missing (needs \"NL\")")
    );
    assert_eq!(
        why(json!({"country": null}), json!({"country": "BE"})),
        s("country", "country is \"BE\" (needs null)")
    );
    assert_eq!(
        why(
            json!({"$or": [{"tier": "gold"}, {"points": {"$gt": 100}}]}),
            json!({"tier": "silver", "points": 5})
        ),
        s(
            "$or",
            "none of $or holds (first: tier is \"silver\" (needs \"gold\"))"
        )
    );
    assert_eq!(
        why(json!({"$nor": [{"a": 1}, {"b": 2}]}), json!({"b": 2})),
        s("$nor[1]", "$nor[1] {\"b\":2} holds (needs none to)")
    );
    assert_eq!(
        why(json!({"$not": {"a": 1}}), json!({"a": 1})),
        s("$not", "$not {\"a\":1} holds (needs it not to)")
    );
    assert_eq!(
        why(json!({"id": {"$inGroup": "beta"}}), json!({"id": "u2"})),
        s("id", "id is \"u2\" (needs $inGroup \"beta\")")
    );
    assert_eq!(
        why(json!({"items.length": {"$gte": 3}}), json!({"items": [1]})),
        s("items.length", "items.length is 1 (needs $gte 3)")
    );
    assert_eq!(why(json!({"a": {"$exists": false}}), json!({})), None);
}
