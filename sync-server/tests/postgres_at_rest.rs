//! PostgreSQL at rest: community PostgreSQL has no transparent encryption, so the server seals
//! the personal data it writes there. A dump of the database shows no customer's name,
//! e-mail, phone or card, while the server serves them; a server with another secret refuses
//! the database at start. Runs when the tests have a PostgreSQL server
//! (`scripts/postgres-tests.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use carnet_protocol::Record;
use common::needles::{found, needles};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_shows_no_customer_and_another_secret_is_refused() {
    if backend::without_postgres() {
        return;
    }
    let env = Env::new();
    let data = env.data_dir();
    let mut server = Server::start(&data);
    let api = server.device("S001").await;
    let (changes, _, _) = api.pull_all("S001", "", 500).await;
    // The server opens what it sealed: the device has its customers, names and all.
    let served = upserts(&changes)
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some(c.last_name.clone()),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(served.len() > 100, "{}", served.len());
    let phone = "06 98 76 54 32";
    api.push(
        "S001",
        vec![mutation(
            1,
            "2024-08-01T10:00:00Z",
            phone_edit("C0000001", phone),
        )],
    )
    .await;

    let url = backend::database_for(&data).unwrap();
    let dump = Command::new("pg_dump")
        .arg("--dbname")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(dump.stdout.len() > 100_000, "{} bytes", dump.stdout.len());
    // Sealed values are random to anyone without the key (a unit test of `sealed` shows they
    // open with it only): left out, the rest of the dump shows no customer either. Searched
    // whole, their base64 would match short names by chance.
    let dump = String::from_utf8(dump.stdout).unwrap();
    // The lease-signing key (the one `meta` row holding it) is sealed too.
    let key_rows: Vec<&str> = dump
        .lines()
        .filter(|l| l.starts_with("lease_signing_key\t"))
        .collect();
    assert_eq!(key_rows.len(), 1, "{key_rows:?}");
    assert!(key_rows[0].starts_with("lease_signing_key\ts1:"));
    let sealed_values = dump.matches("s1:").count();
    assert!(sealed_values > 1000, "{sealed_values} sealed values");
    let unsealed: String = dump
        .split("s1:")
        .enumerate()
        .map(|(i, part)| match i {
            0 => part,
            _ => {
                part.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/')
            }
        })
        .collect();
    let mut looked_for = needles(&env.data);
    looked_for.push(phone.as_bytes().to_vec());
    assert_eq!(
        found(unsealed.as_bytes(), &looked_for),
        Vec::<String>::new()
    );
    // The same search finds them in the export the server imported: it looks for what is
    // there to find.
    let export = std::fs::read(env.export().join("customers.jsonl")).unwrap();
    assert!(found(&export, &looked_for).len() > 100);

    // A server given another secret opens nothing and says why, without the password.
    drop(api);
    assert!(server.terminate().success());
    let out = server_command()
        .env("CARNET_SERVER_SECRET", "ab".repeat(32))
        .env("CARNET_DATABASE", &url)
        .args([
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("sealed with another server secret"), "{said}");
}
