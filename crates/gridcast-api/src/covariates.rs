//! The future covariates of one model as the endpoint serves them for a
//! device to keep beside the artifact (`GET /endpoints/{name}/covariates/
//! {TargetModel}`): `{"ds": ["2023-01-01", ...], "columns": [{"name":
//! "temperature", "values": [3.1, null, ...]}]}` — the rows after the
//! model's history that the covariates feed has, of the columns the model
//! needs. Plain serde structs (no `serde_json::Value`), so the portal's wasm
//! reads them with the deserializer it already carries.

use gridcast_model::{format_csv, parse_timestamp};
use serde::{Deserialize, Serialize};

use crate::forecast_request::{FutureRows, RequestError};

/// A model's future covariates on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FutureCovariates {
    /// ISO dates, strictly increasing.
    pub ds: Vec<String>,
    /// One column per covariate, a value (or null) per date.
    pub columns: Vec<CovariateColumn>,
}

/// One covariate's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CovariateColumn {
    /// The column's name (a regressor's or condition's).
    pub name: String,
    /// One per date; null where the feed has none.
    pub values: Vec<Option<f64>>,
}

impl FutureCovariates {
    /// The document of `rows` (NaN as null).
    pub fn from_rows(rows: &FutureRows) -> Self {
        Self {
            ds: rows.ds.iter().map(|t| format_csv(*t)).collect(),
            columns: rows
                .columns
                .iter()
                .map(|(name, values)| CovariateColumn {
                    name: name.clone(),
                    values: values
                        .iter()
                        .map(|v| Some(*v).filter(|v| v.is_finite()))
                        .collect(),
                })
                .collect(),
        }
    }

    /// Reads a document (the endpoint's answer or what a device kept),
    /// checked as request rows are: dates, order, at most
    /// [`crate::MAX_PERIOD`] rows and [`crate::MAX_FUTURE_COLUMNS`] columns,
    /// each column as long as `ds`. No rows is a valid answer (the feed has
    /// none for this model).
    pub fn parse(bytes: &[u8]) -> Result<FutureRows, RequestError> {
        let doc: FutureCovariates = serde_json::from_slice(bytes)
            .map_err(|e| RequestError::Shape(format!("not a covariates document: {e}")))?;
        doc.to_rows()
    }

    /// The rows (null as NaN), checked.
    pub fn to_rows(&self) -> Result<FutureRows, RequestError> {
        let bad = |row: usize, field: &str, problem: String| RequestError::Cell {
            row,
            field: field.chars().take(64).collect(),
            problem,
        };
        let ds = self
            .ds
            .iter()
            .enumerate()
            .map(|(row, d)| {
                parse_timestamp(d).ok_or_else(|| bad(row, "ds", format!("{d:?} is not a date")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut columns = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            if c.values.len() != ds.len() {
                return Err(bad(
                    c.values.len().min(ds.len()),
                    &c.name,
                    format!("{} values for {} dates", c.values.len(), ds.len()),
                ));
            }
            let values = c.values.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            columns.push((c.name.clone(), values));
        }
        let rows = FutureRows { ds, columns };
        if !rows.is_empty() {
            rows.check()?;
        }
        Ok(rows)
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_and_bad_ones_name_the_cell() {
        let rows = FutureRows {
            ds: vec![1_704_067_200, 1_704_153_600],
            columns: vec![("temperature".into(), vec![3.5, f64::NAN])],
        };
        let doc = FutureCovariates::from_rows(&rows).to_json();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            r#"{"ds":["2024-01-01","2024-01-02"],"columns":[{"name":"temperature","values":[3.5,null]}]}"#
        );
        let back = FutureCovariates::parse(&doc).unwrap();
        assert_eq!(back.ds, rows.ds);
        assert_eq!(back.column("temperature").unwrap()[0], 3.5);
        assert!(back.column("temperature").unwrap()[1].is_nan());
        assert!(FutureCovariates::parse(br#"{"ds":[],"columns":[]}"#)
            .unwrap()
            .is_empty());

        let short = br#"{"ds":["2024-01-01","2024-01-02"],"columns":[{"name":"t","values":[1]}]}"#;
        assert_eq!(
            FutureCovariates::parse(short).unwrap_err().to_string(),
            "future row 1, field `t`: 1 values for 2 dates"
        );
        let order = br#"{"ds":["2024-01-02","2024-01-01"],"columns":[]}"#;
        assert!(matches!(
            FutureCovariates::parse(order),
            Err(RequestError::Order { row: 1, .. })
        ));
        let date = br#"{"ds":["soon"],"columns":[]}"#;
        assert!(FutureCovariates::parse(date)
            .unwrap_err()
            .to_string()
            .contains("\"soon\" is not a date"));
        assert!(matches!(
            FutureCovariates::parse(b"[1]"),
            Err(RequestError::Shape(_))
        ));
        let wide = FutureRows {
            ds: vec![0],
            columns: (0..=crate::MAX_FUTURE_COLUMNS)
                .map(|i| (format!("c{i}"), vec![1.0]))
                .collect(),
        };
        assert!(FutureCovariates::parse(&FutureCovariates::from_rows(&wide).to_json()).is_err());
    }
}
