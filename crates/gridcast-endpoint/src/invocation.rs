//! `POST /endpoints/{name}/invocations` (InvokeEndpoint) and
//! `GET /endpoints/{name}/models/{TargetModel}` (the artifact, for clients'
//! offline forecasts).

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use gridcast_model::{seed_response, ForecastError, ForecastOptions, FrequencyError};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::time::timeout_at;

use crate::answers::AnswerKey;
use crate::authentication::TARGET_MODEL_HEADER;
use crate::compute::ComputeError;
use crate::credentials::Principal;
use crate::error::ApiError;
use crate::model_cache::{parse_artifact, LoadError, LoadedModel};
use crate::signed::Signed;
use crate::state::SharedState;
use crate::target_model::TargetModel;

/// Largest forecast horizon: ten years of daily rows (the answer is ~1.2 MB).
pub const MAX_PERIOD: u64 = 3650;

/// The InvokeEndpoint and artifact routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/endpoints/{name}/invocations", post(invoke))
        .route("/endpoints/{name}/models/{*target}", get(download))
}

/// `{"period": N}`, and whether it came as a JSON string holding that object
/// (what the SageMaker Python SDK's JSONSerializer sends given a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastRequest {
    /// Rows to forecast.
    pub period: usize,
    /// Answer double-encoded, like the seed's container.
    pub double_encoded: bool,
}

/// Parses the invocation body.
pub fn parse_forecast_request(body: &[u8]) -> Result<ForecastRequest, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(format!(
            "the body is not JSON ({e}); send {{\"period\": 7}}"
        ))
    })?;
    let (object, double_encoded) = match value {
        Value::String(inner) => (
            serde_json::from_str::<Value>(&inner).map_err(|e| {
                ApiError::validation(format!("the body is a JSON string that is not JSON ({e})"))
            })?,
            true,
        ),
        other => (other, false),
    };
    let period = object
        .get("period")
        .ok_or_else(|| ApiError::validation("the body has no \"period\"; send {\"period\": 7}"))?;
    let n = match period {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .filter(|n| (1..=MAX_PERIOD).contains(n))
    .ok_or_else(|| {
        ApiError::validation(format!(
            "period must be an integer from 1 to {MAX_PERIOD}, got {period}"
        ))
    })?;
    Ok(ForecastRequest {
        period: n as usize,
        double_encoded,
    })
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

/// The media type of a `Content-Type` or `Accept` item, without parameters
/// (media types compare case-insensitively).
fn media_type(item: &str) -> &str {
    item.split(';').next().unwrap_or("").trim()
}

fn accepts_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let accept = accept.to_str().unwrap_or("");
    let ok = accepts_json_text(accept);
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_acceptable(accept))
    }
}

fn accepts_json_text(accept: &str) -> bool {
    accept.split(',').any(|t| {
        let t = media_type(t);
        t.is_empty()
            || t == "*/*"
            || t.eq_ignore_ascii_case("application/*")
            || t.eq_ignore_ascii_case("application/json")
    })
}

fn sends_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let ct = ct.to_str().unwrap_or("");
    if media_type(ct).eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "ContentType {ct:?} is not supported; use application/json"
        )))
    }
}

fn target_model(headers: &HeaderMap) -> Result<TargetModel, ApiError> {
    let target = headers
        .get(TARGET_MODEL_HEADER)
        .ok_or_else(|| {
            ApiError::validation(
                "this is a multi-model endpoint: set TargetModel (X-Amzn-SageMaker-Target-Model)",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::validation("TargetModel is not printable ASCII"))?;
    TargetModel::parse(target)
}

/// InvokeEndpoint: signature (before the body is read), endpoint name,
/// TargetModel and its authorization, media types, body, then the forecast.
pub async fn invoke(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    signed: Signed,
) -> Result<Response, ApiError> {
    check_endpoint(&state, &name)?;
    let headers = &signed.parts.headers;
    let target = target_model(headers)?;
    authorize(&signed.principal, &target, "InvokeEndpoint")?;
    sends_json(headers)?;
    accepts_json(headers)?;
    let request = parse_forecast_request(&signed.body)?;
    let caller = &signed.principal.credentials.access_key_id;
    forecast(&state, caller, &target, request).await
}

/// The whole invocation's deadline.
fn deadline(state: &SharedState) -> tokio::time::Instant {
    tokio::time::Instant::now() + state.config.server.invocation_timeout
}

/// Loads the model (through the cache, on a forecast worker) and answers.
pub(crate) async fn forecast(
    state: &SharedState,
    caller: &str,
    target: &TargetModel,
    request: ForecastRequest,
) -> Result<Response, ApiError> {
    let deadline = deadline(state);
    let load = async {
        let bytes = state.artifacts.fetch(target).await?;
        let (name, source, limits) = (
            target.as_str().to_owned(),
            format!("{}/{}", state.config.models, target.as_str()),
            state.config.server.artifact,
        );
        state
            .compute
            .run(caller, move || {
                parse_artifact(&bytes, false, &name, source, &limits)
            })
            .await?
    };
    let model = timeout_at(deadline, state.cache.get(target.as_str(), load))
        .await
        .map_err(|_| ApiError::model_not_ready(target.as_str()))?
        .map_err(|e| load_error(target, e))?;
    respond(state, caller, target.as_str(), &model, request, deadline).await
}

fn load_error(target: &TargetModel, e: LoadError) -> ApiError {
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

fn forecast_error(e: ForecastError) -> ApiError {
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
/// (which keeps it) within `deadline`.
pub(crate) async fn respond(
    state: &SharedState,
    caller: &str,
    key: &str,
    model: &Arc<LoadedModel>,
    request: ForecastRequest,
    deadline: tokio::time::Instant,
) -> Result<Response, ApiError> {
    let period = request.period;
    let key = AnswerKey {
        model: key.to_owned(),
        model_seed: model.seed.for_horizon(0),
        period,
    };
    let compute = async {
        let (model, answers, kept) = (model.clone(), state.answers.clone(), key.clone());
        let metrics = state.metrics.clone();
        let work = move || {
            let started = Instant::now();
            let options = ForecastOptions {
                seed: Some(model.answer_seed(period)),
                ..Default::default()
            };
            let answer = seed_response(&model.model, period, &options).map(Bytes::from);
            metrics
                .model_latency
                .observe(started.elapsed().as_secs_f64());
            if let Ok(a) = &answer {
                answers.insert(kept, a.clone());
            }
            answer
        };
        match state.compute.run(caller, work).await {
            Ok(answer) => answer.map_err(forecast_error),
            Err(e) => Err(compute_error(e)),
        }
    };
    let body = timeout_at(deadline, state.answers.get_or_compute(&key, compute))
        .await
        .map_err(|_| ApiError::model_timeout(state.config.server.invocation_timeout.as_secs()))??;
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
        "x-Amzn-Invoked-Production-Variant",
        HeaderValue::from_static("AllTraffic"),
    );
    Ok(response)
}

/// The artifact bytes, signed and authorized like an invocation, with a
/// strong ETag (SHA-256) and `If-None-Match` support.
pub async fn download(
    State(state): State<SharedState>,
    Path((name, target)): Path<(String, String)>,
    signed: Signed,
) -> Result<Response, ApiError> {
    check_endpoint(&state, &name)?;
    let target = TargetModel::parse(&target)?;
    authorize(&signed.principal, &target, "InvokeEndpoint")?;
    let bytes = state
        .artifacts
        .fetch(&target)
        .await
        .map_err(|e| load_error(&target, e))?;
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
    let matches = signed
        .parts
        .headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == etag || t.trim() == "*");
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/gzip")],
            Body::from(bytes),
        )
            .into_response()
    };
    response.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex etag"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_compare_case_insensitively() {
        for ok in [
            "application/json",
            "APPLICATION/JSON",
            "Application/Json; charset=utf-8",
            "*/*",
            "text/csv, application/*",
        ] {
            assert!(accepts_json_text(ok), "{ok}");
        }
        assert!(!accepts_json_text("text/csv"));
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "APPLICATION/JSON".parse().unwrap());
        assert!(sends_json(&h).is_ok());
        h.insert(header::CONTENT_TYPE, "text/json".parse().unwrap());
        assert!(sends_json(&h).is_err());
    }

    #[test]
    fn horizons_at_and_past_the_bounds() {
        assert_eq!(
            parse_forecast_request(br#"{"period": 1}"#).unwrap().period,
            1
        );
        assert_eq!(
            parse_forecast_request(format!("{{\"period\": {MAX_PERIOD}}}").as_bytes())
                .unwrap()
                .period,
            MAX_PERIOD as usize
        );
        for bad in [0, MAX_PERIOD + 1] {
            let body = format!("{{\"period\": {bad}}}");
            assert_eq!(
                parse_forecast_request(body.as_bytes()).unwrap_err().status,
                400
            );
        }
    }

    #[test]
    fn bodies_plain_double_encoded_and_bad() {
        assert_eq!(
            parse_forecast_request(br#"{"period": 7}"#).unwrap(),
            ForecastRequest {
                period: 7,
                double_encoded: false
            }
        );
        assert_eq!(
            parse_forecast_request(br#""{\"period\": 14}""#).unwrap(),
            ForecastRequest {
                period: 14,
                double_encoded: true
            }
        );
        assert_eq!(
            parse_forecast_request(br#"{"period": "30"}"#)
                .unwrap()
                .period,
            30
        );
        for bad in [
            &b"period=7"[..],
            b"{}",
            br#"{"period": 0}"#,
            br#"{"period": 3651}"#,
            br#"{"period": 7.5}"#,
            br#"{"period": -1}"#,
            br#"{"period": null}"#,
            br#""not json""#,
            b"[7]",
        ] {
            let err = parse_forecast_request(bad).unwrap_err();
            assert_eq!(
                err.kind,
                "ValidationError",
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
