//! Training and reading a transaction file from JSON options (camelCase, unknown fields
//! refused): one definition for the data wasm's `train()` and `customerFeatures()` and the
//! Python package's `train()`, so the same options mean the same thing everywhere and an error
//! names the same path.

use super::{ClvParams, KChoice, Step, TrainConfig, TrainError, Trained, ValidTrainConfig};
use crate::error::{quoted, Doc, Error};
use crate::model::{Algorithm, Transform};
use crate::transactions::{self, Format, ReadOptions, ReadReport, Transaction};
use serde::Deserialize;

/// How to read a transaction file (the CLI's `--format`, `--delimiter`, `--skip-bad-rows`,
/// `--as-of`) and the instant the features are computed at.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadArgs {
    /// The instant; without it, the start (UTC) of the day after the last order.
    #[serde(default)]
    pub now: Option<crate::customer::TimeValue>,
    /// `csv` (the default) or `cdnow`.
    #[serde(default)]
    pub format: Option<String>,
    /// The CSV delimiter (`,` by default; `;`, `tab`, ...).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Skip bad rows (counted in the report) instead of failing at the first.
    #[serde(default)]
    pub skip_bad_rows: bool,
    /// Leave out the rows after `now` instead of failing on them.
    #[serde(default)]
    pub as_of: bool,
}

/// A transaction file as read: its rows, what the reader found, the instant the features are
/// computed at (epoch ms), and the (rows, orders) left out as of it.
#[derive(Debug, Clone)]
pub struct OrdersRead {
    pub rows: Vec<Transaction>,
    pub report: ReadReport,
    pub now: i64,
    pub left_out: (u64, u64),
}

const DAY_MS: i64 = 86_400_000;

impl ReadArgs {
    /// `now` in epoch milliseconds, when given.
    fn given_now(&self) -> Result<Option<i64>, Error> {
        match &self.now {
            Some(now) => now
                .to_millis(0)
                .map(Some)
                .map_err(|e| Error::invalid(Doc::Options, "now", e)),
            None if self.as_of => Err(Error::invalid(
                Doc::Options,
                "asOf",
                "asOf leaves out the orders after now: give now",
            )),
            None => Ok(None),
        }
    }

    /// Checks the options without reading anything.
    pub fn check(&self) -> Result<(), Error> {
        self.read_options().map(|_| ())
    }

    fn read_options(&self) -> Result<ReadOptions, Error> {
        self.given_now()?;
        let format = match self.format.as_deref() {
            None => Format::Csv,
            Some(f) => f
                .parse::<Format>()
                .map_err(|e| Error::invalid(Doc::Options, "format", e))?,
        };
        let delimiter = match self.delimiter.as_deref() {
            None => b',',
            Some(d) => transactions::parse_delimiter(d)
                .map_err(|e| Error::invalid(Doc::Options, "delimiter", e))?,
        };
        Ok(ReadOptions {
            format,
            delimiter,
            skip_bad_rows: self.skip_bad_rows,
        })
    }

    /// Reads a transaction file's bytes as the CLI reads them.
    pub fn read(&self, bytes: &[u8]) -> Result<OrdersRead, Error> {
        let (rows, report) = transactions::read_with(bytes, &self.read_options()?)?;
        self.finish(rows, report)
    }

    /// Rows read elsewhere (an Arrow table) as of `now`: the default `now` and `asOf` applied
    /// as for a file.
    pub fn finish(
        &self,
        mut rows: Vec<Transaction>,
        report: ReadReport,
    ) -> Result<OrdersRead, Error> {
        let now = match self.given_now()? {
            Some(now) => now,
            None => {
                let last = rows.iter().map(|t| t.at).max().ok_or_else(|| {
                    Error::invalid(
                        Doc::Orders,
                        "",
                        "the file has no orders, so there is no day after the last one: give now",
                    )
                })?;
                (last.div_euclid(DAY_MS) + 1) * DAY_MS
            }
        };
        let left_out = if self.as_of {
            transactions::drop_after(&mut rows, now)
        } else {
            (0, 0)
        };
        Ok(OrdersRead {
            rows,
            report,
            now,
            left_out,
        })
    }
}

/// The options of training: [`ReadArgs`] and `offerwise train`'s flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainArgs {
    #[serde(default)]
    pub now: Option<crate::customer::TimeValue>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub delimiter: Option<String>,
    #[serde(default)]
    pub skip_bad_rows: bool,
    #[serde(default)]
    pub as_of: bool,
    /// The number of segments (default 5); or `kRange`, chosen by silhouette.
    #[serde(default)]
    pub k: Option<usize>,
    #[serde(default)]
    pub k_range: Option<[usize; 2]>,
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
    #[serde(default)]
    pub features: Option<Vec<String>>,
    #[serde(default)]
    pub transform: Option<Transform>,
    #[serde(default)]
    pub n_init: Option<usize>,
    #[serde(default)]
    pub max_iter: Option<u64>,
    #[serde(default)]
    pub tolerance: Option<f64>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// Fit the lifetime-value model too (default true).
    #[serde(default = "yes")]
    pub clv: bool,
    #[serde(default)]
    pub clv_time_unit: Option<crate::clv::TimeUnit>,
    #[serde(default)]
    pub clv_penalizer: Option<f64>,
    /// `auto` (the default), `bgnbd`, `mbgnbd` or `pareto-nbd`.
    #[serde(default)]
    pub clv_model: Option<String>,
}

fn yes() -> bool {
    true
}

impl TrainArgs {
    /// How the orders are read.
    pub fn reading(&self) -> ReadArgs {
        ReadArgs {
            now: self.now.clone(),
            format: self.format.clone(),
            delimiter: self.delimiter.clone(),
            skip_bad_rows: self.skip_bad_rows,
            as_of: self.as_of,
        }
    }

    /// The training configuration, checked.
    pub fn config(&self) -> Result<ValidTrainConfig, Error> {
        let k = match (self.k, self.k_range) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    Doc::Options,
                    "kRange",
                    "give k or kRange, not both",
                ))
            }
            (Some(k), None) => KChoice::Fixed(k),
            (None, Some([lo, hi])) => KChoice::Range(lo, hi),
            (None, None) => KChoice::Fixed(5),
        };
        // The model records both: above 2^53 − 1 JavaScript (and many JSON readers) would
        // read back another number, and the result could not be built in wasm.
        const MAX: u64 = crate::json::MAX_EXACT_INTEGER;
        for (name, value) in [("seed", self.seed), ("maxIter", self.max_iter)] {
            if let Some(v) = value.filter(|&v| v > MAX) {
                return Err(Error::invalid(
                    Doc::Options,
                    name,
                    format!("{v} is above 2^53 − 1 = {MAX}, the largest whole number a JSON number holds exactly"),
                ));
            }
        }
        let d = TrainConfig::default();
        TrainConfig {
            name: self.name.clone().unwrap_or(d.name),
            features: self.features.clone().unwrap_or(d.features),
            transform: self.transform.unwrap_or(d.transform),
            k,
            algorithm: self.algorithm.unwrap_or(d.algorithm),
            n_init: self.n_init.unwrap_or(d.n_init),
            max_iter: self.max_iter.unwrap_or(d.max_iter),
            tolerance: self.tolerance.unwrap_or(d.tolerance),
            seed: self.seed.unwrap_or(d.seed),
        }
        .check()
        .map_err(|e| Error::invalid(Doc::Options, "", e))
    }

    /// The lifetime-value fit, unless `clv` is false.
    pub fn clv_params(&self) -> Result<Option<ClvParams>, Error> {
        if !self.clv {
            return Ok(None);
        }
        let model = match self.clv_model.as_deref() {
            None | Some("auto") => None,
            Some(id) => Some(crate::clv::PurchaseModelKind::from_id(id).map_err(|_| {
                Error::invalid(
                    Doc::Options,
                    "clvModel",
                    format!(
                        "{id:?} must be auto, bgnbd, mbgnbd or pareto-nbd",
                        id = quoted(id)
                    ),
                )
            })?),
        };
        Ok(Some(ClvParams {
            unit: self.clv_time_unit.unwrap_or(crate::clv::TimeUnit::Weeks),
            penalizer: self.clv_penalizer.unwrap_or(0.0),
            model,
        }))
    }

    /// The model's `training.source`: as given, else `orders (<format>)`.
    pub fn source(&self) -> String {
        self.source.clone().unwrap_or_else(|| {
            format!(
                "orders ({})",
                self.format.as_deref().unwrap_or("csv").to_lowercase()
            )
        })
    }

    /// Trains on orders read with [`Self::reading`] ([`super::train_transactions`]),
    /// calling `progress` as each step starts.
    pub fn train(
        &self,
        read: &OrdersRead,
        progress: impl FnMut(Step),
    ) -> Result<Trained, TrainError> {
        let config = self.config()?;
        let clv = self.clv_params()?;
        super::train_transactions(&read.rows, &config, &self.source(), read.now, clv, progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(json: &str) -> Result<TrainArgs, Error> {
        crate::json::from_str(Doc::Options, json)
    }

    #[test]
    fn options_are_read_and_checked_with_their_paths() {
        let a = args(r#"{"now": "1998-07-01", "format": "cdnow", "kRange": [3, 5]}"#).unwrap();
        assert_eq!(a.config().unwrap().0.k, KChoice::Range(3, 5));
        assert_eq!(a.source(), "orders (cdnow)");
        assert!(a.clv_params().unwrap().is_some());
        let e = args(r#"{"k": 3, "kRange": [3, 5]}"#)
            .unwrap()
            .config()
            .unwrap_err();
        assert_eq!(e.path(), "kRange");
        let e = args(r#"{"clvModel": "magic"}"#)
            .unwrap()
            .clv_params()
            .unwrap_err();
        assert_eq!(e.path(), "clvModel");
        assert!(args(r#"{"kk": 3}"#).unwrap_err().path().contains("kk"));
        // The model records the seed and maxIter: both stay numbers JavaScript holds exactly.
        for (json, path) in [
            (r#"{"seed": 9007199254741000}"#, "seed"),
            (r#"{"maxIter": 18446744073709551615}"#, "maxIter"),
        ] {
            let e = args(json).unwrap().config().unwrap_err();
            assert_eq!(
                (e.code().as_str(), e.path().as_str()),
                ("options.invalid", path),
                "{e}"
            );
        }
        assert!(args(r#"{"seed": 9007199254740991}"#)
            .unwrap()
            .config()
            .is_ok());
        let e = ReadArgs {
            as_of: true,
            ..Default::default()
        }
        .read(b"customer_id,date,amount\na,2024-01-05,1\n")
        .unwrap_err();
        assert_eq!(e.path(), "asOf");
    }

    #[test]
    fn without_now_the_day_after_the_last_order() {
        let read = ReadArgs::default()
            .read(b"customer_id,date,amount\na,2024-01-05T10:00:00Z,1\nb,2024-01-03,2\n")
            .unwrap();
        assert_eq!(
            crate::time::format_instant(read.now),
            "2024-01-06T00:00:00Z"
        );
        let e = ReadArgs::default()
            .read(b"customer_id,date,amount\n")
            .unwrap_err();
        assert_eq!(e.code(), "orders.invalid");
    }
}
