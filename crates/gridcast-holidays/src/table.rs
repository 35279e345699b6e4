//! One country's holiday table and its binary layout.
//!
//! `make_tables.py` writes `data/<CODE>.bin`; integers are unsigned LEB128
//! varints unless marked, texts are a varint byte length and UTF-8:
//!
//! ```text
//! "GCHOL" 0x01                      magic, format version
//! text code, text holidays_version  "DE", "0.109"
//! u16le first_year, u16le years     1900, 201
//! varint names, then each text      the name table, in order of first use
//! per year: varint rows, then rows × (varint day_of_year, varint name)
//! ```
//!
//! `day_of_year` counts from 0 (January 1st); the rows of a year are those of
//! `make_holidays_df([year], code)`, in order.

use std::ops::RangeInclusive;

use crate::error::HolidaysError;
use crate::years::{days_from_new_year, holidays_year_order, is_leap};
use crate::HOLIDAYS_VERSION;

const MAGIC: &[u8] = b"GCHOL";
const FORMAT_VERSION: u8 = 1;
const DAY: i64 = 86_400;
/// `get_holiday_names` asks the package for these years.
const NAME_YEARS: RangeInclusive<i32> = 1995..=2044;

/// One row of Prophet's country holidays frame: `ds` and `holiday`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountryHoliday {
    /// The date, as a naive timestamp at midnight (seconds since the epoch).
    pub ds: i64,
    /// The holiday's name (English where the package has it).
    pub name: String,
}

/// One country's holidays for a range of years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayTable {
    code: String,
    first_year: i32,
    names: Vec<String>,
    /// `(day of year, name index)` rows of every year, one after the other.
    rows: Vec<(u16, u16)>,
    /// Where each year's rows start in `rows`, plus the end.
    year_starts: Vec<usize>,
}

impl HolidayTable {
    /// Reads a table written by `make_tables.py` (`data/<CODE>.bin`).
    ///
    /// Rejects anything malformed — truncated, trailing bytes, a name index or
    /// day out of range, bad UTF-8 — and tables of another `holidays` release.
    /// Allocates no more than the input's size suggests.
    pub fn from_bytes(bytes: &[u8]) -> Result<HolidayTable, HolidaysError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(r.error("no GCHOL magic"));
        }
        if r.take(1)?[0] != FORMAT_VERSION {
            return Err(r.error("unknown format version"));
        }
        let code = r.text()?;
        if !(2..=3).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(r.error("the country code is not 2 or 3 capital letters"));
        }
        let version = r.text()?;
        if version != HOLIDAYS_VERSION {
            return Err(HolidaysError::VersionMismatch {
                found: version,
                expected: HOLIDAYS_VERSION,
            });
        }
        let first_year = i32::from(r.u16()?);
        let year_count = usize::from(r.u16()?);
        let names = r.names()?;
        let mut rows = Vec::new();
        let mut year_starts = Vec::with_capacity(year_count.min(r.remaining()) + 1);
        for year in (first_year..).take(year_count) {
            year_starts.push(rows.len());
            r.year_rows(year, names.len(), &mut rows)?;
        }
        year_starts.push(rows.len());
        if r.remaining() != 0 {
            return Err(r.error("trailing bytes after the last year"));
        }
        Ok(HolidayTable {
            code,
            first_year,
            names,
            rows,
            year_starts,
        })
    }

    /// The country's ISO alpha-2 code.
    pub fn country(&self) -> &str {
        &self.code
    }

    /// The years the table covers.
    pub fn years(&self) -> RangeInclusive<i32> {
        let count = self.year_starts.len() as i32 - 1;
        self.first_year..=self.first_year + count - 1
    }

    /// Prophet's `make_holidays_df(year_list=years, country)`: one row per
    /// holiday and name, year by year in [`crate::holidays_year_order`], each
    /// year in the package's order (see the crate docs).
    pub fn holidays(&self, years: &[i32]) -> Result<Vec<CountryHoliday>, HolidaysError> {
        for &year in years {
            self.year_rows(year)?;
        }
        let mut out = Vec::new();
        for year in holidays_year_order(years) {
            let new_year = days_from_new_year(year) * DAY;
            out.extend(
                self.year_rows(year)?
                    .iter()
                    .map(|&(day, name)| CountryHoliday {
                        ds: new_year + i64::from(day) * DAY,
                        name: self.names[usize::from(name)].clone(),
                    }),
            );
        }
        Ok(out)
    }

    /// Prophet's `get_holiday_names(country)`: every value of the package's
    /// dictionary for 1995–2044 (several holidays on one date are one value,
    /// `"A; B"`), sorted.
    pub fn holiday_names(&self) -> Result<Vec<String>, HolidaysError> {
        let mut values = Vec::new();
        for year in NAME_YEARS {
            let rows = self.year_rows(year)?;
            for date in rows.chunk_by(|a, b| a.0 == b.0) {
                let names: Vec<&str> = date
                    .iter()
                    .map(|&(_, n)| self.names[usize::from(n)].as_str())
                    .collect();
                values.push(names.join("; "));
            }
        }
        values.sort_unstable();
        values.dedup();
        Ok(values)
    }

    fn year_rows(&self, year: i32) -> Result<&[(u16, u16)], HolidaysError> {
        let out_of_range = || HolidaysError::YearOutOfRange {
            country: self.code.clone(),
            year,
            first: *self.years().start(),
            last: *self.years().end(),
        };
        let at = usize::try_from(i64::from(year) - i64::from(self.first_year))
            .map_err(|_| out_of_range())?;
        match (self.year_starts.get(at), self.year_starts.get(at + 1)) {
            (Some(&start), Some(&end)) => Ok(&self.rows[start..end]),
            _ => Err(out_of_range()),
        }
    }
}

/// A cursor over a table's bytes whose every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, reason: &'static str) -> HolidaysError {
        HolidaysError::Malformed {
            reason,
            offset: self.at,
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&[u8], HolidaysError> {
        if n > self.remaining() {
            return Err(self.error("truncated"));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, HolidaysError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn varint(&mut self) -> Result<u64, HolidaysError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.error("varint longer than 64 bits"))
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so nothing allocates beyond the input.
    fn count(&mut self) -> Result<usize, HolidaysError> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or_else(|| self.error("count larger than the bytes left"))
    }

    fn text(&mut self) -> Result<String, HolidaysError> {
        let len = self.count()?;
        let bytes = self.take(len)?.to_vec();
        String::from_utf8(bytes).map_err(|_| self.error("text is not UTF-8"))
    }

    fn names(&mut self) -> Result<Vec<String>, HolidaysError> {
        let count = self.count()?;
        if count > usize::from(u16::MAX) {
            return Err(self.error("more names than a table may have"));
        }
        let mut names = Vec::with_capacity(count);
        for _ in 0..count {
            let name = self.text()?;
            if name.is_empty() {
                return Err(self.error("empty holiday name"));
            }
            names.push(name);
        }
        Ok(names)
    }

    fn year_rows(
        &mut self,
        year: i32,
        names: usize,
        rows: &mut Vec<(u16, u16)>,
    ) -> Result<(), HolidaysError> {
        let count = self.count()?;
        let days = if is_leap(year) { 366 } else { 365 };
        rows.reserve(count);
        for _ in 0..count {
            let day = self.varint()?;
            if day >= days {
                return Err(self.error("day of year out of range"));
            }
            let name = self.varint()?;
            if name >= names as u64 {
                return Err(self.error("name index out of range"));
            }
            rows.push((day as u16, name as u16));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-year table: 2023 with one holiday, 2024 with two on one date.
    fn sample() -> Vec<u8> {
        let mut b = b"GCHOL\x01\x02XX".to_vec();
        b.push(HOLIDAYS_VERSION.len() as u8);
        b.extend(HOLIDAYS_VERSION.as_bytes());
        b.extend(2023u16.to_le_bytes());
        b.extend(2u16.to_le_bytes());
        b.extend(b"\x02\x01A\x01B");
        b.extend(b"\x01\x00\x00"); // 2023: Jan 1st A
        b.extend(b"\x02\x3b\x01\x3b\x00"); // 2024: Feb 29th B, A
        b
    }

    #[test]
    fn reads_rows_and_joins_names_of_one_date() {
        let table = HolidayTable::from_bytes(&sample()).unwrap();
        assert_eq!(table.years(), 2023..=2024);
        // CPython's set {2023, 2024} iterates 2024 first (slot 0 of 8).
        let rows = table.holidays(&[2023, 2024]).unwrap();
        let (feb29, jan1) = (1_709_164_800, 1_672_531_200);
        let got: Vec<(i64, &str)> = rows.iter().map(|r| (r.ds, r.name.as_str())).collect();
        assert_eq!(got, [(feb29, "B"), (feb29, "A"), (jan1, "A")]);
        assert_eq!(
            table.holiday_names().unwrap_err().to_string(),
            "no XX holidays for 1995: the holiday tables cover 2023 to 2024"
        );
        let err = table.holidays(&[2023, 2025]).unwrap_err().to_string();
        assert!(
            err.contains("2025") && err.contains("2023 to 2024"),
            "{err}"
        );
        assert!(table.holidays(&[]).unwrap().is_empty());
    }

    #[test]
    fn rejects_every_truncation_and_corruption() {
        let good = sample();
        for len in 0..good.len() {
            assert!(HolidayTable::from_bytes(&good[..len]).is_err(), "{len}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(HolidayTable::from_bytes(&trailing).is_err());
        let mut bad_name = good.clone();
        *bad_name.last_mut().unwrap() = 7;
        assert!(HolidayTable::from_bytes(&bad_name).is_err());
        let mut huge_count = good.clone();
        let names_at = 5 + 1 + 3 + 1 + HOLIDAYS_VERSION.len() + 4;
        huge_count.splice(names_at..names_at + 1, [0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(
            HolidayTable::from_bytes(&huge_count),
            Err(HolidaysError::Malformed { .. })
        ));
        let mut old = good;
        old[10] = b'X';
        assert!(matches!(
            HolidayTable::from_bytes(&old),
            Err(HolidaysError::VersionMismatch { .. })
        ));
    }
}
