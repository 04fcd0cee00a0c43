//! Reading documents with the path of every error.
//!
//! Every document (customer, options, model, programme) is read from JSON text through
//! `serde_path_to_error`, so a type error says where it is (`orders[3].amount`). JS objects
//! reach it as JSON text too (the wasm layer calls `JSON.stringify`). Reading without path
//! tracking first and again with it only on error would parse about twice as fast but grows the
//! wasm module by 13 % (a second monomorphization of every document's serde code): the size
//! matters more to a storefront than ~10 µs per decision.

use crate::error::{Doc, Error};
use serde::de::DeserializeOwned;

/// Formats a `serde_path_to_error` path as `orders[3].at` (the root is `""`).
pub fn path_string(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." {
        String::new()
    } else {
        p
    }
}

/// Parses `T` from JSON text; syntax errors give a line and column, the others a JSON path.
///
/// This is the one deserializer every document goes through (JS objects are handed over as
/// JSON text by the wasm layer): besides being the fastest path, a single deserializer type
/// keeps the wasm module small, as serde code is generated per deserializer.
pub fn from_str<T: DeserializeOwned>(doc: Doc, text: &str) -> Result<T, Error> {
    // serde would read a struct from a JSON array too (by position); documents are objects.
    let kind = match text.trim_start().as_bytes().first() {
        Some(b'[') => Some("an array"),
        Some(b'"') => Some("a string"),
        Some(b'-' | b'0'..=b'9') => Some("a number"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        _ => None,
    };
    if let Some(kind) = kind {
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Err(not_an_object(doc, kind));
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = path_string(e.path());
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            Error::Syntax {
                doc,
                line: inner.line(),
                column: inner.column(),
                message: clean_message(&inner.to_string()),
            }
        } else {
            Error::invalid(doc, path, clean_message(&inner.to_string()))
        }
    })?;
    de.end().map_err(|e| Error::Syntax {
        doc,
        line: e.line(),
        column: e.column(),
        message: "unexpected text after the end of the document".into(),
    })?;
    Ok(value)
}

/// Parses any JSON value (conditions and attributes, whose shape their own readers check);
/// syntax errors give a line and column.
pub fn value_from_str(doc: Doc, text: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::Syntax {
        doc,
        line: e.line(),
        column: e.column(),
        message: clean_message(&e.to_string()),
    })
}

fn not_an_object(doc: Doc, kind: &str) -> Error {
    Error::invalid(
        doc,
        "",
        format!("the {doc} must be a JSON object {{...}}, got {kind}"),
    )
}

/// serde_json appends " at line L column C" to its messages; the path or line is reported
/// separately, so it is cut off here.
fn clean_message(message: &str) -> String {
    let message = message.trim_start_matches("Error: ");
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    };
    if message.starts_with("invalid type: null") {
        // JSON has no NaN or Infinity: JSON.stringify turns them into null.
        format!("{message} (NaN and Infinity are not numbers in JSON: they arrive as null)")
    } else {
        message.to_string()
    }
}

/// JSON paths in errors are written one way everywhere: `orders[3].amount`.
pub use offerwise_conditions::jsonpath::{index, join};
