//! A bad day on the server: it is restored from a backup older than a handheld's enrolment.
//! The handheld, unknown to the restored server, locks and keeps its encrypted cache and the
//! edits it had not sent; enrolled again by a manager, it sends them, and the server has them.
//! Against the real binary on loopback, with the device core's `Session`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carnet_core::outbox;
use carnet_core::session::{LockReason, SessionError, SessionState};
use carnet_core::sync::CancelHandle;
use carnet_protocol::{ContactField, ContactValue, MutationKind};
use common::cli;
use common::provisioned::{PIN_A1, Provisioned, VIEWED, unlock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_an_older_backup_costs_no_handheld_its_pending_edits() {
    if common::backend::sqlite_file_test_on_postgres("backup and restore") {
        return;
    }
    let mut env = Provisioned::new();
    let data = env.data();
    let backup = env.dir.path().join("before-the-handheld.db");
    let said = cli(&["backup", "--data", &data, "--out", backup.to_str().unwrap()]);
    assert!(said.contains("backed up"), "{said}");

    // Enrolled after the backup; synced; two edits made and not sent yet.
    let (session, _clock, _keys) = env.enrolled("h1", "S001").await;
    let first_id = session.device_id().unwrap();
    unlock(&session, "A1", PIN_A1).await;
    let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert!(report.pulled > 100, "{report:?}");
    let phone = "06 12 34 56 78";
    {
        let cache = session.cache().unwrap();
        let edits = [
            MutationKind::ContactEdit {
                customer_id: VIEWED.into(),
                field: ContactField::Phone,
                value: Some(ContactValue::Text(phone.into())),
            },
            MutationKind::Consent {
                customer_id: VIEWED.into(),
                channel: "sms".into(),
                purpose: "marketing".into(),
                granted: false,
                source: "store".into(),
            },
        ];
        for edit in edits {
            outbox::record(&cache, edit, Some("A1"), chrono::Utc::now()).unwrap();
        }
        assert_eq!(outbox::pending(&cache, 10).unwrap().len(), 2);
    }

    // The server is restored from the older backup (it never saw this handheld).
    env.server.stopped_for(|| {
        let said = cli(&[
            "restore",
            "--data",
            &data,
            "--from",
            backup.to_str().unwrap(),
        ]);
        assert!(said.contains("restored"), "{said}");
    });

    // The handheld is told it is unknown: it locks, and shreds nothing.
    let err = session.check_presence().await.unwrap_err();
    assert_eq!(err, SessionError::Locked(LockReason::UnknownDevice));
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::UnknownDevice
        }
    );
    assert!(session.cache_path().exists(), "the cache file is kept");
    assert_eq!(session.device_id(), Some(first_id.clone()));

    // A manager enrols it again; the same cache opens, the two edits still pending, and the
    // next sync sends them to the restored server.
    let code = env.code("S001");
    session
        .enroll(
            env.server.base.clone(),
            env.server.fingerprint.clone(),
            code,
        )
        .await
        .unwrap();
    assert_ne!(session.device_id(), Some(first_id));
    unlock(&session, "A1", PIN_A1).await;
    assert_eq!(
        outbox::pending(&session.cache().unwrap(), 10)
            .unwrap()
            .len(),
        2,
        "the edits made before the restore are still pending"
    );
    let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert_eq!(report.pushed, 2, "{report:?}");
    let cache = session.cache().unwrap();
    assert!(outbox::pending(&cache, 10).unwrap().is_empty());
    assert!(
        outbox::entries(&cache).unwrap().is_empty(),
        "none was rejected"
    );
    drop(cache);

    // The restored server has them: the customer's export shows the phone and the withdrawal.
    let export = env.dir.path().join("export.json");
    cli(&[
        "customer",
        "export",
        "--data",
        &data,
        VIEWED,
        "--out",
        export.to_str().unwrap(),
    ]);
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let text = exported.to_string();
    assert!(text.contains("+33612345678"), "{text}");
    let withdrawn = exported["consent_history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "sms" && c["purpose"] == "marketing")
        .unwrap_or_else(|| panic!("no sms consent in {text}"));
    assert_eq!(withdrawn["granted"], false);
    assert_eq!(withdrawn["advisor_id"], "A1");
    assert_eq!(
        withdrawn["device_id"],
        session.device_id().unwrap().as_str()
    );
    env.assert_clean_log();
}
