//! Appointments: a make-up session or a skin diagnosis booked at the counter. [`Agenda`]
//! holds a store's services, resources, hours and bookings; [`Agenda::free_slots`] finds when
//! a service can be given and [`Agenda::check`] whether a booking may be made. Times are UTC
//! instants; hours are written in the store's local time and read through its
//! [`StoreClock`], so the days when clocks change have the hours they really have.

mod agenda;
mod clock;
pub mod planning;
mod slots;
mod spans;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use agenda::{
    AdvisorHours, Agenda, Booking, BookingStatus, Hours, Resource, Service, ServiceNames,
    StoreHours, WeeklyHours, service_name,
};
pub use clock::{DAY_MINUTES, StoreClock, parse_start};
pub use slots::{BookingRequest, GRID_SECS, Placement, Slot, SlotQuery};
pub use spans::Span;

/// Why a booking, a time or an agenda is refused: a typed reason the app words in the
/// advisor's language. None names a customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
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
}
