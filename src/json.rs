//! Reading documents with the path of every error.
//!
//! Every document (customer, options, model, programme) is deserialized through
//! `serde_path_to_error`, so a type error says where it is (`orders[3].amount`), whether the
//! input came as JSON text (CLI, Node strings) or as a JS object (wasm, through
//! `serde-wasm-bindgen`).

use crate::error::{Doc, Error};
use serde::de::{DeserializeOwned, Deserializer};

/// Formats a `serde_path_to_error` path as `orders[3].at` (the root is `""`).
pub fn path_string(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." {
        String::new()
    } else {
        p
    }
}

/// Deserializes `T` from any serde deserializer, turning errors into [`Error::Invalid`] with
/// the JSON path where they happened.
pub fn from_deserializer<'de, T, D>(doc: Doc, de: D) -> Result<T, Error>
where
    T: serde::Deserialize<'de>,
    D: Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = path_string(e.path());
        Error::invalid(doc, path, clean_message(&e.into_inner().to_string()))
    })
}

/// Parses `T` from JSON text; syntax errors give a line and column, the others a JSON path.
///
/// The text is parsed into a [`serde_json::Value`] first and read from there, the same path as
/// JS objects take in wasm: one deserializer for every document keeps the wasm module small
/// (each extra deserializer type duplicates every document's serde code).
pub fn from_str<T: DeserializeOwned>(doc: Doc, text: &str) -> Result<T, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Syntax {
        doc,
        line: e.line(),
        column: e.column(),
        message: clean_message(&e.to_string()),
    })?;
    from_value(doc, value)
}

fn not_an_object(doc: Doc, kind: &str) -> Error {
    Error::invalid(
        doc,
        "",
        format!("the {doc} must be a JSON object {{...}}, got {kind}"),
    )
}

/// Reads `T` from a JSON value (the wasm layer's JS objects), which must be an object.
pub fn from_value<T: DeserializeOwned>(doc: Doc, value: serde_json::Value) -> Result<T, Error> {
    let kind = match &value {
        serde_json::Value::Object(_) => return from_deserializer(doc, value),
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Null => "null",
    };
    Err(not_an_object(doc, kind))
}

/// serde_json appends " at line L column C" to its messages; the path or line is reported
/// separately, so it is cut off here.
fn clean_message(message: &str) -> String {
    let message = message.trim_start_matches("Error: ");
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

/// Appends a field or index to a JSON path.
pub fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Appends an index to a JSON path: `orders` + 3 = `orders[3]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
