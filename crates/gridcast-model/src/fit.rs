//! Fitting: Python Prophet's preprocessing (scaling, changepoints, automatic
//! seasonalities, feature matrix, priors) followed by the optimizer.

use augurs_prophet::optimizer::{Data, InitialParams, OptimizeOpts};
use augurs_prophet::{PositiveFloat, TrendIndicator};

use crate::config::{ConfigError, Growth, ProphetConfig, Scaling, SeasonalitySetting};
use crate::features::{component_columns, seasonal_features, Seasonality};
use crate::model::{History, Params, ProphetModel, Settings};
use crate::model_json::PROPHET_FORMAT_VERSION;
use crate::optimizer::{Algorithm, FitReport, OptimizeError, RustOptimizer, Termination};
use crate::series::Series;
use crate::time::Timestamp;

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
    /// Fewer than two rows.
    #[error("need at least 2 rows to fit, got {0}")]
    TooFewRows(usize),
    /// All rows share one timestamp.
    #[error("all {0} rows have the same timestamp")]
    NoTimeSpan(usize),
    /// A value is NaN or infinite.
    #[error("row {row}: value {value} is not finite")]
    NonFinite {
        /// 0-based row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// Series and cap lengths differ.
    #[error("cap has {cap} values for {rows} rows")]
    CapLength {
        /// Capacity count.
        cap: usize,
        /// Row count.
        rows: usize,
    },
    /// Explicit changepoints outside the history.
    #[error("changepoints must fall within the training data")]
    ChangepointsOutsideHistory,
    /// A capacity at or below the floor.
    #[error("cap must be greater than floor (which defaults to 0)")]
    CapBelowFloor,
    /// The optimizer failed.
    #[error("optimizer failed: {0}")]
    Optimizer(#[from] OptimizeError),
}

/// Fits a Prophet model to `series` with `config`, as Python's
/// `Prophet(**config).fit(df)` does.
pub fn fit(series: &Series, config: &ProphetConfig) -> Result<Fitted, FitError> {
    config.validate()?;
    let rows = series.len();
    if rows < 2 {
        return Err(FitError::TooFewRows(rows));
    }
    if let Some(cap) = &series.cap {
        if cap.len() != rows {
            return Err(FitError::CapLength {
                cap: cap.len(),
                rows,
            });
        }
    }
    if let Some((row, &value)) = series.y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(FitError::NonFinite { row, value });
    }

    // setup_dataframe: stable sort by ds.
    let mut order: Vec<usize> = (0..rows).collect();
    order.sort_by_key(|&i| series.ds[i]);
    let ds: Vec<Timestamp> = order.iter().map(|&i| series.ds[i]).collect();
    let y: Vec<f64> = order.iter().map(|&i| series.y[i]).collect();
    let cap: Option<Vec<f64>> = match (config.growth, config.cap, &series.cap) {
        (Growth::Logistic, _, Some(c)) => Some(order.iter().map(|&i| c[i]).collect()),
        (Growth::Logistic, Some(c), None) => Some(vec![c; rows]),
        _ => None,
    };

    // initialize_scales
    let (y_min, mut y_scale) = match config.scaling {
        Scaling::Absmax => (0.0, y.iter().fold(0.0f64, |a, v| a.max(v.abs()))),
        Scaling::Minmax => {
            let lo = y.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi - lo)
        }
    };
    if y_scale == 0.0 {
        y_scale = 1.0;
    }
    let start = ds[0];
    let t_scale = (ds[rows - 1] - start) as f64;
    if t_scale <= 0.0 {
        return Err(FitError::NoTimeSpan(rows));
    }
    let floor_value = match config.scaling {
        Scaling::Absmax => 0.0,
        Scaling::Minmax => y_min,
    };
    let floor = vec![floor_value; rows];
    let cap_scaled = match &cap {
        Some(c) => {
            if c.iter().any(|&v| v <= floor_value) {
                return Err(FitError::CapBelowFloor);
            }
            Some(
                c.iter()
                    .map(|v| (v - floor_value) / y_scale)
                    .collect::<Vec<f64>>(),
            )
        }
        None => None,
    };
    let t: Vec<f64> = ds.iter().map(|&d| (d - start) as f64 / t_scale).collect();
    let y_scaled: Vec<f64> = y.iter().map(|v| (v - floor_value) / y_scale).collect();

    // set_changepoints
    let mut n_changepoints = config.n_changepoints;
    let specified = config.changepoint_dates()?;
    let changepoints: Vec<Timestamp> = match &specified {
        Some(list) => {
            if let (Some(lo), Some(hi)) = (list.iter().min(), list.iter().max()) {
                if *lo < ds[0] || *hi > ds[rows - 1] {
                    return Err(FitError::ChangepointsOutsideHistory);
                }
            }
            list.clone()
        }
        None => {
            let hist_size = (rows as f64 * config.changepoint_range).floor() as i64;
            if n_changepoints as i64 + 1 > hist_size {
                n_changepoints = (hist_size - 1).max(0) as u32;
            }
            if n_changepoints > 0 {
                let last = (hist_size - 1) as f64;
                let steps = n_changepoints as f64;
                (1..=n_changepoints as usize)
                    .map(|i| {
                        // np.linspace(0, hist_size - 1, n + 1).round(): round half to even
                        let v = last * i as f64 / steps;
                        ds[round_half_even(v) as usize]
                    })
                    .collect()
            } else {
                Vec::new()
            }
        }
    };
    let mut changepoints_t: Vec<f64> = changepoints
        .iter()
        .map(|&c| (c - start) as f64 / t_scale)
        .collect();
    changepoints_t.sort_by(f64::total_cmp);
    if changepoints_t.is_empty() {
        changepoints_t.push(0.0);
    }

    // Custom seasonalities first (insertion order), then the automatic ones.
    let mut seasonalities: Vec<Seasonality> = config
        .seasonalities
        .iter()
        .map(|s| Seasonality {
            name: s.name.clone(),
            period: s.period,
            fourier_order: s.fourier_order,
            prior_scale: s.prior_scale.unwrap_or(config.seasonality_prior_scale),
            mode: s.mode.unwrap_or(config.seasonality_mode),
            condition_name: None,
        })
        .collect();
    add_auto_seasonalities(&mut seasonalities, &ds, config);

    let (x, prior_scales) = seasonal_features(&seasonalities, &ds);
    let holidays_mode = config.seasonality_mode;
    let (component_columns, component_modes) = component_columns(&seasonalities, holidays_mode);
    let s_a: Vec<i32> = component_columns
        .indicator("additive_terms", x.cols)
        .iter()
        .map(|&v| v as i32)
        .collect();
    let s_m: Vec<i32> = component_columns
        .indicator("multiplicative_terms", x.cols)
        .iter()
        .map(|&v| v as i32)
        .collect();

    // Initial parameters.
    let (k0, m0) = match config.growth {
        Growth::Linear => {
            let k = (y_scaled[rows - 1] - y_scaled[0]) / (t[rows - 1] - t[0]);
            (k, y_scaled[0] - k * t[0])
        }
        Growth::Flat => (0.0, y_scaled.iter().sum::<f64>() / rows as f64),
        Growth::Logistic => logistic_init(&t, &y_scaled, cap_scaled.as_deref().unwrap_or(&[])),
    };
    let s = changepoints_t.len();
    let init = InitialParams {
        k: k0,
        m: m0,
        delta: vec![0.0; s],
        beta: vec![0.0; x.cols],
        sigma_obs: PositiveFloat::try_from(1.0).expect("1 is positive"),
    };
    let positive = |v: f64| {
        PositiveFloat::try_from(v)
            .map_err(|_| OptimizeError::InvalidData(format!("prior scale {v} is not positive")))
    };
    let data = Data {
        T: rows as i32,
        y: y_scaled.clone(),
        t: t.clone(),
        cap: cap_scaled.clone().unwrap_or_else(|| vec![0.0; rows]),
        S: s as i32,
        t_change: changepoints_t.clone(),
        trend_indicator: match config.growth {
            Growth::Linear => TrendIndicator::Linear,
            Growth::Logistic => TrendIndicator::Logistic,
            Growth::Flat => TrendIndicator::Flat,
        },
        K: x.cols as i32,
        s_a,
        s_m,
        X: x.data,
        sigmas: prior_scales
            .iter()
            .map(|&p| positive(p))
            .collect::<Result<_, _>>()?,
        tau: positive(config.changepoint_prior_scale)?,
    };

    let constant = y.iter().all(|v| *v == y[0]) && config.growth != Growth::Logistic;
    let (mut params, report) = if constant {
        // Prophet skips Stan: initial values with a tiny noise.
        let lp = crate::optimizer::log_density(&data, k0, m0, &init.delta, 1e-9, &init.beta);
        let trend = if config.growth == Growth::Flat {
            vec![m0; rows]
        } else {
            t.iter().map(|ti| k0 * ti + m0).collect()
        };
        let p = Params {
            k: k0,
            m: m0,
            delta: init.delta.clone(),
            sigma_obs: 1e-9,
            beta: init.beta.clone(),
            lp: Some(lp),
            trend,
        };
        (
            p,
            FitReport {
                algorithm: Algorithm::Constant,
                fell_back: false,
                iterations: 0,
                termination: Termination::Constant,
                lp,
            },
        )
    } else {
        let (o, report) = RustOptimizer.run(&init, &data, &OptimizeOpts::default())?;
        let p = Params {
            k: o.k,
            m: o.m,
            delta: o.delta,
            sigma_obs: *o.sigma_obs,
            beta: o.beta,
            lp: Some(report.lp),
            trend: o.trend,
        };
        (p, report)
    };
    if changepoints.is_empty() {
        // Fold the dummy changepoint's delta into the base rate, as Prophet does.
        params.k += params.delta.iter().sum::<f64>();
        params.delta.iter_mut().for_each(|d| *d = 0.0);
    }

    let model = ProphetModel {
        settings: Settings {
            growth: config.growth,
            n_changepoints,
            specified_changepoints: specified.is_some(),
            changepoint_range: config.changepoint_range,
            yearly_seasonality: config.yearly_seasonality,
            weekly_seasonality: config.weekly_seasonality,
            daily_seasonality: config.daily_seasonality,
            seasonality_mode: config.seasonality_mode,
            seasonality_prior_scale: config.seasonality_prior_scale,
            changepoint_prior_scale: config.changepoint_prior_scale,
            holidays_prior_scale: 10.0,
            holidays_mode,
            interval_width: config.interval_width,
            uncertainty_samples: config.uncertainty_samples,
            scaling: config.scaling,
        },
        y_scale,
        y_min,
        logistic_floor: false,
        start: start as f64,
        t_scale,
        changepoints,
        changepoints_t,
        seasonalities,
        component_columns,
        component_modes,
        history: History {
            ds: ds.clone(),
            y,
            cap,
            floor,
            cap_scaled,
            t,
            y_scaled,
        },
        history_dates: ds,
        params,
        fit_kwargs: serde_json::json!({}),
        prophet_version: PROPHET_FORMAT_VERSION.into(),
    };
    Ok(Fitted { model, report })
}

fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - v.signum()
    } else {
        r
    }
}

/// Python's `logistic_growth_init`.
fn logistic_init(t: &[f64], y: &[f64], cap: &[f64]) -> (f64, f64) {
    let (i0, i1) = (0, t.len() - 1);
    let tt = t[i1] - t[i0];
    let (c0, c1) = (cap[i0], cap[i1]);
    let y0 = (0.01 * c0).max((0.99 * c0).min(y[i0]));
    let y1 = (0.01 * c1).max((0.99 * c1).min(y[i1]));
    let mut r0 = c0 / y0;
    let r1 = c1 / y1;
    if (r0 - r1).abs() <= 0.01 {
        r0 *= 1.05;
    }
    let l0 = (r0 - 1.0).ln();
    let l1 = (r1 - 1.0).ln();
    let m = l0 * tt / (l0 - l1);
    let k = (l0 - l1) / tt;
    (k, m)
}

/// Python's `set_auto_seasonalities` (yearly, weekly, daily, in that order),
/// skipping names a custom seasonality already took.
fn add_auto_seasonalities(
    seasonalities: &mut Vec<Seasonality>,
    ds: &[Timestamp],
    config: &ProphetConfig,
) {
    const DAY: i64 = 86_400;
    let span = ds[ds.len() - 1] - ds[0];
    let min_dt = ds
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d != 0)
        .min()
        .unwrap_or(i64::MAX);
    let specs = [
        (
            "yearly",
            config.yearly_seasonality,
            span < 730 * DAY,
            10,
            365.25,
        ),
        (
            "weekly",
            config.weekly_seasonality,
            span < 14 * DAY || min_dt >= 7 * DAY,
            3,
            7.0,
        ),
        (
            "daily",
            config.daily_seasonality,
            span < 2 * DAY || min_dt >= DAY,
            4,
            1.0,
        ),
    ];
    for (name, setting, auto_disable, default_order, period) in specs {
        let taken = seasonalities.iter().any(|s| s.name == name);
        let order = match setting {
            SeasonalitySetting::Auto if taken || auto_disable => 0,
            SeasonalitySetting::Auto => default_order,
            SeasonalitySetting::Enabled(true) => default_order,
            SeasonalitySetting::Enabled(false) => 0,
            SeasonalitySetting::Order(n) => n,
        };
        if order > 0 {
            let s = Seasonality {
                name: name.into(),
                period,
                fourier_order: order,
                prior_scale: config.seasonality_prior_scale,
                mode: config.seasonality_mode,
                condition_name: None,
            };
            // Python's dict assignment replaces in place when the name exists.
            match seasonalities.iter_mut().find(|x| x.name == name) {
                Some(existing) => *existing = s,
                None => seasonalities.push(s),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_numpy() {
        assert_eq!(round_half_even(0.5), 0.0);
        assert_eq!(round_half_even(1.5), 2.0);
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(2.4), 2.0);
        assert_eq!(round_half_even(2.6), 3.0);
    }

    #[test]
    fn constant_series_short_circuits() {
        let ds: Vec<i64> = (0..30).map(|d| d * 86_400).collect();
        let f = fit(&Series::new(ds, vec![5.0; 30]), &ProphetConfig::default()).unwrap();
        assert_eq!(f.report.algorithm, Algorithm::Constant);
        assert_eq!(f.model.params.sigma_obs, 1e-9);
        assert_eq!(f.model.params.k, 0.0);
        assert_eq!(f.model.params.m, 1.0);
    }

    #[test]
    fn rejects_degenerate_input() {
        let cfg = ProphetConfig::default();
        assert!(matches!(
            fit(&Series::new(vec![0], vec![1.0]), &cfg),
            Err(FitError::TooFewRows(1))
        ));
        assert!(matches!(
            fit(&Series::new(vec![0, 0], vec![1.0, 2.0]), &cfg),
            Err(FitError::NoTimeSpan(2))
        ));
        assert!(matches!(
            fit(&Series::new(vec![0, 86_400], vec![1.0, f64::NAN]), &cfg),
            Err(FitError::NonFinite { row: 1, .. })
        ));
    }
}
