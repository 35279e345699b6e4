//! Trend functions of Prophet's Stan model and of `predict`.

/// `piecewise_linear`: rate `k` plus every `delta` whose changepoint is at or
/// before `t`, offset adjusted for continuity.
pub fn piecewise_linear(
    t: &[f64],
    deltas: &[f64],
    k: f64,
    m: f64,
    changepoints: &[f64],
) -> Vec<f64> {
    t.iter()
        .map(|&ti| {
            let (mut rate, mut offset) = (k, m);
            for (d, c) in deltas.iter().zip(changepoints) {
                if *c <= ti {
                    rate += d;
                    offset -= d * c;
                }
            }
            rate * ti + offset
        })
        .collect()
}

/// Offsets `gamma` that keep the logistic trend continuous at each changepoint.
pub fn logistic_gammas(k: f64, m: f64, deltas: &[f64], changepoints: &[f64]) -> Vec<f64> {
    let mut gammas = Vec::with_capacity(changepoints.len());
    let (mut k_prev, mut m_prev) = (k, m);
    for (d, c) in deltas.iter().zip(changepoints) {
        let k_next = k_prev + d;
        let g = (c - m_prev) * (1.0 - k_prev / k_next);
        gammas.push(g);
        m_prev += g;
        k_prev = k_next;
    }
    gammas
}

/// `piecewise_logistic`: `cap / (1 + exp(-k_t (t - m_t)))`.
pub fn piecewise_logistic(
    t: &[f64],
    cap: &[f64],
    deltas: &[f64],
    k: f64,
    m: f64,
    changepoints: &[f64],
) -> Vec<f64> {
    let gammas = logistic_gammas(k, m, deltas, changepoints);
    t.iter()
        .zip(cap)
        .map(|(&ti, &c)| {
            let (mut rate, mut offset) = (k, m);
            for ((d, g), cp) in deltas.iter().zip(&gammas).zip(changepoints) {
                if ti >= *cp {
                    rate += d;
                    offset += g;
                }
            }
            c / (1.0 + (-rate * (ti - offset)).exp())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_is_continuous_at_changepoints() {
        let y = piecewise_linear(&[0.5 - 1e-12, 0.5, 1.0], &[2.0], 1.0, 0.0, &[0.5]);
        assert!((y[0] - y[1]).abs() < 1e-9);
        assert!((y[2] - (0.5 + 3.0 * 0.5)).abs() < 1e-12);
    }

    #[test]
    fn logistic_is_continuous_and_bounded() {
        let cap = [2.0; 3];
        let y = piecewise_logistic(&[0.5 - 1e-12, 0.5, 50.0], &cap, &[1.0], 1.0, 0.2, &[0.5]);
        assert!((y[0] - y[1]).abs() < 1e-9);
        assert!(y[2] <= 2.0 && y[2] > 1.99);
    }
}
