//! The one place where core errors become JS `Error`s.

use crate::error::Error;
use wasm_bindgen::JsValue;

/// Converts a core error into a thrown JS `Error` named `OfferwiseError` with a stable `code`
/// and the `path` of the problem.
pub fn to_js(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("OfferwiseError");
    let obj: &JsValue = err.as_ref();
    // Setting a property on a fresh Error object cannot fail; a failure would only lose the
    // extra property, never the error itself.
    let _ = js_sys::Reflect::set(obj, &"code".into(), &e.code().into());
    let _ = js_sys::Reflect::set(obj, &"path".into(), &e.path().into());
    err.into()
}
