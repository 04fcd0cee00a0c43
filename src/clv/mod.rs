//! Customer lifetime value: a purchase / churn model (BG/NBD, MBG/NBD or Pareto/NBD, see
//! [`purchase`]) + the Gamma-Gamma spend model.
//!
//! The same models and conventions as the Python `lifetimes` package (0.11.3), so that
//! results can be checked against it (see `tests/vectors/clv.json`).
//!
//! # Quantities
//!
//! Per customer, from the transactions with timestamp ≤ the **calibration end** (an instant
//! in epoch ms; `T` is measured to the UTC day containing it) ([`summary`]):
//!
//! | name | symbol | definition |
//! |---|---|---|
//! | `frequency` | `x` | number of *repeat* purchase days: purchases are collapsed to UTC days (`⌊ms / 86 400 000⌋`), `x` = distinct days − 1 |
//! | `recency` | `t_x` | time from the first to the last purchase day, in the time unit |
//! | `t` | `T` | time from the first purchase day to the calibration-end day, in the time unit |
//! | `monetary_value` | `m` | mean of the day totals of the repeat days (first day excluded); 0 if `x = 0` |
//! | holdout purchases | | distinct purchase days in `(calibration end, holdout end]` |
//!
//! The time unit ([`TimeUnit`]) is days or weeks (7 days: day counts divided by 7).
//!
//! Model parameters:
//!
//! * BG/NBD ([`bgnbd`]): purchase rates `λ ~ Gamma(r, alpha)` (`alpha` per time unit),
//!   drop-out probability after each purchase `p ~ Beta(a, b)`;
//! * MBG/NBD ([`mbgnbd`]): as BG/NBD, with drop-out also possible right after the first
//!   purchase;
//! * Pareto/NBD ([`pareto`]): purchase rates `λ ~ Gamma(r, alpha)`, exponential lifetimes
//!   with rates `μ ~ Gamma(s, beta)`;
//! * Gamma-Gamma ([`gamma_gamma`]): transaction values `~ Gamma(p, ν)`, `ν ~ Gamma(q, v)`.
//!
//! Predictions:
//!
//! * `p_alive` — probability the customer is still active at `T` (with BG/NBD 1 when `x = 0`;
//!   below 1 with MBG/NBD and Pareto/NBD); the churn risk is `1 − p_alive`;
//! * `expected_purchases(h)` — expected repeat purchases in `(T, T + h]` (time units);
//! * `expected_purchases_new(h)` — the same for a customer who just made a first purchase;
//! * `expected_order_value` — expected spend per future purchase given `(x, m)`;
//! * `clv` — margin × expected order value × expected purchases per month, discounted
//!   monthly, summed over a horizon of months ([`value`]; a month is 30 days in a daily
//!   model and 4.345 weeks in a weekly one, as in `lifetimes`).
//!
//! # Fitting (feature `train`)
//!
//! Maximum likelihood over log-parameters with Nelder–Mead (`optimize`; `lifetimes` uses
//! BFGS, same optimum), starting at log-parameters 0.1 like `lifetimes` (Pareto/NBD: at
//! parameters 1, see [`pareto::fit_pareto_nbd`] for its `lifetimes` conventions). Degenerate
//! purchase-model fits are refused ([`purchase`]); [`model`] documents how the purchase model
//! is chosen on a holdout. The optional L2
//! penalty is exactly `lifetimes`' `penalizer_coef`: the objective is
//! `−(1/N) Σ ℓᵢ + penalizer · Σ params²`, i.e. the penalty is added to the **mean**
//! negative log-likelihood. For BG/NBD the penalised parameters are `(r, alpha·s, a, b)`
//! with `s = 1/max T`, because `lifetimes` fits on time rescaled by `s` and divides
//! `alpha` by `s` afterwards (`bgnbd::fit_bgnbd`); for Gamma-Gamma they are `(p, q, v)`.
//! Gamma-Gamma is fitted on repeat buyers only (those with `m = 0` are left out, counted).
//!
//! # Reference check
//!
//! On the CDNOW 1/10 sample (2 357 customers), weeks, calibration end 1997-09-30, the
//! calibration summary above gives BG/NBD `r = 0.243, alpha = 4.414, a = 0.793,
//! b = 2.426` (log-likelihood −9582.4) and, from the **same calibration summary**'s 946
//! repeat buyers, Gamma-Gamma `p = 6.25, q = 3.74, v = 15.44` — the published values
//! (Fader, Hardie & Lee 2005; Fader & Hardie's Gamma-Gamma note). A whole-period summary
//! (to 1998-06-30) does *not* reproduce the Gamma-Gamma values (it gives p ≈ 4.68).
//! MBG/NBD gives `r = 0.5248, alpha = 6.1831, a = 0.8914, b = 1.6140` (LL −9582.14) and
//! Pareto/NBD `r = 0.5533, alpha = 10.5777, s = 0.6062, beta = 11.6687` (LL −9594.98; the
//! published `0.5534, 10.5802, 0.6061, 11.6562`, LL −9595.0, lie on the same flat ridge),
//! both within 1e-6 (relative) of `lifetimes` 0.11.3 run to convergence.
//!
//! # Robustness
//!
//! Nothing reachable from input panics: every failure is a [`ClvError`] with a stable
//! [`ClvError::code`]. Only the fitting code needs the `train` feature; predictions compile
//! for `wasm32-unknown-unknown` with no dependency beyond `serde` and `thiserror`.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod bgnbd;
#[cfg(test)]
mod bit_identity;
pub mod error;
pub mod gamma_gamma;
pub mod mbgnbd;
pub mod model;
#[cfg(feature = "train")]
pub mod optimize;
pub mod pareto;
pub mod purchase;
pub mod special;
pub mod summary;
pub mod value;

pub use bgnbd::BgNbdParams;
#[cfg(feature = "train")]
pub use bgnbd::{fit_bgnbd, BgNbdFit};
pub use error::ClvError;
pub use gamma_gamma::GammaGammaParams;
#[cfg(feature = "train")]
pub use gamma_gamma::{fit_gamma_gamma, GammaGammaFit};
pub use mbgnbd::MbgNbdParams;
#[cfg(feature = "train")]
pub use mbgnbd::{fit_mbgnbd, MbgNbdFit};
#[cfg(feature = "train")]
pub use model::{
    compare_purchase_models, fit_clv, fit_clv_model, select_and_fit_clv, validation_report,
};
pub use model::{
    holdout_score, holdout_split, CandidateScore, ClvModel, ClvOptions, ClvPrediction, FitReport,
    GammaGammaReport, HoldoutCustomer, ModelSelection, ValidationReport, ValidationRow,
    HOLDOUT_METRIC,
};
#[cfg(feature = "train")]
pub use optimize::OptimizeReport;
pub use pareto::ParetoNbdParams;
#[cfg(feature = "train")]
pub use pareto::{fit_pareto_nbd, ParetoNbdFit};
#[cfg(feature = "train")]
pub use purchase::{fit_purchase_model, PurchaseFit};
pub use purchase::{PurchaseModelKind, PurchaseParams};
pub use special::{hyp2f1, ln_gamma, ln_hyp2f1};
pub use summary::{
    holdout_duration, summarize, summarize_with_holdout, CustomerSummary, HoldoutSummary, TimeUnit,
    DAY_MS,
};
pub use value::customer_lifetime_value;
