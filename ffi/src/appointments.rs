//! Appointments as the app shows them: the store's services, free slots, bookings (provisional
//! until the server confirms them) and the typed reason of a refusal. Times are seconds since
//! the Unix epoch; the app shows them in the store's time zone (`Handheld::store_time_zone`).

use carnet_core::appointments::{self, bookings};

/// A service the store books.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BookableService {
    /// Its id.
    pub id: String,
    /// Its name in English, French and Italian.
    pub name_en: String,
    /// In French.
    pub name_fr: String,
    /// In Italian.
    pub name_it: String,
    /// How long it lasts, in minutes.
    pub duration_min: u32,
    /// The specialty it needs, if any.
    pub specialty: Option<String>,
    /// The kind of resource it uses (`cabin`, `makeup_chair`), if any.
    pub resource_kind: Option<String>,
}

impl From<appointments::Service> for BookableService {
    fn from(s: appointments::Service) -> Self {
        Self {
            id: s.id,
            name_en: s.names.en,
            name_fr: s.names.fr,
            name_it: s.names.it,
            duration_min: s.duration_min,
            specialty: s.specialty,
            resource_kind: s.resource_kind,
        }
    }
}

/// A bookable time.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FreeSlot {
    /// When the service starts.
    pub start: i64,
    /// When it ends.
    pub end: i64,
    /// Who would give it.
    pub advisor_id: String,
    /// The cabin or chair it would use.
    pub resource_id: Option<String>,
}

impl From<appointments::Slot> for FreeSlot {
    fn from(s: appointments::Slot) -> Self {
        Self {
            start: s.time.start,
            end: s.time.end,
            advisor_id: s.advisor_id,
            resource_id: s.resource_id,
        }
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BookingStatus {
    /// Made here; the server has not confirmed it yet.
    Provisional,
    /// Confirmed by the server.
    Confirmed,
    /// She came and was served.
    Done,
    /// She did not come.
    NoShow,
    /// Cancelled.
    Cancelled,
    /// Refused by the server: see the refusal and the slots offered.
    Refused,
}

impl From<appointments::BookingStatus> for BookingStatus {
    fn from(s: appointments::BookingStatus) -> Self {
        use appointments::BookingStatus as S;
        match s {
            S::Provisional => Self::Provisional,
            S::Confirmed => Self::Confirmed,
            S::Done => Self::Done,
            S::NoShow => Self::NoShow,
            S::Cancelled => Self::Cancelled,
            S::Refused => Self::Refused,
        }
    }
}

/// Why a booking or a time is refused, for the app to word in the advisor's language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AppointmentRefusal {
    /// No such service in this store.
    UnknownService,
    /// No such advisor in this store.
    UnknownAdvisor,
    /// No such cabin or chair.
    UnknownResource,
    /// The store's time zone is unknown.
    UnknownTimeZone,
    /// The store's or an advisor's hours cannot be read.
    UnreadableHours,
    /// A time without its zone.
    TimeWithoutZone,
    /// Not a time.
    UnreadableTime,
    /// The clocks skip that local time.
    LocalTimeSkipped,
    /// The clocks show that local time twice: the two instants.
    LocalTimeTwice {
        /// Summer time's.
        earlier: i64,
        /// Winter time's.
        later: i64,
    },
    /// The service is longer than the store's longest opening.
    LongerThanTheStoreDay {
        /// The service's length.
        duration_min: u32,
        /// The longest opening.
        longest_min: u32,
    },
    /// The advisor lacks the specialty.
    AdvisorLacksSpecialty {
        /// The specialty.
        specialty: String,
    },
    /// That time has passed.
    InThePast,
    /// Sooner than the service's notice allows.
    TooShortNotice {
        /// The earliest start allowed.
        earliest: i64,
    },
    /// The store is shut that day (`YYYY-MM-DD`).
    ClosedDay {
        /// The day.
        day: String,
    },
    /// Outside the store's opening hours.
    OutsideOpeningHours,
    /// The advisor does not work then.
    AdvisorNotWorking,
    /// The advisor is booked then.
    AdvisorBusy,
    /// The customer is booked then.
    CustomerBusy,
    /// No resource of the kind is free then.
    ResourceBusy {
        /// The kind.
        kind: String,
    },
    /// Not started yet: neither done nor missed.
    NotStartedYet,
    /// Cancelled, done or missed already.
    AlreadyClosed,
    /// The server has not confirmed it yet.
    NotConfirmedYet,
}

impl From<appointments::Refusal> for AppointmentRefusal {
    fn from(r: appointments::Refusal) -> Self {
        use appointments::Refusal as R;
        match r {
            R::UnknownService => Self::UnknownService,
            R::UnknownAdvisor => Self::UnknownAdvisor,
            R::UnknownResource => Self::UnknownResource,
            R::UnknownTimeZone { .. } => Self::UnknownTimeZone,
            R::UnreadableHours => Self::UnreadableHours,
            R::TimeWithoutZone => Self::TimeWithoutZone,
            R::UnreadableTime => Self::UnreadableTime,
            R::LocalTimeSkipped => Self::LocalTimeSkipped,
            R::LocalTimeTwice { earlier, later } => Self::LocalTimeTwice { earlier, later },
            R::LongerThanTheStoreDay {
                duration_min,
                longest_min,
            } => Self::LongerThanTheStoreDay {
                duration_min,
                longest_min,
            },
            R::AdvisorLacksSpecialty { specialty } => Self::AdvisorLacksSpecialty { specialty },
            R::InThePast => Self::InThePast,
            R::TooShortNotice { earliest } => Self::TooShortNotice { earliest },
            R::ClosedDay { day } => Self::ClosedDay {
                day: day.to_string(),
            },
            R::OutsideOpeningHours => Self::OutsideOpeningHours,
            R::AdvisorNotWorking => Self::AdvisorNotWorking,
            R::AdvisorBusy => Self::AdvisorBusy,
            R::CustomerBusy => Self::CustomerBusy,
            R::ResourceBusy { kind } => Self::ResourceBusy { kind },
            R::NotStartedYet => Self::NotStartedYet,
            R::AlreadyClosed => Self::AlreadyClosed,
            R::NotConfirmedYet => Self::NotConfirmedYet,
        }
    }
}

/// A booking as the day list, the card and the timeline show it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Appointment {
    /// Its id.
    pub id: String,
    /// For whom.
    pub customer_id: String,
    /// The service.
    pub service_id: String,
    /// Who gives it.
    pub advisor_id: String,
    /// The cabin or chair.
    pub resource_id: Option<String>,
    /// When it starts.
    pub start: i64,
    /// When it ends.
    pub end: i64,
    /// Where it stands.
    pub status: BookingStatus,
    /// Whether edits made here wait for the server.
    pub pending: bool,
    /// Why the server refused the last edit made here, if it did.
    pub refusal: Option<AppointmentRefusal>,
    /// The free slots the server offered instead, nearest first in time order.
    pub offered: Vec<FreeSlot>,
}

impl From<bookings::Appointment> for Appointment {
    fn from(a: bookings::Appointment) -> Self {
        let (refusal, offered) = match a.refused {
            Some(r) => (
                Some(r.refusal.into()),
                r.nearest.into_iter().map(FreeSlot::from).collect(),
            ),
            None => (None, Vec::new()),
        };
        Self {
            id: a.id,
            customer_id: a.customer_id,
            service_id: a.service_id,
            advisor_id: a.advisor_id,
            resource_id: a.resource_id,
            start: a.time.start,
            end: a.time.end,
            status: a.status.into(),
            pending: a.pending,
            refusal,
            offered,
        }
    }
}

/// How a booking that took place ends.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum Closing {
    /// She came and was served.
    Done,
    /// She did not come.
    NoShow,
}

impl From<Closing> for bookings::Closing {
    fn from(c: Closing) -> Self {
        match c {
            Closing::Done => Self::Done,
            Closing::NoShow => Self::NoShow,
        }
    }
}
