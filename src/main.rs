//! The gridcast customer portal (Yew, built with Trunk).
//!
//! A customer signs in, sees their consumption, and asks for a forecast: from
//! the endpoint (a SigV4-signed InvokeEndpoint) when it answers, otherwise
//! from their model stored on this device, forecast here with the same
//! Prophet code the endpoint runs. The endpoint client lives in
//! `gridcast-client`; this crate is the UI and the browser state around it.

mod components;
mod saved;
mod state;

use gridcast_client::forecaster::{Forecaster, ModelStore};
use gridcast_client::EndpointSettings;

/// The portal's client of `settings`: artifacts kept in IndexedDB.
pub(crate) fn forecaster(settings: &EndpointSettings) -> Forecaster {
    Forecaster::new(settings.clone(), ModelStore::IndexedDb)
}

fn main() {
    yew::Renderer::<components::app::App>::new().render();
}
