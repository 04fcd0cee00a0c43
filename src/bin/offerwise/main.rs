//! `offerwise`: train models, compute features, decide and score from the command line.
//!
//! The default model (`models/default.json`, trained on CDNOW) and programme
//! (`models/default-program.json`) are embedded, so `offerwise score --orders F --now T` works
//! with no other file. Run `offerwise --help` for every command.
//!
//! One file per command; `common` holds what they share.

mod analyze;
mod clv;
mod common;
mod conditions;
mod customers;
mod decide;
mod features;
mod learn;
mod nps;
mod ope;
mod power;
mod programme;
mod score;
mod token;
mod train;

use clap::{Parser, Subcommand};
use clv::ClvArgs;
use common::{default_sigpipe, Failure, ORDERS_HELP};
use conditions::EvalConditionArgs;
use customers::CustomersArgs;
use decide::{DecideArgs, QuoteArgs};
use features::FeaturesArgs;
use learn::{LearnArgs, SimulateArgs};
use score::ScoreArgs;
use std::process::ExitCode;
use train::TrainArgs;

/// mimalloc instead of the system allocator: a decision makes many small allocations. Measured
/// with examples/decide_bench.rs (CDNOW, one thread): a decision 19.2 -> 14.8 µs, a page view
/// with a cart 15.7 -> 13.3 µs, text in and JSON out 27.9 -> 23.9 µs; examples/batch_bench.rs
/// (2 threads): 413,000 -> 432,000 customers/s.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "offerwise",
    version,
    about = "Offers and personalization engine for loyalty programmes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a segmentation model (scaler + k-means) from a transaction file.
    #[command(after_help = ORDERS_HELP)]
    Train(TrainArgs),
    /// Write the per-customer feature matrix (raw, or scaled exactly as the clustering sees it).
    #[command(after_help = ORDERS_HELP)]
    Features(FeaturesArgs),
    /// Decide for one customer (a customer JSON file) and print the decision.
    Decide(DecideArgs),
    /// Quote a cart for a customer: points earned, most points burnable, price after burning,
    /// tier after the order.
    Quote(QuoteArgs),
    /// Decide for every customer of a transaction file; one decision JSON per line.
    #[command(after_help = ORDERS_HELP)]
    Score(ScoreArgs),
    /// Fit BG/NBD + Gamma-Gamma and report; with a holdout, predicted versus actual purchases.
    #[command(after_help = ORDERS_HELP)]
    Clv(ClvArgs),
    /// Convert a transaction file into customer JSON documents (the input of `decide`), one per line.
    #[command(after_help = ORDERS_HELP)]
    Customers(CustomersArgs),
    /// Evaluate a targeting condition (GrowthBook syntax) against attributes; prints `true` or
    /// `false` (exit 2 for a malformed condition, with its code and path).
    EvalCondition(EvalConditionArgs),
    /// Update a learned policy from decision and outcome logs.
    Learn(LearnArgs),
    /// Simulate decide → log → learn with a known truth: the policy against the priors.
    Simulate(SimulateArgs),
    /// Analyse an experiment from per-unit rows: each variant × metric against the control
    /// (z-test or Welch, lift intervals, Holm and BH, the sample-ratio check).
    Analyze(analyze::AnalyzeArgs),
    /// Units per group for a lift to detect, or the smallest lift a sample size detects.
    Power(power::PowerArgs),
    /// The Net Promoter Score of survey answers, overall and per group, with intervals and tests.
    Nps(nps::NpsArgs),
    /// Lay a seeded loyalty programme over a transaction file (enrolment that depends on past
    /// behaviour, a true effect, seasons, a global holdout, points through the ledger) and write
    /// the files a shop would have, with the truth the analyses should find.
    #[command(after_help = ORDERS_HELP)]
    SimulateProgramme(programme::SimulateProgrammeArgs),
    /// Does the programme pay? The holdout comparison (causal), members against matched
    /// non-members (difference-in-differences), loyalty KPIs, points liability and NPS; JSON and
    /// an HTML report.
    #[command(after_help = ORDERS_HELP)]
    Effectiveness(programme::EffectivenessArgs),
    /// Evaluate a candidate programme and learned policy offline on the decision log and its
    /// outcomes, before running it: IPS, SNIPS and doubly robust estimates of its value per
    /// decision against the logging policy's, with the effective sample size.
    EvaluatePolicy(ope::EvaluatePolicyArgs),
    /// Make an Ed25519 signing key for offer tokens (a JSON Web Key; `--public` also writes
    /// its public half for verifiers).
    Keygen(token::KeygenArgs),
    /// Check an offer token at checkout: signature, expiry, customer, offer and value. Prints
    /// the token's claims (exit 0), or the reason it must not be honoured (exit 2).
    VerifyToken(token::VerifyTokenArgs),
    /// Sign model, programme or policy files (`FILE.sig`, a detached Ed25519 signature of the
    /// exact bytes); commands given `--trust-key` load only files signed by a trusted key.
    Sign(token::SignArgs),
}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train::cmd_train(a),
        Command::Features(a) => features::cmd_features(a),
        Command::Decide(a) => decide::cmd_decide(a),
        Command::Score(a) => score::cmd_score(a),
        Command::Customers(a) => customers::cmd_customers(a),
        Command::Clv(a) => clv::cmd_clv(a),
        Command::Quote(a) => decide::cmd_quote(a),
        Command::EvalCondition(a) => conditions::cmd_eval_condition(a),
        Command::Learn(a) => learn::cmd_learn(a),
        Command::Simulate(a) => learn::cmd_simulate(a),
        Command::Analyze(a) => analyze::cmd_analyze(a),
        Command::Power(a) => power::cmd_power(a),
        Command::Nps(a) => nps::cmd_nps(a),
        Command::SimulateProgramme(a) => programme::cmd_simulate_programme(a),
        Command::Effectiveness(a) => programme::cmd_effectiveness(a),
        Command::EvaluatePolicy(a) => ope::cmd_evaluate_policy(a),
        Command::Keygen(a) => token::cmd_keygen(a),
        Command::VerifyToken(a) => token::cmd_verify_token(a),
        Command::Sign(a) => token::cmd_sign(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}
