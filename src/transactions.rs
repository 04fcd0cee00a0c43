//! Transaction files: CSV with a header, and the CDNOW text format. (Feature `cli`.)
//!
//! **CSV** (`--format csv`, the default): a header row naming the columns, in any order:
//!
//! | column | required | meaning |
//! | --- | --- | --- |
//! | `customer_id` | yes | the customer |
//! | `date` or `timestamp` | one of them | ISO 8601 (see [`crate::time`]); `timestamp` may also be epoch **seconds** (a plain number) |
//! | `amount` | yes | what the line or order paid, ≥ 0 |
//! | `order_id` | no | rows with the same customer and order id are lines of one order; without it every row is an order |
//! | `quantity` | no | items on the row (default 1, > 0) |
//! | `category`, `sku` | no | the row's product category and SKU |
//!
//! Other columns are ignored and reported. **CDNOW** (`--format cdnow`): whitespace-separated
//! `customer_id YYYYMMDD number_of_cds dollar_value` (an optional header line starting with
//! `customer_id` is skipped); the 1/10 sample's five columns `customer_id sample_id YYYYMMDD
//! number_of_cds dollar_value` are read too. Every row is one order.
//!
//! A bad row is an [`Error::Row`] with its line number and column. With `skip_bad_rows`, bad
//! rows are counted and the first ones kept in the report instead of stopping the read: nothing
//! is dropped silently.

use crate::customer::{Customer, Id, Item, Order, TimeValue};
use crate::error::Error;
use crate::time;
use std::collections::HashMap;
use std::io::Read;

/// The format of a transaction file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Cdnow,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "cdnow" => Ok(Format::Cdnow),
            other => Err(format!("unknown format {other:?}: use csv or cdnow")),
        }
    }
}

/// One transaction row.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    pub customer_id: String,
    pub order_id: Option<String>,
    /// The time as written (kept for exporting customers unchanged).
    pub at_text: String,
    /// Epoch milliseconds.
    pub at: i64,
    pub amount: f64,
    pub quantity: f64,
    pub category: Option<String>,
    pub sku: Option<String>,
}

/// What a read found.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    /// Rows read (excluding the header).
    pub rows: u64,
    /// Bad rows skipped (only with `skip_bad_rows`).
    pub skipped: u64,
    /// The first skipped rows' errors (at most 20).
    pub first_errors: Vec<Error>,
    /// Columns present but not used.
    pub ignored_columns: Vec<String>,
}

/// Reads transactions from a reader.
pub fn read(
    input: impl Read,
    format: Format,
    skip_bad_rows: bool,
) -> Result<(Vec<Transaction>, ReadReport), Error> {
    match format {
        Format::Csv => read_csv(input, skip_bad_rows),
        Format::Cdnow => read_cdnow(input, skip_bad_rows),
    }
}

fn row_err(line: u64, column: &str, message: impl Into<String>) -> Error {
    Error::Row {
        line,
        column: Some(column.to_string()),
        message: message.into(),
    }
}

fn keep_or_fail(report: &mut ReadReport, e: Error, skip: bool) -> Result<(), Error> {
    if !skip {
        return Err(e);
    }
    report.skipped += 1;
    if report.first_errors.len() < 20 {
        report.first_errors.push(e);
    }
    Ok(())
}

fn parse_amount(text: &str, line: u64, column: &str) -> Result<f64, Error> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| row_err(line, column, format!("{text:?} is not a number")))?;
    if !v.is_finite() || v < 0.0 {
        return Err(row_err(
            line,
            column,
            format!("must be a finite number ≥ 0, got {text:?}"),
        ));
    }
    Ok(v)
}

fn read_cdnow(mut input: impl Read, skip: bool) -> Result<(Vec<Transaction>, ReadReport), Error> {
    let mut text = String::new();
    input.read_to_string(&mut text).map_err(|e| Error::Row {
        line: 0,
        column: None,
        message: format!("cannot read the file: {e}"),
    })?;
    let mut out = Vec::new();
    let mut report = ReadReport::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.is_empty() || (i == 0 && fields.first() == Some(&"customer_id")) {
            continue;
        }
        report.rows += 1;
        let parsed = (|| {
            let (id, date, cds, amount) = match fields.as_slice() {
                [id, date, cds, amount] => (*id, *date, *cds, *amount),
                [id, _sample_id, date, cds, amount] => (*id, *date, *cds, *amount),
                _ => {
                    return Err(Error::Row {
                        line,
                        column: None,
                        message: format!(
                            "expected 4 columns (customer_id date number_of_cds dollar_value) or 5 (with a sample id), found {}",
                            fields.len()
                        ),
                    })
                }
            };
            if date.len() != 8 {
                return Err(row_err(line, "date", format!("{date:?} is not YYYYMMDD")));
            }
            let at = time::parse_instant(date, 0).map_err(|e| row_err(line, "date", e))?;
            let quantity = parse_amount(cds, line, "number_of_cds")?;
            let amount = parse_amount(amount, line, "dollar_value")?;
            Ok(Transaction {
                customer_id: id.to_string(),
                order_id: None,
                at_text: format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]),
                at,
                amount,
                quantity,
                category: None,
                sku: None,
            })
        })();
        match parsed {
            Ok(t) => out.push(t),
            Err(e) => keep_or_fail(&mut report, e, skip)?,
        }
    }
    Ok((out, report))
}

fn read_csv(input: impl Read, skip: bool) -> Result<(Vec<Transaction>, ReadReport), Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header_err = |m: String| Error::Row {
        line: 1,
        column: None,
        message: m,
    };
    let headers = rdr
        .headers()
        .map_err(|e| header_err(format!("cannot read the header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need = |name: &str| {
        col(name).ok_or_else(|| {
            header_err(format!(
                "the header has no {name:?} column (it has: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let c_customer = need("customer_id")?;
    let c_amount = need("amount")?;
    let (c_time, time_name) = match (col("date"), col("timestamp")) {
        (Some(_), Some(_)) => {
            return Err(header_err(
                "the header has both \"date\" and \"timestamp\": keep one".into(),
            ))
        }
        (Some(c), None) => (c, "date"),
        (None, Some(c)) => (c, "timestamp"),
        (None, None) => {
            return Err(header_err(
                "the header needs a \"date\" or a \"timestamp\" column".into(),
            ))
        }
    };
    let (c_order, c_qty, c_cat, c_sku) = (
        col("order_id"),
        col("quantity"),
        col("category"),
        col("sku"),
    );
    let used = [
        Some(c_customer),
        Some(c_amount),
        Some(c_time),
        c_order,
        c_qty,
        c_cat,
        c_sku,
    ];
    let mut report = ReadReport {
        ignored_columns: headers
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(&Some(*i)))
            .map(|(_, h)| h.to_string())
            .collect(),
        ..ReadReport::default()
    };
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        report.rows += 1;
        let parsed = (|| {
            let rec = rec.map_err(|e| Error::Row {
                line: e.position().map_or(line, |p| p.line()),
                column: None,
                message: e.to_string(),
            })?;
            let field = |c: usize| rec.get(c).unwrap_or("");
            let opt = |c: Option<usize>| c.map(field).filter(|s| !s.is_empty()).map(str::to_string);
            let customer_id = field(c_customer).to_string();
            if customer_id.is_empty() {
                return Err(row_err(line, "customer_id", "the customer id is empty"));
            }
            let at_text = field(c_time).to_string();
            let at = if time_name == "timestamp"
                && !at_text.is_empty()
                && at_text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            {
                let secs: f64 = at_text.parse().map_err(|_| {
                    row_err(line, time_name, format!("{at_text:?} is not epoch seconds"))
                })?;
                time::check_millis((secs * 1000.0).round())
                    .map_err(|e| row_err(line, time_name, e))?
            } else {
                time::parse_instant(&at_text, 0).map_err(|e| row_err(line, time_name, e))?
            };
            let amount = parse_amount(field(c_amount), line, "amount")?;
            let quantity = match c_qty.map(field).filter(|s| !s.is_empty()) {
                Some(q) => {
                    let q: f64 = q
                        .parse()
                        .map_err(|_| row_err(line, "quantity", format!("{q:?} is not a number")))?;
                    if !(q.is_finite() && q > 0.0) {
                        return Err(row_err(line, "quantity", format!("must be > 0, got {q}")));
                    }
                    q
                }
                None => 1.0,
            };
            Ok(Transaction {
                customer_id,
                order_id: opt(c_order),
                at_text,
                at,
                amount,
                quantity,
                category: opt(c_cat),
                sku: opt(c_sku),
            })
        })();
        match parsed {
            Ok(t) => out.push(t),
            Err(e) => keep_or_fail(&mut report, e, skip)?,
        }
    }
    Ok((out, report))
}

/// Groups transactions into customer documents, in the order customers first appear.
/// Rows of one `order_id` become one order (amount summed, a line each); other rows one order
/// each. Times keep their written form; epoch-second timestamps become epoch milliseconds.
pub fn customers(transactions: &[Transaction]) -> Vec<Customer> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<Customer> = Vec::new();
    let mut order_index: HashMap<(usize, &str), usize> = HashMap::new();
    for t in transactions {
        let ci = *index.entry(t.customer_id.as_str()).or_insert_with(|| {
            out.push(Customer {
                id: Id(t.customer_id.clone()),
                orders: Vec::new(),
                loyalty: None,
                attributes: Default::default(),
            });
            out.len() - 1
        });
        let Some(customer) = out.get_mut(ci) else {
            continue;
        };
        let item = (t.category.is_some() || t.sku.is_some()).then(|| Item {
            sku: t.sku.clone(),
            category: t.category.clone(),
            price: t.amount / t.quantity,
            qty: t.quantity,
        });
        let at = if t
            .at_text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && !t.at_text.contains('-')
        {
            TimeValue::Millis(t.at as f64)
        } else {
            TimeValue::Text(t.at_text.clone())
        };
        let existing = t
            .order_id
            .as_deref()
            .and_then(|o| order_index.get(&(ci, o)).copied());
        match existing.and_then(|oi| customer.orders.get_mut(oi)) {
            Some(order) => {
                order.amount += t.amount;
                order.items.extend(item);
            }
            None => {
                if let Some(o) = t.order_id.as_deref() {
                    order_index.insert((ci, o), customer.orders.len());
                }
                customer.orders.push(Order {
                    id: t.order_id.clone().map(Id),
                    at,
                    amount: t.amount,
                    refunded: 0.0,
                    items: item.into_iter().collect(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cdnow_master_and_sample_rows() {
        let text = " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n";
        let (t, r) = read(text.as_bytes(), Format::Cdnow, false).unwrap();
        assert_eq!((t.len(), r.rows), (2, 2));
        assert_eq!(t[1].at_text, "1997-01-12");
        let (t, _) = read(
            " 00004 0001 19970101  2   29.33\n".as_bytes(),
            Format::Cdnow,
            false,
        )
        .unwrap();
        assert_eq!((t[0].customer_id.as_str(), t[0].amount), ("00004", 29.33));
    }

    #[test]
    fn bad_rows_name_their_line_and_column() {
        let text = " 00001 19970101  1   11.77\n 00002 19971312  5   77.00\n 00003 19970101 1 x\n";
        let e = read(text.as_bytes(), Format::Cdnow, false).unwrap_err();
        assert_eq!(e.path(), "line 2, column date");
        let (t, r) = read(text.as_bytes(), Format::Cdnow, true).unwrap();
        assert_eq!((t.len(), r.skipped, r.first_errors.len()), (1, 2, 2));
        assert_eq!(r.first_errors[1].path(), "line 3, column dollar_value");
    }

    #[test]
    fn csv_groups_order_lines_and_reads_epoch_seconds() {
        let text = "customer_id,timestamp,amount,order_id,category,quantity,channel\nc1,1700000000,10,o1,jazz,2,web\nc1,1700000000,5,o1,rock,,web\nc2,2023-11-14T22:13:20Z,7,,,,app\n";
        let (t, r) = read(text.as_bytes(), Format::Csv, false).unwrap();
        assert_eq!(r.ignored_columns, vec!["channel".to_string()]);
        assert_eq!(t[0].at, 1_700_000_000_000);
        assert_eq!(t[2].at, 1_700_000_000_000);
        let cs = customers(&t);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].orders.len(), 1);
        assert_eq!(cs[0].orders[0].amount, 15.0);
        assert_eq!(cs[0].orders[0].items.len(), 2);
        assert_eq!(cs[0].orders[0].at, TimeValue::Millis(1.7e12));
        let e = read(
            "customer_id,date,amount\nc1,2024-01-01,-3\n".as_bytes(),
            Format::Csv,
            false,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "orders file line 2, column amount: must be a finite number ≥ 0, got \"-3\""
        );
        let e = read("customer,date,amount\n".as_bytes(), Format::Csv, false).unwrap_err();
        assert!(e.to_string().contains("no \"customer_id\" column"), "{e}");
    }
}
