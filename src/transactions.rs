//! Transaction files: CSV with a header, and the CDNOW text format. (Feature `train`.)
//!
//! **CSV** (`--format csv`, the default): a header row naming the columns, in any order and
//! any case; spaces, `_` and `-` in names are ignored, so `Customer ID`, `customer_id` and
//! `CustomerId` are one name. Fields are separated by `,` unless `--delimiter` says otherwise
//! (`;`, `tab`, `|`, any single ASCII character); fields may be quoted (RFC 4180).
//!
//! | column | also read as | required | meaning |
//! | --- | --- | --- | --- |
//! | `customer_id` | `customer`, `user_id`, `client_id`, `member_id` | yes | the customer |
//! | `date` | `timestamp`, `time`, `datetime`, `order_date`, `created_at`, `invoice_date`, `purchase_date` | yes | when the order was placed (time formats below) |
//! | `amount` | `total`, `revenue`, `sales`, `value`, `order_total`, `line_total`, `dollar_value` | yes, unless `price` is given | what the row paid, ≥ 0 |
//! | `price` | `unit_price` | no | the unit price: without an `amount` column, amount = price × quantity |
//! | `order_id` | `order`, `order_number`, `invoice`, `invoice_no`, `invoice_id`, `transaction_id` | no | rows with the same order id are lines of one order; without it every row is an order |
//! | `quantity` | `qty`, `units`, `number_of_cds` | no | items on the row (default 1, > 0) |
//! | `category` | `product_category` | no | the row's product category |
//! | `sku` | `product_id`, `item_id`, `stock_code` | no | the row's SKU |
//!
//! Two columns for one meaning (`date` and `timestamp`) are an error that names both. Other
//! columns are ignored and reported.
//!
//! **Times**: `2024-03-01` (midnight UTC), `20240301`, `2024-03-01T10:30`, `2024-03-01 10:30:15.250`
//! (UTC), `2024-03-01T10:30:00Z`, `…+03:00`, `…-0500` (their own offset), or a plain number that is
//! not 8 digits long, read as **epoch seconds** (`1700000000`, `1700000000.5`).
//!
//! **Orders of several rows**: an `order_id` names one order in the whole file. Its rows must
//! agree on the customer and the time; a row that does not is a bad row (its error names both
//! lines). The order's amount is the sum of its rows, each row an order line.
//!
//! **CDNOW** (`--format cdnow`): whitespace-separated `customer_id YYYYMMDD number_of_cds
//! dollar_value` (an optional header line starting with `customer_id` is skipped); the 1/10
//! sample's five columns `customer_id sample_id YYYYMMDD number_of_cds dollar_value` are read
//! too. Every row is one order.
//!
//! A file that looks like the other format (a CDNOW file read as CSV, a CSV file read as CDNOW,
//! a CSV with another delimiter) is an error that says which option to pass.
//!
//! A bad row is an [`Error::Row`] with its line number and column. With `skip_bad_rows`, bad
//! rows are counted and the first ones kept in the report instead of stopping the read: nothing
//! is dropped silently.

use crate::customer::{Customer, Id, Item, Order, TimeValue};
use crate::error::{quoted, Doc, Error};
use crate::time;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

/// The format of a transaction file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Cdnow,
    /// Apache Parquet (feature `parquet`): columns found as in a CSV header.
    Parquet,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "cdnow" => Ok(Format::Cdnow),
            "parquet" => Ok(Format::Parquet),
            other => Err(format!(
                "unknown format {other:?}: use csv, cdnow or parquet",
                other = quoted(other)
            )),
        }
    }
}

/// Parses a `--delimiter` value: one ASCII character, or `tab` / `\t`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes().first().copied().unwrap_or(b','))
        }
        _ => Err(format!(
            "delimiter {s:?} must be one ASCII character other than a quote or a line break, or \"tab\"", s = quoted(s)
        )),
    }
}

/// How to read a transaction file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    pub format: Format,
    /// The CSV field delimiter (default `,`).
    pub delimiter: u8,
    /// Count and report bad rows instead of stopping at the first.
    pub skip_bad_rows: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: Format::Csv,
            delimiter: b',',
            skip_bad_rows: false,
        }
    }
}

/// One transaction row.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// The row's line in the file (1 = the first line).
    pub line: u64,
    pub customer_id: String,
    pub order_id: Option<String>,
    /// The time as written (kept for exporting customers unchanged).
    pub at_text: String,
    /// Epoch milliseconds.
    pub at: i64,
    /// Whether `at_text` is epoch seconds (else a date-time that reads back as `at`).
    pub at_epoch_seconds: bool,
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
    /// How the file's columns were read: (meaning, column name as written), for the report.
    pub columns: Vec<(&'static str, String)>,
}

/// Reads transactions from a reader with the default CSV delimiter.
pub fn read(
    input: impl Read,
    format: Format,
    skip_bad_rows: bool,
) -> Result<(Vec<Transaction>, ReadReport), Error> {
    read_with(
        input,
        &ReadOptions {
            format,
            skip_bad_rows,
            ..ReadOptions::default()
        },
    )
}

/// Reads transactions from a reader.
pub fn read_with(
    input: impl Read,
    options: &ReadOptions,
) -> Result<(Vec<Transaction>, ReadReport), Error> {
    let mut out = Vec::new();
    let report = read_each(input, options, &mut |t| {
        out.push(t);
        Ok(())
    })?;
    Ok((out, report))
}

/// Reads transactions one row at a time, in file order, into `emit`: what [`read_with`] reads,
/// without holding the file's rows (a data job streams them into [`Grouper`]). An error of
/// `emit` stops the read and is returned.
pub fn read_each(
    input: impl Read,
    options: &ReadOptions,
    emit: &mut dyn FnMut(Transaction) -> Result<(), Error>,
) -> Result<ReadReport, Error> {
    match options.format {
        Format::Csv => read_csv(input, options.delimiter, options.skip_bad_rows, emit),
        Format::Cdnow => read_cdnow(input, options.skip_bad_rows, emit),
        Format::Parquet => read_parquet(input, emit),
    }
}

/// A Parquet file's rows ([`crate::orders_arrow`] finds and reads its columns): the file is read
/// whole, then a record batch at a time. Bad rows are errors (`amount[17]`), never skipped: a
/// Parquet file's types were checked when it was written.
#[cfg(feature = "parquet")]
fn read_parquet(
    mut input: impl Read,
    emit: &mut dyn FnMut(Transaction) -> Result<(), Error>,
) -> Result<ReadReport, Error> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(read_error)?;
    let fail = |e: parquet::errors::ParquetError| {
        Error::invalid(
            Doc::Orders,
            "",
            format!("not a Parquet file this build reads: {e}"),
        )
    };
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).map_err(fail)?;
    let schema = builder.schema().clone();
    let mut reader = crate::orders_arrow::Reader::new(&schema, &Default::default())?;
    let mut report = ReadReport {
        columns: reader.columns().to_vec(),
        ..ReadReport::default()
    };
    report.ignored_columns = schema
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .filter(|n| !report.columns.iter().any(|(_, c)| c == n))
        .collect();
    for batch in builder.build().map_err(fail)? {
        let batch = batch.map_err(|e| Error::invalid(Doc::Orders, "", e.to_string()))?;
        for t in reader.batch(&batch)? {
            report.rows += 1;
            emit(t)?;
        }
    }
    Ok(report)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(
    _input: impl Read,
    _emit: &mut dyn FnMut(Transaction) -> Result<(), Error>,
) -> Result<ReadReport, Error> {
    Err(Error::invalid(
        Doc::Options,
        "format",
        "this build of offerwise reads Parquet only with the `parquet` feature (the CLI has it)",
    ))
}

/// Leaves out the rows after `now` (a backtest "as of" `now`); returns how many rows and
/// distinct orders were left out. Rows of one order share one time, so orders are never split.
pub fn drop_after(rows: &mut Vec<Transaction>, now: i64) -> (u64, u64) {
    let mut as_of = AsOf::new(now);
    rows.retain(|t| as_of.keep(t));
    as_of.left_out()
}

/// [`drop_after`] one row at a time, for rows read as a stream.
#[derive(Debug, Clone)]
pub struct AsOf {
    now: i64,
    rows: u64,
    single: u64,
    orders: std::collections::HashSet<String>,
}

impl AsOf {
    /// Leaves out the rows after `now`.
    pub fn new(now: i64) -> Self {
        AsOf {
            now,
            rows: 0,
            single: 0,
            orders: Default::default(),
        }
    }

    /// Whether a row is kept (placed at or before `now`); counts it when not.
    pub fn keep(&mut self, t: &Transaction) -> bool {
        if t.at <= self.now {
            return true;
        }
        self.rows += 1;
        match &t.order_id {
            Some(o) => {
                if !self.orders.contains(o) {
                    self.orders.insert(o.clone());
                }
            }
            None => self.single += 1,
        }
        false
    }

    /// The rows and distinct orders left out so far.
    pub fn left_out(&self) -> (u64, u64) {
        (self.rows, self.single + self.orders.len() as u64)
    }
}

fn row_err(line: u64, column: &str, message: impl Into<String>) -> Error {
    Error::Row {
        line,
        // The file's own header names the column: a long name is shortened as paths' keys are.
        column: Some(offerwise_conditions::quote::key(column).into_owned()),
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
    let v: f64 = text.trim().parse().map_err(|_| {
        row_err(
            line,
            column,
            format!("{text:?} is not a number", text = quoted(text)),
        )
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(row_err(
            line,
            column,
            format!(
                "must be a finite number ≥ 0, got {text:?}",
                text = quoted(text)
            ),
        ));
    }
    Ok(v)
}

fn read_error(e: std::io::Error) -> Error {
    Error::Row {
        line: 0,
        column: None,
        message: format!("cannot read the file: {e}"),
    }
}

/// Whether a line looks like a CDNOW row or header: 4 or 5 whitespace-separated fields, one of
/// them a `YYYYMMDD` date (or the CDNOW header's names).
fn looks_like_cdnow(line: &str) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if !(4..=5).contains(&fields.len()) {
        return false;
    }
    let is_date = |f: &&str| f.len() == 8 && f.bytes().all(|b| b.is_ascii_digit());
    fields.iter().any(is_date)
        || fields
            .first()
            .is_some_and(|f| f.eq_ignore_ascii_case("customer_id"))
}

fn read_cdnow(
    input: impl Read,
    skip: bool,
    emit: &mut dyn FnMut(Transaction) -> Result<(), Error>,
) -> Result<ReadReport, Error> {
    let mut report = ReadReport::default();
    for (i, raw) in BufReader::new(input).lines().enumerate() {
        let raw = raw.map_err(read_error)?;
        let line = i as u64 + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.is_empty() || (i == 0 && fields.first() == Some(&"customer_id")) {
            continue;
        }
        if i == 0 && raw.contains(',') && !looks_like_cdnow(&raw) {
            return Err(Error::Row {
                line,
                column: None,
                message: "this looks like a CSV file, not the CDNOW text format: pass --format csv (format: \"csv\" from JavaScript)"
                    .into(),
            });
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
            let ymd = (date.len() == 8 && date.is_ascii())
                .then(|| (date.get(..4), date.get(4..6), date.get(6..)));
            let Some((Some(y), Some(m), Some(d))) = ymd else {
                return Err(row_err(
                    line,
                    "date",
                    format!("{date:?} is not YYYYMMDD", date = quoted(date)),
                ));
            };
            let at = time::parse_instant(date, 0).map_err(|e| row_err(line, "date", e))?;
            let quantity = parse_amount(cds, line, "number_of_cds")?;
            let amount = parse_amount(amount, line, "dollar_value")?;
            Ok(Transaction {
                line,
                customer_id: id.to_string(),
                order_id: None,
                at_text: format!("{y}-{m}-{d}"),
                at,
                at_epoch_seconds: false,
                amount,
                quantity,
                category: None,
                sku: None,
            })
        })();
        match parsed {
            Ok(t) => emit(t)?,
            Err(e) => keep_or_fail(&mut report, e, skip)?,
        }
    }
    Ok(report)
}

/// The meanings of CSV columns and the (normalised) names each is read from.
pub(crate) const COLUMNS: [(&str, &[&str]); 8] = [
    (
        "customer_id",
        &["customerid", "customer", "userid", "clientid", "memberid"],
    ),
    (
        "date",
        &[
            "date",
            "timestamp",
            "time",
            "datetime",
            "orderdate",
            "createdat",
            "invoicedate",
            "purchasedate",
        ],
    ),
    (
        "amount",
        &[
            "amount",
            "total",
            "revenue",
            "sales",
            "value",
            "ordertotal",
            "linetotal",
            "dollarvalue",
        ],
    ),
    ("price", &["price", "unitprice"]),
    (
        "order_id",
        &[
            "orderid",
            "order",
            "ordernumber",
            "invoice",
            "invoiceno",
            "invoiceid",
            "transactionid",
        ],
    ),
    ("quantity", &["quantity", "qty", "units", "numberofcds"]),
    ("category", &["category", "productcategory"]),
    ("sku", &["sku", "productid", "itemid", "stockcode"]),
];

/// A column name without case, spaces, `_` and `-`.
pub(crate) fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        d => format!("{:?}", char::from(d)),
    }
}

/// Explains a header that is not CSV with this delimiter, when it can tell why.
fn sniff_header(first: &str, delimiter: u8) -> Option<String> {
    let d = char::from(delimiter);
    if first.contains(d) {
        return None;
    }
    if looks_like_cdnow(first) {
        return Some(
            "this looks like the CDNOW text format (customer_id YYYYMMDD number_of_cds dollar_value, separated by spaces), not CSV: pass --format cdnow (format: \"cdnow\" from JavaScript)"
                .into(),
        );
    }
    for other in [b',', b';', b'\t', b'|'] {
        if other != delimiter && first.contains(char::from(other)) {
            return Some(format!(
                "the header has no {} but has {}: pass --delimiter {} (delimiter: {} from JavaScript)",
                delimiter_name(delimiter),
                delimiter_name(other),
                match other {
                    b'\t' => "tab".to_string(),
                    o => format!("'{}'", char::from(o)),
                },
                match other {
                    b'\t' => "\"tab\"".to_string(),
                    o => format!("\"{}\"", char::from(o)),
                }
            ));
        }
    }
    None
}

fn read_csv(
    input: impl Read,
    delimiter: u8,
    skip: bool,
    emit: &mut dyn FnMut(Transaction) -> Result<(), Error>,
) -> Result<ReadReport, Error> {
    let mut input = BufReader::new(input);
    let mut first = String::new();
    input.read_line(&mut first).map_err(read_error)?;
    let header_err = |m: String| Error::Row {
        line: 1,
        column: None,
        message: m,
    };
    if let Some(hint) = sniff_header(first.trim_start_matches('\u{feff}'), delimiter) {
        return Err(header_err(hint));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(std::io::Cursor::new(first.into_bytes()).chain(input));
    let headers = rdr
        .headers()
        .map_err(|e| header_err(format!("cannot read the header: {e}")))?
        .clone();
    // Which column holds each meaning.
    let mut found: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (i, h) in headers.iter().enumerate() {
        let n = normalise(h.trim_start_matches('\u{feff}'));
        let Some(m) = COLUMNS
            .iter()
            .position(|(_, names)| names.contains(&n.as_str()))
        else {
            continue;
        };
        if let Some(Some(prev)) = found.get(m) {
            return Err(header_err(format!(
                "the header has two columns for {}: {:?} and {:?}; keep one",
                COLUMNS.get(m).map_or("", |c| c.0),
                quoted(headers.get(*prev).unwrap_or("")),
                quoted(h)
            )));
        }
        if let Some(slot) = found.get_mut(m) {
            *slot = Some(i);
        }
    }
    let [c_customer, c_time, c_amount, c_price, c_order, c_qty, c_cat, c_sku] = found;
    let has = crate::error::listed(headers.iter());
    let need = |c: Option<usize>, what: &str, aliases: &str| {
        c.ok_or_else(|| {
            header_err(format!(
                "the header has no {what} column ({aliases}); it has: {has}"
            ))
        })
    };
    let c_customer = need(
        c_customer,
        "customer",
        "customer_id, customer, user_id, ...",
    )?;
    let c_time = need(
        c_time,
        "time",
        "date, timestamp, order_date, created_at, ...",
    )?;
    // amount, or price (× quantity).
    let (c_value, value_name, times_qty) = match (c_amount, c_price) {
        (Some(a), _) => (a, "amount", false),
        (None, Some(p)) => (p, "price", true),
        (None, None) => {
            return Err(header_err(format!(
                "the header has no amount column (amount, total, revenue, ...) and no price column (price, unit_price); it has: {has}"
            )))
        }
    };
    let name_of = |c: usize| headers.get(c).unwrap_or("").to_string();
    let used = [
        Some(c_customer),
        Some(c_time),
        Some(c_value),
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
        columns: [
            ("customer_id", Some(c_customer)),
            ("date", Some(c_time)),
            (value_name, Some(c_value)),
            ("order_id", c_order),
            ("quantity", c_qty),
            ("category", c_cat),
            ("sku", c_sku),
        ]
        .into_iter()
        .filter_map(|(m, c)| c.map(|c| (m, name_of(c))))
        .collect(),
        ..ReadReport::default()
    };
    let time_col = name_of(c_time);
    let value_col = name_of(c_value);
    // order id -> (line, customer, instant) of its first row.
    let mut orders: HashMap<String, (u64, String, i64)> = HashMap::new();
    for rec in rdr.records() {
        let parsed = (|| {
            let rec = rec.map_err(|e| Error::Row {
                line: e.position().map_or(0, |p| p.line()),
                column: None,
                message: e.to_string(),
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            let field = |c: usize| rec.get(c).unwrap_or("");
            let opt = |c: Option<usize>| c.map(field).filter(|s| !s.is_empty()).map(str::to_string);
            let customer_id = field(c_customer).to_string();
            if customer_id.is_empty() {
                return Err(row_err(
                    line,
                    &name_of(c_customer),
                    "the customer id is empty",
                ));
            }
            let at_text = field(c_time).to_string();
            let epoch = !at_text.is_empty()
                && at_text.len() != 8
                && at_text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
                && at_text.bytes().skip(1).all(|b| b != b'-');
            let at = if epoch {
                let secs: f64 = at_text.parse().map_err(|_| {
                    row_err(
                        line,
                        &time_col,
                        format!(
                            "{at_text:?} is not epoch seconds",
                            at_text = quoted(&at_text)
                        ),
                    )
                })?;
                time::check_millis((secs * 1000.0).round()).map_err(|_| {
                    // Epoch milliseconds are the usual mistake: 884000000000 is 1998 in
                    // milliseconds and the year 29983 in seconds.
                    let hint = if time::check_millis(secs.round()).is_ok() && secs.abs() >= 1e11 {
                        "; it looks like epoch milliseconds: divide it by 1000, or write a date (1998-01-05)"
                    } else {
                        ""
                    };
                    row_err(
                        line,
                        &time_col,
                        format!(
                            "{:?} read as epoch seconds is outside the years 1 to 9999{hint}",
                            quoted(&at_text)
                        ),
                    )
                })?
            } else {
                time::parse_instant(&at_text, 0).map_err(|e| row_err(line, &time_col, e))?
            };
            let value = parse_amount(field(c_value), line, &value_col)?;
            let quantity = match c_qty.map(field).filter(|s| !s.is_empty()) {
                Some(q) => {
                    let col = c_qty.map(name_of).unwrap_or_default();
                    let q: f64 = q.parse().map_err(|_| {
                        row_err(line, &col, format!("{q:?} is not a number", q = quoted(q)))
                    })?;
                    if !(q.is_finite() && q > 0.0) {
                        return Err(row_err(line, &col, format!("must be > 0, got {q}")));
                    }
                    q
                }
                None => 1.0,
            };
            let amount = if times_qty { value * quantity } else { value };
            let order_id = opt(c_order);
            if let Some(o) = &order_id {
                match orders.get(o) {
                    Some((first, cust, first_at)) if *cust != customer_id || *first_at != at => {
                        return Err(row_err(
                            line,
                            &c_order.map(name_of).unwrap_or_default(),
                            format!(
                                "order {o:?} has customer {cust:?} at {} on line {first}, but customer {customer_id:?} at {} here: the lines of one order must agree on customer and time",
                                time::format_instant(*first_at),
                                time::format_instant(at), o = quoted(o), cust = quoted(cust), customer_id = quoted(&customer_id)
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        orders.insert(o.clone(), (line, customer_id.clone(), at));
                    }
                }
            }
            Ok(Transaction {
                line,
                customer_id,
                order_id,
                at_text,
                at,
                at_epoch_seconds: epoch,
                amount,
                quantity,
                category: opt(c_cat),
                sku: opt(c_sku),
            })
        })();
        report.rows += 1;
        match parsed {
            Ok(t) => emit(t)?,
            Err(e) => keep_or_fail(&mut report, e, skip)?,
        }
    }
    Ok(report)
}

/// Groups transactions into customer documents, in the order customers first appear.
/// Rows of one `order_id` (checked by the reader to agree on customer and time) become one order (amount summed, a line each); other rows one order
/// each. Times keep their written form; epoch-second timestamps become epoch milliseconds.
pub fn customers<'a>(transactions: impl IntoIterator<Item = &'a Transaction>) -> Vec<Customer> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<Customer> = Vec::new();
    let mut order_index: HashMap<(usize, &str), usize> = HashMap::new();
    for t in transactions {
        let ci = *index.entry(t.customer_id.as_str()).or_insert_with(|| {
            out.push(new_customer(t));
            out.len() - 1
        });
        let Some(customer) = out.get_mut(ci) else {
            continue;
        };
        let existing = t
            .order_id
            .as_deref()
            .and_then(|o| order_index.get(&(ci, o)).copied());
        if let (Some(o), Some(i)) = (t.order_id.as_deref(), add_row(customer, existing, t)) {
            order_index.insert((ci, o), i);
        }
    }
    out
}

fn new_customer(t: &Transaction) -> Customer {
    Customer {
        id: Id(t.customer_id.clone()),
        orders: Vec::new(),
        loyalty: None,
        offer_history: Vec::new(),
        attributes: Default::default(),
    }
}

/// Adds a row to its customer: a line of the order `existing` (the order of the same id), or
/// a new order, whose index is returned.
fn add_row(customer: &mut Customer, existing: Option<usize>, t: &Transaction) -> Option<usize> {
    let item = (t.category.is_some() || t.sku.is_some()).then(|| Item {
        sku: t.sku.clone(),
        category: t.category.clone(),
        price: t.amount / t.quantity,
        qty: t.quantity,
    });
    if let Some(order) = existing.and_then(|oi| customer.orders.get_mut(oi)) {
        order.amount += t.amount;
        order.items.extend(item);
        return None;
    }
    // The written form, except epoch seconds, which become epoch milliseconds.
    let at = if t.at_epoch_seconds {
        TimeValue::Millis(t.at as f64)
    } else {
        TimeValue::Text(t.at_text.clone())
    };
    customer.orders.push(Order {
        id: t.order_id.clone().map(Id),
        at,
        amount: t.amount,
        refunded: 0.0,
        items: item.into_iter().collect(),
    });
    Some(customer.orders.len() - 1)
}

/// Groups rows read as a stream into the customers [`customers`] makes of the whole file, each
/// as soon as its rows end, when each customer's rows are together (a file sorted or grouped by
/// customer, as exports usually are). A customer whose rows come back after another's is
/// [`NotGrouped`]: the caller then reads the whole file with [`customers`].
#[derive(Debug, Default)]
pub struct Grouper {
    current: Option<Customer>,
    /// The current customer's orders by id.
    orders: HashMap<String, usize>,
    /// Hashes of the ids of the customers already given out: a collision only sends a grouped
    /// file to the whole read, never groups wrongly.
    done: std::collections::HashSet<u64>,
}

/// A customer's rows are not together: they come back on `line` after another customer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotGrouped {
    pub customer_id: String,
    pub line: u64,
}

impl Grouper {
    /// Adds the next row; gives out the customer before it when the row starts another.
    pub fn push(&mut self, t: &Transaction) -> Result<Option<Customer>, NotGrouped> {
        if let Some(c) = &mut self.current {
            if c.id.0 == t.customer_id {
                let existing = t
                    .order_id
                    .as_deref()
                    .and_then(|o| self.orders.get(o).copied());
                if let (Some(o), Some(i)) = (&t.order_id, add_row(c, existing, t)) {
                    self.orders.insert(o.clone(), i);
                }
                return Ok(None);
            }
        }
        if self.done.contains(&id_hash(&t.customer_id)) {
            return Err(NotGrouped {
                customer_id: t.customer_id.clone(),
                line: t.line,
            });
        }
        let mut next = new_customer(t);
        self.orders.clear();
        if let (Some(o), Some(i)) = (&t.order_id, add_row(&mut next, None, t)) {
            self.orders.insert(o.clone(), i);
        }
        let finished = self.current.replace(next);
        if let Some(f) = &finished {
            self.done.insert(id_hash(&f.id.0));
        }
        Ok(finished)
    }

    /// The last customer.
    pub fn finish(self) -> Option<Customer> {
        self.current
    }
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // Keys fixed: the same ids hash the same in every run.
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of 40 customers, grouped by customer: orders of several lines (ids shared by
    /// customers, as order numbers per customer are), single-row orders, epoch seconds.
    fn grouped_rows() -> Vec<Transaction> {
        let mut rows = Vec::new();
        let mut line = 1;
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for c in 0..40 {
            for o in 0..1 + next(5) {
                let lines = 1 + next(3);
                let with_id = next(4) != 0;
                let at = 852_076_800_000 + (o as i64) * 86_400_000 * (1 + next(30) as i64);
                for l in 0..lines {
                    line += 1;
                    rows.push(Transaction {
                        line,
                        customer_id: format!("c{c}"),
                        order_id: with_id.then(|| format!("o{o}")),
                        at_text: if c % 3 == 0 {
                            format!("{}", at / 1000)
                        } else {
                            time::format_instant(at)
                        },
                        at,
                        at_epoch_seconds: c % 3 == 0,
                        amount: (next(10_000) as f64) / 100.0,
                        quantity: 1.0 + next(3) as f64,
                        category: (l % 2 == 0).then(|| format!("cat{}", next(4))),
                        sku: (l % 3 == 1).then(|| format!("sku{l}")),
                    });
                }
            }
        }
        rows
    }

    fn grouped(rows: &[Transaction]) -> Result<Vec<Customer>, NotGrouped> {
        let mut g = Grouper::default();
        let mut out = Vec::new();
        for t in rows {
            out.extend(g.push(t)?);
        }
        out.extend(g.finish());
        Ok(out)
    }

    #[test]
    fn a_grouped_stream_makes_the_whole_files_customers() {
        let rows = grouped_rows();
        let whole = customers(&rows);
        assert!(
            whole.len() > 30
                && whole
                    .iter()
                    .any(|c| c.orders.iter().any(|o| o.items.len() > 1))
        );
        assert_eq!(grouped(&rows), Ok(whole));
        assert_eq!(grouped(&[]), Ok(Vec::new()));
        // A customer coming back after another is not grouped, at the line it comes back on.
        let mut mixed = rows.clone();
        let back = mixed
            .iter()
            .position(|t| t.customer_id == "c5")
            .expect("c5 has rows");
        let moved = mixed.remove(back);
        let at = mixed
            .iter()
            .position(|t| t.customer_id == "c9")
            .expect("c9 has rows");
        mixed.insert(at, moved.clone());
        let e = grouped(&mixed).expect_err("not grouped");
        assert_eq!((e.customer_id.as_str(), e.line), ("c5", moved.line));
    }

    #[test]
    fn as_of_one_row_at_a_time_is_drop_after() {
        let rows = grouped_rows();
        let now = rows.iter().map(|t| t.at).sum::<i64>() / rows.len() as i64;
        let mut kept = rows.clone();
        let counts = drop_after(&mut kept, now);
        let mut as_of = AsOf::new(now);
        let streamed: Vec<Transaction> = rows.into_iter().filter(|t| as_of.keep(t)).collect();
        assert_eq!((streamed, as_of.left_out()), (kept, counts));
        assert!(counts.0 > counts.1 && counts.1 > 0, "{counts:?}");
    }

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
        // A number is epoch seconds: epoch milliseconds are out of range, and the error says
        // what they look like.
        let e = read(
            "customer_id,date,amount\nc1,884000000000,3\n".as_bytes(),
            Format::Csv,
            false,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "orders file line 2, column date: \"884000000000\" read as epoch seconds is outside the years 1 to 9999; it looks like epoch milliseconds: divide it by 1000, or write a date (1998-01-05)"
        );
        let e = read(
            "customer_id,date,amount\nc1,-99999999999999,3\n".as_bytes(),
            Format::Csv,
            false,
        )
        .unwrap_err();
        assert!(
            e.to_string().ends_with("outside the years 1 to 9999"),
            "{e}"
        );
        let e = read("buyer,date,amount\n".as_bytes(), Format::Csv, false).unwrap_err();
        assert!(e.to_string().contains("no customer column"), "{e}");
        // `customer` is one of customer_id's names.
        let (t, r) = read(
            "Customer,Date,Total\nc9,2024-01-01,3\n".as_bytes(),
            Format::Csv,
            false,
        )
        .unwrap();
        assert_eq!(
            (t[0].customer_id.as_str(), t[0].amount, t[0].line),
            ("c9", 3.0, 2)
        );
        assert_eq!(r.columns[2], ("amount", "Total".to_string()));
    }
}
