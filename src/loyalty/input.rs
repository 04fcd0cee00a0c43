//! Inputs: the customer's loyalty account, the order history and the cart.
//!
//! Times are ISO 8601 text (read by [`crate::time::parse_instant`]; text without an offset is
//! local time in the decision's time zone) or epoch milliseconds. Money is a JSON number in
//! currency units (converted to minor units by [`super::money::money_to_minor`]); points are
//! whole numbers. Unknown fields are errors.
//!
//! ```json
//! { "tier": "gold", "tierUntil": "2025-01-01",
//!   "points": [ { "id": "L1", "amount": 300, "earnedAt": "2024-01-10", "availableAt": "2024-01-24",
//!                 "expiresAt": "2025-01-10", "source": "order", "orderId": "A-1" } ],
//!   "operations": [
//!     { "type": "earn", "key": "e-A-2", "at": "2024-03-01T10:00:00Z", "points": 120, "orderId": "A-2" },
//!     { "type": "redeem", "key": "r-A-3", "at": "2024-03-05", "points": 100, "orderId": "A-3" },
//!     { "type": "reverse", "key": "x-A-2", "at": "2024-03-07", "orderId": "A-2" },
//!     { "type": "adjust", "key": "adj-1", "at": "2024-03-08", "points": -20, "reason": "duplicate" },
//!     { "type": "expire", "key": "exp-2024-04", "at": "2024-04-01" },
//!     { "type": "partnerEarn", "key": "p-1", "at": "2024-04-02", "partner": "sky", "partnerPoints": 1000 } ],
//!   "membership": { "since": "2024-01-01", "until": "2025-01-01" },
//!   "birthday": "02-29",
//!   "referrals": [ { "friendId": "f-7", "referredAt": "2024-02-01",
//!                    "firstPurchaseAt": "2024-02-10", "firstPurchaseAmount": 1500 } ] }
//! ```

use super::error::{index, join, LoyaltyError};
use super::ledger::Source;
use super::money::money_to_minor;
use crate::error::quoted;
use crate::time;
use serde::{Deserialize, Serialize};

/// A point in time as written: the customer document's [`crate::customer::TimeValue`].
pub use crate::customer::TimeValue as When;

impl When {
    /// Epoch milliseconds; text without an offset is local time at `offset_minutes`.
    pub fn resolve(&self, offset_minutes: i32) -> Result<i64, String> {
        self.to_millis(offset_minutes)
    }

    /// [`When::resolve`] with an input error at `path`.
    pub fn at(&self, offset_minutes: i32, path: &str) -> Result<i64, LoyaltyError> {
        self.resolve(offset_minutes)
            .map_err(|m| LoyaltyError::input(path, m))
    }
}

/// Resolves an optional time; an error names `field` under the path `at()` builds (only when
/// there is an error).
pub fn resolve_opt(
    w: &Option<When>,
    offset_minutes: i32,
    at: impl Fn() -> String,
    field: &str,
) -> Result<Option<i64>, LoyaltyError> {
    w.as_ref()
        .map(|w| {
            w.resolve(offset_minutes)
                .map_err(|m| LoyaltyError::input(join(&at(), field), m))
        })
        .transpose()
}

/// The customer's loyalty account as the shop's system of record holds it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountInput {
    /// A tier granted by the shop (status match, paid tier): the customer has at least this tier
    /// while it lasts. Must be one of `tiers.levels[].id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Until when the granted `tier` lasts (exclusive); absent: indefinitely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_until: Option<When>,
    /// Opening lots (imported before the operations are applied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<LotInput>,
    /// Operations, applied in time order (ties keep the document order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationInput>,
    /// The paid membership, if the customer ever bought one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<MembershipInput>,
    /// Birthday as `"MM-DD"` (a 29 February birthday is celebrated on 28 February in other
    /// years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Friends this customer referred.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referrals: Vec<ReferralInput>,
}

/// An opening lot of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LotInput {
    /// Unique id (default `points[i]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Points in the lot (whole, 0 to 10^15).
    pub amount: i64,
    /// When earned (default: the earliest instant, so it burns before dated lots of the same
    /// expiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earned_at: Option<When>,
    /// From when usable (default: when earned, or at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_at: Option<When>,
    /// From when no longer usable (default: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<When>,
    /// Where the points came from (default `imported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The order they were earned on, if any (a `reverse` of that order claws them back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// An operation of the account's history (see [`super::ledger`]).
///
/// Defaults from the rules: an `earn` of source `order` without `availableAt` is pending for
/// `earn.pendingDays`; an `earn`, `partnerEarn` or positive `adjust` without `expiresAt`
/// expires `expiry.days` after it becomes available (never when `expiry.days` is absent).
///
/// serde reads an internally tagged enum from a buffer, after the object: the derived code
/// is kept as inherent functions (`remote = "Self"`) and the trait impls below read the
/// object in place, so an error names the operation (`operations[2]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum OperationInput {
    /// Points credited.
    Earn {
        key: String,
        at: When,
        points: i64,
        #[serde(default)]
        source: Source,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        available_at: Option<When>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<When>,
    },
    /// Points burned.
    Redeem {
        key: String,
        at: When,
        points: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<String>,
    },
    /// Expiry of every lot expiring at or before `at`.
    Expire { key: String, at: When },
    /// A returned order.
    Reverse {
        key: String,
        at: When,
        order_id: String,
    },
    /// A manual correction (`points` ≠ 0, either sign).
    Adjust {
        key: String,
        at: When,
        points: i64,
        #[serde(default)]
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<When>,
    },
    /// Points converted from a partner's points at the partner's rate (`partners[]`), rounded
    /// with `earn.rounding`.
    PartnerEarn {
        key: String,
        at: When,
        partner: String,
        partner_points: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<When>,
    },
}

impl Serialize for OperationInput {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        OperationInput::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for OperationInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json::object_in_place(deserializer, "an operation object", |v| {
            OperationInput::deserialize(v)
        })
    }
}

impl OperationInput {
    /// The instant as written.
    pub fn when(&self) -> &When {
        match self {
            OperationInput::Earn { at, .. }
            | OperationInput::Redeem { at, .. }
            | OperationInput::Expire { at, .. }
            | OperationInput::Reverse { at, .. }
            | OperationInput::Adjust { at, .. }
            | OperationInput::PartnerEarn { at, .. } => at,
        }
    }
}

/// A paid membership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembershipInput {
    /// When it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<When>,
    /// When it ends (exclusive): active while `now < until`.
    pub until: When,
}

/// A referred friend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferralInput {
    /// The friend's id (the reward's idempotency key is `referral:<friendId>`).
    pub friend_id: String,
    /// When the friend signed up with the referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_at: Option<When>,
    /// The friend's first purchase, if made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_purchase_at: Option<When>,
    /// Its amount (currency units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_purchase_amount: Option<f64>,
}

/// An order or cart line: the customer document's [`crate::customer::Item`].
pub use crate::customer::Item as ItemInput;
/// An order of the history: the customer document's [`crate::customer::Order`] (with
/// `refunded`, money refunded for returns).
pub use crate::customer::Order as OrderInput;

/// The cart being quoted: `items`, or just an `amount` (one line without category).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cart {
    /// Lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemInput>,
    /// The cart total when there are no lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
}

/// A line with its total in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// SKU.
    pub sku: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// `price × qty` in minor units.
    pub minor: i64,
}

/// A checked history order, as the ledger reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidOrder {
    /// Epoch ms.
    pub at: i64,
    /// Paid, minor units.
    pub amount: i64,
    /// Refunded, minor units.
    pub refunded: i64,
}

impl ValidOrder {
    /// The qualifying spend: paid minus refunded.
    pub fn net(&self) -> i64 {
        self.amount.saturating_sub(self.refunded)
    }

    /// Whether it counts as an order (not fully refunded).
    pub fn counts(&self) -> bool {
        !(self.refunded > 0 && self.refunded >= self.amount)
    }
}

/// Money in minor units, ≥ 0. `path` is only built for an error.
fn money(x: f64, digits: u32, path: &dyn Fn() -> String, what: &str) -> Result<i64, LoyaltyError> {
    let v = money_to_minor(x, digits)
        .map_err(|m| LoyaltyError::input(path(), format!("{what} {m}")))?;
    if v < 0 {
        return Err(LoyaltyError::input(
            path(),
            format!("{what} must be ≥ 0, got {x}"),
        ));
    }
    Ok(v)
}

/// Checks a line.
pub fn line(item: &ItemInput, digits: u32, path: &str) -> Result<Line, LoyaltyError> {
    line_at(item, digits, &|| path.to_string())
}

/// [`line`] with a path built only for an error.
fn line_at(item: &ItemInput, digits: u32, path: &dyn Fn() -> String) -> Result<Line, LoyaltyError> {
    money(item.price, digits, &|| join(&path(), "price"), "price")?;
    if !(item.qty.is_finite() && item.qty > 0.0) {
        return Err(LoyaltyError::input(
            join(&path(), "qty"),
            format!("qty must be a finite number > 0, got {}", item.qty),
        ));
    }
    let minor = money(
        item.price * item.qty,
        digits,
        path,
        "the line total price × qty",
    )?;
    for (field, v) in [("sku", &item.sku), ("category", &item.category)] {
        if v.as_deref() == Some("") {
            return Err(LoyaltyError::input(
                join(&path(), field),
                format!("the {field} is empty; leave it out instead"),
            ));
        }
    }
    Ok(Line {
        sku: item.sku.clone(),
        category: item.category.clone(),
        minor,
    })
}

impl Cart {
    /// The cart's total in currency units: `amount` when it has no lines, else Σ price × qty
    /// (a cart with both is an error of [`Cart::lines`]).
    pub fn subtotal(&self) -> f64 {
        match (self.amount, self.items.is_empty()) {
            (Some(a), true) => a,
            (None, true) => 0.0,
            (_, false) => self.items.iter().map(|i| i.price * i.qty).sum(),
        }
    }

    /// The cart's lines (an `amount` is one line without category).
    pub fn lines(&self, digits: u32, path: &str) -> Result<Vec<Line>, LoyaltyError> {
        match (&self.amount, self.items.is_empty()) {
            (Some(_), false) => Err(LoyaltyError::input(
                join(path, "amount"),
                "give either items or amount, not both",
            )),
            (None, true) => Err(LoyaltyError::input(
                path,
                "the cart has neither items nor amount",
            )),
            (Some(a), true) => Ok(vec![Line {
                sku: None,
                category: None,
                minor: money(*a, digits, &|| join(path, "amount"), "amount")?,
            }]),
            (None, false) => self
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| line(it, digits, &index(&join(path, "items"), i)))
                .collect(),
        }
    }
}

/// Checks the history: amounts, times (not after `now`); sorted by time, ties in document order.
pub fn history(
    orders: &[OrderInput],
    digits: u32,
    now: i64,
    offset: i32,
    path: &str,
) -> Result<Vec<ValidOrder>, LoyaltyError> {
    use crate::limits::{too_many, MAX_ORDERS};
    if orders.len() > MAX_ORDERS {
        return Err(LoyaltyError::Limit {
            path: path.to_string(),
            message: too_many(orders.len(), "orders", MAX_ORDERS),
        });
    }
    let mut out = Vec::with_capacity(orders.len());
    for (i, o) in orders.iter().enumerate() {
        // Paths are built only when something is wrong.
        let p = || index(path, i);
        let at =
            o.at.resolve(offset)
                .map_err(|m| LoyaltyError::input(join(&p(), "at"), m))?;
        if at > now {
            return Err(LoyaltyError::input(
                join(&p(), "at"),
                format!(
                    "the order is dated {}, after now ({})",
                    time::format_instant(at),
                    time::format_instant(now)
                ),
            ));
        }
        out.push(order(o, at, digits, &p)?);
    }
    out.sort_by_key(|o| o.at);
    Ok(out)
}

/// Checks an order's money (amount, refunded, lines) in minor units of `digits` decimals;
/// `at` is its time, already resolved and checked. `path` (the order's) is built only for an
/// error. What [`history`] checks of each order after its time, and what
/// [`crate::customer::Customer::validate_for`] checks once for the ledger of a decision.
pub fn order(
    o: &OrderInput,
    at: i64,
    digits: u32,
    path: &dyn Fn() -> String,
) -> Result<ValidOrder, LoyaltyError> {
    let amount = money(o.amount, digits, &|| join(&path(), "amount"), "amount")?;
    let refunded = money(
        o.refunded,
        digits,
        &|| join(&path(), "refunded"),
        "refunded",
    )?;
    if refunded > amount {
        return Err(LoyaltyError::input(
            join(&path(), "refunded"),
            "more was refunded than paid",
        ));
    }
    for (j, it) in o.items.iter().enumerate() {
        line_at(it, digits, &|| index(&join(&path(), "items"), j))?;
    }
    Ok(ValidOrder {
        at,
        amount,
        refunded,
    })
}

/// Reads `"MM-DD"`.
pub fn month_day(s: &str, path: &str) -> Result<(u32, u32), LoyaltyError> {
    let bad = || {
        LoyaltyError::input(
            path,
            format!("{s:?} is not a month-day like \"02-29\"", s = quoted(s)),
        )
    };
    let (m, d) = s.split_once('-').ok_or_else(bad)?;
    if m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let m: u32 = m.parse().map_err(|_| bad())?;
    let d: u32 = d.parse().map_err(|_| bad())?;
    // 2000 is a leap year: 02-29 is a valid birthday.
    if !(1..=12).contains(&m) || d == 0 || d > time::days_in_month(2000, m) {
        return Err(bad());
    }
    Ok((m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_parse_with_their_type_tag() {
        let ops: Vec<OperationInput> = serde_json::from_str(
            r#"[{"type":"earn","key":"a","at":"2024-01-01","points":5,"orderId":"A"},
                {"type":"reverse","key":"b","at":0,"orderId":"A"},
                {"type":"partnerEarn","key":"c","at":"2024-01-01","partner":"p","partnerPoints":10}]"#,
        )
        .unwrap_or_default();
        assert_eq!(ops.len(), 3);
        let bad: Result<Vec<OperationInput>, _> =
            serde_json::from_str(r#"[{"type":"earn","key":"a","at":0,"points":5,"pionts":1}]"#);
        assert!(bad.is_err());
        let frac: Result<Vec<OperationInput>, _> =
            serde_json::from_str(r#"[{"type":"earn","key":"a","at":0,"points":5.5}]"#);
        assert!(frac.is_err());
    }

    #[test]
    fn cart_lines_and_month_days() {
        let c = Cart {
            items: vec![ItemInput {
                sku: None,
                category: Some("c".into()),
                price: 18.3,
                qty: 3.0,
            }],
            amount: None,
        };
        assert_eq!(c.lines(2, "cart").map(|l| l[0].minor), Ok(5490));
        let both = Cart {
            amount: Some(1.0),
            ..c.clone()
        };
        assert_eq!(
            both.lines(2, "cart").map_err(|e| e.path().to_string()),
            Err("cart.amount".into())
        );
        assert!(Cart::default().lines(2, "cart").is_err());
        assert_eq!(month_day("02-29", "b"), Ok((2, 29)));
        assert!(month_day("02-30", "b").is_err());
        assert!(month_day("2-3", "b").is_err());
        assert!(month_day("13-01", "b").is_err());
    }
}
