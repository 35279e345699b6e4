//! `POST /endpoints/{name}/invocations` (InvokeEndpoint) and
//! `GET /endpoints/{name}/models/{TargetModel}` (the artifact, for clients'
//! offline forecasts).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use gridcast_api::ForecastRequest;
use gridcast_model::{predict, to_pandas_json, ForecastError, ForecastOptions, FrequencyError};
use tokio::time::timeout_at;

use crate::answers::AnswerKey;
use crate::compute::ComputeError;
use crate::credentials::Principal;
use crate::error::ApiError;
use crate::model_cache::{load_artifact, load_small_parsed_form, LoadError, LoadedModel};
use crate::signed::Signed;
use crate::state::SharedState;
use crate::target_model::TargetModel;

pub mod future;
pub mod model_get;
pub mod readings;
pub mod request;

pub use model_get::SignedModelGet;
pub use request::{accepts_json, parse_forecast_request, sends_json, target_model, MAX_PERIOD};

/// InvokeEndpoint's route (also the `route` label of its metrics).
pub const INVOKE_ROUTE: &str = "/endpoints/{name}/invocations";

/// The InvokeEndpoint and artifact routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route(INVOKE_ROUTE, post(invoke))
        .route("/endpoints/{name}/models/{*target}", get(download))
        .route("/endpoints/{name}/backtests/{*target}", get(backtest))
        .route("/endpoints/{name}/covariates/{*target}", get(covariates))
        .route("/endpoints/{name}/holidays/{*target}", get(holidays))
        .route(
            "/endpoints/{name}/readings/{*target}",
            get(readings::readings),
        )
}

/// Largest backtest file served (a year's daily horizons is ~60 KB).
pub const MAX_BACKTEST_BYTES: u64 = 4 << 20;

/// A model's backtest (`<stem>.backtest.json` beside `<stem>.tar.gz`), signed
/// and authorized like an invocation of that TargetModel: a customer reads
/// only their own.
pub async fn backtest(
    State(state): State<SharedState>,
    get: SignedModelGet,
) -> Result<Response, ApiError> {
    get.accepts_json()?;
    let target = &get.target;
    let file = target.backtest_name();
    let bytes = state
        .artifacts
        .fetch_beside(&file, MAX_BACKTEST_BYTES)
        .await
        .map_err(|e| match e {
            LoadError::NotFound(_) => ApiError::validation(format!(
                "TargetModel {} has no backtest at the model location: train it with --cross-validate",
                target.as_str()
            )),
            other => load_error(target, other),
        })?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response())
}

fn check_endpoint(state: &SharedState, name: &str) -> Result<(), ApiError> {
    if name == state.config.endpoint_name {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "Endpoint {name} of account 000000000000 not found."
    )))
}

fn authorize(principal: &Principal, target: &TargetModel, action: &str) -> Result<(), ApiError> {
    if principal.may_invoke(target.as_str()) {
        return Ok(());
    }
    Err(ApiError::access_denied(format!(
        "User: {} is not authorized to perform: sagemaker:{action} with sagemaker:TargetModel {}",
        principal.credentials.access_key_id,
        target.as_str()
    )))
}

/// InvokeEndpoint: signature (before the body is read), endpoint name,
/// TargetModel and its authorization, media types, body, then the forecast.
pub async fn invoke(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    signed: Signed,
) -> Result<Response, ApiError> {
    invoke_signed(&state, &name, signed).await
}

/// [`invoke`] of a request already signed, to the endpoint `name` (the
/// route's and [`crate::front::Front`]'s).
pub(crate) async fn invoke_signed(
    state: &SharedState,
    name: &str,
    signed: Signed,
) -> Result<Response, ApiError> {
    check_endpoint(state, name)?;
    let headers = &signed.parts.headers;
    let target = target_model(headers)?;
    authorize(&signed.principal, &target, "InvokeEndpoint")?;
    sends_json(headers)?;
    accepts_json(headers)?;
    let request = parse_forecast_request(&signed.body)?;
    let caller = &signed.principal.credentials.access_key_id;
    forecast(state, caller, &target, &request).await
}

/// The whole invocation's deadline.
pub(crate) fn deadline(state: &SharedState) -> tokio::time::Instant {
    tokio::time::Instant::now() + state.config.server.invocation_timeout
}

/// Loads the model (through the cache, on a forecast worker) and answers.
pub(crate) async fn forecast(
    state: &SharedState,
    caller: &str,
    target: &TargetModel,
    request: &ForecastRequest,
) -> Result<Response, ApiError> {
    let deadline = deadline(state);
    let model = load_model(state, caller, target, deadline).await?;
    let name = target.as_str();
    respond(state, caller, (name, name), &model, request, deadline).await
}

/// The model, through the cache (loaded on a forecast worker, or from a
/// small parsed form without waiting for one), by `deadline`.
pub(crate) async fn load_model(
    state: &SharedState,
    caller: &str,
    target: &TargetModel,
    deadline: tokio::time::Instant,
) -> Result<Arc<LoadedModel>, ApiError> {
    // A model in memory is answered without building (and moving) the load.
    if tokio::time::Instant::now() < deadline {
        if let Some(model) = state.cache.hit(target.as_str()) {
            return Ok(model);
        }
    }
    let load = async {
        let bytes = state.artifacts.fetch(target).await?;
        let parsed = state.artifacts.parsed_form(target);
        let (name, source, limits) = (
            target.as_str().to_owned(),
            format!("{}/{}", state.config.models, target.as_str()),
            state.config.server.artifact,
        );
        if let Some(model) =
            load_small_parsed_form(&bytes, parsed.as_ref(), &name, source.clone()).await
        {
            return Ok(model);
        }
        state
            .compute
            .run(caller, move || {
                load_artifact(&bytes, parsed.as_ref(), &name, source, &limits)
            })
            .await?
    };
    load_within(deadline, state.cache.get(target.as_str(), load))
        .await
        .ok_or_else(|| ApiError::model_not_ready(target.as_str()))?
        .map_err(|e| load_error(target, e))
}

/// Waits for the model until `deadline`; `None` when the time is up. A
/// deadline already passed is always "not ready", even when the load would
/// finish on its first poll (`timeout_at` polls once before it looks at the
/// clock), so the answer does not depend on how fast the cache answers.
async fn load_within<F: std::future::Future>(
    deadline: tokio::time::Instant,
    load: F,
) -> Option<F::Output> {
    if tokio::time::Instant::now() >= deadline {
        return None;
    }
    timeout_at(deadline, load).await.ok()
}

pub(crate) fn load_error(target: &TargetModel, e: LoadError) -> ApiError {
    match e {
        LoadError::NotFound(_) => ApiError::validation(format!(
            "Failed to download model data for TargetModel {}: there is no such artifact at the model location",
            target.as_str()
        )),
        LoadError::Unavailable { .. } => ApiError::unavailable(e.to_string()),
        LoadError::Compute(c) => compute_error(c),
        other => ApiError::model(other.to_string()),
    }
}

/// A refusal or failure of the forecast workers as SageMaker says it.
pub(crate) fn compute_error(e: ComputeError) -> ApiError {
    match e {
        ComputeError::Busy(_) => ApiError::unavailable(e.to_string()),
        ComputeError::CallerBusy(_) => ApiError::throttled(e.to_string()),
        ComputeError::Panicked(_) => ApiError::model(e.to_string()),
    }
}

pub(crate) fn forecast_error(e: ForecastError) -> ApiError {
    match e {
        // The request asks more of this model than it can give: say how much.
        e @ (ForecastError::TooManyDraws { .. }
        | ForecastError::TooMuchWork { .. }
        | ForecastError::Frame(_)
        | ForecastError::Frequency(FrequencyError::OutOfRange { .. })) => {
            ApiError::validation(e.to_string())
        }
        other => ApiError::model(format!("forecast failed: {other}")),
    }
}

/// The forecast answer from a loaded model: kept, or computed on a worker
/// (which keeps it) within `deadline`. `key` names the model in the answer
/// cache; `target` is its TargetModel (for the covariates feed's keys).
pub(crate) async fn respond(
    state: &SharedState,
    caller: &str,
    (key, target): (&str, &str),
    model: &Arc<LoadedModel>,
    request: &ForecastRequest,
    deadline: tokio::time::Instant,
) -> Result<Response, ApiError> {
    let rows = request.len();
    let feed = state.covariates.as_ref().and_then(|f| f.current());
    let key = AnswerKey {
        model: key.to_owned(),
        model_seed: model.seed.for_horizon(0),
        period: rows,
        inputs: future::answer_inputs(&model.model, request, feed.as_deref()),
    };
    let compute = async {
        let (model, answers, kept) = (model.clone(), state.answers.clone(), key.clone());
        let (metrics, request, target) =
            (state.metrics.clone(), request.clone(), target.to_owned());
        let work = move || {
            let started = Instant::now();
            let frame = future::prepare(&model.model, &target, &request, feed.as_deref())?;
            let options = ForecastOptions {
                seed: Some(model.answer_seed(rows)),
                ..Default::default()
            };
            let answer = predict(&model.model, &frame, &options)
                .map(|f| Bytes::from(to_pandas_json(&f, model.model.history_dates.len())))
                .map_err(forecast_error);
            metrics
                .model_latency
                .observe(started.elapsed().as_secs_f64());
            if let Ok(a) = &answer {
                answers.insert(kept, a.clone());
            }
            answer
        };
        match state.compute.run(caller, work).await {
            Ok(answer) => answer,
            Err(e) => Err(compute_error(e)),
        }
    };
    // A kept answer is taken without building (and moving) the computation.
    let body = match state.answers.get(&key) {
        Some(kept) => kept,
        None => timeout_at(deadline, state.answers.get_or_compute(&key, compute))
            .await
            .map_err(|_| {
                ApiError::model_timeout(state.config.server.invocation_timeout.as_secs())
            })??,
    };
    let body = if request.double_encoded {
        let text = std::str::from_utf8(&body).expect("answers are JSON text");
        Bytes::from(serde_json::to_string(text).expect("strings serialize"))
    } else {
        body
    };
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    response.headers_mut().insert(
        HeaderName::from_static("x-amzn-invoked-production-variant"),
        HeaderValue::from_static("AllTraffic"),
    );
    Ok(response)
}

/// The artifact bytes, signed and authorized like an invocation, with a
/// strong ETag (SHA-256) and `If-None-Match` support.
pub async fn download(
    State(state): State<SharedState>,
    get: SignedModelGet,
) -> Result<Response, ApiError> {
    let target = &get.target;
    let bytes = state
        .artifacts
        .fetch(target)
        .await
        .map_err(|e| load_error(target, e))?;
    Ok(get.conditional(bytes, "application/gzip"))
}

/// The country holiday table a model needs (`add_country_holidays`), for a
/// device to keep beside the artifact and forecast the model offline: the
/// compiled-in `data/<CODE>.bin` of `gridcast-holidays`, which devices do not
/// carry. Signed and authorized like an invocation of the model; ETag and
/// `If-None-Match` like the artifact; a model without country holidays 400.
pub async fn holidays(
    State(state): State<SharedState>,
    get: SignedModelGet,
) -> Result<Response, ApiError> {
    let target = &get.target;
    let model = get.model(&state, deadline(&state)).await?;
    let country = model.model.holidays.country.as_deref().ok_or_else(|| {
        ApiError::validation(format!(
            "TargetModel {} has no country holidays: there is no table to download",
            target.as_str()
        ))
    })?;
    let table = gridcast_holidays::embedded_bytes(country)
        .map_err(|e| ApiError::model(format!("TargetModel {}: {e}", target.as_str())))?;
    Ok(get.conditional(Bytes::from_static(table), "application/octet-stream"))
}

/// The future covariates a model needs, from the feed, for a device to keep
/// beside the artifact and forecast from offline: the feed's rows after the
/// model's history (at most [`MAX_PERIOD`]) of the columns the model needs
/// (a row lacking one is left out), as `gridcast_api::FutureCovariates`.
/// Signed and authorized like an invocation of the model; ETag and
/// `If-None-Match` like the artifact.
pub async fn covariates(
    State(state): State<SharedState>,
    get: SignedModelGet,
) -> Result<Response, ApiError> {
    let target = &get.target;
    let feed = state.covariates.as_ref().ok_or_else(|| {
        ApiError::validation(
            "this endpoint has no future covariates feed: start serve with --future-covariates LOCATION",
        )
    })?;
    let current = feed.current().ok_or_else(|| {
        ApiError::unavailable(format!(
            "the covariates feed {} has not been read yet",
            feed.describe()
        ))
    })?;
    let model = get.model(&state, deadline(&state)).await?;
    let needed = model.model.future_value_columns();
    let rows = match model.model.last_date() {
        Some(after) if !needed.is_empty() => {
            current.rows_for(target.as_str(), &needed, after, MAX_PERIOD as usize)
        }
        _ => gridcast_api::FutureRows::default(),
    };
    let body = gridcast_api::FutureCovariates::from_rows(&rows).to_json();
    Ok(get.conditional(body, "application/json"))
}
