//! `generate_cutoffs` and the checks `cross_validation` applies to cutoffs
//! the caller gives, on the history's timestamps (nanoseconds, as pandas).

use super::{CvError, Timedelta};
use crate::time::Timestamp;

const NANOS: i128 = 1_000_000_000;

/// Python's `generate_cutoffs(df, horizon, initial, period)` on the sorted
/// history timestamps `ds`: from `max(ds) - horizon` back by `period` while
/// at least `initial` of history stays before the cutoff, skipping back over
/// gaps with no data in `(cutoff, cutoff + horizon]`. Ascending. Stops with
/// [`CvError::TooManyCutoffs`] past `max_cutoffs`.
pub fn generate_cutoffs(
    ds: &[Timestamp],
    horizon: Timedelta,
    initial: Timedelta,
    period: Timedelta,
    max_cutoffs: usize,
) -> Result<Vec<Timestamp>, CvError> {
    let ns: Vec<i128> = ds.iter().map(|&d| i128::from(d) * NANOS).collect();
    let (Some(&min), Some(&max)) = (ns.first(), ns.last()) else {
        return Err(CvError::NotFitted);
    };
    let (horizon_ns, period_ns) = (
        i128::from(horizon.as_nanos()),
        i128::from(period.as_nanos()),
    );
    let mut cutoff = max - horizon_ns;
    if cutoff < min {
        return Err(CvError::LessDataThanHorizon {
            horizon,
            span: Timedelta::from_nanos((max - min) as i64),
        });
    }
    let start = min + i128::from(initial.as_nanos());
    let mut result = vec![cutoff];
    while *result.last().expect("not empty") >= start {
        cutoff -= period_ns;
        if !has_rows_in(&ns, cutoff, cutoff + horizon_ns) && cutoff > min {
            let closest = ns[ns.partition_point(|&d| d <= cutoff) - 1];
            cutoff = closest - horizon_ns;
        }
        result.push(cutoff);
        if result.len() > max_cutoffs + 1 {
            return Err(CvError::TooManyCutoffs { max: max_cutoffs });
        }
    }
    result.pop();
    if result.is_empty() {
        return Err(CvError::NoCutoffAfterInitial {
            horizon,
            initial,
            span: Timedelta::from_nanos((max - min) as i64),
        });
    }
    result.reverse();
    result
        .into_iter()
        .map(|c| to_timestamp(c).ok_or(CvError::NotWholeSeconds { what: "cutoff" }))
        .collect()
}

/// Whether any of the sorted `ns` is in `(after, until]`.
fn has_rows_in(ns: &[i128], after: i128, until: i128) -> bool {
    let first = ns.partition_point(|&d| d <= after);
    ns.get(first).is_some_and(|&d| d <= until)
}

fn to_timestamp(ns: i128) -> Option<Timestamp> {
    (ns % NANOS == 0).then_some((ns / NANOS) as Timestamp)
}

/// `cross_validation`'s checks of given cutoffs: the smallest after the
/// first timestamp, the largest at most `max(ds) - horizon`. Returns
/// Python's `initial`, `cutoffs[0] - min(ds)` (the first as given).
pub fn check_cutoffs(
    ds: &[Timestamp],
    cutoffs: &[Timestamp],
    horizon: Timedelta,
    max_cutoffs: usize,
) -> Result<Timedelta, CvError> {
    let (Some(&min), Some(&max)) = (ds.first(), ds.last()) else {
        return Err(CvError::NotFitted);
    };
    let (Some(&lowest), Some(&highest), Some(&first)) =
        (cutoffs.iter().min(), cutoffs.iter().max(), cutoffs.first())
    else {
        return Err(CvError::NoCutoffs);
    };
    if cutoffs.len() > max_cutoffs {
        return Err(CvError::TooManyCutoffs { max: max_cutoffs });
    }
    if lowest <= min {
        return Err(CvError::CutoffNotAfterStart {
            cutoff: lowest,
            start: min,
        });
    }
    let latest = i128::from(max) * NANOS - i128::from(horizon.as_nanos());
    if i128::from(highest) * NANOS > latest {
        return Err(CvError::CutoffTooLate {
            cutoff: highest,
            horizon,
            end: max,
        });
    }
    Ok(Timedelta::seconds(first - min))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn days(list: &[i64]) -> Vec<Timestamp> {
        list.iter().map(|d| d * DAY).collect()
    }

    #[test]
    fn steps_back_by_period_until_initial() {
        let ds = days(&(0..100).collect::<Vec<_>>());
        let c = generate_cutoffs(
            &ds,
            Timedelta::days(10),
            Timedelta::days(30),
            Timedelta::days(20),
            100,
        )
        .unwrap();
        // 89, 69, 49 (>= 30); 29 is dropped.
        assert_eq!(c, days(&[49, 69, 89]));
    }

    #[test]
    fn skips_back_over_gaps() {
        // Data on days 0..50 and 80..100: the cutoff 59 has nothing in
        // (59, 69], so it moves to the last date before it minus horizon.
        let ds = days(&(0..50).chain(80..100).collect::<Vec<_>>());
        let c = generate_cutoffs(
            &ds,
            Timedelta::days(10),
            Timedelta::days(5),
            Timedelta::days(10),
            100,
        )
        .unwrap();
        assert_eq!(c, days(&[9, 19, 29, 39, 79, 89]));
    }

    #[test]
    fn too_little_data_is_an_error() {
        let ds = days(&(0..20).collect::<Vec<_>>());
        let horizon = Timedelta::days(30);
        assert!(matches!(
            generate_cutoffs(&ds, horizon, Timedelta::days(1), Timedelta::days(1), 10),
            Err(CvError::LessDataThanHorizon { .. })
        ));
        assert!(matches!(
            generate_cutoffs(
                &ds,
                Timedelta::days(5),
                Timedelta::days(30),
                Timedelta::days(1),
                10
            ),
            Err(CvError::NoCutoffAfterInitial { .. })
        ));
        assert!(matches!(
            generate_cutoffs(
                &ds,
                Timedelta::days(1),
                Timedelta::days(1),
                Timedelta::days(1),
                5
            ),
            Err(CvError::TooManyCutoffs { max: 5 })
        ));
    }

    #[test]
    fn given_cutoffs_are_checked() {
        let ds = days(&(0..100).collect::<Vec<_>>());
        let h = Timedelta::days(10);
        assert_eq!(
            check_cutoffs(&ds, &days(&[50, 40]), h, 10).unwrap(),
            Timedelta::days(50)
        );
        assert!(matches!(
            check_cutoffs(&ds, &days(&[0, 40]), h, 10),
            Err(CvError::CutoffNotAfterStart { .. })
        ));
        assert!(matches!(
            check_cutoffs(&ds, &days(&[90]), h, 10),
            Err(CvError::CutoffTooLate { .. })
        ));
        assert!(check_cutoffs(&ds, &days(&[89]), h, 10).is_ok());
        assert!(matches!(
            check_cutoffs(&ds, &[], h, 10),
            Err(CvError::NoCutoffs)
        ));
    }
}
