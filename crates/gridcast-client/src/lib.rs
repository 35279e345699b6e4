//! The client of a gridcast endpoint — or of any SageMaker multi-model
//! endpoint — shared by the portal, the dashboard widget and the edge handler.
//!
//! Everything that decides something is plain Rust and tested natively:
//! [`settings`] (where the endpoint is, how TargetModel names are made),
//! [`session`] (sign-in credentials and their expiry), [`request`] (the exact
//! signed requests), [`problem`] (what an answer or a failure means to a
//! person), [`forecast`] (forecast tables from the endpoint or from the
//! device) and [`usage`] (consumption history figures). Only sending requests
//! ([`transport`]) and keeping artifacts ([`artifact_store`], IndexedDB) touch
//! the browser; they exist on wasm32 only, as does [`forecaster`], the whole
//! workflow (sync the model, forecast with the device as fallback) on top.

pub mod accuracy;
pub mod chart;
pub mod components;
pub mod engine;
pub mod facts;
pub mod forecast;
pub mod http_date;
pub mod keyed;
pub mod problem;
pub mod request;
pub mod session;
pub mod settings;
pub mod usage;

#[cfg(all(target_arch = "wasm32", feature = "indexed-db"))]
pub mod artifact_store;
#[cfg(all(target_arch = "wasm32", not(feature = "engine")))]
pub mod engine_module;
#[cfg(target_arch = "wasm32")]
pub mod forecaster;
#[cfg(all(target_arch = "wasm32", feature = "host-gunzip"))]
pub mod host_gunzip;
#[cfg(target_arch = "wasm32")]
pub mod stored_artifact;
#[cfg(target_arch = "wasm32")]
pub mod transport;

pub use accuracy::{Accuracy, AccuracyAt, Actuals};
pub use gridcast_api::LoginRequest;
pub use gridcast_api::{ForecastRequest, FutureRows, Horizon, Period, MAX_HORIZON_DAYS};
pub use forecast::{
    forecast_on_device, DeviceForecast, DeviceForecastError, ForecastSource, ForecastTable,
    OnDeviceModel, Uncovered,
};
pub use facts::ModelFacts;
pub use problem::{Action, Problem};
pub use request::{PreparedRequest, Reply};
pub use session::Session;
pub use settings::{EndpointSettings, SettingsError};
pub use usage::{Aggregation, Usage, UsagePoint};
