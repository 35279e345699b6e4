//! The future covariates feed (`serve --future-covariates LOCATION`): a CSV,
//! local or in S3, of `ds` and columns (the daily weather forecast, ...),
//! optionally keyed by a customer or group column, that fills the future
//! values a request leaves out. Polled for changes; a feed that does not
//! parse is refused with the line it fails on, and the one before stays in
//! use.
//!
//! A row's key is a customer id (it serves the TargetModel `{id}.tar.gz`
//! in any folder) or a group (a folder of TargetModels: `north` serves
//! `north/42.tar.gz`); rows with an empty key serve every model without its
//! own. Without a key column every row serves every model.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use gridcast_api::FutureRows;
use gridcast_model::{parse_timestamp, Timestamp};
use gridcast_store::Location;

use crate::artifact_source::get_bounded;

/// Key columns recognised without `--covariates-key`, in this order.
pub const KEY_COLUMNS: [&str; 3] = ["customer_id", "customer", "group"];

/// How big a feed may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLimits {
    /// Bytes of the file (checked before it is read).
    pub bytes: u64,
    /// Data rows.
    pub rows: usize,
    /// Value columns (besides `ds` and the key).
    pub columns: usize,
}

impl Default for FeedLimits {
    fn default() -> Self {
        Self {
            bytes: 16 << 20,
            rows: 500_000,
            columns: 64,
        }
    }
}

/// Why a feed was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// A line that does not fit.
    #[error("{source_name}:{line}: {problem}")]
    Line {
        /// The feed's location.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The feed is over a limit, or cannot be read.
    #[error("{source_name}: {problem}")]
    Feed {
        /// The feed's location.
        source_name: String,
        /// What is wrong.
        problem: String,
    },
}

/// One key's rows, in time order.
#[derive(Debug, Clone, Default, PartialEq)]
struct Table {
    ds: Vec<Timestamp>,
    /// One value per row for each of the feed's columns (NaN: empty cell).
    values: Vec<Vec<f64>>,
}

/// A parsed feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariates {
    /// Changes whenever the feed's content does (FNV-1a of its bytes): part
    /// of every answer's key, so a new feed never gets an old answer.
    pub version: u64,
    /// The value columns.
    pub columns: Vec<String>,
    /// Rows by key (`""`: rows for every model).
    tables: HashMap<String, Table>,
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Covariates {
    /// Parses a feed: a header naming `ds`, the columns and optionally the
    /// key (`key`, or one of [`KEY_COLUMNS`]); one row per key and date.
    pub fn parse(
        bytes: &[u8],
        key: Option<&str>,
        limits: &FeedLimits,
        source_name: &str,
    ) -> Result<Self, FeedError> {
        let line_error = |line: usize, problem: String| FeedError::Line {
            source_name: source_name.to_owned(),
            line,
            problem,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            line_error(line, "not UTF-8 text".into())
        })?;
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
        let (_, header) = lines
            .find(|(_, l)| !l.trim().is_empty())
            .ok_or_else(|| line_error(1, "empty: expected a header `ds,<columns>`".into()))?;
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        let find = |name: &str| names.iter().position(|n| *n == name);
        let ds_at = find("ds")
            .ok_or_else(|| line_error(1, format!("header {header:?} has no `ds` column")))?;
        let key_at = match key {
            Some(k) => Some(find(k).ok_or_else(|| {
                line_error(1, format!("header {header:?} has no key column `{k}`"))
            })?),
            None => KEY_COLUMNS.iter().find_map(|k| find(k)),
        };
        let value_at: Vec<usize> = (0..names.len())
            .filter(|i| *i != ds_at && Some(*i) != key_at)
            .collect();
        if value_at.is_empty() || value_at.len() > limits.columns {
            return Err(line_error(
                1,
                format!(
                    "expected 1 to {} value columns besides ds and the key, got {}",
                    limits.columns,
                    value_at.len()
                ),
            ));
        }
        let mut tables: HashMap<String, Table> = HashMap::new();
        let mut rows = 0;
        for (line, text) in lines.filter(|(_, l)| !l.trim().is_empty()) {
            rows += 1;
            if rows > limits.rows {
                return Err(line_error(line, format!("more than {} rows", limits.rows)));
            }
            let cells: Vec<&str> = text.split(',').map(str::trim).collect();
            if cells.len() != names.len() {
                return Err(line_error(
                    line,
                    format!("{} fields, the header has {}", cells.len(), names.len()),
                ));
            }
            let ds = parse_timestamp(cells[ds_at])
                .ok_or_else(|| line_error(line, format!("ds {:?} is not a date", cells[ds_at])))?;
            let key = key_at.map_or("", |k| cells[k]);
            let table = tables.entry(key.to_owned()).or_insert_with(|| Table {
                ds: Vec::new(),
                values: vec![Vec::new(); value_at.len()],
            });
            if table.ds.last().is_some_and(|last| *last >= ds) {
                return Err(line_error(line, format!(
                    "ds {} is not after the previous row{}: give each key's rows once, in time order",
                    cells[ds_at],
                    if key.is_empty() { String::new() } else { format!(" of key {key:?}") }
                )));
            }
            table.ds.push(ds);
            for (column, at) in table.values.iter_mut().zip(&value_at) {
                let cell = cells[*at];
                let v = if cell.is_empty() {
                    f64::NAN
                } else {
                    cell.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| {
                            line_error(line, format!("{} {cell:?} is not a number", names[*at]))
                        })?
                };
                column.push(v);
            }
        }
        if rows == 0 {
            return Err(line_error(2, "no data rows".into()));
        }
        Ok(Self {
            version: fnv(bytes),
            columns: value_at.iter().map(|i| names[*i].to_owned()).collect(),
            tables,
        })
    }

    /// The rows that serve `target`: its customer's, else its folders'
    /// (innermost first), else the unkeyed ones.
    fn table_for(&self, target: &str) -> Option<&Table> {
        let customer = target.rsplit('/').next().unwrap_or(target);
        let customer = customer.strip_suffix(".tar.gz").unwrap_or(customer);
        let mut folders: Vec<&str> = target
            .match_indices('/')
            .map(|(i, _)| &target[..i])
            .collect();
        folders.reverse();
        std::iter::once(customer)
            .chain(folders)
            .chain(std::iter::once(""))
            .find_map(|k| self.tables.get(k))
    }

    /// The feed's value of `column` at `ds` for `target`, if it has one.
    pub fn value(&self, target: &str, column: &str, ds: Timestamp) -> Option<f64> {
        let c = self.columns.iter().position(|n| n == column)?;
        let table = self.table_for(target)?;
        let row = table.ds.binary_search(&ds).ok()?;
        Some(table.values[c][row]).filter(|v| !v.is_nan())
    }

    /// `target`'s rows after `after` (at most `max_rows`) with the values
    /// of `columns` (NaN where the feed has none), for a device to keep.
    pub fn rows_for(
        &self,
        target: &str,
        columns: &[String],
        after: Timestamp,
        max_rows: usize,
    ) -> FutureRows {
        let Some(table) = self.table_for(target) else {
            return FutureRows::default();
        };
        let start = table.ds.partition_point(|d| *d <= after);
        let end = table.ds.len().min(start.saturating_add(max_rows));
        let columns = columns
            .iter()
            .map(|name| {
                let values = match self.columns.iter().position(|n| n == name) {
                    Some(c) => table.values[c][start..end].to_vec(),
                    None => vec![f64::NAN; end - start],
                };
                (name.clone(), values)
            })
            .collect();
        FutureRows {
            ds: table.ds[start..end].to_vec(),
            columns,
        }
    }
}

/// The feed as the server has it: the latest that parsed, and where it
/// comes from.
pub struct CovariatesFeed {
    location: Location,
    name: String,
    key: Option<String>,
    limits: FeedLimits,
    current: RwLock<(Option<Arc<Covariates>>, Option<String>)>,
}

impl CovariatesFeed {
    /// A feed at `url` (a path or `s3://bucket/key.csv`), not read yet.
    pub fn new(url: &str, key: Option<String>, limits: FeedLimits) -> Result<Self, FeedError> {
        let bad = |problem: String| FeedError::Feed {
            source_name: url.to_owned(),
            problem,
        };
        let (parent, name) = match url.rsplit_once('/') {
            Some((p, n)) if !n.is_empty() => (if p.is_empty() { "/" } else { p }, n),
            _ => (".", url),
        };
        let location = Location::parse(parent).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            location,
            name: name.to_owned(),
            key,
            limits,
            current: RwLock::new((None, None)),
        })
    }

    /// Where it is, for messages.
    pub fn describe(&self) -> String {
        format!("{}/{}", self.location, self.name)
    }

    /// The feed in use.
    pub fn current(&self) -> Option<Arc<Covariates>> {
        self.current.read().expect("not poisoned").0.clone()
    }

    /// Reads the feed if it changed; on failure the feed in use stays.
    /// `Ok(true)` when a new feed was taken.
    pub async fn reload(&self) -> Result<bool, FeedError> {
        let etag = self.current.read().expect("not poisoned").1.clone();
        let fetched = get_bounded(
            &self.location,
            &self.name,
            etag.as_deref(),
            self.limits.bytes,
        )
        .await
        .map_err(|e| FeedError::Feed {
            source_name: self.describe(),
            problem: e.to_string(),
        })?;
        let Some((bytes, etag)) = fetched else {
            return Ok(false);
        };
        let parsed = self.parse(&bytes);
        let mut current = self.current.write().expect("not poisoned");
        match parsed {
            Ok(feed) => {
                let changed = current.0.as_ref().is_none_or(|c| c.version != feed.version);
                *current = (Some(Arc::new(feed)), etag);
                Ok(changed)
            }
            Err(e) => {
                // Not again until it changes.
                current.1 = etag;
                Err(e)
            }
        }
    }

    fn parse(&self, bytes: &Bytes) -> Result<Covariates, FeedError> {
        Covariates::parse(bytes, self.key.as_deref(), &self.limits, &self.describe())
    }

    /// Polls the feed every `every` for as long as the server runs.
    pub fn watch(self: Arc<Self>, every: Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                match self.reload().await {
                    Ok(true) => {
                        tracing::info!(feed = %self.describe(), "new future covariates in use")
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "future covariates refused; the previous feed stays in use")
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Covariates, FeedError> {
        Covariates::parse(text.as_bytes(), None, &FeedLimits::default(), "feed.csv")
    }

    const DAY1: i64 = 1_672_531_200;

    #[test]
    fn keyed_rows_serve_their_customer_then_folder_then_everyone() {
        let feed = parse(
            "ds,customer_id,temperature\n2023-01-01,,1\n2023-01-01,42,4.5\n2023-01-01,north,7\n2023-01-02,42,\n",
        )
        .unwrap();
        assert_eq!(feed.columns, ["temperature"]);
        assert_eq!(feed.value("42.tar.gz", "temperature", DAY1), Some(4.5));
        assert_eq!(
            feed.value("north/42.tar.gz", "temperature", DAY1),
            Some(4.5)
        );
        assert_eq!(feed.value("north/7.tar.gz", "temperature", DAY1), Some(7.0));
        assert_eq!(feed.value("7.tar.gz", "temperature", DAY1), Some(1.0));
        assert_eq!(
            feed.value("42.tar.gz", "temperature", DAY1 + 86_400),
            None,
            "empty cell"
        );
        assert_eq!(feed.value("42.tar.gz", "humidity", DAY1), None);
        let cols = ["temperature".to_owned(), "humidity".to_owned()];
        let rows = feed.rows_for("42.tar.gz", &cols, DAY1 - 1, 10);
        assert_eq!(rows.ds, [DAY1, DAY1 + 86_400]);
        assert_eq!(rows.column("temperature").unwrap()[0], 4.5);
        assert!(rows.column("temperature").unwrap()[1].is_nan());
        assert!(rows.column("humidity").unwrap().iter().all(|v| v.is_nan()));
        let after = feed.rows_for("42.tar.gz", &cols, DAY1, 10);
        assert_eq!(after.ds, [DAY1 + 86_400], "only rows after the history");
        assert_eq!(feed.rows_for("42.tar.gz", &cols, DAY1 - 1, 1).ds, [DAY1]);
        assert_eq!(
            feed.rows_for("north/7.tar.gz", &cols, DAY1 - 1, 10).ds,
            [DAY1]
        );
        assert_ne!(feed.version, parse("ds,t\n2023-01-01,1\n").unwrap().version);
    }

    #[test]
    fn bad_feeds_name_their_line() {
        let cases = [
            (
                "ds,temperature\n2023-01-01,1\n2023-01-02,warm\n",
                "feed.csv:3: temperature \"warm\" is not a number",
            ),
            (
                "ds,temperature\n2023-01-01,1\n2023-01-01,2\n",
                "feed.csv:3: ds 2023-01-01 is not after the previous row",
            ),
            (
                "ds,temperature\nsoon,1\n",
                "feed.csv:2: ds \"soon\" is not a date",
            ),
            (
                "ds,temperature\n2023-01-01,1,2\n",
                "feed.csv:2: 3 fields, the header has 2",
            ),
            ("when,temperature\n", "feed.csv:1: header"),
            ("ds,temperature\n", "feed.csv:2: no data rows"),
            (
                "ds\n2023-01-01\n",
                "feed.csv:1: expected 1 to 64 value columns",
            ),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err} / {want}");
        }
        let few = FeedLimits {
            rows: 1,
            ..FeedLimits::default()
        };
        let err =
            Covariates::parse(b"ds,t\n2023-01-01,1\n2023-01-02,1\n", None, &few, "f").unwrap_err();
        assert_eq!(err.to_string(), "f:3: more than 1 rows");
    }

    #[test]
    fn a_feed_of_64_value_columns_is_read_and_65_are_refused() {
        let feed = |n: usize| {
            let names: String = (0..n).map(|i| format!(",c{i}")).collect();
            let cells: String = (0..n).map(|i| format!(",{i}")).collect();
            format!("ds,customer_id{names}\n2023-01-01,42{cells}\n")
        };
        let limit = FeedLimits::default().columns;
        assert_eq!(limit, 64);
        let wide = parse(&feed(limit)).unwrap();
        assert_eq!(wide.columns.len(), 64);
        assert_eq!(wide.value("42.tar.gz", "c63", DAY1), Some(63.0));
        let err = parse(&feed(limit + 1)).unwrap_err().to_string();
        assert_eq!(err, "feed.csv:1: expected 1 to 64 value columns besides ds and the key, got 65");
    }

    #[tokio::test]
    async fn a_feed_of_exactly_16_mib_is_read_and_one_byte_more_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.csv");
        let limit = FeedLimits::default().bytes as usize;
        assert_eq!(limit, 16 * 1024 * 1024);
        let feed = CovariatesFeed::new(path.to_str().unwrap(), None, FeedLimits::default()).unwrap();
        let mut text = b"ds,temperature\n2023-01-01,4.5\n".to_vec();
        // Blank lines pad it: the feed's content is the same row.
        text.resize(limit, b'\n');
        std::fs::write(&path, &text).unwrap();
        assert!(feed.reload().await.unwrap());
        assert_eq!(feed.current().unwrap().value("42.tar.gz", "temperature", DAY1), Some(4.5));
        text.push(b'\n');
        std::fs::write(&path, &text).unwrap();
        let err = feed.reload().await.unwrap_err().to_string();
        assert!(err.contains("feed.csv") && err.contains("16777216"), "{err}");
        assert_eq!(feed.current().unwrap().value("42.tar.gz", "temperature", DAY1), Some(4.5), "the previous feed stays");
    }
}
