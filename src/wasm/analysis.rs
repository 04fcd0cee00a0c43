//! `analyze()` and `analyzeLogs()`: the experiment analysis of `offerwise analyze` from JS, read
//! by the same code (`analysis::units`, `analysis::logs`), so the results are the CLI's.

use super::{error, js_text, read, write, WasmEngine};
use crate::analysis::{logs, units};
use crate::error::{Doc, Error};
use serde::Deserialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// A cell of a unit row given as an object.
#[derive(Deserialize)]
#[serde(untagged)]
enum Cell {
    Number(f64),
    Text(String),
    Bool(bool),
    Null,
}

/// Unit rows given as objects, as CSV text: a header of every key (in order of first use) and
/// one line per row (an absent key or `null` is an empty cell).
fn rows_to_csv(rows: JsValue) -> Result<String, Error> {
    #[derive(Deserialize)]
    struct Rows {
        units: Vec<BTreeMap<String, Cell>>,
    }
    let text = js_text(Doc::Units, rows)?;
    // Documents are objects: the array is read as the `units` field of one (so a problem's
    // path is `units[3].revenue`).
    let Rows { units: rows } = crate::json::from_str(Doc::Units, &format!("{{\"units\":{text}}}"))?;
    let mut header: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        for k in row.keys() {
            if seen.insert(k.as_str()) {
                header.push(k);
            }
        }
    }
    let fail = |e: csv::Error| Error::invalid(Doc::Units, "", e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(fail)?;
    for row in &rows {
        w.write_record(header.iter().map(|k| match row.get(*k) {
            Some(Cell::Number(x)) => x.to_string(),
            Some(Cell::Text(t)) => t.clone(),
            Some(Cell::Bool(b)) => b.to_string(),
            Some(Cell::Null) | None => String::new(),
        }))
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::invalid(Doc::Units, "", e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::invalid(Doc::Units, "", e.to_string()))
}

/// Analyses an experiment's units, as `offerwise analyze --units` does: each variant × metric
/// against the control (tests, intervals, Holm and Benjamini–Hochberg, the sample-ratio check,
/// the Bayesian, always-valid and CUPED read-outs, day by day and per segment when asked).
///
/// `units` is the unit file's CSV text (a header, one row per unit), or an array of row
/// objects (`[{ variant: "b", revenue: 12.5 }, ...]`; errors then name the row as
/// `units[3].revenue`). Throws an `OfferwiseError` with the `code` and `path` of a problem.
///
/// ```js
/// const a = analyze(csvText, { control: "control", metrics: ["converted", "revenue", "aov=revenue/orders"],
///                              covariates: { revenue: "pre_revenue" }, timeColumn: "first_seen" });
/// for (const r of a.results) console.log(r.variant, r.metric, r.absLift, r.absLiftCI, r.pValue, r.verdict);
/// ```
#[wasm_bindgen(js_name = analyze, unchecked_return_type = "Analysis")]
pub fn analyze(
    #[wasm_bindgen(
        unchecked_param_type = "string | Record<string, string | number | boolean | null>[]"
    )]
    units: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AnalyzeOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options: units::UnitsOptions = read(Doc::Options, options)?;
    let rows = !units.is_string();
    let text = match units.as_string() {
        Some(t) => t,
        None => rows_to_csv(units).map_err(error::to_js)?,
    };
    let analysis = units::analyze_csv(text.as_bytes(), "units", &options).map_err(|mut e| {
        if rows {
            e.path = row_path(&e.path);
        }
        error::analysis_to_js(e)
    })?;
    write(&analysis)
}

/// `units:L.column` (line `L` of the CSV made from the rows) as `units[L − 2].column`.
fn row_path(path: &str) -> String {
    let Some(rest) = path.strip_prefix("units:") else {
        return path.to_string();
    };
    let (line, tail) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    match line.parse::<u64>() {
        Ok(l) if l >= 2 => format!("units[{}]{tail}", l - 2),
        _ => path.to_string(),
    }
}

/// Records of a log: JSON Lines text, or an array of objects (each a record).
fn log_text(doc: Doc, value: JsValue) -> Result<String, Error> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    let Some(array) = super::caller::array(doc, "", &value)? else {
        return Err(Error::invalid(
            doc,
            "",
            format!("the {doc} log is JSON Lines text or an array of records"),
        ));
    };
    // As the reader names a line of JSON Lines text: `decisions:2` is the second record.
    let name = if doc == Doc::Outcome {
        "outcomes"
    } else {
        "decisions"
    };
    let mut out = String::new();
    for (i, v) in array.iter().enumerate() {
        let at = format!("{name}:{}", i + 1);
        let line = super::stringify(doc, &v, &at)?
            .as_string()
            .ok_or_else(|| Error::invalid(doc, at, "not a JSON value"))?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// Joins a decision log with outcome events and analyses an experiment, as
/// `offerwise analyze --decisions --outcomes --experiment` does.
///
/// `decisions` is JSON Lines text of decision records or an array of them (each decision's
/// `log`); `outcomes` JSON Lines or CSV text of outcome events, or an array of them. Errors
/// name the line (`decisions:17.exposures`).
///
/// ```js
/// const a = analyzeLogs(decisions.map(d => d.log), outcomes,
///                       { experiment: "winback-2026q4", control: "control", windowDays: 14 });
/// console.log(a.join.units, a.results.map(r => [r.metric, r.absLift, r.pValue]));
/// ```
#[wasm_bindgen(js_name = analyzeLogs, unchecked_return_type = "Analysis")]
pub fn analyze_logs(
    #[wasm_bindgen(unchecked_param_type = "string | DecisionRecord[]")] decisions: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | OutcomeEvent[]")] outcomes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "LogAnalyzeOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options: logs::LogOptions = read(Doc::Options, options)?;
    let d = log_text(Doc::Decision, decisions).map_err(error::to_js)?;
    let o = log_text(Doc::Outcome, outcomes).map_err(error::to_js)?;
    let analysis = logs::analyze_logs(
        d.as_bytes(),
        "decisions",
        o.as_bytes(),
        "outcomes",
        &options,
    )
    .map_err(error::analysis_to_js)?;
    write(&analysis)
}

/// The Net Promoter Score of survey answers, as `offerwise nps` computes it: overall, per group
/// and each group against a control group. `surveys` is CSV text with a header (a 0–10 answer
/// per row).
///
/// ```js
/// const r = nps(csvText, { groupColumn: "tier", control: "bronze" });
/// console.log(r.overall.score, r.overall.scoreCI, r.comparisons.map(c => [c.group, c.diff, c.pValue]));
/// ```
#[wasm_bindgen(js_name = nps, unchecked_return_type = "NpsAnalysis")]
pub fn nps(
    #[wasm_bindgen(unchecked_param_type = "string")] surveys: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "NpsOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options: crate::analysis::surveys::SurveyOptions =
        if options.is_undefined() || options.is_null() {
            Default::default()
        } else {
            read(Doc::Options, options)?
        };
    let Some(text) = surveys.as_string() else {
        return Err(error::to_js(Error::invalid(
            Doc::Units,
            "",
            "the survey answers are CSV text",
        )));
    };
    let r = crate::analysis::surveys::analyze_csv(text.as_bytes(), "surveys", &options)
        .map_err(error::analysis_to_js)?;
    write(&r)
}

/// A member and when they enrolled.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Member {
    customer_id: String,
    enrolled_at: crate::customer::TimeValue,
}

/// A customer's segment.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SegmentOf {
    customer_id: String,
    segment: String,
}

/// `engine.effectiveness(input, options)`'s input, but the logs (read on their own, as
/// `analyzeLogs` reads them).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EffectivenessInput {
    customers: Vec<crate::customer::Customer>,
    #[serde(default)]
    members: Vec<Member>,
    /// Customers' segments: members are matched within theirs.
    #[serde(default)]
    segments: Vec<SegmentOf>,
    #[serde(default)]
    surveys: Option<String>,
    /// Read on their own (JSON Lines text or records); declared so the input may hold them.
    #[serde(default, rename = "decisions")]
    _decisions: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "outcomes")]
    _outcomes: Option<serde::de::IgnoredAny>,
}

impl WasmEngine {
    fn effectiveness_of(
        &self,
        input: JsValue,
        options: JsValue,
    ) -> Result<crate::analysis::effectiveness::Effectiveness, JsValue> {
        use crate::analysis::did::History;
        use crate::analysis::effectiveness::{run, EffectivenessOptions, Inputs};
        let log = |key: &str, doc: Doc| -> Result<Option<String>, JsValue> {
            let v = js_sys::Reflect::get(&input, &key.into()).unwrap_or(JsValue::UNDEFINED);
            if v.is_undefined() || v.is_null() {
                return Ok(None);
            }
            log_text(doc, v).map(Some).map_err(error::to_js)
        };
        let decisions = log("decisions", Doc::Decision)?;
        let outcomes = log("outcomes", Doc::Outcome)?;
        let i: EffectivenessInput = read(Doc::DataInput, input)?;
        let options: EffectivenessOptions = read(Doc::Options, options)?;
        let mut enrolled = BTreeMap::new();
        for (k, m) in i.members.iter().enumerate() {
            let at = m.enrolled_at.to_millis(0).map_err(|e| {
                error::to_js(Error::invalid(
                    Doc::Options,
                    format!("members[{k}].enrolledAt"),
                    e,
                ))
            })?;
            enrolled.insert(m.customer_id.as_str(), at);
        }
        let segments: BTreeMap<&str, &str> = i
            .segments
            .iter()
            .map(|s| (s.customer_id.as_str(), s.segment.as_str()))
            .collect();
        let mut customers = Vec::with_capacity(i.customers.len());
        let mut accounts = Vec::new();
        for (k, c) in i.customers.iter().enumerate() {
            let mut orders = Vec::with_capacity(c.orders.len());
            for (j, o) in c.orders.iter().enumerate() {
                let at = o.at.to_millis(0).map_err(|e| {
                    error::to_js(Error::invalid(
                        Doc::Customer,
                        format!("customers[{k}].orders[{j}].at"),
                        e,
                    ))
                })?;
                orders.push((at, o.amount));
            }
            let id = c.id.0.clone();
            if let Some(a) = &c.loyalty {
                accounts.push((id.clone(), a.clone()));
            }
            customers.push(History {
                enrolled_at: enrolled.get(id.as_str()).copied(),
                segment: segments.get(id.as_str()).map(|s| s.to_string()),
                id,
                orders,
            });
        }
        let inputs = Inputs {
            customers: &customers,
            accounts: &accounts,
            decisions: decisions.as_deref().map(|t| (t, "decisions")),
            outcomes: outcomes.as_deref().map(|t| (t, "outcomes")),
            surveys: i.surveys.as_deref().map(|t| (t, "surveys")),
            candidate: None,
        };
        run(Some(&*self.engine()?), &inputs, &options).map_err(error::analysis_to_js)
    }
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Does the programme pay? As `offerwise effectiveness`: the programme against its global
    /// holdout from the decision log and outcomes (causal), members against matched
    /// non-members (difference-in-differences, with its balance table, event-time plot and
    /// placebo), the loyalty KPIs with their intervals, points breakage and liability (from
    /// the customers' `loyalty` accounts, replayed with this engine's programme), and NPS.
    ///
    /// ```js
    /// const e = engine.effectiveness(
    ///   { customers, members: [{ customerId: "c1", enrolledAt: "2024-02-01" }], decisions, outcomes },
    ///   { now: Date.parse("2024-07-01"), holdoutShare: 0.1 });
    /// console.log(e.holdout?.results, e.matched?.effect, e.kpis.points?.liability);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Effectiveness")]
    pub fn effectiveness(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EffectivenessInput")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EffectivenessOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        write(&self.effectiveness_of(input, options)?)
    }

    /// The same analyses as one self-contained HTML page (no script, no request): the report
    /// `offerwise effectiveness --html` writes.
    #[wasm_bindgen(js_name = effectivenessReport)]
    pub fn effectiveness_report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EffectivenessInput")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EffectivenessOptions")] options: JsValue,
    ) -> Result<String, JsValue> {
        let e = self.effectiveness_of(input, options)?;
        Ok(crate::analysis::programme_report::html(
            &e,
            "Does the programme pay?",
        ))
    }
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// This engine (its programme and learned policy) as a candidate, evaluated offline on a
    /// decision log and its outcome events, as `offerwise evaluate-policy`: each logged first
    /// slot ranked again from its logged candidates, and the candidate's value per decision by
    /// IPS, SNIPS and doubly robust estimates beside the logging policy's.
    ///
    /// ```js
    /// const candidate = new Engine(model, newProgram, newPolicy);
    /// const e = candidate.evaluatePolicy(decisions, outcomes, { windowDays: 14 });
    /// console.log(e.ips.value, e.lift, e.effectiveSampleSize, e.warning);
    /// ```
    #[wasm_bindgen(js_name = evaluatePolicy, unchecked_return_type = "PolicyEvaluation")]
    pub fn evaluate_policy(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | DecisionRecord[]")] decisions: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | OutcomeEvent[]")] outcomes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PolicyOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let options: crate::analysis::ope::PolicyOptions =
            if options.is_undefined() || options.is_null() {
                Default::default()
            } else {
                read(Doc::Options, options)?
            };
        let d = log_text(Doc::Decision, decisions).map_err(error::to_js)?;
        let o = log_text(Doc::Outcome, outcomes).map_err(error::to_js)?;
        let e = crate::analysis::ope::evaluate_policy(&d, &o, &*self.engine()?, &options)
            .map_err(error::analysis_to_js)?;
        write(&e)
    }
}
