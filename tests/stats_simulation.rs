//! Simulated experiments (seeded): A/A tests reject at the nominal 5% (± 1 point over 10,000
//! runs) for the z-test and Welch's test, and a simulated effect is found as often as
//! `stats::power` promised (± 2 points).

use offerwise::stats::power;
use offerwise::stats::tests::{self as st, Group};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::SplitMix64;

/// rand_xoshiro's SplitMix64: a small seeded generator, enough for uniform and normal draws here.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(SplitMix64::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Box–Muller.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// A heavy-tailed revenue: zero 80% of the time, else lognormal.
    fn revenue(&mut self, scale: f64) -> f64 {
        if self.uniform() < 0.8 {
            0.0
        } else {
            scale * (1.0 + 0.8 * self.normal()).exp()
        }
    }
}

fn summarise(xs: &[f64]) -> Group {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    Group { n, mean, var }
}

#[test]
fn a_a_tests_reject_at_the_nominal_rate() {
    let runs = 10_000;
    let n = 500;
    let mut rng = Rng::new(20261130);
    let (mut z_rejects, mut t_rejects) = (0, 0);
    let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..runs {
        let xa = (0..n).filter(|_| rng.uniform() < 0.1).count() as f64;
        let xb = (0..n).filter(|_| rng.uniform() < 0.1).count() as f64;
        if st::two_proportion_ztest(xa, n as f64, xb, n as f64)
            .unwrap()
            .p_value
            < 0.05
        {
            z_rejects += 1;
        }
        for v in a.iter_mut().chain(b.iter_mut()) {
            *v = rng.revenue(30.0);
        }
        if st::welch_ttest(&summarise(&a), &summarise(&b))
            .unwrap()
            .p_value
            < 0.05
        {
            t_rejects += 1;
        }
    }
    for (name, r) in [("z-test", z_rejects), ("Welch", t_rejects)] {
        let rate = r as f64 / runs as f64;
        eprintln!("{name}: A/A false-positive rate {rate} over {runs} runs");
        assert!(
            (0.04..=0.06).contains(&rate),
            "{name}: A/A false-positive rate {rate}"
        );
    }
}

#[test]
fn a_simulated_effect_is_found_with_the_promised_power() {
    // 10% → 12%: the calculator's units for power 0.8, then 4,000 simulated experiments.
    let (p0, p1) = (0.10, 0.12);
    let h = power::proportion_effect_size(p1, p0);
    let n = power::sample_size(h, 0.05, 0.8, 1.0).unwrap().ceil() as usize;
    let promised = power::power(h, n as f64, 0.05, 1.0);
    let mut rng = Rng::new(7);
    let runs = 4_000;
    let mut found = 0;
    for _ in 0..runs {
        let xt = (0..n).filter(|_| rng.uniform() < p1).count() as f64;
        let xc = (0..n).filter(|_| rng.uniform() < p0).count() as f64;
        let r = st::two_proportion_ztest(xt, n as f64, xc, n as f64).unwrap();
        if r.p_value < 0.05 && r.statistic > 0.0 {
            found += 1;
        }
    }
    let rate = found as f64 / runs as f64;
    eprintln!("found {rate} of {runs} runs with {n} units per group; promised {promised}");
    assert!(
        (rate - promised).abs() <= 0.02,
        "found {rate} of the time with {n} units per group; the calculator promised {promised}"
    );
}

/// Running sums for one arm: n, Σx, Σx².
#[derive(Default, Clone, Copy)]
struct Running {
    n: f64,
    sum: f64,
    sq: f64,
}

impl Running {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        self.sum += x;
        self.sq += x * x;
    }
    fn mean(&self) -> f64 {
        self.sum / self.n
    }
    fn var(&self, proportion: bool) -> f64 {
        let m = self.mean();
        if proportion {
            m * (1.0 - m)
        } else {
            (self.sq - self.sum * m) / (self.n - 1.0)
        }
    }
}

/// 10,000 A/A experiments, looked at every day for 20 days (100 new units per arm a day):
/// the confidence sequence rejects at most as often as alpha allows, where the fixed-horizon
/// test, peeked at daily, rejects far more often.
#[test]
fn a_team_that_looks_every_day_keeps_its_error_rate_with_sequential_tests() {
    use offerwise::stats::group_sequential::{boundaries, Spending};
    use offerwise::stats::sequential::{sequence, DEFAULT_TUNING};
    let (runs, days, per_day) = (10_000, 20, 100);
    let mut rng = Rng::new(20261201);
    // The group-sequential plan: a look a day, 20 days planned.
    let looks: Vec<f64> = (1..=days).map(|d| f64::from(d) / f64::from(days)).collect();
    let bounds = boundaries(&looks, 0.05, Spending::OBrienFleming).unwrap();
    for proportion in [true, false] {
        let (mut seq_rejects, mut peek_rejects, mut end_rejects, mut gs_rejects) = (0, 0, 0, 0);
        for _ in 0..runs {
            let (mut a, mut b) = (Running::default(), Running::default());
            let (mut seq_hit, mut peek_hit, mut gs_hit) = (false, false, false);
            for day in 0..days {
                for _ in 0..per_day {
                    let (x, y) = if proportion {
                        (
                            f64::from(u8::from(rng.uniform() < 0.1)),
                            f64::from(u8::from(rng.uniform() < 0.1)),
                        )
                    } else {
                        (rng.revenue(30.0), rng.revenue(30.0))
                    };
                    a.push(x);
                    b.push(y);
                }
                let (va, vb) = (a.var(proportion), b.var(proportion));
                let variance = va / a.n + vb / b.n;
                if variance <= 0.0 {
                    continue;
                }
                let d = b.mean() - a.mean();
                let q = sequence(d, variance, a.n + b.n, 0.05, DEFAULT_TUNING).unwrap();
                seq_hit |= q.p_value < 0.05;
                let test = if proportion {
                    st::two_proportion_ztest(b.sum, b.n, a.sum, a.n).unwrap()
                } else {
                    let g = |r: &Running| Group {
                        n: r.n,
                        mean: r.mean(),
                        var: r.var(false),
                    };
                    st::welch_ttest(&g(&b), &g(&a)).unwrap()
                };
                let p = test.p_value;
                peek_hit |= p < 0.05;
                gs_hit |= test.statistic.abs() >= bounds[day as usize];
                if day + 1 == days && p < 0.05 {
                    end_rejects += 1;
                }
            }
            seq_rejects += usize::from(seq_hit);
            gs_rejects += usize::from(gs_hit);
            peek_rejects += usize::from(peek_hit);
        }
        let rate = |k: usize| k as f64 / runs as f64;
        let what = if proportion { "proportion" } else { "revenue" };
        println!(
            "{what}: group-sequential (O'Brien-Fleming spending, 20 looks) {:.2}%; confidence sequence, checked daily {:.2}%; fixed-horizon checked daily {:.2}%, once at the end {:.2}%",
            100.0 * rate(gs_rejects),
            100.0 * rate(seq_rejects),
            100.0 * rate(peek_rejects),
            100.0 * rate(end_rejects)
        );
        // The guarantee is at most alpha at any number of looks (the asymptotic sequence is
        // conservative at daily looks: below 5%), within the simulation's error.
        assert!(rate(seq_rejects) <= 0.06, "{what}: {}", rate(seq_rejects));
        // The planned looks spend all of alpha: 5% ± 1 point.
        assert!(
            (rate(gs_rejects) - 0.05).abs() <= 0.01,
            "{what}: group-sequential {}",
            rate(gs_rejects)
        );
        // What it protects against: peeking at the fixed-horizon test.
        assert!(rate(peek_rejects) > 0.15, "{what}: {}", rate(peek_rejects));
        assert!(
            (rate(end_rejects) - 0.05).abs() <= 0.01,
            "{what}: {}",
            rate(end_rejects)
        );
    }
}
