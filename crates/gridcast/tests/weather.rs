//! Weather through the whole pipeline and the endpoint, through the binary:
//! `generate --weather` with its covariates feed, `process` on a long file
//! with other column names and extra columns, `train --preset weather`
//! (a temperature regressor and US holidays per customer), then `serve
//! --future-covariates`: future rows in the records and columns forms, the
//! feed filling what a body leaves out (and picked up after it changes, a
//! bad feed leaving the previous one in use), and the 400s that name what
//! is missing or wrong.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};
use serde_json::Value;

fn gridcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridcast"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = gridcast(args);
    assert!(
        out.status.success(),
        "gridcast {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The generated file as a sub-meter export would have it: other names, the
/// columns in another order, a text column.
fn as_sensor_export(generated: &str) -> String {
    let mut out = String::from("sensor_id,ds,y,sensor_description,temperature\n");
    for line in generated.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        out.push_str(&format!("s{},{},{},\"main meter, house {}\",{}\n", f[0], f[1], f[2], f[0], f[3]));
    }
    out
}

struct Answer {
    status: u16,
    kind: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or_default().to_owned()
    }
    fn yhat(&self) -> Vec<f64> {
        let json = self.json();
        let yhat = json["yhat"].as_object().unwrap_or_else(|| panic!("{}", self.body));
        yhat.values().map(|v| v.as_f64().unwrap()).collect()
    }
}

fn invoke(base: &str, target: &str, body: &str) -> Answer {
    let url = format!("{base}/endpoints/gridcast/invocations");
    let host = base.trim_start_matches("http://").to_owned();
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/json"),
        ("x-amzn-sagemaker-target-model", target),
    ];
    let outgoing = OutgoingRequest {
        method: "POST",
        url: &url,
        headers: &headers,
        body: body.as_bytes(),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let scope = Scope {
        region: "us-east-1",
        service: SAGEMAKER_SERVICE,
    };
    let creds = Credentials::new("AKIDADMIN", "admin-secret");
    let mut request = ureq::post(&url);
    for (n, v) in headers[1..].iter().map(|(n, v)| (n.to_string(), v.to_string())).chain(sign_request(&outgoing, &creds, scope, now).unwrap()) {
        request = request.set(&n, &v);
    }
    let response = match request.send_string(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    Answer {
        status: response.status(),
        kind: response.header("x-amzn-ErrorType").map(str::to_owned),
        body: response.into_string().unwrap(),
    }
}

fn records(days: &[(&str, Option<f64>)]) -> String {
    let rows: Vec<String> = days
        .iter()
        .map(|(ds, t)| match t {
            Some(t) => format!(r#"{{"ds": "{ds}", "temperature": {t}}}"#),
            None => format!(r#"{{"ds": "{ds}"}}"#),
        })
        .collect();
    format!(r#"{{"future": [{}]}}"#, rows.join(", "))
}

/// 2022-12-25, the first day after the history (the last 7 days are held out).
const FIRST_FUTURE_DAY: i64 = 1_671_926_400;

/// `n` days from 2022-12-25, as ISO dates.
fn days(n: i64) -> Vec<String> {
    (0..n).map(|d| gridcast_model::format_csv(FIRST_FUTURE_DAY + d * 86_400)).collect()
}

fn write_feed(path: &Path, celsius: impl Fn(usize) -> String) {
    let mut text = String::from("ds,temperature\n");
    for (d, ds) in days(30).iter().enumerate() {
        text.push_str(&format!("{ds},{}\n", celsius(d)));
    }
    // Replaced whole, as a feed publisher would (temp file + rename).
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

/// Waits until `check` holds (the feed is polled every second).
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within 15 s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn weather_customers_train_with_temperature_and_holidays_and_the_endpoint_fills_their_future() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    // 1. Generate: two customers of daily 2022 and 30 days of forecast temperatures.
    ok(&[
        "generate", "--weather", "US", "--customers", "2", "--start", "2022-01-01", "--end",
        "2022-12-31", "--seed", "5", "--out", path(&d("raw.csv")), "--covariates-out",
        path(&d("feed.csv")), "--future-rows", "30",
    ]);
    let feed = std::fs::read_to_string(d("feed.csv")).unwrap();
    // The last 30 days of 2022 (observed) and 30 of 2023 (forecast).
    assert!(feed.starts_with("ds,temperature\n2022-12-02,"), "{feed}");
    assert_eq!(feed.lines().count(), 61);
    assert!(feed.lines().last().unwrap().starts_with("2023-01-30,"));
    let raw = std::fs::read_to_string(d("raw.csv")).unwrap();
    std::fs::write(d("sensors.csv"), as_sensor_export(&raw)).unwrap();

    // 2. Process a long file with other names: refused without the mapping, named with it.
    let refused = gridcast(&["process", "--input", path(&d("sensors.csv")), "--output", path(&d("data"))]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("lacks customer_id") && why.contains("--customer-column"), "{why}");
    let said = ok(&[
        "process", "--input", path(&d("sensors.csv")), "--output", path(&d("data")),
        "--customer-column", "sensor_id", "--keep-all-columns",
    ]);
    assert!(said.contains("wrote 2 customer files (730 rows)") && said.contains("with columns ds,y,temperature"), "{said}");
    let s0 = std::fs::read_to_string(d("data/s0.csv")).unwrap();
    let first_temperature = raw.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert!(s0.starts_with(&format!("ds,y,temperature\n2022-01-01,")), "{s0}");
    assert!(s0.lines().nth(1).unwrap().ends_with(&format!(",{first_temperature}")));
    let report: Value = serde_json::from_slice(&std::fs::read(d("data/process-report.json")).unwrap()).unwrap();
    assert_eq!(report["columns"]["dropped"], serde_json::json!(["sensor_description"]));

    // 3. Train: the weather preset fits temperature and US holidays per customer.
    let said = ok(&[
        "train", "--input", path(&d("data")), "--output", path(&d("models")), "--preset", "weather",
        "--compare-without-regressors",
    ]);
    assert!(said.contains("without the regressors"), "{said}");
    let report: Value = serde_json::from_slice(&std::fs::read(d("models/training-report.json")).unwrap()).unwrap();
    let rows = report["customers"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{report}");
    for row in rows {
        assert_eq!(row["status"], "trained", "{row}");
        let (with, without) = (row["mape"].as_f64().unwrap(), row["mape_without_regressors"].as_f64().unwrap());
        assert!(with < 0.1 && with < without, "the temperature helps: {row}");
    }
    let artifact = std::fs::read(d("models/s0.tar.gz")).unwrap();
    let json = gridcast_model::read_artifact(&artifact, &Default::default()).unwrap().model_json;
    let model: Value = serde_json::from_slice(&json).unwrap();
    assert!(model["extra_regressors"].to_string().contains("temperature"), "a regressor");
    assert_eq!(model["country_holidays"], "US");

    // 4. Serve with the feed.
    std::fs::write(
        d("auth.json"),
        r#"{"principals": [{"access_key_id": "AKIDADMIN", "secret_access_key": "admin-secret", "target_models": ["*"]}]}"#,
    )
    .unwrap();
    let (_server, base) = common::spawn_server(Command::new(env!("CARGO_BIN_EXE_gridcast")).args([
        "serve", "--port", "0", "--models", path(&d("models")), "--auth", path(&d("auth.json")),
        "--future-covariates", path(&d("feed.csv")), "--covariates-poll", "1",
        "--container-root", path(dir.path()),
    ]));

    // The seed's body: dates from the model, temperatures from the feed.
    let seed = invoke(&base, "s0.tar.gz", r#"{"period": 7}"#);
    assert_eq!(seed.status, 200, "{}", seed.body);
    assert_eq!(seed.yhat().len(), 7);
    assert_eq!(invoke(&base, "s0.tar.gz", r#"{"period": 7}"#).body, seed.body, "deterministic");
    // The same days with the feed's temperatures given in the body: the same answer.
    let fed: Vec<(String, f64)> = feed
        .lines()
        .skip(1 + 23)
        .take(7)
        .map(|l| {
            let (ds, t) = l.split_once(',').unwrap();
            (ds.to_owned(), t.parse().unwrap())
        })
        .collect();
    assert_eq!(fed[0].0, "2022-12-25");
    let given: Vec<(&str, Option<f64>)> = fed.iter().map(|(ds, t)| (ds.as_str(), Some(*t))).collect();
    let from_body = invoke(&base, "s0.tar.gz", &records(&given));
    assert_eq!(from_body.status, 200, "{}", from_body.body);
    assert_eq!(from_body.yhat(), seed.yhat());
    // Columns form with epoch-ms dates; a cold week uses more than a mild one.
    let week = |celsius: f64| {
        let ds: Vec<String> = (0..7).map(|d| ((FIRST_FUTURE_DAY + d * 86_400) * 1000).to_string()).collect();
        let t = vec![celsius.to_string(); 7];
        format!(r#"{{"future": {{"ds": [{}], "temperature": [{}]}}}}"#, ds.join(","), t.join(","))
    };
    let cold = invoke(&base, "s0.tar.gz", &week(-10.0));
    let mild = invoke(&base, "s0.tar.gz", &week(18.0));
    assert_eq!((cold.status, mild.status), (200, 200), "{} {}", cold.body, mild.body);
    let sum = |a: &Answer| a.yhat().iter().sum::<f64>();
    assert!(sum(&cold) > sum(&mild) + 7.0 * 150.0, "heating: {} vs {}", sum(&cold), sum(&mild));
    // Rows leaving temperature out are filled from the feed.
    let partly: Vec<(&str, Option<f64>)> = fed.iter().enumerate().map(|(i, (ds, t))| (ds.as_str(), (i % 2 == 0).then_some(*t))).collect();
    assert_eq!(invoke(&base, "s0.tar.gz", &records(&partly)).yhat(), seed.yhat());

    // 400s that name what is wrong.
    let beyond = invoke(&base, "s0.tar.gz", r#"{"period": 45}"#);
    assert_eq!((beyond.status, beyond.kind.as_deref()), (400, Some("ValidationError")));
    assert!(beyond.message().contains("temperature") && beyond.message().contains("has none for 2023-01-31"), "{}", beyond.message());
    let text = invoke(&base, "s0.tar.gz", r#"{"future": [{"ds": "2023-01-01", "temperature": 1}, {"ds": "2023-01-02", "temperature": "cold"}]}"#);
    assert_eq!(text.status, 400);
    assert_eq!(text.message(), "future row 1, field `temperature`: \"cold\" is not a number");
    let past = invoke(&base, "s0.tar.gz", &records(&[("2022-12-20", Some(1.0))]));
    assert_eq!(past.status, 400);
    assert!(past.message().contains("does not follow the history, which ends at 2022-12-24"), "{}", past.message());
    let typo = invoke(&base, "s0.tar.gz", r#"{"future": [{"ds": "2023-01-01", "temprature": 1}]}"#);
    assert_eq!(typo.status, 400);
    assert!(typo.message().contains("temprature"), "{}", typo.message());
    let unfed = invoke(&base, "s0.tar.gz", &records(&[("2023-03-01", None)]));
    assert_eq!(unfed.status, 400);
    assert!(unfed.message().contains("needs future values of temperature"), "{}", unfed.message());

    // A new feed is picked up; a bad one is refused and the last good one stays.
    write_feed(&d("feed.csv"), |_| "-15".into());
    eventually("the colder feed in use", || {
        let now = invoke(&base, "s0.tar.gz", r#"{"period": 7}"#);
        now.status == 200 && now.yhat() != seed.yhat()
    });
    let colder = invoke(&base, "s0.tar.gz", r#"{"period": 7}"#);
    assert_eq!(colder.yhat(), invoke(&base, "s0.tar.gz", &week(-15.0)).yhat());
    write_feed(&d("feed.csv"), |d| if d == 3 { "warm".into() } else { "30".into() });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(invoke(&base, "s0.tar.gz", r#"{"period": 7}"#).yhat(), colder.yhat(), "the bad feed is not used");

    // The MME container routes take the same bodies.
    std::fs::create_dir_all(d("m1")).unwrap();
    std::fs::write(d("m1/model.json"), &json).unwrap();
    let loaded = ureq::post(&format!("{base}/models"))
        .send_string(&format!(r#"{{"model_name": "m1", "url": "{}"}}"#, path(&d("m1"))))
        .unwrap();
    assert_eq!(loaded.status(), 200);
    let container = |body: &str| Answer {
        status: 200,
        kind: None,
        body: ureq::post(&format!("{base}/models/m1/invoke")).send_string(body).unwrap().into_string().unwrap(),
    };
    assert_eq!(container(&week(-10.0)).yhat(), cold.yhat());
    assert_eq!(container(r#"{"period": 7}"#).yhat(), colder.yhat(), "filled from the feed too");
}

fn ext_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext").join(name)
}

/// A model with two regressors (Python Prophet's `temp_regressor` fixture)
/// in `dir/models` as `r.tar.gz`, and an operator key.
fn regressor_endpoint_files(dir: &Path) {
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::copy(ext_fixture("models/temp_regressor.tar.gz"), dir.join("models/r.tar.gz")).unwrap();
    std::fs::write(
        dir.join("auth.json"),
        r#"{"principals": [{"access_key_id": "AKIDADMIN", "secret_access_key": "admin-secret", "target_models": ["*"]}]}"#,
    )
    .unwrap();
}

/// The fixture's future rows (ds, temperature, heating) as a request body.
fn fixture_rows(days: usize) -> String {
    let future = std::fs::read_to_string(ext_fixture("future/temp_regressor.csv")).unwrap();
    let rows: Vec<String> = future
        .lines()
        .skip(1)
        .take(days)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!(r#"{{"ds": "{}", "temperature": {}, "heating": {}}}"#, c[0], c[1], c[2])
        })
        .collect();
    format!(r#"{{"future": [{}]}}"#, rows.join(", "))
}

/// `serve --future-covariates s3://...` against moto's S3: the feed read
/// from the bucket fills what `{"period": 7}` leaves out, and a new object
/// is picked up by its ETag.
#[test]
fn a_covariates_feed_in_s3_fills_the_future_and_is_picked_up_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    regressor_endpoint_files(dir.path());
    let (_moto, s3) = common::start_moto();
    common::create_bucket(&s3, "weather");
    let future = std::fs::read(ext_fixture("future/temp_regressor.csv")).unwrap();
    common::put_object(&s3, "s3://weather/feeds", "today.csv", future.clone());
    let mut serve = Command::new(env!("CARGO_BIN_EXE_gridcast"));
    serve.envs(common::aws_env(&s3)).args([
        "serve", "--port", "0", "--models", path(&dir.path().join("models")),
        "--auth", path(&dir.path().join("auth.json")),
        "--future-covariates", "s3://weather/feeds/today.csv", "--covariates-poll", "1",
    ]);
    let (_server, base) = common::spawn_server(&mut serve);
    let fed = invoke(&base, "r.tar.gz", r#"{"period": 7}"#);
    assert_eq!(fed.status, 200, "{}", fed.body);
    let given = invoke(&base, "r.tar.gz", &fixture_rows(7));
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(fed.yhat(), given.yhat(), "the feed's values are the fixture's");

    // A colder day one in the bucket: the answer follows it.
    let text = String::from_utf8(future).unwrap();
    let colder = text.replacen("2024-01-01,5.37,9.63", "2024-01-01,-20,35", 1);
    assert_ne!(colder, text);
    common::put_object(&s3, "s3://weather/feeds", "today.csv", colder.into_bytes());
    eventually("the new feed in use", || {
        let now = invoke(&base, "r.tar.gz", r#"{"period": 7}"#);
        now.status == 200 && now.yhat()[0] != fed.yhat()[0]
    });
    let now = invoke(&base, "r.tar.gz", r#"{"period": 7}"#).yhat();
    assert_eq!(now[1..], fed.yhat()[1..], "only day one changed");
}

/// A feed that cannot be used when serve starts stops it, naming the file
/// (and the line): no endpoint runs without the covariates it was given.
#[test]
fn a_bad_feed_at_start_stops_serve_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    regressor_endpoint_files(dir.path());
    let bad = dir.path().join("bad-feed.csv");
    std::fs::write(&bad, "ds,temperature\n2024-01-01,3\n2024-01-02,mild\n").unwrap();
    let missing = dir.path().join("no-such-feed.csv");
    for (feed, says) in [
        (&bad, format!("{}:3: temperature \"mild\" is not a number", bad.display())),
        (&missing, missing.display().to_string()),
    ] {
        let out = gridcast(&[
            "serve", "--port", "0", "--models", path(&dir.path().join("models")),
            "--auth", path(&dir.path().join("auth.json")), "--future-covariates", path(feed),
        ]);
        assert!(!out.status.success(), "serve ran with {}", feed.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--future-covariates") && stderr.contains(&says), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    }
}
