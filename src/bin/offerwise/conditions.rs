//! `offerwise eval-condition`: a targeting condition (GrowthBook syntax) against attributes.

use crate::common::*;
use clap::Args;
use offerwise::error::Doc;
use offerwise::json;
use offerwise::offers::conditions::{Condition, SavedGroups};
use offerwise::Error;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub(crate) struct EvalConditionArgs {
    /// Attributes JSON file (`-` for standard input), e.g. `{"country": "NL"}`.
    #[arg(long)]
    attributes: PathBuf,
    /// Condition JSON file in GrowthBook's syntax, e.g. `{"country": {"$in": ["NL", "BE"]}}`.
    #[arg(long)]
    condition: PathBuf,
    /// Saved groups JSON file (`{"<group id>": [values] | {type, ...}}`) for `$inGroup`,
    /// `$notInGroup` and `$savedGroup`.
    #[arg(long)]
    saved_groups: Option<PathBuf>,
}

/// An error about a file, naming it (exit 2).
fn in_file(path: &Path, e: impl Into<Error>) -> Failure {
    let e = e.into();
    Failure(2, format!("error[{}]: {}: {e}", e.code(), path.display()))
}

pub(crate) fn cmd_eval_condition(a: EvalConditionArgs) -> Result<(), Failure> {
    let attributes = json::value_from_str(Doc::Attributes, &read_text(&a.attributes)?)
        .map_err(|e| in_file(&a.attributes, e))?;
    let condition = json::value_from_str(Doc::Condition, &read_text(&a.condition)?)
        .map_err(|e| in_file(&a.condition, e))?;
    let condition = Condition::parse(&condition).map_err(|e| in_file(&a.condition, e))?;
    let groups = match &a.saved_groups {
        Some(p) => {
            let v = json::value_from_str(Doc::SavedGroups, &read_text(p)?)
                .map_err(|e| in_file(p, e))?;
            SavedGroups::parse(&v).map_err(|e| in_file(p, e))?
        }
        None => SavedGroups::empty(),
    };
    println!("{}", condition.eval(&attributes, &groups));
    Ok(())
}
