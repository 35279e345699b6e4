//! The portal's on-device engine (feature `portal-engine`, built into
//! `dist/pkg-engine/`): `engineFacts` checks a downloaded artifact and
//! answers its facts, `engineForecast` forecasts from it on the device —
//! `gridcast_client::engine`'s boundary, which the portal reads.

use wasm_bindgen::prelude::*;

/// The artifact's facts (`ModelFacts` as JSON); throws why it is refused.
#[wasm_bindgen(js_name = engineFacts)]
pub fn engine_facts(artifact: &[u8]) -> Result<String, JsValue> {
    gridcast_client::engine::facts_json(artifact).map_err(|e| JsValue::from_str(&e))
}

/// The device's forecast of `days` days from the artifact, the kept
/// covariates' CSV and the kept holiday table (empty: none), as JSON of the
/// forecast or its typed refusal.
#[wasm_bindgen(js_name = engineForecast)]
pub fn engine_forecast(artifact: &[u8], covariates: &[u8], holidays: &[u8], days: u32) -> String {
    gridcast_client::engine::forecast_json(artifact, covariates, holidays, days)
}
