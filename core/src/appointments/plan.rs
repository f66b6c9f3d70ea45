//! A store's appointment plan: the feed's records (store hours, services, resources, advisors'
//! hours) kept in the cache as sent, and read into an [`Agenda`]. Hours are checked when read:
//! a range that ends before it starts, or is not `HH:MM`, is refused with
//! [`Refusal::UnreadableHours`].

use carnet_fixtures::format;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Refusal;
use super::agenda::{AdvisorHours, Agenda, Booking, Hours, StoreHours, WeeklyHours};
use super::clock::{DAY_MINUTES, Edge, StoreClock};
use super::spans::Span;
use crate::error::{Error, Result};
use crate::store::Cache;
use crate::time::parse_day;

/// Minutes after midnight of an `HH:MM` time (`24:00` is midnight after).
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && total <= DAY_MINUTES).then_some(total)
}

/// A week of `HH:MM` ranges.
pub fn week(week: &format::Week) -> Result<WeeklyHours, Refusal> {
    let mut out = WeeklyHours::default();
    for (day, ranges) in out.0.iter_mut().zip(week) {
        for r in ranges {
            let (Some(from), Some(to)) = (minutes(&r.from), minutes(&r.to)) else {
                return Err(Refusal::UnreadableHours);
            };
            if from >= to {
                return Err(Refusal::UnreadableHours);
            }
            day.push(Hours { from, to });
        }
    }
    Ok(out)
}

fn day(text: &str) -> Result<NaiveDate, Refusal> {
    parse_day(text).ok_or(Refusal::UnreadableTime)
}

impl StoreHours {
    /// A store's calendar from its time zone and its `store_hours` record.
    pub fn from_format(timezone: &str, hours: &format::StoreHours) -> Result<Self, Refusal> {
        Ok(StoreHours {
            clock: StoreClock::new(timezone)?,
            opening: week(&hours.week)?,
            closed: hours
                .closed_days
                .iter()
                .map(|d| day(d))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl AdvisorHours {
    /// An advisor's side of the agenda; her leave runs from the start of its first local day
    /// to the end of its last.
    pub fn from_format(clock: &StoreClock, hours: &format::AdvisorHours) -> Result<Self, Refusal> {
        let time_off = hours
            .time_off
            .iter()
            .map(|r| {
                let (from, to) = (day(&r.from)?, day(&r.to)?);
                Ok(Span::new(
                    clock.edge(from, 0, Edge::Start),
                    clock.edge(to, DAY_MINUTES, Edge::End),
                ))
            })
            .collect::<Result<_, Refusal>>()?;
        Ok(AdvisorHours {
            id: hours.advisor_id.clone(),
            hours: week(&hours.week)?,
            specialties: hours.specialties.clone(),
            time_off,
        })
    }
}

/// Keeps a store's hours as the feed sent them.
pub(crate) fn put_store_hours(tx: &Transaction<'_>, r: &format::StoreHours) -> Result<()> {
    put(tx, "store_hours", &r.store_id, &r.store_id, r)
}

/// Keeps a service.
pub(crate) fn put_service(tx: &Transaction<'_>, r: &format::Service) -> Result<()> {
    put(tx, "service", &r.id, &r.store_id, r)
}

/// Keeps a resource.
pub(crate) fn put_resource(tx: &Transaction<'_>, r: &format::Resource) -> Result<()> {
    put(tx, "resource", &r.id, &r.store_id, r)
}

/// Keeps an advisor's hours.
pub(crate) fn put_advisor_hours(tx: &Transaction<'_>, r: &format::AdvisorHours) -> Result<()> {
    put(tx, "advisor_hours", &r.advisor_id, &r.store_id, r)
}

fn put<T: Serialize>(
    tx: &Transaction<'_>,
    entity: &str,
    id: &str,
    store_id: &str,
    record: &T,
) -> Result<()> {
    let json = serde_json::to_string(record).map_err(|_| Error::Corrupt)?;
    tx.prepare_cached(
        "INSERT INTO appointment_plan (entity, id, store_id, record) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (entity, id) DO UPDATE SET store_id = ?3, record = ?4",
    )?
    .execute([entity, id, store_id, &json])?;
    Ok(())
}

/// A store's appointment plan as the feed carries it: what [`Plan::agenda`] reads, on the
/// handheld (from its cache) and on the server (from the store's feed) alike.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The store's IANA time zone.
    pub timezone: String,
    /// Its opening hours and closed days.
    pub hours: format::StoreHours,
    /// The services it books.
    pub services: Vec<format::Service>,
    /// Its cabins and chairs.
    pub resources: Vec<format::Resource>,
    /// Its advisors' weeks.
    pub advisors: Vec<format::AdvisorHours>,
}

impl Plan {
    /// The store's agenda with `bookings`; hours it cannot read are refused.
    pub fn agenda(self, bookings: &[Booking]) -> Result<Agenda, Refusal> {
        let store = StoreHours::from_format(&self.timezone, &self.hours)?;
        let clock = store.clock;
        let advisors = self
            .advisors
            .iter()
            .map(|a| AdvisorHours::from_format(&clock, a))
            .collect::<Result<_, Refusal>>()?;
        Agenda::new(store, self.services, self.resources, advisors, bookings)
    }
}

/// A store's time zone, as the cache keeps it.
fn timezone(c: &rusqlite::Connection, store_id: &str) -> Result<String> {
    c.prepare_cached("SELECT timezone FROM store WHERE id = ?1")?
        .query_row([store_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound)
}

/// A store's clock.
pub(crate) fn clock(c: &rusqlite::Connection, store_id: &str) -> Result<StoreClock> {
    Ok(StoreClock::new(&timezone(c, store_id)?)?)
}

/// A store's plan as the cache keeps it. A store whose plan has not arrived has no hours:
/// `NotFound`.
pub(crate) fn read_plan(c: &rusqlite::Connection, store_id: &str) -> Result<Plan> {
    let timezone = timezone(c, store_id)?;
    let mut hours = None;
    let (mut services, mut resources, mut advisors) = (Vec::new(), Vec::new(), Vec::new());
    let mut stmt = c.prepare_cached(
        "SELECT entity, record FROM appointment_plan WHERE store_id = ?1 ORDER BY entity, id",
    )?;
    let mut rows = stmt.query([store_id])?;
    while let Some(row) = rows.next()? {
        let (entity, record): (String, String) = (row.get(0)?, row.get(1)?);
        match entity.as_str() {
            "store_hours" => hours = Some(parsed(&record)?),
            "service" => services.push(parsed(&record)?),
            "resource" => resources.push(parsed(&record)?),
            "advisor_hours" => advisors.push(parsed(&record)?),
            _ => return Err(Error::Corrupt),
        }
    }
    Ok(Plan {
        timezone,
        hours: hours.ok_or(Error::NotFound)?,
        services,
        resources,
        advisors,
    })
}

/// A store's agenda from its plan in the cache and `bookings`. A store whose plan has not
/// arrived has no hours: `NotFound`.
pub fn agenda(cache: &Cache, store_id: &str, bookings: &[Booking]) -> Result<Agenda> {
    let plan = cache.read(|c| read_plan(c, store_id))?;
    Ok(plan.agenda(bookings)?)
}

/// A service of the plan, as the cache keeps it.
pub(crate) fn service(c: &rusqlite::Connection, service_id: &str) -> Result<format::Service> {
    let record: String = c
        .prepare_cached("SELECT record FROM appointment_plan WHERE entity = 'service' AND id = ?1")?
        .query_row([service_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::Appointment(Refusal::UnknownService))?;
    parsed(&record)
}

fn parsed<T: DeserializeOwned>(record: &str) -> Result<T> {
    serde_json::from_str(record).map_err(|_| Error::Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(from: &str, to: &str) -> format::HoursRange {
        format::HoursRange {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn hours_are_read_or_refused() {
        let mut w: format::Week = Default::default();
        w[0] = vec![range("10:00", "13:00"), range("14:00", "24:00")];
        let read = week(&w).unwrap();
        assert_eq!(
            read.0[0],
            [
                Hours { from: 600, to: 780 },
                Hours {
                    from: 840,
                    to: 1440
                }
            ]
        );
        assert!(read.0[1..].iter().all(Vec::is_empty));
        for (from, to) in [
            ("19:00", "10:00"),
            ("10:00", "10:00"),
            ("9:00", "12:00"),
            ("10:00", "24:30"),
            ("10:60", "12:00"),
            ("ten", "12:00"),
        ] {
            w[0] = vec![range(from, to)];
            assert_eq!(week(&w), Err(Refusal::UnreadableHours), "{from}–{to}");
        }
    }

    #[test]
    fn leave_covers_whole_local_days() {
        let clock = StoreClock::new("Europe/Paris").unwrap();
        let a = AdvisorHours::from_format(
            &clock,
            &format::AdvisorHours {
                advisor_id: "A1".into(),
                store_id: "S001".into(),
                week: Default::default(),
                specialties: vec!["makeup".into()],
                time_off: vec![format::DayRange {
                    from: "2026-12-01".into(),
                    to: "2026-12-02".into(),
                }],
            },
        )
        .unwrap();
        let at = |t| crate::time::parse_instant(t).unwrap();
        assert_eq!(
            a.time_off,
            [Span::new(
                at("2026-12-01T00:00:00+01:00"),
                at("2026-12-03T00:00:00+01:00")
            )]
        );
    }
}
