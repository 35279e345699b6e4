//! gridcast's wire contract in one place, for every side of it: the
//! pipeline, the endpoint, the CLI, the portal, the widget, the preview
//! worker and the edge handler build against these types, natively and as
//! wasm, so a rule (what a customer id is, how far a forecast reaches, what
//! an InvokeEndpoint body may hold) is written once.
//!
//! ```
//! use gridcast_api::{CustomerId, ForecastRequest, Horizon, RequestRows};
//!
//! let id = CustomerId::parse("42").unwrap();
//! assert_eq!(id.artifact_name(), "42.tar.gz");
//! assert!(Horizon::days(91).is_err());
//! let request = ForecastRequest::parse(br#"{"future": [{"ds": "2023-01-01", "temperature": 3.1}]}"#).unwrap();
//! let RequestRows::Future(rows) = &request.rows else { unreachable!() };
//! assert_eq!(rows.column("temperature").unwrap(), &[3.1]);
//! ```
#![deny(missing_docs)]

mod covariates;
mod customer;
mod forecast_request;
mod horizon;
mod login;
mod preset;
mod preview;
mod widget;

pub use covariates::FutureCovariates;
pub use customer::{CustomerId, CustomerIdError, MAX_CUSTOMER_ID_LEN};
pub use forecast_request::{
    FutureRows, ForecastRequest, RequestError, RequestRows, MAX_FUTURE_COLUMNS,
};
pub use horizon::{Horizon, HorizonError, Period, MAX_HORIZON_DAYS, MAX_PERIOD};
pub use login::{LoginReply, LoginRequest};
pub use preset::{Preset, PresetError};
pub use preview::{
    BacktestArgs, BacktestSummary, FitStages, FitSummary, ForecastRow, HorizonMetric,
    ModelChoice, ReadingsSummary, RequestKind, WorkerError, WorkerReply, WorkerRequest,
};
pub use widget::{Theme, WidgetOptions};
