//! Store-presence leases: the server's Ed25519 signing key (kept in the data directory, 0600),
//! issuing a lease bound to a device, its store and its nonce, and checking a request's lease.
//!
//! A lease is `base64url(payload JSON) "." base64url(signature)`; the signature covers
//! [`carnet_protocol::presence::lease_message`] of the payload bytes.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carnet_protocol::presence::{Lease, ShredOrder, lease_message, shred_order_message};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use crate::error::{Error, Result};

/// File of the lease-signing key (PKCS#8) inside the data directory.
pub const KEY_FILE: &str = "lease-key.pk8";

/// The server's lease-signing key.
pub struct LeaseSigner {
    key: Ed25519KeyPair,
}

impl std::fmt::Debug for LeaseSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LeaseSigner(<redacted>)")
    }
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

impl LeaseSigner {
    /// Loads the data directory's key, creating it (mode 0600) on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Self> {
        let path = key_path(data_dir);
        let pkcs8 = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(data_dir, &path)?,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::Config(format!("{} is not an Ed25519 key", path.display())))?;
        Ok(Self { key })
    }

    /// A signer with a fresh random key (tests, benchmarks).
    pub fn generate() -> Result<Self> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| Error::Task("the system random generator failed".into()))?;
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
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

fn create(data_dir: &Path, path: &Path) -> Result<Vec<u8>> {
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| Error::Task("the system random generator failed".into()))?;
    // create_new: two processes starting at once must not overwrite each other's key.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.write_all(pkcs8.as_ref())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))?;
    Ok(pkcs8.as_ref().to_vec())
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
    fn key_is_private_stable_and_verifies_only_its_leases() {
        let dir = tempfile::tempdir().unwrap();
        let a = LeaseSigner::load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = LeaseSigner::load_or_create(dir.path()).unwrap();
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
