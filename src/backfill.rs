//! Points a customer would hold had the programme run over their whole order history.
//!
//! A shop that starts its loyalty programme (or moves it to offerwise) has order histories but
//! no ledger. [`earn_from_orders`] replays the orders through the programme's earning rules: each
//! order, in time order, is quoted as a cart at the instant it was placed, with the orders and
//! the points earned before it (so tiers reached earlier multiply later earnings), and becomes
//! an `earn` operation of exactly the points that quote gives (`pendingDays`, expiry, tiers and
//! caps then apply as for any earn operation). Nothing is invented: the points are the
//! programme's own arithmetic, and an order that earns nothing adds no operation.
//!
//! The cart of an order is its lines when it has some, else its amount less `refunded`.
//! Operation keys are `earn-<order id>` (or `earn-order-<n>` for orders without an id, `n`
//! counting from 1 in time order), so replaying the result changes nothing. Operations the
//! account already has are kept; an order whose key is already present is not earned twice.

use crate::customer::{Customer, TimeValue};
use crate::engine::{DecideOptions, Engine};
use crate::error::Error;
use crate::loyalty::input::OperationInput;
use crate::loyalty::{AccountInput, Cart};

/// The customer with an `earn` operation for every order that earns points (see the module
/// docs). `options.now` bounds the history: orders after it are an error, as in a decision.
pub fn earn_from_orders(
    engine: &Engine,
    customer: &Customer,
    options: &DecideOptions,
) -> Result<Customer, Error> {
    let (now, offset) = options.resolve()?;
    // Validates the whole document once, with its paths.
    customer.validate(now, offset)?;
    let mut timed: Vec<(i64, usize)> = Vec::with_capacity(customer.orders.len());
    for (i, o) in customer.orders.iter().enumerate() {
        let at = o.at.to_millis(offset).map_err(|e| {
            Error::invalid(crate::error::Doc::Customer, format!("orders[{i}].at"), e)
        })?;
        timed.push((at, i));
    }
    // Time order; ties keep the document order.
    timed.sort_by_key(|&(at, i)| (at, i));

    let mut account: AccountInput = customer.loyalty.clone().unwrap_or_default();
    let mut before = Customer {
        id: customer.id.clone(),
        orders: Vec::with_capacity(customer.orders.len()),
        loyalty: None,
        offer_history: Vec::new(),
        attributes: Default::default(),
    };
    for (n, &(at, i)) in timed.iter().enumerate() {
        let Some(order) = customer.orders.get(i) else {
            continue;
        };
        let key = match &order.id {
            Some(id) => format!("earn-{}", id.0),
            None => format!("earn-order-{}", n + 1),
        };
        let taken = account.operations.iter().any(|op| match op {
            OperationInput::Earn { key: k, .. } => *k == key,
            _ => false,
        });
        if !taken {
            let cart = if !order.items.is_empty() && order.refunded == 0.0 {
                Cart {
                    items: order.items.clone(),
                    amount: None,
                }
            } else {
                Cart {
                    items: Vec::new(),
                    amount: Some((order.amount - order.refunded).max(0.0)),
                }
            };
            before.loyalty = Some(account.clone());
            let at_order = DecideOptions {
                now: TimeValue::Millis(at as f64),
                time_zone_offset_minutes: offset,
                cart: None,
                context: None,
                budgets: Default::default(),
                ids: Default::default(),
                assignments: None,
                force_variants: Default::default(),
            };
            let quote = engine.quote(&before, &cart, &at_order)?;
            if quote.earn.points > 0 {
                account.operations.push(OperationInput::Earn {
                    key,
                    at: order.at.clone(),
                    points: quote.earn.points,
                    source: Default::default(),
                    order_id: order.id.as_ref().map(|id| id.0.clone()),
                    available_at: None,
                    expires_at: None,
                });
            }
        }
        before.orders.push(order.clone());
    }
    Ok(Customer {
        loyalty: Some(account),
        ..customer.clone()
    })
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

    #[test]
    fn every_order_earns_what_the_programme_quotes() {
        let e = engine();
        let c = Customer::from_json(
            r#"{"id": "b1", "orders": [
                {"id": "o2", "at": "1998-03-01", "amount": 80},
                {"id": "o1", "at": "1998-01-10", "amount": 45.5},
                {"at": "1998-05-01", "amount": 150},
                {"id": "o4", "at": "1998-06-01", "amount": 0.5}
            ]}"#,
        )
        .unwrap();
        let opts = DecideOptions::at("1998-07-01");
        let out = earn_from_orders(&e, &c, &opts).unwrap();
        let ops = &out.loyalty.as_ref().unwrap().operations;
        let got: Vec<(String, i64)> = ops
            .iter()
            .map(|op| match op {
                OperationInput::Earn { key, points, .. } => (key.clone(), *points),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        // 1 point per dollar, floored; Silver (×1.25) from 100 spent in 365 days: the
        // 150 order comes after 125.5 spent, so it earns 187; 0.5 earns nothing.
        assert_eq!(
            got,
            [
                ("earn-o1".to_string(), 45),
                ("earn-o2".to_string(), 80),
                ("earn-order-3".to_string(), 187),
            ]
        );
        // The decision sees the points, and replaying again adds nothing.
        let d = e.decide(&out, &opts).unwrap();
        assert_eq!(d.loyalty.ledger.balance, 45 + 80 + 187);
        let again = earn_from_orders(&e, &out, &opts).unwrap();
        assert_eq!(again, out);
        // The orders and everything else are unchanged.
        assert_eq!(out.orders, c.orders);
    }

    #[test]
    fn bad_customers_are_errors_not_panics() {
        let e = engine();
        let c =
            Customer::from_json(r#"{"id": "b2", "orders": [{"at": "1998-08-01", "amount": 5}]}"#)
                .unwrap();
        let err = earn_from_orders(&e, &c, &DecideOptions::at("1998-07-01")).unwrap_err();
        assert_eq!(err.code(), "customer.invalid");
    }
}
