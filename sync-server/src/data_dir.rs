//! The data directory: the owner's only (directory 0700, every file 0600, whatever the
//! umask), and the lock a running server holds on it so that a restore cannot replace the
//! database under it.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file a running server holds (`flock`, exclusive) for as long as it runs.
pub const LOCK_FILE: &str = "serve.lock";

/// Creates `dir` (and missing parents) mode 0700, or narrows an existing one to 0700.
pub fn prepare(dir: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(dir, e))?;
    restrict(dir, 0o700)
}

/// Narrows `path` to `mode` if it exists and others may read or write it.
pub fn restrict(path: &Path, mode: u32) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(path, e))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Creates `path` empty with mode 0600 if it does not exist (SQLite gives a database's WAL
/// and shared-memory files the database file's mode), or narrows it to 0600.
pub fn private_file(path: &Path) -> Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => restrict(path, 0o600),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// A new file at `path` (replacing none), mode 0600, for writing.
pub fn create_private(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

/// `path` with `suffix` appended to its file name.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Fsyncs the directory `dir`, so that a rename into it survives a power cut.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// The exclusive lock on a data directory, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Takes the data directory's lock, for a server (`what` = "serve") or a command that must
/// not run beside one. Refuses at once if another process holds it.
pub fn lock(dir: &Path, what: &str) -> Result<Lock> {
    prepare(dir)?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Config(format!(
            "cannot {what}: a server is running on {} (it holds {}); stop it first",
            dir.display(),
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directory_and_files_are_the_owners_only() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b");
        prepare(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        let f = data.join("f");
        private_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
    }

    #[test]
    fn one_lock_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path(), "serve").unwrap();
        let e = lock(dir.path(), "restore").unwrap_err().to_string();
        assert!(e.contains("a server is running"), "{e}");
        drop(held);
        lock(dir.path(), "restore").unwrap();
    }
}
