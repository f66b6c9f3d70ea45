//! Carnet's uniffi facade: the handheld's operations for Swift (and Python in tests), as thin
//! newtypes and conversions over `carnet-core`. Business rules live in the core, not here.

#![warn(missing_docs)]

uniffi::setup_scaffolding!();

mod appointments;
mod error;
mod handheld;
mod notes;
mod outreach;
mod session;
mod tasks;
mod types;

pub use appointments::{
    Appointment, AppointmentRefusal, BookableService, BookingStatus, Closing, FreeSlot,
};
pub use error::{CarnetError, NetworkProblem, Refusal};
pub use handheld::{DeviceStatus, Handheld, SyncObserver, SyncTask};
pub use notes::{Note, SpecialCategory, SpecialWord, special_words};
pub use outreach::{
    AdvisorIndicators, CallOutcome, ContactRefusal, Delivery, DeliveryState, MessageChannel,
    MessageDraft, MessageText, OutreachEntry, TimelineEvent, TimelinePurchase, Wish,
};
pub use session::{
    DeviceObserver, DeviceState, KeyStore, KeyStoreError, KioskStatus, LockReason, NetworkEvent,
    ShredReason,
};
pub use tasks::{ClientTask, TaskAction, TaskLists, TaskProgress, TaskReason, TaskScope};
pub use types::*;

/// Checks a scanned code before looking it up: the 13 digits of a loyalty card, or why not.
#[uniffi::export]
pub fn validate_card(scanned: String) -> Result<String, CarnetError> {
    carnet_core::barcode::CardNumber::parse(&scanned)
        .map(|card| card.as_str().to_owned())
        .map_err(|e| CarnetError::InvalidCard { problem: e.into() })
}

/// The facade's version, for diagnostics.
#[uniffi::export]
pub fn carnet_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A day (`YYYY-MM-DD`, UTC) from seconds since the Unix epoch, as history lines carry them.
#[uniffi::export]
pub fn format_day(seconds: i64) -> String {
    carnet_core::time::day_of(seconds)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Decimal places of an ISO 4217 currency's minor unit (2 for the euro, 0 for the yen), for
/// showing minor units as money; `None` for a code that is not a currency customers pay in.
#[uniffi::export]
pub fn minor_unit_digits(currency: String) -> Option<u32> {
    carnet_core::money::Currency::parse(&currency)
        .ok()
        .map(carnet_core::money::Currency::exponent)
}

/// A suggestion's reason in plain English (the app localises from the enum instead).
#[uniffi::export]
pub fn describe_reason(reason: SuggestionReason) -> String {
    match reason {
        SuggestionReason::BoughtOn { product_name, date } => {
            format!("bought {product_name} on {date}")
        }
        SuggestionReason::Liked { product_name } => format!("liked {product_name}"),
        SuggestionReason::OftenBoughtWith { product_name } => {
            format!("often bought with {product_name}")
        }
        SuggestionReason::PopularWith { segment } => format!("popular with {segment} customers"),
        SuggestionReason::Popular => "popular in the store".into(),
    }
}

/// What an enrolment QR code carries.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EnrollmentPayload {
    /// The one-time enrolment code.
    pub code: String,
    /// SHA-256 of the server's certificate (hex), to pin.
    pub certificate_pin: String,
    /// The server's address, when the code carries it.
    pub server_url: Option<String>,
}

/// Reads a scanned QR code; none if it is not a Carnet enrolment code.
#[uniffi::export]
pub fn parse_enrollment_payload(text: String) -> Option<EnrollmentPayload> {
    carnet_protocol::enrolment::EnrolmentPayload::parse(&text).map(|p| EnrollmentPayload {
        code: p.code,
        certificate_pin: p.certificate_pin,
        server_url: p.server_url,
    })
}

/// A consent an advisor can ask for and record (see [`Handheld::record_consent`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentChoice {
    /// `email`, `sms`, `post` or `phone`.
    pub channel: String,
    /// `marketing` or `personalisation`.
    pub purpose: String,
}

/// Every consent the consent form asks about, in the order to show them: marketing on each
/// channel, then personalised suggestions. A decision recorded on her card (a
/// [`ConsentState`]) answers the choice with the same channel and
/// purpose; a choice without one has not been asked yet.
#[uniffi::export]
pub fn consent_choices() -> Vec<ConsentChoice> {
    carnet_core::consent::choices()
        .into_iter()
        .map(|(channel, purpose)| ConsentChoice {
            channel: channel.as_str().to_owned(),
            purpose: purpose.as_str().to_owned(),
        })
        .collect()
}

/// Her answer to one consent of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ConsentAnswer {
    /// She agreed.
    Granted,
    /// She refused, or withdrew an agreement.
    Refused,
    /// No decision is recorded: she has not been asked yet.
    NotAsked,
}

/// One line of the consent form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentRow {
    /// `email`, `sms`, `post` or `phone`.
    pub channel: String,
    /// `marketing` or `personalisation`.
    pub purpose: String,
    /// Her answer.
    pub answer: ConsentAnswer,
    /// The decision that answers it (when, from where), if she was asked.
    pub recorded: Option<ConsentState>,
}

/// The consent form for the decisions on her card (`CustomerCard::consents`): every
/// [`consent_choices`] in its order, each answered by the decision with the same channel and
/// purpose or not asked yet, then any decision no choice asks about.
#[uniffi::export]
pub fn consent_form(recorded: Vec<ConsentState>) -> Vec<ConsentRow> {
    let recorded: Vec<_> = recorded.into_iter().map(Into::into).collect();
    carnet_core::consent::form(&recorded)
        .into_iter()
        .map(|row| ConsentRow {
            answer: match row.answer() {
                carnet_core::consent::ConsentAnswer::Granted => ConsentAnswer::Granted,
                carnet_core::consent::ConsentAnswer::Refused => ConsentAnswer::Refused,
                carnet_core::consent::ConsentAnswer::NotAsked => ConsentAnswer::NotAsked,
            },
            channel: row.channel,
            purpose: row.purpose,
            recorded: row.recorded.map(Into::into),
        })
        .collect()
}

/// Whether enough of a customer being typed is there to look for who she may already be
/// (`Handheld::likely_duplicates`): an e-mail, a phone, or both names with a postal code.
#[uniffi::export]
pub fn should_look_for_duplicates(candidate: CandidateContact) -> bool {
    carnet_core::duplicates::CandidateContact::from(candidate).is_searchable()
}

/// The value a refused field's suggestion stands for, to put in the field in place of
/// `typed`: for an e-mail, the address typed with the suggested domain in place of its own;
/// otherwise the suggestion itself.
#[uniffi::export]
pub fn corrected_value(field: ContactField, typed: String, suggestion: String) -> String {
    carnet_core::contact::corrected_value(field.into(), &typed, &suggestion)
}
