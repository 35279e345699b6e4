//! Prophet's trend uncertainty: future trend changes drawn like Python's
//! vectorized `_sample_uncertainty`, from a seedable RNG.

use rand::Rng;
use rand_pcg::Pcg64;

use super::ForecastError;
use crate::bounds::MAX_TREND_GRID;
use crate::config::Growth;
use crate::model::{Draw, ProphetModel};

/// numpy's default (linear) percentile: the two order statistics around the
/// position, found by selection rather than a full sort (`values` is
/// reordered; the answer is the sorted one's).
pub(super) fn percentile(values: &mut [f64], q: f64) -> f64 {
    let pos = q / 100.0 * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, &mut below, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let above = if pos.ceil() as usize == lo {
        below
    } else {
        above
            .iter()
            .copied()
            .min_by(f64::total_cmp)
            .unwrap_or(below)
    };
    below + (above - below) * (pos - lo as f64)
}

/// numpy's `laplace(0, scale)` from its uniform draw `u`.
fn laplace(u: f64, scale: f64) -> f64 {
    if u >= 0.5 {
        -scale * (2.0 - u - u).ln()
    } else {
        scale * (u + u).ln()
    }
}

/// Prophet's `_sample_uncertainty`: draws of future trend changes,
/// `samples × t.len()` row-major, zero for rows inside the history.
pub(super) fn sample_uncertainty(
    model: &ProphetModel,
    draw: &Draw,
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
    let p = draw;
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
            let history = LogisticHistory::new(model, draw, single_diff)?;
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

/// One row of `_make_trend_shift_matrix`. Every row still draws a Laplace
/// shift for each step (so the stream matches), but only the steps with a
/// change (a few percent) pay for its logarithm; the moving average is taken
/// in place.
fn shift_row(rng: &mut Pcg64, len: usize, likelihood: f64, mean_delta: f64) -> Vec<f64> {
    let mut row: Vec<f64> = (0..len)
        .map(|_| {
            let change = rng.gen::<f64>() < likelihood;
            let u: f64 = rng.gen();
            if change {
                laplace(u, mean_delta)
            } else {
                0.0
            }
        })
        .collect();
    for j in (1..len).rev() {
        row[j] = (row[j - 1] + row[j]) / 2.0;
    }
    if let Some(first) = row.first_mut() {
        *first = (0.0 + *first) / 2.0;
    }
    row
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
    fn new(model: &ProphetModel, p: &Draw, single_diff: f64) -> Result<Self, ForecastError> {
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
    fn percentile_matches_numpy_linear() {
        let mut v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&mut v, 10.0), 1.3);
        assert_eq!(percentile(&mut v, 90.0), 3.7);
        assert_eq!(percentile(&mut v, 50.0), 2.5);
        assert_eq!(percentile(&mut v, 100.0), 4.0);
        assert_eq!(percentile(&mut v, 0.0), 1.0);
    }
}
