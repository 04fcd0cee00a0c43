//! Offer decisioning.
//!
//! * [`conditions`] — targeting conditions in GrowthBook's (MongoDB-style) syntax: read and
//!   compiled once, evaluated against a customer's attributes without allocating.
//!
//! * [`aggregates`] — named aggregates over the order history (`aggregates.<name>` facts);
//! * [`facts`] — what an offer's condition (`offers[].when`) can read, checked when a
//!   programme loads and built once per decision;
//! * [`log`] — the decision record every decision carries for the page or worker to log, and
//!   the outcome events logged afterwards.
//!
//! The engine evaluates each offer's `when` condition on the decision's facts.

pub mod aggregates;
pub mod catalogue;
pub mod conditions;
pub mod facts;
pub mod learn;
pub mod log;
pub mod policy;
pub mod rank;
pub mod simulate;
