//! Each store's customers as the console looks for them: their records with the folded words
//! a search matches (names, postal code, card, e-mail, phone digits), and the store's likely
//! duplicate pairs, found on first asking. Kept until a customer record changes (see
//! [`crate::kept`]), so a search or the duplicate review reads memory, not the feed.

use std::collections::HashMap;
use std::sync::OnceLock;

use carnet_protocol::{Customer, Entity, Record};

use crate::duplicates::{self, Candidate};
use crate::error::Error;
use crate::feed;
use crate::sql::Conn;

/// One store's customers.
#[derive(Default)]
pub struct StoreCustomers {
    /// Their records, by family name then given name.
    pub customers: Vec<Customer>,
    /// The words each one is found by, in the same order.
    words: Vec<Vec<String>>,
    /// Where each one is, by id.
    by_id: HashMap<String, usize>,
    /// Likely duplicate pairs scoring at least [`duplicates::REVIEW_SCORE`], best first.
    pairs: OnceLock<Vec<Candidate>>,
}

impl StoreCustomers {
    /// Those whose words start with every word of `query`, at most `limit`.
    pub fn find(&self, query: &str, limit: usize) -> Vec<&Customer> {
        let asked = carnet_core::text::tokens(query);
        if asked.is_empty() {
            return Vec::new();
        }
        self.customers
            .iter()
            .zip(&self.words)
            .filter(|(_, own)| {
                asked
                    .iter()
                    .all(|a| own.iter().any(|w| w.starts_with(a.as_str())))
            })
            .map(|(c, _)| c)
            .take(limit)
            .collect()
    }

    /// The likely duplicate pairs (found once per version of the customers).
    pub fn pairs(&self) -> &[Candidate] {
        self.pairs
            .get_or_init(|| duplicates::find(&self.customers, duplicates::REVIEW_SCORE))
    }

    /// The customer `id`, if she is one of the store's.
    pub fn get(&self, id: &str) -> Option<&Customer> {
        self.by_id.get(id).map(|i| &self.customers[*i])
    }
}

/// Every store's customers, by store id.
pub type Directory = HashMap<String, StoreCustomers>;

/// The words a customer is found by.
fn words(c: &Customer) -> Vec<String> {
    let digits: String = c
        .phone
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let text = format!(
        "{} {} {} {} {} {digits}",
        c.first_name,
        c.last_name,
        c.address.postal_code,
        c.card,
        c.email.as_deref().unwrap_or("")
    );
    carnet_core::text::tokens(&text)
}

/// Reads every store's customers (one pass over the live customer records).
pub fn read(conn: &Conn<'_>) -> Result<Directory, Error> {
    let mut by_store: HashMap<String, Vec<Customer>> = HashMap::new();
    conn.for_each(
        "SELECT store_id, payload FROM feed WHERE entity = 'customer' AND deleted = 0",
        (),
        |r| {
            let store: String = r.get(0)?;
            let payload = crate::sealed::from_stored(conn, r.get(1)?)?;
            if let Record::Customer(c) = feed::upserted(&payload)? {
                by_store.entry(store).or_default().push(c);
            }
            Ok::<_, Error>(())
        },
    )?;
    Ok(by_store
        .into_iter()
        .map(|(store, mut customers)| {
            customers.sort_by(|a, b| {
                (&a.last_name, &a.first_name, &a.id).cmp(&(&b.last_name, &b.first_name, &b.id))
            });
            let words = customers.iter().map(words).collect();
            let by_id = customers
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), i))
                .collect();
            let kept = StoreCustomers {
                customers,
                words,
                by_id,
                pairs: OnceLock::new(),
            };
            (store, kept)
        })
        .collect())
}

/// The directory, kept until a customer changes.
pub fn kept() -> crate::kept::Kept<Directory> {
    crate::kept::Kept::new(Entity::Customer, read)
}
