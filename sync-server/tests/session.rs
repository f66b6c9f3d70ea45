//! Provisioning, presence and the lock, end to end: the device core's `Session` against the real
//! server binary on loopback TLS, with a fake clock on the device. Each test ends by scanning
//! the server's debug log for personal data, PINs and secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use carnet_core::session::{
    CACHE_KEY, DEVICE_KEY, KeyStore, LockReason, NetworkEvent, Platform, Session, SessionError,
    SessionState, ShredReason,
};
use carnet_core::sync::{CancelHandle, SyncError};
use carnet_core::{Cache, CacheKey, Error};
use carnet_protocol::presence as wire;
use carnet_protocol::{HEADER_PROTOCOL, Mutation, MutationKind, PushRequest};
use common::device::{HeldLease, signed_headers};
use common::provisioned::{
    FakeClock, PIN_A1, PIN_A2, PIN_C1, Provisioned as Env, Recorder, VIEWED,
    assert_nothing_readable, unlock,
};
use common::{Server, cli, cli_in, field, pinned_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_sign_in_sync_audit_and_nothing_clear_at_rest() {
    let mut env = Env::new();
    let clock = FakeClock::new();
    let (session, _) = env.session("d1", clock.clone());
    let seen = Arc::new(Recorder::default());
    session.subscribe(seen.clone());
    assert_eq!(session.state(), SessionState::NotEnrolled);
    assert!(matches!(session.cache(), Err(Error::Locked)));
    let code = env.code("S001");
    let bad = session
        .enroll(
            env.server.base.clone(),
            env.server.fingerprint.clone(),
            "ZZZZ-ZZZZ-ZZZZ".into(),
        )
        .await;
    assert_eq!(bad, Err(SessionError::BadEnrollmentCode));
    session
        .enroll(
            env.server.base.clone(),
            env.server.fingerprint.clone(),
            code.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::SignedOut
        }
    );
    // A code enrols one device only.
    let (other, _) = env.session("d1-bis", clock.clone());
    assert_eq!(
        other
            .enroll(
                env.server.base.clone(),
                env.server.fingerprint.clone(),
                code
            )
            .await,
        Err(SessionError::BadEnrollmentCode)
    );

    // Present but nobody signed in: every data call is refused.
    assert!(matches!(session.cache(), Err(Error::Locked)));
    let today = chrono::Local::now().date_naive();
    assert!(matches!(
        session.view_card(VIEWED, today),
        Err(Error::Locked)
    ));
    assert!(session.advisor_id().is_none());
    assert!(matches!(
        session.record_card_view(VIEWED),
        Err(Error::Locked)
    ));
    assert!(matches!(
        session.sync(&CancelHandle::new(), &|_| {}).await,
        Err(SessionError::Locked(_))
    ));

    unlock(&session, "A1", PIN_A1).await;
    assert_eq!(session.advisor_id().as_deref(), Some("A1"));
    let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert!(report.pulled > 100, "{report:?}");
    let card = session.view_card(VIEWED, today).unwrap();
    assert_eq!(card.id, VIEWED);
    let report = session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    assert_eq!(report.pushed, 1);
    let audit = cli(&["audit", "--data", &env.data(), VIEWED]);
    assert!(audit.contains("advisor A1"), "{audit}");
    assert!(audit.contains(&session.device_id().unwrap()), "{audit}");

    // The manager sees the device: store, app version, last seen, sync lag.
    let devices: Vec<wire::DeviceInfo> = env.admin_get("/v1/admin/devices").await;
    let me = devices
        .iter()
        .find(|d| Some(&d.device_id) == session.device_id().as_ref())
        .unwrap();
    assert_eq!(me.store_id, "S001");
    assert_eq!(me.app_version.as_deref(), Some("1.4.2-test"));
    assert!(me.last_seen_at.is_some() && me.sync_lag_secs.is_some());
    let listed = cli(&["device", "list", "--data", &env.data()]);
    assert!(listed.contains("app 1.4.2-test"), "{listed}");

    // A second manager token (a deputy), listed without the token, then revoked: its next
    // request is refused while the first manager's still works.
    let issued = cli(&[
        "manager",
        "add",
        "--data",
        &env.data(),
        "--store",
        "S001",
        "--label",
        "deputy",
    ]);
    let (deputy, deputy_token) = (field(&issued, "manager"), field(&issued, "token"));
    let managers = cli(&["manager", "list", "--data", &env.data(), "--store", "S001"]);
    assert_eq!(managers.lines().count(), 2, "{managers}");
    assert!(managers.contains(&deputy) && managers.contains("deputy"));
    assert!(!managers.contains(&deputy_token) && !managers.contains("carnet_mgr_"));
    let as_deputy = || {
        env.admin_as(reqwest::Method::GET, "/v1/admin/devices", &deputy_token)
            .send()
    };
    assert_eq!(as_deputy().await.unwrap().status(), 200);
    cli(&["manager", "revoke", "--data", &env.data(), &deputy]);
    assert_eq!(as_deputy().await.unwrap().status(), 401);
    let still = env
        .admin(reqwest::Method::GET, "/v1/admin/devices")
        .send()
        .await;
    assert_eq!(still.unwrap().status(), 200);
    let (ok, _, err) = cli_in(&["manager", "revoke", "--data", &env.data(), &deputy], "");
    assert!(
        !ok && err.contains(&format!("no manager {deputy}")),
        "{err}"
    );

    // Nothing readable at rest, open and after locking (still in the store: a fresh lease,
    // so that signing out, not the lease's end, is what locks).
    let device_dir = env.dir.path().join("d1").join("data");
    assert!(assert_nothing_readable(&device_dir, &env.secrets) >= 2);
    session.check_presence().await.unwrap();
    session.sign_out();
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::SignedOut
        }
    );
    assert!(matches!(session.cache(), Err(Error::Locked)));
    assert_nothing_readable(&device_dir, &env.secrets);

    let states = seen.0.lock().unwrap().clone();
    assert_eq!(states.first(), Some(&SessionState::NotEnrolled));
    assert!(
        states
            .iter()
            .any(|s| matches!(s, SessionState::Unlocked { .. }))
    );
    assert_eq!(
        states.last(),
        Some(&SessionState::Locked {
            reason: LockReason::SignedOut
        })
    );
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_lease_expiry_renewal_and_clock_rollback() {
    let mut env = Env::new();
    let (session, clock, _) = env.enrolled("d1", "S001").await;
    unlock(&session, "A1", PIN_A1).await;
    // Idle 60 s → locked.
    clock.advance_secs(61);
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::Inactivity
        }
    );
    assert!(matches!(session.cache(), Err(Error::Locked)));
    // Backgrounding locks at once.
    unlock(&session, "A1", PIN_A1).await;
    session.backgrounded();
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::Backgrounded
        }
    );

    // Fresh lease (120 s), then the wall clock is set back an hour: nothing is extended.
    session.check_presence().await.unwrap();
    unlock(&session, "A1", PIN_A1).await;
    clock.set_wall_back_secs(3600);
    for _ in 0..2 {
        clock.advance_secs(50);
        session.touch();
        assert!(session.cache().is_ok());
    }
    clock.advance_secs(21);
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::LeaseExpired
        }
    );
    assert!(matches!(session.cache(), Err(Error::Locked)));
    // Signing in proves presence again first (the store's server answers): a new lease,
    // counted from now on the monotonic clock.
    unlock(&session, "A1", PIN_A1).await;

    // tick() renews the lease once half of it is spent: the advisor stays unlocked.
    session.tick().await;
    // The background task wakes when the store's policy says: the idle timeout (60 s) or the
    // lease's half-life (60 s of 120 s), both counted from a moment since `fresh` (the device's
    // clock also runs with real time).
    let fresh = std::time::Instant::now();
    session.check_presence().await.unwrap();
    unlock(&session, "A1", PIN_A1).await;
    let at_most = Duration::from_secs(300);
    let next = session.next_tick_in(at_most);
    assert!(next <= Duration::from_secs(61), "{next:?}");
    assert!(
        next + fresh.elapsed() >= Duration::from_secs(59),
        "{next:?}"
    );
    for _ in 0..4 {
        clock.advance_secs(40);
        session.touch();
        assert!(session.next_tick_in(at_most) <= Duration::from_secs(21));
        session.tick().await;
        assert!(matches!(session.state(), SessionState::Unlocked { .. }));
    }
    assert!(session.sync(&CancelHandle::new(), &|_| {}).await.is_ok());
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evil_twin_wifi_and_a_server_with_another_certificate_stay_locked() {
    let mut env = Env::new();
    let (session, clock, ks) = env.enrolled("d1", "S001").await;
    drop(session);
    // Another server (its own certificate) answering at another address.
    let other_dir = env.dir.path().join("other");
    let other = Server::start_logged(&other_dir, env.dir.path().join("other.log"), &[]);
    let (fresh, _) = env.session("d2", clock.clone());
    let code = env.code("S001");
    assert!(matches!(
        fresh
            .enroll(other.base.clone(), env.server.fingerprint.clone(), code)
            .await,
        Err(SessionError::Network(_))
    ));
    assert_eq!(fresh.state(), SessionState::NotEnrolled);

    // The store's server is gone; the device restarts and sees the store's Wi-Fi name.
    env.server.kill();
    let session = Session::open(
        env.dir.path().join("d1").join("data"),
        Platform {
            key_store: ks,
            clock,
            app_version: "1.4.2-test".into(),
        },
    )
    .unwrap();
    assert_eq!(
        session.state(),
        SessionState::Locked {
            reason: LockReason::NoLease
        }
    );
    let state = session
        .network_changed(NetworkEvent {
            path_available: true,
            wifi_hint: Some("Carnet-Paris".into()),
            source_address: None,
        })
        .await;
    assert_eq!(
        state,
        SessionState::Locked {
            reason: LockReason::NotOnStoreNetwork
        }
    );
    assert!(matches!(
        session.check_presence().await,
        Err(SessionError::Network(_))
    ));
    assert!(matches!(
        session.sign_in("A1".into(), PIN_A1.into()).await,
        Err(SessionError::Locked(_))
    ));
    assert!(matches!(session.cache(), Err(Error::Locked)));
    assert!(session.sync_client().is_err());
    env.assert_clean_log();
}

/// GETs `path` from `device` with the lease `held`, signed by `key` at `t` ms after the lease's
/// presence check (for `signed_path`, if the signature is for another path): (status, code).
async fn get_with(
    device: &common::Device,
    path: &str,
    signed_path: &str,
    held: &HeldLease,
    key: &ring::signature::Ed25519KeyPair,
    t: u64,
) -> (u16, String) {
    let mut request = device.get(path);
    let headers = signed_headers(
        &held.token,
        &held.lease.nonce,
        key,
        t,
        "GET",
        signed_path,
        b"",
    );
    for (name, value) in headers {
        request = request.header(name, value);
    }
    common::status_code(request.send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_foreign_replayed_and_misused_leases_are_refused() {
    let mut env = Env::new();
    let a = env.raw_device("S001").await;
    let b = env.raw_device("S002").await;
    let s001 = "/v1/stores/S001/changes?cursor=&limit=10";
    let (la, lb) = (a.lease(), b.lease());
    assert_eq!(get_with(&a, s001, s001, &la, &a.key, a.t()).await.0, 200);
    // Another store's lease (S002's device) on S001's feed.
    assert_eq!(
        get_with(&b, s001, s001, &lb, &b.key, b.t()).await,
        (403, "forbidden_store".into())
    );
    // A's lease presented with B's key: the lease is bound to A's device.
    assert_eq!(
        get_with(&a, s001, s001, &la, &b.key, a.t()).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // A lease signed by another server (another store's key), however well-formed.
    let foreign = carnet_sync_server::lease::LeaseSigner::generate().unwrap();
    let mut forged = la.clone();
    forged.lease.expires_at_ms += 3_600_000;
    forged.token = foreign.issue(&forged.lease).unwrap();
    assert_eq!(
        get_with(&a, s001, s001, &forged, &a.key, a.t()).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // A captured request replayed later (its time is the lease's issue + t): refused.
    assert_eq!(
        get_with(&a, s001, s001, &la, &a.key, a.t() + 10 * 60_000).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // A signature for one path does not open another (here, another query of the same feed).
    let s001_more = "/v1/stores/S001/changes?cursor=&limit=11";
    assert_eq!(
        get_with(&a, s001_more, s001, &la, &a.key, a.t()).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // Nothing at all: 401.
    let r = a.get(s001).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The device accepts only a lease answering its own nonce (unit-tested in the core);
    // the server answers a revoked device with the code that makes it shred.
    let (ok, _, _) = cli_in(&["device", "revoke", "--data", &env.data(), &a.id], "");
    assert!(ok);
    assert_eq!(
        get_with(&a, s001, s001, &la, &a.key, a.t()).await,
        (401, wire::codes::DEVICE_REVOKED.into())
    );
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advisor_a_cannot_act_as_b_and_pin_guessing_is_stopped() {
    let mut env = Env::new();
    let (session, _, _) = env.enrolled("d1", "S001").await;
    // B's identifier with A's PIN; an advisor of another store with her own PIN.
    assert_eq!(
        session.sign_in("A2".into(), PIN_A1.into()).await,
        Err(SessionError::WrongPin)
    );
    assert_eq!(
        session.sign_in("C1".into(), PIN_C1.into()).await,
        Err(SessionError::WrongPin)
    );
    assert!(matches!(
        session.sign_in("A1".into(), "12".into()).await,
        Err(SessionError::InvalidInput(_))
    ));
    unlock(&session, "A1", PIN_A1).await;
    // A device's edits may only name advisors who signed in on it.
    let client = session.sync_client().unwrap();
    let as_b = PushRequest {
        mutations: vec![Mutation {
            seq: 1,
            made_at: chrono::Utc::now().to_rfc3339(),
            advisor_id: Some("A2".into()),
            change: MutationKind::ProfileView {
                customer_id: VIEWED.into(),
            },
        }],
    };
    match client.push(&as_b).await {
        Err(SyncError::Server { status: 403, code }) => {
            assert_eq!(code, wire::codes::ADVISOR_NOT_SIGNED_IN)
        }
        other => panic!("{other:?}"),
    }
    // Guessing from this handheld: after three failures (two above) it must wait before its
    // next attempt, whoever it is for, and while it waits not even the right PIN is checked.
    assert_eq!(
        session.sign_in("A2".into(), "11111111".into()).await,
        Err(SessionError::WrongPin)
    );
    let wait = match session.sign_in("A2".into(), PIN_A2.into()).await {
        Err(SessionError::LockedOut { retry_after_secs }) => retry_after_secs,
        other => panic!("{other:?}"),
    };
    assert!(wait >= 1);
    // Told how long to wait, it waits: then her right PIN works.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    unlock(&session, "A2", PIN_A2).await;
    // The manager resets A2's PIN: the new one works.
    let r = env
        .admin(reqwest::Method::POST, "/v1/admin/advisors/A2/reset")
        .json(&wire::PinReset {
            pin: "90817263".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    env.secrets.push("90817263".into());
    unlock(&session, "A2", "90817263").await;
    assert_eq!(session.advisor_id().as_deref(), Some("A2"));
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_or_wiped_devices_shred_and_an_old_copy_cannot_be_opened() {
    let mut env = Env::new();
    let (session, _, ks) = env.enrolled("d1", "S001").await;
    unlock(&session, "A1", PIN_A1).await;
    session.sync(&CancelHandle::new(), &|_| {}).await.unwrap();
    let path = session.cache_path();
    // The thief's copy, taken while the device was unlocked.
    let stolen = env.dir.path().join("stolen.db");
    session.cache().unwrap().checkpoint().unwrap();
    std::fs::copy(&path, &stolen).unwrap();
    let key_before = ks.load(CACHE_KEY.into()).unwrap();
    assert_eq!(key_before.len(), 32);

    let id = session.device_id().unwrap();
    let r = env
        .admin(
            reqwest::Method::POST,
            &format!("/v1/admin/devices/{id}/revoke"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        session.check_presence().await,
        Err(SessionError::Shredded(ShredReason::Revoked))
    );
    assert_eq!(
        session.state(),
        SessionState::Shredded {
            reason: ShredReason::Revoked
        }
    );
    assert!(matches!(session.cache(), Err(Error::Locked)));
    assert_eq!(ks.load(CACHE_KEY.into()).ok(), None);
    assert_eq!(ks.load(DEVICE_KEY.into()).ok(), None);
    for f in Cache::files(&path) {
        assert!(!f.exists(), "{} survived", f.display());
    }
    // The copy holds nothing readable, and no key there is left opens it.
    assert_nothing_readable(env.dir.path().join("d1").as_path(), &env.secrets);
    let guess = CacheKey::generate().unwrap();
    assert!(matches!(
        Cache::open(&stolen, &guess),
        Err(Error::Corrupt | Error::WrongKey)
    ));
    // Enrolling again gives a new key: it does not open the old copy either.
    let code = env.code("S001");
    session
        .enroll(
            env.server.base.clone(),
            env.server.fingerprint.clone(),
            code,
        )
        .await
        .unwrap();
    let new_key = CacheKey::from_bytes(&ks.load(CACHE_KEY.into()).unwrap()).unwrap();
    assert_ne!(new_key.as_bytes().as_slice(), key_before.as_slice());
    assert!(matches!(
        Cache::open(&stolen, &new_key),
        Err(Error::Corrupt | Error::WrongKey)
    ));

    // A remote wipe reaches a device in the middle of its work, through sync.
    let (wiped, _, _) = env.enrolled("d2", "S001").await;
    unlock(&wiped, "A2", PIN_A2).await;
    let id = wiped.device_id().unwrap();
    let r = env
        .admin(
            reqwest::Method::POST,
            &format!("/v1/admin/devices/{id}/wipe"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        wiped.sync(&CancelHandle::new(), &|_| {}).await.unwrap_err(),
        SessionError::Shredded(ShredReason::RemoteWipe)
    );
    assert!(!wiped.cache_path().exists());
    env.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_the_store_network_past_the_limit_shreds() {
    let mut env = Env::new();
    // S003: lease 60 s, off-network limit 300 s.
    let (session, clock, ks) = env.enrolled("d1", "S003").await;
    env.server.kill();
    clock.advance_secs(200);
    assert_eq!(
        session.tick().await,
        SessionState::Locked {
            reason: LockReason::LeaseExpired
        }
    );
    // Setting the wall clock back does not buy time.
    clock.set_wall_back_secs(86_400);
    clock.advance_secs(101);
    assert_eq!(
        session.tick().await,
        SessionState::Shredded {
            reason: ShredReason::OffNetworkLimit
        }
    );
    assert_eq!(ks.load(CACHE_KEY.into()).ok(), None);
    assert!(!session.cache_path().exists());

    // Across a restart (no monotonic clock to compare): the wall clock's high-water mark.
    let mut env2 = Env::new();
    let (session, clock, ks) = env2.enrolled("d2", "S003").await;
    env2.server.kill();
    drop(session);
    clock.advance_secs(301);
    let reopened = Session::open(
        env2.dir.path().join("d2").join("data"),
        Platform {
            key_store: ks.clone(),
            clock,
            app_version: "t".into(),
        },
    )
    .unwrap();
    assert_eq!(
        reopened.state(),
        SessionState::Shredded {
            reason: ShredReason::OffNetworkLimit
        }
    );
    assert_eq!(ks.load(CACHE_KEY.into()).ok(), None);
    env.assert_clean_log();
    env2.assert_clean_log();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_admin_input_gets_clear_errors() {
    let mut env = Env::new();
    let d = env.data();
    let expect_err = |args: &[&str], stdin: &str, needle: &str| {
        let (ok, _, err) = cli_in(args, stdin);
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("12ab"), "the bad PIN is echoed: {err}");
    };
    expect_err(
        &[
            "store", "add", "--data", &d, "--store", "S 9", "--name", "x",
        ],
        "",
        "store id must be",
    );
    expect_err(
        &[
            "store", "add", "--data", &d, "--store", "S001", "--name", "x",
        ],
        "",
        "exists already",
    );
    expect_err(
        &[
            "store",
            "add",
            "--data",
            &d,
            "--store",
            "S009",
            "--name",
            "x",
            "--lease-secs",
            "5",
        ],
        "",
        "lease lifetime must be 30 to 3600",
    );
    expect_err(
        &["manager", "add", "--data", &d, "--store", "S404"],
        "",
        "no store S404",
    );
    expect_err(
        &[
            "advisor", "add", "--data", &d, "--store", "S001", "--id", "A9", "--name", "N",
        ],
        "12ab\n",
        "a PIN is 4 to 8 digits",
    );
    expect_err(
        &[
            "advisor", "add", "--data", &d, "--store", "S404", "--id", "A9", "--name", "N",
        ],
        "1234\n",
        "no store S404",
    );
    expect_err(
        &[
            "advisor", "add", "--data", &d, "--store", "S001", "--id", "A1", "--name", "N",
        ],
        "1234\n",
        "exists already",
    );
    expect_err(
        &["advisor", "reset", "--data", &d, "--store", "S001", "A404"],
        "1234\n",
        "no advisor A404 in store S001",
    );
    expect_err(
        &[
            "advisor", "disable", "--data", &d, "--store", "S001", "A404",
        ],
        "",
        "no advisor A404 in store S001",
    );
    // Another store's advisor is unknown here, word for word.
    expect_err(
        &["advisor", "disable", "--data", &d, "--store", "S001", "C1"],
        "",
        "no advisor C1 in store S001",
    );
    expect_err(
        &[
            "enrollment",
            "issue",
            "--data",
            &d,
            "--store",
            "S001",
            "--ttl-minutes",
            "0",
        ],
        "",
        "1 to 1440 minutes",
    );
    expect_err(
        &["enrollment", "issue", "--data", &d, "--store", "S404"],
        "",
        "no store S404",
    );
    expect_err(
        &[
            "enrollment",
            "issue",
            "--data",
            &d,
            "--store",
            "S001",
            "--server-url",
            "http://x",
        ],
        "",
        "https://",
    );
    expect_err(
        &["device", "wipe", "--data", &d, "dev-404"],
        "",
        "no device dev-404",
    );
    expect_err(
        &["device", "revoke", "--data", &d, "dev-404"],
        "",
        "no device dev-404",
    );
    // The QR code is drawn.
    let out = cli(&[
        "enrollment",
        "issue",
        "--data",
        &d,
        "--store",
        "S001",
        "--server-url",
        "https://shop.local:8443",
    ]);
    assert!(out.contains('█') || out.contains('▀'), "{out}");

    use reqwest::Method;
    let status_code = |r: reqwest::Response| async move {
        let s = r.status().as_u16();
        let e: carnet_protocol::ApiError = r.json().await.unwrap();
        (s, e.error, e.message)
    };
    // Credentials: none, a device's, a made-up one.
    let r = pinned_client(&env.server.fingerprint)
        .get(format!("{}/v1/admin/devices", env.server.base))
        .header(
            HEADER_PROTOCOL,
            carnet_protocol::PROTOCOL_VERSION.to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 401);
    // A device's lease is not a manager's token.
    let device = env.raw_device("S001").await;
    let r = env
        .admin_as(Method::GET, "/v1/admin/devices", &device.lease().token)
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 401);
    // Bodies: not JSON, a missing field, a bad PIN (not echoed), an unknown field.
    let r = env
        .admin(Method::POST, "/v1/admin/advisors")
        .body("{nope")
        .send()
        .await
        .unwrap();
    let (s, c, m) = status_code(r).await;
    assert_eq!((s, c.as_str()), (400, "bad_request"));
    assert!(m.contains("syntax error"), "{m}");
    let r = env
        .admin(Method::POST, "/v1/admin/advisors")
        .json(&serde_json::json!({"advisor_id": "A9", "name": "N"}))
        .send()
        .await
        .unwrap();
    let (s, _, m) = status_code(r).await;
    assert_eq!(s, 400);
    assert!(m.contains("missing field `pin`"), "{m}");
    let r = env
        .admin(Method::POST, "/v1/admin/advisors")
        .json(&wire::NewAdvisor {
            advisor_id: "A9".into(),
            name: "N".into(),
            pin: "12ab".into(),
        })
        .send()
        .await
        .unwrap();
    let (s, _, m) = status_code(r).await;
    assert_eq!(s, 400);
    assert!(m.contains("4 to 8 digits") && !m.contains("12ab"), "{m}");
    let r = env
        .admin(Method::PUT, "/v1/admin/store")
        .json(&serde_json::json!({"lease_ttl": 5}))
        .send()
        .await
        .unwrap();
    let (s, _, m) = status_code(r).await;
    assert_eq!(s, 400);
    assert!(m.contains("unknown field `lease_ttl`"), "{m}");
    let r = env
        .admin(Method::PUT, "/v1/admin/store")
        .json(&wire::PolicyUpdate {
            idle_timeout_secs: Some(1),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 400);
    // Duplicates, other stores' advisors and devices, unknown ones.
    let r = env
        .admin(Method::POST, "/v1/admin/advisors")
        .json(&wire::NewAdvisor {
            advisor_id: "A1".into(),
            name: "N".into(),
            pin: "1234".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 409);
    let r = env
        .admin(Method::POST, "/v1/admin/advisors/C1/disable")
        .send()
        .await
        .unwrap();
    let (s, _, m) = status_code(r).await;
    assert_eq!(s, 404);
    assert!(m.contains("no advisor C1 in store S001"), "{m}");
    let r = env
        .admin(Method::POST, "/v1/admin/devices/dev-404/wipe")
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 404);
    let r = env
        .admin(Method::POST, "/v1/admin/enrollment-codes")
        .json(&wire::NewEnrollmentCode {
            ttl_minutes: Some(99_999),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 400);
    // And the happy paths answer what they did.
    let r = env
        .admin(Method::POST, "/v1/admin/enrollment-codes")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let code: wire::EnrollmentCode = r.json().await.unwrap();
    assert!(code.qr_payload.contains(&env.server.fingerprint));
    let r = env
        .admin(Method::POST, "/v1/admin/advisors")
        .json(&wire::NewAdvisor {
            advisor_id: "A9".into(),
            name: "Nadia".into(),
            pin: "5678".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let list: Vec<wire::AdvisorInfo> = env.admin_get("/v1/admin/advisors").await;
    assert_eq!(
        list.iter()
            .map(|a| a.advisor_id.as_str())
            .collect::<Vec<_>>(),
        ["A1", "A2", "A9"]
    );
    // S001's manager takes the identifier C1, which S002 uses: it is S001's alone, and S002's
    // C1 still signs in there with her own PIN.
    let r = env
        .admin(Method::POST, "/v1/admin/advisors")
        .json(&wire::NewAdvisor {
            advisor_id: "C1".into(),
            name: "Nadia".into(),
            pin: "5678".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let lyon = env.raw_device("S002").await;
    assert_eq!(lyon.sign_in("C1", PIN_C1).await.status(), 200);
    let paris = env.raw_device("S001").await;
    assert_eq!(paris.sign_in("C1", PIN_C1).await.status(), 401);
    assert_eq!(paris.sign_in("C1", "5678").await.status(), 200);
    env.assert_clean_log();
}
