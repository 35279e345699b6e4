//! A fitted Prophet model: everything `predict` needs and everything
//! `model_to_json` writes.

use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};
use crate::features::{ComponentColumns, ComponentModes, Seasonality};
use crate::time::Timestamp;

/// MAP parameter estimates (one draw), on the scaled data.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Base growth rate.
    pub k: f64,
    /// Offset.
    pub m: f64,
    /// Rate changes at the changepoints.
    pub delta: Vec<f64>,
    /// Observation noise (scaled).
    pub sigma_obs: f64,
    /// Feature coefficients.
    pub beta: Vec<f64>,
    /// Log density at the estimate (Stan's `lp__`), when known.
    pub lp: Option<f64>,
    /// The trend at the history rows (Stan's transformed parameter), scaled.
    pub trend: Vec<f64>,
}

/// The processed training frame (`history` in model.json).
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Timestamps.
    pub ds: Vec<Timestamp>,
    /// Observed values.
    pub y: Vec<f64>,
    /// Capacities (logistic growth only).
    pub cap: Option<Vec<f64>>,
    /// Floor per row (0 for absmax, `y_min` for minmax).
    pub floor: Vec<f64>,
    /// Scaled capacities (logistic growth only).
    pub cap_scaled: Option<Vec<f64>>,
    /// Scaled time: 0 at the first row, 1 at the last.
    pub t: Vec<f64>,
    /// Scaled observations.
    pub y_scaled: Vec<f64>,
}

/// Prophet's constructor settings as a fitted model records them.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `growth`.
    pub growth: Growth,
    /// `n_changepoints` (after Prophet lowered it for short histories).
    pub n_changepoints: u32,
    /// Whether changepoints were given explicitly.
    pub specified_changepoints: bool,
    /// `changepoint_range`.
    pub changepoint_range: f64,
    /// `yearly_seasonality`.
    pub yearly_seasonality: SeasonalitySetting,
    /// `weekly_seasonality`.
    pub weekly_seasonality: SeasonalitySetting,
    /// `daily_seasonality`.
    pub daily_seasonality: SeasonalitySetting,
    /// `seasonality_mode`.
    pub seasonality_mode: Mode,
    /// `seasonality_prior_scale`.
    pub seasonality_prior_scale: f64,
    /// `changepoint_prior_scale`.
    pub changepoint_prior_scale: f64,
    /// `holidays_prior_scale`.
    pub holidays_prior_scale: f64,
    /// `holidays_mode`.
    pub holidays_mode: Mode,
    /// `interval_width`.
    pub interval_width: f64,
    /// `uncertainty_samples`.
    pub uncertainty_samples: u32,
    /// `scaling`.
    pub scaling: Scaling,
}

/// A fitted Prophet model, from our fit or from Python's model.json.
#[derive(Debug, Clone, PartialEq)]
pub struct ProphetModel {
    /// Constructor settings.
    pub settings: Settings,
    /// Scale of `y`.
    pub y_scale: f64,
    /// Minimum of `y` (minmax scaling) or 0.
    pub y_min: f64,
    /// Whether a `floor` column was given (logistic growth).
    pub logistic_floor: bool,
    /// First timestamp, seconds since the epoch.
    pub start: f64,
    /// Span of the history in seconds.
    pub t_scale: f64,
    /// Changepoint timestamps.
    pub changepoints: Vec<Timestamp>,
    /// Changepoints in scaled time (a single dummy 0 when there are none).
    pub changepoints_t: Vec<f64>,
    /// Seasonalities in feature-column order.
    pub seasonalities: Vec<Seasonality>,
    /// Which columns make up each component.
    pub component_columns: ComponentColumns,
    /// Component names by mode.
    pub component_modes: ComponentModes,
    /// The training frame.
    pub history: History,
    /// The training timestamps (`history_dates`).
    pub history_dates: Vec<Timestamp>,
    /// Fitted parameters.
    pub params: Params,
    /// Extra keyword arguments Python's `fit` received (kept verbatim).
    pub fit_kwargs: serde_json::Value,
    /// `__prophet_version` of the writer.
    pub prophet_version: String,
}

impl ProphetModel {
    /// Scaled time of a timestamp.
    pub fn scaled_time(&self, ds: Timestamp) -> f64 {
        (ds as f64 - self.start) / self.t_scale
    }

    /// The last training timestamp.
    pub fn last_date(&self) -> Option<Timestamp> {
        self.history_dates.iter().copied().max()
    }

    /// Growth type.
    pub fn growth(&self) -> Growth {
        self.settings.growth
    }

    /// The trend (unscaled) at scaled times `t`, with capacities `cap_scaled`
    /// for logistic growth.
    pub fn trend_scaled(&self, t: &[f64], cap_scaled: Option<&[f64]>) -> Vec<f64> {
        let p = &self.params;
        match self.settings.growth {
            Growth::Linear => {
                crate::trend::piecewise_linear(t, &p.delta, p.k, p.m, &self.changepoints_t)
            }
            Growth::Logistic => crate::trend::piecewise_logistic(
                t,
                cap_scaled.unwrap_or(&[]),
                &p.delta,
                p.k,
                p.m,
                &self.changepoints_t,
            ),
            Growth::Flat => vec![p.m; t.len()],
        }
    }
}
