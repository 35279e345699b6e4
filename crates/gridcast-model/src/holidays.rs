//! Holidays: a holidays frame (`holiday`, `ds`, windows, prior scale) and a
//! country's public holidays, turned into features as Python Prophet's
//! `construct_holiday_dataframe` and `make_holiday_features` do.

use std::sync::Arc;

pub use gridcast_holidays::{prophet_year_list, HolidayTable};
use gridcast_holidays::{resolve_country, CountryHoliday, HolidaysError};

use crate::features::FeatureName;
use crate::time::Timestamp;

const DAY: i64 = 86_400;

/// One row of a holidays frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Holiday {
    /// The holiday's name (Python's `holiday` column).
    pub name: String,
    /// Its date (midnight).
    pub ds: Timestamp,
    /// Days before the date that count too (≤ 0), if given.
    pub lower_window: Option<i64>,
    /// Days after the date that count too (≥ 0), if given.
    pub upper_window: Option<i64>,
    /// Prior scale of its coefficients; `holidays_prior_scale` when absent.
    pub prior_scale: Option<f64>,
}

/// A model's holidays: Python's `holidays`, `country_holidays` and
/// `train_holiday_names`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Holidays {
    /// The holidays frame given to the constructor.
    pub frame: Option<Vec<Holiday>>,
    /// `add_country_holidays(country_name)`.
    pub country: Option<String>,
    /// The holiday names the fit saw, in order of first appearance.
    pub train_names: Option<Vec<String>>,
}

/// Why holiday features could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HolidayError {
    /// One holiday with two prior scales.
    #[error("holiday {holiday:?} does not have a consistent prior scale ({first} and {second})")]
    InconsistentPriorScale {
        /// The holiday.
        holiday: String,
        /// The scale seen first.
        first: f64,
        /// The other one.
        second: f64,
    },
    /// A prior scale that is not positive.
    #[error("holiday {holiday:?}: prior scale must be > 0, got {value}")]
    PriorScale {
        /// The holiday.
        holiday: String,
        /// The scale.
        value: f64,
    },
    /// The country's holidays are not available (an unsupported country, a
    /// year the tables lack).
    #[error(transparent)]
    Country(#[from] HolidaysError),
    /// This build has no tables compiled in and none was given.
    #[error("country holidays for {country:?} need its table: load `data/{country}.bin` with HolidayTable::from_bytes and give it as ForecastOptions::holidays")]
    NoTable {
        /// The country.
        country: String,
    },
}

/// Where country holidays come from: the tables compiled in (feature
/// `embedded-holidays`, the default) or one country's table loaded on demand
/// (a browser fetches `data/<CODE>.bin` of `gridcast-holidays`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum HolidaySource {
    /// The compiled-in tables.
    #[default]
    Embedded,
    /// One country's table.
    Table(Arc<HolidayTable>),
}

impl HolidaySource {
    /// `make_holidays_df(year_list, country)`: the country's holidays in
    /// `years`, in Python's order.
    pub(crate) fn holidays(
        &self,
        country: &str,
        years: &[i32],
    ) -> Result<Vec<CountryHoliday>, HolidayError> {
        match self {
            HolidaySource::Table(table) if table.country() == resolve_country(country)? => {
                Ok(table.holidays(years)?)
            }
            HolidaySource::Table(_) => Err(HolidayError::NoTable {
                country: country.into(),
            }),
            HolidaySource::Embedded => embedded_holidays(country, years),
        }
    }
}

#[cfg(feature = "embedded-holidays")]
fn embedded_holidays(country: &str, years: &[i32]) -> Result<Vec<CountryHoliday>, HolidayError> {
    Ok(gridcast_holidays::country_holidays(country, years)?)
}

#[cfg(not(feature = "embedded-holidays"))]
fn embedded_holidays(country: &str, _years: &[i32]) -> Result<Vec<CountryHoliday>, HolidayError> {
    resolve_country(country)?;
    Err(HolidayError::NoTable {
        country: country.into(),
    })
}

/// `get_holiday_names(country)`: every name the country's holidays have,
/// or `None` when this build has no tables compiled in (the country is still
/// checked).
pub(crate) fn country_holiday_names(country: &str) -> Result<Option<Vec<String>>, HolidayError> {
    resolve_country(country)?;
    #[cfg(feature = "embedded-holidays")]
    return Ok(Some(gridcast_holidays::holiday_names(country)?));
    #[cfg(not(feature = "embedded-holidays"))]
    Ok(None)
}

/// A row of the holiday dataframe Python builds for one set of dates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HolidayRow {
    pub name: String,
    /// Days since the epoch; `None` for a name the fit saw that these dates
    /// do not have (a row with `ds` NA in Python).
    pub day: Option<i64>,
    pub lower_window: Option<i64>,
    pub upper_window: Option<i64>,
    pub prior_scale: Option<f64>,
}

/// Holiday feature columns (sorted by name, as Python sorts them), their
/// prior scales and the holiday names in order of first appearance.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HolidayFeatures {
    pub columns: Vec<(FeatureName, Vec<f64>)>,
    pub prior_scales: Vec<f64>,
    pub names: Vec<String>,
}

impl Holidays {
    /// The code of the country whose holiday table the model needs
    /// (`add_country_holidays`; `None` without, or for a country no table has).
    pub fn country_code(&self) -> Option<&'static str> {
        resolve_country(self.country.as_deref()?).ok()
    }

    /// Whether the model has any holidays.
    pub fn is_empty(&self) -> bool {
        self.frame.is_none() && self.country.is_none()
    }

    /// `construct_holiday_dataframe(dates)`: the frame's rows, the country's
    /// holidays in the years `dates` cover, then — once fitted — only names
    /// the fit saw, with a row without date for each seen name the dates lack.
    pub(crate) fn dataframe(
        &self,
        dates: &[Timestamp],
        source: &HolidaySource,
    ) -> Result<Vec<HolidayRow>, HolidayError> {
        let mut rows: Vec<HolidayRow> = self
            .frame
            .iter()
            .flatten()
            .map(|h| HolidayRow {
                name: h.name.clone(),
                day: Some(h.ds.div_euclid(DAY)),
                lower_window: h.lower_window,
                upper_window: h.upper_window,
                prior_scale: h.prior_scale,
            })
            .collect();
        if let Some(country) = &self.country {
            let years = prophet_year_list(dates);
            for h in source.holidays(country, &years)? {
                rows.push(HolidayRow {
                    name: h.name,
                    day: Some(h.ds.div_euclid(DAY)),
                    lower_window: None,
                    upper_window: None,
                    prior_scale: None,
                });
            }
        }
        if let Some(seen) = &self.train_names {
            rows.retain(|r| seen.contains(&r.name));
            for name in seen {
                if !rows.iter().any(|r| &r.name == name) {
                    rows.push(HolidayRow {
                        name: name.clone(),
                        day: None,
                        lower_window: None,
                        upper_window: None,
                        prior_scale: None,
                    });
                }
            }
        }
        Ok(rows)
    }
}

/// `make_holiday_features(dates, holidays)`: one 0/1 column per holiday and
/// day offset of its window (`{name}_delim_{+|-}{offset}`), set on every row
/// whose date is the holiday's date plus the offset; columns sorted by name.
/// `dates` must be sorted.
pub(crate) fn make_holiday_features(
    dates: &[Timestamp],
    rows: &[HolidayRow],
    holidays_prior_scale: f64,
) -> Result<HolidayFeatures, HolidayError> {
    let days: Vec<i64> = dates.iter().map(|d| d.div_euclid(DAY)).collect();
    // Sorted by the column's name (`String`'s order, as a `BTreeMap` keeps
    // it; a sorted `Vec` found by binary search, not a B-tree: 2 KB of wasm).
    let mut columns: Vec<(String, FeatureName, Vec<f64>)> = Vec::new();
    let mut scales: Vec<(String, f64)> = Vec::new();
    for row in rows {
        // int(NaN) raises in Python, which then uses no window at all.
        let (lw, uw) = match (row.lower_window, row.upper_window) {
            (Some(l), Some(u)) => (l, u),
            _ => (0, 0),
        };
        let ps = row
            .prior_scale
            .filter(|p| !p.is_nan())
            .unwrap_or(holidays_prior_scale);
        match scales.iter().find(|(n, _)| *n == row.name) {
            Some((_, first)) if *first != ps => {
                return Err(HolidayError::InconsistentPriorScale {
                    holiday: row.name.clone(),
                    first: *first,
                    second: ps,
                })
            }
            Some(_) => {}
            None => {
                if !(ps > 0.0) {
                    return Err(HolidayError::PriorScale {
                        holiday: row.name.clone(),
                        value: ps,
                    });
                }
                scales.push((row.name.clone(), ps));
            }
        }
        for offset in lw..=uw {
            let name = FeatureName::Holiday {
                name: row.name.clone(),
                offset,
            };
            let key = name.to_string();
            let at = match columns.binary_search_by(|(k, ..)| k.as_str().cmp(&key)) {
                Ok(at) => at,
                Err(at) => {
                    columns.insert(at, (key, name, vec![0.0; dates.len()]));
                    at
                }
            };
            let column = &mut columns[at].2;
            if let Some(day) = row.day {
                let target = day + offset;
                let from = days.partition_point(|d| *d < target);
                let to = days.partition_point(|d| *d <= target);
                column[from..to].iter_mut().for_each(|v| *v = 1.0);
            }
        }
    }
    let columns: Vec<(FeatureName, Vec<f64>)> = columns
        .into_iter()
        .map(|(_, name, column)| (name, column))
        .collect();
    let prior_scales = columns
        .iter()
        .map(|(name, _)| {
            let holiday = name.component();
            scales
                .iter()
                .find(|(n, _)| n == holiday)
                .map(|(_, p)| *p)
                .expect("every column's holiday has a scale")
        })
        .collect();
    Ok(HolidayFeatures {
        columns,
        prior_scales,
        names: scales.into_iter().map(|(n, _)| n).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_make_one_sorted_column_per_offset() {
        let dates: Vec<Timestamp> = (0..6).map(|d| d * DAY).collect();
        let rows = vec![
            HolidayRow {
                name: "b".into(),
                day: Some(2),
                lower_window: Some(-1),
                upper_window: Some(1),
                prior_scale: Some(5.0),
            },
            HolidayRow {
                name: "a".into(),
                day: Some(4),
                lower_window: None,
                upper_window: None,
                prior_scale: None,
            },
            HolidayRow {
                name: "b".into(),
                day: Some(40),
                lower_window: Some(-1),
                upper_window: Some(1),
                prior_scale: Some(5.0),
            },
        ];
        let f = make_holiday_features(&dates, &rows, 10.0).unwrap();
        let names: Vec<String> = f.columns.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            names,
            ["a_delim_+0", "b_delim_+0", "b_delim_+1", "b_delim_-1"]
        );
        assert_eq!(f.columns[1].1, [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        assert_eq!(f.columns[3].1, [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(f.prior_scales, [10.0, 5.0, 5.0, 5.0]);
        assert_eq!(f.names, ["b", "a"]);
        let mut clash = rows.clone();
        clash[2].prior_scale = Some(1.0);
        assert!(matches!(
            make_holiday_features(&dates, &clash, 10.0),
            Err(HolidayError::InconsistentPriorScale { .. })
        ));
    }
}
