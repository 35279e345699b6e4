//! Several `gridcast serve` replicas sharing only a session key file and the
//! model store, as behind a load balancer: Debian's HAProxy, round robin, in
//! front of three of them. A sign-in made through one replica works on the
//! others and after a restart; a sign-out is refused everywhere within 10 s;
//! a replica killed and restarted during a run of signed requests costs no
//! more than the requests it had in flight; the session key rotates without
//! signing anyone out; a bad key file stops the server before it listens.
//!
//! Needs `haproxy` (`apt-get install haproxy`; `make test` installs it).

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::Killed;
use gridcast_client::request::{download_artifact, invoke, login, session_call, Target};
use gridcast_client::{EndpointSettings, PreparedRequest, Session};

const PASSWORD: &str = "a long enough password";
/// How soon a sign-out must be refused by every replica.
const SIGN_OUT_BOUND: Duration = Duration::from_secs(10);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What a request got back.
struct Answer {
    status: u16,
    error_type: Option<String>,
    body: Vec<u8>,
}

/// Sends a request the portal's client library prepared, to `base` instead of
/// the URL's own host (the signature covers the path, not the host header
/// HAProxy passes on unchanged).
fn send(r: &PreparedRequest) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let mut request = agent.request(r.method, &r.url);
    for (n, v) in &r.headers {
        request = request.set(n, v);
    }
    let result = if r.method == "GET" {
        request.call()
    } else {
        request.send_bytes(&r.body)
    };
    let response = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => {
            return Answer {
                status: 0,
                error_type: Some(e.to_string()),
                body: Vec::new(),
            }
        }
    };
    let status = response.status();
    let error_type = response.header("x-amzn-ErrorType").map(str::to_owned);
    let mut body = Vec::new();
    let _ = response.into_reader().read_to_end(&mut body);
    Answer {
        status,
        error_type,
        body,
    }
}

/// One customer's model, their login, the operator's auth.json and session keys.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        std::fs::copy(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz"),
            models.join("42.tar.gz"),
        )
        .unwrap();
        let mut add = Command::new(env!("CARGO_BIN_EXE_gridcast"))
            .args(["users", "add", "--customer", "42", "--users"])
            .arg(dir.path().join("users.json"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(add.wait().unwrap().success());
        std::fs::write(dir.path().join("auth.json"), r#"{"principals": []}"#).unwrap();
        for (name, byte) in [("key-a", b'a'), ("key-b", b'b')] {
            std::fs::write(dir.path().join(name), [byte; 32]).unwrap();
        }
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `gridcast serve` on `port` with `keys` (`--session-key-file …` flags).
    fn replica(&self, port: u16, keys: &[&str]) -> Killed {
        self.replica_of(&self.path("models").display().to_string(), port, keys, &[])
    }

    /// [`Fixture::replica`] serving `models`, with `env` added.
    fn replica_of(&self, models: &str, port: u16, keys: &[&str], env: &[(&str, String)]) -> Killed {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridcast"));
        cmd.args(["serve", "--port", &port.to_string(), "--models", models])
            .arg("--disk-cache")
            .arg(self.path(&format!("disk-{port}")))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .arg("--users")
            .arg(self.path("users.json"))
            .arg("--auth")
            .arg(self.path("auth.json"))
            // Behind HAProxy every connection comes from HAProxy's address.
            .args(["--max-connections-per-address", "off"]);
        for (i, key) in keys.iter().enumerate() {
            let flag = if i == 0 {
                "--session-key-file"
            } else {
                "--session-previous-key-file"
            };
            cmd.arg(flag).arg(self.path(key));
        }
        common::spawn_server(&mut cmd).0
    }
}

/// HAProxy in the foreground, round robin over `ports`, health-checking
/// `/ping`, retrying a request a dead replica refused on another one.
struct Balancer {
    _child: Killed,
    url: String,
}

fn balancer(dir: &Path, ports: &[u16]) -> Balancer {
    let port = free_port();
    let servers: String = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("  server r{i} 127.0.0.1:{p} check inter 250ms fall 1 rise 1\n"))
        .collect();
    let config = format!(
        "global\n  maxconn 256\n\
         defaults\n  mode http\n  timeout connect 1s\n  timeout client 15s\n  timeout server 15s\n  \
         retries 3\n  option redispatch 1\n  retry-on conn-failure empty-response\n\
         frontend gridcast\n  bind 127.0.0.1:{port}\n  default_backend replicas\n\
         backend replicas\n  balance roundrobin\n  option httpchk GET /ping\n  http-check expect status 200\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run haproxy ({e}): apt-get install haproxy, or make test")
        });
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "haproxy did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Every replica healthy before the test starts.
    std::thread::sleep(Duration::from_millis(600));
    Balancer {
        _child: Killed(child),
        url,
    }
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn sign_in(base: &str) -> Session {
    let reply = send(&login(&EndpointSettings::for_url(base), "42", PASSWORD).unwrap());
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    Session::from_login_reply(&reply.body).unwrap()
}

fn target(base: &str, session: &Session) -> Target {
    Target::new(&EndpointSettings::for_url(base), session).unwrap()
}

fn forecast(base: &str, session: &Session) -> Answer {
    send(&invoke(&target(base, session), session, &period(3), now()).unwrap())
}

fn invocations(port: u16) -> f64 {
    let text = ureq::get(&format!("{}/metrics", url(port)))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("Invocations") && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn a_sign_in_through_one_replica_is_honoured_by_every_replica_and_a_sign_out_by_all_within_10_s() {
    let fixture = Fixture::new();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let _replicas: Vec<Killed> = ports
        .iter()
        .map(|p| fixture.replica(*p, &["key-a"]))
        .collect();
    let lb = balancer(fixture.dir.path(), &ports);

    // Signed in through the first replica; used on the others directly.
    let session = sign_in(&url(ports[0]));
    for port in &ports[1..] {
        let r = forecast(&url(*port), &session);
        assert_eq!(r.status, 200, "replica {port}: {:?}", r.error_type);
    }
    let artifact =
        send(&download_artifact(&target(&url(ports[1]), &session), &session, None, now()).unwrap());
    assert_eq!(artifact.status, 200);
    assert_eq!(
        artifact.body,
        std::fs::read(fixture.path("models/42.tar.gz")).unwrap()
    );
    let refreshed = send(
        &session_call(
            &target(&url(ports[2]), &session),
            &session,
            "refresh",
            now(),
        )
        .unwrap(),
    );
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.error_type);
    let refreshed = Session::from_login_reply(&refreshed.body).unwrap();
    assert_ne!(refreshed.access_key_id, session.access_key_id);
    assert_eq!(forecast(&url(ports[0]), &refreshed).status, 200);

    // Through the balancer, round robin: every replica answers some, all succeed.
    let before: Vec<f64> = ports.iter().map(|p| invocations(*p)).collect();
    for _ in 0..9 {
        assert_eq!(forecast(&lb.url, &refreshed).status, 200);
    }
    for (i, port) in ports.iter().enumerate() {
        assert!(
            invocations(*port) >= before[i] + 2.0,
            "replica {i} got no share"
        );
    }

    // Signed out through the balancer: both keys of the sign-in are refused by
    // every replica, the one that signed out at once, the others within 10 s.
    let out =
        send(&session_call(&target(&lb.url, &refreshed), &refreshed, "logout", now()).unwrap());
    assert_eq!(out.status, 204, "{:?}", out.error_type);
    let signed_out = Instant::now();
    for port in &ports {
        for s in [&session, &refreshed] {
            until_refused(&url(*port), s);
        }
    }
    assert!(signed_out.elapsed() < SIGN_OUT_BOUND);
    eprintln!(
        "sign-out refused everywhere after {:?}",
        signed_out.elapsed()
    );
    // Signing in again is a new sign-in, not the revoked one.
    assert_eq!(forecast(&lb.url, &sign_in(&lb.url)).status, 200);
}

/// Polls `base` with `session` until it is refused as signed out; how long that took.
fn until_refused(base: &str, session: &Session) -> Duration {
    let started = Instant::now();
    loop {
        let r = forecast(base, session);
        if r.status != 200 {
            assert_eq!(
                (r.status, r.error_type.as_deref()),
                (403, Some("UnrecognizedClientException"))
            );
            return started.elapsed();
        }
        assert!(
            started.elapsed() < SIGN_OUT_BOUND,
            "{base} still accepts a sign-in signed out {SIGN_OUT_BOUND:?} ago"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sign_outs_are_shared_through_an_s3_model_store() {
    let fixture = Fixture::new();
    let (_moto, s3) = common::start_moto();
    common::create_bucket(&s3, "energy");
    let artifact = std::fs::read(fixture.path("models/42.tar.gz")).unwrap();
    common::put_object(&s3, "s3://energy/models", "42.tar.gz", artifact);
    let env = common::aws_env(&s3);
    let (a, b) = (free_port(), free_port());
    let _a = fixture.replica_of("s3://energy/models", a, &["key-a"], &env);
    let _b = fixture.replica_of("s3://energy/models", b, &["key-a"], &env);
    let session = sign_in(&url(a));
    assert_eq!(forecast(&url(b), &session).status, 200);
    let out = send(&session_call(&target(&url(b), &session), &session, "logout", now()).unwrap());
    assert_eq!(out.status, 204, "{:?}", out.error_type);
    let took = until_refused(&url(a), &session);
    eprintln!("sign-out through S3 refused by the other replica after {took:?}");
    let names = common::list(&s3, "s3://energy/models");
    let revoked: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with(".gridcast/sessions/") && n.ends_with(".revoked"))
        .collect();
    assert_eq!(revoked.len(), 1, "{names:?}");
}

#[test]
fn a_replica_killed_mid_run_costs_only_its_requests_in_flight_and_sign_ins_survive_its_restart() {
    let fixture = Fixture::new();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut replicas: Vec<Option<Killed>> = ports
        .iter()
        .map(|p| Some(fixture.replica(*p, &["key-a"])))
        .collect();
    let lb = balancer(fixture.dir.path(), &ports);
    let session = Arc::new(sign_in(&lb.url));
    // Another sign-in, signed out before the restart: it stays signed out.
    let gone = sign_in(&lb.url);
    let out = send(&session_call(&target(&url(ports[0]), &gone), &gone, "logout", now()).unwrap());
    assert_eq!(out.status, 204);

    const CLIENTS: usize = 4;
    let (ok, failed, stop) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (ok, failed, stop, session, base) = (
                ok.clone(),
                failed.clone(),
                stop.clone(),
                session.clone(),
                lb.url.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let r = forecast(&base, &session);
                    let counter = if r.status == 200 { &ok } else { &failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = replicas[2].take().unwrap();
    drop(killed); // SIGKILL
    let at_kill = ok.load(Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(1500));
    replicas[2] = Some(fixture.replica(ports[2], &["key-a"]));
    std::thread::sleep(Duration::from_millis(2000));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    eprintln!("{ok} answered, {failed} failed, {CLIENTS} clients");
    assert!(
        ok > at_kill + 20,
        "requests went on while the replica was down: {at_kill} → {ok}"
    );
    assert!(
        failed <= CLIENTS,
        "{failed} failures: more than the {CLIENTS} requests in flight"
    );

    // The restarted replica knows the sign-in it never saw, and the sign-out.
    assert!(
        invocations(ports[2]) >= 1.0,
        "the balancer sent the restarted replica requests again"
    );
    assert_eq!(forecast(&url(ports[2]), &session).status, 200);
    let refused = forecast(&url(ports[2]), &gone);
    assert_eq!(
        refused.error_type.as_deref(),
        Some("UnrecognizedClientException")
    );
}

#[test]
fn the_session_key_rotates_without_signing_anyone_out() {
    let fixture = Fixture::new();
    let (a, b) = (free_port(), free_port());
    let old_only = fixture.replica(a, &["key-a"]);
    let before = sign_in(&url(a));
    drop(old_only);
    // Rolled onto key B, still checking A: the old sign-in works, new ones are made with B.
    let rotating = fixture.replica(a, &["key-b", "key-a"]);
    assert_eq!(forecast(&url(a), &before).status, 200);
    let after = sign_in(&url(a));
    assert_eq!(forecast(&url(a), &after).status, 200);
    let refreshed =
        send(&session_call(&target(&url(a), &before), &before, "refresh", now()).unwrap());
    assert_eq!(refreshed.status, 200);
    let refreshed = Session::from_login_reply(&refreshed.body).unwrap();
    drop(rotating);
    // Once A is dropped, only what B made is accepted; a replica still on A refuses B's.
    let new_only = fixture.replica(b, &["key-b"]);
    assert_eq!(forecast(&url(b), &after).status, 200);
    assert_eq!(
        forecast(&url(b), &refreshed).status,
        200,
        "a refresh moves a sign-in onto the new key"
    );
    let stale = forecast(&url(b), &before);
    assert_eq!(
        stale.error_type.as_deref(),
        Some("UnrecognizedClientException")
    );
    drop(new_only);
    let _old = fixture.replica(a, &["key-a"]);
    let foreign = forecast(&url(a), &after);
    assert_eq!(
        foreign.error_type.as_deref(),
        Some("UnrecognizedClientException")
    );
}

#[test]
fn a_session_key_file_that_is_missing_short_or_unreadable_stops_the_server() {
    let fixture = Fixture::new();
    std::fs::write(fixture.path("short"), "too short\n").unwrap();
    let serve = |keys: &[(&str, PathBuf)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridcast"));
        cmd.args(["serve", "--port", "0", "--models"])
            .arg(fixture.path("models"));
        for (flag, path) in keys {
            cmd.arg(flag).arg(path);
        }
        cmd.output().unwrap()
    };
    let current = "--session-key-file";
    for (key, why) in [
        (fixture.path("missing"), "No such file"),
        (
            fixture.path("short"),
            "9 bytes, but at least 32 random bytes are needed",
        ),
        (fixture.path("models"), "Is a directory"),
    ] {
        let out = serve(&[(current, key.clone())]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}", key.display());
        assert!(out.stdout.is_empty(), "it never listened");
        assert!(
            stderr.contains(&format!("session key file {}", key.display())) && stderr.contains(why),
            "{stderr}"
        );
    }
    // The previous key is checked the same way.
    let out = serve(&[
        (current, fixture.path("key-a")),
        ("--session-previous-key-file", fixture.path("short")),
    ]);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 random bytes"));
}

/// The seed's request for `rows` rows.
fn period(rows: u32) -> gridcast_client::ForecastRequest {
    gridcast_client::ForecastRequest::period(gridcast_client::Period::rows(rows).unwrap())
}
