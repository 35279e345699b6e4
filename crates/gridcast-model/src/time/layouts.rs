//! The naive layouts [`super::parse_timestamp`] reads, scanned the way
//! chrono's `parse_from_str` scans `%Y-%m-%d`, `%Y-%m-%dT%H:%M:%S%.f` and the
//! others (the same texts read, to the same instants; the tests compare the
//! two on generated texts), without chrono's general format machinery, which
//! the browser builds would otherwise carry, and faster. [`rfc3339`] reads
//! what chrono's `DateTime::parse_from_rfc3339` reads, to the same instants.

use chrono::NaiveDate;

use super::Timestamp;

/// One item of a layout, as chrono's format items behave when parsing.
#[derive(Debug, Clone, Copy)]
pub(super) enum Part {
    /// `%Y`: up to 4 digits, or a sign and any number of digits.
    Year,
    /// `%m`: 1 or 2 digits.
    Month,
    /// `%d`: 1 or 2 digits.
    Day,
    /// `%H`: 1 or 2 digits.
    Hour,
    /// `%M`: 1 or 2 digits.
    Minute,
    /// `%S`: 1 or 2 digits; 60 is a leap second.
    Second,
    /// `%.f`: optionally `.` and at least one digit (digits past the ninth
    /// are skipped).
    Fraction,
    /// This character, exactly.
    Literal(char),
    /// A space in the format: any whitespace, or none.
    Space,
}

use Part::*;

/// `%Y-%m-%d`.
pub(super) const DATE: &[Part] = &[Year, Literal('-'), Month, Literal('-'), Day];

/// The layouts with a time of day, in the order they are tried:
/// `%Y-%m-%dT%H:%M:%S%.f`, `%Y-%m-%d %H:%M:%S%.f`, `%Y-%m-%dT%H:%M`,
/// `%Y-%m-%d %H:%M`.
pub(super) const DATE_TIMES: [&[Part]; 4] = [
    &[
        Year,
        Literal('-'),
        Month,
        Literal('-'),
        Day,
        Literal('T'),
        Hour,
        Literal(':'),
        Minute,
        Literal(':'),
        Second,
        Fraction,
    ],
    &[
        Year,
        Literal('-'),
        Month,
        Literal('-'),
        Day,
        Space,
        Hour,
        Literal(':'),
        Minute,
        Literal(':'),
        Second,
        Fraction,
    ],
    &[
        Year,
        Literal('-'),
        Month,
        Literal('-'),
        Day,
        Literal('T'),
        Hour,
        Literal(':'),
        Minute,
    ],
    &[
        Year,
        Literal('-'),
        Month,
        Literal('-'),
        Day,
        Space,
        Hour,
        Literal(':'),
        Minute,
    ],
];

/// The numbers a layout read.
#[derive(Debug, Default)]
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// Reads all of `text` as `layout`; `None` when it does not match or is not
/// a valid date and time.
pub(super) fn read(text: &str, layout: &[Part]) -> Option<Timestamp> {
    instant(&scan(text, layout)?)
}

/// Matches `text` against `layout` item by item; nothing may be left over.
fn scan(mut s: &str, layout: &[Part]) -> Option<Fields> {
    let mut f = Fields::default();
    for part in layout {
        match *part {
            Literal(c) => s = s.strip_prefix(c)?,
            Space => s = s.trim_start(),
            Fraction => {
                if let Some(rest) = s.strip_prefix('.') {
                    let (rest, _) = number(rest, 9)?;
                    s = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                }
            }
            numeric => {
                // chrono skips whitespace before every number.
                let (rest, value) = field_number(s.trim_start(), numeric)?;
                s = rest;
                *match numeric {
                    Year => &mut f.year,
                    Month => &mut f.month,
                    Day => &mut f.day,
                    Hour => &mut f.hour,
                    Minute => &mut f.minute,
                    _ => &mut f.second,
                } = value;
            }
        }
    }
    s.is_empty().then_some(f)
}

/// A field's number: a year may carry a sign (and then any number of digits).
fn field_number(s: &str, part: Part) -> Option<(&str, i64)> {
    match part {
        Year => match s.as_bytes().first() {
            Some(b'-') => number(&s[1..], usize::MAX).map(|(rest, v)| (rest, -v)),
            Some(b'+') => number(&s[1..], usize::MAX),
            _ => number(s, 4),
        },
        _ => number(s, 2),
    }
}

/// 1 to `max` ASCII digits (more are left for the next item), as an `i64`.
fn number(s: &str, max: usize) -> Option<(&str, i64)> {
    let digits = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let value = s.as_bytes()[..digits].iter().try_fold(0i64, |n, d| {
        n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })?;
    Some((&s[digits..], value))
}

/// The instant the fields name, checked as chrono checks them (its calendar
/// and year range; a leap second is the 59th).
fn instant(f: &Fields) -> Option<Timestamp> {
    let in_range =
        (0..=23).contains(&f.hour) && (0..=59).contains(&f.minute) && (0..=60).contains(&f.second);
    if !in_range {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(f.year).ok()?,
        u32::try_from(f.month).ok()?,
        u32::try_from(f.day).ok()?,
    )?;
    let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some(midnight + f.hour * 3_600 + f.minute * 60 + f.second.min(59))
}

/// RFC 3339 (`2022-01-01T13:00:00.5+01:00`) as chrono's
/// `DateTime::parse_from_rfc3339` reads it, as the instant in UTC: exactly
/// four digits of year and two of each other field, `T`, `t` or a space
/// between date and time, an optional fraction of 1–9 digits (more are
/// skipped), a second of 60 read as the 59th, and an offset ([`offset`]).
pub(super) fn rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let two = |i: usize| -> Option<i64> {
        let (hi, lo) = (b[i], b[i + 1]);
        (hi.is_ascii_digit() && lo.is_ascii_digit())
            .then(|| i64::from(hi - b'0') * 10 + i64::from(lo - b'0'))
    };
    let separated = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if !separated {
        return None;
    }
    let f = Fields {
        year: two(0)? * 100 + two(2)?,
        month: two(5)?,
        day: two(8)?,
        hour: two(11)?,
        minute: two(14)?,
        second: two(17)?,
    };
    // b[18] is a digit: 19 is a character boundary.
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let (after, _) = number(fraction, 9)?;
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    Some(instant(&f)? - offset(rest)?)
}

/// An RFC 3339 offset as chrono reads it, and nothing after it: `Z` or `z`,
/// or a sign (`+`, `-` or U+2212 `−`), two digits of hours, `:` and two of
/// minutes (below 60), less than a day in all. Seconds east of UTC.
fn offset(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let (sign, hm) = match s.chars().next()? {
        '+' => (1, &s[1..]),
        '-' => (-1, &s[1..]),
        '\u{2212}' => (-1, &s['\u{2212}'.len_utf8()..]),
        _ => return None,
    };
    let b = hm.as_bytes();
    let ok = b.len() == 5
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2] == b':'
        && (b'0'..=b'5').contains(&b[3])
        && b[4].is_ascii_digit();
    if !ok {
        return None;
    }
    let digit = |i: usize| i64::from(b[i] - b'0');
    let seconds = (digit(0) * 10 + digit(1)) * 3_600 + (digit(3) * 10 + digit(4)) * 60;
    (seconds < 86_400).then_some(sign * seconds)
}
