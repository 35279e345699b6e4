//! A fitted Prophet model: everything `predict` needs and everything
//! `model_to_json` writes.

use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};
use crate::features::{ComponentColumns, ComponentModes, Seasonality};
use crate::frame::ColumnUse;
use crate::history::History;
use crate::holidays::Holidays;
use crate::regressors::Regressor;
use crate::time::Timestamp;

/// One set of parameter values: the MAP estimate, or one MCMC draw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draw {
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
}

/// Parameter estimates on the scaled data: one draw for a MAP fit, one per
/// posterior sample for an MCMC model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// The draws.
    pub draws: Vec<Draw>,
    /// Log density of each draw (Stan's `lp__`), when known.
    pub lp: Vec<f64>,
    /// The trend at the history rows for each draw (Stan's transformed
    /// parameter), scaled; may be empty.
    pub trend: Vec<Vec<f64>>,
    /// Other per-draw values Stan's sampler reports (`accept_stat__`, …),
    /// kept verbatim for model.json.
    pub sampler: Vec<(String, Vec<f64>)>,
}

impl Params {
    /// A MAP estimate.
    pub fn map(draw: Draw, lp: Option<f64>, trend: Vec<f64>) -> Self {
        Self {
            draws: vec![draw],
            lp: lp.into_iter().collect(),
            trend: if trend.is_empty() {
                Vec::new()
            } else {
                vec![trend]
            },
            sampler: Vec::new(),
        }
    }

    /// The draw `predict` uses for its point forecast: the mean of every
    /// parameter over the draws, NaNs left out (`np.nanmean`).
    pub fn mean(&self) -> Draw {
        let n = self.draws.len();
        if n == 1 {
            return self.draws[0].clone();
        }
        let mean = |f: &dyn Fn(&Draw) -> f64| nanmean(self.draws.iter().map(f));
        let vector = |f: &dyn Fn(&Draw) -> &[f64]| -> Vec<f64> {
            let len = self.draws.first().map_or(0, |d| f(d).len());
            (0..len)
                .map(|j| nanmean(self.draws.iter().map(|d| f(d)[j])))
                .collect()
        };
        Draw {
            k: mean(&|d| d.k),
            m: mean(&|d| d.m),
            delta: vector(&|d| &d.delta),
            sigma_obs: mean(&|d| d.sigma_obs),
            beta: vector(&|d| &d.beta),
        }
    }
}

fn nanmean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
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
    /// `mcmc_samples` (0: a MAP fit).
    pub mcmc_samples: u32,
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
    /// Holidays: the frame, the country, the names the fit saw.
    pub holidays: Holidays,
    /// Extra regressors in feature-column order.
    pub extra_regressors: Vec<Regressor>,
    /// Which columns make up each component.
    pub component_columns: ComponentColumns,
    /// Component names by mode.
    pub component_modes: ComponentModes,
    /// The training frame.
    pub history: History,
    /// The training timestamps (`history_dates`), also of rows without `y`.
    pub history_dates: Vec<Timestamp>,
    /// Fitted parameters.
    pub params: Params,
    /// Extra keyword arguments Python's `fit` received (kept verbatim).
    pub fit_kwargs: serde_json::Value,
    /// `__prophet_version` of the writer.
    pub prophet_version: String,
}

/// A column that rows to forecast must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredColumn {
    /// The column name.
    pub name: String,
    /// What the model uses it for.
    pub role: ColumnUse,
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

    /// The columns `predict` needs besides `ds`: every extra regressor, every
    /// seasonality condition, and `cap` (and `floor`) for logistic growth.
    pub fn required_future_columns(&self) -> Vec<RequiredColumn> {
        let mut out: Vec<RequiredColumn> = self
            .extra_regressors
            .iter()
            .map(|r| RequiredColumn {
                name: r.name.clone(),
                role: ColumnUse::Regressor,
            })
            .collect();
        for s in &self.seasonalities {
            if let Some(c) = &s.condition_name {
                if !out.iter().any(|r| &r.name == c) {
                    out.push(RequiredColumn {
                        name: c.clone(),
                        role: ColumnUse::Condition {
                            seasonality: s.name.clone(),
                        },
                    });
                }
            }
        }
        if self.growth() == Growth::Logistic {
            out.push(RequiredColumn {
                name: "cap".into(),
                role: ColumnUse::Cap,
            });
            if self.logistic_floor {
                out.push(RequiredColumn {
                    name: "floor".into(),
                    role: ColumnUse::Floor,
                });
            }
        }
        out
    }

    /// The columns every future row must carry values of besides `ds`: the
    /// regressors and seasonality conditions (`cap` and `floor` come with
    /// `future_frame`). What a covariates feed or a device has to supply.
    pub fn future_value_columns(&self) -> Vec<String> {
        // What `required_future_columns` lists before `cap`/`floor`, without
        // its roles (the portal carries this one).
        let mut out: Vec<String> = self.extra_regressors.iter().map(|r| r.name.clone()).collect();
        for c in self.seasonalities.iter().filter_map(|s| s.condition_name.as_ref()) {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }

    /// The trend (scaled, before the floor) of `draw` at scaled times `t`,
    /// with capacities `cap_scaled` for logistic growth.
    pub fn trend_scaled(&self, draw: &Draw, t: &[f64], cap_scaled: Option<&[f64]>) -> Vec<f64> {
        match self.settings.growth {
            Growth::Linear => {
                crate::trend::piecewise_linear(t, &draw.delta, draw.k, draw.m, &self.changepoints_t)
            }
            Growth::Logistic => crate::trend::piecewise_logistic(
                t,
                cap_scaled.unwrap_or(&[]),
                &draw.delta,
                draw.k,
                draw.m,
                &self.changepoints_t,
            ),
            Growth::Flat => vec![draw.m; t.len()],
        }
    }
}
