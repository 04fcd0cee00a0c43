//! The facts an offer's condition (`offers[].when`) can read, how they are checked when a
//! programme loads, and how they are built for a decision.
//!
//! | fact | type | meaning |
//! | --- | --- | --- |
//! | `features.recencyDays`, `features.tenureDays`, `features.meanDaysBetweenPurchases` | number or null | as in the decision's features (null without orders) |
//! | `features.frequency`, `features.purchaseDays`, `features.monetary`, `features.totalSpend`, `features.spendLast365d`, `features.ordersLast365d`, `features.pointsBalance` | number | as in the decision's features |
//! | `features.categoryShares.<category>` | number | the category's share of the spend (missing: null) |
//! | `segment.id` | number | the model's segment (null without orders) |
//! | `segment.name`, `segment.role` | string | its name in this model, its role (the same ids in every model) |
//! | `tier` | string | the tier id (null without tiers) |
//! | `clv.pAlive`, `clv.churnRisk`, `clv.value`, `clv.expectedPurchases` | number | lifetime value predictions (null without a lifetime-value model or orders) |
//! | `points.balance`, `points.available`, `points.expiring` | number | points in the account, usable now, expiring within `loyalty.nudges.pointsExpiryHorizonDays` |
//! | `cart.subtotal`, `cart.itemCount` | number | the cart of the call (null without a cart) |
//! | `cart.categories`, `cart.skus` | list of strings | distinct categories and SKUs of the cart's lines |
//! | `context.page`, `context.channel`, `context.device`, `context.country` | string | passed by the caller in `options.context` |
//! | `context.localHour`, `context.dayOfWeek` | number | the hour (0–23) and ISO day of week (1 = Monday … 7) of `now` in the shop's time zone |
//! | `experiments.<key>` | string | the customer's variant in the programme's experiment `<key>` (null outside its coverage) |
//! | `aggregates.<name>` | number | the programme's aggregate `<name>` over the order history ([`super::aggregates`]) |
//!
//! When the programme loads, every attribute a condition names must be one of these (a typo is
//! `program.invalid` at `offers[3].when.$and[1].cart.subtotl` with "did you mean
//! cart.subtotal?"), and its operators must fit the fact's type: `$regex` and the version
//! operators need a string fact, `$size`, `$all` and `$elemMatch` a list, `$gt`-style
//! comparisons a number or string of the same kind as the operand.

use crate::error::quoted;
use crate::json::join;
use serde_json::{Map, Value};

/// The type of a fact, as far as the load-time check needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactType {
    /// A number (possibly null when noted in the table).
    Number,
    /// A string.
    String,
    /// A list of strings.
    StringList,
}

impl FactType {
    fn name(self) -> &'static str {
        match self {
            FactType::Number => "a number",
            FactType::String => "a string",
            FactType::StringList => "a list of strings",
        }
    }
}

/// Every fact with a fixed path.
pub const FACTS: [(&str, FactType); 32] = [
    ("features.recencyDays", FactType::Number),
    ("features.frequency", FactType::Number),
    ("features.purchaseDays", FactType::Number),
    ("features.monetary", FactType::Number),
    ("features.totalSpend", FactType::Number),
    ("features.tenureDays", FactType::Number),
    ("features.meanDaysBetweenPurchases", FactType::Number),
    ("features.spendLast365d", FactType::Number),
    ("features.ordersLast365d", FactType::Number),
    ("features.pointsBalance", FactType::Number),
    ("segment.id", FactType::Number),
    ("segment.name", FactType::String),
    ("segment.role", FactType::String),
    ("tier", FactType::String),
    ("clv.pAlive", FactType::Number),
    ("clv.churnRisk", FactType::Number),
    ("clv.value", FactType::Number),
    ("clv.expectedPurchases", FactType::Number),
    ("points.balance", FactType::Number),
    ("points.available", FactType::Number),
    ("points.expiring", FactType::Number),
    ("cart.subtotal", FactType::Number),
    ("cart.itemCount", FactType::Number),
    ("cart.categories", FactType::StringList),
    ("cart.skus", FactType::StringList),
    ("context.page", FactType::String),
    ("context.channel", FactType::String),
    ("context.device", FactType::String),
    ("context.country", FactType::String),
    ("context.localHour", FactType::Number),
    ("context.dayOfWeek", FactType::Number),
    // A prefix: `features.categoryShares.<category>`.
    ("features.categoryShares.", FactType::Number),
];

/// The type of the fact at `path`, or a message saying why there is none (with the nearest
/// known fact when there is one close by).
pub fn lookup(path: &str, experiments: &[&str], aggregates: &[&str]) -> Result<FactType, String> {
    for (name, ty) in FACTS {
        if name.ends_with('.') {
            if path.len() > name.len() && path.starts_with(name) {
                return Ok(ty);
            }
        } else if path == name {
            return Ok(ty);
        }
    }
    if let Some(name) = path.strip_prefix("aggregates.") {
        if aggregates.contains(&name) {
            return Ok(FactType::Number);
        }
        let nearest = aggregates
            .iter()
            .map(|a| (edit_distance(name, a), *a))
            .min()
            .filter(|(d, _)| *d <= 3);
        return Err(match nearest {
            Some((_, a)) => {
                format!(
                    "unknown fact: no aggregate {name:?}; did you mean aggregates.{a}?",
                    name = quoted(name)
                )
            }
            None => {
                format!(
                "unknown fact: the programme defines no aggregate {name:?} (its aggregates: {})",
                if aggregates.is_empty() { "none".to_string() } else { crate::error::listed(aggregates.iter()) }, name = quoted(name)
            )
            }
        });
    }
    if let Some(key) = path.strip_prefix("experiments.") {
        if experiments.contains(&key) {
            return Ok(FactType::String);
        }
        return Err(format!(
            "unknown fact: the programme has no experiment {key:?} (its experiments: {})",
            if experiments.is_empty() {
                "none".to_string()
            } else {
                crate::error::listed(experiments.iter())
            },
            key = quoted(key)
        ));
    }
    let candidates = FACTS
        .iter()
        .map(|(n, _)| n.trim_end_matches('.').to_string())
        .chain(experiments.iter().map(|k| format!("experiments.{k}")));
    let nearest = candidates
        .map(|c| (edit_distance(path, &c), c))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    Err(match nearest {
        Some((d, c)) if d <= 3 => format!("unknown fact; did you mean {c}?"),
        _ => "unknown fact (see the facts table in the README)".to_string(),
    })
}

/// Levenshtein distance over chars (short strings only).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// Checks a condition (already parsed by [`super::conditions::Condition::parse`]) against the
/// facts: `(path, message)` of the first problem, the path relative to the condition.
pub fn check(
    condition: &Value,
    experiments: &[&str],
    aggregates: &[&str],
) -> Result<(), (String, String)> {
    walk(
        condition,
        "",
        &Known {
            experiments,
            aggregates,
        },
    )
}

/// The names a condition may use beside the fixed facts.
struct Known<'a> {
    experiments: &'a [&'a str],
    aggregates: &'a [&'a str],
}

fn walk(v: &Value, at: &str, known: &Known<'_>) -> Result<(), (String, String)> {
    let Some(obj) = v.as_object() else {
        return Ok(());
    };
    for (k, x) in obj {
        match k.as_str() {
            "$and" | "$or" | "$nor" => {
                for (i, c) in x.as_array().into_iter().flatten().enumerate() {
                    walk(c, &format!("{}[{i}]", join(at, k)), known)?;
                }
            }
            "$not" => walk(x, &join(at, k), known)?,
            _ if k.starts_with('$') => {}
            field => {
                let path = join(at, field);
                let ty = lookup(field, known.experiments, known.aggregates)
                    .map_err(|m| (path.clone(), m))?;
                check_test(x, ty, &path)?;
            }
        }
    }
    Ok(())
}

/// Whether an object is an operator object (every key starts with `$`).
fn operators(x: &Value) -> Option<&Map<String, Value>> {
    x.as_object()
        .filter(|o| !o.is_empty() && o.keys().all(|k| k.starts_with('$')))
}

fn check_test(x: &Value, ty: FactType, path: &str) -> Result<(), (String, String)> {
    let Some(ops) = operators(x) else {
        return check_literal(x, ty, path);
    };
    for (op, operand) in ops {
        let at = join(path, op);
        let bad = |why: String| Err((at.clone(), why));
        match op.as_str() {
            "$not" => check_test(operand, ty, &at)?,
            "$regex" | "$regexi" | "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte"
                if ty == FactType::Number =>
            {
                return bad(format!("{op} tests text, but this fact is {}", ty.name()));
            }
            "$size" | "$all" | "$alli" | "$elemMatch" if ty != FactType::StringList => {
                return bad(format!("{op} tests a list, but this fact is {}", ty.name()));
            }
            "$gt" | "$gte" | "$lt" | "$lte" => {
                let fits = match ty {
                    FactType::Number => operand.is_number(),
                    FactType::String => operand.is_string(),
                    FactType::StringList => false,
                };
                if !fits {
                    return bad(format!(
                        "compares {} with {}; give {}",
                        ty.name(),
                        crate::error::shown(operand),
                        if ty == FactType::String {
                            "a string"
                        } else {
                            "a number"
                        }
                    ));
                }
            }
            "$eq" | "$ne" => check_literal(operand, ty, &at)?,
            "$in" | "$nin" => {
                for (i, item) in operand.as_array().into_iter().flatten().enumerate() {
                    check_literal(item, scalar(ty), &format!("{at}[{i}]"))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The type of one element of a fact (a list's elements are strings).
fn scalar(ty: FactType) -> FactType {
    match ty {
        FactType::StringList => FactType::String,
        t => t,
    }
}

/// A literal compared with a fact must be of its kind (or null).
fn check_literal(x: &Value, ty: FactType, path: &str) -> Result<(), (String, String)> {
    let fits = match (ty, x) {
        (_, Value::Null) => true,
        (FactType::Number, Value::Number(_)) => true,
        (FactType::String, Value::String(_)) => true,
        (FactType::StringList, Value::String(_)) => true,
        (FactType::StringList, Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err((
            path.to_string(),
            format!(
                "compares {} with {}, which never matches",
                ty.name(),
                crate::error::shown(x)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_facts_and_typos() {
        assert_eq!(lookup("cart.subtotal", &[], &[]), Ok(FactType::Number));
        assert_eq!(
            lookup("features.categoryShares.jazz", &[], &[]),
            Ok(FactType::Number)
        );
        assert_eq!(lookup("experiments.x", &["x"], &[]), Ok(FactType::String));
        assert_eq!(
            lookup("cart.subtotl", &[], &[]),
            Err("unknown fact; did you mean cart.subtotal?".into())
        );
        assert!(lookup("experiments.y", &["x"], &[])
            .unwrap_err()
            .contains("no experiment"));
        assert!(lookup("zzzzzzzzzz", &[], &[])
            .unwrap_err()
            .contains("README"));
    }

    #[test]
    fn operators_must_fit_the_fact() {
        let ok = json!({"$and": [{"cart.subtotal": {"$gte": 50}}, {"segment.role": {"$in": ["loyal", "champions"]}}],
                         "cart.categories": {"$elemMatch": {"$eq": "jazz"}}, "tier": "gold"});
        assert_eq!(check(&ok, &[], &[]), Ok(()));
        assert_eq!(
            lookup("aggregates.jazz90", &[], &["jazz90"]),
            Ok(FactType::Number)
        );
        assert!(lookup("aggregates.jaz90", &[], &["jazz90"])
            .unwrap_err()
            .contains("did you mean aggregates.jazz90?"));
        let cases = [
            (
                json!({"$and": [{}, {"cart.subtotl": {"$gt": 1}}]}),
                "$and[1].cart.subtotl",
            ),
            (json!({"cart.subtotal": {"$gt": "50"}}), "cart.subtotal.$gt"),
            (
                json!({"cart.subtotal": {"$regex": "5"}}),
                "cart.subtotal.$regex",
            ),
            (json!({"tier": {"$size": 2}}), "tier.$size"),
            (json!({"tier": 3}), "tier"),
            (
                json!({"segment.role": {"$in": ["loyal", 2]}}),
                "segment.role.$in[1]",
            ),
            (
                json!({"$not": {"points.balance": {"$not": {"$eq": "x"}}}}),
                "$not.points.balance.$not.$eq",
            ),
        ];
        for (c, path) in cases {
            let (p, m) = check(&c, &[], &[]).unwrap_err();
            assert_eq!(p, path, "{m}");
        }
    }
}
