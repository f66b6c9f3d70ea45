//! The authority over a store's bookings. A booking pushed by a handheld is checked against
//! the store's agenda (its plan in the feed and the bookings in the `appointment` table) by the
//! core's own rules, inside the writer's transaction: writes are serialised (SQLite's one
//! writer, PostgreSQL's write lock), so of two devices booking the same advisor, resource or
//! customer at overlapping times exactly one wins, and the other is told why with the nearest
//! free slots. A confirmed booking goes to the store's feed, owned by its customer.

use carnet_core::appointments::bookings::{NEAREST_COUNT, check_closing, wire_time};
use carnet_core::appointments::{
    Agenda, Appointment, Booking, BookingRequest, BookingStatus, Plan, Refusal, Refused, Span,
    parse_start,
};
use carnet_protocol::{
    AppointmentRecord, AppointmentStatus, BookingAction, Customer, Entity, MAX_BOOKING_ID_CHARS,
    Mutation, MutationKind, Outcome, Record, Store, reject,
};
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::feed;
use crate::ids;
use crate::messages::reminders::{self, Confirmed};
use crate::sealed;
use crate::sql::{Conn, OptionalExtension, params};

/// Bookings further than this around the time asked for cannot touch it, nor the free slots
/// offered instead (the core looks 3 days before and 14 after).
const LOOKAROUND_SECS: i64 = 15 * 86_400;

/// One booking edit being applied.
struct Edit<'a> {
    conn: &'a Conn<'a>,
    store_id: &'a str,
    customer: &'a Customer,
    booking_id: &'a str,
    /// The advisor signed in on the device.
    advisor_id: Option<&'a str>,
    made_at: DateTime<Utc>,
    now: i64,
    now_utc: DateTime<Utc>,
}

/// Applies an advisor's booking action ([`MutationKind::Appointment`] in `m`) for `customer`,
/// in her device's store.
pub fn apply(
    conn: &Conn<'_>,
    store_id: &str,
    customer: &Customer,
    m: &Mutation,
    made_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let MutationKind::Appointment {
        booking_id, action, ..
    } = &m.change
    else {
        return Ok(invalid("not a booking"));
    };
    if booking_id.is_empty() || booking_id.chars().count() > MAX_BOOKING_ID_CHARS {
        return Ok(invalid("a booking id has 1 to 64 characters"));
    }
    let edit = Edit {
        conn,
        store_id,
        customer,
        booking_id,
        advisor_id: m.advisor_id.as_deref(),
        made_at,
        now: now.timestamp(),
        now_utc: now,
    };
    let current = stored(conn, booking_id)?;
    if let BookingAction::Book {
        service_id,
        advisor_id,
        resource_id,
        start,
    } = action
    {
        if current.is_some() {
            return Ok(invalid("this booking id is taken"));
        }
        let want = Want {
            service_id,
            advisor_id,
            resource_id: resource_id.as_deref(),
            start,
        };
        return place(&edit, &want, None);
    }
    // The other actions are about a booking of this store and customer.
    let Some(current) = current.filter(|c| c.store_id == store_id && c.customer_id == customer.id)
    else {
        return Ok(unknown_booking());
    };
    let status = match action {
        BookingAction::Book { .. } => unreachable!("handled above"),
        BookingAction::Move {
            advisor_id,
            resource_id,
            start,
        } => {
            if current.status != BookingStatus::Confirmed {
                return Ok(refused(Refusal::AlreadyClosed, Vec::new()));
            }
            let want = Want {
                service_id: &current.service_id,
                advisor_id,
                resource_id: resource_id.as_deref(),
                start,
            };
            return place(&edit, &want, current.booked_by.as_deref());
        }
        BookingAction::Cancel => {
            if current.status != BookingStatus::Confirmed {
                return Ok(refused(Refusal::AlreadyClosed, Vec::new()));
            }
            AppointmentStatus::Cancelled
        }
        BookingAction::NoShow | BookingAction::Done => {
            if let Err(r) = check_closing(&current, made_at.timestamp()) {
                return Ok(refused(r, Vec::new()));
            }
            if matches!(action, BookingAction::Done) {
                AppointmentStatus::Done
            } else {
                AppointmentStatus::NoShow
            }
        }
    };
    let record = record_of(&current, status, made_at);
    save(
        conn,
        &record,
        current.time.end + 60 * i64::from(current.buffer_min),
    )?;
    reminders::withdraw(conn, booking_id)?;
    Ok(Outcome::Applied)
}

/// A booking or a move asked for.
struct Want<'a> {
    service_id: &'a str,
    advisor_id: &'a str,
    resource_id: Option<&'a str>,
    start: &'a str,
}

/// Checks a booking (new, or moved: then checked without itself, and still `booked_by` its
/// first advisor) and saves it if it holds.
fn place(edit: &Edit<'_>, want: &Want<'_>, booked_by: Option<&str>) -> Result<Outcome> {
    let start = match parse_start(want.start) {
        Ok(start) => start,
        Err(r) => return Ok(refused(r, Vec::new())),
    };
    let Some((store, plan)) = store_plan(edit.conn, edit.store_id)? else {
        return Ok(refused(Refusal::UnknownService, Vec::new()));
    };
    let bookings = bookings_around(
        edit.conn,
        edit.store_id,
        edit.booking_id,
        start.min(edit.now),
    )?;
    // What the reminders say of the service: the agenda takes the plan.
    let service = plan
        .services
        .iter()
        .find(|s| s.id == want.service_id)
        .cloned();
    let agenda = match plan.agenda(&bookings) {
        Ok(agenda) => agenda,
        Err(r) => return Ok(refused(r, Vec::new())),
    };
    let request = BookingRequest {
        service_id: want.service_id,
        advisor_id: want.advisor_id,
        customer_id: &edit.customer.id,
        start,
        resource_id: want.resource_id,
    };
    let placement = match agenda.check(&request, edit.now) {
        Ok(p) => p,
        Err(r) => return Ok(refused(r, nearest(&agenda, &request, edit.now))),
    };
    let record = AppointmentRecord {
        id: edit.booking_id.to_owned(),
        store_id: edit.store_id.to_owned(),
        customer_id: edit.customer.id.clone(),
        service_id: want.service_id.to_owned(),
        advisor_id: want.advisor_id.to_owned(),
        resource_id: placement.resource_id,
        start: wire_time(placement.time.start),
        end: wire_time(placement.time.end),
        buffer_min: placement.buffer_min,
        status: AppointmentStatus::Confirmed,
        booked_by: booked_by.or(edit.advisor_id).map(str::to_owned),
        updated_at: ids::format_time(edit.made_at),
    };
    let held_until = placement.time.end + 60 * i64::from(placement.buffer_min);
    save(edit.conn, &record, held_until)?;
    if let Some(service) = &service {
        let confirmed = Confirmed {
            booking: &record,
            store: &store,
            service,
            customer: edit.customer,
        };
        reminders::schedule(edit.conn, &confirmed, edit.now_utc)?;
    }
    Ok(Outcome::Applied)
}

fn nearest(
    agenda: &Agenda,
    request: &BookingRequest<'_>,
    now: i64,
) -> Vec<carnet_core::appointments::Slot> {
    agenda.nearest_free(request, now, NEAREST_COUNT)
}

/// The store's plan from its feed; `None` before one was imported.
pub fn plan(conn: &Conn<'_>, store_id: &str) -> Result<Option<Plan>> {
    Ok(store_plan(conn, store_id)?.map(|(_, plan)| plan))
}

/// The store's record and its plan; `None` before a plan was imported.
fn store_plan(conn: &Conn<'_>, store_id: &str) -> Result<Option<(Store, Plan)>> {
    let Some(row) = feed::live_row(conn, Entity::Store, store_id)? else {
        return Ok(None);
    };
    let Record::Store(store) = row.record()? else {
        return Err(Error::Config(
            "a store feed row holds another entity".into(),
        ));
    };
    let mut hours = None;
    let (mut services, mut resources, mut advisors) = (Vec::new(), Vec::new(), Vec::new());
    // By entity alone: a condition on the store lets SQLite walk the store's whole feed by its
    // (store, seq) index instead; every store's plan is a few dozen rows.
    conn.for_each(
        "SELECT entity, store_id, payload FROM feed
          WHERE entity IN ('store_hours', 'service', 'resource', 'advisor_hours')
            AND deleted = 0",
        (),
        |r| {
            let (entity, store): (String, String) = (r.get(0)?, r.get(1)?);
            if store != store_id {
                return Ok(());
            }
            let payload = sealed::from_stored(conn, r.get(2)?)?;
            match entity.as_str() {
                "store_hours" => hours = Some(feed::upserted(&payload)?),
                "service" => services.push(feed::upserted(&payload)?),
                "resource" => resources.push(feed::upserted(&payload)?),
                _ => advisors.push(feed::upserted(&payload)?),
            }
            Ok::<_, Error>(())
        },
    )?;
    // The feed's order is the import's; the agenda sorts what it needs.
    services.sort_by(|a: &carnet_protocol::Service, b| a.id.cmp(&b.id));
    Ok(hours.map(|hours| {
        let plan = Plan {
            timezone: store.timezone.clone(),
            hours,
            services,
            resources,
            advisors,
        };
        (store, plan)
    }))
}

/// The store's confirmed bookings that could touch a booking at `from` or the slots offered
/// around it, leaving out `without` (the booking being moved).
fn bookings_around(
    conn: &Conn<'_>,
    store_id: &str,
    without: &str,
    from: i64,
) -> Result<Vec<Booking>> {
    let rows = conn.query_map(
        "SELECT id, store_id, customer_id, service_id, advisor_id, resource_id, start_at, end_at,
             held_until, status, booked_by FROM appointment
         WHERE store_id = ?1 AND status = 'confirmed' AND held_until > ?2 AND start_at < ?3
             AND id <> ?4",
        params![
            store_id,
            from - LOOKAROUND_SECS,
            from + 2 * LOOKAROUND_SECS,
            without
        ],
        from_row,
    )?;
    Ok(rows.iter().map(Appointment::booking).collect())
}

/// A booking as the table keeps it.
fn stored(conn: &Conn<'_>, booking_id: &str) -> Result<Option<Appointment>> {
    Ok(conn
        .query_row(
            "SELECT id, store_id, customer_id, service_id, advisor_id, resource_id, start_at,
                 end_at, held_until, status, booked_by FROM appointment WHERE id = ?1",
            [booking_id],
            from_row,
        )
        .optional()?)
}

fn from_row(r: &crate::sql::Row<'_>) -> crate::sql::Result<Appointment> {
    let (end, held_until): (i64, i64) = (r.get(7)?, r.get(8)?);
    let status: String = r.get(9)?;
    Ok(Appointment {
        id: r.get(0)?,
        store_id: r.get(1)?,
        customer_id: r.get(2)?,
        service_id: r.get(3)?,
        advisor_id: r.get(4)?,
        resource_id: r.get(5)?,
        time: Span::new(r.get(6)?, end),
        buffer_min: u32::try_from((held_until - end) / 60).unwrap_or(0),
        status: BookingStatus::named(&status).ok_or(crate::sql::SqlError::Type {
            column: 9,
            found: "an unknown status",
            wanted: "a booking status",
        })?,
        booked_by: r.get(10)?,
        pending: false,
        refused: None,
    })
}

fn record_of(a: &Appointment, status: AppointmentStatus, at: DateTime<Utc>) -> AppointmentRecord {
    AppointmentRecord {
        id: a.id.clone(),
        store_id: a.store_id.clone(),
        customer_id: a.customer_id.clone(),
        service_id: a.service_id.clone(),
        advisor_id: a.advisor_id.clone(),
        resource_id: a.resource_id.clone(),
        start: wire_time(a.time.start),
        end: wire_time(a.time.end),
        buffer_min: a.buffer_min,
        status,
        booked_by: a.booked_by.clone(),
        updated_at: ids::format_time(at),
    }
}

/// Writes a booking to the table and to its store's feed.
fn save(conn: &Conn<'_>, r: &AppointmentRecord, held_until: i64) -> Result<()> {
    let at = |t: &str| {
        parse_start(t).map_err(|_| Error::Config("a booking time the server wrote".into()))
    };
    conn.execute(
        "INSERT INTO appointment (id, store_id, customer_id, service_id, advisor_id, resource_id,
             start_at, end_at, held_until, status, booked_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET advisor_id = ?5, resource_id = ?6, start_at = ?7,
             end_at = ?8, held_until = ?9, status = ?10",
        params![
            r.id,
            r.store_id,
            r.customer_id,
            r.service_id,
            r.advisor_id,
            r.resource_id,
            at(&r.start)?,
            at(&r.end)?,
            held_until,
            BookingStatus::from(r.status).name(),
            r.booked_by
        ],
    )?;
    feed::put_owned(
        conn,
        &r.store_id,
        &r.customer_id,
        Record::Appointment(r.clone()),
    )
}

/// Forgets `customer_id`'s bookings (an erasure); their feed records go with her.
pub fn forget(conn: &Conn<'_>, customer_id: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM appointment WHERE customer_id = ?1",
        [customer_id],
    )?;
    Ok(())
}

/// Moves a merged duplicate's bookings to the customer she was merged into.
pub fn move_to_kept(conn: &Conn<'_>, dup_id: &str, keep_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE appointment SET customer_id = ?2 WHERE customer_id = ?1",
        params![dup_id, keep_id],
    )?;
    Ok(())
}

fn refused(refusal: Refusal, nearest: Vec<carnet_core::appointments::Slot>) -> Outcome {
    let reason = refusal.to_string();
    Outcome::Rejected {
        code: reject::BOOKING_REFUSED.to_owned(),
        reason,
        detail: serde_json::to_value(Refused { refusal, nearest }).ok(),
    }
}

fn invalid(reason: &str) -> Outcome {
    Outcome::rejected(reject::INVALID_VALUE, reason)
}

fn unknown_booking() -> Outcome {
    Outcome::rejected(reject::UNKNOWN_BOOKING, "no such booking")
}
