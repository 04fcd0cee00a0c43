//! Aggregates over a customer's order history, defined by name in the programme and read by
//! offer conditions as `aggregates.<name>`.
//!
//! ```json
//! "aggregates": {
//!   "jazzSpend90d":  { "sum": "amount", "where": { "category": "jazz" }, "windowDays": 90 },
//!   "orders30d":     { "count": "orders", "windowDays": 30 },
//!   "biggestOrder":  { "max": "amount" },
//!   "jazzDays":      { "distinctDays": "orders", "where": { "category": ["jazz", "blues"] } }
//! }
//! ```
//!
//! Exactly one function per aggregate:
//!
//! | function | argument | value |
//! | --- | --- | --- |
//! | `sum`, `mean`, `min`, `max` | `"amount"` or `"qty"` | over the orders (`amount` = the order's amount) or, with `where`, over the matching lines (`amount` = price × qty); `qty` needs lines. `mean`, `min`, `max` of nothing are null; `sum` of nothing is 0 |
//! | `count` | `"orders"` or `"lines"` | orders (with `where`: orders with a matching line) or matching lines |
//! | `distinctDays` | `"orders"` | distinct calendar days (shop's time zone) with a counted order |
//!
//! `where` filters lines by `category` and/or `sku` (a string or a list; all given must
//! match); `windowDays` keeps orders with `now − windowDays < at ≤ now`. An aggregate is
//! computed once per decision, and only when some offer's condition reads it.

use crate::customer::Customer;
use crate::error::{quoted, Doc, Error};
use crate::json::join;
use serde::{Deserialize, Serialize};

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

// Read by hand rather than `untagged` (which buffers the value and reports its error after
// the enclosing object): a wrong value is then named by its own path.
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                Ok(OneOrMany::Many(all))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl OneOrMany {
    fn contains(&self, x: Option<&str>) -> bool {
        match (self, x) {
            (_, None) => false,
            (OneOrMany::One(s), Some(x)) => s == x,
            (OneOrMany::Many(v), Some(x)) => v.iter().any(|s| s == x),
        }
    }
}

/// Which lines count.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<OneOrMany>,
}

/// One aggregate's definition (see the module docs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Aggregate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_days: Option<String>,
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<LineFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Sum,
    Mean,
    Min,
    Max,
    Count,
    DistinctDays,
}

impl Aggregate {
    /// The function and its argument, checked.
    fn func(&self) -> Result<(Func, &str), String> {
        let given: Vec<(Func, &str)> = [
            (Func::Sum, &self.sum),
            (Func::Mean, &self.mean),
            (Func::Min, &self.min),
            (Func::Max, &self.max),
            (Func::Count, &self.count),
            (Func::DistinctDays, &self.distinct_days),
        ]
        .into_iter()
        .filter_map(|(f, a)| a.as_deref().map(|a| (f, a)))
        .collect();
        match given.as_slice() {
            [one] => Ok(*one),
            [] => Err("needs one of sum, mean, min, max, count, distinctDays".into()),
            _ => Err("has more than one of sum, mean, min, max, count, distinctDays".into()),
        }
    }

    /// Checks the definition; errors name the field under `path`.
    pub fn validate(&self, path: &str) -> Result<(), Error> {
        let bad = |field: &str, m: String| Err(Error::invalid(Doc::Program, join(path, field), m));
        let (f, arg) = self
            .func()
            .map_err(|m| Error::invalid(Doc::Program, path, m))?;
        let lines = self.filter.is_some();
        match f {
            Func::Sum | Func::Mean | Func::Min | Func::Max => match arg {
                "amount" => {}
                "qty" if lines => {}
                "qty" => {
                    return bad(
                        field_name(f),
                        "\"qty\" is a line's quantity: give a `where` on category or sku".into(),
                    )
                }
                other => {
                    return bad(
                        field_name(f),
                        format!(
                            "{other:?} must be \"amount\" or \"qty\"",
                            other = quoted(other)
                        ),
                    )
                }
            },
            Func::Count => {
                if !matches!(arg, "orders" | "lines") {
                    return bad(
                        "count",
                        format!("{arg:?} must be \"orders\" or \"lines\"", arg = quoted(arg)),
                    );
                }
            }
            Func::DistinctDays => {
                if arg != "orders" {
                    return bad(
                        "distinctDays",
                        format!("{arg:?} must be \"orders\"", arg = quoted(arg)),
                    );
                }
            }
        }
        if let Some(w) = self.window_days {
            if !(w.is_finite() && w > 0.0) {
                return bad("windowDays", format!("must be a number > 0, got {w}"));
            }
        }
        if let Some(filter) = &self.filter {
            if filter.category.is_none() && filter.sku.is_none() {
                return bad("where", "give category and/or sku".into());
            }
        }
        Ok(())
    }

    /// The aggregate's value for a (validated) customer at `now`: `None` is JSON null.
    pub fn value(&self, customer: &Customer, now: i64, offset: i32) -> Option<f64> {
        let (f, arg) = self.func().ok()?;
        let from = self
            .window_days
            .map(|w| now.saturating_sub((w * crate::time::DAY_MS as f64) as i64));
        let (mut n, mut sum) = (0u64, 0.0f64);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut days: Vec<i64> = Vec::new();
        for o in &customer.orders {
            let Ok(at) = o.at.to_millis(offset) else {
                continue;
            };
            if at > now || from.is_some_and(|from| at <= from) {
                continue;
            }
            let mut take = |x: f64| {
                n += 1;
                sum += x;
                lo = lo.min(x);
                hi = hi.max(x);
            };
            match &self.filter {
                None => {
                    take(o.amount);
                    days.push(crate::time::local_day(at, offset));
                }
                Some(filter) => {
                    let mut matched = false;
                    for line in &o.items {
                        let ok = filter
                            .category
                            .as_ref()
                            .is_none_or(|c| c.contains(line.category.as_deref()))
                            && filter
                                .sku
                                .as_ref()
                                .is_none_or(|s| s.contains(line.sku.as_deref()));
                        if !ok {
                            continue;
                        }
                        matched = true;
                        if !(f == Func::Count && arg == "orders") && f != Func::DistinctDays {
                            take(if arg == "qty" {
                                line.qty
                            } else {
                                line.price * line.qty
                            });
                        }
                    }
                    if matched {
                        if f == Func::Count && arg == "orders" {
                            take(0.0);
                        }
                        days.push(crate::time::local_day(at, offset));
                    }
                }
            }
        }
        match f {
            Func::Sum => Some(sum),
            Func::Count => Some(n as f64),
            Func::Mean => (n > 0).then(|| sum / n as f64),
            Func::Min => (n > 0).then_some(lo),
            Func::Max => (n > 0).then_some(hi),
            Func::DistinctDays => {
                days.sort_unstable();
                days.dedup();
                Some(days.len() as f64)
            }
        }
    }
}

fn field_name(f: Func) -> &'static str {
    match f {
        Func::Sum => "sum",
        Func::Mean => "mean",
        Func::Min => "min",
        Func::Max => "max",
        Func::Count => "count",
        Func::DistinctDays => "distinctDays",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> Customer {
        Customer::from_json(
            r#"{"id": "a", "orders": [
              {"at": "1998-06-20T10:00:00Z", "amount": 40, "items": [
                 {"category": "jazz", "sku": "J1", "price": 10, "qty": 2},
                 {"category": "rock", "sku": "R1", "price": 20, "qty": 1}]},
              {"at": "1998-06-20T18:00:00Z", "amount": 15, "items": [{"category": "jazz", "price": 15}]},
              {"at": "1998-01-05", "amount": 100},
              {"at": "1998-05-01", "amount": 12, "items": [{"category": "blues", "price": 12}]}
            ]}"#,
        )
        .unwrap()
    }

    fn agg(json: &str) -> Aggregate {
        let a: Aggregate = serde_json::from_str(json).unwrap();
        a.validate("aggregates.x").unwrap();
        a
    }

    #[test]
    fn functions_filters_and_windows() {
        let c = customer();
        let now = crate::time::parse_instant("1998-07-01", 0).unwrap();
        let v = |j: &str| agg(j).value(&c, now, 0);
        assert_eq!(v(r#"{"sum": "amount"}"#), Some(167.0));
        assert_eq!(v(r#"{"sum": "amount", "windowDays": 90}"#), Some(67.0));
        assert_eq!(
            v(r#"{"sum": "amount", "where": {"category": "jazz"}}"#),
            Some(35.0)
        );
        assert_eq!(
            v(r#"{"sum": "qty", "where": {"category": "jazz"}}"#),
            Some(3.0)
        );
        assert_eq!(
            v(r#"{"count": "orders", "where": {"category": "jazz"}}"#),
            Some(2.0)
        );
        assert_eq!(
            v(r#"{"count": "lines", "where": {"category": ["jazz", "blues"]}}"#),
            Some(3.0)
        );
        assert_eq!(
            v(r#"{"distinctDays": "orders", "where": {"category": "jazz"}}"#),
            Some(1.0)
        );
        assert_eq!(v(r#"{"distinctDays": "orders"}"#), Some(3.0));
        assert_eq!(v(r#"{"max": "amount"}"#), Some(100.0));
        assert_eq!(
            v(r#"{"min": "amount", "where": {"sku": "R1"}}"#),
            Some(20.0)
        );
        assert_eq!(v(r#"{"mean": "amount", "windowDays": 30}"#), Some(27.5));
        assert_eq!(
            v(r#"{"mean": "amount", "where": {"category": "pop"}}"#),
            None
        );
        assert_eq!(
            v(r#"{"sum": "amount", "where": {"category": "pop"}}"#),
            Some(0.0)
        );
        // 18:00 UTC is the next local day at UTC+7: two jazz days.
        assert_eq!(
            agg(r#"{"distinctDays": "orders", "where": {"category": "jazz"}}"#).value(&c, now, 420),
            Some(2.0)
        );
    }

    #[test]
    fn bad_definitions_name_the_field() {
        let cases = [
            (r#"{}"#, "aggregates.x", "needs one of"),
            (
                r#"{"sum": "amount", "count": "orders"}"#,
                "aggregates.x",
                "more than one",
            ),
            (
                r#"{"sum": "price"}"#,
                "aggregates.x.sum",
                "\"amount\" or \"qty\"",
            ),
            (r#"{"sum": "qty"}"#, "aggregates.x.sum", "where"),
            (r#"{"count": "days"}"#, "aggregates.x.count", "orders"),
            (
                r#"{"count": "orders", "windowDays": 0}"#,
                "aggregates.x.windowDays",
                "> 0",
            ),
            (
                r#"{"count": "orders", "where": {}}"#,
                "aggregates.x.where",
                "category",
            ),
        ];
        for (j, path, says) in cases {
            let a: Aggregate = serde_json::from_str(j).unwrap();
            let e = a.validate("aggregates.x").unwrap_err();
            assert_eq!(e.path(), path, "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
    }
}
