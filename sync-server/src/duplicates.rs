//! Duplicate customers on the server: the matcher across imports and channels, and its
//! precision and recall against planted duplicates.
//!
//! Candidates come from blocks (same e-mail, same E.164 phone, same postal code and phonetic
//! key of either name word, so a swapped first/last name shares a block), then each pair is
//! scored: name similarity (accents, case, a typo, swapped names) plus the agreement or
//! disagreement of e-mail, phone and street line.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::sealed;
use crate::sql::{Backend, Conn, OptionalExtension};
use carnet_core::duplicates::{name_similarity_mean, phonetic_key};
use carnet_core::{phone, text};
use carnet_protocol::{Change, Customer, Record};

use crate::error::{Error, Result};

const LIVE_CARD: &str = "SELECT 1 FROM feed WHERE entity = 'customer' AND deleted = 0
     AND json_extract(payload, '$.record.card') = ?1 LIMIT 1";

/// [`LIVE_CARD`] on PostgreSQL, where payloads are sealed and cards kept as tags.
const LIVE_CARD_TAG: &str = "SELECT 1 FROM feed WHERE entity = 'customer' AND deleted = 0
     AND card_tag = ?1 LIMIT 1";

/// True if a live customer (or a customer merged into another) holds this card number.
pub fn card_in_use(conn: &Conn<'_>, card: &str) -> Result<bool> {
    // Answered from the `feed_customer_card` index (migration 004); the query must keep its
    // WHERE terms for the partial index to apply (a test checks the plan).
    let (query, card) = match conn.backend() {
        Backend::Sqlite => (LIVE_CARD, card.to_owned()),
        Backend::Postgres => (LIVE_CARD_TAG, sealed::card_as_stored(conn, card)?),
    };
    let live: Option<i64> = conn.query_row(query, [&card], |r| r.get(0)).optional()?;
    if live.is_some() {
        return Ok(true);
    }
    let merged: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM merged WHERE from_card = ?1 LIMIT 1",
            [card],
            |r| r.get(0),
        )
        .optional()?;
    Ok(merged.is_some())
}

/// Score from which a pair is reported as a likely duplicate (for a manager to review).
pub const REVIEW_SCORE: f64 = 0.60;

/// Score from which a pair may be merged without review (`duplicates merge --auto`). Chosen
/// from the measured precision: on the `tiny` and `store` fixtures no pair at or above it is a
/// false match (see the README's figures); pairs between the two thresholds go to a manager.
pub const AUTO_MERGE_SCORE: f64 = 0.80;

/// Blocks larger than this are skipped: a block that big (a very common name at a postal
/// code) says nothing the e-mail and phone blocks would not.
const MAX_BLOCK: usize = 300;

/// A pair of customers that look like one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The customer to keep: the older record (joined first, then the smaller id).
    pub keep: String,
    /// The customer to merge into `keep`.
    pub duplicate: String,
    /// 0–1.
    pub score: f64,
    /// What agrees (`name`, `email`, `phone`, `address`, `postal_code`).
    pub reasons: Vec<&'static str>,
}

/// What the matcher needs of a customer, folded once.
struct Prepared {
    id: String,
    created_on: String,
    first: String,
    last: String,
    email: Option<String>,
    phone: Option<String>,
    postal: String,
    street: String,
}

fn prepare(c: &Customer) -> Prepared {
    Prepared {
        id: c.id.clone(),
        created_on: c.created_on.clone(),
        first: c.first_name.clone(),
        last: c.last_name.clone(),
        email: c
            .email
            .as_deref()
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty()),
        phone: c
            .phone
            .as_deref()
            .and_then(|p| phone::to_e164(p, &c.address.country)),
        postal: c.address.postal_code.trim().to_ascii_uppercase(),
        street: text::tokens(&c.address.line1).concat(),
    }
}

/// Every live customer of the feed.
pub fn live_customers(conn: &Conn<'_>) -> Result<Vec<Customer>> {
    let mut out = Vec::new();
    conn.for_each(
        "SELECT payload FROM feed WHERE entity = 'customer' AND deleted = 0",
        (),
        |r| {
            let payload = sealed::from_stored(conn, r.get(0)?)?;
            if let Change::Upsert {
                record: Record::Customer(c),
            } = serde_json::from_str::<Change>(&payload)?
            {
                out.push(c);
            }
            Ok::<_, Error>(())
        },
    )?;
    Ok(out)
}

/// Scores a pair (0–1) and says what agrees.
fn score(a: &Prepared, b: &Prepared) -> (f64, Vec<&'static str>) {
    let mut reasons = Vec::new();
    let name = name_similarity_mean(&a.first, &a.last, &b.first, &b.last);
    // Only a close name counts; below 0.85 two names are different people's.
    let mut s = ((name - 0.85) / 0.15).clamp(0.0, 1.0) * 0.45;
    if name >= 0.85 {
        reasons.push("name");
    }
    let same_postal = !a.postal.is_empty() && a.postal == b.postal;
    if same_postal {
        s += 0.15;
        reasons.push("postal_code");
        if !a.street.is_empty() && a.street == b.street {
            s += 0.2;
            reasons.push("address");
        }
    }
    match (&a.email, &b.email) {
        (Some(x), Some(y)) if x == y => {
            s += 0.3;
            reasons.push("email");
        }
        (Some(_), Some(_)) => s -= 0.3,
        _ => {}
    }
    match (&a.phone, &b.phone) {
        (Some(x), Some(y)) if x == y => {
            s += 0.25;
            reasons.push("phone");
        }
        (Some(_), Some(_)) => s -= 0.25,
        _ => {}
    }
    (s.clamp(0.0, 1.0), reasons)
}

/// Likely duplicate pairs among `customers` scoring at least `min_score`, best first.
pub fn find(customers: &[Customer], min_score: f64) -> Vec<Candidate> {
    let prepared: Vec<Prepared> = customers.iter().map(prepare).collect();
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        if let Some(e) = &p.email {
            blocks.entry(format!("e:{e}")).or_default().push(i);
        }
        if let Some(ph) = &p.phone {
            blocks.entry(format!("p:{ph}")).or_default().push(i);
        }
        if !p.postal.is_empty() {
            // Either name word: a swapped or mistyped record still shares one key.
            let words: BTreeSet<String> = text::tokens(&p.first)
                .into_iter()
                .chain(text::tokens(&p.last))
                .map(|w| phonetic_key(&w))
                .filter(|k| !k.is_empty())
                .collect();
            for k in words {
                blocks
                    .entry(format!("n:{}:{k}", p.postal))
                    .or_default()
                    .push(i);
            }
        }
    }
    let mut pairs: BTreeMap<(usize, usize), ()> = BTreeMap::new();
    for members in blocks.values() {
        if members.len() < 2 || members.len() > MAX_BLOCK {
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                pairs.insert((i.min(j), i.max(j)), ());
            }
        }
    }
    let mut out: Vec<Candidate> = pairs
        .into_keys()
        .filter_map(|(i, j)| {
            let (a, b) = (&prepared[i], &prepared[j]);
            let (s, reasons) = score(a, b);
            (s >= min_score).then(|| {
                let (keep, dup) = if (&a.created_on, &a.id) <= (&b.created_on, &b.id) {
                    (a, b)
                } else {
                    (b, a)
                };
                Candidate {
                    keep: keep.id.clone(),
                    duplicate: dup.id.clone(),
                    score: s,
                    reasons,
                }
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.keep.cmp(&b.keep))
    });
    out
}

/// Precision and recall of the matcher at one threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// The threshold.
    pub min_score: f64,
    /// Pairs found.
    pub found: usize,
    /// Of which planted.
    pub true_positives: usize,
    /// Planted pairs.
    pub planted: usize,
}

impl Measure {
    /// Share of found pairs that are planted (1 when nothing is found).
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.found as f64
        }
    }

    /// Share of planted pairs found.
    pub fn recall(&self) -> f64 {
        if self.planted == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.planted as f64
        }
    }
}

/// Precision and recall of `found` against `truth` (unordered pairs), at each threshold.
pub fn measure(
    found: &[Candidate],
    truth: &BTreeSet<(String, String)>,
    thresholds: &[f64],
) -> Vec<Measure> {
    let norm = |a: &str, b: &str| {
        if a <= b {
            (a.to_owned(), b.to_owned())
        } else {
            (b.to_owned(), a.to_owned())
        }
    };
    let truth: BTreeSet<(String, String)> = truth.iter().map(|(a, b)| norm(a, b)).collect();
    thresholds
        .iter()
        .map(|&t| {
            let above: Vec<&Candidate> = found.iter().filter(|c| c.score >= t).collect();
            let true_positives = above
                .iter()
                .filter(|c| truth.contains(&norm(&c.keep, &c.duplicate)))
                .count();
            Measure {
                min_score: t,
                found: above.len(),
                true_positives,
                planted: truth.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use carnet_protocol::Address;

    #[test]
    fn a_card_is_looked_up_through_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        let plan: Vec<String> = conn
            .query_map(
                &format!("EXPLAIN QUERY PLAN {LIVE_CARD}"),
                ["2900000000017"],
                |r| r.get::<_, String>(3),
            )
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("feed_customer_card")),
            "{plan:?}"
        );
        assert!(!card_in_use(&conn, "2900000000017").unwrap());
    }

    fn customer(
        id: &str,
        first: &str,
        last: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Customer {
        Customer {
            id: id.into(),
            card: String::new(),
            first_name: first.into(),
            last_name: last.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            address: Address {
                line1: "12 rue des Lilas".into(),
                postal_code: "75011".into(),
                city: "Paris".into(),
                country: "FR".into(),
            },
            language: "fr".into(),
            home_store_id: "S001".into(),
            tier: "gold".into(),
            points: 0,
            customer_type: "individual".into(),
            segment: "x".into(),
            consents: vec![],
            created_on: format!("2020-01-{}", &id[id.len() - 2..]),
            updated_at: "2024-01-01T00:00:00Z".into(),
            advisor_id: None,
            birthday: None,
        }
    }

    #[test]
    fn variations_of_one_person_match_and_homonyms_do_not() {
        let original = customer(
            "C01",
            "Hélène",
            "Dupont",
            Some("h.dupont@orange.fr"),
            Some("06 12 34 56 78"),
        );
        let cases = [
            customer(
                "C02",
                "Helene",
                "Dupont",
                Some("h.dupont@orange.fr"),
                Some("0612345678"),
            ),
            customer("C03", "Hélène", "Dupomt", None, Some("+33 6 12 34 56 78")),
            customer("C04", "Dupont", "Hélène", Some("H.DUPONT@ORANGE.FR"), None),
            customer("C05", "Hélène", "DUPONT", None, None),
        ];
        for dup in &cases {
            let found = find(&[original.clone(), dup.clone()], AUTO_MERGE_SCORE);
            assert_eq!(found.len(), 1, "{}", dup.id);
            assert_eq!(
                (found[0].keep.as_str(), found[0].duplicate.as_str()),
                ("C01", dup.id.as_str())
            );
        }
        // A homonym at another address with her own e-mail and phone.
        let mut homonym = customer(
            "C06",
            "Hélène",
            "Dupont",
            Some("helene.d@gmail.com"),
            Some("06 99 88 77 66"),
        );
        homonym.address.line1 = "3 avenue Foch".into();
        assert!(find(&[original.clone(), homonym.clone()], REVIEW_SCORE).is_empty());
        homonym.address.postal_code = "69002".into();
        assert!(
            find(&[original, homonym], 0.0).is_empty(),
            "no shared block"
        );
    }

    #[test]
    fn precision_and_recall_are_counted_on_unordered_pairs() {
        let found = vec![
            Candidate {
                keep: "A".into(),
                duplicate: "B".into(),
                score: 0.9,
                reasons: vec![],
            },
            Candidate {
                keep: "C".into(),
                duplicate: "D".into(),
                score: 0.7,
                reasons: vec![],
            },
        ];
        let truth: BTreeSet<_> = [
            ("B".to_owned(), "A".to_owned()),
            ("E".to_owned(), "F".to_owned()),
        ]
        .into();
        let m = measure(&found, &truth, &[0.6, 0.8]);
        assert_eq!((m[0].precision(), m[0].recall()), (0.5, 0.5));
        assert_eq!((m[1].precision(), m[1].recall()), (1.0, 0.5));
    }
}
