//! `gridcast cross-validate`: Python Prophet's `cross_validation` and
//! `performance_metrics` on one customer's readings.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_model::diagnostics::{
    performance_metrics, plan_cross_validation, CrossValidationArgs, CvOptions, Timedelta,
    MAX_CUTOFFS,
};
use gridcast_model::{fit, parse_timestamp, ForecastOptions, Frame, Timestamp};
use gridcast_pipeline::backtest::cross_validate;
use gridcast_pipeline::AtomicFile;

use super::prophet_args::ProphetArgs;

fn parse_timedelta(text: &str) -> Result<Timedelta, String> {
    Timedelta::parse(text).map_err(|e| e.to_string())
}

fn parse_cutoff(text: &str) -> Result<Timestamp, String> {
    parse_timestamp(text)
        .ok_or_else(|| format!("{text:?} is not a date (2022-06-01 or 2022-06-01 12:00:00)"))
}

/// Backtest one customer as Python's `cross_validation(m, horizon, period,
/// initial, cutoffs)` does: fit on the whole file, then refit on the history
/// up to each cutoff and forecast the `horizon` after it. Prints
/// `performance_metrics(df_cv, rolling_window)` as JSON records with
/// `horizon` in days; `--out` gets the rows (ds, yhat, yhat_lower, yhat_upper,
/// y, cutoff) as CSV.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Readings: the seed layout or a CSV with a header (`ds`, `y` and the
    /// model's regressor, condition, `cap` and `floor` columns).
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    prophet: ProphetArgs,
    /// How far ahead each simulated forecast goes, a pandas Timedelta ("30 days", "12 hours").
    #[arg(long, value_parser = parse_timedelta)]
    horizon: Timedelta,
    /// Spacing of the cutoffs (default: half the horizon).
    #[arg(long, value_parser = parse_timedelta, conflicts_with = "cutoffs")]
    period: Option<Timedelta>,
    /// History before the first cutoff (default: 3 × horizon, at least the longest seasonality).
    #[arg(long, value_parser = parse_timedelta, conflicts_with = "cutoffs")]
    initial: Option<Timedelta>,
    /// Cutoff dates instead of generated ones, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = parse_cutoff)]
    cutoffs: Option<Vec<Timestamp>>,
    /// `performance_metrics`' rolling_window: the share of rows in each window
    /// (0: each horizon alone; negative: each row).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    rolling_window: f64,
    /// Write the cross-validation rows here as CSV.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed for the forecasts' uncertainty intervals (cutoff i uses seed + i).
    #[arg(long)]
    seed: Option<u64>,
    /// At most this many cutoffs (each is a refit).
    #[arg(long, default_value_t = MAX_CUTOFFS)]
    max_cutoffs: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.prophet.config_with(args.prophet.preset())?;
    let data = args.data.display();
    let bytes = std::fs::read(&args.data).with_context(|| format!("reading {data}"))?;
    let frame = Frame::from_csv(&bytes).with_context(|| format!("in {data}"))?;
    let model = fit(&frame, &config)
        .with_context(|| format!("fitting {data}"))?
        .model;
    let cv_args = CrossValidationArgs {
        horizon: args.horizon,
        period: args.period,
        initial: args.initial,
        cutoffs: args.cutoffs.clone(),
    };
    let opts = CvOptions {
        forecast: ForecastOptions {
            seed: args.seed,
            ..Default::default()
        },
        max_cutoffs: args.max_cutoffs,
    };
    // The plan alone first, so its warnings come before the refits.
    let plan = plan_cross_validation(&model, &cv_args, opts.max_cutoffs)
        .with_context(|| format!("cross-validating {data}"))?;
    for warning in &plan.warnings {
        tracing::warn!("{warning}");
    }
    tracing::info!(
        cutoffs = plan.cutoffs.len(),
        horizon = %plan.horizon,
        initial = %plan.initial,
        "making {} forecasts",
        plan.cutoffs.len()
    );
    // Python's parallel="processes": the cutoffs on every core.
    let rows = cross_validate(&model, &cv_args, &opts)
        .with_context(|| format!("cross-validating {data}"))?
        .rows;
    if let Some(out) = &args.out {
        AtomicFile::write(out, rows.to_csv().as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
    }
    let metrics = performance_metrics(&rows, None, args.rolling_window)
        .context("computing performance metrics")?;
    let json = metrics.map_or(serde_json::Value::Array(Vec::new()), |m| {
        m.to_json_records()
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{json}")?;
    Ok(ExitCode::SUCCESS)
}
