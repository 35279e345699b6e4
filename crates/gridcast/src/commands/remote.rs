//! `s3://` inputs and outputs for `process` and `train`: staged through local
//! temporary directories, uploaded object by object (each S3 PUT is whole or
//! nothing), with the store's retries behind every request.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use gridcast_pipeline::train::ArtifactSink;
use gridcast_pipeline::CustomerId;
use gridcast_store::Location;

/// Requests in flight at once when moving many objects.
const PARALLEL: usize = 16;

/// Whether a command-line path is an object store URL.
pub fn is_remote(text: &str) -> bool {
    text.starts_with("s3://")
}

/// A runtime for the store's async calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the I/O runtime")
}

/// `s3://bucket/a/b.csv` → (`s3://bucket/a`, `b.csv`).
pub fn split_object(url: &str) -> anyhow::Result<(Location, String)> {
    let (parent, name) = url
        .rsplit_once('/')
        .with_context(|| format!("{url}: not an object URL"))?;
    anyhow::ensure!(
        !name.is_empty() && parent.len() > "s3://".len(),
        "{url}: not an object URL"
    );
    Ok((Location::parse(parent)?, name.to_owned()))
}

/// Downloads every `*suffix` object directly under `from` into `to`.
pub async fn download_all(from: &Location, suffix: &str, to: &Path) -> anyhow::Result<usize> {
    let names = from.list(suffix).await?;
    let count = names.len();
    futures::stream::iter(names)
        .map(|name| async move { from.download_to(&name, &to.join(&name)).await })
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(count)
}

/// Uploads every file directly in `dir` to `to`.
pub async fn upload_all(dir: &Path, to: &Location) -> anyhow::Result<usize> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(
                entry
                    .file_name()
                    .into_string()
                    .map_err(|n| anyhow::anyhow!("{n:?} is not UTF-8"))?,
            );
        }
    }
    let count = names.len();
    futures::stream::iter(names)
        .map(|name| async move {
            let bytes = tokio::fs::read(dir.join(&name)).await?;
            to.put(&name, bytes.into())
                .await
                .map_err(anyhow::Error::from)
        })
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(count)
}

/// Artifacts written straight to an object store from the training workers.
pub struct RemoteArtifacts {
    location: Location,
    existing: HashSet<String>,
    runtime: tokio::runtime::Handle,
}

impl RemoteArtifacts {
    /// Puts `bytes` at `name` under the location, whole or not at all.
    fn put_named(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        self.runtime
            .block_on(self.location.put(name, bytes.to_vec().into()))
            .map_err(|e| e.to_string())
    }

    /// Lists what is already at `location` (one listing, not a HEAD per customer).
    pub fn new(location: Location, runtime: &tokio::runtime::Runtime) -> anyhow::Result<Self> {
        let existing = runtime
            .block_on(location.list(".tar.gz"))?
            .into_iter()
            .collect();
        Ok(Self {
            location,
            existing,
            runtime: runtime.handle().clone(),
        })
    }
}

impl ArtifactSink for RemoteArtifacts {
    fn has(&self, customer: &CustomerId) -> bool {
        self.existing.contains(&customer.artifact_name())
    }

    fn put(&self, customer: &CustomerId, bytes: &[u8]) -> Result<(), String> {
        self.put_named(&customer.artifact_name(), bytes)
    }

    fn put_backtest(&self, customer: &CustomerId, bytes: &[u8]) -> Result<(), String> {
        self.put_named(&customer.backtest_name(), bytes)
    }
}
