//! Training one Prophet model per customer file, in parallel.

use std::fs;
use std::io::{self, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use gridcast_model::{
    fit, format_iso_millis, read_artifact, score_holdout, write_artifact, Artifact, ArtifactLimits,
    Frame, ProphetConfig,
};
use rayon::prelude::*;

use crate::accuracy::FleetAccuracy;
use crate::backtest::{backtest_model, BacktestSpec, HoldoutMetrics, ServedBacktest};
use crate::report::{
    median, CustomerReport, PreviousReport, ReportWriter, Status, TrainSummary, TRAINING_REPORT,
};
use crate::shard::Shard;
use gridcast_api::CustomerId;
use gridcast_store::{temporary_target, AtomicFile};

/// Where artifacts go: the output directory, or (through the CLI) an object store.
pub trait ArtifactSink: Sync {
    /// Whether a whole artifact for `customer` is already there.
    fn has(&self, customer: &CustomerId) -> bool;
    /// Stores `bytes` as `customer`'s artifact, whole or not at all.
    fn put(&self, customer: &CustomerId, bytes: &[u8]) -> Result<(), String>;
    /// Stores `bytes` as `customer`'s backtest ([`CustomerId::backtest_name`]).
    fn put_backtest(&self, customer: &CustomerId, bytes: &[u8]) -> Result<(), String>;
}

/// Artifacts as files in a directory: written under a temporary name and
/// renamed; an existing one counts only if it unpacks.
pub struct LocalArtifacts<'a>(pub &'a Path);

impl ArtifactSink for LocalArtifacts<'_> {
    fn has(&self, customer: &CustomerId) -> bool {
        let target = self.0.join(customer.artifact_name());
        if !target.exists() {
            return false;
        }
        // A crash after the rename but before the data reached the disk can
        // leave an empty or truncated file.
        let whole =
            fs::read(&target).is_ok_and(|b| read_artifact(&b, &ArtifactLimits::default()).is_ok());
        if !whole {
            tracing::warn!(artifact = %target.display(), "training again: the existing artifact does not unpack");
        }
        whole
    }

    fn put(&self, customer: &CustomerId, bytes: &[u8]) -> Result<(), String> {
        let target = self.0.join(customer.artifact_name());
        AtomicFile::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))
    }

    fn put_backtest(&self, customer: &CustomerId, bytes: &[u8]) -> Result<(), String> {
        let target = self.0.join(customer.backtest_name());
        AtomicFile::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))
    }
}

/// Largest per-customer CSV read (a day of readings a minute for 100 years
/// is ~130 MB; anything bigger is not one customer's data).
pub const MAX_CUSTOMER_CSV: u64 = 256 << 20;

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Fit on all rows but the last `holdout`, and score the forecast on them.
    pub holdout: usize,
    /// Prophet's arguments.
    pub config: ProphetConfig,
    /// Retrain customers whose artifact exists.
    pub force: bool,
    /// Train only this shard of the customers.
    pub shard: Option<Shard>,
    /// File name of the report in the output directory.
    pub report_name: String,
    /// Backtest every customer's model (Prophet's `cross_validation` on
    /// its training rows) into the report and the fleet summary.
    pub cross_validate: Option<BacktestSpec>,
    /// Also fit each customer without the config's regressors and score
    /// that holdout too (twice the fitting work).
    pub compare_without_regressors: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            holdout: 0,
            config: ProphetConfig::default(),
            force: false,
            shard: None,
            report_name: TRAINING_REPORT.into(),
            cross_validate: None,
            compare_without_regressors: false,
        }
    }
}

/// The customers of a run, sorted by id and sharded.
///
/// Only the ids are kept (about 40 bytes a customer): the list must be whole
/// to be sorted and sharded, but nothing else grows with its length.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The directory of `<id>.csv` files.
    pub input: PathBuf,
    /// This shard's customers, sorted.
    pub customers: Vec<CustomerId>,
    /// Customers in the input, all shards.
    pub total: usize,
    /// `.csv` files whose name is not a valid customer id.
    pub ignored: Vec<String>,
}

/// Why a run could not start or finish (a customer's failure is not one).
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A directory or the report could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// No `<id>.csv` in the input.
    #[error("{}: no customer files (<id>.csv)", input.display())]
    NoCustomers {
        /// The input directory.
        input: PathBuf,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TrainError + '_ {
    move |source| TrainError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Lists `<id>.csv` in `input`, sorted by customer id, and keeps `shard`'s share.
pub fn plan(input: &Path, shard: Option<Shard>) -> Result<Plan, TrainError> {
    let mut customers = Vec::new();
    let mut ignored = Vec::new();
    for entry in fs::read_dir(input).map_err(io_err(input))? {
        let entry = entry.map_err(io_err(input))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.ends_with(".csv") || name.starts_with('.') {
            continue;
        }
        match CustomerId::from_file_name(name, "csv") {
            Some(customer) => customers.push(customer),
            None => ignored.push(name.to_owned()),
        }
    }
    if customers.is_empty() {
        return Err(TrainError::NoCustomers {
            input: input.to_owned(),
        });
    }
    customers.sort();
    customers.shrink_to_fit();
    ignored.sort();
    let total = customers.len();
    let customers = match shard {
        Some(shard) => shard.select(customers),
        None => customers,
    };
    Ok(Plan {
        input: input.to_owned(),
        customers,
        total,
        ignored,
    })
}

/// Customers trained between two report flushes: enough to keep every core
/// busy, few enough that memory stays flat however many customers there are.
const BATCH: usize = 1024;

/// Trains every customer of `plan` into `<output>/<id>.tar.gz` on the current rayon
/// pool, calling `progress` as each customer finishes, and writes the report.
///
/// Temporary files a killed run left for this run's customers are removed
/// first; artifacts that exist are skipped unless `opts.force`.
pub fn train(
    plan: &Plan,
    output: &Path,
    opts: &TrainOptions,
    progress: &(dyn Fn(&CustomerReport) + Sync),
) -> Result<TrainSummary, TrainError> {
    train_into(plan, output, opts, &LocalArtifacts(output), progress)
}

/// [`train`] with the artifacts going to `sink`; the report still goes to `output`.
pub fn train_into(
    plan: &Plan,
    output: &Path,
    opts: &TrainOptions,
    sink: &dyn ArtifactSink,
    progress: &(dyn Fn(&CustomerReport) + Sync),
) -> Result<TrainSummary, TrainError> {
    let started = Instant::now();
    fs::create_dir_all(output).map_err(io_err(output))?;
    remove_stale_temporaries(plan, output, &opts.report_name)?;
    let report_path = output.join(&opts.report_name);
    let mut previous = PreviousReport::open(&report_path);
    let mut writer = ReportWriter::create(&report_path).map_err(io_err(&report_path))?;
    let mut summary = TrainSummary {
        customers: plan.customers.len(),
        shard: opts.shard.map(|s| s.to_string()),
        ..Default::default()
    };
    let (mut mapes, mut smapes, mut mapes_without) = (Vec::new(), Vec::new(), Vec::new());
    let mut fleet = opts.cross_validate.as_ref().map(FleetAccuracy::new);
    for batch in plan.customers.chunks(BATCH) {
        let olds: Vec<Option<CustomerReport>> =
            batch.iter().map(|c| previous.take(c.as_str())).collect();
        let rows: Vec<(CustomerReport, Option<CustomerReport>)> = batch
            .par_iter()
            .zip(olds)
            // One customer a task: rayon's default leaves (a quarter of the
            // batch and smaller) cannot be stolen once started, so one core
            // finished a leaf of ~200 customers alone at the end of a run.
            .with_max_len(1)
            .map(|(customer, old)| {
                let row = train_guarded(&plan.input, customer, sink, opts, old.as_ref());
                progress(&row);
                (row, old)
            })
            .collect();
        for (mut row, old) in rows {
            if row.status == Status::Skipped {
                if let Some(old) = old.filter(|o| o.status != Status::Failed) {
                    row = CustomerReport {
                        status: Status::Skipped,
                        ..old
                    };
                }
            }
            match row.status {
                Status::Trained => summary.trained += 1,
                Status::Skipped => summary.skipped += 1,
                Status::Failed => summary.failed += 1,
            }
            mapes.extend(row.mape);
            smapes.extend(row.smape);
            if let (Some(fleet), Some(backtest)) = (fleet.as_mut(), &row.backtest) {
                fleet.add(&row.customer, backtest);
            }
            mapes_without.extend(row.mape_without_regressors);
            writer.push(&row).map_err(io_err(&report_path))?;
        }
    }
    summary.models = summary.trained + summary.skipped;
    summary.median_mape = median(&mut mapes);
    summary.median_smape = median(&mut smapes);
    summary.backtest = fleet.map(FleetAccuracy::finish);
    summary.median_mape_without_regressors = median(&mut mapes_without);
    summary.wall_seconds = started.elapsed().as_secs_f64();
    writer.finish(&summary).map_err(io_err(&report_path))?;
    Ok(summary)
}

/// Removes `.{name}.{random}.tmp` files a killed run left for this run's
/// artifacts or report (other shards' temporaries are left alone: they may
/// belong to a run in progress).
fn remove_stale_temporaries(
    plan: &Plan,
    output: &Path,
    report_name: &str,
) -> Result<(), TrainError> {
    for entry in fs::read_dir(output).map_err(io_err(output))? {
        let entry = entry.map_err(io_err(output))?;
        let name = entry.file_name();
        let Some(target) = name.to_str().and_then(temporary_target) else {
            continue;
        };
        let ours = target == report_name
            || CustomerId::from_file_name(target, "tar.gz")
                .is_some_and(|id| plan.customers.binary_search(&id).is_ok());
        if ours {
            tracing::info!(file = %entry.path().display(), "removing a temporary file left by an interrupted run");
            fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
        }
    }
    Ok(())
}

/// Trains one customer; a panic becomes that customer's failure.
fn train_guarded(
    input: &Path,
    customer: &CustomerId,
    sink: &dyn ArtifactSink,
    opts: &TrainOptions,
    old: Option<&CustomerReport>,
) -> CustomerReport {
    let started = Instant::now();
    let mut row = catch_unwind(AssertUnwindSafe(|| {
        train_one(input, customer, sink, opts, old)
    }))
    .unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let mut row = CustomerReport::new(customer.as_str(), Status::Failed);
        row.error = Some(format!("internal error (a bug): {why}"));
        row
    });
    if row.status != Status::Skipped {
        row.fit_ms = started.elapsed().as_secs_f64() * 1e3;
    }
    if let Some(error) = &row.error {
        tracing::warn!(customer = %customer, %error, "customer failed");
    }
    row
}

fn train_one(
    input: &Path,
    customer: &CustomerId,
    sink: &dyn ArtifactSink,
    opts: &TrainOptions,
    old: Option<&CustomerReport>,
) -> CustomerReport {
    if !opts.force && backtest_is_current(opts, old) && sink.has(customer) {
        return CustomerReport::new(customer.as_str(), Status::Skipped);
    }
    let mut row = CustomerReport::new(customer.as_str(), Status::Failed);
    match fit_customer(
        &input.join(customer.csv_name()),
        customer,
        sink,
        opts,
        &mut row,
    ) {
        Ok(()) => row.status = Status::Trained,
        Err(error) => row.error = Some(error),
    }
    row
}

/// Whether the previous report row has the backtest this run asks for (or
/// none is asked for): otherwise the customer is trained and backtested
/// again even though its artifact exists.
fn backtest_is_current(opts: &TrainOptions, old: Option<&CustomerReport>) -> bool {
    let Some(spec) = &opts.cross_validate else {
        return true;
    };
    let spec = spec.to_string();
    old.and_then(|o| o.backtest.as_ref())
        .is_some_and(|b| b.spec == spec)
}

/// Reads a customer's CSV, refusing one over [`MAX_CUSTOMER_CSV`].
fn read_customer_csv(csv: &Path) -> io::Result<Vec<u8>> {
    read_at_most(csv, MAX_CUSTOMER_CSV)
}

/// Reads `path` if it holds at most `limit` bytes: one open, the size from
/// the open file (no second lookup by path) and reads bounded by the limit,
/// so a file growing meanwhile cannot slip past it.
fn read_at_most(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = fs::File::open(path)?;
    let size = file.metadata()?.len();
    let too_big = |size: u64| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{size} bytes, over the limit of {limit}"),
        )
    };
    if size > limit {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

fn fit_customer(
    csv: &Path,
    customer: &CustomerId,
    sink: &dyn ArtifactSink,
    opts: &TrainOptions,
    row: &mut CustomerReport,
) -> Result<(), String> {
    let input = csv.display();
    let bytes = read_customer_csv(csv).map_err(|e| format!("{input}: {e}"))?;
    let frame = Frame::from_csv(&bytes).map_err(|e| format!("{input}: {e}"))?;
    let frame = opts
        .config
        .with_constants(&frame)
        .map_err(|e| format!("{input}: {e}"))?;
    let (train, holdout) = frame.split_holdout(opts.holdout);
    row.rows = train.observed();
    row.holdout_rows = holdout.observed();
    if train.observed() < 2 {
        return Err(format!(
            "too few rows: {} in the file, {} left after holding out {} (rows with a value); Prophet needs at least 2",
            frame.len(),
            train.observed(),
            opts.holdout
        ));
    }
    let fitted = fit(&train, &opts.config).map_err(|e| format!("fit failed: {e}"))?;
    row.algorithm = Some(format!("{:?}", fitted.report.algorithm));
    row.iterations = Some(fitted.report.iterations);
    let bytes = write_artifact(&Artifact::for_model(&fitted.model));
    sink.put(customer, &bytes)?;
    if !holdout.is_empty() {
        let score = score_holdout(&fitted.model, &holdout)
            .map_err(|e| format!("scoring the holdout: {e}"))?;
        if let Some(score) = score {
            row.mape = score.mape;
            row.smape = Some(score.smape);
            row.mae = Some(score.mae);
            row.rmse = Some(score.rmse);
            row.coverage = score.coverage;
        }
        if opts.compare_without_regressors && !opts.config.regressors.is_empty() {
            score_without_regressors(&train, &holdout, &opts.config, row)?;
        }
    }
    if let Some(spec) = &opts.cross_validate {
        let backtest = backtest_model(&fitted.model, spec);
        if let Some(error) = &backtest.error {
            tracing::warn!(customer = %customer, reason = %error.reason, "backtest failed: {}", error.message);
        }
        let served = ServedBacktest {
            customer: customer.as_str(),
            trained_through: fitted
                .model
                .history
                .ds
                .last()
                .map(|&d| format_iso_millis(d)),
            holdout: row.smape.map(|_| HoldoutMetrics::of(row)),
            backtest: &backtest,
        };
        let json = serde_json::to_vec(&served).expect("serializes");
        sink.put_backtest(customer, &json)?;
        row.backtest = Some(backtest);
    }
    Ok(())
}

/// The same customer fitted without the regressors, scored on the same
/// holdout: what the regressors buy.
fn score_without_regressors(
    train: &Frame,
    holdout: &Frame,
    config: &ProphetConfig,
    row: &mut CustomerReport,
) -> Result<(), String> {
    let without = |frame: &Frame| {
        let mut frame = frame.clone();
        frame
            .columns
            .retain(|c| config.regressors.iter().all(|r| r.name != c.name));
        frame
    };
    let config = ProphetConfig {
        regressors: Vec::new(),
        ..config.clone()
    };
    let fitted =
        fit(&without(train), &config).map_err(|e| format!("fit without regressors failed: {e}"))?;
    let score = score_holdout(&fitted.model, &without(holdout))
        .map_err(|e| format!("scoring the holdout without regressors: {e}"))?;
    if let Some(score) = score {
        row.mape_without_regressors = score.mape;
        row.rmse_without_regressors = Some(score.rmse);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_at_the_read_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("42.csv");
        std::fs::write(&path, b"2022-01-01,1.5\n").unwrap();
        let limit = 15;
        assert_eq!(read_at_most(&path, limit).unwrap(), b"2022-01-01,1.5\n");
        let e = read_at_most(&path, limit - 1).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(e.to_string(), "15 bytes, over the limit of 14");
    }

    fn write_customer(dir: &Path, id: &str, days: usize) {
        let mut text = String::new();
        for d in 0..days {
            let day = gridcast_model::format_csv(1_640_995_200 + d as i64 * 86_400);
            text.push_str(&format!(
                "{day},{}\n",
                500.0 + d as f64 + 40.0 * (d as f64 / 3.0).sin()
            ));
        }
        fs::write(dir.join(format!("{id}.csv")), text).unwrap();
    }

    #[test]
    fn plan_sorts_shards_and_ignores_non_customers() {
        let dir = tempfile::tempdir().unwrap();
        for id in ["10", "2", "1", "b"] {
            fs::write(dir.path().join(format!("{id}.csv")), "").unwrap();
        }
        fs::write(dir.path().join("bad name.csv"), "").unwrap();
        fs::write(dir.path().join("process-report.json"), "").unwrap();
        let all = plan(dir.path(), None).unwrap();
        let ids: Vec<&str> = all.customers.iter().map(CustomerId::as_str).collect();
        assert_eq!(ids, ["1", "10", "2", "b"]);
        assert_eq!(all.ignored, ["bad name.csv"]);
        let second = plan(dir.path(), Some(Shard::new(2, 2).unwrap())).unwrap();
        let ids: Vec<&str> = second.customers.iter().map(CustomerId::as_str).collect();
        assert_eq!((ids, second.total), (vec!["10", "b"], 4));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            plan(empty.path(), None),
            Err(TrainError::NoCustomers { .. })
        ));
    }

    #[test]
    fn trains_reports_failures_and_resumes() {
        let input = tempfile::tempdir().unwrap();
        let output = tempfile::tempdir().unwrap();
        write_customer(input.path(), "1", 60);
        write_customer(input.path(), "2", 60);
        write_customer(input.path(), "short", 5);
        fs::write(input.path().join("broken.csv"), "2022-01-01,1\nnot a row\n").unwrap();
        // A temporary a killed run left behind for customer 1.
        fs::write(output.path().join(".1.tar.gz.abc123.tmp"), "half").unwrap();
        let opts = TrainOptions {
            holdout: 7,
            config: ProphetConfig::seed(),
            ..Default::default()
        };
        let plan = plan(input.path(), None).unwrap();
        let seen = std::sync::atomic::AtomicUsize::new(0);
        let summary = train(&plan, output.path(), &opts, &|_| {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(seen.into_inner(), 4);
        assert_eq!(
            (
                summary.trained,
                summary.failed,
                summary.skipped,
                summary.models
            ),
            (2, 2, 0, 2)
        );
        assert!(summary.median_mape.unwrap() < 0.2, "{summary:?}");
        let mut names: Vec<String> = fs::read_dir(output.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["1.tar.gz", "2.tar.gz", TRAINING_REPORT]);

        let report: serde_json::Value =
            serde_json::from_slice(&fs::read(output.path().join(TRAINING_REPORT)).unwrap())
                .unwrap();
        let rows = report["customers"].as_array().unwrap();
        let by_id = |id: &str| rows.iter().find(|r| r["customer"] == id).unwrap().clone();
        assert_eq!(by_id("1")["status"], "trained");
        assert_eq!(
            (
                by_id("1")["rows"].as_u64(),
                by_id("1")["holdout_rows"].as_u64()
            ),
            (Some(53), Some(7))
        );
        assert!(
            by_id("broken")["error"]
                .as_str()
                .unwrap()
                .contains("broken.csv: line 2:"),
            "{rows:?}"
        );
        assert!(
            by_id("short")["error"]
                .as_str()
                .unwrap()
                .starts_with("too few rows: 5 in the file"),
            "{rows:?}"
        );

        // A rerun skips what exists and keeps the earlier scores, but trains
        // an artifact that does not unpack again.
        let broken_at = fs::metadata(output.path().join("2.tar.gz")).unwrap().len();
        fs::write(output.path().join("2.tar.gz"), b"").unwrap();
        let again = train(&plan, output.path(), &opts, &|_| {}).unwrap();
        assert_eq!((again.trained, again.skipped, again.failed), (1, 1, 2));
        assert_eq!(
            fs::metadata(output.path().join("2.tar.gz")).unwrap().len(),
            broken_at
        );
        assert_eq!(again.median_mape, summary.median_mape);
        let forced = train(
            &plan,
            output.path(),
            &TrainOptions {
                force: true,
                ..opts
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!((forced.trained, forced.skipped), (2, 0));
    }

    /// `--cross-validate`: every customer backtested in the run, the report
    /// carrying metrics per horizon, typed failures for customers whose
    /// history is too short (the run and their models are fine), zero-aware
    /// holdout scores, a fleet summary; a resumed run keeps the backtests
    /// and a new spec backtests again.
    #[test]
    fn cross_validates_every_customer_into_the_report() {
        let input = tempfile::tempdir().unwrap();
        let output = tempfile::tempdir().unwrap();
        write_customer(input.path(), "1", 90);
        write_customer(input.path(), "2", 90);
        // 20 days: 13 training rows, too few for the 21-day initial window.
        write_customer(input.path(), "short", 20);
        // 12 days: 5 training rows spanning 4 days, less than the horizon.
        write_customer(input.path(), "tiny", 12);
        // An idle meter: every third day reads zero.
        let idle: String = (0..90)
            .map(|d| {
                let day = gridcast_model::format_csv(1_640_995_200 + d as i64 * 86_400);
                let y = if d % 3 == 0 {
                    0.0
                } else {
                    3.0 + (d % 5) as f64
                };
                format!("{day},{y}\n")
            })
            .collect();
        fs::write(input.path().join("idle.csv"), idle).unwrap();
        let spec: BacktestSpec = "horizon=7 days,worst=2".parse().unwrap();
        let opts = TrainOptions {
            holdout: 7,
            config: ProphetConfig::seed(),
            cross_validate: Some(spec.clone()),
            ..Default::default()
        };
        let plan = plan(input.path(), None).unwrap();
        let summary = train(&plan, output.path(), &opts, &|_| {}).unwrap();
        assert_eq!((summary.trained, summary.failed), (5, 0), "{summary:?}");
        let report = || -> serde_json::Value {
            serde_json::from_slice(&fs::read(output.path().join(TRAINING_REPORT)).unwrap()).unwrap()
        };
        let doc = report();
        let row = |id: &str| {
            doc["customers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["customer"] == id)
                .unwrap()
                .clone()
        };
        // 83 training rows (days 0-82), horizon 7 days: the last cutoff is
        // day 75, then every 3.5 days back while at least 21 days (initial)
        // after day 0: 75 - 3.5k >= 21, k = 0..=15.
        let one = row("1");
        let bt = &one["backtest"];
        assert_eq!(bt["spec"], spec.to_string());
        assert_eq!(bt["cutoffs"], 16, "{bt}");
        let horizons = bt["metrics"]["horizon_days"].as_array().unwrap();
        assert_eq!(horizons.first().unwrap(), 1.0);
        assert_eq!(horizons.last().unwrap(), 7.0);
        assert!(bt["metrics"]["mape"].is_array());
        assert!(bt["metrics"]["coverage"].is_array());
        assert!(one["smape"].as_f64().unwrap() < 0.2 && one["mae"].as_f64().unwrap() > 0.0);
        assert!(one["coverage"].as_f64().is_some());

        // Beside the artifact, what the endpoint serves the customer.
        let served: serde_json::Value =
            serde_json::from_slice(&fs::read(output.path().join("1.backtest.json")).unwrap())
                .unwrap();
        assert_eq!(served["customer"], "1");
        assert_eq!(served["trained_through"], "2022-03-24T00:00:00.000");
        assert_eq!(served["holdout"]["rows"], 7);
        assert_eq!(served["backtest"], one["backtest"]);

        let short = row("short");
        assert_eq!(short["status"], "trained", "the model is fine: {short}");
        assert_eq!(
            short["backtest"]["error"]["reason"],
            "no_cutoff_after_initial"
        );
        assert!(short["backtest"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("make --horizon or --initial shorter"));
        assert_eq!(
            row("tiny")["backtest"]["error"]["reason"],
            "less_data_than_horizon"
        );

        let idle = row("idle");
        assert!(
            idle["mape"].is_null(),
            "zeros in the holdout: no MAPE: {idle}"
        );
        assert!(idle["smape"].as_f64().is_some() && idle["mae"].as_f64().is_some());
        assert!(idle["backtest"]["metrics"].get("mape").is_none(), "{idle}");
        assert!(idle["backtest"]["metrics"]["smape"].is_array());

        let fleet = summary.backtest.as_ref().unwrap();
        assert_eq!((fleet.backtested, fleet.failed), (3, 2));
        assert_eq!(fleet.failures["no_cutoff_after_initial"], 1);
        assert_eq!(fleet.failures["less_data_than_horizon"], 1);
        // period 3.5 days: half the cutoffs are at noon, so horizons step by
        // half days, as Python's; the first (0.5) has fewer rows than the window.
        let days: Vec<f64> = fleet.horizons.iter().map(|h| h.horizon_days).collect();
        assert_eq!(days, (2..=14).map(|k| k as f64 / 2.0).collect::<Vec<_>>());
        assert_eq!(fleet.horizons[0].metrics["smape"].customers, 3);
        assert_eq!(
            fleet.horizons[0].metrics["mape"].customers, 2,
            "idle has none"
        );
        // The idle meter forecasts worst by sMAPE.
        assert_eq!(fleet.worst.len(), 2);
        assert_eq!(fleet.worst[0].customer, "idle");
        assert_eq!(
            report()["summary"]["backtest"]["worst"][0]["customer"],
            "idle"
        );

        // Resumed: nothing to do, the backtests are kept.
        let again = train(&plan, output.path(), &opts, &|_| {}).unwrap();
        assert_eq!((again.trained, again.skipped), (0, 5));
        assert_eq!(again.backtest, summary.backtest);
        // A different spec backtests (and so trains) every customer again.
        let longer = TrainOptions {
            cross_validate: Some("horizon=14 days".parse().unwrap()),
            ..opts
        };
        let third = train(&plan, output.path(), &longer, &|_| {}).unwrap();
        assert_eq!(third.trained, 5);
        let third = third.backtest.unwrap();
        assert_eq!(third.horizons.last().unwrap().horizon_days, 14.0);
    }

    /// Per-customer CSVs with a header and extra columns (a temperature
    /// regressor, empty readings, rows out of order) train with
    /// `--config`, and the holdout is scored with its own temperatures.
    #[test]
    fn trains_customers_with_regressor_columns() {
        let input = tempfile::tempdir().unwrap();
        let output = tempfile::tempdir().unwrap();
        for id in ["a", "b"] {
            let mut rows: Vec<String> = (0..120)
                .map(|d| {
                    let day = gridcast_model::format_csv(1_640_995_200 + d as i64 * 86_400);
                    let temp = 10.0 + 8.0 * (d as f64 / 20.0).sin();
                    let y = if d % 17 == 5 {
                        String::new()
                    } else {
                        (600.0 + 12.0 * (15.0 - temp).max(0.0)).to_string()
                    };
                    format!("{day},{temp:.2},{y}")
                })
                .collect();
            rows.swap(3, 90);
            let text = format!("ds,temperature,y\n{}\n", rows.join("\n"));
            fs::write(input.path().join(format!("{id}.csv")), text).unwrap();
        }
        // A customer whose file lacks the column fails alone, saying which.
        write_customer(input.path(), "c", 30);
        let opts = TrainOptions {
            holdout: 7,
            config: ProphetConfig::from_json(
                r#"{"yearly_seasonality": false, "regressors": [{"name": "temperature"}]}"#,
            )
            .unwrap(),
            compare_without_regressors: true,
            ..Default::default()
        };
        let plan = plan(input.path(), None).unwrap();
        let summary = train(&plan, output.path(), &opts, &|_| {}).unwrap();
        assert_eq!(
            (summary.trained, summary.failed),
            (2, 1),
            "{summary:?} {}",
            fs::read_to_string(output.path().join(TRAINING_REPORT)).unwrap()
        );
        assert!(summary.median_mape.unwrap() < 0.02, "{summary:?}");
        // Without the temperature the same holdout is forecast worse.
        let without = summary.median_mape_without_regressors.unwrap();
        assert!(without > 2.0 * summary.median_mape.unwrap(), "{summary:?}");
        let report = fs::read_to_string(output.path().join(TRAINING_REPORT)).unwrap();
        assert!(
            report.contains("column `temperature` is missing"),
            "{report}"
        );
        let artifact = fs::read(output.path().join("a.tar.gz")).unwrap();
        let model = gridcast_model::read_model_json(
            &read_artifact(&artifact, &ArtifactLimits::default())
                .unwrap()
                .model_json,
        )
        .unwrap();
        assert_eq!(model.extra_regressors[0].name, "temperature");
        assert!(model.history.len() < 113, "missing readings left out");
    }
}
