//! The inputs both the native and the browser tests use, and the golden
//! answers (written by the native build, checked by both).

use gridcast_client::request::Target;
use gridcast_client::{EndpointSettings, ForecastTable, Session};

/// A fixed sign-in session, endpoint and clock.
pub fn signing_inputs() -> (Target, Session, i64) {
    let session = Session::from_login_reply(
        br#"{"AccessKeyId":"ASIAGOLDENEXAMPLE","SecretAccessKey":"golden/secret+key","SessionToken":"golden-token",
        "Expiration":"2030-01-01T00:00:00Z","CustomerId":"42","TargetModel":"42.tar.gz",
        "EndpointName":"gridcast","Region":"eu-west-1"}"#,
    )
    .unwrap();
    let settings = EndpointSettings::for_url("https://forecast.example.com");
    let target = Target::new(&settings, &session).unwrap();
    (target, session, 1_790_000_000)
}

/// The Python-written fixture the forecast tests use.
pub const ARTIFACT: &[u8] =
    include_bytes!("../../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");
/// Forecast rows and RNG seed of the golden forecast.
pub const PERIODS: u32 = 14;
/// RNG seed of the uncertainty band.
pub const SEED: u64 = 7;

/// The golden signed requests (headers of an invocation and a download).
pub const SIGNED: &str = include_str!("../data/signed-requests.json");
/// The golden forecast.
pub const FORECAST: &str = include_str!("../data/forecast-seed_trend_only-14-seed7.json");

/// A forecast table as JSON (full precision).
pub fn table_json(t: &ForecastTable) -> serde_json::Value {
    serde_json::json!({ "ds": t.ds, "yhat": t.yhat, "yhat_lower": t.lower, "yhat_upper": t.upper })
}

/// Asserts two tables agree to `tolerance` (libm differs by an ulp or so
/// between targets, so not bit for bit).
pub fn assert_tables_agree(a: &serde_json::Value, b: &serde_json::Value, tolerance: f64) {
    assert_eq!(a["ds"], b["ds"]);
    for col in ["yhat", "yhat_lower", "yhat_upper"] {
        let (x, y) = (a[col].as_array().unwrap(), b[col].as_array().unwrap());
        assert_eq!(x.len(), y.len());
        for (x, y) in x.iter().zip(y) {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= tolerance, "{col}: {x} vs {y}");
        }
    }
}

/// The golden invocation and download, signed, as JSON: the signing inputs
/// (keys, region, Unix time) and each request's method, URL, body and
/// headers, everything another SigV4 implementation needs to check them
/// (`tests/client_golden.py` does, with botocore).
pub fn signed_json() -> serde_json::Value {
    use gridcast_client::request::{download_artifact, invoke, PreparedRequest};
    let (target, session, now) = signing_inputs();
    let body = gridcast_client::ForecastRequest::period(gridcast_client::Period::rows(PERIODS).unwrap());
    let inv = invoke(&target, &session, &body, now).unwrap();
    let dl = download_artifact(&target, &session, Some("\"etag-1\""), now).unwrap();
    let request = |r: &PreparedRequest| {
        serde_json::json!({
            "method": r.method,
            "url": r.url,
            "body": String::from_utf8(r.body.clone()).unwrap(),
            "headers": r.headers,
        })
    };
    serde_json::json!({
        "signing": {
            "access_key_id": session.access_key_id,
            "secret_access_key": session.secret_access_key,
            "session_token": session.session_token,
            "region": target.settings.region,
            "service": gridcast_signing::SAGEMAKER_SERVICE,
            "time": now,
        },
        "invocation": request(&inv),
        "download": request(&dl),
    })
}
