//! `pd.Timedelta` from the strings Prophet users pass to `cross_validation`:
//! `"30 days"`, `"12 hours"`, `"1 day 06:00:00"`, `"1d12h"`, `"90 days 00:00:00"`.

use std::fmt;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SECOND;

/// A length of time with pandas' resolution (nanoseconds, within ±292 years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timedelta {
    nanos: i64,
}

/// Why a text is not a `pd.Timedelta`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a pandas Timedelta ({problem}); write e.g. \"30 days\", \"12 hours\", \"1 day 06:00:00\" or \"90min\"")]
pub struct TimedeltaError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub problem: String,
}

impl Timedelta {
    /// Whole days.
    pub fn days(days: i64) -> Self {
        Self::seconds(days * 86_400)
    }

    /// Whole seconds.
    pub fn seconds(seconds: i64) -> Self {
        Self {
            nanos: seconds * 1_000_000_000,
        }
    }

    /// From nanoseconds.
    pub fn from_nanos(nanos: i64) -> Self {
        Self { nanos }
    }

    /// `pd.Timedelta(str(days) + " days")`: a (fractional) number of days,
    /// rounded to the nanosecond, as Python makes a seasonality's period.
    pub fn from_days_f64(days: f64) -> Self {
        Self {
            nanos: (days * NANOS_PER_DAY as f64).round() as i64,
        }
    }

    /// In nanoseconds.
    pub fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// In days, as `horizon.dt.total_seconds() / 86400`.
    pub fn as_days(self) -> f64 {
        self.nanos as f64 / NANOS_PER_DAY as f64
    }

    /// In whole seconds, when it is a whole number of them.
    pub fn whole_seconds(self) -> Option<i64> {
        (self.nanos % 1_000_000_000 == 0).then_some(self.nanos / 1_000_000_000)
    }

    /// `k × self` (`3 * horizon`), `None` past pandas' range.
    pub fn times(self, k: i64) -> Option<Self> {
        self.nanos.checked_mul(k).map(|nanos| Self { nanos })
    }

    /// `0.5 × self` as pandas computes it (the float product, truncated to
    /// nanoseconds).
    pub fn half(self) -> Self {
        Self {
            nanos: (self.nanos as f64 * 0.5) as i64,
        }
    }

    /// Parses pandas' Timedelta strings: one or more `<number><unit>` parts
    /// (`"1 day 12 hours"`, `"1d12h"`, `"1.5 days"`) with an optional clock
    /// `hh:mm:ss[.fff]` (`"1 days 06:05:01.5"`, `"06:00:00"`) and a leading
    /// sign. Units: `W`, `D`/`day(s)`, `h`/`hr`/`hour(s)`, `m`/`min`/`minute(s)`,
    /// `s`/`sec`/`second(s)`, `ms`, `us`, `ns` (pandas' names). Months and
    /// years are refused, as pandas refuses them: they have no fixed length.
    pub fn parse(text: &str) -> Result<Self, TimedeltaError> {
        let fail = |problem: &str| TimedeltaError {
            text: text.to_owned(),
            problem: problem.to_owned(),
        };
        let trimmed = text.trim();
        let (sign, body) = match trimmed.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let mut rest = body.trim_start();
        if rest.is_empty() {
            return Err(fail("it is empty"));
        }
        let mut total: i128 = 0;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(fail("expected a number"));
            }
            let after = &rest[digits..];
            if after.starts_with(':') {
                total += clock(rest).ok_or_else(|| fail("a clock must be hh:mm:ss[.fff]"))?;
                break;
            }
            let number = &rest[..digits];
            let after = after.trim_start();
            let unit_len = after
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(after.len());
            if unit_len == 0 {
                return Err(fail("every number needs a unit"));
            }
            let unit = unit_nanos(&after[..unit_len]).ok_or_else(|| {
                fail(match &after[..unit_len] {
                    "M" | "Y" | "y" | "month" | "months" | "year" | "years" => {
                        "months and years have no fixed length; use days"
                    }
                    _ => "unknown unit",
                })
            })?;
            total += scaled(number, unit).ok_or_else(|| fail("bad number"))?;
            rest = after[unit_len..].trim_start_matches([' ', ',']);
        }
        let nanos = i64::try_from(sign * total).map_err(|_| fail("beyond pandas' ±292 years"))?;
        Ok(Self { nanos })
    }
}

/// Nanoseconds per unit, by pandas' unit names.
fn unit_nanos(unit: &str) -> Option<i128> {
    let lower = unit.to_ascii_lowercase();
    if unit == "M" {
        return None;
    }
    Some(match lower.as_str() {
        "w" | "week" | "weeks" => 7 * NANOS_PER_DAY,
        "d" | "day" | "days" => NANOS_PER_DAY,
        "h" | "hr" | "hour" | "hours" => 3_600 * NANOS_PER_SECOND,
        "m" | "t" | "min" | "minute" | "minutes" => 60 * NANOS_PER_SECOND,
        "s" | "sec" | "second" | "seconds" => NANOS_PER_SECOND,
        "ms" | "l" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "us" | "u" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "ns" | "n" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        _ => return None,
    })
}

/// `number × unit` exactly (the decimal fraction rounded to the nanosecond).
fn scaled(number: &str, unit: i128) -> Option<i128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut value = whole.checked_mul(unit)?;
    let mut place = unit;
    for digit in fraction.bytes().take(30) {
        let d = i128::from(digit - b'0');
        value += d * place / 10;
        place /= 10;
        if place == 0 {
            break;
        }
    }
    Some(value)
}

/// `hh:mm:ss[.fff]` (or `hh:mm`).
fn clock(text: &str) -> Option<i128> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let hours: i128 = parts[0].parse().ok()?;
    let minutes: i128 = parts[1].parse().ok()?;
    let seconds = match parts.get(2) {
        Some(s) => scaled(s, NANOS_PER_SECOND)?,
        None => 0,
    };
    Some(hours * 3_600 * NANOS_PER_SECOND + minutes * 60 * NANOS_PER_SECOND + seconds)
}

impl fmt::Display for Timedelta {
    /// pandas' `str(Timedelta)`: `30 days 00:00:00`, `-1 days +12:00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = i128::from(self.nanos);
        let days = total.div_euclid(NANOS_PER_DAY);
        let rest = total.rem_euclid(NANOS_PER_DAY);
        let secs = rest / NANOS_PER_SECOND;
        let frac = rest % NANOS_PER_SECOND;
        let sign = if days < 0 { "+" } else { "" };
        write!(
            f,
            "{days} days {sign}{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if frac != 0 {
            let digits = format!("{frac:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Timedelta {
    type Err = TimedeltaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        Timedelta::parse(text).unwrap().whole_seconds().unwrap()
    }

    #[test]
    fn parses_pandas_strings() {
        assert_eq!(secs("30 days"), 30 * 86_400);
        assert_eq!(secs("1 day"), 86_400);
        assert_eq!(secs("12 hours"), 12 * 3_600);
        assert_eq!(secs("1d12h"), 36 * 3_600);
        assert_eq!(secs("1 day 12 hours 30 minutes"), 36 * 3_600 + 1_800);
        assert_eq!(secs("90 days 00:00:00"), 90 * 86_400);
        assert_eq!(secs("1 days 06:05:01"), 86_400 + 6 * 3_600 + 5 * 60 + 1);
        assert_eq!(secs("06:00:00"), 6 * 3_600);
        assert_eq!(secs("1.5 days"), 36 * 3_600);
        assert_eq!(secs("2W"), 14 * 86_400);
        assert_eq!(secs("90min"), 5_400);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("-1 days"), -86_400);
        assert_eq!(secs("365.25 days"), 31_557_600);
        assert_eq!(Timedelta::parse("0.5s").unwrap().as_nanos(), 500_000_000);
        assert_eq!(
            Timedelta::parse("1 days 00:00:01.5")
                .unwrap()
                .whole_seconds(),
            None
        );
    }

    #[test]
    fn refuses_what_pandas_refuses() {
        for bad in [
            "",
            "30",
            "days",
            "1 fortnight",
            "1M",
            "1 month",
            "2 years",
            "1:2:3:4",
            "1..5 days",
        ] {
            let err = Timedelta::parse(bad).unwrap_err();
            assert_eq!(err.text, bad);
        }
        assert!(Timedelta::parse("1 month")
            .unwrap_err()
            .to_string()
            .contains("no fixed length"));
    }

    #[test]
    fn prints_like_pandas_and_halves_like_pandas() {
        assert_eq!(Timedelta::days(30).to_string(), "30 days 00:00:00");
        assert_eq!(Timedelta::seconds(-43_200).to_string(), "-1 days +12:00:00");
        assert_eq!(
            Timedelta::from_nanos(1_500_000_000).to_string(),
            "0 days 00:00:01.5"
        );
        assert_eq!(Timedelta::days(30).half(), Timedelta::days(15));
        assert_eq!(Timedelta::days(7).half().whole_seconds(), Some(302_400));
        assert_eq!(
            Timedelta::from_days_f64(365.25),
            Timedelta::seconds(31_557_600)
        );
        assert_eq!(Timedelta::days(30).as_days(), 30.0);
    }
}
