//! A caller's text inside an error message or path, bounded.
//!
//! Errors name what they are about: `no experiment "chekout"`, `unknown field `colour``,
//! `attributes.country`. The text named comes from the caller, and nothing bounds it but the
//! document's size: a 16 MB experiment key would make a 16 MB message (and spend most of the
//! error's time quoting it). Text up to [`WHOLE`] characters is shown whole, as before; longer
//! text shows its first [`SHOWN`] characters and its length in bytes:
//! `no experiment "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… (1048576 bytes)`, and in a path
//! `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (1048576 bytes)`.

use std::borrow::Cow;
use std::fmt;

/// Text of at most this many characters is shown whole.
pub const WHOLE: usize = 64;
/// Longer text shows this many characters first.
pub const SHOWN: usize = 32;

/// The first [`SHOWN`] characters and the length in bytes of text over [`WHOLE`] characters;
/// `None` for text shown whole.
#[inline(never)]
pub fn cut(text: &str) -> Option<(&str, usize)> {
    // Text of ≤ WHOLE bytes has ≤ WHOLE characters: the common case costs one comparison.
    if text.len() <= WHOLE {
        return None;
    }
    // Where each character starts: at every byte that does not continue a UTF-8 sequence.
    let mut ends = text
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b & 0xC0 != 0x80)
        .map(|(i, _)| i);
    let head_end = ends.nth(SHOWN)?;
    // `ends` is now past the SHOWN+1st character; text with a (WHOLE+1)th one is long.
    ends.nth(WHOLE - SHOWN - 1)?;
    Some((text.get(..head_end)?, text.len()))
}

/// A caller's text quoted as `{:?}` quotes it (`"check\"out"`), bounded: see the module.
/// `Display` and `Debug` write the same, so either placeholder can quote it.
#[derive(Clone, Copy)]
pub struct Quoted<'a>(&'a str);

/// `text` quoted for a message: `format!("no experiment {:?}", quoted(key))`.
pub fn quoted(text: &str) -> Quoted<'_> {
    Quoted(text)
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match cut(self.0) {
            None => write!(f, "{:?}", self.0),
            Some((head, bytes)) => write!(f, "{head:?}… ({bytes} bytes)"),
        }
    }
}

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An object's key as a path names it: whole up to [`WHOLE`] characters, else
/// `first characters… (N bytes)`.
pub fn key(key: &str) -> Cow<'_, str> {
    match cut(key) {
        None => Cow::Borrowed(key),
        Some((head, bytes)) => Cow::Owned(format!("{head}… ({bytes} bytes)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_whole_as_debug_quotes_it() {
        for text in [
            "",
            "checkout",
            "say \"hi\"\n",
            "é".repeat(WHOLE).as_str(),
            "x".repeat(WHOLE).as_str(),
        ] {
            assert_eq!(quoted(text).to_string(), format!("{text:?}"));
            assert_eq!(format!("{:?}", quoted(text)), format!("{text:?}"));
            assert_eq!(key(text), text);
        }
    }

    #[test]
    fn long_text_shows_its_start_and_length() {
        let long = "x".repeat(16 << 20);
        let q = quoted(&long).to_string();
        assert_eq!(q, format!("\"{}\"… (16777216 bytes)", "x".repeat(SHOWN)));
        // Characters, not bytes: a multi-byte text is never cut inside a character.
        let wide = "日本".repeat(WHOLE);
        assert_eq!(
            quoted(&wide).to_string(),
            format!("\"{}\"… ({} bytes)", "日本".repeat(SHOWN / 2), wide.len())
        );
        // WHOLE + 1 characters are long; WHOLE are not.
        let over = "é".repeat(WHOLE + 1);
        assert!(quoted(&over)
            .to_string()
            .ends_with(&format!("… ({} bytes)", over.len())));
        assert_eq!(
            key(&long),
            format!("{}… (16777216 bytes)", "x".repeat(SHOWN))
        );
    }
}
