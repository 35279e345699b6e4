//! Parity with Python Prophet 1.5 on every reference case.

mod common;

use common::{Case, CASES};
use gridcast_model::{
    fit, future_frame, predict, read_artifact, read_model_json, ArtifactLimits, ForecastOptions,
    Growth,
};

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

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

fn mean_width(lo: &[f64], hi: &[f64]) -> f64 {
    lo.iter().zip(hi).map(|(l, h)| h - l).sum::<f64>() / lo.len() as f64
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// How far apart two Monte-Carlo estimates of one band edge may be.
///
/// Python and we each take the 10th and 90th percentile (interval_width 0.8)
/// of `samples` independent draws. The standard error of a sample
/// p-quantile is `sqrt(p(1-p)/samples) / f(x_p)`; for draws that are roughly
/// normal with spread σ, `f(x_p) = φ(z)/σ` with `z = Φ⁻¹(0.9)`, and σ follows
/// from the band's own width, `(upper - lower) / 2z`. The difference of two
/// independent estimates has √2 times that error; five of those is the limit
/// (about 1 in 1.7 million per comparison, so under 1 in 1,000 over the ~270
/// comparisons of the seven cases; no failure in 1,000 seeds tried). With
/// 1,000 draws this is about 15% of the band's width: a band moved by the
/// additive terms (the sign of `+ additive[i]` in the simulation) is far
/// outside it.
fn band_edge_tolerance(width: f64, interval_width: f64, samples: u32) -> f64 {
    assert_eq!(interval_width, 0.8, "the constants below are for 0.8");
    const Z: f64 = 1.281_551_565_544_600_4; // Φ⁻¹(0.9)
    const DENSITY_AT_Z: f64 = 0.175_498_331_932_486_85; // φ(Z)
    let p = (1.0 - interval_width) / 2.0;
    let sigma = width / (2.0 * Z);
    let standard_error = (p * (1.0 - p) / samples as f64).sqrt() * sigma / DENSITY_AT_Z;
    5.0 * std::f64::consts::SQRT_2 * standard_error
}

/// The band sits where Python's does: each row's `yhat_lower` and
/// `yhat_upper`, and their means over the rows, within the Monte-Carlo error
/// of both sides' draws. (Means alone would miss a band moved up on some
/// days and down on others, e.g. by weekly terms over whole weeks.)
fn assert_band_matches(
    id: &str,
    fc: &gridcast_model::Forecast,
    case: &Case,
    model: &gridcast_model::ProphetModel,
) {
    let (py_lo, py_hi) = (case.column("yhat_lower"), case.column("yhat_upper"));
    let tolerance = |width: f64| {
        band_edge_tolerance(
            width,
            model.settings.interval_width,
            model.settings.uncertainty_samples,
        )
    };
    for edge in ["yhat_lower", "yhat_upper"] {
        let ours = fc.column(edge).unwrap();
        let theirs = case.column(edge);
        for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
            let tol = tolerance(py_hi[i] - py_lo[i]);
            assert!(
                (o - t).abs() <= tol,
                "{id}: {edge}[{i}] {o} vs Python's {t} (tolerance {tol})"
            );
        }
        // The error of a mean of correlated estimates is at most the mean error.
        let tol = tolerance(mean_width(&py_lo, &py_hi));
        let (o, t) = (mean(ours), mean(&theirs));
        assert!(
            (o - t).abs() <= tol,
            "{id}: mean {edge} {o} vs Python's {t} (tolerance {tol})"
        );
    }
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
