//! Benchmark: evaluating an account with 1,000 lots and 500 orders, with a cart.
//!
//! `cargo run --release --example loyalty_bench [iterations]`; with `LOYALTY_BENCH_DUMP=<file>`
//! it also writes the input as one `evaluateLoyalty` document, which `bench/loyalty.mjs` times
//! in wasm.
//!
//! The data is in `examples/common/mod.rs` (shared with the wasm benchmark).
//! Inputs are deserialized once; the figure is the time of `evaluate` alone (median of 15
//! batches), then of JSON parsing + `evaluate`.

use offerwise::loyalty::{
    evaluate, AccountInput, Cart, EvaluateOptions, LoyaltyRules, MoneyFormat, OrderInput,
};
mod common;

use common::{account_and_history, cart, rules, NOW};
use std::hint::black_box;
use std::time::Instant;

fn median_ns(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut batches: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iterations {
                f();
            }
            t.elapsed().as_nanos() as f64 / f64::from(iterations)
        })
        .collect();
    batches.sort_by(f64::total_cmp);
    batches[batches.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u32 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20);
    let now = NOW;
    let (account_json, history_json) = account_and_history(now);
    let (rules_text, account_text, history_text, cart_text) = (
        rules().to_string(),
        account_json.to_string(),
        history_json.to_string(),
        cart().to_string(),
    );
    if let Ok(path) = std::env::var("LOYALTY_BENCH_DUMP") {
        let input = serde_json::json!({
            "rules": rules(), "account": account_json, "history": history_json, "cart": cart(),
            "now": now, "timeZoneOffsetMinutes": 180, "maxNudges": 3, "money": { "code": "RUB" },
        });
        std::fs::write(&path, input.to_string())?;
    }
    let rules: LoyaltyRules = serde_json::from_str(&rules_text)?;
    let account: AccountInput = serde_json::from_str(&account_text)?;
    let history: Vec<OrderInput> = serde_json::from_str(&history_text)?;
    let cart: Cart = serde_json::from_str(&cart_text)?;
    let options = EvaluateOptions {
        now_ms: now,
        time_zone_offset_minutes: 180,
        max_nudges: 3,
        money: MoneyFormat {
            code: "RUB".into(),
            symbol: None,
        },
        cart_offers: Vec::new(),
    };
    let state = evaluate(&rules, &account, &history, Some(&cart), &options)?;
    let lots_created = state.ledger.totals;
    println!(
        "account: {} opening lots + {} operations ({} lots with points now), {} orders, cart of {} lines",
        account.points.len(),
        account.operations.len(),
        state.ledger.lots,
        history.len(),
        cart.items.len()
    );
    println!("flows: {lots_created:?}");
    println!(
        "tier {:?}, balance {}, quote earns {:?} points, nudges {}",
        state.tier.as_ref().map(|t| t.id.as_str()),
        state.ledger.balance,
        state.quote.as_ref().map(|q| q.earn.points),
        state.nudges.len()
    );
    let ns = median_ns(iterations, || {
        let s = evaluate(
            black_box(&rules),
            black_box(&account),
            black_box(&history),
            Some(black_box(&cart)),
            &options,
        );
        black_box(s.is_ok());
    });
    println!(
        "evaluate: {:.0} ns per evaluation ({:.3} ms), median of 15 batches of {iterations}",
        ns,
        ns / 1e6
    );
    let ns = median_ns(iterations, || {
        let r: Result<(), Box<dyn std::error::Error>> = (|| {
            let rules: LoyaltyRules = serde_json::from_str(black_box(&rules_text))?;
            let account: AccountInput = serde_json::from_str(black_box(&account_text))?;
            let history: Vec<OrderInput> = serde_json::from_str(black_box(&history_text))?;
            let cart: Cart = serde_json::from_str(black_box(&cart_text))?;
            black_box(evaluate(&rules, &account, &history, Some(&cart), &options)?);
            Ok(())
        })();
        black_box(r.is_ok());
    });
    println!(
        "JSON parse + evaluate: {:.0} ns per evaluation ({:.3} ms)",
        ns,
        ns / 1e6
    );
    Ok(())
}
