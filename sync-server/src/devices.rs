//! Devices allowed to sync: issued by the CLI with a random bearer token of which only a
//! SHA-256 is stored; listed; revoked.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::ids;

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id, e.g. `dev-1a2b3c4d5e6f`.
    pub id: String,
    /// The one store it may sync.
    pub store_id: String,
    /// A label for people (e.g. "Comptoir 1").
    pub label: String,
    /// When it was issued.
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// The last mutation seq applied.
    pub last_seq: u64,
}

/// A newly issued device with its token (shown once, never stored).
#[derive(Debug)]
pub struct Issued {
    /// The device.
    pub device: Device,
    /// Its bearer token.
    pub token: String,
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    ids::sha256(token.as_bytes())
}

/// Issues a device for `store_id`.
pub fn add(conn: &Connection, store_id: &str, label: &str) -> Result<Issued> {
    if store_id.is_empty() || store_id.len() > 64 {
        return Err(Error::Config("a store id is 1 to 64 characters".into()));
    }
    let id = format!("dev-{}", ids::hex(&ids::random_bytes(6)?));
    let token = format!("carnet_{}", URL_SAFE_NO_PAD.encode(ids::random_bytes(32)?));
    let created_at = ids::now();
    conn.execute(
        "INSERT INTO device (id, store_id, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, store_id, label, token_hash(&token).as_slice(), created_at],
    )?;
    Ok(Issued {
        device: Device {
            id,
            store_id: store_id.to_owned(),
            label: label.to_owned(),
            created_at,
            revoked_at: None,
            last_seq: 0,
        },
        token,
    })
}

/// Every device, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<Device>> {
    let mut stmt = conn.prepare(
        "SELECT id, store_id, label, created_at, revoked_at, last_seq FROM device ORDER BY created_at, id",
    )?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Revokes a device; false if there is no such device. Its token stops working at once.
pub fn revoke(conn: &Connection, id: &str) -> Result<bool> {
    let n = conn.execute(
        "UPDATE device SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
        params![id, ids::now()],
    )?;
    Ok(n > 0)
}

/// The device holding `token`, revoked or not.
pub fn by_token(conn: &Connection, token: &str) -> Result<Option<Device>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, store_id, label, created_at, revoked_at, last_seq FROM device WHERE token_hash = ?1",
    )?;
    Ok(stmt
        .query_row([token_hash(token).as_slice()], from_row)
        .optional()?)
}

/// The device with this id.
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<Device>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, store_id, label, created_at, revoked_at, last_seq FROM device WHERE id = ?1",
    )?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        store_id: r.get(1)?,
        label: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
        last_seq: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn issue_find_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open_writer(dir.path()).unwrap();
        let issued = add(&conn, "S001", "Comptoir 1").unwrap();
        let found = by_token(&conn, &issued.token).unwrap().unwrap();
        assert_eq!(found, issued.device);
        assert!(by_token(&conn, "carnet_nope").unwrap().is_none());
        let stored: Vec<u8> = conn
            .query_row("SELECT token_hash FROM device", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, issued.token.as_bytes());
        assert!(revoke(&conn, &issued.device.id).unwrap());
        assert!(
            by_token(&conn, &issued.token)
                .unwrap()
                .unwrap()
                .revoked_at
                .is_some()
        );
        assert!(!revoke(&conn, "dev-unknown").unwrap());
        assert_eq!(list(&conn).unwrap().len(), 1);
    }
}
