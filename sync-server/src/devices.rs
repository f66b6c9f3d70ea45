//! Devices of the stores (enrolled with a code, see `enrolment`): listed, found, revoked.

use crate::sql::{Conn, OptionalExtension, params};

use crate::error::Result;
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
    /// When it enrolled.
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// The last mutation seq applied.
    pub last_seq: u64,
}

/// Every device, oldest first.
pub fn list(conn: &Conn<'_>) -> Result<Vec<Device>> {
    let rows = conn.query_map("SELECT id, store_id, label, created_at, revoked_at, last_seq FROM device ORDER BY created_at, id", (), from_row)?;
    Ok(rows)
}

/// Revokes a device; false if there is no such device. Its next request is refused.
pub fn revoke(conn: &Conn<'_>, id: &str) -> Result<bool> {
    let n = conn.execute(
        "UPDATE device SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
        params![id, ids::now()],
    )?;
    Ok(n > 0)
}

/// The device with this id.
pub fn by_id(conn: &Conn<'_>, id: &str) -> Result<Option<Device>> {
    Ok(conn.query_row("SELECT id, store_id, label, created_at, revoked_at, last_seq FROM device WHERE id = ?1", [id], from_row).optional()?)
}

fn from_row(r: &crate::sql::Row<'_>) -> crate::sql::Result<Device> {
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
    fn list_find_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        crate::stores::add(&conn, "S001", "Paris", &Default::default()).unwrap();
        let code = crate::enrolment::issue(&conn, "S001", None, "ab", None).unwrap();
        let (id, _, _) = crate::enrolment::enroll(&conn, &code.code, &[1; 32], "1.0").unwrap();
        let found = by_id(&conn, &id).unwrap().unwrap();
        assert_eq!((found.store_id.as_str(), found.revoked_at), ("S001", None));
        assert!(revoke(&conn, &id).unwrap());
        assert!(by_id(&conn, &id).unwrap().unwrap().revoked_at.is_some());
        assert!(!revoke(&conn, "dev-unknown").unwrap());
        assert_eq!(list(&conn).unwrap().len(), 1);
    }
}
