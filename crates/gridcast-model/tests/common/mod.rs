//! Loads the Python Prophet reference cases from `../shared/fixtures/prophet`.
#![allow(dead_code)]

pub mod band;
pub mod ext;

use std::path::PathBuf;

use gridcast_model::{parse_timestamp, Frame, ProphetConfig, SeasonalitySpec, Timestamp};
use serde_json::Value;

pub const CASES: &[&str] = &[
    "seed_trend_only",
    "daily_auto",
    "hourly_mult",
    "logistic_cap",
    "flat_monthly",
    "short_newton",
    "minmax_cps",
];

pub fn fixtures() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing: expected them at {} (shared/ beside the repo)",
        dir.display()
    );
    dir
}

pub struct Case {
    pub id: String,
    pub expected: Value,
    pub config: ProphetConfig,
    pub series: Frame,
    pub artifact: Vec<u8>,
}

impl Case {
    pub fn load(id: &str) -> Case {
        let dir = fixtures();
        let expected: Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("expected/{id}.json"))).unwrap(),
        )
        .unwrap();
        let mut config: ProphetConfig = serde_json::from_value(expected["kwargs"].clone()).unwrap();
        match expected["extra"].as_str() {
            Some("monthly") => config.seasonalities.push(SeasonalitySpec {
                name: "monthly".into(),
                period: 30.5,
                fourier_order: 5,
                prior_scale: None,
                mode: None,
                condition_name: None,
            }),
            Some("cap") => config.cap = expected["cap"].as_f64(),
            _ => {}
        }
        let series =
            Frame::from_csv(&std::fs::read(dir.join(format!("data/{id}.csv"))).unwrap()).unwrap();
        let artifact = std::fs::read(dir.join(format!("models/{id}.tar.gz"))).unwrap();
        Case {
            id: id.into(),
            expected,
            config,
            series,
            artifact,
        }
    }

    pub fn period(&self) -> usize {
        self.expected["period"].as_u64().unwrap() as usize
    }

    pub fn y_scale(&self) -> f64 {
        self.expected["y_scale"].as_f64().unwrap()
    }

    pub fn lp(&self) -> f64 {
        self.expected["lp"].as_f64().unwrap()
    }

    pub fn training(&self) -> Frame {
        self.series.split_holdout(self.period()).0
    }

    pub fn ds(&self) -> Vec<Timestamp> {
        self.column_str("ds")
            .iter()
            .map(|s| parse_timestamp(s).unwrap())
            .collect()
    }

    pub fn column(&self, name: &str) -> Vec<f64> {
        self.expected[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    }

    fn column_str(&self, name: &str) -> Vec<String> {
        self.expected[name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
}
