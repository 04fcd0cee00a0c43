//! JavaScript regular expressions (as `new RegExp(source, "i"?)` reads them, without the `u`
//! flag) translated for the `regex` crate, which matches in linear time.
//!
//! The translation keeps JavaScript's meaning where the two syntaxes differ:
//!
//! | JavaScript | means | becomes |
//! |---|---|---|
//! | `.` | any character but `\n \r \u2028 \u2029` | that class |
//! | `\d \w \s` (and `\D \W \S`) | ASCII digits, ASCII word characters, JS white space | explicit classes |
//! | `\b \B` | ASCII word boundary | `(?-u:\b)` / `(?-u:\B)` |
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
//! Case-insensitive matching uses Unicode simple case folding (`(?i)`), where JS without `u`
//! maps through `toUpperCase`: they differ only for a few characters (`ſ` matches `s` and
//! `K` (Kelvin sign) matches `k` here, not in JS).

use regex::{Regex, RegexBuilder};

/// The compiled size limit of one pattern (bytes of the regex crate's program).
pub const REGEX_SIZE_LIMIT: usize = 1 << 18;
/// The lazy DFA's cache limit of one pattern.
pub const REGEX_DFA_SIZE_LIMIT: usize = 1 << 18;

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexIssue {
    /// A JS feature with no linear-time implementation (look-around, back-references).
    Unsupported(String),
    /// Not a valid pattern (or too large once compiled).
    Invalid(String),
}

const JS_SPACE: &str =
    r"\t\n\x0B\x0C\r \xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
const JS_WORD: &str = "0-9A-Za-z_";

/// Compiles a JS pattern source (case-insensitive for `$regexi`).
pub fn compile(source: &str, insensitive: bool) -> Result<Regex, RegexIssue> {
    let translated = translate(source)?;
    RegexBuilder::new(&translated)
        .case_insensitive(insensitive)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => RegexIssue::Invalid(format!(
                "the pattern is too large once compiled (limit {limit} bytes)"
            )),
            other => RegexIssue::Invalid(first_line(&other.to_string())),
        })
}

fn first_line(s: &str) -> String {
    // The regex crate's messages draw the pattern with carets over several lines.
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

/// Translates a JS pattern to the regex crate's syntax (see the module docs).
pub fn translate(source: &str) -> Result<String, RegexIssue> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 16);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let next = chars.get(i + 1).copied();
                let class = match next {
                    Some('d') => Some("[0-9]".to_string()),
                    Some('D') => Some("[^0-9]".to_string()),
                    Some('w') => Some(format!("[{JS_WORD}]")),
                    Some('W') => Some(format!("[^{JS_WORD}]")),
                    Some('s') => Some(format!("[{JS_SPACE}]")),
                    Some('S') => Some(format!("[^{JS_SPACE}]")),
                    Some('b') => Some(r"(?-u:\b)".to_string()),
                    Some('B') => Some(r"(?-u:\B)".to_string()),
                    _ => None,
                };
                if let Some(class) = class {
                    out.push_str(&class);
                    i += 2;
                } else {
                    let (ch, used) = char_escape(&chars, i + 1, false)?;
                    push_char(&mut out, ch);
                    i += 1 + used;
                }
            }
            '.' => {
                out.push_str(r"[^\n\r\x{2028}\x{2029}]");
                i += 1;
            }
            '[' => i = translate_class(&chars, i, &mut out)?,
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
                push_char(&mut out, other);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Translates a class starting at `chars[start] == '['`; returns the index after it.
fn translate_class(chars: &[char], start: usize, out: &mut String) -> Result<usize, RegexIssue> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        // JS: `[]` matches nothing, `[^]` any character.
        out.push_str(if negated {
            r"[\x00-\x{10FFFF}]"
        } else {
            r"[^\x00-\x{10FFFF}]"
        });
        return Ok(i + 1);
    }
    out.push('[');
    if negated {
        out.push('^');
    }
    // Whether the previous item was a class escape (`\d`...): a `-` after it is literal in JS.
    let mut after_class_escape = false;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(RegexIssue::Invalid("unclosed character class".into()));
        };
        let was_class_escape = after_class_escape;
        after_class_escape = false;
        match c {
            ']' => {
                out.push(']');
                return Ok(i + 1);
            }
            '\\' => {
                let nested = match chars.get(i + 1) {
                    Some('d') => Some("0-9".to_string()),
                    Some('D') => Some("[^0-9]".to_string()),
                    Some('w') => Some(JS_WORD.to_string()),
                    Some('W') => Some(format!("[^{JS_WORD}]")),
                    Some('s') => Some(JS_SPACE.to_string()),
                    Some('S') => Some(format!("[^{JS_SPACE}]")),
                    _ => None,
                };
                if let Some(nested) = nested {
                    out.push_str(&nested);
                    after_class_escape = true;
                    i += 2;
                } else if chars.get(i + 1) == Some(&'b') {
                    push_char(out, '\u{8}');
                    i += 2;
                } else if chars.get(i + 1) == Some(&'-') {
                    out.push_str(r"\-");
                    i += 2;
                } else {
                    let (ch, used) = char_escape(chars, i + 1, true)?;
                    push_char(out, ch);
                    i += 1 + used;
                }
            }
            '-' if was_class_escape || chars.get(i + 1) == Some(&']') => {
                out.push_str(r"\-");
                i += 1;
            }
            '-' => {
                // A range only between two single characters: after `[` or before a class
                // escape it is literal.
                let at_start = out.ends_with('[') || out.ends_with("[^");
                let before_class_escape = chars.get(i + 1) == Some(&'\\')
                    && chars
                        .get(i + 2)
                        .is_some_and(|e| matches!(e, 'd' | 'D' | 'w' | 'W' | 's' | 'S'));
                if at_start || before_class_escape {
                    out.push_str(r"\-");
                } else {
                    out.push('-');
                }
                i += 1;
            }
            other => {
                push_char(out, other);
                i += 1;
            }
        }
    }
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
