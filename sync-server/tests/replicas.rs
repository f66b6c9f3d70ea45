//! Two server replicas on one PostgreSQL database: a device enrolled through one is served by
//! the other (its lease verifies there), a push retried on the other replica is answered from
//! the same record and applied once, and when one replica is killed the device goes on with
//! the other. Runs when the tests have a PostgreSQL server (`scripts/postgres-tests.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_protocol::{Outcome, Record};
use common::*;

fn phone_of(changes: &[carnet_protocol::Change], id: &str) -> Option<String> {
    upserts(changes).into_iter().rev().find_map(|r| match r {
        Record::Customer(c) if c.id == id => c.phone.clone(),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_replica_serves_any_device_and_a_retried_push_applies_once() {
    if backend::without_postgres() {
        return;
    }
    let env = Env::new();
    let first = env.data_dir();
    let mut a = Server::start(&first);
    // The second replica: its own data directory with the first's TLS identity (the devices
    // pin it), the same database.
    let second = env.dir.path().join("replica");
    std::fs::create_dir_all(&second).unwrap();
    let copied = std::process::Command::new("cp")
        .args(["-a"])
        .arg(first.join("tls"))
        .arg(&second)
        .status()
        .unwrap();
    assert!(copied.success());
    backend::share_database(&first, &second);
    let b = Server::start(&second);
    assert_eq!(a.fingerprint, b.fingerprint);

    // Enrolled, leased and signed in through A; served by B.
    let on_a = a.device("S001").await;
    let on_b = on_a.at(&b.base);
    let (all, _, _) = on_b.pull_all("S001", "", 500).await;
    assert!(upserts(&all).len() > 100);

    // A push through A whose answer was lost, retried through B: the same outcomes, applied
    // once.
    let batch = vec![
        mutation(
            1,
            "2024-08-01T10:00:00Z",
            phone_edit("C0000001", "06 10 20 30 40"),
        ),
        mutation(
            2,
            "2024-08-01T10:01:00Z",
            phone_edit("C9999999", "06 10 20 30 41"),
        ),
    ];
    let first_answer = on_a.push("S001", batch.clone()).await.results;
    let retried = on_b.push("S001", batch).await.results;
    assert_eq!(first_answer, retried);
    assert!(matches!(first_answer[0].outcome, Outcome::Applied));
    assert_eq!(
        server_db(&first).count(
            "SELECT count(*) FROM mutation_log WHERE device_id = ?1",
            &[&on_a.lease().lease.device_id]
        ),
        2
    );

    // A dies; the device goes on with B, which has the edit.
    a.kill();
    let (changes, _, _) = on_b.pull_all("S001", "", 500).await;
    assert_eq!(
        phone_of(&changes, "C0000001").as_deref(),
        Some("+33610203040")
    );
    let next = vec![mutation(
        3,
        "2024-08-01T10:02:00Z",
        phone_edit("C0000002", "06 10 20 30 42"),
    )];
    let results = on_b.push("S001", next).await.results;
    assert!(
        matches!(results[0].outcome, Outcome::Applied),
        "{results:?}"
    );
}
