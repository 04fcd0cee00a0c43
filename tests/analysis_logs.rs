//! The experiment analysis of logs (`analysis::logs`): real decisions of the default programme
//! for 2,400 generated customers and generated outcome events are joined into units; the same
//! units computed here independently (a plain loop over each unit's events) and analysed as a
//! unit file (`analysis::units`, itself pinned to scipy, statsmodels and gbstats by
//! tests/analysis.rs) give the very same analysis. Window edges, customers in two variants,
//! CSV outcomes and malformed lines are checked on small logs.

use offerwise::analysis::logs::{analyze_logs, LogOptions};
use offerwise::analysis::units::{analyze_csv, UnitsOptions};
use offerwise::analysis::Analysis;
use offerwise::customer::{Customer, TimeValue};
use offerwise::engine::DecideOptions;
use offerwise::Engine;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::SplitMix64;
use std::collections::BTreeMap;
use std::fmt::Write;

const DAY: i64 = 86_400_000;
const EXPERIMENT: &str = "winback-2026q4";

/// The test's seeded generator: rand_xoshiro's SplitMix64.
struct Rng(SplitMix64);
impl Rng {
    fn new(seed: u64) -> Self {
        Rng(SplitMix64::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Event {
    customer: String,
    at: i64,
    kind: &'static str,
    offer: Option<&'static str>,
    revenue: f64,
    margin: f64,
    earned: f64,
    redeemed: f64,
    discount: f64,
}

impl Event {
    fn json(&self) -> String {
        let mut s = format!(
            r#"{{"schema":"offerwise.outcome/1","decisionId":"00000000000000aa","customerId":"{}","at":{},"type":"{}""#,
            self.customer, self.at, self.kind
        );
        if let Some(o) = self.offer {
            let _ = write!(s, r#","offerId":"{o}""#);
        }
        if self.kind == "conversion" {
            let _ = write!(
                s,
                r#","revenue":{},"margin":{},"pointsEarned":{},"pointsRedeemed":{},"discount":{}"#,
                self.revenue, self.margin, self.earned, self.redeemed, self.discount
            );
        }
        s + "}"
    }
}

/// The logs: decisions of the default programme (1 to 3 per customer, days apart) and outcome
/// events around each customer's first decision, plus events of customers never decided for.
fn logs() -> (String, Vec<Event>) {
    let engine = Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )
    .unwrap();
    let mut rng = Rng::new(20_261_130);
    let mut decisions = String::new();
    let mut events = Vec::new();
    let start = 899_251_200_000i64; // 1998-07-01
    for c in 0..2400u64 {
        let id = format!("c{c:05}");
        let orders: Vec<String> = (0..1 + rng.below(4))
            .map(|k| {
                format!(
                    r#"{{"id":"{id}-{k}","at":"1998-0{}-1{}","amount":{}}}"#,
                    1 + rng.below(5),
                    rng.below(10),
                    5 + rng.below(80)
                )
            })
            .collect();
        let customer = Customer::from_json(&format!(
            r#"{{"id":"{id}","orders":[{}]}}"#,
            orders.join(",")
        ))
        .unwrap();
        let first = start + rng.below(20) as i64 * DAY + rng.below(DAY as u64) as i64;
        let mut times = vec![first];
        for _ in 0..rng.below(3) {
            times.push(first + (1 + rng.below(10) as i64) * DAY);
        }
        // Logged out of order: the join finds the first exposure itself.
        times.reverse();
        for t in &times {
            let d = engine
                .decide(
                    &customer,
                    &DecideOptions {
                        now: TimeValue::Millis(*t as f64),
                        ..DecideOptions::at("1998-07-01")
                    },
                )
                .unwrap();
            decisions.push_str(&serde_json::to_string(&d.log).unwrap());
            decisions.push('\n');
        }
        let lift = if rng.unit() < 0.5 { 1.0 } else { 1.2 };
        for _ in 0..rng.below(6) {
            // From 20 days before to 50 days after the first decision.
            let at = first - 20 * DAY + rng.below(70 * DAY as u64) as i64;
            let r = rng.unit();
            let (kind, offer) = if r < 0.55 * lift {
                ("conversion", None)
            } else if r < 0.75 {
                (
                    "redemption",
                    Some(["winback-valuable", "double-points"][rng.below(2) as usize]),
                )
            } else if r < 0.9 {
                ("click", Some("double-points"))
            } else {
                ("dismiss", Some("double-points"))
            };
            let revenue = (rng.below(20_000) as f64) / 100.0;
            events.push(Event {
                customer: id.clone(),
                at,
                kind,
                offer,
                revenue,
                margin: (revenue * 0.3 * 100.0).round() / 100.0,
                earned: rng.below(200) as f64,
                redeemed: if rng.unit() < 0.3 {
                    rng.below(500) as f64
                } else {
                    0.0
                },
                discount: rng.below(800) as f64 / 100.0,
            });
        }
    }
    for k in 0..50 {
        events.push(Event {
            customer: format!("stranger-{k}"),
            at: start + k * DAY,
            kind: "conversion",
            offer: None,
            revenue: 10.0,
            margin: 1.0,
            earned: 0.0,
            redeemed: 0.0,
            discount: 0.0,
        });
    }
    (decisions, events)
}

/// The unit file of the same logs, computed independently: each unit's first exposure, variant
/// and segment from its decisions, its metrics from its events in the windows.
fn unit_file(
    decisions: &str,
    events: &[Event],
    window: i64,
    group: &dyn Fn(&serde_json::Value) -> Option<String>,
) -> String {
    struct U {
        first: i64,
        at: String,
        variant: String,
        segment: String,
    }
    let mut units: BTreeMap<String, U> = BTreeMap::new();
    for line in decisions.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(variant) = group(&v) else {
            continue;
        };
        let at = v["at"].as_str().unwrap().to_string();
        let ms = offerwise::time::parse_instant(&at, 0).unwrap();
        let id = v["customerId"].as_str().unwrap().to_string();
        let segment = v["segment"]["role"].as_str().unwrap_or("none").to_string();
        let u = units.entry(id).or_insert(U {
            first: ms,
            at: at.clone(),
            variant: variant.clone(),
            segment: segment.clone(),
        });
        assert_eq!(u.variant, variant, "hashing is sticky");
        if ms < u.first {
            (u.first, u.at, u.segment) = (ms, at, segment);
        }
    }
    let mut csv = String::from(
        "unit,variant,segment,first,conversion,revenue,orders,repeat,retention30,points_earned,points_redeemed,redemption,redemption_wv,redemptions,click,discount,incentives,net_margin,\
         pre_conversion,pre_revenue,pre_orders,pre_repeat,pre_retention30,pre_points_earned,pre_points_redeemed,pre_redemption,pre_redemption_wv,pre_redemptions,pre_click,pre_discount,pre_incentives,pre_net_margin\n",
    );
    for (id, u) in &units {
        let mine: Vec<&Event> = events.iter().filter(|e| &e.customer == id).collect();
        let metrics = |from: i64, retention_from: i64| {
            let within = |e: &&&Event, lo: i64| e.at >= lo && e.at < lo + window;
            let conv: Vec<&&Event> = mine
                .iter()
                .filter(|e| e.kind == "conversion" && within(e, from))
                .collect();
            let red: Vec<&&Event> = mine
                .iter()
                .filter(|e| e.kind == "redemption" && within(e, from))
                .collect();
            let retained = mine
                .iter()
                .any(|e| e.kind == "conversion" && within(&e, retention_from));
            let b = |x: bool| if x { "1" } else { "0" };
            // Sums in event order, as the join adds them.
            let sum = |f: &dyn Fn(&Event) -> f64| conv.iter().fold(0.0, |a, e| a + f(e));
            [
                b(!conv.is_empty()).to_string(),
                sum(&|e| e.revenue).to_string(),
                conv.len().to_string(),
                b(conv.len() >= 2).to_string(),
                b(retained).to_string(),
                sum(&|e| e.earned).to_string(),
                sum(&|e| e.redeemed).to_string(),
                b(!red.is_empty()).to_string(),
                b(red.iter().any(|e| e.offer == Some("winback-valuable"))).to_string(),
                red.len().to_string(),
                b(mine.iter().any(|e| e.kind == "click" && within(&e, from))).to_string(),
                sum(&|e| e.discount).to_string(),
                sum(&|e| e.discount + POINT_VALUE * e.redeemed).to_string(),
                sum(&|e| e.margin - (e.discount + POINT_VALUE * e.redeemed)).to_string(),
            ]
            .join(",")
        };
        let post = metrics(u.first, u.first + 30 * DAY);
        let pre = metrics(u.first - window, u.first - window);
        let _ = writeln!(
            csv,
            "{id},{},{},{},{post},{pre}",
            u.variant, u.segment, u.at
        );
    }
    csv
}

/// The variant of a decision record's customer in the experiment, if exposed.
fn in_experiment(v: &serde_json::Value) -> Option<String> {
    v["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["experiment"] == EXPERIMENT)
        .map(|x| x["variant"].as_str().unwrap().to_string())
}

/// The money one point redeemed is worth.
const POINT_VALUE: f64 = 0.01;

const LOG_METRICS: [&str; 15] = [
    "conversion",
    "revenue",
    "orders",
    "aov",
    "repeat",
    "retention:30",
    "pointsEarned",
    "pointsRedeemed",
    "redemption",
    "redemption:winback-valuable",
    "redemptions",
    "click",
    "discount",
    "incentives",
    "netMargin",
];
const UNIT_METRICS: [&str; 15] = [
    "conversion:proportion",
    "revenue:mean",
    "orders:mean",
    "aov=revenue/orders",
    "repeat:proportion",
    "retention30:proportion",
    "points_earned:mean",
    "points_redeemed:mean",
    "redemption:proportion",
    "redemption_wv:proportion",
    "redemptions:mean",
    "click:proportion",
    "discount:mean",
    "incentives:mean",
    "net_margin:mean",
];

/// Where two JSON values first differ.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{at}.{k}")),
                _ => Some(format!("{at}.{k}: only in one")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

fn rename_error(e: &mut offerwise::analysis::AnalysisError) {
    for (unit, log) in [
        ("retention30", "retention:30"),
        ("points_earned", "pointsEarned"),
        ("points_redeemed", "pointsRedeemed"),
        ("redemption_wv", "redemption:winback-valuable"),
        ("net_margin", "netMargin"),
    ] {
        e.message = e.message.replace(unit, log);
        e.path = e.path.replace(unit, log);
    }
}

/// The unit file's options that mirror the log analysis: its metrics, the first exposure as
/// the time column and, with `cuped`, each metric's `pre_` column as covariate.
fn unit_options(control: &str, cuped: bool) -> UnitsOptions {
    let mut o = UnitsOptions {
        time_column: Some("first".into()),
        ..UnitsOptions::new(control, UNIT_METRICS.map(String::from).to_vec())
    };
    if cuped {
        for m in UNIT_METRICS.iter().filter(|m| !m.contains('=')) {
            let n = m.split(':').next().unwrap();
            o.covariates.insert(n.to_string(), format!("pre_{n}"));
        }
    }
    o
}

/// A log analysis as JSON without what only logs have (the join summary, the ROI).
fn log_json(a: &Analysis) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("join");
        o.remove("roi");
    }
    v
}

/// The unit file's analysis with the log metrics' names, as JSON.
fn renamed(mut a: Analysis) -> serde_json::Value {
    let unit_names: Vec<&str> = UNIT_METRICS
        .iter()
        .map(|m| m.split([':', '=']).next().unwrap())
        .collect();
    let name = |m: &str| -> String {
        let k = unit_names.iter().position(|u| *u == m).unwrap();
        LOG_METRICS[k].to_string()
    };
    fn walk(a: &mut Analysis, name: &dyn Fn(&str) -> String) {
        for r in &mut a.results {
            r.metric = name(&r.metric);
            if let Some(c) = r.cuped.as_mut() {
                c.covariate = format!("pre.{}", r.metric);
            }
        }
        for t in &mut a.timeline {
            t.metric = name(&t.metric);
        }
        for s in &mut a.segments {
            if let Some(x) = s.analysis.as_mut() {
                walk(x, name);
            }
            if let Some(e) = s.error.as_mut() {
                rename_error(e);
            }
        }
        for e in &mut a.skipped {
            rename_error(e);
        }
    }
    walk(&mut a, &name);
    serde_json::to_value(&a).unwrap()
}

#[test]
fn the_join_equals_the_unit_file_computed_independently() {
    let (decisions, events) = logs();
    let outcomes: String = events.iter().map(|e| e.json() + "\n").collect();
    let window = 14 * DAY;
    let units = unit_file(&decisions, &events, window, &in_experiment);
    for (cuped, by_segment) in [(false, false), (true, true)] {
        let options = LogOptions {
            metrics: LOG_METRICS.map(String::from).to_vec(),
            point_value: Some(POINT_VALUE),
            cuped,
            by_segment,
            ..LogOptions::new(EXPERIMENT, "control")
        };
        let got = analyze_logs(
            decisions.as_bytes(),
            "decisions.jsonl",
            outcomes.as_bytes(),
            "outcomes.jsonl",
            &options,
        )
        .unwrap();
        let join = got.join.clone().unwrap();
        assert_eq!(join.decisions as usize, decisions.lines().count());
        assert_eq!(join.units as usize, units.lines().count() - 1);
        assert!(join.units > 2000, "{join:?}");
        let unit_ids: std::collections::BTreeSet<&str> = units
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        let strangers = events
            .iter()
            .filter(|e| !unit_ids.contains(e.customer.as_str()))
            .count();
        assert!(
            strangers > 50,
            "the held-out customers' and the strangers' events"
        );
        assert_eq!(join.unmatched as usize, strangers);
        assert_eq!(join.multiple_variants, 0);
        assert_eq!(join.outcomes as usize, events.len());
        assert!(
            join.attributed > 1000 && join.outside_window > 1000,
            "{join:?}"
        );
        let unit_options = UnitsOptions {
            segment_column: by_segment.then(|| "segment".into()),
            ..unit_options("control", cuped)
        };
        let want = analyze_csv(units.as_bytes(), "units.csv", &unit_options).unwrap();
        assert_eq!(
            first_difference(&log_json(&got), &renamed(want), ""),
            None,
            "cuped {cuped}, by segment {by_segment}"
        );
        assert_eq!(got.results.len(), 15);
        if by_segment {
            assert!(got.segments.len() >= 3, "{:?}", got.segments.len());
        }
        if cuped {
            let c = got.results[1].cuped.as_ref().unwrap();
            assert_eq!(c.covariate, "pre.revenue");
        }
        assert!(!got.timeline.is_empty() && !got.split.is_empty());
    }
    // CSV outcomes are the same events.
    let mut csv = String::from(
        "decisionId,customerId,at,type,offerId,revenue,margin,pointsEarned,pointsRedeemed,discount\n",
    );
    for e in &events {
        let money = if e.kind == "conversion" {
            format!(
                "{},{},{},{},{}",
                e.revenue, e.margin, e.earned, e.redeemed, e.discount
            )
        } else {
            ",,,,".into()
        };
        let _ = writeln!(
            csv,
            "00000000000000aa,{},{},{},{},{money}",
            e.customer,
            e.at,
            e.kind,
            e.offer.unwrap_or("")
        );
    }
    let options = LogOptions {
        metrics: LOG_METRICS.map(String::from).to_vec(),
        point_value: Some(POINT_VALUE),
        ..LogOptions::new(EXPERIMENT, "control")
    };
    let from_jsonl = analyze_logs(
        decisions.as_bytes(),
        "d",
        outcomes.as_bytes(),
        "o",
        &options,
    )
    .unwrap();
    let from_csv =
        analyze_logs(decisions.as_bytes(), "d", csv.as_bytes(), "o.csv", &options).unwrap();
    assert_eq!(from_jsonl, from_csv);
}

fn decision_line(customer: &str, at: &str, variant: &str) -> String {
    format!(
        r#"{{"schema":"offerwise.decision/1","decisionId":"0123456789abcdef","customerId":"{customer}","at":"{at}","modelVersion":"m@000000000000","programVersion":"p@000000000000","policyVersion":null,"segment":null,"variants":{{"x":"{variant}"}},"objective":"margin","context":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"offers":[],"exposures":[{{"experiment":"x","variant":"{variant}","source":"hash","hashAttribute":"id","hashValue":"{customer}","hash":"growthbook-2","seed":"x"}}]}}"#
    )
}

fn conversion(customer: &str, at: &str, revenue: f64) -> String {
    format!(
        r#"{{"schema":"offerwise.outcome/1","decisionId":"0123456789abcdef","customerId":"{customer}","at":"{at}","type":"conversion","revenue":{revenue}}}"#
    )
}

#[test]
fn window_edges_and_two_variant_customers() {
    let mut decisions = String::new();
    for (c, v) in [
        ("a1", "a"),
        ("a2", "a"),
        ("b1", "b"),
        ("b2", "b"),
        ("b3", "b"),
    ] {
        decisions += &decision_line(c, "2024-03-01T00:00:00Z", v);
        decisions.push('\n');
    }
    // Exposed to both variants: left out, and its outcome is of no unit.
    decisions += &decision_line("ab", "2024-03-01T00:00:00Z", "a");
    decisions += "\n\n";
    decisions += &decision_line("ab", "2024-03-02T00:00:00Z", "b");
    let outcomes = [
        conversion("a1", "2024-03-01T00:00:00Z", 10.0), // at exposure: in
        conversion("a2", "2024-03-08T00:00:00Z", 20.0), // window end − 1 day: in
        conversion("a2", "2024-03-09T00:00:00Z", 99.0), // window end: out
        conversion("b1", "2024-02-29T23:59:59Z", 99.0), // before exposure: out
        conversion("b2", "2024-03-04T00:00:00Z", 5.0),
        conversion("b3", "2024-03-05T00:00:00Z", 7.0),
        conversion("b3", "2024-03-06T00:00:00Z", 8.0),
        conversion("ab", "2024-03-02T00:00:00Z", 50.0),
    ]
    .join("\n");
    let options = LogOptions {
        window_days: 8.0,
        metrics: vec!["revenue".into(), "orders".into()],
        ..LogOptions::new("x", "a")
    };
    let a = analyze_logs(
        decisions.as_bytes(),
        "d.jsonl",
        outcomes.as_bytes(),
        "o.jsonl",
        &options,
    )
    .unwrap();
    let j = a.join.unwrap();
    assert_eq!(
        (j.decisions, j.exposures, j.units, j.multiple_variants),
        (7, 7, 5, 1)
    );
    assert_eq!(
        (j.outcomes, j.attributed, j.outside_window, j.unmatched),
        (8, 5, 2, 1)
    );
    let revenue = &a.results[0];
    assert_eq!(revenue.variant, "b");
    assert_eq!(revenue.mean, [(5.0 + 15.0) / 3.0, (10.0 + 20.0) / 2.0]);
    assert_eq!(a.results[1].mean, [1.0, 1.0]);
}

#[test]
fn bad_logs_are_typed_errors_with_line_and_field() {
    let good = decision_line("a1", "2024-03-01T00:00:00Z", "a");
    let run = |d: &str, o: &str, options: &LogOptions| {
        analyze_logs(d.as_bytes(), "d.jsonl", o.as_bytes(), "o.jsonl", options).unwrap_err()
    };
    let opts = LogOptions::new("x", "a");
    let e = run(&format!("{good}\nnot json"), "", &opts);
    assert!(e.code.starts_with("decision."), "{e:?}");
    assert_eq!(e.path, "d.jsonl:2", "{e:?}");
    let bad_variant = good.replace("growthbook-2", "growthbook-7");
    let e = run(&bad_variant, "", &opts);
    assert!(e.code.starts_with("decision."), "{e:?}");
    assert!(e.path.starts_with("d.jsonl:1.exposures"), "{e:?}");
    let e = run(
        &good,
        &format!("\n{}", conversion("a1", "2024-03-01", -3.0)),
        &opts,
    );
    assert_eq!(
        (e.code.as_str(), e.path.as_str()),
        ("outcome.invalid", "o.jsonl:2.revenue")
    );
    let e = run(
        &good,
        "decisionId,customerId,at,type\n0123456789abcdef,a1,2024-03-02,order\n",
        &opts,
    );
    assert_eq!(
        (e.code.as_str(), e.path.as_str()),
        ("outcome.invalid", "o.jsonl:2.type")
    );
    let e = run(&good, "customerId,at,type\n", &opts);
    assert_eq!(e.code, "analysis.unknown_column");
    let e = run(&good, "", &LogOptions::new("y", "a"));
    assert_eq!(e.code, "analysis.no_units");
    let e = run(&good, "", &opts);
    assert_eq!(e.code, "analysis.one_variant");
    for (metrics, path) in [
        (vec!["sales"], "metrics[0]"),
        (vec!["retention:x"], "metrics[0]"),
        (vec!["redemption:"], "metrics[0]"),
        (vec!["incentives"], "metrics[0]"),
        (vec!["revenue", "revenue"], "metric[1]"),
    ] {
        let o = LogOptions {
            metrics: metrics.iter().map(|m| m.to_string()).collect(),
            ..LogOptions::new("x", "a")
        };
        let e = run(&good, "", &o);
        assert_eq!(
            (e.code.as_str(), e.path.as_str()),
            ("analysis.invalid", path),
            "{metrics:?}"
        );
    }
    let o = LogOptions {
        window_days: 0.0,
        ..LogOptions::new("x", "a")
    };
    assert_eq!(run(&good, "", &o).path, "windowDays");
}

#[test]
fn the_programme_against_its_holdout_equals_the_unit_file_too() {
    let (decisions, events) = logs();
    let outcomes: String = events.iter().map(|e| e.json() + "\n").collect();
    let units = unit_file(&decisions, &events, 14 * DAY, &|v| {
        Some(
            if v["holdout"] == true {
                "holdout"
            } else {
                "exposed"
            }
            .to_string(),
        )
    });
    let options = LogOptions {
        metrics: LOG_METRICS.map(String::from).to_vec(),
        point_value: Some(POINT_VALUE),
        holdout: Some(0.05),
        cuped: true,
        ..LogOptions::new("", "holdout")
    };
    let got = analyze_logs(
        decisions.as_bytes(),
        "decisions.jsonl",
        outcomes.as_bytes(),
        "outcomes.jsonl",
        &options,
    )
    .unwrap();
    let join = got.join.clone().unwrap();
    assert_eq!(join.experiment, "holdout");
    assert_eq!(join.units, 2400, "every customer decided for is a unit");
    assert_eq!(join.exposures as usize, decisions.lines().count());
    let held = got.srm.counts["holdout"];
    assert!(held > 60.0 && held < 200.0, "about 5% held out: {held}");
    assert!(got.srm.ok, "the planned 5% split: {:?}", got.srm);
    let unit_options = UnitsOptions {
        weights: Some(BTreeMap::from([
            ("holdout".to_string(), 0.05),
            ("exposed".to_string(), 0.95),
        ])),
        ..unit_options("holdout", true)
    };
    let want = analyze_csv(units.as_bytes(), "units.csv", &unit_options).unwrap();
    assert_eq!(first_difference(&log_json(&got), &renamed(want), ""), None);
    assert!(got
        .results
        .iter()
        .all(|r| r.variant == "exposed" && r.control == "holdout"));
    // The programme's return on its incentives, computed here from the unit file (two-pass
    // moments, the delta method).
    let header: Vec<&str> = units.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (vc, ic, nc) = (col("variant"), col("incentives"), col("net_margin"));
    let group = |v: &str| -> Vec<(f64, f64)> {
        units
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[vc] == v)
            .map(|f| (f[ic].parse().unwrap(), f[nc].parse().unwrap()))
            .collect()
    };
    let moments = |g: &[(f64, f64)]| {
        let n = g.len() as f64;
        let (mi, mn) = (
            g.iter().map(|x| x.0).sum::<f64>() / n,
            g.iter().map(|x| x.1).sum::<f64>() / n,
        );
        let c = |f: &dyn Fn(&(f64, f64)) -> f64| g.iter().map(f).sum::<f64>() / (n - 1.0) / n;
        (
            mi,
            mn,
            c(&|x| (x.0 - mi).powi(2)),
            c(&|x| (x.1 - mn).powi(2)),
            c(&|x| (x.0 - mi) * (x.1 - mn)),
        )
    };
    let (ei, en, evi, evn, ecov) = moments(&group("exposed"));
    let (hi, hn, hvi, hvn, hcov) = moments(&group("holdout"));
    let (di, dn) = (ei - hi, en - hn);
    let (var_i, var_n, cov) = (evi + hvi, evn + hvn, ecov + hcov);
    let r = dn / di;
    let se =
        (var_n / di.powi(2) - 2.0 * dn * cov / di.powi(3) + dn.powi(2) * var_i / di.powi(4)).sqrt();
    let roi = got
        .roi
        .as_ref()
        .expect("the ROI with a point value and the holdout");
    let close = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs() + 1e-12,
            "{what}: {a} vs {b}"
        )
    };
    close(roi.incremental_incentives, di, "incremental incentives");
    close(roi.incremental_net_margin, dn, "incremental net margin");
    close(roi.roi.unwrap(), r, "ROI");
    let z = 1.959_963_984_540_054;
    close(roi.roi_ci.unwrap().0, r - z * se, "ROI low");
    close(roi.roi_ci.unwrap().1, r + z * se, "ROI high");
    close(
        roi.incremental_net_margin_ci.1,
        dn + z * var_n.sqrt(),
        "net margin high",
    );
    let o = LogOptions {
        holdout: Some(1.5),
        ..LogOptions::new("", "holdout")
    };
    let e = analyze_logs(decisions.as_bytes(), "d", outcomes.as_bytes(), "o", &o).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_str()),
        ("analysis.invalid", "holdout")
    );
}

#[test]
fn churn_is_one_minus_conversion_and_incentives_count_cashback_and_gifts() {
    let mut decisions = String::new();
    for (i, v) in ["a", "a", "a", "b", "b", "b", "b"].iter().enumerate() {
        decisions += &decision_line(&format!("c{i}"), "2024-03-01T00:00:00Z", v);
        decisions.push('\n');
    }
    let paid = |c: &str, extra: &str| {
        format!(
            r#"{{"schema":"offerwise.outcome/1","decisionId":"0123456789abcdef","customerId":"{c}","at":"2024-03-02T00:00:00Z","type":"conversion","revenue":40,"margin":12{extra}}}"#
        )
    };
    let outcomes = [
        paid("c0", r#","discount":2,"cashback":1.5"#),
        paid("c1", r#","gifts":3,"pointsRedeemed":100"#),
        paid("c3", ""),
        paid("c4", r#","cashback":0.5"#),
        paid("c5", ""),
    ]
    .join("\n");
    let options = LogOptions {
        window_days: 7.0,
        metrics: vec![
            "conversion".into(),
            "churn".into(),
            "incentives".into(),
            "netMargin".into(),
        ],
        point_value: Some(0.01),
        ..LogOptions::new("x", "a")
    };
    let a = analyze_logs(
        decisions.as_bytes(),
        "d",
        outcomes.as_bytes(),
        "o",
        &options,
    )
    .unwrap();
    let (conv, churn) = (&a.results[0], &a.results[1]);
    for k in 0..2 {
        assert!((churn.mean[k] - (1.0 - conv.mean[k])).abs() < 1e-15);
    }
    assert!((churn.abs_lift + conv.abs_lift).abs() < 1e-15);
    assert!((churn.p_value - conv.p_value).abs() < 1e-12);
    // Incentives: a (control) paid 2 + 1.5, then 3 + 100 × 0.01, then 0, over 3 customers;
    // b paid 0.5 over 4.
    let inc = &a.results[2];
    assert!(
        (inc.mean[1] - (3.5 + 4.0) / 3.0).abs() < 1e-12,
        "{:?}",
        inc.mean
    );
    assert!((inc.mean[0] - 0.5 / 4.0).abs() < 1e-12, "{:?}", inc.mean);
    let net = &a.results[3];
    assert!(
        (net.mean[1] - (12.0 * 2.0 - 7.5) / 3.0).abs() < 1e-12,
        "{:?}",
        net.mean
    );
    // Money on an event that is not an order, or below 0, is an error with its field.
    for (bad, field) in [
        (
            r#"{"schema":"offerwise.outcome/1","decisionId":"0123456789abcdef","customerId":"c0","at":"2024-03-02T00:00:00Z","type":"click","offerId":"o","cashback":1}"#,
            "o:1.cashback",
        ),
        (&paid("c0", r#","gifts":-1"#)[..], "o:1.gifts"),
    ] {
        let e = analyze_logs(decisions.as_bytes(), "d", bad.as_bytes(), "o", &options).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.path.as_str()),
            ("outcome.invalid", field),
            "{e:?}"
        );
    }
}
