//! Operations on one customer from the command line: GDPR erasure and the profile-view audit.

use carnet_protocol::Entity;
use rusqlite::{Connection, params};

use crate::error::Result;
use crate::feed;
use crate::ids;

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EraseReport {
    /// She had been erased before: nothing to do.
    pub already_erased: bool,
    /// She was in the feed.
    pub known: bool,
    /// Tombstones written (customer, purchases, offers, feedback).
    pub tombstones: usize,
}

/// Erases a customer: her record, purchases, offers and feedback become tombstones, her edit
/// history and consent log go, and her id is kept in `erased` so that no import brings her
/// back and every later mutation about her is rejected. Run inside a write transaction.
pub fn erase(conn: &Connection, customer_id: &str) -> Result<EraseReport> {
    if crate::mutations::is_erased(conn, customer_id)? {
        return Ok(EraseReport {
            already_erased: true,
            known: false,
            tombstones: 0,
        });
    }
    let owned = feed::owned_rows(conn, customer_id)?;
    let mut tombstones = feed::put_tombstone(conn, Entity::Customer, customer_id)?;
    let known = tombstones > 0;
    let mut forget =
        conn.prepare_cached("DELETE FROM imported WHERE entity = ?1 AND entity_id = ?2")?;
    let mut forget_edits = conn.prepare_cached("DELETE FROM edit_time WHERE subject = ?1")?;
    for (entity, id, _, _) in owned {
        tombstones += feed::put_tombstone(conn, entity, &id)?;
        forget.execute(params![entity.as_str(), id])?;
        forget_edits.execute([&id])?;
    }
    forget.execute(params![Entity::Customer.as_str(), customer_id])?;
    forget_edits.execute([customer_id])?;
    conn.execute("DELETE FROM feedback WHERE customer_id = ?1", [customer_id])?;
    conn.execute(
        "DELETE FROM consent_log WHERE customer_id = ?1",
        [customer_id],
    )?;
    conn.execute(
        "INSERT INTO erased (customer_id, erased_at) VALUES (?1, ?2)",
        params![customer_id, ids::now()],
    )?;
    Ok(EraseReport {
        already_erased: false,
        known,
        tombstones,
    })
}

/// One profile view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// When, by the device's clock.
    pub viewed_at: String,
    /// When the server received it.
    pub received_at: String,
    /// Which device.
    pub device_id: String,
    /// The device's label, if it still exists.
    pub device_label: Option<String>,
    /// The device's store.
    pub store_id: String,
    /// The advisor signed in, if known.
    pub advisor_id: Option<String>,
}

/// Who looked at this customer, oldest first.
pub fn audit(conn: &Connection, customer_id: &str) -> Result<Vec<View>> {
    let mut stmt = conn.prepare(
        "SELECT v.viewed_at, v.received_at, v.device_id, d.label, v.store_id, v.advisor_id
         FROM profile_view v LEFT JOIN device d ON d.id = v.device_id
         WHERE v.customer_id = ?1 ORDER BY v.viewed_at, v.id",
    )?;
    let rows = stmt
        .query_map([customer_id], |r| {
            Ok(View {
                viewed_at: r.get(0)?,
                received_at: r.get(1)?,
                device_id: r.get(2)?,
                device_label: r.get(3)?,
                store_id: r.get(4)?,
                advisor_id: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Drops every tombstone and starts a new feed epoch: every device's cursor expires and it
/// re-syncs from the beginning (erased customers stay out: they are in no live row).
pub fn compact_feed(conn: &Connection) -> Result<usize> {
    let n = conn.execute("DELETE FROM feed WHERE deleted = 1", [])?;
    feed::new_epoch(conn)?;
    Ok(n)
}
