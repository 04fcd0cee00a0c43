//! Deterministic A/B variant assignment, compatible with GrowthBook.
//!
//! A customer's bucket in an experiment is GrowthBook's hash version 2:
//!
//! ```text
//! fnv(s)  = FNV-1a 32-bit over the UTF-16 code units of s (each unit XORed in whole,
//!           as JavaScript's charCodeAt gives it), then × 16777619 mod 2^32
//! bucket  = (fnv(decimal(fnv(seed + id))) mod 10000) / 10000
//! ```
//!
//! Variants take consecutive ranges of `[0, 1)`: variant `i` covers
//! `[start_i, start_i + coverage × weight_i)` with `start_i` the sum of the previous weights.
//! A bucket in no range is outside the experiment (variant `null`): with `coverage` below 1,
//! a share of customers is left out of the test altogether.
//!
//! Hashing UTF-16 code units (not UTF-8 bytes) is deliberate: it gives the same bucket as
//! GrowthBook's JavaScript SDKs for every id, including non-ASCII and astral-plane ones, so a
//! data team can cross-check assignments with GrowthBook. `tests/vectors/experiments.json`
//! pins assignments computed by `@growthbook/growthbook` itself.

/// FNV-1a 32 over UTF-16 code units, as GrowthBook's `hashFnv32a`.
pub fn fnv1a32_utf16(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for unit in s.encode_utf16() {
        h ^= u32::from(unit);
        h = h.wrapping_mul(16_777_619);
    }
    h
}

/// GrowthBook's hash version 2: a bucket in `[0, 1)` with 4 decimal digits.
pub fn bucket(seed: &str, id: &str) -> f64 {
    let inner = fnv1a32_utf16(&format!("{seed}{id}"));
    f64::from(fnv1a32_utf16(&inner.to_string()) % 10_000) / 10_000.0
}

/// Bucket ranges of variants with `weights` (summing to 1) at `coverage` (0 to 1), as
/// GrowthBook's `getBucketRanges`.
pub fn bucket_ranges(weights: &[f64], coverage: f64) -> Vec<(f64, f64)> {
    let coverage = coverage.clamp(0.0, 1.0);
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

/// The index of the variant whose range holds `n`, as GrowthBook's `chooseVariation`.
pub fn choose_variant(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&(lo, hi)| n >= lo && n < hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_reference_values() {
        // FNV-1a 32 test vectors (ASCII: UTF-16 units equal the bytes).
        assert_eq!(fnv1a32_utf16(""), 0x811c_9dc5);
        assert_eq!(fnv1a32_utf16("a"), 0xe40c_292c);
        assert_eq!(fnv1a32_utf16("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn ranges_follow_weights_and_coverage() {
        let r = bucket_ranges(&[0.5, 0.5], 0.5);
        assert_eq!(r, vec![(0.0, 0.25), (0.5, 0.75)]);
        assert_eq!(choose_variant(0.3, &r), None);
        assert_eq!(choose_variant(0.5, &r), Some(1));
        assert_eq!(choose_variant(0.0, &r), Some(0));
    }
}
