//! pandas' JSON layouts inside a model.json: `orient='split'` series and
//! `orient='table'` frames, both as JSON text inside the document.

use serde_json::{json, Value};

use super::{invalid, ModelJsonError};
use crate::time::{parse_timestamp, push_iso_millis, Timestamp};

/// The JSON document inside a string field.
pub(super) fn parse_inner(text: &str, field: &str) -> Result<Value, ModelJsonError> {
    serde_json::from_slice(text.as_bytes())
        .map_err(|e| invalid(field, format!("not a pandas JSON string: {e}")))
}

/// A JSON value for an error message: scalars as they are, lists and objects
/// by kind (without serde_json's writer for whole values in the browser builds).
pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A date as pandas writes one: ISO text, or epoch milliseconds.
pub(super) fn date_of(v: &Value, field: &str) -> Result<Timestamp, ModelJsonError> {
    match v {
        Value::String(s) => {
            parse_timestamp(s).ok_or_else(|| invalid(field, format!("{s:?} is not a date")))
        }
        Value::Number(n) => n
            .as_i64()
            .map(|ms| ms.div_euclid(1000))
            .ok_or_else(|| invalid(field, format!("{n} is not a date"))),
        other => Err(invalid(field, format!("{} is not a date", shown(other)))),
    }
}

fn split_data<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, ModelJsonError> {
    v.get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(field, "no `data` array"))
}

/// An `orient='split'` series of dates.
pub(super) fn read_split_dates(text: &str, field: &str) -> Result<Vec<Timestamp>, ModelJsonError> {
    let v = parse_inner(text, field)?;
    split_data(&v, field)?
        .iter()
        .map(|d| date_of(d, field))
        .collect()
}

/// An `orient='split'` series of strings.
pub(super) fn read_split_strings(text: &str, field: &str) -> Result<Vec<String>, ModelJsonError> {
    let v = parse_inner(text, field)?;
    split_data(&v, field)?
        .iter()
        .map(|d| {
            d.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid(field, format!("{} is not a string", shown(d))))
        })
        .collect()
}

/// An `orient='split'` series of dates, written as text (see `history_table`).
pub(super) fn split_dates(dates: &[Timestamp], index: &[usize]) -> String {
    let mut out = String::with_capacity(40 + dates.len() * 32);
    out.push_str(r#"{"name":"ds","index":["#);
    push_index(&mut out, index);
    out.push_str(r#"],"data":["#);
    for (k, d) in dates.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        push_iso_millis(&mut out, *d);
        out.push('"');
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
    for (k, i) in index.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&i.to_string());
    }
}

/// The `(name, type)` fields and rows of an `orient='table'` frame.
pub(super) fn read_table(
    text: &str,
    field: &str,
) -> Result<(Vec<(String, String)>, Vec<Value>), ModelJsonError> {
    let mut v = parse_inner(text, field)?;
    let fields = v
        .pointer("/schema/fields")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(field, "no schema fields"))?
        .iter()
        .filter_map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            let kind = f
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            Some((name, kind))
        })
        .collect();
    let rows = match v.get_mut("data").map(Value::take) {
        Some(Value::Array(rows)) => rows,
        _ => return Err(invalid(field, "no `data` array")),
    };
    Ok((fields, rows))
}

/// A numeric column of a table (`null` is NaN); `None` when absent.
pub(super) fn number_column(
    rows: &[Value],
    name: &str,
    field: &str,
) -> Result<Option<Vec<f64>>, ModelJsonError> {
    if rows.first().and_then(|r| r.get(name)).is_none() {
        return Ok(None);
    }
    rows.iter()
        .enumerate()
        .map(|(i, r)| match r.get(name) {
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| invalid(field, format!("row {i}: `{name}` is not a number"))),
            Some(Value::Null) => Ok(f64::NAN),
            _ => Err(invalid(field, format!("row {i}: `{name}` is not a number"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A boolean column of a table.
pub(super) fn bool_column(
    rows: &[Value],
    name: &str,
    field: &str,
) -> Result<Vec<bool>, ModelJsonError> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            r.get(name)
                .and_then(Value::as_bool)
                .ok_or_else(|| invalid(field, format!("row {i}: `{name}` is not a boolean")))
        })
        .collect()
}

/// An `orient='table'` frame from fields and row objects.
pub(super) fn table(fields: Vec<(String, &str)>, rows: Vec<Value>) -> String {
    let fields: Vec<Value> = fields
        .into_iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    json!({"schema": {"fields": fields, "pandas_version": "1.4.0"}, "data": rows}).to_string()
}

/// Appends `x` as serde_json writes it (`null` for NaN and infinities).
pub(super) fn push_number(out: &mut String, x: f64) {
    out.push_str(&serde_json::to_string(&x).expect("f64 serializes"));
}
