//! Signed offer tokens (feature `tokens`): a decision made in a page can be edited in the page,
//! so the offers a shop honours at checkout carry a token signed where the key is (the edge
//! worker, the shop's server, the CLI), never in the page.
//!
//! A token is a JSON Web Token (RFC 7519) in JWS compact form (RFC 7515), signed with Ed25519
//! (`"alg": "EdDSA"`, RFC 8037), so any JOSE library can verify it as well as [`verify`]:
//!
//! ```text
//! base64url({"alg":"EdDSA","typ":"JWT","kid":"<key id>"}) . base64url(claims) . base64url(signature)
//! ```
//!
//! | claim | |
//! |---|---|
//! | `iss` | `"offerwise"` |
//! | `sub` | the customer's id |
//! | `offer` | the offer's id |
//! | `kind` | the offer's kind (`discount`, `amountOff`, ...) |
//! | `value` | the offer's value (a percentage for `discount`, money for `amountOff`, ...) |
//! | `did` | the decision's id (its `log.decisionId`) |
//! | `iat` | issued at: the decision's instant, seconds since the epoch |
//! | `exp` | expires at, seconds since the epoch |
//! | `jti` | a nonce: 128 bits derived from the key, the decision, the offer and `iat` |
//!
//! Tokens are deterministic: Ed25519 signatures are (RFC 8032) and the nonce is derived, not
//! drawn, so the same decision signed with the same key gives the same tokens, and a redemption
//! store that keeps `jti`s makes each offer of each decision single-use ([`Redemptions`]).
//!
//! Keys are JSON Web Keys (RFC 8037: `{"kty": "OKP", "crv": "Ed25519", "x", "d", "kid"}`);
//! the key id defaults to the key's RFC 7638 thumbprint. A verifier takes one public key or a
//! key set (`{"keys": [...]}`) and picks the key by the token's `kid`, so keys can rotate: sign
//! with the new key while the old one still verifies the tokens it signed.
//!
//! The same keys sign documents: [`SigningKeyPair::sign_document`] makes a detached
//! signature of a model, programme or policy file's exact bytes (RFC 7515 appendix F,
//! `header..signature`, `typ` `offerwise-document`), which [`verify_document`] checks before the
//! file is loaded (`offerwise sign`, `--trust-key`).
//!
//! Every failure is a [`TokenError`] with a stable code (`token.malformed`,
//! `token.algorithm`, `token.unknown_key`, `token.signature`, `token.issuer`,
//! `token.expired`, `token.not_yet_valid`, `token.customer`, `token.offer`, `token.value`,
//! `token.replayed`; `document.*` for a document's signature; `key.invalid` for a key
//! document) and the path of what is wrong.

use crate::engine::Decision;
use crate::error::quoted;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// The issuer every token names.
pub const ISSUER: &str = "offerwise";
/// How long a token is valid by default: one day.
pub const DEFAULT_TTL_SECONDS: i64 = 86_400;
/// The clock skew tolerated between the signer and the verifier by default.
pub const DEFAULT_LEEWAY_SECONDS: i64 = 60;
/// Longest token [`verify`] reads (a token is about 400 bytes).
pub const MAX_TOKEN_BYTES: usize = 4096;

/// Why a token or a key was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    /// Stable code (module docs).
    pub code: &'static str,
    /// What is wrong: `header.alg`, `claims.exp`, `keys[1].x`, ...
    pub path: String,
    pub message: String,
}

fn fail<T>(code: &'static str, path: &str, message: impl Into<String>) -> Result<T, TokenError> {
    Err(TokenError {
        code,
        path: path.to_string(),
        message: message.into(),
    })
}

/// What a token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub offer: String,
    pub kind: String,
    #[serde(serialize_with = "js_number")]
    pub value: f64,
    pub did: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// A number as JavaScript's `JSON.stringify` writes it (`10`, not serde's `10.0`), so that the
/// package's Web Crypto signer (`offerwise/tokens`) writes the same claims byte for byte: whole
/// numbers below 2^53 as integers, others in Rust's shortest form (JavaScript's too between
/// 1e-6 and 1e21; a token with a value outside that still verifies everywhere).
fn js_number<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

/// A JSON Web Key as written (only what Ed25519 keys use is read).
#[derive(Serialize, Deserialize)]
struct Jwk {
    kty: String,
    crv: String,
    x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
}

fn bytes32(text: &str, path: &str, what: &str) -> Result<[u8; 32], TokenError> {
    let bytes = B64.decode(text).map_err(|e| TokenError {
        code: "key.invalid",
        path: path.to_string(),
        message: format!("{what} is not base64url without padding: {e}"),
    })?;
    bytes.try_into().map_err(|b: Vec<u8>| TokenError {
        code: "key.invalid",
        path: path.to_string(),
        message: format!("{what} has {} bytes; an Ed25519 key has 32", b.len()),
    })
}

/// The RFC 7638 thumbprint of an Ed25519 public key: the default key id.
pub fn thumbprint(public: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64.encode(public)
    );
    B64.encode(Sha256::digest(canonical.as_bytes()))
}

/// Reads one JWK at `path` (`""` for a document that is the key itself).
fn read_jwk(
    jwk: &Jwk,
    path: &str,
) -> Result<(String, VerifyingKey, Option<SigningKey>), TokenError> {
    let at = |field: &str| {
        if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        }
    };
    if jwk.kty != "OKP" {
        return fail(
            "key.invalid",
            &at("kty"),
            format!("is {:?}; an Ed25519 key has \"OKP\"", quoted(&jwk.kty)),
        );
    }
    if jwk.crv != "Ed25519" {
        return fail(
            "key.invalid",
            &at("crv"),
            format!("is {:?}; only \"Ed25519\" is supported", quoted(&jwk.crv)),
        );
    }
    if let Some(alg) = &jwk.alg {
        // "EdDSA" (RFC 8037) or "Ed25519" (RFC 9864's fully-specified name; Web Crypto's).
        if alg != "EdDSA" && alg != "Ed25519" {
            return fail(
                "key.invalid",
                &at("alg"),
                format!(
                    "is {alg:?}; an Ed25519 key signs \"EdDSA\"",
                    alg = quoted(alg)
                ),
            );
        }
    }
    let x = bytes32(&jwk.x, &at("x"), "the public key")?;
    let public = VerifyingKey::from_bytes(&x).map_err(|e| TokenError {
        code: "key.invalid",
        path: at("x"),
        message: format!("is not an Ed25519 public key: {e}"),
    })?;
    if public.is_weak() {
        return fail(
            "key.invalid",
            &at("x"),
            "is a weak (small-order) Ed25519 key",
        );
    }
    let secret = match &jwk.d {
        None => None,
        Some(d) => {
            let key = SigningKey::from_bytes(&bytes32(d, &at("d"), "the private key")?);
            if key.verifying_key() != public {
                return fail("key.invalid", &at("x"), "is not the public half of d");
            }
            Some(key)
        }
    };
    let kid = match &jwk.kid {
        Some(k) if k.is_empty() => return fail("key.invalid", &at("kid"), "is empty"),
        Some(k) => k.clone(),
        None => thumbprint(&x),
    };
    Ok((kid, public, secret))
}

fn parse_json<'a, T: Deserialize<'a>>(
    text: &'a str,
    code: &'static str,
    path: &str,
    what: &str,
) -> Result<T, TokenError> {
    serde_json::from_str(text).map_err(|e| TokenError {
        code,
        path: path.to_string(),
        message: format!("{what}: {e}"),
    })
}

/// A private signing key with its id.
pub struct SigningKeyPair {
    kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private half.
        f.debug_struct("SigningKeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKeyPair {
    /// The key of a 32-byte seed (RFC 8032's private key), its id the thumbprint.
    pub fn from_seed(seed: [u8; 32]) -> SigningKeyPair {
        let key = SigningKey::from_bytes(&seed);
        SigningKeyPair {
            kid: thumbprint(key.verifying_key().as_bytes()),
            key,
        }
    }

    /// A new key from the operating system's random source.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn generate() -> Result<SigningKeyPair, TokenError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| TokenError {
            code: "key.random",
            path: String::new(),
            message: format!("the operating system's random source failed: {e}"),
        })?;
        Ok(SigningKeyPair::from_seed(seed))
    }

    /// Reads a private JWK (with `d`).
    pub fn from_jwk(text: &str) -> Result<SigningKeyPair, TokenError> {
        let jwk: Jwk = parse_json(text, "key.invalid", "", "not a JSON Web Key")?;
        match read_jwk(&jwk, "")? {
            (kid, _, Some(key)) => Ok(SigningKeyPair { kid, key }),
            _ => fail(
                "key.invalid",
                "d",
                "missing: this is a public key; signing needs the private key (d)",
            ),
        }
    }

    /// The same key with another id (for a naming scheme of the shop's own, `2026-12`).
    pub fn with_kid(mut self, kid: &str) -> Result<SigningKeyPair, TokenError> {
        if kid.is_empty() {
            return fail("key.invalid", "kid", "is empty");
        }
        self.kid = kid.to_string();
        Ok(self)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private JWK (keep it secret).
    pub fn to_jwk(&self) -> String {
        jwk_text(
            &self.kid,
            self.key.verifying_key().as_bytes(),
            Some(&self.key.to_bytes()),
        )
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            kid: self.kid.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Signs claims: the token.
    pub fn sign(&self, claims: &Claims) -> String {
        let header = Header {
            alg: "EdDSA".into(),
            typ: Some("JWT".into()),
            kid: Some(self.kid.clone()),
        };
        // Both serialise: their fields are strings and numbers.
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let claims = serde_json::to_vec(claims).unwrap_or_default();
        let mut token = B64.encode(header);
        token.push('.');
        token.push_str(&B64.encode(claims));
        let signature = self.key.sign(token.as_bytes());
        token.push('.');
        token.push_str(&B64.encode(signature.to_bytes()));
        token
    }

    /// The nonce of an offer of a decision: 128 bits of SHA-256 over the private key, the
    /// decision, the offer and the instant, so that it is unpredictable without the key and the
    /// same for the same decision.
    fn nonce(&self, did: &str, offer: &str, iat: i64) -> String {
        let mut h = Sha256::new();
        h.update(b"offerwise.token.jti\0");
        h.update(self.key.to_bytes());
        h.update(did.as_bytes());
        h.update([0]);
        h.update(offer.as_bytes());
        h.update([0]);
        h.update(iat.to_be_bytes());
        let digest = h.finalize();
        B64.encode(&digest[..16])
    }

    /// One token per offer of the decision, in the order of `decision.offers`: issued at the
    /// decision's instant, valid for `ttl_seconds`.
    pub fn offer_tokens(
        &self,
        decision: &Decision,
        ttl_seconds: i64,
    ) -> Result<Vec<String>, TokenError> {
        let value = self.sign_decision(decision, ttl_seconds)?;
        Ok(value["offers"]
            .as_array()
            .map(|offers| {
                offers
                    .iter()
                    .filter_map(|o| o["token"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The decision as JSON with a `token` in each of its offers.
    pub fn sign_decision(
        &self,
        decision: &Decision,
        ttl_seconds: i64,
    ) -> Result<serde_json::Value, TokenError> {
        let mut value = serde_json::to_value(decision).map_err(|e| TokenError {
            code: "token.options",
            path: "decision".into(),
            message: e.to_string(),
        })?;
        self.sign_decision_json(&mut value, ttl_seconds)?;
        Ok(value)
    }

    /// Adds a `token` to each offer of a decision as JSON (as the engine writes it, from any
    /// of its builds: `customerId`, `log.decisionId`, `log.at`, and `id`, `kind`, `value` of
    /// each of `offers`), issued at `log.at` and valid for `ttl_seconds`. A decision without
    /// these fields is refused (`token.options`, with the path of what is missing).
    pub fn sign_decision_json(
        &self,
        decision: &mut serde_json::Value,
        ttl_seconds: i64,
    ) -> Result<(), TokenError> {
        let options = |path: &str, message: &str| TokenError {
            code: "token.options",
            path: path.to_string(),
            message: message.to_string(),
        };
        if ttl_seconds <= 0 {
            return Err(options(
                "ttl",
                &format!("{ttl_seconds} s: a token must live at least one second"),
            ));
        }
        let text = |v: &serde_json::Value, path: &str| -> Result<String, TokenError> {
            v.pointer(path)
                .and_then(|t| t.as_str())
                .map(str::to_string)
                .ok_or_else(|| {
                    options(
                        &format!("decision{}", path.replace('/', ".")),
                        "missing or not text",
                    )
                })
        };
        let customer = text(decision, "/customerId")?;
        let did = text(decision, "/log/decisionId")?;
        let at = text(decision, "/log/at")?;
        let at = crate::time::parse_instant(&at, 0).map_err(|e| options("decision.log.at", &e))?;
        let iat = at.div_euclid(1000);
        let exp = iat
            .checked_add(ttl_seconds)
            .ok_or_else(|| options("ttl", &format!("{ttl_seconds} s is too long")))?;
        let Some(offers) = decision.get_mut("offers").and_then(|o| o.as_array_mut()) else {
            return Err(options("decision.offers", "missing or not a list"));
        };
        let mut tokens = Vec::with_capacity(offers.len());
        for (i, offer) in offers.iter().enumerate() {
            let at = |f: &str| format!("decision.offers[{i}].{f}");
            let id = offer["id"]
                .as_str()
                .ok_or_else(|| options(&at("id"), "missing or not text"))?;
            let kind = offer["kind"]
                .as_str()
                .ok_or_else(|| options(&at("kind"), "missing or not text"))?;
            let value = offer["value"]
                .as_f64()
                .ok_or_else(|| options(&at("value"), "missing or not a number"))?;
            tokens.push(self.sign(&Claims {
                iss: ISSUER.into(),
                sub: customer.clone(),
                offer: id.to_string(),
                kind: kind.to_string(),
                value,
                did: did.clone(),
                iat,
                exp,
                jti: self.nonce(&did, id, iat),
            }));
        }
        for (offer, token) in offers.iter_mut().zip(tokens) {
            if let Some(o) = offer.as_object_mut() {
                o.insert("token".into(), serde_json::Value::String(token));
            }
        }
        Ok(())
    }
}

fn jwk_text(kid: &str, x: &[u8; 32], d: Option<&[u8; 32]>) -> String {
    let jwk = Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: B64.encode(x),
        d: d.map(|d| B64.encode(d)),
        kid: Some(kid.to_string()),
        alg: Some("EdDSA".into()),
    };
    serde_json::to_string_pretty(&jwk).unwrap_or_default()
}

/// A public key with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKey {
    kid: String,
    key: VerifyingKey,
}

impl PublicKey {
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK.
    pub fn to_jwk(&self) -> String {
        jwk_text(&self.kid, self.key.as_bytes(), None)
    }
}

/// The keys a verifier trusts, by id.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<serde_json::Value>,
}

impl KeySet {
    /// One JWK or a JWK set (`{"keys": [...]}`). A private key is taken for its public half.
    pub fn from_json(text: &str) -> Result<KeySet, TokenError> {
        let value: serde_json::Value = parse_json(text, "key.invalid", "", "not JSON")?;
        let (docs, prefix) = if value.get("keys").is_some() {
            let set: Jwks = serde_json::from_value(value).map_err(|e| TokenError {
                code: "key.invalid",
                path: "keys".into(),
                message: format!("not a JWK set: {e}"),
            })?;
            (set.keys, true)
        } else {
            (vec![value], false)
        };
        let mut out = KeySet::default();
        for (i, doc) in docs.into_iter().enumerate() {
            let path = if prefix {
                format!("keys[{i}]")
            } else {
                String::new()
            };
            let jwk: Jwk = serde_json::from_value(doc).map_err(|e| TokenError {
                code: "key.invalid",
                path: path.clone(),
                message: format!("not an Ed25519 JSON Web Key: {e}"),
            })?;
            let (kid, key, _) = read_jwk(&jwk, &path)?;
            out.add(PublicKey { kid, key }).map_err(|mut e| {
                e.path = if path.is_empty() {
                    "kid".into()
                } else {
                    format!("{path}.kid")
                };
                e
            })?;
        }
        if out.keys.is_empty() {
            return fail("key.invalid", "keys", "is empty: no key to verify with");
        }
        Ok(out)
    }

    /// Adds a key; two keys with one id are refused.
    pub fn add(&mut self, key: PublicKey) -> Result<(), TokenError> {
        if self.keys.iter().any(|k| k.kid == key.kid) {
            return fail(
                "key.invalid",
                "kid",
                format!("{:?} names two keys", quoted(&key.kid)),
            );
        }
        self.keys.push(key);
        Ok(())
    }

    /// The trusted key a header's `kid` names, or `code` at `header.kid` (`missing` when the
    /// header names none): the lookup of tokens and of document signatures alike.
    fn key_for<'k>(
        &'k self,
        kid: Option<&'k str>,
        code: &'static str,
        missing: &str,
    ) -> Result<(&'k str, &'k PublicKey), TokenError> {
        let Some(kid) = kid else {
            return fail(code, "header.kid", missing);
        };
        match self.keys.iter().find(|k| k.kid == kid) {
            Some(key) => Ok((kid, key)),
            None => {
                let known: Vec<&str> = self.kids().collect();
                fail(
                    code,
                    "header.kid",
                    format!(
                        "{kid:?} is not a trusted key (trusted: {})",
                        crate::error::listed(&known),
                        kid = quoted(kid)
                    ),
                )
            }
        }
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }
}

/// What the checkout expects of a token.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// The customer checking out.
    pub customer: &'a str,
    /// Now, epoch milliseconds.
    pub now_ms: i64,
    /// The offer being applied, when the checkout knows which.
    pub offer: Option<&'a str>,
    /// The value being applied (a percentage, money, points): at most the token's.
    pub value: Option<f64>,
    /// Clock skew tolerated, seconds.
    pub leeway_seconds: i64,
}

impl<'a> Expect<'a> {
    pub fn new(customer: &'a str, now_ms: i64) -> Expect<'a> {
        Expect {
            customer,
            now_ms,
            offer: None,
            value: None,
            leeway_seconds: DEFAULT_LEEWAY_SECONDS,
        }
    }
}

/// Checks a token: its form, its key, its signature, then its claims against `expect`. The
/// claims when it may be honoured.
pub fn verify(token: &str, keys: &KeySet, expect: &Expect<'_>) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return fail(
            "token.malformed",
            "token",
            format!(
                "has {} bytes; a token has at most {MAX_TOKEN_BYTES}",
                token.len()
            ),
        );
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return fail(
            "token.malformed",
            "token",
            "is not three base64url parts separated by '.'",
        );
    };
    let decode = |part: &str, path: &str| {
        B64.decode(part).map_err(|e| TokenError {
            code: "token.malformed",
            path: path.to_string(),
            message: format!("is not base64url without padding: {e}"),
        })
    };
    let header_bytes = decode(h, "header")?;
    let header_text = std::str::from_utf8(&header_bytes).map_err(|_| TokenError {
        code: "token.malformed",
        path: "header".into(),
        message: "is not UTF-8".into(),
    })?;
    let header: Header = parse_json(
        header_text,
        "token.malformed",
        "header",
        "is not a JWS header",
    )?;
    if header.alg != "EdDSA" {
        return fail(
            "token.algorithm",
            "header.alg",
            format!(
                "is {:?}; offerwise tokens are signed \"EdDSA\"",
                quoted(&header.alg)
            ),
        );
    }
    if let Some(typ) = header.typ.as_deref() {
        if typ != "JWT" {
            return fail(
                "token.malformed",
                "header.typ",
                format!(
                    "is {typ:?}: this is not an offer token (\"JWT\")",
                    typ = quoted(typ)
                ),
            );
        }
    }
    let (kid, key) = keys.key_for(
        header.kid.as_deref(),
        "token.unknown_key",
        "missing: the token does not say which key signed it",
    )?;
    let signature: [u8; 64] =
        decode(s, "signature")?
            .try_into()
            .map_err(|b: Vec<u8>| TokenError {
                code: "token.malformed",
                path: "signature".into(),
                message: format!("has {} bytes; an Ed25519 signature has 64", b.len()),
            })?;
    let signed = &token[..h.len() + 1 + p.len()];
    key.key
        .verify_strict(signed.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| TokenError {
            code: "token.signature",
            path: "signature".into(),
            message: format!("does not match the token's header and claims under key {kid:?}: the token was altered or forged", kid = quoted(kid)),
        })?;
    let claims_bytes = decode(p, "claims")?;
    let claims_text = std::str::from_utf8(&claims_bytes).map_err(|_| TokenError {
        code: "token.malformed",
        path: "claims".into(),
        message: "is not UTF-8".into(),
    })?;
    let claims: Claims = parse_json(
        claims_text,
        "token.malformed",
        "claims",
        "are not offerwise claims",
    )?;
    check(&claims, expect)?;
    Ok(claims)
}

fn check(claims: &Claims, expect: &Expect<'_>) -> Result<(), TokenError> {
    if claims.iss != ISSUER {
        return fail(
            "token.issuer",
            "claims.iss",
            format!("is {:?}, not {ISSUER:?}", quoted(&claims.iss)),
        );
    }
    if claims.sub != expect.customer {
        return fail(
            "token.customer",
            "claims.sub",
            format!(
                "the token is for customer {:?}, not {:?}",
                quoted(&claims.sub),
                quoted(expect.customer)
            ),
        );
    }
    let now = expect.now_ms.div_euclid(1000);
    let leeway = expect.leeway_seconds.max(0);
    if now.saturating_add(leeway) < claims.iat {
        return fail(
            "token.not_yet_valid",
            "claims.iat",
            format!(
                "the token is issued at {} (now is {}): the clocks differ by more than {leeway} s",
                claims.iat, now
            ),
        );
    }
    if now.saturating_sub(leeway) >= claims.exp {
        return fail(
            "token.expired",
            "claims.exp",
            format!(
                "the token expired at {} ({} s ago)",
                claims.exp,
                now - claims.exp
            ),
        );
    }
    if let Some(offer) = expect.offer {
        if claims.offer != offer {
            return fail(
                "token.offer",
                "claims.offer",
                format!(
                    "the token is for offer {:?}, not {offer:?}",
                    quoted(&claims.offer),
                    offer = quoted(offer)
                ),
            );
        }
    }
    if let Some(value) = expect.value {
        if !(value.is_finite() && value <= claims.value) {
            return fail(
                "token.value",
                "claims.value",
                format!(
                    "the checkout applies {value}; the token grants at most {}",
                    claims.value
                ),
            );
        }
    }
    Ok(())
}

/// The `typ` of a document signature's header: a token's signature is never taken for a
/// document's, nor the other way round.
pub const DOCUMENT_TYPE: &str = "offerwise-document";

impl SigningKeyPair {
    /// A detached signature of a document's exact bytes (a model, programme or policy file):
    /// a JWS with its payload left out (RFC 7515 appendix F), `header..signature`, written
    /// next to the file as `FILE.sig`.
    pub fn sign_document(&self, document: &[u8]) -> String {
        let header = Header {
            alg: "EdDSA".into(),
            typ: Some(DOCUMENT_TYPE.into()),
            kid: Some(self.kid.clone()),
        };
        let header = B64.encode(serde_json::to_vec(&header).unwrap_or_default());
        let input = format!("{header}.{}", B64.encode(document));
        let signature = self.key.sign(input.as_bytes());
        format!("{header}..{}", B64.encode(signature.to_bytes()))
    }
}

/// Checks a detached signature of a document's exact bytes ([`SigningKeyPair::sign_document`])
/// under one of `keys`; the id of the key that signed it. Refusals: `document.malformed`,
/// `document.algorithm`, `document.unknown_key`, `document.signature` (the document or the
/// signature changed, or another key signed it).
pub fn verify_document(
    document: &[u8],
    signature: &str,
    keys: &KeySet,
) -> Result<String, TokenError> {
    let signature = signature.trim();
    let malformed = |path: &str, message: &str| TokenError {
        code: "document.malformed",
        path: path.to_string(),
        message: message.to_string(),
    };
    if signature.len() > MAX_TOKEN_BYTES {
        return Err(malformed(
            "signature",
            "is too long to be a document signature",
        ));
    }
    let mut parts = signature.split('.');
    let (Some(h), Some(""), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "signature",
            "is not a detached signature (header..signature), as `offerwise sign` writes",
        ));
    };
    let header = B64
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice::<Header>(&b).ok())
        .ok_or_else(|| malformed("header", "is not a JWS header"))?;
    if header.alg != "EdDSA" {
        return fail(
            "document.algorithm",
            "header.alg",
            format!(
                "is {:?}; documents are signed \"EdDSA\"",
                quoted(&header.alg)
            ),
        );
    }
    if header.typ.as_deref() != Some(DOCUMENT_TYPE) {
        return Err(malformed(
            "header.typ",
            &format!("is not {DOCUMENT_TYPE:?}: this is not a document signature"),
        ));
    }
    let (kid, key) = keys.key_for(
        header.kid.as_deref(),
        "document.unknown_key",
        "missing: the signature does not say which key made it",
    )?;
    let bytes: [u8; 64] = B64
        .decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("signature", "is not a base64url Ed25519 signature"))?;
    let input = format!("{h}.{}", B64.encode(document));
    key.key
        .verify_strict(input.as_bytes(), &Signature::from_bytes(&bytes))
        .map_err(|_| TokenError {
            code: "document.signature",
            path: "signature".into(),
            message: format!("does not match the document under key {kid:?}: the document was changed after signing, or another key signed it", kid = quoted(kid)),
        })?;
    Ok(kid.to_string())
}

/// Where redeemed tokens are kept, so each is honoured once.
pub trait Redemptions {
    /// Records `jti` as redeemed (kept until `exp`); `Ok(false)` when it already was.
    fn redeem(&self, jti: &str, exp: i64) -> Result<bool, TokenError>;
}

/// A redemption store in memory (one process): tests, and a single server.
#[derive(Debug, Default)]
pub struct MemoryRedemptions {
    seen: Mutex<HashMap<String, i64>>,
}

impl Redemptions for MemoryRedemptions {
    fn redeem(&self, jti: &str, exp: i64) -> Result<bool, TokenError> {
        let mut seen = self.seen.lock().map_err(|_| TokenError {
            code: "token.store",
            path: String::new(),
            message: "the redemption store is poisoned".into(),
        })?;
        Ok(seen.insert(jti.to_string(), exp).is_none())
    }
}

/// A redemption store in a directory, one file per redeemed token, created only if it does not
/// exist (an atomic `O_CREAT | O_EXCL`): safe across threads and processes on one machine's
/// file system, and it survives restarts (`offerwise verify-token --redeem DIR`).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone)]
pub struct DirectoryRedemptions {
    dir: std::path::PathBuf,
}

#[cfg(not(target_arch = "wasm32"))]
impl DirectoryRedemptions {
    /// The store in `dir` (made when missing).
    pub fn open(dir: impl Into<std::path::PathBuf>) -> Result<DirectoryRedemptions, TokenError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| TokenError {
            code: "token.store",
            path: dir.display().to_string(),
            message: format!("cannot make the redemption store: {e}"),
        })?;
        Ok(DirectoryRedemptions { dir })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Redemptions for DirectoryRedemptions {
    fn redeem(&self, jti: &str, exp: i64) -> Result<bool, TokenError> {
        use std::io::Write;
        // A nonce is base64url: a file name as it is, never a path.
        let safe = !jti.is_empty()
            && jti.len() <= 64
            && jti
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !safe {
            return fail(
                "token.malformed",
                "claims.jti",
                format!("{jti:?} is not a nonce", jti = quoted(jti)),
            );
        }
        let path = self.dir.join(jti);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                // The expiry, for whoever prunes the store; the file's existence is the mark.
                let _ = writeln!(f, "{exp}");
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => fail(
                "token.store",
                &path.display().to_string(),
                format!("cannot record the redemption: {e}"),
            ),
        }
    }
}

/// [`verify`], then the token redeemed in `store`: `token.replayed` when it was already.
pub fn redeem(
    token: &str,
    keys: &KeySet,
    expect: &Expect<'_>,
    store: &dyn Redemptions,
) -> Result<Claims, TokenError> {
    let claims = verify(token, keys, expect)?;
    if !store.redeem(&claims.jti, claims.exp)? {
        return fail(
            "token.replayed",
            "claims.jti",
            format!("token {:?} was already redeemed", quoted(&claims.jti)),
        );
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::Customer;
    use crate::engine::{DecideOptions, Engine};

    /// RFC 8037 appendix A.1: the Ed25519 key of the JOSE examples (RFC 8032's test 1).
    const RFC8037_KEY: &str = r#"{"kty":"OKP","crv":"Ed25519",
        "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    fn key(n: u8) -> SigningKeyPair {
        SigningKeyPair::from_seed([n; 32])
    }

    fn keys(of: &[&SigningKeyPair]) -> KeySet {
        let mut set = KeySet::default();
        for k in of {
            set.add(k.public()).unwrap();
        }
        set
    }

    fn claims() -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: "00042".into(),
            offer: "welcome-10".into(),
            kind: "discount".into(),
            value: 10.0,
            did: "0123456789abcdef".into(),
            iat: 1_764_547_200,
            exp: 1_764_547_200 + DEFAULT_TTL_SECONDS,
            jti: "n0nce".into(),
        }
    }

    const NOW_MS: i64 = 1_764_547_200_000 + 3_600_000;

    #[test]
    fn the_rfc_8037_key_its_thumbprint_and_its_signature() {
        let k = SigningKeyPair::from_jwk(RFC8037_KEY).unwrap();
        // RFC 8037 A.3.
        assert_eq!(k.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        // RFC 8037 A.4: the JWS of "Example of Ed25519 signing" under {"alg":"EdDSA"}.
        let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        assert_eq!(
            B64.encode(k.key.sign(input.as_bytes()).to_bytes()),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
        // The key's JWKs read back as the same key.
        let again = SigningKeyPair::from_jwk(&k.to_jwk()).unwrap();
        assert_eq!(again.public(), k.public());
        let public = KeySet::from_json(&k.public().to_jwk()).unwrap();
        assert_eq!(public.kids().collect::<Vec<_>>(), [k.kid()]);
        assert!(!k.public().to_jwk().contains("\"d\""));
        assert!(!format!("{k:?}").contains(&B64.encode(k.key.to_bytes())));
    }

    #[test]
    fn a_signed_token_verifies_and_says_what_was_signed() {
        let k = key(1);
        let token = k.sign(&claims());
        let got = verify(&token, &keys(&[&k]), &Expect::new("00042", NOW_MS)).unwrap();
        assert_eq!(got, claims());
        // Deterministic: the same claims, the same token.
        assert_eq!(k.sign(&claims()), token);
        let mut e = Expect::new("00042", NOW_MS);
        e.offer = Some("welcome-10");
        e.value = Some(10.0);
        assert!(verify(&token, &keys(&[&k]), &e).is_ok());
        e.value = Some(7.5);
        assert!(verify(&token, &keys(&[&k]), &e).is_ok());
    }

    fn code(r: Result<Claims, TokenError>) -> &'static str {
        r.expect_err("refused").code
    }

    #[test]
    fn forged_altered_expired_early_and_wrong_customer_tokens_are_refused() {
        let k = key(1);
        let trusted = keys(&[&k]);
        let token = k.sign(&claims());
        let at = |now| Expect::new("00042", now);
        // Forged: another key claiming the trusted key's id.
        let forger = key(2).with_kid(k.kid()).unwrap();
        assert_eq!(
            code(verify(&forger.sign(&claims()), &trusted, &at(NOW_MS))),
            "token.signature"
        );
        // Altered claims, re-encoded, with the original signature.
        let parts: Vec<&str> = token.split('.').collect();
        let mut richer = claims();
        richer.value = 50.0;
        let altered = format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(serde_json::to_vec(&richer).unwrap()),
            parts[2]
        );
        assert_eq!(
            code(verify(&altered, &trusted, &at(NOW_MS))),
            "token.signature"
        );
        // "alg": "none" and other algorithms.
        for alg in ["none", "HS256", "RS256", "ES256"] {
            let header = B64.encode(format!(r#"{{"alg":"{alg}","kid":"{}"}}"#, k.kid()));
            let t = format!("{header}.{}.{}", parts[1], parts[2]);
            assert_eq!(
                code(verify(&t, &trusted, &at(NOW_MS))),
                "token.algorithm",
                "{alg}"
            );
        }
        // Expired (at exp, and beyond the leeway), not yet valid, another customer.
        let exp_ms = claims().exp * 1000;
        assert!(verify(&token, &trusted, &at(exp_ms - 1)).is_ok());
        assert!(
            verify(&token, &trusted, &at(exp_ms + 59_999)).is_ok(),
            "within the leeway"
        );
        assert_eq!(
            code(verify(&token, &trusted, &at(exp_ms + 60_000))),
            "token.expired"
        );
        let iat_ms = claims().iat * 1000;
        assert!(
            verify(&token, &trusted, &at(iat_ms - 60_000)).is_ok(),
            "within the leeway"
        );
        assert_eq!(
            code(verify(&token, &trusted, &at(iat_ms - 61_000))),
            "token.not_yet_valid"
        );
        let mut strict = at(exp_ms);
        strict.leeway_seconds = 0;
        assert_eq!(code(verify(&token, &trusted, &strict)), "token.expired");
        assert_eq!(
            code(verify(&token, &trusted, &Expect::new("00043", NOW_MS))),
            "token.customer"
        );
        // Another offer, more than granted, a value that is not a number.
        let mut e = at(NOW_MS);
        e.offer = Some("gold-20");
        assert_eq!(code(verify(&token, &trusted, &e)), "token.offer");
        for v in [10.000001, f64::NAN, f64::INFINITY] {
            let mut e = at(NOW_MS);
            e.value = Some(v);
            let err = verify(&token, &trusted, &e).unwrap_err();
            assert_eq!(
                (err.code, err.path.as_str()),
                ("token.value", "claims.value"),
                "{v}"
            );
        }
        // An untrusted key id; the issuer of another system.
        assert_eq!(
            code(verify(&key(3).sign(&claims()), &trusted, &at(NOW_MS))),
            "token.unknown_key"
        );
        let mut other = claims();
        other.iss = "someone".into();
        assert_eq!(
            code(verify(&k.sign(&other), &trusted, &at(NOW_MS))),
            "token.issuer"
        );
    }

    #[test]
    fn every_one_character_change_of_a_token_is_refused() {
        let k = key(1);
        let trusted = keys(&[&k]);
        let token = k.sign(&claims());
        let alphabet: Vec<char> = ('A'..='Z')
            .chain('a'..='z')
            .chain('0'..='9')
            .chain(['-', '_', '.', '='])
            .collect();
        let mut tried = 0;
        for i in 0..token.len() {
            for &c in &alphabet {
                let mut t: Vec<char> = token.chars().collect();
                if t[i] == c {
                    continue;
                }
                t[i] = c;
                let t: String = t.into_iter().collect();
                let err = verify(&t, &trusted, &Expect::new("00042", NOW_MS)).unwrap_err();
                assert!(
                    [
                        "token.malformed",
                        "token.signature",
                        "token.algorithm",
                        "token.unknown_key"
                    ]
                    .contains(&err.code),
                    "{i} {c}: {err:?}"
                );
                tried += 1;
            }
        }
        assert!(tried > 20_000, "{tried}");
        // Truncated and extended.
        for n in 0..token.len() {
            assert!(
                verify(&token[..n], &trusted, &Expect::new("00042", NOW_MS)).is_err(),
                "{n}"
            );
        }
        assert!(verify(
            &format!("{token}A"),
            &trusted,
            &Expect::new("00042", NOW_MS)
        )
        .is_err());
        assert!(verify(
            &format!("{token}."),
            &trusted,
            &Expect::new("00042", NOW_MS)
        )
        .is_err());
    }

    #[test]
    fn malformed_tokens_say_which_part_is_wrong() {
        let trusted = keys(&[&key(1)]);
        let e = |t: &str| verify(t, &trusted, &Expect::new("c", NOW_MS)).unwrap_err();
        assert_eq!(e("").path, "token");
        assert_eq!(e("a.b").path, "token");
        assert_eq!(e("a.b.c.d").path, "token");
        assert_eq!(e("***.b.c").path, "header");
        // `{}`: no alg.
        let err = e("e30.b.c");
        assert_eq!((err.code, err.path.as_str()), ("token.malformed", "header"));
        let err = e(&"A".repeat(MAX_TOKEN_BYTES + 1));
        assert_eq!((err.code, err.path.as_str()), ("token.malformed", "token"));
        let header = B64.encode(r#"{"alg":"EdDSA"}"#);
        assert_eq!(e(&format!("{header}.e30.AAAA")).code, "token.unknown_key");
        let header = B64.encode(format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, key(1).kid()));
        assert_eq!(e(&format!("{header}.e30.AAAA")).path, "signature");
        // A valid signature over claims that are not offerwise's.
        let k = key(1);
        let signed = {
            let input = format!("{header}.{}", B64.encode(r#"{"sub":"c"}"#));
            let sig = B64.encode(k.key.sign(input.as_bytes()).to_bytes());
            format!("{input}.{sig}")
        };
        let err = e(&signed);
        assert_eq!((err.code, err.path.as_str()), ("token.malformed", "claims"));
    }

    #[test]
    fn keys_rotate_by_id() {
        let old = key(1).with_kid("2026-11").unwrap();
        let new = key(2).with_kid("2026-12").unwrap();
        let set = format!(
            r#"{{"keys": [{}, {}]}}"#,
            old.public().to_jwk(),
            new.public().to_jwk()
        );
        let both = KeySet::from_json(&set).unwrap();
        for k in [&old, &new] {
            assert!(verify(&k.sign(&claims()), &both, &Expect::new("00042", NOW_MS)).is_ok());
        }
        // The old key retired: its tokens no longer verify.
        let only_new = KeySet::from_json(&new.public().to_jwk()).unwrap();
        assert_eq!(
            code(verify(
                &old.sign(&claims()),
                &only_new,
                &Expect::new("00042", NOW_MS)
            )),
            "token.unknown_key"
        );
        // Two keys with one id, an empty set, a public key to sign with, a bad key.
        let twice = format!(
            r#"{{"keys": [{}, {}]}}"#,
            old.public().to_jwk(),
            old.public().to_jwk()
        );
        assert_eq!(KeySet::from_json(&twice).unwrap_err().path, "keys[1].kid");
        assert_eq!(
            KeySet::from_json(r#"{"keys": []}"#).unwrap_err().path,
            "keys"
        );
        assert_eq!(
            SigningKeyPair::from_jwk(&new.public().to_jwk())
                .unwrap_err()
                .path,
            "d"
        );
        let bad = r#"{"keys": [{"kty": "RSA", "crv": "Ed25519", "x": "AA"}]}"#;
        assert_eq!(KeySet::from_json(bad).unwrap_err().path, "keys[0].kty");
        let short = r#"{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}"#;
        assert_eq!(KeySet::from_json(short).unwrap_err().path, "x");
        let mismatch = format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{}","d":"{}"}}"#,
            B64.encode(key(1).key.verifying_key().as_bytes()),
            B64.encode(key(2).key.to_bytes())
        );
        assert_eq!(SigningKeyPair::from_jwk(&mismatch).unwrap_err().path, "x");
        assert_eq!(KeySet::from_json("[").unwrap_err().code, "key.invalid");
    }

    #[test]
    fn a_document_signature_holds_for_the_exact_bytes_and_one_key() {
        let k = key(1);
        let trusted = keys(&[&k]);
        let model = include_bytes!("../models/default.json");
        let sig = k.sign_document(model);
        assert_eq!(verify_document(model, &sig, &trusted).unwrap(), k.kid());
        assert_eq!(
            verify_document(model, &format!("{sig}\n"), &trusted).unwrap(),
            k.kid()
        );
        // One byte more, one byte changed, another key, another kind of signature.
        let mut longer = model.to_vec();
        longer.push(b' ');
        let code = |r: Result<String, TokenError>| r.unwrap_err().code;
        let token_code = |r: Result<Claims, TokenError>| r.unwrap_err().code;
        assert_eq!(
            code(verify_document(&longer, &sig, &trusted)),
            "document.signature"
        );
        let mut changed = model.to_vec();
        changed[100] ^= 1;
        assert_eq!(
            code(verify_document(&changed, &sig, &trusted)),
            "document.signature"
        );
        let forger = key(2).with_kid(k.kid()).unwrap();
        assert_eq!(
            code(verify_document(
                model,
                &forger.sign_document(model),
                &trusted
            )),
            "document.signature"
        );
        assert_eq!(
            code(verify_document(
                model,
                &key(3).sign_document(model),
                &trusted
            )),
            "document.unknown_key"
        );
        let token = k.sign(&claims());
        assert_eq!(
            code(verify_document(model, &token, &trusted)),
            "document.malformed"
        );
        // A document signature is not a token either.
        assert_eq!(
            token_code(verify(&sig, &trusted, &Expect::new("00042", NOW_MS))),
            "token.malformed"
        );
        for bad in ["", "..", "a..b", "a.b.c", &"A".repeat(5000)] {
            assert_eq!(
                code(verify_document(model, bad, &trusted)),
                "document.malformed",
                "{bad:.20}"
            );
        }
    }

    #[test]
    fn a_token_is_redeemed_once_even_by_fifty_threads_at_once() {
        let k = key(1);
        let trusted = keys(&[&k]);
        let token = k.sign(&claims());
        let store = MemoryRedemptions::default();
        let results: Vec<Result<Claims, TokenError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..50)
                .map(|_| {
                    s.spawn(|| redeem(&token, &trusted, &Expect::new("00042", NOW_MS), &store))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code == "token.replayed"));
        // A refused token is not redeemed: it can still be honoured when it becomes valid.
        let early = Expect::new("00042", claims().iat * 1000 - 3_600_000);
        let fresh = MemoryRedemptions::default();
        assert_eq!(
            code(redeem(&token, &trusted, &early, &fresh)),
            "token.not_yet_valid"
        );
        assert!(redeem(&token, &trusted, &Expect::new("00042", NOW_MS), &fresh).is_ok());
    }

    #[test]
    fn a_directory_store_redeems_once_across_threads_and_reopenings() {
        let dir =
            std::env::temp_dir().join(format!("offerwise-redemptions-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let k = key(1);
        let trusted = keys(&[&k]);
        let token = k.sign(&claims());
        let store = DirectoryRedemptions::open(&dir).unwrap();
        let wins = std::thread::scope(|s| {
            let handles: Vec<_> = (0..50)
                .map(|_| {
                    s.spawn(|| {
                        redeem(&token, &trusted, &Expect::new("00042", NOW_MS), &store).is_ok()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|&ok| ok)
                .count()
        });
        assert_eq!(wins, 1);
        // Reopened (another process, a restart): still redeemed.
        let again = DirectoryRedemptions::open(&dir).unwrap();
        assert_eq!(
            code(redeem(
                &token,
                &trusted,
                &Expect::new("00042", NOW_MS),
                &again
            )),
            "token.replayed"
        );
        assert_eq!(
            again.redeem("../escape", 0).unwrap_err().code,
            "token.malformed"
        );
        assert_eq!(again.redeem("", 0).unwrap_err().code, "token.malformed");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_decision_signs_one_token_per_offer_and_they_verify() {
        let engine = Engine::from_json(
            include_str!("../models/default.json"),
            include_str!("../models/default-program.json"),
        )
        .unwrap();
        let customer = Customer::from_json(include_str!("../www/example-customer.json")).unwrap();
        let options: DecideOptions =
            serde_json::from_str(r#"{"now": "1998-07-01T12:00:00Z"}"#).unwrap();
        let decision = engine.decide(&customer, &options).unwrap();
        assert!(!decision.offers.is_empty());
        let k = key(7);
        let tokens = k.offer_tokens(&decision, 3600).unwrap();
        assert_eq!(tokens.len(), decision.offers.len());
        let now = crate::time::parse_instant("1998-07-01T12:30:00Z", 0).unwrap();
        let mut nonces = std::collections::BTreeSet::new();
        for (t, o) in tokens.iter().zip(&decision.offers) {
            let c = verify(t, &keys(&[&k]), &Expect::new("00042", now)).unwrap();
            assert_eq!(
                (c.offer.as_str(), c.value, c.kind.as_str()),
                (o.id.as_str(), o.value, o.kind.id())
            );
            assert_eq!(c.did, decision.log.decision_id);
            assert_eq!(c.exp - c.iat, 3600);
            nonces.insert(c.jti);
        }
        assert_eq!(nonces.len(), tokens.len(), "one nonce per offer");
        // The decision as JSON carries them; the same decision signs the same tokens.
        let signed = k.sign_decision(&decision, 3600).unwrap();
        let again: Vec<&str> = signed["offers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["token"].as_str().unwrap())
            .collect();
        assert_eq!(again, tokens.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            code(verify(
                &tokens[0],
                &keys(&[&k]),
                &Expect::new("00042", now + 3_661_000)
            )),
            "token.expired"
        );
        assert_eq!(k.offer_tokens(&decision, 0).unwrap_err().path, "ttl");
        // A decision as JSON from elsewhere (the wasm builds, a log) signs the same; one
        // without what a token needs is refused with the path of what is missing.
        let mut json = serde_json::to_value(&decision).unwrap();
        k.sign_decision_json(&mut json, 3600).unwrap();
        assert_eq!(json, signed);
        for (pointer, path) in [
            ("/customerId", "decision.customerId"),
            ("/log/at", "decision.log.at"),
            ("/offers/1/value", "decision.offers[1].value"),
            ("/offers", "decision.offers"),
        ] {
            let mut broken = serde_json::to_value(&decision).unwrap();
            *broken.pointer_mut(pointer).unwrap() = serde_json::Value::Null;
            let err = k.sign_decision_json(&mut broken, 3600).unwrap_err();
            assert_eq!((err.code, err.path.as_str()), ("token.options", path));
        }
    }
}
