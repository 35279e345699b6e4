//! The compiled-in tables (feature `embedded`), each parsed on first use.

use std::sync::OnceLock;

use crate::countries::{BLOBS, CODES};
use crate::{resolve_country, CountryHoliday, HolidayTable, HolidaysError};

static TABLES: [OnceLock<HolidayTable>; CODES.len()] = [const { OnceLock::new() }; CODES.len()];

/// The compiled-in table of a country (any name [`resolve_country`] takes).
pub fn embedded_table(country: &str) -> Result<&'static HolidayTable, HolidaysError> {
    let code = resolve_country(country)?;
    let at = CODES.binary_search(&code).expect("every alias names a code with a table");
    Ok(TABLES[at].get_or_init(|| {
        HolidayTable::from_bytes(BLOBS[at]).expect("the embedded tables are valid: tests read each")
    }))
}

/// The compiled-in `data/<CODE>.bin` of a country (any name
/// [`resolve_country`] takes), as a device fetches it.
pub fn embedded_bytes(country: &str) -> Result<&'static [u8], HolidaysError> {
    let code = resolve_country(country)?;
    let at = CODES
        .binary_search(&code)
        .expect("every alias names a code with a table");
    Ok(BLOBS[at])
}

/// Prophet's `make_holidays_df(year_list=years, country=country)` from the
/// compiled-in table: see [`HolidayTable::holidays`].
pub fn country_holidays(
    country: &str,
    years: &[i32],
) -> Result<Vec<CountryHoliday>, HolidaysError> {
    embedded_table(country)?.holidays(years)
}

/// Prophet's `get_holiday_names(country)` from the compiled-in table: see
/// [`HolidayTable::holiday_names`].
pub fn holiday_names(country: &str) -> Result<Vec<String>, HolidaysError> {
    embedded_table(country)?.holiday_names()
}
