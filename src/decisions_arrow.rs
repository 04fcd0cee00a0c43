//! Decisions and profiles as Arrow record batches (feature `arrow`): the tables the Python
//! package returns and the Parquet files `offerwise score --out-format parquet` writes, one
//! schema for both.
//!
//! A [`DecisionTable`] takes one customer at a time (its decision, or its error) and gives
//! record batches of the decision's flat columns (segment, lifetime value, tier, points, the
//! offers shown with their propensities, one `variant:<key>` column per experiment of the
//! programme) and the whole decision as the JSON `offerwise score` writes. A
//! [`ProfileTable`] does the same for [`Engine::profile`]: features, segment and lifetime
//! value, without offers. Both are meant to be filled per chunk on every core and their
//! batches concatenated in order: a table holds no state across [`DecisionTable::finish`].
//!
//! With `errors`, a customer whose decision failed is a row with its error's `code`, `path`
//! and message and empty cells; without, the caller stops at the first error (as the CLI
//! does) and the table has no error columns.

use crate::engine::{Decision, Engine, Profile};
use crate::error::{Doc, Error};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::invalid(Doc::Options, "", format!("could not build the table: {e}"))
}

/// A row's value, or `None` for an error a table with error columns keeps; an error (or a
/// missing id) a table without them refuses is returned.
fn accepted<'a, T>(
    errors: bool,
    customer_id: Option<&str>,
    row: Result<&'a T, &Error>,
) -> Result<Option<&'a T>, Error> {
    let value = match (row, errors) {
        (Ok(v), _) => Some(v),
        (Err(e), false) => return Err(e.clone()),
        (Err(_), true) => None,
    };
    if customer_id.is_none() && !errors {
        return Err(internal("a row without a customer id"));
    }
    Ok(value)
}

/// The error columns of a table made with `errors`.
struct ErrorColumns {
    code: StringBuilder,
    path: StringBuilder,
    message: StringBuilder,
}

impl ErrorColumns {
    const NAMES: [&'static str; 3] = ["error_code", "error_path", "error_message"];

    fn new() -> Self {
        ErrorColumns {
            code: StringBuilder::new(),
            path: StringBuilder::new(),
            message: StringBuilder::new(),
        }
    }

    fn push(&mut self, e: Option<&Error>) {
        match e {
            Some(e) => {
                self.code.append_value(e.code());
                self.path.append_value(e.path());
                self.message.append_value(e.to_string());
            }
            None => {
                self.code.append_null();
                self.path.append_null();
                self.message.append_null();
            }
        }
    }

    fn fields(fields: &mut Vec<Field>) {
        fields.extend(Self::NAMES.map(|n| Field::new(n, DataType::Utf8, true)));
    }

    fn finish(&mut self, arrays: &mut Vec<ArrayRef>) {
        arrays.push(Arc::new(self.code.finish()));
        arrays.push(Arc::new(self.path.finish()));
        arrays.push(Arc::new(self.message.finish()));
    }
}

/// The segment and lifetime-value columns both tables share.
struct DerivedColumns {
    segment_id: Int32Builder,
    segment: StringBuilder,
    role: StringBuilder,
    orders: Int64Builder,
    recency_days: Float64Builder,
    monetary: Float64Builder,
    total_spend: Float64Builder,
    p_alive: Float64Builder,
    churn: Float64Builder,
    purchases: Float64Builder,
    order_value: Float64Builder,
    clv: Float64Builder,
}

impl DerivedColumns {
    fn new() -> Self {
        DerivedColumns {
            segment_id: Int32Builder::new(),
            segment: StringBuilder::new(),
            role: StringBuilder::new(),
            orders: Int64Builder::new(),
            recency_days: Float64Builder::new(),
            monetary: Float64Builder::new(),
            total_spend: Float64Builder::new(),
            p_alive: Float64Builder::new(),
            churn: Float64Builder::new(),
            purchases: Float64Builder::new(),
            order_value: Float64Builder::new(),
            clv: Float64Builder::new(),
        }
    }

    fn fields(fields: &mut Vec<Field>) {
        fields.extend([
            Field::new("segment_id", DataType::Int32, true),
            Field::new("segment", DataType::Utf8, true),
            Field::new("role", DataType::Utf8, true),
            // Signed: Spark has no unsigned integers.
            Field::new("orders", DataType::Int64, true),
            Field::new("recency_days", DataType::Float64, true),
            Field::new("monetary", DataType::Float64, true),
            Field::new("total_spend", DataType::Float64, true),
            Field::new("p_alive", DataType::Float64, true),
            Field::new("churn_risk", DataType::Float64, true),
            Field::new("expected_purchases", DataType::Float64, true),
            Field::new("expected_order_value", DataType::Float64, true),
            Field::new("clv", DataType::Float64, true),
        ]);
    }

    fn push(
        &mut self,
        parts: Option<(
            &crate::features::Features,
            Option<&crate::model::Assignment>,
            Option<&crate::engine::ClvState>,
        )>,
    ) {
        let Some((f, seg, clv)) = parts else {
            self.segment_id.append_null();
            self.segment.append_null();
            self.role.append_null();
            self.orders.append_null();
            for b in [
                &mut self.recency_days,
                &mut self.monetary,
                &mut self.total_spend,
                &mut self.p_alive,
                &mut self.churn,
                &mut self.purchases,
                &mut self.order_value,
                &mut self.clv,
            ] {
                b.append_null();
            }
            return;
        };
        self.segment_id
            .append_option(seg.and_then(|s| i32::try_from(s.id).ok()));
        self.segment.append_option(seg.map(|s| s.name.as_str()));
        self.role.append_option(seg.map(|s| s.role.id()));
        self.orders.append_value(i64::from(f.frequency));
        self.recency_days.append_option(f.recency_days);
        self.monetary.append_value(f.monetary);
        self.total_spend.append_value(f.total_spend);
        self.p_alive.append_option(clv.map(|c| c.p_alive));
        self.churn.append_option(clv.map(|c| c.churn_risk));
        self.purchases
            .append_option(clv.map(|c| c.expected_purchases));
        self.order_value
            .append_option(clv.and_then(|c| c.expected_order_value));
        self.clv.append_option(clv.and_then(|c| c.clv));
    }

    fn finish(&mut self, arrays: &mut Vec<ArrayRef>) {
        arrays.push(Arc::new(self.segment_id.finish()));
        arrays.push(Arc::new(self.segment.finish()));
        arrays.push(Arc::new(self.role.finish()));
        arrays.push(Arc::new(self.orders.finish()));
        for b in [
            &mut self.recency_days,
            &mut self.monetary,
            &mut self.total_spend,
            &mut self.p_alive,
            &mut self.churn,
            &mut self.purchases,
            &mut self.order_value,
            &mut self.clv,
        ] {
            arrays.push(Arc::new(b.finish()));
        }
    }
}

/// Decisions as record batches: `customer_id`, the segment and lifetime-value columns,
/// `tier`, `points_balance`, `points_available`, `held_out`, `offers` and `propensities`
/// (lists, in the order shown), `variant:<key>` per experiment of the programme, `decision`
/// (the JSON of `offerwise score`), and with `errors` the error columns.
pub struct DecisionTable {
    schema: SchemaRef,
    experiments: Vec<String>,
    errors: Option<ErrorColumns>,
    id: StringBuilder,
    derived: DerivedColumns,
    tier: StringBuilder,
    balance: Float64Builder,
    available: Float64Builder,
    held_out: BooleanBuilder,
    offers: ListBuilder<StringBuilder>,
    propensities: ListBuilder<Float64Builder>,
    variants: Vec<StringBuilder>,
    json: StringBuilder,
}

impl DecisionTable {
    /// An empty table for the engine's programme (its experiments give the variant columns).
    pub fn new(engine: &Engine, errors: bool) -> DecisionTable {
        let experiments: Vec<String> = engine
            .program()
            .experiments
            .iter()
            .map(|x| x.key.clone())
            .collect();
        let mut fields = vec![Field::new("customer_id", DataType::Utf8, errors)];
        DerivedColumns::fields(&mut fields);
        fields.extend([
            Field::new("tier", DataType::Utf8, true),
            Field::new("points_balance", DataType::Float64, true),
            Field::new("points_available", DataType::Float64, true),
            Field::new("held_out", DataType::Boolean, true),
            Field::new("offers", list_of(DataType::Utf8), true),
            Field::new("propensities", list_of(DataType::Float64), true),
        ]);
        fields.extend(
            experiments
                .iter()
                .map(|k| Field::new(format!("variant:{k}"), DataType::Utf8, true)),
        );
        fields.push(Field::new("decision", DataType::Utf8, errors));
        if errors {
            ErrorColumns::fields(&mut fields);
        }
        DecisionTable {
            schema: Arc::new(Schema::new(fields)),
            variants: experiments.iter().map(|_| StringBuilder::new()).collect(),
            experiments,
            errors: errors.then(ErrorColumns::new),
            id: StringBuilder::new(),
            derived: DerivedColumns::new(),
            tier: StringBuilder::new(),
            balance: Float64Builder::new(),
            available: Float64Builder::new(),
            held_out: BooleanBuilder::new(),
            offers: ListBuilder::new(StringBuilder::new()),
            propensities: ListBuilder::new(Float64Builder::new()),
            json: StringBuilder::new(),
        }
    }

    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Appends a customer's decision (with its JSON) or error. An error in a table without
    /// error columns is returned, and nothing is appended. The id is `None` only for a
    /// document that could not be read, in a table with error columns.
    pub fn push(
        &mut self,
        customer_id: Option<&str>,
        decision: Result<&Decision, &Error>,
    ) -> Result<(), Error> {
        let d = accepted(self.errors.is_some(), customer_id, decision)?;
        let json = d.map(serde_json::to_string).transpose().map_err(internal)?;
        self.id.append_option(customer_id);
        self.derived
            .push(d.map(|d| (&d.features, d.segment.as_ref(), d.clv.as_ref())));
        match d {
            Some(d) => {
                self.tier
                    .append_option(d.loyalty.tier.as_ref().map(|t| t.id.as_str()));
                self.balance.append_value(d.loyalty.ledger.balance as f64);
                self.available
                    .append_value(d.loyalty.ledger.available as f64);
                self.held_out
                    .append_option(d.holdout.as_ref().map(|h| h.held_out));
                for o in &d.offers {
                    self.offers.values().append_value(&o.id);
                    self.propensities.values().append_value(o.propensity);
                }
                self.offers.append(true);
                self.propensities.append(true);
                for (key, b) in self.experiments.iter().zip(self.variants.iter_mut()) {
                    b.append_option(
                        d.experiments
                            .iter()
                            .find(|x| &x.key == key)
                            .and_then(|x| x.variant.as_deref()),
                    );
                }
            }
            None => {
                self.tier.append_null();
                self.balance.append_null();
                self.available.append_null();
                self.held_out.append_null();
                self.offers.append(false);
                self.propensities.append(false);
                for b in &mut self.variants {
                    b.append_null();
                }
            }
        }
        self.json.append_option(json);
        if let Some(errors) = &mut self.errors {
            errors.push(decision.err());
        }
        Ok(())
    }

    /// The rows appended since the last call, as a record batch; the table is empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, Error> {
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(self.id.finish())];
        self.derived.finish(&mut arrays);
        arrays.push(Arc::new(self.tier.finish()));
        arrays.push(Arc::new(self.balance.finish()));
        arrays.push(Arc::new(self.available.finish()));
        arrays.push(Arc::new(self.held_out.finish()));
        arrays.push(Arc::new(self.offers.finish()));
        arrays.push(Arc::new(self.propensities.finish()));
        for b in &mut self.variants {
            arrays.push(Arc::new(b.finish()));
        }
        arrays.push(Arc::new(self.json.finish()));
        if let Some(errors) = &mut self.errors {
            errors.finish(&mut arrays);
        }
        RecordBatch::try_new(Arc::clone(&self.schema), arrays).map_err(internal)
    }
}

/// Profiles ([`Engine::profile`]: the history's part of a decision) as record batches:
/// `customer_id`, the segment and lifetime-value columns, `tenure_days`, and with `errors` the
/// error columns.
pub struct ProfileTable {
    schema: SchemaRef,
    errors: Option<ErrorColumns>,
    id: StringBuilder,
    derived: DerivedColumns,
    tenure: Float64Builder,
}

impl ProfileTable {
    /// An empty table.
    pub fn new(errors: bool) -> ProfileTable {
        let mut fields = vec![Field::new("customer_id", DataType::Utf8, errors)];
        DerivedColumns::fields(&mut fields);
        fields.push(Field::new("tenure_days", DataType::Float64, true));
        if errors {
            ErrorColumns::fields(&mut fields);
        }
        ProfileTable {
            schema: Arc::new(Schema::new(fields)),
            errors: errors.then(ErrorColumns::new),
            id: StringBuilder::new(),
            derived: DerivedColumns::new(),
            tenure: Float64Builder::new(),
        }
    }

    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Appends a customer's profile or error (returned, with nothing appended, by a table
    /// without error columns).
    pub fn push(
        &mut self,
        customer_id: Option<&str>,
        profile: Result<&Profile, &Error>,
    ) -> Result<(), Error> {
        let p = accepted(self.errors.is_some(), customer_id, profile)?;
        self.id.append_option(customer_id);
        self.derived
            .push(p.map(|p| (&p.features, p.segment.as_ref(), p.clv.as_ref())));
        self.tenure
            .append_option(p.and_then(|p| p.features.tenure_days));
        if let Some(errors) = &mut self.errors {
            errors.push(profile.err());
        }
        Ok(())
    }

    /// The rows appended since the last call, as a record batch; the table is empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, Error> {
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(self.id.finish())];
        self.derived.finish(&mut arrays);
        arrays.push(Arc::new(self.tenure.finish()));
        if let Some(errors) = &mut self.errors {
            errors.finish(&mut arrays);
        }
        RecordBatch::try_new(Arc::clone(&self.schema), arrays).map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::Customer;
    use crate::engine::{DecideOptions, PrepareOptions};
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float64Type;
    use arrow_array::Array;

    fn engine() -> Engine {
        Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .unwrap()
    }

    fn customer(id: &str, orders: &str) -> Customer {
        Customer::from_json(&format!(r#"{{"id": "{id}", "orders": [{orders}]}}"#)).unwrap()
    }

    #[test]
    fn decisions_become_rows_with_their_json_and_errors_rows_of_their_own() {
        let engine = engine();
        let options = DecideOptions::at("1998-07-01");
        let good = customer(
            "a",
            r#"{"at": "1997-03-01", "amount": 30}, {"at": "1998-05-01", "amount": 12.5}"#,
        );
        let bad = customer("b", r#"{"at": "1998-09-01", "amount": 30}"#);
        let d = engine.decide(&good, &options).unwrap();
        let e = engine.decide(&bad, &options).unwrap_err();

        let mut table = DecisionTable::new(&engine, true);
        table.push(Some("a"), Ok(&d)).unwrap();
        table.push(Some("b"), Err(&e)).unwrap();
        let batch = table.finish().unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.schema(), table.schema());
        let text = |name: &str, row: usize| {
            let c = batch.column_by_name(name).unwrap().as_string::<i32>();
            c.is_valid(row).then(|| c.value(row).to_string())
        };
        assert_eq!(
            text("decision", 0),
            Some(serde_json::to_string(&d).unwrap())
        );
        assert_eq!(text("decision", 1), None);
        assert_eq!(
            text("segment", 0),
            d.segment.as_ref().map(|s| s.name.clone())
        );
        let clv = batch
            .column_by_name("clv")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert_eq!(clv.value(0), d.clv.as_ref().unwrap().clv.unwrap());
        assert!(clv.is_null(1));
        assert_eq!(text("error_code", 0), None);
        assert_eq!(text("error_code", 1), Some(e.code().to_string()));
        assert_eq!(text("error_path", 1), Some(e.path()));
        let offers = batch.column_by_name("offers").unwrap().as_list::<i32>();
        assert_eq!(offers.value(0).len(), d.offers.len());
        assert!(offers.is_null(1));
        assert!(batch
            .schema()
            .fields()
            .iter()
            .any(|f| f.name().starts_with("variant:")));

        // Empty again, and the strict table refuses the error.
        assert_eq!(table.finish().unwrap().num_rows(), 0);
        let mut strict = DecisionTable::new(&engine, false);
        assert_eq!(strict.push(Some("b"), Err(&e)), Err(e.clone()));
        strict.push(Some("a"), Ok(&d)).unwrap();
        let batch = strict.finish().unwrap();
        assert_eq!(batch.num_rows(), 1);
        assert!(batch.column_by_name("error_code").is_none());
    }

    #[test]
    fn profiles_carry_the_decisions_history_part() {
        let engine = engine();
        let c = customer(
            "a",
            r#"{"at": "1997-03-01", "amount": 30}, {"at": "1998-05-01", "amount": 12.5}"#,
        );
        let at = PrepareOptions {
            now: crate::customer::TimeValue::Text("1998-07-01".into()),
            time_zone_offset_minutes: 0,
        };
        let p = engine.profile(&c, &at).unwrap();
        let d = engine.decide(&c, &DecideOptions::at("1998-07-01")).unwrap();
        let mut table = ProfileTable::new(false);
        table.push(Some("a"), Ok(&p)).unwrap();
        let batch = table.finish().unwrap();
        let num = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_primitive::<Float64Type>()
                .value(0)
        };
        assert_eq!(num("clv"), d.clv.as_ref().unwrap().clv.unwrap());
        assert_eq!(num("p_alive"), d.clv.as_ref().unwrap().p_alive);
        assert_eq!(num("recency_days"), d.features.recency_days.unwrap());
        assert_eq!(num("tenure_days"), d.features.tenure_days.unwrap());
    }
}
