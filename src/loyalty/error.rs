//! The loyalty module's one error enum.
//!
//! Every error has a stable machine-readable [`LoyaltyError::code`] (`loyalty.<kind>`) and,
//! when input is at fault, the JSON path of the field ([`LoyaltyError::path`]):
//! `rules.earn.promotions[2].start`, `account.operations[3].points`, `cart.lines[0].price`.

use crate::error::quoted;

/// An error of the loyalty module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoyaltyError {
    /// A field of the programme document (the `loyalty` section) is not allowed.
    #[error("invalid loyalty rules at {path}: {message}")]
    InvalidRules { path: String, message: String },
    /// A field of the account, history or cart is not allowed.
    #[error("invalid loyalty input at {path}: {message}")]
    InvalidInput { path: String, message: String },
    /// An operation cannot be applied to the ledger as it stands (e.g. reversing an order twice,
    /// an operation dated before the last one applied).
    #[error("invalid loyalty operation{}: {message}", at(path))]
    InvalidOperation { path: String, message: String },
    /// A redemption or a negative adjustment asks for more points than are available.
    #[error(
        "not enough points{}: {needed} needed, {available} available",
        at(path)
    )]
    InsufficientPoints {
        path: String,
        needed: i64,
        available: i64,
    },
    /// An idempotency key already applied to a different operation.
    #[error(
        "idempotency key {key:?}{} was already used for a different operation",
        at(path), key = quoted(key)
    )]
    IdempotencyConflict { path: String, key: String },
    /// A sum or product left the supported range (|value| ≤ 10^15 points or minor units).
    #[error("amount out of range{}: {message}", at(path))]
    Overflow { path: String, message: String },
    /// The account or history is over one of the engine's limits ([`crate::limits`]).
    #[error("loyalty input{} is over a limit: {message}", at(path))]
    Limit { path: String, message: String },
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at {path}")
    }
}

impl LoyaltyError {
    /// A stable machine-readable code: `loyalty.invalid_rules`, `loyalty.invalid_input`,
    /// `loyalty.invalid_operation`, `loyalty.insufficient_points`,
    /// `loyalty.idempotency_conflict`, `loyalty.overflow`; `limit.exceeded`.
    pub fn code(&self) -> &'static str {
        match self {
            LoyaltyError::InvalidRules { .. } => "loyalty.invalid_rules",
            LoyaltyError::InvalidInput { .. } => "loyalty.invalid_input",
            LoyaltyError::InvalidOperation { .. } => "loyalty.invalid_operation",
            LoyaltyError::InsufficientPoints { .. } => "loyalty.insufficient_points",
            LoyaltyError::IdempotencyConflict { .. } => "loyalty.idempotency_conflict",
            LoyaltyError::Overflow { .. } => "loyalty.overflow",
            LoyaltyError::Limit { .. } => crate::limits::CODE,
        }
    }

    /// What is wrong, without the path (for callers that report the path separately).
    pub fn message(&self) -> String {
        match self {
            LoyaltyError::InvalidRules { message, .. }
            | LoyaltyError::InvalidInput { message, .. }
            | LoyaltyError::InvalidOperation { message, .. }
            | LoyaltyError::Overflow { message, .. }
            | LoyaltyError::Limit { message, .. } => message.clone(),
            LoyaltyError::InsufficientPoints {
                needed, available, ..
            } => format!("not enough points: {needed} needed, {available} available"),
            LoyaltyError::IdempotencyConflict { key, .. } => {
                format!(
                    "idempotency key {key:?} was already used for a different operation",
                    key = quoted(key)
                )
            }
        }
    }

    /// The JSON path of the field at fault, or `""`.
    pub fn path(&self) -> &str {
        match self {
            LoyaltyError::InvalidRules { path, .. }
            | LoyaltyError::InvalidInput { path, .. }
            | LoyaltyError::InvalidOperation { path, .. }
            | LoyaltyError::InsufficientPoints { path, .. }
            | LoyaltyError::IdempotencyConflict { path, .. }
            | LoyaltyError::Overflow { path, .. }
            | LoyaltyError::Limit { path, .. } => path,
        }
    }

    /// Sets the path of an error raised without one (the ledger does not know where in the
    /// account an operation came from; [`super::evaluate`] does).
    pub fn at_path(mut self, new_path: &str) -> Self {
        match &mut self {
            LoyaltyError::InvalidRules { path, .. }
            | LoyaltyError::InvalidInput { path, .. }
            | LoyaltyError::InvalidOperation { path, .. }
            | LoyaltyError::InsufficientPoints { path, .. }
            | LoyaltyError::IdempotencyConflict { path, .. }
            | LoyaltyError::Overflow { path, .. }
            | LoyaltyError::Limit { path, .. } => {
                if path.is_empty() {
                    *path = new_path.to_string();
                } else if !new_path.is_empty() {
                    *path = format!("{new_path}.{path}");
                }
            }
        }
        self
    }

    /// Shorthand for [`LoyaltyError::InvalidRules`].
    pub fn rules(path: impl Into<String>, message: impl Into<String>) -> Self {
        LoyaltyError::InvalidRules {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`LoyaltyError::InvalidInput`].
    pub fn input(path: impl Into<String>, message: impl Into<String>) -> Self {
        LoyaltyError::InvalidInput {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`LoyaltyError::InvalidOperation`] without a path.
    pub fn operation(message: impl Into<String>) -> Self {
        LoyaltyError::InvalidOperation {
            path: String::new(),
            message: message.into(),
        }
    }

    /// Shorthand for [`LoyaltyError::Overflow`] without a path.
    pub fn overflow(message: impl Into<String>) -> Self {
        LoyaltyError::Overflow {
            path: String::new(),
            message: message.into(),
        }
    }
}

pub use crate::json::{index, join};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_paths_are_stable() {
        let e = LoyaltyError::operation("x").at_path("account.operations[2]");
        assert_eq!(e.code(), "loyalty.invalid_operation");
        assert_eq!(e.path(), "account.operations[2]");
        let e = LoyaltyError::rules("earn.pointsPerUnit", "bad").at_path("loyalty");
        assert_eq!(e.path(), "loyalty.earn.pointsPerUnit");
        assert!(e.to_string().contains("loyalty.earn.pointsPerUnit"));
        let e = LoyaltyError::InsufficientPoints {
            path: String::new(),
            needed: 5,
            available: 3,
        };
        assert_eq!(e.code(), "loyalty.insufficient_points");
        assert_eq!(e.to_string(), "not enough points: 5 needed, 3 available");
        assert_eq!(join("", "a"), "a");
        assert_eq!(index("a", 3), "a[3]");
    }
}
