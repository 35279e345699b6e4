//! The preview worker's messages: what the portal's preview page asks its
//! Web Worker and what the worker answers. `www/preview-worker.js` only
//! relays them to gridcast-js's `previewMessage`; both ends serialize these
//! types as JSON text, and the CSV and artifact bytes travel beside the text
//! as transferred `Uint8Array`s (`csv`, `artifact`).
//!
//! ```
//! use gridcast_api::{Preset, WorkerRequest, ModelChoice};
//!
//! let ask = WorkerRequest::Fit { model: ModelChoice::preset(Preset::Seed), days: 10, refit: false };
//! let text = serde_json::to_string(&ask).unwrap();
//! assert_eq!(text, r#"{"fit":{"model":{"preset":"seed","country":null,"regressors":false},"days":10,"refit":false}}"#);
//! assert_eq!(serde_json::from_str::<WorkerRequest>(&text).unwrap(), ask);
//! ```

use serde::{Deserialize, Serialize};

use crate::Preset;

/// What the page asks the worker (the CSV and artifact bytes beside it),
/// externally tagged (`"read"`, `{"fit": {...}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WorkerRequest {
    /// Read and chart the CSV, before fitting: answered by
    /// [`WorkerReply::Readings`].
    Read,
    /// Fit the CSV and forecast `days` days; with `refit`, the artifact's
    /// history plus the CSV's readings, fitted with the artifact's own
    /// arguments. Answered by [`WorkerReply::Fitted`]; the worker keeps the
    /// fitted model for [`WorkerRequest::Artifact`].
    Fit {
        /// Prophet's arguments.
        model: ModelChoice,
        /// Days to forecast (1–90).
        days: u32,
        /// Refit the artifact sent beside the request.
        refit: bool,
    },
    /// Python's `cross_validation` + `performance_metrics` on the CSV,
    /// fitted with `model`: [`WorkerReply::Progress`] after each cutoff,
    /// then [`WorkerReply::Backtested`].
    Backtest {
        /// Prophet's arguments.
        model: ModelChoice,
        /// Horizon, initial window and period.
        backtest: BacktestArgs,
    },
    /// The last fit's `.tar.gz`, written now (the download): answered by
    /// [`WorkerReply::Artifact`] and the artifact bytes beside it, or
    /// `no_fit` before any fit.
    Artifact,
}

impl WorkerRequest {
    /// Which kind of request this is (for the answer's [`WorkerError`]).
    pub fn kind(&self) -> RequestKind {
        match self {
            WorkerRequest::Read => RequestKind::Read,
            WorkerRequest::Fit { .. } => RequestKind::Fit,
            WorkerRequest::Backtest { .. } => RequestKind::Backtest,
            WorkerRequest::Artifact => RequestKind::Artifact,
        }
    }
}

/// The kinds of [`WorkerRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestKind {
    /// [`WorkerRequest::Read`].
    Read,
    /// [`WorkerRequest::Fit`].
    Fit,
    /// [`WorkerRequest::Backtest`].
    Backtest,
    /// [`WorkerRequest::Artifact`].
    Artifact,
}

/// Prophet's arguments for a preview fit: a [`Preset`]'s, with the CSV's
/// extra numeric columns as regressors and a country's holidays if asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelChoice {
    /// The preset.
    pub preset: Preset,
    /// A country's holidays (`add_country_holidays`), e.g. `US`, `DE`.
    pub country: Option<String>,
    /// Every extra numeric column of the CSV becomes a regressor
    /// (`add_regressor`); its future values come from the CSV's rows past
    /// the last reading.
    pub regressors: bool,
}

impl ModelChoice {
    /// A preset's arguments as they are.
    pub fn preset(preset: Preset) -> Self {
        Self {
            preset,
            country: None,
            regressors: false,
        }
    }
}

/// `cross_validation`'s `horizon`, `initial` and `period` as pandas
/// Timedelta strings (`"30 days"`); `None` takes Python's default
/// (initial = 3 × horizon, period = horizon / 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestArgs {
    /// How far ahead each simulated forecast goes.
    pub horizon: String,
    /// History before the first cutoff.
    pub initial: Option<String>,
    /// Spacing of the cutoffs.
    pub period: Option<String>,
    /// Seed of the forecasts' intervals (cutoff i uses seed + i), as
    /// `gridcast cross-validate --seed`.
    pub seed: Option<u64>,
}

/// What the worker answers.
///
/// Externally tagged (`{"progress": {...}}`), so a reader needs no buffering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WorkerReply {
    /// Work under way: `done` of `total` steps (both 0 when not counted).
    Progress {
        /// What is being done.
        text: String,
        /// Steps done (cutoffs fitted).
        done: usize,
        /// Steps in all.
        total: usize,
    },
    /// The CSV, read.
    Readings {
        /// What was read.
        readings: ReadingsSummary,
        /// As the page shows it.
        html: String,
    },
    /// A fit and its forecast.
    Fitted {
        /// The fit.
        fit: FitSummary,
        /// As the page shows it.
        html: String,
    },
    /// A backtest's metrics.
    Backtested {
        /// The backtest.
        backtest: BacktestSummary,
        /// As the page shows it.
        html: String,
    },
    /// The last fit's artifact (its bytes beside the reply).
    Artifact {
        /// Milliseconds spent writing it (model.json, tar and gzip).
        artifact_ms: f64,
    },
    /// The request failed.
    Failed(WorkerError),
}

/// A CSV's readings, before fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingsSummary {
    /// Rows with a reading.
    pub readings: usize,
    /// First date.
    pub first: String,
    /// Last date.
    pub last: String,
    /// The extra numeric columns (regressor candidates).
    pub columns: Vec<String>,
    /// The daily readings charted (SVG).
    pub svg: String,
}

/// One forecast row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastRow {
    /// `YYYY-MM-DD` (or with a time of day for sub-daily models).
    pub ds: String,
    /// Forecast.
    pub yhat: f64,
    /// Lower bound.
    pub yhat_lower: f64,
    /// Upper bound.
    pub yhat_upper: f64,
}

/// Where an on-device fit spent its time (ms).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FitStages {
    /// Reading the CSV into a frame.
    pub parse_ms: f64,
    /// Prophet's preprocessing and the optimizer.
    pub fit_ms: f64,
    /// Future dates and `predict` with the uncertainty simulation.
    pub forecast_ms: f64,
    /// The readings aggregated and the chart drawn as SVG, the rows.
    pub chart_ms: f64,
    /// model.json, tar and gzip, for a call that writes the artifact
    /// (`refitWithReadings`); 0 for a fit, whose artifact is written on
    /// demand ([`WorkerRequest::Artifact`]).
    pub artifact_ms: f64,
}

/// A fit on the device and its forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FitSummary {
    /// Readings fitted.
    pub readings: usize,
    /// Milliseconds the fit took.
    pub fit_ms: f64,
    /// The optimum's log density.
    pub lp: f64,
    /// Optimizer iterations.
    pub iterations: usize,
    /// Which optimizer finished.
    pub algorithm: String,
    /// The model's y scale.
    pub y_scale: f64,
    /// The last reading's date.
    pub trained_through: String,
    /// The regressors fitted.
    #[serde(default)]
    pub regressors: Vec<String>,
    /// The country whose holidays were fitted.
    #[serde(default)]
    pub country: Option<String>,
    /// Readings and forecast charted (SVG).
    pub svg: String,
    /// The forecast.
    pub rows: Vec<ForecastRow>,
    /// Time per stage.
    pub stages: FitStages,
}

/// A backtest's result: `performance_metrics` at a few horizons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestSummary {
    /// The horizon, initial window and period as used (pandas strings).
    pub horizon: String,
    /// Initial window.
    pub initial: String,
    /// Cutoffs (one refit each).
    pub cutoffs: usize,
    /// Rows of simulated forecasts.
    pub rows: usize,
    /// Metrics per horizon (`rolling_window` 0.1, as Python's default).
    pub metrics: Vec<HorizonMetric>,
    /// Python's warnings (initial shorter than a seasonality).
    pub warnings: Vec<String>,
}

/// `performance_metrics`' row at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonMetric {
    /// The horizon in days.
    pub horizon_days: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Symmetric MAPE.
    pub smape: f64,
    /// MAPE (none where readings are near zero, as Python leaves it out).
    pub mape: Option<f64>,
    /// Share of readings inside the interval (none without intervals).
    pub coverage: Option<f64>,
}

/// Why a request failed: a stable `code` for programs and tests, the
/// message for people, and the columns a forecast lacks future values of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct WorkerError {
    /// The request that failed.
    pub request: RequestKind,
    /// `csv`, `arguments`, `fit`, `forecast`, `future_values_missing`,
    /// `worker`, `no_fit` (an artifact asked for before a fit), or a backtest's reason (`less_data_than_horizon`,
    /// `no_cutoff_after_initial`, …: `CvError::code`).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
    /// For `future_values_missing`: the columns without future values.
    #[serde(default)]
    pub columns: Vec<String>,
}

impl WorkerError {
    /// An error without columns.
    pub fn new(request: RequestKind, code: &str, message: impl Into<String>) -> Self {
        Self {
            request,
            code: code.into(),
            message: message.into(),
            columns: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_round_trip_as_json() {
        let replies = [
            WorkerReply::Progress {
                text: "cutoff 2 of 16".into(),
                done: 2,
                total: 16,
            },
            WorkerReply::Failed(WorkerError::new(
                RequestKind::Backtest,
                "less_data_than_horizon",
                "less data",
            )),
        ];
        for r in replies {
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<WorkerReply>(&text).unwrap(), r);
        }
        let text = serde_json::to_string(&WorkerReply::Progress {
            text: "x".into(),
            done: 1,
            total: 2,
        })
        .unwrap();
        assert!(text.starts_with(r#"{"progress":{"#), "{text}");
        assert!(serde_json::from_str::<WorkerRequest>(r#"{"fit":{"days":3}}"#).is_err());
        assert_eq!(
            serde_json::from_str::<WorkerRequest>(r#""read""#).unwrap(),
            WorkerRequest::Read
        );
        assert_eq!(
            serde_json::to_string(&WorkerRequest::Artifact).unwrap(),
            r#""artifact""#
        );
        let saved = WorkerReply::Artifact { artifact_ms: 2.5 };
        let text = serde_json::to_string(&saved).unwrap();
        assert_eq!(text, r#"{"artifact":{"artifact_ms":2.5}}"#);
        assert_eq!(serde_json::from_str::<WorkerReply>(&text).unwrap(), saved);
    }
}
