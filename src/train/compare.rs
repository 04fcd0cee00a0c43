//! `offerwise clv`'s fit and holdout comparison of the purchase models, as a value: the CLI
//! prints it (as text or JSON) and the Python package's `fit_clv` returns its JSON, so both
//! report the same fits.

use super::{clv_summaries, fit_clv_checked, TrainError};
use crate::clv::{self, ClvError, ClvModel, PurchaseModelKind, ValidationReport};
use crate::customer::Customer;

/// One purchase model of a comparison: its fit (or why it was refused) and, with a holdout,
/// its holdout report and score.
#[derive(Debug, Clone)]
pub struct ClvCandidate {
    pub kind: PurchaseModelKind,
    pub fit: Result<ClvModel, ClvError>,
    pub holdout: Option<ValidationReport>,
    pub score: Option<f64>,
}

/// What [`compare_clv`] fitted.
#[derive(Debug, Clone)]
pub struct ClvComparison {
    pub unit: clv::TimeUnit,
    pub calibration_end: i64,
    pub holdout_end: Option<i64>,
    /// Holdout length in `unit`s.
    pub holdout_duration: Option<f64>,
    /// Customers and repeat buyers in the calibration period.
    pub customers: usize,
    pub repeat_buyers: usize,
    pub penalizer: f64,
    pub candidates: Vec<ClvCandidate>,
    /// The candidate with the lowest holdout score.
    pub best: Option<PurchaseModelKind>,
}

/// Fits the purchase models on the purchases up to `calibration_end`: `kind` alone; all three
/// (compared on the holdout) when `kind` is `None` and `holdout_end` is given; or, with neither,
/// the one `offerwise train` chooses. With `holdout_end`, each fit is scored on the purchases
/// in `(calibration_end, holdout_end]`.
///
/// Errors: invalid orders, an invalid holdout end; the fit of the model `train` would choose
/// refused ([`TrainError::Clv`]). A refused candidate of a comparison is reported in its row.
pub fn compare_clv(
    customers: &[Customer],
    calibration_end: i64,
    holdout_end: Option<i64>,
    unit: clv::TimeUnit,
    penalizer: f64,
    kind: Option<PurchaseModelKind>,
) -> Result<ClvComparison, TrainError> {
    if holdout_end.is_some_and(|h| h <= calibration_end) {
        return Err(crate::Error::invalid(
            crate::error::Doc::Options,
            "holdoutEnd",
            "the holdout end must be after the calibration end",
        )
        .into());
    }
    let summaries = clv_summaries(customers, calibration_end, holdout_end, unit)?;
    let calibration: Vec<clv::CustomerSummary> = summaries.iter().map(|(s, _)| *s).collect();
    let kinds: Vec<PurchaseModelKind> = match (kind, holdout_end) {
        (Some(k), _) => vec![k],
        (None, Some(_)) => PurchaseModelKind::ALL.to_vec(),
        (None, None) => Vec::new(),
    };
    let mut fits: Vec<(PurchaseModelKind, Result<ClvModel, ClvError>)> = Vec::new();
    if kinds.is_empty() {
        let m = fit_clv_checked(customers, calibration_end, unit, penalizer, None)?;
        fits.push((m.purchase_model, Ok(m)));
    } else {
        for k in &kinds {
            fits.push((
                *k,
                clv::fit_clv_model(&calibration, *k, unit, calibration_end, penalizer),
            ));
        }
    }
    let duration = holdout_end.map(|h| clv::holdout_duration(calibration_end, h, unit));
    let holdout_customers: Vec<clv::HoldoutCustomer> = summaries
        .iter()
        .map(|(s, n)| clv::HoldoutCustomer {
            summary: *s,
            holdout_purchases: f64::from(*n),
        })
        .collect();
    let fail = |e: ClvError| TrainError::Clv {
        code: e.code().to_string(),
        message: e.to_string(),
    };
    let mut candidates = Vec::with_capacity(fits.len());
    for (kind, fit) in fits {
        let (holdout, score) = match (&fit, duration) {
            (Ok(m), Some(d)) => {
                let p = m.purchase().map_err(fail)?;
                let r = clv::validation_report(&p, &holdout_customers, d).map_err(fail)?;
                let score = clv::holdout_score(&r);
                (Some(r), Some(score))
            }
            _ => (None, None),
        };
        candidates.push(ClvCandidate {
            kind,
            fit,
            holdout,
            score,
        });
    }
    let best = candidates
        .iter()
        .filter_map(|c| c.score.map(|s| (c.kind, s)))
        .fold(
            None,
            |acc: Option<(PurchaseModelKind, f64)>, (k, s)| match acc {
                Some((_, bs)) if bs <= s => acc,
                _ => Some((k, s)),
            },
        )
        .map(|(k, _)| k);
    Ok(ClvComparison {
        unit,
        calibration_end,
        holdout_end,
        holdout_duration: duration,
        customers: calibration.len(),
        repeat_buyers: calibration.iter().filter(|c| c.frequency > 0.0).count(),
        penalizer,
        candidates,
        best,
    })
}

/// A purchase model's parameters as JSON.
pub fn purchase_params_json(p: &clv::PurchaseParams) -> serde_json::Value {
    use clv::PurchaseParams;
    match p {
        PurchaseParams::BgNbd(b) => {
            serde_json::json!({"r": b.r, "alpha": b.alpha, "a": b.a, "b": b.b})
        }
        PurchaseParams::ModifiedBgNbd(b) => {
            serde_json::json!({"r": b.r, "alpha": b.alpha, "a": b.a, "b": b.b})
        }
        PurchaseParams::ParetoNbd(p) => {
            serde_json::json!({"r": p.r, "alpha": p.alpha, "s": p.s, "beta": p.beta})
        }
    }
}

impl ClvComparison {
    /// The unit's name, `days` or `weeks`.
    pub fn unit_name(&self) -> &'static str {
        if self.unit == clv::TimeUnit::Days {
            "days"
        } else {
            "weeks"
        }
    }

    /// The comparison as `offerwise clv --json` writes it (without its `fitSeconds`).
    pub fn to_json(&self) -> serde_json::Value {
        let models: Vec<serde_json::Value> = self
            .candidates
            .iter()
            .map(|c| match &c.fit {
                Ok(m) => serde_json::json!({
                    "model": c.kind.id(),
                    "params": m.purchase().ok().map(|p| purchase_params_json(&p)),
                    "logLikelihood": m.fit.log_likelihood,
                    "iterations": m.fit.iterations,
                    "converged": m.fit.converged,
                    "selection": m.selection,
                    "gammaGamma": m.gamma_gamma.as_ref().map(|g| serde_json::json!({
                        "p": g.p, "q": g.q, "v": g.v,
                        "logLikelihood": m.fit.gamma_gamma.as_ref().map(|r| r.log_likelihood),
                        "customers": m.fit.gamma_gamma.as_ref().map(|r| r.n_customers),
                    })),
                    "holdout": c.holdout,
                    "holdoutScore": c.score,
                }),
                Err(e) => serde_json::json!({
                    "model": c.kind.id(), "converged": false,
                    "error": {"code": e.code(), "message": e.to_string()},
                }),
            })
            .collect();
        serde_json::json!({
            "timeUnit": self.unit_name(),
            "calibrationEnd": crate::time::format_instant(self.calibration_end),
            "holdoutEnd": self.holdout_end.map(crate::time::format_instant),
            "customers": self.customers,
            "repeatBuyers": self.repeat_buyers,
            "penalizer": self.penalizer,
            "holdoutMetric": self.holdout_end.map(|_| clv::HOLDOUT_METRIC),
            "bestByHoldout": self.best.map(|k| k.id()),
            "models": models,
        })
    }
}
