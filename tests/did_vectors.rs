//! `analysis::did` and `stats::ols` against `tests/vectors/did.json`: statsmodels' clustered
//! OLS, and an independent numpy implementation of the whole matched design
//! (`scripts/did_reference.py`), to 1e-9 relative.

use offerwise::analysis::did::{self, DidMetric, DidOptions, History};
use offerwise::stats::ols::ols_cluster;
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/did.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(v["specVersion"], 1);
    v["cases"].as_array().unwrap().clone()
}

fn close(got: f64, want: &Value, what: &str) {
    let want = want.as_f64().unwrap_or_else(|| panic!("{what}: {want}"));
    let tol = 1e-9 * want.abs().max(1e-3);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (diff {})",
        (got - want).abs()
    );
}

fn close_pair(got: (f64, f64), want: &Value, what: &str) {
    close(got.0, &want[0], what);
    close(got.1, &want[1], what);
}

#[test]
fn clustered_ols_equals_statsmodels() {
    let mut n = 0;
    for case in vectors().iter().filter(|c| c["kind"] == "ols") {
        let rows = case["x"].as_array().unwrap();
        let k = rows[0].as_array().unwrap().len();
        let x: Vec<f64> = rows
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        let y: Vec<f64> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let g: Vec<u64> = case["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let fit = ols_cluster(&x, k, &y, &g).unwrap();
        close(fit.df(), &case["df"], "df");
        for j in 0..k {
            close(fit.params[j], &case["params"][j], "params");
            close(fit.bse[j], &case["bse"][j], "bse");
            close(fit.p_value(j), &case["pValues"][j], "p");
            close_pair(fit.ci(j, 0.05), &case["ci"][j], "ci");
        }
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn matched_did_equals_the_independent_reference() {
    let mut n = 0;
    for case in vectors().iter().filter(|c| c["kind"] == "did") {
        let customers: Vec<History> = case["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| History {
                id: c["id"].as_str().unwrap().into(),
                orders: c["orders"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| (o[0].as_i64().unwrap(), o[1].as_f64().unwrap()))
                    .collect(),
                enrolled_at: c["enrolledAt"].as_i64(),
                segment: c["segment"].as_str().map(String::from),
            })
            .collect();
        let o = &case["options"];
        let options = DidOptions {
            window_days: o["windowDays"].as_u64().unwrap() as u32,
            placebo_days: Some(o["placeboDays"].as_u64().unwrap() as u32),
            bin_days: o["binDays"].as_u64().unwrap() as u32,
            bins: o["bins"].as_u64().unwrap() as u32,
            caliper: o["caliper"].as_f64(),
            metric: if o["metric"] == "orders" {
                DidMetric::Orders
            } else {
                DidMetric::Revenue
            },
            ..DidOptions::new(o["now"].as_i64().unwrap())
        };
        let d = did::analyze(&customers, &options).unwrap();
        let c = &case["counts"];
        assert_eq!(d.counts.matched as u64, c["matched"].as_u64().unwrap());
        assert_eq!(d.counts.controls as u64, c["controls"].as_u64().unwrap());
        assert_eq!(d.counts.no_history as u64, c["noHistory"].as_u64().unwrap());
        assert_eq!(
            d.counts.incomplete_window as u64,
            c["incompleteWindow"].as_u64().unwrap()
        );
        assert_eq!(d.counts.unmatched as u64, c["unmatched"].as_u64().unwrap());
        close(d.mean_distance, &case["meanDistance"], "meanDistance");
        close(d.max_distance, &case["maxDistance"], "maxDistance");
        for (b, w) in d.balance.iter().zip(case["balance"].as_array().unwrap()) {
            assert_eq!(b.covariate, w["covariate"]);
            for (got, key) in [
                (b.members, "members"),
                (b.non_members, "nonMembers"),
                (b.matched, "matched"),
                (b.smd_before, "smdBefore"),
                (b.smd_after, "smdAfter"),
            ] {
                close(got, &w[key], &format!("balance {} {key}", b.covariate));
            }
        }
        for (got, want, what) in [
            (&d.effect.estimate, &case["effect"], "effect"),
            (&d.naive, &case["naive"], "naive"),
            (
                &d.placebo.as_ref().unwrap().estimate.estimate,
                &case["placebo"],
                "placebo",
            ),
        ] {
            close(got.effect, &want["effect"], what);
            close(got.se, &want["se"], what);
            close(got.p_value, &want["pValue"], what);
            close_pair(got.ci, &want["ci"], what);
        }
        assert_eq!(
            d.effect.clusters as u64,
            case["effect"]["clusters"].as_u64().unwrap()
        );
        let events = case["eventTime"].as_array().unwrap();
        assert_eq!(d.event_time.len(), events.len());
        for (p, w) in d.event_time.iter().zip(events) {
            assert_eq!(i64::from(p.period), w["period"].as_i64().unwrap());
            assert_eq!(p.pairs as u64, w["pairs"].as_u64().unwrap());
            close(p.effect, &w["effect"], "event effect");
            if p.period != -1 {
                close_pair(p.ci, &w["ci"], "event ci");
            }
        }
        n += 1;
    }
    assert_eq!(n, 2);
}
