//! Model files from anyone: every number a model.json holds is bounded when it
//! is read ([`ModelBounds`]), and forecasting with what passed cannot
//! allocate without a bound or panic.

mod common;

use common::Case;
use gridcast_model::{
    future_dates, read_artifact, read_model_json, seed_response, ArtifactLimits, ForecastError,
    ForecastOptions, FrequencyError, ModelBounds, ModelJsonError, MAX_UNCERTAINTY_DRAWS,
};
use serde_json::{json, Value};

fn python_doc(id: &str) -> Value {
    let case = Case::load(id);
    let json = read_artifact(&case.artifact, &ArtifactLimits::default())
        .unwrap()
        .model_json;
    serde_json::from_slice(&json).unwrap()
}

fn read(doc: &Value) -> Result<gridcast_model::ProphetModel, ModelJsonError> {
    read_model_json(doc.to_string().as_bytes())
}

fn with(id: &str, field: &str, value: Value) -> Value {
    let mut doc = python_doc(id);
    doc[field] = value;
    doc
}

fn out_of_bounds_field(doc: &Value) -> String {
    match read(doc) {
        Err(ModelJsonError::OutOfBounds { field, .. }) => field,
        Err(other) => panic!("expected OutOfBounds, got {other:?}"),
        Ok(_) => panic!("expected OutOfBounds, the model was read"),
    }
}

fn options() -> ForecastOptions {
    ForecastOptions {
        seed: Some(7),
        ..Default::default()
    }
}

/// `4294967295` samples used to abort the process allocating 240 GB;
/// `4294967296` silently became 0 (an answer without bands).
#[test]
fn uncertainty_samples_are_bounded_and_never_wrap() {
    let max = ModelBounds::default().max_uncertainty_samples;
    assert!(read(&with("seed_trend_only", "uncertainty_samples", json!(max))).is_ok());
    for over in [u64::from(max) + 1, 4_294_967_295] {
        let doc = with("seed_trend_only", "uncertainty_samples", json!(over));
        assert_eq!(out_of_bounds_field(&doc), "uncertainty_samples", "{over}");
    }
    let wrapped = with(
        "seed_trend_only",
        "uncertainty_samples",
        json!(4_294_967_296u64),
    );
    match read(&wrapped) {
        Err(ModelJsonError::Syntax(message)) => {
            assert!(message.contains("4294967296"), "{message}")
        }
        other => panic!("4294967296 samples must be refused, got {other:?}"),
    }
    // Python's old boolean form still reads.
    let old = read(&with("seed_trend_only", "uncertainty_samples", json!(true))).unwrap();
    assert_eq!(old.settings.uncertainty_samples, 1000);
}

/// `interval_width` 3.0 or −5.0 made the percentile index run off the draws (a panic).
#[test]
fn interval_width_is_between_0_and_1() {
    for bad in [json!(3.0), json!(-5.0), json!(0.0), json!(1.0)] {
        let doc = with("seed_trend_only", "interval_width", bad.clone());
        assert_eq!(out_of_bounds_field(&doc), "interval_width", "{bad}");
    }
    let err = read(&with("seed_trend_only", "interval_width", json!(3.0))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "model.json field `interval_width` is 3; it must be between 0 and 1 (exclusive)"
    );
    assert!(read(&with("seed_trend_only", "interval_width", json!(0.95))).is_ok());
}

#[test]
fn counts_scales_and_parameters_are_checked_by_name() {
    let doc = with("daily_auto", "n_changepoints", json!(1_000_000));
    assert_eq!(out_of_bounds_field(&doc), "n_changepoints");
    let doc = with("daily_auto", "changepoint_range", json!(7));
    assert_eq!(out_of_bounds_field(&doc), "changepoint_range");
    let doc = with("daily_auto", "t_scale", json!(1e308 * 10.0));
    assert!(read(&doc).is_err(), "an infinite t_scale");
    let mut doc = python_doc("daily_auto");
    doc["seasonalities"][1]["weekly"]["prior_scale"] = json!(-1);
    assert_eq!(
        out_of_bounds_field(&doc),
        "seasonalities.weekly.prior_scale"
    );
    let mut doc = python_doc("daily_auto");
    doc["params"]["k"] = json!([[null]]);
    assert!(read(&doc).is_err(), "a missing k");
    let mut doc = python_doc("daily_auto");
    doc["seasonalities"][1]["weekly"]["fourier_order"] = json!(4_294_967_295u32);
    let err = read(&doc).unwrap_err();
    assert!(
        err.to_string().contains("feature columns"),
        "an order no beta matches: {err}"
    );
}

/// Rows × samples is bounded: at the bound the forecast is made, one row
/// past it is a typed error saying how many rows the model can give.
#[test]
fn uncertainty_draws_are_bounded_per_forecast() {
    let mut model = read(&python_doc("seed_trend_only")).unwrap();
    model.settings.uncertainty_samples = 10_000;
    let rows = MAX_UNCERTAINTY_DRAWS / 10_000;
    let answer = seed_response(&model, rows, &options()).unwrap();
    assert!(answer.contains("yhat_lower"));
    assert_eq!(
        seed_response(&model, rows + 1, &options()),
        Err(ForecastError::TooManyDraws {
            samples: 10_000,
            rows: rows + 1,
            max: MAX_UNCERTAINTY_DRAWS
        })
    );
    assert!(ForecastError::TooManyDraws {
        samples: 10_000,
        rows: rows + 1,
        max: MAX_UNCERTAINTY_DRAWS
    }
    .to_string()
    .contains("at most 400 rows"));
}

#[test]
fn future_dates_stay_inside_pandas_range() {
    let mut model = read(&python_doc("seed_trend_only")).unwrap();
    let shift = 9_223_372_036 - 20 * 86_400 - model.last_date().unwrap();
    for d in &mut model.history_dates {
        *d += shift;
    }
    assert_eq!(future_dates(&model, 20, None).unwrap().len(), 20);
    assert!(matches!(
        future_dates(&model, 21, None),
        Err(ForecastError::Frequency(FrequencyError::OutOfRange { .. }))
    ));
    assert!(future_dates(&model, usize::MAX, None).is_err());
}

/// A logistic model whose history spans 10⁸ steps of its frequency (the
/// last dates one second apart, three years of history) is refused instead
/// of walking (and allocating) that grid.
#[test]
fn the_logistic_history_grid_is_bounded() {
    let mut model = read(&python_doc("logistic_cap")).unwrap();
    let last = model.last_date().unwrap();
    let n = model.history_dates.len();
    for (i, d) in model.history_dates[n - 5..].iter_mut().enumerate() {
        *d = last - 4 + i as i64;
    }
    model.t_scale = 1e8;
    model.start = (last - 100_000_000) as f64;
    assert!(matches!(
        seed_response(&model, 7, &options()),
        Err(ForecastError::TrendGridTooLong { .. })
    ));
    let without_bands = ForecastOptions {
        uncertainty_samples: Some(0),
        ..options()
    };
    assert!(seed_response(&model, 7, &without_bands).is_ok());
}

/// A reference model of each growth forecasts the endpoint's longest horizon.
#[test]
fn each_growth_forecasts_ten_years() {
    for id in ["seed_trend_only", "logistic_cap", "flat_monthly"] {
        let model = read(&python_doc(id)).unwrap();
        let answer = seed_response(&model, 3650, &options()).unwrap();
        assert!(answer.len() > 100_000, "{id}");
    }
}
