//! Rust values to plain JavaScript objects.

use serde::Serialize;
use wasm_bindgen::JsValue;

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
