//! The portal's components, one a file.
pub mod accuracy_panel;
pub mod app;
pub mod chart;
pub mod forecast_panel;
pub mod preview;
pub mod problem_view;
pub mod settings_panel;
pub mod sign_in;
pub mod usage_view;
