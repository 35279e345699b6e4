//! `gridcast serve --models s3://...` against a real S3 API on loopback (moto):
//! lazy loads from the bucket, a local disk copy revalidated by ETag, retrained
//! artifacts picked up on the next load, and an unreachable store served from
//! disk where possible and answered with 503 otherwise.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/prophet/models")
        .join(name)
}

fn start_moto() -> (Killed, String) {
    let bin = std::env::var("GRIDCAST_MOTO_SERVER").unwrap_or_else(|_| {
        format!(
            "{}/.cache/gridcast/prophet-venv/bin/moto_server",
            std::env::var("HOME").unwrap()
        )
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin} ({e}); run `make deps-python`"));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (Killed(child), format!("http://127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto did not start");
}

/// Uploads through gridcast-store (moto wants signed requests).
fn put_object(s3: &str, name: &str, bytes: Vec<u8>) {
    std::env::set_var("AWS_ENDPOINT_URL", s3);
    for (k, v) in [
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ] {
        std::env::set_var(k, v);
    }
    let location = gridcast_store::Location::parse("s3://artifacts/models").unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(location.put(name, bytes.into())).unwrap();
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
    assert_eq!(
        ureq::put(&format!("{s3}/artifacts"))
            .call()
            .unwrap()
            .status(),
        200,
        "create the bucket"
    );
    put_object(
        &s3,
        "42.tar.gz",
        std::fs::read(fixture("seed_trend_only.tar.gz")).unwrap(),
    );
    put_object(
        &s3,
        "7.tar.gz",
        std::fs::read(fixture("daily_auto.tar.gz")).unwrap(),
    );
    put_object(
        &s3,
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridcast"))
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
        .env("AWS_REGION", "us-east-1")
        .env("GRIDCAST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _server = Killed(child);
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();

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
