//! SigV4 authentication of a request, with AWS's 403 error types, in two
//! steps: [`identify`] from the headers alone (before the body is read: a
//! request naming no known key never gets its body buffered), then
//! [`verify`] the signature over the headers and the body.

use std::sync::Arc;

use axum::http::request::Parts;
use gridcast_signing::{
    parse_authorization, verify_request, Authorization, PathRules, RequestParts, VerifyError,
    SAGEMAKER_SERVICE,
};

use crate::credentials::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// The TargetModel header, which must be signed when present (the AWS SDKs
/// sign it; unsigned, a captured request could be pointed at another model).
pub const TARGET_MODEL_HEADER: &str = "x-amzn-sagemaker-target-model";

/// A request's claimed signer, known but not yet verified.
#[derive(Debug, Clone)]
pub struct Claimed<'a> {
    /// The parsed `Authorization` header (borrowing the request's).
    pub authorization: Authorization<'a>,
    /// The principal of its access key.
    pub principal: Arc<Principal>,
}

/// Who a request says it comes from, from its headers:
///
/// - no `Authorization` header: `MissingAuthenticationTokenException`;
/// - an access key nobody issued, or a sign-in's whose session token does not
///   check out or was signed out: `UnrecognizedClientException`;
/// - temporary credentials past their expiration: `ExpiredTokenException`;
/// - a malformed header, or a TargetModel header left out of the signed
///   headers: `InvalidSignatureException`.
pub fn identify<'a>(state: &AppState, parts: &'a Parts) -> Result<Claimed<'a>, ApiError> {
    let header = match parts.headers.get(http::header::AUTHORIZATION) {
        Some(value) => value
            .to_str()
            .map_err(|_| ApiError::invalid_signature("Authorization is not ASCII"))?,
        None => return Err(ApiError::missing_authentication()),
    };
    let authorization =
        parse_authorization(header).map_err(|e| ApiError::invalid_signature(e.to_string()))?;
    let now = (state.clock)();
    let principal = match state.principals.lookup(authorization.access_key_id) {
        Some(p) => p,
        // Not configured: a sign-in's credentials, if its token checks out.
        None => Arc::new(state.sessions.principal(
            authorization.access_key_id,
            session_token(parts),
            now,
        )?),
    };
    if principal.expiration.is_some_and(|e| e <= now) {
        return Err(ApiError::expired_token());
    }
    if parts.headers.contains_key(TARGET_MODEL_HEADER) && !authorization.signs(TARGET_MODEL_HEADER)
    {
        return Err(ApiError::invalid_signature(
            "X-Amzn-SageMaker-Target-Model must be one of the SignedHeaders",
        ));
    }
    Ok(Claimed {
        authorization,
        principal,
    })
}

/// The request's `X-Amz-Security-Token`, if any (signed with the rest: a
/// changed one fails the signature).
fn session_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
}

/// Checks the claimed signature over the request: a wrong session token is
/// `UnrecognizedClientException`, anything else wrong (including more than
/// 5 minutes of clock skew) `InvalidSignatureException`.
pub fn verify(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
    claimed: Claimed<'_>,
) -> Result<Arc<Principal>, ApiError> {
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let request = RequestParts {
        method: parts.method.as_str(),
        path_and_query,
        headers: &parts.headers,
        body,
    };
    verify_request(
        &request,
        &claimed.authorization,
        &claimed.principal.credentials,
        &state.config.region,
        SAGEMAKER_SERVICE,
        (state.clock)(),
        PathRules::SAGEMAKER,
    )
    .map_err(|e| match e {
        VerifyError::TokenMismatch => ApiError::unrecognized_client(),
        other => ApiError::invalid_signature(other.to_string()),
    })?;
    Ok(claimed.principal)
}
