//! The native side of the browser tests: the signatures and the device
//! forecast the browser must reproduce, checked against the golden files
//! (`GRIDCAST_BLESS=1` rewrites them after an intended change).
#![cfg(not(target_arch = "wasm32"))]

mod shared;

use gridcast_client::forecast_on_device;
use shared::*;

fn golden(name: &str, actual: &serde_json::Value, expected: &str) {
    if std::env::var_os("GRIDCAST_BLESS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        std::fs::write(path, serde_json::to_string_pretty(actual).unwrap() + "\n").unwrap();
        return;
    }
    let expected: serde_json::Value = serde_json::from_str(expected).unwrap();
    if name.starts_with("forecast") {
        assert_tables_agree(actual, &expected, 1e-9 * 1000.0);
    } else {
        assert_eq!(actual, &expected);
    }
}

#[test]
fn native_signatures_are_the_golden_ones() {
    let v = signed_json();
    // Not vacuous: a real SigV4 authorization for the golden scope.
    let auth = v["invocation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAGOLDENEXAMPLE/20260921/eu-west-1/sagemaker/aws4_request"), "{auth}");
    golden("signed-requests.json", &v, SIGNED);
}

#[test]
fn native_device_forecast_is_the_golden_one() {
    let t = forecast_on_device(ARTIFACT, PERIODS, Some(SEED)).unwrap();
    assert_eq!(t.len(), PERIODS as usize);
    golden(
        "forecast-seed_trend_only-14-seed7.json",
        &table_json(&t),
        FORECAST,
    );
}
