//! The simulator's stand-in for the iOS Keychain: a file readable only by its owner, in the
//! simulator's data folder. For development on a desk, never for a device.

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

impl KeyStore for FileKeyStore {
    fn load(&self, name: String) -> Option<Vec<u8>> {
        std::fs::read(self.path(&name)).ok()
    }

    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(self.path(&name))?;
            file.write_all(&value)
        };
        write().map_err(|_| KeyStoreError::Unavailable)
    }

    fn delete(&self, name: String) {
        let _ = std::fs::remove_file(self.path(&name));
    }
}
