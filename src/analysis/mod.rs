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
//! * both get the relative lift `m_t / m_c − 1` with its delta-method interval;
//! * p-values adjusted across every variant × metric by Holm and Benjamini–Hochberg;
//! * the sample-ratio-mismatch check of the units per variant against the planned weights
//!   (default equal): below `srmThreshold` (default 0.001) the verdicts are withheld;
//! * the Bayesian read-out: probability to beat the control, expected loss, credible interval
//!   ([`crate::stats::bayes`]);
//! * CUPED for a metric with a pre-period covariate `x`: `θ = cov(x, y) / var(x)` over the two
//!   groups compared, pooled; `y − θ (x − x̄)` is then tested as a mean (Welch), and the share of
//!   the variance removed is reported (`varianceReduction`).

pub mod report;

use crate::stats::tests::{self as st, Group, StatsError};
use serde::Serialize;
use std::collections::BTreeMap;

/// How a metric is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MetricKind {
    Proportion,
    Mean,
}

/// A metric to analyse: its column and, when declared, its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    pub name: String,
    pub kind: Option<MetricKind>,
}

impl MetricSpec {
    /// `revenue`, `revenue:mean` or `visit:proportion`.
    pub fn parse(text: &str) -> Result<MetricSpec, String> {
        let (name, kind) = match text.split_once(':') {
            None => (text, None),
            Some((n, "mean")) => (n, Some(MetricKind::Mean)),
            Some((n, "proportion")) => (n, Some(MetricKind::Proportion)),
            Some((_, k)) => {
                return Err(format!(
                    "metric kind {k:?}: use name, name:mean or name:proportion"
                ))
            }
        };
        if name.is_empty() {
            return Err(format!("metric {text:?} has no column name"));
        }
        Ok(MetricSpec {
            name: name.to_string(),
            kind,
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
}

impl Settings {
    /// The defaults: equal weights, alpha 0.05, SRM threshold 0.001, no covariates,
    /// fixed-horizon verdicts, tuning 5,000.
    pub fn new(control: impl Into<String>, metrics: Vec<MetricSpec>) -> Settings {
        Settings {
            control: control.into(),
            metrics,
            weights: None,
            alpha: 0.05,
            srm_threshold: 0.001,
            covariates: BTreeMap::new(),
            sequential: false,
            sequential_tuning: crate::stats::sequential::DEFAULT_TUNING,
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

/// Why an analysis cannot be made: a stable code, where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct AnalysisError {
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

impl AnalysisError {
    pub(crate) fn new(
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        AnalysisError {
            code,
            path: path.into(),
            message: message.into(),
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

/// Rows in, one at a time.
#[derive(Debug, Clone)]
pub struct Accumulator {
    settings: Settings,
    covariates: Vec<(usize, String)>,
    /// Variant → per metric.
    groups: BTreeMap<String, Vec<Welford>>,
    /// Variant → per covariate (in `covariates`' order).
    co: BTreeMap<String, Vec<CoMoment>>,
    /// Day (days since 1970-01-01) → variant → per metric: the units that entered that day.
    days: BTreeMap<i64, BTreeMap<String, Vec<Welford>>>,
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
        for (metric, column) in &settings.covariates {
            if !settings.metrics.iter().any(|m| &m.name == metric) {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    format!("covariate.{metric}"),
                    format!("covariate {column:?} is for metric {metric:?}, which is not analysed"),
                ));
            }
        }
        Ok(Accumulator {
            covariates: settings.covariate_list(),
            settings,
            groups: BTreeMap::new(),
            co: BTreeMap::new(),
            days: BTreeMap::new(),
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
        self.push_on(variant, None, values, covariates, at)
    }

    /// [`Self::push`] for a unit that entered the experiment on `day` (days since 1970-01-01):
    /// the analysis then also follows the results day by day ([`Analysis::timeline`]).
    pub fn push_on(
        &mut self,
        variant: &str,
        day: Option<i64>,
        values: &[f64],
        covariates: &[f64],
        at: &dyn Fn() -> String,
    ) -> Result<(), AnalysisError> {
        if !self.covariates.is_empty() {
            if !self.co.contains_key(variant) {
                let fresh = vec![CoMoment::default(); self.covariates.len()];
                self.co.insert(variant.to_string(), fresh);
            }
            let Some(co) = self.co.get_mut(variant) else {
                return Ok(());
            };
            for ((g, (k, column)), &x) in co.iter_mut().zip(&self.covariates).zip(covariates) {
                if !x.is_finite() {
                    return Err(AnalysisError::new(
                        "analysis.not_numeric",
                        format!("{}.{column}", at()),
                        format!("{column} is {x}, not a finite number"),
                    ));
                }
                g.push(x, values.get(*k).copied().unwrap_or(f64::NAN));
            }
        }
        let m = self.settings.metrics.len();
        // Looked up by `&str`: no allocation per row once the variant is known.
        if !self.groups.contains_key(variant) {
            self.groups
                .insert(variant.to_string(), vec![Welford::default(); m]);
        }
        let Some(groups) = self.groups.get_mut(variant) else {
            return Ok(());
        };
        for (k, (&x, spec)) in values.iter().zip(&self.settings.metrics).enumerate() {
            if !x.is_finite() {
                return Err(AnalysisError::new(
                    "analysis.not_numeric",
                    format!("{}.{}", at(), spec.name),
                    format!("{} is {x}, not a finite number", spec.name),
                ));
            }
            if spec.kind == Some(MetricKind::Proportion) && x != 0.0 && x != 1.0 {
                return Err(AnalysisError::new(
                    "analysis.not_binary",
                    format!("{}.{}", at(), spec.name),
                    format!(
                        "{} is declared a proportion but is {x} (0 or 1 only)",
                        spec.name
                    ),
                ));
            }
            if let Some(g) = groups.get_mut(k) {
                g.push(x);
            }
        }
        if let Some(day) = day {
            let variants = self.days.entry(day).or_default();
            if !variants.contains_key(variant) {
                variants.insert(variant.to_string(), vec![Welford::default(); m]);
            }
            if let Some(groups) = variants.get_mut(variant) {
                for (g, &x) in groups.iter_mut().zip(values) {
                    g.push(x);
                }
            }
        }
        Ok(())
    }

    /// The results.
    pub fn finish(self) -> Result<Analysis, AnalysisError> {
        let s = &self.settings;
        let Some(control) = self.groups.get(&s.control) else {
            let seen: Vec<&str> = self.groups.keys().map(String::as_str).collect();
            return Err(AnalysisError::new(
                "analysis.unknown_control",
                "control",
                format!(
                    "no unit is in the control {:?} (variants: {})",
                    s.control,
                    seen.join(", ")
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
        let counts: Vec<f64> = self
            .groups
            .values()
            .map(|g| g.first().map_or(0.0, |w| w.n))
            .collect();
        let weights: Vec<f64> = match &s.weights {
            None => vec![1.0; names.len()],
            Some(w) => {
                let mut out = Vec::with_capacity(names.len());
                for n in &names {
                    out.push(*w.get(*n).ok_or_else(|| {
                        AnalysisError::new(
                            "analysis.weights",
                            format!("weights.{n}"),
                            format!("no planned weight for variant {n:?}"),
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
        let mut results = Vec::new();
        for (variant, groups) in &self.groups {
            if variant == &s.control {
                continue;
            }
            for (k, spec) in s.metrics.iter().enumerate() {
                let (Some(t), Some(c)) = (groups.get(k), control.get(k)) else {
                    continue;
                };
                let kind = self.kind(variant, k);
                let path = format!("{variant}.{}", spec.name);
                let (tg, cg) = (t.group(), c.group());
                let (test, ci) = fixed_horizon(t, c, kind, s.alpha);
                let test = test.map_err(|e| stats_error(e, &path))?;
                let ci = ci.map_err(|e| stats_error(e, &path))?;
                let (rel, rel_ci) =
                    st::relative_ci(&tg, &cg, s.alpha).map_err(|e| stats_error(e, &path))?;
                // The Beta posteriors' exact sum has one term per success: beyond its limit the
                // normal read-out, which agrees with it at such sizes.
                let bayes = match kind {
                    MetricKind::Proportion if t.sum < crate::stats::bayes::MAX_EXACT_SUCCESSES => {
                        crate::stats::bayes::proportions(t.sum, t.n, c.sum, c.n, s.alpha)
                    }
                    _ => crate::stats::bayes::means(&tg, &cg, s.alpha),
                }
                .ok();
                let sequential =
                    sequential_read(t, c, kind, s.alpha, s.sequential_tuning).map(|(abs, rel)| {
                        SequentialRead {
                            tuning: s.sequential_tuning,
                            abs_lift_ci: abs.ci,
                            rel_lift_ci: rel,
                            p_value: abs.p_value,
                            p_holm: 1.0,
                        }
                    });
                let cuped = match self.covariates.iter().position(|(m, _)| *m == k) {
                    None => None,
                    Some(j) => Some(self.cuped(variant, j, &path)?),
                };
                results.push(MetricResult {
                    variant: variant.clone(),
                    control: s.control.clone(),
                    metric: spec.name.clone(),
                    kind,
                    n: [t.n, c.n],
                    mean: [t.mean, c.mean],
                    abs_lift: t.mean - c.mean,
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
                });
            }
        }
        let p: Vec<f64> = results.iter().map(|r| r.p_value).collect();
        let (holm, bh) = (st::holm(&p), st::benjamini_hochberg(&p));
        let seq_p: Vec<f64> = results
            .iter()
            .map(|r| r.sequential.as_ref().map_or(1.0, |q| q.p_value))
            .collect();
        let seq_holm = st::holm(&seq_p);
        for (((r, h), b), sh) in results.iter_mut().zip(holm).zip(bh).zip(seq_holm) {
            r.p_holm = h;
            r.p_bh = b;
            if let Some(q) = r.sequential.as_mut() {
                q.p_holm = sh;
            }
            let p_verdict = if s.sequential { sh } else { h };
            let verdict = if p_verdict >= s.alpha {
                "inconclusive"
            } else if r.abs_lift > 0.0 {
                "better"
            } else {
                "worse"
            };
            r.verdict = srm.ok.then_some(verdict);
        }
        let (timeline, split) = self.timeline();
        Ok(Analysis {
            alpha: s.alpha,
            sequential: s.sequential,
            srm,
            results,
            timeline,
            split,
        })
    }

    /// How metric `k` is analysed for `variant` against the control: as declared, else a
    /// proportion when every value of both (over all units) is 0 or 1.
    fn kind(&self, variant: &str, k: usize) -> MetricKind {
        let binary = |name: &str| {
            self.groups
                .get(name)
                .and_then(|g| g.get(k))
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
        let mut running: BTreeMap<&str, Vec<Welford>> = BTreeMap::new();
        let mut points = Vec::new();
        let mut split = Vec::new();
        for (day, variants) in &self.days {
            let date = crate::time::format_date(day.saturating_mul(crate::time::DAY_MS), 0);
            let mut units = BTreeMap::new();
            for (v, groups) in variants {
                units.insert(v.clone(), groups.first().map_or(0.0, |g| g.n));
                let r = running
                    .entry(v.as_str())
                    .or_insert_with(|| vec![Welford::default(); groups.len()]);
                for (a, b) in r.iter_mut().zip(groups) {
                    a.merge(b);
                }
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
                    let (Some(t), Some(c)) = (groups.get(k), control.get(k)) else {
                        continue;
                    };
                    if t.n == 0.0 || c.n == 0.0 {
                        continue;
                    }
                    let kind = self.kind(v, k);
                    let (test, ci) = fixed_horizon(t, c, kind, s.alpha);
                    let seq = sequential_read(t, c, kind, s.alpha, s.sequential_tuning);
                    points.push(TimelinePoint {
                        day: date.clone(),
                        variant: v.to_string(),
                        metric: spec.name.clone(),
                        n: [t.n, c.n],
                        abs_lift: t.mean - c.mean,
                        abs_lift_ci: ci.ok(),
                        sequential_ci: seq.map(|(a, _)| a.ci),
                        p_value: test.ok().map(|x| x.p_value),
                        sequential_p_value: seq.map(|(a, _)| a.p_value),
                    });
                }
            }
        }
        (points, split)
    }
}

/// The fixed-horizon test and interval of the difference: the pooled z-test and the Wald
/// interval for a proportion, Welch's test and interval for a mean.
type Fixed = (
    Result<st::TestResult, StatsError>,
    Result<(f64, f64), StatsError>,
);

fn fixed_horizon(t: &Welford, c: &Welford, kind: MetricKind, alpha: f64) -> Fixed {
    match kind {
        MetricKind::Proportion => (
            st::two_proportion_ztest(t.sum, t.n, c.sum, c.n),
            st::diff_ci_proportions(t.sum, t.n, c.sum, c.n, alpha),
        ),
        MetricKind::Mean => {
            let (tg, cg) = (t.group(), c.group());
            (
                st::welch_ttest(&tg, &cg),
                st::diff_ci_means(&tg, &cg, alpha),
            )
        }
    }
}

/// The confidence sequences of the absolute and relative lift (`None` when the groups have no
/// variance), with the variances GrowthBook's `gbstats` uses: `p (1 − p)` for a proportion,
/// the sample variance for a mean, and for the relative lift the delta method
/// `v_t / (m_c² n_t) + v_c m_t² / (m_c⁴ n_c)`.
fn sequential_read(
    t: &Welford,
    c: &Welford,
    kind: MetricKind,
    alpha: f64,
    tuning: f64,
) -> Option<(crate::stats::sequential::Sequence, Option<(f64, f64)>)> {
    use crate::stats::sequential::sequence;
    let v = |w: &Welford| match kind {
        MetricKind::Proportion => w.mean * (1.0 - w.mean),
        MetricKind::Mean => w.group().var,
    };
    let (vt, vc) = (v(t), v(c));
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
                format!("{path}.{column}"),
                format!("{path}: the covariate {column:?} has zero variance: CUPED cannot use it"),
            ));
        }
        let theta = pooled.cxy / pooled.m2x;
        let (tg, tm2) = t.adjusted(theta, pooled.mx);
        let (cg, cm2) = c.adjusted(theta, pooled.mx);
        let test = st::welch_ttest(&tg, &cg).map_err(|e| stats_error(e, path))?;
        let ci = st::diff_ci_means(&tg, &cg, s.alpha).map_err(|e| stats_error(e, path))?;
        let between = (tg.mean - cg.mean).powi(2) * t.n * c.n / pooled.n;
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
    pub rel_lift: f64,
    #[serde(rename = "relLiftCI")]
    pub rel_lift_ci: (f64, f64),
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
}
