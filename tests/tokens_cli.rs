//! Signed offer tokens through the command line, as a shop sets them up: `offerwise keygen`,
//! `offerwise decide --signing-key`, and `offerwise verify-token` at checkout (exit 0 and the
//! claims, or exit 2 and the reason).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cli::{run, stderr};

const BIN: &str = env!("CARGO_BIN_EXE_offerwise");
const CUSTOMER: &str = "www/example-customer.json";
const NOW: &str = "1998-07-01T12:00:00Z";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("offerwise-tokens-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A key pair in `dir`: (private, public).
fn keygen(dir: &Path, name: &str, extra: &[&str]) -> (String, String) {
    let private = text(&dir.join(format!("{name}.json")));
    let public = text(&dir.join(format!("{name}.pub.json")));
    let mut args = vec!["keygen", "--out", &private, "--public", &public];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    (private, public)
}

/// The decision for the example customer signed with `key`: its offers' (id, value, token).
fn signed_offers(key: &str, ttl: &str) -> Vec<(String, f64, String)> {
    let o = run(&[
        "decide",
        "--customer",
        CUSTOMER,
        "--now",
        NOW,
        "--signing-key",
        key,
        "--token-ttl",
        ttl,
        "--compact",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    d["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_string(),
                o["value"].as_f64().unwrap(),
                o["token"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn verify(public: &str, token: &str, customer: &str, now: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "verify-token",
        "--public-key",
        public,
        "--token",
        token,
        "--customer",
        customer,
        "--now",
        now,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn keygen_writes_a_private_key_for_its_owner_and_never_overwrites_one() {
    let dir = scratch("keygen");
    let (private, public) = keygen(&dir, "shop", &[]);
    let key_text = std::fs::read_to_string(&private).unwrap();
    let key: serde_json::Value = serde_json::from_str(&key_text).unwrap();
    let half: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&public).unwrap()).unwrap();
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    assert!(key["d"].is_string() && half.get("d").is_none());
    assert_eq!(key["x"], half["x"]);
    assert_eq!(key["kid"], half["kid"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // Two keys are never the same; an existing key is kept unless --force.
    let (other, _) = keygen(&dir, "other", &["--kid", "2026-12"]);
    let other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(other).unwrap()).unwrap();
    assert_ne!(other["d"], key["d"]);
    assert_eq!(other["kid"], "2026-12");
    let o = run(&["keygen", "--out", &private]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error[output.exists]"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&private).unwrap(), key_text);
    let o = run(&["keygen", "--out", &private, "--force"]);
    assert!(o.status.success());
    assert_ne!(std::fs::read_to_string(&private).unwrap(), key_text);
}

#[test]
fn decide_signs_every_offer_and_the_checkout_verifies_it() {
    let dir = scratch("decide");
    let (private, public) = keygen(&dir, "shop", &[]);
    let offers = signed_offers(&private, "3600");
    assert!(!offers.is_empty());
    // Deterministic: the same decision, the same tokens.
    assert_eq!(signed_offers(&private, "3600"), offers);
    for (id, value, token) in &offers {
        let o = verify(
            &public,
            token,
            "00042",
            "1998-07-01T12:30:00Z",
            &["--offer", id, "--value", &value.to_string()],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let claims: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(claims["sub"], "00042");
        assert_eq!(claims["offer"], id.as_str());
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            3600
        );
    }
    // Without a key the decision is as before: no tokens.
    let o = run(&["decide", "--customer", CUSTOMER, "--now", NOW, "--compact"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("\"token\""));
}

#[test]
fn the_checkout_refuses_what_must_not_be_honoured_with_exit_2_and_the_reason() {
    let dir = scratch("refuse");
    let (private, public) = keygen(&dir, "shop", &[]);
    let (forger, _) = keygen(&dir, "forger", &[]);
    let offers = signed_offers(&private, "3600");
    let (id, value, token) = &offers[0];
    let later = "1998-07-01T12:30:00Z";
    let refused = |o: Output, code: &str| {
        assert_eq!(o.status.code(), Some(2), "{code}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with(&format!("error[{code}]")),
            "{code}: {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    };
    refused(
        verify(&public, token, "00043", later, &[]),
        "token.customer",
    );
    refused(
        verify(&public, token, "00042", "1998-07-01T13:01:00Z", &[]),
        "token.expired",
    );
    refused(
        verify(&public, token, "00042", "1998-07-01T11:58:00Z", &[]),
        "token.not_yet_valid",
    );
    refused(
        verify(
            &public,
            token,
            "00042",
            later,
            &["--offer", "someone-elses"],
        ),
        "token.offer",
    );
    refused(
        verify(
            &public,
            token,
            "00042",
            later,
            &["--value", &(value + 1.0).to_string()],
        ),
        "token.value",
    );
    let _ = id;
    // Altered: one character of the claims changed; forged: signed by another key.
    let mut altered: Vec<char> = token.chars().collect();
    let dot = token.find('.').unwrap();
    altered[dot + 5] = if altered[dot + 5] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    refused(
        verify(&public, &altered, "00042", later, &[]),
        "token.signature",
    );
    let forged = signed_offers(&forger, "3600");
    refused(
        verify(&public, &forged[0].2, "00042", later, &[]),
        "token.unknown_key",
    );
    refused(
        verify(&public, "not-a-token", "00042", later, &[]),
        "token.malformed",
    );
    // A key file that is not a key names itself.
    let o = verify(
        &text(&dir.join("forger.json")).replace("forger.json", "missing.json"),
        token,
        "00042",
        later,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(
        dir.join("bad.json"),
        r#"{"kty":"RSA","crv":"Ed25519","x":"AA"}"#,
    )
    .unwrap();
    let o = verify(&text(&dir.join("bad.json")), token, "00042", later, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error[key.invalid]") && stderr(&o).contains("bad.json: kty"),
        "{}",
        stderr(&o)
    );
    // Signing with a public key, or signing an assignment without offers.
    let o = run(&[
        "decide",
        "--customer",
        CUSTOMER,
        "--now",
        NOW,
        "--signing-key",
        &public,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error[key.invalid]") && stderr(&o).contains(": d:"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "decide",
        "--customer",
        CUSTOMER,
        "--now",
        NOW,
        "--signing-key",
        &private,
        "--assign-only",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn keys_rotate_with_a_key_set() {
    let dir = scratch("rotate");
    let (old, old_public) = keygen(&dir, "old", &["--kid", "2026-11"]);
    let (new, new_public) = keygen(&dir, "new", &["--kid", "2026-12"]);
    let set = format!(
        r#"{{"keys": [{}, {}]}}"#,
        std::fs::read_to_string(&old_public).unwrap(),
        std::fs::read_to_string(&new_public).unwrap()
    );
    let set_path = text(&dir.join("keys.json"));
    std::fs::write(&set_path, set).unwrap();
    let later = "1998-07-01T12:30:00Z";
    for key in [&old, &new] {
        let (_, _, token) = &signed_offers(key, "3600")[0];
        let o = verify(&set_path, token, "00042", later, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // The old key retired: only the new key's tokens verify.
    let (_, _, old_token) = &signed_offers(&old, "3600")[0];
    let o = verify(&new_public, old_token, "00042", later, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error[token.unknown_key]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn trusted_keys_load_only_signed_documents() {
    let dir = scratch("documents");
    let (private, public) = keygen(&dir, "shop", &[]);
    let (other, _) = keygen(&dir, "other", &[]);
    let model = text(&dir.join("model.json"));
    let program = text(&dir.join("program.json"));
    std::fs::copy("models/default.json", &model).unwrap();
    std::fs::copy("models/default-program.json", &program).unwrap();
    let decide = |extra: &[&str]| {
        let mut args = vec![
            "decide",
            "--customer",
            CUSTOMER,
            "--now",
            NOW,
            "--model",
            &model,
            "--program",
            &program,
            "--compact",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let unsigned = decide(&["--trust-key", &public]);
    assert_eq!(unsigned.status.code(), Some(2));
    assert!(
        stderr(&unsigned).starts_with("error[document.unsigned]"),
        "{}",
        stderr(&unsigned)
    );
    let o = run(&["sign", "--signing-key", &private, &model, &program]);
    assert!(o.status.success(), "{}", stderr(&o));
    let trusted = decide(&["--trust-key", &public]);
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    // The same decision as without the check.
    assert_eq!(trusted.stdout, decide(&[]).stdout);
    // One byte of the programme changed after signing.
    let mut text_of = std::fs::read_to_string(&program).unwrap();
    text_of.push('\n');
    std::fs::write(&program, &text_of).unwrap();
    let changed = decide(&["--trust-key", &public]);
    assert_eq!(changed.status.code(), Some(2));
    assert!(
        stderr(&changed).starts_with("error[document.signature]"),
        "{}",
        stderr(&changed)
    );
    assert!(
        stderr(&changed).contains("program.json.sig"),
        "{}",
        stderr(&changed)
    );
    // Signed by a key the command does not trust.
    let o = run(&["sign", "--signing-key", &other, &model, &program]);
    assert!(o.status.success());
    let untrusted = decide(&["--trust-key", &public]);
    assert!(
        stderr(&untrusted).starts_with("error[document.unknown_key]"),
        "{}",
        stderr(&untrusted)
    );
    // A signature file that is not one.
    std::fs::write(format!("{model}.sig"), "not a signature").unwrap();
    let bad = decide(&["--trust-key", &public]);
    assert!(
        stderr(&bad).starts_with("error[document.malformed]"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn trusted_keys_guard_every_command_that_loads_a_model_programme_or_policy() {
    let dir = scratch("commands");
    let (private, public) = keygen(&dir, "shop", &[]);
    let f = |n: &str| text(&dir.join(n));
    let o = run(&[
        "simulate",
        "--customers",
        "150",
        "--days",
        "4",
        "--decisions-out",
        &f("d.jsonl"),
        "--outcomes-out",
        &f("o.jsonl"),
        "--policy-out",
        &f("q.json"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::copy("models/default.json", f("model.json")).unwrap();
    std::fs::copy("models/default-program.json", f("program.json")).unwrap();
    std::fs::write(
        f("orders.csv"),
        "customer_id,date,amount\nc1,1998-01-05,30\nc1,1998-03-10,55.5\nc2,1998-02-01,12\n",
    )
    .unwrap();
    let (model, program, policy) = (f("model.json"), f("program.json"), f("q.json"));
    let features = [
        "features",
        "--orders",
        &f("orders.csv"),
        "--now",
        "1998-07-01",
        "--model",
        &model,
        "--out",
        "-",
        "--trust-key",
        &public,
    ];
    let out = f("q2.json");
    let learn = [
        "learn",
        "--decisions",
        &f("d.jsonl"),
        "--outcomes",
        &f("o.jsonl"),
        "--policy",
        &policy,
        "--now",
        "1999-01-01",
        "--out",
        &out,
        "--trust-key",
        &public,
    ];
    let evaluate = [
        "evaluate-policy",
        "--decisions",
        &f("d.jsonl"),
        "--outcomes",
        &f("o.jsonl"),
        "--candidate-program",
        &program,
        "--candidate-policy",
        &policy,
        "--model",
        &model,
        "--trust-key",
        &public,
    ];
    // Unsigned: each command refuses the file it loads, naming it.
    for (args, file) in [
        (&features[..], &model),
        (&learn[..], &policy),
        (&evaluate[..], &model),
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{}: {}", args[0], stderr(&o));
        assert!(
            stderr(&o).starts_with("error[document.unsigned]")
                && stderr(&o).contains(file.as_str()),
            "{}: {}",
            args[0],
            stderr(&o)
        );
    }
    let o = run(&["sign", "--signing-key", &private, &model, &program, &policy]);
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [&features[..], &learn[..], &evaluate[..]] {
        let o = run(args);
        assert!(o.status.success(), "{}: {}", args[0], stderr(&o));
    }
    // The policy changed after signing: refused again.
    let mut changed = std::fs::read_to_string(&policy).unwrap();
    changed.push(' ');
    std::fs::write(&policy, changed).unwrap();
    for args in [&learn[..], &evaluate[..]] {
        let o = run(args);
        assert!(
            stderr(&o).starts_with("error[document.signature]"),
            "{}: {}",
            args[0],
            stderr(&o)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fifty_checkout_processes_redeem_a_token_once() {
    let dir = scratch("redeem");
    let (private, public) = keygen(&dir, "shop", &[]);
    let (_, _, token) = &signed_offers(&private, "3600")[0];
    let store = text(&dir.join("redeemed"));
    let children: Vec<_> = (0..50)
        .map(|_| {
            Command::new(BIN)
                .args([
                    "verify-token",
                    "--public-key",
                    &public,
                    "--token",
                    token,
                    "--customer",
                    "00042",
                    "--now",
                    "1998-07-01T12:30:00Z",
                    "--redeem",
                    &store,
                ])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let ok = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        outputs.iter().map(|o| o.status.code()).collect::<Vec<_>>()
    );
    for o in outputs.iter().filter(|o| !o.status.success()) {
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(o).starts_with("error[token.replayed]"),
            "{}",
            stderr(o)
        );
    }
    // A refused token is not spent; a redeemed one stays redeemed.
    let (_, _, second) = &signed_offers(&private, "3600")[1];
    let early = verify(
        &public,
        second,
        "00042",
        "1998-07-01T11:00:00Z",
        &["--redeem", &store],
    );
    assert!(stderr(&early).starts_with("error[token.not_yet_valid]"));
    let later = verify(
        &public,
        second,
        "00042",
        "1998-07-01T12:30:00Z",
        &["--redeem", &store],
    );
    assert!(later.status.success(), "{}", stderr(&later));
    let again = verify(
        &public,
        token,
        "00042",
        "1998-07-01T12:30:00Z",
        &["--redeem", &store],
    );
    assert_eq!(again.status.code(), Some(2));
}
