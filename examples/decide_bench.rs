//! Native cost of one decision, split into its parts. A benchmark, not a test:
//!
//!     cargo run --release --example decide_bench -- <customers.jsonl> <now> [rounds]
//!
//! Prints ns per customer for: parsing the customer JSON, `Engine::decide` on a parsed
//! customer, preparing a customer and a page view's decision on it (`Engine::prepare`,
//! `Engine::decide_prepared`), serializing the decision to JSON, and the whole (text in, JSON
//! out). `DECIDE_BENCH_ONLY=<label prefix>` times only the parts whose label starts with it,
//! e.g. `DECIDE_BENCH_ONLY=page` for a profile of page views alone.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::Engine;
use std::hint::black_box;
use std::time::Instant;

/// mimalloc instead of the system allocator: a decision makes many small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(now)) = (args.get(1), args.get(2)) else {
        return Err("usage: decide_bench <customers.jsonl> <now> [rounds]".into());
    };
    let rounds: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(5);
    let engine = Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )?;
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let customers: Vec<Customer> = lines
        .iter()
        .map(|l| Customer::from_json(l))
        .collect::<Result<_, _>>()?;
    let options = DecideOptions::at(now);
    let n = (lines.len() * rounds) as f64;
    // `DECIDE_BENCH_ONLY=page` times only the parts whose label starts with it (for a profiler).
    let only = std::env::var("DECIDE_BENCH_ONLY").unwrap_or_default();
    let time = |label: &str, f: &mut dyn FnMut()| {
        if !label.starts_with(only.as_str()) {
            return;
        }
        let t = Instant::now();
        for _ in 0..rounds {
            f();
        }
        println!(
            "{label:<28} {:>10.0} ns/customer",
            t.elapsed().as_nanos() as f64 / n
        );
    };
    println!("{} customers x {rounds} rounds", lines.len());
    time("parse customer JSON", &mut || {
        lines
            .iter()
            .for_each(|l| drop(black_box(Customer::from_json(l))))
    });
    time("decide (parsed customer)", &mut || {
        customers
            .iter()
            .for_each(|c| drop(black_box(engine.decide(c, &options))))
    });
    let prepare_options = offerwise::PrepareOptions {
        now: options.now.clone(),
        time_zone_offset_minutes: 0,
    };
    time("prepare (parsed customer)", &mut || {
        customers
            .iter()
            .for_each(|c| drop(black_box(engine.prepare(c.clone(), &prepare_options))))
    });
    let prepared: Vec<_> = customers
        .iter()
        .map(|c| engine.prepare(c.clone(), &prepare_options))
        .collect::<Result<_, _>>()?;
    time("page view: prepared, no cart", &mut || {
        prepared
            .iter()
            .for_each(|p| drop(black_box(engine.decide_prepared(p, &options))))
    });
    let mut with_cart = options.clone();
    with_cart.cart = Some(serde_json::from_str(r#"{"amount": 42.5}"#)?);
    time("page view: prepared, cart", &mut || {
        prepared
            .iter()
            .for_each(|p| drop(black_box(engine.decide_prepared(p, &with_cart))))
    });
    time("page view: lean, cart", &mut || {
        prepared
            .iter()
            .for_each(|p| drop(black_box(engine.page_view(p, &with_cart))))
    });
    time("decide with cart (parsed)", &mut || {
        customers
            .iter()
            .for_each(|c| drop(black_box(engine.decide(c, &with_cart))))
    });
    let mut no_clv = engine.model().clone();
    no_clv.clv = None;
    let mut program = engine.program().clone();
    program.offers.retain(|o| !o.eligibility.uses_clv());
    for x in &mut program.experiments {
        for v in &mut x.variants {
            v.exclude_offers
                .retain(|id| program.offers.iter().any(|o| &o.id == id));
        }
    }
    let engine_no_clv = Engine::new(no_clv, program)?;
    time("decide without the CLV part", &mut || {
        customers
            .iter()
            .for_each(|c| drop(black_box(engine_no_clv.decide(c, &options))))
    });
    time("parse: serde_json direct", &mut || {
        lines
            .iter()
            .for_each(|l| drop(black_box(serde_json::from_str::<Customer>(l))))
    });
    time("parse: to serde_json::Value", &mut || {
        lines
            .iter()
            .for_each(|l| drop(black_box(serde_json::from_str::<serde_json::Value>(l))))
    });
    let decisions: Vec<_> = if "serialize decision JSON".starts_with(only.as_str()) {
        customers
            .iter()
            .map(|c| engine.decide(c, &options))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    time("serialize decision JSON", &mut || {
        decisions
            .iter()
            .for_each(|d| drop(black_box(serde_json::to_string(d))))
    });
    time("whole: text in, JSON out", &mut || {
        lines.iter().for_each(|l| {
            let d = Customer::from_json(l).and_then(|c| engine.decide(&c, &options));
            drop(black_box(d.map(|d| serde_json::to_string(&d))))
        })
    });
    Ok(())
}
