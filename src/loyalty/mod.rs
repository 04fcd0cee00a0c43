//! Loyalty: the points ledger, earning and redemption rules, tiers, programme types, nudges
//! and the cart quote — exact, from the account, the history and the cart.
//!
//! * [`rules`] — the programme document's `loyalty` section ([`LoyaltyRules`]), validated with
//!   JSON paths; [`earn`], [`redeem`], [`tiers`] and [`programs`] own their parts of it;
//! * [`money`] — points, money and rates as integers, and the one place where JSON numbers
//!   become integers;
//! * [`ledger`] — lots and idempotent operations (earn, redeem, expire, reverse, adjust);
//! * [`input`] — the account, history and cart documents;
//! * [`state`] — the account replayed as of `now`;
//! * [`quote`] and [`nudges`] — what the page shows.
//!
//! [`evaluate`] ties them together. Time is an input (`now`, the shop's time zone offset),
//! never read from a clock, and nothing panics on input: every problem is a [`LoyaltyError`]
//! with a stable `code()` and the `path()` of the field at fault.
//!
//! (This example runs as the `readme_example` unit test below, so that it passes in any crate
//! this folder is dropped into.)
//!
//! ```ignore
//! use crate::loyalty::{evaluate, AccountInput, Cart, EvaluateOptions, LoyaltyRules};
//! let rules = LoyaltyRules::from_json(r#"{"earn": {"pointsPerUnit": 1}, "redeem": {"maxSharePercent": 50}}"#)?;
//! let account: AccountInput = serde_json::from_str(
//!     r#"{"operations": [{"type": "earn", "key": "e1", "at": "2024-05-01", "points": 300}]}"#).unwrap();
//! let cart: Cart = serde_json::from_str(r#"{"amount": 200}"#).unwrap();
//! let now = crate::time::parse_instant("2024-06-01", 0).unwrap();
//! let state = evaluate(&rules, &account, &[], Some(&cart), &EvaluateOptions::at(now))?;
//! assert_eq!(state.ledger.available, 300);
//! let quote = state.quote.unwrap();
//! assert_eq!((quote.earn.points, quote.burn.max_points, quote.burn.price_after), (200, 100, 100.0));
//! ```

pub mod earn;
pub mod error;
pub mod input;
pub mod ledger;
pub mod money;
pub mod nudges;
pub mod programs;
pub mod quote;
pub mod redeem;
pub mod rules;
pub mod state;
pub mod tiers;

pub use error::LoyaltyError;
pub use input::{AccountInput, Cart, OrderInput};
pub use ledger::{Ledger, Op, OpResult};
pub use money::MoneyFormat;
pub use nudges::Nudge;
pub use quote::{CartOffer, Quote};
pub use rules::{LoyaltyRules, Prepared};
pub use state::LedgerSummary;
pub use tiers::TierState;

use programs::{AccumulativeState, Discount, MembershipState, RewardDue};
use serde::{Deserialize, Serialize};

/// Options of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateOptions {
    /// The instant of the evaluation, epoch ms.
    pub now_ms: i64,
    /// The shop's time zone, minutes east of UTC (−1080 to 1080): calendar periods, promotions
    /// without their own offset, birthdays and dates in messages use it. Fixed offsets: no
    /// daylight saving rules.
    #[serde(default)]
    pub time_zone_offset_minutes: i32,
    /// Nudges returned at most (default 3).
    #[serde(default = "three")]
    pub max_nudges: usize,
    /// How money is written in messages.
    #[serde(default)]
    pub money: MoneyFormat,
    /// Offers shown with the cart that change its quote (set by the engine's decision, not
    /// part of the JSON form).
    #[serde(skip)]
    pub cart_offers: Vec<quote::CartOffer>,
}

fn three() -> usize {
    3
}

impl EvaluateOptions {
    /// Options at `now_ms`, UTC, 3 nudges, amounts without a currency.
    pub fn at(now_ms: i64) -> Self {
        EvaluateOptions {
            now_ms,
            time_zone_offset_minutes: 0,
            max_nudges: 3,
            money: MoneyFormat::default(),
            cart_offers: Vec::new(),
        }
    }
}

/// Everything [`evaluate`] takes, as one document (the shape of the shared vectors in
/// `tests/vectors/loyalty.json`, and of `evaluateLoyalty` in JavaScript).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateInput {
    /// The programme document's `loyalty` section.
    pub rules: LoyaltyRules,
    /// The account.
    #[serde(default)]
    pub account: AccountInput,
    /// The order history.
    #[serde(default)]
    pub history: Vec<OrderInput>,
    /// The cart to quote.
    #[serde(default)]
    pub cart: Option<Cart>,
    /// The instant of the evaluation.
    pub now: input::When,
    /// Minutes east of UTC (default 0).
    #[serde(default)]
    pub time_zone_offset_minutes: i32,
    /// Nudges at most (default 3).
    #[serde(default = "three")]
    pub max_nudges: usize,
    /// How money is written in messages.
    #[serde(default)]
    pub money: MoneyFormat,
}

impl EvaluateInput {
    /// Resolves `now` and runs [`evaluate`].
    pub fn evaluate(&self) -> Result<LoyaltyState, LoyaltyError> {
        let offset = self.time_zone_offset_minutes;
        let now = self.now.at(offset, "now")?;
        let options = EvaluateOptions {
            now_ms: now,
            time_zone_offset_minutes: offset,
            max_nudges: self.max_nudges,
            money: self.money.clone(),
            cart_offers: Vec::new(),
        };
        evaluate(
            &self.rules,
            &self.account,
            &self.history,
            self.cart.as_ref(),
            &options,
        )
    }
}

/// The customer's loyalty state, for the decision JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoyaltyState {
    /// Points.
    pub ledger: LedgerSummary,
    /// The tier, if the programme has tiers.
    pub tier: Option<TierState>,
    /// The paid membership, if the customer has one.
    pub membership: Option<MembershipState>,
    /// The accumulative discount's standing, if the programme has one.
    pub accumulative: Option<AccumulativeState>,
    /// The best standing discount.
    pub discount: Option<Discount>,
    /// Referral and birthday rewards owed and not yet in the ledger.
    pub rewards_due: Vec<RewardDue>,
    /// The cart quote, when a cart is given.
    pub quote: Option<Quote>,
    /// Nudges, ranked. (In a decision they are its top-level `nudges`, and left out here.)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nudges: Vec<Nudge>,
}

/// Evaluates an account: validates the rules, replays the account's operations into the
/// ledger (expiring lots as of `now`), works out the tier, the membership, the discounts and
/// the rewards due, quotes the cart and computes the nudges.
///
/// Errors: `loyalty.invalid_rules` (path under the section, e.g. `earn.promotions[2].start`),
/// `loyalty.invalid_input` (`account...`, `history[3].at`, `cart.items[0].price`), and the
/// ledger's errors for an operation that cannot be applied (path
/// `account.operations[i]...`).
pub fn evaluate(
    rules: &LoyaltyRules,
    account: &AccountInput,
    history: &[OrderInput],
    cart: Option<&Cart>,
    options: &EvaluateOptions,
) -> Result<LoyaltyState, LoyaltyError> {
    evaluate_then(rules, account, history, cart, options, |_| {
        options.cart_offers.clone()
    })
}

/// [`evaluate`] in one replay of the account, with the offers that change the cart's quote
/// chosen in between: `choose` sees the state without the quote and the nudges (ledger, tier,
/// membership, discounts, rewards due) and returns the offers shown beside the cart, which
/// the quote then applies (`options.cart_offers` is not read). A decision picks its offers
/// from the account's state and quotes the cart with them, without replaying the account twice.
pub fn evaluate_then(
    rules: &LoyaltyRules,
    account: &AccountInput,
    history: &[OrderInput],
    cart: Option<&Cart>,
    options: &EvaluateOptions,
    choose: impl FnOnce(&LoyaltyState) -> Vec<CartOffer>,
) -> Result<LoyaltyState, LoyaltyError> {
    let offset = options.time_zone_offset_minutes;
    check_offset(offset)?;
    check_now(options.now_ms)?;
    let prepared = std::sync::Arc::new(rules.prepare(offset)?);
    let state = Account::at(&prepared, account, history, options.now_ms, &options.money)?;
    state.finish(cart, options.max_nudges, choose)
}

/// The rules checked and converted to exact units for the shop's time zone (minutes east of
/// UTC): what [`Account::at`] replays an account with. An engine prepares its programme's
/// rules once and shares them.
pub fn prepare_rules(rules: &LoyaltyRules, offset: i32) -> Result<Prepared, LoyaltyError> {
    check_offset(offset)?;
    rules.prepare(offset)
}

fn check_offset(offset: i32) -> Result<(), LoyaltyError> {
    if !(-18 * 60..=18 * 60).contains(&offset) {
        return Err(LoyaltyError::input(
            "timeZoneOffsetMinutes",
            format!("must be between -1080 and 1080, got {offset}"),
        ));
    }
    Ok(())
}

fn check_now(now: i64) -> Result<(), LoyaltyError> {
    if !(crate::time::MIN_MS..=crate::time::MAX_MS).contains(&now) {
        return Err(LoyaltyError::input("now", "outside the years 1 to 9999"));
    }
    Ok(())
}

/// An account replayed as of one instant: the ledger, the tier, the membership, the discounts
/// and the rewards due. What depends on the cart (the quote and the nudges) is added by
/// [`Account::finish`], as often as the cart changes, without replaying the account again.
#[derive(Debug, Clone)]
pub struct Account {
    ctx: state::Context,
    state: LoyaltyState,
}

impl Account {
    /// Replays `account` and `history` under prepared rules as of `now` (epoch ms).
    pub fn at(
        prepared: &std::sync::Arc<Prepared>,
        account: &AccountInput,
        history: &[OrderInput],
        now: i64,
        money: &MoneyFormat,
    ) -> Result<Account, LoyaltyError> {
        check_now(now)?;
        let orders = input::history(history, prepared.digits, now, prepared.offset, "history")?;
        Self::at_checked(prepared, account, orders, now, money)
    }

    /// [`Account::at`] for a history already checked in the rules' currency digits and time
    /// zone and sorted by time ([`input::history`], or the ledger part of
    /// [`crate::customer::Customer::validate_for`]): what a decision replays, so that the
    /// orders are read and checked once.
    pub fn at_checked(
        prepared: &std::sync::Arc<Prepared>,
        account: &AccountInput,
        orders: Vec<input::ValidOrder>,
        now: i64,
        money: &MoneyFormat,
    ) -> Result<Account, LoyaltyError> {
        check_now(now)?;
        let ctx = state::Context::new(prepared, account, orders, now, money)?;
        let summary = state::summarize(prepared, &ctx.ledger, now)?;
        let state = LoyaltyState {
            ledger: summary,
            tier: ctx.tier.clone(),
            membership: ctx.membership.clone(),
            accumulative: ctx.accumulative.clone(),
            discount: ctx.discount.clone(),
            rewards_due: ctx.rewards_due.clone(),
            quote: None,
            nudges: Vec::new(),
        };
        Ok(Account { ctx, state })
    }

    /// The state as of the replayed instant, without a quote or nudges.
    pub fn state(&self) -> &LoyaltyState {
        &self.state
    }

    /// What depends on the cart: its quote (when there is a cart) and the nudges. `choose`
    /// sees [`Account::state`] and returns the offers shown beside the cart, which the quote
    /// applies. A page view's part of [`Account::finish`], without copying the state.
    pub fn cart_part(
        &self,
        cart: Option<&Cart>,
        max_nudges: usize,
        choose: impl FnOnce(&LoyaltyState) -> Vec<CartOffer>,
    ) -> Result<(Option<Quote>, Vec<Nudge>), LoyaltyError> {
        let cart_offers = choose(&self.state);
        let quote = cart
            .map(|c| quote::quote(&self.ctx, c, &cart_offers))
            .transpose()?;
        let nudges = nudges::nudges(&self.ctx, &self.state.ledger, quote.as_ref(), max_nudges);
        Ok((quote, nudges))
    }

    /// The state with the cart quoted and the nudges: `choose` sees the state without them
    /// and returns the offers shown beside the cart, which the quote applies.
    pub fn finish(
        &self,
        cart: Option<&Cart>,
        max_nudges: usize,
        choose: impl FnOnce(&LoyaltyState) -> Vec<CartOffer>,
    ) -> Result<LoyaltyState, LoyaltyError> {
        let (quote, nudges) = self.cart_part(cart, max_nudges, choose)?;
        let mut state = self.state.clone();
        state.quote = quote;
        state.nudges = nudges;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_example() -> Result<(), LoyaltyError> {
        let rules = LoyaltyRules::from_json(
            r#"{"earn": {"pointsPerUnit": 1}, "redeem": {"maxSharePercent": 50}}"#,
        )?;
        let account: AccountInput = serde_json::from_str(
            r#"{"operations": [{"type": "earn", "key": "e1", "at": "2024-05-01", "points": 300}]}"#,
        )
        .map_err(|e| LoyaltyError::input("account", e.to_string()))?;
        let cart: Cart = serde_json::from_str(r#"{"amount": 200}"#)
            .map_err(|e| LoyaltyError::input("cart", e.to_string()))?;
        let now = crate::time::parse_instant("2024-06-01", 0)
            .map_err(|e| LoyaltyError::input("now", e))?;
        let state = evaluate(
            &rules,
            &account,
            &[],
            Some(&cart),
            &EvaluateOptions::at(now),
        )?;
        assert_eq!(state.ledger.available, 300);
        let quote = state
            .quote
            .ok_or_else(|| LoyaltyError::operation("no quote"))?;
        assert_eq!(
            (
                quote.earn.points,
                quote.burn.max_points,
                quote.burn.price_after
            ),
            (200, 100, 100.0)
        );
        Ok(())
    }
}
