//! `gridcast fit`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_model::{
    fit, future_dates, predict, write_artifact, write_model_json, Artifact, ForecastOptions, ProphetConfig, Series,
    PROPHET_FORMAT_VERSION,
};

/// Fit one model from a customer CSV and write `{customer}.tar.gz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Readings: the seed layout (no header, `timestamp,consumption`) or `ds,y` with a header.
    #[arg(long)]
    data: PathBuf,
    /// Fit on all rows but the last N; report the forecast error on them.
    #[arg(long, default_value_t = 0)]
    holdout: usize,
    /// Prophet arguments as JSON (Python's names); default: Prophet's defaults.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Use the seed's configuration (trend only, multiplicative).
    #[arg(long, conflicts_with = "config")]
    seed_preset: bool,
    /// Where to write the artifact.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = match (&args.config, args.seed_preset) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            ProphetConfig::from_json(&text).with_context(|| format!("in {}", path.display()))?
        }
        (None, true) => ProphetConfig::seed(),
        (None, false) => ProphetConfig::default(),
    };
    let bytes = std::fs::read(&args.data).with_context(|| format!("reading {}", args.data.display()))?;
    let series = Series::from_csv(&bytes).with_context(|| format!("in {}", args.data.display()))?;
    let (train, holdout) = series.split_holdout(args.holdout);
    let fitted = fit(&train, &config).with_context(|| format!("fitting {}", args.data.display()))?;
    let model_json = write_model_json(&fitted.model);
    let artifact = Artifact {
        model_json: model_json.into_bytes(),
        code: vec![("requirements.txt".into(), format!("prophet=={PROPHET_FORMAT_VERSION}\n").into_bytes())],
    };
    super::write_atomic(&args.out, &write_artifact(&artifact))?;
    let mut summary = format!(
        "fitted {} rows with {:?} in {} iterations (lp {:.4})",
        train.len(),
        fitted.report.algorithm,
        fitted.report.iterations,
        fitted.report.lp
    );
    if !holdout.is_empty() {
        let dates = future_dates(&fitted.model, holdout.len(), false)?;
        let fc = predict(&fitted.model, &dates, &ForecastOptions { uncertainty_samples: Some(0), ..Default::default() })?;
        let yhat = fc.column("yhat").expect("predict always has yhat");
        let (mape, rmse) = errors(&holdout.y, yhat);
        summary.push_str(&format!("; holdout MAPE {:.2}% RMSE {:.3}", mape * 100.0, rmse));
    }
    eprintln!("{summary}; wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Mean absolute percentage error (over non-zero actuals) and root mean squared error.
fn errors(actual: &[f64], predicted: &[f64]) -> (f64, f64) {
    let pairs: Vec<(f64, f64)> = actual.iter().copied().zip(predicted.iter().copied()).collect();
    let nonzero: Vec<&(f64, f64)> = pairs.iter().filter(|(a, _)| *a != 0.0).collect();
    let mape = nonzero.iter().map(|(a, p)| ((a - p) / a).abs()).sum::<f64>() / nonzero.len().max(1) as f64;
    let rmse = (pairs.iter().map(|(a, p)| (a - p).powi(2)).sum::<f64>() / pairs.len().max(1) as f64).sqrt();
    (mape, rmse)
}
