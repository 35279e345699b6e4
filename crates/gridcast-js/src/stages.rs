//! What `fitCsv` and `forecastArtifact` do, as plain Rust, stage by stage,
//! each stage timed by the caller's clock: the wasm exports call these with
//! `performance.now()`, the native benchmark (`benches/on_device.rs`) with
//! `Instant`, so one breakdown compares the same code in both places.

use gridcast_api::{Horizon, Preset};
use gridcast_client::chart::geometry;
use gridcast_client::{Aggregation, ForecastTable, OnDeviceModel, Usage};
use gridcast_model::{
    fit, read_artifact, read_model_json, write_artifact, AnswerSeed, Artifact, ArtifactLimits,
    Frame, ProphetConfig,
};
use serde::Serialize;

use crate::rows::{rows, Row};

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

/// Where an on-device fit spent its time (ms).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FitStages {
    /// Reading the CSV into a `Series`.
    pub parse_ms: f64,
    /// Prophet's preprocessing and the optimizer.
    pub fit_ms: f64,
    /// Future dates and `predict` with the uncertainty simulation.
    pub forecast_ms: f64,
    /// The readings aggregated and the chart drawn as SVG, the rows.
    pub chart_ms: f64,
    /// model.json, tar and gzip.
    pub artifact_ms: f64,
}

/// What a fit answers (JavaScript's `fitCsv` object, but the artifact).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FitAnswer {
    pub readings: usize,
    pub fit_ms: f64,
    pub lp: f64,
    pub iterations: usize,
    pub algorithm: String,
    pub y_scale: f64,
    pub trained_through: String,
    pub svg: String,
    pub rows: Vec<Row>,
    pub stages: FitStages,
    /// The `.tar.gz` (handed to JavaScript as a `Uint8Array`).
    #[serde(skip)]
    pub artifact: Vec<u8>,
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

/// `fitCsv`: parse, fit, forecast `days` days with 1,000 samples, chart and
/// artifact, each stage timed.
pub fn fit_csv(
    csv: &[u8],
    config: &ProphetConfig,
    days: u32,
    seed: Option<u64>,
    clock: Clock,
) -> Result<FitAnswer, String> {
    let (series, parse_ms) = timed(clock, || parse(csv));
    let mut answer = fit_series(&series?, config, days, seed, clock)?;
    answer.stages.parse_ms = parse_ms;
    Ok(answer)
}

/// The stages of [`fit_csv`] after parsing (a refit starts here).
pub fn fit_series(
    series: &Frame,
    config: &ProphetConfig,
    days: u32,
    seed: Option<u64>,
    clock: Clock,
) -> Result<FitAnswer, String> {
    check_days(days)?;
    let mut stages = FitStages::default();
    let (fitted, fit_ms) = timed(clock, || fit(series, config));
    let fitted = fitted.map_err(|e| e.to_string())?;
    stages.fit_ms = fit_ms;
    // Forecast and chart as the portal and widget do for a downloaded model.
    let device = OnDeviceModel {
        model: fitted.model,
        answer_seed: None,
    };
    let (table, forecast_ms) = timed(clock, || {
        device.forecast(device.periods_for_days(days), seed)
    });
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
    let (artifact, artifact_ms) = timed(clock, || write_artifact(&Artifact::for_model(&model)));
    stages.artifact_ms = artifact_ms;
    Ok(FitAnswer {
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
        svg,
        rows,
        stages,
        artifact,
    })
}

/// What `readCsv` answers: the readings checked and charted.
#[derive(Debug, Serialize)]
pub struct Readings {
    pub readings: usize,
    pub first: String,
    pub last: String,
    pub svg: String,
}

/// `readCsv`: the readings before fitting.
pub fn read_csv(csv: &[u8]) -> Result<Readings, String> {
    let s = parse(csv)?;
    let usage = Usage::new(s.ds.clone(), s.y.clone().unwrap_or_default());
    let svg = geometry(&usage.aggregate(Aggregation::Daily), None, "Daily readings")
        .map(|g| g.to_svg())
        .unwrap_or_default();
    let text = |t: Option<&i64>| {
        t.copied()
            .map(gridcast_model::format_csv)
            .unwrap_or_default()
    };
    Ok(Readings {
        readings: s.observed(),
        first: text(s.ds.iter().min()),
        last: text(s.ds.iter().max()),
        svg,
    })
}

/// Where a forecast from a stored artifact spent its time (ms).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastStages {
    /// gunzip and untar.
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
    let (unpacked, unpack_ms) = timed(clock, || {
        read_artifact(artifact, &ArtifactLimits::default())
    });
    let unpacked = unpacked.map_err(|e| e.to_string())?;
    stages.unpack_ms = unpack_ms;
    let (model, model_json_ms) = timed(clock, || read_model_json(&unpacked.model_json));
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
        for ms in [
            s.parse_ms,
            s.fit_ms,
            s.forecast_ms,
            s.chart_ms,
            s.artifact_ms,
        ] {
            assert!(ms >= 0.0 && ms.is_finite());
        }
        assert_eq!(s.fit_ms, a.fit_ms);
        let again = forecast_artifact(&a.artifact, 14, Some(1), clock).unwrap();
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
}
