//! `gridcast forecast`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_model::{
    read_artifact, read_model_json, seed_response, ArtifactLimits, ForecastOptions,
};

/// Forecast from a model artifact (`.tar.gz`) or a bare `model.json`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model: `{customer}.tar.gz` or `model.json`.
    #[arg(long)]
    model: PathBuf,
    /// Number of future periods (rows) to forecast.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    period: u32,
    /// Seed for the uncertainty simulation (same seed, same answer).
    #[arg(long)]
    seed: Option<u64>,
    /// Capacity for logistic models (default: the history's last cap).
    #[arg(long)]
    cap: Option<f64>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.model).with_context(|| format!("reading {}", args.model.display()))?;
    let json = if args.model.extension().is_some_and(|e| e == "json") {
        bytes
    } else {
        read_artifact(&bytes, &ArtifactLimits::default())
            .with_context(|| format!("unpacking {}", args.model.display()))?
            .model_json
    };
    let model = read_model_json(&json)
        .with_context(|| format!("loading the model in {}", args.model.display()))?;
    let opts = ForecastOptions {
        seed: args.seed,
        cap: args.cap,
        uncertainty_samples: None,
    };
    let body = seed_response(&model, args.period as usize, &opts).context("forecasting")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{body}")?;
    Ok(ExitCode::SUCCESS)
}
