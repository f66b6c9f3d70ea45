//! Two server replicas on one PostgreSQL database: a device enrolled through one is served by
//! the other (its lease verifies there), a push retried on the other replica is answered from
//! the same record and applied once, and when one replica is killed the device goes on with
//! the other; and under imports and pushes running together on both replicas while devices
//! pull, no device misses a change. Runs when the tests have a PostgreSQL server
//! (`scripts/postgres-tests.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use carnet_protocol::{Change, MutationKind, Outcome, Record};
use common::*;

/// A second replica of the server on `first`: its own data directory with the first's TLS
/// identity (the devices pin it), the same database.
fn replica_of(first: &Path, dir: &Path) -> Server {
    let second = replica_dir(first, dir);
    Server::start(&second)
}

/// The data directory of a second replica of the server on `first`.
fn replica_dir(first: &Path, dir: &Path) -> PathBuf {
    let second = dir.join("replica");
    std::fs::create_dir_all(&second).unwrap();
    let copied = std::process::Command::new("cp")
        .args(["-a"])
        .arg(first.join("tls"))
        .arg(&second)
        .status()
        .unwrap();
    assert!(copied.success());
    backend::share_database(first, &second);
    second
}

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
    let b = replica_of(&first, env.dir.path());
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

/// What a device holds after applying pulled changes: (entity, id) → the record's JSON.
type Held = BTreeMap<(String, String), String>;

fn apply(held: &mut Held, changes: Vec<Change>) {
    for change in changes {
        match change {
            Change::Upsert { record } => {
                let key = (record.entity().as_str().to_owned(), record.id().to_owned());
                held.insert(key, serde_json::to_string(&record).unwrap());
            }
            Change::Delete { entity, id } => {
                held.remove(&(entity.as_str().to_owned(), id));
            }
        }
    }
}

/// The live rows the server holds for `store` (its own and the catalog's), as a device that
/// missed nothing holds them.
fn server_rows(data: &Path, store: &str) -> Held {
    server_db(data).with(|conn| {
        conn.query_map(
            "SELECT payload FROM feed WHERE (store_id = ?1 OR store_id = '') AND deleted = 0",
            [store],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
        .into_iter()
        .map(|stored| {
            let payload = carnet_sync_server::sealed::from_stored(conn, stored).unwrap();
            let Change::Upsert { record } = serde_json::from_str(&payload).unwrap() else {
                panic!("a live row holds a tombstone");
            };
            let key = (record.entity().as_str().to_owned(), record.id().to_owned());
            (key, serde_json::to_string(&record).unwrap())
        })
        .collect()
    })
}

/// CRM deltas chained from `base`, `rounds` of them, written beside it.
fn deltas(base: &Path, rounds: usize) -> Vec<PathBuf> {
    let mut from = base.to_path_buf();
    (1..=rounds)
        .map(|round| {
            let to = base.with_file_name(format!("export-{round}"));
            store::crm_delta(&from, &to, round, 20);
            from = to.clone();
            to
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_concurrent_imports_and_pushes_on_two_replicas_no_device_misses_a_change() {
    if backend::without_postgres() {
        return;
    }
    let env = Env::new();
    let first = env.data_dir();
    let a = Server::start(&first);
    let b = replica_of(&first, env.dir.path());
    let exports = deltas(&env.export(), 6);
    // Customers every delta keeps (a delta removes one), so that every edit applies.
    let kept: Vec<carnet_fixtures::format::Customer> =
        carnet_fixtures::Export::open(exports.last().unwrap())
            .unwrap()
            .records(carnet_fixtures::format::files::CUSTOMERS)
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let customers = |store: &str| -> Vec<String> {
        kept.iter()
            .filter(|c| c.home_store_id == store)
            .map(|c| c.id.clone())
            .collect()
    };
    // Three devices, each alternating between the replicas request by request.
    let devices = [
        ("S001", a.device("S001").await, customers("S001")),
        ("S001", b.device("S001").await, customers("S001")),
        ("S002", a.device("S002").await, customers("S002")),
    ];
    let bases = [a.base.clone(), b.base.clone()];
    // Set when the imports are done (pushes stop), then when the pushes are (pulls finish).
    let stop = Arc::new(AtomicBool::new(false));
    let settled = Arc::new(AtomicBool::new(false));

    // The CRM imports deltas, one after another, each its own process and connection.
    let importer = {
        let (data, stop) = (first.clone(), Arc::clone(&stop));
        tokio::task::spawn_blocking(move || {
            for export in &exports {
                import(&data, export);
            }
            stop.store(true, Ordering::SeqCst);
        })
    };
    let mut tasks = Vec::new();
    for (i, (store, device, ours)) in devices.iter().enumerate() {
        // Pushes: phone edits of customers of its own (no two devices edit one customer).
        let pusher = {
            let (device, stop, bases) = (device.clone(), Arc::clone(&stop), bases.clone());
            let (store, ours) = (store.to_string(), ours.clone());
            tokio::spawn(async move {
                let mut seq = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    seq += 1;
                    let customer = &ours[(i + 3 * seq as usize) % ours.len()];
                    let at = carnet_sync_server::ids::format_time(chrono::Utc::now());
                    let edit = mutation(
                        seq,
                        &at,
                        phone_edit(customer, &format!("06 55 {i}{seq:05}")),
                    );
                    let on = device.at(&bases[seq as usize % 2]);
                    let results = on.push(&store, vec![edit]).await.results;
                    assert!(
                        matches!(results[0].outcome, Outcome::Applied),
                        "{results:?}"
                    );
                }
                seq
            })
        };
        // Pulls: from its cursor, alternating replicas, while everything else runs.
        let puller = {
            let (device, stop, bases) = (device.clone(), Arc::clone(&settled), bases.clone());
            let store = store.to_string();
            tokio::spawn(async move {
                let mut held = Held::new();
                let mut cursor = String::new();
                let mut round = 0;
                loop {
                    let done = stop.load(Ordering::SeqCst);
                    round += 1;
                    let on = device.at(&bases[round % 2]);
                    let (changes, next, _) = on.pull_all(&store, &cursor, 200).await;
                    apply(&mut held, changes);
                    cursor = next;
                    if done {
                        return held;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            })
        };
        tasks.push((pusher, puller));
    }
    importer.await.unwrap();
    let mut pushed = Vec::new();
    let mut pullers = Vec::new();
    for (pusher, puller) in tasks {
        pushed.push(pusher.await.unwrap());
        pullers.push(puller);
    }
    settled.store(true, Ordering::SeqCst);
    let mut held = Vec::new();
    for puller in pullers {
        held.push(puller.await.unwrap());
    }

    // Every device, having pulled across both replicas during the writes and once after,
    // holds exactly the server's rows; every push is logged once.
    for ((store, device, _), (held, pushed)) in devices.iter().zip(held.iter().zip(&pushed)) {
        let expected = server_rows(&first, store);
        let missing = expected
            .iter()
            .filter(|(k, v)| held.get(*k) != Some(*v))
            .count();
        let extra = held.keys().filter(|k| !expected.contains_key(*k)).count();
        assert_eq!(
            (missing, extra),
            (0, 0),
            "a device of {store} against the server: rows missing or stale, rows extra"
        );
        assert!(*pushed > 0, "each device pushed during the imports");
        let logged = server_db(&first).count(
            "SELECT count(*) FROM mutation_log WHERE device_id = ?1",
            &[&device.lease().lease.device_id],
        );
        assert_eq!(logged, *pushed as i64);
    }
}

/// `n` loopback ports free a moment ago (for a config naming addresses before the servers
/// start on them).
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<_> = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().unwrap().port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handheld_told_of_both_replicas_goes_on_with_the_other_when_one_dies() {
    // The device core itself, not the test's device: enrolment tells it the replicas, and
    // its calls fail over.
    use carnet_core::outbox;
    use carnet_core::sync::CancelHandle;
    use common::provisioned::{PIN_A1, Provisioned, VIEWED, unlock};
    if backend::without_postgres() {
        return;
    }
    // Both replicas' addresses, in the config each starts with: told to devices at enrolment.
    let ports = free_ports::<2>();
    let urls = ports.map(|p| format!("https://127.0.0.1:{p}"));
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("carnet.toml");
    std::fs::write(
        &config,
        format!("server_urls = [\"{}\", \"{}\"]\n", urls[0], urls[1]),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let listen = |port: u16| format!("127.0.0.1:{port}");
    let mut office = Provisioned::serving_on(&listen(ports[0]), &["--config", config]);
    let first = PathBuf::from(office.data());
    let second = replica_dir(&first, office.dir.path());
    let log = office.dir.path().join("replica.log");
    let b = Server::start_logged_on(&listen(ports[1]), &second, log, &["--config", config]);
    assert_eq!(b.base, urls[1]);

    // Enrolled through A, which told it of B; signed in and synced through A.
    let (session, _clock, _keys) = office.enrolled("h1", "S001").await;
    unlock(&session, "A1", PIN_A1).await;
    let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert!(report.pulled > 100, "{report:?}");

    // A dies. Signing in again goes through B (a session call), an edit made now and the
    // next sync too (the sync client).
    office.server.kill();
    session.sign_out();
    unlock(&session, "A1", PIN_A1).await;
    let cache = session.cache().unwrap();
    let edit = MutationKind::ProfileView {
        customer_id: VIEWED.into(),
    };
    outbox::record(&cache, edit, Some("A1"), chrono::Utc::now()).unwrap();
    let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert_eq!(report.pushed, 1, "{report:?}");
    assert!(outbox::pending(&cache, 10).unwrap().is_empty());
    let device_id = session.device_id().unwrap();
    let logged = server_db(&second).count(
        "SELECT count(*) FROM mutation_log WHERE device_id = ?1",
        &[&device_id],
    );
    assert_eq!(logged, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_of_a_key_rotated_on_one_replica_verifies_at_once_on_the_other() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if backend::without_postgres() {
        return;
    }
    let env = Env::new();
    let first = env.data_dir();
    // A reads the keys every second; B every 30 s (the default), too late for this test: B
    // must read them when a lease does not verify.
    let config = env.dir.path().join("carnet.toml");
    std::fs::write(&config, "lease_key_refresh_secs = 1\n").unwrap();
    let log = env.dir.path().join("a.log");
    let a = Server::start_logged_on(
        "127.0.0.1:0",
        &first,
        log,
        &["--config", config.to_str().unwrap()],
    );
    let b = replica_of(&first, env.dir.path());
    let device = a.device("S001").await;
    let on_b = device.at(&b.base);
    on_b.pull_all("S001", "", 500).await;

    let new_key = rotate_lease_key(&first);
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    device.renew().await.unwrap();
    let token = device.lease().token;
    let (payload, signature) = token.split_once('.').unwrap();
    let signed_by_new = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ED25519,
        URL_SAFE_NO_PAD.decode(&new_key).unwrap(),
    )
    .verify(
        &carnet_protocol::presence::lease_message(&URL_SAFE_NO_PAD.decode(payload).unwrap()),
        &URL_SAFE_NO_PAD.decode(signature).unwrap(),
    );
    assert!(signed_by_new.is_ok(), "A signs with the new key");
    let (changes, _, _) = on_b.pull_all("S001", "", 500).await;
    assert!(upserts(&changes).len() > 100);
}
