//! `gridcast process`.

use std::path::PathBuf;
use std::process::ExitCode;

use gridcast_pipeline::process::{process, ProcessOptions, PROCESS_REPORT};

/// Split a consumption CSV into one `<customer_id>.csv` per customer (the
/// seed's layout: no header, `timestamp,consumption`, in time order).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The dataset: `customer_id,timestamp,consumption` (header optional).
    #[arg(long)]
    input: PathBuf,
    /// Directory for the customer files (created if needed).
    #[arg(long)]
    output: PathBuf,
    /// Skip bad rows and count them per reason instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let opts = ProcessOptions {
        skip_bad_rows: args.skip_bad_rows,
        ..Default::default()
    };
    let report = process(&args.input, &args.output, &opts)?;
    let mut line = format!(
        "wrote {} customer files ({} rows) to {}",
        report.customers,
        report.rows_written,
        args.output.display()
    );
    if report.skipped_rows() > 0 {
        let reasons: Vec<String> = report
            .skipped
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        line.push_str(&format!(
            "; skipped {} bad rows ({}; see {})",
            report.skipped_rows(),
            reasons.join(", "),
            args.output.join(PROCESS_REPORT).display()
        ));
    }
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}
