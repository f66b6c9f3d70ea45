//! The appointments tab of a customer: her bookings (the latest first) and booking one at the
//! counter: `b`, a service, then one of its free slots in the next two weeks. The core checks
//! the booking, keeps it provisional until the server confirms it, and says why when it
//! refuses; times are shown in the store's zone.

use carnet_ffi::{Appointment, BookableService, BookingStatus, FreeSlot, Handheld};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::words;

/// How many days ahead free slots are searched.
const SEARCH_DAYS: u32 = 14;

/// Where the tab is.
pub enum Step {
    /// Her bookings listed.
    List,
    /// Choosing the service to book.
    Service,
    /// Choosing one of the free slots of `services[service]`.
    Slot {
        service: usize,
        slots: Vec<FreeSlot>,
    },
}

/// What a key did.
pub enum KeyOutcome {
    /// Not the tab's: the customer screen handles it (moving, changing tab).
    NotMine,
    /// Handled.
    Done,
    /// Handled, with what to tell the advisor.
    Said(String),
}

/// The tab's state.
pub struct Bookings {
    pub appointments: Vec<Appointment>,
    services: Vec<BookableService>,
    zone: Option<Tz>,
    pub step: Step,
}

impl Bookings {
    /// Her bookings and the store's services, as the cache has them.
    pub fn load(handheld: &Handheld, customer_id: &str) -> Bookings {
        Bookings {
            appointments: handheld
                .customer_appointments(customer_id.to_owned())
                .unwrap_or_default(),
            services: handheld.services().unwrap_or_default(),
            zone: handheld.store_time_zone().ok().and_then(|z| z.parse().ok()),
            step: Step::List,
        }
    }

    /// Handles `key`; `selected` is the screen's selected row.
    pub fn on_key(
        &mut self,
        handheld: &Handheld,
        customer_id: &str,
        key: KeyEvent,
        selected: &mut usize,
    ) -> KeyOutcome {
        match (&self.step, key.code) {
            (Step::List, KeyCode::Char('b')) => {
                if self.services.is_empty() {
                    return KeyOutcome::Said("the store books no service".into());
                }
                self.step = Step::Service;
                *selected = 0;
                KeyOutcome::Done
            }
            (Step::List, KeyCode::Char('x')) => {
                let Some(booking) = self.appointments.get(*selected) else {
                    return KeyOutcome::Done;
                };
                let said = match handheld.cancel_appointment(booking.id.clone()) {
                    Ok(()) => "cancelled; it will be sent with the next sync".into(),
                    Err(e) => words::error(&e),
                };
                *self = Bookings::load(handheld, customer_id);
                KeyOutcome::Said(said)
            }
            (Step::Service | Step::Slot { .. }, KeyCode::Esc) => {
                self.step = Step::List;
                *selected = 0;
                KeyOutcome::Done
            }
            (Step::Service, KeyCode::Enter) => {
                let Some(service) = self.services.get(*selected) else {
                    return KeyOutcome::Done;
                };
                let found = handheld.free_slots(
                    service.id.clone(),
                    None,
                    Some(customer_id.to_owned()),
                    Utc::now().timestamp(),
                    SEARCH_DAYS,
                );
                match found {
                    Ok(slots) if slots.is_empty() => {
                        KeyOutcome::Said(format!("no free slot in the next {SEARCH_DAYS} days"))
                    }
                    Ok(slots) => {
                        self.step = Step::Slot {
                            service: *selected,
                            slots,
                        };
                        *selected = 0;
                        KeyOutcome::Done
                    }
                    Err(e) => KeyOutcome::Said(words::error(&e)),
                }
            }
            (Step::Slot { service, slots }, KeyCode::Enter) => {
                let (Some(service), Some(slot)) =
                    (self.services.get(*service), slots.get(*selected))
                else {
                    return KeyOutcome::Done;
                };
                let booked =
                    handheld.book(customer_id.to_owned(), service.id.clone(), slot.clone());
                let said = match booked {
                    Ok(_) => "booked: provisional until the server confirms it".into(),
                    Err(e) => words::error(&e),
                };
                *self = Bookings::load(handheld, customer_id);
                *selected = 0;
                KeyOutcome::Said(said)
            }
            _ => KeyOutcome::NotMine,
        }
    }

    /// What the keys do, above the rows.
    pub fn header(&self) -> String {
        match &self.step {
            Step::List => format!(
                "{} bookings · b book a service · x cancel the selected one",
                self.appointments.len()
            ),
            Step::Service => "Which service? Enter chooses, Esc goes back".into(),
            Step::Slot { service, .. } => format!(
                "{}: which time? Enter books, Esc goes back",
                self.services
                    .get(*service)
                    .map_or("", |s| s.name_en.as_str())
            ),
        }
    }

    /// The selectable rows of the step.
    pub fn rows(&self) -> Vec<String> {
        match &self.step {
            Step::List => self.appointments.iter().map(|a| self.line(a)).collect(),
            Step::Service => self
                .services
                .iter()
                .map(|s| format!("{} · {} min", s.name_en, s.duration_min))
                .collect(),
            Step::Slot { slots, .. } => slots
                .iter()
                .map(|s| format!("{} · with {}", self.when(s.start), s.advisor_id))
                .collect(),
        }
    }

    fn line(&self, a: &Appointment) -> String {
        let service = self
            .services
            .iter()
            .find(|s| s.id == a.service_id)
            .map_or(a.service_id.as_str(), |s| s.name_en.as_str());
        let mut line = format!(
            "{} · {service} · with {} · {}",
            self.when(a.start),
            a.advisor_id,
            status(a.status)
        );
        if a.pending && a.status != BookingStatus::Provisional {
            line.push_str(" (change waiting for the server)");
        }
        if let Some(refusal) = &a.refusal {
            line.push_str(&format!(
                " — refused: {}",
                words::appointment_refusal(refusal)
            ));
            let offered: Vec<String> = a.offered.iter().map(|s| self.when(s.start)).collect();
            if !offered.is_empty() {
                line.push_str(&format!("; free instead: {}", offered.join(", ")));
            }
        }
        line
    }

    /// A time in the store's zone (UTC until the zone is known).
    fn when(&self, seconds: i64) -> String {
        let Some(t) = DateTime::<Utc>::from_timestamp(seconds, 0) else {
            return seconds.to_string();
        };
        let f = crate::catalog::formatting();
        match self.zone {
            Some(zone) => f.day_and_time(t.with_timezone(&zone).naive_local()),
            None => format!("{} UTC", f.day_and_time(t.naive_utc())),
        }
    }
}

/// Where a booking stands, in words.
pub fn status(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::Provisional => "waiting for the server",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::Done => "she came",
        BookingStatus::NoShow => "she did not come",
        BookingStatus::Cancelled => "cancelled",
        BookingStatus::Refused => "refused",
    }
}
