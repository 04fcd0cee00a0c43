//! Many customers in one call, in a packed columnar form: the batch path of edge workers and
//! data jobs.
//!
//! Orders come in long form, one row per order, as parallel columns ([`OrderColumns`]): the
//! customer's index into the list of ids, the time (epoch milliseconds), the amount and an
//! optional category. Every customer is decided as [`Engine::decide`] decides it for the
//! customer document with the same orders (each row an order of one line when it has a category,
//! as `offerwise score` reads a transaction file), and the decisions' flat parts come back as
//! columns ([`DecisionColumns`]): segment, lifetime value, features, tier, points, the offers
//! shown and the experiment variants, strings dictionary-encoded.
//!
//! A column that does not fit (lengths differ, an index out of range, a time that is not a
//! number) fails the whole call with the column and row in its path (`at[17]`). A customer
//! whose decision fails is reported in [`DecisionColumns::errors`] with its index, code and
//! path (and the row of the order the path names), and its cells hold the missing values:
//! one bad customer never loses the batch, and no error is dropped.

use crate::customer::{Customer, Id, Item, Order, TimeValue};
use crate::engine::{DecideOptions, Engine};
use crate::error::{Doc, Error};

/// Orders in long form: row `r` is an order of customer `ids[customer[r]]` at `at[r]` for
/// `amount[r]`, with one line of category `categories[category[r]]` when `category` is given
/// and its code is not [`NO_CATEGORY`]. A customer's orders are its rows in input order; a
/// customer without rows has no orders.
#[derive(Debug, Clone, Copy)]
pub struct OrderColumns<'a> {
    /// The customers, one id each, in the order of the results.
    pub ids: &'a [String],
    /// Per row: the index of its customer in `ids`.
    pub customer: &'a [u32],
    /// Per row: the order's time, epoch milliseconds.
    pub at: &'a [f64],
    /// Per row: the amount paid.
    pub amount: &'a [f64],
    /// Per row, optionally: the code of the order's category in `categories`.
    pub category: Option<&'a [u32]>,
    /// The category names `category` codes point into.
    pub categories: &'a [String],
}

/// A row's category code for "no category".
pub const NO_CATEGORY: u32 = u32::MAX;

/// A customer of the batch whose decision failed.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The customer's index in `ids`.
    pub index: usize,
    /// The customer's id.
    pub customer_id: String,
    /// The error's stable code (`customer.invalid`, ...).
    pub code: String,
    /// Where in the customer document (`orders[2].amount`), as for a single decision.
    pub path: String,
    /// The row of the order the path names, when it names one.
    pub row: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// An experiment's column in [`DecisionColumns::variants`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentColumn {
    /// The experiment's key.
    pub key: String,
    /// Its variant keys, which the codes index.
    pub variants: Vec<String>,
}

/// The decisions of a batch as columns, one cell per customer (index as in `ids`). Missing
/// values (no orders, no lifetime-value model, a customer in error) are `NaN` for numbers
/// and `-1` for codes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionColumns {
    /// Customers decided (the length of every per-customer column).
    pub len: usize,
    /// The segment's id in the model.
    pub segment: Vec<i32>,
    /// P(alive) of the lifetime-value model.
    pub p_alive: Vec<f64>,
    /// 1 − P(alive).
    pub churn_risk: Vec<f64>,
    /// Expected purchases over the horizon.
    pub expected_purchases: Vec<f64>,
    /// Lifetime value over the horizon (`NaN` without an order value model).
    pub clv: Vec<f64>,
    /// Orders.
    pub frequency: Vec<f64>,
    /// Days since the last order.
    pub recency_days: Vec<f64>,
    /// Mean order value.
    pub monetary: Vec<f64>,
    /// Total spend.
    pub total_spend: Vec<f64>,
    /// The tier's code in `tiers`.
    pub tier: Vec<i32>,
    /// Tier ids, in the order first met.
    pub tiers: Vec<String>,
    /// Points in the account.
    pub points_balance: Vec<f64>,
    /// Points usable now.
    pub points_available: Vec<f64>,
    /// Whether the customer is in the programme's global holdout (0 or 1).
    pub held_out: Vec<u8>,
    /// Offers shown, row-major: customer `i`'s offer in slot `s` is
    /// `offers[i * offer_slots + s]`, a code in `offer_ids` (`-1`: no offer in that slot).
    pub offers: Vec<i32>,
    /// Slots per customer: the most offers any customer of the batch was shown.
    pub offer_slots: usize,
    /// Offer ids, in the order first met.
    pub offer_ids: Vec<String>,
    /// Variants, row-major: customer `i`'s variant in experiment `e` is
    /// `variants[i * experiments.len() + e]`, a code in `experiments[e].variants` (`-1`:
    /// not in the experiment).
    pub variants: Vec<i32>,
    /// The programme's experiments, in its order.
    pub experiments: Vec<ExperimentColumn>,
    /// The customers whose decision failed, in index order.
    pub errors: Vec<RowError>,
}

/// Codes of strings in the order first met. A linear search: a programme has a few tiers and
/// at most some dozens of offers, and a hash map would add 10 KB to the storefront wasm.
#[derive(Default)]
struct Dictionary {
    values: Vec<String>,
}

impl Dictionary {
    fn code(&mut self, value: &str) -> i32 {
        let i = match self.values.iter().position(|v| v == value) {
            Some(i) => i,
            None => {
                self.values.push(value.to_string());
                self.values.len() - 1
            }
        };
        i32::try_from(i).unwrap_or(i32::MAX)
    }
}

fn column_error(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::invalid(Doc::Orders, path, message)
}

impl OrderColumns<'_> {
    /// Checks the columns' shape and builds one customer document per id, each with its rows
    /// (`rows[i]`: the column rows of customer `i`'s orders, in order).
    fn customers(&self) -> Result<(Vec<Customer>, Vec<Vec<usize>>), Error> {
        let n = self.customer.len();
        let lengths = [
            ("at", Some(self.at.len())),
            ("amount", Some(self.amount.len())),
            ("category", self.category.map(<[u32]>::len)),
        ];
        for (name, len) in lengths {
            if let Some(len) = len.filter(|&len| len != n) {
                return Err(column_error(
                    name,
                    format!("{len} rows, but customer has {n}: every column needs a cell per row"),
                ));
            }
        }
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); self.ids.len()];
        for (r, &c) in self.customer.iter().enumerate() {
            let Some(list) = rows.get_mut(c as usize) else {
                return Err(column_error(
                    format!("customer[{r}]"),
                    format!("{c} is not an index of ids ({} ids)", self.ids.len()),
                ));
            };
            list.push(r);
        }
        let mut customers = Vec::with_capacity(self.ids.len());
        for (id, rows) in self.ids.iter().zip(&rows) {
            let mut orders = Vec::with_capacity(rows.len());
            for &r in rows {
                let at = self.at[r];
                if !at.is_finite() {
                    return Err(column_error(
                        format!("at[{r}]"),
                        format!("{at} is not a time: give epoch milliseconds"),
                    ));
                }
                let amount = self.amount[r];
                let category = match self.category.map(|c| c[r]) {
                    None | Some(NO_CATEGORY) => None,
                    Some(code) => match self.categories.get(code as usize) {
                        Some(name) => Some(name.clone()),
                        None => {
                            return Err(column_error(
                                format!("category[{r}]"),
                                format!(
                                "{code} is not an index of categories ({} categories; {} for none)",
                                self.categories.len(),
                                NO_CATEGORY
                            ),
                            ))
                        }
                    },
                };
                orders.push(Order {
                    id: None,
                    at: TimeValue::Millis(at),
                    amount,
                    refunded: 0.0,
                    items: category
                        .map(|category| Item {
                            sku: None,
                            category: Some(category),
                            price: amount,
                            qty: 1.0,
                        })
                        .into_iter()
                        .collect(),
                });
            }
            customers.push(Customer {
                id: Id(id.clone()),
                orders,
                loyalty: None,
                offer_history: Vec::new(),
                attributes: Default::default(),
            });
        }
        Ok((customers, rows))
    }
}

/// The row an error's path names: `orders[k]...` is the customer's `k`-th row.
fn row_of(path: &str, rows: &[usize]) -> Option<usize> {
    let rest = path.strip_prefix("orders[")?;
    let k: usize = rest.get(..rest.find(']')?)?.parse().ok()?;
    rows.get(k).copied()
}

impl Engine {
    /// Decides every customer of `columns` at `options` (its cart and context apply to all)
    /// and returns the decisions' flat parts as columns. See the [module](self) for the forms.
    pub fn decide_columns(
        &self,
        columns: &OrderColumns<'_>,
        options: &DecideOptions,
    ) -> Result<DecisionColumns, Error> {
        options.resolve()?;
        let (customers, rows) = columns.customers()?;
        let experiments: Vec<ExperimentColumn> = self
            .program()
            .experiments
            .iter()
            .map(|x| ExperimentColumn {
                key: x.key.clone(),
                variants: x.variants.iter().map(|v| v.key.clone()).collect(),
            })
            .collect();
        let n = customers.len();
        let k = experiments.len();
        // Every cell starts missing; a decision fills its customer's cells.
        let missing = vec![f64::NAN; n];
        let mut out = DecisionColumns {
            len: n,
            segment: vec![-1; n],
            p_alive: missing.clone(),
            churn_risk: missing.clone(),
            expected_purchases: missing.clone(),
            clv: missing.clone(),
            frequency: missing.clone(),
            recency_days: missing.clone(),
            monetary: missing.clone(),
            total_spend: missing.clone(),
            points_balance: missing.clone(),
            points_available: missing,
            tier: vec![-1; n],
            held_out: vec![0; n],
            variants: vec![-1; n * k],
            ..DecisionColumns::default()
        };
        let mut tiers = Dictionary::default();
        let mut offer_ids = Dictionary::default();
        // The offers' codes of all customers, and each customer's span of them, packed into
        // slots once the widest is known.
        let mut shown: Vec<i32> = Vec::new();
        let mut spans: Vec<std::ops::Range<usize>> = Vec::with_capacity(n);
        // Each decision is taken into the columns and dropped: a batch never holds more
        // than one decision.
        for (i, (customer, rows)) in customers.iter().zip(&rows).enumerate() {
            let start = shown.len();
            match self.decide(customer, options) {
                Err(e) => {
                    let path = e.path();
                    out.errors.push(RowError {
                        index: i,
                        customer_id: customer.id.0.clone(),
                        code: e.code(),
                        row: row_of(&path, rows),
                        path,
                        message: e.to_string(),
                    });
                }
                Ok(d) => {
                    out.segment[i] = d.segment.as_ref().map_or(-1, |s| s.id as i32);
                    if let Some(c) = &d.clv {
                        out.p_alive[i] = c.p_alive;
                        out.churn_risk[i] = c.churn_risk;
                        out.expected_purchases[i] = c.expected_purchases;
                        out.clv[i] = c.clv.unwrap_or(f64::NAN);
                    }
                    let f = &d.features;
                    out.frequency[i] = f64::from(f.frequency);
                    out.recency_days[i] = f.recency_days.unwrap_or(f64::NAN);
                    out.monetary[i] = f.monetary;
                    out.total_spend[i] = f.total_spend;
                    out.tier[i] = d.loyalty.tier.as_ref().map_or(-1, |t| tiers.code(&t.id));
                    out.points_balance[i] = d.loyalty.ledger.balance as f64;
                    out.points_available[i] = d.loyalty.ledger.available as f64;
                    out.held_out[i] = u8::from(d.holdout.as_ref().is_some_and(|h| h.held_out));
                    shown.extend(d.offers.iter().map(|o| offer_ids.code(&o.id)));
                    for x in &d.experiments {
                        let (Some(e), Some(v)) = (
                            experiments.iter().position(|c| c.key == x.key),
                            x.variant.as_deref(),
                        ) else {
                            continue;
                        };
                        out.variants[i * k + e] = experiments[e]
                            .variants
                            .iter()
                            .position(|name| name == v)
                            .map_or(-1, |p| p as i32);
                    }
                }
            }
            spans.push(start..shown.len());
        }
        let slots = spans.iter().map(|s| s.len()).max().unwrap_or(0);
        out.offer_slots = slots;
        out.offers = vec![-1; n * slots];
        if slots > 0 {
            for (cells, span) in out.offers.chunks_exact_mut(slots).zip(&spans) {
                let codes = shown.get(span.clone()).unwrap_or_default();
                for (cell, &code) in cells.iter_mut().zip(codes) {
                    *cell = code;
                }
            }
        }
        out.tiers = tiers.values;
        out.offer_ids = offer_ids.values;
        out.experiments = experiments;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .unwrap()
    }

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    const DAY: f64 = 86_400_000.0;
    const JAN_1997: f64 = 852_076_800_000.0;

    #[test]
    fn a_bad_customer_is_reported_with_its_row_and_the_rest_decided() {
        let e = engine();
        let ids = strings(&["ok", "bad"]);
        let customer = [0, 1, 1];
        let at = [JAN_1997, JAN_1997, JAN_1997 + DAY];
        let amount = [10.0, 5.0, -3.0];
        let cols = OrderColumns {
            ids: &ids,
            customer: &customer,
            at: &at,
            amount: &amount,
            category: None,
            categories: &[],
        };
        let out = e
            .decide_columns(&cols, &DecideOptions::at("1998-07-01"))
            .unwrap();
        assert_eq!(out.errors.len(), 1);
        let err = &out.errors[0];
        assert_eq!((err.index, err.customer_id.as_str()), (1, "bad"));
        assert_eq!(err.code, "customer.invalid");
        assert!(err.path.starts_with("orders[1]"), "{}", err.path);
        assert_eq!(err.row, Some(2));
        assert!(out.segment[0] >= 0 && out.segment[1] == -1);
        assert!(out.total_spend[1].is_nan());
    }

    #[test]
    fn columns_that_do_not_fit_fail_with_their_path() {
        let e = engine();
        let ids = strings(&["a"]);
        let opts = DecideOptions::at("1998-07-01");
        let check = |cols: OrderColumns<'_>, path: &str, words: &str| {
            let err = e.decide_columns(&cols, &opts).unwrap_err();
            assert_eq!(err.code(), "orders.invalid");
            assert_eq!(err.path(), path);
            assert!(err.to_string().contains(words), "{err}");
        };
        let base = OrderColumns {
            ids: &ids,
            customer: &[0, 0],
            at: &[JAN_1997, JAN_1997],
            amount: &[1.0, 2.0],
            category: None,
            categories: &[],
        };
        check(
            OrderColumns {
                amount: &[1.0],
                ..base
            },
            "amount",
            "1 rows, but customer has 2",
        );
        check(
            OrderColumns {
                customer: &[0, 1],
                ..base
            },
            "customer[1]",
            "1 is not an index of ids (1 ids)",
        );
        check(
            OrderColumns {
                at: &[JAN_1997, f64::NAN],
                ..base
            },
            "at[1]",
            "NaN is not a time",
        );
        check(
            OrderColumns {
                category: Some(&[0, 0]),
                ..base
            },
            "category[0]",
            "0 is not an index of categories (0 categories",
        );
        check(
            OrderColumns {
                category: Some(&[0]),
                categories: &strings(&["x"]),
                ..base
            },
            "category",
            "1 rows",
        );
    }
}
