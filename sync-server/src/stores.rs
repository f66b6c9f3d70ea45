//! Stores known to the back office with their policy (lease lifetime, off-network limit, idle
//! timeout), and their managers, whose bearer token (only its SHA-256 kept) is scoped to one store.

use crate::sql::{Conn, OptionalExtension, params};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{Policy, PolicyUpdate};

use crate::error::AdminError;
use crate::ids;

/// Bounds of the policy's values, in seconds.
pub const LEASE_TTL_RANGE: (u32, u32) = (30, 3600);
/// Off-network limit bounds: 5 minutes to 30 days.
pub const OFF_NETWORK_RANGE: (u32, u32) = (300, 30 * 24 * 3600);
/// Idle timeout bounds: 30 seconds to 8 hours.
pub const IDLE_RANGE: (u32, u32) = (30, 8 * 3600);

/// Checks a store id: 1 to 32 letters, digits, `-` or `_`.
pub fn check_id(kind: &str, id: &str) -> Result<(), AdminError> {
    let ok = !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "{kind} must be 1 to 32 letters, digits, '-' or '_'"
        )))
    }
}

/// The quiet period a store may set, in days.
const QUIET_PERIOD_RANGE: (u32, u32) = (1, 60);

fn check_range(what: &str, value: u32, (lo, hi): (u32, u32)) -> Result<u32, AdminError> {
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(AdminError::Invalid(format!(
            "{what} must be {lo} to {hi} seconds"
        )))
    }
}

/// Applies `update` to `policy` after checking every value.
pub fn apply_update(mut policy: Policy, update: &PolicyUpdate) -> Result<Policy, AdminError> {
    if let Some(v) = update.lease_ttl_secs {
        policy.lease_ttl_secs = check_range("the lease lifetime", v, LEASE_TTL_RANGE)?;
    }
    if let Some(v) = update.off_network_limit_secs {
        policy.off_network_limit_secs = check_range("the off-network limit", v, OFF_NETWORK_RANGE)?;
    }
    if let Some(v) = update.idle_timeout_secs {
        policy.idle_timeout_secs = check_range("the idle timeout", v, IDLE_RANGE)?;
    }
    if let Some(v) = update.quiet_period_days {
        if !(QUIET_PERIOD_RANGE.0..=QUIET_PERIOD_RANGE.1).contains(&v) {
            return Err(AdminError::Invalid(format!(
                "the quiet period must be {} to {} days",
                QUIET_PERIOD_RANGE.0, QUIET_PERIOD_RANGE.1
            )));
        }
        policy.quiet_period_days = v;
    }
    if policy.off_network_limit_secs < policy.lease_ttl_secs {
        return Err(AdminError::Invalid(
            "the off-network limit must be at least the lease lifetime".into(),
        ));
    }
    Ok(policy)
}

/// Creates a store with `update` applied to the default policy.
pub fn add(
    conn: &Conn<'_>,
    store_id: &str,
    name: &str,
    update: &PolicyUpdate,
) -> Result<Policy, AdminError> {
    check_id("a store id", store_id)?;
    if name.trim().is_empty() || name.len() > 100 {
        return Err(AdminError::Invalid(
            "a store name is 1 to 100 characters".into(),
        ));
    }
    let policy = apply_update(Policy::default(), update)?;
    if policy_of(conn, store_id)?.is_some() {
        return Err(AdminError::Conflict(format!(
            "store {store_id} exists already"
        )));
    }
    conn.execute(
        "INSERT INTO store_policy (store_id, name, lease_ttl_secs, off_network_limit_secs,
         idle_timeout_secs, created_at, quiet_period_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            store_id,
            name.trim(),
            policy.lease_ttl_secs,
            policy.off_network_limit_secs,
            policy.idle_timeout_secs,
            ids::now(),
            policy.quiet_period_days
        ],
    )?;
    Ok(policy)
}

/// The policy of a store, if the store was created.
pub fn policy_of(conn: &Conn<'_>, store_id: &str) -> Result<Option<Policy>, AdminError> {
    Ok(conn
        .query_row(
            "SELECT lease_ttl_secs, off_network_limit_secs, idle_timeout_secs, quiet_period_days
               FROM store_policy WHERE store_id = ?1",
            [store_id],
            |r| {
                Ok(Policy {
                    lease_ttl_secs: r.get(0)?,
                    off_network_limit_secs: r.get(1)?,
                    idle_timeout_secs: r.get(2)?,
                    quiet_period_days: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// The policy of a store that must exist.
pub fn require(conn: &Conn<'_>, store_id: &str) -> Result<Policy, AdminError> {
    policy_of(conn, store_id)?.ok_or_else(|| {
        AdminError::NotFound(format!(
            "no store {store_id}: create it first (`carnet-sync-server store add`)"
        ))
    })
}

/// Changes a store's policy.
pub fn update(
    conn: &Conn<'_>,
    store_id: &str,
    update: &PolicyUpdate,
) -> Result<Policy, AdminError> {
    let policy = apply_update(require(conn, store_id)?, update)?;
    conn.execute(
        "UPDATE store_policy SET lease_ttl_secs = ?2, off_network_limit_secs = ?3,
         idle_timeout_secs = ?4, quiet_period_days = ?5 WHERE store_id = ?1",
        params![
            store_id,
            policy.lease_ttl_secs,
            policy.off_network_limit_secs,
            policy.idle_timeout_secs,
            policy.quiet_period_days
        ],
    )?;
    Ok(policy)
}

/// Every store: (id, name, policy).
pub fn list(conn: &Conn<'_>) -> Result<Vec<(String, String, Policy)>, AdminError> {
    let rows = conn.query_map(
        "SELECT store_id, name, lease_ttl_secs, off_network_limit_secs, idle_timeout_secs,
                quiet_period_days
         FROM store_policy ORDER BY store_id",
        (),
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                Policy {
                    lease_ttl_secs: r.get(2)?,
                    off_network_limit_secs: r.get(3)?,
                    idle_timeout_secs: r.get(4)?,
                    quiet_period_days: r.get(5)?,
                },
            ))
        },
    )?;
    Ok(rows)
}

/// A manager's token prefix, distinct from devices' so the two can never be confused.
const MANAGER_PREFIX: &str = "carnet_mgr_";

/// Issues a manager token for a store: (manager id, token shown once).
pub fn add_manager(
    conn: &Conn<'_>,
    store_id: &str,
    label: &str,
) -> Result<(String, String), AdminError> {
    require(conn, store_id)?;
    let id = format!("mgr-{}", ids::hex(&ids::random_bytes(6)?));
    let token = format!(
        "{MANAGER_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(ids::random_bytes(32)?)
    );
    conn.execute(
        "INSERT INTO manager (id, store_id, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, store_id, label, ids::sha256(token.as_bytes()).as_slice(), ids::now()],
    )?;
    Ok((id, token))
}

/// A manager token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerEntry {
    pub id: String,
    pub store_id: String,
    pub label: String,
    pub created_at: String,
}

/// Every manager token, of one store or all, oldest first.
pub fn list_managers(
    conn: &Conn<'_>,
    store_id: Option<&str>,
) -> Result<Vec<ManagerEntry>, AdminError> {
    let rows = conn.query_map(
        "SELECT id, store_id, label, created_at FROM manager
             WHERE CAST(?1 AS TEXT) IS NULL OR store_id = ?1 ORDER BY created_at, id",
        [store_id],
        |r| {
            Ok(ManagerEntry {
                id: r.get(0)?,
                store_id: r.get(1)?,
                label: r.get(2)?,
                created_at: r.get(3)?,
            })
        },
    )?;
    Ok(rows)
}

/// Revokes a manager token (a lost phone, someone who left): its next request is refused.
pub fn revoke_manager(conn: &Conn<'_>, manager_id: &str) -> Result<(), AdminError> {
    match conn.execute("DELETE FROM manager WHERE id = ?1", [manager_id])? {
        0 => Err(AdminError::NotFound(format!("no manager {manager_id}"))),
        _ => Ok(()),
    }
}

/// The store of the manager holding `token`.
pub fn manager_store(conn: &Conn<'_>, token: &str) -> Result<Option<String>, AdminError> {
    Ok(manager_by_token(conn, token)?.map(|(_, store)| store))
}

/// The manager holding `token`: (manager id, store id).
pub fn manager_by_token(
    conn: &Conn<'_>,
    token: &str,
) -> Result<Option<(String, String)>, AdminError> {
    if !token.starts_with(MANAGER_PREFIX) {
        return Ok(None);
    }
    Ok(conn
        .query_row(
            "SELECT id, store_id FROM manager WHERE token_hash = ?1",
            [ids::sha256(token.as_bytes()).as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn stores_policies_and_managers() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        let none = PolicyUpdate::default();
        assert!(matches!(
            add(&conn, "S 1", "x", &none),
            Err(AdminError::Invalid(_))
        ));
        let p = add(&conn, "S001", "Paris", &none).unwrap();
        assert_eq!(p, Policy::default());
        assert!(matches!(
            add(&conn, "S001", "Paris", &none),
            Err(AdminError::Conflict(_))
        ));
        let bad = PolicyUpdate {
            lease_ttl_secs: Some(5),
            ..Default::default()
        };
        assert!(matches!(
            update(&conn, "S001", &bad),
            Err(AdminError::Invalid(_))
        ));
        let ok = PolicyUpdate {
            lease_ttl_secs: Some(60),
            ..Default::default()
        };
        assert_eq!(update(&conn, "S001", &ok).unwrap().lease_ttl_secs, 60);
        // The quiet period: 1 to 60 days, kept with the rest.
        let quiet = |days| PolicyUpdate {
            quiet_period_days: Some(days),
            ..Default::default()
        };
        assert!(matches!(
            update(&conn, "S001", &quiet(0)),
            Err(AdminError::Invalid(_))
        ));
        assert_eq!(
            update(&conn, "S001", &quiet(14)).unwrap().quiet_period_days,
            14
        );
        assert_eq!(require(&conn, "S001").unwrap().quiet_period_days, 14);
        assert_eq!(require(&conn, "S001").unwrap().lease_ttl_secs, 60);
        assert!(matches!(
            add_manager(&conn, "S404", ""),
            Err(AdminError::NotFound(_))
        ));
        let (_, token) = add_manager(&conn, "S001", "boss").unwrap();
        assert_eq!(
            manager_store(&conn, &token).unwrap().as_deref(),
            Some("S001")
        );
        assert_eq!(manager_store(&conn, "carnet_mgr_nope").unwrap(), None);
        assert_eq!(manager_store(&conn, "carnet_x").unwrap(), None);
    }
}
