//! What the portal keeps in the browser between page loads: settings in
//! localStorage (they are not secret), the session in sessionStorage (gone
//! with the tab; never in localStorage).

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use gridcast_client::{EndpointSettings, Session};
use serde::de::DeserializeOwned;

const SETTINGS: &str = "gridcast.settings";
const SESSION: &str = "gridcast.session";

/// Saved settings, or defaults pointing at the server that served the page.
pub fn settings() -> EndpointSettings {
    read::<LocalStorage, _>(SETTINGS).unwrap_or_else(|| {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_else(|| "http://127.0.0.1:8080".into());
        EndpointSettings::for_url(origin)
    })
}

/// Saves settings.
pub fn save_settings(settings: &EndpointSettings) {
    let _ = LocalStorage::set(SETTINGS, settings);
}

/// The session of this tab, if signed in.
pub fn session() -> Option<Session> {
    read::<SessionStorage, _>(SESSION)
}

/// Keeps (or, with `None`, forgets) the session.
pub fn save_session(session: Option<&Session>) {
    match session {
        Some(s) => {
            let _ = SessionStorage::set(SESSION, s);
        }
        None => SessionStorage::delete(SESSION),
    }
}

/// The JSON kept under `key`, read with `serde_json::from_slice` like every
/// other document the portal reads (gloo-storage's `get` parses with
/// `from_str`, a second copy of serde_json's parser in the wasm).
fn read<S: Storage, T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = S::raw().get_item(key).ok()??;
    serde_json::from_slice(text.as_bytes()).ok()
}
