//! Timestamps: naive (zone-less) instants as whole seconds since the Unix epoch,
//! the way pandas keeps Prophet's `ds` column.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// A naive timestamp in seconds since 1970-01-01T00:00:00.
pub type Timestamp = i64;

/// Parses the date formats Prophet users and pandas write: `2022-01-01`,
/// `2022-01-01 13:00:00`, `2022-01-01T13:00:00`, with optional fractional
/// seconds and an optional `Z` (or `+00:00`) suffix.
///
/// Returns `None` when the text is none of these.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp());
    }
    let naive = text.strip_suffix('Z').unwrap_or(text);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(dt.and_utc().timestamp());
        }
    }
    None
}

/// Formats a timestamp the way pandas' `to_json(date_format='iso')` does:
/// `2022-01-01T00:00:00.000`.
pub fn format_iso_millis(ts: Timestamp) -> String {
    let mut out = String::with_capacity(23);
    push_iso_millis(&mut out, ts);
    out
}

/// Appends [`format_iso_millis`]'s text to `out` without allocating.
pub fn push_iso_millis(out: &mut String, ts: Timestamp) {
    use chrono::{Datelike, Timelike};
    match DateTime::from_timestamp(ts, 0) {
        // Digit by digit: chrono's `format` re-parses its pattern on every
        // call, and a model.json holds thousands of these.
        Some(dt) if (0..=9999).contains(&dt.year()) => {
            let mut buf = *b"0000-00-00T00:00:00.000";
            let mut put = |at: usize, width: usize, mut v: u32| {
                for i in (at..at + width).rev() {
                    buf[i] = b'0' + (v % 10) as u8;
                    v /= 10;
                }
            };
            put(0, 4, dt.year() as u32);
            put(5, 2, dt.month());
            put(8, 2, dt.day());
            put(11, 2, dt.hour());
            put(14, 2, dt.minute());
            put(17, 2, dt.second());
            out.push_str(std::str::from_utf8(&buf).expect("ASCII digits"));
        }
        Some(dt) => out.push_str(&dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()),
        None => out.push_str(&ts.to_string()),
    }
}

/// Formats a timestamp as `2022-01-01` when it is midnight, else
/// `2022-01-01 13:00:00`: the seed's CSV layout.
pub fn format_csv(ts: Timestamp) -> String {
    format_csv_as(ts, ts.rem_euclid(86_400) != 0)
}

/// Formats a timestamp as `2022-01-01 13:00:00` (`with_time`) or `2022-01-01`.
///
/// A file should use one layout for every row, as pandas' `to_csv` does:
/// pandas infers the format from the first row and rejects a file that mixes
/// `2022-01-01` with `2022-01-01 01:00:00`.
pub fn format_csv_as(ts: Timestamp, with_time: bool) -> String {
    match DateTime::from_timestamp(ts, 0) {
        Some(dt) if with_time => dt.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
        Some(dt) => dt.naive_utc().format("%Y-%m-%d").to_string(),
        None => ts.to_string(),
    }
}

/// Whether a CSV of these timestamps needs the time of day (any is not midnight).
pub fn needs_time_of_day(ds: &[Timestamp]) -> bool {
    ds.iter().any(|t| t.rem_euclid(86_400) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_layout_to_the_same_instant() {
        let day = 1_640_995_200; // 2022-01-01
        for text in [
            "2022-01-01",
            "2022-01-01 00:00:00",
            "2022-01-01T00:00:00",
            "2022-01-01T00:00:00.000",
            "2022-01-01T00:00:00.000Z",
            "2022-01-01T00:00:00Z",
            "2022-01-01T00:00:00+00:00",
        ] {
            assert_eq!(parse_timestamp(text), Some(day), "{text}");
        }
        assert_eq!(parse_timestamp("2023-03-01 01:00:00"), Some(1_677_632_400));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2022-13-01"), None);
    }

    #[test]
    fn formats_like_pandas() {
        assert_eq!(format_iso_millis(1_640_995_200), "2022-01-01T00:00:00.000");
        for ts in [
            -86_400 * 365 * 80 - 7,
            -1,
            0,
            59,
            1_640_995_200 + 13 * 3_600 + 7 * 60 + 5,
            253_402_300_799,
        ] {
            let chrono = DateTime::from_timestamp(ts, 0)
                .unwrap()
                .naive_utc()
                .format("%Y-%m-%dT%H:%M:%S%.3f");
            assert_eq!(format_iso_millis(ts), chrono.to_string());
        }
        assert_eq!(format_csv(1_640_995_200), "2022-01-01");
        assert_eq!(format_csv(1_677_632_400), "2023-03-01 01:00:00");
    }
}
