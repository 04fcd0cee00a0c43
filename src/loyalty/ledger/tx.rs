//! Planning an operation: changes are made on copies, checked, then committed at once.

use super::super::error::LoyaltyError;
use super::super::money::{add, sub};
use super::{Flows, Ledger, Lot, Movement, Op, OpResult, Source};
use crate::error::quoted;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum LotRef {
    Old(usize),
    New(usize),
}

/// An op being planned: every change is made on copies, checked, and committed at once, so a
/// failing op changes nothing.
pub(super) struct Tx<'a> {
    pub(super) base: &'a Ledger,
    pub(super) touched: BTreeMap<usize, Lot>,
    pub(super) new_lots: Vec<Lot>,
    pub(super) flows: Flows,
    pub(super) balance: i64,
    pub(super) debt: i64,
    pub(super) result: OpResult,
}

impl<'a> Tx<'a> {
    pub(super) fn new(base: &'a Ledger, op: &Op) -> Self {
        Tx {
            base,
            touched: BTreeMap::new(),
            new_lots: Vec::new(),
            flows: base.flows,
            balance: base.balance,
            debt: base.debt,
            result: OpResult {
                key: op.key().to_string(),
                kind: op.kind(),
                at: op.at(),
                credited: 0,
                debited: 0,
                balance_before: base.balance,
                balance_after: base.balance,
                lots_created: Vec::new(),
                burned: Vec::new(),
                expired: Vec::new(),
                returned: Vec::new(),
                forfeited: 0,
                clawed: Vec::new(),
                debt_repaid: 0,
                shortfall: 0,
            },
        }
    }

    pub(super) fn lot(&self, r: LotRef) -> Option<&Lot> {
        match r {
            LotRef::Old(i) => self.touched.get(&i).or_else(|| self.base.lots.get(i)),
            LotRef::New(i) => self.new_lots.get(i),
        }
    }

    pub(super) fn lot_mut(&mut self, r: LotRef) -> Option<&mut Lot> {
        match r {
            LotRef::Old(i) => {
                if !self.touched.contains_key(&i) {
                    let lot = self.base.lots.get(i)?.clone();
                    self.touched.insert(i, lot);
                }
                self.touched.get_mut(&i)
            }
            LotRef::New(i) => self.new_lots.get_mut(i),
        }
    }

    pub(super) fn find(&self, id: &str) -> Option<LotRef> {
        if let Some(&i) = self.base.ids.get(id) {
            return Some(LotRef::Old(i));
        }
        self.new_lots
            .iter()
            .position(|l| l.id == id)
            .map(LotRef::New)
    }

    /// Lots in burn order (new lots of this op merged in).
    pub(super) fn burn_order(&self) -> Vec<LotRef> {
        let mut refs: Vec<LotRef> = self
            .base
            .burn_order
            .iter()
            .map(|&i| LotRef::Old(i))
            .collect();
        if !self.new_lots.is_empty() {
            refs.extend((0..self.new_lots.len()).map(LotRef::New));
            refs.sort_by(|&a, &b| match (self.lot(a), self.lot(b)) {
                (Some(x), Some(y)) => x.burn_key().cmp(&y.burn_key()),
                _ => a.cmp(&b),
            });
        }
        refs
    }

    /// Points usable at `at`.
    pub(super) fn usable(&self, at: i64) -> Result<i64, LoyaltyError> {
        let mut total = 0i64;
        let old = (0..self.base.lots.len()).map(LotRef::Old);
        for r in old.chain((0..self.new_lots.len()).map(LotRef::New)) {
            if let Some(l) = self.lot(r).filter(|l| l.usable_at(at)) {
                total = add(total, l.amount, "the usable balance")?;
            }
        }
        Ok(total)
    }

    /// Credits `points` (repaying debt first) to an existing lot, or to a new one.
    pub(super) fn credit(&mut self, target: LotRef, points: i64) -> Result<(), LoyaltyError> {
        let repaid = points.min(self.debt).max(0);
        let kept = sub(points, repaid, "the credit")?;
        self.debt = sub(self.debt, repaid, "the debt")?;
        self.balance = add(self.balance, kept, "the balance")?;
        self.flows.debt_repaid = add(self.flows.debt_repaid, repaid, "the debt repaid")?;
        self.result.debt_repaid = add(self.result.debt_repaid, repaid, "the debt repaid")?;
        self.result.credited = add(self.result.credited, kept, "the points credited")?;
        let lot = self
            .lot_mut(target)
            .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
        lot.amount = add(lot.amount, kept, "the lot's points")?;
        lot.debt_repaid = add(lot.debt_repaid, repaid, "the lot's debt repaid")?;
        Ok(())
    }

    /// Adds a new lot of `points` (debt repaid first).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_lot(
        &mut self,
        id: String,
        source: Source,
        order_id: Option<String>,
        points: i64,
        at: i64,
        available_at: i64,
        expires_at: Option<i64>,
    ) -> Result<LotRef, LoyaltyError> {
        if self.find(&id).is_some() {
            return Err(LoyaltyError::operation(format!(
                "a lot with id {id:?} already exists",
                id = quoted(&id)
            )));
        }
        self.new_lots.push(Lot {
            id: id.clone(),
            source,
            order_id,
            original: points,
            amount: 0,
            earned_at: at,
            available_at,
            expires_at,
            burned: 0,
            returned: 0,
            expired: 0,
            clawed: 0,
            debt_repaid: 0,
        });
        let r = LotRef::New(self.new_lots.len().saturating_sub(1));
        self.credit(r, points)?;
        self.result.lots_created.push(id);
        Ok(r)
    }

    /// Takes up to `points` from lots in burn order that `eligible` accepts; returns the
    /// movements.
    pub(super) fn take(
        &mut self,
        points: i64,
        eligible: impl Fn(&Lot) -> bool,
    ) -> Result<Vec<(LotRef, i64)>, LoyaltyError> {
        let mut left = points;
        let mut moves = Vec::new();
        // Without new lots, the ledger's own burn order (no allocation).
        let base = self.base;
        let merged = if self.new_lots.is_empty() {
            None
        } else {
            Some(self.burn_order())
        };
        let order: Box<dyn Iterator<Item = LotRef>> = match merged {
            Some(v) => Box::new(v.into_iter()),
            None => Box::new(base.burn_order.iter().map(|&i| LotRef::Old(i))),
        };
        for r in order {
            if left == 0 {
                break;
            }
            let Some(l) = self.lot(r) else { continue };
            if l.amount <= 0 || !eligible(l) {
                continue;
            }
            let x = l.amount.min(left);
            let lot = self
                .lot_mut(r)
                .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
            lot.amount = sub(lot.amount, x, "the lot's points")?;
            left = sub(left, x, "the points")?;
            self.balance = sub(self.balance, x, "the balance")?;
            self.result.debited = add(self.result.debited, x, "the points debited")?;
            moves.push((r, x));
        }
        Ok(moves)
    }

    pub(super) fn movement(&self, r: LotRef, points: i64) -> Movement {
        Movement {
            lot_id: self.lot(r).map(|l| l.id.clone()).unwrap_or_default(),
            points,
        }
    }

    /// Burns `points` usable at `at`; records them as redeemed or adjusted out.
    pub(super) fn burn(
        &mut self,
        at: i64,
        points: i64,
        redeemed: bool,
    ) -> Result<(), LoyaltyError> {
        let available = self.usable(at)?;
        if available < points {
            return Err(LoyaltyError::InsufficientPoints {
                path: String::new(),
                needed: points,
                available,
            });
        }
        let moves = self.take(points, |l| l.usable_at(at))?;
        for (r, x) in moves {
            let lot = self
                .lot_mut(r)
                .ok_or_else(|| LoyaltyError::operation("internal: lot not found"))?;
            lot.burned = add(lot.burned, x, "the lot's burned points")?;
            let m = self.movement(r, x);
            self.result.burned.push(m);
        }
        if redeemed {
            self.flows.redeemed = add(self.flows.redeemed, points, "the points redeemed")?;
        } else {
            self.flows.adjusted_out = add(self.flows.adjusted_out, points, "the points adjusted")?;
        }
        Ok(())
    }
}
