//! The three purchase / drop-out models behind one type, and (feature `train`) their fitting
//! with the checks that refuse degenerate fits.
//!
//! | model | drop-out | P(alive) of a one-time buyer |
//! |---|---|---|
//! | BG/NBD ([`super::bgnbd`]) | only right after a repeat purchase | always 1 |
//! | MBG/NBD ([`super::mbgnbd`]) | also right after the first purchase | below 1, falls with `T` |
//! | Pareto/NBD ([`super::pareto`]) | at any time (exponential lifetime) | below 1, falls with `T` |
//!
//! # Degenerate fits
//!
//! A fit is refused ([`check_fit`]) — never stored as "converged" — when:
//!
//! * fewer than [`MIN_REPEAT_BUYERS`] customers made a repeat purchase
//!   (`clv.too_few_repeat_buyers`): four parameters cannot be identified from fewer;
//! * the optimiser did not meet its tolerances (`clv.not_converged`);
//! * the likelihood or objective is not finite (`clv.degenerate_fit`);
//! * a parameter on the optimiser's scale (time rescaled so that the longest customer
//!   history is 1, as `lifetimes` fits) is below [`PARAM_MIN`] or above [`PARAM_MAX`]
//!   (`clv.degenerate_fit`): the optimum is at a boundary of the parameter space (e.g.
//!   `r, alpha → ∞`: purchase rates without heterogeneity; `a, b → 0`), where the
//!   likelihood is flat and the parameters mean nothing. The unpenalised CDNOW fits (1/10 sample
//!   to 1997-09-30, master file to 1998-07-01) have every parameter between 0.07 and 3 on
//!   that scale, so these bounds only catch runaway fits (like the `r = 67 833 557` that was
//!   stored for four customers).
use serde::{Deserialize, Serialize};

use super::bgnbd::BgNbdParams;
use super::error::ClvError;
use super::mbgnbd::MbgNbdParams;
use super::pareto::ParetoNbdParams;
use super::summary::CustomerSummary;

/// Fewest repeat buyers a purchase model is fitted on.
pub const MIN_REPEAT_BUYERS: usize = 10;
/// Smallest parameter (on the optimiser's rescaled-time scale) of a non-degenerate fit.
pub const PARAM_MIN: f64 = 1e-4;
/// Largest parameter (on the optimiser's rescaled-time scale) of a non-degenerate fit.
pub const PARAM_MAX: f64 = 1e4;

/// Which purchase / drop-out model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PurchaseModelKind {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    #[serde(rename = "bgnbd")]
    BgNbd,
    /// Modified BG/NBD (Batislam, Denizel & Filiztekin 2007).
    #[serde(rename = "mbgnbd")]
    ModifiedBgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    #[serde(rename = "pareto-nbd")]
    ParetoNbd,
}

impl PurchaseModelKind {
    /// All three, in the order used for ties and tables.
    pub const ALL: [PurchaseModelKind; 3] = [
        PurchaseModelKind::BgNbd,
        PurchaseModelKind::ModifiedBgNbd,
        PurchaseModelKind::ParetoNbd,
    ];

    /// The identifier used in model files and on the command line (`bgnbd`, `mbgnbd`,
    /// `pareto-nbd`).
    pub const fn id(self) -> &'static str {
        match self {
            PurchaseModelKind::BgNbd => "bgnbd",
            PurchaseModelKind::ModifiedBgNbd => "mbgnbd",
            PurchaseModelKind::ParetoNbd => "pareto-nbd",
        }
    }

    /// The display name (`BG/NBD`, `MBG/NBD`, `Pareto/NBD`).
    pub const fn name(self) -> &'static str {
        match self {
            PurchaseModelKind::BgNbd => "BG/NBD",
            PurchaseModelKind::ModifiedBgNbd => "MBG/NBD",
            PurchaseModelKind::ParetoNbd => "Pareto/NBD",
        }
    }

    /// Parses [`Self::id`].
    pub fn from_id(s: &str) -> Result<Self, ClvError> {
        PurchaseModelKind::ALL
            .into_iter()
            .find(|k| k.id() == s)
            .ok_or_else(|| {
                ClvError::invalid(
                    "argument",
                    "purchase_model",
                    format!("{s:?} is not a purchase model: use bgnbd, mbgnbd or pareto-nbd"),
                )
            })
    }
}

/// Parameters of one of the three purchase models.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PurchaseParams {
    /// BG/NBD.
    BgNbd(BgNbdParams),
    /// Modified BG/NBD.
    ModifiedBgNbd(MbgNbdParams),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbdParams),
}

impl PurchaseParams {
    /// Which model.
    pub const fn kind(&self) -> PurchaseModelKind {
        match self {
            PurchaseParams::BgNbd(_) => PurchaseModelKind::BgNbd,
            PurchaseParams::ModifiedBgNbd(_) => PurchaseModelKind::ModifiedBgNbd,
            PurchaseParams::ParetoNbd(_) => PurchaseModelKind::ParetoNbd,
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), ClvError> {
        match self {
            PurchaseParams::BgNbd(p) => p.validate(),
            PurchaseParams::ModifiedBgNbd(p) => p.validate(),
            PurchaseParams::ParetoNbd(p) => p.validate(),
        }
    }

    /// Probability that a customer with history `(x, t_x, T)` is still alive at `T`.
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ClvError> {
        match self {
            PurchaseParams::BgNbd(p) => p.p_alive(x, t_x, t),
            PurchaseParams::ModifiedBgNbd(p) => p.p_alive(x, t_x, t),
            PurchaseParams::ParetoNbd(p) => p.p_alive(x, t_x, t),
        }
    }

    /// Expected repeat purchases in `(T, T + horizon]` given the history `(x, t_x, T)`.
    pub fn expected_purchases(
        &self,
        horizon: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ClvError> {
        match self {
            PurchaseParams::BgNbd(p) => p.expected_purchases(horizon, x, t_x, t),
            PurchaseParams::ModifiedBgNbd(p) => p.expected_purchases(horizon, x, t_x, t),
            PurchaseParams::ParetoNbd(p) => p.expected_purchases(horizon, x, t_x, t),
        }
    }

    /// [`Self::expected_purchases`] at several horizons (`horizons` and `out` have the same
    /// length): `out[i]` gets exactly its bits for `horizons[i]`, and the error is the one of
    /// the first horizon for which it fails. Faster than one call per horizon: the checks and
    /// the parts that do not depend on the horizon are computed once, and the ₂F₁ of BG/NBD
    /// and MBG/NBD are summed together.
    #[cfg_attr(not(feature = "data"), allow(dead_code))]
    pub(crate) fn expected_purchases_multi(
        &self,
        horizons: &[f64],
        x: f64,
        t_x: f64,
        t: f64,
        out: &mut [f64],
    ) -> Result<(), ClvError> {
        let fast = match self {
            PurchaseParams::BgNbd(p) => p.multi_fast(horizons, x, t_x, t, out),
            PurchaseParams::ModifiedBgNbd(p) => p.multi_fast(horizons, x, t_x, t, out),
            PurchaseParams::ParetoNbd(p) => p.multi_fast(horizons, x, t_x, t, out),
        };
        // On any error the horizons are computed one by one, so that the error is the first
        // failing horizon's own.
        if fast.is_none() {
            for (o, &h) in out.iter_mut().zip(horizons) {
                *o = self.expected_purchases(h, x, t_x, t)?;
            }
        }
        Ok(())
    }

    /// Expected repeat purchases in `(0, horizon]` of a customer who just made a first
    /// purchase.
    pub fn expected_purchases_new(&self, horizon: f64) -> Result<f64, ClvError> {
        match self {
            PurchaseParams::BgNbd(p) => p.expected_purchases_new(horizon),
            PurchaseParams::ModifiedBgNbd(p) => p.expected_purchases_new(horizon),
            PurchaseParams::ParetoNbd(p) => p.expected_purchases_new(horizon),
        }
    }

    /// Total log-likelihood over customers (errors name the customer index).
    pub fn total_log_likelihood(&self, customers: &[CustomerSummary]) -> Result<f64, ClvError> {
        match self {
            PurchaseParams::BgNbd(p) => p.total_log_likelihood(customers),
            PurchaseParams::ModifiedBgNbd(p) => p.total_log_likelihood(customers),
            PurchaseParams::ParetoNbd(p) => p.total_log_likelihood(customers),
        }
    }
}

/// A purchase-model fit that passed [`check_fit`].
#[cfg(feature = "train")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseFit {
    /// The parameters (in the data's time unit).
    pub params: PurchaseParams,
    /// Total unpenalised log-likelihood.
    pub log_likelihood: f64,
    /// Optimiser report (objective in the model's `lifetimes` convention).
    pub optimizer: super::optimize::OptimizeReport,
    /// Customers with a repeat purchase.
    pub n_repeat_buyers: usize,
}

/// Fits one purchase model and refuses degenerate results (see the module docs).
///
/// Errors: those of the fit functions, `clv.too_few_repeat_buyers`, `clv.not_converged`,
/// `clv.degenerate_fit`.
#[cfg(feature = "train")]
pub fn fit_purchase_model(
    kind: PurchaseModelKind,
    customers: &[CustomerSummary],
    penalizer: f64,
) -> Result<PurchaseFit, ClvError> {
    let n_repeat_buyers = customers.iter().filter(|c| c.frequency > 0.0).count();
    if n_repeat_buyers > 0 && n_repeat_buyers < MIN_REPEAT_BUYERS {
        // Validate first so that bad input is reported as such.
        super::bgnbd::check_fit_inputs(customers, penalizer)?;
        return Err(ClvError::TooFewRepeatBuyers {
            model: kind.name(),
            n_repeat_buyers,
            min: MIN_REPEAT_BUYERS,
        });
    }
    let (params, log_likelihood, optimizer, scaled) = match kind {
        PurchaseModelKind::BgNbd => {
            let f = super::bgnbd::fit_bgnbd(customers, penalizer)?;
            let max_t = customers.iter().map(|c| c.t).fold(0.0, f64::max);
            let p = f.params;
            let scaled = [p.r, p.alpha / max_t, p.a, p.b];
            (
                PurchaseParams::BgNbd(p),
                f.log_likelihood,
                f.optimizer,
                scaled,
            )
        }
        PurchaseModelKind::ModifiedBgNbd => {
            let f = super::mbgnbd::fit_mbgnbd(customers, penalizer)?;
            (
                PurchaseParams::ModifiedBgNbd(f.params),
                f.log_likelihood,
                f.optimizer,
                f.scaled,
            )
        }
        PurchaseModelKind::ParetoNbd => {
            let f = super::pareto::fit_pareto_nbd(customers, penalizer)?;
            (
                PurchaseParams::ParetoNbd(f.params),
                f.log_likelihood,
                f.optimizer,
                f.scaled,
            )
        }
    };
    check_fit(kind, &scaled, log_likelihood, &optimizer)?;
    Ok(PurchaseFit {
        params,
        log_likelihood,
        optimizer,
        n_repeat_buyers,
    })
}

/// Names of the four parameters of a model, in [`fit_purchase_model`]'s order.
#[cfg(feature = "train")]
const fn param_names(kind: PurchaseModelKind) -> [&'static str; 4] {
    match kind {
        PurchaseModelKind::BgNbd | PurchaseModelKind::ModifiedBgNbd => ["r", "alpha", "a", "b"],
        PurchaseModelKind::ParetoNbd => ["r", "alpha", "s", "beta"],
    }
}

/// Refuses a fit that did not converge, has a non-finite likelihood or parameters at the
/// bounds of the parameter space (see the module docs for the thresholds). `scaled` are the
/// parameters on the optimiser's scale (time rescaled so that the largest `T` is 1).
#[cfg(feature = "train")]
pub fn check_fit(
    kind: PurchaseModelKind,
    scaled: &[f64; 4],
    log_likelihood: f64,
    optimizer: &super::optimize::OptimizeReport,
) -> Result<(), ClvError> {
    if !(log_likelihood.is_finite() && optimizer.objective.is_finite()) {
        return Err(ClvError::DegenerateFit {
            model: kind.name(),
            reason: format!(
                "the log-likelihood at the optimum is not finite ({log_likelihood}); \
                 check the data for extreme customers or try a penalizer such as 0.001"
            ),
        });
    }
    if !optimizer.converged {
        return Err(ClvError::NotConverged {
            model: kind.name(),
            iterations: optimizer.iterations,
            objective: optimizer.objective,
        });
    }
    for (name, v) in param_names(kind).into_iter().zip(scaled) {
        if !(*v >= PARAM_MIN && *v <= PARAM_MAX) {
            let side = if *v < PARAM_MIN {
                format!("below {PARAM_MIN:e}")
            } else {
                format!("above {PARAM_MAX:e}")
            };
            return Err(ClvError::DegenerateFit {
                model: kind.name(),
                reason: format!(
                    "{name} = {v:e} (in time rescaled so that the longest history is 1) is {side}: \
                     the optimum is at the edge of the parameter space and the parameters mean \
                     nothing; use more data (more repeat buyers), a smaller penalizer, or \
                     another purchase model"
                ),
            });
        }
    }
    Ok(())
}

/// Checks fit inputs and returns the time scale `1 / max T` (`lifetimes`' `_scale_time`).
#[cfg(feature = "train")]
pub(crate) fn prepare_fit(customers: &[CustomerSummary], penalizer: f64) -> Result<f64, ClvError> {
    super::bgnbd::check_fit_inputs(customers, penalizer)?;
    if !customers.iter().any(|c| c.frequency > 0.0) {
        return Err(ClvError::NoRepeatBuyers {
            n_customers: customers.len(),
        });
    }
    let max_t = customers.iter().map(|c| c.t).fold(0.0, f64::max);
    if max_t <= 0.0 {
        return Err(ClvError::invalid(
            "argument",
            "t",
            "every customer has T = 0 (all first purchases on the calibration end day)",
        ));
    }
    Ok(1.0 / max_t)
}

/// Minimises `objective(params)` over log-parameters from log-start `theta0` with
/// Nelder–Mead ([`super::optimize`]); returns the parameters (not their logs) and the report.
#[cfg(feature = "train")]
pub(crate) fn minimize4<F: Fn([f64; 4]) -> f64>(
    objective: F,
    theta0: [f64; 4],
) -> ([f64; 4], super::optimize::OptimizeReport) {
    use super::optimize::{nelder_mead, NelderMeadOptions};
    use crate::math::exp;
    let f = |theta: &[f64]| -> f64 {
        match theta {
            [p, q, s, u] => objective([exp(*p), exp(*q), exp(*s), exp(*u)]),
            _ => f64::INFINITY,
        }
    };
    let (theta, report) = nelder_mead(f, &theta0, &NelderMeadOptions::default());
    let params = match theta.as_slice() {
        [p, q, s, u] => [exp(*p), exp(*q), exp(*s), exp(*u)],
        _ => [f64::NAN; 4],
    };
    (params, report)
}
