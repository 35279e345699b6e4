//! The InvokeEndpoint body: the seed's `{"period": N}`, or the rows to
//! forecast with their future regressor values, as pandas writes them:
//! `{"future": [{"ds": "2023-01-01", "temperature": 3.1}, ...]}`
//! (`to_json(orient="records")`) or `{"future": {"ds": [...],
//! "temperature": [...]}}` (columns; also pandas' default `to_json()`,
//! whose columns are objects keyed by the row index). Dates are ISO text or
//! epoch milliseconds. The body may come double-encoded (a JSON string
//! holding that object), as the SageMaker Python SDK sends it.
//!
//! Parsing checks the shape and every cell; whether the rows carry what a
//! model needs is the endpoint's check, which knows the model.

use gridcast_model::{format_csv, parse_timestamp, Frame, Timestamp};
use serde_json::{Map, Value};

use crate::horizon::{HorizonError, Period, MAX_PERIOD};

/// Most columns besides `ds` in `future`.
pub const MAX_FUTURE_COLUMNS: usize = 64;

/// A parsed InvokeEndpoint body.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRequest {
    /// What to forecast.
    pub rows: RequestRows,
    /// Answer double-encoded, like the seed's container, because the body was.
    pub double_encoded: bool,
}

/// What to forecast.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestRows {
    /// The next `period` rows after the history (`make_future_dataframe`).
    Period(Period),
    /// These rows, with these columns.
    Future(FutureRows),
}

/// Rows to forecast: times in order, and named columns (regressors,
/// conditions as 1/0, `cap`, `floor`); NaN where a row left a cell out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FutureRows {
    /// Times, seconds since the epoch (naive), strictly increasing.
    pub ds: Vec<Timestamp>,
    /// `(name, values)`, one value per row, in the order first seen.
    pub columns: Vec<(String, Vec<f64>)>,
}

/// Why a body is not a forecast request; each says what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not JSON at all.
    #[error("the body is not JSON ({0}); send {{\"period\": 7}} or {{\"future\": [{{\"ds\": \"2023-01-01\", ...}}]}}")]
    NotJson(String),
    /// A JSON string that does not hold JSON.
    #[error("the body is a JSON string that is not JSON ({0})")]
    InnerNotJson(String),
    /// Neither `period` nor `future`, or both.
    #[error("{0}")]
    Shape(String),
    /// `period` out of range or not a whole number.
    #[error(transparent)]
    Period(#[from] HorizonError),
    /// A bad cell: which row (0-based, pandas' index), which field, what.
    #[error("future row {row}, field `{field}`: {problem}")]
    Cell {
        /// The row.
        row: usize,
        /// The field.
        field: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// Rows out of order or repeated.
    #[error("future row {row}: ds {ds} is not after row {}'s {previous}: give the rows in time order, each once", row - 1)]
    Order {
        /// The row.
        row: usize,
        /// Its date.
        ds: String,
        /// The previous row's date.
        previous: String,
    },
}

fn shape(text: impl Into<String>) -> RequestError {
    RequestError::Shape(text.into())
}

impl ForecastRequest {
    /// The seed's request.
    pub fn period(period: Period) -> Self {
        Self {
            rows: RequestRows::Period(period),
            double_encoded: false,
        }
    }

    /// A request for `rows`.
    pub fn future(rows: FutureRows) -> Self {
        Self {
            rows: RequestRows::Future(rows),
            double_encoded: false,
        }
    }

    /// How many rows the answer has.
    pub fn len(&self) -> usize {
        match &self.rows {
            RequestRows::Period(p) => p.get() as usize,
            RequestRows::Future(f) => f.len(),
        }
    }

    /// Whether it asks for nothing (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parses a body.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| RequestError::NotJson(e.to_string()))?;
        let (object, double_encoded) = match value {
            Value::String(inner) => (
                serde_json::from_str::<Value>(&inner)
                    .map_err(|e| RequestError::InnerNotJson(e.to_string()))?,
                true,
            ),
            other => (other, false),
        };
        let Value::Object(object) = object else {
            return Err(shape(
                "the body must be a JSON object: {\"period\": 7} or {\"future\": [...]}",
            ));
        };
        let rows = match (object.get("period"), object.get("future")) {
            (Some(_), Some(_)) => {
                return Err(shape(
                    "give either \"period\" or \"future\", not both: the rows of \"future\" say how many",
                ))
            }
            (Some(period), None) => RequestRows::Period(parse_period(period)?),
            (None, Some(future)) => RequestRows::Future(FutureRows::from_json(future)?),
            (None, None) => {
                return Err(shape(
                    "the body has no \"period\"; send {\"period\": 7}, or the rows to forecast as {\"future\": [{\"ds\": \"2023-01-01\", \"temperature\": 3.1}, ...]}",
                ))
            }
        };
        Ok(Self {
            rows,
            double_encoded,
        })
    }

    /// The body to send: `{"period": N}` (exactly the seed's), or
    /// `future` in the columns form with ISO dates.
    pub fn to_body(&self) -> Vec<u8> {
        let body = match &self.rows {
            RequestRows::Period(p) => format!("{{\"period\": {}}}", p.get()),
            RequestRows::Future(rows) => rows.to_json(),
        };
        if self.double_encoded {
            // Not `expect`: serde_json::Error's `Debug` is 0.2 KB of the edge's gzip.
            serde_json::to_string(&body)
                .unwrap_or_else(|_| unreachable!("strings serialize"))
                .into_bytes()
        } else {
            body.into_bytes()
        }
    }
}

fn parse_period(period: &Value) -> Result<Period, RequestError> {
    let rows = match period {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    rows.and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_PERIOD).contains(n))
        .map(|n| Period::rows(n).expect("checked"))
        .ok_or_else(|| HorizonError::Period(period.to_string().chars().take(40).collect()).into())
}

fn cell(row: usize, field: &str, problem: impl Into<String>) -> RequestError {
    RequestError::Cell {
        row,
        field: field.chars().take(64).collect(),
        problem: problem.into(),
    }
}

/// A `ds` cell: ISO text or epoch milliseconds (whole seconds).
fn parse_ds(row: usize, value: &Value) -> Result<Timestamp, RequestError> {
    match value {
        Value::String(s) => parse_timestamp(s).ok_or_else(|| {
            cell(row, "ds", format!("{:?} is not a date (send ISO dates like 2023-01-01 or epoch milliseconds)", truncate(s)))
        }),
        Value::Number(n) => {
            let ms = n.as_i64().ok_or_else(|| cell(row, "ds", format!("{n} is not whole epoch milliseconds")))?;
            if ms % 1000 != 0 {
                return Err(cell(row, "ds", format!("{ms} ms is not a whole second")));
            }
            Ok(ms / 1000)
        }
        Value::Null => Err(cell(row, "ds", "is missing: every row needs its date")),
        other => Err(cell(row, "ds", format!("{} is not a date", truncate(&other.to_string())))),
    }
}

/// A value cell: a finite number, a boolean (1/0), or null/absent (NaN).
fn parse_value(row: usize, field: &str, value: &Value) -> Result<f64, RequestError> {
    let v = match value {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Null => return Ok(f64::NAN),
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| {
            cell(row, field, format!("{:?} is not a number", truncate(s)))
        })?,
        other => {
            return Err(cell(
                row,
                field,
                format!("{} is not a number", truncate(&other.to_string())),
            ))
        }
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(cell(row, field, format!("{value} is not a finite number")))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

impl FutureRows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// The values of column `name`.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Sets (or replaces) a column.
    pub fn set_column(&mut self, name: &str, values: Vec<f64>) {
        match self.columns.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = values,
            None => self.columns.push((name.to_owned(), values)),
        }
    }

    /// The rows of `frame` (`cap` and `floor` as columns).
    pub fn from_frame(frame: &Frame) -> Self {
        let order = frame.time_order();
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let mut columns = Vec::new();
        for (name, values) in [("cap", &frame.cap), ("floor", &frame.floor)] {
            if let Some(v) = values {
                columns.push((name.to_owned(), pick(v)));
            }
        }
        for c in &frame.columns {
            columns.push((c.name.clone(), pick(&c.values)));
        }
        Self {
            ds: order.iter().map(|&i| frame.ds[i]).collect(),
            columns,
        }
    }

    /// `{"future": {"ds": [...], "<column>": [...]}}` with ISO dates and
    /// NaN as null, written by hand rather than through `serde_json::Value`,
    /// which the portal's wasm would otherwise carry.
    fn to_json(&self) -> String {
        let mut out = String::from("{\"future\": {\"ds\": [");
        for (i, t) in self.ds.iter().enumerate() {
            out.push_str(if i == 0 { "\"" } else { ", \"" });
            out.push_str(&format_csv(*t));
            out.push('"');
        }
        out.push(']');
        for (name, values) in &self.columns {
            out.push_str(", ");
            let quoted =
                serde_json::to_string(name).unwrap_or_else(|_| unreachable!("strings serialize"));
            out.push_str(&quoted);
            out.push_str(": [");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                // Display of a finite f64 is valid JSON (no exponent, shortest round trip).
                if v.is_finite() {
                    out.push_str(&v.to_string());
                } else {
                    out.push_str("null");
                }
            }
            out.push(']');
        }
        out.push_str("}}");
        out
    }

    /// The rows as a frame to predict (`cap` and `floor` in their places).
    pub fn to_frame(&self) -> Frame {
        let mut frame = Frame::future(self.ds.clone());
        for (name, values) in &self.columns {
            match name.as_str() {
                "cap" => frame.cap = Some(values.clone()),
                "floor" => frame.floor = Some(values.clone()),
                _ => frame = frame.with_column(name, values.clone()),
            }
        }
        frame
    }

    /// `future` as records or as columns.
    fn from_json(value: &Value) -> Result<Self, RequestError> {
        let rows = match value {
            Value::Array(records) => Self::from_records(records)?,
            Value::Object(columns) => Self::from_columns(columns)?,
            _ => {
                return Err(shape(
                    "\"future\" must be a list of rows ([{\"ds\": ..., \"temperature\": ...}]) or an object of columns ({\"ds\": [...], \"temperature\": [...]})",
                ))
            }
        };
        rows.check()?;
        Ok(rows)
    }

    fn from_records(records: &[Value]) -> Result<Self, RequestError> {
        let mut rows = Self::default();
        for (row, record) in records.iter().enumerate() {
            let Value::Object(fields) = record else {
                return Err(cell(row, "ds", "the row is not an object of fields"));
            };
            rows.ds.push(parse_ds(row, fields.get("ds").unwrap_or(&Value::Null))?);
            for (field, value) in fields.iter().filter(|(k, _)| k.as_str() != "ds") {
                let v = parse_value(row, field, value)?;
                let at = match rows.columns.iter().position(|(n, _)| n == field) {
                    Some(at) => at,
                    None => {
                        rows.columns.push((field.clone(), vec![f64::NAN; row]));
                        rows.columns.len() - 1
                    }
                };
                rows.columns[at].1.push(v);
            }
            // Fields this row left out.
            for (_, values) in &mut rows.columns {
                values.resize(row + 1, f64::NAN);
            }
            rows.check_width()?;
        }
        Ok(rows)
    }

    fn from_columns(columns: &Map<String, Value>) -> Result<Self, RequestError> {
        let ds = columns
            .get("ds")
            .ok_or_else(|| shape("\"future\" has no \"ds\" column: every row needs its date"))?;
        let (keys, ds_cells) = column_cells("ds", ds, None)?;
        let mut rows = Self {
            ds: ds_cells
                .iter()
                .enumerate()
                .map(|(row, v)| parse_ds(row, v))
                .collect::<Result<_, _>>()?,
            columns: Vec::new(),
        };
        for (name, column) in columns.iter().filter(|(k, _)| k.as_str() != "ds") {
            let (_, cells) = column_cells(name, column, Some(&keys))?;
            let values = cells
                .iter()
                .enumerate()
                .map(|(row, v)| parse_value(row, name, v))
                .collect::<Result<_, _>>()?;
            rows.columns.push((name.clone(), values));
            rows.check_width()?;
        }
        Ok(rows)
    }

    fn check_width(&self) -> Result<(), RequestError> {
        if self.columns.len() > MAX_FUTURE_COLUMNS {
            return Err(shape(format!(
                "\"future\" has more than {MAX_FUTURE_COLUMNS} columns besides ds"
            )));
        }
        if self.ds.len() > MAX_PERIOD as usize {
            return Err(shape(format!(
                "\"future\" has more than {MAX_PERIOD} rows; forecast at most {MAX_PERIOD} at once"
            )));
        }
        Ok(())
    }

    /// At least one row, at most [`MAX_PERIOD`], in time order, each once.
    pub(crate) fn check(&self) -> Result<(), RequestError> {
        if self.is_empty() {
            return Err(shape("\"future\" has no rows"));
        }
        self.check_width()?;
        for row in 1..self.ds.len() {
            if self.ds[row] <= self.ds[row - 1] {
                return Err(RequestError::Order {
                    row,
                    ds: format_csv(self.ds[row]),
                    previous: format_csv(self.ds[row - 1]),
                });
            }
        }
        Ok(())
    }
}

/// A column's cells: a list, or pandas' object keyed by row index (sorted
/// by index). `keys` (the `ds` column's) must match.
fn column_cells<'a>(
    name: &str,
    column: &'a Value,
    keys: Option<&[u64]>,
) -> Result<(Vec<u64>, Vec<&'a Value>), RequestError> {
    let (own, cells): (Vec<u64>, Vec<&Value>) = match column {
        Value::Array(cells) => ((0..cells.len() as u64).collect(), cells.iter().collect()),
        Value::Object(by_index) => {
            let mut pairs = by_index
                .iter()
                .map(|(k, v)| {
                    k.parse::<u64>().map(|i| (i, v)).map_err(|_| {
                        shape(format!(
                            "\"future\" column `{name}`: row key {:?} is not a row index",
                            truncate(k)
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            pairs.sort_by_key(|p| p.0);
            pairs.into_iter().unzip()
        }
        _ => {
            return Err(shape(format!(
                "\"future\" column `{name}` must be a list of values (or pandas' object keyed by row)"
            )))
        }
    };
    if let Some(keys) = keys {
        if own != keys {
            return Err(shape(format!(
                "\"future\" column `{name}` has {} rows where ds has {}: every column needs one value per row",
                own.len(),
                keys.len()
            )));
        }
    }
    Ok((own, cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn future(body: &str) -> FutureRows {
        match ForecastRequest::parse(body.as_bytes()).unwrap().rows {
            RequestRows::Future(f) => f,
            other => panic!("{other:?}"),
        }
    }

    fn error(body: &str) -> String {
        ForecastRequest::parse(body.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn periods_plain_double_encoded_and_bad() {
        let r = ForecastRequest::parse(br#"{"period": 7}"#).unwrap();
        assert_eq!(r.rows, RequestRows::Period(Period::rows(7).unwrap()));
        assert!(!r.double_encoded);
        assert_eq!(r.to_body(), br#"{"period": 7}"#);
        let r = ForecastRequest::parse(br#""{\"period\": 14}""#).unwrap();
        assert!(r.double_encoded && r.len() == 14);
        assert_eq!(ForecastRequest::parse(&r.to_body()).unwrap(), r);
        assert_eq!(ForecastRequest::parse(br#"{"period": "30"}"#).unwrap().len(), 30);
        for bad in [
            "period=7", "{}", r#"{"period": 0}"#, r#"{"period": 3651}"#, r#"{"period": 7.5}"#,
            r#"{"period": -1}"#, r#"{"period": null}"#, r#""not json""#, "[7]",
            r#"{"period": 7, "future": []}"#,
        ] {
            assert!(ForecastRequest::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(error("{}").contains("\"future\""), "says how to send rows");
    }

    #[test]
    fn records_columns_and_pandas_index_forms_agree() {
        let records = future(
            r#"{"future": [{"ds": "2023-01-01", "temperature": 3.1, "winter": true},
                           {"ds": 1672617600000, "temperature": -2, "winter": false}]}"#,
        );
        let columns = future(
            r#"{"future": {"ds": ["2023-01-01", "2023-01-02T00:00:00"], "temperature": [3.1, -2],
                           "winter": [true, false]}}"#,
        );
        let pandas = future(
            r#"{"future": {"ds": {"1": 1672617600000, "0": 1672531200000},
                           "temperature": {"0": 3.1, "1": -2.0}, "winter": {"0": 1, "1": 0}}}"#,
        );
        assert_eq!(records, columns);
        assert_eq!(records, pandas);
        assert_eq!(records.ds, vec![1_672_531_200, 1_672_617_600]);
        assert_eq!(records.column("winter").unwrap(), &[1.0, 0.0]);
        // The client's body reads back the same.
        let sent = ForecastRequest::future(records.clone()).to_body();
        assert_eq!(future(std::str::from_utf8(&sent).unwrap()), records);
        let frame = records.to_frame();
        assert_eq!(frame.column("temperature").unwrap().values, vec![3.1, -2.0]);
        assert_eq!(FutureRows::from_frame(&frame), records);
    }

    #[test]
    fn the_body_sent_reads_back_bit_for_bit() {
        let rows = FutureRows {
            ds: vec![1_672_531_200, 1_672_534_800],
            columns: vec![
                ("temp \"out\"\\side".into(), vec![1e-7, 1e300]),
                ("cap".into(), vec![-2.5, f64::NAN]),
            ],
        };
        let body = ForecastRequest::future(rows.clone()).to_body();
        let text = std::str::from_utf8(&body).unwrap();
        serde_json::from_str::<Value>(text).expect("valid JSON");
        let back = future(text);
        assert_eq!(back.ds, rows.ds);
        for ((n, a), (m, b)) in back.columns.iter().zip(&rows.columns) {
            assert_eq!(n, m);
            let bits = |v: &[f64]| v.iter().map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() }).collect::<Vec<_>>();
            assert_eq!(bits(a), bits(b), "{n}");
        }
    }

    #[test]
    fn cells_left_out_are_nan_and_bad_cells_name_row_and_field() {
        let f = future(r#"{"future": [{"ds": "2023-01-01"}, {"ds": "2023-01-02", "temperature": null}, {"ds": "2023-01-03", "temperature": 1}]}"#);
        let t = f.column("temperature").unwrap();
        assert!(t[0].is_nan() && t[1].is_nan() && t[2] == 1.0);
        assert_eq!(
            error(r#"{"future": [{"ds": "2023-01-01", "temperature": 1}, {"ds": "2023-01-02", "temperature": "warm"}]}"#),
            "future row 1, field `temperature`: \"warm\" is not a number"
        );
        assert_eq!(
            error(r#"{"future": {"ds": ["2023-01-01"], "temperature": [[1]]}}"#),
            "future row 0, field `temperature`: [1] is not a number"
        );
        assert!(error(r#"{"future": [{"ds": "yesterday"}]}"#).starts_with("future row 0, field `ds`"));
        assert!(error(r#"{"future": [{"temperature": 1}]}"#).contains("every row needs its date"));
        assert!(error(r#"{"future": [{"ds": 1672531200001}]}"#).contains("whole second"));
        assert_eq!(
            error(r#"{"future": [{"ds": "2023-01-02"}, {"ds": "2023-01-01"}]}"#),
            "future row 1: ds 2023-01-01 is not after row 0's 2023-01-02: give the rows in time order, each once"
        );
        assert!(error(r#"{"future": [{"ds": "2023-01-02"}, {"ds": "2023-01-02"}]}"#).contains("each once"));
        assert!(error(r#"{"future": []}"#).contains("no rows"));
        assert!(error(r#"{"future": {"ds": ["2023-01-01"], "t": [1, 2]}}"#).contains("one value per row"));
        assert!(error(r#"{"future": 7}"#).contains("list of rows"));
        let wide = |n: usize| -> String {
            let columns: String = (0..n).map(|i| format!(",\"c{i}\": 1")).collect();
            format!(r#"{{"future": [{{"ds": "2023-01-01"{columns}}}]}}"#)
        };
        assert!(ForecastRequest::parse(wide(MAX_FUTURE_COLUMNS).as_bytes()).is_ok());
        assert!(error(&wide(MAX_FUTURE_COLUMNS + 1)).contains("columns"));
        let long = |n: i64| -> String {
            let ds: Vec<String> = (0..n)
                .map(|d| format!("{}", (1_672_531_200 + d * 86_400) * 1000))
                .collect();
            format!(r#"{{"future": {{"ds": [{}]}}}}"#, ds.join(","))
        };
        assert!(ForecastRequest::parse(long(MAX_PERIOD as i64).as_bytes()).is_ok());
        assert!(error(&long(MAX_PERIOD as i64 + 1)).contains("rows"));
    }
}
