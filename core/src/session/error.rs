//! Why a session operation failed.

use super::remote::RemoteError;
use super::{KeyStoreError, LockReason, ShredReason};
use crate::Error;
use crate::sync::{NetworkFailure, SyncError};

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
    Network(NetworkFailure),
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
    /// The key store could not give or keep a key; nothing was destroyed because of it.
    #[error("{0}")]
    KeyStore(KeyStoreError),
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
            Error::KioskRequired => SessionError::Locked(LockReason::KioskRequired),
            other => SessionError::Core(other.to_string()),
        }
    }
}

pub(super) fn remote_error(e: RemoteError) -> SessionError {
    match e {
        RemoteError::Network(failure) => SessionError::Network(failure),
        RemoteError::Malformed => SessionError::BadAnswer("not a protocol answer"),
        RemoteError::Api {
            status: 400, code, ..
        } => SessionError::InvalidInput(format!("refused by the server ({code})")),
        RemoteError::Api { status, code, .. } => SessionError::Server { status, code },
    }
}
