//! The feature matrix of a model on a prepared frame, as Python Prophet's
//! `make_all_seasonality_features` builds it for both fit and predict:
//! seasonalities, then holidays, then extra regressors; and the grouping of
//! its columns into named components (`regressor_column_matrix`).

mod components;
mod seasonality;

use std::fmt;

pub(crate) use components::component_columns;
pub use components::{ComponentColumns, ComponentModes};
pub use seasonality::Seasonality;

use crate::config::Mode;
use crate::history::History;
use crate::holidays::{make_holiday_features, HolidayError, HolidaySource};
use crate::model::ProphetModel;

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

/// The name of a feature column, as Python names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureName {
    /// `{name}_delim_{index}`: sine (odd index) or cosine (even) of a seasonality, from 1.
    Seasonality {
        /// The seasonality.
        name: String,
        /// 1-based column within the seasonality.
        index: usize,
    },
    /// `{name}_delim_{+|-}{offset}`: a holiday, `offset` days from its date.
    Holiday {
        /// The holiday.
        name: String,
        /// Days from the date (the window).
        offset: i64,
    },
    /// An extra regressor's column, named after it.
    Regressor(String),
    /// The placeholder column of a model without features.
    Zeros,
}

impl FeatureName {
    /// The component the column belongs to (the part before `_delim_`).
    pub fn component(&self) -> &str {
        match self {
            FeatureName::Seasonality { name, .. }
            | FeatureName::Holiday { name, .. }
            | FeatureName::Regressor(name) => name,
            FeatureName::Zeros => "zeros",
        }
    }
}

impl fmt::Display for FeatureName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureName::Seasonality { name, index } => write!(f, "{name}_delim_{index}"),
            FeatureName::Holiday { name, offset } => {
                let sign = if *offset >= 0 { '+' } else { '-' };
                write!(f, "{name}_delim_{sign}{}", offset.abs())
            }
            FeatureName::Regressor(name) => f.write_str(name),
            FeatureName::Zeros => f.write_str("zeros"),
        }
    }
}

/// The features of a frame: the matrix, what each column is, its prior
/// scale, and the component names by mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// `rows × names.len()`, row-major.
    pub matrix: Matrix,
    /// Each column's name.
    pub names: Vec<FeatureName>,
    /// Each column's prior scale.
    pub prior_scales: Vec<f64>,
    /// Component names by mode, before the group components are added.
    pub modes: ComponentModes,
    /// The holiday names these rows produced (the fit keeps them as
    /// `train_holiday_names`); `None` without holidays.
    pub holiday_names: Option<Vec<String>>,
}

/// Why features could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// A holiday problem.
    #[error(transparent)]
    Holiday(#[from] HolidayError),
    /// A column the model needs is not in the prepared frame.
    #[error("no column `{0}` in the prepared rows")]
    MissingColumn(String),
}

/// `make_all_seasonality_features(df)`: seasonalities (in the model's order),
/// holidays (sorted by column name; country holidays from `holidays`), extra
/// regressors (in order); a single `zeros` column when there are none.
pub fn make_all_features(
    model: &ProphetModel,
    frame: &History,
    holidays: &HolidaySource,
) -> Result<Features, FeatureError> {
    let n = frame.ds.len();
    let mut blocks: Vec<(Vec<FeatureName>, Vec<f64>)> = Vec::new();
    let mut prior_scales = Vec::new();
    let mut modes = ComponentModes::default();
    for s in &model.seasonalities {
        let condition = match &s.condition_name {
            Some(c) => Some(
                frame
                    .booleans(c)
                    .ok_or_else(|| FeatureError::MissingColumn(c.clone()))?,
            ),
            None => None,
        };
        let names = (1..=s.columns())
            .map(|index| FeatureName::Seasonality {
                name: s.name.clone(),
                index,
            })
            .collect();
        blocks.push((names, s.fourier_series(&frame.ds, condition)));
        prior_scales.extend(std::iter::repeat(s.prior_scale).take(s.columns()));
        modes.push(s.mode, &s.name);
    }
    let mut holiday_names = None;
    let holidays = model.holidays.dataframe(&frame.ds, holidays)?;
    if !holidays.is_empty() {
        let h = make_holiday_features(&frame.ds, &holidays, model.settings.holidays_prior_scale)?;
        let (names, columns): (Vec<FeatureName>, Vec<Vec<f64>>) = h.columns.into_iter().unzip();
        blocks.push((names, column_major_to_rows(&columns, n)));
        prior_scales.extend(h.prior_scales);
        for name in &h.names {
            modes.push(model.settings.holidays_mode, name);
        }
        holiday_names = Some(h.names);
    }
    for r in &model.extra_regressors {
        let values = frame
            .numbers(&r.name)
            .ok_or_else(|| FeatureError::MissingColumn(r.name.clone()))?;
        blocks.push((
            vec![FeatureName::Regressor(r.name.clone())],
            values.to_vec(),
        ));
        prior_scales.push(r.prior_scale);
        modes.push(r.mode, &r.name);
    }
    if blocks.is_empty() {
        blocks.push((vec![FeatureName::Zeros], vec![0.0; n]));
        prior_scales.push(1.0);
    }
    let names: Vec<FeatureName> = blocks.iter().flat_map(|(names, _)| names.clone()).collect();
    let cols = names.len();
    let mut data = vec![0.0; n * cols];
    let mut offset = 0;
    for (block_names, values) in &blocks {
        let width = block_names.len();
        for i in 0..n {
            data[i * cols + offset..i * cols + offset + width]
                .copy_from_slice(&values[i * width..(i + 1) * width]);
        }
        offset += width;
    }
    Ok(Features {
        matrix: Matrix {
            rows: n,
            cols,
            data,
        },
        names,
        prior_scales,
        modes,
        holiday_names,
    })
}

/// Columns (each `rows` long) as one row-major block.
fn column_major_to_rows(columns: &[Vec<f64>], rows: usize) -> Vec<f64> {
    let width = columns.len();
    let mut out = vec![0.0; rows * width];
    for (j, column) in columns.iter().enumerate() {
        for (i, v) in column.iter().enumerate() {
            out[i * width + j] = *v;
        }
    }
    out
}

impl ComponentModes {
    /// Adds a component to a mode's list.
    pub(crate) fn push(&mut self, mode: Mode, name: &str) {
        match mode {
            Mode::Additive => self.additive.push(name.into()),
            Mode::Multiplicative => self.multiplicative.push(name.into()),
        }
    }
}
