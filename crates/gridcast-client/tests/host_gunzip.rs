//! The edge's gunzip by the host runtime (feature `host-gunzip`), under Node's
//! `DecompressionStream` (wasm-bindgen-test's default runner): the tar out is
//! what the in-wasm gunzip unpacks, an archive that inflates past the
//! archive limit is refused while it streams, and broken gzip is a typed
//! error.
//!
//! `cargo test -p gridcast-client --target wasm32-unknown-unknown --no-default-features
//!  --features host-gunzip --test host_gunzip`
#![cfg(all(target_arch = "wasm32", feature = "host-gunzip"))]

use std::io::Write;

use flate2::{write::GzEncoder, Compression};
use gridcast_client::host_gunzip::gunzip_bytes as host_gunzip;
use gridcast_client::OnDeviceModel;
use gridcast_model::{read_artifact, read_artifact_tar, ArtifactError, ArtifactLimits};
use wasm_bindgen_test::wasm_bindgen_test;

const ARTIFACT: &[u8] =
    include_bytes!("../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

#[wasm_bindgen_test]
async fn the_hosts_tar_unpacks_as_the_artifact_does() {
    let lim = ArtifactLimits::default();
    let tar = host_gunzip(ARTIFACT, lim.max_total).await.unwrap();
    assert_eq!(read_artifact_tar(&tar, &lim), read_artifact(ARTIFACT, &lim));
    // What the edge's forecaster unpacks a kept or downloaded artifact with.
    assert_eq!(
        gridcast_client::host_gunzip::read_artifact(ARTIFACT, &lim).await,
        read_artifact(ARTIFACT, &lim)
    );
    let a = OnDeviceModel::from_unpacked(&read_artifact_tar(&tar, &lim).unwrap()).unwrap();
    let b = OnDeviceModel::from_artifact(ARTIFACT).unwrap();
    assert_eq!(a.forecast(7, Some(1)).unwrap(), b.forecast(7, Some(1)).unwrap());
}

#[wasm_bindgen_test]
async fn an_archive_that_inflates_past_the_limit_is_refused() {
    let max = ArtifactLimits::default().max_total;
    // 96 MiB + 1 of zeros: about 100 KB of gzip.
    let bomb = gzip(&vec![0u8; max as usize + 1]);
    assert_eq!(host_gunzip(&bomb, max).await, Err(ArtifactError::TooLarge(max)));
    assert_eq!(
        gridcast_client::host_gunzip::read_artifact(&bomb, &ArtifactLimits::default()).await,
        Err(ArtifactError::TooLarge(max))
    );
    // The limit is on what comes out, to the byte.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let gz = gzip(&data);
    assert_eq!(host_gunzip(&gz, data.len() as u64).await.unwrap(), data);
    assert_eq!(
        host_gunzip(&gz, data.len() as u64 - 1).await,
        Err(ArtifactError::TooLarge(data.len() as u64 - 1))
    );
}

#[wasm_bindgen_test]
async fn broken_gzip_is_a_corrupt_archive() {
    let max = ArtifactLimits::default().max_total;
    let cut = &ARTIFACT[..ARTIFACT.len() - 8];
    let mut crc = ARTIFACT.to_vec();
    crc[ARTIFACT.len() - 8] ^= 0xff;
    for (what, bytes) in [("junk", &b"not gzip at all"[..]), ("cut", cut), ("crc", &crc), ("empty", &[][..])] {
        assert!(
            matches!(host_gunzip(bytes, max).await, Err(ArtifactError::Corrupt(_))),
            "{what}"
        );
    }
}
