//! What can go wrong: a country or year the tables do not have, a bad table.

/// Why country holidays could not be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HolidaysError {
    /// The country is not one of [`crate::supported_countries`].
    #[error(
        "country holidays for {country:?} are not supported; gridcast has {} (ISO \
        alpha-2 codes; alpha-3 codes and Python's class names such as DEU or Germany work \
        too)",
        supported_list()
    )]
    UnsupportedCountry {
        /// The name given.
        country: String,
    },
    /// A year the table does not cover.
    #[error("no {country} holidays for {year}: the holiday tables cover {first} to {last}")]
    YearOutOfRange {
        /// The country's code.
        country: String,
        /// The year asked for.
        year: i32,
        /// The table's first year.
        first: i32,
        /// The table's last year.
        last: i32,
    },
    /// The bytes are not a holiday table this build reads.
    #[error("not a valid holiday table: {reason} (at byte {offset})")]
    Malformed {
        /// What is wrong.
        reason: &'static str,
        /// Where in the bytes.
        offset: usize,
    },
    /// The table comes from another `holidays` release than this build's.
    #[error(
        "the holiday table was made from holidays {found}, this build reads {expected}: \
        fetch the tables of this build (make_tables.py writes them)"
    )]
    VersionMismatch {
        /// The table's `holidays` version.
        found: String,
        /// [`crate::HOLIDAYS_VERSION`].
        expected: &'static str,
    },
}

/// The supported codes, comma-separated (a loop rather than `join`, whose
/// generic copy is 1 KB of wasm for this one error text).
fn supported_list() -> String {
    let mut out = String::new();
    for (i, code) in crate::supported_countries().iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(code);
    }
    out
}
