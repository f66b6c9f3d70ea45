//! The simulator's stand-in for the iOS Keychain: a file readable only by its owner, in the
//! simulator's data folder. For development on a desk, never for a device.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use carnet_ffi::{KeyStore, KeyStoreError};

pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.dir.join(format!("{safe}.secret"))
    }
}

fn failed(e: std::io::Error) -> KeyStoreError {
    KeyStoreError::Failed {
        reason: e.kind().to_string(),
    }
}

impl KeyStore for FileKeyStore {
    fn load(&self, name: String) -> Result<Vec<u8>, KeyStoreError> {
        std::fs::read(self.path(&name)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => KeyStoreError::Absent,
            _ => failed(e),
        })
    }

    /// Writes a new file and renames it over the old one: the old value stays until the new
    /// one is whole.
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError> {
        let path = self.path(&name);
        let tmp = path.with_extension("secret.tmp");
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(&value)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(failed)
    }

    fn delete(&self, name: String) {
        let _ = std::fs::remove_file(self.path(&name));
    }
}
