//! What the customer receives about her booking: a reminder the day before and one two hours
//! before, written in her language with the time in the store's zone, and the booking as a
//! calendar event (RFC 5545 `.ics`) she can add to her calendar. The server sends the
//! reminders; the handheld can hand her the event at the counter.

use carnet_protocol::MessageText;
use chrono::{DateTime, Locale, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};

use super::Refusal;
use super::clock::StoreClock;

/// One of the reminders sent before a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    /// 24 hours before.
    DayBefore,
    /// 2 hours before.
    HoursBefore,
}

impl ReminderKind {
    /// Both, the earlier first.
    pub const ALL: [ReminderKind; 2] = [ReminderKind::DayBefore, ReminderKind::HoursBefore];

    /// How long before the start it is sent, in seconds.
    pub fn lead_secs(self) -> i64 {
        match self {
            ReminderKind::DayBefore => 24 * 3600,
            ReminderKind::HoursBefore => 2 * 3600,
        }
    }

    /// Its name in stored data (`24h`, `2h`).
    pub fn name(self) -> &'static str {
        match self {
            ReminderKind::DayBefore => "24h",
            ReminderKind::HoursBefore => "2h",
        }
    }
}

/// The reminders to send for a booking starting at `start` (Unix seconds), each with when it
/// is due, decided at `now`: a reminder whose time has already passed is not sent (a booking
/// made this morning for this afternoon gets only the one two hours before).
pub fn due(start: i64, now: i64) -> Vec<(ReminderKind, i64)> {
    ReminderKind::ALL
        .into_iter()
        .map(|kind| (kind, start - kind.lead_secs()))
        .filter(|&(_, at)| at > now)
        .collect()
}

/// A booking as the customer is told of it.
#[derive(Debug, Clone, Copy)]
pub struct Invitation<'a> {
    /// The booking's id (the calendar event's, so a moved booking replaces it).
    pub booking_id: &'a str,
    /// The service's name in her language.
    pub service: &'a str,
    /// The store's name.
    pub store: &'a str,
    /// Its city.
    pub city: &'a str,
    /// When it starts and ends (Unix seconds).
    pub start: i64,
    /// When it ends.
    pub end: i64,
    /// The store's IANA zone: the time she is told is the store's.
    pub timezone: &'a str,
    /// Her language (ISO 639-1); French, Italian, else English.
    pub language: &'a str,
}

/// The languages a reminder is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    En,
    Fr,
    It,
}

impl Language {
    fn of(code: &str) -> Language {
        match code {
            "fr" => Language::Fr,
            "it" => Language::It,
            _ => Language::En,
        }
    }

    fn locale(self) -> Locale {
        match self {
            Language::En => Locale::en_GB,
            Language::Fr => Locale::fr_FR,
            Language::It => Locale::it_IT,
        }
    }
}

impl Invitation<'_> {
    /// "Saturday 5 December at 14:30" in her language, at the store's time.
    pub fn when(&self) -> Result<String, Refusal> {
        let clock = StoreClock::new(self.timezone)?;
        let local = DateTime::<Utc>::from_timestamp(self.start, 0)
            .ok_or(Refusal::UnreadableTime)?
            .with_timezone(&clock.tz());
        let language = Language::of(self.language);
        let pattern = match language {
            Language::En => "%A %-d %B at %H:%M",
            Language::Fr => "%A %-d %B à %H:%M",
            Language::It => "%A %-d %B alle %H:%M",
        };
        Ok(local
            .format_localized(pattern, language.locale())
            .to_string())
    }

    /// The reminder of `kind`, in her language.
    pub fn reminder(&self, kind: ReminderKind) -> Result<MessageText, Refusal> {
        let when = self.when()?;
        let (service, store, city) = (self.service, self.store, self.city);
        let (subject, body) = match (Language::of(self.language), kind) {
            (Language::En, ReminderKind::DayBefore) => (
                format!("Your {service} tomorrow"),
                format!(
                    "Hello,\n\nWe look forward to seeing you at {store}, {city}, on {when} for \
                     your {service}.\n\nTo move or cancel it, please call the store."
                ),
            ),
            (Language::En, ReminderKind::HoursBefore) => (
                format!("Your {service} today"),
                format!(
                    "Hello,\n\nA reminder of your {service} at {store}, {city}, on {when}.\n\n\
                     See you soon."
                ),
            ),
            (Language::Fr, ReminderKind::DayBefore) => (
                format!("Votre rendez-vous de demain : {service}"),
                format!(
                    "Bonjour,\n\nNous vous attendons à {store}, {city}, le {when} pour votre \
                     rendez-vous : {service}.\n\nPour le déplacer ou l'annuler, appelez la \
                     boutique."
                ),
            ),
            (Language::Fr, ReminderKind::HoursBefore) => (
                format!("Votre rendez-vous d'aujourd'hui : {service}"),
                format!(
                    "Bonjour,\n\nNous vous rappelons votre rendez-vous à {store}, {city}, le \
                     {when} : {service}.\n\nÀ tout à l'heure."
                ),
            ),
            (Language::It, ReminderKind::DayBefore) => (
                format!("Il suo appuntamento di domani: {service}"),
                format!(
                    "Buongiorno,\n\nLa aspettiamo da {store}, {city}, {when} per il suo \
                     appuntamento: {service}.\n\nPer spostarlo o annullarlo, chiami il negozio."
                ),
            ),
            (Language::It, ReminderKind::HoursBefore) => (
                format!("Il suo appuntamento di oggi: {service}"),
                format!(
                    "Buongiorno,\n\nLe ricordiamo il suo appuntamento da {store}, {city}, \
                     {when}: {service}.\n\nA presto."
                ),
            ),
        };
        Ok(MessageText {
            subject: Some(subject),
            body,
        })
    }

    /// The booking as an iCalendar file (RFC 5545): one confirmed event, its times in UTC (so
    /// it needs no time zone definition; her calendar shows them in her own zone), its UID
    /// the booking's, stamped at `stamp` (Unix seconds).
    pub fn calendar(&self, stamp: i64) -> Result<String, Refusal> {
        let at = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).ok_or(Refusal::UnreadableTime);
        let event = icalendar::Event::new()
            .uid(&format!("{}@carnet", self.booking_id))
            .summary(&format!("{} — {}", self.service, self.store))
            .location(&format!("{}, {}", self.store, self.city))
            .starts(at(self.start)?)
            .ends(at(self.end)?)
            .timestamp(at(stamp)?)
            .status(EventStatus::Confirmed)
            .done();
        // PUBLISH: an event to add, not an invitation to answer (RFC 5546).
        let calendar = Calendar::new()
            .append_property(Property::new("METHOD", "PUBLISH"))
            .name(self.store)
            .push(event)
            .done();
        Ok(calendar.to_string())
    }
}
