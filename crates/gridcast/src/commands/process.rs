//! `gridcast process`.

use std::path::PathBuf;
use std::process::ExitCode;

use gridcast_pipeline::columns::{ColumnChoice, Keep};
use gridcast_pipeline::process::{process, ProcessOptions, PROCESS_REPORT};
use gridcast_store::Location;

use super::remote::{is_remote, runtime, split_object, upload_all};

/// Split a consumption CSV into one `<customer_id>.csv` per customer (the
/// seed's layout: no header, `timestamp,consumption`, in time order; with
/// carried columns a header `ds,y,<columns>`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The dataset: `customer_id,timestamp,consumption` (header optional),
    /// or any long-format CSV with a header whose columns the flags below
    /// name; a path or `s3://bucket/key.csv`.
    #[arg(long)]
    input: String,
    /// The customer column (default: customer_id, customer or id).
    #[arg(long, value_name = "NAME")]
    customer_column: Option<String>,
    /// The timestamp column (default: timestamp, date, datetime, ds or time).
    #[arg(long, value_name = "NAME")]
    timestamp_column: Option<String>,
    /// The value column (default: consumption, y, value or kwh).
    #[arg(long, value_name = "NAME")]
    value_column: Option<String>,
    /// Other columns to carry into each customer's CSV (regressors such as
    /// temperature, boolean conditions), comma-separated.
    #[arg(long, value_name = "NAMES", value_delimiter = ',', conflicts_with = "keep_all_columns")]
    keep_columns: Vec<String>,
    /// Carry every other column whose first row is numeric or boolean
    /// (text columns and a pandas index are left out and listed in
    /// process-report.json).
    #[arg(long)]
    keep_all_columns: bool,
    /// Directory for the customer files (created if needed), or `s3://bucket/prefix`.
    #[arg(long)]
    output: String,
    /// Skip bad rows and count them per reason instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let keep = match (args.keep_all_columns, args.keep_columns.is_empty()) {
        (true, _) => Keep::AllNumeric,
        (false, false) => Keep::Named(args.keep_columns.iter().map(|c| c.trim().to_owned()).collect()),
        (false, true) => Keep::Nothing,
    };
    let opts = ProcessOptions {
        skip_bad_rows: args.skip_bad_rows,
        columns: ColumnChoice {
            customer: args.customer_column.clone(),
            timestamp: args.timestamp_column.clone(),
            value: args.value_column.clone(),
            keep,
        },
        ..Default::default()
    };
    // s3:// input and output are staged in local temporary directories.
    let staging = tempfile::Builder::new()
        .prefix("gridcast-process-")
        .tempdir()?;
    let runtime = if is_remote(&args.input) || is_remote(&args.output) {
        Some(runtime()?)
    } else {
        None
    };
    let input = if is_remote(&args.input) {
        let (location, name) = split_object(&args.input)?;
        let local = staging.path().join("input.csv");
        runtime
            .as_ref()
            .expect("made above")
            .block_on(location.download_to(&name, &local))?;
        local
    } else {
        PathBuf::from(&args.input)
    };
    let output = if is_remote(&args.output) {
        staging.path().join("output")
    } else {
        PathBuf::from(&args.output)
    };
    let report = process(&input, &output, &opts)?;
    if is_remote(&args.output) {
        let location = Location::parse(&args.output)?;
        runtime
            .as_ref()
            .expect("made above")
            .block_on(upload_all(&output, &location))?;
    }
    let mut line = format!(
        "wrote {} customer files ({} rows) to {}",
        report.customers, report.rows_written, args.output
    );
    if let Some(columns) = report.columns.as_ref().filter(|c| !c.extras.is_empty()) {
        let names: Vec<&str> = columns.extras.iter().map(|e| e.name.as_str()).collect();
        line.push_str(&format!(" with columns ds,y,{}", names.join(",")));
    }
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
            format!("{}/{PROCESS_REPORT}", args.output.trim_end_matches('/'))
        ));
    }
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}
