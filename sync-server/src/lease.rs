//! Store-presence leases: the server's Ed25519 signing key (kept in the database, so that a
//! backup carries it, every replica signs with it and a restored server's leases and orders
//! still verify on the devices), its rotation, issuing a lease bound to a device, its store and
//! its nonce, and checking a request's lease.
//!
//! A lease is `base64url(payload JSON) "." base64url(signature)`; the signature covers
//! [`carnet_protocol::presence::lease_message`] of the payload bytes.
//!
//! **Rotation** ([`rotate`]) logs no one out: the outgoing key signs an endorsement of the new
//! one, kept with its public key in the key history. Leases it signed before it retired still
//! verify until they expire, and every presence answer carries the endorsements, so a device
//! that pinned an older key follows them to the new one. Replicas read the keys again every
//! [`KEY_REFRESH`] (or their configured period), and at once when a lease does not verify.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::sql::{Conn, OptionalExtension, params};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use carnet_protocol::presence::{
    KeyEndorsement, Lease, MAX_KEY_CHAIN, ShredOrder, key_endorsement_message, lease_message,
    shred_order_message,
};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// File of the lease-signing key (PKCS#8) in the data directory of servers before the key
/// moved into the database: imported once, then removed.
pub const KEY_FILE: &str = "lease-key.pk8";

/// The `meta` row holding the current key (PKCS#8, base64; sealed on PostgreSQL).
const META_KEY: &str = "lease_signing_key";

/// The `meta` row holding the retired keys' public halves and endorsements (JSON, oldest
/// first).
const META_HISTORY: &str = "lease_key_history";

/// How often a serving replica reads the keys again unless its config says otherwise (another
/// replica, or the command line, may have rotated them; at most a minute).
pub const KEY_REFRESH: Duration = Duration::from_secs(30);

/// A lease signed by a retired key verifies if it was issued before the retirement, or up to
/// this long after it: a replica that has not yet read the new key still signs with the old.
/// Well over the longest refresh period.
const RETIREMENT_GRACE_MS: i64 = 5 * 60 * 1000;

/// The soonest a lease that does not verify makes the keys be read again.
const RELOAD_ON_MISS_EVERY: Duration = Duration::from_secs(1);

/// A retired key, as the history keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RetiredKey {
    /// Its public key, base64url.
    public_key: String,
    /// When it stopped signing, Unix ms.
    retired_at_ms: i64,
    /// Its signature (base64url) over [`key_endorsement_message`] of its successor.
    endorses_successor: String,
}

/// The keys as last read: the one that signs, and the retired ones that still verify.
struct KeyRing {
    current: Ed25519KeyPair,
    retired: Vec<(Vec<u8>, i64)>,
    chain: Vec<KeyEndorsement>,
}

impl KeyRing {
    fn new(pkcs8: &[u8], history: &[RetiredKey]) -> Result<Self> {
        let current = key_pair(pkcs8)?;
        let current_b64 = URL_SAFE_NO_PAD.encode(current.public_key().as_ref());
        let mut retired = Vec::with_capacity(history.len());
        let mut chain = Vec::with_capacity(history.len());
        for (i, key) in history.iter().enumerate() {
            let public = URL_SAFE_NO_PAD
                .decode(&key.public_key)
                .map_err(|_| Error::Config("a retired lease key is not base64url".into()))?;
            retired.push((public, key.retired_at_ms));
            let successor = history
                .get(i + 1)
                .map_or(current_b64.as_str(), |k| k.public_key.as_str());
            chain.push(KeyEndorsement {
                public_key: successor.to_owned(),
                signature: key.endorses_successor.clone(),
            });
        }
        Ok(Self {
            current,
            retired,
            chain,
        })
    }

    fn verify(&self, token: &str) -> Option<Lease> {
        if let Some(lease) = verify_with(self.current.public_key().as_ref(), token) {
            return Some(lease);
        }
        self.retired.iter().find_map(|(public, retired_at_ms)| {
            verify_with(public, token)
                .filter(|l| l.issued_at_ms < retired_at_ms.saturating_add(RETIREMENT_GRACE_MS))
        })
    }
}

/// A signed [`ShredOrder`] and the key endorsements a device may need to verify it.
#[derive(Debug, Clone)]
pub struct SignedOrder {
    /// The order, in the token shape of a lease.
    pub token: String,
    /// See [`LeaseSigner::key_chain`].
    pub key_chain: Vec<KeyEndorsement>,
}

/// The server's lease-signing keys.
pub struct LeaseSigner {
    ring: RwLock<Arc<KeyRing>>,
    last_read: Mutex<Instant>,
}

impl std::fmt::Debug for LeaseSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LeaseSigner(<redacted>)")
    }
}

/// The `meta` value under `key`, if any.
fn meta_value(conn: &Conn<'_>, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Sets the `meta` value under `key`.
fn put_meta(conn: &Conn<'_>, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The key pair of a stored PKCS#8 document.
fn key_pair(pkcs8: &[u8]) -> Result<Ed25519KeyPair> {
    Ed25519KeyPair::from_pkcs8(pkcs8)
        .map_err(|_| Error::Config("the lease key is not an Ed25519 key".into()))
}

/// `payload` signed with `key` over `message(payload)`: `base64url(payload) "." base64url(sig)`.
fn signed_token(key: &Ed25519KeyPair, payload: &[u8], message: fn(&[u8]) -> Vec<u8>) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(key.sign(&message(payload)).as_ref())
    )
}

/// The stored current key (PKCS#8), if any.
fn stored_key(conn: &Conn<'_>) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let Some(stored) = meta_value(conn, META_KEY)?.map(Zeroizing::new) else {
        return Ok(None);
    };
    let b64 = Zeroizing::new(crate::sealed::from_stored(conn, stored.to_string())?);
    STANDARD
        .decode(b64.as_bytes())
        .map(|k| Some(Zeroizing::new(k)))
        .map_err(|_| Error::Config("the stored lease key is not base64".into()))
}

/// Stores `pkcs8` as the current key (sealed on PostgreSQL).
fn store_key(conn: &Conn<'_>, pkcs8: &[u8]) -> Result<()> {
    let b64 = Zeroizing::new(STANDARD.encode(pkcs8));
    let stored = Zeroizing::new(crate::sealed::to_stored(conn, &b64)?);
    put_meta(conn, META_KEY, &stored)
}

fn stored_history(conn: &Conn<'_>) -> Result<Vec<RetiredKey>> {
    meta_value(conn, META_HISTORY)?.map_or(Ok(Vec::new()), |j| {
        serde_json::from_str(&j)
            .map_err(|_| Error::Config("the lease key history is not readable".into()))
    })
}

/// The stored key (PKCS#8), or `from_file`'s or a new one, stored.
fn stored_or_new(
    tx: &Conn<'_>,
    from_file: Option<&Zeroizing<Vec<u8>>>,
) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(pkcs8) = stored_key(tx)? {
        return Ok(pkcs8);
    }
    let pkcs8 = match from_file {
        Some(bytes) => bytes.clone(),
        None => Zeroizing::new(generate_pkcs8()?),
    };
    store_key(tx, &pkcs8)?;
    Ok(pkcs8)
}

/// Retires the current key for a new one, which the outgoing key endorses: devices that
/// pinned it follow to the new key on their next presence check, and its leases verify until
/// they expire. The history keeps the last [`MAX_KEY_CHAIN`] retired keys. Returns the new
/// public key (base64url). `conn` is a writer; run it in a write transaction.
pub fn rotate(conn: &Conn<'_>, now_ms: i64) -> Result<String> {
    let old = stored_key(conn)?
        .ok_or_else(|| Error::Config("there is no lease key to rotate yet".into()))?;
    let old = key_pair(&old)?;
    let new_pkcs8 = Zeroizing::new(generate_pkcs8()?);
    let new = key_pair(&new_pkcs8)?;
    let new_public = new.public_key().as_ref();
    let mut history = stored_history(conn)?;
    history.push(RetiredKey {
        public_key: URL_SAFE_NO_PAD.encode(old.public_key().as_ref()),
        retired_at_ms: now_ms,
        endorses_successor: URL_SAFE_NO_PAD
            .encode(old.sign(&key_endorsement_message(new_public)).as_ref()),
    });
    let excess = history.len().saturating_sub(MAX_KEY_CHAIN);
    history.drain(..excess);
    store_key(conn, &new_pkcs8)?;
    put_meta(conn, META_HISTORY, &serde_json::to_string(&history)?)?;
    Ok(URL_SAFE_NO_PAD.encode(new_public))
}

impl LeaseSigner {
    fn with(ring: KeyRing) -> Self {
        Self {
            ring: RwLock::new(Arc::new(ring)),
            last_read: Mutex::new(Instant::now()),
        }
    }

    fn ring(&self) -> Arc<KeyRing> {
        Arc::clone(
            &self
                .ring
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Loads the database's key; on first use imports the data directory's old key file (then
    /// removes it) or creates a key. `conn` is a writer.
    pub fn load_or_create(conn: &Conn<'_>, data_dir: &Path) -> Result<Self> {
        let file = data_dir.join(KEY_FILE);
        let from_file = match std::fs::read(&file) {
            Ok(bytes) => Some(Zeroizing::new(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&file, e)),
        };
        let (pkcs8, history) = conn.transaction(|tx| {
            Ok::<_, Error>((stored_or_new(tx, from_file.as_ref())?, stored_history(tx)?))
        })?;
        let ring = KeyRing::new(&pkcs8, &history)?;
        if let Some(bytes) = from_file {
            if *bytes == *pkcs8 {
                std::fs::remove_file(&file).map_err(|e| Error::io(&file, e))?;
                tracing::info!("the lease key moved into the database; its old file is removed");
            } else {
                tracing::warn!(
                    file = %file.display(),
                    "an old lease key file differs from the database's key: left in place"
                );
            }
        }
        Ok(Self::with(ring))
    }

    /// The database's key, or a new one stored: for a database without old key files (run it
    /// inside a write transaction, which serialises replicas starting together).
    pub fn load_or_create_stored(conn: &Conn<'_>) -> Result<Self> {
        let pkcs8 = stored_or_new(conn, None)?;
        Ok(Self::with(KeyRing::new(&pkcs8, &stored_history(conn)?)?))
    }

    /// A signer with a fresh random key (tests, benchmarks).
    pub fn generate() -> Result<Self> {
        let pkcs8 = Zeroizing::new(generate_pkcs8()?);
        Ok(Self::with(KeyRing::new(&pkcs8, &[])?))
    }

    /// Reads the keys again (after a rotation elsewhere); keeps the ones it has if the
    /// database holds none.
    pub fn reload(&self, conn: &Conn<'_>) -> Result<()> {
        let Some(pkcs8) = stored_key(conn)? else {
            return Ok(());
        };
        let ring = Arc::new(KeyRing::new(&pkcs8, &stored_history(conn)?)?);
        *self
            .ring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = ring;
        *self
            .last_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
        Ok(())
    }

    /// The public key, base64url: what devices verify leases with.
    pub fn public_key_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.ring().current.public_key().as_ref())
    }

    /// The endorsements from the oldest retired key still kept to the current one, oldest
    /// first (empty before the first rotation).
    pub fn key_chain(&self) -> Vec<KeyEndorsement> {
        self.ring().chain.clone()
    }

    /// Signs a lease.
    pub fn issue(&self, lease: &Lease) -> Result<String> {
        let payload = serde_json::to_vec(lease)?;
        Ok(signed_token(&self.ring().current, &payload, lease_message))
    }

    /// Signs an order to a device to destroy its data (same token shape as a lease), with
    /// the endorsements that lead a device's older key to the one that signed it.
    pub fn sign_order(&self, order: &ShredOrder) -> Result<SignedOrder> {
        let payload = serde_json::to_vec(order)?;
        let ring = self.ring();
        Ok(SignedOrder {
            token: signed_token(&ring.current, &payload, shred_order_message),
            key_chain: ring.chain.clone(),
        })
    }

    /// The lease in `token` if this server signed it, with its current key or, before it
    /// retired, a previous one (expiry is the caller's check).
    pub fn verify(&self, token: &str) -> Option<Lease> {
        self.ring().verify(token)
    }

    /// [`Self::verify`], reading the keys again first if `token` does not verify and they
    /// were not read in the last second: another replica may sign with a newer key.
    pub fn verify_or_reload(&self, conn: &Conn<'_>, token: &str) -> Result<Option<Lease>> {
        if let Some(lease) = self.verify(token) {
            return Ok(Some(lease));
        }
        let stale = self
            .last_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .elapsed()
            >= RELOAD_ON_MISS_EVERY;
        if !stale {
            return Ok(None);
        }
        self.reload(conn)?;
        Ok(self.verify(token))
    }
}

/// Checks a lease token against a public key; the payload if the signature holds.
pub fn verify_with(public_key: &[u8], token: &str) -> Option<Lease> {
    let (payload_b64, sig_b64) = token.trim().split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload_b64).ok()?;
    let sig = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(&lease_message(&payload), &sig)
        .ok()?;
    serde_json::from_slice(&payload).ok()
}

/// Verifies a device's Ed25519 signature (base64url) over `message` with its public key.
pub fn verify_device(public_key: &[u8], message: &[u8], signature_b64: &str) -> bool {
    let Ok(sig) = URL_SAFE_NO_PAD.decode(signature_b64.trim()) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message, &sig)
        .is_ok()
}

fn generate_pkcs8() -> Result<Vec<u8>> {
    let rng = ring::rand::SystemRandom::new();
    Ed25519KeyPair::generate_pkcs8(&rng)
        .map(|k| k.as_ref().to_vec())
        .map_err(|_| Error::Task("the system random generator failed".into()))
}

/// The current server time, Unix ms.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn an_old_key_file_is_imported_once_then_removed() {
        let dir = tempfile::tempdir().unwrap();
        let pkcs8 = generate_pkcs8().unwrap();
        let file = dir.path().join(KEY_FILE);
        std::fs::write(&file, &pkcs8).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let old = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        let signer = LeaseSigner::load_or_create(&conn, dir.path()).unwrap();
        assert_eq!(
            signer.public_key_b64(),
            URL_SAFE_NO_PAD.encode(old.public_key().as_ref())
        );
        assert!(!file.exists());
        // A file that is not the database's key is left alone, and the database's key wins.
        let stray = generate_pkcs8().unwrap();
        std::fs::write(&file, &stray).unwrap();
        let again = LeaseSigner::load_or_create(&conn, dir.path()).unwrap();
        assert_eq!(again.public_key_b64(), signer.public_key_b64());
        assert_eq!(std::fs::read(&file).unwrap(), stray);
    }

    fn lease() -> Lease {
        Lease {
            device_id: "dev-1".into(),
            store_id: "S001".into(),
            nonce: "n".into(),
            issued_at_ms: 1,
            expires_at_ms: 2,
        }
    }

    #[test]
    fn key_lives_in_the_database_and_verifies_only_its_leases() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        let a = LeaseSigner::load_or_create(&conn, dir.path()).unwrap();
        assert!(!dir.path().join(KEY_FILE).exists());
        let again = LeaseSigner::load_or_create(&conn, dir.path()).unwrap();
        assert_eq!(a.public_key_b64(), again.public_key_b64());
        let token = a.issue(&lease()).unwrap();
        assert_eq!(again.verify(&token), Some(lease()));
        let other = LeaseSigner::generate().unwrap();
        assert_eq!(other.verify(&token), None);
        let (payload, sig) = token.split_once('.').unwrap();
        let mut forged = lease();
        forged.expires_at_ms = i64::MAX;
        let forged = format!(
            "{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap())
        );
        assert_eq!(a.verify(&forged), None);
        assert_eq!(a.verify(payload), None);
        assert_eq!(a.verify("garbage"), None);
    }

    #[test]
    fn a_rotation_keeps_old_leases_and_vouches_for_the_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        let signer = LeaseSigner::load_or_create(&conn, dir.path()).unwrap();
        let first = signer.public_key_b64();
        let first_pkcs8 = stored_key(&conn).unwrap().unwrap();
        let before = signer.issue(&lease()).unwrap();
        assert!(signer.key_chain().is_empty());

        let retired_at = 1_000_000;
        let second = conn.transaction(|tx| rotate(tx, retired_at)).unwrap();
        // Not yet read again: it signs with the old key still.
        assert_eq!(signer.public_key_b64(), first);
        signer.reload(&conn).unwrap();
        assert_eq!(signer.public_key_b64(), second);

        // A lease of the old key issued before it retired still verifies; one issued by a
        // replica that had not read the rotation yet, within the grace, too; later, not.
        assert_eq!(signer.verify(&before), Some(lease()));
        let stale_replica = |issued_at_ms| {
            LeaseSigner::with(KeyRing::new(&first_pkcs8, &[]).unwrap())
                .issue(&Lease {
                    issued_at_ms,
                    ..lease()
                })
                .unwrap()
        };
        assert!(signer.verify(&stale_replica(retired_at + 1_000)).is_some());
        assert!(
            signer
                .verify(&stale_replica(retired_at + RETIREMENT_GRACE_MS + 1))
                .is_none()
        );

        // The chain: the old key's endorsement of the new one.
        let chain = signer.key_chain();
        assert_eq!(chain.len(), 1);
        assert_eq!(chain[0].public_key, second);
        let endorsed = UnparsedPublicKey::new(&ED25519, URL_SAFE_NO_PAD.decode(&first).unwrap())
            .verify(
                &key_endorsement_message(&URL_SAFE_NO_PAD.decode(&second).unwrap()),
                &URL_SAFE_NO_PAD.decode(&chain[0].signature).unwrap(),
            );
        assert!(endorsed.is_ok());

        // The history keeps the last MAX_KEY_CHAIN retired keys.
        for i in 0..MAX_KEY_CHAIN + 3 {
            conn.transaction(|tx| rotate(tx, retired_at + i as i64))
                .unwrap();
        }
        signer.reload(&conn).unwrap();
        let chain = signer.key_chain();
        assert_eq!(chain.len(), MAX_KEY_CHAIN);
        assert_eq!(chain.last().unwrap().public_key, signer.public_key_b64());
        assert_eq!(signer.verify(&before), None, "its key was forgotten");
    }
}
