//! An advisor's client book: the customers she follows (the CRM's `advisor_id`, as a manager
//! reassigns it), the most recently seen first, with what helps her choose whom to contact.

use chrono::NaiveDate;
use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::lookup::{CustomerMatch, MATCH_COLUMNS, read_match};
use crate::store::Cache;
use crate::time;

/// One customer of a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookEntry {
    /// Who she is.
    pub customer: CustomerMatch,
    /// The day (UTC) of her last purchase in any store, if she bought anything.
    pub last_visit: Option<NaiveDate>,
    /// Her birthday as `MM-DD`, if she gave it.
    pub birthday: Option<String>,
}

/// An advisor's book, or its first entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// The advisor's name as the store's records have it (`None` for an advisor the records
    /// do not list yet).
    pub advisor_name: Option<String>,
    /// Customers in her book in all.
    pub total: u64,
    /// The first `limit`, the most recently seen first (then by name; never seen last).
    pub entries: Vec<BookEntry>,
}

/// The book of `advisor_id`, its first `limit` entries.
pub fn of(cache: &Cache, advisor_id: &str, limit: usize) -> Result<Book> {
    cache.read(|c| {
        let advisor_name = c
            .prepare_cached("SELECT first_name || ' ' || last_name FROM advisor WHERE id = ?1")?
            .query_row([advisor_id], |r| r.get::<_, String>(0))
            .optional()?;
        let total: i64 = c
            .prepare_cached("SELECT count(*) FROM customer WHERE advisor_id = ?1")?
            .query_row([advisor_id], |r| r.get(0))?;
        let mut query = c.prepare_cached(&format!(
            "SELECT {MATCH_COLUMNS},
                    (SELECT max(p.bought_at) FROM purchase p WHERE p.customer_id = c.id) AS seen,
                    c.birthday
               FROM customer c
              WHERE c.advisor_id = ?1
              ORDER BY seen IS NULL, seen DESC, c.last_name, c.first_name, c.id
              LIMIT ?2"
        ))?;
        let entries = query
            .query_map(
                rusqlite::params![advisor_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(BookEntry {
                        customer: read_match(r)?,
                        last_visit: r.get::<_, Option<i64>>(7)?.and_then(time::day_of),
                        birthday: r.get(8)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Book {
            advisor_name,
            total: u64::try_from(total).unwrap_or(0),
            entries,
        })
    })
}
