//! Who is calling: an enrolled device (server-signed lease + the device's signature over the
//! request) or a development token device (bearer token); never revoked, only its own store.
//!
//! Every device request goes through [`authorize_request`]. Bearer tokens remain only as the
//! `device add` shortcut for development and tests; enrolled devices have none.

use carnet_protocol::presence::{
    REQUEST_SKEW_MS, ShredKind, ShredOrder, parse_device_auth, request_message,
};
use rusqlite::Connection;

use crate::devices::{self, Device};
use crate::enrolment;
use crate::error::Error;
use crate::lease::{self, LeaseSigner};

/// Why a request is refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token, an unknown token, or a revoked device.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The device belongs to another store than the path's.
    #[error("this device may not sync that store")]
    ForbiddenStore,
    /// The lease or the request signature does not hold; the reason says which check failed.
    #[error("{0}")]
    BadLease(&'static str),
    /// The enrolled device was revoked: it must shred its cache. Carries the signed
    /// [`ShredOrder`] it verifies before destroying anything.
    #[error("this device was revoked")]
    Revoked(String),
    /// A remote wipe was ordered for the device (with its signed order).
    #[error("a remote wipe was ordered for this device")]
    Wiped(String),
    /// No such enrolled device here (never enrolled, or a database restored from before its
    /// enrolment): the device locks and keeps its data until it is enrolled again.
    #[error("this device is not known to the server")]
    UnknownDevice,
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

/// The credentials a request carries, as header values.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    /// `Authorization: Bearer` token (development devices).
    pub bearer: Option<String>,
    /// The lease header.
    pub lease: Option<String>,
    /// The device signature header.
    pub device_auth: Option<String>,
}

/// What a request signature covers besides the lease.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path with its query string, as sent.
    pub path_and_query: &'a str,
    /// SHA-256 of the body, lowercase hex.
    pub body_sha256_hex: &'a str,
}

/// An authenticated device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Its id.
    pub device_id: String,
    /// Its store.
    pub store_id: String,
    /// Enrolled with a key (false: a development token device).
    pub enrolled: bool,
}

/// A request whose credentials hold as far as its headers tell; the device's signature over
/// the request (and its body) is checked by [`LeaseHolder::check_signature`], so that a body is
/// read only once the lease and the device are known.
#[derive(Debug)]
pub struct LeaseHolder {
    caller: Caller,
    /// What the signature check needs (none for a development token device).
    pending: Option<Pending>,
    /// The store the request's path names, if any: checked once the device is proven.
    path_store: Option<String>,
}

#[derive(Debug)]
struct Pending {
    device: enrolment::DeviceKey,
    public_key: Vec<u8>,
    nonce: String,
    t: u64,
    signature: String,
}

impl LeaseHolder {
    /// The device's store.
    pub fn store_id(&self) -> &str {
        &self.caller.store_id
    }

    /// Checks the device's signature over `signed` (with the lease's nonce and time), then its
    /// state: only the device itself, its signature checked, is told to shred.
    pub fn check_signature(
        self,
        signed: Signed<'_>,
        signer: &LeaseSigner,
    ) -> Result<Caller, AuthError> {
        let forbidden = self
            .path_store
            .as_ref()
            .is_some_and(|s| *s != self.caller.store_id);
        let Some(p) = self.pending else {
            return if forbidden {
                Err(AuthError::ForbiddenStore)
            } else {
                Ok(self.caller)
            };
        };
        let message = request_message(
            signed.method,
            signed.path_and_query,
            &p.nonce,
            p.t,
            signed.body_sha256_hex,
        );
        if !lease::verify_device(&p.public_key, &message, &p.signature) {
            return Err(AuthError::BadLease("the request signature is wrong"));
        }
        check_state(&p.device, signer, &p.nonce)?;
        if forbidden {
            return Err(AuthError::ForbiddenStore);
        }
        Ok(self.caller)
    }
}

/// Checks what the headers say: the lease (this server's signature, not expired, its
/// device's store), the request's time (the lease's issue + `t`, within [`REQUEST_SKEW_MS`] of
/// the server's clock) and the device (known, enrolled); or a development bearer token.
/// `store_id`, the path's store if it names one, is compared once the signature holds.
pub fn check_lease(
    conn: &Connection,
    credentials: &Credentials,
    store_id: Option<&str>,
    signer: &LeaseSigner,
    now_ms: i64,
) -> Result<LeaseHolder, AuthError> {
    let holder = match (&credentials.lease, &credentials.bearer) {
        (Some(lease_token), _) => {
            let lease = signer.verify(lease_token).ok_or(AuthError::BadLease(
                "the lease was not issued by this server",
            ))?;
            if now_ms >= lease.expires_at_ms {
                return Err(AuthError::BadLease("the lease expired"));
            }
            let (t, sig) = credentials
                .device_auth
                .as_deref()
                .and_then(parse_device_auth)
                .ok_or(AuthError::BadLease(
                    "the request is not signed by the device",
                ))?;
            let claimed = lease
                .issued_at_ms
                .saturating_add(i64::try_from(t).unwrap_or(i64::MAX));
            if (claimed - now_ms).abs() > REQUEST_SKEW_MS {
                return Err(AuthError::BadLease("the request's time is not the lease's"));
            }
            let device =
                enrolment::device_key(conn, &lease.device_id)?.ok_or(AuthError::UnknownDevice)?;
            let public_key = device
                .public_key
                .clone()
                .ok_or(AuthError::Unauthorized("this device is not enrolled"))?;
            if device.store_id != lease.store_id {
                return Err(AuthError::BadLease("the lease is for another store"));
            }
            LeaseHolder {
                caller: Caller {
                    device_id: lease.device_id,
                    store_id: lease.store_id,
                    enrolled: true,
                },
                pending: Some(Pending {
                    device,
                    public_key,
                    nonce: lease.nonce,
                    t,
                    signature: sig.to_owned(),
                }),
                path_store: None,
            }
        }
        (None, Some(token)) => {
            let token = token.as_str();
            let device = devices::by_token(conn, token)?
                .ok_or(AuthError::Unauthorized("unknown device token"))?;
            if device.revoked_at.is_some() {
                return Err(AuthError::Unauthorized("this device was revoked"));
            }
            LeaseHolder {
                caller: Caller {
                    device_id: device.id,
                    store_id: device.store_id,
                    enrolled: false,
                },
                pending: None,
                path_store: None,
            }
        }
        (None, None) => {
            return Err(AuthError::Unauthorized(
                "a lease and device signature (or a device token) are required",
            ));
        }
    };
    Ok(LeaseHolder {
        path_store: store_id.map(str::to_owned),
        ..holder
    })
}

/// Authenticates a device request whose body is in hand: [`check_lease`], then
/// [`LeaseHolder::check_signature`].
pub fn authorize_request(
    conn: &Connection,
    credentials: &Credentials,
    signed: Signed<'_>,
    store_id: Option<&str>,
    signer: &LeaseSigner,
    now_ms: i64,
) -> Result<Caller, AuthError> {
    check_lease(conn, credentials, store_id, signer, now_ms)?.check_signature(signed, signer)
}

/// Refuses a revoked or wiped enrolled device with the order that makes it shred, signed and
/// bound to `nonce` (the presence check's, or the lease's of a signed request).
pub fn check_state(
    device: &enrolment::DeviceKey,
    signer: &LeaseSigner,
    nonce: &str,
) -> Result<(), AuthError> {
    let kind = if device.wipe_ordered {
        ShredKind::Wipe
    } else if device.revoked {
        ShredKind::Revoke
    } else {
        return Ok(());
    };
    let order = signer.sign_order(&ShredOrder {
        device_id: device.id.clone(),
        store_id: device.store_id.clone(),
        kind,
        nonce: nonce.to_owned(),
        issued_at_ms: lease::now_ms(),
    })?;
    Err(match kind {
        ShredKind::Wipe => AuthError::Wiped(order),
        ShredKind::Revoke => AuthError::Revoked(order),
    })
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
