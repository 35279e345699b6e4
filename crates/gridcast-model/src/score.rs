//! Scoring a fitted model on held-out readings (the seed's last seven days),
//! with Prophet's own metrics: zero-aware, so an idle meter gets a score.

use crate::diagnostics::{performance_metrics, CvRows, Metric};
use crate::forecast::{predict, ForecastError, ForecastOptions};
use crate::frame::Frame;
use crate::model::ProphetModel;

/// The seed the holdout's interval is drawn with, so a report is reproducible.
pub const HOLDOUT_SEED: u64 = 0;

/// How well a model's forecast matches held-out readings: Prophet's
/// `performance_metrics` over every holdout row at once.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HoldoutScore {
    /// Mean absolute percentage error, as a fraction (0.05 = 5 %); `None`
    /// when a reading is zero (|y| < 1e-8), where it means nothing — the
    /// rule Python's `performance_metrics` applies.
    pub mape: Option<f64>,
    /// Symmetric mean absolute percentage error (Prophet's smape, 0 to 2),
    /// defined whatever the readings.
    pub smape: f64,
    /// Mean absolute error, in the readings' unit.
    pub mae: f64,
    /// Root mean squared error, in the readings' unit.
    pub rmse: f64,
    /// Share of readings inside the forecast interval; `None` when the
    /// model samples no uncertainty (`uncertainty_samples` 0).
    pub coverage: Option<f64>,
}

/// Forecasts the holdout's rows (with their regressor and condition columns;
/// the interval seeded with [`HOLDOUT_SEED`]) and scores the forecast against
/// the readings; missing readings are left out. `None` when no holdout row
/// has a reading.
pub fn score_holdout(
    model: &ProphetModel,
    holdout: &Frame,
) -> Result<Option<HoldoutScore>, ForecastError> {
    let opts = ForecastOptions {
        seed: Some(HOLDOUT_SEED),
        // The score reads yhat's interval only; the simulation draws the
        // same numbers without the trend's, so every value is unchanged.
        without_trend_interval: true,
        ..Default::default()
    };
    let forecast = predict(model, holdout, &opts)?;
    let yhat = forecast.column("yhat").expect("predict always has yhat");
    let interval = forecast
        .column("yhat_lower")
        .zip(forecast.column("yhat_upper"))
        .filter(|_| model.settings.uncertainty_samples > 0);
    let y = holdout.y.as_deref().unwrap_or(&[]);
    let mut rows = CvRows::default();
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    // predict sorts its input; pair each reading with the forecast at its time.
    for (k, i) in holdout.time_order().into_iter().enumerate() {
        let Some(&actual) = y.get(i).filter(|v| !v.is_nan()) else {
            continue;
        };
        rows.ds.push(forecast.ds[k]);
        rows.y.push(actual);
        rows.yhat.push(yhat[k]);
        if let Some((lower, upper)) = interval {
            lo.push(lower[k]);
            hi.push(upper[k]);
        }
    }
    if interval.is_some() {
        rows.yhat_lower = Some(lo);
        rows.yhat_upper = Some(hi);
    }
    Ok(score_rows(rows))
}

/// Prophet's metrics over all of `rows` as one window. The rows all share
/// one cutoff (the first row's time), so the one window covers them all.
fn score_rows(mut rows: CvRows) -> Option<HoldoutScore> {
    let first = *rows.ds.first()?;
    rows.cutoff = vec![first - 1; rows.len()];
    // A window as wide as the rows: one row of metrics, at the longest horizon.
    let metrics = performance_metrics(&rows, None, 1.0)
        .expect("rows are non-empty and the window a number")?;
    let last = |m| metrics.column(m).and_then(|v| v.last().copied());
    Some(HoldoutScore {
        mape: last(Metric::Mape),
        smape: last(Metric::Smape).expect("always computed"),
        mae: last(Metric::Mae).expect("always computed"),
        rmse: last(Metric::Rmse).expect("always computed"),
        coverage: last(Metric::Coverage),
    })
}

/// [`HoldoutScore`] of `(actual, predicted)` pairs, without an interval.
pub fn score(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<HoldoutScore> {
    let mut rows = CvRows::default();
    for (i, (actual, predicted)) in pairs.into_iter().enumerate() {
        rows.ds.push(i as i64 * 86_400);
        rows.y.push(actual);
        rows.yhat.push(predicted);
    }
    score_rows(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_drop_mape_but_keep_the_rest() {
        let s = score([(100.0, 110.0), (200.0, 180.0)]).unwrap();
        assert!((s.mape.unwrap() - 0.1).abs() < 1e-12);
        assert!((s.mae - 15.0).abs() < 1e-12);
        assert!((s.rmse - ((100.0 + 400.0) / 2.0f64).sqrt()).abs() < 1e-12);
        let smape = (10.0 / 105.0 + 20.0 / 190.0) / 2.0;
        assert!((s.smape - smape).abs() < 1e-12, "{s:?}");
        assert_eq!(s.coverage, None);

        let idle = score([(100.0, 110.0), (0.0, 5.0), (0.0, 0.0)]).unwrap();
        assert_eq!(idle.mape, None, "a zero reading leaves mape out");
        // smape: 10/105, 5/2.5 = 2 (the worst), and 0/0 counted as 0, as Python does.
        assert!((idle.smape - (10.0 / 105.0 + 2.0) / 3.0).abs() < 1e-12);
        assert!((idle.mae - 5.0).abs() < 1e-12);
        assert_eq!(score([]), None);
    }
}
