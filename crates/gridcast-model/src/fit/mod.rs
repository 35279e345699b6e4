//! Fitting, as Python's `Prophet(**config).fit(df)` does it, stage by stage:
//! the model from its arguments, the training rows, `initialize_scales`,
//! `setup_dataframe`, `set_auto_seasonalities`, the features and their
//! components, `set_changepoints`, the initial values, then the optimizer.

mod changepoints;
mod initial;
mod scales;
mod seasonalities;

use augurs_prophet::optimizer::{Data, InitialParams, OptimizeOpts};
use augurs_prophet::{PositiveFloat, TrendIndicator};

use crate::config::{ConfigError, Growth, ProphetConfig};
use crate::features::{
    component_columns, make_all_features, ComponentColumns, ComponentModes, FeatureError, Features,
    Seasonality,
};
use crate::frame::{Frame, FrameError};
use crate::history::{setup_dataframe, History};
use crate::holidays::{Holiday, HolidaySource, Holidays};
use crate::model::{Draw, Params, ProphetModel, Settings};
use crate::model_json::PROPHET_FORMAT_VERSION;
use crate::optimizer::{Algorithm, FitReport, OptimizeError, RustOptimizer, Termination};
use crate::regressors::Regressor;
use crate::time::{parse_timestamp, Timestamp};

/// A fitted model and how the fit went.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The model.
    pub model: ProphetModel,
    /// The optimizer's report.
    pub report: FitReport,
}

/// Why a fit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The rows do not fit the model (a missing or bad column, a duplicate
    /// timestamp, …).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The features could not be made.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// Fewer than two rows with an observed `y`.
    #[error("need at least 2 rows with a value to fit, got {observed} (of {rows} rows)")]
    TooFewRows {
        /// Rows with an observed `y`.
        observed: usize,
        /// All rows.
        rows: usize,
    },
    /// All rows share one timestamp.
    #[error("all {0} rows have the same timestamp")]
    NoTimeSpan(usize),
    /// Explicit changepoints outside the history.
    #[error("changepoints must fall within the training data")]
    ChangepointsOutsideHistory,
    /// The optimizer failed.
    #[error("optimizer failed: {0}")]
    Optimizer(#[from] OptimizeError),
}

/// Fits a Prophet model to `frame` (rows with a NaN `y` are left out, rows in
/// any order) with `config`, as Python's `Prophet(**config).fit(df)` does.
pub fn fit(frame: &Frame, config: &ProphetConfig) -> Result<Fitted, FitError> {
    config.validate()?;
    let frame = config.with_constants(frame)?;
    let mut model = prophet(config)?;
    check_columns(&frame, &model)?;
    let rows = training_rows(&frame)?;
    model.history_dates = history_dates(&frame);
    scales::initialize_scales(&mut model, &frame, &rows)?;
    let history = setup_dataframe(&model, &frame, &rows)?;
    seasonalities::set_auto_seasonalities(&mut model, &history.ds);
    let features = make_all_features(&model, &history, &HolidaySource::Embedded)?;
    if model.holidays.train_names.is_none() {
        model.holidays.train_names = features.holiday_names.clone();
    }
    (model.component_columns, model.component_modes) = component_columns(
        &features.names,
        &features.modes,
        model.holidays.train_names.as_deref(),
        &model.extra_regressors,
        model.settings.holidays_mode,
    );
    let specified = config.changepoint_dates()?;
    changepoints::set_changepoints(&mut model, specified.as_deref(), &history)?;
    let (params, report) = optimize(&model, &history, &features, config)?;
    model.params = params;
    model.history = history;
    Ok(Fitted { model, report })
}

/// `Prophet(**config)` followed by `add_country_holidays`, `add_seasonality`
/// and `add_regressor`: a model with its arguments and no data yet.
fn prophet(config: &ProphetConfig) -> Result<ProphetModel, FitError> {
    let holidays_mode = config.holidays_mode.unwrap_or(config.seasonality_mode);
    let specified = config.changepoint_dates()?;
    let seasonalities = config
        .seasonalities
        .iter()
        .map(|s| Seasonality {
            name: s.name.clone(),
            period: s.period,
            fourier_order: s.fourier_order,
            prior_scale: s.prior_scale.unwrap_or(config.seasonality_prior_scale),
            mode: s.mode.unwrap_or(config.seasonality_mode),
            condition_name: s.condition_name.clone(),
        })
        .collect();
    let frame = config.holidays.as_ref().map(|rows| {
        rows.iter()
            .map(|h| Holiday {
                name: h.holiday.clone(),
                ds: parse_timestamp(&h.ds)
                    .expect("validated")
                    .div_euclid(86_400)
                    * 86_400,
                lower_window: h.lower_window,
                upper_window: h.upper_window,
                prior_scale: h.prior_scale,
            })
            .collect()
    });
    let extra_regressors = config
        .regressors
        .iter()
        .map(|r| {
            Regressor::new(
                &r.name,
                r.prior_scale.unwrap_or(config.holidays_prior_scale),
                r.standardize,
                r.mode.unwrap_or(config.seasonality_mode),
            )
        })
        .collect();
    Ok(ProphetModel {
        settings: Settings {
            growth: config.growth,
            n_changepoints: specified
                .as_ref()
                .map_or(config.n_changepoints, |c| c.len() as u32),
            specified_changepoints: specified.is_some(),
            changepoint_range: config.changepoint_range,
            yearly_seasonality: config.yearly_seasonality,
            weekly_seasonality: config.weekly_seasonality,
            daily_seasonality: config.daily_seasonality,
            seasonality_mode: config.seasonality_mode,
            seasonality_prior_scale: config.seasonality_prior_scale,
            changepoint_prior_scale: config.changepoint_prior_scale,
            holidays_prior_scale: config.holidays_prior_scale,
            holidays_mode,
            mcmc_samples: 0,
            interval_width: config.interval_width,
            uncertainty_samples: config.uncertainty_samples,
            scaling: config.scaling,
        },
        y_scale: 1.0,
        y_min: 0.0,
        logistic_floor: false,
        start: 0.0,
        t_scale: 1.0,
        changepoints: Vec::new(),
        changepoints_t: Vec::new(),
        seasonalities,
        holidays: Holidays {
            frame,
            country: config.country_holidays.clone(),
            train_names: None,
        },
        extra_regressors,
        component_columns: ComponentColumns {
            components: Vec::new(),
        },
        component_modes: ComponentModes::default(),
        history: History::default(),
        history_dates: Vec::new(),
        params: Params::default(),
        fit_kwargs: serde_json::json!({}),
        prophet_version: PROPHET_FORMAT_VERSION.into(),
    })
}

/// Every column of the data must be one the model uses: a typo in a column
/// or a forgotten `regressors` entry would otherwise be silently ignored.
fn check_columns(frame: &Frame, model: &ProphetModel) -> Result<(), FrameError> {
    if frame.y.is_none() {
        return Err(FrameError::MissingColumn {
            column: "y".into(),
            role: crate::frame::ColumnUse::Y,
        });
    }
    let logistic = model.growth() == Growth::Logistic;
    for (name, present) in [
        ("cap", frame.cap.is_some()),
        ("floor", frame.floor.is_some()),
    ] {
        if present && !logistic {
            return Err(FrameError::UnusedColumn {
                column: name.into(),
                hint: "it is only used with growth \"logistic\"".into(),
            });
        }
    }
    for c in &frame.columns {
        let used = model.extra_regressors.iter().any(|r| r.name == c.name)
            || model
                .seasonalities
                .iter()
                .any(|s| s.condition_name.as_deref() == Some(c.name.as_str()));
        if !used {
            return Err(FrameError::UnusedColumn {
                column: c.name.clone(),
                hint:
                    "name it in `regressors` or as a seasonality's `condition_name`, or remove it"
                        .into(),
            });
        }
    }
    Ok(())
}

/// `df[df['y'].notnull()]`: the rows the fit uses.
fn training_rows(frame: &Frame) -> Result<Vec<usize>, FitError> {
    frame.check_lengths()?;
    let y = frame.y.as_deref().unwrap_or(&[]);
    let rows: Vec<usize> = (0..frame.len()).filter(|&i| !y[i].is_nan()).collect();
    if rows.len() < 2 {
        return Err(FitError::TooFewRows {
            observed: rows.len(),
            rows: frame.len(),
        });
    }
    crate::history::time_order(frame, &(0..frame.len()).collect::<Vec<_>>())?;
    Ok(rows)
}

/// `history_dates`: every row's timestamp (with or without `y`), sorted.
fn history_dates(frame: &Frame) -> Vec<Timestamp> {
    let mut ds = frame.ds.clone();
    crate::time::sort_distinct(&mut ds);
    ds
}

/// The Stan model's data, the initial values, and the optimizer (or, for a
/// constant series, Prophet's shortcut around it).
fn optimize(
    model: &ProphetModel,
    history: &History,
    features: &Features,
    config: &ProphetConfig,
) -> Result<(Params, FitReport), FitError> {
    let rows = history.len();
    let x = &features.matrix;
    let indicator = |name: &str| -> Vec<i32> {
        match model.component_columns.get(name) {
            Some(v) => v.iter().map(|&b| i32::from(b)).collect(),
            None => vec![0; x.cols],
        }
    };
    let positive = |v: f64| {
        PositiveFloat::try_from(v)
            .map_err(|_| OptimizeError::InvalidData(format!("prior scale {v} is not positive")))
    };
    let s = model.changepoints_t.len();
    let data = Data {
        T: rows as i32,
        y: history.y_scaled.clone(),
        t: history.t.clone(),
        cap: history
            .cap_scaled
            .clone()
            .unwrap_or_else(|| vec![0.0; rows]),
        S: s as i32,
        t_change: model.changepoints_t.clone(),
        trend_indicator: match model.growth() {
            Growth::Linear => TrendIndicator::Linear,
            Growth::Logistic => TrendIndicator::Logistic,
            Growth::Flat => TrendIndicator::Flat,
        },
        K: x.cols as i32,
        s_a: indicator("additive_terms"),
        s_m: indicator("multiplicative_terms"),
        X: x.data.clone(),
        sigmas: features
            .prior_scales
            .iter()
            .map(|&p| positive(p))
            .collect::<Result<_, _>>()?,
        tau: positive(config.changepoint_prior_scale)?,
    };
    let (k0, m0) = initial::growth_init(model.growth(), history);
    let init = InitialParams {
        k: k0,
        m: m0,
        delta: vec![0.0; s],
        beta: vec![0.0; x.cols],
        sigma_obs: PositiveFloat::try_from(1.0).expect("1 is positive"),
    };

    let y = &history.y;
    let constant = y.iter().all(|v| *v == y[0]) && model.growth() != Growth::Logistic;
    let (mut draw, lp, trend, report) = if constant {
        // Prophet skips Stan: initial values with a tiny noise.
        let lp = crate::optimizer::log_density(&data, k0, m0, &init.delta, 1e-9, &init.beta);
        let trend = if model.growth() == Growth::Flat {
            vec![m0; rows]
        } else {
            history.t.iter().map(|ti| k0 * ti + m0).collect()
        };
        let draw = Draw {
            k: k0,
            m: m0,
            delta: init.delta.clone(),
            sigma_obs: 1e-9,
            beta: init.beta.clone(),
        };
        let report = FitReport {
            algorithm: Algorithm::Constant,
            fell_back: false,
            iterations: 0,
            termination: Termination::Constant,
            lp,
        };
        (draw, lp, trend, report)
    } else {
        let (o, report) = RustOptimizer.run(&init, &data, &OptimizeOpts::default())?;
        let draw = Draw {
            k: o.k,
            m: o.m,
            delta: o.delta,
            sigma_obs: *o.sigma_obs,
            beta: o.beta,
        };
        (draw, report.lp, o.trend, report)
    };
    if model.changepoints.is_empty() {
        // Fold the dummy changepoint's delta into the base rate, as Prophet does.
        draw.k += draw.delta.iter().sum::<f64>();
        draw.delta.iter_mut().for_each(|d| *d = 0.0);
    }
    Ok((Params::map(draw, Some(lp), trend), report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_series_short_circuits() {
        let ds: Vec<i64> = (0..30).map(|d| d * 86_400).collect();
        let f = fit(&Frame::new(ds, vec![5.0; 30]), &ProphetConfig::default()).unwrap();
        assert_eq!(f.report.algorithm, Algorithm::Constant);
        let draw = &f.model.params.draws[0];
        assert_eq!(draw.sigma_obs, 1e-9);
        assert_eq!(draw.k, 0.0);
        assert_eq!(draw.m, 1.0);
    }

    #[test]
    fn rejects_degenerate_input() {
        let cfg = ProphetConfig::default();
        assert!(matches!(
            fit(&Frame::new(vec![0], vec![1.0]), &cfg),
            Err(FitError::TooFewRows { observed: 1, .. })
        ));
        assert!(matches!(
            fit(&Frame::new(vec![0, 0], vec![1.0, 2.0]), &cfg),
            Err(FitError::Frame(FrameError::DuplicateTimestamp { .. }))
        ));
        assert!(matches!(
            fit(
                &Frame::new(vec![0, 86_400, 172_800], vec![1.0, f64::NAN, 2.0])
                    .with_column("x", vec![1.0; 3]),
                &cfg
            ),
            Err(FitError::Frame(FrameError::UnusedColumn { .. }))
        ));
        assert!(matches!(
            fit(&Frame::new(vec![0, 86_400], vec![1.0, f64::NAN]), &cfg),
            Err(FitError::TooFewRows { observed: 1, .. })
        ));
    }
}
