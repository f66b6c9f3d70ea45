//! The per-store change feed: one row per live entity and per tombstone, ordered by a
//! server-assigned seq; pages of pre-serialised changes and the opaque `epoch:seq` cursor.
//!
//! A store's feed is its own rows plus the catalog's (`store_id = ''`). Writing an entity
//! replaces its row with a new one (new seq); moving it to another store leaves a tombstone in
//! the old one. SQLite has one writer at a time, so seqs are committed in increasing order and
//! a reader's snapshot never misses a row below the head it saw.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::{Change, Entity, Record};

use crate::sealed;
use crate::sql::{Backend, Conn, OptionalExtension, Value, params, placeholders};

use crate::error::{Error, Result};

/// The scope of catalog rows, visible to every store.
pub const CATALOG: &str = "";

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The cursor is not one this server wrote.
    #[error("the cursor is malformed")]
    BadCursor,
    /// The cursor belongs to an earlier feed (rebuilt, or restored from an older backup).
    #[error("the cursor is from an earlier feed")]
    Expired,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] Error),
}

impl From<crate::sql::SqlError> for PageError {
    fn from(e: crate::sql::SqlError) -> Self {
        PageError::Db(Error::from(e))
    }
}

/// One page, ready to be written as a `ChangePage`.
#[derive(Debug)]
pub struct Page {
    /// The changes' JSON, in feed order.
    pub payloads: Vec<String>,
    /// The cursor after this page.
    pub next_cursor: String,
    /// More rows follow.
    pub has_more: bool,
    /// Rows after `next_cursor`.
    pub remaining: u64,
}

impl Page {
    /// The page as a `ChangePage` JSON document, built from the stored payloads as they are.
    pub fn to_json(&self) -> String {
        let size: usize = self.payloads.iter().map(|p| p.len() + 1).sum();
        let mut out = String::with_capacity(size + 128);
        out.push_str("{\"changes\":[");
        for (i, p) in self.payloads.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(p);
        }
        // The cursor is base64url: no character needs escaping.
        out.push_str("],\"next_cursor\":\"");
        out.push_str(&self.next_cursor);
        out.push_str("\",\"has_more\":");
        out.push_str(if self.has_more { "true" } else { "false" });
        out.push_str(",\"remaining\":");
        out.push_str(&self.remaining.to_string());
        out.push('}');
        out
    }
}

/// Creates a new feed epoch: every cursor handed out before becomes `cursor_expired`.
pub fn new_epoch(conn: &Conn<'_>) -> Result<String> {
    let epoch = crate::ids::hex(&crate::ids::random_bytes(8)?);
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('epoch', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [&epoch],
    )?;
    Ok(epoch)
}

/// The current feed epoch.
pub fn epoch(conn: &Conn<'_>) -> Result<String> {
    Ok(
        conn.query_row("SELECT value FROM meta WHERE key = 'epoch'", (), |r| {
            r.get(0)
        })?,
    )
}

/// Encodes a cursor.
pub fn encode_cursor(epoch: &str, seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{epoch}:{seq}"))
}

/// The key that authenticates the estimates cursors carry (in the database: the same for
/// every server replica).
fn cursor_key(conn: &Conn<'_>) -> Result<ring::hmac::Key> {
    let hex: String =
        conn.query_row("SELECT value FROM meta WHERE key = 'cursor_key'", (), |r| {
            r.get(0)
        })?;
    let bytes = crate::ids::unhex(&hex)
        .ok_or_else(|| Error::Config("the stored cursor key is not hex".into()))?;
    Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))
}

/// Encodes a cursor that also carries the estimate of rows after it, so that the next page
/// need not count them again (counting 600k index entries costs ~60 ms a page). The estimate
/// is authenticated: one that does not come from this server is never used.
fn encode_cursor_with_estimate(
    key: &ring::hmac::Key,
    epoch: &str,
    seq: i64,
    remaining: u64,
) -> String {
    let text = format!("{epoch}:{seq}:{remaining}");
    let tag = ring::hmac::sign(key, text.as_bytes());
    URL_SAFE_NO_PAD.encode(format!("{text}:{}", crate::ids::hex(tag.as_ref())))
}

/// Decodes a cursor of the current epoch to the seq it points after ("" is the beginning).
pub fn decode_cursor(cursor: &str, current_epoch: &str) -> Result<i64, PageError> {
    decode_cursor_full(cursor, current_epoch, None).map(|(seq, _)| seq)
}

/// The seq a cursor points after and, if `key` authenticates it, the estimate it carries.
fn decode_cursor_full(
    cursor: &str,
    current_epoch: &str,
    key: Option<&ring::hmac::Key>,
) -> Result<(i64, Option<u64>), PageError> {
    if cursor.is_empty() {
        return Ok((0, None));
    }
    let raw = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| PageError::BadCursor)?;
    let text = std::str::from_utf8(&raw).map_err(|_| PageError::BadCursor)?;
    let parts: Vec<&str> = text.split(':').collect();
    let (epoch, seq) = match parts.as_slice() {
        [epoch, seq, ..] if parts.len() <= 4 => (*epoch, seq.parse::<i64>().ok()),
        _ => return Err(PageError::BadCursor),
    };
    let seq = seq.filter(|s| *s >= 0).ok_or(PageError::BadCursor)?;
    let estimate = match parts.get(2) {
        Some(e) => Some(e.parse::<u64>().map_err(|_| PageError::BadCursor)?),
        None => None,
    };
    if epoch.is_empty() {
        return Err(PageError::BadCursor);
    }
    if epoch != current_epoch {
        return Err(PageError::Expired);
    }
    // An estimate without this server's tag (forged, or of a cursor written before estimates
    // were authenticated) is not believed: the rows are counted instead.
    let authentic = |tag: &str| {
        let signed = format!("{epoch}:{seq}:{}", parts[2]);
        key.zip(crate::ids::unhex(tag))
            .is_some_and(|(key, tag)| ring::hmac::verify(key, signed.as_bytes(), &tag).is_ok())
    };
    let estimate = estimate.filter(|_| parts.get(3).is_some_and(|tag| authentic(tag)));
    Ok((seq, estimate))
}

/// The highest seq given by a committed write, as the caller's transaction sees it (0 for
/// an empty feed).
pub fn head(conn: &Conn<'_>) -> Result<i64> {
    // A counter, not max(seq): a replaced or compacted row keeps its number. SQLite's counter
    // is transactional; PostgreSQL's sequence is not (it counts numbers taken by writes still
    // in flight, which a cursor set to it would skip), so a row kept with the rows does it.
    let sql = match conn.backend() {
        crate::sql::Backend::Sqlite => "SELECT seq FROM sqlite_sequence WHERE name = 'feed'",
        crate::sql::Backend::Postgres => "SELECT seq FROM feed_head",
    };
    Ok(conn
        .query_row(sql, (), |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Reads the page of `store_id`'s feed after `cursor`. Run it inside one read transaction.
pub fn read_page(
    conn: &Conn<'_>,
    store_id: &str,
    cursor: &str,
    limit: u32,
) -> Result<Page, PageError> {
    let epoch = epoch(conn)?;
    let key = cursor_key(conn)?;
    let (after, estimate) = decode_cursor_full(cursor, &epoch, Some(&key))?;
    let head = head(conn)?;
    if after > head {
        return Err(PageError::Expired);
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let own = scope_rows(conn, store_id, after, limit + 1)?;
    let catalog = scope_rows(conn, CATALOG, after, limit + 1)?;
    let mut merged = merge_by_seq(own, catalog);
    let has_more = merged.len() > limit;
    merged.truncate(limit);
    let last = if has_more {
        merged.last().map_or(after, |(seq, _)| *seq)
    } else {
        // Nothing of this store up to the head: skip other stores' rows next time.
        head
    };
    let carried = estimate
        .map(|e| e.saturating_sub(merged.len() as u64))
        .filter(|e| *e > 0);
    let remaining = match (has_more, carried) {
        (false, _) => 0,
        // Rows written since the count are not in the estimate: it is for progress only.
        (true, Some(e)) => e,
        (true, None) => count_after(conn, store_id, last)? + count_after(conn, CATALOG, last)?,
    };
    let next_cursor = if has_more {
        encode_cursor_with_estimate(&key, &epoch, last, remaining)
    } else {
        encode_cursor(&epoch, last)
    };
    Ok(Page {
        payloads: merged.into_iter().map(|(_, p)| p).collect(),
        next_cursor,
        has_more,
        remaining,
    })
}

fn scope_rows(conn: &Conn<'_>, scope: &str, after: i64, n: usize) -> Result<Vec<(i64, String)>> {
    let rows: Vec<(i64, String)> = conn.query_map(
        "SELECT seq, payload FROM feed WHERE store_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        params![scope, after, n],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    rows.into_iter()
        .map(|(seq, stored)| Ok((seq, sealed::from_stored(conn, stored)?)))
        .collect()
}

fn count_after(conn: &Conn<'_>, scope: &str, after: i64) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM feed WHERE store_id = ?1 AND seq > ?2",
        params![scope, after],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn merge_by_seq(a: Vec<(i64, String)>, b: Vec<(i64, String)>) -> Vec<(i64, String)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0 < y.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_a { a.next() } else { b.next() };
        out.extend(next);
    }
    out
}

/// The JSON of an upsert of `record`.
pub fn upsert_payload(record: Record) -> Result<String> {
    Ok(serde_json::to_string(&Change::Upsert { record })?)
}

/// The JSON of a tombstone.
pub fn tombstone_payload(entity: Entity, id: &str) -> Result<String> {
    Ok(serde_json::to_string(&Change::Delete {
        entity,
        id: id.to_owned(),
    })?)
}

/// A live row of the feed.
#[derive(Debug, Clone)]
pub struct LiveRow {
    /// Its store ('' for the catalog).
    pub store_id: String,
    /// Its owning customer, if any.
    pub customer_id: Option<String>,
    /// The upsert's JSON.
    pub payload: String,
}

impl LiveRow {
    /// The record inside the payload.
    pub fn record(&self) -> Result<Record> {
        match serde_json::from_str::<Change>(&self.payload)? {
            Change::Upsert { record } => Ok(record),
            Change::Delete { .. } => Err(Error::Config("a live feed row holds a tombstone".into())),
        }
    }
}

/// Writes `record`, owned by customer `customer_id`, to store `store_id`'s feed.
pub fn put_owned(conn: &Conn<'_>, store_id: &str, customer_id: &str, record: Record) -> Result<()> {
    let (entity, id) = (record.entity(), record.id().to_owned());
    let payload = upsert_payload(record)?;
    put_live(conn, entity, &id, store_id, Some(customer_id), &payload)
}

/// Every live record of `entity`, in feed order; only those of `store`'s own feed if given.
pub fn live_records(conn: &Conn<'_>, store: Option<&str>, entity: Entity) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for_each_live(conn, store, entity, |record| {
        out.push(record);
        Ok(())
    })?;
    Ok(out)
}

/// Runs `f` on every live record of `entity` as it is read, in feed order (only those of
/// `store`'s own feed if given): a pass over a large store holds one record at a time.
pub fn for_each_live(
    conn: &Conn<'_>,
    store: Option<&str>,
    entity: Entity,
    mut f: impl FnMut(Record) -> Result<()>,
) -> Result<()> {
    let mut each = |r: &crate::sql::Row<'_>| {
        let payload = sealed::from_stored(conn, r.get(0)?)?;
        match serde_json::from_str::<Change>(&payload)? {
            Change::Upsert { record } => f(record),
            Change::Delete { .. } => Ok(()),
        }
    };
    match store {
        None => conn.for_each(
            "SELECT payload FROM feed WHERE entity = ?1 AND deleted = 0 ORDER BY seq",
            [entity.as_str()],
            &mut each,
        ),
        Some(store) => conn.for_each(
            "SELECT payload FROM feed
              WHERE entity = ?1 AND store_id = ?2 AND deleted = 0 ORDER BY seq",
            [entity.as_str(), store],
            &mut each,
        ),
    }
}

/// Runs `f` on every live row of `store`'s own feed as it is read, in no set order: its
/// entity (as stored) and its upsert's JSON (opened when sealed). One pass over a whole store
/// reads each row once, whatever entities the caller wants; [`upserted`] parses a record.
pub fn for_each_live_row(
    conn: &Conn<'_>,
    store: &str,
    mut f: impl FnMut(&str, &str) -> Result<()>,
) -> Result<()> {
    conn.for_each(
        "SELECT entity, payload FROM feed WHERE store_id = ?1 AND deleted = 0",
        [store],
        |r| {
            let entity: String = r.get(0)?;
            let payload = sealed::from_stored(conn, r.get(1)?)?;
            f(&entity, &payload)
        },
    )
}

/// The record of an upsert's JSON as its entity's own type: read straight into `T`, without
/// going through the tagged [`Record`] (several times faster on a large pass).
pub fn upserted<T: serde::de::DeserializeOwned>(payload: &str) -> Result<T> {
    #[derive(serde::Deserialize)]
    struct Upsert<T> {
        record: T,
    }
    Ok(serde_json::from_str::<Upsert<T>>(payload)?.record)
}

/// The live row of an entity, if it exists.
pub fn live_row(conn: &Conn<'_>, entity: Entity, id: &str) -> Result<Option<LiveRow>> {
    let row = conn
        .query_row(
            "SELECT store_id, customer_id, payload FROM feed
         WHERE entity = ?1 AND entity_id = ?2 AND deleted = 0",
            params![entity.as_str(), id],
            |r| {
                Ok(LiveRow {
                    store_id: r.get(0)?,
                    customer_id: r.get(1)?,
                    payload: r.get(2)?,
                })
            },
        )
        .optional()?;
    row.map(|row| {
        Ok(LiveRow {
            payload: sealed::from_stored(conn, row.payload)?,
            ..row
        })
    })
    .transpose()
}

/// Whether the entity has a row, live or tombstone, in `store_id`'s feed: whether that store
/// ever had it (until a compaction drops the tombstone).
pub fn was_in(conn: &Conn<'_>, entity: Entity, id: &str, store_id: &str) -> Result<bool> {
    Ok(conn.exists(
        "SELECT 1 FROM feed WHERE entity = ?1 AND entity_id = ?2 AND store_id = ?3",
        params![entity.as_str(), id, store_id],
    )?)
}

/// Writes the entity's new state in `store_id` (new seq). A live row it had in another store
/// becomes a tombstone there. Run it inside the writer's transaction.
pub fn put_live(
    conn: &Conn<'_>,
    entity: Entity,
    id: &str,
    store_id: &str,
    customer_id: Option<&str>,
    payload: &str,
) -> Result<()> {
    let mut writes = Writes::default();
    writes.live(
        &rows_of(conn, entity, id)?,
        entity,
        id,
        store_id,
        customer_id,
        payload.to_owned(),
    )?;
    writes.apply(conn)
}

/// Turns every live row of the entity into a tombstone (new seq). Returns how many.
pub fn put_tombstone(conn: &Conn<'_>, entity: Entity, id: &str) -> Result<usize> {
    let mut writes = Writes::default();
    let mut n = 0;
    for row in rows_of(conn, entity, id)? {
        if row.deleted {
            continue;
        }
        writes.tombstone(&row, entity, id)?;
        n += 1;
    }
    writes.apply(conn)?;
    Ok(n)
}

/// A row the feed holds for an entity, live or tombstone.
#[derive(Debug, Clone)]
pub struct Existing {
    seq: i64,
    store_id: String,
    deleted: bool,
    /// The live row's payload, opened, when it was asked for.
    pub payload: Option<String>,
}

/// The rows of many entities of one kind, by id, in one query (a bulk import's lookups);
/// with the live rows' payloads when `with_payload`.
pub fn rows_of_many(
    conn: &Conn<'_>,
    entity: Entity,
    ids: &[&str],
    with_payload: bool,
) -> Result<HashMap<String, Vec<Existing>>> {
    let mut out: HashMap<String, Vec<Existing>> = HashMap::new();
    for chunk in ids.chunks(LOOKUPS_PER_QUERY) {
        let sql = format!(
            "SELECT entity_id, seq, store_id, deleted, CASE WHEN ?1 = 1 AND deleted = 0
               THEN payload END
             FROM feed WHERE entity = ?2 AND entity_id IN ({})",
            placeholders(3, chunk.len())
        );
        let mut params: Vec<Value<'_>> = vec![Value::Int(i64::from(with_payload))];
        params.push(Value::Text(entity.as_str()));
        params.extend(chunk.iter().map(|id| Value::Text(id)));
        conn.for_each(&sql, params, |r| {
            let payload: Option<String> = r.get(4)?;
            out.entry(r.get(0)?).or_default().push(Existing {
                seq: r.get(1)?,
                store_id: r.get(2)?,
                deleted: r.get(3)?,
                payload: payload.map(|p| sealed::from_stored(conn, p)).transpose()?,
            });
            Ok::<_, Error>(())
        })?;
    }
    Ok(out)
}

/// Ids per lookup query, and rows per INSERT: well under both back ends' parameter limits.
pub const LOOKUPS_PER_QUERY: usize = 500;
const ROWS_PER_INSERT: usize = 200;

/// Feed writes gathered to run as a few statements: the rows they replace are deleted first,
/// then the new rows are inserted in order, so their seqs follow that order.
#[derive(Debug, Default)]
pub struct Writes {
    deletes: Vec<i64>,
    inserts: Vec<NewRow>,
}

#[derive(Debug)]
struct NewRow {
    store_id: String,
    entity: Entity,
    id: String,
    customer_id: Option<String>,
    deleted: bool,
    payload: String,
}

impl Writes {
    /// The entity's new state in `store_id`, given the rows it has (`existing`): they are
    /// replaced, and a live row in another store becomes a tombstone there.
    pub fn live(
        &mut self,
        existing: &[Existing],
        entity: Entity,
        id: &str,
        store_id: &str,
        customer_id: Option<&str>,
        payload: String,
    ) -> Result<()> {
        for row in existing {
            if row.store_id == store_id {
                self.deletes.push(row.seq);
            } else if !row.deleted {
                self.tombstone(row, entity, id)?;
            }
            // A tombstone in another store stays: devices there may not have applied it yet.
        }
        self.insert(store_id, entity, id, customer_id, false, payload);
        Ok(())
    }

    /// The live row `row` replaced by a tombstone in its store (new seq).
    fn tombstone(&mut self, row: &Existing, entity: Entity, id: &str) -> Result<()> {
        self.deletes.push(row.seq);
        let payload = tombstone_payload(entity, id)?;
        self.insert(&row.store_id, entity, id, None, true, payload);
        Ok(())
    }

    fn insert(
        &mut self,
        store_id: &str,
        entity: Entity,
        id: &str,
        customer_id: Option<&str>,
        deleted: bool,
        payload: String,
    ) {
        self.inserts.push(NewRow {
            store_id: store_id.to_owned(),
            entity,
            id: id.to_owned(),
            customer_id: customer_id.map(str::to_owned),
            deleted,
            payload,
        });
    }

    /// Runs the writes. Inside the writer's transaction.
    pub fn apply(self, conn: &Conn<'_>) -> Result<()> {
        for chunk in self.deletes.chunks(LOOKUPS_PER_QUERY) {
            let sql = format!(
                "DELETE FROM feed WHERE seq IN ({})",
                placeholders(1, chunk.len())
            );
            conn.execute(&sql, chunk.to_vec())?;
        }
        for chunk in self.inserts.chunks(ROWS_PER_INSERT) {
            insert_rows(conn, chunk)?;
        }
        Ok(())
    }
}

/// One multi-row INSERT. On PostgreSQL the payloads are sealed and a live customer's card is
/// kept as its tag (`duplicates::card_in_use` looks it up).
fn insert_rows(conn: &Conn<'_>, rows: &[NewRow]) -> Result<()> {
    let postgres = conn.backend() == Backend::Postgres;
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        let card_tag = match (postgres, row.entity, row.deleted) {
            (true, Entity::Customer, false) => {
                match serde_json::from_str::<Change>(&row.payload)? {
                    Change::Upsert {
                        record: Record::Customer(c),
                    } => Some(sealed::card_as_stored(conn, &c.card)?),
                    _ => None,
                }
            }
            _ => None,
        };
        stored.push((sealed::to_stored(conn, &row.payload)?, card_tag));
    }
    let columns = if postgres { 7 } else { 6 };
    let values = (0..rows.len())
        .map(|i| format!("({})", placeholders(1 + i * columns, columns)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO feed (store_id, entity, entity_id, customer_id, deleted, payload{})
         VALUES {values}",
        if postgres { ", card_tag" } else { "" }
    );
    let mut params: Vec<Value<'_>> = Vec::with_capacity(rows.len() * columns);
    for (row, (payload, card_tag)) in rows.iter().zip(&stored) {
        params.extend([
            Value::Text(&row.store_id),
            Value::Text(row.entity.as_str()),
            Value::Text(&row.id),
            row.customer_id.as_deref().map_or(Value::Null, Value::Text),
            Value::Int(i64::from(row.deleted)),
            Value::Text(payload),
        ]);
        if postgres {
            params.push(card_tag.as_deref().map_or(Value::Null, Value::Text));
        }
    }
    conn.execute(&sql, params)?;
    Ok(())
}

/// The live rows owned by a customer other than her customer row: (entity, id, store, payload).
pub fn owned_rows(
    conn: &Conn<'_>,
    customer_id: &str,
) -> Result<Vec<(Entity, String, String, String)>> {
    let rows = conn.query_map(
        "SELECT entity, entity_id, store_id, payload FROM feed
         WHERE customer_id = ?1 AND deleted = 0 AND entity <> 'customer'",
        [customer_id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(e, id, store, payload)| {
            let entity = Entity::parse(&e)
                .ok_or_else(|| Error::Config(format!("unknown entity in the feed: {e}")))?;
            Ok((entity, id, store, sealed::from_stored(conn, payload)?))
        })
        .collect()
}

fn rows_of(conn: &Conn<'_>, entity: Entity, id: &str) -> Result<Vec<Existing>> {
    let rows = conn.query_map(
        "SELECT seq, store_id, deleted FROM feed WHERE entity = ?1 AND entity_id = ?2",
        params![entity.as_str(), id],
        |r| {
            Ok(Existing {
                seq: r.get(0)?,
                store_id: r.get(1)?,
                deleted: r.get(2)?,
                payload: None,
            })
        },
    )?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use carnet_protocol::{Brand, ChangePage};

    use super::*;

    fn brand(id: &str) -> String {
        upsert_payload(Record::Brand(Brand {
            id: id.into(),
            name: "n".into(),
            positioning: "mass".into(),
        }))
        .unwrap()
    }

    fn page(conn: &Conn<'_>, store: &str, cursor: &str, limit: u32) -> ChangePage {
        let p = read_page(conn, store, cursor, limit).unwrap();
        serde_json::from_str(&p.to_json()).unwrap()
    }

    fn ids(page: &ChangePage) -> Vec<String> {
        page.changes
            .iter()
            .map(|c| match c {
                Change::Upsert { record } => format!("+{}", record.id()),
                Change::Delete { id, .. } => format!("-{id}"),
            })
            .collect()
    }

    fn db() -> (tempfile::TempDir, crate::db::DirectConn) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        (dir, db)
    }

    #[test]
    fn cursor_round_trip_and_errors() {
        let c = encode_cursor("abc", 42);
        assert_eq!(decode_cursor(&c, "abc").unwrap(), 42);
        assert_eq!(decode_cursor("", "abc").unwrap(), 0);
        assert!(matches!(decode_cursor(&c, "xyz"), Err(PageError::Expired)));
        assert!(matches!(
            decode_cursor("!!", "abc"),
            Err(PageError::BadCursor)
        ));
        let no_colon = URL_SAFE_NO_PAD.encode("abc42");
        assert!(matches!(
            decode_cursor(&no_colon, "abc"),
            Err(PageError::BadCursor)
        ));
        let negative = URL_SAFE_NO_PAD.encode("abc:-1");
        assert!(matches!(
            decode_cursor(&negative, "abc"),
            Err(PageError::BadCursor)
        ));
    }

    #[test]
    fn store_feed_merges_catalog_and_own_rows_in_seq_order() {
        let (_d, db) = db();
        let conn = db.conn();
        put_live(&conn, Entity::Brand, "B1", CATALOG, None, &brand("B1")).unwrap();
        put_live(&conn, Entity::Brand, "X1", "S001", None, &brand("X1")).unwrap();
        put_live(&conn, Entity::Brand, "Y1", "S002", None, &brand("Y1")).unwrap();
        put_live(&conn, Entity::Brand, "B2", CATALOG, None, &brand("B2")).unwrap();
        let p = page(&conn, "S001", "", 10);
        assert_eq!(ids(&p), ["+B1", "+X1", "+B2"]);
        assert!(!p.has_more);
        assert_eq!(p.remaining, 0);
        let p2 = page(&conn, "S002", "", 2);
        assert_eq!(ids(&p2), ["+B1", "+Y1"]);
        assert!(p2.has_more);
        assert_eq!(p2.remaining, 1);
        let p3 = page(&conn, "S002", &p2.next_cursor, 2);
        assert_eq!(ids(&p3), ["+B2"]);
        assert!(!p3.has_more);
        // At the end, the cursor stays valid and yields nothing.
        let p4 = page(&conn, "S002", &p3.next_cursor, 2);
        assert!(p4.changes.is_empty());
        // The estimate travels in the cursor and goes down page by page.
        put_live(&conn, Entity::Brand, "Y2", "S002", None, &brand("Y2")).unwrap();
        put_live(&conn, Entity::Brand, "Y3", "S002", None, &brand("Y3")).unwrap();
        let q1 = page(&conn, "S002", "", 2);
        assert_eq!(q1.remaining, 3);
        let q2 = page(&conn, "S002", &q1.next_cursor, 2);
        assert_eq!((q2.remaining, q2.has_more), (1, true));
        let q3 = page(&conn, "S002", &q2.next_cursor, 2);
        assert_eq!((q3.remaining, q3.has_more, q3.changes.len()), (0, false, 1));
    }

    #[test]
    fn a_change_moves_the_row_forward_and_a_move_leaves_a_tombstone() {
        let (_d, db) = db();
        let conn = db.conn();
        put_live(&conn, Entity::Brand, "A", "S001", None, &brand("A")).unwrap();
        put_live(&conn, Entity::Brand, "B", "S001", None, &brand("B")).unwrap();
        let start = page(&conn, "S001", "", 10);
        put_live(&conn, Entity::Brand, "A", "S001", None, &brand("A")).unwrap();
        let delta = page(&conn, "S001", &start.next_cursor, 10);
        assert_eq!(ids(&delta), ["+A"]);
        // The full feed still holds each entity once.
        assert_eq!(ids(&page(&conn, "S001", "", 10)), ["+B", "+A"]);
        put_live(&conn, Entity::Brand, "A", "S002", None, &brand("A")).unwrap();
        assert_eq!(ids(&page(&conn, "S001", &delta.next_cursor, 10)), ["-A"]);
        assert_eq!(ids(&page(&conn, "S002", "", 10)), ["+A"]);
        // Moving back replaces the tombstone in S001 and leaves one in S002.
        put_live(&conn, Entity::Brand, "A", "S001", None, &brand("A")).unwrap();
        assert_eq!(ids(&page(&conn, "S001", "", 10)), ["+B", "+A"]);
        assert_eq!(ids(&page(&conn, "S002", "", 10)), ["-A"]);
        assert_eq!(put_tombstone(&conn, Entity::Brand, "A").unwrap(), 1);
        assert_eq!(put_tombstone(&conn, Entity::Brand, "A").unwrap(), 0);
        assert_eq!(ids(&page(&conn, "S001", "", 10)), ["+B", "-A"]);
    }

    #[test]
    fn an_estimate_the_server_did_not_write_is_not_believed() {
        let (_d, db) = db();
        let conn = db.conn();
        for i in 0..6 {
            let id = format!("Y{i}");
            put_live(&conn, Entity::Brand, &id, "S002", None, &brand(&id)).unwrap();
        }
        let p1 = page(&conn, "S002", "", 2);
        assert_eq!(p1.remaining, 4);
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(&p1.next_cursor).unwrap()).unwrap();
        let parts: Vec<&str> = text.split(':').collect();
        assert_eq!(parts.len(), 4, "{text}");
        // The estimate raised, with its tag, without it, or with a made-up one.
        for forged in [
            format!("{}:{}:999999:{}", parts[0], parts[1], parts[3]),
            format!("{}:{}:999999", parts[0], parts[1]),
            format!("{}:{}:999999:{}", parts[0], parts[1], "00".repeat(32)),
        ] {
            let p2 = page(&conn, "S002", &URL_SAFE_NO_PAD.encode(forged), 2);
            assert_eq!((p2.remaining, p2.changes.len()), (2, 2));
        }
        let garbage = URL_SAFE_NO_PAD.encode(format!("{}:{}:1:2:3", parts[0], parts[1]));
        assert!(matches!(
            read_page(&conn, "S002", &garbage, 2),
            Err(PageError::BadCursor)
        ));
    }

    #[test]
    fn cursors_of_another_epoch_or_beyond_the_head_expire() {
        let (_d, db) = db();
        let conn = db.conn();
        put_live(&conn, Entity::Brand, "A", CATALOG, None, &brand("A")).unwrap();
        let p = read_page(&conn, "S001", "", 10).unwrap();
        new_epoch(&conn).unwrap();
        assert!(matches!(
            read_page(&conn, "S001", &p.next_cursor, 10),
            Err(PageError::Expired)
        ));
        let ahead = encode_cursor(&epoch(&conn).unwrap(), 1000);
        assert!(matches!(
            read_page(&conn, "S001", &ahead, 10),
            Err(PageError::Expired)
        ));
    }

    #[test]
    fn an_empty_page_advances_past_other_stores_rows() {
        let (_d, db) = db();
        let conn = db.conn();
        put_live(&conn, Entity::Brand, "Y", "S002", None, &brand("Y")).unwrap();
        let p = read_page(&conn, "S001", "", 10).unwrap();
        assert!(p.payloads.is_empty());
        assert_eq!(
            decode_cursor(&p.next_cursor, &epoch(&conn).unwrap()).unwrap(),
            1
        );
    }
}
