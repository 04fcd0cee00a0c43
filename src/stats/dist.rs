//! Distributions: the standard normal, Student's t and chi-square (CDF, survival function,
//! quantile), built on [`super::special`].

use super::special::{self, beta_inc_pair, gamma_q, ln, ln_1p};

/// The standard normal distribution.
pub mod normal {
    pub use super::special::{norm_cdf as cdf, norm_pdf as pdf, norm_ppf as ppf, norm_sf as sf};
}

/// Student's t with `df > 0` degrees of freedom: `(cdf, sf)` at `t`, each accurate in its tail
/// (`I_x(ν/2, ½)` with `x = ν / (ν + t²)`).
pub fn t_cdf_sf(t: f64, df: f64) -> (f64, f64) {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    if df.is_infinite() {
        return (special::norm_cdf(t), special::norm_sf(t));
    }
    if t == 0.0 {
        return (0.5, 0.5);
    }
    let t2 = t * t;
    // x = ν / (ν + t²): ln x = −ln(1 + t²/ν), ln(1 − x) = −ln(1 + ν/t²).
    let x = df / (df + t2);
    let (lower, upper) = beta_inc_pair(0.5 * df, 0.5, x, -ln_1p(t2 / df), -ln_1p(df / t2));
    // `lower` = I_x(ν/2, ½) = P(|T| > |t|); `upper` = P(|T| < |t|).
    let tail = 0.5 * lower;
    let body = 0.5 + 0.5 * upper;
    if t > 0.0 {
        (body, tail)
    } else {
        (tail, body)
    }
}

/// Student's t CDF.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    t_cdf_sf(t, df).0
}

/// Student's t survival function `P(T > t)`.
pub fn t_sf(t: f64, df: f64) -> f64 {
    t_cdf_sf(t, df).1
}

/// Student's t density.
pub fn t_pdf(t: f64, df: f64) -> f64 {
    // Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) (1 + t²/ν)^(−(ν+1)/2)
    let a = 0.5 * df;
    let ln_c = special::ln_gamma_half_ratio(a) - 0.5 * ln(df * std::f64::consts::PI);
    libm::exp(ln_c - (a + 0.5) * ln_1p(t * t / df))
}

/// Student's t quantile: Newton's method on the CDF from the normal quantile, to full
/// precision (the tail probability is matched relatively, so small p stay accurate).
pub fn t_ppf(p: f64, df: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    if df.is_infinite() {
        return special::norm_ppf(p);
    }
    // Work in the lower tail: t(p) = −t(1 − p).
    let (q, sign) = if p < 0.5 { (p, -1.0) } else { (1.0 - p, 1.0) };
    // Start: the normal quantile with the first Cornish–Fisher correction, or for very small
    // df the exact formulas' neighbourhood.
    let z = -special::norm_ppf(q);
    let mut t = z + (z * z * z + z) / (4.0 * df);
    if df < 1.5 {
        t = t.max(1.0);
    }
    // Newton on f(t) = ln sf(t) − ln q (relative in the tail), t > 0.
    for _ in 0..100 {
        let sf = t_sf(t, df);
        let pdf = t_pdf(t, df);
        if sf <= 0.0 || pdf <= 0.0 {
            break;
        }
        let step = (ln(sf) - ln(q)) * sf / pdf;
        let next = if t + step <= 0.0 { t * 0.5 } else { t + step };
        if (next - t).abs() <= 1e-15 * next.abs() {
            t = next;
            break;
        }
        t = next;
    }
    sign * t
}

/// Chi-square survival function `P(X > x)` with `k` degrees of freedom.
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    if x.is_nan() || k.is_nan() || k <= 0.0 {
        return f64::NAN;
    }
    gamma_q(0.5 * k, 0.5 * x)
}
