//! The one place where core and analysis errors become JS `Error`s.

use crate::error::Error;
use wasm_bindgen::JsValue;

/// Converts a core error into a thrown JS `Error` named `OfferwiseError` with a stable `code`
/// and the `path` of the problem.
pub fn to_js(e: Error) -> JsValue {
    offerwise_error(&e.to_string(), &e.code(), &e.path())
}

/// Converts an analysis error the same way (its message says where: `path: message`).
#[cfg(feature = "data")]
pub fn analysis_to_js(e: crate::analysis::AnalysisError) -> JsValue {
    offerwise_error(&format!("{}: {}", e.path, e.message), &e.code, &e.path)
}

pub fn offerwise_error(message: &str, code: &str, path: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("OfferwiseError");
    let obj: &JsValue = err.as_ref();
    // Setting a property on a fresh Error object cannot fail; a failure would only lose the
    // extra property, never the error itself.
    let _ = js_sys::Reflect::set(obj, &"code".into(), &code.into());
    let _ = js_sys::Reflect::set(obj, &"path".into(), &path.into());
    err.into()
}
