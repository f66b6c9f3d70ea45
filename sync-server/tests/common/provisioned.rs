//! A provisioned back office on the real server (three stores with their policies, advisors,
//! a manager; its debug log captured) and handheld sessions of the device core on a clock the
//! test moves by hand. Tests end by scanning the log for personal data, PINs and secrets.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use carnet_core::session::{
    Clock, DevFileKeyStore, LockReason, Platform, Session, SessionObserver, SessionState,
};
use carnet_protocol::{HEADER_PROTOCOL, PROTOCOL_VERSION};

use super::device::STORE_NETWORK;
use super::{Device, Server, cli, cli_in, field, pinned_client};

pub const PIN_A1: &str = "48213957";
pub const PIN_A2: &str = "73951864";
pub const PIN_C1: &str = "26481397";
pub const VIEWED: &str = "C0000001"; // an S001 customer

/// A device clock that runs with real time (the server's clock does) and that the test also
/// moves by hand: forward both clocks, or the wall clock back.
pub struct FakeClock {
    started: Instant,
    mono_ahead_ms: AtomicU64,
    wall_ahead_ms: AtomicI64,
    wall_at_start: i64,
}

impl FakeClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Instant::now(),
            mono_ahead_ms: AtomicU64::new(1_000_000),
            wall_ahead_ms: AtomicI64::new(0),
            wall_at_start: chrono::Utc::now().timestamp_millis(),
        })
    }
    pub fn advance_secs(&self, s: u64) {
        self.mono_ahead_ms.fetch_add(s * 1000, Ordering::SeqCst);
        self.wall_ahead_ms
            .fetch_add(s as i64 * 1000, Ordering::SeqCst);
    }
    pub fn set_wall_back_secs(&self, s: i64) {
        self.wall_ahead_ms.fetch_sub(s * 1000, Ordering::SeqCst);
    }
    fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

impl Clock for FakeClock {
    fn monotonic_ms(&self) -> u64 {
        self.mono_ahead_ms.load(Ordering::SeqCst) + self.elapsed_ms()
    }
    fn wall_ms(&self) -> i64 {
        self.wall_at_start + self.wall_ahead_ms.load(Ordering::SeqCst) + self.elapsed_ms() as i64
    }
}

#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<SessionState>>);

impl SessionObserver for Recorder {
    fn state_changed(&self, state: SessionState) {
        self.0.lock().unwrap().push(state);
    }
}

pub struct Provisioned {
    pub dir: tempfile::TempDir,
    pub server: Server,
    pub manager_token: String,
    pub secrets: Vec<String>,
}

impl Provisioned {
    /// Stores S001 (lease 120 s, idle 60 s), S002 and S003 (off-network limit 300 s), each
    /// on the network 127.0.0.1/32; advisors A1, A2 (S001) and C1 (S002); a manager of S001.
    pub fn new() -> Provisioned {
        Self::serving_with(&[])
    }

    /// The same, `serve` getting `extra` arguments.
    pub fn serving_with(extra: &[&str]) -> Provisioned {
        Self::serving_on("127.0.0.1:0", extra)
    }

    /// The same, the server listening on `listen`.
    pub fn serving_on(listen: &str, extra: &[&str]) -> Provisioned {
        let dir = tempfile::tempdir().unwrap();
        let data = super::data();
        let export = dir.path().join("export");
        data.write(&export);
        let d = dir.path().join("server");
        let ds = d.to_str().unwrap();
        super::import(&d, &export);
        let policies: [(&str, &str, &[&str]); 3] = [
            (
                "S001",
                "Paris",
                &["--lease-secs", "120", "--idle-secs", "60"],
            ),
            ("S002", "Lyon", &[]),
            (
                "S003",
                "Milano",
                &["--lease-secs", "60", "--off-network-secs", "300"],
            ),
        ];
        for (store, name, policy) in policies {
            let mut args = vec![
                "store",
                "add",
                "--data",
                ds,
                "--store",
                store,
                "--name",
                name,
                "--network",
                STORE_NETWORK,
            ];
            args.extend_from_slice(policy);
            cli(&args);
        }
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
        let server = Server::start_logged_on(listen, &d, dir.path().join("server.log"), extra);
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
        Provisioned {
            dir,
            server,
            manager_token,
            secrets,
        }
    }

    pub fn data(&self) -> String {
        self.dir.path().join("server").to_str().unwrap().to_owned()
    }

    pub fn code(&mut self, store: &str) -> String {
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

    pub fn session(&self, name: &str, clock: Arc<FakeClock>) -> (Session, Arc<DevFileKeyStore>) {
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

    pub async fn enrolled(
        &mut self,
        name: &str,
        store: &str,
    ) -> (Session, Arc<FakeClock>, Arc<DevFileKeyStore>) {
        let clock = FakeClock::new();
        let (session, ks) = self.session(name, clock.clone());
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

    /// A device of `store` speaking the protocol by hand (see `Device`), holding a lease;
    /// nobody signed in. Its code is one of the secrets the log must not hold.
    pub async fn raw_device(&mut self, store: &str) -> Device {
        let code = self.code(store);
        let device = Device::enrol(&self.server.base, &self.server.fingerprint, &code, None)
            .await
            .unwrap();
        device.renew().await.unwrap();
        device
    }

    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.admin_as(method, path, &self.manager_token)
    }

    /// What the manager's API answers to a GET of `path`.
    pub async fn admin_get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let r = self.admin(reqwest::Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }

    pub fn admin_as(
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
    pub fn assert_clean_log(&self) {
        let log = std::fs::read_to_string(self.server.log.as_ref().unwrap()).unwrap();
        assert!(log.contains("DEBUG"), "the log was captured at debug level");
        // Nor what the database driver would log at debug level: statements' parameters
        // (a PIN's hash among them).
        for s in self
            .secrets
            .iter()
            .map(String::as_str)
            .chain(["$argon2", "with parameters"])
        {
            if let Some(line) = log.lines().find(|l| l.contains(s)) {
                panic!("the server log holds {s:?} in: {line}");
            }
        }
    }
}

pub async fn unlock(session: &Session, advisor: &str, pin: &str) {
    let state = session.sign_in(advisor.into(), pin.into()).await.unwrap();
    assert!(matches!(state, SessionState::Unlocked { .. }), "{state:?}");
}

/// No file under `dir` holds a clear SQLite header or any customer datum.
pub fn assert_nothing_readable(dir: &Path, secrets: &[String]) -> usize {
    let mut needles: Vec<&[u8]> = vec![b"SQLite format 3\0"];
    needles.extend(
        secrets
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes()),
    );
    // One pass over each file for every needle: the cache files are megabytes, the secrets
    // hundreds.
    let finder = aho_corasick::AhoCorasick::new(&needles).unwrap();
    scan(dir, &finder, &needles)
}

fn scan(dir: &Path, finder: &aho_corasick::AhoCorasick, needles: &[&[u8]]) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scanned += scan(&path, finder, needles);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        scanned += 1;
        if let Some(found) = finder.find(&bytes) {
            let needle = String::from_utf8_lossy(needles[found.pattern().as_usize()]);
            panic!("{} holds {needle:?} in clear", path.display());
        }
    }
    scanned
}
