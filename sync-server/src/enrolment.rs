//! Device enrolment: one-time, expiring codes a manager issues for a store (only a hash kept),
//! and their exchange for a device record holding the device's own Ed25519 public key.
//! Also the enrolled devices' reports (app version, last seen, last sync) and wipe orders.

use crate::sql::{Conn, OptionalExtension, params};
use carnet_protocol::presence::{DeviceInfo, EnrollmentCode, Policy};

use crate::error::AdminError;
use crate::{ids, stores};

/// Crockford base32: no I, L, O, U, so a code read aloud or typed is unambiguous.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a code (60 random bits), shown in groups of four.
const CODE_LEN: usize = 12;
/// Default and largest lifetime of a code, minutes.
pub const DEFAULT_TTL_MINUTES: u32 = 15;
/// Largest lifetime of a code, minutes.
pub const MAX_TTL_MINUTES: u32 = 24 * 60;

/// The canonical form of a typed code: upper case, no dashes or spaces, O→0 and I/L→1.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

fn code_hash(code: &str) -> [u8; 32] {
    ids::sha256(normalise(code).as_bytes())
}

/// Issues a code for `store_id` valid `ttl_minutes`; `pin` (the certificate's) and an optional
/// server URL go into the QR payload so a device can enrol by scanning it.
pub fn issue(
    conn: &Conn<'_>,
    store_id: &str,
    ttl_minutes: Option<u32>,
    certificate_pin: &str,
    server_url: Option<&str>,
) -> Result<EnrollmentCode, AdminError> {
    stores::require(conn, store_id)?;
    let ttl = ttl_minutes.unwrap_or(DEFAULT_TTL_MINUTES);
    if !(1..=MAX_TTL_MINUTES).contains(&ttl) {
        return Err(AdminError::Invalid(format!(
            "an enrolment code lives 1 to {MAX_TTL_MINUTES} minutes"
        )));
    }
    let random = ids::random_bytes(CODE_LEN)?;
    let raw: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    let code = format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]);
    let expires_at =
        ids::format_time(chrono::Utc::now() + chrono::Duration::minutes(i64::from(ttl)));
    conn.execute(
        "INSERT INTO enrollment_code (code_hash, store_id, expires_at) VALUES (?1, ?2, ?3)",
        params![code_hash(&code).as_slice(), store_id, expires_at],
    )?;
    let qr_payload = carnet_protocol::enrolment::EnrolmentPayload {
        code: raw.clone(),
        certificate_pin: certificate_pin.to_owned(),
        server_url: server_url.map(str::to_owned),
    }
    .to_text();
    Ok(EnrollmentCode {
        code,
        store_id: store_id.to_owned(),
        expires_at,
        qr_payload,
    })
}

/// Checks an app version as a device reports it: at most 40 printable ASCII characters.
pub fn check_app_version(version: &str) -> Result<(), &'static str> {
    if version.len() <= 40 && version.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        Ok(())
    } else {
        Err("the app version is at most 40 printable characters")
    }
}

/// Why an enrolment was refused.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// Unknown, used or expired code (never says which).
    #[error("the enrolment code is unknown, used or expired")]
    BadCode,
    /// The request is malformed.
    #[error("{0}")]
    Invalid(&'static str),
    /// Anything else.
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<crate::Error> for EnrollError {
    fn from(e: crate::Error) -> Self {
        EnrollError::Admin(AdminError::Db(e))
    }
}

/// The store of `code` if it can still enrol a device (known, unused, not expired).
pub fn code_store(conn: &Conn<'_>, code: &str) -> crate::Result<Option<String>> {
    let store: Option<String> = conn
        .query_row(
            "SELECT store_id FROM enrollment_code
             WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            params![code_hash(code).as_slice(), ids::now()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(store)
}

/// Consumes `code` and registers a device with `public_key` (32 bytes): (device id, store,
/// policy). One write: a code can never enrol two devices.
pub fn enroll(
    conn: &Conn<'_>,
    code: &str,
    public_key: &[u8],
    app_version: &str,
) -> Result<(String, String, Policy), EnrollError> {
    if public_key.len() != 32 {
        return Err(EnrollError::Invalid("the public key is not an Ed25519 key"));
    }
    check_app_version(app_version).map_err(EnrollError::Invalid)?;
    let now = ids::now();
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT store_id, expires_at, used_at FROM enrollment_code WHERE code_hash = ?1",
            [code_hash(code).as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(crate::Error::from)?;
    let Some((store_id, expires_at, None)) = row else {
        return Err(EnrollError::BadCode);
    };
    if expires_at <= now {
        return Err(EnrollError::BadCode);
    }
    let policy = stores::require(conn, &store_id)?;
    let device_id = format!("dev-{}", ids::hex(&ids::random_bytes(6)?));
    conn.execute(
        "INSERT INTO device (id, store_id, label, created_at, public_key, app_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            device_id,
            store_id,
            format!("enrolled {}", &now[..10]),
            now,
            public_key,
            app_version
        ],
    )
    .map_err(crate::Error::from)?;
    conn.execute(
        "UPDATE enrollment_code SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
        params![code_hash(code).as_slice(), now, device_id],
    )
    .map_err(crate::Error::from)?;
    Ok((device_id, store_id, policy))
}

/// Devices of a store (every store if `None`), as a manager sees them.
pub fn devices(conn: &Conn<'_>, store_id: Option<&str>) -> Result<Vec<DeviceInfo>, AdminError> {
    let now = chrono::Utc::now();
    let rows = conn.query_map(
        "SELECT id, store_id, label, app_version, last_seen_at, last_synced_at, revoked_at,
         wipe_ordered_at FROM device WHERE CAST(?1 AS TEXT) IS NULL OR store_id = ?1
         ORDER BY created_at, id",
        [store_id],
        |r| {
            let synced: Option<String> = r.get(5)?;
            let revoked: Option<String> = r.get(6)?;
            let wipe: Option<String> = r.get(7)?;
            Ok(DeviceInfo {
                device_id: r.get(0)?,
                store_id: r.get(1)?,
                label: r.get(2)?,
                app_version: r.get(3)?,
                last_seen_at: r.get(4)?,
                sync_lag_secs: synced
                    .as_deref()
                    .and_then(ids::parse_time)
                    .map(|t| (now - t).num_seconds().max(0)),
                last_synced_at: synced,
                state: if wipe.is_some() {
                    "wipe_ordered"
                } else if revoked.is_some() {
                    "revoked"
                } else {
                    "active"
                }
                .to_owned(),
            })
        },
    )?;
    Ok(rows)
}

/// Runs `update` (parameters: device id, then `now`) on the device if it is of `store_id`
/// (any store if `None`): another store's device is answered as an unknown one.
fn update_device(
    conn: &Conn<'_>,
    store_id: Option<&str>,
    device_id: &str,
    update: &str,
) -> Result<(), AdminError> {
    let sql = format!("{update} WHERE id = ?1 AND (CAST(?3 AS TEXT) IS NULL OR store_id = ?3)");
    match conn.execute(&sql, params![device_id, ids::now(), store_id])? {
        0 => Err(AdminError::NotFound(match store_id {
            Some(store) => format!("no device {device_id} in store {store}"),
            None => format!("no device {device_id}"),
        })),
        _ => Ok(()),
    }
}

/// Revokes a device: refused at its next request, and told so, it shreds its cache.
pub fn revoke(conn: &Conn<'_>, store_id: Option<&str>, device_id: &str) -> Result<(), AdminError> {
    update_device(
        conn,
        store_id,
        device_id,
        "UPDATE device SET revoked_at = coalesce(revoked_at, ?2)",
    )
}

/// Orders a remote wipe: the device is revoked and told to wipe at its next contact.
pub fn order_wipe(
    conn: &Conn<'_>,
    store_id: Option<&str>,
    device_id: &str,
) -> Result<(), AdminError> {
    update_device(
        conn,
        store_id,
        device_id,
        "UPDATE device SET wipe_ordered_at = coalesce(wipe_ordered_at, ?2),
         revoked_at = coalesce(revoked_at, ?2)",
    )
}

/// What the server knows of an enrolled device for authenticating it.
#[derive(Debug, Clone)]
pub struct DeviceKey {
    /// Its id.
    pub id: String,
    /// Its store.
    pub store_id: String,
    /// Its Ed25519 public key (None only for the revoked token devices of schema 5 and before).
    pub public_key: Option<Vec<u8>>,
    /// Revoked.
    pub revoked: bool,
    /// A wipe was ordered.
    pub wipe_ordered: bool,
}

/// The device's key and state.
pub fn device_key(conn: &Conn<'_>, device_id: &str) -> crate::Result<Option<DeviceKey>> {
    Ok(conn
        .query_row(
            "SELECT store_id, public_key, revoked_at IS NOT NULL, wipe_ordered_at IS NOT NULL
         FROM device WHERE id = ?1",
            [device_id],
            |r| {
                Ok(DeviceKey {
                    id: device_id.to_owned(),
                    store_id: r.get(0)?,
                    public_key: r.get(1)?,
                    revoked: r.get(2)?,
                    wipe_ordered: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Records a presence check.
pub fn seen(conn: &Conn<'_>, device_id: &str, app_version: &str) -> crate::Result<()> {
    conn.execute(
        "UPDATE device SET last_seen_at = ?2, app_version = ?3 WHERE id = ?1",
        params![device_id, ids::now(), app_version],
    )?;
    Ok(())
}

/// Records a pull that reached the end of the feed.
pub fn synced(conn: &Conn<'_>, device_id: &str) -> crate::Result<()> {
    conn.execute(
        "UPDATE device SET last_synced_at = ?2 WHERE id = ?1",
        params![device_id, ids::now()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_code_enrolls_once_and_devices_list() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        assert!(matches!(
            issue(&conn, "S001", None, "ab", None),
            Err(AdminError::NotFound(_))
        ));
        stores::add(&conn, "S001", "Paris", &Default::default()).unwrap();
        assert!(matches!(
            issue(&conn, "S001", Some(0), "ab", None),
            Err(AdminError::Invalid(_))
        ));
        let code = issue(&conn, "S001", None, "ab", Some("https://x")).unwrap();
        assert_eq!(code.code.len(), 14);
        assert!(code.qr_payload.ends_with("&server=https://x"));
        assert!(matches!(
            enroll(&conn, &code.code, &[1; 31], "1.0"),
            Err(EnrollError::Invalid(_))
        ));
        let typed = code.code.to_lowercase().replace('-', " ");
        let (id, store, _) = enroll(&conn, &typed, &[1; 32], "1.0").unwrap();
        assert_eq!(store, "S001");
        assert!(matches!(
            enroll(&conn, &code.code, &[2; 32], "1.0"),
            Err(EnrollError::BadCode)
        ));
        assert!(matches!(
            enroll(&conn, "NOPE-NOPE-NOPE", &[2; 32], "1.0"),
            Err(EnrollError::BadCode)
        ));
        let list = devices(&conn, Some("S001")).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].app_version.as_deref(), Some("1.0"));
        // Another store's device and an unknown one: the same answer.
        let other = revoke(&conn, Some("S002"), &id).unwrap_err().to_string();
        let unknown = revoke(&conn, Some("S002"), "dev-x")
            .unwrap_err()
            .to_string();
        assert_eq!(other.replace(&id, "dev-x"), unknown);
        assert_eq!(unknown, "no device dev-x in store S002");
        order_wipe(&conn, Some("S001"), &id).unwrap();
        let key = device_key(&conn, &id).unwrap().unwrap();
        assert!(key.revoked && key.wipe_ordered);
        assert_eq!(devices(&conn, None).unwrap()[0].state, "wipe_ordered");
    }
}
