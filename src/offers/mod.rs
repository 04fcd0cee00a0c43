//! Offer decisioning.
//!
//! * [`conditions`] — targeting conditions in GrowthBook's (MongoDB-style) syntax: read and
//!   compiled once, evaluated against a customer's attributes without allocating.
//!
//! Conditions are not yet used by the engine's offer selection.

pub mod conditions;
