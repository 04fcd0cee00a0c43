//! The files `offerwise effectiveness` reads, turned into its [`Inputs`](super::effectiveness::Inputs)
//! (feature `train`, which has the transaction reader): the orders (a transaction file), the
//! members and their enrolment, the customers' segments (two-column CSVs keyed by customer) and
//! the loyalty ledger (JSON Lines). The CLI and the data wasm (`engine.effectivenessFiles`, the
//! dashboard's programme page) read the same files with this code, so they agree.
//!
//! Errors are [`AnalysisError`]s with code `input.invalid` and the file and line in the path
//! (`members.csv:7.enrolled_at`).

use super::did::History;
use super::simulate::Base;
use super::AnalysisError;
use crate::error::quoted;
use crate::loyalty::AccountInput;
use crate::transactions::Transaction;
use serde::Deserialize;
use std::collections::BTreeMap;

fn bad(path: String, message: String) -> AnalysisError {
    AnalysisError {
        code: "input.invalid".into(),
        path,
        message,
    }
}

/// Reads a two-column CSV keyed by customer: `names` are the accepted headers of the value
/// column (compared without case, `_`, `-` or spaces); `parse` reads a value. A customer listed
/// twice is an error. `name` names the file in errors.
pub fn read_keyed<T>(
    text: &str,
    name: &str,
    names: &[&str],
    parse: &dyn Fn(&str) -> Result<T, String>,
) -> Result<BTreeMap<String, T>, AnalysisError> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| bad(name.to_string(), e.to_string()))?
        .clone();
    let norm = |h: &str| h.to_ascii_lowercase().replace(['_', '-', ' '], "");
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&norm(h).as_str()))
    };
    let id = find(&["customerid", "customer"])
        .ok_or_else(|| bad(name.to_string(), "no customer_id column".into()))?;
    let first = names.first().copied().unwrap_or("value");
    let col = find(names).ok_or_else(|| bad(name.to_string(), format!("no {first} column")))?;
    let field = headers.get(col).unwrap_or("").to_string();
    let mut out = BTreeMap::new();
    for (i, row) in r.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| bad(format!("{name}:{line}"), e.to_string()))?;
        let c = row.get(id).unwrap_or("").trim();
        if c.is_empty() {
            return Err(bad(format!("{name}:{line}.customer_id"), "empty".into()));
        }
        let v = parse(row.get(col).unwrap_or("").trim())
            .map_err(|e| bad(format!("{name}:{line}.{field}"), e))?;
        if out.insert(c.to_string(), v).is_some() {
            return Err(bad(
                format!("{name}:{line}.customer_id"),
                format!("{c:?} is listed twice", c = quoted(c)),
            ));
        }
    }
    Ok(out)
}

/// Customers' segments: CSV with `customer_id` and `segment` columns.
pub fn read_segments(text: &str, name: &str) -> Result<BTreeMap<String, String>, AnalysisError> {
    read_keyed(text, name, &["segment"], &|s| {
        if s.is_empty() {
            Err("empty".into())
        } else {
            Ok(s.to_string())
        }
    })
}

/// Members and when they enrolled (epoch ms): CSV with `customer_id` and `enrolled_at` (or
/// `enrolled`, `joined_at`) columns.
pub fn read_members(text: &str, name: &str) -> Result<BTreeMap<String, i64>, AnalysisError> {
    read_keyed(text, name, &["enrolledat", "enrolled", "joinedat"], &|s| {
        crate::time::parse_instant(s, 0)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LedgerLine {
    customer_id: String,
    account: AccountInput,
}

/// Loyalty accounts, JSON Lines: `{"customerId": …, "account": {"operations": […], …}}`.
pub fn read_ledger(text: &str, name: &str) -> Result<Vec<(String, AccountInput)>, AnalysisError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: LedgerLine =
            crate::json::from_str(crate::error::Doc::Options, line).map_err(|e| {
                let (p, message) = match e {
                    crate::error::Error::Invalid { path, message, .. } => (path, message),
                    e => (String::new(), e.to_string()),
                };
                let at = if p.is_empty() {
                    String::new()
                } else {
                    format!(".{p}")
                };
                bad(format!("{name}:{}{at}", i + 1), message)
            })?;
        out.push((l.customer_id, l.account));
    }
    Ok(out)
}

/// Every customer of the transactions with orders, with their enrolment and segment, in order
/// of first appearance; and the members without an order (left out), sorted.
pub fn histories(
    rows: &[Transaction],
    mut members: BTreeMap<String, i64>,
    mut segments: BTreeMap<String, String>,
) -> (Vec<History>, Vec<String>) {
    let mut customers: Vec<History> = Base::from_transactions(rows)
        .into_iter()
        .map(|b| History {
            enrolled_at: members.remove(&b.id),
            segment: segments.remove(&b.id),
            id: b.id,
            orders: b.orders,
        })
        .collect();
    customers.retain(|c| !c.orders.is_empty());
    (customers, members.into_keys().collect())
}

/// The files of a programme's effectiveness run ([`run_files`]), as the CLI's
/// `offerwise effectiveness` and the data wasm's `engine.effectivenessFiles` take them: the
/// orders as a transaction file's bytes, the others as text; only the orders are required.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeTexts<'a> {
    pub orders: &'a [u8],
    /// `csv` (the default) or `cdnow`, and the CSV delimiter.
    pub format: Option<String>,
    pub delimiter: Option<String>,
    /// `customer_id,enrolled_at` CSV.
    pub members: Option<&'a str>,
    /// `customer_id,segment` CSV.
    pub segments: Option<&'a str>,
    /// Loyalty accounts, JSON Lines.
    pub ledger: Option<&'a str>,
    /// The decision log (JSON Lines) and its outcome events (JSON Lines or CSV).
    pub decisions: Option<&'a str>,
    pub outcomes: Option<&'a str>,
    /// Survey answers, CSV.
    pub surveys: Option<&'a str>,
}

/// What [`run_files`] found.
#[derive(Debug, Clone)]
pub struct ProgrammeRun {
    pub effectiveness: super::effectiveness::Effectiveness,
    /// The programme report, an HTML page (`offerwise effectiveness --report`).
    pub report: String,
    /// The end of the data, epoch ms.
    pub now: i64,
    /// Customers with orders.
    pub customers: usize,
    /// Members without orders.
    pub orderless: Vec<String>,
    /// What the transaction reader found.
    pub read: crate::transactions::ReadReport,
}

/// An error of [`run_files`]: in the options or the orders (the engine's [`crate::Error`]), or
/// in another file or the analysis.
#[derive(Debug, Clone, PartialEq)]
pub enum FilesError {
    Data(crate::Error),
    Analysis(AnalysisError),
}

impl From<crate::Error> for FilesError {
    fn from(e: crate::Error) -> Self {
        FilesError::Data(e)
    }
}

impl From<AnalysisError> for FilesError {
    fn from(e: AnalysisError) -> Self {
        FilesError::Analysis(e)
    }
}

/// Does the programme pay, from its files: the orders read as the CLI reads them, then
/// [`super::effectiveness::run`] with `options` (`engine.effectiveness()`'s, camelCase JSON;
/// `now` epoch ms or ISO 8601 text, by default the start (UTC) of the day after the last
/// order) and the programme report.
pub fn run_files(
    engine: Option<&crate::Engine>,
    files: &ProgrammeTexts,
    mut options: serde_json::Value,
) -> Result<ProgrammeRun, FilesError> {
    use super::effectiveness::{run, EffectivenessOptions, Inputs};
    use crate::error::Doc;
    let now = match options.get("now") {
        None => None,
        Some(v) => Some(
            serde_json::from_value::<crate::customer::TimeValue>(v.clone()).map_err(|_| {
                crate::Error::invalid(
                    Doc::Options,
                    "now",
                    "now is epoch milliseconds or ISO 8601 text",
                )
            })?,
        ),
    };
    let reading = crate::train::options::ReadArgs {
        now,
        format: files.format.clone(),
        delimiter: files.delimiter.clone(),
        skip_bad_rows: false,
        as_of: false,
    };
    let read = reading.read(files.orders)?;
    if let Some(map) = options.as_object_mut() {
        map.insert("now".into(), read.now.into());
    }
    let options: EffectivenessOptions = crate::json::from_str(Doc::Options, &options.to_string())?;
    let members = match files.members {
        Some(t) => read_members(t, "members")?,
        None => Default::default(),
    };
    let segments = match files.segments {
        Some(t) => read_segments(t, "segments")?,
        None => Default::default(),
    };
    let accounts = match files.ledger {
        Some(t) => read_ledger(t, "ledger")?,
        None => Vec::new(),
    };
    let (customers, orderless) = histories(&read.rows, members, segments);
    let inputs = Inputs {
        customers: &customers,
        accounts: &accounts,
        decisions: files.decisions.map(|t| (t, "decisions")),
        outcomes: files.outcomes.map(|t| (t, "outcomes")),
        surveys: files.surveys.map(|t| (t, "surveys")),
        candidate: None,
    };
    let effectiveness = run(engine, &inputs, &options)?;
    let report = super::programme_report::html(&effectiveness, "Does the programme pay?");
    Ok(ProgrammeRun {
        effectiveness,
        report,
        now: read.now,
        customers: customers.len(),
        orderless,
        read: read.report,
    })
}
