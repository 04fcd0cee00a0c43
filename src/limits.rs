//! The engine's limits: what any one call reads at most.
//!
//! A page, a worker or an attacker can send anything; these bounds keep every call's memory
//! and time proportional to what a real shop sends, and turn anything larger into one typed
//! error, code `limit.exceeded`, with the path of the part that is too big, before the
//! engine spends time or memory on it: never an out-of-memory, a stack overflow or a hang.
//!
//! | what | limit | path of the error |
//! |---|---|---|
//! | JSON nesting, any document | [`MAX_DEPTH`] levels | where level 128 starts |
//! | a model document | [`MAX_MODEL_BYTES`] | `""` |
//! | any other document (customer, programme, policy, options, condition, ...) | [`MAX_DOCUMENT_BYTES`] | `""` |
//! | a data job's input in the data build (unit rows, `engine.effectiveness` input) | none ([`max_bytes`]) | |
//! | orders per customer (a decision's `orders`, a loyalty evaluation's `history`) | [`MAX_ORDERS`] | `orders` / `history` |
//! | offer events per customer | [`MAX_OFFER_EVENTS`] | `offerHistory` |
//! | opening lots + operations per loyalty account | [`MAX_ACCOUNT_ENTRIES`] | `account.points` / `account.operations` |
//! | offers per programme | [`MAX_OFFERS`] | `offers` |
//! | segments per model | [`MAX_SEGMENTS`] | `segments` |
//! | variations of GrowthBook's `getEqualWeights(n)` and `getBucketRanges(n, ...)` (wasm) | [`MAX_VARIATIONS`] | `n` / `numVariations` |
//! | condition: nesting, values, `$regex` pattern | 32 levels, 10,000 values, 4,096 bytes ([`offerwise_conditions::MAX_DEPTH`], [`offerwise_conditions::MAX_NODES`], [`offerwise_conditions::MAX_REGEX_BYTES`]) | the value over the limit |
//!
//! The limits are far above what a shop sends (the embedded default model is 6 KB, the
//! default programme 9 KB, a customer with 1,000 orders about 70 KB) and low enough that a
//! call at a limit stays within milliseconds: the README's "Security" section has the figures.

/// JSON nesting levels (arrays and objects) in any document: serde_json's recursion limit,
/// which stops reading at the 128th level before going any deeper, so a 100,000-level
/// document costs a pass over its first bytes, never the stack.
pub const MAX_DEPTH: usize = 127;

/// Bytes of a customer, programme, policy or other JSON document (16 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;

/// Bytes of a model document (1 MiB; the trained default is 6 KB).
pub const MAX_MODEL_BYTES: usize = 1 << 20;

/// Orders in one customer's history.
pub const MAX_ORDERS: usize = 100_000;

/// Events in one customer's offer history (`offerHistory`).
pub const MAX_OFFER_EVENTS: usize = 100_000;

/// Opening lots plus operations in one loyalty account.
pub const MAX_ACCOUNT_ENTRIES: usize = 100_000;

/// Offers in one programme.
pub const MAX_OFFERS: usize = 1_000;

/// Segments in one model.
pub const MAX_SEGMENTS: usize = 1_000;

/// Variations of GrowthBook's helpers `getEqualWeights(n)` and `getBucketRanges(n, ...)`: the
/// result has `n` entries, made from an argument of a few bytes (a million took 0.3 s in
/// wasm); an experiment has a handful.
pub const MAX_VARIATIONS: usize = 10_000;

/// The most bytes of JSON text read for a document: [`MAX_MODEL_BYTES`] for a model,
/// nothing for an experiment's unit rows and a data job's input (a data job's files, read in
/// the data build only, as large as its machine's memory: the input of `engine.effectiveness`
/// for the simulated programme of `pkg-tests/programme.test.mjs` is 28 MB),
/// [`MAX_DOCUMENT_BYTES`] for the others.
pub const fn max_bytes(doc: crate::error::Doc) -> usize {
    match doc {
        crate::error::Doc::Model => MAX_MODEL_BYTES,
        crate::error::Doc::Units | crate::error::Doc::DataInput => usize::MAX,
        _ => MAX_DOCUMENT_BYTES,
    }
}

/// Refuses a document longer than [`max_bytes`] allows.
pub fn check_size(doc: crate::error::Doc, bytes: usize) -> Result<(), crate::error::Error> {
    let max = max_bytes(doc);
    if bytes > max {
        return Err(crate::error::Error::limit(
            doc,
            "",
            format!(
                "the {doc} is {} bytes of JSON: at most {} are read (see the README's limits)",
                thousands(bytes),
                thousands(max)
            ),
        ));
    }
    Ok(())
}

/// The error of a JS object whose JSON text is longer than a JS string can be (hundreds of
/// megabytes: far over [`max_bytes`]).
pub fn too_long_for_js(doc: crate::error::Doc, path: String) -> crate::error::Error {
    let message = match max_bytes(doc) {
        usize::MAX => format!(
            "the {doc} object is longer as JSON than a JavaScript string can be: pass it in parts"
        ),
        max => format!(
            "the {doc} object is longer as JSON than a JavaScript string can be: at most {} bytes are read (see the README's limits)",
            thousands(max)
        ),
    };
    crate::error::Error::limit(doc, path, message)
}

/// serde_json's error for a document nested deeper than [`MAX_DEPTH`].
pub(crate) fn is_too_deep(e: &serde_json::Error) -> bool {
    e.is_syntax() && e.to_string().starts_with("recursion limit exceeded")
}

/// The error of a document nested deeper than [`MAX_DEPTH`], at `path`.
pub(crate) fn too_deep(doc: crate::error::Doc, path: String) -> crate::error::Error {
    crate::error::Error::limit(
        doc,
        path,
        format!("the {doc} is nested more than {MAX_DEPTH} levels deep"),
    )
}

/// The stable code of every limit error.
pub const CODE: &str = "limit.exceeded";

/// The message of a collection over its limit: `"100,001 orders: at most 100,000 are read"`.
pub fn too_many(count: usize, what: &str, limit: usize) -> String {
    format!(
        "{} {what}: at most {} are read (see the README's limits)",
        thousands(count),
        thousands(limit)
    )
}

/// `100000` -> `100,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100_001), "100,001");
        assert_eq!(thousands(16_777_216), "16,777,216");
        assert_eq!(
            too_many(100_001, "orders", MAX_ORDERS),
            "100,001 orders: at most 100,000 are read (see the README's limits)"
        );
    }
}
