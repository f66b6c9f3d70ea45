//! Advisors of a store: identifier (unique within the store) + PIN (4 to 8 digits, hashed with
//! Argon2id and a random salt), disable, reset, unlock, and who signed in on which device.
//! Another store's advisor is, to a store, an unknown one. Sign-in attempts and lockouts are
//! `lockout`'s.

use crate::sql::{Conn, OptionalExtension, params};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use carnet_protocol::presence::AdvisorInfo;

use crate::error::AdminError;
use crate::secret::Pepper;
use crate::{ids, lockout, stores};

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
    conn: &Conn<'_>,
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
    if exists(conn, store_id, advisor_id)? {
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
    conn: &Conn<'_>,
    store_id: &str,
    advisor_id: &str,
    update: &str,
    extra: &dyn crate::sql::Bind,
) -> Result<(), AdminError> {
    match conn.execute(update, params![store_id, advisor_id, extra])? {
        0 => Err(AdminError::NotFound(format!(
            "no advisor {advisor_id} in store {store_id}"
        ))),
        _ => Ok(()),
    }
}

/// Disables an advisor of `store_id` (she can no longer sign in).
pub fn disable(conn: &Conn<'_>, store_id: &str, advisor_id: &str) -> Result<(), AdminError> {
    update_in_store(
        conn,
        store_id,
        advisor_id,
        "UPDATE advisor SET disabled_at = coalesce(disabled_at, ?3)
         WHERE store_id = ?1 AND id = ?2",
        &ids::now(),
    )
}

/// Sets a new PIN for an advisor of `store_id`, re-enables and unlocks her.
pub fn reset(
    conn: &Conn<'_>,
    store_id: &str,
    advisor_id: &str,
    pin: &str,
) -> Result<(), AdminError> {
    check_pin(pin)?;
    update_in_store(
        conn,
        store_id,
        advisor_id,
        "UPDATE advisor SET pin_hash = ?3, disabled_at = NULL WHERE store_id = ?1 AND id = ?2",
        &hash_pin(pin)?,
    )?;
    lockout::unlock(conn, store_id, advisor_id, now_ms())?;
    Ok(())
}

/// Ends every lockout of an advisor of `store_id`, on every device.
pub fn unlock(conn: &Conn<'_>, store_id: &str, advisor_id: &str) -> Result<(), AdminError> {
    if !exists(conn, store_id, advisor_id)? {
        return Err(AdminError::NotFound(format!(
            "no advisor {advisor_id} in store {store_id}"
        )));
    }
    lockout::unlock(conn, store_id, advisor_id, now_ms())?;
    Ok(())
}

fn exists(conn: &Conn<'_>, store_id: &str, advisor_id: &str) -> Result<bool, AdminError> {
    Ok(conn.exists(
        "SELECT 1 FROM advisor WHERE store_id = ?1 AND id = ?2",
        params![store_id, advisor_id],
    )?)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A store's advisors (never their PINs), with their lockouts.
pub fn list(conn: &Conn<'_>, store_id: &str) -> Result<Vec<AdvisorInfo>, AdminError> {
    let rows = conn.query_map(
        "SELECT id, store_id, name, CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END
           FROM advisor WHERE store_id = ?1 ORDER BY id",
        [store_id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        },
    )?;
    let now = now_ms();
    rows.into_iter()
        .map(|(advisor_id, store_id, name, disabled)| {
            let lock = lockout::state(conn, &store_id, &advisor_id, now)?;
            Ok(AdvisorInfo {
                advisor_id,
                store_id,
                name,
                disabled,
                failed_attempts: lock.failures,
                locked: lock.locked,
                locked_on_devices: lock.locked_on_devices,
            })
        })
        .collect()
}

/// The display name and PIN hash of an advisor of `store_id` who may sign in (`None`:
/// unknown to the store, or disabled).
pub fn credentials(
    conn: &Conn<'_>,
    store_id: &str,
    advisor_id: &str,
) -> Result<Option<(String, String)>, AdminError> {
    Ok(conn
        .query_row(
            "SELECT name, pin_hash FROM advisor
             WHERE store_id = ?1 AND id = ?2 AND disabled_at IS NULL",
            [store_id, advisor_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Remembers that `advisor_id` signed in on `device_id`: her name may appear in its edits.
pub fn signed_in(conn: &Conn<'_>, device_id: &str, advisor_id: &str) -> Result<(), AdminError> {
    conn.execute(
        "INSERT INTO device_advisor (device_id, advisor_id, last_sign_in) VALUES (?1, ?2, ?3)
         ON CONFLICT (device_id, advisor_id) DO UPDATE SET last_sign_in = excluded.last_sign_in",
        params![device_id, advisor_id, ids::now()],
    )?;
    Ok(())
}

/// When each advisor of `store_id` last signed in on one of its devices.
pub fn last_sign_ins(
    conn: &Conn<'_>,
    store_id: &str,
) -> Result<std::collections::HashMap<String, String>, AdminError> {
    let rows = conn.query_map(
        "SELECT a.advisor_id, max(a.last_sign_in) FROM device_advisor a
         JOIN device d ON d.id = a.device_id
         WHERE d.store_id = ?1 GROUP BY a.advisor_id",
        [store_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.into_iter().collect())
}

/// Whether `advisor_id` ever signed in on `device_id`.
pub fn signed_in_on(
    conn: &Conn<'_>,
    device_id: &str,
    advisor_id: &str,
) -> Result<bool, AdminError> {
    Ok(conn.exists(
        "SELECT 1 FROM device_advisor WHERE device_id = ?1 AND advisor_id = ?2",
        params![device_id, advisor_id],
    )?)
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
    fn add_disable_reset_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
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
        let (name, hash) = credentials(&conn, "S001", "A1").unwrap().unwrap();
        assert!(name == "Alice" && verify_pin("1234", &hash));
        // Locked out on device d, then a reset (new PIN) unlocks her.
        let now = now_ms();
        for i in 0..lockout::DEVICE_LOCK_FAILURES {
            let at = now - 600_000 + i64::from(i) * 20_000;
            let lockout::Decision::Check(a) = lockout::begin(&conn, "d", "S001", "A1", at).unwrap()
            else {
                panic!("not checked")
            };
            lockout::finish(&conn, a, false, at).unwrap();
        }
        assert_eq!(list(&conn, "S001").unwrap()[0].locked_on_devices, ["d"]);
        reset(&conn, "S001", "A1", "5678").unwrap();
        assert!(list(&conn, "S001").unwrap()[0].locked_on_devices.is_empty());
        assert!(matches!(
            reset(&conn, "S002", "A1", "5678"),
            Err(AdminError::NotFound(_))
        ));
        assert!(matches!(
            unlock(&conn, "S001", "A404"),
            Err(AdminError::NotFound(_))
        ));
        unlock(&conn, "S001", "A1").unwrap();
        disable(&conn, "S001", "A1").unwrap();
        assert_eq!(credentials(&conn, "S001", "A1").unwrap(), None);
        assert!(list(&conn, "S001").unwrap()[0].disabled);
    }

    #[test]
    fn identifiers_are_per_store_and_another_stores_advisor_is_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        for store in ["S001", "S002"] {
            stores::add(&conn, store, "x", &Default::default()).unwrap();
        }
        add(&conn, "S001", "A1", "Alice", "1234").unwrap();
        // S002's manager takes the same identifier: no conflict, and it is hers alone.
        add(&conn, "S002", "A1", "Agnese", "5678").unwrap();
        disable(&conn, "S002", "A1").unwrap();
        assert!(!list(&conn, "S001").unwrap()[0].disabled);
        assert_eq!(
            credentials(&conn, "S001", "A1").unwrap().unwrap().0,
            "Alice"
        );
        // Another store's advisor and an unknown one: the same answer.
        add(&conn, "S002", "B7", "Bianca", "5678").unwrap();
        let other = reset(&conn, "S001", "B7", "1111").unwrap_err().to_string();
        let unknown = reset(&conn, "S001", "Z9", "1111").unwrap_err().to_string();
        assert_eq!(other.replace("B7", "Z9"), unknown);
        assert_eq!(unknown, "no advisor Z9 in store S001");
    }
}
