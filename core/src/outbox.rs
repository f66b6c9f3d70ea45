//! Local edits: applied to the cache at once, queued with a device-scoped sequence number until
//! the server answers. A rejected edit stays visible with its reason and never blocks the
//! queue; applied and superseded edits leave it.

use carnet_protocol::{
    ContactField, ContactValue, FeedbackVerdict, Mutation, MutationKind, MutationResult, Outcome,
};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::appointments::bookings;
use crate::consent::Channel;
use crate::error::{Error, Result};
use crate::store::{self, Cache};
use crate::{consent, contact, search_index};

/// An edit as the outbox shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Device-scoped sequence number.
    pub seq: u64,
    /// When it was made (RFC 3339, device clock).
    pub made_at: String,
    /// Customer it is about, if any.
    pub customer_id: Option<String>,
    /// The edit.
    pub change: MutationKind,
    /// Where it stands.
    pub state: EntryState,
}

/// Where an edit stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryState {
    /// Not yet answered by the server.
    Pending,
    /// Refused by the server; the reason is for the advisor (no personal data).
    Rejected {
        /// Stable code, e.g. `customer_erased`.
        code: String,
        /// Explanation.
        reason: String,
    },
}

/// Applies `change` to the cache and queues it for the server, in one transaction. Returns its
/// sequence number.
///
/// A contact edit is validated and normalised first by the rules the server applies too
/// ([`contact::validate`], phones read for the customer's store's country): an invalid value
/// is refused with [`Error::InvalidField`] and nothing is saved or queued; the queued edit
/// carries the normalised value (a phone in E.164).
pub fn record(
    cache: &Cache,
    change: MutationKind,
    advisor_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let seqs = record_together(cache, vec![change], advisor_id, now)?;
    seqs.first().copied().ok_or(Error::Corrupt)
}

/// Records edits that stand or fall together (a call and the task it completes): each is
/// checked, applied and queued as [`record`] does, in one transaction, so that a refusal of
/// any keeps none. Returns their seqs, in order.
pub fn record_together(
    cache: &Cache,
    changes: Vec<MutationKind>,
    advisor_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<u64>> {
    let made_at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
    cache.write(|tx| {
        let mut seqs = Vec::with_capacity(changes.len());
        for change in changes {
            let change = normalise(tx, change)?;
            let body = serde_json::to_string(&change)
                .map_err(|_| Error::InvalidInput("edit cannot be encoded".into()))?;
            let quiet = cache.quiet_period_days();
            apply_locally(tx, &change, now, &made_at, advisor_id, quiet)?;
            tx.prepare_cached(
                "INSERT INTO outbox (made_at, advisor_id, customer_id, body)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![made_at, advisor_id, customer_of(&change), body])?;
            seqs.push(tx.last_insert_rowid() as u64);
        }
        Ok(seqs)
    })
}

/// The country whose numbering plan reads a customer's national phone numbers: her home
/// store's, else her address's.
pub(crate) fn store_country(conn: &Connection, customer_id: &str) -> Result<String> {
    conn.prepare_cached(
        "SELECT coalesce(s.country, c.country) FROM customer c
         LEFT JOIN store s ON s.id = c.home_store_id WHERE c.id = ?1",
    )?
    .query_row([customer_id], |r| r.get(0))
    .optional()?
    .ok_or(Error::NotFound)
}

/// Validates what the shared rules cover and puts values in their stored form.
fn normalise(tx: &Transaction<'_>, change: MutationKind) -> Result<MutationKind> {
    match change {
        MutationKind::ContactEdit {
            customer_id,
            field,
            value,
        } => {
            let country = store_country(tx, &customer_id)?;
            let value = contact::validate(field, value.as_ref(), &country)?.into_value();
            Ok(MutationKind::ContactEdit {
                customer_id,
                field,
                value,
            })
        }
        MutationKind::Consent {
            ref channel,
            ref purpose,
            ref source,
            ..
        } => {
            if consent::Channel::parse(channel).is_none()
                || consent::Purpose::parse(purpose).is_none()
                || consent::Source::parse(source).is_none()
            {
                return Err(Error::InvalidInput(
                    "unknown consent channel, purpose or source".into(),
                ));
            }
            Ok(change)
        }
        MutationKind::CreateCustomer { customer } => {
            // Stored as the digits alone, however it was typed ("400-6381 333931").
            let card = crate::barcode::CardNumber::parse(&customer.card)?;
            let country: Option<String> = tx
                .prepare_cached("SELECT country FROM store WHERE id = ?1")?
                .query_row([&customer.home_store_id], |r| r.get(0))
                .optional()?;
            let country = country.unwrap_or_else(|| customer.address.country.clone());
            let mut customer = contact::validate_customer(&customer, &country)?;
            customer.card = card.as_str().to_owned();
            // Consent is server-authoritative and recorded with its own mutations.
            customer.consents.clear();
            Ok(MutationKind::CreateCustomer {
                customer: Box::new(customer),
            })
        }
        MutationKind::Note {
            note_id,
            customer_id,
            text: Some(text),
        } => Ok(MutationKind::Note {
            note_id,
            customer_id,
            text: Some(crate::notes::check_text(&text)?),
        }),
        other => Ok(other),
    }
}

/// Where the server's numbering starts below the outbox's: a pending edit numbered `seq`
/// here travels as `seq - base`. Zero until a server expects lower numbers than the outbox
/// holds (see [`follow_server_numbering`]).
const WIRE_BASE_KEY: &str = "outbox_wire_base";

fn wire_base(c: &Connection) -> Result<u64> {
    let base = store::meta(c, WIRE_BASE_KEY)?;
    Ok(base.and_then(|b| b.parse().ok()).unwrap_or(0))
}

/// The server expects `expected` next, lower than the first pending edit's number: it lost
/// what it had acknowledged (a database restored from an older backup) or knows this device
/// under a new enrolment. The pending edits are then sent from `expected` on, in the same
/// order; none is dropped. Returns whether the numbering changed (false when the server asks
/// for a higher number than the outbox holds, which renumbering cannot answer).
pub fn follow_server_numbering(cache: &Cache, expected: u64) -> Result<bool> {
    cache.write(|tx| {
        let first: Option<i64> = tx
            .prepare_cached("SELECT min(seq) FROM outbox WHERE state = 'pending'")?
            .query_row([], |r| r.get(0))?;
        let Some(first) = first.map(|f| f as u64) else {
            return Ok(false);
        };
        let base = wire_base(tx)?;
        if expected == 0 || expected >= first - base {
            return Ok(false);
        }
        store::set_meta(tx, WIRE_BASE_KEY, &(first - expected).to_string())?;
        Ok(true)
    })
}

/// The oldest pending edits, at most `limit`, in sequence order: what the next push sends,
/// numbered as the server expects.
pub fn pending(cache: &Cache, limit: usize) -> Result<Vec<Mutation>> {
    cache.read(|c| {
        let base = wire_base(c)?;
        let rows = c
            .prepare_cached(
                "SELECT seq, made_at, advisor_id, body FROM outbox WHERE state = 'pending'
                 ORDER BY seq LIMIT ?1",
            )?
            .query_map([limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(seq, made_at, advisor_id, body)| {
                Ok(Mutation {
                    // Never below the base: it is set from the first pending edit.
                    seq: (seq as u64).checked_sub(base).ok_or(Error::Corrupt)?,
                    made_at,
                    advisor_id,
                    change: decode(&body)?,
                })
            })
            .collect()
    })
}

/// Records the server's answers: applied and superseded edits leave the outbox, rejected ones
/// stay with their reason.
pub fn record_results(cache: &Cache, results: &[MutationResult]) -> Result<()> {
    cache.write(|tx| {
        let base = wire_base(tx)?;
        for result in results {
            let seq = (result.seq + base) as i64;
            let body: Option<String> = tx
                .prepare_cached("SELECT body FROM outbox WHERE seq = ?1")?
                .query_row([seq], |r| r.get(0))
                .optional()?;
            if let Some(change) = body.as_deref().map(decode).transpose()?
                && let Some(booking_id) = bookings::booking_of(&change)
            {
                bookings::answered(tx, booking_id, &result.outcome)?;
            }
            match &result.outcome {
                Outcome::Applied | Outcome::Superseded => {
                    tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                        .execute([seq])?;
                }
                Outcome::Rejected { code, reason, .. } => {
                    tx.prepare_cached(
                        "UPDATE outbox SET state = 'rejected', reason_code = ?2, reason = ?3
                         WHERE seq = ?1",
                    )?
                    .execute(params![seq, code, reason])?;
                }
            }
        }
        Ok(())
    })
}

/// Every edit still in the outbox (pending, then rejected), oldest first.
pub fn entries(cache: &Cache) -> Result<Vec<OutboxEntry>> {
    cache.read(|c| {
        let rows = c
            .prepare_cached(
                "SELECT seq, made_at, customer_id, body, state, reason_code, reason FROM outbox
                 ORDER BY state = 'rejected', seq",
            )?
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(seq, made_at, customer_id, body, state, code, reason)| {
                Ok(OutboxEntry {
                    seq: seq as u64,
                    made_at,
                    customer_id,
                    change: decode(&body)?,
                    state: if state == "rejected" {
                        EntryState::Rejected {
                            code: code.unwrap_or_default(),
                            reason: reason.unwrap_or_default(),
                        }
                    } else {
                        EntryState::Pending
                    },
                })
            })
            .collect()
    })
}

/// Removes a rejected edit the advisor has read.
pub fn dismiss_rejected(cache: &Cache, seq: u64) -> Result<()> {
    cache.write(|tx| {
        let removed = tx
            .prepare_cached("DELETE FROM outbox WHERE seq = ?1 AND state = 'rejected'")?
            .execute([seq as i64])?;
        if removed == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    })
}

fn decode(body: &str) -> Result<MutationKind> {
    serde_json::from_str(body).map_err(|_| Error::Corrupt)
}

fn customer_of(change: &MutationKind) -> Option<&str> {
    match change {
        MutationKind::ContactEdit { customer_id, .. }
        | MutationKind::Consent { customer_id, .. }
        | MutationKind::Feedback { customer_id, .. }
        | MutationKind::Task { customer_id, .. }
        | MutationKind::Note { customer_id, .. }
        | MutationKind::Call { customer_id, .. }
        | MutationKind::Message { customer_id, .. }
        | MutationKind::Wish { customer_id, .. }
        | MutationKind::Appointment { customer_id, .. }
        | MutationKind::ProfileView { customer_id } => Some(customer_id),
        MutationKind::CreateCustomer { customer } => Some(&customer.id),
        MutationKind::GiftFlag { .. } => None,
    }
}

/// Makes the edit visible in the cache now, before the server has it. `made_at` is `now` as
/// the outbox keeps it.
fn apply_locally(
    tx: &Transaction<'_>,
    change: &MutationKind,
    now: DateTime<Utc>,
    made_at: &str,
    advisor_id: Option<&str>,
    quiet_period_days: u32,
) -> Result<()> {
    match change {
        MutationKind::ContactEdit {
            customer_id,
            field,
            value,
        } => apply_contact_edit(tx, customer_id, *field, value.as_ref()),
        MutationKind::Consent {
            customer_id,
            channel,
            purpose,
            granted,
            source,
        } => {
            require_customer(tx, customer_id)?;
            tx.prepare_cached(
                "INSERT INTO consent (customer_id, channel, purpose, granted, recorded_at, source,
                                      advisor_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (customer_id, channel, purpose)
                 DO UPDATE SET granted = ?4, recorded_at = ?5, source = ?6, advisor_id = ?7",
            )?
            .execute(params![
                customer_id,
                channel,
                purpose,
                granted,
                made_at,
                source,
                advisor_id
            ])?;
            Ok(())
        }
        MutationKind::Feedback {
            customer_id,
            product_id,
            verdict,
        } => {
            require_customer(tx, customer_id)?;
            let verdict = match verdict {
                FeedbackVerdict::Like => "like",
                FeedbackVerdict::Dislike => "dislike",
                FeedbackVerdict::Cleared => {
                    tx.prepare_cached(
                        "DELETE FROM feedback WHERE customer_id = ?1 AND product_id = ?2",
                    )?
                    .execute([customer_id, product_id])?;
                    return Ok(());
                }
            };
            tx.prepare_cached(
                "INSERT INTO feedback (customer_id, product_id, verdict, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (customer_id, product_id) DO UPDATE SET verdict = ?3, at = ?4",
            )?
            .execute(params![customer_id, product_id, verdict, made_at])?;
            Ok(())
        }
        MutationKind::GiftFlag { purchase_id, gift } => {
            let changed = tx
                .prepare_cached("UPDATE purchase SET gift = ?2 WHERE id = ?1")?
                .execute(params![purchase_id, gift])?;
            if changed == 0 {
                return Err(Error::NotFound);
            }
            Ok(())
        }
        MutationKind::ProfileView { customer_id } => require_customer(tx, customer_id),
        MutationKind::Appointment {
            booking_id,
            customer_id,
            action,
        } => {
            require_customer(tx, customer_id)?;
            bookings::apply_local(tx, booking_id, customer_id, action, advisor_id)
        }
        MutationKind::Call {
            outreach_id,
            customer_id,
            task_id,
            outcome,
        } => {
            require_customer(tx, customer_id)?;
            crate::outreach::check_contact(
                tx,
                customer_id,
                Channel::Phone,
                now,
                quiet_period_days,
            )?;
            crate::outreach::write(
                tx,
                &carnet_protocol::OutreachRecord {
                    id: outreach_id.clone(),
                    customer_id: customer_id.clone(),
                    channel: "phone".into(),
                    task_id: task_id.clone(),
                    advisor_id: advisor_id.map(str::to_owned),
                    at: made_at.to_owned(),
                    outcome: Some(*outcome),
                    message: None,
                    delivery: None,
                },
            )
        }
        MutationKind::Message {
            outreach_id,
            customer_id,
            task_id,
            channel,
            text,
            product_ids,
        } => {
            crate::outreach::check_message(*channel, text, product_ids)?;
            require_customer(tx, customer_id)?;
            let consent = crate::outreach::consent_channel(*channel);
            crate::outreach::check_contact(tx, customer_id, consent, now, quiet_period_days)?;
            crate::outreach::write(
                tx,
                &carnet_protocol::OutreachRecord {
                    id: outreach_id.clone(),
                    customer_id: customer_id.clone(),
                    channel: channel.as_str().into(),
                    task_id: task_id.clone(),
                    advisor_id: advisor_id.map(str::to_owned),
                    at: made_at.to_owned(),
                    outcome: None,
                    message: Some(text.clone()),
                    delivery: Some(carnet_protocol::Delivery {
                        state: carnet_protocol::DeliveryState::Pending,
                        attempts: 0,
                        at: None,
                        error: None,
                    }),
                },
            )
        }
        MutationKind::Note {
            note_id,
            customer_id,
            text,
        } => {
            require_customer(tx, customer_id)?;
            crate::notes::write(
                tx,
                note_id,
                customer_id,
                text.as_deref(),
                advisor_id,
                made_at,
            )
        }
        MutationKind::Wish {
            wish_id,
            customer_id,
            product_id,
            note,
        } => {
            require_customer(tx, customer_id)?;
            crate::wishes::check_note(note.as_deref())?;
            match product_id {
                Some(product_id) => crate::wishes::write(
                    tx,
                    &carnet_protocol::WishRecord {
                        id: wish_id.clone(),
                        customer_id: customer_id.clone(),
                        product_id: product_id.clone(),
                        note: note.clone(),
                        advisor_id: advisor_id.map(str::to_owned),
                        at: made_at.to_owned(),
                    },
                ),
                None => crate::wishes::remove(tx, customer_id, wish_id),
            }
        }
        MutationKind::Task {
            task_id,
            customer_id,
            action,
        } => {
            crate::tasks::check_action(task_id, customer_id, action)?;
            require_customer(tx, customer_id)?;
            if let Some(holder) = crate::tasks::taken_by_another(tx, task_id, advisor_id)? {
                return Err(Error::TaskTaken { advisor_id: holder });
            }
            crate::tasks::write_state(tx, task_id, customer_id, action, advisor_id, made_at)
        }
        MutationKind::CreateCustomer { customer } => {
            let taken: Option<i64> = tx
                .prepare_cached("SELECT 1 FROM customer WHERE id = ?1 OR card = ?2")?
                .query_row([&customer.id, &customer.card], |r| r.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(Error::InvalidInput(
                    "a customer with this id or card already exists".into(),
                ));
            }
            crate::apply::upsert_customer(tx, customer)
        }
    }
}

fn require_customer(tx: &Transaction<'_>, customer_id: &str) -> Result<()> {
    tx.prepare_cached("SELECT 1 FROM customer WHERE id = ?1")?
        .query_row([customer_id], |_| Ok(()))
        .optional()?
        .ok_or(Error::NotFound)
}

/// Writes an already validated and normalised contact edit (see [`normalise`]).
fn apply_contact_edit(
    tx: &Transaction<'_>,
    customer_id: &str,
    field: ContactField,
    value: Option<&ContactValue>,
) -> Result<()> {
    tx.prepare_cached("SELECT 1 FROM customer WHERE id = ?1")?
        .query_row([customer_id], |_| Ok(()))
        .optional()?
        .ok_or(Error::NotFound)?;
    let text = match value {
        Some(ContactValue::Text(t)) => Some(t.as_str()),
        _ => None,
    };
    match field {
        ContactField::Email => {
            tx.prepare_cached("UPDATE customer SET email = ?2, email_folded = ?3 WHERE id = ?1")?
                .execute(params![customer_id, text, search_index::fold_email(text)])?;
        }
        ContactField::Phone => {
            // Normalised to E.164 already: the typed and the lookup forms are the same.
            tx.prepare_cached("UPDATE customer SET phone = ?2, phone_e164 = ?2 WHERE id = ?1")?
                .execute(params![customer_id, text])?;
        }
        ContactField::Language => {
            tx.prepare_cached("UPDATE customer SET language = ?2 WHERE id = ?1")?
                .execute(params![customer_id, text])?;
        }
        ContactField::FirstName | ContactField::LastName => {
            let sql = if field == ContactField::FirstName {
                "UPDATE customer SET first_name = ?2 WHERE id = ?1"
            } else {
                "UPDATE customer SET last_name = ?2 WHERE id = ?1"
            };
            tx.prepare_cached(sql)?
                .execute(params![customer_id, text.unwrap_or_default()])?;
            search_index::index_customer_name(tx, customer_id)?;
        }
        ContactField::Address => {
            let Some(ContactValue::Address(a)) = value else {
                return Err(Error::InvalidInput(
                    "address: an address is required".into(),
                ));
            };
            tx.prepare_cached(
                "UPDATE customer SET line1 = ?2, postal_code = ?3, city = ?4, country = ?5
                 WHERE id = ?1",
            )?
            .execute(params![
                customer_id,
                a.line1,
                a.postal_code,
                a.city,
                a.country
            ])?;
            search_index::index_customer_name(tx, customer_id)?;
        }
    }
    Ok(())
}
