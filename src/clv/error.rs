//! Errors of the CLV module.
//!
//! Every variant has a stable, machine-readable [`ClvError::code`] (`clv.invalid_input`,
//! `clv.no_repeat_buyers`, ...) and a message that says what is wrong, where (customer or
//! transaction index, field) and, when there is one, what to do about it.

/// An error from summarising transactions, fitting a model or predicting with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClvError {
    /// There is nothing to work on (no customers, no transactions).
    #[error("{what} is empty: {hint}")]
    EmptyInput {
        /// What was empty (`"customer summaries"`, ...).
        what: &'static str,
        /// What the caller can do about it.
        hint: &'static str,
    },
    /// A value given by the caller is not allowed (non-finite, negative, recency > T, ...).
    #[error("invalid {field} at {at}: {reason}")]
    InvalidInput {
        /// Where the value is: `customer #12`, `transaction #3`, `argument`.
        at: String,
        /// The field or argument name (`recency`, `monetary_value`, `margin`, ...).
        field: &'static str,
        /// What is wrong with it, with the offending value.
        reason: String,
    },
    /// Model parameters that the formulas cannot use (non-positive, non-finite, q ≤ 1, ...).
    #[error("invalid {model} parameters: {reason}")]
    InvalidParams {
        /// `"BG/NBD"` or `"Gamma-Gamma"`.
        model: &'static str,
        /// What is wrong with them.
        reason: String,
    },
    /// BG/NBD cannot be fitted: no customer made a repeat purchase.
    #[error(
        "none of the {n_customers} customers made a repeat purchase in the calibration period; \
         BG/NBD and Gamma-Gamma need repeat buyers (use a longer calibration period or more customers)"
    )]
    NoRepeatBuyers {
        /// Number of customers given.
        n_customers: usize,
    },
    /// Too few customers made a repeat purchase to identify a purchase model's parameters.
    #[error(
        "{model} needs at least {min} repeat buyers, but only {n_repeat_buyers} customers made a \
         repeat purchase in the calibration period (use more customers or a longer period, or \
         train without the lifetime-value part)"
    )]
    TooFewRepeatBuyers {
        /// `"BG/NBD"`, `"MBG/NBD"` or `"Pareto/NBD"`.
        model: &'static str,
        /// Repeat buyers in the data.
        n_repeat_buyers: usize,
        /// The minimum ([`super::purchase::MIN_REPEAT_BUYERS`]).
        min: usize,
    },
    /// Gamma-Gamma cannot be fitted: every repeat buyer has a monetary value of zero.
    #[error(
        "all {n_repeat_buyers} repeat buyers have a monetary value of 0; Gamma-Gamma needs \
         positive average spend (are the amounts missing from the transactions?)"
    )]
    AllZeroValues {
        /// Number of repeat buyers (frequency > 0) given.
        n_repeat_buyers: usize,
    },
    /// The optimiser stopped at its iteration limit before meeting its tolerances.
    #[error(
        "{model} fit did not converge after {iterations} iterations (objective {objective}); \
         try a penalizer (e.g. 0.001) or check the data for extreme customers"
    )]
    NotConverged {
        /// `"BG/NBD"` or `"Gamma-Gamma"`.
        model: &'static str,
        /// Iterations run.
        iterations: u32,
        /// Final value of the (penalised, mean) negative log-likelihood.
        objective: f64,
    },
    /// The fit converged to parameters that make the model unusable.
    #[error("{model} fit is degenerate: {reason}")]
    DegenerateFit {
        /// `"BG/NBD"` or `"Gamma-Gamma"`.
        model: &'static str,
        /// What is wrong and what to try.
        reason: String,
    },
    /// A special function could not be evaluated to full precision (overflow, series not
    /// converging for extreme arguments).
    #[error("numerical failure in {what}: {detail}")]
    Numerical {
        /// The function (`hyp2f1`, `expected_purchases`, ...).
        what: &'static str,
        /// The arguments and the reason.
        detail: String,
    },
}

impl ClvError {
    /// A stable, machine-readable code for the error.
    pub const fn code(&self) -> &'static str {
        match self {
            ClvError::EmptyInput { .. } => "clv.empty_input",
            ClvError::InvalidInput { .. } => "clv.invalid_input",
            ClvError::InvalidParams { .. } => "clv.invalid_params",
            ClvError::NoRepeatBuyers { .. } => "clv.no_repeat_buyers",
            ClvError::TooFewRepeatBuyers { .. } => "clv.too_few_repeat_buyers",
            ClvError::AllZeroValues { .. } => "clv.all_zero_values",
            ClvError::NotConverged { .. } => "clv.not_converged",
            ClvError::DegenerateFit { .. } => "clv.degenerate_fit",
            ClvError::Numerical { .. } => "clv.numerical",
        }
    }

    /// Shorthand for [`ClvError::InvalidInput`].
    pub(crate) fn invalid(
        at: impl Into<String>,
        field: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        ClvError::InvalidInput {
            at: at.into(),
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`ClvError::Numerical`].
    pub(crate) fn numerical(what: &'static str, detail: impl Into<String>) -> Self {
        ClvError::Numerical {
            what,
            detail: detail.into(),
        }
    }
}

/// Checks that every named parameter of `model` is finite and positive (`clv.invalid_params`,
/// naming the first that is not).
pub(crate) fn check_positive(model: &'static str, params: &[(&str, f64)]) -> Result<(), ClvError> {
    for &(name, v) in params {
        if !(v.is_finite() && v > 0.0) {
            return Err(ClvError::InvalidParams {
                model,
                reason: format!("{name} = {v} must be a finite positive number"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_say_where() {
        let e = ClvError::invalid("customer #12", "recency", "40.5 is greater than T = 38.9");
        assert_eq!(e.code(), "clv.invalid_input");
        assert_eq!(
            e.to_string(),
            "invalid recency at customer #12: 40.5 is greater than T = 38.9"
        );
        assert_eq!(
            ClvError::NoRepeatBuyers { n_customers: 3 }.code(),
            "clv.no_repeat_buyers"
        );
        assert_eq!(
            ClvError::AllZeroValues { n_repeat_buyers: 3 }.code(),
            "clv.all_zero_values"
        );
        let nc = ClvError::NotConverged {
            model: "BG/NBD",
            iterations: 10,
            objective: 1.5,
        };
        assert_eq!(nc.code(), "clv.not_converged");
        assert!(nc.to_string().contains("penalizer"));
        assert_eq!(ClvError::numerical("hyp2f1", "x").code(), "clv.numerical");
    }
}
