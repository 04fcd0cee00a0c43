//! `offerwise power`: units per group for a minimum detectable effect, or the effect a sample
//! size detects (the normal approximation, as statsmodels' `NormalIndPower`).

use crate::common::*;
use clap::Args;
use offerwise::stats::power;

#[derive(Args)]
pub(crate) struct PowerArgs {
    /// The control's conversion rate (a proportion metric), e.g. 0.12.
    #[arg(long, conflicts_with = "sd")]
    baseline: Option<f64>,
    /// The metric's standard deviation (a mean metric, e.g. from the pre-period).
    #[arg(long)]
    sd: Option<f64>,
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
}

fn fail(e: offerwise::stats::tests::StatsError) -> Failure {
    Failure(2, format!("error[{}]: {e}", e.code()))
}

pub(crate) fn cmd_power(a: PowerArgs) -> Result<(), Failure> {
    let bad = |m: &str| Failure(2, format!("error[options.invalid]: {m}"));
    match (a.baseline, a.sd, a.lift, a.n) {
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
            let n = power::sample_size(lift / sd, a.alpha, a.power, a.ratio).map_err(fail)?;
            println!(
                "{:.0} units in the variant and {:.0} in the control detect a lift of {lift} (d {:.5}) with power {} at alpha {}",
                n.ceil(),
                (n * a.ratio).ceil(),
                lift / sd,
                a.power,
                a.alpha
            );
        }
        (baseline, sd, None, Some(n)) => {
            let d = power::mde(n, a.alpha, a.power, a.ratio).map_err(fail)?;
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
                    "{n} units in the variant detect a lift of {:.6} (d {d:.5}) with power {} at alpha {}",
                    d * sd,
                    a.power,
                    a.alpha
                ),
                _ => return Err(bad("give --baseline (a rate) or --sd (> 0) with --n")),
            }
        }
        _ => {
            return Err(bad(
                "give --baseline or --sd, and --lift (for units) or --n (for the smallest lift)",
            ))
        }
    }
    Ok(())
}
