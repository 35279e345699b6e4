//! End-to-end tests of the `gridcast` binary.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing at {}",
        dir.display()
    );
    dir
}

fn gridcast(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gridcast"))
        .args(args)
        .output()
        .expect("gridcast runs")
}

/// `forecast` answers like the seed's endpoint: pandas to_json, row keys
/// continuing from the history, ds in epoch ms, Python's column order,
/// and Python's numbers.
#[test]
fn forecast_prints_the_seed_response() {
    let dir = fixtures();
    let model = dir.join("models/seed_trend_only.tar.gz");
    let out = gridcast(&[
        "forecast",
        "--model",
        model.to_str().unwrap(),
        "--period",
        "7",
        "--seed",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cols: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        cols,
        [
            "ds",
            "trend",
            "yhat_lower",
            "yhat_upper",
            "trend_lower",
            "trend_upper",
            "additive_terms",
            "additive_terms_lower",
            "additive_terms_upper",
            "multiplicative_terms",
            "multiplicative_terms_lower",
            "multiplicative_terms_upper",
            "yhat"
        ]
    );
    let keys: Vec<&str> = body["ds"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["358", "359", "360", "361", "362", "363", "364"]);
    assert_eq!(body["ds"]["358"], 1_671_926_400_000i64); // 2022-12-25
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected/seed_trend_only.json")).unwrap())
            .unwrap();
    for (i, key) in keys.iter().enumerate() {
        let ours = body["yhat"][key].as_f64().unwrap();
        let theirs = expected["yhat"][i].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() < 1e-6 * 1000.0,
            "row {key}: {ours} vs {theirs}"
        );
    }
    // Same seed, same bytes.
    let again = gridcast(&[
        "forecast",
        "--model",
        model.to_str().unwrap(),
        "--period",
        "7",
        "--seed",
        "1",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

/// `fit` writes an artifact that `forecast` (and Python) can load.
#[test]
fn fit_then_forecast() {
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("42.tar.gz");
    let data = fixtures().join("data/seed_trend_only.csv");
    let out = gridcast(&[
        "fit",
        "--data",
        data.to_str().unwrap(),
        "--holdout",
        "7",
        "--seed-preset",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("holdout MAPE"));
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("42.tar.gz")],
        "no temporary files left"
    );
    let fc = gridcast(&[
        "forecast",
        "--model",
        out_path.to_str().unwrap(),
        "--period",
        "3",
        "--seed",
        "2",
    ]);
    assert!(
        fc.status.success(),
        "{}",
        String::from_utf8_lossy(&fc.stderr)
    );
    let body: Value = serde_json::from_slice(&fc.stdout).unwrap();
    assert_eq!(body["yhat"].as_object().unwrap().len(), 3);
    assert!(body["yhat"]["358"].as_f64().unwrap() > 500.0);
}

/// Bad input names the line and leaves nothing behind.
#[test]
fn bad_rows_are_reported_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("7.csv");
    std::fs::write(&csv, "2022-01-01,1\n2022-01-02,2\n2022-01-03,-x\n").unwrap();
    let out_path = tmp.path().join("7.tar.gz");
    let out = gridcast(&[
        "fit",
        "--data",
        csv.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("\"-x\" is not a number"),
        "{err}"
    );
    assert!(!out_path.exists());

    let out = gridcast(&[
        "forecast",
        "--model",
        csv.to_str().unwrap(),
        "--period",
        "0",
    ]);
    assert!(!out.status.success());
}

fn ext(path: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext");
    assert!(
        dir.is_dir(),
        "prophet-ext fixtures missing at {}",
        dir.display()
    );
    dir.join(path)
}

fn ok(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failure(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn expected(id: &str) -> Value {
    serde_json::from_slice(&std::fs::read(ext(&format!("expected/{id}.json"))).unwrap()).unwrap()
}

fn column_names(body: &Value) -> Vec<String> {
    body.as_object().unwrap().keys().cloned().collect()
}

/// `fit --data D.csv --config prophet.json` with regressor columns, then
/// `forecast --future F.csv`: Python's columns in Python's order, rows 0..n-1,
/// and Python's forecast (within 0.5% of y_scale, as the fits differ).
#[test]
fn fit_and_forecast_with_extra_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m.tar.gz");
    let out = gridcast(&[
        "fit",
        "--data",
        ext("data/temp_regressor.csv").to_str().unwrap(),
        "--config",
        ext("config/temp_regressor.json").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = ok(&gridcast(&[
        "forecast",
        "--model",
        model.to_str().unwrap(),
        "--future",
        ext("future/temp_regressor.csv").to_str().unwrap(),
        "--seed",
        "1",
    ]));
    let want = expected("temp_regressor");
    let mut python_columns = vec!["ds".to_string()];
    python_columns.extend(want["columns"].as_object().unwrap().keys().cloned());
    assert_eq!(column_names(&body), python_columns);
    let keys: Vec<&String> = body["yhat"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 30);
    assert_eq!((keys[0].as_str(), keys[29].as_str()), ("0", "29"));
    let tol = 0.005 * want["y_scale"].as_f64().unwrap();
    for i in 0..30 {
        let ours = body["yhat"][i.to_string()].as_f64().unwrap();
        let theirs = want["yhat"][i].as_f64().unwrap();
        assert!((ours - theirs).abs() < tol, "row {i}: {ours} vs {theirs}");
    }
}

/// `forecast --future` on Python's own models with holidays (and country
/// holidays), a conditional seasonality and MCMC draws: every component
/// column as Python has it.
#[test]
fn forecast_future_prints_python_predict() {
    for id in ["holidays_country", "conditional_winter", "mcmc_small"] {
        let body = ok(&gridcast(&[
            "forecast",
            "--model",
            ext(&format!("models/{id}.tar.gz")).to_str().unwrap(),
            "--future",
            ext(&format!("future/{id}.csv")).to_str().unwrap(),
            "--seed",
            "3",
        ]));
        let want = expected(id);
        let tol = 1e-6 * want["y_scale"].as_f64().unwrap();
        for (name, values) in want["columns"].as_object().unwrap() {
            if name.starts_with("yhat_") || name.starts_with("trend_") {
                continue;
            }
            for (i, v) in values.as_array().unwrap().iter().enumerate() {
                let ours = body[name][i.to_string()].as_f64().unwrap();
                let theirs = v.as_f64().unwrap();
                assert!(
                    (ours - theirs).abs() < tol,
                    "{id} {name}[{i}]: {ours} vs {theirs}"
                );
            }
        }
        let ds = body["ds"]["0"].as_i64().unwrap();
        let first = gridcast_model::parse_timestamp(want["ds"][0].as_str().unwrap()).unwrap();
        assert_eq!(ds, first * 1000, "{id}: epoch-ms ds");
    }
}

/// `--period N` at the history's inferred frequency (month starts here), or
/// at `--freq`.
#[test]
fn forecast_period_follows_the_calendar() {
    let model = ext("models/monthly_start.tar.gz");
    let inferred = ok(&gridcast(&[
        "forecast",
        "--model",
        model.to_str().unwrap(),
        "--period",
        "12",
        "--seed",
        "1",
    ]));
    let want = expected("monthly_start");
    let ds: Vec<i64> = inferred["ds"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let python: Vec<i64> = want["ds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| gridcast_model::parse_timestamp(d.as_str().unwrap()).unwrap() * 1000)
        .collect();
    assert_eq!(ds, python);
    let given = ok(&gridcast(&[
        "forecast",
        "--model",
        model.to_str().unwrap(),
        "--period",
        "12",
        "--freq",
        "MS",
        "--seed",
        "1",
    ]));
    assert_eq!(given, inferred);
    let quarterly = ok(&gridcast(&[
        "forecast",
        "--model",
        model.to_str().unwrap(),
        "--period",
        "2",
        "--freq",
        "QS",
    ]));
    // 2023-01-01 and 2023-04-01.
    assert_eq!(quarterly["ds"]["96"], 1_672_531_200_000i64);
    assert_eq!(quarterly["ds"]["97"], 1_680_307_200_000i64);
}

/// What is missing is named, with how to give it.
#[test]
fn forecast_and_fit_errors_name_what_is_missing() {
    let regressors = ext("models/temp_regressor.tar.gz");
    let err = failure(&gridcast(&[
        "forecast",
        "--model",
        regressors.to_str().unwrap(),
        "--period",
        "7",
    ]));
    assert!(
        err.contains("`temperature`") && err.contains("--future"),
        "{err}"
    );
    let err = failure(&gridcast(&[
        "forecast",
        "--model",
        regressors.to_str().unwrap(),
        "--future",
        ext("future/holidays_country.csv").to_str().unwrap(),
    ]));
    assert!(err.contains("column `temperature` is missing"), "{err}");
    let err = failure(&gridcast(&[
        "forecast",
        "--model",
        regressors.to_str().unwrap(),
        "--period",
        "7",
        "--freq",
        "fortnight",
    ]));
    assert!(
        err.contains("--freq") && err.contains("unknown frequency"),
        "{err}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m.tar.gz");
    let err = failure(&gridcast(&[
        "fit",
        "--data",
        ext("data/mcmc_small.csv").to_str().unwrap(),
        "--config",
        ext("config/mcmc_small.json").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(err.contains("mcmc_samples") && err.contains("MAP"), "{err}");
    let err = failure(&gridcast(&[
        "fit",
        "--data",
        ext("data/temp_regressor.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(err.contains("column `temperature` is not used"), "{err}");
    assert!(!out.exists());
}

/// `serve --max-connections-per-address` (or GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS)
/// is a positive number or `off`; anything else stops `serve` before it
/// starts, naming the flag. (The `--auth` file is missing, so a value the
/// parser let through would fail later with another message, not serve.)
#[test]
fn serve_takes_a_positive_per_address_limit_or_off() {
    let missing = std::env::temp_dir().join("gridcast-no-such-dir/auth.json");
    let serve = |value: Option<&str>, env: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gridcast"));
        command.args(["serve", "--port", "0", "--auth", missing.to_str().unwrap()]);
        command.env_remove("GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS");
        if let Some(value) = value {
            command.args(["--max-connections-per-address", value]);
        }
        if let Some(env) = env {
            command.env("GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS", env);
        }
        command.output().expect("gridcast runs")
    };
    for (value, env) in [(Some("0"), None), (Some("lots"), None), (None, Some("0"))] {
        let out = serve(value, env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value:?} {env:?}: {err}");
        assert!(
            err.contains("--max-connections-per-address") && err.contains("or `off`"),
            "{err}"
        );
    }
    for (value, env) in [(Some("1"), None), (Some("off"), None), (None, Some("off"))] {
        let out = serve(value, env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{value:?} {env:?}: {err}");
        assert!(err.contains("auth.json"), "{err}");
    }
}

/// `serve --trusted-proxies` (or GRIDCAST_TRUSTED_PROXIES) is `off` or
/// addresses and CIDR blocks; a name or a bad block stops `serve` before it
/// starts, naming the flag and the entry.
#[test]
fn serve_takes_trusted_proxies_as_addresses_and_blocks_or_off() {
    let missing = std::env::temp_dir().join("gridcast-no-such-dir/auth.json");
    let serve = |value: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gridcast"));
        command.args(["serve", "--port", "0", "--auth", missing.to_str().unwrap()]);
        command.env_remove("GRIDCAST_TRUSTED_PROXIES");
        command.args(["--trusted-proxies", value]);
        command.output().expect("gridcast runs")
    };
    for value in ["proxy.internal", "10.0.0.0/33", "10.0.0.0/8,"] {
        let out = serve(value);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {err}");
        assert!(
            err.contains("--trusted-proxies") && err.contains("is not an address or CIDR block"),
            "{err}"
        );
    }
    for value in ["off", "10.0.0.0/8,127.0.0.1", "fd00::/8"] {
        let out = serve(value);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{value}: {err}");
        assert!(err.contains("auth.json"), "{err}");
    }
}
