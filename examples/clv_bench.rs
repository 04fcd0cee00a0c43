//! Benchmark: fit BG/NBD + Gamma-Gamma on all 23,570 CDNOW customers and time predictions.
//!
//! ```text
//! cargo run --release --example clv_bench --features train [-- path/to/CDNOW_master.txt]
//! ```
//!
//! Setup as the published CDNOW analyses: weeks, calibration end 1997-09-30 (holdout to
//! 1998-06-30 for the validation table). The Python counterpart is
//! `scripts/clv_bench.py` (lifetimes 0.11.3).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use offerwise::clv::{
    fit_clv, summarize_with_holdout, validation_report, ClvOptions, CustomerSummary,
    HoldoutCustomer, TimeUnit, DAY_MS,
};

/// Relative to the crate root; `data/cdnow/CDNOW_master.txt` in the offerwise repository.
const CDNOW_MASTER: &str = "data/cdnow/CDNOW_master.txt";

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn ms(yyyymmdd: i64) -> i64 {
    days_from_civil(yyyymmdd / 10_000, yyyymmdd / 100 % 100, yyyymmdd % 100) * DAY_MS
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(CDNOW_MASTER));

    let t0 = Instant::now();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut customers: BTreeMap<u32, (Vec<i64>, Vec<f64>)> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let [id, date, _cds, value] = cols.as_slice() else {
            return Err(format!("line {}: expected 4 columns", i + 1).into());
        };
        let entry = customers.entry(id.parse()?).or_default();
        entry.0.push(ms(date.parse()?));
        entry.1.push(value.parse()?);
    }
    let t_parse = t0.elapsed();

    let cal_end = ms(19_970_930);
    let hold_end = ms(19_980_630);
    let t1 = Instant::now();
    let mut holdout = Vec::with_capacity(customers.len());
    for (ts, amounts) in customers.values() {
        if let Some(h) = summarize_with_holdout(ts, amounts, cal_end, hold_end, TimeUnit::Weeks)? {
            holdout.push(h);
        }
    }
    let summaries: Vec<CustomerSummary> = holdout.iter().map(|h| h.calibration).collect();
    let t_summary = t1.elapsed();

    // Fit (repeat to get a stable time; the result is deterministic).
    const FIT_RUNS: u32 = 5;
    let mut fit_times = Vec::new();
    let mut model = None;
    for _ in 0..FIT_RUNS {
        let t = Instant::now();
        model = Some(fit_clv(&summaries, TimeUnit::Weeks, cal_end, 0.0)?);
        fit_times.push(t.elapsed().as_secs_f64());
    }
    let model = model.ok_or("no fit")?;
    fit_times.sort_by(f64::total_cmp);

    // Predictions: every customer, several passes.
    let opts = ClvOptions {
        horizon_periods: 39.0,
        clv_months: 12,
        margin: 0.3,
        monthly_discount_rate: 0.01,
    };
    const PASSES: u32 = 5;
    let t2 = Instant::now();
    let mut total_clv = 0.0;
    for _ in 0..PASSES {
        for s in &summaries {
            let p = model.predict(black_box(s), &opts)?;
            total_clv += p.clv.unwrap_or(0.0);
        }
    }
    let per_customer = t2.elapsed().as_nanos() as f64 / f64::from(PASSES) / summaries.len() as f64;
    // p_alive + expected purchases only (no CLV loop).
    let purchase = model.purchase()?;
    let t3 = Instant::now();
    let mut total_exp = 0.0;
    for _ in 0..PASSES {
        for s in &summaries {
            let s = black_box(s);
            total_exp += purchase.p_alive(s.frequency, s.recency, s.t)?;
            total_exp += purchase.expected_purchases(39.0, s.frequency, s.recency, s.t)?;
        }
    }
    let per_customer_bg =
        t3.elapsed().as_nanos() as f64 / f64::from(PASSES) / summaries.len() as f64;

    let validation: Vec<HoldoutCustomer> = holdout
        .iter()
        .map(|h| HoldoutCustomer {
            summary: h.calibration,
            holdout_purchases: f64::from(h.holdout_purchases),
        })
        .collect();
    let report = validation_report(&purchase, &validation, 39.0)?;

    println!(
        "CDNOW master: {} customers, {} repeat buyers",
        summaries.len(),
        model.fit.n_repeat_buyers
    );
    println!(
        "parse {:.1} ms, summaries {:.1} ms",
        t_parse.as_secs_f64() * 1e3,
        t_summary.as_secs_f64() * 1e3
    );
    println!(
        "fit BG/NBD + Gamma-Gamma: median {:.1} ms, min {:.1} ms over {FIT_RUNS} runs",
        fit_times
            .get(fit_times.len() / 2)
            .copied()
            .unwrap_or(f64::NAN)
            * 1e3,
        fit_times.first().copied().unwrap_or(f64::NAN) * 1e3
    );
    println!("  {} {:?}", model.purchase_model.name(), purchase);
    println!(
        "  LL {:.4}, {} iterations, converged {}",
        model.fit.log_likelihood, model.fit.iterations, model.fit.converged
    );
    println!("  Gamma-Gamma {:?}", model.gamma_gamma);
    println!("  {:?}", model.fit.gamma_gamma);
    println!(
        "predict (p_alive + E[purchases 39 w] + order value + 12-month CLV): {per_customer:.0} ns/customer"
    );
    println!("p_alive + E[purchases 39 w] only: {per_customer_bg:.0} ns/customer");
    println!(
        "holdout: predicted {:.1}, actual {:.0}, correlation {:.4}",
        report.total_predicted,
        report.total_actual,
        report.correlation.unwrap_or(f64::NAN)
    );
    println!("(checksums {total_clv:.3} {total_exp:.3})");
    Ok(())
}
