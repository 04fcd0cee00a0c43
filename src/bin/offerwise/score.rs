//! `offerwise score`: every customer of a transaction file, as JSON lines or a flat table.

use crate::common::*;
use clap::Args;
use offerwise::engine::DecideOptions;
use offerwise::error::quoted;
use offerwise::train;
use offerwise::transactions::{self, Format};
use rayon::prelude::*;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
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
    /// Output file (`-` for standard output), written whole or not at all. To a file, customers
    /// are scored while the file is read when each one's rows are together (a file sorted or
    /// grouped by customer), holding a few thousand customers at a time; otherwise, and to
    /// standard output, the whole file is read first. The output is the same either way.
    #[arg(long)]
    out: PathBuf,
    /// `jsonl` (one decision JSON per line), `csv` (a flat table: customer, segment, churn
    /// risk, CLV, top offers, tier, points) or `parquet` (zstd; the flat columns with the
    /// offers and propensities as lists, a `variant:<key>` column per experiment and the whole
    /// decision as JSON in `decision`: the Python package's table). Default: by the extension
    /// of --out (.csv, .parquet), else `jsonl`.
    #[arg(long, value_parser = ["jsonl", "csv", "parquet"])]
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
    let extension = a
        .out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let format = match a.out_format.as_deref().or(extension.as_deref()) {
        Some("csv") => OutFormat::Csv,
        Some("parquet") => OutFormat::Parquet,
        _ => OutFormat::Jsonl,
    };
    let job = Job {
        engine: &engine,
        options: &options,
        format,
        out: &a.out,
    };
    // A file out: the rows are scored while they are read when each customer's rows are
    // together (as in a sorted export), and the whole file is read first when they are not.
    // Standard output cannot take back what it was given, so it reads the whole file first.
    let streamed = if a.out == Path::new("-") {
        None
    } else {
        score_streaming(&job, &a, now)?
    };
    let summary = match streamed {
        Some(s) => s,
        None => {
            let started = Instant::now();
            let rows = as_of(read_orders(&a.orders)?, now, a.as_of);
            let customers = transactions::customers(&rows);
            let read_secs = started.elapsed().as_secs_f64();
            let mut scorer = Scorer::new(&job, Some(customers.len() as u64))?;
            for block in customers.chunks(BLOCK) {
                if !scorer.block(block) {
                    break;
                }
            }
            let mut summary = scorer.finish()?;
            summary.rows = rows.len();
            summary.reading = format!("reading {read_secs:.3} s before");
            summary
        }
    };
    eprintln!(
        "scored {} customers ({} transactions) with {} in {:.3} s ({:.0} ns per customer; {})",
        summary.customers,
        summary.rows,
        engine.model().version,
        summary.secs,
        summary.secs * 1e9 / summary.customers.max(1) as f64,
        summary.reading
    );
    for (name, n) in &summary.by_segment {
        eprintln!("  {name:<36} {n:>6}");
    }
    eprintln!(
        "  offers: {} in all; decisions written to {} ({})",
        summary.offers,
        a.out.display(),
        format.name()
    );
    Ok(())
}

/// Customers decided at a time on every core.
const BLOCK: usize = 2048;

/// What a score run decides with and writes to.
struct Job<'a> {
    engine: &'a offerwise::Engine,
    options: &'a DecideOptions,
    format: OutFormat,
    out: &'a Path,
}

/// Customers per record batch of a Parquet output (decided and built on one thread).
const PARQUET_CHUNK: usize = 256;

#[derive(Clone, Copy, PartialEq)]
enum OutFormat {
    Jsonl,
    Csv,
    Parquet,
}

impl OutFormat {
    fn name(self) -> &'static str {
        match self {
            OutFormat::Jsonl => "jsonl",
            OutFormat::Csv => "csv",
            OutFormat::Parquet => "parquet",
        }
    }
}

/// A block's output, in input order: its text lines, or its record batches.
enum Piece {
    Lines(Vec<String>),
    Batches(Vec<arrow_array::RecordBatch>),
}

/// Where the writer thread writes: text, or a Parquet file over the output.
enum Sink {
    Text(Output),
    Parquet(Box<parquet::arrow::ArrowWriter<Output>>),
}

impl Sink {
    fn write(&mut self, piece: Piece) -> io::Result<()> {
        match (self, piece) {
            (Sink::Text(out), Piece::Lines(lines)) => {
                for line in lines {
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            (Sink::Parquet(w), Piece::Batches(batches)) => {
                for b in &batches {
                    w.write(b).map_err(io::Error::other)?;
                }
                Ok(())
            }
            _ => Err(io::Error::other("a block of the wrong kind")),
        }
    }

    fn finish(self) -> io::Result<Output> {
        match self {
            Sink::Text(out) => Ok(out),
            Sink::Parquet(w) => w.into_inner().map_err(io::Error::other),
        }
    }
}

/// What a score run did.
struct Summary {
    customers: u64,
    rows: usize,
    secs: f64,
    reading: String,
    by_segment: std::collections::BTreeMap<String, u64>,
    offers: u64,
}

/// Scores customers a block at a time: decided and their lines made on every core (rayon),
/// while a writer thread writes the block before, in input order. The output is the same as
/// one core's, and the first customer in error is the one reported.
struct Scorer<'a> {
    job: &'a Job<'a>,
    send: Option<std::sync::mpsc::SyncSender<Piece>>,
    writer: std::thread::JoinHandle<io::Result<Output>>,
    failed: Option<Failure>,
    bar: indicatif::ProgressBar,
    started: Instant,
    summary: Summary,
}

impl<'a> Scorer<'a> {
    /// Opens the output (a temporary file until [`Scorer::finish`]) and writes the header.
    fn new(job: &'a Job<'a>, customers: Option<u64>) -> Result<Self, Failure> {
        let mut out = output(job.out)?;
        if job.format == OutFormat::Csv {
            let header = score_csv_header(job.engine.program().max_offers);
            writeln!(out, "{header}").map_err(|e| io_fail(job.out, e))?;
        }
        let mut sink = if job.format == OutFormat::Parquet {
            use parquet::basic::{Compression, ZstdLevel};
            let properties = parquet::file::properties::WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_created_by(format!("offerwise {}", offerwise::VERSION))
                .build();
            let schema = offerwise::decisions_arrow::DecisionTable::new(job.engine, false).schema();
            let writer = parquet::arrow::ArrowWriter::try_new(out, schema, Some(properties))
                .map_err(|e| io_fail(job.out, io::Error::other(e)))?;
            Sink::Parquet(Box::new(writer))
        } else {
            Sink::Text(out)
        };
        let (send, receive) = std::sync::mpsc::sync_channel::<Piece>(1);
        let writer = std::thread::spawn(move || -> io::Result<Output> {
            for piece in receive {
                sink.write(piece)?;
            }
            sink.finish()
        });
        Ok(Scorer {
            job,
            send: Some(send),
            writer,
            failed: None,
            bar: progress_bar(customers.unwrap_or(0), "customers"),
            started: Instant::now(),
            summary: Summary {
                customers: 0,
                rows: 0,
                secs: 0.0,
                reading: String::new(),
                by_segment: Default::default(),
                offers: 0,
            },
        })
    }

    /// Decides a block and hands its lines to the writer; false once a customer failed or
    /// the writer stopped (nothing more is decided).
    fn block(&mut self, block: &[offerwise::customer::Customer]) -> bool {
        if self.failed.is_some() {
            return false;
        }
        let (engine, options, format) = (self.job.engine, self.job.options, self.job.format);
        let max_offers = engine.program().max_offers;
        let fail = |e: String| Failure(1, format!("error: {e}"));
        // Each customer's segment and offer count (for the summary) and output: a text line,
        // or for Parquet a record batch per chunk of customers.
        type Decided = (
            Vec<(String, usize)>,
            Vec<String>,
            Option<arrow_array::RecordBatch>,
        );
        let chunk = if format == OutFormat::Parquet {
            PARQUET_CHUNK
        } else {
            1
        };
        let decided: Vec<Result<Decided, Failure>> = block
            .par_chunks(chunk)
            .map(|customers| {
                let mut table = (format == OutFormat::Parquet)
                    .then(|| offerwise::decisions_arrow::DecisionTable::new(engine, false));
                let mut seen = Vec::with_capacity(customers.len());
                let mut lines = Vec::new();
                for c in customers {
                    let d = engine.decide(c, options).map_err(|e| customer_fail(c, e))?;
                    let segment = d.segment.as_ref().map_or("(no segment)".into(), |s| {
                        format!("{} ({})", s.name, s.role.id())
                    });
                    seen.push((segment, d.offers.len()));
                    match (&mut table, format) {
                        (Some(t), _) => t
                            .push(Some(&c.id.0), Ok(&d))
                            .map_err(|e| fail(e.to_string()))?,
                        (None, OutFormat::Csv) => lines.push(score_csv_row(&d, max_offers)),
                        (None, _) => {
                            lines.push(serde_json::to_string(&d).map_err(|e| fail(e.to_string()))?)
                        }
                    }
                }
                let batch = table
                    .map(|mut t| t.finish())
                    .transpose()
                    .map_err(|e| fail(e.to_string()))?;
                Ok((seen, lines, batch))
            })
            .collect();
        let mut text = Vec::new();
        let mut batches = Vec::new();
        for r in decided {
            match r {
                Ok((seen, lines, batch)) => {
                    for (segment, n) in seen {
                        *self.summary.by_segment.entry(segment).or_default() += 1;
                        self.summary.offers += n as u64;
                        self.summary.customers += 1;
                    }
                    text.extend(lines);
                    batches.extend(batch);
                }
                Err(e) => {
                    self.failed = Some(e);
                    return false;
                }
            }
        }
        let piece = if format == OutFormat::Parquet {
            Piece::Batches(batches)
        } else {
            Piece::Lines(text)
        };
        let Some(send) = &self.send else {
            return false;
        };
        // A failed send means the writer stopped on an error, which joining it gives.
        if send.send(piece).is_err() {
            self.send = None;
            return false;
        }
        if self.bar.length() < Some(self.summary.customers) {
            self.bar.set_length(self.summary.customers);
        }
        self.bar.set_position(self.summary.customers);
        true
    }

    /// Waits for the writer and renames the output into place; or removes it and returns the
    /// first customer's error.
    fn finish(mut self) -> Result<Summary, Failure> {
        drop(self.send.take());
        let written = self
            .writer
            .join()
            .map_err(|_| Failure(1, "error: the output writer stopped".into()))?;
        if let Some(e) = self.failed {
            // The partial output is removed (dropping it removes its temporary file).
            drop(written);
            return Err(e);
        }
        let out = written.map_err(|e| io_fail(self.job.out, e))?;
        out.finish()?;
        self.bar.finish_and_clear();
        self.summary.secs = self.started.elapsed().as_secs_f64();
        Ok(self.summary)
    }

    /// Stops without writing the output (its temporary file is removed).
    fn discard(mut self) {
        drop(self.send.take());
        let _ = self.writer.join();
        self.bar.finish_and_clear();
    }
}

/// Scores while a reader thread reads the rows and groups them into customers. `None` when a
/// customer's rows are not together: nothing is written, and the caller reads the whole file.
/// The errors are the whole read's: a bad row anywhere in the file, else the first customer
/// in error.
fn score_streaming(job: &Job, a: &ScoreArgs, now: i64) -> Result<Option<Summary>, Failure> {
    let file =
        std::fs::File::open(&a.orders.orders).map_err(|e| input_fail(&a.orders.orders, e))?;
    let read_options = read_options(&a.orders);
    let mut scorer = Scorer::new(job, None)?;
    let (blocks, receive) = std::sync::mpsc::sync_channel::<Vec<offerwise::customer::Customer>>(2);
    let use_as_of = a.as_of;
    let reader = std::thread::spawn(move || {
        let mut grouper = transactions::Grouper::default();
        let mut as_of = transactions::AsOf::new(now);
        let mut not_grouped = None;
        let (mut read_rows, mut rows) = (0usize, 0usize);
        let mut block = Vec::with_capacity(BLOCK);
        let read = transactions::read_each(io::BufReader::new(file), &read_options, &mut |t| {
            read_rows += 1;
            if use_as_of && !as_of.keep(&t) {
                return Ok(());
            }
            rows += 1;
            match grouper.push(&t) {
                Ok(Some(c)) => block.push(c),
                Ok(None) => {}
                Err(e) => {
                    not_grouped = Some(e);
                    return Err(offerwise::Error::Row {
                        line: t.line,
                        column: None,
                        message: "not grouped by customer".into(),
                    });
                }
            }
            if block.len() == BLOCK {
                // The scorer stopped (a customer failed): read on for the file's own errors.
                let _ = blocks.send(std::mem::replace(&mut block, Vec::with_capacity(BLOCK)));
            }
            Ok(())
        });
        block.extend(grouper.finish());
        if read.is_ok() && !block.is_empty() {
            let _ = blocks.send(block);
        }
        (read, not_grouped, (read_rows, rows), as_of)
    });
    for block in receive {
        scorer.block(&block);
    }
    let (read, not_grouped, (read_rows, rows), dropped) = reader
        .join()
        .map_err(|_| Failure(1, "error: the reader stopped".into()))?;
    if let Some(ng) = not_grouped {
        scorer.discard();
        eprintln!(
            "note: the rows of customer {:?} come back on line {} after another customer's: reading the whole file before scoring",
            quoted(&ng.customer_id), ng.line
        );
        return Ok(None);
    }
    let report = match read {
        Ok(r) => r,
        Err(e) => {
            scorer.discard();
            return Err(e.into());
        }
    };
    report_read(&a.orders, read_rows, &report);
    if a.as_of {
        report_as_of(now, dropped.left_out());
    }
    let mut summary = scorer.finish()?;
    summary.rows = rows;
    summary.reading = "read while scoring".into();
    Ok(Some(summary))
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
