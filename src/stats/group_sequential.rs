//! Group-sequential boundaries by alpha spending (Lan & DeMets 1983): for a team that looks at
//! a test as the units come in (every day, say) and plans how many units it will have at the
//! end, the two-sided boundaries `c₁, …, c_K` on the z-statistic at the looks it has made, so
//! that under no effect the chance of `|Z_k| ≥ c_k` at some look is exactly `α` by the end.
//!
//! The look at information fraction `t_k` (units so far ÷ units planned) spends
//! `α*(t_k) − α*(t_{k−1})` of `α`:
//!
//! ```text
//! O'Brien–Fleming type   α*(t) = 2 − 2 Φ(z_{1−α/2} / √t)      (spends little early)
//! Pocock type            α*(t) = α ln(1 + (e − 1) t)
//! ```
//!
//! `c_k` solves `P(|Z_1| < c_1, …, |Z_{k−1}| < c_{k−1}, |Z_k| ≥ c_k) = α*(t_k) − α*(t_{k−1})`,
//! where under no effect `(Z_1, …, Z_K)` is normal with `Cov(Z_i, Z_j) = √(t_i / t_j)`, `i ≤ j`
//! (Jennison & Turnbull 2000, ch. 19: the sub-density of `Z_k` on the continuation region is
//! carried from look to look by numerical integration, Simpson's rule on a grid of at most a
//! 32nd of the increment's standard deviation). Unlike a confidence sequence, which holds at
//! any number of looks and is therefore conservative at a few dozen, the boundaries spend the
//! whole `α` over the looks made; a look beyond the plan (`t > 1`) spends nothing more.

use super::dist::normal;
use super::tests::StatsError;

/// The spending function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub enum Spending {
    /// O'Brien–Fleming type: `2 − 2 Φ(z_{1−α/2} / √t)`.
    #[default]
    #[serde(rename = "obrien-fleming")]
    OBrienFleming,
    /// Pocock type: `α ln(1 + (e − 1) t)`.
    #[serde(rename = "pocock")]
    Pocock,
}

impl Spending {
    /// `α*(t)`: the share of `alpha` spent by information fraction `t` (capped at 1).
    pub fn spent(self, alpha: f64, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        if t == 0.0 {
            return 0.0;
        }
        match self {
            Spending::OBrienFleming => 2.0 * normal::sf(normal::ppf(1.0 - alpha / 2.0) / t.sqrt()),
            Spending::Pocock => alpha * libm::log(1.0 + (std::f64::consts::E - 1.0) * t),
        }
        .min(alpha)
    }

    /// The name used in options and results: `obrien-fleming` or `pocock`.
    pub fn name(self) -> &'static str {
        match self {
            Spending::OBrienFleming => "obrien-fleming",
            Spending::Pocock => "pocock",
        }
    }
}

/// A grid on `[−c, c]` and the sub-density of `Z` on it.
struct Density {
    z: Vec<f64>,
    /// Simpson weights times the density.
    w: Vec<f64>,
}

fn simpson_grid(c: f64, h_max: f64) -> (Vec<f64>, Vec<f64>) {
    let mut m = ((2.0 * c / h_max).ceil() as usize).max(2);
    if m % 2 == 1 {
        m += 1;
    }
    let h = 2.0 * c / m as f64;
    let z: Vec<f64> = (0..=m).map(|i| -c + h * i as f64).collect();
    let w: Vec<f64> = (0..=m)
        .map(|i| {
            let k = if i == 0 || i == m {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            k * h / 3.0
        })
        .collect();
    (z, w)
}

/// `P(continue to look k − 1, then |Z_k| ≥ c)` for the density carried to look `k − 1`, and
/// its derivative in `c`.
fn crossing(d: &Density, t_prev: f64, t: f64, c: f64) -> (f64, f64) {
    let delta = t - t_prev;
    let (sp, s, sd) = (t_prev.sqrt(), t.sqrt(), delta.sqrt());
    let (mut p, mut dp) = (0.0, 0.0);
    for (&u, &w) in d.z.iter().zip(&d.w) {
        let m = u * sp;
        let (lo, hi) = ((-c * s - m) / sd, (c * s - m) / sd);
        p += w * (normal::cdf(lo) + normal::sf(hi));
        dp -= w * (normal::pdf(lo) + normal::pdf(hi));
    }
    (p, dp * s / sd)
}

/// The `c` where `crossing` falls to `target`: Newton's method on `ln crossing` kept inside a
/// bracket that bisection narrows whenever a step would leave it, to the last bit (crossing is
/// decreasing in `c`). A handful of crossings instead of bisection's fifty-odd.
fn solve_crossing(d: &Density, t_prev: f64, t: f64, target: f64, start: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    let mut c = if start.is_finite() && start > lo && start < hi {
        start
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..200 {
        let (p, dp) = crossing(d, t_prev, t, c);
        if p > target {
            lo = c;
        } else {
            hi = c;
        }
        // On the log scale, where a normal tail is nearly a parabola: a few steps even when
        // the target is 1e-20.
        let newton = c - (libm::log(p) - libm::log(target)) * p / dp;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if next == c || next <= lo || next >= hi || (next - c).abs() <= 2.0 * f64::EPSILON * c {
            return next.clamp(lo, hi);
        }
        c = next;
    }
    c
}

/// `Σ_j w_j φ(a − j δ)` over `j` in `lo..=hi`: the Gaussian weights by the recurrence
/// `φ(x − δ) = φ(x) e^{xδ − δ²/2}` (two multiplications a term instead of an `exp`),
/// restarted from an exact `exp` every 32 terms so rounding cannot build up.
fn gaussian_sum(w: &[f64], lo: usize, hi: usize, a: f64, delta: f64) -> f64 {
    if delta > 1.0 {
        // Few terms in the window: exact each.
        return (lo..=hi)
            .map(|j| w[j] * normal::pdf(a - j as f64 * delta))
            .sum();
    }
    let step = libm::exp(-delta * delta);
    let mut sum = 0.0;
    let mut j = lo;
    while j <= hi {
        let x = a - j as f64 * delta;
        let mut g = normal::pdf(x);
        let mut q = libm::exp(x * delta - 0.5 * delta * delta);
        let end = hi.min(j + 31);
        for wj in &w[j..=end] {
            sum += wj * g;
            g *= q;
            q *= step;
        }
        j = end + 1;
    }
    sum
}

/// The sub-density of `Z_k` on `(−c, c)` at look `k` (information fraction `t`), from the one
/// carried to look `k − 1` (`None` at the first look).
fn carry(density: Option<&Density>, t_prev: f64, t: f64, c: f64, per_sd: f64) -> Density {
    let bound = if c.is_finite() { c } else { 12.0 };
    match density {
        None => {
            let (z, w) = simpson_grid(bound, 1.0 / per_sd);
            let w = z.iter().zip(w).map(|(&x, w)| w * normal::pdf(x)).collect();
            Density { z, w }
        }
        Some(d) => {
            let delta = t - t_prev;
            let (sp, s, sd) = (t_prev.sqrt(), t.sqrt(), delta.sqrt());
            // The increment's standard deviation on the Z_k scale is √(Δ / t).
            let (z, w) = simpson_grid(bound, (delta / t).sqrt() / per_sd);
            let w = z
                .iter()
                .zip(w)
                .map(|(&x, wk)| {
                    // Only the previous grid's points within 10 standard deviations of
                    // the increment contribute (the rest weigh under 1e-22).
                    let (z0, h) = (d.z[0], d.z[1] - d.z[0]);
                    let (lo_u, hi_u) = ((x * s - 10.0 * sd) / sp, (x * s + 10.0 * sd) / sp);
                    let lo = (((lo_u - z0) / h).floor().max(0.0)) as usize;
                    let hi = ((((hi_u - z0) / h).ceil()) as usize).min(d.z.len() - 1);
                    let f: f64 = if lo > hi || hi_u < z0 {
                        0.0
                    } else {
                        // φ((x s − u_j √t_{k−1}) / sd) with u_j = z0 + j h.
                        gaussian_sum(&d.w, lo, hi, (x * s - z0 * sp) / sd, h * sp / sd)
                    };
                    wk * f * s / sd
                })
                .collect();
            Density { z, w }
        }
    }
}

/// The two-sided boundaries on the z-statistic at looks with information fractions
/// `fractions` (increasing, > 0; above 1 they are read as 1), at level `alpha`.
pub fn boundaries(
    fractions: &[f64],
    alpha: f64,
    spending: Spending,
) -> Result<Vec<f64>, StatsError> {
    boundaries_on_grid(fractions, alpha, spending, 32.0)
}

/// [`boundaries`] with grid points `per_sd` to the increment's standard deviation.
fn boundaries_on_grid(
    fractions: &[f64],
    alpha: f64,
    spending: Spending,
    per_sd: f64,
) -> Result<Vec<f64>, StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::Invalid(format!(
            "alpha is {alpha}: between 0 and 1"
        )));
    }
    let mut out = Vec::with_capacity(fractions.len());
    let mut density: Option<Density> = None;
    let (mut t_prev, mut spent_prev) = (0.0, 0.0);
    for (k, &t_raw) in fractions.iter().enumerate() {
        if !(t_raw.is_finite() && t_raw > 0.0) {
            return Err(StatsError::Invalid(format!(
                "look {k}: information fraction {t_raw}: a number > 0"
            )));
        }
        let t = t_raw.min(1.0);
        if t <= t_prev {
            if t_raw > t_prev || t_prev >= 1.0 {
                // Past the plan: no more to spend.
                out.push(f64::INFINITY);
                continue;
            }
            return Err(StatsError::Invalid(format!(
                "look {k}: information fraction {t_raw} is not after the previous look's"
            )));
        }
        let spent = spending.spent(alpha, t);
        let target = spent - spent_prev;
        let c = match &density {
            None => {
                if target <= 0.0 {
                    f64::INFINITY
                } else {
                    normal::ppf(1.0 - target / 2.0)
                }
            }
            Some(d) => {
                if target <= 1e-300 {
                    f64::INFINITY
                } else {
                    // From the previous boundary, or the fixed test's at this look's share.
                    let start = out.last().copied().filter(|c: &f64| c.is_finite());
                    let start = start.unwrap_or_else(|| normal::ppf(1.0 - target / 2.0));
                    solve_crossing(d, t_prev, t, target, start)
                }
            }
        };
        // Carry the sub-density of Z_k on (−c, c) to the next look.
        let next_density = carry(density.as_ref(), t_prev, t, c, per_sd);
        density = Some(next_density);
        out.push(c);
        t_prev = t;
        spent_prev = spent;
    }
    Ok(out)
}

#[cfg(test)]
mod unit {
    use super::*;

    /// The grid is fine enough: four times finer moves no boundary by 1e-8.
    #[test]
    fn the_integration_has_converged() {
        let looks: Vec<f64> = (1..=12).map(|d| f64::from(d) / 12.0).collect();
        for sp in [Spending::OBrienFleming, Spending::Pocock] {
            let a = boundaries_on_grid(&looks, 0.05, sp, 32.0).unwrap();
            let b = boundaries_on_grid(&looks, 0.05, sp, 128.0).unwrap();
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-8 * y, "{sp:?}: {x} vs {y}");
            }
        }
    }

    /// The recurrence gives the Gaussian weights of a direct `exp` each, to rounding.
    #[test]
    fn the_gaussian_recurrence_is_the_direct_sum() {
        let w: Vec<f64> = (0..700).map(|j| 1.0 + (j % 7) as f64 / 3.0).collect();
        for (a, delta) in [
            (10.0, 0.03),
            (3.3, 0.01),
            (-2.0, 0.5),
            (40.0, 0.9),
            (7.5, 1.7),
        ] {
            let direct: f64 = (5..=650)
                .map(|j| w[j] * normal::pdf(a - j as f64 * delta))
                .sum();
            let fast = gaussian_sum(&w, 5, 650, a, delta);
            assert!(
                (fast - direct).abs() <= 1e-12 * direct.abs().max(1e-300),
                "a {a}, delta {delta}: {fast} vs {direct}"
            );
        }
    }

    /// Newton's method in its bracket finds the boundary bisection finds, at many looks.
    #[test]
    fn newton_finds_the_bisection_boundary() {
        let looks: Vec<f64> = (1..=40).map(|d| f64::from(d) / 40.0).collect();
        let c = boundaries(&looks, 0.05, Spending::OBrienFleming).unwrap();
        // The last look again by bisection on the density carried to look 39.
        let (t_prev, t) = (looks[38], looks[39]);
        let target =
            Spending::OBrienFleming.spent(0.05, t) - Spending::OBrienFleming.spent(0.05, t_prev);
        let mut d = carry(None, 0.0, looks[0], c[0], 32.0);
        for k in 1..39 {
            d = carry(Some(&d), looks[k - 1], looks[k], c[k], 32.0);
        }
        let (mut lo, mut hi) = (0.0f64, 40.0f64);
        while hi - lo > 1e-15 * hi {
            let mid = 0.5 * (lo + hi);
            if crossing(&d, t_prev, t, mid).0 > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        assert!((c[39] - lo).abs() < 1e-12, "{} vs {lo}", c[39]);
    }

    #[test]
    fn one_look_at_the_end_is_the_fixed_test() {
        let c = boundaries(&[1.0], 0.05, Spending::OBrienFleming).unwrap();
        assert!((c[0] - 1.959_963_984_540_054).abs() < 1e-12);
    }
}
