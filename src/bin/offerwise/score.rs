//! `offerwise score`: every customer of a transaction file, as JSON lines or a flat table.

use crate::common::*;
use clap::Args;
use offerwise::engine::DecideOptions;
use offerwise::train;
use offerwise::transactions::{self, Format};
use rayon::prelude::*;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub(crate) struct ScoreArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    orders: OrdersArgs,
    /// The instant of the decisions.
    #[arg(long)]
    now: String,
    /// Backtest as of `--now`: leave out the orders after it (counted in the report) instead
    /// of stopping at the first one.
    #[arg(long)]
    as_of: bool,
    /// Minutes east of UTC of the shop's time zone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tz_offset: i32,
    /// Output file (`-` for standard output), written whole or not at all.
    #[arg(long)]
    out: PathBuf,
    /// `jsonl` (one decision JSON per line) or `csv` (a flat table: customer, segment, churn
    /// risk, CLV, top offers, tier, points). Default: `csv` when --out ends in .csv, else `jsonl`.
    #[arg(long, value_parser = ["jsonl", "csv"])]
    out_format: Option<String>,
}

pub(crate) fn cmd_score(a: ScoreArgs) -> Result<(), Failure> {
    let engine = load_engine(&a.engine)?;
    if a.engine.model.is_none() && a.orders.format != Format::Cdnow {
        eprintln!(
            "note: scoring with the embedded default model {} (trained on the CDNOW music club, 1997-98); \
             for your own shop, train one on your data (offerwise train) and pass --model",
            engine.model().version
        );
    }
    let options = DecideOptions {
        now: now_value(&a.now),
        time_zone_offset_minutes: a.tz_offset,
        cart: None,
        context: None,
        budgets: Default::default(),
        ids: Default::default(),
        assignments: None,
        force_variants: Default::default(),
    };
    let (now, _) = options.resolve()?;
    let csv = match a.out_format.as_deref() {
        Some(f) => f == "csv",
        None => a
            .out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
    };
    let started = Instant::now();
    let rows = as_of(read_orders(&a.orders)?, now, a.as_of);
    let customers = transactions::customers(&rows);
    let read_secs = started.elapsed().as_secs_f64();
    let mut out = output(&a.out)?;
    let fail = |e: io::Error| io_fail(&a.out, e);
    let max_offers = engine.program().max_offers;
    if csv {
        writeln!(out, "{}", score_csv_header(max_offers)).map_err(fail)?;
    }
    let bar = progress_bar(customers.len() as u64, "customers");
    let decide_started = Instant::now();
    let mut by_segment = std::collections::BTreeMap::<String, u64>::new();
    let mut offers = 0u64;
    // Customers are decided and their lines made on every core (rayon), a block at a time,
    // while a writer thread writes the block before, in input order: the output is the same
    // as one core's, and the first customer in error is the one reported.
    const BLOCK: usize = 2048;
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<String>>(1);
    let writer = std::thread::spawn(move || -> io::Result<Output> {
        for block in receive {
            for line in block {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
        Ok(out)
    });
    let mut failed = None;
    for block in customers.chunks(BLOCK) {
        let lines: Vec<Result<(String, String, usize), Failure>> = block
            .par_iter()
            .map(|c| {
                let d = engine
                    .decide(c, &options)
                    .map_err(|e| customer_fail(c, e))?;
                let segment = d.segment.as_ref().map_or("(no segment)".into(), |s| {
                    format!("{} ({})", s.name, s.role.id())
                });
                let line = if csv {
                    score_csv_row(&d, max_offers)
                } else {
                    serde_json::to_string(&d).map_err(|e| Failure(1, format!("error: {e}")))?
                };
                Ok((line, segment, d.offers.len()))
            })
            .collect();
        let mut text = Vec::with_capacity(lines.len());
        for r in lines {
            match r {
                Ok((line, segment, n)) => {
                    *by_segment.entry(segment).or_default() += 1;
                    offers += n as u64;
                    text.push(line);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // A failed send means the writer stopped on an error, which joining it gives.
        if failed.is_some() || send.send(text).is_err() {
            break;
        }
        bar.inc(block.len() as u64);
    }
    drop(send);
    let written = writer
        .join()
        .map_err(|_| Failure(1, "error: the output writer stopped".into()))?;
    if let Some(e) = failed {
        // The partial output is removed (dropping it removes its temporary file).
        drop(written);
        return Err(e);
    }
    let out = written.map_err(fail)?;
    out.finish()?;
    bar.finish_and_clear();
    let secs = decide_started.elapsed().as_secs_f64();
    eprintln!(
        "scored {} customers ({} transactions) with {} in {:.3} s ({:.0} ns per customer; reading {:.3} s)",
        customers.len(),
        rows.len(),
        engine.model().version,
        secs,
        secs * 1e9 / customers.len().max(1) as f64,
        read_secs
    );
    for (name, n) in &by_segment {
        eprintln!("  {name:<36} {n:>6}");
    }
    eprintln!(
        "  offers: {offers} in all; decisions written to {} ({})",
        a.out.display(),
        if csv { "csv" } else { "jsonl" }
    );
    Ok(())
}

/// The columns of `score --out-format csv`.
fn score_csv_header(max_offers: usize) -> String {
    let mut cols: Vec<String> = [
        "customer_id",
        "segment_id",
        "segment",
        "role",
        "churn_risk",
        "p_alive",
        "expected_purchases",
        "clv",
        "tier",
        "points_balance",
        "points_available",
        "orders",
        "recency_days",
        "total_spend",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cols.extend((1..=max_offers).map(|i| format!("offer_{i}")));
    cols.join(",")
}

/// One decision as a row of [`score_csv_header`]: numbers in shortest round-trip form, empty
/// cells for what the decision does not have.
fn score_csv_row(d: &offerwise::Decision, max_offers: usize) -> String {
    let num = |v: Option<f64>| v.map(|v| format!("{v:?}")).unwrap_or_default();
    let mut cells: Vec<String> = vec![
        train::csv_field(&d.customer_id).into_owned(),
        d.segment
            .as_ref()
            .map(|s| s.id.to_string())
            .unwrap_or_default(),
        d.segment
            .as_ref()
            .map(|s| train::csv_field(&s.name).into_owned())
            .unwrap_or_default(),
        d.segment
            .as_ref()
            .map(|s| s.role.id().to_string())
            .unwrap_or_default(),
        num(d.clv.as_ref().map(|c| c.churn_risk)),
        num(d.clv.as_ref().map(|c| c.p_alive)),
        num(d.clv.as_ref().map(|c| c.expected_purchases)),
        num(d.clv.as_ref().and_then(|c| c.clv)),
        d.loyalty
            .tier
            .as_ref()
            .map(|t| train::csv_field(&t.id).into_owned())
            .unwrap_or_default(),
        d.loyalty.ledger.balance.to_string(),
        d.loyalty.ledger.available.to_string(),
        d.features.frequency.to_string(),
        num(d.features.recency_days),
        num(Some(d.features.total_spend)),
    ];
    cells.extend((0..max_offers).map(|i| {
        d.offers
            .get(i)
            .map(|o| train::csv_field(&o.id).into_owned())
            .unwrap_or_default()
    }));
    cells.join(",")
}
