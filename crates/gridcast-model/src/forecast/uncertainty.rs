//! Prophet's trend uncertainty: future trend changes drawn like Python's
//! vectorized `_sample_uncertainty`, from a seedable RNG.

use rand::Rng;

use super::stream::Pcg64;
use super::ForecastError;
use crate::bounds::MAX_TREND_GRID;
use crate::config::Growth;
use crate::model::{Draw, ProphetModel};

/// numpy's default (linear) percentiles `lo` and `hi` of `values`, NaNs left
/// out when there are any (`nanpercentile`); `keys` is scratch space. The
/// order statistics are found by selection on integer keys that sort as
/// `f64::total_cmp` does (a cheap integer comparison, also in wasm), the
/// second within what the first left above it: the same values as sorting.
pub(super) fn percentiles(values: &[f64], lo: f64, hi: f64, keys: &mut Vec<i64>) -> (f64, f64) {
    keys.clear();
    keys.extend(values.iter().filter(|v| !v.is_nan()).map(|&v| order_key(v)));
    if keys.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut ranked = Ranked {
        keys,
        exact: 0..0,
    };
    if lo <= hi {
        let l = ranked.percentile(lo);
        (l, ranked.percentile(hi))
    } else {
        let h = ranked.percentile(hi);
        (ranked.percentile(lo), h)
    }
}

/// `x`'s bits as an integer that orders as `f64::total_cmp` orders `x`
/// (negative values' magnitude bits flipped); its own inverse.
fn order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Moves to `keys[k]` the key a full sort puts there, with none greater
/// before it and none smaller after it: the standard library's
/// `select_nth_unstable` natively, where it is the faster (about 10% less
/// CPU for `gridcast train`), and [`select_nth`] in wasm.
#[cfg(not(target_arch = "wasm32"))]
fn select(keys: &mut [i64], k: usize) {
    keys.select_nth_unstable(k);
}

/// [`select_nth`] in wasm: the standard library's selection is about 3.5 KB
/// of it.
#[cfg(target_arch = "wasm32")]
fn select(keys: &mut [i64], k: usize) {
    select_nth(keys, k);
}

/// What `select_nth_unstable` promises (so the same order statistics) by a
/// quickselect of its own, Hoare's partition around the median of three,
/// for the browser builds; a range that has not shrunk to two keys in
/// `2 × bits(len)` rounds (ranks nothing reaches from the simulation's
/// draws, but any pattern) is heap sorted, so the time stays `O(n log n)`.
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn select_nth(keys: &mut [i64], k: usize) {
    let (mut lo, mut hi) = (0, keys.len());
    let mut rounds = 2 * (usize::BITS - keys.len().leading_zeros());
    while hi - lo > 2 {
        if rounds == 0 {
            heap_sort(&mut keys[lo..hi]);
            return;
        }
        rounds -= 1;
        let (a, b, c) = (keys[lo], keys[lo + (hi - lo) / 2], keys[hi - 1]);
        let pivot = a.min(b).max(a.max(b).min(c));
        // With three or more keys two of the three sampled positions lie
        // before `hi - 1` and after `lo`, so both parts are non-empty.
        let (mut i, mut j) = (lo, hi - 1);
        loop {
            while keys[i] < pivot {
                i += 1;
            }
            while keys[j] > pivot {
                j -= 1;
            }
            if i >= j {
                break;
            }
            keys.swap(i, j);
            i += 1;
            j -= 1;
        }
        // keys[lo..=j] are at most the pivot, keys[j + 1..hi] at least it.
        if k <= j {
            hi = j + 1;
        } else {
            lo = j + 1;
        }
    }
    if hi - lo == 2 && keys[lo] > keys[lo + 1] {
        keys.swap(lo, lo + 1);
    }
}

/// Sorts `keys` ascending in place (heap sort: [`select_nth`]'s fallback).
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
fn heap_sort(keys: &mut [i64]) {
    fn sift_down(keys: &mut [i64], mut node: usize, end: usize) {
        loop {
            let mut child = 2 * node + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && keys[child] < keys[child + 1] {
                child += 1;
            }
            if keys[node] >= keys[child] {
                return;
            }
            keys.swap(node, child);
            node = child;
        }
    }
    let n = keys.len();
    for node in (0..n / 2).rev() {
        sift_down(keys, node, n);
    }
    for end in (1..n).rev() {
        keys.swap(0, end);
        sift_down(keys, 0, end);
    }
}

/// Keys partly ordered by selection: every key before `exact.end` is at most
/// every key after it, and the positions in `exact` hold the keys a full
/// sort would put there.
struct Ranked<'a> {
    keys: &'a mut [i64],
    exact: std::ops::Range<usize>,
}

impl Ranked<'_> {
    /// The `k`-th smallest value; `k` at least the last one asked for.
    fn nth(&mut self, k: usize) -> f64 {
        if !self.exact.contains(&k) {
            let from = self.exact.end;
            debug_assert!(k >= from, "order statistics asked in ascending order");
            select(&mut self.keys[from..], k - from);
            self.exact = if k == from {
                self.exact.start..k + 1
            } else {
                k..k + 1
            };
        }
        f64::from_bits(order_key(f64::from_bits(self.keys[k] as u64)) as u64)
    }

    /// numpy's linear percentile `q`; `q` at least the last one asked for.
    fn percentile(&mut self, q: f64) -> f64 {
        let pos = q / 100.0 * (self.keys.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let below = self.nth(lo);
        let above = if pos.ceil() as usize == lo {
            below
        } else {
            self.nth(lo + 1)
        };
        below + (above - below) * (pos - lo as f64)
    }
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
            let mut mat = vec![0.0; len];
            for s in 0..samples {
                shift_row(rng, likelihood, mean_delta, &mut mat);
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
            let mut mat = vec![0.0; len];
            for s in 0..samples {
                shift_row(rng, likelihood, mean_delta, &mut mat);
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

/// One row of `_make_trend_shift_matrix` into `row`. Every row still draws a
/// Laplace shift for each step (so the stream matches), but only the steps
/// with a change (a few percent) pay for its logarithm; the moving average
/// is taken in place.
fn shift_row(rng: &mut Pcg64, likelihood: f64, mean_delta: f64, row: &mut [f64]) {
    for v in row.iter_mut() {
        let change = rng.gen::<f64>() < likelihood;
        let u: f64 = rng.gen();
        *v = if change { laplace(u, mean_delta) } else { 0.0 };
    }
    for j in (1..row.len()).rev() {
        row[j] = (row[j - 1] + row[j]) / 2.0;
    }
    if let Some(first) = row.first_mut() {
        *first = (0.0 + *first) / 2.0;
    }
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
    fn percentiles_match_numpy_linear() {
        let mut keys = Vec::new();
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentiles(&v, 10.0, 90.0, &mut keys), (1.3, 3.7));
        assert_eq!(percentiles(&v, 50.0, 50.0, &mut keys), (2.5, 2.5));
        assert_eq!(percentiles(&v, 0.0, 100.0, &mut keys), (1.0, 4.0));
        assert_eq!(percentiles(&v, 90.0, 10.0, &mut keys), (3.7, 1.3));
        let nan = [f64::NAN, 2.0, f64::NAN, 1.0];
        assert_eq!(percentiles(&nan, 0.0, 100.0, &mut keys), (1.0, 2.0));
        let none = percentiles(&[f64::NAN], 10.0, 90.0, &mut keys);
        assert!(none.0.is_nan() && none.1.is_nan());
    }

    /// The quickselect's promise on every rank of sorted, reversed, equal,
    /// two-valued, organ-pipe and random keys, and the heap sort alone.
    #[test]
    fn select_nth_partitions_as_a_sort_ranks() {
        use rand::SeedableRng;
        let mut rng = Pcg64::seed_from_u64(16);
        for n in (1..40).chain([100, 257, 1000]) {
            let shapes: Vec<Vec<i64>> = vec![
                (0..n as i64).collect(),
                (0..n as i64).rev().collect(),
                vec![5; n],
                (0..n).map(|i| (i % 2) as i64).collect(),
                (0..n as i64).map(|i| i.min(n as i64 - i)).collect(),
                (0..n).map(|_| rng.gen_range(-50..50)).collect(),
                (0..n).map(|_| rng.gen::<i64>()).collect(),
            ];
            for keys in shapes {
                let mut sorted = keys.clone();
                sorted.sort();
                let mut heaped = keys.clone();
                heap_sort(&mut heaped);
                assert_eq!(heaped, sorted);
                for k in 0..n {
                    let mut v = keys.clone();
                    select_nth(&mut v, k);
                    assert_eq!(v[k], sorted[k], "n {n}, k {k}");
                    assert!(
                        v[..k].iter().all(|&x| x <= v[k]) && v[k + 1..].iter().all(|&x| x >= v[k])
                    );
                }
            }
        }
    }

    /// `cargo test -p gridcast-model --release --lib select_speed -- --ignored --nocapture`:
    /// the quickselect against `select_nth_unstable` and the merge sort
    /// against `sort_by_key`, interleaved, median nanoseconds per call.
    #[test]
    #[ignore]
    fn select_speed() {
        use rand::SeedableRng;
        use std::time::Instant;
        let median = |mut v: Vec<u128>| {
            v.sort();
            v[v.len() / 2]
        };
        let mut rng = Pcg64::seed_from_u64(3);
        let keys: Vec<i64> = (0..1000)
            .map(|_| order_key(rng.gen::<f64>() * 10.0))
            .collect();
        let (mut ours, mut std_) = (Vec::new(), Vec::new());
        for _ in 0..2000 {
            let mut v = keys.clone();
            let t = Instant::now();
            select_nth(&mut v, 100);
            select_nth(&mut v[101..], 799);
            ours.push(t.elapsed().as_nanos());
            let mut v = keys.clone();
            let t = Instant::now();
            v.select_nth_unstable(100);
            v[101..].select_nth_unstable(799);
            std_.push(t.elapsed().as_nanos());
        }
        let (ours, std_) = (median(ours), median(std_));
        println!("select 1000 keys, 10th and 90th: ours {ours} ns, std {std_} ns");
        let ds: Vec<i64> = (0..5000)
            .map(|_| rng.gen_range(0..100_000) * 3600)
            .collect();
        let sorted: Vec<i64> = (0..5000).map(|i| i * 3600).collect();
        for (name, ds) in [("shuffled", &ds), ("sorted", &sorted)] {
            let (mut ours, mut std_) = (Vec::new(), Vec::new());
            for _ in 0..300 {
                let mut rows: Vec<usize> = (0..ds.len()).collect();
                let t = Instant::now();
                crate::time::merge_sort(&mut rows, ds);
                ours.push(t.elapsed().as_nanos());
                let mut rows: Vec<usize> = (0..ds.len()).collect();
                let t = Instant::now();
                rows.sort_by_key(|&i| ds[i]);
                std_.push(t.elapsed().as_nanos());
            }
            let (ours, std_) = (median(ours), median(std_));
            println!("sort 5000 rows {name}: ours {ours} ns, std {std_} ns");
        }
    }

    /// Selection on keys gives what sorting by `total_cmp` gives, for
    /// negative values, zeros of both signs, ties and infinities too.
    #[test]
    fn percentiles_equal_a_full_sort() {
        use rand::SeedableRng;
        let sorted_percentile = |sorted: &[f64], q: f64| {
            let pos = q / 100.0 * (sorted.len() - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = pos.ceil() as usize;
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        };
        let mut rng = Pcg64::seed_from_u64(7);
        let mut keys = Vec::new();
        for n in [1, 2, 3, 10, 999, 1000] {
            let mut v: Vec<f64> = (0..n)
                .map(|i| match i % 7 {
                    0 => -0.0,
                    1 => 0.0,
                    2 => (rng.gen::<f64>() * 4.0).round() - 2.0,
                    3 if n > 100 && i == 3 => f64::NEG_INFINITY,
                    _ => rng.gen::<f64>() * 200.0 - 100.0,
                })
                .collect();
            let got = [(2.5, 97.5), (10.0, 90.0), (50.0, 50.0), (0.0, 100.0), (10.0, 10.5)]
                .map(|(lo, hi)| percentiles(&v, lo, hi, &mut keys));
            v.sort_by(f64::total_cmp);
            let want = [(2.5, 97.5), (10.0, 90.0), (50.0, 50.0), (0.0, 100.0), (10.0, 10.5)]
                .map(|(lo, hi)| (sorted_percentile(&v, lo), sorted_percentile(&v, hi)));
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(
                    (g.0.to_bits(), g.1.to_bits()),
                    (w.0.to_bits(), w.1.to_bits()),
                    "n = {n}: {g:?} vs {w:?}"
                );
            }
        }
    }
}
