//! The platform's side of the session: the key store and state observer as foreign traits,
//! the lock state and network events as plain data.

use std::sync::Arc;

use carnet_core::session::{self, LockReason, SessionState, ShredReason};

use crate::CarnetError;

/// Why the key store could not keep a value.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    /// The platform store is unavailable (device locked, no keychain access).
    #[error("the key store is unavailable")]
    Unavailable,
}

/// Secrets kept by the platform (the iOS Keychain): the cache key and the device's signing
/// key. Implemented by the app.
#[uniffi::export(foreign)]
pub trait KeyStore: Send + Sync {
    /// The value stored under `name`, if any.
    fn load(&self, name: String) -> Option<Vec<u8>>;
    /// Stores `value` under `name`, replacing any previous one.
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError>;
    /// Forgets `name`.
    fn delete(&self, name: String);
}

/// Adapts the app's key store to the core's.
pub(crate) struct PlatformKeyStore(pub(crate) Arc<dyn KeyStore>);

impl session::KeyStore for PlatformKeyStore {
    fn load(&self, name: String) -> Option<Vec<u8>> {
        self.0.load(name)
    }

    fn store(&self, name: String, value: Vec<u8>) -> Result<(), session::KeyStoreError> {
        self.0
            .store(name, value)
            .map_err(|e| session::KeyStoreError {
                reason: e.to_string(),
            })
    }

    fn delete(&self, name: String) {
        self.0.delete(name);
    }
}

/// Hears every change of the lock state (on a background thread; must not block).
#[uniffi::export(foreign)]
pub trait DeviceObserver: Send + Sync {
    /// The new state.
    fn state_changed(&self, state: DeviceState);
}

pub(crate) struct PlatformObserver(pub(crate) Arc<dyn DeviceObserver>);

impl session::SessionObserver for PlatformObserver {
    fn state_changed(&self, state: SessionState) {
        self.0.state_changed(state.into());
    }
}

/// What the app shows.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum DeviceState {
    /// Not enrolled: the enrolment screen.
    NotEnrolled,
    /// Locked: no data.
    Locked {
        /// Why, for the lock screen.
        reason: String,
        /// True when the device must first be in the store (store Wi-Fi, server reachable);
        /// false when an advisor only has to sign in.
        needs_presence: bool,
    },
    /// An advisor is signed in, in the store.
    Unlocked {
        /// Her identifier.
        advisor_id: String,
        /// Her name, if known.
        advisor_name: Option<String>,
    },
    /// The data was destroyed (revoked, wiped, too long away): enrol again.
    Shredded {
        /// Why.
        reason: String,
    },
}

impl From<SessionState> for DeviceState {
    fn from(state: SessionState) -> Self {
        match state {
            SessionState::NotEnrolled => Self::NotEnrolled,
            SessionState::Locked { reason } => Self::Locked {
                reason: lock_reason(reason).into(),
                needs_presence: reason.needs_presence(),
            },
            SessionState::Unlocked {
                advisor_id,
                advisor_name,
            } => Self::Unlocked {
                advisor_id,
                advisor_name,
            },
            SessionState::Shredded { reason } => Self::Shredded {
                reason: match reason {
                    ShredReason::Revoked => "this device was revoked by the store",
                    ShredReason::RemoteWipe => "the store ordered a remote wipe",
                    ShredReason::OffNetworkLimit => "away from the store for too long",
                }
                .into(),
            },
        }
    }
}

fn lock_reason(reason: LockReason) -> &'static str {
    match reason {
        LockReason::NoLease => "connect to the store's Wi-Fi",
        LockReason::LeaseExpired => "presence in the store expired: connect to the store's Wi-Fi",
        LockReason::NotOnStoreNetwork => "not on the store network",
        LockReason::SignedOut => "sign in",
        LockReason::Inactivity => "locked after inactivity: sign in",
        LockReason::Backgrounded => "locked when the app left the screen: sign in",
        LockReason::UnknownDevice => {
            "the store's server does not know this handheld: ask a manager to enrol it again"
        }
    }
}

/// A network change seen by the platform.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NetworkEvent {
    /// Whether any network path is available.
    pub path_available: bool,
    /// The Wi-Fi name, if known: a hint that prompts a check, never a proof.
    pub wifi_hint: Option<String>,
    /// The IP address to send from, when the platform must choose it (the Linux simulator's
    /// "Wi-Fi off" sends from a second loopback address); leave it out on a handheld.
    #[uniffi(default = None)]
    pub source_address: Option<String>,
}

impl TryFrom<NetworkEvent> for session::NetworkEvent {
    type Error = CarnetError;

    fn try_from(e: NetworkEvent) -> Result<Self, CarnetError> {
        let source_address = e
            .source_address
            .map(|a| a.trim().parse())
            .transpose()
            .map_err(|_| CarnetError::InvalidInput {
                reason: "the source address is not an IP address".into(),
            })?;
        Ok(Self {
            path_available: e.path_available,
            wifi_hint: e.wifi_hint,
            source_address,
        })
    }
}
