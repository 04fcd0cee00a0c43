//! `customerFeatures()` and `train()`: the transaction file reader, the features and the
//! training of `offerwise train`, in the data build (the dashboard trains a segmentation in the
//! page). The same code as the CLI, so the same file, `now` and seed give the same model.

use super::{error, read, write, WasmEngine};
use crate::error::{quoted, Doc, Error};
use crate::features::{Features, NUMERIC_FEATURES};
use crate::train::options::{OrdersRead, ReadArgs, TrainArgs};
use crate::train::{self, Step, TrainError};
use crate::transactions::{self, ReadReport};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A transaction file given as text, a `Uint8Array` or an `ArrayBuffer`, as bytes.
fn orders_bytes(orders: &JsValue) -> Result<Vec<u8>, Error> {
    if let Some(text) = orders.as_string() {
        Ok(text.into_bytes())
    } else if let Some(bytes) =
        super::caller::uint8_array(orders).or_else(|| super::caller::array_buffer(orders))
    {
        bytes
            .map_err(|why| Error::invalid(Doc::Orders, "", format!("cannot read the bytes: {why}")))
    } else {
        Err(Error::invalid(
            Doc::Orders,
            "",
            "the orders are the transaction file's text, a Uint8Array or an ArrayBuffer",
        ))
    }
}

/// The rows of a transaction file, read as the CLI reads them ([`ReadArgs::read`]).
fn read_rows(orders: &JsValue, args: &ReadArgs) -> Result<OrdersRead, Error> {
    args.check()?;
    args.read(&orders_bytes(orders)?)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(target, &key.into(), value);
}

/// What the read found, as `{ rows, skipped, firstErrors, ignoredColumns, columns, asOfLeftOut }`.
fn read_report(report: &ReadReport, left_out: (u64, u64)) -> JsValue {
    let out = js_sys::Object::new();
    let out: &JsValue = out.as_ref();
    set(out, "rows", &(report.rows as f64).into());
    set(out, "skipped", &(report.skipped as f64).into());
    let errors = js_sys::Array::new();
    for e in &report.first_errors {
        let item = js_sys::Object::new();
        set(&item, "code", &e.code().into());
        set(&item, "path", &e.path().into());
        set(&item, "message", &e.to_string().into());
        errors.push(&item);
    }
    set(out, "firstErrors", &errors);
    let ignored: js_sys::Array = report
        .ignored_columns
        .iter()
        .map(|c| JsValue::from(c.as_str()))
        .collect();
    set(out, "ignoredColumns", &ignored);
    let columns = js_sys::Object::new();
    for (meaning, name) in &report.columns {
        set(&columns, meaning, &name.as_str().into());
    }
    set(out, "columns", &columns);
    let dropped = js_sys::Object::new();
    set(&dropped, "rows", &(left_out.0 as f64).into());
    set(&dropped, "orders", &(left_out.1 as f64).into());
    set(out, "asOfLeftOut", &dropped);
    out.clone()
}

/// Every numeric feature of the given customers as `{ name: Float64Array }` (NaN where a
/// feature is undefined for a customer, e.g. the recency of a customer without orders).
fn feature_columns<'a>(rows: impl ExactSizeIterator<Item = &'a Features> + Clone) -> JsValue {
    let columns = js_sys::Object::new();
    for name in NUMERIC_FEATURES {
        let values: Vec<f64> = rows
            .clone()
            .map(|f| f.value(name).ok().flatten().unwrap_or(f64::NAN))
            .collect();
        set(
            &columns,
            name,
            &js_sys::Float64Array::from(values.as_slice()),
        );
    }
    columns.into()
}

fn ids(ids: impl Iterator<Item = impl AsRef<str>>) -> js_sys::Array {
    ids.map(|id| JsValue::from(id.as_ref())).collect()
}

/// Reads a transaction file and computes every customer's features at `now` (default: the
/// start, UTC, of the day after the last order), as `offerwise features` does: for looking at
/// the data before training on it.
///
/// `orders` is the file's text, a `Uint8Array` or an `ArrayBuffer` (CSV with a header, or
/// CDNOW text with `format: "cdnow"`). Returns `{ customers, ids, features: { recencyDays:
/// Float64Array, ... } (NaN where undefined), read: { rows, skipped, firstErrors,
/// ignoredColumns, columns, asOfLeftOut } }`. Throws an `OfferwiseError` with the `code` and
/// `path` (`line 12, column amount`) of a problem.
#[wasm_bindgen(js_name = customerFeatures, unchecked_return_type = "CustomerFeatures")]
pub fn customer_features(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] orders: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ReadOrdersOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let a: ReadArgs = read(Doc::Options, options)?;
    let OrdersRead {
        rows,
        report,
        now,
        left_out,
    } = read_rows(&orders, &a).map_err(error::to_js)?;
    let customers = transactions::customers(&rows);
    let mut features = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter().enumerate() {
        let valid = train::validate_row(c, i, now).map_err(error::to_js)?;
        features.push(Features::compute(&valid, now, 0));
    }
    let out: JsValue = js_sys::Object::new().into();
    set(&out, "customers", &(customers.len() as f64).into());
    set(&out, "ids", &ids(customers.iter().map(|c| c.id.0.as_str())));
    set(&out, "features", &feature_columns(features.iter()));
    set(&out, "now", &crate::time::format_instant(now).into());
    set(&out, "read", &read_report(&report, left_out));
    Ok(out)
}

/// Trains a segmentation (and the lifetime-value model) from a transaction file, as
/// `offerwise train` does: the same reader, features, linfa k-means (or Gaussian mixture) and
/// BG/NBD-family fit, so the same file, `now` and `seed` give the CLI's model (its segments,
/// sizes and data fingerprint).
///
/// `onProgress`, when given, is called as each step starts with `{ step: "features",
/// customers }`, `{ step: "cluster", k, index, count }` or `{ step: "clv" }`; an error it
/// throws is rethrown once training ends. Returns `{ model, customers, clustered, leftOut,
/// leftOutIds (the first 20), ids, segments: Uint32Array (the segment of each clustered
/// customer), features: { name: Float64Array } (of the clustered customers), now, read }`.
///
/// ```js
/// const t = train(csvText, { now: "1998-07-01", format: "cdnow", kRange: [3, 8] },
///                 (p) => postMessage({ progress: p }));
/// const engine = new Engine(t.model, program);
/// ```
#[wasm_bindgen(js_name = train, unchecked_return_type = "Trained")]
pub fn train_js(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] orders: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TrainOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "(progress: TrainProgress) => void")]
    on_progress: JsValue,
) -> Result<JsValue, JsValue> {
    // Checked here: a value that is not a function would otherwise fail inside the glue.
    let on_progress: Option<js_sys::Function> =
        if on_progress.is_undefined() || on_progress.is_null() {
            None
        } else {
            Some(on_progress.dyn_into().map_err(|_| {
                error::to_js(crate::error::Error::invalid(
                    Doc::Options,
                    "onProgress",
                    "the progress callback is a function",
                ))
            })?)
        };
    let a: TrainArgs = read(Doc::Options, options)?;
    // The options are checked before the file is read.
    a.config().map_err(error::to_js)?;
    a.clv_params().map_err(error::to_js)?;
    let read_orders = read_rows(&orders, &a.reading()).map_err(error::to_js)?;
    let mut callback_error: Option<JsValue> = None;
    let trained = a
        .train(&read_orders, |step| {
            let Some(f) = &on_progress else { return };
            if callback_error.is_some() {
                return;
            }
            let p: JsValue = js_sys::Object::new().into();
            match step {
                Step::Features { customers } => {
                    set(&p, "step", &"features".into());
                    set(&p, "customers", &(customers as f64).into());
                }
                Step::Cluster { k, index, count } => {
                    set(&p, "step", &"cluster".into());
                    set(&p, "k", &(k as f64).into());
                    set(&p, "index", &(index as f64).into());
                    set(&p, "count", &(count as f64).into());
                }
                Step::Clv { .. } => set(&p, "step", &"clv".into()),
            }
            if let Err(e) = f.call1(&JsValue::NULL, &p) {
                callback_error = Some(e);
            }
        })
        .map_err(train_error)?;
    if let Some(e) = callback_error {
        return Err(e);
    }
    let out: JsValue = js_sys::Object::new().into();
    set(&out, "model", &write(&trained.model)?);
    set(&out, "customers", &(trained.customers as f64).into());
    set(&out, "clustered", &(trained.matrix.ids.len() as f64).into());
    set(
        &out,
        "leftOut",
        &(trained.matrix.left_out.len() as f64).into(),
    );
    set(
        &out,
        "leftOutIds",
        &ids(trained.matrix.left_out.iter().take(20)),
    );
    set(&out, "ids", &ids(trained.matrix.ids.iter()));
    let segments: Vec<u32> = trained
        .segments
        .iter()
        .map(|&s| u32::try_from(s).unwrap_or(u32::MAX))
        .collect();
    set(
        &out,
        "segments",
        &js_sys::Uint32Array::from(segments.as_slice()),
    );
    set(
        &out,
        "features",
        &feature_columns(trained.matrix.features.iter()),
    );
    set(
        &out,
        "now",
        &crate::time::format_instant(read_orders.now).into(),
    );
    set(
        &out,
        "read",
        &read_report(&read_orders.report, read_orders.left_out),
    );
    Ok(out)
}

fn train_error(e: TrainError) -> JsValue {
    match e {
        TrainError::Data(e) => error::to_js(e),
        other => error::offerwise_error(&other.to_string(), &other.code(), &other.path()),
    }
}

/// The files of `engine.effectivenessFiles()`, by key.
const PROGRAMME_FILES: [&str; 9] = [
    "orders",
    "format",
    "delimiter",
    "members",
    "segments",
    "ledger",
    "decisions",
    "outcomes",
    "surveys",
];

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Does the programme pay, from the files `offerwise effectiveness` reads, read by the same
    /// code: `orders` (a transaction file: text, `Uint8Array` or `ArrayBuffer`; `format`
    /// "csv" or "cdnow", `delimiter`), and as text `members` (CSV `customer_id,enrolled_at`),
    /// `segments` (CSV `customer_id,segment`), `ledger` (JSON Lines of accounts), `decisions`
    /// (the decision log), `outcomes` (JSON Lines or CSV) and `surveys` (CSV). Options are
    /// `engine.effectiveness()`'s; without `now`, the start (UTC) of the day after the last
    /// order. Returns `{ effectiveness, report (the HTML page), now, customers,
    /// orderlessMembers, read }`.
    ///
    /// ```js
    /// const r = engine.effectivenessFiles({ orders, members, ledger, decisions, outcomes }, { holdoutShare: 0.1 });
    /// iframe.srcdoc = r.report;
    /// ```
    #[wasm_bindgen(js_name = effectivenessFiles, unchecked_return_type = "EffectivenessFiles")]
    pub fn effectiveness_files(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProgrammeFiles")] files: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Partial<EffectivenessOptions>")]
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        use crate::analysis::programme_files as pf;
        let Some(object) = files.dyn_ref::<js_sys::Object>() else {
            return Err(error::to_js(Error::invalid(
                Doc::Options,
                "",
                "the files are an object: { orders, members, ledger, decisions, outcomes, ... }",
            )));
        };
        for key in js_sys::Object::keys(object).iter() {
            let key = key.as_string().unwrap_or_default();
            if !PROGRAMME_FILES.contains(&key.as_str()) {
                return Err(error::to_js(Error::invalid(
                    Doc::Options,
                    key.clone(),
                    format!(
                        "unknown file {key:?}; known: {}",
                        PROGRAMME_FILES.join(", "),
                        key = quoted(&key)
                    ),
                )));
            }
        }
        let get = |key: &str| {
            let v = js_sys::Reflect::get(&files, &key.into()).unwrap_or(JsValue::UNDEFINED);
            (!v.is_undefined() && !v.is_null()).then_some(v)
        };
        let text = |key: &str| -> Result<Option<String>, JsValue> {
            match get(key) {
                None => Ok(None),
                Some(v) => v.as_string().map(Some).ok_or_else(|| {
                    error::to_js(Error::invalid(
                        Doc::Options,
                        key,
                        "must be the file's text (a string)",
                    ))
                }),
            }
        };
        let orders = get("orders").ok_or_else(|| {
            error::to_js(Error::invalid(
                Doc::Options,
                "orders",
                "the transaction file is missing",
            ))
        })?;
        let orders = orders_bytes(&orders).map_err(error::to_js)?;
        let (format, delimiter) = (text("format")?, text("delimiter")?);
        let (members, segments, ledger) = (text("members")?, text("segments")?, text("ledger")?);
        let (decisions, outcomes, surveys) =
            (text("decisions")?, text("outcomes")?, text("surveys")?);
        let options: serde_json::Value = if options.is_undefined() || options.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            read(Doc::Options, options)?
        };
        let texts = pf::ProgrammeTexts {
            orders: &orders,
            format,
            delimiter,
            members: members.as_deref(),
            segments: segments.as_deref(),
            ledger: ledger.as_deref(),
            decisions: decisions.as_deref(),
            outcomes: outcomes.as_deref(),
            surveys: surveys.as_deref(),
        };
        let r = pf::run_files(Some(&*self.engine()?), &texts, options).map_err(|e| match e {
            pf::FilesError::Data(e) => error::to_js(e),
            pf::FilesError::Analysis(e) => error::analysis_to_js(e),
        })?;
        let out: JsValue = js_sys::Object::new().into();
        set(&out, "effectiveness", &write(&r.effectiveness)?);
        set(&out, "report", &r.report.into());
        set(&out, "now", &crate::time::format_instant(r.now).into());
        set(&out, "customers", &(r.customers as f64).into());
        set(&out, "orderlessMembers", &ids(r.orderless.iter()));
        set(&out, "read", &read_report(&r.read, (0, 0)));
        Ok(out)
    }
}
