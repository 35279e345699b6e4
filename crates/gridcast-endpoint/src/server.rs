//! The HTTP server: configuration, shared state, routes and layers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use gridcast_store::Location;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;

use crate::artifact_source::{ArtifactSource, DiskCache};
use crate::container;
use crate::credentials::Principals;
use crate::error::{ApiError, ErrorKind};
use crate::invocation;
use crate::login::{self, LoginLimiter, Users};
use crate::metrics::Metrics;
use crate::model_cache::{CacheLimits, ModelCache};

/// What `gridcast serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where `<TargetModel>` artifacts live (a directory or `s3://bucket/prefix`).
    pub models: Location,
    /// Local copies of S3 artifacts: directory and byte budget.
    pub disk_cache: (PathBuf, u64),
    /// The one endpoint name this server answers to.
    pub endpoint_name: String,
    /// The SigV4 region.
    pub region: String,
    /// Cache limits.
    pub limits: CacheLimits,
    /// Static files served at `/` (the portal).
    pub www: Option<PathBuf>,
    /// Enables the SageMaker MME container routes (`/models`), loading only
    /// from below this directory (SageMaker's `/opt/ml/models`).
    pub container_root: Option<PathBuf>,
    /// Customer logins for `/auth/login`.
    pub users: Option<PathBuf>,
}

/// Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Everything the handlers share.
pub struct AppState {
    /// Configuration.
    pub config: Config,
    /// Callers.
    pub principals: Principals,
    /// Models in memory.
    pub cache: ModelCache,
    /// Where artifacts come from.
    pub artifacts: ArtifactSource,
    /// Metrics.
    pub metrics: Metrics,
    /// Customer logins.
    pub users: Option<Users>,
    /// Login attempt limits.
    pub login_limiter: LoginLimiter,
    /// The time.
    pub clock: Clock,
}

/// The state as handlers see it.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// State with the system clock.
    pub fn new(
        config: Config,
        principals: Principals,
        users: Option<Users>,
    ) -> std::io::Result<Self> {
        let metrics = Metrics::new();
        let disk = match &config.models {
            Location::S3 { .. } => Some(DiskCache::new(
                config.disk_cache.0.clone(),
                config.disk_cache.1,
            )?),
            Location::Local(_) => None,
        };
        Ok(Self {
            artifacts: ArtifactSource::new(config.models.clone(), disk),
            cache: ModelCache::new(config.limits, metrics.clone()),
            config,
            principals,
            metrics,
            users,
            login_limiter: LoginLimiter::default(),
            clock: Arc::new(system_clock),
        })
    }
}

/// Unix seconds from the system clock.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Reads a whole body of at most `limit` bytes (413 beyond).
pub async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(limit))
}

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

fn cors() -> CorsLayer {
    let allow: Vec<HeaderName> = SIGV4_HEADERS
        .iter()
        .chain(&["accept", "if-none-match"])
        .map(|h| HeaderName::from_static(h))
        .collect();
    let expose: Vec<HeaderName> = [
        "x-amzn-errortype",
        "x-amzn-requestid",
        "x-amzn-invoked-production-variant",
        "etag",
        // Lets a browser tell its clock is off when a signature is refused.
        "date",
    ]
    .iter()
    .map(|h| HeaderName::from_static(h))
    .collect();
    // Signed requests carry no cookies, so any origin may call; the
    // signature, not the origin, is the credential.
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allow)
        .expose_headers(expose)
        .max_age(std::time::Duration::from_secs(600))
}

/// Counts requests and errors, times them.
async fn track(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    state
        .metrics
        .invocations
        .with_label_values(&[&route, status.as_str()])
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
    response
}

async fn ping() -> StatusCode {
    StatusCode::OK
}

async fn metrics(State(state): State<SharedState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// Every route and layer.
pub fn router(state: SharedState) -> Router {
    let mut app = Router::new()
        .route("/endpoints/{name}/invocations", post(invocation::invoke))
        .route(
            "/endpoints/{name}/models/{*target}",
            get(invocation::download),
        )
        .route("/auth/login", post(login::login))
        .route("/auth/refresh", post(login::refresh))
        .route("/auth/logout", post(login::logout))
        .route("/ping", get(ping))
        .route("/metrics", get(metrics));
    if state.config.container_root.is_some() {
        app = app
            .route("/models", post(container::load).get(container::list))
            .route(
                "/models/{name}",
                get(container::describe).delete(container::unload),
            )
            .route("/models/{name}/invoke", post(container::invoke));
    }
    app = match &state.config.www {
        Some(dir) => {
            app.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        }
        None => app.fallback(not_found),
    };
    let request_id = HeaderName::from_static("x-amzn-requestid");
    app.layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(cors())
        .layer(CatchPanicLayer::custom(|_| ApiError::internal("internal error").into_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|r: &Request| {
                    let id = r.headers().get("x-amzn-requestid").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
                    tracing::info_span!("request", method = %r.method(), path = %r.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Serves on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(state: SharedState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    tracing::info!(address = %listener.local_addr()?, endpoint = %state.config.endpoint_name, "serving");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
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
