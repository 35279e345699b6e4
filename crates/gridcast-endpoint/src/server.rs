//! The HTTP server: the routes of every module merged into one [`app`] with
//! its layers, and [`serve`], the accept loop that holds the connection
//! limits (how many, how many from one address, how long a client may take
//! to send its headers).

use std::convert::Infallible;
use std::pin::pin;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;

use crate::access_log::{self, AccessLog};
use crate::connections::Connections;
use crate::error::{ApiError, ErrorKind};
use crate::front::Front;
use crate::stalled::StalledWrites;
use crate::state::SharedState;
use crate::{container, invocation, login, metrics};

/// Largest request line and headers (431 beyond; 100 headers at most).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

const SIGV4_HEADERS: [&str; 8] = [
    "authorization",
    "content-type",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-user-agent",
    "x-amzn-sagemaker-target-model",
    "x-amzn-sagemaker-custom-attributes",
];

/// The answer headers a browser may read (`Access-Control-Expose-Headers`).
pub(crate) const EXPOSE_HEADERS: [&str; 5] = [
    "x-amzn-errortype",
    "x-amzn-requestid",
    "x-amzn-invoked-production-variant",
    "etag",
    // Lets a browser tell its clock is off when a signature is refused.
    "date",
];

/// The request headers every answer varies by (`Vary`; tower-http's default).
pub(crate) const VARY_HEADERS: [&str; 3] = [
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
];

/// The request id header, set on every request and its answer.
pub(crate) const REQUEST_ID: &str = "x-amzn-requestid";

fn cors() -> CorsLayer {
    let allow: Vec<HeaderName> = SIGV4_HEADERS
        .iter()
        .chain(&["accept", "if-none-match"])
        .map(|h| HeaderName::from_static(h))
        .collect();
    // Signed requests carry no cookies, so any origin may call; the
    // signature, not the origin, is the credential.
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allow)
        .expose_headers(EXPOSE_HEADERS.map(HeaderName::from_static))
        .vary(VARY_HEADERS.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(600))
}

/// Counts requests and errors, times them.
async fn track(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // MatchedPath is a shared string: cloned, not copied.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", |p| p.as_str());
    record(&state, route, &response, started);
    response
}

/// The metrics of one answer of `route`, started at `started`.
pub(crate) fn record(state: &SharedState, route: &str, response: &Response, started: Instant) {
    let status = response.status();
    state
        .metrics
        .invocations
        .with_label_values(&[route, status.as_str()])
        .inc();
    if let Some(ErrorKind(kind)) = response.extensions().get::<ErrorKind>() {
        state
            .metrics
            .invocation_errors
            .with_label_values(&[kind])
            .inc();
    }
    state
        .metrics
        .latency
        .observe(started.elapsed().as_secs_f64());
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// Every route and layer, with the access log on when the log level lets
/// INFO lines through.
pub fn app(state: SharedState) -> Router {
    let log = access_log_for(&state);
    app_with(state, log)
}

/// Every route and layer, the access lines going to `log`.
pub(crate) fn app_with(state: SharedState, log: Option<AccessLog>) -> Router {
    let mut app = Router::new()
        .merge(invocation::routes())
        .merge(login::routes())
        .merge(container::ping_route())
        .merge(metrics::routes());
    if state.config.container_root.is_some() {
        app = app.merge(container::routes());
    }
    app = match &state.config.www {
        Some(dir) => {
            app.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        }
        None => app.fallback(not_found),
    };
    let request_id = HeaderName::from_static(REQUEST_ID);
    let mut app = app
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(cors())
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("internal error").into_response()
        }));
    if let Some(log) = log {
        app = app.layer(middleware::from_fn(move |request, next| {
            access_log::layer(log.clone(), request, next)
        }));
    }
    app.layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The access log on stderr, when the log level lets INFO lines through
/// (`GRIDCAST_LOG`, default `info`).
pub(crate) fn access_log_for(state: &SharedState) -> Option<AccessLog> {
    if tracing::level_filters::LevelFilter::current() < tracing::Level::INFO {
        return None;
    }
    let started = AccessLog::start(
        access_log::CAPACITY,
        Box::new(std::io::stderr()),
        state.metrics.access_log_dropped.clone(),
    );
    match started {
        Ok(log) => Some(log),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start the access log writer; no access log");
            None
        }
    }
}

/// Serves on `listener` until Ctrl-C or SIGTERM: at most
/// `max_connections` connections and `max_connections_per_address` from one
/// client address (more are closed as soon as accepted, see [`Connections`]),
/// each given `header_read_timeout` to send a request's headers (on a new
/// connection and between the requests of a kept-alive one) and closed when
/// an answer's write makes no progress for `write_stall_timeout`.
/// Connections in progress finish their requests on shutdown.
pub async fn serve(state: SharedState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_until(state, listener, shutdown()).await
}

/// [`serve`] until `stop` completes.
pub async fn serve_until(
    state: SharedState,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = state.config.server.clone();
    tracing::info!(address = %listener.local_addr()?, endpoint = %state.config.endpoint_name,
        max_connections = limits.max_connections,
        max_connections_per_address = %limits.max_connections_per_address,
        trusted_proxies = %limits.trusted_proxies,
        workers = limits.forecast_workers, "serving");
    let mut connections = Connections::new(&limits, &state.metrics);
    let front = Arc::new(Front::new(state));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        .max_buf_size(4 * MAX_HEADER_BYTES);
    let mut stop = pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait, do not spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.as_mut() => break,
        };
        let Some(permit) = connections.admit(remote) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let front = front.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            let front = front.clone();
            async move { Ok::<_, Infallible>(front.call(request.map(Body::new)).await) }
        });
        let stream = StalledWrites::new(stream, limits.write_stall_timeout);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%remote, error = %e, "connection closed");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
