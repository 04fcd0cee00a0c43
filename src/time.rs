//! Instants and calendar days, without a clock.
//!
//! An instant is an `i64` count of milliseconds since 1970-01-01T00:00:00Z (Unix epoch, no leap
//! seconds). The engine never reads a clock: `now` and the time zone offset are inputs, so a
//! decision can always be reproduced.
//!
//! Accepted text forms (a subset of ISO 8601 / RFC 3339):
//!
//! | form | meaning |
//! | --- | --- |
//! | `1997-01-12` | midnight at the start of that day, in the caller's time zone |
//! | `19970112` | the same (the CDNOW transaction files use it) |
//! | `1997-01-12T10:30`, `1997-01-12 10:30:15.250` | local time in the caller's time zone |
//! | `1997-01-12T10:30:00Z`, `...+03:00`, `...-0500` | an instant with its own offset |
//!
//! "The caller's time zone" is the `timeZoneOffsetMinutes` option (minutes east of UTC, default 0).
//! Fractions of a second beyond milliseconds are truncated.
//!
//! Calendar arithmetic is Howard Hinnant's `days_from_civil` (proleptic Gregorian calendar), a few
//! lines of integer code: no date crate is pulled into the storefront build for it.

use crate::error::quoted;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// The largest instant accepted, 9999-12-31T23:59:59.999Z; the smallest is its negation's
/// neighbour, 0001-01-01. Keeps every arithmetic on instants far from overflow.
pub const MAX_MS: i64 = 253_402_300_799_999;
/// The smallest instant accepted, 0001-01-01T00:00:00Z.
pub const MIN_MS: i64 = -62_135_596_800_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of a count of days since 1970-01-01.
pub const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a leap year.
pub const fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1-12) of year `y`.
pub const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The local calendar day (days since 1970-01-01) of an instant, at a UTC offset in minutes.
pub fn local_day(ms: i64, offset_minutes: i32) -> i64 {
    (ms + offset_minutes as i64 * 60_000).div_euclid(DAY_MS)
}

/// Formats the local date of an instant as `YYYY-MM-DD`.
pub fn format_date(ms: i64, offset_minutes: i32) -> String {
    let (y, m, d) = civil_from_days(local_day(ms, offset_minutes));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Formats an instant as RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SS.sssZ` (milliseconds only when
/// not zero).
pub fn format_instant(ms: i64) -> String {
    let day = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(day);
    let (h, min, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    if !(0..=9999).contains(&y) {
        return if milli == 0 {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
        } else {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
        };
    }
    // Digit by digit: a decision formats several instants, and `format!` costs ten times more.
    let mut out = String::with_capacity(24);
    let mut put = |n: i64, width: u32, after: char| {
        for k in (0..width).rev() {
            let digit = (n / 10_i64.pow(k)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(after);
    };
    put(y, 4, '-');
    put(i64::from(m), 2, '-');
    put(i64::from(d), 2, 'T');
    put(h, 2, ':');
    put(min, 2, ':');
    if milli == 0 {
        put(s, 2, 'Z');
    } else {
        put(s, 2, '.');
        put(milli, 3, 'Z');
    }
    out
}

/// Checks that epoch milliseconds are within the supported range (years 1 to 9999).
pub fn check_millis(ms: f64) -> Result<i64, String> {
    if !ms.is_finite() {
        return Err("epoch milliseconds must be a finite number".into());
    }
    if ms.fract() != 0.0 {
        return Err(format!(
            "epoch milliseconds must be a whole number, got {ms}"
        ));
    }
    if ms < MIN_MS as f64 || ms > MAX_MS as f64 {
        return Err(format!(
            "epoch milliseconds {ms} is outside the years 1 to 9999"
        ));
    }
    Ok(ms as i64)
}

/// Parses an ISO 8601 date or date-time (see the module docs) into epoch milliseconds.
/// Text without an offset is local time at `default_offset_minutes` east of UTC.
pub fn parse_instant(text: &str, default_offset_minutes: i32) -> Result<i64, String> {
    let explain = |why: &str| {
        format!("{text:?} is not a date-time ({why}); expected ISO 8601 like 2024-03-01 or 2024-03-01T10:30:00Z", text = quoted(text))
    };
    let s = text.trim();
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = b.get(from..from + n)?;
        part.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    // Date part.
    let (y, m, d, mut i) = if b.len() >= 10 && b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') {
        match (digits(0, 4), digits(5, 2), digits(8, 2)) {
            (Some(y), Some(m), Some(d)) => (y, m, d, 10),
            _ => return Err(explain("the date must be YYYY-MM-DD")),
        }
    } else if b.len() == 8 {
        match (digits(0, 4), digits(4, 2), digits(6, 2)) {
            (Some(y), Some(m), Some(d)) => (y, m, d, 8),
            _ => return Err(explain("the date must be YYYY-MM-DD or YYYYMMDD")),
        }
    } else {
        return Err(explain("the date must be YYYY-MM-DD"));
    };
    if y == 0 {
        return Err(explain("year 0 is not supported"));
    }
    if !(1..=12).contains(&m) {
        return Err(explain(&format!("month {m} is not 1 to 12")));
    }
    let y = i64::from(y);
    if d == 0 || d > days_in_month(y, m) {
        return Err(explain(&format!("day {d} does not exist in {y:04}-{m:02}")));
    }
    let mut ms = days_from_civil(y, m, d) * DAY_MS;
    let mut offset = default_offset_minutes;
    if i < b.len() {
        if b[i] != b'T' && b[i] != b't' && b[i] != b' ' {
            return Err(explain("expected 'T' between the date and the time"));
        }
        i += 1;
        let (h, min) = match (digits(i, 2), b.get(i + 2), digits(i + 3, 2)) {
            (Some(h), Some(b':'), Some(min)) => (h, min),
            _ => return Err(explain("the time must be HH:MM or HH:MM:SS")),
        };
        i += 5;
        let mut sec = 0;
        let mut milli = 0u32;
        if b.get(i) == Some(&b':') {
            sec = digits(i + 1, 2).ok_or_else(|| explain("the seconds must be two digits"))?;
            i += 3;
            if matches!(b.get(i), Some(b'.') | Some(b',')) {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - start < 3 {
                        milli = milli * 10 + u32::from(b[i] - b'0');
                    }
                    i += 1;
                }
                if i == start {
                    return Err(explain("a decimal point must be followed by digits"));
                }
                for _ in (i - start)..3 {
                    milli *= 10;
                }
            }
        }
        if h > 23 || min > 59 || sec > 59 {
            return Err(explain(&format!(
                "{h:02}:{min:02}:{sec:02} is not a time of day"
            )));
        }
        ms += i64::from(h) * 3_600_000
            + i64::from(min) * 60_000
            + i64::from(sec) * 1000
            + i64::from(milli);
        // Offset.
        match b.get(i) {
            None => {}
            Some(b'Z') | Some(b'z') if i + 1 == b.len() => offset = 0,
            Some(&sign @ (b'+' | b'-')) => {
                let rest = &b[i + 1..];
                let (oh, om) = match rest.len() {
                    2 => (digits(i + 1, 2), Some(0)),
                    4 => (digits(i + 1, 2), digits(i + 3, 2)),
                    5 if rest.get(2) == Some(&b':') => (digits(i + 1, 2), digits(i + 4, 2)),
                    _ => (None, None),
                };
                match (oh, om) {
                    (Some(oh), Some(om)) if oh <= 23 && om <= 59 => {
                        let minutes = (oh * 60 + om) as i32;
                        offset = if sign == b'-' { -minutes } else { minutes };
                    }
                    _ => return Err(explain("the offset must be Z, +HH:MM or -HH:MM")),
                }
            }
            Some(_) => return Err(explain("unexpected text after the time")),
        }
    }
    ms -= i64::from(offset) * 60_000;
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        return Err(explain("outside the years 1 to 9999"));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {

    #[test]
    fn format_instant_equals_the_format_reference() {
        let reference = |ms: i64| {
            let day = ms.div_euclid(DAY_MS);
            let in_day = ms.rem_euclid(DAY_MS);
            let (y, m, d) = civil_from_days(day);
            let (h, min, s, milli) = (
                in_day / 3_600_000,
                in_day / 60_000 % 60,
                in_day / 1000 % 60,
                in_day % 1000,
            );
            if milli == 0 {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
            }
        };
        let mut cases = vec![0, 1, -1, 999, 1000, MIN_MS, MAX_MS, 883_612_800_000];
        let mut x: i64 = 7;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            cases.push(MIN_MS + x.rem_euclid(MAX_MS - MIN_MS + 1));
        }
        for ms in cases {
            assert_eq!(format_instant(ms), reference(ms), "{ms}");
        }
        assert_eq!(format_instant(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_instant(1), "1970-01-01T00:00:00.001Z");
    }
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for day in days_from_civil(1600, 1, 1)..days_from_civil(2401, 1, 1) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parses_the_documented_forms() {
        let day = days_from_civil(1997, 1, 12) * DAY_MS;
        assert_eq!(parse_instant("1997-01-12", 0), Ok(day));
        assert_eq!(parse_instant("19970112", 0), Ok(day));
        assert_eq!(parse_instant("1997-01-12T00:00:00Z", 180), Ok(day));
        assert_eq!(parse_instant("1997-01-12T03:00:00+03:00", 0), Ok(day));
        assert_eq!(parse_instant("1997-01-11T19:00:00-0500", 0), Ok(day));
        assert_eq!(parse_instant("1997-01-12 10:30", 0), Ok(day + 37_800_000));
        assert_eq!(
            parse_instant("1997-01-12T10:30:15.25Z", 0),
            Ok(day + 37_815_250)
        );
        assert_eq!(
            parse_instant("1997-01-12T10:30:15.123456Z", 0),
            Ok(day + 37_815_123)
        );
        // A local date at +03:00 begins three hours before UTC midnight.
        assert_eq!(parse_instant("1997-01-12", 180), Ok(day - 10_800_000));
        assert_eq!(
            parse_instant("2024-02-29", 0).map(|ms| format_date(ms, 0)),
            Ok("2024-02-29".into())
        );
    }

    #[test]
    fn rejects_impossible_dates_with_a_reason() {
        for bad in [
            "",
            "1997-13-01",
            "1997-02-29",
            "2023-02-29",
            "1997-01-32",
            "1997-1-2",
            "yesterday",
            "1997-01-12T24:00",
            "1997-01-12T10:30:00+25:00",
            "1997-01-12T10:30Zx",
            "0000-01-01",
            "1997-01-12T10",
            "1997-01-12T10:30:00.",
            "１９９７-01-01",
        ] {
            let err = parse_instant(bad, 0).expect_err(bad);
            assert!(err.contains("not a date-time"), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_instants() {
        assert_eq!(format_instant(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_instant(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_instant(MAX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(local_day(-1, 0), -1);
        assert_eq!(local_day(DAY_MS - 1, 1), 1);
    }

    #[test]
    fn millis_are_checked() {
        assert_eq!(check_millis(1.0e12), Ok(1_000_000_000_000));
        assert!(check_millis(f64::NAN).is_err());
        assert!(check_millis(1.5).is_err());
        assert!(check_millis(1e300).is_err());
    }
}
