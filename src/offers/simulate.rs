//! A simulation of the decide → log → learn loop, with a known ground truth, to check that the
//! learning policy earns more than the programme's priors alone and that its logs support
//! offline evaluation (`offerwise simulate`).
//!
//! * **Customers**: `customers` synthetic shoppers, seeded: one in ten without orders, the rest
//!   with 1 to 30 orders of skewed value over the past two years in four categories, so the
//!   model assigns every segment.
//! * **Ground truth**: each offer's take-up for each segment role (and for customers without
//!   orders) is its programme prior × a factor from `e^{-1.6}` to `e^{1.6}` drawn from the seed,
//!   at most 0.9: the priors are wrong in role-specific ways a learner can find.
//! * **Days**: each day every customer visits with probability `visitRate` at a random hour,
//!   with a cart a third of the time. Three arms decide on the same visits: **rules** (the
//!   programme's priors, no policy), **learner** (the policy, which explores and learns from its
//!   own log at the end of each day through the decision and outcome JSON lines, as
//!   `offerwise learn` does) and **oracle** (the same engine with a policy that knows the
//!   truth, exploring nothing: the best fixed policy). Each arm keeps its own offer history, so
//!   caps apply.
//! * **Outcomes**: every shown offer is taken up when a uniform draw seeded by (customer, day,
//!   offer) falls below its true take-up, the same draw for every arm (common random numbers);
//!   a take-up earns the offer's net value under the objective (gain − cost).
//! * **Figures**: per day the realized margin of each arm and the expected value of their
//!   choices under the truth; regret = oracle − learner in expected value, per decision.
//! * **Offline evaluation**: over the last `ipsDays` days, the value of a frozen greedy target
//!   (the learner's policy at the start of those days, without exploration) is estimated by
//!   inverse propensity from the learner's first-slot propensities, and compared with the
//!   target's true value on the same visits.

use super::log::{Outcome, OutcomeType, OUTCOME_SCHEMA};
use super::policy::{Exploration, OfferState, Policy, D};
use crate::customer::{Customer, OfferEvent, TimeValue};
use crate::engine::{DecideOptions, Decision};
use crate::error::Error;
use crate::loyalty::Cart;
use crate::role::Role;
use crate::time::DAY_MS;
use crate::Engine;
use serde::Serialize;

/// Simulation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub customers: usize,
    pub days: u32,
    pub visit_rate: f64,
    pub seed: u64,
    /// The first day (epoch ms at midnight UTC).
    pub start_ms: i64,
    pub ips_days: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            customers: 3000,
            days: 45,
            visit_rate: 0.3,
            seed: 7,
            // 1998-07-01T00:00:00Z
            start_ms: 899_251_200_000,
            ips_days: 15,
        }
    }
}

/// One day's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    pub day: u32,
    pub decisions: u64,
    /// Realized net value (margin objective: margin − cost) of the take-ups.
    pub rules_margin: f64,
    pub learner_margin: f64,
    pub oracle_margin: f64,
    /// Expected net value of the offers shown, under the truth.
    pub rules_value: f64,
    pub learner_value: f64,
    pub oracle_value: f64,
    /// Cumulative (oracle − learner) expected value / cumulative decisions.
    pub learner_regret_per_decision: f64,
    pub rules_regret_per_decision: f64,
}

/// The inverse-propensity estimate of the frozen greedy target's value per decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ips {
    pub decisions: u64,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The target's true expected value per decision on the same visits.
    pub truth: f64,
    /// The least propensity logged for a first slot.
    pub min_propensity: f64,
}

/// The simulation's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimReport {
    pub customers: usize,
    pub days: Vec<Day>,
    pub ips: Ips,
    /// The same frozen greedy target by IPS, SNIPS and doubly robust estimates
    /// ([`crate::analysis::ope`]), the DR model being the target's own take-up estimate.
    pub ope: Option<crate::analysis::ope::Ope>,
    #[serde(skip)]
    pub policy: Policy,
    /// The frozen greedy target of the offline evaluation, and the first instant of its
    /// window: `offerwise evaluate-policy` with this policy on the log since then re-ranks
    /// the same choices.
    #[serde(skip)]
    pub target: Option<Policy>,
    #[serde(skip)]
    pub target_since: i64,
    /// The learner's log, as JSON lines (decision records; outcome events).
    #[serde(skip)]
    pub decisions_log: String,
    #[serde(skip)]
    pub outcomes_log: String,
}

/// splitmix64: a seeded stream of uniform numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        super::policy::unit(super::policy::mix64(self.0))
    }
}

/// A uniform number from the seed and a key.
fn uniform(seed: u64, key: &[&[u8]]) -> f64 {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(key.len() + 1);
    let s = seed.to_le_bytes();
    parts.push(&s);
    parts.extend_from_slice(key);
    Rng(super::log::fnv1a64(&parts)).next()
}

const CATEGORIES: [&str; 4] = ["rock", "jazz", "pop", "classical"];

fn customers(cfg: &SimConfig) -> Vec<Customer> {
    let mut rng = Rng(cfg.seed ^ 0x5eed);
    let mut out = Vec::with_capacity(cfg.customers.min(1 << 20));
    for i in 0..cfg.customers {
        let mut orders = Vec::new();
        if rng.next() >= 0.1 {
            let k = (1.0 + (-rng.next().max(1e-12).ln() * 4.0)).min(30.0) as usize;
            let recency = 1.0 + 700.0 * rng.next().powi(2);
            let gap = 15.0 + 100.0 * rng.next();
            let taste = (rng.next() * 4.0) as usize % 4;
            for j in 0..k {
                let days_ago = recency + gap * j as f64 * (0.5 + rng.next());
                let at = cfg.start_ms - (days_ago * DAY_MS as f64) as i64;
                let amount = ((8.0 + 70.0 * rng.next().powi(3)) * 100.0).round() / 100.0;
                let category = if rng.next() < 0.6 {
                    CATEGORIES[taste]
                } else {
                    CATEGORIES[(rng.next() * 4.0) as usize % 4]
                };
                orders.push(serde_json::json!({
                    "at": at, "amount": amount,
                    "items": [{"category": category, "price": amount, "qty": 1}]
                }));
            }
        }
        let doc = serde_json::json!({"id": format!("sim-{i:05}"), "orders": orders});
        if let Ok(c) = serde_json::from_value::<Customer>(doc) {
            out.push(c);
        }
    }
    out
}

/// The true take-up of offer `j` for a role (`None`: no orders).
struct Truth {
    /// `[offer][role index, 8 = none]`.
    p: Vec<[f64; 9]>,
}

impl Truth {
    fn new(engine: &Engine, seed: u64) -> Truth {
        let program = engine.program();
        let p = program
            .offers
            .iter()
            .map(|o| {
                let mut row = [0.0; 9];
                for (k, cell) in row.iter_mut().enumerate() {
                    let role = Role::ALL.get(k).copied();
                    let prior =
                        super::rank::prior_response(o, &program.ranking, role.map(|r| ("", r)));
                    let u = uniform(seed, &[o.id.as_bytes(), &[k as u8]]);
                    *cell = (prior * (3.2 * (u - 0.5)).exp()).min(0.9);
                }
                row
            })
            .collect();
        Truth { p }
    }

    fn of(&self, engine: &Engine, offer: &str, role: Option<Role>) -> f64 {
        let k = role
            .and_then(|r| Role::ALL.iter().position(|x| *x == r))
            .unwrap_or(8);
        engine
            .program()
            .offers
            .iter()
            .position(|o| o.id == offer)
            .map_or(0.0, |j| self.p[j][k])
    }

    /// A policy that knows the truth and explores nothing: the oracle.
    fn policy(&self, engine: &Engine) -> Policy {
        let mut p = Policy::new("oracle");
        p.exploration = Exploration {
            gamma: 1e12,
            floor: 0.0,
        };
        for (j, o) in engine.program().offers.iter().enumerate() {
            let mut theta = vec![0.0; D];
            theta[0] = self.p[j][8];
            for k in 0..8 {
                theta[1 + k] = self.p[j][k] - self.p[j][8];
            }
            p.offers.insert(
                o.id.clone(),
                OfferState {
                    n: 1e9,
                    responses: 0.0,
                    a: vec![0.0; D * D],
                    b: vec![0.0; D],
                    theta,
                },
            );
        }
        p.version = p.compute_version();
        p
    }
}

/// The expected value of a decision's offers under the truth.
fn true_value(engine: &Engine, truth: &Truth, d: &Decision) -> f64 {
    let role = d.segment.as_ref().map(|s| s.role);
    d.offers
        .iter()
        .map(|o| truth.of(engine, &o.id, role) * (o.gain - o.cost))
        .sum()
}

/// Runs the simulation (see the module docs).
pub fn run(engine: &Engine, start_policy: Policy, cfg: &SimConfig) -> Result<SimReport, Error> {
    let truth = Truth::new(engine, cfg.seed);
    let mut rules = engine.clone();
    rules.set_policy(None)?;
    let mut oracle = engine.clone();
    oracle.set_policy(Some(truth.policy(engine)))?;
    let mut learner = engine.clone();
    let mut policy = start_policy;
    learner.set_policy(Some(policy.clone()))?;
    let base = customers(cfg);
    // Each arm's customers, with their own offer history.
    let mut arms: [Vec<Customer>; 3] = [base.clone(), base.clone(), base];
    let mut days = Vec::new();
    let (mut cum_regret, mut cum_rules_regret, mut cum_n) = (0.0, 0.0, 0u64);
    let mut decisions_log = String::new();
    let mut outcomes_log = String::new();
    let mut greedy: Option<Engine> = None;
    let mut target = None;
    let (mut ips_terms, mut ips_truth, mut min_prop) = (Vec::new(), 0.0, 1.0f64);
    let mut logged: Vec<crate::analysis::ope::Logged> = Vec::new();
    for day in 0..cfg.days {
        if day == cfg.days.saturating_sub(cfg.ips_days) {
            let mut g = policy.clone();
            g.exploration = Exploration {
                gamma: 1e12,
                floor: 0.0,
            };
            g.version = g.compute_version();
            let mut e = engine.clone();
            target = Some(g.clone());
            e.set_policy(Some(g))?;
            greedy = Some(e);
        }
        let mut f = Day {
            day: day + 1,
            decisions: 0,
            rules_margin: 0.0,
            learner_margin: 0.0,
            oracle_margin: 0.0,
            rules_value: 0.0,
            learner_value: 0.0,
            oracle_value: 0.0,
            learner_regret_per_decision: 0.0,
            rules_regret_per_decision: 0.0,
        };
        let mut day_decisions = String::new();
        let mut day_outcomes = String::new();
        let day_key = day.to_le_bytes();
        for i in 0..arms[0].len() {
            let id = arms[0][i].id.0.clone();
            let visit = |what: &[u8]| uniform(cfg.seed, &[id.as_bytes(), &day_key, what]);
            if visit(b"visit") >= cfg.visit_rate {
                continue;
            }
            let at = cfg.start_ms
                + i64::from(day) * DAY_MS
                + (visit(b"hour") * 14.0 + 8.0) as i64 * 3_600_000;
            let cart = (visit(b"cart") < 1.0 / 3.0).then(|| {
                let amount = ((15.0 + 70.0 * visit(b"amount")) * 100.0).round() / 100.0;
                let category = CATEGORIES[(visit(b"category") * 4.0) as usize % 4];
                serde_json::from_value::<Cart>(serde_json::json!({
                    "items": [{"category": category, "price": amount, "qty": 1}]
                }))
                .ok()
            });
            let options = DecideOptions {
                cart: cart.flatten(),
                ..DecideOptions::at(&crate::time::format_instant(at))
            };
            f.decisions += 1;
            let mut values = [0.0; 3];
            let mut learner_decision = None;
            for (arm, engine_arm) in [&rules, &learner, &oracle].into_iter().enumerate() {
                let d = engine_arm.decide(&arms[arm][i], &options)?;
                values[arm] = true_value(engine_arm, &truth, &d);
                let role = d.segment.as_ref().map(|s| s.role);
                let mut realized = 0.0;
                for o in &d.offers {
                    let u = uniform(
                        cfg.seed,
                        &[id.as_bytes(), &day_key, o.id.as_bytes(), b"take"],
                    );
                    if u < truth.of(engine_arm, &o.id, role) {
                        realized += o.gain - o.cost;
                        if arm == 1 {
                            let out = Outcome {
                                schema: OUTCOME_SCHEMA.into(),
                                decision_id: d.log.decision_id.clone(),
                                customer_id: id.clone(),
                                at: TimeValue::Millis((at + 3_600_000) as f64),
                                kind: OutcomeType::Redemption,
                                offer_id: Some(o.id.clone()),
                                revenue: None,
                                margin: None,
                                points_earned: None,
                                points_redeemed: None,
                                discount: None,
                                cashback: None,
                                gifts: None,
                            };
                            day_outcomes.push_str(&serde_json::to_string(&out).unwrap_or_default());
                            day_outcomes.push('\n');
                        }
                    }
                    arms[arm][i].offer_history.push(OfferEvent {
                        offer_id: o.id.clone(),
                        at: TimeValue::Millis(at as f64),
                        event: crate::offers::catalogue::CapEvent::Shown,
                    });
                }
                match arm {
                    0 => f.rules_margin += realized,
                    1 => f.learner_margin += realized,
                    _ => f.oracle_margin += realized,
                }
                if arm == 1 {
                    learner_decision = Some(d);
                }
            }
            f.rules_value += values[0];
            f.learner_value += values[1];
            f.oracle_value += values[2];
            cum_regret += values[2] - values[1];
            cum_rules_regret += values[2] - values[0];
            cum_n += 1;
            let Some(d) = learner_decision else { continue };
            if let (Some(g), Some(first)) = (&greedy, d.offers.first()) {
                // The frozen greedy target on the learner's state before this decision (the
                // event just appended is removed for it).
                let mut before = arms[1][i].clone();
                before
                    .offer_history
                    .truncate(before.offer_history.len() - d.offers.len());
                let t = g.decide(&before, &options)?;
                let role = d.segment.as_ref().map(|s| s.role);
                if let Some(target) = t.offers.first() {
                    ips_truth += truth.of(g, &target.id, role) * (target.gain - target.cost);
                    let u = uniform(
                        cfg.seed,
                        &[id.as_bytes(), &day_key, first.id.as_bytes(), b"take"],
                    );
                    let r = if u < truth.of(&learner, &first.id, role) {
                        first.gain - first.cost
                    } else {
                        0.0
                    };
                    min_prop = min_prop.min(first.propensity);
                    let same = target.id == first.id;
                    ips_terms.push(if same { r / first.propensity } else { 0.0 });
                    let q = target.response * (target.gain - target.cost);
                    logged.push(crate::analysis::ope::Logged {
                        logging: first.propensity,
                        candidate: if same { 1.0 } else { 0.0 },
                        reward: r,
                        model: Some((q, q)),
                    });
                } else {
                    ips_terms.push(0.0);
                    logged.push(crate::analysis::ope::Logged {
                        logging: first.propensity,
                        candidate: 0.0,
                        reward: 0.0,
                        model: Some((0.0, 0.0)),
                    });
                }
            }
            day_decisions.push_str(&serde_json::to_string(&d.log).unwrap_or_default());
            day_decisions.push('\n');
        }
        f.learner_regret_per_decision = cum_regret / cum_n.max(1) as f64;
        f.rules_regret_per_decision = cum_rules_regret / cum_n.max(1) as f64;
        days.push(f);
        // End of day: learn from the day's log, as `offerwise learn` does.
        let joined = super::learn::join_logs(&day_decisions, &day_outcomes)?;
        let end = cfg.start_ms + i64::from(day + 1) * DAY_MS;
        policy.learn(&joined.observations, end, joined.source());
        learner.set_policy(Some(policy.clone()))?;
        decisions_log.push_str(&day_decisions);
        outcomes_log.push_str(&day_outcomes);
    }
    let n = ips_terms.len().max(1) as f64;
    let mean = ips_terms.iter().sum::<f64>() / n;
    let var = ips_terms.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let half = 1.96 * (var / n).sqrt();
    Ok(SimReport {
        customers: arms[0].len(),
        days,
        ips: Ips {
            decisions: ips_terms.len() as u64,
            estimate: mean,
            ci_low: mean - half,
            ci_high: mean + half,
            truth: ips_truth / n,
            min_propensity: min_prop,
        },
        ope: crate::analysis::ope::evaluate(&logged, 0.05, 0.1).ok(),
        policy,
        target,
        target_since: cfg.start_ms + i64::from(cfg.days.saturating_sub(cfg.ips_days)) * DAY_MS,
        decisions_log,
        outcomes_log,
    })
}
