//! Errors of the core, one enum for every document the engine reads.
//!
//! Every error carries the document it is about ([`Doc`]), a JSON path (`orders[3].at`) or a
//! line and column, and a message a person can act on. [`Error::code`] is stable and
//! machine-readable (`customer.invalid`, `model.unsupported_version`, ...); the wasm layer
//! converts an [`Error`] into a JS `Error` with `code` and `path` in one place.

use std::fmt;

/// A caller's text in a message, bounded: `format!("no experiment {:?}", quoted(key))`
/// (see [`offerwise_conditions::quote`]).
pub use offerwise_conditions::quote::quoted;

/// A JSON value a message shows (`compares a number with "x"`), bounded as [`quoted`] bounds
/// text: its JSON text up to 64 characters, else the first 32 and its length in bytes.
pub fn shown(value: &serde_json::Value) -> String {
    offerwise_conditions::quote::key(&serde_json::to_string(value).unwrap_or_default()).into_owned()
}

/// At most this many names are listed in a message ([`listed`]).
pub const LISTED: usize = 20;

/// Names a message lists (`(experiments: a, b, c)`), bounded as [`quoted`] bounds one text:
/// the first [`LISTED`] names, each shortened when long, then how many there are in all.
pub fn listed<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    let mut list = List::default();
    for name in names {
        list.push(name.as_ref());
    }
    list.finish()
}

/// [`listed`]'s work, written once for every kind of name.
#[derive(Default)]
struct List {
    text: String,
    count: usize,
}

impl List {
    #[inline(never)]
    fn push(&mut self, name: &str) {
        if self.count < LISTED {
            if self.count > 0 {
                self.text.push_str(", ");
            }
            self.text.push_str(&offerwise_conditions::quote::key(name));
        }
        self.count += 1;
    }

    fn finish(mut self) -> String {
        if self.count > LISTED {
            self.text.push_str(&format!(", … ({} in all)", self.count));
        }
        self.text
    }
}

/// The document an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// A customer document given to `decide`.
    Customer,
    /// The options of a call (`now`, time zone offset).
    Options,
    /// A trained model bundle.
    Model,
    /// A programme document.
    Program,
    /// A transaction file (CSV or CDNOW).
    Orders,
    /// A loyalty evaluation input (`evaluateLoyalty`).
    Loyalty,
    /// A targeting condition (`evalCondition`, `offerwise eval-condition`).
    Condition,
    /// The attributes a condition is evaluated against.
    Attributes,
    /// The saved groups a condition refers to.
    SavedGroups,
    /// An outcome event of the decision log ([`crate::offers::log::Outcome`]).
    Outcome,
    /// A learned policy ([`crate::offers::policy::Policy`]).
    Policy,
    /// A decision record read back from a log ([`crate::offers::log`]).
    Decision,
    /// An experiment's unit rows (`analyze`).
    Units,
    /// The input of a data job in the data build (`engine.effectiveness(input)`: members,
    /// customers and their orders, the decision log): its errors are `options.*`, as for the
    /// job's other options, but it is read without the size limit, as a data job's files are.
    DataInput,
}

impl Doc {
    /// The document's name as used in error codes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Doc::Customer => "customer",
            Doc::Options | Doc::DataInput => "options",
            Doc::Model => "model",
            Doc::Program => "program",
            Doc::Orders => "orders",
            Doc::Loyalty => "loyalty",
            Doc::Condition => "condition",
            Doc::Attributes => "attributes",
            Doc::SavedGroups => "savedGroups",
            Doc::Outcome => "outcome",
            Doc::Policy => "policy",
            Doc::Decision => "decision",
            Doc::Units => "units",
        }
    }
}

impl fmt::Display for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from reading or using one of the engine's documents.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The text is not JSON at all.
    #[error("{doc} is not valid JSON (line {line}, column {column}): {message}")]
    Syntax {
        doc: Doc,
        line: usize,
        column: usize,
        message: String,
    },
    /// A field is missing, of the wrong type, or has a value that is not allowed.
    #[error("invalid {doc}{}: {message}", at(path))]
    Invalid {
        doc: Doc,
        path: String,
        message: String,
    },
    /// The document declares a format version this build does not read.
    #[error("{doc} has formatVersion {found}, this offerwise {version} reads version {supported}")]
    UnsupportedVersion {
        doc: Doc,
        found: u64,
        supported: u64,
        version: &'static str,
    },
    /// The loyalty account cannot be replayed: an operation asks for more points than there are,
    /// reuses an idempotency key, leaves the supported range, or cannot apply (code
    /// `loyalty.insufficient_points`, `loyalty.idempotency_conflict`, `loyalty.overflow`,
    /// `loyalty.invalid_operation`).
    #[error("loyalty account{}: {message}", at(path))]
    Loyalty {
        code: &'static str,
        path: String,
        message: String,
    },
    /// A condition or its saved groups cannot be read (code `condition.*`, see
    /// [`crate::offers::conditions::ConditionErrorKind`]).
    #[error(transparent)]
    Condition(#[from] crate::offers::conditions::ConditionError),
    /// A document or a part of it is over one of the engine's limits ([`crate::limits`]):
    /// code `limit.exceeded`.
    #[error("{doc}{} is over a limit: {message}", at(path))]
    Limit {
        doc: Doc,
        path: String,
        message: String,
    },
    /// A line of a transaction file could not be read.
    #[error("orders file line {line}{}: {message}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Row {
        line: u64,
        column: Option<String>,
        message: String,
    },
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at {path}")
    }
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(doc: Doc, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            doc,
            path: path.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Limit`].
    pub fn limit(doc: Doc, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Limit {
            doc,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The document the error is about.
    pub fn doc(&self) -> Doc {
        match self {
            Error::Syntax { doc, .. }
            | Error::Invalid { doc, .. }
            | Error::UnsupportedVersion { doc, .. }
            | Error::Limit { doc, .. } => *doc,
            Error::Row { .. } => Doc::Orders,
            Error::Loyalty { .. } => Doc::Customer,
            Error::Condition(_) => Doc::Condition,
        }
    }

    /// A stable machine-readable code: `<document>.<kind>`, e.g. `customer.invalid`, or a
    /// `loyalty.*` code for an account that cannot be replayed.
    pub fn code(&self) -> String {
        if let Error::Loyalty { code, .. } = self {
            return (*code).to_string();
        }
        if let Error::Condition(e) = self {
            return e.code().to_string();
        }
        if let Error::Limit { .. } = self {
            return crate::limits::CODE.to_string();
        }
        let kind = match self {
            Error::Syntax { .. } => "syntax",
            Error::Invalid { .. } => "invalid",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::Row { .. } => "invalid_row",
            Error::Loyalty { .. } => "loyalty",
            Error::Condition(_) => "condition",
            Error::Limit { .. } => "limit",
        };
        format!("{}.{kind}", self.doc())
    }

    /// What is wrong and where, without the document, for an error quoted inside another:
    /// `path: message` for an invalid value (`message` at the root), else the whole error.
    pub fn detail(&self) -> String {
        match self {
            Error::Invalid { path, message, .. } if path.is_empty() => message.clone(),
            Error::Invalid { path, message, .. } => format!("{path}: {message}"),
            other => other.to_string(),
        }
    }

    /// Where in the document: a JSON path (`orders[2].amount`), `line 12` for files, or `""`.
    pub fn path(&self) -> String {
        match self {
            Error::Invalid { path, .. }
            | Error::Loyalty { path, .. }
            | Error::Limit { path, .. } => path.clone(),
            Error::Condition(e) => e.path().to_string(),
            Error::Syntax { line, column, .. } => format!("line {line}, column {column}"),
            Error::UnsupportedVersion { .. } => "formatVersion".to_string(),
            Error::Row { line, column, .. } => match column {
                Some(c) => format!("line {line}, column {c}"),
                None => format!("line {line}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_names_its_first_names_shortened_then_how_many() {
        assert_eq!(listed(["a", "b"]), "a, b");
        assert_eq!(listed(Vec::<String>::new()), "");
        let many: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
        let first: Vec<&str> = many.iter().take(LISTED).map(String::as_str).collect();
        assert_eq!(
            listed(&many),
            format!("{}, … (1000 in all)", first.join(", "))
        );
        let long = "k".repeat(1 << 20);
        assert_eq!(
            listed([long.as_str()]),
            format!("{}… (1048576 bytes)", "k".repeat(32))
        );
    }

    #[test]
    fn a_value_shows_its_json_text_bounded() {
        assert_eq!(shown(&serde_json::json!(["a", 1])), r#"["a",1]"#);
        let long = serde_json::json!({ "k": "x".repeat(1 << 20) });
        assert_eq!(
            shown(&long),
            format!(r#"{{"k":"{}… (1048584 bytes)"#, "x".repeat(26))
        );
    }
}
