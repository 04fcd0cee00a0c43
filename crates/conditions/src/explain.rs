//! Why a condition is false: the first test that fails, in the order [`super::Condition::eval`]
//! evaluates them, with its path inside the condition.
//!
//! The walk decides every step with the evaluator's own functions, so
//! [`super::Condition::explain`] is `None` exactly when `eval` is true.

use super::compile::{Clause, Cond, Seg, Test};
use super::eval::{self, Ctx};
use super::groups::Group;
use crate::jsonpath::{index, join};
use serde_json::{Map, Value};
use std::fmt;

/// The first failing test of a condition that does not hold.
///
/// ```
/// use offerwise_conditions::{Condition, SavedGroups};
/// use serde_json::json;
/// let c = Condition::parse(&json!({"$and": [{"country": "NL"},
///                                           {"cart.subtotal": {"$gte": 50}}]})).unwrap();
/// let why = c.explain(&json!({"country": "NL", "cart": {"subtotal": 42}}),
///                     &SavedGroups::empty()).unwrap();
/// assert_eq!(why.path, "$and[1].cart.subtotal");
/// assert_eq!(why.operator.as_deref(), Some("$gte"));
/// assert_eq!(why.to_string(), "cart.subtotal is 42 (needs $gte 50)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Where the failing test is in the condition: `$and[1].cart.subtotal` for an attribute
    /// test, `$or`, `$nor[2]`, `$not` or `$savedGroup` for those clauses.
    pub path: String,
    /// The attribute tested (`cart.subtotal`; a `$savedGroup`'s list key), if any.
    pub attribute: Option<String>,
    /// The operator that failed (`$gte`, `$in`, `$or`, `$savedGroup`, ...); `None` for a
    /// literal value test (`{"country": "NL"}`).
    pub operator: Option<String>,
    /// The operator's operand, or the literal, as written in the condition (for `$nor` and
    /// `$not`, the condition that holds).
    pub expected: Value,
    /// The attribute's value; `None` when it is missing (or there is no attribute).
    pub actual: Option<Value>,
    /// For `$or`: why its first alternative fails (every alternative does).
    pub cause: Option<Box<Failure>>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.operator.as_deref();
        if let Some(attribute) = &self.attribute {
            write!(f, "{attribute} is ")?;
            match &self.actual {
                Some(v) => write!(f, "{v}")?,
                None => f.write_str("missing")?,
            }
            return match op {
                Some(op) => write!(f, " (needs {op} {})", self.expected),
                None => write!(f, " (needs {})", self.expected),
            };
        }
        match op {
            Some("$or") => {
                write!(f, "none of {} holds", self.path)?;
                match &self.cause {
                    Some(c) => write!(f, " (first: {c})"),
                    None => Ok(()),
                }
            }
            Some("$nor") => write!(f, "{} {} holds (needs none to)", self.path, self.expected),
            Some("$not") => write!(f, "{} {} holds (needs it not to)", self.path, self.expected),
            Some(op) => write!(f, "{op} {} does not hold", self.expected),
            None => write!(f, "{} does not hold", self.path),
        }
    }
}

/// `getPath`, telling a missing value (`None`) from a `null` one.
fn lookup(root: &Value, segs: &[Seg]) -> Option<Value> {
    let mut cur = root;
    let last = segs.len().saturating_sub(1);
    for (i, seg) in segs.iter().enumerate() {
        cur = match cur {
            Value::Object(map) => map.get(&seg.key)?,
            Value::Array(items) => match seg.index {
                Some(n) => items.get(n)?,
                None if seg.key == "length" && i == last => {
                    return Some(Value::from(items.len() as u64))
                }
                None => return None,
            },
            _ => return None,
        };
    }
    Some(cur.clone())
}

static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

fn entries(source: &Value) -> &Map<String, Value> {
    match source {
        Value::Object(map) => map,
        _ => EMPTY.get_or_init(Map::new),
    }
}

fn nth(source: &Value, i: usize) -> &Value {
    static NULL: Value = Value::Null;
    source.get(i).unwrap_or(&NULL)
}

fn bare(path: String, operator: &str, expected: &Value) -> Failure {
    Failure {
        path,
        attribute: None,
        operator: Some(operator.to_string()),
        expected: expected.clone(),
        actual: None,
        cause: None,
    }
}

/// The first failing clause of `c` (compiled from `source`) at `prefix`, or `None` when `c`
/// holds.
pub(crate) fn cond(
    c: &Cond,
    source: &Value,
    obj: &Value,
    ctx: Ctx<'_>,
    prefix: &str,
) -> Option<Failure> {
    let mut src = entries(source).iter();
    for clause in &c.0 {
        // Clauses are compiled from the object's entries, one each, in order.
        let (key, operand) = src
            .next()
            .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
        if eval::clause(clause, obj, ctx) {
            continue;
        }
        let at = join(prefix, key);
        return Some(clause_failure(clause, key, operand, obj, ctx, at));
    }
    None
}

fn first_failing(
    list: &[Cond],
    source: &Value,
    obj: &Value,
    ctx: Ctx<'_>,
    at: &str,
) -> Option<Failure> {
    list.iter()
        .enumerate()
        .find_map(|(i, c)| cond(c, nth(source, i), obj, ctx, &index(at, i)))
}

fn clause_failure(
    clause: &Clause,
    key: &str,
    operand: &Value,
    obj: &Value,
    ctx: Ctx<'_>,
    at: String,
) -> Failure {
    match clause {
        Clause::And(list) => {
            first_failing(list, operand, obj, ctx, &at).unwrap_or_else(|| bare(at, "$and", operand))
        }
        Clause::Or(list) => {
            let cause = first_failing(list, operand, obj, ctx, &at).map(Box::new);
            Failure {
                cause,
                ..bare(at, "$or", operand)
            }
        }
        Clause::Nor(list) => {
            let held = list.iter().position(|c| eval::cond(c, obj, ctx));
            match held {
                Some(i) => bare(index(&at, i), "$nor", nth(operand, i)),
                None => bare(at, "$nor", operand),
            }
        }
        Clause::Not(_) => bare(at, "$not", operand),
        Clause::SavedGroup { id, key } => {
            let key = match ctx.groups.get(id) {
                Some(Group::List { key: entry_key, .. }) => key.as_ref().or(entry_key.as_ref()),
                _ => None,
            };
            Failure {
                attribute: key.map(|k| k.dotted()),
                actual: key.and_then(|k| lookup(obj, &k.segs)),
                ..bare(at, "$savedGroup", operand)
            }
        }
        Clause::Field { path, test } => {
            let actual = lookup(obj, &path.segs);
            let v = actual.clone().unwrap_or(Value::Null);
            let (operator, expected) = match test {
                Test::Ops(ops) => {
                    let named = entries(operand).iter();
                    ops.iter()
                        .zip(named)
                        .find(|(op, _)| !eval::operator(op, &v, ctx))
                        .map_or((None, operand.clone()), |(_, (name, e))| {
                            (Some(name.clone()), e.clone())
                        })
                }
                _ => (None, operand.clone()),
            };
            Failure {
                path: at,
                attribute: Some(key.to_string()),
                operator,
                expected,
                actual,
                cause: None,
            }
        }
    }
}
