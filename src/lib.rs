//! # offerwise
//!
//! An offers and personalization engine for loyalty programmes. From a customer's purchase
//! history and loyalty account it computes features, assigns a segment with a model trained
//! offline, picks offers under the programme's eligibility rules, assigns A/B variants
//! deterministically and computes loyalty nudges.
//!
//! The core is plain Rust and runs identically natively and in WebAssembly:
//!
//! * [`customer`] — the customer document (orders, items, loyalty account) and its validation;
//! * [`time`] — instants and calendar days (time is always an input, never read from a clock);
//! * [`features`] — recency, frequency, monetary value, tenure, intervals, category shares;
//! * [`model`] — the trained model bundle: scaler, k-means centroids or a Gaussian mixture,
//!   segment names and roles;
//! * [`offers`] — offer decisioning: targeting conditions in GrowthBook's syntax;
//! * [`program`] — the programme document authored by marketing: tiers, offers, experiments;
//! * [`role`] — segment roles (champions, at risk, ...) that programmes target in any model;
//! * [`experiment`] — deterministic variant assignment (GrowthBook-compatible hashing);
//! * [`clv`] — customer lifetime value: BG/NBD and Gamma-Gamma (fitting behind `train`);
//! * [`engine`] — ties them together into a [`engine::Decision`];
//! * [`backfill`] — the points an order history would have earned under the programme.
//!
//! With the `train` feature, [`transactions`] reads CSV and CDNOW transaction files and
//! [`train`] fits models from them (natively, and in the data wasm the dashboard uses). The `#[wasm_bindgen]` layer lives
//! in `src/wasm/` and is compiled only for `wasm32`.

#[cfg(feature = "data")]
pub mod analysis;
pub mod backfill;
#[cfg(feature = "data")]
pub mod batch;
pub mod clv;
pub mod customer;
#[cfg(feature = "arrow")]
pub mod decisions_arrow;
pub mod engine;
pub mod error;
pub mod experiments;
pub mod features;
pub mod json;
pub mod lenient;
pub mod limits;
pub mod loyalty;
pub mod math;
pub mod model;
pub mod offers;
#[cfg(feature = "arrow")]
pub mod orders_arrow;
pub mod program;
pub mod role;
pub mod stats;
#[cfg(feature = "train")]
pub mod synth;
pub mod time;
#[cfg(feature = "tokens")]
pub mod tokens;
#[cfg(feature = "train")]
pub mod train;
#[cfg(feature = "train")]
pub mod transactions;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use engine::{DecideOptions, Decision, Engine, PrepareOptions, PreparedCustomer, Profile};
pub use error::{Doc, Error};

/// The crate version, as reported by `offerwise --version` and `version()` in JS.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
