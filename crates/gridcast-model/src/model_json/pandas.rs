//! pandas' JSON layouts inside a model.json: `orient='split'` series and
//! `orient='table'` frames, both as JSON text inside the document.

use serde_json::{json, Value};

use super::cells::{Cell, PandasDoc};
use super::{invalid, read_each, ModelJsonError};
use crate::time::{parse_timestamp, push_iso_millis, Timestamp};

/// The pandas document inside a string field.
pub(super) fn parse_inner(text: &str, field: &str) -> Result<PandasDoc, ModelJsonError> {
    // `from_slice`, like every other document the browser builds read: one
    // instance of serde_json's parser in the wasm.
    serde_json::from_slice(text.as_bytes())
        .map_err(|e| invalid(field, format!("not a pandas JSON string: {e}")))
}

/// A date as pandas writes one: ISO text, or epoch milliseconds.
pub(super) fn date_of(v: &Cell, field: &str) -> Result<Timestamp, ModelJsonError> {
    match v {
        Cell::Text(s) => {
            parse_timestamp(s).ok_or_else(|| invalid(field, format!("{s:?} is not a date")))
        }
        Cell::Int(_) | Cell::UInt(_) | Cell::Float(_) => v
            .as_i64()
            .map(|ms| ms.div_euclid(1000))
            .ok_or_else(|| invalid(field, format!("{} is not a date", v.shown()))),
        other => Err(invalid(field, format!("{} is not a date", other.shown()))),
    }
}

/// The values of an `orient='split'` series.
fn split_data(text: &str, field: &str) -> Result<Vec<Cell>, ModelJsonError> {
    let doc = parse_inner(text, field)?;
    if !doc.has_data || doc.rows > 0 {
        return Err(invalid(field, "no `data` array"));
    }
    Ok(doc.values)
}

/// An `orient='split'` series of dates.
pub(super) fn read_split_dates(text: &str, field: &str) -> Result<Vec<Timestamp>, ModelJsonError> {
    read_each(&split_data(text, field)?, |d| date_of(d, field))
}

/// An `orient='split'` series of strings.
pub(super) fn read_split_strings(text: &str, field: &str) -> Result<Vec<String>, ModelJsonError> {
    read_each(split_data(text, field)?, |d| match d {
        Cell::Text(s) => Ok(s),
        other => Err(invalid(field, format!("{} is not a string", other.shown()))),
    })
}

/// `"` as it stands inside a JSON string: the writer emits the big pandas
/// texts (`history`, `history_dates`, `changepoints`) already escaped for
/// their place in the document, rather than writing them and escaping them in
/// a second pass (see `write_model_json`).
pub(super) const QUOTE: &str = "\\\"";

/// `text` escaped as the contents of a JSON string (without the quotes).
pub(super) fn escaped(text: &str) -> String {
    let quoted = Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// An `orient='split'` series of dates, written as text (see `history_table`)
/// and escaped as a JSON string's contents ([`QUOTE`]).
pub(super) fn split_dates_escaped(dates: &[Timestamp], index: &[usize]) -> String {
    let mut out = String::with_capacity(60 + dates.len() * 36);
    out.push_str(r#"{\"name\":\"ds\",\"index\":["#);
    push_index(&mut out, index);
    out.push_str(r#"],\"data\":["#);
    for (k, d) in dates.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(QUOTE);
        push_iso_millis(&mut out, *d);
        out.push_str(QUOTE);
    }
    out.push_str("]}");
    out
}

/// An unnamed `orient='split'` series of strings.
pub(super) fn split_strings(values: &[String]) -> String {
    json!({"name": null, "index": (0..values.len()).collect::<Vec<_>>(), "data": values})
        .to_string()
}

fn push_index(out: &mut String, index: &[usize]) {
    use std::fmt::Write;
    for (k, i) in index.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        write!(out, "{i}").expect("writing to a String cannot fail");
    }
}

/// An `orient='table'` frame: its `(name, type)` fields and its rows by column.
pub(super) struct Table {
    /// The schema's fields.
    pub fields: Vec<(String, String)>,
    /// The rows.
    pub doc: PandasDoc,
}

impl Table {
    /// How many rows.
    pub(super) fn rows(&self) -> usize {
        self.doc.rows
    }

    /// The cells of column `name`, if any row has it.
    pub(super) fn column(&self, name: &str) -> Option<&[Cell]> {
        self.doc.column(name)
    }

    /// The cell of `name` in row `i` (`Missing` when the row lacks it).
    pub(super) fn cell(&self, name: &str, i: usize) -> &Cell {
        self.column(name).map_or(&Cell::Missing, |c| &c[i])
    }
}

/// Reads an `orient='table'` frame.
pub(super) fn read_table(text: &str, field: &str) -> Result<Table, ModelJsonError> {
    let doc = parse_inner(text, field)?;
    let fields = match doc.schema.get("fields") {
        Some(Cell::List(fields)) => fields
            .iter()
            .filter_map(|f| {
                let name = f.get("name")?.as_str()?.to_string();
                let kind = f
                    .get("type")
                    .and_then(Cell::as_str)
                    .unwrap_or("")
                    .to_string();
                Some((name, kind))
            })
            .collect(),
        _ => return Err(invalid(field, "no schema fields")),
    };
    if !doc.has_data || !doc.values.is_empty() {
        return Err(invalid(field, "no `data` array"));
    }
    Ok(Table { fields, doc })
}

/// A numeric column of a table (`null` is NaN); `None` when absent.
pub(super) fn number_column(
    table: &Table,
    name: &str,
    field: &str,
) -> Result<Option<Vec<f64>>, ModelJsonError> {
    let Some(cells) = table.column(name).filter(|c| c[0] != Cell::Missing) else {
        return Ok(None);
    };
    read_each(cells.iter().enumerate(), |(i, c)| match c {
        Cell::Null => Ok(f64::NAN),
        _ => c
            .as_f64()
            .ok_or_else(|| invalid(field, format!("row {i}: `{name}` is not a number"))),
    })
    .map(Some)
}

/// A boolean column of a table.
pub(super) fn bool_column(
    table: &Table,
    name: &str,
    field: &str,
) -> Result<Vec<bool>, ModelJsonError> {
    read_each(0..table.rows(), |i| match table.cell(name, i) {
        Cell::Bool(b) => Ok(*b),
        _ => Err(invalid(
            field,
            format!("row {i}: `{name}` is not a boolean"),
        )),
    })
}

/// An `orient='table'` frame from fields and row objects.
pub(super) fn table(fields: Vec<(String, &str)>, rows: Vec<Value>) -> String {
    let fields: Vec<Value> = fields
        .into_iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    json!({"schema": {"fields": fields, "pandas_version": "1.4.0"}, "data": rows}).to_string()
}

/// Appends `x` as serde_json writes it (`null` for NaN and infinities; the
/// shortest round-trip digits by zmij, serde_json's own float writer),
/// without a `String` per number.
pub(super) fn push_number(out: &mut String, x: f64) {
    if x.is_finite() {
        out.push_str(zmij::Buffer::new().format_finite(x));
    } else {
        out.push_str("null");
    }
}
