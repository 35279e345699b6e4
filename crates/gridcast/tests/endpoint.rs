//! `gridcast serve` as a running server: signed invocations, every error of
//! the SageMaker contract, per-model authorization, the cache, the artifact
//! download, sign-in, the MME container routes and CORS.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};
use serde_json::{json, Value};
use sha2::Digest;

struct Server {
    _child: common::Killed,
    url: String,
    _dir: tempfile::TempDir,
    models: PathBuf,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet/models")
}

const AUTH: &str = r#"{"principals": [
  {"access_key_id": "AKIDADMIN", "secret_access_key": "admin-secret", "target_models": ["*"]},
  {"access_key_id": "AKIDC42", "secret_access_key": "c42-secret", "session_token": "c42-token",
   "target_models": ["42.tar.gz", "company_a/*"]},
  {"access_key_id": "AKIDOLD", "secret_access_key": "old-secret", "expiration": "2020-01-01T00:00:00Z",
   "target_models": ["*"]}]}"#;

fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(models.join("company_a")).unwrap();
    std::fs::copy(
        fixtures().join("seed_trend_only.tar.gz"),
        models.join("42.tar.gz"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("daily_auto.tar.gz"),
        models.join("7.tar.gz"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("flat_monthly.tar.gz"),
        models.join("8.tar.gz"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("hourly_mult.tar.gz"),
        models.join("company_a/1.tar.gz"),
    )
    .unwrap();
    std::fs::write(models.join("bad.tar.gz"), b"not an archive").unwrap();
    std::fs::write(dir.path().join("auth.json"), AUTH).unwrap();
    let mut args: Vec<String> = ["serve", "--port", "0", "--models"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(models.display().to_string());
    args.push("--auth".into());
    args.push(dir.path().join("auth.json").display().to_string());
    args.extend(
        extra
            .iter()
            .map(|s| s.replace("{dir}", &dir.path().display().to_string())),
    );
    let (child, url) =
        common::spawn_server(Command::new(env!("CARGO_BIN_EXE_gridcast")).args(&args));
    Server {
        _child: child,
        url,
        _dir: dir,
        models,
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn admin() -> Credentials {
    Credentials::new("AKIDADMIN", "admin-secret")
}

struct Answer {
    status: u16,
    error_type: Option<String>,
    headers: Vec<(String, String)>,
    /// The body as text (lossy: see `bytes`).
    body: String,
    /// The body as sent.
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn answer(result: Result<ureq::Response, ureq::Error>) -> Answer {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let headers = response
        .headers_names()
        .into_iter()
        .map(|n| (n.clone(), response.header(&n).unwrap_or("").to_owned()))
        .collect();
    let status = response.status();
    let error_type = response.header("x-amzn-ErrorType").map(str::to_owned);
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).expect("the whole body");
    Answer {
        status,
        error_type,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// A signed request, with `tweak` applied to the headers after signing.
#[allow(clippy::too_many_arguments)]
fn signed(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    creds: &Credentials,
    time: i64,
    tweak: impl FnOnce(&mut Vec<(String, String)>),
) -> Answer {
    let request = signed_request(base, method, path, headers, body, creds, time, tweak);
    answer(if method == "GET" {
        request.call()
    } else {
        request.send_bytes(body)
    })
}

/// A request signed for `body` (with `tweak` applied to the headers after
/// signing), to be sent with any body.
#[allow(clippy::too_many_arguments)]
fn signed_request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    creds: &Credentials,
    time: i64,
    tweak: impl FnOnce(&mut Vec<(String, String)>),
) -> ureq::Request {
    let url = format!("{base}{path}");
    let host = base.trim_start_matches("http://").to_owned();
    let mut all: Vec<(&str, &str)> = vec![("host", host.as_str())];
    all.extend_from_slice(headers);
    let outgoing = OutgoingRequest {
        method,
        url: &url,
        headers: &all,
        body,
    };
    let scope = Scope {
        region: "us-east-1",
        service: SAGEMAKER_SERVICE,
    };
    let added = sign_request(&outgoing, creds, scope, time).unwrap();
    let mut send: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .chain(added)
        .collect();
    tweak(&mut send);
    let mut request = ureq::request(method, &url);
    for (n, v) in &send {
        request = request.set(n, v);
    }
    request
}

fn invoke_as(base: &str, creds: &Credentials, target: &str, body: &str) -> Answer {
    signed(
        base,
        "POST",
        "/endpoints/gridcast/invocations",
        &[
            ("content-type", "application/json"),
            ("x-amzn-sagemaker-target-model", target),
        ],
        body.as_bytes(),
        creds,
        now(),
        |_| {},
    )
}

fn metric(server: &Server, name: &str) -> f64 {
    let text = answer(ureq::get(&format!("{}/metrics", server.url)).call()).body;
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter(|l| l[name.len()..].starts_with([' ', '{']))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

#[test]
fn signed_invocations_answer_like_the_seed_and_errors_have_sagemakers_shape() {
    let server = start(&[]);
    let ok = invoke_as(&server.url, &admin(), "42.tar.gz", r#"{"period": 7}"#);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(
        ok.header("x-amzn-invoked-production-variant"),
        Some("AllTraffic")
    );
    assert!(ok
        .header("x-amzn-requestid")
        .is_some_and(|id| id.len() == 36));
    let body = ok.json();
    let keys: Vec<&String> = body["ds"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["358", "359", "360", "361", "362", "363", "364"]);
    assert_eq!(body["ds"]["358"], 1_671_926_400_000i64);
    assert_eq!(body.as_object().unwrap().len(), 13);

    // Deterministic per model and horizon (seeded from the model), so repeatable.
    assert_eq!(
        invoke_as(&server.url, &admin(), "42.tar.gz", r#"{"period": 7}"#).body,
        ok.body
    );

    // The SageMaker Python SDK's JSONSerializer given a string: answered the same way.
    let double = invoke_as(
        &server.url,
        &admin(),
        "42.tar.gz",
        &serde_json::to_string(r#"{"period": 3}"#).unwrap(),
    );
    assert_eq!(double.status, 200);
    let inner: String = serde_json::from_str(&double.body).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&inner).unwrap()["yhat"]
            .as_object()
            .unwrap()
            .len(),
        3
    );

    let cases: Vec<(Answer, u16, &str, &str)> = vec![
        (
            invoke_as(&server.url, &admin(), "42.tar.gz", "period=7"),
            400,
            "ValidationError",
            "not JSON",
        ),
        (
            invoke_as(&server.url, &admin(), "42.tar.gz", r#"{"period": 0}"#),
            400,
            "ValidationError",
            "from 1 to 3650",
        ),
        (
            invoke_as(&server.url, &admin(), "42.tar.gz", r#"{"period": 3651}"#),
            400,
            "ValidationError",
            "from 1 to 3650",
        ),
        (
            invoke_as(&server.url, &admin(), "42.tar.gz", r#"{"period": 2.5}"#),
            400,
            "ValidationError",
            "integer",
        ),
        (
            invoke_as(&server.url, &admin(), "../42.tar.gz", r#"{"period": 7}"#),
            400,
            "ValidationError",
            "'..'",
        ),
        (
            invoke_as(&server.url, &admin(), "/etc/x.tar.gz", r#"{"period": 7}"#),
            400,
            "ValidationError",
            "relative",
        ),
        (
            invoke_as(&server.url, &admin(), &"a".repeat(1100), r#"{"period": 7}"#),
            400,
            "ValidationError",
            "1024",
        ),
        (
            invoke_as(&server.url, &admin(), "99.tar.gz", r#"{"period": 7}"#),
            400,
            "ValidationError",
            "no such artifact",
        ),
        (
            invoke_as(&server.url, &admin(), "bad.tar.gz", r#"{"period": 7}"#),
            424,
            "ModelError",
            "cannot load bad.tar.gz",
        ),
    ];
    for (answer, status, kind, text) in cases {
        assert_eq!(
            (answer.status, answer.error_type.as_deref()),
            (status, Some(kind)),
            "{}",
            answer.body
        );
        let message = answer.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(text), "{message:?} lacks {text:?}");
    }
    let model_error = invoke_as(&server.url, &admin(), "bad.tar.gz", r#"{"period": 7}"#).json();
    assert_eq!(model_error["OriginalStatusCode"], 400);

    let no_target = signed(
        &server.url,
        "POST",
        "/endpoints/gridcast/invocations",
        &[],
        br#"{"period": 7}"#,
        &admin(),
        now(),
        |_| {},
    );
    assert_eq!(
        (no_target.status, no_target.error_type.as_deref()),
        (400, Some("ValidationError"))
    );
    let other = signed(
        &server.url,
        "POST",
        "/endpoints/other/invocations",
        &[("x-amzn-sagemaker-target-model", "42.tar.gz")],
        br#"{"period": 7}"#,
        &admin(),
        now(),
        |_| {},
    );
    assert!(
        other.status == 400 && other.body.contains("Endpoint other"),
        "{}",
        other.body
    );
    let csv = signed(
        &server.url,
        "POST",
        "/endpoints/gridcast/invocations",
        &[
            ("x-amzn-sagemaker-target-model", "42.tar.gz"),
            ("accept", "text/csv"),
        ],
        br#"{"period": 7}"#,
        &admin(),
        now(),
        |_| {},
    );
    assert_eq!(
        (csv.status, csv.error_type.as_deref()),
        (406, Some("ValidationError"))
    );

    // Before any body byte is read: no signature is 403, a known key with
    // more than 6 MiB declared is 413.
    use std::io::{Read, Write};
    let head_of = |extra: &str| {
        let mut tcp =
            std::net::TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
        write!(tcp, "POST /endpoints/gridcast/invocations HTTP/1.1\r\nHost: x\r\n{extra}Content-Length: 6291457\r\n\r\n").unwrap();
        let mut head = [0u8; 64];
        let n = tcp.read(&mut head).unwrap();
        String::from_utf8_lossy(&head[..n]).into_owned()
    };
    assert!(head_of("").starts_with("HTTP/1.1 403"));
    let claim = "Authorization: AWS4-HMAC-SHA256 Credential=AKIDADMIN/20250101/us-east-1/sagemaker/aws4_request, SignedHeaders=host;x-amz-date, Signature={}\r\n";
    let over = head_of(&claim.replace("{}", &"0".repeat(64)));
    assert!(over.starts_with("HTTP/1.1 413"), "{over}");

    // The corrupt artifact failed only its own requests.
    assert_eq!(
        invoke_as(&server.url, &admin(), "7.tar.gz", r#"{"period": 1}"#).status,
        200
    );
    assert_eq!(
        answer(ureq::get(&format!("{}/ping", server.url)).call()).status,
        200
    );
    // Every refusal above, counted once under its type: ValidationError for
    // the 8 bad inputs of `cases`, no TargetModel, another endpoint, the CSV
    // Accept (406) and the declared 6 MiB + 1 (413); ModelError for the two
    // invocations of bad.tar.gz; the unsigned head.
    let errors = metrics_by_label(&server, "InvocationErrors");
    let expected = [
        ("MissingAuthenticationTokenException", 1.0),
        ("ModelError", 2.0),
        ("ValidationError", 12.0),
    ];
    assert_eq!(
        errors,
        expected
            .iter()
            .map(|&(kind, n)| (kind.to_owned(), n))
            .collect()
    );
}

/// A metric's values by their one label (`name{label="value"} count`).
fn metrics_by_label(server: &Server, name: &str) -> std::collections::BTreeMap<String, f64> {
    let text = answer(ureq::get(&format!("{}/metrics", server.url)).call()).body;
    text.lines()
        .filter_map(|l| l.strip_prefix(name)?.strip_prefix('{'))
        .map(|l| {
            let (labels, value) = l.rsplit_once(' ').unwrap();
            let label = labels.split('"').nth(1).unwrap().to_owned();
            (label, value.parse().unwrap())
        })
        .collect()
}

#[test]
fn authentication_and_authorization_failures_are_three_different_403s() {
    let server = start(&[]);
    let body = r#"{"period": 7}"#;
    let scoped = Credentials::new("AKIDC42", "c42-secret").with_session_token("c42-token");
    assert_eq!(
        invoke_as(&server.url, &scoped, "42.tar.gz", body).status,
        200
    );
    assert_eq!(
        invoke_as(&server.url, &scoped, "company_a/1.tar.gz", body).status,
        200
    );
    let cases = [
        (
            invoke_as(&server.url, &scoped, "7.tar.gz", body),
            "AccessDeniedException",
        ),
        (
            invoke_as(
                &server.url,
                &Credentials::new("AKIDNOBODY", "x"),
                "42.tar.gz",
                body,
            ),
            "UnrecognizedClientException",
        ),
        (
            invoke_as(
                &server.url,
                &Credentials::new("AKIDADMIN", "wrong"),
                "42.tar.gz",
                body,
            ),
            "InvalidSignatureException",
        ),
        (
            invoke_as(
                &server.url,
                &Credentials::new("AKIDC42", "c42-secret").with_session_token("stolen"),
                "42.tar.gz",
                body,
            ),
            "UnrecognizedClientException",
        ),
        (
            invoke_as(
                &server.url,
                &Credentials::new("AKIDC42", "c42-secret"),
                "42.tar.gz",
                body,
            ),
            "UnrecognizedClientException",
        ),
        (
            invoke_as(
                &server.url,
                &Credentials::new("AKIDOLD", "old-secret"),
                "42.tar.gz",
                body,
            ),
            "ExpiredTokenException",
        ),
    ];
    for (answer, kind) in cases {
        assert_eq!(
            (answer.status, answer.error_type.as_deref()),
            (403, Some(kind)),
            "{}",
            answer.body
        );
    }
    let headers = [("x-amzn-sagemaker-target-model", "42.tar.gz")];
    let path = "/endpoints/gridcast/invocations";
    let stale = signed(
        &server.url,
        "POST",
        path,
        &headers,
        body.as_bytes(),
        &admin(),
        now() - 600,
        |_| {},
    );
    assert_eq!(
        stale.error_type.as_deref(),
        Some("InvalidSignatureException")
    );
    assert!(
        stale.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired"),
        "{}",
        stale.body
    );
    let tampered = signed(
        &server.url,
        "POST",
        path,
        &headers,
        body.as_bytes(),
        &admin(),
        now(),
        |h| {
            h.iter_mut()
                .find(|(n, _)| n == "x-amzn-sagemaker-target-model")
                .unwrap()
                .1 = "7.tar.gz".into();
        },
    );
    assert_eq!(
        tampered.error_type.as_deref(),
        Some("InvalidSignatureException")
    );
    let unsigned = answer(
        ureq::post(&format!("{}{path}", server.url))
            .set("x-amzn-sagemaker-target-model", "42.tar.gz")
            .send_string(body),
    );
    assert_eq!(
        (unsigned.status, unsigned.error_type.as_deref()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    // A signed body cannot be swapped: signed for 7 days, sent asking for 8.
    let request = || {
        signed_request(
            &server.url,
            "POST",
            path,
            &headers,
            body.as_bytes(),
            &admin(),
            now(),
            |_| {},
        )
    };
    let swapped = answer(request().send_bytes(br#"{"period": 8}"#));
    assert_eq!(
        (swapped.status, swapped.error_type.as_deref()),
        (403, Some("InvalidSignatureException")),
        "{}",
        swapped.body
    );
    // The same request with the body it was signed for is answered.
    assert_eq!(answer(request().send_bytes(body.as_bytes())).status, 200);
}

#[test]
fn cold_models_load_once_and_the_cache_evicts_the_least_recently_used() {
    let server = start(&["--max-models", "2"]);
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (url, creds) = (server.url.clone(), admin());
            std::thread::spawn(move || {
                invoke_as(&url, &creds, "7.tar.gz", r#"{"period": 2}"#).status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    assert_eq!(
        metric(&server, "ModelLoadingTime_count"),
        1.0,
        "16 concurrent cold requests, one load"
    );
    let (hits, misses) = (
        metric(&server, "ModelCacheHit"),
        metric(&server, "ModelCacheMiss"),
    );
    assert!(
        misses >= 1.0 && hits + misses == 16.0,
        "{hits} hits, {misses} misses"
    );
    assert_eq!(
        invoke_as(&server.url, &admin(), "7.tar.gz", r#"{"period": 2}"#).status,
        200
    );
    assert_eq!(metric(&server, "ModelCacheHit"), hits + 1.0);
    for target in ["42.tar.gz", "8.tar.gz"] {
        assert_eq!(
            invoke_as(&server.url, &admin(), target, r#"{"period": 2}"#).status,
            200
        );
    }
    assert_eq!(metric(&server, "LoadedModelCount"), 2.0);
    assert_eq!(metric(&server, "ModelUnloadingTime_count"), 1.0);
    // 7 was least recently used: it loads again.
    assert_eq!(
        invoke_as(&server.url, &admin(), "7.tar.gz", r#"{"period": 2}"#).status,
        200
    );
    assert_eq!(metric(&server, "ModelLoadingTime_count"), 4.0);
}

#[test]
fn artifacts_download_with_etags_for_offline_forecasts() {
    let server = start(&[]);
    let scoped = Credentials::new("AKIDC42", "c42-secret").with_session_token("c42-token");
    let path = "/endpoints/gridcast/models/42.tar.gz";
    let first = signed(&server.url, "GET", path, &[], b"", &scoped, now(), |_| {});
    assert_eq!(first.status, 200);
    // The file itself, and its SHA-256 as a strong ETag.
    let bytes = std::fs::read(server.models.join("42.tar.gz")).unwrap();
    assert_eq!(first.bytes, bytes);
    let etag = first.header("etag").unwrap().to_owned();
    assert_eq!(
        etag,
        format!("\"{}\"", hex::encode(sha2::Sha256::digest(&bytes)))
    );
    let again = signed(
        &server.url,
        "GET",
        path,
        &[("if-none-match", &etag)],
        b"",
        &scoped,
        now(),
        |_| {},
    );
    assert_eq!(again.status, 304);
    let raw = ureq::get(&format!("{}{path}", server.url));
    assert_eq!(answer(raw.call()).status, 403);
    let denied = signed(
        &server.url,
        "GET",
        "/endpoints/gridcast/models/7.tar.gz",
        &[],
        b"",
        &scoped,
        now(),
        |_| {},
    );
    assert_eq!(denied.error_type.as_deref(), Some("AccessDeniedException"));
    let escape = signed(
        &server.url,
        "GET",
        "/endpoints/gridcast/models/..%2Fauth.json",
        &[],
        b"",
        &admin(),
        now(),
        |_| {},
    );
    assert_eq!(escape.status, 400);
    // A stale ETag (the artifact was retrained) gets the new bytes and tag.
    let retrained = std::fs::read(fixtures().join("minmax_cps.tar.gz")).unwrap();
    std::fs::write(server.models.join("42.tar.gz"), &retrained).unwrap();
    let after = signed(
        &server.url,
        "GET",
        path,
        &[("if-none-match", &etag)],
        b"",
        &scoped,
        now(),
        |_| {},
    );
    assert_eq!(after.status, 200);
    assert_eq!(after.bytes, retrained);
    assert_eq!(
        after.header("etag"),
        Some(format!(
            "\"{}\"",
            hex::encode(sha2::Sha256::digest(&retrained))
        ))
        .as_deref()
    );
}

#[test]
fn a_device_forecasting_from_the_artifact_answers_what_the_endpoint_does() {
    use gridcast_client::{ForecastTable, OnDeviceModel};
    let server = start(&[]);
    // Daily, hourly and monthly models, several horizons: the same rows and
    // the same uncertainty band (one seed derivation), to pandas' precision.
    for (target, periods) in [("42.tar.gz", 7), ("42.tar.gz", 30), ("7.tar.gz", 14)]
        .into_iter()
        .chain([("8.tar.gz", 3), ("company_a/1.tar.gz", 48)])
    {
        let bytes = std::fs::read(server.models.join(target)).unwrap();
        let device = OnDeviceModel::from_artifact(&bytes)
            .unwrap()
            .forecast_as_endpoint(periods)
            .unwrap();
        let body = format!(r#"{{"period": {periods}}}"#);
        let online = invoke_as(&server.url, &admin(), target, &body);
        assert_eq!(online.status, 200, "{}", online.body);
        let online = ForecastTable::from_pandas_json(online.body.as_bytes()).unwrap();
        assert_eq!(online.ds, device.ds, "{target}");
        let columns = [
            (&online.yhat, &device.yhat),
            (&online.lower, &device.lower),
            (&online.upper, &device.upper),
        ];
        for (a, b) in columns.into_iter().flat_map(|(a, b)| a.iter().zip(b)) {
            // pandas writes 10 decimals.
            assert!(
                (a - b).abs() <= 1e-10 * a.abs().max(1.0) + 1e-9,
                "{target} x{periods}: {a} vs {b}"
            );
        }
        // The band is really drawn: another seed gives another one.
        let other = OnDeviceModel::from_artifact(&bytes)
            .unwrap()
            .forecast(periods, Some(1))
            .unwrap();
        assert_ne!(other.lower, device.lower, "{target}");
    }
}

#[test]
fn customers_sign_in_for_credentials_scoped_to_their_model() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    common::add_users(
        env!("CARGO_BIN_EXE_gridcast"),
        &users,
        &["42", "7"],
        "correct horse battery",
    );
    let server = start(&["--users", users.to_str().unwrap()]);
    let login_as = |customer: &str, password: &str| {
        answer(
            ureq::post(&format!("{}/auth/login", server.url))
                .set("content-type", "application/json")
                .send_string(&json!({"customer_id": customer, "password": password}).to_string()),
        )
    };
    let login = |password: &str| login_as("42", password);
    let ok = login("correct horse battery");
    assert_eq!(ok.status, 200, "{}", ok.body);
    let creds = ok.json();
    assert_eq!(creds["TargetModel"], "42.tar.gz");
    let temporary = Credentials::new(
        creds["AccessKeyId"].as_str().unwrap(),
        creds["SecretAccessKey"].as_str().unwrap(),
    )
    .with_session_token(creds["SessionToken"].as_str().unwrap());
    assert_eq!(
        invoke_as(&server.url, &temporary, "42.tar.gz", r#"{"period": 2}"#).status,
        200
    );
    assert_eq!(
        invoke_as(&server.url, &temporary, "7.tar.gz", r#"{"period": 2}"#)
            .error_type
            .as_deref(),
        Some("AccessDeniedException")
    );
    session_refresh_and_sign_out(&server.url, ok.body.as_bytes());
    for _ in 0..5 {
        let wrong = login("wrong");
        assert_eq!(
            (wrong.status, wrong.error_type.as_deref()),
            (403, Some("AccessDeniedException"))
        );
    }
    let blocked = login("correct horse battery");
    assert_eq!(
        (blocked.status, blocked.error_type.as_deref()),
        (429, Some("ThrottlingException"))
    );
    // Another customer still signs in from here...
    assert_eq!(login_as("7", "correct horse battery").status, 200);
    // ...and once this address has failed 20 times, whatever the ids it
    // tried (42's own failures count only for 42: it signed in from here
    // before), only ids that signed in from here before still can.
    for i in 0..20 {
        assert_eq!(login_as(&format!("x{i}"), "guess").status, 403);
    }
    let sprayed = login_as("x99", "guess");
    assert_eq!(
        (sprayed.status, sprayed.error_type.as_deref()),
        (429, Some("ThrottlingException"))
    );
    assert_eq!(login_as("7", "correct horse battery").status, 200);
}

/// Sends a request the portal's client library prepared.
fn send_prepared(r: &gridcast_client::PreparedRequest) -> gridcast_client::Reply {
    let mut request = ureq::request(r.method, &r.url);
    for (n, v) in &r.headers {
        request = request.set(n, v);
    }
    let a = answer(if r.method == "GET" {
        request.call()
    } else {
        request.send_bytes(&r.body)
    });
    gridcast_client::Reply {
        status: a.status,
        headers: a.headers,
        body: a.body.into_bytes(),
    }
}

/// The portal's session calls, made by its client library: a refresh gives
/// new working credentials for the same model, sign-out revokes them, and
/// configured keys can do neither.
fn session_refresh_and_sign_out(base: &str, login_reply: &[u8]) {
    use gridcast_client::problem::Action;
    use gridcast_client::request::{invoke, session_call, Target};
    use gridcast_client::{EndpointSettings, Problem, Session};
    let settings = EndpointSettings::for_url(base);
    let first = Session::from_login_reply(login_reply).unwrap();
    let target = Target::new(&settings, &first).unwrap();
    let reply = send_prepared(&session_call(&target, &first, "refresh", now()).unwrap());
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let second = Session::from_login_reply(&reply.body).unwrap();
    assert_ne!(second.access_key_id, first.access_key_id);
    assert_eq!(second.target_model.as_deref(), Some("42.tar.gz"));
    assert_eq!(second.customer_id, "42");
    let forecast = send_prepared(&invoke(&target, &second, &period(3), now()).unwrap());
    assert_eq!(forecast.status, 200);
    let table = gridcast_client::ForecastTable::from_pandas_json(&forecast.body).unwrap();
    assert_eq!(table.len(), 3);
    // A clock an hour slow is told apart from other refusals (the server's Date).
    let skewed = send_prepared(&invoke(&target, &first, &period(3), now() - 3600).unwrap());
    assert!(matches!(
        Problem::from_reply(&skewed, Action::Forecast, now() - 3600),
        Problem::ClockSkew { offset_seconds: Some(o) } if (3590..=3610).contains(&o)
    ));
    // Sign-out: the refreshed keys and the ones they replaced stop working at once.
    assert_eq!(
        send_prepared(&session_call(&target, &second, "logout", now()).unwrap()).status,
        204
    );
    for keys in [&second, &first] {
        let refused = send_prepared(&invoke(&target, keys, &period(3), now()).unwrap());
        assert_eq!(
            Problem::from_reply(&refused, Action::Forecast, now()),
            Problem::SessionExpired
        );
    }
    // Configured keys are not a session.
    let admin = Session::with_keys("42", "AKIDADMIN", "admin-secret", None);
    let r = send_prepared(&session_call(&target, &admin, "refresh", now()).unwrap());
    assert_eq!(
        (r.status, r.header("x-amzn-errortype")),
        (400, Some("ValidationError"))
    );
}

#[test]
fn the_mme_container_contract() {
    // A budget between the seed model's parsed size and hourly_mult's.
    let parsed = |file: &str| {
        let artifact = std::fs::read(fixtures().join(file)).unwrap();
        let json = gridcast_model::read_artifact(&artifact, &Default::default())
            .unwrap()
            .model_json;
        let model = gridcast_model::read_model_json(&json).unwrap();
        gridcast_endpoint::model_cache::resident_bytes(&model)
    };
    let (small, big) = (
        parsed("seed_trend_only.tar.gz"),
        parsed("hourly_mult.tar.gz"),
    );
    assert!(small < big);
    let budget = ((small + big) / 2).to_string();
    let server = start(&["--container-root", "{dir}", "--max-memory", &budget]);
    let extracted = server.models.parent().unwrap().join("m1");
    std::fs::create_dir_all(&extracted).unwrap();
    let artifact = std::fs::read(server.models.join("42.tar.gz")).unwrap();
    let unpacked = gridcast_model::read_artifact(&artifact, &Default::default()).unwrap();
    std::fs::write(extracted.join("model.json"), &unpacked.model_json).unwrap();
    let post = |body: Value| {
        answer(
            ureq::post(&format!("{}/models", server.url))
                .set("content-type", "application/json")
                .send_string(&body.to_string()),
        )
    };
    let load = json!({"model_name": "m1", "url": extracted});
    assert_eq!(post(load.clone()).status, 200);
    assert_eq!(post(load).status, 409);
    let outside = post(json!({"model_name": "x", "url": "/etc"}));
    assert!(
        outside.status == 400 || outside.status == 404,
        "{}",
        outside.body
    );
    let list = answer(ureq::get(&format!("{}/models", server.url)).call()).json();
    assert_eq!(list["models"][0]["modelName"], "m1");
    let invoked = answer(
        ureq::post(&format!("{}/models/m1/invoke", server.url)).send_string(r#"{"period": 7}"#),
    );
    assert_eq!(invoked.status, 200);
    assert_eq!(invoked.json()["yhat"].as_object().unwrap().len(), 7);
    assert_eq!(
        answer(ureq::get(&format!("{}/models/m1", server.url)).call()).status,
        200
    );
    assert_eq!(
        answer(ureq::delete(&format!("{}/models/m1", server.url)).call()).status,
        200
    );
    assert_eq!(
        answer(ureq::delete(&format!("{}/models/m1", server.url)).call()).status,
        404
    );
    // hourly_mult's parsed model is bigger than the budget: 507.
    let big = server.models.parent().unwrap().join("big");
    std::fs::create_dir_all(&big).unwrap();
    let hourly = gridcast_model::read_artifact(
        &std::fs::read(server.models.join("company_a/1.tar.gz")).unwrap(),
        &Default::default(),
    )
    .unwrap();
    std::fs::write(big.join("model.json"), &hourly.model_json).unwrap();
    assert_eq!(post(json!({"model_name": "big", "url": big})).status, 507);
}

#[test]
fn browsers_get_cors_preflights() {
    let server = start(&[]);
    let preflight = answer(
        ureq::request(
            "OPTIONS",
            &format!("{}/endpoints/gridcast/invocations", server.url),
        )
        .set("Origin", "https://portal.example")
        .set("Access-Control-Request-Method", "POST")
        .set(
            "Access-Control-Request-Headers",
            "authorization,x-amz-date,x-amz-security-token,x-amzn-sagemaker-target-model",
        )
        .call(),
    );
    assert_eq!(preflight.status, 200);
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap()
        .to_owned();
    for h in [
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amzn-sagemaker-target-model",
    ] {
        assert!(allowed.contains(h), "{allowed}");
    }
    let real = signed(
        &server.url,
        "POST",
        "/endpoints/gridcast/invocations",
        &[
            ("x-amzn-sagemaker-target-model", "nope.tar.gz"),
            ("origin", "https://portal.example"),
        ],
        br#"{"period": 1}"#,
        &admin(),
        now(),
        |_| {},
    );
    let exposed = real
        .header("access-control-expose-headers")
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-amzn-errortype") && exposed.contains("x-amzn-requestid"),
        "{exposed}"
    );
}

#[test]
fn the_cli_client_signs_from_the_environment_and_www_serves_the_portal() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(
        www.path().join("index.html"),
        "<!doctype html><title>gridcast</title>",
    )
    .unwrap();
    let server = start(&["--www", www.path().to_str().unwrap()]);
    let run = |key: &str, secret: &str, customer: &str| {
        Command::new(env!("CARGO_BIN_EXE_gridcast"))
            .args([
                "invoke",
                "--endpoint-url",
                &server.url,
                "--customer",
                customer,
                "--period",
                "5",
            ])
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .unwrap()
    };
    let ok = run("AKIDADMIN", "admin-secret", "42");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let body: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(body["yhat"].as_object().unwrap().len(), 5);
    let denied = run("AKIDADMIN", "wrong", "42");
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stderr).contains("InvalidSignatureException (403)"));
    let page = answer(ureq::get(&format!("{}/", server.url)).call());
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>gridcast</title>"));
}

/// The seed's request for `rows` rows.
fn period(rows: u32) -> gridcast_client::ForecastRequest {
    gridcast_client::ForecastRequest::period(gridcast_client::Period::rows(rows).unwrap())
}
