//! Where artifacts come from: the `--models` location, a local directory or
//! an S3 prefix. From S3, artifacts are kept in a bounded local disk cache
//! (least recently used removed first) and revalidated by ETag each time a
//! model is loaded into memory, as SageMaker's multi-model endpoints do; if
//! the store cannot be reached, a copy on disk is served rather than failing.
//! Beside each artifact loaded (from S3 or a local directory) the disk cache
//! keeps its parsed form (`<TargetModel>.parsed`, see
//! [`gridcast_model::write_parsed_form`]), so the next cold load of the same
//! artifact bytes skips gunzip and model.json.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use gridcast_model::ParsedFormKey;
use gridcast_store::Location;
use lru::LruCache;

use crate::model_cache::LoadError;
use crate::target_model::TargetModel;

struct DiskEntry {
    etag: Option<String>,
    /// Bytes of the artifact's copy (0 for a local artifact).
    copy: u64,
    /// Bytes of its parsed form (0 until one is written).
    parsed: u64,
}

impl DiskEntry {
    fn bytes(&self) -> u64 {
        self.copy + self.parsed
    }
}

/// The local copies of S3 artifacts, and the parsed forms of every
/// artifact loaded.
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    index: Mutex<(LruCache<String, DiskEntry>, u64)>,
    /// Seals this process's parsed forms: a form another process or anyone
    /// else wrote into the directory is never read as a model.
    key: ParsedFormKey,
}

impl DiskCache {
    /// A cache in `dir` (created, private to this user: see
    /// [`private_directory`]) holding at most `max_bytes`, its parsed forms
    /// sealed under a key drawn now.
    pub fn new(dir: PathBuf, max_bytes: u64) -> std::io::Result<Self> {
        private_directory(&dir)?;
        Ok(Self {
            dir,
            max_bytes,
            index: Mutex::new((LruCache::unbounded(), 0)),
            key: ParsedFormKey::new(rand::random()),
        })
    }

    fn file(&self, target: &TargetModel) -> PathBuf {
        target.path_in(&self.dir)
    }

    /// Where `target`'s parsed form lives: beside its copy (a TargetModel
    /// ends in `.tar.gz`, so no artifact is named like a parsed form).
    fn parsed_file(&self, target: &TargetModel) -> PathBuf {
        let mut path = self.file(target).into_os_string();
        path.push(".parsed");
        path.into()
    }

    fn remember(&self, target: &TargetModel, etag: Option<String>, bytes: u64) {
        self.account(target, |e| {
            e.etag = etag;
            e.copy = bytes;
        });
    }

    /// Counts a parsed form of `bytes` against the budget, with its
    /// artifact's copy (the two are evicted together).
    fn remember_parsed(&self, target: &TargetModel, bytes: u64) {
        self.account(target, |e| e.parsed = bytes);
    }

    /// Changes `target`'s entry (made most recent), then evicts the least
    /// recently used entries' files until the total fits.
    fn account(&self, target: &TargetModel, change: impl FnOnce(&mut DiskEntry)) {
        let mut guard = self.index.lock().expect("not poisoned");
        let (index, total) = &mut *guard;
        let mut entry = index.pop(target.as_str()).unwrap_or(DiskEntry {
            etag: None,
            copy: 0,
            parsed: 0,
        });
        *total -= entry.bytes();
        change(&mut entry);
        *total += entry.bytes();
        index.put(target.as_str().to_owned(), entry);
        while *total > self.max_bytes && index.len() > 1 {
            let Some((name, entry)) = index.pop_lru() else {
                break;
            };
            *total -= entry.bytes();
            if let Ok(t) = TargetModel::parse(&name) {
                let _ = std::fs::remove_file(self.file(&t));
                let _ = std::fs::remove_file(self.parsed_file(&t));
            }
        }
    }

    fn forget(&self, target: &TargetModel) {
        let mut guard = self.index.lock().expect("not poisoned");
        let (index, total) = &mut *guard;
        if let Some(old) = index.pop(target.as_str()) {
            *total -= old.bytes();
        }
        let _ = std::fs::remove_file(self.file(target));
        let _ = std::fs::remove_file(self.parsed_file(target));
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

/// One model's parsed form in the disk cache, handed to the thread that
/// loads the model (blocking file I/O, as the parse is).
#[derive(Clone)]
pub struct ParsedFormFile {
    disk: Arc<DiskCache>,
    target: TargetModel,
}

impl ParsedFormFile {
    /// The key this process seals its parsed forms with.
    pub fn key(&self) -> &ParsedFormKey {
        &self.disk.key
    }

    /// The file's bytes when it is a regular file of at most `max_bytes`
    /// (`None`: no usable file; the artifact is parsed instead). Blocking.
    pub fn read(&self, max_bytes: u64) -> Option<Bytes> {
        let path = self.disk.parsed_file(&self.target);
        read_local_blocking(&path, self.target.as_str(), max_bytes).ok()
    }

    /// Replaces the file by `bytes` (a temporary renamed into place, so a
    /// reader sees the old file or the new one), counted in the disk budget;
    /// a failure is logged, the load goes on without it.
    pub fn write(&self, bytes: &[u8]) {
        let path = self.disk.parsed_file(&self.target);
        let written = match path.parent() {
            Some(dir) => std::fs::create_dir_all(dir),
            None => Ok(()),
        }
        .and_then(|()| gridcast_store::AtomicFile::write(&path, bytes));
        match written {
            Ok(()) => self.disk.remember_parsed(&self.target, bytes.len() as u64),
            Err(e) => tracing::warn!(
                model = self.target.as_str(),
                error = %e,
                "cannot keep the parsed form on disk"
            ),
        }
    }
}

/// Makes `dir` (and its parents) if missing and checks that it is a real
/// directory (not a symbolic link) owned by this process's user, then makes
/// it `0700`: the copies and parsed forms in it are read back as models, and
/// the default lives under the shared temporary directory, where another user
/// could have made it first.
fn private_directory(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = std::fs::symlink_metadata(dir)?;
    let refuse = |why: String| {
        std::io::Error::other(format!(
            "the disk cache {} {why}; give --disk-cache a directory of your own",
            dir.display()
        ))
    };
    if !meta.is_dir() {
        return Err(refuse("is not a directory (a symbolic link?)".into()));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(refuse(format!(
            "belongs to user {}, not to this process's user {me}",
            meta.uid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The artifacts the endpoint serves.
pub struct ArtifactSource {
    location: Location,
    disk: Option<Arc<DiskCache>>,
    max_bytes: u64,
}

/// Reads a local artifact file: a regular file (a directory or device named
/// like an artifact is no artifact) of at most `max_bytes`, its size checked
/// before anything is read and again while reading. One trip to the blocking
/// pool for the whole read ([`read_local_blocking`]; `tokio::fs` takes one per
/// step, and each trip is a wait when the machine is busy).
pub async fn read_local(path: &Path, name: &str, max_bytes: u64) -> Result<Bytes, LoadError> {
    let (path, owned) = (path.to_owned(), name.to_owned());
    tokio::task::spawn_blocking(move || read_local_blocking(&path, &owned, max_bytes))
        .await
        .unwrap_or_else(|e| {
            Err(LoadError::Corrupt {
                name: name.to_owned(),
                problem: e.to_string(),
            })
        })
}

/// [`read_local`] on the calling thread (blocking).
pub fn read_local_blocking(path: &Path, name: &str, max_bytes: u64) -> Result<Bytes, LoadError> {
    use std::io::Read;
    let corrupt = |problem: String| LoadError::Corrupt {
        name: name.to_owned(),
        problem,
    };
    // No such file, a file where a directory should be, a name too long
    // for the file system: there is no such artifact.
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => {
            LoadError::NotFound(name.to_owned())
        }
        _ if e.raw_os_error() == Some(libc::ENAMETOOLONG) => LoadError::NotFound(name.to_owned()),
        _ => corrupt(e.to_string()),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(LoadError::NotFound(name.to_owned()));
    }
    if meta.len() > max_bytes {
        return Err(too_large(name, meta.len(), max_bytes));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(name, bytes.len() as u64, max_bytes));
    }
    Ok(Bytes::from(bytes))
}

fn too_large(name: &str, bytes: u64, max: u64) -> LoadError {
    LoadError::Corrupt {
        name: name.to_owned(),
        problem: format!("the artifact is {bytes} bytes, more than the {max} bytes allowed"),
    }
}

impl ArtifactSource {
    /// Artifacts at `location`, none larger than `max_bytes`; S3 locations
    /// need a disk cache.
    pub fn new(location: Location, disk: Option<DiskCache>, max_bytes: u64) -> Self {
        Self {
            location,
            disk: disk.map(Arc::new),
            max_bytes,
        }
    }

    /// Where `target`'s parsed form is kept, when there is a disk cache.
    pub fn parsed_form(&self, target: &TargetModel) -> Option<ParsedFormFile> {
        self.disk.as_ref().map(|disk| ParsedFormFile {
            disk: disk.clone(),
            target: target.clone(),
        })
    }

    /// A local directory, when the artifacts are local.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The artifact's bytes (never more than the limit is read).
    pub async fn fetch(&self, target: &TargetModel) -> Result<Bytes, LoadError> {
        let name = target.as_str();
        match (&self.location, &self.disk) {
            (Location::Local(dir), _) => {
                read_local(&target.path_in(dir), name, self.max_bytes).await
            }
            (Location::S3 { .. }, Some(disk)) => self.fetch_through_disk(disk, target).await,
            (Location::S3 { .. }, None) => Ok(self
                .get_s3(name, None, self.max_bytes)
                .await?
                .expect("no etag given")
                .0),
        }
    }

    /// A model's small companion file `name` (its backtest) at the model
    /// location, at most `max_bytes`, read afresh each time (no disk copy).
    pub async fn fetch_beside(&self, name: &str, max_bytes: u64) -> Result<Bytes, LoadError> {
        match &self.location {
            Location::Local(dir) => read_local(&dir.join(name), name, max_bytes).await,
            Location::S3 { .. } => Ok(self
                .get_s3(name, None, max_bytes)
                .await?
                .expect("no etag given")
                .0),
        }
    }

    /// From S3 unless the copy on disk is current (ETag); the copy when the
    /// store cannot be reached.
    async fn fetch_through_disk(
        &self,
        disk: &DiskCache,
        target: &TargetModel,
    ) -> Result<Bytes, LoadError> {
        let name = target.as_str();
        let known = disk.known_etag(target);
        match self
            .get_s3(name, known.clone().flatten().as_deref(), self.max_bytes)
            .await
        {
            Ok(None) => match read_local(&disk.file(target), name, self.max_bytes).await {
                Ok(b) => Ok(b),
                Err(_) => {
                    disk.forget(target);
                    let (bytes, etag) = self
                        .get_s3(name, None, self.max_bytes)
                        .await?
                        .expect("no etag given");
                    self.keep(disk, target, &bytes, etag).await;
                    Ok(bytes)
                }
            },
            Ok(Some((bytes, etag))) => {
                self.keep(disk, target, &bytes, etag).await;
                Ok(bytes)
            }
            Err(LoadError::NotFound(n)) => {
                disk.forget(target);
                Err(LoadError::NotFound(n))
            }
            Err(e @ LoadError::Unavailable { .. }) if known.is_some() => {
                match read_local(&disk.file(target), name, self.max_bytes).await {
                    Ok(b) => {
                        tracing::warn!(model = name, error = %e, "model store unreachable; serving the copy on disk");
                        Ok(b)
                    }
                    Err(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// A conditional GET of the S3 object (`None`: still `etag`), its size
    /// checked from the answer's headers before the body is read.
    async fn get_s3(
        &self,
        name: &str,
        etag: Option<&str>,
        max_bytes: u64,
    ) -> Result<Option<(Bytes, Option<String>)>, LoadError> {
        s3_get(&self.location, name, etag, max_bytes).await
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

/// A conditional read of `name` at `location` (`None`: still `etag`) of at
/// most `max_bytes`, its size checked before it is read: S3's entity tag,
/// or a local file's length and modification time.
pub(crate) async fn get_bounded(
    location: &Location,
    name: &str,
    etag: Option<&str>,
    max_bytes: u64,
) -> Result<Option<(Bytes, Option<String>)>, LoadError> {
    match location {
        Location::Local(dir) => {
            let path = dir.join(name);
            let meta = tokio::fs::metadata(&path)
                .await
                .map_err(|_| LoadError::NotFound(name.to_owned()))?;
            let tag = format!("{}-{:?}", meta.len(), meta.modified().ok());
            if etag == Some(tag.as_str()) {
                return Ok(None);
            }
            let bytes = read_local(&path, name, max_bytes).await?;
            Ok(Some((bytes, Some(tag))))
        }
        Location::S3 { .. } => s3_get(location, name, etag, max_bytes).await,
    }
}

/// A conditional GET of the S3 object (`None`: still `etag`), its size
/// checked from the answer's headers before the body is read.
async fn s3_get(
    location: &Location,
    name: &str,
    etag: Option<&str>,
    max_bytes: u64,
) -> Result<Option<(Bytes, Option<String>)>, LoadError> {
    use futures_util::TryStreamExt;
    let Location::S3 { store, prefix, .. } = &location else {
        unreachable!("called for S3 locations only")
    };
    let unavailable = |e: object_store::Error| LoadError::Unavailable {
        name: name.to_owned(),
        problem: format!("{}/{name}: {e}", location),
    };
    let key = if prefix.is_empty() {
        object_store::path::Path::from(name)
    } else {
        object_store::path::Path::from(format!("{prefix}/{name}"))
    };
    let options = object_store::GetOptions {
        if_none_match: etag.map(str::to_owned),
        ..Default::default()
    };
    let result = match store.get_opts(&key, options).await {
        Ok(result) => result,
        Err(object_store::Error::NotModified { .. }) => return Ok(None),
        Err(object_store::Error::NotFound { .. }) => {
            return Err(LoadError::NotFound(name.to_owned()))
        }
        Err(e) => return Err(unavailable(e)),
    };
    if result.meta.size > max_bytes {
        return Err(too_large(name, result.meta.size, max_bytes));
    }
    let etag = result.meta.e_tag.clone();
    let mut bytes = Vec::with_capacity(result.meta.size as usize);
    let mut stream = result.into_stream();
    while let Some(chunk) = stream.try_next().await.map_err(unavailable)? {
        if (bytes.len() + chunk.len()) as u64 > max_bytes {
            return Err(too_large(
                name,
                (bytes.len() + chunk.len()) as u64,
                max_bytes,
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some((Bytes::from(bytes), etag)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_disk_cache_is_made_private() {
        let root = tempfile::tempdir().unwrap();
        let made = root.path().join("new/cache");
        DiskCache::new(made.clone(), 1 << 20).unwrap();
        assert_eq!(mode(&made), 0o700);
        // One left open by an earlier run (or by umask) is closed.
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        DiskCache::new(open.clone(), 1 << 20).unwrap();
        assert_eq!(mode(&open), 0o700);
    }

    #[test]
    fn a_disk_cache_behind_a_symbolic_link_or_a_file_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = DiskCache::new(link, 1 << 20).err().expect("refused");
        assert!(e.to_string().contains("not a directory"), "{e}");
        let file = root.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(DiskCache::new(file, 1 << 20).is_err());
    }

    #[test]
    fn each_disk_cache_seals_under_its_own_key() {
        let root = tempfile::tempdir().unwrap();
        let a = DiskCache::new(root.path().join("a"), 1 << 20).unwrap();
        let b = DiskCache::new(root.path().join("b"), 1 << 20).unwrap();
        assert_eq!(
            format!("{:?}", a.key),
            "ParsedFormKey(..)",
            "Debug hides it"
        );
        let artifact = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz"),
        )
        .unwrap();
        let json = gridcast_model::read_artifact(&artifact, &Default::default())
            .unwrap()
            .model_json;
        let model = gridcast_model::read_model_json(&json).unwrap();
        let seed = gridcast_model::AnswerSeed::of_model_json(&json);
        let form = gridcast_model::write_parsed_form(&model, seed, &artifact, &a.key);
        assert!(gridcast_model::read_parsed_form(&form, &artifact, &a.key).is_ok());
        assert_eq!(
            gridcast_model::read_parsed_form(&form, &artifact, &b.key).unwrap_err(),
            gridcast_model::ParsedFormError::Damaged
        );
    }
}
