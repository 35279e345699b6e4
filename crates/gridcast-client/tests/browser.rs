//! The client in headless Chromium (wasm-bindgen-test with chromedriver):
//! signatures equal to the native signer's, the device forecast equal to
//! the native forecast, IndexedDB storage, and fetch failures classified.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_WEBDRIVER_JSON=crates/gridcast-client/webdriver.json
//!  cargo test -p gridcast-client --target wasm32-unknown-unknown --test browser`
#![cfg(target_arch = "wasm32")]

mod shared;

use gridcast_client::artifact_store::{ArtifactStore, StoredArtifact};
use gridcast_client::request::PreparedRequest;
use gridcast_client::transport::send;
use gridcast_client::{forecast_on_device, OnDeviceModel, Problem};
use shared::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn browser_signatures_equal_the_native_signers() {
    let expected: serde_json::Value = serde_json::from_str(SIGNED).unwrap();
    assert_eq!(signed_json(), expected);
}

#[wasm_bindgen_test]
fn browser_forecast_equals_the_native_forecast() {
    let t = forecast_on_device(ARTIFACT, PERIODS, Some(SEED)).unwrap();
    let expected: serde_json::Value = serde_json::from_str(FORECAST).unwrap();
    let y_scale = OnDeviceModel::from_artifact(ARTIFACT)
        .unwrap()
        .model
        .y_scale;
    assert_tables_agree(&table_json(&t), &expected, 1e-9 * y_scale);
}

#[wasm_bindgen_test]
async fn artifacts_are_kept_in_indexeddb() {
    let store = ArtifactStore::open_named("gridcast-test").await.unwrap();
    let key = "https://e.example|gridcast|42.tar.gz";
    store.delete(key).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);
    let first = StoredArtifact {
        bytes: ARTIFACT.to_vec(),
        etag: Some("\"v1\"".into()),
        saved_at_ms: 1.0e12,
        covariates: b"ds,temperature\n2023-01-01,4.5\n".to_vec(),
        covariates_etag: Some("\"c1\"".into()),
        holidays: include_bytes!("../../gridcast-holidays/data/US.bin").to_vec(),
        // The portal's build (this crate without `engine`) keeps the model's facts.
        facts: gridcast_client::ModelFacts::of(&OnDeviceModel::from_artifact(ARTIFACT).unwrap()).to_json(),
    };
    store.put(key, &first).await.unwrap();
    // A second connection (a reload) sees it.
    let again = ArtifactStore::open_named("gridcast-test").await.unwrap();
    let got = again.get(key).await.unwrap().unwrap();
    assert_eq!(got, first);
    assert!(forecast_on_device(&got.bytes, 3, Some(1)).is_ok());
    // Replaced, not duplicated; other keys untouched.
    let second = StoredArtifact {
        bytes: vec![1, 2, 3],
        etag: None,
        saved_at_ms: 2.0e12,
        covariates: Vec::new(),
        covariates_etag: None,
        holidays: Vec::new(),
        facts: Vec::new(),
    };
    store.put(key, &second).await.unwrap();
    store.put("other", &first).await.unwrap();
    assert_eq!(store.get(key).await.unwrap().unwrap(), second);
    store.delete(key).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);
    assert!(store.get("other").await.unwrap().is_some());
}

#[wasm_bindgen_test]
async fn no_answer_is_unreachable_so_the_device_answers() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let r = PreparedRequest {
        method: "GET",
        url: "http://127.0.0.1:9/endpoints/gridcast/models/42.tar.gz".into(),
        headers: vec![],
        body: vec![],
    };
    let p = send(&r, 3_000).await.unwrap_err();
    assert!(
        matches!(p, Problem::Unreachable(_) | Problem::Timeout(_)),
        "{p:?}"
    );
    assert!(p.endpoint_down());
}
