//! What went wrong, in words a customer can act on.
//!
//! Every failure the client meets — a SageMaker-shaped error answer, no
//! answer at all, a bad setting, a stored model that will not load — becomes
//! a [`Problem`] with a title and a next step. [`Problem::endpoint_down`]
//! decides when the device forecasts instead.

use gridcast_signing::MAX_CLOCK_SKEW_SECONDS;

use crate::request::Reply;
use crate::settings::SettingsError;

/// What the client was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `/auth/login`.
    SignIn,
    /// `/auth/refresh`.
    Refresh,
    /// InvokeEndpoint.
    Forecast,
    /// Artifact download.
    Download,
}

/// A failure, classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The customer id or password is wrong.
    #[error("Wrong customer id or password")]
    WrongPassword,
    /// Too many attempts; the endpoint's message says for how long.
    #[error("Too many attempts: {0}")]
    Throttled(String),
    /// The endpoint has no users file.
    #[error("This endpoint does not offer sign-in: {0}")]
    SignInUnavailable(String),
    /// The session's credentials expired or were revoked.
    #[error("Your session has expired")]
    SessionExpired,
    /// The device clock is off by more than SigV4 allows.
    #[error("This device's clock is off{}", skew_text(*.offset_seconds))]
    ClockSkew {
        /// Server time minus device time, when the server said its time.
        offset_seconds: Option<i64>,
    },
    /// The credentials are valid but not for this model.
    #[error("Not allowed: {0}")]
    NotAllowed(String),
    /// The signature or keys were refused (typed keys, wrong region...).
    #[error("The endpoint refused the credentials: {0}")]
    BadCredentials(String),
    /// No model for this customer at the endpoint.
    #[error("No forecast model for {0} yet")]
    ModelMissing(String),
    /// No answer: network error, refused connection, DNS, CORS.
    #[error("The forecast service cannot be reached ({0})")]
    Unreachable(String),
    /// No answer within the time limit.
    #[error("The forecast service did not answer within {0} seconds")]
    Timeout(u32),
    /// A 5xx answer.
    #[error("The forecast service failed ({status}): {message}")]
    ServerFailure {
        /// HTTP status.
        status: u16,
        /// The endpoint's message.
        message: String,
    },
    /// Any other refusal (4xx).
    #[error("The request was refused ({status} {error_type}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// `x-amzn-ErrorType`.
        error_type: String,
        /// The endpoint's message.
        message: String,
    },
    /// A setting is invalid.
    #[error("{0}")]
    Settings(SettingsError),
    /// Signing failed.
    #[error("Could not sign the request: {0}")]
    Signing(String),
    /// The answer was not what InvokeEndpoint returns.
    #[error("The answer could not be read: {0}")]
    BadAnswer(String),
    /// The stored model could not forecast.
    #[error("The model on this device could not forecast: {0}")]
    OnDevice(String),
    /// The stored model needs future covariates the device has none of for
    /// the first day asked for.
    #[error("{0}")]
    NoCovariates(crate::forecast::Uncovered),
    /// The stored model has a country's holidays (`add_country_holidays`)
    /// and the device has not received that country's table.
    #[error("This device has no holiday table for {0}, which the model needs to forecast")]
    NoHolidayTable(String),
    /// Nothing stored to forecast from.
    #[error("No model is stored on this device yet")]
    NoStoredModel,
    /// A forecast horizon outside 1..=[`crate::MAX_HORIZON_DAYS`].
    #[error("{0} days is not a horizon this portal forecasts")]
    Horizon(u32),
    /// IndexedDB failed.
    #[error("This device's storage failed: {0}")]
    Storage(String),
}

fn skew_text(offset: Option<i64>) -> String {
    match offset {
        Some(o) if o.abs() >= 60 => format!(
            " by about {} minutes ({})",
            o.abs() / 60,
            if o > 0 { "behind" } else { "ahead" }
        ),
        Some(o) => format!(" by {} seconds", o.abs()),
        None => String::new(),
    }
}

/// SageMaker's error body: `{"message": ...}` (some services write `Message`).
#[derive(serde::Deserialize)]
struct ErrorBody {
    message: Option<String>,
    #[serde(rename = "Message")]
    message_upper: Option<String>,
}

/// Unix seconds of an HTTP `Date` header (IMF-fixdate, or the obsolete RFC 850
/// and asctime forms recipients must accept).
fn server_time(date: &str) -> Option<i64> {
    crate::http_date::parse_http_date(date)
}

impl Problem {
    /// Reads a non-2xx answer: SageMaker's `x-amzn-ErrorType` header and
    /// `{"message": ...}` body; `Date` (server time) for clock skew.
    pub fn from_reply(reply: &Reply, action: Action, device_now: i64) -> Problem {
        let error_type = reply
            .header("x-amzn-errortype")
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or("")
            .to_owned();
        let message = serde_json::from_slice::<ErrorBody>(&reply.body)
            .ok()
            .and_then(|b| b.message.or(b.message_upper))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&reply.body)
                    .chars()
                    .take(300)
                    .collect()
            });
        let offset = reply
            .header("date")
            .and_then(server_time)
            .map(|t| t - device_now);
        let status = reply.status;
        let signature_time = message.starts_with("Signature expired")
            || message.starts_with("Signature not yet current");
        match (status, error_type.as_str()) {
            (403, "InvalidSignatureException") if signature_time => Problem::ClockSkew {
                offset_seconds: offset,
            },
            (403, _) if offset.is_some_and(|o| o.abs() > MAX_CLOCK_SKEW_SECONDS) => {
                Problem::ClockSkew {
                    offset_seconds: offset,
                }
            }
            (403 | 401, "AccessDeniedException") if action == Action::SignIn => {
                Problem::WrongPassword
            }
            (403, "ExpiredTokenException" | "UnrecognizedClientException")
                if action != Action::SignIn =>
            {
                Problem::SessionExpired
            }
            (403, "AccessDeniedException") => Problem::NotAllowed(message),
            (403, _) => Problem::BadCredentials(message),
            (429, _) => Problem::Throttled(message),
            (400, "ValidationError")
                if action == Action::SignIn && message.contains("not enabled") =>
            {
                Problem::SignInUnavailable(message)
            }
            (400 | 404, _)
                if matches!(action, Action::Forecast | Action::Download)
                    && (message.contains("Failed to download model data")
                        || message.contains("no such artifact")
                        || error_type == "ModelNotFound"
                        || (status == 404 && error_type != "ResourceNotFound")) =>
            {
                Problem::ModelMissing(message)
            }
            (500..=599, _) => Problem::ServerFailure { status, message },
            _ => Problem::Rejected {
                status,
                error_type,
                message,
            },
        }
    }

    /// Whether the endpoint is down, slow or failing — the cases where the
    /// device forecasts instead.
    pub fn endpoint_down(&self) -> bool {
        matches!(
            self,
            Problem::Unreachable(_) | Problem::Timeout(_) | Problem::ServerFailure { .. }
        )
    }

    /// Whether the customer must sign in again.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, Problem::SessionExpired)
    }

    /// The problem as a SageMaker-shaped HTTP error for callers of a proxy
    /// (the edge handler): status and `x-amzn-ErrorType`. Failures of the
    /// proxy's own upstream credentials are the proxy's fault (500), not the
    /// caller's.
    pub fn as_http(&self) -> (u16, &str) {
        match self {
            Problem::Throttled(_) => (429, "ThrottlingException"),
            Problem::ModelMissing(_)
            | Problem::Horizon(_)
            | Problem::Settings(SettingsError::Customer(_)) => (400, "ValidationError"),
            Problem::NotAllowed(_) => (403, "AccessDeniedException"),
            Problem::Rejected {
                status, error_type, ..
            } if *status < 500 => (*status, error_type.as_str()),
            Problem::Unreachable(_)
            | Problem::Timeout(_)
            | Problem::ServerFailure { .. }
            | Problem::NoStoredModel
            | Problem::NoCovariates(_)
            | Problem::NoHolidayTable(_) => (503, "ServiceUnavailable"),
            _ => (500, "InternalFailure"),
        }
    }

    /// What to do next.
    pub fn next_step(&self) -> &'static str {
        match self {
            Problem::WrongPassword => "Check the customer id on your bill and type the password again.",
            Problem::Throttled(_) => "Wait a few minutes, then try again.",
            Problem::SignInUnavailable(_) => "Ask your operator for access keys and enter them under Settings.",
            Problem::SessionExpired => "Sign in again.",
            Problem::ClockSkew { .. } => "Set this device's date and time automatically (from the network), then try again.",
            Problem::NotAllowed(_) => "Check the customer id and the TargetModel template under Settings.",
            Problem::BadCredentials(_) => "Check the access keys and the region under Settings.",
            Problem::ModelMissing(_) => "Models are trained nightly; try again tomorrow, or contact support if it persists.",
            Problem::Unreachable(_) | Problem::Timeout(_) | Problem::ServerFailure { .. } => {
                "Forecasts come from this device's stored model until the service is back; try again later for the service's forecast."
            }
            Problem::Rejected { .. } => "Check the settings; if they are right, contact support with the message above.",
            Problem::Settings(_) => "Correct the setting and save again.",
            Problem::Signing(_) => "Check the access keys under Settings.",
            Problem::BadAnswer(_) => "Check that the endpoint URL points at a forecast endpoint.",
            Problem::OnDevice(_) => "Sign in while online to download a fresh copy of your model.",
            Problem::NoStoredModel => "Sign in once while online so your model can be stored on this device.",
            Problem::NoCovariates(_) => "Connect again for the service's forecast; it also brings this device the latest weather forecast.",
            Problem::NoHolidayTable(_) => "Connect again for the service's forecast; it also brings this device the holiday table.",
            Problem::Horizon(_) => "Choose between 1 and 90 days.",
            Problem::Storage(_) => "Allow this site to store data (private browsing may block it), then reload.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, error_type: &str, message: &str) -> Reply {
        Reply {
            status,
            headers: vec![("x-amzn-errortype".into(), error_type.into())],
            body: serde_json::json!({ "message": message })
                .to_string()
                .into_bytes(),
        }
    }

    #[test]
    fn endpoint_errors_become_actionable_problems() {
        let now = 1_790_000_000;
        let f = |r: &Reply, a| Problem::from_reply(r, a, now);
        assert_eq!(
            f(
                &reply(
                    403,
                    "AccessDeniedException",
                    "Wrong customer id or password"
                ),
                Action::SignIn
            ),
            Problem::WrongPassword
        );
        assert_eq!(
            f(
                &reply(403, "ExpiredTokenException", "expired"),
                Action::Forecast
            ),
            Problem::SessionExpired
        );
        assert_eq!(
            f(
                &reply(403, "UnrecognizedClientException", "x"),
                Action::Refresh
            ),
            Problem::SessionExpired
        );
        assert!(matches!(
            f(
                &reply(403, "AccessDeniedException", "not authorized"),
                Action::Forecast
            ),
            Problem::NotAllowed(_)
        ));
        assert!(matches!(
            f(
                &reply(429, "ThrottlingException", "Too many"),
                Action::SignIn
            ),
            Problem::Throttled(_)
        ));
        assert!(matches!(
            f(&reply(400, "ValidationError", "Failed to download model data for TargetModel 9.tar.gz: there is no such artifact"), Action::Forecast),
            Problem::ModelMissing(_)
        ));
        assert!(matches!(
            f(
                &reply(400, "ValidationError", "period must be 1..=1000"),
                Action::Forecast
            ),
            Problem::Rejected { status: 400, .. }
        ));
        let down = f(
            &reply(503, "ServiceUnavailable", "model store unreachable"),
            Action::Forecast,
        );
        assert!(down.endpoint_down());
        assert!(!f(&reply(400, "ValidationError", "x"), Action::Forecast).endpoint_down());
        assert!(matches!(
            f(
                &reply(
                    400,
                    "ValidationError",
                    "sign-in is not enabled on this endpoint"
                ),
                Action::SignIn
            ),
            Problem::SignInUnavailable(_)
        ));
        // Non-JSON bodies still give a message.
        let plain = Reply {
            status: 502,
            headers: vec![],
            body: b"Bad Gateway".to_vec(),
        };
        assert_eq!(
            f(&plain, Action::Forecast),
            Problem::ServerFailure {
                status: 502,
                message: "Bad Gateway".into()
            }
        );
    }

    #[test]
    fn proxies_answer_in_sagemakers_shape() {
        assert_eq!(Problem::Horizon(0).as_http(), (400, "ValidationError"));
        assert_eq!(
            Problem::Settings(SettingsError::Customer(gridcast_api::CustomerId::parse("..").unwrap_err())).as_http(),
            (400, "ValidationError")
        );
        assert_eq!(
            Problem::ModelMissing("x".into()).as_http(),
            (400, "ValidationError")
        );
        assert_eq!(Problem::Timeout(4).as_http(), (503, "ServiceUnavailable"));
        assert_eq!(
            Problem::NoStoredModel.as_http(),
            (503, "ServiceUnavailable")
        );
        let none = Problem::NoCovariates(crate::Uncovered {
            columns: vec!["temperature".into()],
            first: 0,
            last: 0,
            rows: 1,
        });
        assert_eq!(none.as_http(), (503, "ServiceUnavailable"));
        assert!(!none.endpoint_down());
        assert_eq!(
            none.to_string(),
            "This device has no temperature forecast for 1970-01-01, so that date is not forecast"
        );
        assert_eq!(Problem::SessionExpired.as_http(), (500, "InternalFailure"));
        assert_eq!(
            Problem::BadCredentials("x".into()).as_http(),
            (500, "InternalFailure")
        );
        let r = Problem::Rejected {
            status: 413,
            error_type: "ValidationError".into(),
            message: "big".into(),
        };
        assert_eq!(r.as_http(), (413, "ValidationError"));
    }

    #[test]
    fn server_time_reads_every_http_date_form() {
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(server_time(date), Some(784_111_777), "{date}");
        }
        for bad in ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 +0100", "2026-01-01T00:00:00Z"] {
            assert_eq!(server_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn clock_skew_is_recognised_and_measured() {
        let now = 1_790_000_000;
        let mut r = reply(
            403,
            "InvalidSignatureException",
            "Signature expired: 20260101T000000Z is now earlier than ...",
        );
        let p = Problem::from_reply(&r, Action::Forecast, now);
        assert_eq!(
            p,
            Problem::ClockSkew {
                offset_seconds: None
            }
        );
        // The server's Date header tells by how much, even for other 403s.
        let server = httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(now as u64 + 3600),
        );
        r = reply(
            403,
            "InvalidSignatureException",
            "The request signature we calculated does not match",
        );
        r.headers.push(("date".into(), server));
        let p = Problem::from_reply(&r, Action::Forecast, now);
        assert_eq!(
            p,
            Problem::ClockSkew {
                offset_seconds: Some(3600)
            }
        );
        assert!(p.to_string().contains("60 minutes (behind)"), "{p}");
        assert!(p.next_step().contains("date and time"));
    }
}
