//! Python Prophet's `model_to_json` format (Prophet 1.1 to 1.5), both ways.
//!
//! The layout: simple attributes as JSON values; `history` and
//! `train_component_cols` as pandas `orient='table'` JSON strings;
//! `changepoints`/`history_dates` as `orient='split'` strings; `start` as epoch
//! seconds; `t_scale` as seconds; `seasonalities`/`extra_regressors` as
//! `[[names], {name: props}]`; `params` as 2-D lists; `__prophet_version`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};
use crate::features::{ComponentColumns, ComponentModes, Seasonality};
use crate::model::{History, Params, ProphetModel, Settings};
#[cfg(test)]
use crate::time::format_iso_millis;
use crate::time::{parse_timestamp, push_iso_millis, Timestamp};

/// The Prophet version we claim when writing (the format we follow).
pub const PROPHET_FORMAT_VERSION: &str = "1.5.0";

/// Why a model.json could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelJsonError {
    /// Not JSON, or a field of the wrong type.
    #[error("model.json is not a Prophet model: {0}")]
    Syntax(String),
    /// A field is present but its content is wrong.
    #[error("model.json field `{field}`: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A Prophet feature this engine does not forecast with.
    #[error("model.json uses {0}, which gridcast does not support")]
    Unsupported(String),
    /// A number outside what gridcast forecasts with ([`crate::ModelBounds`]).
    #[error("model.json field `{field}` is {value}; it must be {allowed}")]
    OutOfBounds {
        /// The field.
        field: String,
        /// What it holds.
        value: String,
        /// What it may hold.
        allowed: String,
    },
}

fn invalid(field: &str, reason: impl Into<String>) -> ModelJsonError {
    ModelJsonError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Accepts Python's `uncertainty_samples`, which old versions wrote as a bool.
fn samples_from<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match Value::deserialize(d)? {
        Value::Bool(false) | Value::Null => Ok(0),
        Value::Bool(true) => Ok(1000),
        Value::Number(n) => {
            let count = n
                .as_u64()
                .ok_or_else(|| serde::de::Error::custom(format!("expected a count, got {n}")))?;
            u32::try_from(count).map_err(|_| {
                serde::de::Error::custom(format!(
                    "uncertainty_samples {count} is more than {}",
                    u32::MAX
                ))
            })
        }
        other => Err(serde::de::Error::custom(format!(
            "expected a count, got {other}"
        ))),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ModesJson {
    additive: Vec<String>,
    multiplicative: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SeasonalityJson {
    period: f64,
    fourier_order: u32,
    prior_scale: f64,
    mode: Mode,
    #[serde(default)]
    condition_name: Option<String>,
}

/// The document, field by field, in the order Python writes it.
#[derive(Debug, Serialize, Deserialize)]
struct ModelJson {
    growth: Growth,
    n_changepoints: u32,
    specified_changepoints: bool,
    changepoint_range: f64,
    yearly_seasonality: SeasonalitySetting,
    weekly_seasonality: SeasonalitySetting,
    daily_seasonality: SeasonalitySetting,
    seasonality_mode: Mode,
    seasonality_prior_scale: f64,
    changepoint_prior_scale: f64,
    holidays_prior_scale: f64,
    #[serde(default)]
    mcmc_samples: u32,
    interval_width: f64,
    #[serde(deserialize_with = "samples_from")]
    uncertainty_samples: u32,
    y_scale: f64,
    #[serde(default)]
    y_min: f64,
    #[serde(default)]
    scaling: Scaling,
    #[serde(default)]
    logistic_floor: bool,
    #[serde(default)]
    country_holidays: Value,
    component_modes: ModesJson,
    #[serde(default)]
    holidays_mode: Option<Mode>,
    changepoints: Option<String>,
    history_dates: String,
    #[serde(default)]
    train_holiday_names: Value,
    start: f64,
    t_scale: f64,
    #[serde(default)]
    holidays: Value,
    history: String,
    train_component_cols: String,
    changepoints_t: Vec<f64>,
    seasonalities: (Vec<String>, Map<String, Value>),
    #[serde(default = "empty_ordered")]
    extra_regressors: (Vec<String>, Map<String, Value>),
    #[serde(default = "empty_object")]
    fit_kwargs: Value,
    params: Map<String, Value>,
    #[serde(rename = "__prophet_version", default)]
    prophet_version: Option<String>,
}

fn empty_ordered() -> (Vec<String>, Map<String, Value>) {
    (Vec::new(), Map::new())
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// Reads a model.json (also one JSON-encoded twice, as old Prophet docs
/// produced) into a model ready to forecast.
pub fn read_model_json(bytes: &[u8]) -> Result<ProphetModel, ModelJsonError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ModelJsonError::Syntax(e.to_string()))?;
    let value = match value {
        Value::String(inner) => serde_json::from_str(&inner)
            .map_err(|e| ModelJsonError::Syntax(format!("inner document: {e}")))?,
        other => other,
    };
    let doc: ModelJson =
        serde_json::from_value(value).map_err(|e| ModelJsonError::Syntax(e.to_string()))?;
    let model = from_document(doc)?;
    crate::bounds::ModelBounds::default().check(&model)?;
    Ok(model)
}

fn from_document(doc: ModelJson) -> Result<ProphetModel, ModelJsonError> {
    if doc.mcmc_samples > 0 {
        return Err(ModelJsonError::Unsupported(
            "MCMC sampling (mcmc_samples > 0)".into(),
        ));
    }
    if !doc.holidays.is_null()
        || !doc.country_holidays.is_null()
        || !doc.train_holiday_names.is_null()
    {
        return Err(ModelJsonError::Unsupported("holidays".into()));
    }
    if !doc.extra_regressors.0.is_empty() {
        return Err(ModelJsonError::Unsupported("extra regressors".into()));
    }
    if !(doc.y_scale.is_finite() && doc.y_scale != 0.0) {
        return Err(invalid(
            "y_scale",
            format!("must be finite and non-zero, got {}", doc.y_scale),
        ));
    }
    if !(doc.t_scale.is_finite() && doc.t_scale > 0.0) {
        return Err(invalid(
            "t_scale",
            format!("must be positive, got {}", doc.t_scale),
        ));
    }

    let mut seasonalities = Vec::new();
    for name in &doc.seasonalities.0 {
        let props = doc.seasonalities.1.get(name).ok_or_else(|| {
            invalid(
                "seasonalities",
                format!("{name:?} is listed but has no properties"),
            )
        })?;
        let s: SeasonalityJson = serde_json::from_value(props.clone())
            .map_err(|e| invalid("seasonalities", format!("{name}: {e}")))?;
        if s.condition_name.is_some() {
            return Err(ModelJsonError::Unsupported(format!(
                "conditional seasonality {name:?}"
            )));
        }
        if !(s.period > 0.0) || s.fourier_order == 0 {
            return Err(invalid(
                "seasonalities",
                format!("{name}: period and fourier_order must be positive"),
            ));
        }
        seasonalities.push(Seasonality {
            name: name.clone(),
            period: s.period,
            fourier_order: s.fourier_order,
            prior_scale: s.prior_scale,
            mode: s.mode,
            condition_name: None,
        });
    }
    let n_features: usize = seasonalities
        .iter()
        .fold(0usize, |n, s| {
            n.saturating_add((s.fourier_order as usize).saturating_mul(2))
        })
        .max(1);

    let history_dates = read_split_dates(&doc.history_dates, "history_dates")?;
    let changepoints = match &doc.changepoints {
        Some(text) => read_split_dates(text, "changepoints")?,
        None => Vec::new(),
    };
    let history = read_history(&doc.history)?;
    let component_columns = read_component_columns(&doc.train_component_cols, n_features)?;
    let params = read_params(&doc.params, doc.changepoints_t.len(), n_features)?;
    if doc.growth == Growth::Logistic && history.cap.is_none() {
        return Err(invalid("history", "logistic growth but no `cap` column"));
    }

    Ok(ProphetModel {
        settings: Settings {
            growth: doc.growth,
            n_changepoints: doc.n_changepoints,
            specified_changepoints: doc.specified_changepoints,
            changepoint_range: doc.changepoint_range,
            yearly_seasonality: doc.yearly_seasonality,
            weekly_seasonality: doc.weekly_seasonality,
            daily_seasonality: doc.daily_seasonality,
            seasonality_mode: doc.seasonality_mode,
            seasonality_prior_scale: doc.seasonality_prior_scale,
            changepoint_prior_scale: doc.changepoint_prior_scale,
            holidays_prior_scale: doc.holidays_prior_scale,
            holidays_mode: doc.holidays_mode.unwrap_or(doc.seasonality_mode),
            interval_width: doc.interval_width,
            uncertainty_samples: doc.uncertainty_samples,
            scaling: doc.scaling,
        },
        y_scale: doc.y_scale,
        y_min: doc.y_min,
        logistic_floor: doc.logistic_floor,
        start: doc.start,
        t_scale: doc.t_scale,
        changepoints,
        changepoints_t: doc.changepoints_t,
        seasonalities,
        component_columns,
        component_modes: ComponentModes {
            additive: doc.component_modes.additive,
            multiplicative: doc.component_modes.multiplicative,
        },
        history,
        history_dates,
        params,
        fit_kwargs: doc.fit_kwargs,
        prophet_version: doc.prophet_version.unwrap_or_default(),
    })
}

fn parse_inner(text: &str, field: &str) -> Result<Value, ModelJsonError> {
    serde_json::from_str(text).map_err(|e| invalid(field, format!("not a pandas JSON string: {e}")))
}

fn date_of(v: &Value, field: &str) -> Result<Timestamp, ModelJsonError> {
    match v {
        Value::String(s) => {
            parse_timestamp(s).ok_or_else(|| invalid(field, format!("{s:?} is not a date")))
        }
        // pandas' default epoch format: milliseconds.
        Value::Number(n) => n
            .as_i64()
            .map(|ms| ms.div_euclid(1000))
            .ok_or_else(|| invalid(field, format!("{n} is not a date"))),
        other => Err(invalid(field, format!("{other} is not a date"))),
    }
}

/// A pandas `orient='split'` series of dates.
fn read_split_dates(text: &str, field: &str) -> Result<Vec<Timestamp>, ModelJsonError> {
    let v = parse_inner(text, field)?;
    let data = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(field, "no `data` array"))?;
    data.iter().map(|d| date_of(d, field)).collect()
}

/// Rows of a pandas `orient='table'` frame.
fn table_rows<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, ModelJsonError> {
    v.get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(field, "no `data` array"))
}

fn number_column(
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

fn read_history(text: &str) -> Result<History, ModelJsonError> {
    let field = "history";
    let v = parse_inner(text, field)?;
    let rows = table_rows(&v, field)?;
    let ds = rows
        .iter()
        .map(|r| date_of(r.get("ds").unwrap_or(&Value::Null), field))
        .collect::<Result<Vec<_>, _>>()?;
    let need = |name: &str| {
        number_column(rows, name, field)?
            .ok_or_else(|| invalid(field, format!("no `{name}` column")))
    };
    Ok(History {
        ds,
        y: need("y")?,
        cap: number_column(rows, "cap", field)?,
        floor: need("floor")?,
        cap_scaled: number_column(rows, "cap_scaled", field)?,
        t: need("t")?,
        y_scaled: need("y_scaled")?,
    })
}

fn read_component_columns(
    text: &str,
    n_features: usize,
) -> Result<ComponentColumns, ModelJsonError> {
    let field = "train_component_cols";
    let v = parse_inner(text, field)?;
    let names: Vec<String> = v
        .pointer("/schema/fields")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(field, "no schema fields"))?
        .iter()
        .filter_map(|f| f.get("name").and_then(Value::as_str))
        .filter(|n| *n != "index" && *n != "col")
        .map(str::to_string)
        .collect();
    let rows = table_rows(&v, field)?;
    if rows.len() != n_features {
        return Err(invalid(
            field,
            format!("{} rows for {} feature columns", rows.len(), n_features),
        ));
    }
    let mut components = Vec::new();
    for name in names {
        let ind = rows
            .iter()
            .map(|r| match r.get(&name).and_then(Value::as_u64) {
                Some(0) => Ok(0u8),
                Some(1) => Ok(1u8),
                _ => Err(invalid(field, format!("`{name}` must be 0 or 1"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        components.push((name, ind));
    }
    Ok(ComponentColumns { components })
}

fn read_params(
    params: &Map<String, Value>,
    n_changepoints: usize,
    n_features: usize,
) -> Result<Params, ModelJsonError> {
    let rows = |name: &str| -> Result<Option<Vec<f64>>, ModelJsonError> {
        let field = format!("params.{name}");
        let Some(v) = params.get(name) else {
            return Ok(None);
        };
        let outer = v
            .as_array()
            .ok_or_else(|| invalid(&field, "not a 2-D list"))?;
        if outer.len() != 1 {
            return Err(ModelJsonError::Unsupported(format!(
                "{} posterior draws in `{field}` (MCMC)",
                outer.len()
            )));
        }
        let inner = match &outer[0] {
            Value::Array(a) => a.clone(),
            scalar @ Value::Number(_) => vec![scalar.clone()],
            _ => return Err(invalid(&field, "not a 2-D list")),
        };
        inner
            .iter()
            .map(|x| x.as_f64().ok_or_else(|| invalid(&field, "not a number")))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let scalar = |name: &str| -> Result<f64, ModelJsonError> {
        match rows(name)? {
            Some(v) if v.len() == 1 => Ok(v[0]),
            Some(v) => Err(invalid(
                &format!("params.{name}"),
                format!("expected one value, got {}", v.len()),
            )),
            None => Err(invalid("params", format!("missing `{name}`"))),
        }
    };
    let delta = rows("delta")?.ok_or_else(|| invalid("params", "missing `delta`"))?;
    let beta = rows("beta")?.ok_or_else(|| invalid("params", "missing `beta`"))?;
    if delta.len() != n_changepoints {
        return Err(invalid(
            "params.delta",
            format!("{} values for {} changepoints", delta.len(), n_changepoints),
        ));
    }
    if beta.len() != n_features {
        return Err(invalid(
            "params.beta",
            format!("{} values for {} feature columns", beta.len(), n_features),
        ));
    }
    Ok(Params {
        k: scalar("k")?,
        m: scalar("m")?,
        delta,
        sigma_obs: scalar("sigma_obs")?,
        beta,
        lp: rows("lp__")?.and_then(|v| v.first().copied()),
        trend: rows("trend")?.unwrap_or_default(),
    })
}

/// Writes the model as Python's `model_to_json` would, so that
/// `prophet.serialize.model_from_json` loads it.
pub fn write_model_json(model: &ProphetModel) -> String {
    let s = &model.settings;
    let mut seasonality_props = Map::new();
    for x in &model.seasonalities {
        seasonality_props.insert(
            x.name.clone(),
            json!({"period": x.period, "fourier_order": x.fourier_order, "prior_scale": x.prior_scale,
                   "mode": x.mode, "condition_name": null}),
        );
    }
    let mut params = Map::new();
    let p = &model.params;
    if let Some(lp) = p.lp {
        params.insert("lp__".into(), json!([[lp]]));
    }
    params.insert("k".into(), json!([[p.k]]));
    params.insert("m".into(), json!([[p.m]]));
    params.insert("delta".into(), json!([p.delta]));
    params.insert("sigma_obs".into(), json!([[p.sigma_obs]]));
    params.insert("beta".into(), json!([p.beta]));
    if !p.trend.is_empty() {
        params.insert("trend".into(), json!([p.trend]));
    }
    let changepoint_rows: Vec<usize> = model
        .changepoints
        .iter()
        .enumerate()
        .map(|(i, c)| model.history.ds.iter().position(|d| d == c).unwrap_or(i))
        .collect();
    let changepoints = Some(split_dates(&model.changepoints, &changepoint_rows));
    let doc = ModelJson {
        growth: s.growth,
        n_changepoints: s.n_changepoints,
        specified_changepoints: s.specified_changepoints,
        changepoint_range: s.changepoint_range,
        yearly_seasonality: s.yearly_seasonality,
        weekly_seasonality: s.weekly_seasonality,
        daily_seasonality: s.daily_seasonality,
        seasonality_mode: s.seasonality_mode,
        seasonality_prior_scale: s.seasonality_prior_scale,
        changepoint_prior_scale: s.changepoint_prior_scale,
        holidays_prior_scale: s.holidays_prior_scale,
        mcmc_samples: 0,
        interval_width: s.interval_width,
        uncertainty_samples: s.uncertainty_samples,
        y_scale: model.y_scale,
        y_min: model.y_min,
        scaling: s.scaling,
        logistic_floor: model.logistic_floor,
        country_holidays: Value::Null,
        component_modes: ModesJson {
            additive: model.component_modes.additive.clone(),
            multiplicative: model.component_modes.multiplicative.clone(),
        },
        holidays_mode: Some(s.holidays_mode),
        changepoints,
        history_dates: split_dates(
            &model.history_dates,
            &(0..model.history_dates.len()).collect::<Vec<_>>(),
        ),
        train_holiday_names: Value::Null,
        start: model.start,
        t_scale: model.t_scale,
        holidays: Value::Null,
        history: history_table(&model.history),
        train_component_cols: component_table(&model.component_columns),
        changepoints_t: model.changepoints_t.clone(),
        seasonalities: (
            model.seasonalities.iter().map(|x| x.name.clone()).collect(),
            seasonality_props,
        ),
        extra_regressors: empty_ordered(),
        fit_kwargs: model.fit_kwargs.clone(),
        params,
        prophet_version: Some(if model.prophet_version.is_empty() {
            PROPHET_FORMAT_VERSION.into()
        } else {
            model.prophet_version.clone()
        }),
    };
    serde_json::to_string(&doc).expect("a model always serializes")
}

/// A pandas `orient='split'` series of dates, written as text (see `history_table`).
fn split_dates(dates: &[Timestamp], index: &[usize]) -> String {
    let mut out = String::with_capacity(40 + dates.len() * 32);
    out.push_str(r#"{"name":"ds","index":["#);
    for (k, i) in index.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&i.to_string());
    }
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

#[cfg(test)]
fn split_dates_via_values(dates: &[Timestamp], index: &[usize]) -> String {
    let data: Vec<String> = dates.iter().map(|d| format_iso_millis(*d)).collect();
    json!({"name": "ds", "index": index, "data": data}).to_string()
}

fn table(fields: Vec<(String, &str)>, rows: Vec<Value>) -> String {
    let fields: Vec<Value> = fields
        .into_iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    json!({"schema": {"fields": fields, "pandas_version": "1.4.0"}, "data": rows}).to_string()
}

fn history_table(h: &History) -> String {
    // Written as text rather than through `serde_json::Value`: the history is
    // most of a model.json and building a map per row dominated saving.
    let mut columns: Vec<(&str, &[f64])> = vec![("y", &h.y)];
    if let Some(cap) = &h.cap {
        columns.push(("cap", cap));
    }
    columns.push(("floor", &h.floor));
    if let Some(cs) = &h.cap_scaled {
        columns.push(("cap_scaled", cs));
    }
    columns.push(("t", &h.t));
    columns.push(("y_scaled", &h.y_scaled));
    let mut out = String::with_capacity(64 + h.ds.len() * (40 + 24 * columns.len()));
    out.push_str(r#"{"schema":{"fields":[{"name":"ds","type":"datetime"}"#);
    for (name, _) in &columns {
        out.push_str(&format!(r#",{{"name":"{name}","type":"number"}}"#));
    }
    out.push_str(r#"],"pandas_version":"1.4.0"},"data":["#);
    for i in 0..h.ds.len() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"ds":""#);
        push_iso_millis(&mut out, h.ds[i]);
        out.push('"');
        for (name, values) in &columns {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            push_number(&mut out, values[i]);
        }
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// Appends `x` as serde_json writes it (`null` for NaN and infinities).
fn push_number(out: &mut String, x: f64) {
    out.push_str(&serde_json::to_string(&x).expect("f64 serializes"));
}

#[cfg(test)]
fn history_table_via_values(h: &History) -> String {
    let mut fields = vec![("ds".to_string(), "datetime"), ("y".into(), "number")];
    if h.cap.is_some() {
        fields.push(("cap".into(), "number"));
    }
    fields.push(("floor".into(), "number"));
    if h.cap_scaled.is_some() {
        fields.push(("cap_scaled".into(), "number"));
    }
    fields.push(("t".into(), "number"));
    fields.push(("y_scaled".into(), "number"));
    let rows = (0..h.ds.len())
        .map(|i| {
            let mut row = Map::new();
            row.insert("ds".into(), json!(format_iso_millis(h.ds[i])));
            row.insert("y".into(), json!(h.y[i]));
            if let Some(cap) = &h.cap {
                row.insert("cap".into(), json!(cap[i]));
            }
            row.insert("floor".into(), json!(h.floor[i]));
            if let Some(cs) = &h.cap_scaled {
                row.insert("cap_scaled".into(), json!(cs[i]));
            }
            row.insert("t".into(), json!(h.t[i]));
            row.insert("y_scaled".into(), json!(h.y_scaled[i]));
            Value::Object(row)
        })
        .collect();
    table(fields, rows)
}

fn component_table(c: &ComponentColumns) -> String {
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

#[cfg(test)]
mod tests {
    use crate::model::History;

    #[test]
    fn history_table_text_equals_the_serde_json_rendering() {
        let h = History {
            ds: vec![1_640_995_200, 1_641_081_600, 1_641_168_000],
            y: vec![1.5, 2.0, f64::NAN],
            cap: Some(vec![10.0, 10.0, 10.0]),
            floor: vec![0.0; 3],
            cap_scaled: Some(vec![0.1, 1e-300, 123456789.125]),
            t: vec![0.0, 0.5, 1.0],
            y_scaled: vec![0.15, 0.2, -0.0],
        };
        assert_eq!(
            super::history_table(&h),
            super::history_table_via_values(&h)
        );
        let plain = History {
            cap: None,
            cap_scaled: None,
            ..h
        };
        assert_eq!(
            super::history_table(&plain),
            super::history_table_via_values(&plain)
        );
        let (dates, index) = ([1_640_995_200, 1_641_081_600 + 3_600], [0, 17]);
        assert_eq!(
            super::split_dates(&dates, &index),
            super::split_dates_via_values(&dates, &index)
        );
        assert_eq!(
            super::split_dates(&[], &[]),
            super::split_dates_via_values(&[], &[])
        );
    }
}
