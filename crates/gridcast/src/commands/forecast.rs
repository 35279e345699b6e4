//! `gridcast forecast`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use gridcast_model::{
    future_frame, predict, read_artifact, read_model_json, to_pandas_json, ArtifactLimits,
    ColumnUse, ForecastOptions, Frame, Frequency, ProphetModel,
};

fn parse_frequency(text: &str) -> Result<Frequency, String> {
    Frequency::parse(text).map_err(|e| e.to_string())
}

/// Forecast from a model artifact (`.tar.gz`) or a bare `model.json`.
///
/// With `--future F.csv`: Python's `predict` on F's rows (`ds` plus the
/// columns the model needs), every column, row keys from 0. With `--period
/// N`: the seed endpoint's answer, the last N rows of
/// `predict(make_future_dataframe(periods=N))`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("rows").required(true).args(["future", "period"])))]
pub struct Args {
    /// The model: `{customer}.tar.gz` or `model.json`.
    #[arg(long)]
    model: PathBuf,
    /// Rows to forecast: a CSV with a header, `ds` plus the model's regressor,
    /// condition and `cap`/`floor` columns.
    #[arg(long, conflicts_with_all = ["period", "cap"])]
    future: Option<PathBuf>,
    /// Number of future periods (rows) after the history to forecast.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    period: Option<u32>,
    /// The frequency of the `--period` rows, a pandas offset alias (D, h,
    /// 15min, W-SUN, MS, M, QS, Q, YS, Y, B, …); default: inferred from the
    /// history as pandas' infer_freq does.
    #[arg(long, requires = "period", value_parser = parse_frequency)]
    freq: Option<Frequency>,
    /// Seed for the uncertainty simulation (same seed, same answer).
    #[arg(long)]
    seed: Option<u64>,
    /// Capacity for logistic models with `--period` (default: the history's last cap).
    #[arg(long)]
    cap: Option<f64>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = load(&args.model)?;
    let opts = ForecastOptions {
        seed: args.seed,
        ..Default::default()
    };
    let (rows, first_index) = match (&args.future, args.period) {
        (Some(path), _) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let rows = Frame::from_csv(&bytes).with_context(|| format!("in {}", path.display()))?;
            (rows, 0)
        }
        (None, Some(period)) => (
            period_rows(&model, period as usize, args.freq, args.cap)?,
            model.history_dates.len(),
        ),
        (None, None) => unreachable!("clap requires --future or --period"),
    };
    let forecast = predict(&model, &rows, &opts).with_context(|| match &args.future {
        Some(path) => format!("forecasting the rows of {}", path.display()),
        None => "forecasting".into(),
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", to_pandas_json(&forecast, first_index))?;
    Ok(ExitCode::SUCCESS)
}

fn load(path: &Path) -> anyhow::Result<ProphetModel> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let json = if path.extension().is_some_and(|e| e == "json") {
        bytes
    } else {
        read_artifact(&bytes, &ArtifactLimits::default())
            .with_context(|| format!("unpacking {}", path.display()))?
            .model_json
    };
    read_model_json(&json).with_context(|| format!("loading the model in {}", path.display()))
}

/// The seed endpoint's rows: `period` dates after the history, with the
/// history's last (or the given) capacity; a model that needs future values
/// of other columns cannot be forecast this way.
fn period_rows(
    model: &ProphetModel,
    period: usize,
    freq: Option<Frequency>,
    cap: Option<f64>,
) -> anyhow::Result<Frame> {
    let needs: Vec<String> = model
        .required_future_columns()
        .into_iter()
        .filter(|c| !matches!(c.role, ColumnUse::Cap | ColumnUse::Floor))
        .map(|c| format!("`{}` ({})", c.name, c.role))
        .collect();
    if !needs.is_empty() {
        bail!(
            "the model needs future values of {}: give the rows to forecast with --future F.csv",
            needs.join(", ")
        );
    }
    let mut rows = future_frame(model, period, freq).context("forecasting")?;
    if let Some(cap) = cap {
        rows.cap = Some(vec![cap; rows.len()]);
    }
    Ok(rows)
}
