//! Fuzzing the native engine (issue 15): generated and mutated inputs for every entry point a
//! page, a worker or a data job reaches (the document loaders, decide, prepare and page views,
//! quote, features, conditions, loyalty, the hash helpers, policies, experiment analysis).
//!
//! Each case starts from a valid document (the embedded defaults, the sample customers, the
//! loyalty and condition vectors) and mutates it: values replaced by other types, extreme
//! numbers, long or odd strings, keys dropped or renamed, arrays emptied or repeated, deep
//! nesting, then sometimes the JSON text itself (bytes flipped, inserted, cut). Every call
//! must return a result or a typed error (`<document>.<kind>` code and a path); a panic is a
//! finding. After each new error code the same engine decides a probe customer exactly as
//! before. Calls over 50 ms are reported (not asserted: time depends on the machine).
//!
//! `OFFERWISE_FUZZ_CASES` (default 40,000; `scripts/dev soak` runs 1,000,000) and
//! `OFFERWISE_FUZZ_SEED` (default 15) choose the campaign; a finding prints the seed and the
//! case, and its input is written to `target/fuzz/native-<seed>-<case>.json`;
//! `OFFERWISE_FUZZ_CASE=N` replays case N alone and prints its input and time.
//! `OFFERWISE_FUZZ_TARGETS=quote,hash` fuzzes only those entry points (a campaign per entry
//! point: a million cases each); a case is replayed with the same `OFFERWISE_FUZZ_TARGETS`.

use offerwise::customer::Customer;
use offerwise::engine::{DecideOptions, PrepareOptions};
use offerwise::error::{Doc, Error};
use offerwise::offers::conditions::{Condition, SavedGroups};
use offerwise::Engine;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::SplitMix64;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

const MODEL: &str = include_str!("../models/default.json");
const PROGRAM: &str = include_str!("../models/default-program.json");
const POLICY: &str = include_str!("../models/default-policy.json");
const CUSTOMERS: &str = include_str!("../www/sample-customers.json");

/// rand_xoshiro's SplitMix64: small, seeded, and the same on every platform.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(SplitMix64::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The valid documents cases start from.
struct Corpus {
    model: Value,
    program: Value,
    policy: Value,
    customers: Vec<Value>,
    options: Vec<Value>,
    carts: Vec<Value>,
    loyalty: Vec<Value>,
    conditions: Vec<(Value, Value, Value)>,
}

fn corpus() -> Corpus {
    let program: Value = serde_json::from_str(PROGRAM).unwrap();
    let customers: Vec<Value> = serde_json::from_str(CUSTOMERS).unwrap();
    let carts = vec![
        json!({"amount": 40}),
        json!({"items": [{"category": "jazz", "sku": "cd-1", "price": 30, "qty": 2}]}),
        json!({"items": [{"sku": "a", "price": 0.01, "qty": 1}, {"sku": "b", "price": 999.99, "qty": 3}], "coupon": "X"}),
    ];
    let options = vec![
        json!({"now": "1998-07-01T12:00:00Z"}),
        json!({"now": "1998-07-01T12:00:00Z", "cart": carts[1], "context": {"page": "cart", "channel": "web", "device": "mobile", "country": "DE"}}),
        json!({"now": 899_294_400_000_i64, "timeZoneOffsetMinutes": -300, "cart": carts[0], "ids": {"deviceId": "d-1"}}),
        json!({"now": "1999-01-01", "budgets": {"b": {"spent": 10, "total": 100}}, "forceVariants": {"x": "y"}}),
        json!({"now": "1998-07-01", "assignments": {"version": "offerwise.assignments/1", "experiments": {}}}),
    ];
    let vectors = include_str!("vectors/loyalty.json");
    let vectors: Value = serde_json::from_str(vectors).unwrap();
    let loyalty = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[1].clone())
        .collect();
    let conditions: Value = serde_json::from_str(include_str!("vectors/conditions.json")).unwrap();
    let conditions = conditions["cases"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(40)
        .map(|c| (c[1].clone(), c[2].clone(), c[3].clone()))
        .collect();
    Corpus {
        model: serde_json::from_str(MODEL).unwrap(),
        policy: serde_json::from_str(POLICY).unwrap(),
        program,
        customers,
        options,
        carts,
        loyalty,
        conditions,
    }
}

/// A value of any JSON type, often an edge of its type.
fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 3 { 14 } else { 17 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(0.5)),
        2 => json!(*rng.pick(&[0.0, -0.0, 1e308, -1e308, 5e-324, 0.1, -1.0, 1e15, 1e16])),
        3 => json!(*rng.pick(&[
            0_i64,
            -1,
            1,
            i64::MAX,
            i64::MIN,
            9_007_199_254_740_993,
            2_147_483_648,
            4_294_967_296
        ])),
        4 => json!(u64::MAX),
        5 => json!(rng.next() as f64 / 1e6),
        6 => json!(""),
        7 => json!(*rng.pick(&[
            "1998-07-01",
            "1998-02-30",
            "1998-07-01T25:00:00Z",
            "2024-06-01T12:00:00+14:00",
            "0000-01-01",
            "9999-12-31T23:59:59.999Z",
            "+275760-09-13",
            "1998-07-01T12:00:00",
            "NaN",
            "-Infinity",
            "1e400",
            "  12 ",
            "0x10",
        ])),
        8 => json!(*rng.pick(&[
            "\u{0}",
            "\u{fffd}\u{10ffff}",
            "é\u{301}",
            "👩‍👩‍👧",
            "\u{202e}abc",
            "a\"b\\c",
            "$gt",
            "__proto__",
            "constructor",
            "champions",
            "control",
        ])),
        9 => Value::String("x".repeat(*rng.pick(&[100, 10_000, 1 << 20]))),
        10 => Value::String(
            (0..rng.below(40))
                .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
                .collect(),
        ),
        11 => Value::Array(Vec::new()),
        12 => Value::Object(Map::new()),
        13 => json!(rng.below(1000)),
        14 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        15 => Value::Object(
            (0..rng.below(5))
                .map(|i| (format!("k{i}"), random_value(rng, depth + 1)))
                .collect(),
        ),
        _ => nest(rng.pick(&[10, 126, 127, 128, 1_000, 100_000]).to_owned()),
    }
}

fn nest(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth.min(200) {
        v = Value::Array(vec![v]);
    }
    v
}

/// Every value of a document, by a path of keys and indices.
fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        Value::Array(xs) => {
            for (i, x) in xs.iter().enumerate().take(50) {
                at.push(Step::Index(i));
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                at.push(Step::Key(k.clone()));
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at_path<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    let mut v = v;
    for s in path {
        v = match s {
            Step::Key(k) => &mut v[k.as_str()],
            Step::Index(i) => &mut v[*i],
        };
    }
    v
}

/// One structural mutation of `doc`.
fn mutate_value(rng: &mut Rng, doc: &mut Value) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let path = rng.pick(&all).clone();
    let target = at_path(doc, &path);
    match rng.below(9) {
        0..=2 => *target = random_value(rng, 0),
        3 => {
            if let Value::Object(m) = target {
                if let Some(k) = m.keys().nth(rng.below(m.len())).cloned() {
                    m.remove(&k);
                }
            }
        }
        4 => {
            if let Value::Object(m) = target {
                if let Some(k) = m.keys().nth(rng.below(m.len())).cloned() {
                    let v = m.remove(&k).unwrap_or(Value::Null);
                    m.insert(format!("{k}{}", rng.pick(&["X", "s", "_", ""])), v);
                }
            } else {
                *target = json!({"unknown": target.clone()});
            }
        }
        5 => {
            if let Value::Array(xs) = target {
                if let Some(x) = xs.first().cloned() {
                    // Many copies of a small value (a large one is the size limit's test).
                    let small = x.to_string().len() < 500;
                    let n = if small {
                        *rng.pick(&[2, 100, 5_000])
                    } else {
                        2
                    };
                    xs.extend(std::iter::repeat_n(x, n));
                }
            } else {
                *target = Value::Array(vec![target.clone()]);
            }
        }
        6 => {
            if let Value::Array(xs) = target {
                xs.clear();
            } else if let Value::Object(m) = target {
                m.insert(
                    rng.pick(&["extra", "id", "at", "amount", "now", "$or"])
                        .to_string(),
                    random_value(rng, 0),
                );
            }
        }
        7 => {
            if let Some(x) = target.as_f64() {
                let y = x * rng.pick(&[-1.0, 1e9, 1e-9, 0.0, 1.000_000_1]);
                *target = json!(y);
            } else {
                *target = random_value(rng, 0);
            }
        }
        _ => {
            if let Value::Array(xs) = target {
                if xs.len() > 1 {
                    let i = rng.below(xs.len());
                    let j = rng.below(xs.len());
                    xs.swap(i, j);
                }
            } else {
                *target = nest(rng.below(140));
            }
        }
    }
}

/// Byte-level damage of JSON text (kept valid UTF-8: the engine's input is always text).
fn mutate_text(rng: &mut Rng, text: String) -> String {
    let mut bytes = text.into_bytes();
    for _ in 0..1 + rng.below(3) {
        if bytes.is_empty() {
            break;
        }
        let i = rng.below(bytes.len());
        match rng.below(5) {
            0 => bytes[i] = *rng.pick(b"{}[]\",:0-.e\\ntf"),
            1 => bytes.insert(i, *rng.pick(b"{}[]\",:0-9aE\\ ")),
            2 => {
                let end = (i + 1 + rng.below(20)).min(bytes.len());
                bytes.drain(i..end);
            }
            3 => bytes.truncate(i),
            _ => {
                let end = (i + 1 + rng.below(30)).min(bytes.len());
                let chunk = bytes[i..end].to_vec();
                bytes.splice(i..i, chunk);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A document as text: mostly structurally mutated, sometimes damaged as text.
fn fuzzed(rng: &mut Rng, base: &Value) -> String {
    let mut doc = base.clone();
    if !rng.chance(0.05) {
        for _ in 0..1 + rng.below(3) {
            mutate_value(rng, &mut doc);
        }
    }
    let text = doc.to_string();
    if rng.chance(0.15) {
        mutate_text(rng, text)
    } else {
        text
    }
}

/// What one call gave: `Ok`, a typed error (code, path, the length of its message) or a
/// panic's message.
enum Outcome {
    Ok,
    Typed(String, String, usize),
    Panic(String),
}

fn typed(e: &Error) -> Outcome {
    Outcome::Typed(e.code(), e.path(), e.to_string().len())
}

/// Runs one call, timing it (the input is made before).
fn call(f: impl FnOnce() -> Outcome) -> (Outcome, Duration) {
    let t0 = Instant::now();
    let out = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        Outcome::Panic(
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default(),
        )
    });
    (out, t0.elapsed())
}

/// A code is `<document>.<kind>` (or `limit.exceeded`): two words of letters and `_`.
fn well_formed(code: &str) -> bool {
    let mut parts = code.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

const TARGETS: [&str; 12] = [
    "decide",
    "prepare",
    "pageView",
    "quote",
    "features",
    "engine",
    "policy",
    "condition",
    "loyalty",
    "hash",
    "analyze",
    "lenient",
];

fn probe(engine: &Engine) -> String {
    let c = Customer::from_json(
        r#"{"id": "probe", "orders": [{"at": "1998-01-05", "amount": 30},
            {"at": "1998-03-10", "amount": 55.5}, {"at": "1998-05-20", "amount": 12}]}"#,
    )
    .unwrap();
    let o: DecideOptions =
        serde_json::from_value(json!({"now": "1998-07-01T12:00:00Z", "cart": {"amount": 40}}))
            .unwrap();
    serde_json::to_string(&engine.decide(&c, &o).expect("the probe decides")).unwrap()
}

fn read_options(text: &str) -> Result<DecideOptions, Error> {
    offerwise::json::from_str(Doc::Options, text)
}

#[test]
fn fuzz_every_entry_point() {
    let cases: usize = std::env::var("OFFERWISE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40_000);
    let seed: u64 = std::env::var("OFFERWISE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let corpus = corpus();
    let engine = Engine::from_json(MODEL, PROGRAM).unwrap();
    let mut with_policy = Engine::from_json(MODEL, PROGRAM).unwrap();
    let default_policy = offerwise::offers::policy::Policy::from_json(POLICY).unwrap();
    with_policy
        .set_policy(Some(default_policy.clone()))
        .unwrap();
    let probe_plain = probe(&engine);
    let probe_policy = probe(&with_policy);
    let started = Instant::now();

    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen: BTreeSet<(&str, String)> = BTreeSet::new();
    let mut findings: Vec<String> = Vec::new();
    let mut slow: Vec<(Duration, &str, usize, usize)> = Vec::new();

    // OFFERWISE_FUZZ_TARGETS=a,b fuzzes those entry points only.
    let targets: Vec<&str> = match std::env::var("OFFERWISE_FUZZ_TARGETS") {
        Ok(list) => {
            let chosen: Vec<&str> = TARGETS
                .iter()
                .copied()
                .filter(|t| list.split(',').any(|l| l.trim() == *t))
                .collect();
            let unknown: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|l| !TARGETS.contains(l))
                .collect();
            assert!(
                unknown.is_empty() && !chosen.is_empty(),
                "OFFERWISE_FUZZ_TARGETS={list:?}: unknown {unknown:?}; the entry points are {TARGETS:?}"
            );
            chosen
        }
        Err(_) => TARGETS.to_vec(),
    };
    // OFFERWISE_FUZZ_CASE=N replays one case and prints its input.
    let only: Option<usize> = std::env::var("OFFERWISE_FUZZ_CASE")
        .ok()
        .and_then(|s| s.parse().ok());
    for case in only.map_or(0..cases, |c| c..c + 1) {
        let mut rng = Rng::new(seed.wrapping_mul(0x1000_0000_01b3) ^ case as u64);
        let target = *rng.pick(&targets);
        let input: Vec<String>;
        let (outcome, took) = match target {
            "lenient" => {
                // Lenient mode (the widget's): what it leaves out is reported, well-formed.
                let base = rng.pick(&corpus.customers).clone();
                let customer = fuzzed(&mut rng, &base);
                let opts = rng.pick(&corpus.options).clone();
                let options = fuzzed(&mut rng, &opts);
                input = vec![customer.clone(), options.clone()];
                call(|| {
                    let mut inputs = offerwise::lenient::Inputs::new(
                        Some(&customer),
                        options.as_str().into(),
                        true,
                    );
                    let result =
                        inputs.run_with_customer(|c, o: DecideOptions| engine.decide(&c, &o));
                    let bad = inputs
                        .warnings
                        .iter()
                        .find(|w| !well_formed(&w.code) || w.path.is_empty());
                    if let Some(w) = bad {
                        return Outcome::Panic(format!("a malformed warning: {w:?}"));
                    }
                    match result {
                        Ok(d) => match serde_json::to_string(&d) {
                            Ok(_) => Outcome::Ok,
                            Err(e) => Outcome::Panic(format!("the result does not serialise: {e}")),
                        },
                        Err(e) => typed(&e),
                    }
                })
            }
            "decide" | "prepare" | "pageView" | "quote" | "features" => {
                let base = rng.pick(&corpus.customers).clone();
                let customer = if rng.chance(0.7) {
                    fuzzed(&mut rng, &base)
                } else {
                    base.to_string()
                };
                let opts = rng.pick(&corpus.options).clone();
                let options = if rng.chance(0.5) {
                    fuzzed(&mut rng, &opts)
                } else {
                    opts.to_string()
                };
                let cart = rng.pick(&corpus.carts).clone();
                let cart = fuzzed(&mut rng, &cart);
                input = vec![customer.clone(), options.clone(), cart.clone()];
                let e = if rng.chance(0.3) {
                    &with_policy
                } else {
                    &engine
                };
                call(|| {
                    let c = match Customer::from_json(&customer) {
                        Ok(c) => c,
                        Err(e) => return typed(&e),
                    };
                    let o = match read_options(&options) {
                        Ok(o) => o,
                        Err(e) => return typed(&e),
                    };
                    let r = match target {
                        "decide" => e
                            .decide(&c, &o)
                            .map(|d| serde_json::to_string(&d).map(drop)),
                        "features" => e.features(&c, &o).map(|_| Ok(())),
                        "quote" => match offerwise::json::from_str(Doc::Options, &cart) {
                            Ok(cart) => e.quote(&c, &cart, &o).map(|_| Ok(())),
                            Err(err) => Err(err),
                        },
                        _ => {
                            let p = PrepareOptions {
                                now: o.now.clone(),
                                time_zone_offset_minutes: o.time_zone_offset_minutes,
                            };
                            e.prepare(c, &p).and_then(|p| {
                                if target == "pageView" {
                                    e.page_view(&p, &o).map(|_| Ok(()))
                                } else {
                                    e.decide_prepared(&p, &o).map(|_| Ok(()))
                                }
                            })
                        }
                    };
                    match r {
                        Ok(Ok(())) => Outcome::Ok,
                        Ok(Err(s)) => Outcome::Panic(format!("the result does not serialise: {s}")),
                        Err(e) => typed(&e),
                    }
                })
            }
            "engine" => {
                let (model, program) = if rng.chance(0.5) {
                    (fuzzed(&mut rng, &corpus.model), PROGRAM.to_string())
                } else {
                    (MODEL.to_string(), fuzzed(&mut rng, &corpus.program))
                };
                input = vec![model.clone(), program.clone()];
                call(|| match Engine::from_json(&model, &program) {
                    Ok(e) => {
                        // A loaded engine must decide (or refuse) the probe without panicking.
                        let c = Customer::from_json(
                            r#"{"id": "p", "orders": [{"at": "1998-01-05", "amount": 30}]}"#,
                        )
                        .unwrap();
                        let o = read_options(r#"{"now": "1998-07-01", "cart": {"amount": 10}}"#)
                            .unwrap();
                        match e.decide(&c, &o) {
                            Ok(_) => Outcome::Ok,
                            Err(e) => typed(&e),
                        }
                    }
                    Err(e) => typed(&e),
                })
            }
            "policy" => {
                let text = fuzzed(&mut rng, &corpus.policy);
                input = vec![text.clone()];
                let out = call(|| {
                    match offerwise::offers::policy::Policy::from_json(&text)
                        .and_then(|p| with_policy.set_policy(Some(p)))
                    {
                        Ok(()) => Outcome::Ok,
                        Err(e) => typed(&e),
                    }
                });
                // Back to the default policy whatever happened (a failed set_policy keeps it).
                if matches!(out.0, Outcome::Ok) {
                    let _ = probe_safe(&with_policy);
                    with_policy
                        .set_policy(Some(default_policy.clone()))
                        .unwrap();
                }
                out
            }
            "condition" => {
                let (attrs, cond, groups) = rng.pick(&corpus.conditions).clone();
                let attrs = if rng.chance(0.5) {
                    fuzzed(&mut rng, &attrs)
                } else {
                    attrs.to_string()
                };
                let cond = if rng.chance(0.7) {
                    fuzzed(&mut rng, &cond)
                } else {
                    cond.to_string()
                };
                let groups = if rng.chance(0.2) {
                    fuzzed(&mut rng, &groups)
                } else {
                    groups.to_string()
                };
                input = vec![attrs.clone(), cond.clone(), groups.clone()];
                call(|| {
                    let read = |doc, t: &str| offerwise::json::value_from_str(doc, t);
                    let (a, c, g) = match (
                        read(Doc::Attributes, &attrs),
                        read(Doc::Condition, &cond),
                        read(Doc::SavedGroups, &groups),
                    ) {
                        (Ok(a), Ok(c), Ok(g)) => (a, c, g),
                        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return typed(&e),
                    };
                    let g = match SavedGroups::parse(&g) {
                        Ok(g) => g,
                        Err(e) => return typed(&e.into()),
                    };
                    match Condition::parse(&c) {
                        Ok(c) => {
                            let _ = c.eval(&a, &g);
                            Outcome::Ok
                        }
                        Err(e) => typed(&e.into()),
                    }
                })
            }
            "loyalty" => {
                let base = rng.pick(&corpus.loyalty).clone();
                let text = fuzzed(&mut rng, &base);
                input = vec![text.clone()];
                call(|| {
                    match offerwise::json::from_str::<offerwise::loyalty::EvaluateInput>(
                        Doc::Loyalty,
                        &text,
                    ) {
                        Ok(i) => match i.evaluate() {
                            Ok(_) => Outcome::Ok,
                            Err(e) => Outcome::Typed(
                                e.code().into(),
                                e.path().into(),
                                e.to_string().len(),
                            ),
                        },
                        Err(e) => typed(&e),
                    }
                })
            }
            "hash" => {
                let seed_s = random_value(&mut rng, 0).to_string();
                let value = random_value(&mut rng, 0).to_string();
                let n = rng.below(30);
                let coverage = *rng.pick(&[
                    None,
                    Some(0.0),
                    Some(0.5),
                    Some(1.0),
                    Some(-1.0),
                    Some(2.0),
                    Some(f64::NAN),
                ]);
                let weights: Vec<f64> = (0..rng.below(5))
                    .map(|_| *rng.pick(&[0.5, 0.0, -1.0, 1.0, f64::NAN, 1e308]))
                    .collect();
                let version = rng.below(4) as u32;
                input = vec![seed_s.clone(), value.clone()];
                call(|| {
                    use offerwise::experiments::hash;
                    let h = hash::growthbook(&seed_s, &value, version);
                    let _ = hash::offerwise1(&seed_s, &value);
                    let ranges = hash::bucket_ranges(
                        n,
                        coverage,
                        (!weights.is_empty()).then_some(&weights[..]),
                    );
                    let _ = hash::equal_weights(n);
                    let _ = hash::choose_variation(h.unwrap_or(f64::NAN), &ranges);
                    let _ = hash::in_namespace(&value, &seed_s, coverage.unwrap_or(0.0), 1.0);
                    Outcome::Ok
                })
            }
            _ => {
                let mut csv = String::from("variant,converted,revenue\n");
                for i in 0..rng.below(200) {
                    csv.push_str(&format!(
                        "{},{},{}\n",
                        if i % 2 == 0 { "control" } else { "b" },
                        rng.below(2),
                        rng.below(100)
                    ));
                }
                let csv = if rng.chance(0.6) {
                    mutate_text(&mut rng, csv)
                } else {
                    csv
                };
                let options = fuzzed(
                    &mut rng,
                    &json!({"control": "control", "metrics": ["converted", "revenue"]}),
                );
                input = vec![csv.clone(), options.clone()];
                call(|| analyze(&csv, &options))
            }
        };
        if only.is_some() {
            eprintln!("case {case} ({target}), {took:?}: inputs {input:?}");
        }
        if took > Duration::from_millis(50) {
            slow.push((took, target, case, input.iter().map(String::len).sum()));
        }
        let entry = counts.entry(target).or_default();
        entry.0 += 1;
        match outcome {
            Outcome::Ok => {}
            Outcome::Typed(code, path, message) => {
                entry.1 += 1;
                if !well_formed(&code) {
                    findings.push(format!("{target} case {case}: malformed code {code:?}"));
                    save(seed, case, &input);
                }
                // A caller's text is named by its start and length (offerwise::error::quoted):
                // the bounds of pkg-tests/lib/fuzz.mjs (MAX_PATH, MAX_MESSAGE).
                if path.len() > 16_384 || message > 20_480 {
                    findings.push(format!(
                        "{target} case {case}: {code} with a path of {} and a message of {message} bytes: a caller's text named whole",
                        path.len()
                    ));
                    save(seed, case, &input);
                }
                *codes.entry(code.clone()).or_default() += 1;
                if seen.insert((target, code))
                    && !same_after(&engine, &with_policy, &probe_plain, &probe_policy)
                {
                    findings.push(format!(
                        "{target} case {case}: the engine decides differently after the error"
                    ));
                }
            }
            Outcome::Panic(message) => {
                findings.push(format!("{target} case {case}: PANIC {message}"));
                save(seed, case, &input);
            }
        }
        if case % 10_000 == 9_999 && !same_after(&engine, &with_policy, &probe_plain, &probe_policy)
        {
            findings.push(format!("case {case}: the engine decides differently"));
        }
    }
    slow.sort_by_key(|s| std::cmp::Reverse(s.0));
    eprintln!(
        "fuzz (native): {cases} cases, seed {seed}, entry points {targets:?}, {:.1} s; cases and errors per entry point: {counts:?}",
        started.elapsed().as_secs_f64()
    );
    eprintln!("error codes: {codes:?}");
    eprintln!(
        "calls over 50 ms: {} (slowest: {:?})",
        slow.len(),
        slow.iter()
            .take(10)
            .map(|(d, t, c, n)| format!("{t} case {c} {} ms, {n} B", d.as_millis()))
            .collect::<Vec<_>>()
    );
    assert!(
        findings.is_empty(),
        "seed {seed}: {} findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
    assert!(
        only.is_some() || targets.len() < TARGETS.len() || codes.len() > 10,
        "the campaign reaches few errors: {codes:?}"
    );
}

fn probe_safe(engine: &Engine) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| probe(engine))).ok()
}

fn same_after(engine: &Engine, with_policy: &Engine, plain: &str, policy: &str) -> bool {
    probe_safe(engine).as_deref() == Some(plain)
        && probe_safe(with_policy).as_deref() == Some(policy)
}

#[cfg(feature = "data")]
fn analyze(csv: &str, options: &str) -> Outcome {
    let options: offerwise::analysis::units::UnitsOptions =
        match offerwise::json::from_str(Doc::Options, options) {
            Ok(o) => o,
            Err(e) => return typed(&e),
        };
    match offerwise::analysis::units::analyze_csv(csv.as_bytes(), "units", &options) {
        Ok(a) => match serde_json::to_string(&a) {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::Panic(format!("the analysis does not serialise: {e}")),
        },
        Err(e) => {
            let message = e.to_string().len();
            Outcome::Typed(e.code, e.path, message)
        }
    }
}

#[cfg(not(feature = "data"))]
fn analyze(_: &str, _: &str) -> Outcome {
    Outcome::Ok
}

/// Writes a finding's input where the next session finds it.
fn save(seed: u64, case: usize, input: &[String]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        dir.join(format!("native-{seed}-{case}.json")),
        serde_json::to_string(input).unwrap_or_default(),
    );
}
