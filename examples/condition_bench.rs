//! Benchmark: compiling and evaluating the conditions of `tests/vectors/conditions.json`.
//!
//! `cargo run --release --example condition_bench [rounds]`. Every case of the corpus is
//! compiled once; the figures are the median (of 15 batches) time per `Condition::eval` over
//! all cases, over the cases with a `$regex`/`$regexi`, and per `Condition::parse`.

use offerwise::offers::conditions::{Condition, SavedGroups};
use serde_json::Value;
use std::hint::black_box;
use std::time::Instant;

const CORPUS: &str = include_str!("../tests/vectors/conditions.json");

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let corpus: Value = serde_json::from_str(CORPUS).expect("corpus is JSON");
    let cases = corpus["cases"].as_array().expect("cases");
    let mut all = Vec::new();
    for c in cases {
        let groups = SavedGroups::parse(&c[3]).expect("saved groups");
        let cond = Condition::parse(&c[2]).expect("condition");
        let regex = c[2].to_string().contains("\"$regex");
        all.push((cond, c[1].clone(), groups, regex));
    }
    let time = |only_regex: bool| {
        let n = all.iter().filter(|x| !only_regex || x.3).count();
        let batches = (0..15)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..rounds {
                    for (cond, attrs, groups, regex) in &all {
                        if !only_regex || *regex {
                            black_box(cond.eval(black_box(attrs), groups));
                        }
                    }
                }
                t.elapsed().as_nanos() as f64 / (f64::from(rounds) * n as f64)
            })
            .collect();
        (n, median(batches))
    };
    let (n, ns) = time(false);
    println!("eval, all {n} cases: {ns:.0} ns per condition");
    let (n, ns) = time(true);
    println!("eval, {n} cases with $regex/$regexi: {ns:.0} ns per condition");
    let parse = (0..15)
        .map(|_| {
            let t = Instant::now();
            for c in cases {
                black_box(Condition::parse(black_box(&c[2])).ok());
            }
            t.elapsed().as_nanos() as f64 / cases.len() as f64
        })
        .collect();
    println!("parse (compile): {:.0} ns per condition", median(parse));
}
