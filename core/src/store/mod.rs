//! The encrypted on-device cache: one SQLCipher file opened with a raw 256-bit key, a writer
//! connection whose every write is one transaction, and a reader that never waits for it.

mod migrations;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::error::{Error, Result};
use crate::key::CacheKey;

pub use migrations::SCHEMA_VERSION;

/// Page cache of the reader connection, in KiB: every miss decrypts a page, so reads of a
/// customer's card should stay in memory once warm.
const READER_CACHE_KIB: i64 = 32 * 1024;
const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// The reader's page cache during a pass over the whole store: enough for the indexes' upper
/// levels, which every lookup of the pass touches again.
const SCAN_CACHE_KIB: i64 = 4 * 1024;

/// Meta key of the cursor of the last feed page applied.
pub(crate) const SYNC_CURSOR_KEY: &str = "sync_cursor";

/// The value `meta` keeps under `key`, if any.
pub(crate) fn meta(c: &Connection, key: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Keeps `value` under `key` in `meta`.
pub(crate) fn set_meta(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// Removes `key` from `meta`.
pub(crate) fn forget_meta(c: &Connection, key: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM meta WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// An open, unlocked cache.
pub struct Cache {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Bumped by every committed write, so that derived in-memory state knows it is stale.
    generation: AtomicU64,
    /// State derived from the data by the layers above (see [`Cache::derived`]), one slot per
    /// type; dropped with the cache, so nothing decoded outlives a lock.
    derived: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// The store's quiet period after a contact (days), as its policy last said.
    quiet_period_days: AtomicU32,
}

impl Cache {
    /// Opens the cache at `path` with `key`, creating it if the file does not exist, and brings
    /// its schema up to date. A wrong key or a damaged file is refused before anything is
    /// written, leaving the file as it was.
    pub fn open(path: impl AsRef<Path>, key: &CacheKey) -> Result<Self> {
        Self::open_at_version(path.as_ref(), Some(key), SCHEMA_VERSION)
    }

    /// Opens an **unencrypted** cache: only for benchmarks that measure what encryption
    /// costs against the same queries on plain SQLite. Never built into the app.
    #[cfg(feature = "plaintext-baseline")]
    pub fn open_plaintext_baseline(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_at_version(path.as_ref(), None, SCHEMA_VERSION)
    }

    pub(crate) fn open_at_version(
        path: &Path,
        key: Option<&CacheKey>,
        version: u32,
    ) -> Result<Self> {
        let path = path.to_path_buf();
        if let Some(key) = key
            && path.exists()
        {
            check_key(&path, key)?;
        }
        let mut writer = connect(&path, key, OpenFlags::default())?;
        if let Err(e) = verify_readable(&writer) {
            // No key check file (a cache from before it existed, or it was lost) and the
            // key does not decrypt page 1: the key or the file is wrong.
            drop(writer);
            return Err(e);
        }
        configure_writer(&writer)?;
        migrations::migrate_to(&mut writer, version)?;
        if let Some(key) = key {
            write_key_check(&path, key)?;
        }
        let reader = connect(
            &path,
            key,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
        reader.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(Self {
            path,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            generation: AtomicU64::new(0),
            derived: Mutex::default(),
            quiet_period_days: AtomicU32::new(
                carnet_protocol::QUIET_PERIOD_DAYS.unsigned_abs() as u32
            ),
        })
    }

    /// Days after a contact during which nobody contacts the customer again: the store's
    /// policy (set by the session from each lease), else [`carnet_protocol::QUIET_PERIOD_DAYS`].
    pub fn quiet_period_days(&self) -> u32 {
        self.quiet_period_days.load(Ordering::Relaxed)
    }

    /// Takes the store's quiet period (days, at least 1).
    pub fn set_quiet_period_days(&self, days: u32) {
        self.quiet_period_days.store(days.max(1), Ordering::Relaxed);
    }

    /// The cache file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the reader connection. Reads see the last committed write.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.reader.lock().map_err(|_| poisoned())?;
        f(&conn)
    }

    /// Runs `f` on the reader in one read transaction (one snapshot), with the page cache
    /// shrunk for the call: a pass over the whole store reads most pages once, and keeping them
    /// would grow the process by the whole page cache for nothing.
    pub(crate) fn scan<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.reader.lock().map_err(|_| poisoned())?;
        conn.pragma_update(None, "cache_size", -SCAN_CACHE_KIB)?;
        conn.execute_batch("BEGIN")?;
        let out = f(&conn);
        // A read transaction has nothing to commit; ending it releases the snapshot.
        let ended = conn.execute_batch("ROLLBACK");
        let restored = conn.pragma_update(None, "cache_size", -READER_CACHE_KIB);
        let out = out?;
        ended?;
        restored?;
        Ok(out)
    }

    /// Runs `f` in one write transaction: committed if `f` succeeds, rolled back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().map_err(|_| poisoned())?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(out)
    }

    /// A number that changes whenever a write is committed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The slot of type `T` kept beside this cache, created empty on first use. A layer above
    /// keeps what it derives from the data here (a decoded model, a word list) and compares
    /// [`Cache::generation`] to know when it is stale; the store never knows what it holds.
    pub fn derived<T: Default + Send + Sync + 'static>(&self) -> Result<Arc<T>> {
        let mut slots = self
            .derived
            .lock()
            .map_err(|_| Error::Crypto("derived state lock poisoned"))?;
        let slot = slots
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        Arc::clone(slot)
            .downcast::<T>()
            .map_err(|_| Error::Crypto("derived state of another type"))
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32> {
        self.read(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
    }

    /// Sets the writer's page cache, in KiB: a bulk load inserts into large indexes in random
    /// order and needs more of them in memory than everyday writes.
    pub(crate) fn set_writer_cache_kib(&self, kib: i64) -> Result<()> {
        let conn = self.writer.lock().map_err(|_| poisoned())?;
        conn.pragma_update(None, "cache_size", -kib)?;
        Ok(())
    }

    /// The writer's everyday page cache, in KiB.
    pub(crate) const WRITER_CACHE_KIB: i64 = WRITER_CACHE_KIB;

    /// Moves the write-ahead log into the main file (e.g. after a bulk load).
    pub fn checkpoint(&self) -> Result<()> {
        let conn = self.writer.lock().map_err(|_| poisoned())?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Every file the cache may write beside its database: all are encrypted, and all go when
    /// the cache is destroyed.
    pub fn files(path: &Path) -> Vec<PathBuf> {
        ["", "-wal", "-shm", "-journal", ".key-check"]
            .iter()
            .map(|suffix| {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                PathBuf::from(name)
            })
            .collect()
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn poisoned() -> Error {
    Error::Crypto("a previous operation panicked while holding the cache")
}

/// SQLite marks itself initialised *before* SQLCipher's own start-up (crypto provider, private
/// heap, random seed) has finished, and a connection keyed in that window, from another
/// thread, fails with "an error occurred with PRAGMA key". So the first connection of the
/// process waits until a throwaway in-memory connection takes a key; from then on keying
/// cannot race. The wait is a few milliseconds, once.
fn sqlcipher_started() -> Result<()> {
    static STARTED: OnceLock<bool> = OnceLock::new();
    const PROBE: &str = "PRAGMA key = \"x'00000000000000000000000000000000\
                         00000000000000000000000000000000'\"";
    let started = *STARTED.get_or_init(|| {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let keyed = Connection::open_in_memory().and_then(|conn| conn.execute_batch(PROBE));
            if keyed.is_ok() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    if started {
        Ok(())
    } else {
        Err(Error::Crypto("SQLCipher did not start: no key can be set"))
    }
}

/// How pages are authenticated. SQLCipher 4 defaults to HMAC-SHA512; Carnet's caches use
/// HMAC-SHA256, which the handhelds' CPUs (ARMv8 crypto extensions, x86 SHA-NI) compute in
/// hardware: a page read that misses the cache costs about half as much, which is what a
/// cold card lookup is made of. Caches written with the default are upgraded when opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cipher {
    Sha256Pages,
    /// SQLCipher's defaults, as caches were written before.
    Sha512Pages,
}

impl Cipher {
    /// Sets the page settings of the database `schema` (`main`, or an attached one) of a
    /// connection just keyed, before its first read.
    fn apply(self, conn: &Connection, schema: &str) -> Result<()> {
        match self {
            Cipher::Sha256Pages => conn.execute_batch(&format!(
                "PRAGMA {schema}.cipher_hmac_algorithm = HMAC_SHA256"
            ))?,
            Cipher::Sha512Pages => {}
        }
        Ok(())
    }
}

fn connect(path: &Path, key: Option<&CacheKey>, flags: OpenFlags) -> Result<Connection> {
    connect_with(path, key, flags, Cipher::Sha256Pages)
}

fn connect_with(
    path: &Path,
    key: Option<&CacheKey>,
    flags: OpenFlags,
    cipher: Cipher,
) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    if let Some(key) = key {
        key_with(&conn, key, cipher)?;
    }
    // A checkpoint and a read may briefly contend for the WAL index.
    conn.busy_timeout(Duration::from_secs(5))?;
    // SQLCipher would otherwise print its own lines (e.g. HMAC failures) on stderr.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE");
    Ok(conn)
}

fn key_with(conn: &Connection, key: &CacheKey, cipher: Cipher) -> Result<()> {
    sqlcipher_started()?;
    conn.execute_batch(&key.pragma())?;
    cipher.apply(conn, "main")
}

/// Keys a connection just opened, before its first read, as Carnet keys every SQLCipher
/// file: the raw key (no KDF), pages authenticated with HMAC-SHA256, SQLCipher's own log
/// lines off. The sync server opens its database this way too.
pub fn key_connection(conn: &Connection, key: &CacheKey) -> Result<()> {
    key_with(conn, key, Cipher::Sha256Pages)?;
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE");
    Ok(())
}

/// Writes everything `conn`'s main database holds (any cipher, or none) into a new file at
/// `target`, keyed with `key` and Carnet's page settings, with the same `user_version`.
/// Whatever sits at `target` (and its `-wal`, `-shm`) is replaced; the caller fsyncs and
/// renames the file into place.
pub fn export_keyed(conn: &Connection, target: &Path, key: &CacheKey) -> Result<()> {
    sqlcipher_started()?;
    for stale in Cache::files(target) {
        let _ = fs::remove_file(stale);
    }
    conn.execute(
        "ATTACH DATABASE ?1 AS exported KEY ?2",
        rusqlite::params![target.to_string_lossy(), key.blob_literal().as_str()],
    )?;
    let exported = (|| -> Result<()> {
        Cipher::Sha256Pages.apply(conn, "exported")?;
        conn.query_row("SELECT sqlcipher_export('exported')", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        conn.execute_batch(&format!("PRAGMA exported.user_version = {version};"))?;
        Ok(())
    })();
    let detached = conn.execute_batch("DETACH DATABASE exported;");
    exported?;
    Ok(detached?)
}

/// Page 1 decrypts and the schema reads: the key is right and the header intact.
fn verify_readable(conn: &Connection) -> Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(Error::from)
}

fn configure_writer(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Deleted rows (an erased customer) are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Sorts and temporary indexes stay in memory, never in a temp file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    Ok(())
}

fn key_check_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".key-check");
    PathBuf::from(name)
}

/// Tells a wrong key from a damaged file: SQLCipher reports both as "not a database".
fn check_key(path: &Path, key: &CacheKey) -> Result<()> {
    let stored = match fs::read(key_check_path(path)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if !constant_time_eq(&stored, &key.check_value()) {
        return Err(Error::WrongKey);
    }
    // The key is right: a file that will not open was written with the older page settings,
    // or is damaged.
    let conn = connect(path, Some(key), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    if verify_readable(&conn).is_ok() {
        return Ok(());
    }
    drop(conn);
    upgrade_cipher(path, key).map_err(|e| match e {
        Error::Database(_) | Error::Corrupt => Error::Corrupt,
        other => other,
    })
}

/// Rewrites a cache written with SQLCipher's default page settings into the current ones,
/// under the same key. The new file is written beside the old one and renamed over it, so a
/// crash at any point leaves one complete cache, old or new, and no edit is lost.
fn upgrade_cipher(path: &Path, key: &CacheKey) -> Result<()> {
    // Read-only until the old settings are known to read it: a damaged file stays untouched.
    let probe = connect_with(
        path,
        Some(key),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
        Cipher::Sha512Pages,
    )?;
    verify_readable(&probe)?;
    drop(probe);
    let old = connect_with(path, Some(key), OpenFlags::default(), Cipher::Sha512Pages)?;
    // Everything into the main file first, so the old WAL holds nothing when it goes.
    old.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let mut upgraded = path.as_os_str().to_owned();
    upgraded.push(".upgrading");
    let upgraded = PathBuf::from(upgraded);
    export_keyed(&old, &upgraded, key)?;
    drop(old);
    fs::File::open(&upgraded)?.sync_all()?;
    for wal in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(wal);
        let _ = fs::remove_file(PathBuf::from(name));
    }
    fs::rename(&upgraded, path)?;
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn write_key_check(path: &Path, key: &CacheKey) -> Result<()> {
    let target = key_check_path(path);
    let value = key.check_value();
    if fs::read(&target).is_ok_and(|stored| stored == value) {
        return Ok(());
    }
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(".tmp");
    fs::write(&tmp, value)?;
    fs::rename(&tmp, &target)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reopens_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::from_bytes(&[7; 32]).unwrap();
        {
            let cache = Cache::open(&path, &key).unwrap();
            cache
                .write(|tx| {
                    tx.execute("INSERT INTO meta VALUES ('k', 'v')", [])?;
                    Ok(())
                })
                .unwrap();
        }
        let cache = Cache::open(&path, &key).unwrap();
        let v: String = cache
            .read(|c| Ok(c.query_row("SELECT value FROM meta WHERE key = 'k'", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(v, "v");
        assert_eq!(cache.schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_cache_written_with_sqlcipher_defaults_is_upgraded_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::from_bytes(&[9; 32]).unwrap();
        {
            // As caches were written before: SQLCipher's default page settings, with an edit
            // still in the WAL.
            let mut old =
                connect_with(&path, Some(&key), OpenFlags::default(), Cipher::Sha512Pages).unwrap();
            configure_writer(&old).unwrap();
            migrations::migrate_to(&mut old, SCHEMA_VERSION).unwrap();
            old.execute("INSERT INTO meta VALUES ('unsent', 'edit')", [])
                .unwrap();
            write_key_check(&path, &key).unwrap();
            std::mem::forget(old); // no checkpoint at close, as after a crash
        }
        let cache = Cache::open(&path, &key).unwrap();
        let v: String = cache
            .read(|c| {
                Ok(
                    c.query_row("SELECT value FROM meta WHERE key = 'unsent'", [], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap();
        assert_eq!(v, "edit");
        assert_eq!(cache.schema_version().unwrap(), SCHEMA_VERSION);
        drop(cache);
        // The file now has the current settings: the old ones no longer read it.
        let old =
            connect_with(&path, Some(&key), OpenFlags::default(), Cipher::Sha512Pages).unwrap();
        assert!(verify_readable(&old).is_err());
        assert!(!dir.path().join("cache.db.upgrading").exists());
        // And a wrong key is still told apart from an old file.
        let wrong = CacheKey::from_bytes(&[8; 32]).unwrap();
        assert!(matches!(Cache::open(&path, &wrong), Err(Error::WrongKey)));
    }

    #[test]
    fn an_upgrade_cut_short_is_done_again_from_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::from_bytes(&[4; 32]).unwrap();
        {
            let mut old =
                connect_with(&path, Some(&key), OpenFlags::default(), Cipher::Sha512Pages).unwrap();
            migrations::migrate_to(&mut old, SCHEMA_VERSION).unwrap();
            old.execute("INSERT INTO meta VALUES ('k', 'kept')", [])
                .unwrap();
            write_key_check(&path, &key).unwrap();
        }
        // A crash during the export left half a new file (and its journal) beside the old one.
        let upgrading = dir.path().join("cache.db.upgrading");
        fs::write(&upgrading, b"half an export").unwrap();
        fs::write(dir.path().join("cache.db.upgrading-journal"), b"x").unwrap();
        let cache = Cache::open(&path, &key).unwrap();
        let v: String = cache
            .read(|c| Ok(c.query_row("SELECT value FROM meta WHERE key = 'k'", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(v, "kept");
        assert!(!upgrading.exists());
    }

    #[test]
    fn a_damaged_file_under_the_right_key_is_corrupt_not_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::from_bytes(&[5; 32]).unwrap();
        drop(Cache::open(&path, &key).unwrap());
        let mut bytes = fs::read(&path).unwrap();
        for b in &mut bytes[..200] {
            *b ^= 0x5a;
        }
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(Cache::open(&path, &key), Err(Error::Corrupt)));
        assert!(
            fs::read(&path).unwrap() == bytes,
            "a refused file is left as it was"
        );
    }

    #[test]
    fn a_failed_write_commits_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::generate().unwrap();
        let cache = Cache::open(dir.path().join("c.db"), &key).unwrap();
        let before = cache.generation();
        let result: Result<()> = cache.write(|tx| {
            tx.execute("INSERT INTO meta VALUES ('k', 'v')", [])?;
            Err(Error::InvalidInput("stop".into()))
        });
        assert!(result.is_err());
        assert_eq!(cache.generation(), before);
        let n: i64 = cache
            .read(|c| Ok(c.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 0);
    }
}
