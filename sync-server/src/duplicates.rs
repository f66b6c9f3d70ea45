//! Duplicate customers on the server: the matcher across imports and channels (blocking by
//! e-mail, phone and postal code + phonetic name key; scoring names, e-mail, phone, address),
//! and its precision and recall against planted duplicates.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// True if a live customer (or a customer merged into another) holds this card number.
pub fn card_in_use(conn: &Connection, card: &str) -> Result<bool> {
    // A scan of the customers' payloads: registrations are rare, and the feed keeps no card
    // index (the device's cache has one).
    let live: Option<i64> = conn
        .prepare_cached(
            "SELECT 1 FROM feed WHERE entity = 'customer' AND deleted = 0
             AND json_extract(payload, '$.record.card') = ?1 LIMIT 1",
        )?
        .query_row([card], |r| r.get(0))
        .optional()?;
    Ok(live.is_some())
}
