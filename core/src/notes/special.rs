//! Does a note look like special-category data (GDPR art. 9: health, religion, ethnic origin,
//! sexual orientation, political opinion, trade-union membership)? Such data needs the
//! customer's explicit consent, so the app warns before saving. A small list of word stems per
//! language, matched at the start of the note's folded words (`diabet` catches "diabétique",
//! "diabetes"); a warning, never a block: "enceinte" may be a loudspeaker. French, English and
//! Italian.

use crate::text;

/// What a note seems to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialWord {
    /// The word as the note has it.
    pub word: String,
    /// What it seems to reveal.
    pub category: SpecialCategory,
}

use SpecialCategory::*;

/// Folded stems, whatever the language (a note in French may name a drug in English). Kept
/// short on purpose: each stem is at least five letters or a whole word, so that ordinary
/// words do not warn ("cure" is not here: "manucure").
const STEMS: &[(&str, SpecialCategory)] = &[
    // French
    ("enceinte", Health),
    ("grossesse", Health),
    ("allaite", Health),
    ("maladi", Health),
    ("malade", Health),
    ("cancer", Health),
    ("chimio", Health),
    ("diabet", Health),
    ("eczema", Health),
    ("psoriasis", Health),
    ("allergi", Health),
    ("allergique", Health),
    ("asthm", Health),
    ("depressi", Health),
    ("handicap", Health),
    ("medicament", Health),
    ("hopital", Health),
    ("menopaus", Health),
    ("religi", Religion),
    ("musulman", Religion),
    ("chretien", Religion),
    ("catholique", Religion),
    ("juive", Religion),
    ("juif", Religion),
    ("ramadan", Religion),
    ("casher", Religion),
    ("halal", Religion),
    ("eglise", Religion),
    ("mosquee", Religion),
    ("synagogue", Religion),
    ("ethni", EthnicOrigin),
    ("racial", EthnicOrigin),
    ("lesbienne", SexualOrientation),
    ("homosexu", SexualOrientation),
    ("bisexu", SexualOrientation),
    ("syndiqu", PoliticsOrUnion),
    ("syndicat", PoliticsOrUnion),
    ("militant", PoliticsOrUnion),
    // English
    ("pregnan", Health),
    ("breastfeed", Health),
    ("illness", Health),
    ("disease", Health),
    ("chemo", Health),
    ("allerg", Health),
    ("asthma", Health),
    ("disabilit", Health),
    ("disabled", Health),
    ("medication", Health),
    ("hospital", Health),
    ("surgery", Health),
    ("therapy", Health),
    ("muslim", Religion),
    ("christian", Religion),
    ("jewish", Religion),
    ("kosher", Religion),
    ("church", Religion),
    ("mosque", Religion),
    ("ethnic", EthnicOrigin),
    ("lesbian", SexualOrientation),
    ("bisexual", SexualOrientation),
    ("transgender", SexualOrientation),
    ("union member", PoliticsOrUnion),
    ("political", PoliticsOrUnion),
    // Italian
    ("incinta", Health),
    ("gravidanz", Health),
    ("allatta", Health),
    ("malatti", Health),
    ("malato", Health),
    ("malata", Health),
    ("cancro", Health),
    ("tumore", Health),
    ("diabete", Health),
    ("farmac", Health),
    ("ospedale", Health),
    ("disabil", Health),
    ("religion", Religion),
    ("cristian", Religion),
    ("ebrea", Religion),
    ("ebreo", Religion),
    ("chiesa", Religion),
    ("moschea", Religion),
    ("etnic", EthnicOrigin),
    ("omosessual", SexualOrientation),
    ("sindacat", PoliticsOrUnion),
    ("politic", PoliticsOrUnion),
];

/// Whole words that warn only as whole words (too short, or common as a prefix).
const WORDS: &[(&str, SpecialCategory)] = &[
    ("gay", SexualOrientation),
    ("gays", SexualOrientation),
    ("trans", SexualOrientation),
    ("vih", Health),
    ("hiv", Health),
    ("sida", Health),
    ("aids", Health),
    ("islam", Religion),
    ("bible", Religion),
    ("coran", Religion),
    ("corano", Religion),
    ("koran", Religion),
    ("quran", Religion),
];

/// The words of `note` that look like special-category data, in the order they appear
/// (each word once).
pub fn special_words(note: &str) -> Vec<SpecialWord> {
    let mut found: Vec<SpecialWord> = Vec::new();
    let words: Vec<&str> = note
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let folded: Vec<String> = words.iter().map(|w| text::fold(w)).collect();
    for (i, (word, f)) in words.iter().zip(&folded).enumerate() {
        let pair = folded.get(i + 1).map(|next| format!("{f} {next}"));
        let category = WORDS
            .iter()
            .find(|(w, _)| w == f)
            .or_else(|| STEMS.iter().find(|(stem, _)| f.starts_with(stem)))
            .or_else(|| {
                let pair = pair.as_deref()?;
                STEMS
                    .iter()
                    .find(|(stem, _)| stem.contains(' ') && pair.starts_with(stem))
            })
            .map(|(_, c)| *c);
        if let Some(category) = category
            && !found.iter().any(|s| text::fold(&s.word) == *f)
        {
            found.push(SpecialWord {
                word: (*word).to_owned(),
                category,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories(note: &str) -> Vec<(String, SpecialCategory)> {
        special_words(note)
            .into_iter()
            .map(|s| (s.word, s.category))
            .collect()
    }

    #[test]
    fn health_religion_and_the_rest_warn_in_three_languages() {
        assert_eq!(
            categories("Enceinte de 5 mois, éviter les rétinoïdes"),
            [("Enceinte".to_owned(), Health)]
        );
        assert_eq!(
            categories("She is diabetic and pregnant"),
            [
                ("diabetic".to_owned(), Health),
                ("pregnant".to_owned(), Health)
            ]
        );
        assert_eq!(
            categories("È incinta, preferisce prodotti senza profumo"),
            [("incinta".to_owned(), Health)]
        );
        assert_eq!(
            categories("Fait le RAMADAN: passer après 18 h"),
            [("RAMADAN".to_owned(), Religion)]
        );
        assert_eq!(
            categories("Allergique au nickel; allergique aussi aux parfums"),
            [("Allergique".to_owned(), Health)],
            "each word once"
        );
        assert_eq!(
            categories("Her wife is gay-friendly"),
            [("gay".to_owned(), SexualOrientation)]
        );
        assert_eq!(
            categories("Union member, do not call on strike days"),
            [("Union".to_owned(), PoliticsOrUnion)]
        );
    }

    #[test]
    fn ordinary_notes_do_not_warn() {
        for note in [
            "Préfère un appel après 18 h",
            "Cadeau pour sa mère en mai",
            "Prefers a call after 6 pm; likes the new manucure line",
            "Regalo per la figlia a dicembre",
            "Transfers to the Lyon store in spring",
            "Opération séduction: traitement anti-âge, teinte 05 Nude",
        ] {
            assert_eq!(special_words(note), [], "{note}");
        }
    }
}
