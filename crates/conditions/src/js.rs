//! JavaScript's coercions, as GrowthBook's `mongrule.ts` relies on them, over `serde_json`
//! values and without allocating.
//!
//! * [`JsString`] writes `String(v)`: `null` → `"null"`, numbers as `Number#toString` does
//!   (`1e21`, `1.5e-7`, `-0` → `"0"`), arrays joined with `,` (a `null` element is empty),
//!   objects → `"[object Object]"`.
//! * [`to_number`] is `v * 1`: `null` → 0, booleans → 0/1, strings by `StringToNumber`
//!   (trimmed, `""` → 0, `0x`/`0o`/`0b`, `Infinity`), arrays through their string form,
//!   objects → NaN.
//! * Strings compare by UTF-16 code units ([`cmp_utf16`]), as JS `<` does.
//! * Case folding is `char::to_lowercase` per character, which is JS `toLowerCase` except for
//!   the final-sigma rule (JS lowercases a word-final `Σ` to `ς`, this to `σ`).
//!
//! Attribute values nested deeper than [`MAX_STRING_DEPTH`] arrays are not turned into text
//! (the comparison is then false): `serde_json` already refuses documents nested deeper
//! than 128 levels.

use serde_json::Value;
use std::cmp::Ordering;
use std::fmt::{self, Write};

/// Arrays nested deeper than this are not written as text.
pub const MAX_STRING_DEPTH: usize = 128;

/// `String(v)` of a JSON value, written without allocating.
pub struct JsString<'a>(pub &'a Value);

impl fmt::Display for JsString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_js_string(f, self.0, 0, false)
    }
}

fn write_js_string<W: Write + ?Sized>(
    w: &mut W,
    v: &Value,
    depth: usize,
    in_array: bool,
) -> fmt::Result {
    match v {
        Value::Null if in_array => Ok(()),
        Value::Null => w.write_str("null"),
        Value::Bool(b) => w.write_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_js_number(w, n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => w.write_str(s),
        Value::Object(_) => w.write_str("[object Object]"),
        Value::Array(items) => {
            if depth >= MAX_STRING_DEPTH {
                return Err(fmt::Error);
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    w.write_char(',')?;
                }
                write_js_string(w, item, depth + 1, true)?;
            }
            Ok(())
        }
    }
}

/// A fixed-size text buffer on the stack.
pub struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        StackStr {
            buf: [0; N],
            len: 0,
        }
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so the prefix is valid UTF-8.
        self.buf
            .get(..self.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

impl<const N: usize> Default for StackStr<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes `Number#toString()` (radix 10) of `x`.
pub fn write_js_number<W: Write + ?Sized>(w: &mut W, x: f64) -> fmt::Result {
    if x.is_nan() {
        return w.write_str("NaN");
    }
    if x == 0.0 {
        return w.write_str("0");
    }
    if x.is_infinite() {
        return w.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if x < 0.0 {
        w.write_char('-')?;
    }
    // Rust's `{:e}` is the shortest representation that round-trips, as JS uses.
    let mut sci = StackStr::<40>::new();
    write!(sci, "{:e}", x.abs())?;
    let text = sci.as_str();
    let (mantissa, exp) = text.split_once('e').ok_or(fmt::Error)?;
    let exp: i32 = exp.parse().map_err(|_| fmt::Error)?;
    let mut digits = StackStr::<24>::new();
    for c in mantissa.chars().filter(char::is_ascii_digit) {
        digits.write_char(c)?;
    }
    let digits = digits.as_str();
    let k = digits.len() as i32;
    let n = exp + 1; // value = 0.d1d2... × 10^n
    if k <= n && n <= 21 {
        w.write_str(digits)?;
        for _ in 0..(n - k) {
            w.write_char('0')?;
        }
        Ok(())
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at_checked(n as usize).ok_or(fmt::Error)?;
        w.write_str(a)?;
        w.write_char('.')?;
        w.write_str(b)
    } else if -6 < n && n <= 0 {
        w.write_str("0.")?;
        for _ in 0..(-n) {
            w.write_char('0')?;
        }
        w.write_str(digits)
    } else {
        let (first, rest) = digits.split_at_checked(1).ok_or(fmt::Error)?;
        w.write_str(first)?;
        if !rest.is_empty() {
            w.write_char('.')?;
            w.write_str(rest)?;
        }
        let e = n - 1;
        write!(w, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

/// JS `WhiteSpace` and `LineTerminator` (what `String#trim` and `Number(s)` strip).
pub fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// JS `Number(s)` of a string.
pub fn string_to_number(s: &str) -> f64 {
    let s = s.trim_matches(is_js_space);
    if s.is_empty() {
        return 0.0;
    }
    let radix = |p: &str| match p {
        "0x" | "0X" => Some(16),
        "0o" | "0O" => Some(8),
        "0b" | "0B" => Some(2),
        _ => None,
    };
    if let Some(r) = s.get(..2).and_then(radix) {
        let digits = s.get(2..).unwrap_or("");
        if digits.is_empty() {
            return f64::NAN;
        }
        let mut v = 0.0f64;
        for c in digits.chars() {
            match c.to_digit(r) {
                Some(d) => v = v * f64::from(r) + f64::from(d),
                None => return f64::NAN,
            }
        }
        return v;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned == "Infinity" {
        return if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    // Rust also reads "inf", "nan" and "infinity"; JS reads only decimal literals here.
    let decimal = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let mantissa = unsigned.split(['e', 'E']).next().unwrap_or("");
    if !decimal || !mantissa.bytes().any(|b| b.is_ascii_digit()) {
        return f64::NAN;
    }
    s.parse::<f64>().unwrap_or(f64::NAN)
}

/// JS `v * 1` (`ToNumber`) of a JSON value.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => string_to_number(s),
        Value::Object(_) => f64::NAN,
        Value::Array(items) => match items.as_slice() {
            [] => 0.0,
            // Through `String(element)`: one element is its own text, `null` is "".
            [one] => element_to_number(one, 1),
            // Two or more elements are joined with ",", which is never a number.
            _ => f64::NAN,
        },
    }
}

fn element_to_number(v: &Value, depth: usize) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(_) | Value::Object(_) => f64::NAN,
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => string_to_number(s),
        Value::Array(items) => match items.as_slice() {
            [] => 0.0,
            [one] if depth < MAX_STRING_DEPTH => element_to_number(one, depth + 1),
            _ => f64::NAN,
        },
    }
}

/// JS truthiness (`!!v`).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The sort key of a character in UTF-16 code-unit order.
fn utf16_key(c: char) -> (u32, u32) {
    let mut units = [0u16; 2];
    match c.encode_utf16(&mut units) {
        [a] => (u32::from(*a), 0),
        [a, b] => (u32::from(*a), u32::from(*b)),
        _ => (0, 0),
    }
}

/// Compares two character sequences in UTF-16 code-unit order (JS string `<`).
pub fn cmp_chars(a: impl Iterator<Item = char>, mut b: impl Iterator<Item = char>) -> Ordering {
    for ca in a {
        match b.next() {
            None => return Ordering::Greater,
            Some(cb) => match utf16_key(ca).cmp(&utf16_key(cb)) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
    if b.next().is_some() {
        Ordering::Less
    } else {
        Ordering::Equal
    }
}

/// Compares two strings in UTF-16 code-unit order (JS string `<`).
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    cmp_chars(a.chars(), b.chars())
}

/// A `fmt::Write` sink that compares what is written with a target text, in UTF-16 order,
/// optionally lowercasing what is written (the target is given already lowercased).
pub struct CmpSink<'t> {
    target: std::str::Chars<'t>,
    lower: bool,
    ord: Ordering,
}

impl<'t> CmpSink<'t> {
    /// A sink comparing against `target`.
    pub fn new(target: &'t str, lower: bool) -> Self {
        CmpSink {
            target: target.chars(),
            lower,
            ord: Ordering::Equal,
        }
    }

    fn push(&mut self, c: char) {
        if self.ord != Ordering::Equal {
            return;
        }
        match self.target.next() {
            None => self.ord = Ordering::Greater,
            Some(t) => self.ord = utf16_key(c).cmp(&utf16_key(t)),
        }
    }

    /// The ordering of the written text against the target.
    pub fn finish(mut self) -> Ordering {
        if self.ord == Ordering::Equal && self.target.next().is_some() {
            Ordering::Less
        } else {
            self.ord
        }
    }
}

impl Write for CmpSink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.lower {
                for l in c.to_lowercase() {
                    self.push(l);
                }
            } else {
                self.push(c);
            }
        }
        Ok(())
    }
}

/// Compares `String(v)` (lowercased if `lower`) with `target`; `None` when `v` cannot be
/// written (nested too deep).
pub fn cmp_js_string(v: &Value, target: &str, lower: bool) -> Option<Ordering> {
    let mut sink = CmpSink::new(target, lower);
    write_js_string(&mut sink, v, 0, false).ok()?;
    Some(sink.finish())
}

/// Lowercases as the comparisons do (per character, see the module docs).
pub fn lowercase(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Whether two strings are equal after lowercasing both.
pub fn eq_lowercase(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// `JSON.stringify(a) === JSON.stringify(b)` for JSON values. Numbers compare as the doubles
/// JS reads (`1`, `1.0` and `-0`/`0` are equal); object keys are compared as sets (GrowthBook
/// compares serialized text, in which the same keys in another order differ: see the README).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => false,
    }
}

/// JS `===` between two JSON values as they reach an operator: only primitives can be equal
/// (two arrays or objects are different references).
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// JS `<`-family comparison (`IsLessThan`) of an attribute value with a number or string
/// operand; `None` when the result is undefined (a NaN is involved), which makes every
/// comparison false.
pub fn js_compare(actual: &Value, expected: &Value) -> Option<Ordering> {
    // ToPrimitive: arrays and objects become their string form.
    let actual_is_string = matches!(
        actual,
        Value::String(_) | Value::Array(_) | Value::Object(_)
    );
    if let (true, Value::String(e)) = (actual_is_string, expected) {
        return cmp_js_string(actual, e, false);
    }
    let a = to_number(actual);
    let b = to_number(expected);
    a.partial_cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(v: f64) -> String {
        let mut out = String::new();
        write_js_number(&mut out, v).unwrap();
        out
    }

    #[test]
    fn numbers_print_as_js() {
        assert_eq!(s(1.0), "1");
        assert_eq!(s(-0.0), "0");
        assert_eq!(s(1.5), "1.5");
        assert_eq!(s(1e21), "1e+21");
        assert_eq!(s(1e20), "100000000000000000000");
        assert_eq!(s(1.5e-7), "1.5e-7");
        assert_eq!(s(0.000001), "0.000001");
        assert_eq!(s(123456.789), "123456.789");
        assert_eq!(s(-2.5e-300), "-2.5e-300");
        assert_eq!(s(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn strings_to_numbers_as_js() {
        assert_eq!(string_to_number(" 12 "), 12.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x1F"), 31.0);
        assert!(string_to_number("-0x1F").is_nan());
        assert!(string_to_number("inf").is_nan());
        assert!(string_to_number("1e").is_nan());
        assert!(string_to_number(".").is_nan());
        assert_eq!(string_to_number("5."), 5.0);
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(to_number(&json!([["7"]])), 7.0);
        assert!(to_number(&json!([1, 2])).is_nan());
        assert!(to_number(&json!([true])).is_nan());
    }

    #[test]
    fn utf16_order() {
        // U+FF5E sorts after U+1F600 in UTF-16 (surrogates are 0xD800..), before it by code point.
        assert_eq!(cmp_utf16("\u{FF5E}", "\u{1F600}"), Ordering::Greater);
        assert_eq!(cmp_utf16("a", "ab"), Ordering::Less);
    }
}
