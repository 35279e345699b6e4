//! Comparing an uncertainty band with Python's: both are Monte-Carlo
//! estimates from independent draws.

pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

pub fn mean_width(lo: &[f64], hi: &[f64]) -> f64 {
    lo.iter().zip(hi).map(|(l, h)| h - l).sum::<f64>() / lo.len() as f64
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// How far apart two Monte-Carlo estimates of one band edge may be.
///
/// Python and we each take the 10th and 90th percentile (interval_width 0.8)
/// of `samples` independent draws. The standard error of a sample
/// p-quantile is `sqrt(p(1-p)/samples) / f(x_p)`; for draws that are roughly
/// normal with spread σ, `f(x_p) = φ(z)/σ` with `z = Φ⁻¹(0.9)`, and σ follows
/// from the band's own width, `(upper - lower) / 2z`. The difference of two
/// independent estimates has √2 times that error; five of those is the limit
/// (about 1 in 1.7 million per comparison, so under 1 in 1,000 over the ~270
/// comparisons of the seven cases; no failure in 1,000 seeds tried). With
/// 1,000 draws this is about 15% of the band's width: a band moved by the
/// additive terms (the sign of `+ additive[i]` in the simulation) is far
/// outside it.
pub fn band_edge_tolerance(width: f64, interval_width: f64, samples: u32) -> f64 {
    assert_eq!(interval_width, 0.8, "the constants below are for 0.8");
    const Z: f64 = 1.281_551_565_544_600_4; // Φ⁻¹(0.9)
    const DENSITY_AT_Z: f64 = 0.175_498_331_932_486_85; // φ(Z)
    let p = (1.0 - interval_width) / 2.0;
    let sigma = width / (2.0 * Z);
    let standard_error = (p * (1.0 - p) / samples as f64).sqrt() * sigma / DENSITY_AT_Z;
    5.0 * std::f64::consts::SQRT_2 * standard_error
}

/// The band sits where Python's does: each row's `yhat_lower` and
/// `yhat_upper`, and their means over the rows, within the Monte-Carlo error
/// of both sides' draws. (Means alone would miss a band moved up on some
/// days and down on others, e.g. by weekly terms over whole weeks.)
pub fn assert_band_matches(
    id: &str,
    ours: (&[f64], &[f64]),
    theirs: (&[f64], &[f64]),
    interval_width: f64,
    samples: u32,
) {
    let (py_lo, py_hi) = theirs;
    let tolerance = |width: f64| band_edge_tolerance(width, interval_width, samples);
    for (edge, o_values, t_values) in [("yhat_lower", ours.0, py_lo), ("yhat_upper", ours.1, py_hi)]
    {
        for (i, (o, t)) in o_values.iter().zip(t_values).enumerate() {
            let tol = tolerance(py_hi[i] - py_lo[i]);
            assert!(
                (o - t).abs() <= tol,
                "{id}: {edge}[{i}] {o} vs Python's {t} (tolerance {tol})"
            );
        }
        // The error of a mean of correlated estimates is at most the mean error.
        let tol = tolerance(mean_width(py_lo, py_hi));
        let (o, t) = (mean(o_values), mean(t_values));
        assert!(
            (o - t).abs() <= tol,
            "{id}: mean {edge} {o} vs Python's {t} (tolerance {tol})"
        );
    }
}
