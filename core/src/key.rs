//! The cache's 256-bit key: random, held only while the device is unlocked, wiped from memory
//! when dropped.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;

/// Length of a cache key in bytes.
pub const KEY_LEN: usize = 32;

/// A raw SQLCipher key. Never printed, zeroised on drop.
pub struct CacheKey([u8; KEY_LEN]);

impl CacheKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::Crypto("no system randomness"))?;
        Ok(Self(bytes))
    }

    /// Takes a key from the platform key store. Fails unless it is exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let array: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| Error::InvalidInput("a cache key is 32 bytes".into()))?;
        Ok(Self(array))
    }

    /// The key's bytes, to hand to the platform key store.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The `PRAGMA key` statement for this raw key; the string is wiped when dropped.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        let literal = self.blob_literal();
        let mut sql = Zeroizing::new(String::with_capacity(16 + literal.len()));
        sql.push_str("PRAGMA key = \"");
        sql.push_str(&literal);
        sql.push('"');
        sql
    }

    /// The key as SQLCipher reads a raw key (`x'…'`, 64 hex digits), e.g. for `ATTACH … KEY`;
    /// the string is wiped when dropped.
    pub(crate) fn blob_literal(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut literal = Zeroizing::new(String::with_capacity(3 + 2 * KEY_LEN));
        literal.push_str("x'");
        for byte in self.0 {
            literal.push(char::from(HEX[usize::from(byte >> 4)]));
            literal.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        literal.push('\'');
        literal
    }

    /// A value that tells whether a key is the one a cache was made with, without revealing it:
    /// HMAC-SHA256 of a fixed label under the key.
    pub(crate) fn check_value(&self) -> [u8; 32] {
        let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let tag = ring::hmac::sign(&hmac_key, b"carnet cache key check v1");
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl Drop for CacheKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CacheKey(<redacted>)")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_never_printed() {
        let a = CacheKey::generate().unwrap();
        let b = CacheKey::generate().unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_eq!(format!("{a:?}"), "CacheKey(<redacted>)");
    }

    #[test]
    fn pragma_is_raw_hex_key() {
        let key = CacheKey::from_bytes(&[0xab; 32]).unwrap();
        let pragma = key.pragma();
        assert_eq!(pragma.len(), 16 + 64 + 2);
        assert!(pragma.starts_with("PRAGMA key = \"x'abab"));
        assert!(pragma.ends_with("ab'\""));
    }

    #[test]
    fn wrong_length_is_refused() {
        assert!(matches!(
            CacheKey::from_bytes(&[1; 31]),
            Err(Error::InvalidInput(_))
        ));
    }
}
