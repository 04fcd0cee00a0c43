//! `offerwise analyze`: an experiment's per-unit rows (CSV), or its decision log and outcome
//! events, in; each variant × metric against the control out, as a terminal summary, JSON and
//! an HTML report.

use crate::common::*;
use clap::Args;
use offerwise::analysis::logs::LogOptions;
use offerwise::analysis::units::UnitsOptions;
use offerwise::analysis::MetricKind;
use offerwise::error::quoted;
use offerwise::stats::group_sequential::Spending;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SpendingArg {
    /// O'Brien–Fleming type: spends little early.
    ObrienFleming,
    /// Pocock type: spends evenly.
    Pocock,
}

impl SpendingArg {
    fn spending(self) -> Spending {
        match self {
            SpendingArg::ObrienFleming => Spending::OBrienFleming,
            SpendingArg::Pocock => Spending::Pocock,
        }
    }
}

#[derive(Args)]
pub(crate) struct AnalyzeArgs {
    /// Per-unit rows, CSV with a header: one row per unit (customer), its variant and metrics.
    #[arg(
        long,
        required_unless_present = "decisions",
        conflicts_with = "decisions"
    )]
    units: Option<PathBuf>,
    /// Or the decision log (JSON Lines of `offerwise.decision/1`): its exposures to
    /// `--experiment` make the units (or, with `--holdout`, every customer decided for).
    #[arg(long, requires = "outcomes")]
    decisions: Option<PathBuf>,
    /// With `--decisions`: the outcome events (`offerwise.outcome/1`, JSON Lines or CSV).
    #[arg(long, requires = "decisions")]
    outcomes: Option<PathBuf>,
    /// With `--decisions`: the experiment's key.
    #[arg(long, requires = "decisions", required_unless_present_any = ["units", "holdout"])]
    experiment: Option<String>,
    /// With `--decisions`: the programme against its global holdout, whose planned share this
    /// is (the programme's `holdout.share`): variants `holdout` (the control) and `exposed`.
    #[arg(
        long,
        requires = "decisions",
        conflicts_with = "experiment",
        value_name = "SHARE"
    )]
    holdout: Option<f64>,
    /// With `--decisions`: the attribution window after each unit's first exposure, in days.
    #[arg(long, default_value_t = 14.0)]
    window_days: f64,
    /// With `--decisions`: CUPED on each metric with its value in the window before exposure.
    #[arg(long, requires = "decisions")]
    cuped: bool,
    /// With `--decisions`: the money one loyalty point redeemed is worth (the programme's burn
    /// rate), for the metrics `incentives` and `netMargin`.
    #[arg(long, requires = "decisions")]
    point_value: Option<f64>,
    /// With `--decisions`: every segment (of the exposing decision) analysed on its own too.
    #[arg(long, requires = "decisions")]
    by_segment: bool,
    /// The column naming each unit's variant.
    #[arg(long, default_value = "variant")]
    variant_column: String,
    /// The control variant (with `--holdout`: `holdout`).
    #[arg(long, required_unless_present = "holdout")]
    control: Option<String>,
    /// A metric column (repeatable): `name` (0/1 values: a proportion, else a mean),
    /// `name:mean`, `name:proportion`, or a ratio of two columns summed over the units,
    /// `name=numerator/denominator` (average order value: `aov=revenue/orders`).
    /// With `--decisions`, a metric of the logs: conversion, churn, revenue, margin, orders, aov,
    /// repeat, retention:N, pointsEarned, pointsRedeemed, discount, incentives, netMargin,
    /// redemption[:OFFER], redemptions, click (default: conversion, revenue, orders, aov,
    /// redemption).
    #[arg(long = "metric", required_unless_present = "decisions")]
    metrics: Vec<String>,
    /// A metric's pre-period covariate for CUPED: `metric=column` (repeatable).
    #[arg(
        long = "covariate",
        value_name = "METRIC=COLUMN",
        conflicts_with = "decisions"
    )]
    covariates: Vec<String>,
    /// The planned split as JSON, variant → weight (default equal), for the sample-ratio check.
    #[arg(long, value_name = "JSON")]
    weights: Option<String>,
    /// Intervals are 1 − alpha; verdicts at alpha on Holm's adjusted p (default 0.05).
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Verdicts read the always-valid p-values: for a team that looks at the results as they
    /// come (confidence sequences of Waudby-Smith et al., as GrowthBook's).
    #[arg(long)]
    sequential: bool,
    /// The confidence sequences' tuning parameter: the units at which they are tightest.
    #[arg(long, default_value_t = offerwise::stats::sequential::DEFAULT_TUNING)]
    sequential_tuning: f64,
    /// A group-sequential plan: the units (over every variant) the experiment will have at
    /// its end. Each day is a look (needs --time-column with --units); verdicts read the
    /// alpha-spending boundaries at alpha / the number of comparisons.
    #[arg(long, conflicts_with = "sequential")]
    planned_units: Option<f64>,
    /// The plan's spending function.
    #[arg(long, value_enum, default_value_t = SpendingArg::ObrienFleming, requires = "planned_units")]
    spending: SpendingArg,
    /// The column with each unit's first exposure (a date or an ISO 8601 instant, UTC unless
    /// it says otherwise): the results are then also followed day by day (`timeline`, `split`).
    #[arg(long, conflicts_with = "decisions")]
    time_column: Option<String>,
    /// The column with each unit's segment: every segment is then also analysed on its own
    /// (`segments`).
    #[arg(long, conflicts_with = "decisions")]
    segment_column: Option<String>,
    /// Write the results as JSON here (`-`: standard output, instead of the summary).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report here (no network: inline SVG plots).
    #[arg(long)]
    html: Option<PathBuf>,
}

pub(crate) fn cmd_analyze(a: AnalyzeArgs) -> Result<(), Failure> {
    let weights: Option<BTreeMap<String, f64>> = match &a.weights {
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| Failure(2, format!("error[analysis.invalid]: --weights: {e}")))?,
        ),
        None => None,
    };
    let mut covariates = BTreeMap::new();
    for c in &a.covariates {
        let Some((m, col)) = c.split_once('=') else {
            return Err(Failure(
                2,
                format!(
                    "error[analysis.invalid]: --covariate {c:?}: expected metric=column",
                    c = quoted(c)
                ),
            ));
        };
        covariates.insert(m.to_string(), col.to_string());
    }
    let (analysis, source) = if let Some(path) = &a.decisions {
        let outcomes = a.outcomes.clone().unwrap_or_default();
        let mut options = LogOptions {
            window_days: a.window_days,
            cuped: a.cuped,
            weights,
            alpha: a.alpha,
            sequential: a.sequential,
            sequential_tuning: a.sequential_tuning,
            by_segment: a.by_segment,
            planned_units: a.planned_units,
            spending: a.spending.spending(),
            holdout: a.holdout,
            point_value: a.point_value,
            ..LogOptions::new(
                a.experiment.clone().unwrap_or_default(),
                a.control
                    .clone()
                    .unwrap_or_else(|| offerwise::analysis::logs::HOLDOUT.to_string()),
            )
        };
        if !a.metrics.is_empty() {
            options.metrics = a.metrics.clone();
        }
        let open = |p: &PathBuf| {
            std::fs::File::open(p)
                .map(|f| std::io::BufReader::with_capacity(1 << 16, f))
                .map_err(|e| input_fail(p, e))
        };
        let analysis = offerwise::analysis::logs::analyze_logs(
            open(path)?,
            &path.display().to_string(),
            open(&outcomes)?,
            &outcomes.display().to_string(),
            &options,
        )
        .map_err(analysis_fail)?;
        (analysis, path.display().to_string())
    } else {
        let units = a.units.clone().unwrap_or_default();
        (
            analyze_units(&a, &units, weights, covariates)?,
            units.display().to_string(),
        )
    };
    if let Some(p) = &a.html {
        let title = format!("Experiment analysis: {source}");
        let html = offerwise::analysis::report::html(&analysis, &title);
        std::fs::write(p, html).map_err(|e| io_fail(p, e))?;
    }
    match &a.json {
        Some(p) if p.as_os_str() == "-" => {
            println!(
                "{}",
                serde_json::to_string_pretty(&analysis)
                    .map_err(|e| Failure(1, format!("error: {e}")))?
            );
            return Ok(());
        }
        Some(p) => {
            let text = serde_json::to_string_pretty(&analysis)
                .map_err(|e| Failure(1, format!("error: {e}")))?;
            std::fs::write(p, text + "\n").map_err(|e| io_fail(p, e))?;
        }
        None => {}
    }
    if let Some(j) = &analysis.join {
        let what = if j.holdout {
            "placing their customer in the programme or its holdout".to_string()
        } else {
            format!("exposing to {:?}", quoted(&j.experiment))
        };
        println!(
            "join: {} decisions read, {} {what}; {} units ({} left out: exposed to more than one variant); {} outcomes: {} in a unit's window of {} days, {} outside it, {} of no unit",
            j.decisions,
            j.exposures,
            j.units,
            j.multiple_variants,
            j.outcomes,
            j.attributed,
            j.window_days,
            j.outside_window,
            j.unmatched
        );
    }
    if let Some(r) = &analysis.roi {
        println!(
            "programme vs holdout: net margin per customer {:+.4} [{:+.4}, {:+.4}] for incentives per customer {:+.4}; return on incentives {}",
            r.incremental_net_margin,
            r.incremental_net_margin_ci.0,
            r.incremental_net_margin_ci.1,
            r.incremental_incentives,
            match (r.roi, r.roi_ci) {
                (Some(x), Some((a, b))) => format!("{x:+.3} [{a:+.3}, {b:+.3}]"),
                _ => "— (the incentives do not differ)".into(),
            }
        );
    }
    let s = &analysis.srm;
    println!(
        "units: {}",
        s.counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "sample ratio: chi2 {:.3}, p {:.4} {}",
        s.chi2,
        s.p_value,
        if s.ok {
            "(ok)"
        } else {
            "MISMATCH: the split is not the planned one; verdicts withheld"
        }
    );
    for r in &analysis.results {
        println!(
            "{} vs {} · {} ({}): {:.4} vs {:.4}, lift {:+.4} [{:+.4}, {:+.4}], {}, p {:.4} (Holm {:.4}, BH {:.4}) → {}",
            r.variant,
            r.control,
            r.metric,
            kind_name(r.kind),
            r.mean[0],
            r.mean[1],
            r.abs_lift,
            r.abs_lift_ci.0,
            r.abs_lift_ci.1,
            match (r.rel_lift, r.rel_lift_ci) {
                (Some(l), Some((a, b))) => format!(
                    "{:+.2}% [{:+.2}%, {:+.2}%]",
                    100.0 * l,
                    100.0 * a,
                    100.0 * b
                ),
                _ => "no relative lift (control mean 0)".into(),
            },
            r.p_value,
            r.p_holm,
            r.p_bh,
            r.verdict.unwrap_or("withheld (sample ratio mismatch)")
        );
        if let Some(b) = &r.bayes {
            println!(
                "    P(beats {}) {:.1}%, expected loss {:.4}, credible [{:+.4}, {:+.4}]",
                r.control,
                100.0 * b.prob_beat_control,
                b.expected_loss,
                b.credible_ci.0,
                b.credible_ci.1
            );
        }
        if let Some(q) = &r.sequential {
            println!(
                "    always valid (N {}): lift [{:+.4}, {:+.4}], p {:.4} (Holm {:.4})",
                q.tuning, q.abs_lift_ci.0, q.abs_lift_ci.1, q.p_value, q.p_holm
            );
        }
        if let Some(g) = &r.group_sequential {
            match (&g.crossed, g.crossed_statistic) {
                (Some(day), Some(z)) => println!(
                    "    group-sequential ({}, {} of {} planned units, {} looks): boundary crossed on {day} (statistic {z:+.3})",
                    g.spending, (g.information * g.planned_units).round(), g.planned_units, g.looks
                ),
                _ => println!(
                    "    group-sequential ({}, {} of {} planned units, {} looks): not crossed; statistic {:+.3}, boundary {}",
                    g.spending,
                    (g.information * g.planned_units).round(),
                    g.planned_units,
                    g.looks,
                    g.statistic,
                    g.boundary.map_or("— (past the plan)".into(), |c| format!("±{c:.3}"))
                ),
            }
        }
        if let Some(c) = &r.cuped {
            println!(
                "    CUPED with {} (θ {:.4}, variance −{:.1}%): lift {:+.4} [{:+.4}, {:+.4}], p {:.4}",
                c.covariate,
                c.theta,
                100.0 * c.variance_reduction,
                c.abs_lift,
                c.abs_lift_ci.0,
                c.abs_lift_ci.1,
                c.p_value
            );
        }
    }
    for e in &analysis.skipped {
        eprintln!("warning[{}]: {}: {}", e.code, e.path, e.message);
    }
    for seg in &analysis.segments {
        match (&seg.analysis, &seg.error) {
            (Some(x), _) => {
                println!("segment {} ({} units):", seg.segment, seg.units);
                for e in &x.skipped {
                    println!("    not compared: {}", e.message);
                }
                for r in &x.results {
                    println!(
                        "    {} vs {} · {}: {:.4} vs {:.4}, lift {:+.4} [{:+.4}, {:+.4}], p {:.4} (Holm {:.4}) → {}",
                        r.variant,
                        r.control,
                        r.metric,
                        r.mean[0],
                        r.mean[1],
                        r.abs_lift,
                        r.abs_lift_ci.0,
                        r.abs_lift_ci.1,
                        r.p_value,
                        r.p_holm,
                        r.verdict.unwrap_or("withheld (sample ratio mismatch)")
                    );
                }
            }
            (None, Some(e)) => println!(
                "segment {} ({} units): not analysed: {}",
                seg.segment, seg.units, e.message
            ),
            (None, None) => {}
        }
    }
    Ok(())
}

fn kind_name(k: MetricKind) -> &'static str {
    match k {
        MetricKind::Proportion => "proportion",
        MetricKind::Mean => "mean",
        MetricKind::Ratio => "ratio",
    }
}

fn analyze_units(
    a: &AnalyzeArgs,
    units: &std::path::Path,
    weights: Option<BTreeMap<String, f64>>,
    covariates: BTreeMap<String, String>,
) -> Result<offerwise::analysis::Analysis, Failure> {
    let options = UnitsOptions {
        variant_column: a.variant_column.clone(),
        weights,
        alpha: a.alpha,
        covariates,
        sequential: a.sequential,
        sequential_tuning: a.sequential_tuning,
        time_column: a.time_column.clone(),
        segment_column: a.segment_column.clone(),
        planned_units: a.planned_units,
        spending: a.spending.spending(),
        ..UnitsOptions::new(a.control.clone().unwrap_or_default(), a.metrics.clone())
    };
    let file = std::fs::File::open(units).map_err(|e| input_fail(units, e))?;
    let name = units.display().to_string();
    offerwise::analysis::units::analyze_csv(
        std::io::BufReader::with_capacity(1 << 16, file),
        &name,
        &options,
    )
    .map_err(analysis_fail)
}
