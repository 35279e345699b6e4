//! `GET /endpoints/{name}/readings/{TargetModel}`: what happened after the
//! model's training end against what the model forecast for those days.
//!
//! The readings are the customer's processed CSV (`<id>.csv`, what `gridcast
//! process` writes) at `--readings` (a directory or `s3://` prefix), read
//! only for a caller who may invoke the model, at most
//! [`MAX_READINGS_BYTES`]. The answer is pandas `to_json()` of Python's
//! `cross_validation` rows without the cutoff — `ds`, `yhat`, `yhat_lower`,
//! `yhat_upper`, `y` — for the first [`MAX_READINGS_ROWS`] readings after
//! the model's last training row, forecast with the invocation's seed and
//! regressors taken from the readings' own columns (else the covariates
//! feed, as an invocation's are).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use gridcast_api::{ForecastRequest, FutureRows};
use gridcast_model::{predict, to_pandas_json, Forecast, ForecastOptions, Frame, Timestamp};
use tokio::time::timeout_at;

use super::{compute_error, deadline, forecast_error, future, load_error, SignedModelGet};
use crate::artifact_source::get_bounded;
use crate::error::ApiError;
use crate::model_cache::{LoadError, LoadedModel};
use crate::state::SharedState;

/// Largest readings file read (ten years of hourly readings with a few
/// carried columns is about 4 MiB).
pub const MAX_READINGS_BYTES: u64 = 8 << 20;

/// Most rows an answer carries: the earliest after the training end (ten
/// years of days, the most an invocation forecasts).
pub const MAX_READINGS_ROWS: usize = 3_650;

/// The forecast columns an answer keeps, in `cross_validation`'s order, before `y`.
const FORECAST_COLUMNS: [&str; 3] = ["yhat", "yhat_lower", "yhat_upper"];

/// The signed-in customer's readings after their model's training end, each
/// beside the model's forecast for it.
pub async fn readings(
    State(state): State<SharedState>,
    get: SignedModelGet,
) -> Result<Response, ApiError> {
    get.accepts_json()?;
    let target = &get.target;
    let Some(location) = &state.config.readings else {
        return Err(ApiError::validation(
            "This endpoint serves no readings: start gridcast serve with --readings LOCATION (the customers' processed CSVs)",
        ));
    };
    let file = target.readings_name()?;
    let deadline = deadline(&state);
    let model = get.model(&state, deadline).await?;
    let bytes = match get_bounded(location, &file, None, MAX_READINGS_BYTES).await {
        Ok(found) => found.expect("no etag given").0,
        Err(LoadError::NotFound(_)) => {
            return Err(ApiError::validation(format!(
                "TargetModel {} has no readings at the readings location: no {file} (gridcast process writes one per customer)",
                target.as_str()
            )))
        }
        Err(e) => return Err(load_error(target, e)),
    };
    let feed = state.covariates.as_ref().and_then(|f| f.current());
    let target_name = target.as_str().to_owned();
    let work = move || {
        let readings = Frame::from_csv(&bytes)
            .map_err(|e| ApiError::model(format!("the readings {file} do not read: {e}")))?;
        let after = after_training(&readings, model.model.last_date(), MAX_READINGS_ROWS);
        against_forecast(&model, &target_name, &after, feed.as_deref())
    };
    let answer = timeout_at(deadline, state.compute.run(get.caller(), work))
        .await
        .map_err(|_| ApiError::model_timeout(state.config.server.invocation_timeout.as_secs()))?
        .map_err(compute_error)??;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        answer,
    )
        .into_response())
}

/// The rows of `readings` after `trained_through` in time order, at most
/// `max` (the earliest).
pub fn after_training(readings: &Frame, trained_through: Option<Timestamp>, max: usize) -> Frame {
    let keep: Vec<usize> = readings
        .time_order()
        .into_iter()
        .filter(|&i| trained_through.is_none_or(|end| readings.ds[i] > end))
        .take(max)
        .collect();
    readings.select(&keep)
}

/// The model's forecast for the days of `after` with their readings as `y`
/// (model code: run it on a worker).
fn against_forecast(
    model: &LoadedModel,
    target: &str,
    after: &Frame,
    feed: Option<&crate::covariates::Covariates>,
) -> Result<Bytes, ApiError> {
    let first_index = model.model.history_dates.len();
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    if !after.is_empty() {
        let needed = model.model.required_future_columns();
        let mut rows = FutureRows::from_frame(after);
        rows.columns
            .retain(|(name, _)| needed.iter().any(|c| &c.name == name));
        let request = ForecastRequest::future(rows);
        let frame = future::prepare(&model.model, target, &request, feed)?;
        let options = ForecastOptions {
            seed: Some(model.answer_seed(after.len())),
            ..Default::default()
        };
        let forecast = predict(&model.model, &frame, &options).map_err(forecast_error)?;
        for name in FORECAST_COLUMNS {
            let values = forecast
                .column(name)
                .expect("predict writes yhat and its band");
            columns.push((name.to_owned(), values.to_vec()));
        }
    } else {
        columns.extend(FORECAST_COLUMNS.map(|n| (n.to_owned(), Vec::new())));
    }
    let y = after
        .y
        .clone()
        .unwrap_or_else(|| vec![f64::NAN; after.len()]);
    columns.push(("y".to_owned(), y));
    let rows = Forecast {
        ds: after.ds.clone(),
        columns,
    };
    Ok(Bytes::from(to_pandas_json(&rows, first_index)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Frame {
        let ds = (0..n as i64).rev().map(|d| d * 86_400).collect();
        Frame::new(ds, (0..n).map(|i| i as f64).collect())
    }

    #[test]
    fn only_readings_after_the_training_end_in_time_order() {
        let readings = days(10);
        let after = after_training(&readings, Some(6 * 86_400), MAX_READINGS_ROWS);
        assert_eq!(after.ds, [7 * 86_400, 8 * 86_400, 9 * 86_400]);
        assert_eq!(after.y.unwrap(), [2.0, 1.0, 0.0]);
        assert!(after_training(&readings, Some(9 * 86_400), 10).is_empty());
        assert_eq!(after_training(&readings, None, 10).len(), 10);
    }

    /// The row bound at its value and one past: the earliest rows stay.
    #[test]
    fn at_most_max_readings_rows_the_earliest() {
        let at = after_training(&days(MAX_READINGS_ROWS + 1), Some(0), MAX_READINGS_ROWS);
        assert_eq!(at.len(), MAX_READINGS_ROWS);
        assert_eq!(at.ds.first(), Some(&86_400));
        let past = after_training(&days(MAX_READINGS_ROWS + 2), Some(0), MAX_READINGS_ROWS);
        assert_eq!(past.len(), MAX_READINGS_ROWS);
        assert_eq!(past.ds.last(), Some(&(MAX_READINGS_ROWS as i64 * 86_400)));
        assert_eq!(MAX_READINGS_ROWS, 3_650, "ten years of days");
    }
}
