//! Errors in SageMaker Runtime's shape: status, `x-amzn-ErrorType`, and a
//! JSON body with `message` (plus `OriginalStatusCode`/`OriginalMessage` for
//! model errors, as InvokeEndpoint's ModelError has).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `x-amzn-ErrorType` (`ValidationError`, `ModelError`, ...).
    pub kind: &'static str,
    /// For people.
    pub message: String,
    /// ModelError only: the model container's status and message.
    pub original: Option<(u16, String)>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            original: None,
        }
    }

    /// 400 ValidationError: the request is wrong.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// 424 ModelError: the model exists but could not load or forecast.
    pub fn model(message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(StatusCode::FAILED_DEPENDENCY, "ModelError", format!(
            "Received client error (400) from primary with message \"{message}\". See the endpoint logs for more information."
        ));
        e.original = Some((400, message));
        e
    }

    /// 403 InvalidSignatureException: the signature does not check out.
    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "InvalidSignatureException", message)
    }

    /// 403 UnrecognizedClientException: no such access key.
    pub fn unrecognized_client() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// 403 ExpiredTokenException: temporary credentials past their expiration.
    pub fn expired_token() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )
    }

    /// 403 AccessDeniedException: signed correctly, but not allowed this model.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
    }

    /// 403 MissingAuthenticationTokenException: no signature at all.
    pub fn missing_authentication() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    /// 413: body over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ValidationError",
            format!("Request body is larger than {limit} bytes"),
        )
    }

    /// 406: an `Accept` type the endpoint cannot produce.
    pub fn not_acceptable(accept: &str) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "ValidationError",
            format!("Accept {accept:?} is not supported; use application/json"),
        )
    }

    /// 404 for routes and models that do not exist (container contract).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }

    /// 409: a model is already loaded (container contract).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", message)
    }

    /// 507: no memory left for another model (container contract).
    pub fn insufficient_storage(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "InsufficientStorage",
            message,
        )
    }

    /// 429 ThrottlingException.
    pub fn throttled(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            message,
        )
    }

    /// 503 ServiceUnavailable: the model store cannot be reached.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            message,
        )
    }

    /// 424 ModelError: the invocation's time ran out (SageMaker's message).
    pub fn model_timeout(seconds: u64) -> Self {
        Self::model(format!(
            "Your invocation timed out while waiting for a response from container primary (limit {seconds} s)."
        ))
    }

    /// 429 ModelNotReadyException: the model is still loading; retry.
    pub fn model_not_ready(target: &str) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ModelNotReadyException",
            format!("Model {target} is still loading; retry the request"),
        )
    }

    /// 408: the request body did not arrive in time.
    pub fn request_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            format!(
                "the request body did not arrive within {} s",
                limit.as_secs_f64()
            ),
        )
    }

    /// 500 InternalFailure: a bug.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self.original {
            Some((code, msg)) => json!({
                "message": self.message, "OriginalStatusCode": code, "OriginalMessage": msg,
            }),
            None => json!({ "message": self.message }),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert("x-amzn-ErrorType", HeaderValue::from_static(self.kind));
        response.extensions_mut().insert(ErrorKind(self.kind));
        response
    }
}

/// Marks an error response with its type, for the metrics layer.
#[derive(Debug, Clone, Copy)]
pub struct ErrorKind(pub &'static str);
