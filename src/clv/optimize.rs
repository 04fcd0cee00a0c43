//! Derivative-free minimisation (Nelder–Mead) for the maximum-likelihood fits.
//!
//! Hand-written (≈150 lines) instead of depending on `argmin`: `argmin` brings its own
//! math/trait crates and compile time for one routine that the fits call on a 3- or
//! 4-dimensional, smooth objective. The fitting code is only compiled with the `train`
//! feature; nothing here is needed for predictions (wasm).
//!
//! The algorithm is the textbook one with the standard coefficients used by SciPy's
//! `minimize(method="Nelder-Mead")` (reflection 1, expansion 2, contraction ½, shrink ½)
//! and SciPy's stopping rule (every vertex within `xatol` of the best in every coordinate
//! **and** every objective value within `fatol` of the best). Two deliberate differences:
//!
//! * the initial simplex uses an absolute step (`initial_step`) in every coordinate, since
//!   the fits optimise log-parameters (a step of 0.1 is a ±10 % change of a parameter);
//! * after convergence the search is restarted from the best point with a fresh simplex
//!   (at most `max_restarts` times, while a restart still improves the objective by more
//!   than `fatol`), the usual remedy for Nelder–Mead's premature collapse.
//!
//! What `lifetimes` 0.11.3 itself does (read from its `BaseFitter._fit`): it calls
//! `scipy.optimize.minimize(f, x0 = 0.1·ones, jac=True, method=None, tol=1e-7)` with
//! autograd gradients, i.e. **BFGS** (SciPy's default without bounds), not Nelder–Mead, and
//! starts at log-parameters 0.1 (parameters e^0.1 ≈ 1.105), not at ones. The fits here use
//! the same start and objective; on CDNOW they land within 10⁻⁶ (relative) of `lifetimes`'
//! parameters, with and without penalty.
//!
//! Everything is deterministic: fixed start, fixed steps, no randomness.
//! Non-finite objective values are treated as `+∞` (the simplex moves away from them).

use serde::{Deserialize, Serialize};

/// Settings of [`nelder_mead`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NelderMeadOptions {
    /// Step added to each coordinate of the start to build the initial simplex.
    pub initial_step: f64,
    /// Absolute tolerance on the coordinates (simplex size).
    pub xatol: f64,
    /// Absolute tolerance on the objective values across the simplex.
    pub fatol: f64,
    /// Iteration limit of one run (restarts have their own).
    pub max_iterations: u32,
    /// Maximum number of restarts after a converged run.
    pub max_restarts: u32,
}

impl Default for NelderMeadOptions {
    /// The settings the BG/NBD and Gamma-Gamma fits use: step 0.1, `xatol` 1e-7,
    /// `fatol` 1e-12 (the objectives are mean log-likelihoods of order 1–10),
    /// 5 000 iterations per run, 3 restarts.
    fn default() -> Self {
        NelderMeadOptions {
            initial_step: 0.1,
            xatol: 1e-7,
            fatol: 1e-12,
            max_iterations: 5_000,
            max_restarts: 3,
        }
    }
}

/// How a minimisation went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizeReport {
    /// Nelder–Mead iterations, all runs together.
    pub iterations: u32,
    /// Objective evaluations, all runs together.
    pub evaluations: u32,
    /// Whether the last run met both tolerances before its iteration limit.
    pub converged: bool,
    /// Objective value at the returned point.
    pub objective: f64,
    /// Restarts performed.
    pub restarts: u32,
}

/// Minimises `f` from `x0`; returns the best point found and the report.
pub fn nelder_mead<F: FnMut(&[f64]) -> f64>(
    mut f: F,
    x0: &[f64],
    opts: &NelderMeadOptions,
) -> (Vec<f64>, OptimizeReport) {
    let mut report = OptimizeReport {
        iterations: 0,
        evaluations: 0,
        converged: false,
        objective: f64::INFINITY,
        restarts: 0,
    };
    let mut eval = |x: &[f64], report: &mut OptimizeReport| {
        report.evaluations = report.evaluations.saturating_add(1);
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut best = x0.to_vec();
    let mut best_f = eval(&best, &mut report);
    loop {
        let (x, fx, iterations, converged) = run(&mut eval, &best, best_f, opts, &mut report);
        report.iterations = report.iterations.saturating_add(iterations);
        report.converged = converged;
        let improvement = best_f - fx;
        if fx <= best_f {
            best = x;
            best_f = fx;
        }
        if !converged || improvement <= opts.fatol || report.restarts >= opts.max_restarts {
            break;
        }
        report.restarts += 1;
    }
    report.objective = best_f;
    (best, report)
}

/// One Nelder–Mead run from `x0` (objective `f0`): (best point, value, iterations, converged).
fn run<E: FnMut(&[f64], &mut OptimizeReport) -> f64>(
    eval: &mut E,
    x0: &[f64],
    f0: f64,
    opts: &NelderMeadOptions,
    report: &mut OptimizeReport,
) -> (Vec<f64>, f64, u32, bool) {
    const RHO: f64 = 1.0;
    const CHI: f64 = 2.0;
    const PSI: f64 = 0.5;
    const SIGMA: f64 = 0.5;
    let n = x0.len();
    // Vertices with their values.
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((x0.to_vec(), f0));
    for i in 0..n {
        let v: Vec<f64> = x0
            .iter()
            .enumerate()
            .map(|(j, xj)| if j == i { xj + opts.initial_step } else { *xj })
            .collect();
        let fv = eval(&v, report);
        simplex.push((v, fv));
    }
    let combine = |a: &[f64], b: &[f64], wa: f64, wb: f64| -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect()
    };
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iterations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let Some((best, best_f)) = simplex.first().cloned() else {
            break;
        };
        let spread_f = simplex
            .iter()
            .map(|(_, fv)| (fv - best_f).abs())
            .fold(0.0, f64::max);
        let spread_x = simplex
            .iter()
            .flat_map(|(v, _)| v.iter().zip(&best).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread_f <= opts.fatol && spread_x <= opts.xatol {
            converged = true;
            break;
        }
        iterations += 1;
        let Some((worst, worst_f)) = simplex.last().cloned() else {
            break;
        };
        let second_worst_f = simplex
            .len()
            .checked_sub(2)
            .and_then(|i| simplex.get(i))
            .map_or(worst_f, |v| v.1);
        // Centroid of all vertices but the worst.
        let mut centroid = vec![0.0; n];
        for (v, _) in simplex.iter().take(n) {
            for (c, x) in centroid.iter_mut().zip(v) {
                *c += x / n as f64;
            }
        }
        let xr = combine(&centroid, &worst, 1.0 + RHO, -RHO);
        let fr = eval(&xr, report);
        let replacement = if fr < best_f {
            let xe = combine(&centroid, &worst, 1.0 + RHO * CHI, -RHO * CHI);
            let fe = eval(&xe, report);
            Some(if fe < fr { (xe, fe) } else { (xr, fr) })
        } else if fr < second_worst_f {
            Some((xr, fr))
        } else if fr < worst_f {
            let xc = combine(&centroid, &worst, 1.0 + PSI * RHO, -PSI * RHO);
            let fc = eval(&xc, report);
            (fc <= fr).then_some((xc, fc))
        } else {
            let xcc = combine(&centroid, &worst, 1.0 - PSI, PSI);
            let fcc = eval(&xcc, report);
            (fcc < worst_f).then_some((xcc, fcc))
        };
        match replacement {
            Some(vertex) => {
                if let Some(last) = simplex.last_mut() {
                    *last = vertex;
                }
            }
            None => {
                for (v, fv) in simplex.iter_mut().skip(1) {
                    *v = combine(&best, v, 1.0 - SIGMA, SIGMA);
                    *fv = eval(v, report);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    match simplex.into_iter().next() {
        Some((x, fx)) => (x, fx, iterations, converged),
        None => (x0.to_vec(), f0, iterations, converged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::pow;

    #[test]
    fn minimises_rosenbrock() {
        let rosen = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            pow(1.0 - a, f64::from(2)) + 100.0 * pow(b - a * a, f64::from(2))
        };
        let (x, rep) = nelder_mead(rosen, &[-1.2, 1.0], &NelderMeadOptions::default());
        assert!(rep.converged, "{rep:?}");
        assert!(
            (x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6,
            "{x:?}"
        );
        assert!(rep.objective < 1e-12);
    }

    #[test]
    fn reports_non_convergence_and_survives_nan() {
        let opts = NelderMeadOptions {
            max_iterations: 5,
            ..NelderMeadOptions::default()
        };
        let (_, rep) = nelder_mead(
            |x: &[f64]| pow(x[0] - 3.0, f64::from(2)) + pow(x[1], f64::from(2)),
            &[0.0, 0.0],
            &opts,
        );
        assert!(!rep.converged);
        assert_eq!(rep.iterations, 5);
        // NaN outside x > 0 is avoided.
        let f = |x: &[f64]| {
            if x[0] < 0.0 {
                f64::NAN
            } else {
                pow(x[0] - 0.5, f64::from(2))
            }
        };
        let (x, rep) = nelder_mead(f, &[0.05], &NelderMeadOptions::default());
        assert!(rep.converged && (x[0] - 0.5).abs() < 1e-6, "{x:?} {rep:?}");
    }
}
