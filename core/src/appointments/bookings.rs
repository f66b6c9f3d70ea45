//! The bookings a handheld keeps. An advisor's booking (made through `crate::appointment_edits`)
//! is kept at once as provisional and queued for the server ([`MutationKind::Appointment`]);
//! the server's record confirms it. When the server refuses it (another device booked the time
//! first), the booking shows the typed reason and the nearest free slots the server offered,
//! and an edit of a confirmed booking returns to the server's copy.

use carnet_protocol::{AppointmentRecord, AppointmentStatus, BookingAction, MutationKind, Outcome};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use super::Refusal;
use super::agenda::{Agenda, Booking, BookingStatus, service_name};
use super::clock::{DAY_MINUTES, Edge, parse_start};
use super::plan;
use super::reminder::Invitation;
use super::slots::Slot;
use super::spans::Span;
use crate::error::{Error, Result};
use crate::store::Cache;

/// How many free slots a refusal offers.
pub const NEAREST_COUNT: usize = 3;

/// Why the server refused a booking, and the free slots nearest the time asked for: the
/// `detail` of a [`carnet_protocol::reject::BOOKING_REFUSED`] rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The rule it broke.
    pub refusal: Refusal,
    /// Where it could go instead, in time order.
    pub nearest: Vec<Slot>,
}

/// A booking as the advisor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Its id.
    pub id: String,
    /// The store.
    pub store_id: String,
    /// For whom.
    pub customer_id: String,
    /// The service.
    pub service_id: String,
    /// Who gives it.
    pub advisor_id: String,
    /// The cabin or chair.
    pub resource_id: Option<String>,
    /// The service's time.
    pub time: Span,
    /// The buffer after it, in minutes.
    pub buffer_min: u32,
    /// Where it stands.
    pub status: BookingStatus,
    /// Who booked it.
    pub booked_by: Option<String>,
    /// Whether edits made here wait for the server.
    pub pending: bool,
    /// Why the server refused the last edit made here, if it did.
    pub refused: Option<Refused>,
}

/// A booking to make.
#[derive(Debug, Clone, Copy)]
pub struct NewBooking<'a> {
    /// For whom.
    pub customer_id: &'a str,
    /// The service.
    pub service_id: &'a str,
    /// Who gives it.
    pub advisor_id: &'a str,
    /// A cabin or chair chosen by hand, else the first free one.
    pub resource_id: Option<&'a str>,
    /// When it starts.
    pub start: i64,
}

/// How a booking that took place ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// She came and was served.
    Done,
    /// She did not come.
    NoShow,
}

/// Whether a booking may be marked done or missed at `now`: not cancelled, and begun.
pub fn check_closing(current: &Appointment, now: i64) -> Result<(), Refusal> {
    if matches!(
        current.status,
        BookingStatus::Cancelled | BookingStatus::Refused
    ) {
        return Err(Refusal::AlreadyClosed);
    }
    if now < current.time.start {
        return Err(Refusal::NotStartedYet);
    }
    Ok(())
}

/// An instant as the wire writes it (RFC 3339, UTC).
pub fn wire_time(instant: i64) -> String {
    DateTime::<Utc>::from_timestamp(instant, 0)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The store's agenda with every booking the device knows that holds time (its own
/// unconfirmed ones included), leaving out `without` (a booking being moved).
pub fn store_agenda(cache: &Cache, store_id: &str, without: Option<&str>) -> Result<Agenda> {
    let (plan, bookings) = cache.read(|c| {
        let plan = plan::read_plan(c, store_id)?;
        let bookings: Vec<Booking> = select(
            c,
            "WHERE store_id = ?1 AND status IN ('provisional', 'confirmed')",
            [store_id],
        )?
        .into_iter()
        .filter(|a| Some(a.id.as_str()) != without)
        .map(|a| a.booking())
        .collect();
        Ok((plan, bookings))
    })?;
    Ok(plan.agenda(&bookings)?)
}

/// A store's services, in plan order.
pub fn services(cache: &Cache, store_id: &str) -> Result<Vec<super::Service>> {
    Ok(cache.read(|c| plan::read_plan(c, store_id))?.services)
}

/// A store's IANA time zone.
pub fn time_zone(cache: &Cache, store_id: &str) -> Result<String> {
    cache.read(|c| Ok(plan::clock(c, store_id)?.zone().to_owned()))
}

/// A confirmed booking as a calendar event she can add to her calendar (RFC 5545 `.ics`),
/// in her language, stamped at `now` (Unix seconds). A booking the server has not confirmed,
/// or that is closed, is refused: it may never take place.
pub fn calendar(cache: &Cache, booking_id: &str, now: i64) -> Result<String> {
    cache.read(|c| {
        let a = select(c, "WHERE id = ?1", [booking_id])?
            .pop()
            .ok_or(Error::NotFound)?;
        match a.status {
            BookingStatus::Confirmed if !a.pending => {}
            BookingStatus::Confirmed | BookingStatus::Provisional => {
                return Err(Error::Appointment(Refusal::NotConfirmedYet));
            }
            _ => return Err(Error::Appointment(Refusal::AlreadyClosed)),
        }
        let service = plan::service(c, &a.service_id)?;
        let (store, city, timezone): (String, String, String) = c
            .prepare_cached("SELECT name, city, timezone FROM store WHERE id = ?1")?
            .query_row([&a.store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or(Error::NotFound)?;
        let language: String = c
            .prepare_cached("SELECT language FROM customer WHERE id = ?1")?
            .query_row([&a.customer_id], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        let invitation = Invitation {
            booking_id: &a.id,
            service: service_name(&service, &language),
            store: &store,
            city: &city,
            start: a.time.start,
            end: a.time.end,
            timezone: &timezone,
            language: &language,
        };
        Ok(invitation.calendar(now)?)
    })
}

/// A booking by id.
pub fn get(cache: &Cache, booking_id: &str) -> Result<Appointment> {
    cache
        .read(|c| select(c, "WHERE id = ?1", [booking_id]))?
        .pop()
        .ok_or(Error::NotFound)
}

/// A store's bookings on a local day, in time order (cancelled and refused ones included,
/// for the advisor to see what changed).
pub fn day(cache: &Cache, store_id: &str, day: NaiveDate) -> Result<Vec<Appointment>> {
    cache.read(|c| {
        let clock = plan::clock(c, store_id)?;
        let from = clock.edge(day, 0, Edge::Start);
        let to = clock.edge(day, DAY_MINUTES, Edge::End);
        select(
            c,
            "WHERE store_id = ?1 AND start_at >= ?2 AND start_at < ?3",
            params![store_id, from, to],
        )
    })
}

/// A customer's bookings, most recent first.
pub fn of_customer(cache: &Cache, customer_id: &str) -> Result<Vec<Appointment>> {
    let mut out = cache.read(|c| select(c, "WHERE customer_id = ?1", [customer_id]))?;
    out.reverse();
    Ok(out)
}

const COLUMNS: &str = "id, store_id, customer_id, service_id, advisor_id, resource_id, start_at,
    end_at, buffer_min, status, booked_by, pending, refused";

fn select(c: &Connection, filter: &str, args: impl rusqlite::Params) -> Result<Vec<Appointment>> {
    let sql = format!("SELECT {COLUMNS} FROM appointment {filter} ORDER BY start_at, id");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, read_row)?;
    rows.map(|r| r?.map_err(|_| Error::Corrupt)).collect()
}

type Read = std::result::Result<Appointment, ()>;

fn read_row(r: &Row<'_>) -> rusqlite::Result<Read> {
    let status: String = r.get(9)?;
    let refused: Option<String> = r.get(12)?;
    let Some(status) = BookingStatus::named(&status) else {
        return Ok(Err(()));
    };
    let refused = match refused {
        Some(json) => match serde_json::from_str(&json) {
            Ok(refused) => Some(refused),
            Err(_) => return Ok(Err(())),
        },
        None => None,
    };
    Ok(Ok(Appointment {
        id: r.get(0)?,
        store_id: r.get(1)?,
        customer_id: r.get(2)?,
        service_id: r.get(3)?,
        advisor_id: r.get(4)?,
        resource_id: r.get(5)?,
        time: Span::new(r.get(6)?, r.get(7)?),
        buffer_min: r.get(8)?,
        status,
        booked_by: r.get(10)?,
        pending: r.get::<_, i64>(11)? > 0,
        refused,
    }))
}

impl Appointment {
    /// The booking as the agenda holds it.
    pub fn booking(&self) -> Booking {
        Booking {
            id: self.id.clone(),
            service_id: self.service_id.clone(),
            advisor_id: self.advisor_id.clone(),
            resource_id: self.resource_id.clone(),
            customer_id: self.customer_id.clone(),
            time: self.time,
            buffer_min: self.buffer_min,
            status: self.status,
        }
    }
}

impl BookingStatus {
    /// Whether it may still be moved or cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, BookingStatus::Provisional | BookingStatus::Confirmed)
    }

    /// Its name in the caches' and the server's tables.
    pub fn name(self) -> &'static str {
        match self {
            BookingStatus::Provisional => "provisional",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Done => "done",
            BookingStatus::NoShow => "no_show",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Refused => "refused",
        }
    }
}

impl BookingStatus {
    /// The status a table's name stands for.
    pub fn named(name: &str) -> Option<BookingStatus> {
        [
            BookingStatus::Provisional,
            BookingStatus::Confirmed,
            BookingStatus::Done,
            BookingStatus::NoShow,
            BookingStatus::Cancelled,
            BookingStatus::Refused,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

impl From<AppointmentStatus> for BookingStatus {
    fn from(s: AppointmentStatus) -> Self {
        match s {
            AppointmentStatus::Confirmed => BookingStatus::Confirmed,
            AppointmentStatus::Done => BookingStatus::Done,
            AppointmentStatus::NoShow => BookingStatus::NoShow,
            AppointmentStatus::Cancelled => BookingStatus::Cancelled,
        }
    }
}

/// Keeps the server's record. While edits made here wait for an answer, the booking keeps
/// showing them and the record is only remembered, to return to if they are refused.
pub(crate) fn write_record(tx: &Transaction<'_>, r: &AppointmentRecord) -> Result<()> {
    let json = serde_json::to_string(r).map_err(|_| Error::Corrupt)?;
    let waiting = tx
        .prepare_cached("UPDATE appointment SET confirmed = ?2 WHERE id = ?1 AND pending > 0")?
        .execute(params![r.id, json])?;
    if waiting > 0 {
        return Ok(());
    }
    show_record(tx, r, &json)
}

/// Shows the server's record `r` (`json`), whatever waits.
fn show_record(tx: &Transaction<'_>, r: &AppointmentRecord, json: &str) -> Result<()> {
    let (start, end) = (record_time(&r.start)?, record_time(&r.end)?);
    tx.prepare_cached(
        "INSERT INTO appointment (id, store_id, customer_id, service_id, advisor_id, resource_id,
             start_at, end_at, buffer_min, status, booked_by, pending, confirmed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12)
         ON CONFLICT (id) DO UPDATE SET store_id = ?2, customer_id = ?3, service_id = ?4,
             advisor_id = ?5, resource_id = ?6, start_at = ?7, end_at = ?8, buffer_min = ?9,
             status = ?10, booked_by = ?11, confirmed = ?12",
    )?
    .execute(params![
        r.id,
        r.store_id,
        r.customer_id,
        r.service_id,
        r.advisor_id,
        r.resource_id,
        start,
        end,
        r.buffer_min,
        BookingStatus::from(r.status).name(),
        r.booked_by,
        json
    ])?;
    Ok(())
}

fn record_time(text: &str) -> Result<i64> {
    parse_start(text).map_err(|_| Error::Corrupt)
}

/// Shows an edit made here at once: a new booking as provisional, a move at its new time, a
/// cancellation or closing in its status.
pub(crate) fn apply_local(
    tx: &Transaction<'_>,
    booking_id: &str,
    customer_id: &str,
    action: &BookingAction,
    booked_by: Option<&str>,
) -> Result<()> {
    match action {
        BookingAction::Book {
            service_id,
            advisor_id,
            resource_id,
            start,
        } => {
            let service = plan::service(tx, service_id)?;
            let start = parse_start(start)?;
            let end = start + 60 * i64::from(service.duration_min);
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO appointment (id, store_id, customer_id, service_id, advisor_id,
                         resource_id, start_at, end_at, buffer_min, status, booked_by, pending)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'provisional', ?10, 1)
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    booking_id,
                    service.store_id,
                    customer_id,
                    service_id,
                    advisor_id,
                    resource_id,
                    start,
                    end,
                    service.buffer_min,
                    booked_by
                ])?;
            if inserted == 0 {
                return Err(Error::InvalidInput("this booking id is taken".into()));
            }
        }
        BookingAction::Move {
            advisor_id,
            resource_id,
            start,
        } => {
            let service_id: String = tx
                .prepare_cached("SELECT service_id FROM appointment WHERE id = ?1")?
                .query_row([booking_id], |r| r.get(0))
                .optional()?
                .ok_or(Error::NotFound)?;
            let service = plan::service(tx, &service_id)?;
            let start = parse_start(start)?;
            let end = start + 60 * i64::from(service.duration_min);
            tx.prepare_cached(
                "UPDATE appointment SET advisor_id = ?2, resource_id = ?3, start_at = ?4,
                     end_at = ?5, status = 'provisional', pending = pending + 1, refused = NULL
                 WHERE id = ?1",
            )?
            .execute(params![booking_id, advisor_id, resource_id, start, end])?;
        }
        BookingAction::Cancel | BookingAction::NoShow | BookingAction::Done => {
            let status = match action {
                BookingAction::Cancel => BookingStatus::Cancelled,
                BookingAction::NoShow => BookingStatus::NoShow,
                _ => BookingStatus::Done,
            };
            let changed = tx
                .prepare_cached(
                    "UPDATE appointment SET status = ?2, pending = pending + 1, refused = NULL
                     WHERE id = ?1",
                )?
                .execute(params![booking_id, status.name()])?;
            if changed == 0 {
                return Err(Error::NotFound);
            }
        }
    }
    Ok(())
}

/// The server answered an edit of `booking_id`. A refused one keeps the reason; the booking
/// returns to the server's copy, or shows as refused if the server never confirmed it.
pub(crate) fn answered(tx: &Transaction<'_>, booking_id: &str, outcome: &Outcome) -> Result<()> {
    tx.prepare_cached("UPDATE appointment SET pending = max(pending - 1, 0) WHERE id = ?1")?
        .execute([booking_id])?;
    let Outcome::Rejected { detail, .. } = outcome else {
        return Ok(());
    };
    let confirmed: Option<Option<String>> = tx
        .prepare_cached("SELECT confirmed FROM appointment WHERE id = ?1")?
        .query_row([booking_id], |r| r.get(0))
        .optional()?;
    match confirmed {
        None => return Ok(()),
        Some(None) => {
            tx.prepare_cached("UPDATE appointment SET status = 'refused' WHERE id = ?1")?
                .execute([booking_id])?;
        }
        Some(Some(json)) => {
            let record = serde_json::from_str(&json).map_err(|_| Error::Corrupt)?;
            show_record(tx, &record, &json)?;
        }
    }
    // Another code (an erased customer, an unknown booking) has no typed detail: the outbox
    // entry tells it.
    let refused = detail
        .as_ref()
        .and_then(|d| serde_json::from_value::<Refused>(d.clone()).ok())
        .and_then(|r| serde_json::to_string(&r).ok());
    tx.prepare_cached("UPDATE appointment SET refused = ?2 WHERE id = ?1")?
        .execute(params![booking_id, refused])?;
    Ok(())
}

/// The booking an edit is about, if it is one.
pub(crate) fn booking_of(change: &MutationKind) -> Option<&str> {
    match change {
        MutationKind::Appointment { booking_id, .. } => Some(booking_id),
        _ => None,
    }
}
