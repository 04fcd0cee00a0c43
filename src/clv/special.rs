//! Special functions: `ln Γ` and the Gauss hypergeometric function `₂F₁`.
//!
//! Both are written here rather than taken from a crate so that the prediction code has no
//! dependency beyond `std` on `wasm32-unknown-unknown`.
//!
//! ## `ln Γ(x)`
//! For `x ≥ 10` the Stirling series up to the `x⁻¹³` term (truncation error < 3·10⁻¹⁷);
//! below, the recurrence `ln Γ(x) = ln Γ(x + k) − ln(x (x+1) ⋯ (x+k−1))`; for `x < 0.5` the
//! reflection formula. Absolute error is a few 10⁻¹⁵ (relative error near the roots of
//! `ln Γ` at 1 and 2 is therefore larger), which is what the log-likelihoods need.
//!
//! ## `₂F₁(a, b; c; z)` for real arguments and `z ≤ 1`
//! * `a` or `b` a non-positive integer: the terminating polynomial, any `z`;
//! * `z < 0`: Pfaff's transformation `₂F₁(a,b;c;z) = (1−z)^(−a) ₂F₁(a, c−b; c; z/(z−1))`,
//!   which maps `z` into `(0, 1)`;
//! * `0 < z < 1` and `c − a − b < 0`: Euler's transformation
//!   `₂F₁(a,b;c;z) = (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z)` (the factor that diverges at `z = 1`
//!   is kept in log space, so the result cannot overflow before it is used); also applied
//!   when it turns the function into a polynomial (`c−a` or `c−b` a non-positive integer);
//! * the remaining function (now with `c − a − b ≥ 0`) is summed as its power series for
//!   `z ≤ 0.8`. Above, the series is tried with a budget of 3 000 terms (enough whenever
//!   the terms decay fast, e.g. for a large `c`); failing that, the function is continued
//!   analytically from `z₀ = 0.8` towards `z` by Taylor expansions of the hypergeometric
//!   differential equation, each step going at most half of the remaining distance to the
//!   singular point `z = 1` (so every Taylor series converges at least like `2⁻ⁿ`), and
//!   shorter steps when the parameters are large. Unlike the classic `z → 1 − z` connection
//!   formula this needs no Gamma-function ratios and no special case when `c − a − b` is an
//!   integer, and keeps its precision arbitrarily close to `z = 1`;
//! * `z = 1` with `c − a − b > 0`: Gauss's formula.
//!
//! Accuracy: on the reference vectors (`tests/vectors/clv.json`, including `z` within
//! 10⁻⁹ of 1, integer `c − a − b`, `c` up to 5 000 and `z` down to −10⁶) the relative error
//! against 50-digit mpmath is below 10⁻¹³. As with any power series, precision is lost
//! when the result is much smaller than the terms (cancellation with negative parameters).
//!
//! Internally the value is carried as `F = exp(ln_scale) · (1 + tail)` so that callers can
//! take `ln F` without overflow and `F − 1` without cancellation (the BG/NBD conditional
//! expectation needs both; see [`super::bgnbd`]).
use crate::math::{exp, ln, ln_1p};

use super::error::ClvError;

/// Below this `z` the power series is summed directly.
const Z_SERIES: f64 = 0.8;
/// Relative size of the first neglected term at which a series is considered summed.
const SERIES_EPS: f64 = 5.0e-17;
/// Iteration caps; reaching one is reported as [`ClvError::Numerical`].
const MAX_SERIES_TERMS: usize = 200_000;
const SERIES_TRY_TERMS: usize = 3_000;
const MAX_TAYLOR_TERMS: usize = 5_000;
const MAX_TAYLOR_STEPS: usize = 200_000;
/// Bound on `|q0| h / p0` and `|ab| h² / p0` of a continuation step (keeps the Taylor
/// coefficients free of large transients when the parameters are large).
const STEP_GROWTH: f64 = 4.0;

pub use crate::stats::special::{ln_gamma, ln_gamma_sign};

fn is_nonpositive_integer(x: f64) -> bool {
    x <= 0.0 && x == x.floor()
}

/// A value of `₂F₁` as `exp(ln_scale) · (1 + tail)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hyp {
    /// Logarithm of a positive scale factor (`−∞` when the value is exactly 0).
    pub ln_scale: f64,
    /// The value divided by the scale factor, minus 1.
    pub tail: f64,
}

impl Hyp {
    const ONE: Hyp = Hyp {
        ln_scale: 0.0,
        tail: 0.0,
    };

    /// `(ln |F|, sign F)`; sign 0 (and `ln = −∞`) when `F = 0`.
    pub(crate) fn ln_abs_sign(self) -> (f64, f64) {
        let m = 1.0 + self.tail;
        if m == 0.0 || self.ln_scale == f64::NEG_INFINITY {
            return (f64::NEG_INFINITY, 0.0);
        }
        let ln_m = if self.tail > -0.5 {
            ln_1p(self.tail)
        } else {
            ln(m.abs())
        };
        (self.ln_scale + ln_m, m.signum())
    }

    fn value(self) -> f64 {
        if self.ln_scale == 0.0 {
            1.0 + self.tail
        } else {
            let (ln_abs, sign) = self.ln_abs_sign();
            sign * exp(ln_abs)
        }
    }
}

/// The Gauss hypergeometric function `₂F₁(a, b; c; z)` for real arguments and `z ≤ 1`
/// (see the module docs for the method).
///
/// Errors: non-finite arguments, `c` a non-positive integer, `z > 1` (branch cut), `z = 1`
/// with `c − a − b ≤ 0` (divergent), a value that overflows `f64` (use [`ln_hyp2f1`]),
/// or a series that does not converge within the iteration caps (extreme parameters).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, ClvError> {
    let v = hyp2f1_parts(a, b, c, z, 1.0 - z)?.value();
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ClvError::numerical(
            "hyp2f1",
            format!("2F1({a}, {b}; {c}; {z}) overflows f64; use ln_hyp2f1"),
        ))
    }
}

/// `(ln |₂F₁(a, b; c; z)|, sign)`: like [`hyp2f1`] but cannot overflow. The sign is `0.0`
/// (with `ln = −∞`) when the function is exactly zero.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64), ClvError> {
    Ok(hyp2f1_parts(a, b, c, z, 1.0 - z)?.ln_abs_sign())
}

/// `₂F₁(a, b; c; z)` with `omz = 1 − z` supplied by the caller (computed without
/// cancellation when `z` is close to 1).
pub(crate) fn hyp2f1_parts(a: f64, b: f64, c: f64, z: f64, omz: f64) -> Result<Hyp, ClvError> {
    if !(a.is_finite() && b.is_finite() && c.is_finite() && z.is_finite() && omz.is_finite()) {
        return Err(ClvError::invalid(
            "argument",
            "hyp2f1",
            format!("arguments must be finite, got a = {a}, b = {b}, c = {c}, z = {z}"),
        ));
    }
    if is_nonpositive_integer(c) {
        return Err(ClvError::invalid(
            "argument",
            "hyp2f1",
            format!("c = {c} is a non-positive integer: 2F1 is undefined"),
        ));
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Ok(Hyp::ONE);
    }
    if is_nonpositive_integer(a) || is_nonpositive_integer(b) {
        return polynomial(a, b, c, z);
    }
    if z > 1.0 || omz < 0.0 {
        return Err(ClvError::invalid(
            "argument",
            "hyp2f1",
            format!("z = {z} > 1 lies on the branch cut of 2F1 (real result undefined)"),
        ));
    }
    if omz == 0.0 {
        return gauss_at_one(a, b, c);
    }
    if z < 0.0 {
        // Pfaff: 2F1(a, b; c; z) = (1 − z)^(−a) 2F1(a, c − b; c; w), w = z / (z − 1) ∈ (0, 1).
        let w = -z / omz;
        let omw = 1.0 / omz;
        let inner = unit_interval(a, c - b, c, w, omw)?;
        return Ok(Hyp {
            ln_scale: inner.ln_scale - a * ln(omz),
            tail: inner.tail,
        });
    }
    unit_interval(a, b, c, z, omz)
}

/// `0 < z < 1`.
fn unit_interval(a: f64, b: f64, c: f64, z: f64, omz: f64) -> Result<Hyp, ClvError> {
    if is_nonpositive_integer(a) || is_nonpositive_integer(b) {
        return polynomial(a, b, c, z);
    }
    let d = c - a - b;
    // Euler's transformation also when it turns the function into a polynomial (exact, and
    // free of the cancellation the power series can have when F is small).
    let euler_polynomial = is_nonpositive_integer(c - a) || is_nonpositive_integer(c - b);
    if d < 0.0 || euler_polynomial {
        // Euler: 2F1(a, b; c; z) = (1 − z)^(c − a − b) 2F1(c − a, c − b; c; z).
        let (a2, b2) = (c - a, c - b);
        let inner = if a2 == 0.0 || b2 == 0.0 {
            Hyp::ONE
        } else if is_nonpositive_integer(a2) || is_nonpositive_integer(b2) {
            polynomial(a2, b2, c, z)?
        } else {
            Hyp {
                ln_scale: 0.0,
                tail: tail_unit(a2, b2, c, z, omz)?,
            }
        };
        return Ok(Hyp {
            ln_scale: inner.ln_scale + d * ln(omz),
            tail: inner.tail,
        });
    }
    Ok(Hyp {
        ln_scale: 0.0,
        tail: tail_unit(a, b, c, z, omz)?,
    })
}

/// `₂F₁(a, b; c; z) − 1` for `0 < z < 1` and `c − a − b ≥ 0` (up to rounding).
fn tail_unit(a: f64, b: f64, c: f64, z: f64, omz: f64) -> Result<f64, ClvError> {
    if z <= Z_SERIES {
        return series_tail(a, b, c, z, MAX_SERIES_TERMS);
    }
    // Close to 1 the series still converges fast when the terms decay quickly (e.g. large
    // c); try it with a small budget before continuing analytically.
    if let Ok(tail) = series_tail(a, b, c, z, SERIES_TRY_TERMS) {
        return Ok(tail);
    }
    tail_continued(a, b, c, omz)
}

/// The end of [`tail_unit`] for `z > Z_SERIES` when the short series failed: continued
/// analytically from `Z_SERIES` to the point with `1 − z = omz`.
fn tail_continued(a: f64, b: f64, c: f64, omz: f64) -> Result<f64, ClvError> {
    let z0 = Z_SERIES;
    let u0 = series_tail(a, b, c, z0, MAX_SERIES_TERMS)?;
    // d/dz 2F1(a, b; c; z) = (ab / c) 2F1(a + 1, b + 1; c + 1; z).
    let du0 = a * b / c * (1.0 + series_tail(a + 1.0, b + 1.0, c + 1.0, z0, MAX_SERIES_TERMS)?);
    taylor_continue(a, b, c, z0, u0, du0, omz)
}

/// Power series of `₂F₁ − 1` for `|z| < 1`.
fn series_tail(a: f64, b: f64, c: f64, z: f64, max_terms: usize) -> Result<f64, ClvError> {
    let mut term = 1.0;
    let mut sum = 0.0;
    // The ratio of term n + 1 to term n, computed once per term: it makes the next term and
    // bounds the rest of the series.
    let ratio = |nf: f64| (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
    let mut r = ratio(0.0);
    for n in 0..max_terms {
        let nf = n as f64;
        term *= r;
        sum += term;
        if !sum.is_finite() {
            return Err(ClvError::numerical(
                "hyp2f1",
                format!("power series of 2F1({a}, {b}; {c}; {z}) overflows"),
            ));
        }
        if term == 0.0 {
            return Ok(sum);
        }
        r = ratio(nf + 1.0);
        let rho = r.abs().max(z.abs());
        if rho < 1.0 {
            let bound = term.abs() * rho / (1.0 - rho);
            if bound <= SERIES_EPS * sum.abs() || bound <= 1e-30 * (1.0 + sum).abs() {
                return Ok(sum);
            }
        }
    }
    Err(ClvError::numerical(
        "hyp2f1",
        format!("power series of 2F1({a}, {b}; {c}; {z}) did not converge in {max_terms} terms"),
    ))
}

/// Most points [`hyp2f1_parts_multi`] sums together; longer inputs are taken in blocks of
/// this many.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
pub(crate) const MULTI_LANES: usize = 16;

/// [`hyp2f1_parts`] at several points sharing `(a, b, c)`: `out[i]` gets exactly the bits of
/// `hyp2f1_parts(a, b, c, z[i], omz[i])`, and the error, if any, is the one of the first `i`
/// for which that call fails. `z`, `omz` and `out` have the same length.
///
/// The points whose value is a power series (after Euler's transformation, which depends on
/// `(a, b, c)` only) are summed together by [`series_tail_multi`], each with exactly the
/// operations and the stopping rule of [`series_tail`]; the other points, and a whole block
/// as soon as anything fails, go through [`hyp2f1_parts`] itself.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
pub(crate) fn hyp2f1_parts_multi(
    a: f64,
    b: f64,
    c: f64,
    z: &[f64],
    omz: &[f64],
    out: &mut [Hyp],
) -> Result<(), ClvError> {
    debug_assert!(z.len() == out.len() && omz.len() == out.len());
    let blocks = z
        .chunks(MULTI_LANES)
        .zip(omz.chunks(MULTI_LANES))
        .zip(out.chunks_mut(MULTI_LANES));
    for ((z, omz), out) in blocks {
        if multi_block(a, b, c, z, omz, out).is_none() {
            for ((o, &z), &omz) in out.iter_mut().zip(z).zip(omz) {
                *o = hyp2f1_parts(a, b, c, z, omz)?;
            }
        }
    }
    Ok(())
}

/// One block (at most [`MULTI_LANES`] points) of [`hyp2f1_parts_multi`]; `None` when anything
/// fails (the caller then evaluates the block point by point).
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn multi_block(a: f64, b: f64, c: f64, z: &[f64], omz: &[f64], out: &mut [Hyp]) -> Option<()> {
    // The branches of `hyp2f1_parts` and `unit_interval` that depend on (a, b, c) only.
    if !(a.is_finite() && b.is_finite() && c.is_finite())
        || is_nonpositive_integer(c)
        || a == 0.0
        || b == 0.0
        || is_nonpositive_integer(a)
        || is_nonpositive_integer(b)
    {
        return None;
    }
    let d = c - a - b;
    let euler_polynomial = is_nonpositive_integer(c - a) || is_nonpositive_integer(c - b);
    let euler = d < 0.0 || euler_polynomial;
    let (sa, sb) = if euler {
        let (a2, b2) = (c - a, c - b);
        if a2 == 0.0 || b2 == 0.0 || is_nonpositive_integer(a2) || is_nonpositive_integer(b2) {
            return None;
        }
        (a2, b2)
    } else {
        (a, b)
    };
    let mut lanes = [Lane::default(); MULTI_LANES];
    let mut n = 0;
    for (index, ((o, &zi), &omzi)) in out.iter_mut().zip(z).zip(omz).enumerate() {
        // `hyp2f1_parts` reaches `unit_interval` for these points.
        if zi.is_finite() && omzi.is_finite() && zi > 0.0 && zi <= 1.0 && omzi > 0.0 {
            let continued = zi > Z_SERIES;
            *lanes.get_mut(n)? = Lane {
                index,
                z: zi,
                limit: if continued {
                    SERIES_TRY_TERMS
                } else {
                    MAX_SERIES_TERMS
                },
                continued,
            };
            n += 1;
        } else {
            *o = hyp2f1_parts(a, b, c, zi, omzi).ok()?;
        }
    }
    let lanes = lanes.get(..n)?;
    let mut sums = [None; MULTI_LANES];
    if !series_tail_multi(sa, sb, c, lanes, &mut sums) {
        return None;
    }
    for (lane, sum) in lanes.iter().zip(sums) {
        let omzi = *omz.get(lane.index)?;
        // As `tail_unit`: a point above Z_SERIES whose short series failed is continued.
        let tail = match sum {
            Some(sum) => sum,
            None => tail_continued(sa, sb, c, omzi).ok()?,
        };
        *out.get_mut(lane.index)? = if euler {
            // As `unit_interval`: `inner.ln_scale + d ln(1 − z)` with `inner.ln_scale = 0`.
            Hyp {
                ln_scale: 0.0 + d * ln(omzi),
                tail,
            }
        } else {
            Hyp {
                ln_scale: 0.0,
                tail,
            }
        };
    }
    Some(())
}

/// Margin of [`certainly_next`]: `1 + 2⁻⁴⁹`.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
const BOUND_MARGIN: f64 = 1.0 + 8.0 * f64::EPSILON;
/// Smallest `|sum|` for which [`certainly_next`] decides: from there on
/// `SERIES_EPS |sum| ≥ 1e−30 |1 + sum|` by a wide margin.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
const SUM_MIN: f64 = 1e-13;
/// Smallest `SERIES_EPS |sum| (1 − ρ)` for which [`certainly_next`] decides (far above the
/// subnormals, so that every product below is rounded with a relative error ≤ 2⁻⁵³).
#[cfg_attr(not(feature = "data"), allow(dead_code))]
const PRODUCT_MIN: f64 = 1e-300;

/// Whether [`series_tail`], after adding `term` to get `sum` and computing the next ratio and
/// from it `ρ` (`rho`) and `1 − ρ` (`one_minus_rho`, both exactly as `series_tail` computes
/// them), certainly goes on to the next term; decided with a few products and no division
/// (`false` means "maybe not": [`step`] decides).
///
/// `series_tail` goes on when `sum` is finite, `term ≠ 0` and either `ρ ≥ 1` or its stopping
/// test fails: `bound ≤ SERIES_EPS |sum|` and `bound ≤ 1e−30 |1 + sum|` are both false, with
/// `bound = fl(P / Q)`, `P = fl(|term| ρ)`, `Q = fl(1 − ρ)`. This returns `true` only when,
/// with `E = fl(SERIES_EPS |sum|)`:
///
/// * `|sum| ≥ SUM_MIN`, so `sum` is not `NaN` and `E ≈ 5·10⁻¹⁷ |sum|` is more than 4 times
///   `1e−30 |1 + sum| ≤ 10⁻³⁰ (1 + |sum|)`: `E` is the larger threshold;
/// * `fl(E Q) ≥ PRODUCT_MIN`, so `sum` is finite, `Q > 0` (`ρ < 1`) and no product below is
///   subnormal;
/// * `P > fl(fl(E Q) (1 + 2⁻⁴⁹))`, so `term ≠ 0` and `P / Q > E (1 − 2⁻⁵³)² (1 + 2⁻⁴⁹)
///   > E (1 + 2⁻⁵⁰)`, which is above the next `f64` after `E`: the rounded `bound` is
///   above `E`, and the stopping test fails.
#[inline(always)]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn certainly_next(term: f64, sum: f64, rho: f64, one_minus_rho: f64) -> bool {
    let s = sum.abs();
    let p = term.abs() * rho;
    let eq = SERIES_EPS * s * one_minus_rho;
    (s >= SUM_MIN) & (eq >= PRODUCT_MIN) & (p > eq * BOUND_MARGIN)
}

/// What [`series_tail`] does after adding a term (`r` the next ratio).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
enum Step {
    Next,
    Summed,
    Failed,
}

/// [`series_tail`]'s decision after adding a term, with its exact operations.
#[inline]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn step(term: f64, sum: f64, r: f64, z: f64) -> Step {
    if !sum.is_finite() {
        return Step::Failed;
    }
    if term == 0.0 {
        return Step::Summed;
    }
    let rho = r.abs().max(z.abs());
    if rho < 1.0 {
        let bound = term.abs() * rho / (1.0 - rho);
        if bound <= SERIES_EPS * sum.abs() || bound <= 1e-30 * (1.0 + sum).abs() {
            return Step::Summed;
        }
    }
    Step::Next
}

/// One point of [`series_tail_multi`].
#[derive(Debug, Clone, Copy, Default)]
#[cfg_attr(not(feature = "data"), allow(dead_code))]
struct Lane {
    /// Position in the caller's block.
    index: usize,
    z: f64,
    /// `series_tail`'s `max_terms`.
    limit: usize,
    /// Whether a failure is continued analytically (`z > Z_SERIES`) rather than an error.
    continued: bool,
}

/// The points of [`series_tail_multi`] still being summed, in slots `0..k`.
#[cfg_attr(not(feature = "data"), allow(dead_code))]
struct Slots {
    z: [f64; MULTI_LANES],
    /// `1 − z`.
    omz: [f64; MULTI_LANES],
    r: [f64; MULTI_LANES],
    term: [f64; MULTI_LANES],
    sum: [f64; MULTI_LANES],
    /// 1 where [`certainly_next`] could not decide at the last term (an integer rather than a
    /// `bool`: stored straight from the comparison's mask).
    undecided: [u64; MULTI_LANES],
    /// Which of the caller's lanes each slot holds.
    lane: [usize; MULTI_LANES],
    k: usize,
}

impl Slots {
    /// Removes slot `i` (the last slot takes its place).
    #[cfg_attr(not(feature = "data"), allow(dead_code))]
    fn remove(&mut self, i: usize) {
        self.k -= 1;
        let k = self.k;
        for values in [
            &mut self.z,
            &mut self.omz,
            &mut self.r,
            &mut self.term,
            &mut self.sum,
        ] {
            values.swap(i, k);
        }
        self.undecided.swap(i, k);
        self.lane.swap(i, k);
    }

    /// Adds the next term at every point (ratio quotient `q`); returns whether
    /// [`certainly_next`] could not decide for some point.
    ///
    /// `ρ = max(|r|, |z|)` with `r = fl(q z)`, `0 < z ≤ 1`: `|r| = fl(|q| z)`, which rounds
    /// to at most `z` when `|q| < 1` (so `ρ = z` and `1 − ρ` is the stored `1 − z`) and to at
    /// least `z` otherwise (so `ρ = |r|`); a `NaN` quotient takes the second branch, whose
    /// test then cannot decide.
    #[inline(always)]
    fn advance(&mut self, q: f64) -> bool {
        let k = self.k;
        let mut any = 0;
        let values = self.z.iter().zip(&self.omz).zip(self.r.iter_mut());
        let values = values.zip(self.term.iter_mut()).zip(self.sum.iter_mut());
        let values = values.zip(self.undecided.iter_mut()).take(k);
        if q.abs() < 1.0 {
            for (((((&z, &omz), r), term), sum), undecided) in values {
                *term *= *r;
                *sum += *term;
                *r = q * z;
                *undecided = u64::from(!certainly_next(*term, *sum, z, omz));
                any |= *undecided;
            }
        } else {
            for (((((&z, _), r), term), sum), undecided) in values {
                *term *= *r;
                *sum += *term;
                *r = q * z;
                let rho = r.abs();
                *undecided = u64::from(!certainly_next(*term, *sum, rho, 1.0 - rho));
                any |= *undecided;
            }
        }
        any != 0
    }
}

/// [`series_tail`] at several points `lanes[i].z` sharing `(a, b, c)`: `out[i]` gets the sum
/// (`series_tail`'s `Ok`) or `None` (it fails: overflow, or `lanes[i].limit` terms).
///
/// The ratio of successive terms, `(a + n)(b + n) / ((c + n)(n + 1)) · z`, is evaluated left
/// to right, so the quotient before `· z` does not depend on `z`: it is computed once per term
/// for all the points, and every point then does exactly what `series_tail` does (the same
/// operations in the same order, its own stopping rule and number of terms). The points still
/// being summed stay in the first slots (a finished one is replaced by the last), so the loop
/// over them is short and free of branches; the exact stopping test ([`step`]) runs only for
/// the points where [`certainly_next`] cannot decide.
///
/// Returns `false` as soon as a point that is not `continued` fails (the caller gives up).
#[cfg_attr(not(feature = "data"), allow(dead_code))]
fn series_tail_multi(a: f64, b: f64, c: f64, lanes: &[Lane], out: &mut [Option<f64>]) -> bool {
    if lanes.len() > MULTI_LANES || out.len() < lanes.len() {
        return false;
    }
    let quotient = |nf: f64| (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0));
    let q0 = quotient(0.0);
    let mut slots = Slots {
        z: [0.0; MULTI_LANES],
        omz: [0.0; MULTI_LANES],
        r: [0.0; MULTI_LANES],
        term: [1.0; MULTI_LANES],
        sum: [0.0; MULTI_LANES],
        undecided: [0; MULTI_LANES],
        lane: [0; MULTI_LANES],
        k: lanes.len(),
    };
    let mut next_limit = usize::MAX;
    let init = slots.z.iter_mut().zip(slots.omz.iter_mut());
    let init = init.zip(slots.r.iter_mut()).zip(slots.lane.iter_mut());
    for ((i, lane), (((z, omz), r), of)) in lanes.iter().enumerate().zip(init) {
        *z = lane.z;
        *omz = 1.0 - lane.z;
        *r = q0 * lane.z;
        *of = i;
        next_limit = next_limit.min(lane.limit);
    }
    let mut n = 0;
    while slots.k > 0 {
        if n >= next_limit {
            // Points out of terms: `series_tail` fails.
            next_limit = usize::MAX;
            for i in (0..slots.k).rev() {
                let Some(&l) = slots.lane.get(i) else {
                    return false;
                };
                let Some(lane) = lanes.get(l) else {
                    return false;
                };
                if lane.limit <= n {
                    if !lane.continued {
                        return false;
                    }
                    if let Some(o) = out.get_mut(l) {
                        *o = None;
                    }
                    slots.remove(i);
                } else {
                    next_limit = next_limit.min(lane.limit);
                }
            }
            continue;
        }
        let q = quotient(n as f64 + 1.0);
        if slots.advance(q) {
            // From the last slot down, so that a removal only moves a slot already seen.
            for i in (0..slots.k).rev() {
                if slots.undecided.get(i) != Some(&1) {
                    continue;
                }
                let (Some(&term), Some(&sum), Some(&r), Some(&z), Some(&l)) = (
                    slots.term.get(i),
                    slots.sum.get(i),
                    slots.r.get(i),
                    slots.z.get(i),
                    slots.lane.get(i),
                ) else {
                    return false;
                };
                let result = match step(term, sum, r, z) {
                    Step::Next => continue,
                    Step::Summed => Some(sum),
                    Step::Failed if lanes.get(l).is_some_and(|lane| lane.continued) => None,
                    Step::Failed => return false,
                };
                if let Some(o) = out.get_mut(l) {
                    *o = result;
                }
                slots.remove(i);
            }
        }
        n += 1;
    }
    true
}

/// Terminating series (`a` or `b` a non-positive integer), any finite `z`.
fn polynomial(a: f64, b: f64, c: f64, z: f64) -> Result<Hyp, ClvError> {
    let degree = match (is_nonpositive_integer(a), is_nonpositive_integer(b)) {
        (true, true) => (-a).min(-b),
        (true, false) => -a,
        _ => -b,
    };
    if degree > MAX_SERIES_TERMS as f64 {
        return Err(ClvError::numerical(
            "hyp2f1",
            format!("polynomial 2F1({a}, {b}; {c}; {z}) has degree {degree}, too many terms"),
        ));
    }
    let mut term = 1.0;
    let mut sum = 0.0;
    let mut n = 0.0;
    while n < degree {
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        n += 1.0;
    }
    if !sum.is_finite() {
        return Err(ClvError::numerical(
            "hyp2f1",
            format!("polynomial 2F1({a}, {b}; {c}; {z}) overflows"),
        ));
    }
    Ok(Hyp {
        ln_scale: 0.0,
        tail: sum,
    })
}

/// Gauss: `₂F₁(a, b; c; 1) = Γ(c) Γ(c−a−b) / (Γ(c−a) Γ(c−b))` for `c − a − b > 0`.
fn gauss_at_one(a: f64, b: f64, c: f64) -> Result<Hyp, ClvError> {
    let d = c - a - b;
    if d <= 0.0 {
        return Err(ClvError::invalid(
            "argument",
            "hyp2f1",
            format!("2F1({a}, {b}; {c}; 1) diverges: c − a − b = {d} ≤ 0"),
        ));
    }
    if is_nonpositive_integer(c - a) || is_nonpositive_integer(c - b) {
        return Ok(Hyp {
            ln_scale: f64::NEG_INFINITY,
            tail: 0.0,
        });
    }
    let (l1, s1) = ln_gamma_sign(c);
    let (l2, s2) = ln_gamma_sign(d);
    let (l3, s3) = ln_gamma_sign(c - a);
    let (l4, s4) = ln_gamma_sign(c - b);
    let sign = s1 * s2 * s3 * s4;
    Ok(Hyp {
        ln_scale: l1 + l2 - l3 - l4,
        tail: if sign < 0.0 { -2.0 } else { 0.0 },
    })
}

/// Analytic continuation of `u = ₂F₁ − 1` from `z0` (where `u = u0`, `u' = du0`) to the
/// point with `1 − z = omz_target`, by successive Taylor expansions of
/// `z(1−z) u'' + [c − (a+b+1) z] u' − ab u = ab`.
///
/// Each step has length at most half the distance to the singular point `z = 1`, so the
/// Taylor series converges at least like `2⁻ᵏ`, and is shorter when the parameters are
/// large (see `STEP_GROWTH`). The forward recurrence for the Taylor
/// coefficients is stable: every solution of the differential equation is singular at
/// `z = 1` (distance `1 − z`), and the parasitic solutions singular at `z = 0` grow no
/// faster because `z > 1/2`.
fn taylor_continue(
    a: f64,
    b: f64,
    c: f64,
    z0: f64,
    u0: f64,
    du0: f64,
    omz_target: f64,
) -> Result<f64, ClvError> {
    let ab = a * b;
    let q1 = -(a + b + 1.0);
    let mut zc = z0;
    let mut omc = 1.0 - z0;
    let (mut u, mut du) = (u0, du0);
    for _ in 0..MAX_TAYLOR_STEPS {
        if omc <= omz_target {
            return Ok(u);
        }
        let remaining = omc - omz_target;
        let p0 = zc * omc;
        let p1 = omc - zc;
        let q0 = c - (a + b + 1.0) * zc;
        let h_max = (0.5 * omc)
            .min(STEP_GROWTH * p0 / q0.abs())
            .min((STEP_GROWTH * p0 / ab.abs()).sqrt());
        let (h, last) = if remaining <= h_max {
            (remaining, true)
        } else {
            (h_max, false)
        };
        // Scaled Taylor coefficients v_k = c_k h^k.
        let mut v_prev = u; // v_0
        let mut v_cur = du * h; // v_1
        let mut sum = v_prev + v_cur;
        let mut dsum = v_cur; // Σ k v_k
        let mut converged = false;
        for k in 0..MAX_TAYLOR_TERMS {
            let kf = k as f64;
            let forcing = if k == 0 { ab * h * h } else { 0.0 };
            let v_next = (forcing
                - (p1 * kf * (kf + 1.0) + q0 * (kf + 1.0)) * h * v_cur
                - (-kf * (kf - 1.0) + q1 * kf - ab) * h * h * v_prev)
                / (p0 * (kf + 2.0) * (kf + 1.0));
            sum += v_next;
            dsum += (kf + 2.0) * v_next;
            if !(sum.is_finite() && dsum.is_finite()) {
                break;
            }
            let small = |v: f64, s: f64| v.abs() <= SERIES_EPS * s.abs() || v.abs() <= 1e-300;
            if k >= 2
                && small(v_next, sum)
                && small(v_cur, sum)
                && small((kf + 2.0) * v_next, dsum)
                && small((kf + 1.0) * v_cur, dsum)
            {
                converged = true;
                break;
            }
            v_prev = v_cur;
            v_cur = v_next;
        }
        if !converged {
            return Err(ClvError::numerical(
                "hyp2f1",
                format!(
                    "analytic continuation of 2F1({a}, {b}; {c}; z) did not converge at z = {zc}"
                ),
            ));
        }
        u = sum;
        du = dsum / h;
        if last {
            return Ok(u);
        }
        zc += h;
        omc -= h;
    }
    Err(ClvError::numerical(
        "hyp2f1",
        format!("analytic continuation of 2F1({a}, {b}; {c}; z) needed too many steps"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{atan, pow};

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_known_values() {
        // (x, ln Γ(x)) from closed forms or high-precision tables.
        let cases = [
            (0.5, 0.572_364_942_924_700_1), // ln √π
            (1.0, 0.0),
            (2.0, 0.0),
            (3.0, std::f64::consts::LN_2),  // ln 2
            (10.0, 12.801_827_480_081_469), // ln 9!
            (100.0, 359.134_205_369_575_4), // ln 99!
            (0.1, 2.252_712_651_734_206),
            (2.5, 0.284_682_870_472_919_2), // ln(3√π/4)
            (1e-8, 18.420_680_738_180_21),
            (1000.5, 5_908.674_175_848_677),
        ];
        for (x, want) in cases {
            let got = ln_gamma(x);
            assert!(
                (got - want).abs() <= 4e-15 * want.abs().max(1.0),
                "ln_gamma({x}) = {got}, want {want}"
            );
        }
        // Negative arguments: Γ(−0.5) = −2√π, Γ(−1.5) = 4√π/3.
        let (l, s) = ln_gamma_sign(-0.5);
        assert!((l - ln(2.0 * std::f64::consts::PI.sqrt())).abs() < 1e-14 && s == -1.0);
        let (l, s) = ln_gamma_sign(-1.5);
        assert!((l - ln(4.0 * std::f64::consts::PI.sqrt() / 3.0)).abs() < 1e-14 && s == 1.0);
        assert_eq!(ln_gamma(0.0), f64::INFINITY);
        assert_eq!(ln_gamma(-3.0), f64::INFINITY);
        assert!(ln_gamma(f64::NAN).is_nan());
    }

    #[test]
    fn hyp2f1_elementary_identities() {
        // 2F1(1, 1; 2; z) = −ln(1 − z) / z, for z on both sides of the series switch and < 0.
        for z in [
            -50.0,
            -0.9,
            -0.3,
            0.1,
            0.5,
            0.79,
            0.81,
            0.95,
            0.999,
            1.0 - 1e-9,
        ] {
            let z: f64 = z;
            let want = -ln_1p(-z) / z;
            let got = hyp2f1(1.0, 1.0, 2.0, z).unwrap();
            assert!(close(got, want, 1e-13), "z = {z}: {got} vs {want}");
        }
        // 2F1(a, b; b; z) = (1 − z)^(−a).
        for (a, z) in [(0.3, 0.5_f64), (2.5, 0.9), (-1.7, 0.97), (0.25, -3.0)] {
            let want = pow(1.0 - z, -a);
            let got = hyp2f1(a, 1.7, 1.7, z).unwrap();
            assert!(close(got, want, 1e-13), "a = {a}, z = {z}: {got} vs {want}");
        }
        // 2F1(1/2, 1; 3/2; −z²) = atan(z) / z.
        for x in [0.5_f64, 2.0, 10.0] {
            let want = atan(x) / x;
            let got = hyp2f1(0.5, 1.0, 1.5, -x * x).unwrap();
            assert!(close(got, want, 1e-13), "x = {x}: {got} vs {want}");
        }
        // Polynomial: 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let (b, c, z) = (1.5, 2.5, 3.0);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!(close(hyp2f1(-2.0, b, c, z).unwrap(), want, 1e-14));
        // Gauss at z = 1: 2F1(1, 1; 3; 1) = Γ(3)Γ(1)/(Γ(2)Γ(2)) = 2.
        assert!(close(hyp2f1(1.0, 1.0, 3.0, 1.0).unwrap(), 2.0, 1e-14));
    }

    #[test]
    fn hyp2f1_integer_c_minus_a_minus_b_near_one() {
        // c − a − b = 0: 2F1(1/2, 1/2; 1; k²) = (2/π) K(k); check against the AGM.
        for k2 in [0.5_f64, 0.9, 0.99, 0.999_999] {
            let kp = (1.0 - k2).sqrt();
            let (mut x, mut y) = (1.0_f64, kp);
            for _ in 0..40 {
                let nx = 0.5 * (x + y);
                y = (x * y).sqrt();
                x = nx;
            }
            let want = 1.0 / x; // (2/π) K = 1 / agm(1, k')
            let got = hyp2f1(0.5, 0.5, 1.0, k2).unwrap();
            assert!(close(got, want, 1e-13), "k² = {k2}: {got} vs {want}");
        }
        // c − a − b = −1 (Euler path, then c − a − b = +1 inside): 2F1(1, 1; 1; z) = 1/(1 − z).
        let z = 0.999_99;
        assert!(close(
            hyp2f1(1.0, 1.0, 1.0, z).unwrap(),
            1.0 / (1.0 - z),
            1e-11
        ));
    }

    #[test]
    fn hyp2f1_rejects_bad_arguments() {
        assert_eq!(
            hyp2f1(1.0, 1.0, -2.0, 0.5).unwrap_err().code(),
            "clv.invalid_input"
        );
        assert_eq!(
            hyp2f1(1.0, 1.0, 2.0, 1.5).unwrap_err().code(),
            "clv.invalid_input"
        );
        assert_eq!(
            hyp2f1(1.0, 1.0, 2.0, 1.0).unwrap_err().code(),
            "clv.invalid_input"
        );
        assert_eq!(
            hyp2f1(f64::NAN, 1.0, 2.0, 0.5).unwrap_err().code(),
            "clv.invalid_input"
        );
        // Overflow is reported, the log form still works.
        assert_eq!(
            hyp2f1(400.0, 400.0, 1.0, 0.999).unwrap_err().code(),
            "clv.numerical"
        );
        let (l, s) = ln_hyp2f1(400.0, 400.0, 1.0, 0.999).unwrap();
        assert!(l > 709.0 && s == 1.0);
    }

    /// `certainly_next` (the division-free test of `series_tail_multi`) may say "go on" only
    /// where `series_tail`'s own test (`step`) does: checked at bounds within a few ulps of the
    /// thresholds, where rounding decides, including tiny sums (the `1e−30 |1 + sum|`
    /// threshold) and `ρ` near 0 and 1.
    #[test]
    fn certainly_next_never_contradicts_the_stopping_test() {
        let mut state = 0x5EED_u64;
        let mut uniform = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut decided, mut summed, mut undecided_next) = (0, 0, 0);
        for case in 0..400_000 {
            let magnitude = pow(10.0, -40.0 + 60.0 * uniform());
            let sum = match case % 5 {
                0 => -1.0 + magnitude.min(0.5) * (uniform() - 0.5),
                1 => -magnitude,
                _ => magnitude,
            };
            let rho = match case % 4 {
                0 => 1.0 - pow(10.0, -16.0 * uniform()),
                1 => pow(10.0, -12.0 * uniform()),
                _ => uniform(),
            };
            if !(rho > 0.0 && rho < 1.0) {
                continue;
            }
            // A term whose bound is within ±64 ulps of the larger threshold.
            let e = (SERIES_EPS * sum.abs()).max(1e-30 * (1.0 + sum).abs());
            let exact = e * (1.0 - rho) / rho;
            let ulps = (uniform() * 129.0) as i64 - 64;
            let term = f64::from_bits(exact.to_bits().wrapping_add_signed(ulps));
            let term = if uniform() < 0.5 { term } else { -term };
            // ρ = max(|r|, |z|) = z.
            let (z, r) = (rho, -rho * uniform());
            let certain = certainly_next(term, sum, rho, 1.0 - rho);
            let step = step(term, sum, r, z);
            if certain {
                assert_eq!(step, Step::Next, "term {term:e}, sum {sum:e}, rho {rho:e}");
                decided += 1;
            } else if step == Step::Next {
                undecided_next += 1;
            } else {
                summed += 1;
            }
        }
        // Both sides of the threshold were reached, and the test decides most "go on" cases.
        assert!(
            decided > 50_000 && summed > 50_000 && undecided_next < decided,
            "{decided} {summed} {undecided_next}"
        );
    }
}
