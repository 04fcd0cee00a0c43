//! Orders in long form as Arrow record batches (feature `arrow`): the Parquet files the CLI reads
//! (`--format parquet`) and the tables the Python package scores, turned into the same
//! [`Transaction`] rows as a CSV file, so every path decides alike.
//!
//! Columns are found by the names the CSV reader knows ([`crate::transactions`]: `customer_id`,
//! `date`, `amount` or `price` × `quantity`, and optionally `order_id`, `quantity`,
//! `category`, `sku`, in any case, with spaces, `_` and `-` ignored), or as `columns` names them
//! (`{"customer_id": "member"}`). Ids and categories are text or integers; amounts and
//! quantities numbers (a text column is refused: cast it); times are timestamps (any unit and
//! zone: the instant), dates (midnight UTC) or text in the CLI's time formats (a number is
//! refused: seconds or milliseconds?).
//!
//! A bad cell is an error whose path is `column[row]` (rows counted from 0 over the batches).

use crate::error::{quoted, Doc, Error};
use crate::transactions::{normalise, Transaction, COLUMNS};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type, Float64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};
use std::collections::BTreeMap;

/// The meanings of [`COLUMNS`], in its order.
const CUSTOMER: usize = 0;
const DATE: usize = 1;
const AMOUNT: usize = 2;
const PRICE: usize = 3;
const ORDER: usize = 4;
const QUANTITY: usize = 5;
const CATEGORY: usize = 6;
const SKU: usize = 7;

/// The column index of each meaning of [`COLUMNS`]: as `columns` names it, else found by name.
fn locate(
    schema: &Schema,
    columns: &BTreeMap<String, String>,
) -> Result<[Option<usize>; 8], Error> {
    let known = || COLUMNS.map(|(m, _)| m).join(", ");
    for k in columns.keys() {
        if !COLUMNS.iter().any(|(m, _)| m == k) {
            return Err(Error::invalid(
                Doc::Options,
                crate::json::join("columns", k),
                format!("unknown meaning {k:?}; known: {}", known(), k = quoted(k)),
            ));
        }
    }
    let mut out = [None; 8];
    for (slot, (meaning, aliases)) in out.iter_mut().zip(COLUMNS.iter()) {
        *slot = match columns.get(*meaning) {
            Some(name) => Some(schema.index_of(name).map_err(|_| {
                Error::invalid(
                    Doc::Orders,
                    name.clone(),
                    format!(
                        "no column {name:?} (given as columns.{meaning})",
                        name = quoted(name)
                    ),
                )
            })?),
            None => schema
                .fields()
                .iter()
                .position(|f| aliases.contains(&normalise(f.name()).as_str())),
        };
    }
    let names = || crate::error::listed(schema.fields().iter().map(|f| f.name().as_str()));
    for (i, meaning) in [(CUSTOMER, "customer_id"), (DATE, "date")] {
        if out[i].is_none() {
            return Err(Error::invalid(
                Doc::Orders,
                "",
                format!(
                    "no {meaning} column (columns: {}); name it in columns",
                    names()
                ),
            ));
        }
    }
    if out[AMOUNT].is_none() && out[PRICE].is_none() {
        return Err(Error::invalid(
            Doc::Orders,
            "",
            format!(
                "no amount (or price) column (columns: {}); name it in columns",
                names()
            ),
        ));
    }
    Ok(out)
}

/// A bad cell: its path is `column[row]`.
fn cell_error(column: &str, row: u64, message: impl Into<String>) -> Error {
    Error::invalid(Doc::Orders, format!("{column}[{row}]"), message)
}

/// A column's values as text (ids, categories): strings as they are, integers in decimal.
fn texts(array: &ArrayRef, name: &str) -> Result<Vec<Option<String>>, Error> {
    let strings = arrow_cast::cast(array, &DataType::Utf8).map_err(|e| {
        Error::invalid(
            Doc::Orders,
            name,
            format!("cannot read {} as text: {e}", array.data_type()),
        )
    })?;
    let strings = strings.as_string::<i32>();
    Ok((0..strings.len())
        .map(|i| (!strings.is_null(i)).then(|| strings.value(i).to_string()))
        .collect())
}

/// A column's values as numbers (amounts, prices, quantities).
fn numbers(array: &ArrayRef, name: &str) -> Result<Vec<Option<f64>>, Error> {
    if matches!(
        array.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        return Err(Error::invalid(
            Doc::Orders,
            name,
            format!("is {}: cast it to a number", array.data_type()),
        ));
    }
    let values = arrow_cast::cast(array, &DataType::Float64).map_err(|e| {
        Error::invalid(
            Doc::Orders,
            name,
            format!("cannot read {} as a number: {e}", array.data_type()),
        )
    })?;
    let values = values.as_primitive::<Float64Type>();
    Ok((0..values.len())
        .map(|i| (!values.is_null(i)).then(|| values.value(i)))
        .collect())
}

/// A time cell: (epoch ms, the time as written), `None` when null, or why its text is not a
/// time (reported with the row, so that the first bad row is the one reported).
type TimeCell = Result<Option<(i64, String)>, String>;

/// A time column's cells.
fn times(array: &ArrayRef, name: &str) -> Result<Vec<TimeCell>, Error> {
    let instant = |ms: i64| Ok(Some((ms, crate::time::format_instant(ms))));
    match array.data_type() {
        DataType::Timestamp(..) => {
            let ms = arrow_cast::cast(array, &DataType::Timestamp(TimeUnit::Millisecond, None))
                .map_err(|e| Error::invalid(Doc::Orders, name, e.to_string()))?;
            let ms = ms.as_primitive::<TimestampMillisecondType>();
            Ok((0..ms.len())
                .map(|i| if ms.is_null(i) { Ok(None) } else { instant(ms.value(i)) })
                .collect())
        }
        DataType::Date32 => {
            let d = array.as_primitive::<Date32Type>();
            Ok((0..d.len())
                .map(|i| {
                    if d.is_null(i) {
                        Ok(None)
                    } else {
                        let ms = i64::from(d.value(i)) * 86_400_000;
                        Ok(Some((ms, crate::time::format_date(ms, 0))))
                    }
                })
                .collect())
        }
        DataType::Date64 => {
            let d = array.as_primitive::<Date64Type>();
            Ok((0..d.len())
                .map(|i| if d.is_null(i) { Ok(None) } else { instant(d.value(i)) })
                .collect())
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(texts(array, name)?
            .into_iter()
            .map(|t| match t {
                None => Ok(None),
                Some(t) => crate::time::parse_instant(&t, 0).map(|ms| Some((ms, t))),
            })
            .collect()),
        other => Err(Error::invalid(
            Doc::Orders,
            name,
            format!(
                "is {other}: give a timestamp, a date or ISO 8601 text (a number is ambiguous: seconds or milliseconds?)"
            ),
        )),
    }
}

/// Transaction rows of record batches (all of one schema), as the CSV reader makes them of a
/// file's rows: a row without a customer, a time or an amount, or with a negative amount or a
/// quantity that is not positive, is an error naming its cell.
pub fn transactions(
    batches: &[RecordBatch],
    schema: &Schema,
    columns: &BTreeMap<String, String>,
) -> Result<Vec<Transaction>, Error> {
    let mut reader = Reader::new(schema, columns)?;
    let mut out = Vec::new();
    for batch in batches {
        out.extend(reader.batch(batch)?);
    }
    Ok(out)
}

/// A reader of the batches of one schema, a batch at a time (Parquet files, a table's batches).
pub struct Reader {
    idx: [Option<usize>; 8],
    /// (meaning, column name) of each column found, for the read report.
    found: Vec<(&'static str, String)>,
    rows: u64,
}

impl Reader {
    /// Finds the columns in `schema`.
    pub fn new(schema: &Schema, columns: &BTreeMap<String, String>) -> Result<Reader, Error> {
        let idx = locate(schema, columns)?;
        let found = COLUMNS
            .iter()
            .zip(idx)
            .filter_map(|((meaning, _), i)| i.map(|i| (*meaning, schema.field(i).name().clone())))
            .collect();
        Ok(Reader {
            idx,
            found,
            rows: 0,
        })
    }

    /// The columns read, as (meaning, column name).
    pub fn columns(&self) -> &[(&'static str, String)] {
        &self.found
    }

    /// The transactions of the next batch.
    pub fn batch(&mut self, batch: &RecordBatch) -> Result<Vec<Transaction>, Error> {
        let out = self.rows_at(batch, self.rows)?;
        self.rows += batch.num_rows() as u64;
        Ok(out)
    }

    /// The transactions of `batch`, whose first row is row `base` of all the batches (the row
    /// numbers of the transactions and of the errors): the pieces of [`pieces`] read
    /// independently, on several threads, give the rows of [`Reader::batch`] over the
    /// batches in turn.
    pub fn rows_at(&self, batch: &RecordBatch, base: u64) -> Result<Vec<Transaction>, Error> {
        let mut out = Vec::with_capacity(batch.num_rows());
        push_rows(&mut out, batch, &self.idx, base)?;
        Ok(out)
    }
}

/// The batches cut into pieces of at most `rows` rows (slices, no copy), each with the row
/// number of its first row over all the batches: the work of [`Reader::rows_at`] split for
/// several threads.
pub fn pieces(batches: &[RecordBatch], rows: usize) -> Vec<(u64, RecordBatch)> {
    let rows = rows.max(1);
    let mut out = Vec::new();
    let mut base = 0u64;
    for batch in batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let len = rows.min(batch.num_rows() - offset);
            out.push((base + offset as u64, batch.slice(offset, len)));
            offset += len;
        }
        base += batch.num_rows() as u64;
    }
    out
}

fn push_rows(
    out: &mut Vec<Transaction>,
    batch: &RecordBatch,
    idx: &[Option<usize>; 8],
    base: u64,
) -> Result<(), Error> {
    let schema = batch.schema();
    let name = |i: Option<usize>| {
        i.map(|i| schema.field(i).name().clone())
            .unwrap_or_default()
    };
    let col = |i: Option<usize>| i.map(|i| batch.column(i));
    let (Some(ids_col), Some(at_col)) = (col(idx[CUSTOMER]), col(idx[DATE])) else {
        return Err(Error::invalid(
            Doc::Orders,
            "",
            "a required column is missing",
        ));
    };
    let ids = texts(ids_col, &name(idx[CUSTOMER]))?;
    let at = times(at_col, &name(idx[DATE]))?;
    let amount = col(idx[AMOUNT])
        .map(|c| numbers(c, &name(idx[AMOUNT])))
        .transpose()?;
    let price = col(idx[PRICE])
        .map(|c| numbers(c, &name(idx[PRICE])))
        .transpose()?;
    let order_ids = col(idx[ORDER])
        .map(|c| texts(c, &name(idx[ORDER])))
        .transpose()?;
    let quantity = col(idx[QUANTITY])
        .map(|c| numbers(c, &name(idx[QUANTITY])))
        .transpose()?;
    let category = col(idx[CATEGORY])
        .map(|c| texts(c, &name(idx[CATEGORY])))
        .transpose()?;
    let sku = col(idx[SKU])
        .map(|c| texts(c, &name(idx[SKU])))
        .transpose()?;
    for r in 0..batch.num_rows() {
        let row = base + r as u64;
        let missing = |i: Option<usize>| cell_error(&name(i), row, "is empty (null)");
        let customer_id = ids[r].clone().ok_or_else(|| missing(idx[CUSTOMER]))?;
        let (at_ms, at_text) = match &at[r] {
            Ok(Some(cell)) => cell.clone(),
            Ok(None) => return Err(missing(idx[DATE])),
            Err(e) => return Err(cell_error(&name(idx[DATE]), row, e.clone())),
        };
        let q = match &quantity {
            Some(q) => q[r].ok_or_else(|| missing(idx[QUANTITY]))?,
            None => 1.0,
        };
        if !(q.is_finite() && q > 0.0) {
            return Err(cell_error(
                &name(idx[QUANTITY]),
                row,
                format!("quantity {q} must be a number > 0"),
            ));
        }
        let (value, column) = match (&amount, &price) {
            (Some(a), _) => (a[r].ok_or_else(|| missing(idx[AMOUNT]))?, idx[AMOUNT]),
            (None, Some(p)) => (p[r].ok_or_else(|| missing(idx[PRICE]))? * q, idx[PRICE]),
            (None, None) => return Err(missing(idx[AMOUNT])),
        };
        if !(value.is_finite() && value >= 0.0) {
            return Err(cell_error(
                &name(column),
                row,
                format!("amount {value} must be a finite number >= 0"),
            ));
        }
        out.push(Transaction {
            line: row,
            customer_id,
            order_id: order_ids.as_ref().and_then(|o| o[r].clone()),
            at_text,
            at: at_ms,
            at_epoch_seconds: false,
            amount: value,
            quantity: q,
            category: category.as_ref().and_then(|c| c[r].clone()),
            sku: sku.as_ref().and_then(|s| s[r].clone()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    fn batch(ids: &[i64], dates: &[Option<&str>], amounts: &[f64]) -> RecordBatch {
        RecordBatch::try_from_iter([
            (
                "customer_id",
                Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef,
            ),
            (
                "date",
                Arc::new(StringArray::from(dates.to_vec())) as ArrayRef,
            ),
            (
                "amount",
                Arc::new(Float64Array::from(amounts.to_vec())) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    fn keys(rows: &[Transaction]) -> Vec<(u64, String, i64, u64)> {
        rows.iter()
            .map(|t| (t.line, t.customer_id.clone(), t.at, t.amount.to_bits()))
            .collect()
    }

    #[test]
    fn pieces_read_apart_give_the_rows_of_the_batches_in_turn() {
        let batches = [
            batch(
                &[1, 2, 1, 3, 2],
                &[
                    Some("1997-01-01"),
                    Some("1997-01-02"),
                    Some("1997-02-01"),
                    Some("1997-03-01"),
                    Some("1997-03-05"),
                ],
                &[10.0, 20.0, 30.0, 40.0, 50.5],
            ),
            batch(&[], &[], &[]),
            batch(
                &[4, 1, 4],
                &[Some("1998-01-01"), Some("1998-02-01"), Some("1998-03-01")],
                &[1.0, 2.0, 3.0],
            ),
        ];
        let schema = batches[0].schema();
        let columns = BTreeMap::new();
        let whole = transactions(&batches, &schema, &columns).unwrap();
        let reader = Reader::new(&schema, &columns).unwrap();
        for rows in [1, 2, 3, 4, 100] {
            let pieces = pieces(&batches, rows);
            assert!(pieces
                .iter()
                .all(|(_, p)| p.num_rows() <= rows && p.num_rows() > 0));
            let apart: Vec<Transaction> = pieces
                .iter()
                .flat_map(|(base, p)| reader.rows_at(p, *base).unwrap())
                .collect();
            assert_eq!(keys(&apart), keys(&whole), "pieces of {rows} rows");
        }
        assert_eq!(whole.len(), 8);
        assert_eq!(whole[6].line, 6);
        // Zero rows per piece is taken as one.
        assert_eq!(pieces(&batches, 0).len(), 8);
    }

    #[test]
    fn a_bad_cell_in_a_piece_names_its_row_over_all_the_batches() {
        let batches = [
            batch(
                &[1, 2],
                &[Some("1997-01-01"), Some("1997-01-02")],
                &[1.0, 2.0],
            ),
            batch(
                &[3, 4, 5],
                &[Some("1997-01-01"), None, Some("x")],
                &[1.0, 2.0, 3.0],
            ),
        ];
        let schema = batches[0].schema();
        let reader = Reader::new(&schema, &BTreeMap::new()).unwrap();
        let whole = transactions(&batches, &schema, &BTreeMap::new()).unwrap_err();
        assert_eq!(whole.path(), "date[3]");
        let errors: Vec<Error> = pieces(&batches, 1)
            .iter()
            .filter_map(|(base, p)| reader.rows_at(p, *base).err())
            .collect();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0], whole);
        assert_eq!(errors[1].path(), "date[4]");
    }
}
