//! Rust values to plain JavaScript objects, and the JavaScript clock.

use serde::Serialize;
use wasm_bindgen::JsValue;
#[cfg(feature = "device")]
use wasm_bindgen::JsCast;

/// Serializes to a plain JS value: maps become objects (not `Map`s), so
/// pages and workers read fields as usual.
pub trait ToJs {
    /// The value as JavaScript (`null` if it cannot be represented).
    fn to_js(&self) -> JsValue;
}

impl<T: Serialize> ToJs for T {
    fn to_js(&self) -> JsValue {
        self.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or(JsValue::NULL)
    }
}

/// `performance.now()` where the runtime has it (pages, workers, Node,
/// workerd), else `Date.now()`.
#[cfg(feature = "device")]
pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok().map(|f| (p, f)))
        .and_then(|(p, f)| {
            f.dyn_into::<js_sys::Function>()
                .ok()?
                .call0(&p)
                .ok()?
                .as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// A JavaScript number as the uncertainty simulation's seed (none when it
/// is missing, negative or not finite: then the draws are random).
#[cfg(feature = "device")]
pub fn rng_seed(seed: Option<f64>) -> Option<u64> {
    seed.filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| s as u64)
}
