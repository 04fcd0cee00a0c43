//! What every command shares: the transaction-file and engine options, failures and their exit
//! codes, inputs, outputs written whole or not at all, and the embedded default model and
//! programme.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::error::Doc;
use offerwise::model::Model;
use offerwise::offers::policy::Policy;
use offerwise::program::Program;
use offerwise::transactions::{self, Format, Transaction};
use offerwise::{Engine, Error};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub(crate) const DEFAULT_MODEL: &str = include_str!("../../../models/default.json");
pub(crate) const DEFAULT_PROGRAM: &str = include_str!("../../../models/default-program.json");
pub(crate) const DEFAULT_POLICY: &str = include_str!("../../../models/default-policy.json");

/// The transaction file format, shown by `--help` of every command that reads one.
pub(crate) const ORDERS_HELP: &str = "\
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
  Parquet (--format parquet): the columns above by name; snappy or zstd; times as
  timestamps, dates or text; a bad cell is named as amount[17] (row from 0).
Exit codes: 0 success, 2 bad input (including a missing or unreadable input file),
1 anything else; 141 when the output pipe was closed (e.g. | head).";

#[derive(Args)]
pub(crate) struct OrdersArgs {
    /// The transaction file (CSV with a header, or CDNOW text; see below).
    #[arg(long)]
    pub(crate) orders: PathBuf,
    /// `csv`, `cdnow` or `parquet`.
    #[arg(long, default_value = "csv")]
    pub(crate) format: Format,
    /// CSV field delimiter: one character (`;`, `|`, ...) or `tab`.
    #[arg(long, default_value = ",", value_parser = transactions::parse_delimiter)]
    pub(crate) delimiter: u8,
    /// Count and report bad rows instead of stopping at the first one.
    #[arg(long)]
    pub(crate) skip_bad_rows: bool,
}

#[derive(Args)]
pub(crate) struct EngineArgs {
    /// Model file (default: the embedded models/default.json).
    #[arg(long)]
    pub(crate) model: Option<PathBuf>,
    /// Programme file (default: the embedded models/default-program.json).
    #[arg(long)]
    pub(crate) program: Option<PathBuf>,
    /// Learned policy file (default: the embedded models/default-policy.json when the model
    /// and programme are the defaults; none otherwise).
    #[arg(long, conflicts_with = "no_policy")]
    pub(crate) policy: Option<PathBuf>,
    /// Rank offers by the programme's priors alone, without a learned policy.
    #[arg(long)]
    pub(crate) no_policy: bool,
    /// Public keys (a JWK or key set): the model, programme and policy files given must each
    /// carry a valid signature by one of them (`FILE.sig`, from `offerwise sign`). The
    /// embedded defaults are part of the binary and need none.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust_key: Option<PathBuf>,
}

/// A failure with its exit code: 2 for bad input, 1 for anything else.
pub(crate) struct Failure(pub(crate) u8, pub(crate) String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(2, format!("error[{}]: {e}", e.code()))
    }
}

/// An input file that cannot be read is bad input (exit 2).
/// An analysis error as the CLI reports it: `error[code]: path: message`, exit 2.
pub(crate) fn analysis_fail(e: offerwise::analysis::AnalysisError) -> Failure {
    Failure(2, format!("error[{}]: {}: {}", e.code, e.path, e.message))
}

pub(crate) fn input_fail(path: &Path, e: io::Error) -> Failure {
    Failure(
        2,
        format!("error[input.unreadable]: {}: {e}", path.display()),
    )
}

/// An output that cannot be written (exit 1).
pub(crate) fn io_fail(path: &Path, e: io::Error) -> Failure {
    Failure(1, format!("error: {}: {e}", path.display()))
}

/// Restores the default action of SIGPIPE (Rust ignores it), so that a closed output pipe
/// (`offerwise decide ... | head -1`) ends the process quietly with the status every Unix tool
/// gets there (141 = 128 + SIGPIPE), instead of a panic on the failed write.
pub(crate) fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, Failure> {
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
pub(crate) struct Output {
    writer: BufWriter<Box<dyn Write + Send>>,
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
    pub(crate) fn finish(mut self) -> Result<(), Failure> {
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

pub(crate) fn output(path: &Path) -> Result<Output, Failure> {
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
pub(crate) fn as_of(mut rows: Vec<Transaction>, now: i64, as_of: bool) -> Vec<Transaction> {
    if as_of {
        report_as_of(now, transactions::drop_after(&mut rows, now));
    }
    rows
}

/// Says how many rows and orders `--as-of` left out.
pub(crate) fn report_as_of(now: i64, (dropped_rows, dropped_orders): (u64, u64)) {
    eprintln!(
        "as of {}: left out {dropped_orders} orders ({dropped_rows} rows) placed after it",
        offerwise::time::format_instant(now)
    );
}

pub(crate) fn parse_now(now: &str, offset: i32) -> Result<i64, Failure> {
    let options = DecideOptions {
        now: now_value(now),
        time_zone_offset_minutes: offset,
        cart: None,
        context: None,
        budgets: Default::default(),
        ids: Default::default(),
        assignments: None,
        force_variants: Default::default(),
    };
    Ok(options.resolve()?.0)
}

pub(crate) fn now_value(now: &str) -> offerwise::customer::TimeValue {
    match now.parse::<i64>() {
        Ok(ms) if now.len() != 8 => offerwise::customer::TimeValue::Millis(ms as f64),
        _ => offerwise::customer::TimeValue::Text(now.to_string()),
    }
}

pub(crate) fn read_orders(args: &OrdersArgs) -> Result<Vec<Transaction>, Failure> {
    let file = File::open(&args.orders).map_err(|e| input_fail(&args.orders, e))?;
    let (rows, report) = transactions::read_with(io::BufReader::new(file), &read_options(args))?;
    report_read(args, rows.len(), &report);
    Ok(rows)
}

pub(crate) fn read_options(args: &OrdersArgs) -> transactions::ReadOptions {
    transactions::ReadOptions {
        format: args.format,
        delimiter: args.delimiter,
        skip_bad_rows: args.skip_bad_rows,
    }
}

/// Says what a read of the transaction file found: rows, columns, bad rows skipped.
pub(crate) fn report_read(args: &OrdersArgs, rows: usize, report: &transactions::ReadReport) {
    let renamed: Vec<String> = report
        .columns
        .iter()
        .filter(|(meaning, name)| *meaning != name.as_str())
        .map(|(meaning, name)| format!("{name} as {meaning}"))
        .collect();
    eprintln!(
        "read {} rows of {}{}",
        rows,
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
}

/// A model, programme or policy file's text; with `--trust-key`, only when its detached
/// signature (`FILE.sig`) is valid under one of those keys.
pub(crate) fn read_trusted(path: &Path, trust_key: Option<&Path>) -> Result<String, Failure> {
    let keys = trust_key.map(crate::token::read_trusted_keys).transpose()?;
    read_signed(path, keys.as_ref())
}

/// A document file's text, checked under `keys` when there are some (the keys of
/// `--trust-key`, read once per command).
fn read_signed(path: &Path, keys: Option<&offerwise::tokens::KeySet>) -> Result<String, Failure> {
    match keys {
        Some(keys) => crate::token::read_document(path, keys),
        None => read_text(path),
    }
}

pub(crate) fn load_engine(args: &EngineArgs) -> Result<Engine, Failure> {
    let trusted = args
        .trust_key
        .as_deref()
        .map(crate::token::read_trusted_keys)
        .transpose()?;
    let read = |p: &Path| read_signed(p, trusted.as_ref());
    let model = match &args.model {
        Some(p) => Model::from_json(&read(p)?)?,
        None => Model::from_json(DEFAULT_MODEL)?,
    };
    let program = match &args.program {
        Some(p) => Program::parse(&read(p)?)?,
        None => Program::parse(DEFAULT_PROGRAM)?,
    };
    // Checked once, by the engine.
    let mut engine = Engine::new(model, program)?;
    let policy = match (&args.policy, args.no_policy) {
        (Some(p), _) => Some(Policy::from_json(&read(p)?)?),
        (None, false) if args.model.is_none() && args.program.is_none() => {
            Some(Policy::from_json(DEFAULT_POLICY)?)
        }
        _ => None,
    };
    if let Some(p) = policy {
        engine = engine.with_policy(p)?;
    }
    for w in engine.warnings() {
        eprintln!(
            "warning[{}]: programme at {}: {}",
            w.code, w.path, w.message
        );
    }
    Ok(engine)
}

pub(crate) fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"
    ));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// A customer's error in a transaction file, naming the customer.
pub(crate) fn customer_fail(c: &Customer, e: Error) -> Failure {
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

/// Errors in a cart file are about the file, not the call's options.
pub(crate) fn cart_error(e: Error, path: &Path) -> Failure {
    Failure(2, format!("error[cart.invalid]: {}: {}", path.display(), e))
}

/// Writes a whole text file atomically (see [`Output`]).
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), Failure> {
    let mut out = output(path)?;
    out.write_all(text.as_bytes())
        .map_err(|e| io_fail(path, e))?;
    out.finish()
}
