//! Which input columns `process` reads: the customer, the timestamp and the
//! value, found by name (`--customer-column`, `--timestamp-column`,
//! `--value-column`, or today's names), and the extra columns it carries
//! into every customer's CSV (`--keep-columns temperature,...`, or every
//! numeric or boolean one with `--keep-all-columns`).

use serde::Serialize;

/// Names a header may use for each role when none is given.
const CUSTOMER_NAMES: &[&str] = &["customer_id", "customer", "id"];
const TIMESTAMP_NAMES: &[&str] = &["timestamp", "date", "datetime", "ds", "time"];
const VALUE_NAMES: &[&str] = &["consumption", "y", "value", "kwh"];

/// The columns a person asked for (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnChoice {
    /// The customer column's name (default: `customer_id`, `customer` or `id`).
    pub customer: Option<String>,
    /// The timestamp column's name (default: `timestamp`, `date`, `datetime`, `ds` or `time`).
    pub timestamp: Option<String>,
    /// The value column's name (default: `consumption`, `y`, `value` or `kwh`).
    pub value: Option<String>,
    /// Which other columns to carry into the customer files.
    pub keep: Keep,
}

/// Which other columns to carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Keep {
    /// None: the seed's layout (`timestamp,consumption`, no header).
    #[default]
    Nothing,
    /// These, by name, in this order.
    Named(Vec<String>),
    /// Every column whose first data row holds a number, a boolean or
    /// nothing (an unnamed pandas index column excepted).
    AllNumeric,
}

impl ColumnChoice {
    /// Whether the input must have a header (anything was named or kept).
    pub fn needs_header(&self) -> bool {
        self.customer.is_some()
            || self.timestamp.is_some()
            || self.value.is_some()
            || self.keep != Keep::Nothing
    }
}

/// A carried column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extra {
    /// Its field in the input.
    #[serde(skip)]
    pub index: usize,
    /// Its name, as the header spells it (the customer files' header).
    pub name: String,
    /// Booleans (`True`/`False`) rather than numbers, judged by the first row.
    pub boolean: bool,
}

/// Where each field is in a row, and what the messages call it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Columns {
    /// The customer column's field and name.
    pub customer: (usize, String),
    /// The timestamp column's.
    pub timestamp: (usize, String),
    /// The value column's.
    pub value: (usize, String),
    /// The carried columns, in output order.
    pub extras: Vec<Extra>,
    /// Columns of the input that were not carried (their names).
    pub dropped: Vec<String>,
}

/// Why a header does not give what was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A role's column is not in the header.
    #[error("lacks {role} (looked for {looked_for}; name it with --{flag}-column NAME)")]
    Missing {
        /// `customer_id`, `timestamp` or `consumption`.
        role: &'static str,
        /// The names tried.
        looked_for: String,
        /// The flag that names it.
        flag: &'static str,
    },
    /// A kept column is not in the header.
    #[error("has no column `{0}` to keep (--keep-columns)")]
    NoSuchKept(String),
    /// A kept column is also the customer, timestamp or value column.
    #[error("column `{0}` is the {1} column and cannot also be kept")]
    KeptTwice(String, &'static str),
    /// A kept column's name cannot be a CSV header cell as it is.
    #[error("column name {0:?} cannot be carried (empty, repeated, or holding a comma, quote or line break)")]
    BadName(String),
    /// Names or keeps columns, but the first line is data.
    #[error("is data, but --customer-column, --timestamp-column, --value-column and --keep-columns need a header")]
    NoHeader,
}

fn find(names: &[String], wanted: &str) -> Option<usize> {
    names
        .iter()
        .position(|n| n == wanted)
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(wanted)))
}

fn role(
    names: &[String],
    given: Option<&str>,
    defaults: &[&str],
    role: &'static str,
    flag: &'static str,
) -> Result<(usize, String), HeaderError> {
    let at = match given {
        Some(name) => find(names, name),
        None => defaults.iter().find_map(|d| find(names, d)),
    };
    let at = at.ok_or_else(|| HeaderError::Missing {
        role,
        looked_for: match given {
            Some(name) => format!("`{name}`"),
            None => defaults.join(", "),
        },
        flag,
    })?;
    // Messages keep today's words unless the person named the column.
    let label = given.map_or(role.to_owned(), |_| names[at].clone());
    Ok((at, label))
}

/// A pandas index column: unnamed, `Unnamed: 0`, or `index`.
fn is_index(name: &str) -> bool {
    name.is_empty() || name.starts_with("Unnamed:") || name == "index"
}

/// A cell a numeric or boolean column may hold.
fn numeric_or_boolean(cell: &str) -> bool {
    let cell = cell.trim();
    cell.is_empty() || cell.parse::<f64>().is_ok() || boolean(cell).is_some()
}

/// `True`/`False` in any case, as pandas reads them.
pub fn boolean(cell: &str) -> Option<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

impl Columns {
    /// A headerless input: `customer_id,timestamp,consumption`.
    pub fn positional() -> Columns {
        Columns {
            customer: (0, "customer_id".into()),
            timestamp: (1, "timestamp".into()),
            value: (2, "consumption".into()),
            extras: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// Maps a header (`names`, trimmed) by `choice`; `first_row` (the first
    /// data row's cells) decides which columns `Keep::AllNumeric` carries
    /// and which carried ones are boolean.
    pub fn from_header(
        names: &[String],
        first_row: &[String],
        choice: &ColumnChoice,
    ) -> Result<Columns, HeaderError> {
        let customer = role(names, choice.customer.as_deref(), CUSTOMER_NAMES, "customer_id", "customer")?;
        let timestamp = role(names, choice.timestamp.as_deref(), TIMESTAMP_NAMES, "timestamp", "timestamp")?;
        let value = role(names, choice.value.as_deref(), VALUE_NAMES, "consumption", "value")?;
        let taken = [(customer.0, "customer"), (timestamp.0, "timestamp"), (value.0, "value")];
        let cell = |i: usize| first_row.get(i).map_or("", |c| c.trim());
        let kept: Vec<usize> = match &choice.keep {
            Keep::Nothing => Vec::new(),
            Keep::Named(wanted) => wanted
                .iter()
                .map(|w| {
                    let at = find(names, w).ok_or_else(|| HeaderError::NoSuchKept(w.clone()))?;
                    match taken.iter().find(|(i, _)| *i == at) {
                        Some((_, what)) => Err(HeaderError::KeptTwice(w.clone(), what)),
                        None => Ok(at),
                    }
                })
                .collect::<Result<_, _>>()?,
            Keep::AllNumeric => (0..names.len())
                .filter(|i| taken.iter().all(|(t, _)| t != i))
                .filter(|i| !is_index(&names[*i]) && numeric_or_boolean(cell(*i)))
                .collect(),
        };
        let mut extras: Vec<Extra> = Vec::new();
        for at in kept {
            let name = names[at].clone();
            let clash = extras.iter().any(|e| e.name == name)
                || ["ds", "y"].contains(&name.as_str());
            if name.is_empty() || clash || name.contains([',', '"', '\n', '\r']) {
                return Err(HeaderError::BadName(name));
            }
            extras.push(Extra {
                index: at,
                boolean: boolean(cell(at)).is_some(),
                name,
            });
        }
        let dropped = (0..names.len())
            .filter(|i| taken.iter().all(|(t, _)| t != i) && extras.iter().all(|e| e.index != *i))
            .map(|i| names[i].clone())
            .collect();
        Ok(Columns {
            customer,
            timestamp,
            value,
            extras,
            dropped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Vec<String> {
        text.split(',').map(str::to_owned).collect()
    }

    fn map(header: &str, row: &str, choice: &ColumnChoice) -> Result<Columns, HeaderError> {
        Columns::from_header(&strings(header), &strings(row), choice)
    }

    #[test]
    fn roles_by_default_names_or_by_the_names_given() {
        let c = map("ds,meter,y", "2022-01-01,a,1", &ColumnChoice {
            customer: Some("meter".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((c.customer.0, c.timestamp.0, c.value.0), (1, 0, 2));
        assert_eq!(c.customer.1, "meter");
        assert_eq!(c.timestamp.1, "timestamp", "default roles keep today's words");
        let err = map("ds,meter,y", "", &ColumnChoice::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "lacks customer_id (looked for customer_id, customer, id; name it with --customer-column NAME)"
        );
        let err = map("ds,meter,y", "", &ColumnChoice {
            value: Some("kw".into()),
            customer: Some("meter".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("lacks consumption (looked for `kw`"), "{err}");
        // Case-insensitive when no exact match.
        let c = map("Sensor_ID,DS,Y", "", &ColumnChoice {
            customer: Some("sensor_id".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.customer.0, 0);
    }

    #[test]
    fn kept_columns_by_name_or_every_numeric_one() {
        let header = ",sensor_id,ds,y,sensor_description,temperature,holiday";
        let row = "0,s1,2022-01-01,1.5,kitchen,3.5,True";
        let choice = |keep| ColumnChoice {
            customer: Some("sensor_id".into()),
            keep,
            ..Default::default()
        };
        let all = map(header, row, &choice(Keep::AllNumeric)).unwrap();
        let names: Vec<(&str, bool)> = all.extras.iter().map(|e| (e.name.as_str(), e.boolean)).collect();
        assert_eq!(names, [("temperature", false), ("holiday", true)]);
        assert_eq!(all.dropped, ["", "sensor_description"]);
        let named = map(header, row, &choice(Keep::Named(vec!["holiday".into(), "temperature".into()]))).unwrap();
        assert_eq!(named.extras[0].name, "holiday");
        assert_eq!(named.extras[1].index, 5);
        let err = map(header, row, &choice(Keep::Named(vec!["humidity".into()]))).unwrap_err();
        assert_eq!(err.to_string(), "has no column `humidity` to keep (--keep-columns)");
        let err = map(header, row, &choice(Keep::Named(vec!["y".into()]))).unwrap_err();
        assert_eq!(err.to_string(), "column `y` is the value column and cannot also be kept");
        let err = map("customer_id,timestamp,consumption,ds", "", &ColumnChoice {
            keep: Keep::AllNumeric,
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(err, HeaderError::BadName(n) if n == "ds"));
        assert!(!ColumnChoice::default().needs_header());
    }
}
