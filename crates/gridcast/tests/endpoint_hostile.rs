//! `gridcast serve` under hostile load, on 127.0.0.1, each attack bounded in
//! count and time: concurrent sign-in guesses, artifacts built to kill the
//! process, a customer trying to take every worker, unauthenticated body
//! floods, clients that send their headers byte by byte. Memory is read from
//! `/proc/<pid>/status` (VmRSS now, VmHWM the peak).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gridcast_model::{read_artifact, write_artifact, Artifact};
use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};
use serde_json::{json, Value};

const AUTH: &str = r#"{"principals": [
  {"access_key_id": "AKIDA", "secret_access_key": "a-secret", "target_models": ["*"]},
  {"access_key_id": "AKIDB", "secret_access_key": "b-secret", "target_models": ["*"]}]}"#;

struct Server {
    child: common::Killed,
    url: String,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        for (fixture, name) in [
            ("seed_trend_only", "42.tar.gz"),
            ("daily_auto", "7.tar.gz"),
            ("hourly_mult", "1.tar.gz"),
        ] {
            std::fs::copy(
                fixtures().join(format!("{fixture}.tar.gz")),
                models.join(name),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("auth.json"), AUTH).unwrap();
        let mut args: Vec<String> = vec!["serve".into(), "--port".into(), "0".into()];
        args.extend(["--models".into(), models.display().to_string()]);
        args.extend([
            "--auth".into(),
            dir.path().join("auth.json").display().to_string(),
        ]);
        args.extend(
            extra
                .iter()
                .map(|s| s.replace("{dir}", &dir.path().display().to_string())),
        );
        let (child, url) =
            common::spawn_server(Command::new(env!("CARGO_BIN_EXE_gridcast")).args(&args));
        Server { child, url, dir }
    }

    fn models(&self) -> PathBuf {
        self.dir.path().join("models")
    }

    fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// `(VmRSS, VmHWM)` in MiB.
    fn memory(&self) -> (f64, f64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.0.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
                .unwrap()
                / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.0.id()))
            .unwrap()
            .count()
    }

    fn alive(&mut self) -> bool {
        self.child.0.try_wait().unwrap().is_none()
    }
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet/models")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn key(name: &str) -> Credentials {
    match name {
        "A" => Credentials::new("AKIDA", "a-secret"),
        _ => Credentials::new("AKIDB", "b-secret"),
    }
}

/// `(status, x-amzn-ErrorType, body)` of a signed InvokeEndpoint.
fn invoke(
    server: &Server,
    creds: &Credentials,
    target: &str,
    period: usize,
) -> (u16, String, String) {
    let url = format!("{}/endpoints/gridcast/invocations", server.url);
    let body = format!(r#"{{"period": {period}}}"#);
    let headers = [
        ("host", server.address()),
        ("content-type", "application/json"),
        ("x-amzn-sagemaker-target-model", target),
    ];
    let outgoing = OutgoingRequest {
        method: "POST",
        url: &url,
        headers: &headers,
        body: body.as_bytes(),
    };
    let scope = Scope {
        region: "us-east-1",
        service: SAGEMAKER_SERVICE,
    };
    let mut request = ureq::post(&url).timeout(Duration::from_secs(60));
    for (n, v) in headers[1..]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .chain(sign_request(&outgoing, creds, scope, now()).unwrap())
    {
        request = request.set(&n, &v);
    }
    reply(request.send_string(&body))
}

fn reply(result: Result<ureq::Response, ureq::Error>) -> (u16, String, String) {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let kind = response.header("x-amzn-errortype").unwrap_or("").to_owned();
    (
        response.status(),
        kind,
        response.into_string().unwrap_or_default(),
    )
}

fn ping(server: &Server) -> u16 {
    reply(ureq::get(&format!("{}/ping", server.url)).call()).0
}

/// The process lives, answers `/ping` and still forecasts a healthy model.
fn still_serving(server: &mut Server) {
    assert!(server.alive(), "the server process ended");
    assert_eq!(ping(server), 200);
    let (status, _, body) = invoke(server, &key("A"), "42.tar.gz", 7);
    assert_eq!(status, 200, "{body}");
}

fn model_json(fixture: &str) -> Value {
    let bytes = std::fs::read(fixtures().join(format!("{fixture}.tar.gz"))).unwrap();
    serde_json::from_slice(
        &read_artifact(&bytes, &Default::default())
            .unwrap()
            .model_json,
    )
    .unwrap()
}

fn artifact_of(json: Vec<u8>) -> Vec<u8> {
    write_artifact(&Artifact {
        model_json: json,
        code: vec![],
    })
}

fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc = model_json("seed_trend_only");
    edit(&mut doc);
    artifact_of(doc.to_string().into_bytes())
}

#[test]
fn hostile_artifacts_fail_alone_and_the_process_lives() {
    let mut server = Server::start(&[]);
    let models = server.models();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(models.join(name), bytes).unwrap();
    let expect = |name: &str, status: u16, kind: &str, text: &str| {
        (name.to_owned(), status, kind.to_owned(), text.to_owned())
    };
    let mut cases = Vec::new();
    // 4294967295 samples aborted the process (240 GB); 4294967296 became 0.
    write(
        "s1.tar.gz",
        edited(|d| d["uncertainty_samples"] = json!(4_294_967_295u64)),
    );
    cases.push(expect(
        "s1.tar.gz",
        424,
        "ModelError",
        "uncertainty_samples",
    ));
    write(
        "s2.tar.gz",
        edited(|d| d["uncertainty_samples"] = json!(4_294_967_296u64)),
    );
    cases.push(expect("s2.tar.gz", 424, "ModelError", "4294967296"));
    write(
        "s3.tar.gz",
        edited(|d| d["uncertainty_samples"] = json!(2_000_000)),
    );
    cases.push(expect(
        "s3.tar.gz",
        424,
        "ModelError",
        "uncertainty_samples",
    ));
    for (i, w) in [3.0, -5.0].into_iter().enumerate() {
        write(
            &format!("w{i}.tar.gz"),
            edited(|d| d["interval_width"] = json!(w)),
        );
        cases.push(expect(
            &format!("w{i}.tar.gz"),
            424,
            "ModelError",
            "interval_width",
        ));
    }
    write(
        "cp.tar.gz",
        edited(|d| d["n_changepoints"] = json!(100_000_000)),
    );
    cases.push(expect("cp.tar.gz", 424, "ModelError", "n_changepoints"));
    // A gzip stream cut before its trailer (CRC-32 and length).
    let whole = std::fs::read(models.join("42.tar.gz")).unwrap();
    write("cut.tar.gz", whole[..whole.len() - 8].to_vec());
    cases.push(expect("cut.tar.gz", 424, "ModelError", "cannot load"));
    // A directory named like an artifact is no artifact.
    std::fs::create_dir_all(models.join("x.tar.gz")).unwrap();
    cases.push(expect(
        "x.tar.gz",
        400,
        "ValidationError",
        "no such artifact",
    ));
    // A 1 GiB file (sparse: no disk needed) is refused before it is read.
    let big = std::fs::File::create(models.join("gib.tar.gz")).unwrap();
    big.set_len(1 << 30).unwrap();
    cases.push(expect("gib.tar.gz", 424, "ModelError", "1073741824 bytes"));
    // 59 MB of model.json in a 200 KB artifact: over the 16 MiB decompressed limit.
    let mut bomb = b"{\"history\": \"".to_vec();
    bomb.resize(59_000_000, b'x');
    write("bomb.tar.gz", artifact_of(bomb));
    cases.push(expect(
        "bomb.tar.gz",
        424,
        "ModelError",
        "model.json exceeds 16777216 bytes",
    ));
    // The limits at their defaults and one past: a model.json of exactly
    // 16 MiB (the seed model padded with spaces) loads, one byte more does
    // not; an artifact file of exactly 32 MiB (the seed artifact, then zeros
    // after its gzip member) loads, one byte more is refused unread.
    let padded = |len: usize| {
        let mut json = model_json("seed_trend_only").to_string().into_bytes();
        json.resize(len, b' ');
        artifact_of(json)
    };
    write("json-at.tar.gz", padded(16 << 20));
    cases.push(expect("json-at.tar.gz", 200, "", "yhat"));
    write("json-past.tar.gz", padded((16 << 20) + 1));
    cases.push(expect(
        "json-past.tar.gz",
        424,
        "ModelError",
        "model.json exceeds",
    ));
    let mut file_at = whole.clone();
    file_at.resize(32 << 20, 0);
    write("file-at.tar.gz", file_at.clone());
    cases.push(expect("file-at.tar.gz", 200, "", "yhat"));
    file_at.push(0);
    write("file-past.tar.gz", file_at);
    cases.push(expect(
        "file-past.tar.gz",
        424,
        "ModelError",
        "33554433 bytes",
    ));

    for (name, status, kind, text) in cases {
        let (got, got_kind, body) = invoke(&server, &key("A"), &name, 7);
        assert_eq!(
            (got, got_kind.as_str()),
            (status, kind.as_str()),
            "{name}: {body}"
        );
        assert!(body.contains(&text), "{name}: {body} lacks {text:?}");
        still_serving(&mut server);
    }
    let (rss, peak) = server.memory();
    eprintln!("after every hostile artifact: VmRSS {rss:.0} MiB, VmHWM {peak:.0} MiB");
    assert!(peak < 400.0, "peak {peak:.0} MiB");
}

#[test]
fn concurrent_sign_in_guesses_cannot_slip_under_the_lockout() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    common::add_users(
        env!("CARGO_BIN_EXE_gridcast"),
        &users,
        &["42", "7"],
        "the right password",
    );
    let server = Server::start(&["--users", users.to_str().unwrap()]);
    let (start_rss, _) = server.memory();
    let guesses = |customer: &str, passwords: Vec<String>| -> Vec<u16> {
        let barrier = Arc::new(Barrier::new(passwords.len()));
        let threads: Vec<_> = passwords
            .into_iter()
            .map(|password| {
                let (url, barrier, customer) =
                    (server.url.clone(), barrier.clone(), customer.to_owned());
                std::thread::spawn(move || {
                    barrier.wait();
                    let body = json!({"customer_id": customer, "password": password}).to_string();
                    reply(
                        ureq::post(&format!("{url}/auth/login"))
                            .set("content-type", "application/json")
                            .send_string(&body),
                    )
                    .0
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    };
    let count = |statuses: &[u16], s: u16| statuses.iter().filter(|x| **x == s).count();
    // 40 wrong passwords at once: five are checked, the rest refused unchecked.
    let wrong = guesses("42", (0..40).map(|i| format!("guess {i}")).collect());
    assert_eq!(count(&wrong, 403), 5, "{wrong:?}");
    assert_eq!(count(&wrong, 429), 35, "{wrong:?}");
    // An id at 4 failures, then 60 guesses at once with the right one among
    // them: one more is checked, whichever it is.
    let four = guesses("7", (0..4).map(|i| format!("guess {i}")).collect());
    assert_eq!(count(&four, 403), 4);
    let mut last = (0..59).map(|i| format!("guess {i}")).collect::<Vec<_>>();
    last.insert(30, "the right password".into());
    let last = guesses("7", last);
    assert_eq!(count(&last, 403) + count(&last, 200), 1, "{last:?}");
    assert_eq!(count(&last, 429), 59, "{last:?}");
    let (rss, peak) = server.memory();
    eprintln!("sign-in bursts: VmRSS {start_rss:.0} → {rss:.0} MiB, peak {peak:.0} MiB");
    // Two argon2id checks at most at once (19 MiB each), not a hundred.
    assert!(
        peak < start_rss + 100.0,
        "peak {peak:.0} MiB from {start_rss:.0}"
    );
}

#[test]
fn one_caller_cannot_take_every_worker_and_ping_stays_fast() {
    let server = Arc::new(Server::start(&["--forecast-workers", "2"]));
    // Warm: the model loaded, so what follows is forecasting.
    assert_eq!(invoke(&server, &key("A"), "1.tar.gz", 1).0, 200);
    let started = Instant::now();
    // Caller A: eight long forecasts at once (distinct horizons: no kept answer).
    let greedy: Vec<_> = (0..8)
        .map(|i| {
            let server = server.clone();
            std::thread::spawn(move || {
                let r = invoke(&server, &key("A"), "1.tar.gz", 3650 - i);
                (r.0, r.1, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // Caller B meanwhile: one forecast, and pings.
    let other = {
        let server = server.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            let status = invoke(&server, &key("B"), "1.tar.gz", 3000).0;
            (status, started.elapsed(), t.elapsed())
        })
    };
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut worst = Duration::ZERO;
    let mut pings = 0;
    while !greedy.iter().all(|t| t.is_finished()) && started.elapsed() < Duration::from_secs(40) {
        let t = Instant::now();
        stream
            .write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        worst = worst.max(t.elapsed());
        pings += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    let results: Vec<_> = greedy.into_iter().map(|t| t.join().unwrap()).collect();
    let (b_status, b_done, b_took) = other.join().unwrap();
    let a_done = results.iter().map(|r| r.2).max().unwrap();
    let throttled = results.iter().filter(|r| r.0 == 429).count();
    eprintln!(
        "{pings} pings, worst {worst:?}; A: {:?}; B done at {b_done:?} (took {b_took:?}), A's last at {a_done:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert!(pings >= 5, "the forecasts ran while pinging");
    assert!(worst < Duration::from_millis(250), "a ping took {worst:?}");
    // A holds one worker and queues four; the rest are told to slow down.
    assert_eq!(throttled, 3, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.0 == 200 || (r.0, r.1.as_str()) == (429, "ThrottlingException")));
    // B found the other worker: done long before A's queue was.
    assert_eq!(b_status, 200);
    assert!(b_done < a_done, "B waited for all of A");
}

/// Opens `n` connections that each send `head` and then `body_bytes` of body
/// (stopping at the first write the server refuses), at once; returns the
/// first status line of each answer.
fn flood(server: &Server, n: usize, head: &str, body_bytes: usize) -> Vec<String> {
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (address, head, barrier) = (
                server.address().to_owned(),
                head.to_owned(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                let mut tcp = TcpStream::connect(&address).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                tcp.set_write_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                barrier.wait();
                tcp.write_all(head.as_bytes()).unwrap();
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < body_bytes {
                    let len = chunk.len().min(body_bytes - sent);
                    if tcp.write_all(&chunk[..len]).is_err() {
                        break;
                    }
                    sent += len;
                }
                let mut answer = Vec::new();
                let _ = tcp.read_to_end(&mut answer);
                String::from_utf8_lossy(&answer)
                    .lines()
                    .next()
                    .unwrap_or("closed")
                    .to_owned()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn unauthenticated_body_floods_hold_memory_and_it_returns_after() {
    let server = Server::start(&[]);
    assert_eq!(invoke(&server, &key("A"), "42.tar.gz", 7).0, 200);
    let (start, _) = server.memory();
    let len = 6 * 1024 * 1024 - 1;
    // 50 connections with no signature, each sending just under 6 MiB.
    let head = format!(
        "POST /endpoints/gridcast/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    let answers = flood(&server, 50, &head, len);
    assert!(
        answers
            .iter()
            .all(|a| a.starts_with("HTTP/1.1 403") || a == "closed"),
        "{answers:?}"
    );
    let (after_unsigned, peak_unsigned) = server.memory();
    // 50 more naming a real key (its signature is checked after the body):
    // the budget of unauthenticated bytes (64 MiB) lets ten in, the rest 503.
    let claim = format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDA/20250101/us-east-1/sagemaker/aws4_request, SignedHeaders=host;x-amz-date, Signature={}\r\n",
        "0".repeat(64)
    );
    let head = head.replace("Host: x\r\n", &format!("Host: x\r\n{claim}"));
    let answers = flood(&server, 50, &head, len);
    let refused = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 503"))
        .count();
    let forbidden = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 403"))
        .count();
    assert!(refused > 0 && refused + forbidden == 50, "{answers:?}");
    let (_, peak) = server.memory();
    // A burst of forecasts too, then let the allocator settle.
    for period in 1..=30 {
        assert_eq!(invoke(&server, &key("A"), "7.tar.gz", period).0, 200);
    }
    std::thread::sleep(Duration::from_millis(500));
    let (end, _) = server.memory();
    eprintln!(
        "VmRSS {start:.0} MiB; after 50 unsigned 6 MiB bodies {after_unsigned:.0} (peak {peak_unsigned:.0}); \
         peak with 50 claimed {peak:.0}; after the bursts {end:.0}"
    );
    assert!(
        peak_unsigned < start + 20.0,
        "unsigned bodies were buffered: {peak_unsigned:.0} MiB"
    );
    assert!(
        peak < start + 64.0 + 40.0,
        "peak {peak:.0} MiB from {start:.0}"
    );
    assert!(
        end < start + 30.0,
        "memory after the bursts: {end:.0} MiB from {start:.0}"
    );
}

#[test]
fn slow_header_connections_are_closed_and_connections_are_capped() {
    let server = Server::start(&["--header-timeout", "1", "--max-connections", "40"]);
    let files = server.open_files();
    // 30 clients sending their headers a byte at a time, slower than allowed.
    let slow: Vec<_> = (0..30)
        .map(|_| {
            let address = server.address().to_owned();
            std::thread::spawn(move || {
                let mut tcp = TcpStream::connect(&address).unwrap();
                let started = Instant::now();
                for byte in b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890" {
                    if tcp.write_all(&[*byte]).is_err()
                        || started.elapsed() > Duration::from_secs(10)
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut buf = [0u8; 256];
                let closed = matches!(tcp.read(&mut buf), Ok(0) | Err(_));
                (closed, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.open_files() >= files + 30);
    // Past the connection limit (30 slow + 10 = 40): accepted and closed at
    // once, long before any header timeout.
    let extra: Vec<_> = (0..15)
        .map(|_| {
            let mut tcp = TcpStream::connect(server.address()).unwrap();
            std::thread::spawn(move || {
                tcp.set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                let mut buf = [0u8; 16];
                matches!(tcp.read(&mut buf), Ok(0))
            })
        })
        .collect();
    let closed_at_once = extra
        .into_iter()
        .filter_map(|t| t.join().unwrap().then_some(()))
        .count();
    assert_eq!(closed_at_once, 5, "past the limit of 40");
    for t in slow {
        let (closed, after) = t.join().unwrap();
        assert!(closed, "a slow client was answered or kept");
        assert!(after < Duration::from_secs(4), "closed after {after:?}");
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        server.open_files() <= files + 2,
        "{} open files, {files} before",
        server.open_files()
    );
    assert_eq!(ping(&server), 200);
    // Headers of 64 KiB at most.
    let head_with = |bytes: usize| {
        let mut tcp = TcpStream::connect(server.address()).unwrap();
        let head = format!(
            "GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(bytes)
        );
        let _ = tcp.write_all(head.as_bytes());
        let mut answer = [0u8; 12];
        let _ = tcp.read_exact(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    assert_eq!(head_with(60_000), "HTTP/1.1 200");
    assert_eq!(head_with(70_000), "HTTP/1.1 431");
}

/// `GET /ping` on a kept-alive connection: true when answered 200, false
/// when the server closed it instead.
fn ping_kept_alive(tcp: &mut TcpStream) -> bool {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    if tcp
        .write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tcp.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
    }
    // /ping's body is empty.
    head.starts_with(b"HTTP/1.1 200 ")
}

#[test]
fn one_address_gets_at_most_max_connections_per_address() {
    let server = Server::start(&["--max-connections-per-address", "2"]);
    let mut held: Vec<_> = (0..2)
        .map(|_| TcpStream::connect(server.address()).unwrap())
        .collect();
    for tcp in &mut held {
        assert!(ping_kept_alive(tcp), "under the limit");
    }
    let mut over = TcpStream::connect(server.address()).unwrap();
    assert!(!ping_kept_alive(&mut over), "past 2 from 127.0.0.1");
    for tcp in &mut held {
        assert!(ping_kept_alive(tcp), "the two held are still served");
    }
    // Once they close, 127.0.0.1 has places again (a try made before the
    // server saw them close is refused and counted too).
    drop(held);
    let (started, mut refused) = (Instant::now(), 1);
    let metrics = loop {
        match ureq::get(&format!("{}/metrics", server.url)).call() {
            Ok(answer) => break answer.into_string().unwrap(),
            Err(e) if started.elapsed() > Duration::from_secs(10) => panic!("{e}"),
            Err(_) => refused += 1,
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let counted = format!(r#"ConnectionsRefused{{limit="max_connections_per_address"}} {refused}"#);
    assert!(metrics.contains(&counted), "{counted} in {metrics}");
}

#[test]
fn a_burst_of_big_models_is_bounded_and_memory_returns() {
    // Three 100,000-row models (15 MB of model.json each, 1 MB compressed)
    // loaded at once, with room in the cache for one.
    let server = Server::start(&["--max-models", "1"]);
    assert_eq!(invoke(&server, &key("A"), "42.tar.gz", 7).0, 200);
    let (start, _) = server.memory();
    let mut doc = model_json("seed_trend_only");
    let history: Value = serde_json::from_str(doc["history"].as_str().unwrap()).unwrap();
    let rows = history["data"].as_array().unwrap();
    let n = 100_000usize;
    let first = 1_262_304_000i64; // 2010-01-01
    let date = |i: usize| gridcast_model::format_iso_millis(first + i as i64 * 3600);
    let data: Vec<Value> = (0..n)
        .map(|i| {
            let mut row = rows[i % rows.len()].clone();
            row["ds"] = json!(date(i));
            row["t"] = json!(i as f64 / (n - 1) as f64);
            row
        })
        .collect();
    doc["history"] = json!(json!({"schema": history["schema"], "data": data}).to_string());
    let dates: Vec<String> = (0..n).map(date).collect();
    doc["history_dates"] = json!(
        json!({"name": "ds", "index": (0..n).collect::<Vec<_>>(), "data": dates}).to_string()
    );
    doc["start"] = json!(first as f64);
    doc["t_scale"] = json!(((n - 1) * 3600) as f64);
    doc["params"]["trend"] = json!([vec![0.5; n]]);
    for i in 0..3 {
        doc["y_scale"] = json!(1000.0 + i as f64);
        let bytes = artifact_of(doc.to_string().into_bytes());
        std::fs::write(server.models().join(format!("big{i}.tar.gz")), bytes).unwrap();
    }
    let server = Arc::new(server);
    let loads: Vec<_> = (0..3)
        .map(|i| {
            let server = server.clone();
            std::thread::spawn(move || {
                invoke(
                    &server,
                    &key(["A", "B", "A"][i]),
                    &format!("big{i}.tar.gz"),
                    7,
                )
                .0
            })
        })
        .collect();
    let statuses: Vec<u16> = loads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    let (_, peak) = server.memory();
    std::thread::sleep(Duration::from_millis(500));
    let (end, _) = server.memory();
    eprintln!("3 big models at once: VmRSS {start:.0} MiB, peak {peak:.0}, after {end:.0}");
    // Two parses at a time (two workers), each ~16× its model.json at its peak.
    assert!(peak < start + 650.0, "peak {peak:.0} MiB from {start:.0}");
    assert!(end < start + 60.0, "after: {end:.0} MiB from {start:.0}");
}

/// A signed request as raw HTTP/1.1 text (no body).
fn signed_head(server: &Server, creds: &Credentials, method: &str, path: &str) -> String {
    let url = format!("{}{path}", server.url);
    let headers = [("host", server.address())];
    let outgoing = OutgoingRequest {
        method,
        url: &url,
        headers: &headers,
        body: b"",
    };
    let scope = Scope {
        region: "us-east-1",
        service: SAGEMAKER_SERVICE,
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", server.address());
    for (n, v) in sign_request(&outgoing, creds, scope, now()).unwrap() {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

#[test]
fn a_client_that_stops_reading_its_answer_is_let_go() {
    let server = Server::start(&["--write-timeout", "1"]);
    // A 32 MiB artifact (the seed's, then zeros), downloaded by a client
    // that reads nothing: far more than the socket buffers hold.
    let mut big = std::fs::read(server.models().join("42.tar.gz")).unwrap();
    big.resize(32 << 20, 0);
    std::fs::write(server.models().join("big.tar.gz"), &big).unwrap();
    let files = server.open_files();
    let mut tcp = TcpStream::connect(server.address()).unwrap();
    let head = signed_head(
        &server,
        &key("A"),
        "GET",
        "/endpoints/gridcast/models/big.tar.gz",
    );
    tcp.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(server.open_files() > files, "the download is in progress");
    let started = Instant::now();
    while server.open_files() > files && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.open_files() <= files,
        "the stalled connection was kept"
    );
    eprintln!(
        "stalled download closed {:?} after the client stopped reading",
        started.elapsed() + Duration::from_millis(500)
    );
    let mut received = Vec::new();
    let _ = tcp.read_to_end(&mut received);
    assert!(
        received.len() < big.len(),
        "{} bytes arrived",
        received.len()
    );
    assert_eq!(ping(&server), 200);
}
