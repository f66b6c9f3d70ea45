//! The SQLite store: numbered migrations, one writer connection (every write one transaction)
//! and a small pool of reader connections, so that pulls never queue behind a push or an import.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// The schema, one SQL file per version; `PRAGMA user_version` says how many are applied.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/001_init.sql")];

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "carnet-sync.db";

/// How many reader connections serve pulls at once.
const READERS: usize = 4;

/// Opens (creating if needed) the database of a data directory, migrated, for a writer.
pub fn open_writer(data_dir: &Path) -> Result<Connection> {
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let mut conn = Connection::open(data_dir.join(DB_FILE))?;
    configure(&conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged push survives a power cut, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Erased customers' bytes are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Applies the migrations the database does not have yet, each in a transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        if i == 0 {
            crate::feed::new_epoch(&tx)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The server's database handle: one writer, a pool of readers. Work runs on blocking threads.
pub struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: Semaphore,
}

impl Db {
    /// Opens the data directory's database (migrating it) and its reader pool.
    pub fn open(data_dir: &Path) -> Result<Arc<Self>> {
        let writer = open_writer(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let readers = (0..READERS)
            .map(|_| open_reader(&path))
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(Self {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(readers),
            reader_slots: Semaphore::new(READERS),
        }))
    }

    /// Runs `f` on a reader connection, inside one read transaction (one snapshot).
    pub async fn read<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let _permit = self
            .reader_slots
            .acquire()
            .await
            .map_err(|e| E::from(Error::Task(e.to_string())))?;
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let conn = db.take_reader().map_err(E::from)?;
            let result = read_in_snapshot(&conn, f);
            db.give_back(conn);
            result
        })
        .await
        .map_err(|e| E::from(Error::Task(e.to_string())))?
    }

    /// Runs `f` in one write transaction, committed if `f` returns Ok, rolled back otherwise.
    pub async fn write<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut conn = db
                .writer
                .lock()
                .map_err(|_| E::from(Error::Task("writer lock poisoned".into())))?;
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| E::from(Error::from(e)))?;
            let value = f(&tx)?;
            tx.commit().map_err(|e| E::from(Error::from(e)))?;
            Ok(value)
        })
        .await
        .map_err(|e| E::from(Error::Task(e.to_string())))?
    }

    fn take_reader(&self) -> Result<Connection> {
        let pooled = self
            .readers
            .lock()
            .map_err(|_| Error::Task("reader pool poisoned".into()))?
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_reader(&self.path),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(conn);
        }
    }
}

/// Runs `f` inside a deferred transaction so that all its queries see one snapshot.
pub fn read_in_snapshot<T, E: From<Error>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    conn.execute_batch("BEGIN")
        .map_err(|e| E::from(Error::from(e)))?;
    let result = f(conn);
    // A read transaction has nothing to commit; ending it releases the snapshot.
    let _ = conn.execute_batch("ROLLBACK");
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn migrations_apply_once() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_writer(dir.path()).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        let epoch = crate::feed::epoch(&conn).unwrap();
        drop(conn);
        let conn = open_writer(dir.path()).unwrap();
        assert_eq!(crate::feed::epoch(&conn).unwrap(), epoch);
    }
}
