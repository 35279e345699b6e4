//! Files that appear whole or not at all.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file written under a temporary name beside its destination and renamed
/// into place by [`AtomicFile::commit`]. Dropped uncommitted, the temporary
/// is removed; if the process is killed, the temporary — named
/// `.{file name}.{random}.tmp` — is left for [`temporary_target`] to recognise.
///
/// The rename makes the file whole for every reader and across a killed
/// process. It does not `fsync`: a sync per artifact cost a third of the
/// training time, and after a power loss the trainer re-checks artifacts
/// instead (an unreadable one is trained again).
pub struct AtomicFile {
    target: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `target`; its directory must exist.
    pub fn create(target: &Path) -> io::Result<Self> {
        Self::with_buffer(target, 256 * 1024)
    }

    /// [`AtomicFile::create`] with a write buffer of `capacity` bytes (0:
    /// every write goes straight to the file).
    fn with_buffer(target: &Path, capacity: usize) -> io::Result<Self> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = target.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "destination has no file name")
        })?;
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // tempfile creates 0600 files; artifacts and data are for sharing
        // (the umask still applies).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let tmp = builder.tempfile_in(dir)?;
        Ok(Self {
            target: target.to_owned(),
            writer: BufWriter::with_capacity(capacity, tmp),
        })
    }

    /// Flushes and renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        let tmp = self.writer.into_inner().map_err(|e| e.into_error())?;
        #[cfg(debug_assertions)]
        pause_before_rename::if_asked(tmp.path());
        tmp.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }

    /// Writes `bytes` to `target` atomically, in one write: no buffer to
    /// allocate and copy through (a training run writes thousands).
    pub fn write(target: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut file = Self::with_buffer(target, 0)?;
        file.write_all(bytes)?;
        file.commit()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// A test hook, in debug builds only (the tests' build; never in release):
/// with `GRIDCAST_PAUSE_BEFORE_RENAME=N:MARKER`, the process's N-th commit
/// (counting from 1) writes its complete temporary, writes that temporary's
/// path to the file MARKER, and waits forever instead of renaming, so a test
/// can kill the process exactly between the write and the rename.
#[cfg(debug_assertions)]
mod pause_before_rename {
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The environment variable.
    pub const VARIABLE: &str = "GRIDCAST_PAUSE_BEFORE_RENAME";

    static COMMITS: AtomicUsize = AtomicUsize::new(0);

    pub fn if_asked(temporary: &Path) {
        let Some(spec) = std::env::var_os(VARIABLE) else {
            return;
        };
        let commit = COMMITS.fetch_add(1, Ordering::SeqCst) + 1;
        let spec = spec.to_string_lossy();
        let Some((at, marker)) = spec.split_once(':') else {
            panic!("{VARIABLE} should be N:MARKER-FILE, not {spec:?}");
        };
        if at.parse::<usize>().ok() != Some(commit) {
            return;
        }
        // Written whole (temporary + rename) so a poller never reads half.
        let written = format!("{marker}.writing");
        std::fs::write(&written, temporary.as_os_str().as_encoded_bytes())
            .and_then(|()| std::fs::rename(&written, marker))
            .unwrap_or_else(|e| panic!("{VARIABLE}: cannot write {marker}: {e}"));
        loop {
            std::thread::park();
        }
    }
}

/// The destination name of an [`AtomicFile`] temporary, if `file_name` is one.
pub fn temporary_target(file_name: &str) -> Option<&str> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (target, random) = inner.rsplit_once('.')?;
    (!target.is_empty() && !random.is_empty()).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_renames_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("42.tar.gz");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"half").unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 1);
        assert_eq!(temporary_target(&names[0]), Some("42.tar.gz"));
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        AtomicFile::write(&target, b"whole").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o044,
                0o044,
                "readable by group and others: {mode:o}"
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
