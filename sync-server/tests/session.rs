//! Provisioning, presence and the lock, end to end: the device core's `Session` against the real
//! server binary on loopback TLS, with a fake clock on the device. Each test ends by scanning
//! the server's debug log for personal data, PINs and secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_core::session::{
    CACHE_KEY, Clock, DEVICE_KEY, DevFileKeyStore, KeyStore, LockReason, NetworkEvent, Platform,
    Session, SessionError, SessionObserver, SessionState, ShredReason,
};
use carnet_core::sync::{CancelHandle, SyncError};
use carnet_core::{Cache, CacheKey, Error};
use carnet_protocol::presence::{self as wire, Lease};
use carnet_protocol::{HEADER_PROTOCOL, Mutation, MutationKind, PROTOCOL_VERSION, PushRequest};
use common::{Server, cli, pinned_client};
use ring::signature::{Ed25519KeyPair, KeyPair};

const PIN_A1: &str = "48213957";
const PIN_A2: &str = "73951864";
const PIN_C1: &str = "26481397";
const VIEWED: &str = "C0000001"; // an S001 customer

/// A device clock the test moves by hand.
struct FakeClock {
    mono: AtomicU64,
    wall: AtomicI64,
}

impl FakeClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            mono: AtomicU64::new(1_000_000),
            wall: AtomicI64::new(chrono::Utc::now().timestamp_millis()),
        })
    }
    fn advance_secs(&self, s: u64) {
        self.mono.fetch_add(s * 1000, Ordering::SeqCst);
        self.wall.fetch_add(s as i64 * 1000, Ordering::SeqCst);
    }
    fn set_wall_back_secs(&self, s: i64) {
        self.wall.fetch_sub(s * 1000, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn monotonic_ms(&self) -> u64 {
        self.mono.load(Ordering::SeqCst)
    }
    fn wall_ms(&self) -> i64 {
        self.wall.load(Ordering::SeqCst)
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<SessionState>>);

impl SessionObserver for Recorder {
    fn state_changed(&self, state: SessionState) {
        self.0.lock().unwrap().push(state);
    }
}

/// Runs the CLI with `stdin`; returns (success, stdout, stderr).
fn cli_in(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = common::server_command()
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap()
        .trim()
        .to_owned()
}

struct Env {
    dir: tempfile::TempDir,
    server: Server,
    manager_token: String,
    secrets: Vec<String>,
}

impl Env {
    /// Stores S001 (lease 120 s, idle 60 s), S002 and S003 (off-network limit 300 s);
    /// advisors A1, A2 (S001) and C1 (S002); a manager of S001.
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data = common::data();
        let export = dir.path().join("export");
        data.write(&export);
        let d = dir.path().join("server");
        let ds = d.to_str().unwrap();
        common::import(&d, &export);
        cli(&[
            "store",
            "add",
            "--data",
            ds,
            "--store",
            "S001",
            "--name",
            "Paris",
            "--lease-secs",
            "120",
            "--idle-secs",
            "60",
        ]);
        cli(&[
            "store", "add", "--data", ds, "--store", "S002", "--name", "Lyon",
        ]);
        cli(&[
            "store",
            "add",
            "--data",
            ds,
            "--store",
            "S003",
            "--name",
            "Milano",
            "--lease-secs",
            "60",
            "--off-network-secs",
            "300",
        ]);
        for (store, id, name, pin) in [
            ("S001", "A1", "Alice Martinez", PIN_A1),
            ("S001", "A2", "Beatrice Okafor", PIN_A2),
            ("S002", "C1", "Chiara Lombardi", PIN_C1),
        ] {
            let (ok, _, err) = cli_in(
                &[
                    "advisor", "add", "--data", ds, "--store", store, "--id", id, "--name", name,
                ],
                &format!("{pin}\n"),
            );
            assert!(ok, "{err}");
        }
        let manager_token = field(
            &cli(&["manager", "add", "--data", ds, "--store", "S001"]),
            "token ",
        );
        let server = Server::start_logged(&d, dir.path().join("server.log"));
        let mut secrets: Vec<String> = vec![
            PIN_A1.into(),
            PIN_A2.into(),
            PIN_C1.into(),
            manager_token.clone(),
            "Alice Martinez".into(),
            "Beatrice Okafor".into(),
            "Chiara Lombardi".into(),
            // Every lease token starts with the base64url of `{"device_id"`.
            "eyJkZXZpY2VfaWQi".into(),
        ];
        for c in &data.customers {
            secrets.push(c.card.clone());
            secrets.push(c.last_name.clone());
            secrets.push(c.first_name.clone());
            secrets.extend(c.email.clone());
            secrets.extend(c.phone.clone());
        }
        Env {
            dir,
            server,
            manager_token,
            secrets,
        }
    }

    fn data(&self) -> String {
        self.dir.path().join("server").to_str().unwrap().to_owned()
    }

    fn code(&mut self, store: &str) -> String {
        let out = cli(&[
            "enrollment",
            "issue",
            "--data",
            &self.data(),
            "--store",
            store,
            "--no-qr",
        ]);
        let code = field(&out, "code ");
        self.secrets.push(code.clone());
        code
    }

    fn device(&self, name: &str, clock: Arc<FakeClock>) -> (Session, Arc<DevFileKeyStore>) {
        let ks = Arc::new(DevFileKeyStore::new(self.dir.path().join(name).join("keys")).unwrap());
        let session = Session::open(
            self.dir.path().join(name).join("data"),
            Platform {
                key_store: ks.clone(),
                clock,
                app_version: "1.4.2-test".into(),
            },
        )
        .unwrap();
        (session, ks)
    }

    async fn enrolled(
        &mut self,
        name: &str,
        store: &str,
    ) -> (Session, Arc<FakeClock>, Arc<DevFileKeyStore>) {
        let clock = FakeClock::new();
        let (session, ks) = self.device(name, clock.clone());
        let code = self.code(store);
        let state = session
            .enroll(
                self.server.base.clone(),
                self.server.fingerprint.clone(),
                code,
            )
            .await
            .unwrap();
        assert_eq!(
            state,
            SessionState::Locked {
                reason: LockReason::SignedOut
            }
        );
        (session, clock, ks)
    }

    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.admin_as(method, path, &self.manager_token)
    }

    fn admin_as(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        pinned_client(&self.server.fingerprint)
            .request(method, format!("{}{path}", self.server.base))
            .header(HEADER_PROTOCOL, PROTOCOL_VERSION.to_string())
            .bearer_auth(token)
    }

    /// No personal data, PIN or secret in the server's log of this test.
    fn assert_clean_log(&self) {
        let log = std::fs::read_to_string(self.server.log.as_ref().unwrap()).unwrap();
        assert!(log.contains("DEBUG"), "the log was captured at debug level");
        for s in &self.secrets {
            assert!(!log.contains(s.as_str()), "the server log holds {s:?}");
        }
    }
}

async fn unlock(session: &Session, advisor: &str, pin: &str) {
    let state = session.sign_in(advisor.into(), pin.into()).await.unwrap();
    assert!(matches!(state, SessionState::Unlocked { .. }), "{state:?}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// No file under `dir` holds a clear SQLite header or any customer datum.
fn assert_nothing_readable(dir: &Path, secrets: &[String]) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scanned += assert_nothing_readable(&path, secrets);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        scanned += 1;
        assert!(
            !contains(&bytes, b"SQLite format 3\0"),
            "{} is clear SQLite",
            path.display()
        );
        for s in secrets {
            assert!(
                !contains(&bytes, s.as_bytes()),
                "{} holds {s:?}",
                path.display()
            );
        }
    }
    scanned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_sign_in_sync_audit_and_nothing_clear_at_rest() {
    let mut env = Env::new();
    let clock = FakeClock::new();
    let (session, _) = env.device("d1", clock.clone());
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
    let (other, _) = env.device("d1-bis", clock.clone());
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
    let devices: Vec<wire::DeviceInfo> = env
        .admin(reqwest::Method::GET, "/v1/admin/devices")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

    // Nothing readable at rest, open and after locking.
    let device_dir = env.dir.path().join("d1").join("data");
    assert!(assert_nothing_readable(&device_dir, &env.secrets) >= 2);
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
    unlock(&session, "A1", PIN_A1).await;
    // The background task wakes when the store's policy says: here the idle timeout (60 s)
    // comes first, then the lease's half-life (60 s of 120 s) once she is active.
    let at_most = Duration::from_secs(300);
    let next = session.next_tick_in(at_most);
    assert!(next > Duration::from_secs(59) && next <= Duration::from_secs(61));
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
    let other = Server::start_logged(&other_dir, env.dir.path().join("other.log"));
    let (fresh, _) = env.device("d2", clock.clone());
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

/// A device speaking the protocol by hand, to present forged, foreign and replayed credentials.
struct RawDevice {
    key: Ed25519KeyPair,
    device_id: String,
    lease: String,
    lease_obj: Lease,
    http: reqwest::Client,
    base: String,
}

impl RawDevice {
    async fn enroll(env: &mut Env, store: &str) -> RawDevice {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let http = pinned_client(&env.server.fingerprint);
        let base = env.server.base.clone();
        let code = env.code(store);
        let r: wire::EnrollResponse = http
            .post(format!("{base}{}", wire::ENROLL_PATH))
            .header(HEADER_PROTOCOL, "1")
            .json(&wire::EnrollRequest {
                code,
                public_key: URL_SAFE_NO_PAD.encode(key.public_key().as_ref()),
                app_version: "raw".into(),
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let nonce = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let sig = key.sign(&wire::presence_message(&r.device_id, &nonce));
        let p: wire::PresenceResponse = http
            .post(format!("{base}{}", wire::PRESENCE_PATH))
            .header(HEADER_PROTOCOL, "1")
            .json(&wire::PresenceRequest {
                device_id: r.device_id.clone(),
                nonce,
                app_version: "raw".into(),
                signature: URL_SAFE_NO_PAD.encode(sig.as_ref()),
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let payload = p.lease.split('.').next().unwrap();
        let lease_obj = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        RawDevice {
            key,
            device_id: r.device_id,
            lease: p.lease,
            lease_obj,
            http,
            base,
        }
    }

    /// GET `path` with `lease`, signed by `key` at `t` ms after the lease's issue.
    async fn get(&self, path: &str, lease: &str, key: &Ed25519KeyPair, t: u64) -> (u16, String) {
        let nonce = &self.lease_obj.nonce;
        let empty = hex(ring::digest::digest(&ring::digest::SHA256, b"").as_ref());
        let sig = key.sign(&wire::request_message("GET", path, nonce, t, &empty));
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(HEADER_PROTOCOL, "1")
            .header(wire::HEADER_LEASE, lease)
            .header(
                wire::HEADER_DEVICE_AUTH,
                wire::device_auth_header(t, &URL_SAFE_NO_PAD.encode(sig.as_ref())),
            )
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        let code = serde_json::from_str::<carnet_protocol::ApiError>(&body)
            .map(|e| e.error)
            .unwrap_or_default();
        (status, code)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_foreign_replayed_and_misused_leases_are_refused() {
    let mut env = Env::new();
    let a = RawDevice::enroll(&mut env, "S001").await;
    let b = RawDevice::enroll(&mut env, "S002").await;
    let s001 = "/v1/stores/S001/changes?cursor=&limit=10";
    let s002 = "/v1/stores/S002/changes?cursor=&limit=10";
    assert_eq!(a.get(s001, &a.lease, &a.key, 1000).await.0, 200);
    // Another store's lease (S002's device) on S001's feed.
    assert_eq!(
        b.get(s001, &b.lease, &b.key, 1000).await,
        (403, "forbidden_store".into())
    );
    // A's lease presented with B's key: the lease is bound to A's device.
    assert_eq!(
        a.get(s001, &a.lease, &b.key, 1000).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // A lease signed by another server (another store's key), however well-formed.
    let foreign = carnet_sync_server::lease::LeaseSigner::generate().unwrap();
    let mut forged = a.lease_obj.clone();
    forged.expires_at_ms += 3_600_000;
    let forged = foreign.issue(&forged).unwrap();
    assert_eq!(
        a.get(s001, &forged, &a.key, 1000).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // A captured request replayed later (its time is the lease's issue + t): refused.
    assert_eq!(
        a.get(s001, &a.lease, &a.key, 10 * 60_000).await,
        (401, wire::codes::BAD_LEASE.into())
    );
    // A signature for one path does not open another.
    let empty = hex(ring::digest::digest(&ring::digest::SHA256, b"").as_ref());
    let sig = a.key.sign(&wire::request_message(
        "GET",
        s001,
        &a.lease_obj.nonce,
        1000,
        &empty,
    ));
    let r = a
        .http
        .get(format!("{}{s002}", a.base))
        .header(HEADER_PROTOCOL, "1")
        .header(wire::HEADER_LEASE, &a.lease)
        .header(
            wire::HEADER_DEVICE_AUTH,
            wire::device_auth_header(1000, &URL_SAFE_NO_PAD.encode(sig.as_ref())),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nothing at all: 401.
    let r = a
        .http
        .get(format!("{}{s001}", a.base))
        .header(HEADER_PROTOCOL, "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The device accepts only a lease answering its own nonce (unit-tested in the core);
    // the server answers a revoked device with the code that makes it shred.
    let (ok, _, _) = cli_in(
        &["device", "revoke", "--data", &env.data(), &a.device_id],
        "",
    );
    assert!(ok);
    assert_eq!(
        a.get(s001, &a.lease, &a.key, 1000).await,
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
    // Brute force on A2: locked out after 5 failures (the first was A1's PIN above), even
    // with the right PIN.
    for guess in ["11111111", "22222222", "33333333", "44444444"] {
        assert_eq!(
            session.sign_in("A2".into(), guess.into()).await,
            Err(SessionError::WrongPin)
        );
    }
    assert!(matches!(
        session.sign_in("A2".into(), PIN_A2.into()).await,
        Err(SessionError::LockedOut { retry_after_secs }) if retry_after_secs > 60
    ));
    // The manager resets A2's PIN: the lockout ends.
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
    // The device itself is throttled after 10 failures in 15 minutes, whoever is tried: 6 so
    // far, 4 more on A1 (not enough to lock A1 out by herself), then even her right PIN fails.
    for _ in 0..4 {
        assert_eq!(
            session.sign_in("A1".into(), "99999999".into()).await,
            Err(SessionError::WrongPin)
        );
    }
    assert!(matches!(
        session.sign_in("A1".into(), PIN_A1.into()).await,
        Err(SessionError::LockedOut { .. })
    ));
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
    let env = Env::new();
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
        &["advisor", "reset", "--data", &d, "A404"],
        "1234\n",
        "no advisor A404",
    );
    expect_err(
        &["advisor", "disable", "--data", &d, "A404"],
        "",
        "no advisor A404",
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
        .header(HEADER_PROTOCOL, "1")
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(r).await.0, 401);
    let (_, token) = common::add_device(Path::new(&d), "S001");
    let r = env
        .admin_as(Method::GET, "/v1/admin/devices", &token)
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
    let list: Vec<wire::AdvisorInfo> = env
        .admin(Method::GET, "/v1/admin/advisors")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.iter()
            .map(|a| a.advisor_id.as_str())
            .collect::<Vec<_>>(),
        ["A1", "A2", "A9"]
    );
    env.assert_clean_log();
}
