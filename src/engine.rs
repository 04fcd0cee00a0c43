//! The engine: a model and a programme, deciding for one customer at a time.
//!
//! [`Engine::decide`] computes the customer's [`Features`], assigns a segment, works out the
//! tier, assigns experiment variants, picks offers and computes nudges. It never reads a clock
//! (`now` is an option) and never panics on input: every problem is an [`Error`] with a path.

use crate::customer::{Customer, TimeValue, ValidCustomer};
use crate::error::{Doc, Error};
use crate::experiment;
use crate::features::Features;
use crate::model::{Assignment, Model};
use crate::program::{OfferKind, Program, TierMeasure};
use crate::time::{self, DAY_MS};
use serde::{Deserialize, Serialize};

/// Options of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideOptions {
    /// The instant of the decision: ISO 8601 or epoch milliseconds.
    pub now: TimeValue,
    /// Minutes east of UTC of the shop's time zone: local dates and calendar days use it.
    #[serde(default)]
    pub time_zone_offset_minutes: i32,
}

impl DecideOptions {
    /// Options at an instant given as text, in UTC.
    pub fn at(now: &str) -> Self {
        DecideOptions {
            now: TimeValue::Text(now.to_string()),
            time_zone_offset_minutes: 0,
        }
    }

    /// Resolves `now` to epoch milliseconds and checks the offset.
    pub fn resolve(&self) -> Result<(i64, i32), Error> {
        let offset = self.time_zone_offset_minutes;
        if !(-18 * 60..=18 * 60).contains(&offset) {
            return Err(Error::invalid(
                Doc::Options,
                "timeZoneOffsetMinutes",
                format!("must be between -1080 and 1080 (±18 hours), got {offset}"),
            ));
        }
        let now = self
            .now
            .to_millis(offset)
            .map_err(|e| Error::invalid(Doc::Options, "now", e))?;
        Ok((now, offset))
    }
}

/// The customer's tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierState {
    pub id: String,
    pub name: String,
    /// The qualifying measure over the window: spend or orders.
    pub measure: TierMeasure,
    /// Its value for this customer.
    pub qualifying_value: f64,
    /// Whether the tier comes from the account (`loyalty.tier`) rather than the history.
    pub from_account: bool,
}

/// An offer picked for the customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferPick {
    pub id: String,
    pub kind: OfferKind,
    pub title: String,
    pub value: f64,
    pub score: f64,
    /// Why the customer is eligible, in words.
    pub reason: String,
}

/// A customer's variant in an experiment; `variant` is `null` outside the experiment's coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentAssignment {
    pub key: String,
    pub variant: Option<String>,
    /// The hash bucket in `[0, 1)`.
    pub bucket: f64,
}

/// A loyalty nudge, with the numbers a page needs to render it and a default message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Nudge {
    /// "Spend $120.00 more to reach Gold".
    NextTier {
        tier: String,
        tier_name: String,
        measure: TierMeasure,
        /// Spend (rounded up to the cent) or orders still needed.
        remaining: f64,
        message: String,
    },
    /// "300 points expire in 5 days".
    PointsExpiring {
        /// Points of the soonest-expiring lots (all lots expiring that day).
        points: f64,
        expires_at: String,
        days_left: i64,
        /// All points expiring within the horizon.
        points_within_horizon: f64,
        message: String,
    },
}

/// Lifetime-value predictions for one customer (BG/NBD + Gamma-Gamma, the model's `clv` part).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClvState {
    /// Probability the customer is still active.
    pub p_alive: f64,
    /// Expected purchases (distinct purchase days) in the next `horizonDays`.
    pub expected_purchases: f64,
    pub horizon_days: f64,
    /// Expected spend per future purchase; `null` when the model has no spend part.
    pub expected_order_value: Option<f64>,
    /// Discounted margin over `months`; `null` when the model has no spend part.
    pub clv: Option<f64>,
    pub months: u32,
}

/// What the engine decided for one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub customer_id: String,
    pub model_version: String,
    pub program: String,
    pub now: String,
    pub features: Features,
    pub segment: Option<Assignment>,
    /// `null` when the model has no lifetime-value part or the customer no orders.
    pub clv: Option<ClvState>,
    pub tier: TierState,
    pub offers: Vec<OfferPick>,
    pub experiments: Vec<ExperimentAssignment>,
    pub nudges: Vec<Nudge>,
}

/// A model and a programme, checked against each other.
#[derive(Debug, Clone)]
pub struct Engine {
    model: Model,
    program: Program,
}

impl Engine {
    /// Builds an engine; checks that the programme only names segments the model has.
    pub fn new(model: Model, program: Program) -> Result<Engine, Error> {
        model.validate()?;
        program.validate()?;
        for (i, o) in program.offers.iter().enumerate() {
            let names = o
                .eligibility
                .segments
                .iter()
                .enumerate()
                .map(|(j, s)| (format!("offers[{i}].eligibility.segments[{j}]"), s));
            let weights = o
                .segment_weights
                .keys()
                .map(|s| (format!("offers[{i}].segmentWeights.{s}"), s));
            for (path, name) in names.chain(weights) {
                if !model.segments.iter().any(|s| &s.name == name) {
                    let known: Vec<&str> = model.segments.iter().map(|s| s.name.as_str()).collect();
                    return Err(Error::invalid(
                        Doc::Program,
                        path,
                        format!(
                            "segment {name:?} is not in model {} (its segments: {})",
                            model.name,
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        if model.clv.is_none() {
            if let Some(i) = program.offers.iter().position(|o| o.eligibility.uses_clv()) {
                return Err(Error::invalid(
                    Doc::Program,
                    format!("offers[{i}].eligibility"),
                    format!("uses pAlive or clv, but model {} has no lifetime-value part (train it without --no-clv)", model.name),
                ));
            }
        }
        Ok(Engine { model, program })
    }

    /// Builds an engine from JSON texts.
    pub fn from_json(model: &str, program: &str) -> Result<Engine, Error> {
        Engine::new(Model::from_json(model)?, Program::from_json(program)?)
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The programme.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Computes a customer's features.
    pub fn features(
        &self,
        customer: &Customer,
        options: &DecideOptions,
    ) -> Result<Features, Error> {
        let (now, offset) = options.resolve()?;
        let valid = customer.validate(now, offset)?;
        Ok(self.features_of(&valid, now, offset))
    }

    fn features_of(&self, c: &ValidCustomer, now: i64, offset: i32) -> Features {
        Features::compute(
            c,
            now,
            offset,
            self.program.nudges.points_expiry_horizon_days,
        )
    }

    /// Decides for one customer.
    pub fn decide(&self, customer: &Customer, options: &DecideOptions) -> Result<Decision, Error> {
        let (now, offset) = options.resolve()?;
        let c = customer.validate(now, offset)?;
        let features = self.features_of(&c, now, offset);
        let segment = self
            .model
            .assign(&features)
            .map_err(|e| Error::invalid(Doc::Customer, "", e))?;
        let clv = self.predict_clv(&c, now)?;
        let tier = self.tier(&c, now)?;
        let experiments = self.assign_experiments(&c.id);
        let offers = self.pick_offers(
            &features,
            segment.as_ref(),
            clv.as_ref(),
            &tier,
            &experiments,
        );
        let nudges = self.nudges(&c, &tier, now, offset);
        Ok(Decision {
            customer_id: c.id,
            model_version: self.model.version.clone(),
            program: self.program.name.clone(),
            now: time::format_instant(now),
            features,
            segment,
            clv,
            tier,
            offers,
            experiments,
            nudges,
        })
    }

    fn predict_clv(&self, c: &ValidCustomer, now: i64) -> Result<Option<ClvState>, Error> {
        let Some(model) = &self.model.clv else {
            return Ok(None);
        };
        let fail = |e: crate::clv::ClvError| {
            Error::invalid(Doc::Customer, "orders", format!("lifetime value: {e}"))
        };
        let at: Vec<i64> = c.orders.iter().map(|o| o.at).collect();
        let amounts: Vec<f64> = c.orders.iter().map(|o| o.amount).collect();
        let Some(summary) =
            crate::clv::summarize(&at, &amounts, now, model.time_unit).map_err(fail)?
        else {
            return Ok(None);
        };
        let settings = &self.program.clv;
        let options = crate::clv::ClvOptions {
            horizon_periods: settings.expected_purchases_horizon_days / model.time_unit.days(),
            clv_months: settings.months,
            margin: settings.margin,
            monthly_discount_rate: settings.monthly_discount_rate,
        };
        let p = model.predict(&summary, &options).map_err(fail)?;
        Ok(Some(ClvState {
            p_alive: p.p_alive,
            expected_purchases: p.expected_purchases,
            horizon_days: settings.expected_purchases_horizon_days,
            expected_order_value: p.expected_order_value,
            clv: p.clv,
            months: settings.months,
        }))
    }

    fn tier(&self, c: &ValidCustomer, now: i64) -> Result<TierState, Error> {
        let tiers = &self.program.tiers;
        let since = now - i64::from(tiers.window_days) * DAY_MS;
        let in_window = c.orders.iter().filter(|o| o.at > since);
        let value = match tiers.measure {
            TierMeasure::Spend => in_window.fold(0.0, |s, o| s + o.amount),
            TierMeasure::Orders => in_window.count() as f64,
        };
        let qualified = tiers
            .levels
            .iter()
            .rposition(|l| value >= l.threshold)
            .unwrap_or(0);
        let account = match &c.tier {
            Some(id) => match self.program.tier(id) {
                Some((i, _)) => Some(i),
                None => {
                    let known: Vec<&str> = tiers.levels.iter().map(|l| l.id.as_str()).collect();
                    return Err(Error::invalid(
                        Doc::Customer,
                        "loyalty.tier",
                        format!(
                            "tier {id:?} is not one of the programme's tiers ({})",
                            known.join(", ")
                        ),
                    ));
                }
            },
            None => None,
        };
        let (index, from_account) = match account {
            Some(a) if a > qualified => (a, true),
            _ => (qualified, false),
        };
        let level = tiers.levels.get(index).or(tiers.levels.first());
        Ok(TierState {
            id: level.map(|l| l.id.clone()).unwrap_or_default(),
            name: level.map(|l| l.name.clone()).unwrap_or_default(),
            measure: tiers.measure,
            qualifying_value: value,
            from_account,
        })
    }

    fn assign_experiments(&self, id: &str) -> Vec<ExperimentAssignment> {
        self.program
            .experiments
            .iter()
            .map(|x| {
                let bucket = experiment::bucket(Program::seed(x), id);
                let weights: Vec<f64> = x.variants.iter().map(|v| v.weight).collect();
                let ranges = experiment::bucket_ranges(&weights, x.coverage);
                let variant = experiment::choose_variant(bucket, &ranges)
                    .and_then(|i| x.variants.get(i))
                    .map(|v| v.key.clone());
                ExperimentAssignment {
                    key: x.key.clone(),
                    variant,
                    bucket,
                }
            })
            .collect()
    }

    fn pick_offers(
        &self,
        f: &Features,
        segment: Option<&Assignment>,
        clv: Option<&ClvState>,
        tier: &TierState,
        experiments: &[ExperimentAssignment],
    ) -> Vec<OfferPick> {
        let mut excluded: Vec<&str> = Vec::new();
        for (x, a) in self.program.experiments.iter().zip(experiments) {
            if let Some(v) = x
                .variants
                .iter()
                .find(|v| Some(&v.key) == a.variant.as_ref())
            {
                if v.holdout {
                    return Vec::new();
                }
                excluded.extend(v.exclude_offers.iter().map(String::as_str));
            }
        }
        let money = |x: f64| self.money(x);
        let mut picks: Vec<OfferPick> = Vec::new();
        for o in &self.program.offers {
            if excluded.contains(&o.id.as_str()) {
                continue;
            }
            let e = &o.eligibility;
            let mut why: Vec<String> = Vec::new();
            if e.no_history {
                if f.frequency > 0 {
                    continue;
                }
                why.push("no orders yet".into());
            }
            if !e.segments.is_empty() {
                match segment {
                    Some(s) if e.segments.contains(&s.name) => {
                        why.push(format!("segment {}", s.name))
                    }
                    _ => continue,
                }
            }
            if !e.tiers.is_empty() {
                if !e.tiers.contains(&tier.id) {
                    continue;
                }
                why.push(format!("{} tier", tier.name));
            }
            if e.min_recency_days.is_some() || e.max_recency_days.is_some() {
                let Some(r) = f.recency_days else { continue };
                if e.min_recency_days.is_some_and(|m| r < m)
                    || e.max_recency_days.is_some_and(|m| r > m)
                {
                    continue;
                }
                why.push(format!("last order {} days ago", fmt_num(r.floor(), 0)));
            }
            if e.min_orders.is_some_and(|m| f.frequency < m)
                || e.max_orders.is_some_and(|m| f.frequency > m)
            {
                continue;
            }
            if e.min_orders.is_some() || e.max_orders.is_some() {
                why.push(format!(
                    "{} order{}",
                    f.frequency,
                    if f.frequency == 1 { "" } else { "s" }
                ));
            }
            if let Some(m) = e.min_total_spend {
                if f.total_spend < m {
                    continue;
                }
                why.push(format!(
                    "spent {} (at least {})",
                    money(f.total_spend),
                    money(m)
                ));
            }
            if e.min_p_alive.is_some() || e.max_p_alive.is_some() {
                let Some(p) = clv.map(|c| c.p_alive) else {
                    continue;
                };
                if e.min_p_alive.is_some_and(|m| p < m) || e.max_p_alive.is_some_and(|m| p > m) {
                    continue;
                }
                why.push(format!("{:.0}% likely still active", p * 100.0));
            }
            if e.min_clv.is_some() || e.max_clv.is_some() {
                let Some(v) = clv.and_then(|c| c.clv) else {
                    continue;
                };
                if e.min_clv.is_some_and(|m| v < m) || e.max_clv.is_some_and(|m| v > m) {
                    continue;
                }
                why.push(format!("lifetime value {}", money(v)));
            }
            let segment_weight = segment
                .and_then(|s| o.segment_weights.get(&s.name))
                .copied()
                .unwrap_or(1.0);
            let reason = if why.is_empty() {
                "open to every customer".to_string()
            } else {
                why.join("; ")
            };
            picks.push(OfferPick {
                id: o.id.clone(),
                kind: o.kind,
                title: o.title.clone(),
                value: o.value,
                score: o.weight * segment_weight,
                reason,
            });
        }
        picks.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        picks.retain(|p| p.score > 0.0);
        picks.truncate(self.program.max_offers);
        picks
    }

    fn nudges(&self, c: &ValidCustomer, tier: &TierState, now: i64, offset: i32) -> Vec<Nudge> {
        let mut out = Vec::new();
        if let Some(n) = self.expiring_points(c, now, offset) {
            out.push(n);
        }
        let levels = &self.program.tiers.levels;
        let current = levels.iter().position(|l| l.id == tier.id).unwrap_or(0);
        if let Some(next) = levels.get(current + 1) {
            let gap = next.threshold - tier.qualifying_value;
            let (remaining, message) = match tier.measure {
                TierMeasure::Spend => {
                    // Rounded up to the cent: spending the amount shown does reach the tier.
                    let r = (gap * 100.0).ceil() / 100.0;
                    (
                        r,
                        format!("Spend {} more to reach {}", self.money(r), next.name),
                    )
                }
                TierMeasure::Orders => {
                    let r = gap.ceil();
                    (
                        r,
                        format!(
                            "{} more order{} to reach {}",
                            fmt_num(r, 0),
                            if r == 1.0 { "" } else { "s" },
                            next.name
                        ),
                    )
                }
            };
            if remaining > 0.0 {
                out.push(Nudge::NextTier {
                    tier: next.id.clone(),
                    tier_name: next.name.clone(),
                    measure: tier.measure,
                    remaining,
                    message,
                });
            }
        }
        out.truncate(self.program.nudges.max);
        out
    }

    /// Points expiring within the horizon: the soonest local expiry day, its points, and the
    /// total within the horizon.
    fn expiring_points(&self, c: &ValidCustomer, now: i64, offset: i32) -> Option<Nudge> {
        let horizon_end = now.saturating_add(
            (self.program.nudges.points_expiry_horizon_days * DAY_MS as f64) as i64,
        );
        let soon: Vec<(i64, f64)> = c
            .points
            .iter()
            .filter_map(|l| l.expires_at.map(|e| (e, l.amount)))
            .filter(|&(e, amount)| e > now && e <= horizon_end && amount > 0.0)
            .collect();
        let first = soon.iter().map(|&(e, _)| e).min()?;
        let first_day = time::local_day(first, offset);
        let points = soon
            .iter()
            .filter(|&&(e, _)| time::local_day(e, offset) == first_day)
            .fold(0.0, |s, &(_, a)| s + a);
        let within = soon.iter().fold(0.0, |s, &(_, a)| s + a);
        let days_left = (first - now + DAY_MS - 1).div_euclid(DAY_MS);
        let when = match days_left {
            1 => "within a day".to_string(),
            d => format!("in {d} days"),
        };
        Some(Nudge::PointsExpiring {
            points,
            expires_at: time::format_instant(first),
            days_left,
            points_within_horizon: within,
            message: format!(
                "{} point{} expire {when}",
                fmt_points(points),
                if points == 1.0 { "" } else { "s" }
            ),
        })
    }

    /// Formats money in the programme's currency: `$1,200.00` or `1,200.00 USD`.
    pub fn money(&self, x: f64) -> String {
        match &self.program.currency_symbol {
            Some(s) => format!("{s}{}", fmt_num(x, 2)),
            None => format!("{} {}", fmt_num(x, 2), self.program.currency),
        }
    }
}

/// Formats a number with `decimals` decimals and thousands separators: `1,234.50`.
pub fn fmt_num(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if x < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Formats points: whole numbers without decimals, others with two.
pub fn fmt_points(x: f64) -> String {
    if x.fract() == 0.0 {
        fmt_num(x, 0)
    } else {
        fmt_num(x, 2)
    }
}
