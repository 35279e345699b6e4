//! model.json compatibility: the variants older Prophet versions and docs
//! produced, and a field-by-field round trip through our writer.

mod common;

use common::ext::{ExtCase, EXT_CASES};
use common::{Case, CASES};
use gridcast_model::{
    predict, read_artifact, read_model_json, read_model_json_to_forecast, write_model_json,
    ArtifactLimits, ForecastOptions, ModelJsonError,
};
use serde_json::Value;

fn python_json(id: &str) -> String {
    let case = Case::load(id);
    String::from_utf8(
        read_artifact(&case.artifact, &ArtifactLimits::default())
            .unwrap()
            .model_json,
    )
    .unwrap()
}

fn forecast(model: &gridcast_model::ProphetModel) -> Vec<f64> {
    let rows = gridcast_model::future_frame(model, 5, None).unwrap();
    predict(
        model,
        &rows,
        &ForecastOptions {
            seed: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
    .column("yhat")
    .unwrap()
    .to_vec()
}

/// A document JSON-encoded twice, with `Z` dates and without `scaling`
/// (Prophet < 1.1.5) loads and forecasts like the original.
#[test]
fn accepts_double_encoding_z_dates_and_missing_scaling() {
    let text = python_json("seed_trend_only");
    let original = read_model_json(text.as_bytes()).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let obj = doc.as_object_mut().unwrap();
    obj.remove("scaling");
    obj.remove("y_min");
    obj.remove("holidays_mode");
    for key in ["history", "changepoints", "history_dates"] {
        let s = obj[key].as_str().unwrap().replace(".000\"", ".000Z\"");
        obj.insert(key.into(), Value::String(s));
    }
    let twice = serde_json::to_string(&Value::String(doc.to_string())).unwrap();
    let old = read_model_json(twice.as_bytes()).unwrap();
    assert_eq!(forecast(&old), forecast(&original));
    assert_eq!(old.history_dates, original.history_dates);
}

/// What we write reads back field for field, for every reference case.
#[test]
fn round_trips_field_by_field() {
    for id in CASES {
        let python = read_model_json(python_json(id).as_bytes()).unwrap();
        let ours = read_model_json(write_model_json(&python).as_bytes()).unwrap();
        assert_eq!(ours, python, "{id}");
        // And the written document has Python's keys in Python's order.
        let a: Value = serde_json::from_str(&write_model_json(&python)).unwrap();
        let b: Value = serde_json::from_str(&python_json(id)).unwrap();
        let ka: Vec<&String> = a.as_object().unwrap().keys().collect();
        let kb: Vec<&String> = b.as_object().unwrap().keys().collect();
        assert_eq!(ka, kb, "{id}: keys");
    }
}

/// Python's models with holidays, country holidays, regressors, conditions,
/// cap/floor columns and MCMC draws read, write back and read again field for
/// field, with Python's keys in Python's order, and forecast the same.
#[test]
fn ext_models_round_trip_field_by_field() {
    for id in EXT_CASES {
        let case = ExtCase::load(id);
        let python = case.python_model();
        let written = write_model_json(&python);
        let ours = read_model_json(written.as_bytes()).unwrap();
        assert_eq!(ours, python, "{id}");
        let a: Value = serde_json::from_str(&written).unwrap();
        let b: Value = serde_json::from_str(&case.model_json()).unwrap();
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        assert_eq!(keys(&a), keys(&b), "{id}: keys");
        assert_eq!(keys(&a["params"]), keys(&b["params"]), "{id}: params keys");
        // Same shapes: MCMC scalars as 1-D lists, MAP ones as [[v]].
        for name in ["k", "sigma_obs", "delta", "beta"] {
            assert_eq!(
                a["params"][name].as_array().unwrap()[0].is_array(),
                b["params"][name].as_array().unwrap()[0].is_array(),
                "{id}: params.{name} shape"
            );
        }
        let opts = ForecastOptions {
            seed: Some(1),
            ..Default::default()
        };
        assert_eq!(
            predict(&ours, &case.future, &opts).unwrap(),
            predict(&python, &case.future, &opts).unwrap(),
            "{id}"
        );
    }
}

/// The browser engines' read is `read_model_json`'s model without the JSON it
/// keeps only to write back (`fit_kwargs`, `predictor_spec`), and its errors.
#[test]
fn the_forecast_read_is_the_model_without_the_verbatim_json() {
    let mut texts: Vec<String> = CASES.iter().map(|id| python_json(id)).collect();
    texts.extend(EXT_CASES.iter().map(|id| ExtCase::load(id).model_json()));
    let mut kept = 0;
    for text in &texts {
        let mut full = read_model_json(text.as_bytes()).unwrap();
        let forecast = read_model_json_to_forecast(text.as_bytes()).unwrap();
        kept += usize::from(full.fit_kwargs != Value::Null);
        kept += full
            .extra_regressors
            .iter()
            .filter(|r| r.predictor_spec != Value::Null)
            .count();
        full.fit_kwargs = Value::Null;
        for r in &mut full.extra_regressors {
            r.predictor_spec = Value::Null;
        }
        assert_eq!(forecast, full);
    }
    assert!(kept > 0, "the fixtures keep some verbatim JSON");
    let text = python_json("daily_auto");
    let broken = [
        text.replace("\"fit_kwargs\": {", "\"fit_kwargs\": {\"a\": [1,"),
        text.replace("\"y_scale\"", "\"y_scale\": \"x\", \"q\""),
        "{\"growth\": 3}".to_string(),
        "[]".to_string(),
    ];
    for doc in &broken {
        let full = read_model_json(doc.as_bytes()).unwrap_err();
        assert_eq!(read_model_json_to_forecast(doc.as_bytes()).unwrap_err(), full);
    }
}

/// Unsupported and broken documents get typed errors that say what is wrong.
#[test]
fn rejects_what_it_cannot_forecast() {
    let text = python_json("daily_auto");
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["extra_regressors"] = serde_json::json!([["temp"], {"temp": {}}]);
    let err = read_model_json(doc.to_string().as_bytes()).unwrap_err();
    assert!(
        matches!(&err, ModelJsonError::Invalid { field, .. } if field == "extra_regressors"),
        "{err}"
    );
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["params"]["beta"] = serde_json::json!([[0.1, 0.2]]);
    let err = read_model_json(doc.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "model.json field `params.beta`: 2 values for 6 feature columns"
    );
    assert!(matches!(
        read_model_json(b"{\"growth\": 3}"),
        Err(ModelJsonError::Syntax(_))
    ));
    assert!(matches!(
        read_model_json(b"not json"),
        Err(ModelJsonError::Syntax(_))
    ));
}
