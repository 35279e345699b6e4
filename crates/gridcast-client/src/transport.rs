//! Sending a [`PreparedRequest`] with `fetch`, with a time limit. Works in
//! pages, workers and other runtimes with a global `fetch` (bound directly,
//! through web-sys's `Request`: no gloo-net, no `http::Method`).

use futures::future::{select, Either};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::problem::Problem;
use crate::request::{PreparedRequest, Reply};

/// How long a forecast may take before the device answers instead.
pub const FORECAST_TIMEOUT_MS: u32 = 4_000;
/// How long an artifact download may take.
pub const DOWNLOAD_TIMEOUT_MS: u32 = 20_000;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (not `Window`'s or `WorkerGlobalScope`'s: the edge
    /// runtimes have neither).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &web_sys::Request) -> js_sys::Promise;
    /// `String(value)`: an `Error`'s `toString()` (`TypeError: fetch failed`).
    #[wasm_bindgen(js_name = String)]
    fn js_text(value: &JsValue) -> String;
}

fn unreachable(e: JsValue) -> Problem {
    Problem::Unreachable(js_text(&e))
}

/// Sends `request`; the whole answer (headers and body) must arrive within
/// `timeout_ms`, or the request is aborted and [`Problem::Timeout`] returned.
/// Any answer, also an error status, is a [`Reply`]; only no answer is an
/// error ([`Problem::Unreachable`]).
pub async fn send(request: &PreparedRequest, timeout_ms: u32) -> Result<Reply, Problem> {
    let controller =
        web_sys::AbortController::new().map_err(|e| Problem::Unreachable(format!("{e:?}")))?;
    let init = web_sys::RequestInit::new();
    init.set_method(&request.method);
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().unwrap_throw();
    for (name, value) in &request.headers {
        headers.set(name, value).unwrap_throw();
    }
    init.set_headers(&headers);
    if !request.body.is_empty() {
        init.set_body(&js_sys::Uint8Array::from(request.body.as_slice()));
    }
    let built =
        web_sys::Request::new_with_str_and_init(&request.url, &init).map_err(unreachable)?;
    let exchange = async move {
        let response: web_sys::Response = JsFuture::from(fetch_request(&built))
            .await
            .map_err(unreachable)?
            .unchecked_into();
        // Header names come lowercased from `Headers`' iterator.
        let headers = js_sys::try_iter(&response.headers())
            .ok()
            .flatten()
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let entry: js_sys::Array = entry.ok()?.unchecked_into();
                Some((
                    entry.get(0).as_string()?.to_ascii_lowercase(),
                    entry.get(1).as_string()?,
                ))
            })
            .collect();
        let buffer = JsFuture::from(response.array_buffer().map_err(unreachable)?)
            .await
            .map_err(unreachable)?;
        Ok(Reply {
            status: response.status(),
            headers,
            body: js_sys::Uint8Array::new(&buffer).to_vec(),
        })
    };
    let timer = gloo_timers::future::TimeoutFuture::new(timeout_ms);
    match select(Box::pin(exchange), timer).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            controller.abort();
            Err(Problem::Timeout(timeout_ms.div_ceil(1000)))
        }
    }
}

/// The device clock, Unix seconds.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}
