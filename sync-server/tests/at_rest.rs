//! The server's data at rest, against the real binary: the data directory is its owner's
//! only, the database, its WAL and its backups hold no clear byte and look random, the
//! server secret comes from the environment, a file or a command (and nothing opens the
//! database without it), an older plain database is refused then encrypted in place, and a
//! backup taken while the server runs restores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use carnet_protocol::Record;
use common::needles::{found, needles};
use common::*;

/// Every directory and file under `dir`, with its mode bits.
fn walk(dir: &Path) -> Vec<(PathBuf, u32, bool)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        let mode = meta.permissions().mode() & 0o777;
        out.push((entry.path(), mode, meta.is_dir()));
        if meta.is_dir() {
            out.extend(walk(&entry.path()));
        }
    }
    out
}

fn phone_of(changes: &[carnet_protocol::Change], id: &str) -> Option<String> {
    upserts(changes).into_iter().rev().find_map(|r| match r {
        Record::Customer(c) if c.id == id => Some(c.phone.clone().unwrap_or_default()),
        _ => None,
    })
}

/// A served store with a device that synced it.
async fn synced() -> (Env, Server, Device) {
    let env = Env::new();
    let server = Server::start(&env.data_dir());
    let api = server.device("S001").await;
    api.pull_all("S001", "", 500).await;
    (env, server, api)
}

#[tokio::test]
async fn the_data_directory_and_every_file_in_it_are_the_owners_only() {
    if common::backend::sqlite_file_test_on_postgres("the database file's encryption and modes") {
        return;
    }
    let (env, _server, api) = synced().await;
    let data = env.data_dir();
    api.push(
        "S001",
        vec![mutation(
            1,
            "2024-08-01T10:00:00Z",
            phone_edit("C0000001", "06 98 76 54 32"),
        )],
    )
    .await;
    let backup = env.dir.path().join("backup.db");
    let export = env.dir.path().join("C0000001.json");
    let d = data.to_str().unwrap();
    cli(&["backup", "--data", d, "--out", backup.to_str().unwrap()]);
    cli(&[
        "customer",
        "export",
        "--data",
        d,
        "C0000001",
        "--out",
        export.to_str().unwrap(),
    ]);
    // Checked while the server runs: the WAL and shared-memory files exist.
    let entries = walk(&data);
    let names: Vec<String> = entries
        .iter()
        .map(|(p, _, _)| p.strip_prefix(&data).unwrap().display().to_string())
        .collect();
    for expected in [
        "carnet-sync.db",
        "carnet-sync.db-wal",
        "carnet-sync.db-shm",
        "tls/key.pem",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for (path, mode, is_dir) in &entries {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{} is {mode:o}", path.display());
    }
    assert_eq!(mode(&backup), 0o600);
    assert_eq!(mode(&export), 0o600);
}

/// Entropy a ciphertext file of 64 KiB or more exceeds: random bytes give 7.997 or more at
/// that size (the estimate is biased low by about 255 / (2 n ln 2)); the WAL's frame headers
/// (24 clear bytes per 4 KiB page) cost it about 0.02. A plain SQLite file gives 2 to 6.
const RANDOM_ENOUGH: f64 = 7.95;

/// Bits of information per byte of `bytes` (8 for uniformly random bytes).
fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u64; 256];
    for b in bytes {
        counts[usize::from(*b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[tokio::test]
async fn a_stolen_copy_of_the_database_its_wal_and_a_backup_shows_no_customer() {
    if common::backend::sqlite_file_test_on_postgres("backup and restore") {
        return;
    }
    let (env, _server, api) = synced().await;
    let data = env.data_dir();
    // Edits of every customer of the store: the WAL holds their new records.
    let pushed = "06 98 76 54 32";
    let edits = env
        .data
        .customers
        .iter()
        .filter(|c| c.home_store_id == "S001")
        .enumerate()
        .map(|(i, c)| {
            mutation(
                i as u64 + 1,
                "2024-08-01T10:00:00Z",
                phone_edit(&c.id, pushed),
            )
        })
        .collect();
    api.push("S001", edits).await;
    let backup = env.dir.path().join("backup.db");
    cli(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        backup.to_str().unwrap(),
    ]);
    // What a thief copies off the disk while the server runs.
    let stolen = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["carnet-sync.db", "carnet-sync.db-wal", "carnet-sync.db-shm"] {
        let to = stolen.path().join(name);
        std::fs::copy(data.join(name), &to).unwrap();
        files.push(to);
    }
    files.push(backup);
    let mut needles = needles(&env.data);
    needles.push(pushed.as_bytes().to_vec());
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let hits = found(&bytes, &needles);
        assert!(hits.is_empty(), "{} holds {hits:?}", file.display());
        // Page contents are ciphertext: the bytes of a whole file look random, not only free
        // of what this test knows to look for. (The shared-memory index holds no page.)
        if !file.to_string_lossy().ends_with("-shm") {
            assert!(bytes.len() > 64 * 1024, "{} is small", file.display());
            let bits = entropy(&bytes);
            eprintln!(
                "{}: {} bytes, {bits:.4} bits per byte",
                file.display(),
                bytes.len()
            );
            assert!(
                bits > RANDOM_ENOUGH,
                "{} has {bits:.3} bits per byte",
                file.display()
            );
        }
    }
    // The scan and the bound do tell a clear database: the same import, unencrypted.
    let plain = stolen.path().join("plain.db");
    {
        let mut conn = rusqlite::Connection::open(&plain).unwrap();
        carnet_sync_server::db::migrate(&mut conn).unwrap();
        carnet_sync_server::import::run(
            &carnet_sync_server::sql::Conn::Lite(&conn),
            &env.export(),
            &mut |_, _, _| {},
        )
        .unwrap();
    }
    let bytes = std::fs::read(&plain).unwrap();
    assert!(found(&bytes, &needles).len() > env.data.customers.len());
    assert!(entropy(&bytes) < RANDOM_ENOUGH);
}

/// Runs the CLI without the tests' secret in its environment: (success, stderr).
fn bare(args: &[&str], secret: Option<&str>) -> (bool, String) {
    let mut command = Command::new(bin());
    command
        .args(args)
        .env_remove("CARNET_SERVER_SECRET")
        .env("RUST_LOG", "warn");
    if let Some(s) = secret {
        command.env("CARNET_SERVER_SECRET", s);
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn nothing_opens_the_database_without_its_secret_and_each_source_works() {
    if common::backend::sqlite_file_test_on_postgres("the database file's encryption and modes") {
        return;
    }
    let env = Env::new();
    let data = env.data_dir();
    let d = data.to_str().unwrap();
    let out = env.dir.path().join("b.db");
    let o = out.to_str().unwrap();
    let export = env.export();
    for args in [
        vec!["import", "--data", d, export.to_str().unwrap()],
        vec!["serve", "--data", d, "--listen", "127.0.0.1:0"],
        vec!["backup", "--data", d, "--out", o],
        vec!["advisor", "list", "--data", d, "--store", "S001"],
        vec!["audit", "--data", d, "C0000001"],
    ] {
        let (ok, err) = bare(&args, None);
        assert!(!ok, "{args:?} ran without the secret");
        for way in ["CARNET_SERVER_SECRET", "--secret-file", "--secret-command"] {
            assert!(err.contains(way), "{args:?}: {err}");
        }
        let (ok, err) = bare(&args, Some(&"ab".repeat(32)));
        assert!(!ok, "{args:?} ran with another secret");
        assert!(
            err.contains("does not open with this server secret"),
            "{args:?}: {err}"
        );
    }
    // The pin needs no secret: it is not in the database.
    assert!(bare(&["fingerprint", "--data", d], None).0);
    // A file (0600, outside the data directory), then a command.
    let file = env.dir.path().join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let f = file.to_str().unwrap();
    let list = ["store", "list", "--data", d];
    let with = |extra: &[&str]| bare(&[&list[..], extra].concat(), None);
    assert!(with(&["--secret-file", f]).0);
    let command = format!("cat {f}");
    assert!(with(&["--secret-command", &command]).0);
    let (ok, err) = with(&["--secret-command", "exit 7"]);
    assert!(!ok && err.contains("secret command failed"), "{err}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, err) = with(&["--secret-file", f]);
    assert!(!ok && err.contains("chmod 600"), "{err}");
    let inside = data.join("secret");
    std::fs::copy(&file, &inside).unwrap();
    std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, err) = with(&["--secret-file", inside.to_str().unwrap()]);
    assert!(!ok && err.contains("inside the data directory"), "{err}");
}

#[tokio::test]
async fn a_plain_database_of_an_older_server_is_refused_then_encrypted() {
    if common::backend::sqlite_file_test_on_postgres("the database file's encryption and modes") {
        return;
    }
    let env = Env::new();
    // As an older server left it: plain SQLite, and the lease key in a file beside it.
    let old = env.dir.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    {
        let mut conn = rusqlite::Connection::open(old.join("carnet-sync.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        carnet_sync_server::db::migrate(&mut conn).unwrap();
        carnet_sync_server::import::run(
            &carnet_sync_server::sql::Conn::Lite(&conn),
            &env.export(),
            &mut |_, _, _| {},
        )
        .unwrap();
    }
    let key =
        ring::signature::Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    std::fs::write(old.join("lease-key.pk8"), key.as_ref()).unwrap();
    let d = old.to_str().unwrap();
    let out = server_command()
        .args(["serve", "--data", d, "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!("carnet-sync-server encrypt --data {d}")),
        "{err}"
    );
    let said = cli(&["encrypt", "--data", d]);
    assert!(said.contains("encrypted"), "{said}");
    assert!(!carnet_sync_server::db::is_plain(&old.join("carnet-sync.db")).unwrap());
    assert!(cli(&["encrypt", "--data", d]).contains("encrypted already"));
    // It serves the same data, and the lease key moved into the database.
    let server = Server::start(&old);
    let (changes, _, _) = server.device("S001").await.pull_all("S001", "", 500).await;
    let customers = upserts(&changes)
        .into_iter()
        .filter(|r| matches!(r, Record::Customer(_)))
        .count();
    let expected = env
        .data
        .customers
        .iter()
        .filter(|c| c.home_store_id == "S001")
        .count();
    assert_eq!(customers, expected);
    assert!(!old.join("lease-key.pk8").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_running_server_restores_its_older_data() {
    if common::backend::sqlite_file_test_on_postgres("backup and restore") {
        return;
    }
    let env = Env::new();
    let data = env.data_dir();
    let d = data.to_str().unwrap();
    let mut server = Server::start(&data);
    let api = server.device("S001").await;
    let (changes, _, _) = api.pull_all("S001", "", 500).await;
    let original = phone_of(&changes, "C0000001").unwrap();
    let backup = env.dir.path().join("monday.db");
    let b = backup.to_str().unwrap();
    let said = cli(&["backup", "--data", d, "--out", b]);
    assert!(said.contains("backed up"), "{said}");
    // The data change after the backup.
    let changed = "06 98 76 54 32";
    api.push(
        "S001",
        vec![mutation(
            1,
            "2024-08-01T10:00:00Z",
            phone_edit("C0000001", changed),
        )],
    )
    .await;
    let (changes, _, _) = api.pull_all("S001", "", 500).await;
    assert_ne!(phone_of(&changes, "C0000001").unwrap(), original);
    // Not under a running server.
    let out = server_command()
        .args(["restore", "--data", d, "--from", b])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("a server is running"));
    // A graceful stop waits for the client's answer to its GOAWAY: the client's connection
    // task answers from the runtime's other worker while this one waits in `terminate`.
    let fresh = api.with_client(device::pinned_from(&server.fingerprint, None));
    drop(api);
    let stopped = server.terminate();
    assert_eq!(stopped.code(), Some(0), "{stopped:?}");
    cli(&["restore", "--data", d, "--from", b]);
    // The device, enrolled before the backup, is known to the restored server: its lease
    // (signed by the key the backup carries) still holds.
    let server = Server::start(&data);
    let (changes, _, _) = fresh.at(&server.base).pull_all("S001", "", 500).await;
    assert_eq!(phone_of(&changes, "C0000001").unwrap(), original);
}
