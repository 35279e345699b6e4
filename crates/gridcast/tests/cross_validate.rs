//! `gridcast cross-validate`: Python's arguments and defaults, its rows and
//! its performance_metrics records, and the typed refusals.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn ext(path: &str) -> String {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing at {}",
        dir.display()
    );
    dir.join(path).to_str().unwrap().to_owned()
}

fn gridcast(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gridcast"))
        .args(args)
        .output()
        .expect("gridcast runs")
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

/// temp_regressor (two regressors from the data file) with the fixture's
/// arguments: Python's cutoffs and row count in `--out`, and the metric
/// records with horizon in days, Python's columns in Python's order.
#[test]
fn cross_validate_writes_pythons_rows_and_metrics() {
    let python: Value =
        serde_json::from_slice(&std::fs::read(ext("cv/temp_regressor.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("cv.csv");
    let out = gridcast(&[
        "cross-validate",
        "--data",
        &ext("data/temp_regressor.csv"),
        "--config",
        &ext("config/temp_regressor.json"),
        "--horizon",
        "30 days",
        "--initial",
        "730 days",
        "--period",
        "90 days",
        "--seed",
        "3",
        "--out",
        rows.to_str().unwrap(),
    ]);
    let metrics = ok(&out);
    let records = metrics.as_array().unwrap();
    let python_records = python["metrics"].as_array().unwrap();
    assert_eq!(records.len(), python_records.len());
    let keys = |r: &Value| r.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&records[0]), keys(&python_records[0]));
    assert_eq!(records[0]["horizon"], python_records[0]["horizon"]);
    let csv = std::fs::read_to_string(&rows).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("ds,yhat,yhat_lower,yhat_upper,y,cutoff"));
    let body: Vec<&str> = lines.collect();
    assert_eq!(body.len(), python["cv_rows"].as_u64().unwrap() as usize);
    let mut cutoffs: Vec<String> = body
        .iter()
        .map(|l| format!("{}T00:00:00", l.rsplit(',').next().unwrap()))
        .collect();
    cutoffs.dedup();
    let want: Vec<&str> = python["cutoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cutoffs, want);
    // The same seed, the same answer.
    let again = gridcast(&[
        "cross-validate",
        "--data",
        &ext("data/temp_regressor.csv"),
        "--config",
        &ext("config/temp_regressor.json"),
        "--horizon",
        "30 days",
        "--initial",
        "730 days",
        "--period",
        "90 days",
        "--seed",
        "3",
    ]);
    assert_eq!(ok(&again), metrics);
}

/// Python's defaults (initial 3 × horizon, period horizon / 2) and given
/// cutoffs; rolling_window 0 gives one record per horizon (1, 2, … days).
#[test]
fn defaults_cutoffs_and_rolling_window() {
    let data = ext("data/conditional_winter.csv");
    let config = ext("config/conditional_winter.json");
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("cv.csv");
    let out = gridcast(&[
        "cross-validate",
        "--data",
        &data,
        "--config",
        &config,
        "--horizon",
        "14 days",
        "--rolling-window",
        "0",
        "--out",
        rows.to_str().unwrap(),
    ]);
    let records = ok(&out);
    let horizons: Vec<f64> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["horizon"].as_f64().unwrap())
        .collect();
    assert_eq!(horizons, (1..=14).map(f64::from).collect::<Vec<_>>());
    // Days 0..=699 of history: cutoffs every 7 days back from day 685
    // (the end minus 14 days) while 42 days (3 × 14) stay before them.
    let csv = std::fs::read_to_string(&rows).unwrap();
    let mut cutoffs: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    cutoffs.dedup();
    assert_eq!(cutoffs.first(), Some(&"2021-07-19"));
    assert_eq!(cutoffs.last(), Some(&"2023-04-17"));
    assert_eq!(cutoffs.len(), 92);

    let out = gridcast(&[
        "cross-validate",
        "--data",
        &data,
        "--config",
        &config,
        "--horizon",
        "7 days",
        "--cutoffs",
        "2022-06-01,2022-12-01",
        "--rolling-window",
        "1",
    ]);
    let records = ok(&out);
    // rolling_window 1: one window of all 14 rows, at the last horizon.
    assert_eq!(records.as_array().unwrap().len(), 1);
    assert_eq!(records[0]["horizon"], 7.0);
}

/// A meter with idle days: mape is left out (|y| < 1e-8), as Python leaves
/// it out; mdape, smape and the rest stay.
#[test]
fn zero_readings_leave_out_mape() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../gridcast-model/tests/diagnostics/idle_meter.csv");
    let out = gridcast(&[
        "cross-validate",
        "--data",
        data.to_str().unwrap(),
        "--horizon",
        "14 days",
        "--initial",
        "120 days",
        "--period",
        "14 days",
    ]);
    let records = ok(&out);
    let keys: Vec<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["horizon", "mse", "rmse", "mae", "mdape", "smape", "coverage"]
    );
}

/// Python's refusals, typed: a horizon longer than the data, an initial
/// window that leaves no cutoff, cutoffs outside the history, text that is
/// no Timedelta, and months (no fixed length).
#[test]
fn refusals_say_what_to_change() {
    let data = ext("data/temp_regressor.csv");
    let config = ext("config/temp_regressor.json");
    let run = |extra: &[&str]| {
        let mut args = vec!["cross-validate", "--data", &data, "--config", &config];
        args.extend_from_slice(extra);
        failure(&gridcast(&args))
    };
    let err = run(&["--horizon", "2000 days"]);
    assert!(err.contains("less data than horizon"), "{err}");
    let err = run(&["--horizon", "30 days", "--initial", "1090 days"]);
    assert!(err.contains("make --horizon or --initial shorter"), "{err}");
    let err = run(&["--horizon", "30 days", "--cutoffs", "2023-12-15"]);
    assert!(err.contains("later than the history's last date"), "{err}");
    let err = run(&["--horizon", "30 days", "--cutoffs", "2021-01-01"]);
    assert!(
        err.contains("is not after the history's first date"),
        "{err}"
    );
    let err = run(&["--horizon", "thirty days"]);
    assert!(err.contains("is not a pandas Timedelta"), "{err}");
    let err = run(&["--horizon", "1 month"]);
    assert!(err.contains("no fixed length"), "{err}");
    let err = run(&[
        "--horizon",
        "1 day",
        "--period",
        "1 day",
        "--max-cutoffs",
        "50",
    ]);
    assert!(err.contains("more than 50 cutoffs"), "{err}");
}
