//! Contacts with customers as devices record them: checked against the whole chain's records,
//! whatever the device knew. She must have consented to the channel for marketing (her
//! current consents, which the server keeps), not be erased (checked before), have an address
//! for an e-mail or SMS, and nobody in any store may have contacted her within the quiet
//! period of this contact. The contact then goes to the store's feed: the card's timeline on
//! every device of the store. An e-mail or SMS is queued for sending ([`crate::messages`]).

use carnet_protocol::{
    CallOutcome, Customer, Delivery, DeliveryState, Entity, MessageChannel, MessageText, Mutation,
    OutreachRecord, QUIET_PERIOD_DAYS, Record, reject,
};
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::sql::Conn;
use crate::{feed, ids};

/// Longest contact id a device may choose.
const MAX_OUTREACH_ID_LEN: usize = 64;

/// A call as pushed.
pub struct Call<'a> {
    pub outreach_id: &'a str,
    pub task_id: Option<&'a str>,
    pub outcome: CallOutcome,
}

/// Why a call is not recorded.
pub enum Refused {
    /// It was recorded already (the same contact pushed again under another seq).
    Again,
    /// A rejection code of [`reject`] and its reason.
    Because(&'static str, String),
}

/// A message as pushed.
pub struct Message<'a> {
    pub outreach_id: &'a str,
    pub task_id: Option<&'a str>,
    pub channel: MessageChannel,
    pub text: &'a MessageText,
    pub product_ids: &'a [String],
}

/// Records a call to `customer` from store `store_id`.
pub fn call(
    conn: &Conn<'_>,
    store_id: &str,
    customer: &Customer,
    call: &Call<'_>,
    m: &Mutation,
    made_at: DateTime<Utc>,
) -> Result<Result<(), Refused>> {
    if let Err(refused) = may_contact(conn, store_id, customer, call.outreach_id, "phone", made_at)?
    {
        return Ok(Err(refused));
    }
    let record = Record::Outreach(OutreachRecord {
        id: call.outreach_id.to_owned(),
        customer_id: customer.id.clone(),
        channel: "phone".into(),
        task_id: call.task_id.map(str::to_owned),
        advisor_id: m.advisor_id.clone(),
        at: ids::format_time(made_at),
        outcome: Some(call.outcome),
        message: None,
        delivery: None,
    });
    feed::put_owned(conn, store_id, &customer.id, record)?;
    Ok(Ok(()))
}

/// Records an e-mail or SMS to `customer` from store `store_id`, and queues it for sending.
pub fn message(
    conn: &Conn<'_>,
    store_id: &str,
    customer: &Customer,
    message: &Message<'_>,
    m: &Mutation,
    made_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Result<(), Refused>> {
    if let Err(e) =
        carnet_core::outreach::check_message(message.channel, message.text, message.product_ids)
    {
        return Ok(Err(Refused::Because(reject::INVALID_VALUE, e.to_string())));
    }
    let channel = message.channel.as_str();
    if let Err(refused) = may_contact(
        conn,
        store_id,
        customer,
        message.outreach_id,
        channel,
        made_at,
    )? {
        return Ok(Err(refused));
    }
    let address = match message.channel {
        MessageChannel::Email => customer.email.as_deref(),
        MessageChannel::Sms => customer.phone.as_deref(),
    };
    if address.is_none_or(|a| a.trim().is_empty()) {
        return Ok(Err(Refused::Because(
            reject::NO_ADDRESS,
            format!("she has no {channel} address on file"),
        )));
    }
    let record = Record::Outreach(OutreachRecord {
        id: message.outreach_id.to_owned(),
        customer_id: customer.id.clone(),
        channel: channel.into(),
        task_id: message.task_id.map(str::to_owned),
        advisor_id: m.advisor_id.clone(),
        at: ids::format_time(made_at),
        outcome: None,
        message: Some(message.text.clone()),
        delivery: Some(Delivery {
            state: DeliveryState::Pending,
            attempts: 0,
            at: None,
            error: None,
        }),
    });
    feed::put_owned(conn, store_id, &customer.id, record)?;
    let queued = crate::messages::NewMessage {
        outreach_id: message.outreach_id,
        store_id,
        customer_id: &customer.id,
        channel: message.channel,
        text: message.text,
        language: &customer.language,
        due: now,
        booking: None,
    };
    crate::messages::enqueue(conn, queued, now)?;
    Ok(Ok(()))
}

/// The checks every contact from store `store_id` passes: a new id, her consent to `channel`
/// for marketing, and the store's quiet period.
fn may_contact(
    conn: &Conn<'_>,
    store_id: &str,
    customer: &Customer,
    outreach_id: &str,
    channel: &str,
    made_at: DateTime<Utc>,
) -> Result<Result<(), Refused>> {
    let refused = |code, reason: &str| Ok(Err(Refused::Because(code, reason.to_owned())));
    if outreach_id.is_empty() || outreach_id.len() > MAX_OUTREACH_ID_LEN {
        return refused(reject::INVALID_VALUE, "a contact id is 1 to 64 bytes");
    }
    if feed::live_row(conn, Entity::Outreach, outreach_id)?.is_some() {
        return Ok(Err(Refused::Again));
    }
    if !crate::customer_record::allows_marketing(customer, channel) {
        return refused(
            reject::NO_CONSENT,
            &format!("she has not consented to marketing by {channel}"),
        );
    }
    let days = crate::stores::policy_of(conn, store_id)
        .map_err(|e| crate::error::Error::Task(e.to_string()))?
        .map_or(QUIET_PERIOD_DAYS.unsigned_abs() as u32, |p| {
            p.quiet_period_days
        });
    if let Some(last) = last_contact(conn, &customer.id, made_at, days)? {
        return refused(
            reject::QUIET_PERIOD,
            &format!(
                "she was contacted on {}: nobody contacts her again within {days} days",
                &last[..last.len().min(10)]
            ),
        );
    }
    Ok(Ok(()))
}

/// A contact with her, by anyone in any store, within a quiet period of `days` around `at`.
fn last_contact(
    conn: &Conn<'_>,
    customer_id: &str,
    at: DateTime<Utc>,
    days: u32,
) -> Result<Option<String>> {
    let mut found = None;
    for (entity, _, _, payload) in feed::owned_rows(conn, customer_id)? {
        if entity != Entity::Outreach {
            continue;
        }
        let row = feed::LiveRow {
            store_id: String::new(),
            customer_id: None,
            payload,
        };
        if let Record::Outreach(o) = row.record()?
            && o.contacted()
            && carnet_core::outreach::in_quiet_period(&o.at, at, days)
        {
            found = Some(o.at);
        }
    }
    Ok(found)
}
