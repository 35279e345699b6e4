//! `gridcast serve --models s3://...` against a real S3 API on loopback (moto):
//! lazy loads from the bucket, a local disk copy revalidated by ETag, retrained
//! artifacts picked up on the next load, and an unreachable store served from
//! disk where possible and answered with 503 otherwise. Moto records every
//! request it gets, so the test sees each GET and its `If-None-Match`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod common;

use common::{create_bucket, put_object, spawn_server, start_moto_recording};

const MODELS: &str = "s3://artifacts/models";
const READINGS: &str = "s3://artifacts/processed";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/prophet/models")
        .join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

struct Answer {
    status: u16,
    error_type: Option<String>,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A request signed with the admin's keys.
fn signed(url: &str, method: &str, path: &str, target: Option<&str>, body: &[u8]) -> Answer {
    let full = format!("{url}{path}");
    let host = url.trim_start_matches("http://");
    let mut headers = vec![("host", host)];
    if let Some(t) = target {
        headers.push(("x-amzn-sagemaker-target-model", t));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let creds = Credentials::new("AKIDADMIN", "admin-secret");
    let outgoing = OutgoingRequest {
        method,
        url: &full,
        headers: &headers,
        body,
    };
    let scope = Scope {
        region: "us-east-1",
        service: SAGEMAKER_SERVICE,
    };
    let signed = sign_request(&outgoing, &creds, scope, now).unwrap();
    let mut request = ureq::request(method, &full);
    if let Some(t) = target {
        request = request.set("x-amzn-sagemaker-target-model", t);
    }
    for (n, v) in &signed {
        request = request.set(n, v);
    }
    let response = match request.send_bytes(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = response.status();
    let error_type = response.header("x-amzn-ErrorType").map(str::to_owned);
    let etag = response.header("etag").map(str::to_owned);
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body).unwrap();
    Answer {
        status,
        error_type,
        etag,
        body,
    }
}

fn invoke(url: &str, target: &str) -> Answer {
    signed(
        url,
        "POST",
        "/endpoints/gridcast/invocations",
        Some(target),
        br#"{"period": 7}"#,
    )
}

/// The first row key of a seed answer: the model's number of training rows.
fn first_row(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.text());
    let json: Value = serde_json::from_slice(&answer.body).unwrap();
    json["yhat"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.parse::<u32>().unwrap())
        .min()
        .unwrap()
        .to_string()
}

/// The requests moto recorded, as JSON, from `from` on.
fn recorded(log: &Path, from: usize) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .skip(from)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The recorded GETs of `key` since `from`, each with its `If-None-Match`.
fn gets_of(log: &Path, from: usize, key: &str) -> Vec<Option<String>> {
    recorded(log, from)
        .iter()
        .filter(|r| r["method"] == "GET")
        .filter(|r| {
            r["url"]
                .as_str()
                .unwrap()
                .split('?')
                .next()
                .unwrap()
                .ends_with(&format!("/artifacts/models/{key}"))
        })
        .map(|r| {
            r["headers"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("if-none-match"))
                .map(|(_, v)| v.as_str().unwrap().to_owned())
        })
        .collect()
}

fn log_len(log: &Path) -> usize {
    recorded(log, 0).len()
}

/// The object's ETag in the bucket, read with gridcast-store (this
/// process's AWS environment was pointed at moto by `put_object`).
fn s3_etag(name: &str) -> String {
    let location = gridcast_store::Location::parse(MODELS).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(location.get(name))
        .unwrap()
        .etag
        .expect("S3 has ETags")
}

#[test]
fn serving_from_s3_with_a_revalidated_disk_copy() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("moto-requests.jsonl");
    let (moto, s3) = start_moto_recording(&log);
    create_bucket(&s3, "artifacts");
    put_object(
        &s3,
        MODELS,
        "42.tar.gz",
        fixture_bytes("seed_trend_only.tar.gz"),
    );
    put_object(&s3, MODELS, "7.tar.gz", fixture_bytes("daily_auto.tar.gz"));
    put_object(
        &s3,
        MODELS,
        "8.tar.gz",
        fixture_bytes("flat_monthly.tar.gz"),
    );
    let etag_v1 = s3_etag("42.tar.gz");
    // Customer 42's processed readings: a day the model was trained on and two after.
    put_object(
        &s3,
        READINGS,
        "42.csv",
        b"2022-12-24,1.0\n2022-12-25,2.5\n2022-12-26,3.5\n".to_vec(),
    );

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
                MODELS,
                "--max-models",
                "1",
                "--readings",
                READINGS,
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

    // First load: an unconditional GET; the disk copy is the object, byte for byte.
    let seen = log_len(&log);
    assert_eq!(
        first_row(&invoke(&url, "42.tar.gz")),
        "358",
        "seed_trend_only"
    );
    assert_eq!(gets_of(&log, seen, "42.tar.gz"), [None]);
    assert_eq!(
        std::fs::read(disk.join("42.tar.gz")).unwrap(),
        fixture_bytes("seed_trend_only.tar.gz"),
        "the disk copy"
    );
    assert_eq!(
        invoke(&url, "nope.tar.gz").error_type.as_deref(),
        Some("ValidationError")
    );

    // Readings from the bucket (--readings s3://): only the days after the
    // training end, beside the forecast for them; a customer without a file
    // is a 400 that says so.
    let readings = |target: &str| {
        let path = format!("/endpoints/gridcast/readings/{target}");
        signed(&url, "GET", &path, None, b"")
    };
    let after = readings("42.tar.gz");
    assert_eq!(after.status, 200, "{}", after.text());
    let after: Value = serde_json::from_slice(&after.body).unwrap();
    assert_eq!(after["y"], serde_json::json!({"358": 2.5, "359": 3.5}));
    assert_eq!(after["yhat"].as_object().unwrap().len(), 2);
    let none = readings("7.tar.gz");
    assert_eq!(
        (none.status, none.error_type.as_deref()),
        (400, Some("ValidationError")),
        "{}",
        none.text()
    );
    assert!(none.text().contains("no 7.csv"), "{}", none.text());

    // Unchanged in the bucket: once 42 leaves memory (--max-models 1), the
    // next load asks with the current ETag, S3 answers 304 and the disk copy
    // is served. To prove it is the disk copy, the test replaces it.
    assert_eq!(invoke(&url, "7.tar.gz").status, 200);
    std::fs::write(disk.join("42.tar.gz"), fixture_bytes("daily_auto.tar.gz")).unwrap();
    let seen = log_len(&log);
    assert_eq!(
        first_row(&invoke(&url, "42.tar.gz")),
        "700",
        "the disk copy (daily_auto) is served"
    );
    assert_eq!(
        gets_of(&log, seen, "42.tar.gz"),
        [Some(etag_v1.clone())],
        "one conditional GET"
    );

    // Retrained in the bucket: the next load sends the now stale ETag, gets
    // the new object and keeps it on disk.
    put_object(&s3, MODELS, "42.tar.gz", fixture_bytes("minmax_cps.tar.gz"));
    let etag_v2 = s3_etag("42.tar.gz");
    assert_ne!(etag_v1, etag_v2);
    assert_eq!(invoke(&url, "7.tar.gz").status, 200);
    let seen = log_len(&log);
    assert_eq!(
        first_row(&invoke(&url, "42.tar.gz")),
        "579",
        "the retrained artifact (minmax_cps) is served"
    );
    assert_eq!(gets_of(&log, seen, "42.tar.gz"), [Some(etag_v1)], "stale");
    assert_eq!(
        std::fs::read(disk.join("42.tar.gz")).unwrap(),
        fixture_bytes("minmax_cps.tar.gz")
    );

    // The artifact download gives the object's bytes, its ETag their SHA-256.
    let download = signed(
        &url,
        "GET",
        "/endpoints/gridcast/models/42.tar.gz",
        None,
        b"",
    );
    assert_eq!(download.status, 200);
    assert_eq!(download.body, fixture_bytes("minmax_cps.tar.gz"));
    let sha = hex::encode(Sha256::digest(fixture_bytes("minmax_cps.tar.gz")));
    assert_eq!(download.etag, Some(format!("\"{sha}\"")));

    // The store goes away: a model with a disk copy still loads, one without gets 503.
    drop(moto);
    assert_eq!(
        invoke(&url, "7.tar.gz").status,
        200,
        "served from the disk copy"
    );
    let missing = invoke(&url, "8.tar.gz");
    assert_eq!(
        (missing.status, missing.error_type.as_deref()),
        (503, Some("ServiceUnavailable")),
        "{}",
        missing.text()
    );
}
