//! Parity with Python Prophet 1.5 on the rest of Prophet: every case of
//! `../shared/fixtures/prophet-ext` (holidays with windows and country
//! holidays, extra regressors, conditional seasonalities, calendar
//! frequencies, missing values, cap/floor columns, an MCMC model).

mod common;

use common::band::{assert_band_matches, max_abs_diff, mean_width};
use common::ext::{ExtCase, EXT_CASES};
use gridcast_model::{
    fit, future_dates, predict, ConfigError, FitError, Forecast, ForecastOptions, ProphetConfig,
};

fn options() -> ForecastOptions {
    ForecastOptions {
        seed: Some(7),
        ..Default::default()
    }
}

/// Columns a forecast computes without randomness: all but the simulated
/// `yhat` and `trend` bounds (a component's bounds come from the parameter
/// draws: the value itself for MAP, percentiles over the samples for MCMC).
fn deterministic(name: &str) -> bool {
    !matches!(
        name,
        "yhat_lower" | "yhat_upper" | "trend_lower" | "trend_upper"
    )
}

fn assert_matches_python(case: &ExtCase, fc: &Forecast, tol: f64, what: &str) {
    let id = &case.id;
    let ours: Vec<&str> = fc.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(ours, case.column_names(), "{id}: {what} columns");
    assert_eq!(fc.ds, case.ds(), "{id}: {what} rows");
    for name in case.column_names().iter().filter(|n| deterministic(n)) {
        let d = max_abs_diff(fc.column(name).unwrap(), &case.column(name));
        assert!(
            d < tol,
            "{id}: {what} `{name}` differs by {d} (tolerance {tol})"
        );
    }
}

/// Forecasts from Python's own model.json, on Python's future rows: every
/// deterministic column within 1e-6·y_scale, the band's width within 10%
/// and its position within the Monte-Carlo error.
#[test]
fn forecasts_from_python_models_match_python() {
    for id in EXT_CASES {
        let case = ExtCase::load(id);
        let model = case.python_model();
        let fc = predict(&model, &case.future, &options()).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_matches_python(&case, &fc, 1e-6 * case.y_scale(), "forecast");
        let (lo, hi) = (
            fc.column("yhat_lower").unwrap(),
            fc.column("yhat_upper").unwrap(),
        );
        let (py_lo, py_hi) = (case.column("yhat_lower"), case.column("yhat_upper"));
        let (ours, theirs) = (mean_width(lo, hi), mean_width(&py_lo, &py_hi));
        assert!(
            (ours / theirs - 1.0).abs() < 0.10,
            "{id}: interval width {ours} vs Python {theirs}"
        );
        // MCMC: ceil(1000 / draws) simulations per draw, as Python.
        let draws = model.params.draws.len() as u32;
        let samples = model.settings.uncertainty_samples.div_ceil(draws) * draws;
        assert_band_matches(
            id,
            (lo, hi),
            (&py_lo, &py_hi),
            model.settings.interval_width,
            samples,
        );
    }
}

/// With `uncertainty_samples = 0` Python's `predict` simulates nothing and
/// its components carry no bounds: Python's columns without any `_lower` or
/// `_upper`, each still Python's.
#[test]
fn without_uncertainty_samples_no_column_has_bounds() {
    for id in EXT_CASES {
        let case = ExtCase::load(id);
        let model = case.python_model();
        let no_samples = ForecastOptions {
            uncertainty_samples: Some(0),
            ..options()
        };
        let fc = predict(&model, &case.future, &no_samples).unwrap_or_else(|e| panic!("{id}: {e}"));
        let expected: Vec<String> = case
            .column_names()
            .into_iter()
            .filter(|n| !n.ends_with("_lower") && !n.ends_with("_upper"))
            .collect();
        let ours: Vec<&str> = fc.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(ours, expected, "{id}: columns without uncertainty samples");
        let tol = 1e-6 * case.y_scale();
        for (name, values) in &fc.columns {
            let d = max_abs_diff(values, &case.column(name));
            assert!(d < tol, "{id}: `{name}` differs by {d} (tolerance {tol})");
        }
    }
}

/// `make_future_dataframe(freq=None)`: the frequency pandas infers from the
/// history gives the dates Python forecast (month starts, month ends,
/// Sundays, hours, days after a gap).
#[test]
fn future_dates_follow_the_inferred_frequency() {
    for id in EXT_CASES {
        let case = ExtCase::load(id);
        let model = case.python_model();
        let dates = future_dates(&model, case.future.len(), None).unwrap();
        assert_eq!(dates, case.ds(), "{id}");
    }
}

/// Fits from data/ + config/ reach Python's log density and forecast like
/// Python's fit (mcmc_small: fitting stays MAP, so its config is refused).
#[test]
fn fits_match_python() {
    for id in EXT_CASES {
        let case = ExtCase::load(id);
        if *id == "mcmc_small" {
            let err = ProphetConfig::from_json(&case.config).unwrap_err();
            assert_eq!(err.field, "mcmc_samples", "{err}");
            let cfg: ProphetConfig = serde_json::from_str(&case.config).unwrap();
            assert!(matches!(
                fit(&case.data, &cfg),
                Err(FitError::Config(ConfigError { .. }))
            ));
            continue;
        }
        let config = ProphetConfig::from_json(&case.config).unwrap_or_else(|e| panic!("{id}: {e}"));
        let fitted = fit(&case.data, &config).unwrap_or_else(|e| panic!("{id}: {e}"));
        let (lp, want) = (fitted.report.lp, case.lp());
        // No tolerance: our optimum is at or above where Stan's L-BFGS stopped.
        assert!(
            lp >= want,
            "{id}: lp {lp} < Python's {want} ({:?})",
            fitted.report
        );
        let fc = predict(&fitted.model, &case.future, &options()).unwrap();
        let dy = max_abs_diff(fc.column("yhat").unwrap(), &case.column("yhat"));
        let tol = 0.005 * case.y_scale();
        assert!(dy < tol, "{id}: yhat differs by {dy} (tolerance {tol})");
        eprintln!(
            "{id}: lp {lp:.4} (python {want}), max |Δyhat| {dy:.4} ({:.4}% of y_scale), {:?}",
            100.0 * dy / case.y_scale(),
            fitted.report
        );
    }
}

/// Preprocessing reproduces Python's model.json: scales, changepoints,
/// seasonalities, holidays seen, regressors' mu/std, component columns and
/// modes (the meaning of every beta).
#[test]
fn preprocessing_matches_python_model_json() {
    for id in EXT_CASES.iter().filter(|id| **id != "mcmc_small") {
        let case = ExtCase::load(id);
        let python = case.python_model();
        let config = ProphetConfig::from_json(&case.config).unwrap();
        let ours = fit(&case.data, &config).unwrap().model;
        assert_eq!(
            ours.history_dates, python.history_dates,
            "{id}: history dates"
        );
        assert_eq!(ours.history.ds, python.history.ds, "{id}: history rows");
        assert!(
            (ours.y_scale - python.y_scale).abs() < 1e-9 * python.y_scale,
            "{id}: y_scale"
        );
        assert!(
            (ours.y_min - python.y_min).abs() < 1e-9 * python.y_scale,
            "{id}: y_min"
        );
        assert_eq!(ours.logistic_floor, python.logistic_floor, "{id}");
        assert_eq!(
            (ours.start, ours.t_scale),
            (python.start, python.t_scale),
            "{id}"
        );
        assert_eq!(ours.changepoints, python.changepoints, "{id}: changepoints");
        assert_eq!(
            ours.seasonalities, python.seasonalities,
            "{id}: seasonalities"
        );
        assert_eq!(ours.holidays, python.holidays, "{id}: holidays");
        assert_eq!(
            ours.extra_regressors.len(),
            python.extra_regressors.len(),
            "{id}"
        );
        for (a, b) in ours.extra_regressors.iter().zip(&python.extra_regressors) {
            assert_eq!(
                (&a.name, a.mode, a.prior_scale),
                (&b.name, b.mode, b.prior_scale),
                "{id}"
            );
            assert!(
                (a.mu - b.mu).abs() < 1e-12 * b.mu.abs().max(1.0),
                "{id}: {} mu",
                a.name
            );
            assert!(
                (a.std - b.std).abs() < 1e-12 * b.std,
                "{id}: {} std",
                a.name
            );
        }
        assert_eq!(
            ours.component_columns, python.component_columns,
            "{id}: component columns"
        );
        assert_eq!(ours.component_modes, python.component_modes, "{id}: modes");
        assert_eq!(ours.settings, python.settings, "{id}: settings");
        let cols = |m: &gridcast_model::ProphetModel| -> Vec<String> {
            m.history.columns.iter().map(|(n, _)| n.clone()).collect()
        };
        assert_eq!(cols(&ours), cols(&python), "{id}: history columns");
    }
}
