//! `offerwise nps`: the Net Promoter Score of survey answers, overall and per group, each group
//! against a control group.

use crate::common::*;
use clap::Args;
use offerwise::analysis::surveys::{analyze_csv, SurveyOptions};
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct NpsArgs {
    /// Survey answers, CSV with a header: a 0–10 answer per row.
    #[arg(long)]
    surveys: PathBuf,
    /// The column of the answers.
    #[arg(long, default_value = "score")]
    score_column: String,
    /// The column of each answer's group (segment, tier, ...): the NPS of each.
    #[arg(long)]
    group_column: Option<String>,
    /// The group every other group is compared with (z-test, Holm across the comparisons).
    #[arg(long, requires = "group_column")]
    control: Option<String>,
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Write the results as JSON here (`-`: standard output, instead of the summary).
    #[arg(long)]
    json: Option<PathBuf>,
}

pub(crate) fn cmd_nps(a: NpsArgs) -> Result<(), Failure> {
    let options = SurveyOptions {
        score_column: a.score_column.clone(),
        group_column: a.group_column.clone(),
        control: a.control.clone(),
        alpha: a.alpha,
    };
    let file = std::fs::File::open(&a.surveys).map_err(|e| input_fail(&a.surveys, e))?;
    let r = analyze_csv(
        std::io::BufReader::new(file),
        &a.surveys.display().to_string(),
        &options,
    )
    .map_err(analysis_fail)?;
    let text = serde_json::to_string_pretty(&r).map_err(|e| Failure(1, format!("error: {e}")))?;
    match &a.json {
        Some(p) if p.as_os_str() == "-" => {
            println!("{text}");
            return Ok(());
        }
        Some(p) => std::fs::write(p, text + "\n").map_err(|e| io_fail(p, e))?,
        None => {}
    }
    let line = |label: &str, n: &offerwise::stats::nps::Nps| {
        println!(
            "{label}: NPS {:+.1} [{:+.1}, {:+.1}] from {} answers ({} promoters, {} passives, {} detractors)",
            n.score, n.score_ci.0, n.score_ci.1, n.n, n.promoters, n.passives, n.detractors
        )
    };
    line("all", &r.overall);
    for (g, n) in &r.groups {
        line(g, n);
    }
    for c in &r.comparisons {
        println!(
            "{} vs {}: {:+.1} points [{:+.1}, {:+.1}], z {:.3}, p {:.4} (Holm {:.4})",
            c.group, c.control, c.diff, c.diff_ci.0, c.diff_ci.1, c.statistic, c.p_value, c.p_holm
        );
    }
    Ok(())
}
