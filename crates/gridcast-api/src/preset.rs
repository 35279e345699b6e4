//! Named presets: a generated dataset and the Prophet arguments made for it,
//! by one name everywhere (`generate --preset`, `train --preset`, `fit
//! --preset`, the preview's model choice).

use std::fmt;
use std::str::FromStr;

use gridcast_model::{ProphetConfig, RegressorSpec, SeasonalitySetting};

/// A preset (serialized by its [`Preset::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Python Prophet's defaults (trend and the seasonalities it switches on).
    Default,
    /// The seed's: trend only, multiplicative, holdout 7; its dataset is
    /// 1,000 customers of daily 2022.
    Seed,
    /// Temperature-driven consumption: a `temperature` regressor, weekly
    /// seasonality and [`Preset::WEATHER_COUNTRY`]'s holidays (temperature
    /// carries the yearly cycle); its dataset adds the `temperature` column.
    Weather,
}

/// A name that is no preset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown preset {0:?}: use default (Prophet's defaults), seed (trend only, multiplicative, as the seed) or weather (temperature regressor, weekly cycle, holidays)")]
pub struct PresetError(pub String);

impl Preset {
    /// Every preset, in the order a menu shows them.
    pub const ALL: [Preset; 3] = [Preset::Default, Preset::Seed, Preset::Weather];

    /// The country whose holidays the weather preset fits (and its dataset follows).
    pub const WEATHER_COUNTRY: &'static str = "US";

    /// The regressor column of the weather preset.
    pub const TEMPERATURE: &'static str = "temperature";

    /// The name (`default`, `seed`, `weather`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Default => "default",
            Preset::Seed => "seed",
            Preset::Weather => "weather",
        }
    }

    /// For a menu.
    pub fn describe(self) -> &'static str {
        match self {
            Preset::Default => "Prophet defaults (trend and seasonalities)",
            Preset::Seed => "Trend only, multiplicative (as the seed)",
            Preset::Weather => "Temperature, weekly cycle and US holidays",
        }
    }

    /// Prophet's arguments.
    pub fn config(self) -> ProphetConfig {
        match self {
            Preset::Default => ProphetConfig::default(),
            Preset::Seed => ProphetConfig::seed(),
            Preset::Weather => ProphetConfig {
                yearly_seasonality: SeasonalitySetting::Enabled(false),
                weekly_seasonality: SeasonalitySetting::Enabled(true),
                daily_seasonality: SeasonalitySetting::Enabled(false),
                country_holidays: Some(Self::WEATHER_COUNTRY.into()),
                regressors: vec![RegressorSpec {
                    name: Self::TEMPERATURE.into(),
                    prior_scale: None,
                    standardize: Default::default(),
                    mode: None,
                }],
                ..ProphetConfig::default()
            },
        }
    }

    /// Rows held out and scored when training with this preset.
    pub fn holdout(self) -> usize {
        match self {
            Preset::Default => 0,
            Preset::Seed | Preset::Weather => 7,
        }
    }
}

impl FromStr for Preset {
    type Err = PresetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s.trim())
            .ok_or_else(|| PresetError(s.chars().take(40).collect()))
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_configs_validate() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
            p.config().validate().unwrap();
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.name()));
        }
        assert_eq!(Preset::Seed.config(), ProphetConfig::seed());
        let weather = Preset::Weather.config();
        assert_eq!(weather.regressors[0].name, "temperature");
        assert_eq!(weather.country_holidays.as_deref(), Some("US"));
        assert!("seeds".parse::<Preset>().unwrap_err().to_string().contains("weather"));
    }
}
