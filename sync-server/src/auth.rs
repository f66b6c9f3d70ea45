//! Who is calling: the bearer token names a device, which must not be revoked and may only
//! touch its own store. Every request goes through [`authorize`]; enrolment with signed leases
//! will replace the tokens here and nowhere else.

use rusqlite::Connection;

use crate::devices::{self, Device};
use crate::error::Error;

/// Why a request is refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token, an unknown token, or a revoked device.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The device belongs to another store than the path's.
    #[error("this device may not sync that store")]
    ForbiddenStore,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] Error),
}

/// Extracts the token of an `Authorization: Bearer <token>` header value.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// Checks the token, the device's state and its store against `store_id`.
pub fn authorize(
    conn: &Connection,
    token: Option<&str>,
    store_id: &str,
) -> Result<Device, AuthError> {
    let token = token.ok_or(AuthError::Unauthorized("a device token is required"))?;
    let device =
        devices::by_token(conn, token)?.ok_or(AuthError::Unauthorized("unknown device token"))?;
    if device.revoked_at.is_some() {
        return Err(AuthError::Unauthorized("this device was revoked"));
    }
    if device.store_id != store_id {
        return Err(AuthError::ForbiddenStore);
    }
    Ok(device)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn store_and_revocation_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open_writer(dir.path()).unwrap();
        let d = devices::add(&conn, "S001", "c1").unwrap();
        assert!(authorize(&conn, Some(&d.token), "S001").is_ok());
        assert!(matches!(
            authorize(&conn, Some(&d.token), "S002"),
            Err(AuthError::ForbiddenStore)
        ));
        assert!(matches!(
            authorize(&conn, None, "S001"),
            Err(AuthError::Unauthorized(_))
        ));
        devices::revoke(&conn, &d.device.id).unwrap();
        assert!(matches!(
            authorize(&conn, Some(&d.token), "S001"),
            Err(AuthError::Unauthorized(_))
        ));
    }
}
