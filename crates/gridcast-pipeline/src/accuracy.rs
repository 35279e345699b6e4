//! The fleet's accuracy: the distribution of every customer's backtest
//! metrics per horizon, and the customers that forecast worst.
//!
//! [`FleetAccuracy`] takes the report's rows one at a time (as the run
//! streams them) and keeps, per horizon, one number per customer and
//! headline metric (smape, mae, rmse, coverage, mape: 40 bytes a customer
//! and horizon), plus the `worst` customers in a bounded heap.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use serde::{Deserialize, Serialize};

use crate::backtest::{BacktestSpec, CustomerBacktest, HorizonMetrics};

/// The metrics the summary describes, by their report names.
const HEADLINE: [&str; 5] = ["smape", "mae", "rmse", "coverage", "mape"];

/// Quantiles of one metric over the customers (numpy's linear interpolation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Customers with a value.
    pub customers: usize,
    /// Mean.
    pub mean: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Largest.
    pub max: f64,
}

impl Distribution {
    /// Of `values` (sorted in place); `None` when empty.
    pub fn of(values: &mut [f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let at = p * (values.len() - 1) as f64;
            let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
            values[lo] + (values[hi] - values[lo]) * (at - lo as f64)
        };
        Some(Self {
            customers: values.len(),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            p10: q(0.1),
            p25: q(0.25),
            median: q(0.5),
            p75: q(0.75),
            p90: q(0.9),
            max: values[values.len() - 1],
        })
    }
}

/// One horizon of the fleet summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonSummary {
    /// The horizon in days.
    pub horizon_days: f64,
    /// Each headline metric's distribution over the customers.
    pub metrics: BTreeMap<String, Distribution>,
}

/// A customer among the worst.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorstCustomer {
    /// Customer id.
    pub customer: String,
    /// Mean sMAPE over its horizons (the ranking: scale-free, defined with zeros).
    pub smape: f64,
    /// Mean MAE over its horizons, in the readings' unit.
    pub mae: Option<f64>,
    /// Mean coverage over its horizons.
    pub coverage: Option<f64>,
}

/// The summary's `backtest` part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestSummary {
    /// The spec every row ran with.
    pub spec: String,
    /// Customers with metrics.
    pub backtested: usize,
    /// Customers whose backtest failed.
    pub failed: usize,
    /// Failures by reason code.
    pub failures: BTreeMap<String, usize>,
    /// Cutoffs (refits) over the customers.
    pub cutoffs: usize,
    /// Per horizon, the distribution of each headline metric.
    pub horizons: Vec<HorizonSummary>,
    /// The customers that forecast worst (highest mean sMAPE), worst first.
    pub worst: Vec<WorstCustomer>,
}

/// Folds customers' backtests into a [`BacktestSummary`].
#[derive(Debug)]
pub struct FleetAccuracy {
    spec: String,
    worst_n: usize,
    backtested: usize,
    failed: usize,
    cutoffs: usize,
    failures: BTreeMap<String, usize>,
    /// Horizon (whole seconds) → per headline metric, the customers' values.
    horizons: BTreeMap<i64, [Vec<f64>; HEADLINE.len()]>,
    /// Min-heap of the worst so far by mean sMAPE (ties: the larger id is kept out).
    worst: BinaryHeap<Reverse<Ranked>>,
}

#[derive(Debug, PartialEq)]
struct Ranked(f64, Reverse<String>, Option<f64>, Option<f64>);

impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

impl FleetAccuracy {
    /// An empty summary for `spec`.
    pub fn new(spec: &BacktestSpec) -> Self {
        Self {
            spec: spec.to_string(),
            worst_n: spec.worst,
            backtested: 0,
            failed: 0,
            cutoffs: 0,
            failures: BTreeMap::new(),
            horizons: BTreeMap::new(),
            worst: BinaryHeap::new(),
        }
    }

    /// Adds one customer's backtest; one made with another spec is ignored
    /// (`false`).
    pub fn add(&mut self, customer: &str, backtest: &CustomerBacktest) -> bool {
        if backtest.spec != self.spec {
            return false;
        }
        self.cutoffs += backtest.cutoffs;
        let Some(m) = &backtest.metrics else {
            self.failed += 1;
            let reason = backtest
                .error
                .as_ref()
                .map_or("unknown", |e| e.reason.as_str());
            *self.failures.entry(reason.to_owned()).or_default() += 1;
            return true;
        };
        self.backtested += 1;
        let columns = headline_columns(m);
        for (i, &days) in m.horizon_days.iter().enumerate() {
            let key = (days * 86_400.0).round() as i64;
            let slot = self.horizons.entry(key).or_default();
            for (values, column) in slot.iter_mut().zip(&columns) {
                if let Some(v) = column.and_then(|c| c[i]) {
                    values.push(v);
                }
            }
        }
        if let Some(smape) = HorizonMetrics::mean(&m.smape) {
            let mae = HorizonMetrics::mean(&m.mae);
            let coverage = m.coverage.as_deref().and_then(HorizonMetrics::mean);
            self.worst.push(Reverse(Ranked(
                smape,
                Reverse(customer.to_owned()),
                mae,
                coverage,
            )));
            if self.worst.len() > self.worst_n {
                self.worst.pop();
            }
        }
        true
    }

    /// The summary.
    pub fn finish(self) -> BacktestSummary {
        let horizons = self
            .horizons
            .into_iter()
            .map(|(seconds, mut columns)| HorizonSummary {
                horizon_days: seconds as f64 / 86_400.0,
                metrics: HEADLINE
                    .iter()
                    .zip(columns.iter_mut())
                    .filter_map(|(name, values)| {
                        Distribution::of(values).map(|d| ((*name).to_owned(), d))
                    })
                    .collect(),
            })
            .collect();
        let mut worst: Vec<Ranked> = self.worst.into_iter().map(|Reverse(r)| r).collect();
        worst.sort_by(|a, b| b.cmp(a));
        BacktestSummary {
            spec: self.spec,
            backtested: self.backtested,
            failed: self.failed,
            failures: self.failures,
            cutoffs: self.cutoffs,
            horizons,
            worst: worst
                .into_iter()
                .map(
                    |Ranked(smape, Reverse(customer), mae, coverage)| WorstCustomer {
                        customer,
                        smape,
                        mae,
                        coverage,
                    },
                )
                .collect(),
        }
    }
}

/// Why shard reports could not be merged into one fleet summary.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A report could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The report.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// A customer row that does not parse.
    #[error("{path} line {line}: not a training report row: {problem}")]
    Row {
        /// The report.
        path: String,
        /// 1-based line.
        line: usize,
        /// The parser's complaint.
        problem: String,
    },
    /// A customer in two reports: a shard given twice, or reports of two runs.
    #[error("customer {customer} is in {first} and in {second}: give each shard's report of one run once")]
    Duplicate {
        /// Customer id.
        customer: String,
        /// The first report with it.
        first: String,
        /// The second.
        second: String,
    },
    /// Rows backtested with different specs.
    #[error("{path}: customer {customer} was backtested with {other:?}, the reports before with {spec:?}: merge the reports of one --cross-validate run")]
    Specs {
        /// The report.
        path: String,
        /// Customer id.
        customer: String,
        /// The spec of the rows before.
        spec: String,
        /// This row's.
        other: String,
    },
    /// A row's spec that does not parse.
    #[error("{path}: customer {customer}'s backtest spec: {source}")]
    Spec {
        /// The report.
        path: String,
        /// Customer id.
        customer: String,
        /// Why.
        source: crate::backtest::BacktestSpecError,
    },
    /// No row has a backtest.
    #[error("no customer in the reports was backtested: train with --cross-validate")]
    NoBacktest,
}

/// The fleet summary of a sharded `train --cross-validate` run from its
/// shards' reports: every customer folded once, as one unsharded run would
/// (so the summary equals that run's), naming the `worst` customers.
pub fn merge_reports(
    reports: &[std::path::PathBuf],
    worst: usize,
) -> Result<BacktestSummary, MergeError> {
    let mut fleet: Option<FleetAccuracy> = None;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (at, path) in reports.iter().enumerate() {
        let name = || path.display().to_string();
        let rows = crate::report::read_rows(path).map_err(|source| MergeError::Read {
            path: name(),
            source,
        })?;
        for row in rows {
            let (_, row) = row.map_err(|(line, problem)| match problem {
                Ok(source) => MergeError::Read {
                    path: format!("{} line {line}", name()),
                    source,
                },
                Err(problem) => MergeError::Row {
                    path: name(),
                    line,
                    problem,
                },
            })?;
            if let Some(first) = seen.insert(row.customer.clone(), at) {
                return Err(MergeError::Duplicate {
                    customer: row.customer,
                    first: reports[first].display().to_string(),
                    second: name(),
                });
            }
            let Some(backtest) = &row.backtest else {
                continue;
            };
            let fleet = match &mut fleet {
                Some(f) => f,
                None => {
                    let mut spec: BacktestSpec =
                        backtest.spec.parse().map_err(|source| MergeError::Spec {
                            path: name(),
                            customer: row.customer.clone(),
                            source,
                        })?;
                    spec.worst = worst;
                    fleet.insert(FleetAccuracy::new(&spec))
                }
            };
            if !fleet.add(&row.customer, backtest) {
                return Err(MergeError::Specs {
                    path: name(),
                    customer: row.customer.clone(),
                    spec: fleet.spec.clone(),
                    other: backtest.spec.clone(),
                });
            }
        }
    }
    fleet
        .map(FleetAccuracy::finish)
        .ok_or(MergeError::NoBacktest)
}

/// The headline columns of `m`, in [`HEADLINE`]'s order.
fn headline_columns(m: &HorizonMetrics) -> [Option<&[Option<f64>]>; HEADLINE.len()] {
    [
        Some(&m.smape),
        Some(&m.mae),
        Some(&m.rmse),
        m.coverage.as_deref(),
        m.mape.as_deref(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::BacktestFailure;

    fn backtest(spec: &BacktestSpec, smape: [f64; 2], mape: bool) -> CustomerBacktest {
        let col = |v: [f64; 2]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        CustomerBacktest {
            spec: spec.to_string(),
            cutoffs: 4,
            ms: 1.0,
            metrics: Some(HorizonMetrics {
                horizon_days: vec![1.0, 2.0],
                mse: col([1.0, 4.0]),
                rmse: col([1.0, 2.0]),
                mae: col([smape[0] * 100.0, smape[1] * 100.0]),
                mape: mape.then(|| col(smape)),
                mdape: None,
                smape: col(smape),
                coverage: Some(col([0.8, 0.9])),
            }),
            error: None,
        }
    }

    #[test]
    fn distributions_per_horizon_and_the_worst_customers() {
        let spec = BacktestSpec {
            worst: 2,
            ..BacktestSpec::horizon(gridcast_model::diagnostics::Timedelta::days(2))
        };
        let mut fleet = FleetAccuracy::new(&spec);
        for (id, s) in [("a", 0.1), ("b", 0.4), ("c", 0.2), ("d", 0.3), ("e", 0.05)] {
            assert!(fleet.add(id, &backtest(&spec, [s, 2.0 * s], id != "e")));
        }
        let failed = CustomerBacktest {
            metrics: None,
            cutoffs: 0,
            error: Some(BacktestFailure {
                reason: "no_cutoff_after_initial".into(),
                message: "…".into(),
            }),
            ..backtest(&spec, [0.0, 0.0], true)
        };
        assert!(fleet.add("short", &failed));
        let other = BacktestSpec::horizon(gridcast_model::diagnostics::Timedelta::days(9));
        assert!(!fleet.add("x", &backtest(&other, [9.0, 9.0], true)));

        let s = fleet.finish();
        assert_eq!((s.backtested, s.failed, s.cutoffs), (5, 1, 20));
        assert_eq!(s.failures["no_cutoff_after_initial"], 1);
        assert_eq!(s.horizons.len(), 2);
        let day1 = &s.horizons[0];
        assert_eq!(day1.horizon_days, 1.0);
        let smape = &day1.metrics["smape"];
        // 0.05, 0.1, 0.2, 0.3, 0.4: numpy's percentiles.
        assert_eq!((smape.customers, smape.median, smape.max), (5, 0.2, 0.4));
        assert!((smape.p10 - 0.07).abs() < 1e-12 && (smape.p75 - 0.3).abs() < 1e-12);
        assert!((smape.mean - 0.21).abs() < 1e-12);
        assert_eq!(day1.metrics["mape"].customers, 4, "e has zeros: no mape");
        assert_eq!(s.horizons[1].metrics["smape"].median, 0.4);
        let worst: Vec<(&str, f64)> = s
            .worst
            .iter()
            .map(|w| (w.customer.as_str(), w.smape))
            .collect();
        assert_eq!(worst.len(), 2);
        assert_eq!(worst[0].0, "b");
        assert!((worst[0].1 - 0.6).abs() < 1e-12);
        assert_eq!(worst[1].0, "d");
        assert!((s.worst[0].coverage.unwrap() - 0.85).abs() < 1e-12);
    }

    #[test]
    fn distribution_of_one_and_none() {
        assert_eq!(Distribution::of(&mut []), None);
        let one = Distribution::of(&mut [3.0]).unwrap();
        assert_eq!(
            (one.p10, one.median, one.p90, one.max),
            (3.0, 3.0, 3.0, 3.0)
        );
    }
}
