//! A forecast's components as Prophet's `plot_components` shows them: the
//! trend, the holidays, each seasonality and the extra regressors' effect,
//! in kWh when additive and in percent of the trend when multiplicative.

use gridcast_model::ProphetModel;

use crate::ForecastTable;

/// One component over the forecast's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSeries {
    /// The `predict` column it comes from (`trend`, `weekly`, `holidays`,
    /// `extra_regressors_additive`, ...).
    pub column: String,
    /// For people: `Trend`, `Weekly`, `Regressors (temperature)`, ...
    pub label: String,
    /// Multiplicative: `values` are percent of the trend; otherwise kWh.
    pub percent: bool,
    /// One value per forecast row.
    pub values: Vec<f64>,
}

impl ComponentSeries {
    /// The unit of `values`.
    pub fn unit(&self) -> &'static str {
        if self.percent {
            "%"
        } else {
            "kWh"
        }
    }
}

/// The regressors of `model` in the mode of `group` (`extra_regressors_*`).
fn regressor_label(model: &ProphetModel, group: &str) -> String {
    let additive = group.ends_with("additive");
    let names: Vec<&str> = model
        .extra_regressors
        .iter()
        .filter(|r| model.component_modes.is_additive(&r.name) == additive)
        .map(|r| r.name.as_str())
        .collect();
    format!("Regressors ({})", names.join(", "))
}

/// `weekly` → `Weekly` (ASCII only: Unicode's case tables cost the portal).
fn capitalized(name: &str) -> String {
    let mut s = name.to_string();
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    s
}

/// A component a model's forecasts show: its `predict` column, its label and
/// whether it is multiplicative (shown in percent).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ComponentFact {
    /// The `predict` column.
    pub column: String,
    /// For people.
    pub label: String,
    /// Multiplicative: shown in percent of the trend.
    pub percent: bool,
}

/// The components `model` has, in `plot_components`' order.
pub fn component_facts(model: &ProphetModel) -> Vec<ComponentFact> {
    let has = |name: &str| {
        model
            .component_columns
            .components
            .iter()
            .any(|(n, _)| n == name)
    };
    let seasonalities = model.seasonalities.iter().map(|s| s.name.as_str());
    let regressors = [
        "extra_regressors_additive",
        "extra_regressors_multiplicative",
    ];
    let wanted = std::iter::once("holidays")
        .chain(seasonalities)
        .chain(regressors)
        .filter(|n| has(n));
    std::iter::once("trend")
        .chain(wanted)
        .map(|name| ComponentFact {
            column: name.to_string(),
            percent: name != "trend" && !model.component_modes.is_additive(name),
            label: if name.starts_with("extra_regressors_") {
                regressor_label(model, name)
            } else {
                capitalized(name)
            },
        })
        .collect()
}

/// The components of `facts` with their values from `table` (a component the
/// table has no column of is left out).
pub fn select(table: &ForecastTable, facts: &[ComponentFact]) -> Vec<ComponentSeries> {
    facts
        .iter()
        .filter_map(|c| {
            let (_, values) = table.columns.iter().find(|(n, _)| *n == c.column)?;
            Some(ComponentSeries {
                column: c.column.clone(),
                label: c.label.clone(),
                percent: c.percent,
                values: values
                    .iter()
                    .map(|v| if c.percent { v * 100.0 } else { *v })
                    .collect(),
            })
        })
        .collect()
}

/// The components `model` has, in `plot_components`' order, with their
/// values from `table` (a component the table has no column of is left out).
pub fn components(table: &ForecastTable, model: &ProphetModel) -> Vec<ComponentSeries> {
    select(table, &component_facts(model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::OnDeviceModel;
    use serde_json::{json, Map, Value};

    /// Python Prophet's `predict` columns of a prophet-ext fixture as the
    /// endpoint answers them (pandas `to_json()`, rows keyed by index), and
    /// the fixture's model.
    fn answer_and_model(
        name: &str,
        artifact: &[u8],
        expected: &str,
    ) -> (ForecastTable, ProphetModel, Map<String, Value>) {
        let expected: Value = serde_json::from_str(expected).unwrap();
        let columns = expected["columns"].as_object().unwrap().clone();
        let rows = columns["yhat"].as_array().unwrap().len();
        let by_index = |values: Vec<Value>| -> Value {
            Value::Object(
                values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
            )
        };
        let mut body: Map<String, Value> = columns
            .iter()
            .map(|(k, v)| (k.clone(), by_index(v.as_array().unwrap().clone())))
            .collect();
        body.insert(
            "ds".into(),
            by_index((0..rows).map(|i| json!(i as u64 * 86_400_000)).collect()),
        );
        let table = ForecastTable::from_pandas_json(Value::Object(body).to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let model = OnDeviceModel::from_artifact(artifact).unwrap().model;
        (table, model, columns)
    }

    fn column(columns: &Map<String, Value>, name: &str) -> Vec<f64> {
        columns[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    }

    #[test]
    fn multiplicative_seasonality_in_percent_additive_holidays_in_kwh() {
        let (table, model, columns) = answer_and_model(
            "holidays_country",
            include_bytes!(
                "../../../../shared/fixtures/prophet-ext/models/holidays_country.tar.gz"
            ),
            include_str!("../../../../shared/fixtures/prophet-ext/expected/holidays_country.json"),
        );
        let shown = components(&table, &model);
        let names: Vec<(&str, &str, &str)> = shown
            .iter()
            .map(|c| (c.column.as_str(), c.label.as_str(), c.unit()))
            .collect();
        assert_eq!(
            names,
            [
                ("trend", "Trend", "kWh"),
                ("holidays", "Holidays", "kWh"),
                ("weekly", "Weekly", "%")
            ],
            "no yearly (too short a history), no single holidays, no *_terms, no bounds"
        );
        assert_eq!(shown[0].values, column(&columns, "trend"));
        assert_eq!(shown[1].values, column(&columns, "holidays"));
        let weekly: Vec<f64> = column(&columns, "weekly")
            .iter()
            .map(|v| v * 100.0)
            .collect();
        assert_eq!(shown[2].values, weekly);
    }

    #[test]
    fn regressors_by_mode_as_plot_components_groups_them() {
        let (table, model, columns) = answer_and_model(
            "temp_regressor",
            include_bytes!("../../../../shared/fixtures/prophet-ext/models/temp_regressor.tar.gz"),
            include_str!("../../../../shared/fixtures/prophet-ext/expected/temp_regressor.json"),
        );
        let shown = components(&table, &model);
        let names: Vec<(&str, &str, bool)> = shown
            .iter()
            .map(|c| (c.column.as_str(), c.label.as_str(), c.percent))
            .collect();
        assert_eq!(
            names,
            [
                ("trend", "Trend", false),
                ("weekly", "Weekly", false),
                (
                    "extra_regressors_additive",
                    "Regressors (temperature)",
                    false
                ),
                (
                    "extra_regressors_multiplicative",
                    "Regressors (heating)",
                    true
                ),
            ]
        );
        assert_eq!(
            shown[2].values,
            column(&columns, "extra_regressors_additive")
        );
        let heating: Vec<f64> = column(&columns, "extra_regressors_multiplicative")
            .iter()
            .map(|v| v * 100.0)
            .collect();
        assert_eq!(shown[3].values, heating);
    }

    #[test]
    fn the_device_forecast_keeps_the_same_columns() {
        let m = OnDeviceModel::from_artifact(include_bytes!(
            "../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz"
        ))
        .unwrap();
        let table = m.forecast(7, Some(1)).unwrap();
        let shown = components(&table, &m.model);
        assert_eq!(shown.len(), 1, "the seed model is trend only: {shown:?}");
        assert_eq!(
            (shown[0].column.as_str(), shown[0].values.len()),
            ("trend", 7)
        );
        assert!(shown[0].values.iter().all(|v| v.is_finite() && *v > 0.0));
    }
}
