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

mod clock;
mod keystore;
mod remote;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::MutationKind;
use carnet_protocol::presence::{
    ENROLL_PATH, EnrollRequest, EnrollResponse, HEADER_DEVICE_AUTH, HEADER_LEASE, PRESENCE_PATH,
    Policy, PresenceRequest, PresenceResponse, SIGN_IN_PATH, SignInRequest, SignInResponse, codes,
    device_auth_header, presence_message, request_message,
};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

pub use clock::{Clock, SystemClock};
pub use keystore::{CACHE_KEY, DEVICE_KEY, DevFileKeyStore, KeyStore, KeyStoreError};

use crate::card::CustomerCard;
use crate::store::Cache;
use crate::sync::{CancelHandle, Progress, RequestSigner, ServerConfig, SyncClient, SyncError};
use crate::{CacheKey, Error};
use remote::{Remote, RemoteError};

/// Why the session is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockReason {
    /// No lease yet: the store's server has not been reached since start.
    NoLease,
    /// The lease ran out without renewal.
    LeaseExpired,
    /// A network change and the re-check failed: not on the store network.
    NotOnStoreNetwork,
    /// Present in the store; no advisor signed in (or she signed out).
    SignedOut,
    /// No activity for the store's idle timeout.
    Inactivity,
    /// The app went to the background.
    Backgrounded,
}

impl LockReason {
    /// Whether the reason is the lease (the advisor cannot sign in until presence is proven).
    pub fn needs_presence(self) -> bool {
        matches!(
            self,
            LockReason::NoLease | LockReason::LeaseExpired | LockReason::NotOnStoreNetwork
        )
    }
}

/// Why the cache was destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShredReason {
    /// The manager revoked this device (or the server no longer knows it).
    Revoked,
    /// The manager ordered a remote wipe.
    RemoteWipe,
    /// Off the store network longer than the store's policy allows.
    OffNetworkLimit,
}

/// What the UI shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// No enrolment: show the enrolment screen.
    NotEnrolled,
    /// Locked: no data. [`LockReason::needs_presence`] tells "go to the store network" from
    /// "sign in".
    Locked {
        /// Why.
        reason: LockReason,
    },
    /// An advisor is signed in on the store network: data is available.
    Unlocked {
        /// Her identifier.
        advisor_id: String,
        /// Her display name.
        advisor_name: Option<String>,
    },
    /// The cache was destroyed; enrol again.
    Shredded {
        /// Why.
        reason: ShredReason,
    },
}

/// A network change reported by the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEvent {
    /// Whether any network path is available.
    pub path_available: bool,
    /// The Wi-Fi name, if the platform knows it. Only a hint: it may prompt a check, never
    /// grant anything (anyone can broadcast a name).
    pub wifi_hint: Option<String>,
}

/// Told of every state change (called without any session lock held; must not block).
pub trait SessionObserver: Send + Sync {
    /// The new state.
    fn state_changed(&self, state: SessionState);
}

/// What the platform provides.
#[derive(Clone)]
pub struct Platform {
    /// Where the keys live.
    pub key_store: Arc<dyn KeyStore>,
    /// The clocks.
    pub clock: Arc<dyn Clock>,
    /// The app's version, reported to the manager.
    pub app_version: String,
}

/// Why a session operation failed. Messages carry no personal data, PIN or key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Not enrolled yet.
    #[error("this device is not enrolled")]
    NotEnrolled,
    /// Enrolled already.
    #[error("this device is already enrolled")]
    AlreadyEnrolled,
    /// Locked; the reason says what is missing.
    #[error("locked ({0:?})")]
    Locked(LockReason),
    /// The data was destroyed; enrol again.
    #[error("the device's data was destroyed ({0:?}); enrol again")]
    Shredded(ShredReason),
    /// Input the user can fix.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The enrolment code is unknown, used or expired.
    #[error("the enrolment code is unknown, used or expired")]
    BadEnrollmentCode,
    /// Wrong advisor identifier or PIN.
    #[error("wrong identifier or PIN")]
    WrongPin,
    /// Too many failed sign-ins.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    LockedOut {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The store's server could not be reached (or was not the pinned one).
    #[error("network: {0}")]
    Network(String),
    /// The server's answer was refused (bad signature, another device's lease, replay).
    #[error("the server's answer was refused: {0}")]
    BadAnswer(&'static str),
    /// Any other error answer.
    #[error("server error {status} {code}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Stable code.
        code: String,
    },
    /// The key store failed.
    #[error("{0}")]
    KeyStore(String),
    /// A core operation failed.
    #[error("{0}")]
    Core(String),
    /// Sync failed.
    #[error("sync: {0}")]
    Sync(SyncError),
}

impl From<Error> for SessionError {
    fn from(e: Error) -> Self {
        match e {
            Error::Locked => SessionError::Locked(LockReason::SignedOut),
            other => SessionError::Core(other.to_string()),
        }
    }
}

/// The enrolment, kept in `session.json` in the data directory (no secret, nothing personal).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Enrollment {
    device_id: String,
    store_id: String,
    server_url: String,
    certificate_pin: String,
    /// The server's lease-signing key, base64url.
    lease_public_key: String,
    policy: Policy,
    /// Wall time of the last lease (device clock, Unix ms).
    last_contact_wall_ms: i64,
    /// The latest wall time ever seen: a clock set back cannot make the device look less
    /// long off the network.
    wall_high_water_ms: i64,
}

struct ActiveLease {
    token: String,
    nonce: String,
    /// Monotonic time the presence request was sent: the lease is counted from there.
    sent_mono: u64,
    expires_mono: u64,
}

impl ActiveLease {
    /// When half of it is spent: from then on it is renewed.
    fn half_life_mono(&self) -> u64 {
        self.sent_mono + self.expires_mono.saturating_sub(self.sent_mono) / 2
    }
}

struct Inner {
    enrollment: Option<Enrollment>,
    remote: Option<Remote>,
    device_key: Option<Arc<Ed25519KeyPair>>,
    lease: Option<ActiveLease>,
    advisor: Option<(String, String)>,
    cache: Option<Arc<Cache>>,
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

/// How soon an overdue lease renewal (the last attempt failed) is tried again.
const RENEWAL_RETRY_MS: u64 = 5_000;

/// A running background renewal; stops when dropped.
#[derive(Debug)]
pub struct BackgroundTask(tokio::task::JoinHandle<()>);

impl Drop for BackgroundTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lock_inner(shared: &Shared) -> MutexGuard<'_, Inner> {
    // A panic while holding the lock leaves the state as it was; keep going with it.
    shared.inner.lock().unwrap_or_else(|p| p.into_inner())
}

impl Session {
    /// Opens the session of `data_dir` (created if missing). Enrolled devices start locked
    /// (no lease yet); a device off the network past its limit is shredded here.
    pub fn open(data_dir: impl Into<PathBuf>, platform: Platform) -> Result<Session, SessionError> {
        let data_dir = data_dir.into();
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| SessionError::Core(format!("data directory: {}", e.kind())))?;
        let enrollment: Option<Enrollment> = std::fs::read(data_dir.join(SESSION_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let device_key = platform
            .key_store
            .load(DEVICE_KEY.into())
            .and_then(|pkcs8| Ed25519KeyPair::from_pkcs8(&pkcs8).ok())
            .map(Arc::new);
        // An enrolment without its key (restored backup, wiped key store) is no enrolment.
        let (enrollment, device_key) = match (enrollment, device_key) {
            (Some(e), Some(k)) => (Some(e), Some(k)),
            _ => (None, None),
        };
        let remote = enrollment
            .as_ref()
            .and_then(|e| Remote::new(&e.server_url, &e.certificate_pin).ok());
        let now = platform.clock.monotonic_ms();
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                enrollment,
                remote,
                device_key,
                lease: None,
                advisor: None,
                cache: None,
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
    pub fn cache(&self) -> crate::Result<Arc<Cache>> {
        let mut inner = lock_inner(&self.shared);
        self.shared.evaluate(&mut inner);
        let unlocked = matches!(current_state(&inner), SessionState::Unlocked { .. });
        let cache = inner.cache.clone().filter(|_| unlocked);
        drop(inner);
        self.publish();
        cache.ok_or(Error::Locked)
    }

    /// Enrols with a one-time code: creates the device's Ed25519 key pair, registers it, makes
    /// the cache's random key and gives both to the key store, then checks presence.
    pub async fn enroll(
        &self,
        server_url: String,
        certificate_pin: String,
        enrollment_code: String,
    ) -> Result<SessionState, SessionError> {
        if lock_inner(&self.shared).enrollment.is_some() {
            return Err(SessionError::AlreadyEnrolled);
        }
        let code = enrollment_code.trim().to_owned();
        if code.is_empty() || code.len() > 32 {
            return Err(SessionError::InvalidInput(
                "the enrolment code is 12 letters and digits".into(),
            ));
        }
        let remote = Remote::new(&server_url, &certificate_pin)
            .map_err(|m| SessionError::InvalidInput(m.into()))?;
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| SessionError::Core("no system randomness".into()))?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
            .map_err(|_| SessionError::Core("generated key refused".into()))?;
        let request = EnrollRequest {
            code,
            public_key: URL_SAFE_NO_PAD.encode(key.public_key().as_ref()),
            app_version: self.shared.platform.app_version.clone(),
        };
        let answer: EnrollResponse =
            remote
                .post_json(ENROLL_PATH, &request)
                .await
                .map_err(|e| match e {
                    RemoteError::Api { code, .. } if code == codes::BAD_ENROLLMENT_CODE => {
                        SessionError::BadEnrollmentCode
                    }
                    other => remote_error(other),
                })?;
        URL_SAFE_NO_PAD
            .decode(&answer.lease_public_key)
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or(SessionError::BadAnswer(
                "the server's lease key is not Ed25519",
            ))?;
        let ks = &self.shared.platform.key_store;
        let cache_key = CacheKey::generate().map_err(SessionError::from)?;
        // Leftovers of an earlier enrolment can never be opened again: remove them first.
        remove_cache_files(&self.cache_path());
        ks.store(DEVICE_KEY.into(), pkcs8.as_ref().to_vec())
            .map_err(|e| SessionError::KeyStore(e.to_string()))?;
        ks.store(CACHE_KEY.into(), cache_key.as_bytes().to_vec())
            .map_err(|e| SessionError::KeyStore(e.to_string()))?;
        // Create the empty encrypted cache now, so that unlocking only ever opens it.
        drop(Cache::open(self.cache_path(), &cache_key).map_err(SessionError::from)?);
        drop(cache_key);
        let wall = self.shared.platform.clock.wall_ms();
        let enrollment = Enrollment {
            device_id: answer.device_id,
            store_id: answer.store_id,
            server_url,
            certificate_pin,
            lease_public_key: answer.lease_public_key,
            policy: answer.policy,
            last_contact_wall_ms: wall,
            wall_high_water_ms: wall,
        };
        self.shared.persist(&enrollment)?;
        {
            let mut inner = lock_inner(&self.shared);
            inner.enrollment = Some(enrollment);
            inner.remote = Some(remote);
            inner.device_key = Some(Arc::new(key));
            inner.shredded = None;
            inner.lock_reason = LockReason::NoLease;
            inner.last_contact_mono = Some(self.shared.platform.clock.monotonic_ms());
        }
        self.publish();
        // Presence is checked right away; being off the network now is not an enrolment error.
        let _ = self.check_presence().await;
        Ok(self.state())
    }

    /// Proves presence to the store's server and takes a fresh lease. Fails (and changes
    /// nothing) when the pinned server cannot be reached; shreds when it says revoked or wipe.
    pub async fn check_presence(&self) -> Result<SessionState, SessionError> {
        let (remote, request, device_id, store_id, server_key, nonce, sent) = {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(reason) = inner.shredded {
                return Err(SessionError::Shredded(reason));
            }
            let (Some(enrollment), Some(remote), Some(key)) =
                (&inner.enrollment, &inner.remote, &inner.device_key)
            else {
                return Err(SessionError::NotEnrolled);
            };
            let mut nonce = [0u8; 32];
            SystemRandom::new()
                .fill(&mut nonce)
                .map_err(|_| SessionError::Core("no system randomness".into()))?;
            let nonce = URL_SAFE_NO_PAD.encode(nonce);
            let signature = key.sign(&presence_message(&enrollment.device_id, &nonce));
            let request = PresenceRequest {
                device_id: enrollment.device_id.clone(),
                nonce: nonce.clone(),
                app_version: self.shared.platform.app_version.clone(),
                signature: URL_SAFE_NO_PAD.encode(signature.as_ref()),
            };
            let server_key = URL_SAFE_NO_PAD
                .decode(&enrollment.lease_public_key)
                .unwrap_or_default();
            (
                remote.clone(),
                request,
                enrollment.device_id.clone(),
                enrollment.store_id.clone(),
                server_key,
                nonce,
                self.shared.platform.clock.monotonic_ms(),
            )
        };
        self.publish();
        let answer: Result<PresenceResponse, RemoteError> =
            remote.post_json(PRESENCE_PATH, &request).await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) => return Err(self.on_remote_error(e)),
        };
        let lease = remote::accept_lease(&server_key, &answer.lease, &device_id, &store_id, &nonce)
            .map_err(|why| {
                SessionError::BadAnswer(match why {
                    remote::LeaseRejection::Signature => "the lease is not the store server's",
                    remote::LeaseRejection::NotOurs => "the lease is for another device or store",
                    remote::LeaseRejection::Replayed => "the lease answers another check",
                    remote::LeaseRejection::Malformed => "the lease is malformed",
                })
            })?;
        let ttl = u64::try_from(lease.expires_at_ms - lease.issued_at_ms).unwrap_or(0);
        // Never longer than the policy says, whatever the payload claims.
        let ttl = ttl.min(u64::from(answer.policy.lease_ttl_secs) * 1000);
        {
            let mut inner = lock_inner(&self.shared);
            let Some(enrollment) = inner.enrollment.as_mut() else {
                return Err(SessionError::NotEnrolled);
            };
            let wall = self.shared.platform.clock.wall_ms();
            enrollment.policy = answer.policy;
            enrollment.wall_high_water_ms = enrollment.wall_high_water_ms.max(wall);
            enrollment.last_contact_wall_ms = enrollment.wall_high_water_ms;
            let snapshot = enrollment.clone();
            inner.lease = Some(ActiveLease {
                token: answer.lease,
                nonce,
                sent_mono: sent,
                expires_mono: sent.saturating_add(ttl),
            });
            inner.last_contact_mono = Some(sent);
            if inner.lock_reason.needs_presence() {
                inner.lock_reason = LockReason::SignedOut;
            }
            drop(inner);
            self.shared.persist(&snapshot)?;
        }
        Ok(self.refresh())
    }

    /// The platform reports a network change: re-check presence at once. If the pinned server
    /// is not reachable, the lease is dropped and the session locks (whatever the Wi-Fi name).
    pub async fn network_changed(&self, event: NetworkEvent) -> SessionState {
        // The Wi-Fi name is deliberately unused beyond prompting this check.
        let _hint = event.wifi_hint;
        let reachable = event.path_available && self.check_presence().await.is_ok();
        if !reachable {
            let mut inner = lock_inner(&self.shared);
            if inner.shredded.is_none() && inner.enrollment.is_some() {
                inner.lease = None;
                lock(&mut inner, LockReason::NotOnStoreNetwork);
            }
        }
        self.refresh()
    }

    /// Applies timeouts and renews the lease once half of it is spent (or when there is none).
    /// [`Session::spawn_background`] calls it when [`Session::next_tick_in`] says.
    pub async fn tick(&self) -> SessionState {
        let due = {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(e) = inner.enrollment.as_mut() {
                // Remember how late it has been, so that a clock set back later changes nothing.
                let wall = self.shared.platform.clock.wall_ms();
                if wall > e.wall_high_water_ms + 60_000 {
                    e.wall_high_water_ms = wall;
                    let snapshot = e.clone();
                    let _ = self.shared.persist(&snapshot);
                }
            }
            let now = self.shared.platform.clock.monotonic_ms();
            inner.shredded.is_none()
                && inner.enrollment.is_some()
                && inner
                    .lease
                    .as_ref()
                    .is_none_or(|l| now >= l.half_life_mono())
        };
        self.publish();
        if due {
            let _ = self.check_presence().await;
        }
        self.refresh()
    }

    /// How long until [`Session::tick`] next has work: renewing the lease at its half-life,
    /// locking at its expiry or at the idle timeout. The store's lease policy sets these, so a
    /// store with short leases is renewed as often as it needs. Never more than `at_most` (a
    /// device without a lease retries presence at that pace), never less than a second.
    pub fn next_tick_in(&self, at_most: Duration) -> Duration {
        let inner = lock_inner(&self.shared);
        let now = self.shared.platform.clock.monotonic_ms();
        let mut due: Vec<u64> = Vec::new();
        if let Some(lease) = &inner.lease {
            let half_life = lease.half_life_mono();
            // Past its half-life the renewal is overdue (a failed attempt): try again soon.
            due.push(if half_life > now {
                half_life
            } else {
                now + RENEWAL_RETRY_MS
            });
            due.push(lease.expires_mono);
        }
        if let (Some(_), Some(enrollment)) = (&inner.advisor, &inner.enrollment) {
            let idle_limit = u64::from(enrollment.policy.idle_timeout_secs) * 1000;
            // Strictly past the limit locks (see `evaluate`).
            due.push(inner.last_activity_mono + idle_limit + 1);
        }
        let soonest = due
            .into_iter()
            .filter(|&at| at > now)
            .min()
            .map_or(at_most, |at| Duration::from_millis(at - now));
        soonest.min(at_most).max(Duration::from_secs(1))
    }

    /// Runs [`Session::tick`] on the current tokio runtime until the handle is dropped, each
    /// time after [`Session::next_tick_in`]`(at_most)`.
    pub fn spawn_background(&self, at_most: Duration) -> BackgroundTask {
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        BackgroundTask(tokio::spawn(async move {
            loop {
                let wait = match weak.upgrade() {
                    Some(shared) => Session { shared }.next_tick_in(at_most),
                    None => return,
                };
                tokio::time::sleep(wait).await;
                let Some(shared) = weak.upgrade() else { return };
                Session { shared }.tick().await;
            }
        }))
    }

    /// Signs an advisor in against the store's server (rate-limited there, with lockout).
    /// Needs a lease. On success the cache is opened with the key from the key store.
    pub async fn sign_in(
        &self,
        advisor_id: String,
        pin: String,
    ) -> Result<SessionState, SessionError> {
        let advisor_id = advisor_id.trim().to_owned();
        if advisor_id.is_empty() || advisor_id.len() > 32 {
            return Err(SessionError::InvalidInput(
                "an advisor identifier is 1 to 32 characters".into(),
            ));
        }
        if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SessionError::InvalidInput("a PIN is 4 to 8 digits".into()));
        }
        // A lease more than half spent is renewed first: a signed request carries the time
        // since its lease, and the server refuses one that has drifted too far.
        self.tick().await;
        let body = serde_json::to_vec(&SignInRequest {
            advisor_id: advisor_id.clone(),
            pin,
        })
        .map_err(|_| SessionError::Core("sign-in cannot be encoded".into()))?;
        let (remote, headers) = {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(reason) = inner.shredded {
                return Err(SessionError::Shredded(reason));
            }
            let remote = inner.remote.clone().ok_or(SessionError::NotEnrolled)?;
            let headers = self
                .shared
                .sign_request(&inner, "POST", SIGN_IN_PATH, &body)
                .ok_or(SessionError::Locked(presence_reason(&inner)))?;
            (remote, headers)
        };
        self.publish();
        let answer: SignInResponse = match remote.post(SIGN_IN_PATH, body, headers).await {
            Ok(a) => a,
            Err(RemoteError::Api {
                code, retry_after, ..
            }) if code == codes::LOCKED_OUT => {
                return Err(SessionError::LockedOut {
                    retry_after_secs: retry_after.unwrap_or(60),
                });
            }
            Err(RemoteError::Api { code, .. }) if code == codes::WRONG_PIN => {
                return Err(SessionError::WrongPin);
            }
            Err(e) => return Err(self.on_remote_error(e)),
        };
        if answer.advisor_id != advisor_id {
            return Err(SessionError::BadAnswer("the server signed in someone else"));
        }
        let key_bytes = self
            .shared
            .platform
            .key_store
            .load(CACHE_KEY.into())
            .ok_or_else(|| SessionError::KeyStore("the cache key is missing".into()))?;
        let key = CacheKey::from_bytes(&key_bytes).map_err(SessionError::from)?;
        drop(zeroize::Zeroizing::new(key_bytes));
        let path = self.cache_path();
        let existing = lock_inner(&self.shared).cache.clone();
        let cache = match existing {
            Some(c) => c,
            None => Arc::new(
                tokio::task::spawn_blocking(move || Cache::open(path, &key))
                    .await
                    .map_err(|_| SessionError::Core("the cache task stopped".into()))?
                    .map_err(SessionError::from)?,
            ),
        };
        {
            let mut inner = lock_inner(&self.shared);
            self.shared.evaluate(&mut inner);
            if let Some(reason) = inner.shredded {
                return Err(SessionError::Shredded(reason));
            }
            if inner.lease.is_none() {
                // The lease ran out while signing in: stay locked, drop the cache.
                return Err(SessionError::Locked(presence_reason(&inner)));
            }
            inner.advisor = Some((answer.advisor_id, answer.name));
            inner.cache = Some(cache);
            inner.last_activity_mono = self.shared.platform.clock.monotonic_ms();
        }
        Ok(self.refresh())
    }

    /// Signs the advisor out: locked, cache closed.
    pub fn sign_out(&self) {
        lock(&mut lock_inner(&self.shared), LockReason::SignedOut);
        self.publish();
    }

    /// The advisor did something: restarts the idle timeout (if it has not run out already).
    pub fn touch(&self) {
        let mut inner = lock_inner(&self.shared);
        self.shared.evaluate(&mut inner);
        if inner.advisor.is_some() {
            inner.last_activity_mono = self.shared.platform.clock.monotonic_ms();
        }
        drop(inner);
        self.publish();
    }

    /// The app went to the background: locked at once.
    pub fn backgrounded(&self) {
        let mut inner = lock_inner(&self.shared);
        if inner.advisor.is_some() {
            lock(&mut inner, LockReason::Backgrounded);
        }
        drop(inner);
        self.publish();
    }

    /// A sync client of the enrolled store, authenticating every request with the current
    /// lease and the device key. Needs a lease.
    pub fn sync_client(&self) -> Result<SyncClient, SessionError> {
        let inner = lock_inner(&self.shared);
        if let Some(reason) = inner.shredded {
            return Err(SessionError::Shredded(reason));
        }
        let e = inner.enrollment.as_ref().ok_or(SessionError::NotEnrolled)?;
        if inner.lease.is_none() {
            return Err(SessionError::Locked(presence_reason(&inner)));
        }
        let config = ServerConfig {
            base_url: e.server_url.trim_end_matches('/').to_owned(),
            certificate_pin: e.certificate_pin.clone(),
            token: String::new(),
            store_id: e.store_id.clone(),
        };
        drop(inner);
        let signer = Arc::new(LeaseRequestSigner {
            shared: Arc::downgrade(&self.shared),
        });
        SyncClient::new(config)
            .map(|c| c.with_signer(signer))
            .map_err(SessionError::Sync)
    }

    /// One sync round (push then pull) while unlocked; a revocation or wipe answer shreds.
    pub async fn sync(
        &self,
        cancel: &CancelHandle,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<crate::sync::SyncReport, SessionError> {
        let cache = self.cache().map_err(|_| self.locked_error())?;
        let client = self.sync_client()?;
        let result = crate::sync::sync(cache, &client, true, cancel, progress).await;
        match result {
            Ok(report) => Ok(report),
            Err(SyncError::Server { status, code }) => {
                Err(self.on_remote_error(RemoteError::Api {
                    status,
                    code,
                    retry_after: None,
                }))
            }
            Err(SyncError::Unauthorized) => Err(self.on_remote_error(RemoteError::Api {
                status: 401,
                code: carnet_protocol::codes::UNAUTHORIZED.into(),
                retry_after: None,
            })),
            Err(e) => Err(SessionError::Sync(e)),
        }
    }

    /// Records that the signed-in advisor viewed a customer's card (pushed with the next sync:
    /// the server's audit answers who looked at whom, when). Returns the outbox seq.
    pub fn record_card_view(&self, customer_id: &str) -> crate::Result<u64> {
        let cache = self.cache()?;
        let advisor = self.advisor_id().ok_or(Error::Locked)?;
        crate::outbox::record(
            &cache,
            MutationKind::ProfileView {
                customer_id: customer_id.to_owned(),
            },
            Some(&advisor),
            chrono::Utc::now(),
        )
    }

    /// The customer's card as of `today`, its view recorded for the audit.
    pub fn view_card(
        &self,
        customer_id: &str,
        today: chrono::NaiveDate,
    ) -> crate::Result<CustomerCard> {
        let cache = self.cache()?;
        let card = crate::card::customer_card(&cache, customer_id, today)?;
        self.record_card_view(customer_id)?;
        Ok(card)
    }

    fn locked_error(&self) -> SessionError {
        match self.state() {
            SessionState::Locked { reason } => SessionError::Locked(reason),
            SessionState::Shredded { reason } => SessionError::Shredded(reason),
            SessionState::NotEnrolled => SessionError::NotEnrolled,
            SessionState::Unlocked { .. } => SessionError::Locked(LockReason::SignedOut),
        }
    }

    /// Turns a server answer into an error, shredding on revocation and wipe.
    fn on_remote_error(&self, e: RemoteError) -> SessionError {
        let shred = match &e {
            RemoteError::Api { code, .. } if code == codes::REMOTE_WIPE => {
                Some(ShredReason::RemoteWipe)
            }
            RemoteError::Api { code, .. }
                if code == codes::DEVICE_REVOKED
                    || code == carnet_protocol::codes::UNAUTHORIZED =>
            {
                // The pinned server no longer knows this device: as good as revoked.
                Some(ShredReason::Revoked)
            }
            _ => None,
        };
        if let Some(reason) = shred {
            self.shared.shred(&mut lock_inner(&self.shared), reason);
            self.publish();
            return SessionError::Shredded(reason);
        }
        remote_error(e)
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

fn remote_error(e: RemoteError) -> SessionError {
    match e {
        RemoteError::Network(m) => SessionError::Network(m.into()),
        RemoteError::Malformed => SessionError::BadAnswer("not a protocol answer"),
        RemoteError::Api {
            status: 400, code, ..
        } => SessionError::InvalidInput(format!("refused by the server ({code})")),
        RemoteError::Api { status, code, .. } => SessionError::Server { status, code },
    }
}

fn presence_reason(inner: &Inner) -> LockReason {
    if inner.lock_reason.needs_presence() {
        inner.lock_reason
    } else {
        LockReason::NoLease
    }
}

fn lock(inner: &mut Inner, reason: LockReason) {
    inner.cache = None;
    inner.advisor = None;
    inner.lock_reason = reason;
}

fn current_state(inner: &Inner) -> SessionState {
    if let Some(reason) = inner.shredded {
        return SessionState::Shredded { reason };
    }
    if inner.enrollment.is_none() {
        return SessionState::NotEnrolled;
    }
    match (&inner.advisor, &inner.cache, &inner.lease) {
        (Some((id, name)), Some(_), Some(_)) => SessionState::Unlocked {
            advisor_id: id.clone(),
            advisor_name: Some(name.clone()),
        },
        (_, _, None) => SessionState::Locked {
            reason: presence_reason(inner),
        },
        _ => SessionState::Locked {
            reason: if inner.lock_reason.needs_presence() {
                LockReason::SignedOut
            } else {
                inner.lock_reason
            },
        },
    }
}

fn remove_cache_files(path: &Path) {
    for file in Cache::files(path) {
        let _ = std::fs::remove_file(file);
    }
}

impl Shared {
    /// Applies the off-network limit, the lease's expiry and the idle timeout.
    fn evaluate(&self, inner: &mut Inner) {
        if inner.shredded.is_some() {
            return;
        }
        let Some(enrollment) = inner.enrollment.as_mut() else {
            return;
        };
        let clock = &self.platform.clock;
        let now = clock.monotonic_ms();
        enrollment.wall_high_water_ms = enrollment.wall_high_water_ms.max(clock.wall_ms());
        let off_wall = enrollment.wall_high_water_ms - enrollment.last_contact_wall_ms;
        let off_mono = inner.last_contact_mono.map_or(0, |m| {
            i64::try_from(now.saturating_sub(m)).unwrap_or(i64::MAX)
        });
        let limit = i64::from(enrollment.policy.off_network_limit_secs) * 1000;
        let idle_limit = u64::from(enrollment.policy.idle_timeout_secs) * 1000;
        if off_wall.max(off_mono) > limit {
            self.shred(inner, ShredReason::OffNetworkLimit);
            return;
        }
        if inner.lease.as_ref().is_some_and(|l| now >= l.expires_mono) {
            inner.lease = None;
            lock(inner, LockReason::LeaseExpired);
        }
        if inner.advisor.is_some() && now.saturating_sub(inner.last_activity_mono) > idle_limit {
            lock(inner, LockReason::Inactivity);
        }
    }

    /// Destroys the keys, then the cache files and the enrolment.
    fn shred(&self, inner: &mut Inner, reason: ShredReason) {
        lock(inner, LockReason::NoLease);
        inner.lease = None;
        let ks = &self.platform.key_store;
        ks.delete(CACHE_KEY.into());
        ks.delete(DEVICE_KEY.into());
        remove_cache_files(&self.data_dir.join(CACHE_FILE));
        let _ = std::fs::remove_file(self.data_dir.join(SESSION_FILE));
        inner.enrollment = None;
        inner.remote = None;
        inner.device_key = None;
        inner.last_contact_mono = None;
        inner.shredded = Some(reason);
    }

    fn persist(&self, enrollment: &Enrollment) -> Result<(), SessionError> {
        let path = self.data_dir.join(SESSION_FILE);
        let tmp = self.data_dir.join(format!("{SESSION_FILE}.tmp"));
        let bytes = serde_json::to_vec_pretty(enrollment)
            .map_err(|_| SessionError::Core("session cannot be encoded".into()))?;
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| SessionError::Core(format!("session file: {}", e.kind())))
    }

    /// Lease and device-signature headers for a request, if a lease is valid.
    fn sign_request(
        &self,
        inner: &Inner,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Option<Vec<(&'static str, String)>> {
        let lease = inner.lease.as_ref()?;
        let key = inner.device_key.as_ref()?;
        let now = self.platform.clock.monotonic_ms();
        if now >= lease.expires_mono {
            return None;
        }
        let t = now.saturating_sub(lease.sent_mono);
        let body_hash = hex(ring::digest::digest(&ring::digest::SHA256, body).as_ref());
        let message = request_message(method, path_and_query, &lease.nonce, t, &body_hash);
        let signature = URL_SAFE_NO_PAD.encode(key.sign(&message).as_ref());
        Some(vec![
            (HEADER_LEASE, lease.token.clone()),
            (HEADER_DEVICE_AUTH, device_auth_header(t, &signature)),
        ])
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Signs sync requests with the session's current lease (renewals are picked up).
struct LeaseRequestSigner {
    shared: Weak<Shared>,
}

impl RequestSigner for LeaseRequestSigner {
    fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, SyncError> {
        let shared = self.shared.upgrade().ok_or(SyncError::NotOnStoreNetwork)?;
        let mut inner = lock_inner(&shared);
        shared.evaluate(&mut inner);
        shared
            .sign_request(&inner, method, path_and_query, body)
            .ok_or(SyncError::NotOnStoreNetwork)
    }
}
