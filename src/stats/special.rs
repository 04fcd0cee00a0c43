//! Special functions for the distributions of [`super::dist`]: `ln Γ`, the normal
//! distribution through `erfc`, the regularized incomplete beta and gamma functions.
//!
//! Written here rather than taken from a crate: the tests require agreement with scipy to
//! 1e-9 relative, p-values far in the tails included, and `statrs` (the field's crate) computes
//! the incomplete beta's prefactor from `ln Γ` differences, which loses digits for the large
//! degrees of freedom of an experiment's Welch test (ν in the thousands: `ln Γ(ν/2)` is ~10⁴, so
//! an absolute error of 10⁻¹⁵ in it is 10⁻¹¹ relative in the p-value only by luck). Here the
//! Student-t prefactor uses `ln Γ(a + ½) − ln Γ(a)` from its own asymptotic series, and every
//! transcendental call goes through `libm`, so native and wasm give the same bits.
//!
//! ## `ln Γ(x)`
//! For `x ≥ 10` the Stirling series up to the `x⁻¹³` term (truncation error < 3·10⁻¹⁷);
//! below, the recurrence `ln Γ(x) = ln Γ(x + k) − ln(x (x+1) ⋯ (x+k−1))`; for `x < 0.5` the
//! reflection formula. Absolute error is a few 10⁻¹⁵.
//!
//! ## The normal distribution
//! `Φ(x) = ½ erfc(−x/√2)` (libm's `erfc`, accurate to an ulp or two in both tails);
//! `Φ⁻¹(p)` is Wichura's AS 241 (`PPND16`, relative error about 10⁻¹⁶).
//!
//! ## `I_x(a, b)` and `Q(a, x)`
//! The continued fractions of Numerical Recipes (modified Lentz), on the side of `x` where
//! they converge fast, to a relative tolerance of 10⁻¹⁶.

use libm::{erfc, exp, expm1, log, sin, sqrt};

/// `½ ln(2π)`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 10_000;

/// `ln |Γ(x)|`. `+∞` at the poles `x = 0, −1, −2, …`; `NaN` for `NaN`.
pub fn ln_gamma(x: f64) -> f64 {
    ln_gamma_sign(x).0
}

/// `(ln |Γ(x)|, sign Γ(x))`; the sign is `+1` for `x > 0`, `±1` between the negative poles,
/// and `NaN` at a pole.
pub fn ln_gamma_sign(x: f64) -> (f64, f64) {
    if x.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if x == f64::INFINITY {
        return (f64::INFINITY, 1.0);
    }
    if x <= 0.0 && x == x.floor() {
        return (f64::INFINITY, f64::NAN);
    }
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx), and Γ(1 − x) > 0 here.
        let s = sin_pi(x);
        let (lg, _) = ln_gamma_sign(1.0 - x);
        return (
            log(std::f64::consts::PI) - log(s.abs()) - lg,
            if s < 0.0 { -1.0 } else { 1.0 },
        );
    }
    let mut shifted = x;
    let mut product = 1.0;
    while shifted < 10.0 {
        product *= shifted;
        shifted += 1.0;
    }
    (stirling(shifted) - log(product), 1.0)
}

/// Stirling's series for `ln Γ(x)`, `x ≥ 10`.
fn stirling(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Bernoulli terms B_{2k} / (2k (2k − 1) x^{2k−1}), k = 1..7.
    let series = inv
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 360.0
                    + inv2
                        * (1.0 / 1260.0
                            + inv2
                                * (-1.0 / 1680.0
                                    + inv2
                                        * (1.0 / 1188.0
                                            + inv2
                                                * (-691.0 / 360_360.0 + inv2 * (1.0 / 156.0)))))));
    (x - 0.5) * log(x) - x + HALF_LN_2PI + series
}

/// `sin(πx)` with the argument reduced exactly first.
fn sin_pi(x: f64) -> f64 {
    let r = x - 2.0 * (x * 0.5).round(); // r in [-1, 1]
    sin(std::f64::consts::PI * r)
}

/// `ln Γ(a + ½) − ln Γ(a)` for `a > 0`, without the cancellation of the difference for a
/// large `a`: the asymptotic series `½ ln a − 1/(8a) + 1/(192a³) − 1/(640a⁵) + 17/(14336a⁷)`
/// for `a ≥ 20` (the next term is below 4·10⁻¹⁵ there; checked against mpmath), the
/// difference below.
pub fn ln_gamma_half_ratio(a: f64) -> f64 {
    if a >= 20.0 {
        let i = 1.0 / a;
        let i2 = i * i;
        0.5 * log(a)
            - i * (1.0 / 8.0 - i2 * (1.0 / 192.0 - i2 * (1.0 / 640.0 - i2 * (17.0 / 14336.0))))
    } else {
        ln_gamma(a + 0.5) - ln_gamma(a)
    }
}

/// The standard normal CDF `Φ(x)`.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The standard normal survival function `1 − Φ(x)`, accurate in the upper tail.
pub fn norm_sf(x: f64) -> f64 {
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}

/// The standard normal density.
pub fn norm_pdf(x: f64) -> f64 {
    exp(-0.5 * x * x) / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal quantile `Φ⁻¹(p)` (Wichura's AS 241); `±∞` at 0 and 1, NaN outside.
/// The coefficients are AS 241's as published (more digits than an f64 holds).
#[allow(clippy::excessive_precision)]
pub fn norm_ppf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r
                + 67265.770927008700853)
                * r
                + 45921.953931549871457)
                * r
                + 13731.693765509461125)
                * r
                + 1971.5909503065514427)
                * r
                + 133.14166789178437745)
                * r
                + 3.387132872796366608)
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r
                + 39307.89580009271061)
                * r
                + 21213.794301586595867)
                * r
                + 5394.1960214247511077)
                * r
                + 687.1870074920579083)
                * r
                + 42.313330701600911252)
                * r
                + 1.0);
    }
    let r0 = if q < 0.0 { p } else { 1.0 - p };
    let r = sqrt(-log(r0));
    let v = if r <= 5.0 {
        let r = r - 1.6;
        (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r
            + 0.24178072517745061177)
            * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734)
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r
                + 0.0151986665636164571966)
                * r
                + 0.14810397642748007459)
                * r
                + 0.68976733498510000455)
                * r
                + 1.6763848301838038494)
                * r
                + 2.05319162663775882187)
                * r
                + 1.0)
    } else {
        let r = r - 5.0;
        (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
            + 0.0012426609473880784386)
            * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772)
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r
                + 1.8463183175100546818e-5)
                * r
                + 7.868691311456132591e-4)
                * r
                + 0.0148753612908506148525)
                * r
                + 0.13692988092273580531)
                * r
                + 0.59983220655588793769)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -v
    } else {
        v
    }
}

/// The continued fraction of `I_x(a, b)` (Numerical Recipes' `betacf`, modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        h *= lentz(&mut c, &mut d, m * (b - m) * x / ((qam + m2) * (a + m2)));
        let del = lentz(
            &mut c,
            &mut d,
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        );
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// One step of the modified Lentz method with partial numerator `aa` (and denominator 1):
/// updates `c` and `d` and returns the factor the fraction is multiplied by.
fn lentz(c: &mut f64, d: &mut f64, aa: f64) -> f64 {
    *d = 1.0 + aa * *d;
    if d.abs() < TINY {
        *d = TINY;
    }
    *c = 1.0 + aa / *c;
    if c.abs() < TINY {
        *c = TINY;
    }
    *d = 1.0 / *d;
    *d * *c
}

/// `ln B(a, b)`, with `b = ½` through [`ln_gamma_half_ratio`].
fn ln_beta(a: f64, b: f64) -> f64 {
    if b == 0.5 {
        // B(a, ½) = Γ(a) Γ(½) / Γ(a + ½)
        0.5 * log(std::f64::consts::PI) - ln_gamma_half_ratio(a)
    } else if a == 0.5 {
        ln_beta(b, a)
    } else {
        ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
    }
}

/// The regularized incomplete beta function `I_x(a, b)` and its complement `1 − I_x(a, b)`,
/// each accurate on its own (`(lower, upper)`), given `ln x` and `ln(1 − x)` (so a caller can
/// pass them without rounding `x` first).
pub fn beta_inc_pair(a: f64, b: f64, x: f64, ln_x: f64, ln_1mx: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if x >= 1.0 {
        return (1.0, 0.0);
    }
    let front = exp(a * ln_x + b * ln_1mx - ln_beta(a, b));
    if x < (a + 1.0) / (a + b + 2.0) {
        let lower = front * beta_cf(a, b, x) / a;
        (lower, 1.0 - lower)
    } else {
        let upper = front * beta_cf(b, a, 1.0 - x) / b;
        (1.0 - upper, upper)
    }
}

/// The regularized upper incomplete gamma function `Q(a, x) = Γ(a, x) / Γ(a)`.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let ln_front = a * log(x) - x - ln_gamma(a);
    if x < a + 1.0 {
        // The series for P, then Q = 1 − P.
        let mut ap = a;
        let mut sum = 1.0 / a;
        let mut del = sum;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        -expm1(ln_front + log(sum))
    } else {
        // The continued fraction for Q (modified Lentz).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let i = i as f64;
            let an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        exp(ln_front) * h
    }
}

/// `ln(1 + x)` re-exported for the distributions.
#[cfg(feature = "data")]
pub(crate) fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// `ln x` re-exported for the distributions.
#[cfg(feature = "data")]
pub(crate) fn ln(x: f64) -> f64 {
    log(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((norm_cdf(1.959963984540054) - 0.975).abs() < 1e-15);
        assert!((norm_ppf(0.975) - 1.959963984540054).abs() < 1e-14);
        assert!((norm_ppf(1e-10) + 6.361340902404056).abs() < 1e-12);
        // mpmath: ln Γ(25.5) − ln Γ(25) = 1.6044382456076275...
        assert!((ln_gamma_half_ratio(25.0) - 1.604_438_245_607_627_6).abs() < 1e-14);
        // Q(1, x) = e^(−x)
        assert!((gamma_q(1.0, 2.0) / (-2.0f64).exp() - 1.0).abs() < 1e-14);
    }
}
