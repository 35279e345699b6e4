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

/// A prophet-ext case, read at compile time.
struct Ext {
    model: &'static [u8],
    data: &'static [u8],
    future: &'static [u8],
    config: &'static str,
    expected: &'static str,
}

macro_rules! ext {
    ($id:literal) => {
        Ext {
            model: include_bytes!(concat!(
                "../../../../shared/fixtures/prophet-ext/models/",
                $id,
                ".tar.gz"
            )),
            data: include_bytes!(concat!(
                "../../../../shared/fixtures/prophet-ext/data/",
                $id,
                ".csv"
            )),
            future: include_bytes!(concat!(
                "../../../../shared/fixtures/prophet-ext/future/",
                $id,
                ".csv"
            )),
            config: include_str!(concat!(
                "../../../../shared/fixtures/prophet-ext/config/",
                $id,
                ".json"
            )),
            expected: include_str!(concat!(
                "../../../../shared/fixtures/prophet-ext/expected/",
                $id,
                ".json"
            )),
        }
    };
}

fn ext_cases() -> Vec<(&'static str, Ext)> {
    vec![
        ("holidays_country", ext!("holidays_country")),
        ("temp_regressor", ext!("temp_regressor")),
        ("conditional_winter", ext!("conditional_winter")),
        ("logistic_columns", ext!("logistic_columns")),
        ("monthly_start", ext!("monthly_start")),
        ("monthly_end", ext!("monthly_end")),
        ("weekly_sunday", ext!("weekly_sunday")),
        ("hourly_temp", ext!("hourly_temp")),
        ("missing_gaps", ext!("missing_gaps")),
        ("mcmc_small", ext!("mcmc_small")),
    ]
}

fn ext_column(expected: &serde_json::Value, name: &str) -> Vec<f64> {
    expected["columns"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Holidays (country ones from the compiled-in tables), regressors,
/// conditions, cap/floor columns, month starts and ends, Sunday weeks, hourly data
/// with a regressor, missing values and MCMC draws
/// forecast in wasm as Python does, and fit to Python's log density.
#[wasm_bindgen_test]
fn ext_forecasts_and_fits_match_python() {
    let opts = ForecastOptions {
        seed: Some(7),
        ..Default::default()
    };
    for (id, case) in ext_cases() {
        let expected: serde_json::Value = serde_json::from_str(case.expected).unwrap();
        let y_scale = expected["y_scale"].as_f64().unwrap();
        let future = Frame::from_csv(case.future).unwrap();
        let model = read_model_json(
            &read_artifact(case.model, &ArtifactLimits::default())
                .unwrap()
                .model_json,
        )
        .unwrap();
        let fc = predict(&model, &future, &opts).unwrap();
        for name in ["trend", "yhat", "additive_terms", "multiplicative_terms"] {
            for (a, b) in fc
                .column(name)
                .unwrap()
                .iter()
                .zip(ext_column(&expected, name))
            {
                assert!((a - b).abs() < 1e-6 * y_scale, "{id} {name}: {a} vs {b}");
            }
        }
        if id == "mcmc_small" {
            continue;
        }
        let config = ProphetConfig::from_json(case.config).unwrap();
        let fitted = fit(&Frame::from_csv(case.data).unwrap(), &config).unwrap();
        let lp = expected["lp"].as_f64().unwrap();
        assert!(
            fitted.report.lp >= lp,
            "{id}: lp {} < {lp}",
            fitted.report.lp
        );
        let fc = predict(&fitted.model, &future, &opts).unwrap();
        for (a, b) in fc
            .column("yhat")
            .unwrap()
            .iter()
            .zip(ext_column(&expected, "yhat"))
        {
            assert!(
                (a - b).abs() < 0.005 * y_scale,
                "{id}: fitted yhat {a} vs {b}"
            );
        }
    }
}

/// A forecast asked without a seed draws its stream from `Math.random()`
/// in wasm: two such bands differ, each finite and around `yhat`; the
/// seeded band is the same every time.
#[wasm_bindgen_test]
fn unseeded_bands_differ_and_seeded_bands_repeat() {
    let artifact = read_artifact(MODEL, &ArtifactLimits::default()).unwrap();
    let model = read_model_json(&artifact.model_json).unwrap();
    let rows = future_frame(&model, 7, None).unwrap();
    let band = |seed: Option<u64>| {
        let fc = predict(
            &model,
            &rows,
            &ForecastOptions {
                seed,
                ..Default::default()
            },
        )
        .unwrap();
        let (lo, yhat, hi) = (
            fc.column("yhat_lower").unwrap().to_vec(),
            fc.column("yhat").unwrap().to_vec(),
            fc.column("yhat_upper").unwrap().to_vec(),
        );
        for i in 0..yhat.len() {
            assert!(lo[i].is_finite() && hi[i].is_finite() && lo[i] <= yhat[i] && yhat[i] <= hi[i]);
        }
        (lo, hi)
    };
    assert_ne!(band(None), band(None));
    assert_eq!(band(Some(5)), band(Some(5)));
}
