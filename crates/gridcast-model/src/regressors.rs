//! Extra regressors (`add_regressor`): a column of the data entering the
//! model as one feature, standardized as Python Prophet standardizes it.

use serde::{Deserialize, Serialize};

use crate::config::Mode;

/// `add_regressor(standardize=...)`: `"auto"` (unless binary), true or false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Standardize {
    /// Standardize unless the column holds only 0 and 1.
    #[default]
    Auto,
    /// Always standardize (unless the column is constant).
    Yes,
    /// Never standardize.
    No,
}

impl Serialize for Standardize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Standardize::Auto => s.serialize_str("auto"),
            Standardize::Yes => s.serialize_bool(true),
            Standardize::No => s.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for Standardize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(true) => Ok(Standardize::Yes),
            serde_json::Value::Bool(false) => Ok(Standardize::No),
            serde_json::Value::String(s) if s == "auto" => Ok(Standardize::Auto),
            other => Err(serde::de::Error::custom(format!(
                "standardize: expected \"auto\", true or false, got {other}"
            ))),
        }
    }
}

/// One extra regressor of a model (an entry of Python's `extra_regressors`).
#[derive(Debug, Clone, PartialEq)]
pub struct Regressor {
    /// The column name (also the feature and component name).
    pub name: String,
    /// Prior scale of its coefficient.
    pub prior_scale: f64,
    /// Whether it was to be standardized.
    pub standardize: Standardize,
    /// Mean subtracted before fitting (0 when not standardized).
    pub mu: f64,
    /// Standard deviation divided by (1 when not standardized).
    pub std: f64,
    /// Additive or multiplicative.
    pub mode: Mode,
    /// Prophet 1.5's `regressor_predictor` arguments, kept verbatim (`null`
    /// when none). The nested model is not serialized, so future rows must
    /// carry the column either way.
    pub predictor_spec: serde_json::Value,
}

impl Regressor {
    /// The regressor as `add_regressor` records it, before the fit sets `mu`
    /// and `std`.
    pub fn new(name: &str, prior_scale: f64, standardize: Standardize, mode: Mode) -> Self {
        Self {
            name: name.into(),
            prior_scale,
            standardize,
            mu: 0.0,
            std: 1.0,
            mode,
            predictor_spec: serde_json::Value::Null,
        }
    }

    /// `initialize_scales` for this regressor: sets `mu` and `std` from the
    /// training values (mean and sample standard deviation) when it is to be
    /// standardized: never for a constant column, and under `"auto"` not for a
    /// column of only 0 and 1.
    pub fn initialize_scales(&mut self, values: &[f64]) {
        let mut distinct: Vec<f64> = values.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let standardize = match self.standardize {
            _ if distinct.len() < 2 => false,
            Standardize::Auto => distinct != [0.0, 1.0],
            Standardize::Yes => true,
            Standardize::No => false,
        };
        if standardize {
            let n = values.len() as f64;
            let mu = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (n - 1.0);
            self.mu = mu;
            self.std = var.sqrt();
        }
    }

    /// A raw value as the model sees it.
    pub fn standardized(&self, value: f64) -> f64 {
        (value - self.mu) / self.std
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardizes_like_pandas() {
        let mut r = Regressor::new("t", 10.0, Standardize::Auto, Mode::Additive);
        r.initialize_scales(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(r.mu, 2.5);
        assert!((r.std - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        let mut binary = Regressor::new("b", 10.0, Standardize::Auto, Mode::Additive);
        binary.initialize_scales(&[0.0, 1.0, 1.0]);
        assert_eq!((binary.mu, binary.std), (0.0, 1.0));
        let mut forced = Regressor::new("b", 10.0, Standardize::Yes, Mode::Additive);
        forced.initialize_scales(&[0.0, 1.0, 1.0]);
        assert!(forced.mu > 0.6);
        let mut constant = Regressor::new("c", 10.0, Standardize::Yes, Mode::Additive);
        constant.initialize_scales(&[5.0, 5.0]);
        assert_eq!((constant.mu, constant.std), (0.0, 1.0));
        let json =
            serde_json::to_string(&[Standardize::Auto, Standardize::Yes, Standardize::No]).unwrap();
        assert_eq!(json, r#"["auto",true,false]"#);
        assert!(serde_json::from_str::<Standardize>("\"sometimes\"").is_err());
    }
}
