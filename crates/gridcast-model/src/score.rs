//! Scoring a fitted model on held-out readings (the seed's last seven days).

use crate::forecast::{predict, ForecastError, ForecastOptions};
use crate::frame::Frame;
use crate::model::ProphetModel;

/// How well a model's point forecast (`yhat`) matches held-out readings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HoldoutScore {
    /// Mean absolute percentage error over the non-zero readings, as a
    /// fraction (0.05 = 5 %); `None` when every reading is zero.
    pub mape: Option<f64>,
    /// Root mean squared error, in the readings' unit.
    pub rmse: f64,
}

/// Forecasts `yhat` at the holdout's rows (with their regressor and
/// condition columns; no uncertainty simulation) and compares it with the
/// readings; missing readings are left out.
pub fn score_holdout(model: &ProphetModel, holdout: &Frame) -> Result<HoldoutScore, ForecastError> {
    let opts = ForecastOptions {
        uncertainty_samples: Some(0),
        ..Default::default()
    };
    let forecast = predict(model, holdout, &opts)?;
    let yhat = forecast.column("yhat").expect("predict always has yhat");
    let y = holdout.y.as_deref().unwrap_or(&[]);
    // predict sorts its input; pair each reading with the forecast at its time.
    let pairs = holdout
        .time_order()
        .into_iter()
        .zip(yhat)
        .filter_map(|(i, &p)| y.get(i).filter(|v| !v.is_nan()).map(|&v| (v, p)));
    Ok(score(pairs))
}

/// MAPE (over non-zero actuals) and RMSE of `(actual, predicted)` pairs.
pub fn score(pairs: impl IntoIterator<Item = (f64, f64)>) -> HoldoutScore {
    let (mut ape, mut nonzero, mut se, mut n) = (0.0, 0usize, 0.0, 0usize);
    for (actual, predicted) in pairs {
        if actual != 0.0 {
            ape += ((actual - predicted) / actual).abs();
            nonzero += 1;
        }
        se += (actual - predicted).powi(2);
        n += 1;
    }
    HoldoutScore {
        mape: (nonzero > 0).then(|| ape / nonzero as f64),
        rmse: if n == 0 { 0.0 } else { (se / n as f64).sqrt() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mape_skips_zero_actuals_and_rmse_counts_all() {
        let s = score([(100.0, 110.0), (0.0, 5.0), (200.0, 180.0)]);
        assert!((s.mape.unwrap() - 0.1).abs() < 1e-12);
        assert!((s.rmse - ((100.0 + 25.0 + 400.0) / 3.0f64).sqrt()).abs() < 1e-12);
        assert_eq!(score([(0.0, 1.0)]).mape, None);
    }
}
