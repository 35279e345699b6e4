//! Bad input is a typed error that names the row and the column (or the
//! argument) and says what was expected; rows in any order and missing
//! readings are not errors.

mod common;

use common::ext::ExtCase;
use gridcast_model::{
    fit, future_dates, predict, ColumnUse, FitError, ForecastError, ForecastOptions, Frame,
    FrameError, Frequency, FrequencyError, ProphetConfig, RowRef,
};

/// `days` daily rows from 2022-01-01 as CSV lines, `extra(day)` appended.
fn daily(header: &str, days: usize, extra: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for d in 0..days {
        let day = gridcast_model::format_csv(1_640_995_200 + d as i64 * 86_400);
        let y = 500.0 + d as f64 + 40.0 * (d as f64 / 3.0).sin();
        text.push_str(&format!("{day},{y}{}\n", extra(d)));
    }
    text.into_bytes()
}

fn config(json: &str) -> ProphetConfig {
    ProphetConfig::from_json(json).unwrap()
}

fn frame_error(result: Result<gridcast_model::Fitted, FitError>) -> FrameError {
    match result {
        Err(FitError::Frame(e)) => e,
        Err(other) => panic!("expected a frame error, got {other}"),
        Ok(_) => panic!("expected a frame error, the fit succeeded"),
    }
}

#[test]
fn a_column_the_model_does_not_use_is_named() {
    let data = Frame::from_csv(&daily("ds,y,temprature", 30, |d| format!(",{d}"))).unwrap();
    let err = frame_error(fit(
        &data,
        &config(r#"{"regressors": [{"name": "temperature"}]}"#),
    ));
    assert!(
        matches!(&err, FrameError::UnusedColumn { column, .. } if column == "temprature"),
        "{err}"
    );
    assert!(err.to_string().contains("`regressors`"), "{err}");
    // And the regressor the configuration names is missing.
    let data = Frame::from_csv(&daily("ds,y", 30, |_| String::new())).unwrap();
    let err = frame_error(fit(
        &data,
        &config(r#"{"regressors": [{"name": "temperature"}]}"#),
    ));
    assert_eq!(
        err,
        FrameError::MissingColumn {
            column: "temperature".into(),
            role: ColumnUse::Regressor
        }
    );
}

#[test]
fn nan_or_text_in_a_regressor_names_the_row() {
    let data = Frame::from_csv(&daily("ds,y,temperature", 30, |d| {
        if d == 12 {
            ",".into()
        } else {
            format!(",{d}")
        }
    }))
    .unwrap();
    let cfg = config(r#"{"regressors": [{"name": "temperature"}]}"#);
    let err = frame_error(fit(&data, &cfg));
    assert!(
        matches!(&err, FrameError::MissingValue { at: RowRef { row: 12, line: Some(14) }, column, .. } if column == "temperature"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("line 14 (row 12): column `temperature`"),
        "{err}"
    );
    let data = Frame::from_csv(&daily("ds,y,temperature", 30, |d| {
        if d == 3 {
            ",warm".into()
        } else {
            format!(",{d}")
        }
    }))
    .unwrap();
    let err = frame_error(fit(&data, &cfg));
    assert!(
        matches!(&err, FrameError::NotANumber { at: RowRef { row: 3, .. }, text, .. } if text == "warm"),
        "{err}"
    );
    // A missing regressor on a row without a reading is left out with the row, as Python does.
    let data = Frame::from_csv(&daily("ds,y,temperature", 30, |d| format!(",{d}"))).unwrap();
    let mut gaps = data.clone();
    gaps.y.as_mut().unwrap()[12] = f64::NAN;
    gaps.columns[0].values[12] = f64::NAN;
    assert!(fit(&gaps, &cfg).is_ok());
}

#[test]
fn a_condition_must_be_boolean() {
    let cfg = config(
        r#"{"weekly_seasonality": false, "seasonalities": [{"name": "weekly_on", "period": 7,
            "fourier_order": 2, "condition_name": "on"}]}"#,
    );
    let good = Frame::from_csv(&daily("ds,y,on", 40, |d| {
        format!(",{}", if d % 2 == 0 { "True" } else { "False" })
    }))
    .unwrap();
    assert!(fit(&good, &cfg).is_ok());
    let bad = Frame::from_csv(&daily("ds,y,on", 40, |d| {
        format!(",{}", if d == 7 { "2" } else { "1" })
    }))
    .unwrap();
    let err = frame_error(fit(&bad, &cfg));
    assert!(
        matches!(&err, FrameError::NotBoolean { at: RowRef { row: 7, .. }, column, .. } if column == "on"),
        "{err}"
    );
    let bad = Frame::from_csv(&daily("ds,y,on", 40, |d| {
        format!(",{}", if d == 5 { "yes" } else { "no" })
    }))
    .unwrap();
    let err = frame_error(fit(&bad, &cfg));
    assert!(err.to_string().contains("must be boolean"), "{err}");
    assert!(
        matches!(
            err,
            FrameError::NotBoolean {
                at: RowRef { row: 0, .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn cap_at_or_below_floor_names_the_row() {
    let data = Frame::from_csv(&daily("ds,y,cap,floor", 40, |d| {
        format!(",{},300", if d == 21 { 300 } else { 2000 })
    }))
    .unwrap();
    let err = frame_error(fit(&data, &config(r#"{"growth": "logistic"}"#)));
    assert_eq!(
        err,
        FrameError::CapNotAboveFloor {
            at: RowRef {
                row: 21,
                line: Some(23)
            },
            cap: 300.0,
            floor: 300.0
        }
    );
    // A constant floor above a column's cap, too.
    let capped = Frame::from_csv(&daily("ds,y,cap", 40, |_| ",2000".into())).unwrap();
    let err = frame_error(fit(
        &capped,
        &config(r#"{"growth": "logistic", "floor": 2500}"#),
    ));
    assert!(matches!(err, FrameError::CapNotAboveFloor { .. }), "{err}");
    assert_eq!(
        ProphetConfig::from_json(r#"{"growth": "logistic", "cap": 10, "floor": 10}"#)
            .unwrap_err()
            .field,
        "cap"
    );
}

#[test]
fn duplicate_timestamps_name_both_rows() {
    let mut text = daily("ds,y", 10, |_| String::new());
    text.extend_from_slice(b"2022-01-04,7\n");
    let data = Frame::from_csv(&text).unwrap();
    let err = frame_error(fit(&data, &ProphetConfig::default()));
    assert!(
        matches!(
            &err,
            FrameError::DuplicateTimestamp {
                at: RowRef { row: 10, .. },
                first: RowRef { row: 3, .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("2022-01-04"), "{err}");
}

#[test]
fn unknown_country_holiday_and_frequency() {
    let err = ProphetConfig::from_json(r#"{"country_holidays": "Atlantis"}"#).unwrap_err();
    assert_eq!(err.field, "country_holidays");
    assert!(
        err.to_string().contains("DE") && err.to_string().contains("US"),
        "{err}"
    );
    for (text, field) in [
        (
            r#"{"holidays": [{"holiday": "outage", "ds": "someday"}]}"#,
            "holidays[0].ds",
        ),
        (
            r#"{"holidays": [{"holiday": "", "ds": "2022-01-01"}]}"#,
            "holidays[0].holiday",
        ),
        (
            r#"{"holidays": [{"holiday": "a", "ds": "2022-01-01", "upper_window": 1}]}"#,
            "holidays[0]",
        ),
    ] {
        assert_eq!(
            ProphetConfig::from_json(text).unwrap_err().field,
            field,
            "{text}"
        );
    }
    // One holiday with two prior scales.
    let data = Frame::from_csv(&daily("ds,y", 40, |_| String::new())).unwrap();
    let cfg = config(
        r#"{"holidays": [{"holiday": "a", "ds": "2022-01-05", "prior_scale": 1},
                         {"holiday": "a", "ds": "2022-01-15", "prior_scale": 2}]}"#,
    );
    assert!(matches!(fit(&data, &cfg), Err(FitError::Features(_))));

    let err = Frequency::parse("fortnightly").unwrap_err();
    assert!(matches!(err, FrequencyError::UnknownAlias { .. }), "{err}");
    // Irregular dates: no guessed step, an error that says to give --freq.
    let ds = [0, 1, 3, 7, 8, 20]
        .map(|d: i64| 1_640_995_200 + d * 86_400)
        .to_vec();
    let data = Frame::new(ds, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let model = fit(&data, &ProphetConfig::default()).unwrap().model;
    let err = future_dates(&model, 3, None).unwrap_err();
    assert!(
        matches!(
            err,
            ForecastError::Frequency(FrequencyError::NotInferable { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("--freq"), "{err}");
    let weekly = future_dates(&model, 2, Some(Frequency::parse("W-SUN").unwrap())).unwrap();
    assert_eq!(weekly, [1_642_896_000, 1_643_500_800]); // 2022-01-23, 2022-01-30
}

#[test]
fn rows_to_forecast_without_a_needed_column() {
    let case = ExtCase::load("temp_regressor");
    let model = case.python_model();
    let needed: Vec<String> = model
        .required_future_columns()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(needed, ["temperature", "heating"]);
    let rows = Frame::future(case.future.ds.clone())
        .with_column("temperature", case.future.columns[0].values.clone());
    let err = predict(&model, &rows, &ForecastOptions::default()).unwrap_err();
    assert_eq!(
        err,
        ForecastError::Frame(FrameError::MissingColumn {
            column: "heating".into(),
            role: ColumnUse::Regressor
        })
    );
    let logistic = ExtCase::load("logistic_columns").python_model();
    let names: Vec<String> = logistic
        .required_future_columns()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["cap", "floor"]);
    let conditional = ExtCase::load("conditional_winter").python_model();
    let err = predict(
        &conditional,
        &Frame::future(vec![1_700_000_000]),
        &ForecastOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("`winter`"), "{err}");
}

/// Rows in any order and empty readings give the fit Python's sorted,
/// readings-only history.
#[test]
fn unsorted_rows_and_missing_values_fit_like_sorted_ones() {
    let case = ExtCase::load("missing_gaps");
    let cfg = ProphetConfig::default();
    let sorted = fit(&case.data, &cfg).unwrap();
    let mut order: Vec<usize> = (0..case.data.len()).collect();
    order.reverse();
    order.swap(3, 300);
    let shuffled = fit(&case.data.select(&order), &cfg).unwrap();
    assert_eq!(shuffled.model.history, sorted.model.history);
    assert_eq!(shuffled.report.lp, sorted.report.lp);
    assert_eq!(sorted.model.history.len(), case.data.observed());
    assert!(sorted.model.history_dates.len() > sorted.model.history.len());
}
