//! What an invocation asks for, read from its headers and body: the
//! TargetModel, the media types, and the forecast request (the seed's
//! `{"period": N}` or `{"future": rows}`, parsed by `gridcast-api`). Every
//! route that forecasts (InvokeEndpoint, the container's invoke) reads its
//! request here.

use axum::http::{header, HeaderMap};
use gridcast_api::ForecastRequest;

use crate::authentication::TARGET_MODEL_HEADER;
use crate::error::ApiError;
use crate::target_model::TargetModel;

pub use gridcast_api::MAX_PERIOD;

/// Parses an invocation body (400 ValidationError saying what to send).
pub fn parse_forecast_request(body: &[u8]) -> Result<ForecastRequest, ApiError> {
    ForecastRequest::parse(body).map_err(|e| ApiError::validation(e.to_string()))
}

/// The media type of a `Content-Type` or `Accept` item, without parameters
/// (media types compare case-insensitively).
fn media_type(item: &str) -> &str {
    item.split(';').next().unwrap_or("").trim()
}

/// The answer must be acceptable as JSON (406 otherwise).
pub fn accepts_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let accept = accept.to_str().unwrap_or("");
    if accepts_json_text(accept) {
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

/// The body must be JSON, if its type is given.
pub fn sends_json(headers: &HeaderMap) -> Result<(), ApiError> {
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

/// The TargetModel header, validated.
pub fn target_model(headers: &HeaderMap) -> Result<TargetModel, ApiError> {
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
    fn bad_bodies_are_validation_errors() {
        for bad in [
            &b"period=7"[..],
            b"{}",
            br#"{"period": 0}"#,
            br#"{"future": [{"ds": "x"}]}"#,
        ] {
            let err = parse_forecast_request(bad).unwrap_err();
            assert_eq!((err.status.as_u16(), err.kind), (400, "ValidationError"));
        }
        assert_eq!(
            parse_forecast_request(br#"{"period": 7}"#).unwrap().len(),
            7
        );
    }
}
