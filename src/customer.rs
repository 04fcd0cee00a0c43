//! The customer document: purchase history and loyalty account.
//!
//! ```json
//! { "id": "00042",
//!   "orders": [ { "id": "A-1", "at": "2024-03-01T10:30:00Z", "amount": 54.9,
//!                 "items": [ { "sku": "CD-1", "category": "jazz", "price": 18.3, "qty": 3 } ] } ],
//!   "loyalty": { "tier": "silver",
//!                "points": [ { "amount": 300, "expiresAt": "2024-04-01" } ] },
//!   "attributes": { "anything": "the shop wants to keep" } }
//! ```
//!
//! * `id` — a non-empty string (a JSON integer is accepted and kept as its decimal text);
//! * `orders[].at` — ISO 8601 text or epoch milliseconds (see [`crate::time`]);
//! * `orders[].amount` — the order total paid, a finite number ≥ 0;
//! * `orders[].items` — optional lines; `price` ≥ 0 and `qty` > 0 (default 1). Item totals
//!   need not add up to `amount` (shipping, discounts); category shares use item totals;
//! * `orders[].refunded` — money refunded for returns (default 0);
//! * `loyalty` — the loyalty account: tier, point lots, operations, membership, birthday,
//!   referrals (see [`crate::loyalty::input`]);
//! * `offerHistory` — `[{"offerId": "winback-20", "at": "2024-05-02T09:00:00Z", "event":
//!   "shown"}]`: offers shown or redeemed, read by offers' per-customer caps;
//! * `attributes` — free-form, kept and ignored by the engine.
//!
//! Unknown fields are errors, so a typo (`amout`) is reported instead of silently lost.
//! [`Customer::validate`] checks values and turns the document into a [`ValidCustomer`] whose
//! orders are sorted by time (ties keep the document order).

use crate::error::{Doc, Error};
use crate::json::{index, join};
use crate::time;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A point in time as written in a document: ISO 8601 text or epoch milliseconds. Kept as
/// written, so exporting a document gives it back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TimeValue {
    /// ISO 8601 text.
    Text(String),
    /// Epoch milliseconds.
    Millis(f64),
}

impl TimeValue {
    /// Resolves the value to epoch milliseconds; text without an offset is local time at
    /// `offset_minutes` east of UTC.
    pub fn to_millis(&self, offset_minutes: i32) -> Result<i64, String> {
        match self {
            TimeValue::Text(s) => time::parse_instant(s, offset_minutes),
            TimeValue::Millis(ms) => time::check_millis(*ms),
        }
    }
}

impl<'de> Deserialize<'de> for TimeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TimeValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an ISO 8601 date-time string or epoch milliseconds")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TimeValue, E> {
                Ok(TimeValue::Text(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<TimeValue, E> {
                Ok(TimeValue::Millis(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<TimeValue, E> {
                Ok(TimeValue::Millis(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<TimeValue, E> {
                Ok(TimeValue::Millis(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// An identifier: a string, or an integer kept as its decimal text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an integer identifier")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Id, E> {
                if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
                    Ok(Id(format!("{}", v as i64)))
                } else {
                    Err(E::custom(format!(
                        "an identifier must be a string or an integer, got {v}"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A customer document as sent by a shop (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Customer {
    /// The customer's identifier; experiments hash it.
    pub id: Id,
    /// Orders, in any order.
    #[serde(default)]
    pub orders: Vec<Order>,
    /// The loyalty account, if the customer is a member (see [`crate::loyalty::input`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty: Option<crate::loyalty::AccountInput>,
    /// Which offers the customer was shown or redeemed, and when: offers' per-customer
    /// `caps` count these events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offer_history: Vec<OfferEvent>,
    /// Free-form attributes the engine keeps but does not read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// An event of the customer's offer history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferEvent {
    /// The offer's id in the programme (events of offers the programme no longer has are
    /// kept and ignored).
    pub offer_id: String,
    /// When it happened (not after the decision's `now`).
    pub at: TimeValue,
    /// `shown` or `redeemed`.
    pub event: crate::offers::catalogue::CapEvent,
}

/// One order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Order {
    /// The shop's order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// When the order was placed.
    pub at: TimeValue,
    /// The total paid, ≥ 0.
    pub amount: f64,
    /// Money refunded for returns, 0 to `amount` (default 0): qualifying spend for tiers is
    /// `amount − refunded`, and a fully refunded order does not count as an order there.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded: f64,
    /// Order lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Item {
    /// Stock keeping unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Product category, used for category affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Unit price, ≥ 0.
    pub price: f64,
    /// Quantity, > 0.
    #[serde(default = "one")]
    pub qty: f64,
}

fn one() -> f64 {
    1.0
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// A customer whose values have been checked, with orders sorted by time.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCustomer {
    /// The customer's id.
    pub id: String,
    /// Orders sorted by `at` (ties keep the document order).
    pub orders: Vec<ValidOrder>,
    /// Offer history events `(offer id, epoch ms, event)`, in document order.
    pub offer_history: Vec<(String, i64, crate::offers::catalogue::CapEvent)>,
    /// The orders as a loyalty ledger reads them, when checked for one
    /// ([`Customer::validate_for`]).
    pub ledger: Option<LedgerOrders>,
}

/// The orders in a loyalty ledger's exact units, checked with the rest of the customer so that
/// a decision reads and checks each order once.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerOrders {
    /// The currency's decimal digits the amounts are in.
    pub digits: u32,
    /// The orders in minor units, sorted as [`ValidCustomer::orders`]; or the first order
    /// whose money the ledger cannot read (amounts out of range, more refunded than paid, an
    /// empty SKU: paths `history[i]...`), reported when the account is replayed, after the
    /// customer's other checks, as when the ledger checked the orders itself.
    pub orders: Result<Vec<crate::loyalty::input::ValidOrder>, crate::loyalty::LoyaltyError>,
}

/// A checked order.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOrder {
    /// Epoch milliseconds.
    pub at: i64,
    /// The total paid.
    pub amount: f64,
    /// `(category, line total)` of the lines that name a category.
    pub category_spend: Vec<(String, f64)>,
}

/// Checks an amount; the path is built only when there is an error (validation runs for every
/// order of every decision, so it allocates nothing on the good path).
fn check_amount(v: f64, path: impl FnOnce() -> String, what: &str) -> Result<(), Error> {
    if !v.is_finite() {
        return Err(Error::invalid(
            Doc::Customer,
            path(),
            format!("{what} must be a finite number"),
        ));
    }
    if v < 0.0 {
        return Err(Error::invalid(
            Doc::Customer,
            path(),
            format!("{what} must be ≥ 0, got {v}"),
        ));
    }
    Ok(())
}

impl Customer {
    /// Parses a customer document from JSON text.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        crate::json::from_str(Doc::Customer, text)
    }

    /// Checks every value and resolves times; `now` bounds order times (an order after `now`
    /// is an error: a decision cannot see the future).
    pub fn validate(&self, now: i64, offset_minutes: i32) -> Result<ValidCustomer, Error> {
        self.validate_for(now, offset_minutes, None)
    }

    /// [`Self::validate`], and with `ledger_digits` the orders in the minor units of a
    /// currency with that many decimals, as a loyalty ledger reads them
    /// ([`ValidCustomer::ledger`]).
    pub fn validate_for(
        &self,
        now: i64,
        offset_minutes: i32,
        ledger_digits: Option<u32>,
    ) -> Result<ValidCustomer, Error> {
        if self.id.0.trim().is_empty() {
            return Err(Error::invalid(
                Doc::Customer,
                "id",
                "the customer id is empty",
            ));
        }
        use crate::limits::{too_many, MAX_OFFER_EVENTS, MAX_ORDERS};
        if self.orders.len() > MAX_ORDERS {
            return Err(Error::limit(
                Doc::Customer,
                "orders",
                too_many(self.orders.len(), "orders", MAX_ORDERS),
            ));
        }
        if self.offer_history.len() > MAX_OFFER_EVENTS {
            return Err(Error::limit(
                Doc::Customer,
                "offerHistory",
                too_many(self.offer_history.len(), "offer events", MAX_OFFER_EVENTS),
            ));
        }
        let mut orders = Vec::with_capacity(self.orders.len());
        let mut ledger = ledger_digits.map(|_| Ok(Vec::with_capacity(self.orders.len())));
        for (i, order) in self.orders.iter().enumerate() {
            let path = || index("orders", i);
            let at = order
                .at
                .to_millis(offset_minutes)
                .map_err(|e| Error::invalid(Doc::Customer, join(&path(), "at"), e))?;
            if at > now {
                return Err(Error::invalid(
                    Doc::Customer,
                    join(&path(), "at"),
                    format!(
                        "the order is dated {}, after now ({}); decisions only see the past",
                        time::format_instant(at),
                        time::format_instant(now)
                    ),
                ));
            }
            check_amount(order.amount, || join(&path(), "amount"), "amount")?;
            let mut category_spend = Vec::new();
            for (j, item) in order.items.iter().enumerate() {
                let ipath = || index(&join(&path(), "items"), j);
                check_amount(item.price, || join(&ipath(), "price"), "price")?;
                if !(item.qty.is_finite() && item.qty > 0.0) {
                    return Err(Error::invalid(
                        Doc::Customer,
                        join(&ipath(), "qty"),
                        format!("qty must be a finite number > 0, got {}", item.qty),
                    ));
                }
                if let Some(c) = &item.category {
                    if c.is_empty() {
                        return Err(Error::invalid(
                            Doc::Customer,
                            join(&ipath(), "category"),
                            "the category is empty; leave it out instead",
                        ));
                    }
                    category_spend.push((c.clone(), item.price * item.qty));
                }
            }
            if let (Some(digits), Some(Ok(l))) = (ledger_digits, &mut ledger) {
                match crate::loyalty::input::order(order, at, digits, &|| index("history", i)) {
                    Ok(o) => l.push(o),
                    Err(e) => ledger = Some(Err(e)),
                }
            }
            orders.push(ValidOrder {
                at,
                amount: order.amount,
                category_spend,
            });
        }
        // Stable sort: orders at the same instant keep the document order.
        orders.sort_by_key(|o| o.at);
        if let Some(Ok(l)) = &mut ledger {
            l.sort_by_key(|o| o.at);
        }
        let mut offer_history = Vec::with_capacity(self.offer_history.len());
        for (i, e) in self.offer_history.iter().enumerate() {
            let path = || join(&index("offerHistory", i), "at");
            let at =
                e.at.to_millis(offset_minutes)
                    .map_err(|m| Error::invalid(Doc::Customer, path(), m))?;
            if at > now {
                return Err(Error::invalid(
                    Doc::Customer,
                    path(),
                    format!(
                        "the event is dated {}, after now ({}); decisions only see the past",
                        time::format_instant(at),
                        time::format_instant(now)
                    ),
                ));
            }
            offer_history.push((e.offer_id.clone(), at, e.event));
        }
        Ok(ValidCustomer {
            id: self.id.0.clone(),
            orders,
            offer_history,
            ledger: ledger_digits
                .zip(ledger)
                .map(|(digits, orders)| LedgerOrders { digits, orders }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> Error {
        let now = time::parse_instant("2024-06-01", 0).unwrap_or_default();
        match Customer::from_json(json) {
            Ok(c) => c.validate(now, 0).expect_err("should fail"),
            Err(e) => e,
        }
    }

    #[test]
    fn reports_where_the_problem_is() {
        let e = err(
            r#"{"id":"a","orders":[{"at":"2024-01-01","amount":1},{"at":"2024-13-01","amount":1}]}"#,
        );
        assert_eq!(
            (e.code().as_str(), e.path().as_str()),
            ("customer.invalid", "orders[1].at")
        );
        let e = err(r#"{"id":"a","orders":[{"at":"2024-01-01","amount":"12"}]}"#);
        assert_eq!(e.path(), "orders[0].amount");
        let e = err(r#"{"id":"a","orders":[{"at":"2024-01-01","amout":1}]}"#);
        assert_eq!(e.path(), "orders[0].amout");
        assert!(e.to_string().contains("unknown field `amout`"), "{e}");
        let e = err(r#"{"id":"a","orders":[{"at":"2024-01-01","amount":-1}]}"#);
        assert_eq!(e.path(), "orders[0].amount");
        let e = err(r#"{"id":"a","orders":[{"at":"2024-07-01","amount":1}]}"#);
        assert!(e.to_string().contains("after now"), "{e}");
        let e = err(r#"{"orders":[]}"#);
        assert!(e.to_string().contains("missing field `id`"), "{e}");
        let e = err(
            r#"{"id":"a","orders":[{"at":"2024-01-01","amount":1,"items":[{"price":2,"qty":0}]}]}"#,
        );
        assert_eq!(e.path(), "orders[0].items[0].qty");
        let e = err(r#"["a"]"#);
        assert_eq!(
            (e.code().as_str(), e.path().as_str()),
            ("customer.invalid", "")
        );
        assert!(e.to_string().contains("must be a JSON object"), "{e}");
        let e = err(r#"{"id":"a", "orders": [}"#);
        assert_eq!(e.code(), "customer.syntax");
        assert_eq!(e.path(), "line 1, column 23");
    }

    #[test]
    fn integer_ids_and_epoch_times_are_accepted() {
        let c = Customer::from_json(r#"{"id":42,"orders":[{"at":1000,"amount":0}]}"#).unwrap();
        let v = c.validate(2000, 0).unwrap();
        assert_eq!(v.id, "42");
        assert_eq!(v.orders[0].at, 1000);
    }
}
