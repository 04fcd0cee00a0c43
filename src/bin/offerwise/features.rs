//! `offerwise features`: the feature matrix, raw or scaled as the clustering sees it.

use crate::common::*;
use clap::Args;
use offerwise::model::Model;
use offerwise::train;
use offerwise::transactions;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct FeaturesArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// The instant the features are computed at.
    #[arg(long)]
    now: String,
    /// Backtest as of `--now`: leave out the orders after it (counted in the report) instead
    /// of stopping at the first one.
    #[arg(long)]
    as_of: bool,
    /// Model whose features and scaler to use (default: the embedded default).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Public keys (a JWK or key set): the model file must carry a valid signature by one of
    /// them (`FILE.sig`, from `offerwise sign`).
    #[arg(long, value_name = "FILE", requires = "model")]
    trust_key: Option<PathBuf>,
    /// Write the model's features scaled as the clustering sees them.
    #[arg(long)]
    scaled: bool,
    /// Output CSV (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn cmd_features(a: FeaturesArgs) -> Result<(), Failure> {
    let now = parse_now(&a.now, 0)?;
    let model = match &a.model {
        Some(p) => Model::from_json(&read_trusted(p, a.trust_key.as_deref())?)?,
        None => Model::from_json(DEFAULT_MODEL)?,
    };
    let rows = as_of(read_orders(&a.orders)?, now, a.as_of);
    let customers = transactions::customers(&rows);
    let mut out = output(&a.out)?;
    let fail = |e: io::Error| io_fail(&a.out, e);
    let (written, columns) = if a.scaled {
        let matrix = train::feature_matrix(&customers, &model.features, now)?;
        let scaled = train::scale(&matrix.raw, &model.scaler);
        train::write_matrix_csv(&mut out, &matrix.ids, &model.features, &scaled).map_err(fail)?;
        if !matrix.left_out.is_empty() {
            eprintln!(
                "note: {} customers lack a model feature and are left out (first: {})",
                matrix.left_out.len(),
                matrix.left_out.first().map(String::as_str).unwrap_or("")
            );
        }
        (matrix.ids.len(), model.features.len())
    } else {
        let names = offerwise::features::NUMERIC_FEATURES;
        writeln!(out, "customer_id,{}", names.join(",")).map_err(fail)?;
        for c in &customers {
            let valid = c.validate(now, 0).map_err(|e| customer_fail(c, e))?;
            let f = offerwise::features::Features::compute(&valid, now, 0);
            let cells: Vec<String> = names
                .iter()
                .map(|n| {
                    f.value(n)
                        .ok()
                        .flatten()
                        .map(|v| format!("{v:?}"))
                        .unwrap_or_default()
                })
                .collect();
            writeln!(out, "{},{}", train::csv_field(&valid.id), cells.join(",")).map_err(fail)?;
        }
        (customers.len(), names.len())
    };
    out.finish()?;
    eprintln!(
        "wrote {written} customers x {columns} {} features at {} to {}",
        if a.scaled { "scaled" } else { "raw" },
        offerwise::time::format_instant(now),
        a.out.display()
    );
    Ok(())
}
