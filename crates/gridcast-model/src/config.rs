//! The fit configuration: Python Prophet's constructor arguments, by their
//! Python names, plus `add_seasonality` calls and a logistic `cap`.

use serde::{Deserialize, Serialize};

use crate::regressors::Standardize;
use crate::time::{parse_timestamp, Timestamp};

/// Trend model (`growth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Divide by max |y| (Prophet's default).
    #[default]
    Absmax,
    /// Subtract min y, divide by the range.
    Minmax,
}

impl<'de> Deserialize<'de> for Growth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const ALL: [Growth; 3] = [Growth::Linear, Growth::Logistic, Growth::Flat];
        unit_variant(d, "Growth", &["linear", "logistic", "flat"]).map(|i| ALL[i])
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const ALL: [Mode; 2] = [Mode::Additive, Mode::Multiplicative];
        unit_variant(d, "Mode", &["additive", "multiplicative"]).map(|i| ALL[i])
    }
}

impl<'de> Deserialize<'de> for Scaling {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const ALL: [Scaling; 2] = [Scaling::Absmax, Scaling::Minmax];
        unit_variant(d, "Scaling", &["absmax", "minmax"]).map(|i| ALL[i])
    }
}

/// The variant (its index in `variants`) of the unit-only enum `name`, read
/// as serde's derived `Deserialize` reads it (by name, `"linear"`, or as a
/// one-entry object, `{"linear": null}`), with the same errors: one reader
/// for [`Growth`], [`Mode`] and [`Scaling`] rather than a derived one each
/// (which the browser builds carried three times).
fn unit_variant<'de, D: serde::Deserializer<'de>>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
) -> Result<usize, D::Error> {
    use serde::de::{self, DeserializeSeed, EnumAccess, VariantAccess, Visitor};
    use std::fmt;

    #[derive(Clone, Copy)]
    struct Variants {
        name: &'static str,
        all: &'static [&'static str],
    }

    /// What an index out of range is told (`variant index 0 <= i < 3`).
    struct IndexRange(usize);

    impl de::Expected for IndexRange {
        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "variant index 0 <= i < {}", self.0)
        }
    }

    impl<'de> DeserializeSeed<'de> for Variants {
        type Value = usize;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_identifier(self)
        }
    }

    impl Variants {
        fn named<E: de::Error>(self, v: &str) -> Result<usize, E> {
            self.all
                .iter()
                .position(|n| *n == v)
                .ok_or_else(|| E::unknown_variant(v, self.all))
        }
    }

    impl<'de> Visitor<'de> for Variants {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("variant identifier")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
            match usize::try_from(v) {
                Ok(i) if i < self.all.len() => Ok(i),
                _ => Err(E::invalid_value(
                    de::Unexpected::Unsigned(v),
                    &IndexRange(self.all.len()),
                )),
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
            self.named(v)
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
            self.named(&String::from_utf8_lossy(v))
        }
    }

    /// The enum itself (`expected enum Growth`).
    struct Enum(Variants);

    impl<'de> Visitor<'de> for Enum {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "enum {}", self.0.name)
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
            let (index, variant) = data.variant_seed(self.0)?;
            variant.unit_variant()?;
            Ok(index)
        }
    }

    let v = Variants {
        name,
        all: variants,
    };
    d.deserialize_enum(name, variants, Enum(v))
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
        // A visitor rather than an untagged enum: no buffering of the value
        // (serde's `Content`), in the browser builds neither its code.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SeasonalitySetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"auto\", true, false or a Fourier order")
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(SeasonalitySetting::Enabled(b))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
                u32::try_from(n)
                    .map(SeasonalitySetting::Order)
                    .map_err(|_| E::custom(format!("Fourier order {n} is too large")))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s == "auto" {
                    Ok(SeasonalitySetting::Auto)
                } else {
                    Err(E::custom(format!(
                        "expected \"auto\", true, false or a Fourier order, got {s:?}"
                    )))
                }
            }
        }
        d.deserialize_any(V)
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
    /// A boolean column of the data (and of rows to forecast): the
    /// seasonality applies only where it is true.
    #[serde(default)]
    pub condition_name: Option<String>,
}

/// One row of the `holidays` frame, as a record: `{"holiday": ..., "ds":
/// "2022-12-25", "lower_window": 0, "upper_window": 1, "prior_scale": 5}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpec {
    /// The holiday's name.
    pub holiday: String,
    /// Its date.
    pub ds: String,
    /// Days before the date that count too (≤ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower_window: Option<i64>,
    /// Days after the date that count too (≥ 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_window: Option<i64>,
    /// Prior scale; defaults to `holidays_prior_scale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_scale: Option<f64>,
}

/// One `add_regressor(name, prior_scale, standardize, mode)` call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegressorSpec {
    /// The column name.
    pub name: String,
    /// Prior scale; defaults to `holidays_prior_scale`.
    #[serde(default)]
    pub prior_scale: Option<f64>,
    /// `"auto"` (default), true or false.
    #[serde(default)]
    pub standardize: Standardize,
    /// Mode; defaults to `seasonality_mode`.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// Python Prophet's constructor arguments (same names, same defaults), plus
/// what Prophet's methods add: `seasonalities` (`add_seasonality`),
/// `regressors` (`add_regressor`), `country_holidays`
/// (`add_country_holidays`), and `cap`/`floor` as constants for logistic
/// growth. Applied in Python's usual order: the constructor,
/// `add_country_holidays`, each `add_seasonality`, each `add_regressor`.
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
    /// `holidays`: the holidays frame, as records.
    pub holidays: Option<Vec<HolidaySpec>>,
    /// `holidays_prior_scale`.
    pub holidays_prior_scale: f64,
    /// `holidays_mode`; defaults to `seasonality_mode`.
    pub holidays_mode: Option<Mode>,
    /// `mcmc_samples`: only 0 (gridcast fits MAP estimates).
    pub mcmc_samples: u32,
    /// `interval_width`.
    pub interval_width: f64,
    /// `uncertainty_samples`.
    pub uncertainty_samples: u32,
    /// `scaling`.
    pub scaling: Scaling,
    /// `add_seasonality` calls, in order.
    pub seasonalities: Vec<SeasonalitySpec>,
    /// `add_country_holidays(country_name)`.
    pub country_holidays: Option<String>,
    /// `add_regressor` calls, in order.
    pub regressors: Vec<RegressorSpec>,
    /// Constant capacity for logistic growth (instead of a `cap` column).
    pub cap: Option<f64>,
    /// Constant floor for logistic growth (instead of a `floor` column).
    pub floor: Option<f64>,
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
            holidays: None,
            holidays_prior_scale: 10.0,
            holidays_mode: None,
            mcmc_samples: 0,
            interval_width: 0.8,
            uncertainty_samples: 1000,
            scaling: Scaling::Absmax,
            seasonalities: Vec::new(),
            country_holidays: None,
            regressors: Vec::new(),
            cap: None,
            floor: None,
        }
    }
}

impl ProphetConfig {
    /// The arguments that made `model`, to fit it again on more readings the
    /// way Python would with the same arguments. `cap` and `floor` become
    /// constants when the history's are constant (else the rows must carry
    /// them). Explicit changepoints and MCMC models cannot be carried over and
    /// are an error.
    pub fn from_model(model: &crate::ProphetModel) -> Result<Self, ConfigError> {
        let s = &model.settings;
        if s.specified_changepoints {
            return Err(bad(
                "changepoints",
                "were given explicitly; refit with a config that names them",
            ));
        }
        if s.mcmc_samples > 0 {
            return Err(bad(
                "mcmc_samples",
                "the model was sampled with MCMC; gridcast fits MAP estimates only",
            ));
        }
        Ok(Self::arguments_of(model))
    }

    /// The arguments of `model` as [`ProphetConfig::from_model`] carries them
    /// over, without its checks (explicit changepoints are left out).
    pub(crate) fn arguments_of(model: &crate::ProphetModel) -> Self {
        let s = &model.settings;
        let seasonalities = model
            .seasonalities
            .iter()
            .filter(|x| !matches!(x.name.as_str(), "yearly" | "weekly" | "daily"))
            .map(|x| SeasonalitySpec {
                name: x.name.clone(),
                period: x.period,
                fourier_order: x.fourier_order,
                prior_scale: Some(x.prior_scale),
                mode: Some(x.mode),
                condition_name: x.condition_name.clone(),
            })
            .collect();
        let holidays = model.holidays.frame.as_ref().map(|rows| {
            rows.iter()
                .map(|h| HolidaySpec {
                    holiday: h.name.clone(),
                    ds: crate::time::format_csv(h.ds),
                    lower_window: h.lower_window,
                    upper_window: h.upper_window,
                    prior_scale: h.prior_scale.filter(|p| !p.is_nan()),
                })
                .collect()
        });
        let regressors = model
            .extra_regressors
            .iter()
            .map(|r| RegressorSpec {
                name: r.name.clone(),
                prior_scale: Some(r.prior_scale),
                standardize: r.standardize,
                mode: Some(r.mode),
            })
            .collect();
        let constant = |v: Option<&Vec<f64>>| {
            v.and_then(|v| {
                let first = *v.first()?;
                v.iter().all(|x| *x == first).then_some(first)
            })
        };
        let logistic = s.growth == Growth::Logistic;
        Self {
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
            holidays,
            holidays_prior_scale: s.holidays_prior_scale,
            holidays_mode: Some(s.holidays_mode),
            mcmc_samples: 0,
            interval_width: s.interval_width,
            uncertainty_samples: s.uncertainty_samples,
            scaling: s.scaling,
            seasonalities,
            country_holidays: model.holidays.country.clone(),
            regressors,
            cap: if logistic {
                constant(model.history.cap.as_ref())
            } else {
                None
            },
            floor: if model.logistic_floor {
                constant(Some(&model.history.floor))
            } else {
                None
            },
        }
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

fn positive(name: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(name, format!("must be a positive number, got {v}")))
    }
}

fn bad(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Names Prophet reserves for its own columns (`validate_column_name`), also
/// with `_lower` and `_upper` appended.
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
];

/// Names of the frame's own columns, also reserved.
const FRAME_COLUMNS: &[&str] = &["ds", "y", "cap", "floor", "y_scaled", "cap_scaled"];

fn is_reserved(name: &str) -> bool {
    let base = name
        .strip_suffix("_lower")
        .or_else(|| name.strip_suffix("_upper"))
        .unwrap_or(name);
    RESERVED.contains(&name) || RESERVED.contains(&base) || FRAME_COLUMNS.contains(&name)
}

/// Python's `validate_column_name` (without the checks against other names).
fn check_name(field: &str, name: &str) -> Result<(), ConfigError> {
    if name.is_empty() || name.contains("_delim_") {
        return Err(bad(
            field,
            format!("name {name:?} is empty or contains \"_delim_\""),
        ));
    }
    if is_reserved(name) {
        return Err(bad(field, format!("name {name:?} is reserved")));
    }
    Ok(())
}

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
        if self.mcmc_samples > 0 {
            return Err(bad(
                "mcmc_samples",
                format!(
                    "is {}, but gridcast fits MAP estimates only: remove it (MCMC models made by \
                     Python Prophet forecast as they are)",
                    self.mcmc_samples
                ),
            ));
        }
        positive("seasonality_prior_scale", self.seasonality_prior_scale)?;
        positive("changepoint_prior_scale", self.changepoint_prior_scale)?;
        positive("holidays_prior_scale", self.holidays_prior_scale)?;
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
        self.validate_capacity()?;
        self.changepoint_dates()?;
        let holiday_names = self.validate_holidays()?;
        let seasonality_names = self.validate_seasonalities(&holiday_names)?;
        self.validate_regressors(&holiday_names, &seasonality_names)?;
        Ok(())
    }

    /// `cap` and `floor` constants: logistic growth only, floor below cap.
    fn validate_capacity(&self) -> Result<(), ConfigError> {
        let logistic = self.growth == Growth::Logistic;
        for (name, value) in [("cap", self.cap), ("floor", self.floor)] {
            match value {
                Some(_) if !logistic => {
                    return Err(bad(name, "is only used with growth \"logistic\""))
                }
                Some(v) if !v.is_finite() => {
                    return Err(bad(name, format!("must be a finite number, got {v}")))
                }
                _ => {}
            }
        }
        if let (Some(cap), Some(floor)) = (self.cap, self.floor) {
            if cap <= floor {
                return Err(bad(
                    "cap",
                    format!("{cap} must be greater than floor {floor}"),
                ));
            }
        } else if let (Some(cap), None) = (self.cap, self.floor) {
            if cap <= 0.0 && self.scaling == Scaling::Absmax {
                return Err(bad(
                    "cap",
                    format!("{cap} must be greater than floor (which defaults to 0)"),
                ));
            }
        }
        Ok(())
    }

    /// The holidays frame's records; returns every holiday name the model
    /// will have (the frame's and the country's).
    fn validate_holidays(&self) -> Result<Vec<String>, ConfigError> {
        let mut names: Vec<String> = Vec::new();
        for (i, h) in self.holidays.iter().flatten().enumerate() {
            let field = format!("holidays[{i}]");
            check_name(&format!("{field}.holiday"), &h.holiday)?;
            parse_timestamp(&h.ds)
                .ok_or_else(|| bad(format!("{field}.ds"), format!("{:?} is not a date", h.ds)))?;
            match (h.lower_window, h.upper_window) {
                (Some(l), _) if l > 0 => {
                    return Err(bad(
                        format!("{field}.lower_window"),
                        format!("must be <= 0, got {l}"),
                    ))
                }
                (_, Some(u)) if u < 0 => {
                    return Err(bad(
                        format!("{field}.upper_window"),
                        format!("must be >= 0, got {u}"),
                    ))
                }
                (Some(_), None) | (None, Some(_)) => {
                    return Err(bad(
                        field,
                        "needs both lower_window and upper_window, or neither",
                    ))
                }
                _ => {}
            }
            if let Some(p) = h.prior_scale {
                positive(&format!("{field}.prior_scale"), p)?;
            }
            if !names.contains(&h.holiday) {
                names.push(h.holiday.clone());
            }
        }
        if let Some(country) = &self.country_holidays {
            let country_names = crate::holidays::country_holiday_names(country)
                .map_err(|e| bad("country_holidays", e.to_string()))?;
            for name in country_names.into_iter().flatten() {
                check_name("country_holidays", &name)?;
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        Ok(names)
    }

    /// `add_seasonality` calls; returns their names.
    fn validate_seasonalities(&self, holidays: &[String]) -> Result<Vec<String>, ConfigError> {
        let mut seen: Vec<String> = Vec::new();
        for (i, s) in self.seasonalities.iter().enumerate() {
            let field = format!("seasonalities[{i}]");
            if !matches!(s.name.as_str(), "daily" | "weekly" | "yearly") {
                check_name(&field, &s.name)?;
            }
            if holidays.contains(&s.name) {
                return Err(bad(field, format!("name {:?} is a holiday's", s.name)));
            }
            if seen.contains(&s.name) {
                return Err(bad(field, format!("name {:?} is used twice", s.name)));
            }
            positive(&format!("{field}.period"), s.period)?;
            if s.fourier_order == 0 {
                return Err(bad(format!("{field}.fourier_order"), "must be at least 1"));
            }
            if let Some(p) = s.prior_scale {
                positive(&format!("{field}.prior_scale"), p)?;
            }
            seen.push(s.name.clone());
        }
        for (i, s) in self.seasonalities.iter().enumerate() {
            if let Some(c) = &s.condition_name {
                let field = format!("seasonalities[{i}].condition_name");
                check_name(&field, c)?;
                if holidays.contains(c) || seen.contains(c) {
                    return Err(bad(
                        field,
                        format!("{c:?} is already a holiday's or a seasonality's name"),
                    ));
                }
                if self.regressors.iter().any(|r| &r.name == c) {
                    return Err(bad(field, format!("{c:?} is already a regressor's name")));
                }
            }
        }
        Ok(seen)
    }

    /// `add_regressor` calls.
    fn validate_regressors(
        &self,
        holidays: &[String],
        seasonalities: &[String],
    ) -> Result<(), ConfigError> {
        for (i, r) in self.regressors.iter().enumerate() {
            let field = format!("regressors[{i}]");
            check_name(&field, &r.name)?;
            if holidays.contains(&r.name) || seasonalities.contains(&r.name) {
                return Err(bad(
                    field,
                    format!(
                        "name {:?} is already a holiday's or a seasonality's",
                        r.name
                    ),
                ));
            }
            if self.regressors[..i].iter().any(|x| x.name == r.name) {
                return Err(bad(field, format!("name {:?} is used twice", r.name)));
            }
            if let Some(p) = r.prior_scale {
                positive(&format!("{field}.prior_scale"), p)?;
            }
        }
        Ok(())
    }

    /// `frame` with the constant `cap` and `floor` as columns (as fit applies
    /// them; apply them to held-out rows before scoring them too). A column
    /// the frame already has must hold that constant.
    pub fn with_constants<'a>(
        &self,
        frame: &'a crate::Frame,
    ) -> Result<std::borrow::Cow<'a, crate::Frame>, crate::FrameError> {
        use std::borrow::Cow;
        let mut out = Cow::Borrowed(frame);
        for (name, constant) in [("cap", self.cap), ("floor", self.floor)] {
            let Some(value) = constant else { continue };
            let column = if name == "cap" {
                &frame.cap
            } else {
                &frame.floor
            };
            match column {
                Some(values) if values.iter().all(|v| *v == value) => {}
                Some(_) => {
                    return Err(crate::FrameError::ColumnAndConstant {
                        column: name.into(),
                    })
                }
                None => {
                    let filled = Some(vec![value; frame.len()]);
                    let f = out.to_mut();
                    if name == "cap" {
                        f.cap = filled;
                    } else {
                        f.floor = filled;
                    }
                }
            }
        }
        Ok(out)
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
        let err = ProphetConfig::from_json(r#"{"cap": 100}"#).unwrap_err();
        assert_eq!(err.field, "cap");
        let err = ProphetConfig::from_json(r#"{"growth": "logistic", "cap": 5, "floor": 6}"#)
            .unwrap_err();
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

    #[test]
    fn takes_holidays_regressors_and_conditions() {
        let cfg = ProphetConfig::from_json(
            r#"{"holidays": [{"holiday": "maintenance", "ds": "2022-03-15", "lower_window": -1,
                              "upper_window": 2, "prior_scale": 5}],
                "holidays_mode": "additive", "holidays_prior_scale": 2,
                "regressors": [{"name": "temperature"},
                               {"name": "heating", "prior_scale": 0.5, "standardize": false,
                                "mode": "multiplicative"}],
                "seasonalities": [{"name": "weekly_winter", "period": 7, "fourier_order": 3,
                                   "condition_name": "winter"}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.holidays.as_ref().unwrap()[0].lower_window, Some(-1));
        assert_eq!(cfg.regressors[1].standardize, Standardize::No);
        assert_eq!(
            cfg.seasonalities[0].condition_name.as_deref(),
            Some("winter")
        );
        for (text, field) in [
            (r#"{"mcmc_samples": 60}"#, "mcmc_samples"),
            (
                r#"{"holidays": [{"holiday": "h", "ds": "2022-01-01", "lower_window": 1, "upper_window": 1}]}"#,
                "holidays[0].lower_window",
            ),
            (
                r#"{"holidays": [{"holiday": "h", "ds": "2022-01-01", "lower_window": 0}]}"#,
                "holidays[0]",
            ),
            (
                r#"{"holidays": [{"holiday": "h", "ds": "someday"}]}"#,
                "holidays[0].ds",
            ),
            (
                r#"{"holidays": [{"holiday": "yhat_lower", "ds": "2022-01-01"}]}"#,
                "holidays[0].holiday",
            ),
            (
                r#"{"holidays": [{"holiday": "h", "ds": "2022-01-01"}], "regressors": [{"name": "h"}]}"#,
                "regressors[0]",
            ),
            (
                r#"{"regressors": [{"name": "x"}, {"name": "x"}]}"#,
                "regressors[1]",
            ),
            (r#"{"regressors": [{"name": "cap"}]}"#, "regressors[0]"),
            (
                r#"{"regressors": [{"name": "x", "prior_scale": 0}]}"#,
                "regressors[0].prior_scale",
            ),
            (
                r#"{"regressors": [{"name": "w"}], "seasonalities": [{"name": "s", "period": 7, "fourier_order": 1, "condition_name": "w"}]}"#,
                "seasonalities[0].condition_name",
            ),
            (r#"{"floor": 3}"#, "floor"),
        ] {
            let err = ProphetConfig::from_json(text).unwrap_err();
            assert_eq!(err.field, field, "{text}: {err}");
        }
    }

    /// serde's derived readers of the three enums, the oracle of `unit_variant`.
    mod derived {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Growth {
            Linear,
            Logistic,
            Flat,
        }

        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Mode {
            Additive,
            Multiplicative,
        }

        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Scaling {
            Absmax,
            Minmax,
        }
    }

    fn both<Ours, Derived>(text: &str) -> (Result<String, String>, Result<String, String>)
    where
        Ours: serde::de::DeserializeOwned + std::fmt::Debug,
        Derived: serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let show = |r: Result<String, serde_json::Error>| r.map_err(|e| e.to_string());
        let ours = show(serde_json::from_str::<Ours>(text).map(|v| format!("{v:?}")));
        let derived = show(serde_json::from_str::<Derived>(text).map(|v| format!("{v:?}")));
        // Through serde_json's `Value` deserializer as well (its own enum access).
        let value: Result<serde_json::Value, _> = serde_json::from_str(text);
        if let Ok(value) = value {
            let via = |r: Result<String, serde_json::Error>| r.map_err(|e| e.to_string());
            assert_eq!(
                via(serde_json::from_value::<Ours>(value.clone()).map(|v| format!("{v:?}"))),
                via(serde_json::from_value::<Derived>(value).map(|v| format!("{v:?}"))),
                "{text} as a Value"
            );
        }
        (ours, derived)
    }

    #[test]
    fn growth_mode_and_scaling_read_as_their_derived_readers_read_them() {
        let texts = [
            r#""linear""#,
            r#""logistic""#,
            r#""flat""#,
            r#""additive""#,
            r#""multiplicative""#,
            r#""absmax""#,
            r#""minmax""#,
            r#""Linear""#,
            r#""x""#,
            r#""""#,
            "0",
            "1",
            "2",
            "3",
            "-1",
            "1.5",
            "null",
            "true",
            "[]",
            r#"["linear"]"#,
            "{}",
            r#"{"linear": null}"#,
            r#"{"additive": null}"#,
            r#"{"minmax": null}"#,
            r#"{"linear": 1}"#,
            r#"{"x": null}"#,
            r#"{"linear": null, "flat": null}"#,
            r#"{"linear": []}"#,
            r#""lin\u0065ar""#,
            "",
            r#""linear" x"#,
            r#"{"linear""#,
        ];
        let mut accepted = 0;
        for text in texts {
            let (ours, derived) = both::<Growth, derived::Growth>(text);
            accepted += usize::from(ours.is_ok());
            assert_eq!(ours, derived, "Growth {text}");
            let (ours, derived) = both::<Mode, derived::Mode>(text);
            accepted += usize::from(ours.is_ok());
            assert_eq!(ours, derived, "Mode {text}");
            let (ours, derived) = both::<Scaling, derived::Scaling>(text);
            accepted += usize::from(ours.is_ok());
            assert_eq!(ours, derived, "Scaling {text}");
        }
        assert_eq!(
            accepted, 11,
            "7 names, 3 one-entry objects, the escaped name"
        );
    }
}
