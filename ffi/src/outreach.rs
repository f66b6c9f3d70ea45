//! Contacts with a customer: a call logged with how it went, an e-mail or SMS drafted from a
//! template and sent by the server, and her card's timeline
//! (her contacts and her bookings).

use carnet_core::outreach;

/// How a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CallOutcome {
    /// She answered.
    Reached,
    /// Nobody answered.
    NoAnswer,
    /// A message was left.
    Voicemail,
    /// The number is not hers.
    WrongNumber,
}

impl From<CallOutcome> for carnet_protocol::CallOutcome {
    fn from(o: CallOutcome) -> Self {
        match o {
            CallOutcome::Reached => Self::Reached,
            CallOutcome::NoAnswer => Self::NoAnswer,
            CallOutcome::Voicemail => Self::Voicemail,
            CallOutcome::WrongNumber => Self::WrongNumber,
        }
    }
}

impl From<carnet_protocol::CallOutcome> for CallOutcome {
    fn from(o: carnet_protocol::CallOutcome) -> Self {
        use carnet_protocol::CallOutcome as O;
        match o {
            O::Reached => Self::Reached,
            O::NoAnswer => Self::NoAnswer,
            O::Voicemail => Self::Voicemail,
            O::WrongNumber => Self::WrongNumber,
        }
    }
}

/// Why she may not be contacted now.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum ContactRefusal {
    /// She has not consented to marketing on this channel, or withdrew it.
    NoConsent,
    /// No e-mail address or phone number for the channel is on file.
    NoAddress,
    /// Someone contacted her within the quiet period.
    QuietPeriod {
        /// When (RFC 3339).
        last_contact: String,
        /// The store's quiet period, in days.
        days: u32,
    },
}

impl From<outreach::ContactRefusal> for ContactRefusal {
    fn from(r: outreach::ContactRefusal) -> Self {
        match r {
            outreach::ContactRefusal::NoConsent => Self::NoConsent,
            outreach::ContactRefusal::NoAddress => Self::NoAddress,
            outreach::ContactRefusal::QuietPeriod { last_contact, days } => {
                Self::QuietPeriod { last_contact, days }
            }
        }
    }
}

/// A contact on her card's timeline.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutreachEntry {
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
    /// Where sending it stands.
    pub delivery: Option<Delivery>,
}

impl From<outreach::Contact> for OutreachEntry {
    fn from(c: outreach::Contact) -> Self {
        Self {
            id: c.id,
            channel: c.channel,
            task_id: c.task_id,
            advisor_id: c.advisor_id,
            at: c.at,
            outcome: c.outcome.map(CallOutcome::from),
            message: c.message.map(MessageText::from),
            delivery: c.delivery.map(|d| Delivery {
                state: d.state.into(),
                attempts: d.attempts,
                at: d.at,
                error: d.error,
            }),
        }
    }
}

/// A channel a message goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MessageChannel {
    /// E-mail.
    Email,
    /// SMS.
    Sms,
}

impl From<MessageChannel> for carnet_protocol::MessageChannel {
    fn from(c: MessageChannel) -> Self {
        match c {
            MessageChannel::Email => Self::Email,
            MessageChannel::Sms => Self::Sms,
        }
    }
}

impl From<carnet_protocol::MessageChannel> for MessageChannel {
    fn from(c: carnet_protocol::MessageChannel) -> Self {
        match c {
            carnet_protocol::MessageChannel::Email => Self::Email,
            carnet_protocol::MessageChannel::Sms => Self::Sms,
        }
    }
}

/// The text of an e-mail or SMS.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MessageText {
    /// The e-mail's subject (none for an SMS).
    pub subject: Option<String>,
    /// The text.
    pub body: String,
}

impl From<carnet_protocol::MessageText> for MessageText {
    fn from(t: carnet_protocol::MessageText) -> Self {
        Self {
            subject: t.subject,
            body: t.body,
        }
    }
}

impl From<MessageText> for carnet_protocol::MessageText {
    fn from(t: MessageText) -> Self {
        Self {
            subject: t.subject,
            body: t.body,
        }
    }
}

/// A message ready for the advisor to edit.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MessageDraft {
    /// E-mail or SMS.
    pub channel: MessageChannel,
    /// The language it is written in.
    pub language: String,
    /// The text.
    pub text: MessageText,
    /// The products it suggests.
    pub product_ids: Vec<String>,
}

impl From<outreach::Draft> for MessageDraft {
    fn from(d: outreach::Draft) -> Self {
        Self {
            channel: d.channel.into(),
            language: d.language,
            text: d.text.into(),
            product_ids: d.product_ids,
        }
    }
}

/// Where sending a message stands.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Delivery {
    /// Its state.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it was sent or last tried (RFC 3339).
    pub at: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// The state of a message's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeliveryState {
    /// Waiting to be sent by the server (or for the next sync), or retried after a failure.
    Pending,
    /// Sent.
    Sent,
    /// Given up.
    Failed,
    /// Not sent: she withdrew her consent first.
    Withdrawn,
}

impl From<carnet_protocol::DeliveryState> for DeliveryState {
    fn from(s: carnet_protocol::DeliveryState) -> Self {
        use carnet_protocol::DeliveryState as S;
        match s {
            S::Pending => Self::Pending,
            S::Sent => Self::Sent,
            S::Failed => Self::Failed,
            S::Withdrawn => Self::Withdrawn,
        }
    }
}

/// An advisor's indicators for a month.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AdvisorIndicators {
    /// The month (`YYYY-MM`).
    pub month: String,
    /// Tasks she completed.
    pub tasks_done: u32,
    /// Customers she reached.
    pub customers_reached: u32,
    /// Sales attributed to her (cents; returns subtracted).
    pub attributed_cents: i64,
    /// Receipts with a line attributed to her.
    pub attributed_receipts: u32,
    /// Customers in her book.
    pub book_size: u32,
    /// Of them, those who bought within the last 365 days.
    pub book_active: u32,
}

impl From<carnet_core::results::Indicators> for AdvisorIndicators {
    fn from(i: carnet_core::results::Indicators) -> Self {
        Self {
            month: i.month,
            tasks_done: i.tasks_done,
            customers_reached: i.customers_reached,
            attributed_cents: i.attributed_cents,
            attributed_receipts: i.attributed_receipts,
            book_size: i.book_size,
            book_active: i.book_active,
        }
    }
}

/// A product she wants later, on her wish list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Wish {
    /// Its id.
    pub id: String,
    /// The product.
    pub product_id: String,
    /// Its name.
    pub product_name: String,
    /// Its launch day, if the catalogue has one.
    pub launch_on: Option<String>,
    /// What the advisor noted.
    pub note: Option<String>,
    /// Who noted it.
    pub advisor_id: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

impl From<carnet_core::wishes::Wish> for Wish {
    fn from(w: carnet_core::wishes::Wish) -> Self {
        Self {
            id: w.id,
            product_id: w.product_id,
            product_name: w.product_name,
            launch_on: w.launch_on,
            note: w.note,
            advisor_id: w.advisor_id,
            at: w.at,
        }
    }
}

/// One event of her card's timeline.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum TimelineEvent {
    /// A call, an e-mail or an SMS, when it was made.
    Contact {
        /// The contact.
        contact: OutreachEntry,
    },
    /// A booking, at its start.
    Appointment {
        /// The booking.
        appointment: crate::appointments::Appointment,
    },
    /// A receipt, an order or a return (her latest ones; the history has them all).
    Purchase {
        /// What and where.
        purchase: TimelinePurchase,
    },
    /// Her standing decision on a consent, when and where she made it (a newsletter sign-up
    /// on the website is one).
    Consent {
        /// The decision.
        consent: crate::types::ConsentState,
    },
}

/// A receipt or an order on her timeline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimelinePurchase {
    /// The receipt.
    pub receipt_id: String,
    /// When (Unix seconds).
    pub at: i64,
    /// The store it is recorded in.
    pub store_id: String,
    /// Its name, when known.
    pub store_name: Option<String>,
    /// Till, web, app or click-and-collect.
    pub channel: crate::types::SaleChannel,
    /// The order, for one placed online.
    pub order_id: Option<String>,
    /// Its lines.
    pub lines: u32,
    /// What it came to in her home store's currency, in its minor units (negative for a
    /// return).
    pub amount_minor: i64,
    /// Her home store's currency (ISO 4217).
    pub currency: String,
    /// Whether it brings lines back.
    pub returned: bool,
}

impl From<carnet_core::timeline::Event> for TimelineEvent {
    fn from(e: carnet_core::timeline::Event) -> Self {
        use carnet_core::timeline::Event;
        match e {
            Event::Contact(c) => Self::Contact { contact: c.into() },
            Event::Appointment(a) => Self::Appointment {
                appointment: a.into(),
            },
            Event::Purchase(p) => Self::Purchase {
                purchase: TimelinePurchase {
                    receipt_id: p.receipt_id,
                    at: p.at,
                    store_id: p.store_id,
                    store_name: p.store_name,
                    channel: p.channel.into(),
                    order_id: p.order_id,
                    lines: p.lines,
                    amount_minor: p.amount,
                    currency: p.currency,
                    returned: p.returned,
                },
            },
            Event::Consent(c) => Self::Consent { consent: c.into() },
        }
    }
}
