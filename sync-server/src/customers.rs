//! Operations on one customer from the command line: GDPR erasure and the profile-view audit.

use crate::sql::{Conn, params};
use carnet_protocol::{Entity, Record};

use crate::error::Result;
use crate::ids;
use crate::{customer_record, feed};

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
pub fn erase(conn: &Conn<'_>, customer_id: &str) -> Result<EraseReport> {
    if customer_record::is_erased(conn, customer_id)? {
        return Ok(EraseReport {
            already_erased: true,
            known: false,
            tombstones: 0,
        });
    }
    let owned = feed::owned_rows(conn, customer_id)?;
    let mut tombstones = feed::put_tombstone(conn, Entity::Customer, customer_id)?;
    let known = tombstones > 0;
    let forget = |entity: Entity, id: &str| -> Result<()> {
        conn.execute(
            "DELETE FROM imported WHERE entity = ?1 AND entity_id = ?2",
            params![entity.as_str(), id],
        )?;
        conn.execute("DELETE FROM edit_time WHERE subject = ?1", [id])?;
        Ok(())
    };
    for (entity, id, _, _) in owned {
        tombstones += feed::put_tombstone(conn, entity, &id)?;
        forget(entity, &id)?;
    }
    forget(Entity::Customer, customer_id)?;
    conn.execute("DELETE FROM feedback WHERE customer_id = ?1", [customer_id])?;
    crate::messages::forget(conn, customer_id)?;
    crate::tasks::forget(conn, customer_id)?;
    crate::appointments::forget(conn, customer_id)?;
    conn.execute(
        "DELETE FROM consent_log WHERE customer_id = ?1",
        [customer_id],
    )?;
    // Duplicates merged into her are her too: erased with her (their ids stay refused).
    conn.execute(
        "INSERT INTO erased (customer_id, erased_at)
         SELECT from_id, ?2 FROM merged WHERE to_id = ?1
         ON CONFLICT (customer_id) DO NOTHING",
        params![customer_id, ids::now()],
    )?;
    conn.execute("DELETE FROM merged WHERE to_id = ?1", [customer_id])?;
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
pub fn audit(conn: &Conn<'_>, customer_id: &str) -> Result<Vec<View>> {
    let rows = conn.query_map(
        "SELECT v.viewed_at, v.received_at, v.device_id, d.label, v.store_id, v.advisor_id
         FROM profile_view v LEFT JOIN device d ON d.id = v.device_id
         WHERE v.customer_id = ?1 ORDER BY v.viewed_at, v.id",
        [customer_id],
        |r| {
            Ok(View {
                viewed_at: r.get(0)?,
                received_at: r.get(1)?,
                device_id: r.get(2)?,
                device_label: r.get(3)?,
                store_id: r.get(4)?,
                advisor_id: r.get(5)?,
            })
        },
    )?;
    Ok(rows)
}

/// Drops every tombstone and starts a new feed epoch: every device's cursor expires and it
/// re-syncs from the beginning (erased customers stay out: they are in no live row).
pub fn compact_feed(conn: &Conn<'_>) -> Result<usize> {
    let n = conn.execute("DELETE FROM feed WHERE deleted = 1", ())?;
    feed::new_epoch(conn)?;
    Ok(n)
}

/// Everything the server holds about a customer (GDPR access request), as readable JSON:
/// her record, purchases, offers, feedback, advisors' notes, what they did with her tasks, her
/// appointments, current consents
/// and their history (with the device and advisor), profile views, duplicates merged into her, and the times her contact
/// fields were last edited. An id merged into another exports the kept customer (and says
/// so); an erased id exports only that fact.
pub fn export(conn: &Conn<'_>, customer_id: &str) -> Result<serde_json::Value> {
    use serde_json::json;
    let erased = customer_record::is_erased(conn, customer_id)?;
    let id = customer_record::resolve(conn, customer_id)?;
    let record = match feed::live_row(conn, Entity::Customer, &id)? {
        Some(row) => Some(row.record()?),
        None => None,
    };
    let mut owned: std::collections::BTreeMap<&'static str, Vec<serde_json::Value>> =
        std::collections::BTreeMap::new();
    for (entity, _, _, payload) in feed::owned_rows(conn, &id)? {
        let row = feed::LiveRow {
            store_id: String::new(),
            customer_id: None,
            payload,
        };
        owned
            .entry(entity.as_str())
            .or_default()
            .push(serde_json::to_value(row.record()?)?);
    }
    let consent_history = conn.query_map(
        "SELECT channel, purpose, granted, source, device_id, advisor_id, made_at, recorded_at
         FROM consent_log WHERE customer_id = ?1 ORDER BY recorded_at, id",
        [&id],
        |r| {
            Ok(json!({
                "channel": r.get::<_, String>(0)?,
                "purpose": r.get::<_, String>(1)?,
                "granted": r.get::<_, bool>(2)?,
                "source": r.get::<_, String>(3)?,
                "device_id": r.get::<_, String>(4)?,
                "advisor_id": r.get::<_, Option<String>>(5)?,
                "made_at": r.get::<_, String>(6)?,
                "recorded_at": r.get::<_, String>(7)?,
            }))
        },
    )?;
    let merged_from = conn.query_map(
        "SELECT from_id, from_card, merged_at, merged_by FROM merged WHERE to_id = ?1
         ORDER BY merged_at",
        [&id],
        |r| {
            Ok(json!({
                "customer_id": r.get::<_, String>(0)?,
                "card": r.get::<_, Option<String>>(1)?,
                "merged_at": r.get::<_, String>(2)?,
                "merged_by": r.get::<_, String>(3)?,
            }))
        },
    )?;
    let views: Vec<serde_json::Value> = audit(conn, &id)?
        .into_iter()
        .map(|v| {
            json!({
                "viewed_at": v.viewed_at,
                "received_at": v.received_at,
                "device_id": v.device_id,
                "device_label": v.device_label,
                "store_id": v.store_id,
                "advisor_id": v.advisor_id,
            })
        })
        .collect();
    let edits: Vec<serde_json::Value> = customer_record::edit_times(conn, &id)?
        .into_iter()
        .map(|(field, at)| json!({"field": field, "edited_at": at}))
        .collect();
    let consents = match &record {
        Some(Record::Customer(c)) => serde_json::to_value(&c.consents)?,
        _ => json!([]),
    };
    let mut take = |k: &str| owned.remove(k).unwrap_or_default();
    Ok(json!({
        "format": "carnet-access-export",
        "version": 1,
        "exported_at": ids::now(),
        "requested_id": customer_id,
        "customer_id": id,
        "erased": erased,
        "customer": record,
        "consents": consents,
        "consent_history": consent_history,
        "purchases": take("purchase"),
        "offers": take("offer"),
        "feedback": take("feedback"),
        "redirects": take("redirect"),
        "tasks": take("task_state"),
        "notes": take("note"),
        "contacts": take("outreach"),
        "wishes": take("wish"),
        "appointments": take("appointment"),
        "merged_from": merged_from,
        "profile_views": views,
        "contact_edit_times": edits,
    }))
}
