//! Forecasting: Python's `predict` on a frame of rows — the trend, every
//! component, and intervals from Prophet's posterior predictive simulation
//! (one set of draws per parameter sample: one for MAP fits, each MCMC
//! sample otherwise), with a seedable RNG.

mod future;
mod stream;
mod uncertainty;

pub use future::{future_dates, future_frame, infer_frequency};

use crate::time::Timestamp;

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::bounds::{MAX_COMPONENT_WORK, MAX_UNCERTAINTY_DRAWS};
use crate::features::{dot, make_all_features, FeatureError, Matrix};
use crate::frame::{Frame, FrameError};
use crate::frequency::FrequencyError;
use crate::history::{setup_dataframe, History};
use crate::holidays::HolidaySource;
use crate::model::{Draw, ProphetModel};
use stream::Pcg64;
use uncertainty::{percentiles, sample_uncertainty};

/// Options of one forecast.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForecastOptions {
    /// RNG seed for the uncertainty simulation; `None` draws one from the OS.
    pub seed: Option<u64>,
    /// Overrides the model's `uncertainty_samples`.
    pub uncertainty_samples: Option<u32>,
    /// Where a model's country holidays come from (the compiled-in tables
    /// unless a country's table is given).
    pub holidays: HolidaySource,
    /// Leaves out the trend's interval (`trend_lower`, `trend_upper`), for
    /// callers that show only `yhat`'s: the simulation draws the same
    /// numbers, so every other column is unchanged, but sorts out half as
    /// many order statistics.
    pub without_trend_interval: bool,
}

/// Why a forecast could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ForecastError {
    /// No frequency for the future dates: none given and none inferable, or
    /// dates past pandas' range.
    #[error(transparent)]
    Frequency(#[from] FrequencyError),
    /// The rows do not carry what the model needs.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The features could not be made.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// The model's coefficients do not match its features.
    #[error("the model has {beta} coefficients but its features make {features} columns")]
    Shape {
        /// Feature columns made.
        features: usize,
        /// Coefficients in the model.
        beta: usize,
    },
    /// The model has no parameters.
    #[error("the model has no parameter values")]
    NoParameters,
    /// Zero rows were requested.
    #[error("nothing to forecast: zero rows")]
    NoRows,
    /// `uncertainty_samples × rows` is more than the uncertainty simulation may draw.
    #[error("{samples} uncertainty samples × {rows} rows is more than {max} draws; forecast at most {} rows with this model", max / samples)]
    TooManyDraws {
        /// The simulation's samples (the model's, or the options').
        samples: usize,
        /// Rows asked for.
        rows: usize,
        /// [`MAX_UNCERTAINTY_DRAWS`].
        max: usize,
    },
    /// The components would take more than [`MAX_COMPONENT_WORK`] products
    /// (rows × parameter draws × feature columns).
    #[error("{rows} rows × {draws} parameter draws × {columns} feature columns is more work than one forecast may do ({max}); forecast fewer rows")]
    TooMuchWork {
        /// Rows asked for.
        rows: usize,
        /// The model's parameter draws.
        draws: usize,
        /// Its feature columns.
        columns: usize,
        /// [`MAX_COMPONENT_WORK`].
        max: usize,
    },
    /// The history spans more steps of its frequency than the logistic
    /// uncertainty simulation walks.
    #[error(
        "the history spans {steps} steps of its frequency, more than {max} (logistic uncertainty)"
    )]
    TrendGridTooLong {
        /// Steps the history spans.
        steps: f64,
        /// [`crate::MAX_TREND_GRID`].
        max: usize,
    },
}

/// A forecast table: `ds` plus Prophet's columns, in Python's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Row timestamps, ascending.
    pub ds: Vec<Timestamp>,
    /// `(column name, values)` in the order of Python's `predict` output.
    pub columns: Vec<(String, Vec<f64>)>,
}

impl Forecast {
    /// The values of a column.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// The last `n` rows.
    pub fn tail(&self, n: usize) -> Forecast {
        let from = self.len().saturating_sub(n);
        Forecast {
            ds: self.ds[from..].to_vec(),
            columns: self
                .columns
                .iter()
                .map(|(k, v)| (k.clone(), v[from..].to_vec()))
                .collect(),
        }
    }
}

/// A component's values: the mean over the parameter draws and, with
/// uncertainty, the interval's bounds over them.
struct Component {
    name: String,
    mean: Vec<f64>,
    bounds: Option<(Vec<f64>, Vec<f64>)>,
}

/// `predict(df)`: rows sorted by time, then `trend`, `cap`/`floor` where
/// Python has them, the `yhat` and `trend` intervals, every component with
/// its interval, and `yhat` — Python's columns in Python's order. The frame
/// must carry every column [`ProphetModel::required_future_columns`] names.
pub fn predict(
    model: &ProphetModel,
    frame: &Frame,
    opts: &ForecastOptions,
) -> Result<Forecast, ForecastError> {
    if frame.is_empty() {
        return Err(ForecastError::NoRows);
    }
    if model.params.draws.is_empty() {
        return Err(ForecastError::NoParameters);
    }
    let n = frame.len();
    let draws = model.params.draws.len();
    let samples = opts
        .uncertainty_samples
        .unwrap_or(model.settings.uncertainty_samples) as usize;
    let simulated = samples.div_ceil(draws).saturating_mul(draws);
    if simulated.saturating_mul(n) > MAX_UNCERTAINTY_DRAWS {
        return Err(ForecastError::TooManyDraws {
            samples: simulated,
            rows: n,
            max: MAX_UNCERTAINTY_DRAWS,
        });
    }
    let columns = model.params.draws[0].beta.len();
    if n.saturating_mul(draws).saturating_mul(columns) > MAX_COMPONENT_WORK {
        return Err(ForecastError::TooMuchWork {
            rows: n,
            draws,
            columns,
            max: MAX_COMPONENT_WORK,
        });
    }
    let rows: Vec<usize> = (0..n).collect();
    let df = setup_dataframe(model, frame, &rows)?;
    let trend = predict_trend(model, &df);
    let x = make_all_features(model, &df, &opts.holidays)?.matrix;
    let beta = model.params.draws[0].beta.len();
    if x.cols != beta {
        return Err(ForecastError::Shape {
            features: x.cols,
            beta,
        });
    }
    let components = predict_seasonal_components(model, &x, samples > 0);
    let find = |name: &str| {
        components
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.mean.clone())
            .unwrap_or_else(|| vec![0.0; df.len()])
    };
    let (additive, multiplicative) = (find("additive_terms"), find("multiplicative_terms"));
    let yhat: Vec<f64> = (0..df.len())
        .map(|i| trend[i] * (1.0 + multiplicative[i]) + additive[i])
        .collect();

    let mut columns: Vec<(String, Vec<f64>)> = vec![("trend".into(), trend)];
    if let Some(cap) = &df.cap {
        columns.push(("cap".into(), cap.clone()));
    }
    if model.logistic_floor {
        columns.push(("floor".into(), df.floor.clone()));
    }
    if samples > 0 {
        let mut rng = match opts.seed {
            Some(seed) => Pcg64::seed_from_u64(seed),
            None => unseeded_stream(),
        };
        let trend_interval = !opts.without_trend_interval;
        columns.extend(predict_uncertainty(
            model,
            &df,
            &x,
            samples,
            trend_interval,
            &mut rng,
        )?);
    }
    for c in components {
        columns.push((c.name.clone(), c.mean));
        if let Some((lo, hi)) = c.bounds {
            columns.push((format!("{}_lower", c.name), lo));
            columns.push((format!("{}_upper", c.name), hi));
        }
    }
    columns.push(("yhat".into(), yhat));
    Ok(Forecast { ds: df.ds, columns })
}

/// The stream of a forecast asked without a seed: natively seeded from the
/// system's entropy (rand's `from_entropy`); in wasm from two draws of the
/// host's `Math.random()`, which is as good a seed for the simulation and
/// spares the browser and edge builds getrandom's bindings to
/// `crypto.getRandomValues` (1.4 KB of pkg-edge's gzip, with their error
/// path).
#[cfg(not(target_arch = "wasm32"))]
fn unseeded_stream() -> Pcg64 {
    Pcg64::from_entropy()
}

/// In wasm: a seed of 32 random bits from each of two `Math.random()` draws.
#[cfg(target_arch = "wasm32")]
fn unseeded_stream() -> Pcg64 {
    let draw = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
    Pcg64::seed_from_u64(draw() << 32 | draw())
}

/// `predict_trend`: the trend of the mean parameters, unscaled, plus the floor.
fn predict_trend(model: &ProphetModel, df: &History) -> Vec<f64> {
    let expected = model.trend_scaled(&model.params.mean(), &df.t, df.cap_scaled.as_deref());
    expected
        .iter()
        .zip(&df.floor)
        .map(|(e, f)| e * model.y_scale + f)
        .collect()
}

/// `X · (beta ∘ indicator)` per row, times `y_scale` for additive components.
fn component_values(
    model: &ProphetModel,
    x: &Matrix,
    draw: &Draw,
    indicator: &[u8],
    additive: bool,
) -> Vec<f64> {
    let b: Vec<f64> = draw
        .beta
        .iter()
        .zip(indicator)
        .map(|(b, i)| b * *i as f64)
        .collect();
    let scale = if additive { model.y_scale } else { 1.0 };
    (0..x.rows).map(|i| dot(x.row(i), &b) * scale).collect()
}

/// `predict_seasonal_components`: each component's mean over the parameter
/// draws and, with `bounds`, its interval over them.
fn predict_seasonal_components(model: &ProphetModel, x: &Matrix, bounds: bool) -> Vec<Component> {
    let draws = &model.params.draws;
    let (lower_p, upper_p) = interval_percentiles(model.settings.interval_width);
    model
        .component_columns
        .components
        .iter()
        .map(|(name, indicator)| {
            let additive = model.component_modes.is_additive(name);
            let per_draw: Vec<Vec<f64>> = draws
                .iter()
                .map(|d| component_values(model, x, d, indicator, additive))
                .collect();
            if per_draw.len() == 1 {
                let values = per_draw.into_iter().next().expect("one draw");
                // The percentiles of a single value are the value.
                let bounds = bounds.then(|| (values.clone(), values.clone()));
                return Component {
                    name: name.clone(),
                    mean: values,
                    bounds,
                };
            }
            let mut mean = Vec::with_capacity(x.rows);
            let (mut lo, mut hi) = (Vec::new(), Vec::new());
            let mut row = Vec::with_capacity(draws.len());
            let mut keys = Vec::with_capacity(draws.len());
            for i in 0..x.rows {
                row.clear();
                row.extend(per_draw.iter().map(|v| v[i]));
                let kept: Vec<f64> = row.iter().copied().filter(|v| !v.is_nan()).collect();
                mean.push(if kept.is_empty() {
                    f64::NAN
                } else {
                    kept.iter().sum::<f64>() / kept.len() as f64
                });
                if bounds {
                    let (l, h) = percentiles(&row, lower_p, upper_p, &mut keys);
                    lo.push(l);
                    hi.push(h);
                }
            }
            Component {
                name: name.clone(),
                mean,
                bounds: bounds.then_some((lo, hi)),
            }
        })
        .collect()
}

/// The percentiles bounding an interval of width `width`.
fn interval_percentiles(width: f64) -> (f64, f64) {
    (100.0 * (1.0 - width) / 2.0, 100.0 * (1.0 + width) / 2.0)
}

/// `predict_uncertainty` (`sample_posterior_predictive`, vectorized): for
/// each parameter draw, `ceil(samples / draws)` simulated trends (future
/// changepoints) and observation noise; the `yhat` interval and, with
/// `trend_interval`, the trend's.
fn predict_uncertainty(
    model: &ProphetModel,
    df: &History,
    x: &Matrix,
    samples: usize,
    trend_interval: bool,
    rng: &mut Pcg64,
) -> Result<Vec<(String, Vec<f64>)>, ForecastError> {
    let n = df.len();
    let draws = &model.params.draws;
    let per_draw = samples.div_ceil(draws.len()).max(1);
    let total = per_draw * draws.len();
    let y_scale = model.y_scale;
    let s_a = model
        .component_columns
        .get("additive_terms")
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| vec![0; x.cols]);
    let s_m = model
        .component_columns
        .get("multiplicative_terms")
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| vec![0; x.cols]);
    // Row-major by forecast row, so each row's draws sort in place.
    let mut yhat_draws = vec![0.0; total * n];
    let mut trend_draws = vec![0.0; if trend_interval { total * n } else { 0 }];
    for (d, draw) in draws.iter().enumerate() {
        let expected = model.trend_scaled(draw, &df.t, df.cap_scaled.as_deref());
        let xb_a = component_values(model, x, draw, &s_a, true);
        let xb_m = component_values(model, x, draw, &s_m, false);
        let unc = sample_uncertainty(model, draw, &df.t, df.cap_scaled.as_deref(), per_draw, rng)?;
        let sigma = draw.sigma_obs;
        for (s, unc) in unc.chunks_exact(n).take(per_draw).enumerate() {
            let column = d * per_draw + s;
            let rows = expected
                .iter()
                .zip(unc)
                .zip(&df.floor)
                .zip(&xb_m)
                .zip(&xb_a);
            for (i, ((((&e, &u), &floor), &m), &a)) in rows.enumerate() {
                let tr = (e + u) * y_scale + floor;
                let noise: f64 = rng.sample::<f64, _>(StandardNormal) * sigma * y_scale;
                if trend_interval {
                    trend_draws[i * total + column] = tr;
                }
                yhat_draws[i * total + column] = tr * (1.0 + m) + a + noise;
            }
        }
    }
    let (lower_p, upper_p) = interval_percentiles(model.settings.interval_width);
    let mut out = Vec::with_capacity(4);
    let intervals = [("yhat", &yhat_draws), ("trend", &trend_draws)];
    for (name, draws) in &intervals[..if trend_interval { 2 } else { 1 }] {
        let (mut lo, mut hi) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut keys = Vec::with_capacity(total);
        for chunk in draws.chunks(total) {
            let (l, h) = percentiles(chunk, lower_p, upper_p, &mut keys);
            lo.push(l);
            hi.push(h);
        }
        out.push((format!("{name}_lower"), lo));
        out.push((format!("{name}_upper"), hi));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Forecast;

    fn three_rows() -> Forecast {
        Forecast {
            ds: vec![10, 20, 30],
            columns: vec![
                ("trend".into(), vec![1.0, 2.0, 3.0]),
                ("yhat".into(), vec![4.0, 5.0, 6.0]),
            ],
        }
    }

    #[test]
    fn rows_and_the_last_of_them() {
        let fc = three_rows();
        assert_eq!((fc.len(), fc.is_empty()), (3, false));
        let last = fc.tail(2);
        assert_eq!(last.ds, [20, 30]);
        assert_eq!(last.column("yhat"), Some(&[5.0, 6.0][..]));
        assert_eq!(last.column("trend"), Some(&[2.0, 3.0][..]));
        assert_eq!(fc.tail(5), fc, "more rows than there are: all of them");
        let none = fc.tail(0);
        assert!(none.is_empty() && none.column("yhat") == Some(&[][..]));
    }
}
