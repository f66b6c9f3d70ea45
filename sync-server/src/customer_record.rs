//! A customer's stored record: whether she was erased, which customer a merged id now stands
//! for, her live record in the feed, writing it, and when each contact field was last edited
//! on a device (or her client book changed by a manager). Device edits (`mutations`), merges, imports and GDPR requests share it.

use std::collections::HashSet;

use crate::sql::{Conn, OptionalExtension, params, placeholders};
use carnet_protocol::{Customer, Entity, Record};
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::{feed, ids};

/// The customer a merged id now stands for (following merges of merges), or the id itself.
pub fn resolve(conn: &Conn<'_>, customer_id: &str) -> Result<String> {
    let mut id = customer_id.to_owned();
    for _ in 0..8 {
        let next: Option<String> = conn
            .query_row("SELECT to_id FROM merged WHERE from_id = ?1", [&id], |r| {
                r.get(0)
            })
            .optional()?;
        match next {
            Some(to) => id = to,
            None => break,
        }
    }
    Ok(id)
}

pub fn live_customer(conn: &Conn<'_>, id: &str) -> Result<Customer> {
    let row = feed::live_row(conn, Entity::Customer, id)?
        .ok_or_else(|| Error::Config(format!("no live customer {id}")))?;
    match row.record()? {
        Record::Customer(c) => Ok(c),
        _ => Err(Error::Config(
            "a customer feed row holds another entity".into(),
        )),
    }
}

/// Her live record, following merges, with the store whose feed holds it; `None` when she was
/// erased or is unknown.
pub fn current(conn: &Conn<'_>, customer_id: &str) -> Result<Option<(String, Customer)>> {
    let id = resolve(conn, customer_id)?;
    if is_erased(conn, &id)? {
        return Ok(None);
    }
    let Some(row) = feed::live_row(conn, Entity::Customer, &id)? else {
        return Ok(None);
    };
    Ok(match row.record()? {
        Record::Customer(c) => Some((row.store_id, c)),
        _ => None,
    })
}

/// Whether her consents allow marketing on `channel` (`email`, `sms`, `phone`).
pub fn allows_marketing(customer: &Customer, channel: &str) -> bool {
    customer
        .consents
        .iter()
        .any(|k| k.channel == channel && k.purpose == "marketing" && k.granted)
}

/// Whether she withdrew consent to personalisation on any channel: the stricter reading wins.
pub fn personalisation_withdrawn(customer: &Customer) -> bool {
    customer
        .consents
        .iter()
        .any(|k| k.purpose == "personalisation" && !k.granted)
}

/// Puts `entry` in her consents, replacing the one of its channel and purpose.
pub fn set_consent(customer: &mut Customer, entry: carnet_protocol::Consent) {
    match customer
        .consents
        .iter_mut()
        .find(|k| k.channel == entry.channel && k.purpose == entry.purpose)
    {
        Some(k) => *k = entry,
        None => customer.consents.push(entry),
    }
}

/// True if the customer was erased.
pub fn is_erased(conn: &Conn<'_>, customer_id: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM erased WHERE customer_id = ?1",
            [customer_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Every (field, edited_at) recorded for a subject (a customer or a purchase).
pub fn edit_times(conn: &Conn<'_>, subject: &str) -> Result<Vec<(String, String)>> {
    let rows = conn.query_map(
        "SELECT field, edited_at FROM edit_time WHERE subject = ?1",
        [subject],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows)
}

/// Which of `subjects` have any edit recorded from a device, in a query per few hundred.
pub fn edited_subjects(conn: &Conn<'_>, subjects: &[&str]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in subjects.chunks(crate::feed::LOOKUPS_PER_QUERY) {
        let sql = format!(
            "SELECT DISTINCT subject FROM edit_time WHERE subject IN ({})",
            placeholders(1, chunk.len())
        );
        out.extend(conn.query_map(&sql, chunk.to_vec(), |r| r.get::<_, String>(0))?);
    }
    Ok(out)
}

/// When `field` of `subject` was last edited on a device.
pub fn edit_time(conn: &Conn<'_>, subject: &str, field: &str) -> Result<Option<DateTime<Utc>>> {
    let t: Option<String> = conn
        .query_row(
            "SELECT edited_at FROM edit_time WHERE subject = ?1 AND field = ?2",
            params![subject, field],
            |r| r.get(0),
        )
        .optional()?;
    Ok(t.as_deref().and_then(ids::parse_time))
}

/// Records when `field` of `subject` was edited on a device.
pub fn set_edit_time(conn: &Conn<'_>, subject: &str, field: &str, at: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO edit_time (subject, field, edited_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (subject, field) DO UPDATE SET edited_at = excluded.edited_at",
        params![subject, field, ids::format_time(at)],
    )?;
    Ok(())
}

/// The field name under which a manager's change of a customer's client book is timed.
pub const BOOK_FIELD: &str = "advisor_id";

/// Copies one field edited after the CRM (by wire name: a contact field a device edited, or
/// the client book a manager changed) from `from` to `to`.
pub fn copy_edited_field(field: &str, from: &Customer, to: &mut Customer) {
    match field {
        BOOK_FIELD => to.advisor_id.clone_from(&from.advisor_id),
        "email" => to.email.clone_from(&from.email),
        "phone" => to.phone.clone_from(&from.phone),
        "address" => to.address = from.address.clone(),
        "language" => to.language.clone_from(&from.language),
        "first_name" => to.first_name.clone_from(&from.first_name),
        "last_name" => to.last_name.clone_from(&from.last_name),
        _ => {}
    }
}

/// Writes a customer's record into her store's feed.
pub fn write_customer(conn: &Conn<'_>, store_id: &str, customer: Customer) -> Result<()> {
    let id = customer.id.clone();
    let payload = feed::upsert_payload(Record::Customer(customer))?;
    feed::put_live(conn, Entity::Customer, &id, store_id, Some(&id), &payload)
}
