//! `offerwise train`: a segmentation (k-means or a Gaussian mixture) and the lifetime-value model.

use crate::clv::purchase_model_arg;
use crate::common::*;
use clap::Args;
use offerwise::error::quoted;
use offerwise::model::{Algorithm, Model, Transform};
use offerwise::train::{self, KChoice, Step, TrainConfig, TrainError};
use offerwise::transactions::Format;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub(crate) struct TrainArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// Number of segments.
    #[arg(long, conflicts_with = "k_range")]
    k: Option<usize>,
    /// Try every k in LOW..HIGH (inclusive) and keep the best mean silhouette.
    #[arg(long, value_name = "LOW..HIGH")]
    k_range: Option<String>,
    /// Clustering algorithm: kmeans, or gmm (a Gaussian mixture with full covariances, EM from
    /// a seeded k-means start).
    #[arg(long, default_value = "kmeans")]
    algorithm: String,
    /// The instant the features are computed at (ISO 8601), e.g. the day after the data ends.
    #[arg(long)]
    now: String,
    /// Backtest as of `--now`: leave out the orders after it (counted in the report) instead
    /// of stopping at the first one.
    #[arg(long)]
    as_of: bool,
    /// Clustering features, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "recencyDays,frequency,monetary"
    )]
    features: Vec<String>,
    /// Feature transform before standardizing: log1p or identity.
    #[arg(long, default_value = "log1p")]
    transform: String,
    /// k-means++ restarts per k; the lowest inertia is kept (k-means only).
    #[arg(long, default_value_t = 10)]
    n_init: usize,
    /// Iterations at most per restart (EM iterations for gmm).
    #[arg(long, default_value_t = 300)]
    max_iter: u64,
    /// Convergence tolerance on centroid movement (scaled space); for gmm, on the change of the
    /// mean log-likelihood.
    #[arg(long, default_value_t = 1e-6)]
    tolerance: f64,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Time unit of the lifetime-value model: days or weeks.
    #[arg(long, default_value = "weeks")]
    clv_time_unit: String,
    /// L2 penalty of the lifetime-value fit (lifetimes' penalizer_coef).
    #[arg(long, default_value_t = 0.0)]
    clv_penalizer: f64,
    /// Purchase / churn model of the lifetime-value part: auto (chosen by holdout
    /// performance on the last third of the data, see README), bgnbd, mbgnbd or pareto-nbd.
    #[arg(long, default_value = "auto")]
    clv_model: String,
    /// Do not fit the lifetime-value (purchase model + Gamma-Gamma) part.
    #[arg(long)]
    no_clv: bool,
    /// Model name (default: the output file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Where to write the model JSON.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn cmd_train(a: TrainArgs) -> Result<(), Failure> {
    let now = parse_now(&a.now, 0)?;
    let k = match (&a.k, &a.k_range) {
        (Some(k), None) => KChoice::Fixed(*k),
        (None, Some(r)) => {
            let (lo, hi) = r.split_once("..").ok_or_else(|| {
                Failure(
                    2,
                    format!(
                        "error: --k-range {r:?} must be LOW..HIGH, e.g. 3..8",
                        r = quoted(r)
                    ),
                )
            })?;
            let parse = |s: &str| {
                s.trim().parse::<usize>().map_err(|_| {
                    Failure(
                        2,
                        format!(
                            "error: --k-range {r:?} must be LOW..HIGH with whole numbers",
                            r = quoted(r)
                        ),
                    )
                })
            };
            KChoice::Range(parse(lo)?, parse(hi)?)
        }
        _ => KChoice::Fixed(5),
    };
    let transform = match a.transform.as_str() {
        "log1p" => Transform::Log1p,
        "identity" => Transform::Identity,
        other => {
            return Err(Failure(
                2,
                format!(
                    "error: --transform {other:?} must be log1p or identity",
                    other = quoted(other)
                ),
            ))
        }
    };
    let algorithm = match a.algorithm.as_str() {
        "kmeans" => Algorithm::Kmeans,
        "gmm" => Algorithm::Gmm,
        other => {
            return Err(Failure(
                2,
                format!(
                    "error: --algorithm {other:?} must be kmeans or gmm",
                    other = quoted(other)
                ),
            ))
        }
    };
    let name = a.name.clone().unwrap_or_else(|| {
        a.out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    });
    let config = TrainConfig {
        name,
        features: a.features.clone(),
        transform,
        k,
        algorithm,
        n_init: a.n_init,
        max_iter: a.max_iter,
        tolerance: a.tolerance,
        seed: a.seed,
    }
    .check()
    .map_err(|e| Failure(2, format!("error: {e}")))?;
    let started = Instant::now();
    let rows = as_of(read_orders(&a.orders)?, now, a.as_of);
    let source = format!(
        "{} ({})",
        a.orders
            .orders
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        if a.orders.format == Format::Cdnow {
            "cdnow"
        } else {
            "csv"
        }
    );
    let clv = if a.no_clv {
        None
    } else {
        Some(train::ClvParams {
            unit: time_unit(&a.clv_time_unit)?,
            penalizer: a.clv_penalizer,
            model: purchase_model_arg("--clv-model", &a.clv_model)?,
        })
    };
    let trained = train::train_transactions(&rows, &config, &source, now, clv, |step| match step {
        Step::Features { .. } => {}
        Step::Cluster { k, .. } => match algorithm {
            Algorithm::Kmeans => eprintln!("fitting k-means with k = {k} ({} restarts)", a.n_init),
            Algorithm::Gmm => eprintln!("fitting a Gaussian mixture with k = {k}"),
        },
        Step::Clv { model } => eprintln!(
            "fitting {} + Gamma-Gamma ({})",
            model.map_or("the purchase model chosen on a holdout", |k| k.name()),
            a.clv_time_unit
        ),
    })
    .map_err(|e| match e {
        TrainError::Data(e) => Failure::from(e),
        TrainError::Fit(e) => Failure(1, format!("error: {e}")),
        TrainError::Clv { code, message } => Failure(
            1,
            format!("error: lifetime value: {message} [{code}] (or use --no-clv)"),
        ),
    })?;
    let left_out = &trained.matrix.left_out;
    if !left_out.is_empty() {
        eprintln!(
            "note: {} customers lack a clustering feature and are not clustered (first: {})",
            left_out.len(),
            left_out.first().map(String::as_str).unwrap_or("")
        );
    }
    let model = trained.model;
    if let Some(sel) = model.clv.as_ref().and_then(|c| c.selection.as_ref()) {
        for c in &sel.candidates {
            match (c.score, &c.error) {
                (Some(s), _) => eprintln!("  {:<10} holdout score {s:.4}", c.model.name()),
                (None, Some(e)) => eprintln!("  {:<10} refused: {e}", c.model.name()),
                (None, None) => {}
            }
        }
        if let Some(clv) = &model.clv {
            eprintln!(
                "  purchase model {}: {}",
                clv.purchase_model.name(),
                sel.reason
            );
        }
    }
    let mut out = output(&a.out)?;
    serde_json::to_writer_pretty(&mut out, &model)
        .map_err(|e| Failure(1, format!("error: {e}")))?;
    writeln!(out).map_err(|e| io_fail(&a.out, e))?;
    out.finish()?;
    eprintln!(
        "trained {} on {} customers in {:.1} s: k = {}, inertia {:.4}, silhouette {:.4}",
        model.version,
        model.training.rows,
        started.elapsed().as_secs_f64(),
        model.segments.len(),
        model.training.inertia,
        model.training.silhouette
    );
    if let Some(m) = &model.training.mixture {
        eprintln!("mean log-likelihood per customer {:.6}", m.log_likelihood);
    }
    eprint!("{}", train_report(&model));
    Ok(())
}

/// The per-k scores (when a range was tried) and every segment's profile, as `train` prints them.
fn train_report(model: &Model) -> String {
    let mut out = String::new();
    let scores = &model.training.k_scores;
    if !scores.is_empty() {
        let gmm = scores.iter().any(|s| s.log_likelihood.is_some());
        out.push_str(&format!(
            "  {:>3} {:>14} {:>11}{}\n",
            "k",
            "inertia",
            "silhouette",
            if gmm { "  log-likelihood" } else { "" }
        ));
        for s in scores {
            let chosen = if s.k == model.segments.len() {
                "  <- chosen"
            } else {
                ""
            };
            let ll = s
                .log_likelihood
                .map(|l| format!(" {l:>15.6}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {:>3} {:>14.4} {:>11.4}{ll}{chosen}\n",
                s.k, s.inertia, s.silhouette
            ));
        }
    }
    out.push_str(&format!(
        "  {:>2} {:<24} {:<20} {:>7} {:>13} {:>10} {:>9}\n",
        "id", "name", "role", "size", "recency days", "frequency", "monetary"
    ));
    for s in &model.segments {
        let mean = |f: &str| {
            s.profile
                .get(f)
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into())
        };
        out.push_str(&format!(
            "  {:>2} {:<24} {:<20} {:>7} {:>13} {:>10} {:>9}\n",
            s.id,
            s.name,
            s.role.map(|r| r.id()).unwrap_or("-"),
            s.size,
            mean("recencyDays"),
            mean("frequency"),
            mean("monetary")
        ));
    }
    out
}

pub(crate) fn time_unit(s: &str) -> Result<offerwise::clv::TimeUnit, Failure> {
    match s {
        "days" => Ok(offerwise::clv::TimeUnit::Days),
        "weeks" => Ok(offerwise::clv::TimeUnit::Weeks),
        other => Err(Failure(
            2,
            format!(
                "error: time unit {other:?} must be days or weeks",
                other = quoted(other)
            ),
        )),
    }
}
