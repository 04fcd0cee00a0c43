//! The command-line tool as a user runs it: exit codes, outputs written whole or not at all,
//! closed pipes, the transaction-file rules (order ids, delimiters, format sniffing, column
//! aliases) and backtests with `--as-of`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_offerwise");
const SAMPLE: &str = "data/cdnow/CDNOW_sample.txt";
const MASTER: &str = "data/cdnow/CDNOW_master.txt";

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("offerwise-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn exit_codes_follow_the_readme() {
    let dir = scratch("exit");
    // A missing input file is bad input: 2.
    let o = run(&[
        "decide",
        "--customer",
        "no-such-file.json",
        "--now",
        "1998-07-01",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[input.unreadable]"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "score",
        "--orders",
        "no-such-orders.csv",
        "--now",
        "1998-07-01",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A bad document: 2. A bad flag: 2 (clap's usage error).
    let bad = write(
        &dir,
        "bad.json",
        r#"{"id": "7", "orders": [{"at": "1998-02-30", "amount": 1}]}"#,
    );
    let o = run(&["decide", "--customer", &bad, "--now", "1998-07-01"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("orders[0].at"), "{}", stderr(&o));
    let o = run(&["decide", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    // An output that cannot be written (its folder is a file): 1.
    let file = write(&dir, "a-file", "x");
    let out = format!("{file}/decisions.jsonl");
    let o = run(&[
        "score",
        "--orders",
        SAMPLE,
        "--format",
        "cdnow",
        "--now",
        "1998-07-01",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Success: 0.
    let o = run(&[
        "decide",
        "--customer",
        "www/example-customer.json",
        "--now",
        "1998-07-01",
        "--compact",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `offerwise score ... --out - | head -1` used to panic on the closed pipe (exit 134).
#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(BIN)
        .args([
            "score",
            "--orders",
            MASTER,
            "--format",
            "cdnow",
            "--now",
            "1998-07-01",
            "--out",
            "-",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe closes while the CLI still writes.
    assert!(first.starts_with("{\"customerId\":\"00001\""), "{first}");
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        // Killed by SIGPIPE, as `yes | head -1` is: the shell reports 141.
        assert_eq!(o.status.signal(), Some(13), "{:?} {err}", o.status);
    }
}

#[test]
fn a_failed_run_leaves_no_half_written_output() {
    let dir = scratch("atomic");
    let out = dir.join("decisions.jsonl");
    std::fs::write(&out, "previous run\n").unwrap();
    // Customer 00003 has orders after now: the run fails midway.
    let o = run(&[
        "score",
        "--orders",
        MASTER,
        "--format",
        "cdnow",
        "--now",
        "1998-01-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--as-of"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous run\n");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 1, "temporary files left: {left:?}");
    // A new file is not created at all.
    let fresh = dir.join("fresh.jsonl");
    let o = run(&[
        "score",
        "--orders",
        MASTER,
        "--format",
        "cdnow",
        "--now",
        "1998-01-01",
        "--out",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!fresh.exists());
}

#[test]
fn as_of_leaves_out_later_orders_and_counts_them() {
    let dir = scratch("asof");
    let now = "1998-01-01";
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE)).unwrap();
    // Counted independently: CDNOW rows dated after 1998-01-01 (every row is an order).
    let later = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .filter(|d| d.len() == 8 && *d > "19980101")
        .count();
    assert!(later > 100, "{later}");
    let out = dir.join("s.jsonl");
    let o = run(&[
        "score",
        "--orders",
        SAMPLE,
        "--format",
        "cdnow",
        "--now",
        now,
        "--as-of",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("left out {later} orders ({later} rows)")),
        "{err}"
    );
    let lines = std::fs::read_to_string(&out).unwrap();
    // Every customer of the sample had bought by 1997-03-31: all are scored.
    assert_eq!(lines.lines().count(), 2357);
}

#[test]
fn rows_of_one_order_must_agree_on_customer_and_time() {
    let dir = scratch("orders");
    let f = write(
        &dir,
        "dup.csv",
        "customer_id,date,amount,order_id\nc1,2024-01-01,10,A17\nc2,2024-01-02,3,B1\nc1,2024-01-05,5,A17\n",
    );
    let o = run(&["customers", "--orders", &f, "--out", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("line 4, column order_id"), "{err}");
    assert!(err.contains("on line 2"), "{err}");
    // Another customer on the same order id: also refused.
    let f2 = write(
        &dir,
        "dup2.csv",
        "customer_id,date,amount,order_id\nc1,2024-01-01,10,A17\nc2,2024-01-01,5,A17\n",
    );
    let o = run(&["customers", "--orders", &f2, "--out", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("customer \"c2\""), "{}", stderr(&o));
    // --skip-bad-rows counts it and keeps the rest.
    let o = run(&["customers", "--orders", &f, "--skip-bad-rows", "--out", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("skipped 1 bad rows of 3"),
        "{}",
        stderr(&o)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 2);
    assert!(out.contains(r#""amount":10.0"#), "{out}");
    // Agreeing lines make one order of two lines.
    let f3 = write(
        &dir,
        "ok.csv",
        "customer_id,date,amount,order_id,category\nc1,2024-01-01T10:00:00Z,10,A17,jazz\nc1,2024-01-01T10:00:00Z,5,A17,rock\n",
    );
    let o = run(&["customers", "--orders", &f3, "--out", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains(r#""amount":15.0"#) && out.matches("category").count() == 2,
        "{out}"
    );
}

#[test]
fn formats_and_delimiters_are_sniffed_and_explained() {
    let dir = scratch("sniff");
    // A CDNOW file read as CSV suggests --format cdnow.
    let o = run(&["customers", "--orders", SAMPLE, "--out", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pass --format cdnow"), "{}", stderr(&o));
    // A CSV read as CDNOW suggests --format csv.
    let csv = write(&dir, "a.csv", "customer_id,date,amount\nc1,2024-01-01,10\n");
    let o = run(&[
        "customers",
        "--orders",
        &csv,
        "--format",
        "cdnow",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pass --format csv"), "{}", stderr(&o));
    // Semicolons and tabs.
    let semi = write(
        &dir,
        "semi.csv",
        "customer_id;date;amount\nc1;2024-01-01;10,5\n",
    );
    let o = run(&["customers", "--orders", &semi, "--out", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("pass --delimiter ';'"),
        "{}",
        stderr(&o)
    );
    let semi = write(
        &dir,
        "semi2.csv",
        "customer_id;date;amount\nc1;2024-01-01;10.5\n",
    );
    let o = run(&[
        "customers",
        "--orders",
        &semi,
        "--delimiter",
        ";",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("10.5"));
    let tsv = write(
        &dir,
        "t.tsv",
        "customer_id\tdate\tamount\nc1\t2024-01-01\t7\n",
    );
    let o = run(&["customers", "--orders", &tsv, "--out", "-"]);
    assert!(
        stderr(&o).contains("pass --delimiter tab"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "customers",
        "--orders",
        &tsv,
        "--delimiter",
        "tab",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Column aliases, with price × quantity when there is no amount; the report says so.
    let shop = write(
        &dir,
        "shop.csv",
        "Invoice No,Stock Code,Quantity,Invoice Date,Unit Price,Customer ID,Country\n536365,85123A,6,2010-12-01 08:26,2.55,17850,United Kingdom\n",
    );
    let o = run(&["customers", "--orders", &shop, "--out", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(r#""id":"17850""#) && out.contains(r#""sku":"85123A""#),
        "{out}"
    );
    assert!(
        out.contains("15.299999999999999") || out.contains("15.3"),
        "{out}"
    );
    let err = stderr(&o);
    assert!(
        err.contains("Unit Price as price") && err.contains("ignoring columns Country"),
        "{err}"
    );
    // Two columns for one meaning are refused with both names.
    let two = write(
        &dir,
        "two.csv",
        "customer_id,date,timestamp,amount\nc1,2024-01-01,1,1\n",
    );
    let o = run(&["customers", "--orders", &two, "--out", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("\"date\" and \"timestamp\""),
        "{}",
        stderr(&o)
    );
    // The help documents the format.
    let o = run(&["score", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("order_id") && help.contains("epoch seconds") && help.contains("--delimiter"),
        "{help}"
    );
}

#[test]
fn score_writes_a_flat_table() {
    let dir = scratch("table");
    // An id with a comma and a quote survives the CSV round trip.
    let f = write(
        &dir,
        "o.csv",
        "customer_id,date,amount\n\"Smith, \"\"J\"\"\",1998-01-05,20\nc2,1998-03-01,35\nc2,1998-05-01,12\n",
    );
    let out = dir.join("scores.csv");
    let o = run(&[
        "score",
        "--orders",
        &f,
        "--now",
        "1998-07-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rdr = csv_rows(&text);
    let header = rdr.remove(0);
    assert_eq!(header.first().map(String::as_str), Some("customer_id"));
    for col in [
        "segment",
        "churn_risk",
        "clv",
        "tier",
        "points_balance",
        "offer_1",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "{col} missing from {header:?}"
        );
    }
    assert_eq!(rdr.len(), 2);
    assert_eq!(rdr[0][0], "Smith, \"J\"");
    let risk = header.iter().position(|h| h == "churn_risk").unwrap();
    let p_alive = header.iter().position(|h| h == "p_alive").unwrap();
    for row in &rdr {
        assert_eq!(row.len(), header.len());
        let r: f64 = row[risk].parse().unwrap();
        let p: f64 = row[p_alive].parse().unwrap();
        assert!((r + p - 1.0).abs() < 1e-12 && (0.0..=1.0).contains(&r));
    }
    // --out-format jsonl overrides the extension.
    let o = run(&[
        "score",
        "--orders",
        &f,
        "--now",
        "1998-07-01",
        "--out-format",
        "jsonl",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
}

/// A minimal RFC 4180 reader for the test (quoted fields, doubled quotes).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let mut row = Vec::new();
        let mut cell = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => row.push(std::mem::take(&mut cell)),
                (c, _) => cell.push(c),
            }
        }
        row.push(cell);
        rows.push(row);
    }
    rows
}

#[test]
fn train_and_features_report_what_they_did() {
    let dir = scratch("report");
    let out = dir.join("f.csv");
    let o = run(&[
        "features",
        "--orders",
        SAMPLE,
        "--format",
        "cdnow",
        "--now",
        "1998-07-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("read 6919 rows"), "{err}");
    assert!(err.contains("wrote 2357 customers"), "{err}");
    let mut stdin_pipe = Command::new(BIN)
        .args([
            "decide",
            "--customer",
            "-",
            "--now",
            "1998-07-01",
            "--compact",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    stdin_pipe
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"id": "x", "orders": [{"at": "1998-01-02", "amount": 5}]}"#)
        .unwrap();
    let o = stdin_pipe.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
}

/// `score` decides on every core; what it writes and the customer it reports in error are
/// those of one core.
#[test]
fn score_on_every_core_writes_what_one_core_writes() {
    let dir = scratch("cores");
    let score = |threads: &str, now: &str, out: &Path| {
        Command::new(BIN)
            .args([
                "score", "--orders", MASTER, "--format", "cdnow", "--now", now, "--out",
            ])
            .arg(out)
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let (one, four) = (dir.join("one.csv"), dir.join("four.csv"));
    for (threads, out) in [("1", &one), ("4", &four)] {
        let o = score(threads, "1998-07-01", out);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let (a, b) = (std::fs::read(&one).unwrap(), std::fs::read(&four).unwrap());
    assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 23_571);
    assert!(a == b, "4 threads wrote another table than 1");
    // Many customers have orders after 1998-01-01: the first of them in the file is named.
    let first = score("1", "1998-01-01", &dir.join("x.csv"));
    let many = score("4", "1998-01-01", &dir.join("y.csv"));
    assert_eq!(first.status.code(), Some(2));
    assert_eq!(stderr(&first), stderr(&many));
    assert!(stderr(&first).contains("00003"), "{}", stderr(&first));
}

/// `score` to a file scores while it reads when each customer's rows are together, and reads
/// the whole file first when they are not; either way it writes what it writes to standard
/// output (which always reads the whole file first), and reports the whole read's errors.
#[test]
fn score_streams_a_grouped_file_and_reads_a_mixed_one_whole() {
    let dir = scratch("stream");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE)).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let grouped = write(&dir, "grouped.txt", &text);
    // The first customer's first row moved to the end: its rows are no longer together.
    let first = lines.remove(0);
    lines.push(first);
    let mixed = write(&dir, "mixed.txt", &(lines.join("\n") + "\n"));
    // A bad row at the end of a file whose customers fail early: the row is what is reported.
    let bad = write(&dir, "bad.txt", &format!("{text} 99999 1997010x 1 2.00\n"));
    let score = |orders: &str, now: &str, out: &str| {
        run(&[
            "score", "--orders", orders, "--format", "cdnow", "--now", now, "--out", out,
        ])
    };
    for (file, how) in [(&grouped, "read while scoring"), (&mixed, "s before")] {
        let to_file = dir.join("out.jsonl");
        let streamed = score(file, "1998-07-01", to_file.to_str().unwrap());
        assert_eq!(streamed.status.code(), Some(0), "{}", stderr(&streamed));
        assert!(
            stderr(&streamed).contains(how),
            "{file}: {}",
            stderr(&streamed)
        );
        assert_eq!(
            stderr(&streamed).contains("come back on line"),
            file == &mixed,
            "{}",
            stderr(&streamed)
        );
        let whole = score(file, "1998-07-01", "-");
        assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
        let written = std::fs::read(&to_file).unwrap();
        assert_eq!(written.iter().filter(|&&c| c == b'\n').count(), 2357);
        assert!(
            written == whole.stdout,
            "{file}: the file differs from standard output"
        );
    }
    // A backtest reports the same rows read and left out either way.
    let head = |o: &Output| stderr(o).lines().take(2).collect::<Vec<_>>().join("\n");
    let args = [
        "--format",
        "cdnow",
        "--now",
        "1998-01-01",
        "--as-of",
        "--out",
    ];
    let to_file = dir.join("as-of.jsonl");
    let streamed = run(&[
        &["score", "--orders", &grouped][..],
        &args,
        &[to_file.to_str().unwrap()],
    ]
    .concat());
    let whole = run(&[&["score", "--orders", &grouped][..], &args, &["-"]].concat());
    assert!(
        stderr(&streamed).contains("read while scoring"),
        "{}",
        stderr(&streamed)
    );
    assert!(
        head(&streamed).contains("left out"),
        "{}",
        stderr(&streamed)
    );
    assert_eq!(head(&streamed), head(&whole));
    assert!(std::fs::read(&to_file).unwrap() == whole.stdout);
    let streamed = score(&bad, "1998-01-01", dir.join("bad.jsonl").to_str().unwrap());
    assert_eq!(streamed.status.code(), Some(2), "{}", stderr(&streamed));
    let bad_line = format!("line {}, column date", text.lines().count() + 1);
    assert!(
        stderr(&streamed).contains(&bad_line),
        "{}",
        stderr(&streamed)
    );
    let whole = score(&bad, "1998-01-01", "-");
    assert_eq!(stderr(&streamed), stderr(&whole));
    assert!(!dir.join("bad.jsonl").exists());
}
