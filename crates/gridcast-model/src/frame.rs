//! A frame of rows: Python Prophet's `df`, for fitting (`ds`, `y`) and for
//! predicting (`ds` only), with `cap`, `floor` and named extra columns
//! (regressors, seasonality conditions); and the CSV layouts it arrives in.

use std::borrow::Cow;
use std::fmt;

use crate::time::{format_csv_as, needs_time_of_day, parse_timestamp, Timestamp};

/// Rows of readings (with `y`) or of times to forecast (without).
///
/// `y` holds NaN where a reading is missing; such rows are left out of a fit,
/// as Python Prophet leaves them out. Rows may come in any order: fit and
/// predict sort them by `ds`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    /// Timestamps, seconds since the epoch (naive).
    pub ds: Vec<Timestamp>,
    /// Observed values (NaN: missing); `None` for rows to forecast.
    pub y: Option<Vec<f64>>,
    /// Logistic-growth capacity per row.
    pub cap: Option<Vec<f64>>,
    /// Logistic-growth floor per row.
    pub floor: Option<Vec<f64>>,
    /// Extra columns (regressors and conditions), in file order.
    pub columns: Vec<Column>,
    /// The source line of each row when the frame was read from a CSV (for
    /// error messages); empty otherwise.
    pub lines: Vec<usize>,
}

/// A named extra column: numbers, or booleans as 1 and 0; NaN where a cell is
/// empty or not a number.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header name.
    pub name: String,
    /// One value per row.
    pub values: Vec<f64>,
    /// The first cell that was neither a number, a boolean nor empty: its row
    /// and text (so a column is only an error where it is used).
    pub text: Option<(usize, String)>,
}

/// Where a row is: its 0-based index in the frame as given and, for a frame
/// read from a CSV, its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef {
    /// 0-based row of the frame (pandas' index).
    pub row: usize,
    /// 1-based line of the file, when known.
    pub line: Option<usize>,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line} (row {})", self.row),
            None => write!(f, "row {}", self.row),
        }
    }
}

/// What a column is for, in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnUse {
    /// An extra regressor (`add_regressor`).
    Regressor,
    /// The boolean condition of a seasonality (`condition_name`).
    Condition {
        /// The seasonality.
        seasonality: String,
    },
    /// Logistic growth's capacity.
    Cap,
    /// Logistic growth's floor.
    Floor,
    /// The observed values.
    Y,
}

impl fmt::Display for ColumnUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnUse::Regressor => f.write_str("an extra regressor"),
            ColumnUse::Condition { seasonality } => {
                write!(f, "the condition of seasonality {seasonality:?}")
            }
            ColumnUse::Cap => f.write_str("logistic growth's capacity"),
            ColumnUse::Floor => f.write_str("logistic growth's floor"),
            ColumnUse::Y => f.write_str("the observed values"),
        }
    }
}

/// Why a frame could not be read or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A CSV line that does not fit the layout.
    #[error("line {line}: {reason} (got {text:?})")]
    BadRow {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
        /// The offending line (truncated).
        text: String,
    },
    /// The input is not UTF-8.
    #[error("line {line}: not UTF-8 text")]
    NotUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// The header is unusable.
    #[error("header: {0}")]
    BadHeader(String),
    /// No data rows at all.
    #[error("no data rows")]
    Empty,
    /// A column the model needs is absent.
    #[error("column `{column}` is missing: the model uses it as {role}, so the rows must have it")]
    MissingColumn {
        /// The column.
        column: String,
        /// What the model needs it for.
        role: ColumnUse,
    },
    /// A column the model does not use (a typo, or an argument missing from
    /// the configuration).
    #[error("column `{column}` is not used by the model: {hint}")]
    UnusedColumn {
        /// The column.
        column: String,
        /// How to use it or what to do instead.
        hint: String,
    },
    /// A column given both as data and as a constant in the configuration.
    #[error(
        "`{column}` is both a column of the data and a constant in the configuration: keep one"
    )]
    ColumnAndConstant {
        /// The column.
        column: String,
    },
    /// A cell that is not a number where the model needs one.
    #[error("{at}: column `{column}`: {text:?} is not a number")]
    NotANumber {
        /// The row.
        at: RowRef,
        /// The column.
        column: String,
        /// The cell.
        text: String,
    },
    /// An empty or NaN cell where the model needs a value.
    #[error("{at}: column `{column}` ({role}) has no value (NaN or empty)")]
    MissingValue {
        /// The row.
        at: RowRef,
        /// The column.
        column: String,
        /// What it is for.
        role: ColumnUse,
    },
    /// An infinite value.
    #[error("{at}: column `{column}` is infinite")]
    Infinite {
        /// The row.
        at: RowRef,
        /// The column.
        column: String,
    },
    /// A condition column with a value other than true/false (or 1/0).
    #[error("{at}: column `{column}` ({role}) must be boolean (True/False or 1/0), got {value}")]
    NotBoolean {
        /// The row.
        at: RowRef,
        /// The column.
        column: String,
        /// What it is for.
        role: ColumnUse,
        /// The value as given.
        value: String,
    },
    /// A capacity at or below the floor.
    #[error("{at}: cap {cap} must be greater than floor {floor}")]
    CapNotAboveFloor {
        /// The row.
        at: RowRef,
        /// The capacity.
        cap: f64,
        /// The floor.
        floor: f64,
    },
    /// Two rows with the same timestamp.
    #[error("{at}: timestamp {} appears twice (also at {first})", crate::time::format_iso_millis(*ds))]
    DuplicateTimestamp {
        /// The later row.
        at: RowRef,
        /// The earlier row with the same timestamp.
        first: RowRef,
        /// The timestamp.
        ds: Timestamp,
    },
    /// A column whose length differs from `ds` (frames built in code).
    #[error("column `{column}` has {len} values for {rows} rows")]
    Length {
        /// The column.
        column: String,
        /// Its length.
        len: usize,
        /// The number of rows.
        rows: usize,
    },
}

impl Frame {
    /// Readings: timestamps and values (NaN where missing).
    pub fn new(ds: Vec<Timestamp>, y: Vec<f64>) -> Self {
        Self {
            ds,
            y: Some(y),
            ..Self::default()
        }
    }

    /// Rows to forecast: timestamps only.
    pub fn future(ds: Vec<Timestamp>) -> Self {
        Self {
            ds,
            ..Self::default()
        }
    }

    /// With a `cap` column.
    pub fn with_cap(mut self, cap: Vec<f64>) -> Self {
        self.cap = Some(cap);
        self
    }

    /// With a `floor` column.
    pub fn with_floor(mut self, floor: Vec<f64>) -> Self {
        self.floor = Some(floor);
        self
    }

    /// With a numeric column (a regressor), replacing one of the same name.
    pub fn with_column(mut self, name: &str, values: Vec<f64>) -> Self {
        self.columns.retain(|c| c.name != name);
        self.columns.push(Column {
            name: name.into(),
            values,
            text: None,
        });
        self
    }

    /// With a boolean column (a seasonality's condition).
    pub fn with_condition(self, name: &str, values: &[bool]) -> Self {
        let values = values.iter().map(|&b| f64::from(u8::from(b))).collect();
        self.with_column(name, values)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ds.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }

    /// Rows with an observed (non-NaN) `y`.
    pub fn observed(&self) -> usize {
        self.y
            .as_ref()
            .map_or(0, |y| y.iter().filter(|v| !v.is_nan()).count())
    }

    /// The extra column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Where row `row` came from.
    pub fn row_ref(&self, row: usize) -> RowRef {
        RowRef {
            row,
            line: self.lines.get(row).copied(),
        }
    }

    /// The rows at `index`, in that order.
    pub fn select(&self, index: &[usize]) -> Frame {
        let pick = |v: &[f64]| index.iter().map(|&i| v[i]).collect::<Vec<_>>();
        Frame {
            ds: index.iter().map(|&i| self.ds[i]).collect(),
            y: self.y.as_deref().map(pick),
            cap: self.cap.as_deref().map(pick),
            floor: self.floor.as_deref().map(pick),
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    values: pick(&c.values),
                    text: c.text.as_ref().and_then(|(row, text)| {
                        index
                            .iter()
                            .position(|i| i == row)
                            .map(|at| (at, text.clone()))
                    }),
                })
                .collect(),
            lines: if self.lines.is_empty() {
                Vec::new()
            } else {
                index.iter().map(|&i| self.lines[i]).collect()
            },
        }
    }

    /// Row indices in time order (stable, like pandas' mergesort).
    pub fn time_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        crate::time::sort_by_time(&mut order, &self.ds);
        order
    }

    /// Checks that every column has one value per row.
    pub fn check_lengths(&self) -> Result<(), FrameError> {
        let rows = self.len();
        let named = [("y", &self.y), ("cap", &self.cap), ("floor", &self.floor)];
        let lengths = named
            .iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| (n.to_string(), v.len())))
            .chain(
                self.columns
                    .iter()
                    .map(|c| (c.name.clone(), c.values.len())),
            );
        for (column, len) in lengths {
            if len != rows {
                return Err(FrameError::Length { column, len, rows });
            }
        }
        Ok(())
    }

    /// Splits off the last `n` rows in time: `(training, holdout)`.
    pub fn split_holdout(&self, n: usize) -> (Frame, Frame) {
        let order = self.time_order();
        let cut = order.len().saturating_sub(n);
        (self.select(&order[..cut]), self.select(&order[cut..]))
    }

    /// `base` with `newer`'s rows added, in time order; a row at a time `base`
    /// already has replaces it. Capacities and floors carry the last known one
    /// forward when `newer` has none; every extra column of `base` must be in
    /// `newer` too.
    pub fn merged(base: &Frame, newer: &Frame) -> Result<Frame, FrameError> {
        for c in &base.columns {
            if newer.column(&c.name).is_none() {
                return Err(FrameError::MissingColumn {
                    column: c.name.clone(),
                    role: ColumnUse::Regressor,
                });
            }
        }
        let mut rows: std::collections::BTreeMap<Timestamp, (usize, &Frame)> =
            std::collections::BTreeMap::new();
        for (i, &t) in base.ds.iter().enumerate() {
            rows.insert(t, (i, base));
        }
        for (i, &t) in newer.ds.iter().enumerate() {
            rows.insert(t, (i, newer));
        }
        let carried = |col: fn(&Frame) -> Option<&Vec<f64>>| -> Option<Vec<f64>> {
            let last = col(base)?.last().copied();
            Some(
                rows.values()
                    .map(|&(i, f)| col(f).map(|v| v[i]).or(last).unwrap_or(f64::NAN))
                    .collect(),
            )
        };
        Ok(Frame {
            ds: rows.keys().copied().collect(),
            y: Some(
                rows.values()
                    .map(|&(i, f)| f.y.as_ref().map_or(f64::NAN, |y| y[i]))
                    .collect(),
            ),
            cap: carried(cap_of),
            floor: carried(floor_of),
            columns: base
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    values: rows
                        .values()
                        .map(|&(i, f)| f.column(&c.name).map_or(f64::NAN, |col| col.values[i]))
                        .collect(),
                    text: None,
                })
                .collect(),
            lines: Vec::new(),
        })
    }

    /// Parses a CSV of rows: the seed's per-customer layout (no header,
    /// `timestamp,consumption`) or a header naming the columns in any order
    /// (`ds` required; `y`, `cap`, `floor` and extra columns optional; `ds`
    /// and `y` in any case). Empty and NaN cells are missing values; booleans
    /// (`True`/`False`, any case) read as 1 and 0. Blank lines are ignored;
    /// every other bad line is an error naming it.
    pub fn from_csv(bytes: &[u8]) -> Result<Frame, FrameError> {
        let mut lines = bytes.split(|b| *b == b'\n').enumerate().map(|(i, raw)| {
            let line = i + 1;
            std::str::from_utf8(raw)
                .map(|t| (line, t.trim_end_matches('\r')))
                .map_err(|_| FrameError::NotUtf8 { line })
        });
        let mut first = None;
        for item in lines.by_ref() {
            let (line, text) = item?;
            if !text.trim().is_empty() {
                first = Some((line, text));
                break;
            }
        }
        let Some((first_line, first_text)) = first else {
            return Err(FrameError::Empty);
        };
        let header_cells = split_csv(first_text);
        let layout = if parse_timestamp(&header_cells[0]).is_none() {
            Layout::from_header(&header_cells)?
        } else {
            Layout::seed()
        };
        let mut builder = Builder::new(&layout);
        let mut cells = Vec::with_capacity(layout.fields);
        if layout.seed {
            builder.push(&layout, first_line, first_text, &mut cells)?;
        }
        for item in lines {
            let (line, text) = item?;
            if !text.trim().is_empty() {
                builder.push(&layout, line, text, &mut cells)?;
            }
        }
        let frame = builder.finish(&layout);
        if frame.is_empty() {
            return Err(FrameError::Empty);
        }
        Ok(frame)
    }

    /// Writes the frame as CSV: the seed layout (no header,
    /// `timestamp,consumption`) when it has only readings, else a header
    /// `ds,y,…` with every column. Dates alone when every row is at midnight,
    /// else date and time on every row.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.len() * 24);
        let with_time = needs_time_of_day(&self.ds);
        let mut columns: Vec<(&str, &[f64])> = Vec::new();
        if let Some(y) = &self.y {
            columns.push(("y", y));
        }
        if let Some(cap) = &self.cap {
            columns.push(("cap", cap));
        }
        if let Some(floor) = &self.floor {
            columns.push(("floor", floor));
        }
        for c in &self.columns {
            columns.push((&c.name, &c.values));
        }
        let seed_layout =
            columns.len() == 1 && self.y.is_some() && self.y.iter().flatten().all(|v| !v.is_nan());
        if !seed_layout {
            out.push_str("ds");
            for (name, _) in &columns {
                out.push(',');
                out.push_str(name);
            }
            out.push('\n');
        }
        for (i, ds) in self.ds.iter().enumerate() {
            out.push_str(&format_csv_as(*ds, with_time));
            for (_, values) in &columns {
                out.push(',');
                if !values[i].is_nan() {
                    out.push_str(&values[i].to_string());
                }
            }
            out.push('\n');
        }
        out
    }
}

fn cap_of(f: &Frame) -> Option<&Vec<f64>> {
    f.cap.as_ref()
}

fn floor_of(f: &Frame) -> Option<&Vec<f64>> {
    f.floor.as_ref()
}

/// Where each column of a CSV goes.
struct Layout {
    seed: bool,
    fields: usize,
    ds: usize,
    y: Option<usize>,
    cap: Option<usize>,
    floor: Option<usize>,
    /// `(field index, name)` of the extra columns.
    extra: Vec<(usize, String)>,
}

impl Layout {
    fn seed() -> Self {
        Self {
            seed: true,
            fields: 2,
            ds: 0,
            y: Some(1),
            cap: None,
            floor: None,
            extra: Vec::new(),
        }
    }

    fn from_header(cells: &[Cow<'_, str>]) -> Result<Self, FrameError> {
        let mut seen = std::collections::HashSet::new();
        let (mut ds, mut y, mut cap, mut floor) = (None, None, None, None);
        let mut extra = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                return Err(FrameError::BadHeader(format!(
                    "column {} has no name",
                    i + 1
                )));
            }
            let name = match cell.to_ascii_lowercase().as_str() {
                "ds" | "y" => cell.to_ascii_lowercase(),
                _ => cell.to_string(),
            };
            if !seen.insert(name.clone()) {
                return Err(FrameError::BadHeader(format!(
                    "column `{name}` appears twice"
                )));
            }
            match name.as_str() {
                "ds" => ds = Some(i),
                "y" => y = Some(i),
                "cap" => cap = Some(i),
                "floor" => floor = Some(i),
                _ => extra.push((i, name)),
            }
        }
        let ds = ds.ok_or_else(|| {
            FrameError::BadHeader(format!(
                "no `ds` column (got {}); the first line must be a header naming `ds` (and `y`), or a row `timestamp,consumption`",
                cells.join(",")
            ))
        })?;
        Ok(Self {
            seed: false,
            fields: cells.len(),
            ds,
            y,
            cap,
            floor,
            extra,
        })
    }

    fn expected(&self) -> String {
        if self.seed {
            "`timestamp,consumption`".into()
        } else {
            format!("{} fields as in the header", self.fields)
        }
    }
}

/// Columns being filled row by row.
struct Builder {
    frame: Frame,
    y: Vec<f64>,
    cap: Vec<f64>,
    floor: Vec<f64>,
}

impl Builder {
    fn new(layout: &Layout) -> Self {
        let frame = Frame {
            columns: layout
                .extra
                .iter()
                .map(|(_, name)| Column {
                    name: name.clone(),
                    values: Vec::new(),
                    text: None,
                })
                .collect(),
            ..Frame::default()
        };
        Self {
            frame,
            y: Vec::new(),
            cap: Vec::new(),
            floor: Vec::new(),
        }
    }

    fn push<'a>(
        &mut self,
        layout: &Layout,
        line: usize,
        text: &'a str,
        cells: &mut Vec<Cow<'a, str>>,
    ) -> Result<(), FrameError> {
        let bad = |reason: String| FrameError::BadRow {
            line,
            reason: format!("{reason} (expected {})", layout.expected()),
            text: text.chars().take(80).collect(),
        };
        split_csv_into(text, cells);
        if cells.len() != layout.fields {
            let reason = match (layout.seed, cells.len()) {
                (true, 1) => "missing consumption field".to_string(),
                (true, _) => "more than two fields".to_string(),
                (false, n) => format!("{n} fields"),
            };
            return Err(bad(reason));
        }
        let when = &cells[layout.ds];
        let ts = parse_timestamp(when)
            .ok_or_else(|| bad(format!("timestamp {when:?} is not a date")))?;
        let row = self.frame.ds.len();
        if let Some(i) = layout.y {
            let name = if layout.seed { "consumption" } else { "y" };
            let v = number(&cells[i])
                .ok_or_else(|| bad(format!("{name} {:?} is not a number", cells[i])))?;
            if v.is_infinite() {
                return Err(bad(format!("{name} {:?} is not finite", cells[i])));
            }
            self.y.push(v);
        }
        for (target, index, name) in [
            (&mut self.cap, layout.cap, "cap"),
            (&mut self.floor, layout.floor, "floor"),
        ] {
            if let Some(i) = index {
                let v = number(&cells[i])
                    .ok_or_else(|| bad(format!("{name} {:?} is not a number", cells[i])))?;
                target.push(v);
            }
        }
        for (column, (i, _)) in self.frame.columns.iter_mut().zip(&layout.extra) {
            let cell = &cells[*i];
            let v = number(cell).or_else(|| boolean(cell)).unwrap_or_else(|| {
                if column.text.is_none() {
                    column.text = Some((row, cell.to_string()));
                }
                f64::NAN
            });
            column.values.push(v);
        }
        self.frame.ds.push(ts);
        self.frame.lines.push(line);
        Ok(())
    }

    fn finish(mut self, layout: &Layout) -> Frame {
        self.frame.y = layout.y.map(|_| self.y);
        self.frame.cap = layout.cap.map(|_| self.cap);
        self.frame.floor = layout.floor.map(|_| self.floor);
        if layout.seed {
            // The seed layout's lines are the rows: no need to keep them.
            self.frame.lines.clear();
        }
        self.frame
    }
}

/// Splits a CSV line into trimmed cells, honouring double quotes. A line
/// without quotes (every row of the seed's files) is split in place, with
/// no text copied.
fn split_csv(text: &str) -> Vec<Cow<'_, str>> {
    let mut cells = Vec::new();
    split_csv_into(text, &mut cells);
    cells
}

/// [`split_csv`] into `cells` (cleared first), so reading a file's rows
/// reuses one vector instead of allocating one a row.
fn split_csv_into<'a>(text: &'a str, cells: &mut Vec<Cow<'a, str>>) {
    cells.clear();
    if !text.contains('"') {
        cells.extend(text.split(',').map(|c| Cow::Borrowed(c.trim())));
        return;
    }
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(Cow::Owned(std::mem::take(&mut cell).trim().to_string())),
            _ => cell.push(c),
        }
    }
    cells.push(Cow::Owned(cell.trim().to_string()));
}

/// pandas' default missing-value markers.
const MISSING: &[&str] = &[
    "", "NaN", "nan", "NA", "N/A", "n/a", "null", "NULL", "None", "<NA>", "-NaN", "-nan",
];

/// A number, NaN for a missing marker, `None` for anything else.
fn number(cell: &str) -> Option<f64> {
    if MISSING.contains(&cell) {
        return Some(f64::NAN);
    }
    cell.parse().ok().filter(|v: &f64| !v.is_nan())
}

/// A boolean as pandas reads one, as 1 or 0.
fn boolean(cell: &str) -> Option<f64> {
    match cell.to_ascii_lowercase().as_str() {
        "true" => Some(1.0),
        "false" => Some(0.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_seed_layout_and_header_layout() {
        let a = Frame::from_csv(b"2022-01-01,1.5\n2022-01-02,2\n").unwrap();
        let b = Frame::from_csv(b"ds,y\r\n2022-01-01,1.5\r\n2022-01-02,2\r\n\r\n").unwrap();
        assert_eq!(a.ds, b.ds);
        assert_eq!(a.y, b.y);
        assert_eq!(a.y, Some(vec![1.5, 2.0]));
        assert_eq!(a.ds[1] - a.ds[0], 86_400);
        assert_eq!(b.lines, vec![2, 3]);
    }

    #[test]
    fn reads_extra_columns_in_any_order() {
        let f = Frame::from_csv(
            b"temperature,ds,winter,y,cap\n4.5,2022-01-01,True,,10\n\"-1\",2022-01-02,false,3,11\n",
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        let y = f.y.as_ref().unwrap();
        assert!(y[0].is_nan());
        assert_eq!(y[1], 3.0);
        assert_eq!(f.cap, Some(vec![10.0, 11.0]));
        assert_eq!(f.column("temperature").unwrap().values, vec![4.5, -1.0]);
        assert_eq!(f.column("winter").unwrap().values, vec![1.0, 0.0]);
        assert_eq!(f.observed(), 1);
        let future = Frame::from_csv(b"ds,note\n2022-01-03,hello\n").unwrap();
        assert_eq!(future.y, None);
        assert_eq!(
            future.column("note").unwrap().text,
            Some((0, "hello".to_string()))
        );
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let err = Frame::from_csv(b"2022-01-01,1\n2022-01-02,abc\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: consumption \"abc\" is not a number (expected `timestamp,consumption`) (got \"2022-01-02,abc\")"
        );
        let err = Frame::from_csv(b"2022-01-01\n").unwrap_err();
        assert!(matches!(err, FrameError::BadRow { line: 1, .. }), "{err}");
        let err = Frame::from_csv(b"2022-01-01,1\nnope,1\n").unwrap_err();
        assert!(
            err.to_string().contains("line 2: timestamp \"nope\""),
            "{err}"
        );
        assert!(matches!(
            Frame::from_csv(b"2022-01-01,inf\n"),
            Err(FrameError::BadRow { .. })
        ));
        assert_eq!(Frame::from_csv(b"ds,y\n"), Err(FrameError::Empty));
        assert!(matches!(
            Frame::from_csv(b"time,y\n2022-01-01,1\n"),
            Err(FrameError::BadHeader(_))
        ));
        assert!(matches!(
            Frame::from_csv(b"ds,y,y\n2022-01-01,1,2\n"),
            Err(FrameError::BadHeader(_))
        ));
        let err = Frame::from_csv(b"ds,y,x\n2022-01-01,1\n").unwrap_err();
        assert!(err.to_string().starts_with("line 2: 2 fields"), "{err}");
    }

    #[test]
    fn csv_round_trips_and_splits_in_time_order() {
        let s = Frame::from_csv(b"2022-01-03,4\n2022-01-01,1.25\n2022-01-02,3\n").unwrap();
        let back = Frame::from_csv(s.to_csv().as_bytes()).unwrap();
        assert_eq!((back.ds, back.y), (s.ds.clone(), s.y.clone()));
        let (train, test) = s.split_holdout(1);
        assert_eq!(train.y, Some(vec![1.25, 3.0]));
        assert_eq!(test.y, Some(vec![4.0]));
        let rich = Frame::from_csv(b"ds,y,t\n2022-01-01,,1\n2022-01-02,2,True\n").unwrap();
        let text = rich.to_csv();
        assert_eq!(text, "ds,y,t\n2022-01-01,,1\n2022-01-02,2,1\n");
        let back = Frame::from_csv(text.as_bytes()).unwrap();
        assert_eq!(back.to_csv(), text);
        assert_eq!(back.columns, rich.columns);
    }

    #[test]
    fn merged_appends_and_replaces_in_time_order() {
        let base = Frame::from_csv(b"2022-01-01,1\n2022-01-02,2\n2022-01-03,3\n").unwrap();
        let newer = Frame::from_csv(b"2022-01-05,5\n2022-01-03,30\n").unwrap();
        let m = Frame::merged(&base, &newer).unwrap();
        assert_eq!(m.y, Some(vec![1.0, 2.0, 30.0, 5.0]));
        assert!(m.ds.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(m.cap, None);
        let capped = base.clone().with_cap(vec![10.0, 11.0, 12.0]);
        assert_eq!(
            Frame::merged(&capped, &newer).unwrap().cap,
            Some(vec![10.0, 11.0, 12.0, 12.0])
        );
        let with_temp = base.with_column("temp", vec![1.0, 2.0, 3.0]);
        assert!(matches!(
            Frame::merged(&with_temp, &newer),
            Err(FrameError::MissingColumn { .. })
        ));
    }
}
