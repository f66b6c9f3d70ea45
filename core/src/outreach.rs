//! Contacts with a customer: a call logged with how it went (e-mail and SMS come with
//! sending), the card's timeline, and the checks before reaching out. She must have consented
//! to the channel for marketing, and nobody may have contacted her within the quiet period
//! ([`QUIET_PERIOD_DAYS`]). The device checks from what it holds (its store's contacts); the
//! server checks again from the whole chain's, and its answer wins.

use carnet_protocol::{CallOutcome, OutreachRecord, QUIET_PERIOD_DAYS};
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
    /// `phone`.
    pub channel: String,
    /// The task it answered, if any.
    pub task_id: Option<String>,
    /// Who reached out.
    pub advisor_id: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// How a call went.
    pub outcome: Option<CallOutcome>,
}

/// Her contacts, the latest first.
pub fn timeline(cache: &Cache, customer_id: &str) -> Result<Vec<Contact>> {
    cache.read(|c| {
        let rows = c
            .prepare_cached(
                "SELECT id, channel, task_id, advisor_id, at, outcome FROM outreach
                  WHERE customer_id = ?1 ORDER BY at DESC, id",
            )?
            .query_map([customer_id], |r| {
                Ok(Contact {
                    id: r.get(0)?,
                    channel: r.get(1)?,
                    task_id: r.get(2)?,
                    advisor_id: r.get(3)?,
                    at: r.get(4)?,
                    outcome: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|o| CallOutcome::parse(&o)),
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

/// Whether `last_contact` (RFC 3339) falls within the quiet period of `now`, on either side
/// (a contact recorded late counts too). The device and the server both ask.
pub fn in_quiet_period(last_contact: &str, now: DateTime<Utc>) -> bool {
    time::parse_instant(last_contact)
        .is_some_and(|at| (now.timestamp() - at).abs() < QUIET_PERIOD_DAYS * 86_400)
}

/// May she be called now for marketing? From the device's data.
pub(crate) fn check_call(c: &Connection, customer_id: &str, now: DateTime<Utc>) -> Result<()> {
    if !allows_in(c, customer_id, Purpose::Marketing, Some(Channel::Phone))? {
        return Err(ContactRefusal::NoConsent.into());
    }
    if let Some(last_contact) = last_contact(c, customer_id)?
        && in_quiet_period(&last_contact, now)
    {
        return Err(ContactRefusal::QuietPeriod { last_contact }.into());
    }
    Ok(())
}

/// An id for a new contact.
pub fn new_outreach_id() -> Result<String> {
    crate::registration::random_id(OUTREACH_ID_PREFIX)
}

/// Keeps a contact (made here, or from the store's feed).
pub(crate) fn write(c: &Connection, r: &OutreachRecord) -> Result<()> {
    let outcome = r.outcome.map(CallOutcome::as_str);
    let contacted = r.outcome.is_none_or(CallOutcome::contacted);
    c.prepare_cached(
        "INSERT INTO outreach (id, customer_id, channel, task_id, advisor_id, at, outcome, contacted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET customer_id = ?2, channel = ?3, task_id = ?4,
             advisor_id = ?5, at = ?6, outcome = ?7, contacted = ?8",
    )?
    .execute(params![
        r.id,
        r.customer_id,
        r.channel,
        r.task_id,
        r.advisor_id,
        r.at,
        outcome,
        contacted
    ])?;
    Ok(())
}
