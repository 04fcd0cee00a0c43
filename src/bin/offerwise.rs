//! `offerwise`: train models, compute features, decide and score from the command line.
//!
//! The default model (`models/default.json`, trained on CDNOW) and programme
//! (`models/default-program.json`) are embedded, so `offerwise score --orders F --now T` works
//! with no other file. Run `offerwise --help` for every command.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::error::Doc;
use offerwise::json;
use offerwise::model::{Algorithm, Model, Transform};
use offerwise::program::Program;
use offerwise::train::{self, KChoice, TrainConfig};
use offerwise::transactions::{self, Format, Transaction};
use offerwise::{Engine, Error};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const DEFAULT_MODEL: &str = include_str!("../../models/default.json");
const DEFAULT_PROGRAM: &str = include_str!("../../models/default-program.json");

#[derive(Parser)]
#[command(
    name = "offerwise",
    version,
    about = "Offers and personalization engine for loyalty programmes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a segmentation model (scaler + k-means) from a transaction file.
    Train(TrainArgs),
    /// Write the per-customer feature matrix (raw, or scaled exactly as the clustering sees it).
    Features(FeaturesArgs),
    /// Decide for one customer (a customer JSON file) and print the decision.
    Decide(DecideArgs),
    /// Quote a cart for a customer: points earned, most points burnable, price after burning,
    /// tier after the order.
    Quote(QuoteArgs),
    /// Decide for every customer of a transaction file; one decision JSON per line.
    Score(ScoreArgs),
    /// Fit BG/NBD + Gamma-Gamma and report; with a holdout, predicted versus actual purchases.
    Clv(ClvArgs),
    /// Convert a transaction file into customer JSON documents (the input of `decide`), one per line.
    Customers(CustomersArgs),
}

#[derive(Args)]
struct OrdersArgs {
    /// The transaction file (CSV with a header, or CDNOW text).
    #[arg(long)]
    orders: PathBuf,
    /// `csv` or `cdnow`.
    #[arg(long, default_value = "csv")]
    format: Format,
    /// Count and report bad rows instead of stopping at the first one.
    #[arg(long)]
    skip_bad_rows: bool,
}

#[derive(Args)]
struct EngineArgs {
    /// Model file (default: the embedded models/default.json).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Programme file (default: the embedded models/default-program.json).
    #[arg(long)]
    program: Option<PathBuf>,
}

#[derive(Args)]
struct TrainArgs {
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
    /// Do not fit the lifetime-value (BG/NBD + Gamma-Gamma) part.
    #[arg(long)]
    no_clv: bool,
    /// Model name (default: the output file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Where to write the model JSON.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct ClvArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// End of the calibration period: purchases up to this instant are fitted.
    #[arg(long)]
    calibration_end: String,
    /// End of the holdout period: predicted purchases in (calibration end, holdout end] are
    /// compared with the actual ones.
    #[arg(long)]
    holdout_end: Option<String>,
    /// Time unit of the model: days or weeks.
    #[arg(long, default_value = "weeks")]
    time_unit: String,
    /// L2 penalty on the parameters, as lifetimes' penalizer_coef.
    #[arg(long, default_value_t = 0.0)]
    penalizer: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct FeaturesArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// The instant the features are computed at.
    #[arg(long)]
    now: String,
    /// Model whose features and scaler to use (default: the embedded default).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Write the model's features scaled as the clustering sees them.
    #[arg(long)]
    scaled: bool,
    /// Output CSV (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct DecideArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Customer JSON file (`-` for standard input).
    #[arg(long)]
    customer: PathBuf,
    /// The instant of the decision (ISO 8601 or epoch milliseconds).
    #[arg(long)]
    now: String,
    /// Minutes east of UTC of the shop's time zone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tz_offset: i32,
    /// A cart JSON file (`{"items": [{sku?, category?, price, qty?}]}` or `{"amount": 42.5}`):
    /// the decision then quotes it.
    #[arg(long)]
    cart: Option<PathBuf>,
    /// Print on one line instead of indented.
    #[arg(long)]
    compact: bool,
}

#[derive(Args)]
struct QuoteArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Customer JSON file (`-` for standard input).
    #[arg(long)]
    customer: PathBuf,
    /// Cart JSON file: `{"items": [{sku?, category?, price, qty?}]}` or `{"amount": 42.5}`.
    #[arg(long)]
    cart: PathBuf,
    /// The instant of the quote (ISO 8601 or epoch milliseconds).
    #[arg(long)]
    now: String,
    /// Minutes east of UTC of the shop's time zone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tz_offset: i32,
    /// Print on one line instead of indented.
    #[arg(long)]
    compact: bool,
}

#[derive(Args)]
struct ScoreArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    orders: OrdersArgs,
    /// The instant of the decisions.
    #[arg(long)]
    now: String,
    /// Minutes east of UTC of the shop's time zone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tz_offset: i32,
    /// Output JSON Lines (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct CustomersArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// Only the first N customers (in order of first appearance).
    #[arg(long)]
    limit: Option<usize>,
    /// Output JSON Lines (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

/// A failure with its exit code: 2 for bad input, 1 for anything else.
struct Failure(u8, String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(2, format!("error[{}]: {e}", e.code()))
    }
}

fn io_fail(path: &Path, e: io::Error) -> Failure {
    Failure(1, format!("error: {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => cmd_train(a),
        Command::Features(a) => cmd_features(a),
        Command::Decide(a) => cmd_decide(a),
        Command::Score(a) => cmd_score(a),
        Command::Customers(a) => cmd_customers(a),
        Command::Clv(a) => cmd_clv(a),
        Command::Quote(a) => cmd_quote(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

fn read_text(path: &Path) -> Result<String, Failure> {
    if path == Path::new("-") {
        let mut s = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut s).map_err(|e| io_fail(path, e))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| io_fail(path, e))
}

fn output(path: &Path) -> Result<Box<dyn Write>, Failure> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::new(io::stdout().lock())));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_fail(dir, e))?;
    }
    Ok(Box::new(BufWriter::new(
        File::create(path).map_err(|e| io_fail(path, e))?,
    )))
}

fn parse_now(now: &str, offset: i32) -> Result<i64, Failure> {
    let options = DecideOptions {
        now: now_value(now),
        time_zone_offset_minutes: offset,
        cart: None,
    };
    Ok(options.resolve()?.0)
}

fn now_value(now: &str) -> offerwise::customer::TimeValue {
    match now.parse::<i64>() {
        Ok(ms) if now.len() != 8 => offerwise::customer::TimeValue::Millis(ms as f64),
        _ => offerwise::customer::TimeValue::Text(now.to_string()),
    }
}

fn read_orders(args: &OrdersArgs) -> Result<Vec<Transaction>, Failure> {
    let file = File::open(&args.orders).map_err(|e| io_fail(&args.orders, e))?;
    let (rows, report) =
        transactions::read(io::BufReader::new(file), args.format, args.skip_bad_rows)?;
    if !report.ignored_columns.is_empty() {
        eprintln!(
            "note: ignoring columns {}",
            report.ignored_columns.join(", ")
        );
    }
    if report.skipped > 0 {
        eprintln!(
            "warning: skipped {} bad rows of {} (--skip-bad-rows); the first:",
            report.skipped, report.rows
        );
        for e in &report.first_errors {
            eprintln!("  {e}");
        }
    }
    Ok(rows)
}

fn load_engine(args: &EngineArgs) -> Result<Engine, Failure> {
    let model = match &args.model {
        Some(p) => Model::from_json(&read_text(p)?)?,
        None => Model::from_json(DEFAULT_MODEL)?,
    };
    let program = match &args.program {
        Some(p) => Program::from_json(&read_text(p)?)?,
        None => Program::from_json(DEFAULT_PROGRAM)?,
    };
    let engine = Engine::new(model, program)?;
    for w in engine.warnings() {
        eprintln!(
            "warning[{}]: programme at {}: {}",
            w.code, w.path, w.message
        );
    }
    Ok(engine)
}

fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"
    ));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn cmd_train(a: TrainArgs) -> Result<(), Failure> {
    let now = parse_now(&a.now, 0)?;
    let k = match (&a.k, &a.k_range) {
        (Some(k), None) => KChoice::Fixed(*k),
        (None, Some(r)) => {
            let (lo, hi) = r.split_once("..").ok_or_else(|| {
                Failure(
                    2,
                    format!("error: --k-range {r:?} must be LOW..HIGH, e.g. 3..8"),
                )
            })?;
            let parse = |s: &str| {
                s.trim().parse::<usize>().map_err(|_| {
                    Failure(
                        2,
                        format!("error: --k-range {r:?} must be LOW..HIGH with whole numbers"),
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
                format!("error: --transform {other:?} must be log1p or identity"),
            ))
        }
    };
    let algorithm = match a.algorithm.as_str() {
        "kmeans" => Algorithm::Kmeans,
        "gmm" => Algorithm::Gmm,
        other => {
            return Err(Failure(
                2,
                format!("error: --algorithm {other:?} must be kmeans or gmm"),
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
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let matrix = train::feature_matrix(&customers, &a.features, now)?;
    if !matrix.left_out.is_empty() {
        eprintln!(
            "note: {} customers lack a clustering feature and are not clustered (first: {})",
            matrix.left_out.len(),
            matrix.left_out.first().map(String::as_str).unwrap_or("")
        );
    }
    let data = train::DataInfo {
        source: format!(
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
        ),
        transactions: rows.len() as u64,
        fingerprint: train::fingerprint(
            rows.iter()
                .map(|t| (t.customer_id.as_str(), t.at, t.amount)),
        ),
        now,
    };
    let mut model = train::train(&config, &matrix, &data, |k| match algorithm {
        Algorithm::Kmeans => eprintln!("fitting k-means with k = {k} ({} restarts)", a.n_init),
        Algorithm::Gmm => eprintln!("fitting a Gaussian mixture with k = {k}"),
    })
    .map_err(|e| Failure(1, format!("error: {e}")))?;
    if !a.no_clv {
        let unit = time_unit(&a.clv_time_unit)?;
        eprintln!("fitting BG/NBD + Gamma-Gamma ({})", a.clv_time_unit);
        let clv = train::fit_clv(&customers, now, unit, a.clv_penalizer)
            .map_err(|e| Failure(1, format!("error: lifetime value: {e} (or use --no-clv)")))?;
        model.clv = Some(clv);
    }
    let mut out = output(&a.out)?;
    serde_json::to_writer_pretty(&mut out, &model)
        .map_err(|e| Failure(1, format!("error: {e}")))?;
    writeln!(out)
        .and_then(|_| out.flush())
        .map_err(|e| io_fail(&a.out, e))?;
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

fn time_unit(s: &str) -> Result<offerwise::clv::TimeUnit, Failure> {
    match s {
        "days" => Ok(offerwise::clv::TimeUnit::Days),
        "weeks" => Ok(offerwise::clv::TimeUnit::Weeks),
        other => Err(Failure(
            2,
            format!("error: time unit {other:?} must be days or weeks"),
        )),
    }
}

fn cmd_clv(a: ClvArgs) -> Result<(), Failure> {
    use offerwise::clv;
    let unit = time_unit(&a.time_unit)?;
    let cal = parse_now(&a.calibration_end, 0)?;
    let holdout = a
        .holdout_end
        .as_deref()
        .map(|h| parse_now(h, 0))
        .transpose()?;
    if holdout.is_some_and(|h| h <= cal) {
        return Err(Failure(
            2,
            "error: --holdout-end must be after --calibration-end".into(),
        ));
    }
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let started = Instant::now();
    let summaries = train::clv_summaries(&customers, cal, holdout, unit)?;
    let calibration: Vec<clv::CustomerSummary> = summaries.iter().map(|(s, _)| *s).collect();
    let model = clv::fit_clv(&calibration, unit, cal, a.penalizer)
        .map_err(|e| Failure(1, format!("error[{}]: {e}", e.code())))?;
    let fit_secs = started.elapsed().as_secs_f64();
    let report = match holdout {
        Some(h) => {
            let customers: Vec<clv::HoldoutCustomer> = summaries
                .iter()
                .map(|(s, n)| clv::HoldoutCustomer {
                    summary: *s,
                    holdout_purchases: f64::from(*n),
                })
                .collect();
            let duration = clv::holdout_duration(cal, h, unit);
            Some(
                clv::validation_report(&model.bgnbd, &customers, duration)
                    .map_err(|e| Failure(1, format!("error[{}]: {e}", e.code())))?,
            )
        }
        None => None,
    };
    let unit_name = if unit == clv::TimeUnit::Days {
        "days"
    } else {
        "weeks"
    };
    if a.json {
        let json = serde_json::json!({
            "timeUnit": unit_name,
            "calibrationEnd": offerwise::time::format_instant(cal),
            "holdoutEnd": holdout.map(offerwise::time::format_instant),
            "customers": calibration.len(),
            "repeatBuyers": model.fit.n_repeat_buyers,
            "penalizer": a.penalizer,
            "bgnbd": {
                "r": model.bgnbd.r, "alpha": model.bgnbd.alpha, "a": model.bgnbd.a, "b": model.bgnbd.b,
                "logLikelihood": model.fit.log_likelihood, "iterations": model.fit.iterations, "converged": model.fit.converged,
            },
            "gammaGamma": model.gamma_gamma.as_ref().map(|g| serde_json::json!({
                "p": g.p, "q": g.q, "v": g.v,
                "logLikelihood": model.fit.gamma_gamma.as_ref().map(|r| r.log_likelihood),
                "customers": model.fit.gamma_gamma.as_ref().map(|r| r.n_customers),
            })),
            "holdout": report,
            "fitSeconds": fit_secs,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json).map_err(|e| Failure(1, format!("error: {e}")))?
        );
        return Ok(());
    }
    let b = &model.bgnbd;
    println!("BG/NBD ({unit_name}; calibration end {}; {} customers, {} repeat buyers; fitted in {:.2} s)", offerwise::time::format_instant(cal), calibration.len(), model.fit.n_repeat_buyers, fit_secs);
    println!(
        "  r = {:.4}  alpha = {:.4}  a = {:.4}  b = {:.4}",
        b.r, b.alpha, b.a, b.b
    );
    println!(
        "  log-likelihood {:.2}; {} iterations, {}",
        model.fit.log_likelihood,
        model.fit.iterations,
        if model.fit.converged {
            "converged"
        } else {
            "NOT converged"
        }
    );
    match (&model.gamma_gamma, &model.fit.gamma_gamma) {
        (Some(g), Some(r)) => {
            println!("Gamma-Gamma ({} repeat buyers with spend)", r.n_customers);
            println!(
                "  p = {:.4}  q = {:.4}  v = {:.4}  log-likelihood {:.2}",
                g.p, g.q, g.v, r.log_likelihood
            );
        }
        _ => println!("Gamma-Gamma: not fitted (every repeat buyer spent 0)"),
    }
    if let Some(r) = report {
        println!("Holdout ({:.1} {unit_name}): predicted {:.1} purchases, actual {:.0}; correlation per customer {}", r.holdout_duration, r.total_predicted, r.total_actual, r.correlation.map_or("undefined".into(), |c| format!("{c:.4}")));
        println!(
            "  {:>28} {:>10} {:>15} {:>12}",
            "calibration repeat purchases", "customers", "mean predicted", "mean actual"
        );
        for row in &r.by_frequency {
            let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.3}"));
            println!(
                "  {:>28} {:>10} {:>15} {:>12}",
                row.frequency,
                row.customers,
                f(row.mean_predicted),
                f(row.mean_actual)
            );
        }
    }
    Ok(())
}

fn cmd_features(a: FeaturesArgs) -> Result<(), Failure> {
    let now = parse_now(&a.now, 0)?;
    let model = match &a.model {
        Some(p) => Model::from_json(&read_text(p)?)?,
        None => Model::from_json(DEFAULT_MODEL)?,
    };
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let mut out = output(&a.out)?;
    let fail = |e: io::Error| io_fail(&a.out, e);
    if a.scaled {
        let matrix = train::feature_matrix(&customers, &model.features, now)?;
        let scaled = train::scale(&matrix.raw, &model.scaler);
        train::write_matrix_csv(&mut out, &matrix.ids, &model.features, &scaled).map_err(fail)?;
        if !matrix.left_out.is_empty() {
            eprintln!(
                "note: {} customers lack a model feature and are left out",
                matrix.left_out.len()
            );
        }
    } else {
        let names = offerwise::features::NUMERIC_FEATURES;
        writeln!(out, "customer_id,{}", names.join(",")).map_err(fail)?;
        for c in &customers {
            let valid = c.validate(now, 0)?;
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
            writeln!(out, "{},{}", valid.id, cells.join(",")).map_err(fail)?;
        }
    }
    out.flush().map_err(fail)?;
    Ok(())
}

fn cmd_decide(a: DecideArgs) -> Result<(), Failure> {
    let engine = load_engine(&a.engine)?;
    let customer = Customer::from_json(&read_text(&a.customer)?)?;
    let cart = match &a.cart {
        Some(p) => {
            Some(json::from_str(Doc::Options, &read_text(p)?).map_err(|e| cart_error(e, p))?)
        }
        None => None,
    };
    let options = DecideOptions {
        now: now_value(&a.now),
        time_zone_offset_minutes: a.tz_offset,
        cart,
    };
    let decision = engine.decide(&customer, &options)?;
    let text = if a.compact {
        serde_json::to_string(&decision)
    } else {
        serde_json::to_string_pretty(&decision)
    };
    println!("{}", text.map_err(|e| Failure(1, format!("error: {e}")))?);
    Ok(())
}

/// Errors in a cart file are about the file, not the call's options.
fn cart_error(e: Error, path: &Path) -> Failure {
    Failure(2, format!("error[cart.invalid]: {}: {}", path.display(), e))
}

fn cmd_quote(a: QuoteArgs) -> Result<(), Failure> {
    let engine = load_engine(&a.engine)?;
    let customer = Customer::from_json(&read_text(&a.customer)?)?;
    let cart: offerwise::loyalty::Cart =
        json::from_str(Doc::Options, &read_text(&a.cart)?).map_err(|e| cart_error(e, &a.cart))?;
    let options = DecideOptions {
        now: now_value(&a.now),
        time_zone_offset_minutes: a.tz_offset,
        cart: None,
    };
    let quote = engine.quote(&customer, &cart, &options)?;
    let text = if a.compact {
        serde_json::to_string(&quote)
    } else {
        serde_json::to_string_pretty(&quote)
    };
    println!("{}", text.map_err(|e| Failure(1, format!("error: {e}")))?);
    Ok(())
}

fn cmd_score(a: ScoreArgs) -> Result<(), Failure> {
    let engine = load_engine(&a.engine)?;
    let options = DecideOptions {
        now: now_value(&a.now),
        time_zone_offset_minutes: a.tz_offset,
        cart: None,
    };
    options.resolve()?;
    let started = Instant::now();
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let read_secs = started.elapsed().as_secs_f64();
    let mut out = output(&a.out)?;
    let bar = progress_bar(customers.len() as u64, "customers");
    let decide_started = Instant::now();
    let mut by_segment = std::collections::BTreeMap::<String, u64>::new();
    let mut offers = 0u64;
    for c in &customers {
        let d = engine.decide(c, &options).map_err(|e| match e {
            Error::Invalid {
                doc: Doc::Customer,
                path,
                message,
            } => Failure(
                2,
                format!(
                    "error[customer.invalid]: customer {}: {path}: {message}",
                    c.id.0
                ),
            ),
            other => other.into(),
        })?;
        *by_segment
            .entry(
                d.segment
                    .as_ref()
                    .map_or("(no segment)".into(), |s| s.name.clone()),
            )
            .or_default() += 1;
        offers += d.offers.len() as u64;
        serde_json::to_writer(&mut out, &d).map_err(|e| Failure(1, format!("error: {e}")))?;
        writeln!(out).map_err(|e| io_fail(&a.out, e))?;
        bar.inc(1);
    }
    out.flush().map_err(|e| io_fail(&a.out, e))?;
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
        eprintln!("  {name:<22} {n:>6}");
    }
    eprintln!(
        "  offers: {offers} in all; decisions written to {}",
        a.out.display()
    );
    Ok(())
}

fn cmd_customers(a: CustomersArgs) -> Result<(), Failure> {
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let mut out = output(&a.out)?;
    for c in customers.iter().take(a.limit.unwrap_or(usize::MAX)) {
        serde_json::to_writer(&mut out, c).map_err(|e| Failure(1, format!("error: {e}")))?;
        writeln!(out).map_err(|e| io_fail(&a.out, e))?;
    }
    out.flush().map_err(|e| io_fail(&a.out, e))?;
    Ok(())
}
