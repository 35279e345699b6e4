//! Backtesting customers: Prophet's `cross_validation` and
//! `performance_metrics` for one customer's model, with the cutoffs on the
//! rayon pool, as the training run and `gridcast cross-validate` use them.
//!
//! - [`BacktestSpec`]: what `train --cross-validate "horizon=30 days,…"` and
//!   the `cross_validate` hyperparameter ask for.
//! - [`cross_validate`]: Python's `cross_validation(parallel="processes")`.
//! - [`backtest_model`]: a customer's [`CustomerBacktest`] for the report:
//!   metrics per horizon, or a typed [`BacktestFailure`].
//!
//! The fleet's summary over these rows is [`crate::accuracy`].

use std::fmt;
use std::str::FromStr;

use gridcast_model::diagnostics::{
    history_frame, performance_metrics, plan_cross_validation, single_cutoff_forecast,
    CrossValidation, CrossValidationArgs, CvError, CvOptions, CvRows, Metric, PerformanceMetrics,
    Timedelta, MAX_CUTOFFS,
};
use gridcast_model::{ForecastOptions, ProphetModel};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Python's `performance_metrics` default `rolling_window`.
pub const DEFAULT_ROLLING_WINDOW: f64 = 0.1;
/// Customers the fleet summary names as forecasting worst, by default.
pub const DEFAULT_WORST: usize = 10;
/// Default cutoffs per customer in a fleet run (each is a fit).
pub const DEFAULT_FLEET_MAX_CUTOFFS: usize = 100;
/// The seed of a backtest's intervals (cutoff `i` uses `seed + i`), so a
/// report is reproducible.
pub const BACKTEST_SEED: u64 = 0;

/// A fleet backtest's settings: `horizon=30 days[,initial=…][,period=…]
/// [,rolling_window=0.1][,max_cutoffs=100][,worst=10]`, Python's names and
/// defaults (initial = 3 × horizon, period = horizon / 2).
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestSpec {
    /// `horizon`, `initial`, `period` (no explicit cutoffs: they differ per customer).
    pub args: CrossValidationArgs,
    /// `performance_metrics`' `rolling_window`.
    pub rolling_window: f64,
    /// At most this many cutoffs per customer; more is that customer's
    /// `too_many_cutoffs` failure.
    pub max_cutoffs: usize,
    /// How many worst customers the summary names.
    pub worst: usize,
}

impl BacktestSpec {
    /// A spec with this horizon and every default.
    pub fn horizon(horizon: Timedelta) -> Self {
        Self {
            args: CrossValidationArgs::horizon(horizon),
            rolling_window: DEFAULT_ROLLING_WINDOW,
            max_cutoffs: DEFAULT_FLEET_MAX_CUTOFFS,
            worst: DEFAULT_WORST,
        }
    }

    /// The options each customer's cross-validation runs with.
    pub fn options(&self) -> CvOptions {
        CvOptions {
            forecast: ForecastOptions {
                seed: Some(BACKTEST_SEED),
                ..Default::default()
            },
            max_cutoffs: self.max_cutoffs,
        }
    }
}

/// Why a `--cross-validate` text is not a [`BacktestSpec`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--cross-validate {text:?}: {problem}; write e.g. \"horizon=30 days,initial=90 days,period=15 days\" (also rolling_window=0.1, max_cutoffs=100, worst=10)")]
pub struct BacktestSpecError {
    /// The text as given.
    pub text: String,
    /// What is wrong.
    pub problem: String,
}

impl FromStr for BacktestSpec {
    type Err = BacktestSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |problem: String| BacktestSpecError {
            text: text.to_owned(),
            problem,
        };
        let (mut horizon, mut initial, mut period) = (None, None, None);
        let (mut rolling_window, mut max_cutoffs, mut worst) = (
            DEFAULT_ROLLING_WINDOW,
            DEFAULT_FLEET_MAX_CUTOFFS,
            DEFAULT_WORST,
        );
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| err(format!("{part:?} is not key=value")))?;
            let (key, value) = (key.trim(), value.trim());
            let timedelta = || Timedelta::parse(value).map_err(|e| err(e.to_string()));
            let count = |what: &str| {
                value
                    .parse::<usize>()
                    .map_err(|_| err(format!("{key}={value:?} is not {what}")))
            };
            match key {
                "horizon" => horizon = Some(timedelta()?),
                "initial" => initial = Some(timedelta()?),
                "period" => period = Some(timedelta()?),
                "rolling_window" => {
                    rolling_window = value
                        .parse::<f64>()
                        .ok()
                        .filter(|w| w.is_finite())
                        .ok_or_else(|| err(format!("rolling_window={value:?} is not a number")))?
                }
                "max_cutoffs" => {
                    max_cutoffs = count("a whole number")?;
                    if max_cutoffs == 0 || max_cutoffs > MAX_CUTOFFS {
                        return Err(err(format!("max_cutoffs must be 1 to {MAX_CUTOFFS}")));
                    }
                }
                "worst" => worst = count("a whole number")?,
                other => {
                    return Err(err(format!(
                        "unknown setting {other:?} (horizon, initial, period, rolling_window, max_cutoffs, worst)"
                    )))
                }
            }
        }
        let horizon = horizon.ok_or_else(|| err("horizon is missing".into()))?;
        for (what, value) in [
            ("horizon", Some(horizon)),
            ("initial", initial),
            ("period", period),
        ] {
            if value.is_some_and(|v| v.as_nanos() <= 0) {
                return Err(err(format!("{what} must be positive")));
            }
        }
        Ok(Self {
            args: CrossValidationArgs {
                horizon,
                period,
                initial,
                cutoffs: None,
            },
            rolling_window,
            max_cutoffs,
            worst,
        })
    }
}

impl fmt::Display for BacktestSpec {
    /// The canonical text, which the report keeps so a resumed run knows
    /// whether a customer's backtest is the one asked for.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "horizon={}", self.args.horizon)?;
        if let Some(initial) = self.args.initial {
            write!(f, ",initial={initial}")?;
        }
        if let Some(period) = self.args.period {
            write!(f, ",period={period}")?;
        }
        write!(
            f,
            ",rolling_window={},max_cutoffs={}",
            self.rolling_window, self.max_cutoffs
        )
    }
}

/// Python's `cross_validation(model, …, parallel="processes")`: the plan,
/// then one refit and forecast per cutoff on the current rayon pool, rows in
/// cutoff order.
pub fn cross_validate(
    model: &ProphetModel,
    args: &CrossValidationArgs,
    opts: &CvOptions,
) -> Result<CrossValidation, CvError> {
    let plan = plan_cross_validation(model, args, opts.max_cutoffs)?;
    let history = history_frame(model);
    let parts: Vec<CvRows> = plan
        .cutoffs
        .par_iter()
        .enumerate()
        .map(|(i, &cutoff)| {
            single_cutoff_forecast(model, &history, cutoff, plan.horizon, &opts.for_cutoff(i))
        })
        .collect::<Result<_, _>>()?;
    let mut rows = CvRows::default();
    for part in parts {
        rows.extend(part);
    }
    Ok(CrossValidation { plan, rows })
}

/// One customer's backtest in the training report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerBacktest {
    /// The [`BacktestSpec`] it ran with (canonical text).
    pub spec: String,
    /// Cutoffs (refits); 0 when it failed.
    #[serde(default)]
    pub cutoffs: usize,
    /// Milliseconds the refits and metrics took.
    #[serde(default)]
    pub ms: f64,
    /// `performance_metrics` per horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<HorizonMetrics>,
    /// Why there are no metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<BacktestFailure>,
}

/// Why a customer could not be backtested: a stable `reason`
/// ([`CvError::code`]: `less_data_than_horizon`, `no_cutoff_after_initial`,
/// …) and the message saying what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestFailure {
    /// Stable reason code.
    pub reason: String,
    /// What happened and how to avoid it.
    pub message: String,
}

/// `performance_metrics` as columns: one value per horizon (in days), `null`
/// where a value is not finite; `mape` absent where a reading is zero and
/// `coverage` without an interval, as in Python.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonMetrics {
    /// Horizons in days, ascending.
    pub horizon_days: Vec<f64>,
    /// Mean squared error.
    pub mse: Vec<Option<f64>>,
    /// Root mean squared error.
    pub rmse: Vec<Option<f64>>,
    /// Mean absolute error.
    pub mae: Vec<Option<f64>>,
    /// Mean absolute percentage error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mape: Option<Vec<Option<f64>>>,
    /// Median absolute percentage error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mdape: Option<Vec<Option<f64>>>,
    /// Symmetric mean absolute percentage error.
    pub smape: Vec<Option<f64>>,
    /// Share of readings inside the interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<Option<f64>>>,
}

impl HorizonMetrics {
    /// From `performance_metrics`' result (which always has mse, rmse, mae
    /// and smape when called with every metric).
    pub fn from_metrics(m: &PerformanceMetrics) -> Self {
        let column = |metric| {
            m.column(metric)
                .map(|v| v.iter().map(|x| x.is_finite().then_some(*x)).collect())
        };
        let always = |metric| column(metric).unwrap_or_else(|| vec![None; m.horizon.len()]);
        Self {
            horizon_days: m.horizon.iter().map(|&h| h as f64 / 86_400.0).collect(),
            mse: always(Metric::Mse),
            rmse: always(Metric::Rmse),
            mae: always(Metric::Mae),
            mape: column(Metric::Mape),
            mdape: column(Metric::Mdape),
            smape: always(Metric::Smape),
            coverage: column(Metric::Coverage),
        }
    }

    /// The mean of a column's finite values.
    pub fn mean(values: &[Option<f64>]) -> Option<f64> {
        let finite: Vec<f64> = values.iter().flatten().copied().collect();
        (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64)
    }
}

/// `<id>.backtest.json`, written beside the artifact when a run backtests:
/// what the endpoint serves to the customer's portal — the backtest, the
/// holdout score and the last training time (readings after it were not
/// seen by the model).
#[derive(Debug, Serialize)]
pub struct ServedBacktest<'a> {
    /// Customer id.
    pub customer: &'a str,
    /// The model's last training row, ISO 8601.
    pub trained_through: Option<String>,
    /// The holdout score, if rows were held out.
    pub holdout: Option<HoldoutMetrics>,
    /// The backtest.
    pub backtest: &'a CustomerBacktest,
}

/// The training report's holdout score, as served.
#[derive(Debug, Serialize)]
pub struct HoldoutMetrics {
    /// Rows held out.
    pub rows: usize,
    /// MAPE (none where a reading is zero).
    pub mape: Option<f64>,
    /// sMAPE.
    pub smape: Option<f64>,
    /// MAE.
    pub mae: Option<f64>,
    /// RMSE.
    pub rmse: Option<f64>,
    /// Interval coverage.
    pub coverage: Option<f64>,
}

impl HoldoutMetrics {
    /// From a report row.
    pub fn of(row: &crate::CustomerReport) -> Self {
        Self {
            rows: row.holdout_rows,
            mape: row.mape,
            smape: row.smape,
            mae: row.mae,
            rmse: row.rmse,
            coverage: row.coverage,
        }
    }
}

/// Backtests a fitted customer model as `spec` says: the report's row part.
/// Every failure (too little history for the horizon or the initial window,
/// a refit that fails) is the row's `error`, never the run's end.
pub fn backtest_model(model: &ProphetModel, spec: &BacktestSpec) -> CustomerBacktest {
    let started = std::time::Instant::now();
    let mut row = CustomerBacktest {
        spec: spec.to_string(),
        cutoffs: 0,
        ms: 0.0,
        metrics: None,
        error: None,
    };
    match cross_validate(model, &spec.args, &spec.options()) {
        Ok(cv) => {
            row.cutoffs = cv.plan.cutoffs.len();
            match performance_metrics(&cv.rows, None, spec.rolling_window) {
                Ok(Some(m)) => row.metrics = Some(HorizonMetrics::from_metrics(&m)),
                Ok(None) => unreachable!("mse, rmse, mae and smape are always computed"),
                Err(e) => {
                    row.error = Some(BacktestFailure {
                        reason: "metrics_failed".into(),
                        message: e.to_string(),
                    })
                }
            }
        }
        Err(e) => {
            row.error = Some(BacktestFailure {
                reason: e.code().into(),
                message: e.to_string(),
            })
        }
    }
    row.ms = started.elapsed().as_secs_f64() * 1e3;
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_pythons_defaults_and_print_canonically() {
        let spec: BacktestSpec = "horizon=30 days".parse().unwrap();
        assert_eq!(spec.args.horizon, Timedelta::days(30));
        assert_eq!((spec.args.initial, spec.args.period), (None, None));
        assert_eq!(spec.rolling_window, DEFAULT_ROLLING_WINDOW);
        assert_eq!(
            spec.to_string(),
            "horizon=30 days 00:00:00,rolling_window=0.1,max_cutoffs=100"
        );
        let full: BacktestSpec =
            " horizon=7 days, initial=60 days ,period=3 days,rolling_window=0,max_cutoffs=5,worst=3"
                .parse()
                .unwrap();
        assert_eq!(full.args.initial, Some(Timedelta::days(60)));
        assert_eq!(full.args.period, Some(Timedelta::days(3)));
        assert_eq!(
            (full.rolling_window, full.max_cutoffs, full.worst),
            (0.0, 5, 3)
        );
        assert_eq!(
            full.to_string().parse::<BacktestSpec>().unwrap().args,
            full.args
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (text, says) in [
            ("initial=90 days", "horizon is missing"),
            ("horizon=30 parsecs", "not a pandas Timedelta"),
            ("horizon=30 days,period", "is not key=value"),
            (
                "horizon=30 days,cutoffs=2022-01-01",
                "unknown setting \"cutoffs\"",
            ),
            ("horizon=-1 days", "horizon must be positive"),
            ("horizon=1 days,max_cutoffs=0", "max_cutoffs must be 1"),
            (
                "horizon=1 days,rolling_window=nan",
                "rolling_window=\"nan\" is not a number",
            ),
        ] {
            let err = text.parse::<BacktestSpec>().unwrap_err().to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
