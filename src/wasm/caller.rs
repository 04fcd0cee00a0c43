//! Reading what a caller hands over without running the caller's code where it could throw
//! uncaught.
//!
//! A JS exception that wasm does not catch unwinds through the wasm frames of the call and
//! leaves wasm-bindgen's borrow of the object the method was called on (which then refuses every
//! later `&mut self` call and `free()`). The caller's code runs wherever a property is read: a
//! getter, a Proxy's trap, an own `length` defined on a typed array, a prototype replaced by a
//! Proxy (which `instanceof` walks). So the caller's arrays are copied by the engine before
//! anything reads them, by calls that catch (`Array.from`, a typed array's constructor through
//! `Reflect.construct`), and a typed array is recognised by its internal slot, never by
//! `instanceof` or by its own `length`.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The message of what JS code threw: an `Error`'s message, or a thrown string itself. Read by
/// `Reflect.get`, which catches: a thrown value may be the caller's own Proxy or an error whose
/// `message` is a getter that throws.
pub(crate) fn thrown_message(e: &JsValue) -> String {
    if let Some(text) = e.as_string() {
        return text;
    }
    if !e.is_object() {
        return String::new();
    }
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen]
extern "C" {
    /// The global `Uint8Array` constructor.
    #[wasm_bindgen(thread_local_v2, js_name = Uint8Array)]
    static UINT8_ARRAY: Function;
}

#[cfg(feature = "data")]
#[wasm_bindgen]
extern "C" {
    /// The global `Uint32Array` constructor.
    #[wasm_bindgen(thread_local_v2, js_name = Uint32Array)]
    static UINT32_ARRAY: Function;
    /// The global `Float64Array` constructor.
    #[wasm_bindgen(thread_local_v2, js_name = Float64Array)]
    static FLOAT64_ARRAY: Function;
    /// `Array.isArray(value)`; a revoked Proxy's TypeError caught.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_caught(value: &JsValue) -> Result<bool, JsValue>;
    /// `Array.from(value)`: a plain array of the values; whatever a Proxy trap, a getter or an
    /// iterator of the caller's throws caught.
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from_caught(value: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// The getter of `proto`'s own property `key` (a built-in's accessor), read once.
fn own_getter(proto: &JsValue, key: &JsValue) -> Option<Function> {
    let proto = proto.dyn_ref::<js_sys::Object>()?;
    Reflect::get_own_property_descriptor(proto, key)
        .ok()
        .filter(JsValue::is_object)
        .and_then(|d| Reflect::get(&d, &JsValue::from_str("get")).ok())
        .and_then(|g| g.dyn_into::<Function>().ok())
}

thread_local! {
    /// The getter of `%TypedArray%.prototype[Symbol.toStringTag]`: called on a typed array it
    /// gives the name of its kind from the internal slot (`"Float64Array"`; a Node `Buffer` is a
    /// `"Uint8Array"`), on anything else (a DataView, a Proxy, an object that looks like a typed
    /// array) `undefined`. It reads no property of its receiver, so it runs none of the caller's
    /// code, and never throws.
    static KIND_GETTER: Option<Function> = {
        let proto = js_sys::Object::get_prototype_of(&js_sys::Uint8Array::new_with_length(0));
        let base = js_sys::Object::get_prototype_of(&proto);
        own_getter(&base, &js_sys::Symbol::to_string_tag())
    };
}

/// The kind of a caller's typed array (`"Float64Array"`, ...), or `None` when `value` is not a
/// typed array.
pub(crate) fn typed_array_kind(value: &JsValue) -> Option<String> {
    if !value.is_object() {
        return None;
    }
    KIND_GETTER.with(|getter| getter.as_ref()?.call0(value).ok()?.as_string())
}

/// A fresh typed array made by `ctor` from the caller's typed array `value`: the constructor
/// reads the source's internal slots (its buffer, offset, length and kind), not its prototype
/// nor an own `length` the caller defined. What it throws (a detached buffer, BigInts into
/// numbers) is the message.
fn copy_typed<T: JsCast>(ctor: &Function, value: &JsValue) -> Result<T, String> {
    Reflect::construct(ctor, &js_sys::Array::of1(value))
        .map(JsCast::unchecked_into)
        .map_err(|e| thrown_message(&e))
}

/// A caller's typed array of exactly the kind `kind`, copied by `ctor` (its constructor):
/// `None` when `value` is not one.
fn of_kind<T: JsCast>(
    value: &JsValue,
    kind: &str,
    ctor: &'static wasm_bindgen::JsThreadLocal<Function>,
) -> Option<Result<T, String>> {
    if typed_array_kind(value)? != kind {
        return None;
    }
    Some(ctor.with(|ctor| copy_typed(ctor, value)))
}

/// The bytes of a caller's `Uint8Array` (or `Buffer`): `None` when `value` is not one.
pub(crate) fn uint8_array(value: &JsValue) -> Option<Result<Vec<u8>, String>> {
    of_kind(value, "Uint8Array", &UINT8_ARRAY)
        .map(|copy| copy.map(|a: js_sys::Uint8Array| a.to_vec()))
}

/// The bytes of a caller's `ArrayBuffer`: `None` when `value` is not one (told by the
/// `byteLength` getter of `ArrayBuffer.prototype`, which throws for anything else and reads the
/// internal slot only).
#[cfg(feature = "train")]
pub(crate) fn array_buffer(value: &JsValue) -> Option<Result<Vec<u8>, String>> {
    thread_local! {
        static BYTE_LENGTH: Option<Function> = {
            let proto = js_sys::Object::get_prototype_of(&js_sys::ArrayBuffer::new(0));
            own_getter(&proto, &JsValue::from_str("byteLength"))
        };
    }
    if !value.is_object() {
        return None;
    }
    BYTE_LENGTH.with(|getter| getter.as_ref()?.call0(value).ok())?;
    // `new Uint8Array(buffer)` is a view of the buffer itself, read by its internal slots.
    let copy = UINT8_ARRAY.with(|ctor| copy_typed::<js_sys::Uint8Array>(ctor, value));
    Some(copy.map(|a| a.to_vec()))
}

/// The numbers of a caller's typed array of numbers (any kind but the BigInt ones), converted
/// exactly to `f64` by `Float64Array`'s constructor: `None` when `value` is not a typed array.
#[cfg(feature = "data")]
pub(crate) fn number_array(value: &JsValue) -> Option<Result<Vec<f64>, String>> {
    let kind = typed_array_kind(value)?;
    if kind.starts_with("Big") {
        return Some(Err(format!("a {kind} holds BigInts, not numbers")));
    }
    let copy = FLOAT64_ARRAY.with(|ctor| copy_typed::<js_sys::Float64Array>(ctor, value));
    Some(copy.map(|a| a.to_vec()))
}

/// The indices of a caller's `Uint32Array`: `None` when `value` is not one.
#[cfg(feature = "data")]
pub(crate) fn uint32_array(value: &JsValue) -> Option<Result<Vec<u32>, String>> {
    of_kind(value, "Uint32Array", &UINT32_ARRAY)
        .map(|copy| copy.map(|a: js_sys::Uint32Array| a.to_vec()))
}

/// A caller's array (`None` when `value` is not an array), copied by `Array.from` into a plain
/// array before anything reads it. What the copy throws (a Proxy's trap, a getter) is
/// `*.invalid` at `path`.
#[cfg(feature = "data")]
pub(crate) fn array(
    doc: crate::error::Doc,
    path: &str,
    value: &JsValue,
) -> Result<Option<js_sys::Array>, crate::error::Error> {
    let thrown = |e: JsValue| {
        let why = thrown_message(&e);
        crate::error::Error::invalid(doc, path, format!("cannot read the array: {why}"))
    };
    if !is_array_caught(value).map_err(thrown)? {
        return Ok(None);
    }
    array_from_caught(value).map(Some).map_err(thrown)
}
