//! Experiments for JavaScript: `Experiments` (assignment by id, the quick path), and
//! GrowthBook's helpers under GrowthBook's names and semantics for a team moving from GrowthBook
//! (cross-checked against `@growthbook/growthbook` in pkg-tests/hashing.test.mjs): `hash`,
//! `getBucketRanges`, `chooseVariation`, `inNamespace`, `getEqualWeights`; and `offerwiseHash`.

use super::{error, js_text};
use crate::error::{quoted, Doc, Error};
use crate::experiments::hash;
use crate::program::Program;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `String(value)` (which throws for an object without a string form).
    #[wasm_bindgen(js_name = String, catch)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// `String(value)`, as GrowthBook reads ids and seeds; a typed error for a value that has no
/// string form (`Object.create(null)`, an object whose `toString` throws).
fn text_of(value: &JsValue, path: &str) -> Result<String, JsValue> {
    js_string(value).map_err(|_| invalid(path, "this value has no string form (String(x) throws)"))
}

/// A number argument: JavaScript's `undefined` is NaN and `null` is 0, as the glue of a
/// numeric parameter reads them; anything else that is not a number is a typed error (a
/// BigInt, a Symbol, an object), not a TypeError from the glue.
fn number_of(value: &JsValue, path: &str) -> Result<f64, JsValue> {
    match value.as_f64() {
        Some(x) => Ok(x),
        None if value.is_undefined() => Ok(f64::NAN),
        None if value.is_null() => Ok(0.0),
        None => Err(invalid(path, "a number is expected here")),
    }
}

/// A string argument (an experiment key, a customer id): anything else is a typed error.
fn string_of(value: &JsValue, path: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| invalid(path, "a string is expected here"))
}

fn invalid(path: &str, message: impl Into<String>) -> JsValue {
    error::to_js(Error::invalid(Doc::Options, path, message.into()))
}

/// A GrowthBook helper's argument serde-wasm-bindgen cannot read as `what` says it should be:
/// its message names the JS value, bounded ([`crate::json::bound_library_message`]).
fn unreadable(path: &str, what: &str, e: serde_wasm_bindgen::Error) -> JsValue {
    let message = crate::json::bound_library_message(&e.to_string()).into_owned();
    invalid(path, format!("{what}: {message}"))
}

/// GrowthBook's `hash(seed, value, version)`: a number in `[0, 1)` for versions 1 and 2 (seed
/// and value read as `String(x)`), `null` for any other version.
///
/// ```js
/// import { hash } from "offerwise";
/// hash("exp-1", "user-42", 2); // the bucket GrowthBook gives user-42 in exp-1
/// ```
#[wasm_bindgen(js_name = hash, unchecked_return_type = "number | null")]
pub fn gb_hash(
    #[wasm_bindgen(unchecked_param_type = "string")] seed: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] value: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] version: &JsValue,
) -> Result<JsValue, JsValue> {
    let version = match version.as_f64() {
        Some(2.0) => 2,
        Some(1.0) => 1,
        _ => return Ok(JsValue::NULL),
    };
    Ok(
        hash::growthbook(&text_of(seed, "seed")?, &text_of(value, "value")?, version)
            .map_or(JsValue::NULL, JsValue::from_f64),
    )
}

/// GrowthBook's `getEqualWeights(n)`: `n` weights of `1 / n` (none when `n <= 0`), as an array.
#[wasm_bindgen(js_name = getEqualWeights, unchecked_return_type = "number[]")]
pub fn get_equal_weights(
    #[wasm_bindgen(unchecked_param_type = "number")] n: &JsValue,
) -> Result<JsValue, JsValue> {
    let w = equal_weights(number_of(n, "n")?, "n")?;
    serde_wasm_bindgen::to_value(&w).map_err(|e| invalid("", e.to_string()))
}

/// `n` equal weights; `n` (the argument `path`) is a whole number up to
/// [`crate::limits::MAX_VARIATIONS`].
fn equal_weights(n: f64, path: &str) -> Result<Vec<f64>, JsValue> {
    use crate::limits::{thousands, MAX_VARIATIONS};
    if n.is_nan() || n <= 0.0 {
        return Ok(Vec::new());
    }
    if n.fract() != 0.0 {
        return Err(invalid(
            path,
            format!("the number of variations is a whole number, got {n}"),
        ));
    }
    if n > MAX_VARIATIONS as f64 {
        return Err(error::to_js(Error::limit(
            Doc::Options,
            path,
            format!(
                "{n} variations: at most {} (see the README's limits)",
                thousands(MAX_VARIATIONS)
            ),
        )));
    }
    Ok(hash::equal_weights(n as usize))
}

/// GrowthBook's `getBucketRanges(numVariations, coverage, weights)`: `[start, end)` per
/// variation, with GrowthBook's input handling (coverage clamped to `[0, 1]`; weights missing, of
/// the wrong length or not summing to 1 within 0.01 replaced by equal weights).
#[wasm_bindgen(js_name = getBucketRanges, unchecked_return_type = "[number, number][]")]
pub fn get_bucket_ranges(
    #[wasm_bindgen(unchecked_param_type = "number")] num_variations: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | undefined")] coverage: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number[] | undefined")] weights: &JsValue,
) -> Result<JsValue, JsValue> {
    let n = equal_weights(number_of(num_variations, "numVariations")?, "numVariations")?.len();
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
                .map_err(|e| unreadable("weights", "weights are an array of numbers", e))?,
        )
    };
    let ranges = hash::bucket_ranges(n, coverage, weights.as_deref());
    serde_wasm_bindgen::to_value(&ranges).map_err(|e| invalid("", e.to_string()))
}

/// GrowthBook's `chooseVariation(n, ranges)`: the index of the first range holding `n`, or -1.
#[wasm_bindgen(js_name = chooseVariation)]
pub fn choose_variation(
    #[wasm_bindgen(unchecked_param_type = "number")] n: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "[number, number][]")] ranges: &JsValue,
) -> Result<i32, JsValue> {
    let ranges: Vec<(f64, f64)> = serde_wasm_bindgen::from_value(ranges.clone())
        .map_err(|e| unreadable("ranges", "ranges are [start, end] pairs", e))?;
    let n = number_of(n, "n")?;
    Ok(hash::choose_variation(n, &ranges).map_or(-1, |i| i as i32))
}

/// GrowthBook's `inNamespace(hashValue, [id, start, end])`.
#[wasm_bindgen(js_name = inNamespace)]
pub fn in_namespace(
    #[wasm_bindgen(unchecked_param_type = "string")] hash_value: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "[string, number, number]")] namespace: &JsValue,
) -> Result<bool, JsValue> {
    let (id, start, end): (String, f64, f64) = serde_wasm_bindgen::from_value(namespace.clone())
        .map_err(|e| unreadable("namespace", "a namespace is [id, start, end]", e))?;
    Ok(hash::in_namespace(
        &text_of(hash_value, "hashValue")?,
        &id,
        start,
        end,
    ))
}

/// offerwise's own hash, `offerwise-1`: the bucket of `value` under `seed` as an integer in
/// `0 ..= 2^32 − 1` (see the README, "Hashing").
#[wasm_bindgen(js_name = offerwiseHash)]
pub fn offerwise_hash(
    #[wasm_bindgen(unchecked_param_type = "string")] seed: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] value: &JsValue,
) -> Result<u32, JsValue> {
    Ok(hash::offerwise1(
        &string_of(seed, "seed")?,
        &string_of(value, "value")?,
    ))
}

/// The programme's experiments for assignment by id alone, the quick path for a page or worker
/// that only needs a variant: `new Experiments(program, now)` prepares them once;
/// `assign(key, id)` gives the variant key (or `null`) of the customer `id`, as a decision would
/// for a customer with no stored assignment (the global holdout, status, forced ids, namespace,
/// hash and phases); `assigner(key)` gives the same for one experiment without looking its key up
/// each time. An experiment with targeting, or one (or a holdout) hashing another id than `id`,
/// needs the decision's input: `Engine.assign` then.
///
/// ```js
/// import { Experiments } from "offerwise";
/// const xs = new Experiments(program, "2026-11-30T12:00:00Z");
/// xs.assign("offer-policy", "00042"); // "rules" or "learned" (null when held out)
/// const policy = xs.assigner("offer-policy");
/// policy.assign("00042"); // the same
/// ```
#[wasm_bindgen]
pub struct Experiments {
    program: Program,
    prepared: Vec<crate::experiments::define::Prepared>,
    now: i64,
}

#[wasm_bindgen]
impl Experiments {
    /// Reads the programme (an object or JSON text) and the instant assignments are made at
    /// (ISO 8601 or epoch milliseconds: phases depend on it).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Program | string")] program: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number")] now: JsValue,
    ) -> Result<Experiments, JsValue> {
        let text = js_text(Doc::Program, program).map_err(error::to_js)?;
        let program = Program::parse(&text).map_err(error::to_js)?;
        let prepared = program.check().map_err(error::to_js)?.experiments;
        let now = match (now.as_f64(), now.as_string()) {
            (Some(ms), _) => crate::time::check_millis(ms),
            (_, Some(t)) => crate::time::parse_instant(&t, 0),
            _ => Err("now is ISO 8601 text or epoch milliseconds".to_string()),
        }
        .map_err(|e| error::to_js(Error::invalid(Doc::Options, "now", e)))?;
        Ok(Experiments {
            program,
            prepared,
            now,
        })
    }

    /// The quick assigner of experiment `key`; throws when it needs a decision's input.
    pub fn assigner(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: &JsValue,
    ) -> Result<Assigner, JsValue> {
        let (x, p) = self.quick(&string_of(key, "key")?)?;
        Ok(Assigner {
            experiment: x.clone(),
            prepared: p.clone(),
            holdout: self.program.holdout.clone(),
            keys: x
                .variants
                .iter()
                .map(|v| JsValue::from_str(&v.key))
                .collect(),
            now: self.now,
        })
    }

    /// The variant key of customer `id` in experiment `key`, or `null` when not in it.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn assign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] id: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let (x, p) = self.quick(&string_of(key, "key")?)?;
        let id = string_of(id, "id")?;
        Ok(
            quick_variant(x, p, self.program.holdout.as_ref(), &id, self.now)
                .and_then(|i| x.variants.get(i))
                .map_or(JsValue::NULL, |v| JsValue::from_str(&v.key)),
        )
    }
}

impl Experiments {
    /// Experiment `key` and its preparation, when its variant follows from the customer id
    /// alone; else the error saying why not.
    fn quick(
        &self,
        key: &str,
    ) -> Result<
        (
            &crate::experiments::Experiment,
            &crate::experiments::define::Prepared,
        ),
        JsValue,
    > {
        let Some(i) = self.program.experiments.iter().position(|x| x.key == key) else {
            return Err(invalid(
                "key",
                format!(
                    "no experiment {key:?} in the programme (experiments: {})",
                    self.program.experiment_keys(),
                    key = quoted(key)
                ),
            ));
        };
        let (Some(x), Some(p)) = (self.program.experiments.get(i), self.prepared.get(i)) else {
            return Err(invalid("key", "the experiment was not prepared"));
        };
        if p.targeting.is_some() || x.hash_attribute != "id" {
            return Err(invalid(
                "key",
                format!("experiment {key:?} needs the decision's input (targeting, or another id than the customer's): use Engine.assign", key = quoted(key)),
            ));
        }
        if self
            .program
            .holdout
            .as_ref()
            .is_some_and(|h| h.hash_attribute != "id")
        {
            return Err(invalid(
                "key",
                "the global holdout hashes another id than the customer's: use Engine.assign",
            ));
        }
        Ok((x, p))
    }
}

/// The variant index of customer `id`: the global holdout, then [`place`](crate::experiments::assign::place).
fn quick_variant(
    x: &crate::experiments::Experiment,
    p: &crate::experiments::define::Prepared,
    holdout: Option<&crate::experiments::Holdout>,
    id: &str,
    now: i64,
) -> Option<usize> {
    use crate::experiments::assign;
    if holdout.is_some_and(|h| assign::held_out(h, id, &std::collections::BTreeMap::new())) {
        return None;
    }
    assign::place(x, p, id, now).variant
}

/// One experiment's quick assigner ([`Experiments::assigner`]).
#[wasm_bindgen]
pub struct Assigner {
    experiment: crate::experiments::Experiment,
    prepared: crate::experiments::define::Prepared,
    holdout: Option<crate::experiments::Holdout>,
    /// The variant keys as JS strings, made once.
    keys: Vec<JsValue>,
    now: i64,
}

#[wasm_bindgen]
impl Assigner {
    /// The variant key of customer `id`, or `null` when not in the experiment.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn assign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: &JsValue,
    ) -> Result<JsValue, JsValue> {
        Ok(quick_variant(
            &self.experiment,
            &self.prepared,
            self.holdout.as_ref(),
            &string_of(id, "id")?,
            self.now,
        )
        .and_then(|i| self.keys.get(i).cloned())
        .unwrap_or(JsValue::NULL))
    }

    /// The experiment's key.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.experiment.key.clone()
    }
}
