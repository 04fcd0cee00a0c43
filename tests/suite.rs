//! Every integration test in one binary: one compile and one link of the tests instead of
//! one per file (the CI's longest step). Each file of `tests/` is a module here, compiled when
//! the features it needs are on (`cargo test --all-features` runs them all); only
//! `conditions_alloc`, which counts allocations with its own global allocator, is a binary
//! of its own.

mod common;

#[cfg(feature = "cli")]
mod analysis;
#[cfg(feature = "data")]
mod analysis_logs;
#[cfg(feature = "data")]
mod batch;
mod churn;
#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "train")]
mod clv_cdnow;
#[cfg(feature = "cli")]
mod clv_degenerate;
#[cfg(feature = "train")]
mod clv_vectors;
mod conditions;
#[cfg(feature = "cli")]
mod conditions_cli;
mod conditions_props;
mod decision_log;
#[cfg(feature = "train")]
mod decision_snapshot;
mod decision_vectors;
#[cfg(feature = "cli")]
mod default_model;
#[cfg(feature = "data")]
mod did_vectors;
mod experiment_hashing;
mod experiments;
mod fuzz;
#[cfg(feature = "cli")]
mod gmm_cdnow;
#[cfg(feature = "train")]
mod kpis;
mod ledger_props;
mod limits;
mod loyalty_evaluate;
mod loyalty_vectors;
mod offer_catalogue;
mod offer_conditions;
#[cfg(feature = "data")]
mod ope;
#[cfg(feature = "cli")]
mod policy;
mod prepared;
#[cfg(feature = "train")]
mod programme;
#[cfg(feature = "cli")]
mod programme_cli;
mod properties;
mod quote_offers;
#[cfg(feature = "cli")]
mod segments;
#[cfg(feature = "data")]
mod stats_simulation;
#[cfg(feature = "data")]
mod stats_vectors;
#[cfg(feature = "cli")]
mod tokens_cli;
mod vectors;
