//! `training-report.json`: one row per customer and a summary, streamed to
//! disk as customers finish so memory does not grow with their number.
//!
//! Layout (one customer object per line, sorted by customer id, so a resumed
//! run can merge the previous report in one pass):
//!
//! ```text
//! {"customers": [
//! {"customer":"1","status":"trained",...},
//! {"customer":"10","status":"failed",...}
//! ],
//! "summary": {...}}
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use gridcast_store::AtomicFile;

use crate::accuracy::BacktestSummary;
use crate::backtest::CustomerBacktest;

/// The report's file name for an unsharded run.
pub const TRAINING_REPORT: &str = "training-report.json";

/// What happened to one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A model was fitted and its artifact written.
    Trained,
    /// The artifact already existed (resumed run without `--force`).
    Skipped,
    /// No artifact: see `error`.
    Failed,
}

/// One customer's row of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerReport {
    /// Customer id.
    pub customer: String,
    /// Outcome.
    pub status: Status,
    /// Rows the model was fitted on.
    #[serde(default)]
    pub rows: usize,
    /// Rows held out and scored.
    #[serde(default)]
    pub holdout_rows: usize,
    /// Time to read, fit, write and score, in milliseconds.
    #[serde(default)]
    pub fit_ms: f64,
    /// Holdout mean absolute percentage error (fraction); `None` where a
    /// held-out reading is zero, where it means nothing.
    #[serde(default)]
    pub mape: Option<f64>,
    /// Holdout symmetric mean absolute percentage error (Prophet's smape, 0 to 2).
    #[serde(default)]
    pub smape: Option<f64>,
    /// Holdout mean absolute error, in the readings' unit.
    #[serde(default)]
    pub mae: Option<f64>,
    /// Holdout root mean squared error.
    #[serde(default)]
    pub rmse: Option<f64>,
    /// Share of held-out readings inside the forecast interval.
    #[serde(default)]
    pub coverage: Option<f64>,
    /// Holdout MAPE of the same fit without the regressors
    /// (`--compare-without-regressors`): what the regressors buy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mape_without_regressors: Option<f64>,
    /// Holdout RMSE without the regressors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rmse_without_regressors: Option<f64>,
    /// Optimizer that produced the fit.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// Optimizer iterations.
    #[serde(default)]
    pub iterations: Option<usize>,
    /// Why the customer failed.
    #[serde(default)]
    pub error: Option<String>,
    /// The customer's backtest (`--cross-validate`): metrics per horizon,
    /// or why it could not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backtest: Option<CustomerBacktest>,
}

impl CustomerReport {
    /// A row with only the customer and status set.
    pub fn new(customer: &str, status: Status) -> Self {
        Self {
            customer: customer.to_owned(),
            status,
            rows: 0,
            holdout_rows: 0,
            fit_ms: 0.0,
            mape: None,
            smape: None,
            mae: None,
            rmse: None,
            coverage: None,
            mape_without_regressors: None,
            rmse_without_regressors: None,
            algorithm: None,
            iterations: None,
            error: None,
            backtest: None,
        }
    }
}

/// The run as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// Customers in this run (this shard).
    pub customers: usize,
    /// Artifacts present at the end (trained now or before).
    pub models: usize,
    /// Trained in this run.
    pub trained: usize,
    /// Skipped because their artifact existed.
    pub skipped: usize,
    /// Failed.
    pub failed: usize,
    /// Median holdout MAPE over the customers that have one (none where a
    /// held-out reading is zero).
    pub median_mape: Option<f64>,
    /// Median holdout sMAPE over the customers with a holdout.
    #[serde(default)]
    pub median_smape: Option<f64>,
    /// Median holdout MAPE without the regressors
    /// (`--compare-without-regressors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_mape_without_regressors: Option<f64>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// The shard, `I/N`, if sharded.
    pub shard: Option<String>,
    /// The fleet's backtest (`--cross-validate`): per horizon the
    /// distribution of the customers' metrics, and the worst customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backtest: Option<BacktestSummary>,
}

/// Median of `values` (sorted in place); `None` when empty.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// Writes the report a row at a time; renamed into place by `finish`.
pub(crate) struct ReportWriter {
    file: AtomicFile,
    rows: usize,
}

impl ReportWriter {
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(b"{\"customers\": [")?;
        Ok(Self { file, rows: 0 })
    }

    pub(crate) fn push(&mut self, row: &CustomerReport) -> io::Result<()> {
        self.file
            .write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.file, row)?;
        self.rows += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self, summary: &TrainSummary) -> io::Result<()> {
        self.file.write_all(b"\n],\n\"summary\": ")?;
        serde_json::to_writer_pretty(&mut self.file, summary)?;
        self.file.write_all(b"}\n")?;
        self.file.commit()
    }
}

/// One customer row of a report with its line, or where reading failed
/// (the line, and an I/O error or the parser's complaint).
pub(crate) type ReportRow = Result<(usize, CustomerReport), (usize, Result<io::Error, String>)>;

/// Every customer row of the report at `path`, in file order.
pub(crate) fn read_rows(path: &Path) -> io::Result<impl Iterator<Item = ReportRow>> {
    let lines = BufReader::new(File::open(path)?).lines();
    Ok(lines.enumerate().filter_map(|(i, line)| {
        let line_no = i + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err((line_no, Ok(e)))),
        };
        let row = line.trim_end_matches(',');
        if !row.starts_with("{\"customer\"") {
            return None;
        }
        Some(
            serde_json::from_str(row)
                .map(|r| (line_no, r))
                .map_err(|e| (line_no, Err(e.to_string()))),
        )
    }))
}

/// A previous run's report, read alongside this run in customer order.
pub(crate) struct PreviousReport {
    lines: Option<io::Lines<BufReader<File>>>,
    pending: Option<CustomerReport>,
}

impl PreviousReport {
    /// Opens `path` if it exists; a missing or unreadable report is empty.
    pub(crate) fn open(path: &Path) -> Self {
        let lines = File::open(path).ok().map(|f| BufReader::new(f).lines());
        Self {
            lines,
            pending: None,
        }
    }

    /// The previous row for `customer`; calls must come in ascending order.
    pub(crate) fn take(&mut self, customer: &str) -> Option<CustomerReport> {
        loop {
            if self.pending.is_none() {
                let lines = self.lines.as_mut()?;
                let line = match lines.next() {
                    Some(Ok(line)) => line,
                    _ => {
                        self.lines = None;
                        return None;
                    }
                };
                let row = line.trim_end_matches(',');
                if !row.starts_with("{\"customer\"") {
                    continue;
                }
                self.pending = serde_json::from_str(row).ok();
                continue;
            }
            let pending = self.pending.as_ref().expect("checked");
            match pending.customer.as_str().cmp(customer) {
                std::cmp::Ordering::Less => self.pending = None,
                std::cmp::Ordering::Equal => return self.pending.take(),
                std::cmp::Ordering::Greater => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_report_is_json_and_merges_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TRAINING_REPORT);
        let mut writer = ReportWriter::create(&path).unwrap();
        for (id, mape) in [("1", 0.1), ("10", 0.2), ("2", 0.3)] {
            let mut row = CustomerReport::new(id, Status::Trained);
            row.mape = Some(mape);
            writer.push(&row).unwrap();
        }
        writer
            .finish(&TrainSummary {
                customers: 3,
                ..Default::default()
            })
            .unwrap();
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(doc["customers"].as_array().unwrap().len(), 3);
        assert_eq!(doc["summary"]["customers"], 3);

        let mut previous = PreviousReport::open(&path);
        assert_eq!(previous.take("0"), None);
        assert_eq!(previous.take("10").unwrap().mape, Some(0.2));
        assert_eq!(previous.take("11"), None);
        assert_eq!(previous.take("2").unwrap().mape, Some(0.3));
        assert_eq!(previous.take("3"), None);
        assert_eq!(
            PreviousReport::open(&dir.path().join("missing")).take("1"),
            None
        );
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
