//! Where gridcast reads and writes: a local directory or an S3 prefix.
//!
//! [`Location::parse`] takes a path or `s3://bucket/prefix`. S3 goes through
//! the `object_store` crate: credentials and region from the standard AWS
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`, container and web
//! identity credentials), `AWS_ENDPOINT_URL` for S3-compatible stores and
//! `AWS_ALLOW_HTTP=true` for plain-HTTP ones; failed requests are retried
//! with exponential backoff before an error is returned. Every `put` is
//! whole or nothing: an S3 PUT is atomic, and a local file is written under
//! a temporary name and renamed.
#![deny(missing_docs)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod atomic_file;

pub use atomic_file::{temporary_target, AtomicFile};

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, GetOptions, ObjectStore, PutPayload, RetryConfig};

/// A directory or an S3 prefix.
#[derive(Clone)]
pub enum Location {
    /// A local directory.
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3 {
        /// The bucket's store.
        store: Arc<dyn ObjectStore>,
        /// The URL as given, for messages.
        url: String,
        /// The prefix inside the bucket.
        prefix: String,
    },
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            Location::S3 { url, .. } => f.write_str(url),
        }
    }
}

/// An object's bytes and version.
#[derive(Debug, Clone)]
pub struct Object {
    /// The content.
    pub bytes: Bytes,
    /// The store's entity tag (S3's ETag; for files, size and modification time).
    pub etag: Option<String>,
}

/// Why a store operation failed (after retries).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object.
    #[error("{0}: not found")]
    NotFound(String),
    /// `s3://` URL without a bucket, or another scheme.
    #[error("{url:?}: {problem}")]
    BadUrl {
        /// What was given.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// The local file system failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The object store failed (after its retries).
    #[error("{location}: {source}")]
    Store {
        /// The object.
        location: String,
        /// The store's error.
        source: object_store::Error,
    },
}

/// How long and how often to retry a store request before giving up.
pub fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: 5,
        retry_timeout: Duration::from_secs(30),
    }
}

impl Location {
    /// A local path, or `s3://bucket/prefix` (the prefix may be empty).
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        Self::parse_with_retry(text, retry_config())
    }

    /// [`Location::parse`] with another retry policy.
    pub fn parse_with_retry(text: &str, retry: RetryConfig) -> Result<Self, StoreError> {
        let Some(rest) = text.strip_prefix("s3://") else {
            if text.contains("://") {
                return Err(StoreError::BadUrl {
                    url: text.into(),
                    problem: "only local paths and s3:// are supported".into(),
                });
            }
            return Ok(Location::Local(PathBuf::from(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError::BadUrl {
                url: text.into(),
                problem: "no bucket name".into(),
            });
        }
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(|source| StoreError::Store {
                location: text.into(),
                source,
            })?;
        Ok(Location::S3 {
            store: Arc::new(store),
            url: text.trim_end_matches('/').into(),
            prefix: prefix.trim_matches('/').into(),
        })
    }

    /// The location `sub` (a relative path with `/` separators) inside this one.
    pub fn child(&self, sub: &str) -> Location {
        let sub = sub.trim_matches('/');
        match self {
            Location::Local(dir) => Location::Local(dir.join(sub)),
            Location::S3 { store, url, prefix } => Location::S3 {
                store: store.clone(),
                url: format!("{url}/{sub}"),
                prefix: if prefix.is_empty() {
                    sub.to_owned()
                } else {
                    format!("{prefix}/{sub}")
                },
            },
        }
    }

    /// Removes `name`; one that is already gone is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), StoreError> {
        match self {
            Location::Local(dir) => match tokio::fs::remove_file(dir.join(name)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
                    path: dir.join(name).display().to_string(),
                    source: e,
                }),
                _ => Ok(()),
            },
            Location::S3 { store, prefix, .. } => {
                match store.delete(&Self::key(prefix, name)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(source) => Err(self.store_error(name, source)),
                }
            }
        }
    }

    /// The directory, when local.
    pub fn local_path(&self) -> Option<&Path> {
        match self {
            Location::Local(p) => Some(p),
            Location::S3 { .. } => None,
        }
    }

    fn key(prefix: &str, name: &str) -> ObjectPath {
        if prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{prefix}/{name}"))
        }
    }

    fn describe(&self, name: &str) -> String {
        format!("{}/{name}", self.to_string().trim_end_matches('/'))
    }

    /// The object `name` (a relative path with `/` separators).
    pub async fn get(&self, name: &str) -> Result<Object, StoreError> {
        self.get_if_changed(name, None)
            .await?
            .ok_or_else(|| StoreError::NotFound(self.describe(name)))
    }

    /// The object `name` unless its entity tag is still `etag` (`None`: not modified).
    pub async fn get_if_changed(
        &self,
        name: &str,
        etag: Option<&str>,
    ) -> Result<Option<Object>, StoreError> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(name);
                let io = |source: std::io::Error| match source.kind() {
                    std::io::ErrorKind::NotFound => {
                        StoreError::NotFound(path.display().to_string())
                    }
                    _ => StoreError::Io {
                        path: path.display().to_string(),
                        source,
                    },
                };
                let meta = tokio::fs::metadata(&path).await.map_err(io)?;
                let tag = local_etag(&meta);
                if etag == Some(tag.as_str()) {
                    return Ok(None);
                }
                let bytes = tokio::fs::read(&path).await.map_err(io)?;
                Ok(Some(Object {
                    bytes: bytes.into(),
                    etag: Some(tag),
                }))
            }
            Location::S3 { store, prefix, .. } => {
                let options = GetOptions {
                    if_none_match: etag.map(str::to_owned),
                    ..Default::default()
                };
                match store.get_opts(&Self::key(prefix, name), options).await {
                    Ok(result) => {
                        let etag = result.meta.e_tag.clone();
                        let bytes = result
                            .bytes()
                            .await
                            .map_err(|source| self.store_error(name, source))?;
                        Ok(Some(Object { bytes, etag }))
                    }
                    Err(object_store::Error::NotModified { .. }) => Ok(None),
                    Err(object_store::Error::NotFound { .. }) => {
                        Err(StoreError::NotFound(self.describe(name)))
                    }
                    Err(source) => Err(self.store_error(name, source)),
                }
            }
        }
    }

    fn store_error(&self, name: &str, source: object_store::Error) -> StoreError {
        StoreError::Store {
            location: self.describe(name),
            source,
        }
    }

    /// Copies the object `name` into the local file `to`, streaming (memory
    /// stays bounded however big the object); `to` appears only when complete.
    pub async fn download_to(&self, name: &str, to: &Path) -> Result<(), StoreError> {
        use tokio::io::AsyncWriteExt;
        let io = |source| StoreError::Io {
            path: to.display().to_string(),
            source,
        };
        match self {
            Location::Local(dir) => {
                tokio::fs::copy(dir.join(name), to)
                    .await
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::NotFound => StoreError::NotFound(self.describe(name)),
                        _ => io(e),
                    })?;
            }
            Location::S3 { store, prefix, .. } => {
                let result = store
                    .get(&Self::key(prefix, name))
                    .await
                    .map_err(|e| match e {
                        object_store::Error::NotFound { .. } => {
                            StoreError::NotFound(self.describe(name))
                        }
                        other => self.store_error(name, other),
                    })?;
                let partial = to.with_extension("partial");
                let mut file = tokio::fs::File::create(&partial).await.map_err(io)?;
                let mut stream = result.into_stream();
                while let Some(chunk) = stream
                    .try_next()
                    .await
                    .map_err(|e| self.store_error(name, e))?
                {
                    file.write_all(&chunk).await.map_err(io)?;
                }
                file.flush().await.map_err(io)?;
                tokio::fs::rename(&partial, to).await.map_err(io)?;
            }
        }
        Ok(())
    }

    /// Writes `name` whole or not at all.
    pub async fn put(&self, name: &str, bytes: Bytes) -> Result<(), StoreError> {
        match self {
            Location::Local(dir) => {
                let path = dir.join(name);
                let target = path.clone();
                tokio::task::spawn_blocking(move || write_atomic(&target, &bytes))
                    .await
                    .map_err(|e| StoreError::Io {
                        path: path.display().to_string(),
                        source: std::io::Error::other(e),
                    })?
                    .map_err(|source| StoreError::Io {
                        path: path.display().to_string(),
                        source,
                    })
            }
            Location::S3 { store, prefix, .. } => store
                .put(&Self::key(prefix, name), PutPayload::from_bytes(bytes))
                .await
                .map(|_| ())
                .map_err(|source| self.store_error(name, source)),
        }
    }

    /// Whether `name` exists.
    pub async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        match self {
            Location::Local(dir) => {
                Ok(tokio::fs::try_exists(dir.join(name)).await.unwrap_or(false))
            }
            Location::S3 { store, prefix, .. } => {
                match store.head(&Self::key(prefix, name)).await {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::NotFound { .. }) => Ok(false),
                    Err(source) => Err(self.store_error(name, source)),
                }
            }
        }
    }

    /// Names (relative to the location) of the objects directly inside it
    /// that end with `suffix`, sorted.
    pub async fn list(&self, suffix: &str) -> Result<Vec<String>, StoreError> {
        let mut names = match self {
            Location::Local(dir) => {
                let io = |source| StoreError::Io {
                    path: dir.display().to_string(),
                    source,
                };
                let mut names = Vec::new();
                let mut entries = tokio::fs::read_dir(dir).await.map_err(io)?;
                while let Some(entry) = entries.next_entry().await.map_err(io)? {
                    if let Some(name) = entry.file_name().to_str() {
                        if name.ends_with(suffix) && entry.file_type().await.map_err(io)?.is_file()
                        {
                            names.push(name.to_owned());
                        }
                    }
                }
                names
            }
            Location::S3 { store, prefix, .. } => {
                let base = if prefix.is_empty() {
                    None
                } else {
                    Some(ObjectPath::from(prefix.as_str()))
                };
                let listed = store
                    .list_with_delimiter(base.as_ref())
                    .await
                    .map_err(|source| self.store_error("", source))?;
                listed
                    .objects
                    .into_iter()
                    .filter_map(|o| o.location.filename().map(str::to_owned))
                    .filter(|n| n.ends_with(suffix))
                    .collect()
            }
        };
        names.sort();
        Ok(names)
    }

    /// Every object below the location (recursively), as relative names.
    pub async fn list_all(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Location::Local(_) => self.list("").await,
            Location::S3 { store, prefix, .. } => {
                let base = if prefix.is_empty() {
                    None
                } else {
                    Some(ObjectPath::from(prefix.as_str()))
                };
                let strip = if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix}/")
                };
                let metas: Vec<_> = store
                    .list(base.as_ref())
                    .try_collect()
                    .await
                    .map_err(|source| self.store_error("", source))?;
                let mut names: Vec<String> = metas
                    .into_iter()
                    .map(|m| m.location.to_string().trim_start_matches(&strip).to_owned())
                    .collect();
                names.sort();
                Ok(names)
            }
        }
    }
}

fn local_etag(meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("\"{:x}-{:x}\"", meta.len(), modified)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    AtomicFile::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_locations_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(dir.path().to_str().unwrap()).unwrap();
        assert!(!loc.exists("a/1.tar.gz").await.unwrap());
        loc.put("a/1.tar.gz", Bytes::from_static(b"one"))
            .await
            .unwrap();
        loc.put("2.csv", Bytes::from_static(b"two")).await.unwrap();
        let child = loc.child("a/");
        assert_eq!(child.list(".tar.gz").await.unwrap(), ["1.tar.gz"]);
        child.delete("1.tar.gz").await.unwrap();
        child.delete("1.tar.gz").await.unwrap();
        assert!(!loc.exists("a/1.tar.gz").await.unwrap());
        loc.put("a/1.tar.gz", Bytes::from_static(b"one"))
            .await
            .unwrap();
        let got = loc.get("a/1.tar.gz").await.unwrap();
        assert_eq!(&got.bytes[..], b"one");
        assert!(loc
            .get_if_changed("a/1.tar.gz", got.etag.as_deref())
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            loc.get("nope").await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(loc.list(".csv").await.unwrap(), ["2.csv"]);
        assert!(matches!(
            Location::parse("s3://"),
            Err(StoreError::BadUrl { .. })
        ));
        assert!(matches!(
            Location::parse("gs://b/x"),
            Err(StoreError::BadUrl { .. })
        ));
    }
}
