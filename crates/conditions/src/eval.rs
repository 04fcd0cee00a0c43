//! Evaluating a compiled condition against attributes, as GrowthBook's `evalCondition` does,
//! without allocating (see the module docs of [`super`] for the one exception).

use super::compile::{Clause, CmpOp, Cond, ElemMatch, JsType, Op, Path, Seg, Test, VersionOp};
use super::groups::{Group, SavedGroups};
use super::js::{self, StackStr};
use super::MAX_GROUP_CHAIN;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

static NULL: Value = Value::Null;

/// The saved groups being resolved (GrowthBook's `visited`), as a list on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Visited<'a> {
    id: &'a str,
    parent: Option<&'a Visited<'a>>,
    len: usize,
}

fn contains(v: Option<&Visited<'_>>, id: &str) -> bool {
    let mut cur = v;
    while let Some(node) = cur {
        if node.id == id {
            return true;
        }
        cur = node.parent;
    }
    false
}

/// The evaluation context: the saved groups and the groups being resolved.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub groups: &'a SavedGroups,
    pub visited: Option<&'a Visited<'a>>,
}

/// Where a condition reads its attributes from: a JSON document (paths resolved step by step)
/// or a [`super::set::Facts`] table (each path's value read once into its slot).
pub(crate) trait Source {
    /// The value at `path` (`null` when missing).
    fn field(&self, path: &Path) -> Cow<'_, Value>;
}

impl Source for Value {
    fn field(&self, path: &Path) -> Cow<'_, Value> {
        resolve(self, &path.segs)
    }
}

/// GrowthBook's `getPath`: each segment steps into an object's own key, or into an array by a
/// canonical index or `length`; anything else is `null`.
pub(crate) fn resolve<'a>(root: &'a Value, segs: &[Seg]) -> Cow<'a, Value> {
    let mut cur = root;
    let last = segs.len().saturating_sub(1);
    for (i, seg) in segs.iter().enumerate() {
        let next = match cur {
            Value::Object(map) => map.get(&seg.key),
            Value::Array(items) => match seg.index {
                Some(i) => items.get(i),
                None if seg.key == "length" => {
                    // `length` is the last step that can give a value: a number has no keys.
                    return if i == last {
                        Cow::Owned(Value::from(items.len() as u64))
                    } else {
                        Cow::Borrowed(&NULL)
                    };
                }
                None => None,
            },
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return Cow::Borrowed(&NULL),
        }
    }
    Cow::Borrowed(cur)
}

/// `evalCondition(obj, condition)`.
pub(crate) fn cond<S: Source + ?Sized>(c: &Cond, obj: &S, ctx: Ctx<'_>) -> bool {
    c.0.iter().all(|clause| self::clause(clause, obj, ctx))
}

/// One clause of a condition object.
pub(crate) fn clause<S: Source + ?Sized>(clause: &Clause, obj: &S, ctx: Ctx<'_>) -> bool {
    match clause {
        Clause::Or(list) => or(list, obj, ctx),
        Clause::Nor(list) => !or(list, obj, ctx),
        Clause::And(list) => list.iter().all(|c| cond(c, obj, ctx)),
        Clause::Not(c) => !cond(c, obj, ctx),
        Clause::SavedGroup { id, key } => saved_group(id, key.as_ref(), obj, ctx),
        Clause::Field { path, test: t } => test(t, &obj.field(path), false, ctx),
    }
}

pub(crate) fn or<S: Source + ?Sized>(list: &[Cond], obj: &S, ctx: Ctx<'_>) -> bool {
    list.is_empty() || list.iter().any(|c| cond(c, obj, ctx))
}

pub(crate) fn saved_group<S: Source + ?Sized>(
    id: &str,
    key: Option<&Path>,
    obj: &S,
    ctx: Ctx<'_>,
) -> bool {
    if contains(ctx.visited, id) {
        return false;
    }
    match ctx.groups.get(id) {
        Some(Group::List {
            key: entry_key,
            values,
        }) => {
            let (Some(key), Some(values)) = (key.or(entry_key.as_ref()), values.as_ref()) else {
                return false;
            };
            is_in(&obj.field(key), values, false)
        }
        Some(Group::Condition(c)) => {
            let len = ctx.visited.map_or(0, |v| v.len) + 1;
            if len > MAX_GROUP_CHAIN {
                return false;
            }
            let visited = Visited {
                id,
                parent: ctx.visited,
                len,
            };
            cond(
                c,
                obj,
                Ctx {
                    groups: ctx.groups,
                    visited: Some(&visited),
                },
            )
        }
        Some(Group::Legacy(_) | Group::Nobody) | None => false,
    }
}

/// `evalConditionValue(test, value, insensitive)`.
pub(crate) fn test(t: &Test, v: &Value, insensitive: bool, ctx: Ctx<'_>) -> bool {
    match t {
        Test::Str { s, lower } => {
            if insensitive {
                js::cmp_js_string(v, lower, true) == Some(Ordering::Equal)
            } else {
                js::cmp_js_string(v, s, false) == Some(Ordering::Equal)
            }
        }
        Test::Num(n) => js::to_number(v) == *n,
        Test::Bool(b) => !v.is_null() && js::truthy(v) == *b,
        Test::Null => v.is_null(),
        Test::Literal(lit) => js::json_eq(v, lit),
        Test::Ops(ops) => ops.iter().all(|op| operator(op, v, ctx)),
    }
}

/// `isIn(actual, expected, insensitive)`: `Array#includes` (SameValueZero) or, under `i`,
/// equality after lowercasing strings; an array attribute matches when any element does.
pub(crate) fn is_in(actual: &Value, values: &[Value], insensitive: bool) -> bool {
    let one = |a: &Value| {
        values.iter().any(|e| match (insensitive, a, e) {
            (true, Value::String(x), Value::String(y)) => js::eq_lowercase(x, y),
            _ => js::strict_eq(a, e),
        })
    };
    match actual {
        Value::Array(items) => items.iter().any(one),
        _ => one(actual),
    }
}

fn version(op: VersionOp, actual: &Value, expected: &str) -> bool {
    let mut sink = js::CmpSink::new(expected, false);
    if super::compile::write_padded_version(&mut sink, actual).is_err() {
        return false;
    }
    let ord = sink.finish();
    match op {
        VersionOp::Eq => ord == Ordering::Equal,
        VersionOp::Ne => ord != Ordering::Equal,
        VersionOp::Gt => ord == Ordering::Greater,
        VersionOp::Gte => ord != Ordering::Less,
        VersionOp::Lt => ord == Ordering::Less,
        VersionOp::Lte => ord != Ordering::Greater,
    }
}

fn js_type(v: &Value) -> JsType {
    match v {
        Value::Null => JsType::Null,
        Value::Bool(_) => JsType::Boolean,
        Value::Number(_) => JsType::Number,
        Value::String(_) => JsType::String,
        Value::Array(_) => JsType::Array,
        Value::Object(_) => JsType::Object,
    }
}

/// `RegExp#test(actual)`: the attribute is matched as `String(actual)`.
fn regex_test(re: &regex::Regex, actual: &Value) -> bool {
    match actual {
        Value::String(s) => re.is_match(s),
        Value::Null => re.is_match("null"),
        Value::Bool(b) => re.is_match(if *b { "true" } else { "false" }),
        Value::Object(_) => re.is_match("[object Object]"),
        _ => {
            use std::fmt::Write;
            let mut buf = StackStr::<512>::new();
            if write!(buf, "{}", js::JsString(actual)).is_ok() {
                return re.is_match(buf.as_str());
            }
            // The one allocation: an array whose text is longer than 512 bytes.
            let mut text = String::new();
            write!(text, "{}", js::JsString(actual)).is_ok() && re.is_match(&text)
        }
    }
}

pub(crate) fn operator(op: &Op, actual: &Value, ctx: Ctx<'_>) -> bool {
    match op {
        Op::Eq(e) => js::strict_eq(actual, e),
        Op::Ne(e) => !js::strict_eq(actual, e),
        Op::Cmp(c, e) => match js::js_compare(actual, e) {
            None => false,
            Some(ord) => match c {
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Lte => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Gte => ord != Ordering::Less,
            },
        },
        Op::Version(v, e) => version(*v, actual, e),
        Op::Exists(want) => actual.is_null() != *want,
        Op::In {
            values,
            insensitive,
            negate,
        } => is_in(actual, values, *insensitive) != *negate,
        Op::InGroup { id, negate } => match ctx.groups.get(id) {
            // An unknown id is an empty list.
            None => *negate,
            Some(Group::Legacy(values)) => is_in(actual, values, false) != *negate,
            Some(Group::List {
                values: Some(values),
                ..
            }) => is_in(actual, values, false) != *negate,
            // A condition group or a malformed entry matches nobody, either way.
            Some(_) => false,
        },
        Op::Not(t) => !test(t, actual, false, ctx),
        Op::Size(t) => match actual {
            Value::Array(items) => test(t, &Value::from(items.len() as u64), false, ctx),
            _ => false,
        },
        Op::ElemMatch(m) => match actual {
            Value::Array(items) => items.iter().filter(|v| !v.is_null()).any(|v| match &**m {
                ElemMatch::Ops(t) => test(t, v, false, ctx),
                ElemMatch::Cond(c) => cond(c, v, ctx),
            }),
            _ => false,
        },
        Op::All { tests, insensitive } => match actual {
            Value::Array(items) => tests
                .iter()
                .all(|t| items.iter().any(|v| test(t, v, *insensitive, ctx))),
            _ => false,
        },
        Op::Regex(re) => regex_test(re, actual),
        Op::Type(t) => js_type(actual) == *t,
    }
}
