//! Segment roles: the documented invariants on CDNOW and on random profiles, a shop's own model
//! scored with the default programme, warnings for roles a model lacks, old model files.

use offerwise::customer::Customer;
use offerwise::engine::DecideOptions;
use offerwise::model::Model;
use offerwise::program::Program;
use offerwise::role::{assign_roles, check_invariants, Profile, Rfm, Role};
use offerwise::train::{self, KChoice, TrainConfig};
use offerwise::transactions::{self, Format};
use offerwise::Engine;
use proptest::prelude::*;
use serde_json::Value;

const MASTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow/CDNOW_master.txt");
const MODEL: &str = include_str!("../models/default.json");
const PROGRAM: &str = include_str!("../models/default-program.json");

fn train_on(rows: &[transactions::Transaction], k: KChoice, now: &str, name: &str) -> Model {
    let customers = transactions::customers(rows);
    let now = offerwise::time::parse_instant(now, 0).expect("now");
    let config = TrainConfig {
        name: name.into(),
        k,
        ..TrainConfig::default()
    }
    .check()
    .expect("valid config");
    let matrix = train::feature_matrix(&customers, &config_features(), now).expect("features");
    let data = train::DataInfo {
        source: "test".into(),
        transactions: rows.len() as u64,
        fingerprint: train::fingerprint(
            rows.iter()
                .map(|t| (t.customer_id.as_str(), t.at, t.amount)),
        ),
        now,
    };
    train::train(&config, &matrix, &data, |_| {}).expect("training")
}

fn config_features() -> Vec<String> {
    train::DEFAULT_FEATURES
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn roles(model: &Model) -> Vec<Role> {
    model
        .segments
        .iter()
        .map(|s| s.role.expect("trained segments have a role"))
        .collect()
}

#[test]
fn cdnow_roles_keep_the_invariants_for_every_k() {
    let file = std::fs::File::open(MASTER).expect("data/cdnow/CDNOW_master.txt");
    let (rows, _) = transactions::read(file, Format::Cdnow, false).expect("CDNOW reads");
    for k in 3..=8 {
        let model = train_on(&rows, KChoice::Fixed(k), "1998-07-01", "cdnow");
        let r = roles(&model);
        check_invariants(&model.role_profiles(), &r).unwrap_or_else(|e| panic!("k = {k}: {e}"));
        assert_eq!(r.first(), Some(&Role::Champions), "k = {k}");
        // Names come from roles: a name never contradicts the profile.
        for s in &model.segments {
            let role = s.role.expect("role");
            assert!(s.name.starts_with(role.display_name()), "k = {k}: {s:?}");
        }
    }
    // The committed default model (k = 4): the segment that lapsed longest is "lost".
    let committed = Model::from_json(MODEL).expect("default model");
    let r = roles(&committed);
    check_invariants(&committed.role_profiles(), &r).expect("invariants");
    assert_eq!(
        r,
        [Role::Champions, Role::Loyal, Role::Hibernating, Role::Lost]
    );
}

fn profile() -> impl Strategy<Value = Profile> {
    (
        0.0..1500.0f64,
        1.0..60.0f64,
        0.5..800.0f64,
        1u64..20_000,
        0.0..1000.0f64,
    )
        .prop_map(|(r, f, m, n, extra)| Profile::from_means(r, f, m, n).with_tenure(r + extra))
}

fn rfm_profile() -> impl Strategy<Value = Profile> {
    (-3.0..3.0f64, -3.0..3.0f64, -3.0..3.0f64, 0u64..5_000)
        .prop_map(|(r, f, m, n)| Profile::from_rfm(Rfm { r, f, m }, n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_profiles_keep_the_invariants(profiles in prop::collection::vec(profile(), 1..16)) {
        let roles = assign_roles(&profiles);
        prop_assert_eq!(roles.len(), profiles.len());
        prop_assert!(check_invariants(&profiles, &roles).is_ok(), "{:?}", check_invariants(&profiles, &roles));
        prop_assert_eq!(roles.iter().filter(|r| **r == Role::Champions).count(), 1);
        prop_assert_eq!(&assign_roles(&profiles), &roles);
    }

    #[test]
    fn random_centroids_keep_the_invariants(profiles in prop::collection::vec(rfm_profile(), 1..16)) {
        let roles = assign_roles(&profiles);
        prop_assert!(check_invariants(&profiles, &roles).is_ok(), "{:?}", check_invariants(&profiles, &roles));
    }

    #[test]
    fn ties_and_duplicates_keep_the_invariants(p in profile(), n in 1usize..10) {
        let profiles = vec![p; n];
        let roles = assign_roles(&profiles);
        prop_assert!(check_invariants(&profiles, &roles).is_ok());
    }
}

/// A small synthetic shop: 160 customers in four behaviours with pseudo-random spend (a fixed
/// linear congruential generator), as a CSV transaction file.
fn shop_csv() -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = String::from("customer_id,date,amount\n");
    for c in 0..160u32 {
        let (orders, last_day, base) = match c % 4 {
            0 => (
                6 + (uniform() * 6.0) as u32,
                300 + (uniform() * 60.0) as u32,
                60.0,
            ),
            1 => (
                2 + (uniform() * 4.0) as u32,
                200 + (uniform() * 80.0) as u32,
                30.0,
            ),
            2 => (
                1 + (uniform() * 2.0) as u32,
                20 + (uniform() * 60.0) as u32,
                80.0,
            ),
            _ => (1, 10 + (uniform() * 40.0) as u32, 15.0),
        };
        let mut day = last_day;
        for _ in 0..orders {
            let month = 1 + day / 31;
            let dom = 1 + day % 28;
            let amount = base * (0.4 + 1.2 * uniform());
            csv.push_str(&format!("shop{c},2024-{month:02}-{dom:02},{amount:.2}\n"));
            day = day.saturating_sub(5 + (uniform() * 25.0) as u32);
        }
    }
    csv
}

#[test]
fn a_shop_model_works_with_the_default_programme_unchanged() {
    let (rows, _) =
        transactions::read(shop_csv().as_bytes(), Format::Csv, false).expect("shop CSV");
    let mut model = train_on(&rows, KChoice::Range(2, 5), "2025-01-01", "shop-model");
    // The default programme's win-back offer uses the lifetime value.
    let now = offerwise::time::parse_instant("2025-01-01", 0).expect("now");
    model.clv = Some(
        train::fit_clv(
            &transactions::customers(&rows),
            now,
            offerwise::clv::TimeUnit::Weeks,
            0.001,
        )
        .expect("CLV fit"),
    );
    let text = serde_json::to_string(&model).expect("model JSON");
    let engine = Engine::from_json(&text, PROGRAM).expect("the default programme loads");
    // Every offer of the default programme targets roles; the ones this model lacks are
    // reported, never an error.
    for w in engine.warnings() {
        assert_eq!(w.code, "program.unreachable_offer");
        assert!(w.path.ends_with("eligibility.roles"), "{w:?}");
    }
    let options = DecideOptions::at("2025-01-01T00:00:00Z");
    let customers = transactions::customers(&rows);
    let mut roles_seen = std::collections::BTreeSet::new();
    for c in &customers {
        let d = engine.decide(c, &options).expect("decides");
        let s = d.segment.expect("customers with orders have a segment");
        assert_eq!(model.segments[s.id].role, Some(s.role));
        roles_seen.insert(s.role);
    }
    assert!(roles_seen.len() >= 2);
}

#[test]
fn the_cli_scores_a_shop_model_with_the_default_programme() {
    let dir = std::env::temp_dir().join(format!("offerwise-segments-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let orders = dir.join("shop.csv");
    std::fs::write(&orders, shop_csv()).expect("write CSV");
    let model = dir.join("shop-model.json");
    let bin = env!("CARGO_BIN_EXE_offerwise");
    let out = std::process::Command::new(bin)
        .args(["train", "--orders"])
        .arg(&orders)
        .args([
            "--k-range",
            "2..4",
            "--now",
            "2025-01-01",
            "--clv-penalizer",
            "0.001",
            "--out",
        ])
        .arg(&model)
        .output()
        .expect("runs train");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("silhouette") && report.contains("role"),
        "{report}"
    );
    assert!(report.contains("recency days"), "{report}");
    let scored = std::process::Command::new(bin)
        .args(["score", "--orders"])
        .arg(&orders)
        .args(["--now", "2025-01-01", "--model"])
        .arg(&model)
        .args(["--out"])
        .arg(dir.join("decisions.jsonl"))
        .output()
        .expect("runs score");
    let stderr = String::from_utf8_lossy(&scored.stderr);
    assert!(scored.status.success(), "{stderr}");
    // A model without the lifetime-value part scores too: the default programme's win-back
    // offer (a pAlive and CLV range) is unreachable, with a warning, not an error.
    let no_clv = dir.join("shop-no-clv.json");
    let out = std::process::Command::new(bin)
        .args(["train", "--orders"])
        .arg(&orders)
        .args([
            "--k-range",
            "2..4",
            "--now",
            "2025-01-01",
            "--no-clv",
            "--out",
        ])
        .arg(&no_clv)
        .output()
        .expect("runs train");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scored = std::process::Command::new(bin)
        .args(["score", "--orders"])
        .arg(&orders)
        .args(["--now", "2025-01-01", "--model"])
        .arg(&no_clv)
        .args(["--out", "-"])
        .output()
        .expect("runs score");
    let stderr = String::from_utf8_lossy(&scored.stderr);
    assert!(scored.status.success(), "{stderr}");
    assert!(
        stderr.contains("program.unreachable_offer") && stderr.contains("winback-valuable"),
        "{stderr}"
    );
    let decisions = String::from_utf8_lossy(&scored.stdout);
    assert_eq!(decisions.lines().count(), 160);
    assert!(!decisions.contains("winback-valuable"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_offer_whose_roles_the_model_lacks_is_a_warning() {
    let mut model = Model::from_json(MODEL).expect("model");
    // No hibernating or lost segment: "reactivate-10" can never be picked.
    model.segments[3].role = Some(Role::AtRisk);
    let program = Program::from_json(PROGRAM).expect("programme");
    let i = program
        .offers
        .iter()
        .position(|o| o.id == "reactivate-10")
        .expect("offer");
    let engine = Engine::new(model, program).expect("loads with a warning");
    let w = engine.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].code, "program.unreachable_offer");
    assert_eq!(w[0].path, format!("offers[{i}].eligibility.roles"));
    assert!(w[0].message.contains("reactivate-10"), "{}", w[0].message);
    // The default pair has none.
    let engine = Engine::from_json(MODEL, PROGRAM).expect("default engine");
    assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
}

#[test]
fn a_segment_name_the_model_lacks_is_an_error_that_suggests_roles() {
    let mut program: Value = serde_json::from_str(PROGRAM).expect("JSON");
    program["offers"][1]["eligibility"] = serde_json::json!({ "segments": ["at risk"] });
    let err = Engine::from_json(MODEL, &program.to_string()).expect_err("unknown segment");
    assert_eq!(err.code(), "program.invalid");
    assert_eq!(err.path(), "offers[1].eligibility.segments[0]");
    let message = err.to_string();
    assert!(
        message.contains("eligibility.roles: [\"at-risk\"]"),
        "{message}"
    );
    // An unknown role is an error with its path.
    program["offers"][1]["eligibility"] = serde_json::json!({ "roles": ["sleepy"] });
    let err = Program::from_json(&program.to_string()).expect_err("unknown role");
    assert_eq!(err.path(), "offers[1].eligibility.roles[0]");
    program["offers"][1]["eligibility"] = serde_json::json!({});
    program["offers"][1]["roleWeights"] = serde_json::json!({ "sleepy": 2 });
    let err = Program::from_json(&program.to_string()).expect_err("unknown role weight");
    assert_eq!(err.path(), "offers[1].roleWeights.sleepy");
}

#[test]
fn model_files_without_roles_get_the_derived_roles() {
    let mut json: Value = serde_json::from_str(MODEL).expect("JSON");
    let with: Vec<Value> = json["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["role"].clone())
        .collect();
    for s in json["segments"].as_array_mut().expect("segments") {
        s.as_object_mut().expect("object").remove("role");
    }
    let model = Model::from_json(&json.to_string()).expect("old file loads");
    let derived: Vec<Value> = model
        .segments
        .iter()
        .map(|s| serde_json::to_value(s.role).expect("role"))
        .collect();
    assert_eq!(derived, with);
}

#[test]
fn decisions_carry_the_role_and_offers_follow_it() {
    let engine = Engine::from_json(MODEL, PROGRAM).expect("default engine");
    let customer: Customer = serde_json::from_value(serde_json::json!({
        "id": "c1",
        "orders": [
            {"at": "1997-01-03", "amount": 12.5}
        ]
    }))
    .expect("customer");
    let d = engine
        .decide(&customer, &DecideOptions::at("1998-07-01T00:00:00Z"))
        .expect("decides");
    let s = d.segment.expect("segment");
    assert_eq!(s.role, Role::Lost);
    let json = serde_json::to_value(&s).expect("JSON");
    assert_eq!(json["role"], "lost");
    assert!(json.get("probability").is_none());
}
