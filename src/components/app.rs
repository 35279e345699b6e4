//! The root component.

use gridcast_model::{
    read_artifact, read_model_json, seed_response, ArtifactLimits, ForecastOptions,
};
use yew::prelude::*;

/// Forecasts `period` rows from artifact bytes, entirely on the device.
fn forecast_on_device(bytes: &[u8], period: usize) -> Result<String, String> {
    let artifact = read_artifact(bytes, &ArtifactLimits::default()).map_err(|e| e.to_string())?;
    let model = read_model_json(&artifact.model_json).map_err(|e| e.to_string())?;
    seed_response(&model, period, &ForecastOptions::default()).map_err(|e| e.to_string())
}

/// The portal shell: pick a `{customer}.tar.gz`, see its 7-day forecast.
#[function_component(App)]
pub fn app() -> Html {
    let output = use_state(|| None::<Result<String, String>>);
    let on_change = {
        let output = output.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let output = output.clone();
            let reader = gloo_file::callbacks::read_as_bytes(&file.into(), move |bytes| {
                output.set(Some(
                    bytes
                        .map_err(|e| e.to_string())
                        .and_then(|b| forecast_on_device(&b, 7)),
                ));
            });
            // Keep the reader alive until it calls back.
            std::mem::forget(reader);
        })
    };
    html! {
        <main class="shell">
            <h1>{ "gridcast" }</h1>
            <p>{ "Per-customer energy forecasts. Pick a model artifact to forecast the next 7 days on this device." }</p>
            <label for="artifact">{ "Model artifact (.tar.gz)" }</label>
            <input id="artifact" type="file" accept=".tar.gz,.gz" onchange={on_change} />
            {
                match &*output {
                    None => html! {},
                    Some(Ok(json)) => html! { <pre aria-label="forecast">{ json }</pre> },
                    Some(Err(e)) => html! { <p role="alert" class="error">{ e }</p> },
                }
            }
        </main>
    }
}
