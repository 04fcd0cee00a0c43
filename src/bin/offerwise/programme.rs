//! `offerwise simulate-programme`: a seeded loyalty programme laid over a transaction file,
//! written as the files a shop would have; `offerwise effectiveness`: does the programme pay?

use crate::common::*;
use clap::Args;
use offerwise::analysis::effectiveness::{self, EffectivenessOptions, Inputs};
use offerwise::analysis::programme_files as files;
use offerwise::analysis::simulate::{self, Base, Params};
use offerwise::analysis::surveys::SurveyOptions;
use offerwise::analysis::AnalysisError;
use offerwise::error::quoted;
use offerwise::loyalty::AccountInput;
use offerwise::time::format_instant;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub(crate) struct SimulateProgrammeArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// The folder the files go to (created if missing): orders.csv, members.csv, ledger.jsonl,
    /// decisions.jsonl, outcomes.jsonl and truth.json.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Launch day: invitations, enrolment and the holdout's decisions (default 1997-10-01,
    /// for CDNOW).
    #[arg(long, default_value = "1997-10-01")]
    launch: String,
    /// The end of the data: points expire as of then (default 1998-07-01).
    #[arg(long, default_value = "1998-07-01")]
    end: String,
    #[arg(long, default_value_t = 0.10)]
    holdout_share: f64,
    /// Members' orders after enrolling are this much larger (0.10: +10%).
    #[arg(long, default_value_t = 0.10)]
    spend_uplift: f64,
    /// The probability a member's order brings a second basket.
    #[arg(long, default_value_t = 0.15)]
    extra_order_rate: f64,
    /// The days after launch the truth is stated for.
    #[arg(long, default_value_t = 180)]
    window_days: u32,
}

fn day(text: &str, what: &str) -> Result<i64, Failure> {
    offerwise::time::parse_instant(text, 0)
        .map_err(|e| Failure(2, format!("error[input.invalid]: --{what}: {e}")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LedgerLine<'a> {
    customer_id: &'a str,
    account: AccountInput,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TruthFile<'a> {
    params: &'a Params,
    truth: &'a simulate::Truth,
    customers: usize,
    held_out: usize,
    members: usize,
}

pub(crate) fn cmd_simulate_programme(a: SimulateProgrammeArgs) -> Result<(), Failure> {
    let rows = read_orders(&a.orders)?;
    let population = Base::from_transactions(&rows);
    let params = Params {
        launch: day(&a.launch, "launch")?,
        end: day(&a.end, "end")?,
        holdout_share: a.holdout_share,
        spend_uplift: a.spend_uplift,
        extra_order_rate: a.extra_order_rate,
        window_days: a.window_days,
        ..Params::cdnow(a.seed)
    };
    let sim = simulate::run(&params, &population)
        .map_err(|e| Failure(2, format!("error[input.invalid]: {e}")))?;
    std::fs::create_dir_all(&a.out).map_err(|e| io_fail(&a.out, e))?;
    let json = |v: &dyn erased::Json| v.line();

    let mut orders = String::from("customer_id,order_id,date,amount\n");
    let mut members = String::from("customer_id,enrolled_at\n");
    let mut ledger = String::new();
    for c in &sim.customers {
        for o in &c.orders {
            let _ = writeln!(
                orders,
                "{},{},{},{}",
                c.id,
                o.id,
                format_instant(o.at),
                o.amount
            );
        }
        if let Some(e) = c.enrolled_at {
            let _ = writeln!(members, "{},{}", c.id, format_instant(e));
            ledger.push_str(&json(&LedgerLine {
                customer_id: &c.id,
                account: AccountInput {
                    operations: c.operations.clone(),
                    ..Default::default()
                },
            }));
        }
    }
    let decisions: String = sim.decisions().iter().map(|d| json(d)).collect();
    let outcomes: String = sim.outcomes().iter().map(|o| json(o)).collect();
    let held_out = sim.customers.iter().filter(|c| c.holdout).count();
    let enrolled = sim
        .customers
        .iter()
        .filter(|c| c.enrolled_at.is_some())
        .count();
    let truth = serde_json::to_string_pretty(&TruthFile {
        params: &sim.params,
        truth: &sim.truth,
        customers: sim.customers.len(),
        held_out,
        members: enrolled,
    })
    .map_err(|e| Failure(1, format!("error: {e}")))?;
    for (name, text) in [
        ("orders.csv", orders),
        ("members.csv", members),
        ("ledger.jsonl", ledger),
        ("decisions.jsonl", decisions),
        ("outcomes.jsonl", outcomes),
        ("truth.json", truth + "\n"),
    ] {
        write_atomic(&a.out.join(name), &text)?;
    }
    let t = &sim.truth;
    println!(
        "simulated programme (seed {}): {} customers, {} held out, {} members ({:.1}% of those invited)",
        a.seed,
        sim.customers.len(),
        held_out,
        enrolled,
        100.0 * enrolled as f64 / (sim.customers.len() - held_out).max(1) as f64
    );
    println!(
        "truth over {} days: +{:.2} revenue per invited customer (the holdout's target), +{:.2} per member (matched DiD's)",
        t.window_days, t.itt_revenue, t.att_revenue
    );
    println!("wrote {}", a.out.display());
    Ok(())
}

/// JSON Lines writing without naming each type.
mod erased {
    pub(crate) trait Json {
        fn line(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn line(&self) -> String {
            let mut s = serde_json::to_string(self).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

#[derive(Args)]
pub(crate) struct EffectivenessArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    #[command(flatten)]
    engine: EngineArgs,
    /// The end of the data (exclusive): a date or an instant.
    #[arg(long)]
    now: String,
    /// Members and when they enrolled: CSV with `customer_id` and `enrolled_at` columns.
    #[arg(long)]
    members: Option<PathBuf>,
    /// Customers' segments (CSV with `customer_id` and `segment` columns): members are matched
    /// with non-members of their own segment.
    #[arg(long, requires = "members")]
    segments: Option<PathBuf>,
    /// Loyalty accounts, JSON Lines: `{"customerId": …, "account": {"operations": […], …}}`
    /// (the account as a customer document's `loyalty` holds it).
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// The decision log (JSON Lines) for the holdout comparison.
    #[arg(long, requires = "outcomes")]
    decisions: Option<PathBuf>,
    /// Outcome events (JSON Lines or CSV).
    #[arg(long, requires = "decisions")]
    outcomes: Option<PathBuf>,
    /// The holdout's planned share (default: the programme's `holdout.share`).
    #[arg(long)]
    holdout_share: Option<f64>,
    /// A candidate programme to evaluate offline on the decision log (`evaluate-policy`).
    #[arg(long, requires = "decisions")]
    candidate_program: Option<PathBuf>,
    /// The candidate's learned policy.
    #[arg(long, requires = "candidate_program")]
    candidate_policy: Option<PathBuf>,
    /// Survey answers (CSV with a 0–10 `score` column).
    #[arg(long)]
    surveys: Option<PathBuf>,
    /// The surveys' group column (segment, tier…): NPS per group.
    #[arg(long, requires = "surveys")]
    survey_group_column: Option<String>,
    /// The group the others are compared with.
    #[arg(long, requires = "survey_group_column")]
    survey_control: Option<String>,
    #[arg(long, default_value_t = 180)]
    window_days: u32,
    /// The money one point is worth (default: the programme's `loyalty.pointValue`).
    #[arg(long)]
    point_value: Option<f64>,
    #[arg(long, default_value_t = 90)]
    placebo_days: u32,
    /// The widest match accepted (standardised units).
    #[arg(long)]
    caliper: Option<f64>,
    #[arg(long, default_value_t = 180)]
    churn_days: u32,
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Write every number as JSON here (`-`: standard output, instead of the summary).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the report, one self-contained HTML page, here.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// A programme file read into text and parsed by `parse` (errors name the file).
fn read_with<T>(
    path: &Path,
    parse: impl Fn(&str, &str) -> Result<T, AnalysisError>,
) -> Result<T, Failure> {
    parse(&read_text(path)?, &path.display().to_string()).map_err(analysis_fail)
}

pub(crate) fn cmd_effectiveness(a: EffectivenessArgs) -> Result<(), Failure> {
    let now = parse_now(&a.now, 0)?;
    let engine = load_engine(&a.engine)?;
    let candidate = match &a.candidate_program {
        Some(p) => Some(load_engine(&EngineArgs {
            model: a.engine.model.clone(),
            program: Some(p.clone()),
            policy: a.candidate_policy.clone(),
            no_policy: a.candidate_policy.is_none(),
            trust_key: a.engine.trust_key.clone(),
        })?),
        None => None,
    };
    let rows = read_orders(&a.orders)?;
    let members = match &a.members {
        Some(p) => read_with(p, files::read_members)?,
        None => BTreeMap::new(),
    };
    let segments = match &a.segments {
        Some(p) => read_with(p, files::read_segments)?,
        None => BTreeMap::new(),
    };
    let (customers, orderless) = files::histories(&rows, members, segments);
    if let Some(id) = orderless.first() {
        eprintln!(
            "note: {} members have no order in {} (the first: {id:?}); they are left out",
            orderless.len(),
            a.orders.orders.display(),
            id = quoted(id)
        );
    }
    let accounts = match &a.ledger {
        Some(p) => read_with(p, files::read_ledger)?,
        None => Vec::new(),
    };
    let text = |p: &Option<PathBuf>| p.as_ref().map(|p| read_text(p)).transpose();
    let (decisions, outcomes, surveys) =
        (text(&a.decisions)?, text(&a.outcomes)?, text(&a.surveys)?);
    let names = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let (dn, on, sn) = (names(&a.decisions), names(&a.outcomes), names(&a.surveys));
    let inputs = Inputs {
        customers: &customers,
        accounts: &accounts,
        decisions: decisions.as_deref().map(|t| (t, dn.as_str())),
        outcomes: outcomes.as_deref().map(|t| (t, on.as_str())),
        surveys: surveys.as_deref().map(|t| (t, sn.as_str())),
        candidate: candidate.as_ref(),
    };
    let options = EffectivenessOptions {
        window_days: a.window_days,
        holdout_share: a.holdout_share,
        point_value: a.point_value,
        placebo_days: a.placebo_days,
        caliper: a.caliper,
        churn_days: a.churn_days,
        alpha: a.alpha,
        surveys: a.surveys.as_ref().map(|_| SurveyOptions {
            group_column: a.survey_group_column.clone(),
            control: a.survey_control.clone(),
            alpha: a.alpha,
            ..SurveyOptions::default()
        }),
        ..EffectivenessOptions::new(now)
    };
    let e = effectiveness::run(Some(&engine), &inputs, &options).map_err(analysis_fail)?;
    let text = serde_json::to_string_pretty(&e).map_err(|e| Failure(1, format!("error: {e}")))?;
    match &a.json {
        Some(p) if p.as_os_str() == "-" => {
            println!("{text}");
        }
        Some(p) => write_atomic(p, &(text + "\n"))?,
        None => {}
    }
    if let Some(p) = &a.html {
        let html = offerwise::analysis::programme_report::html(&e, "Does the programme pay?");
        write_atomic(p, &html)?;
    }
    if a.json.as_ref().is_some_and(|p| p.as_os_str() == "-") {
        return Ok(());
    }
    summary(&e);
    Ok(())
}

fn summary(e: &offerwise::analysis::effectiveness::Effectiveness) {
    let n = |x: f64| format!("{x:.2}");
    if let Some(a) = &e.holdout {
        for r in &a.results {
            let (v, c) = match &r.cuped {
                Some(c) => (c.abs_lift, c.abs_lift_ci),
                None => (r.abs_lift, r.abs_lift_ci),
            };
            println!(
                "holdout (causal) {:<10} {} [{}, {}] {}{}",
                r.metric,
                n(v),
                n(c.0),
                n(c.1),
                if r.kind == offerwise::analysis::MetricKind::Ratio {
                    "(ratio)"
                } else {
                    "per customer"
                },
                if r.cuped.is_some() { " with CUPED" } else { "" }
            );
        }
        if let Some(roi) = a.roi.as_ref().and_then(|r| r.roi.zip(r.roi_ci)) {
            println!(
                "holdout ROI on incentives {} [{}, {}]",
                n(roi.0),
                n(roi.1 .0),
                n(roi.1 .1)
            );
        }
        if !a.srm.ok {
            println!(
                "warning: the holdout's sample ratio is off (p {:.2e}): verdicts withheld",
                a.srm.p_value
            );
        }
    }
    if let Some(d) = &e.matched {
        let x = &d.effect.estimate;
        println!(
            "matched DiD (assumptions) revenue {} per member [{}, {}] over {} matched members; naive {} [{}, {}]",
            n(x.effect),
            n(x.ci.0),
            n(x.ci.1),
            d.counts.matched,
            n(d.naive.effect),
            n(d.naive.ci.0),
            n(d.naive.ci.1)
        );
        let worst = d
            .balance
            .iter()
            .map(|b| b.smd_after.abs())
            .fold(0.0, f64::max);
        println!("matched balance: largest |SMD| after matching {worst:.3}");
        if let Some(p) = &d.placebo {
            println!(
                "placebo {} days earlier: {} [{}, {}] ({})",
                p.shift_days,
                n(p.estimate.estimate.effect),
                n(p.estimate.estimate.ci.0),
                n(p.estimate.estimate.ci.1),
                if p.passes {
                    "passes"
                } else {
                    "FAILS: do not trust the matched estimate"
                }
            );
        }
    }
    let k = &e.kpis;
    println!(
        "KPIs: {} customers, repeat rate {:.1}%, {:.2} orders per customer, average check {}, churned {:.1}%",
        k.customers,
        100.0 * k.repeat_rate.value,
        k.frequency.value,
        k.average_check.map_or("—".into(), |a| n(a.value)),
        100.0 * k.churn_recency.value
    );
    if let Some(p) = &k.points {
        println!(
            "points: {} issued, {} redeemed, {} expired, {} outstanding{}",
            p.issued,
            p.redeemed,
            p.expired,
            p.outstanding,
            p.liability
                .map_or(String::new(), |l| format!("; liability {}", n(l.value)))
        );
    }
    if let Some(p) = &e.policy {
        println!(
            "candidate policy (offline): IPS {} [{}, {}] per decision vs logged {}; lift {} [{}, {}]",
            n(p.ope.ips.value),
            n(p.ope.ips.ci.0),
            n(p.ope.ips.ci.1),
            n(p.ope.logged.value),
            n(p.lift.value),
            n(p.lift.ci.0),
            n(p.lift.ci.1)
        );
    }
    if let Some(s) = &e.nps {
        println!(
            "NPS {:+.1} [{:+.1}, {:+.1}]",
            s.overall.score, s.overall.score_ci.0, s.overall.score_ci.1
        );
    }
    for s in &e.skipped {
        println!("not made: {} ({}): {}", s.path, s.code, s.message);
    }
}
