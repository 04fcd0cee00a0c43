//! `offerwise analyze` on `tests/vectors/units.csv` equals scipy and statsmodels (the
//! `analyze_units` case of `tests/vectors/stats.json`, from `scripts/stats_reference.py`), and
//! bad unit files are typed errors with the line and field.

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_offerwise");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn analyze(args: &[&str]) -> (i32, String, String) {
    run("analyze", args)
}

/// `offerwise COMMAND ARGS...` from the repository root: exit code, stdout, stderr.
fn run(command: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg(command)
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

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs() + 1e-14,
        "{what}: got {got:e}, want {want:e}"
    );
}

/// Writes `text` to `name` in this test's scratch folder (`tag` names it); returns the path.
fn scratch(tag: &str, name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("offerwise-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// A decision record of customer `u{i}` on 2024-03-01: exposed to experiment `x` in `variant`,
/// or in the programme's holdout or not.
fn decision_record(i: usize, variant: Option<&str>, holdout: bool) -> String {
    let (variants, exposures) = match variant {
        Some(v) => (
            format!(r#"{{"x":"{v}"}}"#),
            format!(
                r#"[{{"experiment":"x","variant":"{v}","source":"hash","hashAttribute":"id","hashValue":"u{i}","hash":"growthbook-2","seed":"x"}}]"#
            ),
        ),
        None => ("{}".into(), "[]".into()),
    };
    format!(
        r#"{{"schema":"offerwise.decision/1","decisionId":"0123456789abcdef","customerId":"u{i}","at":"2024-03-01T00:00:00Z","modelVersion":"m@000000000000","programVersion":"p@000000000000","policyVersion":null,"segment":null,"variants":{variants},"objective":"margin","context":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"offers":[],"exposures":{exposures},"holdout":{holdout}}}"#
    ) + "\n"
}

/// One analysis's results and sample-ratio check against the reference's.
fn check(got: &Value, want: &Value, label: &str) {
    close(
        got["srm"]["chi2"].as_f64().unwrap(),
        want["srm"]["chi2"].as_f64().unwrap(),
        &format!("{label} srm chi2"),
    );
    close(
        got["srm"]["pValue"].as_f64().unwrap(),
        want["srm"]["pValue"].as_f64().unwrap(),
        &format!("{label} srm p"),
    );
    let results = got["results"].as_array().unwrap();
    let expected = want["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    for (g, w) in results.iter().zip(expected) {
        let what = format!("{label} {} {}", w["variant"], w["metric"]);
        assert_eq!(g["variant"], w["variant"]);
        assert_eq!(g["metric"], w["metric"]);
        assert_eq!(
            g["kind"],
            match w["metric"].as_str() {
                Some("converted") => "proportion",
                Some("aov") => "ratio",
                _ => "mean",
            }
        );
        for key in ["statistic", "pValue", "relLift", "pHolm", "pBH"] {
            close(
                g[key].as_f64().unwrap(),
                w[key].as_f64().unwrap(),
                &format!("{what} {key}"),
            );
        }
        if !w["df"].is_null() {
            close(
                g["df"].as_f64().unwrap(),
                w["df"].as_f64().unwrap(),
                &format!("{what} df"),
            );
        }
        // The Bayesian read-out: the loss to 1e-9 of the posterior standard deviation.
        let (gb, wb) = (&g["bayes"], &w["bayes"]);
        let num = |v: &Value| v.as_f64().unwrap();
        close(
            num(&gb["probBeatControl"]),
            num(&wb["probBeatControl"]),
            &format!("{what} P"),
        );
        let sd = (num(&wb["credibleCI"][1]) - num(&wb["credibleCI"][0])) / 3.92;
        let loss = num(&wb["expectedLoss"]);
        assert!(
            (num(&gb["expectedLoss"]) - loss).abs() <= 1e-9 * loss.abs().max(sd),
            "{what} loss"
        );
        for i in 0..2 {
            close(
                num(&gb["credibleCI"][i]),
                num(&wb["credibleCI"][i]),
                &format!("{what} credible"),
            );
        }
        // The confidence sequences, as GrowthBook's gbstats.
        let (gs, ws) = (&g["sequential"], &w["sequential"]);
        close(
            num(&gs["pValue"]),
            num(&ws["pValue"]),
            &format!("{what} seq p"),
        );
        for key in ["absLiftCI", "relLiftCI"] {
            for i in 0..2 {
                close(
                    num(&gs[key][i]),
                    num(&ws[key][i]),
                    &format!("{what} seq {key}"),
                );
            }
        }
        // CUPED on revenue with its pre-period covariate.
        assert_eq!(g["cuped"].is_null(), w["cuped"].is_null(), "{what} cuped");
        if !w["cuped"].is_null() {
            let (gc, wc) = (&g["cuped"], &w["cuped"]);
            assert_eq!(gc["covariate"], wc["covariate"]);
            for key in [
                "theta",
                "varianceReduction",
                "absLift",
                "statistic",
                "pValue",
                "df",
            ] {
                close(num(&gc[key]), num(&wc[key]), &format!("{what} cuped {key}"));
            }
            for i in 0..2 {
                close(
                    num(&gc["absLiftCI"][i]),
                    num(&wc["absLiftCI"][i]),
                    &format!("{what} cuped CI"),
                );
            }
        }
        for (key, wkey) in [
            ("absLiftCI", "absLiftCI"),
            ("relLiftCI", "relLiftCI"),
            ("mean", "mean"),
            ("n", "n"),
        ] {
            for i in 0..2 {
                close(
                    g[key][i].as_f64().unwrap(),
                    w[wkey][i].as_f64().unwrap(),
                    &format!("{what} {key}[{i}]"),
                );
            }
        }
    }
}

#[test]
fn analysis_equals_scipy_and_statsmodels() {
    let doc: Value = serde_json::from_str(include_str!("vectors/stats.json")).unwrap();
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c[0] == "analyze_units")
        .expect("the analyze_units case");
    let want = &case[2];
    let (code, out, err) = analyze(&[
        "--units",
        "tests/vectors/units.csv",
        "--control",
        "control",
        "--metric",
        "converted",
        "--metric",
        "revenue",
        "--metric",
        "orders",
        "--metric",
        "aov=revenue/orders",
        "--covariate",
        "revenue=pre_revenue",
        "--segment-column",
        "segment",
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    check(&got, want, "all");
    // Each segment on its own.
    let segments = got["segments"].as_array().expect("segments");
    let want_segments = want["segments"].as_object().unwrap();
    assert_eq!(segments.len(), want_segments.len());
    for seg in segments {
        let name = seg["segment"].as_str().unwrap();
        let w = &want_segments[name];
        assert_eq!(seg["units"].as_f64(), w["units"].as_f64(), "{name} units");
        check(&seg["analysis"], w, name);
    }
    // The summary names every comparison and the sample-ratio check.
    let (code, out, _) = analyze(&[
        "--units",
        "tests/vectors/units.csv",
        "--control",
        "control",
        "--metric",
        "converted",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("sample ratio: chi2") && out.contains("a vs control · converted (proportion)"),
        "{out}"
    );
}

#[test]
fn bad_unit_files_are_typed_errors() {
    let write = |name: &str, text: &str| scratch("analysis", name, text);
    let good = "variant,y\ncontrol,1\ncontrol,2\nb,3\nb,5\n";
    let cases = [
        (
            write("nan.csv", "variant,y\ncontrol,1\nb,abc\n"),
            vec!["--metric", "y"],
            "analysis.not_numeric",
            ":3.y",
        ),
        (
            write("col.csv", good),
            vec!["--metric", "z"],
            "analysis.unknown_column",
            "no column \"z\"",
        ),
        (
            write("ctl.csv", good),
            vec!["--metric", "y", "--control", "ctrl"],
            "analysis.unknown_control",
            "ctrl",
        ),
        (
            write("bin.csv", good),
            vec!["--metric", "y:proportion"],
            "analysis.not_binary",
            ":3.y",
        ),
        (
            write("flat.csv", "variant,y\ncontrol,1\ncontrol,1\nb,1\nb,1\n"),
            vec!["--metric", "y:mean"],
            "analysis.zero_variance",
            "b.y",
        ),
        (
            write("one.csv", "variant,y\ncontrol,1\ncontrol,2\nb,3\n"),
            vec!["--metric", "y:mean"],
            "analysis.too_few",
            "b.y",
        ),
        (
            write("empty.csv", "variant,y\ncontrol,1\n,2\n"),
            vec!["--metric", "y"],
            "analysis.no_variant",
            ":3",
        ),
        (
            write("covnan.csv", "variant,y,x\ncontrol,1,5\ncontrol,2,q\n"),
            vec!["--metric", "y", "--covariate", "y=x"],
            "analysis.not_numeric",
            ":3.x",
        ),
        (
            write(
                "den.csv",
                "variant,y,x\ncontrol,1,0\ncontrol,2,0\nb,3,1\nb,5,2\n",
            ),
            vec!["--metric", "r=y/x"],
            "analysis.zero_denominator",
            "control.r",
        ),
        (
            write("ratio.csv", good),
            vec!["--metric", "r=y"],
            "analysis.invalid",
            "numerator/denominator",
        ),
        (
            write(
                "ratiocov.csv",
                "variant,y,x\ncontrol,1,5\ncontrol,2,6\nb,3,5\nb,5,7\n",
            ),
            vec!["--metric", "r=y/x", "--covariate", "r=x"],
            "analysis.invalid",
            "ratio metric",
        ),
        (
            write("dennan.csv", "variant,y,x\ncontrol,1,5\ncontrol,2,z\n"),
            vec!["--metric", "r=y/x"],
            "analysis.not_numeric",
            ":3.x",
        ),
    ];
    for (file, extra, code, hint) in cases {
        let mut args = vec!["--units", file.as_str()];
        if !extra.contains(&"--control") {
            args.extend(["--control", "control"]);
        }
        args.extend(extra.iter().copied());
        let (status, _, err) = analyze(&args);
        assert_eq!(status, 2, "{file}: {err}");
        assert!(
            err.contains(&format!("error[{code}]")) && err.contains(hint),
            "{file}: {err}"
        );
        assert!(!err.contains("NaN"), "{err}");
    }
    // A comparison that cannot be made is skipped with its typed error; the others stand: a
    // covariate without variance, a metric without variance; a control whose mean is 0 has no
    // relative lift but its absolute lift reads.
    let file = write(
        "skip.csv",
        "variant,y,x,flat,red\ncontrol,1,5,1,0\ncontrol,2,5,1,0\ncontrol,4,5,1,0\nb,3,5,1,1\nb,5,5,1,0\nb,6,5,1,1\n",
    );
    let (status, out, err) = analyze(&[
        "--units",
        &file,
        "--control",
        "control",
        "--metric",
        "y:mean",
        "--metric",
        "flat:mean",
        "--metric",
        "red",
        "--covariate",
        "y=x",
        "--json",
        "-",
    ]);
    assert_eq!(status, 0, "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    let skipped: Vec<(&str, &str)> = got["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("analysis.zero_variance", "b.y.x"),
            ("analysis.zero_variance", "b.flat")
        ]
    );
    let results = got["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results[0]["cuped"].is_null() && results[0]["pValue"].is_f64());
    assert_eq!(results[1]["metric"], "red");
    assert!(results[1]["relLift"].is_null() && results[1]["relLiftCI"].is_null());
    assert!((results[1]["absLift"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let (status, out, err) = analyze(&[
        "--units",
        &file,
        "--control",
        "control",
        "--metric",
        "red",
        "--metric",
        "flat:mean",
    ]);
    assert_eq!(status, 0, "{err}");
    assert!(
        err.contains("warning[analysis.zero_variance]: b.flat"),
        "{err}"
    );
    assert!(out.contains("no relative lift (control mean 0)"), "{out}");
}

#[test]
fn the_cli_joins_a_decision_log_with_outcomes() {
    let mut decisions = String::new();
    let mut outcomes = String::from("decisionId,customerId,at,type,revenue\n");
    for i in 0..40 {
        let variant = if i % 2 == 0 { "control" } else { "treatment" };
        decisions += &decision_record(i, Some(variant), false);
        for k in 0..(i % 3) {
            outcomes += &format!(
                "0123456789abcdef,u{i},2024-03-0{},conversion,{}\n",
                2 + k,
                10 + i
            );
        }
    }
    let d = scratch("analysis-logs", "decisions.jsonl", &decisions);
    let o = scratch("analysis-logs", "outcomes.csv", &outcomes);
    let (code, out, err) = analyze(&[
        "--decisions",
        &d,
        "--outcomes",
        &o,
        "--experiment",
        "x",
        "--control",
        "control",
        "--metric",
        "revenue",
        "--metric",
        "aov",
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(got["join"]["units"], 40);
    assert_eq!(got["join"]["attributed"], 39);
    assert_eq!(got["results"][0]["metric"], "revenue");
    assert_eq!(got["results"][1]["kind"], "ratio");
    // The summary says how the logs were joined.
    let (code, out, _) = analyze(&[
        "--decisions",
        &d,
        "--outcomes",
        &o,
        "--experiment",
        "x",
        "--control",
        "control",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("join: 40 decisions read") && out.contains("aov (ratio)"),
        "{out}"
    );
    // A unit file's options do not apply to logs, and logs need their outcomes.
    let (code, _, err) = analyze(&["--decisions", &d, "--experiment", "x", "--control", "c"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--outcomes"), "{err}");
}

fn power(args: &[&str]) -> (i32, String, String) {
    run("power", args)
}

#[test]
fn power_sizes_a_test_from_the_pre_period() {
    // The t-test's sample size (statsmodels TTestIndPower: 63.77 for d = 0.5, power 0.8).
    let (code, out, err) = power(&["--sd", "2", "--lift", "1", "--test", "t"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("64 units in the variant and 64 in the control") && out.contains("t-test"),
        "{out}"
    );
    // The normal approximation needs fewer (63.0 → 63).
    let (_, out, _) = power(&["--sd", "2", "--lift", "1"]);
    assert!(out.contains("63 units in the variant"), "{out}");
    // From a pre-period unit file: a mean column gives the standard deviation, a 0/1 column
    // the baseline rate.
    let (code, out, err) = power(&[
        "--pre-period",
        "tests/vectors/units.csv",
        "--metric",
        "pre_revenue",
        "--lift",
        "1",
        "--test",
        "t",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("3000 units, pre_revenue mean") && out.contains("standard deviation"),
        "{out}"
    );
    let (code, out, err) = power(&[
        "--pre-period",
        "tests/vectors/units.csv",
        "--metric",
        "converted",
        "--n",
        "5000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("converted rate 0.1") && out.contains("5000 units in the variant detect"),
        "{out}"
    );
    for (args, want) in [
        (
            vec!["--baseline", "0.1", "--lift", "0.01", "--test", "t"],
            "error[options.invalid]",
        ),
        (
            vec![
                "--pre-period",
                "tests/vectors/units.csv",
                "--metric",
                "nope",
                "--lift",
                "1",
            ],
            "error[analysis.unknown_column]",
        ),
    ] {
        let (code, _, err) = power(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn a_group_sequential_plan_stops_at_the_first_crossing() {
    // The unit file's 28 days are 28 looks at 3,000 planned units: no comparison crosses.
    let (code, out, err) = analyze(&[
        "--units",
        "tests/vectors/units.csv",
        "--control",
        "control",
        "--metric",
        "converted",
        "--metric",
        "revenue",
        "--time-column",
        "first_seen",
        "--planned-units",
        "3000",
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    for r in got["results"].as_array().unwrap() {
        let g = &r["groupSequential"];
        assert_eq!(g["looks"], 28);
        assert_eq!(g["spending"], "obrien-fleming");
        assert!((g["alpha"].as_f64().unwrap() - 0.05 / 4.0).abs() < 1e-15);
        assert!((g["information"].as_f64().unwrap() - 1.0).abs() < 1e-12);
        assert!(g["crossed"].is_null());
        assert_eq!(r["verdict"], "inconclusive");
        // At the end the boundary is wider than the fixed test's at the same level.
        assert!(g["boundary"].as_f64().unwrap() > 2.5);
    }
    // A large effect crosses early and the verdict says so, on the day it crossed.
    let mut csv = String::from("variant,converted,day\n");
    for i in 0..2000u32 {
        let day = 1 + i / 100;
        let variant = if i % 2 == 0 { "control" } else { "b" };
        let rate = if variant == "b" { 7 } else { 3 };
        let converted = u32::from((i.wrapping_mul(2_654_435_761) >> 7) % 10 < rate);
        csv += &format!("{variant},{converted},2024-03-{day:02}\n");
    }
    let file = scratch("gs", "effect.csv", &csv);
    let (code, out, err) = analyze(&[
        "--units",
        &file,
        "--control",
        "control",
        "--metric",
        "converted",
        "--time-column",
        "day",
        "--planned-units",
        "4000",
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    let r = &got["results"][0];
    assert_eq!(r["verdict"], "better");
    let g = &r["groupSequential"];
    assert!(g["crossed"].as_str().unwrap() < "2024-03-20", "{g}");
    assert!((g["information"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    // The plan needs days; it is one way of reading the looks, always-valid verdicts another.
    let (code, _, err) = analyze(&[
        "--units",
        &file,
        "--control",
        "control",
        "--metric",
        "converted",
        "--planned-units",
        "4000",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error[analysis.invalid]: plannedUnits"),
        "{err}"
    );
    let (code, _, err) = analyze(&[
        "--units",
        &file,
        "--control",
        "control",
        "--metric",
        "converted",
        "--time-column",
        "day",
        "--planned-units",
        "4000",
        "--sequential",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_cli_compares_the_programme_with_its_holdout() {
    let mut decisions = String::new();
    let mut outcomes = String::from("decisionId,customerId,at,type,revenue\n");
    for i in 0..200 {
        decisions += &decision_record(i, None, i % 10 == 0);
        outcomes += &format!(
            "0123456789abcdef,u{i},2024-03-03,conversion,{}\n",
            10 + i % 7
        );
    }
    let d = scratch("holdout", "d.jsonl", &decisions);
    let o = scratch("holdout", "o.csv", &outcomes);
    let (code, out, err) = analyze(&[
        "--decisions",
        &d,
        "--outcomes",
        &o,
        "--holdout",
        "0.1",
        "--metric",
        "revenue",
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(got["join"]["holdout"], true);
    assert_eq!(got["srm"]["counts"]["holdout"], 20.0);
    assert_eq!(got["srm"]["ok"], true);
    assert_eq!(got["results"][0]["variant"], "exposed");
    assert_eq!(got["results"][0]["control"], "holdout");
    // An experiment and the holdout are two different questions.
    let (code, _, _) = analyze(&[
        "--decisions",
        &d,
        "--outcomes",
        &o,
        "--holdout",
        "0.1",
        "--experiment",
        "x",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn nps_of_survey_answers_equals_statsmodels() {
    // The answers of the `nps` cases of tests/vectors/stats.json (statsmodels DescrStatsW and
    // CompareMeans), written as a survey file: groups a and b.
    let doc: Value = serde_json::from_str(include_str!("vectors/stats.json")).unwrap();
    let cases: Vec<&Value> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c[0] == "nps")
        .collect();
    assert!(cases.len() >= 4);
    for (k, case) in cases.iter().enumerate() {
        let mut csv = String::from("tier,score\n");
        for (group, counts) in [("a", &case[1]["a"]), ("b", &case[1]["b"])] {
            for (class, answer) in [(0, 10), (1, 7), (2, 3)] {
                for _ in 0..counts[class].as_u64().unwrap() {
                    csv += &format!("{group},{answer}\n");
                }
            }
        }
        let file = scratch("nps", &format!("survey-{k}.csv"), &csv);
        let (code, out, err) = run(
            "nps",
            &[
                "--surveys",
                &file,
                "--group-column",
                "tier",
                "--control",
                "b",
                "--json",
                "-",
            ],
        );
        assert_eq!(code, 0, "{err}");
        let got: Value = serde_json::from_str(&out).unwrap();
        let want = &case[2];
        let num = |v: &Value| v.as_f64().unwrap();
        close(
            num(&got["groups"]["a"]["score"]),
            num(&want["scoreA"]),
            "score a",
        );
        close(num(&got["groups"]["a"]["se"]), num(&want["seA"]), "se a");
        close(
            num(&got["groups"]["a"]["scoreCI"][0]),
            num(&want["ciA"][0]),
            "lo a",
        );
        close(
            num(&got["groups"]["b"]["score"]),
            num(&want["scoreB"]),
            "score b",
        );
        let c = &got["comparisons"][0];
        assert_eq!(
            (c["group"].as_str(), c["control"].as_str()),
            (Some("a"), Some("b"))
        );
        close(num(&c["statistic"]), num(&want["statistic"]), "z");
        close(num(&c["pValue"]), num(&want["pValue"]), "p");
        close(num(&c["diffCI"][1]), num(&want["diffCI"][1]), "diff hi");
    }
    // A summary, and an answer that is not one is an error with its line.
    let file = scratch("nps", "bad.csv", "score\n9\n10\n7\n11\n");
    let (code, _, err) = run("nps", &["--surveys", &file]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error[analysis.invalid]") && err.contains(":5.score"),
        "{err}"
    );
    let file = scratch("nps", "good.csv", "score\n9\n10\n7\n3\n");
    let (code, out, _) = run("nps", &["--surveys", &file]);
    assert_eq!(code, 0);
    assert!(out.starts_with("all: NPS +25.0"), "{out}");
}
