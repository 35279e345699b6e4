//! `cross_validation`, `single_cutoff_forecast` and `prophet_copy`
//! (prophet/diagnostics.py): refit the model's own arguments on the history
//! up to each cutoff and forecast the history's rows in the horizon after it.

use crate::config::{Growth, ProphetConfig, Scaling, SeasonalitySetting, SeasonalitySpec};
use crate::fit::fit;
use crate::forecast::{predict, ForecastOptions};
use crate::frame::{Column, Frame};
use crate::history::ColumnValues;
use crate::model::ProphetModel;
use crate::time::{format_csv, Timestamp};

use super::cutoffs::{check_cutoffs, generate_cutoffs};
use super::{CrossValidation, CvError, CvRows, CvWarning, Timedelta};

/// `cross_validation`'s arguments, by Python's names.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidationArgs {
    /// `horizon`: how far ahead each simulated forecast goes.
    pub horizon: Timedelta,
    /// `period`: the spacing of cutoffs (default `0.5 × horizon`).
    pub period: Option<Timedelta>,
    /// `initial`: history before the first cutoff (default `3 × horizon`,
    /// or the longest seasonality's period if longer).
    pub initial: Option<Timedelta>,
    /// `cutoffs`: given instead of generated.
    pub cutoffs: Option<Vec<Timestamp>>,
}

impl CrossValidationArgs {
    /// Generated cutoffs with Python's defaults for `period` and `initial`.
    pub fn horizon(horizon: Timedelta) -> Self {
        Self {
            horizon,
            period: None,
            initial: None,
            cutoffs: None,
        }
    }
}

/// How the simulated forecasts are run.
#[derive(Debug, Clone, PartialEq)]
pub struct CvOptions {
    /// Each forecast's options; with a seed, cutoff `i` uses `seed + i`, so a
    /// run's intervals do not depend on how cutoffs are spread over threads.
    pub forecast: ForecastOptions,
    /// At most this many cutoffs (each is a fit): more is
    /// [`CvError::TooManyCutoffs`].
    pub max_cutoffs: usize,
}

/// Default [`CvOptions::max_cutoffs`].
pub const MAX_CUTOFFS: usize = 1_000;

impl Default for CvOptions {
    fn default() -> Self {
        Self {
            forecast: ForecastOptions::default(),
            max_cutoffs: MAX_CUTOFFS,
        }
    }
}

impl CvOptions {
    /// The forecast options for the `index`-th cutoff.
    pub fn for_cutoff(&self, index: usize) -> ForecastOptions {
        ForecastOptions {
            seed: self.forecast.seed.map(|s| s.wrapping_add(index as u64)),
            ..self.forecast.clone()
        }
    }
}

/// The cutoffs of a cross-validation and what Python would warn about.
#[derive(Debug, Clone, PartialEq)]
pub struct CvPlan {
    /// The horizon.
    pub horizon: Timedelta,
    /// `initial` as used (given, defaulted, or from the first given cutoff).
    pub initial: Timedelta,
    /// Cutoffs, in the order they are forecast.
    pub cutoffs: Vec<Timestamp>,
    /// Python's log warnings.
    pub warnings: Vec<CvWarning>,
}

/// The first part of `cross_validation`: the horizon, `period` and
/// `initial` with Python's defaults, the cutoffs (generated or checked),
/// and the warning when `initial` is shorter than the longest seasonality.
pub fn plan_cross_validation(
    model: &ProphetModel,
    args: &CrossValidationArgs,
    max_cutoffs: usize,
) -> Result<CvPlan, CvError> {
    let ds = &model.history.ds;
    if ds.len() < 2 {
        return Err(CvError::NotFitted);
    }
    if model.settings.mcmc_samples > 0 {
        return Err(CvError::Mcmc(model.settings.mcmc_samples));
    }
    let horizon = args.horizon;
    positive("horizon", horizon)?;
    let period_max = model
        .seasonalities
        .iter()
        .map(|s| s.period)
        .fold(0.0, f64::max);
    let seasonality_dt = Timedelta::from_days_f64(period_max);
    let (initial, cutoffs) = match &args.cutoffs {
        None => {
            let period = args.period.unwrap_or_else(|| horizon.half());
            positive("period", period)?;
            for (what, value) in [("horizon", horizon), ("period", period)] {
                if value.whole_seconds().is_none() {
                    return Err(CvError::NotWholeSeconds { what });
                }
            }
            let initial = match args.initial {
                Some(initial) => initial,
                None => horizon
                    .times(3)
                    .ok_or(CvError::TooLong {
                        what: "3 × horizon",
                    })?
                    .max(seasonality_dt),
            };
            let cutoffs = generate_cutoffs(ds, horizon, initial, period, max_cutoffs)?;
            (initial, cutoffs)
        }
        Some(given) => (
            check_cutoffs(ds, given, horizon, max_cutoffs)?,
            given.clone(),
        ),
    };
    let mut warnings = Vec::new();
    if initial < seasonality_dt {
        warnings.push(CvWarning::InitialShorterThanSeasonality {
            period_days: period_max,
            initial,
        });
    }
    Ok(CvPlan {
        horizon,
        initial,
        cutoffs,
        warnings,
    })
}

fn positive(what: &'static str, value: Timedelta) -> Result<(), CvError> {
    if value.as_nanos() > 0 {
        Ok(())
    } else {
        Err(CvError::NotPositive { what, value })
    }
}

/// Python's `cross_validation(model, horizon, period, initial, cutoffs)`:
/// one refit per cutoff with the model's own arguments ([`prophet_copy`])
/// and a forecast of the history's rows in `(cutoff, cutoff + horizon]`.
/// `progress(done, total)` is called after each cutoff.
pub fn cross_validation(
    model: &ProphetModel,
    args: &CrossValidationArgs,
    opts: &CvOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<CrossValidation, CvError> {
    let plan = plan_cross_validation(model, args, opts.max_cutoffs)?;
    let history = history_frame(model);
    let total = plan.cutoffs.len();
    let mut rows = CvRows::default();
    for (i, &cutoff) in plan.cutoffs.iter().enumerate() {
        let one =
            single_cutoff_forecast(model, &history, cutoff, plan.horizon, &opts.for_cutoff(i))?;
        rows.extend(one);
        progress(i + 1, total);
    }
    Ok(CrossValidation { plan, rows })
}

/// Python's `df = model.history`: the model's training rows with the
/// columns a refit needs — `y`, `cap` and `floor` for logistic growth (the
/// history's floor, as Python's refit sees it), the regressors as the
/// history holds them (standardized; a refit standardizes them again, to
/// the same values) and the conditions.
pub fn history_frame(model: &ProphetModel) -> Frame {
    let h = &model.history;
    let logistic = model.growth() == Growth::Logistic;
    let columns = h
        .columns
        .iter()
        .map(|(name, values)| Column {
            name: name.clone(),
            values: match values {
                ColumnValues::Numbers(v) => v.clone(),
                ColumnValues::Booleans(v) => v.iter().map(|&b| f64::from(u8::from(b))).collect(),
            },
            text: None,
        })
        .collect();
    Frame {
        ds: h.ds.clone(),
        y: Some(h.y.clone()),
        cap: if logistic { h.cap.clone() } else { None },
        floor: logistic.then(|| h.floor.clone()),
        columns,
        lines: Vec::new(),
    }
}

/// Python's `single_cutoff_forecast`: fits [`prophet_copy`]`(model, cutoff)`
/// on the rows of `history` (from [`history_frame`]) up to `cutoff`, and
/// forecasts the rows in `(cutoff, cutoff + horizon]` with their columns.
pub fn single_cutoff_forecast(
    model: &ProphetModel,
    history: &Frame,
    cutoff: Timestamp,
    horizon: Timedelta,
    forecast: &ForecastOptions,
) -> Result<CvRows, CvError> {
    let horizon_s = horizon
        .whole_seconds()
        .ok_or(CvError::NotWholeSeconds { what: "horizon" })?;
    let before: Vec<usize> = (0..history.len())
        .filter(|&i| history.ds[i] <= cutoff)
        .collect();
    if before.len() < 2 {
        return Err(CvError::TooFewRowsBeforeCutoff {
            cutoff,
            rows: before.len(),
        });
    }
    let after: Vec<usize> = (0..history.len())
        .filter(|&i| history.ds[i] > cutoff && history.ds[i] <= cutoff.saturating_add(horizon_s))
        .collect();
    if after.is_empty() {
        return Err(CvError::NoRowsAfterCutoff { cutoff, horizon });
    }
    let config = prophet_copy(model, Some(cutoff));
    let fitted =
        fit(&history.select(&before), &config).map_err(|source| CvError::Fit { cutoff, source })?;
    let mut future = history.select(&after);
    let actual = future.y.take().unwrap_or_default();
    let fc = predict(&fitted.model, &future, forecast)
        .map_err(|source| CvError::Forecast { cutoff, source })?;
    let column = |name: &str| fc.column(name).map(<[f64]>::to_vec);
    let with_interval = model.settings.uncertainty_samples > 0;
    // predict sorts by time; the history's rows already are.
    Ok(CvRows {
        ds: fc.ds.clone(),
        yhat: column("yhat").expect("predict always has yhat"),
        yhat_lower: column("yhat_lower").filter(|_| with_interval),
        yhat_upper: column("yhat_upper").filter(|_| with_interval),
        y: actual,
        cutoff: vec![cutoff; fc.len()],
    })
}

/// Python's `prophet_copy(m, cutoff)`: the model's constructor arguments
/// with its seasonalities as they ended up (so yearly/weekly/daily stay as
/// the full history decided, and the built-in switches are off), its
/// regressors, holidays and country, and its explicit changepoints before
/// the last history date up to `cutoff`.
///
/// As in Python, `scaling` is not carried over (Python's copy leaves it at
/// its default, `absmax`), and MCMC models stay MCMC (which gridcast's fit
/// refuses, so they cannot be cross-validated here).
pub fn prophet_copy(model: &ProphetModel, cutoff: Option<Timestamp>) -> ProphetConfig {
    let mut config = ProphetConfig::arguments_of(model);
    config.yearly_seasonality = SeasonalitySetting::Enabled(false);
    config.weekly_seasonality = SeasonalitySetting::Enabled(false);
    config.daily_seasonality = SeasonalitySetting::Enabled(false);
    config.seasonalities = model
        .seasonalities
        .iter()
        .map(|s| SeasonalitySpec {
            name: s.name.clone(),
            period: s.period,
            fourier_order: s.fourier_order,
            prior_scale: Some(s.prior_scale),
            mode: Some(s.mode),
            condition_name: s.condition_name.clone(),
        })
        .collect();
    config.scaling = Scaling::Absmax;
    config.mcmc_samples = model.settings.mcmc_samples;
    // The history's own cap and floor columns go with the rows.
    config.cap = None;
    config.floor = None;
    if model.settings.specified_changepoints {
        let last = cutoff.and_then(|c| model.history.ds.iter().copied().filter(|&d| d <= c).max());
        config.changepoints = Some(
            model
                .changepoints
                .iter()
                .filter(|&&c| last.is_none_or(|last| c < last))
                .map(|&c| format_csv(c))
                .collect(),
        );
    }
    config
}
