//! Offer decisioning.
//!
//! * [`conditions`] — targeting conditions in GrowthBook's (MongoDB-style) syntax: read and
//!   compiled once, evaluated against a customer's attributes without allocating.
//!
//! * [`log`] — the decision record every decision carries for the page or worker to log, and
//!   the outcome events logged afterwards.
//!
//! Conditions are not yet used by the engine's offer selection.

pub mod conditions;
pub mod log;
