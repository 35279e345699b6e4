//! `fitCsv` and `refitWithReadings`: Prophet fitted on the device, for the
//! preview page's Web Worker.

use gridcast_client::chart::geometry;
use gridcast_client::{Aggregation, OnDeviceModel, Usage};
use gridcast_model::{fit, write_artifact, Artifact, Frame, ProphetConfig};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::js_value::ToJs;
use crate::rows::{rows, Row};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FitAnswer {
    readings: usize,
    fit_ms: f64,
    lp: f64,
    iterations: usize,
    algorithm: String,
    y_scale: f64,
    trained_through: String,
    svg: String,
    rows: Vec<Row>,
    #[serde(skip)]
    artifact: Vec<u8>,
}

fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok().map(|f| (p, f)))
        .and_then(|(p, f)| {
            f.dyn_into::<js_sys::Function>()
                .ok()?
                .call0(&p)
                .ok()?
                .as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

fn config(preset: &str) -> Result<ProphetConfig, String> {
    match preset {
        "default" => Ok(ProphetConfig::default()),
        "seed" => Ok(ProphetConfig::seed()),
        other => Err(format!("unknown preset {other:?}: use \"default\" (Prophet's defaults) or \"seed\" (trend only, multiplicative)")),
    }
}

fn run(
    series: &Frame,
    config: &ProphetConfig,
    days: u32,
    seed: Option<u64>,
) -> Result<FitAnswer, String> {
    if !(1..=gridcast_client::MAX_HORIZON_DAYS).contains(&days) {
        return Err(format!(
            "{days} days: forecast between 1 and {} days",
            gridcast_client::MAX_HORIZON_DAYS
        ));
    }
    let started = now_ms();
    let fitted = fit(series, config).map_err(|e| e.to_string())?;
    let fit_ms = now_ms() - started;
    // Forecast and chart as the portal and widget do for a downloaded model.
    let device = OnDeviceModel {
        model: fitted.model,
        answer_seed: None,
    };
    let table = device.forecast(device.periods_for_days(days), seed)?;
    let history = device.usage().aggregate(Aggregation::Daily);
    let svg = geometry(&history, Some(&table), "Daily readings and forecast")
        .map(|g| g.to_svg())
        .unwrap_or_default();
    let model = device.model;
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
        rows: rows(&table),
        artifact: write_artifact(&Artifact::for_model(&model)),
    })
}

fn to_js(answer: Result<FitAnswer, String>) -> Result<JsValue, JsValue> {
    let a = answer.map_err(|e| JsValue::from_str(&e))?;
    let out = a.to_js();
    let bytes = js_sys::Uint8Array::from(a.artifact.as_slice());
    js_sys::Reflect::set(&out, &"artifact".into(), &bytes)?;
    Ok(out)
}

fn seed(seed: Option<f64>) -> Option<u64> {
    seed.filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| s as u64)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Readings {
    readings: usize,
    first: String,
    last: String,
    svg: String,
}

/// Reads a CSV of readings (before fitting): `{readings, first, last, svg}`
/// (the daily readings charted); throws a message naming the bad line.
#[wasm_bindgen(js_name = readCsv)]
pub fn read_csv(csv: &[u8]) -> Result<JsValue, JsValue> {
    let s = Frame::from_csv(csv).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let usage = Usage::new(s.ds.clone(), s.y.clone().unwrap_or_default());
    let svg = geometry(&usage.aggregate(Aggregation::Daily), None, "Daily readings")
        .map(|g| g.to_svg())
        .unwrap_or_default();
    let (first, last) = (s.ds.iter().min(), s.ds.iter().max());
    Ok(Readings {
        readings: s.observed(),
        first: first
            .copied()
            .map(gridcast_model::format_csv)
            .unwrap_or_default(),
        last: last
            .copied()
            .map(gridcast_model::format_csv)
            .unwrap_or_default(),
        svg,
    }
    .to_js())
}

/// Fits Prophet to a CSV of readings (the seed layout, or `ds,y` with a
/// header) with `preset` (`default` or `seed`) and forecasts `days` days.
/// Answers `{readings, fitMs, lp, iterations, algorithm, yScale,
/// trainedThrough, svg, rows, artifact}` (`artifact`: a `.tar.gz` that
/// Python Prophet and `gridcast serve` load); throws a message naming the
/// bad line or argument.
#[wasm_bindgen(js_name = fitCsv)]
pub fn fit_csv(
    csv: &[u8],
    preset: &str,
    days: u32,
    rng_seed: Option<f64>,
) -> Result<JsValue, JsValue> {
    let series = Frame::from_csv(csv).map_err(|e| JsValue::from_str(&e.to_string()));
    to_js(
        series
            .map_err(|e| e.as_string().unwrap_or_default())
            .and_then(|s| run(&s, &config(preset)?, days, seed(rng_seed))),
    )
}

/// Appends readings from a CSV to an artifact's history (a reading at the
/// same time replaces the model's) and fits again with the model's own
/// arguments. Answers like [`fit_csv`].
#[wasm_bindgen(js_name = refitWithReadings)]
pub fn refit_with_readings(
    artifact: &[u8],
    csv: &[u8],
    days: u32,
    rng_seed: Option<f64>,
) -> Result<JsValue, JsValue> {
    let go = || -> Result<FitAnswer, String> {
        let model = OnDeviceModel::from_artifact(artifact)?.model;
        let config = ProphetConfig::from_model(&model).map_err(|e| e.to_string())?;
        let extra = Frame::from_csv(csv).map_err(|e| e.to_string())?;
        let frame =
            Frame::merged(&model_frame(&model, &config), &extra).map_err(|e| e.to_string())?;
        run(&frame, &config, days, seed(rng_seed))
    };
    to_js(go())
}

/// The model's training rows as a frame: readings, and the capacity and floor
/// columns a refit needs when the configuration does not hold them as
/// constants. (Regressor and condition columns are not carried over: their
/// future values are not known here.)
fn model_frame(model: &gridcast_model::ProphetModel, config: &ProphetConfig) -> Frame {
    let mut frame = Frame::new(model.history.ds.clone(), model.history.y.clone());
    if config.cap.is_none() {
        frame.cap = model.history.cap.clone();
    }
    if config.floor.is_none() && model.logistic_floor {
        frame.floor = Some(model.history.floor.clone());
    }
    frame
}
