//! The endpoint in process (`Front::call`, what the server's connections
//! call, and `tower::ServiceExt::oneshot` on the router): every way a
//! request is refused, each with SageMaker's status and error type, and each
//! limit on both sides of its bound.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use gridcast_endpoint::credentials::Principals;
use gridcast_endpoint::front::Front;
use gridcast_endpoint::limits::ServerLimits;
use gridcast_endpoint::login::{add_user, Users, MAX_FAILED_PER_ID_AND_ADDRESS};
use gridcast_endpoint::model_cache::CacheLimits;
use gridcast_endpoint::server::app;
use gridcast_endpoint::session_token::{SessionKey, SessionKeys};
use gridcast_endpoint::state::{system_clock, AppState, Config, SharedState};
use gridcast_pipeline::CustomerId;
use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const AUTH: &str = r#"{"principals": [
  {"access_key_id": "AKIDADMIN", "secret_access_key": "admin-secret", "target_models": ["*"]},
  {"access_key_id": "AKIDC42", "secret_access_key": "c42-secret", "session_token": "c42-token",
   "target_models": ["42.tar.gz"]},
  {"access_key_id": "AKIDOLD", "secret_access_key": "old-secret", "expiration": "2020-01-01T00:00:00Z",
   "target_models": ["*"]}]}"#;

/// InvokeEndpoint's documented request limit, 6 MiB: the number itself, not
/// the server's constant, so a changed constant fails here.
const MAX_BODY: usize = 6_291_456;

const HOST: &str = "gridcast.test";
const INVOKE: &str = "/endpoints/gridcast/invocations";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet/models")
}

struct Env {
    state: SharedState,
    dir: tempfile::TempDir,
}

fn models_dir(dir: &Path) -> PathBuf {
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::copy(
        fixtures().join("seed_trend_only.tar.gz"),
        models.join("42.tar.gz"),
    )
    .unwrap();
    std::fs::write(models.join("bad.tar.gz"), b"not an archive").unwrap();
    std::fs::create_dir_all(models.join("dir.tar.gz")).unwrap();
    models
}

fn env_with(tweak: impl FnOnce(&mut Config)) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let models = models_dir(dir.path());
    let mut config = Config {
        models: gridcast_store::Location::Local(models),
        disk_cache: (dir.path().join("disk"), 1 << 20),
        endpoint_name: "gridcast".into(),
        region: "us-east-1".into(),
        limits: CacheLimits {
            max_models: 10,
            max_bytes: 1 << 30,
        },
        server: ServerLimits::with_workers(2),
        www: None,
        container_root: None,
        users: None,
        session_keys: SessionKeys::new(SessionKey::random(), None),
        sessions: gridcast_store::Location::Local(dir.path().join("sessions")),
        future_covariates: None,
        readings: None,
    };
    tweak(&mut config);
    let users = config.users.as_deref().map(|p| Users::load(p).unwrap());
    let principals = Principals::from_json(AUTH.as_bytes()).unwrap();
    let state = Arc::new(AppState::new(config, principals, users).unwrap());
    Env { state, dir }
}

fn env() -> Env {
    env_with(|_| {})
}

fn admin() -> Credentials {
    Credentials::new("AKIDADMIN", "admin-secret")
}

/// A request signed by `creds` at `time`, its body sent as `body`.
fn signed_at(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    signed_body: &[u8],
    creds: &Credentials,
    time: i64,
    body: Body,
) -> Request<Body> {
    let url = format!("http://{HOST}{path}");
    let mut all = vec![("host", HOST)];
    all.extend_from_slice(headers);
    let outgoing = OutgoingRequest {
        method,
        url: &url,
        headers: &all,
        body: signed_body,
    };
    let scope = Scope {
        region: "us-east-1",
        service: SAGEMAKER_SERVICE,
    };
    let added = sign_request(&outgoing, creds, scope, time).unwrap();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", HOST);
    for (n, v) in headers {
        request = request.header(*n, *v);
    }
    for (n, v) in added {
        request = request.header(n, v);
    }
    request.body(body).unwrap()
}

fn invoke_with(
    target: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    creds: &Credentials,
) -> Request<Body> {
    let mut headers = vec![
        ("content-type", "application/json"),
        ("x-amzn-sagemaker-target-model", target),
    ];
    headers.extend_from_slice(extra);
    signed_at(
        "POST",
        INVOKE,
        &headers,
        body,
        creds,
        system_clock(),
        Body::from(body.to_vec()),
    )
}

fn invoke(target: &str, body: &str) -> Request<Body> {
    invoke_with(target, &[], body.as_bytes(), &admin())
}

/// A body that never arrives: a handler that waits for it never answers.
fn never() -> Body {
    Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>())
}

struct Answer {
    status: StatusCode,
    kind: Option<String>,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or("").to_owned()
    }
    fn is(&self, status: u16, kind: &str) -> bool {
        self.status.as_u16() == status && self.kind.as_deref() == Some(kind)
    }
}

async fn send(env: &Env, request: Request<Body>) -> Answer {
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        Front::new(env.state.clone()).call(request),
    )
    .await
    .expect("answered in time");
    let status = response.status();
    let kind = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer { status, kind, body }
}

/// One answer as the wire would carry it: status, every header in order
/// (a generated request id as `<generated>`, after checking it is a UUID),
/// body.
async fn wire(
    response: axum::response::Response,
    sent_id: Option<&str>,
) -> (u16, Vec<(String, String)>, Bytes) {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            let v = v.to_str().unwrap().to_owned();
            if n == "x-amzn-requestid" && sent_id != Some(v.as_str()) {
                assert!(uuid_like(&v), "request id {v}");
                return (n.to_string(), "<generated>".to_owned());
            }
            (n.to_string(), v)
        })
        .collect();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body)
}

fn uuid_like(v: &str) -> bool {
    v.len() == 36 && v.chars().filter(|&c| c == '-').count() == 4
}

/// The request metrics' lines (route, status, error type, request count).
fn request_metrics(state: &SharedState) -> Vec<String> {
    state
        .metrics
        .render()
        .lines()
        .filter(|l| {
            l.starts_with("Invocations{")
                || l.starts_with("InvocationErrors{")
                || l.starts_with("OverheadLatency_count")
        })
        .map(str::to_owned)
        .collect()
}

/// InvokeEndpoint is answered ahead of the router (`Front`) exactly as the
/// router answers it: the same status, headers in the same order (request
/// id, CORS, content type), body and request metrics, for answers computed
/// and kept and for every kind of refusal; requests the front does not
/// take (another endpoint's name, a query) reach the router.
#[tokio::test]
async fn invocations_ahead_of_the_router_answer_as_the_router_does() {
    let period = br#"{"period": 7}"#;
    let cases: Vec<(&str, Box<dyn Fn() -> Request<Body>>)> = vec![
        (
            "computed",
            Box::new(|| invoke("42.tar.gz", r#"{"period": 7}"#)),
        ),
        ("kept", Box::new(|| invoke("42.tar.gz", r#"{"period": 7}"#))),
        (
            "from a browser",
            Box::new(move || {
                invoke_with(
                    "42.tar.gz",
                    &[("origin", "https://portal.example")],
                    period,
                    &admin(),
                )
            }),
        ),
        (
            "with its own request id",
            Box::new(move || {
                let mut r = invoke_with("42.tar.gz", &[], period, &admin());
                r.headers_mut()
                    .insert("x-amzn-requestid", "client-id-1".parse().unwrap());
                r
            }),
        ),
        (
            "double encoded",
            Box::new(|| invoke("42.tar.gz", r#""{\"period\": 3}""#)),
        ),
        (
            "unsigned",
            Box::new(|| {
                Request::post(INVOKE)
                    .header("x-amzn-sagemaker-target-model", "42.tar.gz")
                    .body(Body::from(r#"{"period": 7}"#))
                    .unwrap()
            }),
        ),
        (
            "wrong secret",
            Box::new(move || {
                invoke_with(
                    "42.tar.gz",
                    &[],
                    period,
                    &Credentials::new("AKIDADMIN", "nope"),
                )
            }),
        ),
        (
            "expired key",
            Box::new(move || {
                invoke_with(
                    "42.tar.gz",
                    &[],
                    period,
                    &Credentials::new("AKIDOLD", "old-secret"),
                )
            }),
        ),
        (
            "not theirs",
            Box::new(move || invoke_with("7.tar.gz", &[], period, &customer_42())),
        ),
        (
            "no such model",
            Box::new(|| invoke("7.tar.gz", r#"{"period": 7}"#)),
        ),
        (
            "not a model",
            Box::new(|| invoke("bad.tar.gz", r#"{"period": 7}"#)),
        ),
        ("not JSON", Box::new(|| invoke("42.tar.gz", "period=7"))),
        (
            "too long a horizon",
            Box::new(|| invoke("42.tar.gz", r#"{"period": 3651}"#)),
        ),
        (
            "csv accepted only",
            Box::new(move || invoke_with("42.tar.gz", &[("accept", "text/csv")], period, &admin())),
        ),
        (
            "no TargetModel",
            Box::new(|| {
                signed_at(
                    "POST",
                    INVOKE,
                    &[],
                    b"{}",
                    &admin(),
                    system_clock(),
                    Body::from("{}"),
                )
            }),
        ),
        (
            "too large",
            Box::new(|| {
                let mut r = invoke("42.tar.gz", r#"{"period": 7}"#);
                let past = (MAX_BODY + 1).to_string();
                r.headers_mut()
                    .insert("content-length", past.parse().unwrap());
                r
            }),
        ),
        (
            "another endpoint",
            Box::new(|| {
                signed_at(
                    "POST",
                    "/endpoints/other/invocations",
                    &[("x-amzn-sagemaker-target-model", "42.tar.gz")],
                    b"{}",
                    &admin(),
                    system_clock(),
                    Body::from("{}"),
                )
            }),
        ),
        (
            "with a query",
            Box::new(|| {
                signed_at(
                    "POST",
                    "/endpoints/gridcast/invocations?x=1",
                    &[("x-amzn-sagemaker-target-model", "42.tar.gz")],
                    b"{}",
                    &admin(),
                    system_clock(),
                    Body::from("{}"),
                )
            }),
        ),
    ];
    let (ahead, routed) = (env(), env());
    let front = Front::new(ahead.state.clone());
    let router = app(routed.state.clone());
    for (what, request) in &cases {
        let sent = request();
        let sent_id = sent
            .headers()
            .get("x-amzn-requestid")
            .map(|v| v.to_str().unwrap().to_owned());
        let a = wire(front.call(sent).await, sent_id.as_deref()).await;
        let b = wire(
            router.clone().oneshot(request()).await.unwrap(),
            sent_id.as_deref(),
        )
        .await;
        assert_eq!(a, b, "{what}");
    }
    assert_eq!(
        request_metrics(&ahead.state),
        request_metrics(&routed.state)
    );
    // The cases reached what they name.
    let m = request_metrics(&ahead.state).join("\n");
    for line in [
        r#"Invocations{route="/endpoints/{name}/invocations",status="200"} 5"#,
        r#"Invocations{route="/endpoints/{name}/invocations",status="403"} 4"#,
        r#"Invocations{route="/endpoints/{name}/invocations",status="424"} 1"#,
        r#"Invocations{route="/endpoints/{name}/invocations",status="406"} 1"#,
        r#"Invocations{route="/endpoints/{name}/invocations",status="413"} 1"#,
    ] {
        assert!(m.contains(line), "{line} in\n{m}");
    }
}

macro_rules! refused {
    ($answer:expr, $status:expr, $kind:expr) => {{
        let a = $answer;
        assert!(
            a.is($status, $kind),
            "expected {} {}, got {} {:?}: {}",
            $status,
            $kind,
            a.status,
            a.kind,
            String::from_utf8_lossy(&a.body)
        );
        a
    }};
}

#[tokio::test]
async fn requests_naming_no_known_key_are_refused_before_their_body_is_read() {
    let env = env();
    let target = [("x-amzn-sagemaker-target-model", "42.tar.gz")];
    // Bodies that never arrive: an answer proves nothing waited for them.
    let unsigned = Request::post(INVOKE)
        .header("host", HOST)
        .body(never())
        .unwrap();
    refused!(
        send(&env, unsigned).await,
        403,
        "MissingAuthenticationTokenException"
    );
    let malformed = Request::post(INVOKE)
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .body(never())
        .unwrap();
    refused!(
        send(&env, malformed).await,
        403,
        "InvalidSignatureException"
    );
    let stranger = Credentials::new("AKIDNOBODY", "x");
    let now = system_clock();
    let r = signed_at("POST", INVOKE, &target, b"{}", &stranger, now, never());
    refused!(send(&env, r).await, 403, "UnrecognizedClientException");
    let old = Credentials::new("AKIDOLD", "old-secret");
    let r = signed_at("POST", INVOKE, &target, b"{}", &old, now, never());
    refused!(send(&env, r).await, 403, "ExpiredTokenException");
    // A TargetModel header left out of the signature (so a captured request
    // cannot be pointed at another model).
    let mut r = signed_at("POST", INVOKE, &[], b"{}", &admin(), now, never());
    r.headers_mut().insert(
        "x-amzn-sagemaker-target-model",
        "42.tar.gz".parse().unwrap(),
    );
    let a = refused!(send(&env, r).await, 403, "InvalidSignatureException");
    assert!(a.message().contains("SignedHeaders"), "{}", a.message());
    // A known key declaring more than 6 MiB: 413 before reading.
    let mut r = signed_at("POST", INVOKE, &target, b"{}", &admin(), now, never());
    r.headers_mut().insert(
        "content-length",
        (MAX_BODY + 1).to_string().parse().unwrap(),
    );
    refused!(send(&env, r).await, 413, "ValidationError");
}

#[tokio::test]
async fn signatures_that_do_not_check_out() {
    let env = env();
    let body = br#"{"period": 7}"#;
    let wrong = Credentials::new("AKIDADMIN", "wrong");
    refused!(
        send(&env, invoke_with("42.tar.gz", &[], body, &wrong)).await,
        403,
        "InvalidSignatureException"
    );
    let stolen = Credentials::new("AKIDC42", "c42-secret").with_session_token("stolen");
    refused!(
        send(&env, invoke_with("42.tar.gz", &[], body, &stolen)).await,
        403,
        "UnrecognizedClientException"
    );
    let headers = [("x-amzn-sagemaker-target-model", "42.tar.gz")];
    let stale = signed_at(
        "POST",
        INVOKE,
        &headers,
        body,
        &admin(),
        system_clock() - 600,
        Body::from(&body[..]),
    );
    let a = refused!(send(&env, stale).await, 403, "InvalidSignatureException");
    assert!(
        a.message().starts_with("Signature expired"),
        "{}",
        a.message()
    );
    // The body is signed: another one fails.
    let swapped = signed_at(
        "POST",
        INVOKE,
        &headers,
        body,
        &admin(),
        system_clock(),
        Body::from(r#"{"period": 9}"#),
    );
    refused!(send(&env, swapped).await, 403, "InvalidSignatureException");
    let scoped = Credentials::new("AKIDC42", "c42-secret").with_session_token("c42-token");
    refused!(
        send(&env, invoke_with("7.tar.gz", &[], body, &scoped)).await,
        403,
        "AccessDeniedException"
    );
    assert_eq!(
        send(&env, invoke_with("42.tar.gz", &[], body, &scoped))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn invocation_validation_and_its_bounds() {
    let env = env();
    let other = signed_at(
        "POST",
        "/endpoints/other/invocations",
        &[("x-amzn-sagemaker-target-model", "42.tar.gz")],
        b"{}",
        &admin(),
        system_clock(),
        Body::from("{}"),
    );
    let a = refused!(send(&env, other).await, 400, "ValidationError");
    assert!(a.message().contains("Endpoint other"));
    let no_target = signed_at(
        "POST",
        INVOKE,
        &[],
        b"{}",
        &admin(),
        system_clock(),
        Body::from("{}"),
    );
    refused!(send(&env, no_target).await, 400, "ValidationError");
    // TargetModel: 1,024 characters pass the checks (no such artifact), 1,025 do not.
    let at = format!("{}.tar.gz", "a".repeat(1024 - 7));
    let a = refused!(
        send(&env, invoke(&at, r#"{"period": 7}"#)).await,
        400,
        "ValidationError"
    );
    assert!(a.message().contains("no such artifact"), "{}", a.message());
    let past = format!("{}.tar.gz", "a".repeat(1025 - 7));
    let a = refused!(
        send(&env, invoke(&past, r#"{"period": 7}"#)).await,
        400,
        "ValidationError"
    );
    assert!(a.message().contains("1024"), "{}", a.message());
    // Media types compare case-insensitively.
    let typed = |content_type: &str, body: &str| {
        let headers = [
            ("content-type", content_type),
            ("x-amzn-sagemaker-target-model", "42.tar.gz"),
        ];
        let now = system_clock();
        signed_at(
            "POST",
            INVOKE,
            &headers,
            body.as_bytes(),
            &admin(),
            now,
            Body::from(body.to_owned()),
        )
    };
    let upper = typed("APPLICATION/JSON", r#"{"period": 3}"#);
    assert_eq!(send(&env, upper).await.status, 200);
    refused!(
        send(&env, typed("text/csv", "1,2")).await,
        400,
        "ValidationError"
    );
    let accept = invoke_with(
        "42.tar.gz",
        &[("accept", "text/csv")],
        br#"{"period": 3}"#,
        &admin(),
    );
    refused!(send(&env, accept).await, 406, "ValidationError");
    refused!(
        send(&env, invoke("42.tar.gz", "period=7")).await,
        400,
        "ValidationError"
    );
    // Horizons: 1 and 3650 answer, 0 and 3651 do not.
    for (period, ok) in [(1, true), (3650, true), (0, false), (3651, false)] {
        let a = send(
            &env,
            invoke("42.tar.gz", &format!(r#"{{"period": {period}}}"#)),
        )
        .await;
        assert_eq!(a.status == 200, ok, "period {period}: {}", a.message());
        if ok {
            assert_eq!(a.json()["yhat"].as_object().unwrap().len(), period);
        }
    }
}

/// A signed body of exactly `len` bytes: valid JSON, padded with spaces.
fn padded_body(len: usize) -> Vec<u8> {
    let mut body = br#"{"period": 2}"#.to_vec();
    body.resize(len, b' ');
    body
}

fn chunked(body: &[u8]) -> Body {
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(1 << 20)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn bodies_of_exactly_6_mib_pass_and_one_byte_more_does_not() {
    let env = env();
    let headers = [("x-amzn-sagemaker-target-model", "42.tar.gz")];
    for (len, status) in [(MAX_BODY, 200), (MAX_BODY + 1, 413)] {
        let body = padded_body(len);
        let now = system_clock();
        let with_length = signed_at(
            "POST",
            INVOKE,
            &headers,
            &body,
            &admin(),
            now,
            Body::from(body.clone()),
        );
        let mut with_length = with_length;
        with_length
            .headers_mut()
            .insert("content-length", len.to_string().parse().unwrap());
        assert_eq!(
            send(&env, with_length).await.status,
            status,
            "{len} bytes with Content-Length"
        );
        let streamed = signed_at(
            "POST",
            INVOKE,
            &headers,
            &body,
            &admin(),
            now,
            chunked(&body),
        );
        assert_eq!(
            send(&env, streamed).await.status,
            status,
            "{len} bytes chunked"
        );
    }
    assert_eq!(env.state.bodies.in_use(), 0, "every share returned");
}

#[tokio::test]
async fn unauthenticated_bytes_share_one_budget_and_bodies_have_a_time_limit() {
    let env = env_with(|c| {
        c.server.unauthenticated_body_bytes = 1000;
        c.server.body_read_timeout = Duration::from_millis(200);
    });
    let headers = [("x-amzn-sagemaker-target-model", "42.tar.gz")];
    let body = padded_body(1000);
    let fits = signed_at(
        "POST",
        INVOKE,
        &headers,
        &body,
        &admin(),
        system_clock(),
        Body::from(body.clone()),
    );
    assert_eq!(send(&env, fits).await.status, 200);
    let body = padded_body(1001);
    let over = signed_at(
        "POST",
        INVOKE,
        &headers,
        &body,
        &admin(),
        system_clock(),
        Body::from(body.clone()),
    );
    refused!(send(&env, over).await, 503, "ServiceUnavailable");
    let mut slow = signed_at(
        "POST",
        INVOKE,
        &headers,
        b"{}",
        &admin(),
        system_clock(),
        never(),
    );
    slow.headers_mut()
        .insert("content-length", "2".parse().unwrap());
    refused!(send(&env, slow).await, 408, "RequestTimeout");
    assert_eq!(env.state.bodies.in_use(), 0);
}

fn artifact_with(doc_edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let bytes = std::fs::read(fixtures().join("seed_trend_only.tar.gz")).unwrap();
    let artifact = gridcast_model::read_artifact(&bytes, &Default::default()).unwrap();
    let mut doc: Value = serde_json::from_slice(&artifact.model_json).unwrap();
    doc_edit(&mut doc);
    gridcast_model::write_artifact(&gridcast_model::Artifact {
        model_json: doc.to_string().into_bytes(),
        code: vec![],
    })
}

#[tokio::test]
async fn artifacts_that_are_not_models_fail_their_own_requests() {
    let env = env_with(|c| c.server.artifact_bytes = 100_000);
    let models = env.dir.path().join("models");
    std::fs::write(
        models.join("wide.tar.gz"),
        artifact_with(|d| d["interval_width"] = json!(3.0)),
    )
    .unwrap();
    std::fs::write(
        models.join("samples.tar.gz"),
        artifact_with(|d| d["uncertainty_samples"] = json!(4_294_967_295u64)),
    )
    .unwrap();
    std::fs::write(models.join("huge.tar.gz"), vec![0u8; 100_001]).unwrap();
    let period = r#"{"period": 7}"#;
    let a = refused!(
        send(&env, invoke("wide.tar.gz", period)).await,
        424,
        "ModelError"
    );
    assert!(a.message().contains("interval_width"), "{}", a.message());
    let a = refused!(
        send(&env, invoke("samples.tar.gz", period)).await,
        424,
        "ModelError"
    );
    assert!(
        a.message().contains("uncertainty_samples"),
        "{}",
        a.message()
    );
    let a = refused!(
        send(&env, invoke("huge.tar.gz", period)).await,
        424,
        "ModelError"
    );
    assert!(a.message().contains("100001 bytes"), "{}", a.message());
    refused!(
        send(&env, invoke("bad.tar.gz", period)).await,
        424,
        "ModelError"
    );
    let a = refused!(
        send(&env, invoke("dir.tar.gz", period)).await,
        400,
        "ValidationError"
    );
    assert!(a.message().contains("no such artifact"), "{}", a.message());
    assert_eq!(send(&env, invoke("42.tar.gz", period)).await.status, 200);
}

#[tokio::test]
async fn a_model_too_long_for_its_samples_says_how_many_rows_it_can_give() {
    let env = env();
    std::fs::write(
        env.dir.path().join("models/many.tar.gz"),
        artifact_with(|d| d["uncertainty_samples"] = json!(10_000)),
    )
    .unwrap();
    assert_eq!(
        send(&env, invoke("many.tar.gz", r#"{"period": 400}"#))
            .await
            .status,
        200
    );
    let a = refused!(
        send(&env, invoke("many.tar.gz", r#"{"period": 401}"#)).await,
        400,
        "ValidationError"
    );
    assert!(a.message().contains("at most 400 rows"), "{}", a.message());
}

#[tokio::test]
async fn an_invocation_past_its_time_limit() {
    let env = env_with(|c| c.server.invocation_timeout = Duration::ZERO);
    refused!(
        send(&env, invoke("42.tar.gz", r#"{"period": 7}"#)).await,
        429,
        "ModelNotReadyException"
    );
}

fn login(body: &str) -> Request<Body> {
    Request::post("/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn sign_in_refusals_and_the_threshold() {
    let disabled = env();
    refused!(
        send(
            &disabled,
            login(r#"{"customer_id": "42", "password": "x"}"#)
        )
        .await,
        400,
        "ValidationError"
    );
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    add_user(&users, &CustomerId::parse("42").unwrap(), "right password").unwrap();
    let env = env_with(|c| c.users = Some(users));
    refused!(send(&env, login("not json")).await, 400, "ValidationError");
    refused!(
        send(&env, login(r#"{"customer_id": "../x", "password": "x"}"#)).await,
        400,
        "ValidationError"
    );
    let big = format!(
        r#"{{"customer_id": "42", "password": "{}"}}"#,
        "x".repeat(4096)
    );
    refused!(send(&env, login(&big)).await, 413, "ValidationError");
    let wrong = r#"{"customer_id": "42", "password": "wrong"}"#;
    for _ in 0..MAX_FAILED_PER_ID_AND_ADDRESS {
        refused!(send(&env, login(wrong)).await, 403, "AccessDeniedException");
    }
    let a = refused!(
        send(
            &env,
            login(r#"{"customer_id": "42", "password": "right password"}"#)
        )
        .await,
        429,
        "ThrottlingException"
    );
    assert!(a.message().contains("customer 42"), "{}", a.message());
    // Configured keys are not a session: refresh is refused, unsigned is 403.
    let refresh = signed_at(
        "POST",
        "/auth/refresh",
        &[],
        b"",
        &admin(),
        system_clock(),
        Body::empty(),
    );
    refused!(send(&env, refresh).await, 400, "ValidationError");
    let unsigned = Request::post("/auth/logout").body(Body::empty()).unwrap();
    refused!(
        send(&env, unsigned).await,
        403,
        "MissingAuthenticationTokenException"
    );
}

/// A sign-in through `proxy` on behalf of the client its `X-Forwarded-For` names.
fn login_via(proxy: &str, forwarded_for: &str, body: &str) -> Request<Body> {
    let mut request = login(body);
    let proxy: std::net::SocketAddr = proxy.parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(proxy));
    request
        .headers_mut()
        .insert("x-forwarded-for", forwarded_for.parse().unwrap());
    request
}

/// Behind a trusted proxy the sign-in limits count the client it forwards,
/// so one guesser does not lock out everyone behind the proxy; without
/// `--trusted-proxies` the header is ignored and the proxy is the client.
#[tokio::test]
async fn sign_in_limits_count_the_client_behind_a_trusted_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    add_user(&users, &CustomerId::parse("42").unwrap(), "right password").unwrap();
    let wrong = r#"{"customer_id": "42", "password": "wrong"}"#;
    let right = r#"{"customer_id": "42", "password": "right password"}"#;
    for (trusted, other_client_status) in [("127.0.0.0/8", 200), ("off", 429)] {
        let env = env_with(|c| {
            c.users = Some(users.clone());
            c.server.trusted_proxies = trusted.parse().unwrap();
        });
        let (proxy, guesser, customer) =
            ("127.0.0.1:40000", "203.0.113.7", "1.1.1.1, 198.51.100.9");
        for _ in 0..MAX_FAILED_PER_ID_AND_ADDRESS {
            let answer = send(&env, login_via(proxy, guesser, wrong)).await;
            assert_eq!(answer.status, 403, "{trusted}");
        }
        let guesser_again = send(&env, login_via(proxy, guesser, right)).await;
        assert_eq!(guesser_again.status, 429, "{trusted}: the guesser is held");
        let other = send(&env, login_via(proxy, customer, right)).await;
        assert_eq!(
            other.status, other_client_status,
            "{trusted}: the customer behind the same proxy"
        );
    }
}

/// A customer's sign-in, in process: its credentials are refused until the
/// sign-outs have been read, then invoke the customer's model only with their
/// session token (the same answer as anyone's), never another model, and
/// stop at sign-out.
#[tokio::test]
async fn a_sign_in_invokes_its_own_model_with_its_session_token_until_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    add_user(&users, &CustomerId::parse("42").unwrap(), "right password").unwrap();
    let env = env_with(|c| c.users = Some(users));
    let reply = send(
        &env,
        login(r#"{"customer_id": "42", "password": "right password"}"#),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let reply = reply.json();
    let field = |k: &str| reply[k].as_str().unwrap().to_owned();
    assert_eq!(field("TargetModel"), "42.tar.gz");
    let keys = Credentials::new(field("AccessKeyId"), field("SecretAccessKey"));
    let session = keys.clone().with_session_token(field("SessionToken"));
    let body = br#"{"period": 7}"#;
    let as_customer = |target: &str, creds: &Credentials| invoke_with(target, &[], body, creds);

    refused!(
        send(&env, as_customer("42.tar.gz", &session)).await,
        503,
        "ServiceUnavailable"
    );
    env.state.sessions.start(system_clock).await;
    let answer = send(&env, as_customer("42.tar.gz", &session)).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let admins = send(&env, invoke("42.tar.gz", r#"{"period": 7}"#)).await;
    assert_eq!(
        answer.body, admins.body,
        "the customer's answer is the model's"
    );

    for (what, creds) in [
        ("no session token", keys.clone()),
        (
            "another session token",
            keys.clone()
                .with_session_token(format!("{}A", field("SessionToken"))),
        ),
    ] {
        let a = send(&env, as_customer("42.tar.gz", &creds)).await;
        assert!(
            a.is(403, "UnrecognizedClientException"),
            "{what}: {}",
            a.status
        );
    }
    refused!(
        send(&env, as_customer("7.tar.gz", &session)).await,
        403,
        "AccessDeniedException"
    );

    let logout = signed_at(
        "POST",
        "/auth/logout",
        &[],
        b"",
        &session,
        system_clock(),
        Body::empty(),
    );
    assert_eq!(send(&env, logout).await.status, 204);
    refused!(
        send(&env, as_customer("42.tar.gz", &session)).await,
        403,
        "UnrecognizedClientException"
    );
}

#[tokio::test]
async fn unknown_routes_and_the_container_routes() {
    let env = env();
    let a = refused!(
        send(&env, Request::get("/nope").body(Body::empty()).unwrap()).await,
        404,
        "ResourceNotFound"
    );
    assert!(a.message().contains("/nope"));
    refused!(
        send(&env, Request::get("/models").body(Body::empty()).unwrap()).await,
        404,
        "ResourceNotFound"
    );
    assert_eq!(
        send(&env, Request::get("/ping").body(Body::empty()).unwrap())
            .await
            .status,
        200
    );
    let root = tempfile::tempdir().unwrap();
    let container = env_with(|c| c.container_root = Some(root.path().to_owned()));
    let bad = Request::post("/models").body(Body::from("{")).unwrap();
    refused!(send(&container, bad).await, 400, "ValidationError");
    let missing = Request::post("/models/m1/invoke")
        .body(Body::from(r#"{"period": 1}"#))
        .unwrap();
    refused!(send(&container, missing).await, 404, "ResourceNotFound");
    let outside = Request::post("/models")
        .body(Body::from(
            json!({"model_name": "x", "url": "/etc"}).to_string(),
        ))
        .unwrap();
    let a = send(&container, outside).await;
    assert!(a.status == 400 || a.status == 404, "{}", a.message());
}

fn seed_model_json() -> Vec<u8> {
    let fixture = std::fs::read(fixtures().join("seed_trend_only.tar.gz")).unwrap();
    gridcast_model::read_artifact(&fixture, &Default::default())
        .unwrap()
        .model_json
}

/// A tar stream of `files`, its end blocks, then `padding` zero bytes.
fn tar_of(files: Vec<(String, Vec<u8>)>, padding: usize) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, data.as_slice()).unwrap();
    }
    let mut stream = tar.into_inner().unwrap();
    stream.resize(stream.len() + padding, 0);
    stream
}

/// A valid artifact of exactly `len` bytes: the seed fixture's model.json
/// and a zero-filled code file, stored uncompressed, the last bytes made up
/// by the gzip header's extra field.
fn artifact_of_len(len: usize) -> Vec<u8> {
    use std::io::Write;
    let model_json = seed_model_json();
    let filler = len - model_json.len() - 40_000;
    let files = vec![
        ("model.json".into(), model_json),
        ("code/filler".into(), vec![0; filler]),
    ];
    let stream = tar_of(files, 0);
    let gzip = |extra: Vec<u8>| {
        let mut gz = flate2::GzBuilder::new()
            .extra(extra)
            .write(Vec::new(), flate2::Compression::none());
        gz.write_all(&stream).unwrap();
        gz.finish().unwrap()
    };
    // An empty extra field already has its 2-byte length: each byte more is one more.
    let base = gzip(Vec::new()).len();
    let bytes = gzip(vec![b'x'; len - base]);
    assert_eq!(bytes.len(), len);
    bytes
}

/// An artifact of exactly the default size limit (32 MiB) loads; one byte
/// more is the model's error.
#[tokio::test]
async fn artifacts_of_exactly_the_size_limit_load_and_one_byte_more_do_not() {
    let env = env();
    let limit = env.state.config.server.artifact_bytes;
    assert_eq!(limit, 32 << 20, "the default");
    let models = env.dir.path().join("models");
    std::fs::write(models.join("at.tar.gz"), artifact_of_len(limit as usize)).unwrap();
    std::fs::write(
        models.join("past.tar.gz"),
        artifact_of_len(limit as usize + 1),
    )
    .unwrap();
    let period = r#"{"period": 7}"#;
    assert_eq!(send(&env, invoke("at.tar.gz", period)).await.status, 200);
    let a = refused!(
        send(&env, invoke("past.tar.gz", period)).await,
        424,
        "ModelError"
    );
    assert!(
        a.message().contains(&format!("{} bytes", limit + 1)),
        "{}",
        a.message()
    );
}

/// The endpoint's own archive limits at their defaults, at the value and
/// one past: 32 entries, and 32 MiB decompressed (the tar stream read to its
/// gzip trailer, zeros after the end blocks).
#[tokio::test]
async fn archives_at_the_endpoint_limits_load_and_one_past_do_not() {
    use std::io::Write;
    let env = env();
    let limits = env.state.config.server.artifact;
    assert_eq!(
        (limits.max_entries, limits.max_total),
        (32, 32 << 20),
        "the defaults"
    );
    let gzip = |stream: Vec<u8>| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&stream).unwrap();
        gz.finish().unwrap()
    };
    let with_entries = |entries: usize| {
        let mut files = vec![("model.json".to_owned(), seed_model_json())];
        files.extend((1..entries).map(|i| (format!("code/{i}.py"), b"#".to_vec())));
        gzip(tar_of(files, 0))
    };
    let head = tar_of(vec![("model.json".into(), seed_model_json())], 0).len();
    let with_total = |total: u64| {
        let stream = tar_of(
            vec![("model.json".into(), seed_model_json())],
            total as usize - head,
        );
        assert_eq!(stream.len() as u64, total);
        gzip(stream)
    };
    let models = env.dir.path().join("models");
    for (name, bytes) in [
        ("entries-at", with_entries(limits.max_entries)),
        ("entries-past", with_entries(limits.max_entries + 1)),
        ("total-at", with_total(limits.max_total)),
        ("total-past", with_total(limits.max_total + 1)),
    ] {
        std::fs::write(models.join(format!("{name}.tar.gz")), bytes).unwrap();
    }
    let period = r#"{"period": 7}"#;
    for at in ["entries-at", "total-at"] {
        let a = send(&env, invoke(&format!("{at}.tar.gz"), period)).await;
        assert_eq!(a.status, 200, "{at}: {}", a.message());
    }
    for (past, says) in [
        ("entries-past", "more than 32 entries".to_owned()),
        (
            "total-past",
            format!("decompresses to more than {} bytes", limits.max_total),
        ),
    ] {
        let a = refused!(
            send(&env, invoke(&format!("{past}.tar.gz"), period)).await,
            424,
            "ModelError"
        );
        assert!(a.message().contains(&says), "{past}: {}", a.message());
    }
}

fn get_signed(path: &str, creds: &Credentials) -> Request<Body> {
    signed_at("GET", path, &[], b"", creds, system_clock(), Body::empty())
}

/// Customer 42's scoped key (the users file's `AKIDC42`): it may invoke
/// `42.tar.gz` and no other model.
fn customer_42() -> Credentials {
    Credentials::new("AKIDC42", "c42-secret").with_session_token("c42-token")
}

/// A signed GET of another customer's model (`path` ends with its
/// TargetModel) is refused as invoking that model would be: 403, naming it.
async fn refused_as_not_theirs(env: &Env, path: &str, creds: &Credentials) {
    let target = path.rsplit('/').next().unwrap();
    let a = refused!(
        send(env, get_signed(path, creds)).await,
        403,
        "AccessDeniedException"
    );
    let says = format!("sagemaker:TargetModel {target}");
    assert!(a.message().contains(&says), "{path}: {}", a.message());
}

/// Every signed GET of a model checks in one order — signature, endpoint,
/// TargetModel, authorization — before anything of the model or the
/// route's own set-up: an unsigned request for a model that does not exist
/// is a 403 for its signature, another endpoint's name a 400, and a
/// customer asking for a model that is not theirs and does not exist a 403
/// (here no readings location or covariates feed is configured either).
#[tokio::test]
async fn signed_model_gets_check_signature_then_authorization_then_existence() {
    let env = env();
    for route in ["models", "backtests", "covariates", "holidays", "readings"] {
        let path = format!("/endpoints/gridcast/{route}/missing.tar.gz");
        let unsigned = Request::get(&path)
            .header("host", HOST)
            .body(Body::empty())
            .unwrap();
        refused!(
            send(&env, unsigned).await,
            403,
            "MissingAuthenticationTokenException"
        );
        let elsewhere = format!("/endpoints/other/{route}/42.tar.gz");
        let a = refused!(
            send(&env, get_signed(&elsewhere, &customer_42())).await,
            400,
            "ValidationError"
        );
        assert!(a.message().contains("Endpoint other"), "{route}: {}", a.message());
        refused_as_not_theirs(&env, &path, &customer_42()).await;
    }
}

/// `GET /endpoints/{name}/backtests/{TargetModel}`: the model's
/// `<stem>.backtest.json`, to whoever may invoke that model and no one else,
/// bounded in size; a model without one says how to make it.
#[tokio::test]
async fn backtests_are_served_only_to_who_may_invoke_the_model() {
    let env = env();
    let models = env.dir.path().join("models");
    let doc = |id: &str| format!(r#"{{"customer": "{id}", "backtest": {{"cutoffs": 3}}}}"#);
    std::fs::write(models.join("42.backtest.json"), doc("42")).unwrap();
    std::fs::write(models.join("7.backtest.json"), doc("7")).unwrap();
    let own = customer_42();
    let path = |target: &str| format!("/endpoints/gridcast/backtests/{target}");

    let mine = send(&env, get_signed(&path("42.tar.gz"), &own)).await;
    assert_eq!(
        mine.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&mine.body)
    );
    assert_eq!(mine.json()["customer"], "42");
    refused_as_not_theirs(&env, &path("7.tar.gz"), &own).await;
    assert_eq!(
        send(&env, get_signed(&path("7.tar.gz"), &admin()))
            .await
            .json()["customer"],
        "7"
    );

    let none = refused!(
        send(&env, get_signed(&path("bad.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );
    assert!(
        none.message().contains("train it with --cross-validate"),
        "{}",
        none.message()
    );
    refused!(
        send(&env, get_signed(&path("42.backtest.json"), &admin())).await,
        400,
        "ValidationError"
    );
    refused!(
        send(&env, get_signed(&path("..%2F42.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );
    let unsigned = Request::get(path("42.tar.gz"))
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&env, unsigned).await.status.as_u16(), 403);

    let limit = gridcast_endpoint::invocation::MAX_BACKTEST_BYTES as usize;
    std::fs::write(models.join("42.backtest.json"), vec![b' '; limit + 1]).unwrap();
    refused!(
        send(&env, get_signed(&path("42.tar.gz"), &own)).await,
        424,
        "ModelError"
    );
    let mut exactly = doc("42").into_bytes();
    exactly.resize(limit, b' ');
    std::fs::write(models.join("42.backtest.json"), exactly).unwrap();
    assert_eq!(
        send(&env, get_signed(&path("42.tar.gz"), &own))
            .await
            .status,
        StatusCode::OK
    );
}

fn ext_fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/prophet-ext")
        .join(path)
}

/// `GET /endpoints/{name}/holidays/{TargetModel}`: the country holiday table
/// of the model's `add_country_holidays` (`gridcast-holidays`' `data/<CODE>.bin`),
/// which a device keeps to forecast the model offline, to whoever may invoke
/// that model and no one else, with an ETag; a model without one 400.
#[tokio::test]
async fn a_models_holiday_table_is_served_to_who_may_invoke_it() {
    let served = env();
    let models = served.dir.path().join("models");
    std::fs::copy(ext_fixture("models/holidays_country.tar.gz"), models.join("42.tar.gz")).unwrap();
    std::fs::copy(fixtures().join("seed_trend_only.tar.gz"), models.join("7.tar.gz")).unwrap();
    let own = customer_42();
    let path = |target: &str| format!("/endpoints/gridcast/holidays/{target}");

    let mine = send(&served, get_signed(&path("42.tar.gz"), &own)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", String::from_utf8_lossy(&mine.body));
    let de = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gridcast-holidays/data/DE.bin")).unwrap();
    assert_eq!(mine.body, de, "the model's country (DE) table, byte for byte");
    let table = gridcast_model::HolidayTable::from_bytes(&mine.body).unwrap();
    assert_eq!(table.country(), "DE");

    let response = app(served.state.clone()).oneshot(get_signed(&path("42.tar.gz"), &own)).await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let again = signed_at("GET", &path("42.tar.gz"), &[("if-none-match", &etag)], b"", &own, system_clock(), Body::empty());
    assert_eq!(send(&served, again).await.status, StatusCode::NOT_MODIFIED);

    refused_as_not_theirs(&served, &path("7.tar.gz"), &own).await;
    let none = refused!(send(&served, get_signed(&path("7.tar.gz"), &admin())).await, 400, "ValidationError");
    assert!(none.message().contains("7.tar.gz has no country holidays"), "{}", none.message());
    refused!(send(&served, get_signed(&path("missing.tar.gz"), &admin())).await, 400, "ValidationError");
    refused!(send(&served, get_signed(&path("..%2F42.tar.gz"), &admin())).await, 400, "ValidationError");
}

/// `GET /endpoints/{name}/covariates/{TargetModel}`: the feed's rows after
/// the model's history, of the columns it needs, to whoever may invoke that
/// model and no one else, with an ETag that a repeat names for a 304.
#[tokio::test]
async fn covariates_are_served_to_who_may_invoke_the_model_with_an_etag() {
    let dir = tempfile::tempdir().unwrap();
    let feed_path = dir.path().join("feed.csv");
    let future = std::fs::read_to_string(ext_fixture("future/temp_regressor.csv")).unwrap();
    // One row the model was trained on, which a device never needs.
    let feed = future.replacen("\n", "\n2023-12-31,1.0,14.0\n", 1);
    std::fs::write(&feed_path, &feed).unwrap();
    let served = env_with(|c| {
        c.future_covariates = Some((feed_path.to_str().unwrap().to_owned(), None));
    });
    let models = served.dir.path().join("models");
    std::fs::copy(
        ext_fixture("models/temp_regressor.tar.gz"),
        models.join("42.tar.gz"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("seed_trend_only.tar.gz"),
        models.join("7.tar.gz"),
    )
    .unwrap();
    served
        .state
        .covariates
        .as_ref()
        .unwrap()
        .reload()
        .await
        .unwrap();
    let own = customer_42();
    let path = |target: &str| format!("/endpoints/gridcast/covariates/{target}");

    let mine = send(&served, get_signed(&path("42.tar.gz"), &own)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", String::from_utf8_lossy(&mine.body));
    // Only the rows after the model's history (2023-12-31), every value the feed's.
    let doc = mine.json();
    assert_eq!(doc["columns"], json!(["temperature", "heating"]));
    let lines: Vec<Vec<&str>> = future.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), lines.len());
    for (row, cells) in rows.iter().zip(&lines) {
        let day = gridcast_model::parse_timestamp(cells[0]).unwrap() as f64;
        let want = [day, cells[1].parse().unwrap(), cells[2].parse().unwrap()];
        assert_eq!(row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>(), want);
    }
    let parsed = gridcast_api::FutureCovariates::parse(&mine.body).unwrap();
    assert_eq!(parsed.column("temperature").unwrap()[0], 5.37);

    // The same document again: 304 with no body, the same ETag.
    let response = app(served.state.clone())
        .oneshot(get_signed(&path("42.tar.gz"), &own))
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
    let again = signed_at(
        "GET",
        &path("42.tar.gz"),
        &[("if-none-match", &etag)],
        b"",
        &own,
        system_clock(),
        Body::empty(),
    );
    let not_modified = send(&served, again).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());

    // Another customer's covariates are refused, as their invocation is.
    refused_as_not_theirs(&served, &path("7.tar.gz"), &own).await;
    // A model that needs no covariates gets none.
    let seed = send(&served, get_signed(&path("7.tar.gz"), &admin())).await;
    assert_eq!(seed.status, StatusCode::OK);
    assert_eq!(seed.json(), json!({"columns": [], "rows": []}));
    refused!(
        send(&served, get_signed(&path("..%2F42.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );
    refused!(
        send(&served, get_signed(&path("missing.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );

    // A changed feed is a new document: the old ETag gets it whole.
    std::fs::write(
        &feed_path,
        feed.replace("2024-01-01,5.37", "2024-01-01,-2.5"),
    )
    .unwrap();
    served
        .state
        .covariates
        .as_ref()
        .unwrap()
        .reload()
        .await
        .unwrap();
    let again = signed_at(
        "GET",
        &path("42.tar.gz"),
        &[("if-none-match", &etag)],
        b"",
        &own,
        system_clock(),
        Body::empty(),
    );
    let changed = send(&served, again).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json()["rows"][0][1], -2.5);

    // An endpoint without a feed says how to give it one.
    let plain = env();
    let none = refused!(
        send(&plain, get_signed(&path("42.tar.gz"), &own)).await,
        400,
        "ValidationError"
    );
    assert!(
        none.message().contains("--future-covariates"),
        "{}",
        none.message()
    );
}

/// A customer signed in as 42, with the sign-outs read once.
async fn signed_in_as_42(env: &Env) -> Credentials {
    let reply = send(
        env,
        login(r#"{"customer_id": "42", "password": "right password"}"#),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let reply = reply.json();
    let field = |k: &str| reply[k].as_str().unwrap().to_owned();
    env.state.sessions.start(system_clock).await;
    Credentials::new(field("AccessKeyId"), field("SecretAccessKey"))
        .with_session_token(field("SessionToken"))
}

/// An endpoint with sign-ins for 42 and 7 and a readings directory (and
/// the directory holding its users file).
fn env_with_readings() -> (Env, PathBuf, tempfile::TempDir) {
    let users_dir = tempfile::tempdir().unwrap();
    let users = users_dir.path().join("users.json");
    for id in ["42", "7"] {
        add_user(&users, &CustomerId::parse(id).unwrap(), "right password").unwrap();
    }
    let env = env_with(|c| {
        c.users = Some(users);
        let readings = c.disk_cache.0.with_file_name("readings");
        c.readings = Some(gridcast_store::Location::Local(readings));
    });
    let readings = env.dir.path().join("readings");
    std::fs::create_dir_all(&readings).unwrap();
    let models = env.dir.path().join("models");
    std::fs::copy(
        fixtures().join("daily_auto.tar.gz"),
        models.join("7.tar.gz"),
    )
    .unwrap();
    (env, readings, users_dir)
}

/// Pandas columns of an answer: each column's values in row order.
fn column(answer: &Value, name: &str) -> Vec<Value> {
    let c = answer[name]
        .as_object()
        .unwrap_or_else(|| panic!("no {name}: {answer}"));
    let mut rows: Vec<(u64, Value)> = c
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.clone()))
        .collect();
    rows.sort_by_key(|(k, _)| *k);
    rows.into_iter().map(|(_, v)| v).collect()
}

/// `GET /endpoints/{name}/readings/{TargetModel}`: the signed-in customer's
/// readings after their model's training end, each beside what the model
/// forecast for that day (the invocation's numbers); another customer's
/// readings and backtest are refused; a missing file, no readings location
/// and an unsafe name are typed 400s; the file's size bound at the value and
/// one past.
#[tokio::test]
async fn readings_after_the_training_end_go_only_to_their_customer() {
    let (env, readings, _users) = env_with_readings();
    let models = env.dir.path().join("models");
    let session = signed_in_as_42(&env).await;
    let path = |target: &str| format!("/endpoints/gridcast/readings/{target}");

    // What the endpoint forecasts for the 10 days after the training end.
    let invoked = send(&env, invoke("42.tar.gz", r#"{"period": 10}"#))
        .await
        .json();
    let days: Vec<i64> = column(&invoked, "ds")
        .iter()
        .map(|v| v.as_i64().unwrap() / 1000)
        .collect();
    assert_eq!(days.len(), 10);
    // The customer's file: two days the model was trained on, then ten after, unsorted.
    let mut csv = String::new();
    for (i, day) in days.iter().enumerate().rev() {
        csv.push_str(&format!(
            "{},{}\n",
            gridcast_model::format_csv(*day),
            100.0 + i as f64
        ));
    }
    for back in [1, 2] {
        csv.push_str(&format!(
            "{},1.5\n",
            gridcast_model::format_csv(days[0] - back * 86_400)
        ));
    }
    std::fs::write(readings.join("42.csv"), &csv).unwrap();

    let mine = send(&env, get_signed(&path("42.tar.gz"), &session)).await;
    assert_eq!(
        mine.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&mine.body)
    );
    let mine = mine.json();
    let keys: Vec<&String> = mine.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ds", "yhat", "yhat_lower", "yhat_upper", "y"]);
    assert_eq!(
        column(&mine, "ds"),
        column(&invoked, "ds"),
        "only the days after the training end"
    );
    for c in ["yhat", "yhat_lower", "yhat_upper"] {
        assert_eq!(
            column(&mine, c),
            column(&invoked, c),
            "{c}: the invocation's forecast"
        );
    }
    let y: Vec<f64> = column(&mine, "y")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(y, (0..10).map(|i| 100.0 + i as f64).collect::<Vec<_>>());
    assert_eq!(
        mine["ds"].as_object().unwrap().keys().min(),
        invoked["ds"].as_object().unwrap().keys().min(),
        "rows numbered after the history, as the invocation's"
    );

    // Another customer's readings and backtest: refused before any file is read.
    std::fs::write(readings.join("7.csv"), &csv).unwrap();
    std::fs::write(models.join("7.backtest.json"), r#"{"customer": "7"}"#).unwrap();
    for theirs in [
        path("7.tar.gz"),
        "/endpoints/gridcast/backtests/7.tar.gz".into(),
    ] {
        refused_as_not_theirs(&env, &theirs, &session).await;
    }
    assert_eq!(
        send(&env, get_signed(&path("7.tar.gz"), &admin()))
            .await
            .status,
        200
    );

    // Nothing after the training end: an empty table, not an error.
    let trained_on: Vec<&str> = csv.lines().skip(10).collect();
    std::fs::write(readings.join("42.csv"), trained_on.join("\n")).unwrap();
    let none = send(&env, get_signed(&path("42.tar.gz"), &session)).await;
    assert_eq!(none.status, 200, "{}", String::from_utf8_lossy(&none.body));
    assert_eq!(
        none.json(),
        json!({"ds": {}, "yhat": {}, "yhat_lower": {}, "yhat_upper": {}, "y": {}})
    );

    // The size bound: a file of exactly the limit is read, one byte more is not.
    let limit = gridcast_endpoint::invocation::readings::MAX_READINGS_BYTES as usize;
    assert_eq!(limit, 8 << 20, "8 MiB");
    let mut exactly = csv.clone().into_bytes();
    exactly.resize(limit, b'\n');
    std::fs::write(readings.join("42.csv"), &exactly).unwrap();
    let at = send(&env, get_signed(&path("42.tar.gz"), &session)).await;
    assert_eq!(at.status, 200, "{}", String::from_utf8_lossy(&at.body));
    assert_eq!(column(&at.json(), "y").len(), 10);
    exactly.push(b'\n');
    std::fs::write(readings.join("42.csv"), &exactly).unwrap();
    let past = refused!(
        send(&env, get_signed(&path("42.tar.gz"), &session)).await,
        424,
        "ModelError"
    );
    assert!(
        past.message().contains("more than the 8388608 bytes"),
        "{}",
        past.message()
    );

    // A customer without a readings file; a file that does not read.
    std::fs::remove_file(readings.join("42.csv")).unwrap();
    let missing = refused!(
        send(&env, get_signed(&path("42.tar.gz"), &session)).await,
        400,
        "ValidationError"
    );
    assert!(
        missing.message().contains("no 42.csv"),
        "{}",
        missing.message()
    );
    std::fs::write(readings.join("42.csv"), "2023-01-01,12\nnot a date,3\n").unwrap();
    let bad = refused!(
        send(&env, get_signed(&path("42.tar.gz"), &session)).await,
        424,
        "ModelError"
    );
    assert!(bad.message().contains("42.csv"), "{}", bad.message());

    // Names that are no customer's file, and an endpoint without --readings.
    std::fs::copy(models.join("42.tar.gz"), models.join(".42.tar.gz")).unwrap();
    refused!(
        send(&env, get_signed(&path(".42.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );
    refused!(
        send(&env, get_signed(&path("..%2F42.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );
    let without = env_with(|_| {});
    let a = refused!(
        send(&without, get_signed(&path("42.tar.gz"), &admin())).await,
        400,
        "ValidationError"
    );
    assert!(a.message().contains("--readings"), "{}", a.message());
}

/// The 6 MiB limit holds for bodies with future rows too: the rows a
/// regressor model needs, padded to exactly the limit, are forecast; one
/// byte more is refused before any model work.
#[tokio::test]
async fn future_rows_in_a_body_of_exactly_6_mib_are_forecast_and_one_byte_more_is_not() {
    let env = env();
    let models = env.dir.path().join("models");
    std::fs::copy(ext_fixture("models/temp_regressor.tar.gz"), models.join("r.tar.gz")).unwrap();
    let future = std::fs::read_to_string(ext_fixture("future/temp_regressor.csv")).unwrap();
    let records: Vec<String> = future
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!(r#"{{"ds": "{}", "temperature": {}, "heating": {}}}"#, c[0], c[1], c[2])
        })
        .collect();
    let rows = format!(r#"{{"future": [{}]}}"#, records.join(", "));
    for (len, status) in [(MAX_BODY, 200), (MAX_BODY + 1, 413)] {
        let mut body = rows.clone().into_bytes();
        body.resize(len, b' ');
        let request = invoke_with("r.tar.gz", &[], &body, &admin());
        let answer = send(&env, request).await;
        assert_eq!(answer.status.as_u16(), status, "{len} bytes: {}", String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]));
        if status == 200 {
            assert_eq!(answer.json()["yhat"].as_object().unwrap().len(), records.len());
        }
    }
}

/// A cold load reads the parsed form the first load left in the disk cache
/// (the file is kept, not rewritten) and answers byte for byte as a load of
/// the artifact does; a damaged parsed form, or one of an artifact since
/// replaced, is not used: the artifact is loaded and the parsed form
/// rewritten.
#[tokio::test]
async fn cold_loads_use_the_parsed_form_only_of_the_same_artifact_bytes() {
    use std::os::unix::fs::MetadataExt;
    let (env, reference) = (env(), env());
    let parsed = env.dir.path().join("disk/42.tar.gz.parsed");
    /// Model 42's answer for `period` rows, after a cold load.
    async fn answer(env: &Env, period: u32) -> Bytes {
        env.state.cache.remove("42.tar.gz");
        let request = invoke("42.tar.gz", &format!(r#"{{"period": {period}}}"#));
        let a = send(env, request).await;
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        a.body
    }
    /// Whether the parsed form on disk is of the artifact now there.
    fn kept(env: &Env) -> bool {
        let bytes = std::fs::read(env.dir.path().join("models/42.tar.gz")).unwrap();
        let form = std::fs::read(env.dir.path().join("disk/42.tar.gz.parsed")).unwrap();
        let target = gridcast_endpoint::target_model::TargetModel::parse("42.tar.gz").unwrap();
        let file = env.state.artifacts.parsed_form(&target).unwrap();
        gridcast_model::read_parsed_form(&form, &bytes, file.key()).is_ok()
    }
    assert_eq!(answer(&env, 7).await, answer(&reference, 7).await);
    assert!(kept(&env));
    let first = std::fs::metadata(&parsed).unwrap().ino();
    assert_eq!(answer(&env, 8).await, answer(&reference, 8).await);
    assert_eq!(
        std::fs::metadata(&parsed).unwrap().ino(),
        first,
        "read, not rewritten"
    );

    let mut damaged = std::fs::read(&parsed).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x55;
    std::fs::write(&parsed, &damaged).unwrap();
    assert_eq!(answer(&env, 9).await, answer(&reference, 9).await);
    assert!(kept(&env), "rewritten");

    for e in [&env, &reference] {
        std::fs::copy(
            fixtures().join("daily_auto.tar.gz"),
            e.dir.path().join("models/42.tar.gz"),
        )
        .unwrap();
    }
    std::fs::remove_file(reference.dir.path().join("disk/42.tar.gz.parsed")).unwrap();
    let replaced = answer(&env, 7).await;
    assert_eq!(replaced, answer(&reference, 7).await);
    assert!(kept(&env), "rewritten for the new artifact");
}

/// `GET /ping` on `tcp`, kept alive: its status line, or `None` when the
/// server closed the connection instead of answering.
async fn ping_on(tcp: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let asked = tcp
        .write_all(b"GET /ping HTTP/1.1\r\nHost: gridcast.test\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&answer).into_owned();
        Some(head.lines().next().unwrap_or("").to_owned())
    };
    let answered = tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("answered or closed within 10 s");
    asked.ok().and(answered)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn one_address_cannot_take_every_connection_and_others_are_still_served() {
    use gridcast_endpoint::limits::ConnectionsPerAddress;
    use gridcast_endpoint::server::serve_until;
    use std::net::SocketAddr;
    use tokio::net::{TcpSocket, TcpStream};

    const PER_ADDRESS: usize = 3;
    let env = env_with(|c| {
        c.server.max_connections_per_address =
            ConnectionsPerAddress::AtMost(PER_ADDRESS.try_into().unwrap())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_at = listener.local_addr().unwrap();
    let server = tokio::spawn(serve_until(
        env.state.clone(),
        listener,
        std::future::pending(),
    ));
    // Every address in 127.0.0.0/8 is this host's on Linux.
    let connect_from = |client: &'static str| async move {
        let socket = TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::new(client.parse().unwrap(), 0))
            .unwrap();
        socket.connect(server_at).await.unwrap()
    };
    let ok = Some("HTTP/1.1 200 OK".to_owned());
    let mut held: Vec<TcpStream> = Vec::new();
    for _ in 0..PER_ADDRESS {
        let mut tcp = connect_from("127.0.0.1").await;
        assert_eq!(ping_on(&mut tcp).await, ok, "under the limit");
        held.push(tcp);
    }
    let mut over = connect_from("127.0.0.1").await;
    let closed = ping_on(&mut over).await;
    assert_eq!(closed, None, "one past the limit is closed");
    // Another address is served while 127.0.0.1 holds its limit, and the
    // connections held are still answered.
    let mut other = connect_from("127.0.0.2").await;
    assert_eq!(ping_on(&mut other).await, ok);
    for tcp in &mut held {
        assert_eq!(ping_on(tcp).await, ok);
    }
    let rendered = env.state.metrics.render();
    assert!(
        rendered.contains(r#"ConnectionsRefused{limit="max_connections_per_address"} 1"#)
            && rendered.contains(r#"ConnectionsRefused{limit="max_connections"} 0"#),
        "{rendered}"
    );
    // A connection closed gives its address a place back.
    held.pop();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut again = connect_from("127.0.0.1").await;
        if ping_on(&mut again).await == ok {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no place back within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.abort();
}
