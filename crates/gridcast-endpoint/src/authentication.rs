//! SigV4 authentication of a request, with AWS's 403 error types.

use axum::http::request::Parts;
use gridcast_signing::{
    parse_authorization, verify_request, PathRules, RequestParts, VerifyError, SAGEMAKER_SERVICE,
};

use crate::credentials::Principal;
use crate::error::ApiError;
use crate::server::AppState;

/// Checks the request's signature and returns its principal.
///
/// - no `Authorization` header: `MissingAuthenticationTokenException`;
/// - an access key nobody issued, or a wrong session token: `UnrecognizedClientException`;
/// - temporary credentials past their expiration: `ExpiredTokenException`;
/// - anything else wrong with the signature (including more than 5 minutes
///   of clock skew): `InvalidSignatureException`.
pub fn authenticate(state: &AppState, parts: &Parts, body: &[u8]) -> Result<Principal, ApiError> {
    let header = match parts.headers.get(http::header::AUTHORIZATION) {
        Some(value) => value
            .to_str()
            .map_err(|_| ApiError::invalid_signature("Authorization is not ASCII"))?,
        None => return Err(ApiError::missing_authentication()),
    };
    let auth =
        parse_authorization(header).map_err(|e| ApiError::invalid_signature(e.to_string()))?;
    let principal = state
        .principals
        .lookup(&auth.access_key_id)
        .ok_or_else(ApiError::unrecognized_client)?;
    let now = (state.clock)();
    if principal.expiration.is_some_and(|e| e <= now) {
        return Err(ApiError::expired_token());
    }
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let request = RequestParts {
        method: parts.method.as_str(),
        path_and_query,
        headers: &parts.headers,
        body,
    };
    verify_request(
        &request,
        &auth,
        &principal.credentials,
        &state.config.region,
        SAGEMAKER_SERVICE,
        now,
        PathRules::SAGEMAKER,
    )
    .map_err(|e| match e {
        VerifyError::TokenMismatch => ApiError::unrecognized_client(),
        other => ApiError::invalid_signature(other.to_string()),
    })?;
    Ok(principal)
}
