//! Per-unit rows in: a CSV file with a header, one row per unit (customer), its variant and its
//! metrics ([`analyze_csv`]). The CLI's `offerwise analyze --units` and the npm package's
//! `analyze(units, options)` both read through here, so their results are the same.
//!
//! | option | meaning |
//! | --- | --- |
//! | `variantColumn` | the column naming each unit's variant (default `variant`) |
//! | `control` | the control variant |
//! | `metrics` | the metrics: `name` (a column; all 0/1: a proportion, else a mean), `name:mean`, `name:proportion`, or the ratio `name=numerator/denominator` |
//! | `covariates` | metric → its pre-period covariate's column (CUPED) |
//! | `weights` | variant → planned weight, for the sample-ratio check (default equal) |
//! | `alpha` | intervals are `1 − alpha`; verdicts at `alpha` on Holm's p (default 0.05) |
//! | `srmThreshold` | SRM p-value below which verdicts are withheld (default 0.001) |
//! | `sequential`, `sequentialTuning` | verdicts on the always-valid p-values; their tuning `N` (default 5,000) |
//! | `timeColumn` | each unit's first exposure (a date or ISO 8601 instant): results day by day |
//! | `segmentColumn` | each unit's segment: every segment analysed on its own as well |

use super::{Accumulator, Analysis, AnalysisError, MetricSpec, Settings, Unit};
use crate::error::quoted;
use serde::Deserialize;
use std::collections::BTreeMap;

fn default_variant_column() -> String {
    "variant".into()
}

/// How to read and analyse a unit file (see the module docs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnitsOptions {
    #[serde(default = "default_variant_column")]
    pub variant_column: String,
    pub control: String,
    pub metrics: Vec<String>,
    #[serde(default)]
    pub covariates: BTreeMap<String, String>,
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
    #[serde(default = "super::defaults::alpha")]
    pub alpha: f64,
    #[serde(default = "super::defaults::srm_threshold")]
    pub srm_threshold: f64,
    #[serde(default)]
    pub sequential: bool,
    #[serde(default = "super::defaults::tuning")]
    pub sequential_tuning: f64,
    /// A group-sequential plan: the units the experiment will have (a look a day).
    #[serde(default)]
    pub planned_units: Option<f64>,
    #[serde(default)]
    pub spending: crate::stats::group_sequential::Spending,
    #[serde(default)]
    pub time_column: Option<String>,
    #[serde(default)]
    pub segment_column: Option<String>,
}

impl UnitsOptions {
    /// The defaults for a control and metrics.
    pub fn new(control: impl Into<String>, metrics: Vec<String>) -> UnitsOptions {
        UnitsOptions {
            variant_column: default_variant_column(),
            control: control.into(),
            metrics,
            covariates: BTreeMap::new(),
            weights: None,
            alpha: super::defaults::alpha(),
            srm_threshold: super::defaults::srm_threshold(),
            sequential: false,
            sequential_tuning: super::defaults::tuning(),
            planned_units: None,
            spending: Default::default(),
            time_column: None,
            segment_column: None,
        }
    }

    /// The analysis settings these options give.
    pub fn settings(&self) -> Result<Settings, AnalysisError> {
        let metrics = self
            .metrics
            .iter()
            .enumerate()
            .map(|(k, m)| {
                MetricSpec::parse(m)
                    .map_err(|e| AnalysisError::new("analysis.invalid", format!("metrics[{k}]"), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            weights: self.weights.clone(),
            alpha: self.alpha,
            srm_threshold: self.srm_threshold,
            covariates: self.covariates.clone(),
            sequential: self.sequential,
            sequential_tuning: self.sequential_tuning,
            planned_units: self.planned_units,
            spending: self.spending,
            ..Settings::new(self.control.clone(), metrics)
        })
    }
}

/// Reads a unit file (CSV with a header; `name` names it in errors, as `name:line.column`) and
/// analyses it.
pub fn analyze_csv<R: std::io::Read>(
    input: R,
    name: &str,
    options: &UnitsOptions,
) -> Result<Analysis, AnalysisError> {
    let settings = options.settings()?;
    let metrics = settings.metrics.clone();
    let covariate_list = settings.covariate_list();
    let mut acc = Accumulator::new(settings)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let csv_error = |e: csv::Error| super::csv_error(name, &e);
    let headers = reader.headers().map_err(csv_error)?.clone();
    let column = |col: &str| super::column_of(&headers, name, col);
    let optional = |col: &Option<String>| col.as_deref().map(column).transpose();
    let variant_at = column(&options.variant_column)?;
    let mut metric_at = Vec::with_capacity(metrics.len());
    let mut denominator_at = Vec::with_capacity(metrics.len());
    for m in &metrics {
        let (num, den) = m.columns();
        metric_at.push(column(num)?);
        denominator_at.push(den.map(column).transpose()?);
    }
    let covariate_at: Vec<usize> = covariate_list
        .iter()
        .map(|(_, c)| column(c))
        .collect::<Result<_, _>>()?;
    let time_at = optional(&options.time_column)?;
    let segment_at = optional(&options.segment_column)?;
    let mut values = vec![0.0; metric_at.len()];
    let mut denominators = vec![0.0; metric_at.len()];
    let mut co_values = vec![0.0; covariate_at.len()];
    let mut record = csv::StringRecord::new();
    let mut line = 1u64;
    while reader.read_record(&mut record).map_err(csv_error)? {
        line = record.position().map_or(line + 1, |p| p.line());
        let at = || format!("{name}:{line}");
        let field = |col: usize| record.get(col).unwrap_or_default().trim();
        let number = |col: usize| -> Result<f64, AnalysisError> {
            let text = field(col);
            text.parse::<f64>().map_err(|_| {
                let column = headers.get(col).unwrap_or_default();
                AnalysisError::new(
                    "analysis.not_numeric",
                    crate::json::join(&at(), column),
                    format!("{text:?} is not a number", text = quoted(text)),
                )
            })
        };
        let variant = field(variant_at);
        if variant.is_empty() {
            return Err(AnalysisError::new(
                "analysis.no_variant",
                at(),
                format!("the unit has no {:?}", quoted(&options.variant_column)),
            ));
        }
        for (k, &col) in metric_at.iter().enumerate() {
            values[k] = number(col)?;
            if let Some(d) = denominator_at[k] {
                denominators[k] = number(d)?;
            }
        }
        for (k, &col) in covariate_at.iter().enumerate() {
            co_values[k] = number(col)?;
        }
        let day = match time_at {
            None => None,
            Some(col) => {
                let text = field(col);
                let ms = crate::time::parse_instant(text, 0).map_err(|e| {
                    AnalysisError::new(
                        "analysis.not_time",
                        format!("{}.{}", at(), headers.get(col).unwrap_or_default()),
                        format!("{text:?}: {e}", text = quoted(text)),
                    )
                })?;
                Some(crate::time::local_day(ms, 0))
            }
        };
        let segment = segment_at.map(field).filter(|s| !s.is_empty());
        acc.push_unit(
            &Unit {
                variant,
                day,
                segment,
                values: &values,
                denominators: &denominators,
                covariates: &co_values,
            },
            &at,
        )?;
    }
    acc.finish()
}

/// One column of a unit file summarised: its rows, mean, sample standard deviation and whether
/// every value is 0 or 1 (what `offerwise power --pre-period` reads).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSummary {
    pub n: f64,
    pub mean: f64,
    pub sd: f64,
    pub binary: bool,
}

/// Summarises `column` of a unit file (`name` labels errors); at least 2 rows.
pub fn describe_column<R: std::io::Read>(
    input: R,
    name: &str,
    column: &str,
) -> Result<ColumnSummary, AnalysisError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| super::csv_error(name, &e))?
        .clone();
    let at = super::column_of(&headers, name, column)?;
    let mut w = super::Welford::default();
    let mut record = csv::StringRecord::new();
    let mut line = 1u64;
    while reader
        .read_record(&mut record)
        .map_err(|e| super::csv_error(name, &e))?
    {
        line = record.position().map_or(line + 1, |p| p.line());
        let text = record.get(at).unwrap_or_default().trim();
        let x = text
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                AnalysisError::new(
                    "analysis.not_numeric",
                    format!("{name}:{line}.{column}"),
                    format!("{text:?} is not a number", text = quoted(text)),
                )
            })?;
        w.push(x);
    }
    if w.n < 2.0 {
        return Err(AnalysisError::new(
            "analysis.too_few",
            name,
            format!("{} rows; at least 2 are needed", w.n),
        ));
    }
    let g = w.group();
    Ok(ColumnSummary {
        n: g.n,
        mean: g.mean,
        sd: g.var.sqrt(),
        binary: w.binary,
    })
}
