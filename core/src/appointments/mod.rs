//! Appointments: a make-up session or a skin diagnosis booked at the counter. [`Agenda`]
//! holds a store's services, resources, hours and bookings; [`Agenda::free_slots`] finds when
//! a service can be given and [`Agenda::check`] whether a booking may be made. Times are UTC
//! instants; hours are written in the store's local time and read through its
//! [`StoreClock`], so the days when clocks change have the hours they really have. The store's
//! plan (hours, services, resources, advisors' hours) comes through the feed and is kept in
//! the cache ([`plan`]). Bookings made on the handheld are provisional until the server
//! confirms them ([`bookings`]); the customer is reminded of hers and can add it to her
//! calendar ([`reminder`]).

mod agenda;
pub mod bookings;
mod clock;
pub mod plan;
pub mod reminder;
mod slots;
mod spans;

pub use agenda::{
    AdvisorHours, Agenda, Booking, BookingStatus, Hours, Resource, Service, ServiceNames,
    StoreHours, WeeklyHours, service_name,
};
pub use bookings::{Appointment, Closing, NewBooking, Refused};
pub use clock::{DAY_MINUTES, StoreClock, parse_start};
pub use plan::Plan;
pub use slots::{BookingRequest, GRID_SECS, Placement, Slot, SlotQuery};
pub use spans::Span;

/// Why a booking, a time or an agenda is refused (kept with the core's errors).
pub use crate::error::AppointmentRefusal as Refusal;
