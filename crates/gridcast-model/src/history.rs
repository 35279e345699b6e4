//! Python Prophet's `setup_dataframe`: a [`Frame`] checked against what the
//! model needs, sorted by time and scaled. For the fit's rows the result is
//! the model's `history` (model.json keeps it); for rows to forecast it is
//! what `predict` works on.

use crate::config::{Growth, Scaling};
use crate::frame::{Column, ColumnUse, Frame, FrameError};
use crate::model::ProphetModel;
use crate::time::Timestamp;

/// Rows after `setup_dataframe`: sorted by `ds`, with scaled time `t`, the
/// floor, the scaled capacity, standardized regressors and boolean
/// conditions. `y` and `y_scaled` are empty for rows to forecast.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// Timestamps, ascending.
    pub ds: Vec<Timestamp>,
    /// Observed values (empty for rows to forecast).
    pub y: Vec<f64>,
    /// Capacities (logistic growth; or given with the rows).
    pub cap: Option<Vec<f64>>,
    /// Floor per row (the `floor` column for logistic growth with one, else 0
    /// for absmax scaling and `y_min` for minmax).
    pub floor: Vec<f64>,
    /// Scaled capacities (logistic growth only).
    pub cap_scaled: Option<Vec<f64>>,
    /// Scaled time: 0 at the first training row, 1 at the last.
    pub t: Vec<f64>,
    /// Scaled observations (empty for rows to forecast).
    pub y_scaled: Vec<f64>,
    /// Extra columns in order: regressors (standardized) and conditions.
    pub columns: Vec<(String, ColumnValues)>,
}

/// The values of an extra column of a [`History`].
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// A regressor (standardized) or any other numeric column.
    Numbers(Vec<f64>),
    /// A seasonality's condition.
    Booleans(Vec<bool>),
}

impl History {
    /// The numeric column called `name`.
    pub fn numbers(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find_map(|(n, v)| match v {
            ColumnValues::Numbers(v) if n == name => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The boolean column called `name`.
    pub fn booleans(&self, name: &str) -> Option<&[bool]> {
        self.columns.iter().find_map(|(n, v)| match v {
            ColumnValues::Booleans(v) if n == name => Some(v.as_slice()),
            _ => None,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }
}

/// The rows `rows` of `frame` in time order (stable), or the first
/// timestamp that appears twice.
pub(crate) fn time_order(frame: &Frame, rows: &[usize]) -> Result<Vec<usize>, FrameError> {
    let mut order = rows.to_vec();
    crate::time::sort_by_time(&mut order, &frame.ds);
    for w in order.windows(2) {
        if frame.ds[w[0]] == frame.ds[w[1]] {
            let (first, later) = (w[0].min(w[1]), w[0].max(w[1]));
            return Err(FrameError::DuplicateTimestamp {
                at: frame.row_ref(later),
                first: frame.row_ref(first),
                ds: frame.ds[later],
            });
        }
    }
    Ok(order)
}

/// The values of `values` (a column of `frame` called `name`) at `rows`, each
/// a finite number, or an error naming the first row that is not.
pub(crate) fn finite_values(
    frame: &Frame,
    rows: &[usize],
    name: &str,
    values: &[f64],
    role: &ColumnUse,
) -> Result<Vec<f64>, FrameError> {
    // A plain loop rather than `collect::<Result<_, _>>()`: the same first
    // error, and less wasm than the iterator adapters behind that collect.
    let mut out = Vec::with_capacity(rows.len());
    for &i in rows {
        out.push(match values[i] {
            v if v.is_nan() => {
                return Err(FrameError::MissingValue {
                    at: frame.row_ref(i),
                    column: name.into(),
                    role: role.clone(),
                })
            }
            v if v.is_infinite() => {
                return Err(FrameError::Infinite {
                    at: frame.row_ref(i),
                    column: name.into(),
                })
            }
            v => v,
        });
    }
    Ok(out)
}

/// The extra column `name` of `frame`, if present and without text cells in
/// `rows`.
pub(crate) fn extra_column<'a>(
    frame: &'a Frame,
    rows: &[usize],
    name: &str,
    role: &ColumnUse,
) -> Result<&'a Column, FrameError> {
    let column = frame
        .column(name)
        .ok_or_else(|| FrameError::MissingColumn {
            column: name.into(),
            role: role.clone(),
        })?;
    if let Some((row, text)) = &column.text {
        if rows.contains(row) {
            return Err(FrameError::NotANumber {
                at: frame.row_ref(*row),
                column: name.into(),
                text: text.clone(),
            });
        }
    }
    Ok(column)
}

/// A regressor's raw values at `rows`.
pub(crate) fn regressor_values(
    frame: &Frame,
    rows: &[usize],
    name: &str,
) -> Result<Vec<f64>, FrameError> {
    let role = ColumnUse::Regressor;
    let column = extra_column(frame, rows, name, &role)?;
    finite_values(frame, rows, name, &column.values, &role)
}

/// A condition's values at `rows`: each 1 or 0 (true or false).
fn condition_values(
    frame: &Frame,
    rows: &[usize],
    name: &str,
    seasonality: &str,
) -> Result<Vec<bool>, FrameError> {
    let role = ColumnUse::Condition {
        seasonality: seasonality.into(),
    };
    let column = extra_column(frame, rows, name, &role).map_err(|e| match e {
        FrameError::NotANumber { at, column, text } => FrameError::NotBoolean {
            at,
            column,
            role: role.clone(),
            value: format!("{text:?}"),
        },
        other => other,
    })?;
    let mut out = Vec::with_capacity(rows.len());
    for &i in rows {
        out.push(match column.values[i] {
            v if v == 1.0 => true,
            v if v == 0.0 => false,
            v => {
                return Err(FrameError::NotBoolean {
                    at: frame.row_ref(i),
                    column: name.into(),
                    role: role.clone(),
                    value: v.to_string(),
                })
            }
        });
    }
    Ok(out)
}

/// `setup_dataframe` on the rows `rows` of `frame`, with the model's scales
/// already set: every column the model needs is present and valid (errors
/// name the row and column), rows sorted by time.
pub(crate) fn setup_dataframe(
    model: &ProphetModel,
    frame: &Frame,
    rows: &[usize],
) -> Result<History, FrameError> {
    frame.check_lengths()?;
    let order = time_order(frame, rows)?;
    let mut columns = Vec::new();
    for r in &model.extra_regressors {
        let values = regressor_values(frame, &order, &r.name)?;
        let standardized = values.iter().map(|&v| r.standardized(v)).collect();
        columns.push((r.name.clone(), ColumnValues::Numbers(standardized)));
    }
    for s in &model.seasonalities {
        let Some(name) = &s.condition_name else {
            continue;
        };
        if !columns.iter().any(|(n, _)| n == name) {
            let values = condition_values(frame, &order, name, &s.name)?;
            columns.push((name.clone(), ColumnValues::Booleans(values)));
        }
    }

    let ds: Vec<Timestamp> = order.iter().map(|&i| frame.ds[i]).collect();
    let floor = if model.logistic_floor {
        let values = frame.floor.as_ref().ok_or(FrameError::MissingColumn {
            column: "floor".into(),
            role: ColumnUse::Floor,
        })?;
        finite_values(frame, &order, "floor", values, &ColumnUse::Floor)?
    } else {
        let value = match model.settings.scaling {
            Scaling::Absmax => 0.0,
            Scaling::Minmax => model.y_min,
        };
        vec![value; ds.len()]
    };
    let cap = match (model.growth(), &frame.cap) {
        (Growth::Logistic, None) => {
            return Err(FrameError::MissingColumn {
                column: "cap".into(),
                role: ColumnUse::Cap,
            })
        }
        (Growth::Logistic, Some(values)) => Some(finite_values(
            frame,
            &order,
            "cap",
            values,
            &ColumnUse::Cap,
        )?),
        // Python keeps (and predict returns) a `cap` column it does not use.
        (_, Some(values)) => Some(order.iter().map(|&i| values[i]).collect()),
        (_, None) => None,
    };
    let cap_scaled = match (&cap, model.growth()) {
        (Some(cap), Growth::Logistic) => {
            for (k, (&c, &f)) in cap.iter().zip(&floor).enumerate() {
                if c <= f {
                    return Err(FrameError::CapNotAboveFloor {
                        at: frame.row_ref(order[k]),
                        cap: c,
                        floor: f,
                    });
                }
            }
            Some(
                cap.iter()
                    .zip(&floor)
                    .map(|(c, f)| (c - f) / model.y_scale)
                    .collect(),
            )
        }
        _ => None,
    };
    let t = ds.iter().map(|&d| model.scaled_time(d)).collect();
    let (y, y_scaled) = match &frame.y {
        Some(y) if order.iter().all(|&i| !y[i].is_nan()) => {
            let y = finite_values(frame, &order, "y", y, &ColumnUse::Y)?;
            let scaled = y
                .iter()
                .zip(&floor)
                .map(|(v, f)| (v - f) / model.y_scale)
                .collect();
            (y, scaled)
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(History {
        ds,
        y,
        cap,
        floor,
        cap_scaled,
        t,
        y_scaled,
        columns,
    })
}
