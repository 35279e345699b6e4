//! `gridcast fit`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_model::{fit, score_holdout, write_artifact, Artifact, Frame};
use gridcast_pipeline::AtomicFile;

use super::prophet_args::ProphetArgs;

/// Fit one model from a customer CSV and write `{customer}.tar.gz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Readings: the seed layout (no header, `timestamp,consumption`) or `ds,y` with a header.
    #[arg(long)]
    data: PathBuf,
    /// Fit on all rows but the last N; report the forecast error on them.
    #[arg(long, default_value_t = 0)]
    holdout: usize,
    #[command(flatten)]
    prophet: ProphetArgs,
    /// Where to write the artifact.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.prophet.config_with(args.prophet.preset())?;
    let bytes =
        std::fs::read(&args.data).with_context(|| format!("reading {}", args.data.display()))?;
    let frame = Frame::from_csv(&bytes).with_context(|| format!("in {}", args.data.display()))?;
    let frame = config
        .with_constants(&frame)
        .with_context(|| format!("in {}", args.data.display()))?;
    let (train, holdout) = frame.split_holdout(args.holdout);
    let fitted =
        fit(&train, &config).with_context(|| format!("fitting {}", args.data.display()))?;
    let bytes = write_artifact(&Artifact::for_model(&fitted.model));
    AtomicFile::write(&args.out, &bytes)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let mut summary = format!(
        "fitted {} rows with {:?} in {} iterations (lp {:.4})",
        train.observed(),
        fitted.report.algorithm,
        fitted.report.iterations,
        fitted.report.lp
    );
    if !holdout.is_empty() {
        let score = score_holdout(&fitted.model, &holdout).context("scoring the holdout")?;
        if let Some(score) = score {
            summary.push_str(&format!("; holdout {}", holdout_line(&score)));
        }
    }
    eprintln!("{summary}; wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// `MAPE 4.12% sMAPE 4.05% MAE 12.345 RMSE 15.678 coverage 86%` (MAPE is
/// `n/a` where a reading is zero, coverage left out without an interval).
pub fn holdout_line(score: &gridcast_model::HoldoutScore) -> String {
    let mape = score
        .mape
        .map_or("n/a".into(), |m| format!("{:.2}%", m * 100.0));
    let mut line = format!(
        "MAPE {mape} sMAPE {:.2}% MAE {:.3} RMSE {:.3}",
        score.smape * 100.0,
        score.mae,
        score.rmse
    );
    if let Some(c) = score.coverage {
        line.push_str(&format!(" coverage {:.0}%", c * 100.0));
    }
    line
}
