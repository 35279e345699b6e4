//! `forecastArtifact`: a forecast on the device from artifact bytes the host
//! keeps itself (a download, its own cache), without an endpoint.

use wasm_bindgen::prelude::*;

use crate::js_value::{now_ms, rng_seed, ToJs};
use crate::stages;

/// Unpacks a `.tar.gz` artifact (ours or Python Prophet's; in the edge's
/// build, `dist/pkg-edge`, which links no inflater, its tar as
/// [`gunzip_artifact`] gives it) and forecasts
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

/// `gunzipArtifact(bytes)`: the `.tar.gz`'s tar, inflated by the runtime's
/// `DecompressionStream('gzip')` within the archive limit's decompressed
/// bytes (the edge's build, `host-gunzip`, whose `forecastArtifact` takes
/// the tar); rejects with the archive's error (too large, not intact gzip).
#[cfg(feature = "host-gunzip")]
#[wasm_bindgen(js_name = gunzipArtifact)]
pub async fn gunzip_artifact(artifact: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let limit = gridcast_model::ArtifactLimits::default().max_total;
    gridcast_client::host_gunzip::gunzip_bytes(&artifact, limit)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))
}
