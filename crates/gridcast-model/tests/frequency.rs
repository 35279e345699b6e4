//! Calendar frequencies against pandas itself: `frequency/pandas_cases.json`
//! holds pandas 2.0.3's answers (made by `frequency/make_pandas_cases.py`,
//! which says how to regenerate it), and the prophet-ext fixtures' monthly,
//! weekly and hourly cases hold the future dates Python Prophet forecast.

use std::path::PathBuf;

use gridcast_model::frequency::{future_dates, infer_frequency, infer_history_frequency};
use gridcast_model::{parse_timestamp, Frequency, FrequencyError, Timestamp};
use serde_json::Value;

fn pandas_cases() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/frequency/pandas_cases.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn timestamps(value: &Value) -> Vec<Timestamp> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// pandas 2.0.3 aliases gridcast refuses (see the module docs).
const UNSUPPORTED_BY_DESIGN: &[&str] = &["BH", "C", "SM-15", "L", "U", "N", "CBMS", "25H", "90T"];
/// Accepted here, rejected by pandas 2.0.3: pandas 2.2's names.
const PANDAS_2_2_ONLY: &[&str] = &[
    "ME", "QE", "QE-DEC", "YS-JUL", "YE", "YE-JUN", "Y-JUN", "BME",
];

#[test]
fn aliases_parse_to_pandas_freqstr() {
    let cases = pandas_cases();
    for case in cases["aliases"].as_array().unwrap() {
        let alias = case["alias"].as_str().unwrap();
        let parsed = Frequency::parse(alias);
        match (case["pandas"].as_str(), &parsed) {
            (Some(freqstr), Ok(freq)) => assert_eq!(freq.to_string(), freqstr, "{alias:?}"),
            (Some(freqstr), Err(_)) => assert!(
                UNSUPPORTED_BY_DESIGN.contains(&freqstr) || freqstr.starts_with(['-', '0']),
                "{alias:?}: pandas reads it as {freqstr}, gridcast refuses it: {parsed:?}"
            ),
            (None, Ok(_)) => assert!(PANDAS_2_2_ONLY.contains(&alias), "{alias:?}: {parsed:?}"),
            (None, Err(_)) => {}
        }
    }
}

#[test]
fn future_dates_match_make_future_dataframe() {
    let cases = pandas_cases();
    let future = cases["future"].as_array().unwrap();
    assert!(future.len() > 900);
    for case in future {
        let freq = Frequency::parse(case["freq"].as_str().unwrap()).unwrap();
        let last = case["last"].as_i64().unwrap();
        let periods = case["periods"].as_u64().unwrap() as usize;
        let got = future_dates(last, periods, freq).unwrap();
        assert_eq!(got, timestamps(&case["dates"]), "{case}");
    }
}

#[test]
fn inference_matches_infer_freq() {
    let cases = pandas_cases();
    let infer = cases["infer"].as_array().unwrap();
    assert!(infer.len() > 500);
    for case in infer {
        let dates = timestamps(&case["dates"]);
        let got = infer_frequency(&dates);
        match (case["pandas"].as_str(), &got) {
            (Some("ValueError"), Err(FrequencyError::TooFewDates { .. })) => {}
            (Some("BH"), Err(FrequencyError::NotInferable { reason, .. })) => {
                assert!(reason.contains("BH"), "{case}")
            }
            // Decreasing dates: pandas answers a negative step, Prophet never asks.
            (Some(freqstr), Err(FrequencyError::NotInferable { .. }))
                if freqstr.starts_with('-') => {}
            (Some(freqstr), Ok(freq)) => assert_eq!(freq.to_string(), freqstr, "{case}"),
            (None, Err(FrequencyError::NotInferable { .. })) => {}
            _ => panic!("{case}: pandas says {}, gridcast {got:?}", case["pandas"]),
        }
    }
}

fn fixtures() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing: expected them at {} (shared/ beside the repo)",
        dir.display()
    );
    dir
}

/// The `ds` column of a fixture CSV (header first, `ds` the first column).
fn ds_column(path: PathBuf) -> Vec<Timestamp> {
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert!(
        lines.next().unwrap().starts_with("ds"),
        "{}",
        path.display()
    );
    lines
        .map(|line| parse_timestamp(line.split(',').next().unwrap()).unwrap())
        .collect()
}

#[test]
fn fixtures_future_is_the_inferred_continuation_of_their_data() {
    let dir = fixtures();
    for (case, freqstr) in [
        ("monthly_start", "MS"),
        ("monthly_end", "M"),
        ("weekly_sunday", "W-SUN"),
        ("hourly_temp", "H"),
    ] {
        let history = ds_column(dir.join(format!("data/{case}.csv")));
        let expected = ds_column(dir.join(format!("future/{case}.csv")));
        let freq = infer_history_frequency(&history).unwrap();
        assert_eq!(freq.to_string(), freqstr, "{case}");
        let expected_json: Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("expected/{case}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(expected_json["freq"], freqstr, "{case}");
        let last = *history.iter().max().unwrap();
        let got = future_dates(last, expected.len(), freq).unwrap();
        assert_eq!(got, expected, "{case}");
    }
}

#[test]
fn history_inference_looks_at_the_last_five_distinct_dates() {
    let day = 86_400;
    // Irregular early on, daily at the end, given out of order with a repeat.
    let mut history: Vec<Timestamp> = vec![0, 3 * day, 10 * day];
    history.extend((20..25).map(|d| d * day));
    history.push(22 * day);
    history.reverse();
    assert_eq!(infer_history_frequency(&history).unwrap().to_string(), "D");
    assert!(infer_frequency(&history).is_err());
    // A gap among the last five leaves pandas, and so Prophet, without an answer.
    let gappy: Vec<Timestamp> = [0, 1, 2, 3, 5, 6].iter().map(|d| d * day).collect();
    let err = infer_history_frequency(&gappy).unwrap_err();
    assert!(err.to_string().contains("--freq"), "{err}");
}

#[test]
fn fixed_steps_are_in_seconds() {
    let seconds = |alias: &str| Frequency::parse(alias).unwrap().fixed_seconds();
    assert_eq!(seconds("15min"), Some(900));
    assert_eq!(seconds("2h"), Some(7_200));
    assert_eq!(seconds("3D"), Some(3 * 86_400));
    assert_eq!(seconds("30s"), Some(30));
    assert_eq!(seconds("W-SUN"), None);
    assert_eq!(seconds("MS"), None);
}
