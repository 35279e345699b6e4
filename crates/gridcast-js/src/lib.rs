//! gridcast's JavaScript API, compiled to wasm with wasm-bindgen
//! (`--target web`), for the users that are not the Yew portal:
//!
//! - [`widget`]: `widgetForecast`, everything the `<gridcast-forecast>`
//!   custom element (`www/embed.js`) needs — the portal's workflow (signed
//!   forecast, IndexedDB model, device fallback) and the chart as SVG;
//! - [`preview`]: `fitCsv` and `refitWithReadings`, the on-device fit the
//!   preview page runs in a Web Worker (`www/preview-worker.js`);
//! - [`device`]: `forecastArtifact`, a forecast from artifact bytes the host
//!   keeps itself;
//! - [`edge`]: `edgeForecast`, the core of the `fetch(request, env)` edge
//!   handler (`www/edge/handler.mjs`);
//! - [`engine`] (feature `portal-engine`, without the widget and the edge):
//!   `engineFacts` and `engineForecast`, the portal's on-device engine,
//!   loaded by the portal when it checks a download or forecasts offline.
//!
//! [`stages`] is what `fitCsv` and `forecastArtifact` do, in plain Rust
//! timed stage by stage, so the native benchmark runs the same code;
//! [`backtest`] is the preview's cross-validation, [`view`] its answers as HTML.
//!
//! The decisions stay in `gridcast-client` and `gridcast-model`; this crate
//! converts between their types and JavaScript values.

pub mod backtest;
pub mod rows;
pub mod stages;
pub mod view;

#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(all(target_arch = "wasm32", not(feature = "portal-engine")))]
pub mod edge;
#[cfg(all(target_arch = "wasm32", feature = "portal-engine"))]
pub mod engine;
#[cfg(target_arch = "wasm32")]
mod js_value;
#[cfg(all(target_arch = "wasm32", feature = "fit"))]
pub mod preview;
#[cfg(all(target_arch = "wasm32", not(feature = "portal-engine")))]
pub mod widget;
