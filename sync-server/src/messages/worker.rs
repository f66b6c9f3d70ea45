//! The sender: claims the messages that are due, sends each, records how it went. One loop
//! per server process; replicas share the queue through their claims.

use std::sync::Arc;
use std::time::Duration;

use carnet_protocol::MessageChannel;
use chrono::Utc;

use super::email::{EmailSender, Letter};
use super::sms::SmsProvider;
use super::{Claimed, Outcome, Retry, reminders, unsubscribe};
use crate::customer_record;
use crate::db::Db;
use crate::error::Result;

/// Messages claimed at once.
const BATCH: usize = 20;

/// What the sender needs.
pub struct Sender {
    /// The database.
    pub db: Arc<Db>,
    /// The SMTP relay, if e-mail is set up.
    pub email: Option<EmailSender>,
    /// The SMS gateway, if SMS is set up.
    pub sms: Option<Box<dyn SmsProvider>>,
    /// The address customers reach the unsubscribe page at.
    pub public_url: String,
    /// How failures are retried.
    pub retry: Retry,
    /// How often the queue is looked at.
    pub poll: Duration,
}

impl Sender {
    /// Runs until the process ends.
    pub async fn run(self) {
        let mut every = tokio::time::interval(self.poll);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = self.round().await {
                tracing::warn!(error = %e, "the message queue could not be worked");
            }
        }
    }

    /// Sends what is due now; returns how many messages were tried.
    pub async fn round(&self) -> Result<usize> {
        let claimed = self
            .db
            .write(|conn| super::claim_due(conn, Utc::now(), BATCH))
            .await?;
        let tried = claimed.len();
        for m in claimed {
            let outcome = self.attempt(&m).await?;
            let retry = self.retry.clone();
            let state = self
                .db
                .write(move |conn| super::record_outcome(conn, &m, &outcome, &retry, Utc::now()))
                .await?;
            tracing::info!(state = state.as_str(), "message attempt recorded");
        }
        Ok(tried)
    }

    /// One attempt: her current record decides whether and where it goes.
    async fn attempt(&self, m: &Claimed) -> Result<Outcome> {
        let customer_id = m.customer_id.clone();
        let customer = self
            .db
            .read(move |conn| customer_record::current(conn, &customer_id))
            .await?;
        let Some((_, customer)) = customer else {
            return Ok(Outcome::Withdrawn("she was erased".into()));
        };
        if let Some(about) = m.payload.booking.clone() {
            let holds = self
                .db
                .read(move |conn| reminders::still_holds(conn, &about))
                .await?;
            if !holds {
                return Ok(Outcome::Withdrawn(
                    "the booking moved or was cancelled".into(),
                ));
            }
        }
        if !customer_record::allows_marketing(&customer, m.channel.as_str()) {
            return Ok(Outcome::Withdrawn(format!(
                "she withdrew her consent to {} before it was sent",
                match m.channel {
                    MessageChannel::Email => "e-mails",
                    MessageChannel::Sms => "SMS",
                }
            )));
        }
        let text = &m.payload.text;
        match m.channel {
            MessageChannel::Email => {
                let Some(to) = customer.email.as_deref().filter(|a| !a.trim().is_empty()) else {
                    return Ok(Outcome::Withdrawn("no e-mail address is on file".into()));
                };
                let Some(sender) = &self.email else {
                    return Ok(Outcome::Temporary(
                        "e-mail is not set up on the server".into(),
                    ));
                };
                let token = m.payload.unsubscribe_token.as_deref().unwrap_or_default();
                let letter = Letter {
                    subject: text.subject.as_deref().unwrap_or_default(),
                    body: &text.body,
                    unsubscribe: &unsubscribe::link(&self.public_url, token),
                    footer: unsubscribe::footer(&m.payload.language),
                    calendar: m
                        .payload
                        .booking
                        .as_ref()
                        .and_then(|b| b.calendar.as_deref()),
                };
                Ok(sender.send(&m.outreach_id, to, &letter).await)
            }
            MessageChannel::Sms => {
                let number = customer
                    .phone
                    .as_deref()
                    .and_then(|p| carnet_core::phone::to_e164(p, &customer.address.country));
                let Some(number) = number else {
                    return Ok(Outcome::Withdrawn(
                        "no valid phone number is on file".into(),
                    ));
                };
                let Some(provider) = &self.sms else {
                    return Ok(Outcome::Temporary("SMS is not set up on the server".into()));
                };
                let (id, tagged) = (m.outreach_id.clone(), number.clone());
                self.db
                    .write(move |conn| unsubscribe::remember_recipient(conn, &id, &tagged))
                    .await?;
                Ok(provider.send(&m.outreach_id, &number, &text.body).await)
            }
        }
    }
}
