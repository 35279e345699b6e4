//! Verifying signed requests (the endpoint).

use aws_sigv4::http_request::{
    sign, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use subtle::ConstantTimeEq;

use crate::authorization::Authorization;
use crate::canonical::{self, Signable};
use crate::credentials::Credentials;
use crate::sign::system_time;

/// Largest accepted difference between the request's `X-Amz-Date` and the
/// server's clock, either way (AWS's own limit).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

/// A request as the server received it.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The request target as received: path and query, still percent-encoded.
    pub path_and_query: &'a str,
    /// Every header received.
    pub headers: &'a http::HeaderMap,
    /// The whole body.
    pub body: &'a [u8],
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The header or a part of it is not SigV4.
    #[error("{0}")]
    Malformed(String),
    /// The credential scope names another region, service or day.
    #[error("credential should be scoped to {expected}, not {found}")]
    WrongScope {
        /// What this endpoint accepts.
        expected: String,
        /// What the request said.
        found: String,
    },
    /// `X-Amz-Date` is too far from the server's clock.
    #[error(
        "Signature expired: {request} is now earlier than {earliest} ({now} - 5 min.)",
        request = fmt_amz(*request), earliest = fmt_amz(now - MAX_CLOCK_SKEW_SECONDS), now = fmt_amz(*now)
    )]
    Expired {
        /// The request's time (Unix seconds).
        request: i64,
        /// The server's time.
        now: i64,
    },
    /// `X-Amz-Date` is ahead of the server's clock.
    #[error(
        "Signature not yet current: {request} is still later than {latest} ({now} + 5 min.)",
        request = fmt_amz(*request), latest = fmt_amz(now + MAX_CLOCK_SKEW_SECONDS), now = fmt_amz(*now)
    )]
    NotYetCurrent {
        /// The request's time (Unix seconds).
        request: i64,
        /// The server's time.
        now: i64,
    },
    /// The session token is missing, unexpected or wrong.
    #[error("The security token included in the request is invalid")]
    TokenMismatch,
    /// The signature does not match the request.
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method."
    )]
    Mismatch,
}

fn fmt_amz(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map_or_else(
        || unix.to_string(),
        |t| t.format("%Y%m%dT%H%M%SZ").to_string(),
    )
}

fn parse_amz_date(text: &str) -> Option<i64> {
    plain_amz_date(text).or_else(|| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
            .ok()
            .map(|t| t.and_utc().timestamp())
    })
}

/// `YYYYMMDDTHHMMSSZ` of a real date and time, read without chrono's
/// format machinery (what every SDK sends); anything else (`None`) is left
/// to chrono's parser, which accepts the same texts with the same values.
fn plain_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(4..6)?, number(6..8)?)?;
    let time = chrono::NaiveTime::from_hms_opt(number(9..11)?, number(11..13)?, number(13..15)?)?;
    Some(date.and_time(time).and_utc().timestamp())
}

/// The signed headers aws-sigv4 sets itself when it signs: `x-amz-date`
/// from the signing time and `x-amz-security-token` from the identity.
///
/// Passing the request's own copies as well would change nothing (aws-sigv4
/// replaces them), so mutation testing cannot tell this function from one
/// that answers `false`; `.cargo/mutants.toml` names those two mutants.
fn added_by_aws_sigv4(header: &str) -> bool {
    header == "x-amz-date" || header == "x-amz-security-token"
}

/// How the service canonicalises the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathRules {
    /// Remove `.`/`..` segments and duplicate slashes (every service but S3).
    pub normalize: bool,
    /// Percent-encode the (already encoded) wire path again (every service
    /// but S3; what botocore and the AWS SDKs do for SageMaker Runtime).
    pub double_encode: bool,
}

impl PathRules {
    /// SageMaker Runtime's rules (and every service's but S3).
    pub const SAGEMAKER: PathRules = PathRules {
        normalize: true,
        double_encode: true,
    };
}

/// Checks that `request` carries a valid SigV4 signature `auth` made with
/// `credentials` for `region`/`service`, within [`MAX_CLOCK_SKEW_SECONDS`]
/// of `now` (Unix seconds).
pub fn verify_request(
    request: &RequestParts<'_>,
    auth: &Authorization<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    now: i64,
    path: PathRules,
) -> Result<(), VerifyError> {
    let malformed = |why: String| VerifyError::Malformed(why);
    if auth.region != region || auth.service != service {
        return Err(VerifyError::WrongScope {
            expected: format!("{region}/{service}"),
            found: format!("{}/{}", auth.region, auth.service),
        });
    }
    if !auth.signs("host") {
        return Err(malformed("the host header must be signed".into()));
    }
    let date_text = request
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| malformed("missing X-Amz-Date header".into()))?;
    if !auth.signs("x-amz-date") {
        return Err(malformed("the x-amz-date header must be signed".into()));
    }
    let when = parse_amz_date(date_text)
        .ok_or_else(|| malformed(format!("X-Amz-Date {date_text:?} is not YYYYMMDDTHHMMSSZ")))?;
    if !date_text.starts_with(auth.date) {
        return Err(VerifyError::WrongScope {
            expected: date_text[..8].to_owned(),
            found: auth.date.to_owned(),
        });
    }
    if when < now - MAX_CLOCK_SKEW_SECONDS {
        return Err(VerifyError::Expired { request: when, now });
    }
    if when > now + MAX_CLOCK_SKEW_SECONDS {
        return Err(VerifyError::NotYetCurrent { request: when, now });
    }

    // The session token travels in a header; it must be the principal's.
    let sent_token = request
        .headers
        .get("x-amz-security-token")
        .map(|v| v.as_bytes());
    match (&credentials.session_token, sent_token) {
        (Some(expected), Some(sent)) if bool::from(expected.as_bytes().ct_eq(sent)) => {}
        (None, None) => {}
        _ => return Err(VerifyError::TokenMismatch),
    }

    // Rebuild the request from exactly the signed headers; aws-sigv4 adds
    // x-amz-date (from the time) and the session token (from the identity).
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(8);
    for name in auth.signed_header_names() {
        if added_by_aws_sigv4(name) {
            continue;
        }
        let mut any = false;
        for value in request.headers.get_all(name) {
            let value = value
                .to_str()
                .map_err(|_| malformed(format!("header {name} is not visible ASCII")))?;
            headers.push((name, value));
            any = true;
        }
        if !any {
            return Err(malformed(format!(
                "signed header {name} is missing from the request"
            )));
        }
    }
    let time = system_time(when).ok_or_else(|| malformed("X-Amz-Date before 1970".into()))?;
    let signable = Signable {
        method: request.method,
        path_and_query: request.path_and_query,
        headers: &headers,
        body: request.body,
        date_time: date_text,
        time,
    };
    let expected = match canonical::signature(&signable, auth, credentials, region, service) {
        Some(signature) => signature,
        None => aws_sigv4_signature(&signable, auth, credentials, region, service, path)?,
    };
    if bool::from(expected.as_bytes().ct_eq(&auth.signature)) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// The signature aws-sigv4 computes for the request (any shape).
pub(crate) fn aws_sigv4_signature(
    request: &Signable<'_>,
    auth: &Authorization<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    path: PathRules,
) -> Result<String, VerifyError> {
    let malformed = |why: String| VerifyError::Malformed(why);
    let host = request
        .headers
        .iter()
        .find(|(n, _)| *n == "host")
        .map(|(_, v)| *v)
        .unwrap_or_default();
    let url = format!("https://{host}{}", request.path_and_query);

    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    settings.uri_path_normalization_mode = if path.normalize {
        UriPathNormalizationMode::Enabled
    } else {
        UriPathNormalizationMode::Disabled
    };
    settings.percent_encoding_mode = if path.double_encode {
        PercentEncodingMode::Double
    } else {
        PercentEncodingMode::Single
    };
    if !auth.signs("x-amz-security-token") {
        settings.session_token_mode = SessionTokenMode::Exclude;
    }
    let identity = credentials.identity();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(request.time)
        .settings(settings)
        .build()
        .map_err(|e| malformed(e.to_string()))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        url,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.body),
    )
    .map_err(|e| malformed(format!("cannot rebuild the request: {e}")))?;
    let expected = sign(signable, &params)
        .map_err(|e| malformed(format!("cannot rebuild the request: {e}")))?;
    Ok(expected.signature().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_chrono(text: &str) -> Option<i64> {
        chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
            .ok()
            .map(|t| t.and_utc().timestamp())
    }

    #[test]
    fn dates_read_by_hand_are_what_chrono_reads() {
        let mut texts = vec![
            "20261201T170000Z".to_owned(),
            "20240229T235959Z".to_owned(),
            "19700101T000000Z".to_owned(),
            "20230229T120000Z".to_owned(), // no such day
            "20261301T000000Z".to_owned(),
            "20261200T000000Z".to_owned(),
            "20261201T240000Z".to_owned(),
            "20261201T236000Z".to_owned(),
            "20261231T235960Z".to_owned(), // a leap second: chrono's to judge
            "2026120XT170000Z".to_owned(),
            "20261201 170000Z".to_owned(),
            "+2026121T170000Z".to_owned(),
            "20261201T170000".to_owned(),
            "202612011T70000Z".to_owned(),
        ];
        for day in [1, 28, 29, 30, 31, 32] {
            for month in [1, 2, 4, 12] {
                texts.push(format!("2025{month:02}{day:02}T091530Z"));
            }
        }
        for text in &texts {
            assert_eq!(parse_amz_date(text), by_chrono(text), "{text}");
            if let Some(fast) = plain_amz_date(text) {
                assert_eq!(Some(fast), by_chrono(text), "{text}");
            }
        }
        assert!(plain_amz_date("20261201T170000Z").is_some());
    }
}
