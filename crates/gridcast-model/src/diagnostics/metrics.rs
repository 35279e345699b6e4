//! `performance_metrics` (prophet/metrics.py): each metric over a rolling
//! window of the cross-validation rows sorted by horizon.

use serde::{Deserialize, Serialize};

use super::argsort::numpy_argsort;
use super::CvRows;

/// One of Prophet's performance metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Mean squared error.
    Mse,
    /// Root mean squared error.
    Rmse,
    /// Mean absolute error.
    Mae,
    /// Mean absolute percentage error (a fraction).
    Mape,
    /// Median absolute percentage error (a fraction).
    Mdape,
    /// Symmetric mean absolute percentage error (Chen and Yang, 2004).
    Smape,
    /// Share of readings inside the forecast interval.
    Coverage,
}

impl Metric {
    /// Python's default list, in its order.
    pub const ALL: [Metric; 7] = [
        Metric::Mse,
        Metric::Rmse,
        Metric::Mae,
        Metric::Mape,
        Metric::Mdape,
        Metric::Smape,
        Metric::Coverage,
    ];

    /// Python's name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Mse => "mse",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::Mape => "mape",
            Metric::Mdape => "mdape",
            Metric::Smape => "smape",
            Metric::Coverage => "coverage",
        }
    }

    /// By Python's name.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Why metrics could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A metric named twice.
    #[error("metric {0:?} is named twice; each may appear once")]
    Duplicate(&'static str),
    /// No rows.
    #[error("no cross-validation rows to compute metrics on")]
    NoRows,
    /// `rolling_window` is NaN.
    #[error("rolling_window must be a number, got NaN")]
    BadWindow,
}

/// `performance_metrics`' result: `horizon` (seconds) and one column per
/// metric, in the order asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PerformanceMetrics {
    /// Horizons in seconds, ascending (one per row when `rolling_window < 0`).
    pub horizon: Vec<i64>,
    /// `(metric, values)`, one value per horizon.
    pub columns: Vec<(Metric, Vec<f64>)>,
}

impl PerformanceMetrics {
    /// A metric's column.
    pub fn column(&self, metric: Metric) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, v)| v.as_slice())
    }

    /// The row for a horizon (seconds), if there is one.
    pub fn at(&self, horizon: i64) -> Option<usize> {
        self.horizon.iter().position(|&h| h == horizon)
    }

    /// JSON records as pandas' `to_json(orient="records")` writes them, with
    /// `horizon` in days: `[{"horizon": 1.0, "mse": ..., ...}, ...]`;
    /// non-finite values are `null`, as pandas writes them.
    pub fn to_json_records(&self) -> serde_json::Value {
        let rows = (0..self.horizon.len())
            .map(|i| {
                let mut row = serde_json::Map::new();
                row.insert(
                    "horizon".into(),
                    serde_json::json!(self.horizon[i] as f64 / 86_400.0),
                );
                for (metric, values) in &self.columns {
                    row.insert(metric.name().into(), finite(values[i]));
                }
                serde_json::Value::Object(row)
            })
            .collect();
        serde_json::Value::Array(rows)
    }
}

fn finite(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// Python's `performance_metrics(df, metrics, rolling_window)`: `metrics`
/// defaults to [`Metric::ALL`]; `coverage` is left out without interval
/// columns and `mape` where some |y| < 1e-8 (as Python does; `mdape`, a
/// median, stays). Each window holds `int(rolling_window × rows)` rows
/// (at least 1, at most all); `rolling_window < 0` gives each row's value.
/// `None` when no metric is left.
pub fn performance_metrics(
    rows: &CvRows,
    metrics: Option<&[Metric]>,
    rolling_window: f64,
) -> Result<Option<PerformanceMetrics>, MetricsError> {
    if rolling_window.is_nan() {
        return Err(MetricsError::BadWindow);
    }
    let mut metrics: Vec<Metric> = metrics.map_or(Metric::ALL.to_vec(), <[Metric]>::to_vec);
    if rows.yhat_lower.is_none() || rows.yhat_upper.is_none() {
        metrics.retain(|m| *m != Metric::Coverage);
    }
    for (i, m) in metrics.iter().enumerate() {
        if metrics[..i].contains(m) {
            return Err(MetricsError::Duplicate(m.name()));
        }
    }
    let n = rows.len();
    if n == 0 {
        return Err(MetricsError::NoRows);
    }
    let sorted = SortedRows::new(rows);
    if metrics.contains(&Metric::Mape) && sorted.y.iter().any(|y| y.abs() < 1e-8) {
        metrics.retain(|m| *m != Metric::Mape);
    }
    if metrics.is_empty() {
        return Ok(None);
    }
    let w = (rolling_window * n as f64) as i64;
    let window = (w >= 0).then(|| (w.max(1) as usize).min(n));
    let mut horizon = Vec::new();
    let mut columns = Vec::new();
    for metric in metrics {
        let x = sorted.pointwise(metric);
        let (h, values) = match window {
            None => (sorted.h.clone(), x),
            Some(w) if metric == Metric::Mdape => rolling_median_by_h(&x, &sorted.h, w),
            Some(w) => rolling_mean_by_h(&x, &sorted.h, w),
        };
        let values = if metric == Metric::Rmse {
            values.into_iter().map(f64::sqrt).collect()
        } else {
            values
        };
        if columns.is_empty() {
            horizon = h;
        } else {
            debug_assert_eq!(horizon, h, "every metric has the same horizons");
        }
        columns.push((metric, values));
    }
    Ok(Some(PerformanceMetrics { horizon, columns }))
}

/// The rows in the order `df_m.sort_values('horizon')` leaves them.
struct SortedRows {
    h: Vec<i64>,
    y: Vec<f64>,
    yhat: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl SortedRows {
    fn new(rows: &CvRows) -> Self {
        let h: Vec<i64> = rows
            .ds
            .iter()
            .zip(&rows.cutoff)
            .map(|(d, c)| d - c)
            .collect();
        let order = numpy_argsort(&h);
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        Self {
            h: order.iter().map(|&i| h[i]).collect(),
            y: pick(&rows.y),
            yhat: pick(&rows.yhat),
            lower: rows.yhat_lower.as_deref().map(pick).unwrap_or_default(),
            upper: rows.yhat_upper.as_deref().map(pick).unwrap_or_default(),
        }
    }

    /// Each row's value of `metric` before averaging (`se` for mse and rmse).
    fn pointwise(&self, metric: Metric) -> Vec<f64> {
        let rows = 0..self.y.len();
        let (y, yhat) = (&self.y, &self.yhat);
        match metric {
            Metric::Mse | Metric::Rmse => rows.map(|i| (y[i] - yhat[i]).powi(2)).collect(),
            Metric::Mae => rows.map(|i| (y[i] - yhat[i]).abs()).collect(),
            Metric::Mape | Metric::Mdape => rows.map(|i| ((y[i] - yhat[i]) / y[i]).abs()).collect(),
            Metric::Smape => rows
                .map(|i| {
                    let v = (y[i] - yhat[i]).abs() / ((y[i].abs() + yhat[i].abs()) / 2.0);
                    if v.is_nan() {
                        0.0
                    } else {
                        v
                    }
                })
                .collect(),
            Metric::Coverage => rows
                .map(|i| f64::from(u8::from(y[i] >= self.lower[i] && y[i] <= self.upper[i])))
                .collect(),
        }
    }
}

/// Sum (compensated, as pandas' groupby sum) and count of `x` per distinct
/// `h` (sorted ascending, as `x` is).
fn by_horizon(x: &[f64], h: &[i64]) -> (Vec<i64>, Vec<f64>, Vec<usize>) {
    let (mut hs, mut sums, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < h.len() {
        let mut j = i;
        let (mut sum, mut compensation) = (0.0f64, 0.0f64);
        while j < h.len() && h[j] == h[i] {
            let y = x[j] - compensation;
            let t = sum + y;
            compensation = (t - sum) - y;
            sum = t;
            j += 1;
        }
        hs.push(h[i]);
        sums.push(sum);
        counts.push(j - i);
        i = j;
    }
    (hs, sums, counts)
}

/// Python's `rolling_mean_by_h`: per horizon, the mean of the last `w`
/// points up to it (whole horizons, the earliest one weighted to make `w`);
/// horizons with fewer than `w` points up to them are left out.
pub fn rolling_mean_by_h(x: &[f64], h: &[i64], w: usize) -> (Vec<i64>, Vec<f64>) {
    let (hs, xs, ns) = by_horizon(x, h);
    let g = hs.len();
    let mut res = vec![f64::NAN; g];
    let mut trailing = g as isize - 1;
    let (mut x_sum, mut n_sum) = (0.0, 0usize);
    for i in (0..g).rev() {
        x_sum += xs[i];
        n_sum += ns[i];
        while n_sum >= w {
            let excess_n = (n_sum - w) as f64;
            let excess_x = excess_n * xs[i] / ns[i] as f64;
            let t = trailing as usize;
            res[t] = (x_sum - excess_x) / w as f64;
            x_sum -= xs[t];
            n_sum -= ns[t];
            trailing -= 1;
        }
    }
    let from = (trailing + 1) as usize;
    (hs[from..].to_vec(), res[from..].to_vec())
}

/// Python's `rolling_median_by_h`: per horizon, the median of its points
/// and, while fewer than `w`, the points just before them in sorted order.
pub fn rolling_median_by_h(x: &[f64], h: &[i64], w: usize) -> (Vec<i64>, Vec<f64>) {
    let (hs, _, ns) = by_horizon(x, h);
    let starts: Vec<usize> = ns
        .iter()
        .scan(0, |at, &n| {
            let start = *at;
            *at += n;
            Some(start)
        })
        .collect();
    let (mut res_h, mut res_x) = (Vec::new(), Vec::new());
    for g in (0..hs.len()).rev() {
        let mut xs: Vec<f64> = x[starts[g]..starts[g] + ns[g]].to_vec();
        let mut next = starts[g];
        while xs.len() < w && next > 0 {
            next -= 1;
            xs.push(x[next]);
        }
        if xs.len() < w {
            break;
        }
        res_h.push(hs[g]);
        res_x.push(median(&mut xs));
    }
    res_h.reverse();
    res_x.reverse();
    (res_h, res_x)
}

/// `np.median`: NaN if any value is NaN, else the middle value (the mean of
/// the two middle ones for an even count).
fn median(xs: &mut [f64]) -> f64 {
    if xs.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's test_diagnostics `test_rolling_mean` / `test_rolling_median`.
    #[test]
    fn rolling_windows_as_python() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let h: Vec<i64> = (0..10).collect();
        let (hs, v) = rolling_mean_by_h(&x, &h, 1);
        assert_eq!((hs, v), (h.clone(), x.clone()));
        let (hs, v) = rolling_mean_by_h(&x, &h, 4);
        assert_eq!(hs, (3..10).collect::<Vec<_>>());
        assert_eq!(v, [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]);
        // Two points per horizon.
        let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let h = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
        let (hs, v) = rolling_mean_by_h(&x, &h, 1);
        assert_eq!(hs, [1, 2, 3, 4, 5]);
        assert_eq!(v, [0.5, 2.5, 4.5, 6.5, 8.5]);
        // Values from Python Prophet 1.5's functions on the same arrays.
        let (hs, v) = rolling_mean_by_h(&x, &h, 3);
        assert_eq!(hs, [2, 3, 4, 5]);
        let want = [
            1.8333333333333333,
            3.8333333333333335,
            5.833333333333333,
            7.833333333333333,
        ];
        assert!(
            v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-15),
            "{v:?}"
        );
        let (hs, v) = rolling_median_by_h(&x, &h, 3);
        assert_eq!(hs, [2, 3, 4, 5]);
        assert_eq!(v, [2.0, 4.0, 6.0, 8.0]);
        let (hs, v) = rolling_median_by_h(&x, &h, 10);
        assert_eq!((hs, v), (vec![5], vec![4.5]));
    }

    fn rows(y: Vec<f64>, yhat: Vec<f64>) -> CvRows {
        let n = y.len();
        CvRows {
            ds: (1..=n as i64).map(|d| d * 86_400).collect(),
            yhat_lower: Some(yhat.iter().map(|v| v - 1.0).collect()),
            yhat_upper: Some(yhat.iter().map(|v| v + 1.0).collect()),
            yhat,
            y,
            cutoff: vec![0; n],
        }
    }

    #[test]
    fn zeros_drop_mape_as_python_does() {
        let r = rows(vec![1.0, 0.0, 2.0, 4.0], vec![1.5, 0.5, 2.0, 2.0]);
        let pm = performance_metrics(&r, None, 0.0).unwrap().unwrap();
        let names: Vec<&str> = pm.columns.iter().map(|(m, _)| m.name()).collect();
        assert_eq!(names, ["mse", "rmse", "mae", "mdape", "smape", "coverage"]);
        assert_eq!(pm.column(Metric::Mae).unwrap(), [0.5, 0.5, 0.0, 2.0]);
        assert_eq!(pm.column(Metric::Mdape).unwrap()[1], f64::INFINITY);
        assert_eq!(pm.column(Metric::Smape).unwrap()[1], 2.0);
        assert_eq!(pm.column(Metric::Coverage).unwrap(), [1.0, 1.0, 1.0, 0.0]);
        let json = pm.to_json_records();
        assert_eq!(json[1]["mdape"], serde_json::Value::Null);
        assert_eq!(json[0]["horizon"], 1.0);
        assert!(performance_metrics(&r, Some(&[Metric::Mape]), 0.1)
            .unwrap()
            .is_none());
        // y and yhat both zero: smape's 0/0 is 0, as Python's fillna(0).
        let both = rows(vec![0.0, 1.0], vec![0.0, 1.0]);
        let pm = performance_metrics(&both, Some(&[Metric::Smape]), -1.0)
            .unwrap()
            .unwrap();
        assert_eq!(pm.column(Metric::Smape).unwrap(), [0.0, 0.0]);
        assert!(matches!(
            performance_metrics(&both, Some(&[Metric::Mse, Metric::Mse]), 0.1),
            Err(MetricsError::Duplicate("mse"))
        ));
    }

    #[test]
    fn windows_cover_a_share_of_the_rows() {
        let r = rows((0..20).map(f64::from).collect(), vec![0.0; 20]);
        // 20 rows, rolling_window 0.1: windows of 2 rows.
        let pm = performance_metrics(&r, Some(&[Metric::Mae, Metric::Rmse]), 0.1)
            .unwrap()
            .unwrap();
        assert_eq!(pm.horizon.len(), 19);
        assert_eq!(pm.column(Metric::Mae).unwrap()[0], 0.5);
        assert_eq!(pm.column(Metric::Rmse).unwrap()[0], 0.5f64.sqrt());
        // rolling_window 1: one window of everything, at the last horizon.
        let pm = performance_metrics(&r, Some(&[Metric::Mae]), 1.0)
            .unwrap()
            .unwrap();
        assert_eq!(
            (pm.horizon, pm.columns[0].1.clone()),
            (vec![20 * 86_400], vec![9.5])
        );
        // Without interval columns, no coverage.
        let mut bare = r.clone();
        bare.yhat_lower = None;
        let pm = performance_metrics(&bare, None, 0.1).unwrap().unwrap();
        assert!(pm.column(Metric::Coverage).is_none());
    }
}
