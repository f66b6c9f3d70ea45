//! The server secret, where it comes from, and the keys derived from it: the database's
//! SQLCipher key and the pepper of advisors' PIN hashes.
//!
//! One 256-bit secret that is not on the data directory's disk unless an operator puts it
//! there. Sources, the first one given wins:
//! 1. `CARNET_SERVER_SECRET`: 64 hex digits in the environment (a service manager, a vault
//!    agent, a test);
//! 2. `--secret-file PATH` / config `secret_file`: a file holding 64 hex digits, readable by
//!    its owner only (a USB key or another mount, a systemd credential);
//! 3. `--secret-command CMD` / config `secret_command`: a command (run by `sh -c`) whose
//!    standard output is the 64 hex digits (a KMS or vault client unwrapping it).
//!
//! Each key is HKDF-SHA256 (RFC 5869) of the secret, salt `carnet-sync-server`, with its own
//! label as `info`: `database key v1` (the database, its WAL and its backups), `pin pepper v1`
//! (the Argon2id secret of PIN hashes), `postgres seal v1` and `postgres card tag v1` (the
//! personal data a PostgreSQL database holds, see [`crate::sealed`]), `message recipient tag
//! v1` (the numbers SMS went to, see [`crate::messages::unsubscribe`]). One key tells nothing about the other or the secret;
//! a new purpose gets a new label, never a reused key.
//!
//! The secret is process-wide: the first command that opens the database resolves it (so
//! commands that never open it, like `fingerprint`, need none) and it stays in memory, wiped
//! on exit, never printed.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use carnet_core::CacheKey;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The environment variable holding the secret.
pub const ENV: &str = "CARNET_SERVER_SECRET";

/// Bytes of the secret and of each derived key.
pub const LEN: usize = 32;

/// How long a secret command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

const SALT: &[u8] = b"carnet-sync-server";
const DATABASE_LABEL: &[u8] = b"database key v1";
const PEPPER_LABEL: &[u8] = b"pin pepper v1";
const SEAL_LABEL: &[u8] = b"postgres seal v1";
const CARD_TAG_LABEL: &[u8] = b"postgres card tag v1";
const RECIPIENT_TAG_LABEL: &[u8] = b"message recipient tag v1";

/// Where the secret may come from besides the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// A file holding the secret.
    pub file: Option<PathBuf>,
    /// A command printing the secret.
    pub command: Option<String>,
}

/// The server secret. Never printed, wiped when dropped.
pub struct ServerSecret(Zeroizing<[u8; LEN]>);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(<redacted>)")
    }
}

impl ServerSecret {
    /// Parses 64 hex digits (surrounding whitespace ignored). The error never quotes the text.
    pub fn from_hex(text: &str, from: &str) -> Result<Self> {
        let text = text.trim();
        let bad = || {
            Error::Config(format!(
                "the server secret from {from} is not 64 hex digits"
            ))
        };
        if text.len() != 2 * LEN {
            return Err(bad());
        }
        let mut bytes = Zeroizing::new([0u8; LEN]);
        for (i, pair) in text.as_bytes().chunks(2).enumerate() {
            let digit = |c: u8| char::from(c).to_digit(16);
            let (Some(hi), Some(lo)) = (digit(pair[0]), digit(pair[1])) else {
                return Err(bad());
            };
            bytes[i] = u8::try_from(hi * 16 + lo).map_err(|_| bad())?;
        }
        Ok(Self(bytes))
    }

    /// A fresh random secret (tests, benchmarks, a first set-up).
    pub fn generate() -> Result<Self> {
        let random = Zeroizing::new(crate::ids::random_bytes(LEN)?);
        let mut bytes = Zeroizing::new([0u8; LEN]);
        bytes.copy_from_slice(&random);
        Ok(Self(bytes))
    }

    /// The secret as 64 hex digits, to hand to a child process or write to a secret file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(crate::ids::hex(self.0.as_ref()))
    }

    /// The keys derived from this secret.
    pub fn keys(&self) -> Result<Keys> {
        let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, SALT).extract(self.0.as_ref());
        let derive = |label: &[u8]| -> Result<Zeroizing<[u8; LEN]>> {
            let mut out = Zeroizing::new([0u8; LEN]);
            prk.expand(&[label], Len)
                .and_then(|okm| okm.fill(out.as_mut()))
                .map_err(|_| Error::Task("key derivation failed".into()))?;
            Ok(out)
        };
        let database = CacheKey::from_bytes(derive(DATABASE_LABEL)?.as_ref())
            .map_err(|_| Error::Task("key derivation failed".into()))?;
        Ok(Keys {
            database,
            pin_pepper: KeyBytes(derive(PEPPER_LABEL)?),
            seal: KeyBytes(derive(SEAL_LABEL)?),
            card_tag: ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                derive(CARD_TAG_LABEL)?.as_ref(),
            ),
            recipient_tag: ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                derive(RECIPIENT_TAG_LABEL)?.as_ref(),
            ),
        })
    }
}

/// The output length HKDF is asked for.
struct Len;

impl ring::hkdf::KeyType for Len {
    fn len(&self) -> usize {
        LEN
    }
}

/// The keys of one server secret.
#[derive(Debug)]
pub struct Keys {
    /// The SQLCipher key of the database, its WAL and its backups.
    pub database: CacheKey,
    /// The secret mixed into every PIN hash (Argon2id's `secret`).
    pub pin_pepper: Pepper,
    /// The AES-256-GCM key that seals the personal data of a PostgreSQL database.
    pub seal: KeyBytes,
    /// Tags card numbers for the lookups a PostgreSQL database answers without the card.
    pub card_tag: ring::hmac::Key,
    /// Tags the phone numbers SMS went to, to match a STOP reply without keeping the number.
    pub recipient_tag: ring::hmac::Key,
}

/// A derived key's bytes. Never printed, wiped when dropped.
pub struct KeyBytes(Zeroizing<[u8; LEN]>);

impl KeyBytes {
    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyBytes(<redacted>)")
    }
}

/// The PIN pepper.
pub type Pepper = KeyBytes;

/// What the error says when no source is given.
pub const HOW: &str = "the server needs its secret (64 hex digits, e.g. from `openssl rand -hex 32`) \
     to open its encrypted database: set CARNET_SERVER_SECRET, or pass --secret-file PATH \
     (config `secret_file`; a file readable only by the server, not on the data directory's \
     disk), or --secret-command CMD (config `secret_command`; a command printing it, e.g. a KMS \
     client)";

/// Resolves the secret from `env` (the variable's value, if set), then `sources`.
pub fn resolve(sources: &Sources, env: Option<Zeroizing<String>>) -> Result<ServerSecret> {
    if let Some(value) = env.filter(|v| !v.trim().is_empty()) {
        return ServerSecret::from_hex(&value, ENV);
    }
    if let Some(path) = &sources.file {
        return from_file(path);
    }
    if let Some(command) = &sources.command {
        return from_command(command);
    }
    Err(Error::Config(HOW.into()))
}

fn from_file(path: &Path) -> Result<ServerSecret> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.mode() & 0o077 != 0 {
        return Err(Error::Config(format!(
            "the secret file {} may be read by others (mode {:o}): `chmod 600` it",
            path.display(),
            meta.mode() & 0o777
        )));
    }
    let mut text = Zeroizing::new(String::new());
    std::fs::File::open(path)
        .and_then(|f| f.take(1024).read_to_string(&mut text))
        .map_err(|e| Error::io(path, e))?;
    ServerSecret::from_hex(&text, &format!("the file {}", path.display()))
}

fn from_command(command: &str) -> Result<ServerSecret> {
    let failed = |why: String| Error::Config(format!("the secret command failed: {why}"));
    let mut child = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| failed("no standard output".into()))?;
    // Read on a thread: a command that never closes its output must not hang the server.
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = Zeroizing::new(String::new());
        let read = (&mut stdout).take(1024).read_to_string(&mut text);
        let _ = send.send(read.map(|_| text));
    });
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| failed(e.to_string()))? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(failed(format!(
                "no answer within {} s",
                COMMAND_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if !status.success() {
        return Err(failed(format!("it exited with {status}")));
    }
    let text = receive
        .recv_timeout(Duration::from_secs(1))
        .map_err(|_| failed("its output did not end".into()))?
        .map_err(|e| failed(e.to_string()))?;
    ServerSecret::from_hex(&text, "the secret command")
}

static SOURCES: OnceLock<Sources> = OnceLock::new();
static KEYS: Mutex<Option<Arc<Keys>>> = Mutex::new(None);

/// Sets where the secret comes from besides the environment (once, before the database is
/// opened; later calls are ignored).
pub fn configure(sources: Sources) {
    let _ = SOURCES.set(sources);
}

/// Uses `secret` for this process (a server run in-process by a benchmark).
pub fn install(secret: &ServerSecret) -> Result<()> {
    let keys = Arc::new(secret.keys()?);
    *KEYS
        .lock()
        .map_err(|_| Error::Task("key store poisoned".into()))? = Some(keys);
    Ok(())
}

/// This process's keys, resolving the secret on first use.
pub fn keys() -> Result<Arc<Keys>> {
    let mut slot = KEYS
        .lock()
        .map_err(|_| Error::Task("key store poisoned".into()))?;
    if let Some(keys) = slot.as_ref() {
        return Ok(Arc::clone(keys));
    }
    let sources = SOURCES.get().cloned().unwrap_or_default();
    let env = std::env::var(ENV).ok().map(Zeroizing::new);
    let secret = match resolve(&sources, env) {
        Ok(secret) => secret,
        #[cfg(test)]
        Err(_) if sources == Sources::default() => test_secret(),
        Err(e) => return Err(e),
    };
    let keys = Arc::new(secret.keys()?);
    *slot = Some(Arc::clone(&keys));
    Ok(keys)
}

/// This process's keys for the database of `data_dir`: refuses a secret file inside it (a
/// copy of the directory would carry the key) and warns when it is on the same file system.
pub fn keys_for(data_dir: &Path) -> Result<Arc<Keys>> {
    if let Some(file) = SOURCES.get().and_then(|s| s.file.as_ref())
        && std::env::var_os(ENV).is_none()
    {
        check_location(file, data_dir)?;
    }
    keys()
}

fn check_location(file: &Path, data_dir: &Path) -> Result<()> {
    // A data directory not made yet: its nearest existing ancestor tells the file system.
    let dir = data_dir.ancestors().find_map(|d| d.canonicalize().ok());
    let (Ok(file), Some(dir)) = (file.canonicalize(), dir) else {
        return Ok(());
    };
    if file.starts_with(&dir) {
        return Err(Error::Config(format!(
            "the secret file {} is inside the data directory: a copy of the directory would \
             carry its key; keep it elsewhere (another mount, a systemd credential)",
            file.display()
        )));
    }
    let device = |p: &Path| std::fs::metadata(p).map(|m| m.dev()).ok();
    if device(&file).is_some() && device(&file) == device(&dir) {
        static WARNED: OnceLock<()> = OnceLock::new();
        WARNED.get_or_init(|| {
            tracing::warn!(
                "the secret file is on the same file system as the data directory: a copy of \
                 that disk gives both the database and its key"
            );
        });
    }
    Ok(())
}

/// Unit tests open databases through the same functions as the server, without a secret set.
#[cfg(test)]
fn test_secret() -> ServerSecret {
    ServerSecret(Zeroizing::new([0x5a; LEN]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn env(v: &str) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new(v.to_owned()))
    }

    #[test]
    fn keys_are_separate_stable_and_differ_per_secret() {
        let a = ServerSecret::from_hex(HEX, "test").unwrap().keys().unwrap();
        let again = ServerSecret::from_hex(&format!(" {HEX}\n"), "test")
            .unwrap()
            .keys()
            .unwrap();
        assert_eq!(a.database.as_bytes(), again.database.as_bytes());
        assert_eq!(a.pin_pepper.as_bytes(), again.pin_pepper.as_bytes());
        assert_ne!(a.database.as_bytes().as_slice(), a.pin_pepper.as_bytes());
        let b = ServerSecret::generate().unwrap().keys().unwrap();
        assert_ne!(a.database.as_bytes(), b.database.as_bytes());
        // Neither key is the secret itself.
        let secret = ServerSecret::from_hex(HEX, "test").unwrap();
        assert_ne!(a.database.as_bytes(), &*secret.0);
        assert_eq!(secret.to_hex().as_str(), HEX);
        assert_eq!(format!("{secret:?}"), "ServerSecret(<redacted>)");
        assert_eq!(format!("{:?}", a.pin_pepper), "KeyBytes(<redacted>)");
        assert_eq!(format!("{:?}", a.seal), "KeyBytes(<redacted>)");
        assert_ne!(a.seal.as_bytes(), a.pin_pepper.as_bytes());
        assert_ne!(a.seal.as_bytes(), a.database.as_bytes().as_slice());
    }

    #[test]
    fn malformed_secrets_are_refused_without_quoting_them() {
        for bad in [
            "",
            "abc",
            &HEX[1..],
            &format!("{}zz", &HEX[2..]),
            &format!("{HEX}00"),
        ] {
            let e = ServerSecret::from_hex(bad, "X").unwrap_err().to_string();
            assert!(e.contains("not 64 hex digits"), "{e}");
            if bad.len() > 8 {
                assert!(!e.contains(&bad[..8]), "{e}");
            }
        }
    }

    #[test]
    fn sources_in_order_and_a_clear_error_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        let other = "ff".repeat(LEN);
        std::fs::write(&file, format!("{other}\n")).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let from_file = Sources {
            file: Some(file.clone()),
            command: Some(format!("echo {HEX}")),
        };
        // The environment wins, then the file, then the command.
        let s = resolve(&from_file, env(HEX)).unwrap();
        assert_eq!(s.to_hex().as_str(), HEX);
        let s = resolve(&from_file, None).unwrap();
        assert_eq!(s.to_hex().as_str(), other);
        let from_command = Sources {
            file: None,
            command: Some(format!("echo {HEX}")),
        };
        assert_eq!(resolve(&from_command, None).unwrap().to_hex().as_str(), HEX);
        let e = resolve(&Sources::default(), env("  "))
            .unwrap_err()
            .to_string();
        for way in [ENV, "--secret-file", "--secret-command"] {
            assert!(e.contains(way), "{e}");
        }
        // A file others may read, a failing command, a silent one.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = resolve(&from_file, None).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
        for command in ["exit 3", "true"] {
            let sources = Sources {
                file: None,
                command: Some(command.into()),
            };
            assert!(resolve(&sources, None).is_err(), "{command}");
        }
    }

    #[test]
    fn a_secret_file_inside_the_data_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let inside = data.join("secret");
        std::fs::write(&inside, HEX).unwrap();
        assert!(check_location(&inside, &data).is_err());
        let outside = dir.path().join("secret");
        std::fs::write(&outside, HEX).unwrap();
        assert!(check_location(&outside, &data).is_ok());
    }
}
