//! `calculate_initial_params`: where the optimizer starts (Python's
//! `linear_growth_init`, `logistic_growth_init`, `flat_growth_init`).

use crate::config::Growth;
use crate::history::History;

/// The initial `(k, m)` of the trend.
pub(super) fn growth_init(growth: Growth, history: &History) -> (f64, f64) {
    let (t, y) = (&history.t, &history.y_scaled);
    let last = t.len() - 1;
    match growth {
        Growth::Linear => {
            let k = (y[last] - y[0]) / (t[last] - t[0]);
            (k, y[0] - k * t[0])
        }
        Growth::Flat => (0.0, y.iter().sum::<f64>() / y.len() as f64),
        Growth::Logistic => logistic_init(t, y, history.cap_scaled.as_deref().unwrap_or(&[])),
    }
}

/// Python's `logistic_growth_init`: through the first and last points.
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
