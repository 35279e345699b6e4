//! Forecast tables: read from the endpoint's pandas JSON, or computed on the
//! device from a stored artifact with the same Prophet code.

use gridcast_api::FutureRows;
use gridcast_model::{
    format_csv, future_frame, infer_frequency, predict, read_artifact, read_model_json_to_forecast, AnswerSeed, ArtifactLimits, Forecast, ForecastOptions, Frame, HolidaySource,
    HolidayTable, ProphetModel,
};

use std::sync::Arc;


use crate::usage::Usage;

/// InvokeEndpoint's answer as pandas writes it: each column an object of
/// row index → value (`null` for NaN). `predict`'s columns are all numbers.
/// (A `Vec` of columns rather than a map: the portal's wasm stays smaller.)
struct PandasColumns(Vec<(String, PandasColumn)>);

/// One pandas column: row index → value, in index order, a repeated index
/// keeping its last value — what a `BTreeMap<u64, Option<f64>>` reads,
/// with the same errors, kept as a `Vec` (the B-tree was 2 KB of pkg-edge's
/// gzip). Rows arrive in index order from pandas and are pushed; any other
/// row is put in its place by binary search.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct PandasColumn(Vec<(u64, Option<f64>)>);

impl PandasColumn {
    fn insert(&mut self, row: u64, value: Option<f64>) {
        if self.0.last().is_none_or(|&(last, _)| last < row) {
            self.0.push((row, value));
            return;
        }
        match self.0.binary_search_by_key(&row, |&(r, _)| r) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (row, value)),
        }
    }

    /// The row indices, ascending.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &u64> + '_ {
        self.0.iter().map(|(row, _)| row)
    }

    /// The values in row order.
    pub(crate) fn into_values(self) -> impl Iterator<Item = Option<f64>> {
        self.0.into_iter().map(|(_, value)| value)
    }

    /// Rows.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// No rows.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for PandasColumn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Rows;
        impl<'de> serde::de::Visitor<'de> for Rows {
            type Value = PandasColumn;
            // `BTreeMap`'s words, so a refusal reads as it did.
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut column = PandasColumn::default();
                while let Some((row, value)) = m.next_entry()? {
                    column.insert(row, value);
                }
                Ok(column)
            }
        }
        d.deserialize_map(Rows)
    }
}

impl<'de> serde::Deserialize<'de> for PandasColumns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Columns;
        impl<'de> serde::de::Visitor<'de> for Columns {
            type Value = PandasColumns;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of columns")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut columns = Vec::new();
                while let Some(entry) = m.next_entry()? {
                    columns.push(entry);
                }
                Ok(PandasColumns(columns))
            }
        }
        d.deserialize_map(Columns)
    }
}

impl PandasColumns {
    fn remove(&mut self, name: &str) -> Option<PandasColumn> {
        let i = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.swap_remove(i).1)
    }
}

/// Which side produced a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForecastSource {
    /// The endpoint answered InvokeEndpoint.
    Endpoint,
    /// This device forecast from its stored artifact.
    Device,
}

impl ForecastSource {
    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            ForecastSource::Endpoint => "the forecast service",
            ForecastSource::Device => "this device (offline)",
        }
    }

    /// For machines (the edge handler's `x-gridcast-source` header).
    pub fn as_str(self) -> &'static str {
        match self {
            ForecastSource::Endpoint => "endpoint",
            ForecastSource::Device => "device",
        }
    }
}

/// The columns a customer sees: time, forecast, uncertainty band, and the
/// answer's other columns (trend, seasonalities, holidays, regressors).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ForecastTable {
    /// Unix seconds.
    pub ds: Vec<i64>,
    /// Forecast.
    pub yhat: Vec<f64>,
    /// Lower bound of the uncertainty interval.
    pub lower: Vec<f64>,
    /// Upper bound.
    pub upper: Vec<f64>,
    /// The other columns by name (not their `_lower`/`_upper` bounds), NaN
    /// where the answer has null; see [`crate::components`].
    pub columns: Vec<(String, Vec<f64>)>,
}

/// Whether the `predict` column `name` is a component rather than the
/// forecast, its band or a component's bounds.
fn is_component(name: &str) -> bool {
    !matches!(name, "ds" | "yhat" | "yhat_lower" | "yhat_upper")
        && !name.ends_with("_lower")
        && !name.ends_with("_upper")
}

/// The answer's columns other than the forecast and its band (`null` is
/// NaN), in the rows of `index`: a column with other rows is left out.
fn component_columns(answer: PandasColumns, index: &[u64]) -> Vec<(String, Vec<f64>)> {
    answer
        .0
        .into_iter()
        .filter(|(name, c)| is_component(name) && c.keys().eq(index))
        .map(|(name, c)| (name, c.into_values().map(|v| v.unwrap_or(f64::NAN)).collect()))
        .collect()
}

impl ForecastTable {
    /// Reads InvokeEndpoint's answer: pandas `to_json()` (orient=columns),
    /// `ds` in epoch milliseconds, rows keyed by index.
    pub fn from_pandas_json(body: &[u8]) -> Result<Self, String> {
        let mut answer: PandasColumns =
            serde_json::from_slice(body).map_err(|e| match e.classify() {
                serde_json::error::Category::Data => format!("not a forecast table: {e}"),
                _ => format!("not JSON: {e}"),
            })?;
        let ds = answer.remove("ds").ok_or("no \"ds\" column")?;
        let index: Vec<u64> = ds.keys().copied().collect();
        let mut values = |name: &str| -> Result<Vec<f64>, String> {
            let c = answer.remove(name).ok_or_else(|| format!("no {name:?} column"))?;
            if !c.keys().eq(&index) {
                return Err(format!("{name} has other rows than ds"));
            }
            c.into_values()
                .map(|v| v.ok_or_else(|| format!("{name} has a null")))
                .collect()
        };
        let (yhat, lower, upper) = (values("yhat")?, values("yhat_lower")?, values("yhat_upper")?);
        let ds: Vec<i64> = ds
            .into_values()
            .map(|ms| ms.map(|ms| (ms / 1000.0).round() as i64).ok_or("ds has a null"))
            .collect::<Result<_, _>>()?;
        let table = Self {
            columns: component_columns(answer, &index),
            ds,
            yhat,
            lower,
            upper,
        };
        if table.ds.is_empty() {
            return Err("no rows".into());
        }
        Ok(table)
    }

    /// The customer-facing columns of a full forecast.
    pub fn from_forecast(f: &Forecast) -> Result<Self, String> {
        let col = |n: &str| {
            f.column(n)
                .map(<[f64]>::to_vec)
                .ok_or_else(|| format!("forecast has no {n} column"))
        };
        Ok(Self {
            ds: f.ds.clone(),
            yhat: col("yhat")?,
            lower: col("yhat_lower")?,
            upper: col("yhat_upper")?,
            columns: f
                .columns
                .iter()
                .filter(|(name, _)| is_component(name))
                .cloned()
                .collect(),
        })
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// `ds,yhat,yhat_lower,yhat_upper` with ISO dates, for download.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("ds,yhat,yhat_lower,yhat_upper\n");
        for i in 0..self.len() {
            out.push_str(&gridcast_model::format_csv(self.ds[i]));
            for v in [self.yhat[i], self.lower[i], self.upper[i]] {
                out.push(',');
                out.push_str(&format!("{v:.3}"));
            }
            out.push('\n');
        }
        out
    }
}

/// The rows a device forecast leaves out because the device has no future
/// values (covariates) of a column the model needs for them: the first
/// such row and every one after it. Shown as it is, never filled in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Uncovered {
    /// The columns without values at `first`.
    pub columns: Vec<String>,
    /// The first row left out (Unix seconds).
    pub first: i64,
    /// The last row asked for.
    pub last: i64,
    /// How many rows are left out.
    pub rows: usize,
}

impl std::fmt::Display for Uncovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let span = if self.rows == 1 {
            format_csv(self.first)
        } else {
            format!("{} to {}", format_csv(self.first), format_csv(self.last))
        };
        write!(
            f,
            "This device has no {} forecast for {span}, so {} not forecast",
            self.columns.join(" or "),
            if self.rows == 1 { "that date is" } else { "those dates are" }
        )
    }
}

/// A forecast on the device: the rows it could give, and those it could not.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeviceForecast {
    /// The forecast rows (the covered ones, from the first).
    pub table: ForecastTable,
    /// The rows left out for want of covariates.
    pub uncovered: Option<Uncovered>,
}

/// Why the device gave no forecast at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum DeviceForecastError {
    /// Not even the first row has the covariates the model needs.
    #[error("{0}")]
    NoCovariates(Uncovered),
    /// The model has this country's holidays and no table of it was given.
    #[error("no holiday table for {0}")]
    NoHolidayTable(String),
    /// The model failed.
    #[error("{0}")]
    Model(String),
}

/// A customer's model, unpacked on the device.
#[derive(Debug, Clone)]
pub struct OnDeviceModel {
    /// The fitted model.
    pub model: ProphetModel,
    /// The endpoint's uncertainty seed for this model (from its model.json);
    /// `None` for a model fitted on the device and not yet stored.
    pub answer_seed: Option<AnswerSeed>,
}

impl OnDeviceModel {
    /// Unpacks `{customer}.tar.gz` (with the model crate's archive limits).
    pub fn from_artifact(bytes: &[u8]) -> Result<Self, String> {
        let artifact =
            read_artifact(bytes, &ArtifactLimits::default()).map_err(|e| e.to_string())?;
        Self::from_unpacked(&artifact)
    }

    /// The model in an unpacked artifact (its model.json).
    pub fn from_unpacked(artifact: &gridcast_model::Artifact) -> Result<Self, String> {
        let model = read_model_json_to_forecast(&artifact.model_json).map_err(|e| e.to_string())?;
        Ok(Self {
            model,
            answer_seed: Some(AnswerSeed::of_model_json(&artifact.model_json)),
        })
    }

    /// The consumption the model was trained on.
    pub fn usage(&self) -> Usage {
        Usage::new(self.model.history.ds.clone(), self.model.history.y.clone())
    }

    /// The last training timestamp: the model knows readings up to here.
    pub fn trained_through(&self) -> Option<i64> {
        self.model.last_date()
    }

    /// Seconds between readings (a day for the seed's models): the
    /// frequency's step, or for calendar frequencies (months, weeks) the mean
    /// step of the last readings.
    pub fn step_seconds(&self) -> i64 {
        let fixed = infer_frequency(&self.model).map(|f| f.fixed_seconds());
        match fixed {
            Ok(Some(step)) => step,
            Ok(None) => {
                let d = &self.model.history_dates;
                let tail = &d[d.len().saturating_sub(5)..];
                match (tail.first(), tail.last()) {
                    (Some(a), Some(b)) if tail.len() > 1 => (b - a) / (tail.len() as i64 - 1),
                    _ => 86_400,
                }
            }
            Err(_) => 86_400,
        }
    }

    /// How many model periods cover `days` days.
    pub fn periods_for_days(&self, days: u32) -> u32 {
        crate::facts::periods_for_days(self.step_seconds(), days)
    }

    /// Forecasts `periods` rows after the history, like the endpoint does
    /// (the same rows, columns and sampler; `seed` fixes the band).
    pub fn forecast(&self, periods: u32, seed: Option<u64>) -> Result<ForecastTable, String> {
        let rows = future_frame(&self.model, periods as usize, None).map_err(|e| e.to_string())?;
        let f = predict(
            &self.model,
            &rows,
            &device_options(seed),
        )
        .map_err(|e| e.to_string())?;
        ForecastTable::from_forecast(&f)
    }

    /// Forecasts `periods` rows as the endpoint answers them for this model:
    /// the same rows and the same uncertainty band (its seed), so a fallback
    /// to the device changes nothing on the page.
    pub fn forecast_as_endpoint(&self, periods: u32) -> Result<ForecastTable, String> {
        let seed = self.answer_seed.map(|s| s.for_horizon(periods as usize));
        self.forecast(periods, seed)
    }
}

impl OnDeviceModel {
    /// The `periods` rows after the history with the model's covariates
    /// from `covariates` (by date), up to the first row that lacks one.
    pub fn covered_rows(
        &self,
        periods: u32,
        covariates: Option<&FutureRows>,
    ) -> Result<(Frame, Option<Uncovered>), String> {
        let mut frame =
            future_frame(&self.model, periods as usize, None).map_err(|e| e.to_string())?;
        let asked = frame.ds.len();
        let mut covered = asked;
        let mut missing = Vec::new();
        for name in self.model.future_value_columns() {
            let values: Vec<f64> = frame
                .ds
                .iter()
                .map(|ds| covariate(covariates, &name, *ds))
                .collect();
            let gap = values.iter().position(|v| v.is_nan()).unwrap_or(asked);
            if gap < covered {
                covered = gap;
                missing.clear();
            }
            if gap == covered && gap < asked {
                missing.push(name.clone());
            }
            frame = frame.with_column(&name, values);
        }
        if covered == asked {
            return Ok((frame, None));
        }
        let uncovered = Uncovered {
            columns: missing,
            first: frame.ds[covered],
            last: frame.ds[asked - 1],
            rows: asked - covered,
        };
        frame.ds.truncate(covered);
        for values in [frame.cap.as_mut(), frame.floor.as_mut()].into_iter().flatten() {
            values.truncate(covered);
        }
        for c in &mut frame.columns {
            c.values.truncate(covered);
        }
        Ok((frame, Some(uncovered)))
    }

    /// Where this model's country holidays come from on the device: the
    /// kept `table` when it is the model's country's, never the tables a
    /// build may have compiled in (a device has none).
    pub fn holiday_source(
        &self,
        table: Option<&Arc<HolidayTable>>,
    ) -> Result<HolidaySource, DeviceForecastError> {
        let Some(code) = self.model.holidays.country_code() else {
            return Ok(HolidaySource::Embedded); // unused: no country holidays
        };
        match table {
            Some(t) if t.country() == code => Ok(HolidaySource::Table(t.clone())),
            _ => Err(DeviceForecastError::NoHolidayTable(code.to_owned())),
        }
    }

    /// The model's holidays from `from` to `to` (Unix seconds, inclusive)
    /// by day, for the chart's markers: its holidays frame's and, with the
    /// kept `table` of its country, the country's — only names the fit saw,
    /// as its features do. In no particular order (the frame's, then the
    /// table's).
    pub fn holiday_days(&self, table: Option<&HolidayTable>, from: i64, to: i64) -> Vec<(i64, String)> {
        let h = &self.model.holidays;
        let frame = h.frame.iter().flatten().map(|x| (x.ds, x.name.clone())).collect();
        crate::facts::holiday_days(frame, h.train_names.as_deref(), h.country_code(), table, (from, to))
    }

    /// Forecasts `periods` rows as the endpoint answers them for this model
    /// with what the device keeps beside it: the rows up to the first one
    /// `covariates` has no value for (the band the endpoint draws for that
    /// many rows), and which rows are left out — never a guessed value; a
    /// model with country holidays needs that country's `holidays` table.
    pub fn forecast_covered(
        &self,
        periods: u32,
        covariates: Option<&FutureRows>,
        holidays: Option<&Arc<HolidayTable>>,
    ) -> Result<DeviceForecast, DeviceForecastError> {
        let holidays = self.holiday_source(holidays)?;
        let (frame, uncovered) = self
            .covered_rows(periods, covariates)
            .map_err(DeviceForecastError::Model)?;
        if frame.ds.is_empty() {
            return Err(DeviceForecastError::NoCovariates(
                uncovered.expect("rows were asked for"),
            ));
        }
        let seed = self.answer_seed.map(|s| s.for_horizon(frame.ds.len()));
        let options = ForecastOptions { holidays, ..device_options(seed) };
        let f = predict(&self.model, &frame, &options)
            .map_err(|e| DeviceForecastError::Model(e.to_string()))?;
        Ok(DeviceForecast {
            table: ForecastTable::from_forecast(&f).map_err(DeviceForecastError::Model)?,
            uncovered,
        })
    }
}

/// A device forecast's options: the table shows `yhat`'s band only, so the
/// trend's interval is left out (the same draws; see
/// [`ForecastOptions::without_trend_interval`]).
fn device_options(seed: Option<u64>) -> ForecastOptions {
    ForecastOptions {
        seed,
        without_trend_interval: true,
        ..Default::default()
    }
}

/// `covariates`' value of `column` at `ds`, NaN when it has none.
fn covariate(covariates: Option<&FutureRows>, column: &str, ds: i64) -> f64 {
    let Some(rows) = covariates else {
        return f64::NAN;
    };
    match (rows.ds.binary_search(&ds), rows.column(column)) {
        (Ok(i), Some(values)) => values[i],
        _ => f64::NAN,
    }
}

/// Unpacks `artifact` and forecasts `periods` rows on the device.
pub fn forecast_on_device(
    artifact: &[u8],
    periods: u32,
    seed: Option<u64>,
) -> Result<ForecastTable, String> {
    OnDeviceModel::from_artifact(artifact)?.forecast(periods, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcast_model::{seed_response, ForecastOptions};

    const ARTIFACT: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");

    /// A pandas column reads as the `BTreeMap<u64, Option<f64>>` it replaces:
    /// the same rows in the same order (a repeated index keeps its last
    /// value) and the same refusal, word for word.
    #[test]
    fn pandas_column_reads_as_a_btree_map() {
        use std::collections::BTreeMap;
        let texts = [
            r#"{}"#,
            r#"{"0":1.5,"1":null,"2":-3}"#,
            r#"{"2":1,"0":2,"1":3}"#,
            r#"{"5":1,"3":2,"5":3,"3":null,"4":4,"10":5,"9":6}"#,
            r#"{"0":1,"0":2}"#,
            r#"{"18446744073709551615":1,"0":2}"#,
            r#"{"-1":1}"#,
            r#"{"1.5":1}"#,
            r#"{"x":1}"#,
            r#"{"0":"a"}"#,
            r#"{"0":1,}"#,
            r#"[1,2]"#,
            r#"null"#,
            r#"3"#,
            r#""0""#,
            r#"{"0":1"#,
        ];
        for text in texts {
            let ours = serde_json::from_str::<PandasColumn>(text)
                .map(|c| c.0)
                .map_err(|e| e.to_string());
            let theirs = serde_json::from_str::<BTreeMap<u64, Option<f64>>>(text)
                .map(|m| m.into_iter().collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn device_forecast_equals_the_endpoint_answer() {
        let m = OnDeviceModel::from_artifact(ARTIFACT).unwrap();
        let opts = ForecastOptions {
            seed: Some(3),
            ..Default::default()
        };
        let online =
            ForecastTable::from_pandas_json(seed_response(&m.model, 7, &opts).unwrap().as_bytes())
                .unwrap();
        let device = m.forecast(7, Some(3)).unwrap();
        assert_eq!(online.ds, device.ds);
        for (a, b) in online
            .yhat
            .iter()
            .zip(&device.yhat)
            .chain(online.lower.iter().zip(&device.lower))
        {
            // pandas writes 10 decimals.
            assert!((a - b).abs() < 1e-9 * m.model.y_scale, "{a} vs {b}");
        }
        assert_eq!(device.ds[0], m.trained_through().unwrap() + 86_400);
        assert_eq!(m.periods_for_days(14), 14);
        let csv = device.to_csv();
        assert_eq!(csv.lines().count(), 8);
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&gridcast_model::format_csv(device.ds[0])));
    }

    #[test]
    fn bad_answers_say_what_is_wrong() {
        assert!(ForecastTable::from_pandas_json(b"{")
            .unwrap_err()
            .contains("not JSON"));
        assert!(ForecastTable::from_pandas_json(b"[1]")
            .unwrap_err()
            .contains("not a forecast table"));
        assert!(ForecastTable::from_pandas_json(br#"{"ds":{"0":0}}"#)
            .unwrap_err()
            .contains("yhat"));
        let e = ForecastTable::from_pandas_json(
            br#"{"ds":{"0":0,"1":86400000},"yhat":{"0":1},"yhat_lower":{"0":1},"yhat_upper":{"0":1}}"#,
        )
        .unwrap_err();
        assert!(e.contains("other rows"), "{e}");
        assert!(OnDeviceModel::from_artifact(b"not gzip").is_err());
    }

    const REGRESSOR: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet-ext/models/temp_regressor.tar.gz");
    const FUTURE: &str = include_str!("../../../../shared/fixtures/prophet-ext/future/temp_regressor.csv");
    const EXPECTED: &str =
        include_str!("../../../../shared/fixtures/prophet-ext/expected/temp_regressor.json");

    /// The fixture's future temperature and heating for its first `days` days.
    fn covariates(days: usize) -> FutureRows {
        let mut rows = FutureRows::default();
        let (mut t, mut h) = (Vec::new(), Vec::new());
        for line in FUTURE.lines().skip(1).take(days) {
            let cells: Vec<&str> = line.split(',').collect();
            rows.ds.push(gridcast_model::parse_timestamp(cells[0]).unwrap());
            t.push(cells[1].parse().unwrap());
            h.push(cells[2].parse().unwrap());
        }
        rows.set_column("temperature", t);
        rows.set_column("heating", h);
        rows
    }

    #[test]
    fn a_regressor_model_forecasts_on_the_device_from_kept_covariates_as_python_does() {
        let m = OnDeviceModel::from_artifact(REGRESSOR).unwrap();
        assert_eq!(m.model.future_value_columns(), ["temperature", "heating"]);
        let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
        let f = m.forecast_covered(7, Some(&covariates(30)), None).unwrap();
        assert_eq!(f.uncovered, None);
        assert_eq!(f.table.len(), 7);
        for i in 0..7 {
            let want = expected["columns"]["yhat"][i].as_f64().unwrap();
            assert!((f.table.yhat[i] - want).abs() < 1e-6 * want, "row {i}: {} vs {want}", f.table.yhat[i]);
        }
        // The band is the endpoint's for 7 rows of this model.
        let again = m.forecast_covered(7, Some(&covariates(7)), None).unwrap();
        assert_eq!(again, f);
    }

    #[test]
    fn days_without_covariates_are_left_out_and_named() {
        let m = OnDeviceModel::from_artifact(REGRESSOR).unwrap();
        let f = m.forecast_covered(7, Some(&covariates(5)), None).unwrap();
        assert_eq!(f.table.len(), 5);
        let u = f.uncovered.unwrap();
        assert_eq!(u.columns, ["temperature", "heating"]);
        assert_eq!((format_csv(u.first), format_csv(u.last), u.rows), ("2024-01-06".into(), "2024-01-07".into(), 2));
        assert_eq!(
            u.to_string(),
            "This device has no temperature or heating forecast for 2024-01-06 to 2024-01-07, so those dates are not forecast"
        );
        // The covered rows are the forecast of 5 rows, not the first 5 of 7.
        let five = m.forecast_covered(5, Some(&covariates(30)), None).unwrap();
        assert_eq!(five.table, f.table);

        // One column's gap ends the covered rows; only that column is named.
        let mut gap = covariates(30);
        let mut t = gap.column("temperature").unwrap().to_vec();
        t[2] = f64::NAN;
        gap.set_column("temperature", t);
        let f = m.forecast_covered(7, Some(&gap), None).unwrap();
        assert_eq!(f.table.len(), 2);
        let u = f.uncovered.unwrap();
        assert_eq!((u.columns, u.rows), (vec!["temperature".to_owned()], 5));

        // Nothing kept, or nothing for the first day: no forecast at all.
        let none = m.forecast_covered(3, None, None).unwrap_err();
        let DeviceForecastError::NoCovariates(u) = none else { panic!("{none:?}") };
        assert_eq!((format_csv(u.first), u.rows), ("2024-01-01".into(), 3));
        assert_eq!(
            u.to_string(),
            "This device has no temperature or heating forecast for 2024-01-01 to 2024-01-03, so those dates are not forecast"
        );
        let mut late = covariates(30);
        late.ds.remove(0);
        for (_, v) in &mut late.columns {
            v.remove(0);
        }
        assert!(matches!(m.forecast_covered(1, Some(&late), None), Err(DeviceForecastError::NoCovariates(u)) if u.rows == 1));

        // A model without regressors needs none.
        let seed = OnDeviceModel::from_artifact(ARTIFACT).unwrap();
        let f = seed.forecast_covered(7, None, None).unwrap();
        assert_eq!((f.table, f.uncovered), (seed.forecast_as_endpoint(7).unwrap(), None));
    }

    const US_WEATHER: &[u8] = include_bytes!("../tests/holidays/us_weather.tar.gz");
    const US_EXPECTED: &str = include_str!("../tests/holidays/us_weather.json");

    fn table(code: &str) -> Arc<HolidayTable> {
        let path = format!("{}/../gridcast-holidays/data/{code}.bin", env!("CARGO_MANIFEST_DIR"));
        Arc::new(HolidayTable::from_bytes(&std::fs::read(path).unwrap()).unwrap())
    }

    /// A model like the weather preset's (temperature, weekly, US holidays)
    /// fitted by Python Prophet (`tests/holidays/make_us_weather.py`), its
    /// forecast over Christmas and New Year's.
    #[test]
    fn a_us_holidays_model_forecasts_on_the_device_with_the_kept_table_as_python_does() {
        let m = OnDeviceModel::from_artifact(US_WEATHER).unwrap();
        assert_eq!(m.model.holidays.country_code(), Some("US"));
        let expected: serde_json::Value = serde_json::from_str(US_EXPECTED).unwrap();
        let mut rows = FutureRows::default();
        for d in expected["future"]["ds"].as_array().unwrap() {
            rows.ds.push(gridcast_model::parse_timestamp(d.as_str().unwrap()).unwrap());
        }
        let temps: Vec<f64> = expected["future"]["temperature"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        rows.set_column("temperature", temps);
        let want: Vec<f64> = expected["yhat"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let effects: Vec<f64> = expected["holidays"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(effects.iter().filter(|e| e.abs() > 1.0).count() >= 2, "Christmas and New Year's move the forecast");

        let f = m.forecast_covered(30, Some(&rows), Some(&table("US"))).unwrap();
        assert_eq!((f.table.len(), f.uncovered), (30, None));
        for (i, (got, want)) in f.table.yhat.iter().zip(&want).enumerate() {
            assert!((got - want).abs() < 1e-6 * want.abs(), "row {i}: {got} vs Python's {want}");
        }

        // Without the table, or with another country's, no forecast: a typed refusal naming the
        // country (never a forecast without the holidays).
        for wrong in [None, Some(&table("CA"))] {
            let e = m.forecast_covered(30, Some(&rows), wrong).unwrap_err();
            assert_eq!(e, DeviceForecastError::NoHolidayTable("US".into()));
        }
        // A model without country holidays needs no table.
        let seed = OnDeviceModel::from_artifact(ARTIFACT).unwrap();
        assert!(seed.forecast_covered(7, None, None).is_ok());

        // The chart's markers: the US holidays the fit saw, from the table, in the range.
        let day = |d: &str| gridcast_model::parse_timestamp(d).unwrap();
        let us = table("US");
        let mut marked = m.holiday_days(Some(&us), day("2023-11-01"), day("2024-01-03"));
        marked.sort();
        let names: Vec<(String, &str)> = marked.iter().map(|(t, n)| (format_csv(*t), n.as_str())).collect();
        assert_eq!(
            names,
            [
                ("2023-11-10".into(), "Veterans Day (observed)"),
                ("2023-11-11".into(), "Veterans Day"),
                ("2023-11-23".into(), "Thanksgiving Day"),
                ("2023-12-25".into(), "Christmas Day"),
                ("2024-01-01".into(), "New Year's Day"),
            ]
        );
        assert!(m.holiday_days(None, day("2023-11-01"), day("2024-01-03")).is_empty());
        assert!(m.holiday_days(Some(&table("CA")), day("2023-11-01"), day("2024-01-03")).is_empty());
    }

    /// Python's DE model (prophet-ext `holidays_country`: country holidays
    /// and a holidays frame with windows) from the DE table.
    #[test]
    fn a_de_holidays_model_forecasts_on_the_device_as_python_does() {
        let artifact = include_bytes!("../../../../shared/fixtures/prophet-ext/models/holidays_country.tar.gz");
        let expected: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../shared/fixtures/prophet-ext/expected/holidays_country.json"
        ))
        .unwrap();
        let m = OnDeviceModel::from_artifact(artifact).unwrap();
        let f = m.forecast_covered(60, None, Some(&table("DE"))).unwrap();
        for (i, got) in f.table.yhat.iter().enumerate() {
            let want = expected["yhat"][i].as_f64().unwrap();
            assert!((got - want).abs() < 1e-6 * want.abs(), "row {i}: {got} vs Python's {want}");
        }
    }
}
