//! `offerwise._offerwise`: the compiled half of the Python package (its Python half,
//! `python/offerwise/`, takes dicts, dates and DataFrames and hands this module JSON text and
//! Arrow data).
//!
//! Every document crosses as JSON text read by the same deserializer as the CLI's files, so an
//! error names its path (`orders[2].amount`); results come back as Python dicts (pythonize) or
//! as Arrow record batches. Errors are `offerwise.OfferwiseError`s with the stable `code` and
//! `path` of the CLI and the wasm builds. Nothing here panics on input.

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
use offerwise::customer::Customer;
use offerwise::decisions_arrow::{DecisionTable, ProfileTable};
use offerwise::engine::{DecideOptions, Decision, Engine, PrepareOptions};
use offerwise::error::{quoted, Doc, Error};
use offerwise::model::Model;
use offerwise::offers::policy::Policy;
use offerwise::program::Program;
use offerwise::tokens::{Expect, KeySet, SigningKeyPair};
use offerwise::train::options::TrainArgs;
use offerwise::transactions::{self, Transaction};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// mimalloc for the extension's own allocations (Python objects stay with Python's allocator;
/// Arrow buffers handed to pyarrow are freed by their release callback, here, with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// order of first appearance, with the decision's flat columns and its JSON
    /// ([`offerwise::decisions_arrow::DecisionTable`]). `columns` maps meanings
    /// (`customer_id`, `date`, `amount`, `order_id`, `quantity`, `category`, `sku`) to column
    /// names. Customers are decided, and their rows built, on `threads` threads (0: all
    /// cores), without the GIL.
    #[pyo3(signature = (orders, columns, options, threads=0))]
    fn score_arrow(
        &self,
        py: Python<'_>,
        orders: PyTable,
        columns: BTreeMap<String, String>,
        options: &str,
        threads: usize,
    ) -> PyResult<PyTable> {
        let options = decide_options(py, options)?;
        let customers = customers_of(py, orders, &columns, threads)?;
        let engine = &self.engine;
        let schema = DecisionTable::new(engine, true).schema();
        let batches = in_chunks(py, threads, &customers, |chunk| {
            let mut table = DecisionTable::new(engine, true);
            for c in chunk {
                let d = engine.decide(c, &options);
                table.push(Some(&c.id.0), d.as_ref())?;
            }
            table.finish()
        })?;
        PyTable::try_new(batches, schema)
    }

    /// The history's part of the decisions of [`Self::score_arrow`] (features, segment and
    /// lifetime value, `Engine::profile`), as a table of one row per customer: the batch path
    /// of data jobs that need no offers.
    #[pyo3(signature = (orders, columns, options, threads=0))]
    fn profile_arrow(
        &self,
        py: Python<'_>,
        orders: PyTable,
        columns: BTreeMap<String, String>,
        options: &str,
        threads: usize,
    ) -> PyResult<PyTable> {
        let options: PrepareOptions =
            offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
        options.resolve().map_err(|e| core_error(py, &e))?;
        let customers = customers_of(py, orders, &columns, threads)?;
        let engine = &self.engine;
        let schema = ProfileTable::new(true).schema();
        let batches = in_chunks(py, threads, &customers, |chunk| {
            let mut table = ProfileTable::new(true);
            for c in chunk {
                let p = engine.profile(c, &options);
                table.push(Some(&c.id.0), p.as_ref())?;
            }
            table.finish()
        })?;
        PyTable::try_new(batches, schema)
    }

    /// Decides for customer documents given as an Arrow column (`column` of `documents`): JSON
    /// text, or structs with the document's fields (as `pyarrow.Table.from_pylist` or
    /// `pyarrow.json.read_json` make them). One row per document in input order; a document
    /// that cannot be read is a row with its error (path `customer` fields, as for
    /// `decide`).
    #[pyo3(signature = (documents, column, options, threads=0))]
    fn decide_documents(
        &self,
        py: Python<'_>,
        documents: PyTable,
        column: &str,
        options: &str,
        threads: usize,
    ) -> PyResult<PyTable> {
        let options = decide_options(py, options)?;
        let (batches, schema) = documents.into_inner();
        let index = schema.index_of(column).map_err(|_| {
            invalid(
                py,
                Doc::Options,
                "column",
                format!(
                    "no column {column:?}; the table has {}",
                    schema
                        .fields()
                        .iter()
                        .map(|f| format!("{:?}", quoted(f.name())))
                        .collect::<Vec<_>>()
                        .join(", "),
                    column = quoted(column)
                ),
            )
        })?;
        let mut texts: Vec<Option<String>> = Vec::new();
        for b in &batches {
            json_texts(b.column(index), &mut texts)
                .map_err(|e| invalid(py, Doc::Options, "column", e))?;
        }
        let engine = &self.engine;
        let table_schema = DecisionTable::new(engine, true).schema();
        let out = in_chunks(py, threads, &texts, |chunk| {
            let mut table = DecisionTable::new(engine, true);
            for text in chunk {
                let customer = match text {
                    Some(t) => Customer::from_json(t),
                    None => Err(Error::invalid(
                        Doc::Customer,
                        "",
                        "the document is null".to_string(),
                    )),
                };
                match customer {
                    Ok(c) => {
                        let d = engine.decide(&c, &options);
                        table.push(Some(&c.id.0), d.as_ref())?;
                    }
                    Err(e) => table.push(None, Err(&e))?,
                }
            }
            table.finish()
        })?;
        PyTable::try_new(out, table_schema)
    }
}

impl PyEngine {
    fn decide_text(&self, customer: &str, options: &str) -> Result<Decision, Error> {
        let options: DecideOptions = offerwise::json::from_str(Doc::Options, options)?;
        let customer = Customer::from_json(customer)?;
        self.engine.decide(&customer, &options)
    }
}

fn decide_options(py: Python<'_>, options: &str) -> PyResult<DecideOptions> {
    let options: DecideOptions =
        offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
    options.resolve().map_err(|e| core_error(py, &e))?;
    Ok(options)
}

/// Rows of orders read on one thread at a time (a slice of a record batch).
const PIECE_ROWS: usize = 16_384;

/// The customers of orders in long form (their rows read as the CLI reads a file's), on
/// `threads` threads (0: all cores) without the GIL: the rows in pieces in parallel, then
/// grouped by customer in order of first appearance. A bad cell fails with the error of the
/// first bad row, as one thread would.
fn customers_of(
    py: Python<'_>,
    orders: PyTable,
    columns: &BTreeMap<String, String>,
    threads: usize,
) -> PyResult<Vec<Customer>> {
    let (batches, schema) = orders.into_inner();
    let reader =
        offerwise::orders_arrow::Reader::new(&schema, columns).map_err(|e| core_error(py, &e))?;
    let pieces = offerwise::orders_arrow::pieces(&batches, PIECE_ROWS);
    on_threads(py, threads, || {
        let read: Vec<Result<Vec<Transaction>, Error>> = pieces
            .par_iter()
            .map(|(base, piece)| reader.rows_at(piece, *base))
            .collect();
        let read = read.into_iter().collect::<Result<Vec<_>, Error>>()?;
        Ok(transactions::customers(read.iter().flatten()))
    })
}

/// Customers per record batch: each chunk is decided and built into its batch on one thread.
const CHUNK: usize = 1024;

/// `make` for every chunk of `items`, on `threads` threads (0: all cores) without the GIL;
/// the batches in input order.
fn in_chunks<T: Sync>(
    py: Python<'_>,
    threads: usize,
    items: &[T],
    make: impl Fn(&[T]) -> Result<RecordBatch, Error> + Sync,
) -> PyResult<Vec<RecordBatch>> {
    on_threads(py, threads, || items.par_chunks(CHUNK).map(&make).collect())
}

/// `run` on `threads` threads (0: all cores, rayon's global pool) without the GIL.
fn on_threads<R: Send>(
    py: Python<'_>,
    threads: usize,
    run: impl FnOnce() -> Result<R, Error> + Send,
) -> PyResult<R> {
    let made = py.detach(|| {
        if threads == 0 {
            Ok(run())
        } else {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map(|pool| pool.install(run))
        }
    });
    made.map_err(|e| invalid(py, Doc::Options, "threads", e.to_string()))?
        .map_err(|e| core_error(py, &e))
}

/// JSON documents of an Arrow column: text as it is, structs (and maps) written as JSON objects
/// by arrow-json; a null cell is `None`.
fn json_texts(column: &ArrayRef, out: &mut Vec<Option<String>>) -> Result<(), String> {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    match column.data_type() {
        DataType::Utf8 => {
            out.extend(
                column
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(str::to_string)),
            );
        }
        DataType::LargeUtf8 => {
            out.extend(
                column
                    .as_string::<i64>()
                    .iter()
                    .map(|v| v.map(str::to_string)),
            );
        }
        DataType::Utf8View => {
            out.extend(
                column
                    .as_string_view()
                    .iter()
                    .map(|v| v.map(str::to_string)),
            );
        }
        DataType::Struct(fields) => {
            let structs = column.as_struct();
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(fields.clone())),
                structs.columns().to_vec(),
            )
            .map_err(|e| e.to_string())?;
            let mut writer = arrow_json::LineDelimitedWriter::new(Vec::new());
            writer.write(&batch).map_err(|e| e.to_string())?;
            writer.finish().map_err(|e| e.to_string())?;
            let text = String::from_utf8(writer.into_inner()).map_err(|e| e.to_string())?;
            for (i, line) in text.lines().enumerate() {
                out.push(structs.is_valid(i).then(|| line.to_string()));
            }
        }
        other => {
            return Err(format!(
                "the documents' column is {other}: give JSON text or structs"
            ))
        }
    }
    Ok(())
}

fn train_error(py: Python<'_>, e: offerwise::train::TrainError) -> PyErr {
    match e {
        offerwise::train::TrainError::Data(e) => core_error(py, &e),
        other => offerwise_error(py, &other.to_string(), &other.code(), &other.path()),
    }
}

/// Trains a model from a transaction file's bytes, as `offerwise train` and the data wasm's
/// `train()` (options as their JSON: `now`, `format`, `delimiter`, `k` or `kRange`,
/// `algorithm`, `features`, `seed`, `clvModel`, ...). Returns the model as a dict.
#[pyfunction]
fn train<'py>(py: Python<'py>, orders: &[u8], options: &str) -> PyResult<Bound<'py, PyAny>> {
    let args: TrainArgs =
        offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
    args.config().map_err(|e| core_error(py, &e))?;
    args.clv_params().map_err(|e| core_error(py, &e))?;
    let read = args
        .reading()
        .read(orders)
        .map_err(|e| core_error(py, &e))?;
    let trained = py
        .detach(|| args.train(&read, |_| {}))
        .map_err(|e| train_error(py, e))?;
    json_like(py, &trained.model)
}

/// [`train`] from orders in long form as Arrow (read as `Engine.score_arrow` reads them).
#[pyfunction]
fn train_arrow<'py>(
    py: Python<'py>,
    orders: PyTable,
    columns: BTreeMap<String, String>,
    options: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let args: TrainArgs =
        offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
    args.config().map_err(|e| core_error(py, &e))?;
    args.clv_params().map_err(|e| core_error(py, &e))?;
    let reading = args.reading();
    reading.check().map_err(|e| core_error(py, &e))?;
    let (batches, schema) = orders.into_inner();
    let rows = offerwise::orders_arrow::transactions(&batches, &schema, &columns)
        .map_err(|e| core_error(py, &e))?;
    let read = reading
        .finish(rows, Default::default())
        .map_err(|e| core_error(py, &e))?;
    let trained = py
        .detach(|| args.train(&read, |_| {}))
        .map_err(|e| train_error(py, e))?;
    json_like(py, &trained.model)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FitClvOptions {
    calibration_end: offerwise::customer::TimeValue,
    #[serde(default)]
    holdout_end: Option<offerwise::customer::TimeValue>,
    #[serde(default)]
    time_unit: Option<offerwise::clv::TimeUnit>,
    #[serde(default)]
    penalizer: f64,
    #[serde(default)]
    model: Option<String>,
}

/// Fits the lifetime-value models (`offerwise clv --json`): the orders as Arrow; options
/// `calibrationEnd`, `holdoutEnd`, `timeUnit`, `penalizer`, `model` (`auto`, `bgnbd`,
/// `mbgnbd`, `pareto-nbd`). Returns the comparison as a dict.
#[pyfunction]
fn fit_clv<'py>(
    py: Python<'py>,
    orders: PyTable,
    columns: BTreeMap<String, String>,
    options: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let customers = customers_of(py, orders, &columns, 0)?;
    fit_clv_customers(py, &customers, options)
}

/// [`fit_clv`] from a transaction file's bytes (`format`, `delimiter` as `train`'s).
#[pyfunction]
#[pyo3(signature = (orders, format=None, delimiter=None, options="{}"))]
fn fit_clv_file<'py>(
    py: Python<'py>,
    orders: &[u8],
    format: Option<String>,
    delimiter: Option<String>,
    options: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let reading = offerwise::train::options::ReadArgs {
        format,
        delimiter,
        ..Default::default()
    };
    // The instant is the calibration end, given in the options: read every row.
    let read = reading.read(orders).map_err(|e| core_error(py, &e))?;
    let customers = transactions::customers(&read.rows);
    fit_clv_customers(py, &customers, options)
}

fn fit_clv_customers<'py>(
    py: Python<'py>,
    customers: &[Customer],
    options: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let o: FitClvOptions =
        offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
    let instant = |v: &offerwise::customer::TimeValue, path: &str| {
        v.to_millis(0)
            .map_err(|e| invalid(py, Doc::Options, path, e))
    };
    let cal = instant(&o.calibration_end, "calibrationEnd")?;
    let holdout = o
        .holdout_end
        .as_ref()
        .map(|h| instant(h, "holdoutEnd"))
        .transpose()?;
    let kind = match o.model.as_deref() {
        None | Some("auto") => None,
        Some(id) => Some(offerwise::clv::PurchaseModelKind::from_id(id).map_err(|_| {
            invalid(
                py,
                Doc::Options,
                "model",
                format!(
                    "{id:?} must be auto, bgnbd, mbgnbd or pareto-nbd",
                    id = quoted(id)
                ),
            )
        })?),
    };
    let unit = o.time_unit.unwrap_or(offerwise::clv::TimeUnit::Weeks);
    let c = py
        .detach(|| {
            offerwise::train::compare::compare_clv(customers, cal, holdout, unit, o.penalizer, kind)
        })
        .map_err(|e| train_error(py, e))?;
    if let [only] = c.candidates.as_slice() {
        if let Err(e) = &only.fit {
            return Err(offerwise_error(py, &e.to_string(), e.code(), "model"));
        }
    }
    Ok(pythonize::pythonize(py, &c.to_json())?)
}

/// Does the programme pay (`offerwise effectiveness`, the data wasm's
/// `engine.effectivenessFiles`): the orders as a transaction file's bytes, the other files as
/// text (`members`, `segments`, `ledger`, `decisions`, `outcomes`, `surveys`), `format` and
/// `delimiter` of the orders, options as `engine.effectiveness()`'s JSON. Returns
/// `{effectiveness, report (HTML), now, customers, orderlessMembers}`.
#[pyfunction]
#[pyo3(signature = (engine, orders, files, options))]
fn effectiveness<'py>(
    py: Python<'py>,
    engine: &PyEngine,
    orders: &[u8],
    files: BTreeMap<String, String>,
    options: &str,
) -> PyResult<Bound<'py, PyAny>> {
    use offerwise::analysis::programme_files as pf;
    const KNOWN: [&str; 8] = [
        "format",
        "delimiter",
        "members",
        "segments",
        "ledger",
        "decisions",
        "outcomes",
        "surveys",
    ];
    if let Some(k) = files.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(invalid(
            py,
            Doc::Options,
            k,
            format!(
                "unknown file {k:?}; known: orders, {}",
                KNOWN.join(", "),
                k = quoted(k)
            ),
        ));
    }
    let options: serde_json::Value =
        offerwise::json::from_str(Doc::Options, options).map_err(|e| core_error(py, &e))?;
    let get = |k: &str| files.get(k).map(String::as_str);
    let texts = pf::ProgrammeTexts {
        orders,
        format: files.get("format").cloned(),
        delimiter: files.get("delimiter").cloned(),
        members: get("members"),
        segments: get("segments"),
        ledger: get("ledger"),
        decisions: get("decisions"),
        outcomes: get("outcomes"),
        surveys: get("surveys"),
    };
    let r = py
        .detach(|| pf::run_files(Some(&engine.engine), &texts, options))
        .map_err(|e| match e {
            pf::FilesError::Data(e) => core_error(py, &e),
            pf::FilesError::Analysis(e) => analysis_error(py, &e),
        })?;
    let out = serde_json::json!({
        "effectiveness": r.effectiveness,
        "report": r.report,
        "now": offerwise::time::format_instant(r.now),
        "customers": r.customers,
        "orderlessMembers": r.orderless,
    });
    Ok(pythonize::pythonize(py, &out)?)
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
fn token_error(py: Python<'_>, e: offerwise::tokens::TokenError) -> PyErr {
    offerwise_error(py, &e.message, e.code, &e.path)
}

/// A new Ed25519 signing key for offer tokens: (private JWK, public JWK) as JSON text.
#[pyfunction]
#[pyo3(signature = (kid=None))]
fn keygen(py: Python<'_>, kid: Option<&str>) -> PyResult<(String, String)> {
    let mut key = SigningKeyPair::generate().map_err(|e| token_error(py, e))?;
    if let Some(kid) = kid {
        key = key.with_kid(kid).map_err(|e| token_error(py, e))?;
    }
    Ok((key.to_jwk(), key.public().to_jwk()))
}

/// A decision (JSON text) with a `token` in each offer, signed with a private JWK.
#[pyfunction]
fn sign_decision(
    py: Python<'_>,
    decision: &str,
    signing_key: &str,
    ttl_seconds: i64,
) -> PyResult<String> {
    let key = SigningKeyPair::from_jwk(signing_key).map_err(|e| token_error(py, e))?;
    let mut value: serde_json::Value = serde_json::from_str(decision)
        .map_err(|e| offerwise_error(py, &format!("not JSON: {e}"), "token.options", "decision"))?;
    key.sign_decision_json(&mut value, ttl_seconds)
        .map_err(|e| token_error(py, e))?;
    serde_json::to_string(&value)
        .map_err(|e| offerwise_error(py, &e.to_string(), "token.options", "decision"))
}

/// Checks an offer token at checkout (`offerwise verify-token`): its claims as JSON text, or an
/// `OfferwiseError` with the reason's code and path.
#[pyfunction]
#[pyo3(signature = (token, keys, customer, now, offer=None, value=None, leeway_seconds=offerwise::tokens::DEFAULT_LEEWAY_SECONDS))]
#[allow(clippy::too_many_arguments)]
fn verify_token(
    py: Python<'_>,
    token: &str,
    keys: &str,
    customer: &str,
    now: &str,
    offer: Option<&str>,
    value: Option<f64>,
    leeway_seconds: i64,
) -> PyResult<String> {
    let keys = KeySet::from_json(keys).map_err(|e| token_error(py, e))?;
    // `now` as `{"now": ...}` options: ISO 8601 text or epoch milliseconds, read as every
    // other `now` is.
    let options: PrepareOptions =
        offerwise::json::from_str(Doc::Options, now).map_err(|e| core_error(py, &e))?;
    let (now_ms, _) = options.resolve().map_err(|e| core_error(py, &e))?;
    let expect = Expect {
        customer,
        now_ms,
        offer,
        value,
        leeway_seconds,
    };
    let claims =
        offerwise::tokens::verify(token, &keys, &expect).map_err(|e| token_error(py, e))?;
    serde_json::to_string(&claims)
        .map_err(|e| offerwise_error(py, &e.to_string(), "token.options", "claims"))
}

/// A detached signature of a document's exact bytes (`offerwise sign`'s `FILE.sig`).
#[pyfunction]
fn sign_document(py: Python<'_>, document: &[u8], signing_key: &str) -> PyResult<String> {
    let key = SigningKeyPair::from_jwk(signing_key).map_err(|e| token_error(py, e))?;
    Ok(key.sign_document(document))
}

/// Checks a document's detached signature; the id of the key that made it.
#[pyfunction]
fn verify_document(
    py: Python<'_>,
    document: &[u8],
    signature: &str,
    keys: &str,
) -> PyResult<String> {
    let keys = KeySet::from_json(keys).map_err(|e| token_error(py, e))?;
    offerwise::tokens::verify_document(document, signature, &keys).map_err(|e| token_error(py, e))
}

#[pyfunction]
fn version() -> &'static str {
    offerwise::VERSION
}

#[pymodule]
fn _offerwise(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(train_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(fit_clv, m)?)?;
    m.add_function(wrap_pyfunction!(fit_clv_file, m)?)?;
    m.add_function(wrap_pyfunction!(effectiveness, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(keygen, m)?)?;
    m.add_function(wrap_pyfunction!(sign_decision, m)?)?;
    m.add_function(wrap_pyfunction!(verify_token, m)?)?;
    m.add_function(wrap_pyfunction!(sign_document, m)?)?;
    m.add_function(wrap_pyfunction!(verify_document, m)?)?;
    Ok(())
}
