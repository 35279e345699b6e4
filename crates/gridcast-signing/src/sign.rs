//! Signing requests (clients).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::credentials::Credentials;

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the request: {0}")]
pub struct SigningError(String);

impl SigningError {
    pub(crate) fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }
}

/// A request about to be sent.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// Absolute: `https://host/path?query`.
    pub url: &'a str,
    /// The headers that will be sent and signed (`host` is taken from the
    /// URL when absent).
    pub headers: &'a [(&'a str, &'a str)],
    /// The whole body.
    pub body: &'a [u8],
}

/// Where a signature is valid: the SigV4 credential scope.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// `us-east-1`, ...
    pub region: &'a str,
    /// `sagemaker`, ...
    pub service: &'a str,
}

/// Signs `request` at `unix_seconds` and returns the headers to add to it
/// (`authorization`, `x-amz-date`, and `x-amz-security-token` for temporary
/// credentials).
pub fn sign_request(
    request: &OutgoingRequest<'_>,
    credentials: &Credentials,
    scope: Scope<'_>,
    unix_seconds: i64,
) -> Result<Vec<(String, String)>, SigningError> {
    let OutgoingRequest {
        method,
        url,
        headers,
        body,
    } = *request;
    let Scope { region, service } = scope;
    let identity = credentials.identity();
    let time = system_time(unix_seconds).ok_or_else(|| SigningError("time before 1970".into()))?;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| SigningError(e.to_string()))?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| SigningError(e.to_string()))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| SigningError(e.to_string()))?
        .into_parts();
    let (headers, _params) = instructions.into_parts();
    Ok(headers
        .into_iter()
        .map(|h| (h.name().to_owned(), h.value().to_owned()))
        .collect())
}

/// `SystemTime` of Unix seconds (used by the verifier too).
pub(crate) fn system_time(unix_seconds: i64) -> Option<SystemTime> {
    u64::try_from(unix_seconds)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}
