//! Saved groups: the `savedGroups` payload GrowthBook's `evalCondition` takes, read once.
//!
//! `{ "<id>": entry }` where an entry is
//!
//! * an array of values (the legacy list form: `$inGroup`/`$notInGroup` only);
//! * `{"type": "list", "attributeKey": "id", "values": [...]}` (`$inGroup`, `$notInGroup`,
//!   and `$savedGroup`, which checks `attributeKey` — or the reference's own — against it);
//! * `{"type": "condition", "condition": {...}}` (`$savedGroup` only; compiled here, so its
//!   errors carry the path `savedGroups.<id>.condition...`).
//!
//! As in GrowthBook, anything else (an unknown `type`, `values` that are not an array, a
//! missing condition) matches nobody rather than being an error, so a payload from a newer
//! GrowthBook still loads; a `condition` that is an array is refused
//! (`condition.invalid_saved_groups`: GrowthBook would let it match everybody).

use super::compile::{Compiler, Cond, Path};
use super::error::{ConditionError, ConditionErrorKind};
use crate::jsonpath::join;
use serde_json::Value;
use std::collections::BTreeMap;

/// One saved group, prepared.
#[derive(Debug, Clone)]
pub(crate) enum Group {
    /// A bare array of values.
    Legacy(Vec<Value>),
    /// `type: "list"`: the attribute path (when a string) and the values (when an array).
    List {
        key: Option<Path>,
        values: Option<Vec<Value>>,
    },
    /// `type: "condition"`.
    Condition(Cond),
    /// Anything else: matches nobody.
    Nobody,
}

/// The saved groups a condition's `$inGroup`, `$notInGroup` and `$savedGroup` refer to.
///
/// ```
/// use offerwise_conditions::{Condition, SavedGroups};
/// use serde_json::json;
/// let groups = SavedGroups::parse(&json!({"beta": ["u1", "u2"]})).unwrap();
/// let c = Condition::parse(&json!({"id": {"$inGroup": "beta"}})).unwrap();
/// assert!(c.eval(&json!({"id": "u2"}), &groups));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SavedGroups {
    groups: BTreeMap<String, Group>,
}

impl SavedGroups {
    /// No saved groups (every `$inGroup` is false, every `$notInGroup` true).
    pub fn empty() -> Self {
        SavedGroups::default()
    }

    /// Reads a saved-groups payload (`null` is no groups). Errors: the payload is not an
    /// object, a group's `condition` is an array (`condition.invalid_saved_groups`), or a
    /// group's condition is malformed (its own code, at `savedGroups.<id>.condition...`).
    pub fn parse(payload: &Value) -> Result<SavedGroups, ConditionError> {
        let map = match payload {
            Value::Null => return Ok(SavedGroups::empty()),
            Value::Object(map) => map,
            _ => {
                return Err(ConditionError::new(
                    ConditionErrorKind::InvalidSavedGroups,
                    "savedGroups",
                    "saved groups must be an object {\"<group id>\": [values] | {type, ...}}",
                ))
            }
        };
        let mut groups = BTreeMap::new();
        for (id, entry) in map {
            let at = join("savedGroups", id);
            groups.insert(id.clone(), Self::entry(entry, &at)?);
        }
        Ok(SavedGroups { groups })
    }

    fn entry(entry: &Value, at: &str) -> Result<Group, ConditionError> {
        let Value::Object(map) = entry else {
            return Ok(match entry {
                Value::Array(values) => Group::Legacy(values.clone()),
                _ => Group::Nobody,
            });
        };
        Ok(match map.get("type").and_then(Value::as_str) {
            Some("list") => Group::List {
                key: map
                    .get("attributeKey")
                    .and_then(Value::as_str)
                    .map(Path::parse),
                values: map.get("values").and_then(Value::as_array).cloned(),
            },
            Some("condition") => match map.get("condition") {
                Some(c @ Value::Object(_)) => {
                    let at = join(at, "condition");
                    let cond = Compiler::new().cond(c, "", 1).map_err(|e| e.under(&at))?;
                    Group::Condition(cond)
                }
                Some(Value::Array(_)) => {
                    return Err(ConditionError::new(
                        ConditionErrorKind::InvalidSavedGroups,
                        join(at, "condition"),
                        "a saved group's condition must be an object, not an array",
                    ))
                }
                _ => Group::Nobody,
            },
            _ => Group::Nobody,
        })
    }

    /// The number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    /// Calls `f` on every attribute path the groups read from the attributes' root (list
    /// groups' `attributeKey`s and the root paths of condition groups).
    pub(crate) fn root_paths_mut(&mut self, f: &mut dyn FnMut(&mut Path)) {
        for group in self.groups.values_mut() {
            match group {
                Group::List { key: Some(k), .. } => f(k),
                Group::Condition(c) => c.root_paths_mut(f),
                Group::List { key: None, .. } | Group::Legacy(_) | Group::Nobody => {}
            }
        }
    }
}
