//! The hashes that put an id in an experiment, a namespace or the holdout.
//!
//! # `offerwise-1` (offerwise's own)
//!
//! Integer all the way from the id to the variant:
//!
//! ```text
//! input  = u32 little-endian byte length of UTF-8(seed) ‖ UTF-8(seed) ‖ UTF-8(value)
//! h      = XXH64(input, seed 0)                      (xxHash64, the reference algorithm)
//! bucket = h >> 32                                   (an integer in 0 ..= 2^32 − 1)
//! ```
//!
//! The length prefix keeps `("ab", "c")` and `("a", "bc")` apart. Shares (weights, coverage,
//! namespace ranges, the holdout) become integer bounds out of 2^32 once, when the programme
//! loads ([`bound`]); a bucket is in a range when `lo <= bucket < hi`. The version is in the
//! name: a change to any of this is `offerwise-2`, never a silent change of `offerwise-1`
//! (`tests/experiment_hashing.rs` checks a frozen snapshot of 500,000 assignments).
//!
//! # GrowthBook's versions 1 and 2 (`growthbook-1`, `growthbook-2`)
//!
//! For a team moving from GrowthBook that must keep its users where they are: GrowthBook's
//! `hash(seed, value, version)` exactly, FNV-1a 32 over UTF-16 code units (as JavaScript's
//! `charCodeAt` gives them, so non-ASCII and astral-plane ids hash as in every GrowthBook SDK):
//!
//! ```text
//! fnv(s)     = FNV-1a 32 over the UTF-16 code units of s
//! version 1  = (fnv(value + seed) mod 1000) / 1000
//! version 2  = (fnv(decimal(fnv(seed + value))) mod 10000) / 10000
//! ```

use serde::{Deserialize, Serialize};

/// Which hash an experiment, namespace or holdout uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum HashVersion {
    /// offerwise's own (see the module docs).
    #[serde(rename = "offerwise-1")]
    Offerwise1,
    /// GrowthBook's version 1 (biased; for compatibility only).
    #[serde(rename = "growthbook-1")]
    GrowthBook1,
    /// GrowthBook's version 2; the default of a programme that names none, as before hash
    /// versions were named.
    #[serde(rename = "growthbook-2")]
    #[default]
    GrowthBook2,
}

impl HashVersion {
    /// The name in programmes and logs.
    pub fn name(self) -> &'static str {
        match self {
            HashVersion::Offerwise1 => "offerwise-1",
            HashVersion::GrowthBook1 => "growthbook-1",
            HashVersion::GrowthBook2 => "growthbook-2",
        }
    }
}

/// The full scale of a bucket: shares are integer bounds out of this.
pub const SCALE: u64 = 1 << 32;

/// A share in `[0, 1]` as an integer bound out of [`SCALE`] (rounded to nearest); anything
/// outside is clamped, NaN is 0.
pub fn bound(share: f64) -> u64 {
    if share.is_nan() || share <= 0.0 {
        return 0;
    }
    if share >= 1.0 {
        return SCALE;
    }
    // share × 2^32 is exact in f64; adding 0.5 and truncating rounds to nearest.
    ((share * SCALE as f64) + 0.5) as u64
}

/// `offerwise-1`: the bucket of `value` under `seed` (see the module docs).
pub fn offerwise1(seed: &str, value: &str) -> u32 {
    use xxhash_rust::xxh64::Xxh64;
    let mut h = Xxh64::new(0);
    let len = u32::try_from(seed.len()).unwrap_or(u32::MAX);
    h.update(&len.to_le_bytes());
    h.update(seed.as_bytes());
    h.update(value.as_bytes());
    (h.digest() >> 32) as u32
}

/// FNV-1a 32 over UTF-16 code units, as GrowthBook's `hashFnv32a`.
pub fn fnv1a32_utf16(s: &str) -> u32 {
    fnv_units(0x811c_9dc5, s)
}

fn fnv_units(mut h: u32, s: &str) -> u32 {
    for unit in s.encode_utf16() {
        h ^= u32::from(unit);
        h = h.wrapping_mul(16_777_619);
    }
    h
}

/// GrowthBook's `hash(seed, value, version)`: a number in `[0, 1)` for versions 1 and 2,
/// `None` for any other version (GrowthBook's `null`).
pub fn growthbook(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        2 => {
            let inner = fnv_units(fnv1a32_utf16(seed), value);
            // fnv(decimal(inner)): the digits are ASCII, one UTF-16 unit each.
            let mut digits = [0u8; 10];
            let mut n = inner;
            let mut at = digits.len();
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            let outer = digits[at..].iter().fold(0x811c_9dc5u32, |h, &d| {
                (h ^ u32::from(d)).wrapping_mul(16_777_619)
            });
            Some(f64::from(outer % 10_000) / 10_000.0)
        }
        1 => {
            let h = fnv_units(fnv1a32_utf16(value), seed);
            Some(f64::from(h % 1000) / 1000.0)
        }
        _ => None,
    }
}

/// GrowthBook's `getEqualWeights(n)`.
pub fn equal_weights(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

/// GrowthBook's `getBucketRanges(numVariations, coverage, weights)`, with its input handling:
/// coverage clamped to `[0, 1]` (`None`: 1), weights missing, of the wrong length or not summing
/// to 1 within 0.01 replaced by equal weights.
pub fn bucket_ranges(n: usize, coverage: Option<f64>, weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    // NaN stays NaN, as in GrowthBook (no range then holds anything).
    let coverage = coverage.unwrap_or(1.0).clamp(0.0, 1.0);
    let equal = equal_weights(n);
    let mut weights = match weights {
        Some(w) if w.len() == n => w,
        _ => &equal,
    };
    let total: f64 = weights.iter().fold(0.0, |sum, w| sum + w);
    // As GrowthBook writes it: a NaN total keeps the weights.
    #[allow(clippy::manual_range_contains)]
    if total < 0.99 || total > 1.01 {
        weights = &equal;
    }
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

/// GrowthBook's `chooseVariation(n, ranges)`: the index of the first range holding `n`.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&(lo, hi)| n >= lo && n < hi)
}

/// GrowthBook's `inNamespace(hashValue, [id, start, end])`.
pub fn in_namespace(value: &str, id: &str, start: f64, end: f64) -> bool {
    match growthbook(&format!("__{id}"), value, 1) {
        Some(n) => n >= start && n < end,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_reference_values() {
        assert_eq!(fnv1a32_utf16(""), 0x811c_9dc5);
        assert_eq!(fnv1a32_utf16("a"), 0xe40c_292c);
        assert_eq!(fnv1a32_utf16("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn xxh64_is_the_reference_algorithm() {
        // XXH64 reference values (xxhsum): "" and "abc" with seed 0.
        assert_eq!(xxhash_rust::xxh64::xxh64(b"", 0), 0xef46_db37_51d8_e999);
        assert_eq!(xxhash_rust::xxh64::xxh64(b"abc", 0), 0x44bc_2cf5_ad77_0999);
        // The prefix is the seed's byte length, little-endian.
        let mut input = 2u32.to_le_bytes().to_vec();
        input.extend_from_slice("abc".as_bytes());
        assert_eq!(
            offerwise1("ab", "c"),
            (xxhash_rust::xxh64::xxh64(&input, 0) >> 32) as u32
        );
        assert_ne!(offerwise1("ab", "c"), offerwise1("a", "bc"));
    }

    #[test]
    fn bounds_round_to_nearest_and_clamp() {
        assert_eq!(bound(0.0), 0);
        assert_eq!(bound(-1.0), 0);
        assert_eq!(bound(f64::NAN), 0);
        assert_eq!(bound(1.0), SCALE);
        assert_eq!(bound(0.5), SCALE / 2);
        assert_eq!(bound(0.05), 214_748_365); // 0.05 × 2^32 = 214,748,364.8
    }

    #[test]
    fn growthbook_ranges_keep_its_input_handling() {
        assert_eq!(
            bucket_ranges(2, Some(0.5), Some(&[0.5, 0.5])),
            vec![(0.0, 0.25), (0.5, 0.75)]
        );
        assert_eq!(
            bucket_ranges(2, Some(2.0), Some(&[0.2, 0.2])),
            vec![(0.0, 0.5), (0.5, 1.0)]
        );
        assert_eq!(
            bucket_ranges(2, None, Some(&[1.0])),
            vec![(0.0, 0.5), (0.5, 1.0)]
        );
        assert_eq!(choose_variation(0.3, &[(0.0, 0.25), (0.5, 0.75)]), None);
        assert_eq!(choose_variation(0.5, &[(0.0, 0.25), (0.5, 0.75)]), Some(1));
        assert_eq!(growthbook("a", "b", 3), None);
    }
}
