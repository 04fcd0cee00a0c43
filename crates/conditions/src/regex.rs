//! JavaScript regular expressions (as `new RegExp(source, "i"?)` reads them, without the `u`
//! flag) translated for `regex-lite`, which matches in linear time (`O(m × n)`, no
//! backtracking). `regex-lite` is the `regex` crate's small sibling by the same authors: the
//! storefront wasm is 92 KB gzip -9 smaller with it (598,005 -> 506,150 B when it replaced
//! `regex` with `unicode-case`), for slower matching of long patterns, which conditions do not
//! have. Its classes and case folding are ASCII, as JavaScript's are without `u`; the non-ASCII
//! letters JavaScript's `i` flag folds are written out by the translation.
//!
//! The translation keeps JavaScript's meaning where the two syntaxes differ:
//!
//! | JavaScript | means | becomes |
//! |---|---|---|
//! | `.` | any character but `\n \r \u2028 \u2029` | that class |
//! | `\d \w \s` (and `\D \W \S`) | ASCII digits, ASCII word characters, JS white space | explicit classes |
//! | `\b \B` | ASCII word boundary | `\b` / `\B` (ASCII in `regex-lite`) |
//! | `\D \W \S` and the rest inside a class | their characters | ranges of code points (no nested classes) |
//! | a non-ASCII letter under `i` (`$regexi`) | itself and the letters of the same upper case | a class of them |
//! | `\0`, `\xHH`, `\uHHHH`, `\cX`, `\t \n \v \f \r` | the character | `\x{..}` |
//! | `\q` for any other letter `q` (`\A`, `\z`, `\p`, ...) | the letter itself | the letter |
//! | `{` not starting a quantifier `{n}`, `{n,}`, `{n,m}`; a lone `}` or `]` | itself | escaped |
//! | `[]` / `[^]` | nothing / anything | empty class / any character |
//! | `[` `&` `~` inside a class | themselves | escaped (the crate nests classes and has set operators) |
//!
//! Not available in linear time, hence [`RegexIssue::Unsupported`] (error
//! `condition.unsupported_regex`), the one difference from GrowthBook: look-ahead `(?=` `(?!`,
//! look-behind `(?<=` `(?<!`, back-references `\1`..`\9` and `\k<name>`. Refused with them,
//! although JS without named groups or that many groups reads them as characters: a bare `\k`
//! (JS: `k`), `\1`..`\9` as legacy octal escapes, and `\uD800`..`\uDFFF` (a surrogate half,
//! which a character-based matcher cannot match alone). Any other group syntax `(?x` but `(?:`
//! and named groups `(?<name>` is a JS syntax error and so is refused.
//!
//! Matching is by Unicode scalar values where JS uses UTF-16 code units: `.` or `[^a]` match
//! one astral character (JS: one surrogate half), so `^.$` matches `"😀"` here and not in JS.
//! Case-insensitive matching follows JS without `u`: two characters match when their
//! `toUpperCase` is the same single character, except that a non-ASCII character never matches
//! an ASCII one (`ſ` does not match `s`, the Kelvin sign does not match `k`), and astral
//! characters do not fold. For a non-ASCII letter the translation lists its upper case, its
//! lower case and the lower case of its upper case: a letter with a further variant (the final
//! `ς` of `Σ`) is not found from the others. Ranges of 4,096 characters or more in a class fold
//! only their ASCII part.

use regex::{Regex, RegexBuilder};

/// The compiled size limit of one pattern (bytes of `regex-lite`'s program).
pub const REGEX_SIZE_LIMIT: usize = 1 << 18;

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexIssue {
    /// A JS feature with no linear-time implementation (look-around, back-references).
    Unsupported(String),
    /// Not a valid pattern (or too large once compiled).
    Invalid(String),
}

/// JS white space (`\s`), as ranges of code points.
const JS_SPACE: &[(u32, u32)] = &[
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
];
/// JS word characters (`\w`).
const JS_WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];
/// JS digits (`\d`).
const JS_DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
/// Ranges of a class are folded character by character up to this length.
const FOLD_RANGE_LIMIT: u32 = 4096;

/// Compiles a JS pattern source (case-insensitive for `$regexi`).
pub fn compile(source: &str, insensitive: bool) -> Result<Regex, RegexIssue> {
    let translated = translate_with(source, insensitive)?;
    RegexBuilder::new(&translated)
        .case_insensitive(insensitive)
        .size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| RegexIssue::Invalid(first_line(&e.to_string())))
}

/// A class of ranges: `[...]`, or `[^...]` when `negated`.
fn class(ranges: &[(u32, u32)], negated: bool) -> String {
    let mut out = String::from(if negated { "[^" } else { "[" });
    push_ranges(&mut out, ranges);
    out.push(']');
    out
}

/// Ranges written inside a class.
fn push_ranges(out: &mut String, ranges: &[(u32, u32)]) {
    for &(a, b) in ranges {
        push_code(out, a);
        if b != a {
            out.push('-');
            push_code(out, b);
        }
    }
}

/// A code point inside a class: letters and digits as themselves (`regex-lite` under `(?i)`
/// refuses an escaped letter as a range's end), anything else as `\x{..}`.
fn push_code(out: &mut String, c: u32) {
    match char::from_u32(c) {
        Some(ch) if ch.is_ascii_alphanumeric() => out.push(ch),
        _ => out.push_str(&format!("\\x{{{c:X}}}")),
    }
}

/// The complement of sorted, disjoint ranges within all code points.
fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut next = 0u32;
    for &(a, b) in ranges {
        if a > next {
            out.push((next, a - 1));
        }
        next = b + 1;
    }
    if next <= 0x10FFFF {
        out.push((next, 0x10FFFF));
    }
    out
}

/// JS's case canonicalisation without `u` (`Canonicalize` in ECMA-262): the upper case when
/// it is one character and does not take a non-ASCII character to ASCII. Astral characters
/// (two UTF-16 code units in JS) do not fold.
fn canonical(c: char) -> char {
    if u32::from(c) > 0xFFFF {
        return c;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) if u32::from(u) <= 0xFFFF && (c.is_ascii() || !u.is_ascii()) => u,
        _ => c,
    }
}

/// The one-character lower case of `c`, if it has one.
fn lower(c: char) -> Option<char> {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => Some(x),
        _ => None,
    }
}

/// The other characters that match `c` under JS's `i` (see the module docs), for a non-ASCII
/// `c`; ASCII letters fold in `regex-lite` itself.
fn case_variants(c: char) -> Vec<char> {
    if c.is_ascii() {
        return Vec::new();
    }
    let canon = canonical(c);
    let mut out: Vec<char> = [Some(canon), lower(canon), lower(c)]
        .into_iter()
        .flatten()
        .filter(|&x| x != c && !x.is_ascii() && canonical(x) == canon)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A character outside a class, with its case variants under `i`.
fn push_folded(out: &mut String, c: char, insensitive: bool) {
    let variants = if insensitive {
        case_variants(c)
    } else {
        Vec::new()
    };
    if variants.is_empty() {
        push_char(out, c);
        return;
    }
    out.push('[');
    push_char(out, c);
    for v in variants {
        push_char(out, v);
    }
    out.push(']');
}

fn first_line(s: &str) -> String {
    // Error messages may draw the pattern with carets over several lines.
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| l.trim_start().trim_start_matches("error: ").to_string())
        .unwrap_or_else(|| s.lines().next().unwrap_or("").to_string())
}

fn push_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && !c.is_control()) {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    }
}

/// The character of a simple escape `\c` (after the backslash), if it is one in JS.
fn simple_escape(c: char) -> Option<char> {
    Some(match c {
        't' => '\t',
        'n' => '\n',
        'v' => '\u{0B}',
        'f' => '\u{0C}',
        'r' => '\r',
        _ => return None,
    })
}

fn hex_value(chars: &[char]) -> Option<u32> {
    chars
        .iter()
        .try_fold(0u32, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

/// Reads an escape at `chars[i]` (just after a backslash) that denotes one character, shared
/// by classes and the outside: returns the character and the number of chars consumed.
fn char_escape(chars: &[char], i: usize, in_class: bool) -> Result<(char, usize), RegexIssue> {
    let Some(&c) = chars.get(i) else {
        return Err(RegexIssue::Invalid("\\ at end of pattern".into()));
    };
    if let Some(ch) = simple_escape(c) {
        return Ok((ch, 1));
    }
    match c {
        '0' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => Ok(('\0', 1)),
        '1'..='9' if !in_class => Err(RegexIssue::Unsupported(format!(
            "back-reference \\{c} (not available in linear time)"
        ))),
        '0'..='9' => Err(RegexIssue::Unsupported(format!(
            "legacy octal escape \\{c} (not supported)"
        ))),
        'x' => {
            let hex = chars.get(i + 1..i + 3);
            match hex.and_then(hex_value).and_then(char::from_u32) {
                Some(ch) => Ok((ch, 3)),
                None => Ok(('x', 1)),
            }
        }
        'u' => {
            let hex = chars.get(i + 1..i + 5);
            match hex.and_then(hex_value) {
                Some(v) if (0xD800..0xE000).contains(&v) => Err(RegexIssue::Unsupported(
                    "a \\u escape of a surrogate half (matching is by characters)".into(),
                )),
                Some(v) => Ok((char::from_u32(v).unwrap_or('\u{FFFD}'), 5)),
                None => Ok(('u', 1)),
            }
        }
        'c' => match chars.get(i + 1) {
            Some(l) if l.is_ascii_alphabetic() => {
                Ok((char::from_u32(u32::from(*l) % 32).unwrap_or('\0'), 2))
            }
            _ => Ok(('\\', 0)),
        },
        'k' => Err(RegexIssue::Unsupported(
            "named back-reference \\k (not available in linear time)".into(),
        )),
        other => Ok((other, 1)),
    }
}

/// A quantifier `{n}`, `{n,}` or `{n,m}` starting at `chars[i] == '{'`: its length.
fn quantifier_len(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let start = *j;
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > start
    };
    if !digits(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some(j + 1 - i)
}

/// Translates a JS pattern to `regex-lite`'s syntax (see the module docs).
pub fn translate(source: &str) -> Result<String, RegexIssue> {
    translate_with(source, false)
}

/// [`translate`], with the case variants of non-ASCII letters when `insensitive`.
pub fn translate_with(source: &str, insensitive: bool) -> Result<String, RegexIssue> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 16);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let next = chars.get(i + 1).copied();
                let class = match next {
                    Some('b') => Some(r"\b".to_string()),
                    Some('B') => Some(r"\B".to_string()),
                    _ => class_escape(&chars, i).map(|set| class(&set, false)),
                };
                if let Some(class) = class {
                    out.push_str(&class);
                    i += 2;
                } else {
                    let (ch, used) = char_escape(&chars, i + 1, false)?;
                    push_folded(&mut out, ch, insensitive);
                    i += 1 + used;
                }
            }
            '.' => {
                out.push_str(r"[^\n\r\x{2028}\x{2029}]");
                i += 1;
            }
            '[' => i = translate_class(&chars, i, &mut out, insensitive)?,
            '(' => {
                if chars.get(i + 1) == Some(&'?') {
                    match (chars.get(i + 2), chars.get(i + 3)) {
                        (Some(':'), _) => out.push_str("(?:"),
                        (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')) => {
                            return Err(RegexIssue::Unsupported(
                                "look-ahead and look-behind (not available in linear time)".into(),
                            ))
                        }
                        (Some('<'), _) => {
                            // A named group: the crate reads `(?<name>` as JS does.
                            out.push_str("(?<");
                            i += 3;
                            while let Some(&n) = chars.get(i) {
                                i += 1;
                                if n == '>' {
                                    break;
                                }
                                if !(n.is_alphanumeric() || n == '_') {
                                    return Err(RegexIssue::Invalid(format!(
                                        "invalid character {n:?} in a group name"
                                    )));
                                }
                                out.push(n);
                            }
                            out.push('>');
                            continue;
                        }
                        _ => {
                            return Err(RegexIssue::Invalid(
                                "invalid group: `(?` must be followed by `:` or `<name>`".into(),
                            ))
                        }
                    }
                    i += 3;
                } else {
                    out.push('(');
                    i += 1;
                }
            }
            '{' => match quantifier_len(&chars, i) {
                Some(len) => {
                    // A quantifier needs something to repeat (the crate checks that).
                    for q in chars.get(i..i + len).unwrap_or(&[]) {
                        out.push(*q);
                    }
                    i += len;
                }
                None => {
                    out.push_str(r"\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str(r"\}");
                i += 1;
            }
            ']' => {
                out.push_str(r"\]");
                i += 1;
            }
            '^' | '$' | '|' | ')' | '*' | '+' | '?' => {
                out.push(c);
                i += 1;
            }
            other => {
                push_folded(&mut out, other, insensitive);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// One item of a class.
enum Atom {
    Char(char),
    Set(Vec<(u32, u32)>),
}

/// The class escape (`\d`, `\D`, ...) at `chars[i] == '\\'`, if it is one.
fn class_escape(chars: &[char], i: usize) -> Option<Vec<(u32, u32)>> {
    if chars.get(i) != Some(&'\\') {
        return None;
    }
    Some(match chars.get(i + 1)? {
        'd' => JS_DIGIT.to_vec(),
        'D' => complement(JS_DIGIT),
        'w' => JS_WORD.to_vec(),
        'W' => complement(JS_WORD),
        's' => JS_SPACE.to_vec(),
        'S' => complement(JS_SPACE),
        _ => return None,
    })
}

/// The item of a class at `chars[i]` (not `]`) and the index after it.
fn class_atom(chars: &[char], i: usize) -> Result<(Atom, usize), RegexIssue> {
    let Some(&c) = chars.get(i) else {
        return Err(RegexIssue::Invalid("unclosed character class".into()));
    };
    if c != '\\' {
        return Ok((Atom::Char(c), i + 1));
    }
    if let Some(set) = class_escape(chars, i) {
        return Ok((Atom::Set(set), i + 2));
    }
    match chars.get(i + 1) {
        Some('b') => Ok((Atom::Char('\u{8}'), i + 2)),
        Some('-') => Ok((Atom::Char('-'), i + 2)),
        _ => {
            let (ch, used) = char_escape(chars, i + 1, true)?;
            Ok((Atom::Char(ch), i + 1 + used))
        }
    }
}

/// Translates a class starting at `chars[start] == '['`; returns the index after it. The class
/// is written as ranges of code points (`regex-lite` has no nested classes), with the case
/// variants of its non-ASCII letters under `i`.
fn translate_class(
    chars: &[char],
    start: usize,
    out: &mut String,
    insensitive: bool,
) -> Result<usize, RegexIssue> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        // JS: `[]` matches nothing (a position both at and not at a word boundary), `[^]` any
        // character.
        out.push_str(if negated {
            r"[\x{0}-\x{10FFFF}]"
        } else {
            r"(?:\b\B)"
        });
        return Ok(i + 1);
    }
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    // The last item, when it was a single character a following `-` can make a range from.
    let mut last_char: Option<char> = None;
    loop {
        match chars.get(i) {
            None => return Err(RegexIssue::Invalid("unclosed character class".into())),
            Some(']') => {
                i += 1;
                break;
            }
            Some('-')
                if last_char.is_some()
                    && chars.get(i + 1).is_some_and(|&n| n != ']')
                    && class_escape(chars, i + 1).is_none() =>
            {
                // A range between two single characters.
                let from = last_char.take().map_or(0, u32::from);
                let (atom, next) = class_atom(chars, i + 1)?;
                let Atom::Char(to) = atom else {
                    return Err(RegexIssue::Invalid("invalid range in a class".into()));
                };
                let to = u32::from(to);
                if to < from {
                    return Err(RegexIssue::Invalid(
                        "range out of order in character class".into(),
                    ));
                }
                ranges.pop();
                ranges.push((from, to));
                i = next;
            }
            Some(_) => {
                let (atom, next) = class_atom(chars, i)?;
                match atom {
                    Atom::Char(c) => {
                        ranges.push((u32::from(c), u32::from(c)));
                        last_char = Some(c);
                    }
                    Atom::Set(set) => {
                        ranges.extend(set);
                        last_char = None;
                    }
                }
                i = next;
            }
        }
    }
    if insensitive {
        let mut extra = Vec::new();
        for &(a, b) in &ranges {
            if b - a >= FOLD_RANGE_LIMIT || b < 0x80 {
                continue;
            }
            for c in (a.max(0x80)..=b).filter_map(char::from_u32) {
                extra.extend(
                    case_variants(c)
                        .into_iter()
                        .map(|v| (u32::from(v), u32::from(v))),
                );
            }
        }
        ranges.extend(extra);
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    out.push_str(&class(&merged, negated));
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        compile(p, false).unwrap().is_match(s)
    }

    #[test]
    fn js_meanings() {
        assert!(m(r"^\d+$", "123"));
        assert!(!m(r"^\d+$", "١٢٣"));
        assert!(m(r"^a{$", "a{"));
        assert!(m(r"^\A$", "A"));
        assert!(!m("^.$", "\n"));
        assert!(m(r"[\w-]", "-"));
        assert!(!m("[]", "a"));
        assert!(m("[^]", "\n"));
        assert!(m(r"^[[]$", "["));
        assert!(m(r"^\x41\u0042$", "AB"));
        assert!(m(r"\bcat\b", "a cat!"));
        assert!(m(r"a/b", "a/b"));
        assert!(m(r"a\/b", "a/b"));
        assert!(m(r"(?<word>Jazz)", "Jazz"));
    }

    #[test]
    fn case_insensitive_as_js_without_u() {
        let mi = |p: &str, s: &str| compile(p, true).unwrap().is_match(s);
        assert!(mi("^café$", "CAFÉ"));
        assert!(mi("^CAFÉ$", "café"));
        assert!(mi("^[à-ÿ]+$", "ÀÉÎ"));
        assert!(mi("^[^é]$", "x"));
        assert!(!mi("^[^é]$", "É"));
        assert!(mi("^σ$", "Σ"));
        assert!(mi("^jazz$", "JAZZ"));
        // JS: a non-ASCII character never matches an ASCII one.
        assert!(!mi("^s$", "ſ"));
        assert!(!mi("^k$", "\u{212A}"));
        assert!(!m("^é$", "É"));
        assert!(m(r"^[\D]$", "x"));
        assert!(!m(r"^[\D]$", "7"));
        assert!(m(r"^[\S\d]+$", "a1"));
        assert!(!m(r"^[\W]$", "a"));
        assert!(matches!(
            compile("[z-a]", false),
            Err(RegexIssue::Invalid(_))
        ));
    }

    #[test]
    fn unsupported_and_invalid() {
        assert!(matches!(
            compile("a(?=b)", false),
            Err(RegexIssue::Unsupported(_))
        ));
        assert!(matches!(
            compile(r"(a)\1", false),
            Err(RegexIssue::Unsupported(_))
        ));
        assert!(matches!(compile("(", false), Err(RegexIssue::Invalid(_))));
        assert!(matches!(compile("*a", false), Err(RegexIssue::Invalid(_))));
        assert!(matches!(
            compile("(?i)a", false),
            Err(RegexIssue::Invalid(_))
        ));
    }
}
