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
                format!("{c:?} is listed twice"),
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
