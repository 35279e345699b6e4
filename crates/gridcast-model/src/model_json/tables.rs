//! The frames model.json holds as pandas tables: `history` (with the extra
//! columns), `train_component_cols` and the `holidays` frame.

use serde_json::{json, Map, Value};

use super::cells::Cell;
use super::pandas::{
    bool_column, date_of, escaped, number_column, push_number, read_table, table, QUOTE,
};
use super::{invalid, read_each, ModelJsonError};
use crate::features::ComponentColumns;
use crate::history::{ColumnValues, History};
use crate::holidays::Holiday;
use crate::time::{format_iso_millis, push_iso_millis};

/// The frame's own columns; every other column is an extra one.
const OWN: &[&str] = &["ds", "y", "cap", "floor", "cap_scaled", "t", "y_scaled"];

pub(super) fn read_history(text: &str) -> Result<History, ModelJsonError> {
    let field = "history";
    let table = read_table(text, field)?;
    let ds = read_each(0..table.rows(), |i| date_of(table.cell("ds", i), field))?;
    let need = |name: &str| {
        number_column(&table, name, field)?
            .ok_or_else(|| invalid(field, format!("no `{name}` column")))
    };
    let mut columns = Vec::new();
    for (name, kind) in &table.fields {
        if OWN.contains(&name.as_str()) || table.rows() == 0 {
            continue;
        }
        let values = match kind.as_str() {
            "boolean" => ColumnValues::Booleans(bool_column(&table, name, field)?),
            "number" | "integer" => {
                ColumnValues::Numbers(number_column(&table, name, field)?.unwrap_or_default())
            }
            // Text and other columns Python kept but no model uses.
            _ => continue,
        };
        columns.push((name.clone(), values));
    }
    Ok(History {
        ds,
        y: need("y")?,
        cap: number_column(&table, "cap", field)?,
        floor: need("floor")?,
        cap_scaled: number_column(&table, "cap_scaled", field)?,
        t: need("t")?,
        y_scaled: need("y_scaled")?,
        columns,
    })
}

/// The history as pandas writes it: `ds`, `y`, `cap`, the extra columns,
/// `floor`, `cap_scaled`, `t`, `y_scaled` (a `floor` the data gave comes
/// before the extra columns, as in Python's frame), escaped as the contents
/// of the JSON string model.json keeps it in ([`QUOTE`]).
pub(super) fn history_table_escaped(h: &History, floor_given: bool) -> String {
    // Written as text rather than through `serde_json::Value`: the history is
    // most of a model.json and building a map per row dominated saving.
    enum Cells<'a> {
        Numbers(&'a [f64]),
        Booleans(&'a [bool]),
    }
    let mut columns: Vec<(&str, Cells)> = vec![("y", Cells::Numbers(&h.y))];
    if let Some(cap) = &h.cap {
        columns.push(("cap", Cells::Numbers(cap)));
    }
    if floor_given {
        columns.push(("floor", Cells::Numbers(&h.floor)));
    }
    for (name, values) in &h.columns {
        columns.push((
            name,
            match values {
                ColumnValues::Numbers(v) => Cells::Numbers(v),
                ColumnValues::Booleans(v) => Cells::Booleans(v),
            },
        ));
    }
    if !floor_given {
        columns.push(("floor", Cells::Numbers(&h.floor)));
    }
    if let Some(cs) = &h.cap_scaled {
        columns.push(("cap_scaled", Cells::Numbers(cs)));
    }
    columns.push(("t", Cells::Numbers(&h.t)));
    columns.push(("y_scaled", Cells::Numbers(&h.y_scaled)));
    let mut out = String::with_capacity(64 + h.ds.len() * (48 + 26 * columns.len()));
    out.push_str(r#"{\"schema\":{\"fields\":[{\"name\":\"ds\",\"type\":\"datetime\"}"#);
    // Each column's `,"name":` as JSON writes it (escaped), once rather than per row.
    let mut keys = Vec::with_capacity(columns.len());
    for (name, cells) in &columns {
        let kind = match cells {
            Cells::Numbers(_) => "number",
            Cells::Booleans(_) => "boolean",
        };
        let name = escaped(&Value::String(name.to_string()).to_string());
        out.push_str(&format!(r#",{{\"name\":{name},\"type\":\"{kind}\"}}"#));
        keys.push(format!(",{name}:"));
    }
    out.push_str(r#"],\"pandas_version\":\"1.4.0\"},\"data\":["#);
    for i in 0..h.ds.len() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{\"ds\":\""#);
        push_iso_millis(&mut out, h.ds[i]);
        out.push_str(QUOTE);
        for ((_, cells), key) in columns.iter().zip(&keys) {
            out.push_str(key);
            match cells {
                Cells::Numbers(v) => push_number(&mut out, v[i]),
                Cells::Booleans(v) => out.push_str(if v[i] { "true" } else { "false" }),
            }
        }
        out.push('}');
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
pub(super) fn history_table_via_values(h: &History, floor_given: bool) -> String {
    let mut fields = vec![("ds".to_string(), "datetime"), ("y".into(), "number")];
    let mut rows: Vec<Map<String, Value>> = (0..h.ds.len())
        .map(|i| {
            let mut row = Map::new();
            row.insert("ds".into(), json!(format_iso_millis(h.ds[i])));
            row.insert("y".into(), json!(h.y[i]));
            row
        })
        .collect();
    let mut add = |name: &str, kind: &'static str, value: &dyn Fn(usize) -> Value| {
        fields.push((name.to_string(), kind));
        for (i, row) in rows.iter_mut().enumerate() {
            row.insert(name.into(), value(i));
        }
    };
    if let Some(cap) = &h.cap {
        add("cap", "number", &|i| json!(cap[i]));
    }
    if floor_given {
        add("floor", "number", &|i| json!(h.floor[i]));
    }
    for (name, values) in &h.columns {
        match values {
            ColumnValues::Numbers(v) => add(name, "number", &|i| json!(v[i])),
            ColumnValues::Booleans(v) => add(name, "boolean", &|i| json!(v[i])),
        }
    }
    if !floor_given {
        add("floor", "number", &|i| json!(h.floor[i]));
    }
    if let Some(cs) = &h.cap_scaled {
        add("cap_scaled", "number", &|i| json!(cs[i]));
    }
    add("t", "number", &|i| json!(h.t[i]));
    add("y_scaled", "number", &|i| json!(h.y_scaled[i]));
    table(fields, rows.into_iter().map(Value::Object).collect())
}

pub(super) fn read_component_columns(text: &str) -> Result<ComponentColumns, ModelJsonError> {
    let field = "train_component_cols";
    let table = read_table(text, field)?;
    let mut components = Vec::new();
    for (name, _) in table.fields {
        if name == "index" || name == "col" {
            continue;
        }
        let ind = read_each(0..table.doc.rows, |i| {
            match table.doc.column(&name).and_then(|c| c[i].as_u64()) {
                Some(v) if v <= 1 => Ok(v as u8),
                _ => Err(invalid(field, format!("`{name}` must be 0 or 1"))),
            }
        })?;
        components.push((name, ind));
    }
    Ok(ComponentColumns { components })
}

/// The number of feature columns `train_component_cols` describes.
pub(super) fn component_rows(text: &str) -> Result<usize, ModelJsonError> {
    Ok(read_table(text, "train_component_cols")?.rows())
}

pub(super) fn component_table(c: &ComponentColumns) -> String {
    let fields = c
        .components
        .iter()
        .map(|(n, _)| (n.clone(), "integer"))
        .collect();
    let n = c.components.first().map_or(0, |(_, v)| v.len());
    let rows = (0..n)
        .map(|i| {
            let row: Map<String, Value> = c
                .components
                .iter()
                .map(|(name, v)| (name.clone(), json!(v[i])))
                .collect();
            Value::Object(row)
        })
        .collect();
    table(fields, rows)
}

pub(super) fn read_holidays(text: &str) -> Result<Vec<Holiday>, ModelJsonError> {
    let field = "holidays";
    let table = read_table(text, field)?;
    let window = |i: usize, name: &str| -> Result<Option<i64>, ModelJsonError> {
        match table.cell(name, i) {
            c if c.is_null() => Ok(None),
            c @ (Cell::Int(_) | Cell::UInt(_) | Cell::Float(_)) => c
                .as_f64()
                .filter(|v| v.fract() == 0.0 && v.abs() < 1e6)
                .map(|v| Some(v as i64))
                .ok_or_else(|| invalid(field, format!("row {i}: `{name}` is not a whole number"))),
            _ => Err(invalid(field, format!("row {i}: `{name}` is not a number"))),
        }
    };
    read_each(0..table.rows(), |i| {
        let name = table
            .cell("holiday", i)
            .as_str()
            .ok_or_else(|| invalid(field, format!("row {i}: no `holiday` name")))?;
        let ds = date_of(table.cell("ds", i), field)?;
        let prior_scale = match table.cell("prior_scale", i) {
            c if c.is_null() => None,
            c => Some(c.as_f64().ok_or_else(|| {
                invalid(field, format!("row {i}: `prior_scale` is not a number"))
            })?),
        };
        Ok(Holiday {
            name: name.to_string(),
            ds: ds.div_euclid(86_400) * 86_400,
            lower_window: window(i, "lower_window")?,
            upper_window: window(i, "upper_window")?,
            prior_scale,
        })
    })
}

/// The holidays frame as pandas writes it: `holiday`, `ds`, the windows
/// (integers, or numbers with nulls when some rows lack them) and
/// `prior_scale` when any row has them.
pub(super) fn holidays_table(rows: &[Holiday]) -> String {
    let windows = rows
        .iter()
        .any(|h| h.lower_window.is_some() || h.upper_window.is_some());
    let whole = rows
        .iter()
        .all(|h| h.lower_window.is_some() && h.upper_window.is_some());
    let scales = rows.iter().any(|h| h.prior_scale.is_some());
    let mut fields = vec![("holiday".to_string(), "string"), ("ds".into(), "datetime")];
    if windows {
        let kind = if whole { "integer" } else { "number" };
        fields.push(("lower_window".into(), kind));
        fields.push(("upper_window".into(), kind));
    }
    if scales {
        fields.push(("prior_scale".into(), "number"));
    }
    let data = rows
        .iter()
        .map(|h| {
            let mut row = Map::new();
            row.insert("holiday".into(), json!(h.name));
            row.insert("ds".into(), json!(format_iso_millis(h.ds)));
            if windows {
                row.insert("lower_window".into(), json!(h.lower_window));
                row.insert("upper_window".into(), json!(h.upper_window));
            }
            if scales {
                row.insert("prior_scale".into(), json!(h.prior_scale));
            }
            Value::Object(row)
        })
        .collect();
    table(fields, data)
}
