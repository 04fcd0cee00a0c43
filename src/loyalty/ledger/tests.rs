//! Unit tests of the ledger.

use super::*;

const H: i64 = 3_600_000;

fn earn(key: &str, at: i64, points: i64, order: Option<&str>, expires: Option<i64>) -> Op {
    Op::Earn(EarnOp {
        key: key.into(),
        at,
        points,
        source: Source::Order,
        order_id: order.map(Into::into),
        available_at: None,
        expires_at: expires,
    })
}

fn redeem(key: &str, at: i64, points: i64, order: Option<&str>) -> Op {
    Op::Redeem(RedeemOp {
        key: key.into(),
        at,
        points,
        order_id: order.map(Into::into),
    })
}

fn reverse(key: &str, at: i64, order: &str) -> Op {
    Op::Reverse(ReverseOp {
        key: key.into(),
        at,
        order_id: order.into(),
    })
}

fn sum_lots(l: &Ledger) -> i64 {
    l.lots().iter().map(|x| x.amount).sum()
}

fn conserved(l: &Ledger) -> bool {
    let f = l.flows();
    f.inflow() == f.outflow().and_then(|o| o.checked_add(l.balance()))
}

#[test]
fn redeem_burns_soonest_expiring_then_earliest_then_id() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(earn("b", 0, 100, None, Some(100 * H)))?;
    l.apply(earn("a", 0, 100, None, Some(100 * H)))?;
    l.apply(earn("never", 0, 100, None, None))?;
    l.apply(earn("soon", H, 100, None, Some(50 * H)))?;
    l.apply(earn("early", 2 * H, 100, None, Some(100 * H)))?;
    let r = l.apply(redeem("r", 3 * H, 350, None))?;
    let order: Vec<(&str, i64)> = r
        .burned
        .iter()
        .map(|m| (m.lot_id.as_str(), m.points))
        .collect();
    // soon (expires first), then a and b (earned at 0, id order), then early (earned later).
    assert_eq!(
        order,
        vec![("soon", 100), ("a", 100), ("b", 100), ("early", 50)]
    );
    assert_eq!(l.balance(), 150);
    assert_eq!(sum_lots(&l), 150);
    Ok(())
}

#[test]
fn a_lot_expiring_exactly_now_is_expired() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(earn("e", 0, 100, None, Some(10 * H)))?;
    assert_eq!(l.available_at(10 * H - 1)?, 100);
    assert_eq!(l.available_at(10 * H)?, 0);
    let err = l.apply(redeem("r", 10 * H, 1, None));
    assert_eq!(
        err.map_err(|e| e.code()),
        Err("loyalty.insufficient_points")
    );
    let x = l.apply(Op::Expire(ExpireOp {
        key: "x".into(),
        at: 10 * H,
    }))?;
    assert_eq!(x.debited, 100);
    assert_eq!(l.balance(), 0);
    assert_eq!(l.flows().expired, 100);
    assert!(conserved(&l));
    Ok(())
}

#[test]
fn pending_points_cannot_be_burned_until_available() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(Op::Earn(EarnOp {
        key: "e".into(),
        at: 0,
        points: 100,
        source: Source::Order,
        order_id: Some("A".into()),
        available_at: Some(14 * 24 * H),
        expires_at: None,
    }))?;
    assert_eq!(l.pending_at(H)?, 100);
    assert_eq!(l.available_at(H)?, 0);
    assert!(l.apply(redeem("r", H, 1, None)).is_err());
    assert_eq!(l.available_at(14 * 24 * H)?, 100);
    Ok(())
}

#[test]
fn idempotent_replay_and_conflict() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    let first = l.apply(earn("e", 0, 100, None, None))?;
    let before = l.clone();
    assert_eq!(l.apply(earn("e", 0, 100, None, None))?, first);
    assert_eq!(l, before);
    let e = l.apply(earn("e", 0, 101, None, None));
    assert_eq!(e.map_err(|e| e.code()), Err("loyalty.idempotency_conflict"));
    assert_eq!(l, before);
    // A failed op leaves the key free.
    assert!(l.apply(redeem("r", H, 500, None)).is_err());
    assert!(!l.is_applied("r"));
    l.apply(redeem("r", H, 50, None))?;
    assert_eq!(l.balance(), 50);
    Ok(())
}

#[test]
fn ops_must_come_in_time_order_but_replays_of_old_keys_are_fine() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(earn("e1", 10, 100, None, None))?;
    l.apply(earn("e2", 20, 100, None, None))?;
    assert_eq!(
        l.apply(earn("e3", 15, 1, None, None)).map_err(|e| e.code()),
        Err("loyalty.invalid_operation")
    );
    l.apply(earn("e1", 10, 100, None, None))?;
    Ok(())
}

#[test]
fn reversal_of_a_pending_order_claws_back_the_pending_lot() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(earn("old", 0, 500, None, None))?;
    l.apply(redeem("r", H, 200, Some("A")))?;
    l.apply(Op::Earn(EarnOp {
        key: "e".into(),
        at: H,
        points: 80,
        source: Source::Order,
        order_id: Some("A".into()),
        available_at: Some(100 * H),
        expires_at: None,
    }))?;
    let x = l.apply(reverse("x", 2 * H, "A"))?;
    assert_eq!(
        x.returned,
        vec![Movement {
            lot_id: "old".into(),
            points: 200
        }]
    );
    assert_eq!(
        x.clawed,
        vec![Movement {
            lot_id: "e".into(),
            points: 80
        }]
    );
    assert_eq!((x.credited, x.debited, x.shortfall), (200, 80, 0));
    assert_eq!(l.balance(), 500);
    assert!(l.is_reversed("A"));
    assert_eq!(
        l.apply(reverse("x2", 3 * H, "A")).map_err(|e| e.code()),
        Err("loyalty.invalid_operation")
    );
    assert_eq!(
        l.apply(redeem("r2", 3 * H, 1, Some("A")))
            .map_err(|e| e.code()),
        Err("loyalty.invalid_operation")
    );
    assert!(conserved(&l));
    Ok(())
}

#[test]
fn clawback_of_spent_points_takes_other_lots_then_records_debt() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(earn("a", 0, 100, Some("A"), None))?;
    l.apply(earn("b", 0, 30, None, None))?;
    // 100 of A's points and 20 of b's are spent on order B.
    l.apply(redeem("r", H, 120, Some("B")))?;
    assert_eq!(l.balance(), 10);
    let x = l.apply(reverse("x", 2 * H, "A"))?;
    // A's lot is empty; its 100 spent points are taken from b (10 left), 90 become debt.
    assert_eq!(
        x.clawed,
        vec![Movement {
            lot_id: "b".into(),
            points: 10
        }]
    );
    assert_eq!(x.shortfall, 90);
    assert_eq!(l.debt(), 90);
    assert_eq!(l.balance(), 0);
    // The next credit repays the debt first.
    let e = l.apply(earn("c", 3 * H, 120, None, None))?;
    assert_eq!((e.debt_repaid, e.credited), (90, 30));
    assert_eq!((l.debt(), l.balance()), (0, 30));
    assert!(conserved(&l));
    assert_eq!(sum_lots(&l), l.balance());
    Ok(())
}

#[test]
fn refund_after_expiry_is_forfeited_or_re_credited_with_grace() -> Result<(), LoyaltyError> {
    for grace in [0, 30 * 24 * H] {
        let mut l = Ledger::new(LedgerPolicy {
            refund_grace_ms: grace,
        });
        l.apply(earn("a", 0, 100, None, Some(10 * H)))?;
        l.apply(earn("b", 0, 100, None, Some(1000 * 24 * H)))?;
        l.apply(redeem("r", H, 150, Some("B")))?;
        // a's lot expires at 10 h; the order is returned at 20 h.
        let x = l.apply(reverse("x", 20 * H, "B"))?;
        if grace == 0 {
            assert_eq!(x.forfeited, 100);
            assert_eq!(
                x.returned,
                vec![Movement {
                    lot_id: "b".into(),
                    points: 50
                }]
            );
            assert_eq!(l.balance(), 100);
            assert_eq!(l.flows().expired, 100);
        } else {
            assert_eq!(x.forfeited, 0);
            assert_eq!(x.lots_created, vec!["x#refund0".to_string()]);
            assert_eq!(l.balance(), 200);
            assert_eq!(l.available_at(20 * H + grace - 1)?, 200);
            assert_eq!(l.available_at(20 * H + grace)?, 100);
        }
        assert!(conserved(&l));
    }
    Ok(())
}

#[test]
fn reversal_after_the_earned_lot_expired_claws_only_what_was_spent() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    l.apply(earn("a", 0, 100, Some("A"), Some(10 * H)))?;
    l.apply(earn("b", 0, 500, None, None))?;
    l.apply(redeem("r", H, 40, None))?; // burns 40 from a (expires first)
    let x = l.apply(reverse("x", 20 * H, "A"))?;
    // 60 of A's points expired unused: not clawed from elsewhere; the 40 spent are.
    assert_eq!(
        x.clawed,
        vec![Movement {
            lot_id: "b".into(),
            points: 40
        }]
    );
    assert_eq!(l.balance(), 460 + 60); // a's 60 still in the lot until an Expire
    l.apply(Op::Expire(ExpireOp {
        key: "x2".into(),
        at: 20 * H,
    }))?;
    assert_eq!(l.balance(), 460);
    assert!(conserved(&l));
    Ok(())
}

#[test]
fn adjustments_and_bad_ops() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    let adj = |key: &str, points: i64| {
        Op::Adjust(AdjustOp {
            key: key.into(),
            at: 0,
            points,
            reason: "service".into(),
            expires_at: None,
        })
    };
    l.apply(adj("p", 70))?;
    l.apply(adj("m", -20))?;
    assert_eq!(l.balance(), 50);
    assert_eq!(l.flows().adjusted_out, 20);
    assert_eq!(
        l.apply(adj("z", 0)).map_err(|e| e.code()),
        Err("loyalty.invalid_operation")
    );
    assert_eq!(
        l.apply(adj("n", -51)).map_err(|e| e.code()),
        Err("loyalty.insufficient_points")
    );
    assert!(l.apply(earn("neg", 0, -1, None, None)).is_err());
    assert!(l
        .apply(earn("huge", 0, MAX_AMOUNT + 1, None, None))
        .is_err());
    assert!(l.apply(earn("", 0, 1, None, None)).is_err());
    assert!(l.apply(reverse("nothing", 0, "Z")).is_err());
    assert!(l.apply(earn("p", 0, 1, None, None)).is_err()); // key of the adjustment
    assert!(l.apply(earn("exp", 5, 1, None, Some(5))).is_err());
    assert!(conserved(&l));
    Ok(())
}

#[test]
fn huge_amounts_overflow_into_errors_not_panics() -> Result<(), LoyaltyError> {
    let mut l = Ledger::new(LedgerPolicy::default());
    let mut n = 0;
    loop {
        match l.apply(earn(&format!("e{n}"), 0, MAX_AMOUNT, None, None)) {
            Ok(_) => n += 1,
            Err(e) => {
                assert_eq!(e.code(), "loyalty.overflow");
                break;
            }
        }
    }
    // (2^53 − 1) / 10^15 = 9 lots fit: every amount stays an integer a JSON number holds
    // exactly (it was i64::MAX / 10^15 = 9223 lots, a balance JavaScript could not hold).
    assert_eq!(n, 9);
    assert_eq!(l.balance(), 9 * MAX_AMOUNT);
    let before = l.clone();
    assert!(l.apply(earn("more", 0, MAX_AMOUNT, None, None)).is_err());
    assert_eq!(l, before);
    l.apply(redeem("r", 0, MAX_AMOUNT, None))?;
    assert!(conserved(&l));
    Ok(())
}
