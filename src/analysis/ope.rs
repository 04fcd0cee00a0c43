//! Offline policy evaluation: the value a candidate policy would have had on the decisions a
//! logging policy made, from the propensities the decision log records.
//!
//! Each logged decision `i` showed action `aᵢ` with the logging policy's probability `μᵢ`
//! (`log.offers[0].propensity`), and earned reward `rᵢ`; the candidate would have shown the same
//! action with probability `πᵢ`. With the importance weight `wᵢ = πᵢ / μᵢ` (Dudík, Langford &
//! Li 2011; the estimators of the Open Bandit Pipeline):
//!
//! * **IPS**: `V = mean(wᵢ rᵢ)`, unbiased when the logging policy gave every action the
//!   candidate takes a positive probability; interval `V ± z · sd(wᵢ rᵢ) / √n`;
//! * **SNIPS** (self-normalised): `V = Σ wᵢ rᵢ / Σ wᵢ`, a little biased, much less variable;
//!   delta-method interval `V ± z · sd(wᵢ (rᵢ − V)) / (√n · w̄)`;
//! * **DR** (doubly robust), with a reward model `q̂`: `V = mean(q̂ᵢ(π) + wᵢ (rᵢ − q̂ᵢ(aᵢ)))`,
//!   where `q̂ᵢ(π) = Σ_a π(a | xᵢ) q̂(xᵢ, a)` is the model's value of the candidate's choice and
//!   `q̂ᵢ(aᵢ)` its prediction for the action taken; unbiased when either the propensities or the
//!   model are right, and the tightest when the model is good.
//!
//! The **effective sample size** `(Σ w)² / Σ w²` says how many decisions the estimate is really
//! worth; below `essWarning` of the decisions (default 10%) the candidate is far from the
//! logging policy and the result says so.

use super::AnalysisError;
use crate::stats::special::norm_ppf;
use serde::Serialize;

/// One logged decision as the estimators read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logged {
    /// The logging policy's probability of the action it took (0 < μ ≤ 1).
    pub logging: f64,
    /// The candidate's probability of the same action (0 ≤ π ≤ 1).
    pub candidate: f64,
    pub reward: f64,
    /// The reward model's prediction for the action taken, and its value of the candidate's
    /// choice (for DR; `None` without a model).
    pub model: Option<(f64, f64)>,
}

/// An estimate with its normal interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub value: f64,
    pub se: f64,
    pub ci: (f64, f64),
}

/// The evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ope {
    pub decisions: usize,
    pub alpha: f64,
    /// The logging policy's own value: the mean reward logged.
    pub logged: Estimate,
    pub ips: Estimate,
    pub snips: Estimate,
    /// With a reward model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dr: Option<Estimate>,
    pub mean_weight: f64,
    pub max_weight: f64,
    pub effective_sample_size: f64,
    /// Decisions where the candidate would not take the logged action (w = 0).
    pub zero_weight: usize,
    /// Set when the effective sample size is below `essWarning` of the decisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

fn estimate(values: impl Iterator<Item = f64> + Clone, n: f64, z: f64) -> Estimate {
    let m = values.clone().sum::<f64>() / n;
    let var = if n > 1.0 {
        values.map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    let se = libm::sqrt(var / n);
    Estimate {
        value: m,
        se,
        ci: (m - z * se, m + z * se),
    }
}

/// Evaluates the candidate on the logged decisions (see the module docs).
///
/// Errors: `analysis.invalid` (path `decisions[i]`) for a probability out of range or a value
/// that is not finite, or for options out of range; `analysis.too_few` with fewer than two
/// decisions, or when the candidate takes none of the logged actions (every weight 0).
pub fn evaluate(logs: &[Logged], alpha: f64, ess_warning: f64) -> Result<Ope, AnalysisError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "alpha",
            format!("{alpha}: between 0 and 1"),
        ));
    }
    if !(0.0..=1.0).contains(&ess_warning) {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "essWarning",
            format!("{ess_warning}: a share from 0 to 1"),
        ));
    }
    for (i, l) in logs.iter().enumerate() {
        let bad = |m: String| {
            Err(AnalysisError::new(
                "analysis.invalid",
                format!("decisions[{i}]"),
                m,
            ))
        };
        if !(l.logging > 0.0 && l.logging <= 1.0) {
            return bad(format!(
                "the logging propensity {} is not in (0, 1]",
                l.logging
            ));
        }
        if !(0.0..=1.0).contains(&l.candidate) {
            return bad(format!(
                "the candidate's probability {} is not in [0, 1]",
                l.candidate
            ));
        }
        if !l.reward.is_finite()
            || l.model
                .is_some_and(|(a, b)| !(a.is_finite() && b.is_finite()))
        {
            return bad("a reward or model value that is not a finite number".into());
        }
    }
    let n = logs.len();
    if n < 2 {
        return Err(AnalysisError::new(
            "analysis.too_few",
            "decisions",
            format!("{n} logged decisions: at least 2 are needed"),
        ));
    }
    let nf = n as f64;
    let z = norm_ppf(1.0 - alpha / 2.0);
    let w = |l: &Logged| l.candidate / l.logging;
    let sw: f64 = logs.iter().map(w).sum();
    let sw2: f64 = logs.iter().map(|l| w(l) * w(l)).sum();
    if sw <= 0.0 {
        return Err(AnalysisError::new(
            "analysis.too_few",
            "candidate",
            "the candidate takes none of the logged actions: the logs say nothing about it",
        ));
    }
    let ips = estimate(logs.iter().map(|l| w(l) * l.reward), nf, z);
    let v = logs.iter().map(|l| w(l) * l.reward).sum::<f64>() / sw;
    let wbar = sw / nf;
    let resid = estimate(logs.iter().map(|l| w(l) * (l.reward - v)), nf, z);
    let se = resid.se / wbar;
    let snips = Estimate {
        value: v,
        se,
        ci: (v - z * se, v + z * se),
    };
    let dr = logs.iter().all(|l| l.model.is_some()).then(|| {
        estimate(
            logs.iter().map(|l| {
                let (q_taken, q_candidate) = l.model.unwrap_or((0.0, 0.0));
                q_candidate + w(l) * (l.reward - q_taken)
            }),
            nf,
            z,
        )
    });
    let ess = sw * sw / sw2;
    let warning = (ess < ess_warning * nf).then(|| {
        format!(
            "the candidate is far from the logging policy: the {n} decisions are worth {:.0} ({:.1}%); the estimates are unreliable",
            ess,
            100.0 * ess / nf
        )
    });
    Ok(Ope {
        decisions: n,
        alpha,
        logged: estimate(logs.iter().map(|l| l.reward), nf, z),
        ips,
        snips,
        dr,
        mean_weight: wbar,
        max_weight: logs.iter().map(w).fold(0.0, f64::max),
        effective_sample_size: ess,
        zero_weight: logs.iter().filter(|l| l.candidate == 0.0).count(),
        warning,
    })
}

/// What a decision earns in [`evaluate_policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Reward {
    /// The first offer's net value (gain − cost) when it is taken up, else 0: what the
    /// ranking maximises.
    #[default]
    Value,
    /// 1 when the first offer is taken up (a redemption, or a conversion naming it), else 0.
    TakeUp,
}

/// [`evaluate_policy`]'s settings.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyOptions {
    /// Days after a decision its offer's take-up counts (default 14).
    #[serde(default = "default_window")]
    pub window_days: f64,
    #[serde(default)]
    pub reward: Reward,
    #[serde(default = "super::defaults::alpha")]
    pub alpha: f64,
    /// The effective sample size, as a share of the decisions, below which the result warns
    /// (default 0.1).
    #[serde(default = "default_ess")]
    pub ess_warning: f64,
    /// Only decisions at or after this instant (epoch ms).
    #[serde(default)]
    pub since: Option<i64>,
}

fn default_window() -> f64 {
    14.0
}
fn default_ess() -> f64 {
    0.1
}

impl Default for PolicyOptions {
    fn default() -> Self {
        PolicyOptions {
            window_days: default_window(),
            reward: Reward::Value,
            alpha: super::defaults::alpha(),
            ess_warning: default_ess(),
            since: None,
        }
    }
}

/// How the logs were read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyCounts {
    pub decisions: usize,
    /// Decisions with a first offer and its candidates logged: the ones evaluated.
    pub evaluated: usize,
    /// Decisions that showed nothing (held out, nothing eligible).
    pub without_offers: usize,
    /// Decisions before `since`.
    pub before_since: usize,
    /// Decisions logged without their first slot's candidates (older logs).
    pub without_candidates: usize,
    /// Logged candidate offers the candidate programme does not have (never shown by it).
    pub missing_offers: Vec<String>,
    /// The candidate programme's offers no logged decision could show: the logs say nothing
    /// of them.
    pub unseen_offers: Vec<String>,
    pub outcomes: usize,
    /// First offers taken up within the window.
    pub taken: usize,
}

/// The candidate against the logging policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyEvaluation {
    pub reward: Reward,
    pub window_days: f64,
    pub program_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    pub counts: PolicyCounts,
    #[serde(flatten)]
    pub ope: Ope,
    /// The candidate less the logging policy, per decision (IPS, paired by decision).
    pub lift: Estimate,
}

/// Ranks a decision's logged candidates as the candidate programme and policy would: priors
/// from the programme's offers (weights by the logged segment), take-up from the policy when it
/// has learned enough, the logged gain and cost; offers the programme lacks, or whose value
/// is not positive (at priority ≤ 0), are out. Returns `(logged index, probability)` of the
/// first slot, and each candidate's take-up.
fn candidate_choice(
    d: &crate::offers::log::DecisionRecord,
    program: &crate::program::Program,
    policy: Option<&crate::offers::policy::Policy>,
    context: &[f64; crate::offers::policy::D],
) -> (Vec<(usize, f64)>, Vec<f64>) {
    use crate::offers::rank::{cmp_ranked, prior_response, worth_showing};
    let segment = d
        .segment
        .as_ref()
        .map(|s| (s.name.as_deref().unwrap_or(""), s.role));
    let mut response = vec![0.0; d.first_slot.len()];
    // (priority, score, id, logged index)
    let mut ranked: Vec<(i32, f64, &str, usize)> = Vec::new();
    for (i, c) in d.first_slot.iter().enumerate() {
        let Some(o) = program.offers.iter().find(|o| o.id == c.id) else {
            continue;
        };
        let prior = prior_response(o, &program.ranking, segment);
        let r = policy
            .and_then(|p| p.predict(&o.id, context))
            .unwrap_or(prior);
        response[i] = r;
        let score = r * (c.gain - c.cost);
        let score = if score.is_finite() { score + 0.0 } else { 0.0 };
        if !worth_showing(score, o.priority) {
            continue;
        }
        ranked.push((o.priority, score, &c.id, i));
    }
    ranked.sort_by(|a, b| cmp_ranked((a.0, a.1, a.2), (b.0, b.1, b.2)));
    let Some(top) = ranked.first().map(|r| r.0) else {
        return (Vec::new(), response);
    };
    let k = ranked.iter().take_while(|r| r.0 == top).count();
    let probs = match policy {
        Some(p) => {
            let scores: Vec<f64> = ranked[..k].iter().map(|r| r.1).collect();
            crate::offers::policy::igw(&scores, &p.exploration)
        }
        None => {
            let mut v = vec![0.0; k];
            v[0] = 1.0;
            v
        }
    };
    (
        ranked[..k]
            .iter()
            .zip(probs)
            .map(|(r, p)| (r.3, p))
            .collect(),
        response,
    )
}

/// Evaluates a candidate (an engine: its programme and learned policy) on a decision log and its outcome
/// events (JSON Lines): every decision's first slot ranked again from its logged candidates
/// ([`candidate_choice`]), and [`evaluate`]'s IPS, SNIPS and DR (the candidate's own take-up
/// as the model) of its value per decision, beside the logging policy's.
///
/// What the logs let it re-rank: the candidate's priors, segment and role weights, priorities,
/// learned take-up, exploration, and offers it drops. What they do not: offers it adds (listed
/// in `counts.unseenOffers`), and changed prices or eligibility rules (the logged gain, cost and
/// candidates are the logging programme's).
///
/// Errors: the logs' own (`decision.invalid`, `outcome.invalid` with the line), options out
/// of range, and [`evaluate`]'s.
pub fn evaluate_policy(
    decisions: &str,
    outcomes: &str,
    candidate: &crate::Engine,
    o: &PolicyOptions,
) -> Result<PolicyEvaluation, AnalysisError> {
    use crate::offers::log::{DecisionRecord, Outcome, OutcomeType};
    use std::collections::{BTreeMap, BTreeSet};
    if !(o.window_days.is_finite() && o.window_days > 0.0) {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "windowDays",
            format!("{}: a positive number of days", o.window_days),
        ));
    }
    let window = (o.window_days * crate::time::DAY_MS as f64).round() as i64;
    // (decision id, offer) → the earliest take-up.
    let mut taken: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut counts = PolicyCounts::default();
    for (i, line) in outcomes.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("outcomes:{}", i + 1);
        let e = Outcome::from_json(line).map_err(|e| super::logs::doc_error(&e, &at()))?;
        counts.outcomes += 1;
        let takes = matches!(e.kind, OutcomeType::Redemption | OutcomeType::Conversion);
        if let (true, Some(offer)) = (takes, e.offer_id) {
            let t = e
                .at
                .to_millis(0)
                .map_err(|m| AnalysisError::new("outcome.invalid", format!("{}.at", at()), m))?;
            let k = taken.entry((e.decision_id, offer)).or_insert(t);
            *k = (*k).min(t);
        }
    }
    let mut logged = Vec::new();
    let mut lift = Vec::new();
    let (mut missing, mut seen) = (BTreeSet::new(), BTreeSet::new());
    for (i, line) in decisions.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("decisions:{}", i + 1);
        let d = DecisionRecord::from_json(line).map_err(|e| super::logs::doc_error(&e, &at()))?;
        counts.decisions += 1;
        let when = crate::time::parse_instant(&d.at, 0)
            .map_err(|m| AnalysisError::new("decision.invalid", format!("{}.at", at()), m))?;
        if o.since.is_some_and(|s| when < s) {
            counts.before_since += 1;
            continue;
        }
        let Some(first) = d.offers.first() else {
            counts.without_offers += 1;
            continue;
        };
        let Some(a) = d.first_slot.iter().position(|c| c.id == first.id) else {
            counts.without_candidates += 1;
            continue;
        };
        let mut context = [0.0; crate::offers::policy::D];
        context.copy_from_slice(&d.context);
        let (program, use_policy) = candidate.ranking_for(&d.variants);
        for c in &d.first_slot {
            seen.insert(c.id.clone());
            if !program.offers.iter().any(|x| x.id == c.id) {
                missing.insert(c.id.clone());
            }
        }
        let policy = candidate.policy().filter(|_| use_policy);
        let (choice, response) = candidate_choice(&d, &program, policy, &context);
        let net = |k: usize| d.first_slot[k].gain - d.first_slot[k].cost;
        let worth = |k: usize| match o.reward {
            Reward::Value => net(k),
            Reward::TakeUp => 1.0,
        };
        let took = taken
            .get(&(d.decision_id.clone(), first.id.clone()))
            .is_some_and(|&t| t >= when && t - when < window);
        counts.taken += usize::from(took);
        let reward = if took { worth(a) } else { 0.0 };
        let candidate = choice
            .iter()
            .find(|(k, _)| *k == a)
            .map_or(0.0, |(_, p)| *p);
        let q = |k: usize| response[k] * worth(k);
        let q_candidate: f64 = choice.iter().map(|&(k, p)| p * q(k)).sum();
        logged.push(Logged {
            logging: first.propensity,
            candidate,
            reward,
            model: Some((q(a), q_candidate)),
        });
        lift.push(candidate / first.propensity * reward - reward);
        counts.evaluated += 1;
    }
    counts.missing_offers = missing.into_iter().collect();
    counts.unseen_offers = candidate
        .program()
        .offers
        .iter()
        .filter(|x| !seen.contains(&x.id))
        .map(|x| x.id.clone())
        .collect();
    let ope = evaluate(&logged, o.alpha, o.ess_warning)?;
    let z = norm_ppf(1.0 - o.alpha / 2.0);
    let lift = estimate(lift.iter().copied(), lift.len() as f64, z);
    Ok(PolicyEvaluation {
        reward: o.reward,
        window_days: o.window_days,
        program_version: candidate.program_version().to_string(),
        policy_version: candidate.policy().map(|p| p.version.clone()),
        counts,
        ope,
        lift,
    })
}
