//! Model artifacts: `{customer}.tar.gz` holding `model.json` at the root and
//! optionally `code/`, the layout the seed's SageMaker training job writes.
//! Reading is defensive: an artifact may come from anyone.

use std::io::{Read, Write};
use std::path::Path;

#[cfg(not(target_arch = "wasm32"))]
use flate2::read::GzDecoder;

use crate::model::ProphetModel;

mod gzip;
#[cfg(not(target_arch = "wasm32"))]
mod parsed;
use crate::model_json::{write_model_json, PROPHET_FORMAT_VERSION};
#[cfg(not(target_arch = "wasm32"))]
pub use parsed::{
    read_parsed_form, write_parsed_form, ParsedFormError, ParsedFormKey, PARSED_FORM_VERSION,
};

/// Bounds on what reading an artifact may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactLimits {
    /// Most entries (files and directories) in the archive.
    pub max_entries: usize,
    /// Largest model.json, in bytes after decompression.
    pub max_model_json: u64,
    /// Largest total of decompressed bytes read (headers included).
    pub max_total: u64,
}

impl Default for ArtifactLimits {
    fn default() -> Self {
        Self {
            max_entries: 32,
            max_model_json: 64 << 20,
            max_total: 96 << 20,
        }
    }
}

/// The contents of an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The model.json bytes.
    pub model_json: Vec<u8>,
    /// Files under `code/`, as `(path relative to code/, bytes)`.
    pub code: Vec<(String, Vec<u8>)>,
}

/// `code/inference.py`: a SageMaker inference handler, so the seed's Python
/// multi-model endpoint serves gridcast artifacts as it serves its own.
pub const INFERENCE_PY: &str = include_str!("inference.py");

impl Artifact {
    /// The seed's artifact for a fitted model: `model.json` in Python
    /// Prophet's `model_to_json` format, `code/inference.py` (see
    /// [`INFERENCE_PY`]) and `code/requirements.txt` pinning the Prophet
    /// version that format matches.
    pub fn for_model(model: &ProphetModel) -> Self {
        Self {
            model_json: write_model_json(model).into_bytes(),
            code: vec![
                ("inference.py".into(), INFERENCE_PY.as_bytes().to_vec()),
                (
                    "requirements.txt".into(),
                    format!("prophet=={PROPHET_FORMAT_VERSION}\n").into_bytes(),
                ),
            ],
        }
    }
}

/// Why an artifact was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// Not gzip, or not tar inside.
    #[error("not a tar.gz archive: {0}")]
    Corrupt(String),
    /// An entry whose path is absolute or climbs out of the root.
    #[error("entry {0:?} points outside the archive root")]
    OutsideRoot(String),
    /// A symlink, hard link, device or other non-file entry.
    #[error("entry {0:?} is a link or special file")]
    NotAFile(String),
    /// More entries than allowed.
    #[error("more than {0} entries")]
    TooManyEntries(usize),
    /// model.json larger than allowed.
    #[error("model.json exceeds {0} bytes")]
    ModelTooLarge(u64),
    /// More decompressed data than allowed.
    #[error("archive decompresses to more than {0} bytes")]
    TooLarge(u64),
    /// Two model.json entries.
    #[error("more than one model.json")]
    DuplicateModel,
    /// No model.json at the root.
    #[error("no model.json at the archive root")]
    MissingModel,
}

/// A reader that fails once more than `limit` bytes have passed.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // Anything more is over the limit.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(ArtifactError::TooLarge(self.limit))),
            };
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

fn io_error(e: std::io::Error) -> ArtifactError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ArtifactError>())
    {
        Some(inner) => inner.clone(),
        None => ArtifactError::Corrupt(e.to_string()),
    }
}

/// Where an entry lives, normalised: `None` for the root itself.
///
/// What `Path::components` gives, read off the text: `/`-separated names,
/// empty ones and `.` skipped; a leading `/`, a `..` or a name that is not
/// UTF-8 is outside the root. By hand, so that the browser builds carry no
/// `std::path` component parser (the tests hold this to it).
fn entry_path(path: &Path) -> Result<Option<String>, ArtifactError> {
    let outside = || ArtifactError::OutsideRoot(path.to_string_lossy().into_owned());
    let text = path.to_str().ok_or_else(outside)?;
    if text.starts_with('/') {
        return Err(outside());
    }
    let mut joined = String::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(outside()),
            name => {
                if !joined.is_empty() {
                    joined.push('/');
                }
                joined.push_str(name);
            }
        }
    }
    Ok((!joined.is_empty()).then_some(joined))
}

// The browser builds' gzip reader (flate2's without crc32fast's 16 KiB tables).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod gunzip;

/// Reads an artifact from its bytes, enforcing `limits`.
pub fn read_artifact(bytes: &[u8], limits: &ArtifactLimits) -> Result<Artifact, ArtifactError> {
    #[cfg(target_arch = "wasm32")]
    let gz = gunzip::Gunzip::new(bytes).map_err(io_error)?;
    #[cfg(not(target_arch = "wasm32"))]
    let gz = GzDecoder::new(bytes);
    read_archive(gz, limits)
}

/// Reads an artifact from its tar, the `.tar.gz` already gunzipped (the
/// edge's path: the host runtime inflates the download, under the same
/// `max_total`, so the module links no inflater), enforcing `limits` as
/// [`read_artifact`] does, with the same refusals.
pub fn read_artifact_tar(tar: &[u8], limits: &ArtifactLimits) -> Result<Artifact, ArtifactError> {
    if tar.starts_with(&[0x1f, 0x8b]) {
        return Err(ArtifactError::Corrupt(
            "a gzip stream, not the tar inside it (the host gunzips the artifact first)".into(),
        ));
    }
    // The whole tar is at hand, so no bounded stream is needed: more than
    // `max_total` is refused before reading, as `read_artifact`'s stream
    // refuses it once that much has come out.
    if tar.len() as u64 > limits.max_total {
        return Err(ArtifactError::TooLarge(limits.max_total));
    }
    read_entries(&mut tar::Archive::new(tar), limits)?.into_artifact()
}

/// Reads the tar archive decompressed by `gz`, enforcing `limits`.
fn read_archive(gz: impl Read, limits: &ArtifactLimits) -> Result<Artifact, ArtifactError> {
    let bounded = Bounded {
        inner: gz,
        left: limits.max_total,
        limit: limits.max_total,
    };
    let mut archive = tar::Archive::new(bounded);
    let entries = read_entries(&mut archive, limits)?;
    // Read to the end of the gzip stream (bounded like the rest), so its
    // trailer is checked: the CRC-32 and length of everything decompressed.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink()).map_err(io_error)?;
    entries.into_artifact()
}

/// What an archive's entries held: its model.json, if it had one, and its
/// `code/` files.
struct Entries {
    model_json: Option<Vec<u8>>,
    code: Vec<(String, Vec<u8>)>,
}

impl Entries {
    /// The artifact, or [`ArtifactError::MissingModel`].
    fn into_artifact(self) -> Result<Artifact, ArtifactError> {
        let model_json = self.model_json.ok_or(ArtifactError::MissingModel)?;
        Ok(Artifact {
            model_json,
            code: self.code,
        })
    }
}

/// Reads `archive`'s entries, enforcing `limits` on their count, kinds,
/// paths and sizes.
fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    limits: &ArtifactLimits,
) -> Result<Entries, ArtifactError> {
    let mut model_json = None;
    let mut code = Vec::new();
    let mut count = 0;
    for entry in archive.entries().map_err(io_error)? {
        let mut entry = entry.map_err(io_error)?;
        count += 1;
        if count > limits.max_entries {
            return Err(ArtifactError::TooManyEntries(limits.max_entries));
        }
        let raw_path = entry.path().map_err(io_error)?.into_owned();
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
            .map_err(io_error)?;
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
    Ok(Entries { model_json, code })
}

/// Writes an artifact: `model.json` plus `code/<name>` files, with fixed
/// metadata so the same input gives the same bytes. Compressed at gzip's
/// fastest level: a third of the default level's time for ~10 % more bytes,
/// which matters when a thousand models are written a second.
///
/// The archive is compressed as tar writes it (a header, then an entry's
/// data, then its padding: the same writes give the same deflate blocks;
/// compressing the whole tar in one write does not) into a buffer sized for
/// it rather than one grown from empty, through the thread's deflate state
/// ([`gzip::Member`]: the bytes `GzEncoder` writes, without a new compressor
/// per artifact).
pub fn write_artifact(artifact: &Artifact) -> Vec<u8> {
    // Level 1 leaves model.json's text at well under half its size.
    let code: usize = artifact.code.iter().map(|(_, data)| data.len()).sum();
    let capacity = artifact.model_json.len() / 2 + code + 4096;
    let gz = write_tar(artifact, gzip::Member::start(capacity));
    gz.finish().expect("writing to memory cannot fail")
}

/// The artifact's tar written into `out` (memory: it cannot fail).
fn write_tar<W: Write>(artifact: &Artifact, out: W) -> W {
    let mut builder = tar::Builder::new(out);
    let mut add = |path: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, data)
            .expect("writing to memory cannot fail");
    };
    add("model.json", &artifact.model_json);
    for (name, data) in &artifact.code {
        add(&format!("code/{name}"), data);
    }
    builder.into_inner().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;

    /// What `entry_path` was, through `Path::components`: the oracle.
    fn entry_path_by_components(path: &Path) -> Result<Option<String>, ArtifactError> {
        use std::path::Component;
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

    #[test]
    fn entry_paths_are_what_components_made_of_them() {
        let names = ["", ".", "..", "...", "a", "model.json", ".a", "a.", "é"];
        let mut texts: Vec<String> = Vec::new();
        for a in names {
            for sep in ["", "/", "//"] {
                for b in names {
                    for end in ["", "/"] {
                        texts.push(format!("{a}{sep}{b}{end}"));
                        texts.push(format!("/{a}{sep}{b}{end}"));
                        texts.push(format!("./{a}{sep}{b}{end}"));
                    }
                }
            }
        }
        for text in &texts {
            let path = Path::new(text);
            assert_eq!(entry_path(path), entry_path_by_components(path), "{text:?}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            for bytes in [&b"a/\xff"[..], b"\xff", b"../\xff", b"\xfe/model.json"] {
                let path = Path::new(std::ffi::OsStr::from_bytes(bytes));
                assert_eq!(
                    entry_path(path),
                    entry_path_by_components(path),
                    "{bytes:?}"
                );
            }
        }
    }

    /// `write_artifact` as it was, through a new `GzEncoder` each time: the oracle.
    fn write_artifact_with_gz_encoder(artifact: &Artifact) -> Vec<u8> {
        let gz = write_tar(artifact, GzEncoder::new(Vec::new(), Compression::fast()));
        gz.finish().unwrap()
    }

    /// Artifacts written one after another through the thread's reused
    /// deflate state, on this thread and on a new one, are `GzEncoder`'s
    /// bytes: empty, small and past zio's 32 KiB buffer (a write taken in
    /// parts), text and incompressible bytes, with and without `code/`.
    #[test]
    fn write_artifact_gives_gz_encoders_bytes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(16);
        let text = |n: usize| -> Vec<u8> {
            let mut s = String::new();
            while s.len() < n {
                s.push_str(&format!(
                    "{{\"ds\":{},\"y\":{:.6}}},",
                    s.len(),
                    s.len() as f64 / 7.0
                ));
            }
            s.into_bytes()
        };
        let noise: Vec<u8> = (0..200_000).map(|_| rng.gen()).collect();
        let artifacts = [
            (Vec::new(), vec![]),
            (text(300), vec![]),
            (
                text(150_000),
                vec![("inference.py".to_string(), INFERENCE_PY.as_bytes().to_vec())],
            ),
            (
                noise.clone(),
                vec![("a".to_string(), noise[..70_000].to_vec())],
            ),
            (text(40_000), vec![("b".to_string(), Vec::new())]),
            (text(300), vec![]),
        ]
        .map(|(model_json, code)| Artifact { model_json, code });
        let check = |artifacts: &[Artifact]| {
            for (i, artifact) in artifacts.iter().enumerate() {
                let ours = write_artifact(artifact);
                assert_eq!(
                    ours,
                    write_artifact_with_gz_encoder(artifact),
                    "artifact {i}"
                );
                assert_eq!(
                    read_artifact(&ours, &ArtifactLimits::default())
                        .unwrap()
                        .model_json,
                    artifact.model_json
                );
            }
        };
        check(&artifacts);
        check(&artifacts);
        std::thread::scope(|s| {
            s.spawn(|| check(&artifacts[2..]));
        });
    }

    fn raw_tar(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        gzip(&tar_of(entries))
    }

    fn gzip(tar: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(tar).unwrap();
        gz.finish().unwrap()
    }

    fn tar_of(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            // Write the name bytes directly so hostile paths survive.
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

    #[test]
    fn round_trips() {
        let a = Artifact {
            model_json: b"{}".to_vec(),
            code: vec![("requirements.txt".into(), b"prophet\n".to_vec())],
        };
        let bytes = write_artifact(&a);
        assert_eq!(
            read_artifact(&bytes, &ArtifactLimits::default()).unwrap(),
            a
        );
        assert_eq!(bytes, write_artifact(&a), "deterministic");
    }

    /// Hostile archives are refused by both readers alike: see
    /// `the_tar_reader_refuses_what_read_artifact_refuses`, which checks
    /// `read_artifact`'s answer to each of them too.
    #[test]
    fn rejects_what_is_not_gzip() {
        assert!(matches!(
            read_artifact(b"not gzip at all", &ArtifactLimits::default()),
            Err(ArtifactError::Corrupt(_))
        ));
    }

    /// `read_artifact_tar` of a tar gives what `read_artifact` gives of its
    /// `.tar.gz`: the same artifact or the same refusal.
    fn agree(tar: &[u8], limits: &ArtifactLimits, what: &str) -> Result<Artifact, ArtifactError> {
        let ours = read_artifact_tar(tar, limits);
        assert_eq!(ours, read_artifact(&gzip(tar), limits), "{what}");
        ours
    }

    #[test]
    fn the_tar_reader_reads_the_fixture_artifacts_as_read_artifact_does() {
        let lim = ArtifactLimits::default();
        for name in [
            "seed_trend_only",
            "daily_auto",
            "hourly_mult",
            "logistic_cap",
        ] {
            let path = format!(
                "{}/../../../shared/fixtures/prophet/models/{name}.tar.gz",
                env!("CARGO_MANIFEST_DIR")
            );
            let artifact = std::fs::read(&path).unwrap();
            let mut tar = Vec::new();
            GzDecoder::new(&artifact[..]).read_to_end(&mut tar).unwrap();
            let ours = read_artifact_tar(&tar, &lim).unwrap();
            assert_eq!(ours, read_artifact(&artifact, &lim).unwrap(), "{name}");
        }
    }

    #[test]
    fn the_tar_reader_refuses_what_read_artifact_refuses() {
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
        let link = [("model.json", tar::EntryType::Symlink, &b""[..])];
        assert!(matches!(
            agree(&tar_of(&link), &lim, "symlink"),
            Err(ArtifactError::NotAFile(_))
        ));
        let many: Vec<(String, tar::EntryType, &[u8])> = (0..40)
            .map(|i| (format!("code/f{i}"), f, &b"x"[..]))
            .collect();
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
        let two = [
            ("model.json", f, &b"{}"[..]),
            ("./model.json", f, &b"{}"[..]),
        ];
        assert_eq!(
            agree(&tar_of(&two), &lim, "two"),
            Err(ArtifactError::DuplicateModel)
        );
        let small = ArtifactLimits {
            max_model_json: 4,
            ..lim
        };
        assert_eq!(
            agree(&tar_of(&[("model.json", f, b"{\"a\":1}")]), &small, "big"),
            Err(ArtifactError::ModelTooLarge(4))
        );
        // Past max_total by a byte: refused; at it: read.
        let tar = tar_of(&[("model.json", f, b"{}")]);
        let at = |max_total| ArtifactLimits { max_total, ..lim };
        let over = tar.len() as u64 - 1;
        assert_eq!(
            agree(&tar, &at(over), "over max_total"),
            Err(ArtifactError::TooLarge(over))
        );
        assert!(agree(&tar, &at(tar.len() as u64), "at max_total").is_ok());
        // A gzip handed over as it came, or junk: Corrupt.
        let handed = read_artifact_tar(&gzip(&tar), &lim);
        assert!(matches!(handed, Err(ArtifactError::Corrupt(m)) if m.contains("gzip")));
        let junk = read_artifact_tar(&[7u8; 700], &lim);
        assert!(matches!(junk, Err(ArtifactError::Corrupt(_))));
    }

    #[test]
    fn the_gzip_trailer_is_checked() {
        let a = Artifact {
            model_json: b"{}".to_vec(),
            code: vec![],
        };
        let bytes = write_artifact(&a);
        let lim = ArtifactLimits::default();
        // No trailer (CRC-32 and size), a wrong CRC, a wrong size.
        let cut = &bytes[..bytes.len() - 8];
        let mut bad_crc = bytes.clone();
        let at = bytes.len() - 8;
        bad_crc[at] ^= 0xff;
        let mut bad_size = bytes.clone();
        bad_size[bytes.len() - 1] ^= 0x01;
        for (what, broken) in [("cut", cut), ("crc", &bad_crc[..]), ("size", &bad_size[..])] {
            assert!(
                matches!(read_artifact(broken, &lim), Err(ArtifactError::Corrupt(_))),
                "{what}: {:?}",
                read_artifact(broken, &lim)
            );
        }
        assert_eq!(read_artifact(&bytes, &lim), Ok(a));
    }

    /// The browser builds' reader answers as flate2's does on the cases above
    /// (a `Corrupt` error's text may differ).
    #[test]
    fn the_browser_gzip_reader_reads_as_flate2() {
        let lim = ArtifactLimits {
            max_model_json: 1 << 20,
            ..Default::default()
        };
        let good = write_artifact(&Artifact {
            model_json: br#"{"growth": "linear"}"#.to_vec(),
            code: vec![("inference.py".into(), b"print()\n".to_vec())],
        });
        let n = good.len();
        let edit = |at: usize| {
            let mut b = good.clone();
            b[at] ^= 0xff;
            b
        };
        let f = tar::EntryType::Regular;
        let cases = [
            good.clone(),
            good[..n - 8].to_vec(),
            edit(n - 8),
            edit(n - 1),
            good[..n / 2].to_vec(),
            b"not gzip at all".to_vec(),
            raw_tar(&[("../model.json", f, b"{}")]),
            raw_tar(&[("code/x", f, b"1")]),
            raw_tar(&[("model.json", f, &vec![0u8; 2 << 20])]),
        ];
        for (i, bytes) in cases.iter().enumerate() {
            let browser = gunzip::Gunzip::new(bytes)
                .map_err(io_error)
                .and_then(|gz| read_archive(gz, &lim));
            match (read_artifact(bytes, &lim), browser) {
                (Err(ArtifactError::Corrupt(_)), Err(ArtifactError::Corrupt(_))) => {}
                (native, browser) => assert_eq!(native, browser, "case {i}"),
            }
        }
    }

    #[test]
    fn gzip_bomb_stops_at_the_limit() {
        // 64 MiB of zeros compresses to ~64 KiB; the limit is 1 MiB.
        let big = vec![0u8; 64 << 20];
        let bytes = raw_tar(&[("model.json", tar::EntryType::Regular, &big)]);
        assert!(bytes.len() < 1 << 20);
        let lim = ArtifactLimits {
            max_model_json: 1 << 20,
            max_total: 4 << 20,
            ..Default::default()
        };
        assert_eq!(
            read_artifact(&bytes, &lim),
            Err(ArtifactError::ModelTooLarge(1 << 20))
        );
        let lim = ArtifactLimits {
            max_model_json: 1 << 30,
            max_total: 2 << 20,
            ..Default::default()
        };
        assert_eq!(
            read_artifact(&bytes, &lim),
            Err(ArtifactError::TooLarge(2 << 20))
        );
    }
}
