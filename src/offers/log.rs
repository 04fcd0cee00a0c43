//! The decision log: what a page or worker logs for every decision, and the outcome events it
//! logs afterwards, so that learning and offline evaluation can join what was shown with what
//! happened.
//!
//! # Decision record (`offerwise.decision/1`)
//!
//! Every [`crate::Decision`] carries `log`, the record to write as it is:
//!
//! | field | meaning |
//! | --- | --- |
//! | `schema` | `"offerwise.decision/1"` |
//! | `decisionId` | 16 hex digits, FNV-1a 64 of the customer id, the instant, the model version and the programme version: the same decision made twice has the same id, so a log can be de-duplicated |
//! | `customerId`, `at` | the customer and the decision's instant (RFC 3339, UTC) |
//! | `modelVersion`, `programVersion` | `name@<12 hex>` of the model and of the programme (FNV-1a 64 of the programme document as the engine read it, in its canonical JSON form) |
//! | `policyVersion` | the learned policy's version (`name@<12 hex>`); `null` while offers are ranked by the programme's priors alone |
//! | `segment` | `{id, role}` or `null` (no orders yet) |
//! | `variants` | experiment key → variant key (`null` outside the experiment's coverage) |
//! | `objective` | the ranking objective used: `margin`, `revenue` or `retention` |
//! | `context` | the context vector the policy reads ([`crate::offers::policy::CONTEXT_FEATURES`], 16 numbers): `learn` fits on it, so a log of rules-only decisions can train the first policy |
//! | `offers` | the offers shown, in slot order: `{id, slot, propensity, score}`; `slot` counts from 1; `propensity` is the exact probability with which the policy shows this offer in this slot for this customer today (1 for the deterministic rules ranking); `score` its expected incremental value |
//!
//! # Outcome event (`offerwise.outcome/1`)
//!
//! What the shop logs when something happens after a decision ([`Outcome::from_json`] reads
//! and checks one, with the path of any problem):
//!
//! | field | meaning |
//! | --- | --- |
//! | `schema` | `"offerwise.outcome/1"` |
//! | `decisionId` | the decision it follows (its `log.decisionId`) |
//! | `customerId` | the customer |
//! | `at` | when it happened: ISO 8601 or epoch milliseconds, not before the decision |
//! | `type` | `conversion` (an order), `redemption` (an offer used), `click`, `dismiss` |
//! | `offerId` | the offer it concerns (required for `redemption`, `click`, `dismiss`) |
//! | `revenue`, `margin` | money of a conversion, ≥ 0 (margin ≤ revenue); absent otherwise |
//! | `pointsEarned`, `pointsRedeemed` | loyalty points a conversion earned and burned, ≥ 0; absent otherwise |
//! | `discount` | money the programme took off a conversion (offers, tier discount), ≥ 0; absent otherwise |
//! | `cashback`, `gifts` | money the programme paid back on a conversion, and the cost of the gifts it gave with it, ≥ 0; absent otherwise |

use crate::customer::TimeValue;
use crate::error::quoted;
use crate::error::{Doc, Error};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema name of decision records.
pub const DECISION_SCHEMA: &str = "offerwise.decision/1";
/// The schema name of outcome events.
pub const OUTCOME_SCHEMA: &str = "offerwise.outcome/1";

/// The segment of a logged decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedSegment {
    pub id: usize,
    pub role: crate::role::Role,
    /// The segment's name (offers' `segmentWeights` read it); absent in older logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An offer the first slot could have shown, as logged: what offline evaluation of another
/// policy needs to rank the same choice again ([`crate::analysis::ope::evaluate_policy`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedCandidate {
    pub id: String,
    /// The probability the logging policy put the offer in the first slot.
    pub probability: f64,
    pub priority: i32,
    /// The programme's prior take-up for this customer and the take-up the ranking used
    /// (learned, when the policy had enough data).
    pub prior: f64,
    pub response: f64,
    /// The offer's gain and cost for this customer (score = response × (gain − cost)).
    pub gain: f64,
    pub cost: f64,
}

/// An offer shown, as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedOffer {
    pub id: String,
    /// 1 for the first offer shown.
    pub slot: usize,
    /// The probability with which the policy shows this offer in this slot here.
    pub propensity: f64,
    pub score: f64,
}

/// The record of one decision (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionRecord {
    pub schema: String,
    pub decision_id: String,
    pub customer_id: String,
    pub at: String,
    pub model_version: String,
    pub program_version: String,
    pub policy_version: Option<String>,
    pub segment: Option<LoggedSegment>,
    pub variants: BTreeMap<String, Option<String>>,
    /// The ranking objective used (`margin`, `revenue`, `retention`).
    pub objective: crate::offers::catalogue::Objective,
    /// The context vector the policy read and learns from
    /// ([`crate::offers::policy::CONTEXT_FEATURES`]).
    pub context: Vec<f64>,
    pub offers: Vec<LoggedOffer>,
    /// Every offer that passed the catalogue's rules, with the probability the policy gave it
    /// for the first slot (1 for the offer shown first when there is no policy), best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_slot: Vec<LoggedCandidate>,
    /// The experiments the customer is in as a participant (see
    /// [`crate::experiments::Exposure`]); a stopped experiment's winner is not an exposure.
    #[serde(default)]
    pub exposures: Vec<crate::experiments::Exposure>,
    /// Whether the customer is in the programme's global holdout (no offers, no nudges, no
    /// experiments).
    #[serde(default)]
    pub holdout: bool,
}

impl DecisionRecord {
    /// Reads and checks one decision record (a line of a decision log).
    pub fn from_json(text: &str) -> Result<DecisionRecord, Error> {
        let d: DecisionRecord = crate::json::from_str(Doc::Decision, text)?;
        let bad = |path: String, msg: String| Err(Error::invalid(Doc::Decision, path, msg));
        if d.schema != DECISION_SCHEMA {
            return bad(
                "schema".into(),
                format!("expected {DECISION_SCHEMA:?}, got {:?}", quoted(&d.schema)),
            );
        }
        if d.decision_id.len() != 16 || !d.decision_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return bad(
                "decisionId".into(),
                format!("{:?} is not 16 hex digits", quoted(&d.decision_id)),
            );
        }
        if let Err(e) = crate::time::parse_instant(&d.at, 0) {
            return bad("at".into(), e);
        }
        let dims = crate::offers::policy::D;
        if d.context.len() != dims || d.context.iter().any(|x| !x.is_finite()) {
            return bad(
                "context".into(),
                format!("must be {dims} finite numbers (this build's context vector)"),
            );
        }
        for (i, c) in d.first_slot.iter().enumerate() {
            if !(0.0..=1.0).contains(&c.probability)
                || ![c.prior, c.response, c.gain, c.cost]
                    .iter()
                    .all(|x| x.is_finite())
            {
                return bad(
                    format!("firstSlot[{i}]"),
                    "probability must be in [0, 1] and prior, response, gain and cost finite"
                        .into(),
                );
            }
        }
        for (i, o) in d.offers.iter().enumerate() {
            if !(o.propensity > 0.0 && o.propensity <= 1.0) {
                return bad(
                    format!("offers[{i}].propensity"),
                    format!("must be in (0, 1], got {}", o.propensity),
                );
            }
        }
        Ok(d)
    }
}

/// FNV-1a 64 over byte strings separated by a 0 byte.
pub fn fnv1a64(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0;
            h = h.wrapping_mul(PRIME);
        }
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// The decision id: 16 hex digits of FNV-1a 64 over the customer id, the instant (epoch ms),
/// the model version and the programme version.
pub fn decision_id(customer_id: &str, at_ms: i64, model: &str, program: &str) -> String {
    // The instant's decimal digits and the hash's hex digits written by hand: `format!` costs
    // more than the hash (a decision on each page view).
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = at_ms.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut at = [0u8; 21];
    let len = digits.len() - i + usize::from(at_ms < 0);
    if at_ms < 0 {
        at[0] = b'-';
    }
    at[usize::from(at_ms < 0)..len].copy_from_slice(&digits[i..]);
    let h = fnv1a64(&[
        customer_id.as_bytes(),
        &at[..len],
        model.as_bytes(),
        program.as_bytes(),
    ]);
    (0..16)
        .rev()
        .map(|k| char::from(b"0123456789abcdef"[((h >> (4 * k)) & 0xf) as usize]))
        .collect()
}

/// What happened after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OutcomeType {
    /// An order.
    Conversion,
    /// An offer used.
    Redemption,
    /// An offer clicked.
    Click,
    /// An offer dismissed.
    Dismiss,
}

/// An outcome event (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outcome {
    pub schema: String,
    pub decision_id: String,
    pub customer_id: String,
    pub at: TimeValue,
    #[serde(rename = "type")]
    pub kind: OutcomeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_earned: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_redeemed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashback: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gifts: Option<f64>,
}

impl Outcome {
    /// Reads and checks one outcome event (errors have code `outcome.syntax` or
    /// `outcome.invalid` and the path of the problem).
    pub fn from_json(text: &str) -> Result<Outcome, Error> {
        let o: Outcome = crate::json::from_str(Doc::Outcome, text)?;
        o.validate()?;
        Ok(o)
    }

    /// Checks the event: schema, ids, time, the offer for offer events, money.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |path: &str, msg: String| Err(Error::invalid(Doc::Outcome, path, msg));
        if self.schema != OUTCOME_SCHEMA {
            return bad(
                "schema",
                format!(
                    "expected {OUTCOME_SCHEMA:?}, got {:?}",
                    quoted(&self.schema)
                ),
            );
        }
        if self.decision_id.len() != 16 || !self.decision_id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return bad(
                "decisionId",
                format!(
                    "{:?} is not a decision id (16 hex digits, the decision's log.decisionId)",
                    quoted(&self.decision_id)
                ),
            );
        }
        if self.customer_id.is_empty() {
            return bad("customerId", "the customer id is empty".into());
        }
        if let Err(e) = self.at.to_millis(0) {
            return bad("at", e);
        }
        let offer_event = matches!(
            self.kind,
            OutcomeType::Redemption | OutcomeType::Click | OutcomeType::Dismiss
        );
        if offer_event && self.offer_id.as_deref().is_none_or(str::is_empty) {
            return bad(
                "offerId",
                format!("a {:?} event names the offer it concerns", self.kind),
            );
        }
        for (field, v) in [
            ("revenue", self.revenue),
            ("margin", self.margin),
            ("pointsEarned", self.points_earned),
            ("pointsRedeemed", self.points_redeemed),
            ("discount", self.discount),
            ("cashback", self.cashback),
            ("gifts", self.gifts),
        ] {
            if let Some(v) = v {
                if self.kind != OutcomeType::Conversion {
                    return bad(field, "only a conversion carries money and points".into());
                }
                if !(v.is_finite() && v >= 0.0) {
                    return bad(field, format!("must be a finite number ≥ 0, got {v}"));
                }
            }
        }
        if let (Some(r), Some(m)) = (self.revenue, self.margin) {
            if m > r {
                return bad("margin", format!("margin {m} is more than the revenue {r}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_reference_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&[b"foobar"]), 0x8594_4171_f739_67e8);
        // Parts are separated: ("ab", "c") and ("a", "bc") differ.
        assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
        assert_eq!(fnv1a64(&[b"a", b"b"]), fnv1a64(&[b"a\0b"]));
        for (at, who) in [
            (899_251_200_000, "00042"),
            (-1, "x"),
            (0, ""),
            (i64::MIN, "y"),
            (i64::MAX, "z"),
        ] {
            let reference = format!(
                "{:016x}",
                fnv1a64(&[who.as_bytes(), at.to_string().as_bytes(), b"m@1", b"p@2"])
            );
            assert_eq!(decision_id(who, at, "m@1", "p@2"), reference);
        }
        let id = decision_id("00042", 899_251_200_000, "m@1", "p@2");
        assert_eq!(id.len(), 16);
        assert_eq!(id, decision_id("00042", 899_251_200_000, "m@1", "p@2"));
        assert_ne!(id, decision_id("00042", 899_251_200_001, "m@1", "p@2"));
    }

    #[test]
    fn outcomes_are_checked_with_paths() {
        let ok = r#"{"schema": "offerwise.outcome/1", "decisionId": "0123456789abcdef",
            "customerId": "c1", "at": "1998-07-02T10:00:00Z", "type": "conversion",
            "revenue": 62, "margin": 18.6}"#;
        let o = Outcome::from_json(ok).unwrap();
        assert_eq!((o.kind, o.revenue), (OutcomeType::Conversion, Some(62.0)));
        let cases = [
            (ok.replace("outcome/1", "outcome/9"), "schema"),
            (ok.replace("0123456789abcdef", "xyz"), "decisionId"),
            (ok.replace("\"c1\"", "\"\""), "customerId"),
            (ok.replace("1998-07-02T10:00:00Z", "1998-13-02"), "at"),
            (ok.replace("18.6", "80"), "margin"),
            (ok.replace("62", "-1"), "revenue"),
            (ok.replace("\"conversion\"", "\"redemption\""), "offerId"),
            (ok.replace("\"type\"", "\"kind\""), "kind"),
        ];
        for (text, path) in cases {
            let e = Outcome::from_json(&text).unwrap_err();
            assert!(e.code().starts_with("outcome."), "{e}");
            assert!(
                e.path() == path || e.to_string().contains(path),
                "{path}: {e}"
            );
        }
    }
}
