//! The native side of the browser tests: the signatures and the device
//! forecast the browser must reproduce, checked against the golden files,
//! and the golden files checked against sources that are not this code:
//! the endpoint's SigV4 verifier and Python Prophet's forecast of the same
//! model.json (`../shared/fixtures/prophet/expected`). `make test-python`
//! also checks them with botocore's signer and Python Prophet's `predict`
//! (`tests/client_golden.py`).
//!
//! After an intended change, `make bless-golden` rewrites the files (the
//! ignored test [`bless_golden_files`]; it refuses to run in CI, and the
//! other tests never write).
#![cfg(not(target_arch = "wasm32"))]

mod shared;

use std::path::PathBuf;

use gridcast_client::forecast_on_device;
use gridcast_signing::{parse_authorization, verify_request, PathRules, RequestParts};
use serde_json::Value;
use shared::*;

const SIGNED_FILE: &str = "signed-requests.json";
const FORECAST_FILE: &str = "forecast-seed_trend_only-14-seed7.json";

fn forecast_json() -> Value {
    let t = forecast_on_device(ARTIFACT, PERIODS, Some(SEED)).unwrap();
    assert_eq!(t.len(), PERIODS as usize);
    table_json(&t)
}

/// Python Prophet's forecast of the fixture's model.json (its first rows).
fn python_expected() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/prophet/expected/seed_trend_only.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared fixtures beside the repo)",
            path.display()
        )
    }))
    .unwrap()
}

/// The endpoint's verifier accepts a golden request at the golden time.
fn assert_verifies(golden: &Value, which: &str) {
    let signing = &golden["signing"];
    let request = &golden[which];
    let url = request["url"].as_str().unwrap();
    let (host, path_and_query) = url
        .trim_start_matches("https://")
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("host", host.parse().unwrap());
    for pair in request["headers"].as_array().unwrap() {
        let name: http::HeaderName = pair[0].as_str().unwrap().parse().unwrap();
        headers.append(name, pair[1].as_str().unwrap().parse().unwrap());
    }
    let auth = parse_authorization(headers["authorization"].to_str().unwrap()).unwrap();
    let mut credentials = gridcast_signing::Credentials::new(
        signing["access_key_id"].as_str().unwrap(),
        signing["secret_access_key"].as_str().unwrap(),
    );
    if let Some(token) = signing["session_token"].as_str() {
        credentials = credentials.with_session_token(token);
    }
    let parts = RequestParts {
        method: request["method"].as_str().unwrap(),
        path_and_query: &path_and_query,
        headers: &headers,
        body: request["body"].as_str().unwrap().as_bytes(),
    };
    let verified = verify_request(
        &parts,
        &auth,
        &credentials,
        signing["region"].as_str().unwrap(),
        signing["service"].as_str().unwrap(),
        signing["time"].as_i64().unwrap(),
        PathRules::SAGEMAKER,
    );
    assert_eq!(verified, Ok(()), "{which}");
    // Not vacuous: the verifier notices another body or time.
    let tampered = RequestParts {
        body: b"{\"period\": 8}",
        ..parts
    };
    let again = verify_request(
        &tampered,
        &auth,
        &credentials,
        signing["region"].as_str().unwrap(),
        signing["service"].as_str().unwrap(),
        signing["time"].as_i64().unwrap(),
        PathRules::SAGEMAKER,
    );
    assert!(again.is_err(), "{which}: another body verified");
}

#[test]
fn native_signatures_are_the_golden_ones() {
    let expected: Value = serde_json::from_str(SIGNED).unwrap();
    assert_eq!(signed_json(), expected);
}

#[test]
fn golden_signatures_pass_the_endpoints_verifier() {
    let golden: Value = serde_json::from_str(SIGNED).unwrap();
    let auth = golden["invocation"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAGOLDENEXAMPLE/20260921/eu-west-1/sagemaker/aws4_request"), "{auth}");
    assert_verifies(&golden, "invocation");
    assert_verifies(&golden, "download");
}

#[test]
fn native_device_forecast_is_the_golden_one() {
    let expected: Value = serde_json::from_str(FORECAST).unwrap();
    assert_tables_agree(&forecast_json(), &expected, 1e-9 * 1000.0);
}

/// The golden forecast's days and means are Python Prophet's for the same
/// model.json (the fixture holds its first 7 rows; `tests/client_golden.py`
/// checks all 14 and the band against Python's `predict`).
#[test]
fn golden_forecast_is_python_prophets() {
    let golden: Value = serde_json::from_str(FORECAST).unwrap();
    let python = python_expected();
    let y_scale = python["y_scale"].as_f64().unwrap();
    let python_yhat = python["yhat"].as_array().unwrap();
    let python_ds = python["ds"].as_array().unwrap();
    assert!(python_yhat.len() >= 7);
    for (i, (want, ds)) in python_yhat.iter().zip(python_ds).enumerate() {
        let day = gridcast_model::parse_timestamp(ds.as_str().unwrap()).unwrap();
        assert_eq!(golden["ds"][i].as_i64(), Some(day), "ds[{i}]");
        let (ours, want) = (golden["yhat"][i].as_f64().unwrap(), want.as_f64().unwrap());
        assert!(
            (ours - want).abs() < 1e-6 * y_scale,
            "yhat[{i}] {ours} vs Python's {want}"
        );
    }
}

/// Rewrites the golden files from this build. Run by `make bless-golden`
/// after an intended change (then review the diff); ignored by `cargo test`,
/// refused in CI and without `GRIDCAST_BLESS=1`.
#[test]
#[ignore = "rewrites the golden files: make bless-golden"]
fn bless_golden_files() {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set: golden files are never rewritten in CI"
    );
    assert!(
        std::env::var("GRIDCAST_BLESS").as_deref() == Ok("1"),
        "set GRIDCAST_BLESS=1 to rewrite the golden files (make bless-golden)"
    );
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (name, value) in [
        (SIGNED_FILE, signed_json()),
        (FORECAST_FILE, forecast_json()),
    ] {
        std::fs::write(
            dir.join(name),
            serde_json::to_string_pretty(&value).unwrap() + "\n",
        )
        .unwrap();
        eprintln!("rewrote {}", dir.join(name).display());
    }
}
