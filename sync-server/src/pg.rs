//! The PostgreSQL back end: its connection pool, its numbered migrations, and its URL shown
//! without a password.
//!
//! Writes are serialised by one transaction-scoped advisory lock, as SQLite's single writer
//! serialises them: feed sequence numbers are then committed in increasing order on every
//! replica, so a device reading "after seq N" never skips a change committed late. Reads run
//! side by side, each in one REPEATABLE READ snapshot.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use crate::error::{Error, Result};

/// The schema, one SQL file per version; `carnet_schema` records those applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/001_schema.sql"),
    include_str!("../migrations/postgres/002_feed_head.sql"),
    include_str!("../migrations/postgres/003_messages.sql"),
    include_str!("../migrations/postgres/004_quiet_period.sql"),
    include_str!("../migrations/postgres/005_tasks.sql"),
    include_str!("../migrations/postgres/006_appointments.sql"),
    include_str!("../migrations/postgres/007_reminders.sql"),
    include_str!("../migrations/postgres/008_console.sql"),
    include_str!("../migrations/postgres/009_sales_version.sql"),
    include_str!("../migrations/postgres/010_duplicate_verdicts.sql"),
];

/// The schema version a database has once migrated.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

pub use crate::sql::{BEGIN_WRITE, WRITE_LOCK};

/// How long a request waits for a pooled connection before it is refused as busy.
pub const POOL_WAIT: Duration = Duration::from_secs(5);

/// How long a request's write waits for the write lock (an import holds it a batch at a
/// time) before it is refused as busy.
pub const WRITE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// `url` with its password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((credentials, host)) = rest.rsplit_once('@') {
            let user = credentials.split(':').next().unwrap_or_default();
            let hidden = if credentials.contains(':') {
                ":***"
            } else {
                ""
            };
            return format!("{scheme}://{user}{hidden}@{host}");
        }
        return url.to_owned();
    }
    // key=value form: hide the password's value.
    url.split_whitespace()
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=***".to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A pool of up to `size` connections to `url`, checked by connecting once and migrated.
pub async fn open(url: &str, size: usize) -> Result<Pool> {
    let shown = redact(url);
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|_| Error::Config(format!("{shown} is not a PostgreSQL URL")))?;
    let manager = Manager::from_config(
        config,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|e| Error::Config(format!("PostgreSQL pool for {shown}: {e}")))?;
    migrate(&pool)
        .await
        .map_err(|e| Error::Config(format!("PostgreSQL at {shown}: {e}")))?;
    check_seal(&pool, &shown).await?;
    Ok(pool)
}

/// What the seal check holds, sealed by the first server (see [`crate::sealed`]).
const SEAL_CHECK: &str = "carnet seal check";

/// Refuses a database whose sealed data this server's secret does not open (another
/// secret): at start, with a clear message, rather than a failure at each request. The
/// first server to start seals the check.
async fn check_seal(pool: &Pool, shown: &str) -> Result<()> {
    let key = crate::sealed::this_servers_key()?;
    let client = pool
        .get()
        .await
        .map_err(|e| Error::Config(format!("PostgreSQL at {shown}: {e}")))?;
    let sealed = key.seal(SEAL_CHECK)?;
    client
        .execute(
            "INSERT INTO meta (key, value) VALUES ('seal_check', $1) ON CONFLICT (key) DO NOTHING",
            &[&sealed],
        )
        .await
        .map_err(|e| Error::Config(format!("PostgreSQL at {shown}: {}", pg_error(&e))))?;
    let stored: String = client
        .query_one("SELECT value FROM meta WHERE key = 'seal_check'", &[])
        .await
        .map_err(|e| Error::Config(format!("PostgreSQL at {shown}: {}", pg_error(&e))))?
        .get(0);
    match key.open(&stored) {
        Ok(text) if text == SEAL_CHECK => Ok(()),
        _ => Err(Error::Config(format!(
            "the database at {shown} was sealed with another server secret: this server \
             cannot read its customers"
        ))),
    }
}

/// Applies the migrations the database does not have yet, each in its own transaction under
/// the write lock: replicas starting together apply each once, and a migration interrupted
/// half-way left nothing (PostgreSQL's DDL is transactional) and is run again.
async fn migrate(pool: &Pool) -> std::result::Result<(), String> {
    let mut client = pool.get().await.map_err(|e| e.to_string())?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        let tx = client.transaction().await.map_err(|e| pg_error(&e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .await
            .map_err(|e| pg_error(&e))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS carnet_schema (
                 version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .map_err(|e| pg_error(&e))?;
        let applied = tx
            .query_opt(
                "SELECT 1 FROM carnet_schema WHERE version = $1",
                &[&version],
            )
            .await
            .map_err(|e| pg_error(&e))?
            .is_some();
        if !applied {
            tx.batch_execute(sql).await.map_err(|e| pg_error(&e))?;
            tx.execute(
                "INSERT INTO carnet_schema (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(|e| pg_error(&e))?;
        }
        tx.commit().await.map_err(|e| pg_error(&e))?;
    }
    Ok(())
}

fn pg_error(e: &tokio_postgres::Error) -> String {
    crate::sql::pg_message(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_transaction_takes_the_write_lock() {
        assert_eq!(
            BEGIN_WRITE,
            format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        );
        assert!(
            crate::sql::begin_write_waiting(WRITE_LOCK_WAIT)
                .contains(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK});"))
        );
    }

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redact("postgres://carnet:s3cret@db.example:5432/carnet"),
            "postgres://carnet:***@db.example:5432/carnet"
        );
        assert_eq!(
            redact("postgres://carnet@db/carnet"),
            "postgres://carnet@db/carnet"
        );
        assert_eq!(
            redact("host=/run/pg user=carnet password=s3cret dbname=carnet"),
            "host=/run/pg user=carnet password=*** dbname=carnet"
        );
    }
}
