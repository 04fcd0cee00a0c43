//! Targeting conditions in GrowthBook's syntax, with GrowthBook's results.
//!
//! A condition is a JSON object in the MongoDB-style language of GrowthBook's
//! `evalCondition` (`@growthbook/growthbook` 1.8.0, `mongrule.ts`), e.g.
//! `{"country": {"$in": ["NL", "BE"]}, "cart.subtotal": {"$gte": 50}}`.
//! [`Condition::parse`] reads and compiles it once (paths split, regexes compiled, limits
//! checked); [`Condition::eval`] answers for one set of attributes and does not allocate.
//! `tests/vectors/conditions.json`, generated from GrowthBook itself, holds the cases that
//! pin the semantics down (`tests/conditions.rs` requires every one).
//!
//! [`Condition::explain`] says why a condition is false: the first failing test in evaluation
//! order, with its path in the condition, the operator, the operand and the attribute's value
//! ([`Failure`], printed as `cart.subtotal is 42 (needs $gte 50)`); it is `None` exactly when
//! `eval` is true.
//!
//! A [`ConditionSet`] compiles many conditions together: the attribute paths they read get a
//! slot each, [`ConditionSet::read_json`] takes only those values out of JSON text (skipping
//! the rest without building it), and the conditions read the slots ([`set`] has the details).
//!
//! # Semantics (GrowthBook's, JavaScript's coercions included)
//!
//! * Keys are dotted paths: each step goes into an object's key, or into an array by index
//!   (`items.0.sku`) or `length`; a missing step gives `null` (so `{"x": null}` and
//!   `{"x": {"$exists": false}}` match a missing `x`).
//! * A literal value is compared as GrowthBook does: a string `s` matches when `String(v) ===
//!   s` (`5` matches `"5"`, `[1,2]` matches `"1,2"`, a missing value matches `"null"`); a
//!   number `n` when `v * 1 === n` (`"5"`, `[5]`, `true` for 1); a boolean when `v` is not
//!   null and its truthiness equals it; `null` when `v` is null; an array or an object when
//!   the JSON is the same (numbers as doubles; see the differences below).
//! * `$eq`/`$ne` are `===`/`!==` (no coercion; arrays and objects are never equal);
//!   `$gt $gte $lt $lte` are JS relational comparisons: two strings (arrays and objects count
//!   as their string form) compare by UTF-16 code units, anything else as numbers
//!   (`null` → 0, `"12"` → 12, `"abc"` → NaN, and any NaN makes every comparison false).
//! * `$in`/`$nin` use `Array#includes` (strict, `1` ≠ `"1"`); an array attribute matches when
//!   any element is in the list; `$ini`/`$nini`/`$alli`/`$regexi` lowercase strings first.
//! * `$all` needs an array attribute with, for every test, some element passing it;
//!   `$elemMatch` needs an element (not null) passing the operators, or the condition if the
//!   operand is not all operators; `$size` tests the array's length; `$not` negates a value
//!   test; `$exists` tests `!= null`; `$type` is `string`, `number`, `boolean`, `array`,
//!   `object` or `null` (a missing value is `null`).
//! * `$regex` tests `String(v)` against a JS pattern (see [`regex`] for the translation).
//! * Version operators `$veq $vne $vgt $vgte $vlt $vlte` compare GrowthBook's
//!   `paddedVersionString` of both sides (`v1.2.3-rc.1+b` → parts padded to 5, `x.y.z` gets a
//!   `~` part, so `1.0.0` > `1.0.0-beta` and `1.10.0` > `1.9.0`).
//! * `$and`, `$or` (empty: true), `$nor` (empty: false) and `$not` combine conditions;
//!   `$inGroup`/`$notInGroup` and `$savedGroup` use [`SavedGroups`].
//!
//! # Stricter than GrowthBook: malformed conditions are errors
//!
//! GrowthBook answers `false` (or, for some shapes, `true`) for a condition it cannot make
//! sense of; [`Condition::parse`] refuses it with a [`ConditionError`] (a stable code and the
//! path): an unknown operator or a `$`-key where attribute names go
//! (`condition.unknown_operator`), an object mixing operators and other keys
//! (`condition.mixed_keys`), an operand of the wrong type (`condition.invalid_operand`,
//! `condition.expected_array`, `condition.not_an_object`), a pattern JS would not compile
//! (`condition.bad_regex`), and the limits below.
//!
//! # Limits
//!
//! * a condition is nested at most [`MAX_DEPTH`] (32) JSON levels deep (`limit.exceeded`, as every limit of offerwise);
//! * it has at most [`MAX_NODES`] (10,000) JSON values, and a `$regex` pattern at most
//!   [`MAX_REGEX_BYTES`] (4,096) bytes (`limit.exceeded`);
//! * a compiled pattern is at most [`regex::REGEX_SIZE_LIMIT`] bytes (`condition.bad_regex`);
//! * `$savedGroup` resolves condition groups at most [`MAX_GROUP_CHAIN`] deep (deeper is
//!   false; GrowthBook has no limit but stops at cycles, as this does too).
//!
//! # Differences from GrowthBook
//!
//! * Patterns with look-around or back-references are refused
//!   (`condition.unsupported_regex`): `regex-lite` matches in linear time and has
//!   neither. Other pattern differences are listed in [`regex`] (astral characters, a few
//!   case-folding pairs).
//! * Object literals equal regardless of key order (GrowthBook compares `JSON.stringify`
//!   text, in which `{"a":1,"b":2}` ≠ `{"b":2,"a":1}`).
//! * Lowercasing is per character: JS lowercases a word-final `Σ` to `ς`, this to `σ`.
//! * Only an object's own keys are paths (JS's `in` also finds `constructor`, `toString`, ...
//!   on every object, which GrowthBook then compares as functions).
//!
//! # Allocation
//!
//! Evaluation allocates nothing, except when a `$regex` tests an array attribute whose text
//! (`String(array)`) is longer than 512 bytes; `regex-lite` also allocates a pattern's
//! matching cache on its first use.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod compile;
pub mod error;
mod eval;
mod explain;
mod groups;
pub mod js;
pub mod jsonpath;
pub mod quote;
pub mod regex;
pub mod set;
pub mod slots;

pub use error::{ConditionError, ConditionErrorKind};
pub use explain::Failure;
pub use groups::SavedGroups;
pub use set::{ConditionSet, Facts};

use serde_json::Value;

/// The deepest a condition may be nested (JSON levels, the condition object being level 1).
pub const MAX_DEPTH: usize = 32;
/// The most JSON values a condition may have.
pub const MAX_NODES: usize = 10_000;
/// The longest `$regex` pattern compiled, in bytes (compiling is linear in the pattern, and a
/// megabyte pattern takes a tenth of a second: no targeting rule needs one).
pub const MAX_REGEX_BYTES: usize = 4_096;
/// The most `$savedGroup` condition groups resolved inside one another.
pub const MAX_GROUP_CHAIN: usize = 16;

/// A compiled condition.
///
/// ```
/// use offerwise_conditions::{Condition, SavedGroups};
/// use serde_json::json;
/// let c = Condition::parse(&json!({"country": {"$in": ["NL", "BE"]},
///                                  "app.version": {"$vgte": "2.1.0"}})).unwrap();
/// let groups = SavedGroups::empty();
/// assert!(c.eval(&json!({"country": "NL", "app": {"version": "2.10.1"}}), &groups));
/// assert!(!c.eval(&json!({"country": "NL", "app": {"version": "2.1.0-beta"}}), &groups));
/// ```
#[derive(Debug, Clone)]
pub struct Condition {
    root: compile::Cond,
    /// The condition as written, for [`Condition::explain`].
    source: Value,
}

impl Condition {
    /// Reads and compiles a condition (a JSON object). Errors say what is wrong and where
    /// ([`ConditionError::code`], [`ConditionError::path`]).
    pub fn parse(condition: &Value) -> Result<Condition, ConditionError> {
        let root = compile::Compiler::new().cond(condition, "", 1)?;
        Ok(Condition {
            root,
            source: condition.clone(),
        })
    }

    /// Whether `attributes` satisfy the condition, as GrowthBook's
    /// `evalCondition(attributes, condition, savedGroups)` answers.
    pub fn eval(&self, attributes: &Value, saved_groups: &SavedGroups) -> bool {
        eval::cond(
            &self.root,
            attributes,
            eval::Ctx {
                groups: saved_groups,
                visited: None,
            },
        )
    }

    /// Why the condition is false for `attributes`: the first failing test in evaluation
    /// order, with its path in the condition ([`Failure`]); `None` exactly when
    /// [`Condition::eval`] is true. Allocates (the failure's texts and values).
    ///
    /// ```
    /// use offerwise_conditions::{Condition, SavedGroups};
    /// use serde_json::json;
    /// let c = Condition::parse(&json!({"tier": {"$in": ["gold", "platinum"]},
    ///                                  "cart.subtotal": {"$gte": 50}})).unwrap();
    /// let groups = SavedGroups::empty();
    /// let why = c.explain(&json!({"tier": "gold"}), &groups).unwrap();
    /// assert_eq!(why.path, "cart.subtotal");
    /// assert_eq!(why.to_string(), "cart.subtotal is missing (needs $gte 50)");
    /// assert!(c.explain(&json!({"tier": "gold", "cart": {"subtotal": 50}}), &groups).is_none());
    /// ```
    pub fn explain(&self, attributes: &Value, saved_groups: &SavedGroups) -> Option<Failure> {
        explain::cond(
            &self.root,
            &self.source,
            attributes,
            eval::Ctx {
                groups: saved_groups,
                visited: None,
            },
            "",
        )
    }
}
