//! Property tests of the ledger's invariants over random operation sequences:
//!
//! * the balance equals the sum of the lots, no lot (and so no balance) is ever negative, and
//!   each lot's amount is exactly `original + returned − burned − expired − clawed − debtRepaid`;
//! * conservation: points in (imported, earned, adjusted in, returned) equal points out
//!   (redeemed, expired, clawed, adjusted out, debt repaid) plus the balance, and each op's
//!   balance change equals what it credited minus what it debited;
//! * a failing op changes nothing;
//! * redemptions burn soonest-expiring lots first (then earliest earned, then id);
//! * idempotency: replaying any op, or the whole sequence, changes nothing; a key reused for a
//!   different op is a conflict that changes nothing; replaying the applied ops into a fresh
//!   ledger gives the same ledger.
//!
//! Overflow of the i64 range needs ~9,000 lots of 10^15 points and is a unit test of
//! `ledger.rs` (`huge_amounts_overflow_into_errors_not_panics`); here amounts of 10^15 mix with
//! small ones.
//!
//! Regressions found by proptest are kept in `proptest-regressions/` (committed).
#![cfg(not(target_arch = "wasm32"))]

use offerwise::loyalty::ledger::{
    AdjustOp, EarnOp, ExpireOp, Ledger, LedgerPolicy, Op, RedeemOp, ReverseOp, Source,
};
use offerwise::loyalty::money::MAX_AMOUNT;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

const H: i64 = 3_600_000;

#[derive(Debug, Clone)]
enum Step {
    Earn {
        points: i64,
        order: Option<u8>,
        pending_h: Option<i64>,
        expiry_h: Option<i64>,
        promo: bool,
    },
    Redeem {
        points: i64,
        order: Option<u8>,
    },
    Expire,
    Reverse {
        order: u8,
    },
    Adjust {
        points: i64,
        expiry_h: Option<i64>,
    },
    Replay {
        pick: usize,
    },
    Conflict {
        pick: usize,
    },
}

fn points() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 0i64..500,
        1 => Just(MAX_AMOUNT),
        1 => (MAX_AMOUNT - 3)..=MAX_AMOUNT,
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (points(), proptest::option::of(0u8..4), proptest::option::of(0i64..72),
              proptest::option::of(1i64..200), any::<bool>())
            .prop_map(|(points, order, pending_h, expiry_h, promo)| Step::Earn { points, order, pending_h, expiry_h, promo }),
        4 => (1i64..600, proptest::option::of(0u8..4))
            .prop_map(|(points, order)| Step::Redeem { points, order }),
        1 => Just(Step::Expire),
        2 => (0u8..4).prop_map(|order| Step::Reverse { order }),
        2 => (prop_oneof![-300i64..-1, 1i64..300], proptest::option::of(1i64..200))
            .prop_map(|(points, expiry_h)| Step::Adjust { points, expiry_h }),
        1 => any::<usize>().prop_map(|pick| Step::Replay { pick }),
        1 => any::<usize>().prop_map(|pick| Step::Conflict { pick }),
    ]
}

fn scenario() -> impl Strategy<Value = (i64, Vec<(i64, Step)>)> {
    (
        prop_oneof![Just(0i64), 1i64..100],
        proptest::collection::vec((0i64..30, step()), 1..60),
    )
}

fn check(l: &Ledger) -> Result<(), TestCaseError> {
    let mut sum: i64 = 0;
    for lot in l.lots() {
        prop_assert!(lot.amount >= 0, "negative lot {lot:?}");
        for v in [
            lot.burned,
            lot.returned,
            lot.expired,
            lot.clawed,
            lot.debt_repaid,
            lot.original,
        ] {
            prop_assert!(v >= 0, "negative counter {lot:?}");
        }
        let expect = i128::from(lot.original) + i128::from(lot.returned)
            - i128::from(lot.burned)
            - i128::from(lot.expired)
            - i128::from(lot.clawed)
            - i128::from(lot.debt_repaid);
        prop_assert_eq!(i128::from(lot.amount), expect, "lot arithmetic {:?}", lot);
        sum = sum
            .checked_add(lot.amount)
            .ok_or_else(|| TestCaseError::fail("sum overflow"))?;
    }
    prop_assert_eq!(l.balance(), sum);
    prop_assert!(l.balance() >= 0);
    prop_assert!(l.debt() >= 0);
    let f = l.flows();
    let inflow = i128::from(f.imported)
        + i128::from(f.earned)
        + i128::from(f.adjusted_in)
        + i128::from(f.returned);
    let outflow = i128::from(f.redeemed)
        + i128::from(f.expired)
        + i128::from(f.clawed)
        + i128::from(f.adjusted_out)
        + i128::from(f.debt_repaid);
    prop_assert_eq!(
        inflow,
        outflow + i128::from(l.balance()),
        "conservation {:?}",
        f
    );
    Ok(())
}

fn build(t: i64, i: usize, s: &Step, applied: &[Op]) -> Option<Op> {
    let key = format!("k{i}");
    let order = |o: u8| format!("order-{o}");
    Some(match s {
        Step::Earn {
            points,
            order: o,
            pending_h,
            expiry_h,
            promo,
        } => {
            let available = pending_h.map(|p| t + p * H);
            Op::Earn(EarnOp {
                key,
                at: t,
                points: *points,
                source: if *promo {
                    Source::Promotion
                } else {
                    Source::Order
                },
                order_id: o.map(order),
                available_at: available,
                expires_at: expiry_h.map(|e| available.unwrap_or(t) + e * H),
            })
        }
        Step::Redeem { points, order: o } => Op::Redeem(RedeemOp {
            key,
            at: t,
            points: *points,
            order_id: o.map(order),
        }),
        Step::Expire => Op::Expire(ExpireOp { key, at: t }),
        Step::Reverse { order: o } => Op::Reverse(ReverseOp {
            key,
            at: t,
            order_id: order(*o),
        }),
        Step::Adjust { points, expiry_h } => Op::Adjust(AdjustOp {
            key,
            at: t,
            points: *points,
            reason: "test".into(),
            expires_at: expiry_h.map(|e| t + e * H),
        }),
        Step::Replay { pick } | Step::Conflict { pick } => {
            if applied.is_empty() {
                return None;
            }
            applied.get(pick % applied.len())?.clone()
        }
    })
}

/// The same key with something else changed.
fn mutate(op: &Op) -> Op {
    match op.clone() {
        Op::Earn(mut e) => {
            e.points += 1;
            Op::Earn(e)
        }
        Op::Redeem(mut r) => {
            r.points += 1;
            Op::Redeem(r)
        }
        Op::Expire(mut x) => {
            x.at += 1;
            Op::Expire(x)
        }
        Op::Reverse(mut x) => {
            x.order_id.push('x');
            Op::Reverse(x)
        }
        Op::Adjust(mut a) => {
            a.reason.push('!');
            Op::Adjust(a)
        }
    }
}

/// Burned movements must follow the burn order among lots usable at the op's instant.
fn check_burn_order(
    before: &Ledger,
    at: i64,
    burned: &[(String, i64)],
) -> Result<(), TestCaseError> {
    // The expected order, worked out here rather than taken from the ledger.
    let mut lots: Vec<_> = before.lots().iter().filter(|l| l.usable_at(at)).collect();
    lots.sort_by(|a, b| {
        (a.expires_at.is_none(), a.expires_at, a.earned_at, &a.id).cmp(&(
            b.expires_at.is_none(),
            b.expires_at,
            b.earned_at,
            &b.id,
        ))
    });
    let usable: Vec<(&str, i64)> = lots.iter().map(|l| (l.id.as_str(), l.amount)).collect();
    prop_assert!(burned.len() <= usable.len());
    for (k, (id, pts)) in burned.iter().enumerate() {
        let (uid, amount) = usable[k];
        prop_assert_eq!(id.as_str(), uid, "burn order");
        if k + 1 < burned.len() {
            prop_assert_eq!(*pts, amount, "an earlier lot must be emptied first");
        } else {
            prop_assert!(*pts <= amount);
        }
    }
    Ok(())
}

/// What a run exercised (to check the generator reaches every path).
#[derive(Debug, Default)]
struct Stats {
    ok: [usize; 5],
    failed: usize,
    shortfalls: usize,
    forfeits: usize,
    refund_lots: usize,
    clawed_from_other_lots: usize,
    debt_repaid: usize,
    replays: usize,
    conflicts: usize,
    huge: usize,
    insufficient: usize,
}

fn kind(op: &Op) -> usize {
    match op {
        Op::Earn(_) => 0,
        Op::Redeem(_) => 1,
        Op::Expire(_) => 2,
        Op::Reverse(_) => 3,
        Op::Adjust(_) => 4,
    }
}

fn run(grace_h: i64, steps: &[(i64, Step)], stats: &mut Stats) -> Result<(), TestCaseError> {
    let policy = LedgerPolicy {
        refund_grace_ms: grace_h * H,
    };
    let mut l = Ledger::new(policy);
    let mut applied: Vec<Op> = Vec::new();
    let mut t = 0i64;
    for (i, (dt, s)) in steps.iter().enumerate() {
        t += dt * H;
        let Some(op) = build(t, i, s, &applied) else {
            continue;
        };
        let before = l.clone();
        if let Step::Conflict { .. } = s {
            let changed = mutate(&op);
            let r = l.apply(changed);
            prop_assert_eq!(r.map_err(|e| e.code()), Err("loyalty.idempotency_conflict"));
            prop_assert_eq!(&l, &before);
            stats.conflicts += 1;
            continue;
        }
        match l.apply(op.clone()) {
            Ok(r) => {
                check(&l)?;
                prop_assert_eq!(
                    i128::from(r.balance_after) - i128::from(r.balance_before),
                    i128::from(r.credited) - i128::from(r.debited)
                );
                if matches!(s, Step::Replay { .. }) {
                    prop_assert_eq!(&l, &before, "a replay changed the ledger");
                    stats.replays += 1;
                } else {
                    prop_assert_eq!(r.balance_after, l.balance());
                    if let Op::Redeem(x) = &op {
                        let burned: Vec<(String, i64)> = r
                            .burned
                            .iter()
                            .map(|m| (m.lot_id.clone(), m.points))
                            .collect();
                        prop_assert_eq!(burned.iter().map(|b| b.1).sum::<i64>(), x.points);
                        check_burn_order(&before, x.at, &burned)?;
                    }
                    if let Op::Reverse(x) = &op {
                        let own: Vec<&str> = before
                            .lots()
                            .iter()
                            .filter(|lot| lot.order_id.as_deref() == Some(x.order_id.as_str()))
                            .map(|lot| lot.id.as_str())
                            .collect();
                        if r.clawed.iter().any(|m| !own.contains(&m.lot_id.as_str())) {
                            stats.clawed_from_other_lots += 1;
                        }
                    }
                    stats.ok[kind(&op)] += 1;
                    stats.huge +=
                        usize::from(r.credited >= MAX_AMOUNT - 3 || r.debited >= MAX_AMOUNT - 3);
                    stats.shortfalls += usize::from(r.shortfall > 0);
                    stats.forfeits += usize::from(r.forfeited > 0);
                    stats.debt_repaid += usize::from(r.debt_repaid > 0);
                    stats.refund_lots += r
                        .lots_created
                        .iter()
                        .filter(|id| id.contains("#refund"))
                        .count();
                    // Replaying it at once changes nothing and returns the same result.
                    let after = l.clone();
                    prop_assert_eq!(l.apply(op.clone()), Ok(r));
                    prop_assert_eq!(&l, &after);
                    applied.push(op);
                }
            }
            Err(e) => {
                prop_assert_eq!(&l, &before, "a failed op changed the ledger");
                stats.failed += 1;
                stats.insufficient += usize::from(e.code() == "loyalty.insufficient_points");
            }
        }
    }
    // Replaying the whole sequence changes nothing.
    let end = l.clone();
    for op in &applied {
        prop_assert!(l.apply(op.clone()).is_ok());
    }
    prop_assert_eq!(&l, &end);
    // The applied ops alone rebuild the same ledger.
    let mut fresh = Ledger::new(policy);
    for op in &applied {
        prop_assert!(fresh.apply(op.clone()).is_ok());
    }
    prop_assert_eq!(&fresh, &end);
    Ok(())
}

proptest! {
    #![proptest_config(Config {
        cases: 512,
        // Relative to the package root (where `cargo test` runs integration tests).
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/ledger_props.txt"))),
        ..Config::default()
    })]

    #[test]
    fn ledger_invariants_and_idempotency((grace_h, steps) in scenario()) {
        run(grace_h, &steps, &mut Stats::default())?;
    }
}

/// The generator reaches every interesting path (a deterministic run of 512 scenarios).
#[test]
fn generator_covers_every_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut stats = Stats::default();
    for _ in 0..512 {
        let tree = scenario().new_tree(&mut runner);
        let Ok(tree) = tree else { continue };
        let (grace_h, steps) = tree.current();
        if let Err(e) = run(grace_h, &steps, &mut stats) {
            panic!("{e}");
        }
    }
    println!("{stats:?}");
    assert!(stats.ok.iter().all(|&n| n > 0), "{stats:?}");
    for (what, n) in [
        ("failed", stats.failed),
        ("shortfalls", stats.shortfalls),
        ("forfeits", stats.forfeits),
        ("refund lots", stats.refund_lots),
        ("clawed from other lots", stats.clawed_from_other_lots),
        ("debt repaid", stats.debt_repaid),
        ("replays", stats.replays),
        ("conflicts", stats.conflicts),
        ("huge amounts (10^15)", stats.huge),
        ("insufficient", stats.insufficient),
    ] {
        assert!(n > 0, "never exercised: {what} {stats:?}");
    }
}
