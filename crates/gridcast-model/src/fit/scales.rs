//! `initialize_scales`: the scale of `y`, the time origin and span, and each
//! regressor's mean and standard deviation, from the training rows.

use super::FitError;
use crate::config::{Growth, Scaling};
use crate::frame::{ColumnUse, Frame, FrameError};
use crate::history::{finite_values, regressor_values};
use crate::model::ProphetModel;

/// Sets `y_scale`, `y_min`, `logistic_floor`, `start`, `t_scale` and the
/// regressors' `mu`/`std` from the training rows `rows` of `frame` (those with
/// an observed `y`).
pub(super) fn initialize_scales(
    model: &mut ProphetModel,
    frame: &Frame,
    rows: &[usize],
) -> Result<(), FitError> {
    let y_all = frame.y.as_deref().expect("fit checked y");
    let y = finite_values(frame, rows, "y", y_all, &ColumnUse::Y)?;
    let logistic_floor = model.growth() == Growth::Logistic && frame.floor.is_some();
    model.logistic_floor = logistic_floor;
    let (y_min, y_scale) = if logistic_floor {
        let floor = finite_values(
            frame,
            rows,
            "floor",
            frame.floor.as_deref().expect("checked above"),
            &ColumnUse::Floor,
        )?;
        match model.settings.scaling {
            Scaling::Absmax => {
                let gaps = y.iter().zip(&floor).map(|(y, f)| (y - f).abs());
                let min = gaps.clone().fold(f64::INFINITY, f64::min);
                (min, gaps.fold(0.0f64, f64::max))
            }
            Scaling::Minmax => {
                let cap = frame.cap.as_deref().ok_or(FrameError::MissingColumn {
                    column: "cap".into(),
                    role: ColumnUse::Cap,
                })?;
                let cap = finite_values(frame, rows, "cap", cap, &ColumnUse::Cap)?;
                let lo = floor.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = cap.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi - lo)
            }
        }
    } else {
        match model.settings.scaling {
            Scaling::Absmax => (0.0, y.iter().fold(0.0f64, |a, v| a.max(v.abs()))),
            Scaling::Minmax => {
                let lo = y.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi - lo)
            }
        }
    };
    model.y_min = y_min;
    model.y_scale = if y_scale == 0.0 { 1.0 } else { y_scale };

    let first = rows.iter().map(|&i| frame.ds[i]).min().expect("rows");
    let last = rows.iter().map(|&i| frame.ds[i]).max().expect("rows");
    model.start = first as f64;
    model.t_scale = (last - first) as f64;
    if model.t_scale <= 0.0 {
        return Err(FitError::NoTimeSpan(rows.len()));
    }
    for i in 0..model.extra_regressors.len() {
        let name = model.extra_regressors[i].name.clone();
        let values = regressor_values(frame, rows, &name)?;
        model.extra_regressors[i].initialize_scales(&values);
    }
    Ok(())
}
