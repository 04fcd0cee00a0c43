//! `offerwise clv`: fit the purchase and spend models, and compare them on a holdout.

use crate::common::*;
use crate::train::time_unit;
use clap::Args;
use offerwise::train;
use offerwise::transactions;
use std::time::Instant;

#[derive(Args)]
pub(crate) struct ClvArgs {
    #[command(flatten)]
    orders: OrdersArgs,
    /// End of the calibration period: purchases up to this instant are fitted.
    #[arg(long)]
    calibration_end: String,
    /// End of the holdout period: predicted purchases in (calibration end, holdout end] are
    /// compared with the actual ones.
    #[arg(long)]
    holdout_end: Option<String>,
    /// Time unit of the model: days or weeks.
    #[arg(long, default_value = "weeks")]
    time_unit: String,
    /// L2 penalty on the parameters, as lifetimes' penalizer_coef.
    #[arg(long, default_value_t = 0.0)]
    penalizer: f64,
    /// Purchase / churn model: auto, bgnbd, mbgnbd or pareto-nbd. With auto and
    /// --holdout-end all three are fitted and compared side by side on the holdout; with
    /// auto alone the model is chosen as `train` chooses it.
    #[arg(long, default_value = "auto")]
    model: String,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// `auto` → `None`, else the named purchase model.
pub(crate) fn purchase_model_arg(
    flag: &str,
    s: &str,
) -> Result<Option<offerwise::clv::PurchaseModelKind>, Failure> {
    if s == "auto" {
        return Ok(None);
    }
    offerwise::clv::PurchaseModelKind::from_id(s)
        .map(Some)
        .map_err(|_| {
            Failure(
                2,
                format!("error: {flag} {s:?} must be auto, bgnbd, mbgnbd or pareto-nbd"),
            )
        })
}

fn purchase_params_json(p: &offerwise::clv::PurchaseParams) -> serde_json::Value {
    use offerwise::clv::PurchaseParams;
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

fn purchase_params_text(p: &offerwise::clv::PurchaseParams) -> String {
    use offerwise::clv::PurchaseParams;
    match p {
        PurchaseParams::BgNbd(b) => format!(
            "r = {:.4}  alpha = {:.4}  a = {:.4}  b = {:.4}",
            b.r, b.alpha, b.a, b.b
        ),
        PurchaseParams::ModifiedBgNbd(b) => format!(
            "r = {:.4}  alpha = {:.4}  a = {:.4}  b = {:.4}",
            b.r, b.alpha, b.a, b.b
        ),
        PurchaseParams::ParetoNbd(p) => format!(
            "r = {:.4}  alpha = {:.4}  s = {:.4}  beta = {:.4}",
            p.r, p.alpha, p.s, p.beta
        ),
    }
}

pub(crate) fn cmd_clv(a: ClvArgs) -> Result<(), Failure> {
    use offerwise::clv;
    let unit = time_unit(&a.time_unit)?;
    let cal = parse_now(&a.calibration_end, 0)?;
    let holdout = a
        .holdout_end
        .as_deref()
        .map(|h| parse_now(h, 0))
        .transpose()?;
    if holdout.is_some_and(|h| h <= cal) {
        return Err(Failure(
            2,
            "error: --holdout-end must be after --calibration-end".into(),
        ));
    }
    let kind = purchase_model_arg("--model", &a.model)?;
    let rows = read_orders(&a.orders)?;
    let customers = transactions::customers(&rows);
    let started = Instant::now();
    let summaries = train::clv_summaries(&customers, cal, holdout, unit)?;
    let calibration: Vec<clv::CustomerSummary> = summaries.iter().map(|(s, _)| *s).collect();
    let clv_fail = |e: clv::ClvError| Failure(1, format!("error[{}]: {e}", e.code()));
    // The models to fit: the named one; all three to compare on the holdout (auto with
    // --holdout-end); or the one `train` would choose (auto alone).
    let kinds: Vec<clv::PurchaseModelKind> = match (kind, holdout) {
        (Some(k), _) => vec![k],
        (None, Some(_)) => clv::PurchaseModelKind::ALL.to_vec(),
        (None, None) => Vec::new(),
    };
    let mut fits: Vec<(clv::PurchaseModelKind, Result<clv::ClvModel, clv::ClvError>)> = Vec::new();
    if kinds.is_empty() {
        let m = train::fit_clv_with(&customers, cal, unit, a.penalizer, None)
            .map_err(|e| Failure(1, format!("error: {e}")))?;
        fits.push((m.purchase_model, Ok(m)));
    } else {
        for k in &kinds {
            fits.push((
                *k,
                clv::fit_clv_model(&calibration, *k, unit, cal, a.penalizer),
            ));
        }
    }
    if let [(_, Err(e))] = fits.as_slice() {
        // A single model that was refused: the error is the answer.
        return Err(clv_fail(e.clone()));
    }
    let fit_secs = started.elapsed().as_secs_f64();
    let duration = holdout.map(|h| clv::holdout_duration(cal, h, unit));
    let holdout_customers: Vec<clv::HoldoutCustomer> = summaries
        .iter()
        .map(|(s, n)| clv::HoldoutCustomer {
            summary: *s,
            holdout_purchases: f64::from(*n),
        })
        .collect();
    // (model, fitted model or error, holdout report, holdout score)
    type Row = (
        clv::PurchaseModelKind,
        Result<clv::ClvModel, clv::ClvError>,
        Option<clv::ValidationReport>,
        Option<f64>,
    );
    let mut results: Vec<Row> = Vec::new();
    for (k, fit) in fits {
        let (report, score) = match (&fit, duration) {
            (Ok(m), Some(d)) => {
                let p = m.purchase().map_err(clv_fail)?;
                let r = clv::validation_report(&p, &holdout_customers, d).map_err(clv_fail)?;
                let score = clv::holdout_score(&r);
                (Some(r), Some(score))
            }
            _ => (None, None),
        };
        results.push((k, fit, report, score));
    }
    let best = results
        .iter()
        .filter_map(|(k, _, _, s)| s.map(|s| (*k, s)))
        .fold(
            None,
            |acc: Option<(clv::PurchaseModelKind, f64)>, (k, s)| match acc {
                Some((_, bs)) if bs <= s => acc,
                _ => Some((k, s)),
            },
        );
    let unit_name = if unit == clv::TimeUnit::Days {
        "days"
    } else {
        "weeks"
    };
    let repeat_buyers = calibration.iter().filter(|c| c.frequency > 0.0).count();
    if a.json {
        let models: Vec<serde_json::Value> = results
            .iter()
            .map(|(k, fit, report, score)| match fit {
                Ok(m) => serde_json::json!({
                    "model": k.id(),
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
                    "holdout": report,
                    "holdoutScore": score,
                }),
                Err(e) => serde_json::json!({
                    "model": k.id(), "converged": false,
                    "error": {"code": e.code(), "message": e.to_string()},
                }),
            })
            .collect();
        let json = serde_json::json!({
            "timeUnit": unit_name,
            "calibrationEnd": offerwise::time::format_instant(cal),
            "holdoutEnd": holdout.map(offerwise::time::format_instant),
            "customers": calibration.len(),
            "repeatBuyers": repeat_buyers,
            "penalizer": a.penalizer,
            "holdoutMetric": holdout.map(|_| clv::HOLDOUT_METRIC),
            "bestByHoldout": best.map(|(k, _)| k.id()),
            "models": models,
            "fitSeconds": fit_secs,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json).map_err(|e| Failure(1, format!("error: {e}")))?
        );
        return Ok(());
    }
    println!(
        "calibration end {} ({unit_name}); {} customers, {} repeat buyers; fitted in {:.2} s",
        offerwise::time::format_instant(cal),
        calibration.len(),
        repeat_buyers,
        fit_secs
    );
    let mut gg_printed = false;
    for (k, fit, _, _) in &results {
        match fit {
            Ok(m) => {
                println!("{}", k.name());
                if let Ok(p) = m.purchase() {
                    println!("  {}", purchase_params_text(&p));
                }
                println!(
                    "  log-likelihood {:.2}; {} iterations, {}",
                    m.fit.log_likelihood,
                    m.fit.iterations,
                    if m.fit.converged {
                        "converged"
                    } else {
                        "NOT converged"
                    }
                );
                if let Some(sel) = &m.selection {
                    for c in &sel.candidates {
                        match (c.score, &c.error) {
                            (Some(s), _) => {
                                println!("  candidate {:<10} holdout score {s:.4}", c.model.name())
                            }
                            (None, Some(e)) => {
                                println!("  candidate {:<10} refused: {e}", c.model.name())
                            }
                            (None, None) => {}
                        }
                    }
                    println!("  chosen: {}", sel.reason);
                }
                if !gg_printed {
                    gg_printed = true;
                    match (&m.gamma_gamma, &m.fit.gamma_gamma) {
                        (Some(g), Some(r)) => {
                            println!("Gamma-Gamma ({} repeat buyers with spend)", r.n_customers);
                            println!(
                                "  p = {:.4}  q = {:.4}  v = {:.4}  log-likelihood {:.2}",
                                g.p, g.q, g.v, r.log_likelihood
                            );
                        }
                        _ => println!("Gamma-Gamma: not fitted (every repeat buyer spent 0)"),
                    }
                }
            }
            Err(e) => println!("{}\n  REFUSED [{}]: {e}", k.name(), e.code()),
        }
    }
    let scored: Vec<&Row> = results.iter().filter(|r| r.2.is_some()).collect();
    if let (Some(d), false) = (duration, scored.is_empty()) {
        println!(
            "Holdout ({d:.1} {unit_name}): mean repeat purchases per customer, predicted vs actual"
        );
        let mut header = format!("  {:>12} {:>9}", "cal. repeat", "customers");
        for (k, ..) in &scored {
            header.push_str(&format!(" {:>11}", k.name()));
        }
        header.push_str(&format!(" {:>9}", "actual"));
        println!("{header}");
        let n_rows = scored
            .first()
            .and_then(|r| r.2.as_ref())
            .map_or(0, |r| r.by_frequency.len());
        let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.3}"));
        for i in 0..n_rows {
            let Some(first) = scored
                .first()
                .and_then(|r| r.2.as_ref())
                .and_then(|r| r.by_frequency.get(i))
            else {
                continue;
            };
            let mut line = format!("  {:>12} {:>9}", first.frequency, first.customers);
            for (_, _, report, _) in &scored {
                let v = report
                    .as_ref()
                    .and_then(|r| r.by_frequency.get(i))
                    .and_then(|row| row.mean_predicted);
                line.push_str(&format!(" {:>11}", f(v)));
            }
            line.push_str(&format!(" {:>9}", f(first.mean_actual)));
            println!("{line}");
        }
        let mut total = format!("  {:>12} {:>9}", "total", calibration.len());
        for (_, _, report, _) in &scored {
            total.push_str(&format!(
                " {:>11}",
                report
                    .as_ref()
                    .map_or("-".into(), |r| format!("{:.1}", r.total_predicted))
            ));
        }
        let actual = scored
            .first()
            .and_then(|r| r.2.as_ref())
            .map_or(0.0, |r| r.total_actual);
        total.push_str(&format!(" {actual:>9.0}"));
        println!("{total}");
        let mut corr = format!("  {:>22}", "correlation");
        let mut score_line = format!("  {:>22}", "holdout score");
        for (_, _, report, score) in &scored {
            corr.push_str(&format!(
                " {:>11}",
                report
                    .as_ref()
                    .and_then(|r| r.correlation)
                    .map_or("-".into(), |c| format!("{c:.4}"))
            ));
            score_line.push_str(&format!(
                " {:>11}",
                score.map_or("-".into(), |s| format!("{s:.4}"))
            ));
        }
        println!("{corr}");
        println!("{score_line}");
        if let Some((k, s)) = best {
            println!(
                "best by holdout score ({}): {} ({s:.4})",
                clv::HOLDOUT_METRIC,
                k.name()
            );
        }
    }
    Ok(())
}
