//! The fit configuration: Python Prophet's constructor arguments, by their
//! Python names, plus `add_seasonality` calls and a logistic `cap`.

use serde::{Deserialize, Serialize};

use crate::time::{parse_timestamp, Timestamp};

/// Trend model (`growth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Growth {
    /// Piecewise linear (Prophet's default).
    #[default]
    Linear,
    /// Piecewise logistic with a capacity.
    Logistic,
    /// Constant level.
    Flat,
}

/// How a seasonality combines with the trend (`seasonality_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Added to the trend.
    #[default]
    Additive,
    /// Scales the trend.
    Multiplicative,
}

impl Mode {
    /// Python's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Additive => "additive",
            Mode::Multiplicative => "multiplicative",
        }
    }
}

/// How `y` is scaled before fitting (`scaling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Divide by max |y| (Prophet's default).
    #[default]
    Absmax,
    /// Subtract min y, divide by the range.
    Minmax,
}

/// `yearly_seasonality` and friends: `"auto"`, `true`/`false`, or a Fourier order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeasonalitySetting {
    /// On when the history is long and dense enough.
    #[default]
    Auto,
    /// On with the default order, or off.
    Enabled(bool),
    /// On with this Fourier order (0 means off).
    Order(u32),
}

impl Serialize for SeasonalitySetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SeasonalitySetting::Auto => s.serialize_str("auto"),
            SeasonalitySetting::Enabled(b) => s.serialize_bool(*b),
            SeasonalitySetting::Order(n) => s.serialize_u32(*n),
        }
    }
}

impl<'de> Deserialize<'de> for SeasonalitySetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Int(u32),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(b) => Ok(SeasonalitySetting::Enabled(b)),
            Raw::Int(n) => Ok(SeasonalitySetting::Order(n)),
            Raw::Str(s) if s == "auto" => Ok(SeasonalitySetting::Auto),
            Raw::Str(s) => Err(serde::de::Error::custom(format!(
                "expected \"auto\", true, false or a Fourier order, got {s:?}"
            ))),
        }
    }
}

/// One `add_seasonality(name, period, fourier_order, prior_scale, mode)` call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeasonalitySpec {
    /// Component name (also its column prefix).
    pub name: String,
    /// Period in days.
    pub period: f64,
    /// Number of Fourier pairs.
    pub fourier_order: u32,
    /// Prior scale; defaults to `seasonality_prior_scale`.
    #[serde(default)]
    pub prior_scale: Option<f64>,
    /// Mode; defaults to `seasonality_mode`.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// Python Prophet's constructor arguments (same names, same defaults), plus
/// custom seasonalities and the logistic capacity.
///
/// ```
/// let cfg: gridcast_model::ProphetConfig = serde_json::from_str(
///     r#"{"growth": "logistic", "cap": 1500, "seasonality_mode": "multiplicative",
///         "seasonalities": [{"name": "monthly", "period": 30.5, "fourier_order": 5}]}"#,
/// ).unwrap();
/// cfg.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProphetConfig {
    /// `growth`.
    pub growth: Growth,
    /// `changepoints`: explicit changepoint dates.
    pub changepoints: Option<Vec<String>>,
    /// `n_changepoints`.
    pub n_changepoints: u32,
    /// `changepoint_range`.
    pub changepoint_range: f64,
    /// `yearly_seasonality`.
    pub yearly_seasonality: SeasonalitySetting,
    /// `weekly_seasonality`.
    pub weekly_seasonality: SeasonalitySetting,
    /// `daily_seasonality`.
    pub daily_seasonality: SeasonalitySetting,
    /// `seasonality_mode`.
    pub seasonality_mode: Mode,
    /// `seasonality_prior_scale`.
    pub seasonality_prior_scale: f64,
    /// `changepoint_prior_scale`.
    pub changepoint_prior_scale: f64,
    /// `interval_width`.
    pub interval_width: f64,
    /// `uncertainty_samples`.
    pub uncertainty_samples: u32,
    /// `scaling`.
    pub scaling: Scaling,
    /// `add_seasonality` calls, in order.
    pub seasonalities: Vec<SeasonalitySpec>,
    /// Constant capacity for logistic growth.
    pub cap: Option<f64>,
}

impl Default for ProphetConfig {
    fn default() -> Self {
        Self {
            growth: Growth::Linear,
            changepoints: None,
            n_changepoints: 25,
            changepoint_range: 0.8,
            yearly_seasonality: SeasonalitySetting::Auto,
            weekly_seasonality: SeasonalitySetting::Auto,
            daily_seasonality: SeasonalitySetting::Auto,
            seasonality_mode: Mode::Additive,
            seasonality_prior_scale: 10.0,
            changepoint_prior_scale: 0.05,
            interval_width: 0.8,
            uncertainty_samples: 1000,
            scaling: Scaling::Absmax,
            seasonalities: Vec::new(),
            cap: None,
        }
    }
}

impl ProphetConfig {
    /// The constructor arguments (and `add_seasonality` calls) that made
    /// `model`, to fit it again on more readings the way Python would with
    /// the same arguments. Explicit changepoints and conditional
    /// seasonalities cannot be carried over and are an error.
    pub fn from_model(model: &crate::ProphetModel) -> Result<Self, ConfigError> {
        let s = &model.settings;
        if s.specified_changepoints {
            return Err(bad(
                "changepoints",
                "were given explicitly; refit with a config that names them",
            ));
        }
        let seasonalities = model
            .seasonalities
            .iter()
            .filter(|x| !matches!(x.name.as_str(), "yearly" | "weekly" | "daily"))
            .map(|x| match &x.condition_name {
                Some(c) => Err(bad(
                    "seasonalities",
                    format!(
                        "{}: conditional on {c}, which a refit cannot supply",
                        x.name
                    ),
                )),
                None => Ok(SeasonalitySpec {
                    name: x.name.clone(),
                    period: x.period,
                    fourier_order: x.fourier_order,
                    prior_scale: Some(x.prior_scale),
                    mode: Some(x.mode),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            growth: s.growth,
            changepoints: None,
            n_changepoints: s.n_changepoints,
            changepoint_range: s.changepoint_range,
            yearly_seasonality: s.yearly_seasonality,
            weekly_seasonality: s.weekly_seasonality,
            daily_seasonality: s.daily_seasonality,
            seasonality_mode: s.seasonality_mode,
            seasonality_prior_scale: s.seasonality_prior_scale,
            changepoint_prior_scale: s.changepoint_prior_scale,
            interval_width: s.interval_width,
            uncertainty_samples: s.uncertainty_samples,
            scaling: s.scaling,
            seasonalities,
            cap: model.history.cap.as_ref().and_then(|c| c.last().copied()),
        })
    }
}

/// A configuration value outside what Prophet accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid Prophet config: `{field}` {problem}")]
pub struct ConfigError {
    /// The offending argument, by its Python name.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn bad(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Names Prophet reserves for its own columns.
const RESERVED: &[&str] = &[
    "trend",
    "additive_terms",
    "daily",
    "weekly",
    "yearly",
    "holidays",
    "zeros",
    "extra_regressors_additive",
    "yhat",
    "extra_regressors_multiplicative",
    "multiplicative_terms",
    "ds",
    "y",
    "cap",
    "floor",
    "y_scaled",
    "cap_scaled",
];

impl ProphetConfig {
    /// The seed's configuration: trend only, multiplicative.
    pub fn seed() -> Self {
        Self {
            seasonality_mode: Mode::Multiplicative,
            yearly_seasonality: SeasonalitySetting::Enabled(false),
            weekly_seasonality: SeasonalitySetting::Enabled(false),
            daily_seasonality: SeasonalitySetting::Enabled(false),
            ..Self::default()
        }
    }

    /// Parses a JSON config whose keys are exactly Prophet's argument names.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let cfg: Self = serde_json::from_str(text).map_err(|e| bad("<file>", e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every value against Prophet's own rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(bad(name, format!("must be a positive number, got {v}")))
            }
        };
        positive("seasonality_prior_scale", self.seasonality_prior_scale)?;
        positive("changepoint_prior_scale", self.changepoint_prior_scale)?;
        if !(0.0..=1.0).contains(&self.changepoint_range) {
            return Err(bad(
                "changepoint_range",
                format!("must be in [0, 1], got {}", self.changepoint_range),
            ));
        }
        if !(self.interval_width > 0.0 && self.interval_width < 1.0) {
            return Err(bad(
                "interval_width",
                format!("must be in (0, 1), got {}", self.interval_width),
            ));
        }
        match (self.growth, self.cap) {
            (Growth::Logistic, None) => return Err(bad("cap", "is required for logistic growth")),
            (Growth::Logistic, Some(c)) => positive("cap", c)?,
            (_, Some(_)) => return Err(bad("cap", "is only used with growth \"logistic\"")),
            _ => {}
        }
        self.changepoint_dates()?;
        let mut seen = std::collections::HashSet::new();
        for (i, s) in self.seasonalities.iter().enumerate() {
            let field = format!("seasonalities[{i}]");
            if s.name.is_empty() || s.name.contains("_delim_") {
                return Err(bad(
                    field,
                    format!("name {:?} is empty or contains \"_delim_\"", s.name),
                ));
            }
            if RESERVED.contains(&s.name.as_str())
                && !matches!(s.name.as_str(), "daily" | "weekly" | "yearly")
            {
                return Err(bad(field, format!("name {:?} is reserved", s.name)));
            }
            if !seen.insert(s.name.clone()) {
                return Err(bad(field, format!("name {:?} is used twice", s.name)));
            }
            positive(&format!("{field}.period"), s.period)?;
            if s.fourier_order == 0 {
                return Err(bad(format!("{field}.fourier_order"), "must be at least 1"));
            }
            if let Some(p) = s.prior_scale {
                positive(&format!("{field}.prior_scale"), p)?;
            }
        }
        Ok(())
    }

    /// The explicit changepoints, parsed.
    pub fn changepoint_dates(&self) -> Result<Option<Vec<Timestamp>>, ConfigError> {
        self.changepoints
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|s| {
                        parse_timestamp(s)
                            .ok_or_else(|| bad("changepoints", format!("{s:?} is not a date")))
                    })
                    .collect()
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_python_names_and_defaults() {
        let cfg = ProphetConfig::from_json(
            r#"{"growth": "logistic", "cap": 1500, "seasonality_mode": "multiplicative",
                "yearly_seasonality": false, "weekly_seasonality": 5, "daily_seasonality": "auto",
                "seasonalities": [{"name": "monthly", "period": 30.5, "fourier_order": 5}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.growth, Growth::Logistic);
        assert_eq!(cfg.cap, Some(1500.0));
        assert_eq!(cfg.yearly_seasonality, SeasonalitySetting::Enabled(false));
        assert_eq!(cfg.weekly_seasonality, SeasonalitySetting::Order(5));
        assert_eq!(cfg.n_changepoints, 25);
        assert_eq!(cfg.seasonalities[0].period, 30.5);
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let err = ProphetConfig::from_json(r#"{"growht": "linear"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `growht`"), "{err}");
        let err = ProphetConfig::from_json(r#"{"growth": "logistic"}"#).unwrap_err();
        assert_eq!(err.field, "cap");
        let err = ProphetConfig::from_json(r#"{"changepoint_range": 1.5}"#).unwrap_err();
        assert_eq!(err.field, "changepoint_range");
        let err = ProphetConfig::from_json(r#"{"yearly_seasonality": "sometimes"}"#).unwrap_err();
        assert!(err.to_string().contains("sometimes"), "{err}");
        let err = ProphetConfig::from_json(
            r#"{"seasonalities": [{"name": "trend", "period": 3, "fourier_order": 1}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.field, "seasonalities[0]");
        let err =
            ProphetConfig::from_json(r#"{"changepoints": ["2022-01-01", "soon"]}"#).unwrap_err();
        assert_eq!(err.field, "changepoints");
    }
}
