//! The rows a model forecasts for a request: the next `period` dates, or
//! the body's `future` rows, with every column the model needs — from the
//! body, else from the future covariates feed — checked before any work: a
//! column nobody gave, a cell without a value, a column the model does not
//! use and dates that do not follow the history are 400s that name them.

use gridcast_api::{ForecastRequest, FutureRows, RequestRows};
use gridcast_model::{format_csv, future_frame, Frame, ProphetModel, RequiredColumn};

use crate::covariates::Covariates;
use crate::error::ApiError;

/// Whether the model needs more than dates (and its own `cap`/`floor`).
fn needs_values(model: &ProphetModel) -> bool {
    !model.future_value_columns().is_empty()
}

/// What an answer depends on besides the model and the number of rows: 0
/// for the seed's request of a model that needs only dates, else the
/// request's rows and values and the feed's version. Computed without model
/// code, so that the kept answer is found before any work.
pub fn answer_inputs(
    model: &ProphetModel,
    request: &ForecastRequest,
    feed: Option<&Covariates>,
) -> u64 {
    let fed = feed.map_or(0, |f| f.version);
    match &request.rows {
        RequestRows::Period(_) if !needs_values(model) => 0,
        RequestRows::Period(p) => mix(fed, u64::from(p.get())),
        RequestRows::Future(rows) => mix(fed, fingerprint(rows)),
    }
}

fn mix(a: u64, b: u64) -> u64 {
    (a.rotate_left(17) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15)).max(1)
}

/// The rows `model` (at `target`) forecasts for `request`, filled from
/// `feed` where the body leaves values out (model code: run it on a worker).
pub fn prepare(
    model: &ProphetModel,
    target: &str,
    request: &ForecastRequest,
    feed: Option<&Covariates>,
) -> Result<Frame, ApiError> {
    let needed = model.required_future_columns();
    let mut rows = match &request.rows {
        RequestRows::Period(period) => {
            let frame = future_frame(model, period.get() as usize, None)
                .map_err(|e| ApiError::validation(e.to_string()))?;
            if !needs_values(model) {
                return Ok(frame);
            }
            FutureRows::from_frame(&frame)
        }
        RequestRows::Future(rows) => {
            follows_history(model, rows)?;
            unused_columns(rows, &needed)?;
            rows.clone()
        }
    };
    fill(&mut rows, &needed, target, feed)?;
    Ok(rows.to_frame())
}

/// Every date after the model's last training row.
fn follows_history(model: &ProphetModel, rows: &FutureRows) -> Result<(), ApiError> {
    let (Some(last), Some(first)) = (model.last_date(), rows.ds.first()) else {
        return Ok(());
    };
    if *first <= last {
        return Err(ApiError::validation(format!(
            "future row 0: ds {} does not follow the history, which ends at {}: forecast rows after the model's training rows",
            format_csv(*first),
            format_csv(last)
        )));
    }
    Ok(())
}

/// No column the model does not use (a typo would otherwise be ignored).
fn unused_columns(rows: &FutureRows, needed: &[RequiredColumn]) -> Result<(), ApiError> {
    let unused: Vec<&str> = rows
        .columns
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| *n != "y" && !needed.iter().any(|c| c.name == *n))
        .collect();
    if unused.is_empty() {
        return Ok(());
    }
    let uses = if needed.is_empty() {
        "none besides ds".to_owned()
    } else {
        needed
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(ApiError::validation(format!(
        "\"future\" has columns this model does not use: {}; it uses {uses}",
        unused.join(", ")
    )))
}

/// Fills every needed column's missing cells from the feed; names what is
/// still missing.
fn fill(
    rows: &mut FutureRows,
    needed: &[RequiredColumn],
    target: &str,
    feed: Option<&Covariates>,
) -> Result<(), ApiError> {
    let mut absent = Vec::new();
    for column in needed {
        let mut values = rows
            .column(&column.name)
            .map(<[f64]>::to_vec)
            .unwrap_or_else(|| vec![f64::NAN; rows.len()]);
        let given = rows.column(&column.name).is_some();
        for (v, ds) in values.iter_mut().zip(&rows.ds) {
            if v.is_nan() {
                if let Some(x) = feed.and_then(|f| f.value(target, &column.name, *ds)) {
                    *v = x;
                }
            }
        }
        match values.iter().position(|v| v.is_nan()) {
            None => rows.set_column(&column.name, values),
            Some(row) if given => {
                return Err(ApiError::validation(format!(
                    "future row {row}, field `{}` ({}) has no value{}: give it in every row",
                    column.name,
                    column.role,
                    feed_note(feed, rows.ds[row]),
                )));
            }
            Some(row) => absent.push((column, row)),
        }
    }
    if absent.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = absent
        .iter()
        .map(|(c, _)| format!("{} ({})", c.name, c.role))
        .collect();
    let first = absent.iter().map(|(_, row)| *row).min().unwrap_or(0);
    Err(ApiError::validation(format!(
        "this model needs future values of {} that the request lacks{}: send them as {{\"future\": [{{\"ds\": \"{}\", \"{}\": ...}}, ...]}}",
        names.join(", "),
        match feed {
            Some(_) => format!(" and the covariates feed has none for {} (the first day without)", format_csv(rows.ds[first])),
            None => String::new(),
        },
        format_csv(rows.ds[0]),
        absent[0].0.name,
    )))
}

fn feed_note(feed: Option<&Covariates>, ds: i64) -> String {
    match feed {
        Some(_) => format!(" and the covariates feed has none for {}", format_csv(ds)),
        None => String::new(),
    }
}

/// FNV-1a over the dates, names and value bits.
fn fingerprint(rows: &FutureRows) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    };
    for ds in &rows.ds {
        eat(&ds.to_le_bytes());
    }
    let mut columns: Vec<&(String, Vec<f64>)> = rows.columns.iter().collect();
    columns.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, values) in columns {
        eat(name.as_bytes());
        eat(&[0]);
        for v in values {
            eat(&v.to_bits().to_le_bytes());
        }
    }
    h.max(1)
}
