//! Advisors of a store: identifier (unique within the store) + PIN (4 to 8 digits, hashed with
//! Argon2id and a random salt), disable, reset, and sign-in with a lockout after repeated
//! failures. Another store's advisor is, to a store, an unknown one.
//!
//! A sign-in attempt is charged *before* the (slow) hash check, in one write, so that parallel
//! guesses cannot outrun the counter; a success clears it.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use carnet_protocol::presence::AdvisorInfo;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::AdminError;
use crate::{ids, stores};

/// Consecutive failures of one advisor before she is locked out.
pub const MAX_FAILURES: u32 = 5;
/// How long a lockout lasts (a manager's PIN reset ends it earlier).
pub const LOCKOUT_SECS: i64 = 15 * 60;
/// Failures one device may make (any advisors) within [`LOCKOUT_SECS`] before it is throttled.
pub const DEVICE_MAX_FAILURES: u32 = 10;

/// Checks the PIN policy: 4 to 8 ASCII digits.
pub fn check_pin(pin: &str) -> Result<(), AdminError> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AdminError::Invalid("a PIN is 4 to 8 digits".into()))
    }
}

/// Argon2id PHC string of `pin` with a random 16-byte salt.
pub fn hash_pin(pin: &str) -> Result<String, AdminError> {
    let salt = SaltString::encode_b64(&ids::random_bytes(16)?)
        .map_err(|_| AdminError::Internal("salt encoding".into()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AdminError::Internal("PIN hashing failed".into()))
}

/// Whether `pin` matches the stored hash (constant-time inside argon2).
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Adds an advisor to a store.
pub fn add(
    conn: &Connection,
    store_id: &str,
    advisor_id: &str,
    name: &str,
    pin: &str,
) -> Result<(), AdminError> {
    stores::require(conn, store_id)?;
    stores::check_id("an advisor id", advisor_id)?;
    if name.trim().is_empty() || name.len() > 100 {
        return Err(AdminError::Invalid(
            "an advisor's name is 1 to 100 characters".into(),
        ));
    }
    check_pin(pin)?;
    let exists = conn
        .prepare_cached("SELECT 1 FROM advisor WHERE store_id = ?1 AND id = ?2")?
        .exists(params![store_id, advisor_id])?;
    if exists {
        return Err(AdminError::Conflict(format!(
            "advisor {advisor_id} exists already in store {store_id}"
        )));
    }
    conn.execute(
        "INSERT INTO advisor (store_id, id, name, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![store_id, advisor_id, name.trim(), hash_pin(pin)?, ids::now()],
    )?;
    Ok(())
}

/// Runs `update` (parameters: store, advisor id, then `extra`) on the advisor, who must be of
/// `store_id`: another store's is answered as an unknown one.
fn update_in_store(
    conn: &Connection,
    store_id: &str,
    advisor_id: &str,
    update: &str,
    extra: &dyn rusqlite::ToSql,
) -> Result<(), AdminError> {
    match conn.execute(update, params![store_id, advisor_id, extra])? {
        0 => Err(AdminError::NotFound(format!(
            "no advisor {advisor_id} in store {store_id}"
        ))),
        _ => Ok(()),
    }
}

/// Disables an advisor of `store_id` (she can no longer sign in).
pub fn disable(conn: &Connection, store_id: &str, advisor_id: &str) -> Result<(), AdminError> {
    update_in_store(
        conn,
        store_id,
        advisor_id,
        "UPDATE advisor SET disabled_at = coalesce(disabled_at, ?3)
         WHERE store_id = ?1 AND id = ?2",
        &ids::now(),
    )
}

/// Sets a new PIN for an advisor of `store_id`, re-enables her and clears her failures and
/// lockout.
pub fn reset(
    conn: &Connection,
    store_id: &str,
    advisor_id: &str,
    pin: &str,
) -> Result<(), AdminError> {
    check_pin(pin)?;
    update_in_store(
        conn,
        store_id,
        advisor_id,
        "UPDATE advisor SET pin_hash = ?3, disabled_at = NULL, failed_attempts = 0,
         locked_until = NULL WHERE store_id = ?1 AND id = ?2",
        &hash_pin(pin)?,
    )
}

/// A store's advisors (never their PINs).
pub fn list(conn: &Connection, store_id: &str) -> Result<Vec<AdvisorInfo>, AdminError> {
    let mut stmt = conn.prepare(
        "SELECT id, store_id, name, disabled_at IS NOT NULL, failed_attempts, locked_until
         FROM advisor WHERE store_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([store_id], |r| {
            Ok(AdvisorInfo {
                advisor_id: r.get(0)?,
                store_id: r.get(1)?,
                name: r.get(2)?,
                disabled: r.get(3)?,
                failed_attempts: r.get(4)?,
                locked_until: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// What a charged sign-in attempt may do next.
#[derive(Debug)]
pub enum Attempt {
    /// Check the PIN against this hash.
    Check {
        /// The stored hash.
        pin_hash: String,
        /// Her display name.
        name: String,
    },
    /// Unknown, disabled or of another store: answer "wrong PIN" (after a dummy check).
    Refuse,
    /// Locked out (advisor or device) for this many more seconds.
    LockedOut(i64),
}

fn secs_until(t: &str) -> i64 {
    ids::parse_time(t).map_or(0, |t| (t - chrono::Utc::now()).num_seconds().max(1))
}

/// Charges an attempt by `device_id` for `advisor_id` of `store_id` (one write).
pub fn begin_attempt(
    conn: &Connection,
    device_id: &str,
    store_id: &str,
    advisor_id: &str,
) -> Result<Attempt, AdminError> {
    let now = chrono::Utc::now();
    let window_start = ids::format_time(now - chrono::Duration::seconds(LOCKOUT_SECS));
    let (device_failures, oldest): (u32, Option<String>) = conn.query_row(
        "SELECT count(*), min(at) FROM sign_in_failure WHERE device_id = ?1 AND at > ?2",
        params![device_id, window_start],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if device_failures >= DEVICE_MAX_FAILURES {
        let until = oldest
            .as_deref()
            .and_then(ids::parse_time)
            .map(|t| ids::format_time(t + chrono::Duration::seconds(LOCKOUT_SECS)))
            .unwrap_or_default();
        return Ok(Attempt::LockedOut(secs_until(&until)));
    }
    let row: Option<(String, String, bool, u32, Option<String>)> = conn
        .query_row(
            "SELECT name, pin_hash, disabled_at IS NOT NULL, failed_attempts, locked_until
             FROM advisor WHERE store_id = ?1 AND id = ?2",
            [store_id, advisor_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((name, pin_hash, disabled, failed, locked_until)) = row else {
        return Ok(Attempt::Refuse);
    };
    if disabled {
        return Ok(Attempt::Refuse);
    }
    let now_s = ids::format_time(now);
    if let Some(until) = locked_until.filter(|u| *u > now_s) {
        return Ok(Attempt::LockedOut(secs_until(&until)));
    }
    let failed = failed + 1;
    let lock = (failed >= MAX_FAILURES)
        .then(|| ids::format_time(now + chrono::Duration::seconds(LOCKOUT_SECS)));
    conn.execute(
        "UPDATE advisor SET failed_attempts = ?3, locked_until = ?4
         WHERE store_id = ?1 AND id = ?2",
        params![
            store_id,
            advisor_id,
            if lock.is_some() { 0 } else { failed },
            lock
        ],
    )?;
    Ok(Attempt::Check { pin_hash, name })
}

/// Records the result of a checked attempt (one write). A success clears the advisor's
/// failures and remembers that she signed in on this device.
pub fn finish_attempt(
    conn: &Connection,
    device_id: &str,
    store_id: &str,
    advisor_id: Option<&str>,
    ok: bool,
) -> Result<(), AdminError> {
    let now = ids::now();
    match (ok, advisor_id) {
        (true, Some(advisor_id)) => {
            conn.execute(
                "UPDATE advisor SET failed_attempts = 0, locked_until = NULL
                 WHERE store_id = ?1 AND id = ?2",
                [store_id, advisor_id],
            )?;
            conn.execute(
                "INSERT INTO device_advisor (device_id, advisor_id, last_sign_in) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device_id, advisor_id) DO UPDATE SET last_sign_in = excluded.last_sign_in",
                params![device_id, advisor_id, now],
            )?;
        }
        _ => {
            conn.execute(
                "INSERT INTO sign_in_failure (device_id, at) VALUES (?1, ?2)",
                params![device_id, now],
            )?;
        }
    }
    Ok(())
}

/// Whether `advisor_id` ever signed in on `device_id`.
pub fn signed_in_on(
    conn: &Connection,
    device_id: &str,
    advisor_id: &str,
) -> Result<bool, AdminError> {
    let mut stmt = conn
        .prepare_cached("SELECT 1 FROM device_advisor WHERE device_id = ?1 AND advisor_id = ?2")?;
    Ok(stmt.exists(params![device_id, advisor_id])?)
}

/// A valid hash to check against when the advisor is unknown, so that the answer takes as long.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_pin("00000000").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pin_policy_and_hashing() {
        for bad in ["", "123", "123456789", "12a4", "１２３４", " 1234"] {
            assert!(check_pin(bad).is_err(), "{bad:?}");
        }
        check_pin("1234").unwrap();
        check_pin("12345678").unwrap();
        let a = hash_pin("1234").unwrap();
        let b = hash_pin("1234").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_pin("1234", &a));
        assert!(!verify_pin("1235", &a));
        assert!(!verify_pin("1234", "garbage"));
    }

    #[test]
    fn lockout_after_repeated_failures_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open_writer(dir.path()).unwrap();
        stores::add(&conn, "S001", "Paris", &Default::default()).unwrap();
        add(&conn, "S001", "A1", "Alice", "1234").unwrap();
        assert!(matches!(
            add(&conn, "S001", "A1", "Alice", "1234"),
            Err(AdminError::Conflict(_))
        ));
        assert!(matches!(
            add(&conn, "S001", "A2", "Bob", "12"),
            Err(AdminError::Invalid(_))
        ));
        for _ in 0..MAX_FAILURES {
            assert!(matches!(
                begin_attempt(&conn, "d", "S001", "A1").unwrap(),
                Attempt::Check { .. }
            ));
            finish_attempt(&conn, "d", "S001", Some("A1"), false).unwrap();
        }
        assert!(
            matches!(begin_attempt(&conn, "d", "S001", "A1").unwrap(), Attempt::LockedOut(s) if s > 0)
        );
        assert!(matches!(
            begin_attempt(&conn, "d", "S002", "A1").unwrap(),
            Attempt::Refuse
        ));
        reset(&conn, "S001", "A1", "5678").unwrap();
        assert!(matches!(
            begin_attempt(&conn, "d2", "S001", "A1").unwrap(),
            Attempt::Check { .. }
        ));
        assert!(matches!(
            reset(&conn, "S002", "A1", "5678"),
            Err(AdminError::NotFound(_))
        ));
        disable(&conn, "S001", "A1").unwrap();
        assert!(matches!(
            begin_attempt(&conn, "d2", "S001", "A1").unwrap(),
            Attempt::Refuse
        ));
        assert!(list(&conn, "S001").unwrap()[0].disabled);
    }

    #[test]
    fn identifiers_are_per_store_and_another_stores_advisor_is_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open_writer(dir.path()).unwrap();
        for store in ["S001", "S002"] {
            stores::add(&conn, store, "x", &Default::default()).unwrap();
        }
        add(&conn, "S001", "A1", "Alice", "1234").unwrap();
        // S002's manager takes the same identifier: no conflict, and it is hers alone.
        add(&conn, "S002", "A1", "Agnese", "5678").unwrap();
        disable(&conn, "S002", "A1").unwrap();
        assert!(!list(&conn, "S001").unwrap()[0].disabled);
        assert!(matches!(
            begin_attempt(&conn, "d", "S001", "A1").unwrap(),
            Attempt::Check { name, .. } if name == "Alice"
        ));
        // Another store's advisor and an unknown one: the same answer.
        add(&conn, "S002", "B7", "Bianca", "5678").unwrap();
        let other = reset(&conn, "S001", "B7", "1111").unwrap_err().to_string();
        let unknown = reset(&conn, "S001", "Z9", "1111").unwrap_err().to_string();
        assert_eq!(other.replace("B7", "Z9"), unknown);
        assert_eq!(unknown, "no advisor Z9 in store S001");
    }
}
