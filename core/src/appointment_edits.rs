//! An advisor's edits of appointments at the counter: each is checked against the store's
//! agenda as this handheld knows it (refused with the rule it breaks, nothing saved), then
//! shown at once and queued for the server through the outbox, which has the last word.

use carnet_protocol::{BookingAction, MutationKind};
use chrono::{DateTime, Utc};

use crate::appointments::bookings::{
    Closing, NewBooking, check_closing, get, store_agenda, wire_time,
};
use crate::appointments::{BookingRequest, Refusal};
use crate::error::Result;
use crate::outbox;
use crate::store::Cache;

/// Prefix of the ids of bookings made on a handheld.
const BOOKING_ID_PREFIX: &str = "B";

/// Books a service in `store_id`, checked against the agenda the device has: refused with the
/// rule it breaks ([`Error::Appointment`]), nothing saved; otherwise kept as provisional and
/// queued for the server. Returns the booking's id.
pub fn book(
    cache: &Cache,
    store_id: &str,
    booked_by: &str,
    new: &NewBooking,
    now: DateTime<Utc>,
) -> Result<String> {
    let agenda = store_agenda(cache, store_id, None)?;
    let placement = agenda.check(&request(new), now.timestamp())?;
    let booking_id = crate::registration::random_id(BOOKING_ID_PREFIX)?;
    let action = BookingAction::Book {
        service_id: new.service_id.to_owned(),
        advisor_id: new.advisor_id.to_owned(),
        resource_id: placement.resource_id,
        start: wire_time(new.start),
    };
    queue(cache, &booking_id, new.customer_id, action, booked_by, now)?;
    Ok(booking_id)
}

/// Moves a booking to `start` with `advisor_id` (and a resource chosen by hand, if any),
/// checked against the agenda without it.
pub fn move_to(
    cache: &Cache,
    booking_id: &str,
    advisor_id: &str,
    resource_id: Option<&str>,
    start: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let current = get(cache, booking_id)?;
    if !current.status.is_open() {
        return Err(Refusal::AlreadyClosed.into());
    }
    let agenda = store_agenda(cache, &current.store_id, Some(booking_id))?;
    let new = NewBooking {
        customer_id: &current.customer_id,
        service_id: &current.service_id,
        advisor_id,
        resource_id,
        start,
    };
    let placement = agenda.check(&request(&new), now.timestamp())?;
    let action = BookingAction::Move {
        advisor_id: advisor_id.to_owned(),
        resource_id: placement.resource_id,
        start: wire_time(start),
    };
    queue(cache, booking_id, &current.customer_id, action, by, now)
}

/// Cancels a booking: its time is free again at once on this device.
pub fn cancel(cache: &Cache, booking_id: &str, by: &str, now: DateTime<Utc>) -> Result<()> {
    let current = get(cache, booking_id)?;
    if !current.status.is_open() {
        return Err(Refusal::AlreadyClosed.into());
    }
    queue(
        cache,
        booking_id,
        &current.customer_id,
        BookingAction::Cancel,
        by,
        now,
    )
}

/// Marks a booking done or missed, once its time has begun.
pub fn close(
    cache: &Cache,
    booking_id: &str,
    closing: Closing,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let current = get(cache, booking_id)?;
    check_closing(&current, now.timestamp())?;
    let action = match closing {
        Closing::Done => BookingAction::Done,
        Closing::NoShow => BookingAction::NoShow,
    };
    queue(cache, booking_id, &current.customer_id, action, by, now)
}

fn queue(
    cache: &Cache,
    booking_id: &str,
    customer_id: &str,
    action: BookingAction,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let change = MutationKind::Appointment {
        booking_id: booking_id.to_owned(),
        customer_id: customer_id.to_owned(),
        action,
    };
    outbox::record(cache, change, Some(by), now).map(|_| ())
}

fn request<'a>(new: &NewBooking<'a>) -> BookingRequest<'a> {
    BookingRequest {
        service_id: new.service_id,
        advisor_id: new.advisor_id,
        customer_id: new.customer_id,
        start: new.start,
        resource_id: new.resource_id,
    }
}
