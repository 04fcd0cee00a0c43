//! GrowthBook's experiment helpers under GrowthBook's names and semantics, for a team moving
//! from GrowthBook (cross-checked against `@growthbook/growthbook` in pkg-tests/hashing.test.mjs):
//! `hash`, `getBucketRanges`, `chooseVariation`, `inNamespace`, `getEqualWeights`.

use super::error;
use crate::error::{Doc, Error};
use crate::experiments::hash;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `String(value)`.
    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;
}

fn invalid(path: &str, message: impl Into<String>) -> JsValue {
    error::to_js(Error::invalid(Doc::Options, path, message.into()))
}

/// GrowthBook's `hash(seed, value, version)`: a number in `[0, 1)` for versions 1 and 2 (seed
/// and value read as `String(x)`), `null` for any other version.
///
/// ```js
/// import { hash } from "offerwise";
/// hash("exp-1", "user-42", 2); // the bucket GrowthBook gives user-42 in exp-1
/// ```
#[wasm_bindgen(js_name = hash)]
pub fn gb_hash(
    #[wasm_bindgen(unchecked_param_type = "string")] seed: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] value: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] version: &JsValue,
) -> Option<f64> {
    let version = match version.as_f64() {
        Some(2.0) => 2,
        Some(1.0) => 1,
        _ => return None,
    };
    hash::growthbook(&js_string(seed), &js_string(value), version)
}

/// GrowthBook's `getEqualWeights(n)`: `n` weights of `1 / n` (none when `n <= 0`).
#[wasm_bindgen(js_name = getEqualWeights)]
pub fn get_equal_weights(n: f64) -> Result<Vec<f64>, JsValue> {
    if n.is_nan() || n <= 0.0 {
        return Ok(Vec::new());
    }
    if n.fract() != 0.0 || n > 1_000_000.0 {
        return Err(invalid(
            "n",
            format!("the number of variations is a whole number up to 1,000,000, got {n}"),
        ));
    }
    Ok(hash::equal_weights(n as usize))
}

/// GrowthBook's `getBucketRanges(numVariations, coverage, weights)`: `[start, end)` per
/// variation, with GrowthBook's input handling (coverage clamped to `[0, 1]`; weights missing, of
/// the wrong length or not summing to 1 within 0.01 replaced by equal weights).
#[wasm_bindgen(js_name = getBucketRanges, unchecked_return_type = "[number, number][]")]
pub fn get_bucket_ranges(
    num_variations: f64,
    #[wasm_bindgen(unchecked_param_type = "number | undefined")] coverage: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number[] | undefined")] weights: &JsValue,
) -> Result<JsValue, JsValue> {
    let n = get_equal_weights(num_variations)?.len();
    let coverage = if coverage.is_undefined() {
        None
    } else if coverage.is_null() {
        Some(0.0) // JavaScript's null × weight
    } else {
        Some(
            coverage
                .as_f64()
                .ok_or_else(|| invalid("coverage", "coverage is a number"))?,
        )
    };
    let weights: Option<Vec<f64>> = if weights.is_undefined() || weights.is_null() {
        None
    } else {
        Some(
            serde_wasm_bindgen::from_value(weights.clone())
                .map_err(|e| invalid("weights", format!("weights are an array of numbers: {e}")))?,
        )
    };
    let ranges = hash::bucket_ranges(n, coverage, weights.as_deref());
    serde_wasm_bindgen::to_value(&ranges).map_err(|e| invalid("", e.to_string()))
}

/// GrowthBook's `chooseVariation(n, ranges)`: the index of the first range holding `n`, or -1.
#[wasm_bindgen(js_name = chooseVariation)]
pub fn choose_variation(
    n: f64,
    #[wasm_bindgen(unchecked_param_type = "[number, number][]")] ranges: &JsValue,
) -> Result<i32, JsValue> {
    let ranges: Vec<(f64, f64)> = serde_wasm_bindgen::from_value(ranges.clone())
        .map_err(|e| invalid("ranges", format!("ranges are [start, end] pairs: {e}")))?;
    Ok(hash::choose_variation(n, &ranges).map_or(-1, |i| i as i32))
}

/// GrowthBook's `inNamespace(hashValue, [id, start, end])`.
#[wasm_bindgen(js_name = inNamespace)]
pub fn in_namespace(
    #[wasm_bindgen(unchecked_param_type = "string")] hash_value: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "[string, number, number]")] namespace: &JsValue,
) -> Result<bool, JsValue> {
    let (id, start, end): (String, f64, f64) = serde_wasm_bindgen::from_value(namespace.clone())
        .map_err(|e| invalid("namespace", format!("a namespace is [id, start, end]: {e}")))?;
    Ok(hash::in_namespace(&js_string(hash_value), &id, start, end))
}

/// offerwise's own hash, `offerwise-1`: the bucket of `value` under `seed` as an integer in
/// `0 ..= 2^32 − 1` (see the README, "Hashing").
#[wasm_bindgen(js_name = offerwiseHash)]
pub fn offerwise_hash(seed: &str, value: &str) -> u32 {
    hash::offerwise1(seed, value)
}
