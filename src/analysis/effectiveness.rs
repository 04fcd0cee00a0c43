//! Does the programme pay? Every programme-level analysis from the data the engine already has,
//! in one result:
//!
//! * **against the global holdout** (causal by design): the decision log's holdout flag splits
//!   customers into held out and exposed; revenue, margin, orders, average check, repeat
//!   purchase and activity in the window after the first decision, with CUPED on the window
//!   before, and the programme's ROI net of the incentives it paid ([`super::logs`]);
//! * **members against matched non-members** (no holdout needed, but resting on assumptions):
//!   the matched difference-in-differences of [`super::did`], with its balance table, event-time
//!   plot, placebo and the naive comparison it corrects;
//! * **loyalty KPIs** with their intervals, the points flows, breakage and liability
//!   ([`super::kpis`]);
//! * **NPS** of survey answers ([`super::surveys`]).
//!
//! The report ([`super::programme_report`]) says plainly which estimate is causal.

use super::did::{self, Did, DidOptions, History};
use super::kpis::{self, KpiOptions, Kpis};
use super::logs::{analyze_logs, LogOptions};
use super::surveys::{self, NpsAnalysis, SurveyOptions};
use super::{Analysis, AnalysisError};
use crate::error::quoted;
use crate::loyalty::AccountInput;
use crate::Engine;
use serde::{Deserialize, Serialize};

/// The analyses' settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EffectivenessOptions {
    /// The end of the data (epoch ms; exclusive).
    pub now: i64,
    /// Days after the first decision (holdout) or enrolment (matched) that count (default 180).
    #[serde(default = "default_window")]
    pub window_days: u32,
    /// The holdout's planned share (default: the programme's `holdout.share`).
    #[serde(default)]
    pub holdout_share: Option<f64>,
    /// The money a point is worth (default: the programme's `loyalty.pointValue`).
    #[serde(default)]
    pub point_value: Option<f64>,
    /// CUPED on the window before (default true).
    #[serde(default = "yes")]
    pub cuped: bool,
    #[serde(default = "default_churn")]
    pub churn_days: u32,
    #[serde(default = "default_cohorts")]
    pub cohort_months: u32,
    #[serde(default = "default_placebo")]
    pub placebo_days: u32,
    #[serde(default)]
    pub caliper: Option<f64>,
    #[serde(default = "super::defaults::alpha")]
    pub alpha: f64,
    /// How survey answers are read.
    #[serde(default)]
    pub surveys: Option<SurveyOptions>,
}

fn default_window() -> u32 {
    180
}
fn yes() -> bool {
    true
}
fn default_churn() -> u32 {
    180
}
fn default_cohorts() -> u32 {
    12
}
fn default_placebo() -> u32 {
    90
}

impl EffectivenessOptions {
    /// Every option in range, checked before any analysis runs.
    fn check(&self) -> Result<(), AnalysisError> {
        let bad = |path: &str, m: String| Err(AnalysisError::new("analysis.invalid", path, m));
        if !(crate::time::MIN_MS..=crate::time::MAX_MS).contains(&self.now) {
            return bad(
                "now",
                format!("{} is outside the years 1 to 9999", self.now),
            );
        }
        for (v, path) in [
            (self.window_days, "windowDays"),
            (self.placebo_days, "placeboDays"),
            (self.churn_days, "churnDays"),
        ] {
            if v == 0 || v > 3660 {
                return bad(path, format!("{v} days: between 1 and 3660"));
            }
        }
        if self.holdout_share.is_some_and(|s| !(s > 0.0 && s < 1.0)) {
            return bad("holdoutShare", "a share between 0 and 1".into());
        }
        if self
            .point_value
            .is_some_and(|v| !(v.is_finite() && v > 0.0))
        {
            return bad("pointValue", "a positive amount of money".into());
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad("alpha", format!("{}: between 0 and 1", self.alpha));
        }
        Ok(())
    }

    /// The defaults at `now`.
    pub fn new(now: i64) -> EffectivenessOptions {
        EffectivenessOptions {
            now,
            window_days: default_window(),
            holdout_share: None,
            point_value: None,
            cuped: true,
            churn_days: default_churn(),
            cohort_months: default_cohorts(),
            placebo_days: default_placebo(),
            caliper: None,
            alpha: super::defaults::alpha(),
            surveys: None,
        }
    }
}

/// What the analyses read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// Every customer's orders, with the enrolment date of members.
    pub customers: &'a [History],
    /// Loyalty accounts by customer id (replayed with the programme's rules as of `now`).
    pub accounts: &'a [(String, AccountInput)],
    /// The decision log and the outcome events (JSON Lines; outcomes may be CSV) with names
    /// for errors.
    pub decisions: Option<(&'a str, &'a str)>,
    pub outcomes: Option<(&'a str, &'a str)>,
    /// Survey answers (CSV) and the file's name.
    pub surveys: Option<(&'a str, &'a str)>,
    /// A candidate programme and policy to evaluate offline on the decision log
    /// ([`super::ope::evaluate_policy`]).
    pub candidate: Option<&'a Engine>,
}

/// The metrics compared against the holdout.
pub const HOLDOUT_METRICS: [&str; 6] = ["revenue", "margin", "orders", "aov", "repeat", "churn"];

/// Everything.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effectiveness {
    pub now: String,
    pub window_days: u32,
    /// The programme against its global holdout: the causal estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<Analysis>,
    /// Members against matched non-members: rests on assumptions ([`Did::assumptions`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<Did>,
    pub kpis: Kpis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps: Option<NpsAnalysis>,
    /// A candidate policy evaluated offline on the decision log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<super::ope::PolicyEvaluation>,
    /// Analyses the data did not allow, each with its typed error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<AnalysisError>,
}

/// Runs every analysis the inputs allow (see the module docs). `engine` gives the CLV model,
/// the loyalty rules the accounts are replayed with, and the defaults of the holdout's share
/// and the point value.
///
/// Errors: malformed inputs (the logs', the surveys', an account's, with their paths), options
/// out of range, accounts without an engine, decisions without outcomes (or the reverse),
/// no customer with an order before `now`.
pub fn run(
    engine: Option<&Engine>,
    inputs: &Inputs,
    o: &EffectivenessOptions,
) -> Result<Effectiveness, AnalysisError> {
    o.check()?;
    let program = engine.map(Engine::program);
    let point_value = o
        .point_value
        .or_else(|| program.map(|p| p.loyalty.point_value.to_f64()));
    let mut skipped = Vec::new();

    // The inputs that are read whole and checked cheaply come first, so a malformed survey file
    // or account is refused before the logs are analysed.
    let nps = match inputs.surveys {
        Some((text, name)) => {
            let so = o.surveys.clone().unwrap_or_else(|| SurveyOptions {
                alpha: o.alpha,
                ..SurveyOptions::default()
            });
            Some(surveys::analyze_csv(text.as_bytes(), name, &so)?)
        }
        None => None,
    };

    let mut ledgers = Vec::with_capacity(inputs.accounts.len());
    if !inputs.accounts.is_empty() {
        let Some(p) = program else {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "accounts",
                "loyalty accounts are replayed with the programme's rules: give the engine",
            ));
        };
        let prepared = p.loyalty.prepare(0).map_err(|e| {
            AnalysisError::new("analysis.invalid", "program.loyalty", e.to_string())
        })?;
        for (i, (id, account)) in inputs.accounts.iter().enumerate() {
            let l =
                crate::loyalty::state::build_ledger(&prepared, account, o.now).map_err(|e| {
                    AnalysisError::new(
                        "analysis.invalid",
                        format!("accounts[{i}]"),
                        format!("the account of {id:?}: {e}", id = quoted(id)),
                    )
                })?;
            ledgers.push(l);
        }
    }

    let holdout = match (inputs.decisions, inputs.outcomes) {
        (Some((d, dn)), Some((out, on))) => {
            let share = o
                .holdout_share
                .or_else(|| program.and_then(|p| p.holdout.as_ref().map(|h| h.share)))
                .ok_or_else(|| {
                    AnalysisError::new(
                        "analysis.invalid",
                        "holdoutShare",
                        "the holdout's planned share: give holdoutShare (--holdout-share) or a programme with a holdout",
                    )
                })?;
            let mut metrics: Vec<String> = HOLDOUT_METRICS.map(String::from).to_vec();
            if point_value.is_some() {
                metrics.extend(["incentives".to_string(), "netMargin".to_string()]);
            }
            let options = LogOptions {
                holdout: Some(share),
                cuped: o.cuped,
                window_days: f64::from(o.window_days),
                metrics,
                point_value,
                alpha: o.alpha,
                ..LogOptions::new("", super::logs::HOLDOUT)
            };
            match analyze_logs(d.as_bytes(), dn, out.as_bytes(), on, &options) {
                Ok(a) => Some(a),
                // Data that allow no comparison (no outcome with revenue, or a log in which
                // no decision held its customer out, say) leave the other analyses standing.
                Err(e)
                    if matches!(
                        e.code.as_str(),
                        "analysis.too_few"
                            | "analysis.zero_variance"
                            | "analysis.no_units"
                            | "analysis.unknown_control"
                    ) =>
                {
                    skipped.push(e);
                    None
                }
                Err(e) => return Err(e),
            }
        }
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            return Err(AnalysisError::new(
                "analysis.invalid",
                "outcomes",
                "the holdout comparison needs both the decision log and the outcome events",
            ))
        }
    };

    let matched = if inputs.customers.iter().any(|c| c.enrolled_at.is_some()) {
        let options = DidOptions {
            window_days: o.window_days,
            placebo_days: Some(o.placebo_days),
            caliper: o.caliper,
            alpha: o.alpha,
            ..DidOptions::new(o.now)
        };
        match did::analyze(inputs.customers, &options) {
            Ok(d) => Some(d),
            Err(e) if e.code == "analysis.too_few" || e.code == "analysis.zero_variance" => {
                skipped.push(e);
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };

    let clv_options = program.map(|p| {
        let unit = engine
            .and_then(|e| e.model().clv.as_ref())
            .map_or(1.0, |m| m.time_unit.days());
        crate::clv::ClvOptions {
            horizon_periods: p.clv.expected_purchases_horizon_days / unit,
            clv_months: p.clv.months,
            margin: p.clv.margin,
            monthly_discount_rate: p.clv.monthly_discount_rate,
        }
    });
    let clv = match (engine.and_then(|e| e.model().clv.as_ref()), &clv_options) {
        (Some(m), Some(c)) => Some((m, c)),
        _ => None,
    };
    let kpis = kpis::kpis(
        inputs.customers,
        clv,
        &ledgers,
        &KpiOptions {
            now: o.now,
            churn_days: o.churn_days,
            cohort_months: o.cohort_months,
            alpha: o.alpha,
            point_value,
        },
    )?;

    let policy = match (inputs.candidate, inputs.decisions, inputs.outcomes) {
        (Some(candidate), Some((d, _)), Some((out, _))) => {
            let po = super::ope::PolicyOptions {
                alpha: o.alpha,
                ..Default::default()
            };
            match super::ope::evaluate_policy(d, out, candidate, &po) {
                Ok(p) => Some(p),
                Err(e) if e.code == "analysis.too_few" => {
                    skipped.push(AnalysisError::new(
                        e.code,
                        "policy",
                        format!(
                            "the candidate policy cannot be evaluated: {} (decisions must log their first slot's candidates, as the engine's do)",
                            e.message
                        ),
                    ));
                    None
                }
                Err(e) => return Err(e),
            }
        }
        (Some(_), _, _) => return Err(AnalysisError::new(
            "analysis.invalid",
            "candidate",
            "a candidate policy is evaluated on the decision log and the outcome events: give both",
        )),
        _ => None,
    };

    Ok(Effectiveness {
        now: crate::time::format_instant(o.now),
        window_days: o.window_days,
        holdout,
        matched,
        kpis,
        nps,
        policy,
        skipped,
    })
}
