//! Copies of the database: an online backup while the server runs (SQLite's backup API, into
//! a file encrypted with the same key, 0600), a restore (only while no server runs, after the
//! copy is shown to open with this server's key), and the encryption of a database written by
//! an older, unencrypted server.
//!
//! A backup carries everything a restored server needs besides the server secret: the data,
//! the lease-signing key (so that devices still trust it) and the schema version.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg(test)]
use carnet_core::CacheKey;
use rusqlite::{Connection, OpenFlags};

use crate::data_dir::{self, with_suffix};
use crate::db::{self, DB_FILE};
use crate::error::{Error, Result};

/// What a backup or a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Bytes of the copy.
    pub bytes: u64,
    /// Its schema version.
    pub schema: i64,
}

/// Suffix of the database a restore replaced, kept until the next restore.
pub const BEFORE_RESTORE: &str = ".before-restore";

/// Writes an encrypted copy of `data_dir`'s database to `out` (which must not exist), from one
/// read snapshot: a running server keeps serving and writing meanwhile.
pub fn backup(data_dir: &Path, out: &Path) -> Result<Copied> {
    let keys = crate::secret::keys_for(data_dir)?;
    let key = &keys.database;
    let path = existing_database(data_dir)?;
    if out.exists() {
        return Err(Error::Config(format!(
            "{} exists: a backup never overwrites a file; choose a new name",
            out.display()
        )));
    }
    let source = db::connect(&path, key, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let partial = with_suffix(out, ".partial");
    remove_with_journals(&partial)?;
    drop(data_dir::create_private(&partial)?);
    let copied = (|| -> Result<Copied> {
        let mut target = Connection::open(&partial)?;
        carnet_core::store::key_connection(&target, key)
            .map_err(|e| Error::Config(format!("SQLCipher: {e}")))?;
        copy_all(&source, &mut target)?;
        check(&target, &partial)?;
        let schema = schema_of(&target)?;
        target.close().map_err(|(_, e)| Error::from(e))?;
        Ok(Copied {
            bytes: sync_file(&partial)?,
            schema,
        })
    })();
    let copied = match copied {
        Ok(c) => c,
        Err(e) => {
            let _ = remove_with_journals(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out).map_err(|e| Error::io(out, e))?;
    data_dir::sync_dir(parent(out))?;
    Ok(copied)
}

/// Copies every page in one step, so from one read snapshot: a step-wise copy starts over
/// whenever the server commits, and a busy server commits every few milliseconds.
fn copy_all(source: &Connection, target: &mut Connection) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let copy = Backup::new(source, target)?;
    for _ in 0..600 {
        match copy.step(-1)? {
            StepResult::Done => return Ok(()),
            // A checkpoint or the writer held a lock for a moment.
            StepResult::Busy | StepResult::Locked | StepResult::More => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Err(Error::Config(
        "the database stayed locked for 30 s: try again".into(),
    ))
}

/// Replaces `data_dir`'s database by the backup `from`, after checking that it opens with
/// this server's key and is whole. Refused while a server runs on `data_dir`. The database
/// it replaces is kept beside it ([`BEFORE_RESTORE`]) until the next restore.
pub fn restore(data_dir: &Path, from: &Path) -> Result<Copied> {
    let _lock = data_dir::lock(data_dir, "restore")?;
    let keys = crate::secret::keys_for(data_dir)?;
    let key = &keys.database;
    if db::is_plain(from)? {
        return Err(Error::Config(format!(
            "{} is not encrypted: only a copy made by `carnet-sync-server backup` is restored",
            from.display()
        )));
    }
    let schema = {
        let probe = db::connect(from, key, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| {
            Error::Config(format!(
                "{} is not a backup this server can restore: {e}",
                from.display()
            ))
        })?;
        check(&probe, from)?;
        schema_of(&probe)?
    };
    if usize::try_from(schema).is_ok_and(|s| s > db::SCHEMA_VERSION) {
        return Err(Error::Config(format!(
            "{} was made by a newer server (schema {schema}): restore it with that version",
            from.display()
        )));
    }
    let path = data_dir.join(DB_FILE);
    let incoming = with_suffix(&path, ".restoring");
    remove_with_journals(&incoming)?;
    let bytes = {
        let mut source = std::fs::File::open(from).map_err(|e| Error::io(from, e))?;
        let mut copy = data_dir::create_private(&incoming)?;
        std::io::copy(&mut source, &mut copy).map_err(|e| Error::io(&incoming, e))?;
        copy.flush().map_err(|e| Error::io(&incoming, e))?;
        copy.sync_all().map_err(|e| Error::io(&incoming, e))?;
        std::fs::metadata(&incoming)
            .map_err(|e| Error::io(&incoming, e))?
            .len()
    };
    // The database and its WAL go aside together (a WAL belongs to its database file).
    let kept = with_suffix(&path, BEFORE_RESTORE);
    remove_with_journals(&kept)?;
    if path.exists() {
        rename(&path, &kept)?;
        for suffix in ["-wal", "-journal"] {
            let from = with_suffix(&path, suffix);
            if from.exists() {
                rename(&from, &with_suffix(&kept, suffix))?;
            }
        }
        remove(&with_suffix(&path, "-shm"))?;
    }
    rename(&incoming, &path)?;
    data_dir::sync_dir(data_dir)?;
    // Brings an older backup's schema up to date.
    drop(db::open_writer_with(data_dir, key)?);
    Ok(Copied { bytes, schema })
}

/// What `encrypt` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// Advisors whose PIN hashes were made without the pepper: each needs a new PIN.
    pub advisors_to_reset: i64,
}

/// Encrypts the database of a data directory written by an older server (`sqlcipher_export`
/// into a new file, renamed over it), then overwrites and removes the plain file. Refused
/// while a server runs. `None` if the database is encrypted already.
pub fn encrypt(data_dir: &Path) -> Result<Option<Encrypted>> {
    let _lock = data_dir::lock(data_dir, "encrypt")?;
    let keys = crate::secret::keys_for(data_dir)?;
    let key = &keys.database;
    let path = data_dir.join(DB_FILE);
    let plain_copy = with_suffix(&path, ".plaintext");
    // A run interrupted after the switch left the plain file aside.
    shred(&plain_copy)?;
    if !path.exists() {
        return Err(Error::Config(format!(
            "there is no database in {}",
            data_dir.display()
        )));
    }
    if !db::is_plain(&path)? {
        return Ok(None);
    }
    let encrypting = with_suffix(&path, ".encrypting");
    let advisors_to_reset = {
        let plain = Connection::open(&path)?;
        // Everything into the main file, so the WAL holds nothing when it goes.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        carnet_core::store::export_keyed(&plain, &encrypting, key)
            .map_err(|e| Error::Config(format!("encrypting failed: {e}")))?;
        let advisors: i64 = plain
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'advisor'",
                [],
                |r| r.get(0),
            )
            .and_then(|n: i64| {
                if n == 0 {
                    Ok(0)
                } else {
                    plain.query_row("SELECT count(*) FROM advisor", [], |r| r.get(0))
                }
            })?;
        plain.close().map_err(|(_, e)| Error::from(e))?;
        advisors
    };
    data_dir::restrict(&encrypting, 0o600)?;
    {
        let check_copy = db::connect(&encrypting, key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        check(&check_copy, &encrypting)?;
    }
    sync_file(&encrypting)?;
    rename(&path, &plain_copy)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        remove(&with_suffix(&path, suffix))?;
    }
    rename(&encrypting, &path)?;
    data_dir::sync_dir(data_dir)?;
    shred(&plain_copy)?;
    Ok(Some(Encrypted { advisors_to_reset }))
}

/// Overwrites a file with zeros, then removes it. (On SSDs and copy-on-write file systems
/// the old blocks may survive: see the README.)
fn shred(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let zeros = vec![0u8; 1 << 20];
    let mut left = meta.len();
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        file.write_all(&zeros[..n])
            .map_err(|e| Error::io(path, e))?;
        left -= n as u64;
    }
    file.sync_all().map_err(|e| Error::io(path, e))?;
    drop(file);
    remove(path)?;
    data_dir::sync_dir(parent(path))
}

fn existing_database(data_dir: &Path) -> Result<PathBuf> {
    let path = data_dir.join(DB_FILE);
    if !path.exists() {
        return Err(Error::Config(format!(
            "there is no database in {}",
            data_dir.display()
        )));
    }
    if db::is_plain(&path)? {
        return Err(Error::Config(format!(
            "{} is not encrypted: run `carnet-sync-server encrypt --data {}` first",
            path.display(),
            data_dir.display()
        )));
    }
    Ok(path)
}

/// The copy is whole: SQLite's quick check passes on every page.
fn check(conn: &Connection, path: &Path) -> Result<()> {
    let verdict: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "{} is damaged: {verdict}",
            path.display()
        )))
    }
}

fn schema_of(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

fn sync_file(path: &Path) -> Result<u64> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(file.metadata().map_err(|e| Error::io(path, e))?.len())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::io(from, e))
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn remove_with_journals(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        remove(&with_suffix(path, suffix))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// Not this process's key: another server's.
    fn other_key() -> CacheKey {
        CacheKey::from_bytes(&[0x33; 32]).unwrap()
    }

    fn put(data: &Path, key: &str, value: &str) {
        let conn = db::open_writer(data).unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
        .unwrap();
    }

    fn get(data: &Path, key: &str) -> Option<String> {
        let conn = db::open_writer(data).unwrap();
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    }

    #[test]
    fn a_backup_is_encrypted_private_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        put(&data, "k", "before");
        let out = dir.path().join("backup.db");
        let copied = backup(&data, &out).unwrap();
        assert_eq!(copied.schema as usize, db::SCHEMA_VERSION);
        assert_eq!(mode(&out), 0o600);
        assert!(!db::is_plain(&out).unwrap());
        assert!(backup(&data, &out).is_err(), "never overwrites");
        put(&data, "k", "after");
        let restored = restore(&data, &out).unwrap();
        assert_eq!(restored.bytes, copied.bytes);
        assert_eq!(get(&data, "k").as_deref(), Some("before"));
        assert_eq!(mode(&data.join(DB_FILE)), 0o600);
        // The replaced database is kept aside, encrypted.
        let kept = with_suffix(&data.join(DB_FILE), BEFORE_RESTORE);
        assert!(kept.exists() && !db::is_plain(&kept).unwrap());
    }

    #[test]
    fn a_restore_refuses_other_keys_damage_and_a_running_server() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        put(&data, "k", "mine");
        // Another server's backup.
        let theirs = dir.path().join("theirs");
        drop(db::open_writer_with(&theirs, &other_key()).unwrap());
        let e = restore(&data, &theirs.join(DB_FILE))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not open with this server secret"), "{e}");
        // A damaged one: a page in the middle overwritten.
        let out = dir.path().join("backup.db");
        backup(&data, &out).unwrap();
        let mut bytes = std::fs::read(&out).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle..middle + 64].fill(0x41);
        let damaged = dir.path().join("damaged.db");
        std::fs::write(&damaged, &bytes).unwrap();
        assert!(restore(&data, &damaged).is_err());
        // While a server holds the directory.
        let lock = data_dir::lock(&data, "serve").unwrap();
        let e = restore(&data, &out).unwrap_err().to_string();
        assert!(e.contains("a server is running"), "{e}");
        drop(lock);
        // Nothing was replaced by the refusals.
        assert_eq!(get(&data, "k").as_deref(), Some("mine"));
        restore(&data, &out).unwrap();
    }

    #[test]
    fn a_plain_database_is_refused_then_encrypted_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        {
            // As an older server wrote it: plain, WAL, a row not yet checkpointed.
            let mut conn = Connection::open(data.join(DB_FILE)).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            db::migrate(&mut conn).unwrap();
            conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'kept')", [])
                .unwrap();
            // Left open (as a crash leaves it), so the row stays in the WAL.
            std::mem::forget(conn);
        }
        let e = db::open_writer(&data).unwrap_err().to_string();
        assert!(e.contains("carnet-sync-server encrypt --data"), "{e}");
        let done = encrypt(&data).unwrap().unwrap();
        assert_eq!(done.advisors_to_reset, 0);
        let path = data.join(DB_FILE);
        assert!(!db::is_plain(&path).unwrap());
        assert_eq!(mode(&path), 0o600);
        assert!(!with_suffix(&path, ".plaintext").exists());
        assert_eq!(get(&data, "k").as_deref(), Some("kept"));
        assert_eq!(encrypt(&data).unwrap(), None, "once");
    }
}
