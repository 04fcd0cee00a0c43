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
