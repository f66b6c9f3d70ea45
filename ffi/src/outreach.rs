//! Contacts with a customer: a call logged with how it went, and her timeline of contacts.

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
    /// Someone contacted her within the quiet period.
    QuietPeriod {
        /// When (RFC 3339).
        last_contact: String,
    },
}

impl From<outreach::ContactRefusal> for ContactRefusal {
    fn from(r: outreach::ContactRefusal) -> Self {
        match r {
            outreach::ContactRefusal::NoConsent => Self::NoConsent,
            outreach::ContactRefusal::QuietPeriod { last_contact } => {
                Self::QuietPeriod { last_contact }
            }
        }
    }
}

/// A contact on her card's timeline.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutreachEntry {
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

impl From<outreach::Contact> for OutreachEntry {
    fn from(c: outreach::Contact) -> Self {
        Self {
            id: c.id,
            channel: c.channel,
            task_id: c.task_id,
            advisor_id: c.advisor_id,
            at: c.at,
            outcome: c.outcome.map(CallOutcome::from),
        }
    }
}
