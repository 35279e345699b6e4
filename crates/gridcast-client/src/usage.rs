//! A customer's consumption history: aggregated for the chart, and the
//! totals people look for (last 7 and 30 days against the period before).

/// How readings are grouped for the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// One point per calendar day (UTC), the sum of its readings.
    Daily,
    /// One point per ISO week (Monday start), the sum of its readings.
    Weekly,
}

/// One chart point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsagePoint {
    /// Start of the day or week, Unix seconds.
    pub start: i64,
    /// Sum of readings in it.
    pub value: f64,
}

/// A total over the last `days` days and the same span just before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodTotal {
    /// Length of the period in days.
    pub days: i64,
    /// Sum over the last `days` days up to the latest reading.
    pub current: f64,
    /// Sum over the `days` days before that, when the history covers them.
    pub previous: Option<f64>,
}

impl PeriodTotal {
    /// Change against the previous period, in percent.
    pub fn change_percent(&self) -> Option<f64> {
        let p = self.previous?;
        (p != 0.0).then(|| (self.current - p) / p * 100.0)
    }
}

/// Readings, in time order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    ds: Vec<i64>,
    y: Vec<f64>,
}

const DAY: i64 = 86_400;

impl Usage {
    /// Readings at `ds` (Unix seconds); sorted here.
    pub fn new(ds: Vec<i64>, y: Vec<f64>) -> Self {
        let mut order: Vec<usize> = (0..ds.len().min(y.len())).collect();
        gridcast_model::sort_by_time(&mut order, &ds);
        Self {
            ds: order.iter().map(|&i| ds[i]).collect(),
            y: order.iter().map(|&i| y[i]).collect(),
        }
    }

    /// No readings.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// The latest reading's time.
    pub fn last(&self) -> Option<i64> {
        self.ds.last().copied()
    }

    /// Chart points.
    pub fn aggregate(&self, by: Aggregation) -> Vec<UsagePoint> {
        let bucket = |t: i64| match by {
            Aggregation::Daily => t.div_euclid(DAY) * DAY,
            // 1970-01-01 was a Thursday: shift so weeks start on Monday.
            Aggregation::Weekly => (t + 3 * DAY).div_euclid(7 * DAY) * 7 * DAY - 3 * DAY,
        };
        let mut out: Vec<UsagePoint> = Vec::new();
        for (&t, &y) in self.ds.iter().zip(&self.y) {
            let start = bucket(t);
            match out.last_mut() {
                Some(p) if p.start == start => p.value += y,
                _ => out.push(UsagePoint { start, value: y }),
            }
        }
        out
    }

    /// The total of the last `days` days (ending with the latest reading's
    /// day) and of the `days` before, if the history reaches back that far.
    pub fn total(&self, days: i64) -> PeriodTotal {
        let Some(last) = self.last() else {
            return PeriodTotal {
                days,
                current: 0.0,
                previous: None,
            };
        };
        let end = last.div_euclid(DAY) * DAY + DAY;
        let sum = |from: i64, to: i64| -> f64 {
            self.ds
                .iter()
                .zip(&self.y)
                .filter(|(t, _)| (from..to).contains(*t))
                .map(|(_, y)| y)
                .sum()
        };
        let covered = self.ds[0] <= end - 2 * days * DAY;
        PeriodTotal {
            days,
            current: sum(end - days * DAY, end),
            previous: covered.then(|| sum(end - 2 * days * DAY, end - days * DAY)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: i64, start: i64) -> Usage {
        let ds = (0..n).map(|i| start + i * DAY).collect();
        let y = (0..n).map(|i| (i + 1) as f64).collect();
        Usage::new(ds, y)
    }

    #[test]
    fn daily_and_weekly_sums() {
        // 2022-01-03 was a Monday.
        let monday = 1_641_168_000;
        let u = days(10, monday);
        let daily = u.aggregate(Aggregation::Daily);
        assert_eq!(daily.len(), 10);
        let weekly = u.aggregate(Aggregation::Weekly);
        assert_eq!(
            weekly,
            vec![
                UsagePoint {
                    start: monday,
                    value: 28.0
                },
                UsagePoint {
                    start: monday + 7 * DAY,
                    value: 27.0
                },
            ]
        );
        // Hourly readings sum into their day.
        let hourly = Usage::new((0..48).map(|h| monday + h * 3600).collect(), vec![1.0; 48]);
        assert_eq!(
            hourly
                .aggregate(Aggregation::Daily)
                .iter()
                .map(|p| p.value)
                .collect::<Vec<_>>(),
            vec![24.0, 24.0]
        );
    }

    #[test]
    fn totals_compare_with_the_period_before() {
        let u = days(20, 1_641_168_000);
        let w = u.total(7);
        assert_eq!(w.current, (14..=20).sum::<i64>() as f64);
        assert_eq!(w.previous, Some((7..=13).sum::<i64>() as f64));
        assert!((w.change_percent().unwrap() - (119.0 - 70.0) / 70.0 * 100.0).abs() < 1e-9);
        // 30 days: the history does not reach back 60.
        let m = u.total(30);
        assert_eq!(m.current, (1..=20).sum::<i64>() as f64);
        assert_eq!(m.previous, None);
        assert_eq!(Usage::default().total(7).current, 0.0);
    }
}
