//! Prophet's diagnostics (`prophet.diagnostics`): backtesting a fitted model
//! by simulated historical forecasts, and the accuracy metrics over them.
//!
//! - [`cross_validation`]: `plan_cross_validation` (Python's defaults,
//!   [`generate_cutoffs`] or the given cutoffs checked), then for each cutoff
//!   [`single_cutoff_forecast`]: a refit with [`prophet_copy`]'s arguments on
//!   the history up to it and a forecast of the horizon after it.
//! - [`performance_metrics`]: mse, rmse, mae, mape, mdape, smape, coverage
//!   over rolling windows by horizon ([`rolling_mean_by_h`],
//!   [`rolling_median_by_h`]), rows ordered as pandas orders them.
//! - [`Timedelta`]: pandas' `Timedelta` strings (`"30 days"`).
//!
//! Like the rest of the crate it does no I/O and spawns no threads: callers
//! that want cutoffs in parallel call [`single_cutoff_forecast`] themselves.

mod argsort;
mod cross_validation;
mod cutoffs;
mod metrics;
mod timedelta;

pub use cross_validation::{
    cross_validation, history_frame, plan_cross_validation, prophet_copy, single_cutoff_forecast,
    CrossValidationArgs, CvOptions, CvPlan, MAX_CUTOFFS,
};
pub use cutoffs::{check_cutoffs, generate_cutoffs};
pub use metrics::{
    performance_metrics, rolling_mean_by_h, rolling_median_by_h, Metric, MetricsError,
    PerformanceMetrics,
};
pub use timedelta::{Timedelta, TimedeltaError};

use crate::fit::FitError;
use crate::forecast::ForecastError;
use crate::time::{format_csv_as, format_iso_millis, needs_time_of_day, Timestamp};

/// `cross_validation`'s rows: per simulated forecast, `ds`, `yhat` (and its
/// interval when the model samples uncertainty), the reading `y` and the
/// `cutoff`, cutoff by cutoff.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CvRows {
    /// Forecast times.
    pub ds: Vec<Timestamp>,
    /// Point forecasts.
    pub yhat: Vec<f64>,
    /// Interval lower bounds (`None` when `uncertainty_samples` is 0).
    pub yhat_lower: Option<Vec<f64>>,
    /// Interval upper bounds.
    pub yhat_upper: Option<Vec<f64>>,
    /// Readings.
    pub y: Vec<f64>,
    /// The cutoff of each row's forecast.
    pub cutoff: Vec<Timestamp>,
}

impl CvRows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// Appends `other`'s rows (`pd.concat`).
    pub fn extend(&mut self, other: CvRows) {
        let was_empty = self.is_empty();
        self.ds.extend(other.ds);
        self.yhat.extend(other.yhat);
        self.y.extend(other.y);
        self.cutoff.extend(other.cutoff);
        for (mine, theirs) in [
            (&mut self.yhat_lower, other.yhat_lower),
            (&mut self.yhat_upper, other.yhat_upper),
        ] {
            match (mine.as_mut(), theirs) {
                (Some(m), Some(t)) => m.extend(t),
                (None, Some(t)) if was_empty => *mine = Some(t),
                _ => *mine = None,
            }
        }
    }

    /// `df_cv.to_csv(index=False)`: `ds,yhat,yhat_lower,yhat_upper,y,cutoff`
    /// (dates alone when every time is midnight).
    pub fn to_csv(&self) -> String {
        let with_time = needs_time_of_day(&self.ds) || needs_time_of_day(&self.cutoff);
        let interval = self.yhat_lower.as_ref().zip(self.yhat_upper.as_ref());
        let mut out = String::from(if interval.is_some() {
            "ds,yhat,yhat_lower,yhat_upper,y,cutoff\n"
        } else {
            "ds,yhat,y,cutoff\n"
        });
        for i in 0..self.len() {
            out.push_str(&format_csv_as(self.ds[i], with_time));
            out.push_str(&format!(",{}", self.yhat[i]));
            if let Some((lo, hi)) = interval {
                out.push_str(&format!(",{},{}", lo[i], hi[i]));
            }
            out.push_str(&format!(",{},", self.y[i]));
            out.push_str(&format_csv_as(self.cutoff[i], with_time));
            out.push('\n');
        }
        out
    }
}

/// A finished cross-validation: its plan and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidation {
    /// Horizon, initial window, cutoffs, warnings.
    pub plan: CvPlan,
    /// The simulated forecasts.
    pub rows: CvRows,
}

/// What Python's `cross_validation` logs as a warning.
#[derive(Debug, Clone, PartialEq)]
pub enum CvWarning {
    /// `initial` is shorter than the longest seasonality's period.
    InitialShorterThanSeasonality {
        /// The longest period, in days.
        period_days: f64,
        /// The initial window.
        initial: Timedelta,
    },
}

impl CvError {
    /// A stable name for the reason, for reports and programs
    /// (`less_data_than_horizon`, `no_cutoff_after_initial`, `fit_failed`, …).
    pub fn code(&self) -> &'static str {
        match self {
            CvError::NotFitted => "not_fitted",
            CvError::Mcmc(_) => "mcmc",
            CvError::NotPositive { .. } => "not_positive",
            CvError::NotWholeSeconds { .. } => "not_whole_seconds",
            CvError::TooLong { .. } => "too_long",
            CvError::LessDataThanHorizon { .. } => "less_data_than_horizon",
            CvError::NoCutoffAfterInitial { .. } => "no_cutoff_after_initial",
            CvError::NoCutoffs => "no_cutoffs",
            CvError::CutoffNotAfterStart { .. } => "cutoff_not_after_start",
            CvError::CutoffTooLate { .. } => "cutoff_too_late",
            CvError::TooManyCutoffs { .. } => "too_many_cutoffs",
            CvError::TooFewRowsBeforeCutoff { .. } => "too_few_rows_before_cutoff",
            CvError::NoRowsAfterCutoff { .. } => "no_rows_after_cutoff",
            CvError::Fit { .. } => "fit_failed",
            CvError::Forecast { .. } => "forecast_failed",
        }
    }
}

impl std::fmt::Display for CvWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CvWarning::InitialShorterThanSeasonality {
                period_days,
                initial,
            } => write!(
                f,
                "Seasonality has period of {period_days} days which is larger than initial \
                 window ({initial}). Consider increasing initial."
            ),
        }
    }
}

/// Why a cross-validation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CvError {
    /// The model has fewer than two history rows.
    #[error("the model has no history to cross-validate (fit it first)")]
    NotFitted,
    /// An MCMC model: refits would sample, which gridcast's fit does not.
    #[error("the model was sampled with MCMC (mcmc_samples={0}); its refits would be too, and gridcast fits MAP estimates only")]
    Mcmc(u32),
    /// A horizon or period of zero or less.
    #[error("{what} must be positive, got {value}")]
    NotPositive {
        /// `horizon` or `period`.
        what: &'static str,
        /// The value.
        value: Timedelta,
    },
    /// A horizon or period that is not whole seconds.
    #[error("{what} must be a whole number of seconds (timestamps are whole seconds)")]
    NotWholeSeconds {
        /// What.
        what: &'static str,
    },
    /// A length past pandas' range.
    #[error("{what} is beyond pandas' ±292 years")]
    TooLong {
        /// What.
        what: &'static str,
    },
    /// Python's "Less data than horizon."
    #[error("less data than horizon: the history spans {span}, the horizon is {horizon}; give a shorter --horizon")]
    LessDataThanHorizon {
        /// The horizon.
        horizon: Timedelta,
        /// From the first to the last history row.
        span: Timedelta,
    },
    /// Python's "Less data than horizon after initial window."
    #[error("less data than horizon after the initial window: the history spans {span}, initial {initial} + horizon {horizon} do not fit; make --horizon or --initial shorter")]
    NoCutoffAfterInitial {
        /// The horizon.
        horizon: Timedelta,
        /// The initial window.
        initial: Timedelta,
        /// From the first to the last history row.
        span: Timedelta,
    },
    /// An empty list of cutoffs.
    #[error("no cutoffs given")]
    NoCutoffs,
    /// A given cutoff at or before the history's start.
    #[error("cutoff {} is not after the history's first date {}", format_iso_millis(*cutoff), format_iso_millis(*start))]
    CutoffNotAfterStart {
        /// The cutoff.
        cutoff: Timestamp,
        /// The first history date.
        start: Timestamp,
    },
    /// A given cutoff later than the last date minus the horizon.
    #[error("cutoff {} is later than the history's last date {} minus the horizon {horizon}: nothing would be left to forecast", format_iso_millis(*cutoff), format_iso_millis(*end))]
    CutoffTooLate {
        /// The cutoff.
        cutoff: Timestamp,
        /// The horizon.
        horizon: Timedelta,
        /// The last history date.
        end: Timestamp,
    },
    /// More cutoffs than allowed.
    #[error("more than {max} cutoffs (each is a fit): use a longer period or fewer cutoffs")]
    TooManyCutoffs {
        /// The limit.
        max: usize,
    },
    /// Python's "Less than two datapoints before cutoff."
    #[error("{rows} rows at or before cutoff {}: a fit needs 2; increase initial", format_iso_millis(*cutoff))]
    TooFewRowsBeforeCutoff {
        /// The cutoff.
        cutoff: Timestamp,
        /// Rows up to it.
        rows: usize,
    },
    /// No history rows in the horizon after a given cutoff.
    #[error("no rows in the {horizon} after cutoff {}", format_iso_millis(*cutoff))]
    NoRowsAfterCutoff {
        /// The cutoff.
        cutoff: Timestamp,
        /// The horizon.
        horizon: Timedelta,
    },
    /// A refit failed.
    #[error("refitting at cutoff {}: {source}", format_iso_millis(*cutoff))]
    Fit {
        /// The cutoff.
        cutoff: Timestamp,
        /// Why.
        source: FitError,
    },
    /// A forecast failed.
    #[error("forecasting after cutoff {}: {source}", format_iso_millis(*cutoff))]
    Forecast {
        /// The cutoff.
        cutoff: Timestamp,
        /// Why.
        source: ForecastError,
    },
}
