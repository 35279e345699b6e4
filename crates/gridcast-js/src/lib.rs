//! gridcast's JavaScript API, compiled to wasm with wasm-bindgen
//! (`--target web`), for the users that are not the Yew portal. Each user
//! is one cargo feature and one build (`www/build-gridcast-js.sh`), so none
//! carries another's code:
//!
//! - [`widget`] (feature `widget`, `dist/pkg/`): `widgetForecast`,
//!   everything the `<gridcast-forecast>` custom element (`www/embed.js`)
//!   needs — the portal's workflow (signed forecast, IndexedDB model with its
//!   kept `ModelFacts`, device fallback) and the chart as SVG, without the
//!   engine: `embed.js` loads `dist/pkg-engine/` for a new download or a
//!   device forecast;
//! - [`preview`] (feature `fit`, `dist/pkg-fit/`): `fitCsv` and
//!   `refitWithReadings`, the on-device fit the preview page runs in a Web
//!   Worker (`www/preview-worker.js`);
//! - [`device`] (feature `device`: the edge's and the preview's builds):
//!   `forecastArtifact`, a forecast from artifact bytes the host keeps
//!   itself;
//! - [`edge`] (feature `edge`, `dist/pkg-edge/`): `edgeForecast`, the core
//!   of the `fetch(request, env)` edge handler (`www/edge/handler.mjs`);
//! - [`engine`] (feature `portal-engine`, `dist/pkg-engine/`):
//!   `engineFacts` and `engineForecast`, the portal's and the widget's
//!   on-device engine, loaded when they check a download or forecast offline.
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

#[cfg(all(target_arch = "wasm32", feature = "device"))]
pub mod device;
#[cfg(all(target_arch = "wasm32", feature = "edge"))]
pub mod edge;
#[cfg(all(target_arch = "wasm32", feature = "portal-engine"))]
pub mod engine;
#[cfg(all(target_arch = "wasm32", any(feature = "device", feature = "widget")))]
mod js_value;
#[cfg(all(target_arch = "wasm32", feature = "fit"))]
pub mod preview;
#[cfg(all(target_arch = "wasm32", feature = "widget"))]
pub mod widget;
