//! Forecasting: future dates like `make_future_dataframe`, and every column of
//! Python's `predict`, with uncertainty simulated like Prophet's vectorized
//! sampler from a seedable RNG.

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64;

use crate::bounds::{MAX_TREND_GRID, MAX_UNCERTAINTY_DRAWS, PANDAS_TIMESTAMPS};
use crate::config::{Growth, Scaling};
use crate::features::{dot, seasonal_features};
use crate::model::ProphetModel;
use crate::time::Timestamp;

/// Options of one forecast.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForecastOptions {
    /// RNG seed for the uncertainty simulation; `None` draws one from the OS.
    pub seed: Option<u64>,
    /// Capacity for future rows (logistic growth); defaults to the last
    /// capacity of the history.
    pub cap: Option<f64>,
    /// Overrides the model's `uncertainty_samples`.
    pub uncertainty_samples: Option<u32>,
}

/// Why a forecast could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ForecastError {
    /// The history's last timestamps are not evenly spaced.
    #[error("cannot infer the data frequency from the last history dates {0:?}")]
    UnknownFrequency(Vec<Timestamp>),
    /// A logistic model needs a capacity and none is known.
    #[error("logistic growth needs a capacity (`cap`) for the forecast rows")]
    MissingCap,
    /// The capacity is not above the floor.
    #[error("cap {cap} must be greater than the floor {floor}")]
    CapBelowFloor {
        /// The capacity.
        cap: f64,
        /// The floor.
        floor: f64,
    },
    /// Zero rows were requested.
    #[error("nothing to forecast: zero rows")]
    NoRows,
    /// The future dates would leave pandas' range of dates.
    #[error("{periods} periods of {step} seconds after the history end past 2262-04-11 (pandas' last date)")]
    DatesOutOfRange {
        /// Rows asked for.
        periods: usize,
        /// The history's step in seconds.
        step: i64,
    },
    /// `uncertainty_samples × rows` is more than the uncertainty simulation may draw.
    #[error("{samples} uncertainty samples × {rows} rows is more than {max} draws; forecast at most {} rows with this model", max / samples)]
    TooManyDraws {
        /// The model's (or the options') uncertainty samples.
        samples: usize,
        /// Rows asked for.
        rows: usize,
        /// [`MAX_UNCERTAINTY_DRAWS`].
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
        /// [`MAX_TREND_GRID`].
        max: usize,
    },
}

/// A forecast table: `ds` plus Prophet's columns, in Python's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Row timestamps.
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

/// The step between history rows, inferred like Prophet (from the last five
/// dates: the most common difference, which must be unique).
pub fn infer_frequency(history_dates: &[Timestamp]) -> Result<i64, ForecastError> {
    let tail: Vec<Timestamp> = history_dates.iter().rev().take(5).copied().collect();
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for w in tail.windows(2) {
        let d = w[0] - w[1];
        match counts.iter_mut().find(|(k, _)| *k == d) {
            Some((_, c)) => *c += 1,
            None => counts.push((d, 1)),
        }
    }
    let max = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    let modes: Vec<i64> = counts
        .iter()
        .filter(|(_, c)| *c == max)
        .map(|(k, _)| *k)
        .collect();
    match modes.as_slice() {
        [step] if *step > 0 => Ok(*step),
        _ => Err(ForecastError::UnknownFrequency(tail)),
    }
}

/// `make_future_dataframe(periods)`: the `periods` dates after the history at
/// its inferred frequency, optionally preceded by the history dates.
pub fn future_dates(
    model: &ProphetModel,
    periods: usize,
    include_history: bool,
) -> Result<Vec<Timestamp>, ForecastError> {
    let step = infer_frequency(&model.history_dates)?;
    let last = model.last_date().ok_or(ForecastError::NoRows)?;
    let end = i64::try_from(periods)
        .ok()
        .and_then(|p| p.checked_mul(step))
        .and_then(|span| last.checked_add(span))
        .filter(|end| PANDAS_TIMESTAMPS.contains(end));
    if end.is_none() {
        return Err(ForecastError::DatesOutOfRange { periods, step });
    }
    let mut out = if include_history {
        model.history_dates.clone()
    } else {
        Vec::new()
    };
    out.extend((1..=periods as i64).map(|i| last + i * step));
    Ok(out)
}

/// `predict` on the given timestamps (sorted first, as Prophet does).
pub fn predict(
    model: &ProphetModel,
    ds: &[Timestamp],
    opts: &ForecastOptions,
) -> Result<Forecast, ForecastError> {
    if ds.is_empty() {
        return Err(ForecastError::NoRows);
    }
    let n = ds.len();
    let samples = opts
        .uncertainty_samples
        .unwrap_or(model.settings.uncertainty_samples) as usize;
    if samples > 0 && samples.saturating_mul(n) > MAX_UNCERTAINTY_DRAWS {
        return Err(ForecastError::TooManyDraws {
            samples,
            rows: n,
            max: MAX_UNCERTAINTY_DRAWS,
        });
    }
    let mut ds = ds.to_vec();
    ds.sort_unstable();
    let y_scale = model.y_scale;
    let t: Vec<f64> = ds.iter().map(|&d| model.scaled_time(d)).collect();

    let floor_value = if model.logistic_floor {
        model.history.floor.last().copied().unwrap_or(0.0)
    } else {
        match model.settings.scaling {
            Scaling::Absmax => 0.0,
            Scaling::Minmax => model.y_min,
        }
    };
    let floor = vec![floor_value; n];
    let cap = match model.growth() {
        Growth::Logistic => {
            let cap = opts
                .cap
                .or_else(|| model.history.cap.as_ref().and_then(|c| c.last().copied()))
                .ok_or(ForecastError::MissingCap)?;
            if cap <= floor_value {
                return Err(ForecastError::CapBelowFloor {
                    cap,
                    floor: floor_value,
                });
            }
            Some(vec![cap; n])
        }
        _ => None,
    };
    let cap_scaled: Option<Vec<f64>> = cap.as_ref().map(|c| {
        c.iter()
            .zip(&floor)
            .map(|(c, f)| (c - f) / y_scale)
            .collect()
    });

    let expected = model.trend_scaled(&t, cap_scaled.as_deref());
    let trend: Vec<f64> = expected
        .iter()
        .zip(&floor)
        .map(|(e, f)| e * y_scale + f)
        .collect();

    let (x, _) = seasonal_features(&model.seasonalities, &ds);
    let beta = &model.params.beta;
    let mut components = Vec::with_capacity(model.component_columns.components.len());
    for (name, indicator) in &model.component_columns.components {
        let b: Vec<f64> = beta
            .iter()
            .zip(indicator)
            .map(|(b, i)| b * *i as f64)
            .collect();
        let scale = if model.component_modes.is_additive(name) {
            y_scale
        } else {
            1.0
        };
        let values: Vec<f64> = (0..n).map(|i| dot(x.row(i), &b) * scale).collect();
        components.push((name.clone(), values));
    }
    let find = |name: &str| {
        components
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| vec![0.0; n])
    };
    let additive = find("additive_terms");
    let multiplicative = find("multiplicative_terms");
    let yhat: Vec<f64> = (0..n)
        .map(|i| trend[i] * (1.0 + multiplicative[i]) + additive[i])
        .collect();

    let mut columns: Vec<(String, Vec<f64>)> = vec![("trend".into(), trend.clone())];
    if let Some(cap) = cap {
        columns.push(("cap".into(), cap));
    }
    if model.logistic_floor {
        columns.push(("floor".into(), floor.clone()));
    }
    if samples > 0 {
        let mut rng = match opts.seed {
            Some(seed) => Pcg64::seed_from_u64(seed),
            None => Pcg64::from_entropy(),
        };
        let unc = sample_uncertainty(model, &t, cap_scaled.as_deref(), samples, &mut rng)?;
        let sigma = model.params.sigma_obs;
        let mut yhat_draws = vec![0.0; samples * n];
        let mut trend_draws = vec![0.0; samples * n];
        for s in 0..samples {
            for i in 0..n {
                let tr = (expected[i] + unc[s * n + i]) * y_scale + floor[i];
                let noise: f64 = rng.sample::<f64, _>(StandardNormal) * sigma * y_scale;
                trend_draws[i * samples + s] = tr;
                yhat_draws[i * samples + s] = tr * (1.0 + multiplicative[i]) + additive[i] + noise;
            }
        }
        let lower_p = 100.0 * (1.0 - model.settings.interval_width) / 2.0;
        let upper_p = 100.0 * (1.0 + model.settings.interval_width) / 2.0;
        for (name, draws) in [("yhat", &mut yhat_draws), ("trend", &mut trend_draws)] {
            let (mut lo, mut hi) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for row in draws.chunks_mut(samples) {
                row.sort_unstable_by(f64::total_cmp);
                lo.push(percentile_sorted(row, lower_p));
                hi.push(percentile_sorted(row, upper_p));
            }
            columns.push((format!("{name}_lower"), lo));
            columns.push((format!("{name}_upper"), hi));
        }
    }
    for (name, values) in components {
        if samples > 0 {
            // One MAP draw: the percentiles of a single value are the value.
            columns.push((format!("{name}_lower"), values.clone()));
            columns.push((format!("{name}_upper"), values.clone()));
            let at = columns.len() - 2;
            columns.insert(at, (name, values));
        } else {
            columns.push((name, values));
        }
    }
    columns.push(("yhat".into(), yhat));
    Ok(Forecast { ds, columns })
}

/// numpy's default (linear) percentile of sorted values.
fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// numpy's `laplace(0, scale)`.
fn laplace(rng: &mut Pcg64, scale: f64) -> f64 {
    let u: f64 = rng.gen();
    if u >= 0.5 {
        -scale * (2.0 - u - u).ln()
    } else {
        scale * (u + u).ln()
    }
}

/// Prophet's `_sample_uncertainty`: draws of future trend changes,
/// `samples × t.len()` row-major, zero for rows inside the history.
fn sample_uncertainty(
    model: &ProphetModel,
    t: &[f64],
    cap_scaled: Option<&[f64]>,
    samples: usize,
    rng: &mut Pcg64,
) -> Result<Vec<f64>, ForecastError> {
    let n = t.len();
    let mut out = vec![0.0; samples * n];
    let first_future = t.iter().position(|&ti| ti > 1.0);
    let Some(first) = first_future else {
        return Ok(out);
    };
    let future_t = &t[first..];
    let len = future_t.len();
    let mean_diff = |v: &[f64]| {
        if v.len() < 2 {
            0.0
        } else {
            (v[v.len() - 1] - v[0]) / (v.len() - 1) as f64
        }
    };
    let single_diff = if len > 1 {
        mean_diff(future_t)
    } else {
        mean_diff(&model.history.t)
    };
    let likelihood = model.changepoints_t.len() as f64 * single_diff;
    let p = &model.params;
    let mean_delta =
        p.delta.iter().map(|d| d.abs()).sum::<f64>() / p.delta.len().max(1) as f64 + 1e-8;

    match model.growth() {
        Growth::Flat => {}
        Growth::Linear => {
            for s in 0..samples {
                let mat = shift_row(rng, len, likelihood, mean_delta);
                let (mut slope, mut level) = (0.0, 0.0);
                for (j, v) in mat.iter().enumerate() {
                    slope += v;
                    level += slope;
                    out[s * n + first + j] = level * single_diff;
                }
            }
        }
        Growth::Logistic => {
            let cap = &cap_scaled.unwrap_or(&[])[first..];
            let history = LogisticHistory::new(model, single_diff)?;
            let mut draws = vec![0.0; samples * len];
            for s in 0..samples {
                let mat = shift_row(rng, len, likelihood, mean_delta);
                history.path(
                    &mat,
                    future_t,
                    cap,
                    p.k,
                    p.m,
                    &mut draws[s * len..(s + 1) * len],
                );
            }
            for j in 0..len {
                let mean = (0..samples).map(|s| draws[s * len + j]).sum::<f64>() / samples as f64;
                for s in 0..samples {
                    out[s * n + first + j] = draws[s * len + j] - mean;
                }
            }
        }
    }
    Ok(out)
}

/// One row of `_make_trend_shift_matrix`.
fn shift_row(rng: &mut Pcg64, len: usize, likelihood: f64, mean_delta: f64) -> Vec<f64> {
    let raw: Vec<f64> = (0..len)
        .map(|_| {
            let change = rng.gen::<f64>() < likelihood;
            let shift = laplace(rng, mean_delta);
            if change {
                shift
            } else {
                0.0
            }
        })
        .collect();
    (0..len)
        .map(|j| (if j == 0 { 0.0 } else { raw[j - 1] } + raw[j]) / 2.0)
        .collect()
}

/// Prophet's `_logistic_uncertainty` walks, for every sample, a grid over the
/// history (`_make_historical_mat_time`) and then the sample's future shifts.
/// The history part is the same for every sample, so its running state is
/// computed once here.
#[derive(Clone, Copy)]
struct LogisticHistory {
    /// Cumulative rate change (`cumsum(mat)`) after the history grid.
    acc: f64,
    /// Forward-filled `k_cum` at the end of the history grid.
    k_cum: f64,
    /// Sum of the continuity offsets `gamma` over the history grid.
    gamma_sum: f64,
}

impl LogisticHistory {
    fn new(model: &ProphetModel, single_diff: f64) -> Result<Self, ForecastError> {
        let p = &model.params;
        let steps = ((1.0 + single_diff) / single_diff).ceil();
        if !(steps <= MAX_TREND_GRID as f64) {
            return Err(ForecastError::TrendGridTooLong {
                steps,
                max: MAX_TREND_GRID,
            });
        }
        let steps = steps as usize;
        let prev_time: Vec<f64> = (0..steps).map(|i| i as f64 * single_diff).collect();
        let mut prev_deltas = vec![0.0; steps];
        for (cp, d) in model.changepoints_t.iter().zip(&p.delta) {
            if let Some(idx) = prev_time.iter().position(|&pt| pt > *cp) {
                prev_deltas[idx] = *d;
            }
        }
        let mut state = LogisticHistory {
            acc: 0.0,
            k_cum: p.k,
            gamma_sum: 0.0,
        };
        for (v, t) in prev_deltas.iter().zip(&prev_time) {
            state.step(*v, *t, p.k, p.m);
        }
        Ok(state)
    }

    /// Advances by one grid entry with rate shift `v` at scaled time `t`.
    fn step(&mut self, v: f64, t: f64, k: f64, m: f64) {
        self.acc += v;
        // np.where(mat, cumsum(mat) + k, 0), forward-filled.
        let next = if v != 0.0 { self.acc + k } else { self.k_cum };
        self.gamma_sum += (t - m - self.gamma_sum) * (1.0 - self.k_cum / next);
        self.k_cum = next;
    }

    /// One sample path (before centring) into `out`.
    fn path(&self, mat: &[f64], t_time: &[f64], cap: &[f64], k: f64, m: f64, out: &mut [f64]) {
        let mut state = *self;
        for (j, (&v, &t)) in mat.iter().zip(t_time).enumerate() {
            state.step(v, t, k, m);
            let k_t = state.acc + k;
            let m_t = state.gamma_sum + m;
            out[j] = cap[j] / (1.0 + (-k_t * (t - m_t)).exp());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_needs_a_unique_mode() {
        assert_eq!(infer_frequency(&[0, 10, 20, 30, 40]), Ok(10));
        assert_eq!(infer_frequency(&[0, 5, 20, 30, 40, 50]), Ok(10));
        assert!(matches!(
            infer_frequency(&[0, 10, 30, 60, 100]),
            Err(ForecastError::UnknownFrequency(_))
        ));
        assert!(infer_frequency(&[5]).is_err());
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_sorted(&v, 10.0), 1.3);
        assert_eq!(percentile_sorted(&v, 90.0), 3.7);
        assert_eq!(percentile_sorted(&v, 50.0), 2.5);
    }
}
