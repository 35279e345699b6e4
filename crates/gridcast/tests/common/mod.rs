//! A loopback S3 API for tests: moto's server (PyPI `moto[server]`, installed
//! by `make deps-python`; GRIDCAST_MOTO_SERVER points at another binary).

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Starts `cmd` (a `gridcast serve --port 0 ...`), quiet, and returns it
/// with the URL it prints on its first line of standard output.
pub fn spawn_server(cmd: &mut Command) -> (Killed, String) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .env("GRIDCAST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "no listening line: {line:?}"
    );
    (Killed(child), url)
}

/// Adds each customer to the users file with `password`, through `gridcast users add`.
pub fn add_users(gridcast: &str, users: &std::path::Path, customers: &[&str], password: &str) {
    use std::io::Write;
    for customer in customers {
        let mut add = Command::new(gridcast)
            .args([
                "users",
                "add",
                "--users",
                users.to_str().unwrap(),
                "--customer",
                customer,
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let line = format!("{password}\n");
        add.stdin
            .take()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        assert!(add.wait().unwrap().success(), "users add {customer}");
    }
}

/// A child process killed on drop.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts moto on a free port; returns it and its URL.
pub fn start_moto() -> (Killed, String) {
    start_moto_with(&[])
}

/// Starts moto recording every request (method, URL, headers) it receives,
/// one JSON object a line, in `log`.
pub fn start_moto_recording(log: &std::path::Path) -> (Killed, String) {
    start_moto_with(&[
        ("MOTO_ENABLE_RECORDING", "true".into()),
        ("MOTO_RECORDER_FILEPATH", log.display().to_string()),
    ])
}

fn start_moto_with(env: &[(&str, String)]) -> (Killed, String) {
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
        .envs(env.iter().map(|(k, v)| (k, v)))
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

/// The AWS environment pointing at `endpoint`.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

/// Creates a bucket (moto accepts an unsigned CreateBucket).
pub fn create_bucket(endpoint: &str, bucket: &str) {
    assert_eq!(
        ureq::put(&format!("{endpoint}/{bucket}"))
            .call()
            .unwrap()
            .status(),
        200,
        "creating {bucket}"
    );
}

/// Uploads an object through gridcast-store (moto wants signed PUTs);
/// sets this process's AWS environment to `endpoint`.
pub fn put_object(endpoint: &str, location: &str, name: &str, bytes: Vec<u8>) {
    let (location, runtime) = s3_location(endpoint, location);
    runtime.block_on(location.put(name, bytes.into())).unwrap();
}

/// `location` through gridcast-store, with this process's AWS environment
/// set to `endpoint`, and a runtime to drive it.
fn s3_location(
    endpoint: &str,
    location: &str,
) -> (gridcast_store::Location, tokio::runtime::Runtime) {
    for (k, v) in aws_env(endpoint) {
        std::env::set_var(k, v);
    }
    let location = gridcast_store::Location::parse(location).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (location, runtime)
}

/// Names under an S3 location.
pub fn list(endpoint: &str, location: &str) -> Vec<String> {
    let (location, runtime) = s3_location(endpoint, location);
    runtime.block_on(location.list_all()).unwrap()
}
