//! Lenient mode: a storefront still shows something when its data is slightly off.
//!
//! Strict is the default everywhere (the CLI, the data build, the Python package, and every
//! call without `lenient: true`): the first problem is a typed error with its path. In lenient
//! mode (`{"lenient": true}` in the options; the `<offerwise-offers>` widget's default) a
//! decision leaves out what it can do without and reports each thing left out in the result's
//! `warnings`, with the code, the path and the reason the strict mode would have failed with:
//!
//! | left out | warning code |
//! |---|---|
//! | a field this version does not know (`orders[2].coupon`, `context.referrer`) | `<document>.unknown_field` |
//! | an order that does not read or check: an order dated a few minutes after `now` by a skewed clock, a negative amount | `customer.order_skipped` |
//! | an offer-history event that does not read or check | `customer.event_skipped` |
//! | the customer's `loyalty` account or `attributes` when they do not read, or the account cannot be replayed | `customer.section_skipped` |
//! | the options' `cart`, `context`, `budgets`, `ids`, `forceVariants`, `assignments` or `timeZoneOffsetMinutes` when they do not read | `options.section_skipped` |
//!
//! What a decision cannot do without (the customer's `id`, the options' `now`, a syntax error,
//! a limit) fails as in strict mode. Nothing is dropped without a warning, and at most
//! [`MAX_SKIPS`] things are, with at most [`MAX_REREAD_BYTES`] read again: past that the call
//! fails with the error it would have had.

use crate::customer::Customer;
use crate::engine::Warning;
use crate::error::{Doc, Error};
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// The most parts one call leaves out before it fails as strict mode does.
pub const MAX_SKIPS: usize = 100;

/// The most text one call reads again after leaving parts out (each part left out means
/// reading the documents again): 2 MiB, so a large customer gets fewer skips than a small one
/// (a 20 KB customer its 100, a 100 KB one 20, a megabyte one 2) and what lenient mode adds to
/// a call stays within tens of milliseconds in wasm. (It was 16 MiB until the wasm fuzzing
/// found a 83 KB customer with 92 unknown fields in its loyalty operations: 92 reads, 130 to
/// 260 ms per call.)
pub const MAX_REREAD_BYTES: usize = 2 << 20;

/// Whether options given as JSON text ask for lenient mode (`"lenient": true` at the top),
/// and the options without that flag (the engine's options do not have it: it is the call's).
/// Options that do not mention it are returned as they are.
///
/// Lenient mode works on the documents' text (a part left out is cut out of it) and reads them
/// with the strict reader, so errors and paths are strict mode's, and no second JSON
/// representation is built (the storefront build stays small).
pub fn requested(options: &str) -> Result<(bool, Cow<'_, str>), Error> {
    if !options.contains("\"lenient\"") {
        return Ok((false, options.into()));
    }
    let Some(span) = span_at(options, &[Step::Key("lenient")]) else {
        return Ok((false, options.into()));
    };
    let flag = match options[span.value.0..span.value.1].trim() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(Error::invalid(
                Doc::Options,
                "lenient",
                "lenient is true (leave out what can be left out, with warnings) or false",
            ))
        }
    };
    Ok((flag, cut(options, &span).into()))
}

/// A customer's and the options' documents as read so far, the parts left out, and why.
///
/// Strict calls go through it too (nothing is then left out), so that a call has one path.
pub struct Inputs<'a> {
    /// `None` for a prepared customer's page view (only the options are read).
    customer: Option<Cow<'a, str>>,
    options: Cow<'a, str>,
    lenient: bool,
    /// The indices, in the document as given, of the orders and offer-history events left
    /// out (ascending), so that warnings name elements as the caller wrote them.
    removed: [Vec<usize>; 2],
    /// What was left out, in the order it was.
    pub warnings: Vec<Warning>,
}

/// The customer's arrays whose elements may be left out one by one.
const ARRAYS: [&str; 2] = ["orders", "offerHistory"];

impl<'a> Inputs<'a> {
    /// The customer's (`None` for a prepared customer's page view) and the options' JSON
    /// text, read leniently or not.
    pub fn new(customer: Option<&'a str>, options: Cow<'a, str>, lenient: bool) -> Inputs<'a> {
        Inputs {
            customer: customer.map(Cow::Borrowed),
            options,
            lenient,
            removed: [Vec::new(), Vec::new()],
            warnings: Vec::new(),
        }
    }

    /// Runs `f` on the documents, leaving out a part and running it again each time the
    /// customer or the options fail on one that can be left out.
    pub fn run<O: DeserializeOwned, T>(
        &mut self,
        mut f: impl FnMut(Option<Customer>, O) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut skips = 0;
        let mut reread = 0usize;
        loop {
            let customer = match &self.customer {
                Some(c) => crate::json::from_str(Doc::Customer, c).map(Some),
                None => Ok(None),
            };
            let attempt = customer.and_then(|customer| {
                crate::json::from_str(Doc::Options, &self.options)
                    .and_then(|options| f(customer, options))
            });
            let e = match attempt {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            reread += self.customer.as_ref().map_or(0, |c| c.len()) + self.options.len();
            if !self.lenient
                || skips == MAX_SKIPS
                || reread > MAX_REREAD_BYTES
                || !self.leave_out(&e)
            {
                return Err(e);
            }
            skips += 1;
        }
    }

    /// [`Self::run`] for a call with a customer (inputs made with [`Self::new`]).
    pub fn run_with_customer<O: DeserializeOwned, T>(
        &mut self,
        mut f: impl FnMut(Customer, O) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.run(|c, o| match c {
            Some(c) => f(c, o),
            None => Err(Error::invalid(Doc::Customer, "", "the customer is missing")),
        })
    }

    /// Leaves out the part `e` is about, when it can be, with a warning.
    fn leave_out(&mut self, e: &Error) -> bool {
        let path = e.path();
        let (doc, code) = match e {
            Error::Loyalty { .. } if path.starts_with("cart") => (Doc::Options, "section_skipped"),
            // The account cannot be replayed: the decision goes on without it.
            Error::Loyalty { .. } => {
                return self.remove(Doc::Customer, "loyalty", "section_skipped", e);
            }
            Error::Invalid { doc, message, .. } if message.starts_with("unknown field") => {
                (*doc, "unknown_field")
            }
            Error::Invalid { doc, .. } => (*doc, "section_skipped"),
            _ => return false,
        };
        let (first, rest) = split_first(&path);
        let (at, code) = match (doc, first) {
            _ if code == "unknown_field" => (path.clone(), code),
            (Doc::Customer, "orders") => (indexed(first, rest), "order_skipped"),
            (Doc::Customer, "offerHistory") => (indexed(first, rest), "event_skipped"),
            (Doc::Customer, "loyalty" | "attributes") => (first.to_string(), code),
            (
                Doc::Options,
                "cart"
                | "context"
                | "budgets"
                | "ids"
                | "forceVariants"
                | "assignments"
                | "timeZoneOffsetMinutes",
            ) => (first.to_string(), code),
            _ => return false,
        };
        !at.is_empty() && self.remove(doc, &at, code, e)
    }

    fn remove(&mut self, doc: Doc, at: &str, code: &str, e: &Error) -> bool {
        let text = match (doc, &mut self.customer) {
            (Doc::Customer, Some(customer)) => customer,
            (Doc::Customer, None) => return false,
            _ => &mut self.options,
        };
        let Some(steps) = steps(at) else {
            return false;
        };
        let Some(span) = span_at(text, &steps) else {
            return false;
        };
        *text = Cow::Owned(cut(text, &span));
        // The path as the caller wrote it: `orders[i]` counts the orders given, not those left.
        let mut path = at.to_string();
        if let (Doc::Customer, [Step::Key(first), Step::Index(i), rest @ ..]) = (doc, &steps[..]) {
            if let Some(k) = ARRAYS.iter().position(|a| a == first) {
                let mut original = *i;
                for r in &self.removed[k] {
                    if *r <= original {
                        original += 1;
                    }
                }
                path = format!(
                    "{first}[{original}]{}",
                    &at[at.find(']').map_or(at.len(), |j| j + 1)..]
                );
                if rest.is_empty() {
                    let at = self.removed[k].partition_point(|r| *r < original);
                    self.removed[k].insert(at, original);
                }
            }
        }
        self.warnings.push(Warning {
            code: format!("{doc}.{code}"),
            path,
            message: format!("left out: {e}"),
        });
        true
    }
}

/// `orders[3].at` -> (`orders`, `[3].at`).
fn split_first(path: &str) -> (&str, &str) {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    (&path[..end], &path[end..])
}

/// `orders` + `[3].at` -> `orders[3]`.
fn indexed(first: &str, rest: &str) -> String {
    match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((i, _)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{first}[{i}]")
        }
        _ => String::new(),
    }
}

/// One step of a path: an object's key or an array's index.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `a.b[3].c` as steps (a path as the errors write them).
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut part = part;
        while let Some(open) = part.find('[') {
            if open > 0 {
                out.push(Step::Key(&part[..open]));
            }
            let close = open + part[open..].find(']')?;
            out.push(Step::Index(part[open + 1..close].parse().ok()?));
            part = &part[close + 1..];
        }
        if !part.is_empty() {
            out.push(Step::Key(part));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Where a value is in a document's text: the bytes to cut to leave it out (an object's
/// member with its key, or an array's element, with one neighbouring comma) and the value's.
#[derive(Debug, PartialEq)]
struct Span {
    cut: (usize, usize),
    value: (usize, usize),
}

fn cut(text: &str, span: &Span) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..span.cut.0]);
    out.push_str(&text[span.cut.1..]);
    out
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The byte after the string starting at `i` (a `"`).
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The byte after the value starting at `i`; nested values are skipped without recursion.
fn skip_value(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match *b.get(i)? {
            b'"' => i = skip_string(b, i)?,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' | b':' if depth > 0 => i += 1,
            c if c.is_ascii_whitespace() && depth > 0 => i += 1,
            b',' | b':' => return None,
            _ => {
                while i < b.len()
                    && !matches!(b[i], b',' | b'}' | b']' | b':')
                    && !b[i].is_ascii_whitespace()
                {
                    i += 1;
                }
            }
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

/// Whether the object key `name` is the one a path's step `step` names, whole or shortened
/// by [`offerwise_conditions::quote::key`].
fn key_matches(step: &str, name: &str) -> bool {
    step == name
        || (name.len() > offerwise_conditions::quote::WHOLE
            && offerwise_conditions::quote::key(name) == step)
}

/// The value at `path` in JSON text (`None` when the text has none there).
fn span_at(text: &str, path: &[Step]) -> Option<Span> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    for (n, step) in path.iter().enumerate() {
        let last = n + 1 == path.len();
        let (open, close) = match step {
            Step::Key(_) => (b'{', b'}'),
            Step::Index(_) => (b'[', b']'),
        };
        if *b.get(i)? != open {
            return None;
        }
        i += 1;
        let mut index = 0;
        loop {
            i = skip_ws(b, i);
            if *b.get(i)? == close {
                return None;
            }
            let start = i;
            let found = match step {
                Step::Key(key) => {
                    let end = skip_string(b, i)?;
                    let name: String = serde_json::from_str(text.get(i..end)?).ok()?;
                    i = skip_ws(b, end);
                    if *b.get(i)? != b':' {
                        return None;
                    }
                    i = skip_ws(b, i + 1);
                    key_matches(key, &name)
                }
                Step::Index(want) => index == *want,
            };
            if found && !last {
                break;
            }
            let value_start = i;
            i = skip_value(b, i)?;
            if found {
                let value = (value_start, i);
                let after = skip_ws(b, i);
                let cut = if b.get(after) == Some(&b',') {
                    (start, skip_ws(b, after + 1))
                } else {
                    // The last member: the comma before it goes.
                    let before = text[..start].trim_end();
                    if before.ends_with(',') {
                        (before.len() - 1, i)
                    } else {
                        (start, i)
                    }
                };
                return Some(Span { cut, value });
            }
            i = skip_ws(b, i);
            match *b.get(i)? {
                b',' => i += 1,
                c if c == close => return None,
                _ => return None,
            }
            index += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn engine() -> crate::Engine {
        crate::Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .unwrap()
    }

    fn decide(customer: &str, options: &str) -> Result<(Value, Vec<Warning>), Error> {
        let engine = engine();
        let (lenient, options) = requested(options)?;
        assert!(lenient);
        let mut inputs = Inputs::new(Some(customer), options, lenient);
        let d =
            inputs.run_with_customer(|c, o: crate::engine::DecideOptions| engine.decide(&c, &o))?;
        Ok((serde_json::to_value(d).unwrap(), inputs.warnings))
    }

    fn codes(w: &[Warning]) -> Vec<(&str, &str)> {
        w.iter()
            .map(|w| (w.code.as_str(), w.path.as_str()))
            .collect()
    }

    const NOW: &str = r#"{"now": "2024-06-01T12:00:00Z", "lenient": true}"#;

    #[test]
    fn clean_input_decides_as_strict_mode_without_warnings() {
        let customer = r#"{"id": "a", "orders": [{"at": "2024-05-01", "amount": 30}]}"#;
        let (d, w) = decide(customer, NOW).unwrap();
        assert!(w.is_empty());
        let strict = engine()
            .decide(
                &Customer::from_json(customer).unwrap(),
                &serde_json::from_str(r#"{"now": "2024-06-01T12:00:00Z"}"#).unwrap(),
            )
            .unwrap();
        assert_eq!(d, serde_json::to_value(strict).unwrap());
    }

    #[test]
    fn what_is_left_out_is_reported_with_its_path() {
        // An order 3 minutes after now (a skewed clock), a misspelt field, a negative amount,
        // an unreadable loyalty account, an unknown option, a cart that does not read.
        let customer = r#"{"id": "a", "orders": [
            {"at": "2024-05-01", "amount": 30},
            {"at": "2024-06-01T12:03:00Z", "amount": 12},
            {"at": "2024-05-02", "amount": 20, "coupon": "X"},
            {"at": "2024-05-03", "amount": -5}],
            "loyalty": {"operations": 7}, "favourite": "jazz"}"#;
        let options = r#"{"now": "2024-06-01T12:00:00Z", "lenient": true, "referrer": "x",
            "cart": {"items": "none"}}"#;
        let (d, w) = decide(customer, options).unwrap();
        let mut got = codes(&w);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("customer.order_skipped", "orders[1]"),
                ("customer.order_skipped", "orders[3]"),
                ("customer.section_skipped", "loyalty"),
                ("customer.unknown_field", "favourite"),
                ("customer.unknown_field", "orders[2].coupon"),
                ("options.section_skipped", "cart"),
                ("options.unknown_field", "referrer"),
            ]
        );
        assert!(w.iter().all(|w| w.message.starts_with("left out: ")));
        // The decision is strict mode's for what was left: the first order and the one whose
        // unknown field went, without the account, the cart and the unknown option.
        let left = r#"{"id": "a", "orders": [{"at": "2024-05-01", "amount": 30},
            {"at": "2024-05-02", "amount": 20}]}"#;
        let strict = engine()
            .decide(
                &Customer::from_json(left).unwrap(),
                &serde_json::from_str(r#"{"now": "2024-06-01T12:00:00Z"}"#).unwrap(),
            )
            .unwrap();
        assert_eq!(d, serde_json::to_value(strict).unwrap());
    }

    #[test]
    fn what_cannot_be_done_without_still_fails() {
        let no_id = decide(r#"{"orders": []}"#, NOW).unwrap_err();
        assert_eq!(no_id.code(), "customer.invalid");
        assert!(no_id.to_string().contains("missing field `id`"), "{no_id}");
        let bad_now = decide(r#"{"id": "a"}"#, r#"{"now": "soon", "lenient": true}"#).unwrap_err();
        assert_eq!(bad_now.path(), "now");
        assert_eq!(decide("{", NOW).unwrap_err().code(), "customer.syntax");
        assert_eq!(decide("[1]", NOW).unwrap_err().code(), "customer.invalid");
    }

    #[test]
    fn skips_are_bounded() {
        let orders: Vec<String> = (0..MAX_SKIPS + 5)
            .map(|i| format!(r#"{{"at": "2024-05-01", "amount": {}}}"#, -(i as i64) - 1))
            .collect();
        let customer = format!(r#"{{"id": "a", "orders": [{}]}}"#, orders.join(","));
        let e = decide(&customer, NOW).unwrap_err();
        assert_eq!(e.code(), "customer.invalid");
        assert_eq!(e.path(), "orders[0].amount");
    }

    #[test]
    fn a_long_unknown_key_is_named_short_and_still_left_out() {
        // The path names a 100 KB key by its start and length; leaving it out finds it by both.
        let long = format!("{}{}", "k".repeat(40), "y".repeat(100_000));
        let customer = format!(
            r#"{{"id": "a", "orders": [{{"at": "2024-05-01", "amount": 30}}], "{long}": 1}}"#
        );
        let (_, w) = decide(&customer, NOW).unwrap();
        let shown = offerwise_conditions::quote::key(&long);
        assert!(shown.len() < 80, "{shown}");
        assert_eq!(codes(&w), vec![("customer.unknown_field", shown.as_ref())]);
        assert!(w[0].message.len() < 400, "{}", w[0].message.len());
    }

    #[test]
    fn a_shortened_key_still_names_its_key() {
        let long = format!(
            "{}{}",
            "k".repeat(offerwise_conditions::quote::SHOWN),
            "tail".repeat(40)
        );
        let step = offerwise_conditions::quote::key(&long);
        assert!(key_matches(&step, &long));
        assert!(key_matches("country", "country"));
        assert!(!key_matches("country", "countr"));
        // Same start, another length; another start, same length.
        assert!(!key_matches(&step, &format!("{long}!")));
        let other = format!(
            "{}{}",
            "j".repeat(offerwise_conditions::quote::SHOWN),
            "tail".repeat(40)
        );
        assert!(!key_matches(&step, &other));
        // A key that merely looks shortened is matched as written.
        assert!(key_matches("a… (3 bytes)", "a… (3 bytes)"));
        assert!(!key_matches("a… (3 bytes)", "abc"));
    }
    #[test]
    fn rereading_is_bounded() {
        // About 128 KiB of customer with 30 orders that do not check: leaving them all out
        // would read 3.75 MiB again; the call stops within 2 MiB and fails as strict mode.
        let pad = "x".repeat(1 << 17);
        let orders: Vec<String> = (0..30)
            .map(|i| format!(r#"{{"at": "2024-05-01", "amount": {}}}"#, -(i + 1)))
            .collect();
        let customer = format!(
            r#"{{"id": "a", "attributes": {{"pad": "{pad}"}}, "orders": [{}]}}"#,
            orders.join(",")
        );
        let e = decide(&customer, NOW).unwrap_err();
        assert_eq!(
            (e.code().as_str(), e.path().as_str()),
            ("customer.invalid", "orders[0].amount")
        );
        // Small documents get their 100 skips.
        let small = format!(r#"{{"id": "a", "orders": [{}]}}"#, orders.join(","));
        let (_, w) = decide(&small, NOW).unwrap();
        assert_eq!(w.len(), 30);
    }

    #[test]
    fn parts_are_cut_from_the_text() {
        let text = r#"{"a": {"b": [1, {"c": 2, "d": "]"}], "e\u0021": [3]}, "z": 0}"#;
        let remove = |t: &str, p: &str| span_at(t, &steps(p).unwrap()).map(|s| cut(t, &s));
        assert_eq!(
            remove(text, "a.b[1].c").unwrap(),
            r#"{"a": {"b": [1, {"d": "]"}], "e\u0021": [3]}, "z": 0}"#
        );
        assert_eq!(
            remove(text, "a.b[1]").unwrap(),
            r#"{"a": {"b": [1], "e\u0021": [3]}, "z": 0}"#
        );
        assert_eq!(
            remove(text, "a.b[0]").unwrap(),
            r#"{"a": {"b": [{"c": 2, "d": "]"}], "e\u0021": [3]}, "z": 0}"#
        );
        assert_eq!(
            remove(text, "a.e!").unwrap(),
            r#"{"a": {"b": [1, {"c": 2, "d": "]"}]}, "z": 0}"#
        );
        assert_eq!(
            remove(text, "z").unwrap(),
            r#"{"a": {"b": [1, {"c": 2, "d": "]"}], "e\u0021": [3]}}"#
        );
        assert_eq!(remove(r#"{"only": 1}"#, "only").unwrap(), "{}");
        for missing in ["a.b[5]", "x.y", "a.b.c", "z[0]"] {
            assert_eq!(remove(text, missing), None, "{missing}");
        }
        for broken in ["", "{", r#"{"a": [1,"#, r#"{"a": "#, "[1, 2"] {
            assert_eq!(remove(broken, "a[1]"), None);
        }
        let flag = |t: &str| requested(t).map(|(f, o)| (f, o.into_owned()));
        assert_eq!(flag(r#"{"lenient": true}"#).unwrap(), (true, "{}".into()));
        assert_eq!(
            flag(r#"{"now": 1, "lenient": false}"#).unwrap(),
            (false, r#"{"now": 1}"#.into())
        );
        assert_eq!(
            flag(r#"{"now": 1}"#).unwrap(),
            (false, r#"{"now": 1}"#.into())
        );
        assert_eq!(flag(r#"{"lenient": 1}"#).unwrap_err().path(), "lenient");
    }
}
