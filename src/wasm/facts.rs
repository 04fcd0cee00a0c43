//! Attributes taken straight out of a JS object for a [`ConditionSet`], without
//! `JSON.stringify`: `facts.js` walks only the paths the set reads and writes each value into
//! buffers here (a kind and a number per slot, strings as UTF-8), which this module turns into
//! the set's [`Facts`]. The values are those JSON would carry, so the answers are the same as
//! for the object's JSON text; whatever the reader does not handle itself it leaves to that
//! text (see `facts.js`).

use crate::offers::conditions::{ConditionSet, Facts};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/facts.js")]
extern "C" {
    #[wasm_bindgen(js_name = newReader)]
    fn new_reader(tree: &str) -> JsValue;

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
pub(crate) struct ObjectReader {
    reader: JsValue,
    memory: JsValue,
    kinds: Vec<u8>,
    nums: Vec<f64>,
    text: Vec<u8>,
}

impl ObjectReader {
    pub(crate) fn new(set: &ConditionSet) -> ObjectReader {
        let n = set.slot_count();
        ObjectReader {
            reader: new_reader(&set.path_tree().to_string()),
            memory: wasm_bindgen::memory(),
            kinds: vec![0; n],
            nums: vec![0.0; n],
            text: vec![0; 256],
        }
    }

    /// Reads `attrs` (an object) into `facts`; `false` when it must be read as JSON text
    /// instead.
    pub(crate) fn read(&mut self, set: &ConditionSet, attrs: &JsValue, facts: &mut Facts) -> bool {
        let written = loop {
            // The buffers are passed afresh on every call (their addresses in the wasm
            // memory): the reader writes into them before it returns.
            let r = read_facts(
                &self.reader,
                &self.memory,
                attrs,
                self.kinds.as_mut_ptr() as usize as u32,
                self.nums.as_mut_ptr() as usize as u32,
                self.text.as_mut_ptr() as usize as u32,
                self.text.len() as u32,
            );
            match r {
                r if r >= 0 => break r as usize,
                -1 => return false,
                r => {
                    let need = (-(i64::from(r)) - 2) as usize;
                    if need <= self.text.len() {
                        return false;
                    }
                    self.text.resize(need, 0);
                }
            }
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
