//! Advisors of a store: identifier + PIN (4 to 8 digits, hashed with Argon2id and a random
//! salt), disable, reset, and sign-in with a lockout after repeated failures.
//!
//! A sign-in attempt is charged *before* the (slow) hash check, in one write, so that parallel
//! guesses cannot outrun the counter; a success clears it.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use carnet_protocol::presence::AdvisorInfo;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::AdminError;
use crate::secret::Pepper;
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

/// Argon2id memory per PIN hash, KiB: 46 MiB and one pass (OWASP's first Argon2id setting,
/// 2.4 times the crate's default memory). A check takes 72–83 ms at the median, 117 ms at the
/// 99th percentile on the reference 2-core machine (`cargo run --release -p carnet-sync-server
/// --example pin-hash-bench`), within a sign-in's 150 ms; 64 MiB took 98–114 ms but up to
/// 176 ms. Stored hashes carry their parameters, so raising these later only applies to PINs
/// set afterwards.
pub const PIN_M_COST_KIB: u32 = 46 * 1024;
/// Argon2id passes per PIN hash.
pub const PIN_T_COST: u32 = 1;
/// PIN checks that may run at once: each holds [`PIN_M_COST_KIB`] of memory for its duration,
/// so a burst of sign-ins queues instead of growing the server.
pub const PIN_CHECKS_AT_ONCE: usize = 2;

static PIN_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PIN_CHECKS_AT_ONCE);

/// Argon2id with the server's pepper as its secret: a hash, and a stolen database, are useless
/// without the server secret.
fn argon2(pepper: &Pepper) -> Result<Argon2<'_>, AdminError> {
    let params = argon2::Params::new(PIN_M_COST_KIB, PIN_T_COST, 1, None)
        .map_err(|_| AdminError::Internal("PIN hash parameters".into()))?;
    Argon2::new_with_secret(
        pepper.as_bytes(),
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    )
    .map_err(|_| AdminError::Internal("PIN hash parameters".into()))
}

fn pepper() -> Result<std::sync::Arc<crate::secret::Keys>, AdminError> {
    crate::secret::keys().map_err(AdminError::Db)
}

/// Argon2id PHC string of `pin` with a random 16-byte salt and the server's pepper.
pub fn hash_pin(pin: &str) -> Result<String, AdminError> {
    hash_pin_with(pin, &pepper()?.pin_pepper)
}

/// [`hash_pin`] with an explicit pepper.
pub fn hash_pin_with(pin: &str, pepper: &Pepper) -> Result<String, AdminError> {
    let salt = SaltString::encode_b64(&ids::random_bytes(16)?)
        .map_err(|_| AdminError::Internal("salt encoding".into()))?;
    argon2(pepper)?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AdminError::Internal("PIN hashing failed".into()))
}

/// Whether `pin` matches the stored hash under the server's pepper (constant-time inside
/// argon2). A hash made without the pepper, or with another, never matches.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    pepper().is_ok_and(|keys| verify_pin_with(pin, hash, &keys.pin_pepper))
}

/// [`verify_pin`] with an explicit pepper.
pub fn verify_pin_with(pin: &str, hash: &str, pepper: &Pepper) -> bool {
    let Ok(argon2) = argon2(pepper) else {
        return false;
    };
    PasswordHash::new(hash)
        .is_ok_and(|parsed| argon2.verify_password(pin.as_bytes(), &parsed).is_ok())
}

/// [`verify_pin`] off the async threads, at most [`PIN_CHECKS_AT_ONCE`] at a time.
pub async fn verify_pin_bounded(pin: String, hash: String) -> Result<bool, AdminError> {
    let _permit = PIN_CHECKS
        .acquire()
        .await
        .map_err(|_| AdminError::Internal("PIN checks closed".into()))?;
    let pin = zeroize::Zeroizing::new(pin);
    tokio::task::spawn_blocking(move || verify_pin(&pin, &hash))
        .await
        .map_err(|e| AdminError::Internal(format!("PIN check: {e}")))
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
    let exists: Option<String> = conn
        .query_row("SELECT id FROM advisor WHERE id = ?1", [advisor_id], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Err(AdminError::Conflict(format!(
            "advisor {advisor_id} exists already"
        )));
    }
    conn.execute(
        "INSERT INTO advisor (id, store_id, name, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![advisor_id, store_id, name.trim(), hash_pin(pin)?, ids::now()],
    )?;
    Ok(())
}

fn require_in_store(
    conn: &Connection,
    store_id: Option<&str>,
    advisor_id: &str,
) -> Result<(), AdminError> {
    let found: Option<String> = conn
        .query_row(
            "SELECT store_id FROM advisor WHERE id = ?1",
            [advisor_id],
            |r| r.get(0),
        )
        .optional()?;
    match (found, store_id) {
        (Some(s), Some(want)) if s != want => Err(AdminError::NotFound(format!(
            "no advisor {advisor_id} in store {want}"
        ))),
        (Some(_), _) => Ok(()),
        (None, _) => Err(AdminError::NotFound(format!("no advisor {advisor_id}"))),
    }
}

/// Disables an advisor (she can no longer sign in). `store_id` scopes a manager's request.
pub fn disable(
    conn: &Connection,
    store_id: Option<&str>,
    advisor_id: &str,
) -> Result<(), AdminError> {
    require_in_store(conn, store_id, advisor_id)?;
    conn.execute(
        "UPDATE advisor SET disabled_at = coalesce(disabled_at, ?2) WHERE id = ?1",
        params![advisor_id, ids::now()],
    )?;
    Ok(())
}

/// Sets a new PIN, re-enables the advisor and clears her failures and lockout.
pub fn reset(
    conn: &Connection,
    store_id: Option<&str>,
    advisor_id: &str,
    pin: &str,
) -> Result<(), AdminError> {
    check_pin(pin)?;
    require_in_store(conn, store_id, advisor_id)?;
    conn.execute(
        "UPDATE advisor SET pin_hash = ?2, disabled_at = NULL, failed_attempts = 0,
         locked_until = NULL WHERE id = ?1",
        params![advisor_id, hash_pin(pin)?],
    )?;
    Ok(())
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
    let row: Option<(String, String, String, bool, u32, Option<String>)> = conn
        .query_row(
            "SELECT store_id, name, pin_hash, disabled_at IS NOT NULL, failed_attempts,
             locked_until FROM advisor WHERE id = ?1",
            [advisor_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((advisor_store, name, pin_hash, disabled, failed, locked_until)) = row else {
        return Ok(Attempt::Refuse);
    };
    if advisor_store != store_id || disabled {
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
        "UPDATE advisor SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
        params![advisor_id, if lock.is_some() { 0 } else { failed }, lock],
    )?;
    Ok(Attempt::Check { pin_hash, name })
}

/// Records the result of a checked attempt (one write). A success clears the advisor's
/// failures and remembers that she signed in on this device.
pub fn finish_attempt(
    conn: &Connection,
    device_id: &str,
    advisor_id: Option<&str>,
    ok: bool,
) -> Result<(), AdminError> {
    let now = ids::now();
    match (ok, advisor_id) {
        (true, Some(advisor_id)) => {
            conn.execute(
                "UPDATE advisor SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                [advisor_id],
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
        let params = PasswordHash::new(&a).unwrap().params;
        assert_eq!(params.get_decimal("m"), Some(PIN_M_COST_KIB));
        assert_eq!(params.get_decimal("t"), Some(PIN_T_COST));
    }

    #[test]
    fn a_hash_without_the_pepper_or_with_another_never_verifies() {
        let ours = crate::secret::keys().unwrap();
        let theirs = crate::secret::ServerSecret::generate()
            .unwrap()
            .keys()
            .unwrap();
        // As a thief with the database but not the secret would compute it.
        let salt = SaltString::encode_b64(&[7; 16]).unwrap();
        let params = argon2::Params::new(PIN_M_COST_KIB, PIN_T_COST, 1, None).unwrap();
        let unpeppered = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(b"1234", &salt)
            .unwrap()
            .to_string();
        assert!(!verify_pin("1234", &unpeppered));
        let other = hash_pin_with("1234", &theirs.pin_pepper).unwrap();
        assert!(!verify_pin("1234", &other));
        assert!(verify_pin_with("1234", &other, &theirs.pin_pepper));
        let mine = hash_pin("1234").unwrap();
        assert!(verify_pin_with("1234", &mine, &ours.pin_pepper));
        assert!(!verify_pin_with("1234", &mine, &theirs.pin_pepper));
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
            finish_attempt(&conn, "d", Some("A1"), false).unwrap();
        }
        assert!(
            matches!(begin_attempt(&conn, "d", "S001", "A1").unwrap(), Attempt::LockedOut(s) if s > 0)
        );
        assert!(matches!(
            begin_attempt(&conn, "d", "S002", "A1").unwrap(),
            Attempt::Refuse
        ));
        reset(&conn, Some("S001"), "A1", "5678").unwrap();
        assert!(matches!(
            begin_attempt(&conn, "d2", "S001", "A1").unwrap(),
            Attempt::Check { .. }
        ));
        assert!(matches!(
            reset(&conn, Some("S002"), "A1", "5678"),
            Err(AdminError::NotFound(_))
        ));
        disable(&conn, Some("S001"), "A1").unwrap();
        assert!(matches!(
            begin_attempt(&conn, "d2", "S001", "A1").unwrap(),
            Attempt::Refuse
        ));
        assert!(list(&conn, "S001").unwrap()[0].disabled);
    }
}
