//! The trained CLV model as stored in the model JSON file, prediction for one customer,
//! and (with the `train` feature) fitting, holdout validation and the choice of purchase
//! model.
//!
//! # Choosing the purchase model ([`select_purchase_model`])
//!
//! The calibration data are split in time: the **holdout** is the last third of the span
//! from the first purchase to the calibration end (whole days, [`holdout_split`]); the
//! three models are fitted on the purchases before it and predict each customer's purchase
//! days in it. The **score** is the customer-weighted mean absolute error of the mean
//! predicted vs actual holdout purchases per calibration-frequency group (0, 1, …, 6, 7+,
//! the rows of [`ValidationReport::by_frequency`]):
//! `Σ_g n_g · |mean predicted_g − mean actual_g| / N`. It rewards a model that is right for
//! each kind of customer — one-time buyers included — rather than one dominated by a few
//! heavy buyers (as a per-customer squared error is). The lowest score wins; ties go to
//! the order BG/NBD, MBG/NBD, Pareto/NBD. Candidates whose fit is refused (degenerate, not
//! converged, too few repeat buyers) are recorded with their error and not chosen. The
//! chosen model is then refitted on all data up to the calibration end. If no candidate
//! could be scored the choice falls back to MBG/NBD (it handles one-time buyers and nests
//! BG/NBD's behaviour for repeat buyers), and the reason says so.

use serde::{Deserialize, Serialize};

use super::bgnbd::BgNbdParams;
use super::error::ClvError;
use super::gamma_gamma::GammaGammaParams;
use super::mbgnbd::MbgNbdParams;
use super::pareto::ParetoNbdParams;
use super::purchase::{PurchaseModelKind, PurchaseParams};
use super::summary::{CustomerSummary, TimeUnit};
#[cfg(feature = "data")]
use super::value::clv_and_expected_purchases;
use super::value::clv_with_order_value;

/// A fitted purchase model (BG/NBD, MBG/NBD or Pareto/NBD) + Gamma-Gamma, with its fit
/// report.
///
/// In JSON, `purchaseModel` names the purchase model (`bgnbd`, `mbgnbd`, `pareto-nbd`) and
/// the parameters are under the field of that name (`bgnbd`, `mbgnbd`, `paretoNbd`). Model
/// files written before there was a choice have only `bgnbd` and no `purchaseModel`; they
/// load as BG/NBD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClvModel {
    /// Unit of recency, `T`, `alpha`/`beta` and of [`ClvOptions::horizon_periods`].
    pub time_unit: TimeUnit,
    /// Which purchase / drop-out model the predictions use.
    #[serde(default = "bgnbd_kind")]
    pub purchase_model: PurchaseModelKind,
    /// BG/NBD parameters (when `purchase_model` is `bgnbd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgnbd: Option<BgNbdParams>,
    /// MBG/NBD parameters (when `purchase_model` is `mbgnbd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mbgnbd: Option<MbgNbdParams>,
    /// Pareto/NBD parameters (when `purchase_model` is `pareto-nbd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pareto_nbd: Option<ParetoNbdParams>,
    /// Spend model; `None` when every repeat buyer had a monetary value of 0 (transactions
    /// without amounts), in which case predictions have no order value and no CLV.
    pub gamma_gamma: Option<GammaGammaParams>,
    /// How the model was fitted.
    pub fit: FitReport,
    /// How the purchase model was chosen (absent in model files from before the choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<ModelSelection>,
}

fn bgnbd_kind() -> PurchaseModelKind {
    PurchaseModelKind::BgNbd
}

/// How the purchase model of a [`ClvModel`] was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelSelection {
    /// `"holdout"` (compared on a calibration/holdout split) or `"fixed"` (named by the
    /// caller, e.g. `offerwise train --clv-model`).
    pub method: String,
    /// Why this model, in words.
    pub reason: String,
    /// The score, in words (holdout only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// End of the calibration part of the split (epoch ms; holdout only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_end_ms: Option<i64>,
    /// End of the holdout part of the split (epoch ms; holdout only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_end_ms: Option<i64>,
    /// Every candidate with its holdout score or why it was refused.
    #[serde(default)]
    pub candidates: Vec<CandidateScore>,
}

/// One candidate of a holdout comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateScore {
    /// The purchase model.
    pub model: PurchaseModelKind,
    /// The holdout score (see the module docs; lower is better); `None` when refused.
    pub score: Option<f64>,
    /// Calibration log-likelihood; `None` when refused.
    pub log_likelihood: Option<f64>,
    /// Predicted holdout purchases, all customers; `None` when refused.
    pub total_predicted: Option<f64>,
    /// Actual holdout purchases, all customers.
    pub total_actual: f64,
    /// Why the fit was refused (`code: message`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How a [`ClvModel`] was fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FitReport {
    /// Purchase model's total log-likelihood (unpenalised, in `time_unit`).
    pub log_likelihood: f64,
    /// Purchase model's optimiser iterations.
    pub iterations: u32,
    /// Whether the purchase model's optimiser met its tolerances and the fit passed the
    /// degeneracy checks (`fit_clv` fails otherwise, so a stored model always says `true`).
    pub converged: bool,
    /// Final purchase-model objective in `lifetimes`' convention for that model (penalised
    /// mean negative log-likelihood for BG/NBD and MBG/NBD, total for Pareto/NBD; rescaled
    /// time).
    pub objective: f64,
    /// Customers in the calibration data.
    pub n_customers: usize,
    /// Customers with at least one repeat purchase.
    pub n_repeat_buyers: usize,
    /// End of the calibration period (epoch ms).
    pub calibration_end_ms: i64,
    /// L2 penalty coefficient used for both models.
    pub penalizer: f64,
    /// Gamma-Gamma fit, when fitted.
    pub gamma_gamma: Option<GammaGammaReport>,
}

/// How the Gamma-Gamma part was fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaGammaReport {
    /// Total log-likelihood (unpenalised) over the customers used.
    pub log_likelihood: f64,
    /// Optimiser iterations.
    pub iterations: u32,
    /// Whether the optimiser met its tolerances.
    pub converged: bool,
    /// Final objective (penalised mean negative log-likelihood).
    pub objective: f64,
    /// Repeat buyers used.
    pub n_customers: usize,
    /// Repeat buyers left out because their monetary value is 0.
    pub n_zero_value: usize,
}

/// What to predict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClvOptions {
    /// Horizon of [`ClvPrediction::expected_purchases`], in the model's time unit.
    pub horizon_periods: f64,
    /// CLV horizon in months (see [`super::value`] for the month length).
    pub clv_months: u32,
    /// Profit margin applied to the expected order value (fraction, e.g. 0.3).
    pub margin: f64,
    /// Monthly discount rate (fraction, e.g. 0.01).
    pub monthly_discount_rate: f64,
}

/// Predictions for one customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClvPrediction {
    /// Probability that the customer is still active.
    pub p_alive: f64,
    /// `1 − p_alive`.
    pub churn_risk: f64,
    /// The purchase model that made the prediction.
    pub purchase_model: PurchaseModelKind,
    /// Expected repeat purchases in the next `horizon_periods`.
    pub expected_purchases: f64,
    /// Expected spend per future purchase (Gamma-Gamma), when the model has one.
    pub expected_order_value: Option<f64>,
    /// Discounted margin over `clv_months`, when the model has a spend model.
    pub clv: Option<f64>,
}

impl ClvModel {
    /// The purchase model's parameters (the field named by `purchase_model`).
    ///
    /// Errors: `clv.invalid_params` when that field is missing (a hand-edited model file).
    pub fn purchase(&self) -> Result<PurchaseParams, ClvError> {
        let missing = || ClvError::InvalidParams {
            model: self.purchase_model.name(),
            reason: format!(
                "purchaseModel is {:?} but the {:?} parameters are missing; retrain the model",
                self.purchase_model.id(),
                match self.purchase_model {
                    PurchaseModelKind::BgNbd => "bgnbd",
                    PurchaseModelKind::ModifiedBgNbd => "mbgnbd",
                    PurchaseModelKind::ParetoNbd => "paretoNbd",
                }
            ),
        };
        match self.purchase_model {
            PurchaseModelKind::BgNbd => self.bgnbd.map(PurchaseParams::BgNbd),
            PurchaseModelKind::ModifiedBgNbd => self.mbgnbd.map(PurchaseParams::ModifiedBgNbd),
            PurchaseModelKind::ParetoNbd => self.pareto_nbd.map(PurchaseParams::ParetoNbd),
        }
        .ok_or_else(missing)
    }

    /// A model with `purchase` as its purchase model (the matching field set, the others
    /// `None`) and no selection record.
    pub fn new(
        time_unit: TimeUnit,
        purchase: PurchaseParams,
        gamma_gamma: Option<GammaGammaParams>,
        fit: FitReport,
    ) -> Self {
        let mut m = ClvModel {
            time_unit,
            purchase_model: purchase.kind(),
            bgnbd: None,
            mbgnbd: None,
            pareto_nbd: None,
            gamma_gamma,
            fit,
            selection: None,
        };
        match purchase {
            PurchaseParams::BgNbd(p) => m.bgnbd = Some(p),
            PurchaseParams::ModifiedBgNbd(p) => m.mbgnbd = Some(p),
            PurchaseParams::ParetoNbd(p) => m.pareto_nbd = Some(p),
        }
        m
    }

    /// Checks the parameters (e.g. after loading a model file).
    pub fn validate(&self) -> Result<(), ClvError> {
        self.purchase()?.validate()?;
        if let Some(gg) = &self.gamma_gamma {
            gg.population_mean()?;
        }
        Ok(())
    }

    /// Predicts for one customer's calibration summary.
    ///
    /// Errors: invalid summary (`clv.invalid_input`, field named), invalid options,
    /// invalid parameters, numerical failure.
    pub fn predict(
        &self,
        summary: &CustomerSummary,
        opts: &ClvOptions,
    ) -> Result<ClvPrediction, ClvError> {
        summary.validate("customer")?;
        let (x, t_x, t) = (summary.frequency, summary.recency, summary.t);
        if !(opts.horizon_periods.is_finite() && opts.horizon_periods >= 0.0) {
            return Err(ClvError::invalid(
                "options",
                "horizon_periods",
                format!("{} must be a finite number ≥ 0", opts.horizon_periods),
            ));
        }
        let purchase = self.purchase()?;
        let p_alive = purchase.p_alive(x, t_x, t)?;
        // The expected purchases over the horizon join the CLV's monthly ones in one batch
        // (same bits); on any error the calls below are made one by one, so that the error
        // is theirs. Not in the storefront (no `data` feature), which keeps the smaller code.
        #[cfg(feature = "data")]
        let together = self.gamma_gamma.as_ref().and_then(|gg| {
            let eov = gg.expected_order_value(x, summary.monetary_value).ok()?;
            let (expected_purchases, clv) = clv_and_expected_purchases(
                &purchase,
                opts.horizon_periods,
                eov,
                summary,
                self.time_unit,
                opts.clv_months,
                opts.margin,
                opts.monthly_discount_rate,
            )
            .ok()?;
            Some((expected_purchases, eov, clv))
        });
        #[cfg(feature = "data")]
        if let Some((expected_purchases, eov, clv)) = together {
            return Ok(ClvPrediction {
                p_alive,
                churn_risk: 1.0 - p_alive,
                purchase_model: purchase.kind(),
                expected_purchases,
                expected_order_value: Some(eov),
                clv: Some(clv),
            });
        }
        let expected_purchases = purchase.expected_purchases(opts.horizon_periods, x, t_x, t)?;
        let (expected_order_value, clv) = match &self.gamma_gamma {
            Some(gg) => {
                let eov = gg.expected_order_value(x, summary.monetary_value)?;
                let clv = clv_with_order_value(
                    &purchase,
                    eov,
                    summary,
                    self.time_unit,
                    opts.clv_months,
                    opts.margin,
                    opts.monthly_discount_rate,
                )?;
                (Some(eov), Some(clv))
            }
            None => (None, None),
        };
        Ok(ClvPrediction {
            p_alive,
            churn_risk: 1.0 - p_alive,
            purchase_model: purchase.kind(),
            expected_purchases,
            expected_order_value,
            clv,
        })
    }
}

/// Fits BG/NBD on all customers and Gamma-Gamma on the repeat buyers: [`fit_clv_model`] with
/// [`PurchaseModelKind::BgNbd`].
#[cfg(feature = "train")]
pub fn fit_clv(
    summaries: &[CustomerSummary],
    time_unit: TimeUnit,
    calibration_end_ms: i64,
    penalizer: f64,
) -> Result<ClvModel, ClvError> {
    fit_clv_model(
        summaries,
        PurchaseModelKind::BgNbd,
        time_unit,
        calibration_end_ms,
        penalizer,
    )
}

/// Fits the purchase model `kind` on all customers ([`super::purchase::fit_purchase_model`],
/// which refuses degenerate fits) and Gamma-Gamma on the repeat buyers
/// ([`super::gamma_gamma::fit_gamma_gamma`]), with the same L2 `penalizer` for both
/// (`lifetimes`' `penalizer_coef`; 0 for none). The result has no selection record.
///
/// The summaries must be in `time_unit` and computed up to `calibration_end_ms` (recorded
/// in the report). If every repeat buyer has a monetary value of 0 the model has no
/// Gamma-Gamma part (`gamma_gamma: None`) instead of failing.
///
/// Errors: empty input, invalid summaries (customer index named), no or too few repeat
/// buyers, either optimiser not converging (`clv.not_converged`), a degenerate purchase
/// fit, a Gamma-Gamma fit with `p` or `q` outside `[1e-4, 1e4]` or a non-finite
/// log-likelihood, or with `q ≤ 1` (`clv.degenerate_fit`: no finite mean spend).
#[cfg(feature = "train")]
pub fn fit_clv_model(
    summaries: &[CustomerSummary],
    kind: PurchaseModelKind,
    time_unit: TimeUnit,
    calibration_end_ms: i64,
    penalizer: f64,
) -> Result<ClvModel, ClvError> {
    use super::gamma_gamma::fit_gamma_gamma;
    use super::purchase::fit_purchase_model;

    let pf = fit_purchase_model(kind, summaries, penalizer)?;
    let (gamma_gamma, gg_report) = match fit_gamma_gamma(summaries, penalizer) {
        Ok(gg) => {
            if !gg.optimizer.converged {
                return Err(ClvError::NotConverged {
                    model: "Gamma-Gamma",
                    iterations: gg.optimizer.iterations,
                    objective: gg.optimizer.objective,
                });
            }
            let (p, q) = (gg.params.p, gg.params.q);
            let bounds = super::purchase::PARAM_MIN..=super::purchase::PARAM_MAX;
            if !(gg.log_likelihood.is_finite() && bounds.contains(&p) && bounds.contains(&q)) {
                return Err(ClvError::DegenerateFit {
                    model: "Gamma-Gamma",
                    reason: format!(
                        "p = {p:e}, q = {q:e} (log-likelihood {}): a shape parameter is outside \
                         [{:e}, {:e}], the edge of the parameter space; check the monetary values \
                         or use more repeat buyers",
                        gg.log_likelihood,
                        super::purchase::PARAM_MIN,
                        super::purchase::PARAM_MAX
                    ),
                });
            }
            if gg.params.q <= 1.0 {
                return Err(ClvError::DegenerateFit {
                    model: "Gamma-Gamma",
                    reason: format!(
                        "fitted q = {} ≤ 1, so the mean spend v·p/(q−1) is undefined; \
                         try a larger penalizer or check the monetary values for outliers",
                        gg.params.q
                    ),
                });
            }
            let report = GammaGammaReport {
                log_likelihood: gg.log_likelihood,
                iterations: gg.optimizer.iterations,
                converged: gg.optimizer.converged,
                objective: gg.optimizer.objective,
                n_customers: gg.n_used,
                n_zero_value: gg.n_zero_value,
            };
            (Some(gg.params), Some(report))
        }
        Err(ClvError::AllZeroValues { .. }) => (None, None),
        Err(e) => return Err(e),
    };
    Ok(ClvModel::new(
        time_unit,
        pf.params,
        gamma_gamma,
        FitReport {
            log_likelihood: pf.log_likelihood,
            iterations: pf.optimizer.iterations,
            converged: pf.optimizer.converged,
            objective: pf.optimizer.objective,
            n_customers: summaries.len(),
            n_repeat_buyers: pf.n_repeat_buyers,
            calibration_end_ms,
            penalizer,
            gamma_gamma: gg_report,
        },
    ))
}

/// The holdout split used to choose a purchase model for data whose first purchase is at
/// `first_purchase_ms` and whose calibration ends at `end_ms`: `(split_ms, end_ms)` where
/// the holdout `(split_ms, end_ms]` is the last third of the span, in whole days. `None`
/// when the span is shorter than 3 days (no holdout possible).
pub fn holdout_split(first_purchase_ms: i64, end_ms: i64) -> Option<(i64, i64)> {
    use super::summary::DAY_MS;
    let span_days = end_ms.checked_sub(first_purchase_ms)? / DAY_MS;
    let holdout_days = span_days / 3;
    if holdout_days < 1 {
        return None;
    }
    Some((
        end_ms.checked_sub(holdout_days.checked_mul(DAY_MS)?)?,
        end_ms,
    ))
}

/// The holdout score of predictions (see the module docs): customer-weighted mean absolute
/// error of the per-frequency-group means, `Σ_g |Σ predicted_g − Σ actual_g| / N`.
pub fn holdout_score(report: &ValidationReport) -> f64 {
    let n = report.n_customers.max(1) as f64;
    report
        .by_frequency
        .iter()
        .map(|r| match (r.mean_predicted, r.mean_actual) {
            (Some(p), Some(a)) => r.customers as f64 * (p - a).abs(),
            _ => 0.0,
        })
        .sum::<f64>()
        / n
}

/// Fits each of `candidates` on the calibration part of `holdout` and scores its predictions
/// over `holdout_duration` (see the module docs). Returns the candidates in the given order
/// with their scores (refused fits with their error) and the best one, if any could be
/// scored (lowest score, ties to the earlier candidate).
///
/// Errors: only an empty `holdout` (`clv.empty_input`); a candidate whose fit or scoring
/// fails (including data it cannot use, e.g. every `T = 0` before the split) is recorded
/// with its error, not returned as one.
#[cfg(feature = "train")]
pub fn compare_purchase_models(
    candidates: &[PurchaseModelKind],
    holdout: &[HoldoutCustomer],
    holdout_duration: f64,
    penalizer: f64,
) -> Result<(Vec<CandidateScore>, Option<PurchaseModelKind>), ClvError> {
    use super::purchase::fit_purchase_model;
    if holdout.is_empty() {
        return Err(ClvError::EmptyInput {
            what: "holdout customers",
            hint: "the model comparison needs customers with a purchase before the holdout",
        });
    }
    let calibration: Vec<CustomerSummary> = holdout.iter().map(|c| c.summary).collect();
    let total_actual: f64 = holdout.iter().map(|c| c.holdout_purchases).sum();
    let mut scores = Vec::with_capacity(candidates.len());
    let mut best: Option<(PurchaseModelKind, f64)> = None;
    for &kind in candidates {
        let scored = fit_purchase_model(kind, &calibration, penalizer).and_then(|fit| {
            let report = validation_report(&fit.params, holdout, holdout_duration)?;
            Ok((fit, report))
        });
        match scored {
            Ok((fit, report)) => {
                let score = holdout_score(&report);
                if best.is_none_or(|(_, s)| score < s) {
                    best = Some((kind, score));
                }
                scores.push(CandidateScore {
                    model: kind,
                    score: Some(score),
                    log_likelihood: Some(fit.log_likelihood),
                    total_predicted: Some(report.total_predicted),
                    total_actual,
                    error: None,
                });
            }
            Err(e) => scores.push(CandidateScore {
                model: kind,
                score: None,
                log_likelihood: None,
                total_predicted: None,
                total_actual,
                error: Some(format!("{}: {e}", e.code())),
            }),
        }
    }
    Ok((scores, best.map(|(k, _)| k)))
}

/// Words for [`ModelSelection::metric`].
pub const HOLDOUT_METRIC: &str = "customer-weighted mean absolute error of mean predicted vs \
     actual holdout purchases per calibration-frequency group (0..6, 7+); lower is better";

/// Chooses the purchase model by holdout performance and fits it on all of `full` (see the
/// module docs): `holdout` are the summaries up to `split_ms` with the purchases in
/// `(split_ms, calibration_end_ms]`, `full` the summaries up to `calibration_end_ms`. With
/// `fixed = Some(kind)` no comparison is made and `kind` is fitted.
///
/// If the winner's refit on all data is refused, the next-best scored candidate is tried.
///
/// Errors: those of [`fit_clv_model`] for the model finally fitted (with every candidate
/// refused, the error of the last one tried).
#[cfg(feature = "train")]
pub fn select_and_fit_clv(
    full: &[CustomerSummary],
    holdout: Option<(&[HoldoutCustomer], i64)>,
    fixed: Option<PurchaseModelKind>,
    time_unit: TimeUnit,
    calibration_end_ms: i64,
    penalizer: f64,
) -> Result<ClvModel, ClvError> {
    if let Some(kind) = fixed {
        let mut m = fit_clv_model(full, kind, time_unit, calibration_end_ms, penalizer)?;
        m.selection = Some(ModelSelection {
            method: "fixed".into(),
            reason: format!("{} was named by the caller", kind.name()),
            metric: None,
            calibration_end_ms: None,
            holdout_end_ms: None,
            candidates: Vec::new(),
        });
        return Ok(m);
    }
    let fallback = PurchaseModelKind::ModifiedBgNbd;
    let (candidates, order, reason_base, split) = match holdout {
        Some((rows, split_ms)) if !rows.is_empty() => {
            let duration =
                super::summary::holdout_duration(split_ms, calibration_end_ms, time_unit);
            let (scores, best) =
                compare_purchase_models(&PurchaseModelKind::ALL, rows, duration, penalizer)?;
            let mut ranked: Vec<&CandidateScore> =
                scores.iter().filter(|c| c.score.is_some()).collect();
            ranked.sort_by(|a, b| {
                a.score
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.score.unwrap_or(f64::INFINITY))
                    .then(a.model.cmp(&b.model))
            });
            let mut order: Vec<PurchaseModelKind> = ranked.iter().map(|c| c.model).collect();
            let reason = match best {
                Some(k) => format!(
                    "{} had the lowest holdout score ({:.4})",
                    k.name(),
                    ranked.first().and_then(|c| c.score).unwrap_or(f64::NAN)
                ),
                None => format!(
                    "no candidate could be fitted on the calibration part of the split; {} is \
                     the default",
                    fallback.name()
                ),
            };
            if order.is_empty() {
                order.push(fallback);
            }
            (scores, order, reason, Some((split_ms, calibration_end_ms)))
        }
        _ => (
            Vec::new(),
            vec![fallback],
            format!(
                "the data span less than 3 days, so there is no holdout to compare on; {} is \
                 the default",
                fallback.name()
            ),
            None,
        ),
    };
    let mut last_err = None;
    let mut skipped: Vec<String> = Vec::new();
    for kind in order {
        match fit_clv_model(full, kind, time_unit, calibration_end_ms, penalizer) {
            Ok(mut m) => {
                let reason = if skipped.is_empty() {
                    reason_base
                } else {
                    format!(
                        "{reason_base}, but its refit on all data was refused ({}); {} is the \
                         best remaining candidate",
                        skipped.join("; "),
                        kind.name()
                    )
                };
                m.selection = Some(ModelSelection {
                    method: "holdout".into(),
                    reason,
                    metric: split.map(|_| HOLDOUT_METRIC.to_string()),
                    calibration_end_ms: split.map(|s| s.0),
                    holdout_end_ms: split.map(|s| s.1),
                    candidates,
                });
                return Ok(m);
            }
            Err(e) => {
                skipped.push(format!("{}: {}", kind.name(), e));
                last_err = Some(e);
            }
        }
    }
    Err(last_err.unwrap_or(ClvError::EmptyInput {
        what: "purchase model candidates",
        hint: "no purchase model could be tried",
    }))
}

/// A customer's calibration summary with the purchases seen in the holdout period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldoutCustomer {
    /// Calibration-period summary.
    pub summary: CustomerSummary,
    /// Repeat purchase days observed in the holdout period.
    pub holdout_purchases: f64,
}

/// Predicted vs actual holdout purchases (see `validation_report`, feature `train`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// Customers compared.
    pub n_customers: usize,
    /// Holdout length in the model's time unit.
    pub holdout_duration: f64,
    /// Pearson correlation of predicted and actual per customer (`None` if undefined:
    /// fewer than 2 customers or no variation).
    pub correlation: Option<f64>,
    /// Sum of predicted holdout purchases.
    pub total_predicted: f64,
    /// Sum of actual holdout purchases.
    pub total_actual: f64,
    /// Means by number of calibration repeat purchases: 0, 1, …, 6 and 7+.
    pub by_frequency: Vec<ValidationRow>,
}

/// One row of [`ValidationReport::by_frequency`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRow {
    /// `"0"`, …, `"6"`, `"7+"`.
    pub frequency: String,
    /// Customers in the row.
    pub customers: usize,
    /// Mean predicted holdout purchases (`None` for an empty row).
    pub mean_predicted: Option<f64>,
    /// Mean actual holdout purchases (`None` for an empty row).
    pub mean_actual: Option<f64>,
}

/// Number of single-frequency rows in [`ValidationReport::by_frequency`] before the
/// pooled `7+` row.
pub const VALIDATION_ROWS: usize = 7;

/// Compares a purchase model's predictions over the holdout period with what customers actually did,
/// like `lifetimes`' `plot_calibration_purchases_vs_holdout_purchases` (which shows the
/// mean per calibration frequency 0–6; here 7 and above are pooled into a `7+` row) plus a
/// per-customer Pearson correlation and totals.
///
/// Errors: empty input, invalid summaries (customer index named), holdout purchases or
/// duration not finite / negative.
#[cfg(feature = "train")]
pub fn validation_report(
    purchase: &PurchaseParams,
    customers: &[HoldoutCustomer],
    holdout_duration: f64,
) -> Result<ValidationReport, ClvError> {
    if customers.is_empty() {
        return Err(ClvError::EmptyInput {
            what: "holdout customers",
            hint: "validation needs customers with a calibration summary",
        });
    }
    if !(holdout_duration.is_finite() && holdout_duration >= 0.0) {
        return Err(ClvError::invalid(
            "argument",
            "holdout_duration",
            format!("{holdout_duration} must be a finite number ≥ 0"),
        ));
    }
    let mut pairs = Vec::with_capacity(customers.len());
    // (count, Σ predicted, Σ actual) per row.
    let mut rows = [(0usize, 0.0f64, 0.0f64); VALIDATION_ROWS + 1];
    for (i, c) in customers.iter().enumerate() {
        let at = format!("customer #{i}");
        c.summary.validate(&at)?;
        if !(c.holdout_purchases.is_finite() && c.holdout_purchases >= 0.0) {
            return Err(ClvError::invalid(
                at,
                "holdout_purchases",
                format!("{} must be a finite number ≥ 0", c.holdout_purchases),
            ));
        }
        let s = &c.summary;
        let predicted =
            purchase.expected_purchases(holdout_duration, s.frequency, s.recency, s.t)?;
        pairs.push((predicted, c.holdout_purchases));
        let row = (s.frequency as usize).min(VALIDATION_ROWS);
        if let Some(r) = rows.get_mut(row) {
            r.0 += 1;
            r.1 += predicted;
            r.2 += c.holdout_purchases;
        }
    }
    let n = pairs.len() as f64;
    let total_predicted: f64 = pairs.iter().map(|p| p.0).sum();
    let total_actual: f64 = pairs.iter().map(|p| p.1).sum();
    let (mp, ma) = (total_predicted / n, total_actual / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (p, a) in &pairs {
        sxy += (p - mp) * (a - ma);
        sxx += (p - mp) * (p - mp);
        syy += (a - ma) * (a - ma);
    }
    let correlation = if pairs.len() >= 2 && sxx > 0.0 && syy > 0.0 {
        Some(sxy / (sxx * syy).sqrt())
    } else {
        None
    };
    let by_frequency = rows
        .iter()
        .enumerate()
        .map(|(i, (count, sp, sa))| ValidationRow {
            frequency: if i < VALIDATION_ROWS {
                i.to_string()
            } else {
                format!("{VALIDATION_ROWS}+")
            },
            customers: *count,
            mean_predicted: (*count > 0).then(|| sp / *count as f64),
            mean_actual: (*count > 0).then(|| sa / *count as f64),
        })
        .collect();
    Ok(ValidationReport {
        n_customers: customers.len(),
        holdout_duration,
        correlation,
        total_predicted,
        total_actual,
        by_frequency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BG: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    fn model() -> ClvModel {
        ClvModel::new(
            TimeUnit::Weeks,
            PurchaseParams::BgNbd(BG),
            Some(GammaGammaParams {
                p: 6.25,
                q: 3.74,
                v: 15.44,
            }),
            FitReport {
                log_likelihood: -9582.4,
                iterations: 1,
                converged: true,
                objective: 4.0,
                n_customers: 2357,
                n_repeat_buyers: 946,
                calibration_end_ms: 875_577_600_000,
                penalizer: 0.0,
                gamma_gamma: None,
            },
        )
    }

    const OPTS: ClvOptions = ClvOptions {
        horizon_periods: 39.0,
        clv_months: 12,
        margin: 0.3,
        monthly_discount_rate: 0.01,
    };

    #[test]
    fn predict_and_json_round_trip() {
        let m = model();
        let s = CustomerSummary {
            frequency: 2.0,
            recency: 30.43,
            t: 38.86,
            monetary_value: 22.35,
        };
        let p = m.predict(&s, &OPTS).unwrap();
        assert!(p.p_alive > 0.0 && p.p_alive < 1.0);
        assert!(p.expected_purchases > 0.0);
        assert!(p.expected_order_value.unwrap() > 22.35);
        assert!(p.clv.unwrap() > 0.0);
        let json = serde_json::to_string(&m).unwrap();
        assert!(
            json.contains("\"timeUnit\":\"weeks\"") && json.contains("\"gammaGamma\""),
            "{json}"
        );
        assert!(json.contains("\"calibrationEndMs\""), "{json}");
        let back: ClvModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let pj = serde_json::to_string(&p).unwrap();
        assert!(
            pj.contains("pAlive") && pj.contains("expectedOrderValue"),
            "{pj}"
        );
        // Without a spend model there is no order value and no CLV.
        let no_gg = ClvModel {
            gamma_gamma: None,
            ..m
        };
        let p2 = no_gg.predict(&s, &OPTS).unwrap();
        assert_eq!((p2.expected_order_value, p2.clv), (None, None));
        assert_eq!(p2.expected_purchases, p.expected_purchases);
    }

    #[test]
    fn predict_rejects_bad_summary_and_options() {
        let m = model();
        let bad = CustomerSummary {
            frequency: 1.0,
            recency: 40.0,
            t: 39.0,
            monetary_value: 1.0,
        };
        let e = m.predict(&bad, &OPTS).unwrap_err();
        assert_eq!(e.code(), "clv.invalid_input");
        assert!(e.to_string().contains("recency"), "{e}");
        let ok = CustomerSummary {
            recency: 1.0,
            ..bad
        };
        let e = m
            .predict(
                &ok,
                &ClvOptions {
                    horizon_periods: -1.0,
                    ..OPTS
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("horizon_periods"), "{e}");
    }

    /// A small deterministic population with some repeat buyers.
    #[cfg(feature = "train")]
    fn population(monetary: f64) -> Vec<CustomerSummary> {
        (0..200)
            .map(|i| {
                let t = 20.0 + f64::from(i % 20);
                let x = f64::from((i * 7) % 5) * f64::from(u8::from(i % 3 != 0));
                let recency = if x > 0.0 {
                    t * f64::from((i * 13) % 10 + 1) / 10.0
                } else {
                    0.0
                };
                CustomerSummary {
                    frequency: x,
                    recency,
                    t,
                    monetary_value: if x > 0.0 {
                        monetary * (1.0 + f64::from(i % 4))
                    } else {
                        0.0
                    },
                }
            })
            .collect()
    }

    #[cfg(feature = "train")]
    #[test]
    fn fit_clv_without_amounts_has_no_spend_model() {
        let data = population(0.0);
        // This population has its BG/NBD optimum at the boundary (a, b → ∞): without a
        // penalty the fit does not converge, and says so.
        let e = fit_clv(&data, TimeUnit::Days, 0, 0.0).unwrap_err();
        assert_eq!(e.code(), "clv.not_converged");
        assert!(e.to_string().contains("penalizer"), "{e}");
        let m = fit_clv(&data, TimeUnit::Days, 0, 0.001).unwrap();
        assert!(m.fit.converged && m.gamma_gamma.is_none() && m.fit.gamma_gamma.is_none());
        let p = m.predict(&data[1], &OPTS).unwrap();
        assert_eq!((p.expected_order_value, p.clv), (None, None));
        let with_amounts = fit_clv(&population(10.0), TimeUnit::Days, 0, 0.001).unwrap();
        assert!(with_amounts.gamma_gamma.is_some());
        assert_eq!(
            fit_clv(&data[..0], TimeUnit::Days, 0, 0.0)
                .unwrap_err()
                .code(),
            "clv.empty_input"
        );
    }

    #[cfg(feature = "train")]
    #[test]
    fn validation_report_rows_and_totals() {
        let c = |f: f64, h: f64| HoldoutCustomer {
            summary: CustomerSummary {
                frequency: f,
                recency: if f > 0.0 { 10.0 } else { 0.0 },
                t: 20.0,
                monetary_value: 0.0,
            },
            holdout_purchases: h,
        };
        let data = [
            c(0.0, 0.0),
            c(0.0, 1.0),
            c(2.0, 1.0),
            c(9.0, 4.0),
            c(12.0, 5.0),
        ];
        let r = validation_report(&PurchaseParams::BgNbd(BG), &data, 20.0).unwrap();
        assert_eq!(r.n_customers, 5);
        assert_eq!(r.total_actual, 11.0);
        assert_eq!(r.by_frequency.len(), 8);
        assert_eq!(r.by_frequency[0].customers, 2);
        assert_eq!(r.by_frequency[0].mean_actual, Some(0.5));
        assert_eq!(r.by_frequency[1].mean_actual, None);
        assert_eq!(r.by_frequency[7].frequency, "7+");
        assert_eq!(r.by_frequency[7].customers, 2);
        let c0 = BG.expected_purchases(20.0, 0.0, 0.0, 20.0).unwrap();
        assert!((r.by_frequency[0].mean_predicted.unwrap() - c0).abs() < 1e-15);
        // Pearson correlation, computed independently.
        let pred: Vec<f64> = data
            .iter()
            .map(|c| {
                let s = c.summary;
                BG.expected_purchases(20.0, s.frequency, s.recency, s.t)
                    .unwrap()
            })
            .collect();
        let act: Vec<f64> = data.iter().map(|c| c.holdout_purchases).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (mp, ma) = (mean(&pred), mean(&act));
        let cov: f64 = pred
            .iter()
            .zip(&act)
            .map(|(p, a)| (p - mp) * (a - ma))
            .sum();
        let sp: f64 = pred.iter().map(|p| (p - mp) * (p - mp)).sum();
        let sa: f64 = act.iter().map(|a| (a - ma) * (a - ma)).sum();
        let want = cov / (sp * sa).sqrt();
        assert!((r.correlation.unwrap() - want).abs() < 1e-12);
        assert!((r.total_predicted - pred.iter().sum::<f64>()).abs() < 1e-12);
        assert_eq!(
            validation_report(&PurchaseParams::BgNbd(BG), &[], 1.0)
                .unwrap_err()
                .code(),
            "clv.empty_input"
        );
    }

    #[test]
    fn holdout_split_is_the_last_third_in_whole_days() {
        use crate::clv::summary::DAY_MS;
        let first = 10 * DAY_MS + 5;
        // 546 days (CDNOW: 1997-01-01 to 1998-07-01) -> 182-day holdout.
        let end = first + 546 * DAY_MS;
        assert_eq!(holdout_split(first, end), Some((end - 182 * DAY_MS, end)));
        // 8 days -> 2; under 3 days -> none; end before first -> none.
        assert_eq!(
            holdout_split(first, first + 8 * DAY_MS),
            Some((first + 6 * DAY_MS, first + 8 * DAY_MS))
        );
        assert_eq!(holdout_split(first, first + 2 * DAY_MS + 7), None);
        assert_eq!(holdout_split(first, first - 1), None);
        assert_eq!(holdout_split(i64::MIN, i64::MAX), None);
    }

    #[test]
    fn holdout_score_weights_group_errors_by_customers() {
        let row = |f: &str, n: usize, p: Option<f64>, a: Option<f64>| ValidationRow {
            frequency: f.into(),
            customers: n,
            mean_predicted: p,
            mean_actual: a,
        };
        let r = ValidationReport {
            n_customers: 4,
            holdout_duration: 1.0,
            correlation: None,
            total_predicted: 0.0,
            total_actual: 0.0,
            by_frequency: vec![
                row("0", 3, Some(0.5), Some(0.25)),
                row("1", 1, Some(1.0), Some(2.0)),
                row("2", 0, None, None),
            ],
        };
        assert!((holdout_score(&r) - (3.0 * 0.25 + 1.0) / 4.0).abs() < 1e-15);
    }

    #[cfg(feature = "train")]
    #[test]
    fn selection_records_candidates_and_falls_back() {
        let data = population(10.0);
        let holdout: Vec<HoldoutCustomer> = data
            .iter()
            .enumerate()
            .map(|(i, s)| HoldoutCustomer {
                summary: *s,
                holdout_purchases: f64::from(u8::try_from(i % 3).unwrap_or(0)),
            })
            .collect();
        let m = select_and_fit_clv(&data, Some((&holdout, -5)), None, TimeUnit::Days, 0, 0.001)
            .unwrap();
        let sel = m.selection.as_ref().unwrap();
        assert_eq!(sel.method, "holdout");
        assert_eq!(sel.candidates.len(), 3);
        assert_eq!(
            (sel.calibration_end_ms, sel.holdout_end_ms),
            (Some(-5), Some(0))
        );
        let scored: Vec<_> = sel
            .candidates
            .iter()
            .filter(|c| c.score.is_some())
            .collect();
        let best = scored
            .iter()
            .min_by(|a, b| a.score.unwrap().total_cmp(&b.score.unwrap()))
            .unwrap();
        assert_eq!(m.purchase_model, best.model, "{sel:?}");
        assert!(sel.reason.contains(best.model.name()), "{}", sel.reason);
        assert!(m.purchase().is_ok());
        // Fixed choice: no comparison.
        let f = select_and_fit_clv(
            &data,
            None,
            Some(PurchaseModelKind::ParetoNbd),
            TimeUnit::Days,
            0,
            0.001,
        )
        .unwrap();
        assert_eq!(f.purchase_model, PurchaseModelKind::ParetoNbd);
        assert!(f.pareto_nbd.is_some() && f.bgnbd.is_none());
        assert_eq!(f.selection.as_ref().unwrap().method, "fixed");
        // No holdout: the fallback, with the reason.
        let n = select_and_fit_clv(&data, None, None, TimeUnit::Days, 0, 0.001).unwrap();
        assert_eq!(n.purchase_model, PurchaseModelKind::ModifiedBgNbd);
        assert!(n.selection.unwrap().reason.contains("no holdout"));
        // JSON round trip keeps the choice.
        let back: ClvModel = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back.purchase_model, m.purchase_model);
        assert_eq!(back.selection, m.selection);
    }
}
