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
use offerwise::model::{Model, Transform};
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
    #[command(after_help = ORDERS_HELP)]
    Train(TrainArgs),
    /// Write the per-customer feature matrix (raw, or scaled exactly as the clustering sees it).
    #[command(after_help = ORDERS_HELP)]
    Features(FeaturesArgs),
    /// Decide for one customer (a customer JSON file) and print the decision.
    Decide(DecideArgs),
    /// Quote a cart for a customer: points earned, most points burnable, price after burning,
    /// tier after the order.
    Quote(QuoteArgs),
    /// Decide for every customer of a transaction file; one decision JSON per line.
    #[command(after_help = ORDERS_HELP)]
    Score(ScoreArgs),
    /// Fit BG/NBD + Gamma-Gamma and report; with a holdout, predicted versus actual purchases.
    #[command(after_help = ORDERS_HELP)]
    Clv(ClvArgs),
    /// Convert a transaction file into customer JSON documents (the input of `decide`), one per line.
    #[command(after_help = ORDERS_HELP)]
    Customers(CustomersArgs),
    /// Evaluate a targeting condition (GrowthBook syntax) against attributes; prints `true` or
    /// `false` (exit 2 for a malformed condition, with its code and path).
    EvalCondition(EvalConditionArgs),
}

/// The transaction file format, shown by `--help` of every command that reads one.
const ORDERS_HELP: &str = "\
Transaction files (--orders):
  CSV (--format csv, the default): a header row, columns in any order and any case
  (spaces, _ and - ignored), separated by ',' or --delimiter:
    customer_id  (or customer, user_id, client_id, member_id)             required
    date         (or timestamp, time, datetime, order_date, created_at,
                  invoice_date, purchase_date)                            required
    amount       (or total, revenue, sales, value, order_total,
                  line_total, dollar_value)                               required, >= 0
    price        (or unit_price): without amount, amount = price x quantity
    order_id     (or order, order_number, invoice, invoice_no, invoice_id,
                  transaction_id): rows with one order id are lines of one
                  order and must agree on customer and time
    quantity     (or qty, units, number_of_cds)                           default 1
    category     (or product_category), sku (or product_id, item_id, stock_code)
  Times: 2024-03-01, 20240301, 2024-03-01T10:30[:15.250] (UTC),
  2024-03-01T10:30:00Z / +03:00 / -0500, or epoch seconds (a number not 8 digits long).
  CDNOW (--format cdnow): whitespace-separated customer_id YYYYMMDD number_of_cds
  dollar_value (the 1/10 sample's extra sample-id column is read too).
Exit codes: 0 success, 2 bad input (including a missing or unreadable input file),
1 anything else; 141 when the output pipe was closed (e.g. | head).";

#[derive(Args)]
struct OrdersArgs {
    /// The transaction file (CSV with a header, or CDNOW text; see below).
    #[arg(long)]
    orders: PathBuf,
    /// `csv` or `cdnow`.
    #[arg(long, default_value = "csv")]
    format: Format,
    /// CSV field delimiter: one character (`;`, `|`, ...) or `tab`.
    #[arg(long, default_value = ",", value_parser = transactions::parse_delimiter)]
    delimiter: u8,
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
    /// k-means++ restarts per k; the lowest inertia is kept.
    #[arg(long, default_value_t = 10)]
    n_init: usize,
    /// Iterations at most per restart.
    #[arg(long, default_value_t = 300)]
    max_iter: u64,
    /// Convergence tolerance on centroid movement (scaled space).
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
    /// Backtest as of `--now`: leave out the orders after it (counted in the report) instead
    /// of stopping at the first one.
    #[arg(long)]
    as_of: bool,
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

#[derive(Args)]
struct CustomersArgs {
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

#[derive(Args)]
struct EvalConditionArgs {
    /// Attributes JSON file (`-` for standard input), e.g. `{"country": "NL"}`.
    #[arg(long)]
    attributes: PathBuf,
    /// Condition JSON file in GrowthBook's syntax, e.g. `{"country": {"$in": ["NL", "BE"]}}`.
    #[arg(long)]
    condition: PathBuf,
    /// Saved groups JSON file (`{"<group id>": [values] | {type, ...}}`) for `$inGroup`,
    /// `$notInGroup` and `$savedGroup`.
    #[arg(long)]
    saved_groups: Option<PathBuf>,
}

/// A failure with its exit code: 2 for bad input, 1 for anything else.
struct Failure(u8, String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(2, format!("error[{}]: {e}", e.code()))
    }
}

/// An input file that cannot be read is bad input (exit 2).
fn input_fail(path: &Path, e: io::Error) -> Failure {
    Failure(
        2,
        format!("error[input.unreadable]: {}: {e}", path.display()),
    )
}

/// An output that cannot be written (exit 1).
fn io_fail(path: &Path, e: io::Error) -> Failure {
    Failure(1, format!("error: {}: {e}", path.display()))
}

/// Restores the default action of SIGPIPE (Rust ignores it), so that a closed output pipe
/// (`offerwise decide ... | head -1`) ends the process quietly with the status every Unix tool
/// gets there (141 = 128 + SIGPIPE), instead of a panic on the failed write.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => cmd_train(a),
        Command::Features(a) => cmd_features(a),
        Command::Decide(a) => cmd_decide(a),
        Command::Score(a) => cmd_score(a),
        Command::Customers(a) => cmd_customers(a),
        Command::Clv(a) => cmd_clv(a),
        Command::Quote(a) => cmd_quote(a),
        Command::EvalCondition(a) => cmd_eval_condition(a),
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
        io::Read::read_to_string(&mut io::stdin(), &mut s).map_err(|e| input_fail(path, e))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| input_fail(path, e))
}

/// An output file written whole or not at all: everything goes to a temporary file beside
/// it, renamed over the destination by [`Output::finish`]. An output dropped without
/// `finish` (the command failed) removes its temporary file and leaves the destination as it
/// was. `-` is standard output.
struct Output {
    writer: BufWriter<Box<dyn Write>>,
    /// (temporary file, destination) for a file output.
    file: Option<(PathBuf, PathBuf)>,
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

impl Output {
    /// Flushes, and for a file renames the temporary file to the destination.
    fn finish(mut self) -> Result<(), Failure> {
        let dest = self
            .file
            .as_ref()
            .map_or(PathBuf::from("-"), |f| f.1.clone());
        self.writer.flush().map_err(|e| io_fail(&dest, e))?;
        if let Some((tmp, dest)) = self.file.take() {
            if let Err(e) = std::fs::rename(&tmp, &dest) {
                let _ = std::fs::remove_file(&tmp);
                return Err(io_fail(&dest, e));
            }
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some((tmp, _)) = self.file.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

fn output(path: &Path) -> Result<Output, Failure> {
    if path == Path::new("-") {
        return Ok(Output {
            writer: BufWriter::new(Box::new(io::stdout())),
            file: None,
        });
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_fail(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Failure(
                2,
                format!("error: --out {} is not a file name", path.display()),
            )
        })?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file = File::create(&tmp).map_err(|e| io_fail(path, e))?;
    Ok(Output {
        writer: BufWriter::new(Box::new(file)),
        file: Some((tmp, path.to_path_buf())),
    })
}

/// With `--as-of`, leaves out the orders after `now` and says how many; without it, rows are
/// kept (a later order is then an error naming the customer).
fn as_of(mut rows: Vec<Transaction>, now: i64, as_of: bool) -> Vec<Transaction> {
    if as_of {
        let (dropped_rows, dropped_orders) = transactions::drop_after(&mut rows, now);
        eprintln!(
            "as of {}: left out {dropped_orders} orders ({dropped_rows} rows) placed after it",
            offerwise::time::format_instant(now)
        );
    }
    rows
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
    let file = File::open(&args.orders).map_err(|e| input_fail(&args.orders, e))?;
    let options = transactions::ReadOptions {
        format: args.format,
        delimiter: args.delimiter,
        skip_bad_rows: args.skip_bad_rows,
    };
    let (rows, report) = transactions::read_with(io::BufReader::new(file), &options)?;
    let renamed: Vec<String> = report
        .columns
        .iter()
        .filter(|(meaning, name)| *meaning != name.as_str())
        .map(|(meaning, name)| format!("{name} as {meaning}"))
        .collect();
    eprintln!(
        "read {} rows of {}{}",
        rows.len(),
        args.orders.display(),
        if renamed.is_empty() {
            String::new()
        } else {
            format!(" (columns: {})", renamed.join(", "))
        }
    );
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
    Ok(Engine::new(model, program)?)
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
        n_init: a.n_init,
        max_iter: a.max_iter,
        tolerance: a.tolerance,
        seed: a.seed,
    }
    .check()
    .map_err(|e| Failure(2, format!("error: {e}")))?;
    let started = Instant::now();
    let rows = as_of(read_orders(&a.orders)?, now, a.as_of);
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
    let mut model = train::train(&config, &matrix, &data, |k| {
        eprintln!("fitting k-means with k = {k} ({} restarts)", a.n_init)
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
    for s in &model.segments {
        eprintln!("  {:>2} {:<22} {:>6} customers", s.id, s.name, s.size);
    }
    Ok(())
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

/// A customer's error in a transaction file, naming the customer.
fn customer_fail(c: &Customer, e: Error) -> Failure {
    match e {
        Error::Invalid {
            doc: Doc::Customer,
            path,
            message,
        } => Failure(
            2,
            format!(
                "error[customer.invalid]: customer {}: {path}: {message}{}",
                c.id.0,
                if message.contains("after now") {
                    " (pass --as-of to leave out orders after --now)"
                } else {
                    ""
                }
            ),
        ),
        other => other.into(),
    }
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
    for c in &customers {
        let d = engine
            .decide(c, &options)
            .map_err(|e| customer_fail(c, e))?;
        *by_segment
            .entry(
                d.segment
                    .as_ref()
                    .map_or("(no segment)".into(), |s| s.name.clone()),
            )
            .or_default() += 1;
        offers += d.offers.len() as u64;
        if csv {
            writeln!(out, "{}", score_csv_row(&d, max_offers)).map_err(fail)?;
        } else {
            serde_json::to_writer(&mut out, &d).map_err(|e| Failure(1, format!("error: {e}")))?;
            writeln!(out).map_err(fail)?;
        }
        bar.inc(1);
    }
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
        eprintln!("  {name:<22} {n:>6}");
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
        num(d.clv.as_ref().map(|c| 1.0 - c.p_alive)),
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

fn cmd_customers(a: CustomersArgs) -> Result<(), Failure> {
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

fn cmd_eval_condition(a: EvalConditionArgs) -> Result<(), Failure> {
    use offerwise::offers::conditions::{Condition, SavedGroups};
    // Errors name the file they are about.
    fn in_file(path: &Path, e: impl Into<Error>) -> Failure {
        let e = e.into();
        Failure(2, format!("error[{}]: {}: {e}", e.code(), path.display()))
    }
    let attributes = json::value_from_str(Doc::Attributes, &read_text(&a.attributes)?)
        .map_err(|e| in_file(&a.attributes, e))?;
    let condition = json::value_from_str(Doc::Condition, &read_text(&a.condition)?)
        .map_err(|e| in_file(&a.condition, e))?;
    let condition = Condition::parse(&condition).map_err(|e| in_file(&a.condition, e))?;
    let groups = match &a.saved_groups {
        Some(p) => {
            let v = json::value_from_str(Doc::SavedGroups, &read_text(p)?)
                .map_err(|e| in_file(p, e))?;
            SavedGroups::parse(&v).map_err(|e| in_file(p, e))?
        }
        None => SavedGroups::empty(),
    };
    println!("{}", condition.eval(&attributes, &groups));
    Ok(())
}
