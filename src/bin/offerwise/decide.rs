//! `offerwise decide` and `offerwise quote`: one customer.

use crate::common::*;
use clap::Args;
use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::error::{quoted, Doc};
use offerwise::json;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct DecideArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Customer JSON file (`-` for standard input).
    #[arg(long)]
    customer: PathBuf,
    /// The instant of the decision (ISO 8601 or epoch milliseconds).
    #[arg(long)]
    now: String,
    /// Minutes east of UTC of the shop's time zone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tz_offset: i32,
    /// A cart JSON file (`{"items": [{sku?, category?, price, qty?}]}` or `{"amount": 42.5}`):
    /// the decision then quotes it.
    #[arg(long)]
    cart: Option<PathBuf>,
    /// The page's context as JSON, for offer conditions' `context.*` facts, e.g.
    /// `{"page": "checkout", "channel": "web", "device": "mobile", "country": "NL"}`.
    #[arg(long, value_name = "JSON")]
    context: Option<String>,
    /// What you know of the programme's budgets, as JSON: budget id → `{"spent": 1200}`
    /// (optionally `"total"`); a budget not given counts as unspent.
    #[arg(long, value_name = "JSON")]
    budgets: Option<String>,
    /// Other ids of the visitor, as JSON (`{"deviceId": "d-81"}`), for experiments that hash
    /// one of them.
    #[arg(long, value_name = "JSON")]
    ids: Option<String>,
    /// The sticky store kept from the last decision (its `assignments`, a JSON file).
    #[arg(long, value_name = "FILE")]
    assignments: Option<PathBuf>,
    /// Force a variant for QA: `experiment=variant` (repeatable).
    #[arg(long = "force-variant", value_name = "EXPERIMENT=VARIANT")]
    force_variant: Vec<String>,
    /// Print only the experiments, holdout and sticky store (an assignment read without
    /// logging an exposure).
    #[arg(long)]
    assign_only: bool,
    /// Print on one line instead of indented.
    #[arg(long)]
    compact: bool,
    /// A private key (`offerwise keygen`): each offer of the decision carries a `token`
    /// the checkout verifies (`offerwise verify-token`).
    #[arg(long, value_name = "FILE")]
    signing_key: Option<PathBuf>,
    /// How long the tokens are valid, seconds from the decision's instant.
    #[arg(long, default_value_t = offerwise::tokens::DEFAULT_TTL_SECONDS, requires = "signing_key")]
    token_ttl: i64,
}

#[derive(Args)]
pub(crate) struct QuoteArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Customer JSON file (`-` for standard input).
    #[arg(long)]
    customer: PathBuf,
    /// Cart JSON file: `{"items": [{sku?, category?, price, qty?}]}` or `{"amount": 42.5}`.
    #[arg(long)]
    cart: PathBuf,
    /// The instant of the quote (ISO 8601 or epoch milliseconds).
    #[arg(long)]
    now: String,
    /// Minutes east of UTC of the shop's time zone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tz_offset: i32,
    /// Print on one line instead of indented.
    #[arg(long)]
    compact: bool,
}

pub(crate) fn cmd_decide(a: DecideArgs) -> Result<(), Failure> {
    let engine = load_engine(&a.engine)?;
    let signing_key = match &a.signing_key {
        Some(_) if a.assign_only => {
            return Err(Failure(
                2,
                "error[options.invalid]: --signing-key: --assign-only shows no offers to sign"
                    .into(),
            ))
        }
        Some(p) => Some(crate::token::read_signing_key(p)?),
        None => None,
    };
    let customer = Customer::from_json(&read_text(&a.customer)?)?;
    let cart = match &a.cart {
        Some(p) => {
            Some(json::from_str(Doc::Options, &read_text(p)?).map_err(|e| cart_error(e, p))?)
        }
        None => None,
    };
    let context = match &a.context {
        Some(text) => Some(
            json::from_str(Doc::Options, text)
                .map_err(|e| Failure(2, format!("error[options.invalid]: --context: {e}")))?,
        ),
        None => None,
    };
    let budgets = match &a.budgets {
        Some(text) => json::from_str(Doc::Options, text)
            .map_err(|e| Failure(2, format!("error[options.invalid]: --budgets: {e}")))?,
        None => Default::default(),
    };
    let ids = match &a.ids {
        Some(text) => json::from_str(Doc::Options, text)
            .map_err(|e| Failure(2, format!("error[options.invalid]: --ids: {e}")))?,
        None => Default::default(),
    };
    let assignments = match &a.assignments {
        // Read as any JSON: a store that does not read is reported in the decision.
        Some(p) => Some(json::value_from_str(Doc::Options, &read_text(p)?)?),
        None => None,
    };
    let mut force_variants = std::collections::BTreeMap::new();
    for f in &a.force_variant {
        let Some((k, v)) = f.split_once('=') else {
            return Err(Failure(
                2,
                format!(
                    "error[options.invalid]: --force-variant {f:?}: expected experiment=variant",
                    f = quoted(f)
                ),
            ));
        };
        force_variants.insert(k.to_string(), v.to_string());
    }
    let options = DecideOptions {
        now: now_value(&a.now),
        time_zone_offset_minutes: a.tz_offset,
        cart,
        context,
        budgets,
        ids,
        assignments,
        force_variants,
    };
    let out = if a.assign_only {
        serde_json::to_value(engine.assign(&customer, &options)?)
    } else {
        let decision = engine.decide(&customer, &options)?;
        match &signing_key {
            Some(key) => Ok(key
                .sign_decision(&decision, a.token_ttl)
                .map_err(crate::token::token_fail)?),
            None => serde_json::to_value(decision),
        }
    }
    .map_err(|e| Failure(1, format!("error: {e}")))?;
    let text = if a.compact {
        serde_json::to_string(&out)
    } else {
        serde_json::to_string_pretty(&out)
    };
    println!("{}", text.map_err(|e| Failure(1, format!("error: {e}")))?);
    Ok(())
}

pub(crate) fn cmd_quote(a: QuoteArgs) -> Result<(), Failure> {
    let engine = load_engine(&a.engine)?;
    let customer = Customer::from_json(&read_text(&a.customer)?)?;
    let cart: offerwise::loyalty::Cart =
        json::from_str(Doc::Options, &read_text(&a.cart)?).map_err(|e| cart_error(e, &a.cart))?;
    let options = DecideOptions {
        now: now_value(&a.now),
        time_zone_offset_minutes: a.tz_offset,
        cart: None,
        context: None,
        budgets: Default::default(),
        ids: Default::default(),
        assignments: None,
        force_variants: Default::default(),
    };
    let quote = engine.quote(&customer, &cart, &options)?;
    let text = if a.compact {
        serde_json::to_string(&quote)
    } else {
        serde_json::to_string_pretty(&quote)
    };
    println!("{}", text.map_err(|e| Failure(1, format!("error: {e}")))?);
    Ok(())
}
