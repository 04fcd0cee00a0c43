//! The Gaussian mixture on CDNOW against scikit-learn's `GaussianMixture` from the same start
//! (tests/reference/sklearn_gmm_cdnow.json, written by scripts/sklearn_gmm_reference.py), and the
//! engine's linfa-free assignment from the model file.

use offerwise::model::{Algorithm, Model};
use offerwise::train::{self, KChoice, TrainConfig};
use offerwise::transactions::{self, Format};
use serde_json::Value;

const MASTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow/CDNOW_master.txt");
const SKLEARN: &str = include_str!("reference/sklearn_gmm_cdnow.json");

#[test]
fn gmm_matches_scikit_learn_on_cdnow() {
    let sk: Value = serde_json::from_str(SKLEARN).expect("reference JSON");
    let file = std::fs::File::open(MASTER).expect("data/cdnow/CDNOW_master.txt");
    let (rows, _) = transactions::read(file, Format::Cdnow, false).expect("CDNOW reads");
    let customers = transactions::customers(&rows);
    let now = offerwise::time::parse_instant("1998-07-01", 0).expect("now");
    let features: Vec<String> = train::DEFAULT_FEATURES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let matrix = train::feature_matrix(&customers, &features, now).expect("features");
    let config = TrainConfig {
        name: "cdnow-gmm".into(),
        k: KChoice::Fixed(sk["k"].as_u64().expect("k") as usize),
        algorithm: Algorithm::Gmm,
        seed: sk["seed"].as_u64().expect("seed"),
        tolerance: sk["tolerance"].as_f64().expect("tolerance"),
        max_iter: sk["maxIter"].as_u64().expect("maxIter"),
        ..TrainConfig::default()
    }
    .check()
    .expect("config");
    let data = train::DataInfo {
        source: "CDNOW_master.txt (cdnow)".into(),
        transactions: rows.len() as u64,
        fingerprint: train::fingerprint(
            rows.iter()
                .map(|t| (t.customer_id.as_str(), t.at, t.amount)),
        ),
        now,
    };
    let model = train::train(&config, &matrix, &data, |_| {}).expect("training");

    // The same scaled matrix as scikit-learn's.
    let scaled = train::scale(&matrix.raw, &model.scaler);
    let mut csv = Vec::new();
    train::write_matrix_csv(&mut csv, &matrix.ids, &features, &scaled).expect("csv");
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&csv)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(Some(digest.as_str()), sk["matrixSha256"].as_str());

    // The same start.
    let mixture = model.training.mixture.as_ref().expect("mixture summary");
    let init = sk["initCentroids"].as_array().expect("initCentroids");
    assert_eq!(init.len(), mixture.init_centroids.len());
    for (want, got) in init.iter().zip(&mixture.init_centroids) {
        for (w, g) in want.as_array().expect("row").iter().zip(got) {
            let w = w.as_f64().expect("number");
            assert!((w - g).abs() <= 1e-12 * w.abs().max(1.0), "{w} vs {g}");
        }
    }

    // Log-likelihood within 0.1 % of scikit-learn's (it agrees far closer).
    let want = sk["meanLogLikelihood"].as_f64().expect("meanLogLikelihood");
    let rel = (mixture.log_likelihood - want) / want;
    assert!(
        rel.abs() <= 1e-3,
        "log-likelihood {} vs scikit-learn {want} ({:+.4} %)",
        mixture.log_likelihood,
        rel * 100.0
    );
    let mut weights: Vec<f64> = model
        .segments
        .iter()
        .map(|s| s.weight.expect("weight"))
        .collect();
    weights.sort_by(f64::total_cmp);
    for (w, s) in weights
        .iter()
        .zip(sk["weightsAscending"].as_array().expect("weights"))
    {
        let s = s.as_f64().expect("weight");
        assert!((w - s).abs() <= 1e-6, "weight {w} vs scikit-learn {s}");
    }

    // The engine reads the model file and assigns without linfa: the same log-likelihood and
    // the training labels (sizes) from the stored weights, means and precision factors.
    let text = serde_json::to_string(&model).expect("model JSON");
    let loaded = Model::from_json(&text).expect("loads");
    let rows_scaled: Vec<Vec<f64>> = scaled.rows().into_iter().map(|r| r.to_vec()).collect();
    let ll = loaded
        .mean_log_likelihood(rows_scaled.iter().map(Vec::as_slice))
        .expect("a mixture");
    assert!((ll - mixture.log_likelihood).abs() <= 1e-12 * ll.abs().max(1.0));
    let mut sizes = vec![0u64; loaded.segments.len()];
    for row in &rows_scaled {
        let a = loaded.segment_of(row);
        assert!(a.probability.is_some_and(|p| p > 0.0 && p <= 1.0));
        sizes[a.id] += 1;
    }
    let trained: Vec<u64> = loaded.segments.iter().map(|s| s.size).collect();
    assert_eq!(sizes, trained);
    let roles: Vec<_> = loaded
        .segments
        .iter()
        .map(|s| s.role.expect("role"))
        .collect();
    offerwise::role::check_invariants(&loaded.role_profiles(), &roles).expect("invariants");
}
