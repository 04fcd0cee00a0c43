//! The learning policy: exact propensities (logged = empirical over 1,000,000 customers, the
//! floor always holds), reproducible draws, the documented decay, `offerwise learn` on files,
//! bad policy documents, and the simulation's checks (the learner beats the priors, its regret
//! per decision falls, the inverse-propensity estimate covers the truth).

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::offers::learn::join_logs;
use offerwise::offers::policy::{self, Exploration, Policy};
use offerwise::offers::simulate::{self, SimConfig};
use offerwise::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;

const MODEL: &str = include_str!("../models/default.json");
const PROGRAM: &str = include_str!("../models/default-program.json");
const POLICY: &str = include_str!("../models/default-policy.json");
const BIN: &str = env!("CARGO_BIN_EXE_offerwise");

fn engine_with_policy(program: &str) -> Engine {
    Engine::from_json(MODEL, program)
        .unwrap()
        .with_policy(Policy::from_json(POLICY).unwrap())
        .unwrap()
}

/// The default programme without its experiment (so a customer's id only seeds the draw).
fn program_without_experiments() -> String {
    let mut p: Value = serde_json::from_str(PROGRAM).unwrap();
    p["experiments"] = json!([]);
    // The global holdout too: every customer gets the policy's offers.
    p.as_object_mut().unwrap().remove("holdout");
    p.to_string()
}

#[test]
fn inverse_gap_weighting_draws_match_their_probabilities_over_a_million_customers() {
    // The first-slot probabilities of a real decision's slate: the default policy on the
    // loyal Silver sample customer with a $62 cart.
    let e = engine_with_policy(&program_without_experiments());
    let samples: Vec<Value> =
        serde_json::from_str(include_str!("../www/sample-customers.json")).unwrap();
    let mut doc = samples[7].clone();
    let options = DecideOptions {
        cart: serde_json::from_str(r#"{"items": [{"category": "jazz", "price": 15.5, "qty": 4}]}"#)
            .ok(),
        ..DecideOptions::at("1998-07-01T15:00:00Z")
    };
    // Every (offer, slot) the policy can show, with its logged propensity; and how often each
    // is shown over 1,000,000 customer ids with the same history.
    let n = 1_000_000u32;
    let mut logged: BTreeMap<(String, usize), f64> = BTreeMap::new();
    let mut seen: BTreeMap<(String, usize), u32> = BTreeMap::new();
    let policy = e.policy().unwrap();
    let floor = policy.exploration.floor;
    // The id changes nothing but the draw: every decision logs the same propensities.
    for i in 0..2_000u32 {
        doc["id"] = json!(format!("c{i}"));
        let c: Customer = serde_json::from_value(doc.clone()).unwrap();
        let d = e.decide(&c, &options).unwrap();
        assert_eq!(
            d.log.policy_version.as_deref(),
            Some(policy.version.as_str())
        );
        for o in &d.log.offers {
            let key = (o.id.clone(), o.slot);
            let p = *logged.entry(key.clone()).or_insert(o.propensity);
            assert!(
                (p - o.propensity).abs() < 1e-12,
                "one context, one propensity"
            );
            *seen.entry(key).or_insert(0) += 1;
        }
    }
    // Over 2,000 decisions each (offer, slot) shows within 4 standard errors of its propensity.
    for (key, p) in &logged {
        let f = f64::from(seen[key]) / 2_000.0;
        let se = (p * (1.0 - p) / 2_000.0).sqrt();
        assert!((f - p).abs() < 4.0 * se + 1e-9, "{key:?}: {f} vs {p}");
    }
    // The first slot over 1,000,000 ids: the engine's draw (customer, day, policy version) and
    // choice against the logged first-slot propensities (each offer's share of the draws is its
    // probability whatever the order the offers are laid out in).
    let firsts: Vec<(&String, f64)> = logged
        .iter()
        .filter(|((_, slot), _)| *slot == 1)
        .map(|((id, _), p)| (id, *p))
        .collect();
    let total: f64 = firsts.iter().map(|f| f.1).sum();
    assert!(
        (total - 1.0).abs() < 1e-9,
        "first-slot propensities sum to 1: {total}"
    );
    assert!(
        firsts.iter().all(|f| f.1 >= floor - 1e-12),
        "the floor holds: {firsts:?}"
    );
    let mut order: Vec<(&String, f64)> = firsts.clone();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let probs: Vec<f64> = order.iter().map(|o| o.1).collect();
    let day = 899_251_200_000i64.div_euclid(86_400_000);
    let mut counts = vec![0u32; probs.len()];
    for i in 0..n {
        let u = policy::draw(&format!("c{i}"), day, &policy.version);
        counts[policy::choose(&probs, u)] += 1;
    }
    for (k, (id, p)) in order.iter().enumerate() {
        let f = f64::from(counts[k]) / f64::from(n);
        assert!((f - p).abs() < 0.005, "{id}: empirical {f} vs logged {p}");
    }
}

#[test]
fn the_floor_holds_and_probabilities_sum_to_one() {
    for k in 1..60usize {
        for gamma in [0.0, 1.0, 20.0, 1e6] {
            let scores: Vec<f64> = (0..k).map(|i| 10.0 - i as f64 * 0.3).collect();
            let e = Exploration { gamma, floor: 0.02 };
            let p = policy::igw(&scores, &e);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let floor = 0.02f64.min(1.0 / k as f64);
            assert!(
                p.iter().all(|&q| q >= floor - 1e-12),
                "k {k} gamma {gamma}: {p:?}"
            );
            assert!(
                p.iter().all(|&q| q <= p[0] + 1e-12),
                "the best is the likeliest"
            );
        }
    }
}

#[test]
fn a_decision_reproduces_within_a_day() {
    let e = engine_with_policy(PROGRAM);
    let c = Customer::from_json(include_str!("../www/example-customer.json")).unwrap();
    let a = e
        .decide(&c, &DecideOptions::at("1998-07-01T09:00:00Z"))
        .unwrap();
    let b = e
        .decide(&c, &DecideOptions::at("1998-07-01T09:00:00Z"))
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.log.context.len(), policy::D);
    // Another hour the same day: the same draw, so the same offers.
    let later = e
        .decide(&c, &DecideOptions::at("1998-07-01T17:00:00Z"))
        .unwrap();
    let ids = |d: &offerwise::Decision| d.offers.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&later));
}

fn small_sim() -> simulate::SimReport {
    let e = Engine::from_json(MODEL, PROGRAM).unwrap();
    let cfg = SimConfig {
        customers: 1200,
        days: 24,
        visit_rate: 0.3,
        seed: 11,
        start_ms: 899_251_200_000,
        ips_days: 10,
    };
    simulate::run(&e, Policy::new("sim"), &cfg).unwrap()
}

#[test]
fn the_simulation_learner_beats_the_priors_its_regret_falls_and_ips_covers_the_truth() {
    let r = small_sim();
    let sum = |f: &dyn Fn(&simulate::Day) -> f64| r.days.iter().map(f).sum::<f64>();
    let (rules, learner, oracle) = (
        sum(&|d| d.rules_value),
        sum(&|d| d.learner_value),
        sum(&|d| d.oracle_value),
    );
    assert!(learner > rules, "learner {learner} vs rules {rules}");
    assert!(oracle >= learner, "oracle {oracle} vs learner {learner}");
    let realized = (sum(&|d| d.rules_margin), sum(&|d| d.learner_margin));
    assert!(realized.1 > realized.0, "{realized:?}");
    // Cumulative regret per decision falls from the first week to the last day.
    let week = r.days[6].learner_regret_per_decision;
    let last = r.days.last().unwrap().learner_regret_per_decision;
    assert!(last < 0.8 * week, "regret/T {week} -> {last}");
    // ... while the priors' keeps its level (it does not learn).
    assert!(r.days.last().unwrap().rules_regret_per_decision > last);
    let i = &r.ips;
    assert!(i.decisions > 1000);
    assert!(i.ci_low <= i.truth && i.truth <= i.ci_high, "{i:?}");
    assert!(i.min_propensity >= 0.02 - 1e-12);
    // analysis::ope on the same decisions: its IPS is this estimate; SNIPS and the doubly
    // robust estimate (the target's own take-up as the model) cover the truth too, tighter.
    let o = r.ope.as_ref().unwrap();
    assert!((o.ips.value - i.estimate).abs() <= 1e-12 * i.estimate.abs().max(1.0));
    assert_eq!(o.decisions as u64, i.decisions);
    for e in [&o.snips, o.dr.as_ref().unwrap()] {
        assert!(
            e.ci.0 <= i.truth && i.truth <= e.ci.1,
            "{e:?} vs truth {}",
            i.truth
        );
    }
    println!(
        "IPS {:?} SNIPS {:?} DR {:?} ESS {} truth {}",
        o.ips, o.snips, o.dr, o.effective_sample_size, i.truth
    );
    // The same target evaluated from the files alone: every logged first slot ranked again
    // from its logged candidates by the frozen policy gives the engine's own choices.
    let candidate = Engine::from_json(MODEL, PROGRAM)
        .unwrap()
        .with_policy(r.target.clone().unwrap())
        .unwrap();
    let options = offerwise::analysis::ope::PolicyOptions {
        since: Some(r.target_since),
        ..Default::default()
    };
    let e = offerwise::analysis::ope::evaluate_policy(
        &r.decisions_log,
        &r.outcomes_log,
        &candidate,
        &options,
    )
    .unwrap();
    println!("evaluate-policy {:?} {:?}", e.counts, e.ope.ips);
    assert_eq!(e.counts.evaluated as u64, i.decisions);
    assert!(
        (e.ope.ips.value - i.estimate).abs() <= 1e-9 * i.estimate.abs(),
        "{} vs {}",
        e.ope.ips.value,
        i.estimate
    );
    assert!(e.ope.ips.ci.0 <= i.truth && i.truth <= e.ope.ips.ci.1);
    // The log learned from is the log the CLI reads.
    let joined = join_logs(&r.decisions_log, &r.outcomes_log).unwrap();
    assert_eq!(joined.duplicates, 0);
    assert_eq!(joined.unmatched_outcomes, 0);
    assert!(joined.observations.iter().any(|o| o.taken));
}

#[test]
fn learn_on_files_decays_exactly_and_learning_in_two_steps_equals_one() {
    let r = small_sim();
    let dir = std::env::temp_dir().join(format!("offerwise-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lines: Vec<&str> = r.decisions_log.lines().collect();
    let half = lines.len() / 2;
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let all = write("all.jsonl", r.decisions_log.clone());
    let first = write("first.jsonl", lines[..half].join("\n"));
    let second = write("second.jsonl", lines[half..].join("\n"));
    let outcomes = write("outcomes.jsonl", r.outcomes_log.clone());
    let learn = |decisions: &str, policy: Option<&str>, now: &str, out: &str| {
        let out = dir.join(out).to_string_lossy().into_owned();
        let mut args = vec![
            "learn",
            "--decisions",
            decisions,
            "--outcomes",
            &outcomes,
            "--now",
            now,
            "--out",
            &out,
            "--name",
            "p",
        ];
        if let Some(p) = policy {
            args.extend(["--policy", p]);
        }
        let o = Command::new(BIN).args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            out.clone(),
            Policy::from_json(&std::fs::read_to_string(&out).unwrap()).unwrap(),
        )
    };
    let (_, one) = learn(&all, None, "1998-07-25", "one.json");
    let (mid, _) = learn(&first, None, "1998-07-13", "mid.json");
    let (_, two) = learn(&second, Some(&mid), "1998-07-25", "two.json");
    assert_eq!(two.sources.len(), 2);
    for (id, s) in &one.offers {
        let t = &two.offers[id];
        let rel = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
        assert!(rel(s.n, t.n), "{id}: {} vs {}", s.n, t.n);
        assert!(s.a.iter().zip(&t.a).all(|(a, b)| rel(*a, *b)), "{id}");
        assert!(
            s.theta
                .iter()
                .zip(&t.theta)
                .all(|(a, b)| (a - b).abs() < 1e-7),
            "{id}"
        );
    }
    // A half-life ago, an observation weighs one half.
    let mut p = Policy::new("decay");
    let x = [1.0; policy::D];
    let obs = |at_ms: i64| policy::Observation {
        offer: "o".into(),
        x,
        taken: true,
        at_ms,
    };
    let now = 899_251_200_000i64;
    p.learn(
        &[obs(now - 30 * 86_400_000), obs(now)],
        now,
        join_logs("", "").unwrap().source(),
    );
    assert!((p.offers["o"].n - 1.5).abs() < 1e-12);
    // Learning before the policy's learnedAt is refused.
    let o = Command::new(BIN)
        .args([
            "learn",
            "--decisions",
            &all,
            "--outcomes",
            &outcomes,
            "--policy",
            &mid,
            "--now",
            "1998-07-01",
            "--out",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("before the policy's learnedAt"));
    // A bad line names its line.
    let bad = write(
        "bad.jsonl",
        format!("{}\n{{\"schema\": \"offerwise.decision/1\"}}\n", lines[0]),
    );
    let o = Command::new(BIN)
        .args([
            "learn",
            "--decisions",
            &bad,
            "--outcomes",
            &outcomes,
            "--out",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_policy_is_an_error_with_its_path() {
    let good: Value = serde_json::from_str(POLICY).unwrap();
    let cases = [
        (
            "/formatVersion",
            json!(2),
            "policy.unsupported_version",
            "formatVersion",
        ),
        (
            "/kind",
            json!("offerwise.program"),
            "policy.invalid",
            "kind",
        ),
        ("/context/3", json!("x"), "policy.invalid", "context"),
        (
            "/exploration/floor",
            json!(0.9),
            "policy.invalid",
            "exploration.floor",
        ),
        (
            "/exploration/gamma",
            json!(-1),
            "policy.invalid",
            "exploration.gamma",
        ),
        (
            "/learning/halfLifeDays",
            json!(0),
            "policy.invalid",
            "learning.halfLifeDays",
        ),
        (
            "/offers/double-points/theta",
            json!([1, 2]),
            "policy.invalid",
            "offers.double-points",
        ),
    ];
    for (pointer, value, code, path) in cases {
        let mut p = good.clone();
        *p.pointer_mut(pointer).unwrap() = value;
        let e = Policy::from_json(&p.to_string()).unwrap_err();
        assert_eq!(e.code(), code, "{pointer}: {e}");
        assert_eq!(e.path(), path, "{pointer}: {e}");
    }
    let e = Policy::from_json("{\"formatVersion\": 1,").unwrap_err();
    assert_eq!(e.code(), "policy.syntax");
}

#[test]
fn evaluate_policy_on_files_is_the_librarys_and_bad_lines_say_where() {
    let r = small_sim();
    let dir = std::env::temp_dir().join(format!("offerwise-ope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let w = |n: &str, t: &str| {
        let p = dir.join(n);
        std::fs::write(&p, t).unwrap();
        p.display().to_string()
    };
    let d = w("d.jsonl", &r.decisions_log);
    let o = w("o.jsonl", &r.outcomes_log);
    let q = w(
        "q.json",
        &serde_json::to_string(r.target.as_ref().unwrap()).unwrap(),
    );
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/models/default-program.json");
    let bin = env!("CARGO_BIN_EXE_offerwise");
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();
    let out = run(&[
        "evaluate-policy",
        "--decisions",
        &d,
        "--outcomes",
        &o,
        "--candidate-program",
        program,
        "--candidate-policy",
        &q,
        "--since",
        &offerwise::time::format_instant(r.target_since),
        "--json",
        "-",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let candidate = Engine::from_json(MODEL, PROGRAM)
        .unwrap()
        .with_policy(r.target.clone().unwrap())
        .unwrap();
    let lib = offerwise::analysis::ope::evaluate_policy(
        &r.decisions_log,
        &r.outcomes_log,
        &candidate,
        &offerwise::analysis::ope::PolicyOptions {
            since: Some(r.target_since),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(cli, serde_json::to_value(&lib).unwrap());
    // …and the engine's own evaluation of the same target in the simulation.
    let ips = cli["ips"]["value"].as_f64().unwrap();
    assert!((ips - r.ips.estimate).abs() <= 1e-9 * r.ips.estimate.abs());
    // A broken decision line: exit 2, the file, the line and the field.
    let mut lines: Vec<&str> = r.decisions_log.lines().collect();
    let broken = lines[2].replacen("\"propensity\":", "\"propensity\":-", 1);
    lines[2] = &broken;
    let bad = w("bad.jsonl", &lines.join("\n"));
    let out = run(&[
        "evaluate-policy",
        "--decisions",
        &bad,
        "--outcomes",
        &o,
        "--candidate-program",
        program,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:3.offers[0].propensity"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
