//! Offer decisioning: decide → log → learn.
//!
//! * [`catalogue`] — the offers a programme can show: kinds, costs, validity, channels,
//!   targets, caps, budgets, stacking groups, priority; the ranking settings;
//! * [`conditions`] — targeting conditions in GrowthBook's (MongoDB-style) syntax: read and
//!   compiled once, evaluated against a customer's attributes without allocating, explained
//!   when they fail (the workspace crate `offerwise-conditions`, `crates/conditions/`, built
//!   for speed where the rest of the storefront wasm is built for size);
//! * [`facts`] — what an offer's condition (`offers[].when`) can read, checked when a
//!   programme loads and built once per decision;
//! * [`aggregates`] — named aggregates over the order history (`aggregates.<name>` facts);
//! * [`rank`] — expected incremental value, the catalogue's rules, stacking and slots, the
//!   reasons for what is shown and left out, exploration with exact propensities;
//! * [`policy`] — the learned policy: per-offer take-up models over the context vector,
//!   inverse gap weighting, the documented decay;
//! * [`log`] — the decision record every decision carries for the page or worker to log, and
//!   the outcome events logged afterwards;
//! * [`learn`] — joining decision and outcome logs into observations (`offerwise learn`);
//! * [`simulate`] — the loop against a known truth (`offerwise simulate`).
//!
//! [`crate::Engine::decide`] builds the facts, the context vector and the view of the customer,
//! and calls [`rank::select`].

pub mod aggregates;
pub mod catalogue;
pub use offerwise_conditions as conditions;
pub mod facts;
pub mod learn;
pub mod log;
pub mod policy;
pub mod rank;
#[cfg(feature = "data")]
pub mod simulate;
