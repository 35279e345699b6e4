//! What `fitCsv` and `forecastArtifact` do, as plain Rust, stage by stage,
//! each stage timed by the caller's clock: the wasm exports call these with
//! `performance.now()`, the native benchmark (`benches/on_device.rs`) with
//! `Instant`, so one breakdown compares the same code in both places.

use std::borrow::Cow;

use gridcast_api::{
    FitStages, FitSummary, ForecastRow as Row, FutureRows, Horizon, ModelChoice, Preset,
    ReadingsSummary, RequestKind, WorkerError,
};
use gridcast_client::chart::geometry;
use gridcast_client::{Aggregation, ForecastTable, OnDeviceModel, Uncovered, Usage};
use gridcast_model::{
    fit, predict, read_model_json_to_forecast, write_artifact, AnswerSeed, Artifact,
    ArtifactLimits, ForecastOptions, Frame, ProphetConfig, ProphetModel, RegressorSpec,
};
use serde::Serialize;

use crate::rows::rows;

pub use crate::backtest::backtest;

/// Milliseconds from some fixed start (`performance.now()`, `Instant`).
pub type Clock = fn() -> f64;

/// Prophet's arguments for the preview: a [`Preset`]'s name (`default`,
/// `seed`, `weather`) or a `prophet.json` object's text.
pub fn config(preset: &str) -> Result<ProphetConfig, String> {
    match preset.trim_start() {
        json if json.starts_with('{') => {
            ProphetConfig::from_json(json).map_err(|e| format!("Prophet arguments: {e}"))
        }
        name => name
            .parse::<Preset>()
            .map(Preset::config)
            .map_err(|e| format!("{e}, or Prophet's arguments as a JSON object")),
    }
}

/// Checks a forecast horizon in days.
pub fn check_days(days: u32) -> Result<(), String> {
    Horizon::days(days).map(drop).map_err(|e| e.to_string())
}

/// What a fit answers: the worker's [`FitSummary`] (JavaScript's `fitCsv`
/// object) and the fitted model, whose artifact is written only when asked
/// for ([`FitAnswer::artifact`]: the download), not on every fit.
#[derive(Debug, Serialize)]
pub struct FitAnswer {
    /// The fit and its forecast.
    #[serde(flatten)]
    pub summary: FitSummary,
    /// The fitted model.
    #[serde(skip)]
    pub model: ProphetModel,
}

impl FitAnswer {
    /// The model's `.tar.gz` (model.json, tar and gzip).
    pub fn artifact(&self) -> Vec<u8> {
        artifact_of(&self.model)
    }
}

/// A fitted model's `.tar.gz`, as the pipeline writes it (Python Prophet
/// and `gridcast serve` load it).
pub fn artifact_of(model: &ProphetModel) -> Vec<u8> {
    write_artifact(&Artifact::for_model(model))
}

impl std::ops::Deref for FitAnswer {
    type Target = FitSummary;

    fn deref(&self) -> &FitSummary {
        &self.summary
    }
}

/// Times one stage: `(value, ms)`.
fn timed<T>(clock: Clock, f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = clock();
    let v = f();
    (v, clock() - t0)
}

/// Parses a CSV of readings (the first stage of [`fit_csv`]).
pub fn parse(csv: &[u8]) -> Result<Frame, String> {
    Frame::from_csv(csv).map_err(|e| e.to_string())
}

/// [`parse`] with the error a `request` answers.
pub fn parse_for(csv: &[u8], request: RequestKind) -> Result<Frame, WorkerError> {
    parse(csv).map_err(|e| WorkerError::new(request, "csv", e))
}

/// The extra numeric columns of a CSV (regressor candidates), in file order.
pub fn numeric_columns(frame: &Frame) -> Vec<String> {
    frame
        .columns
        .iter()
        .filter(|c| c.text.is_none())
        .map(|c| c.name.clone())
        .collect()
}

/// Prophet's arguments for `choice` on `frame`: the preset's, with the
/// frame's extra numeric columns as regressors (those the preset does not
/// name already) and the country's holidays when asked.
pub fn model_config(
    choice: &ModelChoice,
    frame: &Frame,
    request: RequestKind,
) -> Result<ProphetConfig, WorkerError> {
    let mut config = choice.preset.config();
    if choice.regressors {
        for name in numeric_columns(frame) {
            if !config.regressors.iter().any(|r| r.name == name) {
                config.regressors.push(RegressorSpec {
                    name,
                    prior_scale: None,
                    standardize: Default::default(),
                    mode: None,
                });
            }
        }
    }
    if let Some(country) = choice
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        config.country_holidays = Some(country.to_owned());
    }
    config
        .validate()
        .map_err(|e| WorkerError::new(request, "arguments", format!("Prophet arguments: {e}")))?;
    Ok(config)
}

/// `fitCsv`: parse, fit, forecast `days` days with 1,000 samples and chart,
/// each stage timed (the artifact is written on demand: [`FitAnswer::artifact`]).
pub fn fit_csv(
    csv: &[u8],
    config: &ProphetConfig,
    days: u32,
    seed: Option<u64>,
    clock: Clock,
) -> Result<FitAnswer, WorkerError> {
    let (series, parse_ms) = timed(clock, || parse_for(csv, RequestKind::Fit));
    let mut answer = fit_series(&series?, config, days, seed, clock)?;
    answer.summary.stages.parse_ms = parse_ms;
    Ok(answer)
}

/// [`fit_csv`] with the preview's [`ModelChoice`] (its regressors come from
/// the CSV's columns, so the arguments are made after parsing).
pub fn fit_choice(
    csv: &[u8],
    choice: &ModelChoice,
    days: u32,
    seed: Option<u64>,
    clock: Clock,
) -> Result<FitAnswer, WorkerError> {
    let (series, parse_ms) = timed(clock, || parse_for(csv, RequestKind::Fit));
    let series = series?;
    let config = model_config(choice, &series, RequestKind::Fit)?;
    let mut answer = fit_series(&series, &config, days, seed, clock)?;
    answer.summary.stages.parse_ms = parse_ms;
    Ok(answer)
}

/// The stages of [`fit_csv`] after parsing (a refit starts here). A model
/// with regressors or conditions forecasts from `series`' rows past its
/// readings; without their values for every day asked, the answer is
/// `future_values_missing` naming the columns and dates.
pub fn fit_series(
    series: &Frame,
    config: &ProphetConfig,
    days: u32,
    seed: Option<u64>,
    clock: Clock,
) -> Result<FitAnswer, WorkerError> {
    let failed = |code: &str, e: String| WorkerError::new(RequestKind::Fit, code, e);
    check_days(days).map_err(|e| failed("arguments", e))?;
    let mut stages = FitStages::default();
    let (fitted, fit_ms) = timed(clock, || fit(&through_last_reading(series), config));
    let fitted = fitted.map_err(|e| failed("fit", e.to_string()))?;
    stages.fit_ms = fit_ms;
    // Forecast and chart as the portal and widget do for a downloaded model.
    let device = OnDeviceModel {
        model: fitted.model,
        answer_seed: None,
    };
    let (table, forecast_ms) = timed(clock, || forecast_from(&device, series, days, seed));
    let table = table?;
    stages.forecast_ms = forecast_ms;
    let ((svg, rows), chart_ms) = timed(clock, || {
        let history = device.usage().aggregate(Aggregation::Daily);
        let svg = geometry(&history, Some(&table), "Daily readings and forecast")
            .map(|g| g.to_svg())
            .unwrap_or_default();
        (svg, rows(&table))
    });
    stages.chart_ms = chart_ms;
    let model = device.model;
    let summary = FitSummary {
        readings: series.observed(),
        fit_ms,
        lp: fitted.report.lp,
        iterations: fitted.report.iterations,
        algorithm: format!("{:?}", fitted.report.algorithm),
        y_scale: model.y_scale,
        trained_through: model
            .last_date()
            .map(gridcast_model::format_csv)
            .unwrap_or_default(),
        regressors: model
            .extra_regressors
            .iter()
            .map(|r| r.name.clone())
            .collect(),
        country: model.holidays.country.clone(),
        svg,
        rows,
        stages,
    };
    Ok(FitAnswer { summary, model })
}

/// The rows up to the last reading: the rows after it hold future values
/// (regressors) only, and the forecast starts after the readings, not
/// after them.
fn through_last_reading(series: &Frame) -> Cow<'_, Frame> {
    let Some(y) = &series.y else {
        return Cow::Borrowed(series);
    };
    let last = (0..y.len())
        .filter(|&i| !y[i].is_nan())
        .map(|i| series.ds[i])
        .max();
    let keep: Vec<usize> = (0..series.len())
        .filter(|&i| last.is_some_and(|l| series.ds[i] <= l))
        .collect();
    if keep.len() == series.len() {
        Cow::Borrowed(series)
    } else {
        Cow::Owned(series.select(&keep))
    }
}

/// The forecast of `days` days after the model's history: a model that
/// needs future values (regressors, conditions) takes them from `series`'
/// rows with those dates, and every day must have them.
fn forecast_from(
    device: &OnDeviceModel,
    series: &Frame,
    days: u32,
    seed: Option<u64>,
) -> Result<ForecastTable, WorkerError> {
    let failed = |e: String| WorkerError::new(RequestKind::Fit, "forecast", e);
    let periods = device.periods_for_days(days);
    if device.model.future_value_columns().is_empty() {
        return device.forecast(periods, seed).map_err(failed);
    }
    let (frame, uncovered) = device
        .covered_rows(periods, Some(&FutureRows::from_frame(series)))
        .map_err(failed)?;
    if let Some(u) = uncovered {
        return Err(future_values_missing(&u, days));
    }
    let options = ForecastOptions {
        seed,
        ..Default::default()
    };
    let f = predict(&device.model, &frame, &options).map_err(|e| failed(e.to_string()))?;
    ForecastTable::from_forecast(&f).map_err(failed)
}

/// `future_values_missing`: which columns the forecast needs for which
/// dates, and how to give them (nothing is extrapolated).
fn future_values_missing(u: &Uncovered, days: u32) -> WorkerError {
    let columns = u.columns.join(", ");
    let message = format!(
        "The model uses {columns}, so forecasting {days} days needs {columns} for each of them: \
         the CSV has none from {} to {} ({} rows). Add rows after the readings with ds and \
         {columns} (y left empty), or forecast fewer days.",
        gridcast_model::format_csv(u.first),
        gridcast_model::format_csv(u.last),
        u.rows
    );
    WorkerError {
        columns: u.columns.clone(),
        ..WorkerError::new(RequestKind::Fit, "future_values_missing", message)
    }
}

/// `readCsv`: the readings before fitting.
pub fn read_csv(csv: &[u8]) -> Result<ReadingsSummary, WorkerError> {
    let s = parse_for(csv, RequestKind::Read)?;
    let usage = Usage::new(s.ds.clone(), s.y.clone().unwrap_or_default());
    let svg = geometry(&usage.aggregate(Aggregation::Daily), None, "Daily readings")
        .map(|g| g.to_svg())
        .unwrap_or_default();
    let text = |t: Option<&i64>| {
        t.copied()
            .map(gridcast_model::format_csv)
            .unwrap_or_default()
    };
    Ok(ReadingsSummary {
        readings: s.observed(),
        first: text(s.ds.iter().min()),
        last: text(s.ds.iter().max()),
        columns: numeric_columns(&s),
        svg,
    })
}

/// Where a forecast from a stored artifact spent its time (ms).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastStages {
    /// gunzip (unless the host did: `host-gunzip`) and untar.
    pub unpack_ms: f64,
    /// model.json read into a model.
    pub model_json_ms: f64,
    /// Future dates and `predict` with the uncertainty simulation.
    pub forecast_ms: f64,
    /// The rows for JavaScript.
    pub rows_ms: f64,
}

/// What `forecastArtifact` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactForecast {
    pub trained_through: String,
    pub rows: Vec<Row>,
    pub stages: ForecastStages,
}

/// A stored artifact's contents: its `.tar.gz` unpacked, or with
/// `host-gunzip` (the edge's build, no inflater) its tar as the host
/// inflated it (`gunzipArtifact`).
fn unpack(artifact: &[u8]) -> Result<Artifact, gridcast_model::ArtifactError> {
    #[cfg(feature = "host-gunzip")]
    return gridcast_model::read_artifact_tar(artifact, &ArtifactLimits::default());
    #[cfg(not(feature = "host-gunzip"))]
    return gridcast_model::read_artifact(artifact, &ArtifactLimits::default());
}

/// `forecastArtifact`: unpack a stored artifact and forecast `days` days
/// with 1,000 samples, as the portal, widget and edge do on the device;
/// without a `seed`, the band the endpoint answers for this model.
pub fn forecast_artifact(
    artifact: &[u8],
    days: u32,
    seed: Option<u64>,
    clock: Clock,
) -> Result<ArtifactForecast, String> {
    check_days(days)?;
    let mut stages = ForecastStages::default();
    let (unpacked, unpack_ms) = timed(clock, || unpack(artifact));
    let unpacked = unpacked.map_err(|e| e.to_string())?;
    stages.unpack_ms = unpack_ms;
    let (model, model_json_ms) = timed(clock, || read_model_json_to_forecast(&unpacked.model_json));
    let device = OnDeviceModel {
        model: model.map_err(|e| e.to_string())?,
        answer_seed: Some(AnswerSeed::of_model_json(&unpacked.model_json)),
    };
    stages.model_json_ms = model_json_ms;
    let (table, forecast_ms) = timed(clock, || {
        let periods = device.periods_for_days(days);
        match seed {
            Some(seed) => device.forecast(periods, Some(seed)),
            None => device.forecast_as_endpoint(periods),
        }
    });
    let table: ForecastTable = table?;
    stages.forecast_ms = forecast_ms;
    let (rows, rows_ms) = timed(clock, || rows(&table));
    stages.rows_ms = rows_ms;
    Ok(ArtifactForecast {
        trained_through: device
            .trained_through()
            .map(gridcast_model::format_csv)
            .unwrap_or_default(),
        rows,
        stages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet/data/seed_trend_only.csv");
    const ARTIFACT: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");

    fn clock() -> f64 {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1e3
    }

    #[test]
    fn presets_and_prophet_arguments() {
        assert_eq!(config("seed").unwrap(), ProphetConfig::seed());
        let c = config(r#"{"growth": "flat", "n_changepoints": 5}"#).unwrap();
        assert_eq!(c.n_changepoints, 5);
        assert!(config(r#"{"growth": "sideways"}"#)
            .unwrap_err()
            .starts_with("Prophet arguments:"));
        assert!(config("seeds").unwrap_err().contains("unknown preset"));
    }

    #[test]
    fn a_fit_answers_its_stages_and_an_artifact_that_forecasts_again() {
        let a = fit_csv(CSV, &ProphetConfig::seed(), 14, Some(1), clock).unwrap();
        assert_eq!(a.readings, 365);
        assert_eq!(a.rows.len(), 14);
        assert_eq!(a.trained_through, "2022-12-31");
        let s = &a.stages;
        for ms in [s.parse_ms, s.fit_ms, s.forecast_ms, s.chart_ms] {
            assert!(ms >= 0.0 && ms.is_finite());
        }
        assert_eq!(s.artifact_ms, 0.0, "a fit writes no artifact until asked");
        assert_eq!(s.fit_ms, a.fit_ms);
        let artifact = a.artifact();
        assert_eq!(artifact, a.artifact(), "the same model, the same bytes");
        let again = forecast_artifact(&artifact, 14, Some(1), clock).unwrap();
        assert_eq!(again.trained_through, a.trained_through);
        assert_eq!(again.rows.len(), 14);
        assert!(check_days(0).is_err() && check_days(91).is_err());
    }

    #[test]
    fn without_a_seed_the_band_is_the_endpoints() {
        let f = forecast_artifact(ARTIFACT, 7, None, clock).unwrap();
        let device = OnDeviceModel::from_artifact(ARTIFACT).unwrap();
        let endpoint = device.forecast_as_endpoint(7).unwrap();
        assert_eq!(f.rows, rows(&endpoint));
        let seeded = forecast_artifact(ARTIFACT, 7, Some(5), clock).unwrap();
        assert_ne!(seeded.rows, f.rows);
    }

    /// `ds,y,temperature`: `n` readings driven by temperature, then `future`
    /// rows with temperature only.
    fn weather_csv(n: usize, future: usize) -> Vec<u8> {
        let mut out = String::from("ds,y,temperature\n");
        for i in 0..n + future {
            let t = 10.0 + 8.0 * (i as f64 / 9.0).sin();
            let ds = gridcast_model::format_csv(1_640_995_200 + 86_400 * i as i64);
            let y = if i < n {
                format!("{:.3}", 200.0 + 6.0 * t)
            } else {
                String::new()
            };
            out.push_str(&format!("{ds},{y},{t:.2}\n"));
        }
        out.into_bytes()
    }

    #[test]
    fn extra_columns_are_regressors_forecast_from_the_rows_past_the_readings() {
        let csv = weather_csv(120, 10);
        let frame = parse(&csv).unwrap();
        let choice = ModelChoice {
            preset: Preset::Default,
            country: Some("US".into()),
            regressors: true,
        };
        let config = model_config(&choice, &frame, RequestKind::Fit).unwrap();
        let a = fit_choice(&csv, &choice, 10, Some(1), clock).unwrap();
        assert_eq!(a.regressors, ["temperature"]);
        assert_eq!(a.country.as_deref(), Some("US"));
        assert_eq!(a.trained_through, "2022-04-30");
        assert_eq!(a.rows[0].ds, "2022-05-01");
        assert_eq!(a.rows.len(), 10);
        let e = fit_series(&frame, &config, 15, Some(1), clock).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.columns.as_slice()),
            ("future_values_missing", &["temperature".to_owned()][..])
        );
        assert!(
            e.message.contains("2022-05-11 to 2022-05-15 (5 rows)"),
            "{e}"
        );
    }
}
