//! Wish lists: products a customer wants later (a launch to come, a shade the store does not
//! carry today), noted by an advisor, offline. When a wished product launches, her advisor gets
//! a launch task (`tasks::rules`), whatever brands she bought before. A wish is personal data:
//! in the store's feed for its devices, in her access export, gone with an erasure.

use carnet_protocol::{MAX_WISH_NOTE_CHARS, WishRecord};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::store::Cache;

/// Prefix of wish ids.
const WISH_ID_PREFIX: &str = "W";

/// A wish as her card shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wish {
    /// Its id.
    pub id: String,
    /// The product.
    pub product_id: String,
    /// Its name.
    pub product_name: String,
    /// Its launch day, if the catalogue has one.
    pub launch_on: Option<String>,
    /// What the advisor noted.
    pub note: Option<String>,
    /// Who noted it.
    pub advisor_id: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// An id for a new wish.
pub fn new_wish_id() -> Result<String> {
    crate::registration::random_id(WISH_ID_PREFIX)
}

/// Refuses a note longer than [`MAX_WISH_NOTE_CHARS`]; the device and the server both ask.
pub fn check_note(note: Option<&str>) -> Result<()> {
    match note {
        Some(n) if n.chars().count() > MAX_WISH_NOTE_CHARS => Err(Error::InvalidInput(
            "a wish's note is at most 200 characters".into(),
        )),
        _ => Ok(()),
    }
}

/// Her wishes, the latest first.
pub fn of(cache: &Cache, customer_id: &str) -> Result<Vec<Wish>> {
    cache.read(|c| {
        let rows = c
            .prepare_cached(
                "SELECT w.id, w.product_id, p.name, p.launch_on, w.note, w.advisor_id, w.at
                   FROM wish w JOIN product p ON p.id = w.product_id
                  WHERE w.customer_id = ?1 ORDER BY w.at DESC, w.id",
            )?
            .query_map([customer_id], |r| {
                Ok(Wish {
                    id: r.get(0)?,
                    product_id: r.get(1)?,
                    product_name: r.get(2)?,
                    launch_on: r.get(3)?,
                    note: r.get(4)?,
                    advisor_id: r.get(5)?,
                    at: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })
}

/// Writes a wish (noted here, or from the store's feed); the product must be in the catalogue.
pub(crate) fn write(c: &Connection, r: &WishRecord) -> Result<()> {
    let known: Option<i64> = c
        .prepare_cached("SELECT 1 FROM product WHERE id = ?1")?
        .query_row([&r.product_id], |r| r.get(0))
        .optional()?;
    if known.is_none() {
        return Err(Error::NotFound);
    }
    c.prepare_cached(
        "INSERT INTO wish (id, customer_id, product_id, note, advisor_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET customer_id = ?2, product_id = ?3, note = ?4,
             advisor_id = ?5, at = ?6",
    )?
    .execute(params![
        r.id,
        r.customer_id,
        r.product_id,
        r.note,
        r.advisor_id,
        r.at
    ])?;
    Ok(())
}

/// Removes a wish of hers.
pub(crate) fn remove(c: &Connection, customer_id: &str, wish_id: &str) -> Result<()> {
    let removed = c
        .prepare_cached("DELETE FROM wish WHERE id = ?1 AND customer_id = ?2")?
        .execute([wish_id, customer_id])?;
    if removed == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
