//! Property tests: parsers never panic on any input, and decisions keep their invariants for
//! any valid customer.

use offerwise::customer::{Customer, Id, Item, Order, TimeValue};
use offerwise::engine::DecideOptions;
use offerwise::experiments::hash;
use offerwise::time::{self, DAY_MS};
use offerwise::Engine;
use proptest::prelude::*;
use std::sync::OnceLock;

/// The default engine with the default learned policy (exploring, exact propensities).
fn policy_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let mut e = Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .expect("default engine");
        let p = offerwise::offers::policy::Policy::from_json(include_str!(
            "../models/default-policy.json"
        ))
        .expect("default policy");
        e.set_policy(Some(p)).expect("policy");
        e
    })
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .expect("default engine")
    })
}

const NOW: i64 = 1_717_200_000_000; // 2024-06-01T00:00:00Z

fn order() -> impl Strategy<Value = Order> {
    (
        0i64..(4 * 365 * DAY_MS),
        0.0f64..5_000.0,
        prop::collection::vec(
            (
                prop::sample::select(vec!["jazz", "rock", "pop", "classical"]),
                0.0f64..200.0,
                1u32..5,
            ),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(ago, amount, items, as_text)| {
            let at = NOW - ago;
            Order {
                id: None,
                refunded: 0.0,
                at: if as_text {
                    TimeValue::Text(time::format_instant(at))
                } else {
                    TimeValue::Millis(at as f64)
                },
                amount: (amount * 100.0).round() / 100.0,
                items: items
                    .into_iter()
                    .map(|(c, price, qty)| Item {
                        sku: None,
                        category: Some(c.to_string()),
                        price,
                        qty: f64::from(qty),
                    })
                    .collect(),
            }
        })
}

fn customer() -> impl Strategy<Value = Customer> {
    (
        "[a-zA-Z0-9ёлка😀用户_-]{1,12}",
        prop::collection::vec(order(), 0..40),
        prop::collection::vec((0.0f64..1000.0, prop::option::of(-40i64..400)), 0..5),
        prop::option::of(prop::sample::select(vec![
            "bronze", "silver", "gold", "platinum",
        ])),
    )
        .prop_map(|(id, orders, lots, tier)| Customer {
            id: Id(id),
            orders,
            loyalty: serde_json::from_value(serde_json::json!({
                "tier": tier,
                "points": lots.iter().map(|(amount, days)| {
                    let mut lot = serde_json::json!({ "amount": amount.floor() as i64 });
                    if let Some(d) = days {
                        lot["expiresAt"] = serde_json::json!(NOW + d * DAY_MS);
                    }
                    lot
                }).collect::<Vec<_>>(),
            }))
            .ok(),
            offer_history: Vec::new(),
            attributes: Default::default(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn time_parsing_never_panics(s in "\\PC{0,40}") {
        let _ = time::parse_instant(&s, 0);
    }

    #[test]
    fn rfc3339_round_trips(ms in time::MIN_MS..=time::MAX_MS, offset in -1080i32..=1080) {
        let text = time::format_instant(ms);
        prop_assert_eq!(time::parse_instant(&text, offset), Ok(ms));
    }

    #[test]
    fn customer_json_never_panics(s in "\\PC{0,200}") {
        let _ = Customer::from_json(&s);
    }

    #[test]
    fn mutated_customer_json_gives_errors_not_panics(c in customer(), cut in 0usize..400, junk in "[\\[\\]{}\",:0-9a-z-]{0,3}") {
        let text = serde_json::to_string(&c).unwrap_or_default();
        let cut = cut.min(text.len());
        let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &text[..cut], junk, &text[cut..]);
        if let Ok(c) = Customer::from_json(&mutated) {
            let _ = engine().decide(&c, &DecideOptions::at("2024-06-01T00:00:00Z"));
        }
    }

    #[test]
    fn decisions_keep_their_invariants(c in customer(), offset in -720i32..=840) {
        let cart = serde_json::from_value(serde_json::json!({"amount": 120.5})).ok();
        let options = DecideOptions { now: TimeValue::Millis(NOW as f64), time_zone_offset_minutes: offset, cart, context: None, budgets: Default::default(), ids: Default::default(), assignments: None, force_variants: Default::default() };
        let d = engine().decide(&c, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let f = &d.features;
        prop_assert_eq!(f.frequency as usize, c.orders.len());
        prop_assert!(f.purchase_days <= f.frequency);
        prop_assert!(f.spend_last_365d <= f.total_spend + 1e-9);
        prop_assert!(f.orders_last_365d <= f.frequency);
        if f.frequency > 0 {
            prop_assert!((f.monetary * f64::from(f.frequency) - f.total_spend).abs() <= 1e-6 * f.total_spend.max(1.0));
            prop_assert!(f.recency_days.unwrap_or(-1.0) >= 0.0);
            prop_assert!(f.recency_days <= f.tenure_days);
            prop_assert!(d.segment.is_some());
        } else {
            prop_assert!(d.segment.is_none() && d.clv.is_none());
        }
        let shares: f64 = f.category_shares.values().sum();
        prop_assert!(f.category_shares.is_empty() || shares == 0.0 || (shares - 1.0).abs() < 1e-9);
        prop_assert!(f.points_balance >= 0.0);
        prop_assert_eq!(f.points_balance, d.loyalty.ledger.balance as f64);
        prop_assert!(d.loyalty.ledger.available + d.loyalty.ledger.pending == d.loyalty.ledger.balance);
        let quote = d.loyalty.quote.as_ref().ok_or_else(|| TestCaseError::fail("no quote for the cart"))?;
        prop_assert!(quote.burn.max_points <= d.loyalty.ledger.available);
        if let Some(clv) = &d.clv {
            prop_assert!((0.0..=1.0).contains(&clv.p_alive));
            prop_assert!(clv.expected_purchases >= 0.0);
            prop_assert!(clv.clv.unwrap_or(0.0) >= 0.0);
        }
        prop_assert!(d.offers.len() <= engine().program().max_offers);
        prop_assert!(d.offers.windows(2).all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].id < w[1].id)));
        prop_assert!(d.nudges.len() <= engine().program().nudges.max);
        for x in &d.experiments {
            prop_assert!(x.bucket.is_none_or(|b| (0.0..1.0).contains(&b)));
        }
        // Reproducible: the same input gives the same decision, and its JSON is stable.
        let again = engine().decide(&c, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_string(&d).ok(), serde_json::to_string(&again).ok());
    }

    #[test]
    fn offers_keep_the_catalogue_rules_whatever_the_history_cart_context_and_budgets(
        c in customer(),
        events in prop::collection::vec((0usize..16, 0i64..(60 * DAY_MS), any::<bool>()), 0..12),
        lines in prop::collection::vec((prop::sample::select(vec!["jazz", "rock", "pop"]), 0.0f64..90.0, 1u32..4), 0..4),
        channel in prop::option::of(prop::sample::select(vec!["web", "app", "email"])),
        spent in prop::option::of(0.0f64..6000.0),
        hour in 0i64..24,
    ) {
        let e = policy_engine();
        let program = e.program();
        let mut c = c;
        c.offer_history = events.iter().map(|&(k, ago, redeemed)| offerwise::customer::OfferEvent {
            offer_id: program.offers[k % program.offers.len()].id.clone(),
            at: TimeValue::Millis((NOW - ago) as f64),
            event: if redeemed { offerwise::offers::catalogue::CapEvent::Redeemed } else { offerwise::offers::catalogue::CapEvent::Shown },
        }).collect();
        let cart = (!lines.is_empty()).then(|| serde_json::from_value(serde_json::json!({
            "items": lines.iter().map(|(cat, price, qty)| serde_json::json!({"category": cat, "price": (price * 100.0).round() / 100.0, "qty": qty})).collect::<Vec<_>>()
        })).ok()).flatten();
        let mut options = DecideOptions {
            now: TimeValue::Millis((NOW + hour * 3_600_000) as f64),
            time_zone_offset_minutes: 0,
            cart,
            context: Some(offerwise::engine::DecideContext { channel: channel.map(str::to_string), ..Default::default() }),
            budgets: Default::default(),
            ids: Default::default(),
            assignments: None,
            force_variants: Default::default(),
        };
        if let Some(spent) = spent {
            options.budgets.insert("winback".into(), offerwise::engine::BudgetState { spent, total: None });
        }
        let d = e.decide(&c, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(d.offers.len() <= program.max_offers);
        prop_assert!(d.left_out.len() <= program.ranking.explain_left_out);
        let offer = |id: &str| program.offers.iter().find(|o| o.id == id);
        for (i, a) in d.offers.iter().enumerate() {
            prop_assert!(a.propensity > 0.0 && a.propensity <= 1.0, "{a:?}");
            prop_assert!(!d.left_out.iter().any(|l| l.id == a.id));
            let oa = offer(&a.id).ok_or_else(|| TestCaseError::fail("unknown offer"))?;
            for b in &d.offers[i + 1..] {
                prop_assert!(a.id != b.id);
                let ob = offer(&b.id).ok_or_else(|| TestCaseError::fail("unknown offer"))?;
                prop_assert!(oa.kind != ob.kind, "one offer per kind");
                if let Some(g) = &oa.stacking_group {
                    let exclusive = program.stacking_groups.get(g) == Some(&offerwise::program::Stacking::Exclusive);
                    prop_assert!(!(exclusive && ob.stacking_group.as_ref() == Some(g)), "exclusive group {g}");
                }
            }
            // A cap counts the history: an offer shown is under every cap.
            for cap in &oa.caps {
                let since = NOW + hour * 3_600_000 - (cap.period_days * DAY_MS as f64) as i64;
                let n = c.offer_history.iter().filter(|h| h.offer_id == a.id && h.event == cap.event
                    && matches!(h.at, TimeValue::Millis(t) if t as i64 > since)).count();
                prop_assert!(n < cap.max as usize, "{} shown past its cap", a.id);
            }
        }
        if let Some(first) = d.offers.first() {
            prop_assert!(first.propensity >= e.policy().map_or(0.0, |p| p.exploration.floor) - 1e-12);
        }
        if let Some(q) = &d.loyalty.quote {
            for effect in q.offers.iter() {
                prop_assert!(d.offers.iter().any(|o| o.id == effect.id));
            }
        }
        prop_assert_eq!(d.log.offers.len(), d.offers.len());
        let again = e.decide(&c, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_string(&d).ok(), serde_json::to_string(&again).ok());
    }

    #[test]
    fn buckets_are_in_range(seed in "\\PC{0,20}", id in "\\PC{0,20}") {
        for v in [1, 2] {
            let b = hash::growthbook(&seed, &id, v).unwrap_or(-1.0);
            prop_assert!((0.0..1.0).contains(&b));
        }
    }
}
