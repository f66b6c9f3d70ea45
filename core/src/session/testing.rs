//! Tests' handheld without a server: a key store that can be closed or failing, a clock the
//! test moves, an enrolment written as a real one leaves it, and a session unlocked over its
//! cache as a sign-in would leave it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::Policy;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::enrolment::Enrollment;
use super::lease::ActiveLease;
use super::{
    CACHE_FILE, CACHE_KEY, Clock, DEVICE_KEY, KeyStore, KeyStoreError, LockReason, Platform,
    SESSION_FILE, Session, lock_inner,
};
use crate::CacheKey;
use crate::store::Cache;

/// An address nothing listens on: a presence check fails at once, as off the store network.
pub(crate) const NO_SERVER: &str = "https://127.0.0.1:9";

/// A key store in memory whose reads and writes can be made to fail as the Keychain's do.
#[derive(Default)]
pub(crate) struct TestKeyStore {
    values: Mutex<HashMap<String, Vec<u8>>>,
    /// What every call fails with, if anything.
    failing: Mutex<Option<KeyStoreError>>,
    loads: AtomicU32,
}

impl TestKeyStore {
    /// From now on every call fails with `error` (`None`: works again).
    pub(crate) fn fail_with(&self, error: Option<KeyStoreError>) {
        *self.failing.lock().unwrap() = error;
    }

    /// Reads so far.
    pub(crate) fn loads(&self) -> u32 {
        self.loads.load(Ordering::SeqCst)
    }

    /// The names held.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.values.lock().unwrap().keys().cloned().collect();
        names.sort();
        names
    }
}

impl KeyStore for TestKeyStore {
    fn load(&self, name: String) -> Result<Vec<u8>, KeyStoreError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = self.failing.lock().unwrap().clone() {
            return Err(e);
        }
        self.values
            .lock()
            .unwrap()
            .get(&name)
            .cloned()
            .ok_or(KeyStoreError::Absent)
    }

    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError> {
        if let Some(e) = self.failing.lock().unwrap().clone() {
            return Err(e);
        }
        self.values.lock().unwrap().insert(name, value);
        Ok(())
    }

    fn delete(&self, name: String) {
        self.values.lock().unwrap().remove(&name);
    }
}

/// A clock the test moves.
#[derive(Default)]
pub(crate) struct TestClock {
    mono: AtomicU64,
    wall: AtomicI64,
}

impl TestClock {
    pub(crate) fn advance_ms(&self, ms: u64) {
        self.mono.fetch_add(ms, Ordering::SeqCst);
        self.wall
            .fetch_add(i64::try_from(ms).unwrap(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn monotonic_ms(&self) -> u64 {
        self.mono.load(Ordering::SeqCst)
    }

    fn wall_ms(&self) -> i64 {
        1_800_000_000_000 + self.wall.load(Ordering::SeqCst)
    }
}

/// A handheld's data folder, its key store and its clock.
pub(crate) struct TestDevice {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) keys: Arc<TestKeyStore>,
    pub(crate) clock: Arc<TestClock>,
}

impl TestDevice {
    /// A handheld never enrolled.
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            keys: Arc::new(TestKeyStore::default()),
            clock: Arc::new(TestClock::default()),
        }
    }

    /// A handheld enrolled in store S001 as an enrolment leaves it: `session.json`, the device
    /// and cache keys in the key store, the empty encrypted cache.
    pub(crate) fn enrolled() -> Self {
        let device = Self::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let server = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let server = Ed25519KeyPair::from_pkcs8(server.as_ref()).unwrap();
        device
            .keys
            .store(DEVICE_KEY.into(), pkcs8.as_ref().to_vec())
            .unwrap();
        let cache_key = CacheKey::generate().unwrap();
        device
            .keys
            .store(CACHE_KEY.into(), cache_key.as_bytes().to_vec())
            .unwrap();
        drop(Cache::open(device.dir.path().join(CACHE_FILE), &cache_key).unwrap());
        let enrollment = Enrollment {
            device_id: "D-TEST".into(),
            store_id: "S001".into(),
            server_url: NO_SERVER.into(),
            server_urls: Vec::new(),
            certificate_pin: "00".repeat(32),
            lease_public_key: URL_SAFE_NO_PAD.encode(server.public_key().as_ref()),
            policy: Policy::default(),
            last_contact_wall_ms: device.clock.wall_ms(),
            wall_high_water_ms: device.clock.wall_ms(),
        };
        std::fs::write(
            device.dir.path().join(SESSION_FILE),
            serde_json::to_vec(&enrollment).unwrap(),
        )
        .unwrap();
        device
    }

    /// The session over this folder, as the app opens it at start.
    pub(crate) fn open(&self) -> Session {
        Session::open(
            self.dir.path(),
            Platform {
                key_store: self.keys.clone(),
                clock: self.clock.clone(),
                app_version: "test 1.0".into(),
            },
        )
        .unwrap()
    }

    /// The session opened and unlocked for advisor A001, as presence and her sign-in leave
    /// it: a lease for the policy's lifetime, the cache open.
    pub(crate) fn unlocked(&self) -> Session {
        let session = self.open();
        let key = CacheKey::from_bytes(&self.keys.load(CACHE_KEY.into()).unwrap()).unwrap();
        let cache = Cache::open(session.cache_path(), &key).unwrap();
        {
            let mut inner = lock_inner(&session.shared);
            let now = self.clock.monotonic_ms();
            inner.lease = Some(ActiveLease {
                token: "lease".into(),
                nonce: "nonce".into(),
                sent_mono: now,
                expires_mono: now + 300_000,
            });
            inner.last_contact_mono = Some(now);
            inner.advisor = Some(("A001".into(), "Camille".into()));
            inner.cache = Some(Arc::new(cache));
            inner.lock_reason = LockReason::SignedOut;
            inner.last_activity_mono = now;
        }
        session
    }

    /// The files of the data folder with their sizes.
    pub(crate) fn files(&self) -> Vec<(String, u64)> {
        let mut files: Vec<(String, u64)> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, e.metadata().unwrap().len())
            })
            .collect();
        files.sort();
        files
    }
}
