//! The same fit and forecast, compiled to wasm32 and run under Node
//! (`cargo test -p gridcast-model --target wasm32-unknown-unknown --test wasm`).
#![cfg(target_arch = "wasm32")]

use gridcast_model::{
    fit, future_frame, predict, read_artifact, read_model_json, seed_response, write_artifact,
    write_model_json, Artifact, ArtifactLimits, ForecastOptions, Frame, ProphetConfig,
};
use wasm_bindgen_test::wasm_bindgen_test;

// The fixtures are read at compile time: there is no file system in wasm.
const MODEL: &[u8] =
    include_bytes!("../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");
const DATA: &[u8] = include_bytes!("../../../../shared/fixtures/prophet/data/seed_trend_only.csv");
const EXPECTED: &str =
    include_str!("../../../../shared/fixtures/prophet/expected/seed_trend_only.json");

fn expected(name: &str) -> Vec<f64> {
    let v: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    v[name]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn forecast_from_python_artifact_matches_python() {
    let artifact = read_artifact(MODEL, &ArtifactLimits::default()).unwrap();
    let model = read_model_json(&artifact.model_json).unwrap();
    let rows = future_frame(&model, 7, None).unwrap();
    let fc = predict(
        &model,
        &rows,
        &ForecastOptions {
            seed: Some(7),
            ..Default::default()
        },
    )
    .unwrap();
    for (a, b) in fc.column("yhat").unwrap().iter().zip(expected("yhat")) {
        assert!((a - b).abs() < 1e-6 * model.y_scale, "{a} vs {b}");
    }
}

#[wasm_bindgen_test]
fn fit_and_forecast_match_python() {
    let series = Frame::from_csv(DATA).unwrap();
    let (train, _) = series.split_holdout(7);
    let fitted = fit(&train, &ProphetConfig::seed()).unwrap();
    assert!(
        fitted.report.lp >= 956.76644 - 1e-3 * 956.76644,
        "lp {}",
        fitted.report.lp
    );
    let rows = future_frame(&fitted.model, 7, None).unwrap();
    let fc = predict(
        &fitted.model,
        &rows,
        &ForecastOptions {
            seed: Some(7),
            ..Default::default()
        },
    )
    .unwrap();
    for (a, b) in fc.column("yhat").unwrap().iter().zip(expected("yhat")) {
        assert!((a - b).abs() < 0.005 * fitted.model.y_scale, "{a} vs {b}");
    }
    // And the artifact round-trips in wasm too.
    let bytes = write_artifact(&Artifact {
        model_json: write_model_json(&fitted.model).into_bytes(),
        code: vec![],
    });
    let back = read_model_json(
        &read_artifact(&bytes, &ArtifactLimits::default())
            .unwrap()
            .model_json,
    )
    .unwrap();
    let opts = ForecastOptions {
        seed: Some(3),
        ..Default::default()
    };
    assert_eq!(
        seed_response(&back, 7, &opts).unwrap(),
        seed_response(&fitted.model, 7, &opts).unwrap()
    );
}
