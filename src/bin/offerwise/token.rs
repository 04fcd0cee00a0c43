//! `offerwise keygen` and `offerwise verify-token`: the keys of signed offer tokens and the
//! check a checkout makes (see `offerwise::tokens`).

use crate::common::*;
use clap::Args;
use offerwise::tokens::{self, Expect, KeySet, SigningKeyPair, TokenError};
use offerwise::PrepareOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub(crate) struct KeygenArgs {
    /// Where to write the private key (a JSON Web Key, readable by its owner only). Keep it
    /// out of the repository: it signs what checkouts honour.
    #[arg(long)]
    out: PathBuf,
    /// Also write the public half (what verifiers are given) to this file.
    #[arg(long, value_name = "FILE")]
    public: Option<PathBuf>,
    /// The key's id (default: its RFC 7638 thumbprint), e.g. `2026-12` for a rotation scheme.
    #[arg(long)]
    kid: Option<String>,
    /// Replace files that exist (a key is never overwritten otherwise).
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub(crate) struct VerifyTokenArgs {
    /// The trusted public keys: one JSON Web Key or a key set (`{"keys": [...]}`, old and new
    /// keys while they rotate).
    #[arg(long, value_name = "FILE")]
    public_key: PathBuf,
    /// The token (from the decision's `offers[i].token`).
    #[arg(long)]
    token: String,
    /// The customer checking out: the token must be theirs.
    #[arg(long)]
    customer: String,
    /// The instant of the checkout (ISO 8601 or epoch milliseconds; default: the clock).
    #[arg(long)]
    now: Option<String>,
    /// The offer being applied: the token must be for it.
    #[arg(long)]
    offer: Option<String>,
    /// The value being applied (percent, money or points): at most the token's.
    #[arg(long, allow_hyphen_values = true)]
    value: Option<f64>,
    /// Clock skew tolerated between signer and checkout, seconds.
    #[arg(long, default_value_t = tokens::DEFAULT_LEEWAY_SECONDS)]
    leeway: i64,
    /// Redeem the token in this directory (one file per redeemed token, created atomically):
    /// a token already redeemed there is refused (`token.replayed`), so each is honoured once,
    /// however many checkouts on this machine send it at the same time.
    #[arg(long, value_name = "DIR")]
    redeem: Option<PathBuf>,
}

/// A token or key failure as the CLI reports it: `error[code]: path: message`, exit 2.
pub(crate) fn token_fail(e: TokenError) -> Failure {
    if e.path.is_empty() {
        Failure(2, format!("error[{}]: {}", e.code, e.message))
    } else {
        Failure(2, format!("error[{}]: {}: {}", e.code, e.path, e.message))
    }
}

/// Writes a file that must not be overwritten by mistake (unless `force`); `private` files are
/// readable by their owner only.
fn write_key(path: &Path, text: &str, force: bool, private: bool) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = private;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure(
                2,
                format!(
                    "error[output.exists]: {} exists; a key is never overwritten (--force replaces it)",
                    path.display()
                ),
            )
        } else {
            io_fail(path, e)
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| io_fail(path, e))
}

pub(crate) fn cmd_keygen(a: KeygenArgs) -> Result<(), Failure> {
    let mut key = SigningKeyPair::generate().map_err(token_fail)?;
    if let Some(kid) = &a.kid {
        key = key.with_kid(kid).map_err(token_fail)?;
    }
    if a.public.as_deref() == Some(a.out.as_path()) {
        return Err(Failure(
            2,
            "error[options.invalid]: --public: the same file as --out".into(),
        ));
    }
    write_key(&a.out, &key.to_jwk(), a.force, true)?;
    if let Some(p) = &a.public {
        write_key(p, &key.public().to_jwk(), a.force, false)?;
    }
    eprintln!(
        "key {} written to {}{}",
        key.kid(),
        a.out.display(),
        a.public
            .as_ref()
            .map(|p| format!(", its public half to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// A key file's error, its path prefixed with the file's (`key.json: d`).
fn in_file(path: &Path) -> impl FnOnce(TokenError) -> Failure + '_ {
    move |mut e| {
        e.path = if e.path.is_empty() {
            path.display().to_string()
        } else {
            format!("{}: {}", path.display(), e.path)
        };
        token_fail(e)
    }
}

/// The signing key of `--signing-key` (a private JWK file).
pub(crate) fn read_signing_key(path: &Path) -> Result<SigningKeyPair, Failure> {
    SigningKeyPair::from_jwk(&read_text(path)?).map_err(in_file(path))
}

pub(crate) fn cmd_verify_token(a: VerifyTokenArgs) -> Result<(), Failure> {
    let keys = read_trusted_keys(&a.public_key)?;
    let now_ms = match &a.now {
        Some(now) => {
            PrepareOptions {
                now: now_value(now),
                time_zone_offset_minutes: 0,
            }
            .resolve()?
            .0
        }
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    };
    let expect = Expect {
        customer: &a.customer,
        now_ms,
        offer: a.offer.as_deref(),
        value: a.value,
        leeway_seconds: a.leeway,
    };
    let claims = match &a.redeem {
        Some(dir) => {
            let store = tokens::DirectoryRedemptions::open(dir).map_err(token_fail)?;
            tokens::redeem(a.token.trim(), &keys, &expect, &store)
        }
        None => tokens::verify(a.token.trim(), &keys, &expect),
    }
    .map_err(token_fail)?;
    let text =
        serde_json::to_string_pretty(&claims).map_err(|e| Failure(1, format!("error: {e}")))?;
    println!("{text}");
    Ok(())
}

#[derive(Args)]
pub(crate) struct SignArgs {
    /// The private key (`offerwise keygen`).
    #[arg(long, value_name = "FILE")]
    signing_key: PathBuf,
    /// The documents to sign (model, programme, policy): each gets `FILE.sig`, a detached
    /// signature of its exact bytes, which `--trust-key` checks when the file is loaded.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// `FILE.sig`: where a document's detached signature is kept.
pub(crate) fn signature_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

pub(crate) fn cmd_sign(a: SignArgs) -> Result<(), Failure> {
    let key = read_signing_key(&a.signing_key)?;
    for f in &a.files {
        let bytes = std::fs::read(f).map_err(|e| input_fail(f, e))?;
        let out = signature_path(f);
        write_atomic(&out, &format!("{}\n", key.sign_document(&bytes)))?;
        eprintln!(
            "{} signed with key {}: {}",
            f.display(),
            key.kid(),
            out.display()
        );
    }
    Ok(())
}

/// The keys of `--trust-key` and `--public-key` (a public JWK or key set).
pub(crate) fn read_trusted_keys(path: &Path) -> Result<KeySet, Failure> {
    KeySet::from_json(&read_text(path)?).map_err(in_file(path))
}

/// A document file's text, its detached signature (`FILE.sig`) checked under `keys`:
/// `document.unsigned` without one, the refusal's code with a bad one.
pub(crate) fn read_document(path: &Path, keys: &KeySet) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| input_fail(path, e))?;
    let sig_path = signature_path(path);
    let signature = std::fs::read_to_string(&sig_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Failure(
                2,
                format!(
                    "error[document.unsigned]: {}: no signature ({} is missing) and --trust-key asks for one; sign it with `offerwise sign`",
                    path.display(),
                    sig_path.display()
                ),
            )
        } else {
            input_fail(&sig_path, e)
        }
    })?;
    offerwise::tokens::verify_document(&bytes, &signature, keys).map_err(|mut e| {
        e.path = format!("{}: {}", sig_path.display(), e.path);
        token_fail(e)
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Failure(
            2,
            format!(
                "error[input.unreadable]: {}: not UTF-8 text",
                path.display()
            ),
        )
    })
}
