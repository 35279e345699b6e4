//! `forecastArtifact`: a forecast on the device from artifact bytes the host
//! keeps itself (a download, its own cache), without an endpoint.

use wasm_bindgen::prelude::*;

use crate::js_value::{now_ms, rng_seed, ToJs};
use crate::stages;

/// Unpacks a `.tar.gz` artifact (ours or Python Prophet's) and forecasts
/// `days` days after its history with 1,000 uncertainty samples (`seed`
/// fixes them; without one, the band is the endpoint's for this model).
/// Answers `{trainedThrough, rows, stages}` (`stages`: milliseconds spent
/// unpacking, reading model.json, forecasting and making the rows); throws
/// a message saying what is wrong.
#[wasm_bindgen(js_name = forecastArtifact)]
pub fn forecast_artifact(
    artifact: &[u8],
    days: u32,
    seed: Option<f64>,
) -> Result<JsValue, JsValue> {
    stages::forecast_artifact(artifact, days, rng_seed(seed), now_ms)
        .map(|f| f.to_js())
        .map_err(|e| JsValue::from_str(&e))
}
