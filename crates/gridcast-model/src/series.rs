//! A customer's readings: the `(ds, y)` series a model is fitted on, and the
//! CSV layouts it arrives in.

use crate::time::{format_csv_as, needs_time_of_day, parse_timestamp, Timestamp};

/// An observed time series: timestamps and values, optionally with a
/// logistic-growth capacity per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Timestamps, seconds since the epoch (naive).
    pub ds: Vec<Timestamp>,
    /// Observed values.
    pub y: Vec<f64>,
    /// Capacity per row, for logistic growth.
    pub cap: Option<Vec<f64>>,
}

/// Why a CSV of readings could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SeriesError {
    /// A row that is not `timestamp,value`.
    #[error("line {line}: {reason} (expected `timestamp,consumption`, got {text:?})")]
    BadRow {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
        /// The offending line (truncated).
        text: String,
    },
    /// The input is not UTF-8.
    #[error("line {line}: not UTF-8 text")]
    NotUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// No data rows at all.
    #[error("no data rows")]
    Empty,
}

impl Series {
    /// Builds a series from parallel vectors.
    pub fn new(ds: Vec<Timestamp>, y: Vec<f64>) -> Self {
        Self { ds, y, cap: None }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// Splits off the last `n` rows: `(training, holdout)`.
    pub fn split_holdout(&self, n: usize) -> (Series, Series) {
        let cut = self.len().saturating_sub(n);
        let part = |r: std::ops::Range<usize>| Series {
            ds: self.ds[r.clone()].to_vec(),
            y: self.y[r.clone()].to_vec(),
            cap: self.cap.as_ref().map(|c| c[r].to_vec()),
        };
        (part(0..cut), part(cut..self.len()))
    }

    /// `base` with `newer`'s readings added, in time order; a reading at a
    /// time `base` already has replaces it. Capacities (logistic growth)
    /// carry the last known one forward.
    pub fn merged(base: &Series, newer: &Series) -> Series {
        let mut rows: std::collections::BTreeMap<Timestamp, (f64, Option<f64>)> = base
            .ds
            .iter()
            .enumerate()
            .map(|(i, &t)| (t, (base.y[i], base.cap.as_ref().map(|c| c[i]))))
            .collect();
        let last_cap = base.cap.as_ref().and_then(|c| c.last().copied());
        for (i, &t) in newer.ds.iter().enumerate() {
            let cap = newer.cap.as_ref().map(|c| c[i]).or(last_cap);
            rows.insert(t, (newer.y[i], cap));
        }
        let cap = base
            .cap
            .is_some()
            .then(|| rows.values().map(|r| r.1.unwrap_or(f64::NAN)).collect());
        Series {
            ds: rows.keys().copied().collect(),
            y: rows.values().map(|r| r.0).collect(),
            cap,
        }
    }

    /// Parses the seed's per-customer CSV (no header, `timestamp,consumption`);
    /// a first line `ds,y` (any case, optionally quoted) is accepted as a header.
    /// Blank lines are ignored; every other bad line is an error naming it.
    pub fn from_csv(bytes: &[u8]) -> Result<Series, SeriesError> {
        let mut ds = Vec::new();
        let mut y = Vec::new();
        for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let line = index + 1;
            let text = std::str::from_utf8(raw).map_err(|_| SeriesError::NotUtf8 { line })?;
            let text = text.trim_end_matches('\r');
            if text.trim().is_empty() {
                continue;
            }
            if index == 0 && is_header(text) {
                continue;
            }
            let (when, value) = parse_row(text).map_err(|reason| SeriesError::BadRow {
                line,
                reason,
                text: text.chars().take(80).collect(),
            })?;
            ds.push(when);
            y.push(value);
        }
        if ds.is_empty() {
            return Err(SeriesError::Empty);
        }
        Ok(Series::new(ds, y))
    }

    /// Writes the seed layout: no header, `timestamp,consumption` per line,
    /// dates alone when every row is at midnight, else date and time on every row.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.len() * 24);
        let with_time = needs_time_of_day(&self.ds);
        for (ds, y) in self.ds.iter().zip(&self.y) {
            out.push_str(&format_csv_as(*ds, with_time));
            out.push(',');
            out.push_str(&y.to_string());
            out.push('\n');
        }
        out
    }
}

fn is_header(text: &str) -> bool {
    let cells: Vec<String> = text
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    cells == ["ds", "y"]
}

/// Parses one `timestamp,value` row; the error says which field is wrong.
fn parse_row(text: &str) -> Result<(Timestamp, f64), String> {
    let mut fields = text.split(',');
    let when = fields.next().unwrap_or("").trim().trim_matches('"');
    let value = fields
        .next()
        .ok_or_else(|| "missing consumption field".to_string())?
        .trim()
        .trim_matches('"');
    if fields.next().is_some() {
        return Err("more than two fields".into());
    }
    let ts = parse_timestamp(when).ok_or_else(|| format!("timestamp {when:?} is not a date"))?;
    let y: f64 = value
        .parse()
        .map_err(|_| format!("consumption {value:?} is not a number"))?;
    if !y.is_finite() {
        return Err(format!("consumption {value:?} is not finite"));
    }
    Ok((ts, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_seed_layout_and_header_layout() {
        let a = Series::from_csv(b"2022-01-01,1.5\n2022-01-02,2\n").unwrap();
        let b = Series::from_csv(b"ds,y\r\n2022-01-01,1.5\r\n2022-01-02,2\r\n\r\n").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.y, vec![1.5, 2.0]);
        assert_eq!(a.ds[1] - a.ds[0], 86_400);
    }

    #[test]
    fn merged_appends_and_replaces_in_time_order() {
        let base = Series::from_csv(b"2022-01-01,1\n2022-01-02,2\n2022-01-03,3\n").unwrap();
        let newer = Series::from_csv(b"2022-01-05,5\n2022-01-03,30\n").unwrap();
        let m = Series::merged(&base, &newer);
        assert_eq!(m.y, vec![1.0, 2.0, 30.0, 5.0]);
        assert!(m.ds.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(m.cap, None);
        let mut capped = base.clone();
        capped.cap = Some(vec![10.0, 11.0, 12.0]);
        assert_eq!(
            Series::merged(&capped, &newer).cap,
            Some(vec![10.0, 11.0, 12.0, 12.0])
        );
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let err = Series::from_csv(b"2022-01-01,1\n2022-01-02,abc\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: consumption \"abc\" is not a number (expected `timestamp,consumption`, got \"2022-01-02,abc\")"
        );
        let err = Series::from_csv(b"2022-01-01\n").unwrap_err();
        assert!(matches!(err, SeriesError::BadRow { line: 1, .. }), "{err}");
        let err = Series::from_csv(b"2022-01-01,1\nnope,1\n").unwrap_err();
        assert!(
            err.to_string().contains("line 2: timestamp \"nope\""),
            "{err}"
        );
        assert!(matches!(
            Series::from_csv(b"2022-01-01,inf\n"),
            Err(SeriesError::BadRow { .. })
        ));
        assert_eq!(Series::from_csv(b"ds,y\n"), Err(SeriesError::Empty));
    }

    #[test]
    fn csv_round_trips_and_splits() {
        let s = Series::from_csv(b"2022-01-01,1.25\n2022-01-02,3\n2022-01-03,4\n").unwrap();
        assert_eq!(Series::from_csv(s.to_csv().as_bytes()).unwrap(), s);
        let (train, test) = s.split_holdout(1);
        assert_eq!(train.y, vec![1.25, 3.0]);
        assert_eq!(test.y, vec![4.0]);
    }
}
