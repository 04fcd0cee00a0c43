//! The committed default model is exactly what `offerwise train` makes from the committed CDNOW
//! data, and its k-means matches scikit-learn's on the same scaled matrix.

use offerwise::model::Model;
use offerwise::train::{self, KChoice, TrainConfig};
use offerwise::transactions::{self, Format};
use serde_json::Value;

const MASTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow/CDNOW_master.txt");
const MODEL: &str = include_str!("../models/default.json");
const SKLEARN: &str = include_str!("reference/sklearn_kmeans_cdnow.json");

#[test]
fn default_model_is_reproducible_and_matches_scikit_learn() {
    let committed = Model::from_json(MODEL).expect("the committed model loads");
    let p = &committed.training.params;
    let file = std::fs::File::open(MASTER).expect("data/cdnow/CDNOW_master.txt");
    let (rows, report) = transactions::read(file, Format::Cdnow, false).expect("CDNOW reads");
    assert_eq!((rows.len(), report.skipped), (69_659, 0));
    let customers = transactions::customers(&rows);
    assert_eq!(customers.len(), 23_570);
    let now = offerwise::time::parse_instant(&committed.training.now, 0).expect("now");
    let matrix = train::feature_matrix(&customers, &committed.features, now).expect("features");

    // The scaled matrix is byte for byte the one scikit-learn was run on.
    let sk: Value = serde_json::from_str(SKLEARN).expect("reference JSON");
    let scaled = train::scale(&matrix.raw, &committed.scaler);
    let mut csv = Vec::new();
    train::write_matrix_csv(&mut csv, &matrix.ids, &committed.features, &scaled).expect("csv");
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&csv)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        Some(digest.as_str()),
        sk["matrixSha256"].as_str(),
        "the scaled matrix changed: rerun scripts/sklearn_reference.py"
    );

    let config = TrainConfig {
        name: committed.name.clone(),
        features: committed.features.clone(),
        transform: committed.scaler.transform,
        algorithm: committed.algorithm,
        k: match p.k_range {
            Some([lo, hi]) => KChoice::Range(lo, hi),
            None => KChoice::Fixed(p.k),
        },
        n_init: p.n_init,
        max_iter: p.max_iter,
        tolerance: p.tolerance,
        seed: p.seed,
    }
    .check()
    .expect("valid config");
    let data = train::DataInfo {
        source: committed.training.source.clone(),
        transactions: rows.len() as u64,
        fingerprint: train::fingerprint(
            rows.iter()
                .map(|t| (t.customer_id.as_str(), t.at, t.amount)),
        ),
        now,
    };
    let mut trained = train::train(&config, &matrix, &data, |_| {}).expect("training");
    if let Some(clv) = &committed.clv {
        let fitted =
            train::fit_clv(&customers, now, clv.time_unit, clv.fit.penalizer).expect("CLV fit");
        trained.clv = Some(fitted);
    }
    assert_eq!(
        trained, committed,
        "retraining does not reproduce models/default.json"
    );

    // linfa's k-means against scikit-learn's, k = 3..8: inertia within 0.1 %, silhouette within 0.001.
    let cases = sk["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), trained.training.k_scores.len());
    for (case, ours) in cases.iter().zip(&trained.training.k_scores) {
        assert_eq!(case["k"].as_u64(), Some(ours.k as u64));
        let inertia = case["inertia"].as_f64().expect("inertia");
        let rel = (ours.inertia - inertia) / inertia;
        assert!(
            rel.abs() <= 1e-3,
            "k = {}: inertia {} vs scikit-learn {inertia} ({:+.4} %)",
            ours.k,
            ours.inertia,
            rel * 100.0
        );
        let sil = case["silhouette"].as_f64().expect("silhouette");
        assert!(
            (ours.silhouette - sil).abs() <= 1e-3,
            "k = {}: silhouette {} vs scikit-learn {sil}",
            ours.k,
            ours.silhouette
        );
    }
}
