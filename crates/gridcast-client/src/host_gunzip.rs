//! The artifact gunzipped by the host runtime (feature `host-gunzip`, the
//! edge): its bytes piped through the standard `DecompressionStream('gzip')`
//! (workerd, Deno, Node ≥ 18, browsers) and read chunk by chunk, counting,
//! so an archive that inflates past the limit is cancelled as soon as it
//! does, never held whole. What comes out is the artifact's tar, for
//! [`gridcast_model::read_artifact_tar`]. The device keeps the `.tar.gz` as it
//! came (a fifth of the tar's size in the edge's memory) and unpacks it
//! through here whenever it reads it.

use gridcast_model::{Artifact, ArtifactError, ArtifactLimits};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `DecompressionStream`: a `{readable, writable}` pair that inflates.
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;

    /// A `ReadableStream` of bytes.
    type ByteStream;
    #[wasm_bindgen(method, catch, js_name = pipeThrough)]
    fn pipe_through(this: &ByteStream, pair: &DecompressionStream) -> Result<ByteStream, JsValue>;
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader(this: &ByteStream) -> Result<StreamReader, JsValue>;

    /// Its `ReadableStreamDefaultReader`.
    type StreamReader;
    #[wasm_bindgen(method)]
    fn read(this: &StreamReader) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn cancel(this: &StreamReader) -> js_sys::Promise;

    /// What `read()` resolves to: `{done, value}`.
    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> bool;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> JsValue;

    /// `String(value)`: an `Error`'s `toString()` (`TypeError: ...`).
    #[wasm_bindgen(js_name = String)]
    fn js_text(value: &JsValue) -> String;
}

/// The stream's failure (not gzip, a bad CRC or length, cut short) as the
/// artifact error it means.
fn corrupt(e: JsValue) -> ArtifactError {
    ArtifactError::Corrupt(js_text(&e))
}

/// `body` (a `ReadableStream` of the `.tar.gz`) inflated by the host: the
/// tar, or [`ArtifactError::TooLarge`]`(limit)` once more than `limit` bytes
/// came out (the stream is cancelled there), or [`ArtifactError::Corrupt`]
/// when it is not a whole, intact gzip member.
async fn gunzip(body: &ByteStream, limit: u64) -> Result<Vec<u8>, ArtifactError> {
    let inflater = DecompressionStream::new("gzip").map_err(corrupt)?;
    let reader = body
        .pipe_through(&inflater)
        .and_then(|s| s.get_reader())
        .map_err(corrupt)?;
    let mut tar = Vec::new();
    loop {
        let chunk: ReadResult = JsFuture::from(reader.read())
            .await
            .map_err(corrupt)?
            .unchecked_into();
        if chunk.done() {
            return Ok(tar);
        }
        let bytes: js_sys::Uint8Array = chunk.value().unchecked_into();
        if tar.len() as u64 + bytes.length() as u64 > limit {
            // Stop inflating; the cancel's own outcome does not matter.
            let _ = reader.cancel();
            return Err(ArtifactError::TooLarge(limit));
        }
        let at = tar.len();
        tar.resize(at + bytes.length() as usize, 0);
        bytes.copy_to(&mut tar[at..]);
    }
}

/// `bytes` as a stream (`new Response(bytes).body`), for [`gunzip`].
fn stream_of(bytes: &[u8]) -> Result<ByteStream, ArtifactError> {
    let response =
        web_sys::Response::new_with_opt_u8_array(Some(&mut bytes.to_vec())).map_err(corrupt)?;
    let body = js_sys::Reflect::get(&response, &JsValue::from_str("body")).map_err(corrupt)?;
    if body.is_null() || body.is_undefined() {
        return Err(ArtifactError::Corrupt("no body stream".into()));
    }
    Ok(body.unchecked_into())
}

/// The `.tar.gz` `bytes` inflated by the host ([`gunzip`] of their stream):
/// the tar, [`ArtifactError::TooLarge`]`(limit)` past `limit` bytes, or
/// [`ArtifactError::Corrupt`].
pub async fn gunzip_bytes(bytes: &[u8], limit: u64) -> Result<Vec<u8>, ArtifactError> {
    gunzip(&stream_of(bytes)?, limit).await
}

/// `read_artifact` with the host's gunzip: the `.tar.gz`'s tar inflated by
/// [`gunzip_bytes`] within `limits.max_total`, then read by
/// [`gridcast_model::read_artifact_tar`] (the same limits and errors).
pub async fn read_artifact(bytes: &[u8], limits: &ArtifactLimits) -> Result<Artifact, ArtifactError> {
    let tar = gunzip_bytes(bytes, limits.max_total).await?;
    gridcast_model::read_artifact_tar(&tar, limits)
}
