//! Where artifacts come from: the `--models` location, a local directory or
//! an S3 prefix. From S3, artifacts are kept in a bounded local disk cache
//! (least recently used removed first) and revalidated by ETag each time a
//! model is loaded into memory, as SageMaker's multi-model endpoints do; if
//! the store cannot be reached, a copy on disk is served rather than failing.

use std::path::PathBuf;
use std::sync::Mutex;

use bytes::Bytes;
use gridcast_model::ArtifactLimits;
use gridcast_store::{Location, StoreError};
use lru::LruCache;

use crate::model_cache::LoadError;
use crate::target_model::TargetModel;

struct DiskEntry {
    etag: Option<String>,
    bytes: u64,
}

/// The local copies of S3 artifacts.
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    index: Mutex<(LruCache<String, DiskEntry>, u64)>,
}

impl DiskCache {
    /// A cache in `dir` (created) holding at most `max_bytes`.
    pub fn new(dir: PathBuf, max_bytes: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            max_bytes,
            index: Mutex::new((LruCache::unbounded(), 0)),
        })
    }

    fn file(&self, target: &TargetModel) -> PathBuf {
        target.path_in(&self.dir)
    }

    fn remember(&self, target: &TargetModel, etag: Option<String>, bytes: u64) {
        let mut guard = self.index.lock().expect("not poisoned");
        let (index, total) = &mut *guard;
        if let Some(old) = index.put(target.as_str().to_owned(), DiskEntry { etag, bytes }) {
            *total -= old.bytes;
        }
        *total += bytes;
        while *total > self.max_bytes && index.len() > 1 {
            let Some((name, entry)) = index.pop_lru() else {
                break;
            };
            *total -= entry.bytes;
            if let Ok(t) = TargetModel::parse(&name) {
                let _ = std::fs::remove_file(self.file(&t));
            }
        }
    }

    fn forget(&self, target: &TargetModel) {
        let mut guard = self.index.lock().expect("not poisoned");
        let (index, total) = &mut *guard;
        if let Some(old) = index.pop(target.as_str()) {
            *total -= old.bytes;
        }
        let _ = std::fs::remove_file(self.file(target));
    }

    fn known_etag(&self, target: &TargetModel) -> Option<Option<String>> {
        self.index
            .lock()
            .expect("not poisoned")
            .0
            .get(target.as_str())
            .map(|e| e.etag.clone())
    }
}

/// The artifacts the endpoint serves.
pub struct ArtifactSource {
    location: Location,
    disk: Option<DiskCache>,
}

impl ArtifactSource {
    /// Artifacts at `location`; S3 locations need a disk cache.
    pub fn new(location: Location, disk: Option<DiskCache>) -> Self {
        Self { location, disk }
    }

    /// A local directory, when the artifacts are local.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The artifact's bytes.
    pub async fn fetch(&self, target: &TargetModel) -> Result<Bytes, LoadError> {
        let name = target.as_str();
        let unavailable = |e: StoreError| LoadError::Unavailable {
            name: name.to_owned(),
            problem: e.to_string(),
        };
        let bytes = match (&self.location, &self.disk) {
            (Location::S3 { .. }, Some(disk)) => {
                let known = disk.known_etag(target);
                match self
                    .location
                    .get_if_changed(name, known.clone().flatten().as_deref())
                    .await
                {
                    Ok(None) => match tokio::fs::read(disk.file(target)).await {
                        Ok(b) => Bytes::from(b),
                        Err(_) => {
                            disk.forget(target);
                            let object = self
                                .location
                                .get(name)
                                .await
                                .map_err(|e| not_found_or(e, name))?;
                            self.keep(disk, target, &object.bytes, object.etag).await;
                            object.bytes
                        }
                    },
                    Ok(Some(object)) => {
                        self.keep(disk, target, &object.bytes, object.etag).await;
                        object.bytes
                    }
                    Err(StoreError::NotFound(_)) => {
                        disk.forget(target);
                        return Err(LoadError::NotFound(name.to_owned()));
                    }
                    Err(e) if known.is_some() => match tokio::fs::read(disk.file(target)).await {
                        Ok(b) => {
                            tracing::warn!(model = name, error = %e, "model store unreachable; serving the copy on disk");
                            Bytes::from(b)
                        }
                        Err(_) => return Err(unavailable(e)),
                    },
                    Err(e) => return Err(unavailable(e)),
                }
            }
            _ => {
                self.location
                    .get(name)
                    .await
                    .map_err(|e| not_found_or(e, name))?
                    .bytes
            }
        };
        let limit = ArtifactLimits::default().max_total;
        if bytes.len() as u64 > limit {
            return Err(LoadError::Corrupt {
                name: name.to_owned(),
                problem: format!("{} bytes, over {limit}", bytes.len()),
            });
        }
        Ok(bytes)
    }

    async fn keep(
        &self,
        disk: &DiskCache,
        target: &TargetModel,
        bytes: &Bytes,
        etag: Option<String>,
    ) {
        let local = Location::Local(disk.dir.clone());
        match local.put(target.as_str(), bytes.clone()).await {
            Ok(()) => disk.remember(target, etag, bytes.len() as u64),
            Err(e) => {
                tracing::warn!(model = target.as_str(), error = %e, "cannot keep a copy on disk")
            }
        }
    }
}

fn not_found_or(e: StoreError, name: &str) -> LoadError {
    match e {
        StoreError::NotFound(_) => LoadError::NotFound(name.to_owned()),
        other => LoadError::Unavailable {
            name: name.to_owned(),
            problem: other.to_string(),
        },
    }
}
