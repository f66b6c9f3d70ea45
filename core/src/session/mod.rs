//! The device's session: enrolment, the store-presence lease, advisor sign-in and the lock that
//! keeps the encrypted cache closed unless all three hold; crypto-shredding when told to.
//!
//! # Shape (what the uniffi facade wraps)
//! A [`Session`] is `Send + Sync` and cheap to clone (an `Arc` inside). It owns the lock state
//! and, only while unlocked, the open [`Cache`]. The platform gives it a [`KeyStore`] (the iOS
//! Keychain; [`DevFileKeyStore`] on Linux, for development), a monotonic [`Clock`] and
//! observers ([`SessionObserver`]). Every foreign trait takes and returns plain data.
//!
//! # Keys
//! The cache's 256-bit key lives in the key store. The core reads it only to open the cache
//! at sign-in and drops it at once ([`CacheKey`] zeroises on drop); SQLCipher keeps its
//! derived key inside the open connections and wipes it when they close, which is what
//! locking does (the session drops its `Arc<Cache>`). Callers must not keep the `Arc<Cache>`
//! returned by [`Session::cache`] beyond the call they needed it for.
//!
//! # Presence and renewal
//! [`Session::check_presence`] sends a fresh random nonce signed with the device's Ed25519 key;
//! the pinned server answers a lease it signed, bound to this device, its store and that nonce.
//! The lease's lifetime is counted on the monotonic clock from the moment the request was sent,
//! so turning the wall clock back extends nothing. Renewal: the app calls [`Session::tick`]
//! periodically (or [`Session::spawn_background`] does it on the tokio runtime): it applies the
//! timeouts and renews the lease once half of it is spent. [`Session::network_changed`] re-checks
//! at once; a Wi-Fi name is only a hint and never unlocks anything.
//!
//! # Shredding
//! A revocation or remote-wipe answer from the server, or being off the store network longer
//! than the store's policy allows, deletes the keys from the key store and then the cache
//! files: a copy of the old file can no longer be opened. The device must enrol again.

mod audit;
mod clock;
mod device_key;
mod enrolment;
mod error;
mod keystore;
mod kiosk;
mod lease;
mod refusal;
mod remote;
mod shred;
mod sign_in;
mod signing;
mod state;
#[cfg(test)]
pub(crate) mod testing;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use ring::signature::Ed25519KeyPair;

pub use clock::{Clock, SystemClock};
pub use device_key::KEY_STORE_RETRIES;
pub use error::SessionError;
pub use keystore::{CACHE_KEY, DEVICE_KEY, DevFileKeyStore, KeyStore, KeyStoreError};
pub use kiosk::KioskStatus;
pub use lease::BackgroundTask;
pub use state::{LockReason, NetworkEvent, SessionObserver, SessionState, ShredReason};

use crate::Error;
use crate::store::Cache;
use device_key::{KeyRead, KeyWait, read_device_key};
use enrolment::Enrollment;
use lease::ActiveLease;
use remote::Remote;
use state::current_state;

/// What the platform provides.
#[derive(Clone)]
pub struct Platform {
    /// Where the keys live.
    pub key_store: Arc<dyn KeyStore>,
    /// The clocks.
    pub clock: Arc<dyn Clock>,
    /// The app's own version (on iOS the bundle's version and build), sent at enrolment and
    /// with every presence check: managers see which version each handheld runs. 1 to
    /// [`MAX_APP_VERSION`] bytes.
    pub app_version: String,
}

/// The longest app version the store's server keeps.
pub const MAX_APP_VERSION: usize = 40;

struct Inner {
    enrollment: Option<Enrollment>,
    remote: Option<Remote>,
    device_key: Option<Arc<Ed25519KeyPair>>,
    /// Set while an enrolled device's key could not be read from the key store.
    key_wait: Option<KeyWait>,
    lease: Option<ActiveLease>,
    /// The lease before the current one: a signed request sent under it may be answered
    /// after a renewal.
    previous_lease_nonce: Option<String>,
    /// Where requests are sent from, when the platform says (see [`NetworkEvent`]).
    source_address: Option<IpAddr>,
    advisor: Option<(String, String)>,
    cache: Option<Arc<Cache>>,
    /// The customer whose card is open (its view recorded), until another opens or it locks.
    card_open: Option<String>,
    /// Single app mode, as the platform last reported it.
    kiosk: KioskStatus,
    last_activity_mono: u64,
    last_contact_mono: Option<u64>,
    lock_reason: LockReason,
    shredded: Option<ShredReason>,
    published: Option<SessionState>,
}

struct Shared {
    inner: Mutex<Inner>,
    platform: Platform,
    data_dir: PathBuf,
    observers: Mutex<Vec<Arc<dyn SessionObserver>>>,
}

/// The session. See the module documentation.
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

const SESSION_FILE: &str = "session.json";
const CACHE_FILE: &str = "cache.db";

fn lock_inner(shared: &Shared) -> MutexGuard<'_, Inner> {
    // A panic while holding the lock leaves the state as it was; keep going with it.
    shared.inner.lock().unwrap_or_else(|p| p.into_inner())
}

impl Session {
    /// Opens the session of `data_dir` (created if missing). Enrolled devices start locked
    /// (no lease yet); a device off the network past its limit is shredded here.
    ///
    /// A key store that cannot give the device's key now (temporarily unavailable, or failing)
    /// changes nothing on disk: the device stays enrolled and locked
    /// ([`LockReason::KeyStoreUnavailable`] or [`LockReason::KeyStoreFailed`]) and reads it
    /// again (see [`Session::tick`] and [`Session::check_presence`]). Only a key store that
    /// holds no key makes an enrolment no enrolment.
    pub fn open(data_dir: impl Into<PathBuf>, platform: Platform) -> Result<Session, SessionError> {
        let version = platform.app_version.trim();
        if version.is_empty() || version.len() > MAX_APP_VERSION {
            return Err(SessionError::InvalidInput(format!(
                "the app version is 1 to {MAX_APP_VERSION} characters"
            )));
        }
        let data_dir = data_dir.into();
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| SessionError::Core(format!("data directory: {}", e.kind())))?;
        let enrollment: Option<Enrollment> = std::fs::read(data_dir.join(SESSION_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let now = platform.clock.monotonic_ms();
        let read = match enrollment {
            Some(_) => read_device_key(&*platform.key_store),
            None => KeyRead::Absent,
        };
        let (enrollment, device_key, key_wait) = match read {
            KeyRead::Key(key) => (enrollment, Some(key), None),
            // An enrolment without its key (restored backup, wiped key store) is no enrolment.
            KeyRead::Absent => (None, None, None),
            KeyRead::NotNow { failed } => (enrollment, None, Some(KeyWait::after(failed, 1, now))),
        };
        let remote = enrollment
            .as_ref()
            .and_then(|e| Remote::new(&e.addresses(), &e.certificate_pin, None).ok());
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                enrollment,
                remote,
                device_key,
                key_wait,
                lease: None,
                previous_lease_nonce: None,
                source_address: None,
                advisor: None,
                cache: None,
                card_open: None,
                kiosk: KioskStatus::default(),
                last_activity_mono: now,
                last_contact_mono: None,
                lock_reason: LockReason::NoLease,
                shredded: None,
                published: None,
            }),
            platform,
            data_dir,
            observers: Mutex::new(Vec::new()),
        });
        let session = Session { shared };
        session.refresh();
        Ok(session)
    }

    /// The current state (timeouts applied).
    pub fn state(&self) -> SessionState {
        self.refresh()
    }

    /// Adds an observer; it is told the current state at once.
    pub fn subscribe(&self, observer: Arc<dyn SessionObserver>) {
        let state = self.state();
        if let Ok(mut list) = self.shared.observers.lock() {
            list.push(Arc::clone(&observer));
        }
        observer.state_changed(state);
    }

    /// The path of the encrypted cache file.
    pub fn cache_path(&self) -> PathBuf {
        self.shared.data_dir.join(CACHE_FILE)
    }

    /// The signed-in advisor, if unlocked.
    pub fn advisor_id(&self) -> Option<String> {
        match self.state() {
            SessionState::Unlocked { advisor_id, .. } => Some(advisor_id),
            _ => None,
        }
    }

    /// The enrolled device's id.
    pub fn device_id(&self) -> Option<String> {
        lock_inner(&self.shared)
            .enrollment
            .as_ref()
            .map(|e| e.device_id.clone())
    }

    /// The enrolled device's store.
    pub fn store_id(&self) -> Option<String> {
        lock_inner(&self.shared)
            .enrollment
            .as_ref()
            .map(|e| e.store_id.clone())
    }

    /// The open cache: the only way to the data. `Error::Locked` unless unlocked. Do not keep
    /// the `Arc` beyond the operation: locking closes the cache only once every clone is gone.
    /// While the kiosk rule is broken it is `Error::KioskRequired`, whatever the lock state.
    pub fn cache(&self) -> crate::Result<Arc<Cache>> {
        let mut inner = lock_inner(&self.shared);
        if !inner.kiosk.allows_data() {
            return Err(Error::KioskRequired);
        }
        self.shared.evaluate(&mut inner);
        let unlocked = matches!(current_state(&inner), SessionState::Unlocked { .. });
        let cache = inner.cache.clone().filter(|_| unlocked);
        drop(inner);
        self.publish();
        cache.ok_or(Error::Locked)
    }

    fn locked_error(&self) -> SessionError {
        match self.state() {
            SessionState::Locked { reason } => SessionError::Locked(reason),
            SessionState::Shredded { reason } => SessionError::Shredded(reason),
            SessionState::NotEnrolled => SessionError::NotEnrolled,
            SessionState::Unlocked { .. } => SessionError::Locked(LockReason::SignedOut),
        }
    }

    /// Applies timeouts, then tells observers if the state changed.
    fn refresh(&self) -> SessionState {
        let mut inner = lock_inner(&self.shared);
        self.shared.evaluate(&mut inner);
        drop(inner);
        self.publish()
    }

    fn publish(&self) -> SessionState {
        let mut inner = lock_inner(&self.shared);
        let state = current_state(&inner);
        let changed = inner.published.as_ref() != Some(&state);
        inner.published = Some(state.clone());
        drop(inner);
        if changed {
            let observers: Vec<_> = self
                .shared
                .observers
                .lock()
                .map(|l| l.clone())
                .unwrap_or_default();
            for o in observers {
                o.state_changed(state.clone());
            }
        }
        state
    }
}
