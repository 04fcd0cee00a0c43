//! `offerwise clv`: fit the purchase and spend models, and compare them on a holdout.

use crate::common::*;
use crate::train::time_unit;
use clap::Args;
use offerwise::error::quoted;
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
                format!(
                    "error: {flag} {s:?} must be auto, bgnbd, mbgnbd or pareto-nbd",
                    s = quoted(s)
                ),
            )
        })
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
    let c = train::compare::compare_clv(&customers, cal, holdout, unit, a.penalizer, kind)
        .map_err(|e| match e {
            train::TrainError::Clv { code, message } => {
                Failure(1, format!("error: {message} [{code}]"))
            }
            train::TrainError::Data(e) => Failure::from(e),
            other => Failure(1, format!("error: {other}")),
        })?;
    let clv_fail = |e: &clv::ClvError| Failure(1, format!("error[{}]: {e}", e.code()));
    if let [only] = c.candidates.as_slice() {
        if let Err(e) = &only.fit {
            // A single model that was refused: the error is the answer.
            return Err(clv_fail(e));
        }
    }
    let fit_secs = started.elapsed().as_secs_f64();
    let duration = c.holdout_duration;
    // (model, fitted model or error, holdout report, holdout score)
    type Row<'c> = (
        clv::PurchaseModelKind,
        &'c Result<clv::ClvModel, clv::ClvError>,
        &'c Option<clv::ValidationReport>,
        Option<f64>,
    );
    let results: Vec<Row> = c
        .candidates
        .iter()
        .map(|r| (r.kind, &r.fit, &r.holdout, r.score))
        .collect();
    let best = c.best.and_then(|k| {
        c.candidates
            .iter()
            .find(|r| r.kind == k)
            .and_then(|r| r.score)
            .map(|s| (k, s))
    });
    let unit_name = c.unit_name();
    let repeat_buyers = c.repeat_buyers;
    if a.json {
        let mut json = c.to_json();
        if let Some(map) = json.as_object_mut() {
            map.insert("fitSeconds".into(), fit_secs.into());
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&json).map_err(|e| Failure(1, format!("error: {e}")))?
        );
        return Ok(());
    }
    println!(
        "calibration end {} ({unit_name}); {} customers, {} repeat buyers; fitted in {:.2} s",
        offerwise::time::format_instant(cal),
        c.customers,
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
        let mut total = format!("  {:>12} {:>9}", "total", c.customers);
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
