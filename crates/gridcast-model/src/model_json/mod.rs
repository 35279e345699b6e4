//! Python Prophet's `model_to_json` format (Prophet 1.1 to 1.5), both ways.
//!
//! The layout: simple attributes as JSON values; `history`, `holidays` and
//! `train_component_cols` as pandas `orient='table'` JSON strings;
//! `changepoints`, `history_dates` and `train_holiday_names` as
//! `orient='split'` strings; `start` as epoch seconds; `t_scale` as seconds;
//! `seasonalities`/`extra_regressors` as `[[names], {name: props}]`; `params`
//! as lists per draw; `__prophet_version`.

mod cells;
mod document;
mod pandas;
mod params;
mod tables;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};
use crate::features::{ComponentModes, Seasonality};
use crate::holidays::Holidays;
use crate::model::{ProphetModel, Settings};
use crate::regressors::{Regressor, Standardize};
use cells::{Cell, ParamsDoc};
use pandas::{read_split_dates, read_split_strings, split_dates_escaped, split_strings};
use params::{read_params, write_params};
use tables::{
    component_rows, component_table, history_table_escaped, holidays_table, read_component_columns,
    read_history, read_holidays,
};

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

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> ModelJsonError {
    ModelJsonError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// `read` of every item in order, or the first error: what
/// `collect::<Result<Vec<_>, _>>()` gives, as a plain loop (the iterator
/// adapters behind that collect cost the browser builds about a kilobyte of
/// wasm per call site).
pub(super) fn read_each<T, U>(
    items: impl IntoIterator<Item = T>,
    mut read: impl FnMut(T) -> Result<U, ModelJsonError>,
) -> Result<Vec<U>, ModelJsonError> {
    let items = items.into_iter();
    let mut out = Vec::with_capacity(items.size_hint().0);
    for item in items {
        out.push(read(item)?);
    }
    Ok(out)
}

/// Accepts Python's `uncertainty_samples`, which old versions wrote as a bool.
fn samples_from<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match Cell::deserialize(d)? {
        Cell::Bool(false) | Cell::Null => Ok(0),
        Cell::Bool(true) => Ok(1000),
        Cell::UInt(count) => u32::try_from(count).map_err(|_| {
            serde::de::Error::custom(format!(
                "uncertainty_samples {count} is more than {}",
                u32::MAX
            ))
        }),
        other => Err(serde::de::Error::custom(format!(
            "expected a count, got {}",
            other.shown()
        ))),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ModesJson {
    additive: Vec<String>,
    multiplicative: Vec<String>,
}

/// The document, field by field, in the order Python writes it. Read with
/// `P` = [`ParamsDoc`] and `J` = [`Cell`] (no `serde_json::Value` tree, nor
/// its deserializer in the browser builds) by `document::from_slice`, which
/// reads it as the derived `Deserialize` (the tests' oracle) does; written
/// with a JSON map and `Value`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
struct ModelJson<P, J: Json> {
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
    country_holidays: Option<String>,
    component_modes: ModesJson,
    #[serde(default)]
    holidays_mode: Option<Mode>,
    changepoints: Option<String>,
    history_dates: String,
    #[serde(default)]
    train_holiday_names: Option<String>,
    start: f64,
    t_scale: f64,
    #[serde(default)]
    holidays: Option<String>,
    history: String,
    train_component_cols: String,
    changepoints_t: Vec<f64>,
    seasonalities: (Vec<String>, J),
    #[serde(default = "empty_ordered")]
    extra_regressors: (Vec<String>, J),
    #[serde(default = "empty_object")]
    fit_kwargs: J,
    params: P,
    #[serde(rename = "__prophet_version", default)]
    prophet_version: Option<String>,
}

/// The free-form JSON of a document: [`Cell`] when read, `Value` when written.
trait Json {
    /// `{}`.
    fn empty_object() -> Self;
}

impl Json for Value {
    fn empty_object() -> Self {
        Value::Object(Map::new())
    }
}

impl Json for Cell {
    fn empty_object() -> Self {
        Cell::Object(Vec::new())
    }
}

fn empty_ordered<J: Json>() -> (Vec<String>, J) {
    (Vec::new(), J::empty_object())
}

fn empty_object<J: Json>() -> J {
    J::empty_object()
}

/// Reads a model.json (also one JSON-encoded twice, as old Prophet docs
/// produced) into a model ready to forecast, and to be written back
/// ([`write_model_json`]) with the JSON it keeps verbatim.
pub fn read_model_json(bytes: &[u8]) -> Result<ProphetModel, ModelJsonError> {
    read::<true>(bytes)
}

/// [`read_model_json`] for a model that is only forecast with (the browser
/// engines, which never write it back): the same checks, errors and model,
/// except that `fit_kwargs` and each regressor's `predictor_spec` — JSON no
/// forecast reads, which `read_model_json` keeps verbatim for the writer —
/// are left `null`. Their JSON is still read (and refused when malformed);
/// it is not rebuilt as `serde_json::Value`s (whose ordered maps, the hash
/// table under them, cost the browser builds about 7 KB of wasm).
pub fn read_model_json_to_forecast(bytes: &[u8]) -> Result<ProphetModel, ModelJsonError> {
    read::<false>(bytes)
}

/// `VERBATIM`: whether the JSON kept as it is becomes `Value`s.
fn read<const VERBATIM: bool>(bytes: &[u8]) -> Result<ProphetModel, ModelJsonError> {
    // Typed in one pass, without a `serde_json::Value` of the whole document
    // in between: faster to load, and one deserializer in the browser builds.
    let doc = if is_json_string(bytes) {
        let inner: String =
            serde_json::from_slice(bytes).map_err(|e| ModelJsonError::Syntax(e.to_string()))?;
        document::from_slice(inner.as_bytes())
            .map_err(|e| ModelJsonError::Syntax(format!("inner document: {e}")))?
    } else {
        document::from_slice(bytes).map_err(|e| ModelJsonError::Syntax(e.to_string()))?
    };
    let model = from_document::<VERBATIM>(doc)?;
    crate::bounds::ModelBounds::default().check(&model)?;
    Ok(model)
}

/// The JSON a model keeps verbatim, as a `Value` when `VERBATIM` (else `null`).
fn verbatim<const VERBATIM: bool>(cell: &Cell) -> Value {
    if VERBATIM {
        cell.to_value()
    } else {
        Value::Null
    }
}

/// Whether the document is a JSON string (a model.json encoded twice).
fn is_json_string(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'"')
}

fn from_document<const VERBATIM: bool>(
    doc: ModelJson<ParamsDoc, Cell>,
) -> Result<ProphetModel, ModelJsonError> {
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
    let seasonalities = read_seasonalities(&doc.seasonalities)?;
    let extra_regressors = read_regressors::<VERBATIM>(&doc.extra_regressors)?;
    let holidays = Holidays {
        frame: doc.holidays.as_deref().map(read_holidays).transpose()?,
        country: doc.country_holidays.clone(),
        train_names: doc
            .train_holiday_names
            .as_deref()
            .map(|t| read_split_strings(t, "train_holiday_names"))
            .transpose()?,
    };
    let n_features = component_rows(&doc.train_component_cols)?;
    let fixed: usize = seasonalities
        .iter()
        .map(Seasonality::columns)
        .sum::<usize>()
        + extra_regressors.len();
    let consistent = if holidays.is_empty() {
        n_features == fixed.max(1)
    } else {
        n_features >= fixed
    };
    if !consistent {
        return Err(invalid(
            "train_component_cols",
            format!(
                "{n_features} rows, but the seasonalities and regressors make {fixed} feature columns"
            ),
        ));
    }

    let history_dates = read_split_dates(&doc.history_dates, "history_dates")?;
    let changepoints = match &doc.changepoints {
        Some(text) => read_split_dates(text, "changepoints")?,
        None => Vec::new(),
    };
    let history = read_history(&doc.history)?;
    let component_columns = read_component_columns(&doc.train_component_cols)?;
    if let Some((name, v)) = component_columns
        .components
        .iter()
        .find(|(_, v)| v.len() != n_features)
    {
        return Err(invalid(
            "train_component_cols",
            format!("`{name}` has {} rows for {n_features}", v.len()),
        ));
    }
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
            mcmc_samples: doc.mcmc_samples,
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
        holidays,
        extra_regressors,
        component_columns,
        component_modes: ComponentModes {
            additive: doc.component_modes.additive,
            multiplicative: doc.component_modes.multiplicative,
        },
        history,
        history_dates,
        params,
        fit_kwargs: verbatim::<VERBATIM>(&doc.fit_kwargs),
        prophet_version: doc.prophet_version.unwrap_or_default(),
    })
}

fn read_seasonalities(
    (names, props): &(Vec<String>, Cell),
) -> Result<Vec<Seasonality>, ModelJsonError> {
    let field = "seasonalities";
    read_each(names, |name| {
        let p = Props::of(props, name, field)?;
        let fourier_order = p
            .get("fourier_order")
            .and_then(Cell::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|&v| v > 0);
        let (Some(period), Some(fourier_order)) = (p.number("period")?, fourier_order) else {
            return Err(p.invalid("period and fourier_order must be positive"));
        };
        if !(period > 0.0) {
            return Err(p.invalid("period and fourier_order must be positive"));
        }
        Ok(Seasonality {
            name: name.clone(),
            period,
            fourier_order,
            prior_scale: p.required_number("prior_scale")?,
            mode: p.mode()?,
            condition_name: p.text("condition_name")?,
        })
    })
}

fn read_regressors<const VERBATIM: bool>(
    (names, props): &(Vec<String>, Cell),
) -> Result<Vec<Regressor>, ModelJsonError> {
    let field = "extra_regressors";
    read_each(names, |name| {
        let p = Props::of(props, name, field)?;
        let standardize = match p.get("standardize") {
            None => Standardize::default(),
            Some(Cell::Bool(true)) => Standardize::Yes,
            Some(Cell::Bool(false)) => Standardize::No,
            Some(Cell::Text(s)) if s == "auto" => Standardize::Auto,
            Some(other) => {
                return Err(p.invalid(format!(
                    "standardize: expected \"auto\", true or false, got {}",
                    other.shown()
                )))
            }
        };
        let mu = p.number("mu")?.unwrap_or(0.0);
        let std = p.number("std")?.unwrap_or(1.0);
        if !(std.is_finite() && std != 0.0 && mu.is_finite()) {
            return Err(p.invalid("mu must be finite and std finite and non-zero"));
        }
        Ok(Regressor {
            name: name.clone(),
            prior_scale: p.required_number("prior_scale")?,
            standardize,
            mu,
            std,
            mode: p.mode()?,
            predictor_spec: p
                .get("predictor_spec")
                .map_or(Value::Null, verbatim::<VERBATIM>),
        })
    })
}

/// A seasonality's or regressor's properties (`{period: …, mode: …}`), read
/// field by field (typed errors name the entry; no second deserializer).
struct Props<'a> {
    props: &'a Cell,
    name: &'a str,
    field: &'static str,
}

impl<'a> Props<'a> {
    fn of(all: &'a Cell, name: &'a str, field: &'static str) -> Result<Self, ModelJsonError> {
        match all.get(name) {
            Some(props @ Cell::Object(_)) => Ok(Self { props, name, field }),
            Some(_) => Err(invalid(
                field,
                format!("{name}: the properties are not an object"),
            )),
            None => Err(invalid(
                field,
                format!("{name:?} is listed but has no properties"),
            )),
        }
    }

    fn invalid(&self, reason: impl std::fmt::Display) -> ModelJsonError {
        invalid(self.field, format!("{}: {reason}", self.name))
    }

    fn get(&self, key: &str) -> Option<&'a Cell> {
        self.props.get(key)
    }

    fn number(&self, key: &str) -> Result<Option<f64>, ModelJsonError> {
        self.get(key)
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.invalid(format!("`{key}` is not a number")))
            })
            .transpose()
    }

    fn required_number(&self, key: &str) -> Result<f64, ModelJsonError> {
        self.number(key)?
            .ok_or_else(|| self.invalid(format!("no `{key}`")))
    }

    /// A text property (`null`: none).
    fn text(&self, key: &str) -> Result<Option<String>, ModelJsonError> {
        self.get(key)
            .filter(|v| !v.is_null())
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.invalid(format!("`{key}` is not a string")))
            })
            .transpose()
    }

    fn mode(&self) -> Result<Mode, ModelJsonError> {
        match self.get("mode").and_then(Cell::as_str) {
            Some("additive") => Ok(Mode::Additive),
            Some("multiplicative") => Ok(Mode::Multiplicative),
            _ => Err(self.invalid("`mode` must be \"additive\" or \"multiplicative\"")),
        }
    }
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
                   "mode": x.mode, "condition_name": x.condition_name}),
        );
    }
    let mut regressor_props = Map::new();
    for r in &model.extra_regressors {
        regressor_props.insert(
            r.name.clone(),
            json!({"prior_scale": r.prior_scale, "standardize": r.standardize, "mu": r.mu,
                   "std": r.std, "mode": r.mode, "predictor_spec": r.predictor_spec,
                   "predictor": null}),
        );
    }
    let changepoint_rows: Vec<usize> = model
        .changepoints
        .iter()
        .enumerate()
        .map(|(i, c)| model.history.ds.iter().position(|d| d == c).unwrap_or(i))
        .collect();
    // The three big pandas texts are written already escaped and put in
    // after serde_json wrote the rest around empty strings.
    let escaped = [
        (
            "changepoints",
            split_dates_escaped(&model.changepoints, &changepoint_rows),
        ),
        (
            "history_dates",
            split_dates_escaped(
                &model.history_dates,
                &(0..model.history_dates.len()).collect::<Vec<_>>(),
            ),
        ),
        (
            "history",
            history_table_escaped(&model.history, model.logistic_floor),
        ),
    ];
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
        mcmc_samples: s.mcmc_samples,
        interval_width: s.interval_width,
        uncertainty_samples: s.uncertainty_samples,
        y_scale: model.y_scale,
        y_min: model.y_min,
        scaling: s.scaling,
        logistic_floor: model.logistic_floor,
        country_holidays: model.holidays.country.clone(),
        component_modes: ModesJson {
            additive: model.component_modes.additive.clone(),
            multiplicative: model.component_modes.multiplicative.clone(),
        },
        holidays_mode: Some(s.holidays_mode),
        changepoints: Some(String::new()),
        history_dates: String::new(),
        train_holiday_names: model.holidays.train_names.as_deref().map(split_strings),
        start: model.start,
        t_scale: model.t_scale,
        holidays: model.holidays.frame.as_deref().map(holidays_table),
        history: String::new(),
        train_component_cols: component_table(&model.component_columns),
        changepoints_t: model.changepoints_t.clone(),
        seasonalities: (
            model.seasonalities.iter().map(|x| x.name.clone()).collect(),
            Value::Object(seasonality_props),
        ),
        extra_regressors: (
            model
                .extra_regressors
                .iter()
                .map(|r| r.name.clone())
                .collect(),
            Value::Object(regressor_props),
        ),
        fit_kwargs: model.fit_kwargs.clone(),
        params: write_params(&model.params, s.mcmc_samples > 0),
        prophet_version: Some(if model.prophet_version.is_empty() {
            PROPHET_FORMAT_VERSION.into()
        } else {
            model.prophet_version.clone()
        }),
    };
    let around = serde_json::to_string(&doc).expect("a model always serializes");
    fill_escaped(&around, &escaped)
}

/// `doc` with the empty string of each `(key, text)` (in document order)
/// replaced by `text`, already escaped as a JSON string's contents.
///
/// The first `"key":""` from where the previous key was found is the field:
/// every `"` serde_json writes inside a string is escaped, so an unescaped
/// `"key":""` is an object key with an empty string, and the only object
/// before these fields is `component_modes` (keys `additive`, `multiplicative`).
fn fill_escaped(doc: &str, fields: &[(&str, String)]) -> String {
    let grown: usize = fields.iter().map(|(_, text)| text.len()).sum();
    let mut out = String::with_capacity(doc.len() + grown);
    let mut rest = doc;
    for (key, text) in fields {
        let empty = format!("\"{key}\":\"\"");
        let at = rest
            .find(&empty)
            .expect("the field was written as an empty string")
            + empty.len()
            - 1;
        out.push_str(&rest[..at]);
        out.push_str(text);
        rest = &rest[at..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::pandas::{escaped, split_dates_escaped};
    use super::tables::{history_table_escaped, history_table_via_values};
    use crate::history::{ColumnValues, History};
    use crate::time::format_iso_millis;
    use crate::Timestamp;

    fn split_dates_via_values(dates: &[Timestamp], index: &[usize]) -> String {
        let data: Vec<String> = dates.iter().map(|d| format_iso_millis(*d)).collect();
        serde_json::json!({"name": "ds", "index": index, "data": data}).to_string()
    }

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
            columns: vec![
                (
                    "temp \"x\"".into(),
                    ColumnValues::Numbers(vec![1.0, -2.5, 3.0]),
                ),
                (
                    "winter".into(),
                    ColumnValues::Booleans(vec![true, false, true]),
                ),
            ],
        };
        for floor_given in [false, true] {
            assert_eq!(
                history_table_escaped(&h, floor_given),
                escaped(&history_table_via_values(&h, floor_given))
            );
        }
        let plain = History {
            cap: None,
            cap_scaled: None,
            columns: Vec::new(),
            ..h
        };
        assert_eq!(
            history_table_escaped(&plain, false),
            escaped(&history_table_via_values(&plain, false))
        );
        let (dates, index) = ([1_640_995_200, 1_641_081_600 + 3_600], [0, 17]);
        assert_eq!(
            split_dates_escaped(&dates, &index),
            escaped(&split_dates_via_values(&dates, &index))
        );
        assert_eq!(
            split_dates_escaped(&[], &[]),
            escaped(&split_dates_via_values(&[], &[]))
        );
    }
}
