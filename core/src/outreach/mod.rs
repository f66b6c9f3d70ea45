//! Contacts with a customer: a call logged with how it went, an e-mail or SMS written from a
//! template ([`templates`]) and sent by the server, the card's timeline, and the checks before
//! reaching out. She must have consented to the channel for marketing, and nobody may have
//! contacted her within the store's quiet period (by default [`carnet_protocol::QUIET_PERIOD_DAYS`]). The device checks from what
//! it holds (its store's contacts); the server checks again from the whole chain's, and its
//! answer wins.

mod draft;
pub mod templates;

pub use draft::{Draft, Writer, draft};

use carnet_protocol::{
    CallOutcome, Delivery, DeliveryState, MessageChannel, MessageText, OutreachRecord,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::consent::{Channel, Purpose, allows_in};
use crate::error::Result;
use crate::store::Cache;
use crate::time;

/// Prefix of contact ids.
const OUTREACH_ID_PREFIX: &str = "K";

pub use crate::error::ContactRefusal;

/// A contact on her card's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Its id.
    pub id: String,
    /// `phone`, `email` or `sms`.
    pub channel: String,
    /// The task it answered, if any.
    pub task_id: Option<String>,
    /// Who reached out.
    pub advisor_id: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// How a call went.
    pub outcome: Option<CallOutcome>,
    /// What an e-mail or SMS said.
    pub message: Option<MessageText>,
    /// Where sending it stands: pending on the device until the server answers.
    pub delivery: Option<Delivery>,
}

/// Her contacts, the latest first.
pub fn timeline(cache: &Cache, customer_id: &str) -> Result<Vec<Contact>> {
    cache.read(|c| {
        let rows = c
            .prepare_cached(
                "SELECT id, channel, task_id, advisor_id, at, outcome, subject, body,
                        delivery, attempts, delivery_at, delivery_error
                   FROM outreach WHERE customer_id = ?1 ORDER BY at DESC, id",
            )?
            .query_map([customer_id], |r| {
                let body: Option<String> = r.get(7)?;
                let delivery: Option<String> = r.get(8)?;
                Ok(Contact {
                    id: r.get(0)?,
                    channel: r.get(1)?,
                    task_id: r.get(2)?,
                    advisor_id: r.get(3)?,
                    at: r.get(4)?,
                    outcome: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|o| CallOutcome::parse(&o)),
                    message: body.map(|body| MessageText {
                        subject: r.get(6).ok().flatten(),
                        body,
                    }),
                    delivery: match delivery.as_deref().and_then(DeliveryState::parse) {
                        Some(state) => Some(Delivery {
                            state,
                            attempts: r.get(9)?,
                            at: r.get(10)?,
                            error: r.get(11)?,
                        }),
                        None => None,
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })
}

/// Her last contact that counts for the quiet period (RFC 3339), if any.
pub(crate) fn last_contact(c: &Connection, customer_id: &str) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT max(at) FROM outreach WHERE customer_id = ?1 AND contacted <> 0")?
            .query_row([customer_id], |r| r.get(0))
            .optional()?
            .flatten(),
    )
}

/// Whether `last_contact` (RFC 3339) falls within a quiet period of `days` around `now`, on
/// either side (a contact recorded late counts too). The device and the server both ask.
pub fn in_quiet_period(last_contact: &str, now: DateTime<Utc>, days: u32) -> bool {
    time::parse_instant(last_contact)
        .is_some_and(|at| (now.timestamp() - at).abs() < i64::from(days) * 86_400)
}

/// May she be contacted now on `channel` for marketing, with a quiet period of
/// `quiet_period_days`? From the device's data.
pub(crate) fn check_contact(
    c: &Connection,
    customer_id: &str,
    channel: Channel,
    now: DateTime<Utc>,
    quiet_period_days: u32,
) -> Result<()> {
    if !allows_in(c, customer_id, Purpose::Marketing, Some(channel))? {
        return Err(ContactRefusal::NoConsent.into());
    }
    if matches!(channel, Channel::Email | Channel::Sms)
        && address(c, customer_id, channel)?.is_none()
    {
        return Err(ContactRefusal::NoAddress.into());
    }
    if let Some(last_contact) = last_contact(c, customer_id)?
        && in_quiet_period(&last_contact, now, quiet_period_days)
    {
        return Err(ContactRefusal::QuietPeriod {
            last_contact,
            days: quiet_period_days,
        }
        .into());
    }
    Ok(())
}

/// Her e-mail address or phone number on file for `channel`.
fn address(c: &Connection, customer_id: &str, channel: Channel) -> Result<Option<String>> {
    let sql = match channel {
        Channel::Email => "SELECT email FROM customer WHERE id = ?1",
        _ => "SELECT phone FROM customer WHERE id = ?1",
    };
    Ok(c.prepare_cached(sql)?
        .query_row([customer_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten()
        .filter(|a| !a.trim().is_empty()))
}

/// Refuses a message the server would not send: an empty or too long text, a subject on an
/// SMS or none on an e-mail, too many products. The device and the server both ask.
pub fn check_message(
    channel: MessageChannel,
    text: &MessageText,
    product_ids: &[String],
) -> std::result::Result<(), crate::error::Error> {
    let invalid = |why: &str| Err(crate::error::Error::InvalidInput(why.to_owned()));
    let chars = text.body.trim().chars().count();
    if chars == 0 || text.body.chars().count() > channel.max_chars() {
        return invalid(match channel {
            MessageChannel::Email => "an e-mail is 1 to 4000 characters",
            MessageChannel::Sms => "an SMS is 1 to 459 characters",
        });
    }
    match (channel, &text.subject) {
        (MessageChannel::Sms, Some(_)) => return invalid("an SMS has no subject"),
        (MessageChannel::Email, None) => return invalid("an e-mail needs a subject"),
        (MessageChannel::Email, Some(s))
            if s.trim().is_empty()
                || s.chars().count() > carnet_protocol::MAX_SUBJECT_CHARS
                || s.contains(['\r', '\n']) =>
        {
            return invalid("a subject is one line of 1 to 150 characters");
        }
        _ => {}
    }
    if product_ids.len() > carnet_protocol::MAX_MESSAGE_PRODUCTS {
        return invalid("a message suggests at most 10 products");
    }
    Ok(())
}

/// The consent channel a message goes on.
pub fn consent_channel(channel: MessageChannel) -> Channel {
    match channel {
        MessageChannel::Email => Channel::Email,
        MessageChannel::Sms => Channel::Sms,
    }
}

/// An id for a new contact.
pub fn new_outreach_id() -> Result<String> {
    crate::registration::random_id(OUTREACH_ID_PREFIX)
}

/// Keeps a contact (made here, or from the store's feed).
pub(crate) fn write(c: &Connection, r: &OutreachRecord) -> Result<()> {
    let outcome = r.outcome.map(CallOutcome::as_str);
    let (subject, body) = match &r.message {
        Some(m) => (m.subject.as_deref(), Some(m.body.as_str())),
        None => (None, None),
    };
    let d = r.delivery.as_ref();
    c.prepare_cached(
        "INSERT INTO outreach (id, customer_id, channel, task_id, advisor_id, at, outcome,
                               contacted, subject, body, delivery, attempts, delivery_at,
                               delivery_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET customer_id = ?2, channel = ?3, task_id = ?4,
             advisor_id = ?5, at = ?6, outcome = ?7, contacted = ?8, subject = ?9, body = ?10,
             delivery = ?11, attempts = ?12, delivery_at = ?13, delivery_error = ?14",
    )?
    .execute(params![
        r.id,
        r.customer_id,
        r.channel,
        r.task_id,
        r.advisor_id,
        r.at,
        outcome,
        r.contacted(),
        subject,
        body,
        d.map(|d| d.state.as_str()),
        d.map_or(0, |d| d.attempts),
        d.and_then(|d| d.at.as_deref()),
        d.and_then(|d| d.error.as_deref()),
    ])?;
    Ok(())
}
