//! Finding a customer at the counter: by the loyalty card the camera reads, by name and postal
//! code as the advisor types, by phone, by e-mail.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, ToSql};

use crate::barcode::CardNumber;
use crate::error::{Error, Result};
use crate::store::Cache;
use crate::{phone, search_index, text};

/// Results returned by a search when the caller does not say.
pub const DEFAULT_LIMIT: usize = 20;

/// A customer as a search result: enough to pick the right one among homonyms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerMatch {
    /// Customer id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Postal code of her address.
    pub postal_code: String,
    /// City of her address.
    pub city: String,
    /// Loyalty tier.
    pub tier: String,
    /// Last four digits of her card, to confirm with her.
    pub card_last4: String,
}

pub(crate) const MATCH_COLUMNS: &str =
    "c.id, c.first_name, c.last_name, c.postal_code, c.city, c.tier, substr(c.card, 10, 4)";

pub(crate) fn read_match(row: &rusqlite::Row<'_>) -> rusqlite::Result<CustomerMatch> {
    Ok(CustomerMatch {
        id: row.get(0)?,
        first_name: row.get(1)?,
        last_name: row.get(2)?,
        postal_code: row.get(3)?,
        city: row.get(4)?,
        tier: row.get(5)?,
        card_last4: row.get(6)?,
    })
}

/// The customer whose loyalty card the camera (or the advisor) read. The card of a customer
/// merged into another (a duplicate) finds the kept customer.
pub fn by_card(cache: &Cache, scanned: &str) -> Result<CustomerMatch> {
    let card = CardNumber::parse(scanned)?;
    cache.read(|c| {
        let by_card = |card: &str| {
            c.prepare_cached(&format!(
                "SELECT {MATCH_COLUMNS} FROM customer c WHERE c.card = ?1"
            ))?
            .query_row([card], read_match)
            .optional()
        };
        if let Some(found) = by_card(card.as_str())? {
            return Ok(found);
        }
        let merged_into: Option<String> = c
            .prepare_cached("SELECT to_id FROM redirect WHERE from_card = ?1")?
            .query_row([card.as_str()], |r| r.get(0))
            .optional()?;
        match merged_into {
            Some(id) => by_id_in(c, &resolve_in(c, &id)?).map_err(|_| Error::NotFound),
            None => Err(Error::NotFound),
        }
    })
}

/// The id under which a customer is now known: a merged duplicate's id leads to the kept
/// customer (following successive merges); any other id is returned as is.
pub fn resolve(cache: &Cache, customer_id: &str) -> Result<String> {
    cache.read(|c| resolve_in(c, customer_id))
}

/// Most merges followed from one id (a merge of a merge); more would mean a cycle.
const MAX_REDIRECTS: usize = 8;

fn resolve_in(c: &Connection, customer_id: &str) -> Result<String> {
    let mut id = customer_id.to_owned();
    for _ in 0..MAX_REDIRECTS {
        let next: Option<String> = c
            .prepare_cached("SELECT to_id FROM redirect WHERE from_id = ?1")?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        match next {
            Some(to) => id = to,
            None => return Ok(id),
        }
    }
    Ok(id)
}

fn by_id_in(c: &Connection, id: &str) -> Result<CustomerMatch> {
    c.prepare_cached(&format!(
        "SELECT {MATCH_COLUMNS} FROM customer c WHERE c.id = ?1"
    ))?
    .query_row([id], read_match)
    .optional()?
    .ok_or(Error::NotFound)
}

/// A customer by id, as a search result.
pub fn by_id(cache: &Cache, customer_id: &str) -> Result<CustomerMatch> {
    cache.read(|c| {
        c.prepare_cached(&format!(
            "SELECT {MATCH_COLUMNS} FROM customer c WHERE c.id = ?1"
        ))?
        .query_row([customer_id], read_match)
        .optional()?
        .ok_or(Error::NotFound)
    })
}

/// Customers with this phone number, typed in any format; `country` (ISO 3166-1 alpha-2,
/// the store's) reads national numbers. A number still being typed (at least
/// [`phone::MIN_PREFIX_DIGITS`] digits) finds the customers whose number starts with it.
pub fn by_phone(cache: &Cache, typed: &str, country: &str) -> Result<Vec<CustomerMatch>> {
    let Some(typed) = phone::typed(typed, country) else {
        return Err(Error::InvalidInput(format!(
            "not a phone number (type at least {} digits)",
            phone::MIN_PREFIX_DIGITS
        )));
    };
    // A range on the index, in its order: a short start stops at the limit, and a whole
    // number finds itself first.
    cache.read(|c| {
        let rows = c
            .prepare_cached(&format!(
                "SELECT {MATCH_COLUMNS} FROM customer c
                 WHERE c.phone_e164 >= ?1 AND c.phone_e164 < ?2
                 ORDER BY c.phone_e164 LIMIT {DEFAULT_LIMIT}"
            ))?
            .query_map(rusqlite::params![typed, prefix_end(&typed)], read_match)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    })
}

/// Customers whose e-mail starts with what was typed (case-insensitive); a whole address
/// finds its owner.
pub fn by_email(cache: &Cache, typed: &str, limit: usize) -> Result<Vec<CustomerMatch>> {
    let Some(folded) = search_index::fold_email(Some(typed)) else {
        return Ok(Vec::new());
    };
    let end = prefix_end(&folded);
    cache.read(|c| {
        let rows = c
            .prepare_cached(&format!(
                "SELECT {MATCH_COLUMNS} FROM customer c
                 WHERE c.email_folded >= ?1 AND c.email_folded < ?2
                 ORDER BY c.email_folded LIMIT ?3"
            ))?
            .query_map(rusqlite::params![folded, end, limit as i64], read_match)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    })
}

/// Customers matching a name query as the advisor types it: words of the first and last name
/// (any order, case and accents ignored, the last word may be a prefix, one typo tolerated in
/// words of four letters or more) and optionally a postal code or its start (`hel dup 750`).
///
/// Best matches first: customers whose name has the searched word exactly, then those where it
/// is a prefix, then one typo away; within each, by matched word then last name, first name and
/// postal code, so that homonyms come apart by where they live.
pub fn by_name(cache: &Cache, query: &str, limit: usize) -> Result<Vec<CustomerMatch>> {
    let parsed = NameQuery::parse(query);
    if parsed.words.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let vocabulary = cache.name_vocabulary()?;
    let words: Vec<WordMatches> = parsed
        .words
        .iter()
        .map(|w| WordMatches::find(&vocabulary, w))
        .collect();
    if words.iter().any(WordMatches::is_empty) {
        return Ok(Vec::new());
    }
    // Walk the most selective word's matches; the other words filter.
    let (driver_index, driver) = words
        .iter()
        .enumerate()
        .min_by_key(|(_, w)| w.customers)
        .ok_or(Error::NotFound)?;
    let filters: Vec<&WordMatches> = words
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != driver_index)
        .map(|(_, w)| w)
        .collect();

    cache.read(|c| {
        let mut found: Vec<CustomerMatch> = Vec::with_capacity(limit);
        for tier in driver.tiers() {
            if found.len() >= limit {
                break;
            }
            for m in tier_query(c, &tier, &filters, parsed.postal_code.as_deref(), limit)? {
                if found.len() < limit && !found.iter().any(|f| f.id == m.id) {
                    found.push(m);
                }
            }
        }
        Ok(found)
    })
}

/// A name query split into name words and a postal code.
#[derive(Debug, Default, PartialEq, Eq)]
struct NameQuery {
    words: Vec<String>,
    postal_code: Option<String>,
}

impl NameQuery {
    fn parse(query: &str) -> Self {
        let mut parsed = Self::default();
        for token in text::tokens(query) {
            if token.chars().all(|c| c.is_ascii_digit()) {
                parsed.postal_code.get_or_insert(token);
            } else {
                parsed.words.push(token);
            }
        }
        parsed
    }
}

/// The distinct folded name words of the cache with their customer counts, sorted: small
/// (thousands of words), so typo tolerance can scan it.
pub(crate) struct Vocabulary {
    words: Vec<(String, i64)>,
}

impl Vocabulary {
    pub(crate) fn read(conn: &Connection) -> Result<Self> {
        let words = conn
            .prepare("SELECT token, customers FROM name_vocabulary ORDER BY token")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Self { words })
    }

    fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a (String, i64)> {
        let start = self.words.partition_point(|(w, _)| w.as_str() < prefix);
        self.words[start..]
            .iter()
            .take_while(move |(w, _)| w.starts_with(prefix))
    }
}

/// The vocabulary, read again only after a write.
#[derive(Default)]
struct VocabularyCache(Mutex<Option<(u64, Arc<Vocabulary>)>>);

impl Cache {
    fn name_vocabulary(&self) -> Result<Arc<Vocabulary>> {
        let generation = self.generation();
        let cached = self.derived::<VocabularyCache>()?;
        let mut slot = cached
            .0
            .lock()
            .map_err(|_| Error::Crypto("vocabulary lock poisoned"))?;
        if let Some((seen, vocabulary)) = slot.as_ref()
            && *seen == generation
        {
            return Ok(Arc::clone(vocabulary));
        }
        let vocabulary = Arc::new(self.read(Vocabulary::read)?);
        *slot = Some((generation, Arc::clone(&vocabulary)));
        Ok(vocabulary)
    }
}

/// Shortest query word for which a typo is tolerated: below it, one edit matches too much.
const TYPO_MIN_CHARS: usize = 4;

/// What one query word matches in the vocabulary, by quality.
struct WordMatches {
    word: String,
    exact: bool,
    /// Whether some longer word starts with it.
    has_prefixed: bool,
    /// Words one typo away, in the vocabulary's (sorted) order.
    typos: Vec<String>,
    /// Customers behind all the matches: how selective the word is.
    customers: i64,
}

/// One quality tier of a word's matches, as a condition on `customer_name.token`.
enum Tier<'a> {
    Exact(&'a str),
    Prefixed(&'a str),
    Typos(&'a [String]),
}

impl WordMatches {
    fn find(vocabulary: &Vocabulary, word: &str) -> Self {
        let mut matches = Self {
            word: word.to_owned(),
            exact: false,
            has_prefixed: false,
            typos: Vec::new(),
            customers: 0,
        };
        for (w, n) in vocabulary.starting_with(word) {
            matches.customers += n;
            if w == word {
                matches.exact = true;
            } else {
                matches.has_prefixed = true;
            }
        }
        if word.chars().count() >= TYPO_MIN_CHARS {
            for (w, n) in &vocabulary.words {
                if !w.starts_with(word) && text::within_one_edit_of_prefix(word, w) {
                    matches.typos.push(w.clone());
                    matches.customers += n;
                }
            }
        }
        matches
    }

    fn is_empty(&self) -> bool {
        !self.exact && !self.has_prefixed && self.typos.is_empty()
    }

    /// Whether one of a customer's name tokens is this word, starts with it, or is one of
    /// its typos (kept sorted, as the vocabulary is).
    fn matches_one_of(&self, tokens: &[String]) -> bool {
        tokens
            .iter()
            .any(|t| t.starts_with(&self.word) || self.typos.binary_search(t).is_ok())
    }

    fn tiers(&self) -> Vec<Tier<'_>> {
        let mut tiers = Vec::with_capacity(3);
        if self.exact {
            tiers.push(Tier::Exact(&self.word));
        }
        if self.has_prefixed {
            tiers.push(Tier::Prefixed(&self.word));
        }
        if !self.typos.is_empty() {
            tiers.push(Tier::Typos(&self.typos));
        }
        tiers
    }
}

/// The first `limit` customers, in index order, whose name has a word of `tier` and matches
/// every filter word and the postal code prefix.
///
/// The filter words are checked here, on the names the result row carries, rather than by a
/// subquery per row in SQL: a common name in a big postal code walks hundreds of rows, and a
/// look-up in the name index for each cost more than the rest of the search.
fn tier_query(
    conn: &Connection,
    tier: &Tier<'_>,
    filters: &[&WordMatches],
    postal_code: Option<&str>,
    limit: usize,
) -> Result<Vec<CustomerMatch>> {
    // customer_name holds what a result shows: no customer row is read.
    let mut sql = String::from(
        "SELECT cn.customer_id, cn.first_name, cn.last_name, cn.postal_code, cn.city, cn.tier,
             cn.card_last4
         FROM customer_name cn ",
    );
    // A word and a postal code seek both in the (token, postal_code) index: without table
    // statistics SQLite would walk the word's rows in result order and test each one's code.
    sql.push_str(match (tier, postal_code) {
        (Tier::Exact(_) | Tier::Typos(_), Some(_)) => {
            "INDEXED BY customer_name_by_postal_code WHERE "
        }
        _ => "WHERE ",
    });
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    match tier {
        Tier::Exact(word) => {
            sql.push_str("cn.token = ?");
            args.push(Box::new(word.to_string()));
        }
        Tier::Prefixed(word) => {
            sql.push_str("cn.token > ? AND cn.token < ?");
            args.push(Box::new(word.to_string()));
            args.push(Box::new(prefix_end(word)));
        }
        Tier::Typos(words) => {
            sql.push_str("cn.token IN (");
            push_placeholders(&mut sql, words.len());
            sql.push(')');
            args.extend(words.iter().map(|w| Box::new(w.clone()) as Box<dyn ToSql>));
        }
    }
    if let Some(code) = postal_code {
        sql.push_str(" AND cn.postal_code >= ? AND cn.postal_code < ?");
        args.push(Box::new(code.to_owned()));
        args.push(Box::new(prefix_end(code)));
    }
    sql.push_str(" ORDER BY cn.token, cn.sort_key");
    if filters.is_empty() {
        // Every row is a result: SQLite may stop at the limit itself.
        sql.push_str(" LIMIT ?");
        args.push(Box::new(limit as i64));
    }
    let params: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params.as_slice())?;
    let mut found = Vec::new();
    while found.len() < limit
        && let Some(row) = rows.next()?
    {
        let found_match = read_match(row)?;
        if filters.is_empty() || {
            let tokens =
                search_index::customer_name_tokens(&found_match.first_name, &found_match.last_name);
            filters.iter().all(|f| f.matches_one_of(&tokens))
        } {
            found.push(found_match);
        }
    }
    Ok(found)
}

fn push_placeholders(sql: &mut String, n: usize) {
    for i in 0..n {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
    }
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    end.push(char::MAX);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_splits_into_words_and_postal_code() {
        assert_eq!(
            NameQuery::parse("Hélène  DUP, 750"),
            NameQuery {
                words: vec!["helene".into(), "dup".into()],
                postal_code: Some("750".into())
            }
        );
        assert_eq!(NameQuery::parse("  ").words.len(), 0);
    }
}
