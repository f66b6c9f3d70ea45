//! The core's error type. Messages name what went wrong, never a customer's data.

use crate::barcode::BarcodeError;

/// Everything a core operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key does not open this cache.
    #[error("the key does not open this cache")]
    WrongKey,
    /// The cache file is damaged or is not a Carnet cache.
    #[error("the cache file is damaged or is not a Carnet cache")]
    Corrupt,
    /// The cache was written by a newer Carnet.
    #[error("the cache has schema version {found}, newer than this app's {supported}")]
    SchemaTooNew {
        /// The file's version.
        found: u32,
        /// The newest this code knows.
        supported: u32,
    },
    /// A scanned or typed loyalty card number is not a valid card.
    #[error("invalid loyalty card: {0}")]
    InvalidCard(#[from] BarcodeError),
    /// Input the caller can fix; the reason says how.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A contact field's value breaks the shared contact rules; the UI shows it beside the
    /// field (with the suggestion, if any).
    #[error("invalid {0}")]
    InvalidField(#[from] crate::contact::FieldError),
    /// Nothing matches.
    #[error("not found")]
    NotFound,
    /// She may not be contacted now: no consent to the channel, or the quiet period.
    #[error("{0}")]
    ContactRefused(ContactRefusal),
    /// Another advisor took (or did) this group task first: it stays hers.
    #[error("another advisor took this task")]
    TaskTaken {
        /// Who has it.
        advisor_id: String,
    },
    /// The device is locked: no data is readable until it is unlocked.
    #[error("the device is locked")]
    Locked,
    /// The store requires single app mode and the platform refused it: no data is readable
    /// until it is granted.
    #[error("single app mode is required")]
    KioskRequired,
    /// The interchange export could not be read.
    #[error(transparent)]
    Export(#[from] carnet_fixtures::ReadError),
    /// The platform could not give what cryptography needs.
    #[error("cryptography unavailable: {0}")]
    Crypto(&'static str),
    /// A file operation failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// SQLite failed in a way the caller cannot fix. SQLite's messages carry no row values.
    #[error("database: {0}")]
    Database(rusqlite::Error),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase, OperationInterrupted};
        match e.sqlite_error_code() {
            Some(NotADatabase | DatabaseCorrupt) => Error::Corrupt,
            Some(OperationInterrupted) => Error::Cancelled,
            _ => Error::Database(e),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why she may not be contacted now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactRefusal {
    /// She has not consented to marketing on this channel, or withdrew it.
    #[error("she has not consented to be contacted this way")]
    NoConsent,
    /// No e-mail address or phone number for the channel is on file.
    #[error("no address for this channel is on file")]
    NoAddress,
    /// Someone contacted her within the quiet period.
    #[error("she was contacted on {last_contact}: the quiet period is {days} days")]
    QuietPeriod {
        /// When (RFC 3339).
        last_contact: String,
        /// The store's quiet period, in days.
        days: u32,
    },
}

impl From<ContactRefusal> for Error {
    fn from(r: ContactRefusal) -> Self {
        Error::ContactRefused(r)
    }
}
