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

/// The noncentral t distribution's CDF `P(T ≤ t)` with `df > 0` degrees of freedom and
/// noncentrality `nc` (Lenth's series, AS 243):
///
/// ```text
/// F(t; ν, δ) = Φ(−δ) + ½ Σⱼ [pⱼ I_x(j + ½, ν/2) + qⱼ I_x(j + 1, ν/2)],   x = t² / (t² + ν), t ≥ 0
/// pⱼ = e^(−δ²/2) (δ²/2)^j / j!,   qⱼ = δ e^(−δ²/2) (δ²/2)^j / (√2 Γ(j + 3/2))
/// F(t; ν, δ) = 1 − F(−t; ν, −δ),   t < 0
/// ```
///
/// The terms are summed over the Poisson weights' bulk, `j` within `12 √λ + 30` of
/// `λ = δ²/2` (what lies beyond weighs under 1e-30).
pub fn nct_cdf(t: f64, df: f64, nc: f64) -> f64 {
    if t.is_nan() || df.is_nan() || nc.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t < 0.0 {
        return 1.0 - nct_cdf(-t, df, -nc);
    }
    let base = special::norm_cdf(-nc);
    if t == 0.0 {
        return base;
    }
    let t2 = t * t;
    let x = t2 / (t2 + df);
    let (ln_x, ln_1mx) = (-ln_1p(df / t2), -ln_1p(t2 / df));
    let lambda = 0.5 * nc * nc;
    let ln_lambda = if lambda > 0.0 { ln(lambda) } else { 0.0 };
    let spread = 12.0 * lambda.sqrt() + 30.0;
    let lo = (lambda - spread).max(0.0).floor() as u64;
    let hi = (lambda + spread).ceil() as u64;
    let b = 0.5 * df;
    let mut sum = 0.0;
    for j in lo..=hi {
        let jf = j as f64;
        if lambda == 0.0 && j > 0 {
            break;
        }
        let ln_w = -lambda + jf * ln_lambda;
        let p = libm::exp(ln_w - special::ln_gamma(jf + 1.0));
        let q = nc.signum()
            * libm::exp(
                ln_w + ln(nc.abs().max(f64::MIN_POSITIVE))
                    - 0.5 * std::f64::consts::LN_2
                    - special::ln_gamma(jf + 1.5),
            );
        let (ia, _) = beta_inc_pair(jf + 0.5, b, x, ln_x, ln_1mx);
        let (ib, _) = beta_inc_pair(jf + 1.0, b, x, ln_x, ln_1mx);
        sum += p * ia + if nc == 0.0 { 0.0 } else { q * ib };
    }
    (base + 0.5 * sum).clamp(0.0, 1.0)
}
