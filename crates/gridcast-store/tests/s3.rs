//! A real S3 API on loopback: moto's server (PyPI `moto[server]`, installed by
//! `make deps-python`; set GRIDCAST_MOTO_SERVER to use another one).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gridcast_store::{Location, StoreError};
use object_store::{BackoffConfig, RetryConfig};

fn moto_server() -> String {
    std::env::var("GRIDCAST_MOTO_SERVER").unwrap_or_else(|_| {
        format!(
            "{}/.cache/gridcast/prophet-venv/bin/moto_server",
            std::env::var("HOME").unwrap()
        )
    })
}

struct Moto(Child, u16);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(moto_server())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); run `make deps-python`",
                moto_server()
            )
        });
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Moto(child, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto did not start");
}

fn quick_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(200),
            base: 2.0,
        },
        max_retries: 2,
        retry_timeout: Duration::from_secs(3),
    }
}

#[tokio::test]
async fn s3_locations_against_a_loopback_s3() {
    let moto = start_moto();
    let endpoint = format!("http://127.0.0.1:{}", moto.1);
    // One S3 test per process: the AWS environment is read when a location is made.
    std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
    std::env::set_var("AWS_ALLOW_HTTP", "true");
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_REGION", "us-east-1");
    let status = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            &format!("{endpoint}/models"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "200",
        "creating the bucket"
    );

    let loc = Location::parse_with_retry("s3://models/gridcast/v1", quick_retry()).unwrap();
    assert_eq!(loc.to_string(), "s3://models/gridcast/v1");
    assert!(!loc.exists("42.tar.gz").await.unwrap());
    assert!(matches!(
        loc.get("42.tar.gz").await,
        Err(StoreError::NotFound(_))
    ));
    loc.put("42.tar.gz", Bytes::from_static(b"artifact 42"))
        .await
        .unwrap();
    loc.put("7.tar.gz", Bytes::from_static(b"artifact 7"))
        .await
        .unwrap();
    loc.put("company_a/1.tar.gz", Bytes::from_static(b"a1"))
        .await
        .unwrap();
    loc.put("report.json", Bytes::from_static(b"{}"))
        .await
        .unwrap();
    assert!(loc.exists("42.tar.gz").await.unwrap());
    let got = loc.get("42.tar.gz").await.unwrap();
    assert_eq!(&got.bytes[..], b"artifact 42");
    let etag = got.etag.clone().expect("S3 has ETags");
    assert!(
        loc.get_if_changed("42.tar.gz", Some(&etag))
            .await
            .unwrap()
            .is_none(),
        "not modified"
    );
    loc.put("42.tar.gz", Bytes::from_static(b"artifact 42, retrained"))
        .await
        .unwrap();
    let changed = loc
        .get_if_changed("42.tar.gz", Some(&etag))
        .await
        .unwrap()
        .expect("modified");
    assert_eq!(&changed.bytes[..], b"artifact 42, retrained");
    assert_eq!(
        loc.list(".tar.gz").await.unwrap(),
        ["42.tar.gz", "7.tar.gz"]
    );
    let company = loc.child("company_a");
    assert_eq!(company.to_string(), "s3://models/gridcast/v1/company_a");
    assert_eq!(company.list(".tar.gz").await.unwrap(), ["1.tar.gz"]);
    company.delete("1.tar.gz").await.unwrap();
    company.delete("1.tar.gz").await.unwrap();
    assert!(!loc.exists("company_a/1.tar.gz").await.unwrap());
    loc.put("company_a/1.tar.gz", Bytes::from_static(b"a1"))
        .await
        .unwrap();
    assert_eq!(
        loc.list_all().await.unwrap(),
        ["42.tar.gz", "7.tar.gz", "company_a/1.tar.gz", "report.json"]
    );

    // The store goes away: a clear error naming the object.
    drop(moto);
    let err = loc.get("7.tar.gz").await.unwrap_err();
    assert!(matches!(err, StoreError::Store { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("s3://models/gridcast/v1/7.tar.gz: "),
        "{err}"
    );
    assert!(loc.put("8.tar.gz", Bytes::from_static(b"x")).await.is_err());

    // A store that fails every request is asked 1 + max_retries times.
    let failing = FailingS3::start();
    std::env::set_var("AWS_ENDPOINT_URL", &failing.url);
    let retry = quick_retry();
    let loc = Location::parse_with_retry("s3://models/gridcast/v1", retry.clone()).unwrap();
    let err = loc.get("7.tar.gz").await.unwrap_err();
    assert!(matches!(err, StoreError::Store { .. }), "{err}");
    assert_eq!(
        failing.requests(),
        1 + retry.max_retries,
        "requests for one GET: {err}"
    );
}

/// An S3 endpoint that answers every request with 503 Service Unavailable
/// (which clients retry) and counts the requests.
struct FailingS3 {
    url: String,
    count: Arc<AtomicUsize>,
}

impl FailingS3 {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                // The request line and headers (a GET has no body).
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = reader.get_mut().write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Self { url, count }
    }

    fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}
