//! Attributes taken into the wasm memory for a [`ConditionSet`] by `facts.js`, into buffers
//! kept from one call to the next:
//!
//! * from a JS object, without `JSON.stringify`: the reader walks only the paths the set reads
//!   and writes each value (a kind and a number per slot, strings as UTF-8), which this module
//!   turns into the set's [`Facts`]. The values are those JSON would carry, so the answers are
//!   the same as for the object's JSON text; whatever the reader does not handle itself it
//!   leaves to that text (see `facts.js`);
//! * from JSON text, encoded with `TextEncoder.encodeInto` straight into the buffer
//!   (wasm-bindgen's own string passing copies ASCII a character at a time in JS: 1.3 µs for
//!   the 531 characters of the benchmark's attributes, against 0.12 µs).

use crate::offers::conditions::{ConditionSet, Facts};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/facts.js")]
extern "C" {
    #[wasm_bindgen(js_name = newReader)]
    fn new_reader(tree: &str) -> JsValue;

    #[wasm_bindgen(js_name = encodeText)]
    fn encode_text(memory: &JsValue, text: &JsValue, ptr: u32, cap: u32) -> i32;

    #[wasm_bindgen(js_name = readFacts)]
    fn read_facts(
        reader: &JsValue,
        memory: &JsValue,
        attrs: &JsValue,
        kinds: u32,
        nums: u32,
        text: u32,
        text_cap: u32,
    ) -> i32;
}

/// The JS reader of one [`ConditionSet`] and the buffers it writes into.
pub(crate) struct JsReader {
    /// The set's path tree in JS, made on the first object read.
    tree: Option<JsValue>,
    memory: JsValue,
    kinds: Vec<u8>,
    nums: Vec<f64>,
    text: Vec<u8>,
}

impl JsReader {
    pub(crate) fn new(set: &ConditionSet) -> JsReader {
        let n = set.slot_count();
        JsReader {
            tree: None,
            memory: wasm_bindgen::memory(),
            kinds: vec![0; n],
            nums: vec![0.0; n],
            text: vec![0; 256],
        }
    }

    /// A JS string as UTF-8 (lone surrogates become U+FFFD, as wasm-bindgen's own passing
    /// does); `None` when `text` is not a string.
    pub(crate) fn text(&mut self, text: &JsValue) -> Option<&str> {
        let memory = &self.memory;
        let written = with_room(&mut self.text, |ptr, cap| {
            encode_text(memory, text, ptr, cap)
        })?;
        self.text
            .get(..written)
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Reads `attrs` (an object) into `facts`; `false` when it must be read as JSON text
    /// instead.
    pub(crate) fn read(&mut self, set: &ConditionSet, attrs: &JsValue, facts: &mut Facts) -> bool {
        let tree = self
            .tree
            .get_or_insert_with(|| new_reader(&set.path_tree().to_string()));
        let (memory, kinds, nums) = (&self.memory, &mut self.kinds, &mut self.nums);
        // The buffers are passed afresh on every call (their addresses in the wasm memory):
        // the reader writes into them before it returns.
        let Some(written) = with_room(&mut self.text, |ptr, cap| {
            read_facts(
                tree,
                memory,
                attrs,
                kinds.as_mut_ptr() as usize as u32,
                nums.as_mut_ptr() as usize as u32,
                ptr,
                cap,
            )
        }) else {
            return false;
        };
        let Some(text) = self
            .text
            .get(..written)
            .and_then(|b| std::str::from_utf8(b).ok())
        else {
            return false;
        };
        set.fill_slots(facts, &self.kinds, &self.nums, text)
    }
}

/// Calls `write(ptr, cap)` with the text buffer until it has room: the JS side answers the
/// bytes written, -1 (nothing to write: `None`), or -2 - n when it needs n bytes (the buffer
/// grows and the call is made again).
fn with_room(text: &mut Vec<u8>, mut write: impl FnMut(u32, u32) -> i32) -> Option<usize> {
    loop {
        match write(text.as_mut_ptr() as usize as u32, text.len() as u32) {
            r if r >= 0 => return Some(r as usize),
            -1 => return None,
            r => {
                let need = (-(i64::from(r)) - 2) as usize;
                if need <= text.len() {
                    return None;
                }
                text.resize(need, 0);
            }
        }
    }
}
