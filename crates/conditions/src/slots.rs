//! A condition set's slots filled by a reader outside Rust: the wasm build's reader of JS
//! objects (`src/wasm/facts.js`) walks the paths itself and hands over, per slot, a kind
//! ([`KIND_NULL`] ... [`KIND_JSON`]) and a number (the value, or the UTF-16 length of a string
//! or JSON text), with the strings and texts concatenated in slot order as UTF-8.

use super::set::{ConditionSet, Facts};
use serde_json::{Number, Value};

/// `null` (also a missing value).
pub const KIND_NULL: u8 = 0;
/// `false`.
pub const KIND_FALSE: u8 = 1;
/// `true`.
pub const KIND_TRUE: u8 = 2;
/// A finite number below 2^53 in magnitude, in the slot's number.
pub const KIND_NUMBER: u8 = 3;
/// A string: its UTF-16 length in the slot's number, its text next in the text.
pub const KIND_STRING: u8 = 4;
/// Any value as JSON text: its UTF-16 length in the slot's number, the text next in the text.
pub const KIND_JSON: u8 = 5;

impl ConditionSet {
    /// Fills `facts` from a reader's `kinds`, `nums` and `text` (one kind and number per
    /// slot); `false` when something is not as the module docs say or a JSON text does not
    /// read (then `facts` is not to be used: read the attributes another way).
    pub fn fill_slots(&self, facts: &mut Facts, kinds: &[u8], nums: &[f64], text: &str) -> bool {
        let slots = self.slots_mut(facts);
        if kinds.len() < slots.len() || nums.len() < slots.len() {
            return false;
        }
        fill(slots, kinds, nums, text, text.is_ascii())
    }
}

/// The slots from the reader's kinds, numbers and text; `false` when something cannot be
/// read (then the object is read as JSON text).
fn fill(slots: &mut [Value], kinds: &[u8], nums: &[f64], text: &str, ascii: bool) -> bool {
    let mut pos = 0;
    for ((slot, &kind), &num) in slots.iter_mut().zip(kinds).zip(nums) {
        match kind {
            KIND_NULL => *slot = Value::Null,
            KIND_FALSE => *slot = Value::Bool(false),
            KIND_TRUE => *slot = Value::Bool(true),
            KIND_NUMBER => *slot = js_number(num),
            KIND_STRING | KIND_JSON => {
                // The length is in UTF-16 code units.
                let units = num as usize;
                let end = if ascii {
                    pos + units
                } else {
                    match utf16_end(text, pos, units) {
                        Some(end) => end,
                        None => return false,
                    }
                };
                let Some(piece) = text.get(pos..end) else {
                    return false;
                };
                pos = end;
                if kind == KIND_STRING {
                    match slot {
                        Value::String(s) => {
                            s.clear();
                            s.push_str(piece);
                        }
                        other => *other = Value::String(piece.to_owned()),
                    }
                } else {
                    match serde_json::from_str(piece) {
                        Ok(v) => *slot = v,
                        Err(_) => return false,
                    }
                }
            }
            _ => return false,
        }
    }
    pos == text.len()
}

/// Where the text that starts at byte `from` ends after `units` UTF-16 code units.
fn utf16_end(text: &str, from: usize, units: usize) -> Option<usize> {
    let mut left = units;
    let rest = text.get(from..)?;
    for (i, c) in rest.char_indices() {
        if left == 0 {
            return Some(from + i);
        }
        left = left.checked_sub(c.len_utf16())?;
    }
    (left == 0).then_some(text.len())
}

/// A finite JS number below 2^53 in magnitude as JSON text of it reads (`JSON.stringify`, then
/// `serde_json`): an integer as an integer (`-0` as `0`), anything else as the same double.
fn js_number(x: f64) -> Value {
    if x.fract() == 0.0 {
        if x >= 0.0 {
            return Value::Number(Number::from(x as u64));
        }
        return Value::Number(Number::from(x as i64));
    }
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_their_json_text_does() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            -2.5e-7,
            9007199254740991.0,
            -9007199254740991.0,
        ] {
            let text = if x == 0.0 {
                "0".to_string()
            } else {
                format!("{x}")
            };
            let want: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(js_number(x), want, "{x}");
        }
    }

    #[test]
    fn strings_split_by_utf16_units() {
        let text = "ab\u{e9}\u{1f600}x";
        assert_eq!(utf16_end(text, 0, 2), Some(2));
        assert_eq!(utf16_end(text, 2, 1), Some(4));
        assert_eq!(utf16_end(text, 4, 2), Some(8));
        assert_eq!(utf16_end(text, 4, 1), None);
        assert_eq!(utf16_end(text, 8, 1), Some(9));
        let mut slots = vec![Value::Null; 3];
        assert!(fill(
            &mut slots,
            &[KIND_STRING, KIND_JSON, KIND_NUMBER],
            &[3.0, 5.0, 7.0],
            "ab\u{e9}[1,2]",
            false
        ));
        assert_eq!(
            slots,
            [
                Value::from("ab\u{e9}"),
                serde_json::json!([1, 2]),
                Value::from(7)
            ]
        );
    }
}
