//! Calendar frequencies as pandas has them: offset aliases (`D`, `h`, `15min`,
//! `W-SUN`, `MS`, `M`, `QS`, `Q`, `YS`, `Y`, `B`, …), `pd.infer_freq`, and the
//! future dates Prophet's `make_future_dataframe` builds from them.
//!
//! The reference is pandas 2.0.3, what Python Prophet 1.5 runs on in the
//! pinned venv: [`Frequency`]'s `Display` is pandas 2.0.3's `freqstr` (`5T`,
//! `H`, `M`, `Q-DEC`, `AS-JAN`, `A-DEC`), [`infer_frequency`] returns what
//! `pd.infer_freq` returns, and [`future_dates`] what
//! `make_future_dataframe(periods, freq, include_history=False)` does:
//!
//! ```python
//! dates = pd.date_range(start=last_date, periods=periods + 1, freq=freq)
//! dates = dates[dates > last_date][:periods]
//! ```
//!
//! [`Frequency::parse`] also takes the aliases pandas 2.2 introduced (`ME`,
//! `QE`, `YE`, `BME`, `BQE`, `BYE`, `YS-JUL`, …) for what pandas 2.0 calls
//! `M`, `Q`, `A`, `BM`, `BQ`, `BA`, `AS-JUL`.
//!
//! Fixed steps (`D`, `h`, `min`, `s` and multiples) add `n × step` to the last
//! date. Every other frequency is anchored to calendar dates (Sundays, month
//! starts, last business days of quarters, …) and keeps the time of day: a
//! start that is not an anchor rolls forward to the next one, as pandas'
//! `date_range` does, and each step moves `n` anchors on.
//!
//! Not supported (a typed error says so): sub-second steps (`L`, `ms`, `U`,
//! `N`), business hours (`BH`), custom business calendars (`C`, `CBMS`, …),
//! semi-month offsets (`SM`, `SMS`), compound (`1D1H`) and fractional (`1.5H`)
//! aliases, and negative or zero multiples.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use crate::time::Timestamp;

const DAY: i64 = 86_400;
/// 1970-01-01 as days since 0001-01-01 (chrono's day count from the CE).
const EPOCH_DAYS_FROM_CE: i64 = 719_163;
/// pandas' `Timestamp.min` and `Timestamp.max` in whole seconds: the dates
/// `date_range` can make (nanoseconds in an i64).
const PANDAS_RANGE: std::ops::RangeInclusive<Timestamp> = -9_223_372_036..=9_223_372_036;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// The aliases [`Frequency::parse`] accepts, for error messages.
pub const ACCEPTED_ALIASES: &str = "D, h (H), min (T), s (S) and multiples such as 3D, 2h, \
    15min, 30s; W (W-SUN), W-MON … W-SAT; B (business day); MS; M (ME); BMS; BM (BME); \
    QS (QS-JAN) … QS-DEC; Q (QE, Q-DEC) … Q-NOV; BQS, BQ; YS (AS, YS-JAN) … YS-DEC; \
    Y (A, YE, Y-DEC) … Y-NOV; BYS (BAS), BY (BA); WOM-1MON … WOM-4SUN; \
    anchored ones with multiples too (2W-WED, 3MS, 2QS)";

/// Why a frequency could not be parsed, inferred or stepped through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrequencyError {
    /// The text is not a pandas offset alias gridcast supports.
    #[error("unknown frequency {alias:?}{}: expected a pandas offset alias: {ACCEPTED_ALIASES}",
        reason.map(|r| format!(" ({r})")).unwrap_or_default())]
    UnknownAlias {
        /// The text given.
        alias: String,
        /// What is wrong with it, when more than "not an alias".
        reason: Option<&'static str>,
    },
    /// `pd.infer_freq` needs at least three dates.
    #[error(
        "cannot infer the frequency from {count} date(s): pandas' infer_freq needs at \
        least 3; give the frequency with --freq (a pandas alias such as D, h, W-SUN, MS)"
    )]
    TooFewDates {
        /// How many (distinct) dates there were.
        count: usize,
    },
    /// The dates follow no frequency pandas would infer.
    #[error(
        "cannot infer the frequency from the dates {}: {reason}; give it with --freq \
        (a pandas alias such as D, h, 15min, W-SUN, MS, M)",
        format_dates(dates)
    )]
    NotInferable {
        /// The dates looked at (for a history: its last five).
        dates: Vec<Timestamp>,
        /// Why nothing can be inferred.
        reason: &'static str,
    },
    /// A date falls outside what pandas can represent.
    #[error(
        "date {ts} (seconds since the epoch) is outside pandas' range 1677-09-21 … \
        2262-04-11"
    )]
    OutOfRange {
        /// The offending timestamp, or the last good one before the overflow.
        ts: Timestamp,
    },
}

/// `[date, date, …]` (a loop rather than `join`, whose generic copy is
/// 1 KB of wasm for this one error text).
fn format_dates(dates: &[Timestamp]) -> String {
    let mut out = String::from("[");
    for (i, &t) in dates.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&crate::time::format_csv(t));
    }
    out.push(']');
    out
}

/// Where in a month (the months a [`FrequencyKind`] picks) an anchor falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// The first calendar day (`MS`, `QS`, `AS`).
    Start,
    /// The last calendar day (`M`, `Q`, `A`).
    End,
    /// The first weekday, Monday to Friday (`BMS`, `BQS`, `BAS`).
    BusinessStart,
    /// The last weekday (`BM`, `BQ`, `BA`).
    BusinessEnd,
}

/// The kind of a pandas offset, without its multiple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrequencyKind {
    /// `S` / `s`: one second.
    Second,
    /// `T` / `min`: one minute.
    Minute,
    /// `H` / `h`: one hour.
    Hour,
    /// `D`: one calendar day (24 hours: `ds` is naive).
    Day,
    /// `W-SUN` … `W-SAT` (`W` is `W-SUN`): weeks ending on that day.
    Week(Weekday),
    /// `B`: Monday to Friday.
    BusinessDay,
    /// `WOM-1MON` … `WOM-4SUN`: the `week`-th (1–4) such weekday of each month.
    WeekOfMonth {
        /// Which occurrence in the month, 1 to 4.
        week: u8,
        /// The weekday.
        weekday: Weekday,
    },
    /// `MS`, `M`, `BMS`, `BM`: every month.
    Month(Anchor),
    /// `QS-JAN`, `Q-DEC`, `BQS-…`, `BQ-…`: every third month, counted from
    /// `month` (1–12).
    Quarter {
        /// A month of the quarter grid, as in the alias (`Q-DEC` → 12).
        month: u32,
        /// Where in that month.
        anchor: Anchor,
    },
    /// `AS-JAN`, `A-DEC`, `BAS-…`, `BA-…`: one month (1–12) of every year.
    Year {
        /// The month, as in the alias (`A-DEC` → 12).
        month: u32,
        /// Where in that month.
        anchor: Anchor,
    },
}

/// A pandas frequency: a [`FrequencyKind`] and a positive multiple (`15min`
/// is `Minute` × 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frequency {
    kind: FrequencyKind,
    multiple: u32,
}

impl Frequency {
    /// `kind` × `multiple`; `None` when the multiple is zero or a month or
    /// week of month is out of range.
    pub fn new(kind: FrequencyKind, multiple: u32) -> Option<Frequency> {
        let valid = multiple > 0
            && match kind {
                FrequencyKind::WeekOfMonth { week, .. } => (1..=4).contains(&week),
                FrequencyKind::Quarter { month, .. } | FrequencyKind::Year { month, .. } => {
                    (1..=12).contains(&month)
                }
                _ => true,
            };
        valid.then_some(Frequency { kind, multiple })
    }

    /// One `kind`: `Frequency::of(FrequencyKind::Day)` is `D`.
    ///
    /// # Panics
    /// When `kind` holds an out-of-range month or week (see [`Frequency::new`]).
    pub fn of(kind: FrequencyKind) -> Frequency {
        Frequency::new(kind, 1).expect("a valid frequency kind")
    }

    /// The kind.
    pub fn kind(&self) -> FrequencyKind {
        self.kind
    }

    /// The multiple (`15` in `15min`), at least 1.
    pub fn multiple(&self) -> u32 {
        self.multiple
    }

    /// Parses a pandas offset alias as `pd.tseries.frequencies.to_offset`
    /// does (case-insensitive except `MS`, month start, against `ms`,
    /// milliseconds), plus pandas 2.2's new names. See the module docs.
    pub fn parse(text: &str) -> Result<Frequency, FrequencyError> {
        let unknown = |reason| FrequencyError::UnknownAlias {
            alias: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        let (sign, rest) = match trimmed.strip_prefix(['+', '-']) {
            Some(rest) => (&trimmed[..1], rest),
            None => ("", trimmed),
        };
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, name) = (&rest[..digits_end], rest[digits_end..].trim_start());
        if name.starts_with('.') {
            return Err(unknown(Some("fractional multiples are not supported")));
        }
        let multiple = match digits {
            "" => 1,
            _ => digits
                .parse::<u32>()
                .map_err(|_| unknown(Some("the multiple is too large")))?,
        };
        if sign == "-" || multiple == 0 {
            return Err(unknown(Some("the multiple must be positive")));
        }
        let kind = parse_kind(name).map_err(unknown)?;
        Ok(Frequency { kind, multiple })
    }

    /// The step in seconds when it is fixed (`D`, `h`, `min`, `s` and their
    /// multiples); `None` for calendar frequencies, whose steps vary.
    pub fn fixed_seconds(&self) -> Option<i64> {
        let unit = match self.kind {
            FrequencyKind::Second => 1,
            FrequencyKind::Minute => 60,
            FrequencyKind::Hour => 3_600,
            FrequencyKind::Day => DAY,
            _ => return None,
        };
        Some(unit * i64::from(self.multiple))
    }

    /// Whether `ts` is on this frequency's grid (pandas' `is_on_offset`):
    /// always for fixed steps, else whether its date is an anchor (never
    /// outside pandas' date range).
    pub fn is_on_offset(&self, ts: Timestamp) -> bool {
        match self.fixed_seconds() {
            Some(_) => true,
            None => split(ts).is_some_and(|(date, _)| self.kind.is_anchor(date)),
        }
    }
}

impl FromStr for Frequency {
    type Err = FrequencyError;

    fn from_str(text: &str) -> Result<Frequency, FrequencyError> {
        Frequency::parse(text)
    }
}

/// The alias without its multiple: `W-SUN`, `MS`, `Q-DEC`, …
fn parse_kind(name: &str) -> Result<FrequencyKind, Option<&'static str>> {
    use FrequencyKind as K;
    if name == "ms" {
        return Err(Some("sub-second frequencies are not supported"));
    }
    let upper = name.to_ascii_uppercase();
    let (prefix, suffix) = match upper.split_once('-') {
        Some((p, s)) => (p, Some(s)),
        None => (upper.as_str(), None),
    };
    let month = |default| suffix.map_or(Some(default), parse_month).ok_or(None);
    let plain = |kind| {
        if suffix.is_none() {
            Ok(kind)
        } else {
            Err(None)
        }
    };
    match prefix {
        "D" => plain(K::Day),
        "H" => plain(K::Hour),
        "T" | "MIN" => plain(K::Minute),
        "S" => plain(K::Second),
        "B" => plain(K::BusinessDay),
        "W" => match suffix {
            None => Ok(K::Week(Weekday::Sun)),
            Some(day) => parse_weekday(day).map(K::Week).ok_or(None),
        },
        "WOM" => suffix.and_then(parse_week_of_month).ok_or(Some(
            "week of month is WOM-1MON … WOM-4SUN (1st to 4th Monday … Sunday)",
        )),
        "MS" => plain(K::Month(Anchor::Start)),
        "M" | "ME" => plain(K::Month(Anchor::End)),
        "BMS" => plain(K::Month(Anchor::BusinessStart)),
        "BM" | "BME" => plain(K::Month(Anchor::BusinessEnd)),
        "QS" => month(1).map(|m| quarter(m, Anchor::Start)),
        "Q" | "QE" => month(12).map(|m| quarter(m, Anchor::End)),
        "BQS" => month(1).map(|m| quarter(m, Anchor::BusinessStart)),
        "BQ" | "BQE" => month(12).map(|m| quarter(m, Anchor::BusinessEnd)),
        "AS" | "YS" => month(1).map(|m| year(m, Anchor::Start)),
        "A" | "Y" | "YE" => month(12).map(|m| year(m, Anchor::End)),
        "BAS" | "BYS" => month(1).map(|m| year(m, Anchor::BusinessStart)),
        "BA" | "BY" | "BYE" => month(12).map(|m| year(m, Anchor::BusinessEnd)),
        "L" | "U" | "US" | "N" | "NS" => Err(Some("sub-second frequencies are not supported")),
        "BH" | "CBH" => Err(Some("business hours are not supported")),
        "C" | "CBMS" | "CBM" => Err(Some("custom business calendars are not supported")),
        "SM" | "SMS" => Err(Some("semi-month frequencies are not supported")),
        _ if upper.contains(|c: char| c.is_ascii_digit()) => {
            Err(Some("compound aliases such as 1D1H are not supported"))
        }
        _ => Err(None),
    }
}

fn quarter(month: u32, anchor: Anchor) -> FrequencyKind {
    FrequencyKind::Quarter { month, anchor }
}

fn year(month: u32, anchor: Anchor) -> FrequencyKind {
    FrequencyKind::Year { month, anchor }
}

fn parse_month(name: &str) -> Option<u32> {
    let at = MONTH_NAMES.iter().position(|m| *m == name)?;
    Some(at as u32 + 1)
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    let at = WEEKDAY_NAMES.iter().position(|d| *d == name)?;
    Some(Weekday::try_from(at as u8).expect("seven weekday names"))
}

fn parse_week_of_month(suffix: &str) -> Option<FrequencyKind> {
    let week = suffix.get(..1)?.parse::<u8>().ok()?;
    let weekday = parse_weekday(suffix.get(1..)?)?;
    (1..=4)
        .contains(&week)
        .then_some(FrequencyKind::WeekOfMonth { week, weekday })
}

impl fmt::Display for Frequency {
    /// pandas 2.0.3's `freqstr`: `D`, `5T`, `2H`, `W-SUN`, `MS`, `M`,
    /// `QS-JAN`, `Q-DEC`, `AS-JAN`, `A-DEC`, `B`, `BM`, `WOM-1MON`, …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.multiple != 1 {
            write!(f, "{}", self.multiple)?;
        }
        let month = |m: u32| MONTH_NAMES[m as usize - 1];
        let weekday = |d: Weekday| WEEKDAY_NAMES[d.num_days_from_monday() as usize];
        let positioned = |start, end, bstart, bend, anchor| match anchor {
            Anchor::Start => start,
            Anchor::End => end,
            Anchor::BusinessStart => bstart,
            Anchor::BusinessEnd => bend,
        };
        match self.kind {
            FrequencyKind::Second => f.write_str("S"),
            FrequencyKind::Minute => f.write_str("T"),
            FrequencyKind::Hour => f.write_str("H"),
            FrequencyKind::Day => f.write_str("D"),
            FrequencyKind::BusinessDay => f.write_str("B"),
            FrequencyKind::Week(d) => write!(f, "W-{}", weekday(d)),
            FrequencyKind::WeekOfMonth { week, weekday: d } => {
                write!(f, "WOM-{week}{}", weekday(d))
            }
            FrequencyKind::Month(a) => f.write_str(positioned("MS", "M", "BMS", "BM", a)),
            FrequencyKind::Quarter { month: m, anchor } => {
                let prefix = positioned("QS", "Q", "BQS", "BQ", anchor);
                write!(f, "{prefix}-{}", month(m))
            }
            FrequencyKind::Year { month: m, anchor } => {
                let prefix = positioned("AS", "A", "BAS", "BA", anchor);
                write!(f, "{prefix}-{}", month(m))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Calendar anchors: which dates an anchored frequency lands on.

/// A timestamp as its date and the seconds into that day; `None` outside
/// pandas' range.
fn split(ts: Timestamp) -> Option<(NaiveDate, i64)> {
    if !PANDAS_RANGE.contains(&ts) {
        return None;
    }
    let days = i32::try_from(ts.div_euclid(DAY) + EPOCH_DAYS_FROM_CE).ok()?;
    Some((
        NaiveDate::from_num_days_from_ce_opt(days)?,
        ts.rem_euclid(DAY),
    ))
}

fn join(date: NaiveDate, seconds_of_day: i64) -> Timestamp {
    (i64::from(date.num_days_from_ce()) - EPOCH_DAYS_FROM_CE) * DAY + seconds_of_day
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("every month has a first day")
}

fn last_of_month(date: NaiveDate) -> NaiveDate {
    let next = first_of_month(date) + Months::new(1);
    next.pred_opt().expect("a day before the next month")
}

/// The anchor day of `date`'s month.
fn anchor_day(anchor: Anchor, date: NaiveDate) -> NaiveDate {
    match anchor {
        Anchor::Start => first_of_month(date),
        Anchor::End => last_of_month(date),
        Anchor::BusinessStart => {
            let mut day = first_of_month(date);
            while is_weekend(day) {
                day = day.succ_opt().expect("a weekday follows");
            }
            day
        }
        Anchor::BusinessEnd => {
            let mut day = last_of_month(date);
            while is_weekend(day) {
                day = day.pred_opt().expect("a weekday precedes");
            }
            day
        }
    }
}

/// The `week`-th `weekday` of `date`'s month.
fn week_of_month_day(week: u8, weekday: Weekday, date: NaiveDate) -> NaiveDate {
    let first = first_of_month(date);
    let to_weekday =
        (7 + weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    first + Days::new(u64::from(to_weekday) + 7 * u64::from(week - 1))
}

impl FrequencyKind {
    /// Whether the month of `date` is one this kind anchors in.
    fn takes_month(&self, date: NaiveDate) -> bool {
        match *self {
            FrequencyKind::Quarter { month, .. } => (date.month() + 12 - month) % 3 == 0,
            FrequencyKind::Year { month, .. } => date.month() == month,
            _ => true,
        }
    }

    /// Whether `date` is an anchor (pandas' `is_on_offset`, which looks at the
    /// date only).
    fn is_anchor(&self, date: NaiveDate) -> bool {
        match *self {
            FrequencyKind::Week(weekday) => date.weekday() == weekday,
            FrequencyKind::BusinessDay => !is_weekend(date),
            FrequencyKind::WeekOfMonth { week, weekday } => {
                date == week_of_month_day(week, weekday, date)
            }
            FrequencyKind::Month(anchor)
            | FrequencyKind::Quarter { anchor, .. }
            | FrequencyKind::Year { anchor, .. } => {
                self.takes_month(date) && date == anchor_day(anchor, date)
            }
            _ => true,
        }
    }

    /// The first anchor after `date`, or `None` past chrono's last date.
    fn next_anchor(&self, date: NaiveDate) -> Option<NaiveDate> {
        match *self {
            FrequencyKind::Week(_) | FrequencyKind::BusinessDay => {
                let mut day = date.succ_opt()?;
                while !self.is_anchor(day) {
                    day = day.succ_opt()?;
                }
                Some(day)
            }
            FrequencyKind::WeekOfMonth { week, weekday } => {
                let this_month = week_of_month_day(week, weekday, date);
                if this_month > date {
                    return Some(this_month);
                }
                let next_month = first_of_month(date).checked_add_months(Months::new(1))?;
                Some(week_of_month_day(week, weekday, next_month))
            }
            FrequencyKind::Month(anchor)
            | FrequencyKind::Quarter { anchor, .. }
            | FrequencyKind::Year { anchor, .. } => (0..=12).find_map(|k| {
                let month = first_of_month(date).checked_add_months(Months::new(k))?;
                let day = anchor_day(anchor, month);
                (self.takes_month(month) && day > date).then_some(day)
            }),
            _ => date.succ_opt(),
        }
    }
}

// ---------------------------------------------------------------------------
// make_future_dataframe

/// The `periods` dates after `last` at `freq`, exactly as Prophet 1.5's
/// `make_future_dataframe(periods, freq, include_history=False)` makes them
/// with pandas' `date_range` (see the module docs).
///
/// Fixed steps give `last + k·step`. Anchored frequencies roll `last`
/// forward to the next anchor when it is not on one (a `MS` history ending on
/// the 15th continues on the 1st of the next month, a `W-SUN` one on the next
/// Sunday, `B` skips weekends) and keep `last`'s time of day.
///
/// The caller bounds `periods`: this allocates one timestamp for each.
pub fn future_dates(
    last: Timestamp,
    periods: usize,
    freq: Frequency,
) -> Result<Vec<Timestamp>, FrequencyError> {
    let mut next = range_start(last, freq)?;
    // date_range never goes back, so `dates > last_date` only drops `last`.
    if next == last {
        next = step(next, freq)?;
    }
    let mut out = Vec::with_capacity(periods.min(1 << 16));
    while out.len() < periods {
        out.push(next);
        if out.len() < periods {
            next = step(next, freq)?;
        }
    }
    Ok(out)
}

/// The first date of `pd.date_range(start=start, freq=freq)`: `start`
/// itself, or for an anchored frequency the next anchor when `start` is not
/// one (pandas' `rollforward`, a single step whatever the multiple).
fn range_start(start: Timestamp, freq: Frequency) -> Result<Timestamp, FrequencyError> {
    let (date, seconds_of_day) = split(start).ok_or(FrequencyError::OutOfRange { ts: start })?;
    if freq.fixed_seconds().is_some() || freq.kind.is_anchor(date) {
        return Ok(start);
    }
    let rolled = freq.kind.next_anchor(date).map(|d| join(d, seconds_of_day));
    rolled
        .filter(|ts| PANDAS_RANGE.contains(ts))
        .ok_or(FrequencyError::OutOfRange { ts: start })
}

/// The date after `ts` at `freq`: `ts + step`, or `multiple` anchors on at the
/// same time of day.
fn step(ts: Timestamp, freq: Frequency) -> Result<Timestamp, FrequencyError> {
    let next = match freq.fixed_seconds() {
        Some(step) => ts.checked_add(step),
        None => split(ts).and_then(|(date, seconds_of_day)| {
            let advanced = (0..freq.multiple).try_fold(date, |d, _| freq.kind.next_anchor(d))?;
            Some(join(advanced, seconds_of_day))
        }),
    };
    next.filter(|next| PANDAS_RANGE.contains(next))
        .ok_or(FrequencyError::OutOfRange { ts })
}

// ---------------------------------------------------------------------------
// pd.infer_freq

/// The frequency of a fitted history as `make_future_dataframe(freq=None)`
/// infers it: `pd.infer_freq(self.history_dates.tail(5))`, where
/// `history_dates` are the history's distinct dates, sorted.
pub fn infer_history_frequency(history_dates: &[Timestamp]) -> Result<Frequency, FrequencyError> {
    let mut dates = history_dates.to_vec();
    crate::time::sort_distinct(&mut dates);
    infer_frequency(&dates[dates.len().saturating_sub(5)..])
}

/// `pd.infer_freq(dates)` as pandas 2.0.3 answers it, for increasing dates.
///
/// Errors where pandas returns `None` or raises, and where it infers what
/// gridcast does not support (business hours `BH`, or the negative steps of
/// decreasing dates, which Prophet never passes): each says to give the
/// frequency with `--freq`.
pub fn infer_frequency(dates: &[Timestamp]) -> Result<Frequency, FrequencyError> {
    if dates.len() < 3 {
        return Err(FrequencyError::TooFewDates { count: dates.len() });
    }
    if let Some(&ts) = dates.iter().find(|ts| !PANDAS_RANGE.contains(ts)) {
        return Err(FrequencyError::OutOfRange { ts });
    }
    let not_inferable = |reason| FrequencyError::NotInferable {
        dates: dates.to_vec(),
        reason,
    };
    if dates.windows(2).all(|w| w[0] > w[1]) {
        return Err(not_inferable("the dates decrease"));
    }
    if !dates.windows(2).all(|w| w[0] < w[1]) {
        return Err(not_inferable("the dates are not increasing and distinct"));
    }
    let deltas = unique_deltas(dates.iter().copied());
    let smallest = deltas[0];
    if smallest % DAY == 0 {
        return infer_daily_rule(dates, &deltas)
            .ok_or_else(|| not_inferable("the steps differ and no calendar frequency (month, quarter, year, business day) fits them"));
    }
    if is_business_hourly(&deltas) {
        return Err(not_inferable(
            "pandas infers business hours (BH), which gridcast does not support",
        ));
    }
    if deltas.len() > 1 {
        return Err(not_inferable("the steps between them differ"));
    }
    let (kind, unit) = [
        (FrequencyKind::Hour, 3_600),
        (FrequencyKind::Minute, 60),
        (FrequencyKind::Second, 1),
    ]
    .into_iter()
    .find(|(_, unit)| smallest % unit == 0)
    .expect("every step is a whole number of seconds");
    counted(kind, smallest / unit).ok_or_else(|| not_inferable("the step is too large"))
}

/// pandas' `unique_deltas`: the distinct differences of consecutive values,
/// sorted.
fn unique_deltas(values: impl Iterator<Item = i64> + Clone) -> Vec<i64> {
    let mut deltas: Vec<i64> = values
        .clone()
        .zip(values.skip(1))
        .map(|(a, b)| b - a)
        .collect();
    crate::time::sort_distinct(&mut deltas);
    deltas
}

fn counted(kind: FrequencyKind, count: i64) -> Option<Frequency> {
    Frequency::new(kind, u32::try_from(count).ok()?)
}

/// pandas' "BH" test: hourly steps plus overnight (17 h) or weekend (65 h) gaps.
fn is_business_hourly(deltas: &[i64]) -> bool {
    let hours: Vec<i64> = deltas.iter().map(|d| d / 3_600).collect();
    deltas.iter().all(|d| d % 3_600 == 0)
        && matches!(hours.as_slice(), [1, 17] | [1, 65] | [1, 17, 65])
}

/// pandas' `_infer_daily_rule`: years, quarters, months, then days and weeks,
/// business days, weeks of the month.
fn infer_daily_rule(dates: &[Timestamp], deltas: &[i64]) -> Option<Frequency> {
    let days: Vec<NaiveDate> = dates
        .iter()
        .filter_map(|&t| split(t))
        .map(|(d, _)| d)
        .collect();
    let first = days[0];
    let ydiffs = unique_deltas(days.iter().map(|d| i64::from(d.year())));
    let mdiffs = unique_deltas(
        days.iter()
            .map(|d| i64::from(d.year()) * 12 + i64::from(d.month())),
    );
    let mut months: Vec<i64> = days.iter().map(|d| i64::from(d.month())).collect();
    crate::time::sort_distinct(&mut months);

    if ydiffs.len() == 1 && months.len() == 1 {
        if let Some(anchor) = month_position(&days) {
            return counted(
                FrequencyKind::Year {
                    month: first.month(),
                    anchor,
                },
                ydiffs[0],
            );
        }
    }
    if mdiffs.len() == 1 && mdiffs[0] % 3 == 0 {
        if let Some(anchor) = month_position(&days) {
            // pandas names the quarter grid by its month in {OCT, NOV, DEC}.
            let month = [12, 10, 11][first.month() as usize % 3];
            return counted(FrequencyKind::Quarter { month, anchor }, mdiffs[0] / 3);
        }
    }
    if mdiffs.len() == 1 {
        if let Some(anchor) = month_position(&days) {
            return counted(FrequencyKind::Month(anchor), mdiffs[0]);
        }
    }
    if let [delta] = deltas {
        let days = delta / DAY;
        return match days % 7 {
            0 => counted(FrequencyKind::Week(first.weekday()), days / 7),
            _ => counted(FrequencyKind::Day, days),
        };
    }
    if is_business_daily(&days, deltas) {
        return Some(Frequency::of(FrequencyKind::BusinessDay));
    }
    week_of_month_rule(&days)
}

/// pandas' `month_position_check`: whether every date is a month's first
/// day, last day, first weekday or last weekday (in that order of preference:
/// ends first). A Monday on the 2nd or 3rd counts as a business start, a
/// Friday two or one day before the end as a business end.
fn month_position(days: &[NaiveDate]) -> Option<Anchor> {
    let all = |test: fn(NaiveDate) -> bool| days.iter().all(|&d| test(d));
    let calendar_end = |d: NaiveDate| d == last_of_month(d);
    let calendar_start = |d: NaiveDate| d.day() == 1;
    if all(calendar_end) {
        Some(Anchor::End)
    } else if all(|d| {
        d == last_of_month(d)
            || (last_of_month(d).day() - d.day() < 3 && d.weekday() == Weekday::Fri)
    }) {
        Some(Anchor::BusinessEnd)
    } else if all(calendar_start) {
        Some(Anchor::Start)
    } else if all(|d| d.day() == 1 || (d.day() <= 3 && d.weekday() == Weekday::Mon)) {
        Some(Anchor::BusinessStart)
    } else {
        None
    }
}

/// pandas' `_is_business_daily`: steps of one day, and three from Friday to
/// Monday only.
fn is_business_daily(days: &[NaiveDate], deltas: &[i64]) -> bool {
    if deltas != [DAY, 3 * DAY] {
        return false;
    }
    days.windows(2).all(|w| {
        let shift = (w[1] - w[0]).num_days();
        match w[1].weekday() {
            Weekday::Mon => shift == 3,
            Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri => shift == 1,
            _ => false,
        }
    })
}

/// pandas' `_get_wom_rule`: one weekday, and one week of the month among the
/// first four (dates in a fifth week are ignored, as pandas ignores them).
fn week_of_month_rule(days: &[NaiveDate]) -> Option<Frequency> {
    let weekday = days[0].weekday();
    if days.iter().any(|d| d.weekday() != weekday) {
        return None;
    }
    let mut weeks: Vec<i64> = days
        .iter()
        .map(|d| i64::from((d.day() - 1) / 7))
        .filter(|&w| w < 4)
        .collect();
    crate::time::sort_distinct(&mut weeks);
    match weeks.as_slice() {
        [week] => counted(
            FrequencyKind::WeekOfMonth {
                week: *week as u8 + 1,
                weekday,
            },
            1,
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    /// The dates' list reads as `join` wrote it: none, one, several.
    #[test]
    fn dates_list_as_joined() {
        for dates in [vec![], vec![0], vec![0, 86_400, 90_000, -1]] {
            let texts: Vec<String> = dates.iter().map(|&t| crate::time::format_csv(t)).collect();
            assert_eq!(format_dates(&dates), format!("[{}]", texts.join(", ")));
        }
    }

    fn ts(text: &str) -> Timestamp {
        parse_timestamp(text).unwrap()
    }

    #[test]
    fn splits_and_joins_dates_before_and_after_the_epoch() {
        for text in [
            "1965-03-01 12:00:00",
            "1970-01-01",
            "1969-12-31 23:59:59",
            "2262-04-11",
        ] {
            let (date, seconds) = split(ts(text)).unwrap();
            assert_eq!(join(date, seconds), ts(text), "{text}");
        }
        assert_eq!(split(ts("1969-12-31 23:00:00")).unwrap().1, 23 * 3_600);
        assert_eq!(split(ts("2262-04-12")), None);
    }

    #[test]
    fn pandas_2_2_names_mean_the_pandas_2_0_offsets() {
        for (new, old) in [
            ("ME", "M"),
            ("QE", "Q-DEC"),
            ("QE-NOV", "Q-NOV"),
            ("YE", "A-DEC"),
            ("YE-JUN", "A-JUN"),
            ("YS-JUL", "AS-JUL"),
            ("BME", "BM"),
            ("BQE", "BQ-DEC"),
            ("BYE", "BA-DEC"),
            ("h", "H"),
            ("15min", "15T"),
            ("30s", "30S"),
        ] {
            assert_eq!(Frequency::parse(new), Frequency::parse(old), "{new}");
        }
    }

    #[test]
    fn anchors_roll_forward_and_keep_the_time_of_day() {
        let ms = Frequency::parse("MS").unwrap();
        let got = future_dates(ts("2022-01-15 13:00"), 2, ms).unwrap();
        assert_eq!(got, [ts("2022-02-01 13:00"), ts("2022-03-01 13:00")]);
        let b = Frequency::parse("B").unwrap();
        let got = future_dates(ts("2023-03-03"), 2, b).unwrap(); // a Friday
        assert_eq!(got, [ts("2023-03-06"), ts("2023-03-07")]);
    }

    #[test]
    fn dates_beyond_pandas_range_are_an_error() {
        let year = Frequency::parse("A").unwrap();
        let err = future_dates(ts("2260-06-01"), 5, year).unwrap_err();
        assert!(matches!(err, FrequencyError::OutOfRange { .. }), "{err}");
        let day = Frequency::parse("D").unwrap();
        assert!(future_dates(i64::MAX - 10, 1, day).is_err());
        assert_eq!(future_dates(ts("2022-01-01"), 0, day), Ok(vec![]));
    }

    #[test]
    fn errors_say_what_to_give() {
        let err = Frequency::parse("fortnightly").unwrap_err().to_string();
        assert!(err.contains("W-SUN") && err.contains("15min"), "{err}");
        let err = infer_frequency(&[0, 86_400, 3 * 86_400])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--freq") && err.contains("1970-01-04"),
            "{err}"
        );
        let err = infer_frequency(&[0, 86_400]).unwrap_err().to_string();
        assert!(err.contains("--freq") && err.contains("2 date"), "{err}");
    }
}
