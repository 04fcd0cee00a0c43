//! The simulated programme on CDNOW (`analysis::simulate`): the truth the effectiveness
//! analyses must find. The naive members-vs-non-members comparison is biased by who joins;
//! the holdout comparison and the matched difference-in-differences recover the truth within
//! their intervals, and the holdout's intervals cover it 93–97% of the time over 1,000 runs.

use crate::common;

use offerwise::analysis::did::{self, DidOptions};
use offerwise::analysis::logs::{LogJoin, LogOptions};
use offerwise::analysis::simulate::{self, Base, Params, Simulation};
use offerwise::analysis::{Accumulator, MetricKind, MetricSpec, Settings};
use offerwise::time::{days_from_civil, DAY_MS};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn cdnow() -> &'static [Base] {
    static POP: OnceLock<Vec<Base>> = OnceLock::new();
    POP.get_or_init(|| {
        let f = std::fs::File::open(common::cdnow_path("CDNOW_master.txt")).unwrap();
        let (rows, _) =
            offerwise::transactions::read(f, offerwise::transactions::Format::Cdnow, false)
                .unwrap();
        Base::from_transactions(&rows)
    })
}

fn end_of_data() -> i64 {
    days_from_civil(1998, 7, 1) * DAY_MS
}

/// The programme against its holdout on revenue in the window from launch, with CUPED on the
/// window before: `(Welch's interval, CUPED's interval)` of the effect per customer.
fn holdout_intervals(sim: &Simulation) -> ((f64, f64), (f64, f64)) {
    let share = sim.params.holdout_share;
    let settings = Settings {
        weights: Some(BTreeMap::from([
            ("holdout".to_string(), share),
            ("exposed".to_string(), 1.0 - share),
        ])),
        covariates: BTreeMap::from([("revenue".to_string(), "pre".to_string())]),
        ..Settings::new(
            "holdout",
            vec![MetricSpec::of_kind("revenue", MetricKind::Mean)],
        )
    };
    let mut acc = Accumulator::new(settings).unwrap();
    for (held, post, pre) in sim.launch_windows() {
        let v = if held { "holdout" } else { "exposed" };
        acc.push(v, &[post], &[pre], &|| "unit".into()).unwrap();
    }
    let a = acc.finish().unwrap();
    let r = &a.results[0];
    (r.abs_lift_ci, r.cuped.as_ref().unwrap().abs_lift_ci)
}

fn covers(ci: (f64, f64), x: f64) -> bool {
    ci.0 <= x && x <= ci.1
}

#[test]
fn naive_comparison_is_biased_while_the_holdout_and_the_matched_did_recover_the_truth() {
    let sim = simulate::run(&Params::cdnow(7), cdnow()).unwrap();
    let t = &sim.truth;
    // The programme as simulated: about 15% of the invited enrol, +$16.8 per member in 180 days.
    assert!((0.12..0.18).contains(&t.enrolment_rate), "{t:?}");
    assert!((15.0..19.0).contains(&t.att_revenue), "{t:?}");

    let d = did::analyze(&sim.histories(), &DidOptions::new(end_of_data())).unwrap();
    // Members were better customers before they joined: the naive difference is several
    // times the truth and its interval is far from it.
    assert!(d.naive.ci.0 > 2.5 * t.att_revenue, "{:?} vs {t:?}", d.naive);
    // Matching removes the difference in what members did before…
    for b in &d.balance {
        assert!(b.smd_after.abs() < 0.1, "{b:?}");
    }
    assert!(d.balance.iter().any(|b| b.smd_before.abs() > 0.4));
    // …and the difference-in-differences finds the truth, with a placebo that finds nothing.
    assert!(
        covers(d.effect.estimate.ci, t.att_revenue),
        "{:?} vs {t:?}",
        d.effect
    );
    let placebo = d.placebo.as_ref().unwrap();
    assert!(placebo.passes, "{placebo:?}");
    // The saturated regression's τ is the difference of the four means.
    let (m, c) = (d.effect.members, d.effect.controls);
    assert!((d.effect.estimate.effect - ((m[1] - m[0]) - (c[1] - c[0]))).abs() < 1e-9);
    // The event-time plot: no effect in the periods before enrolment, one after it.
    let before: Vec<_> = d.event_time.iter().filter(|p| p.period < -1).collect();
    assert_eq!(before.len(), 5);

    // The holdout comparison (causal by design) covers the effect per invited customer.
    let (welch, cuped) = holdout_intervals(&sim);
    assert!(covers(welch, t.itt_revenue), "{welch:?} vs {t:?}");
    assert!(covers(cuped, t.itt_revenue), "{cuped:?} vs {t:?}");
    assert!(cuped.1 - cuped.0 < welch.1 - welch.0);
}

#[test]
fn holdout_intervals_cover_the_truth_93_to_97_percent_of_1000_runs() {
    let pop = cdnow();
    let runs = 1000;
    let (mut welch, mut cuped) = (0, 0);
    let mut truth = None;
    for seed in 0..runs {
        let p = Params {
            resample: Some(pop.len()),
            ..Params::cdnow(10_000 + seed)
        };
        let sim = simulate::run(&p, pop).unwrap();
        let itt = sim.truth.itt_revenue;
        // The truth is the superpopulation's: the same in every run.
        assert_eq!(*truth.get_or_insert(itt), itt);
        let (w, c) = holdout_intervals(&sim);
        welch += usize::from(covers(w, itt));
        cuped += usize::from(covers(c, itt));
    }
    println!("coverage over {runs} runs: Welch {welch}, CUPED {cuped}");
    assert!(
        (930..=970).contains(&welch),
        "Welch covered {welch} of {runs}"
    );
    assert!(
        (930..=970).contains(&cuped),
        "CUPED covered {cuped} of {runs}"
    );
}

#[test]
fn matched_did_intervals_cover_the_truth_over_100_runs() {
    let (mut covered, mut placebo) = (0, 0);
    let runs = 100;
    for seed in 0..runs {
        let sim = simulate::run(&Params::cdnow(20_000 + seed), cdnow()).unwrap();
        let d = did::analyze(&sim.histories(), &DidOptions::new(end_of_data())).unwrap();
        covered += usize::from(covers(d.effect.estimate.ci, sim.truth.att_revenue));
        placebo += usize::from(d.placebo.unwrap().passes);
    }
    println!("matched DiD over {runs} runs: covered {covered}, placebo passed {placebo}");
    assert!(covered >= 90, "covered {covered} of {runs}");
    assert!(placebo >= 88, "placebo passed {placebo} of {runs}");
}

#[test]
fn the_log_join_analyses_the_simulated_logs_as_the_units_do() {
    let sim = simulate::run(&Params::cdnow(3), cdnow()).unwrap();
    let options = LogOptions {
        holdout: Some(sim.params.holdout_share),
        cuped: true,
        window_days: f64::from(sim.params.window_days),
        metrics: vec!["revenue".into()],
        ..LogOptions::new("", "holdout")
    };
    let mut join = LogJoin::new(&options).unwrap();
    for d in sim.decisions() {
        let line = serde_json::to_string(&d).unwrap();
        join.decision(&line, &|| "decision".into()).unwrap();
    }
    for o in sim.outcomes() {
        join.add_outcome(&o, &|| "outcome".into()).unwrap();
    }
    let a = join.finish().unwrap();
    let r = &a.results[0];
    let (welch, cuped) = holdout_intervals(&sim);
    assert!((r.abs_lift_ci.0 - welch.0).abs() < 1e-9 && (r.abs_lift_ci.1 - welch.1).abs() < 1e-9);
    let c = r.cuped.as_ref().unwrap().abs_lift_ci;
    assert!((c.0 - cuped.0).abs() < 1e-9 && (c.1 - cuped.1).abs() < 1e-9);
    let join = a.join.unwrap();
    assert_eq!(join.units as usize, sim.customers.len());
}

#[test]
fn a_run_is_reproducible_and_keeps_the_points_ledger_whole() {
    let p = Params::cdnow(11);
    let a = simulate::run(&p, cdnow()).unwrap();
    let b = simulate::run(&p, cdnow()).unwrap();
    assert_eq!(a, b);
    let c = simulate::run(&Params::cdnow(12), cdnow()).unwrap();
    assert_ne!(a.customers, c.customers);
    let (mut earned, mut redeemed) = (0i64, 0i64);
    for m in a.customers.iter().filter(|c| c.enrolled_at.is_some()) {
        let f = m.points.unwrap();
        let e: i64 = m.orders.iter().map(|o| o.points_earned).sum();
        let r: i64 = m.orders.iter().map(|o| o.points_redeemed).sum();
        assert_eq!((f.earned, f.redeemed), (e, r), "{}", m.id);
        assert_eq!(f.earned - f.redeemed - f.expired, m.balance, "{}", m.id);
        earned += e;
        redeemed += r;
        // Nobody held out or not enrolled is touched.
    }
    assert!(earned > 0 && redeemed > 0 && redeemed < earned);
    for c in a.customers.iter().filter(|c| c.enrolled_at.is_none()) {
        assert!(c.points.is_none());
        assert!(c.orders.iter().all(|o| o.amount == o.baseline));
        assert!(!c.holdout || c.orders.iter().all(|o| o.points_earned == 0));
    }
}
