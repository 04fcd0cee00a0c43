//! Decision logs and outcome events in ([`analyze_logs`]): the experiment's units, their
//! variant and metrics, joined from what the engine and the shop logged.
//!
//! * **Units** are customers: every decision record (`offerwise.decision/1`, JSON Lines) whose
//!   `exposures` name the experiment makes its customer a unit, in the variant exposed, from
//!   the first such decision (the unit's **exposure**; its segment is the one of that
//!   decision). A customer exposed to two variants of the experiment (a forced override or a
//!   re-randomised phase) is left out and counted (`join.multipleVariants`), as GrowthBook does.
//! * **Outcomes** (`offerwise.outcome/1`, JSON Lines or CSV with those fields as columns) count
//!   for the unit of their `customerId` when they happen within the **attribution window**
//!   after its exposure: `[exposure, exposure + window)` (default 14 days).
//! * **Metrics**, per unit over its window:
//!
//! | metric | kind | value per unit |
//! | --- | --- | --- |
//! | `conversion` | proportion | ordered at least once |
//! | `churn` | proportion | did not order (1 − `conversion`) |
//! | `revenue`, `margin` | mean | sum of its orders' revenue, margin |
//! | `orders` | mean | number of orders |
//! | `aov` | ratio | average order value: Σ revenue / Σ orders over the units (delta method) |
//! | `repeat` | proportion | ordered at least twice (repeat-purchase rate) |
//! | `retention:N` | proportion | ordered within the window starting `N` days after exposure: `[exposure + N d, exposure + N d + window)` (GrowthBook's conversion delay) |
//! | `pointsEarned`, `pointsRedeemed` | mean | loyalty points its orders earned, burned |
//! | `discount` | mean | money the programme took off its orders |
//! | `incentives` | mean | what the programme paid it: `discount + cashback + gifts + pointValue × pointsRedeemed` |
//! | `netMargin` | mean | its orders' margin less those incentives |
//! | `redemption`, `redemption:OFFER` | proportion | redeemed an offer (that offer) |
//! | `redemptions` | mean | number of offers redeemed |
//! | `click` | proportion | clicked an offer |
//!
//! * **CUPED** (`cuped`): each mean and proportion metric gets as covariate the same metric over
//!   the window before exposure, `[exposure − window, exposure)` (named `pre.<metric>`).
//!
//! Units are analysed in customer-id order, so the result does not depend on the order of the
//! lines; the outcomes are read after every decision.

use super::{Accumulator, Analysis, AnalysisError, MetricKind, MetricSpec, Settings, Unit};
use crate::error::quoted;
use crate::offers::log::{DecisionRecord, Outcome, OutcomeType, OUTCOME_SCHEMA};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn default_window() -> f64 {
    14.0
}
fn default_metrics() -> Vec<String> {
    ["conversion", "revenue", "orders", "aov", "redemption"]
        .map(String::from)
        .to_vec()
}

/// How to join and analyse the logs (see the module docs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogOptions {
    /// The experiment's key (ignored with `holdout`).
    #[serde(default)]
    pub experiment: String,
    /// The programme against its global holdout instead of an experiment, given the holdout's
    /// planned share (the programme's `holdout.share`, for the sample-ratio check): every
    /// customer decided for is a unit, in `holdout` (the decision says `holdout: true`) or
    /// `exposed`.
    #[serde(default)]
    pub holdout: Option<f64>,
    pub control: String,
    /// The attribution window in days (default 14).
    #[serde(default = "default_window")]
    pub window_days: f64,
    /// The metrics (default `conversion`, `revenue`, `orders`, `aov`, `redemption`).
    #[serde(default = "default_metrics")]
    pub metrics: Vec<String>,
    /// CUPED with each metric's pre-exposure window.
    #[serde(default)]
    pub cuped: bool,
    /// The money value of one loyalty point redeemed (the programme's burn rate), for
    /// `incentives` and `netMargin`.
    #[serde(default)]
    pub point_value: Option<f64>,
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
    /// Every segment (of the exposure's decision) analysed on its own as well.
    #[serde(default)]
    pub by_segment: bool,
}

impl LogOptions {
    /// The defaults for an experiment and its control.
    pub fn new(experiment: impl Into<String>, control: impl Into<String>) -> LogOptions {
        LogOptions {
            experiment: experiment.into(),
            control: control.into(),
            window_days: default_window(),
            metrics: default_metrics(),
            holdout: None,
            cuped: false,
            point_value: None,
            weights: None,
            alpha: super::defaults::alpha(),
            srm_threshold: super::defaults::srm_threshold(),
            sequential: false,
            sequential_tuning: super::defaults::tuning(),
            planned_units: None,
            spending: Default::default(),
            by_segment: false,
        }
    }
}

/// How the logs were joined.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinSummary {
    /// The experiment's key, or `holdout` for the programme against its global holdout.
    pub experiment: String,
    /// Whether this is the programme against its global holdout.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub holdout: bool,
    pub window_days: f64,
    /// Decision records read.
    pub decisions: u64,
    /// Of them, those exposing their customer to the experiment.
    pub exposures: u64,
    /// Units analysed.
    pub units: u64,
    /// Customers exposed to more than one variant: left out.
    pub multiple_variants: u64,
    /// Outcome events read.
    pub outcomes: u64,
    /// Counted in some unit's metric window.
    pub attributed: u64,
    /// Of a unit, but before its exposure (the pre-period when `cuped`) or after its windows.
    pub outside_window: u64,
    /// Of a customer who is not a unit (not exposed, or left out).
    pub unmatched: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Conversion,
    Redemption(Option<String>),
    Click,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Count,
    Revenue,
    Margin,
    PointsEarned,
    PointsRedeemed,
    Discount,
    /// `discount + cashback + gifts + pointValue × pointsRedeemed`.
    Incentives,
    /// `margin` less the incentives.
    NetMargin,
}

/// A sum over a unit's outcomes: of `field` of the events `event`, in the window starting
/// `start` ms after exposure.
#[derive(Debug, Clone, PartialEq)]
struct Raw {
    event: Event,
    field: Field,
    start: i64,
}

#[derive(Debug, Clone, Copy)]
enum Derive {
    Any(usize),
    /// 1 when the sum is 0.
    NoneOf(usize),
    AtLeastTwo(usize),
    Sum(usize),
    Ratio(usize, usize),
}

#[derive(Debug, Clone)]
struct LogMetric {
    name: String,
    kind: MetricKind,
    derive: Derive,
}

const DAY_MS: i64 = crate::time::DAY_MS;

/// The variant of customers in the programme's global holdout (`holdout` analyses).
pub const HOLDOUT: &str = "holdout";
/// The variant of the customers the programme reaches (`holdout` analyses).
pub const EXPOSED: &str = "exposed";

/// Parses the metric names into metrics over raw sums (shared between metrics).
fn metrics(
    names: &[String],
    point_value: Option<f64>,
) -> Result<(Vec<LogMetric>, Vec<Raw>), AnalysisError> {
    let mut raws: Vec<Raw> = Vec::new();
    let mut raw = |event: Event, field: Field, start: i64| {
        let r = Raw {
            event,
            field,
            start,
        };
        match raws.iter().position(|x| *x == r) {
            Some(i) => i,
            None => {
                raws.push(r);
                raws.len() - 1
            }
        }
    };
    let mut out = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let bad =
            |why: String| AnalysisError::new("analysis.invalid", format!("metrics[{k}]"), why);
        let (base, arg) = match name.split_once(':') {
            Some((b, a)) => (b, Some(a)),
            None => (name.as_str(), None),
        };
        use Derive::{Any, AtLeastTwo, Sum};
        use MetricKind::{Mean, Proportion};
        let (kind, derive) = match (base, arg) {
            ("conversion", None) => (Proportion, Any(raw(Event::Conversion, Field::Count, 0))),
            ("churn", None) => (
                Proportion,
                Derive::NoneOf(raw(Event::Conversion, Field::Count, 0)),
            ),
            ("revenue", None) => (Mean, Sum(raw(Event::Conversion, Field::Revenue, 0))),
            ("margin", None) => (Mean, Sum(raw(Event::Conversion, Field::Margin, 0))),
            ("orders", None) => (Mean, Sum(raw(Event::Conversion, Field::Count, 0))),
            ("aov", None) => (
                MetricKind::Ratio,
                Derive::Ratio(
                    raw(Event::Conversion, Field::Revenue, 0),
                    raw(Event::Conversion, Field::Count, 0),
                ),
            ),
            ("repeat", None) => (
                Proportion,
                AtLeastTwo(raw(Event::Conversion, Field::Count, 0)),
            ),
            ("retention", Some(days)) => {
                let n: u32 = days.parse().map_err(|_| {
                    bad(format!(
                        "{name:?}: retention:N takes a whole number of days ≥ 0", name = quoted(name)
                    ))
                })?;
                (
                    Proportion,
                    Any(raw(Event::Conversion, Field::Count, i64::from(n) * DAY_MS)),
                )
            }
            ("pointsEarned", None) => (Mean, Sum(raw(Event::Conversion, Field::PointsEarned, 0))),
            ("pointsRedeemed", None) => {
                (Mean, Sum(raw(Event::Conversion, Field::PointsRedeemed, 0)))
            }
            ("redemption", offer) => {
                if offer == Some("") {
                    return Err(bad(format!("{name:?}: redemption:OFFER names an offer", name = quoted(name))));
                }
                let e = Event::Redemption(offer.map(String::from));
                (Proportion, Any(raw(e, Field::Count, 0)))
            }
            ("discount", None) => (Mean, Sum(raw(Event::Conversion, Field::Discount, 0))),
            ("incentives" | "netMargin", None) => {
                if point_value.is_none() {
                    return Err(bad(format!(
                        "{name:?} values the points redeemed: give pointValue (--point-value), the money one point is worth", name = quoted(name)
                    )));
                }
                let field = if base == "incentives" {
                    Field::Incentives
                } else {
                    Field::NetMargin
                };
                (Mean, Sum(raw(Event::Conversion, field, 0)))
            }
            ("redemptions", None) => (Mean, Sum(raw(Event::Redemption(None), Field::Count, 0))),
            ("click", None) => (Proportion, Any(raw(Event::Click, Field::Count, 0))),
            _ => {
                return Err(bad(format!(
                    "unknown metric {name:?}: conversion, churn, revenue, margin, orders, aov, repeat, \
                     retention:N, pointsEarned, pointsRedeemed, discount, incentives, netMargin, \
                     redemption, redemption:OFFER, redemptions or click", name = quoted(name)
                )))
            }
        };
        out.push(LogMetric {
            name: name.clone(),
            kind,
            derive,
        });
    }
    Ok((out, raws))
}

#[derive(Debug, Clone)]
struct UnitState {
    variant: usize,
    first: i64,
    segment: usize,
    conflict: bool,
    post: Vec<f64>,
    pre: Vec<f64>,
}

/// The join, line by line: every decision first, then the outcomes, then [`LogJoin::finish`].
#[derive(Debug, Clone)]
pub struct LogJoin {
    options: LogOptions,
    metrics: Vec<LogMetric>,
    raws: Vec<Raw>,
    /// With the holdout and a point value: the raws of each unit's incentives and net margin,
    /// for the programme's return on its incentives ([`Roi`]).
    roi_raws: Option<(usize, usize)>,
    window: i64,
    variants: Vec<String>,
    segments: Vec<String>,
    units: BTreeMap<String, UnitState>,
    summary: JoinSummary,
    reading_outcomes: bool,
}

impl LogJoin {
    pub fn new(options: &LogOptions) -> Result<LogJoin, AnalysisError> {
        let w = options.window_days;
        if !(w.is_finite() && w > 0.0 && w <= 3660.0) {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "windowDays",
                format!("the attribution window is {w} days: more than 0, at most 3660"),
            ));
        }
        if let Some(share) = options.holdout {
            if !(share > 0.0 && share < 1.0) {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    "holdout",
                    format!("the holdout's share is {share}: between 0 and 1"),
                ));
            }
        }
        if options.experiment.is_empty() && options.holdout.is_none() {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "experiment",
                "name the experiment (its key)",
            ));
        }
        if let Some(v) = options.point_value {
            if !(v.is_finite() && v >= 0.0) {
                return Err(AnalysisError::new(
                    "analysis.invalid",
                    "pointValue",
                    format!("a point's value is {v}: a number ≥ 0"),
                ));
            }
        }
        let (metrics, mut raws) = metrics(&options.metrics, options.point_value)?;
        let roi_raws = (options.holdout.is_some() && options.point_value.is_some()).then(|| {
            let mut find = |field: Field| {
                let r = Raw {
                    event: Event::Conversion,
                    field,
                    start: 0,
                };
                raws.iter().position(|x| *x == r).unwrap_or_else(|| {
                    raws.push(r);
                    raws.len() - 1
                })
            };
            (find(Field::Incentives), find(Field::NetMargin))
        });
        // Checked now (a bad setting is reported before reading any log).
        Accumulator::new(settings(options, &metrics))?;
        Ok(LogJoin {
            options: options.clone(),
            metrics,
            raws,
            roi_raws,
            window: (w * DAY_MS as f64).round() as i64,
            variants: Vec::new(),
            segments: Vec::new(),
            units: BTreeMap::new(),
            summary: JoinSummary {
                holdout: options.holdout.is_some(),
                experiment: if options.holdout.is_some() {
                    HOLDOUT.to_string()
                } else {
                    options.experiment.clone()
                },
                window_days: w,
                ..JoinSummary::default()
            },
            reading_outcomes: false,
        })
    }

    /// One line of the decision log (blank lines are skipped); `at` names it in errors.
    pub fn decision(&mut self, line: &str, at: &dyn Fn() -> String) -> Result<(), AnalysisError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        if self.reading_outcomes {
            return Err(AnalysisError::new(
                "analysis.invalid",
                at(),
                "a decision after the outcomes: read every decision first",
            ));
        }
        let d = DecisionRecord::from_json(line).map_err(|e| doc_error(&e, &at()))?;
        self.summary.decisions += 1;
        let variant = if self.options.holdout.is_some() {
            if d.holdout {
                HOLDOUT
            } else {
                EXPOSED
            }
        } else {
            match d
                .exposures
                .iter()
                .find(|x| x.experiment == self.options.experiment)
            {
                Some(x) => x.variant.as_str(),
                None => return Ok(()),
            }
        };
        let variant = index(&mut self.variants, variant);
        self.summary.exposures += 1;
        let when = crate::time::parse_instant(&d.at, 0)
            .map_err(|e| AnalysisError::new("decision.invalid", format!("{}.at", at()), e))?;
        let segment_name = d
            .segment
            .as_ref()
            .map_or_else(|| "none".to_string(), |s| s.role.to_string());
        let segment = index(&mut self.segments, &segment_name);
        let n = self.raws.len();
        let pre = if self.options.cuped { n } else { 0 };
        match self.units.get_mut(d.customer_id.as_str()) {
            None => {
                self.units.insert(
                    d.customer_id,
                    UnitState {
                        variant,
                        first: when,
                        segment,
                        conflict: false,
                        post: vec![0.0; n],
                        pre: vec![0.0; pre],
                    },
                );
            }
            Some(u) => {
                u.conflict |= u.variant != variant;
                if when < u.first {
                    u.first = when;
                    u.segment = segment;
                }
            }
        }
        Ok(())
    }

    /// One outcome event (a JSON line; blank lines are skipped); `at` names it in errors.
    pub fn outcome(&mut self, line: &str, at: &dyn Fn() -> String) -> Result<(), AnalysisError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let o = Outcome::from_json(line).map_err(|e| doc_error(&e, &at()))?;
        self.add_outcome(&o, at)
    }

    /// One outcome event, read already (checked here).
    pub fn add_outcome(
        &mut self,
        o: &Outcome,
        at: &dyn Fn() -> String,
    ) -> Result<(), AnalysisError> {
        o.validate().map_err(|e| doc_error(&e, &at()))?;
        self.reading_outcomes = true;
        self.summary.outcomes += 1;
        let when =
            o.at.to_millis(0)
                .map_err(|e| AnalysisError::new("outcome.invalid", format!("{}.at", at()), e))?;
        let Some(u) = self.units.get_mut(o.customer_id.as_str()) else {
            self.summary.unmatched += 1;
            return Ok(());
        };
        if u.conflict {
            self.summary.unmatched += 1;
            return Ok(());
        }
        let offset = when.saturating_sub(u.first);
        let mut counted = false;
        for (k, r) in self.raws.iter().enumerate() {
            let matches = match (&r.event, o.kind) {
                (Event::Conversion, OutcomeType::Conversion) => true,
                (Event::Redemption(None), OutcomeType::Redemption) => true,
                (Event::Redemption(Some(id)), OutcomeType::Redemption) => {
                    o.offer_id.as_deref() == Some(id.as_str())
                }
                (Event::Click, OutcomeType::Click) => true,
                _ => false,
            };
            if !matches {
                continue;
            }
            let v = match r.field {
                Field::Count => 1.0,
                Field::Revenue => o.revenue.unwrap_or(0.0),
                Field::Margin => o.margin.unwrap_or(0.0),
                Field::PointsEarned => o.points_earned.unwrap_or(0.0),
                Field::PointsRedeemed => o.points_redeemed.unwrap_or(0.0),
                Field::Discount => o.discount.unwrap_or(0.0),
                Field::Incentives | Field::NetMargin => {
                    let paid = o.discount.unwrap_or(0.0)
                        + o.cashback.unwrap_or(0.0)
                        + o.gifts.unwrap_or(0.0)
                        + self.options.point_value.unwrap_or(0.0)
                            * o.points_redeemed.unwrap_or(0.0);
                    if r.field == Field::Incentives {
                        paid
                    } else {
                        o.margin.unwrap_or(0.0) - paid
                    }
                }
            };
            if offset >= r.start && offset - r.start < self.window {
                if let Some(x) = u.post.get_mut(k) {
                    *x += v;
                }
                counted = true;
            } else if offset < 0 && offset >= -self.window {
                if let Some(x) = u.pre.get_mut(k) {
                    *x += v;
                }
            }
        }
        if counted {
            self.summary.attributed += 1;
        } else {
            self.summary.outside_window += 1;
        }
        Ok(())
    }

    /// The analysis of the joined units.
    pub fn finish(self) -> Result<Analysis, AnalysisError> {
        let settings = settings(&self.options, &self.metrics);
        let covariates = settings.covariate_list();
        let mut acc = Accumulator::new(settings)?;
        let m = self.metrics.len();
        let (mut values, mut dens) = (vec![0.0; m], vec![0.0; m]);
        let mut co = vec![0.0; covariates.len()];
        let mut summary = self.summary;
        // Per variant: the co-moments of each unit's incentives (x) and net margin (y).
        let mut roi: BTreeMap<&str, super::CoMoment> = BTreeMap::new();
        for (id, u) in &self.units {
            if u.conflict {
                summary.multiple_variants += 1;
                continue;
            }
            summary.units += 1;
            if let Some((i, n)) = self.roi_raws {
                let v = self.variants.get(u.variant).map_or("", String::as_str);
                let at = |k: usize| u.post.get(k).copied().unwrap_or(0.0);
                roi.entry(v).or_default().push(at(i), at(n));
            }
            let derive = |d: Derive, sums: &[f64]| {
                let s = |i: usize| sums.get(i).copied().unwrap_or(0.0);
                match d {
                    Derive::Any(i) => (f64::from(u8::from(s(i) > 0.0)), 0.0),
                    Derive::NoneOf(i) => (f64::from(u8::from(s(i) == 0.0)), 0.0),
                    Derive::AtLeastTwo(i) => (f64::from(u8::from(s(i) >= 2.0)), 0.0),
                    Derive::Sum(i) => (s(i), 0.0),
                    Derive::Ratio(i, j) => (s(i), s(j)),
                }
            };
            for (k, metric) in self.metrics.iter().enumerate() {
                (values[k], dens[k]) = derive(metric.derive, &u.post);
            }
            for (j, (k, _)) in covariates.iter().enumerate() {
                if let Some(metric) = self.metrics.get(*k) {
                    co[j] = derive(metric.derive, &u.pre).0;
                }
            }
            let variant = self.variants.get(u.variant).map_or("", String::as_str);
            let segment = self
                .options
                .by_segment
                .then(|| self.segments.get(u.segment).map(String::as_str))
                .flatten();
            acc.push_unit(
                &Unit {
                    variant,
                    day: Some(crate::time::local_day(u.first, 0)),
                    segment,
                    values: &values,
                    denominators: &dens,
                    covariates: &co,
                },
                &|| format!("unit {id}"),
            )?;
        }
        if summary.units == 0 {
            return Err(AnalysisError::new(
                "analysis.no_units",
                "experiment",
                format!(
                    "no decision of the {} read exposes a customer to the experiment {:?}",
                    summary.decisions,
                    quoted(&summary.experiment)
                ),
            ));
        }
        let mut analysis = acc.finish()?;
        analysis.join = Some(summary);
        if let (Some(e), Some(h)) = (roi.get(EXPOSED), roi.get(HOLDOUT)) {
            analysis.roi = Some(Roi::of(e, h, analysis.alpha));
        }
        Ok(analysis)
    }
}

fn index(names: &mut Vec<String>, name: &str) -> usize {
    match names.iter().position(|n| n == name) {
        Some(i) => i,
        None => {
            names.push(name.to_string());
            names.len() - 1
        }
    }
}

pub(super) fn doc_error(e: &crate::error::Error, at: &str) -> AnalysisError {
    // A syntax error's place is in its message (line 1 of a line, and its column).
    let path = match e {
        crate::error::Error::Syntax { .. } => String::new(),
        _ => e.path(),
    };
    AnalysisError::new(
        e.code(),
        if path.is_empty() {
            at.to_string()
        } else {
            format!("{at}.{path}")
        },
        e.to_string(),
    )
}

fn settings(o: &LogOptions, metrics: &[LogMetric]) -> Settings {
    let specs = metrics
        .iter()
        .map(|m| match m.derive {
            Derive::Ratio(..) => MetricSpec::ratio(&m.name, "revenue", "orders"),
            _ => MetricSpec::of_kind(&m.name, m.kind),
        })
        .collect();
    let covariates = if o.cuped {
        metrics
            .iter()
            .filter(|m| m.kind != MetricKind::Ratio)
            .map(|m| (m.name.clone(), format!("pre.{}", m.name)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let weights = match (o.holdout, &o.weights) {
        (Some(share), None) => Some(BTreeMap::from([
            (HOLDOUT.to_string(), share),
            (EXPOSED.to_string(), 1.0 - share),
        ])),
        (_, w) => w.clone(),
    };
    Settings {
        weights,
        alpha: o.alpha,
        srm_threshold: o.srm_threshold,
        covariates,
        sequential: o.sequential,
        sequential_tuning: o.sequential_tuning,
        planned_units: o.planned_units,
        spending: o.spending,
        ..Settings::new(o.control.clone(), specs)
    }
}

/// Outcome events as CSV rows with a header naming the outcome's fields (`decisionId`,
/// `customerId`, `at`, `type`, and as needed `offerId`, `revenue`, `margin`, `pointsEarned`,
/// `pointsRedeemed`; an empty cell is an absent field).
fn outcomes_csv<R: std::io::Read>(
    join: &mut LogJoin,
    input: R,
    name: &str,
) -> Result<(), AnalysisError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let csv_error = |e: csv::Error| super::csv_error(name, &e);
    let headers = reader.headers().map_err(csv_error)?.clone();
    let col = |c: &str| headers.iter().position(|h| h == c);
    let need = |c: &str| super::column_of(&headers, name, c);
    let (di, ci, ai, ti) = (
        need("decisionId")?,
        need("customerId")?,
        need("at")?,
        need("type")?,
    );
    let (oi, ri, mi, pe, pr, di_) = (
        col("offerId"),
        col("revenue"),
        col("margin"),
        col("pointsEarned"),
        col("pointsRedeemed"),
        col("discount"),
    );
    let (cb, gi) = (col("cashback"), col("gifts"));
    let mut record = csv::StringRecord::new();
    let mut line = 1u64;
    while reader.read_record(&mut record).map_err(csv_error)? {
        line = record.position().map_or(line + 1, |p| p.line());
        let at = || format!("{name}:{line}");
        let text = |i: usize| record.get(i).unwrap_or_default().trim();
        let opt_text = |i: Option<usize>| i.map(text).filter(|t| !t.is_empty());
        let number = |i: Option<usize>| -> Result<Option<f64>, AnalysisError> {
            match opt_text(i) {
                None => Ok(None),
                Some(t) => t.parse::<f64>().map(Some).map_err(|_| {
                    AnalysisError::new(
                        "outcome.invalid",
                        format!("{}.{}", at(), i.and_then(|i| headers.get(i)).unwrap_or("")),
                        format!("{t:?} is not a number", t = quoted(t)),
                    )
                }),
            }
        };
        let kind = match text(ti) {
            "conversion" => OutcomeType::Conversion,
            "redemption" => OutcomeType::Redemption,
            "click" => OutcomeType::Click,
            "dismiss" => OutcomeType::Dismiss,
            other => {
                return Err(AnalysisError::new(
                    "outcome.invalid",
                    format!("{}.type", at()),
                    format!(
                        "{other:?}: conversion, redemption, click or dismiss",
                        other = quoted(other)
                    ),
                ))
            }
        };
        let when = text(ai);
        let at_value = match when.parse::<f64>() {
            Ok(ms) => crate::customer::TimeValue::Millis(ms),
            Err(_) => crate::customer::TimeValue::Text(when.to_string()),
        };
        let o = Outcome {
            schema: OUTCOME_SCHEMA.into(),
            decision_id: text(di).to_string(),
            customer_id: text(ci).to_string(),
            at: at_value,
            kind,
            offer_id: opt_text(oi).map(String::from),
            revenue: number(ri)?,
            margin: number(mi)?,
            points_earned: number(pe)?,
            points_redeemed: number(pr)?,
            discount: number(di_)?,
            cashback: number(cb)?,
            gifts: number(gi)?,
        };
        join.add_outcome(&o, &at)?;
    }
    Ok(())
}

/// Joins a decision log (JSON Lines) with outcome events (JSON Lines, or CSV when the first
/// non-blank line does not start with `{`) and analyses the experiment; the names label errors
/// (`decisions.jsonl:17.exposures`).
pub fn analyze_logs<D: std::io::BufRead, O: std::io::BufRead>(
    decisions: D,
    decisions_name: &str,
    mut outcomes: O,
    outcomes_name: &str,
    options: &LogOptions,
) -> Result<Analysis, AnalysisError> {
    let mut join = LogJoin::new(options)?;
    let io = |name: &str, e: std::io::Error| {
        AnalysisError::new("analysis.io", name, format!("cannot read: {e}"))
    };
    for (i, line) in decisions.lines().enumerate() {
        let line = line.map_err(|e| io(decisions_name, e))?;
        join.decision(&line, &|| format!("{decisions_name}:{}", i + 1))?;
    }
    // A CSV header or a JSON line: told by the first non-blank byte of the first buffer.
    let first = outcomes.fill_buf().map_err(|e| io(outcomes_name, e))?;
    let csv = first
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'{');
    join.reading_outcomes = true;
    if csv {
        outcomes_csv(&mut join, outcomes, outcomes_name)?;
    } else {
        for (i, line) in outcomes.lines().enumerate() {
            let line = line.map_err(|e| io(outcomes_name, e))?;
            join.outcome(&line, &|| format!("{outcomes_name}:{}", i + 1))?;
        }
    }
    join.finish()
}

/// The programme's return on the incentives it paid, against its holdout: the incremental net
/// margin per customer over the incremental incentives per customer,
///
/// ```text
/// ROI = Δn / Δi,   Δn = n̄_exposed − n̄_holdout (net margin),   Δi = ī_exposed − ī_holdout (incentives)
/// se² = Var(Δn) / Δi² − 2 Δn Cov(Δn, Δi) / Δi³ + Δn² Var(Δi) / Δi⁴   (delta method)
/// ```
///
/// with `Var(Δn) = s²_n,e / N_e + s²_n,h / N_h`, and the same for `Δi` and the covariance of
/// each unit's net margin and incentives. `roi` is `null` when the incentives do not differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Roi {
    /// `[exposed, holdout]` units.
    pub n: [f64; 2],
    /// Net margin per customer less the holdout's.
    pub incremental_net_margin: f64,
    #[serde(rename = "incrementalNetMarginCI")]
    pub incremental_net_margin_ci: (f64, f64),
    /// Incentives per customer less the holdout's.
    pub incremental_incentives: f64,
    pub roi: Option<f64>,
    #[serde(rename = "roiCI")]
    pub roi_ci: Option<(f64, f64)>,
}

impl Roi {
    fn of(e: &super::CoMoment, h: &super::CoMoment, alpha: f64) -> Roi {
        let var = |m2: f64, n: f64| if n > 1.0 { m2 / (n - 1.0) } else { 0.0 };
        let (dn, di) = (e.my - h.my, e.mx - h.mx);
        let var_n = var(e.m2y, e.n) / e.n + var(h.m2y, h.n) / h.n;
        let var_i = var(e.m2x, e.n) / e.n + var(h.m2x, h.n) / h.n;
        let cov = var(e.cxy, e.n) / e.n + var(h.cxy, h.n) / h.n;
        let z = crate::stats::dist::normal::ppf(1.0 - alpha / 2.0);
        let se_n = var_n.sqrt();
        let (roi, roi_ci) = if di != 0.0 {
            let r = dn / di;
            let v = var_n / (di * di) - 2.0 * dn * cov / (di * di * di)
                + dn * dn * var_i / (di * di * di * di);
            let se = v.max(0.0).sqrt();
            (Some(r), Some((r - z * se, r + z * se)))
        } else {
            (None, None)
        };
        Roi {
            n: [e.n, h.n],
            incremental_net_margin: dn,
            incremental_net_margin_ci: (dn - z * se_n, dn + z * se_n),
            incremental_incentives: di,
            roi,
            roi_ci,
        }
    }
}
