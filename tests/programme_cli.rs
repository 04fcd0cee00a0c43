//! `offerwise simulate-programme` and `offerwise effectiveness` end to end: the files a shop
//! would have, the analyses the library makes of them, the report, and typed errors.

use offerwise::analysis::did::{self, DidOptions};
use offerwise::analysis::simulate::{self, Base, Params};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_offerwise");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("offerwise-prog-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_simulated_programme_through_the_cli_is_the_librarys() {
    let dir = scratch("sim");
    let d = dir.display().to_string();
    let (code, out, err) = run(&[
        "simulate-programme",
        "--orders",
        "data/cdnow/CDNOW_master.txt",
        "--format",
        "cdnow",
        "--out",
        &d,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("23570 customers"), "{out}");
    let f = |n: &str| dir.join(n).display().to_string();
    let (code, out, err) = run(&[
        "effectiveness",
        "--orders",
        &f("orders.csv"),
        "--members",
        &f("members.csv"),
        "--ledger",
        &f("ledger.jsonl"),
        "--decisions",
        &f("decisions.jsonl"),
        "--outcomes",
        &f("outcomes.jsonl"),
        "--holdout-share",
        "0.1",
        "--now",
        "1998-07-01",
        "--json",
        &f("effectiveness.json"),
        "--html",
        &f("report.html"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("holdout (causal) revenue"), "{out}");
    assert!(out.contains("matched DiD (assumptions)"), "{out}");
    let e: Value =
        serde_json::from_str(&std::fs::read_to_string(f("effectiveness.json")).unwrap()).unwrap();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(f("truth.json")).unwrap()).unwrap();

    // The library on the same simulation, without files in between.
    let rows = {
        let file = std::fs::File::open(format!("{ROOT}/data/cdnow/CDNOW_master.txt")).unwrap();
        offerwise::transactions::read(file, offerwise::transactions::Format::Cdnow, false)
            .unwrap()
            .0
    };
    let sim = simulate::run(&Params::cdnow(7), &Base::from_transactions(&rows)).unwrap();
    assert_eq!(
        truth["truth"]["attRevenue"].as_f64().unwrap(),
        sim.truth.att_revenue
    );
    let customers = sim.histories();
    let now = offerwise::time::parse_instant("1998-07-01", 0).unwrap();
    let lib = did::analyze(&customers, &DidOptions::new(now)).unwrap();
    let cli = &e["matched"]["effect"];
    // Amounts pass through the CSV as shortest round-trip decimals: equal to the last bit.
    assert_eq!(cli["effect"].as_f64().unwrap(), lib.effect.estimate.effect);
    assert_eq!(cli["ci"][0].as_f64().unwrap(), lib.effect.estimate.ci.0);
    // The matched estimate covers the truth; the naive one is far above it.
    let att = sim.truth.att_revenue;
    assert!(cli["ci"][0].as_f64().unwrap() <= att && att <= cli["ci"][1].as_f64().unwrap());
    assert!(e["matched"]["naive"]["ci"][0].as_f64().unwrap() > 2.5 * att);
    // The holdout's revenue with CUPED covers the effect per invited customer.
    let rev = e["holdout"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "revenue")
        .unwrap();
    let ci = &rev["cuped"]["absLiftCI"];
    let itt = sim.truth.itt_revenue;
    assert!(
        ci[0].as_f64().unwrap() <= itt && itt <= ci[1].as_f64().unwrap(),
        "{ci} vs {itt}"
    );
    assert_eq!(
        e["holdout"]["join"]["units"].as_u64().unwrap() as usize,
        sim.customers.len()
    );
    // The points KPIs are the simulated ledgers'.
    let members = sim.customers.iter().filter(|c| c.enrolled_at.is_some());
    let issued: i64 = members.map(|c| c.points.unwrap().earned).sum();
    assert_eq!(e["kpis"]["points"]["issued"].as_i64().unwrap(), issued);
    assert!(e["kpis"]["points"]["breakage"]["value"].as_f64().unwrap() > 0.0);
    assert!(e["kpis"]["points"]["liability"]["value"].as_f64().unwrap() > 0.0);
    // The report: self-contained, every section there.
    let html = std::fs::read_to_string(f("report.html")).unwrap();
    for id in [
        "answer",
        "reading",
        "holdout-lift",
        "balance",
        "event-time",
        "kpis",
        "retention",
        "points-flow",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));

    // A log in which no decision held its customer out allows no holdout comparison: it is
    // skipped with its typed error, and the matched comparison and the KPIs stand.
    let log = std::fs::read_to_string(f("decisions.jsonl")).unwrap();
    let exposed: String = log
        .lines()
        .filter(|l| !l.contains("\"holdout\":true"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(exposed.len() < log.len());
    std::fs::write(f("exposed.jsonl"), exposed).unwrap();
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &f("orders.csv"),
        "--members",
        &f("members.csv"),
        "--decisions",
        &f("exposed.jsonl"),
        "--outcomes",
        &f("outcomes.jsonl"),
        "--holdout-share",
        "0.1",
        "--now",
        "1998-07-01",
        "--json",
        &f("exposed.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let e: Value =
        serde_json::from_str(&std::fs::read_to_string(f("exposed.json")).unwrap()).unwrap();
    assert!(e["holdout"].is_null(), "{}", e["holdout"]);
    assert_eq!(e["skipped"][0]["code"], "analysis.unknown_control");
    assert!(e["matched"]["effect"]["ci"][0].is_f64());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_inputs_are_typed_errors_with_their_place() {
    let dir = scratch("bad");
    let w = |n: &str, t: &str| {
        let p = dir.join(n);
        std::fs::write(&p, t).unwrap();
        p.display().to_string()
    };
    let orders = w(
        "orders.csv",
        "customer_id,date,amount\na,2024-01-05,10\na,2024-03-05,12\nb,2024-01-09,30\nb,2024-05-01,5\n",
    );
    let members = w(
        "members.csv",
        "customer_id,enrolled_at\na,2024-02-01\nb,next tuesday\n",
    );
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--members",
        &members,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("members.csv:3.enrolled_at"), "{err}");
    let members = w(
        "members2.csv",
        "customer_id,enrolled_at\na,2024-02-01\na,2024-02-03\n",
    );
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--members",
        &members,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("members2.csv:3.customer_id") && err.contains("twice"),
        "{err}"
    );
    let ledger = w(
        "ledger.jsonl",
        "{\"customerId\":\"a\",\"account\":{}}\n{\"customerId\":\"b\",\"account\":{\"operations\":[{\"type\":\"earn\",\"key\":\"k\",\"at\":\"2024-01-01\",\"points\":\"ten\"}]}}\n",
    );
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--ledger",
        &ledger,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("ledger.jsonl:2.account.operations[0]"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--decisions",
        &orders,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 2, "{err}");
    // The survey answers are checked before the logs are analysed: with both malformed, the
    // error is the surveys file's, at its line.
    let surveys = w("surveys.csv", "score\n9\n11\n");
    let outcomes = w("outcomes.jsonl", "{}\n");
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--decisions",
        &orders,
        "--outcomes",
        &outcomes,
        "--holdout-share",
        "0.1",
        "--surveys",
        &surveys,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("surveys.csv:3.score"), "{err}");
    // Too little to match on is reported, not fatal: the KPIs still come.
    let members = w("members3.csv", "customer_id,enrolled_at\na,2024-02-01\n");
    let (code, out, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--members",
        &members,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("KPIs: 2 customers"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn effectiveness_evaluates_a_candidate_policy_as_evaluate_policy_does() {
    let dir = scratch("ope");
    let f = |n: &str| dir.join(n).display().to_string();
    let (code, _, err) = run(&[
        "simulate",
        "--customers",
        "600",
        "--days",
        "12",
        "--ips-days",
        "4",
        "--decisions-out",
        &f("d.jsonl"),
        "--outcomes-out",
        &f("o.jsonl"),
        "--policy-out",
        &f("q.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let program = format!("{ROOT}/models/default-program.json");
    let (code, out, err) = run(&[
        "evaluate-policy",
        "--decisions",
        &f("d.jsonl"),
        "--outcomes",
        &f("o.jsonl"),
        "--candidate-program",
        &program,
        "--candidate-policy",
        &f("q.json"),
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let alone: Value = serde_json::from_str(&out).unwrap();
    assert!(
        alone["counts"]["evaluated"].as_u64().unwrap() > 500,
        "{alone}"
    );
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        "data/cdnow/CDNOW_sample.txt",
        "--format",
        "cdnow",
        "--decisions",
        &f("d.jsonl"),
        "--outcomes",
        &f("o.jsonl"),
        "--holdout-share",
        "0.05",
        "--candidate-program",
        &program,
        "--candidate-policy",
        &f("q.json"),
        "--now",
        "1998-07-01",
        "--json",
        &f("e.json"),
        "--html",
        &f("e.html"),
    ]);
    assert_eq!(code, 0, "{err}");
    let e: Value = serde_json::from_str(&std::fs::read_to_string(f("e.json")).unwrap()).unwrap();
    assert_eq!(e["policy"], alone);
    let html = std::fs::read_to_string(f("e.html")).unwrap();
    assert!(html.contains("id=\"ope\"") && html.contains("id=\"ope-reading\""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn segments_keep_matches_within_a_segment() {
    let dir = scratch("seg");
    let w = |n: &str, t: &str| {
        let p = dir.join(n);
        std::fs::write(&p, t).unwrap();
        p.display().to_string()
    };
    let orders = w(
        "orders.csv",
        "customer_id,date,amount\na,2024-01-05,10\na,2024-03-01,50\nb,2024-01-06,20\nb,2024-03-02,60\n\
         c,2024-01-05,14\nc,2024-03-01,15\nd,2024-01-05,10.01\nd,2024-03-01,11\ne,2024-01-06,20.02\n",
    );
    let members = w(
        "members.csv",
        "customer_id,enrolled_at\na,2024-02-01\nb,2024-02-01\n",
    );
    let segments = w(
        "segments.csv",
        "customer_id,segment\na,x\nb,y\nc,x\nd,y\ne,y\n",
    );
    let json = |extra: &[&str]| -> Value {
        let mut args = vec![
            "effectiveness",
            "--orders",
            &orders,
            "--members",
            &members,
            "--now",
            "2024-07-01",
            "--window-days",
            "60",
            "--placebo-days",
            "20",
            "--json",
            "-",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let plain = json(&[]);
    let within = json(&["--segments", &segments]);
    // Without segments a's nearest is d; within its segment x, it is c, farther: the matches
    // change and their mean distance grows.
    assert_eq!(within["matched"]["counts"]["matched"], 2);
    let d = |v: &Value| v["matched"]["meanDistance"].as_f64().unwrap();
    assert!(d(&within) > d(&plain), "{} vs {}", d(&within), d(&plain));
    assert_ne!(within["matched"]["effect"], plain["matched"]["effect"]);
    let bad = w("bad.csv", "customer_id,segment\na,x\nb,\n");
    let (code, _, err) = run(&[
        "effectiveness",
        "--orders",
        &orders,
        "--members",
        &members,
        "--segments",
        &bad,
        "--now",
        "2024-07-01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.csv:3.segment"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
