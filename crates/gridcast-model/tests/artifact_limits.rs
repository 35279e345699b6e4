//! `read_artifact`'s limits at their defaults, at the value itself and one
//! past it: entries, model.json's size after decompression, and the whole
//! decompressed stream (read to the gzip trailer).

use std::io::Write;

use flate2::{write::GzEncoder, Compression};
use gridcast_model::{read_artifact, ArtifactError, ArtifactLimits};

/// A tar stream of `files`, its end blocks, then `padding` zero bytes.
fn tar_stream(files: &[(String, Vec<u8>)], padding: usize) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, data.as_slice())
            .unwrap();
    }
    let mut stream = builder.into_inner().unwrap();
    stream.resize(stream.len() + padding, 0);
    stream
}

fn gzip(stream: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(stream).unwrap();
    gz.finish().unwrap()
}

fn model_json() -> (String, Vec<u8>) {
    ("model.json".into(), b"{}".to_vec())
}

#[test]
fn entries_up_to_the_limit() {
    let limits = ArtifactLimits::default();
    let with = |entries: usize| {
        let mut files = vec![model_json()];
        files.extend((1..entries).map(|i| (format!("code/{i}.txt"), vec![b'x'])));
        read_artifact(&gzip(&tar_stream(&files, 0)), &limits)
    };
    let at = with(limits.max_entries).unwrap();
    assert_eq!(at.code.len(), limits.max_entries - 1);
    assert_eq!(
        with(limits.max_entries + 1),
        Err(ArtifactError::TooManyEntries(limits.max_entries))
    );
}

#[test]
fn model_json_up_to_its_limit() {
    let limits = ArtifactLimits::default();
    let with = |bytes: u64| {
        let files = [("model.json".to_owned(), vec![b' '; bytes as usize])];
        read_artifact(&gzip(&tar_stream(&files, 0)), &limits)
    };
    assert_eq!(
        with(limits.max_model_json).unwrap().model_json.len() as u64,
        limits.max_model_json
    );
    assert_eq!(
        with(limits.max_model_json + 1),
        Err(ArtifactError::ModelTooLarge(limits.max_model_json))
    );
}

#[test]
fn the_decompressed_stream_up_to_its_limit() {
    let limits = ArtifactLimits::default();
    let head = tar_stream(&[model_json()], 0).len() as u64;
    let with = |total: u64| {
        let stream = tar_stream(&[model_json()], (total - head) as usize);
        assert_eq!(stream.len() as u64, total);
        read_artifact(&gzip(&stream), &limits)
    };
    assert!(with(limits.max_total).is_ok());
    assert_eq!(
        with(limits.max_total + 1),
        Err(ArtifactError::TooLarge(limits.max_total))
    );
}
