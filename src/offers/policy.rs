//! The learning policy: each offer's take-up learned from logged outcomes, as a function of the
//! customer's context, and exploration with exact propensities.
//!
//! # The model
//!
//! For every offer the policy keeps a ridge regression of take-up (1 when the customer redeemed
//! the offer shown, else 0) on the **context vector** `x` that every decision logs
//! (`log.context`, [`CONTEXT_FEATURES`]: a bias, the segment's role one-hot, log-scaled recency,
//! frequency and mean order, churn risk, the tier's rank, whether there is a cart and its
//! log-scaled subtotal). It predicts `P = clamp(θ·x, 0, 1)` once the offer has
//! [`MIN_OBSERVATIONS`] (decayed) observations; before that the programme's prior is used.
//! Like Eppo's contextual bandits, it scores a linear model per action; unlike them, its
//! estimate is a take-up probability that the ranking turns into value with the offer's cost
//! and margin ([`super::rank`]).
//!
//! # Exploration
//!
//! The first slot is drawn by **inverse gap weighting** over the expected incremental value
//! (as Eppo's "falcon" does over one metric): with `K` eligible offers, the best `b` and a
//! relative gap `g(a) = (score(b) − score(a)) / |score(b)|` (0 when `score(b) ≤ 0`), an offer
//! `a ≠ b` is chosen with `p(a) = max(1 / (K + γ·g(a)), floor)` and the best with the rest,
//! `1 − Σ p(a)`. The floor is at most `1/K` (lowered to `1/K` when K is large), so the best
//! offer's probability is never below any other's and every eligible offer keeps at least the
//! floor. The draw uses a uniform number from the customer id, the local day and the policy
//! version ([`draw`]), so a decision reproduces within a day, and the propensities logged are
//! the probabilities the draw used, not estimates.
//!
//! # Learning (`offerwise learn`)
//!
//! [`Policy::learn`] joins decision records with outcome events by `decisionId`: every shown
//! offer is an observation `(x, r)` with `r = 1` when a `redemption` (or a `conversion` naming
//! the offer) follows. Old data decays with a half-life (`learning.halfLifeDays`, 30 by
//! default): an observation's weight is `0.5^(age / halfLife)` at the learning instant, and the
//! state already learned is decayed the same way since its `learnedAt`. The policy document
//! keeps the sufficient statistics (`A = Σ w x xᵀ`, `b = Σ w r x`, the weighted count), so
//! learning again adds to it exactly.

use crate::error::quoted;
use crate::error::{Doc, Error};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The policy format version this build reads.
pub const POLICY_FORMAT_VERSION: u64 = 1;
/// The `kind` of policy documents.
pub const POLICY_KIND: &str = "offerwise.policy";
/// Weighted observations an offer needs before the learned estimate replaces the prior.
pub const MIN_OBSERVATIONS: f64 = 30.0;

/// The context vector's components, in order (`log.context`).
pub const CONTEXT_FEATURES: [&str; 16] = [
    "bias",
    "role.champions",
    "role.loyal",
    "role.potential-loyalists",
    "role.new",
    "role.cant-lose",
    "role.at-risk",
    "role.hibernating",
    "role.lost",
    "recency",
    "frequency",
    "monetary",
    "churnRisk",
    "tierRank",
    "hasCart",
    "cartSubtotal",
];
/// The context vector's length.
pub const D: usize = CONTEXT_FEATURES.len();

/// What the context vector is built from.
pub struct ContextInput {
    pub role: Option<crate::role::Role>,
    pub recency_days: Option<f64>,
    pub frequency: u32,
    pub monetary: f64,
    pub churn_risk: Option<f64>,
    /// The tier's rank among the programme's tiers, 1 = lowest (0: none), and the tier count.
    pub tier_rank: usize,
    pub tiers: usize,
    pub cart_subtotal: Option<f64>,
}

fn scaled_log(x: f64, max: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        (crate::math::ln_1p(x) / crate::math::ln_1p(max)).min(2.0)
    } else {
        0.0
    }
}

/// The context vector of a decision (see [`CONTEXT_FEATURES`]); every component is in `[0, 2]`.
pub fn context(c: &ContextInput) -> [f64; D] {
    let mut x = [0.0; D];
    x[0] = 1.0;
    if let Some(role) = c.role {
        if let Some(k) = crate::role::Role::ALL.iter().position(|r| *r == role) {
            x[1 + k] = 1.0;
        }
    }
    x[9] = c.recency_days.map_or(1.0, |r| scaled_log(r, 365.0));
    x[10] = scaled_log(f64::from(c.frequency), 50.0);
    x[11] = scaled_log(c.monetary, 1000.0);
    x[12] = c.churn_risk.unwrap_or(0.0).clamp(0.0, 1.0);
    x[13] = if c.tiers > 0 {
        c.tier_rank as f64 / c.tiers as f64
    } else {
        0.0
    };
    if let Some(s) = c.cart_subtotal {
        x[14] = 1.0;
        x[15] = scaled_log(s, 1000.0);
    }
    x
}

/// Exploration settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exploration {
    /// γ of inverse gap weighting (default 20): larger explores less.
    #[serde(default = "default_gamma")]
    pub gamma: f64,
    /// The least probability of every eligible offer in the first slot (default 0.02).
    #[serde(default = "default_floor")]
    pub floor: f64,
}

fn default_gamma() -> f64 {
    20.0
}
fn default_floor() -> f64 {
    0.02
}

impl Default for Exploration {
    fn default() -> Self {
        Exploration {
            gamma: default_gamma(),
            floor: default_floor(),
        }
    }
}

/// Learning settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Learning {
    /// Observations lose half their weight in this many days (default 30).
    #[serde(default = "default_half_life")]
    pub half_life_days: f64,
    /// Ridge penalty λ (default 1).
    #[serde(default = "one")]
    pub ridge: f64,
}

fn default_half_life() -> f64 {
    30.0
}
fn one() -> f64 {
    1.0
}

impl Default for Learning {
    fn default() -> Self {
        Learning {
            half_life_days: default_half_life(),
            ridge: 1.0,
        }
    }
}

/// What the policy learned of one offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferState {
    /// Decayed count of observations.
    pub n: f64,
    /// Decayed count of take-ups.
    pub responses: f64,
    /// `Σ w x xᵀ`, row-major, `D × D`.
    pub a: Vec<f64>,
    /// `Σ w r x`.
    pub b: Vec<f64>,
    /// The ridge solution `(A + λI)⁻¹ b`.
    pub theta: Vec<f64>,
}

impl OfferState {
    fn empty() -> Self {
        OfferState {
            n: 0.0,
            responses: 0.0,
            a: vec![0.0; D * D],
            b: vec![0.0; D],
            theta: vec![0.0; D],
        }
    }
}

/// Where the learned state comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    /// Decision records read, outcomes joined, offers observed.
    pub decisions: u64,
    pub outcomes: u64,
    pub observations: u64,
    /// The first and last decision instants (RFC 3339).
    pub from: Option<String>,
    pub until: Option<String>,
    /// When this learning ran (the last decision's instant, or `--now`).
    pub learned_at: String,
}

/// A policy document (`offerwise.policy`, see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    pub format_version: u64,
    pub kind: String,
    pub name: String,
    /// `name@<12 hex>` of the learned state; set by `learn`.
    #[serde(default)]
    pub version: String,
    /// The context vector's components ([`CONTEXT_FEATURES`]).
    pub context: Vec<String>,
    #[serde(default)]
    pub exploration: Exploration,
    #[serde(default)]
    pub learning: Learning,
    /// When it last learned (RFC 3339), `null` before it has.
    #[serde(default)]
    pub learned_at: Option<String>,
    /// Every learning run, oldest first.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// By offer id.
    #[serde(default)]
    pub offers: BTreeMap<String, OfferState>,
}

impl Policy {
    /// A policy that has learned nothing yet.
    pub fn new(name: &str) -> Policy {
        let mut p = Policy {
            format_version: POLICY_FORMAT_VERSION,
            kind: POLICY_KIND.into(),
            name: name.into(),
            version: String::new(),
            context: CONTEXT_FEATURES.iter().map(|s| s.to_string()).collect(),
            exploration: Exploration::default(),
            learning: Learning::default(),
            learned_at: None,
            sources: Vec::new(),
            offers: BTreeMap::new(),
        };
        p.version = p.compute_version();
        p
    }

    /// Reads and checks a policy document.
    pub fn from_json(text: &str) -> Result<Policy, Error> {
        let mut p: Policy = crate::json::from_str(Doc::Policy, text)?;
        p.validate()?;
        if p.version.is_empty() {
            p.version = p.compute_version();
        }
        Ok(p)
    }

    /// `name@<12 hex>`: FNV-1a 64 of the document without its version.
    pub fn compute_version(&self) -> String {
        let mut copy = self.clone();
        copy.version = String::new();
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        format!(
            "{}@{:012x}",
            self.name,
            super::log::fnv1a64(&[&bytes]) >> 16
        )
    }

    /// Checks the document.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |path: &str, msg: String| Err(Error::invalid(Doc::Policy, path, msg));
        if self.format_version != POLICY_FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                doc: Doc::Policy,
                found: self.format_version,
                supported: POLICY_FORMAT_VERSION,
                version: crate::VERSION,
            });
        }
        if self.kind != POLICY_KIND {
            return bad(
                "kind",
                format!("expected {POLICY_KIND:?}, got {:?}", quoted(&self.kind)),
            );
        }
        if self.context.len() != D
            || self
                .context
                .iter()
                .zip(CONTEXT_FEATURES)
                .any(|(a, b)| a != b)
        {
            return bad(
                "context",
                format!(
                    "this build's context vector is [{}]",
                    CONTEXT_FEATURES.join(", ")
                ),
            );
        }
        let e = &self.exploration;
        if !(e.gamma.is_finite() && e.gamma >= 0.0) {
            return bad(
                "exploration.gamma",
                format!("must be a finite number ≥ 0, got {}", e.gamma),
            );
        }
        if !(0.0..=0.5).contains(&e.floor) {
            return bad(
                "exploration.floor",
                format!("must be 0 to 0.5, got {}", e.floor),
            );
        }
        let l = &self.learning;
        if !(l.half_life_days.is_finite() && l.half_life_days > 0.0) {
            return bad(
                "learning.halfLifeDays",
                format!("must be a number of days > 0, got {}", l.half_life_days),
            );
        }
        if !(l.ridge.is_finite() && l.ridge > 0.0) {
            return bad(
                "learning.ridge",
                format!("must be a finite number > 0, got {}", l.ridge),
            );
        }
        for (id, s) in &self.offers {
            let path = crate::json::join("offers", id);
            let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
            if s.a.len() != D * D || s.b.len() != D || s.theta.len() != D {
                return bad(
                    &path,
                    format!("a must have {} numbers, b and theta {D}", D * D),
                );
            }
            if !(finite(&s.a)
                && finite(&s.b)
                && finite(&s.theta)
                && s.n.is_finite()
                && s.n >= 0.0
                && s.responses.is_finite()
                && s.responses >= 0.0)
            {
                return bad(
                    &path,
                    "every number must be finite, n and responses ≥ 0".into(),
                );
            }
        }
        Ok(())
    }

    /// The learned take-up of an offer in a context, or `None` while it has too few
    /// observations.
    pub fn predict(&self, offer: &str, x: &[f64; D]) -> Option<f64> {
        let s = self.offers.get(offer)?;
        if s.n < MIN_OBSERVATIONS {
            return None;
        }
        let p: f64 = s.theta.iter().zip(x).map(|(t, v)| t * v).sum();
        Some(if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        })
    }
}

/// Inverse-gap-weighting probabilities of choosing each offer first (see the module docs);
/// `scores[0]` must be the best (the caller orders them). Sums to 1.
pub fn igw(scores: &[f64], e: &Exploration) -> Vec<f64> {
    let k = scores.len();
    if k == 0 {
        return Vec::new();
    }
    let best = scores[0];
    let floor = e.floor.min(1.0 / k as f64);
    let mut p: Vec<f64> = scores
        .iter()
        .map(|&s| {
            let gap = if best > 0.0 {
                ((best - s) / best).max(0.0)
            } else {
                0.0
            };
            (1.0 / (k as f64 + e.gamma * gap)).max(floor)
        })
        .collect();
    let others: f64 = p[1..].iter().sum();
    p[0] = (1.0 - others).max(0.0);
    p
}

/// A uniform number in `[0, 1)` from the customer, the local day and the policy version:
/// FNV-1a 64 of the three, top 53 bits.
pub fn draw(customer_id: &str, local_day: i64, policy_version: &str) -> f64 {
    let h = super::log::fnv1a64(&[
        customer_id.as_bytes(),
        &local_day.to_le_bytes(),
        policy_version.as_bytes(),
        b"explore",
    ]);
    // Mixed so that nearby days draw independently.
    unit(mix64(h))
}

/// The splitmix64 finaliser: every input bit flips about half the output bits.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` from the top 53 bits.
pub fn unit(z: u64) -> f64 {
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The index chosen by a uniform `u` under probabilities `p`.
pub fn choose(p: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (i, &q) in p.iter().enumerate() {
        acc += q;
        if u < acc {
            return i;
        }
    }
    // Rounding: the last offer with a positive probability.
    p.iter().rposition(|&q| q > 0.0).unwrap_or(0)
}

/// Solves `(A + λI) θ = b` by Cholesky; `None` if it is not positive definite.
pub fn ridge_solve(a: &[f64], b: &[f64], lambda: f64) -> Option<Vec<f64>> {
    let n = b.len();
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j] + if i == j { lambda } else { 0.0 };
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    Some(x)
}

/// One observation for learning: an offer shown in a context, taken up or not, at an instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub offer: String,
    pub x: [f64; D],
    pub taken: bool,
    pub at_ms: i64,
}

impl Policy {
    /// Adds observations learned at `now_ms` (see the module docs), decaying what was learned
    /// before, and refits every offer's model. `source` is recorded in `sources`.
    pub fn learn(&mut self, observations: &[Observation], now_ms: i64, mut source: Source) {
        let half_life_ms = self.learning.half_life_days * crate::time::DAY_MS as f64;
        let decay = |age_ms: i64| crate::math::pow(0.5, (age_ms.max(0) as f64) / half_life_ms);
        if let Some(prev) = self
            .learned_at
            .as_deref()
            .and_then(|t| crate::time::parse_instant(t, 0).ok())
        {
            let f = decay(now_ms - prev);
            for s in self.offers.values_mut() {
                s.n *= f;
                s.responses *= f;
                s.a.iter_mut().for_each(|v| *v *= f);
                s.b.iter_mut().for_each(|v| *v *= f);
            }
        }
        for o in observations {
            let w = decay(now_ms - o.at_ms);
            let s = self
                .offers
                .entry(o.offer.clone())
                .or_insert_with(OfferState::empty);
            s.n += w;
            let r = if o.taken { 1.0 } else { 0.0 };
            s.responses += w * r;
            for i in 0..D {
                s.b[i] += w * r * o.x[i];
                for j in 0..D {
                    s.a[i * D + j] += w * o.x[i] * o.x[j];
                }
            }
        }
        let lambda = self.learning.ridge;
        for s in self.offers.values_mut() {
            if let Some(t) = ridge_solve(&s.a, &s.b, lambda) {
                s.theta = t;
            }
        }
        let at = crate::time::format_instant(now_ms);
        self.learned_at = Some(at.clone());
        source.learned_at = at;
        self.sources.push(source);
        self.version = self.compute_version();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn igw_floor_and_sum() {
        let e = Exploration {
            gamma: 20.0,
            floor: 0.05,
        };
        let p = igw(&[10.0, 9.0, 2.0, 0.1], &e);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p.iter().all(|&q| q >= 0.05));
        assert!(p[0] >= p[1] && p[1] >= p[2]);
        // Many offers: the floor falls to 1/K and the best keeps at least as much.
        let p = igw(&vec![1.0; 40], &e);
        assert!((p[0] - 0.025).abs() < 1e-12 && p.iter().all(|&q| (q - 0.025).abs() < 1e-12));
    }

    #[test]
    fn ridge_recovers_a_linear_model() {
        let mut a = vec![0.0; 9];
        let mut b = vec![0.0; 3];
        let truth = [0.2, -0.1, 0.05];
        for i in 0..200 {
            let x = [1.0, (i % 7) as f64 / 7.0, (i % 5) as f64 / 5.0];
            let y: f64 = truth.iter().zip(x).map(|(t, v)| t * v).sum();
            for r in 0..3 {
                b[r] += y * x[r];
                for c in 0..3 {
                    a[r * 3 + c] += x[r] * x[c];
                }
            }
        }
        let t = ridge_solve(&a, &b, 1e-9).unwrap();
        for (x, y) in t.iter().zip(truth) {
            assert!((x - y).abs() < 1e-6, "{t:?}");
        }
    }

    #[test]
    fn draws_are_uniform_and_reproducible() {
        assert_eq!(draw("c1", 20000, "p@1"), draw("c1", 20000, "p@1"));
        let n = 100_000;
        let mut bins = [0u32; 10];
        for i in 0..n {
            let u = draw(&format!("c{i}"), 20000, "p@1");
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
        }
        for b in bins {
            assert!((b as f64 - 10_000.0).abs() < 500.0, "{bins:?}");
        }
    }
}
