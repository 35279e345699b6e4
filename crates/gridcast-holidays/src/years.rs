//! The order Python iterates a set of years in.
//!
//! Prophet passes `list({x.year for x in dates})` to `make_holidays_df`, and
//! `holidays` stores `{int(v) for v in years}`, normalized once more by its
//! `__setattr__` (a set built from that set), then populates the years in that
//! set's order: three CPython sets of small integers in a row, each iterating
//! in hash-table slot order (an int hashes to itself). Colliding years (equal
//! modulo the table size) can come out in another order at each pass. This replays CPython's `set_add_entry` (linear probes,
//! then perturbed probing) and its resizing, which is what decides the order:
//! `{2022, 2023, 2024}` iterates 2024, 2022, 2023.

const MIN_SIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

/// A CPython `set` of ints that are never removed: just the slots.
struct IntSet {
    slots: Vec<Option<i64>>,
    used: usize,
}

/// CPython's `hash(int)` for the ints a year can be (|v| < 2^61 − 1).
fn hash(value: i64) -> u64 {
    (if value == -1 { -2 } else { value }) as u64
}

impl IntSet {
    fn new() -> IntSet {
        IntSet {
            slots: vec![None; MIN_SIZE],
            used: 0,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// `set_add_entry`: the first slot of the probe sequence that is empty or
    /// holds `value`; a new value takes it, and the table grows once 60% full.
    fn add(&mut self, value: i64) {
        let mask = self.mask();
        let slot = probe_sequence(value, mask)
            .find(|&s| self.slots[s].is_none_or(|v| v == value))
            .expect("a set table always has an empty slot");
        if self.slots[slot].is_none() {
            self.slots[slot] = Some(value);
            self.used += 1;
            if self.used * 5 >= mask * 3 {
                self.resize(self.used * 4);
            }
        }
    }

    /// `set_table_resize`: the smallest power of two above `min_used`, filled
    /// in the old table's slot order by `set_insert_clean`.
    fn resize(&mut self, min_used: usize) {
        let mut size = MIN_SIZE;
        while size <= min_used {
            size <<= 1;
        }
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        for value in old.into_iter().flatten() {
            self.insert_clean(value);
        }
    }

    /// `set_insert_clean`: the first empty slot of the probe sequence.
    fn insert_clean(&mut self, value: i64) {
        let slot = probe_sequence(value, self.mask())
            .find(|&s| self.slots[s].is_none())
            .expect("a set table always has an empty slot");
        self.slots[slot] = Some(value);
    }
}

/// The slots CPython looks at for `value`, in order: its hash's slot and the
/// next `LINEAR_PROBES` (when they fit before the table's end), then a slot
/// picked by the perturbed recurrence `i = 5i + 1 + perturb`, and so on.
fn probe_sequence(value: i64, mask: usize) -> impl Iterator<Item = usize> {
    let mut perturb = hash(value);
    let mut i = perturb as usize & mask;
    std::iter::from_fn(move || {
        let probes = if i + LINEAR_PROBES <= mask {
            LINEAR_PROBES
        } else {
            0
        };
        let run = i..=i + probes;
        perturb >>= PERTURB_SHIFT;
        i = i
            .wrapping_mul(5)
            .wrapping_add(1)
            .wrapping_add(perturb as usize)
            & mask;
        Some(run)
    })
    .flatten()
}

/// `list({v for v in values})` in CPython (3.11): the distinct values in the
/// order the set iterates them.
pub fn python_set_order(values: impl IntoIterator<Item = i32>) -> Vec<i32> {
    let mut set = IntSet::new();
    for v in values {
        set.add(i64::from(v));
    }
    set.slots.into_iter().flatten().map(|v| v as i32).collect()
}

/// The order a `holidays` object made with `years=years` populates them in,
/// and so the order of `make_holidays_df(years, …)`'s rows: CPython's set
/// order, applied twice (see the module docs).
pub fn holidays_year_order(years: &[i32]) -> Vec<i32> {
    python_set_order(python_set_order(years.iter().copied()))
}

/// The `year_list` Prophet's `construct_holiday_dataframe(dates)` passes to
/// `make_holidays_df`: `list({x.year for x in dates})`, for naive timestamps
/// in seconds since the epoch (Prophet's `ds`).
pub fn prophet_year_list(ds: &[i64]) -> Vec<i32> {
    python_set_order(ds.iter().map(|&ts| year_of(ts)))
}

/// The calendar year of a naive timestamp.
pub(crate) fn year_of(ts: i64) -> i32 {
    civil_from_days(ts.div_euclid(86_400)).0
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        month,
        day,
    )
}

/// Days since 1970-01-01 of January 1st of `year`.
pub(crate) fn days_from_new_year(year: i32) -> i64 {
    let y = i64::from(year) - 1; // January counts in the year before (March-based)
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = 306; // January 1st, counted from March 1st
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether `year` has 366 days.
pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sets_iterate_by_slot() {
        assert_eq!(python_set_order([2021, 2022]), [2021, 2022]);
        assert_eq!(python_set_order([2022, 2023, 2024]), [2024, 2022, 2023]);
        assert_eq!(python_set_order([2023, 2023, 2022]), [2022, 2023]);
    }

    #[test]
    fn calendar_arithmetic_round_trips() {
        for year in [1900, 1969, 1970, 2000, 2024, 2100] {
            let days = days_from_new_year(year);
            assert_eq!(civil_from_days(days), (year, 1, 1));
            assert_eq!(civil_from_days(days - 1), (year - 1, 12, 31));
        }
        assert_eq!(days_from_new_year(1970), 0);
        assert_eq!(days_from_new_year(2024), 19_723);
        assert_eq!(year_of(-1), 1969);
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2023));
    }
}
