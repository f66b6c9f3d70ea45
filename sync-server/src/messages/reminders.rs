//! The reminders of a booking: when the server confirms a booking (or its move), it queues a
//! reminder a day before and one two hours before (those still ahead), on a channel she
//! consented to (e-mail, where the booking is attached as a calendar event, else SMS), in her
//! language, with the time in the store's zone. A move or a cancellation withdraws those not
//! yet sent, in the same transaction; the sender checks again that the booking still starts at
//! the reminder's time before it sends.

use carnet_core::appointments::reminder::{self, Invitation};
use carnet_core::appointments::{Service, service_name};
use carnet_protocol::{AppointmentRecord, Customer, MessageChannel, Store};
use chrono::{DateTime, Utc};
use ring::digest;

use super::{AboutBooking, NewMessage};
use crate::customer_record;
use crate::error::{Error, Result};
use crate::ids;
use crate::sql::{Conn, OptionalExtension, params};

/// A booking just confirmed, and what its reminders say of it.
pub struct Confirmed<'a> {
    /// The booking as the feed has it.
    pub booking: &'a AppointmentRecord,
    /// Its store.
    pub store: &'a Store,
    /// Its service.
    pub service: &'a Service,
    /// Her current record: consents, addresses, language.
    pub customer: &'a Customer,
}

/// Queues the reminders of a booking confirmed at `now`, withdrawing those of its earlier
/// time. Run in the transaction that confirms it.
pub fn schedule(conn: &Conn<'_>, c: &Confirmed<'_>, now: DateTime<Utc>) -> Result<()> {
    withdraw(conn, &c.booking.id)?;
    let Some(channel) = channel_for(c.customer) else {
        return Ok(());
    };
    let wrote = |what: &str| Error::Config(format!("booking {}: {what}", c.booking.id));
    let start = carnet_core::appointments::parse_start(&c.booking.start)
        .map_err(|_| wrote("unreadable start"))?;
    let end = carnet_core::appointments::parse_start(&c.booking.end)
        .map_err(|_| wrote("unreadable end"))?;
    let invitation = Invitation {
        booking_id: &c.booking.id,
        service: service_name(c.service, &c.customer.language),
        store: &c.store.name,
        city: &c.store.city,
        start,
        end,
        timezone: &c.store.timezone,
        language: &c.customer.language,
    };
    let calendar = match channel {
        MessageChannel::Email => Some(
            invitation
                .calendar(now.timestamp())
                .map_err(|r| wrote(&r.to_string()))?,
        ),
        MessageChannel::Sms => None,
    };
    for (kind, due) in reminder::due(start, now.timestamp()) {
        let mut text = invitation
            .reminder(kind)
            .map_err(|r| wrote(&r.to_string()))?;
        if channel == MessageChannel::Sms {
            text.subject = None;
        }
        let id = reminder_id(&c.booking.id, start, kind.name());
        let due = DateTime::<Utc>::from_timestamp(due, 0).ok_or_else(|| wrote("due time"))?;
        let message = NewMessage {
            outreach_id: &id,
            store_id: &c.booking.store_id,
            customer_id: &c.customer.id,
            channel,
            text: &text,
            language: &c.customer.language,
            due,
            booking: Some(AboutBooking {
                booking_id: c.booking.id.clone(),
                start,
                calendar: calendar.clone(),
            }),
        };
        super::enqueue(conn, message, now)?;
    }
    Ok(())
}

/// Withdraws a booking's reminders not yet sent (it moved, was cancelled or closed). Run in
/// the transaction that changes it.
pub fn withdraw(conn: &Conn<'_>, booking_id: &str) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE message SET state = 'withdrawn', last_error = 'the booking moved or was cancelled'
          WHERE booking_id = ?1 AND state = 'pending'",
        [booking_id],
    )?)
}

/// Whether a reminder still holds: its booking confirmed and starting at `about.start`.
pub fn still_holds(conn: &Conn<'_>, about: &AboutBooking) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM appointment WHERE id = ?1 AND status = 'confirmed' AND start_at = ?2",
            params![about.booking_id, about.start],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// E-mail if she consented to e-mails and has an address, else SMS likewise, else none.
fn channel_for(customer: &Customer) -> Option<MessageChannel> {
    let has = |a: &Option<String>| a.as_deref().is_some_and(|a| !a.trim().is_empty());
    if customer_record::allows_marketing(customer, "email") && has(&customer.email) {
        Some(MessageChannel::Email)
    } else if customer_record::allows_marketing(customer, "sms") && has(&customer.phone) {
        Some(MessageChannel::Sms)
    } else {
        None
    }
}

/// A reminder's queue id: one per booking, start and kind (a move makes new ones), and opaque,
/// since it becomes the e-mail's `Message-ID` and a booking id is the device's choice.
fn reminder_id(booking_id: &str, start: i64, kind: &str) -> String {
    let d = digest::digest(
        &digest::SHA256,
        format!("{booking_id}\n{start}\n{kind}").as_bytes(),
    );
    format!("reminder-{}", ids::hex(&d.as_ref()[..16]))
}
