//! Joining the decision log with the outcome events into what the policy learns from
//! ([`super::policy::Observation`]), as `offerwise learn` does.
//!
//! * Decision records are read line by line (`offerwise.decision/1`, [`DecisionRecord`]); a
//!   record logged twice (the same `decisionId`) counts once.
//! * Outcome events (`offerwise.outcome/1`, [`Outcome`]) join their decision by `decisionId`.
//!   A shown offer is **taken up** when a `redemption` of it, or a `conversion` naming it in
//!   `offerId`, follows its decision. An outcome dated before its decision is an error; one
//!   whose decision is not in the log is counted as unmatched and left out (the decision may be
//!   in an older log already learned).
//! * Every shown offer of every decision is one observation, weighted by its age (the policy's
//!   half-life).

use super::log::{DecisionRecord, Outcome, OutcomeType};
use super::policy::{Observation, Source, D};
use crate::error::{Doc, Error};
use std::collections::{BTreeMap, BTreeSet};

/// What joining found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Joined {
    pub observations: Vec<Observation>,
    pub decisions: u64,
    pub duplicates: u64,
    pub outcomes: u64,
    pub unmatched_outcomes: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

impl Joined {
    /// The policy's record of this learning run (its `learnedAt` is set by
    /// [`super::policy::Policy::learn`]).
    pub fn source(&self) -> Source {
        Source {
            decisions: self.decisions,
            outcomes: self.outcomes - self.unmatched_outcomes,
            observations: self.observations.len() as u64,
            from: self.first_ms.map(crate::time::format_instant),
            until: self.last_ms.map(crate::time::format_instant),
            learned_at: String::new(),
        }
    }
}

/// An error on a line of a log file: `decisions line 12: decision.invalid at offers[0]...`.
fn at_line(doc: Doc, line: usize, e: Error) -> Error {
    let path = e.path();
    Error::invalid(
        doc,
        format!(
            "line {line}{}{path}",
            if path.is_empty() { "" } else { ": " }
        ),
        e.to_string(),
    )
}

/// Joins JSON-lines texts of decision records and outcome events (blank lines are skipped).
pub fn join_logs(decisions: &str, outcomes: &str) -> Result<Joined, Error> {
    let mut records: Vec<(DecisionRecord, i64)> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut j = Joined::default();
    for (n, line) in decisions.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let d = DecisionRecord::from_json(line).map_err(|e| at_line(Doc::Decision, n + 1, e))?;
        if !seen.insert(d.decision_id.clone()) {
            j.duplicates += 1;
            continue;
        }
        let at = crate::time::parse_instant(&d.at, 0)
            .map_err(|e| Error::invalid(Doc::Decision, format!("line {}: at", n + 1), e))?;
        j.first_ms = Some(j.first_ms.map_or(at, |f| f.min(at)));
        j.last_ms = Some(j.last_ms.map_or(at, |l| l.max(at)));
        records.push((d, at));
    }
    j.decisions = records.len() as u64;
    let index: BTreeMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (d.decision_id.as_str(), i))
        .collect();
    let mut taken: BTreeSet<(usize, String)> = BTreeSet::new();
    for (n, line) in outcomes.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let o = Outcome::from_json(line).map_err(|e| at_line(Doc::Outcome, n + 1, e))?;
        j.outcomes += 1;
        let Some(&i) = index.get(o.decision_id.as_str()) else {
            j.unmatched_outcomes += 1;
            continue;
        };
        let at =
            o.at.to_millis(0)
                .map_err(|e| Error::invalid(Doc::Outcome, format!("line {}: at", n + 1), e))?;
        if at < records[i].1 {
            return Err(Error::invalid(
                Doc::Outcome,
                format!("line {}: at", n + 1),
                format!(
                    "the outcome ({}) is before its decision {} ({})",
                    crate::time::format_instant(at),
                    o.decision_id,
                    records[i].0.at
                ),
            ));
        }
        let names_offer = matches!(o.kind, OutcomeType::Redemption | OutcomeType::Conversion);
        if let (true, Some(offer)) = (names_offer, o.offer_id) {
            taken.insert((i, offer));
        }
    }
    for (i, (d, at)) in records.iter().enumerate() {
        let mut x = [0.0; D];
        x.copy_from_slice(&d.context);
        for o in &d.offers {
            j.observations.push(Observation {
                offer: o.id.clone(),
                x,
                taken: taken.contains(&(i, o.id.clone())),
                at_ms: *at,
            });
        }
    }
    Ok(j)
}
