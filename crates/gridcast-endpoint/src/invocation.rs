//! `POST /endpoints/{name}/invocations` (InvokeEndpoint) and
//! `GET /endpoints/{name}/models/{TargetModel}` (the artifact, for clients'
//! offline forecasts).

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridcast_model::{seed_response, ForecastOptions};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::authentication::authenticate;
use crate::credentials::Principal;
use crate::error::ApiError;
use crate::model_cache::{parse_artifact, LoadError, LoadedModel};
use crate::server::{read_body, SharedState};
use crate::target_model::TargetModel;

/// Largest forecast horizon: ten years of daily rows (the answer is ~3 MB).
pub const MAX_PERIOD: u64 = 3650;

/// InvokeEndpoint's limit on the request body.
pub const MAX_BODY: usize = 6 * 1024 * 1024;

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

/// The first steps of every `/endpoints/{name}/...` request, in this order:
/// read the body (bounded), check the signature, then the endpoint name.
async fn accept_signed(
    state: &SharedState,
    name: &str,
    request: Request,
) -> Result<(http::request::Parts, Bytes, Principal), ApiError> {
    let (parts, body) = request.into_parts();
    let body = read_body(body, &parts.headers, MAX_BODY).await?;
    let principal = authenticate(state, &parts, &body)?;
    if name != state.config.endpoint_name {
        return Err(ApiError::validation(format!(
            "Endpoint {name} of account 000000000000 not found."
        )));
    }
    Ok((parts, body, principal))
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

fn accepts_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let accept = accept.to_str().unwrap_or("");
    let ok = accept.split(',').any(|t| {
        let t = t.split(';').next().unwrap_or("").trim();
        t.is_empty() || t == "*/*" || t == "application/*" || t == "application/json"
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_acceptable(accept))
    }
}

/// InvokeEndpoint.
pub async fn invoke(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body, principal) = accept_signed(&state, &name, request).await?;
    let target = parts
        .headers
        .get("x-amzn-sagemaker-target-model")
        .ok_or_else(|| {
            ApiError::validation(
                "this is a multi-model endpoint: set TargetModel (X-Amzn-SageMaker-Target-Model)",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::validation("TargetModel is not printable ASCII"))?;
    let target = TargetModel::parse(target)?;
    authorize(&principal, &target, "InvokeEndpoint")?;
    if let Some(ct) = parts.headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if ct.split(';').next().unwrap_or("").trim() != "application/json" {
            return Err(ApiError::validation(format!(
                "ContentType {ct:?} is not supported; use application/json"
            )));
        }
    }
    accepts_json(&parts.headers)?;
    let request = parse_forecast_request(&body)?;
    let answer = forecast(&state, &target, request).await?;
    Ok(answer)
}

/// Loads the model (through the cache) and answers the forecast.
pub(crate) async fn forecast(
    state: &SharedState,
    target: &TargetModel,
    request: ForecastRequest,
) -> Result<Response, ApiError> {
    let load = async {
        let bytes = state.artifacts.fetch(target).await?;
        let (name, source) = (
            target.as_str().to_owned(),
            format!("{}/{}", state.config.models, target.as_str()),
        );
        tokio::task::spawn_blocking(move || parse_artifact(&bytes, false, &name, source))
            .await
            .unwrap_or_else(|e| {
                Err(LoadError::Corrupt {
                    name: target.as_str().to_owned(),
                    problem: e.to_string(),
                })
            })
    };
    let model = state
        .cache
        .get(target.as_str(), load)
        .await
        .map_err(|e| load_error(target, e))?;
    respond(state, &model, request)
}

fn load_error(target: &TargetModel, e: LoadError) -> ApiError {
    match e {
        LoadError::NotFound(_) => ApiError::validation(format!(
            "Failed to download model data for TargetModel {}: there is no such artifact at the model location",
            target.as_str()
        )),
        LoadError::Unavailable { .. } => ApiError::unavailable(e.to_string()),
        other => ApiError::model(other.to_string()),
    }
}

/// The forecast answer from a loaded model.
pub(crate) fn respond(
    state: &SharedState,
    model: &LoadedModel,
    request: ForecastRequest,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let body = model
        .answer(request.period, |seed| {
            seed_response(
                &model.model,
                request.period,
                &ForecastOptions {
                    seed: Some(seed),
                    ..Default::default()
                },
            )
        })
        .map_err(|e| ApiError::model(format!("forecast failed: {e}")))?;
    state
        .metrics
        .model_latency
        .observe(started.elapsed().as_secs_f64());
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
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, _body, principal) = accept_signed(&state, &name, request).await?;
    let target = TargetModel::parse(&target)?;
    authorize(&principal, &target, "InvokeEndpoint")?;
    let bytes = state
        .artifacts
        .fetch(&target)
        .await
        .map_err(|e| load_error(&target, e))?;
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
    let matches = parts
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
