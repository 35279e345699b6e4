//! The prophet-ext reference cases (`../shared/fixtures/prophet-ext`):
//! holidays, country holidays, regressors, conditional seasonalities,
//! calendar frequencies, missing values, cap/floor columns, MCMC.

use std::path::PathBuf;

use gridcast_model::{
    parse_timestamp, read_artifact, read_model_json, ArtifactLimits, Frame, ProphetModel, Timestamp,
};
use serde_json::Value;

pub const EXT_CASES: &[&str] = &[
    "temp_regressor",
    "holidays_country",
    "conditional_winter",
    "monthly_start",
    "monthly_end",
    "weekly_sunday",
    "missing_gaps",
    "logistic_columns",
    "hourly_temp",
    "mcmc_small",
];

pub fn ext_fixtures() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing: expected them at {} (shared/ beside the repo)",
        dir.display()
    );
    dir
}

pub struct ExtCase {
    pub id: String,
    pub expected: Value,
    /// config/<id>.json as text (prophet.json).
    pub config: String,
    pub data: Frame,
    pub future: Frame,
    pub artifact: Vec<u8>,
}

impl ExtCase {
    pub fn load(id: &str) -> ExtCase {
        let dir = ext_fixtures();
        let read =
            |sub: &str, ext: &str| std::fs::read(dir.join(format!("{sub}/{id}.{ext}"))).unwrap();
        ExtCase {
            id: id.into(),
            expected: serde_json::from_slice(&read("expected", "json")).unwrap(),
            config: String::from_utf8(read("config", "json")).unwrap(),
            data: Frame::from_csv(&read("data", "csv")).unwrap(),
            future: Frame::from_csv(&read("future", "csv")).unwrap(),
            artifact: read("models", "tar.gz"),
        }
    }

    pub fn python_model(&self) -> ProphetModel {
        let artifact = read_artifact(&self.artifact, &ArtifactLimits::default()).unwrap();
        read_model_json(&artifact.model_json).unwrap_or_else(|e| panic!("{}: {e}", self.id))
    }

    pub fn model_json(&self) -> String {
        String::from_utf8(
            read_artifact(&self.artifact, &ArtifactLimits::default())
                .unwrap()
                .model_json,
        )
        .unwrap()
    }

    pub fn y_scale(&self) -> f64 {
        self.expected["y_scale"].as_f64().unwrap()
    }

    pub fn lp(&self) -> f64 {
        self.expected["lp"].as_f64().unwrap()
    }

    pub fn ds(&self) -> Vec<Timestamp> {
        self.expected["ds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| parse_timestamp(v.as_str().unwrap()).unwrap())
            .collect()
    }

    /// Python's output columns, in Python's order (without `ds`).
    pub fn column_names(&self) -> Vec<String> {
        self.expected["columns"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    pub fn column(&self, name: &str) -> Vec<f64> {
        self.expected["columns"][name]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no column {name}", self.id))
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect()
    }
}
