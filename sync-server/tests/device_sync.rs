//! The device core syncing with the real server binary over loopback TLS: initial and delta
//! sync equal the server's store row for row, crashes of either side lose and duplicate
//! nothing, edits travel and come back, erasures reach the device.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use carnet_core::sync::{CancelHandle, SyncError, sync};
use carnet_core::{Cache, CacheKey, outbox};
use carnet_protocol::{ContactField, ContactValue, MutationKind};
use common::store::{STORE, TinyStore, crm_delta, full_sync};
use common::{ADVISOR, Device, cli, import};

fn assert_equal(cache: &Cache, export: &Path) {
    let expected = common::equality::expected(export, STORE);
    let actual = common::equality::actual(cache);
    for (table, rows) in &expected {
        assert_eq!(actual[table].len(), rows.len(), "{table}: row count");
        assert_eq!(&actual[table], rows, "{table}: rows");
    }
    assert!(!expected["customer"].is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_then_delta_sync_equal_the_servers_store() {
    let setup = TinyStore::new().await;
    let cache = setup.device("a");
    let client = setup.client().with_page_limit(1_000);
    let mut progress = Vec::new();
    let seen = std::sync::Mutex::new(&mut progress);
    let report = sync(
        Arc::clone(&cache),
        &client,
        true,
        &CancelHandle::new(),
        &|p| seen.lock().unwrap().push(p),
    )
    .await
    .unwrap();
    assert!(report.pages > 2, "paged: {report:?}");
    let last = progress.last().unwrap();
    assert_eq!(last.done, last.total, "progress ends at its total");
    assert_equal(&cache, &setup.export);

    // The CRM changes: e-mails fixed, a customer leaves, a purchase added.
    let changed = setup.dir.path().join("export-2");
    crm_delta(&setup.export, &changed, 0, 10);
    import(&setup.server.data, &changed);
    let delta = full_sync(&cache, &client).await;
    assert!(
        delta.pulled > 0 && delta.pulled < report.pulled / 4,
        "a delta: {delta:?}"
    );
    assert_equal(&cache, &changed);

    // Nothing new: an empty round.
    assert_eq!(full_sync(&cache, &client).await.pulled, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_initial_sync_loses_and_duplicates_nothing() {
    let mut setup = TinyStore::new().await;
    let cache = setup.device("a");
    let mut interrupted = 0;
    // Kill points spread over the sync (pseudo-random but reproducible).
    let delays_ms = [5u64, 40, 15, 90, 25, 60, 10, 120];
    for delay in delays_ms {
        let client = setup.client().with_page_limit(200);
        let task = tokio::spawn({
            let cache = Arc::clone(&cache);
            async move { sync(cache, &client, true, &CancelHandle::new(), &|_| {}).await }
        });
        tokio::time::sleep(Duration::from_millis(delay)).await;
        setup.server.kill();
        match task.await.unwrap() {
            Err(SyncError::Network(_)) => interrupted += 1,
            Ok(_) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
        setup.restart_server();
    }
    assert!(
        interrupted >= 5,
        "the server was killed mid-sync {interrupted} times"
    );
    full_sync(&cache, &setup.client()).await;
    assert_equal(&cache, &setup.export);
}

/// Run as a child process by the test below: syncs until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_device_process() {
    let Ok(spec) = std::env::var("CARNET_CHILD_SYNC") else {
        return; // only runs as the child
    };
    let (path, device) = spec.split_once('#').unwrap();
    let cache = Arc::new(Cache::open(path, &CacheKey::from_bytes(&[1; 32]).unwrap()).unwrap());
    // The same device in another process: it proves its presence and syncs.
    let device = Device::import(device);
    device.renew().await.unwrap();
    let client = device.sync_client().with_page_limit(100);
    let _ = sync(cache, &client, true, &CancelHandle::new(), &|_| {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_killed_mid_apply_resumes_consistent() {
    let setup = TinyStore::new().await;
    let path = setup.dir.path().join("child.db");
    let key = CacheKey::from_bytes(&[1; 32]).unwrap();
    drop(Cache::open(&path, &key).unwrap());
    let spec = format!("{}#{}", path.display(), setup.device.export());
    let mut killed_mid_sync = 0;
    for delay in [150u64, 300, 450] {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_device_process",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("CARNET_CHILD_SYNC", &spec)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().unwrap().is_none() {
            killed_mid_sync += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Whatever was applied is whole: every purchase's customer is there, counts agree.
        let cache = Cache::open(&path, &key).unwrap();
        let orphans: i64 = cache
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM purchase p WHERE NOT EXISTS
                     (SELECT 1 FROM customer c WHERE c.id = p.customer_id)",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(orphans, 0, "a page is applied whole or not at all");
    }
    assert!(
        killed_mid_sync >= 1,
        "the device process was killed while syncing"
    );
    let cache = Arc::new(Cache::open(&path, &key).unwrap());
    full_sync(&cache, &setup.client()).await;
    assert_equal(&cache, &setup.export);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_travel_and_come_back_and_rejections_stay_visible() {
    let setup = TinyStore::new().await;
    let a = setup.device("a");
    let b = setup.device("bb");
    let client = setup.client();
    full_sync(&a, &client).await;
    full_sync(&b, &client).await;
    let customer: String = a
        .read(|c| {
            Ok(
                c.query_row("SELECT id FROM customer ORDER BY id LIMIT 1", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();

    let now = chrono::Utc::now();
    outbox::record(
        &a,
        MutationKind::ContactEdit {
            customer_id: customer.clone(),
            field: ContactField::Email,
            value: Some(ContactValue::Text("corrigee@example.fr".into())),
        },
        Some(ADVISOR),
        now,
    )
    .unwrap();
    // Applied locally at once.
    assert_eq!(
        carnet_core::lookup::by_email(&a, "corrigee@", 5).unwrap()[0].id,
        customer
    );
    let report = full_sync(&a, &client).await;
    assert_eq!((report.pushed, report.rejected), (1, 0));
    assert!(
        outbox::entries(&a).unwrap().is_empty(),
        "applied edits leave the outbox"
    );
    // Read-your-writes on A, and the other device gets it on its next sync.
    assert_eq!(
        carnet_core::lookup::by_email(&a, "corrigee@", 5)
            .unwrap()
            .len(),
        1
    );
    full_sync(&b, &client).await;
    assert_eq!(
        carnet_core::lookup::by_email(&b, "corrigee@", 5).unwrap()[0].id,
        customer
    );

    // An edit older than the CRM's last change is superseded: the device shows the edit at
    // once, then reverts to the server's value on the next pull.
    let before = carnet_core::card::customer_card(&a, &customer, now.date_naive())
        .unwrap()
        .contact
        .phone_e164;
    let long_ago = chrono::DateTime::parse_from_rfc3339("2001-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    outbox::record(
        &a,
        MutationKind::ContactEdit {
            customer_id: customer.clone(),
            field: ContactField::Phone,
            value: Some(ContactValue::Text("06 11 22 33 44".into())),
        },
        Some(ADVISOR),
        long_ago,
    )
    .unwrap();
    let phone = |cache: &Cache| {
        carnet_core::card::customer_card(cache, &customer, now.date_naive())
            .unwrap()
            .contact
            .phone_e164
    };
    assert_eq!(phone(&a).as_deref(), Some("+33611223344"));
    full_sync(&a, &client).await;
    assert_eq!(phone(&a), before, "reverted to the server's value");

    // The manager erases her; A still has a pending edit about her.
    outbox::record(
        &a,
        MutationKind::ProfileView {
            customer_id: customer.clone(),
        },
        Some(ADVISOR),
        now,
    )
    .unwrap();
    cli(&[
        "customer",
        "erase",
        "--data",
        setup.server.data.to_str().unwrap(),
        &customer,
    ]);
    let report = full_sync(&a, &client).await;
    assert_eq!(report.rejected, 1);
    // She is gone from the device; the rejected edit was about her, so it went with her.
    assert!(matches!(
        carnet_core::card::customer_card(&a, &customer, chrono::Utc::now().date_naive()),
        Err(carnet_core::Error::NotFound)
    ));
    full_sync(&b, &client).await;
    assert!(
        carnet_core::lookup::by_email(&b, "corrigee@", 5)
            .unwrap()
            .is_empty()
    );

    // A rejected edit about a customer who still exists stays visible with its reason.
    let other: String = a
        .read(|c| {
            Ok(
                c.query_row("SELECT id FROM customer ORDER BY id LIMIT 1", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    outbox::record(
        &a,
        MutationKind::Feedback {
            customer_id: other,
            product_id: "P-NOT-IN-CATALOG".into(),
            verdict: carnet_protocol::FeedbackVerdict::Like,
        },
        None,
        now,
    )
    .unwrap();
    let report = full_sync(&a, &client).await;
    assert_eq!(report.rejected, 1);
    let entries = outbox::entries(&a).unwrap();
    assert_eq!(entries.len(), 1);
    assert!(
        matches!(&entries[0].state, outbox::EntryState::Rejected { code, .. } if code == "unknown_product")
    );
    // It does not block the queue: the next edit goes through.
    let report = full_sync(&a, &client).await;
    assert_eq!(report.pushed, 0, "a rejected edit is not sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refuses_off_network_other_stores_and_bad_credentials() {
    let setup = TinyStore::new().await;
    let cache = setup.device("a");
    let off = sync(
        Arc::clone(&cache),
        &setup.client(),
        false,
        &CancelHandle::new(),
        &|_| {},
    )
    .await;
    assert_eq!(off.unwrap_err(), SyncError::NotOnStoreNetwork);

    let other = sync(
        Arc::clone(&cache),
        &setup.client_for("S002"),
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await;
    assert_eq!(other.unwrap_err(), SyncError::ForbiddenStore);

    // A lease this server did not sign (another server's key), however well-formed.
    let mut forged = setup.device.lease();
    forged.token = carnet_sync_server::lease::LeaseSigner::generate()
        .unwrap()
        .issue(&forged.lease)
        .unwrap();
    let bad = setup.device.with_lease(forged).sync_client();
    let refused = sync(
        Arc::clone(&cache),
        &bad,
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await;
    assert_eq!(
        refused.unwrap_err(),
        SyncError::DeviceRefused {
            status: 401,
            code: carnet_protocol::presence::codes::BAD_LEASE.into(),
            order: None,
            key_chain: Vec::new(),
        }
    );

    // Another certificate than the pinned one: the connection is refused.
    let wrong_pin = setup.device.sync_client_as(STORE, &"00".repeat(32));
    let pinned = sync(
        Arc::clone(&cache),
        &wrong_pin,
        true,
        &CancelHandle::new(),
        &|_| {},
    )
    .await;
    assert!(matches!(pinned, Err(SyncError::Network(_))), "{pinned:?}");
    assert_eq!(
        carnet_core::changes::cursor(&cache).unwrap(),
        "",
        "nothing was applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_sync_keeps_what_it_applied_and_resumes() {
    let setup = TinyStore::new().await;
    let cache = setup.device("a");
    let client = setup.client().with_page_limit(100);
    let cancel = CancelHandle::new();
    let pages = std::sync::atomic::AtomicU64::new(0);
    let result = sync(Arc::clone(&cache), &client, true, &cancel, &|_| {
        if pages.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
            cancel.cancel();
        }
    })
    .await;
    assert_eq!(result.unwrap_err(), SyncError::Cancelled);
    assert!(!carnet_core::changes::cursor(&cache).unwrap().is_empty());
    full_sync(&cache, &client).await;
    assert_equal(&cache, &setup.export);
}
