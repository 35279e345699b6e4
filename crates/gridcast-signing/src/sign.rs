//! Signing requests (clients).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::credentials::Credentials;

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the request: {0}")]
pub struct SigningError(String);

/// Signs a request and returns the headers to add to it (`authorization`,
/// `x-amz-date`, and `x-amz-security-token` for temporary credentials).
///
/// `url` is absolute (`https://host/path?query`); `headers` are those that
/// will be sent and signed (`host` is taken from the URL when absent);
/// `unix_seconds` is the signing time.
pub fn sign_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    service: &str,
    unix_seconds: i64,
) -> Result<Vec<(String, String)>, SigningError> {
    let identity = credentials.identity();
    let time = UNIX_EPOCH
        + Duration::from_secs(
            u64::try_from(unix_seconds).map_err(|_| SigningError("time before 1970".into()))?,
        );
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
