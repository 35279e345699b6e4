//! Parity with Python Prophet 1.5 on every reference case.

mod common;

use common::band::{self, max_abs_diff, mean_width};
use common::{Case, CASES};
use gridcast_model::{
    fit, future_frame, predict, read_artifact, read_model_json, ArtifactLimits, ForecastOptions,
    Growth,
};

/// The largest gap between a model's forecast and Python's, over the case's rows.
fn yhat_gap(model: &gridcast_model::ProphetModel, case: &Case) -> f64 {
    let rows = future_frame(model, case.period(), None).unwrap();
    let options = ForecastOptions {
        seed: Some(7),
        ..Default::default()
    };
    let fc = predict(model, &rows, &options).unwrap();
    max_abs_diff(fc.column("yhat").unwrap(), &case.column("yhat"))
}

fn assert_band_matches(
    id: &str,
    fc: &gridcast_model::Forecast,
    case: &Case,
    model: &gridcast_model::ProphetModel,
) {
    band::assert_band_matches(
        id,
        (
            fc.column("yhat_lower").unwrap(),
            fc.column("yhat_upper").unwrap(),
        ),
        (&case.column("yhat_lower"), &case.column("yhat_upper")),
        model.settings.interval_width,
        model.settings.uncertainty_samples,
    );
}

/// Forecasts from Python's own model.json match Python's forecast.
#[test]
fn forecasts_from_python_models_match_python() {
    for id in CASES {
        let case = Case::load(id);
        let artifact = read_artifact(&case.artifact, &ArtifactLimits::default()).unwrap();
        let model = read_model_json(&artifact.model_json).unwrap();
        let rows = future_frame(&model, case.period(), None).unwrap();
        assert_eq!(rows.ds, case.ds(), "{id}: future dates");
        let fc = predict(
            &model,
            &rows,
            &ForecastOptions {
                seed: Some(7),
                ..Default::default()
            },
        )
        .unwrap();
        let tol = 1e-6 * case.y_scale();
        let dt = max_abs_diff(fc.column("trend").unwrap(), &case.column("trend"));
        let dy = max_abs_diff(fc.column("yhat").unwrap(), &case.column("yhat"));
        assert!(dt < tol, "{id}: trend differs by {dt} (tolerance {tol})");
        assert!(dy < tol, "{id}: yhat differs by {dy} (tolerance {tol})");
        let ours = mean_width(
            fc.column("yhat_lower").unwrap(),
            fc.column("yhat_upper").unwrap(),
        );
        let theirs = mean_width(&case.column("yhat_lower"), &case.column("yhat_upper"));
        assert!(
            (ours / theirs - 1.0).abs() < 0.10,
            "{id}: interval width {ours} vs Python {theirs}"
        );
        assert_band_matches(id, &fc, &case, &model);
    }
}

/// Without the trend's interval a forecast is the same table less
/// `trend_lower`/`trend_upper`: the simulation draws the same numbers.
#[test]
fn leaving_out_the_trend_interval_changes_no_other_column() {
    for id in ["seed_trend_only", "logistic_cap", "daily_auto"] {
        let case = Case::load(id);
        let artifact = read_artifact(&case.artifact, &ArtifactLimits::default()).unwrap();
        let model = read_model_json(&artifact.model_json).unwrap();
        let rows = future_frame(&model, 30, None).unwrap();
        let full = ForecastOptions {
            seed: Some(3),
            ..Default::default()
        };
        let all = predict(&model, &rows, &full).unwrap();
        let without = ForecastOptions {
            without_trend_interval: true,
            ..full
        };
        let fewer = predict(&model, &rows, &without).unwrap();
        let mut expected = all.clone();
        expected
            .columns
            .retain(|(name, _)| name != "trend_lower" && name != "trend_upper");
        assert_eq!(expected.columns.len(), all.columns.len() - 2, "{id}");
        assert_eq!(fewer, expected, "{id}");
    }
}

/// Our fit reaches Python's log density and forecasts like Python's fit.
#[test]
fn fits_match_python() {
    for id in CASES {
        let case = Case::load(id);
        let fitted = fit(&case.training(), &case.config).unwrap_or_else(|e| panic!("{id}: {e}"));
        let lp = fitted.report.lp;
        let want = case.lp();
        assert!(
            lp >= want - 1e-3 * want.abs(),
            "{id}: lp {lp} < Python's {want} ({:?})",
            fitted.report
        );
        let dy = yhat_gap(&fitted.model, &case);
        let tol = 0.005 * case.y_scale();
        assert!(
            dy < tol,
            "{id}: yhat differs from Python's by {dy} (tolerance {tol}; {:?})",
            fitted.report
        );
        eprintln!(
            "{id}: lp {lp:.4} (python {want}), max |Δyhat| {dy:.4}, {:?}",
            fitted.report
        );
    }
}

/// Python chooses Newton below 100 rows, L-BFGS otherwise.
#[test]
fn algorithm_choice_follows_python() {
    let short = fit(
        &Case::load("short_newton").training(),
        &Case::load("short_newton").config,
    )
    .unwrap();
    assert_eq!(short.report.algorithm, gridcast_model::Algorithm::Newton);
    let long = Case::load("seed_trend_only");
    let long = fit(&long.training(), &long.config).unwrap();
    assert_eq!(long.report.algorithm, gridcast_model::Algorithm::Lbfgs);
}

/// Preprocessing reproduces Python's: changepoints, scales, seasonalities,
/// component columns (so the meaning of every beta) on every case.
#[test]
fn preprocessing_matches_python_model_json() {
    for id in CASES {
        let case = Case::load(id);
        let python = read_model_json(
            &read_artifact(&case.artifact, &ArtifactLimits::default())
                .unwrap()
                .model_json,
        )
        .unwrap();
        let ours = fit(&case.training(), &case.config).unwrap().model;
        assert_eq!(ours.changepoints, python.changepoints, "{id}: changepoints");
        assert_eq!(
            ours.history_dates, python.history_dates,
            "{id}: history dates"
        );
        assert!(
            (ours.y_scale - python.y_scale).abs() < 1e-9 * python.y_scale,
            "{id}: y_scale"
        );
        assert_eq!(ours.y_min, python.y_min, "{id}: y_min");
        assert_eq!(ours.start, python.start, "{id}: start");
        assert_eq!(ours.t_scale, python.t_scale, "{id}: t_scale");
        assert_eq!(
            ours.seasonalities, python.seasonalities,
            "{id}: seasonalities"
        );
        assert_eq!(
            ours.component_columns, python.component_columns,
            "{id}: component columns"
        );
        assert_eq!(
            ours.component_modes, python.component_modes,
            "{id}: component modes"
        );
        assert_eq!(ours.settings, python.settings, "{id}: settings");
        if let (Some(a), Some(b)) = (&ours.history.cap, &python.history.cap) {
            assert!(max_abs_diff(a, b) < 1e-9, "{id}: cap");
        }
        assert_eq!(
            max_abs_diff(&ours.changepoints_t, &python.changepoints_t) < 1e-12,
            true,
            "{id}: changepoints_t"
        );
        assert_eq!(
            ours.growth() == Growth::Logistic,
            ours.history.cap.is_some(),
            "{id}: cap column"
        );
    }
}

/// The arguments recovered from Python's model.json refit to Python's
/// forecast: what the on-device refit (more readings, same model) relies on.
#[test]
fn config_recovered_from_a_model_refits_like_python() {
    for id in CASES {
        let case = Case::load(id);
        let artifact = read_artifact(&case.artifact, &ArtifactLimits::default()).unwrap();
        let python = read_model_json(&artifact.model_json).unwrap();
        let config = gridcast_model::ProphetConfig::from_model(&python)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            config.seasonalities.len(),
            case.config.seasonalities.len(),
            "{id}"
        );
        assert_eq!(
            config.seasonality_mode, case.config.seasonality_mode,
            "{id}"
        );
        let fitted = fit(&case.training(), &config).unwrap_or_else(|e| panic!("{id}: {e}"));
        let dy = yhat_gap(&fitted.model, &case);
        assert!(
            dy < 0.005 * case.y_scale(),
            "{id}: refit yhat differs by {dy}"
        );
    }
}
