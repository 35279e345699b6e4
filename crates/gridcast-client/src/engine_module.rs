//! The portal's on-device engine as a second wasm module (gridcast-js's
//! `pkg-engine`), loaded on first use through the page's
//! `gridcastEngine()` (index.html: a dynamic `import()`, which the service
//! worker has precached), and asked through [`crate::engine`]'s boundary.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::engine::{read_facts, read_forecast};
use crate::forecast::DeviceForecast;
use crate::{ModelFacts, Problem};

/// What a JavaScript failure says.
fn message(e: JsValue) -> String {
    e.as_string()
        .or_else(|| Reflect::get(&e, &"message".into()).ok()?.as_string())
        .unwrap_or_else(|| "an unknown failure".into())
}

fn unavailable(e: JsValue) -> Problem {
    Problem::OnDevice(format!(
        "the on-device forecaster could not be loaded: {}",
        message(e)
    ))
}

/// The engine module, loaded (once) by the page.
async fn module() -> Result<JsValue, Problem> {
    let global = js_sys::global();
    let load: Function = Reflect::get(&global, &"gridcastEngine".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| unavailable("this page has no gridcastEngine()".into()))?;
    let promise: Promise = load.call0(&global).map_err(unavailable)?.unchecked_into();
    JsFuture::from(promise).await.map_err(unavailable)
}

/// Calls the engine's `name` with `args`.
async fn call(name: &str, args: &[JsValue]) -> Result<Result<String, String>, Problem> {
    let engine = module().await?;
    let f: Function = Reflect::get(&engine, &name.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| unavailable(format!("it has no {name}").into()))?;
    let args: js_sys::Array = args.iter().collect();
    Ok(f.apply(&engine, &args)
        .map(|v| v.as_string().unwrap_or_default())
        .map_err(message))
}

/// The artifact checked by the engine and its facts (refused as
/// [`Problem::OnDevice`], as in process).
pub async fn facts(artifact: &[u8]) -> Result<ModelFacts, Problem> {
    read_facts(call("engineFacts", &[Uint8Array::from(artifact).into()]).await?)
}

/// The device's forecast of `days` days by the engine.
pub async fn forecast(
    artifact: &[u8],
    covariates: &[u8],
    holidays: &[u8],
    days: u32,
) -> Result<DeviceForecast, Problem> {
    let args = [
        Uint8Array::from(artifact).into(),
        Uint8Array::from(covariates).into(),
        Uint8Array::from(holidays).into(),
        days.into(),
    ];
    let answer = call("engineForecast", &args)
        .await?
        .map_err(Problem::OnDevice)?;
    read_forecast(&answer)
}
