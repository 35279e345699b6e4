//! `fitCsv` and `refitWithReadings`: Prophet fitted on the device, for the
//! preview page's Web Worker. The work itself is in [`crate::stages`].

use gridcast_client::OnDeviceModel;
use gridcast_model::{Frame, ProphetConfig};
use wasm_bindgen::prelude::*;

use crate::js_value::{now_ms, rng_seed, ToJs};
use crate::stages::{self, FitAnswer};

fn to_js(answer: Result<FitAnswer, String>) -> Result<JsValue, JsValue> {
    let a = answer.map_err(|e| JsValue::from_str(&e))?;
    let out = a.to_js();
    let bytes = js_sys::Uint8Array::from(a.artifact.as_slice());
    js_sys::Reflect::set(&out, &"artifact".into(), &bytes)?;
    Ok(out)
}

/// Reads a CSV of readings (before fitting): `{readings, first, last, svg}`
/// (the daily readings charted); throws a message naming the bad line.
#[wasm_bindgen(js_name = readCsv)]
pub fn read_csv(csv: &[u8]) -> Result<JsValue, JsValue> {
    stages::read_csv(csv)
        .map(|r| r.to_js())
        .map_err(|e| JsValue::from_str(&e))
}

/// Fits Prophet to a CSV of readings (the seed layout, or `ds,y` with a
/// header) with `preset` (`default`, `seed`, or Prophet's arguments as a
/// `prophet.json` object's text) and forecasts `days` days.
/// Answers `{readings, fitMs, lp, iterations, algorithm, yScale,
/// trainedThrough, svg, rows, stages, artifact}` (`artifact`: a `.tar.gz`
/// that Python Prophet and `gridcast serve` load; `stages`: milliseconds
/// spent parsing, fitting, forecasting, charting and writing the artifact);
/// throws a message naming the bad line or argument.
#[wasm_bindgen(js_name = fitCsv)]
pub fn fit_csv(csv: &[u8], preset: &str, days: u32, seed: Option<f64>) -> Result<JsValue, JsValue> {
    to_js(
        stages::config(preset)
            .and_then(|config| stages::fit_csv(csv, &config, days, rng_seed(seed), now_ms)),
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
    seed: Option<f64>,
) -> Result<JsValue, JsValue> {
    let go = || -> Result<FitAnswer, String> {
        let model = OnDeviceModel::from_artifact(artifact)?.model;
        let config = ProphetConfig::from_model(&model).map_err(|e| e.to_string())?;
        let extra = stages::parse(csv)?;
        let frame =
            Frame::merged(&model_frame(&model, &config), &extra).map_err(|e| e.to_string())?;
        stages::fit_series(&frame, &config, days, rng_seed(seed), now_ms)
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
