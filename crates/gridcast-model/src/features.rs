//! Seasonal features: Fourier columns per seasonality, in Python Prophet's
//! column order, and the grouping of columns into named components.

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
    /// Name of a boolean condition column (not supported when predicting).
    pub condition_name: Option<String>,
}

/// A dense row-major matrix: `rows` × `cols`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl Matrix {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// `self · v` for a vector of length `cols`.
    pub fn mul_vec(&self, v: &[f64]) -> Vec<f64> {
        (0..self.rows).map(|i| dot(self.row(i), v)).collect()
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The seasonal feature matrix of `ds` in Prophet's column order: for each
/// seasonality (in insertion order) `sin, cos` of orders 1..=N; a single
/// `zeros` column when there are no seasonalities. Also returns the prior
/// scale of every column.
pub fn seasonal_features(seasonalities: &[Seasonality], ds: &[Timestamp]) -> (Matrix, Vec<f64>) {
    let cols: usize = seasonalities
        .iter()
        .map(|s| 2 * s.fourier_order as usize)
        .sum();
    if cols == 0 {
        return (
            Matrix {
                rows: ds.len(),
                cols: 1,
                data: vec![0.0; ds.len()],
            },
            vec![1.0],
        );
    }
    let mut data = vec![0.0; ds.len() * cols];
    let mut priors = Vec::with_capacity(cols);
    let mut offset = 0;
    for s in seasonalities {
        for (i, &when) in ds.iter().enumerate() {
            // Same operation order as prophet.forecaster.fourier_series.
            let days = when as f64 / 86_400.0;
            let x_t = std::f64::consts::PI * 2.0 * days;
            let row = &mut data[i * cols + offset..];
            for order in 0..s.fourier_order as usize {
                let c = (order + 1) as f64 / s.period * x_t;
                let (sin, cos) = c.sin_cos();
                row[2 * order] = sin;
                row[2 * order + 1] = cos;
            }
        }
        priors.extend(std::iter::repeat(s.prior_scale).take(2 * s.fourier_order as usize));
        offset += 2 * s.fourier_order as usize;
    }
    (
        Matrix {
            rows: ds.len(),
            cols,
            data,
        },
        priors,
    )
}

/// Which feature columns make up each named component (`train_component_cols`):
/// one indicator vector per component, in Prophet's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentColumns {
    /// `(component name, indicator per feature column)`.
    pub components: Vec<(String, Vec<u8>)>,
}

impl ComponentColumns {
    /// The indicator vector of a component, if present.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.components
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The indicator of `additive_terms` or `multiplicative_terms` as floats.
    pub fn indicator(&self, name: &str, cols: usize) -> Vec<f64> {
        match self.get(name) {
            Some(v) => v.iter().map(|&b| b as f64).collect(),
            None => vec![0.0; cols],
        }
    }
}

/// Names of the components in each mode (`component_modes`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComponentModes {
    /// Additive components, including the `additive_terms` group.
    pub additive: Vec<String>,
    /// Multiplicative components, including the `multiplicative_terms` group.
    pub multiplicative: Vec<String>,
}

impl ComponentModes {
    /// Whether the named component is additive (scaled by `y_scale`).
    pub fn is_additive(&self, name: &str) -> bool {
        self.additive.iter().any(|n| n == name)
    }
}

/// Builds `train_component_cols` and `component_modes` exactly as Python's
/// `regressor_column_matrix` does (no holidays or extra regressors): one
/// component per seasonality, the `additive_terms`/`multiplicative_terms`
/// groups, columns sorted by name (pandas' crosstab), missing group columns
/// appended, the `zeros` placeholder dropped.
pub fn component_columns(
    seasonalities: &[Seasonality],
    holidays_mode: Mode,
) -> (ComponentColumns, ComponentModes) {
    let cols: usize = seasonalities
        .iter()
        .map(|s| 2 * s.fourier_order as usize)
        .sum::<usize>()
        .max(1);
    let mut pairs: Vec<(usize, String)> = Vec::new();
    let mut offset = 0;
    for s in seasonalities {
        for c in 0..2 * s.fourier_order as usize {
            pairs.push((offset + c, s.name.clone()));
        }
        offset += 2 * s.fourier_order as usize;
    }
    if seasonalities.is_empty() {
        pairs.push((0, "zeros".to_string()));
    }
    let mut modes = ComponentModes::default();
    for s in seasonalities {
        match s.mode {
            Mode::Additive => modes.additive.push(s.name.clone()),
            Mode::Multiplicative => modes.multiplicative.push(s.name.clone()),
        }
    }
    for (mode, list) in [
        (Mode::Additive, modes.additive.clone()),
        (Mode::Multiplicative, modes.multiplicative.clone()),
    ] {
        let group = format!("{}_terms", mode.as_str());
        let members: Vec<usize> = pairs
            .iter()
            .filter(|(_, n)| list.contains(n))
            .map(|(c, _)| *c)
            .collect();
        pairs.extend(members.into_iter().map(|c| (c, group.clone())));
    }
    modes
        .additive
        .extend(["additive_terms".into(), "extra_regressors_additive".into()]);
    modes.multiplicative.extend([
        "multiplicative_terms".into(),
        "extra_regressors_multiplicative".into(),
    ]);
    match holidays_mode {
        Mode::Additive => modes.additive.push("holidays".into()),
        Mode::Multiplicative => modes.multiplicative.push("holidays".into()),
    }
    let mut names: Vec<String> = pairs.iter().map(|(_, n)| n.clone()).collect();
    names.sort();
    names.dedup();
    for group in ["additive_terms", "multiplicative_terms"] {
        if !names.iter().any(|n| n == group) {
            names.push(group.into());
        }
    }
    names.retain(|n| n != "zeros");
    let components = names
        .into_iter()
        .map(|name| {
            let mut ind = vec![0u8; cols];
            for (c, n) in &pairs {
                if *n == name {
                    ind[*c] = 1;
                }
            }
            (name, ind)
        })
        .collect();
    (ComponentColumns { components }, modes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seasonality(name: &str, order: u32, mode: Mode) -> Seasonality {
        Seasonality {
            name: name.into(),
            period: 7.0,
            fourier_order: order,
            prior_scale: 10.0,
            mode,
            condition_name: None,
        }
    }

    #[test]
    fn component_columns_follow_pandas_crosstab_order() {
        // hourly_mult in the fixtures: weekly then daily, both multiplicative.
        let s = [
            seasonality("weekly", 3, Mode::Multiplicative),
            seasonality("daily", 4, Mode::Multiplicative),
        ];
        let (cols, modes) = component_columns(&s, Mode::Multiplicative);
        let names: Vec<_> = cols.components.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["daily", "multiplicative_terms", "weekly", "additive_terms"]
        );
        assert_eq!(
            cols.get("daily").unwrap(),
            &[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
        );
        assert_eq!(
            cols.get("multiplicative_terms")
                .unwrap()
                .iter()
                .map(|&b| b as usize)
                .sum::<usize>(),
            14
        );
        assert!(modes.multiplicative.contains(&"holidays".to_string()));
    }

    #[test]
    fn no_seasonality_means_one_zero_column() {
        let (x, priors) = seasonal_features(&[], &[0, 86_400]);
        assert_eq!((x.rows, x.cols, priors), (2, 1, vec![1.0]));
        let (cols, _) = component_columns(&[], Mode::Additive);
        assert_eq!(
            cols.components,
            vec![
                ("additive_terms".into(), vec![0]),
                ("multiplicative_terms".into(), vec![0])
            ]
        );
    }

    #[test]
    fn fourier_columns_are_sin_cos_pairs() {
        let s = [seasonality("weekly", 2, Mode::Additive)];
        let (x, _) = seasonal_features(&s, &[86_400 * 3]);
        let c = 2.0 * std::f64::consts::PI * 3.0 / 7.0;
        let want = [c.sin(), c.cos(), (2.0 * c).sin(), (2.0 * c).cos()];
        for (a, b) in x.row(0).iter().zip(want) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
