//! The exact requests the client sends, signed where the endpoint wants a
//! signature. Building them is pure, so native tests and the browser agree
//! byte for byte; [`crate::transport`] only sends them.

use gridcast_api::{ForecastRequest, LoginRequest};
use gridcast_signing::{sign_plain_request, OutgoingRequest, Scope, SAGEMAKER_SERVICE};

use crate::problem::Problem;
use crate::session::Session;
use crate::settings::EndpointSettings;

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers to send (never `host`: the browser sets it from the URL, and
    /// the signature covers that value).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl PreparedRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, headers (lowercase names), body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers with lowercase names.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What a session may do at an endpoint: region, endpoint and TargetModel,
/// the endpoint's own values (from sign-in) winning over typed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Settings with the session's region and endpoint name applied.
    pub settings: EndpointSettings,
    /// The customer's TargetModel.
    pub target_model: String,
}

impl Target {
    /// Resolves `session` against `settings`.
    pub fn new(settings: &EndpointSettings, session: &Session) -> Result<Self, Problem> {
        let mut settings = settings.clone();
        if let Some(r) = &session.region {
            settings.region = r.clone();
        }
        if let Some(n) = &session.endpoint_name {
            settings.endpoint_name = n.clone();
        }
        settings.validate().map_err(Problem::Settings)?;
        let target_model = match &session.target_model {
            Some(t) => t.clone(),
            None => settings
                .target_model(&session.customer_id)
                .map_err(Problem::Settings)?,
        };
        Ok(Self {
            settings,
            target_model,
        })
    }
}

/// `POST /auth/login` (not signed: the password is the credential).
pub fn login(
    settings: &EndpointSettings,
    customer_id: &str,
    password: &str,
) -> Result<PreparedRequest, Problem> {
    settings.validate().map_err(Problem::Settings)?;
    crate::settings::check_customer(customer_id).map_err(Problem::Settings)?;
    let body = serde_json::to_vec(&LoginRequest {
        customer_id: customer_id.to_owned(),
        password: password.to_owned(),
    })
    .expect("strings serialize");
    Ok(PreparedRequest {
        method: "POST",
        url: settings.auth_url("login"),
        headers: vec![("content-type".into(), "application/json".into())],
        body,
    })
}

/// InvokeEndpoint with `request` (the seed's `{"period": N}`, or rows to
/// forecast with their future values) for the session's model.
pub fn invoke(
    target: &Target,
    session: &Session,
    request: &ForecastRequest,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    let body = request.to_body();
    signed(
        target,
        session,
        "POST",
        target.settings.invocations_url(),
        vec![
            ("accept".into(), "application/json".into()),
            ("content-type".into(), "application/json".into()),
            (
                "x-amzn-sagemaker-target-model".into(),
                target.target_model.clone(),
            ),
        ],
        body,
        now,
    )
}

/// The session's artifact, unless it still has entity tag `etag` (then 304).
pub fn download_artifact(
    target: &Target,
    session: &Session,
    etag: Option<&str>,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    let url = target.settings.artifact_url(&target.target_model);
    conditional_get(target, session, url, "application/gzip", etag, now)
}

/// The future covariates of the session's model, unless they still have
/// entity tag `etag` (then 304).
pub fn download_covariates(
    target: &Target,
    session: &Session,
    etag: Option<&str>,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    let url = target.settings.covariates_url(&target.target_model);
    conditional_get(target, session, url, "application/json", etag, now)
}

/// The country holiday table the session's model needs (`data/<CODE>.bin`;
/// tables do not change within a release, so never conditional).
pub fn download_holidays(
    target: &Target,
    session: &Session,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    let url = target.settings.model_url("holidays", &target.target_model);
    conditional_get(target, session, url, "application/octet-stream", None, now)
}

fn conditional_get(
    target: &Target,
    session: &Session,
    url: String,
    accept: &str,
    etag: Option<&str>,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    let mut headers = vec![("accept".into(), accept.to_owned())];
    if let Some(e) = etag {
        headers.push(("if-none-match".into(), e.to_owned()));
    }
    signed(target, session, "GET", url, headers, Vec::new(), now)
}

/// A signed `GET` of the session's model's `kind` (`backtests`, `readings`)
/// as JSON.
pub fn model_json(
    target: &Target,
    session: &Session,
    kind: &str,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    signed(
        target,
        session,
        "GET",
        target.settings.model_url(kind, &target.target_model),
        vec![("accept".into(), "application/json".into())],
        Vec::new(),
        now,
    )
}

/// `POST /auth/refresh` or `/auth/logout`, signed with the session's keys.
pub fn session_call(
    target: &Target,
    session: &Session,
    action: &str,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    signed(
        target,
        session,
        "POST",
        target.settings.auth_url(action),
        vec![("content-type".into(), "application/json".into())],
        b"{}".to_vec(),
        now,
    )
}

fn signed(
    target: &Target,
    session: &Session,
    method: &'static str,
    url: String,
    mut headers: Vec<(String, String)>,
    body: Vec<u8>,
    now: i64,
) -> Result<PreparedRequest, Problem> {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    // Without aws-sigv4 (it stays out of the wasm); the tests check every
    // request built here gets aws-sigv4's headers.
    let added = sign_plain_request(
        &OutgoingRequest {
            method,
            url: &url,
            headers: &pairs,
            body: &body,
        },
        &session.credentials(),
        Scope {
            region: &target.settings.region,
            service: SAGEMAKER_SERVICE,
        },
        now,
    )
    .map_err(|e| Problem::Signing(e.to_string()))?;
    headers.extend(added);
    Ok(PreparedRequest {
        method,
        url,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcast_signing::{parse_authorization, verify_request, PathRules, RequestParts};

    fn session() -> Session {
        Session::from_login_reply(
            br#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","SessionToken":"token",
            "Expiration":"2030-01-01T00:00:00Z","CustomerId":"42","TargetModel":"42.tar.gz",
            "EndpointName":"energy","Region":"eu-west-1"}"#,
        )
        .unwrap()
    }

    #[test]
    fn invocation_is_signed_for_the_sessions_endpoint_and_verifies() {
        let settings = EndpointSettings::for_url("http://127.0.0.1:8080");
        let s = session();
        let target = Target::new(&settings, &s).unwrap();
        let now = 1_790_000_000;
        let period = ForecastRequest::period(gridcast_api::Period::rows(14).unwrap());
        let r = invoke(&target, &s, &period, now).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:8080/endpoints/energy/invocations");
        assert_eq!(r.body, br#"{"period": 14}"#);
        assert_eq!(r.header("x-amzn-sagemaker-target-model"), Some("42.tar.gz"));
        assert_eq!(r.header("x-amz-security-token"), Some("token"));
        let auth = parse_authorization(r.header("authorization").unwrap()).unwrap();
        assert_eq!(auth.region, "eu-west-1");
        assert!(auth.signs("x-amzn-sagemaker-target-model"));
        // The endpoint's verifier accepts it with the browser's Host header.
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "127.0.0.1:8080".parse().unwrap());
        for (n, v) in &r.headers {
            headers.insert(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        verify_request(
            &RequestParts {
                method: "POST",
                path_and_query: "/endpoints/energy/invocations",
                headers: &headers,
                body: &r.body,
            },
            &auth,
            &s.credentials(),
            "eu-west-1",
            "sagemaker",
            now,
            PathRules::SAGEMAKER,
        )
        .unwrap();
    }

    #[test]
    fn typed_keys_use_the_template_and_downloads_carry_the_etag() {
        let mut settings = EndpointSettings::for_url("https://e.example/");
        settings.target_template = "c/{customer}.tar.gz".into();
        let s = Session::with_keys("7", "AKID", "k", None);
        let target = Target::new(&settings, &s).unwrap();
        let r = download_artifact(&target, &s, Some("\"abc\""), 1_790_000_000).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.url,
            "https://e.example/endpoints/gridcast/models/c/7.tar.gz"
        );
        assert_eq!(r.header("if-none-match"), Some("\"abc\""));
        assert_eq!(r.header("x-amz-security-token"), None);
        let c = download_covariates(&target, &s, None, 1_790_000_000).unwrap();
        assert_eq!(c.url, "https://e.example/endpoints/gridcast/covariates/c/7.tar.gz");
        let h = download_holidays(&target, &s, 1_790_000_000).unwrap();
        assert_eq!(h.url, "https://e.example/endpoints/gridcast/holidays/c/7.tar.gz");
        assert_eq!(h.header("accept"), Some("application/octet-stream"));
        assert_eq!((c.header("accept"), c.header("if-none-match")), (Some("application/json"), None));
        assert!(c.header("authorization").unwrap().contains("Credential=AKID/"));
        let mut bad = Session::with_keys("../x", "AKID", "k", None);
        assert!(matches!(
            Target::new(&settings, &bad),
            Err(Problem::Settings(_))
        ));
        bad.customer_id = "7".into();
        settings.region = String::new();
        assert!(matches!(
            Target::new(&settings, &bad),
            Err(Problem::Settings(_))
        ));
    }

    /// Every signed request the client builds, signed again by aws-sigv4
    /// (`sign_request`) from its unsigned parts: the same headers.
    #[test]
    fn every_signed_request_gets_aws_sigv4s_signature() {
        use gridcast_signing::sign_request;
        let now = 1_790_000_000;
        let mut odd = EndpointSettings::for_url("https://e.example:443/base/path/");
        odd.target_template = "fleet a/{customer} (v2)+é.tar.gz".into();
        let sessions = [session(), Session::with_keys("7", "AKID", "k", None)];
        let mut requests = Vec::new();
        for settings in [EndpointSettings::for_url("http://127.0.0.1:8080"), odd] {
            for s in &sessions {
                let target = Target::new(&settings, s).unwrap();
                let period = ForecastRequest::period(gridcast_api::Period::rows(7).unwrap());
                requests.push((invoke(&target, s, &period, now).unwrap(), s.clone()));
                for etag in [None, Some("\"abc\"")] {
                    requests.push((download_artifact(&target, s, etag, now).unwrap(), s.clone()));
                    requests.push((download_covariates(&target, s, etag, now).unwrap(), s.clone()));
                }
                for kind in ["backtests", "readings"] {
                    requests.push((model_json(&target, s, kind, now).unwrap(), s.clone()));
                }
                for action in ["refresh", "logout"] {
                    requests.push((session_call(&target, s, action, now).unwrap(), s.clone()));
                }
            }
        }
        for (r, s) in &requests {
            let added = ["x-amz-date", "authorization", "x-amz-security-token"];
            let unsigned: Vec<(&str, &str)> = r
                .headers
                .iter()
                .filter(|(n, _)| !added.contains(&n.as_str()))
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let region = parse_authorization(r.header("authorization").unwrap())
                .unwrap()
                .region;
            let theirs = sign_request(
                &OutgoingRequest {
                    method: r.method,
                    url: &r.url,
                    headers: &unsigned,
                    body: &r.body,
                },
                &s.credentials(),
                Scope {
                    region: &region,
                    service: SAGEMAKER_SERVICE,
                },
                now,
            )
            .unwrap();
            let ours = &r.headers[unsigned.len()..];
            assert_eq!(ours, &theirs[..], "{} {}", r.method, r.url);
        }
        assert_eq!(requests.len(), 2 * 2 * 9);
    }

    #[test]
    fn login_is_plain_json() {
        let r = login(&EndpointSettings::for_url("http://h:1"), "42", "p\"w").unwrap();
        assert_eq!(r.url, "http://h:1/auth/login");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["password"], "p\"w");
        assert!(r.header("authorization").is_none());
    }
}
