//! The one public error of the facade: few, stable variants, reasons without personal data.
//! Every internal error maps here, in one place. What the advisor reads about the session and
//! sync (refusals, network problems) is typed, for each platform to word in its language.

use carnet_core::Error;
use carnet_core::session::{KeyStoreError, SessionError};
use carnet_core::sync::{NetworkFailure, SyncError};

use crate::session::ShredReason;

/// What a call can fail with, as the app sees it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CarnetError {
    /// The device is locked: sign in (and be in the store) first.
    #[error("the device is locked")]
    Locked,
    /// The device is not enrolled with a store yet.
    #[error("the device is not enrolled")]
    NotEnrolled,
    /// Nothing matches.
    #[error("not found")]
    NotFound,
    /// The scanned or typed card number is not a loyalty card.
    #[error("invalid card: {problem:?}")]
    InvalidCard {
        /// Why.
        problem: crate::types::CardProblem,
    },
    /// Input the advisor can fix.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// Why, for the advisor.
        reason: String,
    },
    /// A contact field's value is refused; the form shows the reason beside the field, and
    /// may offer a correction ("gmial.com" → "gmail.com", see `corrected_value`).
    #[error("{field}: {problem:?}")]
    InvalidField {
        /// The field (`email`, `phone`, `postal_code`, ...).
        field: String,
        /// Why.
        problem: crate::types::FieldProblem,
        /// A likely correction, if any.
        suggestion: Option<String>,
    },
    /// She may not be contacted now (no consent to the channel, or the quiet period).
    #[error("she may not be contacted now")]
    ContactRefused {
        /// Why.
        refusal: crate::outreach::ContactRefusal,
    },
    /// The booking breaks one of the store's rules (or its time is taken); nothing was saved.
    #[error("the booking is refused: {refusal:?}")]
    AppointmentRefused {
        /// Why.
        refusal: crate::appointments::AppointmentRefusal,
    },
    /// Another advisor took (or did) this group task first: it stays hers.
    #[error("another advisor took this task")]
    TaskTaken {
        /// Who has it.
        advisor_id: String,
    },
    /// The device is not on the store network.
    #[error("not on the store network")]
    NotOnStoreNetwork,
    /// The store requires single app mode on this handheld and the platform refused it: no
    /// customer data until it is granted (see `Handheld::kiosk_changed`).
    #[error("single app mode is required")]
    KioskRequired,
    /// The handheld's key store cannot be read yet (restarted, not yet unlocked with its
    /// passcode); nothing was changed: try again once it is unlocked.
    #[error("the key store is not readable yet")]
    KeyStoreUnavailable,
    /// The server could not be reached or answered badly.
    #[error("network: {problem:?}")]
    Network {
        /// What went wrong.
        problem: NetworkProblem,
    },
    /// The server requires a newer app.
    #[error("update required: {reason}")]
    UpgradeRequired {
        /// The server's message.
        reason: String,
    },
    /// The server (or the session's rules) refused this device or advisor.
    #[error("refused: {refusal:?}")]
    Refused {
        /// Why.
        refusal: Refusal,
    },
    /// The on-device storage failed.
    #[error("storage: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The operation was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// What went wrong between the handheld and the store's server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum NetworkProblem {
    /// No answer in time.
    TimedOut,
    /// No connection to the store's server (or not to the pinned one).
    CannotConnect,
    /// The connection broke while the answer came in.
    ConnectionLost,
    /// Anything else on the way.
    RequestFailed,
    /// An answer the handheld cannot read or trust (not signed by the store's server, not
    /// for this handheld, malformed, too large).
    UntrustedAnswer,
    /// The server answered with an error.
    ServerError {
        /// The HTTP status.
        status: u16,
        /// The answer's stable code, if it had one.
        code: String,
    },
    /// The server and the handheld disagree on where the sync stands; the next sync settles it.
    OutOfStep,
}

/// Why the server (or the session) refused.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Refusal {
    /// Wrong advisor identifier or PIN.
    WrongPin,
    /// Too many failed sign-ins: no sign-in for a while.
    LockedOut {
        /// Seconds to wait before the next try.
        retry_after_secs: u64,
    },
    /// The enrolment code is unknown, used or expired.
    BadEnrollmentCode,
    /// This handheld is enrolled already.
    AlreadyEnrolled,
    /// The handheld's data was destroyed: enrol it again.
    Wiped {
        /// Why.
        reason: ShredReason,
    },
    /// The store's server does not accept this handheld's credentials.
    DeviceNotAccepted,
    /// The handheld asked for another store's data.
    OtherStore,
}

fn refused(refusal: Refusal) -> CarnetError {
    CarnetError::Refused { refusal }
}

fn network(problem: NetworkProblem) -> CarnetError {
    CarnetError::Network { problem }
}

impl From<NetworkFailure> for NetworkProblem {
    fn from(f: NetworkFailure) -> Self {
        match f {
            NetworkFailure::TimedOut => Self::TimedOut,
            NetworkFailure::CannotConnect => Self::CannotConnect,
            NetworkFailure::ConnectionLost => Self::ConnectionLost,
            NetworkFailure::RequestFailed => Self::RequestFailed,
        }
    }
}

impl From<Error> for CarnetError {
    fn from(e: Error) -> Self {
        match e {
            Error::Locked => CarnetError::Locked,
            Error::KioskRequired => CarnetError::KioskRequired,
            Error::NotFound => CarnetError::NotFound,
            Error::InvalidCard(e) => CarnetError::InvalidCard { problem: e.into() },
            Error::InvalidInput(reason) => CarnetError::InvalidInput { reason },
            Error::InvalidField(field) => CarnetError::InvalidField {
                field: field.field.as_str().to_owned(),
                problem: field.problem.into(),
                suggestion: field.suggestion,
            },
            Error::Cancelled => CarnetError::Cancelled,
            Error::TaskTaken { advisor_id } => CarnetError::TaskTaken { advisor_id },
            Error::ContactRefused(refusal) => CarnetError::ContactRefused {
                refusal: refusal.into(),
            },
            Error::Appointment(refusal) => CarnetError::AppointmentRefused {
                refusal: refusal.into(),
            },
            other => CarnetError::Storage {
                reason: other.to_string(),
            },
        }
    }
}

impl From<SyncError> for CarnetError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Locked => CarnetError::Locked,
            SyncError::NotOnStoreNetwork => CarnetError::NotOnStoreNetwork,
            SyncError::Cancelled => CarnetError::Cancelled,
            SyncError::UpgradeRequired(reason) => CarnetError::UpgradeRequired { reason },
            SyncError::Unauthorized | SyncError::DeviceRefused { .. } => {
                refused(Refusal::DeviceNotAccepted)
            }
            SyncError::ForbiddenStore => refused(Refusal::OtherStore),
            SyncError::Network(failure) => network(failure.into()),
            SyncError::Malformed(_) | SyncError::ResponseTooLarge => {
                network(NetworkProblem::UntrustedAnswer)
            }
            SyncError::Server { status, code } => {
                network(NetworkProblem::ServerError { status, code })
            }
            SyncError::CursorExpired | SyncError::SequenceGap { .. } => {
                network(NetworkProblem::OutOfStep)
            }
            SyncError::Cache(reason) => CarnetError::Storage { reason },
            SyncError::InvalidConfig(reason) => CarnetError::Storage {
                reason: reason.to_owned(),
            },
        }
    }
}

impl From<SessionError> for CarnetError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NotEnrolled => CarnetError::NotEnrolled,
            SessionError::Locked(carnet_core::session::LockReason::KioskRequired) => {
                CarnetError::KioskRequired
            }
            SessionError::Locked(_) => CarnetError::Locked,
            SessionError::InvalidInput(reason) => CarnetError::InvalidInput { reason },
            SessionError::Sync(e) => e.into(),
            SessionError::Network(failure) => network(failure.into()),
            SessionError::BadAnswer(_) => network(NetworkProblem::UntrustedAnswer),
            SessionError::Server { status, code } => {
                network(NetworkProblem::ServerError { status, code })
            }
            SessionError::KeyStore(KeyStoreError::TemporarilyUnavailable) => {
                CarnetError::KeyStoreUnavailable
            }
            SessionError::KeyStore(e) => CarnetError::Storage {
                reason: e.to_string(),
            },
            SessionError::Core(reason) => CarnetError::Storage { reason },
            SessionError::AlreadyEnrolled => refused(Refusal::AlreadyEnrolled),
            SessionError::Shredded(reason) => refused(Refusal::Wiped {
                reason: reason.into(),
            }),
            SessionError::BadEnrollmentCode => refused(Refusal::BadEnrollmentCode),
            SessionError::WrongPin => refused(Refusal::WrongPin),
            SessionError::LockedOut { retry_after_secs } => {
                refused(Refusal::LockedOut { retry_after_secs })
            }
        }
    }
}
