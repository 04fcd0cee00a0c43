//! Segment names from centroid profiles, in words a marketer uses.
//!
//! Each centroid is read as a recency / frequency / monetary profile in standardized units
//! (z-scores of the scaled features): recency from `recencyDays` (high = long ago), frequency
//! from `frequency`, `purchaseDays` or `ordersLast365d`, monetary from `monetary`, `totalSpend`
//! or `spendLast365d` (the first present of each; 0 when none is). Each segment gets the
//! archetype nearest to its profile; names are unique (nearest pairs first, ties by index), and
//! a model with more segments than archetypes names the rest `segment N`.
use crate::math::pow;

use ndarray::Array2;

/// A centroid's profile in standardized units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    pub r: f64,
    pub f: f64,
    pub m: f64,
}

impl Rfm {
    /// A single value score: recent, frequent and high-spending is high.
    pub fn value(&self) -> f64 {
        -self.r + self.f + self.m
    }
}

/// Archetypes: name and (recency, frequency, monetary) in z-scores.
const ARCHETYPES: [(&str, Rfm); 11] = [
    (
        "champions",
        Rfm {
            r: -1.0,
            f: 1.5,
            m: 1.0,
        },
    ),
    (
        "loyal customers",
        Rfm {
            r: -0.3,
            f: 1.2,
            m: 0.6,
        },
    ),
    (
        "potential loyalists",
        Rfm {
            r: -0.9,
            f: 0.4,
            m: 0.3,
        },
    ),
    (
        "new customers",
        Rfm {
            r: -1.3,
            f: -0.6,
            m: 0.0,
        },
    ),
    (
        "big spenders",
        Rfm {
            r: 0.0,
            f: -0.2,
            m: 1.5,
        },
    ),
    (
        "needs attention",
        Rfm {
            r: 0.0,
            f: 0.0,
            m: 0.0,
        },
    ),
    (
        "at risk",
        Rfm {
            r: 0.8,
            f: 0.9,
            m: 0.5,
        },
    ),
    (
        "can't lose them",
        Rfm {
            r: 1.0,
            f: 1.8,
            m: 1.5,
        },
    ),
    (
        "about to sleep",
        Rfm {
            r: 0.4,
            f: -0.5,
            m: -0.4,
        },
    ),
    (
        "hibernating",
        Rfm {
            r: 0.8,
            f: -0.6,
            m: 0.3,
        },
    ),
    (
        "lost",
        Rfm {
            r: 1.2,
            f: -0.8,
            m: -0.8,
        },
    ),
];

fn first_of(features: &[String], names: &[&str], centroid: &[f64]) -> f64 {
    names
        .iter()
        .find_map(|n| features.iter().position(|f| f == n))
        .and_then(|i| centroid.get(i).copied())
        .unwrap_or(0.0)
}

/// The RFM profile of a centroid.
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

/// Names the clusters of `centroids` (k × features, scaled space).
pub fn name_segments(features: &[String], centroids: &Array2<f64>) -> Vec<String> {
    let profiles: Vec<Rfm> = centroids
        .rows()
        .into_iter()
        .map(|row| rfm_of(features, &row.to_vec()))
        .collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, p) in profiles.iter().enumerate() {
        for (j, (_, a)) in ARCHETYPES.iter().enumerate() {
            let d = pow(p.r - a.r, f64::from(2))
                + pow(p.f - a.f, f64::from(2))
                + pow(p.m - a.m, f64::from(2));
            pairs.push((d, i, j));
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut names: Vec<Option<String>> = vec![None; profiles.len()];
    let mut used = [false; ARCHETYPES.len()];
    for (_, i, j) in pairs {
        if names.get(i).is_some_and(|n| n.is_none()) && !used.get(j).copied().unwrap_or(true) {
            names[i] = ARCHETYPES.get(j).map(|a| a.0.to_string());
            used[j] = true;
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| n.unwrap_or_else(|| format!("segment {}", i + 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_follow_the_profile() {
        let f: Vec<String> = ["recencyDays", "frequency", "monetary"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = Array2::from_shape_vec(
            (3, 3),
            vec![-1.1, 1.6, 1.1, 1.3, -0.9, -0.9, 0.1, -0.1, 1.6],
        )
        .unwrap();
        assert_eq!(name_segments(&f, &c), ["champions", "lost", "big spenders"]);
        // Two centroids near one archetype: the nearer takes it, the other the next best.
        let c = Array2::from_shape_vec((2, 3), vec![-1.1, 1.6, 1.1, -1.0, 1.5, 1.0]).unwrap();
        assert_eq!(name_segments(&f, &c), ["loyal customers", "champions"]);
    }
}
