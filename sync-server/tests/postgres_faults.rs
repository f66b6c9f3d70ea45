//! PostgreSQL going wrong under the server: writes held up behind the write lock with a small
//! pool are told to come back (503 busy, Retry-After) within a bound and leave nothing
//! behind; a migration interrupted half-way is rerun cleanly; PostgreSQL restarted in the
//! middle of an import, which resumes and leaves the feed a clean import would. Runs when
//! the tests have a PostgreSQL server (`scripts/postgres-tests.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carnet_protocol::{MutationKind, Outcome};
use carnet_sync_server::pg::WRITE_LOCK;
use common::*;

/// A psql session kept open: statements sent one line at a time, its locks and open
/// transaction held until it is closed.
struct Session(Child);

impl Session {
    fn open(url: &str) -> Session {
        let child = Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-q"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Session(child)
    }

    fn send(&mut self, sql: &str) {
        let stdin = self.0.stdin.as_mut().unwrap();
        writeln!(stdin, "{sql}").unwrap();
        stdin.flush().unwrap();
    }

    /// Ends the session (its connection closes: its locks go, an open transaction rolls
    /// back).
    fn close(mut self) {
        drop(self.0.stdin.take());
        self.0.wait().unwrap();
    }
}

/// Waits (up to a minute) until `sql` returns `want`.
fn wait_for(url: &str, sql: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while backend::psql_value(url, sql) != want {
        assert!(Instant::now() < deadline, "{sql} never gave {want}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn profile_view(seq: u64, customer: &str) -> carnet_protocol::Mutation {
    mutation(
        seq,
        "2024-08-01T10:00:00Z",
        MutationKind::ProfileView {
            customer_id: customer.into(),
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_held_up_get_busy_with_retry_after_and_leave_nothing() {
    if backend::without_postgres() {
        return;
    }
    let env = Env::new();
    let data = env.data_dir();
    let url = backend::database_for(&data).unwrap();
    let config = env.dir.path().join("carnet.toml");
    std::fs::write(&config, "database_pool = 2\n").unwrap();
    let server = Server::start_configured(&data, &config);
    let device = server.device("S001").await;

    // Another client holds the write lock, as a long import batch would.
    let mut holder = Session::open(&url);
    holder.send(&format!("SELECT pg_advisory_lock({WRITE_LOCK});"));
    wait_for(
        &url,
        &format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND objid = {}",
            WRITE_LOCK & 0xffff_ffff
        ),
        "1",
    );

    // Six pushes at once on a pool of two: two wait for the write lock, four for a
    // connection. Every one is answered busy, with a Retry-After, within the bounds.
    let started = Instant::now();
    let tasks: Vec<_> = (1..=6u64)
        .map(|seq| {
            let device = device.clone();
            tokio::spawn(async move {
                let r = device
                    .push_raw("S001", vec![profile_view(seq, "C0000001")])
                    .await;
                let retry_after = r.headers().get("retry-after").cloned();
                let (status, error) = api_error(r).await;
                (status, error.error, retry_after, started.elapsed())
            })
        })
        .collect();
    for task in tasks {
        let (status, code, retry_after, took) = task.await.unwrap();
        assert_eq!((status, code.as_str()), (503, "busy"));
        assert!(
            retry_after.is_some(),
            "a busy answer says when to come back"
        );
        // The pool's wait (5 s) and the write lock's (10 s) bound it; a hang would not end.
        assert!(took < Duration::from_secs(30), "answered after {took:?}");
    }
    // Counted over psql: the tests' own connection would wait for the lock to migrate.
    let device_id = device.lease().lease.device_id.clone();
    let logged = format!("SELECT count(*) FROM mutation_log WHERE device_id = '{device_id}'");
    assert_eq!(backend::psql_value(&url, &logged), "0");

    // The lock released, the same six are applied, once each.
    holder.close();
    let retried: Vec<_> = (1..=6).map(|seq| profile_view(seq, "C0000001")).collect();
    let results = device.push("S001", retried).await.results;
    assert!(
        results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied)),
        "{results:?}"
    );
    assert_eq!(backend::psql_value(&url, &logged), "6");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_interrupted_half_way_is_rerun_cleanly() {
    if backend::without_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = backend::database_for(&data).unwrap();
    // A table the schema creates late, created by another client in a transaction left
    // open: the migration stops there, half-way, waiting for it.
    let mut blocker = Session::open(&url);
    blocker.send("BEGIN; CREATE TABLE security_event (blocking integer);");
    wait_for(
        &url,
        "SELECT count(*) FROM pg_stat_activity
          WHERE state = 'idle in transaction' AND datname = current_database()",
        "1",
    );
    let mut first = server_command();
    first.args([
        "serve",
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    backend::point(&mut first);
    let mut first = first
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        &url,
        "SELECT count(*) FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND datname = current_database()",
        "1",
    );
    // Killed half-way through its migration; the other client gives up its table.
    first.kill().unwrap();
    first.wait().unwrap();
    blocker.send("ROLLBACK;");
    blocker.close();

    // Started again, the server migrates from scratch and serves.
    let server = Server::start(&data);
    let versions = backend::psql_value(
        &url,
        "SELECT string_agg(version::text, ',' ORDER BY version) FROM carnet_schema",
    );
    let expected: Vec<String> = (1..=carnet_sync_server::pg::SCHEMA_VERSION)
        .map(|v| v.to_string())
        .collect();
    assert_eq!(versions, expected.join(","));
    assert_eq!(
        backend::psql_value(
            &url,
            "SELECT count(*) FROM information_schema.columns
              WHERE table_name = 'security_event' AND column_name = 'blocking'"
        ),
        "0",
        "the other client's table is gone with its transaction"
    );
    let export = dir.path().join("export");
    common::data().write(&export);
    import(&data, &export);
    let device = server.device("S001").await;
    let (changes, _, _) = device.pull_all("S001", "", 500).await;
    assert!(upserts(&changes).len() > 100);
}

/// A PostgreSQL server of the test's own, which it may restart.
struct OwnPostgres {
    dir: tempfile::TempDir,
    port: u16,
    conninfo: String,
}

impl OwnPostgres {
    fn start() -> OwnPostgres {
        let dir = tempfile::tempdir().unwrap();
        let port = 40000 + (std::process::id() % 10000) as u16;
        let conninfo = Self::script("start", dir.path(), Some(port));
        OwnPostgres {
            dir,
            port,
            conninfo,
        }
    }

    fn script(action: &str, dir: &Path, port: Option<u16>) -> String {
        let mut command = Command::new("../scripts/postgres.sh");
        command.arg(action).arg(dir);
        if let Some(port) = port {
            command.arg(port.to_string());
        }
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "postgres.sh {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Stops it (`pg_ctl stop -m fast`: sessions are cut) and starts it again.
    fn restart(&self) {
        Self::script("stop", self.dir.path(), None);
        Self::script("start", self.dir.path(), Some(self.port));
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = Command::new("../scripts/postgres.sh")
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

#[test]
fn postgres_restarted_mid_import_resumes_and_leaves_the_feed_of_a_clean_import() {
    if backend::without_postgres() {
        return;
    }
    use carnet_fixtures::generate::{Size, generate_with};
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    // Several of the import's 20,000-write batches.
    generate_with(
        &Size::Store.config().with_customers(2_000),
        42,
        &export,
        &mut |_| {},
    )
    .unwrap();
    let own = OwnPostgres::start();
    let data = dir.path().join("data");
    backend::psql_value(&own.conninfo, "CREATE DATABASE carnet_restarted");
    let url = own
        .conninfo
        .replace("dbname=postgres", "dbname=carnet_restarted");
    backend::use_database(&data, &url);

    let mut importer = server_command();
    importer
        .args(["import", "--data", data.to_str().unwrap()])
        .arg(&export);
    backend::point(&mut importer);
    let importer = importer
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Restarted once the first batches are committed and before the last.
    wait_for_at_least(&url, "SELECT count(*) FROM imported", 20_000);
    own.restart();
    let out = importer.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("the database connection was lost"),
        "{stderr}"
    );
    assert!(stdout.contains("resumed 1 time(s)"), "{stdout}");

    // The same rows as a clean import of the same export on the tests' server.
    let reference = dir.path().join("reference");
    import(&reference, &export);
    let (lost, extra) = equality::differences(
        &crash::imported_rows(&reference),
        &crash::imported_rows(&data),
    );
    assert_eq!((lost, extra), (0, 0), "rows lost, rows extra");
    // Each entity once in the feed.
    assert_eq!(
        backend::psql_value(
            &url,
            "SELECT count(*) FROM (SELECT entity, entity_id FROM feed WHERE deleted = 0
               GROUP BY entity, entity_id HAVING count(*) > 1) twice"
        ),
        "0"
    );
}

/// Waits (up to two minutes) until the count `sql` returns reaches `least`; panics if the
/// count stops before it (the import finished too soon to be cut).
fn wait_for_at_least(url: &str, sql: &str, least: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // Until the import's migration has made the table, the query fails: zero.
        let n: u64 = Command::new("psql")
            .args([url, "-Atqc", sql])
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0);
        if n >= least {
            return;
        }
        assert!(Instant::now() < deadline, "{sql} stayed at {n}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
