//! The crate against Python itself: `python_cases.json` holds Prophet 1.5's
//! `make_holidays_df` and `get_holiday_names` for every supported country on
//! sample year lists, its `construct_holiday_dataframe` on sample dates, and
//! CPython's order of sets of years, all written by `make_tables.py` from
//! holidays 0.109 (it says how to regenerate them); the prophet-ext fixture
//! `holidays_country` holds a model Python fit with `add_country_holidays("DE")`.

use std::io::Read;
use std::path::PathBuf;

use gridcast_holidays::{
    country_holidays, embedded_table, holiday_names, holidays_year_order, prophet_year_list,
    python_set_order, supported_countries, CountryHoliday, HolidayTable, HolidaysError, YEARS,
};
use serde_json::Value;

fn cases() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python_cases.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn ints(value: &Value) -> Vec<i32> {
    let values = value.as_array().unwrap();
    values.iter().map(|v| v.as_i64().unwrap() as i32).collect()
}

/// `2024-01-01` for a midnight timestamp.
fn date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    assert_eq!(ts.rem_euclid(86_400), 0);
    // Howard Hinnant's civil_from_days, kept separate from the crate's own.
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Midnight of `2024-01-01` (anything after the date is ignored).
fn midnight(iso: &str) -> i64 {
    let (y, m, d): (i64, i64, i64) = (
        iso[0..4].parse().unwrap(),
        iso[5..7].parse().unwrap(),
        iso[8..10].parse().unwrap(),
    );
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let (era, yoe) = (y.div_euclid(400), y.rem_euclid(400));
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

fn rows(holidays: Vec<CountryHoliday>) -> Vec<(String, String)> {
    holidays.into_iter().map(|h| (date(h.ds), h.name)).collect()
}

fn python_rows(value: &Value) -> Vec<(String, String)> {
    let rows = value.as_array().unwrap();
    rows.iter()
        .map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into()))
        .collect()
}

#[test]
fn every_country_matches_make_holidays_df() {
    let cases = cases();
    assert_eq!(cases["holidays"], gridcast_holidays::HOLIDAYS_VERSION);
    let countries = cases["countries"].as_object().unwrap();
    assert_eq!(countries.len(), supported_countries().len());
    for code in supported_countries() {
        let country = &countries[*code];
        for case in country["cases"].as_array().unwrap() {
            let years = ints(&case["years"]);
            let got = rows(country_holidays(code, &years).unwrap());
            assert_eq!(got, python_rows(&case["rows"]), "{code} {years:?}");
        }
        let names: Vec<String> = serde_json::from_value(country["names"].clone()).unwrap();
        assert_eq!(holiday_names(code).unwrap(), names, "{code}");
    }
}

#[test]
fn prophet_year_lists_give_prophets_frame() {
    let cases = cases();
    for case in cases["prophet_frames"].as_array().unwrap() {
        let country = case["country"].as_str().unwrap();
        let ds: Vec<i64> = case["ds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let got = rows(country_holidays(country, &prophet_year_list(&ds)).unwrap());
        assert_eq!(got, python_rows(&case["rows"]), "{country}");
    }
}

#[test]
fn year_sets_iterate_as_in_cpython() {
    let cases = cases();
    for case in cases["year_orders"].as_array().unwrap() {
        let insert = ints(&case["insert"]);
        assert_eq!(
            python_set_order(insert.clone()),
            ints(&case["order"]),
            "{insert:?}"
        );
        let populated = ints(&case["holidays_order"]);
        assert_eq!(holidays_year_order(&insert), populated, "{insert:?}");
    }
}

#[test]
fn every_table_is_valid_and_covers_the_years() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    for code in supported_countries() {
        let bytes = std::fs::read(data.join(format!("{code}.bin"))).unwrap();
        let table = HolidayTable::from_bytes(&bytes).unwrap();
        assert_eq!(table.country(), *code);
        assert_eq!(table.years(), YEARS, "{code}");
        assert_eq!(&table, embedded_table(code).unwrap());
        let years: Vec<i32> = YEARS.collect();
        let rows = table.holidays(&years).unwrap();
        assert!(rows.len() > 20 * 200 / 10, "{code}: {} rows", rows.len());
    }
}

#[test]
fn years_and_countries_outside_the_tables_are_errors() {
    let before = country_holidays("DE", &[2020, *YEARS.start() - 1]).unwrap_err();
    assert!(
        matches!(before, HolidaysError::YearOutOfRange { year: 1899, .. }),
        "{before}"
    );
    let after = country_holidays("US", &[*YEARS.end() + 1]).unwrap_err();
    assert!(after.to_string().contains("1900 to 2100"), "{after}");
    let err = country_holidays("Atlantis", &[2020]).unwrap_err();
    assert!(err.to_string().contains("AT, AU, BE"), "{err}");
    // A year in range with no holidays in the package is an empty answer, as in Python.
    assert!(country_holidays("DE", &[1950]).unwrap().is_empty());
}

fn fixture(path: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing: expected them at {} (shared/ beside the repo)",
        dir.display()
    );
    dir.join(path)
}

/// `model.json` from a fixture artifact.
fn model_json(case: &str) -> Value {
    let file = std::fs::File::open(fixture(&format!("models/{case}.tar.gz"))).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().ends_with("model.json") {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            return serde_json::from_str(&text).unwrap();
        }
    }
    panic!("{case}: no model.json");
}

/// A pandas Series `model.json` keeps as a JSON text: its `data`.
fn series(model: &Value, key: &str) -> Vec<String> {
    let inner: Value = serde_json::from_str(model[key].as_str().unwrap()).unwrap();
    serde_json::from_value(inner["data"].clone()).unwrap()
}

#[test]
fn python_fit_and_forecast_of_german_holidays_agree() {
    let model = model_json("holidays_country");
    assert_eq!(model["country_holidays"], "DE");
    let history: Vec<i64> = series(&model, "history_dates")
        .iter()
        .map(|d| midnight(d))
        .collect();
    // train_holiday_names: the frame's own holiday, then the country's names
    // in the order they first appear in the fit's frame.
    let fit_frame = country_holidays("DE", &prophet_year_list(&history)).unwrap();
    let mut names = vec!["maintenance".to_string()];
    for h in fit_frame {
        if !names.contains(&h.name) {
            names.push(h.name);
        }
    }
    assert_eq!(names, series(&model, "train_holiday_names"));

    // Each country holiday's component is nonzero exactly on its dates.
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture("expected/holidays_country.json")).unwrap())
            .unwrap();
    let future: Vec<i64> = expected["ds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| midnight(d.as_str().unwrap()))
        .collect();
    let frame = country_holidays("DE", &prophet_year_list(&future)).unwrap();
    let mut checked = 0;
    for name in &names[1..] {
        let column = expected["columns"][name.as_str()].as_array().unwrap();
        for (ds, value) in future.iter().zip(column) {
            let on = frame.iter().any(|h| h.ds == *ds && &h.name == name);
            assert_eq!(
                value.as_f64().unwrap() != 0.0,
                on,
                "{name} on {}",
                date(*ds)
            );
            checked += usize::from(on);
        }
    }
    assert_eq!(
        checked, 1,
        "one German holiday (New Year's Day) falls in the forecast"
    );
}
