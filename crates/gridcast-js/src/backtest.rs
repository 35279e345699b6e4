//! The preview's backtest: Python's `cross_validation` and
//! `performance_metrics` on an uploaded CSV, as `gridcast cross-validate`
//! runs them (the model crate's `diagnostics`, one cutoff after another
//! here, so each reports progress), answered at a few horizons.

use gridcast_api::{
    BacktestArgs, BacktestSummary, HorizonMetric, ModelChoice, RequestKind, WorkerError,
};
use gridcast_model::diagnostics::{
    cross_validation, performance_metrics, CrossValidationArgs, CvOptions, Metric,
    PerformanceMetrics, Timedelta, MAX_CUTOFFS,
};
use gridcast_model::{fit, ForecastOptions};

use crate::stages::{model_config, parse_for};

/// `performance_metrics`' `rolling_window`, Python's default.
pub const ROLLING_WINDOW: f64 = 0.1;

/// How many horizons the answer shows (the first, the last and evenly between).
pub const SHOWN_HORIZONS: usize = 5;

fn failed(code: &str, message: impl Into<String>) -> WorkerError {
    WorkerError::new(RequestKind::Backtest, code, message)
}

/// `cross_validation`'s arguments from the page's text (empty: Python's default).
fn cv_args(args: &BacktestArgs) -> Result<CrossValidationArgs, WorkerError> {
    let parse = |what: &str, text: &str| {
        Timedelta::parse(text).map_err(|e| failed("arguments", format!("{what}: {e}")))
    };
    let optional = |what: &str, text: &Option<String>| match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse(what, t).map(Some),
    };
    Ok(CrossValidationArgs {
        horizon: parse("horizon", args.horizon.trim())?,
        initial: optional("initial", &args.initial)?,
        period: optional("period", &args.period)?,
        cutoffs: None,
    })
}

/// Fits `csv` with `choice`, backtests it with `args` (`progress(done,
/// total)` after each cutoff) and answers the metrics at
/// [`SHOWN_HORIZONS`] horizons. A history too short for the horizon and
/// initial window is the `CvError`'s code (`less_data_than_horizon`,
/// `no_cutoff_after_initial`).
pub fn backtest(
    csv: &[u8],
    choice: &ModelChoice,
    args: &BacktestArgs,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BacktestSummary, WorkerError> {
    let frame = parse_for(csv, RequestKind::Backtest)?;
    let config = model_config(choice, &frame, RequestKind::Backtest)?;
    let cv = cv_args(args)?;
    let model = fit(&frame, &config)
        .map_err(|e| failed("fit", e.to_string()))?
        .model;
    let opts = CvOptions {
        forecast: ForecastOptions {
            seed: args.seed,
            ..Default::default()
        },
        max_cutoffs: MAX_CUTOFFS,
    };
    let done = cross_validation(&model, &cv, &opts, progress)
        .map_err(|e| failed(e.code(), e.to_string()))?;
    let metrics = performance_metrics(&done.rows, None, ROLLING_WINDOW)
        .map_err(|e| failed("metrics", e.to_string()))?
        .ok_or_else(|| failed("metrics", "no metric could be computed"))?;
    Ok(BacktestSummary {
        horizon: done.plan.horizon.to_string(),
        initial: done.plan.initial.to_string(),
        cutoffs: done.plan.cutoffs.len(),
        rows: done.rows.len(),
        metrics: shown_rows(metrics.horizon.len())
            .map(|i| horizon_metric(&metrics, i))
            .collect(),
        warnings: done.plan.warnings.iter().map(ToString::to_string).collect(),
    })
}

/// Up to [`SHOWN_HORIZONS`] row indices of `n`: the first, the last and
/// evenly spaced between.
fn shown_rows(n: usize) -> impl Iterator<Item = usize> {
    let k = SHOWN_HORIZONS.min(n);
    let mut picked: Vec<usize> = (0..k)
        .map(|j| if k == 1 { 0 } else { j * (n - 1) / (k - 1) })
        .collect();
    picked.dedup();
    picked.into_iter()
}

fn horizon_metric(m: &PerformanceMetrics, i: usize) -> HorizonMetric {
    let value = |metric| m.column(metric).map(|c| c[i]);
    HorizonMetric {
        horizon_days: m.horizon[i] as f64 / 86_400.0,
        mae: value(Metric::Mae).unwrap_or(f64::NAN),
        rmse: value(Metric::Rmse).unwrap_or(f64::NAN),
        smape: value(Metric::Smape).unwrap_or(f64::NAN),
        mape: value(Metric::Mape),
        coverage: value(Metric::Coverage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcast_api::Preset;

    const CSV: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet/data/seed_trend_only.csv");

    fn args(horizon: &str, initial: Option<&str>) -> BacktestArgs {
        BacktestArgs {
            horizon: horizon.into(),
            initial: initial.map(Into::into),
            period: None,
            seed: Some(0),
        }
    }

    #[test]
    fn backtests_with_progress_per_cutoff_and_pythons_defaults() {
        let mut seen = Vec::new();
        let choice = ModelChoice::preset(Preset::Seed);
        let b = backtest(CSV, &choice, &args("30 days", None), &mut |d, t| {
            seen.push((d, t))
        })
        .unwrap();
        assert_eq!(b.initial, "90 days 00:00:00");
        assert!(b.cutoffs > 10, "{b:?}");
        assert_eq!(seen.len(), b.cutoffs);
        assert_eq!(seen.last(), Some(&(b.cutoffs, b.cutoffs)));
        assert_eq!(b.metrics.len(), SHOWN_HORIZONS);
        assert_eq!(b.metrics.last().unwrap().horizon_days, 30.0);
        assert!(b
            .metrics
            .iter()
            .all(|m| m.mae > 0.0 && m.coverage.is_some()));
    }

    #[test]
    fn a_history_too_short_is_a_typed_error() {
        let choice = ModelChoice::preset(Preset::Seed);
        let e = backtest(CSV, &choice, &args("200 days", None), &mut |_, _| {}).unwrap_err();
        assert_eq!(e.code, "no_cutoff_after_initial", "{e}");
        let e = backtest(CSV, &choice, &args("400 days", None), &mut |_, _| {}).unwrap_err();
        assert_eq!(e.code, "less_data_than_horizon", "{e}");
        let e = backtest(CSV, &choice, &args("thirty", None), &mut |_, _| {}).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.request),
            ("arguments", RequestKind::Backtest)
        );
    }

    #[test]
    fn shows_the_first_last_and_between() {
        assert_eq!(shown_rows(28).collect::<Vec<_>>(), [0, 6, 13, 20, 27]);
        assert_eq!(shown_rows(2).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(shown_rows(1).collect::<Vec<_>>(), [0]);
    }
}
