//! The one public error of the facade: few, stable variants, reasons without personal data.
//! Every internal error maps here, in one place.

use carnet_core::Error;
use carnet_core::session::SessionError;
use carnet_core::sync::SyncError;

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
    #[error("invalid card: {reason}")]
    InvalidCard {
        /// Why, for the advisor.
        reason: String,
    },
    /// Input the advisor can fix.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// Why, for the advisor.
        reason: String,
    },
    /// A contact field's value is refused; the form shows the reason beside the field, and
    /// may offer a correction ("gmial.com" → "gmail.com").
    #[error("{field}: {reason}")]
    InvalidField {
        /// The field (`email`, `phone`, `postal_code`, ...).
        field: String,
        /// Why, for the advisor.
        reason: String,
        /// A likely correction, if any.
        suggestion: Option<String>,
    },
    /// The device is not on the store network.
    #[error("not on the store network")]
    NotOnStoreNetwork,
    /// The server could not be reached or answered badly.
    #[error("network: {reason}")]
    Network {
        /// What went wrong.
        reason: String,
    },
    /// The server requires a newer app.
    #[error("update required: {reason}")]
    UpgradeRequired {
        /// The server's message.
        reason: String,
    },
    /// The server refused this device or advisor.
    #[error("refused: {reason}")]
    Refused {
        /// Why.
        reason: String,
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

impl From<Error> for CarnetError {
    fn from(e: Error) -> Self {
        match e {
            Error::Locked => CarnetError::Locked,
            Error::NotFound => CarnetError::NotFound,
            Error::InvalidCard(reason) => CarnetError::InvalidCard {
                reason: reason.to_string(),
            },
            Error::InvalidInput(reason) => CarnetError::InvalidInput { reason },
            Error::InvalidField(field) => CarnetError::InvalidField {
                field: field.field.as_str().to_owned(),
                reason: field.reason,
                suggestion: field.suggestion,
            },
            Error::Cancelled => CarnetError::Cancelled,
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
            SyncError::Unauthorized
            | SyncError::ForbiddenStore
            | SyncError::DeviceRefused { .. } => CarnetError::Refused {
                reason: e.to_string(),
            },
            SyncError::Cache(reason) => CarnetError::Storage { reason },
            other => CarnetError::Network {
                reason: other.to_string(),
            },
        }
    }
}

impl From<SessionError> for CarnetError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NotEnrolled => CarnetError::NotEnrolled,
            SessionError::Locked(_) => CarnetError::Locked,
            SessionError::InvalidInput(reason) => CarnetError::InvalidInput { reason },
            SessionError::Sync(e) => e.into(),
            SessionError::Network(reason) => CarnetError::Network { reason },
            SessionError::KeyStore(reason) | SessionError::Core(reason) => {
                CarnetError::Storage { reason }
            }
            SessionError::AlreadyEnrolled
            | SessionError::Shredded(_)
            | SessionError::BadEnrollmentCode
            | SessionError::WrongPin
            | SessionError::LockedOut { .. }
            | SessionError::BadAnswer(_)
            | SessionError::Server { .. } => CarnetError::Refused {
                reason: e.to_string(),
            },
        }
    }
}
