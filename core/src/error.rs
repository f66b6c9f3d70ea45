//! The core's error type. Messages name what went wrong, never a customer's data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    /// An appointment, or the store's agenda, breaks a rule: the reason says which.
    #[error("{0}")]
    Appointment(#[from] AppointmentRefusal),
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

/// Why a booking, a time or an agenda is refused: a typed reason the app words in the
/// advisor's language. None names a customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AppointmentRefusal {
    /// No such service in this store.
    #[error("no such service")]
    UnknownService,
    /// No such advisor in this store.
    #[error("no such advisor")]
    UnknownAdvisor,
    /// No such resource of the service's kind.
    #[error("no such resource")]
    UnknownResource,
    /// The store's time zone is not in the IANA database.
    #[error("unknown time zone {zone}")]
    UnknownTimeZone {
        /// The name given.
        zone: String,
    },
    /// Hours that end before they start or run past midnight.
    #[error("hours must start before they end, within one day")]
    UnreadableHours,
    /// A time without its offset from UTC: it could be two instants, or none.
    #[error("a time needs its zone")]
    TimeWithoutZone,
    /// Not a time.
    #[error("unreadable time")]
    UnreadableTime,
    /// The clocks skip that local time (spring forward).
    #[error("that time does not exist on that day: the clocks go forward")]
    LocalTimeSkipped,
    /// The clocks show that local time twice (fall back): say which.
    #[error("that time happens twice on that day: the clocks go back")]
    LocalTimeTwice {
        /// The first (summer time).
        earlier: i64,
        /// The second (winter time).
        later: i64,
    },
    /// The service lasts longer than the store is ever open in one stretch.
    #[error("the service ({duration_min} min) is longer than the store's day ({longest_min} min)")]
    LongerThanTheStoreDay {
        /// The service's length.
        duration_min: u32,
        /// The store's longest opening.
        longest_min: u32,
    },
    /// The advisor is not trained for it.
    #[error("the advisor lacks the specialty {specialty}")]
    AdvisorLacksSpecialty {
        /// The specialty needed.
        specialty: String,
    },
    /// It would start in the past.
    #[error("that time has passed")]
    InThePast,
    /// It starts sooner than the service's notice allows.
    #[error("too short notice")]
    TooShortNotice {
        /// The earliest start allowed now.
        earliest: i64,
    },
    /// The store is shut that day.
    #[error("the store is closed on {day}")]
    ClosedDay {
        /// The local day.
        day: NaiveDate,
    },
    /// The store is open that day, but not for the whole service.
    #[error("outside the store's opening hours")]
    OutsideOpeningHours,
    /// The advisor does not work then.
    #[error("the advisor does not work then")]
    AdvisorNotWorking,
    /// The advisor has another booking then (or its buffer).
    #[error("the advisor is booked then")]
    AdvisorBusy,
    /// The customer has another booking then.
    #[error("the customer is booked then")]
    CustomerBusy,
    /// Every resource of the kind is taken then.
    #[error("no {kind} is free then")]
    ResourceBusy {
        /// The kind.
        kind: String,
    },
    /// Marked done or missed before its time began.
    #[error("the appointment has not started yet")]
    NotStartedYet,
    /// It was cancelled, done or missed: it cannot be moved or cancelled any more.
    #[error("the appointment is already closed")]
    AlreadyClosed,
    /// The server has not confirmed it yet: it cannot go in her calendar.
    #[error("the appointment is not confirmed yet")]
    NotConfirmedYet,
}
