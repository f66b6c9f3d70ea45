//! Who is calling and from where: an enrolled device, by a lease this server signed and the
//! device's signature over the request; never revoked, only its own store, and only from its
//! store's network ([`check_network`], which every entry point below ends with).
//!
//! Entry points: [`check_enrolment`] (a one-time code), [`check_presence`] (a presence check
//! signed by the device), and for every other request two steps, so that the lease can be
//! checked before a body is read: [`check_lease`] looks at the headers and the address only
//! (the lease, the request's time, the device, its store, its network) and
//! [`LeaseHolder::check_signature`] at the device's signature over method, path and body.

use std::net::IpAddr;

use crate::sql::{Conn, params};
use carnet_protocol::presence::{
    Lease, PresenceRequest, REQUEST_SKEW_MS, ShredKind, ShredOrder, parse_device_auth,
    presence_message, request_message,
};

use crate::enrolment;
use crate::error::Error;
use crate::lease::{self, LeaseSigner, SignedOrder};
use crate::networks;

/// Why a request is refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials, or an unknown device.
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
    Revoked(SignedOrder),
    /// A remote wipe was ordered for the device (with its signed order).
    #[error("a remote wipe was ordered for this device")]
    Wiped(SignedOrder),
    /// No such enrolled device here (never enrolled, or a database restored from before its
    /// enrolment): the device locks and keeps its data until it is enrolled again.
    #[error("this device is not known to the server")]
    UnknownDevice,
    /// The request does not come from the store's network (or the store has none yet); the
    /// reason says which.
    #[error("{0}")]
    OffNetwork(String),
    /// This signed write was received already.
    #[error("this request was received already")]
    Replayed,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] Error),
}

/// The credentials a request carries, as header values.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
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
    /// The request, as the SHA-256 of the message the device signed (a replay has the same).
    pub request_digest: [u8; 32],
    /// When the request's time leaves the window: a replay is refused by its time from then.
    pub window_ends_ms: i64,
}

/// A request whose lease holds; its signature is not checked yet.
#[derive(Debug)]
pub struct LeaseHolder {
    lease: Lease,
    t: u64,
    signature: String,
    public_key: Vec<u8>,
    device: enrolment::DeviceKey,
}

impl LeaseHolder {
    /// The device's store.
    pub fn store_id(&self) -> &str {
        &self.lease.store_id
    }

    /// Checks the device's signature over `signed` (with the lease's nonce and time), then the
    /// device's state: only the device itself is told to shred (an order `signer` signs).
    pub fn check_signature(
        self,
        signed: Signed<'_>,
        signer: &LeaseSigner,
    ) -> Result<Caller, AuthError> {
        let message = request_message(
            signed.method,
            signed.path_and_query,
            &self.lease.nonce,
            self.t,
            signed.body_sha256_hex,
        );
        if !lease::verify_device(&self.public_key, &message, &self.signature) {
            return Err(AuthError::BadLease("the request signature is wrong"));
        }
        check_state(&self.device, signer, &self.lease.nonce)?;
        let claimed = self
            .lease
            .issued_at_ms
            .saturating_add(i64::try_from(self.t).unwrap_or(i64::MAX));
        Ok(Caller {
            device_id: self.lease.device_id,
            store_id: self.lease.store_id,
            request_digest: crate::ids::sha256(&message),
            window_ends_ms: claimed.saturating_add(REQUEST_SKEW_MS),
        })
    }
}

/// Checks what the headers and the address say: the lease (this server's signature, not
/// expired), the request's time (the lease's issue + `t`, within [`REQUEST_SKEW_MS`] of the
/// server's clock), the device (enrolled, of the lease's store), `store_id` (the path's store,
/// if it names one) and `client`, the address the request comes from (on the store's network).
/// A revoked or wiped device is told so once its signature is checked.
pub fn check_lease(
    conn: &Conn<'_>,
    credentials: &Credentials,
    store_id: Option<&str>,
    client: Option<IpAddr>,
    signer: &LeaseSigner,
    now_ms: i64,
) -> Result<LeaseHolder, AuthError> {
    let token = credentials.lease.as_deref().ok_or(AuthError::Unauthorized(
        "a lease and the device's signature are required",
    ))?;
    let lease = signer
        .verify_or_reload(conn, token)?
        .ok_or(AuthError::BadLease(
            "the lease was not issued by this server",
        ))?;
    if now_ms >= lease.expires_at_ms {
        return Err(AuthError::BadLease("the lease expired"));
    }
    let (t, signature) = credentials
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
    let device = enrolment::device_key(conn, &lease.device_id)?.ok_or(AuthError::UnknownDevice)?;
    let public_key = device
        .public_key
        .clone()
        .ok_or(AuthError::Unauthorized("this device is not enrolled"))?;
    if device.store_id != lease.store_id {
        return Err(AuthError::BadLease("the lease is for another store"));
    }
    if store_id.is_some_and(|s| s != lease.store_id) {
        return Err(AuthError::ForbiddenStore);
    }
    check_network(conn, &lease.store_id, client)?;
    Ok(LeaseHolder {
        signature: signature.to_owned(),
        lease,
        t,
        public_key,
        device,
    })
}

/// Checks a presence request: a known device that signed it, neither revoked nor wiped (told
/// so wherever it is, with an order `signer` signs), on its store's network. Returns the
/// device's store.
pub fn check_presence(
    conn: &Conn<'_>,
    request: &PresenceRequest,
    client: Option<IpAddr>,
    signer: &LeaseSigner,
) -> Result<String, AuthError> {
    let device =
        enrolment::device_key(conn, &request.device_id)?.ok_or(AuthError::UnknownDevice)?;
    let public_key = device
        .public_key
        .as_deref()
        .ok_or(AuthError::Unauthorized("this device is not enrolled"))?;
    let message = presence_message(&request.device_id, &request.nonce, &request.app_version);
    if !lease::verify_device(public_key, &message, &request.signature) {
        return Err(AuthError::BadLease("the presence signature is wrong"));
    }
    // Only the device itself (its signature checked) is told to shred.
    check_state(&device, signer, &request.nonce)?;
    check_network(conn, &device.store_id, client)?;
    Ok(device.store_id)
}

/// Checks that an enrolment with `code` comes from the network of the code's store. An
/// unknown, used or expired code passes here: the enrolment refuses it, alike from anywhere.
pub fn check_enrolment(
    conn: &Conn<'_>,
    code: &str,
    client: Option<IpAddr>,
) -> Result<(), AuthError> {
    match enrolment::code_store(conn, code)? {
        Some(store_id) => check_network(conn, &store_id, client),
        None => Ok(()),
    }
}

/// Refuses a request that does not come from `store_id`'s network, and every request of a
/// store that has no network yet. `client` is the request's address (`None`: unknown).
pub fn check_network(
    conn: &Conn<'_>,
    store_id: &str,
    client: Option<IpAddr>,
) -> Result<(), AuthError> {
    let ranges = networks::ranges(conn, store_id)?;
    if ranges.is_empty() {
        return Err(AuthError::OffNetwork(format!(
            "store {store_id} has no network yet: a manager adds the address ranges its \
             handhelds come from (`carnet-sync-server store network add --store {store_id} \
             --cidr RANGE`, or POST /v1/admin/networks)"
        )));
    }
    match client {
        Some(ip) if networks::contains(&ranges, ip) => Ok(()),
        _ => Err(AuthError::OffNetwork(
            "this request does not come from the store's network".into(),
        )),
    }
}

/// Accepts a signed write once: the same request again, within its window, is refused (past
/// the window its time refuses it). Run it in a write; it forgets requests past their window.
pub fn accept_once(conn: &Conn<'_>, caller: &Caller, now_ms: i64) -> Result<(), AuthError> {
    conn.execute("DELETE FROM request_seen WHERE expires_ms < ?1", [now_ms])
        .map_err(Error::from)?;
    let inserted = conn
        .execute(
            "INSERT INTO request_seen (digest, expires_ms) VALUES (?1, ?2)
             ON CONFLICT (digest) DO NOTHING",
            params![caller.request_digest.as_slice(), caller.window_ends_ms],
        )
        .map_err(Error::from)?;
    if inserted == 0 {
        return Err(AuthError::Replayed);
    }
    Ok(())
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

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use carnet_protocol::presence::device_auth_header;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        conn: crate::db::DirectConn,
        signer: LeaseSigner,
        key: Ed25519KeyPair,
        lease: Lease,
        token: String,
    }

    /// A device of S001 enrolled with a key, holding a lease issued at `now`.
    fn fixture(now: i64) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        crate::stores::add(&conn, "S001", "Paris", &Default::default()).unwrap();
        networks::add(&conn, "S001", "192.168.10.0/24").unwrap();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let code = enrolment::issue(&conn, "S001", None, "ab", None).unwrap();
        let (device_id, store_id, _) =
            enrolment::enroll(&conn, &code.code, key.public_key().as_ref(), "1.0").unwrap();
        let signer = LeaseSigner::generate().unwrap();
        let lease = Lease {
            device_id,
            store_id,
            nonce: "n".into(),
            issued_at_ms: now,
            expires_at_ms: now + 300_000,
        };
        let token = signer.issue(&lease).unwrap();
        Fixture {
            _dir: dir,
            conn: db,
            signer,
            key,
            lease,
            token,
        }
    }

    fn credentials(f: &Fixture, key: &Ed25519KeyPair, t: u64, signed: Signed<'_>) -> Credentials {
        let message = request_message(
            signed.method,
            signed.path_and_query,
            &f.lease.nonce,
            t,
            signed.body_sha256_hex,
        );
        Credentials {
            lease: Some(f.token.clone()),
            device_auth: Some(device_auth_header(
                t,
                &URL_SAFE_NO_PAD.encode(key.sign(&message).as_ref()),
            )),
        }
    }

    const GET: Signed<'static> = Signed {
        method: "GET",
        path_and_query: "/v1/stores/S001/changes",
        body_sha256_hex: "00",
    };

    fn in_store() -> Option<IpAddr> {
        "192.168.10.20".parse().ok()
    }

    fn authorize(
        f: &Fixture,
        c: &Credentials,
        store: Option<&str>,
        now: i64,
    ) -> Result<Caller, AuthError> {
        check_lease(&f.conn.conn(), c, store, in_store(), &f.signer, now)?
            .check_signature(GET, &f.signer)
    }

    #[test]
    fn lease_time_store_state_and_signature_are_checked() {
        let now = 1_000_000_000;
        let f = fixture(now);
        let good = credentials(&f, &f.key, 2_000, GET);
        let caller = authorize(&f, &good, Some("S001"), now + 2_000).unwrap();
        assert_eq!(caller.store_id, "S001");
        assert!(matches!(
            authorize(&f, &good, Some("S002"), now + 2_000),
            Err(AuthError::ForbiddenStore)
        ));
        // Outside the request window either way, or after the lease's expiry.
        for at in [
            now + 2_000 + REQUEST_SKEW_MS + 1,
            now + 2_000 - REQUEST_SKEW_MS - 1,
        ] {
            assert!(matches!(
                authorize(&f, &good, None, at),
                Err(AuthError::BadLease(_))
            ));
        }
        let late = credentials(&f, &f.key, 400_000, GET);
        assert!(matches!(
            authorize(&f, &late, None, now + 400_000),
            Err(AuthError::BadLease("the lease expired"))
        ));
        // Signed for another path, or by another key.
        let other_path = Signed {
            path_and_query: "/v1/stores/S001/changes?cursor=x",
            ..GET
        };
        let c = credentials(&f, &f.key, 2_000, other_path);
        assert!(matches!(
            authorize(&f, &c, None, now + 2_000),
            Err(AuthError::BadLease(_))
        ));
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let thief = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let c = credentials(&f, &thief, 2_000, GET);
        assert!(matches!(
            authorize(&f, &c, None, now + 2_000),
            Err(AuthError::BadLease(_))
        ));
        // From outside the store's network, or from an address nobody could tell.
        for client in ["192.168.11.20".parse().ok(), None] {
            assert!(matches!(
                check_lease(&f.conn.conn(), &good, None, client, &f.signer, now + 2_000),
                Err(AuthError::OffNetwork(_))
            ));
        }
        // No lease at all; then the device revoked, then wiped.
        assert!(matches!(
            authorize(&f, &Credentials::default(), None, now),
            Err(AuthError::Unauthorized(_))
        ));
        crate::devices::revoke(&f.conn.conn(), &f.lease.device_id).unwrap();
        assert!(matches!(
            authorize(&f, &good, None, now + 2_000),
            Err(AuthError::Revoked(_))
        ));
        enrolment::order_wipe(&f.conn.conn(), None, &f.lease.device_id).unwrap();
        assert!(matches!(
            authorize(&f, &good, None, now + 2_000),
            Err(AuthError::Wiped(_))
        ));
    }

    #[test]
    fn a_store_without_a_network_serves_nobody_and_says_how_to_add_one() {
        let f = fixture(0);
        crate::stores::add(&f.conn.conn(), "S002", "Lyon", &Default::default()).unwrap();
        let why = check_network(&f.conn.conn(), "S002", in_store())
            .unwrap_err()
            .to_string();
        assert!(why.contains("store network add --store S002"), "{why}");
        check_network(&f.conn.conn(), "S001", in_store()).unwrap();
        assert!(check_network(&f.conn.conn(), "S001", "::1".parse().ok()).is_err());
        // A code is checked against its store's network before it is spent.
        let code = enrolment::issue(&f.conn.conn(), "S002", None, "ab", None).unwrap();
        assert!(matches!(
            check_enrolment(&f.conn.conn(), &code.code, in_store()),
            Err(AuthError::OffNetwork(_))
        ));
        check_enrolment(&f.conn.conn(), "NOPE-NOPE-NOPE", None).unwrap();
    }

    #[test]
    fn a_signed_write_is_accepted_once_within_its_window() {
        let now = 1_000_000_000;
        let f = fixture(now);
        let c = credentials(&f, &f.key, 2_000, GET);
        let caller = authorize(&f, &c, None, now + 2_000).unwrap();
        accept_once(&f.conn.conn(), &caller, now + 2_000).unwrap();
        assert!(matches!(
            accept_once(&f.conn.conn(), &caller, now + 3_000),
            Err(AuthError::Replayed)
        ));
        // Another request (another t) of the same lease is another write.
        let other = authorize(&f, &credentials(&f, &f.key, 2_001, GET), None, now + 2_001).unwrap();
        accept_once(&f.conn.conn(), &other, now + 2_001).unwrap();
        // Past the window the row is forgotten; the request's time refuses it by then.
        accept_once(&f.conn.conn(), &caller, caller.window_ends_ms + 1).unwrap();
        assert!(authorize(&f, &c, None, caller.window_ends_ms + 1).is_err());
    }
}
