//! A variant's programme parameters: `caps` and `set`, applied to the programme document.
//!
//! A variant may change any documented parameter of offer selection and nudges:
//!
//! | `set` path | what it changes |
//! | --- | --- |
//! | `maxOffers` | offers per decision |
//! | `nudges.max` | nudges per decision |
//! | `ranking.<field>` | any field of `ranking` (`objective`, `defaultResponse`, `orderValue`, `deliveryCost`, `redemptionRate`, `onePerKind`, `explainLeftOut`) |
//! | `offers.<offer id>.<field>` | any field of that offer but `id`, `kind` and `when` (`value`, `weight`, `response`, `cost`, `caps`, `priority`, `eligibility`, `validity`, `channels`, `minCart`, ...) |
//!
//! A value of `null` removes the field (its default applies). `caps: {"<offer id>": [...],
//! "*": [...]}` is short for `set: {"offers.<id>.caps": [...]}`: `"*"` stands for every offer
//! the map does not name, and `[]` lifts an offer's caps. `caps` apply first, then `set` in the
//! order of its keys.
//!
//! The loyalty rules (`loyalty`: earning, tiers, the ledger), budgets, stacking groups, the
//! experiments and the holdout are not variant settings: a customer's points and tier are the
//! same whatever variant they are in, and a budget is one pool for every variant.
//!
//! The programme with a variant's settings applied is validated as a whole when the programme
//! loads ([`crate::program::Program::variant_programs`]), one path at a time, so an error names
//! the setting that caused it.

use super::define::Variant;
use crate::error::{quoted, Doc, Error};
use crate::json::join;
use serde_json::Value;

/// The fields `set` may change on an offer.
pub const OFFER_FIELDS: &[&str] = &[
    "title",
    "value",
    "eligibility",
    "weight",
    "segmentWeights",
    "roleWeights",
    "response",
    "cost",
    "margin",
    "validity",
    "channels",
    "targets",
    "minCart",
    "caps",
    "budget",
    "stackingGroup",
    "priority",
];

/// The fields `set` may change under `ranking`.
pub const RANKING_FIELDS: &[&str] = &[
    "objective",
    "defaultResponse",
    "orderValue",
    "deliveryCost",
    "redemptionRate",
    "onePerKind",
    "explainLeftOut",
];

/// Whether a variant changes programme parameters.
pub fn changes_program(v: &Variant) -> bool {
    !v.caps.is_empty() || !v.set.is_empty()
}

/// One change: where it is written in the variant (for errors), the programme path, the value.
pub struct Change<'a> {
    pub at: String,
    pub target: Target<'a>,
    pub value: Value,
}

/// What a change writes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'a> {
    /// A top-level field (`maxOffers`) or one of an object (`nudges.max`, `ranking.x`).
    Field(&'static str, Option<&'a str>),
    /// A field of the offer at this index of the catalogue.
    Offer(usize, &'a str),
}

/// The changes of a variant, in the order they apply, each checked against the documented
/// paths and the catalogue (`offer_ids`). `vpath` is the variant's path in the programme.
pub fn changes<'a>(
    v: &'a Variant,
    offer_ids: &[&str],
    vpath: &str,
) -> Result<Vec<Change<'a>>, Error> {
    let bad = |path: String, msg: String| Error::invalid(Doc::Program, path, msg);
    let mut out = Vec::new();
    let caps_path = join(vpath, "caps");
    for id in v.caps.keys().filter(|k| k.as_str() != "*") {
        if !offer_ids.contains(&id.as_str()) {
            return Err(bad(
                join(&caps_path, id),
                format!(
                    "offer {id:?} is not in the catalogue (\"*\" is every other offer)",
                    id = quoted(id)
                ),
            ));
        }
    }
    for (i, id) in offer_ids.iter().enumerate() {
        let (key, caps) = match v.caps.get(*id) {
            Some(c) => (*id, c),
            None => match v.caps.get("*") {
                Some(c) => ("*", c),
                None => continue,
            },
        };
        out.push(Change {
            at: join(&caps_path, key),
            target: Target::Offer(i, "caps"),
            value: serde_json::to_value(caps).unwrap_or_default(),
        });
    }
    let set_path = join(vpath, "set");
    for (path, value) in &v.set {
        let at = join(&set_path, path);
        let target = parse_path(path, offer_ids).map_err(|m| bad(at.clone(), m))?;
        out.push(Change {
            at,
            target,
            value: value.clone(),
        });
    }
    Ok(out)
}

/// Reads a `set` path.
fn parse_path<'a>(path: &'a str, offer_ids: &[&str]) -> Result<Target<'a>, String> {
    let documented =
        "documented paths: maxOffers, nudges.max, ranking.<field>, offers.<offer id>.<field>";
    match path {
        "maxOffers" => return Ok(Target::Field("maxOffers", None)),
        "nudges.max" => return Ok(Target::Field("nudges", Some("max"))),
        _ => {}
    }
    if let Some(field) = path.strip_prefix("ranking.") {
        return match RANKING_FIELDS.iter().find(|f| **f == field) {
            Some(_) => Ok(Target::Field("ranking", Some(field))),
            None => Err(format!(
                "ranking has no field {field:?} (fields: {})",
                RANKING_FIELDS.join(", "),
                field = quoted(field)
            )),
        };
    }
    if let Some(rest) = path.strip_prefix("offers.") {
        // Offer ids may hold dots; field names never do.
        let Some((id, field)) = rest.rsplit_once('.') else {
            return Err(format!(
                "name the offer and its field: offers.<offer id>.<field>, got {path:?}",
                path = quoted(path)
            ));
        };
        let Some(i) = offer_ids.iter().position(|o| *o == id) else {
            return Err(format!(
                "offer {id:?} is not in the catalogue",
                id = quoted(id)
            ));
        };
        if !OFFER_FIELDS.contains(&field) {
            return Err(if ["id", "kind", "when"].contains(&field) {
                format!("an offer's {field} is not a variant setting (an offer keeps its id, kind and condition in every variant)")
            } else {
                format!(
                    "offers have no field {field:?} a variant may set (fields: {})",
                    OFFER_FIELDS.join(", "),
                    field = quoted(field)
                )
            });
        };
        return Ok(Target::Offer(i, field));
    }
    if [
        "loyalty",
        "budgets",
        "stackingGroups",
        "experiments",
        "holdout",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}.")))
    {
        return Err(format!(
            "{path:?} is not a variant setting: points, tiers, budgets, stacking, experiments and the holdout are the same in every variant ({documented})", path = quoted(path)
        ));
    }
    Err(format!(
        "{path:?} is not a variant setting ({documented})",
        path = quoted(path)
    ))
}

/// Writes one change into a programme document (`null` removes the field).
pub fn apply(doc: &mut Value, target: &Target, value: &Value) {
    let slot = match target {
        Target::Field(top, None) => Some((doc.as_object_mut(), *top)),
        Target::Field(top, Some(field)) => {
            let Some(obj) = doc.as_object_mut() else {
                return;
            };
            let inner = obj
                .entry(top.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            Some((inner.as_object_mut(), *field))
        }
        Target::Offer(i, field) => Some((
            doc.get_mut("offers")
                .and_then(|o| o.get_mut(*i))
                .and_then(Value::as_object_mut),
            *field,
        )),
    };
    if let Some((Some(obj), key)) = slot {
        if value.is_null() {
            obj.remove(key);
        } else {
            obj.insert(key.to_string(), value.clone());
        }
    }
}

/// Removes every variant's `caps` and `set` from a programme document, so a programme with a
/// variant's settings applied does not apply them again.
pub fn strip(doc: &mut Value) {
    let Some(xs) = doc.get_mut("experiments").and_then(Value::as_array_mut) else {
        return;
    };
    for x in xs {
        let Some(vs) = x.get_mut("variants").and_then(Value::as_array_mut) else {
            continue;
        };
        for v in vs.iter_mut().filter_map(Value::as_object_mut) {
            v.remove("caps");
            v.remove("set");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let ids = ["a", "b.c"];
        assert_eq!(
            parse_path("offers.b.c.weight", &ids),
            Ok(Target::Offer(1, "weight"))
        );
        assert_eq!(
            parse_path("ranking.orderValue", &ids),
            Ok(Target::Field("ranking", Some("orderValue")))
        );
        assert!(parse_path("offers.a.when", &ids)
            .unwrap_err()
            .contains("not a variant setting"));
        assert!(parse_path("offers.z.weight", &ids)
            .unwrap_err()
            .contains("not in the catalogue"));
        assert!(parse_path("loyalty.earn.pointsPerUnit", &ids)
            .unwrap_err()
            .contains("points, tiers"));
        assert!(parse_path("ranking.nope", &ids)
            .unwrap_err()
            .contains("fields: objective"));
        assert!(parse_path("offers.a", &ids)
            .unwrap_err()
            .contains("name the offer and its field"));
    }

    #[test]
    fn null_removes() {
        let mut doc = serde_json::json!({"offers": [{"id": "a", "response": 0.2}]});
        apply(&mut doc, &Target::Offer(0, "response"), &Value::Null);
        assert_eq!(doc, serde_json::json!({"offers": [{"id": "a"}]}));
        apply(
            &mut doc,
            &Target::Field("nudges", Some("max")),
            &serde_json::json!(1),
        );
        assert_eq!(doc["nudges"]["max"], 1);
    }
}
