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
