//! Seasonalities: Fourier series of a period, optionally on only the rows
//! where a boolean condition holds (`add_seasonality(condition_name=...)`).

use crate::config::Mode;
use crate::time::Timestamp;

/// One seasonal component (`add_seasonality` or an automatic one).
#[derive(Debug, Clone, PartialEq)]
pub struct Seasonality {
    /// Name, and prefix of its feature columns.
    pub name: String,
    /// Period in days.
    pub period: f64,
    /// Number of sine/cosine pairs.
    pub fourier_order: u32,
    /// Prior scale of its coefficients.
    pub prior_scale: f64,
    /// Additive or multiplicative.
    pub mode: Mode,
    /// Name of a boolean column: the seasonality applies only where it is true.
    pub condition_name: Option<String>,
}

impl Seasonality {
    /// Number of feature columns: a sine and a cosine per order.
    pub fn columns(&self) -> usize {
        (self.fourier_order as usize).saturating_mul(2)
    }

    /// `fourier_series(dates, period, order)`, row-major (`ds.len() ×
    /// self.columns()`), zero on rows where `condition` is false.
    pub(crate) fn fourier_series(&self, ds: &[Timestamp], condition: Option<&[bool]>) -> Vec<f64> {
        let width = self.columns();
        let mut out = vec![0.0; ds.len() * width];
        for (i, &when) in ds.iter().enumerate() {
            if condition.is_some_and(|c| !c[i]) {
                continue;
            }
            // Same operation order as prophet.forecaster.fourier_series.
            let days = when as f64 / 86_400.0;
            let x_t = std::f64::consts::PI * 2.0 * days;
            let row = &mut out[i * width..(i + 1) * width];
            for order in 0..self.fourier_order as usize {
                let c = (order + 1) as f64 / self.period * x_t;
                let (sin, cos) = c.sin_cos();
                row[2 * order] = sin;
                row[2 * order + 1] = cos;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourier_columns_are_sin_cos_pairs_and_conditions_zero_rows() {
        let s = Seasonality {
            name: "weekly".into(),
            period: 7.0,
            fourier_order: 2,
            prior_scale: 10.0,
            mode: Mode::Additive,
            condition_name: Some("on".into()),
        };
        let x = s.fourier_series(&[86_400 * 3, 86_400 * 4], Some(&[true, false]));
        let c = 2.0 * std::f64::consts::PI * 3.0 / 7.0;
        let want = [c.sin(), c.cos(), (2.0 * c).sin(), (2.0 * c).cos()];
        for (a, b) in x[..4].iter().zip(want) {
            assert!((a - b).abs() < 1e-12);
        }
        assert_eq!(&x[4..], &[0.0; 4]);
    }
}
