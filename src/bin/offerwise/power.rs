//! `offerwise power`: units per group for a minimum detectable effect, or the effect a sample
//! size detects: the normal approximation (statsmodels' `NormalIndPower`) or the t-test's exact
//! power (`TTestIndPower`), with the metric's baseline or standard deviation given or read from
//! a pre-period unit file.

use crate::common::*;
use clap::{Args, ValueEnum};
use offerwise::stats::power::{self, Test};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TestArg {
    /// The normal approximation (statsmodels `NormalIndPower`).
    Normal,
    /// Welch/Student's two-sample t-test, its exact power (statsmodels `TTestIndPower`).
    T,
}

#[derive(Args)]
pub(crate) struct PowerArgs {
    /// The control's conversion rate (a proportion metric), e.g. 0.12.
    #[arg(long, conflicts_with_all = ["sd", "pre_period"])]
    baseline: Option<f64>,
    /// The metric's standard deviation (a mean metric, e.g. from the pre-period).
    #[arg(long, conflicts_with = "pre_period")]
    sd: Option<f64>,
    /// A pre-period unit file (CSV with a header): the baseline (a 0/1 column) or the standard
    /// deviation (any other) of `--metric` over its rows.
    #[arg(long, requires = "metric")]
    pre_period: Option<std::path::PathBuf>,
    /// The column of `--pre-period` to read.
    #[arg(long, requires = "pre_period")]
    metric: Option<String>,
    /// The absolute lift to detect (0.01: 12% → 13%; or in the metric's units for a mean).
    #[arg(long, conflicts_with = "n")]
    lift: Option<f64>,
    /// Units in the variant: prints the smallest lift detected instead.
    #[arg(long)]
    n: Option<f64>,
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    #[arg(long, default_value_t = 0.8)]
    power: f64,
    /// Control units per variant unit.
    #[arg(long, default_value_t = 1.0)]
    ratio: f64,
    /// The test whose power is solved.
    #[arg(long, value_enum, default_value_t = TestArg::Normal)]
    test: TestArg,
}

fn fail(e: offerwise::stats::tests::StatsError) -> Failure {
    Failure(2, format!("error[{}]: {e}", e.code()))
}

pub(crate) fn cmd_power(a: PowerArgs) -> Result<(), Failure> {
    let bad = |m: &str| Failure(2, format!("error[options.invalid]: {m}"));
    let test = match a.test {
        TestArg::Normal => Test::Normal,
        TestArg::T => Test::T,
    };
    let (mut baseline, mut sd) = (a.baseline, a.sd);
    if let (Some(path), Some(column)) = (&a.pre_period, &a.metric) {
        let file = std::fs::File::open(path).map_err(|e| input_fail(path, e))?;
        let c = offerwise::analysis::units::describe_column(
            std::io::BufReader::new(file),
            &path.display().to_string(),
            column,
        )
        .map_err(analysis_fail)?;
        let (n, mean, s, binary) = (c.n, c.mean, c.sd, c.binary);
        if binary {
            println!(
                "pre-period {}: {n} units, {column} rate {mean:.6}",
                path.display()
            );
            baseline = Some(mean);
        } else {
            println!(
                "pre-period {}: {n} units, {column} mean {mean:.6}, standard deviation {s:.6}",
                path.display()
            );
            if s <= 0.0 {
                return Err(Failure(
                    2,
                    format!("error[analysis.zero_variance]: {}.{column}: the pre-period has no variance: no power", path.display()),
                ));
            }
            sd = Some(s);
        }
    }
    if test == Test::T && baseline.is_some() {
        return Err(bad(
            "--test t sizes a mean metric: give --sd (a proportion's test is the normal one)",
        ));
    }
    let name = match test {
        Test::Normal => "normal approximation",
        Test::T => "t-test",
    };
    match (baseline, sd, a.lift, a.n) {
        (Some(p), None, Some(lift), None) => {
            if !(0.0 < p && p < 1.0 && 0.0 < p + lift && p + lift < 1.0) {
                return Err(bad(
                    "--baseline and --baseline + --lift are rates between 0 and 1",
                ));
            }
            let h = power::proportion_effect_size(p + lift, p);
            let n = power::sample_size(h, a.alpha, a.power, a.ratio).map_err(fail)?;
            println!(
                "{:.0} units in the variant and {:.0} in the control detect {p} → {} (Cohen's h {h:.5}) with power {} at alpha {}",
                n.ceil(),
                (n * a.ratio).ceil(),
                p + lift,
                a.power,
                a.alpha
            );
        }
        (None, Some(sd), Some(lift), None) => {
            if sd.is_nan() || sd <= 0.0 {
                return Err(bad("--sd is a number > 0"));
            }
            let d = lift / sd;
            let n = match test {
                Test::Normal => power::sample_size(d, a.alpha, a.power, a.ratio),
                Test::T => power::t_sample_size(d, a.alpha, a.power, a.ratio),
            }
            .map_err(fail)?;
            println!(
                "{:.0} units in the variant and {:.0} in the control detect a lift of {lift} (d {d:.5}) with power {} at alpha {} ({name})",
                n.ceil(),
                (n * a.ratio).ceil(),
                a.power,
                a.alpha
            );
        }
        (baseline, sd, None, Some(n)) => {
            let d = match test {
                Test::Normal => power::mde(n, a.alpha, a.power, a.ratio),
                Test::T => power::t_mde(n, a.alpha, a.power, a.ratio),
            }
            .map_err(fail)?;
            match (baseline, sd) {
                (Some(p), None) if 0.0 < p && p < 1.0 => {
                    // Back from Cohen's h: p₁ = sin²(asin √p + h/2).
                    let s = (p.sqrt().asin() + d / 2.0).min(std::f64::consts::FRAC_PI_2).sin();
                    println!(
                        "{n} units in the variant detect {p} → {:.6} (lift {:+.6}, h {d:.5}) with power {} at alpha {}",
                        s * s,
                        s * s - p,
                        a.power,
                        a.alpha
                    );
                }
                (None, Some(sd)) if sd > 0.0 => println!(
                    "{n} units in the variant detect a lift of {:.6} (d {d:.5}) with power {} at alpha {} ({name})",
                    d * sd,
                    a.power,
                    a.alpha
                ),
                _ => return Err(bad("give --baseline (a rate) or --sd (> 0) with --n")),
            }
        }
        _ => {
            return Err(bad(
                "give --baseline, --sd or --pre-period, and --lift (for units) or --n (for the smallest lift)",
            ))
        }
    }
    Ok(())
}
