//! The future covariates of one model as the endpoint serves them for a
//! device to keep beside the artifact (`GET /endpoints/{name}/covariates/
//! {TargetModel}`): `{"columns": ["temperature"], "rows": [[1704067200,
//! 3.1], ...]}` — the feed's rows after the model's history that have a
//! value of every column the model needs, each `[ds as Unix seconds,
//! values...]`. A row the feed lacks a value for is left out, so the device
//! sees the gap. Plain numbers in plain arrays: the portal's wasm reads them
//! with deserializers it carries anyway (no text dates, no float parser).

use serde::{Deserialize, Serialize};

use crate::forecast_request::{FutureRows, RequestError};
use crate::horizon::MAX_PERIOD;
use crate::MAX_FUTURE_COLUMNS;

/// A model's future covariates on the wire.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FutureCovariates {
    /// The covariates, in the order of each row's values.
    pub columns: Vec<String>,
    /// `[ds, value per column]`, `ds` in Unix seconds, in time order.
    pub rows: Vec<Vec<f64>>,
}

impl FutureCovariates {
    /// The complete rows of `rows` (a row with a NaN is left out).
    pub fn from_rows(rows: &FutureRows) -> Self {
        let complete = (0..rows.len()).filter(|i| rows.columns.iter().all(|(_, v)| v[*i].is_finite()));
        Self {
            columns: rows.columns.iter().map(|(n, _)| n.clone()).collect(),
            rows: complete
                .map(|i| {
                    let mut row = vec![rows.ds[i] as f64];
                    row.extend(rows.columns.iter().map(|(_, v)| v[i]));
                    row
                })
                .collect(),
        }
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("finite numbers serialize")
    }

    /// Reads a document (the endpoint's answer, or what a device kept),
    /// checked: every row `[ds, one value per column]`, whole seconds in
    /// time order, at most [`MAX_PERIOD`] rows and [`MAX_FUTURE_COLUMNS`]
    /// columns. No rows is a valid answer (nothing for this model).
    pub fn parse(bytes: &[u8]) -> Result<FutureRows, RequestError> {
        // Plain messages (no formatting machinery): the portal's wasm reads these.
        let doc: Self = serde_json::from_slice(bytes)
            .map_err(|_| RequestError::Shape("not a covariates document".into()))?;
        if doc.columns.len() > MAX_FUTURE_COLUMNS || doc.rows.len() > MAX_PERIOD as usize {
            return Err(RequestError::Shape(
                "covariates have more than 64 columns or 3650 rows".into(),
            ));
        }
        let mut out = FutureRows {
            ds: Vec::with_capacity(doc.rows.len()),
            columns: doc.columns.into_iter().map(|n| (n, Vec::new())).collect(),
        };
        for (row, cells) in doc.rows.iter().enumerate() {
            let bad = |problem: &str| RequestError::Cell {
                row,
                field: "ds".into(),
                problem: problem.into(),
            };
            let (ds, values) = cells.split_first().ok_or_else(|| bad("an empty row"))?;
            if values.len() != out.columns.len() {
                return Err(bad("not one value per column"));
            }
            let ds = *ds as i64;
            if ds as f64 != cells[0] || out.ds.last().is_some_and(|last| *last >= ds) {
                return Err(bad("not whole seconds after the row before"));
            }
            out.ds.push(ds);
            for ((_, column), v) in out.columns.iter_mut().zip(values) {
                column.push(*v);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_leave_out_incomplete_rows_and_bad_ones_are_refused() {
        let rows = FutureRows {
            ds: vec![1_704_067_200, 1_704_153_600, 1_704_240_000],
            columns: vec![
                ("temperature".into(), vec![3.5, f64::NAN, 2.0]),
                ("heating".into(), vec![-1.0, 2.0, 0.25]),
            ],
        };
        let doc = FutureCovariates::from_rows(&rows).to_json();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            r#"{"columns":["temperature","heating"],"rows":[[1704067200.0,3.5,-1.0],[1704240000.0,2.0,0.25]]}"#
        );
        let back = FutureCovariates::parse(&doc).unwrap();
        assert_eq!(back.ds, [1_704_067_200, 1_704_240_000], "the row without a temperature is left out");
        assert_eq!(back.column("temperature").unwrap(), &[3.5, 2.0]);
        assert_eq!(back.column("heating").unwrap(), &[-1.0, 0.25]);
        let empty = FutureCovariates::from_rows(&FutureRows::default()).to_json();
        assert!(FutureCovariates::parse(&empty).unwrap().is_empty());

        let bad = |text: &str| FutureCovariates::parse(text.as_bytes()).unwrap_err().to_string();
        assert_eq!(bad(r#"{"columns":["t"],"rows":[[0,1],[86400]]}"#), "future row 1, field `ds`: not one value per column");
        assert_eq!(bad(r#"{"columns":["t"],"rows":[[]]}"#), "future row 0, field `ds`: an empty row");
        assert_eq!(bad(r#"{"columns":["t"],"rows":[[86400,1],[0,1]]}"#), "future row 1, field `ds`: not whole seconds after the row before");
        assert_eq!(bad(r#"{"columns":["t"],"rows":[[0,1],[0,1]]}"#), "future row 1, field `ds`: not whole seconds after the row before");
        assert_eq!(bad(r#"{"columns":["t"],"rows":[[0.5,1]]}"#), "future row 0, field `ds`: not whole seconds after the row before");
        assert_eq!(bad(r#"{"columns":["t"],"rows":[[0,null]]}"#), "not a covariates document");
        assert_eq!(bad("ds,t\n"), "not a covariates document");
        // At the limits and one past.
        let wide = |n: usize| FutureCovariates { columns: (0..n).map(|i| format!("c{i}")).collect(), rows: vec![] };
        assert!(FutureCovariates::parse(&wide(MAX_FUTURE_COLUMNS).to_json()).is_ok());
        assert!(FutureCovariates::parse(&wide(MAX_FUTURE_COLUMNS + 1).to_json()).is_err());
        let long = |n: u32| FutureCovariates {
            columns: vec!["t".into()],
            rows: (0..n).map(|d| vec![f64::from(d) * 86_400.0, 1.0]).collect(),
        };
        assert_eq!(FutureCovariates::parse(&long(MAX_PERIOD).to_json()).unwrap().len(), MAX_PERIOD as usize);
        assert!(FutureCovariates::parse(&long(MAX_PERIOD + 1).to_json()).is_err());
        assert_eq!((MAX_FUTURE_COLUMNS, MAX_PERIOD), (64, 3650), "the message says so");
    }
}
