//! `offerwise._offerwise`: the compiled half of the Python package (its Python half,
//! `python/offerwise/`, takes dicts, dates and DataFrames and hands this module JSON text and
//! Arrow data).
//!
//! Every document crosses as JSON text read by the same deserializer as the CLI's files, so an
//! error names its path (`orders[2].amount`); results come back as Python dicts (pythonize) or
//! as Arrow record batches. Errors are `offerwise.OfferwiseError`s with the stable `code` and
//! `path` of the CLI and the wasm builds. Nothing here panics on input.

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use offerwise::customer::Customer;
use offerwise::engine::{DecideOptions, Decision, Engine};
use offerwise::error::{Doc, Error};
use offerwise::model::Model;
use offerwise::offers::policy::Policy;
use offerwise::program::Program;
use offerwise::transactions;
use pyo3::prelude::*;
use pyo3_arrow::{PyRecordBatch, PyTable};
use rayon::prelude::*;
use std::sync::Arc;

const DEFAULT_MODEL: &str = include_str!("../../../models/default.json");
const DEFAULT_PROGRAM: &str = include_str!("../../../models/default-program.json");
const DEFAULT_POLICY: &str = include_str!("../../../models/default-policy.json");

/// An `offerwise.OfferwiseError(message, code, path)` (defined in Python, `offerwise/_errors.py`).
fn offerwise_error(py: Python<'_>, message: &str, code: &str, path: &str) -> PyErr {
    let made = py
        .import("offerwise._errors")
        .and_then(|m| m.getattr("OfferwiseError"))
        .and_then(|class| class.call1((message, code, path)));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// A result as the dicts and lists its JSON is (tuples in the Rust value become lists, as
/// `json.loads` of the CLI's output gives them).
fn json_like<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value).map_err(|e| {
        invalid(
            py,
            Doc::Options,
            "",
            format!("could not build the result: {e}"),
        )
    })?;
    Ok(pythonize::pythonize(py, &v)?)
}

fn core_error(py: Python<'_>, e: &Error) -> PyErr {
    offerwise_error(py, &e.to_string(), &e.code(), &e.path())
}

fn analysis_error(py: Python<'_>, e: &offerwise::analysis::AnalysisError) -> PyErr {
    offerwise_error(py, &format!("{}: {}", e.path, e.message), &e.code, &e.path)
}

fn invalid(py: Python<'_>, doc: Doc, path: &str, message: impl Into<String>) -> PyErr {
    core_error(py, &Error::invalid(doc, path, message))
}

/// The offers engine: a model, a programme and (optionally) a learned policy.
#[pyclass(module = "offerwise._offerwise", name = "Engine", frozen)]
struct PyEngine {
    engine: Engine,
}

#[pymethods]
impl PyEngine {
    /// Loads the engine from JSON texts; `None` for both model and programme is the embedded
    /// default (and its learned policy, unless `no_policy`), as the CLI does.
    #[new]
    #[pyo3(signature = (model=None, program=None, policy=None, no_policy=false))]
    fn new(
        py: Python<'_>,
        model: Option<&str>,
        program: Option<&str>,
        policy: Option<&str>,
        no_policy: bool,
    ) -> PyResult<Self> {
        let defaults = model.is_none() && program.is_none();
        let err = |e: Error| core_error(py, &e);
        let model = Model::from_json(model.unwrap_or(DEFAULT_MODEL)).map_err(err)?;
        let program = Program::parse(program.unwrap_or(DEFAULT_PROGRAM)).map_err(err)?;
        let mut engine = Engine::new(model, program).map_err(err)?;
        let policy = match (policy, no_policy) {
            (Some(p), _) => Some(p),
            (None, false) if defaults => Some(DEFAULT_POLICY),
            _ => None,
        };
        if let Some(p) = policy {
            engine = engine
                .with_policy(Policy::from_json(p).map_err(err)?)
                .map_err(err)?;
        }
        Ok(PyEngine { engine })
    }

    /// The model's version (`name@fingerprint`).
    #[getter]
    fn model_version(&self) -> String {
        self.engine.model().version.clone()
    }

    /// The programme's name and version.
    #[getter]
    fn program_version(&self) -> String {
        self.engine.program_version().to_string()
    }

    /// Warnings about the programme (unreachable offers, ...), as dicts.
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_like(py, &self.engine.warnings())
    }

    /// Decides for one customer document (JSON text) with options (JSON text: `now`, `cart`,
    /// `context`, ...): the decision as a dict, the CLI's JSON value for value.
    fn decide<'py>(
        &self,
        py: Python<'py>,
        customer: &str,
        options: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d = self
            .decide_text(customer, options)
            .map_err(|e| core_error(py, &e))?;
        Ok(pythonize::pythonize(py, &d)?)
    }

    /// The decision as JSON text (the line `offerwise score` writes for the customer).
    fn decide_json(&self, py: Python<'_>, customer: &str, options: &str) -> PyResult<String> {
        let d = self
            .decide_text(customer, options)
            .map_err(|e| core_error(py, &e))?;
        serde_json::to_string(&d).map_err(|e| invalid(py, Doc::Options, "", e.to_string()))
    }

    /// Scores orders in long form, given as Arrow (anything with `__arrow_c_stream__`: a
    /// pyarrow Table or RecordBatchReader, a polars DataFrame, ...): one row per customer in
    /// order of first appearance, with the decision's flat columns and its JSON. `columns`
    /// maps meanings (`customer_id`, `date`, `amount`, `order_id`, `quantity`, `category`,
    /// `sku`) to column names. Customers are decided on `threads` threads (0: all cores),
    /// without the GIL.
    #[pyo3(signature = (orders, columns, options, threads=0))]
    fn score_arrow(
        &self,
        py: Python<'_>,
        orders: PyTable,
        columns: std::collections::BTreeMap<String, String>,
        options: &str,
        threads: usize,
    ) -> PyResult<PyRecordBatch> {
        let options: DecideOptions =
            offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
        options.resolve().map_err(|e| core_error(py, &e))?;
        let (batches, schema) = orders.into_inner();
        let rows = offerwise::orders_arrow::transactions(&batches, &schema, &columns)
            .map_err(|e| core_error(py, &e))?;
        let customers = transactions::customers(&rows);
        let engine = &self.engine;
        let decide = || -> Vec<Result<Decision, Error>> {
            customers
                .par_iter()
                .map(|c| engine.decide(c, &options))
                .collect()
        };
        let decisions = py.detach(|| {
            if threads == 0 {
                Ok(decide())
            } else {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map(|pool| pool.install(decide))
            }
        });
        let decisions =
            decisions.map_err(|e| invalid(py, Doc::Options, "threads", e.to_string()))?;
        let batch = decision_batch(engine, &customers, &decisions)
            .map_err(|e| invalid(py, Doc::Options, "", e))?;
        Ok(PyRecordBatch::new(batch))
    }
}

impl PyEngine {
    fn decide_text(&self, customer: &str, options: &str) -> Result<Decision, Error> {
        let options: DecideOptions = offerwise::json::from_str(Doc::Options, options)?;
        let customer = Customer::from_json(customer)?;
        self.engine.decide(&customer, &options)
    }
}

/// One row per customer: the decision's flat columns, its JSON, and its error when it failed.
fn decision_batch(
    engine: &Engine,
    customers: &[Customer],
    decisions: &[Result<Decision, Error>],
) -> Result<RecordBatch, String> {
    let n = customers.len();
    let mut id = StringBuilder::new();
    let mut segment_id = Int32Builder::with_capacity(n);
    let mut segment = StringBuilder::new();
    let mut role = StringBuilder::new();
    let mut p_alive = Float64Builder::with_capacity(n);
    let mut churn = Float64Builder::with_capacity(n);
    let mut purchases = Float64Builder::with_capacity(n);
    let mut clv = Float64Builder::with_capacity(n);
    let mut tier = StringBuilder::new();
    let mut balance = Float64Builder::with_capacity(n);
    let mut available = Float64Builder::with_capacity(n);
    let mut held_out = BooleanBuilder::with_capacity(n);
    let mut offers = ListBuilder::new(StringBuilder::new());
    let mut propensities = ListBuilder::new(Float64Builder::new());
    let experiments: Vec<String> = engine
        .program()
        .experiments
        .iter()
        .map(|x| x.key.clone())
        .collect();
    let mut variants: Vec<StringBuilder> =
        experiments.iter().map(|_| StringBuilder::new()).collect();
    let mut json = StringBuilder::new();
    let mut code = StringBuilder::new();
    let mut path = StringBuilder::new();
    let mut message = StringBuilder::new();
    for (c, d) in customers.iter().zip(decisions) {
        id.append_value(&c.id.0);
        match d {
            Ok(d) => {
                let seg = d.segment.as_ref();
                segment_id.append_option(seg.and_then(|s| i32::try_from(s.id).ok()));
                segment.append_option(seg.map(|s| s.name.as_str()));
                role.append_option(seg.map(|s| s.role.id()));
                let clv_state = d.clv.as_ref();
                p_alive.append_option(clv_state.map(|c| c.p_alive));
                churn.append_option(clv_state.map(|c| c.churn_risk));
                purchases.append_option(clv_state.map(|c| c.expected_purchases));
                clv.append_option(clv_state.and_then(|c| c.clv));
                tier.append_option(d.loyalty.tier.as_ref().map(|t| t.id.as_str()));
                balance.append_value(d.loyalty.ledger.balance as f64);
                available.append_value(d.loyalty.ledger.available as f64);
                held_out.append_option(d.holdout.as_ref().map(|h| h.held_out));
                for o in &d.offers {
                    offers.values().append_value(&o.id);
                    propensities.values().append_value(o.propensity);
                }
                offers.append(true);
                propensities.append(true);
                for (key, b) in experiments.iter().zip(variants.iter_mut()) {
                    b.append_option(
                        d.experiments
                            .iter()
                            .find(|x| &x.key == key)
                            .and_then(|x| x.variant.as_deref()),
                    );
                }
                json.append_value(serde_json::to_string(d).map_err(|e| e.to_string())?);
                code.append_null();
                path.append_null();
                message.append_null();
            }
            Err(e) => {
                segment_id.append_null();
                segment.append_null();
                role.append_null();
                p_alive.append_null();
                churn.append_null();
                purchases.append_null();
                clv.append_null();
                tier.append_null();
                balance.append_null();
                available.append_null();
                held_out.append_null();
                offers.append(false);
                propensities.append(false);
                for b in variants.iter_mut() {
                    b.append_null();
                }
                json.append_null();
                code.append_value(e.code());
                path.append_value(e.path());
                message.append_value(e.to_string());
            }
        }
    }
    let mut fields = vec![
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("segment_id", DataType::Int32, true),
        Field::new("segment", DataType::Utf8, true),
        Field::new("role", DataType::Utf8, true),
        Field::new("p_alive", DataType::Float64, true),
        Field::new("churn_risk", DataType::Float64, true),
        Field::new("expected_purchases", DataType::Float64, true),
        Field::new("clv", DataType::Float64, true),
        Field::new("tier", DataType::Utf8, true),
        Field::new("points_balance", DataType::Float64, true),
        Field::new("points_available", DataType::Float64, true),
        Field::new("held_out", DataType::Boolean, true),
        Field::new(
            "offers",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new(
            "propensities",
            DataType::List(Arc::new(Field::new("item", DataType::Float64, true))),
            true,
        ),
    ];
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(segment_id.finish()),
        Arc::new(segment.finish()),
        Arc::new(role.finish()),
        Arc::new(p_alive.finish()),
        Arc::new(churn.finish()),
        Arc::new(purchases.finish()),
        Arc::new(clv.finish()),
        Arc::new(tier.finish()),
        Arc::new(balance.finish()),
        Arc::new(available.finish()),
        Arc::new(held_out.finish()),
        Arc::new(offers.finish()),
        Arc::new(propensities.finish()),
    ];
    for (key, mut b) in experiments.iter().zip(variants) {
        fields.push(Field::new(format!("variant:{key}"), DataType::Utf8, true));
        arrays.push(Arc::new(b.finish()));
    }
    for (name, mut b) in [
        ("decision", json),
        ("error_code", code),
        ("error_path", path),
        ("error_message", message),
    ] {
        fields.push(Field::new(name, DataType::Utf8, true));
        arrays.push(Arc::new(b.finish()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())
}

/// Trains a model from a transaction file's bytes, as `offerwise train` (options as JSON:
/// `now`, `format`, `k` or `kRange`, `seed`, ...; the wasm `train()`'s). Returns the model as a
/// dict.
#[pyfunction]
fn train<'py>(py: Python<'py>, orders: &[u8], options: &str) -> PyResult<Bound<'py, PyAny>> {
    let model = train_model(orders, options).map_err(|e| match e {
        offerwise::train::TrainError::Data(e) => core_error(py, &e),
        other => offerwise_error(py, &other.to_string(), &other.code(), &other.path()),
    })?;
    json_like(py, &model)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TrainOptions {
    now: offerwise::customer::TimeValue,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    k: Option<usize>,
    #[serde(default)]
    k_range: Option<[usize; 2]>,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    n_init: Option<usize>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default = "yes")]
    clv: bool,
}

fn yes() -> bool {
    true
}

fn train_model(orders: &[u8], options: &str) -> Result<Model, offerwise::train::TrainError> {
    use offerwise::train::{ClvParams, KChoice, TrainConfig};
    let o: TrainOptions = offerwise::json::from_str(Doc::Options, options)?;
    let now = o
        .now
        .to_millis(0)
        .map_err(|e| Error::invalid(Doc::Options, "now", e))?;
    let format = match o.format.as_deref() {
        None => transactions::Format::Csv,
        Some(f) => f
            .parse()
            .map_err(|e: String| Error::invalid(Doc::Options, "format", e))?,
    };
    let k = match (o.k, o.k_range) {
        (Some(_), Some(_)) => {
            return Err(
                Error::invalid(Doc::Options, "k_range", "give k or k_range, not both").into(),
            )
        }
        (Some(k), None) => KChoice::Fixed(k),
        (None, Some([lo, hi])) => KChoice::Range(lo, hi),
        (None, None) => KChoice::Fixed(5),
    };
    let d = TrainConfig::default();
    let config = TrainConfig {
        name: o.name.unwrap_or(d.name),
        features: o.features.unwrap_or(d.features),
        k,
        seed: o.seed.unwrap_or(d.seed),
        n_init: o.n_init.unwrap_or(d.n_init),
        ..d
    }
    .check()
    .map_err(|e| Error::invalid(Doc::Options, "", e))?;
    let (rows, _) = transactions::read(orders, format, false)?;
    let clv = o.clv.then_some(ClvParams {
        unit: offerwise::clv::TimeUnit::Weeks,
        penalizer: 0.0,
        model: None,
    });
    let source = o.source.unwrap_or_else(|| "orders".into());
    Ok(offerwise::train::train_transactions(&rows, &config, &source, now, clv, |_| {})?.model)
}

/// Analyses an experiment's unit CSV (bytes), as `offerwise analyze --units` (options as JSON:
/// `control`, `metrics`, ...): the analysis as a dict.
#[pyfunction]
fn analyze<'py>(py: Python<'py>, units: &[u8], options: &str) -> PyResult<Bound<'py, PyAny>> {
    let options: offerwise::analysis::units::UnitsOptions =
        offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
    let a = offerwise::analysis::units::analyze_csv(units, "units", &options)
        .map_err(|e| analysis_error(py, &e))?;
    json_like(py, &a)
}

/// The engine's version.
#[pyfunction]
fn version() -> &'static str {
    offerwise::VERSION
}

#[pymodule]
fn _offerwise(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
