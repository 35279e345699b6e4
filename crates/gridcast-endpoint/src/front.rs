//! The service in front of the router: InvokeEndpoint of this endpoint
//! (`POST /endpoints/{endpoint_name}/invocations`, no query), the request
//! every caller sends most, is handed straight to its handler instead of
//! through axum's route lookup and the per-route layer stack (a boxed
//! service cloned per layer and request); everything else goes to the
//! router ([`server::app`]).
//!
//! The invocation gets exactly what the layers give every other route, in
//! their order: a request id (`x-amzn-RequestId`, the client's if it sent
//! one), its access log line, a panic turned into a 500 InternalFailure,
//! the CORS headers, and the request metrics under the route's label. The
//! handler is the route's own ([`invocation::invoke_signed`] after
//! [`Signed`]), so every check, limit and refusal is the same code.
//! `tests/app.rs` sends each kind of invocation both ways and compares
//! status, headers, body and metrics.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Instant, SystemTime};

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::FutureExt;
use hyper::body::Body as _;
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestId, MakeRequestUuid, RequestId};

use crate::access_log::{AccessLog, Entry};
use crate::error::ApiError;
use crate::invocation::{self, INVOKE_ROUTE};
use crate::server::{self, EXPOSE_HEADERS, REQUEST_ID, VARY_HEADERS};
use crate::signed::Signed;
use crate::state::SharedState;

/// The router, with InvokeEndpoint of this endpoint answered ahead of it.
pub struct Front {
    state: SharedState,
    router: Router,
    log: Option<AccessLog>,
    cors: CorsHeaders,
    /// `/endpoints/{endpoint_name}/invocations`, when the name reads the
    /// same percent-decoded (else every invocation goes to the router).
    invocations: Option<String>,
}

impl std::fmt::Debug for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Front")
            .field("invocations", &self.invocations)
            .finish()
    }
}

/// What tower-http's CORS layer (as [`server`] configures it) adds to the
/// answer of a request that is not a preflight, built once.
struct CorsHeaders {
    vary: HeaderValue,
    expose: HeaderValue,
    allow_origin: HeaderValue,
}

impl CorsHeaders {
    fn new() -> Self {
        // tower-http joins `Vary` with ", " and the exposed headers with ",".
        let list = |names: &[&str], by| {
            HeaderValue::from_str(&names.join(by)).expect("header names are header values")
        };
        Self {
            vary: list(&VARY_HEADERS, ", "),
            expose: list(&EXPOSE_HEADERS, ","),
            allow_origin: HeaderValue::from_static("*"),
        }
    }

    /// As tower-http does: `Vary` appended to the handler's, the others
    /// replacing any the handler set.
    fn apply(&self, response: &mut Response) {
        let headers = response.headers_mut();
        headers.append(header::VARY, self.vary.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            self.allow_origin.clone(),
        );
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, self.expose.clone());
    }
}

/// Whether a path segment reads the same after percent-decoding and needs
/// no encoding (what axum's `Path` would hand the handler).
fn plain_segment(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
}

impl Front {
    /// The app of `state` (its access log started when the log level lets
    /// INFO lines through), InvokeEndpoint in front.
    pub fn new(state: SharedState) -> Self {
        let log = server::access_log_for(&state);
        let router = server::app_with(state.clone(), log.clone());
        let name = &state.config.endpoint_name;
        let invocations = plain_segment(name).then(|| format!("/endpoints/{name}/invocations"));
        Self {
            state,
            router,
            log,
            cors: CorsHeaders::new(),
            invocations,
        }
    }

    /// The answer to `request`.
    pub async fn call(&self, request: Request) -> Response {
        if self.is_invocation(&request) {
            return self.invoke(request).await;
        }
        self.router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {})
    }

    fn is_invocation(&self, request: &Request) -> bool {
        request.method() == Method::POST
            && request.uri().query().is_none()
            && self
                .invocations
                .as_deref()
                .is_some_and(|path| request.uri().path() == path)
    }

    /// The layers' work around the handler, outermost first: the route's
    /// `Content-Length`, request id, access log, panics, CORS, metrics.
    async fn invoke(&self, mut request: Request) -> Response {
        let id = request_id(&mut request);
        let started = Instant::now();
        let path = self.log.as_ref().map(|_| request.uri().path().to_owned());
        let mut response = unless_panicked(self.answer(request)).await;
        if !response.headers().contains_key(REQUEST_ID) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(REQUEST_ID), id.clone());
            response.extensions_mut().insert(RequestId::new(id.clone()));
        }
        set_content_length(&mut response);
        if let (Some(log), Some(path)) = (&self.log, path) {
            log.record(Entry {
                at: SystemTime::now(),
                method: Method::POST,
                path,
                status: response.status().as_u16(),
                latency: started.elapsed(),
                request_id: Some(id),
            });
        }
        response
    }

    /// The handler's answer with the CORS headers, counted.
    async fn answer(&self, request: Request) -> Response {
        let started = Instant::now();
        let state = &self.state;
        let mut response = match Signed::from_request(request, state).await {
            Ok(signed) => invocation::invoke_signed(state, &state.config.endpoint_name, signed)
                .await
                .into_response(),
            Err(refused) => refused.into_response(),
        };
        server::record(state, INVOKE_ROUTE, &response, started);
        self.cors.apply(&mut response);
        response
    }
}

/// `answer`, or a 500 InternalFailure when it panics (as the router's
/// `CatchPanicLayer` answers).
async fn unless_panicked(answer: impl Future<Output = Response>) -> Response {
    AssertUnwindSafe(answer)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| ApiError::internal("internal error").into_response())
}

/// As axum's route does for every answer: `Content-Length` from the body's
/// exact size, unless the handler set one.
fn set_content_length(response: &mut Response) {
    if response.headers().contains_key(header::CONTENT_LENGTH) {
        return;
    }
    if let Some(size) = response.body().size_hint().exact() {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
}

/// The request's id: the one it came with, else a new UUID set on it (as
/// tower-http's `SetRequestIdLayer` with `MakeRequestUuid`).
fn request_id(request: &mut Request<Body>) -> HeaderValue {
    if let Some(id) = request.headers().get(REQUEST_ID) {
        let id = id.clone();
        if request.extensions().get::<RequestId>().is_none() {
            request.extensions_mut().insert(RequestId::new(id.clone()));
        }
        return id;
    }
    let made = MakeRequestUuid
        .make_request_id(request)
        .expect("MakeRequestUuid always makes one");
    let id = made.header_value().clone();
    request.extensions_mut().insert(made);
    request
        .headers_mut()
        .insert(HeaderName::from_static(REQUEST_ID), id.clone());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_that_read_the_same_decoded_are_matched_by_their_text() {
        for plain in ["gridcast", "my-endpoint_2.v~1"] {
            assert!(plain_segment(plain), "{plain}");
        }
        for odd in ["", "a%41", "a/b", "a b", "é"] {
            assert!(!plain_segment(odd), "{odd}");
        }
    }

    #[tokio::test]
    async fn a_panicking_invocation_is_a_500_internal_failure_and_others_pass_through() {
        let panicked = unless_panicked(async { panic!("a model no bound foresaw") }).await;
        assert_eq!(panicked.status(), 500);
        assert_eq!(panicked.headers()["x-amzn-ErrorType"], "InternalFailure");
        let body = axum::body::to_bytes(panicked.into_body(), 1 << 10)
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"message":"internal error"}"#);
        let answered =
            unless_panicked(async { (axum::http::StatusCode::OK, "42").into_response() }).await;
        assert_eq!(answered.status(), 200);
    }
}
