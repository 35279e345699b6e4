//! `gridcast backtest-summary`: the fleet summary of a sharded `train
//! --cross-validate` run, from every shard's training report.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_pipeline::accuracy::merge_reports;
use gridcast_pipeline::backtest::DEFAULT_WORST;
use gridcast_pipeline::AtomicFile;

/// Merge the shards' training reports (`training-report-shard-I-of-N.json`,
/// SageMaker's `training-report-<host>.json`) into one fleet backtest
/// summary — per horizon the distribution of the customers' metrics, the
/// failures by reason and the worst customers — the one an unsharded run
/// would write. Prints it as JSON, or writes it to --out.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Every shard's report (local files).
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// How many worst customers to name.
    #[arg(long, default_value_t = DEFAULT_WORST)]
    worst: usize,
    /// Write the summary here (whole or not at all) instead of printing it.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let summary = merge_reports(&args.reports, args.worst)?;
    let mut text = serde_json::to_string_pretty(&summary).expect("summaries serialize");
    text.push('\n');
    match &args.out {
        Some(path) => {
            let mut file = AtomicFile::create(path).with_context(|| path.display().to_string())?;
            file.write_all(text.as_bytes())?;
            file.commit().with_context(|| path.display().to_string())?;
            eprintln!(
                "{}: {} customers backtested, {} failed, from {} reports",
                path.display(),
                summary.backtested,
                summary.failed,
                args.reports.len()
            );
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
