//! `gridcast train`: locally, or as a SageMaker training job.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use gridcast_pipeline::array_job::ArrayTask;
use gridcast_pipeline::backtest::BacktestSpec;
use gridcast_pipeline::sagemaker::{write_failure, SageMakerError, TrainingJob, DEFAULT_ROOT};
use gridcast_pipeline::train::{plan, train, train_into, TrainOptions};
use gridcast_pipeline::{CustomerReport, Preset, Shard, Status, TrainSummary, TRAINING_REPORT};
use gridcast_store::Location;
use indicatif::{ProgressBar, ProgressStyle};

use super::prophet_args::ProphetArgs;
use super::remote::{download_all, is_remote, runtime, RemoteArtifacts};

/// Exit status when the run finished but some customers failed.
pub const SOME_FAILED: u8 = 2;

/// Train one Prophet model per `<id>.csv`, writing `<id>.tar.gz`.
///
/// Without `--input`, runs as a SageMaker training job: reads the training
/// channel, hosts and hyperparameters under `--sagemaker-root` and writes to
/// its `checkpoints/`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory of `<id>.csv` files, or `s3://bucket/prefix`.
    #[arg(long, requires = "output")]
    input: Option<String>,
    /// Directory for `<id>.tar.gz` and the training report, or `s3://bucket/prefix`.
    #[arg(long, requires = "input")]
    output: Option<String>,
    /// Fit on all rows but the last N and score the forecast on them.
    #[arg(long)]
    holdout: Option<usize>,
    #[command(flatten)]
    prophet: ProphetArgs,
    /// Worker threads (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Train only the I-th of N round-robin shares of the sorted customers
    /// (default: the task's share in a Kubernetes Indexed Job or AWS Batch array job).
    #[arg(long)]
    shard: Option<Shard>,
    /// Retrain customers whose artifact already exists.
    #[arg(long)]
    force: bool,
    /// Backtest every customer's model as Prophet's cross_validation does, into
    /// the report (metrics per horizon) and a fleet summary (distributions per
    /// horizon, the worst customers): "horizon=30 days[,initial=90 days]
    /// [,period=15 days][,rolling_window=0.1][,max_cutoffs=100][,worst=10]".
    #[arg(long, value_name = "SPEC")]
    cross_validate: Option<BacktestSpec>,
    /// Also fit each customer without the regressors and report that
    /// holdout accuracy beside it (`mape_without_regressors`): what the
    /// regressors buy. Twice the fitting work.
    #[arg(long)]
    compare_without_regressors: bool,
    /// Run as a SageMaker training job (the default when --input is absent).
    #[arg(long, conflicts_with_all = ["input", "shard"])]
    sagemaker: bool,
    /// The SageMaker root (for tests and local runs of the container layout).
    #[arg(long, env = "GRIDCAST_SAGEMAKER_ROOT", default_value = DEFAULT_ROOT)]
    sagemaker_root: PathBuf,
}

/// What to run, whichever way it was asked for.
struct Run {
    /// A directory or `s3://bucket/prefix`.
    input: String,
    /// A directory or `s3://bucket/prefix`.
    output: String,
    opts: TrainOptions,
    jobs: Option<usize>,
    sagemaker: Option<TrainingJob>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let sagemaker = if args.input.is_none() {
        match TrainingJob::from_environment(&args.sagemaker_root, |k| std::env::var(k).ok()) {
            Ok(job) => Some(job),
            Err(err @ SageMakerError::NotSageMaker { .. }) => return Err(err.into()),
            Err(err) => {
                let _ = write_failure(&args.sagemaker_root, &err.to_string());
                return Err(err.into());
            }
        }
    } else {
        None
    };
    let run = match resolve(args, sagemaker.clone()) {
        Ok(run) => run,
        Err(err) => return fail(sagemaker.as_ref(), err),
    };
    gridcast_endpoint::memory::tune_allocator_for_batches();
    match execute(&run) {
        Ok(code) => Ok(code),
        Err(err) => fail(run.sagemaker.as_ref(), err),
    }
}

/// Reports a fatal error to SageMaker too (`output/failure`) before exiting.
fn fail(job: Option<&TrainingJob>, err: anyhow::Error) -> anyhow::Result<ExitCode> {
    if let Some(job) = job {
        let _ = job.write_failure(&format!("{err:#}"));
    }
    Err(err)
}

fn resolve(args: Args, sagemaker: Option<TrainingJob>) -> anyhow::Result<Run> {
    let hp = sagemaker
        .as_ref()
        .map(|j| j.hyperparameters.clone())
        .unwrap_or_default();
    let preset = match hp.preset {
        Some(name) => Some(name.parse::<Preset>()?),
        None => args.prophet.preset(),
    };
    let config = match hp.config {
        Some(config) => config,
        None => args.prophet.config_with(preset)?,
    };
    let holdout = hp
        .holdout
        .or(args.holdout)
        .unwrap_or(preset.map_or(0, Preset::holdout));
    let force = hp.force.unwrap_or(args.force);
    let cross_validate = hp.cross_validate.or(args.cross_validate);
    let jobs = hp.jobs.or(args.jobs.map(usize::from));
    let (input, output, shard, report_name) = match &sagemaker {
        Some(job) => (
            job.input.display().to_string(),
            job.output.display().to_string(),
            job.shard(),
            job.report_name(),
        ),
        None => {
            let shard = match args.shard {
                Some(shard) => Some(shard),
                None => array_task_shard()?,
            };
            let report = match shard {
                Some(s) if s.count() > 1 => {
                    format!("training-report-shard-{}-of-{}.json", s.index(), s.count())
                }
                _ => TRAINING_REPORT.to_owned(),
            };
            (
                args.input.expect("local mode"),
                args.output.expect("clap requires it"),
                shard,
                report,
            )
        }
    };
    let opts = TrainOptions {
        holdout,
        config,
        force,
        shard,
        report_name,
        cross_validate,
        compare_without_regressors: args.compare_without_regressors,
    };
    Ok(Run {
        input,
        output,
        opts,
        jobs,
        sagemaker,
    })
}

/// The shard a Kubernetes Indexed Job or AWS Batch array job gives this task, if any.
fn array_task_shard() -> anyhow::Result<Option<Shard>> {
    let task = ArrayTask::from_environment(|k| std::env::var(k).ok())?;
    if let Some(task) = task {
        tracing::info!(engine = %task.engine, shard = %task.shard, "training this task's shard");
    }
    Ok(task.map(|t| t.shard))
}

fn execute(run: &Run) -> anyhow::Result<ExitCode> {
    if let Some(job) = &run.sagemaker {
        tracing::info!(
            host = %job.current_host,
            hosts = job.hosts.len(),
            distribution = ?job.distribution,
            shard = ?run.opts.shard.map(|s| s.to_string()),
            input = %run.input,
            output = %run.output,
            "running as a SageMaker training job"
        );
    }
    // s3:// input is downloaded to a staging directory; s3:// output gets
    // each artifact as it is trained, and the report at the end.
    let staging = tempfile::Builder::new()
        .prefix("gridcast-train-")
        .tempdir()?;
    let runtime = if is_remote(&run.input) || is_remote(&run.output) {
        Some(runtime()?)
    } else {
        None
    };
    let input = if is_remote(&run.input) {
        let dir = staging.path().join("input");
        std::fs::create_dir_all(&dir)?;
        let location = Location::parse(&run.input)?;
        let n = runtime
            .as_ref()
            .expect("made above")
            .block_on(download_all(&location, ".csv", &dir))?;
        tracing::info!(files = n, from = %location, "downloaded the customer files");
        dir
    } else {
        PathBuf::from(&run.input)
    };
    let plan = plan(&input, run.opts.shard)?;
    for name in &plan.ignored {
        tracing::warn!(
            file = name,
            "ignored: the file name is not a valid customer id"
        );
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(run.jobs.unwrap_or(0))
        .build()?;
    tracing::info!(
        customers = plan.customers.len(),
        of = plan.total,
        threads = pool.current_num_threads(),
        "training"
    );
    let progress = Progress::new(plan.customers.len() as u64);
    let record = |row: &CustomerReport| progress.record(row);
    let summary = if is_remote(&run.output) {
        let runtime = runtime.as_ref().expect("made above");
        let location = Location::parse(&run.output)?;
        let reports = staging.path().join("output");
        std::fs::create_dir_all(&reports)?;
        // The previous report, so a resumed run keeps its rows.
        if let Ok(previous) = runtime.block_on(location.get(&run.opts.report_name)) {
            std::fs::write(reports.join(&run.opts.report_name), &previous.bytes)?;
        }
        let sink = RemoteArtifacts::new(location.clone(), runtime)?;
        let summary = pool.install(|| train_into(&plan, &reports, &run.opts, &sink, &record))?;
        let report = std::fs::read(reports.join(&run.opts.report_name))?;
        runtime.block_on(location.put(&run.opts.report_name, report.into()))?;
        summary
    } else {
        pool.install(|| train(&plan, Path::new(&run.output), &run.opts, &record))?
    };
    progress.finish();
    println!(
        "{}",
        summary_line(
            &summary,
            &format!(
                "{}/{}",
                run.output.trim_end_matches('/'),
                run.opts.report_name
            )
        )
    );
    if summary.failed == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(job) = &run.sagemaker {
        let message = format!(
            "{} of {} customers failed; see {}",
            summary.failed, summary.customers, run.opts.report_name
        );
        job.write_failure(&message)
            .context("writing the SageMaker failure file")?;
    }
    Ok(ExitCode::from(SOME_FAILED))
}

fn summary_line(s: &TrainSummary, report: &str) -> String {
    let percent = |v: Option<f64>| v.map_or("n/a".to_owned(), |m| format!("{:.2}%", m * 100.0));
    let without = s
        .median_mape_without_regressors
        .map(|m| format!(" ({} without the regressors)", percent(Some(m))))
        .unwrap_or_default();
    let mut line = format!(
        "{} models ({} trained, {} already there), {} failed, median holdout MAPE {}{without} sMAPE {}",
        s.models,
        s.trained,
        s.skipped,
        s.failed,
        percent(s.median_mape),
        percent(s.median_smape),
    );
    if let Some(b) = &s.backtest {
        let last = b.horizons.last().and_then(|h| {
            let smape = h.metrics.get("smape")?;
            Some(format!(
                ", median sMAPE {} at {} days",
                percent(Some(smape.median)),
                h.horizon_days
            ))
        });
        line.push_str(&format!(
            "; backtested {} customers ({} cutoffs{}), {} could not be",
            b.backtested,
            b.cutoffs,
            last.unwrap_or_default(),
            b.failed
        ));
    }
    line.push_str(&format!(", {:.2} s wall; report {report}", s.wall_seconds));
    line
}

/// A bar on a terminal, a log line every few seconds otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: AtomicUsize,
    failed: AtomicUsize,
    last_log: Mutex<Instant>,
}

const LOG_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} models  {per_sec}  eta {eta}  {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        Self {
            bar,
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            last_log: Mutex::new(Instant::now()),
        }
    }

    fn record(&self, row: &CustomerReport) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let failed =
            self.failed.load(Ordering::Relaxed) + usize::from(row.status == Status::Failed);
        if row.status == Status::Failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if row.status == Status::Failed {
                bar.set_message(format!("{failed} failed"));
            }
            return;
        }
        let mut last = self.last_log.lock().expect("not poisoned");
        if last.elapsed() >= LOG_EVERY {
            *last = Instant::now();
            tracing::info!(done, total = self.total, failed, "progress");
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
