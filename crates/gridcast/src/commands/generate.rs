//! `gridcast generate`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_pipeline::dataset::{write_dataset, DatasetSpec, Frequency};
use gridcast_model::format_csv_as;
use gridcast_pipeline::AtomicFile;

/// Write a synthetic consumption dataset (`customer_id,timestamp,consumption`,
/// plus `temperature` for the weather dataset).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of customers (ids 0..N-1, as in the seed).
    #[arg(long, default_value_t = 1000, conflicts_with = "preset")]
    customers: u32,
    /// First day, YYYY-MM-DD.
    #[arg(long, default_value = "2022-01-01", conflicts_with = "preset")]
    start: String,
    /// Last day (inclusive), YYYY-MM-DD.
    #[arg(long, default_value = "2022-12-31", conflicts_with = "preset")]
    end: String,
    /// Reading frequency: D (daily) or H (hourly).
    #[arg(long, default_value = "D", value_parser = parse_frequency, conflicts_with = "preset")]
    freq: Frequency,
    /// Random seed: the same seed gives the same file.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `seed`: the seed's dataset (1,000 customers, daily, 2022); `weather`:
    /// the same customers with a `temperature` column driving consumption
    /// (heating below 15 °C, cooling above 22 °C), a weekly cycle and US holidays.
    #[arg(long, value_parser = ["seed", "weather"])]
    preset: Option<String>,
    /// Weather-driven consumption with this country's holidays (US, DE, ...)
    /// for a dataset given by --customers/--start/--end/--freq.
    #[arg(long, value_name = "COUNTRY", conflicts_with = "preset")]
    weather: Option<String>,
    /// Also write the weather dataset's recent and future temperatures
    /// (`ds,temperature`: the last 30 rows of the history, observed, then
    /// --future-rows after --end, forecast): the feed for `serve
    /// --future-covariates`, covering models trained with a holdout too.
    #[arg(long, value_name = "PATH")]
    covariates_out: Option<PathBuf>,
    /// Rows of future temperatures in --covariates-out.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650), requires = "covariates_out")]
    future_rows: u32,
    /// Output CSV (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

/// Rows of observed temperatures the feed repeats before the future ones.
const RECENT_ROWS: usize = 30;

/// The last [`RECENT_ROWS`] temperatures of the history and `rows` after
/// it, as the covariates feed's CSV.
fn write_covariates(spec: &DatasetSpec, rows: usize, path: &PathBuf) -> anyhow::Result<()> {
    let weather = spec.weather(rows).context(
        "--covariates-out needs the weather dataset (--preset weather or --weather COUNTRY)",
    )?;
    let hourly = spec.frequency == Frequency::Hourly;
    let mut text = String::from("ds,temperature\n");
    let from = weather.temperature.len().saturating_sub(rows + RECENT_ROWS);
    for (t, celsius) in &weather.temperature[from..] {
        text.push_str(&format!("{},{celsius}\n", format_csv_as(*t, hourly)));
    }
    AtomicFile::write(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

fn parse_frequency(text: &str) -> Result<Frequency, String> {
    match text {
        "D" | "d" | "daily" => Ok(Frequency::Daily),
        "H" | "h" | "hourly" => Ok(Frequency::Hourly),
        _ => Err(format!("{text:?} is not a frequency (D or H)")),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let spec = match (args.preset.as_deref(), &args.weather) {
        (Some("weather"), _) => DatasetSpec::weather_preset(args.seed),
        (Some(_), _) => DatasetSpec::seed_preset(args.seed),
        (None, weather) => {
            let spec = DatasetSpec::new(args.customers, &args.start, &args.end, args.freq, args.seed)?;
            match weather {
                Some(country) => spec.with_weather(country)?,
                None => spec,
            }
        }
    };
    if let Some(path) = &args.covariates_out {
        write_covariates(&spec, args.future_rows as usize, path)?;
    }
    let rows = if args.out.as_os_str() == "-" {
        let stdout = std::io::stdout().lock();
        write_dataset(&spec, std::io::BufWriter::new(stdout))?
    } else {
        let mut file = AtomicFile::create(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
        let rows = write_dataset(&spec, &mut file)
            .with_context(|| format!("writing {}", args.out.display()))?;
        file.flush()?;
        file.commit()
            .with_context(|| format!("writing {}", args.out.display()))?;
        rows
    };
    eprintln!("generated {} customers, {rows} rows", spec.customers);
    Ok(ExitCode::SUCCESS)
}
