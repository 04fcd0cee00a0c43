//! Errors of reading a condition or a saved-groups document.
//!
//! Every error has a stable [`ConditionError::code`] (`condition.unknown_operator`, ...) and
//! the JSON path of the problem in the condition ([`ConditionError::path`]), e.g.
//! `$and[1].cart.subtotal.$gt`; errors in a saved group's condition start with
//! `savedGroups.<id>.condition`.

/// What is wrong with a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConditionErrorKind {
    /// A condition (the document, a `$not`, an `$and`/`$or`/`$nor` element, an `$elemMatch`
    /// or a saved group's condition) is not a JSON object.
    NotAnObject,
    /// `$and`, `$or`, `$nor`, `$in`, `$nin`, `$ini`, `$nini`, `$all` or `$alli` is not given
    /// an array.
    ExpectedArray,
    /// An operator that GrowthBook does not have (or a `$`-key where attribute names go).
    UnknownOperator,
    /// An object mixing operators (`$gt`) and other keys.
    MixedKeys,
    /// An operator's operand has a type the operator cannot use.
    InvalidOperand,
    /// A `$regex`/`$regexi` pattern that is not a valid JS pattern, or is too large.
    BadRegex,
    /// A valid JS pattern using look-around or back-references, which cannot run in linear time.
    UnsupportedRegex,
    /// Nested deeper than [`super::MAX_DEPTH`].
    TooDeep,
    /// More than [`super::MAX_NODES`] JSON values.
    TooLarge,
    /// The saved-groups document is not an object of groups.
    InvalidSavedGroups,
}

impl ConditionErrorKind {
    /// The stable code of this kind.
    pub const fn code(self) -> &'static str {
        match self {
            ConditionErrorKind::NotAnObject => "condition.not_an_object",
            ConditionErrorKind::ExpectedArray => "condition.expected_array",
            ConditionErrorKind::UnknownOperator => "condition.unknown_operator",
            ConditionErrorKind::MixedKeys => "condition.mixed_keys",
            ConditionErrorKind::InvalidOperand => "condition.invalid_operand",
            ConditionErrorKind::BadRegex => "condition.bad_regex",
            ConditionErrorKind::UnsupportedRegex => "condition.unsupported_regex",
            // One code for every limit of offerwise (its `limits` module).
            ConditionErrorKind::TooDeep | ConditionErrorKind::TooLarge => "limit.exceeded",
            ConditionErrorKind::InvalidSavedGroups => "condition.invalid_saved_groups",
        }
    }
}

/// An error reading a condition: its kind, where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid condition{}: {message}", if path.is_empty() { String::new() } else { format!(" at {path}") })]
pub struct ConditionError {
    kind: ConditionErrorKind,
    path: String,
    message: String,
}

impl ConditionError {
    /// An error of `kind` at `path`.
    pub fn new(
        kind: ConditionErrorKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConditionError {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> ConditionErrorKind {
        self.kind
    }

    /// The stable code, e.g. `condition.bad_regex`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The JSON path of the problem (`$and[1].cart.subtotal.$gt`; `""` for the whole document).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, for a person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with its path under `prefix` (`savedGroups.vip.condition`).
    pub(crate) fn under(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}
