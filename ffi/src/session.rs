//! The platform's side of the session: the key store and state observer as foreign traits,
//! the lock state, single app mode and network events as plain data.

use std::sync::Arc;

use carnet_core::session::{self, SessionState};

use crate::CarnetError;

/// Why the key store could not give or keep a value. Only `Absent` means there is nothing:
/// the core never takes the other two for a handheld that is not enrolled.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    /// Nothing is stored under this name (the Keychain's `errSecItemNotFound`).
    #[error("nothing is stored under this name")]
    Absent,
    /// The store cannot be read now but will be later: an iPhone restarted and not yet
    /// unlocked by its passcode (the Keychain's `errSecInteractionNotAllowed`).
    #[error("the key store is temporarily unavailable")]
    TemporarilyUnavailable,
    /// Anything else.
    #[error("the key store failed: {reason}")]
    Failed {
        /// What failed (a status code; never the value).
        reason: String,
    },
}

/// A key store implementation that threw something else than a `KeyStoreError` failed.
impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyStoreError::Failed { reason: e.reason }
    }
}

impl From<KeyStoreError> for session::KeyStoreError {
    fn from(e: KeyStoreError) -> Self {
        match e {
            KeyStoreError::Absent => Self::Absent,
            KeyStoreError::TemporarilyUnavailable => Self::TemporarilyUnavailable,
            KeyStoreError::Failed { reason } => Self::Failed(reason),
        }
    }
}

/// Secrets kept by the platform (the iOS Keychain): the cache key and the device's signing
/// key. Implemented by the app.
#[uniffi::export(foreign)]
pub trait KeyStore: Send + Sync {
    /// The value stored under `name`; `Absent` if there is none.
    fn load(&self, name: String) -> Result<Vec<u8>, KeyStoreError>;
    /// Stores `value` under `name`, replacing any previous one in one step (update in place,
    /// or add the new one before removing the old): a failure leaves the previous value.
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), KeyStoreError>;
    /// Forgets `name`.
    fn delete(&self, name: String);
}

/// Adapts the app's key store to the core's.
pub(crate) struct PlatformKeyStore(pub(crate) Arc<dyn KeyStore>);

impl session::KeyStore for PlatformKeyStore {
    fn load(&self, name: String) -> Result<Vec<u8>, session::KeyStoreError> {
        self.0.load(name).map_err(Into::into)
    }

    fn store(&self, name: String, value: Vec<u8>) -> Result<(), session::KeyStoreError> {
        self.0.store(name, value).map_err(Into::into)
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
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceState {
    /// Not enrolled: the enrolment screen.
    NotEnrolled,
    /// Locked: no data.
    Locked {
        /// Why, for the lock screen to word.
        reason: LockReason,
        /// True when the device must first be able to prove it is in the store (store Wi-Fi,
        /// server reachable, its key readable); false when an advisor only has to sign in.
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
        reason: ShredReason,
    },
}

/// Why the handheld is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LockReason {
    /// The store's server has not confirmed presence since start: join the store's Wi-Fi.
    NoLease,
    /// Presence in the store expired without renewal.
    LeaseExpired,
    /// Not on the store network.
    NotOnStoreNetwork,
    /// In the store; no advisor signed in.
    SignedOut,
    /// Locked after inactivity.
    Inactivity,
    /// Locked when the app left the screen.
    Backgrounded,
    /// The store's server does not know this handheld: a manager enrols it again; its data is
    /// kept.
    UnknownDevice,
    /// The handheld's key store cannot be read yet (restarted, not yet unlocked with its
    /// passcode): nothing is lost, the core reads it again.
    KeyStoreUnavailable,
    /// The handheld's key store failed: nothing is lost; it is read again when presence is
    /// checked.
    KeyStoreFailed,
    /// The store requires single app mode and it was refused: no customer data.
    KioskRequired,
}

impl From<session::LockReason> for LockReason {
    fn from(r: session::LockReason) -> Self {
        use session::LockReason as R;
        match r {
            R::NoLease => Self::NoLease,
            R::LeaseExpired => Self::LeaseExpired,
            R::NotOnStoreNetwork => Self::NotOnStoreNetwork,
            R::SignedOut => Self::SignedOut,
            R::Inactivity => Self::Inactivity,
            R::Backgrounded => Self::Backgrounded,
            R::UnknownDevice => Self::UnknownDevice,
            R::KeyStoreUnavailable => Self::KeyStoreUnavailable,
            R::KeyStoreFailed => Self::KeyStoreFailed,
            R::KioskRequired => Self::KioskRequired,
        }
    }
}

/// Why the handheld's data was destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ShredReason {
    /// The store revoked this handheld.
    Revoked,
    /// The store ordered a remote wipe.
    RemoteWipe,
    /// Away from the store longer than its policy allows.
    OffNetworkLimit,
}

impl From<session::ShredReason> for ShredReason {
    fn from(r: session::ShredReason) -> Self {
        match r {
            session::ShredReason::Revoked => Self::Revoked,
            session::ShredReason::RemoteWipe => Self::RemoteWipe,
            session::ShredReason::OffNetworkLimit => Self::OffNetworkLimit,
        }
    }
}

impl From<SessionState> for DeviceState {
    fn from(state: SessionState) -> Self {
        match state {
            SessionState::NotEnrolled => Self::NotEnrolled,
            SessionState::Locked { reason } => Self::Locked {
                reason: reason.into(),
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
                reason: reason.into(),
            },
        }
    }
}

/// Single app mode as the platform sees it (see `Handheld::kiosk_changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct KioskStatus {
    /// The store requires it on this handheld (the managed app configuration's
    /// `CarnetKioskRequired`).
    pub required: bool,
    /// The platform's answer to the request for it; none before it answers.
    pub granted: Option<bool>,
}

impl From<KioskStatus> for session::KioskStatus {
    fn from(k: KioskStatus) -> Self {
        Self {
            required: k.required,
            granted: k.granted,
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
