//! Shared helpers of the CLV integration tests: where the CDNOW files are, and readers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use offerwise::clv::DAY_MS;

/// Directory of the CDNOW files, relative to the crate root. In the offerwise repository
/// this is `data/cdnow`. Overridden by the `CDNOW_DIR` environment variable.
pub const CDNOW_DIR: &str = "data/cdnow";

/// The pinned reference vectors written by `scripts/clv_reference.py`.
pub const VECTORS: &str = "tests/vectors/clv.json";

pub fn cdnow_path(file: &str) -> PathBuf {
    let dir = std::env::var("CDNOW_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(CDNOW_DIR));
    dir.join(file)
}

pub fn load_vectors() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("vectors are JSON");
    assert_eq!(v["specVersion"], 1);
    v
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch ms of midnight UTC of a `YYYYMMDD` date.
pub fn yyyymmdd_ms(s: &str) -> i64 {
    let n: i64 = s.parse().unwrap_or_else(|_| panic!("bad date {s}"));
    days_from_civil(n / 10_000, n / 100 % 100, n % 100) * DAY_MS
}

/// Transactions per customer: id -> (timestamps, amounts), in file order.
pub type Transactions = BTreeMap<String, (Vec<i64>, Vec<f64>)>;

/// Reads a CDNOW file: `CDNOW_master.txt` (header; `id date cds value`) or
/// `CDNOW_sample.txt` (no header; `master_id sample_id date cds value`, grouped by the
/// sample id).
pub fn read_cdnow(file: &str) -> Transactions {
    let path = cdnow_path(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e}); set CDNOW_DIR", path.display()));
    let mut out = Transactions::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || cols[0] == "customer_id" {
            continue;
        }
        let (id, date, value) = match cols.len() {
            4 => (cols[0], cols[1], cols[3]),
            5 => (cols[1], cols[2], cols[4]),
            n => panic!("{file} line {}: {n} columns", i + 1),
        };
        let entry = out.entry(id.to_string()).or_default();
        entry.0.push(yyyymmdd_ms(date));
        entry.1.push(
            value
                .parse()
                .unwrap_or_else(|_| panic!("{file} line {}: bad value", i + 1)),
        );
    }
    out
}

pub fn rel_err(got: f64, want: f64) -> f64 {
    if want == 0.0 {
        got.abs()
    } else {
        (got - want).abs() / want.abs()
    }
}
