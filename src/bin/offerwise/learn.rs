//! `offerwise learn` and `offerwise simulate`: the policy learns from logged decisions and
//! outcomes; a simulation with a known truth checks the loop.

use crate::common::*;
use clap::Args;
use offerwise::offers::learn::join_logs;
use offerwise::offers::policy::Policy;
use offerwise::offers::simulate::{self, SimConfig};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct LearnArgs {
    /// Decision records, one JSON object per line (`offerwise.decision/1`, the decisions'
    /// `log`).
    #[arg(long)]
    decisions: PathBuf,
    /// Outcome events, one JSON object per line (`offerwise.outcome/1`).
    #[arg(long)]
    outcomes: PathBuf,
    /// The policy to update (default: a new one named by --name).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Public keys (a JWK or key set): the policy to update must carry a valid signature by
    /// one of them (`FILE.sig`, from `offerwise sign`).
    #[arg(long, value_name = "FILE", requires = "policy")]
    trust_key: Option<PathBuf>,
    /// The name of a new policy.
    #[arg(long, default_value = "policy")]
    name: String,
    /// The learning instant: observations are weighted by their age at it (default: the last
    /// decision's instant).
    #[arg(long)]
    now: Option<String>,
    /// Where to write the updated policy.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn cmd_learn(a: LearnArgs) -> Result<(), Failure> {
    let mut policy = match &a.policy {
        Some(p) => Policy::from_json(&read_trusted(p, a.trust_key.as_deref())?)?,
        None => Policy::new(&a.name),
    };
    let joined = join_logs(&read_text(&a.decisions)?, &read_text(&a.outcomes)?)?;
    let now = match &a.now {
        Some(t) => parse_now(t, 0)?,
        None => joined.last_ms.ok_or_else(|| {
            Failure(
                2,
                "error[decision.invalid]: the decision log is empty".into(),
            )
        })?,
    };
    if let Some(prev) = policy
        .learned_at
        .as_deref()
        .and_then(|t| offerwise::time::parse_instant(t, 0).ok())
    {
        if now < prev {
            return Err(Failure(
                2,
                format!(
                    "error[options.invalid]: learning at {} is before the policy's learnedAt {}",
                    offerwise::time::format_instant(now),
                    offerwise::time::format_instant(prev)
                ),
            ));
        }
    }
    policy.learn(&joined.observations, now, joined.source());
    let text =
        serde_json::to_string_pretty(&policy).map_err(|e| Failure(1, format!("error: {e}")))?;
    write_atomic(&a.out, &(text + "\n"))?;
    eprintln!(
        "learned from {} decisions ({} logged twice), {} of {} outcomes joined, {} observations; policy {}",
        joined.decisions,
        joined.duplicates,
        joined.outcomes - joined.unmatched_outcomes,
        joined.outcomes,
        joined.observations.len(),
        policy.version
    );
    Ok(())
}

#[derive(Args)]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Synthetic customers.
    #[arg(long, default_value_t = 3000)]
    customers: usize,
    /// Days; the policy learns at the end of each.
    #[arg(long, default_value_t = 45)]
    days: u32,
    /// The share of customers visiting each day.
    #[arg(long, default_value_t = 0.3)]
    visit_rate: f64,
    /// The seed of customers, truth, visits and outcomes.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The first day (ISO 8601 date).
    #[arg(long, default_value = "1998-07-01")]
    start: String,
    /// Days at the end over which the offline estimate is checked.
    #[arg(long, default_value_t = 15)]
    ips_days: u32,
    /// Write the learned policy here.
    #[arg(long)]
    policy_out: Option<PathBuf>,
    /// Write the learner's decision log (JSON lines) here.
    #[arg(long)]
    decisions_out: Option<PathBuf>,
    /// Write the learner's outcome events (JSON lines) here.
    #[arg(long)]
    outcomes_out: Option<PathBuf>,
}

pub(crate) fn cmd_simulate(a: SimulateArgs) -> Result<(), Failure> {
    let mut engine = load_engine(&a.engine)?;
    // The simulation starts from a policy that has learned nothing.
    engine
        .set_policy(None)
        .map_err(|e| Failure(1, e.to_string()))?;
    if !(a.visit_rate > 0.0 && a.visit_rate <= 1.0) {
        return Err(Failure(
            2,
            "error[options.invalid]: --visit-rate must be in (0, 1]".into(),
        ));
    }
    let cfg = SimConfig {
        customers: a.customers,
        days: a.days,
        visit_rate: a.visit_rate,
        seed: a.seed,
        start_ms: parse_now(&a.start, 0)?,
        ips_days: a.ips_days.min(a.days),
    };
    let mut start = Policy::new("default");
    start.version = start.compute_version();
    let report = simulate::run(&engine, start, &cfg)?;
    println!(
        "{:>4} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "day",
        "decisions",
        "rules $",
        "learner $",
        "oracle $",
        "rules E$",
        "learner E$",
        "oracle E$",
        "regret/T L",
        "regret/T R"
    );
    for d in &report.days {
        println!(
            "{:>4} {:>9} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>12.4} {:>12.4}",
            d.day,
            d.decisions,
            d.rules_margin,
            d.learner_margin,
            d.oracle_margin,
            d.rules_value,
            d.learner_value,
            d.oracle_value,
            d.learner_regret_per_decision,
            d.rules_regret_per_decision
        );
    }
    let sum = |f: &dyn Fn(&simulate::Day) -> f64| report.days.iter().map(f).sum::<f64>();
    println!(
        "total realized: rules {:.2}, learner {:.2}, oracle {:.2}; expected: rules {:.2}, learner {:.2}, oracle {:.2}",
        sum(&|d| d.rules_margin),
        sum(&|d| d.learner_margin),
        sum(&|d| d.oracle_margin),
        sum(&|d| d.rules_value),
        sum(&|d| d.learner_value),
        sum(&|d| d.oracle_value)
    );
    let i = &report.ips;
    println!(
        "offline (inverse propensity) value of the frozen greedy policy over the last {} days: {:.4} per decision, 95% CI [{:.4}, {:.4}]; truth {:.4}; {} decisions, least first-slot propensity {:.4}",
        cfg.ips_days, i.estimate, i.ci_low, i.ci_high, i.truth, i.decisions, i.min_propensity
    );
    if let Some(o) = &report.ope {
        let e = |x: &offerwise::analysis::ope::Estimate| {
            format!("{:.4} [{:.4}, {:.4}]", x.value, x.ci.0, x.ci.1)
        };
        println!(
            "the same by SNIPS {} and doubly robust {}; effective sample size {:.0} of {}",
            e(&o.snips),
            o.dr.as_ref().map_or("—".into(), e),
            o.effective_sample_size,
            o.decisions
        );
    }
    if let Some(p) = &a.policy_out {
        let text = serde_json::to_string_pretty(&report.policy)
            .map_err(|e| Failure(1, format!("error: {e}")))?;
        write_atomic(p, &(text + "\n"))?;
    }
    if let Some(p) = &a.decisions_out {
        write_atomic(p, &report.decisions_log)?;
    }
    if let Some(p) = &a.outcomes_out {
        write_atomic(p, &report.outcomes_log)?;
    }
    Ok(())
}
