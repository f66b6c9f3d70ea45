//! The SQLite store: numbered migrations, one writer connection (every write one transaction)
//! and a small pool of reader connections, so that pulls never queue behind a push or an import.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carnet_core::CacheKey;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::sql::{Conn, PgConn};

/// The schema, one SQL file per version; `PRAGMA user_version` says how many are applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_init.sql"),
    include_str!("../migrations/002_presence.sql"),
    include_str!("../migrations/003_merge.sql"),
    include_str!("../migrations/004_card_index.sql"),
    include_str!("../migrations/005_epoch.sql"),
    include_str!("../migrations/006_advisor_per_store.sql"),
    include_str!("../migrations/007_device_keys.sql"),
    include_str!("../migrations/008_store_network.sql"),
    include_str!("../migrations/009_sign_in_throttle.sql"),
    include_str!("../migrations/010_signed_requests.sql"),
    include_str!("../migrations/011_security_events.sql"),
    include_str!("../migrations/012_messages.sql"),
    include_str!("../migrations/013_quiet_period.sql"),
    include_str!("../migrations/014_tasks.sql"),
    include_str!("../migrations/015_appointments.sql"),
    include_str!("../migrations/016_reminders.sql"),
    include_str!("../migrations/017_console.sql"),
    include_str!("../migrations/018_sales_version.sql"),
    include_str!("../migrations/019_duplicate_verdicts.sql"),
];

/// The schema version a database has once migrated.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "carnet-sync.db";

/// How many reader connections serve pulls at once.
const READERS: usize = 4;

/// Opens (creating if needed) the database of a data directory, migrated, for a writer,
/// with this process's database key (see [`crate::secret`]).
pub fn open_writer(data_dir: &Path) -> Result<Connection> {
    let keys = crate::secret::keys_for(data_dir)?;
    open_writer_with(data_dir, &keys.database)
}

/// [`open_writer`] with an explicit key.
pub fn open_writer_with(data_dir: &Path, key: &CacheKey) -> Result<Connection> {
    crate::data_dir::prepare(data_dir)?;
    let path = data_dir.join(DB_FILE);
    refuse_plain(&path, data_dir)?;
    // Created 0600 before SQLite sees it: the WAL and shared-memory files take its mode.
    crate::data_dir::private_file(&path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        crate::data_dir::restrict(&crate::data_dir::with_suffix(&path, suffix), 0o600)?;
    }
    let mut conn = connect(&path, key, OpenFlags::default())?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged push survives a power cut, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Erased customers' bytes are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// The PostgreSQL URL this process's commands use, if any (`--database`).
static DATABASE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Says, once per process, where commands find the database: PostgreSQL at `url`, or (`None`)
/// the data directory's file.
pub fn configure(url: Option<String>) {
    let _ = DATABASE.set(url);
}

/// A command's own connection to the database, outside a running server's writer.
pub enum DirectConn {
    /// The data directory's SQLCipher file.
    Lite(Connection),
    /// A PostgreSQL connection, and the runtime that drives it.
    Pg(Box<PgDirect>),
}

/// A command's PostgreSQL connection and the runtime that drives it (dropped after it).
pub struct PgDirect {
    conn: PgConn,
    _runtime: tokio::runtime::Runtime,
}

impl DirectConn {
    /// The connection, for the rules.
    pub fn conn(&self) -> Conn<'_> {
        match self {
            DirectConn::Lite(c) => Conn::Lite(c),
            DirectConn::Pg(pg) => Conn::Pg(&pg.conn),
        }
    }
}

/// Opens the database for a command, migrated: PostgreSQL when [`configure`]d with a URL,
/// else the data directory's file.
pub fn open_direct(data_dir: &Path) -> Result<DirectConn> {
    match DATABASE.get().and_then(Option::as_deref) {
        None => Ok(DirectConn::Lite(open_writer(data_dir)?)),
        Some(url) => open_direct_postgres(url),
    }
}

/// A command's connection to the PostgreSQL database at `url`, migrated.
pub fn open_direct_postgres(url: &str) -> Result<DirectConn> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("runtime: {e}")))?;
    let client = runtime.block_on(async {
        let pool = crate::pg::open(url, 1).await?;
        pooled(&pool).await
    })?;
    let conn = PgConn::new(client, runtime.handle().clone());
    Ok(DirectConn::Pg(Box::new(PgDirect {
        conn,
        _runtime: runtime,
    })))
}

/// The first bytes of an unencrypted SQLite file.
pub const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` is an unencrypted SQLite database.
pub fn is_plain(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => match f.read_exact(&mut header) {
            Ok(()) => Ok(&header == PLAIN_HEADER),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(Error::io(path, e)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn refuse_plain(path: &Path, data_dir: &Path) -> Result<()> {
    if is_plain(path)? {
        return Err(Error::Config(format!(
            "{} is not encrypted (written by an older server): stop the server, then run \
             `carnet-sync-server encrypt --data {}` with the server secret set",
            path.display(),
            data_dir.display()
        )));
    }
    Ok(())
}

/// Opens `path` keyed with `key` and checks that the key reads it.
pub fn connect(path: &Path, key: &CacheKey, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    carnet_core::store::key_connection(&conn, key)
        .map_err(|e| Error::Config(format!("SQLCipher: {e}")))?;
    // Before the first read: a server may hold the database for a moment.
    conn.busy_timeout(Duration::from_secs(10))?;
    let opened = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .and_then(|()| tune(&conn));
    if let Err(e) = opened {
        return Err(match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::Config(format!(
                "{} does not open with this server secret: it was made with another secret, \
                 or it is damaged",
                path.display()
            )),
            _ => e.into(),
        });
    }
    Ok(conn)
}

fn open_reader(path: &Path, key: &CacheKey) -> Result<Connection> {
    let conn = connect(
        path,
        key,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -32_000)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
}

/// Applies the migrations the database does not have yet, each in a transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies the migrations up to schema `version`.
fn migrate_to(conn: &mut Connection, version: usize) -> Result<()> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().take(version).skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// The server's database: embedded SQLite, or a PostgreSQL pool shared with other replicas.
pub struct Db {
    back: Back,
}

enum Back {
    Lite(Arc<Lite>),
    Pg(deadpool_postgres::Pool),
}

impl Db {
    /// Opens the data directory's database (migrating it), its writer thread and reader pool.
    pub fn open(data_dir: &Path) -> Result<Arc<Self>> {
        let keys = crate::secret::keys_for(data_dir)?;
        Self::open_with(data_dir, &keys.database)
    }

    /// [`Db::open`] with an explicit key.
    pub fn open_with(data_dir: &Path, key: &CacheKey) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            back: Back::Lite(Lite::open_with(data_dir, key)?),
        }))
    }

    /// Opens the PostgreSQL database at `url` with a pool of `size` connections, migrated.
    pub async fn open_postgres(url: &str, size: usize) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            back: Back::Pg(crate::pg::open(url, size).await?),
        }))
    }

    /// Runs `f` inside one read transaction (one snapshot).
    pub async fn read<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        match &self.back {
            Back::Lite(lite) => lite.read(f).await,
            Back::Pg(pool) => on_pooled(pool, move |conn| read_in_snapshot(conn, f)).await,
        }
    }

    /// Runs `f` inside a write transaction: its changes are kept only if it returns Ok, and
    /// the answer comes once they are durable. Writes are serialised (see [`crate::pg`]).
    pub async fn write<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        match &self.back {
            Back::Lite(lite) => lite.write(f).await,
            Back::Pg(pool) => {
                on_pooled(pool, move |conn| {
                    // A request waits a bounded time for the write lock, then is told to
                    // come back (503 busy), never left hanging behind a long import batch.
                    let begin = crate::sql::begin_write_waiting(crate::pg::WRITE_LOCK_WAIT);
                    if let Err(e) = conn.execute_batch(&begin) {
                        let _ = conn.execute_batch("ROLLBACK");
                        return Err(E::from(if e.is_lock_timeout() {
                            Error::Busy
                        } else {
                            Error::from(e)
                        }));
                    }
                    let result = f(conn);
                    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
                    match conn.execute_batch(end) {
                        Ok(()) => result,
                        Err(e) => {
                            let _ = conn.execute_batch("ROLLBACK");
                            Err(E::from(Error::Task(format!("commit failed: {e}"))))
                        }
                    }
                })
                .await
            }
        }
    }

    /// Stops writing and, on SQLite, waits for the writer to close its connection (see
    /// [`Lite::close`]); a PostgreSQL pool closes its connections.
    pub fn close(&self) {
        match &self.back {
            Back::Lite(lite) => lite.close(),
            Back::Pg(pool) => pool.close(),
        }
    }
}

/// A pooled PostgreSQL client, waited for up to [`crate::pg::POOL_WAIT`].
async fn pooled(pool: &deadpool_postgres::Pool) -> Result<deadpool_postgres::Object> {
    pool.get().await.map_err(|e| match e {
        deadpool_postgres::PoolError::Timeout(_) => Error::Busy,
        other => Error::Sql(crate::sql::SqlError::Pool(other.to_string())),
    })
}

/// Runs `f` on a pooled PostgreSQL connection, on a blocking thread (the rules are
/// synchronous; the connection waits for the driver on the runtime).
async fn on_pooled<T, E>(
    pool: &deadpool_postgres::Pool,
    f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    let client = pooled(pool).await.map_err(E::from)?;
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || f(&Conn::Pg(&PgConn::new(client, handle))))
        .await
        .map_err(|e| E::from(Error::Task(e.to_string())))?
}

/// The SQLite store: one writer thread that group-commits, a pool of readers.
struct Lite {
    path: PathBuf,
    key: CacheKey,
    /// `None` once closed: writes are refused.
    jobs: Mutex<Option<std::sync::mpsc::Sender<Box<dyn WriteJob>>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: Semaphore,
}

/// Most writes committed together by the writer thread.
const GROUP: usize = 128;

/// Answers a write's caller once its group's commit is known.
type Deliver = Box<dyn FnOnce(Result<()>) + Send>;

/// A write waiting for the writer thread.
trait WriteJob: Send {
    /// Runs the write; returns whether it succeeded and how to answer once the commit is known.
    fn run(self: Box<Self>, conn: &Conn<'_>) -> (bool, Deliver);
    /// Answers with an error without running.
    fn fail(self: Box<Self>, e: Error);
}

struct Job<F, T, E> {
    f: F,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> WriteJob for Job<F, T, E>
where
    F: FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Conn<'_>) -> (bool, Deliver) {
        let Job { f, reply } = *self;
        let result = f(conn);
        let ok = result.is_ok();
        let deliver = move |commit: Result<()>| {
            let answer = match commit {
                Ok(()) => result,
                Err(e) => Err(E::from(e)),
            };
            // The caller may have gone (client disconnected): nothing to do.
            let _ = reply.send(answer);
        };
        (ok, Box::new(deliver))
    }

    fn fail(self: Box<Self>, e: Error) {
        let _ = self.reply.send(Err(E::from(e)));
    }
}

/// The writer thread: takes every write waiting, runs each in its own savepoint (a failing
/// write rolls back alone), commits them together (one fsync for the group), then answers.
/// No write is acknowledged before its commit is durable.
fn writer_loop(conn: Connection, jobs: std::sync::mpsc::Receiver<Box<dyn WriteJob>>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let message = e.to_string();
            for job in group {
                job.fail(Error::Task(format!("cannot start a write: {message}")));
            }
            continue;
        }
        let mut answers = Vec::with_capacity(group.len());
        for job in group {
            let begun = conn.execute_batch("SAVEPOINT w");
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                job.run(&Conn::Lite(&conn))
            }));
            let ok = match ran {
                Ok((ok, deliver)) => {
                    answers.push(deliver);
                    ok
                }
                Err(_) => {
                    tracing::error!("a write panicked; rolled back");
                    false
                }
            };
            if begun.is_ok() {
                let end = if ok {
                    "RELEASE w"
                } else {
                    "ROLLBACK TO w; RELEASE w"
                };
                if let Err(e) = conn.execute_batch(end) {
                    tracing::error!(error = %e, "savepoint");
                }
            }
        }
        let committed = conn.execute_batch("COMMIT").map_err(Error::from);
        if committed.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        let failure = committed.as_ref().err().map(ToString::to_string);
        for deliver in answers {
            deliver(match &failure {
                None => Ok(()),
                Some(m) => Err(Error::Task(format!("commit failed: {m}"))),
            });
        }
    }
    // Every sender is gone: the server is stopping. Checkpoint so the WAL stays small.
    let _ = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE");
    let _ = conn.close();
}

impl Lite {
    fn open_with(data_dir: &Path, key: &CacheKey) -> Result<Arc<Self>> {
        let writer = open_writer_with(data_dir, key)?;
        let path = data_dir.join(DB_FILE);
        let readers = (0..READERS)
            .map(|_| open_reader(&path, key))
            .collect::<Result<Vec<_>>>()?;
        let key = CacheKey::from_bytes(key.as_bytes())
            .map_err(|_| Error::Task("the database key has the wrong length".into()))?;
        let (sender, receiver) = std::sync::mpsc::channel::<Box<dyn WriteJob>>();
        let writer = std::thread::Builder::new()
            .name("carnet-writer".into())
            .spawn(move || writer_loop(writer, receiver))
            .map_err(|e| Error::Task(format!("cannot start the writer thread: {e}")))?;
        Ok(Arc::new(Self {
            path,
            key,
            jobs: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(readers),
            reader_slots: Semaphore::new(READERS),
        }))
    }

    /// Runs `f` on a reader connection, inside one read transaction (one snapshot).
    async fn read<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
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
            let result = read_in_snapshot(&Conn::Lite(&conn), f);
            db.give_back(conn);
            result
        })
        .await
        .map_err(|e| E::from(Error::Task(e.to_string())))?
    }

    /// Runs `f` on the writer inside a transaction (a savepoint of a group commit): its
    /// changes are kept only if it returns Ok, and the answer comes once they are durable.
    async fn write<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Box<dyn WriteJob> = Box::new(Job { f, reply });
        self.jobs
            .lock()
            .map_err(|_| E::from(Error::Task("writer queue poisoned".into())))?
            .as_ref()
            .ok_or_else(|| E::from(Error::Task("the database is closed".into())))?
            .send(job)
            .map_err(|_| E::from(Error::Task("the writer thread stopped".into())))?;
        answer
            .await
            .map_err(|_| E::from(Error::Task("the write was dropped".into())))?
    }

    /// Refuses further writes, lets the writer finish those queued, checkpoint and close its
    /// connection, and waits for it. The process must not exit while the writer is closing:
    /// SQLCipher's exit handlers free what a closing connection still uses (a crash at exit).
    fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            // The writer never drops the last handle itself, but never join one's own thread.
            if writer.thread().id() != std::thread::current().id() {
                let _ = writer.join();
            }
        }
    }

    fn take_reader(&self) -> Result<Connection> {
        let pooled = self
            .readers
            .lock()
            .map_err(|_| Error::Task("reader pool poisoned".into()))?
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_reader(&self.path, &self.key),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(conn);
        }
    }
}

impl Drop for Lite {
    fn drop(&mut self) {
        self.close();
    }
}

/// Runs `f` inside a deferred transaction so that all its queries see one snapshot.
pub fn read_in_snapshot<T, E: From<Error>>(
    conn: &Conn<'_>,
    f: impl FnOnce(&Conn<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let begin = match conn.backend() {
        crate::sql::Backend::Sqlite => "BEGIN",
        crate::sql::Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    conn.execute_batch(begin)
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
        let epoch = crate::feed::epoch(&Conn::Lite(&conn)).unwrap();
        drop(conn);
        let conn = open_writer(dir.path()).unwrap();
        assert_eq!(crate::feed::epoch(&Conn::Lite(&conn)).unwrap(), epoch);
    }

    /// A database of schema `version` (before upgrade tests).
    fn at_version(dir: &Path, version: usize) -> Connection {
        std::fs::create_dir_all(dir).unwrap();
        let mut conn = Connection::open(dir.join(DB_FILE)).unwrap();
        migrate_to(&mut conn, version).unwrap();
        conn
    }

    #[test]
    fn schema_7_revokes_the_devices_that_had_only_a_bearer_token() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = at_version(dir.path(), 6);
        conn.execute_batch(
            "INSERT INTO device (id, store_id, label, token_hash, created_at)
               VALUES ('dev-token', 'S001', 'x', x'01', '2024-01-01T00:00:00Z');
             INSERT INTO device (id, store_id, label, token_hash, created_at, public_key)
               VALUES ('dev-key', 'S001', 'y', x'02', '2024-01-01T00:00:00Z', x'0303');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let revoked = |id: &str| -> bool {
            conn.query_row(
                "SELECT revoked_at IS NOT NULL FROM device WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert!(revoked("dev-token"));
        assert!(!revoked("dev-key"));
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('device')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!columns.contains(&"token_hash".to_owned()), "{columns:?}");
    }
}

#[cfg(test)]
mod write_tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_rolls_back_alone_in_a_group() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let mut tasks = Vec::new();
        for i in 0..50i64 {
            let db = Arc::clone(&db);
            tasks.push(tokio::spawn(async move {
                db.write(move |conn| -> Result<(), Error> {
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, 'x')",
                        [format!("k{i}")],
                    )?;
                    if i % 10 == 0 {
                        return Err(Error::Config("refused".into()));
                    }
                    Ok(())
                })
                .await
            }));
        }
        let mut failed = 0;
        for t in tasks {
            failed += usize::from(t.await.unwrap().is_err());
        }
        assert_eq!(failed, 5);
        let n: i64 = db
            .read(|conn| -> Result<i64, Error> {
                Ok(
                    conn.query_row("SELECT count(*) FROM meta WHERE key LIKE 'k%'", (), |r| {
                        r.get(0)
                    })?,
                )
            })
            .await
            .unwrap();
        assert_eq!(n, 45);
    }
}
