//! Which back end the servers under test use: the SQLite file in their data directory (the
//! default), or PostgreSQL when `CARNET_TEST_POSTGRES` names a server (the connection string
//! of its `postgres` database, as `scripts/postgres.sh start` prints it). Each data directory
//! then gets a database of its own there, which every server and command run on that
//! directory uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The PostgreSQL server's connection string, when the tests run on PostgreSQL.
pub fn postgres() -> Option<String> {
    std::env::var("CARNET_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// The connection string of the database of the server on `data`, created on first use;
/// `None` on SQLite.
pub fn database_for(data: &Path) -> Option<String> {
    let own = OWN
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(d, _)| d == data)
        .map(|(_, url)| url.clone());
    if own.is_some() {
        return own;
    }
    let admin = postgres()?;
    let shared = SHARED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(replica, _)| replica == data)
        .map(|(_, first)| first.clone());
    if let Some(first) = shared {
        return database_for(&first);
    }
    if KEPT_ON_SQLITE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains(data)
    {
        return None;
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, data.as_os_str().as_encoded_bytes());
    let name: String = digest.as_ref()[..10]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = format!("carnet_test_{name}");
    static CREATED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut created = CREATED.lock().unwrap_or_else(|p| p.into_inner());
    if !created.contains(&name) {
        let out = psql(&admin, &format!("CREATE DATABASE {name}"));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || said.contains("already exists"),
            "cannot create the test database {name}: {said}"
        );
        created.insert(name.clone());
    }
    Some(with_database(&admin, &name))
}

/// Runs `sql` with psql on `url`, stopping at the first error; its output, unchecked.
fn psql(url: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
        .output()
        .expect("psql runs")
}

/// The first value `sql` returns on `url` (through psql, not the tests' own connection).
pub fn psql_value(url: &str, sql: &str) -> String {
    let out = psql(url, sql);
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

static SHARED: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

static OWN: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// Makes the server on `data` use the database at `url` (a PostgreSQL server a test started
/// for itself, to restart it).
pub fn use_database(data: &Path, url: &str) {
    OWN.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((data.to_path_buf(), url.to_owned()));
}

/// Makes the server on `replica` use the database of the server on `first`: two replicas of
/// one server (PostgreSQL only).
pub fn share_database(first: &Path, replica: &Path) {
    SHARED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((replica.to_path_buf(), first.to_path_buf()));
}

static KEPT_ON_SQLITE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Keeps the server on `data` on SQLite even when the tests run on PostgreSQL (a test that
/// compares the two).
pub fn keep_on_sqlite(data: &Path) {
    KEPT_ON_SQLITE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(data.to_path_buf());
}

/// `conninfo` (key=value form) with `dbname` set to `name`.
fn with_database(conninfo: &str, name: &str) -> String {
    let mut pairs: Vec<String> = conninfo
        .split_whitespace()
        .filter(|p| !p.starts_with("dbname="))
        .map(str::to_owned)
        .collect();
    pairs.push(format!("dbname={name}"));
    pairs.join(" ")
}

/// Points a server command at the database of its `--data` directory (PostgreSQL only).
pub fn point(command: &mut Command) {
    let data = {
        let mut args = command.get_args();
        let mut data = None;
        while let Some(arg) = args.next() {
            if arg == "--data" {
                data = args.next().map(Path::new).map(Path::to_path_buf);
            }
        }
        data
    };
    if let Some(url) = data.as_deref().and_then(database_for) {
        command.env("CARNET_DATABASE", url);
    }
}

/// Whether a test of the SQLite file itself (its encryption, backup and restore) is to be left
/// out because the servers run on PostgreSQL; says so on stderr. The SQLite run of the same
/// suite runs it.
pub fn sqlite_file_test_on_postgres(what: &str) -> bool {
    let skip = postgres().is_some();
    if skip {
        eprintln!("not run on PostgreSQL: {what} concerns the SQLite file");
    }
    skip
}

/// Whether a test that needs PostgreSQL cannot run (the tests run on SQLite); says so.
pub fn without_postgres() -> bool {
    let without = postgres().is_none();
    if without {
        eprintln!("needs a PostgreSQL server: run scripts/postgres-tests.sh");
    }
    without
}
