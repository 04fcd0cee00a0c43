//! `analysis::ope`: IPS, SNIPS and DR equal an independent numpy implementation
//! (`tests/vectors/ope.json`, `scripts/ope_reference.py`), and over 1,000 seeded runs of a
//! contextual bandit whose truth is known their 95% intervals cover the candidate's value
//! 93–97% of the time.

use offerwise::analysis::ope::{evaluate, Estimate, Logged};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::SplitMix64;
use serde_json::Value;

fn close(got: f64, want: &Value, what: &str) {
    let want = want.as_f64().unwrap();
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1e-6),
        "{what}: got {got}, want {want}"
    );
}

fn est(got: &Estimate, want: &Value, what: &str) {
    close(got.value, &want["value"], what);
    close(got.se, &want["se"], what);
    close(got.ci.0, &want["ci"][0], what);
    close(got.ci.1, &want["ci"][1], what);
}

#[test]
fn estimators_equal_the_numpy_reference() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ope.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let f = |c: &Value, k: &str| -> Vec<f64> {
        c[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    for c in v["cases"].as_array().unwrap() {
        let (mu, pi, r, qa, qp) = (
            f(c, "logging"),
            f(c, "candidate"),
            f(c, "reward"),
            f(c, "qTaken"),
            f(c, "qCandidate"),
        );
        let logs: Vec<Logged> = (0..mu.len())
            .map(|i| Logged {
                logging: mu[i],
                candidate: pi[i],
                reward: r[i],
                model: Some((qa[i], qp[i])),
            })
            .collect();
        let o = evaluate(&logs, c["alpha"].as_f64().unwrap(), 0.1).unwrap();
        est(&o.logged, &c["logged"], "logged");
        est(&o.ips, &c["ips"], "ips");
        est(&o.snips, &c["snips"], "snips");
        est(o.dr.as_ref().unwrap(), &c["dr"], "dr");
        close(o.effective_sample_size, &c["effectiveSampleSize"], "ess");
        close(o.mean_weight, &c["meanWeight"], "meanWeight");
        close(o.max_weight, &c["maxWeight"], "maxWeight");
        assert_eq!(o.zero_weight as u64, c["zeroWeight"].as_u64().unwrap());
    }
}

/// A seeded uniform stream for the simulation, from rand_xoshiro's SplitMix64.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(SplitMix64::seed_from_u64(seed))
    }

    fn next(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn pick(&mut self, p: &[f64]) -> usize {
        let u = self.next();
        let mut acc = 0.0;
        for (i, q) in p.iter().enumerate() {
            acc += q;
            if u < acc {
                return i;
            }
        }
        p.len() - 1
    }
}

fn softmax(s: &[f64], t: f64) -> Vec<f64> {
    let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = s.iter().map(|x| ((x - m) * t).exp()).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|x| x / z).collect()
}

const K: usize = 5;

/// A world: contexts, each action's true take-up in each, and the two policies.
struct World {
    truth: Vec<[f64; K]>,
    logging: Vec<Vec<f64>>,
    candidate: Vec<Vec<f64>>,
}

fn world() -> World {
    let mut g = Rng::new(42);
    let beta: Vec<[f64; 3]> = (0..K)
        .map(|_| [g.normal(), g.normal(), g.normal()])
        .collect();
    let (mut truth, mut logging, mut candidate) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..1000 {
        let x = [g.normal(), g.normal(), g.normal()];
        let logit: Vec<f64> = beta
            .iter()
            .enumerate()
            .map(|(a, b)| -1.5 + 0.2 * a as f64 + b[0] * x[0] + b[1] * x[1] + b[2] * x[2])
            .collect();
        let mut p = [0.0; K];
        for a in 0..K {
            p[a] = 1.0 / (1.0 + (-logit[a]).exp());
        }
        truth.push(p);
        // The logging policy knows the truth roughly; the candidate knows it better and is
        // greedier.
        let noisy: Vec<f64> = logit.iter().map(|l| l + 1.5 * g.normal()).collect();
        let better: Vec<f64> = logit.iter().map(|l| l + 0.5 * g.normal()).collect();
        logging.push(softmax(&noisy, 0.7));
        candidate.push(softmax(&better, 1.5));
    }
    World {
        truth,
        logging,
        candidate,
    }
}

/// `n` decisions logged by the logging policy: (context, action, reward).
fn log(w: &World, g: &mut Rng, n: usize) -> Vec<(usize, usize, f64)> {
    (0..n)
        .map(|_| {
            let x = ((g.next() * w.truth.len() as f64) as usize).min(w.truth.len() - 1);
            let a = g.pick(&w.logging[x]);
            let r = if g.next() < w.truth[x][a] { 1.0 } else { 0.0 };
            (x, a, r)
        })
        .collect()
}

#[test]
fn intervals_cover_the_candidates_true_value_93_to_97_percent_of_1000_runs() {
    let w = world();
    let truth: f64 = (0..w.truth.len())
        .map(|x| {
            (0..K)
                .map(|a| w.candidate[x][a] * w.truth[x][a])
                .sum::<f64>()
        })
        .sum::<f64>()
        / w.truth.len() as f64;
    let logged_truth: f64 = (0..w.truth.len())
        .map(|x| (0..K).map(|a| w.logging[x][a] * w.truth[x][a]).sum::<f64>())
        .sum::<f64>()
        / w.truth.len() as f64;
    // The candidate is better than the logging policy: there is something to find.
    assert!(truth > logged_truth + 0.03, "{truth} vs {logged_truth}");
    let (mut ips, mut snips, mut dr, mut ess) = (0, 0, 0, 0.0);
    let runs = 1000;
    for run in 0..runs {
        let mut g = Rng::new(1_000 + run);
        // The reward model: each action's mean take-up in an earlier, independent batch.
        let earlier = log(&w, &mut g, 2000);
        let mut q = [0.0; K];
        let mut c = [0.0; K];
        for (_, a, r) in &earlier {
            q[*a] += r;
            c[*a] += 1.0;
        }
        for a in 0..K {
            q[a] = if c[a] > 0.0 { q[a] / c[a] } else { 0.0 };
        }
        let logs: Vec<Logged> = log(&w, &mut g, 3000)
            .into_iter()
            .map(|(x, a, r)| Logged {
                logging: w.logging[x][a],
                candidate: w.candidate[x][a],
                reward: r,
                model: Some((q[a], (0..K).map(|b| w.candidate[x][b] * q[b]).sum())),
            })
            .collect();
        let o = evaluate(&logs, 0.05, 0.1).unwrap();
        let covers = |e: &Estimate| usize::from(e.ci.0 <= truth && truth <= e.ci.1);
        ips += covers(&o.ips);
        snips += covers(&o.snips);
        dr += covers(o.dr.as_ref().unwrap());
        ess += o.effective_sample_size / 3000.0;
    }
    println!(
        "coverage over {runs} runs: IPS {ips}, SNIPS {snips}, DR {dr}; mean ESS share {:.2}",
        ess / runs as f64
    );
    for (name, c) in [("IPS", ips), ("SNIPS", snips), ("DR", dr)] {
        assert!((930..=970).contains(&c), "{name} covered {c} of {runs}");
    }
}

#[test]
fn a_candidate_far_from_the_logging_policy_is_flagged_and_bad_logs_are_typed_errors() {
    let mut logs: Vec<Logged> = (0..100)
        .map(|i| Logged {
            logging: 0.5,
            candidate: if i == 0 { 1.0 } else { 0.0 },
            reward: 1.0,
            model: None,
        })
        .collect();
    let o = evaluate(&logs, 0.05, 0.1).unwrap();
    assert!(o
        .warning
        .as_deref()
        .unwrap()
        .contains("far from the logging policy"));
    assert_eq!(o.zero_weight, 99);
    assert!(o.dr.is_none());
    logs[3].logging = 0.0;
    let e = evaluate(&logs, 0.05, 0.1).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.path.as_str()),
        ("analysis.invalid", "decisions[3]")
    );
    logs[3].logging = 0.5;
    logs[4].candidate = 1.5;
    assert_eq!(evaluate(&logs, 0.05, 0.1).unwrap_err().path, "decisions[4]");
    let none: Vec<Logged> = logs
        .iter()
        .map(|l| Logged {
            candidate: 0.0,
            ..*l
        })
        .collect();
    assert_eq!(
        evaluate(&none, 0.05, 0.1).unwrap_err().code,
        "analysis.too_few"
    );
    assert_eq!(
        evaluate(&logs[..1], 0.05, 0.1).unwrap_err().code,
        "analysis.too_few"
    );
}
