//! Native batch throughput of the history part of a decision (features, segment and lifetime
//! value: `Engine::profile`) on synthetic customers (`offerwise::synth`), on every core. A
//! benchmark, not a test: it asserts nothing about time.
//!
//!     cargo run --release --features cli --example batch_bench -- [customers] [threads] [held]
//!
//! Prints, for `customers` (default 10,000,000) made and profiled in parallel blocks (made on
//! the fly, never held): the seconds to make them alone and to make and profile them; and for
//! `held` customers (default 1,000,000) made beforehand: the seconds to profile them, and
//! customers per second.

use offerwise::customer::TimeValue;
use offerwise::{synth, Engine, PrepareOptions};
use rayon::prelude::*;
use std::time::Instant;

/// mimalloc instead of the system allocator: a decision makes many small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED: u64 = 42;
const BLOCK: u64 = 4096;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let threads: usize = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(0);
    let held: u64 = args
        .get(3)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let engine = Engine::from_json(
        include_str!("../models/default.json"),
        include_str!("../models/default-program.json"),
    )?;
    let options = PrepareOptions {
        now: TimeValue::Millis(synth::NOW_MS as f64),
        time_zone_offset_minutes: 0,
    };
    println!(
        "{n} synthetic customers (seed {SEED}), {} threads",
        rayon::current_num_threads()
    );
    let blocks = n.div_ceil(BLOCK);
    let range = |b: u64| b * BLOCK..((b + 1) * BLOCK).min(n);

    let t = Instant::now();
    let orders: usize = (0..blocks)
        .into_par_iter()
        .map(|b| {
            range(b)
                .map(|i| synth::customer(SEED, i).orders.len())
                .sum::<usize>()
        })
        .sum();
    let make = t.elapsed().as_secs_f64();
    println!("make only:             {make:>8.3} s ({orders} orders)");

    let t = Instant::now();
    let with_clv: Result<usize, offerwise::Error> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            range(b).try_fold(0usize, |k, i| {
                let p = engine.profile(&synth::customer(SEED, i), &options)?;
                Ok(k + usize::from(p.clv.is_some()))
            })
        })
        .try_reduce(|| 0, |a, b| Ok(a + b));
    let both = t.elapsed().as_secs_f64();
    println!(
        "make and profile:      {both:>8.3} s ({} with a lifetime value); profile alone ~{:.0} customers/s",
        with_clv?,
        n as f64 / (both - make).max(f64::MIN_POSITIVE)
    );

    let customers: Vec<_> = (0..held)
        .into_par_iter()
        .map(|i| synth::customer(SEED, i))
        .collect();
    let t = Instant::now();
    let segments: Result<Vec<usize>, offerwise::Error> = customers
        .par_iter()
        .map(|c| {
            Ok(engine
                .profile(c, &options)?
                .segment
                .map_or(usize::MAX, |s| s.id))
        })
        .collect();
    let s = t.elapsed().as_secs_f64();
    let segments = segments?;
    println!(
        "profile {held} held:  {s:>8.3} s = {:.0} customers/s ({} segmented)",
        held as f64 / s,
        segments.iter().filter(|&&k| k != usize::MAX).count()
    );
    Ok(())
}
