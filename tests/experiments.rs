//! Experiments in decisions: each variant setting changes what the customer gets, namespaces
//! keep experiments apart, phases never move a customer seen before, the sticky store keeps a
//! variant across ids, overrides and forced ids, the global holdout, exposures in the log, and
//! bad definitions refused with their path.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::experiments::Source;
use offerwise::offers::policy::Policy;
use offerwise::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const MODEL: &str = include_str!("../models/default.json");
const PROGRAM: &str = include_str!("../models/default-program.json");
const POLICY: &str = include_str!("../models/default-policy.json");

/// The default programme with `experiments` (and no holdout unless given).
fn program(experiments: Value, holdout: Option<Value>) -> String {
    let mut p: Value = serde_json::from_str(PROGRAM).unwrap();
    p["experiments"] = experiments;
    let o = p.as_object_mut().unwrap();
    o.remove("holdout");
    if let Some(h) = holdout {
        o.insert("holdout".into(), h);
    }
    p.to_string()
}

fn engine(experiments: Value, holdout: Option<Value>) -> Engine {
    Engine::from_json(MODEL, &program(experiments, holdout))
        .unwrap()
        .with_policy(Policy::from_json(POLICY).unwrap())
        .unwrap()
}

fn load_error(experiments: Value, holdout: Option<Value>) -> (String, String) {
    match Engine::from_json(MODEL, &program(experiments, holdout)) {
        Ok(_) => panic!("the programme loaded"),
        Err(e) => (e.path(), e.to_string()),
    }
}

/// A loyal customer with a few orders (the sample customer the policy test uses).
fn customer(id: &str) -> Customer {
    let samples: Vec<Value> =
        serde_json::from_str(include_str!("../www/sample-customers.json")).unwrap();
    let mut doc = samples[7].clone();
    doc["id"] = json!(id);
    serde_json::from_value(doc).unwrap()
}

fn at(now: &str) -> DecideOptions {
    DecideOptions {
        cart: serde_json::from_str(r#"{"items": [{"category": "jazz", "price": 15.5, "qty": 4}]}"#)
            .ok(),
        ..DecideOptions::at(now)
    }
}

fn two(key: &str, a: Value, b: Value) -> Value {
    let mut a = a;
    let mut b = b;
    a["key"] = json!("a");
    b["key"] = json!("b");
    a["weight"] = json!(0.5);
    b["weight"] = json!(0.5);
    json!({"key": key, "hash": "offerwise-1", "variants": [a, b]})
}

#[test]
fn variant_settings_change_the_offers_and_nudges() {
    let now = "1998-07-01T15:00:00Z";
    let base = engine(json!([]), None)
        .decide(&customer("c1"), &at(now))
        .unwrap();
    assert!(base.log.policy_version.is_some() && !base.offers.is_empty());
    let first_offer = base.offers[0].id.clone();
    let cases = [
        (json!({"policy": false}), "policy"),
        (json!({"offers": [first_offer.clone()]}), "offers"),
        (
            json!({"excludeOffers": [first_offer.clone()]}),
            "excludeOffers",
        ),
        (json!({"maxOffers": 1}), "maxOffers"),
        (json!({"holdout": true}), "holdout"),
        (json!({"objective": "revenue"}), "objective"),
        (json!({"nudges": {"max": 0}}), "nudges.max"),
    ];
    for (setting, name) in cases {
        let e = engine(json!([two("x", json!({}), setting)]), None);
        let d = e
            .decide(&customer("c1"), &at(now))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let forced = DecideOptions {
            force_variants: BTreeMap::from([("x".to_string(), "b".to_string())]),
            ..at(now)
        };
        let b = e.decide(&customer("c1"), &forced).unwrap();
        assert_eq!(b.experiments[0].source, Some(Source::Override), "{name}");
        let ids: Vec<&str> = b.offers.iter().map(|o| o.id.as_str()).collect();
        match name {
            "policy" => {
                assert!(b.log.offers.iter().all(|o| o.propensity == 1.0), "{name}");
                assert!(b.log.policy_version.is_some(), "the policy stays loaded");
            }
            "offers" => assert_eq!(ids, [first_offer.as_str()], "{name}"),
            "excludeOffers" => assert!(!ids.contains(&first_offer.as_str()), "{name}"),
            "maxOffers" => assert_eq!(ids.len(), 1, "{name}"),
            "holdout" => assert!(ids.is_empty(), "{name}"),
            "objective" => assert_eq!(
                serde_json::to_value(b.log.objective).unwrap(),
                json!("revenue"),
                "{name}"
            ),
            "nudges.max" => assert!(b.nudges.is_empty(), "{name}"),
            _ => unreachable!(),
        }
        // Variant a (no settings) decides as the programme does.
        let a = DecideOptions {
            force_variants: BTreeMap::from([("x".to_string(), "a".to_string())]),
            ..at(now)
        };
        let da = e.decide(&customer("c1"), &a).unwrap();
        assert_eq!(
            da.offers.iter().map(|o| &o.id).collect::<Vec<_>>(),
            base.offers.iter().map(|o| &o.id).collect::<Vec<_>>(),
            "{name}: variant a"
        );
        // The exposure is logged with how the variant was given.
        assert_eq!(d.log.exposures.len(), 1);
        assert_eq!(b.log.exposures[0].source, Source::Override);
    }
}

#[test]
fn nudge_copy_fills_the_nudges_fields() {
    let now = "1998-07-01T15:00:00Z";
    let plain = engine(json!([]), None)
        .decide(&customer("c1"), &at(now))
        .unwrap();
    let kind = serde_json::to_value(&plain.nudges[0]).unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_string();
    let copy = json!({"nudges": {"copy": {kind.clone(): "Hey {priority} {nope}"}}});
    let e = engine(json!([two("x", copy.clone(), copy)]), None);
    let d = e.decide(&customer("c1"), &at(now)).unwrap();
    let n = d
        .nudges
        .iter()
        .find(|n| serde_json::to_value(n).unwrap()["kind"] == kind.as_str())
        .unwrap();
    assert_eq!(n.message, format!("Hey {} {{nope}}", n.priority));
}

#[test]
fn namespaces_keep_experiments_apart_and_coverage_holds() {
    let e = engine(
        json!([
            {"key": "left", "hash": "offerwise-1", "namespace": {"id": "ns", "range": [0, 0.3]},
             "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]},
            {"key": "right", "hash": "offerwise-1", "namespace": {"id": "ns", "range": [0.3, 1]},
             "coverage": 0.5,
             "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]}
        ]),
        None,
    );
    let (mut left, mut right, mut both) = (0, 0, 0);
    for i in 0..3_000 {
        let d = e
            .assign(&customer(&format!("n{i}")), &at("1998-07-01"))
            .unwrap();
        let l = d.experiments[0].variant.is_some();
        let r = d.experiments[1].variant.is_some();
        left += usize::from(l);
        right += usize::from(r);
        both += usize::from(l && r);
        if !r {
            assert!(matches!(
                d.experiments[1].reason,
                Some("namespace" | "coverage")
            ));
        }
    }
    assert_eq!(
        both, 0,
        "two experiments of one namespace shared a customer"
    );
    // 30% and 70% × 50% = 35% of 3,000, within 5 standard errors.
    assert!(
        (left as f64 - 900.0).abs() < 5.0 * (3000.0f64 * 0.3 * 0.7).sqrt(),
        "{left}"
    );
    assert!(
        (right as f64 - 1050.0).abs() < 5.0 * (3000.0f64 * 0.35 * 0.65).sqrt(),
        "{right}"
    );
}

#[test]
fn a_new_phase_never_moves_a_customer_seen_before_it() {
    let phases = |weights: Value| {
        json!([{"key": "ramp", "hash": "offerwise-1",
                "phases": [{"start": "1998-01-01", "weights": [0.5, 0.5]},
                           {"start": "1998-06-01", "weights": weights}],
                "variants": [{"key": "a"}, {"key": "b"}]}])
    };
    let ramped = engine(phases(json!([0.9, 0.1])), None);
    let single = engine(
        json!([{"key": "ramp", "hash": "offerwise-1",
                "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]}]),
        None,
    );
    let mut moved_new = 0;
    for i in 0..1_000 {
        // Customers with orders before the second phase keep their first-phase variant.
        let c = customer(&format!("p{i}"));
        let before = single.assign(&c, &at("1998-07-01")).unwrap();
        let after = ramped.assign(&c, &at("1998-07-01")).unwrap();
        assert_eq!(after.experiments[0].variant, before.experiments[0].variant);
        assert_eq!(after.experiments[0].phase, Some(0));
        // A customer first seen in the second phase gets its weights.
        let fresh: Customer =
            serde_json::from_value(json!({"id": format!("p{i}"), "orders": []})).unwrap();
        let f = ramped.assign(&fresh, &at("1998-07-01")).unwrap();
        assert_eq!(f.experiments[0].phase, Some(1));
        moved_new += usize::from(f.experiments[0].variant != before.experiments[0].variant);
    }
    // 50/50 → 90/10 moves about 40% of the new customers' buckets.
    assert!((300..500).contains(&moved_new), "{moved_new}");
    // Before the first phase the experiment has not started.
    let nobody: Customer = serde_json::from_value(json!({"id": "p1", "orders": []})).unwrap();
    let early = ramped.assign(&nobody, &at("1997-06-01")).unwrap();
    assert_eq!(early.experiments[0].reason, Some("not_started"));
}

#[test]
fn the_sticky_store_keeps_a_variant_across_ids_and_weights() {
    let now = "1998-07-01";
    let x = |weights: [f64; 2], attribute: &str| {
        json!([{"key": "s", "hash": "offerwise-1", "hashAttribute": attribute,
                "variants": [{"key": "a", "weight": weights[0]}, {"key": "b", "weight": weights[1]}]}])
    };
    let by_device = engine(x([0.5, 0.5], "deviceId"), None);
    let by_customer = engine(x([0.0, 1.0], "id"), None);
    let mut kept = 0;
    for i in 0..200 {
        let device = DecideOptions {
            ids: BTreeMap::from([("deviceId".into(), format!("d{i}"))]),
            ..at(now)
        };
        let first = by_device.decide(&customer("anon"), &device).unwrap();
        assert_eq!(first.experiments[0].source, Some(Source::Hash));
        let store = serde_json::to_value(first.assignments.clone().unwrap()).unwrap();
        // Logged in, in a programme whose weights now send everyone to b: still the first
        // variant, from the store.
        let later = DecideOptions {
            assignments: Some(store),
            ..at("1998-07-02")
        };
        let second = by_customer
            .decide(&customer(&format!("c{i}")), &later)
            .unwrap();
        assert_eq!(second.experiments[0].variant, first.experiments[0].variant);
        assert_eq!(second.experiments[0].source, Some(Source::Sticky));
        assert_eq!(second.log.exposures[0].source, Source::Sticky);
        kept += usize::from(second.experiments[0].variant.as_deref() == Some("a"));
    }
    assert!(kept > 50, "the store kept variant a for {kept} of 200");
    // Without a device id the experiment cannot hash.
    let none = by_device.decide(&customer("anon"), &at(now)).unwrap();
    assert_eq!(none.experiments[0].reason, Some("no_id"));
    // A corrupt store is reported and ignored; a store of another seed is dropped.
    for bad in [
        json!("garbage"),
        json!({"format": "x", "entries": {}}),
        json!({"format": "offerwise.assignments/1", "entries": {"s": {"variant": 3}}}),
    ] {
        let d = by_customer
            .decide(
                &customer("c1"),
                &DecideOptions {
                    assignments: Some(bad.clone()),
                    ..at(now)
                },
            )
            .unwrap();
        assert!(d.assignments_error.is_some(), "{bad}");
        assert_eq!(d.experiments[0].source, Some(Source::Hash));
    }
    let other_seed = json!({"format": "offerwise.assignments/1", "entries": {"s": {
        "variant": "a", "seed": "old", "hash": "offerwise-1", "hashAttribute": "id",
        "hashValue": "c1", "phase": 0, "assignedAt": "1998-01-01T00:00:00Z"}}});
    let d = by_customer
        .decide(
            &customer("c1"),
            &DecideOptions {
                assignments: Some(other_seed),
                ..at(now)
            },
        )
        .unwrap();
    assert_eq!(d.experiments[0].variant.as_deref(), Some("b"));
    assert_eq!(d.assignments.unwrap().entries["s"].seed, "s");
}

#[test]
fn status_forced_ids_and_overrides() {
    let now = at("1998-07-01");
    let e = engine(
        json!([
            {"key": "d", "status": "draft", "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]},
            {"key": "s", "status": "stopped", "winner": "b", "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]},
            {"key": "f", "forced": {"b": ["qa-1"]}, "variants": [{"key": "a", "weight": 1}, {"key": "b", "weight": 0}]}
        ]),
        None,
    );
    let d = e.decide(&customer("qa-1"), &now).unwrap();
    assert_eq!(d.experiments[0].reason, Some("draft"));
    assert_eq!(d.experiments[1].variant.as_deref(), Some("b"));
    assert_eq!(d.experiments[1].source, Some(Source::Winner));
    assert_eq!(d.experiments[2].variant.as_deref(), Some("b"));
    assert_eq!(d.experiments[2].source, Some(Source::Forced));
    // The winner is served, not logged as an exposure.
    let logged: Vec<&str> = d
        .log
        .exposures
        .iter()
        .map(|x| x.experiment.as_str())
        .collect();
    assert_eq!(logged, ["f"]);
    // An override must name an experiment and one of its variants.
    for (k, v, path) in [
        ("nope", "a", "forceVariants.nope"),
        ("f", "c", "forceVariants.f"),
    ] {
        let o = DecideOptions {
            force_variants: BTreeMap::from([(k.to_string(), v.to_string())]),
            ..at("1998-07-01")
        };
        let err = e.decide(&customer("x"), &o).unwrap_err();
        assert_eq!(
            (err.code(), err.path()),
            ("options.invalid".into(), path.into())
        );
    }
}

#[test]
fn the_global_holdout_gets_no_offers_no_nudges_and_no_experiments() {
    let e = engine(
        json!([two("x", json!({}), json!({}))]),
        Some(json!({"share": 0.05})),
    );
    let mut held = 0;
    for i in 0..4_000 {
        let d = e
            .decide(&customer(&format!("h{i}")), &at("1998-07-01T15:00:00Z"))
            .unwrap();
        let h = d.holdout.unwrap();
        assert_eq!(h.share, 0.05);
        assert_eq!(d.log.holdout, h.held_out);
        if h.held_out {
            held += 1;
            assert!(d.offers.is_empty() && d.nudges.is_empty() && d.log.exposures.is_empty());
            assert_eq!(d.experiments[0].reason, Some("holdout"));
            assert!(
                d.loyalty.quote.is_some(),
                "the programme's rules still apply"
            );
        } else {
            assert_eq!(d.log.exposures.len(), 1);
        }
    }
    // 5% of 4,000 within 5 standard errors.
    assert!(
        (held as f64 - 200.0).abs() < 5.0 * (4000.0f64 * 0.05 * 0.95).sqrt(),
        "{held}"
    );
}

#[test]
fn bad_definitions_are_refused_with_their_path() {
    let v2 = |extra: Value| {
        let mut x = json!({"key": "x", "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]});
        for (k, v) in extra.as_object().unwrap() {
            x[k] = v.clone();
        }
        x
    };
    let cases = [
        (
            json!([{"key": "x", "variants": [{"key": "a", "weight": 0.6}, {"key": "b", "weight": 0.5}]}]),
            "experiments[0].variants",
        ),
        (
            json!([{"key": "x", "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5, "colour": "red"}]}]),
            "experiments[0].variants[1].colour",
        ),
        (
            json!([{"key": "x", "variants": [{"key": "a", "weight": 0.5, "offers": ["nope"]}, {"key": "b", "weight": 0.5}]}]),
            "experiments[0].variants[0].offers[0]",
        ),
        (
            json!([{"key": "x", "variants": [{"key": "a", "weight": 0.5, "excludeOffers": ["nope"]}, {"key": "b", "weight": 0.5}]}]),
            "experiments[0].variants[0].excludeOffers[0]",
        ),
        (
            json!([v2(json!({"namespace": {"id": "n", "range": [0, 0.6]}})),
                {"key": "y", "namespace": {"id": "n", "range": [0.5, 1]}, "variants": [{"key": "a", "weight": 1}, {"key": "b", "weight": 0}]}]),
            "experiments[1].namespace.range",
        ),
        (
            json!([v2(json!({"status": "stopped"}))]),
            "experiments[0].winner",
        ),
        (json!([v2(json!({"winner": "c"}))]), "experiments[0].winner"),
        (
            json!([v2(json!({"forced": {"c": ["id"]}}))]),
            "experiments[0].forced.c",
        ),
        (
            json!([v2(json!({"targeting": {"experiments.y": "a"}}))]),
            "experiments[0].targeting.experiments.y",
        ),
        (
            json!([v2(json!({"targeting": {"tier": {"$gtx": 1}}}))]),
            "experiments[0].targeting.tier.$gtx",
        ),
        (
            json!([v2(json!({"hashAttribute": "device id"}))]),
            "experiments[0].hashAttribute",
        ),
        (
            json!([v2(
                json!({"phases": [{"start": "1998-01-01", "weights": [0.5, 0.5]}]})
            )]),
            "experiments[0].variants[0].weight",
        ),
        (json!([v2(json!({"hash": "md5"}))]), "experiments[0].hash"),
    ];
    for (experiments, path) in cases {
        let (got, message) = load_error(experiments.clone(), None);
        assert_eq!(got, path, "{message}");
    }
    let (path, _) = load_error(json!([]), Some(json!({"share": 0.7})));
    assert_eq!(path, "holdout.share");
}

/// A customer who was shown `offer` twice in the last week.
fn shown_twice(id: &str, offer: &str) -> Customer {
    let mut doc = serde_json::to_value(customer(id)).unwrap();
    doc["offerHistory"] = json!([
        {"offerId": offer, "at": "1998-06-25T10:00:00Z", "event": "shown"},
        {"offerId": offer, "at": "1998-06-28T10:00:00Z", "event": "shown"},
    ]);
    serde_json::from_value(doc).unwrap()
}

fn forced(now: &str, experiment: &str, variant: &str) -> DecideOptions {
    DecideOptions {
        force_variants: BTreeMap::from([(experiment.to_string(), variant.to_string())]),
        ..at(now)
    }
}

#[test]
fn a_variants_caps_replace_the_offers_own() {
    let now = "1998-07-01T15:00:00Z";
    let first = engine(json!([]), None)
        .decide(&customer("c1"), &at(now))
        .unwrap()
        .offers[0]
        .id
        .clone();
    let c = shown_twice("c1", &first);
    let weekly = json!([{"max": 2, "periodDays": 7}]);
    let x = two(
        "caps",
        json!({"caps": {"*": weekly.clone()}}),
        json!({"caps": {"*": weekly, first.as_str(): []}}),
    );
    let e = engine(json!([x]), None);
    // a: every offer at most twice a week, and this one was shown twice.
    let a = e.decide(&c, &forced(now, "caps", "a")).unwrap();
    assert!(a.offers.iter().all(|o| o.id != first));
    let out = a.left_out.iter().find(|o| o.id == first).unwrap();
    assert_eq!(out.code, "cap_reached", "{out:?}");
    assert!(out.reason.contains("shown 2 times in 7 days"), "{out:?}");
    // b: the same caps but none for this offer: shown again.
    let b = e.decide(&c, &forced(now, "caps", "b")).unwrap();
    assert_eq!(b.offers[0].id, first);
    // Without the experiment, the offer's own caps (none that bind here) apply.
    let plain = engine(json!([]), None).decide(&c, &at(now)).unwrap();
    assert_eq!(plain.offers[0].id, first);
}

#[test]
fn a_variant_sets_documented_programme_parameters() {
    let now = "1998-07-01T15:00:00Z";
    let base = engine(json!([]), None)
        .decide(&customer("c1"), &at(now))
        .unwrap();
    let first = base.offers[0].id.clone();
    let cases = [
        (json!({"maxOffers": 1}), "maxOffers"),
        (json!({"nudges.max": 0}), "nudges.max"),
        (json!({"ranking.objective": "revenue"}), "ranking.objective"),
        (
            json!({"ranking.explainLeftOut": 0}),
            "ranking.explainLeftOut",
        ),
        (json!({format!("offers.{first}.weight"): 0}), "weight"),
        (json!({format!("offers.{first}.priority"): -5}), "priority"),
        (
            json!({format!("offers.{first}.channels"): ["app"]}),
            "channels",
        ),
    ];
    for (set, name) in cases {
        // Without the learned policy, whose estimates replace the priors `weight` scales.
        let e = engine(
            json!([two(
                "x",
                json!({"policy": false}),
                json!({"policy": false, "set": set})
            )]),
            None,
        );
        let b = e.decide(&customer("c1"), &forced(now, "x", "b")).unwrap();
        let ids: Vec<&str> = b.offers.iter().map(|o| o.id.as_str()).collect();
        match name {
            "maxOffers" => assert_eq!(ids.len(), 1),
            "nudges.max" => assert!(b.nudges.is_empty() && !base.nudges.is_empty()),
            "ranking.objective" => {
                assert_eq!(serde_json::to_value(b.log.objective).unwrap(), "revenue")
            }
            "ranking.explainLeftOut" => {
                assert!(b.left_out.is_empty() && !base.left_out.is_empty())
            }
            "weight" | "priority" => {
                assert!(ids.first() != Some(&first.as_str()), "{name}: {ids:?}")
            }
            "channels" => {
                assert!(!ids.contains(&first.as_str()));
                let out = b.left_out.iter().find(|o| o.id == first).unwrap();
                assert_eq!(out.code, "channel", "{out:?}");
            }
            _ => unreachable!(),
        }
        let a = e.decide(&customer("c1"), &forced(now, "x", "a")).unwrap();
        let ida: Vec<&str> = a.offers.iter().map(|o| o.id.as_str()).collect();
        if name == "weight" || name == "priority" {
            assert_eq!(ida.first(), Some(&first.as_str()), "{name}: variant a");
        }
    }
    // `null` removes a field: its default applies (orderValue's default is 50, the
    // programme's 40: the same as setting 50).
    let null = engine(
        json!([two(
            "x",
            json!({"set": {"ranking.orderValue": 50}}),
            json!({"set": {"ranking.orderValue": null}})
        )]),
        None,
    );
    let a = null
        .decide(&customer("c1"), &forced(now, "x", "a"))
        .unwrap();
    let b = null
        .decide(&customer("c1"), &forced(now, "x", "b"))
        .unwrap();
    assert_eq!(
        serde_json::to_value(&a.offers).unwrap(),
        serde_json::to_value(&b.offers).unwrap()
    );
}

#[test]
fn settings_of_two_experiments_apply_in_order() {
    let now = "1998-07-01T15:00:00Z";
    let x = two(
        "x",
        json!({}),
        json!({"set": {"maxOffers": 1, "nudges.max": 0}}),
    );
    let y = two("y", json!({}), json!({"set": {"maxOffers": 2}}));
    let e = engine(json!([x, y]), None);
    let both = DecideOptions {
        force_variants: BTreeMap::from([
            ("x".to_string(), "b".to_string()),
            ("y".to_string(), "b".to_string()),
        ]),
        ..at(now)
    };
    let d = e.decide(&customer("c1"), &both).unwrap();
    // y, later, wins on maxOffers; x's nudges.max still applies.
    assert_eq!(d.offers.len(), 2);
    assert!(d.nudges.is_empty());
    let only_x = DecideOptions {
        force_variants: BTreeMap::from([
            ("x".to_string(), "b".to_string()),
            ("y".to_string(), "a".to_string()),
        ]),
        ..at(now)
    };
    let only_x = e.decide(&customer("c1"), &only_x).unwrap();
    assert_eq!(only_x.offers.len(), 1);
}

#[test]
fn bad_settings_are_refused_with_their_path() {
    let with = |b: Value| json!([two("x", json!({}), b)]);
    let cases = [
        (
            json!({"caps": {"nope": []}}),
            "experiments[0].variants[1].caps.nope",
            "not in the catalogue",
        ),
        (
            json!({"caps": {"*": [{"max": 0, "periodDays": 7}]}}),
            "experiments[0].variants[1].caps.*",
            "a cap of 0",
        ),
        (
            json!({"caps": {"*": [{"max": 1}]}}),
            "experiments[0].variants[1].caps.*[0]",
            "periodDays",
        ),
        (
            json!({"set": {"loyalty.earn.pointsPerUnit": 2}}),
            "experiments[0].variants[1].set.loyalty.earn.pointsPerUnit",
            "same in every variant",
        ),
        (
            json!({"set": {"ranking.redemptionRate": 2}}),
            "experiments[0].variants[1].set.ranking.redemptionRate",
            "ranking.redemptionRate",
        ),
        (
            json!({"set": {"ranking.colour": 2}}),
            "experiments[0].variants[1].set.ranking.colour",
            "fields: objective",
        ),
        (
            json!({"set": {"offers.reactivate-10.when": {}}}),
            "experiments[0].variants[1].set.offers.reactivate-10.when",
            "not a variant setting",
        ),
        (
            json!({"set": {"offers.reactivate-10.value": "ten"}}),
            "experiments[0].variants[1].set.offers.reactivate-10.value",
            "offers[2].value",
        ),
        (
            json!({"set": {"maxOffers": -1}}),
            "experiments[0].variants[1].set.maxOffers",
            "maxOffers",
        ),
        (
            json!({"set": {"offers.reactivate-10.budget": "nope"}}),
            "experiments[0].variants[1].set.offers.reactivate-10.budget",
            "budget",
        ),
        (
            json!({"set": {"offers.reactivate-10.segmentWeights": {"Nope": 2}}}),
            "experiments[0].variants[1]",
            "segment \"Nope\" is not in model",
        ),
    ];
    for (settings, path, words) in cases {
        let (got, message) = load_error(with(settings.clone()), None);
        assert_eq!(got, path, "{settings}: {message}");
        assert!(message.contains(words), "{settings}: {message}");
    }
}
