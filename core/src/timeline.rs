//! Her card's timeline: what happened with her, the latest first. Her contacts (calls, e-mails,
//! SMS) and her bookings, each at its own time: a contact when it was made, a booking when it
//! starts (so one still to come leads the list).

use crate::appointments::bookings::{self, Appointment};
use crate::error::Result;
use crate::outreach::{self, Contact};
use crate::store::Cache;

/// One event of her timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A call, an e-mail or an SMS.
    Contact(Contact),
    /// A booking, whatever its state.
    Appointment(Appointment),
}

impl Event {
    /// When it happened (Unix seconds); a contact whose time cannot be read sorts last.
    pub fn at(&self) -> i64 {
        match self {
            Event::Contact(c) => crate::time::parse_instant(&c.at).unwrap_or(i64::MIN),
            Event::Appointment(a) => a.time.start,
        }
    }
}

/// Her timeline, the latest first.
pub fn of_customer(cache: &Cache, customer_id: &str) -> Result<Vec<Event>> {
    let mut events: Vec<Event> = outreach::timeline(cache, customer_id)?
        .into_iter()
        .map(Event::Contact)
        .chain(
            bookings::of_customer(cache, customer_id)?
                .into_iter()
                .map(Event::Appointment),
        )
        .collect();
    // Stable: contacts at one second keep their order.
    events.sort_by_key(|e| std::cmp::Reverse(e.at()));
    Ok(events)
}
