//! The platform key store, as a foreign trait (the iOS Keychain on the device), and a
//! file-backed implementation that is for development and tests only.
//!
//! It holds the cache key and the device's signing key while the session is locked; the core
//! holds the cache key only while unlocked.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

/// Name of the cache's 256-bit key in the key store.
pub const CACHE_KEY: &str = "carnet.cache-key";
/// Name of the device's Ed25519 key pair (PKCS#8) in the key store.
pub const DEVICE_KEY: &str = "carnet.device-key";

/// Why the key store could not give or keep a value. Only [`KeyStoreError::Absent`] means
/// there is nothing: the session never takes the other two for a device that is not enrolled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// Nothing is stored under this name.
    #[error("nothing is stored under this name")]
    Absent,
    /// The store cannot be read now but will be later: an iPhone restarted and not yet
    /// unlocked by its passcode keeps its Keychain closed.
    #[error("the key store is temporarily unavailable")]
    TemporarilyUnavailable,
    /// Anything else (what failed, never the value).
    #[error("the key store failed: {0}")]
    Failed(String),
}

/// Secrets kept by the platform. Plain data in and out so that it can be a foreign trait.
pub trait KeyStore: Send + Sync {
    /// The value stored under `name`: [`KeyStoreError::Absent`] if there is none.
    fn load(&self, name: String) -> Result<Vec<u8>, KeyStoreError>;
    /// Stores `value` under `name`, replacing any previous one in one step: a failure leaves
    /// the previous value in place.
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError>;
    /// Forgets `name` (no error if absent).
    fn delete(&self, name: String);
}

/// **Development only**: keeps each secret in a 0600 file of a 0700 directory. It protects
/// nothing from anyone who can read the user's files; the app uses the Keychain.
#[derive(Debug, Clone)]
pub struct DevFileKeyStore {
    dir: PathBuf,
}

impl DevFileKeyStore {
    /// A key store in `dir` (created 0700 if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, KeyStoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        Ok(Self { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        // Names are ours (constants above); anything else is made file-safe.
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.secret"))
    }
}

fn io(e: std::io::Error) -> KeyStoreError {
    match e.kind() {
        std::io::ErrorKind::NotFound => KeyStoreError::Absent,
        kind => KeyStoreError::Failed(kind.to_string()),
    }
}

impl KeyStore for DevFileKeyStore {
    fn load(&self, name: String) -> Result<Vec<u8>, KeyStoreError> {
        std::fs::read(self.path(&name)).map_err(io)
    }

    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError> {
        let path = self.path(&name);
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        file.write_all(&value)
            .and_then(|()| file.sync_all())
            .map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    fn delete(&self, name: String) {
        let path = self.path(&name);
        // Overwrite before unlinking: best effort (flash storage may keep old blocks, which
        // is why the real store is the Keychain).
        if let Ok(meta) = std::fs::metadata(&path)
            && let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&path)
        {
            let zeros = vec![0u8; usize::try_from(meta.len()).unwrap_or(0)];
            let _ = f.write_all(&zeros).and_then(|()| f.sync_all());
        }
        let _ = std::fs::remove_file(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_store_keeps_private_files_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let ks = DevFileKeyStore::new(dir.path().join("ks")).unwrap();
        assert_eq!(ks.load(CACHE_KEY.into()), Err(KeyStoreError::Absent));
        ks.store(CACHE_KEY.into(), vec![1, 2, 3]).unwrap();
        assert_eq!(ks.load(CACHE_KEY.into()), Ok(vec![1, 2, 3]));
        let mode = std::fs::metadata(ks.path(CACHE_KEY))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        ks.delete(CACHE_KEY.into());
        assert_eq!(ks.load(CACHE_KEY.into()), Err(KeyStoreError::Absent));
        ks.delete(CACHE_KEY.into());
    }
}
