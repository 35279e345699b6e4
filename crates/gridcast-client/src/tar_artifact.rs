//! An artifact's tar, read after the host gunzipped it: the edge's path
//! (gridcast-client's feature `host-gunzip`), where the runtime's
//! `DecompressionStream('gzip')` inflates the download with the limit
//! enforced while it streams (`host_gunzip`), so the module links no
//! inflater of its own.
//!
//! The checks are gridcast-model's `read_artifact`'s after its gunzip, with
//! the same [`ArtifactLimits`] and the same [`ArtifactError`]s: at most
//! `max_total` bytes, `max_entries` entries, files and directories only,
//! nothing outside the root, one `model.json` of at most `max_model_json`
//! bytes. The tests hold the two readers to the same answers.
//! (gridcast-model's `read_archive` is the same code over a gzip stream; it
//! is private there, so this reader is its own until that crate exposes a
//! tar entry point.)

use std::io::Read;
use std::path::{Component, Path};

use gridcast_model::{Artifact, ArtifactError, ArtifactLimits};

/// Where an entry lives, normalised: `None` for the root itself.
fn entry_path(path: &Path) -> Result<Option<String>, ArtifactError> {
    let shown = path.to_string_lossy().into_owned();
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(
                p.to_str()
                    .ok_or_else(|| ArtifactError::OutsideRoot(shown.clone()))?
                    .to_string(),
            ),
            Component::CurDir => {}
            _ => return Err(ArtifactError::OutsideRoot(shown)),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// An I/O error from the tar reader as the artifact error it means.
fn corrupt(e: std::io::Error) -> ArtifactError {
    ArtifactError::Corrupt(e.to_string())
}

/// Reads an artifact from its tar (the `.tar.gz` already gunzipped),
/// enforcing `limits` as `read_artifact` does.
pub fn read_tar(tar: &[u8], limits: &ArtifactLimits) -> Result<Artifact, ArtifactError> {
    // The host stops at the same limit while it inflates; a tar handed over
    // by other means is held to it here.
    if tar.len() as u64 > limits.max_total {
        return Err(ArtifactError::TooLarge(limits.max_total));
    }
    if tar.starts_with(&[0x1f, 0x8b]) {
        return Err(ArtifactError::Corrupt(
            "a gzip stream, not the tar inside it (the host gunzips the artifact first)".into(),
        ));
    }
    let mut archive = tar::Archive::new(tar);
    let mut model_json = None;
    let mut code = Vec::new();
    let mut count = 0;
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        count += 1;
        if count > limits.max_entries {
            return Err(ArtifactError::TooManyEntries(limits.max_entries));
        }
        let raw_path = entry.path().map_err(corrupt)?.into_owned();
        let path = entry_path(&raw_path)?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(ArtifactError::NotAFile(
                raw_path.to_string_lossy().into_owned(),
            ));
        }
        let Some(path) = path else { continue };
        let cap = if path == "model.json" {
            limits.max_model_json
        } else {
            limits.max_total
        };
        let mut data = Vec::new();
        (&mut entry)
            .take(cap + 1)
            .read_to_end(&mut data)
            .map_err(corrupt)?;
        if data.len() as u64 > cap {
            return Err(if path == "model.json" {
                ArtifactError::ModelTooLarge(cap)
            } else {
                ArtifactError::TooLarge(cap)
            });
        }
        if path == "model.json" {
            if model_json.replace(data).is_some() {
                return Err(ArtifactError::DuplicateModel);
            }
        } else if let Some(rest) = path.strip_prefix("code/") {
            code.push((rest.to_string(), data));
        }
    }
    let model_json = model_json.ok_or(ArtifactError::MissingModel)?;
    Ok(Artifact { model_json, code })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{write::GzEncoder, Compression};
    use gridcast_model::read_artifact;

    use super::*;

    fn tar_of(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            // The name bytes written directly, so hostile paths survive.
            h.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_size(data.len() as u64);
            h.set_entry_type(*kind);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("/etc/passwd").unwrap();
            }
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn gzip(tar: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(tar).unwrap();
        gz.finish().unwrap()
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    /// The same artifact, or the same refusal, as `read_artifact` of its
    /// `.tar.gz`.
    fn agree(tar: &[u8], limits: &ArtifactLimits, what: &str) -> Result<Artifact, ArtifactError> {
        let ours = read_tar(tar, limits);
        assert_eq!(ours, read_artifact(&gzip(tar), limits), "{what}");
        ours
    }

    #[test]
    fn reads_the_fixture_artifacts_as_read_artifact_does() {
        let lim = ArtifactLimits::default();
        for name in ["seed_trend_only", "daily_auto", "hourly_mult", "logistic_cap"] {
            let path = format!(
                "{}/../../../shared/fixtures/prophet/models/{name}.tar.gz",
                env!("CARGO_MANIFEST_DIR")
            );
            let artifact = std::fs::read(&path).unwrap();
            let ours = read_tar(&gunzip(&artifact), &lim).unwrap();
            assert_eq!(ours, read_artifact(&artifact, &lim).unwrap(), "{name}");
        }
        let ours = gridcast_model::Artifact {
            model_json: b"{}".to_vec(),
            code: vec![("inference.py".into(), b"print()".to_vec())],
        };
        let written = gridcast_model::write_artifact(&ours);
        assert_eq!(read_tar(&gunzip(&written), &lim).unwrap(), ours);
    }

    #[test]
    fn refuses_what_read_artifact_refuses() {
        let lim = ArtifactLimits::default();
        let f = tar::EntryType::Regular;
        assert_eq!(
            agree(&tar_of(&[("../model.json", f, b"{}")]), &lim, "climbs out"),
            Err(ArtifactError::OutsideRoot("../model.json".into()))
        );
        assert!(matches!(
            agree(&tar_of(&[("/model.json", f, b"{}")]), &lim, "absolute"),
            Err(ArtifactError::OutsideRoot(_))
        ));
        assert!(matches!(
            agree(&tar_of(&[("model.json", tar::EntryType::Symlink, b"")]), &lim, "symlink"),
            Err(ArtifactError::NotAFile(_))
        ));
        let many: Vec<(String, tar::EntryType, &[u8])> =
            (0..40).map(|i| (format!("code/f{i}"), f, &b"x"[..])).collect();
        let many: Vec<(&str, tar::EntryType, &[u8])> =
            many.iter().map(|(p, k, d)| (p.as_str(), *k, *d)).collect();
        assert_eq!(
            agree(&tar_of(&many), &lim, "many"),
            Err(ArtifactError::TooManyEntries(32))
        );
        assert_eq!(
            agree(&tar_of(&[("code/x", f, b"1")]), &lim, "no model"),
            Err(ArtifactError::MissingModel)
        );
        assert_eq!(
            agree(&tar_of(&[("model.json", f, b"{}"), ("./model.json", f, b"{}")]), &lim, "two"),
            Err(ArtifactError::DuplicateModel)
        );
        let small = ArtifactLimits {
            max_model_json: 4,
            ..lim
        };
        assert_eq!(
            agree(&tar_of(&[("model.json", f, b"{\"a\":1}")]), &small, "big model.json"),
            Err(ArtifactError::ModelTooLarge(4))
        );
        // More bytes than max_total: refused whole, as read_artifact's
        // bounded stream refuses it.
        let tar = tar_of(&[("model.json", f, b"{}")]);
        let tight = ArtifactLimits {
            max_total: tar.len() as u64 - 1,
            ..lim
        };
        assert_eq!(
            agree(&tar, &tight, "over max_total"),
            Err(ArtifactError::TooLarge(tar.len() as u64 - 1))
        );
        let exact = ArtifactLimits {
            max_total: tar.len() as u64,
            ..lim
        };
        assert!(agree(&tar, &exact, "at max_total").is_ok());
        // Not tar at all (a gzip handed over as it came, or junk): Corrupt.
        let gz = gzip(&tar);
        assert!(matches!(read_tar(&gz, &lim), Err(ArtifactError::Corrupt(m)) if m.contains("gzip")));
        assert!(matches!(read_tar(&[7u8; 700], &lim), Err(ArtifactError::Corrupt(_))));
    }
}
