//! A seeded loyalty programme laid over real purchase histories, so that the effectiveness
//! analyses can be checked against a known truth.
//!
//! CDNOW (or any shop's orders) is the world without a programme. On `launch` the shop invites
//! every customer except a global holdout (the engine's own holdout hash,
//! [`crate::experiments::assign::held_out`], with this run's seed). Invited customers enrol on
//! launch day with a probability that rises with how much they bought before:
//!
//! ```text
//! logit P(enrol) = a + b·ln(1 + orders) + c·ln(1 + revenue) + d·(years since last order)
//! ```
//!
//! so members are the better customers already, and a naive members-vs-non-members comparison
//! is biased. After enrolling, every order of a member is `spendUplift` larger and brings,
//! with probability `extraOrderRate`, a second basket of the same size an hour later: the true
//! effect. Seasons and campaigns move everyone's spending alike (`seasonality`: ×1.2 in
//! November and December, ×1.3 in the first two weeks of March 1998). Members earn a point
//! per unit of money on each order through the engine's own points ledger
//! ([`crate::loyalty::ledger`]: pending 14 days, expiring `expiryDays` after, 180 by default),
//! and at an order with `redeemAt` points available they redeem, with probability
//! `redeemRate`, as many as pay up to half the order at `pointValue` each.
//!
//! The truth is known exactly: a member's expected extra spend in the window is
//! `Σ amount·season·((1 + u)(1 + p) − 1)` over its orders in the window, so the programme's
//! effect per invited customer (what the holdout estimates) and per member (what the matched
//! difference-in-differences estimates) follow from each customer's enrolment probability.
//! With `resample`, each run draws its customers with replacement from the histories given,
//! which makes them a superpopulation and the truth its expectation: the quantity a 95%
//! interval must cover 95% of the time over runs.

use crate::experiments::assign::held_out;
use crate::experiments::Holdout;
use crate::loyalty::input::OperationInput;
use crate::loyalty::ledger::{EarnOp, ExpireOp, Ledger, LedgerPolicy, Op, RedeemOp, Source};
use crate::time::DAY_MS;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use std::collections::BTreeMap;

/// A customer of the world without a programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    pub id: String,
    /// `(epoch ms, amount)`, in time order.
    pub orders: Vec<(i64, f64)>,
}

impl Base {
    /// Groups transactions by customer, in the order customers first appear; orders in time
    /// order (ties keep the file's order).
    pub fn from_transactions(rows: &[crate::transactions::Transaction]) -> Vec<Base> {
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut out: Vec<Base> = Vec::new();
        for t in rows {
            let i = *index.entry(t.customer_id.as_str()).or_insert_with(|| {
                out.push(Base {
                    id: t.customer_id.clone(),
                    orders: Vec::new(),
                });
                out.len() - 1
            });
            out[i].orders.push((t.at, t.amount));
        }
        for b in &mut out {
            b.orders.sort_by_key(|o| o.0);
        }
        out
    }
}

/// The simulator's settings (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    pub seed: u64,
    /// Launch day (epoch ms): invitations, enrolment and the holdout's decision.
    pub launch: i64,
    /// The days after launch the truth is stated for (the analyses' window).
    pub window_days: u32,
    /// The end of the data: points expire as of then.
    pub end: i64,
    pub holdout_share: f64,
    /// Enrolment's logit: intercept, per `ln(1 + orders)`, per `ln(1 + revenue)`, per year
    /// since the last order.
    pub enrol: [f64; 4],
    pub spend_uplift: f64,
    pub extra_order_rate: f64,
    pub seasonality: bool,
    pub margin_rate: f64,
    pub point_value: f64,
    pub redeem_at: i64,
    pub redeem_rate: f64,
    /// Points expire this many days after they become available.
    pub expiry_days: u32,
    /// Draw this many customers with replacement (`None`: each history once).
    pub resample: Option<usize>,
}

impl Params {
    /// The documented defaults on CDNOW: launch 1997-10-01, a 180-day window, a 10% holdout,
    /// about a quarter of the invited enrolling, +10% spend and 15% extra baskets.
    pub fn cdnow(seed: u64) -> Params {
        Params {
            seed,
            launch: crate::time::days_from_civil(1997, 10, 1) * DAY_MS,
            window_days: 180,
            end: crate::time::days_from_civil(1998, 7, 1) * DAY_MS,
            holdout_share: 0.10,
            enrol: [-3.2, 0.9, 0.25, -1.2],
            spend_uplift: 0.10,
            extra_order_rate: 0.15,
            seasonality: true,
            margin_rate: 0.30,
            point_value: 0.01,
            redeem_at: 500,
            redeem_rate: 0.5,
            expiry_days: 180,
            resample: None,
        }
    }

    /// The expected extra spend of an order of `amount` (after the season) by a member.
    fn effect_factor(&self) -> f64 {
        (1.0 + self.spend_uplift) * (1.0 + self.extra_order_rate) - 1.0
    }
}

/// Everyone's spending multiplier on a day (see the module docs).
pub fn season(t: i64) -> f64 {
    let (y, m, d) = crate::time::civil_from_days(t.div_euclid(DAY_MS));
    if y == 1998 && m == 3 && d <= 14 {
        1.3
    } else if m >= 11 {
        1.2
    } else {
        1.0
    }
}

/// An order as simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimOrder {
    pub id: String,
    pub at: i64,
    pub amount: f64,
    pub points_earned: i64,
    pub points_redeemed: i64,
    /// What the order would have been without the programme (0 for an extra basket).
    pub baseline: f64,
}

/// A customer as simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimCustomer {
    pub id: String,
    pub holdout: bool,
    pub enrolled_at: Option<i64>,
    /// The probability the customer had to enrol if invited.
    pub p_enrol: f64,
    pub orders: Vec<SimOrder>,
    /// The points ledger's totals at the end of the data (members only).
    pub points: Option<crate::loyalty::ledger::Flows>,
    pub balance: i64,
    /// The account's operations as the shop's system of record would hold them (members
    /// only): replayed by [`crate::loyalty::state::build_ledger`] they give the same ledger.
    #[serde(skip)]
    pub operations: Vec<crate::loyalty::input::OperationInput>,
}

/// What the analyses should find.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truth {
    pub window_days: u32,
    /// Expected effect of the programme per invited customer on revenue in the window from
    /// launch: the holdout comparison's target.
    pub itt_revenue: f64,
    pub itt_orders: f64,
    /// Expected effect per member on revenue in the window from enrolment: the matched
    /// difference-in-differences' target.
    pub att_revenue: f64,
    pub att_orders: f64,
    /// The effect per member this run actually drew.
    pub realised_att_revenue: f64,
    /// Expected share of the invited who enrol.
    pub enrolment_rate: f64,
}

/// A run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Simulation {
    pub params: Params,
    pub truth: Truth,
    pub customers: Vec<SimCustomer>,
}

fn when(t: i64) -> crate::loyalty::input::When {
    crate::loyalty::input::When::Text(crate::time::format_instant(t))
}

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Orders before `t` and their revenue, and years since the last.
fn before(orders: &[(i64, f64)], t: i64) -> Option<(f64, f64, f64)> {
    let k = orders.partition_point(|o| o.0 < t);
    if k == 0 {
        return None;
    }
    let revenue: f64 = orders[..k].iter().map(|o| o.1).sum();
    let years = (t - orders[k - 1].0) as f64 / (365.25 * DAY_MS as f64);
    Some((k as f64, revenue, years))
}

/// The probability a customer enrols if invited.
pub fn p_enrol(p: &Params, orders: &[(i64, f64)]) -> f64 {
    let Some((n, r, y)) = before(orders, p.launch) else {
        return 0.0;
    };
    let z = p.enrol[0] + p.enrol[1] * libm::log1p(n) + p.enrol[2] * libm::log1p(r) + p.enrol[3] * y;
    1.0 / (1.0 + libm::exp(-z))
}

/// Spend and orders a member adds in the window, in expectation.
fn expected_gain(p: &Params, orders: &[(i64, f64)]) -> (f64, f64) {
    let end = p.launch + i64::from(p.window_days) * DAY_MS;
    let s = if p.seasonality { season } else { |_| 1.0 };
    orders
        .iter()
        .filter(|o| o.0 >= p.launch && o.0 < end)
        .fold((0.0, 0.0), |(r, n), o| {
            (r + o.1 * s(o.0) * p.effect_factor(), n + p.extra_order_rate)
        })
}

/// The truth over the histories given (the superpopulation of a resampled run).
pub fn truth(p: &Params, population: &[Base]) -> Truth {
    let (mut itt_r, mut itt_n, mut members) = (0.0, 0.0, 0.0);
    for b in population {
        let pe = p_enrol(p, &b.orders);
        let (r, n) = expected_gain(p, &b.orders);
        itt_r += pe * r;
        itt_n += pe * n;
        members += pe;
    }
    let n = population.len().max(1) as f64;
    Truth {
        window_days: p.window_days,
        itt_revenue: itt_r / n,
        itt_orders: itt_n / n,
        att_revenue: if members > 0.0 { itt_r / members } else { 0.0 },
        att_orders: if members > 0.0 { itt_n / members } else { 0.0 },
        realised_att_revenue: f64::NAN,
        enrolment_rate: members / n,
    }
}

/// Runs the simulation over `population` (see the module docs).
///
/// Errors: a parameter out of range (name and why).
pub fn run(p: &Params, population: &[Base]) -> Result<Simulation, String> {
    let checks = [
        (
            (0.0..1.0).contains(&p.holdout_share),
            "holdoutShare",
            "from 0 to under 1",
        ),
        (
            p.spend_uplift > -1.0 && p.spend_uplift.is_finite(),
            "spendUplift",
            "above −1",
        ),
        (
            (0.0..=1.0).contains(&p.extra_order_rate),
            "extraOrderRate",
            "from 0 to 1",
        ),
        (
            (0.0..=1.0).contains(&p.redeem_rate),
            "redeemRate",
            "from 0 to 1",
        ),
        (
            p.point_value > 0.0 && p.point_value.is_finite(),
            "pointValue",
            "above 0",
        ),
        (
            (0.0..=1.0).contains(&p.margin_rate),
            "marginRate",
            "from 0 to 1",
        ),
        (p.redeem_at >= 1, "redeemAt", "at least 1 point"),
        (p.window_days >= 1, "windowDays", "at least 1"),
        (p.expiry_days >= 1, "expiryDays", "at least 1"),
        (
            p.enrol.iter().all(|x| x.is_finite()),
            "enrol",
            "finite coefficients",
        ),
        (
            !population.is_empty(),
            "population",
            "at least one customer",
        ),
    ];
    if let Some((_, name, why)) = checks.iter().find(|c| !c.0) {
        return Err(format!("{name}: {why}"));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let holdout = Holdout {
        share: p.holdout_share,
        seed: format!("offerwise-simulation-{}", p.seed),
        hash: crate::experiments::HashVersion::Offerwise1,
        hash_attribute: "id".into(),
    };
    let picks: Vec<usize> = match p.resample {
        None => (0..population.len()).collect(),
        Some(n) => (0..n)
            .map(|_| (uniform(&mut rng) * population.len() as f64) as usize)
            .map(|i| i.min(population.len() - 1))
            .collect(),
    };
    let truth_all = truth(p, population);
    let s = if p.seasonality { season } else { |_| 1.0 };
    let no_ids = BTreeMap::new();
    let expiry = i64::from(p.expiry_days) * DAY_MS;
    let mut customers = Vec::with_capacity(picks.len());
    let (mut gain, mut members) = (0.0, 0.0);
    for (k, &i) in picks.iter().enumerate() {
        let b = &population[i];
        let id = match p.resample {
            None => b.id.clone(),
            Some(_) => format!("{}-{k}", b.id),
        };
        let held = held_out(&holdout, &id, &no_ids);
        // Each customer draws from a stream of its own, so that one customer's draws never
        // shift another's (a change to the points rules leaves enrolment as it was).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(
            p.seed.rotate_left(32) ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        let pe = p_enrol(p, &b.orders);
        let enrolled = !held && uniform(&mut rng) < pe;
        let mut ledger = enrolled.then(|| Ledger::new(LedgerPolicy::default()));
        let mut orders = Vec::with_capacity(b.orders.len());
        let mut operations = Vec::new();
        let mut n = 0usize;
        for &(at, amount) in &b.orders {
            let base = amount * s(at);
            let member = enrolled && at >= p.launch;
            let mut baskets = vec![(
                at,
                base * if member { 1.0 + p.spend_uplift } else { 1.0 },
                base,
            )];
            if member && uniform(&mut rng) < p.extra_order_rate {
                baskets.push((at + 3_600_000, baskets[0].1, 0.0));
            }
            for (t, value, baseline) in baskets {
                n += 1;
                let oid = format!("{id}-{n}");
                let (mut earned, mut redeemed) = (0, 0);
                if let (true, Some(l)) = (member, ledger.as_mut()) {
                    let avail = l.available_at(t).unwrap_or(0);
                    if avail >= p.redeem_at && uniform(&mut rng) < p.redeem_rate {
                        let cap = (value * 0.5 / p.point_value).floor() as i64;
                        let points = avail.min(cap);
                        if points > 0
                            && l.apply(Op::Redeem(RedeemOp {
                                key: format!("r{n}"),
                                at: t,
                                points,
                                order_id: Some(oid.clone()),
                            }))
                            .is_ok()
                        {
                            redeemed = points;
                            operations.push(OperationInput::Redeem {
                                key: format!("r{n}"),
                                at: when(t),
                                points,
                                order_id: Some(oid.clone()),
                            });
                        }
                    }
                    earned = value.floor() as i64;
                    if earned > 0 {
                        let available = t + 14 * DAY_MS;
                        if l.apply(Op::Earn(EarnOp {
                            key: oid.clone(),
                            at: t,
                            points: earned,
                            source: Source::Order,
                            order_id: Some(oid.clone()),
                            available_at: Some(available),
                            expires_at: Some(available + expiry),
                        }))
                        .is_err()
                        {
                            earned = 0;
                        } else {
                            operations.push(OperationInput::Earn {
                                key: oid.clone(),
                                at: when(t),
                                points: earned,
                                source: Source::Order,
                                order_id: Some(oid.clone()),
                                available_at: Some(when(available)),
                                expires_at: Some(when(available + expiry)),
                            });
                        }
                    }
                }
                if member && t < p.launch + i64::from(p.window_days) * DAY_MS {
                    gain += value - baseline;
                }
                orders.push(SimOrder {
                    id: oid,
                    at: t,
                    amount: value,
                    points_earned: earned,
                    points_redeemed: redeemed,
                    baseline,
                });
            }
        }
        if enrolled {
            members += 1.0;
        }
        let (points, balance) = match ledger {
            Some(mut l) => {
                let _ = l.apply(Op::Expire(ExpireOp {
                    key: "end".into(),
                    at: p.end,
                }));
                (Some(l.flows()), l.balance())
            }
            None => (None, 0),
        };
        customers.push(SimCustomer {
            id,
            holdout: held,
            enrolled_at: enrolled.then_some(p.launch),
            p_enrol: pe,
            orders,
            points,
            balance,
            operations,
        });
    }
    let truth = Truth {
        realised_att_revenue: if members > 0.0 {
            gain / members
        } else {
            f64::NAN
        },
        ..truth_all
    };
    Ok(Simulation {
        params: p.clone(),
        truth,
        customers,
    })
}

impl Simulation {
    /// Every customer's orders and enrolment, as the matched difference-in-differences and
    /// the KPIs read them.
    pub fn histories(&self) -> Vec<super::did::History> {
        self.customers
            .iter()
            .map(|c| super::did::History {
                id: c.id.clone(),
                orders: c.orders.iter().map(|o| (o.at, o.amount)).collect(),
                enrolled_at: c.enrolled_at,
                segment: None,
            })
            .collect()
    }

    /// The decision log of launch day: one decision per customer, `holdout` as the programme's
    /// global holdout decided it (the input of `analyze --decisions … --holdout SHARE`).
    pub fn decisions(&self) -> Vec<crate::offers::log::DecisionRecord> {
        use crate::offers::log::{DecisionRecord, DECISION_SCHEMA};
        let at = crate::time::format_instant(self.params.launch);
        self.customers
            .iter()
            .map(|c| DecisionRecord {
                schema: DECISION_SCHEMA.to_string(),
                decision_id: decision_id(&c.id),
                customer_id: c.id.clone(),
                at: at.clone(),
                model_version: "simulation".into(),
                program_version: format!("simulation-{}", self.params.seed),
                policy_version: None,
                segment: None,
                variants: BTreeMap::new(),
                objective: Default::default(),
                context: vec![0.0; crate::offers::policy::D],
                offers: Vec::new(),
                first_slot: Vec::new(),
                exposures: Vec::new(),
                holdout: c.holdout,
            })
            .collect()
    }

    /// Every order as a conversion event, with its margin (`marginRate` of the amount) and the
    /// points it earned and burned.
    pub fn outcomes(&self) -> Vec<crate::offers::log::Outcome> {
        use crate::offers::log::{Outcome, OutcomeType, OUTCOME_SCHEMA};
        let mut out = Vec::new();
        for c in &self.customers {
            let id = decision_id(&c.id);
            for o in &c.orders {
                out.push(Outcome {
                    schema: OUTCOME_SCHEMA.to_string(),
                    decision_id: id.clone(),
                    customer_id: c.id.clone(),
                    at: crate::customer::TimeValue::Text(crate::time::format_instant(o.at)),
                    kind: OutcomeType::Conversion,
                    offer_id: None,
                    revenue: Some(o.amount),
                    margin: Some(o.amount * self.params.margin_rate),
                    points_earned: (o.points_earned > 0).then_some(o.points_earned as f64),
                    points_redeemed: (o.points_redeemed > 0).then_some(o.points_redeemed as f64),
                    discount: None,
                    cashback: None,
                    gifts: None,
                });
            }
        }
        out
    }

    /// Each customer's revenue in the window from launch and in the window before it (the
    /// holdout comparison's metric and its CUPED covariate): `(holdout, post, pre)`.
    pub fn launch_windows(&self) -> impl Iterator<Item = (bool, f64, f64)> + '_ {
        let w = i64::from(self.params.window_days) * DAY_MS;
        let l = self.params.launch;
        self.customers.iter().map(move |c| {
            let (mut post, mut pre) = (0.0, 0.0);
            for o in &c.orders {
                if o.at >= l && o.at < l + w {
                    post += o.amount;
                } else if o.at < l && o.at >= l - w {
                    pre += o.amount;
                }
            }
            (c.holdout, post, pre)
        })
    }
}

/// A stable decision id for a simulated customer: 16 hex digits of its id's hash.
fn decision_id(customer: &str) -> String {
    format!(
        "{:016x}",
        xxhash_rust::xxh64::xxh64(customer.as_bytes(), 0x0ff3_2715)
    )
}
