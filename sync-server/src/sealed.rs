//! The personal data a PostgreSQL database holds, sealed with a key of the server secret.
//!
//! Community PostgreSQL has no transparent encryption: a stolen disk, backup or `pg_dump`
//! would show every customer. So on PostgreSQL the feed's payloads (customers' names,
//! contacts, cards, purchases) are sealed with AES-256-GCM before they are written and opened
//! after they are read, and a card number is kept only as an HMAC tag for the lookups the
//! server makes by card. Ids, store ids, timestamps and hashes stay in clear: the server
//! queries by them, and they name no one without the sealed records. On SQLite the whole file
//! is encrypted (SQLCipher) and nothing is sealed twice.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::secret::Keys;
use crate::sql::{Backend, Conn};

/// The prefix of a sealed value (the version of the scheme).
const SEALED: &str = "s1:";

/// The AES-256-GCM key that seals payloads.
pub struct SealKey(LessSafeKey);

impl SealKey {
    /// The key of 32 `bytes`.
    pub fn new(bytes: &[u8]) -> Result<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| Error::Task("the seal key has the wrong length".into()))?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// `plain`, sealed: `s1:` and base64 of a random nonce, the ciphertext and its tag.
    pub fn seal(&self, plain: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::Task("no randomness for a nonce".into()))?;
        let mut sealed = plain.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut sealed,
            )
            .map_err(|_| Error::Task("sealing failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED}{}", STANDARD_NO_PAD.encode(out)))
    }

    /// The plain text of a value [`SealKey::seal`] made; an error for anything else (another
    /// key, a damaged or forged value).
    pub fn open(&self, stored: &str) -> Result<String> {
        let refused =
            || Error::Config("a sealed value does not open with this server secret".into());
        let bytes = stored
            .strip_prefix(SEALED)
            .and_then(|b64| STANDARD_NO_PAD.decode(b64).ok())
            .ok_or_else(refused)?;
        if bytes.len() < NONCE_LEN {
            return Err(refused());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| refused())?;
        let mut sealed = sealed.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::empty(), &mut sealed)
            .map_err(|_| refused())?;
        String::from_utf8(plain.to_vec()).map_err(|_| refused())
    }
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

/// The seal key of this process's server secret, made once per secret (its AES key schedule
/// is not free, and a bulk import seals every record).
pub fn this_servers_key() -> Result<Arc<SealKey>> {
    type Cached = Option<(Arc<Keys>, Arc<SealKey>)>;
    static CACHE: Mutex<Cached> = Mutex::new(None);
    let keys = crate::secret::keys()?;
    let mut slot = CACHE
        .lock()
        .map_err(|_| Error::Task("seal key cache poisoned".into()))?;
    if let Some((of, key)) = slot.as_ref()
        && Arc::ptr_eq(of, &keys)
    {
        return Ok(Arc::clone(key));
    }
    let key = Arc::new(SealKey::new(keys.seal.as_bytes())?);
    *slot = Some((keys, Arc::clone(&key)));
    Ok(key)
}

/// A payload as `conn`'s back end stores it: sealed on PostgreSQL.
pub fn to_stored(conn: &Conn<'_>, payload: &str) -> Result<String> {
    match conn.backend() {
        Backend::Sqlite => Ok(payload.to_owned()),
        Backend::Postgres => this_servers_key()?.seal(payload),
    }
}

/// A payload as `conn`'s back end stored it, opened.
pub fn from_stored(conn: &Conn<'_>, stored: String) -> Result<String> {
    match conn.backend() {
        Backend::Sqlite => Ok(stored),
        Backend::Postgres => this_servers_key()?.open(&stored),
    }
}

/// A card number as `conn`'s back end stores it where the server looks cards up: on
/// PostgreSQL, its HMAC tag (hex), which finds the same card without showing it.
pub fn card_as_stored(conn: &Conn<'_>, card: &str) -> Result<String> {
    match conn.backend() {
        Backend::Sqlite => Ok(card.to_owned()),
        Backend::Postgres => {
            let tag = ring::hmac::sign(&crate::secret::keys()?.card_tag, card.as_bytes());
            Ok(crate::ids::hex(tag.as_ref()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn sealed_values_open_with_their_key_only_and_differ_each_time() {
        let key = SealKey::new(&[7; 32]).unwrap();
        let plain = r#"{"name":"Camille Martin","phone":"06 12 34 56 78"}"#;
        let a = key.seal(plain).unwrap();
        let b = key.seal(plain).unwrap();
        assert_ne!(a, b, "a random nonce each time");
        assert!(!a.contains("Camille") && a.starts_with(SEALED));
        assert_eq!(key.open(&a).unwrap(), plain);
        let other = SealKey::new(&[8; 32]).unwrap();
        assert!(other.open(&a).is_err());
        let mut forged = a.clone().into_bytes();
        let last = forged.len() - 2;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        assert!(key.open(&String::from_utf8(forged).unwrap()).is_err());
        assert!(key.open(plain).is_err(), "a value never sealed is refused");
    }
}
