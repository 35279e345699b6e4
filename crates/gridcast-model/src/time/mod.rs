//! Timestamps: naive (zone-less) instants as whole seconds since the Unix epoch,
//! the way pandas keeps Prophet's `ds` column.

mod layouts;

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};

/// A naive timestamp in seconds since 1970-01-01T00:00:00.
pub type Timestamp = i64;

/// Parses the date formats Prophet users and pandas write: `2022-01-01`,
/// `2022-01-01 13:00:00`, `2022-01-01T13:00:00`, with optional fractional
/// seconds and an optional `Z` (or `+00:00`) suffix.
///
/// Returns `None` when the text is none of these.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Some(ts) = layouts::read(text, layouts::DATE) {
        return Some(ts);
    }
    if let Some(ts) = layouts::rfc3339(text) {
        return Some(ts);
    }
    let naive = text.strip_suffix('Z').unwrap_or(text);
    layouts::DATE_TIMES
        .iter()
        .find_map(|layout| layouts::read(naive, layout))
}

/// RFC 3339 (`2026-12-02T10:00:00Z`, `2026-12-02T11:00:00.5+01:00`) as
/// chrono's `DateTime::parse_from_rfc3339` reads it, as Unix seconds; `None`
/// for anything else (a date alone, no offset). Credentials' `Expiration`.
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    layouts::rfc3339(text)
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
    match DateTime::from_timestamp(ts, 0) {
        Some(dt) => {
            push_date_time(out, &dt.naive_utc(), 'T');
            out.push_str(".000");
        }
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
    let Some(dt) = DateTime::from_timestamp(ts, 0) else {
        return ts.to_string();
    };
    let mut out = String::with_capacity(19);
    if with_time {
        push_date_time(&mut out, &dt.naive_utc(), ' ');
    } else {
        push_date(&mut out, &dt.naive_utc());
    }
    out
}

/// `%Y-%m-%d` as chrono writes it, digit by digit (chrono's `format`
/// re-parses its pattern on every call, and a model.json holds thousands of
/// dates): a year outside 0–9999 gets its sign and at least 4 digits.
fn push_date(out: &mut String, dt: &NaiveDateTime) {
    let year = dt.year();
    if (0..=9999).contains(&year) {
        push_digits(out, year as u32, 4);
    } else {
        out.push_str(&format!("{year:+05}"));
    }
    out.push('-');
    push_digits(out, dt.month(), 2);
    out.push('-');
    push_digits(out, dt.day(), 2);
}

/// `%Y-%m-%d{sep}%H:%M:%S`.
fn push_date_time(out: &mut String, dt: &NaiveDateTime, sep: char) {
    push_date(out, dt);
    out.push(sep);
    push_digits(out, dt.hour(), 2);
    out.push(':');
    push_digits(out, dt.minute(), 2);
    out.push(':');
    push_digits(out, dt.second(), 2);
}

/// `value` zero-padded to `width` digits (`value` has at most `width`).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// Sorts `rows` (indices into `ds`) by their timestamps, keeping rows with
/// the same timestamp in their order (pandas' stable mergesort).
///
/// Every time ordering goes through this one function. Natively it is the
/// standard library's stable sort; the browser builds carry [`merge_sort`]
/// instead, one copy rather than driftsort's machinery (about 4.5 KB of wasm
/// per instantiation). Rows already in time order (a model.json's history is
/// stored sorted) cost one pass either way.
pub fn sort_by_time(rows: &mut [usize], ds: &[Timestamp]) {
    if rows.windows(2).all(|w| ds[w[0]] <= ds[w[1]]) {
        return;
    }
    #[cfg(not(target_arch = "wasm32"))]
    rows.sort_by_key(|&row| ds[row]);
    #[cfg(target_arch = "wasm32")]
    merge_sort(rows, ds);
}

/// A stable merge sort of `rows` by time of its own (a tie keeps the earlier
/// row first, as `sort_by_key` does), for the browser builds.
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
pub(crate) fn merge_sort(rows: &mut [usize], ds: &[Timestamp]) {
    let mut scratch = vec![0; rows.len() / 2];
    merge_sort_by_time(rows, &mut scratch, ds);
}

/// Runs this short are ordered by insertion.
const INSERTION_RUN: usize = 16;

/// [`merge_sort`]'s recursion; `scratch` holds at least half of `rows`.
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn merge_sort_by_time(rows: &mut [usize], scratch: &mut [usize], ds: &[Timestamp]) {
    let n = rows.len();
    if n <= INSERTION_RUN {
        for i in 1..n {
            let row = rows[i];
            let mut j = i;
            while j > 0 && ds[rows[j - 1]] > ds[row] {
                rows[j] = rows[j - 1];
                j -= 1;
            }
            rows[j] = row;
        }
        return;
    }
    let mid = n / 2;
    merge_sort_by_time(&mut rows[..mid], scratch, ds);
    merge_sort_by_time(&mut rows[mid..], scratch, ds);
    if ds[rows[mid - 1]] <= ds[rows[mid]] {
        return;
    }
    // The left half moves to `scratch`; the merge writes from the front, never
    // past the right half's next row (`k = i + j - mid < j`).
    scratch[..mid].copy_from_slice(&rows[..mid]);
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        // Strictly earlier to take the right half's row: ties keep the left's first.
        if ds[rows[j]] < ds[scratch[i]] {
            rows[k] = rows[j];
            j += 1;
        } else {
            rows[k] = scratch[i];
            i += 1;
        }
        k += 1;
    }
    rows[k..k + mid - i].copy_from_slice(&scratch[i..mid]);
}

/// Sorts `values` and drops repeats (lists of dates, steps, months or weeks).
///
/// Through [`sort_by_time`], so that the browser builds carry one sort.
pub(crate) fn sort_distinct(values: &mut Vec<i64>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    sort_by_time(&mut order, values);
    let mut sorted: Vec<i64> = order.iter().map(|&i| values[i]).collect();
    sorted.dedup();
    *values = sorted;
}

/// Whether a CSV of these timestamps needs the time of day (any is not midnight).
pub fn needs_time_of_day(ds: &[Timestamp]) -> bool {
    ds.iter().any(|t| t.rem_euclid(86_400) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The merge sort (wasm's) and `sort_by_time` against the standard
    /// library's stable sort: every length around the insertion runs and the
    /// halving, few and many distinct times (ties), sorted, reversed and
    /// shuffled rows.
    #[test]
    fn sort_by_time_equals_a_stable_sort() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(29);
        for n in (0..80).chain([255, 256, 257, 1000, 4099]) {
            for distinct in [1, 2, 3, 10, 1_000_000] {
                let ds: Vec<Timestamp> =
                    (0..n).map(|_| rng.gen_range(0..distinct) * 3600).collect();
                let mut shapes: Vec<Vec<usize>> = vec![(0..n).collect(), (0..n).rev().collect()];
                let mut shuffled: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    shuffled.swap(i, rng.gen_range(0..=i));
                }
                shapes.push(shuffled);
                for rows in shapes {
                    let mut expected = rows.clone();
                    expected.sort_by_key(|&i| ds[i]);
                    let mut merged = rows.clone();
                    merge_sort(&mut merged, &ds);
                    assert_eq!(merged, expected, "merge sort: n {n}, {distinct} distinct");
                    let mut ours = rows;
                    sort_by_time(&mut ours, &ds);
                    assert_eq!(ours, expected, "sort_by_time: n {n}, {distinct} distinct");
                }
            }
        }
    }

    /// What `parse_timestamp` was with chrono's `parse_from_str`: the
    /// reference the layout scanner must equal on every text.
    fn chrono_reference(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp());
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Some(dt.timestamp());
        }
        let naive = text.strip_suffix('Z').unwrap_or(text);
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(naive, fmt).ok())
        .map(|dt| dt.and_utc().timestamp())
    }

    /// A date-and-time text near the accepted layouts: numbers in and out of
    /// range, any width, signs, separators, fractions, suffixes, whitespace,
    /// then a few characters inserted or removed.
    fn near_layout(rng: &mut impl Rng) -> String {
        const YEARS: &[&str] = &[
            "2022",
            "1677",
            "2262",
            "0",
            "1",
            "99",
            "999",
            "0999",
            "9999",
            "10000",
            "-1",
            "-0001",
            "+2022",
            "+10000",
            "262142",
            "262143",
            "-262143",
            "-262144",
            "+262142",
            "99999999999",
            "-99999999999999999999",
            "2000",
            "1900",
            "2024",
        ];
        const SEPARATORS: &[&str] = &["T", " ", "t", "  ", "", "\t", "\u{a0}", "T ", "_"];
        const SUFFIXES: &[&str] = &[
            "", "", "", "Z", "z", "+00:00", "-00:00", "+01:00", "+0100", " ", "ZZ", " Z", "UTC",
            "+24:00", "\n",
        ];
        let number = |rng: &mut dyn rand::RngCore, max: u32| -> String {
            let v = rng.gen_range(0..=max);
            match rng.gen_range(0..4) {
                0 => v.to_string(),
                1 => format!("{v:02}"),
                2 => format!("{v:03}"),
                _ => format!(" {v:02}"),
            }
        };
        let mut s = String::new();
        s.push_str(YEARS[rng.gen_range(0..YEARS.len())]);
        s.push('-');
        s.push_str(&number(rng, 13));
        if rng.gen_bool(0.95) {
            s.push('-');
            s.push_str(&number(rng, 32));
        }
        if rng.gen_bool(0.7) {
            s.push_str(SEPARATORS[rng.gen_range(0..SEPARATORS.len())]);
            s.push_str(&number(rng, 24));
            s.push(':');
            s.push_str(&number(rng, 60));
            if rng.gen_bool(0.7) {
                s.push(':');
                s.push_str(&number(rng, 61));
                if rng.gen_bool(0.5) {
                    s.push('.');
                    for _ in 0..rng.gen_range(0..12) {
                        s.push(char::from(b'0' + rng.gen_range(0..10u8)));
                    }
                }
            }
        }
        s.push_str(SUFFIXES[rng.gen_range(0..SUFFIXES.len())]);
        for _ in 0..rng.gen_range(0..3) {
            if rng.gen_bool(0.5) || s.is_empty() {
                let at = rng.gen_range(0..=s.len());
                if s.is_char_boundary(at) {
                    let c = [' ', '0', '9', '-', ':', 'T', '.', '+', 'Z', '\u{2003}']
                        [rng.gen_range(0..10)];
                    s.insert(at, c);
                }
            } else {
                let at = rng.gen_range(0..s.len());
                if s.is_char_boundary(at) {
                    s.remove(at);
                }
            }
        }
        s
    }

    #[test]
    fn reads_every_text_as_chrono_did() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(16);
        let mut read = 0;
        for _ in 0..200_000 {
            let text = near_layout(&mut rng);
            let ours = parse_timestamp(&text);
            assert_eq!(ours, chrono_reference(&text), "{text:?}");
            assert_eq!(parse_rfc3339(&text), chrono_rfc3339(&text), "{text:?}");
            read += usize::from(ours.is_some());
        }
        // The generator reaches both sides.
        assert!((5_000..195_000).contains(&read), "{read} of 200000 read");
        for text in [
            "",
            " ",
            "2022",
            "2022-01",
            "2022-02-29",
            "2024-02-29",
            "2022-01-01T24:00",
            "2022-01-01T23:59:60",
            "2022-01-01 23:59:60.5",
            "2022- 1- 1",
            "2022-01-0113:00",
            "2022-01-01T10:00:00.",
            "2022-01-01T10:00:00.1234567890123",
            "+2022-01-01",
            "-0001-12-31 00:00",
            "262143-01-01",
            "2022-01-01T10:00Z",
            "2022-01-01t10:00:00",
            "2022-01-01T10:00:00\u{2212}01:00",
            "2022-01-01T10:00:00+23:59",
            "2022-01-01T10:00:00-23:59",
            "2022-01-01T10:00:00+23:60",
            "2022-01-01T10:00:00+1:00",
            "2022-01-01T10:00:00+01:0",
            "2022-01-01T10:00:00+01:00:00",
            "2022-01-01T10:00:00.+01:00",
            "2022-01-01 10:00:00.123456789123+05:30",
            "2022-01-01T23:59:60Z",
            "2022-01-01T23:59:61Z",
            "2022-02-30T10:00:00Z",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2022-01-01T10:00:00\u{2212}",
            "2022-01-01T10:00:00\u{e9}",
        ] {
            assert_eq!(parse_timestamp(text), chrono_reference(text), "{text:?}");
            assert_eq!(parse_rfc3339(text), chrono_rfc3339(text), "{text:?}");
        }
        assert_eq!(parse_rfc3339(" 2022-01-01T10:00:00Z"), None);
    }

    /// What chrono's RFC 3339 reader makes of `text`, in Unix seconds.
    fn chrono_rfc3339(text: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp())
    }

    #[test]
    fn writes_every_instant_as_chrono_did() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(16);
        let (min, max) = (
            chrono::NaiveDateTime::MIN.and_utc().timestamp(),
            chrono::NaiveDateTime::MAX.and_utc().timestamp(),
        );
        let edges = [
            min,
            min + 1,
            -62_167_219_201,
            -62_167_219_200,
            -1,
            0,
            253_402_300_799,
            253_402_300_800,
            max,
        ];
        let random = (0..100_000).map(|i| match i % 3 {
            0 => rng.gen_range(min..=max),
            1 => rng.gen_range(-10_000_000_000..20_000_000_000i64),
            _ => rng.gen_range(-400_000i64..400_000) * 86_400,
        });
        for ts in edges.into_iter().chain(random) {
            let dt = DateTime::from_timestamp(ts, 0).unwrap().naive_utc();
            assert_eq!(
                format_iso_millis(ts),
                dt.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
            );
            assert_eq!(
                format_csv_as(ts, true),
                dt.format("%Y-%m-%d %H:%M:%S").to_string()
            );
            assert_eq!(format_csv_as(ts, false), dt.format("%Y-%m-%d").to_string());
        }
        assert_eq!(format_csv_as(max + 1, true), (max + 1).to_string());
        assert_eq!(format_iso_millis(min - 1), (min - 1).to_string());
    }

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
