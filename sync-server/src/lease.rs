//! Store-presence leases: the server's Ed25519 signing key (kept in the encrypted database, so
//! that a backup carries it and a restored server's leases and orders still verify on the
//! devices), issuing a lease bound to a device, its store and its nonce, and checking a
//! request's lease.
//!
//! A lease is `base64url(payload JSON) "." base64url(signature)`; the signature covers
//! [`carnet_protocol::presence::lease_message`] of the payload bytes.

use std::path::Path;

use crate::sql::{Conn, OptionalExtension, params};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use carnet_protocol::presence::{Lease, ShredOrder, lease_message, shred_order_message};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// File of the lease-signing key (PKCS#8) in the data directory of servers before the key
/// moved into the database: imported once, then removed.
pub const KEY_FILE: &str = "lease-key.pk8";

/// The `meta` row holding the key (PKCS#8, base64).
const META_KEY: &str = "lease_signing_key";

/// The server's lease-signing key.
pub struct LeaseSigner {
    key: Ed25519KeyPair,
}

impl std::fmt::Debug for LeaseSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LeaseSigner(<redacted>)")
    }
}

/// The stored key (PKCS#8), or `from_file`'s or a new one, stored.
fn stored_or_new(
    tx: &Conn<'_>,
    from_file: Option<&Zeroizing<Vec<u8>>>,
) -> Result<Zeroizing<Vec<u8>>> {
    let stored: Option<Zeroizing<String>> = tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |r| {
            r.get(0)
        })
        .optional()?
        .map(Zeroizing::new);
    let pkcs8 = match stored {
        Some(b64) => Zeroizing::new(
            STANDARD
                .decode(b64.as_bytes())
                .map_err(|_| Error::Config("the stored lease key is not base64".into()))?,
        ),
        None => {
            let pkcs8 = match from_file {
                Some(bytes) => bytes.clone(),
                None => Zeroizing::new(generate_pkcs8()?),
            };
            let b64 = Zeroizing::new(STANDARD.encode(pkcs8.as_slice()));
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![META_KEY, b64.as_str()],
            )?;
            pkcs8
        }
    };
    Ok(pkcs8)
}

impl LeaseSigner {
    /// Loads the database's key; on first use imports the data directory's old key file (then
    /// removes it) or creates a key. `conn` is a writer.
    pub fn load_or_create(conn: &Conn<'_>, data_dir: &Path) -> Result<Self> {
        let file = data_dir.join(KEY_FILE);
        let from_file = match std::fs::read(&file) {
            Ok(bytes) => Some(Zeroizing::new(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&file, e)),
        };
        let pkcs8 = conn.transaction(|tx| stored_or_new(tx, from_file.as_ref()))?;
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::Config("the lease key is not an Ed25519 key".into()))?;
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
        Ok(Self { key })
    }

    /// The database's key, or a new one stored: for a database without old key files (run it
    /// inside a write transaction, which serialises replicas starting together).
    pub fn load_or_create_stored(conn: &Conn<'_>) -> Result<Self> {
        let pkcs8 = stored_or_new(conn, None)?;
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::Config("the lease key is not an Ed25519 key".into()))?;
        Ok(Self { key })
    }

    /// A signer with a fresh random key (tests, benchmarks).
    pub fn generate() -> Result<Self> {
        let pkcs8 = Zeroizing::new(generate_pkcs8()?);
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::Task("generated key refused".into()))?;
        Ok(Self { key })
    }

    /// The public key, base64url: what devices verify leases with.
    pub fn public_key_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.public_key().as_ref())
    }

    /// Signs a lease.
    pub fn issue(&self, lease: &Lease) -> Result<String> {
        let payload = serde_json::to_vec(lease)?;
        let sig = self.key.sign(&lease_message(&payload));
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(sig.as_ref())
        ))
    }

    /// Signs an order to a device to destroy its data (same token shape as a lease).
    pub fn sign_order(&self, order: &ShredOrder) -> Result<String> {
        let payload = serde_json::to_vec(order)?;
        let sig = self.key.sign(&shred_order_message(&payload));
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(sig.as_ref())
        ))
    }

    /// The lease in `token` if this server signed it (expiry is the caller's check).
    pub fn verify(&self, token: &str) -> Option<Lease> {
        verify_with(self.key.public_key().as_ref(), token)
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
}
