//! Duplicate customers: the name similarity and phonetic key shared with the server's matcher,
//! and, on the device, the likely duplicates shown while an advisor registers or edits a
//! customer (same e-mail, same phone, or a similar name at the same postal code), before the
//! duplicate is made.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::store::Cache;
use crate::{phone, search_index, text};

/// Name similarity (0–1, see [`name_similarity`]) from which a name at the same postal code
/// counts as a likely duplicate.
pub const SIMILAR_NAME: f64 = 0.88;

/// A name folded for comparison: lower case, no accents, letters and digits only
/// (`D'Angelo` → `dangelo`, `Marie-Hélène` → `mariehelene`).
pub fn name_key(name: &str) -> String {
    text::tokens(name).concat()
}

/// Jaro–Winkler similarity of two strings (1 = equal, 0 = nothing in common).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_hit = vec![false; a.len()];
    let mut b_hit = vec![false; b.len()];
    let mut matches = 0usize;
    for i in 0..a.len() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_hit[j] && a[i] == b[j] {
                a_hit[i] = true;
                b_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_matched = a.iter().zip(&a_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let b_matched = b.iter().zip(&b_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let transpositions = a_matched.zip(b_matched).filter(|(x, y)| x != y).count() / 2;
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// How alike two people's names are (0–1: the less alike of first and last name), accents, case and punctuation ignored, first and
/// last names taken either way round (a swapped entry scores as the straight one).
pub fn name_similarity(first_a: &str, last_a: &str, first_b: &str, last_b: &str) -> f64 {
    let (fa, la, fb, lb) = (
        name_key(first_a),
        name_key(last_a),
        name_key(first_b),
        name_key(last_b),
    );
    // The weaker of the two parts: "Marc Martin" is not "Marie Martin" however alike the
    // last names are.
    let straight = jaro_winkler(&fa, &fb).min(jaro_winkler(&la, &lb));
    let swapped = jaro_winkler(&fa, &lb).min(jaro_winkler(&la, &fb));
    straight.max(swapped)
}

/// The mean similarity of first and last names (0–1), either way round: softer than
/// [`name_similarity`] on one mistyped part, for a scorer that weighs other evidence too.
pub fn name_similarity_mean(first_a: &str, last_a: &str, first_b: &str, last_b: &str) -> f64 {
    let (fa, la, fb, lb) = (
        name_key(first_a),
        name_key(last_a),
        name_key(first_b),
        name_key(last_b),
    );
    let straight = (jaro_winkler(&fa, &fb) + jaro_winkler(&la, &lb)) / 2.0;
    let swapped = (jaro_winkler(&fa, &lb) + jaro_winkler(&la, &fb)) / 2.0;
    straight.max(swapped)
}

/// A phonetic key of a name (Soundex on the folded name: first letter, then up to three
/// consonant classes), so that `Dupont`, `Dupond` and `Dupomt` share a block.
pub fn phonetic_key(name: &str) -> String {
    let key = name_key(name);
    let mut chars = key.chars().filter(char::is_ascii_alphabetic);
    let Some(first) = chars.next() else {
        return String::new();
    };
    let class = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => '1',
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
        'd' | 't' => '3',
        'l' => '4',
        'm' | 'n' => '5',
        'r' => '6',
        'h' | 'w' => '-',
        _ => '0',
    };
    let mut out = String::from(first);
    let mut last = class(first);
    for c in chars {
        let k = class(c);
        if k == '-' {
            continue;
        }
        if k != '0' && k != last {
            out.push(k);
            if out.len() == 4 {
                break;
            }
        }
        last = k;
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

/// A customer as the advisor is typing her in (a registration, or an edit of `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateContact {
    /// The customer being edited (left out of the hints), `None` for a registration.
    pub id: Option<String>,
    /// First name as typed.
    pub first_name: String,
    /// Last name as typed.
    pub last_name: String,
    /// E-mail as typed.
    pub email: Option<String>,
    /// Phone as typed, in any format.
    pub phone: Option<String>,
    /// Postal code as typed.
    pub postal_code: Option<String>,
    /// The store's country (ISO 3166-1 alpha-2), to read a national phone number.
    pub country: String,
}

impl CandidateContact {
    /// Whether enough of her is typed to look for who she may already be: an e-mail, a phone,
    /// or both names with a postal code (a similar name counts only at the same postal code).
    /// [`likely`] finds no one otherwise; a form asks only once this holds.
    pub fn is_searchable(&self) -> bool {
        let typed = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
        let named = !name_key(&self.first_name).is_empty() && !name_key(&self.last_name).is_empty();
        typed(&self.email) || typed(&self.phone) || (named && typed(&self.postal_code))
    }
}

/// Why an existing customer looks like the one being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DuplicateReason {
    /// The same e-mail (case ignored).
    SameEmail,
    /// The same phone number once normalised.
    SamePhone,
    /// A similar name (accents, a typo, first and last swapped) at the same postal code.
    SimilarNameSamePostalCode,
}

/// A likely duplicate of the customer being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateHint {
    /// The existing customer.
    pub customer_id: String,
    /// Every reason found, strongest first.
    pub reasons: Vec<DuplicateReason>,
}

/// Most hints returned.
const MAX_HINTS: usize = 10;

/// Existing customers who are likely the one being typed, the most reasons first. Index
/// lookups only (e-mail, phone, name tokens at a postal code), so it can run as she types.
pub fn likely(cache: &Cache, candidate: &CandidateContact) -> Result<Vec<DuplicateHint>> {
    cache.read(|c| likely_in(c, candidate))
}

fn likely_in(c: &Connection, candidate: &CandidateContact) -> Result<Vec<DuplicateHint>> {
    if !candidate.is_searchable() {
        return Ok(Vec::new());
    }
    let mut found: BTreeMap<String, BTreeSet<DuplicateReason>> = BTreeMap::new();
    let mut add = |id: String, reason| {
        found.entry(id).or_default().insert(reason);
    };
    if let Some(email) = search_index::fold_email(candidate.email.as_deref()) {
        let mut stmt = c.prepare_cached("SELECT id FROM customer WHERE email_folded = ?1")?;
        for id in stmt.query_map([email], |r| r.get::<_, String>(0))? {
            add(id?, DuplicateReason::SameEmail);
        }
    }
    if let Some(e164) = candidate
        .phone
        .as_deref()
        .and_then(|p| phone::to_e164(p, &candidate.country))
    {
        let mut stmt = c.prepare_cached("SELECT id FROM customer WHERE phone_e164 = ?1")?;
        for id in stmt.query_map([e164], |r| r.get::<_, String>(0))? {
            add(id?, DuplicateReason::SamePhone);
        }
    }
    let postal = candidate
        .postal_code
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    if !postal.is_empty() && !name_key(&candidate.last_name).is_empty() {
        for id in similar_names_at(c, candidate, postal)? {
            add(id, DuplicateReason::SimilarNameSamePostalCode);
        }
    }
    if let Some(own) = &candidate.id {
        found.remove(own);
    }
    let mut hints: Vec<DuplicateHint> = found
        .into_iter()
        .map(|(customer_id, reasons)| DuplicateHint {
            customer_id,
            reasons: reasons.into_iter().collect(),
        })
        .collect();
    hints.sort_by(|a, b| {
        b.reasons
            .len()
            .cmp(&a.reasons.len())
            .then(a.reasons.cmp(&b.reasons))
    });
    hints.truncate(MAX_HINTS);
    Ok(hints)
}

/// Customers at `postal` whose name is [`SIMILAR_NAME`] or closer. The name vocabulary is
/// small (a few thousand words): the words within a typo or two of the typed names are found
/// by scanning it, then their customers at the postal code through the token index.
fn similar_names_at(
    c: &Connection,
    candidate: &CandidateContact,
    postal: &str,
) -> Result<Vec<String>> {
    let typed: Vec<String> = text::tokens(&candidate.first_name)
        .into_iter()
        .chain(text::tokens(&candidate.last_name))
        .filter(|t| t.chars().count() >= 2)
        .collect();
    let mut near = Vec::new();
    let mut vocabulary = c.prepare_cached("SELECT token FROM name_vocabulary")?;
    for token in vocabulary.query_map([], |r| r.get::<_, String>(0))? {
        let token = token?;
        if typed
            .iter()
            .any(|t| jaro_winkler(t, &token) >= SIMILAR_NAME)
        {
            near.push(token);
        }
    }
    let mut ids = BTreeSet::new();
    let mut at = c.prepare_cached(
        "SELECT customer_id FROM customer_name WHERE token = ?1 AND postal_code = ?2",
    )?;
    for token in &near {
        for id in at.query_map([token.as_str(), postal], |r| r.get::<_, String>(0))? {
            ids.insert(id?);
        }
    }
    let mut out = Vec::new();
    let mut name = c.prepare_cached("SELECT first_name, last_name FROM customer WHERE id = ?1")?;
    for id in ids {
        let names: Option<(String, String)> = name
            .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((first, last)) = names
            && name_similarity(&candidate.first_name, &candidate.last_name, &first, &last)
                >= SIMILAR_NAME
        {
            out.push(id);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_across_accents_typos_and_swaps() {
        assert_eq!(name_similarity("Hélène", "Dupont", "HELENE", "DUPONT"), 1.0);
        assert_eq!(name_similarity("Hélène", "Dupont", "Dupont", "Hélène"), 1.0);
        assert!(name_similarity("Hélène", "Dupont", "Helene", "Dupomt") > 0.9);
        assert!(name_similarity("Niccolò", "D'Angelo", "Niccolo", "Dangelo") > 0.99);
        assert!(name_similarity("Marie", "Martin", "Julie", "Bernard") < 0.7);
        assert!(name_similarity("Marie", "Martin", "Marc", "Martin") < SIMILAR_NAME);
    }

    #[test]
    fn a_candidate_is_searched_by_a_way_to_reach_her_or_her_names_where_she_lives() {
        let typed = |first: &str, last: &str, email: &str, phone: &str, postal: &str| {
            let some = |v: &str| Some(v.to_owned());
            CandidateContact {
                first_name: first.into(),
                last_name: last.into(),
                email: some(email),
                phone: some(phone),
                postal_code: some(postal),
                ..CandidateContact::default()
            }
            .is_searchable()
        };
        assert!(!typed("", "", "", "", ""), "nothing typed");
        assert!(
            !typed("Zoé", "", " ", "", "75011"),
            "one name is not enough"
        );
        assert!(!typed("", "Martin", "", "", "75011"), "nor the other");
        assert!(
            !typed("Zoé", "Martin", "", "", " "),
            "names without where she lives"
        );
        assert!(
            !typed("--", "Martin", "", "", "75011"),
            "a name of punctuation is no name"
        );
        assert!(typed("Zoé", "Martin", "", "", "75011"));
        assert!(typed("", "", "zoe@example.fr", "", ""));
        assert!(typed("", "", "", "06 12", ""));
        assert!(!CandidateContact::default().is_searchable());
    }

    #[test]
    fn phonetic_keys_group_spellings() {
        assert_eq!(phonetic_key("Dupont"), phonetic_key("Dupond"));
        assert_eq!(phonetic_key("Lefèvre"), phonetic_key("LEFEVRE"));
        assert_eq!(phonetic_key("Robert"), "r163");
        assert_ne!(phonetic_key("Martin"), phonetic_key("Bernard"));
        assert_eq!(phonetic_key("--"), "");
    }

    #[test]
    fn jaro_winkler_reference_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.813).abs() < 0.001);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("a", ""), 0.0);
    }
}
