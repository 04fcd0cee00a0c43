//! Survey answers in (CSV with a header: a 0–10 score per row, optionally a group such as the
//! segment or tier): the Net Promoter Score overall and per group, each group against a control
//! group ([`crate::stats::nps`]; Holm across the comparisons).

use super::{column_of, csv_error, AnalysisError};
use crate::error::quoted;
use crate::stats::nps::{self, Nps};
use crate::stats::tests::holm;
use serde::Serialize;
use std::collections::BTreeMap;

fn default_score_column() -> String {
    "score".into()
}

/// How to read the answers.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurveyOptions {
    /// The column of the 0–10 answers (default `score`).
    #[serde(default = "default_score_column")]
    pub score_column: String,
    /// The column of each answer's group, if any.
    #[serde(default)]
    pub group_column: Option<String>,
    /// The group the others are compared with.
    #[serde(default)]
    pub control: Option<String>,
    #[serde(default = "super::defaults::alpha")]
    pub alpha: f64,
}

impl Default for SurveyOptions {
    fn default() -> Self {
        SurveyOptions {
            score_column: default_score_column(),
            group_column: None,
            control: None,
            alpha: super::defaults::alpha(),
        }
    }
}

/// A group against the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NpsComparison {
    pub group: String,
    pub control: String,
    /// `NPS_group − NPS_control`, in points.
    pub diff: f64,
    #[serde(rename = "diffCI")]
    pub diff_ci: (f64, f64),
    pub statistic: f64,
    pub p_value: f64,
    /// Holm-adjusted across the comparisons.
    pub p_holm: f64,
}

/// The survey's NPS.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NpsAnalysis {
    pub alpha: f64,
    pub overall: Nps,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Nps>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comparisons: Vec<NpsComparison>,
}

fn stats(e: crate::stats::tests::StatsError, path: &str) -> AnalysisError {
    AnalysisError::new(e.code().replace("stats.", "analysis."), path, e.to_string())
}

/// Reads the answers (`name` labels errors, `surveys.csv:17.score`) and scores them.
pub fn analyze_csv<R: std::io::Read>(
    input: R,
    name: &str,
    o: &SurveyOptions,
) -> Result<NpsAnalysis, AnalysisError> {
    if !(o.alpha > 0.0 && o.alpha < 1.0) {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "alpha",
            format!("alpha is {}: between 0 and 1", o.alpha),
        ));
    }
    if o.control.is_some() && o.group_column.is_none() {
        return Err(AnalysisError::new(
            "analysis.invalid",
            "control",
            "a control group needs the group column",
        ));
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let headers = reader.headers().map_err(|e| csv_error(name, &e))?.clone();
    let score_at = column_of(&headers, name, &o.score_column)?;
    let group_at = match &o.group_column {
        Some(c) => Some(column_of(&headers, name, c)?),
        None => None,
    };
    let mut overall = [0.0; 3];
    let mut groups: BTreeMap<String, [f64; 3]> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    let mut line = 1u64;
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(name, &e))?
    {
        line = record.position().map_or(line + 1, |p| p.line());
        let text = record.get(score_at).unwrap_or_default().trim();
        let at = format!("{name}:{line}.{}", o.score_column);
        let x: f64 = text.parse().map_err(|_| {
            AnalysisError::new(
                "analysis.not_numeric",
                &at,
                format!("{text:?} is not a number", text = quoted(text)),
            )
        })?;
        let c = nps::count(&[x]).map_err(|_| {
            AnalysisError::new(
                "analysis.invalid",
                &at,
                format!(
                    "{text:?} is not an answer: a whole number from 0 to 10",
                    text = quoted(text)
                ),
            )
        })?;
        for (a, b) in overall.iter_mut().zip(c) {
            *a += b;
        }
        if let Some(g) = group_at {
            let key = record.get(g).unwrap_or_default().trim();
            let entry = groups.entry(key.to_string()).or_default();
            for (a, b) in entry.iter_mut().zip(c) {
                *a += b;
            }
        }
    }
    let overall = nps::score(overall, o.alpha).map_err(|e| stats(e, name))?;
    let groups: BTreeMap<String, Nps> = groups
        .into_iter()
        .map(|(g, c)| {
            nps::score(c, o.alpha)
                .map(|n| (g.clone(), n))
                .map_err(|e| stats(e, &g))
        })
        .collect::<Result<_, _>>()?;
    let mut comparisons = Vec::new();
    if let Some(control) = &o.control {
        let Some(c) = groups.get(control) else {
            return Err(AnalysisError::new(
                "analysis.unknown_control",
                "control",
                format!(
                    "no answer is in the group {control:?} (groups: {})",
                    crate::error::listed(groups.keys()),
                    control = quoted(control)
                ),
            ));
        };
        for (g, n) in groups.iter().filter(|(g, _)| *g != control) {
            let (test, ci) = nps::compare(n, c, o.alpha).map_err(|e| stats(e, g))?;
            comparisons.push(NpsComparison {
                group: g.clone(),
                control: control.clone(),
                diff: n.score - c.score,
                diff_ci: ci,
                statistic: test.statistic,
                p_value: test.p_value,
                p_holm: 0.0,
            });
        }
        let p: Vec<f64> = comparisons.iter().map(|c| c.p_value).collect();
        for (c, h) in comparisons.iter_mut().zip(holm(&p)) {
            c.p_holm = h;
        }
    }
    Ok(NpsAnalysis {
        alpha: o.alpha,
        overall,
        groups,
        comparisons,
    })
}
