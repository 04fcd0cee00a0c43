//! Reading a condition (JSON) into the compiled tree that [`super::eval`] walks: paths split,
//! literals classified, version operands padded, regexes compiled, limits checked.

use super::error::{ConditionError, ConditionErrorKind as Kind};
use super::js::{self, StackStr};
use super::regex::{compile as compile_regex, RegexIssue};
use super::{MAX_DEPTH, MAX_NODES, MAX_REGEX_BYTES};
use crate::jsonpath::{index, join};
use serde_json::{Map, Value};
use std::fmt::{self, Write};

/// One segment of a dotted attribute path, prepared for objects and arrays.
#[derive(Debug, Clone)]
pub(crate) struct Seg {
    /// The key in an object.
    pub key: String,
    /// The array index it names, when it is a canonical index (`0`, `12`; not `01`).
    pub index: Option<usize>,
}

/// A dotted attribute path, split once (`cart.items.0.sku`).
#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub segs: Vec<Seg>,
    /// Its slot in a [`super::ConditionSet`]'s fact table ([`NO_SLOT`] outside a set).
    pub slot: u32,
}

/// The slot of a path that belongs to no [`super::ConditionSet`].
pub(crate) const NO_SLOT: u32 = u32::MAX;

impl Path {
    pub(crate) fn parse(dotted: &str) -> Path {
        Path {
            segs: dotted
                .split('.')
                .map(|s| Seg {
                    key: s.to_string(),
                    index: canonical_index(s),
                })
                .collect(),
            slot: NO_SLOT,
        }
    }

    /// The dotted form (`cart.subtotal`).
    pub(crate) fn dotted(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.segs.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(&seg.key);
        }
        s
    }
}

pub(crate) fn canonical_index(s: &str) -> Option<usize> {
    let ok =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

/// A condition object: every clause must hold.
#[derive(Debug, Clone)]
pub(crate) struct Cond(pub Vec<Clause>);

impl Cond {
    /// Calls `f` on every attribute path this condition reads from the attributes' root
    /// (fields and `$savedGroup` keys, through `$and`, `$or`, `$nor` and `$not`; not the paths
    /// of an `$elemMatch` condition, which are read from array elements).
    pub(crate) fn root_paths_mut(&mut self, f: &mut dyn FnMut(&mut Path)) {
        for clause in &mut self.0 {
            match clause {
                Clause::Or(list) | Clause::Nor(list) | Clause::And(list) => {
                    for c in list {
                        c.root_paths_mut(f);
                    }
                }
                Clause::Not(c) => c.root_paths_mut(f),
                Clause::SavedGroup { key, .. } => {
                    if let Some(k) = key {
                        f(k);
                    }
                }
                Clause::Field { path, .. } => f(path),
            }
        }
    }
}

/// One key of a condition object.
#[derive(Debug, Clone)]
pub(crate) enum Clause {
    Or(Vec<Cond>),
    Nor(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    SavedGroup { id: String, key: Option<Path> },
    Field { path: Path, test: Test },
}

/// What a value (an attribute, an array element, a size) is tested with.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// `String(v) === s` (lowercased on both sides under `$alli`; `lower` is `s` lowercased).
    Str { s: String, lower: String },
    /// `v * 1 === n`.
    Num(f64),
    /// `v !== null && !!v === b`.
    Bool(bool),
    /// `v === null`.
    Null,
    /// `JSON.stringify(v) === JSON.stringify(literal)`.
    Literal(Value),
    /// Every operator holds.
    Ops(Vec<Op>),
}

/// A version comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VersionOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A relational comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// GrowthBook's `getType` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsType {
    String,
    Number,
    Boolean,
    Array,
    Object,
    Null,
    Undefined,
}

/// `$elemMatch`'s operand: operators on each element, or a condition on each element.
#[derive(Debug, Clone)]
pub(crate) enum ElemMatch {
    Ops(Test),
    Cond(Cond),
}

/// One operator.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Eq(Value),
    Ne(Value),
    Cmp(CmpOp, Value),
    Version(VersionOp, String),
    Exists(bool),
    In {
        values: Vec<Value>,
        insensitive: bool,
        negate: bool,
    },
    InGroup {
        id: String,
        negate: bool,
    },
    Not(Box<Test>),
    Size(Box<Test>),
    ElemMatch(Box<ElemMatch>),
    All {
        tests: Vec<Test>,
        insensitive: bool,
    },
    Regex(Box<regex::Regex>),
    Type(JsType),
}

/// Writes GrowthBook's `paddedVersionString(v)`: numbers as JS prints them, anything else that
/// is not a non-empty string as `"0"`; a leading `v` and a `+build` suffix removed; parts split
/// on `-` and `.`, a `~` part appended to `x.y.z`, numeric parts left-padded to 5 characters,
/// joined with `-`.
pub(crate) fn write_padded_version<W: Write + ?Sized>(w: &mut W, v: &Value) -> fmt::Result {
    let mut num = StackStr::<40>::new();
    let input: &str = match v {
        Value::Number(n) => {
            js::write_js_number(&mut num, n.as_f64().unwrap_or(f64::NAN))?;
            num.as_str()
        }
        Value::String(s) if !s.is_empty() => s,
        _ => "0",
    };
    // `.replace(/(^v|\+.*$)/g, "")`: `.` stops at line terminators and `$` is the end.
    let s = input.strip_prefix('v').unwrap_or(input);
    let last_break = s
        .rfind(['\n', '\r', '\u{2028}', '\u{2029}'])
        .map_or(0, |i| i + 1);
    let s = match s.get(last_break..).and_then(|tail| tail.find('+')) {
        Some(p) => s.get(..last_break + p).unwrap_or(s),
        None => s,
    };
    let parts = s.split(['-', '.']).count();
    for (i, part) in s.split(['-', '.']).enumerate() {
        if i > 0 {
            w.write_char('-')?;
        }
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            for _ in part.len()..5 {
                w.write_char(' ')?;
            }
        }
        w.write_str(part)?;
    }
    if parts == 3 {
        w.write_str("-~")?;
    }
    Ok(())
}

/// The compiler: counts nodes across one condition document.
pub(crate) struct Compiler {
    nodes: usize,
}

fn err(kind: Kind, path: &str, message: impl Into<String>) -> ConditionError {
    ConditionError::new(kind, path, message)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Compiler {
    pub(crate) fn new() -> Self {
        Compiler { nodes: 0 }
    }

    /// Counts one JSON value at `depth` (the document is depth 1).
    fn visit(&mut self, path: &str, depth: usize) -> Result<(), ConditionError> {
        if depth > MAX_DEPTH {
            return Err(err(
                Kind::TooDeep,
                path,
                format!("the condition is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(err(
                Kind::TooLarge,
                path,
                format!("the condition has more than {MAX_NODES} values"),
            ));
        }
        Ok(())
    }

    /// Counts a literal value and everything in it.
    fn literal(&mut self, v: &Value, path: &str, depth: usize) -> Result<(), ConditionError> {
        self.visit(path, depth)?;
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.literal(item, &index(path, i), depth + 1)?;
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    self.literal(item, &join(path, k), depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A condition object: `{path: value-test, $and: [...], ...}`.
    pub(crate) fn cond(
        &mut self,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Cond, ConditionError> {
        self.visit(path, depth)?;
        let Value::Object(map) = v else {
            return Err(err(
                Kind::NotAnObject,
                path,
                format!(
                    "a condition must be an object like {{\"country\": \"NL\"}}, got {}",
                    kind_of(v)
                ),
            ));
        };
        let mut clauses = Vec::with_capacity(map.len());
        for (k, val) in map {
            let at = join(path, k);
            let clause = match k.as_str() {
                "$or" => Clause::Or(self.conds(val, &at, depth + 1)?),
                "$nor" => Clause::Nor(self.conds(val, &at, depth + 1)?),
                "$and" => Clause::And(self.conds(val, &at, depth + 1)?),
                "$not" => Clause::Not(Box::new(self.cond(val, &at, depth + 1)?)),
                "$savedGroup" => self.saved_group(val, &at, depth + 1)?,
                _ if k.starts_with('$') => {
                    return Err(err(
                        Kind::UnknownOperator,
                        &at,
                        format!(
                            "unknown operator {k} where attribute names go (only $and, $or, \
                             $nor, $not and $savedGroup combine conditions)",
                            k = crate::quote::key(k)
                        ),
                    ))
                }
                _ => Clause::Field {
                    path: Path::parse(k),
                    test: self.test(val, &at, depth + 1)?,
                },
            };
            clauses.push(clause);
        }
        Ok(Cond(clauses))
    }

    fn conds(&mut self, v: &Value, path: &str, depth: usize) -> Result<Vec<Cond>, ConditionError> {
        self.visit(path, depth)?;
        let Value::Array(items) = v else {
            return Err(err(
                Kind::ExpectedArray,
                path,
                format!("expected an array of conditions, got {}", kind_of(v)),
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.cond(item, &index(path, i), depth + 1))
            .collect()
    }

    fn saved_group(
        &mut self,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Clause, ConditionError> {
        self.literal(v, path, depth)?;
        let bad = |what: &str| {
            err(
                Kind::InvalidOperand,
                path,
                format!("$savedGroup takes {{\"id\": \"<group id>\", \"attributeKey\"?: \"<attribute>\"}}: {what}"),
            )
        };
        let Value::Object(map) = v else {
            return Err(bad(&format!("got {}", kind_of(v))));
        };
        let id = match map.get("id") {
            Some(Value::String(id)) => id.clone(),
            _ => return Err(bad("`id` is missing or not a string")),
        };
        let key = match map.get("attributeKey") {
            None => None,
            Some(Value::String(k)) => Some(Path::parse(k)),
            Some(_) => return Err(bad("`attributeKey` is not a string")),
        };
        Ok(Clause::SavedGroup { id, key })
    }

    /// A value test: a literal, or an object of operators.
    pub(crate) fn test(
        &mut self,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Test, ConditionError> {
        match v {
            Value::String(s) => {
                self.visit(path, depth)?;
                Ok(Test::Str {
                    s: s.clone(),
                    lower: js::lowercase(s),
                })
            }
            Value::Number(n) => {
                self.visit(path, depth)?;
                Ok(Test::Num(n.as_f64().unwrap_or(f64::NAN)))
            }
            Value::Bool(b) => {
                self.visit(path, depth)?;
                Ok(Test::Bool(*b))
            }
            Value::Null => {
                self.visit(path, depth)?;
                Ok(Test::Null)
            }
            Value::Array(_) => {
                self.literal(v, path, depth)?;
                Ok(Test::Literal(v.clone()))
            }
            Value::Object(map) => {
                let dollars = map.keys().filter(|k| k.starts_with('$')).count();
                if map.is_empty() || dollars == 0 {
                    self.literal(v, path, depth)?;
                    return Ok(Test::Literal(v.clone()));
                }
                self.visit(path, depth)?;
                if dollars != map.len() {
                    return Err(err(
                        Kind::MixedKeys,
                        path,
                        "an object mixes operators ($...) with other keys: use operators only, or \
                         nest the attribute names as a separate condition",
                    ));
                }
                self.ops(map, path, depth).map(Test::Ops)
            }
        }
    }

    fn ops(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Op>, ConditionError> {
        let mut ops = Vec::with_capacity(map.len());
        for (name, operand) in map {
            let at = join(path, name);
            ops.push(self.op(name, operand, &at, depth + 1)?);
        }
        Ok(ops)
    }

    fn op(
        &mut self,
        name: &str,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Op, ConditionError> {
        let operand = |what: &str| {
            err(
                Kind::InvalidOperand,
                path,
                format!("{name} takes {what}, got {}", kind_of(v)),
            )
        };
        let array = |v: &Value| match v {
            Value::Array(items) => Ok(items.clone()),
            _ => Err(err(
                Kind::ExpectedArray,
                path,
                format!("{name} takes an array, got {}", kind_of(v)),
            )),
        };
        let version = |op| match v {
            Value::String(_) | Value::Number(_) => {
                let mut s = String::new();
                write_padded_version(&mut s, v)
                    .map(|()| Op::Version(op, s))
                    .map_err(|_| operand("a version string"))
            }
            _ => Err(operand("a version string such as \"1.2.3\"")),
        };
        let scalar = matches!(
            v,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)
        );
        let op = match name {
            "$eq" | "$ne" if !scalar => return Err(operand("a string, number, boolean or null")),
            "$eq" => Op::Eq(v.clone()),
            "$ne" => Op::Ne(v.clone()),
            "$lt" | "$lte" | "$gt" | "$gte" if !matches!(v, Value::Number(_) | Value::String(_)) => {
                return Err(operand("a number or a string"))
            }
            "$lt" => Op::Cmp(CmpOp::Lt, v.clone()),
            "$lte" => Op::Cmp(CmpOp::Lte, v.clone()),
            "$gt" => Op::Cmp(CmpOp::Gt, v.clone()),
            "$gte" => Op::Cmp(CmpOp::Gte, v.clone()),
            "$veq" => version(VersionOp::Eq)?,
            "$vne" => version(VersionOp::Ne)?,
            "$vgt" => version(VersionOp::Gt)?,
            "$vgte" => version(VersionOp::Gte)?,
            "$vlt" => version(VersionOp::Lt)?,
            "$vlte" => version(VersionOp::Lte)?,
            "$exists" => match v {
                Value::Bool(b) => Op::Exists(*b),
                _ => return Err(operand("true or false")),
            },
            "$in" | "$nin" | "$ini" | "$nini" => {
                let values = array(v)?;
                Op::In {
                    values,
                    insensitive: name.ends_with('i'),
                    negate: name.starts_with("$n"),
                }
            }
            "$inGroup" | "$notInGroup" => match v {
                Value::String(id) => Op::InGroup {
                    id: id.clone(),
                    negate: name == "$notInGroup",
                },
                _ => return Err(operand("a saved group id (a string)")),
            },
            "$not" => return Ok(Op::Not(Box::new(self.test(v, path, depth)?))),
            "$size" => return Ok(Op::Size(Box::new(self.test(v, path, depth)?))),
            "$elemMatch" => {
                let Value::Object(map) = v else {
                    return Err(err(
                        Kind::NotAnObject,
                        path,
                        format!("$elemMatch takes operators or a condition (an object), got {}", kind_of(v)),
                    ));
                };
                let operators = !map.is_empty() && map.keys().all(|k| k.starts_with('$'));
                let m = if operators {
                    ElemMatch::Ops(self.test(v, path, depth)?)
                } else {
                    ElemMatch::Cond(self.cond(v, path, depth)?)
                };
                return Ok(Op::ElemMatch(Box::new(m)));
            }
            "$all" | "$alli" => {
                let Value::Array(items) = v else {
                    return Err(err(
                        Kind::ExpectedArray,
                        path,
                        format!("{name} takes an array of values or tests, got {}", kind_of(v)),
                    ));
                };
                self.visit(path, depth)?;
                let tests = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.test(item, &index(path, i), depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(Op::All {
                    tests,
                    insensitive: name == "$alli",
                });
            }
            "$regex" | "$regexi" => match v {
                Value::String(source) if source.len() > MAX_REGEX_BYTES => {
                    return Err(err(
                        Kind::TooLarge,
                        path,
                        format!(
                            "the pattern is {} bytes long: at most {MAX_REGEX_BYTES} are compiled",
                            source.len()
                        ),
                    ));
                }
                Value::String(source) => {
                    let re = compile_regex(source, name == "$regexi").map_err(|issue| match issue {
                        RegexIssue::Unsupported(why) => err(
                            Kind::UnsupportedRegex,
                            path,
                            format!("{why}: offerwise matches regexes in linear time"),
                        ),
                        RegexIssue::Invalid(why) => {
                            err(Kind::BadRegex, path, format!("invalid pattern: {why}"))
                        }
                    })?;
                    Op::Regex(Box::new(re))
                }
                _ => return Err(operand("a pattern (a string)")),
            },
            "$type" => match v.as_str() {
                Some("string") => Op::Type(JsType::String),
                Some("number") => Op::Type(JsType::Number),
                Some("boolean") => Op::Type(JsType::Boolean),
                Some("array") => Op::Type(JsType::Array),
                Some("object") => Op::Type(JsType::Object),
                Some("null") => Op::Type(JsType::Null),
                Some("undefined") => Op::Type(JsType::Undefined),
                _ => {
                    return Err(operand(
                        "one of \"string\", \"number\", \"boolean\", \"array\", \"object\", \"null\", \"undefined\"",
                    ))
                }
            },
            _ => {
                return Err(err(
                    Kind::UnknownOperator,
                    path,
                    format!("unknown operator {}", crate::quote::key(name)),
                ))
            }
        };
        self.literal(v, path, depth)?;
        Ok(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn padded(v: Value) -> String {
        let mut s = String::new();
        write_padded_version(&mut s, &v).unwrap();
        s
    }

    #[test]
    fn padded_versions_as_growthbook() {
        assert_eq!(
            padded(json!("v1.2.3-rc.1+build123")),
            "    1-    2-    3-rc-    1"
        );
        assert_eq!(padded(json!("1.0.0")), "    1-    0-    0-~");
        assert_eq!(padded(json!("")), "    0");
        assert_eq!(padded(json!(1.5)), "    1-    5");
        assert_eq!(padded(json!(null)), "    0");
    }
}
