//! HTTP dates (RFC 9110 §5.6.7): the `Date` header an endpoint answers with,
//! read as Unix seconds.
//!
//! Accepts what the `httpdate` crate accepts, no more and no less (the tests
//! hold the two equal on generated texts): the preferred IMF-fixdate
//! (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850
//! (`Sunday, 06-Nov-94 08:49:37 GMT`, two-digit years 70–99 in the 1900s,
//! 00–69 in the 2000s) and asctime (`Sun Nov  6 08:49:37 1994`) forms, ASCII
//! only, surrounding whitespace ignored (and, as in httpdate, RFC 850's
//! separator between the year and the hour not checked); years 1970–9999, real calendar dates
//! only, and the weekday must be that date's. Our own reader, so the browser
//! and edge builds carry no `httpdate` (its parser and `SystemTime`
//! arithmetic).

use chrono::{Datelike, NaiveDate};

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
/// Monday first: the index is the weekday's number less one.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Unix seconds of an HTTP date, or `None` when `text` is not one.
pub fn parse_http_date(text: &str) -> Option<i64> {
    if !text.is_ascii() {
        return None;
    }
    let s = text.trim().as_bytes();
    let (wday, fields) = imf_fixdate(s)
        .or_else(|| rfc850(s))
        .or_else(|| asctime(s))?;
    let Fields {
        year,
        month,
        day,
        hour,
        minute,
        second,
    } = fields;
    if second >= 60 || minute >= 60 || hour >= 24 || !(1970..=9999).contains(&year) {
        return None;
    }
    // chrono's calendar (the one gridcast-model's timestamps use): real dates only.
    let date = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())?;
    if date.weekday().number_from_monday() != u32::from(wday) {
        return None;
    }
    let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some(midnight + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

struct Fields {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(s: &[u8]) -> Option<(u8, Fields)> {
    if s.len() != 29
        || &s[3..5] != b", "
        || s[7] != b' '
        || s[11] != b' '
        || s[16] != b' '
        || &s[25..] != b" GMT"
    {
        return None;
    }
    Some((
        weekday_abbreviation(&s[..3])?,
        Fields {
            day: two_digits(&s[5..7])?,
            month: month(&s[8..11])?,
            year: four_digits(&s[12..16])?,
            ..time(&s[16..25])?
        },
    ))
}

/// `Sunday, 06-Nov-94 08:49:37 GMT` (as httpdate, any byte between the year
/// and the hour)
fn rfc850(s: &[u8]) -> Option<(u8, Fields)> {
    let (wday, name) = WEEKDAYS
        .iter()
        .zip(1..)
        .find_map(|(name, n)| s.starts_with(name.as_bytes()).then_some((n, name.len())))?;
    let s = s[name..].strip_prefix(b", ")?;
    if s.len() != 22 || s[2] != b'-' || s[6] != b'-' || &s[18..] != b" GMT" {
        return None;
    }
    let yy = u16::from(two_digits(&s[7..9])?);
    Some((
        wday,
        Fields {
            day: two_digits(&s[..2])?,
            month: month(&s[3..6])?,
            year: if yy < 70 { 2000 + yy } else { 1900 + yy },
            ..time(&s[9..18])?
        },
    ))
}

/// `Sun Nov  6 08:49:37 1994` (the day padded with a space, or two digits)
fn asctime(s: &[u8]) -> Option<(u8, Fields)> {
    if s.len() != 24 || s[3] != b' ' || s[7] != b' ' || s[10] != b' ' || s[19] != b' ' {
        return None;
    }
    let day = match s[8] {
        b' ' => digit(s[9])?,
        _ => two_digits(&s[8..10])?,
    };
    Some((
        weekday_abbreviation(&s[..3])?,
        Fields {
            day,
            month: month(&s[4..7])?,
            year: four_digits(&s[20..24])?,
            ..time(&s[10..19])?
        },
    ))
}

/// ` 08:49:37` (after the separator its caller checks): the time of day,
/// the date left 0.
fn time(s: &[u8]) -> Option<Fields> {
    if s[3] != b':' || s[6] != b':' {
        return None;
    }
    Some(Fields {
        year: 0,
        month: 0,
        day: 0,
        hour: two_digits(&s[1..3])?,
        minute: two_digits(&s[4..6])?,
        second: two_digits(&s[7..9])?,
    })
}

fn weekday_abbreviation(s: &[u8]) -> Option<u8> {
    WEEKDAYS
        .iter()
        .position(|name| &name.as_bytes()[..3] == s)
        .map(|i| i as u8 + 1)
}

fn month(s: &[u8]) -> Option<u8> {
    MONTHS.iter().position(|m| &m[..] == s).map(|i| i as u8 + 1)
}

fn digit(c: u8) -> Option<u8> {
    let d = c.wrapping_sub(b'0');
    (d < 10).then_some(d)
}

fn two_digits(s: &[u8]) -> Option<u8> {
    Some(digit(s[0])? * 10 + digit(s[1])?)
}

fn four_digits(s: &[u8]) -> Option<u16> {
    Some(u16::from(two_digits(&s[..2])?) * 100 + u16::from(two_digits(&s[2..])?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// What `httpdate` reads `text` as, in Unix seconds.
    fn httpdate_reads(text: &str) -> Option<i64> {
        let t = SystemTime::from(text.parse::<httpdate::HttpDate>().ok()?);
        Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
    }

    fn agree(text: &str) -> Option<i64> {
        let ours = parse_http_date(text);
        assert_eq!(ours, httpdate_reads(text), "{text:?}");
        ours
    }

    /// splitmix64: a fixed sequence, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The three forms of `secs` (before 9999-12-31T23:59:59), from httpdate's
    /// own IMF-fixdate.
    fn forms(secs: u64) -> [String; 3] {
        let imf = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        let (wd, day, mon, year, time) = (
            &imf[..3],
            &imf[5..7],
            &imf[8..11],
            &imf[12..16],
            &imf[17..25],
        );
        let long = WEEKDAYS.iter().find(|w| w.starts_with(wd)).unwrap();
        let rfc850 = format!("{long}, {day}-{mon}-{} {time} GMT", &year[2..]);
        let padded = if day.starts_with('0') {
            format!(" {}", &day[1..])
        } else {
            day.to_owned()
        };
        let asctime = format!("{wd} {mon} {padded} {time} {year}");
        [imf, rfc850, asctime]
    }

    #[test]
    fn reads_every_form_of_the_rfc_example() {
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "  Sun, 06 Nov 1994 08:49:37 GMT\r\n",
            "Sun Nov 06 08:49:37 1994",
        ] {
            assert_eq!(agree(date), Some(784_111_777), "{date:?}");
        }
    }

    #[test]
    fn agrees_with_httpdate_on_generated_dates() {
        let mut rng = Rng(16);
        let max = 253_402_300_799; // 9999-12-31T23:59:59Z
        for i in 0..60_000u64 {
            // Mostly this century's dates, some anywhere up to 9999.
            let secs = if i % 4 == 0 {
                rng.below(max + 1)
            } else {
                rng.below(4_102_444_800)
            };
            for text in forms(secs) {
                let read = agree(&text);
                // RFC 850 keeps two digits of the year.
                if read.is_some() {
                    let read = read.unwrap() as u64;
                    assert!(read == secs || read % 86_400 == secs % 86_400, "{text}");
                }
            }
            let [imf, _, asctime] = forms(secs);
            assert_eq!(parse_http_date(&imf), Some(secs as i64), "{imf}");
            assert_eq!(parse_http_date(&asctime), Some(secs as i64), "{asctime}");
        }
    }

    #[test]
    fn agrees_with_httpdate_on_altered_texts() {
        // Wrong weekdays, days past the month's end, out-of-range fields, a
        // byte changed, dropped or added anywhere.
        let mut rng = Rng(27);
        let alphabet = b" ,:-0123456789ADFGJMNOSTWabcdeghilnoprstuvyz\t";
        let mut accepted = 0;
        for _ in 0..40_000 {
            let secs = rng.below(4_102_444_800);
            for text in forms(secs) {
                let mut b = text.into_bytes();
                let at = rng.below(b.len() as u64) as usize;
                match rng.below(4) {
                    0 => b[at] = alphabet[rng.below(alphabet.len() as u64) as usize],
                    1 => {
                        b.remove(at);
                    }
                    2 => b.insert(at, alphabet[rng.below(alphabet.len() as u64) as usize]),
                    _ => b[at] = b'0' + rng.below(10) as u8,
                }
                let text = String::from_utf8(b).unwrap();
                accepted += usize::from(agree(&text).is_some());
            }
        }
        // Some changes still make a date (a digit for another), most don't.
        assert!(accepted > 1_000 && accepted < 60_000, "{accepted}");
    }

    #[test]
    fn agrees_with_httpdate_on_every_day_field() {
        // Each month's day 00..=39 (and asctime's padded forms) in a leap and
        // other years, with each weekday: only the real date's weekday passes.
        for year in [1970u16, 1999, 2000, 2024, 2100, 2400, 9999] {
            for (m, mon) in MONTHS.iter().enumerate() {
                let mon = std::str::from_utf8(&mon[..]).unwrap();
                for day in 0..40 {
                    let mut weekdays_read = 0;
                    for wd in WEEKDAYS {
                        let imf = format!("{}, {day:02} {mon} {year} 23:59:59 GMT", &wd[..3]);
                        let asc = format!("{} {mon} {day:>2} 00:00:00 {year}", &wd[..3]);
                        let rfc = format!("{wd}, {day:02}-{mon}-{:02} 12:00:00 GMT", year % 100);
                        let got = [agree(&imf), agree(&asc), agree(&rfc)];
                        assert_eq!(got[0].is_some(), got[1].is_some(), "{imf} {asc}");
                        weekdays_read += usize::from(got[0].is_some());
                    }
                    let real = NaiveDate::from_ymd_opt(year.into(), m as u32 + 1, day).is_some();
                    assert_eq!(weekdays_read, usize::from(real), "{year}-{mon}-{day}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_httpdate_on_edge_cases() {
        for text in [
            "",
            " ",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 +0100",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "2026-01-01T00:00:00Z",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Sat, 01 Jan 10000 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 23:60:00 GMT",
            "Sun, 06 Nov 1994 23:59:60 GMT",
            "Tue, 29 Feb 2000 00:00:00 GMT",
            "Mon, 29 Feb 2100 00:00:00 GMT",
            "Thu, 29 Feb 2024 00:00:00 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{b}",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{a0}",
            "Sun, 06 Nov 1994 08:49:37 GMTX",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06 Nov 94 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday,06-Nov-94 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sonntag, 06-Nov-94 08:49:37 GMT",
            "Thursday, 01-Jan-70 00:00:00 GMT",
            "Wednesday, 31-Dec-69 23:59:59 GMT",
            "Sun Nov  6 08:49:37 1994 ",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov _6 08:49:37 1994",
            "Sun Nov  6 8:49:37 1994",
            "Sun Nov  6 08:49:37 1994 GMT",
            "Sun Nov 6  08:49:37 1994",
            "Sun, 06 Nov 1994 +8:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\0",
            "Sun, 06 Nov 1994 08:49:37 GM\u{e9}",
        ] {
            agree(text);
        }
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799)
        );
        assert_eq!(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Sun, 07 Nov 1994 08:49:37 GMT"), None);
    }
}
