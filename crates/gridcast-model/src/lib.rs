//! Prophet in pure Rust, compatible with Python Prophet's `model.json`.
//!
//! gridcast-model fits Prophet models with its own optimizer (L-BFGS and
//! Newton on Prophet's Stan objective, analytic gradients), forecasts every
//! column of Python's `predict`, reads and writes `model_to_json` documents
//! and the seed's `{customer}.tar.gz` artifacts. It does no file or network
//! I/O, spawns no threads and builds for `wasm32-unknown-unknown`: bytes in,
//! bytes out.
//!
//! ```
//! use gridcast_model::{fit, future_frame, predict, ForecastOptions, Frame, ProphetConfig};
//!
//! let ds: Vec<i64> = (0..120).map(|d| 1_640_995_200 + d * 86_400).collect();
//! let y: Vec<f64> = (0..120).map(|d| 800.0 + d as f64 + 30.0 * (d as f64 / 7.0 * 6.283).sin()).collect();
//! let model = fit(&Frame::new(ds, y), &ProphetConfig::default()).unwrap();
//! let future = future_frame(&model.model, 7, None).unwrap();
//! let fc = predict(&model.model, &future, &ForecastOptions { seed: Some(1), ..Default::default() }).unwrap();
//! assert_eq!(fc.column("yhat").unwrap().len(), 7);
//! ```
#![deny(missing_docs)]

mod artifact;
mod bounds;
mod config;
pub mod diagnostics;
mod features;
mod fit;
mod forecast;
mod frame;
pub mod frequency;
mod history;
mod holidays;
mod model;
mod model_json;
mod optimizer;
mod regressors;
mod response;
mod score;
mod time;
mod trend;

pub use artifact::{
    read_artifact, read_artifact_tar, write_artifact, Artifact, ArtifactError, ArtifactLimits,
    INFERENCE_PY,
};
#[cfg(not(target_arch = "wasm32"))]
pub use artifact::{
    read_parsed_form, write_parsed_form, ParsedFormError, ParsedFormKey, PARSED_FORM_VERSION,
};
pub use bounds::{ModelBounds, MAX_TREND_GRID, MAX_UNCERTAINTY_DRAWS, PANDAS_TIMESTAMPS};
pub use config::{
    ConfigError, Growth, HolidaySpec, Mode, ProphetConfig, RegressorSpec, Scaling,
    SeasonalitySetting, SeasonalitySpec,
};
pub use diagnostics::{
    cross_validation, performance_metrics, CrossValidationArgs, CvError, CvOptions, CvRows, Metric,
    PerformanceMetrics, Timedelta,
};
pub use features::{
    make_all_features, ComponentColumns, ComponentModes, FeatureError, FeatureName, Features,
    Matrix, Seasonality,
};
pub use fit::{fit, FitError, Fitted};
pub use forecast::{
    future_dates, future_frame, infer_frequency, predict, Forecast, ForecastError, ForecastOptions,
};
pub use frame::{Column, ColumnUse, Frame, FrameError, RowRef};
pub use frequency::{Anchor, Frequency, FrequencyError, FrequencyKind};
pub use history::{ColumnValues, History};
pub use holidays::{prophet_year_list, Holiday, HolidayError, HolidaySource, HolidayTable, Holidays};
pub use model::{Draw, Params, ProphetModel, RequiredColumn, Settings};
pub use model_json::{
    read_model_json, read_model_json_to_forecast, write_model_json, ModelJsonError,
    PROPHET_FORMAT_VERSION,
};
pub use optimizer::{log_density, Algorithm, FitReport, RustOptimizer};
pub use regressors::{Regressor, Standardize};
pub use response::{seed_response, to_pandas_json, AnswerSeed};
pub use score::{score, score_holdout, HoldoutScore, HOLDOUT_SEED};
pub use time::{
    format_csv, format_csv_as, format_iso_millis, needs_time_of_day, parse_rfc3339,
    parse_timestamp, push_iso_millis, sort_by_time, Timestamp,
};
