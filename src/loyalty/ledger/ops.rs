//! Ledger operations, their results and the totals of points in and out.

use serde::{Deserialize, Serialize};

use super::Source;

/// Points credited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarnOp {
    /// Idempotency key; also the new lot's id.
    pub key: String,
    /// When.
    pub at: i64,
    /// Points, 0 to 10^15 (0 records the op and creates no lot).
    pub points: i64,
    /// Where they come from.
    pub source: Source,
    /// The order they were earned on.
    pub order_id: Option<String>,
    /// From when usable (≥ `at`); `None`: at once.
    pub available_at: Option<i64>,
    /// Expiry (after `at` and after `available_at`); `None`: never.
    pub expires_at: Option<i64>,
}

/// Points burned for a purchase (or donated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedeemOp {
    /// Idempotency key.
    pub key: String,
    /// When.
    pub at: i64,
    /// Points, 1 to 10^15.
    pub points: i64,
    /// The order paid with them (what `Reverse` looks for).
    pub order_id: Option<String>,
}

/// Expiry of every lot expiring at or before `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpireOp {
    /// Idempotency key.
    pub key: String,
    /// As of when.
    pub at: i64,
}

/// A returned order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverseOp {
    /// Idempotency key.
    pub key: String,
    /// When.
    pub at: i64,
    /// The order returned.
    pub order_id: String,
}

/// A manual correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustOp {
    /// Idempotency key; the new lot's id for a positive adjustment.
    pub key: String,
    /// When.
    pub at: i64,
    /// Points, non-zero, |points| ≤ 10^15.
    pub points: i64,
    /// Why (kept for the audit trail).
    pub reason: String,
    /// Expiry of a positive adjustment's lot.
    pub expires_at: Option<i64>,
}

/// A ledger operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// See [`EarnOp`].
    Earn(EarnOp),
    /// See [`RedeemOp`].
    Redeem(RedeemOp),
    /// See [`ExpireOp`].
    Expire(ExpireOp),
    /// See [`ReverseOp`].
    Reverse(ReverseOp),
    /// See [`AdjustOp`].
    Adjust(AdjustOp),
}

/// The kind of an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OpKind {
    Earn,
    Redeem,
    Expire,
    Reverse,
    Adjust,
}

impl Op {
    /// The idempotency key.
    pub fn key(&self) -> &str {
        match self {
            Op::Earn(o) => &o.key,
            Op::Redeem(o) => &o.key,
            Op::Expire(o) => &o.key,
            Op::Reverse(o) => &o.key,
            Op::Adjust(o) => &o.key,
        }
    }

    /// When.
    pub fn at(&self) -> i64 {
        match self {
            Op::Earn(o) => o.at,
            Op::Redeem(o) => o.at,
            Op::Expire(o) => o.at,
            Op::Reverse(o) => o.at,
            Op::Adjust(o) => o.at,
        }
    }

    /// The kind.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::Earn(_) => OpKind::Earn,
            Op::Redeem(_) => OpKind::Redeem,
            Op::Expire(_) => OpKind::Expire,
            Op::Reverse(_) => OpKind::Reverse,
            Op::Adjust(_) => OpKind::Adjust,
        }
    }
}

/// Points moved to or from one lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    /// The lot.
    pub lot_id: String,
    /// Points (> 0).
    pub points: i64,
}

/// What an op did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpResult {
    /// The op's key.
    pub key: String,
    /// The op's kind.
    pub kind: OpKind,
    /// When.
    pub at: i64,
    /// Points added to lots.
    pub credited: i64,
    /// Points removed from lots.
    pub debited: i64,
    /// The balance (sum of lots) before.
    pub balance_before: i64,
    /// The balance after.
    pub balance_after: i64,
    /// Lots created.
    pub lots_created: Vec<String>,
    /// Points burned (redemption, negative adjustment), lot by lot.
    pub burned: Vec<Movement>,
    /// Points expired, lot by lot.
    pub expired: Vec<Movement>,
    /// Points given back by a reversal, lot by lot.
    pub returned: Vec<Movement>,
    /// Given-back points forfeited because their lot had expired.
    pub forfeited: i64,
    /// Points clawed back by a reversal, lot by lot.
    pub clawed: Vec<Movement>,
    /// Debt repaid by this op's credits.
    pub debt_repaid: i64,
    /// Debt created by this op (clawback of spent points not covered by the balance).
    pub shortfall: i64,
}

/// Totals of every point that entered or left the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flows {
    /// Points of imported lots.
    pub imported: i64,
    /// Points of `Earn` ops.
    pub earned: i64,
    /// Points of positive adjustments.
    pub adjusted_in: i64,
    /// Points given back by reversals (including forfeited ones).
    pub returned: i64,
    /// Points burned by redemptions.
    pub redeemed: i64,
    /// Points expired (including forfeited returns).
    pub expired: i64,
    /// Points clawed back by reversals.
    pub clawed: i64,
    /// Points of negative adjustments.
    pub adjusted_out: i64,
    /// Points of credits that repaid a debt.
    pub debt_repaid: i64,
}

impl Flows {
    /// Points in.
    pub fn inflow(&self) -> Option<i64> {
        self.imported
            .checked_add(self.earned)?
            .checked_add(self.adjusted_in)?
            .checked_add(self.returned)
    }

    /// Points out.
    pub fn outflow(&self) -> Option<i64> {
        self.redeemed
            .checked_add(self.expired)?
            .checked_add(self.clawed)?
            .checked_add(self.adjusted_out)?
            .checked_add(self.debt_repaid)
    }
}
