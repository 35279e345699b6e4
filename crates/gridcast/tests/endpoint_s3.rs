//! `gridcast serve --models s3://...` against a real S3 API on loopback (moto):
//! lazy loads from the bucket, a local disk copy revalidated by ETag, retrained
//! artifacts picked up on the next load, and an unreachable store served from
//! disk where possible and answered with 503 otherwise.

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};

mod common;

use common::{create_bucket, put_object, spawn_server, start_moto};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/prophet/models")
        .join(name)
}

fn invoke(url: &str, target: &str) -> (u16, Option<String>, String) {
    let full = format!("{url}/endpoints/gridcast/invocations");
    let host = url.trim_start_matches("http://");
    let body = br#"{"period": 7}"#;
    let headers = [("host", host), ("x-amzn-sagemaker-target-model", target)];
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let creds = Credentials::new("AKIDADMIN", "admin-secret");
    let outgoing = OutgoingRequest {
        method: "POST",
        url: &full,
        headers: &headers,
        body,
    };
    let signed = sign_request(
        &outgoing,
        &creds,
        Scope {
            region: "us-east-1",
            service: SAGEMAKER_SERVICE,
        },
        now,
    )
    .unwrap();
    let mut request = ureq::post(&full).set("x-amzn-sagemaker-target-model", target);
    for (n, v) in &signed {
        request = request.set(n, v);
    }
    let response = match request.send_bytes(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let kind = response.header("x-amzn-ErrorType").map(str::to_owned);
    (response.status(), kind, response.into_string().unwrap())
}

#[test]
fn serving_from_s3_with_a_revalidated_disk_copy() {
    let (moto, s3) = start_moto();
    create_bucket(&s3, "artifacts");
    put_object(
        &s3,
        "s3://artifacts/models",
        "42.tar.gz",
        std::fs::read(fixture("seed_trend_only.tar.gz")).unwrap(),
    );
    put_object(
        &s3,
        "s3://artifacts/models",
        "7.tar.gz",
        std::fs::read(fixture("daily_auto.tar.gz")).unwrap(),
    );
    put_object(
        &s3,
        "s3://artifacts/models",
        "8.tar.gz",
        std::fs::read(fixture("flat_monthly.tar.gz")).unwrap(),
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("auth.json"),
        r#"{"principals": [{"access_key_id": "AKIDADMIN", "secret_access_key": "admin-secret", "target_models": ["*"]}]}"#,
    )
    .unwrap();
    let disk = dir.path().join("disk");
    let (_server, url) = spawn_server(
        Command::new(env!("CARGO_BIN_EXE_gridcast"))
            .args([
                "serve",
                "--port",
                "0",
                "--models",
                "s3://artifacts/models",
                "--max-models",
                "1",
            ])
            .arg("--auth")
            .arg(dir.path().join("auth.json"))
            .arg("--disk-cache")
            .arg(&disk)
            .env("AWS_ENDPOINT_URL", &s3)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1"),
    );

    let (status, _, first) = invoke(&url, "42.tar.gz");
    assert_eq!(status, 200, "{first}");
    assert!(
        first.contains("\"358\""),
        "358 training rows in seed_trend_only"
    );
    assert!(disk.join("42.tar.gz").is_file(), "a disk copy is kept");
    assert_eq!(
        invoke(&url, "nope.tar.gz").1.as_deref(),
        Some("ValidationError")
    );

    // Retrain 42 in the bucket; once evicted from memory, the next load sees the new ETag.
    put_object(
        &s3,
        "s3://artifacts/models",
        "42.tar.gz",
        std::fs::read(fixture("minmax_cps.tar.gz")).unwrap(),
    );
    assert_eq!(invoke(&url, "7.tar.gz").0, 200); // --max-models 1: 42 leaves memory
    let (status, _, second) = invoke(&url, "42.tar.gz");
    assert_eq!(status, 200);
    assert_ne!(first, second, "the retrained artifact is served");

    // The store goes away: a model with a disk copy still loads, one without gets 503.
    drop(moto);
    let (status, _, _) = invoke(&url, "7.tar.gz");
    assert_eq!(status, 200, "served from the disk copy");
    let (status, kind, body) = invoke(&url, "8.tar.gz");
    assert_eq!(
        (status, kind.as_deref()),
        (503, Some("ServiceUnavailable")),
        "{body}"
    );
}
