//! `offerwise eval-condition`: prints GrowthBook's answer; a malformed condition or input is
//! exit 2 with the error's code and path.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_offerwise");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn scratch(name: &str, text: &str) -> String {
    let dir: PathBuf = std::env::temp_dir().join(format!("offerwise-cond-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn the_readme_example_prints_true_and_false() {
    let args = [
        "eval-condition",
        "--attributes",
        "examples/condition-attributes.json",
        "--condition",
        "examples/condition.json",
        "--saved-groups",
        "examples/condition-saved-groups.json",
    ];
    let o = run(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), "true\n");

    let other = scratch(
        "other.json",
        r#"{"country": "DE", "cart": {"subtotal": 80}}"#,
    );
    let o = run(&[
        "eval-condition",
        "--attributes",
        &other,
        "--condition",
        "examples/condition.json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "false\n");
}

#[test]
fn bad_input_is_exit_2_with_code_and_path() {
    let attrs = "examples/condition-attributes.json";
    let bad = scratch(
        "bad.json",
        r#"{"$and": [{}, {"cart.subtotal": {"$gtx": 5}}]}"#,
    );
    let o = run(&["eval-condition", "--attributes", attrs, "--condition", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error[condition.unknown_operator]"), "{err}");
    assert!(err.contains("$and[1].cart.subtotal.$gtx"), "{err}");

    let regex = scratch("re.json", r#"{"name": {"$regex": "(?=x)"}}"#);
    let o = run(&[
        "eval-condition",
        "--attributes",
        attrs,
        "--condition",
        &regex,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("condition.unsupported_regex"));

    let syntax = scratch("syntax.json", "{\"a\": ");
    let o = run(&[
        "eval-condition",
        "--attributes",
        &syntax,
        "--condition",
        "examples/condition.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[attributes.syntax]"));

    let o = run(&[
        "eval-condition",
        "--attributes",
        "no/such/file.json",
        "--condition",
        "examples/condition.json",
    ]);
    assert_eq!(o.status.code(), Some(2));

    let groups = scratch("groups.json", "[1, 2]");
    let o = run(&[
        "eval-condition",
        "--attributes",
        attrs,
        "--condition",
        "examples/condition.json",
        "--saved-groups",
        &groups,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("condition.invalid_saved_groups"));
}
