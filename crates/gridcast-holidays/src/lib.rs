//! Country holidays exactly as Python Prophet 1.5 gets them.
//!
//! Prophet's `add_country_holidays(country_name)` takes its holidays from
//! PyPI's `holidays` package; this crate answers the same from tables that
//! `make_tables.py` generated from `holidays` [`HOLIDAYS_VERSION`] (0.109, the
//! release the fixtures were made with), for the years [`YEARS`]
//! (1900–2100). What Prophet does, and so what this crate reproduces:
//!
//! - **Country name**: `getattr(holidays, country)` (after mapping `TU` to
//!   `TR`), so the alpha-2 code, the alpha-3 code and the class name all work
//!   (`DE`, `DEU`, `Germany`; `GB`, `GBR`, `UK`, `UnitedKingdom`), case
//!   sensitive. [`resolve_country`] maps them to the code; anything else is
//!   [`HolidaysError::UnsupportedCountry`], listing [`supported_countries`].
//! - **`make_holidays_df(year_list, country)`** ([`country_holidays`],
//!   [`HolidayTable::holidays`]): the country class built with
//!   `expand=False, language="en_US", subdiv=None, years=year_list` and
//!   `observed` left at its default (`True`: observed days are rows of their
//!   own, named like `"Christmas Day (observed)"`). Names are the `en_US`
//!   translations; a country without one keeps its own language, as Python
//!   does. One row per `(date, name)`: a date with several holidays becomes
//!   several rows (`get_list(date)`, then `explode`), in the package's order.
//!   Rows come year by year in the order the package populates the years —
//!   CPython's set order of `year_list`, applied twice because `holidays`
//!   normalizes `years` into a set twice ([`holidays_year_order`]; not
//!   sorted: `{2022, 2023, 2024}` iterates 2024 first) — and within a year in
//!   the order the package adds them (names sharing a date sorted, as the
//!   package joins them). The order matters: Prophet's `train_holiday_names`
//!   (in `model.json`) is the order in which names first appear.
//! - **The year list**: Prophet passes `list({x.year for x in dates})` of the
//!   fit's or forecast's `ds`; [`prophet_year_list`] computes that list, so
//!   `country_holidays(c, &prophet_year_list(&ds))` is Prophet's frame.
//! - **`get_holiday_names(country)`** ([`holiday_names`],
//!   [`HolidayTable::holiday_names`]): the set of the package's values for
//!   1995–2044, where a date with several holidays is one value
//!   `"A; B"`. Returned sorted.
//!
//! A year outside the table is [`HolidaysError::YearOutOfRange`], never an
//! empty answer; a year inside it where the package has no holidays for the
//! country (Germany before 1991, for instance) is an empty answer, as in
//! Python.
//!
//! With the default `embedded` feature every table is compiled in (about
//! 144 KB; 30 KB gzipped). Without it — in a browser bundle — fetch one
//! country's `data/<CODE>.bin` (2–8 KB) and parse it with
//! [`HolidayTable::from_bytes`]. The crate does no I/O and spawns no threads.
//!
//! ```
//! # #[cfg(feature = "embedded")] {
//! let rows = gridcast_holidays::country_holidays("DE", &[2024]).unwrap();
//! assert_eq!(rows[0].name, "New Year's Day");
//! assert_eq!(rows[0].ds, 1_704_067_200); // 2024-01-01T00:00:00
//! # }
//! ```
#![deny(missing_docs)]

mod countries;
#[cfg(feature = "embedded")]
mod embedded;
mod error;
mod table;
mod years;

pub use countries::{HOLIDAYS_VERSION, YEARS};
#[cfg(feature = "embedded")]
pub use embedded::{country_holidays, embedded_bytes, embedded_table, holiday_names};
pub use error::HolidaysError;
pub use table::{CountryHoliday, HolidayTable};
pub use years::{holidays_year_order, prophet_year_list, python_set_order};

/// The supported countries' ISO 3166-1 alpha-2 codes, sorted. Each has a
/// table `data/<CODE>.bin`.
pub fn supported_countries() -> &'static [&'static str] {
    countries::CODES
}

/// The alpha-2 code of a country name as Prophet accepts it (`DE`, `DEU`,
/// `Germany`; case sensitive, as Python's `getattr(holidays, name)`).
pub fn resolve_country(name: &str) -> Result<&'static str, HolidaysError> {
    let name = if name == "TU" { "TR" } else { name }; // Prophet's one substitution
    countries::ALIASES
        .binary_search_by(|(alias, _)| (*alias).cmp(name))
        .map(|at| countries::ALIASES[at].1)
        .map_err(|_| HolidaysError::UnsupportedCountry {
            country: name.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unsupported country's text lists every code as `join` wrote it.
    #[test]
    fn unsupported_country_lists_the_codes() {
        let text = resolve_country("Atlantis").unwrap_err().to_string();
        let list = format!("gridcast has {} (ISO", supported_countries().join(", "));
        assert!(text.contains(&list), "{text}");
    }

    #[test]
    fn aliases_resolve_to_codes() {
        assert_eq!(resolve_country("DE"), Ok("DE"));
        assert_eq!(resolve_country("Germany"), Ok("DE"));
        assert_eq!(resolve_country("DEU"), Ok("DE"));
        assert_eq!(resolve_country("UK"), Ok("GB"));
        assert_eq!(resolve_country("UnitedStates"), Ok("US"));
        let err = resolve_country("de").unwrap_err().to_string();
        assert!(err.contains("\"de\"") && err.contains("DE, DK"), "{err}");
        assert!(resolve_country("TU").is_err()); // Turkey: not in the tables
    }

    #[test]
    fn every_code_resolves_to_itself() {
        for code in supported_countries() {
            assert_eq!(resolve_country(code), Ok(*code));
        }
        assert!(countries::ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
