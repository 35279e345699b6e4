//! The gridcast customer portal (Yew, built with Trunk).
//!
//! For now a shell: it proves the model crate runs in the browser by
//! forecasting from an artifact the visitor picks. Later issues add sign-in,
//! usage charts, signed endpoint calls and offline storage.

mod components;

fn main() {
    yew::Renderer::<components::app::App>::new().render();
}
