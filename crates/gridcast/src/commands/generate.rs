//! `gridcast generate`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gridcast_pipeline::dataset::{write_dataset, DatasetSpec, Frequency};
use gridcast_pipeline::AtomicFile;

/// Write a synthetic consumption dataset (`customer_id,timestamp,consumption`).
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
    /// `seed`: the seed's dataset (1,000 customers, daily, 2022).
    #[arg(long, value_parser = ["seed"])]
    preset: Option<String>,
    /// Output CSV (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

fn parse_frequency(text: &str) -> Result<Frequency, String> {
    match text {
        "D" | "d" | "daily" => Ok(Frequency::Daily),
        "H" | "h" | "hourly" => Ok(Frequency::Hourly),
        _ => Err(format!("{text:?} is not a frequency (D or H)")),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let spec = match args.preset {
        Some(_) => DatasetSpec::seed_preset(args.seed),
        None => DatasetSpec::new(args.customers, &args.start, &args.end, args.freq, args.seed)?,
    };
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
