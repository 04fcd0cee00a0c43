//! The account as of `now`: the ledger replayed from the account, the tier, the membership,
//! the discounts and the rewards due. [`Context`] is what the quote and the nudges read.

use super::earn::EarnContext;
use super::error::{index, join, LoyaltyError};
use super::input::{month_day, AccountInput, OperationInput, ValidOrder};
use super::ledger::{
    AdjustOp, EarnOp, ExpireOp, Flows, ImportedLot, Ledger, LedgerPolicy, Op, RedeemOp, ReverseOp,
    Source,
};
use super::money::{add, minor_to_units, Decimal, MoneyFormat};
use super::programs::{
    accumulative, best_discount, birthday_window, partner_points, referral_rewards,
    AccumulativeState, Discount, MembershipState, RewardDue,
};
use super::redeem::points_value;
use super::rules::{Benefits, Prepared};
use super::tiers::{Event, TierEngine, TierMeasure, TierState};
use crate::error::quoted;
use crate::time::{self, DAY_MS, MIN_MS};
use serde::Serialize;
use std::collections::BTreeMap;

/// Points expiring at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryGroup {
    /// The instant (the points are unusable from then on).
    pub expires_at: String,
    /// Epoch ms.
    #[serde(skip)]
    pub expires_ms: i64,
    /// Points.
    pub points: i64,
}

/// Points becoming available at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingGroup {
    /// The instant.
    pub available_at: String,
    /// Points.
    pub points: i64,
}

/// The ledger as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerSummary {
    /// Points in the account (available + pending); expired lots are processed as of `now`.
    pub balance: i64,
    /// Points usable now.
    pub available: i64,
    /// Points pending (inside the return window).
    pub pending: i64,
    /// Debt left by returns of orders whose points were spent (repaid by future credits).
    pub debt: i64,
    /// The usable points' value in currency units.
    pub available_value: f64,
    /// Lots holding points.
    pub lots: usize,
    /// The soonest expiry, whenever it is.
    pub next_expiry: Option<ExpiryGroup>,
    /// Points expiring within `nudges.pointsExpiryHorizonDays`, by instant.
    pub expiring_soon: Vec<ExpiryGroup>,
    /// Pending points by the instant they become available.
    pub pending_lots: Vec<PendingGroup>,
    /// Every point in and out since the account's opening lots.
    pub totals: Flows,
    /// Operations applied (the account's plus the expiry as of `now`).
    pub operations: usize,
}

/// Everything the quote and the nudges need: the account as of `now`. It owns what it holds
/// (the prepared rules are shared), so a prepared customer keeps it between page views.
#[derive(Debug, Clone)]
pub struct Context {
    /// The rules.
    pub p: std::sync::Arc<Prepared>,
    /// Now.
    pub now: i64,
    /// Money format for messages.
    pub money: MoneyFormat,
    /// The ledger as of now.
    pub ledger: Ledger,
    /// The history, sorted.
    pub orders: Vec<ValidOrder>,
    /// Qualifying events of the tier measure, sorted.
    pub events: Vec<Event>,
    /// The tier, if the programme has tiers.
    pub tier: Option<TierState>,
    /// The active membership's benefits.
    pub membership: Option<MembershipState>,
    /// The accumulative discount.
    pub accumulative: Option<AccumulativeState>,
    /// The standing discount.
    pub discount: Option<Discount>,
    /// The birthday window containing now: (year, start, end).
    pub birthday: Option<(i64, i64, i64)>,
    /// Points usable now.
    pub usable: i64,
    /// Rewards due.
    pub rewards_due: Vec<RewardDue>,
}

fn op_err(e: LoyaltyError, path: &str) -> LoyaltyError {
    e.at_path(path)
}

/// Replays the account into a ledger and processes expiry as of `now`.
pub fn build_ledger(
    p: &Prepared,
    account: &AccountInput,
    now: i64,
) -> Result<Ledger, LoyaltyError> {
    let rules = &p.rules;
    let offset = p.offset;
    let mut ledger = Ledger::new(LedgerPolicy {
        refund_grace_ms: i64::from(rules.expiry.refund_grace_days) * DAY_MS,
    });
    use crate::limits::{too_many, MAX_ACCOUNT_ENTRIES};
    let entries = account.points.len() + account.operations.len();
    if entries > MAX_ACCOUNT_ENTRIES {
        let path = if account.points.len() > MAX_ACCOUNT_ENTRIES {
            "account.points"
        } else {
            "account.operations"
        };
        return Err(LoyaltyError::Limit {
            path: path.into(),
            message: too_many(entries, "opening lots and operations", MAX_ACCOUNT_ENTRIES),
        });
    }
    for (i, lot) in account.points.iter().enumerate() {
        let path = || index("account.points", i);
        let t =
            |w: &Option<super::input::When>, f: &str| super::input::resolve_opt(w, offset, path, f);
        let earned_at = t(&lot.earned_at, "earnedAt")?;
        let available_at = t(&lot.available_at, "availableAt")?;
        let expires_at = t(&lot.expires_at, "expiresAt")?;
        ledger
            .import_lot(ImportedLot {
                id: lot.id.clone().unwrap_or_else(|| format!("points[{i}]")),
                amount: lot.amount,
                earned_at: earned_at.unwrap_or(MIN_MS),
                available_at: available_at.or(earned_at).unwrap_or(MIN_MS),
                expires_at,
                source: lot.source.unwrap_or(Source::Imported),
                order_id: lot.order_id.clone(),
            })
            .map_err(|e| op_err(e, &path()))?;
    }
    let mut ops = Vec::with_capacity(account.operations.len());
    for (i, op) in account.operations.iter().enumerate() {
        // Paths are built only when something is wrong.
        let path = || index("account.operations", i);
        let at = op
            .when()
            .resolve(offset)
            .map_err(|m| LoyaltyError::input(join(&path(), "at"), m))?;
        if at > now {
            return Err(LoyaltyError::input(
                join(&path(), "at"),
                format!(
                    "the operation is dated {}, after now ({})",
                    time::format_instant(at),
                    time::format_instant(now)
                ),
            ));
        }
        let t =
            |w: &Option<super::input::When>, f: &str| super::input::resolve_opt(w, offset, path, f);
        let converted = match op {
            OperationInput::Earn {
                key,
                points,
                source,
                order_id,
                available_at,
                expires_at,
                ..
            } => {
                let available =
                    t(available_at, "availableAt")?.unwrap_or(if *source == Source::Order {
                        at.saturating_add(i64::from(rules.earn.pending_days) * DAY_MS)
                    } else {
                        at
                    });
                Op::Earn(EarnOp {
                    key: key.clone(),
                    at,
                    points: *points,
                    source: *source,
                    order_id: order_id.clone(),
                    available_at: Some(available),
                    expires_at: t(expires_at, "expiresAt")?.or(rules.expiry.expires(available)),
                })
            }
            OperationInput::PartnerEarn {
                key,
                partner,
                partner_points: pp,
                expires_at,
                ..
            } => Op::Earn(EarnOp {
                key: key.clone(),
                at,
                points: partner_points(rules, partner, *pp).map_err(|e| op_err(e, &path()))?,
                source: Source::Partner,
                order_id: None,
                available_at: Some(at),
                expires_at: t(expires_at, "expiresAt")?.or(rules.expiry.expires(at)),
            }),
            OperationInput::Redeem {
                key,
                points,
                order_id,
                ..
            } => Op::Redeem(RedeemOp {
                key: key.clone(),
                at,
                points: *points,
                order_id: order_id.clone(),
            }),
            OperationInput::Expire { key, .. } => Op::Expire(ExpireOp {
                key: key.clone(),
                at,
            }),
            OperationInput::Reverse { key, order_id, .. } => Op::Reverse(ReverseOp {
                key: key.clone(),
                at,
                order_id: order_id.clone(),
            }),
            OperationInput::Adjust {
                key,
                points,
                reason,
                expires_at,
                ..
            } => Op::Adjust(AdjustOp {
                key: key.clone(),
                at,
                points: *points,
                reason: reason.clone(),
                expires_at: match t(expires_at, "expiresAt")? {
                    Some(e) => Some(e),
                    None if *points > 0 => rules.expiry.expires(at),
                    None => None,
                },
            }),
        };
        ops.push((at, i, converted));
    }
    // Stable: operations at the same instant keep the document order.
    ops.sort_by_key(|o| o.0);
    for (_, i, op) in ops {
        ledger
            .apply(op)
            .map_err(|e| op_err(e, &index("account.operations", i)))?;
    }
    ledger.apply(Op::Expire(ExpireOp {
        key: format!("offerwise:expire@{now}"),
        at: now,
    }))?;
    Ok(ledger)
}

/// The ledger summary as of `now`.
pub fn summarize(p: &Prepared, ledger: &Ledger, now: i64) -> Result<LedgerSummary, LoyaltyError> {
    let horizon = now.saturating_add(i64::from(p.rules.nudges.points_expiry_horizon_days) * DAY_MS);
    let mut expiring: BTreeMap<i64, i64> = BTreeMap::new();
    let mut pending: BTreeMap<i64, i64> = BTreeMap::new();
    let mut next: Option<(i64, i64)> = None;
    let mut lots = 0;
    for l in ledger
        .lots()
        .iter()
        .filter(|l| l.amount > 0 && l.valid_at(now))
    {
        lots += 1;
        if let Some(e) = l.expires_at {
            if e <= horizon {
                let v = expiring.entry(e).or_insert(0);
                *v = add(*v, l.amount, "the expiring points")?;
            }
            next = match next {
                Some((t, pts)) if t == e => Some((t, add(pts, l.amount, "the expiring points")?)),
                Some((t, pts)) if t < e => Some((t, pts)),
                _ => Some((e, l.amount)),
            };
        }
        if l.available_at > now {
            let v = pending.entry(l.available_at).or_insert(0);
            *v = add(*v, l.amount, "the pending points")?;
        }
    }
    let group = |(e, points): (i64, i64)| ExpiryGroup {
        expires_at: time::format_instant(e),
        expires_ms: e,
        points,
    };
    let available = ledger.available_at(now)?;
    let value = points_value(available, p.rules.point_value, p.digits)?;
    Ok(LedgerSummary {
        balance: ledger.balance(),
        available,
        pending: ledger.pending_at(now)?,
        debt: ledger.debt(),
        available_value: minor_to_units(value, p.digits),
        lots,
        next_expiry: next.map(group),
        expiring_soon: expiring.into_iter().map(group).collect(),
        pending_lots: pending
            .into_iter()
            .map(|(a, points)| PendingGroup {
                available_at: time::format_instant(a),
                points,
            })
            .collect(),
        totals: ledger.flows(),
        operations: ledger.log().count(),
    })
}

/// Points earned on purchases (sources `order` and `promotion`, orders not reversed).
pub fn purchase_earns(ledger: &Ledger) -> impl Iterator<Item = (i64, i64)> + '_ {
    ledger.log().filter_map(|(op, _)| match op {
        Op::Earn(e)
            if matches!(e.source, Source::Order | Source::Promotion)
                && e.order_id.as_deref().is_none_or(|o| !ledger.is_reversed(o)) =>
        {
            Some((e.at, e.points))
        }
        _ => None,
    })
}

impl Context {
    /// Builds the account's state.
    pub fn new(
        p: &std::sync::Arc<Prepared>,
        account: &AccountInput,
        orders: Vec<ValidOrder>,
        now: i64,
        money: &MoneyFormat,
    ) -> Result<Context, LoyaltyError> {
        let rules = &p.rules;
        let offset = p.offset;
        let ledger = build_ledger(p, account, now)?;
        let usable = ledger.available_at(now)?;
        let events: Vec<Event> = match rules.tiers.as_ref().map(|t| t.measure) {
            Some(TierMeasure::Spend) => orders
                .iter()
                .filter(|o| o.net() > 0)
                .map(|o| (o.at, o.net()))
                .collect(),
            Some(TierMeasure::Orders) => orders
                .iter()
                .filter(|o| o.counts())
                .map(|o| (o.at, 1))
                .collect(),
            Some(TierMeasure::PointsEarned) => {
                purchase_earns(&ledger).filter(|e| e.1 > 0).collect()
            }
            None => Vec::new(),
        };
        let tier = match &p.tiers {
            Some(t) => {
                let granted =
                    match &account.tier {
                        Some(id) => {
                            let i = t.rules.levels.iter().position(|l| &l.id == id).ok_or_else(
                                || {
                                    LoyaltyError::input(
                                        "account.tier",
                                        format!(
                                            "tier {id:?} is not one of the programme's tiers",
                                            id = quoted(id)
                                        ),
                                    )
                                },
                            )?;
                            let until = account
                                .tier_until
                                .as_ref()
                                .map(|w| w.at(offset, "account.tierUntil"))
                                .transpose()?;
                            until.is_none_or(|u| now < u).then_some(i)
                        }
                        None => None,
                    };
                let engine = TierEngine::new(t, offset, &events)?;
                Some(engine.state(now, granted, p.digits))
            }
            None => {
                if account.tier.is_some() {
                    return Err(LoyaltyError::input(
                        "account.tier",
                        "the programme has no tiers",
                    ));
                }
                None
            }
        };
        let membership = match (&rules.membership, &account.membership) {
            (Some(m), Some(a)) => {
                let until = a.until.at(offset, "account.membership.until")?;
                let since = a
                    .since
                    .as_ref()
                    .map(|w| w.at(offset, "account.membership.since"))
                    .transpose()?;
                Some(MembershipState {
                    name: m.name.clone(),
                    active: now < until && since.is_none_or(|s| s <= now),
                    until: time::format_instant(until),
                    benefits: m.benefits.clone(),
                })
            }
            (None, Some(_)) => {
                return Err(LoyaltyError::input(
                    "account.membership",
                    "the programme has no membership",
                ))
            }
            _ => None,
        };
        let lifetime = orders
            .iter()
            .try_fold(0i64, |s, o| add(s, o.net(), "the lifetime spend"))?;
        let accumulative = rules
            .accumulative_discount
            .as_ref()
            .map(|_| accumulative(&p.programs, lifetime, p.digits));
        let active_membership = membership
            .as_ref()
            .filter(|m| m.active)
            .map(|m| &m.benefits);
        let discount = best_discount(
            rules,
            accumulative.as_ref().map(|a| a.percent),
            tier.as_ref().map(|t| &t.benefits),
            active_membership,
        );
        let birthday_md = account
            .birthday
            .as_ref()
            .map(|b| month_day(b, "account.birthday"))
            .transpose()?;
        let birthday = match (&rules.birthday, birthday_md) {
            (Some(b), Some(md)) => birthday_window(b, md, now, offset),
            _ => None,
        };
        let mut rewards_due = referral_rewards(
            rules,
            p.programs.referral_min,
            &account.referrals,
            &|k| ledger.is_applied(k),
            rules.expiry.expires(now),
            now,
            offset,
            p.digits,
        )?;
        if let (Some(b), Some((year, _, _))) = (&rules.birthday, birthday) {
            let key = format!("birthday:{year}");
            if b.points > 0 && !ledger.is_applied(&key) {
                let expires = match b.validity_days {
                    Some(d) => Some(now.saturating_add(i64::from(d) * DAY_MS)),
                    None => rules.expiry.expires(now),
                };
                rewards_due.push(RewardDue {
                    kind: "birthday",
                    points: b.points,
                    reason: format!("{} birthday points", b.points),
                    operation: OperationInput::Earn {
                        key,
                        at: super::input::When::Text(time::format_instant(now)),
                        points: b.points,
                        source: Source::Birthday,
                        order_id: None,
                        available_at: None,
                        expires_at: expires
                            .map(|e| super::input::When::Text(time::format_instant(e))),
                    },
                });
            }
        }
        Ok(Context {
            p: std::sync::Arc::clone(p),
            now,
            money: money.clone(),
            ledger,
            orders,
            events,
            tier,
            membership,
            accumulative,
            discount,
            birthday,
            usable,
            rewards_due,
        })
    }

    /// The active membership's benefits.
    pub fn membership_benefits(&self) -> Option<&Benefits> {
        self.membership
            .as_ref()
            .filter(|m| m.active)
            .map(|m| &m.benefits)
    }

    /// The earning context of an order placed now.
    pub fn earn_context(&self) -> Result<EarnContext<'_>, LoyaltyError> {
        let mut multipliers = Vec::new();
        let mut cashback = Decimal::ZERO;
        if let Some(t) = &self.tier {
            multipliers.push(("tier", t.benefits.earn_multiplier));
            cashback = t.benefits.cashback_percent;
        }
        if let Some(m) = self.membership_benefits() {
            multipliers.push(("membership", m.earn_multiplier));
            cashback = Decimal(
                cashback
                    .0
                    .checked_add(m.cashback_percent.0)
                    .ok_or_else(|| LoyaltyError::overflow("the cashback percent"))?,
            );
        }
        if let (Some(b), Some(_)) = (&self.p.rules.birthday, self.birthday) {
            multipliers.push(("birthday", b.multiplier));
        }
        multipliers.retain(|m| m.1 != Decimal::ONE);
        let earned_in_cap_period = match &self.p.rules.earn.period_cap {
            Some(c) => {
                let (from, to) = c.period.bounds(self.now, self.p.offset);
                purchase_earns(&self.ledger)
                    .filter(|e| e.0 >= from && e.0 < to)
                    .try_fold(0i64, |s, e| add(s, e.1, "the points earned in the period"))?
            }
            None => 0,
        };
        Ok(EarnContext {
            at: self.now,
            tier: self.tier.as_ref().map(|t| t.id.as_str()),
            multipliers,
            extra_cashback_percent: cashback,
            earned_in_cap_period,
        })
    }

    /// The tier engine over the account's events.
    pub fn tier_engine(&self) -> Result<Option<TierEngine<'_>>, LoyaltyError> {
        self.p
            .tiers
            .as_ref()
            .map(|t| TierEngine::new(t, self.p.offset, &self.events))
            .transpose()
    }

    /// Formats money.
    pub fn fmt_money(&self, minor: i64) -> String {
        self.money.format(minor, self.p.digits)
    }
}
