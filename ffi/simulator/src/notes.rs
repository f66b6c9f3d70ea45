//! The notes tab of a customer: her notes (latest first, with author and date), her wishes and
//! timeline (contacts and bookings), a new note typed in place, and the core's warning before saving words that look like special-category
//! data (Enter again saves it anyway, Esc keeps it unsaved).

use carnet_ffi::{
    CallOutcome, CarnetError, DeliveryState, Handheld, Note, OutreachEntry, SpecialCategory,
    TimelineEvent, Wish, special_words,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::input::TextField;

/// A note being written.
#[derive(Default)]
pub struct NoteDraft {
    pub text: TextField,
    /// The warning shown after a first Enter, when the core found special-category words.
    pub warning: Option<String>,
}

/// What a key did to the draft.
pub enum DraftOutcome {
    /// Still writing (or warned).
    Editing(NoteDraft),
    /// Saved, with what to tell her.
    Saved(String),
    /// Given up.
    Cancelled,
    /// The core refused it.
    Refused(CarnetError),
}

impl NoteDraft {
    pub fn on_key(mut self, handheld: &Handheld, customer_id: &str, key: KeyEvent) -> DraftOutcome {
        match key.code {
            KeyCode::Esc => DraftOutcome::Cancelled,
            KeyCode::Enter => {
                let found = special_words(self.text.text.clone());
                if self.warning.is_none() && !found.is_empty() {
                    let words: Vec<String> = found
                        .iter()
                        .map(|w| format!("“{}” ({})", w.word, category(w.category)))
                        .collect();
                    self.warning = Some(format!(
                        "{} may be special-category data: it needs her explicit consent. Enter saves anyway, Esc cancels",
                        words.join(", ")
                    ));
                    return DraftOutcome::Editing(self);
                }
                match handheld.save_note(customer_id.to_owned(), None, self.text.text.clone()) {
                    Ok(_) => {
                        DraftOutcome::Saved("note saved; it will be sent with the next sync".into())
                    }
                    Err(e) => DraftOutcome::Refused(e),
                }
            }
            _ => {
                if self.text.handle(key) {
                    self.warning = None;
                }
                DraftOutcome::Editing(self)
            }
        }
    }
}

fn category(c: SpecialCategory) -> &'static str {
    match c {
        SpecialCategory::Health => "health",
        SpecialCategory::Religion => "religion",
        SpecialCategory::EthnicOrigin => "ethnic origin",
        SpecialCategory::SexualOrientation => "sexual orientation",
        SpecialCategory::PoliticsOrUnion => "politics or union",
    }
}

/// An event of her timeline in a line: a purchase (its day, channel, store and amount), a
/// consent decision, a contact, or a booking (its day, service and state).
pub fn timeline_line(e: &TimelineEvent) -> String {
    match e {
        TimelineEvent::Purchase { purchase: p } => {
            let day = crate::words::day(&carnet_ffi::format_day(p.at));
            format!(
                "{day} · {} · {} · {}",
                crate::words::purchase_kind(p),
                p.store_name.as_deref().unwrap_or(&p.store_id),
                crate::words::money(p.amount_minor, &p.currency)
            )
        }
        TimelineEvent::Consent { consent } => crate::words::consent(consent),
        TimelineEvent::Contact { contact } => contact_line(contact),
        TimelineEvent::Appointment { appointment: a } => {
            let day = crate::words::day(&carnet_ffi::format_day(a.start));
            format!(
                "{day} · appointment {} with {} · {}",
                a.service_id,
                a.advisor_id,
                crate::appointments::status(a.status)
            )
        }
    }
}

/// A contact in a line: when, who, how it went (a call) or where sending stands (a message).
pub fn contact_line(c: &OutreachEntry) -> String {
    let when = &c.at[..c.at.len().min(10)];
    let who = c.advisor_id.as_deref().unwrap_or("?");
    if let Some(delivery) = &c.delivery {
        let state = match delivery.state {
            DeliveryState::Pending if delivery.attempts == 0 => "waiting to be sent".to_owned(),
            DeliveryState::Pending => format!(
                "not sent yet, tried {} times: {}",
                delivery.attempts,
                delivery.error.as_deref().unwrap_or("?")
            ),
            DeliveryState::Sent => "sent".to_owned(),
            DeliveryState::Failed => {
                format!("failed: {}", delivery.error.as_deref().unwrap_or("?"))
            }
            DeliveryState::Withdrawn => "not sent: she withdrew her consent".to_owned(),
        };
        let what = c
            .message
            .as_ref()
            .map(|m| m.subject.clone().unwrap_or_else(|| m.body.clone()))
            .unwrap_or_default();
        return format!("{when} · {} by {who} · {state} · {what}", c.channel);
    }
    let outcome = match c.outcome {
        Some(CallOutcome::Reached) => "reached her",
        Some(CallOutcome::NoAnswer) => "no answer",
        Some(CallOutcome::Voicemail) => "left a voicemail",
        Some(CallOutcome::WrongNumber) => "wrong number",
        None => "",
    };
    format!("{when} · call by {who} · {outcome}")
}

/// A wish in a line: the product, its launch if announced, the advisor's note.
pub fn wish_line(w: &Wish) -> String {
    let launch = w
        .launch_on
        .as_ref()
        .map(|d| format!(" · launches {d}"))
        .unwrap_or_default();
    let note = w
        .note
        .as_ref()
        .map(|n| format!(" · {n}"))
        .unwrap_or_default();
    format!("wishes for {}{launch}{note}", w.product_name)
}

/// A note in a line: when, who, what.
pub fn line(note: &Note) -> String {
    let who = note
        .advisor_name
        .clone()
        .or_else(|| note.advisor_id.clone())
        .unwrap_or_else(|| "?".into());
    format!(
        "{} · {who} · {}",
        &note.written_at[..note.written_at.len().min(10)],
        note.text
    )
}
