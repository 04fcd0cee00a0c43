//! The points ledger: lots, operations, idempotency.
//!
//! A [`Ledger`] holds **lots** of whole points. A lot has an amount still in it, the instant it
//! was earned, the instant it becomes usable (`availableAt`: points earned on an order stay
//! *pending* until the return window has passed) and an optional expiry (`expiresAt`: the lot is
//! no longer usable **from** that instant on — a lot expiring exactly at `now` is expired).
//!
//! Operations ([`Op`]) each carry an idempotency key:
//!
//! | op | effect |
//! | --- | --- |
//! | `Earn` | a new lot (id = the key) |
//! | `Redeem` | burns points from usable lots, soonest-expiring first (no expiry last; ties: earliest earned, then lot id) |
//! | `Expire` | empties every lot whose expiry is at or before the op's instant |
//! | `Reverse` | a returned order: gives back what its redemptions burned, then claws back what it earned |
//! | `Adjust` | a manual correction: `+n` is a new lot, `-n` burns like a redemption |
//!
//! Applying an op whose key was already applied returns the stored result and changes nothing;
//! the same key with a different op is a `loyalty.idempotency_conflict`. An op that fails changes
//! nothing and its key stays free (a retry may succeed once the cause is gone). Ops must come in
//! time order: an op dated before the last applied one is a `loyalty.invalid_operation`.
//!
//! # Policies
//!
//! * **Clawback of spent points.** Reversing an order takes back everything its lots still hold
//!   (pending points first of all — that is what the return window is for). The part of the
//!   order's points the customer already spent is taken from the customer's other valid lots,
//!   soonest-expiring first; what still cannot be covered becomes a **debt** (the balance never
//!   goes negative) that later credits repay first. This is the "negative balance" of real
//!   programmes (Sephora, Starbucks: points used from a returned purchase are deducted from the
//!   balance, which may go below zero), kept as a separate field so that every lot stays ≥ 0.
//!   [`OpResult::shortfall`] reports the new debt so a shop that prefers to reduce the refund
//!   instead can do that and post a positive `Adjust`. Points of the order that already
//!   expired are not clawed from elsewhere: the customer never used them.
//! * **Giving back burned points.** Each redemption of the order is undone lot by lot: points go
//!   back to the lot they came from when that lot is still valid at the reversal. When it has
//!   expired (a refund after expiry), the points come back as a new lot with the original expiry
//!   — that is, they are **forfeited** (counted as returned and expired at once), as most
//!   programmes do ("expired points are not reinstated") — unless the ledger's
//!   [`LedgerPolicy::refund_grace_ms`] is positive: then they come back as a new `refund` lot
//!   usable for that long after the reversal.
//! * **Debt** is repaid by every credit (earn, positive adjustment, given-back points) before
//!   the rest lands in a lot.
//!
//! # Invariants (property-tested in `tests/ledger_props.rs`)
//!
//! * `balance() == Σ lot.amount` and every amount ≥ 0 (so the balance is never negative);
//! * conservation: `imported + earned + adjustedIn + returned == redeemed + expired + clawed +
//!   adjustedOut + debtRepaid + balance` ([`Flows`]), and for each op
//!   `balanceAfter − balanceBefore == credited − debited`;
//! * replaying any op, or the whole sequence, changes nothing.

mod ops;
mod tx;

pub use ops::*;

use super::error::LoyaltyError;
use super::money::{add, sub, MAX_AMOUNT};
use crate::error::quoted;
use crate::time;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tx::{LotRef, Tx};

/// Where a lot's points came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// Earned on a purchase (the only source that counts for a `pointsEarned` tier measure).
    #[default]
    Order,
    /// A promotion's bonus.
    Promotion,
    /// A manual adjustment.
    Adjustment,
    /// Converted from a partner's points.
    Partner,
    /// A referral reward.
    Referral,
    /// A birthday reward.
    Birthday,
    /// Burned points given back by a reversal after their lot expired.
    Refund,
    /// A lot imported from the system of record with no operation behind it.
    Imported,
    /// Any other bonus (welcome, survey, ...).
    Bonus,
}

/// A lot of points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lot {
    /// Unique id: the key of the op that created it, or the imported lot's id.
    pub id: String,
    /// Where the points came from.
    pub source: Source,
    /// The order the points were earned on, if any (what `Reverse` looks for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Points credited when the lot was created (before any debt repayment).
    pub original: i64,
    /// Points still in the lot.
    pub amount: i64,
    /// When the points were earned.
    pub earned_at: i64,
    /// From when the points can be used (pending before).
    pub available_at: i64,
    /// From when the points can no longer be used; `None`: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Points burned by redemptions and negative adjustments.
    pub burned: i64,
    /// Points given back to this lot by reversals.
    pub returned: i64,
    /// Points expired.
    pub expired: i64,
    /// Points clawed back by reversals.
    pub clawed: i64,
    /// Points that repaid a debt when the lot was credited.
    pub debt_repaid: i64,
}

impl Lot {
    /// Whether the lot has not expired at `t` (a lot expiring exactly at `t` has).
    pub fn valid_at(&self, t: i64) -> bool {
        self.expires_at.is_none_or(|e| e > t)
    }

    /// Whether the lot's points can be burned at `t`: valid, available and not empty.
    pub fn usable_at(&self, t: i64) -> bool {
        self.amount > 0 && self.available_at <= t && self.valid_at(t)
    }

    /// Whether the lot is still pending at `t`.
    pub fn pending_at(&self, t: i64) -> bool {
        self.amount > 0 && self.available_at > t && self.valid_at(t)
    }

    /// The burn order: soonest expiry first (none last), then earliest earned, then id.
    fn burn_key(&self) -> (i64, i64, &str) {
        (
            self.expires_at.unwrap_or(i64::MAX),
            self.earned_at,
            self.id.as_str(),
        )
    }
}

/// A lot given as the opening state of a ledger (see [`Ledger::import_lot`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLot {
    /// Unique id.
    pub id: String,
    /// Points in the lot, 0 to 10^15.
    pub amount: i64,
    /// When earned.
    pub earned_at: i64,
    /// From when usable.
    pub available_at: i64,
    /// Expiry, if any.
    pub expires_at: Option<i64>,
    /// Where the points came from.
    pub source: Source,
    /// The order they were earned on, if any.
    pub order_id: Option<String>,
}

/// Ledger policies taken from the programme's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerPolicy {
    /// How long burned points given back after their lot expired stay usable (ms); 0: they are
    /// forfeited (see the module docs).
    pub refund_grace_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Applied {
    op: Op,
    result: OpResult,
}

/// The points ledger (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ledger {
    policy: LedgerPolicy,
    lots: Vec<Lot>,
    burn_order: Vec<usize>,
    ids: BTreeMap<String, usize>,
    log: Vec<Applied>,
    keys: BTreeMap<String, usize>,
    reversed: BTreeSet<String>,
    balance: i64,
    debt: i64,
    flows: Flows,
    last_at: Option<i64>,
}

/// Checks an amount of points; `field` is both the path and the name in the message.
fn check_points(points: i64, min: i64, field: &str) -> Result<(), LoyaltyError> {
    if points < min || points > MAX_AMOUNT {
        return Err(LoyaltyError::InvalidOperation {
            path: field.into(),
            message: format!("{field} must be between {min} and 10^15, got {points}"),
        });
    }
    Ok(())
}

fn check_time(t: i64, field: &str) -> Result<(), LoyaltyError> {
    if !(time::MIN_MS..=time::MAX_MS).contains(&t) {
        return Err(LoyaltyError::InvalidOperation {
            path: field.into(),
            message: format!("{t} is outside the years 1 to 9999"),
        });
    }
    Ok(())
}

impl Ledger {
    /// An empty ledger.
    pub fn new(policy: LedgerPolicy) -> Ledger {
        Ledger {
            policy,
            ..Ledger::default()
        }
    }

    /// The sum of the points in every lot (pending, available, and expired but not yet
    /// processed by an `Expire`).
    pub fn balance(&self) -> i64 {
        self.balance
    }

    /// Outstanding debt (clawback of spent points the balance could not cover).
    pub fn debt(&self) -> i64 {
        self.debt
    }

    /// Totals of points in and out.
    pub fn flows(&self) -> Flows {
        self.flows
    }

    /// Every lot ever created, in creation order (emptied lots included).
    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }

    /// Lots in burn order.
    pub fn lots_in_burn_order(&self) -> impl Iterator<Item = &Lot> {
        self.burn_order.iter().filter_map(|&i| self.lots.get(i))
    }

    /// Applied ops and their results, in the order applied.
    pub fn log(&self) -> impl Iterator<Item = (&Op, &OpResult)> {
        self.log.iter().map(|a| (&a.op, &a.result))
    }

    /// Whether an op with this key was applied.
    pub fn is_applied(&self, key: &str) -> bool {
        self.keys.contains_key(key)
    }

    /// Whether an order was reversed.
    pub fn is_reversed(&self, order_id: &str) -> bool {
        self.reversed.contains(order_id)
    }

    /// The instant of the last op applied.
    pub fn last_at(&self) -> Option<i64> {
        self.last_at
    }

    /// Points usable at `t` (available and not expired).
    pub fn available_at(&self, t: i64) -> Result<i64, LoyaltyError> {
        let mut total = 0i64;
        for l in self.lots.iter().filter(|l| l.usable_at(t)) {
            total = add(total, l.amount, "the available balance")?;
        }
        Ok(total)
    }

    /// Points pending at `t` (not yet available, not expired).
    pub fn pending_at(&self, t: i64) -> Result<i64, LoyaltyError> {
        let mut total = 0i64;
        for l in self.lots.iter().filter(|l| l.pending_at(t)) {
            total = add(total, l.amount, "the pending balance")?;
        }
        Ok(total)
    }

    /// Adds an opening lot (the account as the system of record holds it). Only before any op.
    pub fn import_lot(&mut self, lot: ImportedLot) -> Result<(), LoyaltyError> {
        if !self.log.is_empty() {
            return Err(LoyaltyError::operation(
                "lots can only be imported before any operation",
            ));
        }
        // A bad opening lot is a bad account document, not a bad operation.
        let as_input = |e: LoyaltyError| match e {
            LoyaltyError::InvalidOperation { path, message } => {
                LoyaltyError::InvalidInput { path, message }
            }
            other => other,
        };
        check_points(lot.amount, 0, "amount").map_err(as_input)?;
        check_time(lot.earned_at, "earnedAt").map_err(as_input)?;
        check_time(lot.available_at, "availableAt").map_err(as_input)?;
        if let Some(e) = lot.expires_at {
            check_time(e, "expiresAt").map_err(as_input)?;
        }
        if lot.id.is_empty() {
            return Err(LoyaltyError::input("id", "the lot id is empty"));
        }
        if self.ids.contains_key(&lot.id) {
            return Err(LoyaltyError::input(
                "id",
                format!("a lot with id {:?} already exists", quoted(&lot.id)),
            ));
        }
        let balance = add(self.balance, lot.amount, "the balance")?;
        let imported = add(self.flows.imported, lot.amount, "the imported points")?;
        let new = Lot {
            id: lot.id,
            source: lot.source,
            order_id: lot.order_id,
            original: lot.amount,
            amount: lot.amount,
            earned_at: lot.earned_at,
            available_at: lot.available_at,
            expires_at: lot.expires_at,
            burned: 0,
            returned: 0,
            expired: 0,
            clawed: 0,
            debt_repaid: 0,
        };
        self.balance = balance;
        self.flows.imported = imported;
        self.insert_lot(new);
        Ok(())
    }

    fn insert_lot(&mut self, lot: Lot) {
        let i = self.lots.len();
        let pos = self.burn_order.partition_point(|&j| {
            self.lots
                .get(j)
                .is_some_and(|o| o.burn_key() < lot.burn_key())
        });
        self.ids.insert(lot.id.clone(), i);
        self.lots.push(lot);
        self.burn_order.insert(pos, i);
    }

    /// Applies an op (see the module docs). Errors leave the ledger unchanged.
    pub fn apply(&mut self, op: Op) -> Result<OpResult, LoyaltyError> {
        let key = op.key();
        if key.is_empty() {
            return Err(LoyaltyError::InvalidOperation {
                path: "key".into(),
                message: "the idempotency key is empty".into(),
            });
        }
        if let Some(a) = self.keys.get(key).and_then(|&i| self.log.get(i)) {
            if a.op == op {
                return Ok(a.result.clone());
            }
            return Err(LoyaltyError::IdempotencyConflict {
                path: "key".into(),
                key: key.to_string(),
            });
        }
        let at = op.at();
        check_time(at, "at")?;
        if let Some(last) = self.last_at.filter(|&l| at < l) {
            return Err(LoyaltyError::InvalidOperation {
                path: "at".into(),
                message: format!(
                    "operations must be applied in time order: {} is before the last one applied ({})",
                    time::format_instant(at),
                    time::format_instant(last)
                ),
            });
        }
        let mut tx = Tx::new(self, &op);
        let mut reversed = None;
        match &op {
            Op::Earn(e) => self.plan_earn(&mut tx, e)?,
            Op::Redeem(r) => {
                check_points(r.points, 1, "points")?;
                if let Some(o) = r.order_id.as_ref().filter(|o| self.reversed.contains(*o)) {
                    return Err(LoyaltyError::InvalidOperation {
                        path: "orderId".into(),
                        message: format!("order {o:?} was reversed", o = quoted(o)),
                    });
                }
                tx.burn(at, r.points, true)?;
            }
            Op::Expire(_) => {
                let refs = tx.burn_order();
                for r in refs {
                    let Some(l) = tx.lot(r) else { continue };
                    if l.amount == 0 || l.valid_at(at) {
                        continue;
                    }
                    let x = l.amount;
                    let lot = tx
                        .lot_mut(r)
                        .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
                    lot.amount = 0;
                    lot.expired = add(lot.expired, x, "the lot's expired points")?;
                    tx.balance = sub(tx.balance, x, "the balance")?;
                    tx.flows.expired = add(tx.flows.expired, x, "the expired points")?;
                    tx.result.debited = add(tx.result.debited, x, "the points debited")?;
                    let m = tx.movement(r, x);
                    tx.result.expired.push(m);
                }
            }
            Op::Reverse(r) => {
                self.plan_reverse(&mut tx, r)?;
                reversed = Some(r.order_id.clone());
            }
            Op::Adjust(a) => {
                if a.points == 0 || a.points.abs() > MAX_AMOUNT {
                    return Err(LoyaltyError::InvalidOperation {
                        path: "points".into(),
                        message: format!(
                            "an adjustment must be non-zero and at most 10^15 points, got {}",
                            a.points
                        ),
                    });
                }
                if a.points > 0 {
                    if let Some(e) = a.expires_at {
                        check_time(e, "expiresAt")?;
                        if e <= at {
                            return Err(LoyaltyError::InvalidOperation {
                                path: "expiresAt".into(),
                                message: "the lot would expire before it is credited".into(),
                            });
                        }
                    }
                    tx.new_lot(
                        a.key.clone(),
                        Source::Adjustment,
                        None,
                        a.points,
                        at,
                        at,
                        a.expires_at,
                    )?;
                    tx.flows.adjusted_in =
                        add(tx.flows.adjusted_in, a.points, "the points adjusted")?;
                } else {
                    tx.burn(at, -a.points, false)?;
                }
            }
        }
        tx.result.balance_after = tx.balance;
        // Commit.
        let Tx {
            touched,
            new_lots,
            flows,
            balance,
            debt,
            result,
            ..
        } = tx;
        for (i, lot) in touched {
            if let Some(slot) = self.lots.get_mut(i) {
                *slot = lot;
            }
        }
        for lot in new_lots {
            self.insert_lot(lot);
        }
        self.flows = flows;
        self.balance = balance;
        self.debt = debt;
        self.last_at = Some(at);
        if let Some(o) = reversed {
            self.reversed.insert(o);
        }
        self.keys.insert(result.key.clone(), self.log.len());
        self.log.push(Applied {
            op,
            result: result.clone(),
        });
        Ok(result)
    }

    fn plan_earn(&self, tx: &mut Tx, e: &EarnOp) -> Result<(), LoyaltyError> {
        check_points(e.points, 0, "points")?;
        if let Some(o) = e.order_id.as_ref().filter(|o| self.reversed.contains(*o)) {
            return Err(LoyaltyError::InvalidOperation {
                path: "orderId".into(),
                message: format!("order {o:?} was reversed", o = quoted(o)),
            });
        }
        let available_at = e.available_at.unwrap_or(e.at);
        check_time(available_at, "availableAt")?;
        if available_at < e.at {
            return Err(LoyaltyError::InvalidOperation {
                path: "availableAt".into(),
                message: "points cannot be available before they are earned".into(),
            });
        }
        if let Some(x) = e.expires_at {
            check_time(x, "expiresAt")?;
            if x <= available_at {
                return Err(LoyaltyError::InvalidOperation {
                    path: "expiresAt".into(),
                    message: "the lot would expire before it becomes available".into(),
                });
            }
        }
        tx.flows.earned = add(tx.flows.earned, e.points, "the points earned")?;
        if e.points > 0 {
            tx.new_lot(
                e.key.clone(),
                e.source,
                e.order_id.clone(),
                e.points,
                e.at,
                available_at,
                e.expires_at,
            )?;
        }
        Ok(())
    }

    fn plan_reverse(&self, tx: &mut Tx, r: &ReverseOp) -> Result<(), LoyaltyError> {
        let at = r.at;
        let order = r.order_id.as_str();
        if order.is_empty() {
            return Err(LoyaltyError::InvalidOperation {
                path: "orderId".into(),
                message: "the order id is empty".into(),
            });
        }
        if self.reversed.contains(order) {
            return Err(LoyaltyError::InvalidOperation {
                path: "orderId".into(),
                message: format!(
                    "order {order:?} was already reversed",
                    order = quoted(order)
                ),
            });
        }
        let earned: Vec<usize> = self
            .lots
            .iter()
            .enumerate()
            .filter(|(_, l)| l.order_id.as_deref() == Some(order) && l.source != Source::Refund)
            .map(|(i, _)| i)
            .collect();
        let burned: Vec<Movement> = self
            .log
            .iter()
            .filter_map(|a| match &a.op {
                Op::Redeem(x) if x.order_id.as_deref() == Some(order) => Some(&a.result.burned),
                _ => None,
            })
            .flatten()
            .cloned()
            .collect();
        let order_known = !earned.is_empty()
            || !burned.is_empty()
            || self.log.iter().any(|a| match &a.op {
                Op::Earn(e) => e.order_id.as_deref() == Some(order),
                Op::Redeem(x) => x.order_id.as_deref() == Some(order),
                _ => false,
            });
        if !order_known {
            return Err(LoyaltyError::InvalidOperation {
                path: "orderId".into(),
                message: format!(
                    "no points were earned or redeemed on order {order:?}",
                    order = quoted(order)
                ),
            });
        }
        // 1. Give back what the order's redemptions burned.
        for (n, m) in burned.iter().enumerate() {
            let target = tx.find(&m.lot_id);
            let valid = target
                .and_then(|t| tx.lot(t))
                .is_some_and(|l| l.valid_at(at));
            tx.flows.returned = add(tx.flows.returned, m.points, "the points returned")?;
            match target {
                Some(t) if valid => {
                    tx.credit(t, m.points)?;
                    let lot = tx
                        .lot_mut(t)
                        .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
                    lot.returned = add(lot.returned, m.points, "the lot's returned points")?;
                    tx.result.returned.push(m.clone());
                }
                _ if self.policy.refund_grace_ms > 0 => {
                    let expires = at.saturating_add(self.policy.refund_grace_ms);
                    let id = format!("{}#refund{}", r.key, n);
                    let lot = tx.new_lot(
                        id.clone(),
                        Source::Refund,
                        None,
                        m.points,
                        at,
                        at,
                        Some(expires),
                    )?;
                    if let Some(l) = tx.lot_mut(lot) {
                        l.returned = m.points;
                        l.original = 0;
                    }
                    tx.result.returned.push(Movement {
                        lot_id: id,
                        points: m.points,
                    });
                }
                _ => {
                    tx.flows.expired = add(tx.flows.expired, m.points, "the expired points")?;
                    tx.result.forfeited =
                        add(tx.result.forfeited, m.points, "the forfeited points")?;
                }
            }
        }
        // 2. Claw back what the order earned: what its lots still hold, then what was spent.
        let mut outside = 0i64;
        for &i in &earned {
            let r = LotRef::Old(i);
            let Some(l) = tx.lot(r) else { continue };
            // Spent (net of points given back), paid to a debt or clawed by another reversal:
            // original + returned − burned − expired − clawed − debtRepaid = amount.
            let consumed = sub(
                sub(l.original, l.amount, "the lot's points")?,
                l.expired,
                "the lot's points",
            )?
            .max(0);
            outside = add(outside, consumed, "the points to claw back")?;
            if l.valid_at(at) && l.amount > 0 {
                let x = l.amount;
                let lot = tx
                    .lot_mut(r)
                    .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
                lot.amount = 0;
                lot.clawed = add(lot.clawed, x, "the lot's clawed points")?;
                tx.balance = sub(tx.balance, x, "the balance")?;
                tx.result.debited = add(tx.result.debited, x, "the points debited")?;
                tx.flows.clawed = add(tx.flows.clawed, x, "the clawed points")?;
                let m = tx.movement(r, x);
                tx.result.clawed.push(m);
            }
        }
        if outside > 0 {
            let moves = tx.take(outside, |l| l.valid_at(at))?;
            let mut taken = 0i64;
            for (lr, x) in moves {
                let lot = tx
                    .lot_mut(lr)
                    .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
                lot.clawed = add(lot.clawed, x, "the lot's clawed points")?;
                taken = add(taken, x, "the clawed points")?;
                let m = tx.movement(lr, x);
                tx.result.clawed.push(m);
            }
            tx.flows.clawed = add(tx.flows.clawed, taken, "the clawed points")?;
            let shortfall = sub(outside, taken, "the shortfall")?;
            tx.debt = add(tx.debt, shortfall, "the debt")?;
            tx.result.shortfall = shortfall;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
