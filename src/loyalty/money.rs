//! Exact numbers: points, money and rates as integers.
//!
//! * **Points** are whole points in an `i64`. Every earn computes an exact rational number of
//!   points and rounds it once per order and component with the programme's
//!   [`Rounding`] rule; the ledger only ever adds and subtracts whole points.
//! * **Money** is an `i64` count of minor units (cents, kopecks) of the programme's currency,
//!   `minorUnitDigits` decimals (default 2).
//! * **Rates** (points per unit, multipliers, percentages, the point value) are [`Decimal`]s:
//!   an `i64` count of millionths, read from the JSON number and rejected if it has more than six
//!   decimals.
//!
//! Amounts arrive as JSON numbers (`f64`). They are turned into integers in one place,
//! [`parse_fixed`]: the number's shortest decimal text (what the author wrote, for any number a
//! JSON writer produced from a decimal) is rounded **half away from zero** to the wanted number
//! of decimals, so `1.005` with 2 decimals is 101 minor units, not the 100 a binary
//! `1.005 * 100` would give. Money computed from percentages (discounts, donations) is rounded
//! half up to the minor unit; points with the programme's [`Rounding`].
//!
//! Every input amount must be at most [`MAX_AMOUNT`] (10^15) in absolute value and every sum or
//! product is checked: leaving the `i64` range is a `loyalty.overflow` error, never a wrap or a
//! panic.

use super::error::LoyaltyError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The largest amount accepted in any input: 10^15 points or minor units.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// Millionths in one.
pub const MICRO: i64 = 1_000_000;

/// `10^d` for `d ≤ 6`.
pub fn pow10(d: u32) -> i64 {
    match d {
        0 => 1,
        1 => 10,
        2 => 100,
        3 => 1_000,
        4 => 10_000,
        5 => 100_000,
        _ => 1_000_000,
    }
}

/// Rounds `x` to `digits` decimals (half away from zero) from its shortest decimal text, as an
/// integer count of `10^-digits`. Returns the value and whether the rounding was exact.
/// Errors on non-finite numbers and on numbers beyond [`MAX_AMOUNT`] units of the result.
pub fn parse_fixed(x: f64, digits: u32) -> Result<(i64, bool), String> {
    if !x.is_finite() {
        return Err("must be a finite number".into());
    }
    // 10^15 keeps the scaled value within i64 for up to 6 digits (10^21 would not) — the check
    // on the scaled value below is the real bound.
    if x.abs() > 1e15 {
        return Err(format!("{x} is beyond the supported range (±10^15)"));
    }
    let text = format!("{}", x.abs());
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let mut value: i64 = 0;
    for c in int_part.bytes() {
        if !c.is_ascii_digit() {
            return Err(format!("{x} is not a plain decimal number"));
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(c - b'0')))
            .ok_or_else(|| format!("{x} is beyond the supported range"))?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..digits as usize {
        let d = frac.get(i).copied().unwrap_or(b'0');
        if !d.is_ascii_digit() {
            return Err(format!("{x} is not a plain decimal number"));
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d - b'0')))
            .ok_or_else(|| format!("{x} is beyond the supported range"))?;
    }
    let rest = frac.get(digits as usize..).unwrap_or(&[]);
    let exact = rest.iter().all(|&c| c == b'0');
    if rest.first().is_some_and(|&c| c >= b'5') {
        value = value
            .checked_add(1)
            .ok_or_else(|| format!("{x} is beyond the supported range"))?;
    }
    if value > MAX_AMOUNT.saturating_mul(pow10(digits)) {
        return Err(format!("{x} is beyond the supported range"));
    }
    Ok((if x < 0.0 { -value } else { value }, exact))
}

/// Converts a money amount in currency units to minor units (see the module docs).
pub fn money_to_minor(x: f64, digits: u32) -> Result<i64, String> {
    // Fast path, the same result without the text: below 10^12 minor units the product is
    // within 2.3e-4 of the shortest decimal's own product, so away from a half (where the
    // text decides) both round to the same integer. (Money is formatted for every offer
    // explained in a decision: the text path was 7 % of a page view.)
    if x.is_finite() && digits <= 6 {
        let y = x.abs() * pow10(digits) as f64;
        let r = y.round();
        if y < 1e12 && (y - r).abs() < 0.499 {
            let v = r as i64;
            return Ok(if x < 0.0 { -v } else { v });
        }
    }
    let (v, _) = parse_fixed(x, digits)?;
    if v.abs() > MAX_AMOUNT {
        return Err(format!(
            "{x} is beyond the supported range (10^15 minor units)"
        ));
    }
    Ok(v)
}

/// Minor units as a number of currency units, for JSON output. Exact for every amount up to
/// 2^53 minor units (the nearest `f64` of the decimal, printed as that decimal).
pub fn minor_to_units(minor: i64, digits: u32) -> f64 {
    minor as f64 / pow10(digits) as f64
}

/// How a fractional number of points becomes whole points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Rounding {
    /// Down (the default): 12.9 → 12.
    #[default]
    Floor,
    /// To the nearest, halves up: 12.5 → 13, 12.49 → 12.
    Round,
    /// Up: 12.1 → 13.
    Ceil,
}

impl Rounding {
    /// Rounds `num / den` (`den > 0`) to an integer.
    pub fn div(self, num: i128, den: i128) -> Option<i128> {
        if den <= 0 {
            return None;
        }
        let q = num.div_euclid(den);
        let r = num.rem_euclid(den);
        match self {
            Rounding::Floor => Some(q),
            Rounding::Ceil => {
                if r == 0 {
                    Some(q)
                } else {
                    q.checked_add(1)
                }
            }
            Rounding::Round => {
                if r.checked_mul(2)? >= den {
                    q.checked_add(1)
                } else {
                    Some(q)
                }
            }
        }
    }
}

/// The largest computed amount, in points or minor units: [`crate::json::MAX_EXACT_INTEGER`].
/// A result beyond it (10^13 spent at 65,536 points per unit) is a `loyalty.overflow` error
/// here, the same natively and in wasm, instead of a number JavaScript cannot hold.
pub const MAX_EXACT: i64 = crate::json::MAX_EXACT_INTEGER as i64;

/// `v` when it is within ±[`MAX_EXACT`], else an overflow error naming `what`.
fn exact(v: Option<i64>, what: &str) -> Result<i64, LoyaltyError> {
    v.filter(|v| v.unsigned_abs() <= MAX_EXACT as u64)
        .ok_or_else(|| {
            LoyaltyError::overflow(format!(
                "{what} is beyond the supported range (±2^53 − 1, the integers a JSON number holds exactly)"
            ))
        })
}

/// An `i128` result back to an `i64` amount, or an overflow error naming `what`.
pub fn to_i64(x: Option<i128>, what: &str) -> Result<i64, LoyaltyError> {
    exact(x.and_then(|v| i64::try_from(v).ok()), what)
}

/// Checked `a + b` with an overflow error naming `what`.
pub fn add(a: i64, b: i64, what: &str) -> Result<i64, LoyaltyError> {
    exact(a.checked_add(b), what)
}

/// Checked `a - b` with an overflow error naming `what`.
pub fn sub(a: i64, b: i64, what: &str) -> Result<i64, LoyaltyError> {
    exact(a.checked_sub(b), what)
}

/// A decimal number with at most six decimals, stored as millionths: `1.5` is `Decimal(1_500_000)`.
/// In JSON it is a plain number; more than six decimals, or more than 10^9 in absolute value, is
/// an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(pub i64);

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);
    /// One.
    pub const ONE: Decimal = Decimal(MICRO);
    /// One hundred.
    pub const HUNDRED: Decimal = Decimal(100 * MICRO);

    /// The decimal of a whole number.
    pub const fn whole(n: i64) -> Decimal {
        Decimal(n * MICRO)
    }

    /// Reads a JSON number.
    pub fn from_f64(x: f64) -> Result<Decimal, String> {
        if !x.is_finite() || x.abs() > 1e9 {
            return Err(format!("{x} is not a number between -10^9 and 10^9"));
        }
        match parse_fixed(x, 6)? {
            (v, true) => Ok(Decimal(v)),
            (_, false) => Err(format!("{x} has more than six decimals")),
        }
    }

    /// As an `f64` (for output and messages only).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / MICRO as f64
    }

    /// The millionths as an `i128`.
    pub fn micros(self) -> i128 {
        i128::from(self.0)
    }

    /// The exact number of minor units (`digits` decimals), if the value has no more decimals.
    pub fn to_minor(self, digits: u32) -> Option<i64> {
        let unit = MICRO / pow10(digits);
        (self.0 % unit == 0).then_some(self.0 / unit)
    }

    /// The exact whole number, if the value is one.
    pub fn to_whole(self) -> Option<i64> {
        (self.0 % MICRO == 0).then_some(self.0 / MICRO)
    }

    /// The product, rounded half up to six decimals; `None` beyond ±10^12.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let p = self.micros().checked_mul(other.micros())?;
        let r = Rounding::Round.div(p, i128::from(MICRO))?;
        let v = i64::try_from(r).ok()?;
        (v.abs() <= 1_000_000_000_000 * MICRO).then_some(Decimal(v))
    }

    /// Whether the value is strictly positive.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (int, frac) = (a / MICRO.unsigned_abs(), a % MICRO.unsigned_abs());
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            let s = format!("{frac:06}");
            write!(f, "{sign}{int}.{}", s.trim_end_matches('0'))
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.to_whole() {
            Some(w) => s.serialize_i64(w),
            None => s.serialize_f64(self.to_f64()),
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = f64::deserialize(d)?;
        Decimal::from_f64(x).map_err(serde::de::Error::custom)
    }
}

/// How money is written in messages: `$1,234.50` with a symbol, `1,234.50 RUB` with a code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoneyFormat {
    /// ISO currency code, written after the amount when there is no symbol.
    #[serde(default)]
    pub code: String,
    /// Symbol written before the amount (`"$"`), if any.
    #[serde(default)]
    pub symbol: Option<String>,
}

impl MoneyFormat {
    /// Formats minor units with `digits` decimals.
    pub fn format(&self, minor: i64, digits: u32) -> String {
        let n = fmt_fixed(minor, digits);
        match &self.symbol {
            Some(s) => format!("{s}{n}"),
            None if self.code.is_empty() => n,
            None => format!("{n} {}", self.code),
        }
    }
}

/// Formats an integer count of `10^-digits` with thousands separators: `123450, 2` → `1,234.50`.
pub fn fmt_fixed(value: i64, digits: u32) -> String {
    let a = value.unsigned_abs();
    let unit = pow10(digits).unsigned_abs();
    let (int, frac) = (a / unit, a % unit);
    // Digit by digit, without `format!`: a decision formats a dozen amounts.
    let mut out = String::with_capacity(28 + digits as usize);
    if value < 0 {
        out.push('-');
    }
    let mut buf = [0u8; 20];
    let n = decimal_digits(int, &mut buf);
    for (i, &b) in buf[buf.len() - n..].iter().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(b));
    }
    if digits > 0 {
        out.push('.');
        let n = decimal_digits(frac, &mut buf);
        for _ in n..digits as usize {
            out.push('0');
        }
        for &b in &buf[buf.len() - n..] {
            out.push(char::from(b));
        }
    }
    out
}

/// Writes `n`'s decimal digits at the end of `buf`; returns how many (at least one).
fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return buf.len() - i;
        }
    }
}

/// Formats whole points with thousands separators: `1,234`.
pub fn fmt_points(points: i64) -> String {
    fmt_fixed(points, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fmt_fixed` as it was written with `format!`, the reference for the digit-by-digit one.
    fn fmt_fixed_reference(value: i64, digits: u32) -> String {
        let sign = if value < 0 { "-" } else { "" };
        let a = value.unsigned_abs();
        let unit = pow10(digits).unsigned_abs();
        let (int, frac) = (a / unit, a % unit);
        let s = int.to_string();
        let mut grouped = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if digits == 0 {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}.{frac:0w$}", w = digits as usize)
        }
    }

    #[test]
    fn fmt_fixed_equals_the_format_reference() {
        let mut values = vec![
            0,
            1,
            -1,
            9,
            10,
            999,
            1000,
            -1000,
            123_450,
            i64::MAX,
            i64::MIN,
        ];
        let mut x: i64 = 1;
        for _ in 0..400 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            values.push(x >> (x.rem_euclid(60) as u32));
        }
        for v in values {
            for digits in 0..8 {
                assert_eq!(
                    fmt_fixed(v, digits),
                    fmt_fixed_reference(v, digits),
                    "{v} {digits}"
                );
            }
        }
        assert_eq!(fmt_fixed(123_450, 2), "1,234.50");
        assert_eq!(fmt_fixed(-5, 3), "-0.005");
    }

    #[test]
    fn money_to_minor_fast_path_rounds_as_the_text_does() {
        // Every cent amount, halves, and values one ulp either side of a half.
        let mut xs = Vec::new();
        for k in 0..200_000i64 {
            let c = k as f64 / 100.0;
            xs.extend([
                c,
                c + 0.005,
                c - 0.005,
                -c,
                c * 1e4 + 0.125,
                c / 7.0,
                c * 1.1,
            ]);
            let h = c + 0.005;
            xs.extend([
                f64::from_bits(h.to_bits() + 1),
                f64::from_bits(h.to_bits() - 1),
            ]);
        }
        for x in xs {
            for digits in [0, 2, 3] {
                let (slow, _) = parse_fixed(x, digits).unwrap_or((i64::MIN, false));
                let fast = money_to_minor(x, digits).unwrap_or(i64::MIN);
                assert_eq!(fast, slow, "{x} at {digits} digits");
            }
        }
    }

    #[test]
    fn money_rounds_the_written_decimal_half_away_from_zero() {
        assert_eq!(money_to_minor(1.005, 2), Ok(101));
        assert_eq!(money_to_minor(1.004, 2), Ok(100));
        assert_eq!(money_to_minor(54.9, 2), Ok(5490));
        assert_eq!(money_to_minor(0.1 + 0.2, 2), Ok(30));
        assert_eq!(money_to_minor(-2.5, 0), Ok(-3));
        assert_eq!(money_to_minor(1999.99, 0), Ok(2000));
        assert_eq!(money_to_minor(1e13, 2), Ok(1_000_000_000_000_000));
        assert!(money_to_minor(1e13 + 1.0, 2).is_err());
        assert!(money_to_minor(f64::NAN, 2).is_err());
        assert!(money_to_minor(f64::INFINITY, 2).is_err());
        assert!(money_to_minor(1e300, 2).is_err());
        assert_eq!(money_to_minor(1e-300, 2), Ok(0));
    }

    #[test]
    fn decimals_are_exact_to_six_places() {
        assert_eq!(Decimal::from_f64(0.1), Ok(Decimal(100_000)));
        assert_eq!(Decimal::from_f64(1.5), Ok(Decimal(1_500_000)));
        assert_eq!(Decimal::from_f64(0.000001), Ok(Decimal(1)));
        assert!(Decimal::from_f64(0.0000001).is_err());
        assert!(Decimal::from_f64(1e10).is_err());
        assert_eq!(Decimal(1_500_000).to_string(), "1.5");
        assert_eq!(Decimal(-2_000_000).to_string(), "-2");
        assert_eq!(Decimal(1_250_000).to_minor(2), Some(125));
        assert_eq!(Decimal(1_255_000).to_minor(2), None);
        assert_eq!(
            Decimal(1_500_000).checked_mul(Decimal(2_000_000)),
            Some(Decimal(3_000_000))
        );
        assert_eq!(
            Decimal(1_333_333).checked_mul(Decimal(1_500_000)),
            Some(Decimal(2_000_000))
        );
        let v: Decimal = serde_json::from_str("2.25").unwrap_or_default();
        assert_eq!(v, Decimal(2_250_000));
        assert_eq!(
            serde_json::to_string(&Decimal(2_000_000)).ok(),
            Some("2".into())
        );
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(Rounding::Floor.div(129, 10), Some(12));
        assert_eq!(Rounding::Ceil.div(121, 10), Some(13));
        assert_eq!(Rounding::Ceil.div(120, 10), Some(12));
        assert_eq!(Rounding::Round.div(125, 10), Some(13));
        assert_eq!(Rounding::Round.div(124, 10), Some(12));
        assert_eq!(Rounding::Floor.div(-1, 10), Some(-1));
        assert_eq!(Rounding::Floor.div(1, 0), None);
    }

    #[test]
    fn formats() {
        let usd = MoneyFormat {
            code: "USD".into(),
            symbol: Some("$".into()),
        };
        assert_eq!(usd.format(123_450, 2), "$1,234.50");
        let rub = MoneyFormat {
            code: "RUB".into(),
            symbol: None,
        };
        assert_eq!(rub.format(5, 2), "0.05 RUB");
        assert_eq!(rub.format(1_000_000, 0), "1,000,000 RUB");
        assert_eq!(fmt_points(-1234), "-1,234");
        assert_eq!(fmt_points(0), "0");
    }
}
