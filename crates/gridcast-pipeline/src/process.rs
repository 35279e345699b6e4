//! Splitting one big readings CSV into the seed's per-customer files.
//!
//! The input (`customer_id,timestamp,consumption`, as `gridcast generate` or
//! the seed's notebook writes it, or any long-format file whose columns
//! [`crate::columns`] maps by name) is streamed once. Rows are appended to a
//! per-customer staging file (binary, with their line numbers) in a hidden
//! staging directory inside the output, through a bounded pool of open files,
//! so memory does not grow with the input and customers may be interleaved.
//! Each staging file is then sorted by time, checked for duplicate
//! timestamps and written as `<id>.csv` in time order: no header,
//! `timestamp,consumption` (the seed's layout), or `ds,y,<extras>` when
//! columns are carried (regressors such as `temperature`, conditions). Only when every customer is finished are the files renamed
//! into the output; on any failure the staging directory is removed and the
//! output is as it was.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use gridcast_model::{format_csv_as, needs_time_of_day, parse_timestamp, Timestamp};
use rayon::prelude::*;
use serde::Serialize;

use gridcast_api::CustomerId;
use gridcast_store::AtomicFile;

use crate::columns::{boolean, ColumnChoice, Columns, Extra, HeaderError, Keep};

/// Name of the report `process` writes beside the customer files.
pub const PROCESS_REPORT: &str = "process-report.json";

/// How to treat the input.
#[derive(Debug, Clone)]
pub struct ProcessOptions {
    /// Skip bad rows (counting them per reason) instead of stopping at the first.
    pub skip_bad_rows: bool,
    /// Most staging files open at once (input interleaving customers).
    pub max_open_files: usize,
    /// Which columns are the customer, the timestamp and the value, and
    /// which others to carry.
    pub columns: ColumnChoice,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        Self {
            skip_bad_rows: false,
            max_open_files: 128,
            columns: ColumnChoice::default(),
        }
    }
}

/// What is wrong with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BadRowKind {
    /// A field is missing or empty.
    MissingField,
    /// The customer id is not a safe file name.
    InvalidCustomerId,
    /// The timestamp does not parse.
    BadTimestamp,
    /// The consumption does not parse as a number.
    BadNumber,
    /// The consumption is negative.
    NegativeConsumption,
    /// The consumption is NaN or infinite.
    NonFiniteConsumption,
    /// An earlier row has the same customer and timestamp.
    DuplicateTimestamp,
}

impl BadRowKind {
    /// The reason's name in reports (`bad_number`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            BadRowKind::MissingField => "missing_field",
            BadRowKind::InvalidCustomerId => "invalid_customer_id",
            BadRowKind::BadTimestamp => "bad_timestamp",
            BadRowKind::BadNumber => "bad_number",
            BadRowKind::NegativeConsumption => "negative_consumption",
            BadRowKind::NonFiniteConsumption => "non_finite_consumption",
            BadRowKind::DuplicateTimestamp => "duplicate_timestamp",
        }
    }
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRow {
    /// 1-based line in the input.
    pub line: u64,
    /// The reason, for counting.
    pub kind: BadRowKind,
    /// The reason, for people.
    pub detail: String,
}

/// Why processing stopped. Nothing was written to the output.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// A bad row (without `--skip-bad-rows`).
    #[error("{}:{}: {}", file.display(), row.line, row.detail)]
    BadRow {
        /// The input file.
        file: PathBuf,
        /// The row.
        row: BadRow,
    },
    /// The first line is neither a header giving the columns asked for nor
    /// a data row.
    #[error("{}:1: header {found:?} {problem}", file.display())]
    BadHeader {
        /// The input file.
        file: PathBuf,
        /// The header line.
        found: String,
        /// What it lacks.
        problem: HeaderError,
    },
    /// No usable rows.
    #[error("{}: no valid data rows", file.display())]
    NoRows {
        /// The input file.
        file: PathBuf,
    },
    /// The CSV could not be read.
    #[error("{}:{line}: {source}", file.display())]
    Csv {
        /// The input file.
        file: PathBuf,
        /// Line where reading failed.
        line: u64,
        /// The reader's error.
        source: csv::Error,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ProcessError + '_ {
    move |source| ProcessError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessReport {
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows written to customer files.
    pub rows_written: u64,
    /// Customer files written.
    pub customers: u64,
    /// Skipped rows per reason.
    pub skipped: BTreeMap<BadRowKind, u64>,
    /// The first skipped rows, for a look.
    pub examples: Vec<BadRow>,
    /// How the input's columns were read (none: no data rows).
    pub columns: Option<Columns>,
}

const MAX_EXAMPLES: usize = 20;

impl ProcessReport {
    fn skip(&mut self, row: BadRow) {
        *self.skipped.entry(row.kind).or_default() += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(row);
        }
    }

    /// Total rows skipped.
    pub fn skipped_rows(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// A good row.
struct Reading<'a> {
    customer: &'a str,
    ts: Timestamp,
    value: f64,
}

fn field<'a>(
    record: &'a csv::ByteRecord,
    index: usize,
    name: &str,
    line: u64,
) -> Result<&'a str, BadRow> {
    let missing = || BadRow {
        line,
        kind: BadRowKind::MissingField,
        detail: format!("missing {name} field"),
    };
    let raw = record.get(index).ok_or_else(missing)?;
    let text = std::str::from_utf8(raw)
        .map_err(|_| BadRow {
            line,
            kind: BadRowKind::MissingField,
            detail: format!("{name} is not UTF-8 text"),
        })?
        .trim();
    if text.is_empty() {
        return Err(missing());
    }
    Ok(text)
}

fn parse_reading<'a>(
    record: &'a csv::ByteRecord,
    cols: &Columns,
    line: u64,
    extras: &mut Vec<f64>,
) -> Result<Reading<'a>, BadRow> {
    let customer = field(record, cols.customer.0, &cols.customer.1, line)?;
    let when = field(record, cols.timestamp.0, &cols.timestamp.1, line)?;
    let value_name = &cols.value.1;
    let number = field(record, cols.value.0, value_name, line)?;
    let ts = parse_timestamp(when).ok_or_else(|| BadRow {
        line,
        kind: BadRowKind::BadTimestamp,
        detail: format!("{} {when:?} is not a date or date-time", cols.timestamp.1),
    })?;
    let value: f64 = number.parse().map_err(|_| BadRow {
        line,
        kind: BadRowKind::BadNumber,
        detail: format!("{value_name} {number:?} is not a number"),
    })?;
    if !value.is_finite() {
        return Err(BadRow {
            line,
            kind: BadRowKind::NonFiniteConsumption,
            detail: format!("{value_name} {number:?} is not finite"),
        });
    }
    if value < 0.0 {
        return Err(BadRow {
            line,
            kind: BadRowKind::NegativeConsumption,
            detail: format!("{value_name} {number} is negative"),
        });
    }
    extras.clear();
    for extra in &cols.extras {
        extras.push(extra_value(record, extra, line)?);
    }
    Ok(Reading {
        customer,
        ts,
        value,
    })
}

/// A carried cell: a finite number, a boolean (1/0), or empty (NaN).
fn extra_value(record: &csv::ByteRecord, extra: &Extra, line: u64) -> Result<f64, BadRow> {
    let raw = record.get(extra.index).unwrap_or(b"");
    let text = std::str::from_utf8(raw).unwrap_or("\u{fffd}").trim();
    if text.is_empty() {
        return Ok(f64::NAN);
    }
    let v = match boolean(text) {
        Some(b) => f64::from(u8::from(b)),
        None => text.parse::<f64>().unwrap_or(f64::NAN),
    };
    let fits = if extra.boolean { v == 0.0 || v == 1.0 } else { v.is_finite() };
    if fits {
        return Ok(v);
    }
    let expected = if extra.boolean {
        "a boolean (True/False, as in the column's first row)"
    } else {
        "a finite number or a boolean"
    };
    Err(BadRow {
        line,
        kind: BadRowKind::BadNumber,
        detail: format!(
            "{} {:?} is not {expected}",
            extra.name,
            text.chars().take(40).collect::<String>()
        ),
    })
}

/// One staged row: line, timestamp, value, then each carried column (8
/// bytes each, little endian).
const RECORD: usize = 24;

fn record_len(extras: usize) -> usize {
    RECORD + 8 * extras
}
const STAGED: &str = "staged";

/// Per-customer staging files behind a bounded pool of open writers.
struct Staging {
    dir: PathBuf,
    open: HashMap<String, (BufWriter<File>, u64)>,
    clock: u64,
    max_open: usize,
}

impl Staging {
    fn append(
        &mut self,
        customer: &str,
        line: u64,
        ts: Timestamp,
        value: f64,
        extras: &[f64],
    ) -> Result<(), ProcessError> {
        self.clock += 1;
        if !self.open.contains_key(customer) {
            if self.open.len() >= self.max_open {
                let oldest = self
                    .open
                    .iter()
                    .min_by_key(|(_, (_, used))| *used)
                    .map(|(k, _)| k.clone());
                if let Some(key) = oldest {
                    let (mut w, _) = self.open.remove(&key).expect("present");
                    w.flush().map_err(io_err(&self.dir))?;
                }
            }
            let path = self.dir.join(format!("{customer}.{STAGED}"));
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io_err(&path))?;
            self.open.insert(
                customer.to_owned(),
                (BufWriter::with_capacity(32 * 1024, file), 0),
            );
        }
        let (writer, used) = self.open.get_mut(customer).expect("just inserted");
        *used = self.clock;
        let mut buf = [0u8; RECORD];
        buf[..8].copy_from_slice(&line.to_le_bytes());
        buf[8..16].copy_from_slice(&ts.to_le_bytes());
        buf[16..].copy_from_slice(&value.to_le_bytes());
        writer.write_all(&buf).map_err(io_err(&self.dir))?;
        for v in extras {
            writer
                .write_all(&v.to_le_bytes())
                .map_err(io_err(&self.dir))?;
        }
        Ok(())
    }

    fn close_all(&mut self) -> Result<(), ProcessError> {
        for (_, (mut w, _)) in self.open.drain() {
            w.flush().map_err(io_err(&self.dir))?;
        }
        Ok(())
    }
}

fn bad_header(input: &Path, names: &[String], problem: HeaderError) -> ProcessError {
    ProcessError::BadHeader {
        file: input.to_owned(),
        found: names.join(",").chars().take(200).collect(),
        problem,
    }
}

fn map_header(
    input: &Path,
    names: &[String],
    first_row: &[String],
    choice: &ColumnChoice,
) -> Result<Columns, ProcessError> {
    Columns::from_header(names, first_row, choice).map_err(|e| bad_header(input, names, e))
}

/// Splits `input` into `<id>.csv` files in `output` (created if needed).
pub fn process(
    input: &Path,
    output: &Path,
    opts: &ProcessOptions,
) -> Result<ProcessReport, ProcessError> {
    let file = File::open(input).map_err(io_err(input))?;
    let created_output = !output.exists();
    fs::create_dir_all(output).map_err(io_err(output))?;
    let result = process_into(input, BufReader::with_capacity(1 << 20, file), output, opts);
    if result.is_err() && created_output {
        let _ = fs::remove_dir(output); // only if still empty
    }
    result
}

fn process_into(
    input: &Path,
    reader: impl Read,
    output: &Path,
    opts: &ProcessOptions,
) -> Result<ProcessReport, ProcessError> {
    let staging_dir = tempfile::Builder::new()
        .prefix(".gridcast-process-")
        .tempdir_in(output)
        .map_err(io_err(output))?;
    let mut staging = Staging {
        dir: staging_dir.path().to_owned(),
        open: HashMap::new(),
        clock: 0,
        max_open: opts.max_open_files.max(1),
    };
    let mut report = ProcessReport::default();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<Columns> = None;
    let mut header: Option<Vec<String>> = None;
    let mut extras = Vec::new();
    let mut last_customer = String::new();
    loop {
        let more = csv
            .read_byte_record(&mut record)
            .map_err(|source| ProcessError::Csv {
                file: input.to_owned(),
                line: source.position().map_or(0, |p| p.line()),
                source,
            })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1
            && record
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            continue; // blank line
        }
        if columns.is_none() {
            let cells: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                .collect();
            match header.take() {
                // The first data row after a header: now the kept columns are known.
                Some(names) => columns = Some(map_header(input, &names, &cells, &opts.columns)?),
                None if cells.len() >= 2 && parse_timestamp(&cells[1]).is_some() => {
                    if opts.columns.needs_header() {
                        return Err(bad_header(input, &cells, HeaderError::NoHeader));
                    }
                    columns = Some(Columns::positional());
                }
                None => {
                    // Checked now, so a bad header is named even without rows.
                    let roles_only = ColumnChoice {
                        keep: match &opts.columns.keep {
                            Keep::AllNumeric => Keep::Nothing,
                            keep => keep.clone(),
                        },
                        ..opts.columns.clone()
                    };
                    map_header(input, &cells, &[], &roles_only)?;
                    header = Some(cells);
                    continue;
                }
            }
        }
        let cols = columns.as_ref().expect("set above");
        report.rows_read += 1;
        let reading = parse_reading(&record, cols, line, &mut extras).and_then(|r| {
            if r.customer != last_customer {
                CustomerId::parse(r.customer).map_err(|e| BadRow {
                    line,
                    kind: BadRowKind::InvalidCustomerId,
                    detail: e.to_string(),
                })?;
            }
            Ok(r)
        });
        match reading {
            Ok(r) => {
                staging.append(r.customer, line, r.ts, r.value, &extras)?;
                if r.customer != last_customer {
                    last_customer.clear();
                    last_customer.push_str(r.customer);
                }
            }
            Err(row) if opts.skip_bad_rows => report.skip(row),
            Err(row) => {
                return Err(ProcessError::BadRow {
                    file: input.to_owned(),
                    row,
                })
            }
        }
    }
    staging.close_all()?;
    let extras_of: Vec<Extra> = columns.as_ref().map(|c| c.extras.clone()).unwrap_or_default();
    report.columns = columns;

    // Finish every customer in the staging directory, in parallel, streaming
    // the directory listing (nothing here grows with the number of customers).
    let staging_path = staging_dir.path();
    let first_duplicate: Mutex<Option<BadRow>> = Mutex::new(None);
    let shared = Mutex::new(report);
    fs::read_dir(staging_path)
        .map_err(io_err(staging_path))?
        .par_bridge()
        .try_for_each(|entry| -> Result<(), ProcessError> {
            let path = entry.map_err(io_err(staging_path))?.path();
            if path.extension().is_none_or(|e| e != STAGED) {
                return Ok(());
            }
            let (written, duplicates) = finish_customer(&path, &extras_of, opts.skip_bad_rows)?;
            let mut report = shared.lock().expect("not poisoned");
            report.rows_written += written;
            report.customers += u64::from(written > 0);
            for row in duplicates {
                if opts.skip_bad_rows {
                    report.skip(row);
                } else {
                    let mut first = first_duplicate.lock().expect("not poisoned");
                    if first.as_ref().is_none_or(|d| row.line < d.line) {
                        *first = Some(row);
                    }
                }
            }
            Ok(())
        })?;
    let mut report = shared.into_inner().expect("not poisoned");
    if let Some(row) = first_duplicate.into_inner().expect("not poisoned") {
        return Err(ProcessError::BadRow {
            file: input.to_owned(),
            row,
        });
    }
    report.examples.sort_by_key(|r| r.line);
    if report.customers == 0 {
        return Err(ProcessError::NoRows {
            file: input.to_owned(),
        });
    }

    // Everything is finished: move the customer files into place.
    for entry in fs::read_dir(staging_path).map_err(io_err(staging_path))? {
        let csv = entry.map_err(io_err(staging_path))?.path();
        if csv.extension().is_some_and(|e| e == "csv") {
            let name = csv.file_name().expect("listed files have names");
            fs::rename(&csv, output.join(name)).map_err(io_err(&csv))?;
        }
    }
    let json = serde_json::to_vec_pretty(&report).expect("report serializes");
    let report_path = output.join(PROCESS_REPORT);
    AtomicFile::write(&report_path, &json).map_err(io_err(&report_path))?;
    Ok(report)
}

/// Sorts one customer's staged rows by time, drops (and returns) duplicate
/// timestamps after their first row, and writes `<id>.csv` beside the
/// staging file: the seed's layout, or with carried columns a header
/// `ds,y,<extras>`.
fn finish_customer(
    path: &Path,
    extras: &[Extra],
    keep_going: bool,
) -> Result<(u64, Vec<BadRow>), ProcessError> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    let word = |r: &[u8], i: usize| <[u8; 8]>::try_from(&r[i..i + 8]).expect("8 bytes");
    let mut rows: Vec<(u64, Timestamp, &[u8])> = bytes
        .chunks_exact(record_len(extras.len()))
        .map(|r| (u64::from_le_bytes(word(r, 0)), i64::from_le_bytes(word(r, 8)), &r[16..]))
        .collect();
    rows.sort_by_key(|&(line, ts, _)| (ts, line));
    let mut duplicates = Vec::new();
    let mut kept: Vec<(Timestamp, &[u8])> = Vec::with_capacity(rows.len());
    let mut previous: Option<(u64, Timestamp)> = None;
    for (line, ts, values) in rows {
        match previous {
            Some((first, t)) if t == ts => {
                duplicates.push(BadRow {
                    line,
                    kind: BadRowKind::DuplicateTimestamp,
                    detail: format!("duplicate timestamp (first seen on line {first})"),
                });
            }
            _ => {
                previous = Some((line, ts));
                kept.push((ts, values));
            }
        }
    }
    if !duplicates.is_empty() && !keep_going {
        return Ok((0, duplicates));
    }
    let ds: Vec<Timestamp> = kept.iter().map(|r| r.0).collect();
    let with_time = needs_time_of_day(&ds);
    let csv = path.with_extension("csv");
    let mut out = BufWriter::new(File::create(&csv).map_err(io_err(&csv))?);
    let mut text = String::new();
    if !extras.is_empty() {
        text.push_str("ds,y");
        for e in extras {
            text.push(',');
            text.push_str(&e.name);
        }
        text.push('\n');
    }
    for (ts, values) in &kept {
        text.push_str(&format_csv_as(*ts, with_time));
        for (i, chunk) in values.chunks_exact(8).enumerate() {
            let v = f64::from_le_bytes(word(chunk, 0));
            text.push(',');
            match (i.checked_sub(1).map(|e| extras[e].boolean), v.is_nan()) {
                (_, true) => {}
                (Some(true), false) => text.push_str(if v == 1.0 { "True" } else { "False" }),
                _ => text.push_str(&v.to_string()),
            }
        }
        text.push('\n');
        out.write_all(text.as_bytes()).map_err(io_err(&csv))?;
        text.clear();
    }
    out.flush().map_err(io_err(&csv))?;
    Ok((kept.len() as u64, duplicates))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str, skip: bool) -> (tempfile::TempDir, Result<ProcessReport, ProcessError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        fs::write(&path, input).unwrap();
        let opts = ProcessOptions {
            skip_bad_rows: skip,
            max_open_files: 2,
            ..Default::default()
        };
        let result = process(&path, &dir.path().join("out"), &opts);
        (dir, result)
    }

    fn out_files(dir: &Path) -> Vec<String> {
        let out = dir.join("out");
        let mut names: Vec<String> = match fs::read_dir(&out) {
            Ok(rd) => rd
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect(),
            Err(_) => return vec![],
        };
        names.sort();
        names
    }

    #[test]
    fn splits_sorts_and_keeps_interleaved_customers() {
        let input = "customer_id,timestamp,consumption\n\
                     2,2022-01-02,20\n1,2022-01-02,2.5\n3,2022-01-01,7\n2,2022-01-01,10\n1,2022-01-01,1\n4,2022-01-01,0\n";
        let (dir, report) = run(input, false);
        let report = report.unwrap();
        assert_eq!(
            (report.rows_read, report.rows_written, report.customers),
            (6, 6, 4)
        );
        assert_eq!(
            out_files(dir.path()),
            ["1.csv", "2.csv", "3.csv", "4.csv", PROCESS_REPORT]
        );
        let one = fs::read_to_string(dir.path().join("out/1.csv")).unwrap();
        assert_eq!(one, "2022-01-01,1\n2022-01-02,2.5\n");
    }

    #[test]
    fn pandas_index_column_and_hourly_layout() {
        let input = ",customer_id,timestamp,consumption\n0,a,2022-01-01 00:00:00,1\n1,a,2022-01-01 01:00:00,2\n";
        let (dir, report) = run(input, false);
        assert_eq!(report.unwrap().customers, 1);
        let a = fs::read_to_string(dir.path().join("out/a.csv")).unwrap();
        assert_eq!(a, "2022-01-01 00:00:00,1\n2022-01-01 01:00:00,2\n");
    }

    #[test]
    fn headerless_input_is_positional() {
        let (dir, report) = run("7,2022-01-01,3\n7,2022-01-02,4\n", false);
        assert_eq!(report.unwrap().rows_written, 2);
        assert_eq!(
            fs::read_to_string(dir.path().join("out/7.csv")).unwrap(),
            "2022-01-01,3\n2022-01-02,4\n"
        );
    }

    #[test]
    fn each_bad_row_stops_the_run_with_its_line_and_writes_nothing() {
        let header = "customer_id,timestamp,consumption\n1,2022-01-01,1\n";
        let cases = [
            (
                "1,2022-01-32,5\n",
                BadRowKind::BadTimestamp,
                "timestamp \"2022-01-32\"",
            ),
            (
                "1,2022-01-02,abc\n",
                BadRowKind::BadNumber,
                "consumption \"abc\" is not a number",
            ),
            (
                "1,2022-01-02,-3\n",
                BadRowKind::NegativeConsumption,
                "negative",
            ),
            (
                "1,2022-01-02,NaN\n",
                BadRowKind::NonFiniteConsumption,
                "not finite",
            ),
            (
                "1,2022-01-02,inf\n",
                BadRowKind::NonFiniteConsumption,
                "not finite",
            ),
            (
                "1,2022-01-02\n",
                BadRowKind::MissingField,
                "missing consumption",
            ),
            ("1,,4\n", BadRowKind::MissingField, "missing timestamp"),
            (
                "../x,2022-01-02,4\n",
                BadRowKind::InvalidCustomerId,
                "may only use",
            ),
            (
                "1,2022-01-01,4\n",
                BadRowKind::DuplicateTimestamp,
                "first seen on line 2",
            ),
        ];
        for (row, kind, text) in cases {
            let (dir, result) = run(&format!("{header}{row}"), false);
            match result {
                Err(ProcessError::BadRow { row, .. }) => {
                    assert_eq!((row.line, row.kind), (3, kind), "{row:?}");
                    assert!(row.detail.contains(text), "{row:?}");
                }
                other => panic!("{row}: {other:?}"),
            }
            assert!(
                out_files(dir.path()).is_empty(),
                "{row}: output left behind"
            );
        }
    }

    #[test]
    fn failure_keeps_an_existing_output_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("1.csv"), "old").unwrap();
        let input = dir.path().join("in.csv");
        fs::write(
            &input,
            "customer_id,timestamp,consumption\n1,2022-01-01,1\n2,2022-01-01,x\n",
        )
        .unwrap();
        let err = process(&input, &out, &ProcessOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("in.csv:3: consumption \"x\" is not a number"),
            "{err}"
        );
        let names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["1.csv"]);
        assert_eq!(fs::read_to_string(out.join("1.csv")).unwrap(), "old");
    }

    #[test]
    fn skip_mode_counts_each_reason() {
        let input = "customer_id,timestamp,consumption\n\
                     1,2022-01-01,1\n1,2022-01-01,9\n1,bad,1\n1,2022-01-02,-1\n1,2022-01-03\n2,2022-01-01,x\n2,2022-01-02,2\n";
        let (dir, report) = run(input, true);
        let report = report.unwrap();
        assert_eq!(
            (report.rows_read, report.rows_written, report.customers),
            (7, 2, 2)
        );
        let counts: Vec<(BadRowKind, u64)> = report.skipped.into_iter().collect();
        assert_eq!(
            counts,
            [
                (BadRowKind::MissingField, 1),
                (BadRowKind::BadTimestamp, 1),
                (BadRowKind::BadNumber, 1),
                (BadRowKind::NegativeConsumption, 1),
                (BadRowKind::DuplicateTimestamp, 1),
            ]
        );
        let lines: Vec<u64> = report.examples.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7]);
        // The first of a duplicated timestamp wins.
        assert_eq!(
            fs::read_to_string(dir.path().join("out/1.csv")).unwrap(),
            "2022-01-01,1\n"
        );
        let saved: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join("out").join(PROCESS_REPORT)).unwrap())
                .unwrap();
        assert_eq!(saved["skipped"]["duplicate_timestamp"], 1);
    }

    fn run_with(input: &str, columns: ColumnChoice) -> (tempfile::TempDir, Result<ProcessReport, ProcessError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        fs::write(&path, input).unwrap();
        let opts = ProcessOptions { columns, ..Default::default() };
        let result = process(&path, &dir.path().join("out"), &opts);
        (dir, result)
    }

    #[test]
    fn long_files_with_other_names_carry_their_extra_columns() {
        let input = "sensor_id,ds,y,sensor_description,temperature,holiday\n\
                     s1,2022-01-02,2,kitchen,-1.5,False\ns2,2022-01-01,5,hall,,True\ns1,2022-01-01,1,kitchen,3.25,True\n";
        let choice = |keep| ColumnChoice { customer: Some("sensor_id".into()), keep, ..Default::default() };
        let (dir, report) = run_with(input, choice(Keep::AllNumeric));
        let report = report.unwrap();
        assert_eq!(report.customers, 2);
        let columns = report.columns.unwrap();
        assert_eq!(columns.dropped, ["sensor_description"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("out/s1.csv")).unwrap(),
            "ds,y,temperature,holiday\n2022-01-01,1,3.25,True\n2022-01-02,2,-1.5,False\n"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("out/s2.csv")).unwrap(),
            "ds,y,temperature,holiday\n2022-01-01,5,,True\n",
            "an empty cell stays empty (missing), never a made-up value"
        );
        let frame = gridcast_model::Frame::from_csv(&fs::read(dir.path().join("out/s1.csv")).unwrap()).unwrap();
        assert_eq!(frame.column("temperature").unwrap().values, [3.25, -1.5]);
        assert_eq!(frame.column("holiday").unwrap().values, [1.0, 0.0]);
        // Named: only those, in the order given.
        let (dir, report) = run_with(input, choice(Keep::Named(vec!["temperature".into()])));
        report.unwrap();
        assert!(fs::read_to_string(dir.path().join("out/s1.csv")).unwrap().starts_with("ds,y,temperature\n2022-01-01,1,3.25\n"));
        // Household sub-meters: `ds,meter,y`, nothing carried: the seed layout.
        let (dir, report) = run_with("ds,meter,y\n2022-01-01,m1,4\n", ColumnChoice { customer: Some("meter".into()), ..Default::default() });
        report.unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("out/m1.csv")).unwrap(), "2022-01-01,4\n");
    }

    #[test]
    fn bad_carried_cells_and_headers_are_named() {
        let choice = ColumnChoice { keep: Keep::AllNumeric, ..Default::default() };
        let (dir, result) = run_with(
            "customer_id,timestamp,consumption,temperature,holiday\n1,2022-01-01,1,3,True\n1,2022-01-02,1,warm,False\n",
            choice.clone(),
        );
        let err = result.unwrap_err().to_string();
        assert!(err.ends_with("in.csv:3: temperature \"warm\" is not a finite number or a boolean"), "{err}");
        assert!(out_files(dir.path()).is_empty());
        let (_, result) = run_with(
            "customer_id,timestamp,consumption,holiday\n1,2022-01-01,1,True\n1,2022-01-02,1,0.5\n",
            choice.clone(),
        );
        assert!(result.unwrap_err().to_string().contains("holiday \"0.5\" is not a boolean"));
        let (_, result) = run_with("1,2022-01-01,1\n", choice);
        assert!(result.unwrap_err().to_string().contains("need a header"));
        let (_, result) = run_with(
            "ds,meter,y\n",
            ColumnChoice { customer: Some("sensor".into()), ..Default::default() },
        );
        assert!(result.unwrap_err().to_string().contains("lacks customer_id (looked for `sensor`"), "named before any row");
    }

    #[test]
    fn headers_and_empty_inputs_are_explained() {
        let (_, result) = run("who,when,what\n1,2022-01-01,1\n", false);
        let err = result.unwrap_err().to_string();
        assert!(err.ends_with(":1: header \"who,when,what\" lacks customer_id (looked for customer_id, customer, id; name it with --customer-column NAME)"), "{err}");
        let (dir, result) = run("customer_id,timestamp,consumption\n", false);
        assert!(matches!(result, Err(ProcessError::NoRows { .. })));
        assert!(!dir.path().join("out").exists());
    }
}
