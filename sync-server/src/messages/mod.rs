//! E-mails and SMS to customers, sent by the server once each.
//!
//! A device pushes a message ([`carnet_protocol::MutationKind::Message`]); once its checks pass
//! ([`crate::outreach`]), it is queued here in the same transaction as its contact record, under
//! the contact's id, so a push retried under another seq is never queued twice. The
//! [`worker`] claims what is due, checks her consent and address again from her current
//! record (a withdrawal that arrived after the device checked wins), sends it through
//! SMTP ([`email`]) or the SMS provider ([`sms`]), and writes where it stands back to the
//! contact record in the store's feed, so the advisor sees it on the card:
//! - accepted by the provider: `sent`, never tried again;
//! - a failure the provider calls temporary (a dropped connection, a 4xx reply, a timeout):
//!   `pending`, tried again after a back-off that doubles (30 s, 1 min, 2 min, … capped at
//!   6 h), until [`Retry::max_attempts`];
//! - a permanent refusal (5xx) or the last attempt failed: `failed`;
//! - her consent withdrawn or her address gone meanwhile: `withdrawn`, not sent.
//!
//! Exactly once to the customer: a claim moves the message's next attempt ahead in the
//! database before it is sent, so two replicas never send it together, and only the
//! provider's acceptance marks it sent. The one gap is a crash between the provider's
//! acceptance and that mark: the claim then expires and the message is sent again, with the
//! same `Message-ID` (`<outreach id@carnet>`), which mail systems use to drop a duplicate.
//!
//! E-mails carry an unsubscribe link ([`unsubscribe`]); an SMS reply STOP withdraws the SMS
//! consent. Both reach every device of her store through her record in the feed.
//!
//! The reminders of a booking ([`reminders`]) use the same queue: queued when the server
//! confirms the booking, due a day and two hours before it, withdrawn when it moves or is
//! cancelled, and sent only while it still starts at the time they give.

pub mod email;
pub mod reminders;
pub mod sms;
pub mod unsubscribe;
pub mod worker;

use carnet_protocol::{Delivery, DeliveryState, Entity, MessageChannel, MessageText, Record};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sql::{Conn, OptionalExtension, params};
use crate::{feed, ids, sealed};

/// How failed attempts are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// The wait after the first failure; each further failure doubles it.
    pub first: std::time::Duration,
    /// The longest wait.
    pub longest: std::time::Duration,
    /// Attempts before a message is given up as failed.
    pub max_attempts: u32,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            first: std::time::Duration::from_secs(30),
            longest: std::time::Duration::from_secs(6 * 3600),
            max_attempts: 8,
        }
    }
}

impl Retry {
    /// The wait after `attempts` failed attempts.
    pub fn wait_after(&self, attempts: u32) -> std::time::Duration {
        let doubled = self
            .first
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
        doubled.min(self.longest)
    }
}

/// What is kept of a queued message besides its ids: sealed on PostgreSQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// What it says.
    pub text: MessageText,
    /// Her language when it was written (for the unsubscribe page).
    pub language: String,
    /// The e-mail's unsubscribe token (none for an SMS).
    pub unsubscribe_token: Option<String>,
    /// The booking a reminder is about (none for an advisor's message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<AboutBooking>,
}

/// The booking a reminder is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AboutBooking {
    /// Its id.
    pub booking_id: String,
    /// When it starts (Unix seconds): the reminder goes only while it still does.
    pub start: i64,
    /// The booking as an iCalendar file, attached to an e-mail.
    pub calendar: Option<String>,
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The contact's id.
    pub outreach_id: String,
    /// Her store's feed it is in.
    pub store_id: String,
    /// Whom.
    pub customer_id: String,
    /// E-mail or SMS.
    pub channel: MessageChannel,
    /// What it says.
    pub payload: Payload,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
}

/// A message to queue.
pub struct NewMessage<'a> {
    /// The contact's id.
    pub outreach_id: &'a str,
    /// The store whose feed has the contact.
    pub store_id: &'a str,
    /// Whom.
    pub customer_id: &'a str,
    /// E-mail or SMS.
    pub channel: MessageChannel,
    /// What it says.
    pub text: &'a MessageText,
    /// Her language.
    pub language: &'a str,
    /// When it goes: now for an advisor's message, later for a reminder.
    pub due: DateTime<Utc>,
    /// The booking a reminder is about.
    pub booking: Option<AboutBooking>,
}

/// Queues a message, written at `now`. Run in the transaction that records its contact (or
/// confirms its booking).
pub fn enqueue(conn: &Conn<'_>, m: NewMessage<'_>, now: DateTime<Utc>) -> Result<()> {
    let NewMessage {
        outreach_id,
        store_id,
        customer_id,
        channel,
        text,
        language,
        due,
        booking,
    } = m;
    let booking_id = booking.as_ref().map(|b| b.booking_id.clone());
    let (token, token_hash) = match channel {
        MessageChannel::Email => {
            let token = unsubscribe::new_token()?;
            let hash = unsubscribe::hash(&token);
            (Some(token), Some(hash))
        }
        MessageChannel::Sms => (None, None),
    };
    let payload = Payload {
        text: text.clone(),
        language: language.to_owned(),
        unsubscribe_token: token,
        booking,
    };
    let payload = sealed::to_stored(conn, &serde_json::to_string(&payload)?)?;
    conn.execute(
        "INSERT INTO message (outreach_id, store_id, customer_id, channel, payload, state,
                              attempts, next_attempt_at, created_at, unsubscribe_hash,
                              booking_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, ?8, ?9)",
        params![
            outreach_id,
            store_id,
            customer_id,
            channel.as_str(),
            payload,
            due.timestamp_millis(),
            ids::format_time(now),
            token_hash,
            booking_id
        ],
    )?;
    Ok(())
}

/// How long a claim holds a message: longer than any attempt takes (the SMTP and webhook
/// timeouts are 30 s), so that no other replica sends it meanwhile.
const CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Claims up to `most` messages due at `now`: each one's next attempt moves past the claim,
/// and its attempt count goes up. Run in a write transaction.
pub fn claim_due(conn: &Conn<'_>, now: DateTime<Utc>, most: usize) -> Result<Vec<Claimed>> {
    let due: Vec<(String, String, String, String, String, i64)> = conn.query_map(
        "SELECT outreach_id, store_id, customer_id, channel, payload, attempts FROM message
          WHERE state = 'pending' AND next_attempt_at <= ?1
          ORDER BY next_attempt_at LIMIT ?2",
        params![now.timestamp_millis(), most as i64],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let mut claimed = Vec::with_capacity(due.len());
    for (outreach_id, store_id, customer_id, channel, payload, attempts) in due {
        let taken = conn.execute(
            "UPDATE message SET next_attempt_at = ?2, attempts = attempts + 1
              WHERE outreach_id = ?1 AND state = 'pending' AND next_attempt_at <= ?3",
            params![
                outreach_id,
                (now + CLAIM).timestamp_millis(),
                now.timestamp_millis()
            ],
        )?;
        if taken == 0 {
            continue;
        }
        let channel = MessageChannel::parse(&channel)
            .ok_or_else(|| Error::Task(format!("message {outreach_id}: unknown channel")))?;
        let payload: Payload = serde_json::from_str(&sealed::from_stored(conn, payload)?)?;
        claimed.push(Claimed {
            outreach_id,
            store_id,
            customer_id,
            channel,
            payload,
            attempt: u32::try_from(attempts + 1).unwrap_or(u32::MAX),
        });
    }
    Ok(claimed)
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider accepted it.
    Sent,
    /// It may work later (the provider's words, without her address or the text).
    Temporary(String),
    /// It never will.
    Permanent(String),
    /// She may no longer receive it: no consent, no address, erased.
    Withdrawn(String),
}

/// Writes how attempt `m.attempt` ended, and where the message stands, to the queue and to
/// its contact record in the store's feed. Run in a write transaction.
pub fn record_outcome(
    conn: &Conn<'_>,
    m: &Claimed,
    outcome: &Outcome,
    retry: &Retry,
    now: DateTime<Utc>,
) -> Result<DeliveryState> {
    let (state, error, next) = match outcome {
        Outcome::Sent => (DeliveryState::Sent, None, None),
        Outcome::Withdrawn(why) => (DeliveryState::Withdrawn, Some(why.clone()), None),
        Outcome::Permanent(why) => (DeliveryState::Failed, Some(why.clone()), None),
        Outcome::Temporary(why) if m.attempt >= retry.max_attempts => {
            (DeliveryState::Failed, Some(why.clone()), None)
        }
        Outcome::Temporary(why) => {
            let wait = chrono::TimeDelta::from_std(retry.wait_after(m.attempt))
                .unwrap_or(chrono::TimeDelta::hours(6));
            (DeliveryState::Pending, Some(why.clone()), Some(now + wait))
        }
    };
    let at = ids::format_time(now);
    conn.execute(
        "UPDATE message SET state = ?2, last_error = ?3,
                next_attempt_at = coalesce(?4, next_attempt_at),
                sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END
          WHERE outreach_id = ?1",
        params![
            m.outreach_id,
            state.as_str(),
            error,
            next.map(|t| t.timestamp_millis()),
            at
        ],
    )?;
    if let Some(row) = feed::live_row(conn, Entity::Outreach, &m.outreach_id)?
        && let Record::Outreach(mut contact) = row.record()?
    {
        contact.delivery = Some(Delivery {
            state,
            attempts: m.attempt,
            at: Some(at),
            error,
        });
        feed::put_owned(
            conn,
            &row.store_id,
            &m.customer_id,
            Record::Outreach(contact),
        )?;
    }
    Ok(state)
}

/// Forgets her queued messages (an erasure). Run in a write transaction.
pub fn forget(conn: &Conn<'_>, customer_id: &str) -> Result<()> {
    conn.execute("DELETE FROM message WHERE customer_id = ?1", [customer_id])?;
    Ok(())
}

/// Moves her queued messages to the customer she was merged into.
pub fn move_to(conn: &Conn<'_>, from_id: &str, to_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE message SET customer_id = ?2 WHERE customer_id = ?1",
        [from_id, to_id],
    )?;
    Ok(())
}

/// A message's state and attempts, for tests and the command line.
pub fn state_of(conn: &Conn<'_>, outreach_id: &str) -> Result<Option<(String, i64)>> {
    Ok(conn
        .query_row(
            "SELECT state, attempts FROM message WHERE outreach_id = ?1",
            [outreach_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
