//! Reading documents with the path of every error.
//!
//! Every document (customer, options, model, programme) is read from JSON text by serde_json
//! directly, and a type error says where it is (`orders[3].amount`): serde_json reports the
//! byte where it stopped, and [`path_at`] walks the text up to that byte to name the value
//! being read there. JS objects reach it as JSON text too (the wasm layer calls
//! `JSON.stringify`).
//!
//! Until 0.1 the path came from `serde_path_to_error`, which wraps every deserializer and
//! visitor and so generates all the documents' serde code a second time: 331 KB of the 2.6 MB
//! storefront wasm before wasm-opt. Working the path out from the error's position after the
//! fact costs nothing on the success path and gives the same paths (the unit tests below and
//! every error-path test of the crate check them).

use crate::error::{Doc, Error};
use offerwise_conditions::quote::{cut, WHOLE};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt::Write as _;

/// 2^53 − 1, the largest integer a JSON number read by JavaScript holds exactly: what the
/// engine computes or records as an integer (points, a training seed) stays within it, the
/// same natively and in wasm (the wasm build could not even return a larger one).
pub const MAX_EXACT_INTEGER: u64 = (1 << 53) - 1;

/// The JSON path (`orders[3].at`, the root `""`) of the value serde_json was reading when it
/// stopped at byte `offset` of `text`.
///
/// A value's path lasts until the `,` or closing bracket after it, so an error reported just
/// after a value (a wrong type, a failed check) or after an object's `}` (a missing field)
/// names that value; an object key counts as soon as it is read (an unknown field is named).
pub fn path_at(text: &str, offset: usize) -> String {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object(key)) => *key = None,
                Some(Frame::Array(n)) => *n += 1,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                while j < end && (escaped || bytes[j] != b'"') {
                    escaped = !escaped && bytes[j] == b'\\';
                    j += 1;
                }
                if j >= end {
                    break; // the error is inside this string
                }
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    let raw = &text[start - 1..=j];
                    *key = Some(
                        serde_json::from_str::<String>(raw)
                            .unwrap_or_else(|_| text[start..j].to_string()),
                    );
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => path = join(&path, key),
            Frame::Object(None) => {}
            Frame::Array(n) => path = index(&path, *n),
        }
    }
    path
}

/// Deserializes an object with `read` inside one serde_json call, for types serde buffers
/// before reading them (internally tagged enums): their errors then surface at the object
/// (`operations[2]`) instead of after the enclosing array or object, which is all
/// [`path_at`] could name otherwise.
pub(crate) fn object_in_place<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
    read: fn(serde_json::Value) -> Result<T, serde_json::Error>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visit<T> {
        expecting: &'static str,
        read: fn(serde_json::Value) -> Result<T, serde_json::Error>,
    }
    impl<'de, T> serde::de::Visitor<'de> for Visit<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            use serde::Deserialize;
            let value =
                serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            (self.read)(value).map_err(|e| serde::de::Error::custom(clean_message(&e.to_string())))
        }
    }
    deserializer.deserialize_map(Visit { expecting, read })
}

/// The byte offset of serde_json's 1-based `line` and `column` (the bytes read on that line).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (start + column).min(text.len())
}

/// Parses `T` from JSON text; syntax errors give a line and column, the others a JSON path.
///
/// This is the one deserializer every document goes through (JS objects are handed over as
/// JSON text by the wasm layer): besides being the fastest path, a single deserializer type
/// keeps the wasm module small, as serde code is generated per deserializer.
pub fn from_str<T: DeserializeOwned>(doc: Doc, text: &str) -> Result<T, Error> {
    crate::limits::check_size(doc, text.len())?;
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
    let value = T::deserialize(&mut de).map_err(|e| {
        if crate::limits::is_too_deep(&e) {
            crate::limits::too_deep(doc, path_at(text, offset_of(text, e.line(), e.column())))
        } else if e.is_syntax() || e.is_eof() {
            Error::Syntax {
                doc,
                line: e.line(),
                column: e.column(),
                message: clean_message(&e.to_string()),
            }
        } else {
            let path = path_at(text, offset_of(text, e.line(), e.column()));
            Error::invalid(doc, path, clean_message(&e.to_string()))
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
    crate::limits::check_size(doc, text.len())?;
    serde_json::from_str(text).map_err(|e| {
        if crate::limits::is_too_deep(&e) {
            crate::limits::too_deep(doc, path_at(text, offset_of(text, e.line(), e.column())))
        } else {
            Error::Syntax {
                doc,
                line: e.line(),
                column: e.column(),
                message: clean_message(&e.to_string()),
            }
        }
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
    // serde quotes the caller's text whole (`unknown variant `…``): a long one is shortened.
    let message = bound_library_message(message);
    let message = message.as_ref();
    if message.starts_with("invalid type: null") {
        // JSON has no NaN or Infinity: JSON.stringify turns them into null.
        format!("{message} (NaN and Infinity are not numbers in JSON: they arrive as null)")
    } else {
        message.to_string()
    }
}

/// The longest message another library's error may make ([`bound_library_message`]).
const MAX_LIBRARY_MESSAGE: usize = 2048;

/// A message from another library (serde's `unknown variant `…``, `invalid type: string
/// "…"`, serde-wasm-bindgen's `JsValue(Object({…}))`) bounded as [`crate::error::quoted`]
/// bounds the caller's text: every backquoted or double-quoted text of over [`WHOLE`]
/// characters shows its first 32 and its length in bytes (as quoted), and what is still
/// over [`MAX_LIBRARY_MESSAGE`] bytes is cut there.
pub(crate) fn bound_library_message(message: &str) -> Cow<'_, str> {
    if message.len() <= WHOLE {
        return Cow::Borrowed(message);
    }
    let mut out = String::new();
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = if rest.get(open..=open) == Some("`") {
            '`'
        } else {
            '"'
        };
        let after = rest.get(open + 1..).unwrap_or("");
        // The closing quote; inside "…" not one a backslash escapes.
        let mut escaped = false;
        let Some(close) = after.find(|c: char| {
            let end = !escaped && c == quote;
            escaped = !escaped && c == '\\' && quote == '"';
            end
        }) else {
            break;
        };
        let inner = after.get(..close).unwrap_or("");
        out.push_str(rest.get(..=open).unwrap_or(""));
        match cut(inner) {
            Some((head, _)) => {
                // Not a backslash that would escape the closing quote.
                let odd = head.len() - head.trim_end_matches('\\').len();
                out.push_str(head.get(..head.len() - odd % 2).unwrap_or(head));
                let _ = write!(out, "{quote}… ({} bytes)", inner.len());
            }
            None => {
                out.push_str(inner);
                out.push(quote);
            }
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    if out.len() > MAX_LIBRARY_MESSAGE {
        let mut end = MAX_LIBRARY_MESSAGE;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        let bytes = out.len();
        out.truncate(end);
        let _ = write!(out, "… ({bytes} bytes)");
    }
    Cow::Owned(out)
}

/// JSON paths in errors are written one way everywhere: `orders[3].amount`.
pub use offerwise_conditions::jsonpath::{index, join};

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        at: String,
        qty: u32,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc1 {
        id: String,
        lines: Vec<Line>,
        #[serde(default)]
        extra: BTreeMap<String, Vec<u32>>,
    }

    fn path_of(text: &str) -> String {
        match from_str::<Doc1>(Doc::Customer, text) {
            Err(Error::Invalid { path, .. }) => path,
            other => panic!("expected an invalid-document error, got {other:?}"),
        }
    }

    #[test]
    fn library_messages_have_their_long_quoted_text_shortened() {
        let x = |n: usize| "x".repeat(n);
        let long = x(1 << 20);
        assert_eq!(
            bound_library_message(&format!(
                "unknown variant `{long}`, expected one of `a`, `b`"
            )),
            format!(
                "unknown variant `{}`… (1048576 bytes), expected one of `a`, `b`",
                x(32)
            )
        );
        // serde's invalid type quotes as Debug does; an escaped quote is not the end.
        let escaped = format!(
            r#"invalid type: string "{}\"{}", expected a number"#,
            x(40),
            x(40)
        );
        assert_eq!(
            bound_library_message(&escaped),
            format!(
                r#"invalid type: string "{}"… (82 bytes), expected a number"#,
                x(32)
            )
        );
        // The text is never cut after a backslash that would escape the closing quote.
        let slashes = format!("string \"{}\\\\{}\"", x(31), x(40));
        assert_eq!(
            bound_library_message(&slashes),
            format!("string \"{}\"… (73 bytes)", x(31))
        );
        // serde-wasm-bindgen writes the JS value it could not read.
        let js =
            format!("invalid type: JsValue(Object({{\"since\":\"{long}\"}})), expected a tuple");
        assert_eq!(
            bound_library_message(&js),
            format!(
                "invalid type: JsValue(Object({{\"since\":\"{}\"… (1048576 bytes)}})), expected a tuple",
                x(32)
            )
        );
        let short = "unknown field `colour`, expected `color`";
        assert_eq!(bound_library_message(short), short);
        // An unpaired quote is left as it is, and what is still long is cut.
        let odd = format!("unknown variant `{}", x(100));
        assert_eq!(bound_library_message(&odd), odd);
        let many = "`a` ".repeat(1000);
        let cut = bound_library_message(&many);
        assert!(
            cut.len() < MAX_LIBRARY_MESSAGE + 20 && cut.ends_with("… (4000 bytes)"),
            "{cut}"
        );
    }

    #[test]
    fn the_path_names_the_value_where_reading_stopped() {
        let cases = [
            (r#"{"id": 1, "lines": []}"#, "id"),
            (
                r#"{"id": "a", "lines": [{"at": "x", "qty": "2"}]}"#,
                "lines[0].qty",
            ),
            (
                r#"{"id":"a","lines":[{"at":"x","qty":1},{"at":"y","qty":-1}]}"#,
                "lines[1].qty",
            ),
            (
                r#"{"id":"a","lines":[{"at":"x","qty":1},{"qty":1}]}"#,
                "lines[1]",
            ),
            (
                r#"{"id":"a","lines":[{"at":"x","qty":1,"qyt":2}]}"#,
                "lines[0].qyt",
            ),
            (
                r#"{"id":"a","lines":[{"at":"x","qty":1,"tags":["a",{}]}]}"#,
                "lines[0].tags[1]",
            ),
            (
                r#"{"id":"a","lines":[],"extra":{"k\"ey":[1,"2"]}}"#,
                "extra.k\"ey[1]",
            ),
            (
                r#"{"id":"a","lines":[{"at":{"deep":[1]},"qty":1}]}"#,
                "lines[0].at",
            ),
            (r#"{"id":"a","lines":{}}"#, "lines"),
            (r#"{"lines": []}"#, ""),
            (
                "{\n  \"id\": \"a\",\n  \"lines\": [\n    {\"at\": \"x\", \"qty\": true}\n  ]\n}",
                "lines[0].qty",
            ),
            (
                r#"{"id":"é, ü","lines":[{"at":"ß]{","qty":1.5}]}"#,
                "lines[0].qty",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(path_of(text), want, "{text}");
        }
    }

    #[test]
    fn a_buffered_enum_is_named_at_its_object() {
        let text = r#"{"operations":[{"type":"earn","key":"k","at":"2024-01-01","points":5},
            {"type":"earn","key":"k2","at":"2024-01-01","points":"ten"}]}"#;
        let e = from_str::<crate::loyalty::input::AccountInput>(Doc::Customer, text)
            .err()
            .map(|e| e.path());
        assert_eq!(e.as_deref(), Some("operations[1]"));
        let e = from_str::<crate::loyalty::input::AccountInput>(
            Doc::Customer,
            r#"{"operations":["earn"]}"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            e.contains("operations[0]") && e.contains("an operation object"),
            "{e}"
        );
    }
}
