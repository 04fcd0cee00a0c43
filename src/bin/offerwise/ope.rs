//! `offerwise evaluate-policy`: a candidate programme and policy evaluated offline on the
//! decision log and its outcomes (IPS, SNIPS, doubly robust), before running it.

use crate::common::*;
use clap::Args;
use offerwise::analysis::ope::{evaluate_policy, Estimate, PolicyOptions, Reward};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct EvaluatePolicyArgs {
    /// The decision log (JSON Lines) of the policy that decided.
    #[arg(long)]
    decisions: PathBuf,
    /// Its outcome events (JSON Lines): redemptions, and conversions naming an offer.
    #[arg(long)]
    outcomes: PathBuf,
    /// The candidate programme.
    #[arg(long)]
    candidate_program: PathBuf,
    /// The candidate's learned policy (without one, it ranks by the programme's priors).
    #[arg(long)]
    candidate_policy: Option<PathBuf>,
    /// The model the candidate runs with (default: the embedded models/default.json).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Public keys (a JWK or key set): the candidate's programme, policy and model files must
    /// each carry a valid signature by one of them (`FILE.sig`, from `offerwise sign`).
    #[arg(long, value_name = "FILE")]
    trust_key: Option<PathBuf>,
    /// `value`: the first offer's net value when taken up (what the ranking maximises);
    /// `take-up`: 1 when taken up.
    #[arg(long, default_value = "value", value_parser = ["value", "take-up"])]
    reward: String,
    /// Days after a decision its offer's take-up counts.
    #[arg(long, default_value_t = 14.0)]
    window_days: f64,
    /// Only decisions at or after this instant (a date or an ISO 8601 instant).
    #[arg(long)]
    since: Option<String>,
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Warn when the effective sample size is below this share of the decisions.
    #[arg(long, default_value_t = 0.1)]
    ess_warning: f64,
    /// Write the result as JSON here (`-`: standard output, instead of the summary).
    #[arg(long)]
    json: Option<PathBuf>,
}

pub(crate) fn cmd_evaluate_policy(a: EvaluatePolicyArgs) -> Result<(), Failure> {
    let engine = load_engine(&EngineArgs {
        model: a.model.clone(),
        program: Some(a.candidate_program.clone()),
        policy: a.candidate_policy.clone(),
        no_policy: a.candidate_policy.is_none(),
        trust_key: a.trust_key.clone(),
    })?;
    let options = PolicyOptions {
        window_days: a.window_days,
        reward: if a.reward == "take-up" {
            Reward::TakeUp
        } else {
            Reward::Value
        },
        alpha: a.alpha,
        ess_warning: a.ess_warning,
        since: a.since.as_deref().map(|s| parse_now(s, 0)).transpose()?,
    };
    let decisions = read_text(&a.decisions)?;
    let outcomes = read_text(&a.outcomes)?;
    let e = evaluate_policy(&decisions, &outcomes, &engine, &options).map_err(|mut e| {
        e.path = e
            .path
            .replacen("decisions:", &format!("{}:", a.decisions.display()), 1)
            .replacen("outcomes:", &format!("{}:", a.outcomes.display()), 1);
        analysis_fail(e)
    })?;
    let text = serde_json::to_string_pretty(&e).map_err(|e| Failure(1, format!("error: {e}")))?;
    match &a.json {
        Some(p) if p.as_os_str() == "-" => {
            println!("{text}");
            return Ok(());
        }
        Some(p) => write_atomic(p, &(text + "\n"))?,
        None => {}
    }
    let f = |x: &Estimate| format!("{:.4} [{:.4}, {:.4}]", x.value, x.ci.0, x.ci.1);
    let c = &e.counts;
    println!(
        "{} decisions: {} evaluated ({} before --since, {} without an offer, {} logged without their candidates); {} of {} first offers taken up",
        c.decisions, c.evaluated, c.before_since, c.without_offers, c.without_candidates, c.taken, c.evaluated
    );
    println!("logging policy  {} per decision", f(&e.ope.logged));
    println!("candidate IPS   {}", f(&e.ope.ips));
    println!("candidate SNIPS {}", f(&e.ope.snips));
    if let Some(dr) = &e.ope.dr {
        println!("candidate DR    {}", f(dr));
    }
    println!("candidate − logging (IPS, paired) {}", f(&e.lift));
    println!(
        "effective sample size {:.0} of {} ({:.1}%); largest weight {:.2}; {} decisions the candidate would not repeat",
        e.ope.effective_sample_size,
        e.ope.decisions,
        100.0 * e.ope.effective_sample_size / e.ope.decisions as f64,
        e.ope.max_weight,
        e.ope.zero_weight
    );
    if let Some(w) = &e.ope.warning {
        println!("warning: {w}");
    }
    if !c.unseen_offers.is_empty() {
        println!(
            "note: the logs say nothing of the candidate's offers {} (no logged decision could show them)",
            c.unseen_offers.join(", ")
        );
    }
    if !c.missing_offers.is_empty() {
        println!(
            "note: offers the candidate drops: {}",
            c.missing_offers.join(", ")
        );
    }
    Ok(())
}
