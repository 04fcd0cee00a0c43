//! Experiment analysis: per-unit rows in, per variant × metric results out, with the
//! statistics of [`crate::stats`].
//!
//! Rows stream through [`Accumulator`] (one pass, memory flat in the number of rows: a count,
//! a Welford mean and sum of squares per variant and metric), then [`Accumulator::finish`]
//! compares each variant with the control:
//!
//! * a metric whose values are all 0 or 1 is a **proportion** (unless declared a mean): the
//!   pooled two-proportion z-test, the unpooled Wald interval of the difference;
//! * any other metric is a **mean**: Welch's t-test and its interval;
//! * a **ratio** metric `Σ y / Σ x` over units (average order value: revenue over orders) is
//!   compared as a mean whose per-unit variance is the delta method's (as GrowthBook's
//!   `RatioStatistic`): `v = s²_y / x̄² − 2 s_xy ȳ / x̄³ + ȳ² s²_x / x̄⁴`, Welch's test and
//!   interval on `(n, ȳ / x̄, v)`;
//! * both get the relative lift `m_t / m_c − 1` with its delta-method interval;
//! * p-values adjusted across every variant × metric by Holm and Benjamini–Hochberg;
//! * the sample-ratio-mismatch check of the units per variant against the planned weights
//!   (default equal): below `srmThreshold` (default 0.001) the verdicts are withheld;
//! * the Bayesian read-out: probability to beat the control, expected loss, credible interval
//!   ([`crate::stats::bayes`]);
//! * CUPED for a metric with a pre-period covariate `x`: `θ = cov(x, y) / var(x)` over the two
//!   groups compared, pooled; `y − θ (x − x̄)` is then tested as a mean (Welch), and the share of
//!   the variance removed is reported (`varianceReduction`).
//!
//! Units pushed with a segment are also analysed within their segment
//! ([`Analysis::segments`]): the same comparisons on the segment's units alone.

pub mod did;
pub mod effectiveness;
pub mod ifrs15;
pub mod kpis;
pub mod logs;
pub mod ope;
#[cfg(feature = "train")]
pub mod programme_files;
pub mod programme_report;
pub mod report;
#[cfg(feature = "train")]
pub mod simulate;
pub mod surveys;
pub mod units;

use crate::error::quoted;
use crate::stats::tests::{self as st, Group, StatsError};
use serde::Serialize;
use std::collections::BTreeMap;

/// How a metric is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MetricKind {
    Proportion,
    Mean,
    /// `Σ numerator / Σ denominator` over the units (delta method).
    Ratio,
}

/// A metric to analyse: its name (the column of a unit file) and, when declared, its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    pub name: String,
    pub kind: Option<MetricKind>,
    /// A ratio metric's numerator and denominator columns (`kind` is then `Ratio`).
    pub ratio: Option<(String, String)>,
}

impl MetricSpec {
    /// A metric read from the column of its name, of the kind its values say.
    pub fn column(name: impl Into<String>) -> MetricSpec {
        MetricSpec {
            name: name.into(),
            kind: None,
            ratio: None,
        }
    }

    /// A metric of the kind given.
    pub fn of_kind(name: impl Into<String>, kind: MetricKind) -> MetricSpec {
        MetricSpec {
            kind: Some(kind),
            ..MetricSpec::column(name)
        }
    }

    /// The ratio metric `name = Σ numerator / Σ denominator`.
    pub fn ratio(
        name: impl Into<String>,
        numerator: impl Into<String>,
        denominator: impl Into<String>,
    ) -> MetricSpec {
        MetricSpec {
            name: name.into(),
            kind: Some(MetricKind::Ratio),
            ratio: Some((numerator.into(), denominator.into())),
        }
    }

    /// The unit file's columns the metric reads: its own, or a ratio's numerator and
    /// denominator.
    pub fn columns(&self) -> (&str, Option<&str>) {
        match &self.ratio {
            Some((n, d)) => (n, Some(d)),
            None => (&self.name, None),
        }
    }

    /// `revenue`, `revenue:mean`, `visit:proportion`, or the ratio `aov=revenue/orders`.
    pub fn parse(text: &str) -> Result<MetricSpec, String> {
        if let Some((name, ratio)) = text.split_once('=') {
            let Some((num, den)) = ratio.split_once('/') else {
                return Err(format!(
                    "metric {text:?}: a ratio metric is name=numerator/denominator",
                    text = quoted(text)
                ));
            };
            if name.is_empty() || num.is_empty() || den.is_empty() {
                return Err(format!(
                    "metric {text:?}: a ratio metric is name=numerator/denominator, none of them empty", text = quoted(text)
                ));
            }
            return Ok(MetricSpec::ratio(name, num, den));
        }
        let (name, kind) = match text.split_once(':') {
            None => (text, None),
            Some((n, "mean")) => (n, Some(MetricKind::Mean)),
            Some((n, "proportion")) => (n, Some(MetricKind::Proportion)),
            Some((_, k)) => {
                return Err(format!(
                    "metric kind {k:?}: use name, name:mean, name:proportion or name=numerator/denominator", k = quoted(k)
                ))
            }
        };
        if name.is_empty() {
            return Err(format!(
                "metric {text:?} has no column name",
                text = quoted(text)
            ));
        }
        Ok(MetricSpec {
            kind,
            ..MetricSpec::column(name)
        })
    }
}

/// The analysis settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub control: String,
    pub metrics: Vec<MetricSpec>,
    /// Planned weights by variant (default equal).
    pub weights: Option<BTreeMap<String, f64>>,
    /// Interval level: `1 − alpha` (default 0.05).
    pub alpha: f64,
    /// SRM p-value below which verdicts are withheld (default 0.001).
    pub srm_threshold: f64,
    /// Metric name → the column of its pre-period covariate (CUPED); the caller passes the
    /// covariates' values to [`Accumulator::push`] in the order of [`Settings::covariate_list`].
    pub covariates: BTreeMap<String, String>,
    /// The team looks at the results as they come (every day, say): verdicts read the
    /// always-valid p-values ([`crate::stats::sequential`]) instead of the fixed-horizon ones.
    pub sequential: bool,
    /// The confidence sequences' tuning parameter `N`: the units at which they are tightest
    /// (default 5,000).
    pub sequential_tuning: f64,
    /// A group-sequential plan: the units (over every variant) the experiment will have at its
    /// end. Each day of the timeline is then a look, and the verdicts read the boundaries of
    /// [`crate::stats::group_sequential`] at `alpha` divided by the number of comparisons
    /// (Bonferroni) instead of the fixed-horizon test.
    pub planned_units: Option<f64>,
    /// The group-sequential plan's spending function.
    pub spending: crate::stats::group_sequential::Spending,
}

impl Settings {
    /// The defaults: equal weights, alpha 0.05, SRM threshold 0.001, no covariates,
    /// fixed-horizon verdicts, tuning 5,000.
    pub fn new(control: impl Into<String>, metrics: Vec<MetricSpec>) -> Settings {
        Settings {
            control: control.into(),
            metrics,
            weights: None,
            alpha: defaults::alpha(),
            srm_threshold: defaults::srm_threshold(),
            covariates: BTreeMap::new(),
            sequential: false,
            sequential_tuning: defaults::tuning(),
            planned_units: None,
            spending: crate::stats::group_sequential::Spending::OBrienFleming,
        }
    }

    /// `(metric index, covariate column)` in the order their values are pushed.
    pub fn covariate_list(&self) -> Vec<(usize, String)> {
        self.metrics
            .iter()
            .enumerate()
            .filter_map(|(k, m)| self.covariates.get(&m.name).map(|c| (k, c.clone())))
            .collect()
    }
}

/// The defaults of the options that unit files and logs share.
pub(crate) mod defaults {
    pub fn alpha() -> f64 {
        0.05
    }
    pub fn srm_threshold() -> f64 {
        0.001
    }
    pub fn tuning() -> f64 {
        crate::stats::sequential::DEFAULT_TUNING
    }
}

/// A CSV reading error of the input `name`, at its line.
pub(crate) fn csv_error(name: &str, e: &csv::Error) -> AnalysisError {
    let at = e
        .position()
        .map_or_else(|| name.to_string(), |p| format!("{name}:{}", p.line()));
    AnalysisError::new("analysis.csv", at, e.to_string())
}

/// The position of `column` in a CSV header, or the error naming the columns there are.
pub(crate) fn column_of(
    headers: &csv::StringRecord,
    name: &str,
    column: &str,
) -> Result<usize, AnalysisError> {
    headers.iter().position(|h| h == column).ok_or_else(|| {
        AnalysisError::new(
            "analysis.unknown_column",
            name,
            format!(
                "no column {column:?} (columns: {})",
                crate::error::listed(headers.iter()),
                column = quoted(column)
            ),
        )
    })
}

/// Why an analysis cannot be made: a stable code, where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct AnalysisError {
    pub code: String,
    pub path: String,
    pub message: String,
}

impl AnalysisError {
    pub(crate) fn new(
        code: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        // Paths and messages name the caller's groups, variants and columns: each named text is
        // bounded as crate::error::quoted bounds it (a 64 KB group label made a 64 KB path).
        let (path, message) = (path.into(), message.into());
        let path = if path.len() > offerwise_conditions::quote::WHOLE {
            let segments: Vec<_> = path
                .split('.')
                .map(offerwise_conditions::quote::key)
                .collect();
            segments.join(".")
        } else {
            path
        };
        let message = match crate::json::bound_library_message(&message) {
            std::borrow::Cow::Borrowed(_) => message,
            std::borrow::Cow::Owned(bounded) => bounded,
        };
        AnalysisError {
            code: code.into(),
            path,
            message,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Welford {
    n: f64,
    mean: f64,
    m2: f64,
    sum: f64,
    binary: bool,
}

impl Welford {
    fn push(&mut self, x: f64) {
        if self.n == 0.0 {
            self.binary = true;
        }
        self.n += 1.0;
        self.sum += x;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
        self.binary &= x == 0.0 || x == 1.0;
    }

    /// The two as one (Chan et al.'s pairwise update).
    fn merge(&mut self, o: &Welford) {
        if o.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        self.m2 += o.m2 + d * d * self.n * o.n / n;
        self.mean += d * o.n / n;
        self.sum += o.sum;
        self.n = n;
        self.binary &= o.binary;
    }

    fn group(&self) -> Group {
        Group {
            n: self.n,
            mean: self.mean,
            var: if self.n > 1.0 {
                self.m2 / (self.n - 1.0)
            } else {
                0.0
            },
        }
    }
}

/// Co-moments of a covariate `x` and a metric `y` (Welford, pairwise-mergeable).
#[derive(Debug, Clone, Copy, Default)]
struct CoMoment {
    n: f64,
    mx: f64,
    my: f64,
    m2x: f64,
    m2y: f64,
    cxy: f64,
}

impl CoMoment {
    fn push(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        let dx = x - self.mx;
        self.mx += dx / self.n;
        let dy = y - self.my;
        self.my += dy / self.n;
        self.m2x += dx * (x - self.mx);
        self.m2y += dy * (y - self.my);
        self.cxy += dx * (y - self.my);
    }

    /// The two groups as one (Chan et al.'s pairwise update).
    fn merge(&self, o: &CoMoment) -> CoMoment {
        let n = self.n + o.n;
        if n == 0.0 {
            return CoMoment::default();
        }
        let (dx, dy) = (o.mx - self.mx, o.my - self.my);
        let w = self.n * o.n / n;
        CoMoment {
            n,
            mx: self.mx + dx * o.n / n,
            my: self.my + dy * o.n / n,
            m2x: self.m2x + o.m2x + dx * dx * w,
            m2y: self.m2y + o.m2y + dy * dy * w,
            cxy: self.cxy + o.cxy + dx * dy * w,
        }
    }

    /// The group's `y − θ (x − x̄)` as a [`Group`], and its sum of squares.
    fn adjusted(&self, theta: f64, pooled_mx: f64) -> (Group, f64) {
        let m2 = (self.m2y - 2.0 * theta * self.cxy + theta * theta * self.m2x).max(0.0);
        (
            Group {
                n: self.n,
                mean: self.my - theta * (self.mx - pooled_mx),
                var: if self.n > 1.0 {
                    m2 / (self.n - 1.0)
                } else {
                    0.0
                },
            },
            m2,
        )
    }
}

/// One variant's moments: per metric a Welford summary of its values (a ratio's numerator) and,
/// for a ratio metric, the co-moments of its denominator `x` and numerator `y`.
#[derive(Debug, Clone)]
struct Moments {
    w: Vec<Welford>,
    r: Vec<CoMoment>,
}

impl Moments {
    fn new(m: usize) -> Moments {
        Moments {
            w: vec![Welford::default(); m],
            r: vec![CoMoment::default(); m],
        }
    }

    fn merge(&mut self, o: &Moments) {
        for (a, b) in self.w.iter_mut().zip(&o.w) {
            a.merge(b);
        }
        for (a, b) in self.r.iter_mut().zip(&o.r) {
            *a = a.merge(b);
        }
    }

    fn n(&self) -> f64 {
        self.w.first().map_or(0.0, |w| w.n)
    }

    /// Metric `k` summarised for the tests.
    fn summary(&self, k: usize, kind: MetricKind) -> Summary {
        let w = self.w.get(k).copied().unwrap_or_default();
        match kind {
            MetricKind::Proportion | MetricKind::Mean => Summary {
                sum: w.sum,
                g: w.group(),
            },
            MetricKind::Ratio => {
                let c = self.r.get(k).copied().unwrap_or_default();
                let (x, y) = (c.mx, c.my);
                let var = if c.n > 1.0 && x != 0.0 {
                    let d = c.n - 1.0;
                    let (sx, sy, sxy) = (c.m2x / d, c.m2y / d, c.cxy / d);
                    (sy / (x * x) - 2.0 * sxy * y / (x * x * x) + y * y * sx / (x * x * x * x))
                        .max(0.0)
                } else {
                    0.0
                };
                Summary {
                    sum: w.sum,
                    g: Group {
                        n: c.n,
                        mean: if x != 0.0 { y / x } else { f64::NAN },
                        var,
                    },
                }
            }
        }
    }
}

/// A variant's metric as the tests read it: the sum of its values (a proportion's successes)
/// and its group (for a ratio: `n`, `Σy / Σx` and the delta-method variance per unit).
#[derive(Debug, Clone, Copy)]
struct Summary {
    sum: f64,
    g: Group,
}

/// One unit as [`Accumulator::push_unit`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub variant: &'a str,
    /// The day it entered the experiment (days since 1970-01-01), to follow the results day by
    /// day ([`Analysis::timeline`]).
    pub day: Option<i64>,
    /// Its segment, to analyse each segment on its own as well ([`Analysis::segments`]).
    pub segment: Option<&'a str>,
    /// Each metric's value, in the order of the settings' metrics (a ratio's numerator).
    pub values: &'a [f64],
    /// Each metric's denominator, in the same order: read for ratio metrics only (may be
    /// empty when there is none).
    pub denominators: &'a [f64],
    /// Each covariate's value, in the order of [`Settings::covariate_list`].
    pub covariates: &'a [f64],
}

/// Rows in, one at a time.
#[derive(Debug, Clone)]
pub struct Accumulator {
    settings: Settings,
    covariates: Vec<(usize, String)>,
    /// Variant → its moments.
    groups: BTreeMap<String, Moments>,
    /// Variant → per covariate (in `covariates`' order).
    co: BTreeMap<String, Vec<CoMoment>>,
    /// Day (days since 1970-01-01) → variant → the units that entered that day.
    days: BTreeMap<i64, BTreeMap<String, Moments>>,
    /// Segment → the analysis of its units alone (`None` in such a segment's own accumulator).
    segments: Option<BTreeMap<String, Accumulator>>,
}

impl Accumulator {
    pub fn new(settings: Settings) -> Result<Accumulator, AnalysisError> {
        if settings.metrics.is_empty() {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "metric",
                "name at least one metric",
            ));
        }
        if !(settings.sequential_tuning.is_finite() && settings.sequential_tuning > 0.0) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "sequentialTuning",
                format!(
                    "the sequential tuning parameter is {}: a number of units > 0",
                    settings.sequential_tuning
                ),
            ));
        }
        if !(settings.alpha > 0.0 && settings.alpha < 1.0) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "alpha",
                format!("alpha is {}: between 0 and 1", settings.alpha),
            ));
        }
        if let Some(n) = settings.planned_units {
            if !(n.is_finite() && n >= 2.0) {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    "plannedUnits",
                    format!("the planned units are {n}: a number ≥ 2"),
                ));
            }
            if settings.sequential {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    "plannedUnits",
                    "a group-sequential plan and always-valid verdicts are two ways to read the same looks: choose one",
                ));
            }
        }
        if !(settings.srm_threshold >= 0.0 && settings.srm_threshold < 1.0) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "srmThreshold",
                format!(
                    "the SRM threshold is {}: a p-value in [0, 1)",
                    settings.srm_threshold
                ),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (k, m) in settings.metrics.iter().enumerate() {
            if !names.insert(m.name.as_str()) {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    format!("metric[{k}]"),
                    format!("the metric {:?} is named twice", quoted(&m.name)),
                ));
            }
            if (m.kind == Some(MetricKind::Ratio)) != m.ratio.is_some() {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    format!("metric[{k}]"),
                    format!(
                        "{:?}: a ratio metric names its numerator and denominator (name=numerator/denominator)",
                        quoted(&m.name)
                    ),
                ));
            }
        }
        for (metric, column) in &settings.covariates {
            let Some(m) = settings.metrics.iter().find(|m| &m.name == metric) else {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    crate::json::join("covariate", metric),
                    format!(
                        "covariate {column:?} is for metric {metric:?}, which is not analysed",
                        column = quoted(column),
                        metric = quoted(metric)
                    ),
                ));
            };
            if m.kind == Some(MetricKind::Ratio) {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    crate::json::join("covariate", metric),
                    format!(
                        "{metric:?} is a ratio metric: CUPED adjusts means and proportions only",
                        metric = quoted(metric)
                    ),
                ));
            }
        }
        if let Some(w) = &settings.weights {
            for (v, x) in w {
                if !(x.is_finite() && *x > 0.0) {
                    return Err(AnalysisError::new(
                        "analysis.weights",
                        crate::json::join("weights", v),
                        format!(
                            "the planned weight of {v:?} is {x}: a number > 0",
                            v = quoted(v)
                        ),
                    ));
                }
            }
        }
        Ok(Accumulator {
            covariates: settings.covariate_list(),
            settings,
            groups: BTreeMap::new(),
            co: BTreeMap::new(),
            days: BTreeMap::new(),
            segments: Some(BTreeMap::new()),
        })
    }

    /// One unit: its variant, each metric's value (in the order of the settings' metrics) and
    /// each covariate's; `at` names the row in errors (`units.csv:17`), made only for one.
    pub fn push(
        &mut self,
        variant: &str,
        values: &[f64],
        covariates: &[f64],
        at: &dyn Fn() -> String,
    ) -> Result<(), AnalysisError> {
        self.push_unit(
            &Unit {
                variant,
                day: None,
                segment: None,
                values,
                denominators: &[],
                covariates,
            },
            at,
        )
    }

    /// One unit (see [`Unit`]); `at` names it in errors (`units.csv:17`), made only for one.
    pub fn push_unit(&mut self, u: &Unit, at: &dyn Fn() -> String) -> Result<(), AnalysisError> {
        let m = self.settings.metrics.len();
        if u.values.len() != m {
            return Err(AnalysisError::new(
                "analysis.invalid",
                at(),
                format!("{} metric values for {m} metrics", u.values.len()),
            ));
        }
        for (k, spec) in self.settings.metrics.iter().enumerate() {
            let x = u.values.get(k).copied().unwrap_or(f64::NAN);
            let (num, den) = spec.columns();
            if !x.is_finite() {
                return Err(AnalysisError::new(
                    "analysis.not_numeric",
                    crate::json::join(&at(), num),
                    format!("{num} is {x}, not a finite number"),
                ));
            }
            if let Some(den) = den {
                let d = u.denominators.get(k).copied().unwrap_or(f64::NAN);
                if !d.is_finite() {
                    return Err(AnalysisError::new(
                        "analysis.not_numeric",
                        crate::json::join(&at(), den),
                        format!("{den} is {d}, not a finite number"),
                    ));
                }
            }
            if spec.kind == Some(MetricKind::Proportion) && x != 0.0 && x != 1.0 {
                return Err(AnalysisError::new(
                    "analysis.not_binary",
                    crate::json::join(&at(), num),
                    format!(
                        "{} is declared a proportion but is {x} (0 or 1 only)",
                        spec.name
                    ),
                ));
            }
        }
        if u.covariates.len() != self.covariates.len() {
            return Err(AnalysisError::new(
                "analysis.invalid",
                at(),
                format!(
                    "{} covariate values for {} covariates",
                    u.covariates.len(),
                    self.covariates.len()
                ),
            ));
        }
        for (&x, (_, column)) in u.covariates.iter().zip(&self.covariates) {
            if !x.is_finite() {
                return Err(AnalysisError::new(
                    "analysis.not_numeric",
                    crate::json::join(&at(), column),
                    format!("{column} is {x}, not a finite number"),
                ));
            }
        }
        // Checked: from here on nothing fails, so a unit counts everywhere or nowhere.
        self.record(u);
        Ok(())
    }

    /// Adds a checked unit to its variant, its day and its segment.
    fn record(&mut self, u: &Unit) {
        let m = self.settings.metrics.len();
        if !self.covariates.is_empty() {
            if !self.co.contains_key(u.variant) {
                let fresh = vec![CoMoment::default(); self.covariates.len()];
                self.co.insert(u.variant.to_string(), fresh);
            }
            if let Some(co) = self.co.get_mut(u.variant) {
                for ((g, (k, _)), &x) in co.iter_mut().zip(&self.covariates).zip(u.covariates) {
                    g.push(x, u.values.get(*k).copied().unwrap_or_default());
                }
            }
        }
        let metrics = &self.settings.metrics;
        let add = |g: &mut Moments| {
            for (k, spec) in metrics.iter().enumerate() {
                let x = u.values.get(k).copied().unwrap_or_default();
                if let Some(w) = g.w.get_mut(k) {
                    w.push(x);
                }
                if spec.ratio.is_some() {
                    if let Some(r) = g.r.get_mut(k) {
                        r.push(u.denominators.get(k).copied().unwrap_or_default(), x);
                    }
                }
            }
        };
        // Looked up by `&str`: no allocation per row once the variant is known.
        if !self.groups.contains_key(u.variant) {
            self.groups.insert(u.variant.to_string(), Moments::new(m));
        }
        if let Some(g) = self.groups.get_mut(u.variant) {
            add(g);
        }
        if let Some(day) = u.day {
            let variants = self.days.entry(day).or_default();
            if !variants.contains_key(u.variant) {
                variants.insert(u.variant.to_string(), Moments::new(m));
            }
            if let Some(g) = variants.get_mut(u.variant) {
                add(g);
            }
        }
        if let (Some(segment), Some(segments)) = (u.segment, self.segments.as_mut()) {
            if !segments.contains_key(segment) {
                let child = Accumulator {
                    settings: self.settings.clone(),
                    covariates: self.covariates.clone(),
                    groups: BTreeMap::new(),
                    co: BTreeMap::new(),
                    days: BTreeMap::new(),
                    segments: None,
                };
                segments.insert(segment.to_string(), child);
            }
            if let Some(child) = segments.get_mut(segment) {
                child.record(&Unit {
                    day: None,
                    segment: None,
                    ..*u
                });
            }
        }
    }

    /// The results.
    pub fn finish(mut self) -> Result<Analysis, AnalysisError> {
        let segment_accs = self.segments.take();
        let s = &self.settings;
        let Some(control) = self.groups.get(&s.control) else {
            let seen: Vec<&str> = self.groups.keys().map(String::as_str).collect();
            return Err(AnalysisError::new(
                "analysis.unknown_control",
                "control",
                format!(
                    "no unit is in the control {:?} (variants: {})",
                    quoted(&s.control),
                    crate::error::listed(&seen)
                ),
            ));
        };
        if self.groups.len() < 2 {
            return Err(AnalysisError::new(
                "analysis.one_variant",
                "variant",
                "every unit is in the control: nothing to compare",
            ));
        }
        // SRM against the planned weights.
        let names: Vec<&String> = self.groups.keys().collect();
        let counts: Vec<f64> = self.groups.values().map(Moments::n).collect();
        let weights: Vec<f64> = match &s.weights {
            None => vec![1.0; names.len()],
            Some(w) => {
                let mut out = Vec::with_capacity(names.len());
                for n in &names {
                    out.push(*w.get(*n).ok_or_else(|| {
                        AnalysisError::new(
                            "analysis.weights",
                            crate::json::join("weights", n),
                            format!("no planned weight for variant {n:?}", n = quoted(n)),
                        )
                    })?);
                }
                out
            }
        };
        let srm = st::srm(&counts, &weights).map_err(|e| stats_error(e, "weights"))?;
        let srm = Srm {
            chi2: srm.statistic,
            p_value: srm.p_value,
            ok: srm.p_value >= s.srm_threshold,
            counts: names
                .iter()
                .map(|n| (*n).clone())
                .zip(counts.iter().copied())
                .collect(),
        };
        // A comparison that cannot be made (a metric without variance, too few units, a CUPED
        // covariate without variance) is reported in `skipped` with its typed error; the others
        // stand. Nothing at all to compare is the error of the first.
        let mut results = Vec::new();
        let mut skipped = Vec::new();
        for (variant, groups) in &self.groups {
            if variant == &s.control {
                continue;
            }
            for (k, spec) in s.metrics.iter().enumerate() {
                match self.compare(variant, groups, control, k, spec) {
                    Ok((r, cuped_error)) => {
                        results.push(r);
                        skipped.extend(cuped_error);
                    }
                    Err(e) => skipped.push(e),
                }
            }
        }
        if results.is_empty() {
            if let Some(e) = skipped.first() {
                return Err(e.clone());
            }
        }
        let p: Vec<f64> = results.iter().map(|r| r.p_value).collect();
        let (holm, bh) = (st::holm(&p), st::benjamini_hochberg(&p));
        let seq_p: Vec<f64> = results
            .iter()
            .map(|r| r.sequential.as_ref().map_or(1.0, |q| q.p_value))
            .collect();
        let seq_holm = st::holm(&seq_p);
        let (timeline, split) = self.timeline();
        let group_sequential = self.group_sequential(&results, &timeline, &split)?;
        for ((((r, h), b), sh), gs) in results
            .iter_mut()
            .zip(holm)
            .zip(bh)
            .zip(seq_holm)
            .zip(group_sequential)
        {
            r.p_holm = h;
            r.p_bh = b;
            if let Some(q) = r.sequential.as_mut() {
                q.p_holm = sh;
            }
            let p_verdict = if s.sequential { sh } else { h };
            let verdict = match &gs {
                Some(g) => match g.crossed_statistic {
                    None => "inconclusive",
                    Some(z) if z > 0.0 => "better",
                    Some(_) => "worse",
                },
                None if p_verdict >= s.alpha => "inconclusive",
                None if r.abs_lift > 0.0 => "better",
                None => "worse",
            };
            r.verdict = srm.ok.then_some(verdict);
            r.group_sequential = gs;
        }
        // A segment reads each metric as the whole analysis does (a segment whose revenue
        // happens to be all 0 or 1 is still a mean).
        let kinds: Vec<MetricKind> = s
            .metrics
            .iter()
            .enumerate()
            .map(|(k, m)| {
                m.kind.unwrap_or_else(|| {
                    let binary = self
                        .groups
                        .values()
                        .all(|g| g.w.get(k).is_some_and(|w| w.binary));
                    if binary {
                        MetricKind::Proportion
                    } else {
                        MetricKind::Mean
                    }
                })
            })
            .collect();
        let segments = segment_accs
            .into_iter()
            .flatten()
            .map(|(segment, mut acc)| {
                let units = acc.groups.values().map(Moments::n).sum();
                // A segment has no timeline of its own: its verdicts read the fixed test.
                acc.settings.planned_units = None;
                for (m, kind) in acc.settings.metrics.iter_mut().zip(&kinds) {
                    m.kind = Some(*kind);
                }
                let (analysis, error) = match acc.finish() {
                    Ok(a) => (Some(Box::new(a)), None),
                    Err(e) => (None, Some(e)),
                };
                SegmentAnalysis {
                    segment,
                    units,
                    analysis,
                    error,
                }
            })
            .collect();
        Ok(Analysis {
            alpha: s.alpha,
            sequential: s.sequential,
            srm,
            results,
            timeline,
            split,
            segments,
            join: None,
            roi: None,
            skipped,
        })
    }

    /// One variant × metric against the control, and, when its CUPED read-out cannot be
    /// made, why.
    fn compare(
        &self,
        variant: &String,
        groups: &Moments,
        control: &Moments,
        k: usize,
        spec: &MetricSpec,
    ) -> Result<(MetricResult, Option<AnalysisError>), AnalysisError> {
        let s = &self.settings;
        let kind = self.kind(variant, k);
        let path = format!("{variant}.{}", spec.name);
        let (t, c) = (groups.summary(k, kind), control.summary(k, kind));
        if kind == MetricKind::Ratio {
            for (who, x) in [(variant, t), (&s.control, c)] {
                if x.g.mean.is_nan() {
                    let (_, den) = spec.columns();
                    return Err(AnalysisError::new(
                        "analysis.zero_denominator",
                        format!("{who}.{}", spec.name),
                        format!(
                            "{who}.{}: the denominator {:?} sums to 0 over the units of {:?}: no ratio",
                            spec.name,
                            quoted(den.unwrap_or_default()),
                            quoted(who)
                        ),
                    ));
                }
            }
        }
        let (tg, cg) = (t.g, c.g);
        let (test, ci) = fixed_horizon(&t, &c, kind, s.alpha);
        let test = test.map_err(|e| stats_error(e, &path))?;
        let ci = ci.map_err(|e| stats_error(e, &path))?;
        // No relative lift against a control whose mean is 0 (an offer only the variant
        // shows is never redeemed in the control): the absolute lift still reads.
        let (rel, rel_ci) = if cg.mean == 0.0 {
            (None, None)
        } else {
            let (r, ci) = st::relative_ci(&tg, &cg, s.alpha).map_err(|e| stats_error(e, &path))?;
            (Some(r), Some(ci))
        };
        // The Beta posteriors' exact sum has one term per success: beyond its limit the
        // normal read-out, which agrees with it at such sizes.
        let bayes = match kind {
            MetricKind::Proportion if t.sum < crate::stats::bayes::MAX_EXACT_SUCCESSES => {
                crate::stats::bayes::proportions(t.sum, tg.n, c.sum, cg.n, s.alpha)
            }
            _ => crate::stats::bayes::means(&tg, &cg, s.alpha),
        }
        .ok();
        let sequential =
            sequential_read(&t, &c, kind, s.alpha, s.sequential_tuning).map(|(abs, rel)| {
                SequentialRead {
                    tuning: s.sequential_tuning,
                    abs_lift_ci: abs.ci,
                    rel_lift_ci: rel,
                    p_value: abs.p_value,
                    p_holm: 1.0,
                }
            });
        let (cuped, cuped_error) = match self.covariates.iter().position(|(m, _)| *m == k) {
            None => (None, None),
            Some(j) => match self.cuped(variant, j, &path) {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e)),
            },
        };
        Ok((
            MetricResult {
                variant: variant.clone(),
                control: s.control.clone(),
                metric: spec.name.clone(),
                kind,
                n: [tg.n, cg.n],
                mean: [tg.mean, cg.mean],
                abs_lift: tg.mean - cg.mean,
                abs_lift_ci: ci,
                rel_lift: rel,
                rel_lift_ci: rel_ci,
                statistic: test.statistic,
                p_value: test.p_value,
                df: test.df,
                p_holm: 0.0,
                p_bh: 0.0,
                verdict: None,
                bayes,
                sequential,
                cuped,
                group_sequential: None,
            },
            cuped_error,
        ))
    }

    /// Each result's group-sequential read-out (all `None` without a plan).
    fn group_sequential(
        &self,
        results: &[MetricResult],
        timeline: &[TimelinePoint],
        split: &[DaySplit],
    ) -> Result<Vec<Option<GroupSequentialRead>>, AnalysisError> {
        let s = &self.settings;
        let Some(planned) = s.planned_units else {
            return Ok(vec![None; results.len()]);
        };
        if split.is_empty() {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "plannedUnits",
                "a group-sequential plan looks once a day: give each unit's first day (the time column)",
            ));
        }
        // The looks: the days, at the units so far over every variant.
        let mut so_far = 0.0;
        let fractions: Vec<f64> = split
            .iter()
            .map(|d| {
                so_far += d.units.values().sum::<f64>();
                so_far / planned
            })
            .collect();
        let alpha = s.alpha / results.len().max(1) as f64;
        let bounds = crate::stats::group_sequential::boundaries(&fractions, alpha, s.spending)
            .map_err(|e| stats_error(e, "plannedUnits"))?;
        let look: BTreeMap<&str, usize> = split
            .iter()
            .enumerate()
            .map(|(i, d)| (d.day.as_str(), i))
            .collect();
        Ok(results
            .iter()
            .map(|r| {
                let mut read = GroupSequentialRead {
                    spending: s.spending.name(),
                    planned_units: planned,
                    alpha,
                    looks: fractions.len(),
                    information: fractions.last().copied().unwrap_or(0.0),
                    boundary: bounds.last().copied().filter(|c| c.is_finite()),
                    statistic: r.statistic,
                    crossed: None,
                    crossed_statistic: None,
                };
                for p in timeline
                    .iter()
                    .filter(|p| p.variant == r.variant && p.metric == r.metric)
                {
                    let (Some(z), Some(&k)) = (p.statistic, look.get(p.day.as_str())) else {
                        continue;
                    };
                    if bounds.get(k).is_some_and(|c| z.abs() >= *c) {
                        read.crossed = Some(p.day.clone());
                        read.crossed_statistic = Some(z);
                        break;
                    }
                }
                Some(read)
            })
            .collect())
    }

    /// How metric `k` is analysed for `variant` against the control: as declared, else a
    /// proportion when every value of both (over all units) is 0 or 1.
    fn kind(&self, variant: &str, k: usize) -> MetricKind {
        let binary = |name: &str| {
            self.groups
                .get(name)
                .and_then(|g| g.w.get(k))
                .is_some_and(|w| w.binary)
        };
        let declared = self.settings.metrics.get(k).and_then(|m| m.kind);
        declared.unwrap_or(if binary(variant) && binary(&self.settings.control) {
            MetricKind::Proportion
        } else {
            MetricKind::Mean
        })
    }

    /// Day by day, for units pushed with their day: each variant × metric against the control
    /// on all units up to that day, and the units that entered each day.
    fn timeline(&self) -> (Vec<TimelinePoint>, Vec<DaySplit>) {
        let s = &self.settings;
        let mut running: BTreeMap<&str, Moments> = BTreeMap::new();
        let mut points = Vec::new();
        let mut split = Vec::new();
        for (day, variants) in &self.days {
            let date = crate::time::format_date(day.saturating_mul(crate::time::DAY_MS), 0);
            let mut units = BTreeMap::new();
            for (v, groups) in variants {
                units.insert(v.clone(), groups.n());
                running
                    .entry(v.as_str())
                    .or_insert_with(|| Moments::new(s.metrics.len()))
                    .merge(groups);
            }
            split.push(DaySplit {
                day: date.clone(),
                units,
            });
            let Some(control) = running.get(s.control.as_str()) else {
                continue;
            };
            for (v, groups) in &running {
                if *v == s.control {
                    continue;
                }
                for (k, spec) in s.metrics.iter().enumerate() {
                    let kind = self.kind(v, k);
                    let (t, c) = (groups.summary(k, kind), control.summary(k, kind));
                    if t.g.n == 0.0 || c.g.n == 0.0 || !(t.g.mean - c.g.mean).is_finite() {
                        continue;
                    }
                    let (test, ci) = fixed_horizon(&t, &c, kind, s.alpha);
                    let seq = sequential_read(&t, &c, kind, s.alpha, s.sequential_tuning);
                    points.push(TimelinePoint {
                        day: date.clone(),
                        variant: v.to_string(),
                        metric: spec.name.clone(),
                        n: [t.g.n, c.g.n],
                        abs_lift: t.g.mean - c.g.mean,
                        abs_lift_ci: ci.ok(),
                        sequential_ci: seq.map(|(a, _)| a.ci),
                        p_value: test.as_ref().ok().map(|x| x.p_value),
                        statistic: test.as_ref().ok().map(|x| x.statistic),
                        sequential_p_value: seq.map(|(a, _)| a.p_value),
                    });
                }
            }
        }
        (points, split)
    }
}

/// The fixed-horizon test and interval of the difference: the pooled z-test and the Wald
/// interval for a proportion, Welch's test and interval for a mean or a ratio.
type Fixed = (
    Result<st::TestResult, StatsError>,
    Result<(f64, f64), StatsError>,
);

fn fixed_horizon(t: &Summary, c: &Summary, kind: MetricKind, alpha: f64) -> Fixed {
    match kind {
        MetricKind::Proportion => (
            st::two_proportion_ztest(t.sum, t.g.n, c.sum, c.g.n),
            st::diff_ci_proportions(t.sum, t.g.n, c.sum, c.g.n, alpha),
        ),
        MetricKind::Mean | MetricKind::Ratio => (
            st::welch_ttest(&t.g, &c.g),
            st::diff_ci_means(&t.g, &c.g, alpha),
        ),
    }
}

/// The confidence sequences of the absolute and relative lift (`None` when the groups have no
/// variance), with the variances GrowthBook's `gbstats` uses: `p (1 − p)` for a proportion,
/// the sample variance for a mean, the delta method's for a ratio, and for the relative lift the
/// delta method `v_t / (m_c² n_t) + v_c m_t² / (m_c⁴ n_c)`.
fn sequential_read(
    t: &Summary,
    c: &Summary,
    kind: MetricKind,
    alpha: f64,
    tuning: f64,
) -> Option<(crate::stats::sequential::Sequence, Option<(f64, f64)>)> {
    use crate::stats::sequential::sequence;
    let v = |x: &Summary| match kind {
        MetricKind::Proportion => x.g.mean * (1.0 - x.g.mean),
        MetricKind::Mean | MetricKind::Ratio => x.g.var,
    };
    let (vt, vc) = (v(t), v(c));
    let (t, c) = (&t.g, &c.g);
    let n = t.n + c.n;
    let abs = sequence(t.mean - c.mean, vt / t.n + vc / c.n, n, alpha, tuning).ok()?;
    let rel = (c.mean != 0.0)
        .then(|| {
            let m2 = c.mean * c.mean;
            let var = vt / (m2 * t.n) + vc * t.mean * t.mean / (m2 * m2 * c.n);
            sequence((t.mean - c.mean) / c.mean, var, n, alpha, tuning).ok()
        })
        .flatten()
        .map(|q| q.ci);
    Some((abs, rel))
}

/// A metric's always-valid read-out ([`crate::stats::sequential`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SequentialRead {
    /// The tuning parameter `N`.
    pub tuning: f64,
    /// The confidence sequence of the absolute lift.
    #[serde(rename = "absLiftCI")]
    pub abs_lift_ci: (f64, f64),
    /// The confidence sequence of the relative lift (`null` when the control's mean is 0).
    #[serde(rename = "relLiftCI")]
    pub rel_lift_ci: Option<(f64, f64)>,
    /// The always-valid p-value of the absolute lift.
    pub p_value: f64,
    /// Holm-adjusted across every variant × metric.
    pub p_holm: f64,
}

/// One day of the timeline: a variant × metric on every unit up to the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelinePoint {
    pub day: String,
    pub variant: String,
    pub metric: String,
    /// `[variant, control]` units so far.
    pub n: [f64; 2],
    pub abs_lift: f64,
    /// The fixed-horizon interval (valid only if this day was planned as the end).
    #[serde(rename = "absLiftCI")]
    pub abs_lift_ci: Option<(f64, f64)>,
    /// The confidence sequence (valid whenever it is read).
    #[serde(rename = "sequentialCI")]
    pub sequential_ci: Option<(f64, f64)>,
    pub p_value: Option<f64>,
    pub sequential_p_value: Option<f64>,
    /// The fixed test's statistic (z, or Welch's t).
    pub statistic: Option<f64>,
}

/// The units that entered the experiment on a day, by variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DaySplit {
    pub day: String,
    pub units: BTreeMap<String, f64>,
}

impl Accumulator {
    /// CUPED for covariate `j` of `variant` against the control.
    fn cuped(&self, variant: &str, j: usize, path: &str) -> Result<Cuped, AnalysisError> {
        let s = &self.settings;
        let get = |v: &str| {
            self.co
                .get(v)
                .and_then(|g| g.get(j))
                .copied()
                .unwrap_or_default()
        };
        let (t, c) = (get(variant), get(&s.control));
        let pooled = t.merge(&c);
        let column = self
            .covariates
            .get(j)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        if pooled.m2x <= 0.0 {
            return Err(AnalysisError::new(
                "analysis.zero_variance",
                crate::json::join(path, &column),
                format!(
                    "{path}: the covariate {column:?} has zero variance: CUPED cannot use it",
                    column = quoted(&column)
                ),
            ));
        }
        let theta = pooled.cxy / pooled.m2x;
        let (tg, tm2) = t.adjusted(theta, pooled.mx);
        let (cg, cm2) = c.adjusted(theta, pooled.mx);
        let test = st::welch_ttest(&tg, &cg).map_err(|e| stats_error(e, path))?;
        let ci = st::diff_ci_means(&tg, &cg, s.alpha).map_err(|e| stats_error(e, path))?;
        let between = (tg.mean - cg.mean) * (tg.mean - cg.mean) * t.n * c.n / pooled.n;
        let reduction = if pooled.m2y > 0.0 {
            1.0 - (tm2 + cm2 + between) / pooled.m2y
        } else {
            0.0
        };
        Ok(Cuped {
            covariate: column,
            theta,
            variance_reduction: reduction,
            abs_lift: tg.mean - cg.mean,
            abs_lift_ci: ci,
            statistic: test.statistic,
            p_value: test.p_value,
            df: test.df.unwrap_or(f64::NAN),
        })
    }
}

/// A metric's CUPED read-out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cuped {
    pub covariate: String,
    pub theta: f64,
    /// The share of the metric's variance the covariate removes (pooled over both groups).
    pub variance_reduction: f64,
    pub abs_lift: f64,
    #[serde(rename = "absLiftCI")]
    pub abs_lift_ci: (f64, f64),
    pub statistic: f64,
    pub p_value: f64,
    pub df: f64,
}

fn stats_error(e: StatsError, path: &str) -> AnalysisError {
    let code = match e {
        StatsError::TooFew(_) => "analysis.too_few",
        StatsError::ZeroVariance(_) => "analysis.zero_variance",
        StatsError::Invalid(_) => "analysis.invalid",
    };
    AnalysisError::new(code, path, format!("{path}: {e}"))
}

/// The sample-ratio-mismatch check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Srm {
    pub chi2: f64,
    pub p_value: f64,
    /// `false`: the split is not the planned one; the verdicts are withheld.
    pub ok: bool,
    pub counts: BTreeMap<String, f64>,
}

/// One variant × metric against the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricResult {
    pub variant: String,
    pub control: String,
    pub metric: String,
    pub kind: MetricKind,
    /// `[variant, control]`.
    pub n: [f64; 2],
    pub mean: [f64; 2],
    pub abs_lift: f64,
    #[serde(rename = "absLiftCI")]
    pub abs_lift_ci: (f64, f64),
    /// `m_t / m_c − 1`; `null` when the control's mean is 0.
    pub rel_lift: Option<f64>,
    #[serde(rename = "relLiftCI")]
    pub rel_lift_ci: Option<(f64, f64)>,
    pub statistic: f64,
    pub p_value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub df: Option<f64>,
    /// Holm-adjusted across every variant × metric.
    pub p_holm: f64,
    /// Benjamini–Hochberg-adjusted across every variant × metric.
    #[serde(rename = "pBH")]
    pub p_bh: f64,
    /// `better`, `worse` or `inconclusive` at Holm's adjusted p and `alpha` (the always-valid
    /// p's when the settings are `sequential`); `null` when the SRM check failed.
    pub verdict: Option<&'static str>,
    /// The Bayesian read-out (see [`crate::stats::bayes`]); `null` when it cannot be made.
    pub bayes: Option<crate::stats::bayes::Bayes>,
    /// The always-valid read-out; `null` when the groups have no variance.
    pub sequential: Option<SequentialRead>,
    /// With a covariate: the CUPED read-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cuped: Option<Cuped>,
    /// With a group-sequential plan: the looks and the boundary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_sequential: Option<GroupSequentialRead>,
}

/// A metric's group-sequential read-out: each day of the timeline a look at information
/// fraction `units so far / plannedUnits`, the boundary on the test's statistic there.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSequentialRead {
    /// `obrien-fleming` or `pocock`.
    pub spending: &'static str,
    pub planned_units: f64,
    /// The level each comparison spends: `alpha` / the number of comparisons.
    pub alpha: f64,
    /// Looks so far (days).
    pub looks: usize,
    /// The information fraction of the last look.
    pub information: f64,
    /// The boundary at the last look (`null` past the plan: nothing left to spend) and the
    /// statistic there.
    pub boundary: Option<f64>,
    pub statistic: f64,
    /// The first day the statistic reached its boundary (the test stops there), if any.
    pub crossed: Option<String>,
    /// The statistic on that day.
    pub crossed_statistic: Option<f64>,
}

/// An analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    pub alpha: f64,
    /// Whether verdicts read the always-valid p-values.
    pub sequential: bool,
    pub srm: Srm,
    pub results: Vec<MetricResult>,
    /// Day by day (units pushed with their day; empty otherwise), in day order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelinePoint>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<DaySplit>,
    /// Units pushed with a segment: the analysis of each segment's units alone, in segment
    /// order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentAnalysis>,
    /// The comparisons that could not be made, each with its typed error (`path` is
    /// `variant.metric`, or `variant.metric.covariate` for a CUPED read-out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<AnalysisError>,
    /// For the programme against its holdout with a point value: its return on the incentives
    /// it paid ([`logs::Roi`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roi: Option<logs::Roi>,
    /// For an analysis of logs: how the decisions and outcomes were joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join: Option<logs::JoinSummary>,
}

/// The analysis of one segment's units.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentAnalysis {
    pub segment: String,
    /// Its units, over every variant.
    pub units: f64,
    /// `null` when the segment cannot be analysed on its own (see `error`).
    pub analysis: Option<Box<Analysis>>,
    /// Why not (a segment with no control unit, say): the error the whole analysis would have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AnalysisError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_a_long_group_by_its_start_and_length() {
        // The data:nps fuzzing: a 64 KB group label with too few answers was the error's path.
        let label = "x".repeat(65_536);
        let e = AnalysisError::new(
            "analysis.too_few",
            format!("{label}.score"),
            format!("group {label} has {:?}", "y".repeat(100_000)),
        );
        assert_eq!(e.path, format!("{}… (65536 bytes).score", "x".repeat(32)));
        assert!(e.message.len() < 2_100, "{}", e.message.len());
        assert!(e.message.ends_with("bytes)"), "{}", e.message);
    }
}
