#![cfg(not(target_arch = "wasm32"))]
//! The parsed form (artifact/parsed.rs): a model read back from it forecasts
//! byte for byte as the model read from its artifact, and a parsed form that
//! is stale, truncated, damaged, of another version or forged is refused
//! with a typed error, never read as a model and never a panic.

mod common;

use common::ext::{ExtCase, EXT_CASES};
use gridcast_model::{
    predict, read_artifact, read_model_json, to_pandas_json, AnswerSeed, ForecastOptions,
    ParsedFormError, ParsedFormKey, ProphetModel, PARSED_FORM_VERSION,
};
use hmac::{Hmac, KeyInit, Mac};

/// Header: magic, version, artifact length and digest, body length and MAC.
const HEADER: usize = 4 + 4 + 8 + 32 + 8 + 32;

const KEY_BYTES: [u8; 32] = [7; 32];

fn key() -> ParsedFormKey {
    ParsedFormKey::new(KEY_BYTES)
}

fn write_parsed_form(model: &ProphetModel, seed: AnswerSeed, artifact: &[u8]) -> Vec<u8> {
    gridcast_model::write_parsed_form(model, seed, artifact, &key())
}

fn read_parsed_form(
    bytes: &[u8],
    artifact: &[u8],
) -> Result<(ProphetModel, AnswerSeed), ParsedFormError> {
    gridcast_model::read_parsed_form(bytes, artifact, &key())
}

/// `bytes` with its MAC recomputed under `key_bytes`, as a forger holding
/// the key would.
fn seal(mut bytes: Vec<u8>, key_bytes: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key_bytes).unwrap();
    mac.update(&bytes[..HEADER - 32]);
    mac.update(&bytes[HEADER..]);
    let tag = mac.finalize().into_bytes();
    bytes[HEADER - 32..HEADER].copy_from_slice(&tag);
    bytes
}

fn model_of(artifact: &[u8]) -> (ProphetModel, AnswerSeed) {
    let json = read_artifact(artifact, &Default::default())
        .unwrap()
        .model_json;
    (
        read_model_json(&json).unwrap(),
        AnswerSeed::of_model_json(&json),
    )
}

fn seed_artifact() -> Vec<u8> {
    std::fs::read(common::fixtures().join("models/seed_trend_only.tar.gz")).unwrap()
}

fn forecast(model: &ProphetModel, future: &gridcast_model::Frame, seed: AnswerSeed) -> String {
    let opts = ForecastOptions {
        seed: Some(seed.for_horizon(future.len())),
        ..Default::default()
    };
    to_pandas_json(&predict(model, future, &opts).unwrap(), 0)
}

/// The same model, field by field (Debug: NaN equals NaN), and the same
/// forecast bytes, over every Python-written fixture model.
#[test]
fn every_fixture_model_round_trips_and_forecasts_identically() {
    for id in common::CASES {
        let artifact =
            std::fs::read(common::fixtures().join(format!("models/{id}.tar.gz"))).unwrap();
        let (model, seed) = model_of(&artifact);
        let parsed = write_parsed_form(&model, seed, &artifact);
        let (back, back_seed) = read_parsed_form(&parsed, &artifact).unwrap();
        assert_eq!(format!("{back:?}"), format!("{model:?}"), "{id}");
        assert_eq!(back_seed, seed, "{id}");
        let future = gridcast_model::future_frame(&model, 7, None).unwrap();
        assert_eq!(
            forecast(&back, &future, back_seed),
            forecast(&model, &future, seed),
            "{id}"
        );
    }
    for id in EXT_CASES {
        let case = ExtCase::load(id);
        let (model, seed) = model_of(&case.artifact);
        let parsed = write_parsed_form(&model, seed, &case.artifact);
        let (back, back_seed) = read_parsed_form(&parsed, &case.artifact).unwrap();
        assert_eq!(format!("{back:?}"), format!("{model:?}"), "{id}");
        assert_eq!(
            forecast(&back, &case.future, back_seed),
            forecast(&model, &case.future, seed),
            "{id}"
        );
    }
}

#[test]
fn a_parsed_form_of_other_artifact_bytes_is_stale() {
    let artifact = seed_artifact();
    let (model, seed) = model_of(&artifact);
    let parsed = write_parsed_form(&model, seed, &artifact);
    let mut changed = artifact.clone();
    *changed.last_mut().unwrap() ^= 1;
    assert_eq!(
        read_parsed_form(&parsed, &changed).unwrap_err(),
        ParsedFormError::Stale
    );
    let longer = [artifact.as_slice(), b"x"].concat();
    assert_eq!(
        read_parsed_form(&parsed, &longer).unwrap_err(),
        ParsedFormError::Stale
    );
}

#[test]
fn another_version_is_refused() {
    let artifact = seed_artifact();
    let (model, seed) = model_of(&artifact);
    let mut parsed = write_parsed_form(&model, seed, &artifact);
    parsed[4..8].copy_from_slice(&(PARSED_FORM_VERSION + 1).to_le_bytes());
    assert_eq!(
        read_parsed_form(&parsed, &artifact).unwrap_err(),
        ParsedFormError::Version {
            found: PARSED_FORM_VERSION + 1
        }
    );
}

#[test]
fn every_truncation_and_trailing_bytes_are_refused() {
    let artifact = seed_artifact();
    let (model, seed) = model_of(&artifact);
    let parsed = write_parsed_form(&model, seed, &artifact);
    for len in 0..parsed.len() {
        let err = read_parsed_form(&parsed[..len], &artifact).unwrap_err();
        if len < HEADER {
            assert_eq!(err, ParsedFormError::NotParsedForm, "{len} bytes");
        } else {
            assert!(
                matches!(err, ParsedFormError::Truncated { found, .. } if found == len as u64),
                "{len} bytes: {err}"
            );
        }
    }
    let longer = [parsed.as_slice(), &[0]].concat();
    assert!(matches!(
        read_parsed_form(&longer, &artifact),
        Err(ParsedFormError::Truncated { .. })
    ));
}

/// Any one flipped bit, in the header or the body, is caught (the body by
/// its digest).
#[test]
fn every_flipped_byte_is_refused() {
    let artifact = seed_artifact();
    let (model, seed) = model_of(&artifact);
    let parsed = write_parsed_form(&model, seed, &artifact);
    for i in 0..parsed.len() {
        let mut flipped = parsed.clone();
        flipped[i] ^= 0x20;
        assert!(read_parsed_form(&flipped, &artifact).is_err(), "byte {i}");
    }
}

/// A forged body (its digest recomputed): every count in it set to
/// `u32::MAX` in turn, every byte flipped in turn. Each is refused or decodes
/// to a model within the reader's checks; none panics or allocates what a
/// forged length asks for.
#[test]
fn forged_bodies_with_oversized_lengths_are_refused_without_a_panic() {
    let artifact = seed_artifact();
    let (model, seed) = model_of(&artifact);
    let parsed = write_parsed_form(&model, seed, &artifact);
    let reseal = |bytes: Vec<u8>| seal(bytes, &KEY_BYTES);
    let mut oversized = 0;
    for i in HEADER..parsed.len() - 4 {
        let mut forged = parsed.clone();
        forged[i..i + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        match read_parsed_form(&reseal(forged), &artifact) {
            Err(ParsedFormError::Malformed(m)) if m.contains("items announced") => oversized += 1,
            Err(_) => {}
            Ok((m, _)) => assert!(gridcast_model::ModelBounds::default().check(&m).is_ok()),
        }
        let mut flipped = parsed.clone();
        flipped[i] ^= 0xff;
        let _ = read_parsed_form(&reseal(flipped), &artifact);
    }
    assert!(oversized > 10, "only {oversized} counts were hit");
}

/// A form sealed under another key — another process's, or planted by
/// someone who can write to the cache directory and compute the artifact's
/// digest and a body's — is refused, however well formed.
#[test]
fn a_parsed_form_sealed_under_another_key_is_refused() {
    let artifact = seed_artifact();
    let (model, seed) = model_of(&artifact);
    let other =
        gridcast_model::write_parsed_form(&model, seed, &artifact, &ParsedFormKey::new([8; 32]));
    assert_eq!(
        read_parsed_form(&other, &artifact).unwrap_err(),
        ParsedFormError::Damaged
    );
    // Resealed under our key, the same bytes are read: only the key differed.
    assert!(read_parsed_form(&seal(other, &KEY_BYTES), &artifact).is_ok());
}

#[test]
fn an_artifact_is_not_a_parsed_form() {
    let artifact = seed_artifact();
    assert_eq!(
        read_parsed_form(&artifact, &artifact).unwrap_err(),
        ParsedFormError::NotParsedForm
    );
}
