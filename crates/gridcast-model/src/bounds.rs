//! Bounds on every number a model.json holds, checked when a model is read.
//!
//! A model file may come from anyone. Whatever it says, forecasting with a
//! model that passed [`ModelBounds::check`] allocates a bounded amount of
//! memory, takes a bounded time per forecast row, and does not panic. Each
//! limit is far above what Python Prophet writes for real data (its defaults
//! are in brackets below), and a violation is a
//! [`ModelJsonError::OutOfBounds`] naming the field.

use crate::features::Seasonality;
use crate::model::ProphetModel;
use crate::model_json::ModelJsonError;
use crate::time::Timestamp;

/// The limits a model must be within to be forecast with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelBounds {
    /// Most `uncertainty_samples` [1,000].
    pub max_uncertainty_samples: u32,
    /// Most history rows (`history`, `history_dates`) [the training rows]:
    /// 250,000 is seven years of quarter-hourly readings.
    pub max_history_rows: usize,
    /// Most changepoints (`n_changepoints`, `changepoints_t`, `params.delta`) [25].
    pub max_changepoints: usize,
    /// Most seasonalities [3: yearly, weekly, daily].
    pub max_seasonalities: usize,
    /// Largest `fourier_order` of one seasonality [10 yearly, 3 weekly, 4 daily].
    pub max_fourier_order: u32,
    /// Most feature columns (`params.beta`, `train_component_cols` rows) [≤ 34].
    pub max_feature_columns: usize,
    /// Most components (`train_component_cols` columns) [≤ 8, plus one per
    /// holiday and regressor].
    pub max_components: usize,
    /// Most parameter draws (`params`: 1 for MAP, the samples of an MCMC fit)
    /// [MAP: 1; `mcmc_samples=300` with 4 chains: 600].
    pub max_draws: usize,
    /// Most rows of the `holidays` frame [a few per year].
    pub max_holiday_rows: usize,
    /// Widest holiday window, days on either side of its date [0–7].
    pub max_holiday_window: i64,
}

/// A feature column belongs to its own component, to `additive_terms` or
/// `multiplicative_terms`, and perhaps to `holidays` or an
/// `extra_regressors_*` group: never to more than this many.
pub const MAX_COMPONENTS_PER_COLUMN: usize = 4;

/// Most `rows × draws × feature columns` products one forecast computes for
/// its components (an MCMC model evaluates every component on every draw).
pub const MAX_COMPONENT_WORK: usize = 1 << 30;

impl Default for ModelBounds {
    fn default() -> Self {
        Self {
            max_uncertainty_samples: 10_000,
            max_history_rows: 250_000,
            max_changepoints: 1_000,
            max_seasonalities: 64,
            max_fourier_order: 500,
            max_feature_columns: 1_000,
            max_components: 512,
            max_draws: 20_000,
            max_holiday_rows: 100_000,
            max_holiday_window: 366,
        }
    }
}

/// pandas' `Timestamp` range (1677-09-21 to 2262-04-11), in Unix seconds:
/// Python Prophet cannot hold dates outside it, and no date arithmetic on a
/// date inside it overflows.
pub const PANDAS_TIMESTAMPS: std::ops::RangeInclusive<Timestamp> = -9_223_372_036..=9_223_372_036;

/// Most draws of one forecast's uncertainty simulation (`uncertainty_samples ×
/// rows`): ten years of daily rows at Python's 1,000 samples, about 100 MB of
/// draws at once.
pub const MAX_UNCERTAINTY_DRAWS: usize = 4_000_000;

/// Most steps of the history grid a logistic model's uncertainty simulation
/// walks (Prophet's `_make_historical_mat_time`: the history's span at its
/// frequency).
pub const MAX_TREND_GRID: usize = 1_000_000;

fn out_of_bounds(field: &str, value: impl ToString, allowed: impl Into<String>) -> ModelJsonError {
    ModelJsonError::OutOfBounds {
        field: field.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

fn at_most(field: &str, value: usize, max: usize) -> Result<(), ModelJsonError> {
    if value <= max {
        Ok(())
    } else {
        Err(out_of_bounds(field, value, format!("at most {max}")))
    }
}

fn finite(field: &str, value: f64) -> Result<(), ModelJsonError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(out_of_bounds(field, value, "a finite number"))
    }
}

fn all_finite(field: &str, values: &[f64]) -> Result<(), ModelJsonError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(out_of_bounds(
            &format!("{field}[{i}]"),
            values[i],
            "a finite number",
        )),
    }
}

fn dates_in_range(field: &str, dates: &[Timestamp]) -> Result<(), ModelJsonError> {
    match dates.iter().position(|d| !PANDAS_TIMESTAMPS.contains(d)) {
        None => Ok(()),
        Some(i) => Err(out_of_bounds(
            &format!("{field}[{i}]"),
            format!("{} seconds since 1970", dates[i]),
            "a date from 1677-09-21 to 2262-04-11 (pandas' range)",
        )),
    }
}

impl ModelBounds {
    /// Checks every number `model` holds against these bounds.
    pub fn check(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        self.check_settings(model)?;
        self.check_history(model)?;
        self.check_trend(model)?;
        self.check_seasonalities(&model.seasonalities)?;
        self.check_holidays(model)?;
        self.check_regressors(model)?;
        self.check_features(model)
    }

    fn check_settings(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        let s = &model.settings;
        if s.uncertainty_samples > self.max_uncertainty_samples {
            return Err(out_of_bounds(
                "uncertainty_samples",
                s.uncertainty_samples,
                format!("at most {}", self.max_uncertainty_samples),
            ));
        }
        if !(s.interval_width > 0.0 && s.interval_width < 1.0) {
            return Err(out_of_bounds(
                "interval_width",
                s.interval_width,
                "between 0 and 1 (exclusive)",
            ));
        }
        if !(0.0..=1.0).contains(&s.changepoint_range) {
            return Err(out_of_bounds(
                "changepoint_range",
                s.changepoint_range,
                "between 0 and 1",
            ));
        }
        for (field, v) in [
            ("seasonality_prior_scale", s.seasonality_prior_scale),
            ("changepoint_prior_scale", s.changepoint_prior_scale),
            ("holidays_prior_scale", s.holidays_prior_scale),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(out_of_bounds(field, v, "a positive number"));
            }
        }
        finite("y_scale", model.y_scale)?;
        finite("y_min", model.y_min)?;
        finite("t_scale", model.t_scale)?;
        if !(model.start.is_finite() && PANDAS_TIMESTAMPS.contains(&(model.start as Timestamp))) {
            return Err(out_of_bounds(
                "start",
                model.start,
                "a date from 1677-09-21 to 2262-04-11 (pandas' range)",
            ));
        }
        Ok(())
    }

    fn check_history(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        let h = &model.history;
        at_most("history", h.ds.len(), self.max_history_rows)?;
        at_most(
            "history_dates",
            model.history_dates.len(),
            self.max_history_rows,
        )?;
        dates_in_range("history_dates", &model.history_dates)?;
        dates_in_range("history.ds", &h.ds)?;
        // What forecasting reads from the history (y may hold missing values).
        all_finite("history.t", &h.t)?;
        all_finite("history.floor", &h.floor)?;
        if let Some(cap) = &h.cap {
            all_finite("history.cap", cap)?;
        }
        Ok(())
    }

    fn check_trend(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        let p = &model.params;
        at_most(
            "n_changepoints",
            model.settings.n_changepoints as usize,
            self.max_changepoints,
        )?;
        at_most(
            "changepoints_t",
            model.changepoints_t.len(),
            self.max_changepoints,
        )?;
        at_most(
            "changepoints",
            model.changepoints.len(),
            self.max_changepoints,
        )?;
        dates_in_range("changepoints", &model.changepoints)?;
        all_finite("changepoints_t", &model.changepoints_t)?;
        at_most("params", p.draws.len(), self.max_draws)?;
        for (i, d) in p.draws.iter().enumerate() {
            // Draw 0 keeps the field names a MAP model has.
            let at = |name: &str| {
                if i == 0 {
                    format!("params.{name}")
                } else {
                    format!("params.{name}(draw {i})")
                }
            };
            finite(&at("k"), d.k)?;
            finite(&at("m"), d.m)?;
            if !(d.sigma_obs.is_finite() && d.sigma_obs >= 0.0) {
                return Err(out_of_bounds(&at("sigma_obs"), d.sigma_obs, "a number ≥ 0"));
            }
            all_finite(&at("delta"), &d.delta)?;
            all_finite(&at("beta"), &d.beta)?;
        }
        Ok(())
    }

    fn check_holidays(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        let h = &model.holidays;
        if let Some(rows) = &h.frame {
            at_most("holidays", rows.len(), self.max_holiday_rows)?;
            dates_in_range(
                "holidays.ds",
                &rows.iter().map(|r| r.ds).collect::<Vec<_>>(),
            )?;
            let w = self.max_holiday_window;
            for (i, r) in rows.iter().enumerate() {
                let (lo, hi) = (r.lower_window.unwrap_or(0), r.upper_window.unwrap_or(0));
                if !(-w..=0).contains(&lo) || !(0..=w).contains(&hi) {
                    return Err(out_of_bounds(
                        &format!("holidays[{i}].lower_window/upper_window"),
                        format!("{lo}..{hi}"),
                        format!("a window from -{w} to 0 and from 0 to {w} days"),
                    ));
                }
                if let Some(p) = r.prior_scale.filter(|p| !p.is_nan()) {
                    if !(p.is_finite() && p > 0.0) {
                        return Err(out_of_bounds(
                            &format!("holidays[{i}].prior_scale"),
                            p,
                            "a positive number",
                        ));
                    }
                }
            }
        }
        if let Some(names) = &h.train_names {
            at_most("train_holiday_names", names.len(), self.max_feature_columns)?;
        }
        Ok(())
    }

    fn check_regressors(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        for r in &model.extra_regressors {
            let field = format!("extra_regressors.{}", r.name);
            if !(r.prior_scale.is_finite() && r.prior_scale > 0.0) {
                return Err(out_of_bounds(
                    &format!("{field}.prior_scale"),
                    r.prior_scale,
                    "a positive number",
                ));
            }
            finite(&format!("{field}.mu"), r.mu)?;
            if !(r.std.is_finite() && r.std != 0.0) {
                return Err(out_of_bounds(
                    &format!("{field}.std"),
                    r.std,
                    "a finite non-zero number",
                ));
            }
        }
        Ok(())
    }

    fn check_seasonalities(&self, seasonalities: &[Seasonality]) -> Result<(), ModelJsonError> {
        at_most("seasonalities", seasonalities.len(), self.max_seasonalities)?;
        for s in seasonalities {
            let field = format!("seasonalities.{}", s.name);
            if !(s.period.is_finite() && s.period > 0.0) {
                return Err(out_of_bounds(
                    &format!("{field}.period"),
                    s.period,
                    "a positive number of days",
                ));
            }
            if s.fourier_order > self.max_fourier_order {
                return Err(out_of_bounds(
                    &format!("{field}.fourier_order"),
                    s.fourier_order,
                    format!("at most {}", self.max_fourier_order),
                ));
            }
            if !(s.prior_scale.is_finite() && s.prior_scale > 0.0) {
                return Err(out_of_bounds(
                    &format!("{field}.prior_scale"),
                    s.prior_scale,
                    "a positive number",
                ));
            }
        }
        Ok(())
    }

    fn check_features(&self, model: &ProphetModel) -> Result<(), ModelJsonError> {
        let columns = model.params.draws.first().map_or(0, |d| d.beta.len());
        at_most("params.beta", columns, self.max_feature_columns)?;
        let components = &model.component_columns.components;
        at_most(
            "train_component_cols",
            components.len(),
            self.max_components,
        )?;
        for j in 0..columns {
            let memberships = components
                .iter()
                .filter(|(_, ind)| ind.get(j).is_some_and(|v| *v != 0))
                .count();
            if memberships > MAX_COMPONENTS_PER_COLUMN {
                return Err(out_of_bounds(
                    &format!("train_component_cols[{j}]"),
                    format!("in {memberships} components"),
                    format!("in at most {MAX_COMPONENTS_PER_COLUMN}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};
    use crate::features::{ComponentColumns, ComponentModes};
    use crate::history::History;
    use crate::holidays::Holidays;
    use crate::model::{Draw, Params, Settings};

    fn model() -> ProphetModel {
        let ds: Vec<Timestamp> = (0..10).map(|d| 1_640_995_200 + d * 86_400).collect();
        ProphetModel {
            settings: Settings {
                growth: Growth::Linear,
                n_changepoints: 1,
                specified_changepoints: false,
                changepoint_range: 0.8,
                yearly_seasonality: SeasonalitySetting::Auto,
                weekly_seasonality: SeasonalitySetting::Auto,
                daily_seasonality: SeasonalitySetting::Auto,
                seasonality_mode: Mode::Additive,
                seasonality_prior_scale: 10.0,
                changepoint_prior_scale: 0.05,
                holidays_prior_scale: 10.0,
                holidays_mode: Mode::Additive,
                mcmc_samples: 0,
                interval_width: 0.8,
                uncertainty_samples: 1000,
                scaling: Scaling::Absmax,
            },
            y_scale: 100.0,
            y_min: 0.0,
            logistic_floor: false,
            start: ds[0] as f64,
            t_scale: 9.0 * 86_400.0,
            changepoints: vec![ds[5]],
            changepoints_t: vec![5.0 / 9.0],
            seasonalities: vec![Seasonality {
                name: "weekly".into(),
                period: 7.0,
                fourier_order: 3,
                prior_scale: 10.0,
                mode: Mode::Additive,
                condition_name: None,
            }],
            holidays: Holidays::default(),
            extra_regressors: Vec::new(),
            component_columns: ComponentColumns {
                components: vec![("weekly".into(), vec![1; 6])],
            },
            component_modes: ComponentModes {
                additive: vec!["weekly".into()],
                multiplicative: vec![],
            },
            history: History {
                ds: ds.clone(),
                y: vec![1.0; 10],
                cap: None,
                floor: vec![0.0; 10],
                cap_scaled: None,
                t: (0..10).map(|i| i as f64 / 9.0).collect(),
                y_scaled: vec![0.01; 10],
                columns: Vec::new(),
            },
            history_dates: ds,
            params: Params::map(
                Draw {
                    k: 0.1,
                    m: 0.5,
                    delta: vec![0.0],
                    sigma_obs: 0.05,
                    beta: vec![0.0; 6],
                },
                None,
                vec![],
            ),
            fit_kwargs: serde_json::Value::Null,
            prophet_version: String::new(),
        }
    }

    fn field_of(m: &ProphetModel) -> String {
        match ModelBounds::default().check(m) {
            Err(ModelJsonError::OutOfBounds { field, .. }) => field,
            other => panic!("expected OutOfBounds, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_model_is_within_bounds() {
        assert_eq!(ModelBounds::default().check(&model()), Ok(()));
    }

    #[test]
    fn limits_hold_on_both_sides() {
        let b = ModelBounds::default();
        let mut m = model();
        m.settings.uncertainty_samples = b.max_uncertainty_samples;
        assert_eq!(b.check(&m), Ok(()));
        m.settings.uncertainty_samples += 1;
        assert_eq!(field_of(&m), "uncertainty_samples");

        let mut m = model();
        m.seasonalities[0].fourier_order = b.max_fourier_order;
        assert_eq!(b.check(&m), Ok(()));
        m.seasonalities[0].fourier_order += 1;
        assert_eq!(field_of(&m), "seasonalities.weekly.fourier_order");

        let mut m = model();
        m.params.draws[0].beta = vec![0.0; b.max_feature_columns];
        assert_eq!(b.check(&m), Ok(()));
        m.params.draws[0].beta.push(0.0);
        assert_eq!(field_of(&m), "params.beta");

        let mut m = model();
        m.changepoints_t = vec![0.5; b.max_changepoints];
        m.params.draws[0].delta = vec![0.0; b.max_changepoints];
        assert_eq!(b.check(&m), Ok(()));
        m.changepoints_t.push(0.5);
        assert_eq!(field_of(&m), "changepoints_t");

        let mut m = model();
        m.history_dates = vec![1_640_995_200; b.max_history_rows + 1];
        assert_eq!(field_of(&m), "history_dates");
    }

    #[test]
    fn interval_width_and_numbers_that_would_panic_or_lie() {
        for w in [0.0, 1.0, 3.0, -5.0, f64::NAN] {
            let mut m = model();
            m.settings.interval_width = w;
            assert_eq!(field_of(&m), "interval_width", "{w}");
        }
        let mut m = model();
        m.settings.interval_width = 0.999;
        assert_eq!(ModelBounds::default().check(&m), Ok(()));

        let mut m = model();
        m.params.draws[0].beta[2] = f64::INFINITY;
        assert_eq!(field_of(&m), "params.beta[2]");
        let mut m = model();
        m.params.draws[0].sigma_obs = -1.0;
        assert_eq!(field_of(&m), "params.sigma_obs");
        let mut m = model();
        m.seasonalities[0].period = f64::INFINITY;
        assert_eq!(field_of(&m), "seasonalities.weekly.period");
        let mut m = model();
        m.history_dates[3] = i64::MAX / 2;
        assert_eq!(field_of(&m), "history_dates[3]");
        let mut m = model();
        m.start = 1e300;
        assert_eq!(field_of(&m), "start");
    }
}
