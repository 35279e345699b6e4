//! Prometheus metrics under SageMaker's multi-model endpoint names.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// Every metric the endpoint records.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Invocations whose model was already loaded.
    pub model_cache_hit: IntCounter,
    /// Invocations that had to load (or wait for) their model.
    pub model_cache_miss: IntCounter,
    /// Seconds an invocation waited for its model to load.
    pub model_loading_wait_time: Histogram,
    /// Seconds to read, unpack and parse an artifact.
    pub model_loading_time: Histogram,
    /// Seconds to unload an evicted model.
    pub model_unloading_time: Histogram,
    /// Models in memory.
    pub loaded_model_count: IntGauge,
    /// Requests by route and status.
    pub invocations: IntCounterVec,
    /// Error answers by `x-amzn-ErrorType`.
    pub invocation_errors: IntCounterVec,
    /// Seconds per request, end to end.
    pub latency: Histogram,
    /// Seconds the model took to forecast.
    pub model_latency: Histogram,
    /// Access log lines dropped because its writer fell behind.
    pub access_log_dropped: IntCounter,
    /// Connections closed at accept, by the limit they were over
    /// (`max_connections`, `max_connections_per_address`).
    pub connections_refused: IntCounterVec,
}

fn seconds(name: &str, help: &str) -> Histogram {
    let buckets = vec![
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        5.0,
    ];
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("valid histogram")
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let m = Self {
            registry: Registry::new(),
            model_cache_hit: IntCounter::new(
                "ModelCacheHit",
                "Invocations whose model was already loaded",
            )
            .unwrap(),
            model_cache_miss: IntCounter::new(
                "ModelCacheMiss",
                "Invocations that loaded or waited for their model",
            )
            .unwrap(),
            model_loading_wait_time: seconds(
                "ModelLoadingWaitTime",
                "Seconds an invocation waited for its model",
            ),
            model_loading_time: seconds(
                "ModelLoadingTime",
                "Seconds to read, unpack and parse an artifact",
            ),
            model_unloading_time: seconds(
                "ModelUnloadingTime",
                "Seconds to unload an evicted model",
            ),
            loaded_model_count: IntGauge::new("LoadedModelCount", "Models in memory").unwrap(),
            invocations: IntCounterVec::new(
                Opts::new("Invocations", "Requests by route and status"),
                &["route", "status"],
            )
            .unwrap(),
            invocation_errors: IntCounterVec::new(
                Opts::new("InvocationErrors", "Error answers by x-amzn-ErrorType"),
                &["type"],
            )
            .unwrap(),
            latency: seconds("OverheadLatency", "Seconds per request, end to end"),
            model_latency: seconds("ModelLatency", "Seconds the model took to forecast"),
            access_log_dropped: IntCounter::new(
                "AccessLogDropped",
                "Access log lines dropped because the log writer fell behind",
            )
            .unwrap(),
            connections_refused: IntCounterVec::new(
                Opts::new(
                    "ConnectionsRefused",
                    "Connections closed at accept, by the limit they were over",
                ),
                &["limit"],
            )
            .unwrap(),
        };
        let r = &m.registry;
        r.register(Box::new(m.model_cache_hit.clone())).unwrap();
        r.register(Box::new(m.model_cache_miss.clone())).unwrap();
        r.register(Box::new(m.model_loading_wait_time.clone()))
            .unwrap();
        r.register(Box::new(m.model_loading_time.clone())).unwrap();
        r.register(Box::new(m.model_unloading_time.clone()))
            .unwrap();
        r.register(Box::new(m.loaded_model_count.clone())).unwrap();
        r.register(Box::new(m.invocations.clone())).unwrap();
        r.register(Box::new(m.invocation_errors.clone())).unwrap();
        r.register(Box::new(m.latency.clone())).unwrap();
        r.register(Box::new(m.model_latency.clone())).unwrap();
        r.register(Box::new(m.access_log_dropped.clone())).unwrap();
        r.register(Box::new(m.connections_refused.clone())).unwrap();
        m
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding");
        String::from_utf8(out).expect("UTF-8 metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET /metrics`: the Prometheus text exposition.
pub fn routes() -> Router<crate::state::SharedState> {
    Router::new().route("/metrics", get(render))
}

async fn render(State(state): State<crate::state::SharedState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
