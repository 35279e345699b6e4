//! Sending a [`PreparedRequest`] with `fetch` (gloo-net), with a time limit.
//! Works in pages, workers and other runtimes with a global `fetch`.

use futures::future::{select, Either};
use gloo_net::http::{Method, RequestBuilder};

use crate::problem::Problem;
use crate::request::{PreparedRequest, Reply};

/// How long a forecast may take before the device answers instead.
pub const FORECAST_TIMEOUT_MS: u32 = 4_000;
/// How long an artifact download may take.
pub const DOWNLOAD_TIMEOUT_MS: u32 = 20_000;

/// Sends `request`; the whole answer (headers and body) must arrive within
/// `timeout_ms`, or the request is aborted and [`Problem::Timeout`] returned.
/// Any answer, also an error status, is a [`Reply`]; only no answer is an
/// error ([`Problem::Unreachable`]).
pub async fn send(request: &PreparedRequest, timeout_ms: u32) -> Result<Reply, Problem> {
    let controller =
        web_sys::AbortController::new().map_err(|e| Problem::Unreachable(format!("{e:?}")))?;
    let method = Method::from_bytes(request.method.as_bytes()).expect("GET or POST");
    let mut builder = RequestBuilder::new(&request.url)
        .method(method)
        .abort_signal(Some(&controller.signal()));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = if request.body.is_empty() {
        builder.build()
    } else {
        builder.body(js_sys::Uint8Array::from(request.body.as_slice()))
    }
    .map_err(|e| Problem::Unreachable(e.to_string()))?;
    let exchange = async move {
        let response = built
            .send()
            .await
            .map_err(|e| Problem::Unreachable(e.to_string()))?;
        let headers = response
            .headers()
            .entries()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect();
        let body = response
            .binary()
            .await
            .map_err(|e| Problem::Unreachable(e.to_string()))?;
        Ok(Reply {
            status: response.status(),
            headers,
            body,
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
