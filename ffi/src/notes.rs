//! Advisors' notes on a customer, and the check that warns before saving what looks like
//! special-category data.

use carnet_core::notes;

/// A note as the card shows it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Note {
    /// Its id.
    pub id: String,
    /// The text.
    pub text: String,
    /// Who wrote it last.
    pub advisor_id: Option<String>,
    /// Her name, when the store's records list her.
    pub advisor_name: Option<String>,
    /// When it was written last (RFC 3339).
    pub written_at: String,
}

impl From<notes::Note> for Note {
    fn from(n: notes::Note) -> Self {
        Self {
            id: n.id,
            text: n.text,
            advisor_id: n.advisor_id,
            advisor_name: n.advisor_name,
            written_at: n.written_at,
        }
    }
}

/// What a word of a note seems to reveal (GDPR special categories).
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum SpecialCategory {
    /// Health, pregnancy, disability, medication.
    Health,
    /// Religion or belief.
    Religion,
    /// Racial or ethnic origin.
    EthnicOrigin,
    /// Sex life or sexual orientation.
    SexualOrientation,
    /// Political opinion or trade-union membership.
    PoliticsOrUnion,
}

/// One word of a note that looks like special-category data.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SpecialWord {
    /// The word as the note has it.
    pub word: String,
    /// What it seems to reveal.
    pub category: SpecialCategory,
}

/// The words of `text` that look like special-category data (health, religion, origin,
/// orientation, politics): the app warns before saving a note that has any, since such data
/// needs the customer's explicit consent.
#[uniffi::export]
pub fn special_words(text: String) -> Vec<SpecialWord> {
    use notes::SpecialCategory as C;
    notes::special_words(&text)
        .into_iter()
        .map(|s| SpecialWord {
            word: s.word,
            category: match s.category {
                C::Health => SpecialCategory::Health,
                C::Religion => SpecialCategory::Religion,
                C::EthnicOrigin => SpecialCategory::EthnicOrigin,
                C::SexualOrientation => SpecialCategory::SexualOrientation,
                C::PoliticsOrUnion => SpecialCategory::PoliticsOrUnion,
            },
        })
        .collect()
}
