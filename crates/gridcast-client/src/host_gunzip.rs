//! The artifact gunzipped by the host runtime (feature `host-gunzip`, the
//! edge): the download's body piped through the standard
//! `DecompressionStream('gzip')` (workerd, Deno, Node ≥ 18, browsers) and
//! read chunk by chunk, counting, so an archive that inflates past the limit
//! is cancelled as soon as it does, never held whole. What comes out is the
//! artifact's tar, for [`crate::tar_artifact::read_tar`].

use gridcast_model::ArtifactError;
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
    pub type ByteStream;
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
pub async fn gunzip(body: &ByteStream, limit: u64) -> Result<Vec<u8>, ArtifactError> {
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

/// `bytes` as a stream (`new Response(bytes).body`), for [`gunzip`] of
/// bytes the host already holds.
pub fn stream_of(bytes: &[u8]) -> Result<ByteStream, ArtifactError> {
    let response =
        web_sys::Response::new_with_opt_u8_array(Some(&mut bytes.to_vec())).map_err(corrupt)?;
    js_body(&response).ok_or_else(|| ArtifactError::Corrupt("no body stream".into()))
}

/// `response.body` (an empty stream for a body-less answer).
pub fn body_of(response: &web_sys::Response) -> Result<ByteStream, ArtifactError> {
    js_body(response).map_or_else(|| stream_of(&[]), Ok)
}

fn js_body(response: &web_sys::Response) -> Option<ByteStream> {
    let body = js_sys::Reflect::get(response, &JsValue::from_str("body")).ok()?;
    (!body.is_null() && !body.is_undefined()).then(|| body.unchecked_into())
}
