//! [`ModelFacts`]: what the portal's views and workflow read of a customer's
//! model — its readings, training end, step, country, holidays, covariate
//! columns and components — taken from the unpacked model by the on-device
//! engine and kept beside the artifact, so the portal's first load carries no
//! model.json reader, archive reader or forecast (the engine is a second
//! wasm module, loaded when a download is checked or the device forecasts).

use gridcast_model::{prophet_year_list, HolidayTable};
use serde::{Deserialize, Serialize};

use crate::components::ComponentFact;
use crate::forecast::OnDeviceModel;
use crate::usage::Usage;

/// A model's facts, as the engine read them from its artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFacts {
    /// The training readings' times (Unix seconds).
    pub ds: Vec<i64>,
    /// Their values (`None` where missing).
    pub y: Vec<Option<f64>>,
    /// The last training timestamp.
    pub trained_through: Option<i64>,
    /// Seconds between readings ([`OnDeviceModel::step_seconds`]).
    pub step_seconds: i64,
    /// The country code of `add_country_holidays`, resolved.
    pub country: Option<String>,
    /// The holidays frame's days and names.
    pub holiday_frame: Vec<(i64, String)>,
    /// The holiday names the fit saw.
    pub train_holiday_names: Option<Vec<String>>,
    /// The columns a forecast needs future values of.
    pub future_value_columns: Vec<String>,
    /// The components a forecast of it shows, in `plot_components`' order.
    pub components: Vec<ComponentFact>,
}

impl ModelFacts {
    /// The facts of an unpacked model.
    pub fn of(m: &OnDeviceModel) -> Self {
        let model = &m.model;
        let h = &model.holidays;
        Self {
            ds: model.history.ds.clone(),
            y: model
                .history
                .y
                .iter()
                .map(|v| v.is_finite().then_some(*v))
                .collect(),
            trained_through: m.trained_through(),
            step_seconds: m.step_seconds(),
            country: h.country_code().map(str::to_owned),
            holiday_frame: h
                .frame
                .iter()
                .flatten()
                .map(|x| (x.ds, x.name.clone()))
                .collect(),
            train_holiday_names: h.train_names.clone(),
            future_value_columns: model.future_value_columns(),
            components: crate::components::component_facts(model),
        }
    }

    /// The facts as kept (JSON).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("facts serialize")
    }

    /// Facts kept by [`Self::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("kept model facts do not read: {e}"))
    }

    /// The consumption the model was trained on.
    pub fn usage(&self) -> Usage {
        Usage::new(
            self.ds.clone(),
            self.y.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
        )
    }

    /// How many model periods cover `days` days.
    pub fn periods_for_days(&self, days: u32) -> u32 {
        periods_for_days(self.step_seconds, days)
    }

    /// The model's holidays from `from` to `to` by day, for the chart's
    /// markers ([`OnDeviceModel::holiday_days`]).
    pub fn holiday_days(
        &self,
        table: Option<&HolidayTable>,
        from: i64,
        to: i64,
    ) -> Vec<(i64, String)> {
        holiday_days(
            self.holiday_frame.clone(),
            self.train_holiday_names.as_deref(),
            self.country.as_deref(),
            table,
            (from, to),
        )
    }
}

/// How many periods of `step_seconds` cover `days` days.
pub(crate) fn periods_for_days(step_seconds: i64, days: u32) -> u32 {
    let per_day = (86_400 / step_seconds.max(1)).max(1);
    days.saturating_mul(per_day as u32)
}

/// The holidays of `frame` and, with the kept `table` of `country`, the
/// country's, from `from` to `to` (inclusive) — only names the fit saw.
pub(crate) fn holiday_days(
    mut days: Vec<(i64, String)>,
    train_names: Option<&[String]>,
    country: Option<&str>,
    table: Option<&HolidayTable>,
    (from, to): (i64, i64),
) -> Vec<(i64, String)> {
    let seen = |name: &str| train_names.is_none_or(|n| n.iter().any(|s| s == name));
    if let Some(t) = table.filter(|t| Some(t.country()) == country) {
        let ends = prophet_year_list(&[from, to]);
        let (first, last) = (ends.iter().min(), ends.iter().max());
        let years: Vec<i32> = first
            .zip(last)
            .map(|(a, b)| (*a..=*b).collect())
            .unwrap_or_default();
        days.extend(
            t.holidays(&years)
                .unwrap_or_default()
                .into_iter()
                .map(|c| (c.ds, c.name)),
        );
    }
    days.retain(|(ds, name)| (from..=to).contains(ds) && seen(name));
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::{components, select};

    fn model(artifact: &[u8]) -> OnDeviceModel {
        OnDeviceModel::from_artifact(artifact).unwrap()
    }

    fn table(code: &str) -> HolidayTable {
        let path = format!(
            "{}/../gridcast-holidays/data/{code}.bin",
            env!("CARGO_MANIFEST_DIR")
        );
        HolidayTable::from_bytes(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Every fact the views read is the unpacked model's answer, through the
    /// kept JSON.
    #[test]
    fn kept_facts_answer_as_the_model_does() {
        let models: [&[u8]; 4] = [
            include_bytes!("../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz"),
            include_bytes!("../../../../shared/fixtures/prophet-ext/models/temp_regressor.tar.gz"),
            include_bytes!(
                "../../../../shared/fixtures/prophet-ext/models/holidays_country.tar.gz"
            ),
            include_bytes!("../tests/holidays/us_weather.tar.gz"),
        ];
        for artifact in models {
            let m = model(artifact);
            let facts = ModelFacts::from_json(&ModelFacts::of(&m).to_json()).unwrap();
            assert_eq!(facts, ModelFacts::of(&m));
            assert_eq!(facts.usage(), m.usage());
            assert_eq!(facts.trained_through, m.trained_through());
            for days in [1, 7, 90] {
                assert_eq!(facts.periods_for_days(days), m.periods_for_days(days));
            }
            assert_eq!(facts.future_value_columns, m.model.future_value_columns());
            assert_eq!(facts.country.as_deref(), m.model.holidays.country_code());
            let (from, to) = (facts.ds[0], facts.ds[facts.ds.len() - 1] + 400 * 86_400);
            for code in ["US", "DE", "CA"] {
                let t = table(code);
                assert_eq!(
                    facts.holiday_days(Some(&t), from, to),
                    m.holiday_days(Some(&t), from, to)
                );
            }
            assert_eq!(
                facts.holiday_days(None, from, to),
                m.holiday_days(None, from, to)
            );
            // A table with every column a component can come from.
            let names = [
                "trend",
                "holidays",
                "extra_regressors_additive",
                "extra_regressors_multiplicative",
            ];
            let seasonalities = m.model.seasonalities.iter().map(|s| s.name.as_str());
            let forecast = crate::ForecastTable {
                ds: vec![0, 86_400],
                columns: names
                    .into_iter()
                    .chain(seasonalities)
                    .map(|n| (n.to_owned(), vec![0.5, -2.0]))
                    .collect(),
                ..Default::default()
            };
            let shown = select(&forecast, &facts.components);
            assert!(!shown.is_empty());
            assert_eq!(shown, components(&forecast, &m.model));
        }
    }

    #[test]
    fn facts_that_do_not_read_are_named() {
        let e = ModelFacts::from_json(b"{\"ds\": [1]}").unwrap_err();
        assert!(e.starts_with("kept model facts do not read"), "{e}");
    }
}
