//! Segment roles: a fixed vocabulary that programmes target, chosen from each segment's
//! recency / frequency / monetary profile so that a role never contradicts the profile.
//!
//! Segment *names* belong to one trained model; *roles* are the same for every model, so a
//! programme written once ("20 % off for `hibernating` customers") works with any shop's model.
//!
//! # The vocabulary
//!
//! | id | meaning | group |
//! | --- | --- | --- |
//! | `champions` | bought recently, the most valuable of the recent segments | recent |
//! | `loyal` | bought recently, *valuable* (buys often and spends well) | recent |
//! | `potential-loyalists` | bought recently, not valuable | recent |
//! | `new` | first bought after the average customer's last order, the fewest orders of the recent segments that are not valuable | recent |
//! | `cant-lose` | lapsed, the most valuable of the valuable lapsed segments | lapsed |
//! | `at-risk` | lapsed, valuable | lapsed |
//! | `hibernating` | lapsed, not valuable | lapsed |
//! | `lost` | lapsed the longest of the lapsed segments that are not valuable | lapsed |
//!
//! The ids are stable: they are written in model files and programmes and never renamed.
//!
//! # How roles are chosen
//!
//! Each segment is read as `(r, f, m, n)`: the mean recency in days, mean frequency (orders),
//! mean monetary value (spend per order) of its training customers, and its size (from the
//! segment's `profile`: `recencyDays`, `frequency`, `monetary`). The *value* of a segment is
//! `z(ln(1 + f)) + z(ln(1 + m))`, z-scores over the segments weighted by size (a constant column
//! scores 0). A segment is *valuable* when both its value and its frequency z-score
//! `z(ln(1 + f))` are ≥ 0: it buys at least as often as average and is worth at least as much
//! (one big order long ago is not "can't lose"). `T` is the size-weighted mean recency.
//!
//! 1. Segments with `r ≤ T` are *recent* (and those with the smallest `r`, whatever the
//!    rounding of `T`), the others *lapsed*.
//! 2. Recent segments by value, highest first (ties by id): the first is `champions`; the others
//!    that are valuable are `loyal`; of the others, the one with the lowest `f` (ties by
//!    id) is `new` if its mean tenure (days since the first order, `tenureDays`) is at most
//!    `T` — its customers' first orders came after the average customer's last — and the rest
//!    are `potential-loyalists`. (Without tenure means, no segment is `new`.)
//! 3. Valuable lapsed segments, by value: the first is `cant-lose`, the others `at-risk`.
//! 4. The other lapsed segments, by recency, longest first (ties by id): the first is
//!    `lost`, the others `hibernating`.
//!
//! A model from older files without `profile` means is read from its centroids instead (the
//! z-scores of the scaled recency, frequency and monetary features, see [`Rfm`]).
//!
//! # Invariants
//!
//! [`check_invariants`] checks these; they hold by construction for any profiles, and the tests
//! check them on CDNOW and on random profiles:
//!
//! * **recency**: every segment with a recent role has a smaller mean recency than every
//!   segment with a lapsed role;
//! * **lost**: `lost` has a larger mean recency than every `hibernating` segment;
//! * **value**: `champions` has the highest value of the recent roles and `cant-lose` of the
//!   valuable lapsed ones (every `at-risk`); `loyal`, `cant-lose` and `at-risk` are valuable (value and frequency
//!   z-score ≥ 0) and `potential-loyalists`, `new`, `hibernating` and `lost` are not;
//! * **new**: `new` has no more orders on average than any `potential-loyalists` segment, and a
//!   mean tenure no longer than the mean recency of the customers;
//! * **unique**: at most one segment is `champions`, `new`, `cant-lose` or `lost`; the other
//!   roles may be shared by several segments (or be absent, with few segments).
use crate::math::ln_1p;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A segment's role (see the module docs for the vocabulary and how it is chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Recent, the most valuable recent segment.
    Champions,
    /// Recent, valuable (frequency and value at least average).
    Loyal,
    /// Recent, not valuable.
    PotentialLoyalists,
    /// Recent, not valuable, the fewest orders.
    New,
    /// Lapsed, the most valuable lapsed segment.
    CantLose,
    /// Lapsed, valuable.
    AtRisk,
    /// Lapsed, not valuable.
    Hibernating,
    /// Lapsed the longest, not valuable.
    Lost,
}

impl Role {
    /// Every role, in the order of the vocabulary.
    pub const ALL: [Role; 8] = [
        Role::Champions,
        Role::Loyal,
        Role::PotentialLoyalists,
        Role::New,
        Role::CantLose,
        Role::AtRisk,
        Role::Hibernating,
        Role::Lost,
    ];

    /// The stable id, as written in model files and programmes.
    pub const fn id(self) -> &'static str {
        match self {
            Role::Champions => "champions",
            Role::Loyal => "loyal",
            Role::PotentialLoyalists => "potential-loyalists",
            Role::New => "new",
            Role::CantLose => "cant-lose",
            Role::AtRisk => "at-risk",
            Role::Hibernating => "hibernating",
            Role::Lost => "lost",
        }
    }

    /// The segment name a trained model gives a segment of this role (a number is appended
    /// when several segments share the role).
    pub const fn display_name(self) -> &'static str {
        match self {
            Role::Champions => "champions",
            Role::Loyal => "loyal customers",
            Role::PotentialLoyalists => "potential loyalists",
            Role::New => "new customers",
            Role::CantLose => "can't lose them",
            Role::AtRisk => "at risk",
            Role::Hibernating => "hibernating",
            Role::Lost => "lost",
        }
    }

    /// Whether the role means "bought recently" (the others mean "lapsed").
    pub const fn is_recent(self) -> bool {
        matches!(
            self,
            Role::Champions | Role::Loyal | Role::PotentialLoyalists | Role::New
        )
    }

    /// The role with this id.
    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Every role id, comma-separated (for messages).
    pub fn vocabulary() -> String {
        Role::ALL.map(Role::id).join(", ")
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A centroid's profile in standardized units (z-scores of the scaled features).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    /// Recency (high = long ago).
    pub r: f64,
    /// Frequency.
    pub f: f64,
    /// Monetary value.
    pub m: f64,
}

impl Rfm {
    /// A single value score: recent, frequent and high-spending is high.
    pub fn value(&self) -> f64 {
        -self.r + self.f + self.m
    }
}

fn first_of(features: &[String], names: &[&str], centroid: &[f64]) -> f64 {
    names
        .iter()
        .find_map(|n| features.iter().position(|f| f == n))
        .and_then(|i| centroid.get(i).copied())
        .unwrap_or(0.0)
}

/// The RFM profile of a centroid in scaled space: recency from `recencyDays`, frequency from
/// `frequency`, `purchaseDays` or `ordersLast365d`, monetary from `monetary`, `totalSpend` or
/// `spendLast365d` (the first present of each; 0 when none is).
pub fn rfm_of(features: &[String], centroid: &[f64]) -> Rfm {
    Rfm {
        r: first_of(features, &["recencyDays"], centroid),
        f: first_of(
            features,
            &["frequency", "purchaseDays", "ordersLast365d"],
            centroid,
        ),
        m: first_of(
            features,
            &["monetary", "totalSpend", "spendLast365d"],
            centroid,
        ),
    }
}

/// What roles are chosen from: one segment's profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Mean recency (days since the last order; or a z-score, see [`Profile::from_rfm`]).
    pub recency: f64,
    /// Mean frequency, on the scale the value score uses (`ln(1 + orders)` for raw means).
    pub frequency: f64,
    /// Mean monetary value, on the scale the value score uses (`ln(1 + spend)` for raw means).
    pub monetary: f64,
    /// Training customers in the segment (weights of the means; 0 counts as 1).
    pub size: u64,
    /// Mean tenure in days (days since the first order); `+∞` when unknown.
    pub tenure: f64,
}

impl Profile {
    /// A profile from raw means (days, orders, spend per order): frequency and monetary are
    /// log-transformed (`ln(1 + x)`, negative values read as 0).
    pub fn from_means(recency_days: f64, frequency: f64, monetary: f64, size: u64) -> Profile {
        Profile {
            recency: recency_days,
            frequency: ln_1p(frequency.max(0.0)),
            monetary: ln_1p(monetary.max(0.0)),
            size,
            tenure: f64::INFINITY,
        }
    }

    /// The same profile with a mean tenure (days since the first order).
    pub fn with_tenure(self, tenure_days: f64) -> Profile {
        Profile {
            tenure: tenure_days,
            ..self
        }
    }

    /// A profile from a centroid's standardized RFM (already on a log and z scale).
    pub fn from_rfm(rfm: Rfm, size: u64) -> Profile {
        Profile {
            recency: rfm.r,
            frequency: rfm.f,
            monetary: rfm.m,
            size,
            tenure: f64::INFINITY,
        }
    }
}

/// Size-weighted z-scores of `xs` (0 for all when the column is constant or not finite).
fn zscores(xs: &[f64], w: &[f64]) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return vec![0.0; xs.len()];
    }
    let mean = xs.iter().zip(w).map(|(x, w)| x * w).sum::<f64>() / total;
    let var = xs
        .iter()
        .zip(w)
        .map(|(x, w)| (x - mean) * (x - mean) * w)
        .sum::<f64>()
        / total;
    let sd = var.sqrt();
    if !(sd.is_finite() && sd > 1e-12) {
        return vec![0.0; xs.len()];
    }
    xs.iter().map(|x| (x - mean) / sd).collect()
}

/// The value score of every segment: `z(frequency) + z(monetary)`, size-weighted.
pub fn values(profiles: &[Profile]) -> Vec<f64> {
    let w: Vec<f64> = profiles.iter().map(|p| p.size.max(1) as f64).collect();
    let f: Vec<f64> = profiles.iter().map(|p| p.frequency).collect();
    let m: Vec<f64> = profiles.iter().map(|p| p.monetary).collect();
    zscores(&f, &w)
        .into_iter()
        .zip(zscores(&m, &w))
        .map(|(a, b)| a + b)
        .collect()
}

/// Whether each segment is *valuable*: value and frequency z-score both ≥ 0.
pub fn valuable_flags(profiles: &[Profile]) -> Vec<bool> {
    let w: Vec<f64> = profiles.iter().map(|p| p.size.max(1) as f64).collect();
    let f: Vec<f64> = profiles.iter().map(|p| p.frequency).collect();
    zscores(&f, &w)
        .into_iter()
        .zip(values(profiles))
        .map(|(zf, v)| zf >= 0.0 && v >= 0.0)
        .collect()
}

/// The recency threshold `T`: the size-weighted mean recency.
fn threshold(profiles: &[Profile]) -> f64 {
    let total: f64 = profiles.iter().map(|p| p.size.max(1) as f64).sum();
    if total <= 0.0 {
        return 0.0;
    }
    profiles
        .iter()
        .map(|p| p.recency * p.size.max(1) as f64)
        .sum::<f64>()
        / total
}

/// Chooses the role of every segment (see the module docs). Deterministic: ties by index.
/// Non-finite inputs never panic (they compare by `total_cmp`).
pub fn assign_roles(profiles: &[Profile]) -> Vec<Role> {
    let n = profiles.len();
    let value = values(profiles);
    let often = valuable_flags(profiles);
    let t = threshold(profiles);
    let v = |i: usize| value.get(i).copied().unwrap_or(0.0);
    let valuable = |i: usize| often.get(i).copied().unwrap_or(false);
    let p = |i: usize| profiles.get(i).copied();
    let recency = |i: usize| p(i).map_or(0.0, |p| p.recency);
    let frequency = |i: usize| p(i).map_or(0.0, |p| p.frequency);
    let mut roles = vec![Role::Hibernating; n];
    // The least recent segments are recent even when rounding puts the mean below them.
    let least = (0..n).map(recency).fold(f64::INFINITY, f64::min);
    let (mut recent, mut lapsed): (Vec<usize>, Vec<usize>) =
        (0..n).partition(|&i| recency(i) <= t || recency(i) <= least || recency(i).is_nan());
    // Recent: by value, highest first.
    recent.sort_by(|&a, &b| v(b).total_cmp(&v(a)).then(a.cmp(&b)));
    let mut low_recent = Vec::new();
    for (rank, &i) in recent.iter().enumerate() {
        let role = if rank == 0 {
            Role::Champions
        } else if valuable(i) {
            Role::Loyal
        } else {
            low_recent.push(i);
            Role::PotentialLoyalists
        };
        if let Some(r) = roles.get_mut(i) {
            *r = role;
        }
    }
    if let Some(&newest) = low_recent
        .iter()
        .min_by(|&&a, &&b| frequency(a).total_cmp(&frequency(b)).then(a.cmp(&b)))
    {
        if p(newest).is_some_and(|p| p.tenure <= t) {
            if let Some(r) = roles.get_mut(newest) {
                *r = Role::New;
            }
        }
    }
    // Lapsed: valuable ones by value, the others by recency.
    lapsed.sort_by(|&a, &b| v(b).total_cmp(&v(a)).then(a.cmp(&b)));
    let (valuable, mut rest): (Vec<usize>, Vec<usize>) =
        lapsed.into_iter().partition(|&i| valuable(i));
    for (rank, &i) in valuable.iter().enumerate() {
        if let Some(r) = roles.get_mut(i) {
            *r = if rank == 0 {
                Role::CantLose
            } else {
                Role::AtRisk
            };
        }
    }
    rest.sort_by(|&a, &b| recency(b).total_cmp(&recency(a)).then(a.cmp(&b)));
    for (rank, &i) in rest.iter().enumerate() {
        if let Some(r) = roles.get_mut(i) {
            *r = if rank == 0 {
                Role::Lost
            } else {
                Role::Hibernating
            };
        }
    }
    roles
}

/// Segment names from roles: the role's display name, with ` 2`, ` 3`, ... appended to the
/// second and later segments (by index) that share a role.
pub fn names_from_roles(roles: &[Role]) -> Vec<String> {
    roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let before = roles.iter().take(i).filter(|o| *o == r).count();
            if before == 0 {
                r.display_name().to_string()
            } else {
                format!("{} {}", r.display_name(), before + 1)
            }
        })
        .collect()
}

/// Checks the documented invariants of `roles` chosen for `profiles`; the message says which
/// one fails and for which segments.
pub fn check_invariants(profiles: &[Profile], roles: &[Role]) -> Result<(), String> {
    if profiles.len() != roles.len() {
        return Err(format!(
            "{} profiles for {} roles",
            profiles.len(),
            roles.len()
        ));
    }
    let value = values(profiles);
    let valuable = valuable_flags(profiles);
    let seg = |i: usize| -> (Role, Profile, f64) {
        (
            roles.get(i).copied().unwrap_or(Role::Hibernating),
            profiles.get(i).copied().unwrap_or(Profile {
                recency: 0.0,
                frequency: 0.0,
                monetary: 0.0,
                size: 0,
                tenure: f64::INFINITY,
            }),
            value.get(i).copied().unwrap_or(0.0),
        )
    };
    let n = roles.len();
    for i in 0..n {
        let (ri, pi, vi) = seg(i);
        for j in 0..n {
            let (rj, pj, vj) = seg(j);
            if ri.is_recent() && !rj.is_recent() && pi.recency >= pj.recency {
                return Err(format!("recency: segment {i} ({ri}, {} days) is not more recent than segment {j} ({rj}, {} days)", pi.recency, pj.recency));
            }
            if ri == Role::Lost && rj == Role::Hibernating && pi.recency < pj.recency {
                return Err(format!(
                    "lost: segment {i} is more recent than hibernating segment {j}"
                ));
            }
            if ri == Role::Champions && rj.is_recent() && vj > vi {
                return Err(format!(
                    "value: recent segment {j} ({rj}) is worth more than champions (segment {i})"
                ));
            }
            if ri == Role::CantLose && rj == Role::AtRisk && vj > vi {
                return Err(format!(
                    "value: at-risk segment {j} is worth more than can't lose (segment {i})"
                ));
            }
            if ri == Role::New && rj == Role::PotentialLoyalists && pi.frequency > pj.frequency {
                return Err(format!(
                    "new: segment {i} has more orders than potential loyalists segment {j}"
                ));
            }
        }
        let above = matches!(ri, Role::Loyal | Role::CantLose | Role::AtRisk);
        let below = matches!(
            ri,
            Role::PotentialLoyalists | Role::New | Role::Hibernating | Role::Lost
        );
        let is_valuable = valuable.get(i).copied().unwrap_or(false);
        if (above && !is_valuable) || (below && is_valuable) {
            return Err(format!(
                "value: segment {i} is {ri} with value {vi} (valuable: {is_valuable})"
            ));
        }
    }
    let t = threshold(profiles);
    for (i, (r, p)) in roles.iter().zip(profiles).enumerate() {
        if *r == Role::New && (p.tenure > t || p.tenure.is_nan()) {
            return Err(format!(
                "new: segment {i} has a mean tenure of {} days, more than the mean recency {t}",
                p.tenure
            ));
        }
    }
    for r in [Role::Champions, Role::New, Role::CantLose, Role::Lost] {
        if roles.iter().filter(|x| **x == r).count() > 1 {
            return Err(format!("unique: more than one segment is {r}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(r: f64, f: f64, m: f64, n: u64) -> Profile {
        Profile::from_means(r, f, m, n)
    }

    #[test]
    fn cdnow_like_profiles_get_sensible_roles() {
        // The CDNOW k = 5 profiles that the old nearest-archetype naming got wrong
        // ("about to sleep" at 479 days, "hibernating" at 468).
        let profiles = [
            p(33.4, 10.3, 39.0, 2577),
            p(196.0, 4.5, 31.5, 4923),
            p(468.3, 1.38, 55.7, 6516),
            p(479.0, 1.27, 15.8, 9554),
            p(120.0, 1.5, 20.0, 2000),
        ];
        let roles = assign_roles(&profiles);
        check_invariants(&profiles, &roles).unwrap();
        assert_eq!(roles[0], Role::Champions);
        assert_eq!(roles[3], Role::Lost);
        assert!(!roles[2].is_recent());
    }

    #[test]
    fn new_needs_a_short_tenure() {
        let base = [
            p(20.0, 9.0, 60.0, 100).with_tenure(400.0),
            p(30.0, 1.0, 20.0, 100),
            p(400.0, 1.2, 25.0, 300).with_tenure(420.0),
        ];
        // Without tenure (or a long one) the recent low-frequency segment is not "new".
        assert_eq!(assign_roles(&base)[1], Role::PotentialLoyalists);
        let mut fresh = base;
        fresh[1] = fresh[1].with_tenure(35.0);
        let roles = assign_roles(&fresh);
        assert_eq!(roles, [Role::Champions, Role::New, Role::Lost]);
        check_invariants(&fresh, &roles).unwrap();
    }

    #[test]
    fn ids_round_trip_and_names_are_unique() {
        for r in Role::ALL {
            assert_eq!(Role::from_id(r.id()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.id()));
        }
        let names = names_from_roles(&[Role::Loyal, Role::Champions, Role::Loyal]);
        assert_eq!(names, ["loyal customers", "champions", "loyal customers 2"]);
    }
}
