//! `make_future_dataframe`: the dates after the history at a calendar
//! frequency, given or inferred from the history as pandas infers it.

use super::ForecastError;
use crate::config::Growth;
use crate::frame::Frame;
use crate::frequency::{self, Frequency};
use crate::model::ProphetModel;
use crate::time::Timestamp;

/// The frequency of the model's history as `make_future_dataframe(freq=None)`
/// infers it (`pd.infer_freq` of the last five history dates).
pub fn infer_frequency(model: &ProphetModel) -> Result<Frequency, ForecastError> {
    Ok(frequency::infer_history_frequency(&model.history_dates)?)
}

/// `make_future_dataframe(periods, freq, include_history=False)`: the
/// `periods` dates after the history at `freq`, or at the history's inferred
/// frequency when `freq` is `None` (a typed error naming `--freq` when none
/// can be inferred: never a guessed step).
pub fn future_dates(
    model: &ProphetModel,
    periods: usize,
    freq: Option<Frequency>,
) -> Result<Vec<Timestamp>, ForecastError> {
    let freq = match freq {
        Some(f) => f,
        None => infer_frequency(model)?,
    };
    let last = model.last_date().ok_or(ForecastError::NoRows)?;
    Ok(frequency::future_dates(last, periods, freq)?)
}

/// The rows the seed endpoint forecasts: [`future_dates`] and, for logistic
/// growth, the history's last `cap` (and `floor`) on every row. A model that
/// needs other columns (regressors, conditions) cannot be forecast from dates
/// alone: `predict` names what is missing.
pub fn future_frame(
    model: &ProphetModel,
    periods: usize,
    freq: Option<Frequency>,
) -> Result<Frame, ForecastError> {
    let ds = future_dates(model, periods, freq)?;
    let n = ds.len();
    let mut frame = Frame::future(ds);
    if model.growth() == Growth::Logistic {
        if let Some(cap) = model.history.cap.as_ref().and_then(|c| c.last()) {
            frame.cap = Some(vec![*cap; n]);
        }
        if model.logistic_floor {
            if let Some(floor) = model.history.floor.last() {
                frame.floor = Some(vec![*floor; n]);
            }
        }
    }
    Ok(frame)
}
