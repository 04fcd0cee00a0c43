//! Property tests: reading any JSON as a condition either compiles or gives an error with a
//! `condition.*` code, and evaluating never panics, whatever the attributes.

use offerwise::offers::conditions::{Condition, SavedGroups};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const KEYS: &[&str] = &[
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
    "$vgt",
    "$vlte",
    "$ini",
    "$nini",
    "$alli",
    "$regexi",
    "$inGroup",
    "$notInGroup",
    "$savedGroup",
    "$bad",
    "a",
    "a.b",
    "a.0",
    "a.length",
    "id",
    "attributeKey",
    "type",
    "values",
    "condition",
    "",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e30f64..1e30).prop_map(|x| json!(x)),
        prop::sample::select(vec![
            "",
            "a",
            "1.2.3",
            "v2.0.0-rc.1+b",
            "^a",
            "(",
            "[a-",
            "(?=a)",
            "\\1",
            "x{2",
            "string",
            "array",
            "g1",
            "😀",
            "Σ",
            " 12 ",
            "0x1f",
            "[^]",
            "\\b\\w+\\s*$",
            "a{1,3}?",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 64, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..5).prop_map(
                |kv| {
                    let mut m = Map::new();
                    for (k, v) in kv {
                        m.insert(k.to_string(), v);
                    }
                    Value::Object(m)
                }
            ),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_and_eval_never_panic(cond in value(), attrs in value(), groups in value()) {
        let groups = SavedGroups::parse(&groups).unwrap_or_default();
        match Condition::parse(&cond) {
            Ok(c) => {
                let _ = c.eval(&attrs, &groups);
            }
            Err(e) => {
                prop_assert!(e.code().starts_with("condition."));
                prop_assert!(!e.message().is_empty());
            }
        }
    }

    #[test]
    fn saved_group_conditions_evaluate(cond in value(), attrs in value()) {
        let groups = json!({"g1": {"type": "condition", "condition": cond}, "g2": ["a", 1]});
        if let Ok(groups) = SavedGroups::parse(&groups) {
            for c in [json!({"$savedGroup": {"id": "g1"}}), json!({"a": {"$inGroup": "g2"}})] {
                let c = Condition::parse(&c).expect("valid");
                let _ = c.eval(&attrs, &groups);
            }
        }
    }
}
