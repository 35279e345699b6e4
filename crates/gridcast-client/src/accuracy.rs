//! How far off a customer's forecasts are: the backtest's typical error a
//! few days ahead (`<id>.backtest.json`, served at `backtests/`), and the
//! readings after the model's training end beside what it forecast for
//! those days (served at `readings/`).

use serde::Deserialize;

use crate::forecast::PandasColumn;
use crate::{ForecastTable, UsagePoint};

/// The horizons the portal speaks of, in days.
pub const HORIZONS: [f64; 3] = [1.0, 7.0, 30.0];

/// The backtest's typical error at one horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccuracyAt {
    /// Days ahead (the backtest's horizon nearest to the one asked for).
    pub horizon_days: f64,
    /// Mean absolute error, in the readings' unit.
    pub mae: f64,
    /// Symmetric mean absolute percentage error, as a fraction.
    pub smape: f64,
}

/// A model's backtest, as a customer reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// Typical errors at [`HORIZONS`] (each horizon once; none beyond the backtest's).
    pub at: Vec<AccuracyAt>,
    /// Why the model could not be backtested, when it could not.
    pub failure: Option<String>,
}

#[derive(Deserialize)]
struct Served {
    backtest: Backtest,
}

#[derive(Deserialize)]
struct Backtest {
    metrics: Option<Metrics>,
    error: Option<Failure>,
}

#[derive(Deserialize)]
struct Metrics {
    horizon_days: Vec<f64>,
    mae: Vec<Option<f64>>,
    smape: Vec<Option<f64>>,
}

/// The `y` column of a readings answer (the rest is InvokeEndpoint's).
#[derive(Deserialize)]
struct Readings {
    y: Option<PandasColumn>,
}

#[derive(Deserialize)]
struct Failure {
    message: String,
}

impl Accuracy {
    /// Reads `<id>.backtest.json` (what `gridcast train --cross-validate` writes).
    pub fn from_backtest_json(body: &[u8]) -> Result<Self, String> {
        let served: Served =
            serde_json::from_slice(body).map_err(|e| format!("not a backtest: {e}"))?;
        let mut at: Vec<AccuracyAt> = Vec::new();
        if let Some(m) = &served.backtest.metrics {
            for wanted in HORIZONS {
                let nearest = (0..m.horizon_days.len()).min_by(|&a, &b| {
                    let off = |i: usize| (m.horizon_days[i] - wanted).abs();
                    off(a).total_cmp(&off(b))
                });
                let Some(i) = nearest else { break };
                let (Some(Some(mae)), Some(Some(smape))) = (m.mae.get(i), m.smape.get(i)) else {
                    continue;
                };
                let h = m.horizon_days[i];
                if at.iter().all(|a| a.horizon_days != h) {
                    at.push(AccuracyAt {
                        horizon_days: h,
                        mae: *mae,
                        smape: *smape,
                    });
                }
            }
        }
        Ok(Self {
            at,
            failure: served.backtest.error.map(|e| e.message),
        })
    }
}

/// The readings after the training end and the model's forecast for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Actuals {
    /// The forecast for the readings' times.
    pub forecast: ForecastTable,
    /// The readings (NaN where one is missing).
    pub y: Vec<f64>,
}

impl Actuals {
    /// Reads the endpoint's `readings/` answer (pandas `to_json()` of `ds`,
    /// `yhat`, `yhat_lower`, `yhat_upper`, `y`); no rows is no readings yet.
    pub fn from_readings_json(body: &[u8]) -> Result<Self, String> {
        let readings: Readings =
            serde_json::from_slice(body).map_err(|e| format!("not readings: {e}"))?;
        let y = readings.y.ok_or("no \"y\" column")?;
        if y.is_empty() {
            let empty = ForecastTable::default();
            return Ok(Self {
                forecast: empty,
                y: vec![],
            });
        }
        let forecast = ForecastTable::from_pandas_json(body)?;
        if forecast.len() != y.len() {
            return Err("y has other rows than ds".into());
        }
        let y = y.into_values().map(|v| v.unwrap_or(f64::NAN)).collect();
        Ok(Self { forecast, y })
    }

    /// The readings as chart points.
    pub fn readings(&self) -> Vec<UsagePoint> {
        self.forecast
            .ds
            .iter()
            .zip(&self.y)
            .filter(|(_, v)| v.is_finite())
            .map(|(&start, &value)| UsagePoint { start, value })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_horizons_once_each() {
        let body = br#"{"customer": "42", "backtest": {"spec": "horizon=30 days", "cutoffs": 3,
            "metrics": {"horizon_days": [3, 4, 7, 8, 30], "mse": [1, 1, 1, 1, 1], "rmse": [1, 1, 1, 1, 1],
            "mae": [1.5, 2.5, 3.5, null, 9.0], "smape": [0.1, 0.2, 0.3, 0.4, 0.5]}}}"#;
        let a = Accuracy::from_backtest_json(body).unwrap();
        let at: Vec<(f64, f64, f64)> =
            a.at.iter()
                .map(|a| (a.horizon_days, a.mae, a.smape))
                .collect();
        assert_eq!(at, [(3.0, 1.5, 0.1), (7.0, 3.5, 0.3), (30.0, 9.0, 0.5)]);
        assert_eq!(a.failure, None);

        let short = br#"{"backtest": {"spec": "", "metrics": {"horizon_days": [1, 2],
            "mse": [1, 1], "rmse": [1, 1], "mae": [1.0, 2.0], "smape": [0.1, 0.2]}}}"#;
        let at: Vec<f64> = Accuracy::from_backtest_json(short)
            .unwrap()
            .at
            .iter()
            .map(|a| a.horizon_days)
            .collect();
        assert_eq!(
            at,
            [1.0, 2.0],
            "7 and 30 days both nearest to 2 days: said once"
        );
    }

    #[test]
    fn a_failed_backtest_says_why_and_other_documents_are_refused() {
        let body = br#"{"backtest": {"spec": "horizon=30 days", "cutoffs": 0,
            "error": {"reason": "less_data_than_horizon", "message": "less data than the horizon"}}}"#;
        let a = Accuracy::from_backtest_json(body).unwrap();
        assert!(a.at.is_empty());
        assert_eq!(a.failure.as_deref(), Some("less data than the horizon"));
        assert!(Accuracy::from_backtest_json(b"{}").is_err());
    }

    #[test]
    fn readings_beside_their_forecast() {
        let body = br#"{"ds":{"358":1671926400000,"359":1672012800000},"yhat":{"358":10.0,"359":11.0},
            "yhat_lower":{"358":9.0,"359":10.0},"yhat_upper":{"358":11.0,"359":12.0},"y":{"358":12.5,"359":null}}"#;
        let a = Actuals::from_readings_json(body).unwrap();
        assert_eq!(a.forecast.ds, [1_671_926_400, 1_672_012_800]);
        assert_eq!(a.forecast.yhat, [10.0, 11.0]);
        assert!(a.y[1].is_nan());
        assert_eq!(
            a.readings(),
            [UsagePoint {
                start: 1_671_926_400,
                value: 12.5
            }]
        );
        let none = br#"{"ds":{},"yhat":{},"yhat_lower":{},"yhat_upper":{},"y":{}}"#;
        assert!(Actuals::from_readings_json(none)
            .unwrap()
            .forecast
            .is_empty());
        let invocation =
            br#"{"ds":{"0":0},"yhat":{"0":1},"yhat_lower":{"0":1},"yhat_upper":{"0":1}}"#;
        assert!(Actuals::from_readings_json(invocation).is_err(), "no y");
    }
}
