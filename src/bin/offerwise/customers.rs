//! `offerwise customers`: transaction files into customer documents.

use crate::common::*;
use clap::Args;
use offerwise::engine::DecideOptions;
use offerwise::transactions;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct CustomersArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// Give each customer a loyalty account that earned every order's points under the
    /// programme's rules (quoted at the time of the order); needs --now.
    #[arg(long, requires = "now")]
    earn_points: bool,
    /// The instant the accounts are built at (with --earn-points).
    #[arg(long)]
    now: Option<String>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Only the first N customers (in order of first appearance).
    #[arg(long)]
    limit: Option<usize>,
    /// Output JSON Lines (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn cmd_customers(a: CustomersArgs) -> Result<(), Failure> {
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let mut out = output(&a.out)?;
    let earn = match (&a.now, a.earn_points) {
        (Some(now), true) => Some((
            load_engine(&a.engine)?,
            DecideOptions {
                now: now_value(now),
                time_zone_offset_minutes: 0,
                cart: None,
                context: None,
                budgets: Default::default(),
                ids: Default::default(),
                assignments: None,
                force_variants: Default::default(),
            },
        )),
        _ => None,
    };
    let mut written = 0usize;
    for c in customers.iter().take(a.limit.unwrap_or(usize::MAX)) {
        let c = match &earn {
            Some((engine, options)) => &offerwise::backfill::earn_from_orders(engine, c, options)
                .map_err(|e| customer_fail(c, e))?,
            None => c,
        };
        serde_json::to_writer(&mut out, c).map_err(|e| Failure(1, format!("error: {e}")))?;
        writeln!(out).map_err(|e| io_fail(&a.out, e))?;
        written += 1;
    }
    out.finish()?;
    eprintln!(
        "wrote {written} of {} customers to {}",
        customers.len(),
        a.out.display()
    );
    Ok(())
}
