//! `engine.decideColumns(columns, options)`: the columnar batch path ([`crate::batch`]) for
//! JavaScript, in the data build (`offerwise/data`). Columns are typed arrays (or arrays of numbers), ids and dictionaries arrays of
//! strings; results come back as typed arrays and dictionaries.

use super::{error, read, WasmEngine};
use crate::batch::{DecisionColumns, NO_CATEGORY};
use crate::engine::DecideOptions;
use crate::error::{Doc, Error};
use js_sys::{Array, Float64Array, Int32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Decides many customers in one call from packed columns: orders in long form (one row
    /// per order: `customer`, the index of its customer in `ids`; `at`, epoch milliseconds;
    /// `amount`; optionally `category`, an index in `categories`, null or 4294967295 for none)
    /// and returns the decisions' flat parts as columns (typed arrays; strings as codes into
    /// `tiers`, `offerIds` and each experiment's `variants`). Each customer is decided as
    /// `decide` decides the customer document with the same orders. A customer whose decision
    /// fails is listed in `errors` (index, code, path, row) and its cells are NaN or -1; columns
    /// that do not fit throw an `OfferwiseError` (`orders.invalid` at `at[17]`).
    ///
    /// ```js
    /// const r = engine.decideColumns({ ids: ["a", "b"], customer: new Uint32Array([0, 1, 0]),
    ///   at: new Float64Array([t0, t1, t2]), amount: new Float64Array([20, 35.5, 12]) },
    ///   { now: "1998-07-01" });
    /// r.segment[1]; r.offerIds[r.offers[0 * r.offerSlots]];
    /// ```
    #[wasm_bindgen(js_name = decideColumns, unchecked_return_type = "DecisionColumns")]
    pub fn decide_columns(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OrderColumns")] columns: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DecideOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let options: DecideOptions = read(Doc::Options, options)?;
        let c = read_columns(&columns).map_err(error::to_js)?;
        let columns = crate::batch::OrderColumns {
            ids: &c.ids,
            customer: &c.customer,
            at: &c.at,
            amount: &c.amount,
            category: c.category.as_deref(),
            categories: &c.categories,
        };
        let out = self
            .engine()?
            .decide_columns(&columns, &options)
            .map_err(error::to_js)?;
        Ok(write_columns(&out))
    }
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::invalid(Doc::Orders, path, message)
}

/// The field `name` of the columns object (undefined when absent).
fn field(columns: &JsValue, name: &str) -> Result<JsValue, Error> {
    Reflect::get(columns, &JsValue::from_str(name))
        .map_err(|_| invalid(name, "cannot be read from the columns object"))
}

/// The column `name` when it is an array, copied (see [`super::caller::array`]).
fn array(v: &JsValue, name: &str) -> Result<Option<Array>, Error> {
    super::caller::array(Doc::Orders, name, v)
}

/// Why the caller's typed array column `name` cannot be read: BigInts, or what copying it
/// threw (a detached buffer).
fn unreadable(name: &str, why: String) -> Error {
    invalid(name, format!("cannot read the typed array: {why}"))
}

/// A column of numbers: a Float64Array (or any typed array of numbers), or an array of numbers.
fn numbers(columns: &JsValue, name: &str) -> Result<Vec<f64>, Error> {
    let v = field(columns, name)?;
    // A typed array is recognised by its internal slot and copied by the engine, never read
    // through the caller's code (see [`super::caller`]); its numbers are converted exactly.
    match super::caller::number_array(&v) {
        Some(Ok(numbers)) => return Ok(numbers),
        Some(Err(why)) => return Err(unreadable(name, why)),
        None => {}
    }
    if let Some(a) = array(&v, name)? {
        return a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_f64()
                    .ok_or_else(|| invalid(format!("{name}[{i}]"), "not a number"))
            })
            .collect();
    }
    Err(invalid(
        name,
        if v.is_undefined() {
            "missing: give a Float64Array or an array of numbers".to_string()
        } else {
            "not a Float64Array or an array of numbers".to_string()
        },
    ))
}

/// A column of indices: a Uint32Array, or an array of whole numbers in 0..2^32 (`none` may
/// stand for "no index" in arrays: null becomes [`NO_CATEGORY`]).
fn indices(columns: &JsValue, name: &str, null_is_none: bool) -> Result<Vec<u32>, Error> {
    let v = field(columns, name)?;
    if let Some(indices) = super::caller::uint32_array(&v) {
        return indices.map_err(|why| unreadable(name, why));
    }
    if let Some(a) = array(&v, name)? {
        return a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                if null_is_none && x.is_null() {
                    return Ok(NO_CATEGORY);
                }
                match x.as_f64() {
                    Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) => {
                        Ok(n as u32)
                    }
                    _ => Err(invalid(
                        format!("{name}[{i}]"),
                        "not an index (a whole number from 0)",
                    )),
                }
            })
            .collect();
    }
    Err(invalid(
        name,
        if v.is_undefined() {
            "missing: give a Uint32Array or an array of indices"
        } else {
            "not a Uint32Array or an array of indices"
        },
    ))
}

/// An array of strings (`required`: else absent is empty).
fn strings(columns: &JsValue, name: &str, required: bool) -> Result<Vec<String>, Error> {
    let v = field(columns, name)?;
    if v.is_undefined() && !required {
        return Ok(Vec::new());
    }
    let Some(a) = array(&v, name)? else {
        return Err(invalid(
            name,
            if v.is_undefined() {
                "missing: give an array of strings"
            } else {
                "not an array of strings"
            },
        ));
    };
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_string().ok_or_else(|| {
                invalid(
                    format!("{name}[{i}]"),
                    "not a string (ids and names are strings)",
                )
            })
        })
        .collect()
}

/// The packed columns read from a JS object.
struct Columns {
    ids: Vec<String>,
    customer: Vec<u32>,
    at: Vec<f64>,
    amount: Vec<f64>,
    category: Option<Vec<u32>>,
    categories: Vec<String>,
}

fn read_columns(columns: &JsValue) -> Result<Columns, Error> {
    if !columns.is_object() {
        return Err(invalid(
            "",
            "the columns are missing: pass {ids, customer, at, amount, category?, categories?}",
        ));
    }
    let category = if field(columns, "category")?.is_undefined() {
        None
    } else {
        Some(indices(columns, "category", true)?)
    };
    Ok(Columns {
        ids: strings(columns, "ids", true)?,
        customer: indices(columns, "customer", false)?,
        at: numbers(columns, "at")?,
        amount: numbers(columns, "amount")?,
        category,
        categories: strings(columns, "categories", false)?,
    })
}

fn set(o: &Object, key: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

fn string_array(xs: &[String]) -> Array {
    xs.iter().map(|s| JsValue::from_str(s)).collect()
}

/// The result object: typed arrays and dictionaries.
fn write_columns(c: &DecisionColumns) -> JsValue {
    let o = Object::new();
    set(&o, "len", &JsValue::from(c.len as f64));
    set(&o, "segment", &Int32Array::from(&c.segment[..]));
    for (key, col) in [
        ("pAlive", &c.p_alive),
        ("churnRisk", &c.churn_risk),
        ("expectedPurchases", &c.expected_purchases),
        ("clv", &c.clv),
        ("frequency", &c.frequency),
        ("recencyDays", &c.recency_days),
        ("monetary", &c.monetary),
        ("totalSpend", &c.total_spend),
        ("pointsBalance", &c.points_balance),
        ("pointsAvailable", &c.points_available),
    ] {
        set(&o, key, &Float64Array::from(&col[..]));
    }
    set(&o, "tier", &Int32Array::from(&c.tier[..]));
    set(&o, "tiers", &string_array(&c.tiers));
    set(&o, "heldOut", &Uint8Array::from(&c.held_out[..]));
    set(&o, "offers", &Int32Array::from(&c.offers[..]));
    set(&o, "offerSlots", &JsValue::from(c.offer_slots as f64));
    set(&o, "offerIds", &string_array(&c.offer_ids));
    set(&o, "variants", &Int32Array::from(&c.variants[..]));
    let experiments: Array = c
        .experiments
        .iter()
        .map(|x| {
            let e = Object::new();
            set(&e, "key", &JsValue::from_str(&x.key));
            set(&e, "variants", &string_array(&x.variants));
            JsValue::from(e)
        })
        .collect();
    set(&o, "experiments", &experiments);
    let errors: Array = c
        .errors
        .iter()
        .map(|r| {
            let e = Object::new();
            set(&e, "index", &JsValue::from(r.index as f64));
            set(&e, "customerId", &JsValue::from_str(&r.customer_id));
            set(&e, "code", &JsValue::from_str(&r.code));
            set(&e, "path", &JsValue::from_str(&r.path));
            set(
                &e,
                "row",
                &r.row.map_or(JsValue::NULL, |row| JsValue::from(row as f64)),
            );
            set(&e, "message", &JsValue::from_str(&r.message));
            JsValue::from(e)
        })
        .collect();
    set(&o, "errors", &errors);
    o.into()
}
